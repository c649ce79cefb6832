//! TOML into the exact [`Raw`] tree, streamed from the `toml_parser` crate's events.
//!
//! The `toml` crate's own document tree (`DeTable`) costs 50 to 60 times the file's size while
//! it is read; this reader builds a light tree straight from the parser's events instead, a
//! line at a time: the lexer's tokens are kept only for the expression being parsed, so the
//! cost is the tree itself. The TOML rules are those of `toml`'s `DeTable` (whose code this
//! follows): a duplicate key or a table defined twice is an error, `[[a.b]]` appends, dotted
//! keys make tables, inline tables are closed, and keys keep their document order.
//!
//! Numbers keep their literal text (without `_`); hex, octal and binary integers become exact
//! decimal text. The parser refuses arrays and inline tables nested deeper than 80 levels (so
//! it cannot overflow the stack); the reader enforces [`MAX_DEPTH`] for every kind of nesting.
//!
//! Errors come in the order `toml` gave them: the first syntax error anywhere, else the first
//! error of structure or of decoding (duplicate key, bad escape), else the first value this
//! crate refuses (`inf`, `nan`, an impossible date, a radix integer out of range, too deep):
//! the first in the document, where the former reader named the first in its tree's key order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use toml::value::Datetime;
use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::{EventReceiver, RecursionGuard, ValidateWhitespace};
use toml_parser::{ErrorSink, Expected, ParseError, Source};

use super::raw::{MAX_DEPTH, Raw, RawEntry, RawKind, SyntaxError};
use crate::source::Span;

/// How deep the parser itself lets arrays and inline tables nest (as the `toml` crate does).
const PARSER_DEPTH: u32 = 80;

/// Parse one TOML document. The root table's span is the whole text.
///
/// # Errors
///
/// A [`SyntaxError`] for invalid TOML (message and span as the `toml` crate words them), for
/// `inf` and `nan`, for out-of-range radix integers, impossible dates and nesting past
/// [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Raw, SyntaxError> {
    // Most cases are flat `key = value` lines: read in one pass when they are (`toml_flat`,
    // which gives the same tree and leaves anything else, errors too, to the reader below).
    match super::toml_flat::parse(text) {
        Some(raw) => Ok(raw),
        None => parse_full(text),
    }
}

/// [`parse`] without the flat reader's fast path: the reference it is tested against.
///
/// # Errors
///
/// As [`parse`].
pub fn parse_full(text: &str) -> Result<Raw, SyntaxError> {
    let source = Source::new(text);
    let mut builder = Builder::new(source, text.len());
    let mut syntax = FirstError::default();
    {
        let mut validate = ValidateWhitespace::new(&mut builder, source);
        let mut receiver = RecursionGuard::new(&mut validate, PARSER_DEPTH);
        // One top-level expression at a time: a newline outside brackets ends one (a string
        // that spans lines is a single token). Only that expression's tokens are held.
        let mut tokens = Vec::new();
        let mut open = 0usize;
        for token in source.lex() {
            use toml_parser::lexer::TokenKind;
            match token.kind() {
                TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => open += 1,
                TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                    open = open.saturating_sub(1);
                }
                _ => {}
            }
            let ends = token.kind() == TokenKind::Newline && open == 0;
            tokens.push(token);
            if ends {
                toml_parser::parser::parse_document(&tokens, &mut receiver, &mut syntax);
                tokens.clear();
            }
        }
        if !tokens.is_empty() {
            toml_parser::parser::parse_document(&tokens, &mut receiver, &mut syntax);
        }
    }
    if let Some(e) = syntax.0 {
        return Err(e);
    }
    builder.finish()
}

/// Keeps the first error reported to it, worded as the `toml` crate words it.
#[derive(Default)]
struct FirstError(Option<SyntaxError>);

impl FirstError {
    fn set(&mut self, e: SyntaxError) {
        if self.0.is_none() {
            self.0 = Some(e);
        }
    }
}

impl ErrorSink for FirstError {
    fn report_error(&mut self, error: ParseError) {
        if self.0.is_none() {
            self.0 = Some(from_parse_error(&error));
        }
    }
}

fn from_parse_error(error: &ParseError) -> SyntaxError {
    let mut message = error.description().to_string();
    // The parser appends what it expected; "expected nothing" only adds noise.
    if let Some(expected) = error.expected().filter(|e| !e.is_empty()) {
        message.push_str(", expected ");
        for (i, expected) in expected.iter().enumerate() {
            if i != 0 {
                message.push_str(", ");
            }
            match expected {
                Expected::Literal(literal) => message.push_str(&render_literal(literal)),
                Expected::Description(desc) => message.push_str(desc),
                _ => message.push_str("etc"),
            }
        }
    }
    let message = message.trim();
    let message = message.lines().next().unwrap_or("invalid TOML").trim();
    SyntaxError {
        message: if message.is_empty() {
            "invalid TOML".to_string()
        } else {
            message.to_string()
        },
        span: error
            .unexpected()
            .map_or(Span::new(0, 0), |s| Span::new(s.start(), s.end())),
    }
}

fn render_literal(literal: &str) -> String {
    match literal {
        "\n" => "newline".to_owned(),
        "`" => "'`'".to_owned(),
        s if s.chars().all(|c| c.is_ascii_control()) => format!("`{}`", s.escape_debug()),
        s => format!("`{s}`"),
    }
}

fn error(message: impl Into<String>, span: Range<usize>) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span: span.into(),
    }
}

fn too_deep(span: Span) -> SyntaxError {
    SyntaxError {
        message: format!("arrays and tables nest deeper than {MAX_DEPTH} levels"),
        span,
    }
}

fn duplicate_key(span: Span) -> SyntaxError {
    SyntaxError {
        message: "duplicate key".to_string(),
        span,
    }
}

fn span_of(s: toml_parser::Span) -> Span {
    Span::new(s.start(), s.end())
}

/// A key as written (decoded) and where.
type Key = (String, Span);

/// A value while the document is read: what may still grow is kept open, the rest is final.
enum Node {
    /// A string, number, boolean, date, array or inline table: written once, final.
    Leaf(Raw),
    /// A table made by a header or a dotted key (boxed, as below: a leaf is the common case,
    /// and every entry of a table is as large as the largest of these).
    Table(Box<Table>),
    /// An array of tables made by `[[…]]` headers: only its last table may still grow.
    Tables(Box<Tables>),
}

/// What `toml` calls a value's type in "cannot extend value of type …".
fn leaf_type(raw: &Raw) -> &'static str {
    match raw.kind {
        RawKind::String(_) => "string",
        RawKind::Number { integer: true, .. } => "integer",
        RawKind::Number { .. } => "float",
        RawKind::Bool(_) => "boolean",
        RawKind::Date(_) | RawKind::DateTime(_) => "datetime",
        RawKind::Array(_) => "array",
        RawKind::Table(_) => "table",
    }
}

impl Node {
    fn type_str(&self) -> &'static str {
        match self {
            Node::Leaf(raw) => leaf_type(raw),
            Node::Table(_) => "table",
            Node::Tables(_) => "array",
        }
    }

    fn into_raw(self) -> Raw {
        match self {
            Node::Leaf(raw) => raw,
            Node::Table(table) => table.into_raw(),
            Node::Tables(tables) => {
                let tables = *tables;
                let mut items = tables.done;
                items.push(tables.last.into_raw());
                Raw {
                    kind: RawKind::Array(items),
                    span: tables.span,
                }
            }
        }
    }
}

struct Tables {
    /// The tables before the last, final.
    done: Vec<Raw>,
    last: Table,
    span: Span,
}

struct Entry {
    key: String,
    key_span: Span,
    node: Node,
}

/// Tables with more entries than this find a key through an index rather than by a scan.
const INDEX_FROM: usize = 16;

#[derive(Default)]
struct Table {
    entries: Vec<Entry>,
    /// Boxed: most tables have none, and every table would carry a map's 48 bytes.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<String, usize>>>,
    span: Span,
    /// Counts the arrays and tables from the root (1) down to and including this one.
    depth: usize,
    /// Made only as the parent of something else, not defined itself (yet).
    implicit: bool,
    /// Made by a dotted key.
    dotted: bool,
    /// Written `{…}`: closed.
    inline: bool,
}

impl Table {
    fn new(span: Span, depth: usize) -> Self {
        Table {
            span,
            depth,
            ..Table::default()
        }
    }

    fn find(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|e| e.key == key),
        }
    }

    fn push(&mut self, key: String, key_span: Span, node: Node) -> usize {
        let at = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), at);
        } else if at >= INDEX_FROM {
            let mut index: HashMap<String, usize> = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.key.clone(), i))
                .collect();
            index.insert(key.clone(), at);
            self.index = Some(Box::new(index));
        }
        if self.entries.capacity() == 0 {
            // Most tables hold a key or two: no room for four (the default) until needed.
            self.entries.reserve_exact(1);
        }
        self.entries.push(Entry {
            key,
            key_span,
            node,
        });
        at
    }

    fn into_raw(self) -> Raw {
        let mut entries = self.entries;
        // Document order: a table defined by a header after its children sits at the header.
        entries.sort_by_key(|e| (e.key_span.start, e.key_span.end));
        Raw {
            kind: RawKind::Table(
                entries
                    .into_iter()
                    .map(|e| RawEntry {
                        key: e.key,
                        key_span: e.key_span,
                        value: e.node.into_raw(),
                    })
                    .collect(),
            ),
            span: self.span,
        }
    }
}

/// A `[table]` or `[[array]]` header being filled.
struct Header {
    path: Vec<Key>,
    key: Key,
    span: Span,
    is_array: bool,
}

/// An array or inline table opened and not yet closed.
enum Frame {
    Array {
        items: Vec<Raw>,
        start: usize,
        depth: usize,
        /// The key path this array is the value of (unused inside an array).
        keys: Vec<Key>,
    },
    Inline {
        table: Table,
        start: usize,
        keys: Vec<Key>,
    },
}

/// Builds the tree from the parser's events. Errors of structure and decoding go to
/// `structure`, the values this crate refuses to `refused`; the tree stops growing at the first
/// error of structure (`toml` reports nothing after it that could come first).
struct Builder<'i> {
    source: Source<'i>,
    len: usize,
    root: Table,
    current: Table,
    header: Option<Header>,
    /// The keys before the first header have gone into `root`.
    root_done: bool,
    /// Nothing is added under the current header (it was refused).
    discard: bool,
    /// Keys read since the last value or header.
    keys: Vec<Key>,
    in_header: bool,
    header_open: toml_parser::Span,
    frames: Vec<Frame>,
    structure: FirstError,
    refused: FirstError,
}

impl<'i> Builder<'i> {
    fn new(source: Source<'i>, len: usize) -> Self {
        Builder {
            source,
            len,
            root: Table::new(Span::new(0, len), 1),
            current: Table::new(Span::new(0, len), 1),
            header: None,
            root_done: false,
            discard: false,
            keys: Vec::new(),
            in_header: false,
            header_open: toml_parser::Span::new_unchecked(0, 0),
            frames: Vec::new(),
            structure: FirstError::default(),
            refused: FirstError::default(),
        }
    }

    fn failed(&self) -> bool {
        self.structure.0.is_some()
    }

    fn finish(mut self) -> Result<Raw, SyntaxError> {
        self.finish_table();
        if let Some(e) = self.structure.0.take().or(self.refused.0.take()) {
            return Err(e);
        }
        if !self.frames.is_empty() || self.in_header {
            // The parser reports what is left open; this is only a safeguard.
            return Err(error("invalid TOML", self.len..self.len));
        }
        let mut root = std::mem::take(&mut self.root);
        root.span = Span::new(0, self.len);
        Ok(root.into_raw())
    }

    fn decode_key(&mut self, span: toml_parser::Span, encoding: Option<Encoding>) -> Key {
        let raw = toml_parser::Raw::new_unchecked(self.text(span), encoding, span);
        let mut decoded = Cow::Borrowed("");
        raw.decode_key(&mut decoded, &mut self.structure);
        (decoded.into_owned(), span_of(span))
    }

    fn text(&self, span: toml_parser::Span) -> &'i str {
        self.source
            .input()
            .get(span.start()..span.end())
            .unwrap_or_default()
    }

    fn scalar_node(&mut self, span: toml_parser::Span, encoding: Option<Encoding>) -> Node {
        let range = span.start()..span.end();
        let raw = toml_parser::Raw::new_unchecked(self.text(span), encoding, span);
        let mut decoded = Cow::Borrowed("");
        let kind = raw.decode_scalar(&mut decoded, &mut self.structure);
        let kind = match kind {
            ScalarKind::String => RawKind::String(decoded.into_owned()),
            ScalarKind::Boolean(b) => RawKind::Bool(b),
            ScalarKind::DateTime => match decoded.parse::<Datetime>() {
                Ok(d) => match datetime(&d, self.text(span), range) {
                    Ok(kind) => kind,
                    Err(e) => {
                        self.refused.set(e);
                        RawKind::DateTime(String::new())
                    }
                },
                Err(e) => {
                    self.structure.set(error(e.to_string(), range));
                    RawKind::DateTime(String::new())
                }
            },
            ScalarKind::Float => match float_text(&decoded, range) {
                Ok(text) => RawKind::Number {
                    text,
                    integer: false,
                },
                Err(e) => {
                    // Refused, but still a float to the rules of structure.
                    self.refused.set(e);
                    RawKind::Number {
                        text: String::new(),
                        integer: false,
                    }
                }
            },
            ScalarKind::Integer(radix) => match integer_text(&decoded, radix.value(), range) {
                Ok(text) => RawKind::Number {
                    text,
                    integer: true,
                },
                Err(e) => {
                    self.refused.set(e);
                    RawKind::Number {
                        text: String::new(),
                        integer: true,
                    }
                }
            },
        };
        Node::Leaf(Raw {
            kind,
            span: span_of(span),
        })
    }

    /// The depth of an array or inline table opened now: one below its container, and one
    /// more for each table its dotted key makes.
    fn value_depth(&self) -> usize {
        let dots = self.keys.len().saturating_sub(1);
        match self.frames.last() {
            Some(Frame::Array { depth, .. }) => depth + 1,
            Some(Frame::Inline { table, .. }) => table.depth + 1 + dots,
            None => self.current.depth + 1 + dots,
        }
    }

    /// The key path of a value starting now (empty inside an array).
    fn take_keys(&mut self) -> Vec<Key> {
        match self.frames.last() {
            Some(Frame::Array { .. }) => Vec::new(),
            _ => std::mem::take(&mut self.keys),
        }
    }

    /// A value is complete: it goes into the open array or inline table, or under its keys.
    fn deliver(&mut self, keys: Vec<Key>, node: Node) {
        if self.failed() {
            return;
        }
        match self.frames.last_mut() {
            Some(Frame::Array { items, .. }) => items.push(node.into_raw()),
            Some(Frame::Inline { table, .. }) => {
                inline_insert(table, keys, node, &mut self.structure, &mut self.refused);
            }
            None => {
                if self.discard {
                    return;
                }
                capture_key_value(
                    &mut self.current,
                    keys,
                    node,
                    &mut self.structure,
                    &mut self.refused,
                );
            }
        }
    }

    /// A header ends the table before it: the table goes into the tree.
    fn finish_table(&mut self) {
        let table = std::mem::take(&mut self.current);
        let Some(header) = self.header.take() else {
            if !self.root_done {
                self.root = table;
                self.root_done = true;
            }
            return;
        };
        if self.discard || self.failed() {
            return;
        }
        let Header {
            path,
            key: (key, key_span),
            span,
            is_array,
        } = header;
        let mut table = table;
        table.span = span;
        let Some(parent) = descend(
            &mut self.root,
            &path,
            false,
            &mut self.structure,
            &mut self.refused,
        ) else {
            return;
        };
        if is_array {
            match parent.find(&key) {
                None => {
                    parent.push(
                        key,
                        key_span,
                        Node::Tables(Box::new(Tables {
                            done: Vec::new(),
                            last: table,
                            span,
                        })),
                    );
                }
                Some(at) => match &mut parent.entries[at].node {
                    Node::Tables(tables) => {
                        // Only the last table of the array can grow: the one before is final.
                        let before = std::mem::replace(&mut tables.last, table);
                        tables.done.push(before.into_raw());
                    }
                    _ => self.structure.set(duplicate_key(key_span)),
                },
            }
        } else {
            match parent.find(&key) {
                // `start_table` took the implicit table out and left an empty one.
                Some(at) => {
                    let entry = &mut parent.entries[at];
                    entry.key_span = key_span;
                    entry.node = Node::Table(Box::new(table));
                }
                None => {
                    parent.push(key, key_span, Node::Table(Box::new(table)));
                }
            }
        }
    }

    fn start_table(&mut self, path: Vec<Key>, key: Key, span: Span, is_array: bool) {
        self.discard = false;
        if self.failed() {
            self.discard = true;
            return;
        }
        // `toml` reports a bad path of `[[…]]` when the table ends, after what its body holds:
        // here the path is only looked at, and `finish_table` reports.
        let (mut quiet_structure, mut quiet_refused) =
            (FirstError::default(), FirstError::default());
        let (structure, refused) = if is_array {
            (&mut quiet_structure, &mut quiet_refused)
        } else {
            (&mut self.structure, &mut self.refused)
        };
        let Some(parent) = descend(&mut self.root, &path, false, structure, refused) else {
            if is_array {
                // Read the body all the same: its errors come first.
                self.current = Table::new(span, 2);
                self.header = Some(Header {
                    path,
                    key,
                    span,
                    is_array,
                });
            } else {
                self.discard = true;
            }
            return;
        };
        let mut table = Table::new(span, parent.depth + if is_array { 2 } else { 1 });
        if !is_array && let Some(at) = parent.find(&key.0) {
            match &mut parent.entries[at].node {
                Node::Table(t) if t.implicit && !t.dotted => {
                    table = std::mem::take(&mut **t);
                    t.depth = table.depth;
                }
                _ => {
                    self.structure.set(duplicate_key(key.1));
                    self.discard = true;
                    return;
                }
            }
        }
        if table.depth > MAX_DEPTH {
            self.refused.set(too_deep(span));
            self.discard = true;
            return;
        }
        table.implicit = false;
        table.dotted = false;
        self.current = table;
        self.header = Some(Header {
            path,
            key,
            span,
            is_array,
        });
    }

    /// A header opens: the table before it goes into the tree (before the header's own keys
    /// are decoded, as in `toml`).
    fn open_header(&mut self, open: toml_parser::Span) {
        self.keys.clear();
        self.in_header = true;
        self.header_open = open;
        self.finish_table();
        self.discard = true;
    }

    fn close_header(&mut self, close: toml_parser::Span, is_array: bool) {
        self.in_header = false;
        let mut path = std::mem::take(&mut self.keys);
        let span = Span::new(self.header_open.start(), close.end());
        let Some(key) = path.pop() else {
            // No key: the parser has reported it.
            self.discard = true;
            return;
        };
        self.start_table(path, key, span, is_array);
    }
}

/// Where `path` leads from `table`, making implicit tables on the way (`toml`'s
/// `descend_path` for a document).
fn descend<'t>(
    mut table: &'t mut Table,
    path: &[Key],
    dotted: bool,
    structure: &mut FirstError,
    refused: &mut FirstError,
) -> Option<&'t mut Table> {
    for (key, key_span) in path {
        let at = match table.find(key) {
            Some(at) => at,
            None => {
                let mut new = Table::new(*key_span, table.depth + 1);
                if new.depth > MAX_DEPTH {
                    refused.set(too_deep(*key_span));
                    return None;
                }
                new.implicit = true;
                new.dotted = dotted;
                table.push(key.clone(), *key_span, Node::Table(Box::new(new)))
            }
        };
        table = match &mut table.entries[at].node {
            Node::Tables(tables) => &mut tables.last,
            Node::Leaf(Raw {
                kind: RawKind::Table(_),
                ..
            }) => {
                structure.set(error(
                    "cannot extend value of type inline table with a dotted key",
                    key_span.range(),
                ));
                return None;
            }
            Node::Table(child) => {
                if child.inline {
                    structure.set(error(
                        "cannot extend value of type inline table with a dotted key",
                        key_span.range(),
                    ));
                    return None;
                }
                if dotted && child.implicit {
                    child.dotted = true;
                }
                if dotted && !child.implicit {
                    structure.set(duplicate_key(*key_span));
                    return None;
                }
                child
            }
            Node::Leaf(leaf) => {
                structure.set(error(
                    format!(
                        "cannot extend value of type {} with a dotted key",
                        leaf_type(leaf)
                    ),
                    key_span.range(),
                ));
                return None;
            }
        };
    }
    Some(table)
}

/// `key.path = value` in the table of the current header (`toml`'s `capture_key_value`).
fn capture_key_value(
    table: &mut Table,
    mut keys: Vec<Key>,
    node: Node,
    structure: &mut FirstError,
    refused: &mut FirstError,
) {
    let Some((key, key_span)) = keys.pop() else {
        return;
    };
    let dotted = !keys.is_empty();
    let Some(parent) = descend(table, &keys, dotted, structure, refused) else {
        return;
    };
    if (dotted && !parent.implicit) || parent.find(&key).is_some() {
        structure.set(duplicate_key(key_span));
        return;
    }
    parent.push(key, key_span, node);
}

/// `key.path = value` inside `{…}` (`toml`'s inline `finish_value`).
fn inline_insert(
    table: &mut Table,
    mut keys: Vec<Key>,
    node: Node,
    structure: &mut FirstError,
    refused: &mut FirstError,
) {
    let Some((key, key_span)) = keys.pop() else {
        return;
    };
    let mut parent = table;
    for (step, step_span) in &keys {
        let at = match parent.find(step) {
            Some(at) => at,
            None => {
                let mut new = Table::new(*step_span, parent.depth + 1);
                if new.depth > MAX_DEPTH {
                    refused.set(too_deep(*step_span));
                    return;
                }
                new.implicit = true;
                new.dotted = true;
                new.inline = true;
                parent.push(step.clone(), *step_span, Node::Table(Box::new(new)))
            }
        };
        parent = match &mut parent.entries[at].node {
            Node::Table(child) => {
                if !child.implicit {
                    structure.set(duplicate_key(*step_span));
                    return;
                }
                child
            }
            // A table written `{…}` inside this one.
            Node::Leaf(Raw {
                kind: RawKind::Table(_),
                ..
            }) => {
                structure.set(duplicate_key(*step_span));
                return;
            }
            other => {
                structure.set(error(
                    format!(
                        "cannot extend value of type {} with a dotted key",
                        other.type_str()
                    ),
                    step_span.range(),
                ));
                return;
            }
        };
    }
    if parent.dotted == keys.is_empty() || parent.find(&key).is_some() {
        structure.set(duplicate_key(key_span));
        return;
    }
    parent.push(key, key_span, node);
}

impl EventReceiver for Builder<'_> {
    fn std_table_open(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) {
        self.open_header(span);
    }
    fn std_table_close(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) {
        self.close_header(span, false);
    }
    fn array_table_open(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) {
        self.open_header(span);
    }
    fn array_table_close(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) {
        self.close_header(span, true);
    }
    fn inline_table_open(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) -> bool {
        let depth = self.value_depth();
        let keys = self.take_keys();
        if depth > MAX_DEPTH {
            self.refused
                .set(too_deep(Span::new(span.start(), span.end())));
        }
        let mut table = Table::new(span_of(span), depth);
        table.inline = true;
        self.frames.push(Frame::Inline {
            table,
            start: span.start(),
            keys,
        });
        true
    }
    fn inline_table_close(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) {
        if let Some(Frame::Inline {
            mut table,
            start,
            keys,
        }) = self.frames.pop()
        {
            table.span = Span::new(start, span.end());
            self.keys.clear();
            self.deliver(keys, Node::Leaf(table.into_raw()));
        }
    }
    fn array_open(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) -> bool {
        let depth = self.value_depth();
        let keys = self.take_keys();
        if depth > MAX_DEPTH {
            self.refused.set(too_deep(span_of(span)));
        }
        self.frames.push(Frame::Array {
            items: Vec::new(),
            start: span.start(),
            depth,
            keys,
        });
        true
    }
    fn array_close(&mut self, span: toml_parser::Span, _error: &mut dyn ErrorSink) {
        if let Some(Frame::Array {
            items, start, keys, ..
        }) = self.frames.pop()
        {
            let node = Node::Leaf(Raw {
                kind: RawKind::Array(items),
                span: Span::new(start, span.end()),
            });
            self.deliver(keys, node);
        }
    }
    fn simple_key(
        &mut self,
        span: toml_parser::Span,
        kind: Option<Encoding>,
        _error: &mut dyn ErrorSink,
    ) {
        let key = self.decode_key(span, kind);
        self.keys.push(key);
    }
    fn scalar(
        &mut self,
        span: toml_parser::Span,
        kind: Option<Encoding>,
        _error: &mut dyn ErrorSink,
    ) {
        let keys = self.take_keys();
        let node = self.scalar_node(span, kind);
        self.deliver(keys, node);
    }
}

/// A float literal as exact text: no `_`, no `+`; `inf` and `nan` refused.
fn float_text(literal: &str, range: Range<usize>) -> Result<String, SyntaxError> {
    let literal = literal.replace('_', "");
    let unsigned = literal.trim_start_matches(['+', '-']);
    if unsigned == "inf" || unsigned == "nan" {
        return Err(error("inf and nan are not numbers a case can use", range));
    }
    Ok(literal.strip_prefix('+').unwrap_or(&literal).to_string())
}

/// An integer literal as exact decimal text: no `_`, no `+`, hex/octal/binary converted.
fn integer_text(literal: &str, radix: u32, range: Range<usize>) -> Result<String, SyntaxError> {
    let digits = literal.replace('_', "");
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
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

fn datetime(d: &Datetime, written: &str, range: Range<usize>) -> Result<RawKind, SyntaxError> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => chrono::NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .map(RawKind::Date)
        .ok_or_else(|| error(format!("{date} is not a real date"), range)),
        _ => Ok(RawKind::DateTime(written.to_string())),
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
