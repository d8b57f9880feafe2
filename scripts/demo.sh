#!/usr/bin/env bash
# The main job end to end, with no AWS account: builds awsmfa, starts a local
# STS emulator (moto_server) and, in a throwaway HOME, runs
#
#   awsmfa configure -> awsmfa login --code 123456 -> eval "$(awsmfa env)" -> aws s3 ls --profile mfa
#
# Installs moto_server and the AWS CLI into .venv first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peers.sh
ensure_python_peers
export PATH="$PWD/target/release:$AWSMFA_VENV/bin:$PATH"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }

step "cargo build --release --locked"
cargo build --release --locked

demo_home=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$demo_home/moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; rm -rf "$demo_home"' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

# A clean, throwaway identity: nothing from this machine's AWS setup leaks in.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL_STS
export HOME="$demo_home"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
echo "A local STS emulator listens on $AWS_ENDPOINT_URL; HOME is $HOME" >&2

# An IAM user with an access key and an enabled virtual MFA device, in the emulator.
user=$(python3 tests/support/moto_iam_user.py "$AWS_ENDPOINT_URL" 1)
key_id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["access_key_id"])' <<<"$user")
secret=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["secret_access_key"])' <<<"$user")

mkdir -p ~/.aws
cat >~/.aws/credentials <<INI
# long-term keys of an IAM user (made in the emulator: not a real key)
[default]
aws_access_key_id = $key_id
aws_secret_access_key = $secret
INI
chmod 600 ~/.aws/credentials
cat >~/.aws/config <<'INI'
[default]
region = eu-west-1
output = json
INI

step "awsmfa configure   (finds the user's MFA device through IAM, saves mfa_serial)"
awsmfa configure
cat ~/.aws/config

step "awsmfa login --code 123456"
awsmfa login --code 123456

step "cat ~/.aws/credentials   (secrets shortened for the screen)"
sed -E 's/^(aws_secret_access_key|aws_session_token) = (.{8}).*/\1 = \2.../' ~/.aws/credentials

step 'eval "$(awsmfa env)"'
eval "$(awsmfa env)"
echo "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_CREDENTIAL_EXPIRATION=$AWS_CREDENTIAL_EXPIRATION" >&2

step "aws sts get-caller-identity   (with the exported session)"
aws sts get-caller-identity

step "aws s3 mb s3://awsmfa-demo --profile mfa && aws s3 ls --profile mfa"
aws s3 mb s3://awsmfa-demo --profile mfa
aws s3 ls --profile mfa

step "awsmfa status"
awsmfa status

step "awsmfa login --code 123456   (again: the session is still valid, so no STS call)"
awsmfa login --code 123456

step "awsmfa logout && awsmfa status"
awsmfa logout
awsmfa status || echo "(exit $?: no session)" >&2

printf '\nDemo finished: configure -> login -> env -> aws s3 ls worked against the local emulator.\n' >&2
