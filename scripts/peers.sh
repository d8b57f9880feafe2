# Sourced by the scripts: makes sure the real peers the tests and the demo
# talk to are installed, and puts them on PATH.
#   - moto_server (a local STS/IAM/S3) and the AWS CLI, in a venv at .venv
#   - boto3 in that venv too (the real sso-oidc and sso clients that check the
#     SSO stand-in), pinned to the botocore the AWS CLI brings
#   - bash, dash, zsh and fish, from Debian packages when missing
#   - Chromium (Debian's chromium), the browser of the SSO sign-in tests
#   - a Secret Service for the keychain tests: gnome-keyring, the D-Bus
#     session tools (dbus-run-session, dbus-send) and secret-tool
# Safe to run again: it installs only what is missing.

AWSMFA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AWSMFA_VENV="$AWSMFA_ROOT/.venv"
# Pinned so every machine tests against the same peers.
AWSMFA_PY_PEERS=("moto[server]==5.2.1" "awscli==1.45.11" "boto3==1.43.11" "aws-mfa==0.0.12")

# Those of the Debian packages "$@" that are not installed, one a line.
debian_missing() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || echo "$pkg"
    done
}

# Installs Debian packages; $1 names the script in what it says.
debian_install() {
    local who=$1 sudo=""
    shift
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$who: no apt-get to install $*" >&2
        return 1
    fi
    echo "$who: installing $* from Debian packages" >&2
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_python_peers() {
    local stamp="$AWSMFA_VENV/.awsmfa-peers"
    if [[ -x "$AWSMFA_VENV/bin/moto_server" && -x "$AWSMFA_VENV/bin/aws" && -x "$AWSMFA_VENV/bin/aws-mfa" ]] &&
        [[ "$(cat "$stamp" 2>/dev/null)" == "${AWSMFA_PY_PEERS[*]}" ]]; then
        return
    fi
    echo "peers: installing ${AWSMFA_PY_PEERS[*]} into .venv" >&2
    python3 -m venv "$AWSMFA_VENV"
    "$AWSMFA_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${AWSMFA_PY_PEERS[@]}"
    echo "${AWSMFA_PY_PEERS[*]}" >"$stamp"
}

ensure_shells() {
    local missing=()
    for shell in bash dash zsh fish; do
        command -v "$shell" >/dev/null 2>&1 || missing+=("$shell")
    done
    ((${#missing[@]} == 0)) && return
    echo "peers: installing ${missing[*]} from Debian packages" >&2
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    if command -v apt-get >/dev/null 2>&1; then
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    elif command -v brew >/dev/null 2>&1; then
        brew install "${missing[@]}"
    else
        echo "peers: cannot install ${missing[*]}: no apt-get or brew" >&2
        return 1
    fi
}

# Headless Chromium opens the authorize URL in the SSO sign-in tests
# (tests/support/browser.sh is the $BROWSER they set).
ensure_browser() {
    [[ -x /usr/bin/chromium ]] && return
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "peers: no apt-get to install chromium; the browser sign-in tests need /usr/bin/chromium" >&2
        return 1
    fi
    echo "peers: installing chromium from Debian packages" >&2
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

# The keychain tests (tests/keychain.rs) start gnome-keyring in a D-Bus
# session of their own (tests/common/keyring.rs) and read back with secret-tool.
ensure_keyring() {
    local missing=()
    command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
    command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus-bin)
    command -v dbus-send >/dev/null 2>&1 || missing+=(dbus-bin)
    command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus-daemon)
    command -v secret-tool >/dev/null 2>&1 || missing+=(libsecret-tools)
    ((${#missing[@]} == 0)) && return
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "peers: no apt-get to install ${missing[*]}; the keychain tests need a Secret Service" >&2
        return 1
    fi
    echo "peers: installing ${missing[*]} from Debian packages" >&2
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_peers() {
    ensure_python_peers
    ensure_shells
    ensure_browser
    ensure_keyring
    export PATH="$AWSMFA_VENV/bin:$PATH"
    # The tests' own environment is clean, but the peers they start must not
    # inherit this machine's AWS settings either.
    unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
}
