//! Whether a clause can give a favourable outcome at all, whatever the facts.
//!
//! A clause that withholds something from the projects it applies to (`far-bonus`: applies to
//! a new prefab building on new land, and is eligible only where the building is not one)
//! can never be eligible: no change of any number of facts turns it, and searching sets of
//! facts for one is work for nothing. This reads the clause's conditions as yes/no
//! statements built with `and`, `or` and `not` from parts (comparisons, yes/no facts, words
//! among a set), each part free to be true or false: where no choice of the parts meets them
//! all, no facts can. Parts that are tied to each other (two comparisons of one number) are
//! taken as free, which only lets more choices meet the conditions: the answer "never" is
//! exact, an answer "maybe" may be wrong, and costs a search.

use crate::expr::{Expr, ExprKind};
use crate::rulebook::{Clause, Kind};

/// The most parts read before giving up (2^12 choices of them).
const MOST_PARTS: usize = 12;

/// The most nodes of `and`, `or`, `not` and names read, each use of a shared definition
/// anew, before giving up: definitions used twice by the next would double them.
const MOST_NODES: usize = 1024;

/// Whether no facts can meet all that a favourable outcome of `clause` needs (in force,
/// applying, its test passed). `false` where it cannot tell.
pub(super) fn never(clause: &Clause) -> bool {
    if !matches!(clause.kind, Kind::Requirement | Kind::Entitlement) {
        return false;
    }
    let needs: Vec<&Expr> = clause
        .in_force
        .iter()
        .chain(&clause.when)
        .chain(&clause.test)
        .collect();
    let mut parts = Parts::default();
    for e in &needs {
        parts.collect(e);
        if parts.keys.len() > MOST_PARTS || parts.read > MOST_NODES {
            return false;
        }
    }
    (0..1u32 << parts.keys.len())
        .all(|choice| !needs.iter().all(|e| parts.holds(e, choice) == Some(true)))
}

/// The parts of a clause's conditions, each node that is one with the part it is.
#[derive(Default)]
struct Parts<'e> {
    keys: Vec<(&'e str, Vec<u32>)>,
    nodes: Vec<(&'e Expr, usize)>,
    /// The nodes read so far, a shared definition's once per use.
    read: usize,
}

impl<'e> Parts<'e> {
    /// The parts of `e`: what `and`, `or`, `not` and names are built from.
    fn collect(&mut self, e: &'e Expr) {
        self.read += 1;
        if self.read > MOST_NODES {
            return;
        }
        match &e.kind {
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                self.collect(a);
                self.collect(b);
            }
            ExprKind::Not(a) => self.collect(a),
            ExprKind::Named(_, a) => self.collect(a),
            _ => {
                let k = key(e);
                let at = match self.keys.iter().position(|x| *x == k) {
                    Some(at) => at,
                    None => {
                        self.keys.push(k);
                        self.keys.len() - 1
                    }
                };
                self.nodes.push((e, at));
            }
        }
    }

    /// The value of `e` with its parts as `choice` sets them (bit `i` for part `i`).
    fn holds(&self, e: &Expr, choice: u32) -> Option<bool> {
        Some(match &e.kind {
            ExprKind::And(a, b) => self.holds(a, choice)? && self.holds(b, choice)?,
            ExprKind::Or(a, b) => self.holds(a, choice)? || self.holds(b, choice)?,
            ExprKind::Not(a) => !self.holds(a, choice)?,
            ExprKind::Named(_, a) => self.holds(a, choice)?,
            _ => {
                let (_, at) = self.nodes.iter().find(|(n, _)| std::ptr::eq(*n, e))?;
                choice & (1 << at) != 0
            }
        })
    }
}

/// A part as told apart from others: its text, and the facts, items and parameters it reads
/// (the same text reads the same things within one clause; these make sure of it).
fn key(e: &Expr) -> (&str, Vec<u32>) {
    let mut reads = Vec::new();
    e.walk(&mut |x: &Expr| match x.kind {
        ExprKind::Field(i) => reads.push(u32::from(i)),
        ExprKind::ItemField(i) => reads.push(0x1_0000 | u32::from(i)),
        ExprKind::Param(i) => reads.push(0x8000_0000 | i),
        _ => {}
    });
    (&e.text, reads)
}

#[cfg(test)]
mod tests {
    use super::never;
    use crate::Rulebook;

    #[test]
    fn a_clause_whose_conditions_contradict_its_test_is_never_favourable() {
        let book = Rulebook::embedded();
        let clause = |id: &str| book.clauses.iter().find(|c| c.id == id).expect(id);
        // far-bonus, by hand from kq-2022-14.toml: it applies when `new and counts_as_prefab
        // and on_new_land and in_incentive_window` and is eligible when `not (new and
        // counts_as_prefab and on_new_land)`: both cannot hold.
        assert!(never(clause("far-bonus")));
        // Conditions that some facts meet (all yes, say).
        assert!(!never(clause("presale-permit")));
        assert!(!never(clause("rural-prefab-subsidy")));
    }
}
