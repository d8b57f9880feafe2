#!/usr/bin/env bash
# Benchmarks awsmfa side by side with the tools people use today, and writes
# BENCHMARKS.md and docs/bench.svg from the numbers.
#
#   scripts/bench.sh           full run: installs the peers (hyperfine, AWS CLI v2
#                              from Debian, aws-mfa from PyPI, moto), ~5 minutes
#   scripts/bench.sh --quick   start-up regression check for CI: awsmfa env only,
#                              fails when its median exceeds 10 ms (< 1 minute)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=false
[[ "${1:-}" == "--quick" ]] && quick=true

source scripts/peers.sh

apt_install() {
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v hyperfine >/dev/null || apt_install hyperfine

echo "== cargo build --release" >&2
cargo build --release --locked 2>&1 | tail -1 >&2
bin="$root/target/release/awsmfa"

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
results="$work/results"
mkdir -p "$results"

# A HOME with long-term keys in [default] and a valid session in [mfa].
make_home() {
    local home=$1 profiles=${2:-0}
    mkdir -p "$home/.aws"
    python3 - "$home/.aws/credentials" "$profiles" <<'PY'
import sys
path, extra = sys.argv[1], int(sys.argv[2])
out = ["[default]", "aws_access_key_id = AKIAFAKEBENCH0000000",
       "aws_secret_access_key = fakeBenchSecret000000000000000000000000", ""]
for i in range(extra):
    out += [f"[profile{i}]", f"aws_access_key_id = AKIAFAKE{i:012d}",
            f"aws_secret_access_key = fakeSecret{i:030d}", "# a comment", ""]
out += ["[mfa]", "aws_access_key_id = ASIAFAKEBENCH0000000",
        "aws_secret_access_key = fakeSessionSecret0000000000000000000000",
        "aws_session_token = " + "FakeSessionToken" * 24,
        "expiration = 2999-01-01T00:00:00Z", ""]
open(path, "w").write("\n".join(out))
PY
    printf '[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/bench\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/bench\nsource_profile = default\n' >"$home/.aws/config"
    chmod 600 "$home/.aws/credentials"
}

# Runs hyperfine with a clean environment for every command.
bench() {
    local name=$1
    shift
    env -i PATH="$PATH" HOME="$bench_home" LANG=C.UTF-8 ${EXTRA_ENV:-} \
        hyperfine --style basic --export-json "$results/$name.json" "$@" >&2
}

bench_home="$work/home"
make_home "$bench_home"

if $quick; then
    bench quick-env -N --warmup 20 --runs 300 "$bin env"
    python3 scripts/bench_report.py --check-quick "$results/quick-env.json"
    exit
fi

# ---- the full run: peers ------------------------------------------------
ensure_python_peers
[[ -x /usr/bin/aws ]] && /usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2' || apt_install awscli
aws_v2=/usr/bin/aws
bench_venv="$root/.venv-bench"
if [[ ! -x "$bench_venv/bin/aws-mfa" ]]; then
    python3 -m venv "$bench_venv"
    "$bench_venv/bin/pip" install -q --disable-pip-version-check aws-mfa==0.0.12
fi
aws_mfa="$bench_venv/bin/aws-mfa"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$AWSMFA_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
endpoint="http://127.0.0.1:$port"

# aws-mfa keeps long-term keys in [default-long-term] and writes [default].
mfa_home="$work/aws-mfa-home"
mkdir -p "$mfa_home/.aws"
cat >"$mfa_home/.aws/credentials" <<'INI'
[default-long-term]
aws_access_key_id = AKIAFAKEBENCH0000000
aws_secret_access_key = fakeBenchSecret000000000000000000000000
aws_mfa_device = arn:aws:iam::123456789012:mfa/bench
INI

echo "== offline: env and status" >&2
bench env -N --warmup 5 --runs 40 -n "awsmfa env" "$bin env" \
    -n "aws configure export-credentials (CLI v2)" "$aws_v2 configure export-credentials --profile mfa --format env"
bench status -N --warmup 5 --runs 40 -n "awsmfa status" "$bin status" \
    -n "aws configure export-credentials (CLI v2)" "$aws_v2 configure export-credentials --profile mfa --format env"

bench prompt -N --warmup 10 --runs 100 -n "awsmfa prompt" "$bin prompt"

echo "== login against moto" >&2
EXTRA_ENV="AWS_ENDPOINT_URL=$endpoint AWS_DEFAULT_REGION=us-east-1" \
    bench login-force --warmup 3 --runs 30 \
    -n "awsmfa login --force" "$bin login --code 123456 --force" \
    -n "aws-mfa --force" "HOME=$mfa_home; export HOME; echo 123456 | $aws_mfa --force --log-level ERROR"
EXTRA_ENV="AWS_ENDPOINT_URL=$endpoint AWS_DEFAULT_REGION=us-east-1" \
    bench login-skip --warmup 3 --runs 30 \
    -n "awsmfa login (still valid)" "$bin login --code 123456" \
    -n "aws-mfa (still valid)" "HOME=$mfa_home; export HOME; $aws_mfa --log-level ERROR"

echo "== role login against moto (the MFA session in [mfa] is reused: one AssumeRole)" >&2
EXTRA_ENV="AWS_ENDPOINT_URL=$endpoint AWS_DEFAULT_REGION=us-east-1" \
    bench role-login --warmup 3 --runs 30 \
    -n "awsmfa login -p admin --force" "$bin login -p admin --force" \
    -n "aws sts assume-role (CLI v2)" "$aws_v2 sts assume-role --role-arn arn:aws:iam::123456789012:role/bench --role-session-name bench --profile mfa --endpoint-url $endpoint"

# The SSO portal stand-in answers every request 100 ms late, a real region's
# round trip. Debian's AWS CLI v2 (2.9) cannot be pointed at a local portal
# (the AWS_ENDPOINT_URL_* variables came in 2.13), so where a request is made
# the peer is botocore, the AWS CLI's own resolver; a warm cache it reads
# itself, with no request.
echo "== an SSO profile, against a local stand-in of the SSO portal (100 ms a request)" >&2
sso_home="$work/sso-home"
mkdir -p "$sso_home/.aws/sso/cache"
cat >"$sso_home/.aws/config" <<'INI'
[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
INI
cache_name=$(python3 -c 'import hashlib; print(hashlib.sha1(b"corp").hexdigest())')
printf '{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "token-1", "expiresAt": "2999-01-01T00:00:00Z"}' \
    >"$sso_home/.aws/sso/cache/$cache_name.json"
python3 tests/support/sso_portal.py "$work/sso.log" --delay 0.1 >"$work/sso.port" &
for _ in $(seq 100); do [[ -s "$work/sso.port" ]] && break; sleep 0.1; done
sso_url="http://127.0.0.1:$(cat "$work/sso.port")"
saved_home=$bench_home
bench_home=$sso_home
# Cold: past the credential cache, one GetRoleCredentials each.
EXTRA_ENV="AWS_ENDPOINT_URL_SSO=$sso_url AWS_ENDPOINT_URL_SSO_OIDC=$sso_url" \
    bench sso -N --warmup 3 --runs 20 -n "awsmfa env --profile sso --force" "$bin env --profile sso --force" \
    -n "botocore get_credentials (the AWS CLI's resolver)" "$AWSMFA_VENV/bin/python -c 'import botocore.session; botocore.session.Session(profile=\"sso\").get_credentials().get_frozen_credentials()'" \
    -n "curl: the same GetRoleCredentials, bare (the floor)" "curl -s -H 'x-amz-sso_bearer_token: token-1' '$sso_url/federation/credentials?role_name=ReadOnly&account_id=111122223333'"
# Warm: the AWS CLI's credential cache, which both read.
EXTRA_ENV="AWS_ENDPOINT_URL_SSO=$sso_url AWS_ENDPOINT_URL_SSO_OIDC=$sso_url" \
    bench sso-warm -N --warmup 5 --runs 40 -n "awsmfa env --profile sso (cached)" "$bin env --profile sso" \
    -n "aws configure export-credentials (CLI v2, cached)" "$aws_v2 configure export-credentials --profile sso --format env"
bench_home=$saved_home

echo "== a role session renewed from the MFA session (one AssumeRole against moto)" >&2
renew_home="$work/renew-home"
make_home "$renew_home"
printf '\n[admin-mfa]\naws_access_key_id = ASIAFAKEROLE00000000\naws_secret_access_key = fakeRoleSecret00000000000000000000000000\naws_session_token = FakeRoleToken\nexpiration = 2001-01-01T00:00:00Z\n' \
    >>"$renew_home/.aws/credentials"
cp "$renew_home/.aws/credentials" "$work/renew-credentials"
saved_home=$bench_home
bench_home=$renew_home
EXTRA_ENV="AWS_ENDPOINT_URL=$endpoint AWS_DEFAULT_REGION=us-east-1" \
    bench renew --warmup 3 --runs 30 --prepare "cp $work/renew-credentials $renew_home/.aws/credentials" \
    -n "awsmfa env -p admin (renews [admin-mfa])" "$bin env -p admin" \
    -n "aws sts assume-role (CLI v2)" "$aws_v2 sts assume-role --role-arn arn:aws:iam::123456789012:role/bench --role-session-name bench --profile mfa --endpoint-url $endpoint"
bench_home=$saved_home

echo "== scaling: env with 10, 1,000, 10,000 and 100,000 profiles" >&2
for n in 10 1000 10000 100000; do
    bench_home="$work/home-$n"
    make_home "$bench_home" "$n"
    bench "scale-$n" -N --warmup 10 --runs 100 -n "awsmfa env, $n profiles" "$bin env"
done
bench_home="$work/home"

echo "== peak memory and size" >&2
# GNU time's %M: the peak resident set of the command (and of its children), in KiB.
[[ -x /usr/bin/time ]] || apt_install time
rss() { env -i PATH="$PATH" HOME="$1" AWS_ENDPOINT_URL="$endpoint" AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/time -f %M -o "$work/rss" "${@:2}" >/dev/null 2>&1; tail -n 1 "$work/rss"; }
{
    echo "awsmfa env	$(rss "$bench_home" "$bin" env)"
    echo "awsmfa status	$(rss "$bench_home" "$bin" status)"
    echo "awsmfa login --force	$(rss "$bench_home" "$bin" login --code 123456 --force)"
    echo "aws configure export-credentials (CLI v2)	$(rss "$bench_home" "$aws_v2" configure export-credentials --profile mfa --format env)"
    echo "aws-mfa --force	$(rss "$mfa_home" sh -c "echo 123456 | $aws_mfa --force --log-level ERROR")"
} >"$results/rss.tsv"
stat -c %s "$bin" >"$results/binary-size"

echo "== clean release build" >&2
start=$(date +%s)
CARGO_TARGET_DIR="$work/clean-target" cargo build --release --locked -q
echo $(($(date +%s) - start)) >"$results/build-seconds"

python3 scripts/bench_report.py "$results" BENCHMARKS.md docs/bench.svg
echo "wrote BENCHMARKS.md and docs/bench.svg" >&2
