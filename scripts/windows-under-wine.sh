#!/usr/bin/env bash
# Builds awsmfa for Windows on this Linux machine and runs it under Wine:
# `keys add | list | import | remove` against Wine's Credential Manager, and
# a login against a local moto_server with the keys from there. A smoke run
# of the Windows code before a tag (docs/RELEASING.md), not a stand-in for
# ci.yml's other-os job on Windows itself; not part of .ci/run (about four
# minutes, most of it the build).
#
# Needs Debian's rustc-web, cargo-web and rust-web-src (std for the target,
# as scripts/check-other-os.sh), gcc-mingw-w64-x86-64-posix and wine64, and
# moto_server on PATH (.venv/bin after scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=x86_64-pc-windows-gnu
work="$root/target/windows-under-wine"
port=${AWSMFA_WINE_MOTO_PORT:-47301}

packages=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64-posix wine64)
source scripts/peers.sh
mapfile -t missing < <(debian_missing "${packages[@]}")
((${#missing[@]} == 0)) || debian_install windows-under-wine "${missing[@]}"
PATH="$root/.venv/bin:$PATH"
command -v moto_server >/dev/null || { echo "windows-under-wine: moto_server is not on PATH" >&2; exit 1; }

echo "== build for $target" >&2
# Wine's CredEnumerateW hands out credentials 4-byte aligned (Windows aligns
# them to 8), which the debug build's alignment check turns into a panic.
CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$root/target/other-os-build" \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    /usr/bin/cargo build --locked --quiet -Zbuild-std=std,panic_abort --target "$target" --bin awsmfa

rm -rf "$work"
mkdir -p "$work/bin" "$work/aws"
cp "$root/target/other-os-build/$target/debug/awsmfa.exe" "$work/bin/"
# Rust's std asks bcryptprimitives.dll for random bytes; Wine 8 has none.
cat >"$work/prng.c" <<'C'
#include <windows.h>
#include <bcrypt.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    return BCryptGenRandom(NULL, data, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
C
x86_64-w64-mingw32-gcc -shared -o "$work/bin/bcryptprimitives.dll" "$work/prng.c" -lbcrypt

export WINEPREFIX="$work/prefix" WINEDEBUG=-all
export AWS_CONFIG_FILE="Z:${work//\//\\}\\aws\\config" AWS_SHARED_CREDENTIALS_FILE="Z:${work//\//\\}\\aws\\credentials"
awsmfa() { /usr/lib/wine/wine64 "$work/bin/awsmfa.exe" "$@"; }
fail() { echo "windows-under-wine: $*" >&2; exit 1; }
awsmfa --version >/dev/null 2>&1 || true # creates the prefix

moto_server -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true; wineserver -k 2>/dev/null || true' EXIT

id=AKIAWINETESTKEY00001 secret=wineSecretForTestsOnly/0123456789abcdefg
printf '[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\n' >"$work/aws/config"

echo "== keys add, list" >&2
out=$(printf '%s\n%s\n' "$id" "$secret" | awsmfa keys add --profile work 2>&1)
[[ $out == *"stored the keys of profile work"* ]] || fail "keys add said: $out"
[[ $(awsmfa keys list) == "work  $id" ]] || fail "keys list: $(awsmfa keys list 2>&1)"

echo "== login with the keys from the Credential Manager" >&2
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port" && break; sleep 0.2; done
out=$(awsmfa login -v --profile work --code 123456 --endpoint-url "http://127.0.0.1:$port" 2>&1)
[[ $out == *"from the keychain (the Windows Credential Manager)"* ]] || fail "login said: $out"
[[ $out != *"$secret"* ]] || fail "login printed the secret"
grep -q '^\[work-mfa\]' "$work/aws/credentials" || fail "no [work-mfa] session"
! grep -rq "$secret" "$work/aws" || fail "the secret is in a file"
[[ $(awsmfa env -p work) == *"export AWS_SESSION_TOKEN="* ]] || fail "env printed no session"

echo "== keys import (CRLF, comments, another section), remove" >&2
printf '# mine\r\n[home]\r\naws_access_key_id = AKIAWINEIMPORTKEY002\r\naws_secret_access_key = wineImportSecretForTestsOnly/0123456789a\r\nregion = eu-west-1\r\n\r\n[other]\r\nx = 1\r\n' \
    >"$work/aws/credentials"
awsmfa keys import --profile home >/dev/null 2>&1 || fail "keys import failed"
[[ $(cat "$work/aws/credentials") == $'# mine\r\n[home]\r\nregion = eu-west-1\r\n\r\n[other]\r\nx = 1\r' ]] ||
    fail "import left: $(od -c "$work/aws/credentials")"
[[ $(awsmfa keys list) == $'home  AKIAWINEIMPORTKEY002\nwork  '"$id" ]] || fail "keys list after import"
awsmfa keys remove --profile home >/dev/null 2>&1
awsmfa keys remove --profile work >/dev/null 2>&1
[[ $(awsmfa keys list 2>&1) == *"no keys in the keychain"* ]] || fail "keys remain"
echo "windows-under-wine: the Windows build stored, listed, imported, used and removed keys in Wine's Credential Manager" >&2
