//! The real binary, run as a caseworker or a script would: every example, every class of bad
//! input, the exit statuses, and snapshots of what people read.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{files, root, run, snapshot};

fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = root().join("target/test-scratch/cli");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write scratch file");
    p
}

#[test]
fn every_example_runs_with_the_builtin_rulebook() {
    let examples = files(&root().join("examples"), "toml");
    assert!(examples.len() >= 8, "one example per subject");
    let mut subjects = Vec::new();
    for p in examples {
        let rel = format!("examples/{}", p.file_name().unwrap().to_string_lossy());
        let r = run(&["check", &rel, "--format", "json"], None);
        assert!(
            r.code == 0 || r.code == 1,
            "{rel}: exit {}\n{}",
            r.code,
            r.stderr
        );
        assert!(r.stderr.is_empty(), "{rel}: {}", r.stderr);
        let report: policy_calc::report::Report =
            serde_json::from_str(r.stdout.trim()).expect("one JSON report");
        assert!(!report.results.is_empty(), "{rel}: no results");
        assert_eq!(
            r.code == 1,
            report.has_non_compliance(),
            "{rel}: exit status follows non_compliant"
        );
        subjects.push(report.subject);
    }
    subjects.sort();
    subjects.dedup();
    let declared: Vec<String> = policy_calc::Rulebook::embedded()
        .schema
        .subjects
        .iter()
        .map(|s| s.name.clone())
        .collect();
    for s in declared {
        assert!(subjects.contains(&s), "no example for subject {s}");
    }
}

#[test]
fn json_lines_one_object_per_case_and_standard_input() {
    let case = std::fs::read(root().join("examples/rural_housing.toml")).unwrap();
    let r = run(
        &["check", "examples/enterprise.toml", "-", "--format=json"],
        Some(&case),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("{\"subject\":\"enterprise\""));
    assert!(lines[1].contains("\"amount\":{\"value\":\"36110.00\",\"unit\":\"CNY\"}"));
}

#[test]
fn exit_status_is_one_when_something_is_non_compliant() {
    let r = run(&["check", "examples/tenant.toml"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("arh-rent-cap [NON-COMPLIANT]"),
        "{}",
        r.stdout
    );
}

#[test]
fn as_of_on_the_command_line_overrides_the_case() {
    let r = run(
        &[
            "check",
            "examples/rural_housing.toml",
            "--as-of",
            "2026-01-01",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("\"as_of\":\"2026-01-01\""));
    assert!(r.stdout.contains("\"outcome\":\"not_in_force\""));
}

#[test]
fn a_bad_file_is_reported_while_the_good_ones_are_still_evaluated() {
    let bad = scratch_file("typo.toml", b"[rural_housing]\nfloor_aera = 1\n");
    let r = run(
        &[
            "check",
            bad.to_str().unwrap(),
            "examples/rural_housing.toml",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `floor_area`?"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("36,110.00 CNY"), "{}", r.stdout);
}

/// Each class of bad input: exit 2, a message naming the problem, and no panic.
#[test]
fn every_class_of_bad_input_is_exit_two_with_a_clear_message() {
    let deep = format!(
        "[rural_housing]\nfloor_area = {}1{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "toml-syntax.toml",
            b"[rural_housing\nnew = true\n".to_vec(),
            "TOML syntax",
        ),
        (
            "unknown-subject.toml",
            b"[farmhouse]\nnew = true\n".to_vec(),
            "unknown subject `farmhouse`",
        ),
        (
            "two-subjects.toml",
            b"[rural_housing]\n[tenant]\n".to_vec(),
            "exactly one subject",
        ),
        (
            "no-subject.toml",
            b"as_of = 2023-03-01\n".to_vec(),
            "names no subject",
        ),
        (
            "unknown-field.toml",
            b"[rural_housing]\nfloors = 2\n".to_vec(),
            "has no field `floors`",
        ),
        (
            "wrong-type.toml",
            b"[rural_housing]\nnew = \"yes\"\n".to_vec(),
            "expected true or false, found a string",
        ),
        (
            "negative-area.toml",
            b"[rural_housing]\nfloor_area = -5\n".to_vec(),
            "cannot be below 0",
        ),
        (
            "negative-amount.toml",
            b"[tenant]\nrent = -0.01\n".to_vec(),
            "cannot be below 0",
        ),
        (
            "unknown-word.toml",
            b"[rural_housing]\nstructure = \"brick\"\n".to_vec(),
            "`brick` is not a word of `structure`",
        ),
        (
            "impossible-date.toml",
            b"[enterprise]\ndesignated_on = 2023-02-30\n".to_vec(),
            "2023-02-30",
        ),
        (
            "impossible-date.json",
            br#"{"enterprise": {"designated_on": "2023-02-30"}}"#.to_vec(),
            "not a real date",
        ),
        (
            "too-large.toml",
            b"[rural_housing]\nfloor_area = 99999999999999999999999999999999\n".to_vec(),
            "too large",
        ),
        ("empty.toml", Vec::new(), "empty"),
        (
            "garbage.bin",
            (0u8..=255).cycle().take(4096).collect(),
            "not a text file",
        ),
        ("deep.toml", deep.into_bytes(), "deep"),
        (
            "deep.json",
            format!(
                "{{\"rural_housing\": {{\"floor_area\": {}1{}}}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
            .into_bytes(),
            "deep",
        ),
        (
            "json-syntax.json",
            b"{\"rural_housing\": {\"new\": true,}}".to_vec(),
            "JSON syntax",
        ),
    ];
    for (name, bytes, needle) in cases {
        let p = scratch_file(name, &bytes);
        let r = run(&["check", p.to_str().unwrap()], None);
        assert_eq!(
            r.code, 2,
            "{name}: exit {}\nstdout: {}\nstderr: {}",
            r.code, r.stdout, r.stderr
        );
        assert!(
            !r.stderr.contains("panicked"),
            "{name} panicked:\n{}",
            r.stderr
        );
        assert!(
            r.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{name}: expected {needle:?} in:\n{}",
            r.stderr
        );
        assert!(
            r.stdout.is_empty(),
            "{name}: nothing is evaluated for a bad case:\n{}",
            r.stdout
        );
    }
    for bad in [
        ["--as-of", "2023-13-01"],
        ["--as-of", "yesterday"],
        ["--format", "xml"],
        ["--lang", "fr"],
    ] {
        let r = run(
            &["check", "examples/rural_housing.toml", bad[0], bad[1]],
            None,
        );
        assert_eq!(r.code, 2, "{bad:?}");
        assert!(r.stderr.contains(bad[1]), "{bad:?}: {}", r.stderr);
    }
    let r = run(&["check"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no case given"));
    let r = run(&["chek"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("a similar subcommand exists: 'check'"),
        "{}",
        r.stderr
    );
    let r = run(&["check", "no/such/file.toml"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no/such/file.toml"));
}

#[test]
fn bad_rules_are_exit_two_with_every_problem() {
    let dir = root().join("target/test-scratch/cli-rules/rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("rules/subjects.toml"),
        dir.join("subjects.toml"),
    )
    .unwrap();
    std::fs::write(dir.join("x.toml"), "[document]\nid = 1\n").unwrap();
    let r = run(
        &[
            "check",
            "examples/rural_housing.toml",
            "--rules",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("x.toml:2:6"), "{}", r.stderr);
}

#[test]
fn the_commands_that_show_the_rulebook() {
    let r = run(&["documents"], None);
    assert_eq!(r.code, 0);
    for id in [
        "kq-2022-8",
        "kq-2022-12",
        "kq-2022-13",
        "kq-2022-14",
        "kq-2022-15",
        "kq-2022-16",
    ] {
        assert!(r.stdout.contains(id), "documents lists {id}");
    }
    let r = run(&["clauses", "--subject", "rural_housing"], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("rural-prefab-subsidy"));
    assert!(!r.stdout.contains("warranty-deposit"));
    let r = run(&["clause", "warranty-deposit"], None);
    assert_eq!(r.code, 0);
    for part in [
        "三（三）",
        "以物业建筑安装总造价为基数乘以2%费率计取",
        "`warranty_rate`: 0.02 from 2022-06-19",
        "Readings:",
    ] {
        assert!(
            r.stdout.contains(part),
            "clause shows {part}:\n{}",
            r.stdout
        );
    }
    let r = run(&["clause", "warranty-deposits"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `warranty-deposit`?"));
    let r = run(&["fields", "rural_housing"], None);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("floor_area")
            && r.stdout.contains("m2")
            && r.stdout.contains("steel, concrete, timber, other")
    );
    let r = run(&["fields", "farm"], None);
    assert_eq!(r.code, 2);
}

#[test]
fn the_golden_cases_run_through_the_test_command() {
    let r = run(&["test", "tests/cases"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(" passed, 0 failed"));
    let failing = scratch_file(
        "failing-golden.toml",
        b"[[case]]\nname = \"wrong\"\nas_of = 2023-03-01\n[case.rural_housing]\nnew = false\n[[case.expect]]\nclause = \"rural-prefab-subsidy\"\noutcome = \"eligible\"\n",
    );
    let r = run(&["test", failing.to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("FAIL")
            && r.stdout
                .contains("outcome: expected eligible, got not_eligible"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_catalogue_in_docs_is_up_to_date() {
    let r = run(&["catalogue"], None);
    assert_eq!(r.code, 0);
    let path = root().join("docs/clauses.md");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &r.stdout).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == r.stdout,
        "docs/clauses.md is stale: run `cargo run -q -- catalogue > docs/clauses.md`"
    );
}

#[test]
fn snapshots_of_the_human_report_in_both_languages() {
    for example in [
        "building_project",
        "district",
        "enterprise",
        "home_purchase",
        "industrial_project",
        "rental_project",
        "rural_housing",
        "tenant",
    ] {
        for lang in ["en", "zh"] {
            let r = run(
                &["check", &format!("examples/{example}.toml"), "--lang", lang],
                None,
            );
            snapshot(&format!("report-{example}-{lang}.txt"), &r.stdout);
        }
    }
}

#[test]
fn snapshots_of_rendered_errors() {
    let p = scratch_file("errors.toml", "as_of = 2023-03-01\n[building_project]\nuse = \"housing\"\nfloor_aera = 3\ngreen_star = 4\n".as_bytes());
    let r = run(&["check", p.to_str().unwrap()], None);
    let stderr = r.stderr.replace(p.to_str().unwrap(), "errors.toml");
    snapshot("errors-case.txt", &stderr);
}

#[test]
fn with_format_json_errors_are_json_too() {
    let bad = scratch_file("typo-json.toml", b"[rural_housing]\nfloor_aera = 1\n");
    let r = run(&["check", bad.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(r.code, 2);
    let v: serde_json::Value =
        serde_json::from_str(r.stderr.trim()).expect("stderr is one JSON object");
    let e = &v["errors"][0];
    assert_eq!(e["code"], "case::unknown_field");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(e["field"], "rural_housing.floor_aera");
    assert_eq!(e["suggestion"], "did you mean `floor_area`?");
}

/// With `--lang zh`, a case's problems are told in Chinese, as the report is: the sentence
/// says what was expected and the suggestion, so the English notes are left out; in JSON the
/// message is Chinese and the other fields are as in English. A date after the evaluation
/// date is Chinese too. Without it (LANG=C), English as before.
#[test]
fn case_problems_speak_the_report_language() {
    let bad = scratch_file(
        "zh-bad.toml",
        b"[rural_housing]\nnew = true\nfloor_area = -5\nfloor_aera = 3\n",
    );
    let path = bad.to_str().unwrap();
    let r = run(&["check", path, "--lang", "zh"], None);
    assert_eq!(r.code, 2);
    // By hand: the field's label 建筑面积, its bound 0 m2 in 平方米, the value given; the
    // unknown key quoted and the field meant named with its label.
    assert!(
        r.stderr
            .contains("error[case::bad_value]: 建筑面积应不低于0平方米，而填写的是-5平方米"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("农房没有「floor_aera」这一项；是否想填「floor_area」（建筑面积）？"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("有2个问题"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("expected:") && !r.stderr.contains("did you mean"),
        "{}",
        r.stderr
    );
    let r = run(&["check", path, "--lang", "zh", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(r.stderr.trim()).expect("one JSON object");
    assert_eq!(
        v["errors"][0]["message"],
        "建筑面积应不低于0平方米，而填写的是-5平方米"
    );
    assert_eq!(v["errors"][1]["suggestion"], "did you mean `floor_area`?");
    let r = run(&["check", path], None);
    assert!(
        r.stderr
            .contains("`floor_area` cannot be below 0 m2, found -5"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("was not evaluated: 2 problem(s)"),
        "{}",
        r.stderr
    );
    // A fact dated after the evaluation date.
    let late = scratch_file(
        "zh-late.toml",
        b"as_of = 2023-03-01\n[building_project]\napproval_date = 2023-03-02\n",
    );
    let r = run(&["check", late.to_str().unwrap(), "--lang", "zh"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("晚于评估日期2023年3月1日"),
        "{}",
        r.stderr
    );
}

/// The timeline of the README's farmhouse: eligible for 36,110.00 CNY exactly while document
/// 14 is in force (2022-06-19 to 2025-12-31), not in force on either side.
#[test]
fn the_timeline_lists_the_days_a_result_changes() {
    let r = run(
        &[
            "timeline",
            "examples/rural_housing.toml",
            "--from",
            "2022-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let changes: Vec<(&str, &str, &str, &str)> = t["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["date"].as_str().unwrap_or_default(),
                c["clause"].as_str().unwrap_or_default(),
                c["before"]["outcome"].as_str().unwrap_or_default(),
                c["after"]["outcome"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (
                "2022-06-19",
                "rural-prefab-subsidy",
                "not_in_force",
                "eligible"
            ),
            (
                "2026-01-01",
                "rural-prefab-subsidy",
                "eligible",
                "not_in_force"
            ),
        ]
    );
    assert_eq!(t["changes"][0]["after"]["amount"]["value"], "36110.00");
    // A range with its end before its start, or a bad date, is a usage error.
    let bad = run(
        &[
            "timeline",
            "examples/rural_housing.toml",
            "--from",
            "2026-01-01",
            "--to",
            "2025-01-01",
        ],
        None,
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("is empty"), "{}", bad.stderr);
    let bad = run(
        &[
            "timeline",
            "examples/rural_housing.toml",
            "--from",
            "2026-02-30",
        ],
        None,
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a real date"), "{}", bad.stderr);
}

/// `check --batch -` as a co-process: with standard input a pipe, each line's report comes
/// back before the next line is sent (the batch does not wait for a chunk of 256 KiB).
#[test]
fn batch_from_a_pipe_answers_each_line_as_it_is_read() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    let mut child = Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["check", "--batch", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run policy-calc");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.expect("a line")).is_err() {
                break;
            }
        }
    });
    // A guard against a hang, not a measure of speed: an answer takes milliseconds.
    let wait = std::time::Duration::from_secs(30);
    let cases = [
        r#"{"as_of":"2023-03-01","rural_housing":{"new":true,"prefab":true,"structure":"steel","floor_area":180.55}}"#,
        r#"{"as_of":"2023-03-01","tenant":{"rent":1876.54,"market_rent":2345.67}}"#,
    ];
    let mut answers = Vec::new();
    for case in cases {
        writeln!(stdin, "{case}").expect("write a line");
        stdin.flush().expect("flush");
        // The line's answer arrives while the pipe is still open.
        answers.push(
            rx.recv_timeout(wait)
                .expect("an answer before the next line"),
        );
    }
    drop(stdin);
    assert!(child.wait().expect("exit").code() == Some(1)); // the rent is non-compliant
    reader.join().expect("reader");
    assert!(
        answers[0].contains(r#""line":1"#) && answers[0].contains(r#""value":"36110.00""#),
        "{}",
        answers[0]
    );
    assert!(
        answers[1].contains(r#""line":2"#) && answers[1].contains(r#""outcome":"non_compliant""#),
        "{}",
        answers[1]
    );
}

/// Help on every command, to standard output with exit 0: `check -h` is help, not a file.
#[test]
fn help_on_every_command_and_at_the_top() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["check", "--help"],
        &["check", "-h"],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stdout.contains("Usage: policy-calc"),
            "{args:?}: {}",
            r.stdout
        );
        assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
    }
    let r = run(&["check", "--help"], None);
    for option in [
        "--as-of",
        "--format",
        "--lang",
        "--rules",
        "--batch",
        "--full",
        "--max-bytes",
    ] {
        assert!(r.stdout.contains(option), "check --help names {option}");
    }
    let mut commands = vec![
        "check",
        "timeline",
        "test",
        "documents",
        "clauses",
        "clause",
        "fields",
        "catalogue",
        "coverage",
        "completions",
    ];
    if cfg!(feature = "serve") {
        commands.push("serve");
    }
    for c in commands {
        for h in ["--help", "-h"] {
            let r = run(&[c, h], None);
            assert_eq!(r.code, 0, "{c} {h}: {}", r.stderr);
            assert!(
                r.stdout.contains(&format!("Usage: policy-calc {c}")),
                "{c} {h}: {}",
                r.stdout
            );
        }
    }
    let r = run(&["--version"], None);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout.trim(),
        format!("policy-calc {}", env!("CARGO_PKG_VERSION"))
    );
    // Nothing at all is a usage error: the help, on standard error.
    let r = run(&[], None);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty() && r.stderr.contains("Usage: policy-calc"));
}

#[test]
fn typos_in_commands_and_options_are_exit_two_with_a_suggestion() {
    let r = run(&["chek"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("'chek'"), "{}", r.stderr);
    assert!(
        r.stderr.contains("a similar subcommand exists: 'check'"),
        "{}",
        r.stderr
    );
    let r = run(&["check", "--formt", "json", "x"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("'--formt'"), "{}", r.stderr);
    assert!(
        r.stderr.contains("a similar argument exists: '--format'"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    // An option a command does not take, a switch given a value, a value missing.
    for args in [
        &["documents", "--subject", "x"][..],
        &["check", "x.toml", "--full=yes"],
        &["check", "x.toml", "--as-of"],
        &["serve", "--max-bytes", "1M"],
        &["check", "-x"],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn options_are_read_as_before() {
    // `--opt=value`, options after the cases, the last of a repeated option, `--` before a
    // case.
    let r = run(
        &[
            "check",
            "--format=human",
            "examples/rural_housing.toml",
            "--as-of",
            "2020-01-01",
            "--as-of=2026-01-01",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("\"as_of\":\"2026-01-01\""),
        "{}",
        r.stdout
    );
    let r = run(
        &[
            "check",
            "--format",
            "json",
            "--",
            "examples/rural_housing.toml",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The language from the environment, and --lang over it.
    let zh = crate::common::cmd()
        .args(["timeline", "examples/rural_housing.toml"])
        .env("LANG", "zh_CN.UTF-8")
        .output()
        .expect("run");
    let en = run(
        &["timeline", "examples/rural_housing.toml", "--lang", "en"],
        None,
    );
    assert_eq!(zh.status.code(), Some(0));
    assert_eq!(en.code, 0);
    let zh = String::from_utf8_lossy(&zh.stdout);
    let zh_flag = run(
        &["timeline", "examples/rural_housing.toml", "--lang", "zh"],
        None,
    );
    assert_eq!(zh, zh_flag.stdout);
    assert!(
        zh.contains("至") && en.stdout.contains(" until "),
        "{zh}\n{}",
        en.stdout
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&["completions", shell], None);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("policy-calc"), "{shell}");
        assert!(
            r.stdout.contains("timeline"),
            "{shell}: the commands are completed"
        );
        assert!(r.stderr.is_empty(), "{shell}: {}", r.stderr);
    }
    let r = run(&["completions", "tcsh"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("'tcsh'") && r.stderr.contains("bash"),
        "{}",
        r.stderr
    );
    let r = run(&["completions"], None);
    assert_eq!(r.code, 2);
}
