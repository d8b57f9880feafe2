#!/usr/bin/env bash
# The whole test run: installs the peers a fresh machine lacks (moto_server,
# the AWS CLI, zsh, dash, fish), checks formatting and lints, then runs every
# test. With CI=true a missing peer fails the run instead of skipping tests.
#
#   scripts/test.sh              everything
#   scripts/test.sh --test env   extra arguments go to cargo test
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peers.sh
ensure_peers

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --locked "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
