//! What each clause reads and how it decides, read off its checked expressions once: the
//! facts and lists it reads, the values it compares with, whether it can refuse a case as bad
//! input, whether any facts can make it favourable, and the one comparison through which it
//! decides on a fact, where there is one. The search for what would change a result
//! (`changes/`) works from these; the engine keeps them ([`crate::Rulebook`]).

use std::sync::Arc;

use crate::expr::{AddrMap, ArithOp, CmpOp, Expr, ExprKind, Value};
use crate::rulebook::{Clause, Kind, Rules};

use super::reach;

/// What the search for changes reads off each clause of a rulebook, worked out once (the
/// engine keeps it): by clause index.
#[derive(Debug)]
pub(crate) struct Plans(pub(crate) Vec<Plan>);

/// What the search reads off one clause.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The subject's fields it reads, in order, and the item fields of its lists.
    pub(crate) fields: Vec<u16>,
    pub(crate) items: Vec<(u16, u16)>,
    /// The lists it reads (counted, summed or item by item).
    pub(crate) lists: Vec<u16>,
    /// The numbers and dates it compares with: constants, and parameters (their values on
    /// the day of the case).
    pub(crate) constants: Vec<Value>,
    pub(crate) params: Vec<u32>,
    /// Whether no facts whatever give it a favourable outcome ([`reach::never`]).
    pub(crate) never: bool,
    /// Whether it can refuse a case as bad input: it has guards, or arithmetic (a sum, a
    /// product, a date moved) that can leave the exact range, or an amount to round.
    pub(crate) refuses: bool,
    /// The fields it decides on through one comparison ([`comparison`]).
    pub(crate) compared: Vec<Compared>,
}

/// A field a clause decides on through one comparison: that comparison's sides, and the
/// divisors that read the field anywhere in the clause (where one is zero, the value it
/// divides is undefined: the solved bound holds only on one side of it).
#[derive(Debug)]
pub(crate) struct Compared {
    pub(crate) field: u16,
    pub(crate) sides: (Arc<Expr>, Arc<Expr>),
    pub(crate) divisors: Vec<Arc<Expr>>,
}

impl Plans {
    pub(crate) fn new(rules: &Rules) -> Plans {
        Plans(
            rules
                .clauses
                .iter()
                .map(|clause| {
                    let (fields, items) = read_facts(clause);
                    let (_, lists) = reads_of(clause);
                    let (mut constants, mut params) = (Vec::new(), Vec::new());
                    for e in clause.exprs() {
                        e.walk(&mut |x: &Expr| match &x.kind {
                            ExprKind::Const(v @ (Value::Num(_) | Value::Date(_))) => {
                                constants.push(*v);
                            }
                            ExprKind::Param(i) => params.push(*i),
                            _ => {}
                        });
                    }
                    let compared = fields
                        .iter()
                        .filter_map(|&field| {
                            Some(Compared {
                                field,
                                sides: comparison(clause, field)?,
                                divisors: divisors(clause, field),
                            })
                        })
                        .collect();
                    let mut refuses = !clause.guards.is_empty()
                        || clause.amount.is_some()
                        || clause.kind == Kind::Target;
                    for e in clause.exprs() {
                        e.walk(&mut |x: &Expr| {
                            refuses |= matches!(
                                x.kind,
                                ExprKind::Arith(..)
                                    | ExprKind::Agg { .. }
                                    | ExprKind::Shift { .. }
                                    | ExprKind::EndOfYear(_)
                                    | ExprKind::Neg(_)
                            );
                        });
                    }
                    Plan {
                        refuses,
                        fields,
                        items,
                        lists,
                        constants,
                        params,
                        never: reach::never(clause),
                        compared,
                    }
                })
                .collect(),
        )
    }
}

/// The facts a clause reads: its subject's fields, and its lists' item fields.
fn read_facts(clause: &Clause) -> (Vec<u16>, Vec<(u16, u16)>) {
    let (mut fields, mut items) = (Vec::new(), Vec::new());
    for e in clause.exprs() {
        e.walk(&mut |x: &Expr| match &x.kind {
            ExprKind::Field(i) if !fields.contains(i) => fields.push(*i),
            ExprKind::Agg {
                list, body, filter, ..
            } => {
                for inner in body.iter().chain(filter.iter()) {
                    inner.walk(&mut |y: &Expr| {
                        if let ExprKind::ItemField(j) = y.kind
                            && !items.contains(&(*list, j))
                        {
                            items.push((*list, j));
                        }
                    });
                }
            }
            _ => {}
        });
    }
    fields.sort_unstable();
    items.sort_unstable();
    (fields, items)
}

/// The fields and the lists a clause reads, for telling which clauses a change can touch.
fn reads_of(clause: &Clause) -> (Vec<u16>, Vec<u16>) {
    let (mut fields, mut lists) = (Vec::new(), Vec::new());
    for e in clause.exprs() {
        e.walk(&mut |x: &Expr| match x.kind {
            ExprKind::Field(i) if !fields.contains(&i) => fields.push(i),
            ExprKind::Agg { list, .. } if !lists.contains(&list) => lists.push(list),
            _ => {}
        });
    }
    (fields, lists)
}

/// The comparison through which `clause` alone decides on field `field` of its subject, as
/// its two sides; `None` where it decides on the field otherwise (or not at all), or through
/// an equation (`==`, `!=`), which holds or fails at one point only. A target
/// decides through its goals' tests (`figure >= target`), each figure reported as evaluated
/// there: the field in one goal's test, its outcome turns where that test does.
pub(crate) fn comparison(clause: &Clause, field: u16) -> Option<(Arc<Expr>, Arc<Expr>)> {
    if !matches!(
        clause.kind,
        Kind::Requirement | Kind::Entitlement | Kind::Target
    ) {
        return None;
    }
    let deciding = clause
        .in_force
        .iter()
        .chain(&clause.when)
        .chain(&clause.test)
        .chain(clause.guards.iter().map(|g| &g.expr))
        .chain(clause.amount.iter().map(|a| &a.expr))
        .chain(&clause.deadline)
        .chain(clause.goals.iter().map(|g| &g.test));
    // Each use of a shared definition counts: the walks below read its body once.
    let mut seen = 0u32;
    let mut counted = AddrMap::default();
    let mut found = None;
    for e in deciding {
        seen = seen.saturating_add(uses(e, field, &mut counted));
        e.walk(&mut |x: &Expr| match &x.kind {
            ExprKind::Cmp(op, l, r) if found.is_none() && (reads(l, field) || reads(r, field)) => {
                found = Some((*op, l.share(), r.share()));
            }
            _ => {}
        });
    }
    let mut shown = clause.lets.iter().chain(&clause.values).map(|n| &n.expr);
    if seen != 1 || !shown.all(|e| tame(e, field)) {
        return None;
    }
    // An equation turns at its point from both sides: `floors != 5` fails at 5 alone.
    match found? {
        (CmpOp::Eq | CmpOp::Ne, ..) => None,
        (_, l, r) => Some((l, r)),
    }
}

/// How many times `e` reads field `field`, a shared definition's body counted once for each
/// use of it (a definition used twice in a test compares twice); at most `u32::MAX`.
fn uses(e: &Expr, field: u16, counted: &mut AddrMap<u32>) -> u32 {
    match &e.kind {
        ExprKind::Field(i) => u32::from(*i == field),
        ExprKind::Named(_, body) => counted.once(body, |counted| uses(body, field, counted)),
        _ => {
            let mut n = 0u32;
            e.for_each_child(&mut |c| n = n.saturating_add(uses(c, field, counted)));
            n
        }
    }
}

/// Whether `e` reads field `field`.
fn reads(e: &Expr, field: u16) -> bool {
    let mut yes = false;
    e.walk(&mut |x: &Expr| yes |= matches!(x.kind, ExprKind::Field(i) if i == field));
    yes
}

/// Whether `e` reads field `field` nowhere in a product with itself, in the condition of an
/// `if`, or in a divisor together with what it divides: a value that takes another form past
/// some point of the field (a product too large for exact arithmetic only between 100 and
/// 200 m2) can fail between two points where it evaluates. A divisor reading it
/// ([`divisors`]) is undefined at one point, and the search keeps that point out.
fn tame(e: &Expr, field: u16) -> bool {
    let mut ok = true;
    e.walk(&mut |x: &Expr| match &x.kind {
        ExprKind::Arith(op, l, r) => {
            ok &= match op {
                ArithOp::Mul | ArithOp::Div => !(reads(l, field) && reads(r, field)),
                ArithOp::Add | ArithOp::Sub => true,
            };
        }
        ExprKind::If(c, _, _) => ok &= !reads(c, field),
        _ => {}
    });
    ok
}

/// The divisors in `clause` that read field `field`.
fn divisors(clause: &Clause, field: u16) -> Vec<Arc<Expr>> {
    let mut found = Vec::new();
    for e in clause.exprs() {
        e.walk(&mut |x: &Expr| {
            if let ExprKind::Arith(ArithOp::Div, _, r) = &x.kind
                && reads(r, field)
            {
                found.push(r.share());
            }
        });
    }
    found
}
