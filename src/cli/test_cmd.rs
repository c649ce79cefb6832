//! `policy-calc test`: run golden cases, print what differs, exit 1 when any case fails.

use std::path::{Path, PathBuf};

use policy_calc::Rulebook;
use policy_calc::golden;
use policy_calc::limits;

use super::Opts;

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() || p.extension().is_some_and(|x| x == "toml") {
                collect(&p, out)?;
            }
        }
        Ok(())
    } else if path.exists() {
        out.push(path.to_path_buf());
        Ok(())
    } else {
        Err(format!(
            "{}: no such file or folder",
            policy_calc::diagnostic::shorten(&path.display().to_string(), 200)
        ))
    }
}

pub fn run(opts: &Opts, book: &Rulebook) -> i32 {
    if opts.args.is_empty() {
        err!("error: `test` takes golden case files or folders, e.g. tests/cases/");
        return 2;
    }
    let mut files = Vec::new();
    for a in &opts.args {
        if let Err(e) = collect(Path::new(a), &mut files) {
            err!("error: {e}");
            return 2;
        }
    }
    if files.is_empty() {
        err!(
            "error: no golden case file in {}: a folder is searched for *.toml files",
            opts.args.join(", ")
        );
        return 2;
    }
    let (mut passed, mut failed, mut bad) = (0, 0, 0);
    for f in files {
        let name = f.display().to_string();
        let text = match limits::read_file(&f, opts.limits.rule_bytes)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                String::from_utf8(b).map_err(|e| {
                    format!(
                        "not UTF-8 text (byte {} is not); a golden file is TOML",
                        e.utf8_error().valid_up_to()
                    )
                })
            }) {
            Ok(t) => t,
            Err(e) => {
                err!("error: {name}: {e}");
                bad += 1;
                continue;
            }
        };
        match golden::run_file(book, &text, &name) {
            Ok(results) => {
                for r in results {
                    if r.failures.is_empty() {
                        passed += 1;
                    } else {
                        failed += 1;
                        out!("FAIL {name}:{} {}", r.line, r.name);
                        for x in &r.failures {
                            out!("  - {}", x.replace('\n', "\n    "));
                        }
                    }
                }
            }
            Err(d) => {
                bad += 1;
                for d in &d.0 {
                    err!("{}\n", super::full(d));
                }
            }
        }
    }
    out!("golden cases: {passed} passed, {failed} failed");
    if bad > 0 { 2 } else { i32::from(failed > 0) }
}
