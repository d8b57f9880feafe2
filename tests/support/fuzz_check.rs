//! The invariants the fuzzer checks on any input, shared with the corpus
//! replay in `tests/fuzz_corpus.rs`:
//!
//! - parsing never panics, and a parsed file keeps its text byte for byte;
//! - setting keys in an existing or new section, and removing a section,
//!   either is refused or gives a file that parses, reads as intended, and
//!   keeps every line outside the edit, in order.

use crate::profiles::edit;
use crate::profiles::parse::pystr::py_strip;
use crate::profiles::parse::{DEFAULT_SECTION, IniFile};

const PAIRS: [(&str, &str); 4] = [
    ("aws_access_key_id", "ASIAFUZZFAKE00000000"),
    ("aws_secret_access_key", "fuzz/secret+key=="),
    ("aws_session_token", "FuzzToken//+=="),
    ("expiration", "2026-11-23T19:20:32Z"),
];

pub fn check(data: &[u8]) {
    let Ok(ini) = IniFile::parse(data) else {
        return;
    };
    assert_eq!(ini.text().as_bytes(), data, "the parser changed the text");
    let mut targets: Vec<String> = ini
        .sections()
        .iter()
        .map(|s| s.name.clone())
        .filter(|n| n != DEFAULT_SECTION)
        .take(2)
        .collect();
    targets.push("fuzz-new".to_owned());
    for target in &targets {
        if let Ok(text) = edit::set_keys(&ini, target, &PAIRS) {
            let after = IniFile::parse(text.as_bytes()).expect("an accepted edit must parse");
            for (k, v) in PAIRS {
                assert_eq!(after.get(target, k), Some(v), "[{target}] {k} not set");
            }
            for section in ini.sections().iter().filter(|s| &s.name != target) {
                for entry in &section.entries {
                    let key = ini.key(entry);
                    assert_eq!(
                        after.get(&section.name, key),
                        ini.get(&section.name, key),
                        "[{}] {key} changed",
                        section.name,
                    );
                }
            }
            let edited: Vec<usize> = ini
                .section(target)
                .map(|s| {
                    s.entries
                        .iter()
                        .filter(|e| PAIRS.iter().any(|(k, _)| *k == ini.key(e)))
                        .flat_map(|e| std::iter::once(e.line).chain(e.continuation.clone()))
                        .collect()
                })
                .unwrap_or_default();
            assert_lines_kept(&ini, &text, &edited);
        }
        if let Some(Ok(text)) = edit::remove_section(&ini, target) {
            let after = IniFile::parse(text.as_bytes()).expect("an accepted removal must parse");
            assert!(after.section(target).is_none(), "[{target}] still there");
            let s = ini.section(target).expect("removed a section that existed");
            let edited: Vec<usize> = (s.header_line..=s.last_line()).collect();
            assert_lines_kept(&ini, &text, &edited);
        }
    }
}

/// Every non-blank line of `before` outside `edited` is in `after`, in order.
fn assert_lines_kept(before: &IniFile, after: &str, edited: &[usize]) {
    let after = IniFile::parse(after.as_bytes()).expect("parsed above");
    let new: Vec<&str> = (0..after.lines().len())
        .map(|i| after.line_text(i))
        .collect();
    let mut j = 0;
    for i in 0..before.lines().len() {
        let line = before.line_text(i);
        if edited.contains(&i) || py_strip(line).is_empty() {
            continue;
        }
        while j < new.len() && new[j] != line {
            j += 1;
        }
        assert!(j < new.len(), "line {} was lost", i + 1);
        j += 1;
    }
}
