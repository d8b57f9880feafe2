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
//!
//! Beside it: where lines end (`lines`), Python's string rules (`pystr`),
//! lookups by name (`index`) and what a refusal says (`error`).

use std::fmt;

mod error;
mod index;
mod lines;
pub mod pystr;

pub use error::{ParseError, ParseErrorKind};
use index::{SectionIndex, SeenKeys};
pub use lines::Line;
use lines::{LineIter, split_lines};
use pystr::{indent_of, is_comment, is_py_space, py_lower, py_strip};

/// The name configparser reserves for keys inherited by every section.
pub const DEFAULT_SECTION: &str = "DEFAULT";

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

/// The section name of a header line (already stripped), as configparser's
/// `\[(?P<header>.+)\]` matches it: up to the last `]`, at least one character.
fn header_name(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
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
mod tests;
