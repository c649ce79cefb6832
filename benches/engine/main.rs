//! `cargo bench --bench engine`: what the engine costs, against a hand-written limit.
//!
//! 1. `workload`: the four-clause workload (see `workload.rs`), evaluated by the engine from the
//!    built-in rule files (compact path, restricted to the four clauses with
//!    `Rulebook::select`) and by the same clauses written by hand with rust_decimal
//!    (`hand.rs`); the whole-subject engine figure is shown beside them. A summary after the
//!    table gives cases per second and the engine/hand-written ratio from one interleaved run.
//! 2. `examples`: one case of each subject (`examples/*.toml`) against the whole rulebook,
//!    full report (with reasons and quotes) and compact.
//! 3. `load`: loading the built-in rulebook from its embedded sources (not the cached
//!    `Rulebook::embedded()`).
//!
//! The batch mode end to end is measured by `benches/batch.sh`.

mod hand;
mod workload;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use divan::Bencher;
use divan::counter::ItemsCount;
use policy_calc::Rulebook;
use policy_calc::case::Case;
use policy_calc::eval::{ClauseSet, CompactReport};

/// How many cases one iteration of a workload benchmark evaluates.
const CASES: usize = 4096;

fn book() -> &'static Rulebook {
    Rulebook::embedded()
}

struct Workload {
    typed: Vec<workload::Case>,
    cases: Vec<Case>,
    four: ClauseSet,
}

static WORKLOAD: LazyLock<Workload> = LazyLock::new(|| {
    let typed: Vec<workload::Case> = (0..CASES as u64).map(workload::case).collect();
    let cases = typed
        .iter()
        .map(|c| {
            book()
                .case_from_json(&c.to_json(workload::as_of()), "workload")
                .unwrap_or_else(|e| panic!("a workload case does not read:\n{e}"))
        })
        .collect();
    let four = workload::clauses(book());
    Workload { typed, cases, four }
});

static EXAMPLES: LazyLock<Vec<(String, Case)>> = LazyLock::new(|| {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("an example");
            let name = p
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let case = book()
                .case_from_text(&text, &name)
                .unwrap_or_else(|e| panic!("{e}"));
            (name, case)
        })
        .collect()
});

const SUBJECTS: &[&str] = &[
    "building_project",
    "district",
    "enterprise",
    "home_purchase",
    "industrial_project",
    "rental_project",
    "rural_housing",
    "tenant",
];

fn example(subject: &str) -> &'static Case {
    &EXAMPLES
        .iter()
        .find(|(n, _)| n == subject)
        .unwrap_or_else(|| panic!("no examples/{subject}.toml"))
        .1
}

fn engine_four(w: &'static Workload, out: &mut CompactReport<'static>) -> usize {
    let mut n = 0;
    for c in &w.cases {
        book()
            .evaluate_selected(c, workload::as_of(), &w.four, out)
            .expect("evaluates");
        n += out.results().len();
    }
    n
}

fn engine_whole(w: &'static Workload, out: &mut CompactReport<'static>) -> usize {
    let mut n = 0;
    for c in &w.cases {
        book()
            .evaluate_compact(c, workload::as_of(), out)
            .expect("evaluates");
        n += out.results().len();
    }
    n
}

fn hand_written(w: &Workload, hand: &hand::Hand, out: &mut hand::Out) -> usize {
    let mut n = 0;
    for c in &w.typed {
        hand.evaluate(black_box(c), workload::as_of(), out)
            .expect("evaluates");
        n += out.values.len();
    }
    n
}

/// The four-clause workload: 4096 cases per iteration.
mod workload_bench {
    use super::*;

    #[divan::bench(name = "1_hand_written")]
    fn hand_written(bencher: Bencher) {
        let w = &*WORKLOAD;
        let hand = hand::Hand::default();
        let mut out = hand::Out::default();
        bencher
            .counter(ItemsCount::new(CASES))
            .bench_local(|| super::hand_written(w, &hand, &mut out));
    }

    #[divan::bench(name = "2_engine_four_clauses")]
    fn engine_four_clauses(bencher: Bencher) {
        let w = &*WORKLOAD;
        let mut out = CompactReport::new();
        bencher
            .counter(ItemsCount::new(CASES))
            .bench_local(|| engine_four(w, &mut out));
    }

    #[divan::bench(name = "3_engine_whole_subject")]
    fn engine_whole_subject(bencher: Bencher) {
        let w = &*WORKLOAD;
        let mut out = CompactReport::new();
        bencher
            .counter(ItemsCount::new(CASES))
            .bench_local(|| engine_whole(w, &mut out));
    }
}

/// One case of each subject (`examples/SUBJECT.toml`) against the whole rulebook.
mod examples {
    use super::*;

    #[divan::bench(args = SUBJECTS)]
    fn full(bencher: Bencher, subject: &str) {
        let case = example(subject);
        let as_of = case.as_of().expect("examples give as_of");
        bencher.bench_local(|| book().evaluate(black_box(case), as_of).expect("evaluates"));
    }

    /// The full report written as JSON (`POST /v1/check`'s work between reading the case and
    /// sending the answer), beside `full`.
    #[divan::bench(args = SUBJECTS)]
    fn full_json(bencher: Bencher, subject: &str) {
        let case = example(subject);
        let as_of = case.as_of().expect("examples give as_of");
        bencher.bench_local(|| {
            book()
                .evaluate(black_box(case), as_of)
                .expect("evaluates")
                .to_json()
        });
    }

    /// The full report written as JSON without `why`, as the HTTP API gives it by default.
    #[divan::bench(args = SUBJECTS)]
    fn full_json_plain(bencher: Bencher, subject: &str) {
        plain_json(bencher, subject, |r| r.to_json().into_bytes());
    }

    /// `full_json_plain` with the HTTP API's writer (`report_json`) in place of serde's.
    #[divan::bench(args = SUBJECTS)]
    fn full_json_plain_fast(bencher: Bencher, subject: &str) {
        plain_json(bencher, subject, policy_calc::report_json::to_vec);
    }

    /// Evaluates the example of `subject` and writes its full report without `why`.
    fn plain_json(bencher: Bencher, subject: &str, write: fn(&policy_calc::Report) -> Vec<u8>) {
        let case = example(subject);
        let as_of = case.as_of().expect("examples give as_of");
        bencher.bench_local(|| {
            let mut r = book().evaluate(black_box(case), as_of).expect("evaluates");
            r.set_why(false);
            write(&r)
        });
    }

    /// The full report with what would change each result (`check`'s report), beside `full`.
    #[divan::bench(args = SUBJECTS, sample_count = 20)]
    fn with_changes(bencher: Bencher, subject: &str) {
        let case = example(subject);
        let as_of = case.as_of().expect("examples give as_of");
        bencher.bench_local(|| {
            book()
                .evaluate_with_changes(black_box(case), as_of)
                .expect("evaluates")
        });
    }

    /// `check --format json`'s work for one case: the report with its changes, written as
    /// JSON, beside `full_json` (the same without changes).
    #[divan::bench(args = SUBJECTS, sample_count = 20)]
    fn with_changes_json(bencher: Bencher, subject: &str) {
        let case = example(subject);
        let as_of = case.as_of().expect("examples give as_of");
        bencher.bench_local(|| {
            book()
                .evaluate_with_changes(black_box(case), as_of)
                .expect("evaluates")
                .to_json()
        });
    }

    #[divan::bench(args = SUBJECTS)]
    fn compact(bencher: Bencher, subject: &str) {
        let case = example(subject);
        let as_of = case.as_of().expect("examples give as_of");
        let mut out = CompactReport::new();
        bencher.bench_local(|| {
            book()
                .evaluate_compact(black_box(case), as_of, &mut out)
                .expect("evaluates");
            out.results().len()
        });
    }
}

/// Loading the built-in rulebook from the embedded rule files and seeds.
#[divan::bench(sample_count = 50)]
fn load_builtin(bencher: Bencher) {
    let (sources, seeds) = policy_calc::rulebook::embedded_sources();
    bencher.bench_local(|| {
        policy_calc::Rulebook::load(black_box(&sources), black_box(&seeds)).expect("loads")
    });
}

/// Checks that the engine and the hand-written clauses agree on every workload case, so the
/// comparison is between equals.
fn check_agreement(w: &'static Workload) {
    let hand = hand::Hand::default();
    let mut h = hand::Out::default();
    let mut out = CompactReport::new();
    for (typed, case) in w.typed.iter().zip(&w.cases) {
        hand.evaluate(typed, workload::as_of(), &mut h)
            .expect("hand-written evaluates");
        book()
            .evaluate_selected(case, workload::as_of(), &w.four, &mut out)
            .expect("engine evaluates");
        let [r] = out.results() else {
            panic!("expected one workload clause, got {}", out.results().len());
        };
        let values: Vec<String> = out.values(r).map(|v| v.value.to_string()).collect();
        let hand_values: Vec<String> = h.values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            (Some(r.outcome), r.amount.map(|a| a.to_string()), values),
            (h.outcome, h.amount.map(|a| a.to_string()), hand_values),
            "engine and hand-written disagree on {}",
            typed.to_json(workload::as_of())
        );
    }
}

/// Times `f` over the workload `rounds` times, interleaved by the caller; the median round.
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn summary() {
    let w = &*WORKLOAD;
    check_agreement(w);
    let hand = hand::Hand::default();
    let mut h = hand::Out::default();
    let mut out = CompactReport::new();
    let (mut th, mut te, mut tw) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..41 {
        let t = Instant::now();
        black_box(hand_written(w, &hand, &mut h));
        th.push(t.elapsed());
        let t = Instant::now();
        black_box(engine_four(w, &mut out));
        te.push(t.elapsed());
        let t = Instant::now();
        black_box(engine_whole(w, &mut out));
        tw.push(t.elapsed());
    }
    let (h, e, wh) = (median(&mut th), median(&mut te), median(&mut tw));
    let rate = |d: Duration| CASES as f64 / d.as_secs_f64();
    println!();
    println!("four-clause workload, {CASES} cases (median of 41 interleaved rounds, one thread):");
    println!("  hand-written rust_decimal     {:>10.0} cases/s", rate(h));
    println!("  engine, the four clauses      {:>10.0} cases/s", rate(e));
    println!("  engine, every clause of each  {:>10.0} cases/s", rate(wh));
    println!(
        "  engine / hand-written time    {:>10.2}x (target: within 1.5x)",
        e.as_secs_f64() / h.as_secs_f64()
    );
}

fn main() {
    divan::main();
    // `cargo bench -- FILTER` runs a part; the summary only runs with the whole bench.
    let partial = std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') || a == "--list" || a == "--help");
    if !partial {
        summary();
    }
}
