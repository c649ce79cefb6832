//! Hostile input (issue 13): every class the red team found, each with its exit status and
//! message, and never a panic. The heavy inputs are in `benches/hostile.sh`; these stay small.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{cmd, root, run, run_os};

/// A scratch folder under the target directory, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/test-scratch/hardening").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A copy of `rules/` and `seeds/` in a scratch folder, to be spoilt by a test.
pub fn rules_copy(name: &str) -> PathBuf {
    let dir = scratch(name);
    for sub in ["rules", "seeds"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        for e in std::fs::read_dir(root().join(sub)).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_file() {
                std::fs::copy(&p, dir.join(sub).join(p.file_name().unwrap())).expect("copy");
            }
        }
    }
    dir.join("rules")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 scratch path")
}

// (5) Output that cannot be written is exit 2 with a message; a closed pipe ends quietly.

#[test]
fn a_full_disk_is_exit_two_for_every_command() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for args in [
        &["check", "examples/rural_housing.toml"][..],
        &["check", "examples/rural_housing.toml", "--format", "json"],
        &["check", "--batch", "-"],
        &["clauses"],
        &["documents"],
        &["catalogue"],
        &["clause", "rural-prefab-subsidy"],
        &["fields", "rural_housing"],
        &["test", "tests/cases"],
        &["--help"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let out = cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                let line = br#"{"rural_housing":{"new":true}}"#;
                let _ = c.stdin.take().expect("stdin").write_all(line);
                c.wait_with_output()
            })
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    for args in [
        &["catalogue"][..],
        &["clauses"],
        &["check", "examples/building_project.toml"],
    ] {
        let mut child = cmd()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

// (3) An argument that is not UTF-8.

#[cfg(unix)]
#[test]
fn an_argument_not_in_utf8_is_an_error_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"\xff.toml");
    for args in [
        vec![std::ffi::OsStr::new("check"), bad],
        vec![
            std::ffi::OsStr::new("check"),
            std::ffi::OsStr::new("--rules"),
            bad,
        ],
        vec![bad],
    ] {
        let r = run_os(&args, None);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains("is not UTF-8 text"), "{}", r.stderr);
        assert!(r.stderr.contains("\u{fffd}.toml"), "{}", r.stderr);
    }
}

// (9) `test` on nothing fails; extra arguments are refused.

#[test]
fn test_on_nothing_fails() {
    let dir = scratch("test-on-nothing");
    std::fs::write(dir.join("empty.toml"), "").unwrap();
    std::fs::write(dir.join("comments.toml"), "# no case\n").unwrap();
    std::fs::write(
        dir.join("no-expectations.toml"),
        "[[case]]\nas_of = 2023-03-01\n[case.rural_housing]\nnew = true\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("folder")).unwrap();
    for (file, message) in [
        ("empty.toml", "no golden case here"),
        ("comments.toml", "no golden case here"),
        ("no-expectations.toml", "this case checks nothing"),
        ("folder", "no golden case file in"),
    ] {
        let r = run(&["test", path(&dir.join(file))], None);
        assert_eq!(r.code, 2, "{file}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(message), "{file}: {}", r.stderr);
    }
    let r = run(&["test", "/dev/null"], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    // One good expectation is enough.
    std::fs::write(
        dir.join("one.toml"),
        "[[case]]\nas_of = 2023-03-01\n[case.rural_housing]\nnew = true\n\
         [[case.expect]]\nclause = \"rural-prefab-subsidy\"\noutcome = \"undetermined\"\n",
    )
    .unwrap();
    let r = run(&["test", path(&dir.join("one.toml"))], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("1 passed, 0 failed"), "{}", r.stdout);
}

#[test]
fn commands_refuse_arguments_they_do_not_take() {
    for args in [
        &["clauses", "foo"][..],
        &["documents", "foo"],
        &["catalogue", "foo"],
        &["clause", "a", "b"],
        &["fields", "rural_housing", "tenant"],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains("error:"), "{args:?}: {}", r.stderr);
    }
    let r = run(&["documents", "foo"], None);
    assert!(
        r.stderr.contains("error: unexpected argument 'foo' found"),
        "{}",
        r.stderr
    );
}

// (4) Bounded reads; special files refused unread.

#[test]
fn devices_and_endless_input_are_refused_or_bounded() {
    let r = run(&["check", "/dev/zero"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("/dev/zero: a device, not a regular file: refused without reading it"),
        "{}",
        r.stderr
    );
    // Standard input is read to the limit and no further.
    let big = vec![b' '; 70_000];
    let r = run(&["check", "-", "--max-bytes", "64K"], Some(&big));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("standard input: longer than the limit of 65536 bytes (64 KiB)"),
        "{}",
        r.stderr
    );
    // A case file likewise; raised, it reads.
    let dir = scratch("limits");
    let mut case = b"[rural_housing]\nnew = true\n".to_vec();
    case.extend(std::iter::repeat_n(b'#', 70_000));
    case.push(b'\n');
    std::fs::write(dir.join("long.toml"), &case).unwrap();
    let long = dir.join("long.toml");
    let r = run(&["check", path(&long), "--max-bytes", "64K"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("longer than the limit"), "{}", r.stderr);
    let r = run(&["check", path(&long), "--max-bytes", "1M"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["check", path(&long), "--max-bytes", "lots"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not a size"), "{}", r.stderr);
}

#[test]
fn a_second_dash_is_refused() {
    let case = std::fs::read(root().join("examples/rural_housing.toml")).unwrap();
    let r = run(&["check", "-", "-"], Some(&case));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("standard input can be read only once"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("empty"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_link_to_a_device_among_the_rules_is_refused_and_the_rest_reported() {
    let rules = rules_copy("special-rules");
    // A FIFO named like a rule file: opened for reading, it would wait for ever.
    let fifo = rules.join("x.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    std::os::unix::fs::symlink("/dev/zero", rules.join("zero.toml")).expect("symlink");
    // And a mistake in a real file, still reported.
    let file = rules.join("kq-2022-14.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n[[clause]]\nid = 3\n")).unwrap();
    let r = run(&["documents", "--rules", path(&rules)], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("zero.toml") && r.stderr.contains("a device, not a regular file"),
        "{}",
        r.stderr
    );
    if made.is_ok_and(|s| s.success()) {
        assert!(
            r.stderr.contains("x.toml") && r.stderr.contains("a FIFO"),
            "{}",
            r.stderr
        );
    }
    assert!(r.stderr.contains("kq-2022-14.toml"), "{}", r.stderr);
}

#[test]
fn a_rule_file_too_long_is_reported_with_the_others() {
    let rules = rules_copy("long-rules");
    let file = rules.join("kq-2022-16.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&"#".repeat(300_000));
    std::fs::write(&file, text).unwrap();
    let r = run(
        &["documents", "--rules", path(&rules), "--max-bytes", "256K"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("kq-2022-16.toml") && r.stderr.contains("longer than the limit"),
        "{}",
        r.stderr
    );
    let r = run(
        &["documents", "--rules", path(&rules), "--max-bytes", "1M"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_rule_file_of_one_mebibyte_loads_by_default_and_one_byte_more_is_refused() {
    // The default bound of a rule file is 1 MiB (1,048,576 bytes): a file of exactly that
    // length is read, one byte longer is not (and is named).
    let rules = rules_copy("mebibyte-rules");
    let file = rules.join("kq-2022-16.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push('\n');
    let pad = (1 << 20) - text.len() - 1;
    text.push_str(&"#".repeat(pad));
    text.push('\n');
    assert_eq!(text.len(), 1 << 20);
    std::fs::write(&file, &text).unwrap();
    let r = run(&["documents", "--rules", path(&rules)], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    text.insert(text.len() - 1, '#');
    std::fs::write(&file, &text).unwrap();
    let r = run(&["documents", "--rules", path(&rules)], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("kq-2022-16.toml")
            && r.stderr
                .contains("longer than the limit of 1048576 bytes (1 MiB)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_batch_line_over_the_limit_is_reported_by_number_and_nothing_else_is_lost() {
    let good =
        r#"{"rural_housing":{"new":true,"prefab":true,"structure":"steel","floor_area":100}}"#;
    let mut input = format!("{good}\n{{\"rural_housing\":{{\"note\":\"");
    input.push_str(&"x".repeat(5000));
    input.push_str(&format!("\"}}}}\n{good}\n"));
    input.push_str(&" ".repeat(3000));
    let r = run(
        &[
            "check",
            "--batch",
            "-",
            "--max-bytes",
            "2K",
            "--as-of",
            "2023-03-01",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(lines[0].starts_with("{\"line\":1,"), "{}", lines[0]);
    assert!(lines[1].starts_with("{\"line\":3,"), "{}", lines[1]);
    // 100 m2 of steel at 200 CNY/m2.
    assert!(lines[1].contains("\"20000.00\""), "{}", lines[1]);
    assert!(
        r.stderr.contains(
            "<stdin>:2:1: error: the line is 5029 bytes long, over the limit of 2048 bytes (2 KiB); it was skipped"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("<stdin>:4:1: error: the line is 3000 bytes long"),
        "{}",
        r.stderr
    );
    let r = run(&["check", "--batch", "/dev/zero"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("a device, not a regular file"),
        "{}",
        r.stderr
    );
}

// (6) A zero divisor.

/// Appends `extra` to a copy of kq-2022-14.toml (the rural prefab subsidy's document).
pub(crate) fn rules_with(name: &str, extra: &str) -> PathBuf {
    let rules = rules_copy(name);
    let file = rules.join("kq-2022-14.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n{extra}")).unwrap();
    rules
}

pub(crate) const RATIO_CLAUSE: &str = r#"
[[clause]]
id = "hostile-ratio"
subject = "rural_housing"
kind = "entitlement"
section = "三（六）"
quote = "予以200元/平方米的一次性资金补助"
summary = "a test clause"
eligible = "new"
amount = "AMOUNT"
round = "half_away_from_zero"
amount_label = { zh = "测试补助", en = "test subsidy" }
"#;

fn load_err(rules: &Path) -> Vec<policy_calc::diagnostic::Diagnostic> {
    match policy_calc::Rulebook::load_dir(rules) {
        Ok(_) => panic!("{} loaded", rules.display()),
        Err(e @ policy_calc::rulebook::LoadError::Io { .. }) => panic!("{e}"),
        Err(policy_calc::rulebook::LoadError::Rules(d)) => d.0,
    }
}

#[test]
fn a_literal_or_parameter_zero_divisor_is_a_load_error() {
    let literal = RATIO_CLAUSE.replace("AMOUNT", "rural_subsidy_rate * floor_area / 0");
    let d = load_err(&rules_with("zero-literal", &literal));
    let z = d
        .iter()
        .find(|d| d.code == "rules::division_by_zero")
        .unwrap_or_else(|| panic!("{d:?}"));
    assert_eq!(
        z.message,
        "`rural_subsidy_rate * floor_area / 0` divides by zero"
    );
    assert!(z.file.ends_with("kq-2022-14.toml"));
    // The `0` itself: the column after `amount = "` and the 33 characters before it.
    assert_eq!(z.column, 11 + 33 + 1);
    let param = format!(
        "[[param]]\nname = \"zero_rate\"\nlabel = {{ zh = \"零费率\", en = \"zero rate\" }}\nquote = \"予以200元/平方米的一次性资金补助\"\n\
         versions = [{{ from = 2022-06-19, value = \"1\" }}, {{ from = 2030-01-01, value = \"0\" }}]\n{}",
        RATIO_CLAUSE.replace("AMOUNT", "rural_subsidy_rate * floor_area / zero_rate")
    );
    let d = load_err(&rules_with("zero-param", &param));
    assert!(
        d.iter().any(|d| d.code == "rules::division_by_zero"
            && d.message == "`rural_subsidy_rate * floor_area / zero_rate` divides by zero"),
        "{d:?}"
    );
}

#[test]
fn a_zero_divisor_from_the_data_leaves_the_amount_undefined_and_says_so() {
    let clause = RATIO_CLAUSE.replace(
        "AMOUNT",
        "rural_subsidy_rate * floor_area / (floor_area - 100 m2)",
    );
    let book = policy_calc::Rulebook::load_dir(&rules_with("zero-data", &clause))
        .unwrap_or_else(|e| panic!("{e}"));
    let as_of = crate::common::date("2023-03-01");
    let eval = |area: &str| {
        let case = book
            .case_from_toml(
                &format!("[rural_housing]\nnew = true\nfloor_area = {area}\n"),
                "case.toml",
            )
            .expect("case reads");
        book.evaluate(&case, as_of).expect("evaluates")
    };
    let report = eval("100");
    let r = report.result("hostile-ratio").expect("result");
    assert_eq!(r.outcome.name(), "undetermined");
    assert!(r.amount.is_none());
    assert!(r.missing.is_empty());
    assert!(
        r.reasons.lines().any(|x| x
            == "`rural_subsidy_rate * floor_area / (floor_area - 100 m2)` is undefined: `(floor_area - 100 m2)` is 0"),
        "{:?}",
        r.reasons
    );
    // The compact report (the batch's) agrees.
    let mut compact = policy_calc::eval::CompactReport::new();
    let case = book
        .case_from_toml("[rural_housing]\nnew = true\nfloor_area = 100\n", "c.toml")
        .unwrap();
    book.evaluate_compact(&case, as_of, &mut compact).unwrap();
    let mut line = Vec::new();
    compact.append_json(None, &mut line);
    let line = String::from_utf8(line).unwrap();
    assert!(
        line.contains(r#"{"clause":"hostile-ratio","outcome":"undetermined"}"#)
            || line.contains(r#""clause":"hostile-ratio","outcome":"undetermined""#),
        "{line}"
    );
    // Elsewhere the amount is there: 200 x 101 / 1 = 20200.00.
    let report = eval("101");
    let r = report.result("hostile-ratio").expect("result");
    assert_eq!(r.outcome.name(), "eligible");
    assert_eq!(r.amount.as_ref().unwrap().value(), "20200.00");
}

// (1) Diagnostics cost what their input costs; (8) messages.

/// Every diagnostic's text, as `check` shows them and as JSON: what they cost to keep.
fn diagnostics_size(d: &policy_calc::diagnostic::Diagnostics) -> usize {
    d.0.iter()
        .map(|d| d.to_string().len() + d.snippet.len() + serde_json::to_string(d).unwrap().len())
        .sum()
}

#[test]
fn thirty_thousand_bad_items_on_one_line_give_a_hundred_problems_and_a_count() {
    let book = crate::common::book();
    let units = vec![r#"{"area":-1}"#; 30_000].join(",");
    let text = format!(r#"{{"rental_project":{{"units":[{units}]}}}}"#);
    let start = std::time::Instant::now();
    let d = book.case_from_json(&text, "units.json").unwrap_err();
    let took = start.elapsed();
    // One problem a unit (its area below 0): 100 listed, 29,900 counted.
    assert_eq!(d.0.len(), 101);
    assert!(
        d.0[..100]
            .iter()
            .all(|d| d.message == "`area` cannot be below 0 m2, found -1"),
        "{}",
        d.0[0]
    );
    assert_eq!(
        d.0[0].field.as_deref(),
        Some("rental_project.units[1].area")
    );
    assert_eq!(
        d.0[99].field.as_deref(),
        Some("rental_project.units[100].area")
    );
    let last = &d.0[100];
    assert_eq!(
        last.message,
        "and 29900 more problem(s) from here on, not listed: only the first 100 are"
    );
    // Where unit 101 starts: `{"rental_project":{"units":[` is 28 characters, and each
    // unit with its comma 12.
    assert_eq!((last.line, last.column), (1, 28 + 100 * 12 + 9));
    // Each problem keeps a bounded excerpt of the 360 KB line, not the line.
    assert!(d.0.iter().all(|d| d.snippet.chars().count() <= 162));
    assert!(diagnostics_size(&d) < 200_000, "{}", diagnostics_size(&d));
    // Not a timed test, only a guard against the quadratic cost coming back (it was tens
    // of seconds): a debug build takes a fraction of a second.
    assert!(took.as_secs() < 20, "{took:?}");
}

#[test]
fn long_tokens_are_shortened_and_non_numbers_called_so() {
    let book = crate::common::book();
    let key = "k".repeat(1_000_000);
    let d = book
        .case_from_toml(&format!("[rural_housing]\n{key} = 1\n"), "long.toml")
        .unwrap_err();
    let shown = d.to_string();
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
    assert!(shown.contains("… (1000000 bytes)`"), "{shown}");
    for (text, message) in [
        ("\"1.2.3\"", "`1.2.3` is not a number"),
        ("\"1-2\"", "`1-2` is not a number"),
        ("\"--1\"", "`--1` is not a number"),
        ("\".\"", "`.` is not a number"),
    ] {
        let d = book
            .case_from_toml(&format!("[rural_housing]\nfloor_area = {text}\n"), "n.toml")
            .unwrap_err();
        assert_eq!(d.0[0].message, message);
    }
    // A number too precise is still called so.
    let d = book
        .case_from_toml(
            "[rural_housing]\nfloor_area = \"1.00000000000000000000000000001\"\n",
            "n.toml",
        )
        .unwrap_err();
    assert!(
        d.0[0].message.contains("too large or too precise"),
        "{}",
        d.0[0]
    );
    // A `.json` file is judged as JSON, whatever it holds.
    let d = book.case_from_text("[1, 2]", "array.json").unwrap_err();
    assert_eq!(d.0[0].message, "a case is a table, found an array");
    assert!(!d.to_string().contains("TOML"), "{d}");
    // Unnamed (standard input), a JSON array is judged as JSON too, and TOML as TOML.
    let d = book.case_from_text("[1, 2]", "<stdin>").unwrap_err();
    assert_eq!(d.0[0].message, "a case is a table, found an array");
    let d = book
        .case_from_text("[rural_housing\n", "<stdin>")
        .unwrap_err();
    assert!(d.0[0].message.starts_with("TOML syntax"), "{d}");
    let d = book
        .case_from_text("[rural_housing", "broken.json")
        .unwrap_err();
    assert!(d.0[0].message.starts_with("JSON syntax"), "{d}");
}

#[test]
fn a_huge_token_is_not_echoed_whole_on_the_command_line() {
    let dir = scratch("token");
    let key = "k".repeat(2_000_000);
    std::fs::write(dir.join("t.toml"), format!("[rural_housing]\n{key} = 1\n")).unwrap();
    // An argument has room for 128 KB at most.
    let arg = "k".repeat(100_000);
    // Over the default limit of a case (1 MiB): refused unread.
    let r = run(&["check", path(&dir.join("t.toml"))], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("longer than the limit of 1048576 bytes"),
        "{}",
        r.stderr
    );
    let r = run(
        &["check", path(&dir.join("t.toml")), "--max-bytes", "4M"],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 2_000, "{} bytes", r.stderr.len());
    assert!(r.stderr.contains("(2000000 bytes)"), "{}", r.stderr);
    let r = run(
        &[
            "check",
            path(&dir.join("t.toml")),
            "--format",
            "json",
            "--max-bytes",
            "4M",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 2_000, "{} bytes", r.stderr.len());
    let r = run(&["clause", &arg], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 2_000, "{} bytes", r.stderr.len());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// However many mistakes and however long the names, what the diagnostics of a case
    /// cost is at most linear in the case's size (in fact bounded: 100 problems a case).
    #[test]
    fn diagnostics_grow_at_most_linearly_with_the_input(
        keys in proptest::collection::vec(("[a-z]{1,3}", 1usize..2000), 0..150),
        units in 0usize..300,
        one_line in proptest::bool::ANY,
    ) {
        let book = crate::common::book();
        let mut text = String::from("[rural_housing]\n");
        for (k, n) in &keys {
            text.push_str(&format!("{} = \"{}\"\n", k.repeat(*n), "9".repeat(*n % 40)));
        }
        let toml = book.case_from_toml(&text, "case.toml");
        let units = vec![r#"{"area":-1,"count":"x"}"#; units].join(if one_line { "," } else { ",\n" });
        let json = format!(r#"{{"rental_project":{{"units":[{units}]}}}}"#);
        let json_result = book.case_from_json(&json, "case.json");
        for (input, result) in [(text.len(), toml.err()), (json.len(), json_result.err())] {
            if let Some(d) = result {
                // At most one problem a byte and 101 a case, and each of bounded size.
                proptest::prop_assert!(d.0.len() <= 101.min(input));
                let size = diagnostics_size(&d);
                proptest::prop_assert!(size <= 2048 * d.0.len(), "{} bytes for {} in", size, input);
            }
        }
    }
}

#[test]
fn a_long_name_on_the_command_line_is_shortened() {
    let arg = "k".repeat(100_000);
    for args in [
        &["fields", &arg][..],
        &["clauses", "--subject", &arg],
        &[&arg],
        &["check", &arg],
        &["check", "--as-of", &arg],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 2);
        assert!(r.stderr.len() < 3_000, "{} bytes", r.stderr.len());
    }
}

// (2) Definitions: chains, diamonds, doublings and cycles load or fail cleanly.

/// A clause of rural housing whose amount is `top` (an area) times the subsidy rate.
fn define_clause(top: &str) -> String {
    RATIO_CLAUSE.replace("AMOUNT", &format!("rural_subsidy_rate * ({top})"))
}

/// A server's worker's stack: 2 MB. A debug build's frames are ten to twenty times a release
/// build's (`Expr::eval` takes 11 KB a level in one, under 1 KB in the other), so a debug
/// build of the tests runs on 32 MB; `cargo test --release` checks the 2 MB.
const SMALL_STACK: usize = if cfg!(debug_assertions) {
    32 << 20
} else {
    2 << 20
};

/// Loads the rules with `defines` (name, expression) and a clause on `top`, on a thread
/// with a small stack (a server's worker's, see [`SMALL_STACK`]), and returns the diagnostics' codes or the
/// subsidy of a farmhouse of 1 m2.
fn load_defines(
    name: &str,
    defines: &[(String, String)],
    top: &str,
) -> Result<String, Vec<String>> {
    load_defines_on(name, defines, top, "1").map(|(amount, _)| amount)
}

/// [`load_defines`] for a farmhouse of `area` m2: the subsidy (or `error: ` and why it
/// cannot be computed) and the report in English, made with what would change the outcome,
/// in words and in JSON, all on the small stack.
fn load_defines_on(
    name: &str,
    defines: &[(String, String)],
    top: &str,
    area: &str,
) -> Result<(String, String), Vec<String>> {
    let mut extra = String::new();
    for (n, e) in defines {
        extra.push_str(&format!(
            "[[define]]\nname = \"{n}\"\nlabel = {{ zh = \"定义\", en = \"definition\" }}\nexpr = \"{e}\"\n"
        ));
    }
    extra.push_str(&define_clause(top));
    let rules = rules_with(name, &extra);
    let case = format!("[rural_housing]\nnew = true\nfloor_area = {area}\n");
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || match policy_calc::Rulebook::load_dir(&rules) {
            Ok(book) => {
                let case = book.case_from_toml(&case, "c.toml").unwrap();
                let on = crate::common::date("2023-03-01");
                let report = match book.evaluate_with_changes(&case, on) {
                    Ok(report) => report,
                    Err(e) => return Ok((format!("error: {e}"), String::new())),
                };
                // What the CLI and the server make of it: the words and the JSON.
                let words = policy_calc::human::report(
                    "c.toml",
                    &report,
                    &book,
                    policy_calc::labels::Lang::En,
                    false,
                );
                assert!(report.to_json().contains("hostile-ratio"));
                let r = report.result("hostile-ratio").unwrap();
                let amount = r
                    .amount
                    .as_ref()
                    .map_or("none".into(), |a| a.value().to_string());
                Ok((amount, words))
            }
            Err(policy_calc::rulebook::LoadError::Rules(d)) => {
                Err(d.0.iter().map(|d| d.code.to_string()).collect())
            }
            Err(e) => panic!("{e}"),
        })
        .unwrap()
        .join()
        .expect("the load did not crash")
}

fn chain(n: usize) -> Vec<(String, String)> {
    let mut v = vec![("d0".to_string(), "floor_area".to_string())];
    for i in 1..n {
        v.push((format!("d{i}"), format!("d{} + 1 m2", i - 1)));
    }
    v
}

fn doubling(n: usize) -> Vec<(String, String)> {
    let mut v = vec![("e0".to_string(), "floor_area".to_string())];
    for i in 1..n {
        v.push((format!("e{i}"), format!("e{} + e{}", i - 1, i - 1)));
    }
    v
}

#[test]
fn a_long_chain_of_definitions_fails_cleanly_and_a_short_one_loads() {
    // 200 definitions: 1 m2 + 199 m2, at 200 CNY/m2.
    assert_eq!(
        load_defines("chain-200", &chain(200), "d199"),
        Ok("40000.00".into())
    );
    let start = std::time::Instant::now();
    let err = load_defines("chain-2500", &chain(2500), "d2499").unwrap_err();
    assert!(err.contains(&"rules::too_deep".to_string()), "{err:?}");
    assert_eq!(err.iter().filter(|c| *c == "rules::too_deep").count(), 1);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    // Unused, too: a chain of more than 256 is found all the same.
    let err = load_defines("chain-unused", &chain(300), "floor_area").unwrap_err();
    assert_eq!(err, vec!["rules::too_deep".to_string()]);
}

#[test]
fn doubling_definitions_are_shared_and_load_in_well_under_a_second() {
    // e_k = e_(k-1) + e_(k-1), e0 = floor_area: e23 = floor_area × 2^23 = 8,388,608 m2 for
    // 1 m2, at 200 CNY/m2: 1,677,721,600.00; for 1.5 m2, 12,582,912 m2: 2,516,582,400.00.
    // Written out, e23 would be 2^23 uses of floor_area; shared, it is 24 definitions.
    let start = std::time::Instant::now();
    let (amount, words) = load_defines_on("doubling-24", &doubling(24), "e23", "1").unwrap();
    assert_eq!(amount, "1677721600.00");
    // The shared definition is said once, by its name, never its 2^23 terms.
    assert!(words.contains("definition (8,388,608 m²)"), "{words}");
    assert!(words.len() < 4_000, "{} bytes: {words}", words.len());
    assert_eq!(
        load_defines_on("doubling-24b", &doubling(24), "e23", "1.5").map(|r| r.0),
        Ok("2516582400.00".into())
    );
    // A debug build, the rules loaded and checked twice with what would change them.
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    // 200 load too. e199 = floor_area × 2^199: 0 for none, and for 1 m2 the first that does
    // not fit a decimal (below 2^96) is e96 = e95 + e95, named in a clean failure.
    let start = std::time::Instant::now();
    assert_eq!(
        load_defines_on("doubling-200", &doubling(200), "e199", "0").map(|r| r.0),
        Ok("0.00".into())
    );
    assert_eq!(
        load_defines_on("doubling-200b", &doubling(200), "e199", "1").map(|r| r.0),
        Ok("error: clause `hostile-ratio`: the result of `e95 + e95` is too large or too precise for exact arithmetic".into())
    );
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

#[test]
fn diamonds_load_and_every_cycle_is_reported_used_or_not() {
    let d = |n: &str, e: &str| (n.to_string(), e.to_string());
    let diamond = [
        d("base", "floor_area"),
        d("left", "base + 1 m2"),
        d("right", "base + 2 m2"),
        d("top", "left + right"),
    ];
    // (1 + 1) + (1 + 2) = 5 m2.
    assert_eq!(
        load_defines("diamond", &diamond, "top"),
        Ok("1000.00".into())
    );
    let cycles = [
        d("selfish", "selfish + 1 m2"),
        d("ping", "pong"),
        d("pong", "ping"),
    ];
    let err = load_defines("cycles", &cycles, "floor_area").unwrap_err();
    assert_eq!(
        err,
        vec!["rules::cycle".to_string(), "rules::cycle".to_string()]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]

    /// A random graph of definitions (each using up to three others: chains, diamonds, maybe
    /// cycles) loads exactly when it has no cycle, never crashes, and once loaded gives what
    /// the definitions written out give: `xi = floor_area + xa + xb + ...` for 1 m2 is one
    /// more than the values of those it uses, worked out here by hand, naively.
    #[test]
    fn generated_definition_graphs_load_or_fail_cleanly(
        edges in proptest::collection::vec(proptest::collection::vec(0usize..40, 0..3), 1..40),
        backwards in proptest::bool::ANY,
    ) {
        let n = edges.len();
        // Forwards edges only (to a lower index) make a DAG; `backwards` allows cycles.
        let uses: Vec<Vec<usize>> = edges
            .iter()
            .enumerate()
            .map(|(i, uses)| {
                uses.iter().map(|&u| u % n).filter(|&u| backwards || u < i).collect()
            })
            .collect();
        let defines: Vec<(String, String)> = uses
            .iter()
            .enumerate()
            .map(|(i, uses)| {
                let mut terms = vec!["floor_area".to_string()];
                terms.extend(uses.iter().map(|u| format!("x{u}")));
                (format!("x{i}"), terms.join(" + "))
            })
            .collect();
        let cyclic = backwards && has_cycle(&defines);
        let top = format!("x{}", n - 1);
        match load_defines("graph", &defines, &top) {
            Ok(amount) => {
                proptest::prop_assert!(!cyclic);
                // Written out: each use of a definition counts all it stands for again.
                fn naive(uses: &[Vec<usize>], i: usize, budget: &mut u32) -> Option<u128> {
                    *budget = budget.checked_sub(1)?;
                    let mut v = 1u128;
                    for &u in &uses[i] {
                        v = v.checked_add(naive(uses, u, budget)?)?;
                    }
                    Some(v)
                }
                // Small graphs only: a written-out one may be too large to work out.
                if let Some(m2) = naive(&uses, n - 1, &mut 100_000) {
                    proptest::prop_assert_eq!(amount, format!("{}.00", m2 * 200));
                }
            }
            Err(codes) => {
                proptest::prop_assert!(cyclic, "{:?}", codes);
                proptest::prop_assert!(
                    codes.iter().all(|c| c == "rules::cycle"),
                    "{:?}",
                    codes
                );
            }
        }
    }
}

/// Whether the definitions `xN = floor_area + xA + ...` use one another in a cycle.
fn has_cycle(defines: &[(String, String)]) -> bool {
    let uses: Vec<Vec<usize>> = defines
        .iter()
        .map(|(_, e)| {
            e.split(" + ")
                .filter_map(|t| t.strip_prefix('x').and_then(|n| n.parse().ok()))
                .collect()
        })
        .collect();
    // Kahn's algorithm: a cycle leaves some definition never free of its uses.
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); uses.len()];
    let mut left: Vec<usize> = uses.iter().map(|u| u.len()).collect();
    for (i, u) in uses.iter().enumerate() {
        for &x in u {
            users[x].push(i);
        }
    }
    let mut free: Vec<usize> = (0..uses.len()).filter(|&i| left[i] == 0).collect();
    let mut done = 0;
    while let Some(x) = free.pop() {
        done += 1;
        for &u in &users[x] {
            left[u] -= 1;
            if left[u] == 0 {
                free.push(u);
            }
        }
    }
    done < uses.len()
}

// (7) Rule-folder gaps.

#[test]
fn bounds_the_wrong_way_round_and_a_list_in_a_list_are_load_errors_with_their_place() {
    let rules = rules_copy("schema-gaps");
    let file = rules.join("subjects.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text.find("[[subject.field.item]]").expect("a list field");
    let nested = "[[subject.field.item]]\nname = \"nested\"\ntype = \"list\"\ndoc = \"x\"\n\
                  [[subject.field.item.item]]\nname = \"deep\"\ntype = \"int\"\ndoc = \"y\"\n\n";
    let mut text = format!("{}{nested}{}", &text[..at], &text[at..]);
    text.push_str(
        "\n[[subject.field]]\nname = \"hostile_bounds\"\ntype = \"m2\"\ndoc = \"z\"\nmin = \"10\"\nmax = \"9.99\"\n",
    );
    std::fs::write(&file, &text).unwrap();
    let line_of = |needle: &str| text[..text.find(needle).unwrap()].lines().count() + 1;
    let d = load_err(&rules);
    let find = |part: &str| {
        d.iter()
            .find(|d| d.message.contains(part))
            .unwrap_or_else(|| panic!("no {part:?} in {d:?}"))
    };
    let list = find("a list's items cannot hold a list");
    assert!(list.file.ends_with("subjects.toml"));
    assert_eq!(list.line, line_of("type = \"list\"\ndoc = \"x\""));
    assert_eq!(list.column, 8);
    let bounds = find("max 9.99 is below min 10");
    assert_eq!(bounds.line, line_of("max = \"9.99\""));
    assert_eq!(bounds.column, 7);
}

#[test]
fn a_rule_file_not_in_utf8_is_reported_at_its_byte_and_the_other_files_still_checked() {
    let rules = rules_copy("not-utf8");
    std::fs::write(rules.join("bad.toml"), b"[document]\nid = \"x\xff\"\n").unwrap();
    let file = rules.join("kq-2022-16.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n[[clause]]\nid = 3\n")).unwrap();
    let d = load_err(&rules);
    let bad = d
        .iter()
        .find(|d| d.code == "rules::not_utf8")
        .unwrap_or_else(|| panic!("{d:?}"));
    assert!(bad.file.ends_with("bad.toml"));
    // Line 2, after `id = "x`: column 8; 11 + 7 bytes into the file.
    assert_eq!((bad.line, bad.column), (2, 8));
    assert!(
        bad.message.contains("the byte 0xff at offset 18"),
        "{}",
        bad.message
    );
    assert!(
        d.iter().any(|d| d.file.ends_with("kq-2022-16.toml")),
        "the other file's problem is lost: {d:?}"
    );
}

/// `n0 = floor_area` and `n_k` = `n_(k-1)` under ten minus signs: 11 levels a definition
/// with its name, so `n_k` nests 11k + 1 deep.
fn negations(n: usize) -> Vec<(String, String)> {
    let mut v = vec![("n0".to_string(), "floor_area".to_string())];
    for i in 1..n {
        v.push((format!("n{i}"), format!("{}n{}", "- ".repeat(10), i - 1)));
    }
    v
}

#[test]
fn definitions_nesting_too_deep_fail_cleanly() {
    // 10 definitions, 100 levels: they load, and an even number of signs is none.
    assert_eq!(
        load_defines("negations-10", &negations(10), "n9"),
        Ok("200.00".into())
    );
    // n47 nests 11 × 47 + 1 = 518 levels: more than 512, found before anything recurses
    // through it; and so are the 60 (661 levels).
    for n in [48, 60] {
        let err = load_defines("negations-deep", &negations(n), &format!("n{}", n - 1));
        let err = err.unwrap_err();
        assert!(err.iter().all(|c| c == "rules::too_deep"), "{err:?}");
    }
}

#[test]
fn the_deepest_definitions_allowed_load_and_evaluate_on_a_small_stack() {
    // The amount `rural_subsidy_rate * (- - - n46)`: the product, 3 signs, the name and n46's
    // 11 × 46 + 1 = 507 levels: 512, the most. Evaluated with what would change it, in words
    // and in JSON. 460 + 3 signs: odd, so minus 1 m2 at 200 CNY/m2.
    let signs = |n: usize| "- ".repeat(n);
    let defines = negations(47);
    assert_eq!(
        load_defines("deepest", &defines, &format!("{}n46", signs(3))),
        Ok("-200.00".into())
    );
    // One more sign is one level too many: the clause is refused, where it is written.
    let err = load_defines("deepest-1", &defines, &format!("{}n46", signs(4))).unwrap_err();
    assert_eq!(err, vec!["rules::too_deep".to_string()]);
    let rules = rules_with(
        "deepest-place",
        &format!(
            "{}{}",
            defines
                .iter()
                .map(|(n, e)| format!(
                    "[[define]]\nname = \"{n}\"\nlabel = {{ zh = \"定义\", en = \"definition\" }}\nexpr = \"{e}\"\n"
                ))
                .collect::<String>(),
            define_clause(&format!("{}n46", signs(4)))
        ),
    );
    let d = load_err(&rules);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].file.ends_with("kq-2022-14.toml"));
    let text = std::fs::read_to_string(rules.join("kq-2022-14.toml")).unwrap();
    let at = text
        .rfind("amount = \"rural_subsidy_rate * (- - - -")
        .unwrap();
    assert_eq!(d[0].line, text[..at].lines().count() + 1);
    assert_eq!(d[0].field.as_deref(), Some("clause.hostile-ratio.amount"));
    assert!(
        d[0].message.contains("nest more than 512 levels deep"),
        "{}",
        d[0].message
    );
}

/// What would change a result, for every numeric field of every subject's example case set
/// to the top of the decimal range or its finest scale (the other facts as the example gives
/// them, so that results are decided and their margins searched): never a panic (a value
/// near 10^28 has no grid point of 0.01, and once divided by one), always a report.
#[test]
fn changes_for_numbers_at_the_edges_of_the_decimal_range_never_panic() {
    let book = crate::common::book();
    let edges = [
        "\"30000000000000000000000000000\"",
        "\"79228162514264337593543950335\"",
        "0.0000000000000000000000000001",
        "\"1234567890123456.789012345678\"",
    ];
    let mut tried = 0;
    for subject in &book.schema.subjects {
        let path = root()
            .join("examples")
            .join(format!("{}.toml", subject.name));
        let text = std::fs::read_to_string(&path).expect("an example per subject");
        let case = book
            .case_from_toml(&text, "example.toml")
            .expect("the example reads");
        let on = case.as_of().expect("examples give as_of");
        // Each line `field = number` of the example, the number replaced by an edge.
        for (i, line) in text.lines().enumerate() {
            let Some((key, value)) = line.split_once(" = ") else {
                continue;
            };
            let value = value.split('#').next().unwrap_or_default().trim();
            if value.is_empty()
                || !value
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
            {
                continue;
            }
            for edge in edges {
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                lines[i] = format!("{key} = {edge}");
                let Ok(case) = book.case_from_toml(&lines.join("\n"), "edge.toml") else {
                    continue; // out of the field's bounds: refused as input, as it should be
                };
                tried += 1;
                let plain = book.evaluate(&case, on);
                let with = book.evaluate_with_changes(&case, on);
                assert_eq!(
                    plain.is_ok(),
                    with.is_ok(),
                    "{}: {key} = {edge}",
                    subject.name
                );
            }
        }
    }
    assert!(tried > 100, "only {tried} cases tried");
}
