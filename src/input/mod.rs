//! Reading case files: TOML and JSON, both into one exact tree.
pub mod json;
pub mod raw;
pub mod toml;
pub mod toml_flat;
pub use raw::{MAX_DEPTH, Raw, RawEntry, RawKind, SyntaxError};
#[doc(hidden)]
pub mod toml_dom;
