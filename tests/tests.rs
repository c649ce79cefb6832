//! The one integration test binary: a module per area links once, which keeps builds fast.

mod batch;
mod cli;
mod common;
mod coverage;
mod fast_paths;
mod fuzz_corpus;
mod golden;
mod hardening;
mod input;
mod oracle;
mod problems_zh;
mod properties;
mod report_json;
mod rulebook;
#[cfg(feature = "serve")]
mod serve;
mod text_coverage;
mod words;
