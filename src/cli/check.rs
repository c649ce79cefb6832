//! `policy-calc check`: evaluate case files and print their reports.

use std::path::Path;

use policy_calc::Rulebook;
use policy_calc::diagnostic::shorten;
use policy_calc::limits::{self, ReadError};

use super::Opts;

pub fn run(opts: &Opts, book: &Rulebook) -> i32 {
    if opts.batch.is_some() || opts.full {
        return super::batch::run(opts, book);
    }
    if opts.args.is_empty() {
        err!(
            "error: no case given: name case files, or `-` for standard input\n\n{}",
            super::usage("check")
        );
        return 2;
    }
    if opts.args.iter().filter(|a| *a == "-").count() > 1 {
        err!("error: `-` is given twice: standard input can be read only once");
        return 2;
    }
    let today = chrono::Local::now().date_naive();
    let mut status = 0;
    for path in &opts.args {
        let (name, text) = match read_case(path, opts.limits.case_bytes) {
            Ok(t) => t,
            Err(e) => {
                if opts.json {
                    err!("{}", json_error(path, &e, &[]));
                } else {
                    err!("error: {e}");
                }
                status = 2;
                continue;
            }
        };
        let case = match book.case_from_text(&text, &name) {
            Ok(c) => c,
            Err(d) => {
                let lang = opts.lang.into();
                if opts.json {
                    // A service reads the same diagnostics as data, one line per case, each
                    // message in the report's language (as the HTTP API gives them).
                    let errors: Vec<_> = d.0.into_iter().map(|d| d.in_lang(lang)).collect();
                    let line = serde_json::json!({ "file": name, "errors": errors });
                    err!("{line}");
                } else {
                    for d in &d.0 {
                        err!("{}\n", super::full_in(d, lang));
                    }
                    if lang == policy_calc::Lang::Zh {
                        err!("error: {name} 未予评估：有{}个问题", d.0.len());
                    } else {
                        err!("error: {name} was not evaluated: {} problem(s)", d.0.len());
                    }
                }
                status = 2;
                continue;
            }
        };
        let as_of = opts.as_of.or(case.as_of()).unwrap_or(today);
        let report = match book.evaluate_with_changes(&case, as_of) {
            Ok(r) => r,
            Err(e) => {
                let message = e.message_in(opts.lang.into());
                if opts.json {
                    err!("{}", json_error(&name, &message, &e.facts));
                } else {
                    err!("error: {name}: {message}");
                    for f in &e.facts {
                        err!("  = {f}");
                    }
                }
                status = 2;
                continue;
            }
        };
        if report.has_non_compliance() && status == 0 {
            status = 1;
        }
        let text = if opts.json {
            let mut report = report;
            report.set_language(opts.lang.into());
            report.to_json()
        } else {
            policy_calc::human::report(&name, &report, book, opts.lang.into(), opts.logic)
        };
        out!("{text}");
        if super::output_failed() {
            // Nothing more can be shown: the caller reports why.
            return status;
        }
    }
    status
}

pub(super) fn read_case(path: &str, limit: u64) -> Result<(String, String), String> {
    let (name, bytes) = if path == "-" {
        let bytes = limits::read_bounded(std::io::stdin().lock(), limit)
            .map_err(|e| format!("standard input: {}", case_read_error(e)))?;
        ("<stdin>".to_string(), bytes)
    } else {
        let bytes = limits::read_file(Path::new(path), limit)
            .map_err(|e| format!("{}: {}", shorten(path, 200), case_read_error(e)))?;
        (path.to_string(), bytes)
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not a text file (invalid UTF-8 at byte {}); a case is TOML or JSON text",
            e.utf8_error().valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err(format!(
            "{name}: the file is empty; a case names one subject, e.g. [rural_housing]"
        ));
    }
    Ok((name, text))
}

fn case_read_error(e: ReadError) -> String {
    match e {
        ReadError::TooLarge { .. } => format!("{e}; a case is a few kilobytes"),
        e => e.to_string(),
    }
}

/// An error that is not a diagnostic of the case text, as one JSON line for `--format json`.
fn json_error(file: &str, message: &str, facts: &[String]) -> String {
    serde_json::json!({ "file": file, "errors": [{ "message": message, "facts": facts }] })
        .to_string()
}
