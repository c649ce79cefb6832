//! Errors a person can act on: where (file, line, column), what, and what to do instead.
//!
//! The library returns these as data; only the binary renders them with a snippet and caret.

use std::fmt;

use serde::Serialize;

use crate::source::{Span, line_col, line_text};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A stable code: `case::unknown_field`, `rules::unit_mismatch`, ...
    pub code: &'static str,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The field or key the problem is about, as a dotted path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What was expected there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// A nearby name that was probably meant, or a fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The source line holding the problem, and how many characters the marker covers.
    pub snippet: String,
    pub width: usize,
}

impl Diagnostic {
    /// A diagnostic at `span` of `text`, the contents of `file`.
    pub fn at(
        code: &'static str,
        file: &str,
        text: &str,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let lc = line_col(text, span.start);
        let snippet = line_text(text, span.start).to_string();
        let end = span.end.min(text.len()).max(span.start.min(text.len()));
        let covered = text.get(span.start.min(text.len())..end).unwrap_or("");
        let covered = covered.split('\n').next().unwrap_or("");
        Diagnostic {
            code,
            file: file.to_string(),
            line: lc.line,
            column: lc.column,
            message: message.into(),
            field: None,
            expected: None,
            suggestion: None,
            snippet,
            width: covered.chars().count().max(1),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn suggestion(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        if let Some(e) = &self.expected {
            write!(f, "; expected {e}")?;
        }
        if let Some(s) = &self.suggestion {
            write!(f, "; {s}")?;
        }
        write!(f, " [{}]", self.code)
    }
}

/// Several diagnostics, all those found, not only the first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// `text` as it is when at most `max` characters long, else its first characters, `…` and its
/// whole length: a hostile token of 100 MB is not echoed back whole.
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((keep, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} bytes)", &text[..keep], text.len()))
        }
    }
}
