//! Golden cases: case files that carry their expected results, run by `policy-calc test` and
//! by the test suite. A file holds any number of cases:
//!
//! ```toml
//! [[case]]
//! name = "steel farmhouse of 180.55 m2"
//! as_of = 2023-03-01
//! [case.rural_housing]
//! new = true
//! prefab = true
//! structure = "steel"
//! floor_area = 180.55
//! [[case.expect]]
//! clause = "rural-prefab-subsidy"
//! outcome = "eligible"
//! amount = "36110.00"                  # exact text of the amount, or "none"
//! values = { "units[1].rent_cap" = "1876.53" }   # these values, exactly (others may exist)
//! reasons = ["structure = steel"]      # each of these among the reasons
//! missing = ["floor_area"]             # exactly these missing fields
//! ```
//!
//! A case may instead expect an input or evaluation error: `error = "text it contains"`.
//! When a clause applies to several subjects, `subject` in an expectation is not needed: the
//! case's own subject picks the clause.

use crate::Rulebook;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::input::{Raw, RawEntry, RawKind};
use crate::report::Report;
use crate::source::Span;

/// What one golden case gave.
#[derive(Clone, Debug)]
pub struct GoldenResult {
    pub name: String,
    pub line: usize,
    /// Empty when the case passed.
    pub failures: Vec<String>,
    /// The clauses the case checked, for coverage.
    pub clauses: Vec<String>,
    pub report: Option<Report>,
}

/// Runs every case of one golden file. A malformed file is an error; a failing case is not.
pub fn run_file(book: &Rulebook, text: &str, file: &str) -> Result<Vec<GoldenResult>, Diagnostics> {
    let _index = crate::source::index_scope(text);
    let at = |span: Span, msg: String| Diagnostic::at("golden::format", file, text, span, msg);
    let raw = crate::input::toml::parse(text).map_err(|e| {
        Diagnostics(vec![Diagnostic::at(
            "golden::syntax",
            file,
            text,
            e.span,
            e.message,
        )])
    })?;
    let RawKind::Table(top) = &raw.kind else {
        return Err(Diagnostics(vec![at(
            raw.span,
            "a golden file is a table".into(),
        )]));
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for entry in top {
        if entry.key != "case" {
            errors.push(at(
                entry.key_span,
                format!(
                    "unknown key `{}`: a golden file holds [[case]] tables",
                    entry.key
                ),
            ));
            continue;
        }
        let RawKind::Array(cases) = &entry.value.kind else {
            errors.push(at(
                entry.value.span,
                "`case` is an array of tables: write [[case]]".into(),
            ));
            continue;
        };
        for c in cases {
            match run_case(book, c, file, text) {
                Ok(r) => out.push(r),
                Err(mut d) => errors.append(&mut d),
            }
        }
    }
    if errors.is_empty() && out.is_empty() {
        errors.push(at(
            raw.span,
            "no golden case here: a golden file holds [[case]] tables, each with its expectations"
                .into(),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(errors))
    }
}

fn string(raw: &Raw) -> Option<&str> {
    match &raw.kind {
        RawKind::String(s) => Some(s),
        _ => None,
    }
}

fn strings(raw: &Raw) -> Option<Vec<String>> {
    match &raw.kind {
        RawKind::Array(items) => items
            .iter()
            .map(|i| string(i).map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn run_case(
    book: &Rulebook,
    c: &Raw,
    file: &str,
    text: &str,
) -> Result<GoldenResult, Vec<Diagnostic>> {
    let at = |span: Span, msg: String| Diagnostic::at("golden::format", file, text, span, msg);
    let RawKind::Table(entries) = &c.kind else {
        return Err(vec![at(c.span, "each case is a table".into())]);
    };
    let line = crate::source::line_col(text, c.span.start).line;
    let mut name = format!("{file}:{line}");
    let mut expects: Vec<&Raw> = Vec::new();
    let mut expected_error: Option<String> = None;
    let mut case_entries: Vec<RawEntry> = Vec::new();
    let mut errors = Vec::new();
    for e in entries {
        match e.key.as_str() {
            "name" => match string(&e.value) {
                Some(s) => name = s.to_string(),
                None => errors.push(at(e.value.span, "`name` is a string".into())),
            },
            "error" => expected_error = string(&e.value).map(str::to_string),
            "expect" => match &e.value.kind {
                RawKind::Array(items) => expects.extend(items.iter()),
                _ => errors.push(at(
                    e.value.span,
                    "write expectations as [[case.expect]]".into(),
                )),
            },
            _ => case_entries.push(e.clone()),
        }
    }
    if expects.is_empty() && expected_error.is_none() {
        // A case that expects nothing would pass whatever the rules do.
        errors.push(at(
            c.span,
            "this case checks nothing: give it [[case.expect]] tables or an `error`".into(),
        ));
        return Err(errors);
    }
    let mut result = GoldenResult {
        name,
        line,
        failures: Vec::new(),
        clauses: Vec::new(),
        report: None,
    };
    let case_raw = Raw {
        kind: RawKind::Table(case_entries),
        span: c.span,
    };
    let case = match crate::case::case_from_parsed(&book.schema, &case_raw, file, text) {
        Ok(case) => case,
        Err(d) => {
            match &expected_error {
                Some(want) if d.0.iter().any(|x| x.message.contains(want.as_str())) => {}
                Some(want) => result
                    .failures
                    .push(format!("expected an error containing {want:?}, got:\n{d}")),
                None => result
                    .failures
                    .push(format!("the case does not read:\n{d}")),
            }
            return Ok(result);
        }
    };
    let Some(as_of) = case.as_of else {
        errors.push(at(c.span, "a golden case gives its `as_of` date".into()));
        return Err(errors);
    };
    // What would change a result is worked out only where a case expects it (it costs a
    // search per fact).
    let wants_changes = expects.iter().any(|x| match &x.kind {
        RawKind::Table(fields) => fields
            .iter()
            .any(|f| f.key == "changes" || f.key == "margin"),
        _ => false,
    });
    let evaluated = if wants_changes {
        book.evaluate_with_changes(&case, as_of)
    } else {
        book.evaluate(&case, as_of)
    };
    let report = match evaluated {
        Ok(r) => r,
        Err(e) => {
            match &expected_error {
                Some(want) if e.to_string().contains(want.as_str()) => {}
                Some(want) => result
                    .failures
                    .push(format!("expected an error containing {want:?}, got: {e}")),
                None => result.failures.push(format!("evaluation failed: {e}")),
            }
            return Ok(result);
        }
    };
    if let Some(want) = &expected_error {
        result.failures.push(format!(
            "expected an error containing {want:?}, but the case evaluated"
        ));
    }
    for x in expects {
        let RawKind::Table(fields) = &x.kind else {
            errors.push(at(x.span, "an expectation is a table".into()));
            continue;
        };
        let get = |k: &str| fields.iter().find(|f| f.key == k).map(|f| &f.value);
        for f in fields {
            if ![
                "clause", "outcome", "amount", "values", "reasons", "missing", "changes", "margin",
            ]
            .contains(&f.key.as_str())
            {
                errors.push(at(f.key_span, format!("unknown expectation `{}`", f.key)));
            }
        }
        let Some(clause) = get("clause").and_then(string) else {
            errors.push(at(x.span, "an expectation names its `clause`".into()));
            continue;
        };
        result.clauses.push(clause.to_string());
        let Some(r) = report.result(clause) else {
            result.failures.push(format!(
                "clause {clause}: not in the report of a {} case",
                report.subject
            ));
            continue;
        };
        let mut fail = |what: String| {
            result.failures.push(format!(
                "clause {clause}: {what}\n    reasons: {:?}",
                r.reasons.lines().collect::<Vec<_>>()
            ));
        };
        if let Some(o) = get("outcome").and_then(string)
            && o != r.outcome.name()
        {
            fail(format!("outcome: expected {o}, got {}", r.outcome));
        }
        if let Some(a) = get("amount").and_then(string) {
            let got = r.amount.as_ref().map_or("none", |q| q.value());
            if a != got {
                fail(format!("amount: expected {a}, got {got}"));
            }
        }
        if let Some(v) = get("values") {
            match &v.kind {
                RawKind::Table(vals) => {
                    for val in vals {
                        let want = string(&val.value).unwrap_or("?");
                        match r.values.get(&val.key) {
                            Some(q) if q.value() == want => {}
                            Some(q) => fail(format!(
                                "value {}: expected {want}, got {}",
                                val.key,
                                q.value()
                            )),
                            None => fail(format!(
                                "value {}: expected {want}, but it is not reported (values: {:?})",
                                val.key,
                                r.values.0.iter().map(|(k, _)| k).collect::<Vec<_>>()
                            )),
                        }
                    }
                }
                _ => errors.push(at(v.span, "`values` is a table of strings".into())),
            }
        }
        if let Some(rs) = get("reasons") {
            match strings(rs) {
                Some(list) => {
                    for want in list {
                        if !r.reasons.has_line(&want) {
                            fail(format!("reason {want:?} not given"));
                        }
                    }
                }
                None => errors.push(at(rs.span, "`reasons` is a list of strings".into())),
            }
        }
        for (key, found) in [("changes", &r.changes), ("margin", &r.margin)] {
            let Some(list) = get(key) else { continue };
            match strings(list) {
                Some(want) => {
                    let found: Vec<String> =
                        found.iter().map(std::string::ToString::to_string).collect();
                    for w in want {
                        if !found.contains(&w) {
                            fail(format!("{key}: {w:?} not given (given: {found:?})"));
                        }
                    }
                }
                None => errors.push(at(list.span, format!("`{key}` is a list of strings"))),
            }
        }
        if let Some(m) = get("missing") {
            match strings(m) {
                Some(list) if list != r.missing => {
                    fail(format!("missing: expected {list:?}, got {:?}", r.missing));
                }
                Some(_) => {}
                None => errors.push(at(m.span, "`missing` is a list of strings".into())),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    result.report = Some(report);
    Ok(result)
}
