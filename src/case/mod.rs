//! A case: one subject's facts on one date, read from TOML or JSON text or built in code,
//! and checked against the subject's declared fields before anything is evaluated.

pub(crate) mod direct;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics, MAX_TOKEN, Problems, shorten};
use crate::expr::{Facts, Items, Value};
use crate::input::{Raw, RawEntry, RawKind};
use crate::rulebook::Rules;
use crate::schema::{Field, Record, Schema, suggest};
use crate::source::Span;
use crate::units::Type;

/// One subject's facts, valid against the subject's fields of the rules that read it. Made
/// only by reading (`case_from_toml`, `case_from_json`) or building (`book.case(...)`) a case
/// against a rulebook, so that it never holds a subject or a fact its rules do not know:
///
/// ```compile_fail
/// // A subject the rules do not have cannot be written in (it once panicked in the schema).
/// let case = policy_calc::case::Case { subject: 99, ..Default::default() };
/// ```
/// ```compile_fail
/// let case = policy_calc::case::Case::default();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub(crate) subject: u16,
    pub(crate) subject_name: String,
    /// The case's own evaluation date, if it gives one.
    pub(crate) as_of: Option<NaiveDate>,
    pub(crate) facts: Facts,
}

impl Case {
    /// An empty case of subject 0, to be filled by a reader.
    pub(crate) fn empty() -> Case {
        Case {
            subject: 0,
            subject_name: String::new(),
            as_of: None,
            facts: Facts::default(),
        }
    }

    /// The subject's name: `rural_housing`.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject_name
    }

    /// The case's own evaluation date (`as_of` in the file), if it gives one.
    #[must_use]
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.as_of
    }

    /// The case evaluated on `as_of` instead of its own date.
    #[must_use]
    pub fn on(mut self, as_of: NaiveDate) -> Case {
        self.as_of = Some(as_of);
        self
    }

    /// The subject's index in the rules' schema (for the crate's own tests and tools).
    #[doc(hidden)]
    #[must_use]
    pub fn subject_index(&self) -> u16 {
        self.subject
    }

    /// The facts, one slot per field (for the crate's own tests and tools).
    #[doc(hidden)]
    #[must_use]
    pub fn facts(&self) -> &Facts {
        &self.facts
    }
}

/// A fact given in code: `Fact::from(true)`, `Fact::from(dec!(180.55))`, `Fact::word("steel")`.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    /// Yes or no.
    Bool(bool),
    /// A number, in the field's unit (CNY, m2, a ratio, a count).
    Num(Decimal),
    /// A date.
    Date(NaiveDate),
    /// One word of a word field.
    Word(String),
    /// Words of a word-list field.
    Words(Vec<String>),
    /// The items of a list field, each its fields by name.
    Items(Vec<Vec<(String, Fact)>>),
}

impl From<bool> for Fact {
    fn from(b: bool) -> Fact {
        Fact::Bool(b)
    }
}
impl From<Decimal> for Fact {
    fn from(d: Decimal) -> Fact {
        Fact::Num(d)
    }
}
impl From<i64> for Fact {
    fn from(n: i64) -> Fact {
        Fact::Num(Decimal::from(n))
    }
}
impl From<NaiveDate> for Fact {
    fn from(d: NaiveDate) -> Fact {
        Fact::Date(d)
    }
}
impl Fact {
    /// A word of a word field: `Fact::word("steel")`.
    #[must_use]
    pub fn word(w: &str) -> Fact {
        Fact::Word(w.to_string())
    }
}

/// Reads JSON cases one after another into one case whose buffers are reused: the way to
/// read many cases (the batch mode does) without allocating for each.
///
/// ```
/// # use policy_calc::{Rulebook, case::CaseReader};
/// let book = Rulebook::embedded();
/// let mut reader = CaseReader::default();
/// for line in [r#"{"tenant": {"rent": 1500, "market_rent": 2000}}"#] {
///     let case = reader.read_json(book, line, "cases.jsonl")?;
///     assert_eq!(case.subject(), "tenant");
/// }
/// # Ok::<(), policy_calc::diagnostic::Diagnostics>(())
/// ```
#[derive(Debug)]
pub struct CaseReader {
    case: Case,
    spare: Vec<Items>,
}

impl Default for CaseReader {
    fn default() -> CaseReader {
        CaseReader {
            case: Case::empty(),
            spare: Vec::new(),
        }
    }
}

impl CaseReader {
    /// Reads one JSON case, exactly as `Rulebook::case_from_json` does.
    pub fn read_json(
        &mut self,
        book: &Rules,
        text: &str,
        file: &str,
    ) -> Result<&Case, Diagnostics> {
        if !self.read_direct(book, text.as_bytes()) {
            self.case = book.case_from_json_tree(text, file)?;
        }
        Ok(&self.case)
    }

    /// Reads a case of the common shape from bytes not yet checked as UTF-8 (see
    /// `direct::read`); `false` leaves the line to [`read_json`](Self::read_json).
    pub(crate) fn read_direct(&mut self, book: &Rules, bytes: &[u8]) -> bool {
        self.read_direct_line(book, bytes) == Some(bytes.len())
    }

    /// Reads the case of the common shape at the start of `bytes`, a line of JSON Lines and
    /// what follows it, and returns the line's length with its newline; `None` leaves the
    /// line to [`read_json`](Self::read_json).
    pub(crate) fn read_direct_line(&mut self, book: &Rules, bytes: &[u8]) -> Option<usize> {
        direct::read(&book.schema, bytes, &mut self.case, &mut self.spare)
    }

    /// The case last read.
    pub(crate) fn case(&self) -> &Case {
        &self.case
    }
}

/// Where a case came from, for error messages.
struct Src<'a> {
    file: &'a str,
    text: &'a str,
}

impl Src<'_> {
    fn at(&self, code: &'static str, span: Span, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::at(code, self.file, self.text, span, msg)
    }
}

impl Rules {
    /// Reads a case from TOML text. `file` names it in error messages.
    pub fn case_from_toml(&self, text: &str, file: &str) -> Result<Case, Diagnostics> {
        self.case_parsed_by(crate::input::toml::parse, "TOML", text, file)
    }

    /// Reads a case from JSON text, numbers exactly.
    pub fn case_from_json(&self, text: &str, file: &str) -> Result<Case, Diagnostics> {
        let mut case = Case::empty();
        match direct::read(&self.schema, text.as_bytes(), &mut case, &mut Vec::new()) {
            Some(n) if n == text.len() => Ok(case),
            _ => self.case_from_json_tree(text, file),
        }
    }

    /// Reads a case from JSON text through the general JSON tree: the reference reader,
    /// which [`case_from_json`](Self::case_from_json) and [`CaseReader`] fall back on for
    /// anything but the common shape of a case, and for every error. They give what it gives.
    pub fn case_from_json_tree(&self, text: &str, file: &str) -> Result<Case, Diagnostics> {
        self.case_parsed_by(crate::input::json::parse, "JSON", text, file)
    }

    fn case_parsed_by(
        &self,
        parse: fn(&str) -> Result<Raw, crate::input::SyntaxError>,
        format: &str,
        text: &str,
        file: &str,
    ) -> Result<Case, Diagnostics> {
        // One index of the text finds the lines and columns of all its diagnostics.
        let _index = crate::source::index_scope(text);
        let src = Src { file, text };
        let raw = parse(text).map_err(|e| {
            let message = format!("{format} syntax: {}", e.message);
            let d = src.at("case::syntax", e.span, message);
            let zh = format!("案件文本第{}行第{}列有语法错误，无法读取", d.line, d.column);
            Diagnostics(vec![d.with_zh(zh)])
        })?;
        case_from_raw(&self.schema, &raw, &src)
    }

    /// Reads a case from text that is JSON when it starts with `{`, else TOML.
    pub fn case_from_text(&self, text: &str, file: &str) -> Result<Case, Diagnostics> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        // By the file's name first: a `.json` file holding an array is judged as JSON.
        let json = if file.ends_with(".json") || file.ends_with(".JSON") {
            true
        } else if file.ends_with(".toml") || file.ends_with(".TOML") {
            false
        } else {
            t.starts_with('{')
        };
        if json {
            self.case_from_json(text, file)
        } else {
            self.case_from_toml(text, file).or_else(|e| {
                // Unnamed text that is not TOML but a JSON array, say, is judged as JSON.
                let syntax = e.0.first().is_some_and(|d| d.code == "case::syntax");
                if syntax && t.starts_with('[') && crate::input::json::parse(text).is_ok() {
                    self.case_from_json_tree(text, file)
                } else {
                    Err(e)
                }
            })
        }
    }

    /// Builds a case in code. Each fact is checked as if read from a file named `<code>`.
    pub fn case(&self, subject: &str, facts: &[(&str, Fact)]) -> Result<Case, Diagnostics> {
        let src = Src {
            file: "<code>",
            text: "",
        };
        let Some((id, _)) = self.schema.subject(subject) else {
            let names: Vec<&str> = self
                .schema
                .subjects
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            let hint = suggest(subject, names.iter().copied());
            return Err(Diagnostics(vec![
                src.at(
                    "case::unknown_subject",
                    Span::default(),
                    format!("unknown subject `{subject}`"),
                )
                .expected(names.join(", "))
                .suggestion(hint.map(|s| format!("did you mean `{s}`?")))
                .with_zh(unknown_subject_zh(&self.schema, subject, hint)),
            ]));
        };
        let rec = self.schema.record_of(id);
        let mut facts_out = empty_facts(rec);
        let mut diags = Problems::new();
        for (name, fact) in facts {
            let raw = fact_to_raw(fact);
            let entry = RawEntry {
                key: name.to_string(),
                key_span: Span::default(),
                value: raw,
            };
            read_field(
                &self.schema,
                rec,
                &entry,
                &src,
                &Place {
                    path: &|| rec.path.clone(),
                    zh: &|| label_zh(&self.schema.subjects[id as usize].label, subject),
                    item: false,
                },
                &mut facts_out,
                &mut diags,
            );
        }
        if diags.is_empty() {
            Ok(Case {
                subject: id,
                subject_name: subject.to_string(),
                as_of: None,
                facts: facts_out,
            })
        } else {
            Err(diags.into_diagnostics())
        }
    }
}

fn fact_to_raw(f: &Fact) -> Raw {
    let kind = match f {
        Fact::Bool(b) => RawKind::Bool(*b),
        Fact::Num(d) => RawKind::Number {
            text: d.to_string(),
            integer: d.scale() == 0,
        },
        Fact::Date(d) => RawKind::Date(*d),
        Fact::Word(w) => RawKind::String(w.clone()),
        Fact::Words(ws) => RawKind::Array(
            ws.iter()
                .map(|w| fact_to_raw(&Fact::Word(w.clone())))
                .collect(),
        ),
        Fact::Items(items) => RawKind::Array(
            items
                .iter()
                .map(|item| Raw {
                    kind: RawKind::Table(
                        item.iter()
                            .map(|(k, v)| RawEntry {
                                key: k.clone(),
                                key_span: Span::default(),
                                value: fact_to_raw(v),
                            })
                            .collect(),
                    ),
                    span: Span::default(),
                })
                .collect(),
        ),
    };
    Raw {
        kind,
        span: Span::default(),
    }
}

fn empty_facts(rec: &Record) -> Facts {
    Facts {
        values: vec![None; rec.fields.len()],
        lists: vec![None; rec.fields.len()],
    }
}

/// Reads a case from an already parsed tree of `text` (golden files hold cases inside them).
pub(crate) fn case_from_parsed(
    schema: &Schema,
    raw: &Raw,
    file: &str,
    text: &str,
) -> Result<Case, Diagnostics> {
    case_from_raw(schema, raw, &Src { file, text })
}

fn case_from_raw(schema: &Schema, raw: &Raw, src: &Src) -> Result<Case, Diagnostics> {
    let names: Vec<&str> = schema.subjects.iter().map(|s| s.name.as_str()).collect();
    let RawKind::Table(entries) = &raw.kind else {
        return Err(Diagnostics(vec![
            src.at(
                "case::syntax",
                raw.span,
                format!("a case is a table, found {}", raw.kind.describe()),
            )
            .with_zh(format!(
                "案件应为一个表，而此处是{}",
                raw.kind.describe_zh()
            )),
        ]));
    };
    let mut diags = Problems::new();
    let mut as_of = None;
    let mut subject: Option<(u16, &RawEntry)> = None;
    for e in entries {
        if e.key == "as_of" {
            match date_of(&e.value, "评估日期") {
                Ok(d) => as_of = Some(d),
                Err(w) => diags.push(
                    src.at("case::bad_value", e.value.span, w.en)
                        .field("as_of")
                        .expected("a date such as 2023-03-01")
                        .with_zh(w.zh),
                ),
            }
            continue;
        }
        match schema.subject(&e.key) {
            Some((id, _)) => {
                if let Some((_, first)) = subject {
                    diags.push(
                        src.at(
                            "case::two_subjects",
                            e.key_span,
                            format!(
                                "a case has exactly one subject, but `{}` follows `{}`",
                                e.key, first.key
                            ),
                        )
                        .field(e.key.clone())
                        .suggestion(Some("put each subject in a case file of its own".into()))
                        .with_zh(format!(
                            "一个案件只有一个对象，但{}之后又有{}：请将每个对象分别写成一个案件",
                            subject_zh(schema, &first.key),
                            subject_zh(schema, &e.key)
                        )),
                    );
                } else {
                    subject = Some((id, e));
                }
            }
            None => diags.push(
                src.at(
                    "case::unknown_subject",
                    e.key_span,
                    format!("unknown subject `{}`", e.key),
                )
                .field(e.key.clone())
                .expected(format!("`as_of` or one subject: {}", names.join(", ")))
                .suggestion(
                    suggest(&e.key, names.iter().copied()).map(|s| format!("did you mean `{s}`?")),
                )
                .with_zh(unknown_subject_zh(
                    schema,
                    &e.key,
                    suggest(&e.key, names.iter().copied()),
                )),
            ),
        }
    }
    let Some((id, entry)) = subject else {
        if diags.is_empty() {
            diags.push(
                src.at(
                    "case::no_subject",
                    Span::new(0, 0),
                    "the case names no subject",
                )
                .expected(format!("one table: {}", names.join(", ")))
                .with_zh(format!(
                    "案件没有填写对象；应填写其中一个：{}",
                    subjects_zh(schema)
                )),
            );
        }
        return Err(diags.into_diagnostics());
    };
    let rec = schema.record_of(id);
    let mut facts = empty_facts(rec);
    match &entry.value.kind {
        RawKind::Table(fields) => {
            for f in fields {
                read_field(
                    schema,
                    rec,
                    f,
                    src,
                    &Place {
                        path: &|| rec.path.clone(),
                        zh: &|| subject_zh(schema, &entry.key),
                        item: false,
                    },
                    &mut facts,
                    &mut diags,
                );
            }
        }
        other => diags.push(
            src.at(
                "case::bad_value",
                entry.value.span,
                format!(
                    "`{}` must be a table of facts, found {}",
                    entry.key,
                    other.describe()
                ),
            )
            .field(entry.key.clone())
            .with_zh(format!(
                "{}应为一组事实（表），而填写了{}",
                subject_zh(schema, &entry.key),
                other.describe_zh()
            )),
        ),
    }
    if diags.is_empty() {
        Ok(Case {
            subject: id,
            subject_name: entry.key.clone(),
            as_of,
            facts,
        })
    } else {
        Err(diags.into_diagnostics())
    }
}

/// What is wrong with a value, in English and in Chinese (a whole sentence, naming the fact).
struct Wrong {
    en: String,
    zh: String,
}

/// A date fact, named `name` in Chinese messages.
fn date_of(raw: &Raw, name: &str) -> Result<NaiveDate, Wrong> {
    match &raw.kind {
        RawKind::Date(d) => Ok(*d),
        // Exactly YYYY-MM-DD: chrono alone would also take " 2023-1-01", "+999-01-01" and
        // "-999-01-01" (year -999), which no TOML date can write back.
        RawKind::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|_| is_yyyy_mm_dd(s))
            .ok_or_else(|| Wrong {
                en: format!("`{s}` is not a real date in the form YYYY-MM-DD"),
                zh: not_a_date_zh(name, s),
            }),
        other => Err(Wrong {
            en: format!("expected a date, found {}", other.describe()),
            zh: format!("{name}应为日期，而填写了{}", other.describe_zh()),
        }),
    }
}

/// `评估日期「2023-02-30」不是真实的日期，应写作2023-03-01这样的形式`.
pub(crate) fn not_a_date_zh(name: &str, given: &str) -> String {
    format!(
        "{name}{}不是真实的日期，应写作2023-03-01这样的形式",
        quote_zh(given)
    )
}

/// What a person typed, or an identifier, in a Chinese message: `「steel」`, shortened when
/// long. Chinese messages show Latin letters only inside these brackets.
pub(crate) fn quote_zh(s: &str) -> String {
    format!("「{}」", shorten(s, MAX_TOKEN))
}

/// A label in Chinese, or the identifier quoted when the label has no Chinese.
fn label_zh(l: &crate::labels::Label, name: &str) -> String {
    if l.zh.is_empty() {
        quote_zh(name)
    } else {
        l.zh.to_string()
    }
}

/// A subject by its name, in Chinese: `农房`.
fn subject_zh(schema: &Schema, name: &str) -> String {
    match schema.subject(name) {
        Some((_, s)) => label_zh(&s.label, name),
        None => quote_zh(name),
    }
}

/// Every subject, in Chinese with its name: `农房「rural_housing」、…`.
pub(crate) fn subjects_zh(schema: &Schema) -> String {
    schema
        .subjects
        .iter()
        .map(|s| format!("{}{}", label_zh(&s.label, &s.name), quote_zh(&s.name)))
        .collect::<Vec<_>>()
        .join("、")
}

fn unknown_subject_zh(schema: &Schema, name: &str, hint: Option<&str>) -> String {
    let hint = hint
        .map(|h| format!("；是否想填{}（{}）？", quote_zh(h), subject_zh(schema, h)))
        .unwrap_or_default();
    format!(
        "没有{}这一对象；对象为：{}{hint}",
        quote_zh(name),
        subjects_zh(schema)
    )
}

fn is_yyyy_mm_dd(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// An exact decimal from a number's source text, or from a decimal string.
pub fn decimal_of(raw: &Raw) -> Result<Decimal, String> {
    let text = match &raw.kind {
        RawKind::Number { text, .. } => text.as_str(),
        RawKind::String(s) => s.trim(),
        other => return Err(format!("expected a number, found {}", other.describe())),
    };
    parse_decimal(text)
}

/// Parses a decimal exactly: digits too many for 96 bits are an error, never rounded away.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    exact_decimal(text).map_err(|e| match e {
        NotExact::NotANumber => format!("`{text}` is not a number"),
        NotExact::TooLarge => format!(
            "`{text}` is too large or too precise for exact arithmetic (at most 28 significant digits)"
        ),
    })
}

/// Why a text is not an exact decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NotExact {
    NotANumber,
    TooLarge,
}

fn exact_decimal(text: &str) -> Result<Decimal, NotExact> {
    let too_large = || NotExact::TooLarge;
    let (mant, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.trim_start_matches('+')
                .parse::<i32>()
                .map_err(|_| NotExact::NotANumber)?,
        ),
        None => (text, 0),
    };
    // A sign, digits, at most one point: `1.2.3` and `1-2` are not numbers at all.
    let body = mant.strip_prefix(['+', '-']).unwrap_or(mant);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.is_empty() && frac.is_empty()
    {
        return Err(NotExact::NotANumber);
    }
    let exact = |m: &str| Decimal::from_str_exact(m.trim_start_matches('+'));
    let m = exact(mant)
        .or_else(|e| match mant.split_once('.') {
            // Zeros at the end of a fraction add no precision: 1.50000000000000000000000000000
            // (29 decimals) is 1.5, and 7.9228162514264337593543951000e25 fits once they go.
            Some((_, frac)) if frac.ends_with('0') => {
                exact(mant.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => Err(e),
        })
        .map_err(|e| match e {
            rust_decimal::Error::ConversionTo(_) => NotExact::NotANumber,
            _ => too_large(),
        })?;
    if m.is_zero() {
        return Ok(Decimal::ZERO);
    }
    if exp >= 0 {
        // The mantissa is at least 1e-28, so from 1e57 on the value is past Decimal::MAX.
        if exp > 57 {
            return Err(too_large());
        }
        let mut d = m;
        for _ in 0..exp {
            d = d.checked_mul(Decimal::TEN).ok_or_else(too_large)?;
        }
        Ok(d)
    } else {
        // Trailing zeros of the mantissa make room: 1.50e-27 is 0.0000000000000000000000000015.
        let mut mantissa = m.mantissa();
        let mut scale = m.scale() + exp.unsigned_abs();
        while scale > 28 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        if scale > 28 {
            return Err(too_large());
        }
        Ok(Decimal::from_i128_with_scale(mantissa, scale))
    }
}

/// Where a field stands, for messages: the table's path (`rental_project.units[2]`) and its
/// name in Chinese (`第2项户型`), only formatted when there is something to report.
struct Place<'a> {
    path: &'a dyn Fn() -> String,
    zh: &'a dyn Fn() -> String,
    /// The table is an item of a list: its fields are named `第2项户型的建筑面积`.
    item: bool,
}

impl Place<'_> {
    /// A field of this table in Chinese: its label, in an item `第2项户型的` before it.
    fn field_zh(&self, f: &Field) -> String {
        let label = label_zh(&f.label, &f.name);
        if self.item {
            format!("{}的{label}", (self.zh)())
        } else {
            label
        }
    }
}

/// Reads one `key = value` of a case into `facts`.
fn read_field(
    schema: &Schema,
    rec: &Record,
    entry: &RawEntry,
    src: &Src,
    place: &Place,
    facts: &mut Facts,
    diags: &mut Problems,
) {
    let field_path = || format!("{}.{}", (place.path)(), entry.key);
    let Some(&index) = rec.by_name.get(&entry.key) else {
        let names: Vec<&str> = rec.fields.iter().map(|f| f.name.as_str()).collect();
        let hint = suggest(&entry.key, names.iter().copied());
        let hint_zh = hint
            .and_then(|h| rec.by_name.get(h))
            .map(|&k| &rec.fields[k as usize])
            .map(|f| {
                format!(
                    "；是否想填{}（{}）？",
                    quote_zh(&f.name),
                    label_zh(&f.label, &f.name)
                )
            })
            .unwrap_or_default();
        diags.push(
            src.at(
                "case::unknown_field",
                entry.key_span,
                format!("`{}` has no field `{}`", (place.path)(), entry.key),
            )
            .field(field_path())
            .expected(format!("one of: {}", names.join(", ")))
            .suggestion(hint.map(|s| format!("did you mean `{s}`?")))
            .with_zh(format!(
                "{}没有{}这一项{hint_zh}",
                (place.zh)(),
                quote_zh(&entry.key)
            )),
        );
        return;
    };
    let field = &rec.fields[index as usize];
    if let Type::List(item_rec) = field.ty {
        let RawKind::Array(items) = &entry.value.kind else {
            diags.push(
                src.at(
                    "case::wrong_type",
                    entry.value.span,
                    format!(
                        "`{}` is a list of tables, found {}",
                        entry.key,
                        entry.value.kind.describe()
                    ),
                )
                .expected(format!("[[{}]] tables", field_path()))
                .field(field_path())
                .with_zh(format!(
                    "{}应为若干项（表的列表），而填写了{}",
                    place.field_zh(field),
                    entry.value.kind.describe_zh()
                )),
            );
            return;
        };
        let item_rec = &schema.records[item_rec as usize];
        let mut out = Items::new(item_rec.fields.len());
        let mut item_facts = Facts {
            values: Vec::new(),
            lists: Vec::new(),
        };
        for (i, item) in items.iter().enumerate() {
            let item_path = || format!("{}[{}]", field_path(), i + 1);
            let item_zh = || format!("第{}项{}", i + 1, label_zh(&field.label, &field.name));
            let RawKind::Table(fields) = &item.kind else {
                diags.push(
                    src.at(
                        "case::wrong_type",
                        item.span,
                        format!(
                            "each item of `{}` is a table, found {}",
                            entry.key,
                            item.kind.describe()
                        ),
                    )
                    .field(item_path())
                    .with_zh(format!(
                        "{}的每一项都应为一个表，而{}是{}",
                        place.field_zh(field),
                        item_zh(),
                        item.kind.describe_zh()
                    )),
                );
                continue;
            };
            item_facts.values = vec![None; item_rec.fields.len()];
            let item_place = Place {
                path: &item_path,
                zh: &item_zh,
                item: true,
            };
            for f in fields {
                read_field(
                    schema,
                    item_rec,
                    f,
                    src,
                    &item_place,
                    &mut item_facts,
                    diags,
                );
            }
            out.push(&item_facts.values);
        }
        match facts.lists.get_mut(index as usize) {
            Some(slot) => *slot = Some(out),
            None => diags.push(
                src.at(
                    "case::wrong_type",
                    entry.value.span,
                    "lists inside list items are not supported",
                )
                .field(field_path())
                .with_zh(format!("{}：列表的项中不能再有列表", place.field_zh(field))),
            ),
        }
        return;
    }
    match value_of(schema, field, &entry.value, &place.field_zh(field)) {
        Ok(v) => facts.values[index as usize] = Some(v),
        Err((w, expected)) => diags.push(
            src.at("case::bad_value", entry.value.span, w.en)
                .field(field_path())
                .expected(expected)
                .with_zh(w.zh),
        ),
    }
}

/// A number of `field` in Chinese, with its unit or measure word: `180.55平方米`, `3套`.
fn amount_zh(field: &Field, d: Decimal) -> String {
    let n = d.normalize().to_string();
    if field.integer {
        let measure = field.measure.as_ref().map_or("", |m| &*m.zh);
        format!("{}{measure}", crate::reason::thousands(&n))
    } else {
        crate::reason::figure(&n, &field.unit_label, crate::labels::Lang::Zh)
    }
}

/// A fact's value checked against its field: type, unit, allowed words, bounds. `name` is the
/// field's name in Chinese messages.
fn value_of(
    schema: &Schema,
    field: &Field,
    raw: &Raw,
    name: &str,
) -> Result<Value, (Wrong, String)> {
    let expected = || match field.ty {
        Type::Bool => "true or false".to_string(),
        Type::Date => "a date such as 2023-03-01".to_string(),
        Type::Word(w) => format!("one of: {}", schema.word_sets[w as usize].words.join(", ")),
        Type::Words(w) => format!(
            "a list of: {}",
            schema.word_sets[w as usize].words.join(", ")
        ),
        _ if field.integer => "a whole number".to_string(),
        _ => format!("a number in {}", field.unit_label),
    };
    let err = |en: String, zh: String| (Wrong { en, zh }, expected());
    match field.ty {
        Type::Bool => match raw.kind {
            RawKind::Bool(b) => Ok(Value::Bool(b)),
            ref other => Err(err(
                format!("expected true or false, found {}", other.describe()),
                format!("{name}应为是或否，而填写了{}", other.describe_zh()),
            )),
        },
        Type::Date => date_of(raw, name)
            .map(Value::Date)
            .map_err(|w| (w, expected())),
        Type::Word(w) => match &raw.kind {
            RawKind::String(s) => word(schema, w, s, name)
                .map(Value::Word)
                .map_err(|w| (w, expected())),
            other => Err(err(
                format!("expected a word, found {}", other.describe()),
                format!("{name}应为一个选项，而填写了{}", other.describe_zh()),
            )),
        },
        Type::Words(w) => match &raw.kind {
            RawKind::Array(items) => {
                let mut set = 0u64;
                for item in items {
                    match &item.kind {
                        RawKind::String(s) => {
                            set |= 1 << word(schema, w, s, name).map_err(|w| (w, expected()))?;
                        }
                        other => {
                            return Err(err(
                                format!(
                                    "expected a list of words, found {} in it",
                                    other.describe()
                                ),
                                format!("{name}应为若干选项，其中却有{}", other.describe_zh()),
                            ));
                        }
                    }
                }
                Ok(Value::Words(crate::expr::WordBits::new(set)))
            }
            other => Err(err(
                format!("expected a list of words, found {}", other.describe()),
                format!(
                    "{name}应为若干选项（列表），而填写了{}",
                    other.describe_zh()
                ),
            )),
        },
        Type::Num(_) => {
            let text = match &raw.kind {
                RawKind::Number { text, .. } => text.as_str(),
                RawKind::String(s) => s.trim(),
                other => {
                    return Err(err(
                        format!("expected a number, found {}", other.describe()),
                        format!("{name}应为数字，而填写了{}", other.describe_zh()),
                    ));
                }
            };
            let d = match exact_decimal(text) {
                Ok(d) => d,
                Err(e) => {
                    let zh = match e {
                        NotExact::NotANumber => format!("{name}填写的{}不是数字", quote_zh(text)),
                        NotExact::TooLarge => format!(
                            "{name}填写的{}过大或过于精确，无法精确计算（最多28位有效数字）",
                            quote_zh(text)
                        ),
                    };
                    return Err(err(parse_decimal(text).err().unwrap_or_default(), zh));
                }
            };
            if field.integer && !d.fract().is_zero() {
                return Err(err(
                    format!("`{}` must be a whole number, found {d}", field.name),
                    format!("{name}应为整数，而填写的是{}", amount_zh(field, d)),
                ));
            }
            if let Some(min) = field.min
                && d < min
            {
                return Err(err(
                    format!(
                        "`{}` cannot be below {min} {}, found {d}",
                        field.name, field.unit_label
                    ),
                    format!(
                        "{name}应不低于{}，而填写的是{}",
                        amount_zh(field, min),
                        amount_zh(field, d)
                    ),
                ));
            }
            if let Some(max) = field.max
                && d > max
            {
                return Err(err(
                    format!("`{}` cannot be above {max}, found {d}", field.name),
                    format!(
                        "{name}应不超过{}，而填写的是{}",
                        amount_zh(field, max),
                        amount_zh(field, d)
                    ),
                ));
            }
            Ok(Value::Num(d))
        }
        Type::Duration | Type::List(_) => Err(err(
            "this field cannot be given directly".into(),
            format!("{name}不能直接填写"),
        )),
    }
}

/// A word of word set `set`, given for the field named `name` (in Chinese).
fn word(schema: &Schema, set: u16, s: &str, name: &str) -> Result<u16, Wrong> {
    let ws = &schema.word_sets[set as usize];
    ws.index(s).ok_or_else(|| {
        let hint = suggest(s, ws.words.iter().map(String::as_str));
        let choices: Vec<String> = ws
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let label = ws.labels.get(i).map_or("", |l| &*l.zh);
                format!("{label}{}", quote_zh(w))
            })
            .collect();
        let hint_zh = hint
            .map(|x| format!("；是否想填{}？", quote_zh(x)))
            .unwrap_or_default();
        Wrong {
            en: format!(
                "`{s}` is not a word of `{}`{}",
                ws.owner,
                hint.map(|x| format!(" (did you mean `{x}`?)"))
                    .unwrap_or_default()
            ),
            zh: format!(
                "{name}不能填{}，可选：{}{hint_zh}",
                quote_zh(s),
                choices.join("、")
            ),
        }
    })
}
