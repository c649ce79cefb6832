//! The whole gazette, not five clauses: every clause id of the inventory (docs/inventory.md) is in
//! the rulebook, in the report of its subject, in a golden case, and every quote is verbatim.

use std::collections::BTreeSet;

use crate::common::{book, files, root};
use policy_calc::golden;

/// The clause ids the inventory names (docs/inventory.md, "The clauses"): public names other
/// services rely on, so each must stay in the rulebook. A clause id holds a hyphen; subject
/// and field names, also in backticks there, do not.
fn inventory_ids() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("docs/inventory.md")).expect("the inventory");
    let start = text
        .find("## The clauses")
        .expect("a section \"The clauses\"");
    let section = &text[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            t.contains('-')
                && t.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_clause_of_the_inventory_is_in_the_report_of_its_subject() {
    let ids = inventory_ids();
    assert!(
        ids.len() > 40,
        "the inventory names only {} clause ids",
        ids.len()
    );
    for id in &ids {
        let clauses: Vec<_> = book().clause(id).collect();
        assert!(
            !clauses.is_empty(),
            "the inventory names {id}, which the rulebook does not hold"
        );
        for c in clauses {
            let subject = &book().schema.subjects[c.subject as usize].name;
            let case = book().case(subject, &[]).expect("an empty case reads");
            let report = book()
                .evaluate(&case, crate::common::date("2023-03-01"))
                .expect("evaluates");
            assert!(
                report.result(id).is_some(),
                "clause {id} is not in the report of a {subject} case"
            );
        }
    }
    // And the rulebook holds nothing the inventory does not name.
    for c in &book().clauses {
        assert!(
            ids.contains(&c.id),
            "clause {} is not named in docs/inventory.md (\"The clauses\")",
            c.id
        );
    }
}

#[test]
fn every_clause_has_golden_cases_with_more_than_one_outcome() {
    let mut outcomes: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for path in files(&root().join("tests/cases"), "toml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(results) = golden::run_file(book(), &text, &path.display().to_string()) else {
            continue; // reported by the golden test
        };
        for r in results {
            if let Some(report) = &r.report {
                for c in &r.clauses {
                    if let Some(res) = report.result(c) {
                        outcomes
                            .entry(c.clone())
                            .or_default()
                            .insert(res.outcome.name().to_string());
                    }
                }
            }
        }
    }
    let mut thin = Vec::new();
    let ids: BTreeSet<&str> = book().clauses.iter().map(|c| c.id.as_str()).collect();
    for id in ids {
        match outcomes.get(id) {
            None => thin.push(format!("{id}: no golden case")),
            Some(set) if set.len() < 2 => thin.push(format!("{id}: only {set:?}")),
            _ => {}
        }
    }
    assert!(
        thin.is_empty(),
        "clauses without a positive and a negative golden case:\n{}",
        thin.join("\n")
    );
}

/// Every quote of every rule file, white space removed, stands in the seed on disk.
#[test]
fn every_quote_is_verbatim_from_the_seed() {
    let seed: String = std::fs::read_to_string(root().join("seeds/keqiao-gazette-2022-05.txt"))
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut count = 0;
    for c in &book().clauses {
        for q in std::iter::once(&c.quote).chain(&c.quotes) {
            count += 1;
            assert!(
                seed.contains(&strip(q)),
                "clause {}: quote not in the seed: {q}",
                c.id
            );
        }
    }
    for d in &book().documents {
        for n in &d.not_computable {
            count += 1;
            assert!(
                seed.contains(&strip(&n.quote)),
                "{}: passage not in the seed: {}",
                d.id,
                n.quote
            );
        }
    }
    assert!(count >= book().clauses.len());
}

#[test]
fn documents_without_computable_clauses_are_listed_as_such() {
    for id in ["kq-2022-8", "kq-2022-13", "kq-2022-16"] {
        let d = book()
            .document(id)
            .unwrap_or_else(|| panic!("document {id} is in the rulebook"));
        assert!(
            !d.computable,
            "{id} is marked as having no computable clauses"
        );
        assert!(!d.note.is_empty(), "{id} says why");
        assert!(
            !book()
                .clauses
                .iter()
                .any(|c| book().documents[c.document].id == id)
        );
    }
    let d12 = book().document("kq-2022-12").unwrap();
    assert!(
        !d12.not_computable.is_empty(),
        "the qualitative later phases of the accessibility plan are listed"
    );
}
