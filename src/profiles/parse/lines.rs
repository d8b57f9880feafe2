//! Physical lines, split as Python's universal newlines split them. They are
//! byte ranges rather than strings so that the editor can rewrite one line
//! and leave every other byte of the file, line ends included, as it was;
//! the table is built only when an edit needs it, as reading needs one pass.

/// One physical line: `text[start..end]` is its content, `text[end..eol_end]` its line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub start: u32,
    pub end: u32,
    pub eol_end: u32,
}

impl Line {
    pub(super) fn content(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub(super) fn ending(self) -> std::ops::Range<usize> {
        self.end as usize..self.eol_end as usize
    }
}

/// The file's lines; the caller has checked that offsets fit in `u32`.
pub(super) fn split_lines(text: &str) -> Vec<Line> {
    // Sized once (CRLF counts twice): a large file's table is not regrown.
    let ends = text.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    let mut lines = Vec::with_capacity(ends + 1);
    lines.extend(LineIter::new(text));
    lines
}

/// The lines of a text: they end at `\n`, `\r\n` or a lone `\r`.
pub(super) struct LineIter<'a> {
    bytes: &'a [u8],
    start: usize,
}

impl<'a> LineIter<'a> {
    pub(super) fn new(text: &'a str) -> Self {
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
