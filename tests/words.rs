//! Reports in the caseworker's words (#18): every reason rendered from its typed structure
//! with the labels of the rule files, in Chinese and in English, and never an identifier of
//! the rule language in it. The rule language stays one switch away (`--logic`).

use policy_calc::Rulebook;
use policy_calc::golden;
use policy_calc::human;
use policy_calc::labels::Lang;
use policy_calc::report::Report;

use crate::common::{book, date, files, root, run, snapshot};

/// Every example's report and every golden case's report, with a name for messages.
fn reports() -> Vec<(String, Report)> {
    let mut out = Vec::new();
    for p in files(&root().join("examples"), "toml") {
        let text = std::fs::read_to_string(&p).expect("example");
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let case = book().case_from_toml(&text, &name).expect("example reads");
        let report = book()
            .evaluate_with_changes(&case, case.as_of().expect("as_of"))
            .expect("example evaluates");
        out.push((name, report));
    }
    for p in files(&root().join("tests/cases"), "toml") {
        let text = std::fs::read_to_string(&p).expect("golden file");
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        let results = golden::run_file(book(), &text, &file).expect("golden file reads");
        for r in results {
            if let Some(report) = r.report {
                out.push((format!("{file}: {}", r.name), report));
            }
        }
    }
    assert!(
        out.len() > 100,
        "the examples and golden cases: {}",
        out.len()
    );
    out
}

/// The Chinese sentence has no Latin letter at all: no field, parameter, function or word of
/// the rule language (`BIM` is the gazette's own word).
fn chinese_fault(text: &str) -> Option<String> {
    let cleaned = text.replace("BIM", "");
    cleaned
        .chars()
        .any(|c| c.is_ascii_alphabetic() || c == '_')
        .then(|| format!("Latin letters in a Chinese sentence: {text}"))
}

/// The English sentence has no identifier of the rule language: no `snake_case` name, no
/// item index `[2]`, no operator, no function call.
fn english_fault(text: &str) -> Option<String> {
    let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_'));
    if let Some(w) = words.into_iter().find(|w| w.contains('_')) {
        return Some(format!("the identifier `{w}` in: {text}"));
    }
    for op in [
        "<=",
        ">=",
        "==",
        "!=",
        "[",
        "]",
        "sum(",
        "count(",
        "all(",
        "any(",
        "min(",
        "max(",
        "end_of_year(",
    ] {
        if text.contains(op) {
            return Some(format!("`{op}` of the rule language in: {text}"));
        }
    }
    None
}

#[test]
fn no_reason_speaks_the_rule_language_in_either_language() {
    let mut faults = Vec::new();
    let mut counted = 0;
    for (name, report) in reports() {
        for r in &report.results {
            for w in r.reasons.iter() {
                assert!(!w.logic().is_empty(), "{name} {}", r.clause);
                counted += 1;
                for f in [
                    chinese_fault(&w.text(Lang::Zh)),
                    english_fault(&w.text(Lang::En)),
                ]
                .into_iter()
                .flatten()
                {
                    faults.push(format!("{name} {}: {f}", r.clause));
                }
            }
        }
    }
    faults.sort();
    faults.dedup();
    assert!(counted > 1000, "reasons checked: {counted}");
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
}

#[test]
fn the_plain_report_names_values_missing_facts_and_changes_by_their_labels() {
    let mut faults = Vec::new();
    for (name, report) in reports() {
        let text = human::report(&name, &report, book(), Lang::Zh, false);
        for line in text.lines().skip(1) {
            // The result lines carry the clause's public id; every other line is words.
            if line.starts_with("  ") && !line.starts_with("    ") {
                continue;
            }
            if let Some(f) = chinese_fault(line) {
                faults.push(format!("{name}: {f}"));
            }
        }
        let text = human::report(&name, &report, book(), Lang::En, false);
        for line in text.lines().skip(1) {
            if line.starts_with("  ") && !line.starts_with("    ") {
                continue;
            }
            if let Some(f) = english_fault(line) {
                faults.push(format!("{name}: {f}"));
            }
        }
    }
    faults.sort();
    faults.dedup();
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
}

/// The report of every golden case, in both languages, limited to the clauses the case
/// checks: what a caseworker reads for each boundary the cases pin.
#[test]
fn snapshots_of_every_golden_case_in_both_languages() {
    for p in files(&root().join("tests/cases"), "toml") {
        let text = std::fs::read_to_string(&p).expect("golden file");
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        let stem = file.trim_end_matches(".toml");
        let results = golden::run_file(book(), &text, &file).expect("golden file reads");
        for lang in [Lang::Zh, Lang::En] {
            let mut out = String::new();
            for r in &results {
                let Some(report) = &r.report else {
                    out.push_str(&format!("## {}\n(an input error, as expected)\n\n", r.name));
                    continue;
                };
                let mut shown = report.clone();
                shown
                    .results
                    .retain(|x| r.clauses.iter().any(|c| c == x.clause.as_str()));
                out.push_str(&format!("## {}\n", r.name));
                out.push_str(&human::report(&file, &shown, book(), lang, false));
                out.push('\n');
            }
            let tag = if lang == Lang::Zh { "zh" } else { "en" };
            snapshot(&format!("golden/{stem}-{tag}.txt"), &out);
        }
    }
}

#[test]
fn the_rule_language_is_one_switch_away() {
    let plain = run(
        &["check", "examples/rental_project.toml", "--lang", "zh"],
        None,
    );
    let logic = run(
        &[
            "check",
            "examples/rental_project.toml",
            "--lang",
            "zh",
            "--logic",
        ],
        None,
    );
    assert_eq!((plain.code, logic.code), (0, 0), "{}", logic.stderr);
    assert!(
        plain
            .stdout
            .contains("- 全部户型均单套建筑面积不超过家庭房面积上限（90平方米）"),
        "{}",
        plain.stdout
    );
    assert!(
        !plain.stdout.contains("family_unit_area"),
        "{}",
        plain.stdout
    );
    assert!(
        logic
            .stdout
            .contains("- all(units, area <= family_unit_area)"),
        "{}",
        logic.stdout
    );
    snapshot("report-rental_project-zh-logic.txt", &logic.stdout);
}

/// A rule whose text holds `or` and `and`: the Chinese is made from the expression's
/// structure, never by rewriting its text, so the rule language's `or` stays whole in the
/// logic line and the sentence joins its parts with 或.
#[test]
fn a_rule_with_or_and_and_in_its_text_reads_from_its_structure() {
    let dir = root().join("target/test-scratch/words-or-and");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).expect("scratch");
    std::fs::create_dir_all(dir.join("seeds")).expect("scratch");
    for sub in ["rules", "seeds"] {
        for p in std::fs::read_dir(root().join(sub)).expect("dir") {
            let p = p.expect("entry").path();
            if p.is_file() {
                std::fs::copy(&p, dir.join(sub).join(p.file_name().unwrap())).expect("copy");
            }
        }
    }
    let file = dir.join("rules/kq-2022-15.toml");
    let text = std::fs::read_to_string(&file).expect("rule file");
    let from = "else all(units, area <= family_unit_area) and sum(";
    assert!(text.contains(from), "the unit-size rule as written");
    let edited = text.replace(
        from,
        "else all(units, area <= family_unit_area or count == 0 and area <= 0 m2) and sum(",
    );
    std::fs::write(&file, edited).expect("write");
    let book = Rulebook::load_dir(&dir.join("rules")).expect("the edited rules load");
    let case = book
        .case_from_toml(
            "[rental_project]\nkind = \"residential\"\n[[rental_project.units]]\narea = 95\ncount = 3\n",
            "case.toml",
        )
        .expect("case");
    let report = book.evaluate(&case, date("2023-03-01")).expect("evaluates");
    let r = report.result("arh-unit-size").expect("result");
    let w = r
        .reasons
        .iter()
        .find(|w| w.logic().starts_with("all(units"))
        .expect("the reason of the aggregate");
    assert_eq!(
        w.logic(),
        "all(units, area <= family_unit_area or count == 0 and area <= 0 m2): no (units[1]: area = 95 m2, count = 3)"
    );
    assert_eq!(
        w.text(Lang::Zh),
        "并非全部户型均单套建筑面积不超过家庭房面积上限（90平方米），或套数等于0，且单套建筑面积不超过0平方米（第1项户型：单套建筑面积：95平方米，套数：3套）"
    );
    assert_eq!(
        w.text(Lang::En),
        "not all of the unit types: floor area of a unit is at most largest family unit area (90 m²), or number of units equals 0, and floor area of a unit is at most 0 m² (unit types no. 1: floor area of a unit: 95 m², number of units: 3 units)"
    );
}
