//! From rule files as written to checked [`Rules`]: every mistake in every file is
//! collected and reported with its file, line and column, not only the first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::value::Datetime;

use super::surface::{self, S};
use super::{
    Clause, Document, Goal, Guard, Kind, Named, NotComputable, NotNormative, Note, Reading,
    Rounding, Rules,
};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::check::{Checker, Names};
use crate::expr::parse::{self, Ast, AstKind};
use crate::expr::{CmpOp, Expr, ExprKind, Param, ParamVersion, Value};
use crate::labels::{Label, Name};
use crate::schema::{Field, Record, Schema, Subject, WordSet, suggest};
use crate::source::Span;
use crate::units::{Type, Unit};

/// One rule file's name and text.
#[derive(Clone, Debug)]
pub struct RuleSource {
    pub name: String,
    pub text: String,
}

/// Loads a rulebook from rule files (one of them `subjects.toml`) and the seed texts that
/// their quotes must come from, as `(file name, text)`.
pub fn load(sources: &[RuleSource], seeds: &[(String, String)]) -> Result<Rules, Diagnostics> {
    let mut cx = Loader {
        diags: Vec::new(),
        seeds: seeds
            .iter()
            .map(|(n, t)| (n.clone(), strip_ws(t)))
            .collect(),
    };
    let schema = if let Some(src) = sources
        .iter()
        .find(|s| file_name(&s.name) == "subjects.toml")
    {
        let _index = crate::source::index_scope(&src.text);
        cx.schema(src)
    } else {
        cx.diags.push(Diagnostic::at(
            "rules::no_subjects",
            "rules/",
            "",
            Span::default(),
            "the rules have no subjects.toml declaring the subjects and their fields",
        ));
        None
    };
    let Some(schema) = schema else {
        return Err(Diagnostics(cx.diags));
    };
    let mut book = Rules {
        by_subject: vec![Vec::new(); schema.subjects.len()],
        schema,
        documents: Vec::new(),
        params: Vec::new(),
        clauses: Vec::new(),
        seeds: seeds.to_vec(),
    };
    let mut seen_docs: HashMap<String, String> = HashMap::new();
    let mut seen_clauses: HashMap<(String, u16), String> = HashMap::new();
    for src in sources {
        if file_name(&src.name) == "subjects.toml" {
            continue;
        }
        // One index of the file finds the lines and columns of all its diagnostics.
        let _index = crate::source::index_scope(&src.text);
        let file: surface::RuleFile = match toml::from_str(&src.text) {
            Ok(f) => f,
            Err(e) => {
                let span = e.span().map(Span::from).unwrap_or_default();
                let code = if e.message().contains("unknown field")
                    || e.message().contains("missing field")
                {
                    "rules::format"
                } else {
                    "rules::syntax"
                };
                cx.diags.push(Diagnostic::at(
                    code,
                    &src.name,
                    &src.text,
                    span,
                    e.message().trim().to_string(),
                ));
                continue;
            }
        };
        cx.document(src, &file, &mut book, &mut seen_docs, &mut seen_clauses);
    }
    if cx.diags.is_empty() {
        Ok(book)
    } else {
        // A definition used by several clauses reports its mistakes once.
        let mut seen = HashSet::new();
        cx.diags
            .retain(|d| seen.insert((d.file.clone(), d.line, d.column, d.message.clone())));
        Err(Diagnostics(cx.diags))
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The text without any white space: quotes are matched this way, since the seed's page
/// breaks and spacing are artefacts of its extraction.
pub fn strip_ws(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

struct Loader {
    diags: Vec<Diagnostic>,
    seeds: Vec<(String, String)>,
}

/// Where the text of a string value starts, after its opening quotes.
fn inner_offset(text: &str, span: Span) -> usize {
    let rest = text.get(span.start..).unwrap_or("");
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        let after = &rest[3..];
        let nl = if after.starts_with("\r\n") {
            2
        } else {
            usize::from(after.starts_with('\n'))
        };
        span.start + 3 + nl
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        span.start + 1
    } else {
        span.start
    }
}

/// The Latin words a Chinese label may hold, because the gazette itself writes them so:
/// `BIM` (建筑信息模型), in 装配式 building rules. Any other run of ASCII letters in a
/// Chinese label is an identifier or an English word leaking into a Chinese report.
pub const LATIN_IN_ZH: &[&str] = &["BIM"];

/// The first run of ASCII letters in `zh` that is not allowed in a Chinese label.
fn latin_word(zh: &str) -> Option<&str> {
    zh.split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty() && !LATIN_IN_ZH.contains(w))
}

fn sp<T>(s: &S<T>) -> Span {
    Span::from(s.span())
}

/// A definition as written, parsed once.
struct DefineSrc {
    name: String,
    /// Its name and label, as the expressions that use it keep them.
    label: Arc<Name>,
    ast: Option<Ast>,
    text: String,
    base: usize,
    /// On a cycle, or on a chain of definitions too long: reported once, and never checked
    /// where it is used.
    refused: bool,
    /// How deep its expression nests.
    depth: usize,
}

/// The definitions of one file, by name.
#[derive(Default)]
struct Defines {
    list: Vec<DefineSrc>,
    by_name: HashMap<String, usize>,
}

impl Defines {
    fn get(&self, name: &str) -> Option<&DefineSrc> {
        self.by_name.get(name).map(|&i| &self.list[i])
    }
}

/// Definitions may stand on a chain of at most this many, each using the next: deeper ones
/// are refused at load, before anything recurses through them.
pub const MAX_DEFINE_CHAIN: usize = 256;

/// The names an expression uses, its own and its arguments', without recursion.
fn idents(ast: &Ast) -> Vec<&str> {
    let mut out = Vec::new();
    let mut stack = vec![ast];
    while let Some(a) = stack.pop() {
        match &a.kind {
            AstKind::Ident(n) => out.push(n.as_str()),
            AstKind::List(items) | AstKind::Call(_, items) => stack.extend(items.iter()),
            AstKind::Not(x) | AstKind::Neg(x) => stack.push(x),
            AstKind::Bin(_, x, y) => {
                stack.push(x);
                stack.push(y);
            }
            AstKind::If(c, x, y) => {
                stack.push(c);
                stack.push(x);
                stack.push(y);
            }
            AstKind::Num { .. } | AstKind::Dur(_) | AstKind::Bool(_) | AstKind::Date(_) => {}
        }
    }
    out
}

/// Definitions, each inside the next, may nest at most this deep (the longest path through
/// them, from a clause's expression down to a fact): checking, compiling, evaluating and
/// explaining them recurse as deep, maybe on a worker thread's small stack of 2 MB. A
/// definition is shared by its uses, not written out at each, so how often one is used
/// costs nothing here and nothing in size.
pub const MAX_DEPTH: usize = 512;

/// How deep an expression as written nests, without recursion.
fn ast_depth(ast: &Ast) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(ast, 1)];
    while let Some((a, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        let d = depth + 1;
        match &a.kind {
            AstKind::List(items) | AstKind::Call(_, items) => {
                stack.extend(items.iter().map(|x| (x, d)));
            }
            AstKind::Not(x) | AstKind::Neg(x) => stack.push((x, d)),
            AstKind::Bin(_, x, y) => {
                stack.push((x, d));
                stack.push((y, d));
            }
            AstKind::If(c, x, y) => {
                stack.push((c, d));
                stack.push((x, d));
                stack.push((y, d));
            }
            AstKind::Num { .. }
            | AstKind::Dur(_)
            | AstKind::Bool(_)
            | AstKind::Date(_)
            | AstKind::Ident(_) => {}
        }
    }
    deepest
}

/// A checked definition or clause variable, shared by all its uses, with its depth.
type Checked = (Arc<Expr>, usize);

/// Each definition checked for a subject's record, shared by all its uses in the file;
/// `None` where it does not check.
type Shared = HashMap<(String, u16), Option<Checked>>;

struct ClauseNames<'a> {
    schema: &'a Schema,
    record: u16,
    params: &'a HashMap<String, (u32, Type)>,
    /// The parameters' values, by index.
    values: &'a [Param],
    defines: &'a Defines,
    /// How deep the definitions being checked, each inside the next, nest.
    nesting: usize,
    cache: &'a mut Shared,
    in_progress: Vec<String>,
    lets: Vec<(Arc<Name>, Option<Checked>)>,
    src: &'a RuleSource,
    diags: &'a mut Vec<Diagnostic>,
}

impl ClauseNames<'_> {
    fn too_deep(&mut self, def: &DefineSrc) {
        self.diags.push(
            Diagnostic::at(
                "rules::too_deep",
                &self.src.name,
                &self.src.text,
                Span::new(def.base, def.base + def.text.len()),
                format!(
                    "`{}` and the definitions around it nest more than {MAX_DEPTH} levels deep",
                    def.name
                ),
            )
            .field(format!("define.{}", def.name)),
        );
    }

    /// Checks the definitions `name` stands on, each after those it stands on, so that
    /// checking `name` then finds them all checked: the checker recurses one definition deep,
    /// never down a chain of them (a level of the checker takes 20 KB of a debug build's
    /// stack). Without recursion; a name that means something else here (a clause variable,
    /// a field, a parameter) is not followed.
    fn check_below(&mut self, name: &str) {
        let defines = self.defines;
        let record = &self.schema.records[self.record as usize];
        let follows = |this: &Self, n: &str| {
            defines.get(n).is_some_and(|d| !d.refused)
                && !this.cache.contains_key(&(n.to_string(), this.record))
                && !this.lets.iter().any(|(l, _)| &*l.name == n)
                && !record.by_name.contains_key(n)
                && n != "as_of"
                && !this.params.contains_key(n)
        };
        // Depth first, each definition put in `order` once all it uses are.
        let mut order: Vec<&str> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut stack: Vec<(&str, bool)> = vec![(name, false)];
        while let Some((n, done)) = stack.pop() {
            if done {
                order.push(n);
                continue;
            }
            if !seen.insert(n) {
                continue;
            }
            stack.push((n, true));
            if let Some(ast) = defines.get(n).and_then(|d| d.ast.as_ref()) {
                for u in idents(ast) {
                    if !seen.contains(u) && follows(self, u) {
                        stack.push((u, false));
                    }
                }
            }
        }
        // The last is `name` itself, left to the caller.
        order.pop();
        for n in order {
            // Whatever it uses is checked already.
            if let Some(def) = defines.get(n) {
                self.check_define(n, def);
            }
        }
    }

    /// Checks the definition `name` for this subject and keeps it, shared, with its depth.
    fn check_define(&mut self, name: &str, def: &DefineSrc) -> Option<Checked> {
        if self.in_progress.iter().any(|n| n == name) {
            self.diags.push(Diagnostic::at(
                "rules::cycle",
                &self.src.name,
                &self.src.text,
                Span::new(def.base, def.base + def.text.len()),
                format!("definition `{name}` refers to itself"),
            ));
            return None;
        }
        let ast = def.ast.clone()?;
        if self.nesting + def.depth > MAX_DEPTH {
            // Before recursing: the checker goes as deep as the definitions nest.
            self.too_deep(def);
            return None;
        }
        self.nesting += def.depth;
        self.in_progress.push(name.to_string());
        let (schema, record, text, base) = (self.schema, self.record, def.text.clone(), def.base);
        let (expr, errors) = {
            let mut checker = Checker::new(schema, record, self, &text);
            let e = checker.check(&ast, None);
            (e, std::mem::take(&mut checker.errors))
        };
        self.in_progress.pop();
        self.nesting -= def.depth;
        for e in errors {
            let d = Diagnostic::at(
                e.code,
                &self.src.name,
                &self.src.text,
                e.span.shift(base),
                e.message,
            )
            .field(format!("define.{name}"))
            .suggestion(e.suggestion.map(|s| format!("did you mean `{s}`?")));
            self.diags.push(d);
        }
        // Checked once for this subject, then shared by every use: measured once, too.
        let expr = expr.map(|e| {
            let depth = e.depth();
            (Arc::new(e), depth)
        });
        self.cache
            .insert((name.to_string(), self.record), expr.clone());
        expr
    }

    /// `e`, the checked body of `def` and its depth, where it is not too deep to use here.
    fn within_depth(
        &mut self,
        def: &DefineSrc,
        e: Option<Checked>,
    ) -> Option<(Arc<Name>, Arc<Expr>)> {
        let (e, depth) = e?;
        if depth + self.nesting > MAX_DEPTH {
            self.too_deep(def);
            return None;
        }
        Some((def.label.clone(), e))
    }
}

impl Names for ClauseNames<'_> {
    fn param(&self, name: &str) -> Option<(u32, Type)> {
        self.params.get(name).copied()
    }

    fn named(&mut self, name: &str) -> Option<Option<(Arc<Name>, Arc<Expr>)>> {
        if let Some((n, e)) = self.lets.iter().rev().find(|(n, _)| &*n.name == name) {
            return Some(e.as_ref().map(|(e, _)| (n.clone(), e.clone())));
        }
        let defines = self.defines;
        let def = defines.get(name)?;
        if def.refused {
            return Some(None);
        }
        let key = (name.to_string(), self.record);
        if let Some(e) = self.cache.get(&key) {
            return Some(self.within_depth(def, e.clone()));
        }
        if self.in_progress.is_empty() {
            self.check_below(name);
        }
        let expr = self.check_define(name, def);
        Some(self.within_depth(def, expr))
    }

    fn param_is_zero(&self, index: u32) -> bool {
        self.values.get(index as usize).is_some_and(|p| {
            p.versions
                .iter()
                .any(|v| matches!(v.value, Value::Num(z) if z.is_zero()))
        })
    }

    fn all_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.params.keys().cloned().collect();
        v.extend(self.defines.list.iter().map(|d| d.name.clone()));
        v.extend(self.lets.iter().map(|(n, _)| n.name.to_string()));
        v.push("as_of".into());
        v
    }
}

impl Loader {
    fn at(
        &mut self,
        code: &'static str,
        src: &RuleSource,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::at(code, &src.name, &src.text, span, message));
        self.diags.last_mut().expect("just pushed")
    }

    /// The label given for `what` (`parameter \`warranty_rate\``), checked: a missing one,
    /// or one with an empty name, is `rules::missing_label` at `at` (where the thing is
    /// named); a Chinese name with ASCII letters in it, or an English one that is not plain
    /// words, is `rules::label`.
    fn label(
        &mut self,
        src: &RuleSource,
        given: &surface::LabelOpt,
        at: Span,
        what: &str,
    ) -> Label {
        self.label_as("label", src, given, at, what)
    }

    /// [`Loader::label`] for a label given under another key (`amount_label`).
    fn label_as(
        &mut self,
        key: &str,
        src: &RuleSource,
        given: &surface::LabelOpt,
        at: Span,
        what: &str,
    ) -> Label {
        let Some(l) = given else {
            self.at(
                "rules::missing_label",
                src,
                at,
                format!("{what} has no `{key} = {{ zh = \"…\", en = \"…\" }}`"),
            );
            return Label::default();
        };
        self.label_value(src, l, what)
    }

    /// A label that is given, checked as [`Loader::label`] checks it.
    fn label_value(&mut self, src: &RuleSource, l: &S<surface::LabelDecl>, what: &str) -> Label {
        let (zh, en) = (l.get_ref().zh.trim(), l.get_ref().en.trim());
        for (name, text) in [("zh", zh), ("en", en)] {
            if text.is_empty() {
                self.at(
                    "rules::missing_label",
                    src,
                    sp(l),
                    format!("the label of {what} has an empty `{name}`"),
                )
                .expected = Some("label = { zh = \"…\", en = \"…\" }".into());
            }
        }
        if let Some(word) = latin_word(zh) {
            self.at(
                "rules::label",
                src,
                sp(l),
                format!(
                    "the Chinese label of {what} has Latin letters in it (`{word}`): a Chinese report must not show an identifier or an English word"
                ),
            )
            .expected = Some(format!(
                "Chinese words only; of Latin letters only {}",
                LATIN_IN_ZH.join(", ")
            ));
        }
        if en.contains('_') {
            self.at(
                "rules::label",
                src,
                sp(l),
                format!("the English label of {what} has an underscore: it reads like an identifier, not plain words"),
            );
        } else if let Some(word) = en
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|w| w.chars().any(char::is_uppercase) && !LATIN_IN_ZH.contains(w))
        {
            self.at(
                "rules::label",
                src,
                sp(l),
                format!("the English label of {what} has a capital letter (`{word}`): labels are plain lowercase words"),
            );
        }
        Label::new(zh, en)
    }

    fn date(&mut self, src: &RuleSource, d: &S<Datetime>, what: &str) -> Option<NaiveDate> {
        let v = d.get_ref();
        let date = match (v.date, v.time, v.offset) {
            (Some(date), None, None) => NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            ),
            _ => None,
        };
        if date.is_none() {
            self.at(
                "rules::format",
                src,
                sp(d),
                format!("`{what}` must be a plain date such as 2022-06-19"),
            );
        }
        date
    }

    fn schema(&mut self, src: &RuleSource) -> Option<Schema> {
        let file: surface::SubjectsFile = match toml::from_str(&src.text) {
            Ok(f) => f,
            Err(e) => {
                let span = e.span().map(Span::from).unwrap_or_default();
                self.at("rules::syntax", src, span, e.message().trim().to_string());
                return None;
            }
        };
        let before = self.diags.len();
        let mut schema = Schema::default();
        for s in &file.subject {
            if schema.subjects.iter().any(|x| x.name == *s.name.get_ref()) {
                self.at(
                    "rules::duplicate_id",
                    src,
                    sp(&s.name),
                    format!("subject `{}` is declared twice", s.name.get_ref()),
                );
                continue;
            }
            let label = self.label(
                src,
                &s.label,
                sp(&s.name),
                &format!("subject `{}`", s.name.get_ref()),
            );
            let record = self.record(src, &mut schema, s.name.get_ref().clone(), &s.fields);
            schema.subjects.push(Subject {
                name: s.name.get_ref().clone(),
                title: s.title.clone(),
                label,
                record,
            });
        }
        (self.diags.len() == before).then_some(schema)
    }

    fn record(
        &mut self,
        src: &RuleSource,
        schema: &mut Schema,
        path: String,
        decls: &[surface::FieldDecl],
    ) -> u16 {
        // Records (subjects and lists) and word sets are numbered in 16 bits: one more is a
        // load error, reported once, never a number that wraps round to another's.
        let index = u16::try_from(schema.records.len()).unwrap_or_else(|_| {
            if schema.records.len() == usize::from(u16::MAX) + 1 {
                self.at(
                    "rules::too_large",
                    src,
                    Span::default(),
                    format!(
                        "more than {} subjects and lists: `{path}` is one too many",
                        usize::from(u16::MAX) + 1
                    ),
                );
            }
            0
        });
        schema.records.push(Record {
            path: path.clone(),
            ..Record::default()
        });
        if decls.len() > 64 {
            self.at(
                "rules::format",
                src,
                Span::default(),
                format!("`{path}` declares more than 64 fields"),
            );
        }
        let mut fields = Vec::new();
        for f in decls {
            let name = f.name.get_ref().clone();
            let what = format!("field `{path}.{name}`");
            let mut words = |this: &mut Self| -> u16 {
                let labels = this.word_labels(src, f, &what);
                if f.words.is_empty() || f.words.len() > 64 {
                    this.at(
                        "rules::format",
                        src,
                        sp(&f.ty),
                        "a word field lists between 1 and 64 words in `words`",
                    );
                }
                let index = u16::try_from(schema.word_sets.len()).unwrap_or_else(|_| {
                    if schema.word_sets.len() == usize::from(u16::MAX) + 1 {
                        this.at(
                            "rules::too_large",
                            src,
                            sp(&f.ty),
                            format!("more than {} fields of words", usize::from(u16::MAX) + 1),
                        );
                    }
                    0
                });
                schema.word_sets.push(WordSet {
                    owner: name.clone(),
                    words: f.words.clone(),
                    labels,
                });
                index
            };
            let (ty, label, integer) = match f.ty.get_ref().as_str() {
                "bool" => (Type::Bool, "bool".to_string(), false),
                "int" => (Type::Num(Unit::ONE), "int".to_string(), true),
                "date" => (Type::Date, "date".to_string(), false),
                "CNY" => (Type::Num(Unit::CNY), "CNY".to_string(), false),
                "m2" => (Type::Num(Unit::M2), "m2".to_string(), false),
                "ratio" => (Type::Num(Unit::ONE), "ratio".to_string(), false),
                "word" => (Type::Word(words(self)), f.words.join(" | "), false),
                "words" => (
                    Type::Words(words(self)),
                    format!("list of {}", f.words.join(" | ")),
                    false,
                ),
                "list" if index != 0 && schema.records[index as usize].path.contains('.') => {
                    // An item's fields are read in one pass over the item: no list in a list.
                    self.at(
                        "rules::format",
                        src,
                        sp(&f.ty),
                        format!("`{path}.{name}`: a list's items cannot hold a list"),
                    )
                    .expected = Some("bool, int, date, CNY, m2, ratio, word or words".into());
                    continue;
                }
                "list" => {
                    let rec = self.record(src, schema, format!("{path}.{name}"), &f.items);
                    (Type::List(rec), "list".to_string(), false)
                }
                other => {
                    let s = suggest(
                        other,
                        [
                            "bool", "int", "date", "CNY", "m2", "ratio", "word", "words", "list",
                        ],
                    );
                    self.at(
                        "rules::format",
                        src,
                        sp(&f.ty),
                        format!("unknown field type `{other}`"),
                    )
                    .expected = Some("bool, int, date, CNY, m2, ratio, word, words or list".into());
                    if let Some(s) = s {
                        self.diags.last_mut().expect("pushed").suggestion =
                            Some(format!("did you mean `{s}`?"));
                    }
                    continue;
                }
            };
            let mut bound = |b: &Option<S<String>>| -> Option<Decimal> {
                let b = b.as_ref()?;
                if let Ok(d) = Decimal::from_str_exact(b.get_ref()) {
                    Some(d)
                } else {
                    self.at(
                        "rules::format",
                        src,
                        sp(b),
                        "a bound is a decimal number written as a string",
                    );
                    None
                }
            };
            let (min, max) = (bound(&f.min), bound(&f.max));
            if let (Some(lo), Some(hi), Some(at)) = (min, max, f.max.as_ref())
                && lo > hi
            {
                self.at(
                    "rules::format",
                    src,
                    sp(at),
                    format!("`{path}.{name}`: max {hi} is below min {lo}: no value would do"),
                );
            }
            let field_label = self.label(src, &f.label, sp(&f.name), &what);
            let (yes, no) = self.yes_no(src, f, ty == Type::Bool, &what);
            let measure = match &f.measure {
                Some(m) if integer => {
                    Some(self.label_value(src, m, &format!("the measure of {what}")))
                }
                Some(m) => {
                    self.at(
                        "rules::label",
                        src,
                        sp(m),
                        format!("{what} is not an `int` field: `measure` is the measure word of a count (`套` / `units`)"),
                    );
                    None
                }
                None => None,
            };
            if let Some(w) = &f.word_labels
                && !matches!(ty, Type::Word(_) | Type::Words(_))
            {
                self.at(
                    "rules::label",
                    src,
                    sp(w),
                    format!("{what} is not a `word` or `words` field: it has no words to label"),
                );
            }
            if fields.iter().any(|x: &Field| x.name == name) {
                self.at(
                    "rules::duplicate_id",
                    src,
                    sp(&f.name),
                    format!("`{path}` declares the field `{name}` twice"),
                );
                continue;
            }
            fields.push(Field {
                name,
                ty,
                unit_label: label,
                integer,
                min,
                max,
                doc: f.doc.clone(),
                label: field_label,
                yes,
                no,
                measure,
            });
        }
        let rec = &mut schema.records[index as usize];
        for (i, f) in fields.iter().enumerate() {
            rec.by_name.insert(f.name.clone(), i as u16);
        }
        rec.fields = fields;
        index
    }

    /// The labels of each word of a word field, in the order of its words: one for each,
    /// none for anything else.
    fn word_labels(&mut self, src: &RuleSource, f: &surface::FieldDecl, what: &str) -> Vec<Label> {
        let Some(map) = &f.word_labels else {
            self.at(
                "rules::missing_label",
                src,
                sp(&f.name),
                format!(
                    "{what} has no `word_labels = {{ {} = {{ zh = \"…\", en = \"…\" }}, … }}`",
                    f.words.first().map_or("word", String::as_str)
                ),
            );
            return vec![Label::default(); f.words.len()];
        };
        let mut out = Vec::with_capacity(f.words.len());
        for w in &f.words {
            if let Some(l) = map.get_ref().get(w) {
                out.push(self.label_value(src, l, &format!("word `{w}` of {what}")))
            } else {
                self.at(
                    "rules::missing_label",
                    src,
                    sp(map),
                    format!("{what} has no label for its word `{w}` in `word_labels`"),
                )
                .expected = Some(format!("{w} = {{ zh = \"…\", en = \"…\" }}"));
                out.push(Label::default());
            }
        }
        for (k, l) in map.get_ref() {
            if !f.words.contains(k) {
                let s = suggest(k, f.words.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"));
                self.at(
                    "rules::label",
                    src,
                    sp(l),
                    format!("`word_labels` of {what} labels `{k}`, which is not one of its words"),
                )
                .suggestion = s;
            }
        }
        out
    }

    /// A field's `yes` and `no`: both or neither, and on a `bool` field only.
    fn yes_no(
        &mut self,
        src: &RuleSource,
        f: &surface::FieldDecl,
        is_bool: bool,
        what: &str,
    ) -> (Option<Label>, Option<Label>) {
        match (&f.yes, &f.no) {
            (None, None) => (None, None),
            (Some(y), _) | (_, Some(y)) if !is_bool => {
                self.at(
                    "rules::label",
                    src,
                    sp(y),
                    format!("{what} is not a `bool` field: `yes` and `no` are what a report says of a condition"),
                );
                (None, None)
            }
            (Some(y), Some(n)) => (
                Some(self.label_value(src, y, &format!("`yes` of {what}"))),
                Some(self.label_value(src, n, &format!("`no` of {what}"))),
            ),
            (Some(one), None) | (None, Some(one)) => {
                let (given, missing) = if f.yes.is_some() {
                    ("yes", "no")
                } else {
                    ("no", "yes")
                };
                self.at(
                    "rules::label",
                    src,
                    sp(one),
                    format!("{what} gives `{given}` without `{missing}`: give both or neither"),
                );
                (None, None)
            }
        }
    }

    fn check_quote(&mut self, src: &RuleSource, seed: &str, quote: &S<String>) {
        let q = strip_ws(quote.get_ref());
        let Some((_, text)) = self.seeds.iter().find(|(n, _)| n == seed) else {
            return;
        };
        if q.is_empty() {
            self.at("rules::quote", src, sp(quote), "a quote cannot be empty");
            return;
        }
        // memchr's search, not `str::contains`: the quotes of every clause and every
        // not-normative passage are looked for in the whole seed at each load, and this was a
        // third of the built-in rulebook's load time (perf).
        let holds = |part: &str| memchr::memmem::find(text.as_bytes(), part.as_bytes()).is_some();
        if holds(&q) {
            return;
        }
        // The longest opening of the quote that the seed does hold shows where it goes wrong.
        let chars: Vec<char> = q.chars().collect();
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let prefix: String = chars[..mid].iter().collect();
            if holds(&prefix) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let matched: String = chars[..lo].iter().collect();
        let next: String = chars[lo..].iter().take(12).collect();
        let hint = if lo == 0 {
            "no part of it is in the seed".to_string()
        } else {
            format!("the seed has `{matched}` but not what follows: `{next}`")
        };
        self.at(
            "rules::quote",
            src,
            sp(quote),
            format!("quote not found in seed `{seed}`"),
        )
        .suggestion = Some(hint);
    }

    fn document(
        &mut self,
        src: &RuleSource,
        file: &surface::RuleFile,
        book: &mut Rules,
        seen_docs: &mut HashMap<String, String>,
        seen_clauses: &mut HashMap<(String, u16), String>,
    ) {
        let d = &file.document;
        let id = d.id.get_ref().clone();
        if let Some(prev) = seen_docs.insert(id.clone(), src.name.clone()) {
            self.at(
                "rules::duplicate_id",
                src,
                sp(&d.id),
                format!("document `{id}` is also defined in {prev}"),
            );
            return;
        }
        let seed = d.source.get_ref().clone();
        if !self.seeds.iter().any(|(n, _)| *n == seed) {
            let names: Vec<String> = self.seeds.iter().map(|(n, _)| n.clone()).collect();
            let s = suggest(&seed, names.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"));
            self.at(
                "rules::quote",
                src,
                sp(&d.source),
                format!("no seed `{seed}` under seeds/"),
            )
            .suggestion = s;
        }
        let issued = self.date(src, &d.issued, "issued");
        let from = self.date(src, &d.in_force.from, "in_force.from");
        let until = d
            .in_force
            .until
            .as_ref()
            .and_then(|u| self.date(src, u, "in_force.until"));
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            let span = sp(d.in_force.until.as_ref().expect("until given"));
            self.at(
                "rules::dates",
                src,
                span,
                "the document's `until` comes before its `from`",
            );
        }
        for q in d.quotes.iter().chain(&d.in_force.quote) {
            self.check_quote(src, &seed, q);
        }
        let doc_index = book.documents.len();
        let mut not_computable = Vec::new();
        for n in &file.not_computable {
            self.check_quote(src, &seed, &n.quote);
            not_computable.push(NotComputable {
                section: n.section.clone(),
                quote: n.quote.get_ref().clone(),
                reason: n.reason.clone(),
            });
        }
        if let Some(t) = &d.text {
            self.check_quote(src, &seed, &t.from);
            self.check_quote(src, &seed, &t.until);
        }
        if let Some(t) = &d.text
            && let Some((_, text)) = self.seeds.iter().find(|(n, _)| *n == seed)
        {
            let q = strip_ws(t.from.get_ref());
            if !q.is_empty() && text.matches(q.as_str()).count() > 1 {
                self.at(
                    "rules::quote",
                    src,
                    sp(&t.from),
                    "`text_from` stands more than once in the seed: quote more, so that it marks one place",
                );
            }
        }
        let mut not_normative = Vec::new();
        for n in &file.not_normative {
            for q in n
                .quotes
                .iter()
                .chain(&n.from)
                .chain(&n.to)
                .chain(&n.starts_with)
            {
                self.check_quote(src, &seed, q);
            }
            not_normative.push(NotNormative {
                section: n.section.clone(),
                reason: n.reason.clone(),
                quotes: n.quotes.iter().map(|q| q.get_ref().clone()).collect(),
                from: n.from.as_ref().map(|q| q.get_ref().clone()),
                to: n.to.as_ref().map(|q| q.get_ref().clone()),
                starts_with: n.starts_with.iter().map(|q| q.get_ref().clone()).collect(),
                headings: n.headings,
            });
        }
        book.documents.push(Document {
            id: id.clone(),
            number: d.number.clone(),
            title: d.title.clone(),
            short_title: d.short_title.clone(),
            issued: issued.unwrap_or_default(),
            from: from.unwrap_or_default(),
            until,
            in_force_reading: d.in_force.reading.clone(),
            computable: d.computable,
            note: d.note.clone(),
            file: src.name.clone(),
            not_computable,
            source: seed.clone(),
            text_from: d.text.as_ref().map(|t| t.from.get_ref().clone()),
            text_until: d.text.as_ref().map(|t| t.until.get_ref().clone()),
            quotes: d.quotes.iter().map(|q| q.get_ref().clone()).collect(),
            in_force_quote: d.in_force.quote.as_ref().map(|q| q.get_ref().clone()),
            param_quotes: file
                .params
                .iter()
                .filter_map(|p| {
                    Some((
                        p.name.get_ref().clone(),
                        p.quote.as_ref()?.get_ref().clone(),
                    ))
                })
                .collect(),
            not_normative,
        });

        // Parameters: dated versions that must not overlap and must share one type.
        let mut params: HashMap<String, (u32, Type)> = HashMap::new();
        for p in &file.params {
            let name = p.name.get_ref().clone();
            if params.contains_key(&name) {
                self.at(
                    "rules::duplicate_id",
                    src,
                    sp(&p.name),
                    format!("parameter `{name}` is declared twice"),
                );
                continue;
            }
            if let Some(q) = &p.quote {
                self.check_quote(src, &seed, q);
            }
            let label = self.label(src, &p.label, sp(&p.name), &format!("parameter `{name}`"));
            let mut versions: Vec<(ParamVersion, Span)> = Vec::new();
            let mut ty: Option<Type> = None;
            for v in &p.versions {
                let (Some(vfrom), until) = (
                    self.date(src, &v.from, "from"),
                    v.until.as_ref().and_then(|u| self.date(src, u, "until")),
                ) else {
                    continue;
                };
                let Some((value, vty)) = self.constant(src, &v.value) else {
                    continue;
                };
                match ty {
                    None => ty = Some(vty),
                    Some(t) if t != vty => {
                        self.at(
                            "rules::unit_mismatch",
                            src,
                            sp(&v.value),
                            format!(
                                "this version's type differs from the first version of `{name}`"
                            ),
                        )
                        .expected = Some(book.schema.describe(t));
                        continue;
                    }
                    _ => {}
                }
                versions.push((
                    ParamVersion {
                        from: vfrom,
                        until,
                        value,
                    },
                    sp(&v.from),
                ));
            }
            versions.sort_by_key(|(v, _)| v.from);
            // A version without `until` runs until the next one starts.
            for i in 0..versions.len() {
                let next_from = versions.get(i + 1).map(|(v, _)| v.from);
                let (v, span) = &versions[i];
                if let Some(u) = v.until
                    && u < v.from
                {
                    let span = *span;
                    self.at(
                        "rules::dates",
                        src,
                        span,
                        format!("a version of `{name}` ends before it starts"),
                    );
                }
                if let Some(nf) = next_from {
                    let overlaps = nf == v.from || v.until.is_some_and(|u| u >= nf);
                    if overlaps {
                        let span = versions[i + 1].1;
                        self.at(
                            "rules::overlapping_dates",
                            src,
                            span,
                            format!("versions of `{name}` overlap: this one starts on {nf}, while an earlier one is still in force"),
                        );
                    }
                }
            }
            let mut versions: Vec<ParamVersion> = versions.into_iter().map(|(v, _)| v).collect();
            for i in 0..versions.len().saturating_sub(1) {
                if versions[i].until.is_none() {
                    versions[i].until = versions[i + 1].from.pred_opt();
                }
            }
            let Some(ty) = ty else {
                if p.versions.is_empty() {
                    self.at(
                        "rules::format",
                        src,
                        sp(&p.name),
                        format!("parameter `{name}` has no versions"),
                    );
                }
                continue;
            };
            let index = book.params.len() as u32;
            book.params.push(Param {
                name: Arc::from(name.as_str()),
                ty,
                versions,
                label,
            });
            params.insert(name, (index, ty));
        }

        // Definitions: parsed now, checked for each subject that uses them.
        let mut defines = Defines::default();
        for def in &file.defines {
            let name = def.name.get_ref().clone();
            if defines.by_name.contains_key(&name) || params.contains_key(&name) {
                self.at(
                    "rules::duplicate_id",
                    src,
                    sp(&def.name),
                    format!("`{name}` is already defined"),
                );
                continue;
            }
            let label = self.label(
                src,
                &def.label,
                sp(&def.name),
                &format!("definition `{name}`"),
            );
            let base = inner_offset(&src.text, sp(&def.expr));
            let ast = self.parse(src, &def.expr);
            defines.by_name.insert(name.clone(), defines.list.len());
            let depth = ast.as_ref().map_or(0, ast_depth);
            defines.list.push(DefineSrc {
                label: Arc::new(Name {
                    name: Arc::from(name.as_str()),
                    label,
                }),
                name,
                ast,
                text: def.expr.get_ref().clone(),
                base,
                refused: false,
                depth,
            });
        }
        self.define_graph(src, &book.schema, &params, &mut defines);
        let mut cache = HashMap::new();
        for c in &file.clauses {
            // Duplicates are found from the ids as written, whether or not the clause checks.
            if let Some((subject, _)) = book.schema.subject(c.subject.get_ref()) {
                let key = (c.id.get_ref().clone(), subject);
                if let Some(prev) = seen_clauses.insert(key, src.name.clone()) {
                    self.at(
                        "rules::duplicate_id",
                        src,
                        sp(&c.id),
                        format!(
                            "clause `{}` for `{}` is also defined in {prev}",
                            c.id.get_ref(),
                            c.subject.get_ref()
                        ),
                    );
                }
            }
            if let Some(clause) = self.clause(
                src, c, doc_index, &seed, book, &params, &defines, &mut cache,
            ) {
                book.by_subject[clause.subject as usize].push(book.clauses.len());
                book.clauses.push(clause);
            }
        }
    }

    /// Finds, without recursion, each definition on a cycle (used or not) and each on a
    /// chain of more than [`MAX_DEFINE_CHAIN`] definitions, reports them, and marks them
    /// refused so that nothing recurses through them.
    fn define_graph(
        &mut self,
        src: &RuleSource,
        schema: &Schema,
        params: &HashMap<String, (u32, Type)>,
        defines: &mut Defines,
    ) {
        // A name that is a field somewhere or a parameter is read as that, not a definition.
        let shadowed = |n: &str| {
            params.contains_key(n)
                || n == "as_of"
                || schema.records.iter().any(|r| r.by_name.contains_key(n))
        };
        let uses: Vec<Vec<usize>> = defines
            .list
            .iter()
            .map(|d| {
                let mut u: Vec<usize> = d
                    .ast
                    .as_ref()
                    .map(idents)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|n| !shadowed(n))
                    .filter_map(|n| defines.by_name.get(n).copied())
                    .collect();
                u.sort_unstable();
                u.dedup();
                u
            })
            .collect();
        // Depth-first, with a stack: 0 unseen, 1 on the path, 2 done. `height` is the
        // longest chain of definitions from each one down, itself included.
        let n = defines.list.len();
        let (mut state, mut height) = (vec![0u8; n], vec![0usize; n]);
        let mut refused = vec![false; n];
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            state[root] = 1;
            while let Some(&mut (d, ref mut next)) = path.last_mut() {
                if let Some(&u) = uses[d].get(*next) {
                    *next += 1;
                    match state[u] {
                        0 => {
                            state[u] = 1;
                            path.push((u, 0));
                        }
                        1 => {
                            // A cycle: from `u` on the path back to `d`.
                            let from = path.iter().position(|&(x, _)| x == u).unwrap_or(0);
                            let names: Vec<&str> = path[from..]
                                .iter()
                                .map(|&(x, _)| defines.list[x].name.as_str())
                                .collect();
                            for &(x, _) in &path[from..] {
                                refused[x] = true;
                            }
                            let def = &defines.list[u];
                            self.at(
                                "rules::cycle",
                                src,
                                Span::new(def.base, def.base + def.text.len()),
                                format!(
                                    "definition `{}` refers to itself: {} → {}",
                                    def.name,
                                    names.join(" → "),
                                    def.name
                                ),
                            )
                            .field = Some(format!("define.{}", def.name));
                        }
                        _ => {}
                    }
                    continue;
                }
                path.pop();
                state[d] = 2;
                let below = uses[d].iter().map(|&u| height[u]).max().unwrap_or(0);
                height[d] = below + 1;
                if uses[d].iter().any(|&u| refused[u]) {
                    refused[d] = true;
                } else if height[d] > MAX_DEFINE_CHAIN {
                    refused[d] = true;
                    let def = &defines.list[d];
                    self.at(
                        "rules::too_deep",
                        src,
                        Span::new(def.base, def.base + def.text.len()),
                        format!(
                            "definition `{}` stands on a chain of {} definitions, each using the next: at most {MAX_DEFINE_CHAIN}",
                            def.name, height[d]
                        ),
                    )
                    .field = Some(format!("define.{}", def.name));
                }
            }
        }
        for (d, r) in defines.list.iter_mut().zip(refused) {
            d.refused = r;
        }
    }

    fn parse(&mut self, src: &RuleSource, s: &S<String>) -> Option<Ast> {
        let base = inner_offset(&src.text, sp(s));
        match parse::parse(s.get_ref()) {
            Ok(ast) => Some(ast),
            Err(e) => {
                self.at("rules::syntax", src, e.span.shift(base), e.message);
                None
            }
        }
    }

    /// A parameter value: a literal, possibly negated.
    fn constant(&mut self, src: &RuleSource, s: &S<String>) -> Option<(Value, Type)> {
        let ast = self.parse(src, s)?;
        let (neg, inner) = match &ast.kind {
            AstKind::Neg(inner) => (true, inner.as_ref()),
            _ => (false, &ast),
        };
        let r = match (&inner.kind, neg) {
            (AstKind::Num { value, unit, .. }, _) => Some((
                Value::Num(if neg { -*value } else { *value }),
                Type::Num(*unit),
            )),
            (AstKind::Bool(b), false) => Some((Value::Bool(*b), Type::Bool)),
            (AstKind::Date(d), false) => Some((Value::Date(*d), Type::Date)),
            (AstKind::Dur(d), false) => Some((Value::Dur(*d), Type::Duration)),
            _ => None,
        };
        if r.is_none() {
            self.at(
                "rules::format",
                src,
                sp(s),
                "a parameter value is a single literal: `2%`, `200 CNY/m2`, `2021-01-27`, `true`",
            );
        }
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn clause(
        &mut self,
        src: &RuleSource,
        c: &surface::ClauseDecl,
        doc_index: usize,
        seed: &str,
        book: &Rules,
        params: &HashMap<String, (u32, Type)>,
        defines: &Defines,
        cache: &mut Shared,
    ) -> Option<Clause> {
        let before = self.diags.len();
        self.check_quote(src, seed, &c.quote);
        for q in &c.quotes {
            self.check_quote(src, seed, q);
        }
        let kind = match c.kind.get_ref().as_str() {
            "requirement" => Some(Kind::Requirement),
            "entitlement" => Some(Kind::Entitlement),
            "computed" => Some(Kind::Computed),
            "target" => Some(Kind::Target),
            other => {
                let s = suggest(other, ["requirement", "entitlement", "computed", "target"])
                    .map(|s| format!("did you mean `{s}`?"));
                self.at(
                    "rules::format",
                    src,
                    sp(&c.kind),
                    format!("unknown clause kind `{other}`"),
                )
                .suggestion = s;
                None
            }
        };
        let subject_name = c.subject.get_ref();
        let Some((subject, _)) = book.schema.subject(subject_name) else {
            let names: Vec<&str> = book
                .schema
                .subjects
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            let s = suggest(subject_name, names.iter().copied())
                .map(|s| format!("did you mean `{s}`?"));
            self.at(
                "rules::unknown_subject",
                src,
                sp(&c.subject),
                format!("unknown subject `{subject_name}`"),
            )
            .suggestion = s;
            return None;
        };
        let record = book.schema.subjects[subject as usize].record;
        let mut names = ClauseNames {
            schema: &book.schema,
            record,
            params,
            values: &book.params,
            defines,
            nesting: 0,
            cache,
            in_progress: Vec::new(),
            lets: Vec::new(),
            src,
            diags: &mut Vec::new(),
        };
        let mut pending = Vec::new();
        let mut logic = Vec::new();
        let mut compile = |this: &mut Self,
                           names: &mut ClauseNames,
                           s: &S<String>,
                           label: &str,
                           want: Option<Type>,
                           item: Option<u16>|
         -> Option<Expr> {
            logic.push((label.to_string(), s.get_ref().clone()));
            let ast = this.parse(src, s)?;
            let base = inner_offset(&src.text, sp(s));
            let (expr, errors) = {
                let mut checker = Checker::new(&book.schema, record, names, s.get_ref());
                if let Some(list) = item {
                    checker.enter_list(list);
                }
                let e = checker.check_as(&ast, want);
                (e, std::mem::take(&mut checker.errors))
            };
            for e in errors {
                let d = Diagnostic::at(e.code, &src.name, &src.text, e.span.shift(base), e.message)
                    .field(format!("clause.{}.{label}", c.id.get_ref()))
                    .suggestion(e.suggestion.map(|s| {
                        if s.contains(' ') {
                            s
                        } else {
                            format!("did you mean `{s}`?")
                        }
                    }));
                this.diags.push(d);
            }
            // Each definition it uses is within the bound; with the clause's own nesting
            // above them, the whole may not be.
            if let Some(e) = &expr
                && e.depth() > MAX_DEPTH
            {
                let d = Diagnostic::at(
                    "rules::too_deep",
                    &src.name,
                    &src.text,
                    sp(s),
                    format!(
                        "`{label}` and the definitions it uses nest more than {MAX_DEPTH} levels deep"
                    ),
                )
                .field(format!("clause.{}.{label}", c.id.get_ref()));
                this.diags.push(d);
                return None;
            }
            expr
        };
        let round = |this: &mut Self, r: &Option<S<String>>, default: Rounding| -> Rounding {
            match r {
                None => default,
                Some(r) => Rounding::parse(r.get_ref()).unwrap_or_else(|| {
                    this.at(
                        "rules::format",
                        src,
                        sp(r),
                        format!("unknown rounding `{}`", r.get_ref()),
                    )
                    .expected = Some("half_away_from_zero, down or none".into());
                    default
                }),
            }
        };
        let unit_label = |ty: Type, given: &Option<String>| -> String {
            given.clone().unwrap_or_else(|| match ty {
                Type::Num(u) => u.to_string(),
                Type::Date => "date".into(),
                Type::Bool => "bool".into(),
                _ => String::new(),
            })
        };

        let id = c.id.get_ref();
        let mut lets = Vec::new();
        for l in &c.lets {
            let label = self.label(
                src,
                &l.label,
                sp(&l.name),
                &format!("variable `{}` of clause `{id}`", l.name.get_ref()),
            );
            let e = compile(self, &mut names, &l.expr, l.name.get_ref(), None, None);
            let name = Arc::new(Name {
                name: Arc::from(l.name.get_ref().as_str()),
                label: label.clone(),
            });
            names.lets.push((
                name,
                e.clone().map(|e| {
                    let depth = e.depth();
                    (Arc::new(e), depth)
                }),
            ));
            if let Some(e) = e {
                lets.push(Named {
                    name: l.name.get_ref().clone(),
                    label,
                    unit: unit_label(e.ty, &None).into(),
                    expr: e,
                    round: round(self, &l.round, Rounding::None),
                    each: None,
                    report: l.report,
                });
            }
        }
        let mut guards = Vec::new();
        for g in &c.guards {
            if let Some(e) = compile(self, &mut names, &g.expr, "guard", Some(Type::Bool), None) {
                guards.push(Guard {
                    expr: e,
                    message: g.message.clone(),
                });
            }
        }
        let in_force = c
            .in_force
            .as_ref()
            .and_then(|w| compile(self, &mut names, w, "in_force", Some(Type::Bool), None));
        let when = c
            .when
            .as_ref()
            .and_then(|w| compile(self, &mut names, w, "when", Some(Type::Bool), None));
        let test_src = match kind {
            Some(Kind::Entitlement) => c.eligible.as_ref().map(|e| (e, "eligible")),
            Some(Kind::Requirement) => c.require.as_ref().map(|e| (e, "require")),
            _ => None,
        };
        let test = test_src
            .and_then(|(s, label)| compile(self, &mut names, s, label, Some(Type::Bool), None));
        let amount_label = match (&c.amount, &c.amount_label) {
            (Some(a), l) => Some(self.label_as(
                "amount_label",
                src,
                l,
                sp(a),
                &format!("the amount of clause `{id}`"),
            )),
            (None, Some(l)) => {
                self.at(
                    "rules::label",
                    src,
                    sp(l),
                    format!("clause `{id}` has no `amount` for its `amount_label` to name"),
                );
                None
            }
            (None, None) => None,
        };
        let amount = c.amount.as_ref().and_then(|a| {
            let e = compile(self, &mut names, a, "amount", None, None)?;
            if !e.ty.is_num() {
                self.at("rules::type_mismatch", src, sp(a), "an amount is a number");
                return None;
            }
            if c.round.is_none() {
                self.at(
                    "rules::format",
                    src,
                    sp(a),
                    "an amount declares its rounding in `round`",
                )
                .expected = Some(
                    "round = \"half_away_from_zero\" (amounts paid) or \"down\" (caps)".into(),
                );
            }
            Some(Named {
                name: "amount".into(),
                label: amount_label.unwrap_or_default(),
                unit: unit_label(e.ty, &None).into(),
                expr: e,
                round: round(self, &c.round, Rounding::None),
                each: None,
                report: true,
            })
        });
        let mut values = Vec::new();
        for v in &c.values {
            let label = self.label(
                src,
                &v.label,
                sp(&v.name),
                &format!("value `{}` of clause `{id}`", v.name.get_ref()),
            );
            let each = match &v.each {
                None => None,
                Some(list) => {
                    let rec = &book.schema.records[record as usize];
                    match rec.by_name.get(list.get_ref()) {
                        Some(&i) if matches!(rec.fields[i as usize].ty, Type::List(_)) => Some(i),
                        _ => {
                            self.at(
                                "rules::unknown_name",
                                src,
                                sp(list),
                                format!(
                                    "`{}` is not a list field of `{}`",
                                    list.get_ref(),
                                    rec.path
                                ),
                            );
                            continue;
                        }
                    }
                }
            };
            if let Some(e) = compile(self, &mut names, &v.expr, v.name.get_ref(), None, each) {
                values.push(Named {
                    name: v.name.get_ref().clone(),
                    label,
                    unit: unit_label(e.ty, &v.unit).into(),
                    expr: e,
                    round: round(self, &v.round, Rounding::None),
                    each,
                    report: true,
                });
            }
        }
        let mut notes = Vec::new();
        for n in &c.notes {
            let what = format!("a note of clause `{}`", c.id.get_ref());
            let label = self.label(src, &n.label, sp(&n.when), &what);
            if let Some(e) = compile(self, &mut names, &n.when, "note", Some(Type::Bool), None) {
                notes.push(Note {
                    when: e,
                    text: n.text.clone(),
                    label,
                });
            }
        }
        let deadline = c
            .deadline
            .as_ref()
            .and_then(|d| compile(self, &mut names, d, "deadline", Some(Type::Date), None));
        let mut goals = Vec::new();
        for g in &c.goals {
            let label = self.label(
                src,
                &g.label,
                sp(&g.name),
                &format!("goal `{}` of clause `{id}`", g.name.get_ref()),
            );
            let figure_label = format!("goal {} figure", g.name.get_ref());
            let Some(figure) = compile(self, &mut names, &g.figure, &figure_label, None, None)
            else {
                continue;
            };
            let (target_src, strict) = match (&g.at_least, &g.more_than) {
                (Some(t), None) => (t, false),
                (None, Some(t)) => (t, true),
                _ => {
                    self.at(
                        "rules::format",
                        src,
                        sp(&g.name),
                        "a goal gives exactly one of `at_least` and `more_than`",
                    );
                    continue;
                }
            };
            let target_label = format!(
                "goal {} {}",
                g.name.get_ref(),
                if strict { "more than" } else { "at least" }
            );
            if let Some(target) = compile(
                self,
                &mut names,
                target_src,
                &target_label,
                Some(figure.ty),
                None,
            ) {
                let op = if strict { CmpOp::Gt } else { CmpOp::Ge };
                let test = Expr {
                    text: format!("{} {} {}", figure.text, op.symbol(), target.text).into(),
                    kind: ExprKind::Cmp(op, Box::new(figure.clone()), Box::new(target.clone())),
                    ty: Type::Bool,
                    shared: Default::default(),
                };
                goals.push(Goal {
                    name: g.name.get_ref().as_str().into(),
                    label,
                    unit: unit_label(figure.ty, &g.unit).into(),
                    figure,
                    target,
                    strict,
                    test,
                });
            }
        }
        pending.append(names.diags);
        self.diags.append(&mut pending);

        // What each kind of clause needs.
        let needs: &[(bool, &str)] = match kind {
            Some(Kind::Requirement) => &[(c.require.is_some(), "a requirement needs `require`")],
            Some(Kind::Entitlement) => &[(c.eligible.is_some(), "an entitlement needs `eligible`")],
            Some(Kind::Computed) => &[(c.amount.is_some(), "a computed clause needs `amount`")],
            Some(Kind::Target) => &[
                (c.deadline.is_some(), "a target needs `deadline`"),
                (!c.goals.is_empty(), "a target needs at least one `goal`"),
            ],
            None => &[],
        };
        for (ok, msg) in needs {
            if !ok {
                self.at("rules::format", src, sp(&c.id), *msg);
            }
        }
        if self.diags.len() > before {
            return None;
        }
        Some(Clause {
            id: c.id.get_ref().clone(),
            subject,
            document: doc_index,
            kind: kind?,
            section: c.section.clone(),
            quote: c.quote.get_ref().clone(),
            quotes: c.quotes.iter().map(|q| q.get_ref().clone()).collect(),
            summary: c.summary.clone(),
            in_force,
            when,
            test,
            amount,
            lets,
            guards,
            values,
            notes,
            deadline,
            goals,
            readings: c
                .readings
                .iter()
                .map(|r| Reading {
                    text: r.text.clone(),
                    chosen: r.chosen.clone(),
                    rejected: r.rejected.clone(),
                })
                .collect(),
            logic,
            file: src.name.clone(),
            // From the file's index (see `load`): a scan from the start for each clause made
            // the load quadratic in clauses.
            line: crate::source::with_index(&src.text, |i| {
                i.line_col(&src.text, c.id.span().start).line
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records and word sets are numbered in 16 bits: the 65,536th of each is numbered
    /// 65,535, the next is a load error (once), never a number wrapped round to 0.
    #[test]
    fn the_records_and_word_sets_numbered_in_16_bits_stop_at_the_last_number() {
        let text = "[[subject]]\nname = \"s\"\ntitle = \"s\"\nlabel = { zh = \"甲\", en = \"s\" }\n\
            [[subject.field]]\nname = \"w\"\ntype = \"word\"\nwords = [\"a\"]\n\
            label = { zh = \"乙\", en = \"w\" }\nword_labels = { a = { zh = \"丙\", en = \"a\" } }\n";
        let file: surface::SubjectsFile = toml::from_str(text).unwrap();
        let src = RuleSource {
            name: "subjects.toml".into(),
            text: text.into(),
        };
        let fields = &file.subject[0].fields;
        let mut loader = Loader {
            diags: Vec::new(),
            seeds: Vec::new(),
        };
        let mut schema = Schema::default();
        schema
            .records
            .resize_with(usize::from(u16::MAX), Record::default);
        schema
            .word_sets
            .resize_with(usize::from(u16::MAX), || WordSet {
                owner: String::new(),
                words: Vec::new(),
                labels: Vec::new(),
            });
        // The last numbers: 65,535 each, no error.
        assert_eq!(
            loader.record(&src, &mut schema, "s".into(), fields),
            u16::MAX
        );
        assert!(loader.diags.is_empty(), "{:?}", loader.diags);
        assert_eq!(
            schema.records[usize::from(u16::MAX)].fields[0].ty,
            Type::Word(u16::MAX)
        );
        // One more of each: two errors, and no third for the one after.
        loader.record(&src, &mut schema, "t".into(), fields);
        loader.record(&src, &mut schema, "u".into(), fields);
        let codes: Vec<_> = loader.diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["rules::too_large", "rules::too_large"]);
        assert!(loader.diags[0].message.contains("65536 subjects and lists"));
        assert!(loader.diags[1].message.contains("65536 fields of words"));
    }
}
