//! The former TOML reader, through the `toml` crate's span-keeping document tree (`DeTable`).
//!
//! Kept only as the reference the streaming reader ([`super::toml`]) is tested against: it
//! costs 50 to 60 times the file's size while it reads it. Not for use outside tests.
//!
//! Numbers keep their literal text (without `_`); hex, octal and binary integers become exact
//! decimal text. Table entries come out in document order. The `toml` parser itself refuses
//! nesting deeper than 80 levels (so it cannot overflow the stack); this conversion also
//! enforces [`MAX_DEPTH`].

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeInteger, DeTable, DeValue};
use toml::value::Datetime;

use super::raw::{MAX_DEPTH, Raw, RawEntry, RawKind, SyntaxError};
use crate::source::Span;

/// Parse one TOML document. The root table's span is the whole text.
///
/// # Errors
///
/// A [`SyntaxError`] for invalid TOML (message and span from the `toml` crate), for `inf` and
/// `nan`, for out-of-range radix integers, impossible dates and nesting past [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Raw, SyntaxError> {
    let root = DeTable::parse(text).map_err(from_toml_error)?;
    let entries = table_entries(root.into_inner(), text, 1)?;
    Ok(Raw {
        kind: RawKind::Table(entries),
        span: Span::new(0, text.len()),
    })
}

fn from_toml_error(error: toml::de::Error) -> SyntaxError {
    let message = error.message().trim();
    // The parser appends what it expected; "expected nothing" only adds noise.
    let message = message
        .strip_suffix(", expected nothing")
        .unwrap_or(message);
    let message = message.lines().next().unwrap_or("invalid TOML").trim();
    SyntaxError {
        message: if message.is_empty() {
            "invalid TOML".to_string()
        } else {
            message.to_string()
        },
        span: error.span().map_or(Span::new(0, 0), Span::from),
    }
}

fn error(message: impl Into<String>, span: Range<usize>) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span: span.into(),
    }
}

/// `depth` counts the arrays and tables from the root down to and including this one.
fn check_depth(depth: usize, span: Range<usize>) -> Result<(), SyntaxError> {
    if depth > MAX_DEPTH {
        return Err(error(
            format!("arrays and tables nest deeper than {MAX_DEPTH} levels"),
            span,
        ));
    }
    Ok(())
}

fn table_entries(
    table: DeTable<'_>,
    text: &str,
    depth: usize,
) -> Result<Vec<RawEntry>, SyntaxError> {
    // The map is sorted by key unless `toml/preserve_order` is on; the key spans give the
    // document order either way.
    let mut pairs: Vec<_> = table.into_iter().collect();
    pairs.sort_by_key(|(key, _)| (key.span().start, key.span().end));
    pairs
        .into_iter()
        .map(|(key, value)| {
            let key_span = Span::from(key.span());
            Ok(RawEntry {
                key: key.into_inner().into_owned(),
                key_span,
                value: convert(value, text, depth)?,
            })
        })
        .collect()
}

/// Convert a value that sits inside a container at depth `depth`.
fn convert(value: Spanned<DeValue<'_>>, text: &str, depth: usize) -> Result<Raw, SyntaxError> {
    let range = value.span();
    let span = Span::from(range.clone());
    let kind = match value.into_inner() {
        DeValue::String(s) => RawKind::String(s.into_owned()),
        DeValue::Boolean(b) => RawKind::Bool(b),
        DeValue::Integer(i) => RawKind::Number {
            text: integer_text(&i, range)?,
            integer: true,
        },
        DeValue::Float(f) => {
            let literal = f.as_str().replace('_', "");
            let unsigned = literal.trim_start_matches(['+', '-']);
            if unsigned == "inf" || unsigned == "nan" {
                return Err(error("inf and nan are not numbers a case can use", range));
            }
            let literal = literal.strip_prefix('+').unwrap_or(&literal).to_string();
            RawKind::Number {
                text: literal,
                integer: false,
            }
        }
        DeValue::Datetime(d) => datetime(&d, text, range)?,
        DeValue::Array(items) => {
            check_depth(depth + 1, range.clone())?;
            RawKind::Array(array_items(items, text, depth + 1)?)
        }
        DeValue::Table(table) => {
            check_depth(depth + 1, range.clone())?;
            RawKind::Table(table_entries(table, text, depth + 1)?)
        }
    };
    Ok(Raw { kind, span })
}

fn array_items(items: DeArray<'_>, text: &str, depth: usize) -> Result<Vec<Raw>, SyntaxError> {
    items
        .into_iter()
        .map(|item| convert(item, text, depth))
        .collect()
}

/// An integer literal as exact decimal text: no `_`, no `+`, hex/octal/binary converted.
fn integer_text(i: &DeInteger<'_>, range: Range<usize>) -> Result<String, SyntaxError> {
    let digits = i.as_str().replace('_', "");
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    let radix = i.radix();
    if radix == 10 {
        if digits.is_empty()
            || !digits
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            return Err(error(format!("invalid integer `{digits}`"), range));
        }
        return Ok(digits.to_string());
    }
    let prefix = match radix {
        16 => "0x",
        8 => "0o",
        _ => "0b",
    };
    if let Ok(n) = i128::from_str_radix(digits, radix) {
        Ok(n.to_string())
    } else if let Ok(n) = u128::from_str_radix(digits, radix) {
        Ok(n.to_string())
    } else if digits.is_empty() {
        Err(error(format!("`{prefix}` needs digits after it"), range))
    } else {
        Err(error(
            format!("integer `{prefix}{digits}` is too large"),
            range,
        ))
    }
}

fn datetime(d: &Datetime, text: &str, range: Range<usize>) -> Result<RawKind, SyntaxError> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => chrono::NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .map(RawKind::Date)
        .ok_or_else(|| error(format!("{date} is not a real date"), range)),
        _ => {
            let written = text
                .get(range.clone())
                .map_or_else(|| d.to_string(), str::to_string);
            Ok(RawKind::DateTime(written))
        }
    }
}
