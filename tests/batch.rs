//! The compiled decisions, the compact path and the batch mode: the same answers as the tree
//! evaluator and the full report, on the examples, the golden cases and random cases.

use std::cell::Cell;
use std::io::Write as _;
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use policy_calc::Rulebook;
use policy_calc::case::{Case, Fact};
use policy_calc::eval::CompactReport;
use policy_calc::expr::program::{Compiler, Ctx, params_on};
use policy_calc::expr::{Expr, Tri, Value};
use policy_calc::json_out;
use policy_calc::report::Report;
use policy_calc::units::Type;
use rust_decimal::Decimal;

use crate::common::{book, date, files, root};

#[path = "../benches/engine/hand.rs"]
mod hand;
#[path = "../benches/engine/workload.rs"]
mod workload;

#[test]
fn a_rulebook_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Rulebook>();
    send_sync::<policy_calc::eval::ClauseSet>();
    fn send<T: Send>() {}
    send::<CompactReport<'static>>();
    // And it evaluates from several threads at once.
    let case = book()
        .case_from_toml("[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 180.55\n", "t")
        .unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut out = CompactReport::new();
                for _ in 0..100 {
                    book()
                        .evaluate_compact(&case, date("2023-03-01"), &mut out)
                        .unwrap();
                    assert_eq!(
                        out.result("rural-prefab-subsidy")
                            .unwrap()
                            .amount
                            .unwrap()
                            .to_string(),
                        "36110.00"
                    );
                }
            });
        }
    });
}

/// Results as (clause, outcome, amount, values as (name, value, unit), missing).
type Terms = Vec<(
    String,
    String,
    Option<String>,
    Vec<(String, String, String)>,
    Vec<String>,
)>;

/// The compact report, put in the full report's terms.
fn compact_as_full(out: &CompactReport) -> Terms {
    out.results()
        .iter()
        .map(|r| {
            (
                r.clause.id.clone(),
                r.outcome.name().to_string(),
                r.amount.map(|a| {
                    let unit = r.clause.amount.as_ref().map_or("", |n| n.unit.as_str());
                    format!("{a}{}", json_out::fen_padding(a, unit))
                }),
                out.values(r)
                    .map(|v| {
                        let text = format!("{}{}", v.value, json_out::fen_padding(v.value, v.unit));
                        (v.to_string(), text, v.unit.to_string())
                    })
                    .collect(),
                out.missing(r).map(|m| m.to_string()).collect(),
            )
        })
        .collect()
}

fn full_terms(report: &Report) -> Terms {
    report
        .results
        .iter()
        .map(|r| {
            (
                r.clause.to_string(),
                r.outcome.name().to_string(),
                r.amount.as_ref().map(|a| a.value.clone()),
                r.values
                    .0
                    .iter()
                    .map(|(k, q)| (k.clone(), q.value.clone(), q.unit.clone()))
                    .collect(),
                r.missing.clone(),
            )
        })
        .collect()
}

/// Evaluates `case` both ways and checks that they agree, errors included.
fn agree(case: &Case, as_of: NaiveDate, out: &mut CompactReport<'static>, what: &str) {
    let full = book().evaluate(case, as_of);
    let compact = book().evaluate_compact(case, as_of, out);
    match (full, compact) {
        (Ok(report), Ok(())) => {
            assert_eq!(
                compact_as_full(out),
                full_terms(&report),
                "{what} on {as_of}"
            );
            // The compact JSON says the same as the full one, less the words.
            let mut json = Vec::new();
            out.write_json(None, &mut json).unwrap();
            let compact: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let mut full: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
            for r in full["results"].as_array_mut().unwrap() {
                for k in ["document", "number", "section", "quote", "reasons", "why"] {
                    r.as_object_mut().unwrap().remove(k);
                }
            }
            assert_eq!(compact, full, "{what}");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
        (a, b) => panic!("{what}: full {a:?}, compact {b:?}"),
    }
}

#[test]
fn compact_and_full_agree_on_the_examples() {
    let mut out = CompactReport::new();
    for path in files(&root().join("examples"), "toml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let case = book().case_from_text(&text, "example").unwrap();
        for as_of in [
            case.as_of().unwrap(),
            date("2022-01-01"),
            date("2026-01-02"),
        ] {
            agree(&case, as_of, &mut out, &path.display().to_string());
        }
    }
}

#[test]
fn compact_and_full_agree_on_the_golden_cases() {
    let mut out = CompactReport::new();
    let mut n = 0;
    for path in files(&root().join("tests/cases"), "toml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        for c in doc
            .get("case")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            let Some(table) = c.as_table() else { continue };
            let case_table: toml::Table = table
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "name" | "expect" | "error" | "note"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let Ok(case) = book().case_from_toml(&toml::to_string(&case_table).unwrap(), "golden")
            else {
                continue;
            };
            let Some(as_of) = case.as_of() else { continue };
            agree(&case, as_of, &mut out, &path.display().to_string());
            n += 1;
        }
    }
    assert!(n > 0, "no golden case read");
}

/// Random facts for every field of `subject`: some left out, numbers within the field's bounds.
fn random_case(book: &Rulebook, subject: u16, g: &mut workload::SplitMix64) -> Case {
    let rec = book.schema.record_of(subject);
    let mut facts: Vec<(&str, Fact)> = Vec::new();
    for f in &rec.fields {
        if g.chance(25) {
            continue;
        }
        facts.push((&f.name, random_fact(book, f, g)));
    }
    book.case(&book.schema.subjects[subject as usize].name, &facts)
        .unwrap_or_else(|e| panic!("a random case does not read:\n{e}"))
}

fn random_fact(
    book: &Rulebook,
    f: &policy_calc::schema::Field,
    g: &mut workload::SplitMix64,
) -> Fact {
    match f.ty {
        Type::Bool => Fact::Bool(g.chance(50)),
        Type::Date => Fact::Date(date("2020-01-01") + chrono::Days::new(g.range(0, 2600) as u64)),
        Type::Word(w) => {
            let words = &book.schema.word_sets[w as usize].words;
            Fact::word(&words[g.range(0, words.len() as i64 - 1) as usize])
        }
        Type::Words(w) => Fact::Words(
            book.schema.word_sets[w as usize]
                .words
                .iter()
                .filter(|_| g.chance(50))
                .cloned()
                .collect(),
        ),
        Type::List(r) => {
            let item = &book.schema.records[r as usize];
            let mut items = Vec::new();
            for _ in 0..g.range(0, 6) {
                let mut facts = Vec::new();
                for f in &item.fields {
                    if !g.chance(10) {
                        facts.push((f.name.clone(), random_fact(book, f, g)));
                    }
                }
                items.push(facts);
            }
            Fact::Items(items)
        }
        Type::Num(_) | Type::Duration => {
            let lo = f.min.unwrap_or(Decimal::ZERO);
            let hi = f
                .max
                .unwrap_or(Decimal::from(if g.chance(50) { 100 } else { 500_000_000 }));
            let span = ((hi - lo) * Decimal::ONE_HUNDRED).trunc();
            let span = i64::try_from(span).unwrap_or(i64::MAX / 2).max(0);
            let mut d = lo + Decimal::new(g.range(0, span), 2);
            if f.integer || g.chance(20) {
                d = d.trunc();
            }
            Fact::Num(d.min(hi).max(lo))
        }
    }
}

fn random_dates(g: &mut workload::SplitMix64) -> NaiveDate {
    date("2021-06-01") + chrono::Days::new(g.range(0, 1900) as u64)
}

#[test]
fn compact_and_full_agree_on_random_cases() {
    let mut g = workload::SplitMix64::new(7);
    let mut out = CompactReport::new();
    for i in 0..1600 {
        let subject = (i % book().schema.subjects.len()) as u16;
        let case = random_case(book(), subject, &mut g);
        let as_of = random_dates(&mut g);
        agree(&case, as_of, &mut out, &format!("{case:?}"));
    }
}

/// The context compiled programs run in for `case`, outside any list item.
fn case_ctx<'a>(
    case: &'a Case,
    params: &'a [Option<Value>],
    as_of: NaiveDate,
    memo: &'a [Cell<Option<Option<Value>>>],
    error: &'a Cell<Option<policy_calc::expr::EvalError>>,
) -> Ctx<'a> {
    Ctx {
        facts: case.facts(),
        item: None,
        params,
        as_of,
        memo,
        error,
    }
}

/// Every decision expression of every clause, compiled and walked, on random cases: the same
/// known value (to the scale), the same unknown, the same error.
#[test]
fn compiled_expressions_agree_with_the_tree() {
    let b = book();
    let mut g = workload::SplitMix64::new(11);
    for (subject, indices) in b.by_subject.iter().enumerate() {
        let exprs: Vec<&Expr> = indices
            .iter()
            .flat_map(|&i| b.clauses[i].exprs())
            .filter(|e| !has_items(e))
            .collect();
        let mut c = Compiler::new(&b.params);
        let first = c.subject(&exprs, &[]);
        let programs: Vec<_> = exprs
            .iter()
            .map(|e| match e.ty {
                Type::Bool => (Some(c.condition(e)), None, None),
                Type::Date => (None, None, Some(c.date(e))),
                _ => (None, Some(c.number(e, false)), None),
            })
            .collect();
        let slots = c.slots_end();
        for _ in 0..300 {
            let case = random_case(b, subject as u16, &mut g);
            let as_of = random_dates(&mut g);
            let mut params = Vec::new();
            params_on(&b.params, as_of, &mut params);
            let memo: Vec<Cell<Option<Option<Value>>>> =
                (0..slots).map(|_| Cell::new(None)).collect();
            let error = Cell::new(None);
            let ctx = case_ctx(&case, &params, as_of, &memo, &error);
            let cx = policy_calc::expr::Cx {
                facts: case.facts(),
                item: None,
                params: &b.params,
                as_of,
            };
            for (e, (cond, num, day)) in exprs.iter().zip(&programs) {
                let tree = e.eval(&cx);
                let compiled: Result<Option<Value>, _> = if let Some(p) = cond {
                    p.run(&ctx).map(|v| v.map(Value::Bool))
                } else if let Some(p) = day {
                    p.run(&ctx).map(|v| v.map(Value::Date))
                } else {
                    num.as_ref().unwrap().run(&ctx).map(|v| v.map(Value::Num))
                };
                let tree = tree.map(|t| match t {
                    Tri::Known(v) if e.ty.is_num() || matches!(e.ty, Type::Bool | Type::Date) => {
                        Some(v)
                    }
                    _ => None,
                });
                let show = |r: &Result<Option<Value>, _>| format!("{r:?}");
                assert_eq!(
                    show(&compiled),
                    show(&tree),
                    "`{}` on {as_of} for {case:?} (slots from {first})",
                    e.text
                );
            }
        }
    }
}

/// A value reported per item, run over its list at once (`run_each`), gives what the tree
/// gives item by item: the same known values, to the scale, at the same items, and the same
/// first failure.
#[test]
fn per_item_values_run_over_a_list_agree_with_the_tree_item_by_item() {
    let b = book();
    let mut g = workload::SplitMix64::new(13);
    let mut known = 0;
    for (subject, indices) in b.by_subject.iter().enumerate() {
        let named: Vec<(&Expr, u16)> = indices
            .iter()
            .flat_map(|&i| b.clauses[i].values.iter().chain(&b.clauses[i].lets))
            .filter_map(|v| v.each.map(|list| (&v.expr, list)))
            .collect();
        if named.is_empty() {
            continue;
        }
        let mut c = Compiler::new(&b.params);
        let exprs: Vec<&Expr> = named.iter().map(|(e, _)| *e).collect();
        c.subject(&[], &exprs);
        let programs: Vec<_> = exprs.iter().map(|e| c.number(e, true)).collect();
        let memo: Vec<Cell<Option<Option<Value>>>> =
            (0..c.slots_end()).map(|_| Cell::new(None)).collect();
        for _ in 0..400 {
            let case = random_case(b, subject as u16, &mut g);
            let as_of = random_dates(&mut g);
            let mut params = Vec::new();
            params_on(&b.params, as_of, &mut params);
            let error = Cell::new(None);
            let ctx = case_ctx(&case, &params, as_of, &memo, &error);
            for ((e, list), p) in named.iter().zip(&programs) {
                let Some(items) = case.facts().lists[*list as usize].as_ref() else {
                    continue;
                };
                let mut got = Vec::new();
                let compiled = p.run_each(&ctx, items, |i, d| got.push((i, d.to_string())));
                let mut want = Vec::new();
                let mut tree = Ok(());
                for (i, item) in items.iter().enumerate() {
                    let cx = policy_calc::expr::Cx {
                        facts: case.facts(),
                        item: Some(item),
                        params: &b.params,
                        as_of,
                    };
                    match e.eval(&cx) {
                        Ok(Tri::Known(Value::Num(d))) => want.push((i, d.to_string())),
                        Ok(_) => {}
                        Err(err) => {
                            tree = Err(err);
                            break;
                        }
                    }
                }
                assert_eq!(
                    format!("{compiled:?} {got:?}"),
                    format!("{tree:?} {want:?}"),
                    "`{}` on {as_of} for {case:?}",
                    e.text
                );
                known += got.len();
            }
        }
    }
    assert!(
        known > 500,
        "only {known} known per-item values were compared"
    );
}

/// Per-item values are evaluated inside their list; the test above takes the others.
fn has_items(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |n| {
        found |= matches!(n.kind, policy_calc::expr::ExprKind::ItemField(_)) && !inside_agg(e)
    });
    found
}

fn inside_agg(e: &Expr) -> bool {
    matches!(e.kind, policy_calc::expr::ExprKind::Agg { .. })
}

#[test]
fn the_workload_engine_agrees_with_the_hand_written_clauses() {
    let four = workload::clauses(book());
    let h = hand::Hand::default();
    let mut ho = hand::Out::default();
    let mut out = CompactReport::new();
    for i in 0..1000 {
        let typed = workload::case(i);
        let case = book()
            .case_from_json(&typed.to_json(workload::as_of()), "workload")
            .unwrap();
        h.evaluate(&typed, workload::as_of(), &mut ho).unwrap();
        book()
            .evaluate_selected(&case, workload::as_of(), &four, &mut out)
            .unwrap();
        let [r] = out.results() else {
            panic!("one clause per case")
        };
        let values: Vec<String> = out.values(r).map(|v| v.value.to_string()).collect();
        let hand_values: Vec<String> = ho.values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            (Some(r.outcome), r.amount.map(|a| a.to_string()), values),
            (ho.outcome, ho.amount.map(|a| a.to_string()), hand_values),
            "case {i}: {}",
            typed.to_json(workload::as_of())
        );
    }
}

fn policy_calc_cmd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_policy-calc"))
}

fn run_batch(args: &[&str], input: &str) -> (String, String, i32) {
    let mut child = policy_calc_cmd()
        .args(["check", "--batch", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn batch_keeps_the_order_and_reports_bad_lines_by_number() {
    // Enough lines for many chunks on every worker.
    let mut input = String::new();
    let mut expected = Vec::new();
    let mut out = CompactReport::new();
    for i in 0..1200u64 {
        let line = i + 1;
        if line % 400 == 200 {
            input.push_str("{\"tenant\": {\"rnt\": 1}}\n");
            continue;
        }
        if line == 42 {
            input.push('\n');
            continue;
        }
        let typed = workload::case(i);
        // Half the lines give no date of their own and take --as-of.
        let json = if i % 2 == 0 {
            typed.to_json(workload::as_of())
        } else {
            typed
                .to_json(workload::as_of())
                .replacen("\"as_of\":\"2023-03-01\",", "", 1)
        };
        input.push_str(&json);
        input.push('\n');
        let case = book().case_from_json(&json, "x").unwrap();
        book()
            .evaluate_compact(&case, workload::as_of(), &mut out)
            .unwrap();
        let mut w = Vec::new();
        out.write_json(Some(line), &mut w).unwrap();
        expected.push(String::from_utf8(w).unwrap());
    }
    let (stdout, stderr, status) = run_batch(&["--as-of", "2023-03-01"], &input);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), expected.len());
    for (got, want) in lines.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("<stdin>:"))
        .collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(
        errors[0].starts_with("<stdin>:200:13: error[case::unknown_field]"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("did you mean `rent`?"), "{}", errors[0]);
    assert!(errors[2].starts_with("<stdin>:1000:"), "{}", errors[2]);
    assert!(stderr.contains("3 of 1199 lines"), "{stderr}");
    assert_eq!(status, 2);
}

/// Where each line ends is found as the line is read: a line ends at its newline and
/// nowhere else, whatever comes before it.
#[test]
fn batch_lines_end_at_their_newline_only() {
    let case = r#"{"tenant":{"rent":1000,"market_rent":1500}}"#;
    let input = format!(
        "{case}\r\n\
         {{\"tenant\":{{\"rent\":1000,\n\
         \"market_rent\":1500}}}}\n\
         \x20  \r\n\
         {case} \t \n\
         {case} {case}\n\
         {case}"
    );
    let (stdout, stderr, status) = run_batch(&["--as-of", "2023-03-01"], &input);
    let numbers: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [r#"{"line":1"#, r#"{"line":5"#, r#"{"line":7"#],
        "{stdout}"
    );
    let bad: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("<stdin>:"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(bad, ["2", "3", "6"], "{stderr}");
    assert_eq!(status, 2);
}

/// A per-item value whose name is too long for the compact writer's scratch is written part
/// by part, the same as any other.
#[test]
fn a_value_too_long_for_the_writers_scratch_is_written_whole() {
    let (mut sources, seeds) = policy_calc::rulebook::embedded_sources();
    let long = "r".repeat(3000);
    for s in &mut sources {
        s.text = s
            .text
            .replace("name = \"rent_cap\"", &format!("name = \"{long}\""));
    }
    let book = policy_calc::Rulebook::load(&sources, &seeds).unwrap();
    let case = book
        .case_from_json(
            r#"{"rental_project":{"kind":"residential","units":[
                {"area":40,"count":2,"rent":800,"market_rent":1000.01},
                {"area":40,"count":2,"rent":900,"market_rent":1200}]}}"#,
            "t.json",
        )
        .unwrap();
    let mut out = CompactReport::new();
    book.evaluate_compact(&case, date("2023-03-01"), &mut out)
        .unwrap();
    let mut json = Vec::new();
    out.write_json(None, &mut json).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let caps = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["clause"] == "arh-rent-cap")
        .map(|r| r["values"].clone())
        .unwrap();
    assert_eq!(
        caps[format!("units[1].{long}")]["value"],
        "800.00",
        "{caps}"
    );
    assert_eq!(
        caps[format!("units[2].{long}")]["value"],
        "960.00",
        "{caps}"
    );
    assert_eq!(caps.as_object().unwrap().len(), 2);
}

#[test]
fn batch_exit_status_and_full_reports() {
    let ok = "{\"as_of\":\"2023-03-01\",\"rural_housing\":{\"new\":true,\"prefab\":true,\"structure\":\"steel\",\"floor_area\":180.55}}\n";
    let (stdout, stderr, status) = run_batch(&[], ok);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.starts_with("{\"line\":1,\"subject\":\"rural_housing\",\"as_of\":\"2023-03-01\",\"results\":[{\"clause\":\"rural-prefab-subsidy\",\"outcome\":\"eligible\",\"amount\":{\"value\":\"36110.00\",\"unit\":\"CNY\"}"), "{stdout}");

    let non_compliant =
        "{\"as_of\":\"2023-03-01\",\"tenant\":{\"rent\":1876.54,\"market_rent\":2345.67}}";
    let (stdout, _, status) = run_batch(&["--full"], &format!("{ok}{non_compliant}"));
    assert_eq!(status, 1);
    let reports: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports[1]["line"], 2);
    let full: Report = serde_json::from_value(reports[1].clone()).unwrap();
    assert_eq!(
        full.result("arh-rent-cap").unwrap().outcome.name(),
        "non_compliant"
    );
    assert!(!full.result("arh-rent-cap").unwrap().reasons.is_empty());

    let (_, stderr, status) = run_batch(
        &[],
        "{\"as_of\":\"2023-03-01\",\"rural_housing\":{\"floor_area\":\"x\"}}\nnot json\n",
    );
    assert_eq!(status, 2);
    assert!(stderr.contains("<stdin>:1:"), "{stderr}");
    assert!(
        stderr.contains("<stdin>:2:1: error[case::syntax]"),
        "{stderr}"
    );
}

#[test]
fn batch_takes_no_case_files_besides() {
    let out = policy_calc_cmd()
        .args(["check", "--batch", "-", "examples/tenant.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = policy_calc_cmd()
        .args(["check", "--full", "examples/tenant.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The batch mode end to end on a million generated cases, with the release binary:
/// `cargo test --release --test tests batch::end_to_end -- --ignored --nocapture`
/// (or `benches/batch.sh`). Prints cases per second and the peak memory.
#[test]
#[ignore = "a benchmark: run it on purpose, in release"]
fn end_to_end_million() {
    let n: u64 = std::env::var("BATCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let path = root().join(format!("target/batch-{n}.jsonl"));
    if !path.exists() {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..n {
            writeln!(f, "{}", workload::case(i).to_json(workload::as_of())).unwrap();
        }
        f.flush().unwrap();
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    // Read once first, so that the figure is the batch's and not the disk's: a run from a
    // cold page cache waits on the disk (about 175% CPU rather than 198% on two cores).
    std::io::copy(
        &mut std::fs::File::open(&path).unwrap(),
        &mut std::io::sink(),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["check", "--batch"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("/usr/bin/time runs");
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let rss_kb: f64 = field("Maximum resident set size (kbytes):")
        .parse()
        .unwrap_or(0.0);
    println!(
        "batch end to end: {n} cases, {:.0} MB of JSON Lines (in the page cache)",
        bytes as f64 / 1e6
    );
    println!(
        "  wall {secs:.2} s: {:.0} cases/s (target >= 250000)",
        n as f64 / secs
    );
    println!(
        "  user {} s, system {} s, CPU {}",
        field("User time (seconds):"),
        field("System time (seconds):"),
        field("Percent of CPU this job got:")
    );
    println!("  peak RSS {:.1} MB (target < 100 MB)", rss_kb / 1024.0);
    assert!(out.status.code().is_some_and(|c| c < 2), "{stderr}");
}

#[test]
fn batch_as_of_overrides_each_lines_own_date_as_check_does() {
    let line = "{\"as_of\":\"2023-03-01\",\"rural_housing\":{\"new\":true,\"prefab\":true,\"structure\":\"steel\",\"floor_area\":100}}\n";
    let (stdout, _, status) = run_batch(&["--as-of", "2026-01-01"], line);
    assert_eq!(status, 0);
    assert!(stdout.contains("\"as_of\":\"2026-01-01\""), "{stdout}");
    assert!(stdout.contains("\"outcome\":\"not_in_force\""), "{stdout}");
    let (stdout, _, _) = run_batch(&[], line);
    assert!(
        stdout.contains("\"as_of\":\"2023-03-01\"") && stdout.contains("\"outcome\":\"eligible\""),
        "{stdout}"
    );
}
