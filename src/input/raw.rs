//! A parsed document before any schema is applied: TOML and JSON both read into this tree.
//!
//! Numbers keep their source text, so that nothing passes through a binary float: the schema
//! turns them into exact decimals later. Every node carries its byte span for error messages.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Raw {
    pub kind: RawKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RawKind {
    Bool(bool),
    /// A number as written, without `_` separators: `"123"`, `"-0.5"`, `"1e3"`, `"0x1F"`.
    /// `integer` is true for a TOML integer or a JSON number with no fraction or exponent.
    Number {
        text: String,
        integer: bool,
    },
    String(String),
    /// A TOML local date (`2023-03-01`).
    Date(chrono::NaiveDate),
    /// Any other TOML date-time (with a time or an offset), kept as written.
    DateTime(String),
    Array(Vec<Raw>),
    /// Keys in document order, each with the span of the key itself.
    Table(Vec<RawEntry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RawEntry {
    pub key: String,
    pub key_span: Span,
    pub value: Raw,
}

/// A syntax error in a case or data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// Arrays and tables may nest this deep and no deeper: hostile input gets an error, not a
/// stack overflow.
pub const MAX_DEPTH: usize = 64;

impl RawKind {
    /// What a person calls this kind of value, for "expected X, found Y".
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            RawKind::Bool(_) => "a boolean",
            RawKind::Number { integer: true, .. } => "an integer",
            RawKind::Number { .. } => "a number",
            RawKind::String(_) => "a string",
            RawKind::Date(_) => "a date",
            RawKind::DateTime(_) => "a date-time",
            RawKind::Array(_) => "an array",
            RawKind::Table(_) => "a table",
        }
    }

    /// What kind of value this is, in Chinese: `文字`.
    #[must_use]
    pub fn describe_zh(&self) -> &'static str {
        match self {
            RawKind::Bool(_) => "是/否值",
            RawKind::Number { integer: true, .. } => "整数",
            RawKind::Number { .. } => "数字",
            RawKind::String(_) => "文字",
            RawKind::Date(_) => "日期",
            RawKind::DateTime(_) => "日期时间",
            RawKind::Array(_) => "列表",
            RawKind::Table(_) => "表",
        }
    }
}
