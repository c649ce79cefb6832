//! The command line: what the user typed becomes a validated configuration before any work
//! starts; exit status 0 (fine), 1 (some result non_compliant, or a golden case failed),
//! 2 (bad input: a case, a rule file or an argument).

/// Prints a line to standard output. A failed write is remembered (`written`) and ends the
/// command: exit 2 with a message, or quietly for a closed pipe.
macro_rules! out {
    ($($t:tt)*) => {{
        $crate::cli::emit(format_args!("{}\n", format_args!($($t)*)));
    }};
}

/// Prints without a line break.
macro_rules! outn {
    ($($t:tt)*) => {{
        $crate::cli::emit(format_args!($($t)*));
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
mod timeline;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::NaiveDate;
use policy_calc::diagnostic::{Diagnostic, shorten};
use policy_calc::limits::{Limits, parse_size};
use policy_calc::rulebook::{LoadError, Rulebook};

pub const USAGE: &str = "\
policy-calc: the clauses of the Keqiao District gazette (May 2022), evaluated exactly

usage:
  policy-calc check CASE... [--as-of YYYY-MM-DD] [--format human|json] [--lang zh|en] [--rules DIR]
  policy-calc check --batch FILE.jsonl [--as-of YYYY-MM-DD] [--full] [--rules DIR]
                                      one JSON case a line (- for standard input), one JSON
                                      report a line out, in order, on every core; --as-of
                                      overrides a line's own as_of, as for check
  policy-calc timeline CASE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format human|json] [--lang zh|en]
                                      each date on which a result of the case changes, with
                                      the results on both sides (default: the rulebook's dates)
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
is used. --max-bytes N[K|M|G] sets every limit on what is read (a case file or a batch line,
1M; a rule or golden file, 4M). Exit status: 0 fine, 1 some result non_compliant, 2 bad
input or output that could not be written.";

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

/// The first error writing standard output, if any: once output is lost, nothing more is
/// written, and the command ends with exit status 2 (or quietly, for a closed pipe).
static WRITE_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Writes to standard output, remembering the first failure.
pub fn emit(args: std::fmt::Arguments) {
    let mut failed = WRITE_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_none()
        && let Err(e) = std::io::stdout().lock().write_fmt(args)
    {
        *failed = Some(e);
    }
}

/// Whether writing standard output has failed: a command stops its work then.
pub fn output_failed() -> bool {
    WRITE_ERROR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some()
}

/// The command's exit status once its output is flushed: 2 and a message if some output was
/// lost, the command's own status for a closed pipe (whoever reads has what it wanted).
fn finish(status: i32) -> i32 {
    let flushed = std::io::stdout().lock().flush();
    let mut failed = WRITE_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_none()
        && let Err(e) = flushed
    {
        *failed = Some(e);
    }
    match failed.take() {
        None => status,
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => status,
        Some(e) => {
            err!("error: writing standard output: {e}; the output is incomplete");
            2
        }
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
    /// `timeline --from`, `--to`: the range of days.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// What may be read: `--max-bytes` raises every limit.
    pub limits: Limits,
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
        from: None,
        to: None,
        limits: Limits::default(),
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
                "unknown option `{}` here (this command takes: {})",
                shorten(flag, 60),
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
                    format!(
                        "`--as-of {}` is not a real date in the form YYYY-MM-DD",
                        shorten(&value, 40)
                    )
                })?)
            }
            "--format" => {
                out.json = match value.as_str() {
                    "json" => true,
                    "human" => false,
                    other => {
                        return Err(format!(
                            "unknown format `{}`: expected human or json",
                            shorten(other, 40)
                        ));
                    }
                }
            }
            "--lang" => {
                out.lang = match value.as_str() {
                    "zh" => Lang::Zh,
                    "en" => Lang::En,
                    other => {
                        return Err(format!(
                            "unknown language `{}`: expected zh or en",
                            shorten(other, 40)
                        ));
                    }
                }
            }
            "--from" | "--to" => {
                let d = parse_date(&value).ok_or_else(|| {
                    format!("`{flag} {value}` is not a real date in the form YYYY-MM-DD")
                })?;
                if flag == "--from" {
                    out.from = Some(d);
                } else {
                    out.to = Some(d);
                }
            }
            "--rules" => out.rules = Some(PathBuf::from(value)),
            "--subject" => out.subject = Some(value),
            "--batch" => out.batch = Some(value),
            "--max-bytes" => out.limits = Limits::all(parse_size(&value).ok_or_else(|| {
                format!(
                    "`--max-bytes {}` is not a size: give bytes, or K, M or G of them (e.g. 64M)",
                    shorten(&value, 40)
                )
            })?),
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

pub fn run(args: Vec<OsString>) -> i32 {
    let mut text = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        match a.into_string() {
            Ok(a) => text.push(a),
            Err(a) => {
                err!(
                    "error: argument {} is not UTF-8 text: `{}`; policy-calc takes UTF-8 names only (rename the file, or give it on standard input as `-`)",
                    i + 1,
                    shorten(&a.to_string_lossy(), 200)
                );
                return 2;
            }
        }
    }
    finish(run_utf8(&text))
}

fn run_utf8(args: &[String]) -> i32 {
    let Some((cmd, rest)) = args.split_first() else {
        err!("{USAGE}");
        return 2;
    };
    // The options a command takes, whether it takes arguments besides, and the command.
    let (allowed, takes_args, f): (&[&str], bool, Command) = match cmd.as_str() {
        "check" => (
            &[
                "--as-of",
                "--format",
                "--lang",
                "--rules",
                "--batch",
                "--full",
                "--max-bytes",
            ],
            true,
            check::run,
        ),
        "test" => (&["--rules", "--max-bytes"], true, test_cmd::run),
        "documents" => (&["--rules", "--max-bytes"], false, show::documents),
        "clauses" => (
            &["--rules", "--subject", "--max-bytes"],
            false,
            show::clauses,
        ),
        "clause" => (&["--rules", "--lang", "--max-bytes"], true, show::clause),
        "fields" => (&["--rules", "--max-bytes"], true, show::fields),
        "catalogue" => (
            &["--rules", "--literate", "--max-bytes"],
            false,
            show::catalogue,
        ),
        "coverage" => (&["--rules", "--format", "--max-bytes"], true, coverage::run),
        "timeline" => (
            &[
                "--rules",
                "--format",
                "--lang",
                "--from",
                "--to",
                "--max-bytes",
            ],
            true,
            timeline::run,
        ),
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
                    "timeline",
                    "serve",
                ],
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            err!(
                "error: unknown command `{}`{s}\n\n{USAGE}",
                shorten(other, 60)
            );
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
    if !takes_args && !opts.args.is_empty() {
        err!(
            "error: `{cmd}` takes no arguments (found `{}`)\n\n{USAGE}",
            shorten(&opts.args.join(" "), 200)
        );
        return 2;
    }
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
    match Rulebook::load_dir_with(dir, &opts.limits) {
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
            .take(d.column.saturating_sub(d.snippet_column.max(1)))
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
        let shown = &d.snippet;
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
