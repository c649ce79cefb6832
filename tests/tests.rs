//! The one integration test binary: a module per area links once, which keeps builds fast.

mod common;
mod coverage;
mod cli;
mod golden;
mod input;
mod rulebook;
mod properties;
mod fuzz_corpus;
mod oracle;
mod batch;
