//! Text coverage (issue 17): every sentence of the gazette's text that carries a number or a
//! normative word is encoded, listed as not computable or marked not normative; a clause that
//! was never encoded shows up as an unaccounted sentence.

use std::path::{Path, PathBuf};

use crate::common::{book, root};
use policy_calc::Rulebook;
use policy_calc::coverage::{self, Status};
use policy_calc::rulebook::LoadError;

/// A scratch folder under the target directory with a copy of rules/ and seeds/.
fn scratch_copy(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["rules", "seeds"] {
        std::fs::create_dir_all(dir.join(sub)).expect("create scratch dir");
        for entry in std::fs::read_dir(root().join(sub)).expect("read dir") {
            let p = entry.expect("entry").path();
            if p.is_file() {
                std::fs::copy(&p, dir.join(sub).join(p.file_name().unwrap())).expect("copy");
            }
        }
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} holds {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn summary(book: &Rulebook, id: &str) -> coverage::DocumentCoverage {
    let di = book
        .documents
        .iter()
        .position(|d| d.id == id)
        .unwrap_or_else(|| panic!("document {id}"));
    coverage::document_coverage(book, di)
}

#[test]
fn every_sentence_of_the_gazette_is_accounted_for() {
    let failures = coverage::check(book());
    assert!(
        failures.is_empty(),
        "{} sentence(s) or marking(s) unaccounted:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for id in ["kq-2022-12", "kq-2022-14", "kq-2022-15"] {
        let c = summary(book(), id);
        let s = c.summary;
        assert_eq!(s.unaccounted, 0, "{id}");
        // Every sentence is accounted for explicitly, none merely plain.
        assert_eq!(s.plain, 0, "{id}");
        assert!(s.encoded > 0 && s.not_computable > 0, "{id}: {s:?}");
        assert_eq!(
            s.sentences,
            s.encoded + s.not_computable + s.not_normative + s.unaccounted,
            "{id}: each sentence has exactly one status"
        );
    }
    // The award lists and the work report are accounted for in bulk, as not normative.
    for id in ["kq-2022-8", "kq-2022-13", "kq-2022-16"] {
        let c = summary(book(), id);
        assert!(c.summary.sentences > 30, "{id}: {:?}", c.summary);
        assert_eq!(c.summary.not_normative, c.summary.sentences, "{id}");
        assert_eq!(c.summary.plain, 0, "{id}: every sentence marked");
    }
    // Document 14 lists its preferences and procedures.
    assert!(book().document("kq-2022-14").unwrap().not_computable.len() >= 10);
}

/// The sentence holding `text` in document `id`.
fn sentence(id: &str, text: &str) -> coverage::Sentence {
    summary(book(), id)
        .sentences
        .into_iter()
        .find(|s| s.text.contains(text))
        .unwrap_or_else(|| panic!("{id}: no sentence holds {text}"))
}

#[test]
fn the_rules_of_the_issue_are_encoded_by_their_clauses() {
    for (doc, text, section, clause) in [
        (
            "kq-2022-14",
            "其他新建项目涉及土地出让的，应在规划设计条件书中明确",
            "二（一）",
            "land-transfer-planning-conditions",
        ),
        (
            "kq-2022-14",
            "工程质量监督机构应对绿色建筑、装配式建筑、全装修住宅项目",
            "二（九）",
            "construction-supervised-per-drawings",
        ),
        (
            "kq-2022-14",
            "建设单位在编制可行性研究报告时应增加",
            "二（一）",
            "feasibility-study-chapters",
        ),
        (
            "kq-2022-14",
            "每年至少推出1个绿色建筑或新型建筑工业化建筑样板工程",
            "二（六）",
            "model-projects-yearly",
        ),
        (
            "kq-2022-15",
            "符合规定的均应纳入保障性租赁住房规范管理，不纳入的不得享受",
            "四（一）2",
            "arh-management-inclusion",
        ),
        (
            "kq-2022-15",
            "符合规定的均应纳入保障性租赁住房规范管理，不纳入的不得享受",
            "四（一）2",
            "arh-support-needs-management",
        ),
        (
            "kq-2022-15",
            "承租对象不得破坏其承租的保障性租赁住房房屋结构及设施设备",
            "四（二）3",
            "arh-tenant-conduct",
        ),
    ] {
        let s = sentence(doc, text);
        assert_eq!(s.status, Status::Encoded, "{doc} {text}");
        assert_eq!(s.section, section, "{doc} {text}");
        assert!(
            s.by.iter().any(|b| b.kind == "clause" && b.id == clause),
            "{doc} {text}: encoded by {:?}",
            s.by
        );
    }
    // Preferences and procedures are listed as not computable, with their reason.
    for (doc, text) in [
        ("kq-2022-14", "优先采用装配式装修"),
        ("kq-2022-14", "应积极推行EPC模式和全过程工程咨询"),
        ("kq-2022-14", "以本意见为准"),
        ("kq-2022-14", "在评优评奖时予以优先考虑"),
        ("kq-2022-14", "优先考虑装配式建筑和建筑全装修项目"),
        ("kq-2022-15", "线上申请、智能择房"),
        ("kq-2022-15", "申领居住证"),
        ("kq-2022-12", "等3个专门小组"),
    ] {
        let s = sentence(doc, text);
        assert_eq!(s.status, Status::NotComputable, "{doc} {text}");
        assert!(!s.reason.is_empty());
    }
    // Lists of responsible offices and signatures are not normative.
    let s = sentence("kq-2022-14", "（责任单位：区建设局、区交通运输局");
    assert_eq!(s.status, Status::NotNormative);
}

#[test]
fn the_check_fails_when_a_clause_quote_is_removed() {
    let dir = scratch_copy("coverage-quote-removed");
    // arh-tenant-conduct alone quotes the tenant's duties; point its quote elsewhere.
    edit(
        &dir.join("rules/kq-2022-15.toml"),
        "quote = \"承租对象不得破坏其承租的保障性租赁住房房屋结构及设施设备，不得擅自装修，不得转租、转借，也不得改变租住用途。\"",
        "quote = \"保障性租赁住房租金按不高于同地段同品质市场租赁住房租金的80%执行。\"",
    );
    let book = Rulebook::load_dir(&dir.join("rules")).unwrap_or_else(|e| panic!("{e}"));
    let failures = coverage::check(&book);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    let f = &failures[0];
    assert!(
        f.contains("kq-2022-15")
            && f.contains("四（二）3")
            && f.contains("unaccounted")
            && f.contains("承租对象不得破坏其承租的保障性租赁住房房屋结构及设施设备"),
        "{f}"
    );
    // The command line says so too, and exits 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["coverage", "kq-2022-15", "--rules"])
        .arg(dir.join("rules"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run policy-calc");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("UNACCOUNTED") && stdout.contains("1 unaccounted"),
        "{stdout}"
    );
}

#[test]
fn a_marking_that_no_longer_matches_the_text_fails() {
    // The seed changed under a [[not_normative]] quote: the load reports the quote.
    let dir = scratch_copy("coverage-seed-changed");
    edit(
        &dir.join("seeds/keqiao-gazette-2022-05.txt"),
        "大数据、5G、人工智能",
        "大数据、6G、人工智能",
    );
    match Rulebook::load_dir(&dir.join("rules")) {
        Err(LoadError::Rules(d)) => {
            assert!(
                d.0.iter().any(|d| d.code == "rules::quote"
                    && d.file.ends_with("kq-2022-14.toml")
                    && d.snippet.contains("5G")),
                "{d}"
            );
        }
        other => panic!("expected the stale marking to fail the load, got {other:?}"),
    }

    // A marking whose text stands in the seed but in another document, and a starts_with
    // that no sentence starts with: both fail the check.
    let dir = scratch_copy("coverage-marking-elsewhere");
    let file = dir.join("rules/kq-2022-12.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(
        "\n[[not_normative]]\nreason = \"misplaced\"\nquotes = [\"承租对象不得破坏其承租的保障性租赁住房房屋结构及设施设备\"]\n\n[[not_normative]]\nreason = \"nothing starts so\"\nstarts_with = [\"（责任单位：\"]\n",
    );
    std::fs::write(&file, text).unwrap();
    let book = Rulebook::load_dir(&dir.join("rules")).unwrap_or_else(|e| panic!("{e}"));
    let failures = coverage::check(&book);
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(
        failures[0].contains("kq-2022-12") && failures[0].contains("not in the document's text")
    );
    assert!(failures[1].contains("no sentence starts with `（责任单位：`"));
}

#[test]
fn the_coverage_command_prints_every_sentence_and_json() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
            .args(args)
            .current_dir(root())
            .output()
            .expect("run policy-calc");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = run(&["coverage", "kq-2022-15"]);
    assert_eq!(code, Some(0));
    // Not a terminal: no colour codes.
    assert!(!text.contains('\u{1b}'));
    assert!(
        text.contains("encoded: clause arh-tenant-conduct"),
        "{text}"
    );
    assert!(text.contains("0 unaccounted"));
    let (code, text) = run(&["coverage"]);
    assert_eq!(code, Some(0));
    assert_eq!(text.lines().count(), book().documents.len(), "{text}");
    // The README shows these summary lines as they are.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in text.lines() {
        assert!(
            readme.contains(line),
            "README.md's coverage summary is stale: {line}"
        );
    }
    let (code, json) = run(&["coverage", "14", "--format", "json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON object");
    assert_eq!(v["document"], "kq-2022-14");
    assert_eq!(v["summary"]["unaccounted"], 0);
    let sentences = v["sentences"].as_array().unwrap();
    assert_eq!(
        sentences.len(),
        v["summary"]["sentences"].as_u64().unwrap() as usize
    );
    let model = sentences
        .iter()
        .find(|s| s["text"].as_str().unwrap().contains("每年至少推出1个"))
        .unwrap();
    assert_eq!(model["status"], "encoded");
    assert_eq!(model["section"], "二（六）");
    assert!(
        model["by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "model-projects-yearly")
    );
    let (code, _) = run(&["coverage", "kq-2022-99"]);
    assert_eq!(code, Some(2));
}

#[test]
fn the_literate_catalogue_in_docs_is_up_to_date() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["catalogue", "--literate"])
        .current_dir(root())
        .output()
        .expect("run policy-calc");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let path = root().join("docs/literate.md");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "docs/literate.md is stale: run `cargo run -q -- catalogue --literate > docs/literate.md`"
    );
    // The gazette and its code side by side: a sentence, then the clause and its logic.
    let at = text
        .find("> 承租对象不得破坏其承租的保障性租赁住房房屋结构及设施设备")
        .expect("the sentence is in the literate view");
    let after = &text[at..];
    assert!(
        after.contains(
            "- clause `arh-tenant-conduct` (tenant, requirement); require: `not damaged_structure"
        ),
        "{}",
        &after[..after.len().min(600)]
    );
    assert!(text.contains("- not computed: A preference (优先采用)"));
}
