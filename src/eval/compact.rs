//! The compact report: outcomes, amounts, values and missing facts without words, in buffers
//! reused from case to case, and its JSON written by hand. The batch's fast path: the full
//! report (`Rulebook::evaluate`) is its reference, and `tests/batch.rs` and the properties
//! hold the two equal on every example, golden case and generated case.

use std::fmt;
use std::io::{self, Write};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::expr::Missing;
use crate::json_out;
use crate::report::Outcome;
use crate::rulebook::Clause;

use super::programs::{Programs, Scratch};
use crate::rulebook::{Rounding, Rules};
use crate::schema::{Record, Schema};
use crate::units::Type;

/// The results of one case without words: per clause its outcome, amount, values and missing
/// facts, exactly as [`Rulebook::evaluate`](crate::Rulebook::evaluate) gives them. Keep one per thread and pass it to
/// every evaluation: its buffers are reused.
#[derive(Debug, Default)]
pub struct CompactReport<'b> {
    pub(super) book: Option<(&'b Rules, &'b Programs)>,
    pub(super) subject: u16,
    /// The date the case was evaluated on.
    pub as_of: NaiveDate,
    pub(super) results: Vec<CompactResult<'b>>,
    pub(super) values: ValueList<'b>,
    pub(super) scratch: Scratch,
}

/// One clause's result in a [`CompactReport`].
#[derive(Clone, Copy, Debug)]
pub struct CompactResult<'b> {
    /// The clause.
    pub clause: &'b Clause,
    /// What it decides.
    pub outcome: Outcome,
    /// The amount as reported: rounded as the clause says, money to the fen.
    pub amount: Option<Decimal>,
    /// The facts that would decide an `undetermined` (or `required`) result.
    pub missing: Missing,
    pub(super) values: (u32, u32),
    /// The clause's index in its rulebook.
    pub(super) index: u32,
}

/// A named figure: `base`, `units[2].rent_cap`, `two_star_share.shortfall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompactValue<'b> {
    /// The figure's name in its clause.
    pub name: &'b str,
    /// For a per-item value: the list and the item's number, from 1.
    pub item: Option<(&'b str, u32)>,
    /// `""`, `".target"` or `".shortfall"`.
    pub suffix: &'static str,
    /// Its unit.
    pub unit: &'b str,
    /// The value as reported: rounded as the rule says.
    pub value: Decimal,
}

/// The values of a report, each name once: a head with its value, or with the run of
/// per-item values it names. A project's rent caps are a hundred values alike but for the
/// item and the figure: kept as a run, each is its number and figure only.
#[derive(Debug, Default)]
pub(crate) struct ValueList<'b> {
    pub(super) heads: Vec<ValueHead<'b>>,
    /// The per-item values of the runs, in order: the item's number (from 1) and the value.
    pub(super) items: Vec<(u32, Decimal)>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ValueHead<'b> {
    pub(super) name: &'b str,
    /// For a run of per-item values: the list, and the run's place in `items`.
    pub(super) run: Option<(&'b str, u32, u32)>,
    pub(super) suffix: &'static str,
    pub(super) unit: &'b str,
    /// The value, when it is a single one.
    pub(super) value: Decimal,
}

impl<'b> ValueList<'b> {
    pub(super) fn clear(&mut self) {
        self.heads.clear();
        self.items.clear();
    }

    pub(super) fn len(&self) -> usize {
        self.heads.len()
    }

    /// Keeps the first `n` heads and their runs.
    pub(super) fn truncate(&mut self, n: usize) {
        self.heads.truncate(n);
        let kept = self
            .heads
            .iter()
            .rev()
            .find_map(|h| h.run.map(|(_, _, end)| end));
        self.items.truncate(kept.unwrap_or(0) as usize);
    }

    /// The value of item `i` (from 1) of the run being written: `d` as reported.
    pub(super) fn push_item(&mut self, i: u32, d: Decimal, round: Rounding, unit: &str) {
        // Two pushes, not one: the common case's rounded value is made in registers. Merged
        // with the others (returned through memory), it was stored on the stack in parts and
        // read back whole, which waits on the parts: a third of the time of these values
        // (perf).
        match round.apply_small(d) {
            Some(r) if round != Rounding::None => self.items.push((i, r)),
            _ => self.items.push((i, reported(d, round, unit))),
        }
    }

    pub(super) fn push(
        &mut self,
        name: &'b str,
        suffix: &'static str,
        unit: &'b str,
        value: Decimal,
    ) {
        self.heads.push(ValueHead {
            name,
            run: None,
            suffix,
            unit,
            value,
        });
    }

    /// Ends the run of `name` over `list` that began when `items` held `start` values; an
    /// empty run (no item has the value) leaves no head.
    pub(super) fn end_run(&mut self, name: &'b str, list: &'b str, unit: &'b str, start: usize) {
        let end = self.items.len();
        if end > start {
            self.heads.push(ValueHead {
                name,
                run: Some((list, start as u32, end as u32)),
                suffix: "",
                unit,
                value: Decimal::ZERO,
            });
        }
    }

    /// The list and the items' numbers and values of a run; `None` for a single value.
    pub(super) fn run(&self, h: &ValueHead<'b>) -> Option<(&'b str, &[(u32, Decimal)])> {
        let (list, start, end) = h.run?;
        Some((list, self.items.get(start as usize..end as usize)?))
    }

    /// The values of `heads`, one per item for a run.
    pub(super) fn values<'s>(
        &'s self,
        heads: &'s [ValueHead<'b>],
    ) -> impl Iterator<Item = CompactValue<'b>> + 's {
        heads.iter().flat_map(move |h| {
            let single = h.run.is_none().then_some(CompactValue {
                name: h.name,
                item: None,
                suffix: h.suffix,
                unit: h.unit,
                value: h.value,
            });
            let (list, run) = self.run(h).unwrap_or(("", &[]));
            single
                .into_iter()
                .chain(run.iter().map(move |&(i, value)| CompactValue {
                    name: h.name,
                    item: Some((list, i)),
                    suffix: h.suffix,
                    unit: h.unit,
                    value,
                }))
        })
    }
}

impl CompactValue<'_> {
    /// The value's name as the report keys it: `base`, `units[2].rent_cap`.
    pub(super) fn key(&self) -> String {
        let mut key = String::with_capacity(self.name.len() + self.suffix.len() + 16);
        if let Some((list, i)) = self.item {
            key.push_str(list);
            key.push('[');
            let mut digits = [0u8; 20];
            let mut w = &mut digits[..];
            let _ = json_out::count(&mut w, u64::from(i));
            let n = 20 - w.len();
            key.push_str(std::str::from_utf8(&digits[..n]).unwrap_or_default());
            key.push_str("].");
        }
        key.push_str(self.name);
        key.push_str(self.suffix);
        key
    }
}

/// `d` as its `Display` writes it, into a string of its own, and money with its fen
/// ([`json_out::fen_padding`]).
pub(crate) fn figure_text(d: Decimal, unit: &str) -> String {
    let mut s = String::with_capacity(24);
    json_out::push_decimal(&mut s, d);
    s.push_str(json_out::fen_padding(d, unit));
    s
}

impl fmt::Display for CompactValue<'_> {
    /// The value's name as the report keys it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl<'b> CompactReport<'b> {
    /// An empty report, to be filled by [`Rulebook::evaluate_compact`](crate::Rulebook::evaluate_compact).
    #[must_use]
    pub fn new() -> CompactReport<'b> {
        CompactReport::default()
    }

    /// The subject's name (`rural_housing`).
    pub fn subject(&self) -> &'b str {
        self.book.map_or("", |b| {
            b.0.schema.subjects[self.subject as usize].name.as_str()
        })
    }

    /// The results, one per clause evaluated.
    pub fn results(&self) -> &[CompactResult<'b>] {
        &self.results
    }

    /// The result of the clause with id `clause`.
    pub fn result(&self, clause: &str) -> Option<&CompactResult<'b>> {
        self.results.iter().find(|r| r.clause.id == clause)
    }

    /// The named figures of one result, in the order the rule declares them.
    pub fn values(&self, r: &CompactResult<'b>) -> impl Iterator<Item = CompactValue<'b>> + '_ {
        self.values.values(self.heads(r))
    }

    pub(super) fn heads(&self, r: &CompactResult<'b>) -> &[ValueHead<'b>] {
        self.values
            .heads
            .get(r.values.0 as usize..r.values.1 as usize)
            .unwrap_or_default()
    }

    /// The names of the facts that `r` still needs, as the full report gives them.
    pub fn missing(
        &self,
        r: &CompactResult<'b>,
    ) -> impl Iterator<Item = MissingName<'b>> + use<'b> {
        let (subject, m) = (self.subject, r.missing);
        self.book
            .into_iter()
            .flat_map(move |(b, _)| missing_names(&b.schema, b.schema.record_of(subject), m))
    }

    /// Whether any result is `non_compliant` (the command's exit status 1).
    pub fn has_non_compliance(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.outcome == Outcome::NonCompliant)
    }

    /// Writes the report as one JSON object, `line` first when given:
    /// `{"line":N,"subject":...,"as_of":...,"results":[{"clause","outcome","amount","values","missing"}]}`.
    pub fn write_json(&self, line: Option<u64>, out: &mut impl Write) -> io::Result<()> {
        let mut json = Vec::with_capacity(1024);
        self.append_json(line, &mut json);
        out.write_all(&json)
    }

    /// Appends the report to `out` as [`write_json`](Self::write_json) writes it (the
    /// batch's way: no copy).
    pub fn append_json(&self, line: Option<u64>, out: &mut Vec<u8>) {
        // Appending to a `Vec` cannot fail.
        let _ = self.append_json_parts(line, out);
    }

    pub(super) fn append_json_parts(&self, line: Option<u64>, out: &mut Vec<u8>) -> io::Result<()> {
        let mut frag = Vec::with_capacity(128);
        out.write_all(b"{")?;
        if let Some(n) = line {
            out.write_all(b"\"line\":")?;
            json_out::count(out, n)?;
            out.write_all(b",")?;
        }
        out.write_all(b"\"subject\":")?;
        json_out::string(out, self.subject())?;
        out.write_all(b",\"as_of\":\"")?;
        json_out::date(out, self.as_of)?;
        out.write_all(b"\",\"results\":[")?;
        let programs = self.book.map(|(_, p)| p);
        let record = self
            .book
            .and_then(|(b, _)| b.schema.subjects.get(self.subject as usize))
            .map(|s| s.record as usize);
        for (i, r) in self.results.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            if let Some(head) = programs.and_then(|p| p.clause_heads.get(r.index as usize)) {
                out.write_all(head)?
            } else {
                out.write_all(b"{\"clause\":")?;
                json_out::string(out, &r.clause.id)?;
                out.write_all(b",\"outcome\":\"")?;
            }
            out.write_all(r.outcome.name().as_bytes())?;
            out.write_all(b"\"")?;
            if let Some(a) = r.amount {
                let unit = r.clause.amount.as_ref().map_or("", |n| &*n.unit);
                out.write_all(b",\"amount\":")?;
                json_quantity(out, a, unit)?;
            }
            out.write_all(b",\"values\":{")?;
            // A per-item value comes in a run, one per item, all alike but for the item's
            // number and the value: what is alike is escaped once per run, into `frag`
            // (padded for `json_out::append_window`), and each value is appended in fixed
            // windows and words, with no call to `memcpy`.
            let mut first = true;
            for h in self.heads(r) {
                frag.clear();
                frag.push(b'"');
                if let Some((list, _, _)) = h.run {
                    json_out::escaped(&mut frag, list)?;
                    frag.push(b'[');
                }
                let head = frag.len();
                if h.run.is_some() {
                    frag.extend_from_slice(b"].");
                }
                json_out::escaped(&mut frag, h.name)?;
                json_out::escaped(&mut frag, h.suffix)?;
                frag.extend_from_slice(b"\":{\"value\":\"");
                let mid = frag.len();
                frag.extend_from_slice(b"\",\"unit\":");
                json_out::string(&mut frag, h.unit)?;
                frag.push(b'}');
                let end = frag.len();
                frag.extend_from_slice(&[0; json_out::PAD]);
                let single = [(0, h.value)];
                let (values, numbered) = match self.values.run(h) {
                    Some((_, run)) => (run, true),
                    None => (&single[..], false),
                };
                // Each part in fixed windows or from registers: no call per part.
                for &(i, value) in values {
                    if !first {
                        out.push(b',');
                    }
                    json_out::append_window(out, &frag, 0, head);
                    if numbered {
                        json_out::append_count(out, u64::from(i));
                    }
                    json_out::append_window(out, &frag, head, mid - head);
                    json_out::append_decimal(out, value);
                    if value.scale() < 2 {
                        out.extend_from_slice(json_out::fen_padding(value, h.unit).as_bytes());
                    }
                    json_out::append_window(out, &frag, mid, end - mid);
                    first = false;
                }
            }
            out.write_all(b"},\"missing\":[")?;
            // Most missing facts are the subject's own: their names were written at load.
            let names = programs
                .zip(record)
                .and_then(|(p, rec)| p.field_names.get(rec));
            let own_only = |names: &&Vec<Box<[u8]>>| {
                r.missing.item_fields == 0
                    && (names.len() >= 64 || r.missing.fields >> names.len() == 0)
            };
            if let Some(names) = names.filter(own_only) {
                let mut bits = r.missing.fields;
                let mut first = true;
                while bits != 0 {
                    let name = names.get(bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                    if !first {
                        out.write_all(b",")?;
                    }
                    first = false;
                    out.write_all(name.map_or(&b"\"\""[..], |n| &n[..]))?;
                }
                out.write_all(b"]}")?;
                continue;
            }
            for (j, m) in self.missing(r).enumerate() {
                if j > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(b"\"")?;
                if let Some(list) = m.list {
                    json_out::escaped(out, list)?;
                    out.write_all(b".")?;
                }
                json_out::escaped(out, m.field)?;
                out.write_all(b"\"")?;
            }
            out.write_all(b"]}")?;
        }
        out.write_all(b"]}")
    }
}

pub(super) fn json_quantity(out: &mut impl Write, value: Decimal, unit: &str) -> io::Result<()> {
    out.write_all(b"{\"value\":\"")?;
    json_out::decimal(out, value)?;
    out.write_all(json_out::fen_padding(value, unit).as_bytes())?;
    out.write_all(b"\",\"unit\":")?;
    json_out::string(out, unit)?;
    out.write_all(b"}")
}

/// The name of a missing fact: a subject field, or a field of a list's items (`units.area`).
#[derive(Clone, Copy, Debug)]
pub struct MissingName<'a> {
    /// The list field whose items lack the fact, if it is an item's.
    pub list: Option<&'a str>,
    /// The field.
    pub field: &'a str,
}

impl MissingName<'_> {
    /// The name as reports give it: `field` or `list.field`.
    #[must_use]
    pub fn text(&self) -> String {
        match self.list {
            Some(list) => {
                let mut s = String::with_capacity(list.len() + 1 + self.field.len());
                s.push_str(list);
                s.push('.');
                s.push_str(self.field);
                s
            }
            None => self.field.to_owned(),
        }
    }
}

impl fmt::Display for MissingName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.list {
            Some(_) => f.write_str(&self.text()),
            None => f.write_str(self.field),
        }
    }
}

/// The names of the facts in `m`, in the order the subject declares its fields.
pub(super) fn missing_names<'a>(
    schema: &'a Schema,
    record: &'a Record,
    m: Missing,
) -> impl Iterator<Item = MissingName<'a>> {
    // Only the fields that are missing, or that hold the items of missing item fields.
    let lists = if m.item_fields == 0 {
        0
    } else {
        record
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.ty, Type::List(_)))
            .fold(0u64, |bits, (i, _)| bits | 1 << i)
    };
    let mut bits = m.fields | lists;
    let set = std::iter::from_fn(move || {
        let i = bits.trailing_zeros() as usize;
        (bits != 0).then(|| {
            bits &= bits - 1;
            (i, &record.fields[i])
        })
    });
    set.flat_map(move |(i, f)| {
        let own = (m.fields >> i & 1 == 1).then_some(MissingName {
            list: None,
            field: &f.name,
        });
        let items = match f.ty {
            Type::List(rec) if m.item_fields != 0 => &schema.records[rec as usize].fields[..],
            _ => &[],
        };
        let item_names = items
            .iter()
            .enumerate()
            .filter(move |(j, _)| m.item_fields >> j & 1 == 1)
            .map(move |(_, item)| MissingName {
                list: Some(&f.name),
                field: &item.name,
            });
        own.into_iter().chain(item_names)
    })
}

/// A number as reported: rounded as the rule says; money to the fen; ratios unrounded.
#[must_use]
pub fn reported(d: Decimal, round: Rounding, unit: &str) -> Decimal {
    let v = round.apply(d);
    if round != Rounding::None {
        v
    } else if unit == "CNY" && v.scale() <= 2 {
        let mut x = v;
        x.rescale(2);
        x
    } else {
        v.normalize()
    }
}
