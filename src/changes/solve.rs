//! Bounds solved from a clause's comparison instead of searched for.
//!
//! Where a clause decides on a fact through one comparison only, linear in the fact
//! (`rent <= market_rent * 80%`, `(funds + components) / total_investment >= 25%`,
//! `floors >= 10`, `land_supply_date >= new_land_from`, a target's goal
//! `prefab_area / new_building_area >= prefab_share_min`), its outcome can turn at one value of
//! the fact and nowhere else: the value at which that comparison turns, solved here with
//! checked decimal arithmetic. The search ([`super::Probe::bound`]) then confirms the grid
//! point next to it by evaluating the clause (at it and one step short), and falls back to
//! its exact search over the grid wherever this does not apply or the confirmation fails.
//!
//! "Decides through one comparison" is read off the clause once a rulebook
//! (`rulebook/plan.rs`): the fact appears once in what decides its outcome (`in_force`,
//! `when`, the test, guards, the amount, a target's deadline and goals' tests), inside a comparison whose one side is linear in it and whose other side does not read it; and where
//! the clause's named values read it, never in a divisor, in a product with itself nor in the
//! condition of an `if` (a value too large for exact arithmetic only between 100 and 200), so
//! that no value between two points that evaluate fails to evaluate.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Rulebook;
use crate::expr::{ArithOp, Expr, ExprKind, Facts, Value};

/// The value of field `field` at which comparing `l` with `r` ([`comparison`](crate::rulebook::plan::comparison)) turns, the
/// other facts as in `facts`: the value that makes both sides equal (a number, or the date
/// compared with); `None` where the sides are not linear in it or read other than numbers.
pub(super) fn threshold(
    book: &Rulebook,
    (l, r): (&Expr, &Expr),
    field: u16,
    facts: &Facts,
    as_of: NaiveDate,
) -> Option<Value> {
    let known = |j: u16| facts.values.get(j as usize).copied().flatten();
    if let Some(d) = date_side(l, r, field, &known, book, as_of) {
        return Some(d);
    }
    let (a1, b1) = linear(book, l, field, &known, as_of)?;
    let (a2, b2) = linear(book, r, field, &known, as_of)?;
    // a1 x + b1 = a2 x + b2, so x = (b2 - b1) / (a1 - a2).
    let slope = a1.checked_sub(a2)?;
    if slope.is_zero() {
        return None;
    }
    Some(Value::Num(b2.checked_sub(b1)?.checked_div(slope)?))
}

/// A date field compared with a date that does not read it: that date.
fn date_side(
    l: &Expr,
    r: &Expr,
    field: u16,
    known: &dyn Fn(u16) -> Option<Value>,
    book: &Rulebook,
    as_of: NaiveDate,
) -> Option<Value> {
    // The field itself (`Err`), or the value of a side that does not read it.
    let side = |e: &Expr| -> Option<Result<Value, ()>> {
        let mut e = e;
        while let ExprKind::Named(_, inner) = &e.kind {
            e = inner;
        }
        match e.kind {
            ExprKind::Field(j) if j == field => Some(Err(())),
            ExprKind::Field(j) => known(j).map(Ok),
            ExprKind::Const(v) => Some(Ok(v)),
            ExprKind::Param(p) => book.params[p as usize].value_on(as_of).map(Ok),
            _ => None,
        }
    };
    match (side(l)?, side(r)?) {
        (Err(()), Ok(d @ Value::Date(_))) | (Ok(d @ Value::Date(_)), Err(())) => Some(d),
        _ => None,
    }
}

/// `e` as `a * x + b` in field `field` (x), the other facts and the parameters as they are;
/// `None` where it is not linear in x or reads something else than numbers.
fn linear(
    book: &Rulebook,
    e: &Expr,
    field: u16,
    known: &dyn Fn(u16) -> Option<Value>,
    as_of: NaiveDate,
) -> Option<(Decimal, Decimal)> {
    let num = |v: Option<Value>| match v? {
        Value::Num(d) => Some((Decimal::ZERO, d)),
        _ => None,
    };
    match &e.kind {
        ExprKind::Named(_, inner) => linear(book, inner, field, known, as_of),
        ExprKind::Field(j) if *j == field => Some((Decimal::ONE, Decimal::ZERO)),
        ExprKind::Field(j) => num(known(*j)),
        ExprKind::Const(v) => num(Some(*v)),
        ExprKind::Param(p) => num(book.params[*p as usize].value_on(as_of)),
        ExprKind::Neg(x) => {
            let (a, b) = linear(book, x, field, known, as_of)?;
            Some((-a, -b))
        }
        ExprKind::Arith(op, l, r) => {
            let (a1, b1) = linear(book, l, field, known, as_of)?;
            let (a2, b2) = linear(book, r, field, known, as_of)?;
            match op {
                ArithOp::Add => Some((a1.checked_add(a2)?, b1.checked_add(b2)?)),
                ArithOp::Sub => Some((a1.checked_sub(a2)?, b1.checked_sub(b2)?)),
                ArithOp::Mul if a1.is_zero() => Some((b1.checked_mul(a2)?, b1.checked_mul(b2)?)),
                ArithOp::Mul if a2.is_zero() => Some((a1.checked_mul(b2)?, b1.checked_mul(b2)?)),
                ArithOp::Div if a2.is_zero() && !b2.is_zero() => {
                    Some((a1.checked_div(b2)?, b1.checked_div(b2)?))
                }
                _ => None,
            }
        }
        _ => None,
    }
}
