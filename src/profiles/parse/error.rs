//! Why a file could not be read, kept in one place because of what it must
//! never do: quote the line. Credentials files hold secrets, and these
//! errors reach terminals, logs and bug reports, so an error names the line
//! number and the kind of mistake, never the text.

use std::fmt;

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
