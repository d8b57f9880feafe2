//! Format-preserving edits: only the lines of the keys being set change.
//!
//! Every edit is checked by parsing the result again: the edited section must
//! read exactly as intended and every other section exactly as before. An
//! edit that would change anything else is refused, so an unusual file is
//! never damaged.

use super::parse::pystr::{indent_of, is_comment, py_strip};
use super::parse::{IniFile, Section};

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeEdit {
    pub section: String,
}

impl std::fmt::Display for UnsafeEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot update [{}] without changing other parts of the file (unusual indentation?)",
            self.section
        )
    }
}

impl std::error::Error for UnsafeEdit {}

#[derive(Clone)]
enum Op {
    Keep,
    Replace(String),
    Delete,
}

/// What to do with each line, plus lines to insert after some of them.
struct Plan<'a> {
    file: &'a IniFile,
    ops: Vec<Op>,
    insert_after: Vec<(usize, Vec<String>)>,
    append: Vec<String>,
}

impl<'a> Plan<'a> {
    fn new(file: &'a IniFile) -> Self {
        Plan {
            file,
            ops: vec![Op::Keep; file.lines().len()],
            insert_after: Vec::new(),
            append: Vec::new(),
        }
    }

    fn render(&self) -> String {
        let file = self.file;
        let eol = file.eol();
        let mut out = String::with_capacity(file.text().len() + 256);
        let push_new = |out: &mut String, lines: &[String], eol: &str| {
            for line in lines {
                if !out.is_empty() && !out.ends_with(['\n', '\r']) {
                    out.push_str(eol);
                }
                out.push_str(line);
                out.push_str(eol);
            }
        };
        for (i, op) in self.ops.iter().enumerate() {
            match op {
                Op::Keep => {
                    out.push_str(file.line_text(i));
                    out.push_str(file.line_end(i));
                }
                Op::Replace(text) => {
                    out.push_str(text);
                    out.push_str(file.line_end(i));
                }
                Op::Delete => {}
            }
            // New lines end as the line before them does: with a file's
            // dominant `\r`, a following `\n` would otherwise join the
            // last new line's end and swallow a blank line.
            let own_eol = match file.line_end(i) {
                "" => eol,
                end => end,
            };
            for (_, lines) in self.insert_after.iter().filter(|(at, _)| *at == i) {
                push_new(&mut out, lines, own_eol);
            }
        }
        push_new(&mut out, &self.append, eol);
        // A file without a final line end keeps lacking one.
        let text = file.text();
        if !text.is_empty() && !text.ends_with(['\n', '\r']) {
            let trimmed = out.trim_end_matches(['\n', '\r']).len();
            if out[trimmed..] == *eol {
                out.truncate(trimmed);
            }
        }
        out
    }
}

/// Sets `pairs` in `[section]` (adding the section at the end when missing)
/// and returns the new text.
pub fn set_keys(
    file: &IniFile,
    section: &str,
    pairs: &[(&str, &str)],
) -> Result<String, UnsafeEdit> {
    let mut plan = Plan::new(file);
    match file.section(section) {
        Some(sec) => {
            let mut new_lines = Vec::new();
            let indent = match sec.entries.last() {
                Some(last) => indent_of(file.line_text(last.line)).to_owned(),
                None => next_meaningful_line(file, sec.header_line)
                    .map(|i| indent_of(file.line_text(i)).to_owned())
                    .unwrap_or_default(),
            };
            for (key, value) in pairs {
                match file.entry(sec, key) {
                    Some(entry) => {
                        let line = file.line_text(entry.line);
                        let mut prefix = line[..entry.value_offset].to_owned();
                        // `key =` gets `key = v`; `key=` gets `key=v`; so does
                        // `s3 =` whose (nested) value started on the next line.
                        let bare = py_strip(&line[entry.value_offset..]).is_empty();
                        let spaced = prefix.chars().rev().nth(1).is_some_and(char::is_whitespace);
                        if bare && spaced && !prefix.ends_with(char::is_whitespace) {
                            prefix.push(' ');
                        }
                        plan.ops[entry.line] = Op::Replace(format!("{prefix}{value}"));
                        for &c in &entry.continuation {
                            plan.ops[c] = Op::Delete;
                        }
                    }
                    None => new_lines.push(format!("{indent}{key} = {value}")),
                }
            }
            if !new_lines.is_empty() {
                plan.insert_after.push((sec.last_line(), new_lines));
            }
        }
        None => {
            let ends_blank = file
                .lines()
                .last()
                .is_none_or(|_| py_strip(file.line_text(file.lines().len() - 1)).is_empty());
            if !ends_blank {
                plan.append.push(String::new());
            }
            plan.append.push(format!("[{section}]"));
            plan.append
                .extend(pairs.iter().map(|(k, v)| format!("{k} = {v}")));
        }
    }
    let text = plan.render();
    verify(file, &text, section, Some(with_pairs(file, section, pairs)))?;
    Ok(text)
}

/// Removes the lines of `keys` from `[section]` (the whole section when no
/// other key is left in it) and returns the new text: every other line,
/// comment and line end stays as it was.
pub fn remove_keys(file: &IniFile, section: &str, keys: &[&str]) -> Result<String, UnsafeEdit> {
    let Some(sec) = file.section(section) else {
        return Ok(file.text().to_owned());
    };
    let goes = |e: &&super::parse::Entry| keys.contains(&file.key(e));
    if sec.entries.iter().all(|e| goes(&e)) {
        return remove_section(file, section).expect("the section exists");
    }
    let mut plan = Plan::new(file);
    for entry in sec.entries.iter().filter(goes) {
        plan.ops[entry.line] = Op::Delete;
        for &c in &entry.continuation {
            plan.ops[c] = Op::Delete;
        }
    }
    let text = plan.render();
    let mut left = pairs_of(file, section).unwrap_or_default();
    left.retain(|(k, _)| !keys.contains(&k.as_str()));
    verify(file, &text, section, Some(left))?;
    Ok(text)
}

/// Removes `[section]` with its keys; `None` when there is no such section.
pub fn remove_section(file: &IniFile, section: &str) -> Option<Result<String, UnsafeEdit>> {
    let sec = file.section(section)?;
    let mut plan = Plan::new(file);
    let (first, last) = (sec.header_line, sec.last_line());
    for op in &mut plan.ops[first..=last] {
        *op = Op::Delete;
    }
    // Do not leave two blank lines where the section stood.
    let blank = |i: usize| py_strip(file.line_text(i)).is_empty();
    let next = last + 1;
    if next < file.lines().len() {
        if blank(next) && (first == 0 || blank(first - 1)) {
            plan.ops[next] = Op::Delete;
        }
    } else if first > 0 && blank(first - 1) {
        // The section ended the file: drop the blank line that set it apart.
        plan.ops[first - 1] = Op::Delete;
    }
    let text = plan.render();
    Some(verify(file, &text, section, None).map(|()| text))
}

fn next_meaningful_line(file: &IniFile, after: usize) -> Option<usize> {
    (after + 1..file.lines().len()).find(|&i| {
        let t = file.line_text(i);
        !py_strip(t).is_empty() && !is_comment(t)
    })
}

type Pairs = Vec<(String, String)>;

fn pairs_of(file: &IniFile, name: &str) -> Option<Pairs> {
    file.section(name).map(|s| {
        s.entries
            .iter()
            .map(|e| (file.key(e).to_owned(), file.value(e).to_owned()))
            .collect()
    })
}

/// The sections of `file` but `[section]`, in file order.
fn other_sections<'a>(file: &'a IniFile, section: &'a str) -> impl Iterator<Item = &'a Section> {
    file.sections().iter().filter(move |s| s.name != section)
}

/// Whether two sections, each of its own file, have the same name, keys and values.
fn same_section(a: &IniFile, sa: &Section, b: &IniFile, sb: &Section) -> bool {
    sa.name == sb.name
        && sa.entries.len() == sb.entries.len()
        && sa
            .entries
            .iter()
            .zip(&sb.entries)
            .all(|(x, y)| a.key(x) == b.key(y) && a.value(x) == b.value(y))
}

/// The keys and values of `[section]` once `pairs` are set in it.
fn with_pairs(before: &IniFile, section: &str, pairs: &[(&str, &str)]) -> Pairs {
    let mut expected = pairs_of(before, section).unwrap_or_default();
    for (k, v) in pairs {
        match expected.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = (*v).to_owned(),
            None => expected.push(((*k).to_owned(), (*v).to_owned())),
        }
    }
    expected
}

/// Checks that `text` reads as `before` with only `[section]` changed as
/// intended: holding `expected`, or gone (`None`). One pass over both
/// files: a file of 100,000 profiles takes as long to check as to read.
fn verify(
    before: &IniFile,
    text: &str,
    section: &str,
    expected: Option<Pairs>,
) -> Result<(), UnsafeEdit> {
    let refuse = || UnsafeEdit {
        section: section.to_owned(),
    };
    let after = IniFile::parse(text.as_bytes()).map_err(|_| refuse())?;
    let mut new = other_sections(&after, section);
    let unchanged = other_sections(before, section).all(|old| {
        new.next()
            .is_some_and(|n| same_section(before, old, &after, n))
    }) && new.next().is_none();
    if !unchanged {
        return Err(refuse());
    }
    if pairs_of(&after, section) != expected {
        return Err(refuse());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(s: &str) -> IniFile {
        IniFile::parse(s.as_bytes()).unwrap()
    }

    fn set(s: &str, section: &str, pairs: &[(&str, &str)]) -> String {
        set_keys(&file(s), section, pairs).unwrap()
    }

    #[test]
    fn mixed_line_ends_keep_every_line() {
        // Found by the differential test: the file's dominant "\r" ending the
        // new lines joined the "\n" of the blank line after them.
        let file = file("[a b]\rregion = x\r\n\n");
        let out = set_keys(&file, "a b", &[("k", "v")]).unwrap();
        assert_eq!(out, "[a b]\rregion = x\r\nk = v\r\n\n");
    }

    #[test]
    fn replaces_values_in_place_keeping_spacing() {
        let before = "# keep\n[mfa]\naws_access_key_id=OLD\nregion   =  x\n\n[other]\nk = v\n";
        let after = set(before, "mfa", &[("aws_access_key_id", "NEW")]);
        assert_eq!(
            after,
            "# keep\n[mfa]\naws_access_key_id=NEW\nregion   =  x\n\n[other]\nk = v\n"
        );
    }

    #[test]
    fn adds_missing_keys_after_the_last_key_of_the_section() {
        let before = "[mfa]\na = 1\n# trailing comment\n\n[other]\nk = v\n";
        let after = set(before, "mfa", &[("b", "2"), ("a", "3")]);
        assert_eq!(
            after,
            "[mfa]\na = 3\nb = 2\n# trailing comment\n\n[other]\nk = v\n"
        );
    }

    #[test]
    fn appends_a_new_section_at_the_end() {
        assert_eq!(set("", "mfa", &[("k", "v")]), "[mfa]\nk = v\n");
        assert_eq!(
            set("[a]\nx = 1\n", "mfa", &[("k", "v")]),
            "[a]\nx = 1\n\n[mfa]\nk = v\n"
        );
        assert_eq!(
            set("[a]\nx = 1\n\n", "mfa", &[("k", "v")]),
            "[a]\nx = 1\n\n[mfa]\nk = v\n"
        );
    }

    #[test]
    fn keeps_crlf_and_a_missing_final_newline() {
        let after = set("[a]\r\nx = 1", "mfa", &[("k", "v")]);
        assert_eq!(after, "[a]\r\nx = 1\r\n\r\n[mfa]\r\nk = v");
        let after = set("[mfa]\r\nk = old", "mfa", &[("k", "new"), ("j", "2")]);
        assert_eq!(after, "[mfa]\r\nk = new\r\nj = 2");
    }

    #[test]
    fn header_only_section_gets_keys_after_the_header() {
        let after = set("[mfa]\n[b]\nx = 1\n", "mfa", &[("k", "v")]);
        assert_eq!(after, "[mfa]\nk = v\n[b]\nx = 1\n");
    }

    #[test]
    fn empty_value_gets_a_space() {
        assert_eq!(set("[a]\nk =\n", "a", &[("k", "v")]), "[a]\nk = v\n");
        assert_eq!(set("[a]\nk=\n", "a", &[("k", "v")]), "[a]\nk=v\n");
    }

    #[test]
    fn replacing_a_nested_value_keeps_the_space() {
        let nested =
            "[a]\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\nj = 1\n";
        assert_eq!(set(nested, "a", &[("s3", "v")]), "[a]\ns3 = v\nj = 1\n");
        let trailing = "[a]\ns3 =  \n  max_concurrent_requests = 20\n";
        assert_eq!(set(trailing, "a", &[("s3", "v")]), "[a]\ns3 = v\n");
        let tight = "[a]\ns3=\n  max_concurrent_requests = 20\n";
        assert_eq!(set(tight, "a", &[("s3", "v")]), "[a]\ns3=v\n");
    }

    #[test]
    fn replacing_a_multiline_value_drops_its_continuation() {
        let after = set("[a]\nk = one\n  two\n# c\nj = 1\n", "a", &[("k", "v")]);
        assert_eq!(after, "[a]\nk = v\n# c\nj = 1\n");
    }

    #[test]
    fn new_keys_follow_the_indentation_of_the_section() {
        let before = "[a]\n   x = 1\n  [b]\ny = 2\n";
        let after = set(before, "a", &[("k", "v")]);
        assert_eq!(after, "[a]\n   x = 1\n   k = v\n  [b]\ny = 2\n");
    }

    #[test]
    fn removes_a_section_and_one_blank_line() {
        let before = "[a]\nx = 1\n\n[mfa]\nk = v\n# inside\nj = w\n\n[b]\ny = 2\n";
        let after = remove_section(&file(before), "mfa").unwrap().unwrap();
        assert_eq!(after, "[a]\nx = 1\n\n[b]\ny = 2\n");
        assert!(remove_section(&file(before), "missing").is_none());
    }

    #[test]
    fn appending_then_removing_a_section_restores_the_file() {
        for original in [
            "[a]\nx = 1",
            "[a]\nx = 1\n",
            "[a]\r\nx = 1\r\n",
            "",
            "# only a comment\n",
        ] {
            let added = set(original, "mfa", &[("k", "v")]);
            let removed = remove_section(&file(&added), "mfa").unwrap().unwrap();
            assert_eq!(removed, original, "{added:?}");
        }
    }

    #[test]
    fn removing_the_last_section_keeps_a_missing_final_newline() {
        let after = remove_section(&file("[a]\nx = 1\n[mfa]\nk = v"), "mfa")
            .unwrap()
            .unwrap();
        assert_eq!(after, "[a]\nx = 1");
    }

    #[test]
    fn refuses_an_edit_that_would_change_another_section() {
        // Removing [s] would make the indented [n] a continuation of x.
        let before = "[a]\nx = 1\n[s]\n    y = 2\n    [n]\nz = 3\n";
        assert!(remove_section(&file(before), "s").unwrap().is_err());
    }

    #[test]
    fn edits_of_a_file_of_100000_profiles_are_checked_in_linear_time() {
        let mut text = String::new();
        for i in 0..100_000 {
            text.push_str(&format!(
                "[profile{i}]\naws_access_key_id = AKIA{i:016}\naws_secret_access_key = s{i}\n\n"
            ));
        }
        let f = file(&text);
        // Quadratic, one edit took minutes; linear, it takes as long as
        // reading the file twice (well under a second in a release build).
        let timed = |edit: &dyn Fn() -> String| {
            let started = std::time::Instant::now();
            let text = edit();
            let took = started.elapsed();
            assert!(took < std::time::Duration::from_secs(5), "{took:?}");
            text
        };
        let added = timed(&|| set_keys(&f, "mfa", &[("aws_session_token", "t")]).unwrap());
        assert!(added.ends_with("[mfa]\naws_session_token = t\n"));
        let changed =
            timed(&|| set_keys(&f, "profile50000", &[("aws_secret_access_key", "new")]).unwrap());
        assert!(changed.contains(
            "[profile50000]\naws_access_key_id = AKIA0000000000050000\naws_secret_access_key = new\n"
        ));
        let removed = timed(&|| remove_section(&f, "profile0").unwrap().unwrap());
        assert!(removed.starts_with("[profile1]\n"));
    }

    #[test]
    fn removing_keys_takes_their_lines_only() {
        let keys = ["aws_access_key_id", "aws_secret_access_key"];
        let before = "# top\r\n[a]\r\nx = 1\r\n\r\n[work]\r\n# the keys\r\naws_access_key_id = AKIA\r\nregion = eu-west-1\r\naws_secret_access_key = s\r\n  continued\r\nmfa_serial = m\r\n\r\n[b]\r\ny = 2";
        let after = remove_keys(&file(before), "work", &keys).unwrap();
        assert_eq!(
            after,
            "# top\r\n[a]\r\nx = 1\r\n\r\n[work]\r\n# the keys\r\nregion = eu-west-1\r\nmfa_serial = m\r\n\r\n[b]\r\ny = 2"
        );
        // The last key of a file without a final line end.
        let after = remove_keys(&file("[w]\nregion = x\naws_access_key_id = A"), "w", &keys);
        assert_eq!(after.unwrap(), "[w]\nregion = x");
    }

    #[test]
    fn removing_every_key_removes_the_section() {
        let keys = ["aws_access_key_id", "aws_secret_access_key"];
        let before = "[a]\nx = 1\n\n[work]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\n[b]\ny = 2\n";
        let after = remove_keys(&file(before), "work", &keys).unwrap();
        assert_eq!(after, "[a]\nx = 1\n\n[b]\ny = 2\n");
        let only = "[work]\naws_access_key_id = AKIA\naws_secret_access_key = s\n";
        assert_eq!(remove_keys(&file(only), "work", &keys).unwrap(), "");
        assert_eq!(remove_keys(&file(before), "none", &keys).unwrap(), before);
    }

    #[test]
    fn refuses_values_that_would_not_read_back() {
        let f = file("[a]\nx = 1\n");
        assert!(set_keys(&f, "a", &[("x", "two\nlines = 3")]).is_err());
        assert!(set_keys(&f, "a", &[("x", " padded ")]).is_err());
    }
}
