//! A rule file loaded with the real subjects.toml: loads or gives diagnostics; a rulebook that loads evaluates sample cases of every subject.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::rule_file(data));
