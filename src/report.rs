//! The report of an evaluation, as the public contract (docs/contract.md) fixes it in JSON.

use std::fmt;
use std::ops::Deref;

use chrono::NaiveDate;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::text::SharedText;

/// The report of one case on one date: a result for every clause of the case's subject, in
/// rulebook order. Serialises to the JSON report of the contract (`docs/contract.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The case's subject: `rural_housing`.
    pub subject: String,
    /// The date the case was evaluated on.
    pub as_of: NaiveDate,
    /// One result per clause of the subject, whether it applies or not.
    pub results: Vec<ClauseResult>,
    /// Whether what would change each result was searched for
    /// (`Rulebook::evaluate_with_changes`): then a result against the subject with no
    /// `changes` is one that no change of up to `changes::MOST_FACTS` facts was found to turn.
    #[serde(skip)]
    pub(crate) changes_searched: bool,
}

/// What one clause says of the case, why, and under which words of which document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseResult {
    /// The clause's public id: `rural-prefab-subsidy`.
    pub clause: SharedText,
    /// The document's id: `kq-2022-14`.
    pub document: SharedText,
    /// The document's number (文号): `绍柯政办发〔2022〕14号`.
    pub number: SharedText,
    /// The section of the document: `三（六）`.
    pub section: SharedText,
    /// The clause's words, verbatim from the gazette.
    pub quote: SharedText,
    /// What the clause decides.
    pub outcome: Outcome,
    /// The one number the clause yields (a payment, a deposit, a cap), when it yields one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Quantity>,
    /// Named figures (caps per unit type, ratios, progress against targets).
    #[serde(default)]
    pub values: Values,
    /// Why the outcome is what it is: in JSON both `reasons` (each reason's line in the rule
    /// language) and `why` (each reason as data, with its sentence `text` in the report's
    /// language), in the same order.
    #[serde(flatten)]
    pub reasons: Reasons,
    /// The facts an `undetermined` result waits for: fields (`floor_area`) or items' fields
    /// (`units.rent`).
    #[serde(default)]
    pub missing: Vec<String>,
    /// For a result against the subject, the changes to the case that would turn it; for an
    /// undetermined one, the values of its missing facts that decide it. Filled by
    /// `Rulebook::evaluate_with_changes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// For a favourable result, the nearest changes of the facts it reads that would turn it
    /// against the subject: how far each may move.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub margin: Vec<Change>,
}

/// The reasons of a result, in order. Reads as a slice of [`Reason`](crate::reason::Reason)s;
/// in JSON it is two members of its result: `reasons`, the rule language's lines, and `why`,
/// the reasons as data with their sentences.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reasons(pub Vec<crate::reason::Reason>);

impl Deref for Reasons {
    type Target = Vec<crate::reason::Reason>;
    fn deref(&self) -> &Vec<crate::reason::Reason> {
        &self.0
    }
}

impl std::ops::DerefMut for Reasons {
    fn deref_mut(&mut self) -> &mut Vec<crate::reason::Reason> {
        &mut self.0
    }
}

impl Reasons {
    /// The reasons' lines in the rule language, as the JSON report's `reasons` lists them.
    pub fn lines(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        self.0.iter().map(super::reason::Reason::logic)
    }

    /// Whether one reason's line in the rule language is `line`.
    #[must_use]
    pub fn has_line(&self, line: &str) -> bool {
        self.lines().any(|l| l == line)
    }
}

impl Serialize for Reasons {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Lines<'a>(&'a [crate::reason::Reason]);
        impl Serialize for Lines<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(super::reason::Reason::logic))
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("reasons", &Lines(&self.0))?;
        if self.0.first().is_some_and(crate::reason::Reason::why) {
            map.serialize_entry("why", &self.0)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Reasons {
    /// Reads `why` when it is there, else each line of `reasons` as a reason with no more
    /// than its line.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Reasons, D::Error> {
        #[derive(Deserialize)]
        struct Both {
            #[serde(default)]
            reasons: Vec<String>,
            #[serde(default)]
            why: Option<Vec<crate::reason::Reason>>,
        }
        let b = Both::deserialize(d)?;
        Ok(Reasons(match b.why {
            Some(w) if w.len() == b.reasons.len() => w
                .into_iter()
                .zip(b.reasons)
                .map(|(r, line)| r.with_logic(line))
                .collect(),
            Some(w) => {
                return Err(serde::de::Error::custom(format!(
                    "`why` has {} reasons and `reasons` {}: they are the same reasons",
                    w.len(),
                    b.reasons.len()
                )));
            }
            None => b
                .reasons
                .into_iter()
                .map(crate::reason::Reason::line_only)
                .collect(),
        }))
    }
}

/// What a clause decides of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An entitlement the case has (符合条件).
    Eligible,
    /// An entitlement the case does not have.
    NotEligible,
    /// A requirement the case meets.
    Compliant,
    /// A requirement the case fails (`check` exits 1).
    NonCompliant,
    /// A requirement that binds the case, whose compliance facts are not given.
    Required,
    /// A figure the clause computes (a deposit, a cap).
    Computed,
    /// A target reached by its deadline.
    Met,
    /// A target not reached by its deadline.
    NotMet,
    /// A target reached before its deadline.
    OnTrack,
    /// A target not yet reached, its deadline still ahead.
    Behind,
    /// The clause does not concern this case.
    NotApplicable,
    /// The clause's document (or a parameter it needs) is not in force on the date.
    NotInForce,
    /// Facts the clause needs are missing (`missing` names them).
    Undetermined,
}

impl Outcome {
    /// Every outcome, in the contract's order.
    pub const ALL: [Outcome; 13] = [
        Outcome::Eligible,
        Outcome::NotEligible,
        Outcome::Compliant,
        Outcome::NonCompliant,
        Outcome::Required,
        Outcome::Computed,
        Outcome::Met,
        Outcome::NotMet,
        Outcome::OnTrack,
        Outcome::Behind,
        Outcome::NotApplicable,
        Outcome::NotInForce,
        Outcome::Undetermined,
    ];

    /// The outcome's name in the JSON report: `not_eligible`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Eligible => "eligible",
            Outcome::NotEligible => "not_eligible",
            Outcome::Compliant => "compliant",
            Outcome::NonCompliant => "non_compliant",
            Outcome::Required => "required",
            Outcome::Computed => "computed",
            Outcome::Met => "met",
            Outcome::NotMet => "not_met",
            Outcome::OnTrack => "on_track",
            Outcome::Behind => "behind",
            Outcome::NotApplicable => "not_applicable",
            Outcome::NotInForce => "not_in_force",
            Outcome::Undetermined => "undetermined",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An exact number with its unit: `{"value": "36110.00", "unit": "CNY"}`. Made by the engine
/// or read back from a report's JSON, never holding anything but an exact decimal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quantity {
    value: String,
    unit: String,
}

impl Quantity {
    /// A quantity from an exact decimal's text, as the report writes it.
    pub(crate) fn new(value: String, unit: String) -> Quantity {
        Quantity { value, unit }
    }

    /// The exact decimal, as text: money to the fen (`36110.00`), also past the range of a
    /// `Decimal`'s scale.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The unit: `CNY`, `m2`, `CNY/m2`, `ratio`, or the rule's own (`units`).
    #[must_use]
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// The value as an exact decimal, when it fits one (money at the very top of the range
    /// is written with more fen digits than a `Decimal` holds).
    #[must_use]
    pub fn decimal(&self) -> Option<rust_decimal::Decimal> {
        self.value.parse().ok()
    }
}

/// Whether `s` is an exact decimal as a report writes one: a sign, digits, a point and digits.
fn is_decimal_text(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

impl<'de> Deserialize<'de> for Quantity {
    /// Reads `{"value": "...", "unit": "..."}`, refusing a value that is not an exact decimal.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
        #[derive(Deserialize)]
        struct Q {
            value: String,
            unit: String,
        }
        let q = Q::deserialize(d)?;
        if !is_decimal_text(&q.value) {
            return Err(serde::de::Error::custom(format!(
                "`{}` is not an exact decimal",
                q.value
            )));
        }
        Ok(Quantity {
            value: q.value,
            unit: q.unit,
        })
    }
}

/// Named figures in the order the rule declares them, serialised as a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values(pub Vec<(String, Quantity)>);

impl Values {
    /// The figure named `name` (`units[2].rent_cap`).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Quantity> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, q)| q)
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Values, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of named quantities")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Values, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Quantity>()? {
                    out.push((k, v));
                }
                Ok(Values(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Report {
    /// The result of the clause with id `clause`.
    #[must_use]
    pub fn result(&self, clause: &str) -> Option<&ClauseResult> {
        self.results.iter().find(|r| r.clause == clause)
    }

    /// Writes the reasons' sentences (`why[].text` in JSON) in `lang` from now on.
    pub fn set_language(&mut self, lang: crate::labels::Lang) {
        for r in &mut self.results {
            for w in r.reasons.iter_mut() {
                w.set_lang(lang);
            }
        }
    }

    /// Whether the JSON report carries `why`, the reasons as data with their sentences (it
    /// does unless this is set to `false`; `reasons`, their lines in the rule language, are
    /// always there). Writing `why` is most of the cost of writing a report: the HTTP API
    /// leaves it out unless asked (`why=true`).
    pub fn set_why(&mut self, why: bool) {
        for r in &mut self.results {
            for w in r.reasons.iter_mut() {
                w.set_why(why);
            }
        }
    }

    /// Whether what would change each result was searched for
    /// ([`Rulebook::evaluate_with_changes`](crate::Rulebook::evaluate_with_changes)): then a
    /// result against the subject with no `changes` is one that no change of up to three
    /// facts at once was found to turn. Not kept in JSON: a report read back says `false`.
    #[must_use]
    pub fn changes_searched(&self) -> bool {
        self.changes_searched
    }

    /// Whether any result is `non_compliant` (the command's exit status 1).
    #[must_use]
    pub fn has_non_compliance(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.outcome == Outcome::NonCompliant)
    }

    /// The report as the contract's JSON, on one line.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Appends the report to `out` as one line of a batch writes it: the contract's JSON with
    /// the input's line number first, `{"line":N,"subject":...,"as_of":...,"results":[...]}`.
    pub fn append_json(&self, line: u64, out: &mut Vec<u8>) {
        /// The report, with the batch's line number as its first field.
        #[derive(Serialize)]
        struct Numbered<'a> {
            line: u64,
            #[serde(flatten)]
            report: &'a Report,
        }
        // Writing to a `Vec` fails only on a map key that is not a string: there is none.
        let _ = serde_json::to_writer(out, &Numbered { line, report: self });
    }
}

// What would change a result (found by `changes`): the data a report carries.

/// How a fact must stand for the change to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The value or less (at the fact's precision).
    AtMost,
    /// The value or more (at the fact's precision).
    AtLeast,
    /// Exactly this value (a yes/no, a word, a date).
    Equals,
    /// Any value the fact may take: it decides the result the same way whatever it is.
    Any,
}

impl Relation {
    /// The relation's name in JSON: `at_most`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Relation::AtMost => "at_most",
            Relation::AtLeast => "at_least",
            Relation::Equals => "equals",
            Relation::Any => "any",
        }
    }
}

/// The value a changed fact takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FactValue {
    /// A number with its unit, exact: `{"value": "1876.53", "unit": "CNY"}`.
    Number(Quantity),
    /// Yes or no.
    Bool(bool),
    /// A word of the field, or a date as `YYYY-MM-DD`.
    Text(String),
}

/// One fact of a change: `rent` at most 1876.53 CNY.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactChange {
    /// The field, or an item's field as `units[2].area`.
    pub fact: String,
    /// How the fact must stand.
    pub relation: Relation,
    /// Absent for [`Relation::Any`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<FactValue>,
}

/// A change to the case, one or more facts at once, and the outcome it gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The facts that change together.
    pub facts: Vec<FactChange>,
    /// The outcome the changed case gets.
    pub outcome: Outcome,
}

impl fmt::Display for FactValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FactValue::Number(q) if q.unit.is_empty() || q.unit == "1" => f.write_str(&q.value),
            FactValue::Number(q) => write!(f, "{} {}", q.value, q.unit),
            FactValue::Bool(b) => write!(f, "{b}"),
            FactValue::Text(t) => f.write_str(t),
        }
    }
}

impl fmt::Display for FactChange {
    /// `rent at_most 1876.53 CNY`, `structure equals steel`, `floor_area any`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.fact, self.relation.name())?;
        if let Some(v) = &self.value {
            write!(f, " {v}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Change {
    /// `rent at_most 1876.53 CNY => compliant`; several facts joined by ` and `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fc) in self.facts.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "{fc}")?;
        }
        write!(f, " => {}", self.outcome.name())
    }
}

impl Change {
    /// The change as a sentence a caseworker reads, in Chinese (`zh`) or English, with the
    /// outcome in the reader's words (`outcome`): "would be compliant if rent at most
    /// 1,876.53 CNY" / "若 rent 不超过 1,876.53元，则为「符合」"; a margin (`margin`) as "would
    /// turn non-compliant from rent at least 1,876.54 CNY" / "至 … 时转为「…」".
    /// The change in the rule language's names: `units[1].rent at most 1,876.54 CNY`.
    #[must_use]
    pub fn sentence(&self, margin: bool, zh: bool, outcome: &str) -> String {
        let facts: Vec<String> = self
            .facts
            .iter()
            .map(|f| {
                let value = match &f.value {
                    Some(FactValue::Number(q)) => figure(q, zh),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                let relation = match (f.relation, zh) {
                    (Relation::AtMost, false) => "at most",
                    (Relation::AtLeast, false) => "at least",
                    (Relation::AtMost, true) => "不超过",
                    (Relation::AtLeast, true) => "不少于",
                    (Relation::Equals, _) => "=",
                    (Relation::Any, false) => return format!("{} any value", f.fact),
                    (Relation::Any, true) => return format!("{} 取任意值", f.fact),
                };
                format!("{} {relation} {value}", f.fact)
            })
            .collect();
        match (zh, margin) {
            (false, false) => format!("would be {outcome} if {}", facts.join(" and ")),
            (false, true) => format!("would turn {outcome} from {}", facts.join(" and ")),
            (true, false) => format!("若 {}，则为「{outcome}」", facts.join("，且 ")),
            (true, true) => format!("至 {} 时转为「{outcome}」", facts.join("，且 ")),
        }
    }
}

/// A number as people read it: thousands separators, and the unit (元, 平方米 in Chinese).
fn figure(q: &Quantity, zh: bool) -> String {
    let n = crate::reason::thousands(&q.value);
    match (q.unit.as_str(), zh) {
        ("" | "1" | "ratio", _) => n,
        ("CNY", true) => format!("{n}元"),
        ("m2", true) => format!("{n}平方米"),
        (u, _) => format!("{n} {u}"),
    }
}
