//! The full report as JSON, written straight into one buffer: the HTTP API's answer to
//! `POST /v1/check`, whose cost was mostly `serde`'s (a map per result for its flattened
//! reasons, a string allocated per reason line, strings escaped a byte at a time).
//!
//! Speed code behind a wall: its reference is [`Report::to_json`] (serde), which it matches
//! byte for byte (`tests/report_json.rs` compares the two on every example, in both languages,
//! with and without `why` and changes). What is rare is handed to `serde_json` piece by piece,
//! so it is exact by construction: `why`, `changes`, `margin`, a string that needs an escape,
//! a date outside the years 0 to 9999.
//!
//! What it saves: no allocation per reason line (each is written into one reused line
//! buffer, then copied), strings checked eight bytes at a time and copied whole, and the
//! answer's buffer sized from the last answer on this thread (one allocation, no growth).

use std::cell::{Cell, RefCell};

use chrono::NaiveDate;

use crate::json_out;
use crate::report::{ClauseResult, Quantity, Report};

thread_local! {
    /// The length of the last report written on this thread: the next one's buffer.
    static LAST_LEN: Cell<usize> = const { Cell::new(4096) };
    /// One reason's line in the rule language, before it is escaped into the report.
    static LINE: RefCell<String> = RefCell::new(String::with_capacity(256));
}

/// The report as [`Report::to_json`] writes it, as bytes in a buffer of their own.
#[must_use]
pub fn to_vec(report: &Report) -> Vec<u8> {
    let mut out = Vec::with_capacity(LAST_LEN.get() + 512);
    append(report, &mut out);
    LAST_LEN.set(out.len());
    out
}

/// Appends the report to `out` as [`Report::to_json`] writes it.
pub fn append(report: &Report, out: &mut Vec<u8>) {
    out.push(b'{');
    members(report, out);
}

/// Appends the report to `out` as [`Report::append_json`] writes it for line `line` of a
/// batch: `{"line":N,"subject":...}`.
pub fn append_numbered(report: &Report, line: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"line\":");
    json_out::append_count(out, line);
    out.push(b',');
    members(report, out);
}

/// The report's members and its closing brace.
fn members(report: &Report, out: &mut Vec<u8>) {
    LINE.with_borrow_mut(|line| {
        out.extend_from_slice(b"\"subject\":");
        string(out, &report.subject);
        out.extend_from_slice(b",\"as_of\":");
        date(out, report.as_of);
        out.extend_from_slice(b",\"results\":[");
        for (i, r) in report.results.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            result(r, out, line);
        }
        out.extend_from_slice(b"]}");
    });
}

/// One result, as serde writes a `ClauseResult` (a map, for its flattened reasons).
fn result(r: &ClauseResult, out: &mut Vec<u8>, line: &mut String) {
    out.extend_from_slice(b"{\"clause\":");
    string(out, &r.clause);
    out.extend_from_slice(b",\"document\":");
    string(out, &r.document);
    out.extend_from_slice(b",\"number\":");
    string(out, &r.number);
    out.extend_from_slice(b",\"section\":");
    string(out, &r.section);
    out.extend_from_slice(b",\"quote\":");
    string(out, &r.quote);
    out.extend_from_slice(b",\"outcome\":\"");
    out.extend_from_slice(r.outcome.name().as_bytes());
    out.push(b'"');
    if let Some(q) = &r.amount {
        out.extend_from_slice(b",\"amount\":");
        quantity(out, q);
    }
    out.extend_from_slice(b",\"values\":{");
    for (i, (name, q)) in r.values.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, name);
        out.push(b':');
        quantity(out, q);
    }
    out.extend_from_slice(b"},\"reasons\":[");
    for (i, reason) in r.reasons.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        line.clear();
        reason.logic_to(line);
        string(out, line);
    }
    out.push(b']');
    if r.reasons.first().is_some_and(crate::reason::Reason::why) {
        out.extend_from_slice(b",\"why\":");
        serde_piece(out, r.reasons.as_slice());
    }
    out.extend_from_slice(b",\"missing\":[");
    for (i, m) in r.missing.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, m);
    }
    out.push(b']');
    if !r.changes.is_empty() {
        out.extend_from_slice(b",\"changes\":");
        serde_piece(out, &r.changes);
    }
    if !r.margin.is_empty() {
        out.extend_from_slice(b",\"margin\":");
        serde_piece(out, &r.margin);
    }
    out.push(b'}');
}

/// `{"value":"36110.00","unit":"CNY"}`.
fn quantity(out: &mut Vec<u8>, q: &Quantity) {
    out.extend_from_slice(b"{\"value\":");
    string(out, q.value());
    out.extend_from_slice(b",\"unit\":");
    string(out, q.unit());
    out.push(b'}');
}

/// `s` as a JSON string: copied whole when it needs no escape, else as `serde_json` escapes it.
fn string(out: &mut Vec<u8>, s: &str) {
    if json_out::plain(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_piece(out, s);
    }
}

/// `"YYYY-MM-DD"` for the years 0 to 9999, else as `chrono`'s serde writes it.
fn date(out: &mut Vec<u8>, d: NaiveDate) {
    use chrono::Datelike;
    if (0..=9999).contains(&d.year()) {
        out.push(b'"');
        let _ = json_out::date(out, d);
        out.push(b'"');
    } else {
        serde_piece(out, &d);
    }
}

/// A piece written by `serde_json`, as [`Report::to_json`] writes it.
fn serde_piece<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, piece: &T) {
    // Writing to a `Vec` fails only on a map key that is not a string: there is none.
    let _ = serde_json::to_writer(&mut *out, piece);
}
