//! A case file in JSON: reads or gives diagnostics; a case that reads writes back the same and evaluates keeping the laws of a report.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::case_json(data));
