//! The clauses' decisions, compiled once per rulebook (see [`crate::expr::program`]), and the
//! scratch they run in.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::explain::BookWords;
use crate::expr::program::{Compiler, Ctx, Program, params_on};
use crate::expr::{EvalError, Expr, Value};
use crate::json_out;
use crate::report::SharedText;
use crate::rulebook::{Clause, Named, Rules};
use std::sync::Arc;

/// What the compiled decisions read and write besides the case: the parameters on the date,
/// the memo slots and the first failure. Kept between evaluations to reuse its buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The date `params` hold the values of, for the rulebook at this address.
    pub(super) params_for: Option<(usize, NaiveDate)>,
    pub(super) params: Vec<Option<Value>>,
    pub(super) memo: Vec<Cell<Option<Option<Value>>>>,
    pub(super) error: Cell<Option<EvalError>>,
    /// The shared definitions the reference evaluator has worked out for this case.
    pub(super) tree: crate::expr::Memo,
}

impl fmt::Debug for Scratch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scratch")
    }
}

impl Scratch {
    /// Ready for a case of `subject` on `as_of`: its memo slots empty.
    pub(super) fn prepare(
        &mut self,
        book: &Rules,
        programs: &Programs,
        subject: u16,
        as_of: NaiveDate,
    ) {
        let key = (std::ptr::from_ref::<Rules>(book) as usize, as_of);
        if self.params_for != Some(key) {
            params_on(&book.params, as_of, &mut self.params);
            self.params_for = Some(key);
        }
        let p = programs;
        if self.memo.len() < p.slots {
            self.memo.resize_with(p.slots, Cell::default);
        }
        if let Some(r) = p.by_subject.get(subject as usize) {
            self.memo[r.clone()].iter().for_each(|m| m.set(None));
        }
        self.error.set(None);
        self.tree.clear();
    }

    pub(super) fn ctx<'c>(&'c self, facts: &'c crate::expr::Facts, as_of: NaiveDate) -> Ctx<'c> {
        Ctx {
            facts,
            item: None,
            params: &self.params,
            as_of,
            memo: &self.memo,
            error: &self.error,
        }
    }
}

/// The decisions of every clause, compiled once at load (see [`crate::expr::program`]).
#[derive(Default)]
pub struct Programs {
    pub(super) clauses: Vec<ClauseProgram>,
    /// Each clause's texts as a full report gives them, shared by every report.
    pub(super) texts: Vec<ClauseTexts>,
    /// What a compact report writes of each clause before its outcome,
    /// `{"clause":"<id>","outcome":"`, escaped once here.
    pub(super) clause_heads: Vec<Box<[u8]>>,
    /// Each field name of each record as a JSON string, for the missing facts.
    pub(super) field_names: Vec<Vec<Box<[u8]>>>,
    /// The memo slots of each subject's clauses, and how many there are in all.
    pub(super) by_subject: Vec<Range<usize>>,
    pub(super) slots: usize,
    /// The rulebook's labels, for the reasons of its reports.
    pub(super) words: Arc<BookWords>,
}

/// A clause's texts in a full report.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClauseTexts {
    pub(super) id: SharedText,
    pub(super) document: SharedText,
    pub(super) number: SharedText,
    pub(super) section: SharedText,
    pub(super) quote: SharedText,
}

impl fmt::Debug for Programs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Programs({} clauses, {} memo slots)",
            self.clauses.len(),
            self.slots
        )
    }
}

/// One clause's expressions, compiled: those the decision evaluates, in the clause's order.
pub(crate) struct ClauseProgram {
    pub(super) in_force: Option<Program<bool>>,
    pub(super) guards: Vec<Program<bool>>,
    pub(super) when: Option<Program<bool>>,
    pub(super) test: Option<Program<bool>>,
    pub(super) amount: Option<Program<Decimal>>,
    /// The `let`s with `report = true`, each with its index among the clause's `let`s.
    pub(super) lets: Vec<(usize, Program<Decimal>)>,
    pub(super) values: Vec<Program<Decimal>>,
    pub(super) deadline: Option<Program<NaiveDate>>,
    pub(super) goals: Vec<GoalProgram>,
}

/// A goal's figure and target, as reported, and the exact comparison that decides it.
pub(crate) struct GoalProgram {
    pub(super) figure: Program<Decimal>,
    pub(super) target: Program<Decimal>,
    pub(super) test: Program<bool>,
}

impl Programs {
    /// Compiles the clauses of `book`, subject by subject.
    #[must_use]
    pub fn compile(book: &Rules) -> Programs {
        let mut c = Compiler::new(&book.params);
        let mut clauses: Vec<Option<ClauseProgram>> = book.clauses.iter().map(|_| None).collect();
        let mut by_subject = Vec::with_capacity(book.by_subject.len());
        for indices in &book.by_subject {
            let (mut top, mut items) = (Vec::new(), Vec::new());
            for &i in indices {
                decision_exprs(&book.clauses[i], &mut top, &mut items);
            }
            let start = c.subject(&top, &items);
            for &i in indices {
                clauses[i] = Some(ClauseProgram::new(&mut c, &book.clauses[i]));
            }
            by_subject.push(start..c.slots_end());
        }
        let clauses = clauses
            .into_iter()
            .zip(&book.clauses)
            .map(|(p, clause)| {
                p.unwrap_or_else(|| {
                    c.subject(&[], &[]);
                    ClauseProgram::new(&mut c, clause)
                })
            })
            .collect();
        let texts = book
            .clauses
            .iter()
            .map(|clause| {
                let doc = &book.documents[clause.document];
                ClauseTexts {
                    id: clause.id.as_str().into(),
                    document: doc.id.as_str().into(),
                    number: doc.number.as_str().into(),
                    section: clause.section.as_str().into(),
                    quote: clause.quote.as_str().into(),
                }
            })
            .collect();
        let json = |write: &dyn Fn(&mut Vec<u8>) -> io::Result<()>| {
            let mut out = Vec::new();
            let _ = write(&mut out); // a Vec takes every write
            out.into_boxed_slice()
        };
        let clause_heads = book
            .clauses
            .iter()
            .map(|clause| {
                json(&|out| {
                    out.write_all(b"{\"clause\":")?;
                    json_out::string(out, &clause.id)?;
                    out.write_all(b",\"outcome\":\"")
                })
            })
            .collect();
        let field_names = book
            .schema
            .records
            .iter()
            .map(|rec| {
                rec.fields
                    .iter()
                    .map(|f| json(&|out| json_out::string(out, &f.name)))
                    .collect()
            })
            .collect();
        Programs {
            clauses,
            texts,
            clause_heads,
            field_names,
            by_subject,
            slots: c.slots_end(),
            words: Arc::new(BookWords {
                schema: book.schema.clone(),
                params: book.params.clone(),
            }),
        }
    }
}

/// The expressions a decision evaluates: for the case (`top`) and per list item (`items`).
pub(super) fn decision_exprs<'b>(
    clause: &'b Clause,
    top: &mut Vec<&'b Expr>,
    items: &mut Vec<&'b Expr>,
) {
    top.extend(clause.guards.iter().map(|g| &g.expr));
    top.extend(
        clause
            .in_force
            .iter()
            .chain(&clause.when)
            .chain(&clause.test)
            .chain(&clause.deadline),
    );
    top.extend(clause.amount.iter().map(|a| &a.expr));
    for v in clause
        .lets
        .iter()
        .filter(|l| l.report)
        .chain(&clause.values)
    {
        if v.each.is_some() {
            items.push(&v.expr);
        } else {
            top.push(&v.expr);
        }
    }
    for g in &clause.goals {
        top.push(&g.figure);
        top.push(&g.target);
    }
}

/// Each part of a clause with its compiled program: the one place where the rule as written
/// and its compiled form are paired.
impl ClauseProgram {
    pub(super) fn guards<'a, 'c>(
        &'a self,
        c: &'c Clause,
    ) -> impl Iterator<Item = (&'c crate::rulebook::Guard, &'a Program<bool>)> + use<'a, 'c> {
        c.guards.iter().zip(&self.guards)
    }

    /// The `let`s a report lists, with their programs.
    pub(super) fn lets<'a, 'c>(
        &'a self,
        c: &'c Clause,
    ) -> impl Iterator<Item = (&'c Named, &'a Program<Decimal>)> + use<'a, 'c> {
        self.lets.iter().map(move |(i, p)| (&c.lets[*i], p))
    }

    pub(super) fn values<'a, 'c>(
        &'a self,
        c: &'c Clause,
    ) -> impl Iterator<Item = (&'c Named, &'a Program<Decimal>)> + use<'a, 'c> {
        c.values.iter().zip(&self.values)
    }

    pub(super) fn goals<'a, 'c>(
        &'a self,
        c: &'c Clause,
    ) -> impl Iterator<Item = (&'c crate::rulebook::Goal, &'a GoalProgram)> + use<'a, 'c> {
        c.goals.iter().zip(&self.goals)
    }

    pub(super) fn new<'b>(c: &mut Compiler<'b>, clause: &'b Clause) -> ClauseProgram {
        ClauseProgram {
            in_force: clause.in_force.as_ref().map(|e| c.condition(e)),
            guards: clause.guards.iter().map(|g| c.condition(&g.expr)).collect(),
            when: clause.when.as_ref().map(|e| c.condition(e)),
            test: clause.test.as_ref().map(|e| c.condition(e)),
            amount: clause.amount.as_ref().map(|a| c.number(&a.expr, false)),
            lets: clause
                .lets
                .iter()
                .enumerate()
                .filter(|(_, l)| l.report)
                .map(|(i, l)| (i, c.number(&l.expr, l.each.is_some())))
                .collect(),
            values: clause
                .values
                .iter()
                .map(|v| c.number(&v.expr, v.each.is_some()))
                .collect(),
            deadline: clause.deadline.as_ref().map(|e| c.date(e)),
            goals: clause
                .goals
                .iter()
                .map(|g| GoalProgram {
                    figure: c.number(&g.figure, false),
                    target: c.number(&g.target, false),
                    test: c.condition(&g.test),
                })
                .collect(),
        }
    }
}
