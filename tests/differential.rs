//! Differential tests: thousands of generated credentials/config files, read by
//! awsmfa's parser and by botocore's own (`botocore.configloader.raw_config_parse`,
//! run from the test venv). Both must accept the same files and read the same
//! sections, keys and values. Every upsert and removal awsmfa makes must leave
//! every line outside the edited keys as it was, and botocore must read the
//! result as intended.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use awsmfa::profiles::IniFile;
use awsmfa::profiles::edit;
use awsmfa::profiles::parse::DEFAULT_SECTION;
use awsmfa::profiles::paths::{expand_user, expand_vars};
use awsmfa::session::ProfileCredentials;
use awsmfa::time::Timestamp;
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRng, TestRunner};

/// How many files each run generates (more with `AWSMFA_DIFFERENTIAL_CASES`).
fn cases() -> usize {
    std::env::var("AWSMFA_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

// ---------------------------------------------------------------- generation

fn eol() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => Just("\n"), 3 => Just("\r\n"), 1 => Just("\r")]
}

fn section_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "default", "mfa", "profile work", "profile work-mfa", "profile \"q w\"",
            "DEFAULT", "Dev", "ünï", "sso-session corp", "a b", "x]y",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z0-9 _.@-]{1,10}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
            "aws_security_token", "expiration", "region", "Region", "mfa_serial", "output", "s3", "ÄBC", "k",
            // Title case, final sigma and a full mapping, which Python's str.lower folds too.
            "ǅ", "ǆ", "Ǆ", "ᾈ", "ᾀ", "ᾼ", "ᾳ", "İ", "i\u{307}", "ΑΣ", "ας", "ασ", "ΑΣ.Β", "ασ.β",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_.-]{0,8}",
        1 => "[a-zǅǆǈǋǲᾈᾀᾼᾳῌΣσςİ][a-zǅǆᾈᾀΣσς.:' _]{0,4}[a-zǅΣς]?",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9/+]{0,24}",
        2 => r#"[ a-z0-9=:"'#;\\%$é日\t-]{0,16}"#,
        1 => Just(String::new()),
    ]
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![" = ", "=", " =", "= ", ": ", ":", "  =  ", "\t=\t"])
}

/// One line of a generated file, before its line ending.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (key(), separator(), value()).prop_map(|(k, s, v)| format!("{k}{s}{v}")),
        2 => section_name().prop_map(|n| format!("[{n}]")),
        1 => section_name().prop_map(|n| format!("  [{n}]  ")),
        1 => "[#;] ?[ a-z=]{0,12}".prop_map(|c| c),
        1 => "  [#;][ a-z]{0,8}".prop_map(|c| c),
        1 => prop::sample::select(vec!["", "   ", "\t"]).prop_map(str::to_owned),
        // Continuation lines and nested (s3-style) settings.
        1 => ("[ \t]{1,4}", key(), separator(), value()).prop_map(|(i, k, s, v)| format!("{i}{k}{s}{v}")),
        1 => ("[ \t]{1,4}", value()).prop_map(|(i, v)| format!("{i}{v}")),
        // Lines botocore rejects.
        1 => prop::sample::select(vec!["no delimiter", "= value", "[unclosed", "]"]).prop_map(str::to_owned),
    ]
}

/// A whole file: often a valid layout of sections, sometimes anything.
fn file() -> impl Strategy<Value = String> {
    let sections = prop::collection::vec(
        (
            section_name(),
            prop::collection::vec(prop_oneof![4 => (key(), separator(), value()).prop_map(|(k, s, v)| format!("{k}{s}{v}")), 1 => line()], 0..6),
        ),
        0..6,
    )
    .prop_map(|sections| {
        let mut lines = Vec::new();
        for (name, body) in sections {
            lines.push(format!("[{name}]"));
            lines.extend(body);
        }
        lines
    });
    let layout = prop_oneof![3 => sections, 1 => prop::collection::vec(line(), 0..14)];
    (layout, prop::collection::vec(eol(), 14..60), any::<bool>()).prop_map(
        |(lines, eols, final_eol)| {
            let mut text = String::new();
            for (i, l) in lines.iter().enumerate() {
                text.push_str(l);
                if i + 1 < lines.len() || final_eol {
                    text.push_str(eols[i % eols.len()]);
                }
            }
            text
        },
    )
}

/// An `expiration` value: mostly date-times in the forms tools write (and
/// near misses), some epochs, some noise.
fn expiration() -> impl Strategy<Value = String> {
    let date =
        (1i32..10_000, 0u32..14, 0u32..32).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let time = (0u32..25, 0u32..61, 0u32..62).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}"));
    let separator = prop::sample::select(vec!["T", "t", " ", "_"]);
    let fraction = prop::sample::select(vec!["", "", ".5", ".000", ".123456", ".123456789", "."]);
    let zone = prop::sample::select(vec![
        "",
        "Z",
        "z",
        " Z",
        "UTC",
        " UTC",
        " GMT",
        "+00:00",
        "+0000",
        "+00",
        "-00:00",
        "-01:30",
        "+0530",
        "+05",
        " +01:00",
        "+23:59",
        "+24:00",
        "+2:00",
        "utc",
        "X",
        "+01:00:00",
        "UTC+01:00",
    ]);
    let date_time = (date.clone(), separator, time, fraction, zone)
        .prop_map(|(d, sep, t, f, z)| format!("{d}{sep}{t}{f}{z}"));
    prop_oneof![
        8 => date_time,
        1 => (0u64..400_000_000_000).prop_map(|n| n.to_string()),
        1 => (0u64..4_000_000_000, 0u32..1000).prop_map(|(n, f)| format!("{n}.{f}")),
        1 => date,
        1 => "[0-9 :.TZUC+-]{0,26}",
    ]
}

/// A credentials file of keys and sessions in the spellings botocore
/// accepts: both token names, in any order and letter case, some empty, some
/// inherited from `[DEFAULT]`.
fn credentials_file() -> impl Strategy<Value = String> {
    let keys = vec![
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "expiration",
    ];
    let section_body = (
        prop::sample::subsequence(keys, 0..=5).prop_shuffle(),
        prop::collection::vec((any::<bool>(), separator()), 5),
        prop::collection::vec(
            prop_oneof![4 => "[A-Za-z0-9/+=]{1,12}", 1 => Just(String::new())],
            5,
        ),
    )
        .prop_map(|(keys, spelling, values)| {
            keys.iter()
                .zip(spelling)
                .zip(values)
                .map(|((key, (upper, sep)), value)| {
                    let key = if upper {
                        key.to_uppercase()
                    } else {
                        key.to_string()
                    };
                    format!("{key}{sep}{value}\n")
                })
                .collect::<String>()
        });
    let names = prop::sample::subsequence(vec!["DEFAULT", "default", "mfa", "a", "b"], 1..=5)
        .prop_shuffle();
    (names, prop::collection::vec(section_body, 5)).prop_map(|(names, bodies)| {
        names
            .iter()
            .zip(bodies)
            .map(|(name, body)| format!("[{name}]\n{body}"))
            .collect()
    })
}

/// `AWSMFA_DIFFERENTIAL_SEED` shifts the fixed seeds, to explore further.
fn generate(n: usize, seed: u8) -> Vec<String> {
    let shift: u8 = std::env::var("AWSMFA_DIFFERENTIAL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let seed = seed.wrapping_add(shift.wrapping_mul(2));
    let config = Config {
        cases: n as u32,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &[seed; 32]),
    );
    let strategy = file();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// `n` values of `strategy` from a fixed seed.
fn sample<S: Strategy>(strategy: S, n: usize, seed: u8) -> Vec<S::Value> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &[seed; 32]),
    );
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

// ---------------------------------------------------------------- botocore

/// What a parser read: `None` when it rejected the file, else section -> key -> value.
type Reading = Option<BTreeMap<String, BTreeMap<String, serde_json::Value>>>;

const BOTOCORE: &str = r#"
import json, sys
from botocore.configloader import raw_config_parse
from botocore.exceptions import ConfigParseError
out = []
for path in json.load(sys.stdin):
    try:
        out.append(raw_config_parse(path))
    except ConfigParseError:
        out.append(None)
print(json.dumps(out))
"#;

/// botocore's reading of each file, from one Python process.
fn botocore_read(dir: &Path, texts: &[String]) -> Option<Vec<Reading>> {
    let python = peer("python3")?;
    let paths: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.join(format!("f{i}"));
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_owned()
        })
        .collect();
    let env = TestEnv::new().var("PYTHONUTF8", "1");
    let out = env
        .program(&python, &["-c", BOTOCORE])
        .write_stdin(serde_json::to_string(&paths).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// awsmfa's reading, in botocore's shape: `[DEFAULT]` keys inherited, and a
/// value that starts on the next line read as `key = value` lines.
fn awsmfa_read(text: &str) -> Reading {
    let ini = IniFile::parse(text.as_bytes()).ok()?;
    let defaults = ini
        .section(DEFAULT_SECTION)
        .map(|s| s.entries.clone())
        .unwrap_or_default();
    let mut read = BTreeMap::new();
    for section in ini.sections().iter().filter(|s| s.name != DEFAULT_SECTION) {
        let mut keys = BTreeMap::new();
        for entry in defaults.iter().chain(&section.entries) {
            let value = ini.get(&section.name, ini.key(entry)).unwrap();
            keys.insert(ini.key(entry).to_owned(), shape(value));
        }
        read.insert(section.name.clone(), keys);
    }
    Some(read)
}

fn shape(value: &str) -> serde_json::Value {
    if !value.starts_with('\n') {
        return value.into();
    }
    let mut nested = serde_json::Map::new();
    for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("awsmfa accepted a nested line without '=': {value:?}"));
        nested.insert(k.trim().to_owned(), v.trim().into());
    }
    nested.into()
}

// ---------------------------------------------------------------- tests

#[test]
fn awsmfa_reads_every_file_as_botocore_does() {
    let dir = tempfile::tempdir().unwrap();
    let texts = generate(cases(), 1);
    let Some(botocore) = botocore_read(dir.path(), &texts) else {
        return;
    };
    let mut rejected = 0;
    for (text, expected) in texts.iter().zip(botocore) {
        rejected += usize::from(expected.is_none());
        assert_eq!(
            awsmfa_read(text),
            expected,
            "awsmfa and botocore disagree on this file:\n{text:?}"
        );
    }
    // The generator must exercise both outcomes.
    assert!(
        rejected > texts.len() / 20,
        "only {rejected} rejected files"
    );
    assert!(rejected < texts.len() * 3 / 4, "{rejected} rejected files");
}

const BOTOCORE_TIMESTAMPS: &str = r#"
import json, math, sys
from datetime import timezone
from botocore.utils import parse_timestamp
out = []
for value in json.load(sys.stdin):
    try:
        t = parse_timestamp(value)
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        out.append(math.floor(t.timestamp()))
    except Exception:
        out.append(None)
print(json.dumps(out))
"#;

/// Every expiration awsmfa reads, botocore's `parse_timestamp` (what it uses
/// for `credential_process` expirations) reads as the same second; a naive
/// time is UTC. What awsmfa cannot read counts as expired, so botocore may
/// read more.
#[test]
fn every_expiration_awsmfa_reads_botocore_reads_the_same() {
    let Some(python) = peer("python3") else {
        return;
    };
    let values = sample(expiration(), cases() * 2, 3);
    let env = TestEnv::new().var("TZ", "UTC");
    let out = env
        .program(&python, &["-c", BOTOCORE_TIMESTAMPS])
        .write_stdin(serde_json::to_string(&values).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let botocore: Vec<Option<i64>> = serde_json::from_slice(&out.stdout).unwrap();
    let mut read = 0;
    for (value, theirs) in values.iter().zip(botocore) {
        let Some(ours) = Timestamp::parse(value) else {
            continue;
        };
        read += 1;
        assert_eq!(Some(ours.0), theirs, "awsmfa reads {value:?} as {ours}");
    }
    // The generator must exercise both outcomes.
    assert!(
        read > values.len() / 5,
        "only {read} of {} read",
        values.len()
    );
    assert!(
        read < values.len() * 4 / 5,
        "{read} of {} read",
        values.len()
    );
}

const BOTOCORE_CREDENTIALS: &str = r#"
import json, sys
from botocore.credentials import SharedCredentialProvider
from botocore.exceptions import PartialCredentialsError
out = []
for path, profiles in json.load(sys.stdin):
    read = {}
    for profile in profiles:
        try:
            c = SharedCredentialProvider(creds_filename=path, profile_name=profile).load()
            read[profile] = None if c is None else [c.access_key, c.secret_key, c.token]
        except PartialCredentialsError:
            read[profile] = "partial"
    out.append(read)
print(json.dumps(out))
"#;

/// Each profile of a credentials file is a session, long-term keys or nothing
/// exactly where botocore's shared-credentials provider finds a token, no
/// token, or no key, and a session's token is the one botocore sends.
#[test]
fn sessions_are_read_as_botocore_reads_them() {
    let Some(python) = peer("python3") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<String> = sample(credentials_file(), cases(), 4)
        .into_iter()
        .filter(|t| IniFile::parse(t.as_bytes()).is_ok())
        .collect();
    let profiles = |ini: &IniFile| -> Vec<String> {
        ini.sections()
            .iter()
            .map(|s| s.name.clone())
            .filter(|n| n != DEFAULT_SECTION)
            .collect()
    };
    let input: Vec<(String, Vec<String>)> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.path().join(format!("c{i}"));
            std::fs::write(&path, text).unwrap();
            let ini = IniFile::parse(text.as_bytes()).unwrap();
            (path.to_str().unwrap().to_owned(), profiles(&ini))
        })
        .collect();
    let out = TestEnv::new()
        .program(&python, &["-c", BOTOCORE_CREDENTIALS])
        .write_stdin(serde_json::to_string(&input).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let botocore: Vec<BTreeMap<String, serde_json::Value>> =
        serde_json::from_slice(&out.stdout).unwrap();
    let mut sessions = 0;
    for (text, theirs) in texts.iter().zip(botocore) {
        let ini = IniFile::parse(text.as_bytes()).unwrap();
        for profile in profiles(&ini) {
            let theirs = &theirs[&profile];
            let agrees = match ProfileCredentials::read(&ini, &profile) {
                ProfileCredentials::Session(s) => {
                    sessions += 1;
                    *theirs
                        == serde_json::json!([
                            s.access_key_id,
                            s.secret_access_key.expose(),
                            s.session_token.expose()
                        ])
                }
                ProfileCredentials::LongTerm => theirs == "partial" || theirs[2].is_null(),
                ProfileCredentials::Missing => theirs.is_null() || theirs == "partial",
            };
            assert!(
                agrees,
                "[{profile}] reads differently; botocore: {theirs}\n{text}"
            );
        }
    }
    assert!(sessions > texts.len() / 4, "only {sessions} sessions");
}

/// The variables the path tests expand, as a test environment.
struct PathEnv(Vec<(&'static str, &'static str)>);

impl awsmfa::env::Env for PathEnv {
    fn raw_var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// A value for `AWS_CONFIG_FILE`: pieces that Python's expandvars and
/// expanduser treat specially, in any order.
fn file_variable() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "$A",
        "${A}",
        "$EMPTY",
        "${EMPTY}",
        "$NOPE",
        "${NOPE}",
        "$",
        "${",
        "}",
        "{",
        "${}",
        "$$",
        "~",
        "~/",
        "~root",
        "~no-such-user",
        "/",
        "x",
        "$1",
        "$A_b",
        "${B C}",
        "é",
        "$é",
        ".",
        " ",
        "$TILDE",
        "$HOME",
    ]);
    prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

/// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` name the file botocore
/// names: `os.path.expanduser(os.path.expandvars(value))`.
#[test]
fn file_variables_expand_as_python_expands_them() {
    let Some(python) = peer("python3") else {
        return;
    };
    let vars = vec![
        ("HOME", "/home/tester/"),
        ("A", "/a"),
        ("EMPTY", ""),
        ("B C", "bc"),
        ("TILDE", "~/t"),
    ];
    let values = sample(file_variable(), cases(), 5);
    let mut env = TestEnv::new();
    for (k, v) in &vars {
        env = env.var(k, v);
    }
    let script = "import json, os.path, sys\n\
        print(json.dumps([os.path.expanduser(os.path.expandvars(v)) for v in json.load(sys.stdin)]))";
    let out = env
        .program(&python, &["-c", script])
        .write_stdin(serde_json::to_string(&values).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python_paths: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let ours = PathEnv(vars);
    for (value, theirs) in values.iter().zip(python_paths) {
        let expanded = expand_user(&expand_vars(value, &ours), &ours);
        assert_eq!(expanded, theirs, "{value:?}");
    }
}

/// The lines of `text`, line endings dropped, as botocore would split them.
fn lines(text: &str) -> Vec<&str> {
    text.split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .collect()
}

/// Every line of `before` that is not one of the edited keys of `section`
/// (or, for a removal, in the section) must still be in `after`, in the same
/// order and unchanged; a removal may also drop a blank line.
fn assert_kept(before: &str, after: &str, ini: &IniFile, section: &str, keys: &[&str]) {
    // A removal takes the whole section with it, comments inside it included.
    let edited: Vec<usize> = match ini.section(section) {
        None => Vec::new(),
        Some(s) if keys.is_empty() => (s.header_line..=s.last_line()).collect(),
        Some(s) => s
            .entries
            .iter()
            .filter(|e| keys.contains(&ini.key(e)))
            .flat_map(|e| std::iter::once(e.line).chain(e.continuation.iter().copied()))
            .collect(),
    };
    let old = lines(before);
    let new = lines(after);
    let mut j = 0;
    for (i, line) in old.iter().enumerate() {
        if edited.contains(&i) || (line.trim().is_empty() && keys.is_empty()) {
            continue;
        }
        while j < new.len() && new[j] != *line {
            j += 1;
        }
        assert!(
            j < new.len(),
            "line {} ({line:?}) was lost editing [{section}]\nbefore: {before:?}\nafter:  {after:?}",
            i + 1
        );
        j += 1;
    }
}

#[test]
fn edits_change_only_their_keys_and_botocore_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<String> = generate(cases(), 2)
        .into_iter()
        .filter(|t| IniFile::parse(t.as_bytes()).is_ok())
        .collect();
    let pairs = [
        ("aws_access_key_id", "ASIAFAKESESSION00000"),
        ("aws_secret_access_key", "fake/secret+key=="),
        ("aws_session_token", "FakeToken//+=="),
        ("expiration", "2026-11-23T19:20:32Z"),
    ];
    let keys: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let mut edited = Vec::new();
    let mut expected: Vec<Reading> = Vec::new();
    let mut refused = 0;
    for (n, text) in texts.iter().enumerate() {
        let ini = IniFile::parse(text.as_bytes()).unwrap();
        let before = awsmfa_read(text).unwrap();
        let names: Vec<String> = ini
            .sections()
            .iter()
            .map(|s| s.name.clone())
            .filter(|s| s != DEFAULT_SECTION)
            .collect();
        // An existing section, or a new one.
        let section = names
            .get(n % (names.len() + 1))
            .cloned()
            .unwrap_or_else(|| "mfa-new".to_owned());
        match edit::set_keys(&ini, &section, &pairs) {
            Ok(after) => {
                assert_kept(text, &after, &ini, &section, &keys);
                let mut want = before.clone();
                let entry = want.entry(section.clone()).or_insert_with(|| {
                    // A new section inherits [DEFAULT] too.
                    before_defaults(&ini, &keys)
                });
                for (k, v) in pairs {
                    entry.insert(k.to_owned(), v.into());
                }
                edited.push(after);
                expected.push(Some(want));
            }
            Err(_) => refused += 1,
        }
        if let Some(result) = edit::remove_section(&ini, &section) {
            match result {
                Ok(after) => {
                    assert_kept(text, &after, &ini, &section, &[]);
                    let mut want = before.clone();
                    want.remove(&section);
                    edited.push(after);
                    expected.push(Some(want));
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(refused < edited.len() / 10, "{refused} edits refused");
    let Some(botocore) = botocore_read(dir.path(), &edited) else {
        return;
    };
    for ((text, want), got) in edited.iter().zip(expected).zip(botocore) {
        assert_eq!(
            got, want,
            "botocore reads the edited file differently:\n{text:?}"
        );
        assert_eq!(
            awsmfa_read(text),
            want,
            "awsmfa re-reads differently:\n{text:?}"
        );
    }
}

/// What a new section inherits from `[DEFAULT]`, but for the keys it sets.
fn before_defaults(ini: &IniFile, set: &[&str]) -> BTreeMap<String, serde_json::Value> {
    ini.section(DEFAULT_SECTION)
        .map(|s| {
            s.entries
                .iter()
                .filter(|e| !set.contains(&ini.key(e)))
                .map(|e| (ini.key(e).to_owned(), shape(ini.value(e))))
                .collect()
        })
        .unwrap_or_default()
}
