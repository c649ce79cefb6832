//! Expressions and values in words: what a reason calls a part of a rule and how it shows a
//! value, from the labels of the rule files. Used by the evaluator's explanations to build
//! typed [`Reason`](crate::reason::Reason)s; no identifier of the rule language reaches a
//! phrase made here.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::expr::{
    AddrMap, AddrSet, AggOp, ArithOp, CmpOp, Cx, Expr, ExprKind, Facts, Param, Tri, Value,
    shared_addr,
};
use crate::json_out;
use crate::labels::Label;
use crate::reason::{Boundary, Explainer, Fact, ReasonKind, Shown, Side, Site};
use crate::schema::{Field, Record, Schema};
use crate::units::{Type, Unit};
use std::ops::Range;

/// What a plain number counts or measures, for showing it.
#[derive(Clone, Debug)]
enum Measure {
    /// A count of things, with the measure word when the schema gives one.
    Count(Option<Label>),
    /// A share, shown as a percentage.
    Ratio,
    /// A number.
    Plain,
}

/// What the words of one evaluation read: the schema's labels, the subject's record, the
/// parameters and the case's facts.
pub(crate) struct Words<'a> {
    pub schema: &'a Schema,
    pub record: &'a Record,
    pub params: &'a [Param],
    pub cx: Cx<'a>,
}

/// The labels of a rulebook, shared by the reasons of every report made with it.
#[derive(Debug, Default)]
pub(crate) struct BookWords {
    pub schema: Schema,
    pub params: Vec<Param>,
}

/// What the deferred reasons of one evaluation are put into words with: the rulebook's
/// labels, the case's facts, its subject and date.
pub(crate) struct Scene {
    pub book: Arc<BookWords>,
    pub subject: u16,
    pub facts: Facts,
    pub as_of: NaiveDate,
}

impl Scene {
    /// The words of this scene, with `memo` for the shared definitions they work out (one a
    /// reason: a scene is shared between threads, a memo is not).
    fn words<'a>(&'a self, memo: &'a crate::expr::Memo) -> Words<'a> {
        let schema = &self.book.schema;
        Words {
            schema,
            record: schema.record_of(self.subject),
            params: &self.book.params,
            cx: Cx {
                facts: &self.facts,
                item: None,
                params: &self.book.params,
                as_of: self.as_of,
                memo,
            },
        }
    }
}

impl Explainer for Scene {
    fn logic(&self, site: &Site) -> String {
        let mut line = String::with_capacity(96);
        self.logic_to(site, &mut line);
        line
    }

    fn logic_to(&self, site: &Site, line: &mut String) {
        use std::fmt::Write as _;
        let memo = crate::expr::Memo::default();
        let words = self.words(&memo);
        match site {
            Site::Leaf(e, v) => words.logic_leaf_to(line, e, *v),
            Site::Fact(e, v) => words.logic_fact_to(line, &e.text, e.ty, *v),
            Site::Undefined { ratio, divisor } => {
                let _ = write!(
                    line,
                    "`{}` is undefined: `{}` is 0",
                    ratio.text, divisor.text
                );
            }
            Site::Derived(d) => {
                line.push_str(&d.expr.text);
                line.push_str(" = ");
                json_out::push_decimal(line, d.value);
                line.push(' ');
                line.push_str(&d.unit);
                if let Some((how, q)) = d.shown {
                    let _ = write!(line, ", rounded {how} to {q}");
                }
            }
            Site::Goal(g) => {
                let _ = write!(
                    line,
                    "{}: {} {} against a target of {} {} ({})",
                    g.name,
                    g.value.normalize(),
                    g.unit,
                    if g.strict { ">" } else { ">=" },
                    g.target.normalize(),
                    if g.reached { "reached" } else { "not reached" }
                );
            }
        }
    }

    fn explain(&self, site: &Site) -> ReasonKind {
        let memo = crate::expr::Memo::default();
        let words = self.words(&memo);
        match site {
            Site::Leaf(e, v) => words.leaf_kind(e, *v),
            Site::Fact(e, v) => ReasonKind::Fact(words.fact(e, *v)),
            Site::Derived(d) => {
                let shown = |v: Decimal| words.shown(&d.expr, Value::Num(v), None);
                // A figure that is one fact is named, not shown twice.
                let leaf = matches!(
                    d.expr.kind,
                    ExprKind::Field(_) | ExprKind::Param(_) | ExprKind::Named(..)
                );
                ReasonKind::Derived {
                    name: d.name.clone(),
                    formula: words.phrase_label(&d.expr, !leaf),
                    value: shown(d.value),
                    rounded: d.rounded.map(|(how, q)| (how, shown(q))),
                }
            }
            Site::Goal(g) => ReasonKind::Goal {
                name: g.label.clone(),
                figure: words.shown(&g.figure, Value::Num(g.value), None),
                // The target counts what the figure counts.
                target: words.shown(&g.figure, Value::Num(g.target), None),
                strict: g.strict,
                reached: g.reached,
            },
            Site::Undefined { ratio, divisor } => ReasonKind::Undefined {
                ratio: words.phrase_label(ratio, false),
                divisor: words.phrase_label(divisor, false),
            },
        }
    }
}

/// A phrase in both languages, built side by side.
#[derive(Default)]
struct Both {
    zh: String,
    en: String,
}

impl Both {
    fn of(l: &Label) -> Both {
        Both {
            zh: l.zh.to_string(),
            en: l.en.to_string(),
        }
    }
    fn label(self) -> Label {
        Label::new(self.zh, self.en)
    }
}

fn bool_words(b: bool) -> Both {
    Both {
        zh: (if b { "是" } else { "否" }).into(),
        en: (if b { "yes" } else { "no" }).into(),
    }
}

/// The word, or the identifier when a rule folder gives no label (never in the built-in
/// rulebook, whose loader requires them).
fn word_label(schema: &Schema, set: u16, w: u16) -> Label {
    let ws = &schema.word_sets[set as usize];
    match ws.labels.get(w as usize) {
        Some(l) if !l.is_incomplete() => l.clone(),
        _ => {
            let w = ws.words.get(w as usize).map_or("", String::as_str);
            Label::new(w, w)
        }
    }
}

fn field_label(f: &Field) -> Label {
    if f.label.is_incomplete() {
        Label::new(f.name.as_str(), f.name.as_str())
    } else {
        f.label.clone()
    }
}

/// The boundary a comparison operator draws.
pub(crate) fn boundary(op: CmpOp) -> Boundary {
    match op {
        CmpOp::Le => Boundary::AtMost,
        CmpOp::Lt => Boundary::Below,
        CmpOp::Ge => Boundary::AtLeast,
        CmpOp::Gt => Boundary::Above,
        CmpOp::Eq => Boundary::Equal,
        CmpOp::Ne => Boundary::NotEqual,
    }
}

impl<'a> Words<'a> {
    /// The record of the items of list field `list` of the subject.
    fn item_record(&self, list: u16) -> Option<&'a Record> {
        match self.record.fields.get(list as usize)?.ty {
            Type::List(r) => self.schema.records.get(r as usize),
            _ => None,
        }
    }

    fn known(&self, e: &Expr, cx: &Cx) -> Option<Value> {
        match e.eval(cx) {
            Ok(Tri::Known(v)) => Some(v),
            _ => None,
        }
    }

    fn measure(&self, e: &Expr, item: Option<&Record>) -> Measure {
        self.measure_in(e, item, &mut AddrMap::default())
    }

    /// [`measure`](Self::measure), each shared definition measured once (`seen`, by its
    /// body's address: a body reads no item's field outside an aggregate of its own, so its
    /// measure is the same under any item).
    fn measure_in(&self, e: &Expr, item: Option<&Record>, seen: &mut AddrMap<Measure>) -> Measure {
        let of_field = |f: &Field| {
            if f.integer {
                Measure::Count(f.measure.clone())
            } else if f.unit_label == "ratio" {
                Measure::Ratio
            } else {
                Measure::Plain
            }
        };
        match &e.kind {
            ExprKind::Field(i) => self
                .record
                .fields
                .get(*i as usize)
                .map_or(Measure::Plain, of_field),
            ExprKind::ItemField(i) => item
                .and_then(|r| r.fields.get(*i as usize))
                .map_or(Measure::Plain, of_field),
            ExprKind::Param(i) => {
                let whole = self.params.get(*i as usize).is_none_or(|p| {
                    p.versions
                        .iter()
                        .all(|v| matches!(v.value, Value::Num(d) if d.fract().is_zero()))
                });
                if whole {
                    Measure::Plain
                } else {
                    Measure::Ratio
                }
            }
            ExprKind::Const(Value::Num(d)) => {
                if e.text.trim_end().ends_with('%') || !d.fract().is_zero() {
                    Measure::Ratio
                } else {
                    Measure::Plain
                }
            }
            ExprKind::Named(_, inner) => {
                seen.once(inner, |seen| self.measure_in(inner, item, seen))
            }
            ExprKind::Neg(inner) => self.measure_in(inner, item, seen),
            ExprKind::Arith(op, a, b) => {
                let (ma, mb) = (
                    self.measure_in(a, item, seen),
                    self.measure_in(b, item, seen),
                );
                match op {
                    ArithOp::Mul => match (ma, mb) {
                        (Measure::Count(m), _) | (_, Measure::Count(m)) => Measure::Count(m),
                        (Measure::Ratio, Measure::Ratio) => Measure::Ratio,
                        _ => Measure::Plain,
                    },
                    ArithOp::Div => Measure::Ratio,
                    ArithOp::Add | ArithOp::Sub => ma,
                }
            }
            ExprKind::Agg {
                op: AggOp::Sum,
                list,
                body: Some(body),
                ..
            } => self.measure_in(body, self.item_record(*list), seen),
            ExprKind::Agg {
                op: AggOp::Count, ..
            } => Measure::Count(None),
            ExprKind::MinMax { args, .. } => args
                .first()
                .map_or(Measure::Plain, |a| self.measure_in(a, item, seen)),
            ExprKind::If(_, a, _) => self.measure_in(a, item, seen),
            _ => Measure::Plain,
        }
    }

    /// A value of type `ty` as a report shows it; `e` says what a plain number measures.
    pub fn shown(&self, e: &Expr, v: Value, item: Option<&Record>) -> Shown {
        self.shown_as(e.ty, v, || self.measure(e, item))
    }

    fn shown_as(&self, ty: Type, v: Value, measure: impl FnOnce() -> Measure) -> Shown {
        match (v, ty) {
            (Value::Num(d), Type::Num(u)) => {
                if u == Unit::CNY {
                    Shown::Money(d)
                } else if u == Unit::M2 {
                    Shown::Area(d)
                } else if Some(u) == Unit::CNY.per(Unit::M2) {
                    Shown::MoneyPerArea(d)
                } else if u == Unit::ONE {
                    match measure() {
                        Measure::Ratio => Shown::Ratio(d),
                        Measure::Count(m) => Shown::Number {
                            value: d,
                            measure: m,
                        },
                        Measure::Plain => Shown::Number {
                            value: d,
                            measure: None,
                        },
                    }
                } else {
                    Shown::Other {
                        value: d,
                        unit: u.to_string(),
                    }
                }
            }
            (Value::Num(d), _) => Shown::Number {
                value: d,
                measure: None,
            },
            (Value::Bool(b), _) => Shown::Bool(b),
            (Value::Date(d), _) => Shown::Date(d),
            (Value::Dur(d), _) => {
                if d.months != 0 {
                    Shown::Months(d.months.into())
                } else {
                    Shown::Days(d.days.into())
                }
            }
            (Value::Word(w), Type::Word(set)) => Shown::Word(word_label(self.schema, set, w)),
            (Value::Words(bits), Type::Words(set)) => {
                let n = self.schema.word_sets[set as usize].words.len();
                Shown::Words(
                    (0..n as u16)
                        .filter(|&i| bits.has(i))
                        .map(|i| word_label(self.schema, set, i))
                        .collect(),
                )
            }
            (Value::Word(_) | Value::Words(_), _) => Shown::Words(Vec::new()),
        }
    }

    /// A fact of the subject, a parameter or a named value, with its value.
    pub fn fact(&self, e: &Expr, v: Value) -> Fact {
        let (label, says) = match &e.kind {
            ExprKind::Field(i) => match self.record.fields.get(*i as usize) {
                Some(f) => (field_label(f), Self::says(f, v)),
                None => (Label::default(), None),
            },
            _ => (self.name_of(e, None), None),
        };
        Fact {
            name: crate::text::SharedText::from_shared(e.text.clone()),
            label,
            value: self.shown(e, v, None),
            says,
        }
    }

    /// An item's field with its value.
    pub fn item_fact(&self, list: &str, index: usize, f: &Field, v: Value) -> Fact {
        Fact {
            name: format!("{list}[{index}].{}", f.name).into(),
            label: field_label(f),
            value: self.shown_as(f.ty, v, || {
                if f.integer {
                    Measure::Count(f.measure.clone())
                } else if f.unit_label == "ratio" {
                    Measure::Ratio
                } else {
                    Measure::Plain
                }
            }),
            says: Self::says(f, v),
        }
    }

    fn says(f: &Field, v: Value) -> Option<Label> {
        match v {
            Value::Bool(true) => f.yes.clone(),
            Value::Bool(false) => f.no.clone(),
            _ => None,
        }
    }

    /// What a leaf or named value is called (a field's, parameter's or value's label).
    fn name_of(&self, e: &Expr, item: Option<&Record>) -> Label {
        match &e.kind {
            ExprKind::Field(i) => self
                .record
                .fields
                .get(*i as usize)
                .map(field_label)
                .unwrap_or_default(),
            ExprKind::ItemField(i) => item
                .and_then(|r| r.fields.get(*i as usize))
                .map(field_label)
                .unwrap_or_default(),
            ExprKind::Param(i) => match self.params.get(*i as usize) {
                Some(p) if !p.label.is_incomplete() => p.label.clone(),
                Some(p) => Label::new(p.name.clone(), p.name.clone()),
                None => Label::default(),
            },
            ExprKind::Named(n, _) if !n.label.is_incomplete() => n.label.clone(),
            ExprKind::Named(n, _) => Label::new(n.name.clone(), n.name.clone()),
            ExprKind::AsOf => Label::new("评估日期", "the evaluation date"),
            _ => self.phrase(e, item, false).label(),
        }
    }

    /// One side of a comparison: a constant by its value, a fact or named value by its label
    /// and value, a formula by its factors and result.
    pub fn side(&self, e: &Expr) -> Side {
        let value = self.known(e, &self.cx).map(|v| self.shown(e, v, None));
        match &e.kind {
            ExprKind::Const(_) => Side {
                name: None,
                formula: false,
                value,
            },
            ExprKind::Field(_) | ExprKind::Param(_) | ExprKind::Named(..) | ExprKind::AsOf => {
                Side {
                    name: Some(self.name_of(e, None)),
                    formula: false,
                    value,
                }
            }
            ExprKind::Agg { .. } => Side {
                name: Some(self.total_name(e, true).label()),
                formula: false,
                value,
            },
            _ => Side {
                name: Some(self.phrase(e, None, true).label()),
                formula: true,
                value,
            },
        }
    }

    /// The phrase for `e` as a noun (a number, a date) or a statement (a condition that
    /// holds). With `values`, facts and parameters outside list items carry their values.
    pub fn phrase_label(&self, e: &Expr, values: bool) -> Label {
        self.phrase(e, None, values).label()
    }

    /// A condition as a statement that is `truth`: the statement `e` when `truth`, its
    /// negation otherwise.
    pub fn statement_label(&self, e: &Expr, truth: bool, values: bool) -> Label {
        self.statement(e, truth, None, values).label()
    }

    /// A condition on one item of a list, as a statement that holds.
    pub fn item_statement(&self, e: &Expr, item: Option<&Record>) -> Label {
        self.statement(e, true, item, true).label()
    }

    fn value_in(&self, e: &Expr, item: Option<&Record>, values: bool) -> Option<Both> {
        if !values || item.is_some() && self.reads_item(e) {
            return None;
        }
        let v = self.known(e, &self.cx)?;
        let s = self.shown(e, v, item);
        Some(Both {
            zh: s.text(crate::labels::Lang::Zh),
            en: s.text(crate::labels::Lang::En),
        })
    }

    fn reads_item(&self, e: &Expr) -> bool {
        let mut found = false;
        e.walk(&mut |n| found |= matches!(n.kind, ExprKind::ItemField(_)));
        found
    }

    fn with_value(&self, name: Both, e: &Expr, item: Option<&Record>, values: bool) -> Both {
        match self.value_in(e, item, values) {
            Some(v) => Both {
                zh: format!("{}（{}）", name.zh, v.zh),
                en: format!("{} ({})", name.en, v.en),
            },
            None => name,
        }
    }

    fn phrase(&self, e: &Expr, item: Option<&Record>, values: bool) -> Both {
        match &e.kind {
            ExprKind::Const(v) => {
                let s = self.shown(e, *v, item);
                Both {
                    zh: s.text(crate::labels::Lang::Zh),
                    en: s.text(crate::labels::Lang::En),
                }
            }
            ExprKind::Field(_) | ExprKind::Param(_) | ExprKind::Named(..) | ExprKind::AsOf => {
                let name = Both::of(&self.name_of(e, item));
                self.with_value(name, e, item, values)
            }
            ExprKind::ItemField(_) => Both::of(&self.name_of(e, item)),
            ExprKind::Neg(a) => {
                let a = self.operand(a, item, values);
                Both {
                    zh: format!("负{}", a.zh),
                    en: format!("minus {}", a.en),
                }
            }
            ExprKind::Arith(op, a, b) => {
                let (a, b) = (self.operand(a, item, values), self.operand(b, item, values));
                let sym = match op {
                    ArithOp::Add => "+",
                    ArithOp::Sub => "−",
                    ArithOp::Mul => "×",
                    ArithOp::Div => "÷",
                };
                Both {
                    zh: format!("{} {sym} {}", a.zh, b.zh),
                    en: format!("{} {sym} {}", a.en, b.en),
                }
            }
            ExprKind::MinMax { max, args } => {
                let parts: Vec<Both> = args.iter().map(|a| self.phrase(a, item, values)).collect();
                let zh: Vec<&str> = parts.iter().map(|p| p.zh.as_str()).collect();
                let en: Vec<&str> = parts.iter().map(|p| p.en.as_str()).collect();
                Both {
                    zh: format!(
                        "{}中的{}",
                        zh.join("与"),
                        if *max { "较大者" } else { "较小者" }
                    ),
                    en: format!(
                        "the {} of {}",
                        if *max { "greater" } else { "lesser" },
                        en.join(" and ")
                    ),
                }
            }
            ExprKind::Agg {
                op: AggOp::Count | AggOp::Sum,
                ..
            } => {
                let name = self.total_name(e, values);
                self.with_value(name, e, item, values)
            }
            ExprKind::Shift { date, by, back } => {
                let (d, b) = (
                    self.phrase(date, item, values),
                    self.phrase(by, item, values),
                );
                if *back {
                    Both {
                        zh: format!("{}前{}", d.zh, b.zh),
                        en: format!("{} before {}", b.en, d.en),
                    }
                } else {
                    Both {
                        zh: format!("{}后{}", d.zh, b.zh),
                        en: format!("{} after {}", b.en, d.en),
                    }
                }
            }
            ExprKind::EndOfYear(a) => {
                let a = self.phrase(a, item, values);
                Both {
                    zh: format!("{}年末", a.zh),
                    en: format!("the end of the year {}", a.en),
                }
            }
            ExprKind::If(c, a, b) => {
                let c = self.statement(c, true, item, values);
                let (a, b) = (self.phrase(a, item, values), self.phrase(b, item, values));
                Both {
                    zh: format!("若{}则为{}，否则为{}", c.zh, a.zh, b.zh),
                    en: format!("{} if {}, otherwise {}", a.en, c.en, b.en),
                }
            }
            // Conditions used as values.
            _ => self.statement(e, true, item, values),
        }
    }

    /// What a condition that decided (known to be `val`) says, as data.
    pub fn leaf_kind(&self, e: &Expr, val: Value) -> ReasonKind {
        let yes = val == Value::Bool(true);
        let words = self;
        match &e.kind {
            ExprKind::Field(_) | ExprKind::Param(_) => ReasonKind::Fact(words.fact(e, val)),
            ExprKind::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b)
                if matches!(a.kind, ExprKind::Field(_))
                    && matches!(b.kind, ExprKind::Const(_))
                    && matches!(a.ty, Type::Word(_))
                    && let Some(v) = self.known(a, &self.cx) =>
            {
                let not = match (b.kind.clone(), (*op == CmpOp::Eq) != yes) {
                    (ExprKind::Const(w), true) => match words.shown(b, w, None) {
                        crate::reason::Shown::Word(l) => vec![l],
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                ReasonKind::Word {
                    fact: words.fact(a, v),
                    not,
                }
            }
            ExprKind::WordIn(a, set)
                if matches!(a.kind, ExprKind::Field(_))
                    && let Some(v) = self.known(a, &self.cx) =>
            {
                let not = match a.ty {
                    Type::Word(ws) if !yes => {
                        let n = self.schema.word_sets[ws as usize].words.len() as u16;
                        (0..n)
                            .filter(|i| set >> i & 1 == 1)
                            .filter_map(|i| match words.shown(a, Value::Word(i), None) {
                                crate::reason::Shown::Word(l) => Some(l),
                                _ => None,
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                ReasonKind::Word {
                    fact: words.fact(a, v),
                    not,
                }
            }
            ExprKind::Agg {
                op: op @ (AggOp::All | AggOp::Any),
                list,
                body: Some(body),
                ..
            } => {
                let deciding = (*op == AggOp::All) != yes;
                let (items, more) = if deciding {
                    self.items_deciding(*list, body, *op == AggOp::Any)
                } else {
                    (Vec::new(), false)
                };
                let list_label = self.record.fields[*list as usize].label.clone();
                let list_label = if list_label.is_incomplete() {
                    let n = self.record.fields[*list as usize].name.as_str();
                    crate::labels::Label::new(n, n)
                } else {
                    list_label
                };
                let item_rec = match self.record.fields[*list as usize].ty {
                    Type::List(r) => Some(&self.schema.records[r as usize]),
                    _ => None,
                };
                ReasonKind::Items {
                    every: *op == AggOp::All,
                    list: list_label,
                    condition: words.item_statement(body, item_rec),
                    holds: yes,
                    items,
                    more,
                }
            }
            ExprKind::Cmp(op, a, b) => {
                let (mut left, mut right) = (words.side(a), words.side(b));
                crate::reason::share_measure(&mut left, &mut right);
                ReasonKind::Comparison {
                    left,
                    op: crate::explain::boundary(*op),
                    right,
                    holds: yes,
                }
            }
            _ => {
                let mut nodes: Vec<&Expr> = Vec::new();
                collect_facts(e, &mut nodes);
                let facts = nodes
                    .into_iter()
                    .filter_map(|n| self.known(n, &self.cx).map(|v| words.fact(n, v)))
                    .collect();
                ReasonKind::Condition {
                    condition: words.statement_label(e, true, false),
                    holds: val != Value::Bool(false),
                    facts,
                }
            }
        }
    }

    /// The items of list `list` where `body` is `want`, as data: at most five, and whether
    /// there are more.
    fn items_deciding(
        &self,
        list: u16,
        body: &Expr,
        want: bool,
    ) -> (Vec<crate::reason::Item>, bool) {
        let Some(items) = self
            .cx
            .facts
            .lists
            .get(list as usize)
            .and_then(|l| l.as_ref())
        else {
            return (Vec::new(), false);
        };
        let list_name = &self.record.fields[list as usize].name;
        let Type::List(rec) = self.record.fields[list as usize].ty else {
            return (Vec::new(), false);
        };
        let item_rec = &self.schema.records[rec as usize];
        let mut fields = Vec::new();
        body.walk(&mut |n| {
            if let ExprKind::ItemField(i) = n.kind
                && !fields.contains(&i)
            {
                fields.push(i);
            }
        });
        let words = self;
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let cx = Cx {
                item: Some(item),
                ..self.cx
            };
            if self.known(body, &cx) == Some(Value::Bool(want)) {
                if out.len() == 5 {
                    return (out, true);
                }
                let facts = fields
                    .iter()
                    .filter_map(|&f| {
                        let fd = &item_rec.fields[f as usize];
                        item[f as usize].map(|v| words.item_fact(list_name, i + 1, fd, v))
                    })
                    .collect();
                out.push(crate::reason::Item {
                    index: i + 1,
                    facts,
                });
            }
        }
        (out, false)
    }

    // The rule language's lines of the reasons (`reasons` in JSON, `check --logic`).

    pub fn logic_show(&self, ty: Type, v: Value) -> String {
        let mut out = String::new();
        self.logic_show_to(&mut out, ty, v);
        out
    }

    /// Writes a value as a reason shows it: `180.55 m2`, `steel`, `[a, b]`.
    pub fn logic_show_to(&self, out: &mut String, ty: Type, v: Value) {
        use std::fmt::Write as _;
        let _ = match (v, ty) {
            (Value::Num(d), Type::Num(u)) if u != Unit::ONE => {
                json_out::push_decimal(out, d);
                match (u.cny, u.m2) {
                    (1, 0) => out.write_str(" CNY"),
                    (0, 1) => out.write_str(" m2"),
                    _ => write!(out, " {u}"),
                }
            }
            (Value::Num(d), _) => {
                json_out::push_decimal(out, d);
                Ok(())
            }
            (Value::Bool(b), _) => out.write_str(if b { "true" } else { "false" }),
            (Value::Date(d), _) => {
                json_out::push_date(out, d);
                Ok(())
            }
            (Value::Dur(d), _) => {
                if d.months != 0 {
                    write!(out, "{} months", d.months)
                } else {
                    write!(out, "{} days", d.days)
                }
            }
            (Value::Word(w), Type::Word(set)) => {
                let words = &self.schema.word_sets[set as usize].words;
                out.push_str(words.get(w as usize).map_or("", String::as_str));
                Ok(())
            }
            (Value::Words(bits), Type::Words(set)) => {
                let ws = &self.schema.word_sets[set as usize].words;
                out.push('[');
                let mut first = true;
                for (_, w) in ws.iter().enumerate().filter(|(i, _)| bits.has(*i as u16)) {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    out.push_str(w);
                }
                out.push(']');
                Ok(())
            }
            _ => Ok(()),
        };
    }

    /// Writes `name = value`.
    pub fn logic_fact_to(&self, out: &mut String, name: &str, ty: Type, v: Value) {
        out.push_str(name);
        out.push_str(" = ");
        self.logic_show_to(out, ty, v);
    }

    /// The line of the rule language for a condition that decided, known to be `val`.
    pub fn logic_leaf_to(&self, line: &mut String, e: &Expr, val: Value) {
        let yes = val == Value::Bool(true);
        let show = |line: &mut String, x: &Expr| match self.known(x, &self.cx) {
            Some(v) => self.logic_show_to(line, x.ty, v),
            None => line.push('?'),
        };
        match &e.kind {
            ExprKind::Field(_) | ExprKind::Param(_) => self.logic_fact_to(line, &e.text, e.ty, val),
            ExprKind::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b)
                if matches!(a.kind, ExprKind::Field(_)) && matches!(b.kind, ExprKind::Const(_)) =>
            {
                line.push_str(&a.text);
                line.push_str(" = ");
                show(line, a);
                if (*op == CmpOp::Eq) != yes {
                    line.push_str(", not ");
                    show(line, b);
                }
            }
            ExprKind::WordIn(a, set) if matches!(a.kind, ExprKind::Field(_)) => {
                line.push_str(&a.text);
                line.push_str(" = ");
                show(line, a);
                if let Type::Word(ws) = a.ty
                    && !yes
                {
                    line.push_str(", not ");
                    let words = self.schema.word_sets[ws as usize].words.iter();
                    for (k, (_, w)) in words
                        .enumerate()
                        .filter(|(i, _)| set >> i & 1 == 1)
                        .enumerate()
                    {
                        if k > 0 {
                            line.push_str(" or ");
                        }
                        line.push_str(w);
                    }
                }
            }
            ExprKind::Agg {
                op: op @ (AggOp::All | AggOp::Any),
                list,
                body: Some(body),
                ..
            } => {
                line.push_str(&e.text);
                line.push_str(if yes { ": yes" } else { ": no" });
                // The items that decided it: the counter-examples of `all`, the examples of `any`.
                let deciding = (*op == AggOp::All) != yes;
                if deciding {
                    let items = self.items_where(*list, body, *op == AggOp::Any);
                    if !items.is_empty() {
                        line.push_str(" (");
                        line.push_str(&items.join("; "));
                        line.push(')');
                    }
                }
            }
            _ => {
                line.push_str(&e.text);
                line.push_str(": ");
                match val {
                    Value::Bool(true) => line.push_str("yes"),
                    Value::Bool(false) => line.push_str("no"),
                    other => self.logic_show_to(line, e.ty, other),
                }
                // The facts it read: ` (a = 1, b = 2)`; those of a subexpression once each.
                let open = line.len();
                let mut shown: Vec<Range<usize>> = Vec::new();
                let mut fact = |line: &mut String, n: &Expr, v: Value, once: bool| {
                    let start = line.len();
                    line.push_str(if start == open { " (" } else { ", " });
                    let text = start + 2;
                    self.logic_fact_to(line, &n.text, n.ty, v);
                    if once && shown.iter().any(|r| line[r.clone()] == line[text..]) {
                        line.truncate(start);
                    } else {
                        shown.push(text..line.len());
                    }
                };
                if let ExprKind::Cmp(_, a, b) = &e.kind {
                    for side in [a, b] {
                        if !matches!(side.kind, ExprKind::Const(_))
                            && let Some(v) = self.known(side, &self.cx)
                        {
                            fact(line, side, v, false);
                        }
                    }
                } else {
                    let mut nodes: Vec<&Expr> = Vec::new();
                    collect_facts(e, &mut nodes);
                    for n in nodes {
                        if let Some(v) = self.known(n, &self.cx) {
                            fact(line, n, v, true);
                        }
                    }
                }
                if line.len() > open {
                    line.push(')');
                }
            }
        }
    }

    /// The items of list `list` where `body` is `want`, shown by the item facts it reads.
    fn items_where(&self, list: u16, body: &Expr, want: bool) -> Vec<String> {
        let Some(items) = self
            .cx
            .facts
            .lists
            .get(list as usize)
            .and_then(|l| l.as_ref())
        else {
            return Vec::new();
        };
        let list_name = &self.record.fields[list as usize].name;
        let Type::List(rec) = self.record.fields[list as usize].ty else {
            return Vec::new();
        };
        let item_rec = &self.schema.records[rec as usize];
        let mut fields = Vec::new();
        body.walk(&mut |n| {
            if let ExprKind::ItemField(i) = n.kind
                && !fields.contains(&i)
            {
                fields.push(i);
            }
        });
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let cx = Cx {
                item: Some(item),
                ..self.cx
            };
            if self.known(body, &cx) == Some(Value::Bool(want)) {
                if out.len() == 5 {
                    out.push("...".to_string());
                    break;
                }
                let facts: Vec<String> = fields
                    .iter()
                    .filter_map(|&f| {
                        let fd = &item_rec.fields[f as usize];
                        item[f as usize]
                            .map(|v| format!("{} = {}", fd.name, self.logic_show(fd.ty, v)))
                    })
                    .collect();
                out.push(format!("{list_name}[{}]: {}", i + 1, facts.join(", ")));
            }
        }
        out
    }

    /// What a `count` or `sum` over a list is called, without its value.
    fn total_name(&self, e: &Expr, values: bool) -> Both {
        let ExprKind::Agg {
            op,
            list,
            body,
            filter,
        } = &e.kind
        else {
            return Both::default();
        };
        let rec = self.item_record(*list);
        let list_label = self
            .record
            .fields
            .get(*list as usize)
            .map(field_label)
            .unwrap_or_default();
        let what = match (op, body) {
            (AggOp::Sum, Some(b)) => self.phrase(b, rec, values),
            _ => Both {
                zh: "数".into(),
                en: "number".into(),
            },
        };
        match filter {
            Some(f) => {
                let f = self.statement(f, true, rec, values);
                Both {
                    zh: format!("{}的{}{}合计", f.zh, list_label.zh, what.zh),
                    en: format!("total {} of {} where {}", what.en, list_label.en, f.en),
                }
            }
            None => Both {
                zh: format!("全部{}{}合计", list_label.zh, what.zh),
                en: format!("total {} of all {}", what.en, list_label.en),
            },
        }
    }

    /// A factor of a formula: bracketed when it is itself a sum or difference.
    fn operand(&self, e: &Expr, item: Option<&Record>, values: bool) -> Both {
        let p = self.phrase(e, item, values);
        if matches!(
            e.kind,
            ExprKind::Arith(ArithOp::Add | ArithOp::Sub, ..) | ExprKind::If(..)
        ) {
            Both {
                zh: format!("（{}）", p.zh),
                en: format!("({})", p.en),
            }
        } else {
            p
        }
    }

    fn statement(&self, e: &Expr, truth: bool, item: Option<&Record>, values: bool) -> Both {
        match &e.kind {
            ExprKind::Const(Value::Bool(b)) => bool_words(*b == truth),
            ExprKind::Field(i) | ExprKind::ItemField(i) => {
                let rec = if matches!(e.kind, ExprKind::Field(_)) {
                    Some(self.record)
                } else {
                    item
                };
                let f = rec.and_then(|r| r.fields.get(*i as usize));
                if let Some(l) = f.and_then(|f| Self::says(f, Value::Bool(truth))) {
                    Both::of(&l)
                } else {
                    let name = f.map(field_label).unwrap_or_default();
                    let b = bool_words(truth);
                    Both {
                        zh: format!("{}：{}", name.zh, b.zh),
                        en: format!("{}: {}", name.en, b.en),
                    }
                }
            }
            ExprKind::Not(a) => self.statement(a, !truth, item, values),
            ExprKind::Cmp(op, a, b) => {
                let op = if truth {
                    boundary(*op)
                } else {
                    boundary(*op).negate()
                };
                let (pa, pb) = (self.phrase(a, item, values), self.phrase(b, item, values));
                let of = self
                    .known(a, &self.cx)
                    .or_else(|| self.known(b, &self.cx))
                    .map(|v| self.shown(a, v, item));
                Both {
                    zh: format!(
                        "{}{}{}",
                        pa.zh,
                        op_words(op, crate::labels::Lang::Zh, of.as_ref()),
                        pb.zh
                    ),
                    en: format!(
                        "{} {} {}",
                        pa.en,
                        op_words(op, crate::labels::Lang::En, of.as_ref()),
                        pb.en
                    ),
                }
            }
            ExprKind::WordIn(a, set) => {
                let pa = self.phrase(a, item, false);
                let words: Vec<Label> = match a.ty {
                    Type::Word(ws) => {
                        let n = self.schema.word_sets[ws as usize].words.len() as u16;
                        (0..n)
                            .filter(|i| set >> i & 1 == 1)
                            .map(|i| word_label(self.schema, ws, i))
                            .collect()
                    }
                    _ => Vec::new(),
                };
                let zh: Vec<&str> = words.iter().map(|w| &*w.zh).collect();
                let en: Vec<&str> = words.iter().map(|w| &*w.en).collect();
                Both {
                    zh: format!(
                        "{}{}{}",
                        pa.zh,
                        if truth { "为" } else { "不为" },
                        zh.join("或")
                    ),
                    en: format!(
                        "{} {} {}",
                        pa.en,
                        if truth { "is" } else { "is not" },
                        en.join(" or ")
                    ),
                }
            }
            ExprKind::HasWord(a, w) => {
                let pa = self.phrase(a, item, false);
                let word = match a.ty {
                    Type::Words(ws) => word_label(self.schema, ws, *w),
                    _ => Label::default(),
                };
                Both {
                    zh: format!(
                        "{}{}{}",
                        pa.zh,
                        if truth { "包括" } else { "不包括" },
                        word.zh
                    ),
                    en: format!(
                        "{} {} {}",
                        pa.en,
                        if truth { "include" } else { "do not include" },
                        word.en
                    ),
                }
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) if truth => {
                let and = matches!(e.kind, ExprKind::And(..));
                let (sa, sb) = (
                    self.statement(a, true, item, values),
                    self.statement(b, true, item, values),
                );
                Both {
                    zh: format!("{}，{}{}", sa.zh, if and { "且" } else { "或" }, sb.zh),
                    en: format!("{}, {} {}", sa.en, if and { "and" } else { "or" }, sb.en),
                }
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                // Not (a and b) is (not a) or (not b); not (a or b) is (not a) and (not b).
                let and = matches!(e.kind, ExprKind::And(..));
                let (sa, sb) = (
                    self.statement(a, false, item, values),
                    self.statement(b, false, item, values),
                );
                Both {
                    zh: format!("{}，{}{}", sa.zh, if and { "或" } else { "且" }, sb.zh),
                    en: format!("{}, {} {}", sa.en, if and { "or" } else { "and" }, sb.en),
                }
            }
            ExprKind::Agg {
                op: op @ (AggOp::All | AggOp::Any),
                list,
                body: Some(body),
                ..
            } => {
                let rec = self.item_record(*list);
                let list_label = self
                    .record
                    .fields
                    .get(*list as usize)
                    .map(field_label)
                    .unwrap_or_default();
                let cond = self.statement(body, true, rec, values);
                let every = *op == AggOp::All;
                match (every, truth) {
                    (true, true) => Both {
                        zh: format!("全部{}均{}", list_label.zh, cond.zh),
                        en: format!("all of the {}: {}", list_label.en, cond.en),
                    },
                    (true, false) => Both {
                        zh: format!("并非全部{}均{}", list_label.zh, cond.zh),
                        en: format!("not all of the {}: {}", list_label.en, cond.en),
                    },
                    (false, true) => Both {
                        zh: format!("有{}{}", list_label.zh, cond.zh),
                        en: format!("some of the {}: {}", list_label.en, cond.en),
                    },
                    (false, false) => Both {
                        zh: format!("没有{}{}", list_label.zh, cond.zh),
                        en: format!("none of the {}: {}", list_label.en, cond.en),
                    },
                }
            }
            ExprKind::Named(..) | ExprKind::Param(_) => {
                let name = Both::of(&self.name_of(e, item));
                if truth {
                    name
                } else {
                    Both {
                        zh: format!("不{}", name.zh),
                        en: format!("not {}", name.en),
                    }
                }
            }
            ExprKind::If(c, a, b) => {
                let c = self.statement(c, true, item, values);
                let (a, b) = (
                    self.statement(a, truth, item, values),
                    self.statement(b, truth, item, values),
                );
                Both {
                    zh: format!("若{}，则{}；否则{}", c.zh, a.zh, b.zh),
                    en: format!("if {}, {}; otherwise {}", c.en, a.en, b.en),
                }
            }
            _ => {
                let p = self.phrase(e, item, values);
                let b = bool_words(truth);
                Both {
                    zh: format!("{}：{}", p.zh, b.zh),
                    en: format!("{}: {}", p.en, b.en),
                }
            }
        }
    }
}

fn op_words(op: Boundary, lang: crate::labels::Lang, of: Option<&Shown>) -> &'static str {
    op.words(lang, of)
}

/// The field and parameter nodes of `e`, outside list aggregates, first occurrence each.
pub(crate) fn collect_facts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    facts_once(e, out, &mut AddrSet::default());
}

/// [`collect_facts`], each shared definition's body read once however many uses reach it.
fn facts_once<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>, seen: &mut AddrSet) {
    match &e.kind {
        ExprKind::Field(_) | ExprKind::Param(_) => {
            if !out.iter().any(|o| o.text == e.text) {
                out.push(e);
            }
        }
        // What the items of a list read is not a fact of the subject.
        ExprKind::Agg { .. } => {}
        ExprKind::Named(_, body) if shared_addr(body).is_some_and(|k| !seen.insert(k)) => {}
        _ => e.for_each_child(&mut |c| facts_once(c, out, seen)),
    }
}
