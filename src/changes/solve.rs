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
//! `when`, the test, guards, the amount, a target's deadline and goals' tests), inside a
//! comparison whose one side is linear in it, or a number over a divisor linear in it
//! (`(funds + components) / total_investment`), and whose other side does not read it; and
//! where the clause's named values read it, never in a product with itself, in a quotient
//! with itself on both sides nor in the condition of an `if` (a value too large for exact
//! arithmetic only between 100 and 200), so that no value between two points that evaluate
//! fails to evaluate. A divisor reading the fact is zero at one value of it, where what it
//! divides is undefined (and next to which a quotient may be too large): a bound is solved
//! only where no such value lies between the value searched from and the end searched to.
//!
//! An item's field (`units[2].rent`) is solved the same way where the clause reads it once,
//! under an aggregate over its own list with none inside (`all(units, rent <= rent_share *
//! market_rent)`), and no divisor reads it: the clause then reads each item's value in that
//! item's comparison alone, and decides on one item's value through it; the item's other
//! fields are known values there, like the subject's.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Rulebook;
use crate::expr::{AddrMap, ArithOp, Expr, ExprKind, Value};
use crate::rulebook::plan::Var;

/// The values of the facts besides the one solved for: a field of the subject (`false`, its
/// index) or of the item whose field is solved for (`true`, its index).
pub(super) type Known<'a> = &'a dyn Fn(bool, u16) -> Option<Value>;

/// The value of fact `field` at which comparing `l` with `r`
/// ([`comparison`](crate::rulebook::plan::comparison)) turns, the other facts as `known`
/// gives them: the value that makes both sides equal (a number, or the date compared with);
/// `None` where the sides are not linear in it or read other than numbers.
pub(super) fn threshold(
    book: &Rulebook,
    (l, r): (&Expr, &Expr),
    field: Var,
    known: Known,
    as_of: NaiveDate,
) -> Option<Value> {
    if let Some(d) = date_side(l, r, field, known, book, as_of) {
        return Some(d);
    }
    if let (Some((a1, b1)), Some((a2, b2))) = (
        linear(book, l, field, known, as_of, &mut AddrMap::default()),
        linear(book, r, field, known, as_of, &mut AddrMap::default()),
    ) {
        // a1 x + b1 = a2 x + b2, so x = (b2 - b1) / (a1 - a2).
        return Some(Value::Num(meet((a1, b1), (a2, b2))?));
    }
    // The field in a divisor: each side a / (p x + q) + b, the divisor the same on both.
    let (a1, b1, d1) = over(book, l, field, known, as_of, &mut AddrMap::default())?;
    let (a2, b2, d2) = over(book, r, field, known, as_of, &mut AddrMap::default())?;
    let (p, q) = match (d1, d2) {
        (Some(d), None) | (None, Some(d)) => d,
        (Some(d), Some(e)) if d == e => d,
        _ => return None,
    };
    // a1 u + b1 = a2 u + b2 with u = 1 / (p x + q), so p x + q = 1 / u.
    let u = meet((a1, b1), (a2, b2))?;
    if u.is_zero() || p.is_zero() {
        return None;
    }
    let x = Decimal::ONE
        .checked_div(u)?
        .checked_sub(q)?
        .checked_div(p)?;
    Some(Value::Num(x))
}

/// A leaf that reads a fact: `Err` where it is `field` itself, else its value (`None` where
/// it is not given or `e` reads no fact).
fn fact(e: &Expr, field: Var, known: Known) -> Option<Result<Value, ()>> {
    if field.is(e) {
        return Some(Err(()));
    }
    match e.kind {
        ExprKind::Field(j) => known(false, j).map(Ok),
        ExprKind::ItemField(j) => known(true, j).map(Ok),
        _ => None,
    }
}

/// Where `a1 x + b1` meets `a2 x + b2`: `(b2 - b1) / (a1 - a2)`; `None` where they are parallel.
fn meet((a1, b1): (Decimal, Decimal), (a2, b2): (Decimal, Decimal)) -> Option<Decimal> {
    let slope = a1.checked_sub(a2)?;
    if slope.is_zero() {
        return None;
    }
    b2.checked_sub(b1)?.checked_div(slope)
}

/// Where divisor `d`, linear in field `field` (x), is zero, the other facts as in `facts`;
/// `None` where it is not linear in x or does not change with it.
pub(super) fn pole(
    book: &Rulebook,
    d: &Expr,
    field: Var,
    known: Known,
    as_of: NaiveDate,
) -> Option<Decimal> {
    let (p, q) = linear(book, d, field, known, as_of, &mut AddrMap::default())?;
    if p.is_zero() {
        return None;
    }
    (-q).checked_div(p)
}

/// `a`, `b` and the divisor `(p, q)` of `a / (p x + q) + b`.
type Over = (Decimal, Decimal, Option<(Decimal, Decimal)>);

/// `e` as `a / (p x + q) + b` in field `field` (x), the divisor `None` where `e` does not read
/// x (then `a` is zero); `None` where it is not of that form. A shared definition is read
/// once (`seen`, by its body's address).
fn over(
    book: &Rulebook,
    e: &Expr,
    field: Var,
    known: Known,
    as_of: NaiveDate,
    seen: &mut AddrMap<Option<Over>>,
) -> Option<Over> {
    if let Some((a, b)) = linear(book, e, field, known, as_of, &mut AddrMap::default()) {
        // Linear: only where it does not read x at all.
        return a.is_zero().then_some((Decimal::ZERO, b, None));
    }
    match &e.kind {
        ExprKind::Named(_, inner) => {
            seen.once(inner, |seen| over(book, inner, field, known, as_of, seen))
        }
        ExprKind::Neg(x) => {
            let (a, b, d) = over(book, x, field, known, as_of, seen)?;
            Some((-a, -b, d))
        }
        ExprKind::Arith(op, l, r) => {
            let (a1, b1, d1) = over(book, l, field, known, as_of, seen)?;
            match op {
                ArithOp::Div if d1.is_none() && a1.is_zero() => {
                    // A number over a divisor linear in x.
                    let (p, q) = linear(book, r, field, known, as_of, &mut AddrMap::default())?;
                    (!p.is_zero()).then_some((b1, Decimal::ZERO, Some((p, q))))
                }
                ArithOp::Div => {
                    let (_, b2, d2) = over(book, r, field, known, as_of, seen)?;
                    (d2.is_none() && !b2.is_zero())
                        .then(|| Some((a1.checked_div(b2)?, b1.checked_div(b2)?, d1)))?
                }
                _ => {
                    let (a2, b2, d2) = over(book, r, field, known, as_of, seen)?;
                    let d = match (d1, d2) {
                        (Some(d), None) | (None, Some(d)) => Some(d),
                        (None, None) => None,
                        (Some(d), Some(e)) if d == e => Some(d),
                        _ => return None,
                    };
                    match op {
                        ArithOp::Add => Some((a1.checked_add(a2)?, b1.checked_add(b2)?, d)),
                        ArithOp::Sub => Some((a1.checked_sub(a2)?, b1.checked_sub(b2)?, d)),
                        ArithOp::Mul if d2.is_none() => {
                            Some((a1.checked_mul(b2)?, b1.checked_mul(b2)?, d))
                        }
                        ArithOp::Mul if d1.is_none() => {
                            Some((b1.checked_mul(a2)?, b1.checked_mul(b2)?, d))
                        }
                        _ => None,
                    }
                }
            }
        }
        _ => None,
    }
}

/// A date field compared with a date that does not read it: that date.
fn date_side(
    l: &Expr,
    r: &Expr,
    field: Var,
    known: Known,
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
            ExprKind::Field(_) | ExprKind::ItemField(_) => fact(e, field, known),
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

/// `e` as `a * x + b` in fact `field` (x), the other facts and the parameters as they are;
/// `None` where it is not linear in x or reads something else than numbers. A shared
/// definition is read once (`seen`, by its body's address).
fn linear(
    book: &Rulebook,
    e: &Expr,
    field: Var,
    known: Known,
    as_of: NaiveDate,
    seen: &mut AddrMap<Option<(Decimal, Decimal)>>,
) -> Option<(Decimal, Decimal)> {
    let num = |v: Option<Value>| match v? {
        Value::Num(d) => Some((Decimal::ZERO, d)),
        _ => None,
    };
    match &e.kind {
        ExprKind::Named(_, inner) => {
            seen.once(inner, |seen| linear(book, inner, field, known, as_of, seen))
        }
        ExprKind::Field(_) | ExprKind::ItemField(_) => match fact(e, field, known)? {
            Err(()) => Some((Decimal::ONE, Decimal::ZERO)),
            Ok(v) => num(Some(v)),
        },
        ExprKind::Const(v) => num(Some(*v)),
        ExprKind::Param(p) => num(book.params[*p as usize].value_on(as_of)),
        ExprKind::Neg(x) => {
            let (a, b) = linear(book, x, field, known, as_of, seen)?;
            Some((-a, -b))
        }
        ExprKind::Arith(op, l, r) => {
            let (a1, b1) = linear(book, l, field, known, as_of, seen)?;
            let (a2, b2) = linear(book, r, field, known, as_of, seen)?;
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
