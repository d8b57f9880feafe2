//! Python's string rules, as configparser applies them to every line.
//! Rust's own `trim` and `to_lowercase` differ from Python's `strip` and
//! `lower` at the edges, and a key or value read differently from botocore
//! would be a session the AWS tools never see. The reader and the editor
//! share these rules, so that what the editor writes reads back as meant.

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

/// Whether a line is a comment: its stripped text starts with `#` or `;`.
pub fn is_comment(content: &str) -> bool {
    let s = py_strip(content);
    s.starts_with('#') || s.starts_with(';')
}
