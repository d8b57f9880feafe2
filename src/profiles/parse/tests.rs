//! The reader's tests: each of botocore's rules, and each way a file is
//! refused, on a small file of its own; errors and `Debug` output are
//! checked never to show a value, since values may be secrets.

use super::*;

fn parse(s: &str) -> IniFile {
    IniFile::parse(s.as_bytes()).unwrap()
}

fn error(s: &str) -> ParseError {
    IniFile::parse(s.as_bytes()).unwrap_err()
}

#[test]
fn nested_settings_need_equals_as_in_botocore() {
    let ok = parse("[p]\ns3 =\n  max_concurrent_requests = 20\n\n  addressing_style = path\n");
    assert_eq!(
        ok.get("p", "s3"),
        Some("\nmax_concurrent_requests = 20\n\naddressing_style = path")
    );
    let bad = error("[p]\nregion = x\ns3 =\n  no equals here\n");
    assert_eq!(bad.line, 3);
    assert!(bad.to_string().contains("nested settings of 's3'"));
    // [DEFAULT]'s keys count only once another section inherits them.
    assert!(IniFile::parse(b"[DEFAULT]\nk =\n  bad\n").is_ok());
    assert_eq!(error("[DEFAULT]\nk =\n  bad\n[p]\n").line, 2);
    // ...and only where a section does not set the key itself.
    assert!(IniFile::parse(b"[DEFAULT]\nk =\n  bad\n[p]\nk = own\n").is_ok());
    // A value on the key's own line is not nested.
    assert!(IniFile::parse(b"[p]\nk = a\n  b\n").is_ok());
}

#[test]
fn reads_sections_and_keys() {
    let f = parse("# top\n[default]\naws_access_key_id = AKIA\n\n[mfa]\nRegion=eu-west-1\n");
    assert_eq!(f.sections().len(), 2);
    assert_eq!(f.get("default", "aws_access_key_id"), Some("AKIA"));
    assert_eq!(f.get("mfa", "region"), Some("eu-west-1"));
    assert_eq!(f.get("mfa", "missing"), None);
    assert_eq!(f.get("nope", "region"), None);
}

#[test]
fn values_are_raw() {
    let f =
        parse("[a]\nq = \"quoted\"\nb = back\\slash\nc = x # not a comment\nd = a=b\ne:colon\n");
    assert_eq!(f.get("a", "q"), Some("\"quoted\""));
    assert_eq!(f.get("a", "b"), Some("back\\slash"));
    assert_eq!(f.get("a", "c"), Some("x # not a comment"));
    assert_eq!(f.get("a", "d"), Some("a=b"));
    assert_eq!(f.get("a", "e"), Some("colon"));
}

#[test]
fn first_delimiter_wins() {
    let f = parse("[a]\nk:v=w\nx = y:z\n");
    assert_eq!(f.get("a", "k"), Some("v=w"));
    assert_eq!(f.get("a", "x"), Some("y:z"));
}

#[test]
fn line_ends_crlf_cr_and_missing_final_newline() {
    let f = parse("[a]\r\nk = v\r\n[b]\rx = 1");
    assert_eq!(f.get("a", "k"), Some("v"));
    assert_eq!(f.get("b", "x"), Some("1"));
    assert_eq!(f.eol(), "\r\n");
    assert_eq!(f.line_end(3), "");
}

#[test]
fn continuation_lines_join_values() {
    let f =
        parse("[a]\ns3 =\n  max_concurrent_requests = 10\n\n  addressing_style = path\nnext = 1\n");
    assert_eq!(
        f.get("a", "s3"),
        Some("\nmax_concurrent_requests = 10\n\naddressing_style = path")
    );
    assert_eq!(f.get("a", "next"), Some("1"));
    assert_eq!(
        f.entry(f.section("a").unwrap(), "s3").unwrap().continuation,
        vec![2, 4]
    );
}

#[test]
fn indented_header_after_a_key_is_a_continuation() {
    let f = parse("[a]\nk = v\n  [b]\n");
    assert_eq!(f.get("a", "k"), Some("v\n[b]"));
    assert!(f.section("b").is_none());
}

#[test]
fn comments_do_not_continue_values() {
    let f = parse("[a]\nk = v\n  # note\n  ; other\nj = w\n");
    assert_eq!(f.get("a", "k"), Some("v"));
    assert_eq!(f.get("a", "j"), Some("w"));
}

#[test]
fn default_section_is_inherited() {
    let f = parse("[DEFAULT]\nregion = r\n[a]\nk = v\n[b]\nregion = own\n");
    assert_eq!(f.get("a", "region"), Some("r"));
    assert_eq!(f.get("b", "region"), Some("own"));
}

#[test]
fn header_takes_up_to_the_last_bracket() {
    let f = parse("[profile x] trailing]\nk = v\n[ spaced ]\n");
    assert!(f.section("profile x] trailing").is_some());
    assert!(f.section(" spaced ").is_some());
}

#[test]
fn keys_are_lowercased_and_duplicates_rejected() {
    let e = error("[a]\nAWS_ACCESS_KEY_ID = 1\naws_access_key_id = 2\n");
    assert_eq!(e.line, 3);
    assert!(matches!(e.reason, ParseErrorKind::DuplicateKey { .. }));
}

#[test]
fn keys_are_lowercased_as_python_lowercases_them() {
    // Each pair checked against Python 3.11's str.lower.
    for (key, python) in [
        ("Region", "region"),
        ("ǅ", "ǆ"),
        ("ᾈ", "ᾀ"),
        ("ᾼ", "ᾳ"),
        ("İ", "i\u{307}"),
        ("ΑΣ", "ας"),
        ("ΑΣ.Β", "ασ.β"),
        ("ΑΣ Β", "ας β"),
        ("aΣ.", "aς."),
        ("ΣA", "σa"),
        ("ÄBC", "äbc"),
    ] {
        let f = parse(&format!("[a]\n{key} = v\n"));
        let entry = &f.sections()[0].entries[0];
        assert_eq!(f.key(entry), python, "{key}");
    }
    assert_eq!(py_lower("already_lower"), None);
    assert_eq!(py_lower("ǆ"), None);
    // Title case and its lower case are one key, as in botocore.
    for (first, second) in [("ǅ", "ǆ"), ("ᾈ", "ᾀ"), ("ᾼ", "ᾳ"), ("ΑΣ", "ας")] {
        let e = error(&format!("[a]\n{first} = 1\n{second} = 2\n"));
        assert!(
            matches!(e.reason, ParseErrorKind::DuplicateKey { .. }),
            "{first}"
        );
    }
}

#[test]
fn sections_are_found_by_name_among_many() {
    let mut text = String::from("[DEFAULT]\nk = d\n");
    for i in 0..2000 {
        text.push_str(&format!("[p{i}]\nk = {i}\n"));
    }
    let f = parse(&text);
    for i in [0, 1, 999, 1999] {
        assert_eq!(f.get(&format!("p{i}"), "k"), Some(i.to_string().as_str()));
        assert_eq!(f.section(&format!("p{i}")).unwrap().header_line, 2 + 2 * i);
    }
    assert!(f.section("p2000").is_none());
    assert_eq!(f.get("p7", "missing"), None);
    let dup = error(&format!("{text}[p1500]\n"));
    assert_eq!(dup.reason, ParseErrorKind::DuplicateSection("p1500".into()));
}

#[test]
fn a_section_of_many_keys_reads_in_linear_time() {
    let mut text = String::from("[big]\n");
    for i in 0..100_000 {
        text.push_str(&format!("key{i} = {i}\n"));
    }
    let started = std::time::Instant::now();
    let f = parse(&text);
    assert_eq!(f.get("big", "key99999"), Some("99999"));
    let dup = error(&format!("{text}key77777 = again\n"));
    assert!(matches!(dup.reason, ParseErrorKind::DuplicateKey { .. }));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn malformed_files_report_the_line() {
    assert_eq!(error("k = v\n").reason, ParseErrorKind::KeyBeforeSection);
    let e = error("[a]\nk = v\n\nthis is not a key\n");
    assert_eq!((e.line, e.reason), (4, ParseErrorKind::NotKeyValue));
    assert_eq!(error("[a]\n= v\n").reason, ParseErrorKind::EmptyKey);
    let e = error("[a]\n[b]\n[a]\n");
    assert_eq!(
        (e.line, e.reason),
        (3, ParseErrorKind::DuplicateSection("a".into()))
    );
    assert_eq!(error("[]\n").reason, ParseErrorKind::KeyBeforeSection);
    let e = IniFile::parse(b"[a]\nk = \xff\n").unwrap_err();
    assert_eq!((e.line, e.reason), (2, ParseErrorKind::NotUtf8));
}

#[test]
fn errors_never_quote_the_line() {
    let e = error("[a]\naws_secret_access_key SECRETVALUE\n");
    assert!(!e.to_string().contains("SECRETVALUE"));
    assert!(!format!("{e:?}").contains("SECRETVALUE"));
}

#[test]
fn debug_of_a_file_hides_values() {
    let f = parse("[a]\naws_secret_access_key = SECRETVALUE\n");
    let shown = format!("{f:?}");
    assert!(!shown.contains("SECRETVALUE"), "{shown}");
}

#[test]
fn empty_and_comment_only_files() {
    assert!(parse("").sections().is_empty());
    assert!(parse("# only\n\n; comments\n").sections().is_empty());
}
