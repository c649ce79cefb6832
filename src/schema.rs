//! Subjects and their fields, declared as data in `rules/subjects.toml`.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::units::{Type, Unit};

/// All subjects, their records of fields, and the word sets those fields use.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub subjects: Vec<Subject>,
    /// Records of fields: each subject has one, and each list field's items have one.
    pub records: Vec<Record>,
    pub word_sets: Vec<WordSet>,
}

#[derive(Clone, Debug)]
pub struct Subject {
    pub name: String,
    pub title: String,
    /// What a report calls the subject.
    pub label: crate::labels::Label,
    pub record: u16,
}

#[derive(Clone, Debug, Default)]
pub struct Record {
    /// For messages: `rural_housing` or `rental_project.units`.
    pub path: String,
    pub fields: Vec<Field>,
    pub by_name: HashMap<String, u16>,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    /// The field's unit as a caseworker reads it: `m2`, `CNY`, `bool`, `date`, `int`, a word list.
    pub unit_label: String,
    /// An `int` field accepts whole numbers only.
    pub integer: bool,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub doc: String,
    /// What a report calls the field: `建筑面积` / `floor area`.
    pub label: crate::labels::Label,
    /// For a `bool` field, the phrase a report uses when it is true (`已取得项目认定书`) and
    /// when it is false (`未取得项目认定书`); `None` reads as "label: yes/no".
    pub yes: Option<crate::labels::Label>,
    pub no: Option<crate::labels::Label>,
    /// For an `int` field that counts things, the measure word: `套` / `units`, `层` / `floors`.
    pub measure: Option<crate::labels::Label>,
}

#[derive(Clone, Debug)]
pub struct WordSet {
    /// The field that declared it, for messages.
    pub owner: String,
    pub words: Vec<String>,
    /// What a report calls each word, in the order of `words`.
    pub labels: Vec<crate::labels::Label>,
}

impl WordSet {
    #[must_use]
    pub fn index(&self, word: &str) -> Option<u16> {
        self.words.iter().position(|w| w == word).map(|i| i as u16)
    }
}

impl Schema {
    #[must_use]
    pub fn subject(&self, name: &str) -> Option<(u16, &Subject)> {
        self.subjects
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name)
            .map(|(i, s)| (i as u16, s))
    }

    #[must_use]
    pub fn record_of(&self, subject: u16) -> &Record {
        &self.records[self.subjects[subject as usize].record as usize]
    }

    /// How a person reads a type: "m2", "a condition", "a word of `use`".
    #[must_use]
    pub fn describe(&self, ty: Type) -> String {
        match ty {
            Type::Bool => "a condition (true or false)".into(),
            Type::Num(u) if u == Unit::ONE => "a plain number or ratio".into(),
            Type::Num(u) => format!("an amount in {u}"),
            Type::Date => "a date".into(),
            Type::Duration => "a duration".into(),
            Type::Word(w) => format!(
                "a word of `{}` ({})",
                self.word_sets[w as usize].owner,
                self.word_sets[w as usize].words.join(" | ")
            ),
            Type::Words(w) => format!("a list of words of `{}`", self.word_sets[w as usize].owner),
            Type::List(r) => format!("a list of `{}` items", self.records[r as usize].path),
        }
    }
}

/// The nearest candidate to a misspelt name, if one is close enough to be what was meant.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    let len = name.chars().count();
    let limit = (len / 3).max(1) + 1;
    for c in candidates {
        // The distance is at least the difference in length: a long hostile name is not
        // compared character by character with every candidate.
        if len.abs_diff(c.chars().count()) > limit {
            continue;
        }
        let d = edit_distance(name, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["floor_area", "structure", "prefab"];
        assert_eq!(suggest("floor_aera", names), Some("floor_area"));
        assert_eq!(suggest("prefeb", names), Some("prefab"));
        assert_eq!(suggest("colour", names), None);
    }
}
