//! Reads the AWS credentials and config files exactly as botocore does.
//!
//! botocore hands these files to Python's `configparser.RawConfigParser`
//! with its defaults, so this parser follows the same rules:
//!
//! - lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines);
//! - a line whose stripped text starts with `#` or `;` is a comment; there
//!   are no inline comments, so `key = a # b` has the value `a # b`;
//! - `[name]` opens a section (the name is everything up to the last `]`);
//!   `[DEFAULT]` holds keys that every other section inherits;
//! - `key = value` or `key: value` sets a key (first `=` or `:` wins); keys
//!   are lower-cased, values are stripped but otherwise raw: quotes and
//!   backslashes are kept;
//! - a line indented deeper than the key line before it continues that value;
//! - a duplicate section, a duplicate key in a section, a key before any
//!   section or a line that is none of the above makes the whole file invalid.
//!
//! The parser keeps the byte position of every line so that the editor can
//! change a key and leave every other byte alone.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// The name configparser reserves for keys inherited by every section.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// One physical line: `text[start..end]` is its content, `text[end..eol_end]` its line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub start: u32,
    pub end: u32,
    pub eol_end: u32,
}

impl Line {
    fn content(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    fn ending(self) -> std::ops::Range<usize> {
        self.end as usize..self.eol_end as usize
    }
}

/// A key or a value: a range of the file's text, or a string of its own
/// when the text does not hold it as is (lower-cased keys, multi-line values).
/// Ranges keep a file of thousands of profiles from becoming tens of
/// thousands of small allocations.
#[derive(Clone, PartialEq, Eq)]
enum Text {
    Span(u32, u32),
    Owned(Box<str>),
}

impl Text {
    /// `part`, a slice of `text`; the parser has checked that offsets fit in `u32`.
    fn span(text: &str, part: &str) -> Text {
        let start = part.as_ptr() as usize - text.as_ptr() as usize;
        Text::Span(start as u32, (start + part.len()) as u32)
    }

    fn resolve<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            Text::Span(start, end) => &text[*start as usize..*end as usize],
            Text::Owned(owned) => owned,
        }
    }
}

/// A key and its value, with the lines it was read from. Read them through
/// [`IniFile::key`] and [`IniFile::value`].
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, lower-cased as botocore sees it.
    key: Text,
    /// The value, stripped, continuation lines joined with `\n`.
    value: Text,
    /// The line of `key = value`.
    pub line: usize,
    /// Byte offset within that line's content where the value starts.
    pub value_offset: usize,
    /// Lines that continue the value (indented deeper).
    pub continuation: Vec<usize>,
}

// Values can be secrets: keep them out of Debug output.
impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("value", &"<redacted>")
            .field("line", &self.line)
            .finish()
    }
}

impl Entry {
    /// The last line that belongs to this entry.
    pub fn last_line(&self) -> usize {
        self.continuation.last().copied().unwrap_or(self.line)
    }
}

/// A `[name]` section and its keys in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub header_line: usize,
    pub entries: Vec<Entry>,
}

impl Section {
    /// The last line that belongs to the section: its header or its last key.
    pub fn last_line(&self) -> usize {
        self.entries
            .iter()
            .map(Entry::last_line)
            .max()
            .unwrap_or(self.header_line)
    }
}

/// Why a file could not be read; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub reason: ParseErrorKind,
}

/// What was wrong with a line. Never carries the line's text: it may hold a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    NotUtf8,
    /// Over 4 GiB: no credentials or config file is.
    TooLarge,
    KeyBeforeSection,
    DuplicateSection(String),
    DuplicateKey {
        section: String,
        key: String,
    },
    NotKeyValue,
    EmptyKey,
    /// A value that starts on the next line (botocore's nested settings, like
    /// `s3 =` and indented `key = value` lines) holds a line without `=`.
    NestedWithoutEquals {
        key: String,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.reason {
            ParseErrorKind::NotUtf8 => f.write_str("the file is not valid UTF-8"),
            ParseErrorKind::TooLarge => f.write_str("the file is larger than 4 GiB"),
            ParseErrorKind::KeyBeforeSection => {
                f.write_str("text before the first [section] header")
            }
            ParseErrorKind::DuplicateSection(name) => {
                write!(f, "section [{name}] appears a second time")
            }
            ParseErrorKind::DuplicateKey { section, key } => {
                write!(f, "key '{key}' appears a second time in [{section}]")
            }
            ParseErrorKind::NotKeyValue => f.write_str("expected 'key = value' or a [section]"),
            ParseErrorKind::EmptyKey => f.write_str("a value without a key name"),
            ParseErrorKind::NestedWithoutEquals { key } => write!(
                f,
                "the nested settings of '{key}' need 'name = value' on every line"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// A parsed credentials or config file, with its original text.
#[derive(Clone, Default)]
pub struct IniFile {
    text: String,
    /// Built on first use: reading needs only a pass over the lines, editing
    /// needs the table.
    lines: std::cell::OnceCell<Vec<Line>>,
    sections: Vec<Section>,
    index: SectionIndex,
}

// The text holds secrets: show only the structure.
impl fmt::Debug for IniFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IniFile")
            .field("lines", &self.lines().len())
            .field("sections", &self.sections)
            .finish()
    }
}

impl IniFile {
    /// Parses a file's bytes with botocore's rules.
    pub fn parse(bytes: &[u8]) -> Result<IniFile, ParseError> {
        IniFile::parse_owned(bytes.to_vec())
    }

    /// Parses a file's bytes, keeping them as the file's text without a copy.
    pub fn parse_owned(bytes: Vec<u8>) -> Result<IniFile, ParseError> {
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let bytes = e.as_bytes();
                let line = 1 + bytes[..e.utf8_error().valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                return Err(ParseError {
                    line,
                    reason: ParseErrorKind::NotUtf8,
                });
            }
        };
        if u32::try_from(text.len()).is_err() {
            return Err(ParseError {
                line: 1,
                reason: ParseErrorKind::TooLarge,
            });
        }
        let (sections, index) = read_sections(&text, LineIter::new(&text))?;
        check_nested(&text, &sections)?;
        Ok(IniFile {
            text,
            lines: std::cell::OnceCell::new(),
            sections,
            index,
        })
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The physical lines.
    pub fn lines(&self) -> &[Line] {
        self.lines.get_or_init(|| split_lines(&self.text))
    }

    /// The content of line `i`, without its line end.
    pub fn line_text(&self, i: usize) -> &str {
        let l = self.lines()[i];
        &self.text[l.content()]
    }

    /// The line end of line `i` (`""` for a last line without one).
    pub fn line_end(&self, i: usize) -> &str {
        let l = self.lines()[i];
        &self.text[l.ending()]
    }

    /// The line end new lines should use: the file's first one, else `\n`.
    pub fn eol(&self) -> &str {
        self.lines()
            .iter()
            .map(|l| &self.text[l.ending()])
            .find(|e| !e.is_empty())
            .unwrap_or("\n")
    }

    /// All sections in file order, `[DEFAULT]` included.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The section named exactly `name`, in constant time.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.index
            .find(&self.sections, name)
            .map(|i| &self.sections[i])
    }

    /// The value botocore sees for `key` in section `name`, `[DEFAULT]` included.
    pub fn get(&self, name: &str, key: &str) -> Option<&str> {
        let own = self.entry(self.section(name)?, key);
        own.or_else(|| self.entry(self.section(DEFAULT_SECTION)?, key))
            .map(|e| self.value(e))
    }

    /// The entry for `key` set in `section` itself (not inherited).
    pub fn entry<'a>(&'a self, section: &'a Section, key: &str) -> Option<&'a Entry> {
        section.entries.iter().find(|e| self.key(e) == key)
    }

    /// An entry's key, lower-cased as botocore sees it.
    pub fn key<'a>(&'a self, entry: &'a Entry) -> &'a str {
        entry.key.resolve(&self.text)
    }

    /// An entry's value: stripped, continuation lines joined with `\n`.
    pub fn value<'a>(&'a self, entry: &'a Entry) -> &'a str {
        entry.value.resolve(&self.text)
    }
}

/// Python's `str.isspace`, which its `strip()` and regex `\s` use.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.lower()` (configparser's `optionxform`), or `None` when it
/// changes nothing. Rust's `str::to_lowercase` follows the same rules: full
/// mappings (`İ` becomes `i̇`), title-case letters (`ǅ`, `ᾈ`) and the final
/// sigma (`ΑΣ` becomes `ας`); only letters newer than the running Python's
/// Unicode tables (the 55 capitals of Unicode 16 and 17, for Python 3.11 to
/// 3.13) are lower-cased here and kept by Python.
pub fn py_lower(s: &str) -> Option<String> {
    // Keys are ASCII in nearly every file: skip the Unicode tables for them.
    if s.is_ascii() {
        return s
            .bytes()
            .any(|b| b.is_ascii_uppercase())
            .then(|| s.to_ascii_lowercase());
    }
    let lower = s.to_lowercase();
    (lower != s).then_some(lower)
}

/// The leading whitespace of a line, as configparser measures indentation.
pub fn indent_of(s: &str) -> &str {
    let n = s.find(|c: char| !is_py_space(c)).unwrap_or(s.len());
    &s[..n]
}

/// The file's lines; the caller has checked that offsets fit in `u32`.
fn split_lines(text: &str) -> Vec<Line> {
    // Sized once (CRLF counts twice): a large file's table is not regrown.
    let ends = text.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    let mut lines = Vec::with_capacity(ends + 1);
    lines.extend(LineIter::new(text));
    lines
}

/// The lines of a text: they end at `\n`, `\r\n` or a lone `\r`.
struct LineIter<'a> {
    bytes: &'a [u8],
    start: usize,
}

impl<'a> LineIter<'a> {
    fn new(text: &'a str) -> Self {
        LineIter {
            bytes: text.as_bytes(),
            start: 0,
        }
    }
}

impl Iterator for LineIter<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        let (bytes, start) = (self.bytes, self.start);
        if start >= bytes.len() {
            return None;
        }
        let line = |end: usize, eol_end: usize| Line {
            start: start as u32,
            end: end as u32,
            eol_end: eol_end as u32,
        };
        let (end, eol_end) = match bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            None => (bytes.len(), bytes.len()),
            Some(n) => {
                let end = start + n;
                match (bytes[end], bytes.get(end + 1)) {
                    (b'\r', Some(b'\n')) => (end, end + 2),
                    _ => (end, end + 1),
                }
            }
        };
        self.start = eol_end;
        Some(line(end, eol_end))
    }
}

/// The section name of a header line (already stripped), as configparser's
/// `\[(?P<header>.+)\]` matches it: up to the last `]`, at least one character.
fn header_name(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// Whether a line is a comment: its stripped text starts with `#` or `;`.
pub fn is_comment(content: &str) -> bool {
    let s = py_strip(content);
    s.starts_with('#') || s.starts_with(';')
}

/// FNV-1a: section names are short, and the file is the user's own, so a
/// simple hash beats SipHash's flood resistance here.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn fnv(s: &str) -> u64 {
    let mut hasher = Fnv::default();
    hasher.write(s.as_bytes());
    hasher.finish()
}

/// Sections by name, so that finding one takes constant time however many
/// profiles a file holds. It keys on the hash of the name (the names live in
/// the sections, and copying 10,000 of them would slow every command down)
/// and chains the sections whose names share a hash.
#[derive(Clone, Default)]
struct SectionIndex {
    /// Name hash -> the last section added with that hash.
    last: HashMap<u64, u32, BuildHasherDefault<Fnv>>,
    /// For each section, the one added before it with the same name hash.
    previous: Vec<u32>,
}

const NO_SECTION: u32 = u32::MAX;

impl SectionIndex {
    fn find(&self, sections: &[Section], name: &str) -> Option<usize> {
        self.find_hashed(sections, name, fnv(name))
    }

    fn find_hashed(&self, sections: &[Section], name: &str, hash: u64) -> Option<usize> {
        let mut i = *self.last.get(&hash)?;
        while i != NO_SECTION {
            if sections[i as usize].name == name {
                return Some(i as usize);
            }
            i = self.previous[i as usize];
        }
        None
    }

    /// Adds section `i`, which must be the next one (`i == sections added so far`).
    fn push(&mut self, name: &str, i: usize) {
        self.push_hashed(fnv(name), i);
    }

    fn push_hashed(&mut self, hash: u64, i: usize) {
        debug_assert_eq!(i, self.previous.len());
        // Section numbers fit in u32: the file is under 4 GiB and a header takes 3 bytes.
        let before = self.last.insert(hash, i as u32);
        self.previous.push(before.unwrap_or(NO_SECTION));
    }
}

/// botocore reads a value that starts with a line break as `name = value`
/// lines (Python's `splitlines`, `strip`, `split('=')`) for every section,
/// `[DEFAULT]`'s keys included, and rejects the file when one has no `=`.
fn check_nested(text: &str, sections: &[Section]) -> Result<(), ParseError> {
    let key = |e: &Entry| e.key.resolve(text).to_owned();
    let defaults: &[Entry] = sections
        .iter()
        .find(|s| s.name == DEFAULT_SECTION)
        .map_or(&[], |d| &d.entries);
    // What botocore reads of each section: its own keys, then the [DEFAULT]
    // keys it does not set itself.
    let entries = sections
        .iter()
        .filter(|s| s.name != DEFAULT_SECTION)
        .flat_map(|s| {
            let sets = |d: &Entry| {
                s.entries
                    .iter()
                    .any(|e| e.key.resolve(text) == d.key.resolve(text))
            };
            let inherited = defaults.iter().filter(move |d| !sets(d));
            s.entries.iter().chain(inherited)
        });
    for entry in entries.filter(|e| e.value.resolve(text).starts_with('\n')) {
        let python_line_breaks = [
            '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
            '\u{2029}',
        ];
        let bad = entry
            .value
            .resolve(text)
            .split(python_line_breaks)
            .map(py_strip)
            .any(|l| !l.is_empty() && !l.contains('='));
        if bad {
            return Err(ParseError {
                line: entry.line + 1,
                reason: ParseErrorKind::NestedWithoutEquals { key: key(entry) },
            });
        }
    }
    Ok(())
}

/// The keys of the section being read, for the duplicate check. A section
/// has a handful of keys, and scanning them is fastest; past
/// `SeenKeys::SCAN` keys their hashes are kept too, so that a section of
/// 100,000 keys is not quadratic.
#[derive(Default)]
struct SeenKeys {
    hashes: std::collections::HashSet<u64, BuildHasherDefault<Fnv>>,
}

impl SeenKeys {
    const SCAN: usize = 16;

    /// Whether `key` is already one of `entries`' keys.
    fn contains(&mut self, text: &str, entries: &[Entry], key: &str) -> bool {
        let has = |key: &str| entries.iter().any(|e| e.key.resolve(text) == key);
        if entries.len() < Self::SCAN {
            return has(key);
        }
        if self.hashes.is_empty() {
            // Also after `[DEFAULT]` is reopened with its earlier keys.
            self.hashes = entries.iter().map(|e| fnv(e.key.resolve(text))).collect();
        }
        // A shared hash is a duplicate only when the key itself matches.
        self.hashes.contains(&fnv(key)) && has(key)
    }

    /// Notes a key added to the section.
    fn add(&mut self, key: &str) {
        if !self.hashes.is_empty() {
            self.hashes.insert(fnv(key));
        }
    }
}

fn read_sections(
    text: &str,
    lines: impl Iterator<Item = Line>,
) -> Result<(Vec<Section>, SectionIndex), ParseError> {
    let mut sections: Vec<Section> = Vec::new();
    // Finds duplicate sections in constant time, and is kept for lookups.
    let mut index = SectionIndex::default();
    let mut current: Option<usize> = None;
    // The current section's entries, moved into it (at their exact size) when
    // the next header or the end comes: small sections stay small.
    let mut entries: Vec<Entry> = Vec::new();
    let flush = |sections: &mut Vec<Section>, current: Option<usize>, entries: &mut Vec<Entry>| {
        if let Some(s) = current {
            let mut exact = Vec::with_capacity(entries.len());
            exact.append(entries);
            sections[s].entries = exact;
        }
    };
    let mut seen_keys = SeenKeys::default();
    // Whether a deeper-indented line would continue the last key's value, and
    // how many blank lines it would carry into the value before it.
    let mut open_entry = false;
    let mut blank_lines = 0usize;
    let mut indent_level = 0usize;

    for (i, l) in lines.enumerate() {
        let content = &text[l.content()];
        let err = |reason| ParseError {
            line: i + 1,
            reason,
        };
        let comment = is_comment(content);
        let value = if comment { "" } else { py_strip(content) };
        if value.is_empty() {
            if !comment && open_entry {
                blank_lines += 1;
            }
            continue;
        }
        let indent = indent_of(content).chars().count();
        if let (Some(_), true) = (current, open_entry && indent > indent_level) {
            if let Some(entry) = entries.last_mut() {
                // configparser joins the lines with "\n" and strips the end,
                // so blank lines count only when more text follows them.
                let mut joined = String::from(entry.value.resolve(text));
                for _ in 0..=blank_lines {
                    joined.push('\n');
                }
                joined.push_str(value);
                entry.value = Text::Owned(joined.into());
                entry.continuation.push(i);
            }
            blank_lines = 0;
            continue;
        }
        indent_level = indent;
        if let Some(name) = header_name(value) {
            open_entry = false;
            flush(&mut sections, current, &mut entries);
            seen_keys = SeenKeys::default();
            match index.find(&sections, name) {
                Some(existing) if name == DEFAULT_SECTION => {
                    entries = std::mem::take(&mut sections[existing].entries);
                    current = Some(existing);
                }
                Some(_) => return Err(err(ParseErrorKind::DuplicateSection(name.to_owned()))),
                None => {
                    sections.push(Section {
                        name: name.to_owned(),
                        header_line: i,
                        entries: Vec::new(),
                    });
                    index.push(name, sections.len() - 1);
                    current = Some(sections.len() - 1);
                }
            }
            continue;
        }
        let Some(s) = current else {
            return Err(err(ParseErrorKind::KeyBeforeSection));
        };
        let Some(delim) = value.find(['=', ':']) else {
            return Err(err(ParseErrorKind::NotKeyValue));
        };
        let raw_key = value[..delim].trim_end_matches(is_py_space);
        let key = match py_lower(raw_key) {
            Some(lower) => Text::Owned(lower.into()),
            None => Text::span(text, raw_key),
        };
        let key_text = key.resolve(text);
        if key_text.is_empty() {
            return Err(err(ParseErrorKind::EmptyKey));
        }
        if seen_keys.contains(text, &entries, key_text) {
            return Err(err(ParseErrorKind::DuplicateKey {
                section: sections[s].name.clone(),
                key: key_text.to_owned(),
            }));
        }
        let after = &value[delim + 1..];
        // Where the value starts within the line's content, for in-place edits.
        let lead = content.len() - content.trim_start_matches(is_py_space).len();
        let value_offset =
            lead + delim + 1 + (after.len() - after.trim_start_matches(is_py_space).len());
        seen_keys.add(key_text);
        entries.push(Entry {
            key,
            value: Text::span(text, py_strip(after)),
            line: i,
            value_offset,
            continuation: Vec::new(),
        });
        open_entry = true;
        blank_lines = 0;
    }
    flush(&mut sections, current, &mut entries);
    Ok((sections, index))
}

#[cfg(test)]
mod tests {
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
        let f = parse(
            "[a]\nq = \"quoted\"\nb = back\\slash\nc = x # not a comment\nd = a=b\ne:colon\n",
        );
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
        let f = parse(
            "[a]\ns3 =\n  max_concurrent_requests = 10\n\n  addressing_style = path\nnext = 1\n",
        );
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
    fn names_that_share_a_hash_are_told_apart() {
        let named = |name: &str| Section {
            name: name.into(),
            header_line: 0,
            entries: Vec::new(),
        };
        let sections = [named("a"), named("b"), named("c")];
        let mut index = SectionIndex::default();
        for i in 0..3 {
            index.push_hashed(7, i);
        }
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            assert_eq!(index.find_hashed(&sections, name, 7), Some(i));
        }
        assert_eq!(index.find_hashed(&sections, "d", 7), None);
        assert_eq!(index.find_hashed(&sections, "a", 8), None);
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
}
