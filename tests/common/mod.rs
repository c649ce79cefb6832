//! Helpers shared by the test modules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use policy_calc::report::{ClauseResult, Report};
use policy_calc::rulebook::Rulebook;

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
