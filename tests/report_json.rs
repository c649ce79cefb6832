//! The fast writer of the full report (`report_json`, the HTTP API's answer) against its
//! reference, the report's serde JSON (`Report::to_json`): the same bytes, whatever the case,
//! language, `why` and changes.

use policy_calc::labels::Lang;
use policy_calc::report::Report;
use policy_calc::report_json;

use crate::common::{book, date, root};

/// Both writers' bytes of `r`, the fast one's both as a buffer of its own and appended.
fn assert_same(r: &Report, what: &str) {
    let want = r.to_json();
    let got = report_json::to_vec(r);
    assert_eq!(String::from_utf8(got).unwrap(), want, "{what}");
    let mut appended = b"prefix".to_vec();
    report_json::append(r, &mut appended);
    assert_eq!(&appended[6..], want.as_bytes(), "{what}, appended");
    // As a batch's line writes it, with its number first.
    for line in [1, 1234567] {
        let mut want = Vec::new();
        r.append_json(line, &mut want);
        let mut got = Vec::new();
        report_json::append_numbered(r, line, &mut got);
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap(),
            "{what}, line {line}"
        );
    }
}

/// Every report of `text` (TOML) on `as_of`: both languages, with `why` and without, and
/// with changes too when `searched`.
fn assert_same_for_case(text: &str, as_of: Option<&str>, searched: bool, what: &str) -> usize {
    let Ok(case) = book().case_from_toml(text, "c.toml") else {
        return 0;
    };
    let Some(as_of) = as_of.map(date).or(case.as_of()) else {
        return 0;
    };
    let mut n = 0;
    for changes in [false, searched] {
        let report = if changes {
            book().evaluate_with_changes(&case, as_of)
        } else {
            book().evaluate(&case, as_of)
        };
        let Ok(mut r) = report else { continue };
        for lang in [Lang::Zh, Lang::En] {
            for why in [false, true] {
                r.set_language(lang);
                r.set_why(why);
                assert_same(
                    &r,
                    &format!("{what}: {lang:?}, why {why}, changes {changes}"),
                );
                n += 1;
            }
        }
    }
    n
}

#[test]
fn the_fast_writer_writes_every_example_as_serde_does() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            n += assert_same_for_case(&text, None, true, &path.display().to_string());
            // On other dates too: not in force, other parameters.
            for d in ["2021-01-01", "2022-07-01", "2026-01-01"] {
                n += assert_same_for_case(
                    &text,
                    Some(d),
                    false,
                    &format!("{} on {d}", path.display()),
                );
            }
        }
    }
    assert!(n >= 8 * 4 * 4, "only {n} reports compared");
}

#[test]
fn the_fast_writer_writes_the_fuzz_corpus_cases_as_serde_does() {
    let dir = root().join("fuzz/corpus/case_toml");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if let Ok(text) = std::fs::read_to_string(&path) {
            n += assert_same_for_case(
                &text,
                Some("2023-03-01"),
                false,
                &path.display().to_string(),
            );
        }
    }
    assert!(n > 0, "no corpus case evaluated");
}

#[test]
fn strings_that_need_escapes_and_far_dates_are_written_as_serde_does() {
    // A report read back from JSON, its strings holding every kind of escape, its date past
    // the year 9999.
    let text = std::fs::read_to_string(root().join("examples/tenant.toml")).unwrap();
    let case = book().case_from_toml(&text, "t.toml").unwrap();
    let r = book().evaluate(&case, case.as_of().unwrap()).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let odd = "a \"quote\", a \\ backslash, \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} and 中文";
    json["subject"] = odd.into();
    json["as_of"] = "+12345-01-02".into();
    let first = &mut json["results"][0];
    first["quote"] = odd.into();
    first["clause"] = "tab\there".into();
    first["reasons"][0] = odd.into();
    first["missing"] = serde_json::json!([odd, "plain"]);
    first["values"] = serde_json::json!({ odd: {"value": "1.50", "unit": "CNY\"/m2"} });
    let weird: Report = serde_json::from_value(json).unwrap();
    assert_same(&weird, "escapes");
    assert!(weird.to_json().contains("+12345-01-02"));
    // And an empty report.
    let empty: Report =
        serde_json::from_str(r#"{"subject":"tenant","as_of":"2023-03-01","results":[]}"#).unwrap();
    assert_same(&empty, "empty");
}
