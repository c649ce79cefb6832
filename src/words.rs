//! How a report reads to people, shared by the command line's report and the web page: the
//! groups results are shown in, numbers with thousands separators and units, and the labels
//! of a clause's figures and its subject's facts.

use crate::Rulebook;
use crate::labels::{Label, Lang};
use crate::report::{Change, FactValue, Outcome, Relation};
use crate::rulebook::Clause;
use crate::schema::Record;

/// A group of results in a report for people: what it means for the subject.
pub struct Group {
    pub en: &'static str,
    pub zh: &'static str,
    pub outcomes: &'static [Outcome],
}

/// The groups, in the order a report shows them; every outcome is in one.
pub const GROUPS: &[Group] = &[
    Group {
        en: "What it gets",
        zh: "可享受",
        outcomes: &[Outcome::Eligible, Outcome::Computed],
    },
    Group {
        en: "What it must do",
        zh: "须做到",
        outcomes: &[Outcome::Required],
    },
    Group {
        en: "What it fails",
        zh: "不符合",
        outcomes: &[Outcome::NonCompliant, Outcome::NotEligible],
    },
    Group {
        en: "What it complies with",
        zh: "已符合",
        outcomes: &[Outcome::Compliant],
    },
    Group {
        en: "Targets",
        zh: "目标",
        outcomes: &[
            Outcome::Met,
            Outcome::OnTrack,
            Outcome::Behind,
            Outcome::NotMet,
        ],
    },
    Group {
        en: "Undetermined: the facts that would decide",
        zh: "待定：尚需以下事实",
        outcomes: &[Outcome::Undetermined],
    },
    Group {
        en: "Not applicable or not in force",
        zh: "不适用或不在有效期内",
        outcomes: &[Outcome::NotApplicable, Outcome::NotInForce],
    },
];

pub use crate::reason::figure;

/// The labels of one clause's figures and its subject's facts, for a report that names
/// them by the identifiers of the JSON report (`units[2].rent_cap`, `meets_arh_rules`).
pub struct Names<'b> {
    book: &'b Rulebook,
    clause: Option<&'b Clause>,
    record: Option<&'b Record>,
}

/// `units[2].area` as (`units`, 2, `area`); `area` as (``, 0, `area`).
fn split_item(path: &str) -> (&str, usize, &str) {
    if let Some((head, rest)) = path.split_once("].")
        && let Some((list, i)) = head.split_once('[')
        && let Ok(i) = i.parse()
    {
        return (list, i, rest);
    }
    ("", 0, path)
}

impl<'b> Names<'b> {
    /// The names of clause `clause` (by id) of `book` for subject `subject` (a clause may
    /// hold for more than one subject).
    #[must_use]
    pub fn new(book: &'b Rulebook, subject: &str, clause: &str) -> Names<'b> {
        let subject = book.schema.subject(subject).map(|(i, _)| i);
        let clause = book
            .clauses
            .iter()
            .find(|c| c.id == clause && Some(c.subject) == subject)
            .or_else(|| book.clauses.iter().find(|c| c.id == clause));
        let record = clause.map(|c| book.schema.record_of(c.subject));
        Names {
            book,
            clause,
            record,
        }
    }

    fn list_label(&self, list: &str) -> Option<(&'b Label, &'b Record)> {
        let rec = self.record?;
        let f = &rec.fields[*rec.by_name.get(list)? as usize];
        match f.ty {
            crate::units::Type::List(r) => Some((&f.label, &self.book.schema.records[r as usize])),
            _ => None,
        }
    }

    fn item_name(&self, list: &str, i: usize, name: &Label, lang: Lang) -> String {
        let list = self
            .list_label(list)
            .map(|(l, _)| l.get(lang).to_string())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| list.to_string());
        match lang {
            Lang::Zh => format!("第{i}项{list}的{}", name.zh),
            Lang::En => format!("{} of {list} no. {i}", name.en),
        }
    }

    /// A figure of the clause by its key in `values`: `units[2].rent_cap` reads
    /// `第2项户型的租金上限`; `two_star_share.shortfall` reads `二星级以上绿色建筑占比差额`.
    #[must_use]
    pub fn value(&self, key: &str, lang: Lang) -> String {
        let (list, i, rest) = split_item(key);
        let (name, suffix) = match rest.rsplit_once('.') {
            Some((n, s @ ("target" | "shortfall"))) => (n, Some(s)),
            _ => (rest, None),
        };
        let Some(c) = self.clause else {
            return key.to_string();
        };
        let label = c
            .lets
            .iter()
            .chain(&c.values)
            .chain(&c.amount)
            .find(|n| n.name == name)
            .map(|n| &n.label)
            .or_else(|| c.goals.iter().find(|g| *g.name == *name).map(|g| &g.label))
            .filter(|l| !l.is_incomplete());
        let Some(label) = label else {
            return key.to_string();
        };
        let label = match (suffix, lang) {
            (Some("target"), Lang::Zh) => Label::new(format!("{}目标", label.zh), ""),
            (Some("target"), Lang::En) => Label::new("", format!("target for {}", label.en)),
            (Some(_), Lang::Zh) => Label::new(format!("{}差额", label.zh), ""),
            (Some(_), Lang::En) => Label::new("", format!("shortfall of {}", label.en)),
            (None, _) => label.clone(),
        };
        if list.is_empty() {
            label.get(lang).to_string()
        } else {
            self.item_name(list, i, &label, lang)
        }
    }

    /// A fact of the subject by its path: `recognised` reads `项目认定书`, `units[2].area`
    /// reads `第2项户型的建筑面积`.
    #[must_use]
    pub fn fact(&self, path: &str, lang: Lang) -> String {
        // `units.rent`: an item fact missing from items of the list.
        if !path.contains('[')
            && let Some((list, field)) = path.split_once('.')
            && let Some((list_label, rec)) = self.list_label(list)
            && let Some(&k) = rec.by_name.get(field)
            && !list_label.is_incomplete()
            && !rec.fields[k as usize].label.is_incomplete()
        {
            let f = &rec.fields[k as usize].label;
            return match lang {
                Lang::Zh => format!("{}的{}", list_label.zh, f.zh),
                Lang::En => format!("{} of the {}", f.en, list_label.en),
            };
        }
        let (list, i, field) = split_item(path);
        let found = if list.is_empty() {
            self.record
                .and_then(|r| r.by_name.get(field).map(|&k| &r.fields[k as usize].label))
        } else {
            self.list_label(list)
                .and_then(|(_, r)| r.by_name.get(field).map(|&k| &r.fields[k as usize].label))
        };
        match found.filter(|l| !l.is_incomplete()) {
            Some(l) if list.is_empty() => l.get(lang).to_string(),
            Some(l) => self.item_name(list, i, l, lang),
            None => path.to_string(),
        }
    }

    fn field(&self, path: &str) -> Option<&'b crate::schema::Field> {
        let (list, _, field) = split_item(path);
        let rec = if list.is_empty() {
            self.record
        } else {
            self.list_label(list).map(|(_, r)| r)
        }?;
        rec.by_name.get(field).map(|&k| &rec.fields[k as usize])
    }

    /// The schema's phrase for a yes/no fact at `path` being `b`: `未取得项目认定书`.
    #[must_use]
    pub fn says(&self, path: &str, b: bool) -> Option<&'b Label> {
        let f = self.field(path)?;
        if b { f.yes.as_ref() } else { f.no.as_ref() }
    }

    /// The measure word of a counted fact at `path`: `套`.
    #[must_use]
    pub fn measure(&self, path: &str) -> Option<&'b Label> {
        self.field(path)?.measure.as_ref()
    }

    /// A word value of the fact at `path` in words: `dormitory` reads `宿舍型`.
    #[must_use]
    pub fn word(&self, path: &str, word: &str, lang: Lang) -> String {
        let (list, _, field) = split_item(path);
        let rec = if list.is_empty() {
            self.record
        } else {
            self.list_label(list).map(|(_, r)| r)
        };
        let ty = rec.and_then(|r| r.by_name.get(field).map(|&k| r.fields[k as usize].ty));
        if let Some(crate::units::Type::Word(ws) | crate::units::Type::Words(ws)) = ty {
            let set = &self.book.schema.word_sets[ws as usize];
            if let Some(l) = set.index(word).and_then(|i| set.labels.get(i as usize))
                && !l.is_incomplete()
            {
                return l.get(lang).to_string();
            }
        }
        word.to_string()
    }
}

/// A change in plain words: each fact by its label, words and yes/no as words, numbers with
/// their units: `若月租金不超过1,876.53元，则为「符合」`.
#[must_use]
pub fn change_sentence(
    change: &Change,
    margin: bool,
    names: &Names,
    lang: crate::labels::Lang,
    outcome: &str,
) -> String {
    let zh = lang == crate::labels::Lang::Zh;
    let facts: Vec<String> = change
            .facts
            .iter()
            .map(|f| {
                let name = names.fact(&f.fact, lang);
                if let Some(FactValue::Bool(b)) = f.value
                    && let Some(says) = names.says(&f.fact, b)
                {
                    return says.get(lang).to_string();
                }
                let value = match &f.value {
                    Some(FactValue::Number(q)) => {
                        let n = crate::words::figure(q.value(), q.unit(), lang);
                        match names.measure(&f.fact) {
                            Some(m) if zh => format!("{n}{}", m.zh),
                            Some(m) => format!("{n} {}", m.en),
                            None => n,
                        }
                    }
                    Some(FactValue::Bool(b)) => (match (zh, b) {
                        (true, true) => "是",
                        (true, false) => "否",
                        (false, true) => "yes",
                        (false, false) => "no",
                    })
                    .to_string(),
                    Some(FactValue::Text(t)) => match t.parse::<chrono::NaiveDate>() {
                        Ok(d) => crate::reason::date_text(d, lang),
                        Err(_) => names.word(&f.fact, t, lang),
                    },
                    None => String::new(),
                };
                let dated = matches!(&f.value, Some(FactValue::Text(t)) if t.parse::<chrono::NaiveDate>().is_ok());
                let relation = match (f.relation, zh) {
                    (Relation::AtMost, false) if dated => "on or before",
                    (Relation::AtLeast, false) if dated => "on or after",
                    (Relation::AtMost, true) if dated => "不晚于",
                    (Relation::AtLeast, true) if dated => "不早于",
                    (Relation::AtMost, false) => "at most",
                    (Relation::AtLeast, false) => "at least",
                    (Relation::AtMost, true) => "不超过",
                    (Relation::AtLeast, true) => "不少于",
                    (Relation::Equals, false) => "is",
                    (Relation::Equals, true) => "为",
                    (Relation::Any, false) => return format!("{name} any value"),
                    (Relation::Any, true) => return format!("{name}取任意值"),
                };
                if zh {
                    format!("{name}{relation}{value}")
                } else {
                    format!("{name} {relation} {value}")
                }
            })
            .collect();
    match (zh, margin) {
        (false, false) => format!("would be {outcome} if: {}", facts.join("; and ")),
        (false, true) => format!("would turn {outcome} if: {}", facts.join("; and ")),
        (true, false) => format!("若{}，则为「{outcome}」", facts.join("，且")),
        (true, true) => format!("至{}时转为「{outcome}」", facts.join("，且")),
    }
}

#[cfg(test)]
mod tests {
    use super::GROUPS;
    use crate::reason::thousands;
    use crate::report::Outcome;

    #[test]
    fn every_outcome_is_in_one_group() {
        for o in Outcome::ALL {
            assert_eq!(
                GROUPS.iter().filter(|g| g.outcomes.contains(&o)).count(),
                1,
                "{o:?}"
            );
        }
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands("36110.00"), "36,110.00");
        assert_eq!(thousands("1000000"), "1,000,000");
        assert_eq!(thousands("999"), "999");
        assert_eq!(thousands("-1234.5"), "-1,234.5");
        assert_eq!(thousands("0.249999999975"), "0.249999999975");
    }
}
