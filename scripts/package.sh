#!/usr/bin/env bash
# Builds awsmfa for one target and lays out its release archive in dist/:
#
#   dist/awsmfa-vX.Y.Z-<target>.tar.gz    (.zip for Windows targets) holding
#       awsmfa-vX.Y.Z-<target>/awsmfa     (awsmfa.exe on Windows)
#                              README.md LICENSE CHANGELOG.md
#                              completions/  bash, zsh, fish, PowerShell, elvish
#                              man/          one page per command
#   dist/SHA256SUMS                       over every other file of dist/
#
#   scripts/package.sh                  the host target
#   scripts/package.sh --target T       another target; the binary must run
#                                       here, since it writes its completions
#                                       and man pages
#   scripts/package.sh --deb            also the Debian package (cargo-deb)
#   scripts/package.sh --build-only     build, print the binary's path, lay
#                                       out nothing (check-reproducible.sh)
#   scripts/package.sh --source         the source of HEAD instead:
#                                       dist/awsmfa-vX.Y.Z-source.tar.gz, which
#                                       the Homebrew formula builds from
#   scripts/package.sh --sums-only      rewrite dist/SHA256SUMS only
#
# The build is the one a release ships: --locked, the release profile, a
# static C runtime on Windows (musl targets are static already), and the
# build paths remapped so that two builds of one source in different
# directories are byte-identical (scripts/check-reproducible.sh checks it).
set -euo pipefail
cd "$(dirname "$0")/.."

target=""
deb=false
mode=package
while (($#)); do
    case $1 in
    --target) target=${2:?--target needs a target triple}; shift ;;
    --deb) deb=true ;;
    --build-only) mode=build ;;
    --sums-only) mode=sums ;;
    --source) mode=source ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "package: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# Names only, so that `sha256sum -c SHA256SUMS` works beside the files.
write_sums() {
    (
        cd dist
        local files=()
        for f in *; do [[ -f $f && $f != SHA256SUMS ]] && files+=("$f"); done
        ((${#files[@]})) || { echo "package: dist/ holds nothing to sum" >&2; exit 1; }
        sha256 "${files[@]}" >SHA256SUMS
    )
    echo "package: dist/SHA256SUMS" >&2
}

if [[ $mode == sums ]]; then
    write_sums
    exit 0
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

if [[ $mode == source ]]; then
    # git archive of a commit: the same bytes from any checkout of the tag.
    if [[ -n $(git status --porcelain --untracked-files=no) ]]; then
        echo "package: note: the source archive holds HEAD, not the uncommitted changes" >&2
    fi
    mkdir -p dist
    git archive --format=tar.gz --prefix="awsmfa-v$version/" -o "dist/awsmfa-v$version-source.tar.gz" HEAD
    echo "package: dist/awsmfa-v$version-source.tar.gz" >&2
    write_sums
    exit 0
fi

host=$(rustc -vV | sed -n 's/^host: //p')
target=${target:-$host}
name="awsmfa-v$version-$target"
exe=""
[[ $target == *-windows-* ]] && exe=".exe"

# Paths as rustc sees them (on Windows, C:\... rather than Git Bash's /c/...).
native() { if command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else printf '%s' "$1"; fi; }
cargo_home=${CARGO_HOME:-$HOME/.cargo}
flags="--remap-path-prefix=$(native "$PWD")=/build --remap-path-prefix=$(native "$cargo_home")=/cargo"
[[ $target == *-windows-msvc ]] && flags+=" -C target-feature=+crt-static"
# With an explicit --target these flags reach awsmfa and its dependencies but
# not build scripts or proc macros, the same for the host as for any target.
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$flags"
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

echo "package: cargo build --release --locked --target $target" >&2
cargo build --release --locked --target "$target" >&2
bin="target/$target/release/awsmfa$exe"

if [[ $mode == build ]]; then
    echo "$PWD/$bin"
    exit 0
fi

# Completions and man pages from the binary itself, for the archive and for
# cargo-deb (whose assets in Cargo.toml name target/assets).
assets=target/assets
rm -rf "$assets"
mkdir -p "$assets/completions" "$assets/man"
"$bin" completions bash >"$assets/completions/awsmfa.bash"
"$bin" completions zsh >"$assets/completions/_awsmfa"
"$bin" completions fish >"$assets/completions/awsmfa.fish"
"$bin" completions powershell >"$assets/completions/_awsmfa.ps1"
"$bin" completions elvish >"$assets/completions/awsmfa.elv"
"$bin" man --dir "$assets/man"

stage="target/dist/$target"
rm -rf "$stage"
mkdir -p "$stage/$name" dist
cp "$bin" "$stage/$name/"
cp README.md LICENSE CHANGELOG.md "$stage/$name/"
cp -R "$assets/completions" "$assets/man" "$stage/$name/"
rm -f "dist/$name.tar.gz" "dist/$name.zip"

# Archives that depend on the files alone: one time (the last commit's), one
# owner, names in order, where the tools allow it.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
if [[ -z $exe ]]; then
    if tar --version 2>/dev/null | grep -q 'GNU tar'; then
        tar -C "$stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
            --format=gnu -cf - "$name" | gzip -9n >"dist/$name.tar.gz"
    else
        COPYFILE_DISABLE=1 tar -C "$stage" -cf - "$name" | gzip -9n >"dist/$name.tar.gz"
    fi
    echo "package: dist/$name.tar.gz" >&2
else
    (
        cd "$stage"
        if command -v 7z >/dev/null 2>&1; then
            7z a -tzip -bd -bso0 "../../../dist/$name.zip" "$name" >&2
        else
            zip -X -r -q "../../../dist/$name.zip" "$name"
        fi
    )
    echo "package: dist/$name.zip" >&2
fi

if $deb; then
    # Debian's spelling of the version (0.1.0-rc.1 is 0.1.0~rc.1, which sorts
    # before 0.1.0), and the one changelog entry Debian asks for.
    deb_version="${version/-/\~}-1"
    maintainer=$(sed -n 's/^maintainer = "\(.*\)"$/\1/p' Cargo.toml)
    {
        echo "awsmfa ($deb_version) unstable; urgency=medium"
        echo
        echo "  * awsmfa $version: see /usr/share/doc/awsmfa/changelog.gz."
        echo
        echo " -- $maintainer  $(date -u -d "@$epoch" -R)"
    } >"$assets/changelog.Debian"
    echo "package: cargo deb --no-build --target $target" >&2
    cargo deb --no-build --no-strip --locked --target "$target" --deb-version "$deb_version" \
        --output dist/ >&2
fi

write_sums
