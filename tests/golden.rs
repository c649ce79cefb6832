//! Runs every golden case under tests/cases/ and fails with every broken expectation listed.

use crate::common::{book, files, root};
use policy_calc::golden;

#[test]
fn every_golden_case_passes() {
    let dir = root().join("tests/cases");
    let mut failures = Vec::new();
    let mut count = 0;
    for path in files(&dir, "toml") {
        let text = std::fs::read_to_string(&path).expect("read golden file");
        let name = format!(
            "tests/cases/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        match golden::run_file(book(), &text, &name) {
            Ok(results) => {
                for r in results {
                    count += 1;
                    if !r.failures.is_empty() {
                        failures.push(format!(
                            "{}:{} {}\n  {}",
                            name,
                            r.line,
                            r.name,
                            r.failures.join("\n  ")
                        ));
                    }
                }
            }
            Err(d) => failures.push(format!("{name} is malformed:\n{d}")),
        }
    }
    assert!(count > 0, "no golden cases found");
    assert!(
        failures.is_empty(),
        "{} golden case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_wrong_expectation_fails_with_what_differs() {
    let text = r#"
[[case]]
name = "wrong on purpose"
as_of = 2023-03-01
[case.rural_housing]
new = true
prefab = true
structure = "steel"
floor_area = 100
[[case.expect]]
clause = "rural-prefab-subsidy"
outcome = "not_eligible"
amount = "20000.01"
missing = ["floor_area"]
"#;
    let results = golden::run_file(book(), text, "wrong.toml").expect("well formed");
    let f = &results[0].failures;
    assert_eq!(f.len(), 3, "{f:#?}");
    assert!(
        f[0].contains("outcome: expected not_eligible, got eligible"),
        "{}",
        f[0]
    );
    assert!(
        f[1].contains("amount: expected 20000.01, got 20000.00"),
        "{}",
        f[1]
    );
    assert!(
        f[2].contains("missing: expected [\"floor_area\"], got []"),
        "{}",
        f[2]
    );
}
