//! What each fuzz target checks: no input panics, and the laws that hold for any input.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`, nightly or RUSTC_BOOTSTRAP) and by
//! `tests/fuzz_corpus.rs`, which replays every corpus file through these same functions in an
//! ordinary `cargo test`. Each function panics on a broken law, which is what both want.
#![allow(dead_code)]

use chrono::NaiveDate;
use policy_calc::Rulebook;
use policy_calc::case::Case;
use policy_calc::expr::Value;
use policy_calc::expr::parse::{parse, same_expression};
use policy_calc::report::{Outcome, Report};
use policy_calc::rulebook::{EMBEDDED_RULES, EMBEDDED_SEEDS, Kind, Rounding, RuleSource};
use policy_calc::units::Type;

/// The evaluation date of a case that gives none.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 3, 1).expect("a real date")
}

/// A case file in TOML: read it; if it reads, evaluate it and check the laws of a case.
pub fn case_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = policy_calc::input::toml::parse(text);
    let book = Rulebook::embedded();
    if let Ok(case) = book.case_from_toml(text, "fuzz.toml") {
        check_case(book, &case);
    }
}

/// A case file in JSON: the same as [`case_toml`].
pub fn case_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = policy_calc::input::json::parse(text);
    let book = Rulebook::embedded();
    direct_json_agrees(book, text);
    if let Ok(case) = book.case_from_json(text, "fuzz.json") {
        check_case(book, &case);
    }
}

/// The JSON readers agree: `case_from_json` and the batch's `CaseReader`, which read the
/// common shape of a case directly, give what the tree reader gives, to the scale of every
/// decimal (`Debug` shows it; `==` on decimals does not), or the same diagnostics.
pub fn direct_json_agrees(book: &Rulebook, text: &str) {
    let tree = format!("{:?}", book.case_from_json_tree(text, "fuzz.json"));
    let direct = format!("{:?}", book.case_from_json(text, "fuzz.json"));
    assert_eq!(
        direct, tree,
        "case_from_json and the tree reader differ on {text:?}"
    );
    // A reader that has read another case first: nothing of it may leak into this one.
    let mut reader = policy_calc::case::CaseReader::default();
    let other = r#"{"as_of":"2023-03-01","rental_project":{"kind":"dormitory","units":[{"area":30,"count":2}]}}"#;
    let _ = reader.read_json(book, other, "other.json");
    let reused = format!("{:?}", reader.read_json(book, text, "fuzz.json").cloned());
    assert_eq!(
        reused, tree,
        "a reused CaseReader and the tree reader differ on {text:?}"
    );
}

/// A rule file loaded with the real `subjects.toml` and seeds: it loads or gives diagnostics,
/// and a rulebook that loads evaluates sample cases of every subject without panicking.
pub fn rule_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let subjects = EMBEDDED_RULES
        .iter()
        .find(|(n, _)| *n == "subjects.toml")
        .map(|(_, t)| *t)
        .expect("subjects.toml is built in");
    let sources = [
        RuleSource {
            name: "rules/subjects.toml".into(),
            text: subjects.into(),
        },
        RuleSource {
            name: "rules/fuzz.toml".into(),
            text: text.into(),
        },
    ];
    let seeds: Vec<(String, String)> = EMBEDDED_SEEDS
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let book = match policy_calc::Rulebook::load(&sources, &seeds) {
        Ok(book) => book,
        Err(d) => {
            assert!(!d.0.is_empty(), "a rule file that does not load says why");
            for x in &d.0 {
                assert!(
                    x.line >= 1 && x.column >= 1,
                    "diagnostics point at a place: {x:?}"
                );
            }
            return;
        }
    };
    for subject in 0..book.schema.subjects.len() as u16 {
        if book.by_subject[subject as usize].is_empty() {
            continue;
        }
        for case in sample_cases(&book, subject) {
            for day in ["2022-01-01", "2023-03-01", "2026-06-30"] {
                let as_of = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a date");
                if let Ok(report) = book.evaluate(&case, as_of) {
                    check_report(&book, &case, &report);
                }
            }
        }
    }
}

/// An expression: if it parses, its printed form parses back to the same expression, and
/// printing that again gives the same text.
pub fn expression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ast) = parse(text) else { return };
    let printed = ast.to_string();
    let again = parse(&printed)
        .unwrap_or_else(|e| panic!("`{text}` prints as `{printed}`, which does not parse: {e:?}"));
    assert!(
        same_expression(&ast, &again),
        "`{text}` prints as `{printed}`, which parses as `{again}`"
    );
    assert_eq!(
        again.to_string(),
        printed,
        "printing is not a fixed point for `{text}`"
    );
}

/// The laws of any case that reads: it writes back to TOML and JSON as the same case, and it
/// evaluates (or fails with a typed error) to a report that keeps the laws of a report.
pub fn check_case(book: &Rulebook, case: &Case) {
    let toml = case_to_toml(book, case);
    match book.case_from_toml(&toml, "again.toml") {
        Ok(again) => assert_eq!(
            &again, case,
            "the case written as TOML reads back differently:\n{toml}"
        ),
        Err(e) => panic!("the case written as TOML does not read:\n{toml}\n{e}"),
    }
    let json = case_to_json(book, case);
    match book.case_from_json(&json, "again.json") {
        Ok(again) => assert_eq!(
            &again, case,
            "the case written as JSON reads back differently:\n{json}"
        ),
        Err(e) => panic!("the case written as JSON does not read:\n{json}\n{e}"),
    }
    let as_of = case.as_of().unwrap_or_else(default_as_of);
    let first = book.evaluate(case, as_of);
    assert_eq!(
        first,
        book.evaluate(case, as_of),
        "evaluation is not deterministic"
    );
    match first {
        Ok(report) => {
            check_report(book, case, &report);
            check_changes(book, case, as_of, &report);
        }
        // A fault of a clause names a clause of the subject; a fault of the case (a date after
        // the evaluation date) names none.
        Err(e) => assert!(
            e.clause
                .as_ref()
                .is_none_or(|id| book.by_subject[case.subject_index() as usize]
                    .iter()
                    .any(|&c| &book.clauses[c].id == id)),
            "an evaluation error names a clause of the subject: {e}"
        ),
    }
}

/// What would change the results: the same outcomes as the plain report, and each change of
/// one fact, made alone, gives the outcome it states (a change of several facts is checked
/// by the property tests).
fn check_changes(book: &Rulebook, case: &Case, as_of: NaiveDate, report: &Report) {
    let with = book
        .evaluate_with_changes(case, as_of)
        .expect("a case that evaluates evaluates with its changes");
    for (r, w) in report.results.iter().zip(&with.results) {
        assert_eq!(
            (r.outcome, &r.amount),
            (w.outcome, &w.amount),
            "{}",
            r.clause
        );
        for c in w.changes.iter().chain(&w.margin) {
            assert!(!c.facts.is_empty(), "{}: a change of no fact", r.clause);
            assert_ne!(
                c.outcome, r.outcome,
                "{}: {c} does not change the outcome",
                r.clause
            );
        }
    }
}

/// The laws of a report: one result per clause of the subject, in rulebook order; amounts
/// only where a clause yields one, exact decimals, money to the fen; JSON round-trips.
pub fn check_report(book: &Rulebook, case: &Case, report: &Report) {
    let clauses = &book.by_subject[case.subject_index() as usize];
    assert_eq!(report.subject, case.subject());
    assert_eq!(
        report.results.len(),
        clauses.len(),
        "one result per clause of the subject"
    );
    for (r, &ci) in report.results.iter().zip(clauses) {
        let clause = &book.clauses[ci];
        assert_eq!(r.clause, clause.id);
        if let Some(a) = &r.amount {
            assert!(
                matches!(r.outcome, Outcome::Eligible | Outcome::Computed),
                "{}: an amount with outcome {}",
                r.clause,
                r.outcome
            );
            let d: rust_decimal::Decimal = a.value().parse().unwrap_or_else(|_| {
                panic!("{}: amount `{}` is not a decimal", r.clause, a.value())
            });
            let rounded = clause
                .amount
                .as_ref()
                .is_some_and(|n| n.round != Rounding::None);
            if rounded {
                assert_eq!(
                    d.scale(),
                    2,
                    "{}: amount `{}` is not to the fen",
                    r.clause,
                    a.value()
                );
            }
        }
        if r.outcome == Outcome::Computed {
            assert!(
                r.amount.is_some(),
                "{}: computed without an amount",
                r.clause
            );
        }
        if r.outcome == Outcome::NotInForce {
            assert!(
                r.amount.is_none() && r.values.0.is_empty(),
                "{}: not in force but has figures",
                r.clause
            );
        }
        if clause.kind == Kind::Target {
            assert_ne!(
                r.outcome,
                Outcome::Eligible,
                "{}: a target is never eligible",
                r.clause
            );
        }
        for (name, q) in &r.values.0 {
            assert!(
                q.value().parse::<rust_decimal::Decimal>().is_ok(),
                "{}: value {name} = `{}`",
                r.clause,
                q.value()
            );
        }
    }
    let json = report.to_json();
    let back: Report = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("report JSON does not read back: {e}\n{json}"));
    assert_eq!(&back, report, "the JSON report does not round-trip");
}

/// Cases of `subject` to evaluate a fuzzed rulebook on: no facts, and one with every fact.
fn sample_cases(book: &Rulebook, subject: u16) -> Vec<Case> {
    let name = book.schema.subjects[subject as usize].name.clone();
    let mut out = Vec::new();
    if let Ok(c) = book.case(&name, &[]) {
        out.push(c);
    }
    let rec = book.schema.record_of(subject);
    let mut facts = Vec::new();
    for f in &rec.fields {
        let fact = match f.ty {
            Type::List(item) => {
                let item_rec = &book.schema.records[item as usize];
                let item = |n: i64| -> Vec<(String, policy_calc::case::Fact)> {
                    item_rec
                        .fields
                        .iter()
                        .filter_map(|g| sample_fact(book, g, n).map(|x| (g.name.clone(), x)))
                        .collect()
                };
                Some(policy_calc::case::Fact::Items(vec![item(1), item(100)]))
            }
            _ => sample_fact(book, f, 100),
        };
        if let Some(x) = fact {
            facts.push((f.name.clone(), x));
        }
    }
    let refs: Vec<(&str, policy_calc::case::Fact)> =
        facts.iter().map(|(n, x)| (n.as_str(), x.clone())).collect();
    if let Ok(c) = book.case(&name, &refs) {
        out.push(c);
    }
    out
}

fn sample_fact(
    book: &Rulebook,
    f: &policy_calc::schema::Field,
    n: i64,
) -> Option<policy_calc::case::Fact> {
    use policy_calc::case::Fact;
    Some(match f.ty {
        Type::Bool => Fact::Bool(n % 2 == 0),
        Type::Num(_) => {
            let d = rust_decimal::Decimal::from(n);
            Fact::Num(f.max.map_or(d, |m| d.min(m)))
        }
        Type::Date => Fact::Date(NaiveDate::from_ymd_opt(2022, 7, 1)?),
        Type::Word(w) => Fact::Word(book.schema.word_sets[w as usize].words.first()?.clone()),
        Type::Words(w) => Fact::Words(book.schema.word_sets[w as usize].words.clone()),
        Type::Duration | Type::List(_) => return None,
    })
}

/// A value as TOML or JSON text (`json`: dates and words quoted alike).
fn value_text(book: &Rulebook, ty: Type, v: &Value, json: bool) -> String {
    match (v, ty) {
        (Value::Bool(b), _) => b.to_string(),
        (Value::Num(d), _) => d.to_string(),
        (Value::Date(d), _) if json => format!("\"{}\"", d.format("%Y-%m-%d")),
        (Value::Date(d), _) => d.format("%Y-%m-%d").to_string(),
        (Value::Word(i), Type::Word(w)) => format!(
            "\"{}\"",
            book.schema.word_sets[w as usize].words[*i as usize]
        ),
        (Value::Words(bits), Type::Words(w)) => {
            let words: Vec<String> = book.schema.word_sets[w as usize]
                .words
                .iter()
                .enumerate()
                .filter(|(i, _)| bits.has(*i as u16))
                .map(|(_, w)| format!("\"{w}\""))
                .collect();
            format!("[{}]", words.join(", "))
        }
        (other, ty) => panic!("a fact {other:?} that its field type {ty:?} cannot hold"),
    }
}

/// `(name, text)` of each fact that a record of facts gives.
fn record_texts(
    book: &Rulebook,
    fields: &[policy_calc::schema::Field],
    values: &[Option<Value>],
    json: bool,
) -> Vec<(String, String)> {
    fields
        .iter()
        .zip(values)
        .filter_map(|(f, v)| {
            v.as_ref()
                .map(|v| (f.name.clone(), value_text(book, f.ty, v, json)))
        })
        .collect()
}

/// Writes a case as a TOML case file that reads back as the same case.
pub fn case_to_toml(book: &Rulebook, case: &Case) -> String {
    let mut out = String::new();
    if let Some(d) = case.as_of() {
        out.push_str(&format!("as_of = {}\n", d.format("%Y-%m-%d")));
    }
    let rec = book.schema.record_of(case.subject_index());
    out.push_str(&format!("[{}]\n", case.subject()));
    for (name, text) in record_texts(book, &rec.fields, &case.facts().values, false) {
        out.push_str(&format!("{name} = {text}\n"));
    }
    let mut tables = String::new();
    for (f, list) in rec.fields.iter().zip(&case.facts().lists) {
        let (Some(items), Type::List(item_rec)) = (list, f.ty) else {
            continue;
        };
        if items.is_empty() {
            out.push_str(&format!("{} = []\n", f.name));
        }
        for item in items {
            tables.push_str(&format!("[[{}.{}]]\n", case.subject(), f.name));
            let fields = &book.schema.records[item_rec as usize].fields;
            for (name, text) in record_texts(book, fields, item, false) {
                tables.push_str(&format!("{name} = {text}\n"));
            }
        }
    }
    out + &tables
}

/// Writes a case as a JSON case file that reads back as the same case.
pub fn case_to_json(book: &Rulebook, case: &Case) -> String {
    let object = |pairs: Vec<(String, String)>| {
        let inner: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", inner.join(", "))
    };
    let rec = book.schema.record_of(case.subject_index());
    let mut facts = record_texts(book, &rec.fields, &case.facts().values, true);
    for (f, list) in rec.fields.iter().zip(&case.facts().lists) {
        let (Some(items), Type::List(item_rec)) = (list, f.ty) else {
            continue;
        };
        let fields = &book.schema.records[item_rec as usize].fields;
        let items: Vec<String> = items
            .iter()
            .map(|item| object(record_texts(book, fields, item, true)))
            .collect();
        facts.push((f.name.clone(), format!("[{}]", items.join(", "))));
    }
    let mut top = Vec::new();
    if let Some(d) = case.as_of() {
        top.push(("as_of".to_string(), format!("\"{}\"", d.format("%Y-%m-%d"))));
    }
    top.push((case.subject().to_string(), object(facts)));
    object(top)
}
