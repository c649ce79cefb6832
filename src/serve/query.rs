//! The query of the check endpoints, read by hand so that every bad parameter is a
//! problem+json 400 naming it: shared by `POST /v1/check` (api.rs) and the streamed batch
//! (batch.rs).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Problem;

/// The query of `POST /v1/check` and `/v1/check/batch`.
#[derive(Debug, Default)]
pub(crate) struct CheckQuery {
    pub as_of: Option<NaiveDate>,
    pub full: bool,
    pub lang: Option<String>,
    /// `changes=true`: a full report with what would change each result (`changes`,
    /// `margin`), which costs some 25 times the report itself.
    pub changes: bool,
    /// `why=true`: a full report with its reasons as data and sentences (`why`), which costs
    /// about as much again as the rest of the answer.
    pub why: bool,
}

impl CheckQuery {
    /// `changes=true` and `why=true` come with the full report only: a 400 with
    /// `report=compact`.
    pub(crate) fn needs_full(&self) -> Result<(), Problem> {
        if self.full {
            return Ok(());
        }
        for (asked, what, name) in [
            (self.changes, "what would change each result", "changes"),
            (self.why, "the reasons as data", "why"),
        ] {
            if asked {
                return Err(Problem::bad_request(
                    &format!("bad query parameter `{name}`"),
                    format!("{what} comes with the full report: drop `report=compact`"),
                ));
            }
        }
        Ok(())
    }

    /// The language of the reasons' sentences (`why[].text`): Chinese unless `lang=en`.
    pub(crate) fn words(&self) -> crate::labels::Lang {
        match self.lang.as_deref() {
            Some("en") => crate::labels::Lang::En,
            _ => crate::labels::Lang::Zh,
        }
    }
}

/// Reads the query by hand, so that every bad parameter is a problem+json 400 naming it.
pub(crate) fn check_query(
    q: &HashMap<String, String>,
    full_by_default: bool,
) -> Result<CheckQuery, Problem> {
    let mut out = CheckQuery {
        full: full_by_default,
        ..CheckQuery::default()
    };
    for (k, v) in q {
        match k.as_str() {
            "as_of" => {
                out.as_of = Some(parse_date(v).ok_or_else(|| {
                    Problem::bad_request(
                        "bad query parameter `as_of`",
                        format!("`as_of={v}` is not a real date in the form YYYY-MM-DD"),
                    )
                })?);
            }
            "report" => out.full = either(k, v, "full", "compact")?,
            "changes" => out.changes = either(k, v, "true", "false")?,
            "why" => out.why = either(k, v, "true", "false")?,
            "lang" => {
                either(k, v, "zh", "en")?;
                out.lang = Some(v.clone());
            }
            other => {
                return Err(Problem::bad_request(
                    "unknown query parameter",
                    format!(
                        "`{other}` is not a parameter here (as_of, report, lang, changes, why)"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// A query parameter `k` that takes one of two words: `true` for `yes`, `false` for `no`,
/// else a 400 naming both.
pub(crate) fn either(k: &str, v: &str, yes: &str, no: &str) -> Result<bool, Problem> {
    match v {
        _ if v == yes => Ok(true),
        _ if v == no => Ok(false),
        _ => Err(Problem::bad_request(
            &format!("bad query parameter `{k}`"),
            format!("`{k}={v}`: expected {yes} or {no}"),
        )),
    }
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}
