#!/usr/bin/env bash
# A bounded fuzzing run of the credentials/config parser and editor
# (tests/fuzz/fuzz_targets/ini.rs, checks in tests/support/fuzz_check.rs) with
# libFuzzer through cargo-fuzz, seeded with tests/fixtures.
#
#   scripts/fuzz.sh          60 seconds
#   scripts/fuzz.sh 600      ten minutes
#
# cargo-fuzz needs nightly compiler flags; on a stable toolchain they are
# enabled with RUSTC_BOOTSTRAP=1, for this build only. A failing input is
# copied to tests/fuzz/regressions/, which `cargo test` replays from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

corpus=target/fuzz-corpus/ini
mkdir -p "$corpus"
cp tests/fixtures/*.ini "$corpus"/
if [ -d tests/fuzz/regressions ]; then
    cp tests/fuzz/regressions/* "$corpus"/ 2>/dev/null || true
fi

echo "== fuzzing the parser and editor for ${seconds}s" >&2
export RUSTC_BOOTSTRAP=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo fuzz run --fuzz-dir tests/fuzz --sanitizer none --target-dir target/fuzz ini "$corpus" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    saved=0
    for crash in tests/fuzz/artifacts/ini/*; do
        [ -f "$crash" ] || continue
        mkdir -p tests/fuzz/regressions
        cp "$crash" tests/fuzz/regressions/
        saved=$((saved + 1))
    done
    echo "fuzz: FAILED ($saved failing inputs saved in tests/fuzz/regressions)" >&2
    exit "$status"
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
echo "fuzz: ${runs:-?} inputs in ${seconds}s, no failure; corpus: $(ls "$corpus" | wc -l) files"
