//! Whether changing one fact alone can give a clause an outcome at all, the other facts as
//! they are: where it cannot, the search for that fact is skipped, since every value it would
//! try gives the clause's outcome as it is, or bad input, and neither is the one sought.
//!
//! A requirement or an entitlement is `compliant` or `eligible` only where its `in_force` and
//! its `when` hold and its test holds, and `non_compliant` or `not_eligible` only where they
//! hold and its test fails. Each of these conditions is read with the fact left open: a part
//! that does not read the fact has the value it has now; `a and b` is false whatever the fact
//! is where one side is settled to false (and `a or b` true where one side is settled to true),
//! and settled where both sides are; `not` turns a settled value over; anything else that
//! reads the fact may take any value. A value so settled can still give way to bad input
//! (the side that reads the fact evaluated first, and failing), but never to another value: a
//! failure ends the clause's evaluation, which then gives no outcome, or `not_in_force` for a
//! parameter with no value.
//! So where a condition is settled against the outcome sought, no value of the fact gives it.
//!
//! The plain search ([`super::searched_changes`]) never skips a fact: it is the reference
//! this is tested against.

use chrono::NaiveDate;

use crate::Rulebook;
use crate::expr::{AddrMap, Cx, Expr, ExprKind, Facts, Memo, Tri};
use crate::report::Outcome;
use crate::rulebook::{Clause, Kind};

/// Fields as bits (field `i` as bit `i`; a field past the last bit is never left out).
pub(super) type Fields = u128;

/// Every field.
pub(super) const ALL: Fields = Fields::MAX;

/// Whether `mask` may hold field `field` ([`may_give`]).
pub(super) fn has(mask: Fields, field: u16) -> bool {
    field >= Fields::BITS as u16 || mask >> field & 1 == 1
}

fn bit(field: u16) -> Fields {
    if field < Fields::BITS as u16 {
        1 << field
    } else {
        0
    }
}

/// The fields of the subject some value of which alone may give `clause` the outcome `want`,
/// the other facts as in `facts`: a field left out is one no value of which can.
pub(super) fn may_give(
    book: &Rulebook,
    clause: &Clause,
    (facts, as_of): (&Facts, NaiveDate),
    want: Outcome,
) -> Fields {
    let test = match (clause.kind, want) {
        (Kind::Entitlement, Outcome::Eligible) | (Kind::Requirement, Outcome::Compliant) => true,
        (Kind::Entitlement, Outcome::NotEligible) | (Kind::Requirement, Outcome::NonCompliant) => {
            false
        }
        _ => return ALL,
    };
    let memo = Memo::default();
    let cx = Cx {
        facts,
        item: None,
        params: &book.params,
        as_of,
        memo: &memo,
    };
    let needed = [
        (clause.in_force.as_ref(), true),
        (clause.when.as_ref(), true),
        (clause.test.as_ref(), test),
    ];
    let mut may = ALL;
    for (e, b) in needed {
        if let Some(e) = e {
            let o = open(e, &cx, &mut AddrMap::default());
            // The fields it is settled for hold it at its value now, which is not the one needed.
            if o.now.is_some_and(|t| t != Some(b)) {
                may &= o.free;
            }
        }
    }
    may
}

/// An expression read with each field in turn left open.
#[derive(Clone, Copy)]
struct Open {
    /// The fields for which it is not settled: with one of them changed, it may take another
    /// value (every field where it cannot be evaluated now).
    free: Fields,
    /// Its value now, as a yes or no (`Some(None)` where unknown or not a yes or no); `None`
    /// where it cannot be evaluated.
    now: Option<Option<bool>>,
}

/// `e` read open; `seen` holds the shared definitions already read, by their body's address.
fn open(e: &Expr, cx: &Cx, seen: &mut AddrMap<Open>) -> Open {
    let mut o = match &e.kind {
        ExprKind::Named(_, inner) => seen.once(inner, |seen| open(inner, cx, seen)),
        ExprKind::Not(inner) => {
            let i = open(inner, cx, seen);
            Open {
                now: i.now.map(|t| t.map(|b| !b)),
                ..i
            }
        }
        ExprKind::And(l, r) | ExprKind::Or(l, r) => {
            // The value that decides it whatever the other side is: false for `and`.
            let decisive = matches!(e.kind, ExprKind::Or(..));
            let (a, b) = (open(l, cx, seen), open(r, cx, seen));
            // Settled where both sides are, or where one side is settled to the decisive value.
            let mut free = a.free | b.free;
            for side in [&a, &b] {
                if side.now == Some(Some(decisive)) {
                    free &= side.free;
                }
            }
            Open {
                free,
                now: join(decisive, a.now, b.now),
            }
        }
        _ => {
            let mut reads = 0;
            e.walk(&mut |x: &Expr| {
                if let ExprKind::Field(i) = x.kind {
                    reads |= bit(i);
                }
            });
            Open {
                free: reads,
                now: e.eval(cx).ok().map(Tri::as_bool),
            }
        }
    };
    if o.now.is_none() {
        o.free = ALL;
    }
    o
}

/// The value of `a and b` (`decisive` false) or `a or b` (`decisive` true) from its sides', as
/// [`Expr::eval`] gives it: the left side first, and decided by it where it is `decisive`.
fn join(decisive: bool, a: Option<Option<bool>>, b: Option<Option<bool>>) -> Option<Option<bool>> {
    let a = a?;
    if a == Some(decisive) {
        return Some(a);
    }
    let b = b?;
    if b == Some(decisive) {
        return Some(b);
    }
    Some(if a.is_some() && b.is_some() { b } else { None })
}
