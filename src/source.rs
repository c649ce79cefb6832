//! Positions in source text: byte spans and the line/column a person reads.

use std::fmt;
use std::ops::Range;

/// A byte range in one source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    #[must_use]
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    #[must_use]
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
    /// This span moved by `offset` bytes (a span inside a string that starts at `offset`).
    #[must_use]
    pub fn shift(self, offset: usize) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }
    #[must_use]
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Range<usize>> for Span {
    fn from(r: Range<usize>) -> Span {
        Span::new(r.start, r.end)
    }
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The line and column of byte `offset` in `text` (clamped to the text).
#[must_use]
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    LineCol { line, column }
}

/// The whole line holding byte `offset`, without its line break.
#[must_use]
pub fn line_text(text: &str, offset: usize) -> &str {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim_end_matches('\r')
}

/// Lines and columns of one text, found in logarithmic time once built (in one pass): a case
/// with a hundred thousand mistakes, all on one line, costs what its text costs.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    /// The byte offset of each line's start.
    starts: Vec<usize>,
    /// The number of characters before byte `i * STEP`, for each `i`.
    chars: Vec<usize>,
    len: usize,
}

/// Bytes between two character counts of a [`LineIndex`].
const STEP: usize = 256;

/// Whether `b` starts a character in UTF-8 (is not a continuation byte).
fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

impl LineIndex {
    #[must_use]
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut chars = Vec::with_capacity(bytes.len() / STEP + 1);
        let mut count = 0;
        for block in bytes.chunks(STEP) {
            chars.push(count);
            count += block.iter().filter(|&&b| starts_char(b)).count();
        }
        chars.push(count);
        LineIndex {
            starts,
            chars,
            len: bytes.len(),
        }
    }

    /// The number of characters before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / STEP;
        let from = block * STEP;
        self.chars[block]
            + text.as_bytes()[from..offset]
                .iter()
                .filter(|&&b| starts_char(b))
                .count()
    }

    fn clamp(text: &str, offset: usize) -> usize {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The line (from 0) holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The line and column of byte `offset` of `text`, the text this index was built from
    /// (clamped to it), as [`line_col`] gives them.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        debug_assert_eq!(text.len(), self.len, "an index of another text");
        let offset = Self::clamp(text, offset);
        let line = self.line_of(offset);
        let column =
            self.chars_before(text, offset) - self.chars_before(text, self.starts[line]) + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The bytes of the line holding `offset`, without its line break, as [`line_text`] gives.
    #[must_use]
    pub fn line_range(&self, text: &str, offset: usize) -> Range<usize> {
        let offset = Self::clamp(text, offset);
        let line = self.line_of(offset);
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).map_or(text.len(), |&s| s - 1);
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

thread_local! {
    /// The texts being read on this thread, each with its index: see [`index_scope`].
    static SCOPES: std::cell::RefCell<Vec<(usize, usize, std::rc::Rc<LineIndex>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// While the returned guard lives, diagnostics made on this thread about `text` find their
/// lines and columns in one index of it, built on first use. The guard borrows `text`, so
/// the address and length that identify it cannot name another text meanwhile.
pub(crate) fn index_scope(text: &str) -> IndexScope<'_> {
    SCOPES.with(|s| {
        s.borrow_mut()
            .push((text.as_ptr() as usize, text.len(), Default::default()));
    });
    IndexScope {
        text,
        on_this_thread: std::marker::PhantomData,
    }
}

/// See [`index_scope`]. Not `Send`: it is dropped on the thread whose scopes it is among.
pub(crate) struct IndexScope<'a> {
    text: &'a str,
    on_this_thread: std::marker::PhantomData<*const ()>,
}

impl Drop for IndexScope<'_> {
    fn drop(&mut self) {
        let key = (self.text.as_ptr() as usize, self.text.len());
        SCOPES.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(i) = s.iter().rposition(|(p, l, _)| (*p, *l) == key) {
                s.remove(i);
            }
        });
    }
}

/// Runs `f` with an index of `text`: the one of an enclosing `index_scope` (built on first
/// use), else one built for this call alone.
pub fn with_index<R>(text: &str, f: impl FnOnce(&LineIndex) -> R) -> R {
    let key = (text.as_ptr() as usize, text.len());
    let shared = SCOPES.with(|s| {
        let mut s = s.borrow_mut();
        let (_, _, index) = s.iter_mut().rev().find(|(p, l, _)| (*p, *l) == key)?;
        // An empty placeholder until first use: a scope with no diagnostic costs nothing.
        if index.len != text.len() || index.starts.is_empty() {
            *index = std::rc::Rc::new(LineIndex::new(text));
        }
        Some(index.clone())
    });
    match shared {
        Some(index) => f(&index),
        None => f(&LineIndex::new(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\n地区 = 2\n";
        assert_eq!(line_col(text, 0), LineCol { line: 1, column: 1 });
        let at = text.find('=').unwrap();
        assert_eq!(line_col(text, at), LineCol { line: 1, column: 3 });
        let second = text.rfind('=').unwrap();
        assert_eq!(line_col(text, second), LineCol { line: 2, column: 4 });
        assert_eq!(line_text(text, second), "地区 = 2");
    }

    #[test]
    fn the_index_agrees_with_the_scan_at_every_byte() {
        let mut text = String::from("a = 1\r\n地区 = 2\n\n");
        text.push_str(&"é".repeat(300));
        text.push_str("\nz\n");
        let index = LineIndex::new(&text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_col(&text, offset),
                line_col(&text, offset),
                "at {offset}"
            );
            assert_eq!(
                &text[index.line_range(&text, offset)],
                line_text(&text, offset),
                "at {offset}"
            );
        }
        let scope = index_scope(&text);
        let at = text.rfind('z').unwrap();
        assert_eq!(
            with_index(&text, |i| i.line_col(&text, at)),
            line_col(&text, at)
        );
        drop(scope);
    }
}
