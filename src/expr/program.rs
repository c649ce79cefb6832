//! Checked expressions compiled once, at load, into typed closures: what the decisions run.
//!
//! [`Expr::eval`] walks the checked tree and carries a [`Value`] and the facts still missing
//! through every node; it stays the reference semantics and serves the explanations. A
//! [`Program`] computes the same result with the types resolved at load: each node is a
//! closure returning `Option<T>` (`None`: unknown), an error is set aside in the context and
//! evaluation stops being useful from there, and the missing facts are only worked out (by the
//! tree) for a result that is unknown. Subexpressions that the clauses of a subject evaluate
//! more than once (a clause variable used by a guard, the amount and a reported value; the
//! same aggregate in a requirement and a value) get a memo slot, filled once per case.
//!
//! Both evaluators follow the same order and short cuts, so they agree on every known
//! value, on unknown, and on the first error; `tests/batch.rs` checks it on random cases.

use std::cell::Cell;
use std::cmp::Ordering;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    AggOp, ArithOp, CmpOp, Duration, EvalError, Expr, ExprKind, Facts, Param, Value, shift,
};
use crate::units::Type;

type F<T> = Box<dyn Fn(&Ctx) -> Option<T> + Send + Sync>;
/// A compiled node run from more than one place: the body of a shared definition.
type Shared<T> = Arc<dyn Fn(&Ctx) -> Option<T> + Send + Sync>;

/// What a compiled expression reads while it runs.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub item: Option<&'a [Option<Value>]>,
    /// Each parameter's value on `as_of`, by index; `None` where no version is in force.
    pub params: &'a [Option<Value>],
    pub as_of: NaiveDate,
    /// Values worked out earlier for this case, by memo slot.
    pub memo: &'a [Cell<Option<Option<Value>>>],
    /// The first failure; once set, the results are discarded.
    pub error: &'a Cell<Option<EvalError>>,
}

impl Ctx<'_> {
    fn fail(&self, e: EvalError) {
        let first = self.error.take().unwrap_or(e);
        self.error.set(Some(first));
    }
}

/// A compiled expression yielding a number (or nothing for any other type).
pub struct Program<T> {
    f: F<T>,
    /// For a value reported per item that is arithmetic of two leaves (`rent_share *
    /// market_rent`): the same, for [`Program::run_each`] to run over the items without a
    /// call per item.
    each: Option<(ArithOp, Leaf, Leaf, Arc<str>)>,
}

impl<T> Program<T> {
    /// Runs the program: `Ok(None)` when the result is unknown.
    pub fn run(&self, cx: &Ctx) -> Result<Option<T>, EvalError> {
        let r = (self.f)(cx);
        match cx.error.take() {
            Some(e) => Err(e),
            None => Ok(r),
        }
    }
}

impl Program<Decimal> {
    /// Runs the program once for each of `items`, as [`run`](Self::run) with the item in the
    /// context, and gives each known value to `each` with the item's index. Stops at the
    /// first failure, as a run per item would.
    pub fn run_each(
        &self,
        cx: &Ctx,
        items: &super::Items,
        mut each: impl FnMut(usize, Decimal),
    ) -> Result<(), EvalError> {
        let Some((op, a, b, text)) = &self.each else {
            for (i, item) in items.iter().enumerate() {
                let cx = Ctx {
                    item: Some(item),
                    ..*cx
                };
                if let Some(d) = self.run(&cx)? {
                    each(i, d);
                }
            }
            return Ok(());
        };
        if items.is_empty() {
            return Ok(());
        }
        // A leaf that is not the item's field reads the same for every item: once, here. It
        // fails (a parameter with no value in force) where the first item's run would.
        let fixed = |l: &Leaf| match l {
            Leaf::ItemField(_) => None,
            _ => Some(l.read::<Decimal>(cx, None)),
        };
        let (fa, fb) = (fixed(a), fixed(b));
        if let Some(e) = cx.error.take() {
            return Err(e);
        }
        let read =
            |fixed: Option<Option<Decimal>>, l: &Leaf, item: &[Option<Value>]| match (fixed, l) {
                (Some(v), _) => v,
                (None, Leaf::ItemField(f)) => match item.get(*f) {
                    Some(Some(Value::Num(d))) => Some(*d),
                    _ => None,
                },
                (None, _) => None,
            };
        // A product with one fixed factor (the share of `rent_share * market_rent`): the
        // factor is made ready once.
        let factor = match (op, fa, fb) {
            (ArithOp::Mul, Some(Some(k)), None) | (ArithOp::Mul, None, Some(Some(k))) => {
                super::Factor::new(k)
            }
            _ => None,
        };
        for (i, item) in items.iter().enumerate() {
            let (Some(x), Some(y)) = (read(fa, a, item), read(fb, b, item)) else {
                continue;
            };
            // The product goes straight on: merged with the general path's result, it would
            // be stored in parts and read back whole, a wait per item.
            if let Some(d) = factor.and_then(|k| k.times(if fa.is_some() { y } else { x })) {
                each(i, d);
                continue;
            }
            match arith(cx, *op, x, y, text) {
                Some(d) => each(i, d),
                None => {
                    if let Some(e) = cx.error.take() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

impl<T> std::fmt::Debug for Program<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Program")
    }
}

/// The parameters' values on `date`, by index.
pub fn params_on(params: &[Param], date: NaiveDate, out: &mut Vec<Option<Value>>) {
    out.clear();
    out.extend(params.iter().map(|p| p.value_on(date)));
}

/// A value type of the language, as its compiled nodes return it.
pub trait Ty: Copy + PartialEq + Send + Sync + 'static {
    fn of(v: Value) -> Option<Self>;
    fn value(self) -> Value;
    /// The kinds of node only this type has (arithmetic for numbers, logic for conditions).
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<Self>;
    /// The order of two values, for types that have one: `Ord::cmp`, or a faster equal.
    fn order(a: &Self, b: &Self) -> Ordering
    where
        Self: Ord,
    {
        a.cmp(b)
    }
}

/// A word: its index in its word set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Word(u16);
/// A set of words, one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Words(super::WordBits);

/// Compiles the expressions of a rulebook, subject by subject, giving a memo slot to each
/// subexpression that the clauses of a subject evaluate more than once for the same case.
pub struct Compiler<'p> {
    params: &'p [Param],
    /// The parameters again, shared, for the nodes evaluated by the reference evaluator.
    shared_params: Arc<[Param]>,
    /// Subexpressions of the current subject worth a slot: outside list items, seen twice.
    shared: Vec<&'p Expr>,
    /// The current subject's slots, from `base` on, with the expression each holds.
    slots: Vec<&'p Expr>,
    base: usize,
    in_item: bool,
    /// The current subject's compiled bodies of shared definitions, with their memo slot (a
    /// `(slot, Shared<T>)` each), by the body's address: a definition used twice by the next
    /// is compiled once, not once per path to it, and evaluated once a case.
    bodies: std::collections::HashMap<usize, Box<dyn std::any::Any>>,
    /// The bodies of names met more than once inside list items, by address: there nothing
    /// else has a slot, and these get one each (see [`ExprKind::Named`]: a body's value is
    /// the same for every item).
    item_shared: std::collections::HashSet<usize>,
}

impl<'p> Compiler<'p> {
    #[must_use]
    pub fn new(params: &'p [Param]) -> Compiler<'p> {
        Compiler {
            params,
            shared_params: params.into(),
            shared: Vec::new(),
            slots: Vec::new(),
            base: 0,
            in_item: false,
            bodies: std::collections::HashMap::new(),
            item_shared: std::collections::HashSet::new(),
        }
    }

    /// Starts the programs of one subject: `top` are the expressions its clauses evaluate for a
    /// case, `items` those evaluated once per list item. Returns the first memo slot.
    pub fn subject(&mut self, top: &[&'p Expr], items: &[&'p Expr]) -> usize {
        let mut seen: Vec<(&Expr, u32)> = Vec::new();
        let mut bodies = std::collections::HashMap::new();
        for e in top {
            count_candidates(e, false, &mut seen, &mut bodies);
        }
        for e in items {
            count_candidates(e, true, &mut seen, &mut bodies);
        }
        self.bodies.clear();
        self.item_shared = bodies
            .into_iter()
            .filter(|(_, twice)| *twice)
            .map(|(b, _)| b)
            .collect();
        self.shared = seen
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(e, _)| e)
            .collect();
        self.base += self.slots.len();
        self.slots.clear();
        self.base
    }

    /// One past the last memo slot handed out.
    #[must_use]
    pub fn slots_end(&self) -> usize {
        self.base + self.slots.len()
    }

    /// A number, or nothing for an expression of another type (still run for its errors).
    pub fn number(&mut self, e: &'p Expr, per_item: bool) -> Program<Decimal> {
        self.in_item = per_item;
        let each = match per_item_arith(e) {
            Some((op, l, r, text)) if per_item => match (leaf(self, l), leaf(self, r)) {
                (Some(a), Some(b)) => Some((op, a, b, text.clone())),
                _ => None,
            },
            _ => None,
        };
        let f = match e.ty {
            Type::Num(_) => compile::<Decimal>(self, e),
            Type::Bool => discard(compile::<bool>(self, e)),
            Type::Date => discard(compile::<NaiveDate>(self, e)),
            Type::Duration => discard(compile::<Duration>(self, e)),
            Type::Word(_) => discard(compile::<Word>(self, e)),
            Type::Words(_) => discard(compile::<Words>(self, e)),
            // A list is only read inside an aggregate.
            Type::List(_) => none(),
        };
        self.in_item = false;
        Program { f, each }
    }

    pub fn condition(&mut self, e: &'p Expr) -> Program<bool> {
        Program {
            f: compile::<bool>(self, e),
            each: None,
        }
    }

    pub fn date(&mut self, e: &'p Expr) -> Program<NaiveDate> {
        Program {
            f: compile::<NaiveDate>(self, e),
            each: None,
        }
    }

    /// The memo slot of `e`, if it is shared.
    fn slot(&mut self, e: &'p Expr) -> Option<usize> {
        if self.in_item || find(&self.shared, e, |s| s).is_none() {
            return None;
        }
        let i = if let Some(i) = find(&self.slots, e, |s| s) {
            i
        } else {
            self.slots.push(e);
            self.slots.len() - 1
        };
        Some(self.base + i)
    }

    /// A memo slot of its own for `e`, a name whose body is shared.
    fn new_slot(&mut self, e: &'p Expr) -> usize {
        self.slots.push(e);
        self.base + self.slots.len() - 1
    }
}

/// `e` as arithmetic of two parts, through the names around it: with the text that names
/// the arithmetic in a failure.
fn per_item_arith(e: &Expr) -> Option<(ArithOp, &Expr, &Expr, &Arc<str>)> {
    match &e.kind {
        ExprKind::Named(_, inner) => per_item_arith(inner),
        ExprKind::Arith(op, l, r) if matches!(e.ty, Type::Num(_)) => Some((*op, l, r, &e.text)),
        _ => None,
    }
}

fn discard<T: 'static>(f: F<T>) -> F<Decimal> {
    Box::new(move |cx| {
        f(cx);
        None
    })
}

/// Counts the subexpressions that could share a memo slot: named ones and aggregates, outside
/// list items, that do some work.
fn count_candidates<'e>(
    e: &'e Expr,
    in_item: bool,
    seen: &mut Vec<(&'e Expr, u32)>,
    bodies: &mut std::collections::HashMap<usize, bool>,
) {
    // In an item nothing is a candidate: a shared body's parts are read once, and the body
    // marked as met twice.
    if in_item
        && let ExprKind::Named(_, body) = &e.kind
        && !trivial(e)
    {
        match bodies.entry(Arc::as_ptr(body) as usize) {
            std::collections::hash_map::Entry::Occupied(mut met) => {
                *met.get_mut() = true;
                return;
            }
            std::collections::hash_map::Entry::Vacant(first) => {
                first.insert(false);
            }
        }
    }
    let candidate =
        !in_item && matches!(e.kind, ExprKind::Named(..) | ExprKind::Agg { .. }) && !trivial(e);
    if candidate {
        match find(seen, e, |(s, _)| s).map(|i| &mut seen[i]) {
            Some((_, n)) => {
                *n += 1;
                // Its parts are counted once, with its first occurrence.
                return;
            }
            None => seen.push((e, 1)),
        }
    }
    let inside = in_item || matches!(e.kind, ExprKind::Agg { .. });
    children(e, &mut |c| count_candidates(c, inside, seen, bodies));
}

/// A named leaf (a definition that is a field or a constant) costs less than a memo lookup.
fn trivial(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Named(_, inner) => {
            matches!(
                inner.kind,
                ExprKind::Const(_) | ExprKind::Field(_) | ExprKind::Param(_) | ExprKind::AsOf
            ) || trivial(inner)
        }
        _ => false,
    }
}

fn children<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    e.for_each_child(f);
}

/// The index of the first of `list` that computes the same as `e`: one with the same shared
/// body first, at the cost of a pointer, then any by its structure.
fn find<'e, X>(list: &[X], e: &Expr, expr: impl Fn(&X) -> &'e Expr) -> Option<usize> {
    let body = |x: &Expr| match &x.kind {
        ExprKind::Named(_, b) => Some(Arc::as_ptr(b)),
        _ => None,
    };
    let mine = body(e);
    list.iter()
        .position(|x| mine.is_some() && body(expr(x)) == mine)
        .or_else(|| list.iter().position(|x| same(expr(x), e)))
}

/// Whether two checked expressions compute the same thing (their source text aside).
pub fn same(a: &Expr, b: &Expr) -> bool {
    same_in(a, b, &mut std::collections::HashSet::new())
}

/// [`same`], with the pairs of shared bodies already found the same: two definitions each
/// using the one before twice are compared once a level, not once a path.
fn same_in(a: &Expr, b: &Expr, known: &mut std::collections::HashSet<(usize, usize)>) -> bool {
    use ExprKind as K;
    if std::ptr::eq(a, b) {
        return true;
    }
    if a.ty != b.ty {
        return false;
    }
    match (&a.kind, &b.kind) {
        (K::Const(x), K::Const(y)) => x == y && const_scale(x) == const_scale(y),
        (K::Field(x), K::Field(y)) | (K::ItemField(x), K::ItemField(y)) => x == y,
        (K::Param(x), K::Param(y)) => x == y,
        (K::AsOf, K::AsOf) => true,
        // A name is transparent: what it stands for decides.
        (K::Named(_, x), K::Named(_, y)) => {
            let pair = (Arc::as_ptr(x) as usize, Arc::as_ptr(y) as usize);
            // Any difference makes the whole comparison false: only sameness is remembered.
            known.contains(&pair) || {
                let yes = same_in(x, y, known);
                if yes {
                    known.insert(pair);
                }
                yes
            }
        }
        (K::Not(x), K::Not(y)) | (K::Neg(x), K::Neg(y)) | (K::EndOfYear(x), K::EndOfYear(y)) => {
            same_in(x, y, known)
        }
        (K::WordIn(x, s), K::WordIn(y, t)) => s == t && same_in(x, y, known),
        (K::HasWord(x, s), K::HasWord(y, t)) => s == t && same_in(x, y, known),
        (K::And(a1, b1), K::And(a2, b2)) | (K::Or(a1, b1), K::Or(a2, b2)) => {
            same_in(a1, a2, known) && same_in(b1, b2, known)
        }
        (K::Arith(o1, a1, b1), K::Arith(o2, a2, b2)) => {
            o1 == o2 && same_in(a1, a2, known) && same_in(b1, b2, known)
        }
        (K::Cmp(o1, a1, b1), K::Cmp(o2, a2, b2)) => {
            o1 == o2 && same_in(a1, a2, known) && same_in(b1, b2, known)
        }
        (K::If(c1, a1, b1), K::If(c2, a2, b2)) => {
            same_in(c1, c2, known) && same_in(a1, a2, known) && same_in(b1, b2, known)
        }
        (K::MinMax { max: m1, args: x }, K::MinMax { max: m2, args: y }) => {
            m1 == m2 && x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_in(a, b, known))
        }
        (
            K::Agg {
                op: o1,
                list: l1,
                body: b1,
                filter: f1,
            },
            K::Agg {
                op: o2,
                list: l2,
                body: b2,
                filter: f2,
            },
        ) => o1 == o2 && l1 == l2 && same_opt(b1, b2, known) && same_opt(f1, f2, known),
        (
            K::Shift {
                date: d1,
                by: y1,
                back: k1,
            },
            K::Shift {
                date: d2,
                by: y2,
                back: k2,
            },
        ) => k1 == k2 && same_in(d1, d2, known) && same_in(y1, y2, known),
        _ => false,
    }
}

fn same_opt(
    a: &Option<Box<Expr>>,
    b: &Option<Box<Expr>>,
    known: &mut std::collections::HashSet<(usize, usize)>,
) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => same_in(x, y, known),
        (None, None) => true,
        _ => false,
    }
}

/// Equal decimals may differ in scale (2.0 and 2.00), and results show the scale.
fn const_scale(v: &Value) -> u32 {
    match v {
        Value::Num(d) => d.scale(),
        _ => 0,
    }
}

/// Compiles `e`, whose checked type is `T`.
fn compile<'p, T: Ty>(c: &mut Compiler<'p>, e: &'p Expr) -> F<T> {
    use ExprKind as K;
    match &e.kind {
        K::Const(_) | K::Field(_) | K::ItemField(_) | K::Param(_) => match leaf(c, e) {
            Some(l) => Box::new(move |cx| l.read::<T>(cx, cx.item)),
            None => none(),
        },
        K::Named(_, inner) => {
            // A name met once is compiled in place. One met again (used twice, or reached
            // twice through the definitions above it) has a memo slot, and its body is
            // compiled once, by address: once per definition, not once per path to it.
            let key = Arc::as_ptr(inner) as usize;
            let shared = if c.in_item {
                c.item_shared.contains(&key)
            } else {
                c.slot(e).is_some()
            };
            if !shared {
                return compile::<T>(c, inner);
            }
            // The memo comes first: a value read again costs no call through the shared body.
            if let Some((slot, f)) = c
                .bodies
                .get(&key)
                .and_then(|f| f.downcast_ref::<(usize, Shared<T>)>())
            {
                let (slot, f) = (*slot, f.clone());
                return memo(slot, Box::new(move |cx| f(cx)));
            }
            let slot = match c.slot(e) {
                Some(slot) => slot,
                None => c.new_slot(e),
            };
            let f: Shared<T> = Arc::from(compile::<T>(c, inner));
            c.bodies.insert(key, Box::new((slot, f.clone())));
            memo(slot, Box::new(move |cx| f(cx)))
        }
        K::If(cond, a, b) => {
            let (cond, a, b) = (
                compile::<bool>(c, cond),
                compile::<T>(c, a),
                compile::<T>(c, b),
            );
            Box::new(move |cx| match cond(cx) {
                Some(true) => a(cx),
                Some(false) => b(cx),
                None => {
                    // Both branches agreeing decides the value whatever the condition.
                    let (x, y) = (a(cx), b(cx));
                    if x.is_some() && x == y { x } else { None }
                }
            })
        }
        K::Agg { .. } => match c.slot(e) {
            Some(slot) => {
                let f = T::special(c, e);
                memo(slot, f)
            }
            None => T::special(c, e),
        },
        _ => T::special(c, e),
    }
}

fn memo<T: Ty>(slot: usize, f: F<T>) -> F<T> {
    Box::new(move |cx| {
        if let Some(v) = cx.memo[slot].get() {
            return v.and_then(T::of);
        }
        // After a failure the run's result is discarded, its first failure kept: nothing more
        // to work out (a failed shared definition would otherwise be tried again on every
        // path to it, twice a level for one used twice by the next).
        let error = cx.error.take();
        if error.is_some() {
            cx.error.set(error);
            return None;
        }
        let v = f(cx);
        // A failed evaluation is not remembered: it fails again where it is read.
        let error = cx.error.take();
        if error.is_none() {
            cx.memo[slot].set(Some(v.map(T::value)));
        }
        cx.error.set(error);
        v
    })
}

/// A node of a type that has none of its own kinds: the checker never gives one.
fn none<T>() -> F<T> {
    Box::new(|_| None)
}

/// A node this compiler has no fast form for, evaluated by the reference evaluator
/// ([`Expr::eval`](super::Expr::eval)) on the same facts: a new kind of node works here first,
/// and gets a fast form only where a measurement asks for one.
fn reference<T: Ty>(c: &Compiler, e: &Expr) -> F<T> {
    let (expr, params) = (e.share(), c.shared_params.clone());
    Box::new(move |cx| {
        let memo = super::Memo::default();
        let tree = super::Cx {
            facts: cx.facts,
            item: cx.item,
            params: &params,
            as_of: cx.as_of,
            memo: &memo,
        };
        match expr.eval(&tree) {
            Ok(super::Tri::Known(v)) => T::of(v),
            Ok(super::Tri::Unknown(_)) => None,
            Err(e) => {
                cx.fail(e);
                None
            }
        }
    })
}

impl Ty for bool {
    fn of(v: Value) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
    fn value(self) -> Value {
        Value::Bool(self)
    }
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<bool> {
        special_bool(c, e)
    }
}

fn special_bool<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<bool> {
    use ExprKind as K;
    match &e.kind {
        K::Not(a) => {
            let a = compile::<bool>(c, a);
            Box::new(move |cx| a(cx).map(|b| !b))
        }
        K::And(l, r) => {
            let (l, r) = (compile::<bool>(c, l), compile::<bool>(c, r));
            Box::new(move |cx| {
                let a = l(cx);
                if a == Some(false) {
                    return a;
                }
                match (a, r(cx)) {
                    (_, Some(false)) => Some(false),
                    (Some(_), b) => b,
                    _ => None,
                }
            })
        }
        K::Or(l, r) => {
            let (l, r) = (compile::<bool>(c, l), compile::<bool>(c, r));
            Box::new(move |cx| {
                let a = l(cx);
                if a == Some(true) {
                    return a;
                }
                match (a, r(cx)) {
                    (_, Some(true)) => Some(true),
                    (Some(_), b) => b,
                    _ => None,
                }
            })
        }
        K::Cmp(op, a, b) => match a.ty {
            Type::Num(_) if super::ratio_parts(a).is_some() || super::ratio_parts(b).is_some() => {
                cmp_ratios(c, *op, a, b)
            }
            Type::Num(_) => cmp::<Decimal>(c, *op, a, b),
            Type::Date => cmp::<NaiveDate>(c, *op, a, b),
            Type::Bool => cmp::<bool>(c, *op, a, b),
            Type::Word(_) => cmp::<Word>(c, *op, a, b),
            Type::Words(_) => cmp::<Words>(c, *op, a, b),
            Type::Duration => {
                // Durations have no order; the tree calls two of them unequal, and so does this.
                let (a, b, op) = (compile::<Duration>(c, a), compile::<Duration>(c, b), *op);
                Box::new(move |cx| {
                    let (x, y) = (a(cx), b(cx));
                    x.and(y).map(|_| op.holds(Ordering::Less))
                })
            }
            Type::List(_) => none(),
        },
        K::WordIn(a, set) => {
            let (a, set) = (compile::<Word>(c, a), *set);
            Box::new(move |cx| a(cx).map(|Word(w)| set >> w & 1 == 1))
        }
        K::HasWord(a, w) => {
            let (a, w) = (compile::<Words>(c, a), *w);
            Box::new(move |cx| a(cx).map(|Words(set)| set.has(w)))
        }
        K::Agg {
            op: op @ (AggOp::All | AggOp::Any),
            list,
            body: Some(body),
            ..
        } => {
            let want = *op == AggOp::Any;
            let list = *list;
            let body = in_item(c, |c| Cond::new(c, body));
            Box::new(move |cx| {
                let items = items(cx, list)?;
                let mut unknown = false;
                let body = body.bind(cx);
                for item in items {
                    match body.test(cx, item) {
                        // One counter-example decides `all`; one example decides `any`.
                        Some(b) if b == want => return Some(want),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                if unknown { None } else { Some(!want) }
            })
        }
        _ => reference(c, e),
    }
}

fn cmp<'p, T: Ty + Ord>(c: &mut Compiler<'p>, op: CmpOp, a: &'p Expr, b: &'p Expr) -> F<bool> {
    // A field against a parameter or a constant, most often: read both in place.
    if let (Some(la), Some(lb)) = (leaf(c, a), leaf(c, b)) {
        return Box::new(move |cx| {
            let (x, y) = (la.read::<T>(cx, cx.item), lb.read::<T>(cx, cx.item));
            Some(op.holds(T::order(&x?, &y?)))
        });
    }
    let (a, b, op) = (compile::<T>(c, a), compile::<T>(c, b), op);
    Box::new(move |cx| {
        let (x, y) = (a(cx), b(cx));
        Some(op.holds(T::order(&x?, &y?)))
    })
}

/// A comparison with a quotient on either side, as [`Expr::eval`] makes it: each side a
/// fraction, compared exactly ([`super::order_ratios`]); a zero denominator is unknown.
fn cmp_ratios<'p>(c: &mut Compiler<'p>, op: CmpOp, a: &'p Expr, b: &'p Expr) -> F<bool> {
    let mut fraction = |e: &'p Expr| -> F<(Decimal, Decimal)> {
        if let Some((n, d)) = super::ratio_parts(e) {
            let (n, d) = (compile::<Decimal>(c, n), compile::<Decimal>(c, d));
            Box::new(move |cx| {
                let (x, y) = (n(cx), d(cx));
                Some((x?, y?)).filter(|(_, y)| !y.is_zero())
            })
        } else {
            let e = compile::<Decimal>(c, e);
            Box::new(move |cx| Some((e(cx)?, Decimal::ONE)))
        }
    };
    let (a, b) = (fraction(a), fraction(b));
    Box::new(move |cx| {
        let (x, y) = (a(cx), b(cx));
        let ((n1, d1), (n2, d2)) = (x?, y?);
        Some(op.holds(super::order_ratios(n1, d1, n2, d2)))
    })
}

/// An operand read in place rather than through a closure: what `compile` would make of it.
enum Leaf {
    Const(Option<Value>),
    Field(usize),
    ItemField(usize),
    Param(usize, Arc<str>),
}

/// `e` as a [`Leaf`], when it is one.
fn leaf(c: &Compiler, e: &Expr) -> Option<Leaf> {
    use ExprKind as K;
    match &e.kind {
        K::Const(v) => Some(Leaf::Const(Some(*v))),
        K::Field(i) => Some(Leaf::Field(*i as usize)),
        K::ItemField(i) => Some(Leaf::ItemField(*i as usize)),
        K::Param(i) => Some(Leaf::Param(*i as usize, c.params[*i as usize].name.clone())),
        // A name compiles to what it names unless it has a memo slot, and these never do.
        K::Named(_, inner) if c.in_item || trivial(e) => leaf(c, inner),
        _ => None,
    }
}

impl Leaf {
    /// As the closure `compile` makes for the same node, in `cx` with `item` as its item.
    #[inline(always)]
    fn read<T: Ty>(&self, cx: &Ctx, item: Option<&[Option<Value>]>) -> Option<T> {
        match self {
            Leaf::Const(v) => v.and_then(T::of),
            Leaf::Field(i) => cx.facts.values.get(*i).copied().flatten().and_then(T::of),
            Leaf::ItemField(i) => item
                .and_then(|it| it.get(*i).copied().flatten())
                .and_then(T::of),
            Leaf::Param(i, name) => {
                if let Some(v) = cx.params[*i] {
                    T::of(v)
                } else {
                    cx.fail(EvalError::NoParameterValue {
                        name: name.clone(),
                        date: cx.as_of,
                    });
                    None
                }
            }
        }
    }
}

/// A condition inside an aggregate, run once per item: most are a comparison of an item's
/// field with a parameter or a constant, run in place without a closure.
enum Cond {
    Compiled(F<bool>),
    Compare(CmpOp, Leaf, Leaf),
    /// `a op (l × r)`, or any arithmetic of two leaves on the right: `rent <= rent_share *
    /// market_rent`.
    CompareArith(CmpOp, Leaf, ArithOp, Leaf, Leaf, Arc<str>),
}

impl Cond {
    fn new<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> Cond {
        let mut inner = e;
        while let ExprKind::Named(_, x) = &inner.kind {
            inner = x; // in an item, a name never has a memo slot
        }
        if let ExprKind::Cmp(op, a, b) = &inner.kind
            && matches!(a.ty, Type::Num(_))
            && let (Some(la), Some(lb)) = (leaf(c, a), leaf(c, b))
        {
            return Cond::Compare(*op, la, lb);
        }
        if let ExprKind::Cmp(op, a, b) = &inner.kind
            && matches!(a.ty, Type::Num(_))
            && let ExprKind::Arith(aop, l, r) = &b.kind
            && *aop != ArithOp::Div
            && let (Some(la), Some(ll), Some(lr)) = (leaf(c, a), leaf(c, l), leaf(c, r))
        {
            return Cond::CompareArith(*op, la, *aop, ll, lr, b.text.clone());
        }
        Cond::Compiled(compile::<bool>(c, e))
    }

    /// The condition for the items of one list in `cx`: a comparison of an item's field with
    /// a parameter in force or a constant has its other side read once, here.
    #[inline(always)]
    fn bind<'c>(&'c self, cx: &Ctx) -> Bound<'c> {
        if let Cond::Compare(op, Leaf::ItemField(i), other) = self {
            let k = match other {
                Leaf::Const(Some(Value::Num(k))) => Some(*k),
                Leaf::Param(p, _) => match cx.params[*p] {
                    Some(Value::Num(k)) => Some(k),
                    _ => None,
                },
                _ => None,
            };
            if let Some(k) = k {
                return Bound::FieldWith(*op, *i, k);
            }
        }
        if let Cond::CompareArith(
            op,
            Leaf::ItemField(i),
            aop,
            Leaf::Param(p, _),
            Leaf::ItemField(j),
            text,
        ) = self
            && let Some(Value::Num(k)) = cx.params[*p]
        {
            let factor = (*aop == ArithOp::Mul)
                .then(|| super::Factor::new(k))
                .flatten();
            return Bound::FieldWithScaled(*op, *i, *aop, k, factor, *j, text);
        }
        Bound::Cond(self)
    }

    /// As the closure `compile` makes for the same node, for one item of a list in `cx`.
    #[inline(always)]
    fn test(&self, cx: &Ctx, item: &[Option<Value>]) -> Option<bool> {
        match self {
            Cond::Compiled(f) => f(&Ctx {
                item: Some(item),
                ..*cx
            }),
            Cond::Compare(op, a, b) => {
                let (x, y) = (
                    a.read::<Decimal>(cx, Some(item)),
                    b.read::<Decimal>(cx, Some(item)),
                );
                Some(op.holds(order_decimals(&x?, &y?)))
            }
            Cond::CompareArith(op, a, aop, l, r, text) => {
                let x = a.read::<Decimal>(cx, Some(item));
                let (p, q) = (
                    l.read::<Decimal>(cx, Some(item)),
                    r.read::<Decimal>(cx, Some(item)),
                );
                let y = arith(cx, *aop, p?, q?, text);
                Some(op.holds(order_decimals(&x?, &y?)))
            }
        }
    }
}

/// A [`Cond`] bound to the case at hand (see [`Cond::bind`]).
enum Bound<'c> {
    /// The item's field `.1` compared by `.0` with the known number `.2`.
    FieldWith(CmpOp, usize, Decimal),
    /// The item's field `.1` compared by `.0` with `.3 .2 field .4`, as `rent <= 0.8 *
    /// market_rent` with the parameter in force.
    /// The known number's [`Factor`](super::Factor), made ready for a product.
    FieldWithScaled(
        CmpOp,
        usize,
        ArithOp,
        Decimal,
        Option<super::Factor>,
        usize,
        &'c Arc<str>,
    ),
    Cond(&'c Cond),
}

impl Bound<'_> {
    /// What [`Cond::test`] gives.
    #[inline(always)]
    fn test(&self, cx: &Ctx, item: &[Option<Value>]) -> Option<bool> {
        match self {
            Bound::FieldWith(op, i, k) => match item.get(*i) {
                Some(Some(Value::Num(d))) => Some(op.holds(order_decimals(d, k))),
                _ => None,
            },
            Bound::FieldWithScaled(op, i, aop, k, factor, j, text) => {
                let num = |f: usize| match item.get(f) {
                    Some(Some(Value::Num(d))) => Some(*d),
                    _ => None,
                };
                let (x, q) = (num(*i), num(*j)?);
                let y = factor
                    .and_then(|f| f.times(q))
                    .or_else(|| arith(cx, *aop, *k, q, text));
                Some(op.holds(order_decimals(&x?, &y?)))
            }
            Bound::Cond(c) => c.test(cx, item),
        }
    }
}

/// The order of two decimals, as `Decimal::cmp` gives it, without its general rescaling for
/// the common case of scales at most 9 apart (the mantissas then compare exactly in i128).
#[inline]
#[must_use]
pub fn order_decimals(a: &Decimal, b: &Decimal) -> Ordering {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    match sa.cmp(&sb) {
        Ordering::Equal => ma.cmp(&mb),
        // |m| < 2^96 and 10^9 < 2^30: the product fits an i128.
        Ordering::Less if sb - sa <= 9 => (ma * super::POWERS_OF_TEN[(sb - sa) as usize]).cmp(&mb),
        Ordering::Greater if sa - sb <= 9 => {
            ma.cmp(&(mb * super::POWERS_OF_TEN[(sa - sb) as usize]))
        }
        _ => a.cmp(b),
    }
}

/// `x op y` as an arithmetic node gives it: exact, or a failure naming the expression.
#[inline(always)]
fn arith(cx: &Ctx, op: ArithOp, x: Decimal, y: Decimal, text: &Arc<str>) -> Option<Decimal> {
    let r = match op {
        ArithOp::Add | ArithOp::Sub | ArithOp::Mul => super::exact(op, x, y),
        // A ratio over zero is undefined: unknown, like a missing fact, so that it never
        // decides an outcome (see `EvalError::DivisionByZero`).
        ArithOp::Div if y.is_zero() => return None,
        ArithOp::Div => x.checked_div(y),
    };
    if r.is_none() {
        cx.fail(EvalError::Overflow(text.clone()));
    }
    r
}

fn items<'a>(cx: &Ctx<'a>, list: u16) -> Option<&'a super::Items> {
    cx.facts.lists.get(list as usize).and_then(|l| l.as_ref())
}

/// Compiles with the item context: nothing inside shares a memo slot.
fn in_item<'p, R>(c: &mut Compiler<'p>, f: impl FnOnce(&mut Compiler<'p>) -> R) -> R {
    let outer = std::mem::replace(&mut c.in_item, true);
    let r = f(c);
    c.in_item = outer;
    r
}

impl Ty for Decimal {
    fn of(v: Value) -> Option<Decimal> {
        match v {
            Value::Num(d) => Some(d),
            _ => None,
        }
    }
    fn value(self) -> Value {
        Value::Num(self)
    }
    fn order(a: &Decimal, b: &Decimal) -> Ordering {
        order_decimals(a, b)
    }
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<Decimal> {
        use ExprKind as K;
        match &e.kind {
            K::Neg(a) => {
                let a = compile::<Decimal>(c, a);
                Box::new(move |cx| a(cx).map(|n| -n))
            }
            K::Arith(op, l, r) => {
                let (op, text) = (*op, e.text.clone());
                // A parameter times a field, most often: both read in place.
                if let (Some(la), Some(lb)) = (leaf(c, l), leaf(c, r)) {
                    return Box::new(move |cx| {
                        let (x, y) = (
                            la.read::<Decimal>(cx, cx.item),
                            lb.read::<Decimal>(cx, cx.item),
                        );
                        arith(cx, op, x?, y?, &text)
                    });
                }
                let (l, r) = (compile::<Decimal>(c, l), compile::<Decimal>(c, r));
                Box::new(move |cx| {
                    let (x, y) = (l(cx), r(cx));
                    arith(cx, op, x?, y?, &text)
                })
            }
            K::MinMax { max, args } => min_max::<Decimal>(c, *max, args),
            K::Agg {
                op: op @ (AggOp::Count | AggOp::Sum),
                list,
                body,
                filter,
            } => {
                let (op, list, text) = (*op, *list, e.text.clone());
                // The body is a field of the item, most often: read it in place.
                let body = body.as_deref().map(|b| {
                    in_item(c, |c| match leaf(c, b) {
                        Some(Leaf::ItemField(i)) => Err(i),
                        _ => Ok(compile::<Decimal>(c, b)),
                    })
                });
                let filter = filter.as_deref().map(|f| in_item(c, |c| Cond::new(c, f)));
                Box::new(move |cx| {
                    let items = items(cx, list)?;
                    let mut unknown = false;
                    let mut total = super::ExactSum::default();
                    let filter = filter.as_ref().map(|f| f.bind(cx));
                    // The common sum, a field of the items (whose other field compares with a
                    // known number, maybe): one tight loop, as the general one below does it.
                    if let (AggOp::Sum, Some(Err(i))) = (op, &body) {
                        let only = match &filter {
                            None => Some(None),
                            Some(Bound::FieldWith(o, j, k)) => Some(Some((*o, *j, k))),
                            Some(_) => None,
                        };
                        if let Some(only) = only {
                            for item in items {
                                if let Some((o, j, k)) = only {
                                    if let Some(Some(Value::Num(a))) = item.get(j) {
                                        if !o.holds(order_decimals(a, k)) {
                                            continue;
                                        }
                                    } else {
                                        unknown = true;
                                        continue;
                                    }
                                }
                                match item.get(*i) {
                                    Some(Some(Value::Num(n))) => {
                                        if total.add(n).is_none() {
                                            cx.fail(EvalError::Overflow(text.clone()));
                                            return None;
                                        }
                                    }
                                    _ => unknown = true,
                                }
                            }
                            return if unknown { None } else { Some(total.total()) };
                        }
                    }
                    for item in items {
                        if let Some(f) = &filter {
                            match f.test(cx, item) {
                                Some(true) => {}
                                Some(false) => continue,
                                None => {
                                    unknown = true;
                                    continue;
                                }
                            }
                        }
                        // The term is read where it lies, by reference: a decimal copied
                        // through the stack and read back in parts waits on the copy.
                        let added = match (op, &body) {
                            (AggOp::Count, _) => total.add(&Decimal::ONE),
                            (_, Some(Err(i))) => {
                                if let Some(Some(Value::Num(n))) = item.get(*i) {
                                    total.add(n)
                                } else {
                                    unknown = true;
                                    continue;
                                }
                            }
                            (_, Some(Ok(f))) => {
                                if let Some(n) = f(&Ctx {
                                    item: Some(item),
                                    ..*cx
                                }) {
                                    total.add(&n)
                                } else {
                                    unknown = true;
                                    continue;
                                }
                            }
                            (_, None) => continue,
                        };
                        if added.is_none() {
                            cx.fail(EvalError::Overflow(text.clone()));
                            return None;
                        }
                    }
                    if unknown { None } else { Some(total.total()) }
                })
            }
            _ => reference(c, e),
        }
    }
}

fn min_max<'p, T: Ty + Ord>(c: &mut Compiler<'p>, max: bool, args: &'p [Expr]) -> F<T> {
    let args: Vec<F<T>> = args.iter().map(|a| compile::<T>(c, a)).collect();
    Box::new(move |cx| {
        let mut best: Option<T> = None;
        let mut unknown = false;
        for a in &args {
            match a(cx) {
                Some(v) => {
                    best = Some(match best {
                        Some(b) if !((max && v > b) || (!max && v < b)) => b,
                        _ => v,
                    });
                }
                None => unknown = true,
            }
        }
        if unknown { None } else { best }
    })
}

impl Ty for NaiveDate {
    fn of(v: Value) -> Option<NaiveDate> {
        match v {
            Value::Date(d) => Some(d),
            _ => None,
        }
    }
    fn value(self) -> Value {
        Value::Date(self)
    }
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<NaiveDate> {
        use ExprKind as K;
        match &e.kind {
            K::AsOf => Box::new(|cx| Some(cx.as_of)),
            K::Shift { date, by, back } => {
                let (date, by, back, text) = (
                    compile::<NaiveDate>(c, date),
                    compile::<Duration>(c, by),
                    *back,
                    e.text.clone(),
                );
                Box::new(move |cx| {
                    let (d, b) = (date(cx), by(cx));
                    let r = shift(d?, b?, back);
                    if r.is_none() {
                        cx.fail(EvalError::DateOutOfRange(text.clone()));
                    }
                    r
                })
            }
            K::MinMax { max, args } => min_max::<NaiveDate>(c, *max, args),
            _ => reference(c, e),
        }
    }
}

impl Ty for Duration {
    fn of(v: Value) -> Option<Duration> {
        match v {
            Value::Dur(d) => Some(d),
            _ => None,
        }
    }
    fn value(self) -> Value {
        Value::Dur(self)
    }
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<Duration> {
        reference(c, e)
    }
}

impl Ty for Word {
    fn of(v: Value) -> Option<Word> {
        match v {
            Value::Word(w) => Some(Word(w)),
            _ => None,
        }
    }
    fn value(self) -> Value {
        Value::Word(self.0)
    }
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<Word> {
        reference(c, e)
    }
}

impl Ty for Words {
    fn of(v: Value) -> Option<Words> {
        match v {
            Value::Words(w) => Some(Words(w)),
            _ => None,
        }
    }
    fn value(self) -> Value {
        Value::Words(self.0)
    }
    fn special<'p>(c: &mut Compiler<'p>, e: &'p Expr) -> F<Words> {
        reference(c, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The shortcut orders decimals exactly as `Decimal::cmp` does, whatever their scales.
        #[test]
        fn order_decimals_agrees_with_cmp(
            ma in prop_oneof![-1000i128..1000, -((1i128 << 96) - 1)..(1i128 << 96)],
            sa in 0u32..=28,
            mb in prop_oneof![-1000i128..1000, -((1i128 << 96) - 1)..(1i128 << 96)],
            sb in 0u32..=28,
        ) {
            let (a, b) = (Decimal::from_i128_with_scale(ma, sa), Decimal::from_i128_with_scale(mb, sb));
            prop_assert_eq!(order_decimals(&a, &b), a.cmp(&b));
            // Equal values at other scales, and zeros of either sign.
            let a10 = Decimal::from_i128_with_scale(ma.clamp(-(1 << 80), 1 << 80) * 10, (sa + 1).min(28));
            prop_assert_eq!(order_decimals(&a10, &b), a10.cmp(&b));
            prop_assert_eq!(order_decimals(&(-Decimal::ZERO), &Decimal::new(0, sb)), Ordering::Equal);
        }
    }
}
