//! The whole gazette, not five clauses: every clause id of the inventory (docs/inventory.md) is in
//! the rulebook, in the report of its subject, in a golden case, and every quote is verbatim.

use std::collections::BTreeSet;

use crate::common::{book, files, root};
use policy_calc::golden;

/// The clause ids of the inventory (docs/inventory.md): public names other services rely on.
const CLAUSE_IDS: &[(&str, &[&str])] = &[
    ("accessibility-2022", &["district"]),
    ("arh-air-defense-fee-exemption", &["rental_project"]),
    ("arh-annual-review", &["tenant"]),
    ("arh-dormitory-on-ancillary-land", &["rental_project"]),
    ("arh-infrastructure-fee-exemption", &["rental_project"]),
    ("arh-management-inclusion", &["rental_project"]),
    ("arh-recognition", &["rental_project"]),
    ("arh-rent-cap", &["rental_project", "tenant"]),
    ("arh-residential-utility-prices", &["rental_project"]),
    ("arh-starts-2022", &["district"]),
    ("arh-supply-14th-fyp", &["district"]),
    ("arh-support-needs-management", &["rental_project"]),
    ("arh-tenant-conduct", &["tenant"]),
    ("arh-tenant-eligibility", &["tenant"]),
    ("arh-tenant-exit", &["tenant"]),
    ("arh-unit-size", &["rental_project"]),
    ("bim-required", &["building_project"]),
    (
        "construction-supervised-per-drawings",
        &["building_project"],
    ),
    ("far-bonus", &["building_project"]),
    ("feasibility-study-chapters", &["building_project"]),
    ("finished-housing-loan-basis", &["home_purchase"]),
    ("full-decoration-required", &["building_project"]),
    ("green-star-government-public", &["building_project"]),
    ("green-star-minimum", &["building_project"]),
    ("green-three-star-share", &["district"]),
    ("green-two-star-share", &["district"]),
    ("guarantee-instead-of-deposits", &["building_project"]),
    ("industrial-ancillary-caps", &["industrial_project"]),
    ("industrial-base-award", &["enterprise"]),
    ("invited-tendering", &["building_project"]),
    ("land-transfer-planning-conditions", &["building_project"]),
    ("model-projects-yearly", &["district"]),
    ("prefab-required", &["building_project"]),
    ("prefab-share", &["district"]),
    ("prefab-share-other-areas", &["district"]),
    ("presale-permit", &["building_project"]),
    ("provident-fund-uplift", &["home_purchase"]),
    ("rural-prefab-subsidy", &["rural_housing"]),
    ("staged-structure-acceptance", &["building_project"]),
    ("steel-housing-started", &["district"]),
    ("steel-prefab-required", &["building_project"]),
    ("steel-share-of-prefab", &["district"]),
    ("warranty-deposit", &["building_project"]),
];

#[test]
fn every_clause_of_the_inventory_is_in_the_report_of_its_subject() {
    for (id, subjects) in CLAUSE_IDS {
        for subject in *subjects {
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
    // And the rulebook holds nothing the inventory does not name, here and in its prose.
    let inventory =
        std::fs::read_to_string(root().join("docs/inventory.md")).expect("the inventory");
    for c in &book().clauses {
        assert!(
            CLAUSE_IDS.iter().any(|(id, _)| *id == c.id),
            "clause {} is not in the inventory's list of ids",
            c.id
        );
        assert!(
            inventory.contains(&format!("`{}`", c.id)),
            "clause {} is not named in docs/inventory.md",
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
    for (id, _) in CLAUSE_IDS {
        match outcomes.get(*id) {
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
    assert!(count >= CLAUSE_IDS.len());
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
