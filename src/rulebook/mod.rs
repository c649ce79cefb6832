//! The checked rulebook: documents, dated parameters and clauses, every expression resolved.

mod load;
pub(crate) mod plan;
pub(crate) mod reach;
pub mod surface;

use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

pub use load::{RuleSource, load};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{Expr, Param};
use crate::limits::Limits;
use crate::schema::Schema;
use crate::source::Span;

/// The checked rules: documents, dated parameters and clauses, every expression resolved.
/// What a [`Rulebook`](crate::Rulebook) evaluates with, once compiled; it does not know its
/// compiled form.
#[derive(Debug)]
pub struct Rules {
    pub schema: Schema,
    pub documents: Vec<Document>,
    pub params: Vec<Param>,
    pub clauses: Vec<Clause>,
    /// Clause indices per subject, in rulebook order.
    pub by_subject: Vec<Vec<usize>>,
    /// The seed texts the quotes come from, as (file name, text), for text coverage.
    pub seeds: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Document {
    pub id: String,
    pub number: String,
    pub title: String,
    pub short_title: String,
    pub issued: NaiveDate,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub in_force_reading: String,
    pub computable: bool,
    pub note: String,
    pub file: String,
    pub not_computable: Vec<NotComputable>,
    /// The seed the quotes come from (a name in `Rules::seeds`).
    pub source: String,
    /// Where the document's text starts and ends in the seed (quotes), for text coverage.
    pub text_from: Option<String>,
    pub text_until: Option<String>,
    /// The document's own quotes (title, signature) and its commencement clause.
    pub quotes: Vec<String>,
    pub in_force_quote: Option<String>,
    /// The quotes of the document's parameters, as (name, quote).
    pub param_quotes: Vec<(String, String)>,
    pub not_normative: Vec<NotNormative>,
}

impl Document {
    #[must_use]
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date <= u)
    }
}

#[derive(Clone, Debug)]
pub struct NotComputable {
    pub section: String,
    pub quote: String,
    pub reason: String,
}

/// A `[[not_normative]]` marking, as written (see `rules/README.md`).
#[derive(Clone, Debug, Default)]
pub struct NotNormative {
    pub section: String,
    pub reason: String,
    pub quotes: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub starts_with: Vec<String>,
    pub headings: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Requirement,
    Entitlement,
    Computed,
    Target,
}

impl Kind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Requirement => "requirement",
            Kind::Entitlement => "entitlement",
            Kind::Computed => "computed",
            Kind::Target => "target",
        }
    }
}

/// How a reported number is rounded, once, at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// To 0.01, half away from zero (四舍五入): amounts paid or charged.
    HalfAwayFromZero,
    /// Down to 0.01: caps, so that the reported cap itself complies.
    Down,
    /// Not rounded: ratios.
    None,
}

impl Rounding {
    #[must_use]
    pub fn parse(text: &str) -> Option<Rounding> {
        match text {
            "half_away_from_zero" => Some(Rounding::HalfAwayFromZero),
            "down" => Some(Rounding::Down),
            "none" => Some(Rounding::None),
            _ => None,
        }
    }
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Rounding::HalfAwayFromZero => "half_away_from_zero",
            Rounding::Down => "down",
            Rounding::None => "none",
        }
    }
    #[must_use]
    pub fn apply(self, d: Decimal) -> Decimal {
        if self != Rounding::None
            && let Some(r) = self.apply_small(d)
        {
            return r;
        }
        self.apply_any(d)
    }

    /// [`apply`](Self::apply) in integers, for a mantissa of 64 bits and at most 21 decimals:
    /// the same result to the bit (a test checks it), or `None` to leave `d` to `apply_any`
    /// (a result of zero too, whose sign `rust_decimal` decides).
    #[inline(always)]
    pub(crate) fn apply_small(self, d: Decimal) -> Option<Decimal> {
        let scale = d.scale();
        let m = u64::try_from(d.mantissa().unsigned_abs()).ok()?;
        let negative = d.is_sign_negative();
        if scale <= 2 {
            // At the fen or coarser: the same amount, written to the fen.
            let q = u128::from(m) * [100, 10, 1][scale as usize];
            return (q != 0).then(|| {
                Decimal::from_parts(q as u32, (q >> 32) as u32, (q >> 64) as u32, negative, 2)
            });
        }
        // A product of fen and a share (`0.8 × 3807.84`) has three or four decimals: by a
        // constant, the division is a multiplication.
        let (q, r, p) = match scale {
            3 => (m / 10, m % 10, 10),
            4 => (m / 100, m % 100, 100),
            _ => {
                let p = 10u64.checked_pow(scale - 2)?;
                (m / p, m % p, p)
            }
        };
        let up = match self {
            // Half away from zero: up in magnitude from the midpoint on.
            Rounding::HalfAwayFromZero => u128::from(r) * 2 >= u128::from(p),
            // Toward negative infinity: a negative number with a remainder goes up in magnitude.
            _ => negative && r != 0,
        };
        // Below 2^64 + 1: the fen fit the two low words.
        let q = u128::from(q) + u128::from(up);
        (q != 0)
            .then(|| Decimal::from_parts(q as u32, (q >> 32) as u32, (q >> 64) as u32, negative, 2))
    }

    fn apply_any(self, d: Decimal) -> Decimal {
        match self {
            Rounding::HalfAwayFromZero => d
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                .max_scale2(),
            Rounding::Down => d
                .round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity)
                .max_scale2(),
            Rounding::None => d,
        }
    }
}

trait Scale2 {
    fn max_scale2(self) -> Decimal;
}

impl Scale2 for Decimal {
    /// Shows exactly two decimals: money is given to the fen ("36110.00").
    fn max_scale2(mut self) -> Decimal {
        if self.scale() < 2 {
            self.rescale(2);
        }
        self
    }
}

#[derive(Clone, Debug)]
pub struct Reading {
    pub text: String,
    pub chosen: String,
    pub rejected: String,
}

#[derive(Clone, Debug)]
pub struct Named {
    pub name: String,
    /// What a report calls the value.
    pub label: crate::labels::Label,
    pub expr: Expr,
    pub round: Rounding,
    /// The unit label reported.
    pub unit: std::sync::Arc<str>,
    /// For a per-item value: the list field.
    pub each: Option<u16>,
    pub report: bool,
}

#[derive(Clone, Debug)]
pub struct Guard {
    pub expr: Expr,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Note {
    pub when: Expr,
    pub text: String,
    /// The note in a report's words.
    pub label: crate::labels::Label,
}

#[derive(Clone, Debug)]
pub struct Goal {
    pub name: std::sync::Arc<str>,
    /// What a report calls the goal's figure.
    pub label: crate::labels::Label,
    pub figure: Expr,
    pub target: Expr,
    /// true: the figure must exceed the target; false: reach it.
    pub strict: bool,
    /// `figure >= target` (or `>`), made at load: what decides the goal, exactly, whatever
    /// the figure's quotient rounds to.
    pub test: Expr,
    pub unit: std::sync::Arc<str>,
}

#[derive(Clone, Debug)]
pub struct Clause {
    pub id: String,
    pub subject: u16,
    pub document: usize,
    pub kind: Kind,
    pub section: String,
    pub quote: String,
    pub quotes: Vec<String>,
    pub summary: String,
    /// False: `not_in_force` for this case, although the document is in force.
    pub in_force: Option<Expr>,
    pub when: Option<Expr>,
    /// `eligible` for an entitlement, `require` for a requirement.
    pub test: Option<Expr>,
    pub amount: Option<Named>,
    pub lets: Vec<Named>,
    pub guards: Vec<Guard>,
    pub values: Vec<Named>,
    pub notes: Vec<Note>,
    pub deadline: Option<Expr>,
    pub goals: Vec<Goal>,
    pub readings: Vec<Reading>,
    /// Source texts, for showing the clause whole.
    pub logic: Vec<(String, String)>,
    pub file: String,
    pub line: usize,
}

// `EMBEDDED_RULES` and `EMBEDDED_SEEDS`: every file of `rules/` and `seeds/`, found by
// build.rs at build time.
include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The built-in rule files and seeds, as `load` takes them.
#[must_use]
pub fn embedded_sources() -> (Vec<RuleSource>, Vec<(String, String)>) {
    let sources = EMBEDDED_RULES
        .iter()
        .map(|(name, text)| RuleSource {
            name: format!("rules/{name}"),
            text: (*text).to_string(),
        })
        .collect();
    let seeds = EMBEDDED_SEEDS
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    (sources, seeds)
}

impl Rules {
    /// The built-in rules, checked (not compiled).
    #[must_use]
    pub fn embedded() -> Rules {
        let (sources, seeds) = embedded_sources();
        // The built-in rules are tested; a failure here is a build defect, shown whole.
        load(&sources, &seeds).unwrap_or_else(|e| panic!("the built-in rulebook is broken:\n{e}"))
    }

    /// Loads every `*.toml` in `dir` (with `subjects.toml` among them). Quotes are checked
    /// against the seeds in `dir/../seeds` when that folder exists, else the built-in seeds.
    pub fn load_dir(dir: &Path) -> Result<Rules, LoadError> {
        Rules::load_dir_with(dir, &Limits::default())
    }

    /// [`Rules::load_dir`], reading no file longer than `limits.rule_bytes`. A file that
    /// cannot be read (too long, not UTF-8, a FIFO or a device, refused unread) is a problem
    /// reported with the others': every other file is still checked.
    pub fn load_dir_with(dir: &Path, limits: &Limits) -> Result<Rules, LoadError> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(|source| LoadError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        names.sort();
        let mut unread = Vec::new();
        let mut sources = Vec::new();
        for p in names {
            let name = p.display().to_string();
            if let Some(text) = read_text(&p, &name, limits.rule_bytes, &mut unread) {
                sources.push(RuleSource { name, text });
            }
        }
        let seed_dir = dir.join("..").join("seeds");
        let mut seeds = Vec::new();
        if seed_dir.is_dir() {
            let mut paths = Vec::new();
            for e in std::fs::read_dir(&seed_dir).map_err(|source| LoadError::Io {
                path: seed_dir.clone(),
                source,
            })? {
                let p = e
                    .map_err(|source| LoadError::Io {
                        path: seed_dir.clone(),
                        source,
                    })?
                    .path();
                if p.extension().is_some_and(|x| x == "txt") {
                    paths.push(p);
                }
            }
            paths.sort();
            for p in paths {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let shown = p.display().to_string();
                if let Some(text) = read_text(&p, &shown, limits.rule_bytes, &mut unread) {
                    seeds.push((name, text));
                }
            }
        }
        for (n, t) in EMBEDDED_SEEDS {
            if !seeds.iter().any(|(s, _)| s == n) {
                seeds.push((n.to_string(), t.to_string()));
            }
        }
        match load(&sources, &seeds) {
            Ok(book) if unread.is_empty() => Ok(book),
            Ok(_) => Err(LoadError::Rules(Diagnostics(unread))),
            Err(Diagnostics(mut d)) => {
                unread.append(&mut d);
                Err(LoadError::Rules(Diagnostics(unread)))
            }
        }
    }

    pub fn clause(&self, id: &str) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().filter(move |c| c.id == id)
    }

    #[must_use]
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}

/// Why a rulebook did not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A folder of the rules could not be listed.
    #[error("cannot read the rules: {}: {source}", path.display())]
    Io {
        /// The folder.
        path: std::path::PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The rules have problems: every one of them, each with its file, line and column.
    #[error("{0}")]
    Rules(Diagnostics),
}

impl Clause {
    /// Every checked expression of the clause.
    pub fn exprs(&self) -> Vec<&Expr> {
        let mut v: Vec<&Expr> = Vec::new();
        v.extend(self.in_force.iter());
        v.extend(self.when.iter());
        v.extend(self.test.iter());
        v.extend(self.amount.iter().map(|a| &a.expr));
        v.extend(self.lets.iter().map(|l| &l.expr));
        v.extend(self.guards.iter().map(|g| &g.expr));
        v.extend(self.values.iter().map(|x| &x.expr));
        v.extend(self.notes.iter().map(|n| &n.when));
        v.extend(self.deadline.iter());
        for g in &self.goals {
            v.push(&g.figure);
            v.push(&g.target);
        }
        v
    }

    /// The parameters the clause reads, by index into [`Rulebook::params`], in first use order.
    pub fn params_used(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for e in self.exprs() {
            e.walk(&mut |n| {
                if let crate::expr::ExprKind::Param(i) = n.kind
                    && !out.contains(&i)
                {
                    out.push(i);
                }
            });
        }
        out
    }
}

/// The text of the rule or seed file at `path`, or a diagnostic in `unread` saying why not:
/// refused (a special file), too long, unreadable, or not UTF-8 (at its first bad byte).
fn read_text(path: &Path, name: &str, limit: u64, unread: &mut Vec<Diagnostic>) -> Option<String> {
    let bytes = match crate::limits::read_file(path, limit) {
        Ok(b) => b,
        Err(e) => {
            unread.push(Diagnostic::at(
                "rules::unreadable",
                name,
                "",
                Span::default(),
                format!("cannot read the file: {e}"),
            ));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // The text before the bad byte is valid: its lines give the position.
            let before = String::from_utf8_lossy(&bytes[..at]);
            let line_end = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| at + i);
            let shown = format!(
                "{}{}",
                before,
                String::from_utf8_lossy(&bytes[at..line_end])
            );
            unread.push(
                Diagnostic::at(
                    "rules::not_utf8",
                    name,
                    &shown,
                    Span::new(at, at + 1),
                    format!(
                        "not UTF-8 text: the byte 0x{:02x} at offset {at} is not valid UTF-8",
                        bytes[at]
                    ),
                )
                .expected("a rule file in UTF-8"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounding_to_the_fen() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (round, x, want) in [
            (Rounding::Down, "870.416", "870.41"),
            (Rounding::Down, "-870.411", "-870.42"),
            (Rounding::Down, "870", "870.00"),
            (Rounding::HalfAwayFromZero, "36110.005", "36110.01"),
            (Rounding::HalfAwayFromZero, "-36110.005", "-36110.01"),
            (Rounding::HalfAwayFromZero, "36110.0049", "36110.00"),
            (Rounding::HalfAwayFromZero, "0.001", "0.00"),
            (Rounding::None, "0.125", "0.125"),
        ] {
            assert_eq!(round.apply(d(x)).to_string(), want, "{round:?} {x}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The integer shortcut rounds to the bit as rust_decimal does.
        #[test]
        fn apply_small_agrees_with_apply_any(
            m in prop_oneof![-100_000i128..100_000, -(1i128 << 70)..(1i128 << 70)],
            scale in 0u32..=28,
            negative_zero: bool,
        ) {
            let d = Decimal::from_i128_with_scale(m, scale);
            let d = if m == 0 && negative_zero { -d } else { d };
            for round in [Rounding::HalfAwayFromZero, Rounding::Down] {
                if let Some(fast) = round.apply_small(d) {
                    prop_assert_eq!(fast.serialize(), round.apply_any(d).serialize(), "{:?} {}", round, d);
                }
            }
        }
    }
}
