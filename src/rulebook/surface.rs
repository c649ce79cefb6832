//! The rule files as written: serde structs mirroring the TOML, each value that a person
//! writes kept with its span so that mistakes point at the line and column.

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

pub type S<T> = Spanned<T>;

/// `label = { zh = "建筑面积", en = "floor area" }`: what a report calls a thing, in the two
/// languages of the reports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelDecl {
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

/// A label as written, with where it stands; `None` when it is not given.
pub type LabelOpt = Option<S<LabelDecl>>;

/// `rules/subjects.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectsFile {
    pub subject: Vec<SubjectDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDecl {
    pub name: S<String>,
    #[serde(default)]
    pub title: String,
    /// What a report calls the subject (required).
    pub label: LabelOpt,
    #[serde(rename = "field", default)]
    pub fields: Vec<FieldDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    pub name: S<String>,
    /// bool | int | date | CNY | m2 | ratio | word | words | list
    #[serde(rename = "type")]
    pub ty: S<String>,
    #[serde(default)]
    pub words: Vec<String>,
    pub min: Option<S<String>>,
    pub max: Option<S<String>>,
    #[serde(default)]
    pub doc: String,
    /// What a report calls the field (required).
    pub label: LabelOpt,
    /// A `bool` field: the statement about the subject when true, and when false (both or
    /// neither).
    pub yes: LabelOpt,
    pub no: LabelOpt,
    /// An `int` field that counts things: the measure word (`套` / `units`).
    pub measure: LabelOpt,
    /// A `word` or `words` field: what a report calls each word (one for every word).
    pub word_labels: Option<S<std::collections::BTreeMap<String, S<LabelDecl>>>>,
    /// The fields of each item of a `list` field.
    #[serde(rename = "item", default)]
    pub items: Vec<FieldDecl>,
}

/// One rule file: one source document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub document: DocumentDecl,
    #[serde(rename = "param", default)]
    pub params: Vec<ParamDecl>,
    #[serde(rename = "define", default)]
    pub defines: Vec<DefineDecl>,
    #[serde(rename = "clause", default)]
    pub clauses: Vec<ClauseDecl>,
    /// Passages that carry no computable clause, listed so nothing is dropped silently.
    #[serde(rename = "not_computable", default)]
    pub not_computable: Vec<NotComputableDecl>,
    /// Sentences with nothing normative in them (headings, signatures, lists of offices),
    /// marked so that the text coverage check accounts for them.
    #[serde(rename = "not_normative", default)]
    pub not_normative: Vec<NotNormativeDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDecl {
    pub id: S<String>,
    pub number: String,
    pub title: String,
    #[serde(default)]
    pub short_title: String,
    pub issued: S<Datetime>,
    /// The seed file under `seeds/` that the quotes come from.
    pub source: S<String>,
    pub in_force: InForceDecl,
    /// Whether the document carries computable clauses at all.
    #[serde(default = "yes")]
    pub computable: bool,
    #[serde(default)]
    pub note: String,
    /// Quotes of the document itself (its commencement clause, say).
    #[serde(default)]
    pub quotes: Vec<S<String>>,
    /// Where the document's text stands in the seed, for the text coverage check.
    pub text: Option<TextDecl>,
}

/// `[document.text]`: the document's text in the seed, from one quote to another.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextDecl {
    /// Where the text starts: a quote that stands once only in the seed.
    pub from: S<String>,
    /// Where it ends: the first place after `from` where this quote stands, inclusive.
    pub until: S<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InForceDecl {
    pub from: S<Datetime>,
    pub until: Option<S<Datetime>>,
    pub quote: Option<S<String>>,
    #[serde(default)]
    pub reading: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDecl {
    pub name: S<String>,
    /// What a report calls the parameter (required).
    pub label: LabelOpt,
    #[serde(default)]
    pub doc: String,
    pub quote: Option<S<String>>,
    pub versions: Vec<VersionDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionDecl {
    pub from: S<Datetime>,
    pub until: Option<S<Datetime>>,
    /// A constant in the expression language: `2%`, `200 CNY/m2`, `2021-01-27`.
    pub value: S<String>,
    /// Where the value comes from, when it is not the document's own text (an amendment).
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefineDecl {
    pub name: S<String>,
    /// What a report calls the definition (required).
    pub label: LabelOpt,
    pub expr: S<String>,
    #[serde(default)]
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseDecl {
    pub id: S<String>,
    pub subject: S<String>,
    /// requirement | entitlement | computed | target
    pub kind: S<String>,
    pub section: String,
    pub quote: S<String>,
    /// Further quotes the clause rests on.
    #[serde(default)]
    pub quotes: Vec<S<String>>,
    #[serde(default)]
    pub summary: String,
    /// Whether the clause is in force for the case, within its document's window (a yearly
    /// target for a year the document covers); false gives `not_in_force`.
    pub in_force: Option<S<String>>,
    /// When the clause applies at all; false gives `not_applicable`.
    pub when: Option<S<String>>,
    /// For an entitlement: who is eligible.
    pub eligible: Option<S<String>>,
    /// For a requirement: what complies.
    pub require: Option<S<String>>,
    /// The one number the clause yields.
    pub amount: Option<S<String>>,
    /// What a report calls the amount (required with `amount`).
    pub amount_label: LabelOpt,
    /// `half_away_from_zero` | down | none (for the amount).
    pub round: Option<S<String>>,
    /// Variables, in order, that later expressions of the clause may use.
    #[serde(rename = "let", default)]
    pub lets: Vec<LetDecl>,
    /// Conditions the input must meet; a false one is an input error.
    #[serde(rename = "guard", default)]
    pub guards: Vec<GuardDecl>,
    #[serde(rename = "value", default)]
    pub values: Vec<ValueDecl>,
    /// Texts added to the reasons when their condition holds.
    #[serde(rename = "note", default)]
    pub notes: Vec<NoteDecl>,
    /// For a target.
    pub deadline: Option<S<String>>,
    #[serde(rename = "goal", default)]
    pub goals: Vec<GoalDecl>,
    #[serde(rename = "reading", default)]
    pub readings: Vec<ReadingDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetDecl {
    pub name: S<String>,
    /// What a report calls the variable (required).
    pub label: LabelOpt,
    pub expr: S<String>,
    /// Also report it among the values.
    #[serde(default)]
    pub report: bool,
    pub round: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardDecl {
    pub expr: S<String>,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueDecl {
    pub name: S<String>,
    /// What a report calls the value (required).
    pub label: LabelOpt,
    pub expr: S<String>,
    /// A list field: the value is computed for each item.
    pub each: Option<S<String>>,
    pub round: Option<S<String>>,
    /// The unit label to report, when the type's own (`1`) says too little: `ratio`, `units`.
    pub unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteDecl {
    pub when: S<String>,
    pub text: String,
    #[serde(default)]
    pub label: LabelOpt,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalDecl {
    pub name: S<String>,
    /// What a report calls the goal's figure (required).
    pub label: LabelOpt,
    pub figure: S<String>,
    /// The figure must be at least this (以上, 达到, 不少于).
    pub at_least: Option<S<String>>,
    /// The figure must be more than this (超过, 高于).
    pub more_than: Option<S<String>>,
    pub unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingDecl {
    /// The words read.
    pub text: String,
    pub chosen: String,
    #[serde(default)]
    pub rejected: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotComputableDecl {
    pub section: String,
    pub quote: S<String>,
    pub reason: String,
}

/// A `[[not_normative]]` marking: sentences accounted for as not normative, with why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotNormativeDecl {
    #[serde(default)]
    pub section: String,
    pub reason: String,
    /// Each sentence that one of these quotes touches.
    #[serde(default)]
    pub quotes: Vec<S<String>>,
    /// A run of sentences: from the one this quote starts in ...
    pub from: Option<S<String>>,
    /// ... to the one this quote ends in, inclusive.
    pub to: Option<S<String>>,
    /// Every sentence of the document that starts with one of these.
    #[serde(default)]
    pub starts_with: Vec<S<String>>,
    /// Every heading of the document (`一、`, `（一）`, `1.` and a short title, no number or
    /// normative word in it).
    #[serde(default)]
    pub headings: bool,
}
