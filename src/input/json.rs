//! A strict RFC 8259 JSON reader into the exact [`Raw`] tree.
//!
//! Numbers are never converted: each keeps its source text, checked against the JSON number
//! grammar. Nesting is limited to [`MAX_DEPTH`] arrays and objects, so hostile input gets an
//! error instead of a stack overflow.

use std::collections::HashSet;

use super::raw::{MAX_DEPTH, Raw, RawEntry, RawKind, SyntaxError};
use crate::source::Span;

/// Parse one JSON document (optionally preceded by a UTF-8 byte order mark).
///
/// # Errors
///
/// A [`SyntaxError`] with a short message and the span of the offending text for anything
/// that is not strict JSON, for `null`, for duplicate keys and for nesting past [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Raw, SyntaxError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    if text.starts_with('\u{FEFF}') {
        parser.pos = '\u{FEFF}'.len_utf8();
    }
    parser.skip_ws();
    if parser.pos >= parser.bytes.len() {
        return Err(parser.error_at("empty input: expected a JSON value", parser.pos, parser.pos));
    }
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        let (found, span) = parser.found();
        return Err(SyntaxError {
            message: format!("trailing characters after the JSON value, found {found}"),
            span,
        });
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn error_at(&self, message: impl Into<String>, start: usize, end: usize) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            span: Span::new(start, end),
        }
    }

    /// What is at the current position, for "found X", and its span.
    fn found(&self) -> (String, Span) {
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => ("end of input".to_string(), Span::new(self.pos, self.pos)),
            Some(c) => {
                let shown = if c.is_control() || c.is_whitespace() {
                    format!("`{}`", c.escape_debug())
                } else {
                    format!("`{c}`")
                };
                (shown, Span::new(self.pos, self.pos + c.len_utf8()))
            }
        }
    }

    fn expected(&self, what: &str) -> SyntaxError {
        let (found, span) = self.found();
        SyntaxError {
            message: format!("expected {what}, found {found}"),
            span,
        }
    }

    /// One value at the current position (no leading whitespace). `depth` counts the arrays
    /// and objects around it.
    fn value(&mut self, depth: usize) -> Result<Raw, SyntaxError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Raw {
                    kind: RawKind::String(s),
                    span: Span::new(start, self.pos),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b) if b.is_ascii_alphabetic() => self.word(),
            Some(b'+') => Err(self.error_at(
                "a JSON number may not start with `+`",
                self.pos,
                self.pos + 1,
            )),
            Some(b'.') => Err(self.error_at(
                "a JSON number needs a digit before `.` (write `0.5`, not `.5`)",
                self.pos,
                self.pos + 1,
            )),
            _ => Err(self.expected("a JSON value")),
        }
    }

    fn too_deep(&self, depth: usize) -> Option<SyntaxError> {
        (depth > MAX_DEPTH).then(|| {
            self.error_at(
                format!("arrays and objects nest deeper than {MAX_DEPTH} levels"),
                self.pos,
                self.pos + 1,
            )
        })
    }

    fn object(&mut self, depth: usize) -> Result<Raw, SyntaxError> {
        if let Some(err) = self.too_deep(depth) {
            return Err(err);
        }
        let start = self.pos;
        self.pos += 1; // `{`
        let mut entries: Vec<RawEntry> = Vec::new();
        // Small objects (every case) look for duplicates by scanning; large ones by hashing,
        // so that a hostile object of many keys stays linear.
        let mut seen: Option<HashSet<String>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Raw {
                kind: RawKind::Table(entries),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(if entries.is_empty() {
                    self.expected("a string key or `}`")
                } else {
                    self.expected("a string key after `,`")
                });
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            let duplicate = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None if entries.len() >= 32 => {
                    let mut set: HashSet<String> = entries.iter().map(|e| e.key.clone()).collect();
                    let dup = !set.insert(key.clone());
                    seen = Some(set);
                    dup
                }
                None => entries.iter().any(|e| e.key == key),
            };
            if duplicate {
                return Err(SyntaxError {
                    message: format!("duplicate key `{key}`"),
                    span: key_span,
                });
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.expected("`:` after an object key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            entries.push(RawEntry {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.expected("`,` or `}` after an object entry")),
            }
        }
        Ok(Raw {
            kind: RawKind::Table(entries),
            span: Span::new(start, self.pos),
        })
    }

    fn array(&mut self, depth: usize) -> Result<Raw, SyntaxError> {
        if let Some(err) = self.too_deep(depth) {
            return Err(err);
        }
        let start = self.pos;
        self.pos += 1; // `[`
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Raw {
                kind: RawKind::Array(items),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            if self.peek() == Some(b']') {
                return Err(self.error_at(
                    "expected a JSON value after `,`, found `]` (JSON allows no trailing comma)",
                    self.pos,
                    self.pos + 1,
                ));
            }
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.expected("`,` or `]` after an array element")),
            }
        }
        Ok(Raw {
            kind: RawKind::Array(items),
            span: Span::new(start, self.pos),
        })
    }

    /// `true`, `false`, `null` or some other bare word (an error).
    fn word(&mut self) -> Result<Raw, SyntaxError> {
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let word = &self.text[start..start + len];
        let span = Span::new(start, start + len);
        let kind = match word {
            "true" => RawKind::Bool(true),
            "false" => RawKind::Bool(false),
            "null" => {
                return Err(SyntaxError {
                    message: "null is not a value here; leave the field out instead".to_string(),
                    span,
                });
            }
            "NaN" | "nan" | "Infinity" | "inf" => {
                return Err(SyntaxError {
                    message: format!("`{word}` is not a JSON number"),
                    span,
                });
            }
            _ => {
                return Err(SyntaxError {
                    message: format!(
                        "expected a JSON value, found `{word}` (strings need double quotes)"
                    ),
                    span,
                });
            }
        };
        self.pos += len;
        Ok(Raw { kind, span })
    }

    /// A number, kept as its exact source text after checking the JSON number grammar.
    fn number(&mut self) -> Result<Raw, SyntaxError> {
        let start = self.pos;
        // The whole number-like token, so that `01`, `1.` and `1e` are reported as one piece.
        let len = self.bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
            .count();
        let token = &self.text[start..start + len];
        let span = Span::new(start, start + len);
        if let Err(message) = check_number(token) {
            return Err(SyntaxError { message, span });
        }
        self.pos += len;
        let integer = !token.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
        Ok(Raw {
            kind: RawKind::Number {
                text: token.to_string(),
                integer,
            },
            span,
        })
    }

    /// A string token at the current position (which holds `"`); leaves `pos` after the
    /// closing quote.
    fn string(&mut self) -> Result<String, SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The run stops at an ASCII byte or the end, both char boundaries.
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => {
                    return Err(self.error_at("unterminated string", open, self.pos));
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(b) => {
                    return Err(self.error_at(
                        format!(
                            "control character U+{b:04X} is not allowed in a string; \
                             escape it (or close the string with `\"`)"
                        ),
                        self.pos,
                        self.pos + 1,
                    ));
                }
            }
        }
    }

    /// One escape sequence at `pos` (which holds `\`).
    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let start = self.pos;
        let c = match self.bytes.get(start + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let first = self.hex4(start)?;
                self.pos = start + 6;
                let code = if (0xD800..0xDC00).contains(&first) {
                    let second = if self.bytes.get(self.pos) == Some(&b'\\')
                        && self.bytes.get(self.pos + 1) == Some(&b'u')
                    {
                        Some(self.hex4(self.pos)?)
                    } else {
                        None
                    };
                    match second {
                        Some(low) if (0xDC00..0xE000).contains(&low) => {
                            self.pos += 6;
                            0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                        }
                        _ => {
                            return Err(self.error_at(
                                format!("lone surrogate `\\u{first:04X}` in a string"),
                                start,
                                start + 6,
                            ));
                        }
                    }
                } else if (0xDC00..0xE000).contains(&first) {
                    return Err(self.error_at(
                        format!("lone surrogate `\\u{first:04X}` in a string"),
                        start,
                        start + 6,
                    ));
                } else {
                    first
                };
                // Surrogates are handled above, so this is always a scalar value.
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                return Ok(());
            }
            _ => {
                let shown = self.text[start + 1..].chars().next();
                let end = start + 1 + shown.map_or(0, char::len_utf8);
                return Err(self.error_at(
                    match shown {
                        Some(c) => format!("invalid escape `\\{}` in a string", c.escape_debug()),
                        None => "unterminated string".to_string(),
                    },
                    start,
                    end,
                ));
            }
        };
        out.push(c);
        self.pos = start + 2;
        Ok(())
    }

    /// The four hex digits of a `\uXXXX` escape that starts at `at`.
    fn hex4(&self, at: usize) -> Result<u32, SyntaxError> {
        let digits = self.bytes.get(at + 2..at + 6);
        match digits {
            Some(d) if d.iter().all(u8::is_ascii_hexdigit) => {
                // Four ASCII hex digits: always valid UTF-8 and in range.
                let s = std::str::from_utf8(d).unwrap_or("0");
                Ok(u32::from_str_radix(s, 16).unwrap_or(0))
            }
            _ => {
                let mut end = (at + 6).min(self.bytes.len());
                while !self.text.is_char_boundary(end) {
                    end -= 1;
                }
                Err(self.error_at("`\\u` must be followed by four hex digits", at, end))
            }
        }
    }
}

/// Check `token` against the JSON number grammar:
/// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
fn check_number(token: &str) -> Result<(), String> {
    let invalid = || format!("invalid number `{token}`");
    let b = token.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_len = digits(i);
    if int_len == 0 {
        return Err(invalid());
    }
    if b[i] == b'0' && int_len > 1 {
        return Err(format!(
            "invalid number `{token}`: no leading zeros allowed"
        ));
    }
    i += int_len;
    if b.get(i) == Some(&b'.') {
        let frac = digits(i + 1);
        if frac == 0 {
            return Err(format!("invalid number `{token}`: a digit must follow `.`"));
        }
        i += 1 + frac;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return Err(format!(
                "invalid number `{token}`: the exponent needs digits"
            ));
        }
        i += exp;
    }
    if i != b.len() {
        return Err(invalid());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> (String, bool) {
        match parse(text).unwrap().kind {
            RawKind::Number { text, integer } => (text, integer),
            other => panic!("not a number: {other:?}"),
        }
    }

    fn err(text: &str) -> SyntaxError {
        parse(text).expect_err(text)
    }

    fn table(raw: &Raw) -> &[RawEntry] {
        match &raw.kind {
            RawKind::Table(entries) => entries,
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        assert_eq!(num("0.1"), ("0.1".to_string(), false));
        assert_eq!(num("123.45"), ("123.45".to_string(), false));
        assert_eq!(num("1e-7"), ("1e-7".to_string(), false));
        assert_eq!(num("1E+7"), ("1E+7".to_string(), false));
        assert_eq!(num("-0"), ("-0".to_string(), true));
        assert_eq!(num("0"), ("0".to_string(), true));
        assert_eq!(num("-12"), ("-12".to_string(), true));
        let long = "1234567890123456789012345678.1234567890123456789012345678";
        assert_eq!(num(long), (long.to_string(), false));
        let long_int = "9999999999999999999999999999";
        assert_eq!(num(long_int), (long_int.to_string(), true));
    }

    #[test]
    fn bad_numbers_are_rejected() {
        for bad in [
            "01",
            "-01",
            "+1",
            ".5",
            "1.",
            "1e",
            "1e+",
            "-",
            "--1",
            "0x10",
            "1.2.3",
            "NaN",
            "Infinity",
            "-Infinity",
        ] {
            let e = err(bad);
            assert!(e.span.start < bad.len(), "{bad}: {e:?}");
            assert!(!e.message.is_empty());
        }
        assert!(err("01").message.contains("leading zeros"));
        assert_eq!(err("[1, 01]").span, Span::new(4, 6));
        assert_eq!(err("+1").message, "a JSON number may not start with `+`");
    }

    #[test]
    fn strings_decode_escapes() {
        let raw = parse(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é""#).unwrap();
        assert_eq!(
            raw.kind,
            RawKind::String("a\"b\\c/d\u{8}\u{c}\n\r\té€😀 é".to_string())
        );
        assert_eq!(
            parse(r#""\u0000""#).unwrap().kind,
            RawKind::String("\0".to_string())
        );
    }

    #[test]
    fn bad_strings_are_rejected() {
        assert!(err(r#""\ud83d""#).message.contains("lone surrogate"));
        assert!(err(r#""\ud83dx""#).message.contains("lone surrogate"));
        assert!(err(r#""\ud83d\u0041""#).message.contains("lone surrogate"));
        assert!(err(r#""\ude00""#).message.contains("lone surrogate"));
        assert!(err(r#""\u12""#).message.contains("four hex digits"));
        assert!(err(r#""\x""#).message.contains("invalid escape `\\x`"));
        let e = err("\"a\nb\"");
        assert!(e.message.contains("control character U+000A"), "{e:?}");
        assert_eq!(e.span, Span::new(2, 3));
        assert!(err("\"a\tb\"").message.contains("U+0009"));
        let e = err("\"abc");
        assert_eq!(e.message, "unterminated string");
        assert_eq!(e.span, Span::new(0, 4));
        assert!(err("\"é\\").message.contains("unterminated"));
        assert!(err("\"\\é\"").message.contains("invalid escape"));
    }

    #[test]
    fn spans_slice_back_to_the_source() {
        let text = " {\"rate\": 0.25, \"items\": [true, \"x\\n\", {\"k\": -1e3}]}\n";
        let raw = parse(text).unwrap();
        assert_eq!(&text[raw.span.range()], text.trim());
        let entries = table(&raw);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].key, "rate");
        assert_eq!(&text[entries[0].key_span.range()], "\"rate\"");
        assert_eq!(&text[entries[0].value.span.range()], "0.25");
        assert_eq!(entries[1].key, "items");
        let RawKind::Array(items) = &entries[1].value.kind else {
            panic!()
        };
        assert_eq!(
            &text[entries[1].value.span.range()],
            "[true, \"x\\n\", {\"k\": -1e3}]"
        );
        assert_eq!(&text[items[0].span.range()], "true");
        assert_eq!(items[0].kind, RawKind::Bool(true));
        assert_eq!(&text[items[1].span.range()], "\"x\\n\"");
        assert_eq!(&text[items[2].span.range()], "{\"k\": -1e3}");
        let inner = table(&items[2]);
        assert_eq!(&text[inner[0].value.span.range()], "-1e3");
    }

    #[test]
    fn object_keys_keep_document_order() {
        let raw = parse(r#"{"z": 1, "a": 2, "m": {}}"#).unwrap();
        let keys: Vec<_> = table(&raw).iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let text = r#"{"x": 1, "y": 2, "x": 3}"#;
        let e = err(text);
        assert_eq!(e.message, "duplicate key `x`");
        assert_eq!(e.span, Span::new(17, 20));
        assert_eq!(&text[e.span.range()], "\"x\"");
        // Escapes are decoded before comparing.
        assert_eq!(err(r#"{"a": 1, "\u0061": 2}"#).message, "duplicate key `a`");
    }

    #[test]
    fn structural_errors_are_short_and_point_at_the_byte() {
        let e = err(r#"{"a": 1 x}"#);
        assert_eq!(
            e.message,
            "expected `,` or `}` after an object entry, found `x`"
        );
        assert_eq!(e.span, Span::new(8, 9));
        let e = err("[1 2]");
        assert_eq!(
            e.message,
            "expected `,` or `]` after an array element, found `2`"
        );
        assert_eq!(e.span, Span::new(3, 4));
        assert!(
            err(r#"{"a" 1}"#)
                .message
                .starts_with("expected `:` after an object key")
        );
        assert!(
            err(r#"{"a": 1,}"#)
                .message
                .starts_with("expected a string key after `,`")
        );
        assert!(
            err("{a: 1}")
                .message
                .starts_with("expected a string key or `}`")
        );
        assert!(err("[1,]").message.contains("trailing comma"));
        let e = err("[1,");
        assert_eq!(e.message, "expected a JSON value, found end of input");
        assert_eq!(e.span, Span::new(3, 3));
        assert!(err("{\"a\": 1").message.ends_with("found end of input"));
        assert!(
            err("'a'")
                .message
                .starts_with("expected a JSON value, found `'`")
        );
        assert!(err("True").message.contains("`True`"));
    }

    #[test]
    fn null_is_rejected_with_advice() {
        let text = r#"{"a": null}"#;
        let e = err(text);
        assert_eq!(
            e.message,
            "null is not a value here; leave the field out instead"
        );
        assert_eq!(&text[e.span.range()], "null");
    }

    #[test]
    fn empty_input_whitespace_and_bom() {
        assert_eq!(err("").message, "empty input: expected a JSON value");
        assert_eq!(err(" \n\t ").message, "empty input: expected a JSON value");
        assert_eq!(
            err("\u{FEFF}").message,
            "empty input: expected a JSON value"
        );
        let text = "\u{FEFF} \r\n[1]\n ";
        let raw = parse(text).unwrap();
        assert_eq!(&text[raw.span.range()], "[1]");
        assert_eq!(raw.span, Span::new(6, 9));
        // A BOM anywhere else is not whitespace.
        assert!(parse(" \u{FEFF}1").is_err());
        assert_eq!(parse("  false ").unwrap().kind, RawKind::Bool(false));
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        let e = err("[1] x");
        assert_eq!(
            e.message,
            "trailing characters after the JSON value, found `x`"
        );
        assert_eq!(e.span, Span::new(4, 5));
        assert!(err("1 2").message.starts_with("trailing characters"));
        assert!(err("{} {}").message.starts_with("trailing characters"));
        assert!(err("truex").message.contains("`truex`"));
    }

    #[test]
    fn depth_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = err(&too_deep);
        assert!(e.message.contains("nest deeper than 64"), "{e:?}");
        assert_eq!(e.span, Span::new(MAX_DEPTH, MAX_DEPTH + 1));
        let objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert!(err(&objects).message.contains("nest deeper"));
    }

    #[test]
    fn depth_bomb_returns_an_error_quickly() {
        let start = std::time::Instant::now();
        let bomb = "[".repeat(100_000);
        assert!(err(&bomb).message.contains("nest deeper"));
        let bomb = "{\"a\":[".repeat(100_000);
        assert!(err(&bomb).message.contains("nest deeper"));
        let bomb = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(err(&bomb).message.contains("nest deeper"));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn binary_garbage_is_an_error_not_a_panic() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        assert!(parse(&text).is_err());
        let reversed: Vec<u8> = (0..=255u8).rev().collect();
        assert!(parse(&String::from_utf8_lossy(&reversed)).is_err());
        // Every prefix and every suffix of a valid document, and garbage inside strings.
        let doc = "{\"a\": [1.5e3, \"\\ud83d\\ude00é\", true], \"b\": {\"c\": -0}}";
        for i in 0..doc.len() {
            if doc.is_char_boundary(i) {
                let _ = parse(&doc[..i]);
                let _ = parse(&doc[i..]);
            }
        }
        assert!(parse(doc).is_ok());
        let mut spliced = String::from("[\"");
        spliced.push_str(&text);
        spliced.push_str("\"]");
        assert!(parse(&spliced).is_err());
    }
}
