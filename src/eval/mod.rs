//! Evaluating a case against the rulebook: every clause of the case's subject, with its
//! outcome, amount, values, the reasons that decided it and the facts it still needs.
//!
//! One decision procedure serves two outputs. [`Rulebook::evaluate`] builds the full report,
//! with reasons and quotes, for people and the JSON contract; [`Rulebook::evaluate_compact`]
//! fills a reusable [`CompactReport`] with outcomes, amounts, values and missing facts only,
//! and allocates nothing once its buffers have grown. Both run the same code below, so they
//! cannot disagree: the reasons only read what the decision already computed, and a failure
//! while explaining leaves a reason out rather than changing an outcome.

mod compact;
mod programs;

use compact::missing_names;
pub use compact::reported;
pub use compact::{CompactReport, CompactResult, CompactValue, MissingName};
pub(crate) use compact::{ValueList, figure_text};
pub use programs::Programs;
pub(crate) use programs::{ClauseProgram, Scratch};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::case::Case;
use crate::diagnostic::Diagnostics;
use crate::explain::{BookWords, Scene, collect_facts};
use crate::expr::program::{Ctx, Program};
use crate::expr::{
    AddrSet, CmpOp, Cx, EvalError, Expr, ExprKind, Missing, Tri, Value, shared_addr,
};
use crate::limits::Limits;
use crate::reason::{Explainer, Site};
use crate::reason::{Reason, ReasonKind, Rounded};
use crate::report::{ClauseResult, Outcome, Quantity, Report, Values};
use crate::rulebook::{Clause, Kind, LoadError, Named, Rounding, RuleSource, Rules};
use crate::schema::Record;
use crate::units::Type;
use std::sync::Arc;

/// Why a case could not be evaluated: its facts break a rule's precondition, a number cannot
/// be computed exactly, or a date fact lies after the evaluation date.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", clause.as_ref().map(|c| format!("clause `{c}`: ")).unwrap_or_default())]
pub struct EvaluationError {
    /// The clause whose evaluation failed; `None` for a fault of the case as a whole.
    pub clause: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The facts involved, as `field = value`.
    pub facts: Vec<String>,
    /// The error in Chinese, for the faults of a case (a date fact after the evaluation
    /// date); see [`message_in`](Self::message_in).
    zh: Option<String>,
}

impl EvaluationError {
    /// The error in `lang`: in Chinese, the Chinese sentence when there is one, else the
    /// English one (`Display`).
    #[must_use]
    pub fn message_in(&self, lang: crate::labels::Lang) -> String {
        match (&self.zh, lang) {
            (Some(zh), crate::labels::Lang::Zh) => zh.clone(),
            _ => self.to_string(),
        }
    }
}

/// A set of clauses to evaluate, per subject: all of them ([`Rulebook::evaluate_compact`]) or
/// a selection ([`Rulebook::select`]), in rulebook order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseSet {
    by_subject: Vec<Vec<usize>>,
}

/// What one clause decided, before it is put into words.
struct Decided<'o, 'b> {
    outcome: Outcome,
    amount: Option<Decimal>,
    missing: Missing,
    values: &'o mut ValueList<'b>,
    /// The reasons, when the caller wants them (the full report); `None` skips all wording.
    reasons: Option<&'o mut Vec<Reason>>,
    /// The outcomes a caller asks about, when it needs no more than whether the clause gives
    /// one of them ([`Rulebook::run_clause_for`]); `None` to evaluate everything.
    sought: Option<&'o dyn Fn(Outcome) -> bool>,
}

impl Decided<'_, '_> {
    fn why(&mut self) -> Option<&mut Vec<Reason>> {
        self.reasons.as_deref_mut()
    }
}

/// What a clause is evaluated against: the book's schema (`'b`) and one case's facts (`'c`).
struct Env<'b, 'c> {
    record: &'b Record,
    /// The rulebook's labels and the case, for the reasons put into words when read: made
    /// with the first reason.
    words: &'b Arc<BookWords>,
    subject: u16,
    scene: std::cell::OnceCell<Arc<dyn Explainer>>,
    /// For the tree evaluator: explanations, and the facts an unknown result needs.
    cx: Cx<'c>,
    /// For the compiled decisions.
    ctx: Ctx<'c>,
}

enum Failure {
    Eval(EvalError),
    /// A guard the case fails: its message, the facts it reads, its condition's text.
    Guard(String, Vec<String>, Arc<str>),
}

impl From<EvalError> for Failure {
    fn from(e: EvalError) -> Failure {
        Failure::Eval(e)
    }
}

impl Failure {
    fn into_error(self, clause: &Clause) -> EvaluationError {
        match self {
            Failure::Eval(e) => EvaluationError {
                clause: Some(clause.id.clone()),
                message: e.to_string(),
                facts: Vec::new(),
                zh: Some(format!("条款「{}」：{}", clause.id, eval_error_zh(&e))),
            },
            Failure::Guard(message, facts, expr) => EvaluationError {
                clause: Some(clause.id.clone()),
                zh: Some(format!(
                    "条款「{}」要求「{expr}」，案件的事实不满足这一前提，无法评估",
                    clause.id
                )),
                message,
                facts,
            },
        }
    }
}

/// An arithmetic failure in Chinese, as [`EvalError`]'s `Display` says it in English: the
/// expression (rule language) quoted in 「」.
fn eval_error_zh(e: &EvalError) -> String {
    match e {
        EvalError::Overflow(x) => {
            format!("「{x}」的结果过大或小数位过多，无法精确计算")
        }
        EvalError::DivisionByZero(x) => format!("「{x}」的除数为零"),
        EvalError::DateOutOfRange(x) => format!("「{x}」的结果超出日历范围"),
        EvalError::NoParameterValue { name, date } => format!(
            "参数「{name}」在{}没有有效的取值",
            crate::reason::date_text(*date, crate::labels::Lang::Zh)
        ),
    }
}

/// A rulebook ready to evaluate cases: the checked [`Rules`] with their decisions compiled.
/// Immutable, `Send + Sync`: load once, evaluate from many threads. It reads as its rules
/// (`book.schema`, `book.clauses`).
#[derive(Debug)]
pub struct Rulebook {
    rules: Rules,
    programs: Programs,
    /// What each clause reads and how it decides (the search for changes works from it),
    /// worked out on its first use.
    plans: std::sync::OnceLock<crate::rulebook::plan::Plans>,
}

impl std::ops::Deref for Rulebook {
    type Target = Rules;
    fn deref(&self) -> &Rules {
        &self.rules
    }
}

impl Rulebook {
    /// Compiles checked rules into a rulebook.
    #[must_use]
    pub fn new(rules: Rules) -> Rulebook {
        let programs = Programs::compile(&rules);
        Rulebook {
            rules,
            programs,
            plans: std::sync::OnceLock::new(),
        }
    }

    /// What each clause reads and how it decides, worked out on first use.
    pub(crate) fn plans(&self) -> &crate::rulebook::plan::Plans {
        self.plans
            .get_or_init(|| crate::rulebook::plan::Plans::new(&self.rules))
    }

    /// The built-in rulebook, with no file access, loaded once.
    pub fn embedded() -> &'static Rulebook {
        static BOOK: std::sync::OnceLock<Rulebook> = std::sync::OnceLock::new();
        BOOK.get_or_init(|| Rulebook::new(Rules::embedded()))
    }

    /// Loads rule files and seeds given as text, every problem reported.
    pub fn load(
        sources: &[RuleSource],
        seeds: &[(String, String)],
    ) -> Result<Rulebook, Diagnostics> {
        crate::rulebook::load(sources, seeds).map(Rulebook::new)
    }

    /// Loads a folder of rule files ([`Rules::load_dir`]).
    pub fn load_dir(dir: &std::path::Path) -> Result<Rulebook, LoadError> {
        Rules::load_dir(dir).map(Rulebook::new)
    }

    /// Loads a folder of rule files within read limits ([`Rules::load_dir_with`]).
    pub fn load_dir_with(dir: &std::path::Path, limits: &Limits) -> Result<Rulebook, LoadError> {
        Rules::load_dir_with(dir, limits).map(Rulebook::new)
    }

    /// The checked rules.
    #[must_use]
    pub fn rules(&self) -> &Rules {
        &self.rules
    }
}

impl Rulebook {
    /// Evaluates `case` on `as_of`: one result for every clause of the case's subject.
    pub fn evaluate(&self, case: &Case, as_of: NaiveDate) -> Result<Report, EvaluationError> {
        self.check_dates(case, as_of)?;
        let mut scratch = Scratch::default();
        scratch.prepare(&self.rules, &self.programs, case.subject, as_of);
        let env = self.env(case, as_of, &scratch);
        let clauses = &self.by_subject[case.subject as usize];
        let mut results = Vec::with_capacity(clauses.len());
        let mut values = ValueList::default();
        for &ci in clauses {
            let clause = &self.clauses[ci];
            let mut reasons = Vec::with_capacity(4);
            values.clear();
            let mut d = Decided {
                outcome: Outcome::Undetermined,
                amount: None,
                missing: Missing::default(),
                values: &mut values,
                reasons: Some(&mut reasons),
                sought: None,
            };
            self.clause_result(ci, &env, &mut d)
                .map_err(|e| e.into_error(clause))?;
            let (outcome, amount, missing) = (d.outcome, d.amount, d.missing);
            let texts = &self.programs.texts[ci];
            results.push(ClauseResult {
                clause: texts.id.clone(),
                document: texts.document.clone(),
                number: texts.number.clone(),
                section: texts.section.clone(),
                quote: texts.quote.clone(),
                outcome,
                amount: amount.map(|a| {
                    let unit = clause
                        .amount
                        .as_ref()
                        .map(|n| n.unit.to_string())
                        .unwrap_or_default();
                    Quantity::new(figure_text(a, &unit), unit)
                }),
                values: Values(
                    values
                        .values(&values.heads)
                        .map(|v| {
                            let q = Quantity::new(figure_text(v.value, v.unit), v.unit.to_string());
                            (v.key(), q)
                        })
                        .collect(),
                ),
                reasons: crate::report::Reasons(reasons),
                missing: missing_names(&self.schema, env.record, missing)
                    .map(|n| n.text())
                    .collect(),
                changes: Vec::new(),
                margin: Vec::new(),
            });
        }
        Ok(Report {
            subject: case.subject_name.clone(),
            as_of,
            results,
            changes_searched: false,
        })
    }

    /// Evaluates `case` on `as_of` into `out`, without reasons or quotes: the same outcomes,
    /// amounts, values and missing facts as [`Rulebook::evaluate`], at a fraction of the cost.
    pub fn evaluate_compact<'b>(
        &'b self,
        case: &Case,
        as_of: NaiveDate,
        out: &mut CompactReport<'b>,
    ) -> Result<(), EvaluationError> {
        self.evaluate_clauses(case, as_of, &self.by_subject[case.subject as usize], out)
    }

    /// Like [`Rulebook::evaluate_compact`], for the clauses of `set` only.
    pub fn evaluate_selected<'b>(
        &'b self,
        case: &Case,
        as_of: NaiveDate,
        set: &ClauseSet,
        out: &mut CompactReport<'b>,
    ) -> Result<(), EvaluationError> {
        let clauses = set
            .by_subject
            .get(case.subject as usize)
            .map_or(&[][..], Vec::as_slice);
        self.evaluate_clauses(case, as_of, clauses, out)
    }

    /// The clauses that `keep` accepts, e.g. `book.select(|c| c.id == "warranty-deposit")`.
    pub fn select(&self, keep: impl Fn(&Clause) -> bool) -> ClauseSet {
        let by_subject = self
            .by_subject
            .iter()
            .map(|cs| {
                cs.iter()
                    .copied()
                    .filter(|&i| keep(&self.clauses[i]))
                    .collect()
            })
            .collect();
        ClauseSet { by_subject }
    }

    pub(crate) fn evaluate_clauses<'b>(
        &'b self,
        case: &Case,
        as_of: NaiveDate,
        clauses: &[usize],
        out: &mut CompactReport<'b>,
    ) -> Result<(), EvaluationError> {
        self.check_dates(case, as_of)?;
        self.run_clauses((case, as_of), clauses, out)
    }

    /// [`evaluate_clauses`](Self::evaluate_clauses) for a case whose dates are known to be
    /// on or before `as_of` (a case that passed the check, changed only to such dates).
    pub(crate) fn run_clauses<'b>(
        &'b self,
        at: (&Case, NaiveDate),
        clauses: &[usize],
        out: &mut CompactReport<'b>,
    ) -> Result<(), EvaluationError> {
        self.run_sought(at, clauses, out, None)
    }

    /// [`run_clauses`](Self::run_clauses) for one clause, when all the caller needs is
    /// whether its outcome is one that `sought` accepts: where the decision gives another,
    /// and its named values could not make it one (they can only fail, or give `not_in_force`
    /// for a parameter with no value), they are left unevaluated, and the result holds that
    /// outcome. Where the decision gives a sought outcome, all is evaluated as ever.
    pub(crate) fn run_clause_for<'b>(
        &'b self,
        at: (&Case, NaiveDate),
        ci: usize,
        out: &mut CompactReport<'b>,
        sought: &dyn Fn(Outcome) -> bool,
    ) -> Result<(), EvaluationError> {
        self.run_sought(at, std::slice::from_ref(&ci), out, Some(sought))
    }

    fn run_sought<'b>(
        &'b self,
        (case, as_of): (&Case, NaiveDate),
        clauses: &[usize],
        out: &mut CompactReport<'b>,
        sought: Option<&dyn Fn(Outcome) -> bool>,
    ) -> Result<(), EvaluationError> {
        out.book = Some((&self.rules, &self.programs));
        out.subject = case.subject;
        out.as_of = as_of;
        out.results.clear();
        out.values.clear();
        out.scratch
            .prepare(&self.rules, &self.programs, case.subject, as_of);
        let CompactReport {
            results,
            values,
            scratch,
            ..
        } = out;
        let env = self.env(case, as_of, scratch);
        for &ci in clauses {
            let clause = &self.clauses[ci];
            let start = values.len() as u32;
            let mut d = Decided {
                outcome: Outcome::Undetermined,
                amount: None,
                missing: Missing::default(),
                values,
                reasons: None,
                sought,
            };
            self.clause_result(ci, &env, &mut d)
                .map_err(|e| e.into_error(clause))?;
            let (outcome, amount, missing) = (d.outcome, d.amount, d.missing);
            results.push(CompactResult {
                clause,
                outcome,
                amount,
                missing,
                values: (start, values.len() as u32),
                index: ci as u32,
            });
        }
        Ok(())
    }

    /// A case states what is known on its date: a date fact after `as_of` (a designation or
    /// an approval not yet made) is bad input, never a fact to pay or pass on.
    fn check_dates(&self, case: &Case, as_of: NaiveDate) -> Result<(), EvaluationError> {
        let future = |name: String, zh: String, d: NaiveDate| EvaluationError {
            clause: None,
            message: format!(
                "`{name}` is {d}, after the evaluation date {as_of}: a case states what is known on its date"
            ),
            facts: vec![format!("{name} = {d}"), format!("as_of = {as_of}")],
            zh: Some(format!(
                "{zh}为{}，晚于评估日期{}：案件只陈述评估日期当天已知的事实",
                crate::reason::date_text(d, crate::labels::Lang::Zh),
                crate::reason::date_text(as_of, crate::labels::Lang::Zh)
            )),
        };
        let zh = |f: &crate::schema::Field| {
            if f.label.zh.is_empty() {
                format!("「{}」", f.name)
            } else {
                f.label.zh.to_string()
            }
        };
        let rec = self.schema.record_of(case.subject);
        for (f, v) in rec.fields.iter().zip(&case.facts.values) {
            if let Some(Value::Date(d)) = *v
                && d > as_of
            {
                return Err(future(f.name.clone(), zh(f), d));
            }
        }
        for (f, list) in rec.fields.iter().zip(&case.facts.lists) {
            let (Type::List(r), Some(items)) = (f.ty, list) else {
                continue;
            };
            let item_rec = &self.schema.records[r as usize];
            if !item_rec.fields.iter().any(|g| g.ty == Type::Date) {
                continue;
            }
            for (i, item) in items.iter().enumerate() {
                for (g, v) in item_rec.fields.iter().zip(item) {
                    if let Some(Value::Date(d)) = *v
                        && d > as_of
                    {
                        return Err(future(
                            format!("{}[{}].{}", f.name, i + 1, g.name),
                            format!("第{}项{}的{}", i + 1, zh(f), zh(g)),
                            d,
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn env<'b, 'c>(&'b self, case: &'c Case, as_of: NaiveDate, scratch: &'c Scratch) -> Env<'b, 'c>
    where
        'b: 'c,
    {
        Env {
            record: self.schema.record_of(case.subject),
            words: &self.programs.words,
            subject: case.subject,
            scene: std::cell::OnceCell::new(),
            cx: Cx {
                facts: &case.facts,
                item: None,
                params: &self.params,
                as_of,
                memo: &scratch.tree,
            },
            ctx: scratch.ctx(&case.facts, as_of),
        }
    }

    fn clause_result<'b>(
        &'b self,
        ci: usize,
        env: &Env<'b, '_>,
        d: &mut Decided<'_, 'b>,
    ) -> Result<(), Failure> {
        let clause = &self.clauses[ci];
        let doc = &self.documents[clause.document];
        let as_of = env.cx.as_of;
        // A target is judged from its document's start on, also after the document expires.
        let ends = doc.until.filter(|_| clause.kind != Kind::Target);
        if as_of < doc.from || ends.is_some_and(|u| as_of > u) {
            d.outcome = Outcome::NotInForce;
            if let Some(why) = d.why() {
                let window = match doc.until {
                    Some(u) => format!("from {} to {}", doc.from, u),
                    None => format!("from {}", doc.from),
                };
                why.push(Reason::new(
                    ReasonKind::NotInForce {
                        document: doc.number.clone(),
                        from: doc.from,
                        until: doc.until,
                        as_of,
                    },
                    format!("{} is in force {window}, not on {as_of}", doc.number),
                ));
            }
            return Ok(());
        }
        let start = d.values.len();
        match self.decide(clause, &self.programs.clauses[ci], env, d) {
            Ok(()) => {
                if matches!(d.outcome, Outcome::Undetermined | Outcome::Required)
                    && let Some(why) = d.why()
                {
                    env.undefined_ratios(clause, why);
                }
                Ok(())
            }
            Err(Failure::Eval(EvalError::NoParameterValue { name, date })) => {
                d.outcome = Outcome::NotInForce;
                d.amount = None;
                d.values.truncate(start);
                if let Some(why) = d.why() {
                    why.clear();
                    let parameter = self
                        .params
                        .iter()
                        .find(|p| *p.name == *name)
                        .map(|p| p.label.clone())
                        .filter(|l| !l.is_incomplete())
                        .unwrap_or_else(|| crate::labels::Label::new(name.clone(), name.clone()));
                    why.push(Reason::new(
                        ReasonKind::NoParameterValue { parameter, date },
                        format!("parameter `{name}` has no value in force on {date}"),
                    ));
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn decide<'b>(
        &'b self,
        clause: &'b Clause,
        p: &ClauseProgram,
        env: &Env<'b, '_>,
        d: &mut Decided<'_, 'b>,
    ) -> Result<(), Failure> {
        let ctx = &env.ctx;
        // Not in force for this case (a year with no target), then not applicable.
        if !gate(
            clause.in_force.as_ref().zip(p.in_force.as_ref()),
            Outcome::NotInForce,
            false,
            env,
            d,
        )? {
            return Ok(());
        }
        if !gate(
            clause.when.as_ref().zip(p.when.as_ref()),
            Outcome::NotApplicable,
            true,
            env,
            d,
        )? {
            return Ok(());
        }
        // The input must meet a clause's guards only where the clause applies.
        for (g, gp) in p.guards(clause) {
            if gp.run(ctx)? == Some(false) {
                let facts = env.fact_lines(&g.expr);
                return Err(Failure::Guard(
                    g.message.clone(),
                    facts,
                    g.expr.text.clone(),
                ));
            }
        }
        match clause.kind {
            Kind::Requirement | Kind::Entitlement => {
                let (test, tp) = clause
                    .test
                    .as_ref()
                    .zip(p.test.as_ref())
                    .expect("checked at load");
                let requirement = clause.kind == Kind::Requirement;
                if let Some(b) = tp.run(ctx)? {
                    d.outcome = match (requirement, b) {
                        (true, true) => Outcome::Compliant,
                        (true, false) => Outcome::NonCompliant,
                        (false, true) => Outcome::Eligible,
                        (false, false) => Outcome::NotEligible,
                    };
                    if let Some(why) = d.why() {
                        env.explain_known(test, Value::Bool(b), why);
                    }
                } else {
                    // A requirement whose compliance facts are not given is still required.
                    d.outcome = if requirement {
                        Outcome::Required
                    } else {
                        Outcome::Undetermined
                    };
                    d.missing = env.missing(test);
                }
                if clause.kind == Kind::Entitlement
                    && d.outcome == Outcome::Eligible
                    && let Some(a) = clause.amount.as_ref().zip(p.amount.as_ref())
                {
                    amount(a, env, d)?;
                    if d.amount.is_none() && d.missing == Missing::default() {
                        // No fact would give the amount (a divisor is zero): the entitlement
                        // is not `eligible` without what it pays; the reasons say why.
                        d.outcome = Outcome::Undetermined;
                    }
                }
            }
            Kind::Computed => {
                let a = clause
                    .amount
                    .as_ref()
                    .zip(p.amount.as_ref())
                    .expect("checked at load");
                amount(a, env, d)?;
                d.outcome = if d.amount.is_some() {
                    Outcome::Computed
                } else {
                    Outcome::Undetermined
                };
            }
            Kind::Target => target(clause, p, env, d)?,
        }
        if d.sought
            .is_some_and(|f| !f(d.outcome) && !f(Outcome::NotInForce))
        {
            return Ok(());
        }
        for (l, lp) in p.lets(clause) {
            env.named_value(l, lp, d.values)?;
        }
        for (v, vp) in p.values(clause) {
            env.named_value(v, vp, d.values)?;
        }
        if let Some(why) = d.why() {
            for n in &clause.notes {
                if n.when.eval(&env.cx).ok().and_then(Tri::as_bool) == Some(true) {
                    let note = n.label.clone();
                    why.push(Reason::new(ReasonKind::Note { note }, n.text.clone()));
                }
            }
        }
        Ok(())
    }
}

/// A condition the clause must pass before it is judged (`in_force`, `when`): false gives
/// `closed`, unknown gives `undetermined` with the facts it waits for; `true` goes on (with
/// the condition among the reasons when `explain_true`). Returns whether to go on.
fn gate(
    cond: Option<(&Expr, &Program<bool>)>,
    closed: Outcome,
    explain_true: bool,
    env: &Env,
    d: &mut Decided,
) -> Result<bool, Failure> {
    let Some((e, p)) = cond else {
        return Ok(true);
    };
    if let Some(b) = p.run(&env.ctx)? {
        if !b {
            d.outcome = closed;
        }
        if (!b || explain_true)
            && let Some(why) = d.why()
        {
            env.explain_known(e, Value::Bool(b), why);
        }
        Ok(b)
    } else {
        d.outcome = Outcome::Undetermined;
        d.missing = env.missing(e);
        Ok(false)
    }
}

fn amount((a, ap): (&Named, &Program<Decimal>), env: &Env, d: &mut Decided) -> Result<(), Failure> {
    match ap.run(&env.ctx)? {
        Some(x) => {
            let q = reported(x, a.round, &a.unit);
            if let Some(why) = d.why() {
                // Shown the same exactly when sign, digits and scale are the same.
                let changed = q.serialize() != x.serialize();
                let rounded = match a.round {
                    Rounding::HalfAwayFromZero if changed => Some((Rounded::HalfAwayFromZero, q)),
                    Rounding::Down if changed => Some((Rounded::Down, q)),
                    _ => None,
                };
                // Unrounded, the line reads as the fact's when the amount is one fact.
                let key = rounded
                    .is_none()
                    .then(|| (a.expr.text.clone(), Some(Value::Num(x))));
                let site = Site::Derived(Box::new(crate::reason::Derivation {
                    expr: a.expr.share(),
                    name: a.label.clone(),
                    unit: a.unit.clone(),
                    value: x,
                    rounded,
                    shown: changed.then(|| (rounding_words(a.round), q)),
                }));
                why.push(Reason::later(env.scene(), site, key));
                env.facts_of(&a.expr, why);
            }
            d.amount = Some(q);
        }
        None => d.missing = d.missing.union(env.missing(&a.expr)),
    }
    Ok(())
}

fn target<'b>(
    clause: &'b Clause,
    p: &ClauseProgram,
    env: &Env<'b, '_>,
    d: &mut Decided<'_, 'b>,
) -> Result<(), Failure> {
    let ctx = &env.ctx;
    let (deadline_expr, dp) = clause
        .deadline
        .as_ref()
        .zip(p.deadline.as_ref())
        .expect("checked at load");
    let mut missing = Missing::default();
    let deadline = dp.run(ctx)?;
    if deadline.is_none() {
        missing = env.missing(deadline_expr);
    }
    let mut all_met = true;
    let mut any_failed = false;
    for (g, gp) in p.goals(clause) {
        let fig = gp.figure.run(ctx)?;
        let tgt = gp.target.run(ctx)?;
        match (fig, tgt, gp.test.run(ctx)?) {
            (Some(f), Some(t), Some(ok)) => {
                let shortfall = (t - f).max(Decimal::ZERO);
                // A `more_than` goal has no shortfall to state: any amount above the target
                // reaches it, so only `at_least` goals report one.
                let parts: &[(&'static str, Decimal)] = if g.strict {
                    &[("", f), (".target", t)]
                } else {
                    &[("", f), (".target", t), (".shortfall", shortfall)]
                };
                for &(suffix, x) in parts {
                    d.values.push(
                        &g.name,
                        suffix,
                        &g.unit,
                        reported(x, Rounding::None, &g.unit),
                    );
                }
                if let Some(why) = d.why() {
                    let site = Site::Goal(Box::new(crate::reason::GoalSite {
                        figure: g.figure.share(),
                        label: g.label.clone(),
                        name: g.name.clone(),
                        unit: g.unit.clone(),
                        value: f,
                        target: t,
                        strict: g.strict,
                        reached: ok,
                    }));
                    why.push(Reason::later(env.scene(), site, None));
                }
                any_failed |= !ok;
            }
            (f, t, _) => {
                all_met = false;
                if f.is_none() {
                    missing = missing.union(env.missing(&g.figure));
                }
                if t.is_none() {
                    missing = missing.union(env.missing(&g.target));
                }
            }
        }
    }
    let as_of = env.cx.as_of;
    let passed = deadline.map(|dl| as_of > dl);
    d.outcome = match (passed, any_failed, all_met) {
        (None, _, _) => Outcome::Undetermined,
        (Some(true), true, _) => Outcome::NotMet,
        (Some(false), true, _) => Outcome::Behind,
        (Some(true), false, true) => Outcome::Met,
        (Some(false), false, true) => Outcome::OnTrack,
        (Some(_), false, false) => Outcome::Undetermined,
    };
    if let (Some(dl), Some(why)) = (deadline, d.why()) {
        let passed = as_of > dl;
        why.push(Reason::new(
            ReasonKind::Deadline { date: dl, passed },
            format!(
                "deadline {dl}: {}",
                if passed { "passed" } else { "not yet passed" }
            ),
        ));
    }
    d.missing = missing;
    Ok(())
}

fn rounding_words(r: Rounding) -> &'static str {
    match r {
        Rounding::HalfAwayFromZero => "half away from zero",
        Rounding::Down => "down",
        Rounding::None => "not",
    }
}

/// A reported number with its unit, as the JSON report gives it.
#[must_use]
pub fn quantity(d: Decimal, round: Rounding, unit: &str) -> Quantity {
    Quantity::new(
        figure_text(reported(d, round, unit), unit),
        unit.to_string(),
    )
}

impl<'b> Env<'b, '_> {
    /// Pushes the value of `v` (one per item for a per-item value) when it is known.
    fn named_value(
        &self,
        v: &'b Named,
        p: &Program<Decimal>,
        out: &mut ValueList<'b>,
    ) -> Result<(), EvalError> {
        match v.each {
            None => {
                if let Some(d) = p.run(&self.ctx)? {
                    out.push(&v.name, "", &v.unit, reported(d, v.round, &v.unit));
                }
            }
            Some(list) => {
                let list_name = &self.record.fields[list as usize].name;
                if let Some(items) = self
                    .cx
                    .facts
                    .lists
                    .get(list as usize)
                    .and_then(|l| l.as_ref())
                {
                    let start = out.items.len();
                    p.run_each(&self.ctx, items, |i, d| {
                        out.push_item(i as u32 + 1, d, v.round, &v.unit);
                    })?;
                    out.end_run(&v.name, list_name, &v.unit, start);
                }
            }
        }
        Ok(())
    }

    /// The facts that an unknown `e` waits for.
    /// Names each ratio of the clause whose divisor is zero: why an outcome with no missing
    /// fact is still undetermined.
    fn undefined_ratios(&self, clause: &Clause, why: &mut Vec<Reason>) {
        for e in clause.exprs() {
            e.walk(&mut |n| {
                if let ExprKind::Arith(crate::expr::ArithOp::Div, _, den) = &n.kind
                    && den.eval(&self.cx).ok() == Some(Tri::Known(Value::Num(Decimal::ZERO)))
                    && !why.iter().any(|r| r.explains(&n.text, None))
                {
                    let site = Site::Undefined {
                        ratio: n.share(),
                        divisor: den.share(),
                    };
                    why.push(Reason::later(
                        self.scene(),
                        site,
                        Some((n.text.clone(), None)),
                    ));
                }
            });
        }
    }

    /// What the line of a condition that decided is about: for a word field found equal to
    /// the word looked for, the field and its value (its line reads as the field's fact);
    /// else the condition and its value. Two reasons with one key read the same.
    fn reason_key(&self, e: &Expr, val: Value) -> (Arc<str>, Option<Value>) {
        let yes = val == Value::Bool(true);
        let reads_as_fact = match &e.kind {
            ExprKind::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b)
                if matches!(a.kind, ExprKind::Field(_)) && matches!(b.kind, ExprKind::Const(_)) =>
            {
                ((*op == CmpOp::Eq) == yes).then_some(a)
            }
            ExprKind::WordIn(a, _) if matches!(a.kind, ExprKind::Field(_)) && yes => Some(a),
            _ => None,
        };
        match reads_as_fact {
            Some(a) => (a.text.clone(), self.known(a, &self.cx)),
            None => (e.text.clone(), Some(val)),
        }
    }

    /// What this evaluation's reasons are put into words with, made once.
    fn scene(&self) -> Arc<dyn Explainer> {
        self.scene
            .get_or_init(|| {
                Arc::new(Scene {
                    book: self.words.clone(),
                    subject: self.subject,
                    facts: self.cx.facts.clone(),
                    as_of: self.cx.as_of,
                })
            })
            .clone()
    }

    fn missing(&self, e: &Expr) -> Missing {
        match e.eval(&self.cx) {
            Ok(t) => t.missing(),
            Err(_) => Missing::default(),
        }
    }

    /// The value of `e` for an explanation: `None` when unknown or when it cannot be computed
    /// (a reason is then left out; it never changes an outcome).
    fn known(&self, e: &Expr, cx: &Cx) -> Option<Value> {
        match e.eval(cx) {
            Ok(Tri::Known(v)) => Some(v),
            _ => None,
        }
    }

    /// `field = value` for each subject field and parameter that `e` reads, once each.
    fn facts_of(&self, e: &Expr, out: &mut Vec<Reason>) {
        let mut nodes: Vec<&Expr> = Vec::new();
        collect_facts(e, &mut nodes);
        for n in nodes {
            if let Some(v) = self.known(n, &self.cx)
                && !out.iter().any(|r| r.explains(&n.text, Some(v)))
            {
                let key = (n.text.clone(), Some(v));
                out.push(Reason::later(
                    self.scene(),
                    Site::Fact(n.share(), v),
                    Some(key),
                ));
            }
        }
    }

    /// `field = value` for each subject field and parameter that `e` reads, as strings.
    fn fact_lines(&self, e: &Expr) -> Vec<String> {
        let mut out = Vec::new();
        self.facts_of(e, &mut out);
        out.into_iter().map(|r| r.logic().into_owned()).collect()
    }

    /// The facts that decided `e`: for `and` that held, all of its parts; for one that
    /// failed, the parts that failed; the reverse for `or`.
    fn explain(&self, e: &Expr, out: &mut Vec<Reason>) {
        if let Some(val) = self.known(e, &self.cx) {
            self.explain_known(e, val, out);
        }
    }

    /// [`explain`](Self::explain) for `e` known to be `val`: what its parts are follows from
    /// it, mostly, so each part is evaluated at most once more, not once per level above it.
    fn explain_known(&self, e: &Expr, val: Value, out: &mut Vec<Reason>) {
        self.explain_once(e, val, out, &mut AddrSet::default());
    }

    /// [`explain_known`](Self::explain_known), each shared definition explained once (`seen`,
    /// by its body's address): its reasons are the same wherever it is used, so one used twice
    /// by the next is said once, not once per path to it.
    fn explain_once(&self, e: &Expr, val: Value, out: &mut Vec<Reason>, seen: &mut AddrSet) {
        match &e.kind {
            // A name is what it names.
            ExprKind::Named(_, inner) => {
                if shared_addr(inner).is_none_or(|k| seen.insert(k)) {
                    self.explain_once(inner, val, out, seen);
                }
            }
            ExprKind::Not(inner) => match val {
                Value::Bool(b) => self.explain_once(inner, Value::Bool(!b), out, seen),
                _ => self.explain(inner, out),
            },
            ExprKind::And(..) | ExprKind::Or(..) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let short = Value::Bool(!is_and);
                // `a and b and c` is `(a and b) and c`: its parts are taken in order as one
                // chain, so that each is evaluated once rather than once per `and` above it.
                if val == short {
                    // Only a part with the deciding value explains it: the first such.
                    let mut decides = |p: &Expr| self.known(p, &self.cx) == Some(short);
                    if let Some(part) =
                        first_in_chain(e, is_and, &mut decides, &mut AddrSet::default())
                    {
                        self.explain_once(part, short, out, seen);
                    }
                } else {
                    // `and` true (`or` false) is known only when every part is, and holds it.
                    let mut parts = AddrSet::default();
                    first_in_chain(
                        e,
                        is_and,
                        &mut |p| {
                            self.explain_once(p, val, out, seen);
                            false
                        },
                        &mut parts,
                    );
                }
            }
            ExprKind::If(c, a, b) => {
                if let Some(Value::Bool(cv)) = self.known(c, &self.cx) {
                    self.explain_once(c, Value::Bool(cv), out, seen);
                    self.explain_once(if cv { a } else { b }, val, out, seen);
                } else {
                    // The condition is unknown, yet both branches agree: each explains it.
                    self.explain_once(a, val, out, seen);
                    self.explain_once(b, val, out, seen);
                }
            }
            _ => {
                // What reads the same is said once.
                let key = self.reason_key(e, val);
                if !out.iter().any(|r| r.explains(&key.0, key.1)) {
                    out.push(Reason::later(
                        self.scene(),
                        Site::Leaf(e.share(), val),
                        Some(key),
                    ));
                }
            }
        }
    }
}
/// The field and parameter nodes of `e`, outside list aggregates, first occurrence each.
/// The first operand, in order, of a chain of `and` (`is_and`) or of `or` (through names)
/// for which `f` holds. A shared definition met again (`seen`, by its body's address) is not
/// read again: its operands were, and none of them held.
fn first_in_chain<'e>(
    e: &'e Expr,
    is_and: bool,
    f: &mut impl FnMut(&Expr) -> bool,
    seen: &mut AddrSet,
) -> Option<&'e Expr> {
    match &e.kind {
        ExprKind::And(a, b) if is_and => {
            first_in_chain(a, is_and, f, seen).or_else(|| first_in_chain(b, is_and, f, seen))
        }
        ExprKind::Or(a, b) if !is_and => {
            first_in_chain(a, is_and, f, seen).or_else(|| first_in_chain(b, is_and, f, seen))
        }
        ExprKind::Named(_, inner) if matches!(inner.kind, ExprKind::And(..) | ExprKind::Or(..)) => {
            if shared_addr(inner).is_none_or(|k| seen.insert(k)) {
                first_in_chain(inner, is_and, f, seen)
            } else {
                None
            }
        }
        _ => f(e).then_some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Taking back the values of a clause (a parameter not in force) takes back its runs'
    /// items too, and nothing before them.
    #[test]
    fn a_value_list_truncates_heads_and_their_runs() {
        let d = |n: i64| Decimal::new(n, 2);
        let mut v = ValueList::default();
        v.push("base", "", "CNY", d(100));
        let start = v.items.len();
        v.items.extend([(1, d(1)), (2, d(2))]);
        v.end_run("cap", "units", "CNY", start);
        v.end_run("none", "units", "CNY", v.items.len()); // no item has it: no head
        v.push("share", "", "ratio", d(5));
        let start = v.items.len();
        v.items.push((1, d(3)));
        v.end_run("cap", "units", "CNY", start);
        assert_eq!(v.len(), 4);
        let keys = |v: &ValueList| -> Vec<String> {
            v.values(&v.heads)
                .map(|c| format!("{c}={}", c.value))
                .collect()
        };
        assert_eq!(
            keys(&v),
            [
                "base=1.00",
                "units[1].cap=0.01",
                "units[2].cap=0.02",
                "share=0.05",
                "units[1].cap=0.03"
            ]
        );
        v.truncate(4);
        assert_eq!(v.items.len(), 3);
        v.truncate(3);
        assert_eq!(v.items.len(), 2);
        assert_eq!(
            keys(&v),
            [
                "base=1.00",
                "units[1].cap=0.01",
                "units[2].cap=0.02",
                "share=0.05"
            ]
        );
        v.truncate(1);
        assert!(v.items.is_empty());
        assert_eq!(keys(&v), ["base=1.00"]);
    }
}
