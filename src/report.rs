//! The report of an evaluation, as the public contract (docs/contract.md) fixes it in JSON.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub subject: String,
    pub as_of: NaiveDate,
    pub results: Vec<ClauseResult>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseResult {
    pub clause: SharedText,
    pub document: SharedText,
    pub number: SharedText,
    pub section: SharedText,
    pub quote: SharedText,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Quantity>,
    #[serde(default)]
    pub values: Values,
    /// Why the outcome is what it is: in JSON both `reasons` (each reason's line in the rule
    /// language) and `why` (each reason as data, with its sentence `text` in the report's
    /// language), in the same order.
    #[serde(flatten)]
    pub reasons: Reasons,
    #[serde(default)]
    pub missing: Vec<String>,
    /// For a result against the subject, the changes to the case that would turn it; for an
    /// undetermined one, the values of its missing facts that decide it. Filled by
    /// [`Rulebook::evaluate_with_changes`](crate::rulebook::Rulebook::evaluate_with_changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<crate::changes::Change>,
    /// For a favourable result, the nearest changes of the facts it reads that would turn it
    /// against the subject: how far each may move.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub margin: Vec<crate::changes::Change>,
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
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|r| r.logic())
    }

    /// Whether one reason's line in the rule language is `line`.
    pub fn has_line(&self, line: &str) -> bool {
        self.lines().any(|l| l == line)
    }
}

impl Serialize for Reasons {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Lines<'a>(&'a [crate::reason::Reason]);
        impl Serialize for Lines<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|r| r.logic()))
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("reasons", &Lines(&self.0))?;
        if !self.0.is_empty() {
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
            Some(w) => w,
            None => b
                .reasons
                .into_iter()
                .map(crate::reason::Reason::line_only)
                .collect(),
        }))
    }
}

/// Text a report shares with the rulebook it comes from: a clause's id, section and quote,
/// its document's id and number. A clone shares the text rather than copying it, so that a
/// report of a dozen results does not copy a dozen quotes. It reads as a `&str` (`Deref`),
/// compares with strings, and prints and serialises as one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedText(Arc<str>);

impl SharedText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Text already shared elsewhere, shared once more rather than copied.
    pub fn from_shared(text: Arc<str>) -> SharedText {
        SharedText(text)
    }
}

impl Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedText {
    fn from(s: &str) -> SharedText {
        SharedText(s.into())
    }
}

impl From<String> for SharedText {
    fn from(s: String) -> SharedText {
        SharedText(s.into())
    }
}

impl From<SharedText> for String {
    fn from(s: SharedText) -> String {
        s.0.as_ref().to_owned()
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedText> for str {
    fn eq(&self, other: &SharedText) -> bool {
        *self == *other.0
    }
}

impl PartialEq<SharedText> for &str {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl PartialEq<SharedText> for String {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SharedText, D::Error> {
        String::deserialize(d).map(SharedText::from)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Eligible,
    NotEligible,
    Compliant,
    NonCompliant,
    Required,
    Computed,
    Met,
    NotMet,
    OnTrack,
    Behind,
    NotApplicable,
    NotInForce,
    Undetermined,
}

impl Outcome {
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

/// An exact number with its unit: `{"value": "36110.00", "unit": "CNY"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: String,
    pub unit: String,
}

/// Named figures in the order the rule declares them, serialised as a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values(pub Vec<(String, Quantity)>);

impl Values {
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

    /// Whether any result is `non_compliant` (the command's exit status 1).
    pub fn has_non_compliance(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.outcome == Outcome::NonCompliant)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_reads_prints_and_serialises_as_a_string() {
        let s = String::from("arh-rent-cap \"二（三）\"");
        let t = SharedText::from(s.as_str());
        assert_eq!(t, s);
        assert_eq!(s, t);
        assert_eq!(t, *s.as_str());
        assert_eq!(t, s.as_str());
        assert_eq!(s.as_str(), t);
        assert!(t != "arh-rent-cap");
        assert_eq!(format!("{t:?}"), format!("{s:?}"));
        assert_eq!(t.to_string(), s);
        assert_eq!(t.len(), s.len());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, serde_json::to_string(&s).unwrap());
        assert_eq!(serde_json::from_str::<SharedText>(&json).unwrap(), t);
        // A clone shares the text.
        let u = t.clone();
        assert!(std::ptr::eq(t.as_str(), u.as_str()));
        assert_eq!(String::from(u), s);
    }
}
