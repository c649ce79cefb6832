//! `policy-calc coverage [DOCUMENT]`: a document's text sentence by sentence, each with its
//! status and the clauses that encode it, and a summary line per document.

use std::io::IsTerminal;

use policy_calc::Rulebook;
use policy_calc::coverage::{self, DocumentCoverage, Status};

use super::Opts;

/// Colours only on a terminal, and never with `NO_COLOR` set.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub fn summary_line(d: &DocumentCoverage) -> String {
    let s = &d.summary;
    format!(
        "{} {}: {} sentences, {} encoded, {} not computable, {} not normative ({} of them plain), {} unaccounted",
        d.document,
        d.number,
        s.sentences,
        s.encoded,
        s.not_computable,
        s.not_normative,
        s.plain,
        s.unaccounted
    )
}

pub fn run(opts: &Opts, book: &Rulebook) -> i32 {
    let docs: Vec<usize> = match opts.args.as_slice() {
        [] => (0..book.documents.len()).collect(),
        [id] => {
            if let Some(i) = book.documents.iter().position(|d| {
                d.id == *id || d.number == *id || d.id.strip_prefix("kq-2022-") == Some(id.as_str())
            }) {
                vec![i]
            } else {
                let ids: Vec<&str> = book.documents.iter().map(|d| d.id.as_str()).collect();
                let hint = policy_calc::schema::suggest(id, ids.iter().copied())
                    .map(|x| format!(" (did you mean `{x}`?)"))
                    .unwrap_or_default();
                err!(
                    "error: no document `{id}`{hint}; the documents are: {}",
                    ids.join(", ")
                );
                return 2;
            }
        }
        _ => {
            err!(
                "error: `coverage` takes at most one document\n\n{}",
                super::usage("coverage")
            );
            return 2;
        }
    };
    let covs: Vec<DocumentCoverage> = docs
        .iter()
        .map(|&d| coverage::document_coverage(book, d))
        .collect();
    let failed = covs.iter().any(|c| !c.failures().is_empty());
    if opts.json {
        for c in &covs {
            out!("{}", serde_json::to_string(c).unwrap_or_default());
        }
    } else {
        let on = colour();
        let whole = docs.len() == 1;
        for c in &covs {
            if whole {
                out!(
                    "{}\n",
                    paint(on, "1", &format!("{} {}", c.document, c.number))
                );
                for s in &c.sentences {
                    let (code, label) = match s.status {
                        Status::Encoded => ("32", "encoded"),
                        Status::NotComputable => ("33", "not computable"),
                        Status::NotNormative => ("2", "not normative"),
                        Status::Plain => ("2", "plain"),
                        Status::Unaccounted => ("1;31", "UNACCOUNTED"),
                    };
                    let mut tail = String::new();
                    if !s.by.is_empty() {
                        let ids: Vec<String> =
                            s.by.iter()
                                .map(|b| format!("{} {}", b.kind, b.id))
                                .collect();
                        tail = format!(": {}", ids.join(", "));
                    } else if !s.reason.is_empty() {
                        tail = format!(": {}", s.reason);
                    } else if let Some(t) = &s.trigger {
                        tail = format!(": holds `{t}`");
                    }
                    out!(
                        "{:>3} {:<10} {}{}\n    {}",
                        s.index,
                        s.section,
                        paint(on, code, label),
                        tail,
                        s.text
                    );
                }
                out!("");
                for p in &c.problems {
                    out!("{}: {p}", paint(on, "1;31", "problem"));
                }
            }
            out!("{}", summary_line(c));
        }
    }
    i32::from(failed)
}
