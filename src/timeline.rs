//! The timeline of a case: each date on which some result of the case changes (its outcome,
//! its amount or a reported value) — documents entering into force and expiring, parameter
//! versions, deadlines of targets, the incentive window, a review falling due — with the
//! results on both sides.
//!
//! Every day of the range is evaluated (compactly) and compared with the day before: exact by
//! construction, with no list of "interesting" dates to forget one from. A range is at most
//! [`MAX_DAYS`] days long.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Rulebook;
use crate::case::Case;
use crate::eval::CompactReport;
use crate::expr::{ExprKind, Value};
use crate::report::{ClauseResult, Outcome};

/// The longest range a timeline covers: a hundred years of days.
pub const MAX_DAYS: i64 = 36_525;

/// One change: on `date`, `clause`'s result is `after`; the day before it was `before`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineChange {
    /// The first day of the new result.
    pub date: NaiveDate,
    /// The clause's id.
    pub clause: String,
    /// The result the day before.
    pub before: ClauseResult,
    /// The result from `date` on.
    pub after: ClauseResult,
}

/// A case's timeline over `from..=to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// The case's subject.
    pub subject: String,
    /// The first day of the range.
    pub from: NaiveDate,
    /// The last day of the range.
    pub to: NaiveDate,
    /// The first day the case can be evaluated, when later than `from`: the date of its latest
    /// date fact (a case states what is known on its date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_from: Option<NaiveDate>,
    /// Each change, by date, then in rulebook order.
    pub changes: Vec<TimelineChange>,
}

/// Why a timeline cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // the fields of a variant are its message's words
pub enum TimelineError {
    /// `from` is after `to`.
    #[error("the range {from} to {to} is empty: `from` is after `to`")]
    Empty { from: NaiveDate, to: NaiveDate },
    /// The range is longer than [`MAX_DAYS`].
    #[error("the range {from} to {to} is longer than {MAX_DAYS} days")]
    TooLong { from: NaiveDate, to: NaiveDate },
    /// The case holds a date fact after the range's end.
    #[error("the case holds a date fact after {to}, the end of the range")]
    NotKnown { to: NaiveDate },
    /// The case could not be evaluated on a day of the range.
    #[error(transparent)]
    Evaluation(#[from] crate::eval::EvaluationError),
}

/// The rulebook's own range: from the day before its first document takes effect to a year
/// after the last date it names (a document's end, a parameter version, a date in a rule),
/// so that every date the rules turn on, and a yearly review after it, lies inside.
#[must_use]
pub fn default_range(book: &Rulebook) -> (NaiveDate, NaiveDate) {
    let mut dates: Vec<NaiveDate> = Vec::new();
    for d in &book.documents {
        dates.push(d.from);
        dates.extend(d.until);
    }
    for p in &book.params {
        for v in &p.versions {
            dates.push(v.from);
            dates.extend(v.until);
            if let Value::Date(d) = v.value {
                dates.push(d);
            }
        }
    }
    for c in &book.clauses {
        for e in c.exprs() {
            e.walk(&mut |x| {
                if let ExprKind::Const(Value::Date(d)) = x.kind {
                    dates.push(d);
                }
            });
        }
    }
    let first = dates.iter().min().copied().unwrap_or_default();
    let last = dates.iter().max().copied().unwrap_or_default();
    (
        first.pred_opt().unwrap_or(first),
        last.checked_add_days(Days::new(366)).unwrap_or(last),
    )
}

/// What a day's result is compared by: outcome, amount and reported values.
type Key = (Outcome, Option<Decimal>, Vec<(String, Decimal)>);

/// What each result of `case` on `day` is compared by.
fn keys<'b>(
    book: &'b Rulebook,
    case: &Case,
    day: NaiveDate,
    out: &mut CompactReport<'b>,
) -> Result<Vec<Key>, TimelineError> {
    book.evaluate_compact(case, day, out)?;
    Ok(out
        .results()
        .iter()
        .map(|r| {
            let values = out.values(r).map(|v| (v.to_string(), v.value)).collect();
            (r.outcome, r.amount, values)
        })
        .collect())
}

/// The timeline of `case` from `from` to `to`, both included.
pub fn timeline(
    book: &Rulebook,
    case: &Case,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Timeline, TimelineError> {
    if from > to {
        return Err(TimelineError::Empty { from, to });
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(TimelineError::TooLong { from, to });
    }
    // The case is evaluated from the day of its latest date fact on.
    let latest = case
        .facts
        .values
        .iter()
        .filter_map(|v| match v {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        })
        .max();
    let start = match latest {
        Some(d) if d > to => return Err(TimelineError::NotKnown { to }),
        Some(d) if d > from => d,
        _ => from,
    };
    let mut out = CompactReport::new();
    let mut changes = Vec::new();
    let mut before = keys(book, case, start, &mut out)?;
    let mut day = start;
    while day < to {
        let next = day.succ_opt().unwrap_or(day);
        let after = keys(book, case, next, &mut out)?;
        if after != before {
            let (old, new) = (book.evaluate(case, day)?, book.evaluate(case, next)?);
            for ((b, a), (kb, ka)) in old
                .results
                .into_iter()
                .zip(new.results)
                .zip(before.iter().zip(&after))
            {
                if kb != ka {
                    changes.push(TimelineChange {
                        date: next,
                        clause: a.clause.to_string(),
                        before: b,
                        after: a,
                    });
                }
            }
        }
        before = after;
        day = next;
    }
    Ok(Timeline {
        subject: case.subject_name.clone(),
        from,
        to,
        known_from: (start > from).then_some(start),
        changes,
    })
}
