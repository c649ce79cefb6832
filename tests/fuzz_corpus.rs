//! Replays every file of the fuzz corpus (`fuzz/corpus/<target>/`) through the checks the fuzz
//! targets run, so that an ordinary `cargo test` on stable covers what fuzzing found.

#[path = "../fuzz/checks.rs"]
pub mod checks;

use crate::common::root;

/// A fuzz target's check: it panics on a broken law.
type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 4] = [
    ("case_toml", checks::case_toml),
    ("case_json", checks::case_json),
    ("rule_file", checks::rule_file),
    ("expression", checks::expression),
];

#[test]
fn every_corpus_file_keeps_the_laws_of_its_target() {
    let mut broken = Vec::new();
    for (target, check) in TARGETS {
        let dir = root().join("fuzz/corpus").join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "the {target} corpus is empty");
        for path in files {
            let data = std::fs::read(&path).expect("read corpus file");
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                broken.push(format!("{target}: {}", path.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} corpus file(s) break a law (each panic is shown above):\n{}",
        broken.len(),
        broken.join("\n")
    );
}
