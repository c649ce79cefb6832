//! Why a clause came out as it did, as data: the facts, comparisons, items and derivations
//! that decided it. A reason is rendered as a sentence in Chinese or English from its
//! structure and the labels of the rule files ([`Reason::text`]); the rule language's form of
//! it (`floors >= 10: no (floors = 9)`) stays beside it ([`Reason::logic`]) for those who
//! read the rules.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::expr::{Expr, Value};
use crate::labels::{Label, Lang};

/// One reason of a result: what it says, as data, and the rule language's line for it.
#[derive(Clone)]
pub struct Reason {
    says: Says,
    /// The rule language's line, when written at once; else written from `says` when read.
    logic: Option<String>,
    /// What the line is about, for saying each thing once without writing the line: the
    /// expression's text and its value (a fact's, when the line reads as the fact's).
    key: Option<(Arc<str>, Option<Value>)>,
    lang: Lang,
    /// Whether the JSON report writes this reason's result's `why` (see `Reasons`).
    why: bool,
}

/// What a reason says: as data, or as the part of a rule it explains and the facts it was
/// evaluated on, put into data when it is read (an evaluation whose reasons nobody reads
/// does not pay for their words).
#[derive(Clone)]
enum Says {
    Now(Box<ReasonKind>),
    Later(Arc<dyn Explainer>, Site),
}

/// What puts a deferred reason into data: the rulebook's labels and one case's facts.
pub(crate) trait Explainer: Send + Sync {
    /// What the reason at `site` says.
    fn explain(&self, site: &Site) -> ReasonKind;
    /// The reason at `site` in the rule language: `floors >= 10: no (floors = 9)`.
    fn logic(&self, site: &Site) -> String;
    /// [`logic`](Self::logic) appended to `out`, for writers that reuse one buffer.
    fn logic_to(&self, site: &Site, out: &mut String) {
        out.push_str(&self.logic(site));
    }
}

/// A figure derived by the formula `expr`, its exact value and its rounding.
#[derive(Clone, Debug)]
pub(crate) struct Derivation {
    pub expr: Arc<Expr>,
    pub name: Label,
    pub unit: Arc<str>,
    pub value: Decimal,
    pub rounded: Option<(Rounded, Decimal)>,
    /// For the rule language's line: how the value reported differs from the exact one.
    pub shown: Option<(&'static str, Decimal)>,
}

/// The part of a rule a deferred reason explains.
#[derive(Clone, Debug)]
pub(crate) enum Site {
    /// A condition that decided, known to be the value.
    Leaf(Arc<Expr>, Value),
    /// A fact or parameter the result read, with its value.
    Fact(Arc<Expr>, Value),
    /// A figure derived by the formula `expr`, its exact value and its rounding.
    Derived(Box<Derivation>),
    /// A ratio whose divisor is zero.
    Undefined {
        ratio: Arc<Expr>,
        divisor: Arc<Expr>,
    },
    /// A goal of a target, its figure and its target.
    Goal(Box<GoalSite>),
}

/// A goal of a target as evaluated: what a goal's reason is made from.
#[derive(Clone, Debug)]
pub(crate) struct GoalSite {
    pub figure: Arc<Expr>,
    pub label: Label,
    pub name: Arc<str>,
    pub unit: Arc<str>,
    pub value: Decimal,
    pub target: Decimal,
    pub strict: bool,
    pub reached: bool,
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reason")
            .field("kind", &self.kind())
            .field("logic", &self.logic())
            .finish()
    }
}

impl PartialEq for Reason {
    fn eq(&self, other: &Reason) -> bool {
        self.logic() == other.logic() && self.kind() == other.kind()
    }
}

impl Eq for Reason {}

/// What a reason says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReasonKind {
    /// A fact of the case or a parameter, with its value.
    Fact(Fact),
    /// A word fact; when the test was for other words, the words it is not.
    Word {
        /// The fact.
        fact: Fact,
        /// The words the clause looked for, when the fact is none of them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        not: Vec<Label>,
    },
    /// A comparison, with both sides and their values.
    Comparison {
        /// The left side as the rule writes it.
        left: Side,
        /// The comparison as the rule writes it.
        op: Boundary,
        /// The right side.
        right: Side,
        /// Whether it holds.
        holds: bool,
    },
    /// A condition over the items of a list (`all`, `any`), with the items that decided it.
    Items {
        /// `true` for "every item", `false` for "some item".
        every: bool,
        /// What the list's items are called.
        list: Label,
        /// The condition on one item.
        condition: Label,
        /// Whether it holds.
        holds: bool,
        /// The items that decided it: the counter-examples of `every`, the examples of `some`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<Item>,
        /// Whether more items decided it than are listed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    /// Any other condition, with the facts it read.
    Condition {
        /// The condition.
        condition: Label,
        /// Whether it holds.
        holds: bool,
        /// The facts it read.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        facts: Vec<Fact>,
    },
    /// A figure the clause derives (its amount), with the formula and its rounding.
    Derived {
        /// What the figure is called.
        name: Label,
        /// The formula, each factor labelled with its value.
        formula: Label,
        /// The exact value.
        value: Shown,
        /// The value reported, when rounding changed it, and how it was rounded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rounded: Option<(Rounded, Shown)>,
    },
    /// The document is not in force on the evaluation date.
    NotInForce {
        /// The document's number (文号).
        document: String,
        /// First day in force.
        from: NaiveDate,
        /// Last day in force, when it has one.
        until: Option<NaiveDate>,
        /// The evaluation date.
        as_of: NaiveDate,
    },
    /// A parameter has no value in force on the evaluation date.
    NoParameterValue {
        /// The parameter.
        parameter: Label,
        /// The evaluation date.
        date: NaiveDate,
    },
    /// A ratio cannot be computed: its divisor is zero.
    Undefined {
        /// The ratio.
        ratio: Label,
        /// Its divisor.
        divisor: Label,
    },
    /// A goal of a target, with its figure and target.
    Goal {
        /// What the goal's figure is called.
        name: Label,
        /// The figure reached.
        figure: Shown,
        /// The target.
        target: Shown,
        /// `true` when the target must be exceeded (超过), `false` when reached (不低于).
        strict: bool,
        /// Whether the figure reaches the target.
        reached: bool,
    },
    /// A target's deadline.
    Deadline {
        /// The deadline.
        date: NaiveDate,
        /// Whether it has passed on the evaluation date.
        passed: bool,
    },
    /// A note the rule file attaches when its condition holds.
    Note {
        /// The note.
        note: Label,
    },
}

/// A fact of the case or a parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// Its identifier in the case file or rule file: `recognised`, `units[2].area`.
    pub name: crate::text::SharedText,
    /// What a report calls it: `项目认定书`.
    pub label: Label,
    /// Its value.
    pub value: Shown,
    /// For a yes/no fact, the schema's phrase for its value: `已取得项目认定书`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub says: Option<Label>,
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// What the side is: a fact's or value's label, or a formula with its factors' values;
    /// `None` for a constant, which its value says.
    pub name: Option<Label>,
    /// Whether `name` is a formula (its value then follows it as a result).
    pub formula: bool,
    /// Its value, when known.
    pub value: Option<Shown>,
}

/// One item of a list among the reasons: its position (from 1) and the facts that decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its position in the list, from 1.
    pub index: usize,
    /// The item's facts the condition read.
    pub facts: Vec<Fact>,
}

/// How a comparison bounds: in the gazette's words 不超过, 低于, 不低于, 超过 (以上 includes,
/// 超过 excludes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// `<=`: 不超过, at most.
    AtMost,
    /// `<`: 低于, below.
    Below,
    /// `>=`: 不低于 / 以上, at least.
    AtLeast,
    /// `>`: 超过, above.
    Above,
    /// `==`.
    Equal,
    /// `!=`.
    NotEqual,
}

impl Boundary {
    /// The boundary that holds when this one does not.
    #[must_use]
    pub fn negate(self) -> Boundary {
        match self {
            Boundary::AtMost => Boundary::Above,
            Boundary::Below => Boundary::AtLeast,
            Boundary::AtLeast => Boundary::Below,
            Boundary::Above => Boundary::AtMost,
            Boundary::Equal => Boundary::NotEqual,
            Boundary::NotEqual => Boundary::Equal,
        }
    }

    /// The boundary in words; `of`, a value compared, picks 不少于 for counts, 不晚于 for dates.
    #[must_use]
    pub fn words(self, lang: Lang, of: Option<&Shown>) -> &'static str {
        let dated = matches!(of, Some(Shown::Date(_)));
        let counted = matches!(of, Some(Shown::Number { .. }));
        match (lang, self) {
            (Lang::Zh, Boundary::AtMost) if dated => "不晚于",
            (Lang::Zh, Boundary::Below) if dated => "早于",
            (Lang::Zh, Boundary::AtLeast) if dated => "不早于",
            (Lang::Zh, Boundary::Above) if dated => "晚于",
            (Lang::Zh, Boundary::Below) if counted => "少于",
            (Lang::Zh, Boundary::AtLeast) if counted => "不少于",
            (Lang::Zh, Boundary::AtMost) => "不超过",
            (Lang::Zh, Boundary::Below) => "低于",
            (Lang::Zh, Boundary::AtLeast) => "不低于",
            (Lang::Zh, Boundary::Above) => "超过",
            (Lang::Zh, Boundary::Equal) => "等于",
            (Lang::Zh, Boundary::NotEqual) => "不等于",
            (Lang::En, Boundary::AtMost) if dated => "is on or before",
            (Lang::En, Boundary::Below) if dated => "is before",
            (Lang::En, Boundary::AtLeast) if dated => "is on or after",
            (Lang::En, Boundary::Above) if dated => "is after",
            (Lang::En, Boundary::AtMost) => "is at most",
            (Lang::En, Boundary::Below) => "is below",
            (Lang::En, Boundary::AtLeast) => "is at least",
            (Lang::En, Boundary::Above) => "is above",
            (Lang::En, Boundary::Equal) => "equals",
            (Lang::En, Boundary::NotEqual) => "does not equal",
        }
    }
}

/// How a figure was rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounded {
    /// Half away from zero, to the fen (amounts paid).
    HalfAwayFromZero,
    /// Down (caps).
    Down,
}

/// A value as a report shows it, with what it measures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Shown {
    /// Money, in yuan (CNY).
    Money(Decimal),
    /// An area, in square metres.
    Area(Decimal),
    /// Money per square metre.
    MoneyPerArea(Decimal),
    /// A share, shown as a percentage: `0.8` is 80%.
    Ratio(Decimal),
    /// A count or plain number, with the measure word of what it counts (套, 层).
    Number {
        /// The number.
        value: Decimal,
        /// What it counts, when the schema says.
        measure: Option<Label>,
    },
    /// A number in another unit, as the rule language writes the unit.
    Other {
        /// The number.
        value: Decimal,
        /// Its unit.
        unit: String,
    },
    /// Yes or no.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// A duration in months.
    Months(i64),
    /// A duration in days.
    Days(i64),
    /// One word of a word field.
    Word(Label),
    /// Words of a word-list field.
    Words(Vec<Label>),
}

impl Shown {
    /// The value in words: `36,110.00元`, `80%`, `2023年3月1日`; in English `36,110.00 CNY`.
    #[must_use]
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Shown::Money(d) => {
                let v = thousands(&d.to_string());
                if zh {
                    format!("{v}元")
                } else {
                    format!("{v} CNY")
                }
            }
            Shown::Area(d) => {
                let v = thousands(&d.to_string());
                if zh {
                    format!("{v}平方米")
                } else {
                    format!("{v} m²")
                }
            }
            Shown::MoneyPerArea(d) => {
                let v = thousands(&d.normalize().to_string());
                if zh {
                    format!("{v}元/平方米")
                } else {
                    format!("{v} CNY/m²")
                }
            }
            Shown::Ratio(d) => match d.checked_mul(Decimal::ONE_HUNDRED) {
                Some(p) => format!("{}%", p.normalize()),
                None => d.normalize().to_string(),
            },
            Shown::Number { value, measure } => {
                let v = thousands(&value.normalize().to_string());
                match measure {
                    Some(m) if zh => format!("{v}{}", m.zh),
                    Some(m) => format!("{v} {}", m.en),
                    None => v,
                }
            }
            Shown::Other { value, unit } => format!("{} {unit}", value.normalize()),
            Shown::Bool(b) => match (zh, b) {
                (true, true) => "是".into(),
                (true, false) => "否".into(),
                (false, true) => "yes".into(),
                (false, false) => "no".into(),
            },
            Shown::Date(d) => date_text(*d, lang),
            Shown::Months(n) => {
                if zh {
                    format!("{n}个月")
                } else {
                    format!("{n} months")
                }
            }
            Shown::Days(n) => {
                if zh {
                    format!("{n}日")
                } else {
                    format!("{n} days")
                }
            }
            Shown::Word(w) => w.get(lang).to_string(),
            Shown::Words(ws) if ws.is_empty() => (if zh { "无" } else { "none" }).into(),
            Shown::Words(ws) => ws
                .iter()
                .map(|w| w.get(lang))
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " }),
        }
    }
}

/// A figure of a report (its amount or a named value) as people read it: a share as a
/// percentage (`80%`), money with thousands separators and 元 (`36,110.00元`, `36,110.00 CNY`),
/// areas in 平方米 / m², counts with their measure word.
#[must_use]
pub fn figure(value: &str, unit: &str, lang: Lang) -> String {
    if unit == "ratio"
        && let Ok(d) = value.parse::<rust_decimal::Decimal>()
        && let Some(p) = d.checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
    {
        return format!("{}%", p.normalize());
    }
    let n = thousands(value);
    let zh = lang == Lang::Zh;
    match unit {
        "" | "1" | "ratio" => n,
        "CNY" if zh => format!("{n}元"),
        "m2" if zh => format!("{n}平方米"),
        "m2" => format!("{n} m²"),
        "CNY/m2" if zh => format!("{n}元/平方米"),
        "CNY/m2" => format!("{n} CNY/m²"),
        "units" if zh => format!("{n}套"),
        "sites" | "communities" | "projects" if zh => format!("{n}个"),
        u => format!("{n} {u}"),
    }
}

/// `36110.00` as `36,110.00`: thousands separators in the whole part.
#[must_use]
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

/// A date as people read it: `2023年3月1日`, `1 March 2023`.
#[must_use]
pub fn date_text(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
        }
    }
}

impl Fact {
    /// The fact as a statement: `已取得项目认定书`, `建筑面积：180.55平方米`.
    #[must_use]
    pub fn text(&self, lang: Lang) -> String {
        if let Some(says) = &self.says {
            return says.get(lang).to_string();
        }
        match lang {
            Lang::Zh => format!("{}：{}", self.label.zh, self.value.text(lang)),
            Lang::En => format!("{}: {}", self.label.en, self.value.text(lang)),
        }
    }
}

impl Side {
    fn text(&self, lang: Lang) -> String {
        let value = self.value.as_ref().map(|v| v.text(lang));
        match (&self.name, value) {
            (None, Some(v)) => v,
            (None, None) => String::new(),
            (Some(n), None) => n.get(lang).to_string(),
            (Some(n), Some(v)) if self.formula => match lang {
                Lang::Zh => format!("{}，即{v}", n.zh),
                Lang::En => format!("{}, that is {v}", n.en),
            },
            (Some(n), Some(v)) => match lang {
                Lang::Zh => format!("{}（{v}）", n.zh),
                Lang::En => format!("{} ({v})", n.en),
            },
        }
    }
}

/// A count compared with a bare number counts the same things: `18层` against `10层`.
pub(crate) fn share_measure(a: &mut Side, b: &mut Side) {
    let measure = |s: &Side| match &s.value {
        Some(Shown::Number {
            measure: Some(m), ..
        }) => Some(m.clone()),
        _ => None,
    };
    let (ma, mb) = (measure(a), measure(b));
    for (side, m) in [(a, mb), (b, ma)] {
        if let (
            Some(Shown::Number {
                measure: measure @ None,
                ..
            }),
            Some(m),
        ) = (&mut side.value, m)
        {
            *measure = Some(m);
        }
    }
}

impl Reason {
    /// A reason from what it says and the rule language's line for it.
    pub(crate) fn new(kind: ReasonKind, logic: String) -> Reason {
        Reason {
            says: Says::Now(Box::new(kind)),
            logic: Some(logic),
            key: None,
            lang: Lang::Zh,
            why: true,
        }
    }

    /// The reason with `logic` as its line of the rule language.
    pub(crate) fn with_logic(mut self, logic: String) -> Reason {
        self.logic = Some(logic);
        self
    }

    /// A reason known only by its line in the rule language (a report read from JSON
    /// without `why`): it says it as a note.
    #[must_use]
    pub fn line_only(logic: String) -> Reason {
        let note = Label::new(logic.as_str(), logic.as_str());
        Reason::new(ReasonKind::Note { note }, logic)
    }

    /// A reason put into data and into the rule language when it is read: `explainer`
    /// explains `site`.
    pub(crate) fn later(
        explainer: Arc<dyn Explainer>,
        site: Site,
        key: Option<(Arc<str>, Option<Value>)>,
    ) -> Reason {
        Reason {
            says: Says::Later(explainer, site),
            logic: None,
            key,
            lang: Lang::Zh,
            why: true,
        }
    }

    /// Whether this reason explains the expression written `text` at the value `value`
    /// (`None`: a ratio without value): the same reason as one about to be made for it.
    pub(crate) fn explains(&self, text: &str, value: Option<Value>) -> bool {
        self.key
            .as_ref()
            .is_some_and(|(t, v)| *v == value && **t == *text)
    }

    /// What the reason says, as data.
    #[must_use]
    pub fn kind(&self) -> ReasonKind {
        match &self.says {
            Says::Now(k) => (**k).clone(),
            Says::Later(x, site) => x.explain(site),
        }
    }

    /// The reason in the rule language, as the JSON report's `reasons` lists it:
    /// `floors >= 10: no (floors = 9)`.
    #[must_use]
    pub fn logic(&self) -> std::borrow::Cow<'_, str> {
        match (&self.logic, &self.says) {
            (Some(l), _) => std::borrow::Cow::Borrowed(l),
            (None, Says::Later(x, site)) => std::borrow::Cow::Owned(x.logic(site)),
            (None, Says::Now(_)) => std::borrow::Cow::Borrowed(""),
        }
    }

    /// [`logic`](Self::logic) appended to `out`: the same line, without a string of its own.
    pub(crate) fn logic_to(&self, out: &mut String) {
        match (&self.logic, &self.says) {
            (Some(l), _) => out.push_str(l),
            (None, Says::Later(x, site)) => x.logic_to(site, out),
            (None, Says::Now(_)) => {}
        }
    }

    /// The language [`Serialize`] writes `text` in (the report's language).
    pub(crate) fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// Whether the JSON report writes its result's `why` (see [`Report::set_why`]).
    ///
    /// [`Report::set_why`]: crate::report::Report::set_why
    pub(crate) fn set_why(&mut self, why: bool) {
        self.why = why;
    }

    /// Whether the JSON report writes its result's `why`.
    pub(crate) fn why(&self) -> bool {
        self.why
    }

    /// The reason as a sentence in `lang`, with labels and values and no identifier of the
    /// rule language.
    #[must_use]
    pub fn text(&self, lang: Lang) -> String {
        self.kind().text(lang)
    }
}

impl ReasonKind {
    /// The reason as a sentence in `lang`, with labels and values and no identifier of the
    /// rule language.
    #[must_use]
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let l = |x: &Label| x.get(lang).to_string();
        match self {
            ReasonKind::Fact(f) => f.text(lang),
            ReasonKind::Word { fact, not } => {
                let mut out = fact.text(lang);
                if !not.is_empty() {
                    let words: Vec<&str> = not.iter().map(|w| w.get(lang)).collect();
                    if zh {
                        let _ = write!(out, "，而非{}", words.join("或"));
                    } else {
                        let _ = write!(out, ", not {}", words.join(" or "));
                    }
                }
                out
            }
            ReasonKind::Comparison {
                left,
                op,
                right,
                holds,
            } => {
                let op = if *holds { *op } else { op.negate() };
                let of = left.value.as_ref().or(right.value.as_ref());
                let words = op.words(lang, of);
                if zh {
                    format!("{}{words}{}", left.text(lang), right.text(lang))
                } else {
                    format!("{} {words} {}", left.text(lang), right.text(lang))
                }
            }
            ReasonKind::Items {
                every,
                list,
                condition,
                holds,
                items,
                more,
            } => {
                let (list, cond) = (l(list), l(condition));
                let mut out = match (zh, every, holds) {
                    (true, true, true) => format!("全部{list}均{cond}"),
                    (true, true, false) => format!("并非全部{list}均{cond}"),
                    (true, false, true) => format!("有{list}{cond}"),
                    (true, false, false) => format!("没有{list}{cond}"),
                    (false, true, true) => format!("all of the {list}: {cond}"),
                    (false, true, false) => format!("not all of the {list}: {cond}"),
                    (false, false, true) => format!("some of the {list}: {cond}"),
                    (false, false, false) => format!("none of the {list}: {cond}"),
                };
                if !items.is_empty() {
                    let shown: Vec<String> = items
                        .iter()
                        .map(|i| {
                            let facts: Vec<String> = i.facts.iter().map(|f| f.text(lang)).collect();
                            if zh {
                                format!("第{}项{list}：{}", i.index, facts.join("，"))
                            } else {
                                format!("{list} no. {}: {}", i.index, facts.join(", "))
                            }
                        })
                        .collect();
                    if zh {
                        let _ = write!(
                            out,
                            "（{}{}）",
                            shown.join("；"),
                            if *more { "；……" } else { "" }
                        );
                    } else {
                        let _ = write!(
                            out,
                            " ({}{})",
                            shown.join("; "),
                            if *more { "; ..." } else { "" }
                        );
                    }
                }
                out
            }
            ReasonKind::Condition {
                condition,
                holds,
                facts,
            } => {
                let mut out = match (zh, holds) {
                    (true, true) => format!("{}：成立", condition.zh),
                    (true, false) => format!("{}：不成立", condition.zh),
                    (false, true) => format!("{}: holds", condition.en),
                    (false, false) => format!("{}: does not hold", condition.en),
                };
                if !facts.is_empty() {
                    let shown: Vec<String> = facts.iter().map(|f| f.text(lang)).collect();
                    if zh {
                        let _ = write!(out, "（{}）", shown.join("，"));
                    } else {
                        let _ = write!(out, " ({})", shown.join(", "));
                    }
                }
                out
            }
            ReasonKind::Derived {
                name,
                formula,
                value,
                rounded,
            } => {
                let mut out = format!("{} = {} = {}", l(name), l(formula), value.text(lang));
                if let Some((how, q)) = rounded {
                    let _ = match (zh, how) {
                        (true, Rounded::HalfAwayFromZero) => {
                            write!(out, "，四舍五入为{}", q.text(lang))
                        }
                        (true, Rounded::Down) => write!(out, "，向下取整为{}", q.text(lang)),
                        (false, Rounded::HalfAwayFromZero) => {
                            write!(out, ", rounded half away from zero to {}", q.text(lang))
                        }
                        (false, Rounded::Down) => write!(out, ", rounded down to {}", q.text(lang)),
                    };
                }
                out
            }
            ReasonKind::NotInForce {
                document,
                from,
                until,
                as_of,
            } => {
                let (from, as_of) = (date_text(*from, lang), date_text(*as_of, lang));
                match (zh, until) {
                    (true, Some(u)) => format!(
                        "{document}自{from}起施行，有效期至{}，{as_of}不在其内",
                        date_text(*u, lang)
                    ),
                    (true, None) => format!("{document}自{from}起施行，{as_of}不在其内"),
                    (false, Some(u)) => format!(
                        "{document} is in force from {from} to {}, not on {as_of}",
                        date_text(*u, lang)
                    ),
                    (false, None) => format!("{document} is in force from {from}, not on {as_of}"),
                }
            }
            ReasonKind::NoParameterValue { parameter, date } => {
                let date = date_text(*date, lang);
                if zh {
                    format!("{}在{date}没有生效的取值", parameter.zh)
                } else {
                    format!("{} has no value in force on {date}", parameter.en)
                }
            }
            ReasonKind::Undefined { ratio, divisor } => {
                if zh {
                    format!("{}无法计算：{}为零", ratio.zh, divisor.zh)
                } else {
                    format!("{} cannot be computed: {} is zero", ratio.en, divisor.en)
                }
            }
            ReasonKind::Goal {
                name,
                figure,
                target,
                strict,
                reached,
            } => {
                let (f, t) = (figure.text(lang), target.text(lang));
                match (zh, strict, reached) {
                    (true, true, r) => format!(
                        "{}为{f}，目标为超过{t}：{}",
                        name.zh,
                        if *r { "已达到" } else { "未达到" }
                    ),
                    (true, false, r) => format!(
                        "{}为{f}，目标为{}{t}：{}",
                        name.zh,
                        // A count reaches its target by 不少于, a share or an area by 不低于.
                        if matches!(target, Shown::Number { .. }) {
                            "不少于"
                        } else {
                            "不低于"
                        },
                        if *r { "已达到" } else { "未达到" }
                    ),
                    (false, s, r) => format!(
                        "{} is {f} against a target of {} {t}: {}",
                        name.en,
                        if *s { "more than" } else { "at least" },
                        if *r { "reached" } else { "not reached" }
                    ),
                }
            }
            ReasonKind::Deadline { date, passed } => {
                let d = date_text(*date, lang);
                match (zh, passed) {
                    (true, true) => format!("期限{d}已过"),
                    (true, false) => format!("期限{d}未到"),
                    (false, true) => format!("the deadline {d} has passed"),
                    (false, false) => format!("the deadline {d} has not yet passed"),
                }
            }
            ReasonKind::Note { note } => l(note),
        }
    }
}

impl Serialize for Reason {
    /// `{"kind": "comparison", ..., "text": "…"}`: the typed reason with its sentence in the
    /// report's language.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            kind: &'a ReasonKind,
            text: String,
        }
        let kind = self.kind();
        Out {
            text: kind.text(self.lang),
            kind: &kind,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Reason {
    /// Reads what [`Serialize`] writes; `text` is rendered, so it is not read back, and the
    /// line of the rule language is its result's `reasons` entry (see `Reasons`).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reason, D::Error> {
        #[derive(Deserialize)]
        struct In {
            #[serde(flatten)]
            kind: ReasonKind,
        }
        let i = In::deserialize(d)?;
        Ok(Reason::new(i.kind, String::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn values_read_as_people_write_them() {
        let zh = Lang::Zh;
        assert_eq!(Shown::Money(d("36110.00")).text(zh), "36,110.00元");
        assert_eq!(Shown::Money(d("36110.00")).text(Lang::En), "36,110.00 CNY");
        assert_eq!(Shown::Ratio(d("0.8")).text(zh), "80%");
        assert_eq!(Shown::Ratio(d("0.249999999975")).text(zh), "24.9999999975%");
        let taos = Some(Label::new("套", "units"));
        let n = Shown::Number {
            value: d("80.0"),
            measure: taos,
        };
        assert_eq!(n.text(zh), "80套");
        assert_eq!(n.text(Lang::En), "80 units");
        let date = NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
        assert_eq!(Shown::Date(date).text(zh), "2023年3月1日");
        assert_eq!(Shown::Date(date).text(Lang::En), "1 March 2023");
        assert_eq!(Shown::Area(d("180.55")).text(zh), "180.55平方米");
        assert_eq!(Shown::MoneyPerArea(d("200")).text(zh), "200元/平方米");
    }

    #[test]
    fn a_comparison_that_fails_reads_with_the_opposite_boundary() {
        let side = |zh: &str, en: &str, v: Shown| Side {
            name: Some(Label::new(zh, en)),
            formula: false,
            value: Some(v),
        };
        let r = Reason::new(
            ReasonKind::Comparison {
                left: side("建筑面积", "floor area", Shown::Area(d("95.00"))),
                op: Boundary::AtMost,
                right: Side {
                    name: None,
                    formula: false,
                    value: Some(Shown::Area(d("90"))),
                },
                holds: false,
            },
            "area <= 90 m2: no".into(),
        );
        assert_eq!(r.text(Lang::Zh), "建筑面积（95.00平方米）超过90平方米");
        assert_eq!(r.text(Lang::En), "floor area (95.00 m²) is above 90 m²");
        assert_eq!(r.logic(), "area <= 90 m2: no");
    }
}
