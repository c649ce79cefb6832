//! A fast reader for the shape nearly every TOML case has: `key = value` lines, a `[subject]`
//! header or two, comments and blank lines; values that are basic strings without escapes,
//! booleans, decimal numbers, local dates and one-line arrays of them. It reads such a text in one pass over its bytes,
//! without the `toml_parser` crate's tokens and events, into the same [`Raw`] tree.
//!
//! Speed code behind a wall: [`parse`] answers `None` for anything outside that shape (an
//! array, an inline table, a dotted or quoted key, an escape, an exponent, a time, a duplicate
//! key, any error at all), and the full reader ([`super::toml::parse`]) reads the text
//! instead; every error comes from the full reader. `tests/input.rs` checks that the two give
//! the same tree wherever this one answers.

use chrono::NaiveDate;

use super::raw::{Raw, RawEntry, RawKind};
use crate::source::Span;

/// The tree of `text` when it has the flat shape, the same as the full reader's; `None` when
/// it has not (the full reader then reads it).
#[must_use]
pub fn parse(text: &str) -> Option<Raw> {
    let b = text.as_bytes();
    let mut root: Vec<RawEntry> = Vec::with_capacity(4);
    // The table under the last header: its key, key span, header span, entries.
    let mut tables: Vec<(String, Span, Span, Vec<RawEntry>)> = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i);
        // A `\r` may only stand right before a `\n`.
        let line_end = if end > at && end < b.len() && b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        line(b, at, line_end, &mut root, &mut tables)?;
        at = end + 1;
    }
    for (key, key_span, span, entries) in tables {
        root.push(RawEntry {
            key,
            key_span,
            value: Raw {
                kind: RawKind::Table(entries),
                span,
            },
        });
    }
    Some(Raw {
        kind: RawKind::Table(root),
        span: Span::new(0, b.len()),
    })
}

/// One line, `b[start..end]` without its line ending.
fn line(
    b: &[u8],
    start: usize,
    end: usize,
    root: &mut Vec<RawEntry>,
    tables: &mut Vec<(String, Span, Span, Vec<RawEntry>)>,
) -> Option<()> {
    let mut i = skip_ws(b, start, end);
    if i == end {
        return Some(());
    }
    match b[i] {
        b'#' => return comment(b, i, end),
        b'[' => {
            let open = i;
            i = skip_ws(b, i + 1, end);
            let (key, key_span, after) = bare_key(b, i, end)?;
            i = skip_ws(b, after, end);
            if b.get(i) != Some(&b']') || i >= end {
                return None;
            }
            let span = Span::new(open, i + 1);
            rest_of_line(b, i + 1, end)?;
            // A table defined twice, or a key of the root's made a table: the full reader's.
            if tables.iter().any(|t| t.0 == key) || root.iter().any(|e| e.key == key) {
                return None;
            }
            tables.push((key, key_span, span, Vec::new()));
            return Some(());
        }
        _ => {}
    }
    let (key, key_span, after) = bare_key(b, i, end)?;
    i = skip_ws(b, after, end);
    if i >= end || b[i] != b'=' {
        return None;
    }
    i = skip_ws(b, i + 1, end);
    let (kind, value_end) = value(b, i, end)?;
    rest_of_line(b, value_end, end)?;
    let entries = match tables.last_mut() {
        Some(t) => &mut t.3,
        None => root,
    };
    if entries.iter().any(|e| e.key == key) {
        return None;
    }
    entries.push(RawEntry {
        key,
        key_span,
        value: Raw {
            kind,
            span: Span::new(i, value_end),
        },
    });
    Some(())
}

fn skip_ws(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// What may follow a value or a header: blanks, then a comment or nothing.
fn rest_of_line(b: &[u8], i: usize, end: usize) -> Option<()> {
    let i = skip_ws(b, i, end);
    if i == end {
        Some(())
    } else if b[i] == b'#' {
        comment(b, i, end)
    } else {
        None
    }
}

/// A comment: no control character but the tab (TOML's rule).
fn comment(b: &[u8], i: usize, end: usize) -> Option<()> {
    b[i..end]
        .iter()
        .all(|&c| c == b'\t' || (c >= 0x20 && c != 0x7f))
        .then_some(())
}

/// A bare key: ASCII letters, digits, `_` and `-`.
fn bare_key(b: &[u8], start: usize, end: usize) -> Option<(String, Span, usize)> {
    let mut i = start;
    while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    if i == start {
        return None;
    }
    // ASCII only: always UTF-8.
    let key = std::str::from_utf8(&b[start..i]).ok()?.to_string();
    Some((key, Span::new(start, i), i))
}

/// A value starting at `i`: its kind and where it ends.
fn value(b: &[u8], i: usize, end: usize) -> Option<(RawKind, usize)> {
    match *b.get(i)? {
        b'"' => {
            let body = i + 1;
            let mut j = body;
            while j < end && b[j] != b'"' {
                let c = b[j];
                // No escape, no control character (tab included: kept for the full reader).
                if c == b'\\' || c < 0x20 || c == 0x7f {
                    return None;
                }
                j += 1;
            }
            if j >= end {
                return None;
            }
            let s = std::str::from_utf8(&b[body..j]).ok()?;
            Some((RawKind::String(s.to_string()), j + 1))
        }
        b't' if b[i..end].starts_with(b"true") => Some((RawKind::Bool(true), i + 4)),
        b'f' if b[i..end].starts_with(b"false") => Some((RawKind::Bool(false), i + 5)),
        b'0'..=b'9' if is_date(&b[i..end]) => {
            let d = |k: usize| u32::from(b[i + k] - b'0');
            let year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
            let date = NaiveDate::from_ymd_opt(
                i32::try_from(year).ok()?,
                d(5) * 10 + d(6),
                d(8) * 10 + d(9),
            )?;
            Some((RawKind::Date(date), i + 10))
        }
        b'0'..=b'9' | b'+' | b'-' => number(b, i, end),
        b'[' => array(b, i, end),
        _ => None,
    }
}

/// An array of the values above on one line: `["a", "b"]`, `[]`, `[1, 2,]`; nested arrays
/// and comments inside are the full reader's.
fn array(b: &[u8], open: usize, end: usize) -> Option<(RawKind, usize)> {
    let mut items = Vec::new();
    let mut i = skip_ws(b, open + 1, end);
    loop {
        if b.get(i) == Some(&b']') && i < end {
            return Some((RawKind::Array(items), i + 1));
        }
        if b.get(i) == Some(&b'[') {
            return None;
        }
        let (kind, after) = value(b, i, end)?;
        items.push(Raw {
            kind,
            span: Span::new(i, after),
        });
        i = skip_ws(b, after, end);
        match b.get(i) {
            Some(b',') if i < end => i = skip_ws(b, i + 1, end),
            Some(b']') if i < end => {}
            _ => return None,
        }
    }
}

/// `YYYY-MM-DD` and nothing of a time after it (a `T`, or a blank then a digit); in an
/// array, a `,` or `]` may follow.
fn is_date(s: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| s[r].iter().all(u8::is_ascii_digit);
    s.len() >= 10
        && digits(0..4)
        && s[4] == b'-'
        && digits(5..7)
        && s[7] == b'-'
        && digits(8..10)
        && match s.get(10) {
            None | Some(b'#' | b',' | b']') => true,
            Some(b' ' | b'\t') => s.get(11).is_none_or(|c| !c.is_ascii_digit()),
            _ => false,
        }
}

/// A decimal integer or float without exponent: `-1_000`, `+0.5`, `12_000.00`. Its text as
/// the full reader keeps it: no `_`, no `+`.
fn number(b: &[u8], i: usize, end: usize) -> Option<(RawKind, usize)> {
    let mut j = i;
    let mut text = String::with_capacity(16);
    match b[j] {
        b'-' => {
            text.push('-');
            j += 1;
        }
        b'+' => j += 1,
        _ => {}
    }
    let whole = j;
    j = digits(b, j, end, &mut text)?;
    // No leading zero but in `0` itself.
    if b[whole] == b'0' && j - whole > 1 {
        return None;
    }
    let mut integer = true;
    if j < end && b[j] == b'.' {
        integer = false;
        text.push('.');
        j = digits(b, j + 1, end, &mut text)?;
    }
    // An exponent, a radix prefix, `inf`, `nan`, a date-time: the full reader's.
    if j < end && !matches!(b[j], b' ' | b'\t' | b'#' | b',' | b']') {
        return None;
    }
    Some((RawKind::Number { text, integer }, j))
}

/// Digits with single `_` between them, from `i`: where they end; the digits go into `text`.
fn digits(b: &[u8], mut i: usize, end: usize, text: &mut String) -> Option<usize> {
    let start = i;
    while i < end {
        match b[i] {
            c @ b'0'..=b'9' => text.push(char::from(c)),
            b'_' if i > start && i + 1 < end && b[i + 1].is_ascii_digit() => {}
            _ => break,
        }
        i += 1;
    }
    (i > start).then_some(i)
}
