//! What would change a result: for each result that goes against the subject (`not_eligible`,
//! `non_compliant`, `behind`, `not_met`), the changes to the case that would turn it; for each
//! `undetermined` (or `required`) one, the values of its missing facts that decide it; for each
//! favourable one (`eligible`, `compliant`, `on_track`, `met`), its margin: the nearest change
//! of each fact it reads that would turn it against the subject.
//!
//! Every bound is found by an exact search on the fact's own grid (0.01 for money and areas, 1
//! for whole numbers, 0.0001 for ratios, one day for dates), within the fact's bounds in the
//! schema, by evaluating the clause itself: never through floating point and never from a
//! guessed step. A bound is proposed only once it is checked: the clause gives the stated
//! outcome at the bound and does not one step short of it, and gives it all the way to the end
//! of the fact's domain (sampled), so that "at least" and "at most" hold as stated. Facts that
//! the clause does not read are never proposed.
//!
//! Fewer probes, each held to the plain search ([`searched_changes`]) in the tests: a bound is
//! solved where the clause decides on the fact through one comparison (`changes/solve.rs`),
//! and not searched for on the side of the value given that the comparison's turning point
//! does not lie on; words that a clause reads only through tests of words it names, and that
//! every such test treats alike (`public` and `venue` for `use in [industrial]`), are
//! evaluated once for the class; and a number that a clause reads only by comparing it with
//! constants and parameters (`area <= small_unit_area`, `area <= family_unit_area`) gives
//! one outcome between two of these, so the search evaluates each such piece once and
//! answers every other point of it from that; so does a number read only in arithmetic
//! sides of comparisons (`communities_done / communities_total >= 90%` and
//! `communities_done <= communities_total`), between the points where these meet, solved,
//! and where a divisor reading it is zero.

use std::borrow::Cow;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::Rulebook;
use crate::case::Case;
use crate::eval::CompactReport;
use crate::expr::{Expr, ExprKind, Value};
pub use crate::report::{Change, FactChange, FactValue, Relation};
use crate::report::{Outcome, Quantity};
use crate::rulebook::Clause;
use crate::rulebook::plan::{Compared, Linear, Var, fixed_value};
use crate::schema::Field;
use crate::units::Type;

mod depends;
mod solve;

/// A change of one fact.
fn one(name: &str, relation: Relation, value: Option<FactValue>, outcome: Outcome) -> Change {
    Change {
        facts: vec![FactChange {
            fact: name.to_string(),
            relation,
            value,
        }],
        outcome,
    }
}

/// The outcome that turns a result against the subject in its favour, if it is one.
fn turned(o: Outcome) -> Option<Outcome> {
    Some(match o {
        Outcome::NotEligible => Outcome::Eligible,
        Outcome::NonCompliant => Outcome::Compliant,
        Outcome::Behind => Outcome::OnTrack,
        Outcome::NotMet => Outcome::Met,
        _ => return None,
    })
}

/// The outcome that turns a favourable result against the subject, if it is one.
fn against(o: Outcome) -> Option<Outcome> {
    Some(match o {
        Outcome::Eligible => Outcome::NotEligible,
        Outcome::Compliant => Outcome::NonCompliant,
        Outcome::OnTrack => Outcome::Behind,
        Outcome::Met => Outcome::NotMet,
        _ => return None,
    })
}

/// Whether an outcome decides the result (rather than waiting for facts).
fn decided(o: Outcome) -> bool {
    !matches!(o, Outcome::Undetermined | Outcome::Required)
}

/// Where a fact lives in a case: a field of the subject, or a field of one item of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Field(u16),
    Item { list: u16, item: usize, field: u16 },
}

/// One clause of one case, evaluated again and again with one or two facts changed.
struct Probe<'b> {
    book: &'b Rulebook,
    case: Case,
    as_of: NaiveDate,
    /// The clause probed, by index into the rulebook's clauses.
    ci: usize,
    /// Whether bounds are solved where they can be ([`solve`]), or all searched for.
    solve: bool,
    /// The buffers of every evaluation, the probes' and the whole-case checks'.
    out: CompactReport<'b>,
    /// The values the clause compares with (its constants, its parameters in force): where a
    /// result can turn, and so checked, with a step either side, before anything is stated.
    critical: Vec<Value>,
    /// Whether the last bound found ([`bound`](Probe::bound)) was solved, not searched for.
    was_solved: bool,
    /// The clause's outcome on the case as it stands, where known (the full report's, while
    /// no fact is held changed around the probes): a probe that changes nothing gives it.
    known: Option<Outcome>,
    /// The case as a whole, for checking changes on it.
    whole: Whole<'b>,
    /// The turning points solved on the case as it stands ([`threshold`](Probe::threshold)).
    thresholds: Vec<(Slot, Option<Value>)>,
    /// The cuts found on the case as it stands ([`cuts_kept`](Probe::cuts_kept)).
    cut: Vec<(Slot, Option<Vec<i128>>)>,
}

/// What checking a change on the whole case needs: the subject's clauses with the facts and
/// lists each reads, and the results of the changed cases checked so far (many clauses
/// propose the same change: `prefab = false`).
struct Whole<'b> {
    clauses: &'b [usize],
    seen: Vec<(Made, bool)>,
    /// The clauses of one check, kept between checks to reuse its buffer.
    run: Vec<usize>,
}

/// Facts changed, each to a value: at most [`MOST_FACTS`], held in place (a search makes
/// one for each change it finds, and checks each on the whole case).
#[derive(Clone, Copy)]
struct Made {
    len: usize,
    facts: [(Slot, Value); MOST_FACTS],
}

impl Made {
    /// The facts of `facts`; `None` where they are more than [`MOST_FACTS`].
    fn of(facts: impl IntoIterator<Item = (Slot, Value)>) -> Option<Made> {
        let mut m = Made {
            len: 0,
            facts: [(Slot::Field(0), Value::Bool(false)); MOST_FACTS],
        };
        for f in facts {
            *m.facts.get_mut(m.len)? = f;
            m.len += 1;
        }
        Some(m)
    }
}

impl std::ops::Deref for Made {
    type Target = [(Slot, Value)];
    fn deref(&self) -> &[(Slot, Value)] {
        &self.facts[..self.len]
    }
}

impl PartialEq for Made {
    fn eq(&self, other: &Made) -> bool {
        **self == **other
    }
}

/// A change found, with the facts it makes, to check it on the whole case without reading its
/// values back from its words; `None` where any value of its fact decides it.
type Found = (Change, Option<Made>);

impl Probe<'_> {
    /// The clause's outcome with `changes` made; `None` when the changed case is bad input.
    /// The case's dates passed their check and every value tried lies on a grid that ends on
    /// the day of the case, so the dates are not checked again.
    fn outcome(&mut self, changes: &[(Slot, Value)]) -> Option<Outcome> {
        self.run(changes, None)
    }

    /// Whether the clause gives an outcome that `want` accepts with `changes` made (and the
    /// case is not bad input). Where bounds are solved, the clause's named values are left
    /// unevaluated where its decision gives an outcome not wanted ([`Rulebook::run_clause_for`]);
    /// the plain search evaluates them all.
    fn gives(&mut self, changes: &[(Slot, Value)], want: &dyn Fn(Outcome) -> bool) -> bool {
        self.reaches(changes, want).is_some()
    }

    /// The outcome with `changes` made where `want` accepts it ([`gives`](Self::gives)).
    fn reaches(
        &mut self,
        changes: &[(Slot, Value)],
        want: &dyn Fn(Outcome) -> bool,
    ) -> Option<Outcome> {
        let sought = if self.solve { Some(want) } else { None };
        self.run(changes, sought).filter(|o| want(*o))
    }

    fn run(
        &mut self,
        changes: &[(Slot, Value)],
        sought: Option<&dyn Fn(Outcome) -> bool>,
    ) -> Option<Outcome> {
        if changes.len() > MOST_FACTS {
            return None;
        }
        if let Some(o) = self.known
            && changes.iter().all(|(s, v)| self.get(*s) == Some(*v))
        {
            return Some(o);
        }
        self.evaluate(changes, sought)
    }

    /// The first word of `v`'s class where `slot` is a word field the clause reads through
    /// tests of the words it names alone (the plan's `word_classes`): two words of a class
    /// give the clause the same outcome. Else `v`.
    fn alike(&self, slot: Slot, v: Value) -> Value {
        if let (Slot::Field(f), Value::Word(w)) = (slot, v)
            && let Some((_, classes)) = self.book.plans().0[self.ci]
                .word_classes
                .iter()
                .find(|(g, _)| *g == f)
            && let Some(&c) = classes.get(w as usize)
        {
            return Value::Word(c);
        }
        v
    }

    /// The clause evaluated with `changes` made ([`run`](Self::run)).
    fn evaluate(
        &mut self,
        changes: &[(Slot, Value)],
        sought: Option<&dyn Fn(Outcome) -> bool>,
    ) -> Option<Outcome> {
        let mut saved = [None; MOST_FACTS];
        for ((s, v), old) in changes.iter().zip(&mut saved) {
            *old = self.get(*s);
            self.set(*s, Some(*v));
        }
        let at = (&self.case, self.as_of);
        let r = match sought {
            Some(f) => self.book.run_clause_for(at, self.ci, &mut self.out, f),
            None => self
                .book
                .run_clauses(at, std::slice::from_ref(&self.ci), &mut self.out),
        }
        .ok()
        .and_then(|()| self.out.results().first().map(|r| r.outcome));
        for ((s, _), old) in changes.iter().zip(saved) {
            self.set(*s, old);
        }
        r
    }

    fn get(&self, s: Slot) -> Option<Value> {
        match s {
            Slot::Field(i) => self.case.facts.values.get(i as usize).copied().flatten(),
            Slot::Item { list, item, field } => self.case.facts.lists[list as usize]
                .as_ref()
                .and_then(|l| l.get(item))
                .and_then(|it| it.get(field as usize).copied().flatten()),
        }
    }

    fn set(&mut self, s: Slot, v: Option<Value>) {
        match s {
            Slot::Field(i) => self.case.facts.values[i as usize] = v,
            Slot::Item { list, item, field } => {
                if let Some(it) = self.case.facts.lists[list as usize]
                    .as_mut()
                    .and_then(|l| l.get_mut(item))
                {
                    it[field as usize] = v;
                }
            }
        }
    }
}

impl Slot {
    /// The fact of the clause this is a value of: the field, or the list's item field.
    fn var(self) -> Var {
        match self {
            Slot::Field(f) => Var::Field(f),
            Slot::Item { list, field, .. } => Var::Item { list, field },
        }
    }
}

/// A fact's grid and domain.
#[derive(Clone, Copy)]
enum Grid {
    /// Multiples of `step` from `lo` to `hi`, in units of `step`.
    Number { step: Decimal, lo: i128, hi: i128 },
    /// Days from `lo` to `hi`.
    Days { lo: NaiveDate, hi: NaiveDate },
}

/// The most a number's search reaches where the schema sets no bound: 10^15 of the fact's
/// unit (a quadrillion yuan or square metres), or twice the value given, if more.
const OPEN_END: i64 = 1_000_000_000_000_000;

/// The first day a date's search reaches.
const FIRST_DAY: (i32, u32, u32) = (1949, 10, 1);

fn grid(field: &Field, current: Option<Value>, as_of: NaiveDate) -> Option<Grid> {
    match field.ty {
        Type::Num(_) => {
            let step = if field.integer {
                Decimal::ONE
            } else if field.unit_label == "ratio" {
                Decimal::new(1, 4)
            } else {
                Decimal::new(1, 2)
            };
            // Checked: a value near the top of the decimal range has no grid point of 0.01.
            let units = |d: Decimal| d.checked_div(step)?.floor().to_i128_checked();
            let big = match current {
                Some(Value::Num(v)) => {
                    Decimal::from(OPEN_END).max(v.abs().checked_mul(Decimal::TWO)?)
                }
                _ => Decimal::from(OPEN_END),
            };
            let lo = units(field.min.unwrap_or(-big))?;
            let hi = units(field.max.unwrap_or(big))?;
            (lo <= hi).then_some(Grid::Number { step, lo, hi })
        }
        Type::Date => Some(Grid::Days {
            lo: NaiveDate::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2)?,
            hi: as_of,
        }),
        _ => None,
    }
}

trait ToI128 {
    fn to_i128_checked(self) -> Option<i128>;
}

impl ToI128 for Decimal {
    fn to_i128_checked(self) -> Option<i128> {
        let t = self.trunc();
        Some(t.mantissa() / 10i128.checked_pow(t.scale())?)
    }
}

impl Grid {
    fn value(&self, k: i128) -> Option<Value> {
        match *self {
            Grid::Number { step, .. } => Decimal::try_from_i128_with_scale(k, 0)
                .ok()
                .and_then(|k| k.checked_mul(step))
                .map(Value::Num),
            Grid::Days { lo, .. } => lo
                .checked_add_days(Days::new(u64::try_from(k).ok()?))
                .map(Value::Date),
        }
    }
    fn ends(&self) -> (i128, i128) {
        match *self {
            Grid::Number { lo, hi, .. } => (lo, hi),
            Grid::Days { lo, hi } => (0, i128::from((hi - lo).num_days())),
        }
    }
    /// The grid point of a value (rounded toward the low end), if it lies on the grid's scale.
    fn point(&self, v: Value) -> Option<i128> {
        match (*self, v) {
            (Grid::Number { step, .. }, Value::Num(d)) => {
                d.checked_div(step)?.floor().to_i128_checked()
            }
            (Grid::Days { lo, .. }, Value::Date(d)) => Some(i128::from((d - lo).num_days())),
            _ => None,
        }
    }
}

/// Samples checked beyond a bound, toward the end of the domain, before a bound is stated.
const SAMPLES: i128 = 12;

impl Probe<'_> {
    /// Whether the whole case, with the facts of a change found made (`made`), evaluates:
    /// the change's outcome is what the clause gave on it when it was found. A change any
    /// value of which decides it (`None`) has no one value to make.
    fn whole(&mut self, made: Option<&Made>) -> bool {
        let Some(made) = made else {
            return true;
        };
        let evaluates = match self.whole.seen.iter().find(|(m, _)| m == made) {
            Some((_, ok)) => *ok,
            None => {
                let mut saved = [None; MOST_FACTS];
                for ((s, v), old) in made.iter().zip(&mut saved) {
                    *old = self.get(*s);
                    self.set(*s, Some(*v));
                }
                let ok = !self.refused(&|fields, lists| {
                    made.iter().any(|(s, _)| match *s {
                        Slot::Field(i) => fields.contains(&i),
                        Slot::Item { list, .. } => lists.contains(&list),
                    })
                });
                for ((s, _), old) in made.iter().zip(saved) {
                    self.set(*s, old);
                }
                self.whole.seen.push((*made, ok));
                ok
            }
        };
        // The clause's own outcome on the changed case is the one stated: each change is
        // stated with what evaluating the clause on the case so changed gave.
        evaluates
    }

    /// Whether the case as it stands now is bad input: whether one of the clauses that read
    /// what `changed` accepts (a clause's fields, its lists) and could refuse a case (a guard,
    /// arithmetic out of range) refuses it. The other clauses read nothing that changed, and
    /// give what they gave on the case as given, which evaluated; or refuse no case. Nor is
    /// the clause probed run again: every change of it is stated from its evaluation, whole,
    /// on the case so changed, which gave an outcome.
    fn refused(&mut self, changed: &dyn Fn(&[u16], &[u16]) -> bool) -> bool {
        let plans = &self.book.plans().0;
        let mut run = std::mem::take(&mut self.whole.run);
        run.clear();
        run.extend(self.whole.clauses.iter().copied().filter(|&ci| {
            ci != self.ci && plans[ci].refuses && changed(&plans[ci].fields, &plans[ci].lists)
        }));
        let refused = !run.is_empty()
            && self
                .book
                .run_clauses((&self.case, self.as_of), &run, &mut self.out)
                .is_err();
        self.whole.run = run;
        refused
    }

    /// Whether some value of `slot` alone may give the clause `want`, of the fields in `may`
    /// ([`depends`]); always where bounds are all searched for.
    fn may_give(&self, slot: Slot, may: depends::Fields) -> bool {
        match slot {
            Slot::Field(field) => !self.solve || depends::has(may, field),
            Slot::Item { .. } => true,
        }
    }

    /// The fields some value of which alone may give the clause `want` ([`depends`]).
    fn givers(&self, want: Outcome) -> depends::Fields {
        if !self.solve {
            return depends::ALL;
        }
        depends::may_give(
            self.book,
            &self.book.clauses[self.ci],
            (&self.case.facts, self.as_of),
            want,
        )
    }

    /// Whether `want` holds at grid point `k` of `slot`.
    fn holds(&mut self, slot: Slot, g: &Grid, k: i128, want: &dyn Fn(Outcome) -> bool) -> bool {
        g.value(k).is_some_and(|v| self.gives(&[(slot, v)], want))
    }

    /// The nearest point from `from` toward `to` (excluded `from`) where `want` starts to hold
    /// and holds on to `to`, checked: `want` fails one step before it, holds at it and at
    /// samples up to `to`. `None` where there is no such point.
    fn bound(
        &mut self,
        slot: Slot,
        g: &Grid,
        from: i128,
        to: i128,
        want: &dyn Fn(Outcome) -> bool,
    ) -> Option<i128> {
        self.was_solved = false;
        // Where the clause reads the fact only in comparisons with fixed values, every point
        // between two of them gives what any other does: each such piece is evaluated once.
        let cuts = if self.solve {
            self.cuts_kept(slot, g)
        } else {
            None
        };
        let mut pieces: Vec<(usize, bool)> = Vec::new();
        let mut holds = |p: &mut Self, k: i128| {
            let Some(cuts) = &cuts else {
                return p.holds(slot, g, k, want);
            };
            let piece = match cuts.binary_search(&k) {
                Ok(i) => 2 * i + 1,
                Err(i) => 2 * i,
            };
            if let Some(&(_, h)) = pieces.iter().find(|t| t.0 == piece) {
                return h;
            }
            let h = p.holds(slot, g, k, want);
            pieces.push((piece, h));
            h
        };
        if from == to || holds(self, from) {
            return None;
        }
        // The very end may be undefined (a share over an area of zero): then one step in.
        let whole_way = holds(self, to);
        let to = if whole_way {
            to
        } else {
            let inner = to - (to - from).signum();
            if inner == from || !holds(self, inner) {
                return None;
            }
            inner
        };
        // Solved where it can be (with one turning point from `from` to `to`).
        if self.solve
            && let Some(k) = self.solved((slot, g), (from, to), want)
        {
            self.was_solved = true;
            return Some(k);
        }
        // Out from `from` by doubling steps (most bounds lie near the value given), until
        // `want` holds or `to` is reached; then the two close in on the turning point.
        let dir = (to - from).signum();
        let (mut a, mut b) = (from, to);
        let mut step: i128 = 1;
        loop {
            let k = from.saturating_add(dir.saturating_mul(step));
            if (to - k) * dir <= 0 {
                break;
            }
            if holds(self, k) {
                b = k;
                break;
            }
            a = k;
            step = step.saturating_mul(2);
        }
        // Invariant: want fails at `a`, holds at `b`.
        while (b - a).abs() > 1 {
            let m = a + (b - a) / 2;
            if holds(self, m) {
                b = m;
            } else {
                a = m;
            }
        }
        // On to `to`: checked at the samples and at every value the clause compares with.
        for k in self.samples(g, b, to) {
            if !holds(self, k) {
                return None;
            }
        }
        Some(b)
    }

    /// The bound of [`bound`](Self::bound) where the clause decides on the fact through one
    /// linear comparison ([`solve`]): the grid point next to where that comparison turns,
    /// confirmed, the outcome wanted at it and not one step short of it. Its outcome turns
    /// nowhere else, so between `from`, where it is not wanted, and `to`, where it is, that
    /// is the one bound. `None` where this does not apply or nothing next to it confirms.
    fn solved(
        &mut self,
        (slot, g): (Slot, &Grid),
        (from, to): (i128, i128),
        want: &dyn Fn(Outcome) -> bool,
    ) -> Option<i128> {
        if !self.turns_once((slot, g), (from, to)) {
            return None;
        }
        let q = g.point(self.threshold(slot)?)?;
        let dir = (to - from).signum();
        // The solved value, exact or to 28 digits, lies within a step of its grid point;
        // the points next to it are each tried once.
        let mut tried: [(i128, bool); 6] = [(from, false); 6];
        let mut n = 1;
        let mut holds = |p: &mut Self, k: i128| match tried[..n].iter().find(|t| t.0 == k) {
            Some(&(_, h)) => h,
            None => {
                let h = p.holds(slot, g, k, want);
                if let Some(t) = tried.get_mut(n) {
                    *t = (k, h);
                    n += 1;
                }
                h
            }
        };
        for k in [q, q + 1, q - 1, q + 2] {
            let beyond = (k - from) * dir > 0 && (to - k) * dir >= 0;
            if beyond && holds(self, k) && !holds(self, k - dir) {
                return Some(k);
            }
        }
        None
    }

    /// The comparison through which the clause decides on the fact of `slot` (an item's
    /// field: that item's comparison), where there is one.
    fn compared(&self, slot: Slot) -> Option<&Compared> {
        let var = slot.var();
        self.book.plans().0[self.ci]
            .compared
            .iter()
            .find(|c| c.var == var)
    }

    /// Where the clause reads the fact of `slot` only in comparisons with constants and
    /// parameters (the plan's `stepped`): the grid points of the values it compares with,
    /// in order. A comparison with `c` takes one value at every point below `c`'s grid point
    /// (rounded down) and one at every point above it, so the clause's outcome changes only
    /// at these points. `None` where it reads the fact otherwise, or a value compared with
    /// has no point on the grid.
    fn cuts(&self, slot: Slot, g: &Grid) -> Option<Vec<i128>> {
        let var = slot.var();
        let plan = &self.book.plans().0[self.ci];
        let Some((_, with)) = plan.stepped.iter().find(|(v, _)| *v == var) else {
            let linear = plan.linear.iter().find(|l| l.var == var)?;
            return self.linear_cuts(slot, g, linear);
        };
        let mut cuts = Vec::with_capacity(with.len());
        for e in with {
            // Each is a constant or a parameter: one with no value on the day leaves the
            // clause not in force, whatever the fact is, and so no point where it turns.
            if let Some(value) = fixed_value(&self.book.params, e, self.as_of) {
                cuts.push(g.point(value)?);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        Some(cuts)
    }

    /// [`cuts`](Self::cuts), kept for the case as given (while `known` is): a fact's search
    /// up and its search down ask for the same.
    fn cuts_kept(&mut self, slot: Slot, g: &Grid) -> Option<Vec<i128>> {
        // A fact the clause decides on through one comparison has its bound solved
        // ([`solved`](Self::solved)): solving each comparison's point to cut its grid as
        // well costs more than the few probes it would save. Cuts at fixed values cost
        // nothing to find.
        let var = slot.var();
        let stepped = self.book.plans().0[self.ci]
            .stepped
            .iter()
            .any(|(v, _)| *v == var);
        if !stepped && self.compared(slot).is_some() {
            return None;
        }
        if self.known.is_none() {
            return self.cuts(slot, g);
        }
        if let Some((_, cuts)) = self.cut.iter().find(|(s, _)| *s == slot) {
            return cuts.clone();
        }
        let cuts = self.cuts(slot, g);
        self.cut.push((slot, cuts.clone()));
        cuts
    }

    /// [`cuts`](Self::cuts) where the clause reads the fact of `slot` only in the sides of
    /// comparisons, under arithmetic (the plan's `linear`): each comparison turns where its
    /// sides meet, solved ([`solve::threshold`]), and may turn where a divisor reading the
    /// fact is zero. Each such point is a cut with the points either side of it, which keeps
    /// a solved value's 28th digit out; between cuts, every comparison holds or fails
    /// throughout. `None` where a comparison's point cannot be solved (a side not linear in
    /// the fact, a fact it reads not given): then nothing is cut.
    fn linear_cuts(&self, slot: Slot, g: &Grid, linear: &Linear) -> Option<Vec<i128>> {
        let Linear {
            var,
            sides,
            divisors,
        } = linear;
        let var = *var;
        let known = self.known_of(slot);
        let mut cuts = Vec::with_capacity(3 * (sides.len() + divisors.len()));
        for (l, r) in sides {
            let at = solve::threshold(self.book, (l, r), var, &known, self.as_of)?;
            let q = g.point(at)?;
            cuts.extend([q - 1, q, q + 1]);
        }
        for d in divisors {
            // A divisor that does not change with the fact is never zero as it moves.
            if let Some(at) = solve::pole(self.book, d, var, &known, self.as_of) {
                let q = g.point(Value::Num(at))?;
                cuts.extend([q - 1, q, q + 1]);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        Some(cuts)
    }

    /// The value of the fact of `slot` at which the comparison through which the clause
    /// decides on it turns ([`solve::threshold`]), the other facts (and the item's other
    /// fields) as they stand; kept for the case as given (while `known` is), where a search
    /// asks for it more than once.
    fn threshold(&mut self, slot: Slot) -> Option<Value> {
        if self.known.is_some()
            && let Some(&(_, at)) = self.thresholds.iter().find(|(s, _)| *s == slot)
        {
            return at;
        }
        let c = self.compared(slot)?;
        let known = self.known_of(slot);
        let (l, r) = &c.sides;
        let at = solve::threshold(self.book, (l, r), c.var, &known, self.as_of);
        drop(known);
        if self.known.is_some() {
            self.thresholds.push((slot, at));
        }
        at
    }

    /// The fields of the item of `slot`, where it is an item's field.
    fn item(&self, slot: Slot) -> Option<&[Option<Value>]> {
        let Slot::Item { list, item, .. } = slot else {
            return None;
        };
        self.case.facts.lists[list as usize].as_ref()?.get(item)
    }

    /// Where the clause decides on `slot` through one comparison ([`solve`]) that can turn
    /// only once over the whole grid, and the point where it turns lies more than a step
    /// from the value given, `here` its grid point (rounded down): which way that point
    /// lies. Every point on the other side of the value given is on the same side of the
    /// comparison as it, and so gives the clause the decision the value given does, or bad
    /// input. The solved point is exact, or to 28 digits: a step keeps its last digit out.
    /// `None` where bounds are all searched for.
    fn turning(&mut self, (slot, g): (Slot, &Grid), here: i128) -> Option<std::cmp::Ordering> {
        let (lo, hi) = g.ends();
        if !self.solve || !self.turns_once((slot, g), (lo, hi)) {
            return None;
        }
        let at = g.point(self.threshold(slot)?)?;
        // The value given lies in [here, here + 1) steps, the point in [at, at + 1).
        if at >= here.checked_add(2)? {
            Some(std::cmp::Ordering::Greater)
        } else if at.checked_add(2)? <= here {
            Some(std::cmp::Ordering::Less)
        } else {
            None
        }
    }

    /// Whether the clause decides on `slot` through one comparison ([`solve`]) that can turn
    /// only once from `from` to `to`: not across a point where a divisor reading it is zero
    /// (on each side of one, the comparison may turn once).
    fn turns_once(&self, (slot, g): (Slot, &Grid), (from, to): (i128, i128)) -> bool {
        let Some(c) = self.compared(slot) else {
            return false;
        };
        if c.divisors.is_empty() {
            return true;
        }
        // An item's field is solved for only where no divisor reads it.
        if !matches!(slot, Slot::Field(_)) {
            return false;
        }
        let (Some(Value::Num(a)), Some(Value::Num(b))) = (g.value(from), g.value(to)) else {
            return false;
        };
        let known = self.known_of(slot);
        c.divisors.iter().all(|d| {
            solve::pole(self.book, d, c.var, &known, self.as_of)
                .is_some_and(|at| !(a.min(b) < at && at < a.max(b)))
        })
    }

    /// The values of the other facts, for solving for the fact of `slot`: the subject's
    /// fields, and the item's other fields where it is an item's field
    /// ([`solve::Known`]).
    fn known_of(&self, slot: Slot) -> impl Fn(bool, u16) -> Option<Value> + '_ {
        let (facts, item) = (&self.case.facts, self.item(slot));
        move |in_item: bool, j: u16| {
            if in_item {
                item?.get(j as usize).copied().flatten()
            } else {
                facts.values.get(j as usize).copied().flatten()
            }
        }
    }

    /// Points of `g` from `a` to `b` (both ends in): evenly spaced ones, and each value the
    /// clause compares with, a step either side of it too.
    fn samples(&self, g: &Grid, a: i128, b: i128) -> Vec<i128> {
        let (lo, hi) = (a.min(b), a.max(b));
        let mut ks: Vec<i128> = (0..=SAMPLES).map(|i| a + (b - a) * i / SAMPLES).collect();
        for v in &self.critical {
            if let Some(k) = g.point(*v) {
                ks.extend(
                    [k - 1, k, k + 1]
                        .into_iter()
                        .filter(|k| (lo..=hi).contains(k)),
                );
            }
        }
        ks
    }
}

impl Rulebook {
    /// [`evaluate`](Rulebook::evaluate), and for each result what would change it: `changes`
    /// for a result against the subject or undetermined, `margin` for a favourable one.
    pub fn evaluate_with_changes(
        &self,
        case: &Case,
        as_of: NaiveDate,
    ) -> Result<crate::report::Report, crate::eval::EvaluationError> {
        let mut report = self.evaluate(case, as_of)?;
        report.changes_searched = true;
        let outcomes: Vec<Outcome> = report.results.iter().map(|r| r.outcome).collect();
        let found = changes_of(self, case, as_of, &outcomes, true);
        for (r, found) in report.results.iter_mut().zip(found) {
            if against(r.outcome).is_some() {
                r.margin = found;
            } else {
                r.changes = found;
            }
        }
        Ok(report)
    }
}

/// What would change each result of `case` on `as_of`: one list per clause of the case's
/// subject, in report order. Clauses that are not in force or do not apply get none.
#[must_use]
pub fn changes(book: &Rulebook, case: &Case, as_of: NaiveDate) -> Vec<Vec<Change>> {
    changes_with(book, case, as_of, true)
}

/// [`changes`] found by the plain search alone, every bound searched for on its grid and none
/// solved from its comparison: the reference that the solved bounds are tested against.
#[must_use]
pub fn searched_changes(book: &Rulebook, case: &Case, as_of: NaiveDate) -> Vec<Vec<Change>> {
    changes_with(book, case, as_of, false)
}

fn changes_with(book: &Rulebook, case: &Case, as_of: NaiveDate, solve: bool) -> Vec<Vec<Change>> {
    let mut out = CompactReport::new();
    if book.evaluate_compact(case, as_of, &mut out).is_err() {
        return Vec::new();
    }
    let outcomes: Vec<Outcome> = out.results().iter().map(|r| r.outcome).collect();
    changes_of(book, case, as_of, &outcomes, solve)
}

/// The changes of each result of a case that evaluates, given its `outcomes` (in the order
/// of its subject's clauses).
fn changes_of(
    book: &Rulebook,
    case: &Case,
    as_of: NaiveDate,
    outcomes: &[Outcome],
    solve: bool,
) -> Vec<Vec<Change>> {
    let mut p = Probe::new(book, case, as_of, solve);
    book.by_subject[case.subject as usize]
        .iter()
        .zip(outcomes)
        .map(|(&ci, &outcome)| clause_changes(&mut p, ci, outcome))
        .collect()
}

impl<'b> Probe<'b> {
    /// A probe of the clauses of `case`'s subject, bounds solved where they can be (`solve`)
    /// or all searched for.
    fn new(book: &'b Rulebook, case: &Case, as_of: NaiveDate, solve: bool) -> Probe<'b> {
        Probe {
            book,
            case: case.clone(),
            as_of,
            ci: 0,
            solve,
            out: CompactReport::new(),
            critical: Vec::new(),
            was_solved: false,
            known: None,
            whole: Whole {
                clauses: &book.by_subject[case.subject as usize],
                seen: Vec::new(),
                run: Vec::new(),
            },
            thresholds: Vec::new(),
            cut: Vec::new(),
        }
    }
}

/// The changes of one clause's result, `p` holding the case as given.
fn clause_changes(p: &mut Probe, ci: usize, outcome: Outcome) -> Vec<Change> {
    let (book, as_of) = (p.book, p.as_of);
    // A result neither against the subject, nor favourable, nor waiting for facts (an
    // amount computed, a clause not applying or not in force) has nothing to turn.
    if turned(outcome).is_none()
        && against(outcome).is_none()
        && (decided(outcome) || matches!(outcome, Outcome::NotApplicable | Outcome::NotInForce))
    {
        return Vec::new();
    }
    let clause = &book.clauses[ci];
    let plan = &book.plans().0[ci];
    let (fields, items) = (&plan.fields, &plan.items);
    p.critical.clear();
    p.critical.extend_from_slice(&plan.constants);
    for &i in &plan.params {
        p.critical.extend(book.params[i as usize].value_on(as_of));
    }
    p.ci = ci;
    // The plain search, the reference, evaluates every probe.
    p.known = p.solve.then_some(outcome);
    p.thresholds.clear();
    p.cut.clear();
    let rec = book.schema.record_of(p.case.subject);
    let mut slots: Vec<(Slot, &Field, Cow<'_, str>)> = fields
        .iter()
        .map(|&i| {
            (
                Slot::Field(i),
                &rec.fields[i as usize],
                Cow::Borrowed(rec.fields[i as usize].name.as_str()),
            )
        })
        .collect();
    for &(list, j) in items {
        let Type::List(r) = rec.fields[list as usize].ty else {
            continue;
        };
        let item_rec = &book.schema.records[r as usize];
        let n = p.case.facts.lists[list as usize]
            .as_ref()
            .map_or(0, crate::expr::Items::len);
        for item in 0..n {
            slots.push((
                Slot::Item {
                    list,
                    item,
                    field: j,
                },
                &item_rec.fields[j as usize],
                Cow::Owned(format!(
                    "{}[{}].{}",
                    rec.fields[list as usize].name,
                    item + 1,
                    item_rec.fields[j as usize].name
                )),
            ));
        }
    }
    // Each change as stated, the whole case evaluated: another clause may refuse the changed
    // case (a deduction it turns on exceeding the installation cost), and then it is no change
    // to propose.
    let mut found: Vec<Change> = search(p, &slots, as_of, outcome)
        .into_iter()
        .filter_map(|(c, made)| p.whole(made.as_ref()).then_some(c))
        .collect();
    // A mix of items short of its share: the fewest items to add, of each kind the clause
    // counts (`units` of at most 70 m2), each checked on the whole case as it is found.
    if let Some(target) = turned(outcome)
        && !(p.solve && book.plans().0[ci].never)
    {
        found.extend(add_items(p, clause, as_of, target));
    }
    found
}

/// The changes that [`clause_changes`] looks for, before the whole case is checked.
fn search(
    p: &mut Probe,
    slots: &[(Slot, &Field, Cow<'_, str>)],
    as_of: NaiveDate,
    outcome: Outcome,
) -> Vec<Found> {
    if let Some(target) = turned(outcome) {
        let mut found = Vec::new();
        // No facts whatever give the target: nothing to search for (the plain search, the
        // reference, still searches single facts, and finds none).
        if p.solve && p.book.plans().0[p.ci].never {
            return found;
        }
        let may = p.givers(target);
        for (slot, field, name) in slots {
            if p.may_give(*slot, may) {
                toward(p, (*slot, field, name), as_of, target, &mut found);
            }
        }
        // Sets of facts, unless no facts whatever give the target.
        if found.is_empty() && !p.book.plans().0[p.ci].never {
            found = sets(p, slots, as_of, target);
        }
        found
    } else if let Some(turn) = against(outcome) {
        let mut found = Vec::new();
        let may = p.givers(turn);
        for (slot, field, name) in slots {
            if p.get(*slot).is_some() && p.may_give(*slot, may) {
                toward(p, (*slot, field, name), as_of, turn, &mut found);
            }
        }
        found
    } else if !decided(outcome) && !matches!(outcome, Outcome::NotApplicable | Outcome::NotInForce)
    {
        let mut found = Vec::new();
        for (slot, field, name) in slots {
            if p.get(*slot).is_none() {
                deciding(p, (*slot, field, name), as_of, &mut found);
            }
        }
        found
    } else {
        Vec::new()
    }
}

/// A list the clause counts over: its index, its item fields compared with values (and those
/// values), and its item fields summed.
type ItemPlan = (u16, Vec<(u16, Vec<Value>)>, Vec<u16>);

/// New items that would turn a result: for each list the clause counts over, an item whose
/// fields that the clause compares with a value (a unit's `area` with `small_unit_area`) take
/// that value, and whose counted field (`count`, summed by the clause) is searched for the
/// fewest that turn the result. Each is checked on the whole case.
fn add_items(p: &mut Probe, clause: &Clause, as_of: NaiveDate, target: Outcome) -> Vec<Change> {
    // Every probe here has an item added: none has the outcome known.
    p.known = None;
    let book = p.book;
    let rec = book.schema.record_of(p.case.subject);
    // Per list: the item fields compared with a value, with those values; the fields summed.
    let mut plans: Vec<ItemPlan> = Vec::new();
    for e in clause.exprs() {
        e.walk(&mut |x: &Expr| {
            let ExprKind::Agg {
                list, body, filter, ..
            } = &x.kind
            else {
                return;
            };
            let at = if let Some(i) = plans.iter().position(|(l, _, _)| l == list) {
                i
            } else {
                plans.push((*list, Vec::new(), Vec::new()));
                plans.len() - 1
            };
            if let Some(b) = body
                && let ExprKind::ItemField(j) = b.kind
                && !plans[at].2.contains(&j)
            {
                plans[at].2.push(j);
            }
            for inner in body.iter().chain(filter.iter()) {
                inner.walk(&mut |y: &Expr| {
                    let ExprKind::Cmp(_, a, b) = &y.kind else {
                        return;
                    };
                    for (f, v) in [(a, b), (b, a)] {
                        let (ExprKind::ItemField(j), Some(value)) =
                            (&f.kind, constant(book, v, as_of))
                        else {
                            continue;
                        };
                        let compared = &mut plans[at].1;
                        match compared.iter_mut().find(|(k, _)| k == j) {
                            Some((_, vs)) if !vs.contains(&value) => vs.push(value),
                            Some(_) => {}
                            None => compared.push((*j, vec![value])),
                        }
                    }
                });
            }
        });
    }
    let mut found = Vec::new();
    for (list, compared, summed) in plans {
        let Type::List(r) = rec.fields[list as usize].ty else {
            continue;
        };
        let item_rec = &book.schema.records[r as usize];
        // One compared field and one counted field, as a unit mix has: the common shape.
        let ([(fixed, values)], [counted]) = (compared.as_slice(), summed.as_slice()) else {
            continue;
        };
        let Some(len) = p.case.facts.lists[list as usize]
            .as_ref()
            .map(crate::expr::Items::len)
        else {
            continue;
        };
        let count_field = &item_rec.fields[*counted as usize];
        let Some(g) = grid(count_field, None, as_of) else {
            continue;
        };
        // The first value (in the clause's order) that turns it at a count: others turning it
        // at the same count add nothing (units of 50 m2 count as small as units of 70 m2 do).
        let mut counts = Vec::new();
        let mut values = values.clone();
        // From the largest value down: the most an added item may be (units of 70 m2, not 50).
        values.sort_by(|a, b| match (a, b) {
            (Value::Num(x), Value::Num(y)) => y.cmp(x),
            _ => std::cmp::Ordering::Equal,
        });
        for value in &values {
            let mut slots = vec![None; item_rec.fields.len()];
            slots[*fixed as usize] = Some(*value);
            if let Some(items) = p.case.facts.lists[list as usize].as_mut() {
                items.push(&slots);
            }
            let slot = Slot::Item {
                list,
                item: len,
                field: *counted,
            };
            let (lo, hi) = g.ends();
            let k = p.bound(slot, &g, lo.max(0), hi, &|o| o == target);
            let change = k.and_then(|k| {
                let n = g.value(k)?;
                let name = |f: &Field| {
                    format!("{}[{}].{}", rec.fields[list as usize].name, len + 1, f.name)
                };
                let fixed_field = &item_rec.fields[*fixed as usize];
                Some(Change {
                    facts: vec![
                        FactChange {
                            fact: name(fixed_field),
                            relation: Relation::Equals,
                            value: Some(fact_value(book, fixed_field, *value)?),
                        },
                        FactChange {
                            fact: name(count_field),
                            relation: Relation::AtLeast,
                            value: Some(fact_value(book, count_field, n)?),
                        },
                    ],
                    outcome: target,
                })
            });
            // Checked on the whole case, the new item in it with its count.
            let ok = change.is_some()
                && k.and_then(|k| g.value(k)).is_some_and(|n| {
                    p.set(slot, Some(n));
                    !p.refused(&|_, lists| lists.contains(&list)) && p.outcome(&[]) == Some(target)
                });
            if let Some(items) = p.case.facts.lists[list as usize].as_mut() {
                items.truncate(len);
            }
            if ok
                && let (Some(c), Some(k)) = (change, k)
                && !counts.contains(&k)
            {
                counts.push(k);
                found.push(c);
            }
        }
    }
    found
}

/// The value of a parameter in force or a constant that `e` is (through names).
fn constant(book: &Rulebook, e: &Expr, as_of: NaiveDate) -> Option<Value> {
    fixed_value(&book.params, e, as_of).filter(|v| matches!(v, Value::Num(_)))
}

/// A fact's value as a change states it.
fn fact_value(book: &Rulebook, field: &Field, v: Value) -> Option<FactValue> {
    Some(match v {
        Value::Num(d) => FactValue::Number(Quantity::new(
            // At the fact's precision: money and areas to the hundredth (70.00 m2).
            if field.integer || field.unit_label == "ratio" {
                d.normalize().to_string()
            } else {
                let mut x = d;
                x.rescale(2);
                x.to_string()
            },
            // A whole number (a count, floors, a year) has no unit to show.
            if field.integer {
                String::new()
            } else {
                field.unit_label.clone()
            },
        )),
        Value::Bool(b) => FactValue::Bool(b),
        Value::Date(d) => FactValue::Text(d.to_string()),
        Value::Word(w) => {
            let Type::Word(set) = field.ty else {
                return None;
            };
            FactValue::Text(
                book.schema.word_sets[set as usize]
                    .words
                    .get(w as usize)?
                    .clone(),
            )
        }
        _ => return None,
    })
}

/// The other values of a yes/no or word fact (all of them where it is not given).
fn alternatives(
    book: &Rulebook,
    field: &Field,
    current: Option<Value>,
) -> impl Iterator<Item = Value> + use<> {
    let (n, yes_no) = match field.ty {
        Type::Bool => (2, true),
        Type::Word(set) => (
            book.schema.word_sets[set as usize].words.len() as u16,
            false,
        ),
        _ => (0, false),
    };
    (0..n)
        .map(move |i| {
            if yes_no {
                Value::Bool(i == 0)
            } else {
                Value::Word(i)
            }
        })
        .filter(move |v| Some(*v) != current)
}

/// The nearest change of one fact that gives outcome `target`: a bound on a number or a
/// date, or another yes/no or word.
fn toward(
    p: &mut Probe,
    (slot, field, name): (Slot, &Field, &str),
    as_of: NaiveDate,
    target: Outcome,
    found: &mut Vec<Found>,
) {
    let book = p.book;
    let want = &|o: Outcome| o == target;
    let current = p.get(slot);
    if let Some(g) = grid(field, current, as_of) {
        let (lo, hi) = g.ends();
        let here = current.and_then(|v| g.point(v));
        // A value off the grid (more decimals than its precision) is searched from its own
        // grid point, which is checked like any other; a value on it, from itself.
        let (up_from, down_from) = match here {
            Some(k) if g.value(k) == current => (k, k),
            Some(k) => (k, k.saturating_add(1).min(hi).max(lo)),
            None => (lo, hi),
        };
        // Where the clause turns once, at a point more than a step from the value given, on
        // one side of it: the other side gives what the value given does, not the target.
        let turns = here.and_then(|k| p.turning((slot, &g), k));
        // A bound is where the clause gives the target, evaluated whole: the change's outcome.
        let push = |found: &mut Vec<Found>, k: i128, relation: Relation| {
            if let Some(v) = g.value(k)
                && let Some(value) = fact_value(book, field, v)
            {
                let c = one(name, relation, Some(value), target);
                found.push((c, Made::of([(slot, v)])));
            }
        };
        let up = if turns == Some(std::cmp::Ordering::Less) {
            None
        } else {
            p.bound(slot, &g, up_from, hi, want)
        };
        // Solved above, where the clause turns once over the whole domain: not also below.
        let once = up.is_some() && p.was_solved && p.turns_once((slot, &g), (lo, hi));
        if let Some(b) = up {
            push(found, b, Relation::AtLeast);
        }
        if !once
            && turns != Some(std::cmp::Ordering::Greater)
            && let Some(b) = p.bound(slot, &g, down_from, lo, want)
        {
            push(found, b, Relation::AtMost);
        }
        return;
    }
    other_values(p, (slot, field, name), current, want, found);
}

/// The other values of a yes/no or word fact (all where it is not given) that give what
/// `want` accepts, each a change.
fn other_values(
    p: &mut Probe,
    (slot, field, name): (Slot, &Field, &str),
    current: Option<Value>,
    want: &dyn Fn(Outcome) -> bool,
    found: &mut Vec<Found>,
) {
    let book = p.book;
    // What each class of words gave ([`Probe::alike`]): a word of a class tried gives what
    // the first did; a word of the class of the word given, what the case gives as it is.
    let mut gave = [None; 64];
    if let (Some(known), Some(c @ Value::Word(_))) = (p.known, current)
        && let Value::Word(k) = p.alike(slot, c)
        && let Some(g) = gave.get_mut(usize::from(k))
    {
        *g = Some(Some(known).filter(|o| want(*o)));
    }
    for v in alternatives(book, field, current) {
        let class = match p.alike(slot, v) {
            Value::Word(k) if p.solve => gave.get_mut(usize::from(k)),
            _ => None,
        };
        let reached = match class {
            Some(Some(o)) => *o,
            Some(g) => *g.insert(p.reaches(&[(slot, v)], want)),
            None => p.reaches(&[(slot, v)], want),
        };
        if let Some(o) = reached
            && let Some(value) = fact_value(book, field, v)
        {
            let c = one(name, Relation::Equals, Some(value), o);
            found.push((c, Made::of([(slot, v)])));
        }
    }
}

/// For a fact the result waits for: the values that decide it, each with its outcome.
fn deciding(
    p: &mut Probe,
    (slot, field, name): (Slot, &Field, &str),
    as_of: NaiveDate,
    found: &mut Vec<Found>,
) {
    let book = p.book;
    if let Some(g) = grid(field, None, as_of) {
        let (lo, hi) = g.ends();
        let at = |p: &mut Probe, k: i128| g.value(k).and_then(|v| p.outcome(&[(slot, v)]));
        let (low, high) = (at(p, lo), at(p, hi));
        // The same decided outcome at both ends and at every sample between: any value.
        if let Some(o) = low.filter(|o| decided(*o) && low == high)
            && p.samples(&g, lo, hi)
                .into_iter()
                .all(|k| at(p, k) == Some(o))
        {
            found.push((one(name, Relation::Any, None, o), None));
            return;
        }
        // Else from each end that decides it, the bound to which it holds (the other end may
        // be bad input: a deposit whose deductions exceed its installation cost).
        for (end, from, relation) in [(hi, lo, Relation::AtLeast), (lo, hi, Relation::AtMost)] {
            let Some(o) = at(p, end).filter(|o| decided(*o)) else {
                continue;
            };
            if let Some(b) = p.bound(slot, &g, from, end, &|x| x == o)
                && let Some(v) = g.value(b)
                && let Some(value) = fact_value(book, field, v)
            {
                found.push((one(name, relation, Some(value), o), Made::of([(slot, v)])));
            }
        }
        return;
    }
    other_values(p, (slot, field, name), None, &decided, found);
}

/// The most facts one change names. Where no single fact turns a result, sets of two facts
/// are searched, then (where no pair does) sets of three: the smallest that turn it.
pub const MOST_FACTS: usize = 3;

/// The most combinations of moves ([`sets`]) tried for one result, all sizes together: the
/// bound on the work of searching sets of facts (a clause reading 13 facts has 78 pairs and
/// 286 sets of three).
const MOST_TRIES: usize = 4096;

/// Where no single fact turns a result: the smallest sets of facts, of two up to
/// [`MOST_FACTS`], that do. Each fact of a set moves to each of its other values (a yes/no, a
/// word) or to either end of its domain (a number, a date); where the moves together give
/// the outcome, each number is brought back to its exact bound, the others held at their
/// moves, and the set as stated is checked, and checked to need every fact it names. At most
/// eight changes, and at most [`MOST_TRIES`] combinations of moves tried.
fn sets(
    p: &mut Probe,
    slots: &[(Slot, &Field, Cow<'_, str>)],
    as_of: NaiveDate,
    target: Outcome,
) -> Vec<Found> {
    const MOST: usize = 8;
    let book = p.book;
    // Each fact's candidate moves: the other words or yes/no, a number's or a date's ends.
    let moves: Vec<Vec<Value>> = slots
        .iter()
        .map(|(slot, field, _)| {
            let current = p.get(*slot);
            match grid(field, current, as_of) {
                Some(g) => {
                    let (lo, hi) = g.ends();
                    [lo, hi].into_iter().filter_map(|k| g.value(k)).collect()
                }
                None => alternatives(book, field, current).collect(),
            }
        })
        .collect();
    let mut tries = 0;
    for size in 2..=MOST_FACTS.min(slots.len()) {
        let mut found = Vec::new();
        // The sets of `size` facts in order (0, 1), (0, 2), ..., and for each the moves of
        // its first fact outermost.
        let mut set: Vec<usize> = (0..size).collect();
        loop {
            let mut pick = vec![0; size];
            'moves: loop {
                if found.len() >= MOST || tries >= MOST_TRIES {
                    return found;
                }
                if set.iter().all(|&i| !moves[i].is_empty()) {
                    tries += 1;
                    let made = Made::of(
                        set.iter()
                            .zip(&pick)
                            .map(|(&i, &m)| (slots[i].0, moves[i][m])),
                    );
                    if let Some(made) = made
                        && p.gives(&made, &|o| o == target)
                    {
                        let facts: Vec<_> = set.iter().map(|&i| &slots[i]).collect();
                        if let Some(c) = set_change(p, &facts, &made, as_of, target) {
                            found.push(c);
                        }
                    }
                }
                // The next moves, the last fact's fastest.
                for d in (0..size).rev() {
                    pick[d] += 1;
                    if pick[d] < moves[set[d]].len() {
                        continue 'moves;
                    }
                    pick[d] = 0;
                }
                break;
            }
            // The next set of `size` facts.
            let Some(d) = (0..size).rev().find(|&d| set[d] < slots.len() - size + d) else {
                break;
            };
            set[d] += 1;
            for e in d + 1..size {
                set[e] = set[e - 1] + 1;
            }
        }
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A change of the facts of `facts` to their moves `made` that gives `target`, each number
/// brought back to the nearest value that still gives it with the other facts at their
/// moves; `None` unless the change as stated gives `target` and no fact of it can be left
/// as it is.
fn set_change(
    p: &mut Probe,
    facts: &[&(Slot, &Field, Cow<'_, str>)],
    made: &[(Slot, Value)],
    as_of: NaiveDate,
    target: Outcome,
) -> Option<Found> {
    let book = p.book;
    let mut stated = Vec::new();
    for (at, ((slot, field, name), (_, mine))) in facts.iter().copied().zip(made).enumerate() {
        let current = p.get(*slot);
        let (relation, value) = match grid(field, current, as_of) {
            Some(g) => {
                // With the other facts at their moves, the nearest point of this one that
                // gives the target, from where it stands toward its move.
                let end = g.point(*mine)?;
                let start = current.and_then(|v| g.point(v)).unwrap_or_else(|| {
                    let (lo, hi) = g.ends();
                    if end == hi { lo } else { hi }
                });
                let others = Made::of(
                    made.iter()
                        .enumerate()
                        .filter(|(j, _)| *j != at)
                        .map(|(_, m)| *m),
                )?;
                let saved: Vec<Option<Value>> = others.iter().map(|(s, _)| p.get(*s)).collect();
                for (s, v) in others.iter() {
                    p.set(*s, Some(*v));
                }
                // The case so changed has no outcome known.
                let known = p.known.take();
                let k = p.bound(*slot, &g, start, end, &|o| o == target);
                p.known = known;
                for ((s, _), old) in others.iter().zip(saved) {
                    p.set(*s, old);
                }
                let k = k.unwrap_or(end);
                let relation = if k >= start {
                    Relation::AtLeast
                } else {
                    Relation::AtMost
                };
                (relation, g.value(k)?)
            }
            None => (Relation::Equals, *mine),
        };
        stated.push((*slot, field, name, relation, value));
    }
    // The change as stated, every fact at its stated value, must give the target, and must
    // not give it with any one of them left as it is (then a smaller set would do).
    let all = Made::of(stated.iter().map(|(s, _, _, _, v)| (*s, *v)))?;
    if p.outcome(&all) != Some(target) {
        return None;
    }
    if all.len() > 2 {
        for skip in 0..all.len() {
            let fewer = Made::of(
                all.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != skip)
                    .map(|(_, m)| *m),
            )?;
            if p.outcome(&fewer) == Some(target) {
                return None;
            }
        }
    }
    let change = Change {
        facts: stated
            .into_iter()
            .map(|(_, field, name, relation, v)| {
                Some(FactChange {
                    fact: name.to_string(),
                    relation,
                    value: Some(fact_value(book, field, v)?),
                })
            })
            .collect::<Option<Vec<_>>>()?,
        outcome: target,
    };
    Some((change, Some(all)))
}

#[cfg(test)]
mod tests {
    use super::{Probe, Slot, grid};
    use crate::rulebook::plan::Var;

    /// The law the cuts state ([`Probe::cuts`]): every point between two cuts gives the clause
    /// the same outcome. Each example case, each clause of its subject and each fact it reads
    /// only in comparisons with fixed values or in arithmetic sides of comparisons (a field,
    /// or the first item's field): the cuts, the points a step and seven steps either side of
    /// each, the ends of the grid and points spread over it, evaluated; any two in the same
    /// piece give the same outcome.
    #[test]
    fn every_point_between_two_cuts_gives_the_same_outcome() {
        let book = crate::Rulebook::embedded();
        let (mut facts, mut pairs, mut linear) = (0, 0, 0);
        for (case, as_of) in crate::rulebook::plan::tests::examples() {
            let mut p = Probe::new(book, &case, as_of, true);
            for &ci in &book.by_subject[case.subject as usize] {
                p.ci = ci;
                let plan = &book.plans().0[ci];
                let vars = plan.stepped.iter().map(|(v, _)| (*v, false));
                let vars = vars.chain(plan.linear.iter().map(|l| (l.var, true)));
                let rec = book.schema.record_of(case.subject);
                for (var, is_linear) in vars.collect::<Vec<_>>() {
                    let (slot, field) = match var {
                        Var::Field(f) => (Slot::Field(f), &rec.fields[f as usize]),
                        Var::Item { list, field } => {
                            let crate::units::Type::List(r) = rec.fields[list as usize].ty else {
                                continue;
                            };
                            let slot = Slot::Item {
                                list,
                                item: 0,
                                field,
                            };
                            (
                                slot,
                                &book.schema.records[r as usize].fields[field as usize],
                            )
                        }
                    };
                    if p.get(slot).is_none() && matches!(slot, Slot::Item { .. }) {
                        continue;
                    }
                    let Some(g) = grid(field, p.get(slot), as_of) else {
                        continue;
                    };
                    let Some(cuts) = p.cuts(slot, &g) else {
                        continue;
                    };
                    let (lo, hi) = g.ends();
                    let mut ks: Vec<i128> = (0..=40).map(|i| lo + (hi - lo) * i / 40).collect();
                    for &c in &cuts {
                        ks.extend([c - 7, c - 1, c, c + 1, c + 7]);
                    }
                    ks.retain(|k| (lo..=hi).contains(k));
                    let piece = |k: i128| match cuts.binary_search(&k) {
                        Ok(i) => 2 * i + 1,
                        Err(i) => 2 * i,
                    };
                    let of: Vec<_> = ks
                        .iter()
                        .map(|&k| (k, g.value(k).and_then(|v| p.outcome(&[(slot, v)]))))
                        .collect();
                    facts += 1;
                    linear += usize::from(is_linear);
                    for (k, a) in &of {
                        for (j, b) in &of {
                            if k < j && piece(*k) == piece(*j) {
                                pairs += 1;
                                assert_eq!(
                                    a, b,
                                    "{}: {var:?} at points {k} and {j}, cuts {cuts:?}",
                                    book.clauses[ci].id
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(
            facts >= 40 && linear >= 20 && pairs >= 10_000,
            "{facts} facts ({linear} linear), {pairs} pairs"
        );
    }
}
