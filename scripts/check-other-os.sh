#!/usr/bin/env bash
# Compiles awsmfa, its tests and their dependencies for macOS and Windows on
# this Linux machine, under clippy with -D warnings: the code behind
# cfg(target_os = "macos") and cfg(windows) (the macOS Keychain, the Windows
# Credential Manager, the non-Unix file and process paths) is type-checked
# and linted here, before any tag. It does not run that code: release.yml and
# ci.yml's other-os job run the tests on the systems themselves.
#
# How, without those systems' toolchains: Debian's rustc-web and its
# standard library's sources build std for each target (-Zbuild-std, with
# RUSTC_BOOTSTRAP for that one flag), and C that build scripts compile for
# the target (aws-lc-sys) goes through scripts/empty-object-cc, since a check
# links nothing.
#
#   scripts/check-other-os.sh                   macOS and Windows (x86_64)
#   scripts/check-other-os.sh aarch64-apple-darwin ...   other targets
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

targets=("$@")
((${#targets[@]})) || targets=(x86_64-apple-darwin x86_64-pc-windows-gnu)

# Debian's own Rust, apart from the project's: its rustc, cargo, clippy and
# the standard library's sources, all of one version.
packages=(rustc-web cargo-web rust-web-src rust-web-clippy)
source scripts/peers.sh
mapfile -t missing < <(debian_missing "${packages[@]}")
((${#missing[@]} == 0)) || debian_install check-other-os "${missing[@]}"
[[ -d /usr/lib/rustlib/src/rust/library ]] || { echo "check-other-os: no std sources in /usr/lib/rustlib/src" >&2; exit 1; }

export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$root/target/other-os"
# Debian's cargo-clippy and clippy-driver before rustup's.
export PATH="/usr/bin:$PATH"
echo "check-other-os: $($RUSTC --version)" >&2

failed=()
for target in "${targets[@]}"; do
    var=${target//-/_}
    export "CC_$var=$root/scripts/empty-object-cc" "AR_$var=ar"
    echo "== $target" >&2
    if /usr/bin/cargo clippy --locked --quiet -Zbuild-std=std,panic_abort --target "$target" \
        --all-targets --keep-going -- -D warnings; then
        echo "ok: $target compiles with no warning" >&2
    else
        failed+=("$target")
        echo "FAILED: $target" >&2
    fi
done
((${#failed[@]} == 0)) || { echo "check-other-os: failed: ${failed[*]}" >&2; exit 1; }
