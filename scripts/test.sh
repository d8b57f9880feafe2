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
cargo test --locked "$@"
