//! Evaluating a case against the rulebook: every clause of the case's subject, with its
//! outcome, amount, values, the reasons that decided it and the facts it still needs.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::case::Case;
use crate::expr::{AggOp, CmpOp, Cx, EvalError, Expr, ExprKind, Missing, Tri, Value};
use crate::report::{ClauseResult, Outcome, Quantity, Report, Values};
use crate::rulebook::{Clause, Kind, Named, Rounding, Rulebook};
use crate::schema::{Record, Schema};
use crate::units::{Type, Unit};

/// Why a case could not be evaluated: its facts break a rule's precondition, or a number
/// cannot be computed exactly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("clause `{clause}`: {message}")]
pub struct EvaluationError {
    pub clause: String,
    pub message: String,
    /// The facts involved, as `field = value`.
    pub facts: Vec<String>,
}

struct Env<'a> {
    schema: &'a Schema,
    record: &'a Record,
    cx: Cx<'a>,
}

impl Rulebook {
    /// Evaluates `case` on `as_of`: one result for every clause of the case's subject.
    pub fn evaluate(&self, case: &Case, as_of: NaiveDate) -> Result<Report, EvaluationError> {
        let record = self.schema.record_of(case.subject);
        let env = Env {
            schema: &self.schema,
            record,
            cx: Cx {
                facts: &case.facts,
                item: None,
                params: &self.params,
                as_of,
            },
        };
        let mut results = Vec::with_capacity(self.by_subject[case.subject as usize].len());
        for &ci in &self.by_subject[case.subject as usize] {
            let clause = &self.clauses[ci];
            let r = self.clause_result(clause, &env).map_err(|e| match e {
                Failure::Eval(e) => EvaluationError {
                    clause: clause.id.clone(),
                    message: e.to_string(),
                    facts: Vec::new(),
                },
                Failure::Guard(message, facts) => EvaluationError {
                    clause: clause.id.clone(),
                    message,
                    facts,
                },
            })?;
            results.push(r);
        }
        Ok(Report {
            subject: case.subject_name.clone(),
            as_of,
            results,
        })
    }

    fn clause_result(&self, clause: &Clause, env: &Env) -> Result<ClauseResult, Failure> {
        let doc = &self.documents[clause.document];
        let mut r = ClauseResult {
            clause: clause.id.clone(),
            document: doc.id.clone(),
            number: doc.number.clone(),
            section: clause.section.clone(),
            quote: clause.quote.clone(),
            outcome: Outcome::Undetermined,
            amount: None,
            values: Values::default(),
            reasons: Vec::new(),
            missing: Vec::new(),
        };
        let as_of = env.cx.as_of;
        // A target is judged from its document's start on, also after the document expires.
        let ends = doc.until.filter(|_| clause.kind != Kind::Target);
        if as_of < doc.from || ends.is_some_and(|u| as_of > u) {
            r.outcome = Outcome::NotInForce;
            let window = match doc.until {
                Some(u) => format!("from {} to {}", doc.from, u),
                None => format!("from {}", doc.from),
            };
            r.reasons.push(format!("{} is in force {window}, not on {as_of}", doc.number));
            return Ok(r);
        }
        match self.decide(clause, env, &mut r) {
            Ok(()) => Ok(r),
            Err(Failure::Eval(EvalError::NoParameterValue { name, date })) => {
                r.outcome = Outcome::NotInForce;
                r.reasons = vec![format!("parameter `{name}` has no value in force on {date}")];
                r.amount = None;
                r.values = Values::default();
                Ok(r)
            }
            Err(e) => Err(e),
        }
    }

    fn decide(&self, clause: &Clause, env: &Env, r: &mut ClauseResult) -> Result<(), Failure> {
        for g in &clause.guards {
            if g.expr.eval(&env.cx)?.as_bool() == Some(false) {
                let mut facts = Vec::new();
                env.facts_of(&g.expr, &mut facts)?;
                return Err(Failure::Guard(g.message.clone(), facts));
            }
        }
        if let Some(when) = &clause.when {
            match when.eval(&env.cx)? {
                Tri::Known(Value::Bool(false)) => {
                    r.outcome = Outcome::NotApplicable;
                    env.explain(when, &mut r.reasons)?;
                    return Ok(());
                }
                Tri::Unknown(m) => {
                    r.outcome = Outcome::Undetermined;
                    r.missing = env.missing_names(m);
                    return Ok(());
                }
                _ => env.explain(when, &mut r.reasons)?,
            }
        }
        match clause.kind {
            Kind::Requirement | Kind::Entitlement => {
                let test = clause.test.as_ref().expect("checked at load");
                let requirement = clause.kind == Kind::Requirement;
                match test.eval(&env.cx)? {
                    Tri::Known(Value::Bool(b)) => {
                        r.outcome = match (requirement, b) {
                            (true, true) => Outcome::Compliant,
                            (true, false) => Outcome::NonCompliant,
                            (false, true) => Outcome::Eligible,
                            (false, false) => Outcome::NotEligible,
                        };
                        env.explain(test, &mut r.reasons)?;
                    }
                    t => {
                        // A requirement whose compliance facts are not given is still required.
                        r.outcome = if requirement {
                            Outcome::Required
                        } else {
                            Outcome::Undetermined
                        };
                        r.missing = env.missing_names(t.missing());
                    }
                }
                if r.outcome == Outcome::NotEligible {
                    return Ok(());
                }
                if clause.kind == Kind::Entitlement
                    && r.outcome == Outcome::Eligible
                    && let Some(a) = &clause.amount
                {
                    self.amount(a, env, r)?;
                }
            }
            Kind::Computed => {
                let a = clause.amount.as_ref().expect("checked at load");
                self.amount(a, env, r)?;
                r.outcome = if r.amount.is_some() {
                    Outcome::Computed
                } else {
                    Outcome::Undetermined
                };
            }
            Kind::Target => self.target(clause, env, r)?,
        }
        for l in clause.lets.iter().filter(|l| l.report) {
            env.named_value(l, r)?;
        }
        for v in &clause.values {
            env.named_value(v, r)?;
        }
        for n in &clause.notes {
            if n.when.eval(&env.cx)?.as_bool() == Some(true) {
                r.reasons.push(n.text.clone());
            }
        }
        Ok(())
    }

    fn amount(&self, a: &Named, env: &Env, r: &mut ClauseResult) -> Result<(), Failure> {
        match a.expr.eval(&env.cx)? {
            Tri::Known(Value::Num(d)) => {
                let q = quantity(d, a.round, &a.unit);
                let mut reason = format!("{} = {} {}", a.expr.text, d, a.unit);
                if q.value != d.to_string() {
                    reason.push_str(&format!(", rounded {} to {}", rounding_words(a.round), q.value));
                }
                r.reasons.push(reason);
                env.facts_of(&a.expr, &mut r.reasons)?;
                r.amount = Some(q);
            }
            t => {
                let mut m = env.missing_names(t.missing());
                r.missing.append(&mut m);
                r.missing.dedup();
            }
        }
        Ok(())
    }

    fn target(&self, clause: &Clause, env: &Env, r: &mut ClauseResult) -> Result<(), Failure> {
        let deadline = clause.deadline.as_ref().expect("checked at load");
        let mut missing = Missing::default();
        let deadline = match deadline.eval(&env.cx)? {
            Tri::Known(Value::Date(d)) => Some(d),
            t => {
                missing = missing.union(t.missing());
                None
            }
        };
        let mut all_met = true;
        let mut any_failed = false;
        for g in &clause.goals {
            let fig = g.figure.eval(&env.cx)?;
            let tgt = g.target.eval(&env.cx)?;
            let op = if g.strict { ">" } else { ">=" };
            match (fig, tgt) {
                (Tri::Known(Value::Num(f)), Tri::Known(Value::Num(t))) => {
                    let ok = if g.strict { f > t } else { f >= t };
                    let shortfall = (t - f).max(Decimal::ZERO);
                    r.values.0.push((g.name.clone(), quantity(f, Rounding::None, &g.unit)));
                    r.values.0.push((format!("{}.target", g.name), quantity(t, Rounding::None, &g.unit)));
                    r.values.0.push((format!("{}.shortfall", g.name), quantity(shortfall, Rounding::None, &g.unit)));
                    r.reasons.push(format!(
                        "{}: {} {} against a target of {op} {} ({})",
                        g.name,
                        f.normalize(),
                        g.unit,
                        t.normalize(),
                        if ok { "reached" } else { "not reached" }
                    ));
                    any_failed |= !ok;
                }
                (f, t) => {
                    all_met = false;
                    missing = missing.union(f.missing()).union(t.missing());
                }
            }
        }
        let passed = deadline.map(|d| env.cx.as_of > d);
        r.outcome = match (passed, any_failed, all_met) {
            (None, _, _) => Outcome::Undetermined,
            (Some(true), true, _) => Outcome::NotMet,
            (Some(false), true, _) => Outcome::Behind,
            (Some(true), false, true) => Outcome::Met,
            (Some(false), false, true) => Outcome::OnTrack,
            (Some(_), false, false) => Outcome::Undetermined,
        };
        if let Some(d) = deadline {
            r.reasons.push(format!("deadline {d}: {}", if env.cx.as_of > d { "passed" } else { "not yet passed" }));
        }
        r.missing = env.missing_names(missing);
        Ok(())
    }
}

enum Failure {
    Eval(EvalError),
    Guard(String, Vec<String>),
}

impl From<EvalError> for Failure {
    fn from(e: EvalError) -> Failure {
        Failure::Eval(e)
    }
}

fn rounding_words(r: Rounding) -> &'static str {
    match r {
        Rounding::HalfAwayFromZero => "half away from zero",
        Rounding::Down => "down",
        Rounding::None => "not",
    }
}

/// A reported number: rounded as the rule says; money to the fen; ratios unrounded.
pub fn quantity(d: Decimal, round: Rounding, unit: &str) -> Quantity {
    let v = round.apply(d);
    let v = if round == Rounding::None {
        if unit == "CNY" && v.scale() <= 2 {
            let mut x = v;
            x.rescale(2);
            x
        } else {
            v.normalize()
        }
    } else {
        v
    };
    Quantity {
        value: v.to_string(),
        unit: unit.to_string(),
    }
}

impl Env<'_> {
    fn show(&self, ty: Type, v: Value) -> String {
        match (v, ty) {
            (Value::Num(d), Type::Num(u)) if u == Unit::ONE => d.to_string(),
            (Value::Num(d), Type::Num(u)) => format!("{d} {u}"),
            (Value::Num(d), _) => d.to_string(),
            (Value::Bool(b), _) => b.to_string(),
            (Value::Date(d), _) => d.to_string(),
            (Value::Dur(d), _) => {
                if d.months != 0 {
                    format!("{} months", d.months)
                } else {
                    format!("{} days", d.days)
                }
            }
            (Value::Word(w), Type::Word(set)) => self.schema.word_sets[set as usize]
                .words
                .get(w as usize)
                .cloned()
                .unwrap_or_default(),
            (Value::Words(bits), Type::Words(set)) => {
                let ws = &self.schema.word_sets[set as usize].words;
                let names: Vec<&str> = ws
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits >> i & 1 == 1)
                    .map(|(_, w)| w.as_str())
                    .collect();
                format!("[{}]", names.join(", "))
            }
            _ => String::new(),
        }
    }

    fn missing_names(&self, m: Missing) -> Vec<String> {
        let mut out = Vec::new();
        for (i, f) in self.record.fields.iter().enumerate() {
            if m.fields >> i & 1 == 1 {
                out.push(f.name.clone());
            }
            if let Type::List(rec) = f.ty {
                for (j, item) in self.schema.records[rec as usize].fields.iter().enumerate() {
                    if m.item_fields >> j & 1 == 1 {
                        out.push(format!("{}.{}", f.name, item.name));
                    }
                }
            }
        }
        out
    }

    fn named_value(&self, v: &Named, r: &mut ClauseResult) -> Result<(), EvalError> {
        match v.each {
            None => {
                if let Tri::Known(Value::Num(d)) = v.expr.eval(&self.cx)? {
                    r.values.0.push((v.name.clone(), quantity(d, v.round, &v.unit)));
                }
            }
            Some(list) => {
                let list_name = &self.record.fields[list as usize].name;
                if let Some(items) = self.cx.facts.lists.get(list as usize).and_then(|l| l.as_ref()) {
                    for (i, item) in items.iter().enumerate() {
                        let cx = Cx {
                            item: Some(item),
                            ..self.cx
                        };
                        if let Tri::Known(Value::Num(d)) = v.expr.eval(&cx)? {
                            r.values
                                .0
                                .push((format!("{list_name}[{}].{}", i + 1, v.name), quantity(d, v.round, &v.unit)));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// `field = value` for each subject field and parameter that `e` reads, once each.
    fn facts_of(&self, e: &Expr, out: &mut Vec<String>) -> Result<(), EvalError> {
        let mut nodes: Vec<&Expr> = Vec::new();
        collect_facts(e, &mut nodes);
        for n in nodes {
            if let Tri::Known(v) = n.eval(&self.cx)? {
                let line = format!("{} = {}", n.text, self.show(n.ty, v));
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
        Ok(())
    }

    /// The facts that decided `e`: for `and` that held, all of its parts; for one that
    /// failed, the parts that failed; the reverse for `or`.
    fn explain(&self, e: &Expr, out: &mut Vec<String>) -> Result<(), EvalError> {
        let v = e.eval(&self.cx)?;
        let Tri::Known(val) = v else {
            return Ok(());
        };
        match &e.kind {
            ExprKind::Named(_, inner) => self.explain(inner, out),
            ExprKind::Not(inner) => self.explain(inner, out),
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let short = Value::Bool(!is_and);
                if val == short {
                    // Only the parts with the deciding value explain it.
                    for part in [a, b] {
                        if part.eval(&self.cx)? == Tri::Known(short) {
                            return self.explain(part, out);
                        }
                    }
                    Ok(())
                } else {
                    self.explain(a, out)?;
                    self.explain(b, out)
                }
            }
            ExprKind::If(c, a, b) => {
                if let Tri::Known(Value::Bool(cv)) = c.eval(&self.cx)? {
                    self.explain(c, out)?;
                    self.explain(if cv { a } else { b }, out)
                } else {
                    Ok(())
                }
            }
            _ => {
                let line = self.leaf(e, val)?;
                if !out.contains(&line) {
                    out.push(line);
                }
                Ok(())
            }
        }
    }

    fn leaf(&self, e: &Expr, val: Value) -> Result<String, EvalError> {
        let yes = val == Value::Bool(true);
        Ok(match &e.kind {
            ExprKind::Field(_) | ExprKind::Param(_) => format!("{} = {}", e.text, self.show(e.ty, val)),
            ExprKind::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b)
                if matches!(a.kind, ExprKind::Field(_)) && matches!(b.kind, ExprKind::Const(_)) =>
            {
                let actual = match a.eval(&self.cx)? {
                    Tri::Known(v) => self.show(a.ty, v),
                    Tri::Unknown(_) => "?".into(),
                };
                let wanted = match b.eval(&self.cx)? {
                    Tri::Known(v) => self.show(b.ty, v),
                    Tri::Unknown(_) => "?".into(),
                };
                let holds_eq = (*op == CmpOp::Eq) == yes;
                if holds_eq {
                    format!("{} = {actual}", a.text)
                } else {
                    format!("{} = {actual}, not {wanted}", a.text)
                }
            }
            ExprKind::WordIn(a, set) if matches!(a.kind, ExprKind::Field(_)) => {
                let actual = match a.eval(&self.cx)? {
                    Tri::Known(v) => self.show(a.ty, v),
                    Tri::Unknown(_) => "?".into(),
                };
                if yes {
                    format!("{} = {actual}", a.text)
                } else {
                    let Type::Word(ws) = a.ty else {
                        return Ok(format!("{} = {actual}", a.text));
                    };
                    let words: Vec<&str> = self.schema.word_sets[ws as usize]
                        .words
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| set >> i & 1 == 1)
                        .map(|(_, w)| w.as_str())
                        .collect();
                    format!("{} = {actual}, not {}", a.text, words.join(" or "))
                }
            }
            ExprKind::Agg {
                op: op @ (AggOp::All | AggOp::Any),
                list,
                body: Some(body),
                ..
            } => {
                let mut line = format!("{}: {}", e.text, if yes { "yes" } else { "no" });
                // The items that decided it: the counter-examples of `all`, the examples of `any`.
                let deciding = (*op == AggOp::All) != yes;
                if deciding {
                    let items = self.items_where(*list, body, *op == AggOp::Any)?;
                    if !items.is_empty() {
                        line.push_str(&format!(" ({})", items.join("; ")));
                    }
                }
                line
            }
            _ => {
                let mut line = format!(
                    "{}: {}",
                    e.text,
                    match val {
                        Value::Bool(true) => "yes".to_string(),
                        Value::Bool(false) => "no".to_string(),
                        other => self.show(e.ty, other),
                    }
                );
                let mut facts = Vec::new();
                if let ExprKind::Cmp(_, a, b) = &e.kind {
                    for side in [a, b] {
                        if !matches!(side.kind, ExprKind::Const(_))
                            && let Tri::Known(v) = side.eval(&self.cx)?
                        {
                            facts.push(format!("{} = {}", side.text, self.show(side.ty, v)));
                        }
                    }
                } else {
                    self.facts_of(e, &mut facts)?;
                }
                if !facts.is_empty() {
                    line.push_str(&format!(" ({})", facts.join(", ")));
                }
                line
            }
        })
    }

    /// The items of list `list` where `body` is `want`, shown by the item facts it reads.
    fn items_where(&self, list: u16, body: &Expr, want: bool) -> Result<Vec<String>, EvalError> {
        let Some(items) = self.cx.facts.lists.get(list as usize).and_then(|l| l.as_ref()) else {
            return Ok(Vec::new());
        };
        let list_name = &self.record.fields[list as usize].name;
        let Type::List(rec) = self.record.fields[list as usize].ty else {
            return Ok(Vec::new());
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
            if body.eval(&cx)? == Tri::Known(Value::Bool(want)) {
                if out.len() == 5 {
                    out.push("...".to_string());
                    break;
                }
                let facts: Vec<String> = fields
                    .iter()
                    .filter_map(|&f| {
                        let fd = &item_rec.fields[f as usize];
                        item[f as usize].map(|v| format!("{} = {}", fd.name, self.show(fd.ty, v)))
                    })
                    .collect();
                out.push(format!("{list_name}[{}]: {}", i + 1, facts.join(", ")));
            }
        }
        Ok(out)
    }
}

/// The field and parameter nodes of `e`, outside list aggregates, first occurrence each.
fn collect_facts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Field(_) | ExprKind::Param(_) => {
            if !out.iter().any(|o| o.text == e.text) {
                out.push(e);
            }
        }
        ExprKind::Agg { .. } => {}
        ExprKind::Const(_) | ExprKind::ItemField(_) | ExprKind::AsOf => {}
        ExprKind::Not(a) | ExprKind::Neg(a) | ExprKind::WordIn(a, _) | ExprKind::HasWord(a, _) | ExprKind::EndOfYear(a) | ExprKind::Named(_, a) => collect_facts(a, out),
        ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Arith(_, a, b) | ExprKind::Cmp(_, a, b) => {
            collect_facts(a, out);
            collect_facts(b, out);
        }
        ExprKind::Shift { date, by, .. } => {
            collect_facts(date, out);
            collect_facts(by, out);
        }
        ExprKind::If(c, a, b) => {
            collect_facts(c, out);
            collect_facts(a, out);
            collect_facts(b, out);
        }
        ExprKind::MinMax { args, .. } => args.iter().for_each(|a| collect_facts(a, out)),
    }
}
