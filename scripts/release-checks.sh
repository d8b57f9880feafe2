#!/usr/bin/env bash
# Everything about a release that can be proven without GitHub, on the host
# target (release.yml does the rest on a tag; docs/RELEASING.md):
#
#   crate      cargo publish --dry-run --locked, with no warning
#   package    scripts/package.sh --deb and --source; the archive unpacked:
#              the binary runs, man -l renders every page without a warning,
#              each completion script loads in its shell; sha256sum -c
#   reproducible  scripts/check-reproducible.sh
#   deb        lintian on the .deb, with no error or warning
#   workflows  zizmor --offline with no finding, and each workflow valid
#              against its JSON schema (check-jsonschema)
#   manifests  scripts/manifests.py: ruby -c on the formula, the Scoop
#              manifest against Scoop's schema
#   deny       cargo deny check licenses bans sources
#   notes      scripts/release-notes.sh refuses a tag that is not the version
#   other_os   scripts/check-other-os.sh: the crate and its tests compile for
#              macOS and Windows with no clippy warning
#
# The tools are installed when missing: cargo-deny and cargo-deb from
# crates.io, zizmor and check-jsonschema from PyPI into .venv-release, the
# rest from Debian packages, all pinned. A tool that cannot be had skips its
# checks with a note; with CI=true it fails them. The checks need no network
# but crates.io's index, which cargo publish --dry-run reads.
#
#   scripts/release-checks.sh                every check
#   scripts/release-checks.sh deb manifests  some of them, by name
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/peers.sh

CARGO_DENY_VERSION=0.20.2
CARGO_DEB_VERSION=3.8.0
RELEASE_VENV="$root/.venv-release"
RELEASE_PY_TOOLS=("zizmor==1.32.0" "check-jsonschema==0.39.0")

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
host=$(rustc -vV | sed -n 's/^host: //p')
name="awsmfa-v$version-$host"
work="$root/target/release-checks"

# ---- tools ---------------------------------------------------------------

missing=()
note_missing() {
    echo "release-checks: cannot install $1" >&2
    missing+=("$1")
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "release-checks: installing $* from Debian packages" >&2
    $sudo apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_debian_tools() {
    local want=() cmd pkg
    for pair in lintian:lintian ruby:ruby man:man-db groff:groff-base dpkg-shlibdeps:dpkg-dev; do
        cmd=${pair%%:*} pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || want+=("$pkg")
    done
    ((${#want[@]} == 0)) || apt_install "${want[@]}" || true
    for cmd in lintian ruby man groff dpkg-shlibdeps; do
        command -v "$cmd" >/dev/null 2>&1 || note_missing "$cmd"
    done
    ensure_shells || true
    for shell in bash zsh fish; do
        command -v "$shell" >/dev/null 2>&1 || note_missing "$shell"
    done
}

# `cargo install` of a pinned version, unless that version is there.
ensure_cargo_tool() {
    local crate=$1 version=$2 sub=${1#cargo-}
    if [[ $(cargo "$sub" --version 2>/dev/null) == *" $version"* ]]; then return; fi
    echo "release-checks: installing $crate $version from crates.io" >&2
    cargo install --locked --quiet "$crate@$version" || note_missing "$crate"
}

ensure_python_tools() {
    local stamp="$RELEASE_VENV/.awsmfa-tools"
    if [[ -x $RELEASE_VENV/bin/zizmor && -x $RELEASE_VENV/bin/check-jsonschema ]] &&
        [[ "$(cat "$stamp" 2>/dev/null)" == "${RELEASE_PY_TOOLS[*]}" ]]; then
        return
    fi
    echo "release-checks: installing ${RELEASE_PY_TOOLS[*]} into .venv-release" >&2
    if python3 -m venv "$RELEASE_VENV" &&
        "$RELEASE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${RELEASE_PY_TOOLS[@]}"; then
        echo "${RELEASE_PY_TOOLS[*]}" >"$stamp"
    else
        note_missing "zizmor and check-jsonschema"
    fi
}

# In a step: go on if every tool is there; else exit 99 (skipped), or fail in CI.
require() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            if [[ ${CI:-} == true ]]; then
                echo "release-checks: $tool is missing (CI=true)" >&2
                exit 1
            fi
            echo "release-checks: $tool is missing: skipped" >&2
            exit 99
        fi
    done
}

# ---- checks --------------------------------------------------------------

check_crate() {
    local dirty=()
    if [[ -n $(git status --porcelain --untracked-files=no) ]]; then
        echo "note: uncommitted changes, packaged with --allow-dirty" >&2
        dirty=(--allow-dirty)
    fi
    local log="$work/publish.log"
    cargo publish --dry-run --locked ${dirty[@]+"${dirty[@]}"} >"$log" 2>&1 || {
        cat "$log" >&2
        return 1
    }
    grep -E '^ *(Packaged|Verifying)' "$log" >&2
    # The dry run's own "aborting upload" is the one warning a dry run gives.
    if grep -E '^(warning|error)' "$log" | grep -v 'aborting upload due to dry run' >&2; then
        echo "cargo publish --dry-run warned" >&2
        return 1
    fi
}

check_package() {
    require man bash zsh fish
    rm -rf dist
    bash scripts/package.sh --deb
    bash scripts/package.sh --source
    (cd dist && sha256sum -c SHA256SUMS) >&2

    local unpacked="$work/unpacked"
    rm -rf "$unpacked"
    mkdir -p "$unpacked"
    tar -xzf "dist/$name.tar.gz" -C "$unpacked"
    local dir="$unpacked/$name"
    for f in awsmfa README.md LICENSE CHANGELOG.md completions/awsmfa.bash completions/_awsmfa \
        completions/awsmfa.fish completions/_awsmfa.ps1 completions/awsmfa.elv man/awsmfa.1; do
        [[ -f $dir/$f ]] || { echo "the archive has no $f" >&2; return 1; }
    done
    local said
    said=$("$dir/awsmfa" --version)
    [[ $said == "awsmfa $version" ]] || { echo "awsmfa --version said '$said'" >&2; return 1; }
    echo "$said" >&2

    # Every page renders, and groff has nothing to say about it.
    local page warnings pages=0
    for page in "$dir"/man/*.1; do
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        [[ -z $warnings ]] || { echo "man -l ${page##*/}: $warnings" >&2; return 1; }
        pages=$((pages + 1))
    done
    echo "man -l: $pages pages rendered without a warning" >&2

    # Each script loads in its shell and completes a subcommand; the profile
    # completions call `awsmfa profiles`, so the archive's binary is on PATH.
    local completions="$dir/completions" got
    export PATH="$dir:$PATH"
    got=$(bash --norc --noprofile -c 'source "$1"; COMP_WORDS=(awsmfa lo); COMP_CWORD=1
        _awsmfa_with_profiles awsmfa lo awsmfa; printf "%s " "${COMPREPLY[@]}"' _ "$completions/awsmfa.bash")
    [[ $got == "login logout " ]] || { echo "bash completed 'awsmfa lo' as '$got'" >&2; return 1; }
    got=$(zsh -f -c 'autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- ${_comps[awsmfa]}' \
        _ "$completions/_awsmfa")
    [[ $got == "_awsmfa" ]] || { echo "zsh registered '$got' for awsmfa" >&2; return 1; }
    # shellcheck disable=SC2016 # fish expands $argv itself
    got=$(fish --no-config -c 'source $argv[1]; complete -C "awsmfa cre"' "$completions/awsmfa.fish")
    [[ $got == credential-process* ]] || { echo "fish completed 'awsmfa cre' as '$got'" >&2; return 1; }
    echo "completions: bash, zsh and fish load and complete (PowerShell and elvish are not tried here)" >&2
}

# The deb and manifest checks alone (`release-checks.sh deb`) package first.
ensure_dist() {
    if ! compgen -G "dist/*.deb" >/dev/null || [[ ! -f dist/awsmfa-v$version-source.tar.gz ]]; then
        bash scripts/package.sh --deb
        bash scripts/package.sh --source
    fi
}

check_reproducible() {
    bash scripts/check-reproducible.sh
}

check_deb() {
    require lintian
    ensure_dist
    local deb
    deb=$(ls dist/*.deb)
    dpkg-deb --field "$deb" Package Version Architecture Depends >&2
    # Not an upload to Debian's archive, so no ITP bug for its changelog to close.
    lintian --fail-on error,warning --suppress-tags initial-upload-closes-no-bugs "$deb" >&2
    echo "lintian: no error, no warning" >&2
}

check_workflows() {
    local bin="$RELEASE_VENV/bin"
    require "$bin/zizmor" "$bin/check-jsonschema"
    "$bin/zizmor" --offline --no-progress .github/workflows/ >&2
    local wf
    for wf in .github/workflows/*.yml; do
        "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "$wf" >&2
    done
}

check_manifests() {
    require ruby "$RELEASE_VENV/bin/check-jsonschema"
    ensure_dist
    # This release's sums, and one line for the Windows zip that only
    # release.yml builds (its hash is the source archive's, for the test).
    local dir="$work/manifests" source="awsmfa-v$version-source.tar.gz"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp dist/SHA256SUMS "$dir/"
    printf '%s  awsmfa-v%s-x86_64-pc-windows-msvc.zip\n' \
        "$(sha256sum "dist/$source" | cut -d' ' -f1)" "$version" >>"$dir/SHA256SUMS"
    python3 scripts/manifests.py "$dir/SHA256SUMS"
    ruby -c "$dir/awsmfa.rb" >&2
    grep -q "sha256 \"$(sha256sum "dist/$source" | cut -d' ' -f1)\"" "$dir/awsmfa.rb"
    "$RELEASE_VENV/bin/check-jsonschema" --schemafile scripts/schemas/scoop-manifest.json "$dir/awsmfa.json" >&2
}

check_deny() {
    require cargo-deny
    # Every target's crates (Windows' and macOS' too), for cargo metadata.
    cargo fetch --locked --quiet
    cargo deny --offline check licenses bans sources
}

check_other_os() {
    bash scripts/check-other-os.sh
}

check_notes() {
    if bash scripts/release-notes.sh "v$version.0-not-this" >/dev/null 2>&1; then
        echo "release-notes.sh took a tag that is not Cargo.toml's version" >&2
        return 1
    fi
    echo "release-notes.sh: a tag other than v$version is refused" >&2
}

# ---- run -----------------------------------------------------------------

all=(crate package reproducible deb workflows manifests deny notes other_os)
steps=("$@")
((${#steps[@]})) || steps=("${all[@]}")
for step in "${steps[@]}"; do
    declare -F "check_$step" >/dev/null || { echo "release-checks: no check '$step' (${all[*]})" >&2; exit 2; }
done

started=$SECONDS
echo "== tools" >&2
ensure_debian_tools
ensure_cargo_tool cargo-deny "$CARGO_DENY_VERSION"
ensure_cargo_tool cargo-deb "$CARGO_DEB_VERSION"
ensure_python_tools
echo "release-checks: tools ready in $((SECONDS - started)) s" >&2
mkdir -p "$work"

passed=0 failed=0 skipped=0 failures=()
for step in "${steps[@]}"; do
    echo "== $step" >&2
    begun=$SECONDS
    set +e
    (set -euo pipefail; "check_$step")
    status=$?
    set -e
    took=$((SECONDS - begun))
    case $status in
    0) passed=$((passed + 1)); echo "ok: $step (${took} s)" >&2 ;;
    99) skipped=$((skipped + 1)); echo "skipped: $step" >&2 ;;
    *) failed=$((failed + 1)); failures+=("$step"); echo "FAILED: $step (${took} s)" >&2 ;;
    esac
done

echo "release-checks: $((SECONDS - started)) s${failures[*]:+, failed: ${failures[*]}}" >&2
if ((${#missing[@]})) && [[ ${CI:-} == true ]]; then
    echo "release-checks: missing tools in CI: ${missing[*]}" >&2
    failed=$((failed + 1))
fi
echo "release-checks: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
