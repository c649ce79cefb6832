//! `policy-calc check --batch FILE.jsonl`: one JSON case a line in, one JSON report a line out.

use std::io::IsTerminal;

use policy_calc::Rulebook;
use policy_calc::batch::{self, BatchConfig};

use super::Opts;

pub fn run(opts: &Opts, book: &Rulebook) -> i32 {
    let Some(path) = &opts.batch else {
        err!(
            "error: `--full` goes with `--batch FILE`\n\n{}",
            super::usage("check")
        );
        return 2;
    };
    if !opts.args.is_empty() {
        err!(
            "error: `--batch` reads its cases from {path}; it takes no case files besides (found {})",
            opts.args.join(" ")
        );
        return 2;
    }
    let config = BatchConfig {
        as_of: opts.as_of,
        today: chrono::Local::now().date_naive(),
        full: opts.full,
        threads: 0,
        progress: std::io::stderr().is_terminal(),
        max_line: opts.limits.line_bytes,
        // Standard input from a pipe or a terminal is a peer waiting for each answer (a
        // co-process); from a file it is read in large chunks.
        streaming: path == "-" && !stdin_is_a_file(),
    };
    // Written from the batch's writer thread a whole chunk of lines at a time, each ending
    // in a newline: stdout's own line buffer passes such writes straight through, where a
    // BufWriter would copy them first.
    let out = std::io::stdout();
    let result = if path == "-" {
        batch::run(
            book,
            "<stdin>",
            std::io::stdin().lock(),
            out,
            std::io::stderr(),
            &config,
        )
    } else {
        // A device or a FIFO is refused: `-` reads a stream.
        match policy_calc::limits::open_regular(std::path::Path::new(path)) {
            // Read in chunks straight into the batch's buffers: no BufReader between.
            Ok((f, _)) => batch::run(book, path, f, out, std::io::stderr(), &config),
            Err(e) => {
                err!("error: {path}: {e}");
                return 2;
            }
        }
    };
    match result {
        Ok(summary) => {
            if summary.bad > 0 {
                err!(
                    "error: {} of {} lines in {} were not evaluated (reported above)",
                    summary.bad,
                    summary.bad + summary.evaluated,
                    if path == "-" { "<stdin>" } else { path }
                );
            }
            summary.exit_status()
        }
        // A closed pipe downstream: whoever reads has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            err!("error: {path}: {e}");
            2
        }
    }
}

/// Whether standard input is a regular file (`< cases.jsonl`) rather than a pipe or terminal.
fn stdin_is_a_file() -> bool {
    std::fs::metadata("/dev/stdin").is_ok_and(|m| m.is_file())
}
