//! Replays the fuzzer's seeds (tests/fixtures) and every input it has saved
//! (tests/fuzz/regressions) through the fuzz target's checks.

mod profiles {
    pub use awsmfa::profiles::{edit, parse};
}

#[path = "support/fuzz_check.rs"]
mod check;

#[test]
fn seeds_and_saved_inputs_pass_the_fuzz_checks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut replayed = 0;
    for dir in ["fixtures", "fuzz/regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).unwrap();
            check::check(&data);
            replayed += 1;
        }
    }
    assert!(replayed >= 5, "only {replayed} inputs");
}
