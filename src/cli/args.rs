//! The command line as clap reads it: each command, its options and arguments, their help.
//! Names and paths are read as `OsString`/`PathBuf`; `super::opts` turns them into the
//! commands' `Opts`, refusing a name that is not UTF-8 with a message.

use std::ffi::OsString;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// What `policy-calc --help` shows after the commands.
const NOTES: &str = "\
CASE is a TOML or JSON case file, or - for standard input. Without --rules the built-in
rulebook is used. --max-bytes N[K|M|G] sets every limit on what is read (a case file or a
batch line, 1M; a rule or golden file, 4M).

Exit status: 0 fine, 1 some result non_compliant (or a golden case failed, or a sentence
unaccounted), 2 bad input, a bad argument, or output that could not be written.";

#[derive(Parser)]
#[command(
    name = "policy-calc",
    version,
    about = "policy-calc: the clauses of the Keqiao District gazette (May 2022), evaluated exactly",
    after_help = NOTES,
    arg_required_else_help = true,
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Evaluate case files and print their reports
    #[command(args_override_self = true)]
    Check(CheckArgs),
    /// Each date on which a result of a case changes, with the results on both sides
    #[command(args_override_self = true)]
    Timeline(TimelineArgs),
    /// The HTTP API (/v1/..., /openapi.json) and the web page
    #[cfg(feature = "serve")]
    #[command(args_override_self = true)]
    Serve(ServeArgs),
    /// Run golden cases (files, or folders of them)
    #[command(args_override_self = true)]
    Test {
        /// Golden case files, or folders searched for *.toml
        #[arg(value_name = "PATH", value_parser = clap::value_parser!(PathBuf))]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// List the documents and their windows in force
    #[command(args_override_self = true)]
    Documents {
        #[command(flatten)]
        common: Common,
    },
    /// List the clauses
    #[command(args_override_self = true)]
    Clauses {
        /// Only the clauses of this subject
        #[arg(long, value_name = "S", value_parser = clap::value_parser!(OsString))]
        subject: Option<OsString>,
        #[command(flatten)]
        common: Common,
    },
    /// Show one clause whole: citation, quote, logic, parameters, readings
    #[command(args_override_self = true)]
    Clause {
        /// A clause id, e.g. rural-prefab-subsidy
        #[arg(value_parser = clap::value_parser!(OsString))]
        id: OsString,
        /// The language of the text (default: from `LC_ALL`, `LC_MESSAGES` or LANG)
        #[arg(long, value_enum, value_name = "zh|en")]
        lang: Option<super::Lang>,
        #[command(flatten)]
        common: Common,
    },
    /// Show a subject's fields, units and allowed words
    #[command(args_override_self = true)]
    Fields {
        /// A subject, e.g. `rural_housing`
        #[arg(value_parser = clap::value_parser!(OsString))]
        subject: OsString,
        #[command(flatten)]
        common: Common,
    },
    /// Print the rulebook catalogue (docs/clauses.md)
    #[command(args_override_self = true)]
    Catalogue {
        /// Each document's text with the clauses that encode each sentence (docs/literate.md)
        #[arg(long)]
        literate: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Each sentence of the text with its status and a summary a document; exit 1 if a
    /// sentence is unaccounted
    #[command(args_override_self = true)]
    Coverage {
        /// One document (its id or number); default: all
        #[arg(value_parser = clap::value_parser!(OsString))]
        document: Option<OsString>,
        /// Text for people, or one JSON object a line
        #[arg(long, value_enum, value_name = "human|json")]
        format: Option<Format>,
        #[command(flatten)]
        common: Common,
    },
    /// Print a shell completion script to standard output
    #[command(args_override_self = true)]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The options every command but `serve` takes.
#[derive(Args)]
pub struct Common {
    /// A folder of rule files instead of the built-in rulebook
    #[arg(long, value_name = "DIR", value_parser = clap::value_parser!(PathBuf))]
    pub rules: Option<PathBuf>,
    /// Every limit on what is read: bytes, or K, M or G of them
    #[arg(long, value_name = "N[K|M|G]", value_parser = parse_max_bytes)]
    pub max_bytes: Option<u64>,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Case files (TOML or JSON), or - for standard input
    #[arg(value_name = "CASE", value_parser = clap::value_parser!(PathBuf))]
    pub cases: Vec<PathBuf>,
    /// Evaluate on this day (for --batch: instead of each line's own `as_of`)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// Text for people, or one JSON object a line
    #[arg(long, value_enum, value_name = "human|json")]
    pub format: Option<Format>,
    /// The language of the report (default: from `LC_ALL`, `LC_MESSAGES` or LANG)
    #[arg(long, value_enum, value_name = "zh|en")]
    pub lang: Option<super::Lang>,
    /// One JSON case a line (- for standard input), one JSON report a line out, in order
    #[arg(long, value_name = "FILE.jsonl", value_parser = clap::value_parser!(PathBuf))]
    pub batch: Option<PathBuf>,
    /// With --batch: full reports
    #[arg(long)]
    pub full: bool,
    /// Show reasons, values and missing facts in the rule language (field names and
    /// expressions) instead of plain words
    #[arg(long)]
    pub logic: bool,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args)]
pub struct TimelineArgs {
    /// A case file (TOML or JSON), or - for standard input
    #[arg(value_name = "CASE", value_parser = clap::value_parser!(PathBuf))]
    pub case: PathBuf,
    /// The first day (default: the day before the rulebook's first date)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
    pub from: Option<NaiveDate>,
    /// The last day (default: a year after the rulebook's last date)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
    pub to: Option<NaiveDate>,
    /// Text for people, or one JSON object a line
    #[arg(long, value_enum, value_name = "human|json")]
    pub format: Option<Format>,
    /// The language of the text (default: from `LC_ALL`, `LC_MESSAGES` or LANG)
    #[arg(long, value_enum, value_name = "zh|en")]
    pub lang: Option<super::Lang>,
    #[command(flatten)]
    pub common: Common,
}

#[cfg(feature = "serve")]
#[derive(Args)]
pub struct ServeArgs {
    /// The address and port to listen on
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    pub addr: std::net::SocketAddr,
    /// A folder of rule files instead of the built-in rulebook
    #[arg(long, value_name = "DIR", value_parser = clap::value_parser!(PathBuf))]
    pub rules: Option<PathBuf>,
}

/// `--format`: text for people, or one JSON object a line.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// A real date written YYYY-MM-DD.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

fn parse_date_arg(s: &str) -> Result<NaiveDate, String> {
    parse_date(s).ok_or_else(|| "not a real date in the form YYYY-MM-DD".to_string())
}

fn parse_max_bytes(s: &str) -> Result<u64, String> {
    policy_calc::limits::parse_size(s).ok_or_else(|| {
        "this is not a size: give bytes, or K, M or G of them (e.g. 64M)".to_string()
    })
}

#[cfg(feature = "serve")]
fn parse_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    s.parse()
        .map_err(|_| "not an address and port such as 127.0.0.1:8080".to_string())
}
