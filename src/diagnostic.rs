//! Errors a person can act on: where (file, line, column), what, and what to do instead.
//!
//! The library returns these as data; [`Diagnostic::render`] shows them, as a compiler does
//! (with the excerpt and a caret) or on one line.

use std::fmt;

use serde::Serialize;

use crate::source::{Span, with_index};

/// One problem of an input, where it is and what would fix it: a compiler's error message as
/// data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A stable code: `case::unknown_field`, `rules::unit_mismatch`, ...
    pub code: &'static str,
    /// The file (or `<stdin>`) holding the problem.
    pub file: String,
    /// Its line, from 1.
    pub line: usize,
    /// Its column, from 1, in characters.
    pub column: usize,
    /// What is wrong.
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
    /// The source line holding the problem, and how many characters the marker covers. A
    /// line longer than [`MAX_SNIPPET`] characters is cut to that many around the problem,
    /// `…` standing for what is cut.
    pub snippet: String,
    /// How many characters of the snippet the marker covers.
    pub width: usize,
    /// The column of the line at which the snippet's first character stands: 1 unless the
    /// line's start is cut.
    #[serde(skip_serializing_if = "is_one")]
    pub snippet_column: usize,
    /// The bytes of the source the problem is about.
    #[serde(skip)]
    pub span: Span,
    /// What is wrong in Chinese, for a case's problems (set where each is found, naming
    /// fields by their labels); `None` for a rule file's, which are for the policy officer
    /// and only in English. See [`message_in`](Self::message_in).
    #[serde(skip)]
    zh: Option<String>,
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The most characters of a source line a diagnostic keeps.
pub const MAX_SNIPPET: usize = 160;

impl Diagnostic {
    /// A diagnostic at `span` of `text`, the contents of `file`. Its line and column come
    /// from an index of `text` (see `source::index_scope`), and it keeps at most
    /// [`MAX_SNIPPET`] characters of the line: what it costs does not grow with the text.
    pub fn at(
        code: &'static str,
        file: &str,
        text: &str,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (lc, line) = with_index(text, |i| {
            (i.line_col(text, span.start), i.line_range(text, span.start))
        });
        let at = span.start.saturating_sub(line.start);
        let line = &text[line];
        let (snippet, snippet_column) = excerpt(line, at, lc.column);
        let start = span.start.min(text.len());
        let end = span.end.min(text.len()).max(start);
        // The marker covers the span's first line, and no more than a line shows.
        let width = text
            .get(start..end)
            .unwrap_or("")
            .chars()
            .take(MAX_SNIPPET)
            .take_while(|&c| c != '\n')
            .count();
        Diagnostic {
            code,
            file: file.to_string(),
            line: lc.line,
            column: lc.column,
            message: shorten_quoted(message.into()),
            field: None,
            expected: None,
            suggestion: None,
            snippet,
            width: width.max(1),
            snippet_column,
            span,
            zh: None,
        }
    }

    /// The diagnostic with what is wrong in Chinese: a whole sentence, that says what was
    /// expected and any suggestion too.
    #[must_use]
    pub(crate) fn with_zh(mut self, message: impl Into<String>) -> Self {
        self.zh = Some(shorten_quoted(message.into()));
        self
    }

    /// What is wrong in `lang`: in Chinese, the Chinese sentence when there is one (a case's
    /// problems have one), else the English message.
    #[must_use]
    pub fn message_in(&self, lang: crate::labels::Lang) -> &str {
        match (&self.zh, lang) {
            (Some(zh), crate::labels::Lang::Zh) => zh,
            _ => &self.message,
        }
    }

    /// The diagnostic with its `message` in `lang` (see [`message_in`](Self::message_in)),
    /// as the HTTP API gives it.
    #[must_use]
    pub fn in_lang(mut self, lang: crate::labels::Lang) -> Diagnostic {
        if lang == crate::labels::Lang::Zh
            && let Some(zh) = self.zh.take()
        {
            self.message = zh;
        }
        self
    }

    /// The diagnostic as a person at a terminal reads it in `lang`: in Chinese, its Chinese
    /// sentence when it has one, which says what was expected and any suggestion itself, so
    /// those notes (in English) are left out; else the diagnostic as it is.
    #[must_use]
    pub fn for_reader(&self, lang: crate::labels::Lang) -> Diagnostic {
        match (&self.zh, lang) {
            (Some(zh), crate::labels::Lang::Zh) => Diagnostic {
                message: zh.clone(),
                expected: None,
                suggestion: None,
                zh: None,
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// The diagnostic naming the field it is about.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(shorten(&field.into(), MAX_TOKEN).into_owned());
        self
    }

    /// The diagnostic saying what was expected.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(shorten_quoted(expected.into()));
        self
    }

    /// The diagnostic with a suggestion, if there is one.
    pub fn suggestion(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion.map(shorten_quoted);
        self
    }
}

/// How a diagnostic is shown: every form is written by [`Diagnostic::render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// As a compiler shows it, for a person at a terminal: the code and message, where, the
    /// excerpt of the line with a caret under the problem, then the field, what was expected
    /// and the help, a line each.
    Full,
    /// One line: `file:line:column: message`, then ` (field F)`, `; expected E` and `; HELP`
    /// when known, then ` [CODE]`. The `Display` form, read by the HTTP API and the web page.
    Line,
    /// One line: `file:line:column: error[CODE]: message` and the same notes, its line
    /// counted from `first_line`: a case that is one line of a larger file (a batch).
    InFile {
        /// The line of the larger file on which the case's text starts.
        first_line: u64,
    },
}

impl Diagnostic {
    /// The diagnostic in `form`. What it shows is bounded whatever the source: the excerpt
    /// is at most [`MAX_SNIPPET`] characters, the caret at most 120, the names quoted short.
    #[must_use]
    pub fn render(&self, form: Form) -> String {
        let mut s = String::new();
        self.write(&mut s, form)
            .expect("writing to a String does not fail");
        s
    }

    fn write(&self, f: &mut impl fmt::Write, form: Form) -> fmt::Result {
        match form {
            Form::Full => f.write_str(&self.full(annotate_snippets::Renderer::plain())),
            Form::Line => {
                write!(
                    f,
                    "{}:{}:{}: {}",
                    self.file, self.line, self.column, self.message
                )?;
                self.write_notes(f)?;
                write!(f, " [{}]", self.code)
            }
            Form::InFile { first_line } => {
                // The case's own lines are counted from 1.
                let line = first_line + self.line as u64 - 1;
                write!(
                    f,
                    "{}:{line}:{}: error[{}]: {}",
                    self.file, self.column, self.code, self.message
                )?;
                self.write_notes(f)
            }
        }
    }

    /// The field, what was expected and the help, on the line after the message.
    fn write_notes(&self, f: &mut impl fmt::Write) -> fmt::Result {
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        if let Some(e) = &self.expected {
            write!(f, "; expected {e}")?;
        }
        if let Some(s) = &self.suggestion {
            write!(f, "; {s}")?;
        }
        Ok(())
    }

    /// What goes before the caret under the excerpt so that it stands under the problem: a
    /// tab for a tab, an ideographic space for a character two columns wide, a space for
    /// one, nothing for a mark that takes none.
    /// The terminal form, drawn by annotate-snippets from the bounded excerpt: the code and
    /// message, where, the excerpt with the problem marked, then the field, what was expected
    /// and the help.
    fn full(&self, renderer: annotate_snippets::Renderer) -> String {
        use annotate_snippets::{AnnotationKind, Level, Origin, Snippet};
        let title = Level::ERROR
            .primary_title(self.message.as_str())
            .id(self.code);
        let mut group = if self.snippet.is_empty() {
            title.element(
                Origin::path(self.file.as_str())
                    .line(self.line)
                    .char_column(self.column),
            )
        } else {
            // The problem's characters within the excerpt, as bytes.
            let before = self.column.saturating_sub(self.snippet_column.max(1));
            let byte = |n: usize| {
                self.snippet
                    .char_indices()
                    .nth(n)
                    .map_or(self.snippet.len(), |(i, _)| i)
            };
            let (start, end) = (byte(before), byte(before + self.width.clamp(1, 120)));
            title.element(
                Snippet::source(self.snippet.as_str())
                    .line_start(self.line)
                    .path(self.file.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
        };
        if let Some(x) = &self.field {
            group = group.element(Level::NOTE.message(format!("field: {x}")));
        }
        if let Some(e) = &self.expected {
            group = group.element(Level::NOTE.message(format!("expected: {e}")));
        }
        if let Some(h) = &self.suggestion {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        renderer.render(&[group])
    }

    /// The terminal form in colour, for a terminal.
    #[must_use]
    pub fn render_coloured(&self) -> String {
        self.full(annotate_snippets::Renderer::styled())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, Form::Line)
    }
}

/// At most [`MAX_SNIPPET`] characters of `line` around byte `at` of it (at column `column`),
/// and the column its first character stands at. Only the characters shown are looked at.
fn excerpt(line: &str, at: usize, column: usize) -> (String, usize) {
    if line.len() <= MAX_SNIPPET {
        return (line.to_string(), 1);
    }
    let at = (0..=at.min(line.len()))
        .rev()
        .find(|&i| line.is_char_boundary(i))
        .unwrap_or(0);
    // A third of the room before the problem, the rest after.
    let before = line[..at]
        .char_indices()
        .rev()
        .nth(MAX_SNIPPET / 3 - 1)
        .map(|(i, _)| i);
    let (from, first) = match before {
        // Room for the whole start of the line.
        Some(_) if column <= MAX_SNIPPET / 3 + 1 => (0, 1),
        None => (0, 1),
        Some(i) => (i, column - MAX_SNIPPET / 3),
    };
    let rest = &line[from..];
    let room = if from == 0 {
        MAX_SNIPPET
    } else {
        MAX_SNIPPET - 1
    };
    let (shown, more) = match rest.char_indices().nth(room) {
        Some((to, _)) => (&rest[..to], "…"),
        None => (rest, ""),
    };
    if from == 0 {
        (format!("{shown}{more}"), 1)
    } else {
        // `…` stands at the column before the first character shown.
        (format!("…{shown}{more}"), first - 1)
    }
}

/// The most problems one case reports: the rest are counted, not kept.
pub const MAX_PER_CASE: usize = 100;

/// The diagnostics of one input as they are found: the first [`MAX_PER_CASE`] are kept, the
/// others counted, so that a hostile case with a hundred thousand mistakes costs little.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Diagnostic>,
    /// Where the first problem not kept is, and how many were not kept.
    more: Option<(Diagnostic, usize)>,
}

impl Problems {
    /// No problem yet.
    #[must_use]
    pub fn new() -> Problems {
        Problems::default()
    }

    /// Adds a problem (past the first hundred, it is only counted).
    pub fn push(&mut self, d: Diagnostic) {
        if self.list.len() < MAX_PER_CASE {
            self.list.push(d);
        } else {
            match &mut self.more {
                Some((_, n)) => *n += 1,
                None => self.more = Some((d, 1)),
            }
        }
    }

    /// Whether there is no problem.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems kept, then, if any were not, one that says how many and where the first
    /// of them is.
    #[must_use]
    pub fn into_diagnostics(self) -> Diagnostics {
        let mut list = self.list;
        if let Some((mut first, n)) = self.more {
            first.code = "input::too_many_problems";
            first.message = format!(
                "and {n} more problem(s) from here on, not listed: only the first {MAX_PER_CASE} are"
            );
            first.field = None;
            first.expected = None;
            first.suggestion = None;
            first.zh = Some(format!(
                "从此处起另有{n}个问题未列出：只列出前{MAX_PER_CASE}个"
            ));
            list.push(first);
        }
        Diagnostics(list)
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

/// The most characters of one name, word or number a message quotes.
pub const MAX_TOKEN: usize = 80;

/// `message` with each `quoted` part longer than [`MAX_TOKEN`] characters shortened.
#[must_use]
pub fn shorten_quoted(message: String) -> String {
    if message.len() <= MAX_TOKEN {
        return message;
    }
    let parts: Vec<&str> = message.split('`').collect();
    if parts
        .iter()
        .skip(1)
        .step_by(2)
        .all(|p| p.len() <= MAX_TOKEN)
    {
        return message;
    }
    let mut out = String::with_capacity(4 * MAX_TOKEN);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Inside backticks when odd, and closed by one.
        if i % 2 == 1 && i + 1 < parts.len() {
            out.push_str(&shorten(p, MAX_TOKEN));
        } else {
            out.push_str(&shorten(p, 4 * MAX_TOKEN));
        }
    }
    out
}

/// `text` as it is when at most `max` characters long, else its first characters, `…` and its
/// whole length: a hostile token of 100 MB is not echoed back whole.
#[must_use]
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((keep, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} bytes)", &text[..keep], text.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three forms from one diagnostic: the caret stands under the problem after wide
    /// characters, and the one-line forms carry the same notes.
    #[test]
    fn one_renderer_three_forms() {
        let text = "[tenant]\nnote = \"租金\" x\n";
        let at = text.find('x').unwrap();
        let d = Diagnostic::at("case::syntax", "c.toml", text, Span::new(at, at + 1), "bad")
            .field("tenant.note")
            .expected("a word")
            .suggestion(Some("did you mean `y`?".into()));
        // The caret under `x`: 8 narrow characters, two wide ones (2 columns each), 2 more.
        let under = format!("  | {}^", " ".repeat(8 + 2 * 2 + 2));
        assert_eq!(
            d.render(Form::Full),
            [
                "error[case::syntax]: bad",
                " --> c.toml:2:13",
                "  |",
                "2 | note = \"租金\" x",
                under.as_str(),
                "  |",
                "  = note: field: tenant.note",
                "  = note: expected: a word",
                "  = help: did you mean `y`?",
            ]
            .join("\n")
        );
        assert_eq!(
            d.render(Form::Line),
            "c.toml:2:13: bad (field `tenant.note`); expected a word; did you mean `y`? [case::syntax]"
        );
        assert_eq!(d.render(Form::Line), d.to_string());
        assert_eq!(
            d.render(Form::InFile { first_line: 10 }),
            "c.toml:11:13: error[case::syntax]: bad (field `tenant.note`); expected a word; did you mean `y`?"
        );
    }

    /// Under the caret, the snippet shows the character the column names, wherever it is
    /// in a line of any length, and never more than `MAX_SNIPPET` characters and two `…`.
    #[test]
    fn the_excerpt_keeps_the_problem_under_the_caret() {
        for len in [0, 1, 50, MAX_SNIPPET, MAX_SNIPPET + 1, 1000] {
            let line: String = (0..len)
                .map(|i| char::from_u32(0x4e00 + i as u32 % 50).unwrap_or('x'))
                .collect();
            let text = format!("first\n{line}\nlast");
            for column in 1..=len + 1 {
                let at = 6 + line
                    .char_indices()
                    .nth(column - 1)
                    .map_or(line.len(), |(i, _)| i);
                let d = Diagnostic::at("t", "f", &text, Span::new(at, at + 1), "m");
                assert_eq!((d.line, d.column), (2, column));
                assert!(
                    d.snippet.chars().count() <= MAX_SNIPPET + 2,
                    "{len} {column}"
                );
                let shown = d.snippet.chars().nth(column - d.snippet_column);
                let want = line.chars().nth(column - 1);
                if want.is_some() {
                    assert_eq!(shown, want, "line of {len}, column {column}: {}", d.snippet);
                }
            }
        }
    }

    #[test]
    fn a_case_keeps_its_first_problems_and_counts_the_rest() {
        let mut p = Problems::new();
        for i in 0..MAX_PER_CASE + 250 {
            p.push(Diagnostic::at(
                "t",
                "f",
                "x\ny",
                Span::new(i % 3, i % 3),
                format!("{i}"),
            ));
        }
        let d = p.into_diagnostics().0;
        assert_eq!(d.len(), MAX_PER_CASE + 1);
        assert_eq!(d[MAX_PER_CASE - 1].message, "99");
        assert_eq!(
            d[MAX_PER_CASE].message,
            "and 250 more problem(s) from here on, not listed: only the first 100 are"
        );
    }

    #[test]
    fn long_quoted_tokens_are_shortened() {
        let long = "k".repeat(1000);
        let m = shorten_quoted(format!("no field `{long}` here"));
        assert_eq!(
            m,
            format!("no field `{}… (1000 bytes)` here", "k".repeat(MAX_TOKEN))
        );
        assert_eq!(shorten_quoted("`short`".into()), "`short`");
    }
}
