//! The batch mode: its order, its bad lines, its limits and exit statuses, from the command
//! line. (The compact path against the full report, and the compiled decisions against the
//! tree, are in `fast_paths.rs`.)

use std::io::Write as _;
use std::process::{Command, Stdio};

use policy_calc::Rulebook;
use policy_calc::eval::CompactReport;
use policy_calc::report::Report;

use crate::common::{book, date, root};

use crate::fast_paths::workload;

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
