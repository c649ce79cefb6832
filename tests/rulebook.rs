//! The rulebook as data: amendments without Rust, and every class of rule-file mistake
//! reported with its place, all in one load.

use std::path::Path;

use crate::common::{date, root};
use policy_calc::rulebook::{LoadError, Rulebook};

/// A scratch folder under the target directory, emptied first.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).expect("create scratch dir");
    dir
}

fn copy_rules(to: &Path) {
    for entry in std::fs::read_dir(root().join("rules")).expect("rules dir") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, to.join("rules").join(p.file_name().unwrap()))
                .expect("copy rule file");
        }
    }
}

const DEPOSIT_CASE: &str = r#"
[building_project]
use = "residential"
prefab = false
installation_cost = 1000000.00
"#;

fn deposit_on(book: &Rulebook, day: &str) -> String {
    let case = book
        .case_from_toml(DEPOSIT_CASE, "case.toml")
        .expect("case reads");
    let report = book.evaluate(&case, date(day)).expect("evaluates");
    let r = report
        .result("warranty-deposit")
        .expect("warranty-deposit reported");
    r.amount
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or_default()
}

#[test]
fn an_amended_rate_is_a_new_dated_value_not_a_code_change() {
    let dir = scratch("amendment");
    copy_rules(&dir);
    let file = dir.join("rules/kq-2022-14.toml");
    let text = std::fs::read_to_string(&file).expect("read rule file");
    let old = r#"versions = [{ from = 2022-06-19, value = "2%" }]"#;
    assert!(
        text.contains(old),
        "the warranty rate is declared as expected"
    );
    let amended = text.replace(
        old,
        r#"versions = [{ from = 2022-06-19, value = "2%" }, { from = 2024-01-01, value = "1.5%", source = "a later amendment" }]"#,
    );
    std::fs::write(&file, amended).expect("write amended rule");
    let book = Rulebook::load_dir(&dir.join("rules")).unwrap_or_else(|e| panic!("{e}"));
    // 1,000,000.00 x 2% = 20,000.00 until the last day of 2023; x 1.5% = 15,000.00 from 2024.
    assert_eq!(deposit_on(&book, "2023-12-31"), "20000.00");
    assert_eq!(deposit_on(&book, "2024-01-01"), "15000.00");
    // The built-in rulebook is untouched.
    assert_eq!(deposit_on(Rulebook::embedded(), "2024-01-01"), "20000.00");
}

const BAD_RULES: &str = r#"[document]
id = "bad-doc"
number = "测试"
title = "a rule file full of mistakes"
issued = 2022-05-18
source = "keqiao-gazette-2022-05.txt"
in_force = { from = 2022-06-19 }

[[param]]
name = "rate"
versions = [{ from = 2022-06-19, value = "2%" }, { from = 2022-06-19, value = "3%" }]

[[clause]]
id = "one"
subject = "rural_housing"
kind = "entitlement"
section = "一"
quote = "予以200元/平方米的一次性资金补助"
eligible = "new and floor_aera > 0 m2"

[[clause]]
id = "two"
subject = "rural_housing"
kind = "entitlement"
section = "一"
quote = "予以200元/平方米的一次性资金补助"
eligible = "floor_area + 1 CNY > 0 m2"

[[clause]]
id = "one"
subject = "rural_housing"
kind = "entitlement"
section = "一"
quote = "予以300元/平方米的一次性资金补助"
eligible = "structure == 2022-01-01"
"#;

#[test]
fn every_class_of_rule_mistake_is_reported_with_its_place_in_one_load() {
    let dir = scratch("mistakes");
    std::fs::copy(
        root().join("rules/subjects.toml"),
        dir.join("rules/subjects.toml"),
    )
    .expect("copy subjects");
    std::fs::write(dir.join("rules/bad.toml"), BAD_RULES).expect("write bad rules");
    std::fs::write(
        dir.join("rules/broken.toml"),
        "[document]\nid = \"x\"\nnumber = \n",
    )
    .expect("write broken rules");
    let err = match Rulebook::load_dir(&dir.join("rules")) {
        Ok(_) => panic!("a rulebook full of mistakes loaded"),
        Err(LoadError::Io(e)) => panic!("io error: {e}"),
        Err(LoadError::Rules(d)) => d.0,
    };
    let find = |code: &str| {
        err.iter().find(|d| d.code == code).unwrap_or_else(|| {
            panic!(
                "no {code} among:\n{}",
                err.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    };
    let place = |code: &str| {
        let d = find(code);
        (
            d.file.rsplit('/').next().unwrap().to_string(),
            d.line,
            d.column,
        )
    };
    // Syntax: `number = ` with no value, in its own file.
    assert_eq!(place("rules::syntax"), ("broken.toml".into(), 3, 10));
    // Overlapping dates: the second version starts the same day as the first.
    assert_eq!(
        place("rules::overlapping_dates"),
        ("bad.toml".into(), 11, 59)
    );
    // Unknown field `floor_aera`, with the nearest name suggested.
    assert_eq!(place("rules::unknown_name"), ("bad.toml".into(), 19, 21));
    assert_eq!(
        find("rules::unknown_name").suggestion.as_deref(),
        Some("did you mean `floor_area`?")
    );
    // Unit mismatch: m2 plus CNY.
    assert_eq!(place("rules::unit_mismatch"), ("bad.toml".into(), 27, 13));
    assert!(
        find("rules::unit_mismatch")
            .message
            .contains("cannot add CNY to m2")
    );
    // Duplicate id: the second clause `one` for the same subject.
    assert_eq!(place("rules::duplicate_id"), ("bad.toml".into(), 30, 6));
    // Quote not in the seed: 300元 where the seed says 200元.
    assert_eq!(place("rules::quote"), ("bad.toml".into(), 34, 9));
    // Type mismatch: a word field compared with a date.
    assert_eq!(place("rules::type_mismatch"), ("bad.toml".into(), 35, 13));
    // Every diagnostic quotes the offending line.
    assert!(find("rules::quote").snippet.contains("300元"));
}

#[test]
fn the_builtin_rulebook_lists_every_rule_file() {
    let listed: Vec<&str> = policy_calc::rulebook::EMBEDDED_RULES
        .iter()
        .map(|(n, _)| *n)
        .collect();
    for p in crate::common::files(&root().join("rules"), "toml") {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            listed.contains(&name.as_str()),
            "rules/{name} is not compiled into the binary (build.rs finds every rules/*.toml)"
        );
    }
    for (name, text) in policy_calc::rulebook::EMBEDDED_RULES {
        let on_disk =
            std::fs::read_to_string(root().join("rules").join(name)).expect("listed file exists");
        assert_eq!(&on_disk, text);
    }
}

#[test]
fn the_builtin_rulebook_loads_and_a_folder_copy_gives_the_same_clauses() {
    let embedded = Rulebook::embedded();
    let from_dir = Rulebook::load_dir(&root().join("rules")).unwrap_or_else(|e| panic!("{e}"));
    let ids = |b: &Rulebook| {
        b.clauses
            .iter()
            .map(|c| (c.id.clone(), c.subject))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(embedded), ids(&from_dir));
    assert!(embedded.clauses.len() >= 5);
}
