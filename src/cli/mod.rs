//! The command line: what the user typed becomes a validated configuration before any work
//! starts; exit status 0 (fine), 1 (some result non_compliant, or a golden case failed),
//! 2 (bad input: a case, a rule file or an argument).

/// Prints a line to standard output; a closed pipe is not an error worth a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

/// Prints without a line break.
macro_rules! outn {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($t)*);
    }};
}

/// Prints a line to standard error, never panicking.
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

mod batch;
mod check;
mod coverage;
mod human;
#[cfg(feature = "serve")]
mod serve;
mod show;
mod test_cmd;

use std::path::PathBuf;

use chrono::NaiveDate;
use policy_calc::diagnostic::Diagnostic;
use policy_calc::rulebook::{LoadError, Rulebook};

pub const USAGE: &str = "\
policy-calc: the clauses of the Keqiao District gazette (May 2022), evaluated exactly

usage:
  policy-calc check CASE... [--as-of YYYY-MM-DD] [--format human|json] [--lang zh|en] [--rules DIR]
  policy-calc check --batch FILE.jsonl [--as-of YYYY-MM-DD] [--full] [--rules DIR]
                                      one JSON case a line (- for standard input), one JSON
                                      report a line out, in order, on every core; --as-of
                                      overrides a line's own as_of, as for check
  policy-calc serve [--addr 127.0.0.1:8080] [--rules DIR]
                                      the HTTP API (/v1/..., /openapi.json) and the web page
  policy-calc test PATH...            run golden cases (files or folders of them)
  policy-calc documents               list the documents and their windows in force
  policy-calc clauses [--subject S]   list the clauses
  policy-calc clause ID               show one clause whole: citation, quote, logic, parameters, readings
  policy-calc fields SUBJECT          show a subject's fields, units and allowed words
  policy-calc catalogue [--literate]  print the rulebook catalogue (docs/clauses.md), or with
                                      --literate each document's text with the clauses that
                                      encode each sentence (docs/literate.md)
  policy-calc coverage [DOCUMENT] [--format human|json]
                                      each sentence of the text with its status (encoded, not
                                      computable, not normative, unaccounted) and a summary a
                                      document; exit 1 if a sentence is unaccounted

CASE is a TOML or JSON case file, or - for standard input. Without --rules the built-in rulebook
is used. Exit status: 0 fine, 1 some result non_compliant, 2 bad input.";

/// Human text in Chinese or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.starts_with("zh") {
                    Lang::Zh
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }
}

/// Options shared by the commands, validated.
pub struct Opts {
    pub args: Vec<String>,
    pub as_of: Option<NaiveDate>,
    pub json: bool,
    pub lang: Lang,
    pub rules: Option<PathBuf>,
    pub subject: Option<String>,
    /// `check --batch FILE`: JSON Lines in and out.
    pub batch: Option<String>,
    /// `--full`: full reports in a batch.
    pub full: bool,
    /// `catalogue --literate`: the documents' text with the clauses that encode it.
    pub literate: bool,
}

/// Options that take no value.
const SWITCHES: &[&str] = &["--full", "--literate"];

fn parse_opts(args: &[String], allowed: &[&str]) -> Result<Opts, String> {
    let mut out = Opts {
        args: Vec::new(),
        as_of: None,
        json: false,
        lang: Lang::from_env(),
        rules: None,
        subject: None,
        batch: None,
        full: false,
        literate: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        if !flag.starts_with("--") || flag == "-" {
            out.args.push(a.clone());
            continue;
        }
        if flag == "--" {
            out.args.extend(it.by_ref().cloned());
            break;
        }
        if !allowed.contains(&flag) {
            return Err(format!(
                "unknown option `{flag}` here (this command takes: {})",
                if allowed.is_empty() {
                    "no options".to_string()
                } else {
                    allowed.join(", ")
                }
            ));
        }
        if SWITCHES.contains(&flag) {
            if inline.is_some() {
                return Err(format!("`{flag}` takes no value"));
            }
            match flag {
                "--literate" => out.literate = true,
                _ => out.full = true,
            }
            continue;
        }
        let value = inline
            .or_else(|| it.next().cloned())
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag {
            "--as-of" => {
                out.as_of = Some(parse_date(&value).ok_or_else(|| {
                    format!("`--as-of {value}` is not a real date in the form YYYY-MM-DD")
                })?)
            }
            "--format" => {
                out.json = match value.as_str() {
                    "json" => true,
                    "human" => false,
                    other => {
                        return Err(format!("unknown format `{other}`: expected human or json"));
                    }
                }
            }
            "--lang" => {
                out.lang = match value.as_str() {
                    "zh" => Lang::Zh,
                    "en" => Lang::En,
                    other => return Err(format!("unknown language `{other}`: expected zh or en")),
                }
            }
            "--rules" => out.rules = Some(PathBuf::from(value)),
            "--subject" => out.subject = Some(value),
            "--batch" => out.batch = Some(value),
            _ => unreachable!("allowed flags are handled"),
        }
    }
    Ok(out)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// A command: its options, the rulebook, and it returns the exit status.
type Command = fn(&Opts, &Rulebook) -> i32;

pub fn run(args: Vec<String>) -> i32 {
    let Some((cmd, rest)) = args.split_first() else {
        err!("{USAGE}");
        return 2;
    };
    let (allowed, f): (&[&str], Command) = match cmd.as_str() {
        "check" => (
            &[
                "--as-of", "--format", "--lang", "--rules", "--batch", "--full",
            ],
            check::run,
        ),
        "test" => (&["--rules"], test_cmd::run),
        "documents" => (&["--rules"], show::documents),
        "clauses" => (&["--rules", "--subject"], show::clauses),
        "clause" => (&["--rules", "--lang"], show::clause),
        "fields" => (&["--rules"], show::fields),
        "catalogue" => (&["--rules", "--literate"], show::catalogue),
        "coverage" => (&["--rules", "--format"], coverage::run),
        #[cfg(feature = "serve")]
        "serve" => return serve::run(rest),
        "-h" | "--help" | "help" => {
            out!("{USAGE}");
            return 0;
        }
        "-V" | "--version" => {
            out!("policy-calc {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        other => {
            let s = policy_calc::schema::suggest(
                other,
                [
                    "check",
                    "test",
                    "documents",
                    "clauses",
                    "clause",
                    "fields",
                    "catalogue",
                    "coverage",
                    "serve",
                ],
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            err!("error: unknown command `{other}`{s}\n\n{USAGE}");
            return 2;
        }
    };
    let opts = match parse_opts(rest, allowed) {
        Ok(o) => o,
        Err(e) => {
            err!("error: {e}\n\n{USAGE}");
            return 2;
        }
    };
    match load(&opts) {
        Ok(Some(book)) => f(&opts, &book),
        Ok(None) => f(&opts, Rulebook::embedded()),
        Err(code) => code,
    }
}

/// The rulebook named by `--rules`, or `None` for the built-in one.
fn load(opts: &Opts) -> Result<Option<Rulebook>, i32> {
    let Some(dir) = &opts.rules else {
        return Ok(None);
    };
    match Rulebook::load_dir(dir) {
        Ok(b) => Ok(Some(b)),
        Err(LoadError::Io(e)) => {
            err!("error: {e}");
            Err(2)
        }
        Err(LoadError::Rules(d)) => {
            for d in &d.0 {
                err!("{}\n", render(d));
            }
            err!(
                "error: the rules in {} have {} problem(s)",
                dir.display(),
                d.0.len()
            );
            Err(2)
        }
    }
}

/// A diagnostic as a compiler shows it: where, the line, a caret under the problem.
pub fn render(d: &Diagnostic) -> String {
    let mut s = format!(
        "error[{}]: {}\n  --> {}:{}:{}\n",
        d.code, d.message, d.file, d.line, d.column
    );
    if !d.snippet.is_empty() {
        let gutter = d.line.to_string().len();
        let pad: String = d
            .snippet
            .chars()
            .take(d.column.saturating_sub(1))
            .map(|c| {
                if c == '\t' {
                    '\t'
                } else if is_wide(c) {
                    '　'
                } else {
                    ' '
                }
            })
            .collect();
        let shown: String = d.snippet.chars().take(200).collect();
        s.push_str(&format!(
            "{:gutter$} |\n{} | {}\n{:gutter$} | {pad}{}\n",
            "",
            d.line,
            shown,
            "",
            "^".repeat(d.width.min(120))
        ));
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

/// Characters that take two columns in a terminal (CJK), so the caret lines up.
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}
