//! The one integration test binary: a module per area links once, which keeps builds fast.

mod common;
mod cli;
mod golden;
mod input;
mod rulebook;
