//! Helpers shared by the test modules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use policy_calc::Rulebook;
use policy_calc::report::{ClauseResult, Report};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn book() -> &'static Rulebook {
    Rulebook::embedded()
}

pub fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
}

/// Evaluates a TOML case text on `as_of` with the built-in rulebook.
pub fn eval(text: &str, as_of: &str) -> Report {
    let case = book()
        .case_from_toml(text, "test.toml")
        .unwrap_or_else(|e| panic!("case does not read:\n{e}"));
    book()
        .evaluate(&case, date(as_of))
        .unwrap_or_else(|e| panic!("evaluation failed: {e}"))
}

pub fn result<'r>(report: &'r Report, clause: &str) -> &'r ClauseResult {
    report
        .result(clause)
        .unwrap_or_else(|| panic!("no result for {clause} in {report:#?}"))
}

pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The binary, in the repository's root, in the C locale (English messages).
pub fn cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"));
    cmd.current_dir(root())
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    cmd
}

/// Runs the binary with `args` and `stdin`; a panic is a test failure whatever the exit.
pub fn run_os<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Run {
    let mut cmd = cmd();
    cmd.args(args)
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run policy-calc");
    if let Some(input) = stdin {
        // The command may stop reading early (a limit): a broken pipe here is fine.
        let _ = std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input);
    }
    let out = child.wait_with_output().expect("wait for policy-calc");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked"),
        "a panic on {:?}:\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        r.stderr
    );
    r
}

pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_os(args, stdin)
}

/// Compares `actual` with tests/snapshots/NAME; `UPDATE_SNAPSHOTS=1` rewrites it (review the diff).
pub fn snapshot(name: &str, actual: &str) {
    let path = root().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("snapshot dir");
        }
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("no snapshot {name}: run with UPDATE_SNAPSHOTS=1 and review it")
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {name} differs from line {}:\n--- expected\n{}\n+++ actual\n{}\n(UPDATE_SNAPSHOTS=1 rewrites it)",
            first + 1,
            expected
                .lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n"),
            actual
                .lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}
