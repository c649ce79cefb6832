//! An expression: parses or gives an error; its printed form parses back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::expression(data));
