//! TOML into the exact [`Raw`] tree, through the `toml` crate's span-keeping parser.
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
    if let (Some(date), None, None) = (d.date, d.time, d.offset) {
        chrono::NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .map(RawKind::Date)
        .ok_or_else(|| error(format!("{date} is not a real date"), range))
    } else {
        let written = text
            .get(range.clone())
            .map_or_else(|| d.to_string(), str::to_string);
        Ok(RawKind::DateTime(written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(raw: &Raw) -> &[RawEntry] {
        match &raw.kind {
            RawKind::Table(entries) => entries,
            other => panic!("not a table: {other:?}"),
        }
    }

    /// The value of key `a` in a one-line document.
    fn value_of(text: &str) -> RawKind {
        let raw = parse(text).unwrap();
        let found = entries(&raw).iter().find(|e| e.key == "a").expect("key a");
        found.value.kind.clone()
    }

    fn number(text: &str, integer: bool) -> RawKind {
        RawKind::Number {
            text: text.to_string(),
            integer,
        }
    }

    fn err(text: &str) -> SyntaxError {
        parse(text).expect_err(text)
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        assert_eq!(value_of("a = 0.1"), number("0.1", false));
        assert_eq!(value_of("a = 123.45"), number("123.45", false));
        assert_eq!(value_of("a = 1e-7"), number("1e-7", false));
        assert_eq!(value_of("a = 1E+7"), number("1E+7", false));
        assert_eq!(value_of("a = -0"), number("-0", true));
        assert_eq!(value_of("a = -0.0"), number("-0.0", false));
        assert_eq!(value_of("a = +99"), number("99", true));
        assert_eq!(value_of("a = +1.5"), number("1.5", false));
        assert_eq!(value_of("a = 1_000.5"), number("1000.5", false));
        assert_eq!(value_of("a = 1_000_000"), number("1000000", true));
        let long = "1234567890123456789012345678.1234567890123456789012345678";
        assert_eq!(value_of(&format!("a = {long}")), number(long, false));
        let long_int = "9999999999999999999999999999";
        assert_eq!(value_of(&format!("a = {long_int}")), number(long_int, true));
    }

    #[test]
    fn radix_integers_become_exact_decimal_text() {
        assert_eq!(value_of("a = 0xDEAD_beef"), number("3735928559", true));
        assert_eq!(value_of("a = 0xff"), number("255", true));
        assert_eq!(value_of("a = 0o17"), number("15", true));
        assert_eq!(value_of("a = 0b1010"), number("10", true));
        assert_eq!(value_of("a = 0x0"), number("0", true));
        // Beyond u64, still exact.
        assert_eq!(
            value_of("a = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
            number(&u128::MAX.to_string(), true)
        );
        assert!(
            err("a = 0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")
                .message
                .contains("too large")
        );
        // toml 1.2 accepts a bare `0x`; we do not.
        let e = err("a = 0x");
        assert_eq!(e.message, "`0x` needs digits after it");
        assert_eq!(e.span, Span::new(4, 6));
    }

    #[test]
    fn inf_and_nan_are_rejected() {
        for bad in ["inf", "+inf", "-inf", "nan", "+nan", "-nan"] {
            let text = format!("x = 1\na = {bad}");
            let e = err(&text);
            assert_eq!(e.message, "inf and nan are not numbers a case can use");
            assert_eq!(&text[e.span.range()], bad);
        }
    }

    #[test]
    fn strings_decode_escapes() {
        assert_eq!(
            value_of(r#"a = "tab\there \"q\" \u00e9 \U0001F600""#),
            RawKind::String("tab\there \"q\" é 😀".to_string())
        );
        assert_eq!(
            value_of(r"a = 'C:\raw\n'"),
            RawKind::String(r"C:\raw\n".to_string())
        );
        assert_eq!(
            value_of("a = \"\"\"\nline1\nline2\"\"\""),
            RawKind::String("line1\nline2".to_string())
        );
        assert!(parse(r#"a = "\x""#).is_err());
    }

    #[test]
    fn dates_and_datetimes() {
        assert_eq!(
            value_of("a = 2023-03-01"),
            RawKind::Date(chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap())
        );
        assert_eq!(
            value_of("a = 2024-02-29"),
            RawKind::Date(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        assert_eq!(
            value_of("a = 1979-05-27T07:32:00Z"),
            RawKind::DateTime("1979-05-27T07:32:00Z".into())
        );
        assert_eq!(
            value_of("a = 1979-05-27 07:32:00"),
            RawKind::DateTime("1979-05-27 07:32:00".into())
        );
        assert_eq!(
            value_of("a = 07:32:00"),
            RawKind::DateTime("07:32:00".into())
        );
    }

    #[test]
    fn impossible_dates_are_errors() {
        for bad in [
            "2023-02-30",
            "2023-02-29",
            "2023-13-01",
            "2023-04-31",
            "2023-00-10",
        ] {
            let text = format!("a = {bad}");
            let e = err(&text);
            assert_eq!(&text[e.span.range()], bad, "{e:?}");
            assert!(!e.message.contains('\n'));
        }
    }

    #[test]
    fn entries_come_in_document_order_with_spans() {
        let text = "zeta = 1\nalpha = \"x\"\n[mid]\nq = [1, 2.5]\n[[arr]]\nb = true\n";
        let raw = parse(text).unwrap();
        assert_eq!(raw.span, Span::new(0, text.len()));
        let top = entries(&raw);
        let keys: Vec<_> = top.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["zeta", "alpha", "mid", "arr"]);
        assert_eq!(&text[top[0].key_span.range()], "zeta");
        assert_eq!(&text[top[1].value.span.range()], "\"x\"");
        let mid = entries(&top[2].value);
        assert_eq!(&text[mid[0].key_span.range()], "q");
        assert_eq!(&text[mid[0].value.span.range()], "[1, 2.5]");
        let RawKind::Array(items) = &mid[0].value.kind else {
            panic!()
        };
        assert_eq!(&text[items[1].span.range()], "2.5");
        assert_eq!(items[1].kind, number("2.5", false));
        let RawKind::Array(tables) = &top[3].value.kind else {
            panic!()
        };
        assert_eq!(entries(&tables[0])[0].value.kind, RawKind::Bool(true));

        let raw = parse("c = 1\nb = {z = 1, y = 2}\na = 3").unwrap();
        let inline = entries(&entries(&raw)[1].value);
        assert_eq!(
            inline.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["z", "y"]
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let text = "x = 1\ny = 2\nx = 3";
        let e = err(text);
        assert_eq!(e.message, "duplicate key");
        assert_eq!(e.span, Span::new(12, 13));
        assert!(parse("[t]\na = 1\n[t]\nb = 2").is_err());
    }

    #[test]
    fn error_messages_are_one_line() {
        let e = err("a = = 1");
        assert!(!e.message.is_empty() && !e.message.contains('\n'), "{e:?}");
        assert!(!e.message.contains("TOML parse error"));
        let e = err("a = -0x1");
        assert_eq!(e.message, "integers with a radix cannot be signed");
        // toml reads `1 b` as an unquoted string.
        let e = err("a = 1 b");
        assert_eq!(
            e.message,
            "string values must be quoted, expected literal string"
        );
        assert_eq!(e.span, Span::new(4, 7));
    }

    #[test]
    fn depth_is_limited() {
        let nested = |n: usize| format!("a = {}1{}", "[".repeat(n), "]".repeat(n));
        // The root table counts as one level.
        assert!(parse(&nested(MAX_DEPTH - 1)).is_ok());
        let e = err(&nested(MAX_DEPTH));
        assert!(e.message.contains("nest deeper than 64"), "{e:?}");
        // `k.k.…k = 1` with n keys makes n - 1 nested tables under the root.
        let dotted = |n: usize| (0..n).map(|_| "k").collect::<Vec<_>>().join(".") + " = 1";
        assert!(parse(&dotted(MAX_DEPTH)).is_ok());
        let e = err(&dotted(MAX_DEPTH + 1));
        assert!(e.message.contains("nest deeper"));
        assert_eq!(e.span, Span::new(2 * MAX_DEPTH - 2, 2 * MAX_DEPTH - 1));
    }

    #[test]
    fn depth_bomb_returns_an_error_quickly() {
        let start = std::time::Instant::now();
        for bomb in [
            format!("a = {}", "[".repeat(100_000)),
            format!("a = {}1{}", "[".repeat(100_000), "]".repeat(100_000)),
            format!("a = {}", "{b = ".repeat(100_000)),
            format!("a = {}", "[{b = ".repeat(100_000)),
            "a.".repeat(100_000) + "b = 1",
            format!("[{}b]", "a.".repeat(100_000)),
        ] {
            assert!(parse(&bomb).is_err());
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn empty_bom_and_trailing_garbage() {
        let raw = parse("").unwrap();
        assert_eq!(raw.kind, RawKind::Table(Vec::new()));
        assert_eq!(raw.span, Span::new(0, 0));
        let text = "\u{FEFF}a = 1\n";
        let raw = parse(text).unwrap();
        assert_eq!(&text[entries(&raw)[0].key_span.range()], "a");
        assert_eq!(err("a = 1 garbage").span, Span::new(4, 13));
        let e = err("a = 1\n}");
        assert_eq!(e.message, "invalid key-value pair, expected key");
        assert_eq!(e.span, Span::new(6, 6));
        assert!(parse("a = \"x\" \"y\"").is_err());
    }

    #[test]
    fn binary_garbage_is_an_error_not_a_panic() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        assert!(parse(&String::from_utf8_lossy(&bytes)).is_err());
        let reversed: Vec<u8> = (0..=255u8).rev().collect();
        assert!(parse(&String::from_utf8_lossy(&reversed)).is_err());
        let doc = "a = [1.5e3, \"é\", 0xff, 2023-03-01]\n[t]\nb = { c = -0 }\n";
        for i in 0..doc.len() {
            if doc.is_char_boundary(i) {
                let _ = parse(&doc[..i]);
                let _ = parse(&doc[i..]);
            }
        }
        assert!(parse(doc).is_ok());
    }
}
