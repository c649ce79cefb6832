//! The command line: what the user typed becomes a validated configuration before any work
//! starts; exit status 0 (fine), 1 (some result `non_compliant`, or a golden case failed),
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

mod args;
mod batch;
mod check;
mod coverage;
#[cfg(feature = "serve")]
mod serve;
mod show;
mod test_cmd;
mod timeline;

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::NaiveDate;
use clap::{CommandFactory as _, Parser as _};
use policy_calc::diagnostic::{Form, shorten};
use policy_calc::limits::Limits;

use args::{Cli, Cmd, Common, Format};
use policy_calc::Rulebook;
use policy_calc::rulebook::LoadError;

/// Human text in Chinese or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

impl From<Lang> for policy_calc::labels::Lang {
    fn from(l: Lang) -> policy_calc::labels::Lang {
        match l {
            Lang::Zh => policy_calc::labels::Lang::Zh,
            Lang::En => policy_calc::labels::Lang::En,
        }
    }
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

/// A case's diagnostic as a terminal shows it in `lang` (a rule file's are in English).
pub(crate) fn full_in(d: &policy_calc::Diagnostic, lang: policy_calc::Lang) -> String {
    full(&d.for_reader(lang))
}

/// A diagnostic as a terminal shows it: in colour when standard error is a terminal.
pub(crate) fn full(d: &policy_calc::Diagnostic) -> String {
    use std::io::IsTerminal as _;
    if std::io::stderr().is_terminal() {
        d.render_coloured()
    } else {
        d.render(Form::Full)
    }
}

/// The first error writing standard output, if any: once output is lost, nothing more is
/// written, and the command ends with exit status 2 (or quietly, for a closed pipe).
static WRITE_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Writes to standard output, remembering the first failure.
pub fn emit(args: std::fmt::Arguments) {
    let mut failed = WRITE_ERROR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_some()
}

/// The command's exit status once its output is flushed: 2 and a message if some output was
/// lost, the command's own status for a closed pipe (whoever reads has what it wanted).
fn finish(status: i32) -> i32 {
    let flushed = std::io::stdout().lock().flush();
    let mut failed = WRITE_ERROR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
    /// `check --logic`: the reasons in the rule language instead of plain words.
    pub logic: bool,
}

/// A command: its options, the rulebook, and it returns the exit status.
type Command = fn(&Opts, &Rulebook) -> i32;

pub fn run(args: Vec<OsString>) -> i32 {
    let argv = std::iter::once(OsString::from("policy-calc")).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => return finish(clap_error(&e, &args)),
    };
    finish(match dispatch(cli.command) {
        Ok(code) => code,
        Err(message) => {
            err!("error: {message}");
            2
        }
    })
}

/// A clap error or request: help and the version go to standard output (exit 0), a usage
/// error to standard error (exit 2), every quoted argument in it shortened.
fn clap_error(e: &clap::Error, args: &[OsString]) -> i32 {
    if e.kind() == clap::error::ErrorKind::InvalidUtf8
        || (e.kind() == clap::error::ErrorKind::InvalidSubcommand
            && args.first().is_some_and(|a| a.to_str().is_none()))
    {
        let bad = args.iter().find(|a| a.to_str().is_none());
        err!("error: {}", not_utf8(bad.map_or(OsStr::new(""), |a| a)));
        return 2;
    }
    let text = shorten_words(&e.render().to_string());
    let text = text.trim_end();
    if e.use_stderr() {
        err!("{text}");
    } else {
        out!("{text}");
    }
    e.exit_code()
}

/// `text` with every word longer than 200 characters shortened: an error quotes what was
/// typed, and that may be a file's contents pasted by mistake.
fn shorten_words(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            // The closing quote and what follows stay.
            let word = w.trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation());
            match shorten(word, 200) {
                std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(w),
                std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s + &w[word.len()..]),
            }
        })
        .collect()
}

fn not_utf8(a: &OsStr) -> String {
    format!(
        "argument `{}` is not UTF-8 text; policy-calc takes UTF-8 names only (rename the file, or give it on standard input as `-`)",
        shorten(&a.to_string_lossy(), 200)
    )
}

/// A name from the command line as text, or the error that it is not UTF-8.
fn text(a: &OsStr) -> Result<String, String> {
    a.to_str().map(str::to_string).ok_or_else(|| not_utf8(a))
}

/// The usage of command `name`, and where to read more: shown after an error of its arguments.
pub fn usage(name: &str) -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let usage = cmd
        .find_subcommand_mut(name)
        .map(|c| c.render_usage().to_string())
        .unwrap_or_default();
    format!("{usage}\n\nFor more information, try 'policy-calc {name} --help'.")
}

fn opts(common: Common) -> Result<Opts, String> {
    Ok(Opts {
        args: Vec::new(),
        as_of: None,
        json: false,
        lang: Lang::from_env(),
        rules: common
            .rules
            .map(|r| text(r.as_os_str()).map(PathBuf::from))
            .transpose()?,
        subject: None,
        batch: None,
        full: false,
        literate: false,
        logic: false,
        from: None,
        to: None,
        limits: common.max_bytes.map_or_else(Limits::default, Limits::all),
    })
}

fn texts(paths: &[PathBuf]) -> Result<Vec<String>, String> {
    paths.iter().map(|p| text(p.as_os_str())).collect()
}

/// The command the user named, with its options checked, run.
fn dispatch(cmd: Cmd) -> Result<i32, String> {
    let (o, f): (Opts, Command) = match cmd {
        Cmd::Check(a) => {
            let mut o = opts(a.common)?;
            o.args = texts(&a.cases)?;
            o.as_of = a.as_of;
            o.json = matches!(a.format, Some(Format::Json));
            o.lang = a.lang.unwrap_or(o.lang);
            o.batch = a.batch.map(|b| text(b.as_os_str())).transpose()?;
            o.full = a.full;
            o.logic = a.logic;
            (o, check::run)
        }
        Cmd::Timeline(a) => {
            let mut o = opts(a.common)?;
            o.args = vec![text(a.case.as_os_str())?];
            o.from = a.from;
            o.to = a.to;
            o.json = matches!(a.format, Some(Format::Json));
            o.lang = a.lang.unwrap_or(o.lang);
            (o, timeline::run)
        }
        #[cfg(feature = "serve")]
        Cmd::Serve(a) => {
            let rules = a.rules.map(|r| text(r.as_os_str())).transpose()?;
            return Ok(serve::run(a.addr, rules));
        }
        Cmd::Test { paths, common } => {
            let mut o = opts(common)?;
            o.args = texts(&paths)?;
            (o, test_cmd::run)
        }
        Cmd::Documents { common } => (opts(common)?, show::documents),
        Cmd::Clauses { subject, common } => {
            let mut o = opts(common)?;
            o.subject = subject.as_deref().map(text).transpose()?;
            (o, show::clauses)
        }
        Cmd::Clause { id, lang, common } => {
            let mut o = opts(common)?;
            o.args = vec![text(&id)?];
            o.lang = lang.unwrap_or(o.lang);
            (o, show::clause)
        }
        Cmd::Fields { subject, common } => {
            let mut o = opts(common)?;
            o.args = vec![text(&subject)?];
            (o, show::fields)
        }
        Cmd::Catalogue { literate, common } => {
            let mut o = opts(common)?;
            o.literate = literate;
            (o, show::catalogue)
        }
        Cmd::Coverage {
            document,
            format,
            common,
        } => {
            let mut o = opts(common)?;
            o.args = document
                .as_deref()
                .map(text)
                .transpose()?
                .into_iter()
                .collect();
            o.json = matches!(format, Some(Format::Json));
            (o, coverage::run)
        }
        Cmd::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "policy-calc", &mut script);
            outn!("{}", String::from_utf8_lossy(&script));
            return Ok(0);
        }
    };
    Ok(match load(&o) {
        Ok(Some(book)) => f(&o, &book),
        Ok(None) => f(&o, Rulebook::embedded()),
        Err(code) => code,
    })
}

/// The rulebook named by `--rules`, or `None` for the built-in one.
fn load(opts: &Opts) -> Result<Option<Rulebook>, i32> {
    let Some(dir) = &opts.rules else {
        return Ok(None);
    };
    match Rulebook::load_dir_with(dir, &opts.limits) {
        Ok(b) => Ok(Some(b)),
        Err(e @ LoadError::Io { .. }) => {
            err!("error: {e}");
            Err(2)
        }
        Err(LoadError::Rules(d)) => {
            for d in &d.0 {
                err!("{}\n", full(d));
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
