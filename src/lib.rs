//! policy-calc: the clauses of the Keqiao District gazette (May 2022) as rules that evaluate
//! exactly and explain themselves.
#![forbid(unsafe_code)]

pub mod expr;
pub mod input;
pub mod schema;
pub mod source;
pub mod units;
