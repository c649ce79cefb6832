//! The command line: arguments to a validated configuration, then the work, then the exit
//! status (0 fine, 1 some result non_compliant, 2 bad input).

use std::io::{Read, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use policy_calc::diagnostic::Diagnostic;
use policy_calc::rulebook::{LoadError, Rulebook};

pub fn run(args: Vec<String>) -> i32 {
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return 2;
    };
    match cmd.as_str() {
        "check" => check(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            2
        }
    }
}

const USAGE: &str = "usage: policy-calc check CASE... [--as-of YYYY-MM-DD] [--format human|json] [--rules DIR]";

struct CheckArgs {
    cases: Vec<String>,
    as_of: Option<NaiveDate>,
    json: bool,
    rules: Option<PathBuf>,
}

fn parse_check(args: &[String]) -> Result<CheckArgs, String> {
    let mut out = CheckArgs {
        cases: Vec::new(),
        as_of: None,
        json: false,
        rules: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match flag {
            "--as-of" => {
                let v = value("--as-of")?;
                out.as_of = Some(parse_date(&v).ok_or_else(|| {
                    format!("`--as-of {v}` is not a real date in the form YYYY-MM-DD")
                })?);
            }
            "--format" => match value("--format")?.as_str() {
                "json" => out.json = true,
                "human" => out.json = false,
                other => return Err(format!("unknown format `{other}`: expected human or json")),
            },
            "--rules" => out.rules = Some(PathBuf::from(value("--rules")?)),
            f if f.starts_with("--") => return Err(format!("unknown option `{f}`")),
            _ => out.cases.push(a.clone()),
        }
    }
    if out.cases.is_empty() {
        return Err("no case given: name case files, or `-` for standard input".into());
    }
    Ok(out)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10).then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
}

fn check(args: &[String]) -> i32 {
    let args = match parse_check(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return 2;
        }
    };
    let owned;
    let book: &Rulebook = match &args.rules {
        None => Rulebook::embedded(),
        Some(dir) => match Rulebook::load_dir(dir) {
            Ok(b) => {
                owned = b;
                &owned
            }
            Err(LoadError::Io(e)) => {
                eprintln!("error: {e}");
                return 2;
            }
            Err(LoadError::Rules(d)) => {
                for d in &d.0 {
                    eprintln!("{}", render(d));
                }
                eprintln!("error: the rules in {} have {} problem(s)", dir.display(), d.0.len());
                return 2;
            }
        },
    };
    let today = chrono::Local::now().date_naive();
    let mut status = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.cases {
        let (name, text) = match read_case(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                status = 2;
                continue;
            }
        };
        let case = match book.case_from_text(&text, &name) {
            Ok(c) => c,
            Err(d) => {
                for d in &d.0 {
                    eprintln!("{}", render(d));
                }
                status = 2;
                continue;
            }
        };
        let as_of = args.as_of.or(case.as_of).unwrap_or(today);
        let report = match book.evaluate(&case, as_of) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                for f in &e.facts {
                    eprintln!("  {f}");
                }
                status = 2;
                continue;
            }
        };
        if report.has_non_compliance() && status == 0 {
            status = 1;
        }
        let text = if args.json {
            report.to_json()
        } else {
            human(&name, &report)
        };
        if writeln!(out, "{text}").is_err() {
            return 2;
        }
    }
    status
}

fn read_case(path: &str) -> Result<(String, String), String> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("standard input: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|_| "standard input: not UTF-8 text".to_string())?;
        return Ok(("<stdin>".into(), text));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!("{path}: not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())
    })?;
    Ok((path.to_string(), text))
}

/// A diagnostic as a compiler shows it: where, the line, a caret under the problem.
pub fn render(d: &Diagnostic) -> String {
    let mut s = format!("error[{}]: {}\n  --> {}:{}:{}\n", d.code, d.message, d.file, d.line, d.column);
    if !d.snippet.is_empty() {
        let gutter = d.line.to_string().len();
        let pad: String = d.snippet.chars().take(d.column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        s.push_str(&format!("{:gutter$} |\n{} | {}\n{:gutter$} | {pad}{}\n", "", d.line, d.snippet, "", "^".repeat(d.width)));
    }
    if let Some(f) = &d.field {
        s.push_str(&format!("  = field: {f}\n"));
    }
    if let Some(e) = &d.expected {
        s.push_str(&format!("  = expected: {e}\n"));
    }
    if let Some(h) = &d.suggestion {
        s.push_str(&format!("  = help: {h}\n"));
    }
    s.pop();
    s
}

fn human(name: &str, report: &policy_calc::report::Report) -> String {
    let mut s = format!("{name}: {} on {}\n", report.subject, report.as_of);
    for r in &report.results {
        s.push_str(&format!("  {:<28} {:<15}", r.clause, r.outcome.name()));
        if let Some(a) = &r.amount {
            s.push_str(&format!(" {} {}", a.value, a.unit));
        }
        s.push_str(&format!("  [{} {}]\n", r.number, r.section));
        for reason in &r.reasons {
            s.push_str(&format!("      - {reason}\n"));
        }
        if !r.missing.is_empty() {
            s.push_str(&format!("      missing: {}\n", r.missing.join(", ")));
        }
    }
    s
}
