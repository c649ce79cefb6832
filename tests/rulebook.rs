//! The rulebook as data: amendments without Rust, and every class of rule-file mistake
//! reported with its place, all in one load.

use std::path::Path;

use crate::common::{date, root};
use policy_calc::Rulebook;
use policy_calc::rulebook::LoadError;

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
        .map(|a| a.value().to_string())
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
        Err(e @ LoadError::Io { .. }) => panic!("{e}"),
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

// Labels: what the reports in plain words call each thing, declared in the rule files.

/// Loads a copy of the rules in which `edit` has changed `file`, and returns the edited text
/// and the diagnostics (the load must fail).
fn load_edited(
    name: &str,
    file: &str,
    edit: impl FnOnce(&str) -> String,
) -> (String, Vec<policy_calc::diagnostic::Diagnostic>) {
    let dir = scratch(name);
    copy_rules(&dir);
    let path = dir.join("rules").join(file);
    let text = edit(&std::fs::read_to_string(&path).expect("read rule file"));
    std::fs::write(&path, &text).expect("write rule file");
    match Rulebook::load_dir(&dir.join("rules")) {
        Ok(_) => panic!("the rules loaded after the edit of {file}"),
        Err(e @ LoadError::Io { .. }) => panic!("{e}"),
        Err(LoadError::Rules(d)) => (text, d.0),
    }
}

/// `text` without the first line after `after` that starts with `key = `.
fn without_line(text: &str, after: &str, key: &str) -> String {
    let at = text
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in the rule file"));
    let rel = text[at..]
        .find(&format!("\n{key} = "))
        .unwrap_or_else(|| panic!("no {key} after {after:?}"));
    let start = at + rel + 1;
    let end = start + text[start..].find('\n').expect("a line end") + 1;
    format!("{}{}", &text[..start], &text[end..])
}

/// The line, from 1, on which `needle` first stands in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("no {needle:?} in the text"));
    text[..at].matches('\n').count() + 1
}

/// The one diagnostic with `code` whose message contains `part`, with its file and line.
fn diagnostic<'a>(
    d: &'a [policy_calc::diagnostic::Diagnostic],
    code: &str,
    part: &str,
) -> &'a policy_calc::diagnostic::Diagnostic {
    let found: Vec<_> = d
        .iter()
        .filter(|x| x.code == code && x.message.contains(part))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {code} naming {part:?} among:\n{}",
        d.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    found[0]
}

/// Removes the label after `after` in `file` and checks the `rules::missing_label` that names
/// `what`, at the line of `at`.
fn missing_label(test: &str, file: &str, after: &str, key: &str, what: &str, at: &str) {
    let (text, d) = load_edited(test, file, |t| without_line(t, after, key));
    let m = diagnostic(&d, "rules::missing_label", what);
    assert!(m.file.ends_with(file), "{}", m.file);
    // The line of the last line of `at`.
    assert_eq!(m.line, line_of(&text, at) + at.matches('\n').count(), "{m}");
    assert!(
        m.message.contains("zh = ") && m.message.contains("en = "),
        "the message shows how to write the label: {}",
        m.message
    );
    assert_eq!(d.len(), 1, "only the missing label is reported: {d:?}");
}

#[test]
fn a_parameter_without_a_label_is_a_load_error_at_its_name() {
    missing_label(
        "label-param",
        "kq-2022-14.toml",
        "name = \"warranty_rate\"",
        "label",
        "parameter `warranty_rate` has no `label = { zh = \"…\", en = \"…\" }`",
        "name = \"warranty_rate\"",
    );
}

#[test]
fn a_definition_without_a_label_is_a_load_error_at_its_name() {
    missing_label(
        "label-define",
        "kq-2022-14.toml",
        "name = \"civil_building\"",
        "label",
        "definition `civil_building`",
        "name = \"civil_building\"",
    );
}

#[test]
fn a_clause_variable_without_a_label_is_a_load_error_at_its_name() {
    missing_label(
        "label-let",
        "kq-2022-14.toml",
        "name = \"deduct_decoration\"",
        "label",
        "variable `deduct_decoration` of clause `warranty-deposit`",
        "name = \"deduct_decoration\"",
    );
}

#[test]
fn a_clause_value_without_a_label_is_a_load_error_at_its_name() {
    missing_label(
        "label-value",
        "kq-2022-15.toml",
        "[[clause.value]]\nname = \"small_unit_share\"",
        "label",
        "value `small_unit_share` of clause `arh-unit-size`",
        "[[clause.value]]\nname = \"small_unit_share\"",
    );
}

#[test]
fn a_goal_without_a_label_is_a_load_error_at_its_name() {
    missing_label(
        "label-goal",
        "kq-2022-14.toml",
        "name = \"three_star_share\"",
        "label",
        "goal `three_star_share` of clause `green-three-star-share`",
        "name = \"three_star_share\"",
    );
}

#[test]
fn an_amount_without_its_label_is_a_load_error_at_the_amount() {
    missing_label(
        "label-amount",
        "kq-2022-14.toml",
        "amount = \"rural_subsidy_rate * floor_area\"",
        "amount_label",
        "the amount of clause `rural-prefab-subsidy`",
        "amount = \"rural_subsidy_rate * floor_area\"",
    );
}

#[test]
fn a_field_and_an_item_field_without_a_label_are_load_errors_at_their_names() {
    missing_label(
        "label-field",
        "subjects.toml",
        "name = \"recognised\"",
        "label",
        "field `rental_project.recognised`",
        "name = \"recognised\"",
    );
    missing_label(
        "label-item-field",
        "subjects.toml",
        "[[subject.field.item]]\nname = \"count\"",
        "label",
        "field `rental_project.units.count`",
        "[[subject.field.item]]\nname = \"count\"",
    );
}

#[test]
fn a_subject_without_a_label_is_a_load_error_at_its_name() {
    missing_label(
        "label-subject",
        "subjects.toml",
        "name = \"tenant\"",
        "label",
        "subject `tenant`",
        "name = \"tenant\"",
    );
}

#[test]
fn a_word_without_a_label_and_a_label_of_no_word_are_load_errors() {
    let (text, d) = load_edited("label-word", "subjects.toml", |t| {
        t.replacen(
            ", dormitory = { zh = \"宿舍型\", en = \"dormitory\" }",
            ", dormitry = { zh = \"宿舍型\", en = \"dormitory\" }",
            1,
        )
    });
    let at = line_of(&text, "dormitry = { zh");
    let m = diagnostic(&d, "rules::missing_label", "word `dormitory`");
    assert!(m.message.contains("field `rental_project.kind`"), "{m}");
    assert_eq!(m.line, at);
    let u = diagnostic(&d, "rules::label", "`dormitry`");
    assert!(u.message.contains("not one of its words"), "{u}");
    assert_eq!(u.line, at);
    assert_eq!(u.suggestion.as_deref(), Some("did you mean `dormitory`?"));
    // A word field with no word labels at all.
    let (text, d) = load_edited("label-words", "subjects.toml", |t| {
        without_line(t, "name = \"priority\"", "word_labels")
    });
    let m = diagnostic(&d, "rules::missing_label", "field `tenant.priority`");
    assert!(m.message.contains("word_labels"), "{m}");
    assert_eq!(m.line, line_of(&text, "name = \"priority\""));
}

#[test]
fn yes_without_no_is_a_load_error() {
    let (text, d) = load_edited("label-yes-no", "subjects.toml", |t| {
        without_line(t, "name = \"recognised\"", "no")
    });
    let m = diagnostic(&d, "rules::label", "field `rental_project.recognised`");
    assert!(m.message.contains("`yes` without `no`"), "{m}");
    assert_eq!(m.line, line_of(&text, "yes = { zh = \"已取得项目认定书\""));
    assert_eq!(d.len(), 1, "{d:?}");
}

#[test]
fn a_measure_on_a_field_that_is_not_an_int_is_a_load_error() {
    let measure = "measure = { zh = \"元\", en = \"yuan\" }\n";
    let (text, d) = load_edited("label-measure", "subjects.toml", |t| {
        let at = t.find("name = \"infrastructure_fee\"").unwrap();
        let end = at + t[at..].find("\n\n").unwrap() + 1;
        format!("{}{measure}{}", &t[..end], &t[end..])
    });
    let m = diagnostic(
        &d,
        "rules::label",
        "field `rental_project.infrastructure_fee`",
    );
    assert!(m.message.contains("not an `int` field"), "{m}");
    assert_eq!(m.line, line_of(&text, measure));
    assert_eq!(d.len(), 1, "{d:?}");
}

#[test]
fn latin_letters_in_a_chinese_label_are_a_load_error_bim_aside() {
    let (text, d) = load_edited("label-latin", "kq-2022-14.toml", |t| {
        t.replacen(
            "{ zh = \"保修金费率\", en = \"warranty deposit rate\" }",
            "{ zh = \"warranty_rate保修金费率\", en = \"warranty deposit rate\" }",
            1,
        )
    });
    let m = diagnostic(&d, "rules::label", "parameter `warranty_rate`");
    assert!(m.message.contains("`warranty`"), "{m}");
    assert_eq!(m.line, line_of(&text, "warranty_rate保修金费率"));
    // BIM stands in the gazette's own words, and in the labels of the BIM thresholds.
    assert_eq!(d.len(), 1, "{d:?}");
    // An English label in plain words: no identifier's underscore.
    let (text, d) = load_edited("label-underscore", "kq-2022-14.toml", |t| {
        t.replacen(
            "en = \"warranty deposit rate\"",
            "en = \"warranty_rate\"",
            1,
        )
    });
    let m = diagnostic(&d, "rules::label", "parameter `warranty_rate`");
    assert!(m.message.contains("underscore"), "{m}");
    assert_eq!(m.line, line_of(&text, "en = \"warranty_rate\""));
}

#[test]
fn an_empty_name_in_a_label_is_a_missing_label() {
    let (text, d) = load_edited("label-empty", "kq-2022-15.toml", |t| {
        t.replacen("en = \"share of small units\"", "en = \" \"", 1)
    });
    let m = diagnostic(&d, "rules::missing_label", "value `small_unit_share`");
    assert!(m.message.contains("empty `en`"), "{m}");
    assert_eq!(m.line, line_of(&text, "en = \" \""));
}

#[test]
fn the_builtin_rulebook_labels_everything_a_report_names() {
    let book = Rulebook::embedded();
    let mut missing = Vec::new();
    let mut check = |what: String, l: &policy_calc::labels::Label| {
        if l.is_incomplete() {
            missing.push(what);
        }
    };
    for s in &book.schema.subjects {
        check(format!("subject {}", s.name), &s.label);
    }
    for r in &book.schema.records {
        for f in &r.fields {
            let what = format!("field {}.{}", r.path, f.name);
            check(what.clone(), &f.label);
            for (k, l) in [("yes", &f.yes), ("no", &f.no), ("measure", &f.measure)] {
                if let Some(l) = l {
                    check(format!("{what} {k}"), l);
                }
            }
        }
    }
    for w in &book.schema.word_sets {
        assert_eq!(w.labels.len(), w.words.len(), "the words of {}", w.owner);
        for (word, l) in w.words.iter().zip(&w.labels) {
            check(format!("word {word} of {}", w.owner), l);
        }
    }
    for p in &book.params {
        check(format!("parameter {}", p.name), &p.label);
    }
    for c in &book.clauses {
        for n in c.lets.iter().chain(&c.values).chain(&c.amount) {
            check(format!("{} of clause {}", n.name, c.id), &n.label);
        }
        for g in &c.goals {
            check(format!("goal {} of clause {}", g.name, c.id), &g.label);
        }
        // Each definition or variable an expression uses keeps its label.
        let exprs = c
            .lets
            .iter()
            .chain(&c.values)
            .chain(&c.amount)
            .map(|n| &n.expr)
            .chain(c.test.iter())
            .chain(c.when.iter());
        for e in exprs {
            e.walk(&mut |x| {
                if let policy_calc::expr::ExprKind::Named(n, _) = &x.kind {
                    check(format!("{} used in clause {}", n.name, c.id), &n.label);
                }
            });
        }
    }
    assert!(missing.is_empty(), "no label for: {missing:?}");
    // Every bool field but a few reads as a statement when true or false.
    let bools = book
        .schema
        .records
        .iter()
        .flat_map(|r| &r.fields)
        .filter(|f| f.ty == policy_calc::units::Type::Bool);
    assert!(bools.clone().all(|f| f.yes.is_some() == f.no.is_some()));
    assert!(bools.filter(|f| f.yes.is_none()).count() <= 3);
}

/// A folder that cannot be read keeps the system's error as its source (it was a string).
#[test]
fn a_folder_that_cannot_be_read_keeps_the_io_error_as_its_source() {
    let missing = root().join("target/test-scratch/no-such-rules-folder");
    let _ = std::fs::remove_dir_all(&missing);
    let e = Rulebook::load_dir(&missing).expect_err("no such folder");
    assert!(matches!(e, LoadError::Io { .. }), "{e:?}");
    let source = std::error::Error::source(&e).expect("the io error is its source");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("an io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert!(e.to_string().contains("no-such-rules-folder"), "{e}");
}
