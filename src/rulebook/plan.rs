//! What each clause reads and how it decides, read off its checked expressions once: the
//! facts and lists it reads, the values it compares with, whether it can refuse a case as bad
//! input, whether any facts can make it favourable, and the one comparison through which it
//! decides on a fact, where there is one. The search for what would change a result
//! (`changes/`) works from these; the engine keeps them ([`crate::Rulebook`]).

use std::sync::Arc;

use chrono::NaiveDate;

use crate::expr::{AddrMap, AddrSet, ArithOp, CmpOp, Expr, ExprKind, Param, Value};
use crate::rulebook::{Clause, Kind, Rules};
use crate::units::Type;

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
    /// The word fields it reads only by testing them against words it names, with each
    /// word's class ([`word_classes`]): two words of a class give it the same outcome.
    pub(crate) word_classes: Vec<(u16, Vec<u16>)>,
    /// The facts it reads only by comparing them with constants and parameters, with those
    /// ([`stepped`]): between two of these, every value gives it the same outcome.
    pub(crate) stepped: Vec<(Var, Vec<Arc<Expr>>)>,
    /// The facts it reads only in the sides of comparisons, each side a sum, difference,
    /// product, quotient or negation of what it reads ([`compared_only`]).
    pub(crate) linear: Vec<Linear>,
}

/// A fact a clause reads only in arithmetic sides of comparisons ([`compared_only`]): those
/// comparisons' sides, and the divisors that read the fact. Each comparison turns where its
/// sides meet, or where a divisor is zero, and nowhere else.
#[derive(Debug)]
pub(crate) struct Linear {
    pub(crate) var: Var,
    pub(crate) sides: Vec<(Arc<Expr>, Arc<Expr>)>,
    pub(crate) divisors: Vec<Arc<Expr>>,
}

/// A fact a clause decides on through one comparison: that comparison's sides, and the
/// divisors that read the fact anywhere in the clause (where one is zero, the value it
/// divides is undefined: the solved bound holds only on one side of it).
#[derive(Debug)]
pub(crate) struct Compared {
    pub(crate) var: Var,
    pub(crate) sides: (Arc<Expr>, Arc<Expr>),
    pub(crate) divisors: Vec<Arc<Expr>>,
}

/// A fact a clause reads: a field of its subject, or a field of the items of one of its
/// lists (each item's, where the clause reads it item by item).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Var {
    Field(u16),
    Item { list: u16, field: u16 },
}

impl Var {
    /// Whether `e` reads this fact itself: the field, or the item's field.
    pub(crate) fn is(self, e: &Expr) -> bool {
        match (self, &e.kind) {
            (Var::Field(f), ExprKind::Field(i)) => f == *i,
            (Var::Item { field, .. }, ExprKind::ItemField(j)) => field == *j,
            _ => false,
        }
    }
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
                    let fields_compared = fields.iter().filter_map(|&field| {
                        let var = Var::Field(field);
                        Some(Compared {
                            var,
                            sides: comparison(clause, var)?,
                            divisors: divisors(clause, var),
                        })
                    });
                    // An item's field where the clause reads it under its own list alone,
                    // with no divisor reading it.
                    let items_compared = items.iter().filter_map(|&(list, field)| {
                        let var = Var::Item { list, field };
                        (divisors(clause, var).is_empty() && under_its_list(clause, list, field))
                            .then(|| {
                                Some(Compared {
                                    var,
                                    sides: comparison(clause, var)?,
                                    divisors: Vec::new(),
                                })
                            })?
                    });
                    let compared = fields_compared.chain(items_compared).collect();
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
                    let vars = fields.iter().map(|&f| Var::Field(f)).chain(
                        items
                            .iter()
                            .filter(|&&(list, field)| under_its_list(clause, list, field))
                            .map(|&(list, field)| Var::Item { list, field }),
                    );
                    let (mut stepped, mut linear) = (Vec::new(), Vec::new());
                    for v in vars {
                        if let Some(with) = self::stepped(clause, v) {
                            stepped.push((v, with));
                        } else if let Some(sides) = compared_only(clause, v) {
                            linear.push(Linear {
                                var: v,
                                sides,
                                divisors: divisors(clause, v),
                            });
                        }
                    }
                    Plan {
                        refuses,
                        stepped,
                        linear,
                        word_classes: word_classes(rules, clause, &fields),
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

/// What decides `clause`'s outcome: its `in_force`, its `when`, its test, its guards, its
/// amount, a target's deadline and its goals' tests.
fn deciding(clause: &Clause) -> impl Iterator<Item = &Expr> {
    clause
        .in_force
        .iter()
        .chain(&clause.when)
        .chain(&clause.test)
        .chain(clause.guards.iter().map(|g| &g.expr))
        .chain(clause.amount.iter().map(|a| &a.expr))
        .chain(&clause.deadline)
        .chain(clause.goals.iter().map(|g| &g.test))
}

/// The comparison through which `clause` alone decides on fact `field` (of its subject, or of
/// an item), as its two sides; `None` where it decides on the fact otherwise (or not at
/// all), or through an equation (`==`, `!=`), which holds or fails at one point only. A target
/// decides through its goals' tests (`figure >= target`), each figure reported as evaluated
/// there: the field in one goal's test, its outcome turns where that test does. An item's
/// field read once is read once for each item, in its own comparison: the clause decides on
/// one item's value through that item's comparison alone.
pub(crate) fn comparison(clause: &Clause, field: Var) -> Option<(Arc<Expr>, Arc<Expr>)> {
    if !matches!(
        clause.kind,
        Kind::Requirement | Kind::Entitlement | Kind::Target
    ) {
        return None;
    }
    let deciding = deciding(clause);
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

/// How many times `e` reads fact `field`, a shared definition's body counted once for each
/// use of it (a definition used twice in a test compares twice); at most `u32::MAX`.
fn uses(e: &Expr, field: Var, counted: &mut AddrMap<u32>) -> u32 {
    match &e.kind {
        ExprKind::Field(_) | ExprKind::ItemField(_) => u32::from(field.is(e)),
        ExprKind::Named(_, body) => counted.once(body, |counted| uses(body, field, counted)),
        _ => {
            let mut n = 0u32;
            e.for_each_child(&mut |c| n = n.saturating_add(uses(c, field, counted)));
            n
        }
    }
}

/// The word fields among `fields` that `clause` reads only by testing them against words it
/// names (`use in [industrial, venue]`, `structure == steel`, `structure != steel`), each with
/// its words' classes: `classes[w]` is the first word that each of these tests treats as it
/// treats word `w`. The clause reads such a field through these tests alone, so two words of
/// a class give it the same outcome whatever the other facts are: the search for changes
/// evaluates one of them for both. A field read any other way (shown as a value, compared
/// with a parameter or another field, through a definition of its own) has no classes.
fn word_classes(rules: &Rules, clause: &Clause, fields: &[u16]) -> Vec<(u16, Vec<u16>)> {
    let rec = rules.schema.record_of(clause.subject);
    fields
        .iter()
        .filter_map(|&field| {
            let Type::Word(set) = rec.fields[field as usize].ty else {
                return None;
            };
            let words = rules.schema.word_sets[set as usize].words.len();
            let is_field = |e: &Expr| matches!(e.kind, ExprKind::Field(i) if i == field);
            // Each test as the set of words it holds for; and how many reads of the field
            // are such tests, against how many reads there are. A walk reads a shared body
            // once, its tests and its reads alike.
            let (mut tests, mut reads) = (Vec::<u64>::new(), 0usize);
            for e in clause.exprs() {
                e.walk(&mut |x: &Expr| match &x.kind {
                    ExprKind::Field(i) if *i == field => reads += 1,
                    ExprKind::WordIn(a, bits) if is_field(a) => tests.push(*bits),
                    ExprKind::Cmp(CmpOp::Eq | CmpOp::Ne, a, b) => {
                        for (f, w) in [(a, b), (b, a)] {
                            if is_field(f)
                                && let ExprKind::Const(Value::Word(w)) = w.kind
                                && w < 64
                            {
                                tests.push(1 << w);
                            }
                        }
                    }
                    _ => {}
                });
            }
            if reads == 0 || reads != tests.len() || words > 64 {
                return None;
            }
            let alike = |a: usize, b: usize| tests.iter().all(|t| (t >> a & 1) == (t >> b & 1));
            let classes = (0..words)
                .map(|w| (0..=w).find(|&v| alike(v, w)).unwrap_or(w) as u16)
                .collect();
            Some((field, classes))
        })
        .collect()
}

/// The values that `clause` compares fact `field` with, where it reads the fact only so: each
/// read of it one side of a comparison whose other side is a constant or a parameter
/// (`area <= small_unit_area`, `floors >= 10`). Its outcome then turns only where one of
/// these comparisons does: between two of the values, and beyond the last, every value of
/// the fact gives it the same outcome. `None` where it reads the fact any other way.
fn stepped(clause: &Clause, field: Var) -> Option<Vec<Arc<Expr>>> {
    let fixed = |e: &Expr| {
        let mut e = e;
        while let ExprKind::Named(_, inner) = &e.kind {
            e = inner;
        }
        matches!(
            e.kind,
            ExprKind::Const(Value::Num(_) | Value::Date(_)) | ExprKind::Param(_)
        )
    };
    // A walk reads a shared body once, its comparisons and its reads alike.
    let (mut with, mut reads) = (Vec::new(), 0usize);
    for e in clause.exprs() {
        e.walk(&mut |x: &Expr| {
            if field.is(x) {
                reads += 1;
            } else if let ExprKind::Cmp(_, a, b) = &x.kind {
                for (f, v) in [(a, b), (b, a)] {
                    if field.is(f) && fixed(v) {
                        with.push(v.share());
                    }
                }
            }
        });
    }
    (reads > 0 && reads == with.len()).then_some(with)
}

/// The comparisons through which `clause` reads fact `field`, as their sides, where it reads
/// it there alone: each read of it (in what decides the clause's outcome, and in its named
/// values) lies in a side of a comparison, under sums, differences, products, quotients and
/// negations only (`communities_done / communities_total >= 90%`,
/// `communities_done <= communities_total`). The clause then reads the fact only through
/// whether each of these holds. `None` where it reads it any other way, or a comparison
/// reading it lies within another's side.
fn compared_only(clause: &Clause, field: Var) -> Option<Vec<(Arc<Expr>, Arc<Expr>)>> {
    let roots = deciding(clause).chain(clause.lets.iter().chain(&clause.values).map(|n| &n.expr));
    let (mut found, mut seen) = (Vec::new(), AddrSet::default());
    for e in roots {
        scan(e, field, false, &mut found, &mut seen)?;
    }
    (!found.is_empty()).then_some(found)
}

/// [`compared_only`] for `e`, `inside` where `e` lies in a comparison's side under arithmetic
/// alone; `seen` holds the shared bodies read so far, each with whether inside. `None`
/// where `e` reads the fact otherwise.
fn scan(
    e: &Expr,
    field: Var,
    inside: bool,
    found: &mut Vec<(Arc<Expr>, Arc<Expr>)>,
    seen: &mut AddrSet,
) -> Option<()> {
    if field.is(e) {
        return inside.then_some(());
    }
    match &e.kind {
        ExprKind::Named(_, body) => {
            if let Some(key) = crate::expr::shared_addr(body) {
                // A body's address is aligned: its lowest bit tells the two readings apart.
                if !seen.insert(key | usize::from(inside)) {
                    return Some(());
                }
            }
            scan(body, field, inside, found, seen)
        }
        ExprKind::Cmp(_, l, r) if reads(l, field) || reads(r, field) => {
            if inside {
                return None;
            }
            found.push((l.share(), r.share()));
            scan(l, field, true, found, seen)?;
            scan(r, field, true, found, seen)
        }
        ExprKind::Arith(..) | ExprKind::Neg(_) => {
            let mut ok = Some(());
            e.for_each_child(&mut |c| {
                if ok.is_some() {
                    ok = scan(c, field, inside, found, seen);
                }
            });
            ok
        }
        _ => {
            let mut ok = Some(());
            e.for_each_child(&mut |c| {
                if ok.is_some() {
                    ok = scan(c, field, false, found, seen);
                }
            });
            ok
        }
    }
}

/// The value of a constant or of a parameter in force that `e` is (through names); `None`
/// where it is neither, or a parameter with no value on `as_of`.
pub(crate) fn fixed_value(params: &[Param], e: &Expr, as_of: NaiveDate) -> Option<Value> {
    match &e.kind {
        ExprKind::Named(_, inner) => fixed_value(params, inner, as_of),
        ExprKind::Const(v) => Some(*v),
        ExprKind::Param(i) => params[*i as usize].value_on(as_of),
        _ => None,
    }
}

/// Whether `e` reads fact `field`.
fn reads(e: &Expr, field: Var) -> bool {
    let mut yes = false;
    e.walk(&mut |x: &Expr| yes |= field.is(x));
    yes
}

/// Whether every aggregate of `clause` that reads item field `field` is over list `list`,
/// with no aggregate inside it: each read of the field is then the field of one item of
/// that list.
fn under_its_list(clause: &Clause, list: u16, field: u16) -> bool {
    let var = Var::Item { list, field };
    let mut ok = true;
    for e in clause.exprs() {
        e.walk(&mut |x: &Expr| {
            if let ExprKind::Agg {
                list: l,
                body,
                filter,
                ..
            } = &x.kind
            {
                for inner in body.iter().chain(filter.iter()) {
                    if reads(inner, var) {
                        let mut nested = false;
                        inner.walk(&mut |y: &Expr| {
                            nested |= matches!(y.kind, ExprKind::Agg { .. });
                        });
                        ok &= *l == list && !nested;
                    }
                }
            }
        });
    }
    ok
}

/// Whether `e` reads field `field` nowhere in a product with itself, in the condition of an
/// `if`, or in a divisor together with what it divides: a value that takes another form past
/// some point of the field (a product too large for exact arithmetic only between 100 and
/// 200 m2) can fail between two points where it evaluates. A divisor reading it
/// ([`divisors`]) is undefined at one point, and the search keeps that point out.
fn tame(e: &Expr, field: Var) -> bool {
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
fn divisors(clause: &Clause, field: Var) -> Vec<Arc<Expr>> {
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

#[cfg(test)]
pub(crate) mod tests {
    use rust_decimal::Decimal;

    use super::Var;
    use crate::eval::CompactReport;
    use crate::expr::{Expr, Value};

    /// The law [`word_classes`] states: two words of a class give the clause the same
    /// outcome. Each example case, each clause of its subject and each word field with
    /// classes: the field set to each of its words in turn, the clause evaluated alone.
    #[test]
    fn words_of_a_class_give_a_clause_the_same_outcome() {
        let book = crate::Rulebook::embedded();
        let mut out = CompactReport::new();
        let (mut shared, mut split) = (0, 0);
        for_each_example_clause(|case, as_of, ci| {
            for (field, classes) in &book.plans().0[ci].word_classes {
                let given = case.facts.values[*field as usize];
                let mut outcome = |case: &mut crate::case::Case, w: u16| {
                    case.facts.values[*field as usize] = Some(Value::Word(w));
                    book.run_clauses((case, as_of), &[ci], &mut out)
                        .ok()
                        .map(|()| out.results()[0].outcome)
                };
                let of: Vec<_> = (0..classes.len() as u16)
                    .map(|w| outcome(case, w))
                    .collect();
                case.facts.values[*field as usize] = given;
                for (w, &c) in classes.iter().enumerate() {
                    assert_eq!(
                        of[w], of[c as usize],
                        "{}: word {w} of field {field} and word {c}, its class",
                        book.clauses[ci].id
                    );
                    if c as usize != w {
                        shared += 1;
                    }
                }
                // Words of two classes that the case tells apart.
                split += usize::from(of.iter().any(|o| *o != of[0]));
            }
        });
        assert!(
            shared > 10 && split > 10,
            "{shared} words share a class, {split} fields split"
        );
    }

    /// Sets fact `var` of `case` (an item's field: the first item's) to `v`; `false` where
    /// the case has no such item.
    fn set(case: &mut crate::case::Case, var: Var, v: Option<Value>) -> bool {
        let at = match var {
            Var::Field(f) => case.facts.values.get_mut(f as usize),
            Var::Item { list, field } => case.facts.lists[list as usize]
                .as_mut()
                .and_then(|items| items.get_mut(0))
                .and_then(|item| item.get_mut(field as usize)),
        };
        at.map(|at| *at = v).is_some()
    }

    /// The law [`stepped`] states: between two values the clause compares a fact with, every
    /// value of the fact gives it the same outcome. Each example case, each clause of its
    /// subject and each number it reads so (a field, or the first item's field): the fact
    /// set to each value compared with, to a hundredth and to 7 either side of each, and to
    /// far values; any two of these with no value compared with between them (or at either)
    /// give the same outcome.
    #[test]
    fn a_stepped_fact_gives_one_outcome_between_two_values_compared() {
        let book = crate::Rulebook::embedded();
        let mut out = CompactReport::new();
        let (mut pairs, mut facts) = (0, 0);
        for_each_example_clause(|case, as_of, ci| {
            for (var, with) in &book.plans().0[ci].stepped {
                let value = |e: &Expr| match super::fixed_value(&book.params, e, as_of)? {
                    Value::Num(d) => Some(d),
                    _ => None,
                };
                let mut cuts: Vec<Decimal> = with.iter().filter_map(|e| value(e)).collect();
                if cuts.len() != with.len() {
                    continue;
                }
                cuts.sort_unstable();
                let mut points = vec![Decimal::from(-1_000_000), Decimal::from(1_000_000)];
                for c in &cuts {
                    points.push(*c);
                    for d in [Decimal::new(1, 2), Decimal::from(7)] {
                        points.extend([c - d, c + d]);
                    }
                }
                let given = match *var {
                    Var::Field(f) => case.facts.values[f as usize],
                    Var::Item { list, field } => {
                        let first = case.facts.lists[list as usize]
                            .as_ref()
                            .and_then(|items| items.get(0));
                        match first {
                            Some(item) => item[field as usize],
                            None => continue,
                        }
                    }
                };
                let of: Vec<_> = points
                    .iter()
                    .map(|x| {
                        assert!(set(case, *var, Some(Value::Num(*x))));
                        let o = book
                            .run_clauses((case, as_of), &[ci], &mut out)
                            .ok()
                            .map(|()| out.results()[0].outcome);
                        (*x, o)
                    })
                    .collect();
                assert!(set(case, *var, given));
                facts += 1;
                for (x, a) in &of {
                    for (y, b) in &of {
                        if x < y && !cuts.iter().any(|c| x <= c && c <= y) {
                            pairs += 1;
                            assert_eq!(a, b, "{}: {var:?} at {x} and {y}", book.clauses[ci].id);
                        }
                    }
                }
            }
        });
        assert!(facts >= 7 && pairs >= 70, "{facts} facts, {pairs} pairs");
    }

    /// Each example case (as read, `case`), its date, and each clause of its subject.
    fn for_each_example_clause(
        mut f: impl FnMut(&mut crate::case::Case, chrono::NaiveDate, usize),
    ) {
        let book = crate::Rulebook::embedded();
        for (mut case, as_of) in examples() {
            for &ci in &book.by_subject[case.subject as usize] {
                f(&mut case, as_of, ci);
            }
        }
    }

    /// The example cases (`examples/*.toml`), read with the built-in rulebook, each with its
    /// date.
    pub(crate) fn examples() -> Vec<(crate::case::Case, chrono::NaiveDate)> {
        let book = crate::Rulebook::embedded();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).expect("examples/") {
            let path = entry.expect("an entry").path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("an example");
            let case = book.case_from_text(&text, "example").expect("reads");
            let as_of = case.as_of().expect("examples give as_of");
            found.push((case, as_of));
        }
        found
    }
}
