#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod batch;
pub mod case;
pub mod changes;
pub mod coverage;
pub mod diagnostic;
pub mod eval;
pub mod explain;
pub mod expr;
pub mod golden;
pub mod human;
pub mod input;
pub mod json_out;
pub mod labels;
pub mod limits;
pub mod reason;
pub mod report;
pub mod rulebook;
pub mod schema;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod text;
pub mod timeline;
pub mod units;
pub mod words;

pub use eval::Rulebook;
