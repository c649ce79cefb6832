//! The expression language: parsed once at load ([`parse`]), type- and unit-checked into a
//! resolved tree ([`check`]), and evaluated many times here with three-valued logic.

pub mod check;
pub mod parse;
pub mod program;

use std::cmp::Ordering;
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

pub use parse::Duration;

use crate::units::Type;

/// A runtime value. Units are checked at load, so a number is just an exact decimal here.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Num(Decimal),
    Date(NaiveDate),
    Dur(Duration),
    /// The index of a word in its word set.
    Word(u16),
    Words(WordBits),
}

/// A set of words, one bit per word of its word set (at most 64), kept as two halves so that
/// a [`Value`] needs no 8-byte alignment: a fact's slot takes 20 bytes rather than 24, and a
/// list of items that much less memory to sweep.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct WordBits([u32; 2]);

// The layout the item lists are sized for (see `WordBits`).
const _: () = assert!(std::mem::size_of::<Option<Value>>() == 20);

impl WordBits {
    #[must_use]
    pub fn new(bits: u64) -> WordBits {
        WordBits([bits as u32, (bits >> 32) as u32])
    }

    #[must_use]
    pub fn get(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }

    /// Whether the set holds word `w`.
    #[must_use]
    pub fn has(self, w: u16) -> bool {
        w < 64 && self.get() >> w & 1 == 1
    }
}

impl Ord for WordBits {
    fn cmp(&self, other: &WordBits) -> std::cmp::Ordering {
        self.get().cmp(&other.get())
    }
}

impl PartialOrd for WordBits {
    fn partial_cmp(&self, other: &WordBits) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for WordBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#b}", self.get())
    }
}

/// The facts of one case, one slot per declared field, `None` where the case does not say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub values: Vec<Option<Value>>,
    /// For list fields: the items, each with one slot per item field.
    pub lists: Vec<Option<Items>>,
}

/// The items of a list field, stored one after another in one buffer: a project's hundred
/// unit types are read in one sweep of memory, not a hundred separate allocations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Items {
    /// Slots per item: the number of fields of the item record.
    width: usize,
    len: usize,
    slots: Vec<Option<Value>>,
}

impl Items {
    #[must_use]
    pub fn new(width: usize) -> Items {
        Items {
            width,
            len: 0,
            slots: Vec::new(),
        }
    }

    /// Adds an item: its slots, cut or padded with `None` to the width.
    pub fn push(&mut self, item: &[Option<Value>]) {
        let n = item.len().min(self.width);
        self.slots.extend_from_slice(&item[..n]);
        self.slots.resize(self.slots.len() + self.width - n, None);
        self.len += 1;
    }

    /// Empties the list for items of `width` slots, keeping its buffer.
    pub fn clear(&mut self, width: usize) {
        self.width = width;
        self.len = 0;
        self.slots.clear();
    }

    /// Adds an item with every slot `None`, and gives its slots to fill.
    #[inline]
    pub fn push_empty(&mut self) -> &mut [Option<Value>] {
        let start = self.slots.len();
        // A few slots: pushed in line, where `resize` is a call (a sixteenth of reading a
        // project's units, by callgrind).
        self.slots.reserve(self.width);
        for _ in 0..self.width {
            self.slots.push(None);
        }
        self.len += 1;
        &mut self.slots[start..]
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[must_use]
    pub fn get(&self, i: usize) -> Option<&[Option<Value>]> {
        (i < self.len).then(|| &self.slots[i * self.width..(i + 1) * self.width])
    }

    /// Keeps the first `n` items.
    pub fn truncate(&mut self, n: usize) {
        if n < self.len {
            self.slots.truncate(n * self.width);
            self.len = n;
        }
    }

    /// The slots of item `i`, to change.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut [Option<Value>]> {
        let w = self.width;
        self.slots
            .get_mut(i.checked_mul(w)?..i.checked_add(1)?.checked_mul(w)?)
    }

    #[must_use]
    pub fn iter(&self) -> ItemsIter<'_> {
        ItemsIter {
            rest: &self.slots,
            width: self.width,
            left: self.len,
        }
    }
}

/// The items of a list, in order.
#[derive(Clone, Debug)]
pub struct ItemsIter<'a> {
    /// The slots of the items not yet given, `width` each (cut from the front: no
    /// multiplication per item).
    rest: &'a [Option<Value>],
    width: usize,
    left: usize,
}

impl<'a> Iterator for ItemsIter<'a> {
    type Item = &'a [Option<Value>];
    #[inline]
    fn next(&mut self) -> Option<&'a [Option<Value>]> {
        if self.left == 0 {
            return None;
        }
        let (item, rest) = self.rest.split_at_checked(self.width)?;
        self.rest = rest;
        self.left -= 1;
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for ItemsIter<'_> {}

impl<'a> IntoIterator for &'a Items {
    type Item = &'a [Option<Value>];
    type IntoIter = ItemsIter<'a>;
    fn into_iter(self) -> ItemsIter<'a> {
        self.iter()
    }
}

impl From<Vec<Vec<Option<Value>>>> for Items {
    fn from(items: Vec<Vec<Option<Value>>>) -> Items {
        let mut out = Items::new(items.iter().map(Vec::len).max().unwrap_or(0));
        out.slots.reserve(out.width * items.len());
        for item in &items {
            out.push(item);
        }
        out
    }
}

/// Which facts an unknown result is waiting for: bits of subject fields and of item fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Missing {
    pub fields: u64,
    pub item_fields: u64,
}

impl Missing {
    fn field(i: u16) -> Missing {
        Missing {
            fields: 1 << i,
            item_fields: 0,
        }
    }
    fn item_field(i: u16) -> Missing {
        Missing {
            fields: 0,
            item_fields: 1 << i,
        }
    }
    #[must_use]
    pub fn union(self, other: Missing) -> Missing {
        Missing {
            fields: self.fields | other.fields,
            item_fields: self.item_fields | other.item_fields,
        }
    }
}

/// A result under three-valued logic: known, or unknown for want of some facts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tri {
    Known(Value),
    Unknown(Missing),
}

impl Tri {
    #[must_use]
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Tri::Known(Value::Bool(b)) => Some(b),
            _ => None,
        }
    }
    #[must_use]
    pub fn missing(self) -> Missing {
        match self {
            Tri::Unknown(m) => m,
            Tri::Known(_) => Missing::default(),
        }
    }
}

/// A failure while evaluating: the input cannot be computed exactly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("the result of `{0}` is too large or too precise for exact arithmetic")]
    Overflow(Arc<str>),
    /// Not raised by evaluation any more: a division by zero is an undefined value, unknown
    /// like a missing fact, and the report says which ratio is undefined. Kept for callers
    /// that match on it.
    #[error("`{0}` divides by zero")]
    DivisionByZero(Arc<str>),
    #[error("`{0}` falls outside the calendar")]
    DateOutOfRange(Arc<str>),
    #[error("parameter `{name}` has no value in force on {date}")]
    NoParameterValue { name: Arc<str>, date: NaiveDate },
}

/// A dated parameter: one value per period, periods not overlapping.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: Arc<str>,
    pub ty: Type,
    pub versions: Vec<ParamVersion>,
    /// What a report calls the parameter.
    pub label: crate::labels::Label,
}

#[derive(Clone, Debug)]
pub struct ParamVersion {
    pub from: NaiveDate,
    /// Last day in force, inclusive; `None` runs on.
    pub until: Option<NaiveDate>,
    pub value: Value,
}

impl Param {
    #[must_use]
    pub fn value_on(&self, date: NaiveDate) -> Option<Value> {
        self.versions
            .iter()
            .find(|v| v.from <= date && v.until.is_none_or(|u| date <= u))
            .map(|v| v.value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    #[must_use]
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggOp {
    Count,
    Sum,
    All,
    Any,
}

/// A checked expression: every name resolved to a slot, every type and unit known.
#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    /// The source text this node came from, for explanations and error messages.
    pub text: Arc<str>,
    /// This node shared, made on first use: a reason keeps the node it explains and puts it
    /// into words only when it is read.
    pub shared: std::sync::OnceLock<Arc<Expr>>,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Const(Value),
    Field(u16),
    ItemField(u16),
    Param(u32),
    AsOf,
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// A word among a set of words (`use in [residential, public]`): the bits of the set.
    WordIn(Box<Expr>, u64),
    /// A set of words holding one word (`new_talent in priority`).
    HasWord(Box<Expr>, u16),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    MinMax {
        max: bool,
        args: Vec<Expr>,
    },
    Agg {
        op: AggOp,
        list: u16,
        body: Option<Box<Expr>>,
        filter: Option<Box<Expr>>,
    },
    /// A date moved by a duration, forwards or backwards.
    Shift {
        date: Box<Expr>,
        by: Box<Expr>,
        back: bool,
    },
    EndOfYear(Box<Expr>),
    /// A named definition or clause variable, kept for explanations. Its body is checked once
    /// per definition and subject and shared by every use: the rules form a graph with no
    /// cycle (a DAG), as large as the file, however often a definition is used by the next.
    /// A body never reads a list item's field outside an aggregate of its own (definitions
    /// and clause variables are checked outside any list), so its value is the same for
    /// every item of a list it is used under.
    Named(Arc<crate::labels::Name>, Arc<Expr>),
}

/// A hasher for addresses: a multiply and a fold, not SipHash, for the sets and maps that
/// walks of the graph keep of shared definitions' bodies.
#[derive(Default)]
pub struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used for addresses (`write_usize`), but a hasher takes any bytes.
        for &b in bytes {
            self.write_usize(usize::from(b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        let h = (n as u64 ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The high bits folded into the low ones, which pick the bucket.
        self.0 = h ^ (h >> 29);
    }
}

/// How many entries an [`AddrMap`] holds in a list before it takes a hash table.
const FEW: usize = 8;

/// A map from addresses of shared bodies: the first few in a list, read in turn (an
/// evaluation of the rulebook's clauses meets a handful, and an empty one allocates
/// nothing), the rest in a hash table.
pub struct AddrMap<V> {
    few: Vec<(usize, V)>,
    more: std::collections::HashMap<usize, V, std::hash::BuildHasherDefault<AddrHasher>>,
}

impl<V> Default for AddrMap<V> {
    fn default() -> Self {
        AddrMap {
            few: Vec::new(),
            more: std::collections::HashMap::default(),
        }
    }
}

impl<V> AddrMap<V> {
    #[must_use]
    pub fn get(&self, key: usize) -> Option<&V> {
        match self.few.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(v),
            None if self.more.is_empty() => None,
            None => self.more.get(&key),
        }
    }

    /// Puts `value` under `key`, which is not in the map yet.
    pub fn insert(&mut self, key: usize, value: V) {
        if self.few.len() < FEW {
            self.few.push((key, value));
        } else {
            self.more.insert(key, value);
        }
    }

    /// What `f` gives for the name whose body is `body`, worked out once for a shared body
    /// (kept here by its address) and every time for a body used once.
    pub fn once(&mut self, body: &Arc<Expr>, f: impl FnOnce(&mut Self) -> V) -> V
    where
        V: Clone,
    {
        let Some(key) = shared_addr(body) else {
            return f(self);
        };
        if let Some(v) = self.get(key) {
            return v.clone();
        }
        let v = f(self);
        self.insert(key, v.clone());
        v
    }

    pub fn clear(&mut self) {
        self.few.clear();
        if !self.more.is_empty() {
            self.more.clear();
        }
    }
}

/// A set of addresses of shared bodies (see [`AddrMap`]).
#[derive(Default)]
pub struct AddrSet(AddrMap<()>);

impl AddrSet {
    /// Adds `key`: whether it was not in the set.
    pub fn insert(&mut self, key: usize) -> bool {
        let new = self.0.get(key).is_none();
        if new {
            self.0.insert(key, ());
        }
        new
    }
}

/// The address of a definition's body where more than one use shares it: what a walk of the
/// graph remembers so as to read it once. A body used once is reached once, and costs no
/// entry (most of the rulebook's definitions are used once).
#[must_use]
pub fn shared_addr(body: &Arc<Expr>) -> Option<usize> {
    (Arc::strong_count(body) > 1).then_some(Arc::as_ptr(body) as usize)
}

/// The values of shared definitions worked out in one evaluation (one case, one date), by
/// the address of their body: each is evaluated once however many uses reach it. Empty, it
/// costs nothing; a definition used once is never put in it.
#[derive(Default)]
pub struct Memo(std::cell::RefCell<AddrMap<Tri>>);

impl Memo {
    /// The key of the shared body `e`, when it is worth remembering: used more than once and
    /// more than a leaf.
    fn key(e: &Arc<Expr>) -> Option<usize> {
        let leaf = matches!(
            e.kind,
            ExprKind::Const(_) | ExprKind::Field(_) | ExprKind::Param(_) | ExprKind::AsOf
        );
        if leaf { None } else { shared_addr(e) }
    }

    fn get(&self, key: usize) -> Option<Tri> {
        self.0.borrow().get(key).copied()
    }

    fn put(&self, key: usize, t: Tri) {
        self.0.borrow_mut().insert(key, t);
    }

    /// Forgets every value: for other facts, parameters or another date.
    pub fn clear(&mut self) {
        self.0.get_mut().clear();
    }
}

/// What an evaluation reads: the case's facts, the parameters, the date.
#[derive(Clone, Copy)]
pub struct Cx<'a> {
    pub facts: &'a Facts,
    pub item: Option<&'a [Option<Value>]>,
    pub params: &'a [Param],
    pub as_of: NaiveDate,
    /// The shared definitions evaluated so far with these facts, parameters and date.
    pub memo: &'a Memo,
}

impl Expr {
    /// This node as shared data (a copy made once, then shared).
    pub fn share(&self) -> Arc<Expr> {
        self.shared.get_or_init(|| Arc::new(self.clone())).clone()
    }

    /// [`eval`](Self::eval), with a fact or a constant read in line: half the nodes of a
    /// clause are such leaves, and a call per leaf was most of the cost of finding the facts
    /// an undetermined clause waits for.
    #[inline(always)]
    fn eval_leaf(&self, cx: &Cx) -> Result<Tri, EvalError> {
        match &self.kind {
            ExprKind::Const(v) => Ok(Tri::Known(*v)),
            ExprKind::Field(i) => Ok(match cx.facts.values.get(*i as usize).copied().flatten() {
                Some(v) => Tri::Known(v),
                None => Tri::Unknown(Missing::field(*i)),
            }),
            _ => self.eval(cx),
        }
    }

    pub fn eval(&self, cx: &Cx) -> Result<Tri, EvalError> {
        use ExprKind as K;
        Ok(match &self.kind {
            K::Const(v) => Tri::Known(*v),
            K::Field(i) => match cx.facts.values.get(*i as usize).copied().flatten() {
                Some(v) => Tri::Known(v),
                None => Tri::Unknown(Missing::field(*i)),
            },
            K::ItemField(i) => match cx
                .item
                .and_then(|it| it.get(*i as usize).copied().flatten())
            {
                Some(v) => Tri::Known(v),
                None => Tri::Unknown(Missing::item_field(*i)),
            },
            K::Param(i) => {
                let p = &cx.params[*i as usize];
                match p.value_on(cx.as_of) {
                    Some(v) => Tri::Known(v),
                    None => {
                        return Err(EvalError::NoParameterValue {
                            name: p.name.clone(),
                            date: cx.as_of,
                        });
                    }
                }
            }
            K::AsOf => Tri::Known(Value::Date(cx.as_of)),
            K::Named(_, inner) => match Memo::key(inner) {
                None => inner.eval_leaf(cx)?,
                Some(k) => {
                    if let Some(t) = cx.memo.get(k) {
                        return Ok(t);
                    }
                    let t = inner.eval(cx)?;
                    cx.memo.put(k, t);
                    t
                }
            },
            K::Not(inner) => match inner.eval_leaf(cx)? {
                Tri::Known(Value::Bool(b)) => Tri::Known(Value::Bool(!b)),
                other => other,
            },
            K::Neg(inner) => match inner.eval_leaf(cx)? {
                Tri::Known(Value::Num(n)) => Tri::Known(Value::Num(-n)),
                other => other,
            },
            K::And(l, r) => {
                let a = l.eval_leaf(cx)?;
                if a.as_bool() == Some(false) {
                    return Ok(a);
                }
                let b = r.eval_leaf(cx)?;
                match (a, b) {
                    (_, Tri::Known(Value::Bool(false))) => b,
                    (Tri::Known(_), Tri::Known(_)) => b,
                    _ => Tri::Unknown(a.missing().union(b.missing())),
                }
            }
            K::Or(l, r) => {
                let a = l.eval_leaf(cx)?;
                if a.as_bool() == Some(true) {
                    return Ok(a);
                }
                let b = r.eval_leaf(cx)?;
                match (a, b) {
                    (_, Tri::Known(Value::Bool(true))) => b,
                    (Tri::Known(_), Tri::Known(_)) => b,
                    _ => Tri::Unknown(a.missing().union(b.missing())),
                }
            }
            K::Arith(op, l, r) => match (l.eval_leaf(cx)?, r.eval_leaf(cx)?) {
                // A ratio over zero is undefined: unknown, waiting for no fact.
                (Tri::Known(_), Tri::Known(Value::Num(y)))
                    if *op == ArithOp::Div && y.is_zero() =>
                {
                    Tri::Unknown(Missing::default())
                }
                (Tri::Known(a), Tri::Known(b)) => Tri::Known(self.arith(*op, a, b)?),
                (a, b) => Tri::Unknown(a.missing().union(b.missing())),
            },
            // A ratio is compared as the fraction it is, never as its rounded quotient.
            K::Cmp(op, l, r) if ratio_parts(l).is_some() || ratio_parts(r).is_some() => {
                match (l.fraction(cx)?, r.fraction(cx)?) {
                    (Ok((n1, d1)), Ok((n2, d2))) => {
                        Tri::Known(Value::Bool(op.holds(order_ratios(n1, d1, n2, d2))))
                    }
                    (a, b) => Tri::Unknown(
                        a.err()
                            .unwrap_or_default()
                            .union(b.err().unwrap_or_default()),
                    ),
                }
            }
            K::Cmp(op, l, r) => match (l.eval_leaf(cx)?, r.eval_leaf(cx)?) {
                (Tri::Known(a), Tri::Known(b)) => Tri::Known(Value::Bool(op.holds(compare(a, b)))),
                (a, b) => Tri::Unknown(a.missing().union(b.missing())),
            },
            K::WordIn(inner, set) => match inner.eval_leaf(cx)? {
                Tri::Known(Value::Word(w)) => Tri::Known(Value::Bool(set >> w & 1 == 1)),
                other => other,
            },
            K::HasWord(inner, w) => match inner.eval_leaf(cx)? {
                Tri::Known(Value::Words(set)) => Tri::Known(Value::Bool(set.has(*w))),
                other => other,
            },
            K::If(c, a, b) => match c.eval_leaf(cx)? {
                Tri::Known(Value::Bool(true)) => a.eval_leaf(cx)?,
                Tri::Known(_) => b.eval_leaf(cx)?,
                Tri::Unknown(m) => {
                    // Both branches agreeing decides the value whatever the condition.
                    match (a.eval_leaf(cx)?, b.eval_leaf(cx)?) {
                        (Tri::Known(x), Tri::Known(y)) if x == y => Tri::Known(x),
                        (x, y) => Tri::Unknown(m.union(x.missing()).union(y.missing())),
                    }
                }
            },
            K::MinMax { max, args } => {
                let mut best: Option<Value> = None;
                let mut missing = Missing::default();
                let mut unknown = false;
                for arg in args {
                    match arg.eval_leaf(cx)? {
                        Tri::Known(v) => {
                            best = Some(match best {
                                None => v,
                                Some(b) => {
                                    let ord = compare(v, b);
                                    if (*max && ord == Ordering::Greater)
                                        || (!*max && ord == Ordering::Less)
                                    {
                                        v
                                    } else {
                                        b
                                    }
                                }
                            });
                        }
                        Tri::Unknown(m) => {
                            unknown = true;
                            missing = missing.union(m);
                        }
                    }
                }
                match best {
                    Some(v) if !unknown => Tri::Known(v),
                    _ => Tri::Unknown(missing),
                }
            }
            K::Agg {
                op,
                list,
                body,
                filter,
            } => self.aggregate(cx, *op, *list, body.as_deref(), filter.as_deref())?,
            K::Shift { date, by, back } => match (date.eval_leaf(cx)?, by.eval_leaf(cx)?) {
                (Tri::Known(Value::Date(d)), Tri::Known(Value::Dur(dur))) => {
                    Tri::Known(Value::Date(
                        shift(d, dur, *back)
                            .ok_or_else(|| EvalError::DateOutOfRange(self.text.clone()))?,
                    ))
                }
                (a, b) => Tri::Unknown(a.missing().union(b.missing())),
            },
            K::EndOfYear(inner) => match inner.eval_leaf(cx)? {
                Tri::Known(Value::Date(d)) => Tri::Known(Value::Date(
                    NaiveDate::from_ymd_opt(d.year(), 12, 31)
                        .ok_or_else(|| EvalError::DateOutOfRange(self.text.clone()))?,
                )),
                Tri::Known(Value::Num(y)) => Tri::Known(Value::Date(
                    end_of_year(y).ok_or_else(|| EvalError::DateOutOfRange(self.text.clone()))?,
                )),
                other => other,
            },
        })
    }

    /// A number as a fraction `(numerator, denominator)`: a quotient's two sides as they
    /// stand (evaluated in the order the quotient evaluates them), anything else over one. A
    /// zero denominator is undefined: unknown, waiting for no fact, as the quotient is.
    fn fraction(&self, cx: &Cx) -> Result<Result<(Decimal, Decimal), Missing>, EvalError> {
        let (n, d) = match ratio_parts(self) {
            Some((n, d)) => (n.eval_leaf(cx)?, d.eval_leaf(cx)?),
            None => (self.eval_leaf(cx)?, Tri::Known(Value::Num(Decimal::ONE))),
        };
        Ok(match (n, d) {
            (Tri::Known(Value::Num(_)), Tri::Known(Value::Num(y))) if y.is_zero() => {
                Err(Missing::default())
            }
            (Tri::Known(Value::Num(x)), Tri::Known(Value::Num(y))) => Ok((x, y)),
            (n, d) => Err(n.missing().union(d.missing())),
        })
    }

    fn arith(&self, op: ArithOp, a: Value, b: Value) -> Result<Value, EvalError> {
        let (Value::Num(x), Value::Num(y)) = (a, b) else {
            // The checker admits only numbers here.
            return Err(EvalError::Overflow(self.text.clone()));
        };
        let r = match op {
            ArithOp::Div if y.is_zero() => {
                return Err(EvalError::DivisionByZero(self.text.clone()));
            }
            op => exact(op, x, y),
        };
        r.map(Value::Num)
            .ok_or_else(|| EvalError::Overflow(self.text.clone()))
    }

    fn aggregate(
        &self,
        cx: &Cx,
        op: AggOp,
        list: u16,
        body: Option<&Expr>,
        filter: Option<&Expr>,
    ) -> Result<Tri, EvalError> {
        let Some(items) = cx.facts.lists.get(list as usize).and_then(|l| l.as_ref()) else {
            return Ok(Tri::Unknown(Missing::field(list)));
        };
        let mut missing = Missing::default();
        let mut unknown = false;
        let mut total = Decimal::ZERO;
        let mut decided: Option<bool> = None;
        for item in items {
            let icx = Cx {
                item: Some(item),
                ..*cx
            };
            if let Some(f) = filter {
                match f.eval(&icx)? {
                    Tri::Known(Value::Bool(true)) => {}
                    Tri::Known(_) => continue,
                    Tri::Unknown(m) => {
                        unknown = true;
                        missing = missing.union(m);
                        continue;
                    }
                }
            }
            match op {
                AggOp::Count => {
                    total = total
                        .checked_add(Decimal::ONE)
                        .ok_or_else(|| EvalError::Overflow(self.text.clone()))?;
                }
                AggOp::Sum => match body.map(|b| b.eval(&icx)).transpose()? {
                    Some(Tri::Known(Value::Num(n))) => {
                        total = exact(ArithOp::Add, total, n)
                            .ok_or_else(|| EvalError::Overflow(self.text.clone()))?;
                    }
                    Some(t) => {
                        unknown = true;
                        missing = missing.union(t.missing());
                    }
                    None => {}
                },
                AggOp::All | AggOp::Any => {
                    let want = op == AggOp::Any;
                    match body.map(|b| b.eval(&icx)).transpose()? {
                        // One counter-example decides `all`, one example `any`: the rest
                        // cannot change it, as `false and x` does not look at `x`.
                        Some(Tri::Known(Value::Bool(b))) if b == want => {
                            decided = Some(want);
                            break;
                        }
                        Some(Tri::Known(_)) => {}
                        Some(t) => {
                            unknown = true;
                            missing = missing.union(t.missing());
                        }
                        None => {}
                    }
                }
            }
        }
        Ok(match op {
            AggOp::Count | AggOp::Sum => {
                if unknown {
                    Tri::Unknown(missing)
                } else {
                    Tri::Known(Value::Num(total))
                }
            }
            AggOp::All | AggOp::Any => {
                let want = op == AggOp::Any;
                match decided {
                    // One counter-example decides `all`; one example decides `any`.
                    Some(_) => Tri::Known(Value::Bool(want)),
                    None if unknown => Tri::Unknown(missing),
                    None => Tri::Known(Value::Bool(!want)),
                }
            }
        })
    }

    /// Calls `f` on each node directly below this one, in order. The one place that knows the
    /// shape of every kind of node: every walk of the tree goes through it, so a new kind of
    /// node (a function) is added here, in the parser, the checker, [`Expr::eval`] and the
    /// words of a reason (`explain.rs`), and nowhere else must change.
    pub fn for_each_child<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        use ExprKind as K;
        match &self.kind {
            K::Const(_) | K::Field(_) | K::ItemField(_) | K::Param(_) | K::AsOf => {}
            K::Not(a) | K::Neg(a) | K::WordIn(a, _) | K::HasWord(a, _) | K::EndOfYear(a) => f(a),
            K::Named(_, a) => f(a),
            K::And(a, b) | K::Or(a, b) | K::Arith(_, a, b) | K::Cmp(_, a, b) => {
                f(a);
                f(b);
            }
            K::Shift { date, by, .. } => {
                f(date);
                f(by);
            }
            K::If(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            K::MinMax { args, .. } => args.iter().for_each(f),
            K::Agg { body, filter, .. } => {
                if let Some(b) = body {
                    f(b);
                }
                if let Some(x) = filter {
                    f(x);
                }
            }
        }
    }

    /// Calls `f` on this node and every node below it, the body of a shared definition once
    /// however many uses reach it (a walk of the graph, not of the tree written out).
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        self.walk_once(f, &mut AddrSet::default());
    }

    /// [`walk`](Self::walk), skipping the shared bodies in `seen` and adding those it visits.
    pub fn walk_once(&self, f: &mut dyn FnMut(&Expr), seen: &mut AddrSet) {
        f(self);
        if let ExprKind::Named(_, body) = &self.kind
            && shared_addr(body).is_some_and(|k| !seen.insert(k))
        {
            return;
        }
        self.for_each_child(&mut |c| c.walk_once(f, seen));
    }

    /// The longest path from this node down to a leaf, counting this node: how deep anything
    /// recursing through it goes. Each node is measured once however many uses reach it, and
    /// without recursion.
    #[must_use]
    pub fn depth(&self) -> usize {
        enum Step<'e> {
            Enter(&'e Expr),
            /// Leave a node whose children's depths are on `found` from this index on.
            Leave(&'e Expr, usize),
        }
        let addr = |e: &Expr| std::ptr::from_ref(e) as usize;
        let mut known: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let mut stack = vec![Step::Enter(self)];
        let mut found: Vec<usize> = Vec::new();
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(e) => match known.get(&addr(e)) {
                    Some(&d) => found.push(d),
                    None => {
                        stack.push(Step::Leave(e, found.len()));
                        e.for_each_child(&mut |c| stack.push(Step::Enter(c)));
                    }
                },
                Step::Leave(e, from) => {
                    let d = 1 + found.drain(from..).max().unwrap_or(0);
                    known.insert(addr(e), d);
                    found.push(d);
                }
            }
        }
        found.pop().unwrap_or(1)
    }
}

fn compare(a: Value, b: Value) -> Ordering {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.cmp(&y),
        (Value::Date(x), Value::Date(y)) => x.cmp(&y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(&y),
        (Value::Word(x), Value::Word(y)) => x.cmp(&y),
        (Value::Words(x), Value::Words(y)) => x.cmp(&y),
        // The checker never pairs different kinds; treat them as unequal.
        _ => Ordering::Less,
    }
}

/// The two sides of a quotient (`a / b`, through any names given to it), for comparing it
/// exactly; `None` for any other expression.
pub fn ratio_parts(e: &Expr) -> Option<(&Expr, &Expr)> {
    match &e.kind {
        ExprKind::Named(_, inner) => ratio_parts(inner),
        ExprKind::Arith(ArithOp::Div, n, d) => Some((n, d)),
        _ => None,
    }
}

/// The order of `n1 / d1` against `n2 / d2` (denominators not zero), exactly: the numerators
/// cross-multiplied, never a quotient rounded at 28 digits. 25,000,000,000,000,000,000,000,000.00
/// over 100,000,000,000,000,000,000,000,000.01 is below 25%, although its quotient rounds to
/// 0.25.
#[must_use]
pub fn order_ratios(n1: Decimal, d1: Decimal, n2: Decimal, d2: Decimal) -> Ordering {
    let ord = order_products(n1, d2, n2, d1);
    // Multiplying both sides by d1 × d2 turns the order when that is negative.
    if d1.is_sign_negative() == d2.is_sign_negative() {
        ord
    } else {
        ord.reverse()
    }
}

/// The order of `a × b` against `c × d`, exactly: in decimals where both products fit, else in
/// big integers at a common scale.
fn order_products(a: Decimal, b: Decimal, c: Decimal, d: Decimal) -> Ordering {
    if let (Some(x), Some(y)) = (exact(ArithOp::Mul, a, b), exact(ArithOp::Mul, c, d)) {
        return x.cmp(&y);
    }
    use num_bigint::BigInt;
    let wide = |x: Decimal, y: Decimal| {
        (
            BigInt::from(x.mantissa()) * BigInt::from(y.mantissa()),
            x.scale() + y.scale(),
        )
    };
    let ((p, sp), (q, sq)) = (wide(a, b), wide(c, d));
    let ten = |k: u32| BigInt::from(10u8).pow(k);
    if sp <= sq {
        (p * ten(sq - sp)).cmp(&q)
    } else {
        p.cmp(&(q * ten(sp - sq)))
    }
}

/// `x op y` exactly, or `None` when `rust_decimal` cannot hold the exact result: a sum or
/// product is never silently rounded (`rust_decimal`'s own `checked_*` round a result that
/// needs more than 28 decimals or 96 bits). A quotient is rounded at 28 decimals, since most
/// need infinitely many digits: that is what a ratio is reported as, while a comparison with a
/// ratio never uses it ([`order_ratios`]).
#[must_use]
pub fn exact(op: ArithOp, x: Decimal, y: Decimal) -> Option<Decimal> {
    match op {
        ArithOp::Add | ArithOp::Sub | ArithOp::Mul => {
            exact_small(op, x, y).or_else(|| exact_any(op, x, y))
        }
        ArithOp::Div => x.checked_div(y),
    }
}

/// A running sum of decimals from zero, each step giving what `exact(Add, total, term)`
/// gives, to the bit (a test checks it), but kept in an i128 mantissa and a scale so that no
/// decimal is rebuilt per term. `add` is `None` where `exact` is (the sum is not exact).
#[derive(Clone, Copy, Debug, Default)]
pub struct ExactSum {
    m: i128,
    scale: u32,
    /// A zero total's sign: 0 + y is y as it stands, negative zero too.
    negative_zero: bool,
    /// The total once it has left the common case, summed by `exact` from there on.
    general: Option<Decimal>,
}

impl ExactSum {
    #[inline(always)]
    pub fn add(&mut self, term: &Decimal) -> Option<()> {
        // Most terms: nonzero, at the scale of a nonzero total, and the sum small. In line,
        // as `add_any` gives it: the sum at that scale.
        if self.general.is_none() && self.m != 0 && term.scale() == self.scale {
            let tm = term.mantissa();
            if tm != 0
                && let Some(r) = self.m.checked_add(tm)
                && r.unsigned_abs() < MANTISSA_END
            {
                (self.m, self.negative_zero) = (r, false);
                return Some(());
            }
        }
        self.add_any(term)
    }

    #[inline(never)]
    fn add_any(&mut self, term: &Decimal) -> Option<()> {
        if let Some(total) = self.general {
            self.general = Some(exact(ArithOp::Add, total, *term)?);
            return Some(());
        }
        let (tm, ts) = (term.mantissa(), term.scale());
        if self.m == 0 {
            // 0 + y is y, as it stands.
            (self.m, self.scale, self.negative_zero) = (tm, ts, term.is_sign_negative());
            return Some(());
        }
        if tm == 0 {
            return Some(()); // x + 0 is x
        }
        // Both at the larger scale, as rust_decimal adds; a sum of 96 bits or more, or one that
        // does not align in an i128, is left to `exact`.
        let scale = self.scale.max(ts);
        let up = |m: i128, s: u32| {
            if s == scale {
                Some(m)
            } else {
                m.checked_mul(POWERS_OF_TEN[(scale - s) as usize])
            }
        };
        let sum = up(self.m, self.scale)
            .zip(up(tm, ts))
            .and_then(|(a, b)| a.checked_add(b))
            .filter(|r| r.unsigned_abs() < MANTISSA_END);
        match sum {
            // rust_decimal gives x + (-x) a positive sign.
            Some(r) => (self.m, self.scale, self.negative_zero) = (r, scale, false),
            None => self.general = Some(exact(ArithOp::Add, self.total(), *term)?),
        }
        Some(())
    }

    #[must_use]
    pub fn total(&self) -> Decimal {
        if let Some(total) = self.general {
            return total;
        }
        let mut d = Decimal::from_i128_with_scale(self.m, self.scale);
        if self.m == 0 && self.negative_zero {
            d.set_sign_negative(true);
        }
        d
    }
}

/// 10^0 to 10^28.
pub(crate) const POWERS_OF_TEN: [i128; 29] = {
    let mut p = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// 2^96: a decimal's mantissa is below it.
const MANTISSA_END: u128 = 1 << 96;

/// The common cases of [`exact`], cheaply: the same result as [`exact_any`], scale and all (a
/// test checks it), or `None` to leave the case to it.
fn exact_small(op: ArithOp, x: Decimal, y: Decimal) -> Option<Decimal> {
    match op {
        ArithOp::Add | ArithOp::Sub => {
            // rust_decimal adds at the larger scale, and only lowers the scale (rounding) when
            // the sum does not fit: at that scale, the sum is exact.
            let r = if op == ArithOp::Add {
                x.checked_add(y)?
            } else {
                x.checked_sub(y)?
            };
            (r.scale() == x.scale().max(y.scale())).then_some(r)
        }
        _ => {
            // As `exact_any`, for mantissas of 64 bits: each operand without trailing zeros,
            // then the product of the mantissas at the sum of the scales.
            let ((ux, sx), (uy, sy)) = (stripped(x)?, stripped(y)?);
            let (m, scale) = (u128::from(ux) * u128::from(uy), sx + sy);
            if scale > 28 || m >= MANTISSA_END {
                return None;
            }
            // Below 2^96, so it fits an i128 either way.
            let m = if x.is_sign_negative() == y.is_sign_negative() {
                m as i128
            } else {
                -(m as i128)
            };
            Some(Decimal::from_i128_with_scale(m, scale))
        }
    }
}

/// One factor of many products, made ready once: `k.times(y)` gives what
/// `exact(Mul, k, y)` gives (a test checks it, to the bit), with `k` stripped of its trailing
/// zeros once rather than at each product. `None` from either leaves the product to `exact`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Factor {
    m: u64,
    scale: u32,
    negative: bool,
}

impl Factor {
    pub(crate) fn new(k: Decimal) -> Option<Factor> {
        let (m, scale) = stripped(k)?;
        Some(Factor {
            m,
            scale,
            negative: k.is_sign_negative(),
        })
    }

    #[inline(always)]
    pub(crate) fn times(self, y: Decimal) -> Option<Decimal> {
        let (uy, sy) = stripped(y)?;
        let (m, scale) = (u128::from(self.m) * u128::from(uy), self.scale + sy);
        if scale > 28 || m >= MANTISSA_END {
            return None;
        }
        // As `exact_small` builds it: a product of zero is a positive zero.
        let negative = self.negative != y.is_sign_negative() && m != 0;
        Some(Decimal::from_parts(
            m as u32,
            (m >> 32) as u32,
            (m >> 64) as u32,
            negative,
            scale,
        ))
    }
}

/// A decimal's mantissa of at most 64 bits, with its scale, both without trailing zeros.
#[inline]
fn stripped(d: Decimal) -> Option<(u64, u32)> {
    let (mut u, mut s) = (u64::try_from(d.mantissa().unsigned_abs()).ok()?, d.scale());
    while s > 0 && u % 10 == 0 {
        u /= 10;
        s -= 1;
    }
    Some((u, s))
}

/// [`exact`] for any operands.
fn exact_any(op: ArithOp, x: Decimal, y: Decimal) -> Option<Decimal> {
    match op {
        ArithOp::Add => {
            let r = x.checked_add(y)?;
            (r.checked_sub(y) == Some(x) && r.checked_sub(x) == Some(y)).then_some(r)
        }
        ArithOp::Sub => {
            let r = x.checked_sub(y)?;
            (r.checked_add(y) == Some(x) && x.checked_sub(r) == Some(y)).then_some(r)
        }
        ArithOp::Mul => {
            let (x, y) = (x.normalize(), y.normalize());
            let mut m = x.mantissa().checked_mul(y.mantissa())?;
            let mut scale = x.scale() + y.scale();
            // Trailing zeros of the product's fraction are not precision: dropping them keeps
            // the value exact, and lets a product that fits 96 bits only without them (200 ×
            // 0.1234567890123456789012345678) be held rather than refused.
            while scale > 0 && (scale > 28 || m.unsigned_abs() >= MANTISSA_END) && m % 10 == 0 {
                m /= 10;
                scale -= 1;
            }
            if scale > 28 {
                return None;
            }
            Decimal::try_from_i128_with_scale(m, scale).ok()
        }
        ArithOp::Div => x.checked_div(y),
    }
}

/// The last day of year `y`, a whole number in the calendar; `None` for any other number.
#[must_use]
pub fn end_of_year(y: Decimal) -> Option<NaiveDate> {
    if !y.fract().is_zero() {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(y.mantissa() / POWERS_OF_TEN[y.scale() as usize]).ok()?,
        12,
        31,
    )
}

/// A date moved by whole months (clamped to the month's last day) and days.
#[must_use]
pub fn shift(d: NaiveDate, by: Duration, back: bool) -> Option<NaiveDate> {
    let months = Months::new(by.months.unsigned_abs());
    let forward_months = (by.months >= 0) != back;
    let d = if forward_months {
        d.checked_add_months(months)?
    } else {
        d.checked_sub_months(months)?
    };
    let days = chrono::Days::new(u64::from(by.days.unsigned_abs()));
    if (by.days >= 0) == back {
        d.checked_sub_days(days)
    } else {
        d.checked_add_days(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decimals of every size, scale and sign, weighted toward the small ones the rules see.
    fn decimal() -> impl Strategy<Value = Decimal> {
        let mantissa = prop_oneof![
            Just(0i128),
            -1000i128..1000,
            -(1i128 << 64)..(1i128 << 64),
            -((1i128 << 96) - 1)..(1i128 << 96),
        ];
        (mantissa, 0u32..=28, any::<bool>()).prop_map(|(m, s, neg_zero)| {
            let d = Decimal::from_i128_with_scale(m, s);
            if m == 0 && neg_zero { -d } else { d }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// A factor made ready once multiplies as `exact` does, to the bit, or leaves the
        /// product to it; and it takes the common products.
        #[test]
        fn a_factor_multiplies_as_exact_does(k in decimal(), y in decimal()) {
            if let Some(p) = Factor::new(k).and_then(|f| f.times(y)) {
                let want = exact(ArithOp::Mul, k, y);
                prop_assert_eq!(Some(p.serialize()), want.map(|d| d.serialize()), "{} {}", k, y);
            }
        }

        /// The shortcut gives, to the bit, what the general way gives: the same value, scale
        /// and sign, or it leaves the case to the general way.
        #[test]
        fn exact_small_agrees_with_exact_any(x in decimal(), y in decimal()) {
            for op in [ArithOp::Add, ArithOp::Sub, ArithOp::Mul] {
                if let Some(fast) = exact_small(op, x, y) {
                    let slow = exact_any(op, x, y);
                    prop_assert_eq!(Some(fast.serialize()), slow.map(|d| d.serialize()), "{:?} {} {}", op, x, y);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// A running sum gives what adding term by term with `exact` gives, to the bit, and
        /// fails where it fails.
        #[test]
        fn exact_sum_agrees_with_exact_term_by_term(terms in prop::collection::vec(decimal(), 0..12)) {
            let mut sum = ExactSum::default();
            let mut total = Some(Decimal::ZERO);
            for t in &terms {
                total = total.and_then(|x| exact(ArithOp::Add, x, *t));
                let ok = sum.add(t);
                prop_assert_eq!(ok.is_some(), total.is_some(), "{:?}", terms);
                let Some(total) = total else { break };
                prop_assert_eq!(sum.total().serialize(), total.serialize(), "{:?}", terms);
            }
        }
    }

    /// A denominator: any decimal but zero (a zero, often drawn, becomes minus one).
    fn nonzero() -> impl Strategy<Value = Decimal> {
        decimal().prop_map(|d| {
            if d.is_zero() {
                Decimal::NEGATIVE_ONE
            } else {
                d
            }
        })
    }

    /// A decimal as the exact rational it is: an independent reference (reduced fractions of
    /// big integers) for the comparisons of quotients.
    fn rational(d: Decimal) -> num_rational::BigRational {
        num_rational::BigRational::new(
            d.mantissa().into(),
            num_bigint::BigInt::from(10u8).pow(d.scale()),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// A ratio's verdict is the exact rational comparison, at every size and scale up to
        /// the top of the decimal range: never the comparison of a quotient rounded at 28
        /// digits.
        #[test]
        fn ratios_compare_as_exact_rationals(n1 in decimal(), d1 in nonzero(), n2 in decimal(), d2 in nonzero()) {
            let want = (rational(n1) / rational(d1)).cmp(&(rational(n2) / rational(d2)));
            prop_assert_eq!(order_ratios(n1, d1, n2, d2), want, "{}/{} against {}/{}", n1, d1, n2, d2);
        }

        /// A ratio against its threshold exactly at the threshold, and one unit of the last
        /// place either side of it in the numerator: the sides are told apart however large.
        #[test]
        fn a_ratio_just_off_its_threshold_is_told_apart(d in nonzero(), t in decimal()) {
            if let Some(n) = exact(ArithOp::Mul, t, d) {
                prop_assert_eq!(order_ratios(n, d, t, Decimal::ONE), Ordering::Equal);
                let ulp = Decimal::new(1, n.scale());
                for (m, sign) in [(n.checked_add(ulp), 1), (n.checked_sub(ulp), -1)] {
                    let Some(m) = m else { continue };
                    let want = if (sign > 0) == d.is_sign_positive() { Ordering::Greater } else { Ordering::Less };
                    prop_assert_eq!(order_ratios(m, d, t, Decimal::ONE), want, "{}/{} against {}", m, d, t);
                }
            }
        }
    }

    #[test]
    fn the_ratio_that_rounds_to_its_threshold_is_below_it() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let (funds, total) = (
            d("25000000000000000000000000.00"),
            d("100000000000000000000000000.01"),
        );
        // The quotient rounds to the threshold ...
        assert_eq!(funds / total, d("0.25"));
        // ... but the ratio is below it.
        assert_eq!(
            order_ratios(funds, total, d("0.25"), Decimal::ONE),
            Ordering::Less
        );
        assert_eq!(
            order_ratios(
                funds,
                d("100000000000000000000000000.00"),
                d("25"),
                d("100")
            ),
            Ordering::Equal
        );
    }

    /// A product whose exact value fits once trailing zeros are dropped is held, not refused:
    /// 200 x 0.1234567890123456789012345678 and 80% of the largest decimal.
    #[test]
    fn exact_products_that_fit_are_not_refused() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            exact(ArithOp::Mul, d("200"), d("0.1234567890123456789012345678")),
            Some(d("24.69135780246913578024691356"))
        );
        assert_eq!(
            exact(ArithOp::Mul, d("0.8"), Decimal::MAX),
            Some(d("63382530011411470074835160268"))
        );
        // A product that truly needs more than 28 decimals or 96 bits is still refused.
        assert_eq!(exact(ArithOp::Mul, d("0.3"), Decimal::MAX), None);
        assert_eq!(
            exact(ArithOp::Mul, d("0.1234567890123456789012345678"), d("0.3")),
            None
        );
    }

    #[test]
    fn exact_sum_keeps_the_sign_and_scale_of_rust_decimal() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let sum = |terms: &[&str]| {
            let mut s = ExactSum::default();
            for t in terms {
                s.add(&d(t)).unwrap();
            }
            s.total()
        };
        assert_eq!(sum(&[]).to_string(), "0");
        assert_eq!(sum(&["0.00", "1.5"]).to_string(), "1.5");
        assert_eq!(sum(&["1.5", "0.00"]).to_string(), "1.5");
        assert_eq!(sum(&["1.5", "2.25", "3"]).to_string(), "6.75");
        assert_eq!(sum(&["-1.5", "1.5"]).to_string(), "0.0");
        let mut s = ExactSum::default();
        s.add(&-Decimal::new(0, 1)).unwrap();
        assert_eq!(s.total().to_string(), "-0.0");
        assert_eq!(
            sum(&["-1.5", "1.5"]).to_string(),
            (d("-1.5") + d("1.5")).to_string()
        );
        assert_eq!(sum(&["-1.5", "1.5", "2"]).to_string(), "2");
    }

    #[test]
    fn exact_small_takes_the_common_cases() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let cases = [
            (ArithOp::Add, "1088.02", "2.5", "1090.52"),
            (ArithOp::Sub, "100", "0.01", "99.99"),
            (ArithOp::Mul, "0.80", "1088.02", "870.416"),
            (ArithOp::Mul, "200", "180.55", "36110.00"),
            (ArithOp::Mul, "-1.5", "2", "-3.0"),
        ];
        for (op, x, y, want) in cases {
            let got = exact_small(op, d(x), d(y)).expect("a common case");
            assert_eq!(got.to_string(), want, "{op:?} {x} {y}");
            assert_eq!(
                Some(got.serialize()),
                exact_any(op, d(x), d(y)).map(|r| r.serialize())
            );
        }
        // Left to the general way: a sum that does not fit at its scale, and a product of
        // mantissas past 64 bits.
        assert_eq!(exact_small(ArithOp::Add, Decimal::MAX, d("0.5")), None);
        assert_eq!(exact_small(ArithOp::Mul, Decimal::MAX, d("1")), None);
        // A factor takes the rent cap's products, negative and zero ones too.
        let share = Factor::new(d("0.80")).unwrap();
        for (y, want) in [("1088.02", "870.416"), ("-2.50", "-2.00"), ("-0.00", "0.0")] {
            let got = share.times(d(y)).expect("a common product");
            assert_eq!(got.to_string(), want, "0.80 × {y}");
            assert_eq!(
                Some(got.serialize()),
                exact(ArithOp::Mul, d("0.80"), d(y)).map(|r| r.serialize())
            );
        }
    }
}
