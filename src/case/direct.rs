//! The direct reader for JSON cases: from the bytes straight into the subject's slots, with no
//! tree in between and no allocation once a reused case's buffers have grown.
//!
//! It reads the shape nearly every case has and gives up (`None`) on anything else: an escape
//! in a string, a number with an exponent or more than 19 digits, a number written as a
//! string, a key it does not know, a value of the wrong kind or out of bounds, a key given
//! twice, a syntax error. The caller then reads the text with the full reader
//! ([`Rules::case_from_json_tree`](crate::rulebook::Rules::case_from_json_tree)), which
//! gives the same case or says exactly what is wrong, with its line and column. So this reader
//! never decides an error, and whenever it gives a case, it is the one the full reader gives:
//! a property test and the `case_json` fuzz target check that, value, scale and all.

use std::cmp::Ordering;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Case;
use crate::expr::program::order_decimals;
use crate::expr::{Items, Value, WordBits};
use crate::schema::{Field, Record, Schema};
use crate::units::Type;

/// Reads the case that starts `text` into `case`, reusing its buffers (list buffers go
/// through `spare`), and returns the length of its line: up to the end of `text` or past the
/// first `\n`, which ends a case (JSON Lines). `None` when the line is anything but the
/// common shape; `case` is then left half-filled.
///
/// A newline is never taken as space inside a case: so a batch can hand the reader the rest
/// of its input and learn where the line ends from it, with no search for the newline first.
/// A case written over several lines is left to the full reader.
///
/// `text` need not be checked as UTF-8 first: what this reader takes is ASCII but for the
/// strings, and each string it takes is the name of a subject, field or word, so the line is
/// UTF-8 whenever it gives a case.
pub(crate) fn read(
    schema: &Schema,
    text: &[u8],
    case: &mut Case,
    spare: &mut Vec<Items>,
) -> Option<usize> {
    let mut r = Reader { b: text, i: 0 };
    for list in &mut case.facts.lists {
        if let Some(items) = list.take() {
            spare.push(items);
        }
    }
    case.as_of = None;
    let mut subject: Option<u16> = None;
    r.eat(b'{')?;
    if r.peek()? == b'}' {
        return None; // no subject: the full reader says so
    }
    loop {
        let key = r.string()?;
        r.eat(b':')?;
        if key == b"as_of" {
            if case.as_of.is_some() {
                return None;
            }
            case.as_of = Some(date(r.string()?)?);
        } else {
            if subject.is_some() {
                return None; // a second subject, or an unknown key
            }
            let (id, s) = schema
                .subjects
                .iter()
                .enumerate()
                .find(|(_, s)| same_bytes(s.name.as_bytes(), key))?;
            subject = Some(id as u16);
            let rec = &schema.records[s.record as usize];
            case.subject = id as u16;
            case.subject_name.clear();
            case.subject_name.push_str(&s.name);
            case.facts.values.clear();
            case.facts.values.resize(rec.fields.len(), None);
            case.facts.lists.resize(rec.fields.len(), None);
            read_subject(schema, rec, &mut r, case, spare)?;
        }
        if !r.more(b'}')? {
            break;
        }
    }
    r.ws();
    subject?;
    match r.b.get(r.i) {
        None => Some(r.i),
        Some(b'\n') => Some(r.i + 1),
        Some(_) => None,
    }
}

fn read_subject(
    schema: &Schema,
    rec: &Record,
    r: &mut Reader,
    case: &mut Case,
    spare: &mut Vec<Items>,
) -> Option<()> {
    r.eat(b'{')?;
    if r.peek()? == b'}' {
        r.i += 1;
        return Some(());
    }
    let mut hint = 0;
    loop {
        let index = field(rec, r, &mut hint)?;
        let f = &rec.fields[index];
        if let Type::List(item_rec) = f.ty {
            if case.facts.lists[index].is_some() {
                return None;
            }
            let item_rec = &schema.records[item_rec as usize];
            let mut items = spare.pop().unwrap_or_default();
            items.clear(item_rec.fields.len());
            read_items(schema, item_rec, r, &mut items)?;
            case.facts.lists[index] = Some(items);
        } else {
            if case.facts.values[index].is_some() {
                return None;
            }
            value(schema, f, r, &mut case.facts.values[index])?;
        }
        if !r.more(b'}')? {
            return Some(());
        }
    }
}

fn read_items(schema: &Schema, rec: &Record, r: &mut Reader, items: &mut Items) -> Option<()> {
    r.eat(b'[')?;
    if r.peek()? == b']' {
        r.i += 1;
        return Some(());
    }
    let plan = Plan::new(rec);
    loop {
        let slots = items.push_empty();
        // The common shape, `{"area":40.61,...},` with no space: read through to the next
        // item with no look for space.
        if let Some(p) = &plan
            && r.b.get(r.i) == Some(&b'{')
        {
            r.i += 1;
            if in_order(p, r, slots) {
                match r.b.get(r.i) {
                    Some(b',') => {
                        r.i += 1;
                        continue;
                    }
                    Some(b']') => {
                        r.i += 1;
                        return Some(());
                    }
                    _ => {
                        if !r.more(b']')? {
                            return Some(());
                        }
                        continue;
                    }
                }
            }
        } else {
            r.eat(b'{')?;
        }
        if r.peek()? == b'}' {
            r.i += 1;
        } else {
            let mut hint = 0;
            loop {
                let index = field(rec, r, &mut hint)?;
                let f = &rec.fields[index];
                if matches!(f.ty, Type::List(_)) || slots[index].is_some() {
                    return None;
                }
                value(schema, f, r, &mut slots[index])?;
                if !r.more(b'}')? {
                    break;
                }
            }
        }
        if !r.more(b']')? {
            return Some(());
        }
    }
}

/// How an item of numbers is read in one pass (`in_order`): each field's key, with its
/// quotes and colon, as two words to compare under a mask, and its bounds as flags. Only for
/// a record of at most eight fields, each a number with no bound but maybe 0 below and a
/// name of at most 13 bytes, as the items of a project's unit types are.
struct Plan {
    fields: [PlanField; 8],
    len: usize,
}

#[derive(Clone, Copy, Default)]
struct PlanField {
    key: [u64; 2],
    /// The same bytes: `"name":`.
    key_bytes: [u8; 16],
    mask: [u64; 2],
    /// The length of `"name":`.
    key_len: usize,
    integer: bool,
    non_negative: bool,
    /// What follows the value: `,`, or `}` after the last field.
    sep: u8,
}

impl Plan {
    fn new(rec: &Record) -> Option<Plan> {
        let mut plan = Plan {
            fields: [PlanField::default(); 8],
            len: rec.fields.len(),
        };
        if plan.len == 0 || plan.len > plan.fields.len() {
            return None;
        }
        let last = plan.len - 1;
        for (k, (p, f)) in plan.fields.iter_mut().zip(&rec.fields).enumerate() {
            let name = f.name.as_bytes();
            let simple = matches!(f.ty, Type::Num(_))
                && f.max.is_none()
                && f.min.is_none_or(|m| m.is_zero())
                && name.len() <= 13;
            if !simple {
                return None;
            }
            let (mut key, mut mask) = ([0u8; 16], [0u8; 16]);
            let key_len = name.len() + 3;
            key[0] = b'"';
            key[1..=name.len()].copy_from_slice(name);
            key[name.len() + 1..key_len].copy_from_slice(b"\":");
            mask[..key_len].fill(0xff);
            let words = |b: [u8; 16]| {
                let (lo, hi) = b.split_at(8);
                let word = |h: &[u8]| u64::from_le_bytes(h.try_into().unwrap_or_default());
                [word(lo), word(hi)]
            };
            *p = PlanField {
                key: words(key),
                key_bytes: key,
                mask: words(mask),
                key_len,
                integer: f.integer,
                non_negative: f.min.is_some(),
                sep: if k == last { b'}' } else { b',' },
            };
        }
        Some(plan)
    }
}

/// Reads an item written as nearly every item is, with each field in the order declared and
/// no space: `"area":40.61,"count":19,...}`. `false` (its slots reset, the reader where it
/// was) for anything else, which the general loop then reads and checks.
#[inline(always)]
fn in_order(plan: &Plan, r: &mut Reader, slots: &mut [Option<Value>]) -> bool {
    let b = r.b;
    let fields = &plan.fields[..plan.len];
    let mut read = || {
        let mut at = r.i;
        for (p, slot) in fields.iter().zip(slots.iter_mut()) {
            // The key and the number after it lie in one window: one bounds check for both.
            let Some(window) = b.get(at..at + 32) else {
                at = slow_field(p, b, at, slot)?;
                continue;
            };
            let word =
                |k: usize| u64::from_le_bytes(window[k..k + 8].try_into().unwrap_or_default());
            if ((word(0) ^ p.key[0]) & p.mask[0]) | ((word(8) ^ p.key[1]) & p.mask[1]) != 0 {
                return None;
            }
            // At most 16 (`Plan::new`): said so, the word after the key needs no check.
            let start = p.key_len.min(16);
            // Most numbers end, with their separator, within the word they start.
            let Some((d, len)) = number_ended_by(word(start), p.sep) else {
                at = slow_field(p, b, at, slot)?;
                continue;
            };
            if p.integer && !d.whole() {
                return None;
            }
            *slot = Some(Value::Num(d.decimal()));
            at += start + len + 1;
        }
        Some(at)
    };
    if let Some(at) = read() {
        r.i = at;
        true
    } else {
        slots.fill(None);
        false
    }
}

/// Reads the field of `p` at `at` the long way (a number of eight bytes or more, or a field
/// near the end of the text), checked as `in_order` checks it; returns where the next field
/// starts.
#[inline(never)]
fn slow_field(p: &PlanField, b: &[u8], at: usize, slot: &mut Option<Value>) -> Option<usize> {
    let key = p.key_bytes.get(..p.key_len)?;
    if b.get(at..at + p.key_len)? != key {
        return None;
    }
    let mut n = Reader {
        b,
        i: at + p.key_len,
    };
    let d = n.short_number()?;
    if b.get(n.i) != Some(&p.sep) {
        return None;
    }
    // As `in_bounds` checks them.
    if (p.non_negative && d.negative) || (p.integer && !d.whole()) {
        return None;
    }
    *slot = Some(Value::Num(d.decimal()));
    Some(n.i + 1)
}

/// The number at the start of `w` if it is at most seven bytes, unsigned, and followed
/// within the word by `sep` (which is neither a digit, a letter nor `.`, `+`, `-`), with its
/// length: `12`, `3807.84`. `None` for anything else, which `short_number` then reads.
///
/// The number's end is found from flags of the whole word, not byte by byte, and its digits
/// either side of the point are joined and converted at once.
#[inline(always)]
fn number_ended_by(w: u64, sep: u8) -> Option<(Digits, usize)> {
    // Exact for every byte before the first that is neither a digit nor a point, and for
    // that byte: see `non_digits`.
    let points = zero_bytes(w ^ (ONES * u64::from(b'.')));
    let len = (non_digits(w) & !points).trailing_zeros() as usize / 8;
    if len == 0 || len == 8 || (w >> (8 * len)) as u8 != sep {
        return None;
    }
    let points = points & ((1 << (8 * len)) - 1);
    let (int_len, joined) = if points == 0 {
        (len, w)
    } else {
        let int_len = points.trailing_zeros() as usize / 8;
        // One point, with a digit either side.
        if points & (points - 1) != 0 || int_len == 0 || int_len + 1 == len {
            return None;
        }
        let whole = w & ((1 << (8 * int_len)) - 1);
        (int_len, whole | (w >> (8 * (int_len + 1)) << (8 * int_len)))
    };
    if int_len > 1 && w as u8 == b'0' {
        return None;
    }
    let digits = len - usize::from(points != 0);
    let m = eight_digits(joined, digits);
    Some((
        Digits {
            m,
            scale: (digits - int_len) as u32,
            negative: false,
        },
        len,
    ))
}

/// Whether a number is one `f` takes, as the full reader checks it (`value_of`).
#[inline(always)]
fn in_bounds(f: &Field, n: Digits) -> bool {
    // A bound of 0 (most of them) is checked on the digits' sign, before the decimal is
    // built: a decimal just built and read back costs a store-forwarding stall.
    let at_least = |min: &Decimal| {
        if min.is_zero() {
            !n.negative
        } else {
            n.order(min).is_ge()
        }
    };
    (!f.integer || n.whole())
        && f.min.as_ref().is_none_or(at_least)
        && f.max.as_ref().is_none_or(|max| n.order(max).is_le())
}

/// The index of the field whose name is the key at the reader, with the `:` after it taken.
/// It is looked for first where the previous key's successor is: fields usually come in the
/// order they are declared.
#[inline(always)]
fn field(rec: &Record, r: &mut Reader, hint: &mut usize) -> Option<usize> {
    let fields = &rec.fields;
    if let Some(f) = fields.get(*hint)
        && r.key_is(f.name.as_bytes())
    {
        *hint += 1;
        return Some(*hint - 1);
    }
    let key = r.string()?;
    let found = (0..fields.len()).find(|&k| same_bytes(fields[k].name.as_bytes(), key))?;
    *hint = found + 1;
    r.eat(b':')?;
    Some(found)
}

/// `a == b`, for the short names of fields without a call to `memcmp`.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    match n {
        // The first and the last eight (four) bytes, overlapping, cover it all.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        _ => a == b,
    }
}

/// A field's value, checked as the full reader checks it (`value_of`).
///
/// The value goes straight into `slot`: returned, it would be copied out of memory still
/// being written, a store-forwarding stall per value (most of the reading time, by `perf`).
fn value(schema: &Schema, f: &Field, r: &mut Reader, slot: &mut Option<Value>) -> Option<()> {
    if let Type::Num(_) = f.ty {
        let n = r.number()?;
        if !in_bounds(f, n) {
            return None;
        }
        *slot = Some(Value::Num(n.decimal()));
        return Some(());
    }
    *slot = Some(match f.ty {
        Type::Bool => r.boolean().map(Value::Bool)?,
        Type::Date => date(r.string()?).map(Value::Date)?,
        Type::Word(w) => word(schema, w, r.string()?).map(Value::Word)?,
        Type::Words(w) => {
            let mut set = 0u64;
            r.eat(b'[')?;
            if r.peek()? == b']' {
                r.i += 1;
            } else {
                loop {
                    set |= 1 << word(schema, w, r.string()?)?;
                    if !r.more(b']')? {
                        break;
                    }
                }
            }
            Value::Words(WordBits::new(set))
        }
        Type::Num(_) | Type::Duration | Type::List(_) => return None,
    });
    Some(())
}

fn word(schema: &Schema, set: u16, s: &[u8]) -> Option<u16> {
    let words = &schema.word_sets[set as usize].words;
    words
        .iter()
        .position(|w| same_bytes(w.as_bytes(), s))
        .map(|i| i as u16)
}

/// Exactly `YYYY-MM-DD`, a real date.
fn date(s: &[u8]) -> Option<NaiveDate> {
    let digits = |r: std::ops::Range<usize>| {
        s[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        // Not `\n`: it ends the case (see `read`).
        while let Some(b' ' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not taken.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// After an element: `true` past a `,`, `false` past the `close` that ends the list.
    fn more(&mut self, close: u8) -> Option<bool> {
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Some(true),
            _ if c == close => Some(false),
            _ => None,
        }
    }

    /// Takes `"name":` if it is what comes next: a key is most often the one expected, and
    /// most often right before its colon, so this needs no search for its end.
    #[inline(always)]
    fn key_is(&mut self, name: &[u8]) -> bool {
        self.ws();
        let start = self.i + 1;
        let end = start + name.len();
        let is = self.b.get(self.i) == Some(&b'"')
            && self.b.get(end..end + 2) == Some(b"\":")
            && same_bytes(&self.b[start..end], name);
        if is {
            self.i = end + 2;
        }
        is
    }

    /// A string with no escape: the bytes between its quotes.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        // Eight bytes at a time to the first quote, backslash or control character.
        let mut end = start;
        while let Some(w) = self.b.get(end..end + 8) {
            let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
            let stops = zero_bytes(w ^ (ONES * u64::from(b'"')))
                | zero_bytes(w ^ (ONES * u64::from(b'\\')))
                | zero_bytes(w & (ONES * 0xe0));
            if stops != 0 {
                end += stops.trailing_zeros() as usize / 8;
                break;
            }
            end += 8;
        }
        let len = end - start
            + self.b[end..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        if self.b[start + len] != b'"' {
            return None;
        }
        self.i = start + len + 1;
        Some(&self.b[start..start + len])
    }

    fn boolean(&mut self) -> Option<bool> {
        self.ws();
        let rest = &self.b[self.i..];
        let (b, len) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return None;
        };
        // `truex` is one bad word to the full reader.
        if rest
            .get(len)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return None;
        }
        self.i += len;
        Some(b)
    }

    /// A JSON number `-?(0|[1-9][0-9]*)(\.[0-9]+)?` of at most 19 digits, exactly.
    /// Zero in any form is `Decimal::ZERO`, as `parse_decimal` gives.
    #[inline(always)]
    fn number(&mut self) -> Option<Digits> {
        self.ws();
        if let Some(short) = self.short_number() {
            return Some(short);
        }
        let b = self.b;
        let negative = b.get(self.i) == Some(&b'-');
        let int_start = self.i + usize::from(negative);
        // The digits before and after the point, into one u64 (19 digits always fit).
        let mut m = 0u64;
        let mut i = int_start;
        let int_len = digits(b, &mut i, &mut m);
        if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
            return None;
        }
        let mut scale = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            scale = digits(b, &mut i, &mut m);
            if scale == 0 {
                return None;
            }
        }
        // The full reader takes the whole number-like token: `1e3`, `1.2.3`, `1x` are its.
        if b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
        {
            return None;
        }
        if int_len + scale > 19 {
            return None; // `m` may have wrapped
        }
        self.i = i;
        Some(Digits {
            m,
            scale: scale as u32,
            negative: negative && m != 0,
        })
    }
}

impl Reader<'_> {
    /// The number at the reader if it has at most seven digits before its point and seven
    /// after, with eight bytes after each run to read it by (nearly every number): two
    /// loads and no loop. `None`, the reader unmoved, for anything else, which `number` then
    /// reads the long way (and finds the errors of).
    #[inline(always)]
    fn short_number(&mut self) -> Option<Digits> {
        let b = self.b;
        let word = |at: usize| {
            b.get(at..at + 8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
        };
        let negative = b.get(self.i) == Some(&b'-');
        let start = self.i + usize::from(negative);
        let w = word(start)?;
        let flags = non_digits(w);
        let int_len = flags.trailing_zeros() as usize / 8;
        // No digit, eight or more, or a leading zero.
        if int_len == 0 || int_len == 8 || (int_len > 1 && w as u8 == b'0') {
            return None;
        }
        let mut next = (w >> (8 * int_len)) as u8;
        let after = int_len + 1;
        if next == b'.' && after < 8 {
            // The fraction's digits, if the number ends within the word (`3807.84,`): the
            // flags after the point are exact (neither digits nor a point carry), and bytes
            // past the word read as digits, so a run to its end goes the long way below.
            let scale = (flags >> (8 * after)).trailing_zeros() as usize / 8;
            if scale > 0 && after + scale < 8 {
                // The digits either side of the point, made one run.
                let whole = w & ((1 << (8 * int_len)) - 1);
                let joined = whole | (w >> (8 * after) << (8 * int_len));
                let m = eight_digits(joined, int_len + scale);
                let next = (w >> (8 * (after + scale))) as u8;
                if next.is_ascii_alphanumeric() || matches!(next, b'.' | b'+' | b'-') {
                    return None;
                }
                self.i = start + after + scale;
                return Some(Digits {
                    m,
                    scale: scale as u32,
                    negative: negative && m != 0,
                });
            }
        }
        let mut m = eight_digits(w, int_len);
        let mut scale = 0;
        let mut end = start + int_len;
        if next == b'.' {
            let w = word(end + 1)?;
            scale = digit_run(w);
            if scale == 0 || scale == 8 {
                return None;
            }
            m = m * POWERS_OF_TEN_U64[scale] + eight_digits(w, scale);
            end += 1 + scale;
            next = (w >> (8 * scale)) as u8;
        }
        // The full reader takes the whole number-like token: `1e3`, `1.2.3`, `1x` are its.
        if next.is_ascii_alphanumeric() || matches!(next, b'.' | b'+' | b'-') {
            return None;
        }
        self.i = end;
        Some(Digits {
            m,
            scale: scale as u32,
            negative: negative && m != 0,
        })
    }
}

/// Takes the run of ASCII digits at `b[*i..]` into `m` (`m` × 10^len + the run, wrapping
/// past 19 digits) and returns its length.
///
/// Eight bytes at a time where eight are left: with no branch per digit, a number's length
/// costs no mispredicted loop exit.
#[inline(always)]
fn digits(b: &[u8], i: &mut usize, m: &mut u64) -> usize {
    let start = *i;
    while let Some(word) = b.get(*i..*i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let n = digit_run(w);
        if n > 0 {
            *m = m
                .wrapping_mul(POWERS_OF_TEN_U64[n])
                .wrapping_add(eight_digits(w, n));
        }
        *i += n;
        if n < 8 || *i - start > 19 {
            return *i - start;
        }
    }
    let run = b[(*i).min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0, |n, &c| {
            *m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            n + 1
        });
    *i += run;
    *i - start
}

const POWERS_OF_TEN_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the eight bytes of `w` (the first in its low byte) are ASCII digits before
/// the first that is not.
#[inline(always)]
fn digit_run(w: u64) -> usize {
    non_digits(w).trailing_zeros() as usize / 8
}

/// The high bit of each byte of `w` that is not an ASCII digit, exact up to the first byte
/// of 0x8a or more after xor with `0`: a carry out of a byte only comes from such a byte,
/// which is flagged itself, and only reaches bytes after it.
#[inline(always)]
fn non_digits(w: u64) -> u64 {
    // A digit becomes 0..=9; any other byte 10 or more.
    let x = w ^ (ONES * 0x30);
    ((x.wrapping_add(ONES * 0x76)) | x) & (ONES * 0x80)
}

/// The value of the first `n` (1 to 8) bytes of `w`, ASCII digits, the first the most
/// significant.
#[inline(always)]
fn eight_digits(w: u64, n: usize) -> u64 {
    // The digits' values, moved to the top bytes: the bytes shifted in are leading zeros.
    let v = (w & (ONES * 0x0f)) << (8 * (8 - n));
    let v = (v.wrapping_mul(10).wrapping_add(v >> 8)) & 0x00ff_00ff_00ff_00ff;
    let v = (v.wrapping_mul(100).wrapping_add(v >> 16)) & 0x0000_ffff_0000_ffff;
    (v.wrapping_mul(10_000).wrapping_add(v >> 32)) & 0xffff_ffff
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each zero byte of `x`, exactly: no carry leaves a byte.
#[inline(always)]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = ONES * 0x7f;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// A number as read: `m` × 10^-`scale`, negative or not (never a negative zero).
#[derive(Clone, Copy)]
struct Digits {
    m: u64,
    scale: u32,
    negative: bool,
}

impl Digits {
    /// The decimal `parse_decimal` gives for the same text: zero in any form is
    /// `Decimal::ZERO`.
    fn decimal(self) -> Decimal {
        if self.m == 0 {
            return Decimal::ZERO;
        }
        Decimal::from_parts(
            self.m as u32,
            (self.m >> 32) as u32,
            0,
            self.negative,
            self.scale,
        )
    }

    fn whole(self) -> bool {
        // Most whole numbers are written without a point: no division for them.
        self.scale == 0 || self.m.is_multiple_of(10u64.pow(self.scale))
    }

    /// The order against `d`, as `Decimal::cmp` gives it.
    #[inline]
    fn order(self, d: &Decimal) -> Ordering {
        order_decimals(&self.decimal(), d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rulebook;

    fn direct(text: &str) -> Option<Case> {
        let mut case = Case::empty();
        read(
            &Rulebook::embedded().schema,
            text.as_bytes(),
            &mut case,
            &mut Vec::new(),
        )
        .filter(|&n| n == text.len())
        .map(|_| case)
    }

    /// What the direct reader gives, it gives as the tree reader does, to the scale.
    fn same_as_tree(text: &str) -> Case {
        let case = direct(text).unwrap_or_else(|| panic!("the direct reader takes {text}"));
        let tree = Rulebook::embedded()
            .case_from_json_tree(text, "t.json")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{case:?}"), format!("{tree:?}"), "{text}");
        case
    }

    #[test]
    fn the_common_shape_is_read_directly() {
        same_as_tree(
            r#"{"as_of":"2023-03-01","rural_housing":{"new":true,"prefab":true,"structure":"steel","whole_village":false,"floor_area":180.50}}"#,
        );
        same_as_tree(
            " {\"rental_project\" : {\"kind\": \"residential\", \"units\": [{\"area\": 40.52, \"count\": 8, \"rent\": 827.50, \"market_rent\": 1088.02}, {}]}, \"as_of\": \"2024-02-29\"}\n",
        );
        same_as_tree(r#"{"rental_project":{"units":[]}}"#);
        same_as_tree(r#"{"tenant":{}}"#);
        same_as_tree(r#"{"tenant":{"rent":-0,"market_rent":0.000}}"#);
        same_as_tree(
            r#"{"tenant":{"rent":9999999999999999999,"market_rent":0.000000000000000001}}"#,
        );
    }

    proptest::proptest! {
        /// A project's line of unit types, with numbers of every form, is read as the tree
        /// reads it or left to it; and alike whatever lines follow it in a batch's chunk, its
        /// length then taking in its newline.
        #[test]
        fn a_line_is_read_as_the_tree_reads_it_whatever_follows(
            units in proptest::collection::vec(
                proptest::array::uniform4(proptest::prop_oneof![
                    12 => "(0|[1-9][0-9]{0,9})(\\.[0-9]{1,9})?",
                    4 => "[1-9][0-9]{0,6}",
                    1 => "-[1-9](\\.5)?|1e3|01|1\\.|\\.5| 7|[0-9]{8,20}(\\.[0-9]{1,12})?",
                ]),
                0..5,
            ),
            rest in "(\\PC|\n){0,40}",
        ) {
            let body: Vec<String> = units
                .iter()
                .map(|[a, c, r, m]| {
                    format!(r#"{{"area":{a},"count":{c},"rent":{r},"market_rent":{m}}}"#)
                })
                .collect();
            let line = format!(
                r#"{{"as_of":"2023-03-01","rental_project":{{"kind":"residential","units":[{}]}}}}"#,
                body.join(",")
            );
            let schema = &Rulebook::embedded().schema;
            let tree = Rulebook::embedded().case_from_json_tree(&line, "t.json");
            let mut alone = Case::empty();
            let read_alone = read(schema, line.as_bytes(), &mut alone, &mut Vec::new());
            if let Some(n) = read_alone {
                proptest::prop_assert_eq!(n, line.len());
                proptest::prop_assert!(tree.is_ok(), "the direct reader took what the tree refuses");
                let tree = tree.map(|c| format!("{c:?}")).unwrap_or_default();
                proptest::prop_assert_eq!(format!("{alone:?}"), tree);
            }
            let text = format!("{line}\n{rest}");
            let mut followed = Case::empty();
            let read_followed = read(schema, text.as_bytes(), &mut followed, &mut Vec::new());
            proptest::prop_assert_eq!(read_followed, read_alone.map(|n| n + 1));
            if read_followed.is_some() {
                proptest::prop_assert_eq!(format!("{followed:?}"), format!("{alone:?}"));
            }
        }

        /// Bounds are checked on the digits as `Decimal::cmp` would check them.
        #[test]
        fn digits_order_as_their_decimal(
            m in proptest::prop_oneof![0u64..1000, proptest::num::u64::ANY],
            scale in 0u32..=19,
            negative: bool,
            bound_m in proptest::prop_oneof![-1000i128..1000, -((1i128 << 96) - 1)..(1i128 << 96)],
            bound_scale in 0u32..=28,
        ) {
            let n = Digits { m, scale, negative: negative && m != 0 };
            let bound = Decimal::from_i128_with_scale(bound_m, bound_scale);
            proptest::prop_assert_eq!(n.order(&bound), n.decimal().cmp(&bound));
            proptest::prop_assert_eq!(n.whole(), n.decimal().fract().is_zero());
        }
    }

    /// The number as the plain byte loop reads it, after the space before it: what `number`
    /// must give eight bytes at a time.
    fn number_by_bytes(text: &[u8]) -> Option<(u64, u32, bool, usize)> {
        let start = text
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\r'))
            .count();
        let negative = text.get(start) == Some(&b'-');
        let mut i = start + usize::from(negative);
        let mut m = 0u64;
        let mut run = |i: &mut usize| {
            let n = text[*i..].iter().take_while(|c| c.is_ascii_digit()).count();
            for &c in &text[*i..*i + n] {
                m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            }
            *i += n;
            n
        };
        let int_len = run(&mut i);
        if int_len == 0 || (int_len > 1 && text[start + usize::from(negative)] == b'0') {
            return None;
        }
        let mut scale = 0;
        if text.get(i) == Some(&b'.') {
            i += 1;
            scale = run(&mut i);
            if scale == 0 {
                return None;
            }
        }
        let next = text.get(i);
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
            || int_len + scale > 19
        {
            return None;
        }
        Some((m, scale as u32, negative && m != 0, i))
    }

    proptest::proptest! {
        /// Eight digits at a time reads every number as the byte loop does, wherever it ends
        /// and however much text follows it.
        #[test]
        fn numbers_read_as_the_byte_loop_reads_them(
            text in "[ \t]{0,2}-?[0-9]{0,22}(\\.[0-9]{0,22})?[,}x.e 0-9]{0,12}",
        ) {
            let mut r = Reader { b: text.as_bytes(), i: 0 };
            let fast = r.number().map(|d| (d.m, d.scale, d.negative, r.i));
            proptest::prop_assert_eq!(fast, number_by_bytes(text.as_bytes()));
        }

        /// A number ended within its word is read as the byte loop reads it, and each one
        /// the byte loop reads that way (unsigned, at most seven bytes, then `sep`) is taken.
        #[test]
        fn a_number_ended_within_its_word_is_read_as_the_byte_loop_reads_it(
            text in proptest::prop_oneof![
                "-?[0-9]{0,8}(\\.[0-9]{0,8})?[,}x.e/ 0-9]{0,8}",
                // Short, with points anywhere.
                "[0-9.]{1,8}[,}.x]",
            ],
            sep in proptest::sample::select(vec![b',', b'}']),
        ) {
            let padded = format!("{text}        ");
            let w = u64::from_le_bytes(padded.as_bytes()[..8].try_into().unwrap());
            let fast = number_ended_by(w, sep).map(|(d, len)| (d.m, d.scale, d.negative, len));
            let slow = number_by_bytes(padded.as_bytes())
                .filter(|&(_, _, negative, end)| {
                    // The word starts with the number: the byte loop's leading blanks are not
                    // the word reader's to skip.
                    !negative
                        && !text.starts_with(['-', ' ', '\t'])
                        && end < 8
                        && padded.as_bytes()[end] == sep
                });
            proptest::prop_assert_eq!(fast, slow, "{:?}", text);
        }

        /// A string ends at its first quote, eight bytes at a time as byte by byte, and
        /// one with a backslash or a control character first is left to the tree reader.
        #[test]
        fn a_string_ends_where_the_byte_loop_ends_it(
            text in "[a-z_\"\\\\\t\u{1f}\u{7f}\u{e9}]{0,30}",
        ) {
            let quoted = format!("\"{text}");
            let mut r = Reader { b: quoted.as_bytes(), i: 0 };
            let fast = r.string().map(|s| (s.to_vec(), r.i));
            let bytes = text.as_bytes();
            let slow = bytes
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .filter(|&n| bytes[n] == b'"')
                .map(|n| (bytes[..n].to_vec(), n + 2));
            proptest::prop_assert_eq!(fast, slow);
        }

        #[test]
        fn a_digit_run_stops_at_the_first_non_digit(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![3 => b'0'..=b'9', 1 => proptest::num::u8::ANY],
                8,
            ),
        ) {
            let w = u64::from_le_bytes(bytes[..].try_into().unwrap());
            let n = bytes.iter().take_while(|c| c.is_ascii_digit()).count();
            proptest::prop_assert_eq!(digit_run(w), n);
            if n > 0 {
                let value = bytes[..n].iter().fold(0, |m, &c| m * 10 + u64::from(c - b'0'));
                proptest::prop_assert_eq!(eight_digits(w, n), value);
            }
        }
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let names: Vec<Vec<u8>> = (0..=20)
            .map(|n| (0..n).map(|i| b'a' + (i % 26) as u8).collect())
            .collect();
        for a in &names {
            for b in &names {
                assert_eq!(same_bytes(a, b), a == b);
                // One byte different, anywhere.
                for i in 0..b.len() {
                    let mut c = b.clone();
                    c[i] ^= 0x20;
                    assert_eq!(same_bytes(a, &c), *a == c);
                }
            }
        }
    }

    #[test]
    fn anything_else_is_left_to_the_tree_reader() {
        for text in [
            // Read by the tree reader, exactly, but not by this one.
            r#"{"tenant":{"rent":1e3}}"#,
            r#"{"tenant":{"rent":"1500"}}"#,
            r#"{"tenant":{"rent":12345678901234567890}}"#,
            r#"{"tenant":{"rent":0.0000000000000000000000000001}}"#,
            r#"{"tenant":{"r\u0065nt":1500}}"#,
            "\u{feff}{\"tenant\":{}}",
            // Errors, which only the tree reader reports.
            r#"{"tenant":{"rent":01}}"#,
            r#"{"tenant":{"rent":1.}}"#,
            r#"{"tenant":{"rent":-}}"#,
            r#"{"tenant":{"rent":1x}}"#,
            r#"{"tenant":{"rent":null}}"#,
            r#"{"tenant":{"rent":1500,"rent":1500}}"#,
            r#"{"tenant":{"rent":1500,}}"#,
            r#"{"tenant":{"rent":-1}}"#,
            r#"{"tenant":{"rental":1500}}"#,
            r#"{"tenant":{}} x"#,
            r#"{"tenant":{},"rural_housing":{}}"#,
            r#"{"as_of":"2023-3-01","tenant":{}}"#,
            r#"{"as_of":"2023-02-29","tenant":{}}"#,
            r#"{"as_of":"2023-03-01","as_of":"2023-03-01","tenant":{}}"#,
            r#"{"as_of":"2023-03-01"}"#,
            r#"{}"#,
            r#"{"rural_housing":{"structure":"wood"}}"#,
            r#"{"rural_housing":{"new":truex}}"#,
            r#"{"rural_housing":{"new":1}}"#,
            r#"{"rental_project":{"units":[{"count":1.5}]}}"#,
            r#"{"rental_project":{"units":[{"area":1,"area":2}]}}"#,
            r#"{"rental_project":{"units":[1]}}"#,
            r#"{"rental_project":{"units":[],"units":[]}}"#,
            r#"{"rental_project":{"units":[{}],}}"#,
            r#"{"rental_project":{"units":[{},]}}"#,
            "{\"tenant\":{\"rent\":\"a\tb\"}}",
        ] {
            assert!(direct(text).is_none(), "the direct reader took {text}");
        }
    }
}
