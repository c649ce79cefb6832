#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The API is the facade re-exported below and the modules `labels`, `reason`, `report` and
// `timeline`. The modules marked `doc(hidden)` are public only because the command line
// (src/main.rs), tests/, benches/ and fuzz/ are crates of their own that reach into them; they
// are not part of the API and may change in any release. Those nothing outside the library
// reads are `pub(crate)`.

#[doc(hidden)]
pub mod batch;
#[doc(hidden)]
pub mod case;
#[doc(hidden)]
pub mod changes;
#[doc(hidden)]
pub mod coverage;
#[doc(hidden)]
pub mod diagnostic;
#[doc(hidden)]
pub mod eval;
pub(crate) mod explain;
#[doc(hidden)]
pub mod expr;
#[doc(hidden)]
pub mod golden;
#[doc(hidden)]
pub mod human;
#[doc(hidden)]
pub mod input;
#[doc(hidden)]
pub mod json_out;
pub mod labels;
#[doc(hidden)]
pub mod limits;
pub mod reason;
pub mod report;
#[doc(hidden)]
pub mod report_json;
#[doc(hidden)]
pub mod rulebook;
#[doc(hidden)]
pub mod schema;
#[cfg(feature = "serve")]
#[doc(hidden)]
pub mod serve;
#[doc(hidden)]
pub mod source;
pub(crate) mod text;
pub mod timeline;
#[doc(hidden)]
pub mod units;
pub(crate) mod words;

// The facade: what a service needs to load rules, read or build cases, evaluate them and
// read the reports. The modules named here (report, reason, labels, timeline) hold the rest of
// the report's types. The others are the engine's own: crate-private where nothing outside
// the library reads them (explain, text, words), else public only for the command line and
// server (a binary crate of its own) and the tests, benches and fuzz targets (crates of their
// own too), and hidden from the documentation.
pub use case::{Case, CaseReader, Fact as CaseFact};
pub use diagnostic::{Diagnostic, Diagnostics};
pub use eval::{CompactReport, EvaluationError, Rulebook};
pub use labels::{Label, Lang};
pub use limits::Limits;
pub use reason::{Reason, ReasonKind};
pub use report::{Change, ClauseResult, Outcome, Quantity, Reasons, Report};
pub use rulebook::{LoadError, Rules};
