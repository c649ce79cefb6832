//! How a report reads to people, shared by the command line's report and the web page: the
//! groups results are shown in, numbers with thousands separators, and the Chinese of the
//! engine's few fixed phrases around the facts.

use crate::labels::{Label, Lang};
use crate::report::Outcome;
use crate::rulebook::{Clause, Rulebook};
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

/// `36110.00` as `36,110.00`: thousands separators in the whole part.
pub fn thousands(value: &str) -> String {
    let (sign, rest) = match value.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", value),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// A reason in Chinese: the engine writes its few fixed phrases in English around the
/// facts, field names and expressions (which stay as the rule files write them).
pub fn zh_reason(reason: &str) -> String {
    // "绍柯政办发〔2022〕14号 is in force from 2022-06-19 to 2025-12-31, not on 2026-01-01"
    if let Some((number, rest)) = reason.split_once(" is in force from ")
        && let Some((window, day)) = rest.split_once(", not on ")
    {
        let window = match window.split_once(" to ") {
            Some((from, to)) => format!("{from} 至 {to}"),
            None => format!("{window} 起"),
        };
        return format!("{number}施行期间为 {window}，{day} 不在其内");
    }
    if let Some(rest) = reason.strip_prefix("parameter ")
        && let Some((name, day)) = rest.split_once(" has no value in force on ")
    {
        return format!("参数 {name} 在 {day} 没有生效的取值");
    }
    if let Some(rest) = reason.strip_prefix("deadline ") {
        return format!(
            "期限 {}",
            rest.replace(": not yet passed", "：未到")
                .replace(": passed", "：已过")
        );
    }
    const PHRASES: &[(&str, &str)] = &[
        (", rounded half away from zero to ", "，四舍五入至 "),
        (", rounded down to ", "，向下取整至 "),
        (" against a target of ", "，目标 "),
        (" (not reached)", "（未达到）"),
        (" (reached)", "（已达到）"),
        (": yes (", "：是（"),
        (": no (", "：否（"),
        (" is undefined: ", " 无定义："),
        (", not ", "，而非 "),
        (" or ", " 或 "),
    ];
    let mut out = reason.to_string();
    for (en, zh) in PHRASES {
        out = out.replace(en, zh);
    }
    if out.contains("：是（") || out.contains("：否（") {
        if let Some(stripped) = out.strip_suffix(')') {
            out = format!("{stripped}）");
        }
    } else if let Some(stripped) = out.strip_suffix(": yes") {
        out = format!("{stripped}：是");
    } else if let Some(stripped) = out.strip_suffix(": no") {
        out = format!("{stripped}：否");
    }
    if let Some(stripped) = out.strip_suffix(" is 0`") {
        out = format!("{stripped} 为 0`");
    }
    out.replace("` is 0", "` 为 0")
}

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
    /// The names of clause `clause` (by id) of `book`.
    pub fn new(book: &'b Rulebook, clause: &str) -> Names<'b> {
        let clause = book.clauses.iter().find(|c| c.id == clause);
        let record = clause.map(|c| book.schema.record_of(c.subject));
        Names {
            book,
            clause,
            record,
        }
    }

    /// The names of a subject's facts (by subject name), for a result without a clause.
    pub fn of_subject(book: &'b Rulebook, subject: &str) -> Names<'b> {
        let record = book
            .schema
            .subject(subject)
            .map(|(_, s)| &book.schema.records[s.record as usize]);
        Names {
            book,
            clause: None,
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
            Lang::En => format!("{} of {list} {i}", name.en),
        }
    }

    /// A figure of the clause by its key in `values`: `units[2].rent_cap` reads
    /// `第2项户型的租金上限`; `two_star_share.shortfall` reads `二星级以上绿色建筑占比差额`.
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
            .or_else(|| c.goals.iter().find(|g| g.name == name).map(|g| &g.label))
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
    pub fn fact(&self, path: &str, lang: Lang) -> String {
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
    pub fn says(&self, path: &str, b: bool) -> Option<&'b Label> {
        let f = self.field(path)?;
        if b { f.yes.as_ref() } else { f.no.as_ref() }
    }

    /// The measure word of a counted fact at `path`: `套`.
    pub fn measure(&self, path: &str) -> Option<&'b Label> {
        self.field(path)?.measure.as_ref()
    }

    /// A word value of the fact at `path` in words: `dormitory` reads `宿舍型`.
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

#[cfg(test)]
mod tests {
    use super::{GROUPS, thousands, zh_reason};
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
    fn reasons_in_chinese_keep_the_facts() {
        assert_eq!(
            zh_reason(
                "绍柯政办发〔2022〕14号 is in force from 2022-06-19 to 2025-12-31, not on 2026-01-01"
            ),
            "绍柯政办发〔2022〕14号施行期间为 2022-06-19 至 2025-12-31，2026-01-01 不在其内"
        );
        assert_eq!(
            zh_reason("deadline 2025-12-31: not yet passed"),
            "期限 2025-12-31：未到"
        );
        assert_eq!(
            zh_reason("floors >= 10: no (floors = 9)"),
            "floors >= 10：否（floors = 9）"
        );
        assert_eq!(
            zh_reason("structure = concrete, not steel"),
            "structure = concrete，而非 steel"
        );
        assert_eq!(
            zh_reason("base * warranty_rate = 2.0050 CNY, rounded half away from zero to 2.01"),
            "base * warranty_rate = 2.0050 CNY，四舍五入至 2.01"
        );
        assert_eq!(
            zh_reason("`steel_prefab_area / prefab_area` is undefined: `prefab_area` is 0"),
            "`steel_prefab_area / prefab_area` 无定义：`prefab_area` 为 0"
        );
        assert_eq!(zh_reason("new = true"), "new = true");
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
