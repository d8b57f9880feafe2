#!/usr/bin/env bash
# Checks that a release build does not depend on where the source lies: the
# host target (or --target T) is built by scripts/package.sh from this tree
# and from a copy of it in a directory of another name and depth, each with
# its own target directory, and the two binaries must be byte-identical and
# name no build directory.
#
#   scripts/check-reproducible.sh [--target T]
#
# The copy (the files git sees: tracked and new, not ignored) is kept in
# target/reproducible/, with times kept, so a second run rebuilds only what
# changed; the first run is a whole release build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

args=()
while (($#)); do
    case $1 in
    --target) args=(--target "${2:?--target needs a target triple}"); shift ;;
    *) echo "check-reproducible: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

copy="$root/target/reproducible/another/place/awsmfa-source"
mkdir -p "$copy"
# Everything but the copy's own target directory is laid anew.
find "$copy" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -xf - -C "$copy"

echo "== build in $root" >&2
one=$(bash scripts/package.sh ${args[@]+"${args[@]}"} --build-only)
echo "== build in $copy" >&2
two=$(cd "$copy" && bash scripts/package.sh ${args[@]+"${args[@]}"} --build-only)

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi
}
sha256 "$one" >&2
sha256 "$two" >&2
if ! cmp -s "$one" "$two"; then
    echo "check-reproducible: the two binaries differ ($(cmp -l "$one" "$two" | wc -l) bytes)" >&2
    exit 1
fi
cargo_home=${CARGO_HOME:-$HOME/.cargo}
for dir in "$copy" "$root" "$cargo_home" "$HOME"; do
    [[ ${#dir} -gt 1 ]] || continue
    if grep -qaF "$dir/" "$one"; then
        echo "check-reproducible: the binary names the build directory $dir" >&2
        exit 1
    fi
done
echo "check-reproducible: identical, no build directory named ($(basename "$one"), $(wc -c <"$one") bytes)" >&2
