//! Reading cases: numbers exactly, TOML and JSON alike, and errors that name their place.

use crate::common::{book, date, result};
use policy_calc::case::Fact;

fn amount(text_toml: &str, clause: &str, as_of: &str) -> String {
    let report = crate::common::eval(text_toml, as_of);
    result(&report, clause)
        .amount
        .as_ref()
        .map(|a| a.value().to_string())
        .unwrap_or_default()
}

#[test]
fn a_toml_float_is_read_from_its_source_text() {
    // Through f64, 180.55 is 180.55000000000001136868377216160297393798828125.
    let text =
        "[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 180.55\n";
    let case = book().case_from_toml(text, "c.toml").expect("reads");
    let area = case.facts().values[4];
    assert_eq!(
        area,
        Some(policy_calc::expr::Value::Num("180.55".parse().unwrap()))
    );
    assert_eq!(
        amount(text, "rural-prefab-subsidy", "2023-03-01"),
        "36110.00"
    );
}

#[test]
fn toml_and_json_give_the_same_report() {
    let toml = "as_of = 2023-03-01\n[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 0.1\n";
    let json = r#"{"as_of": "2023-03-01", "rural_housing": {"new": true, "prefab": true, "structure": "steel", "floor_area": 0.1}}"#;
    let a = book().case_from_toml(toml, "a.toml").expect("toml reads");
    let b = book().case_from_json(json, "b.json").expect("json reads");
    assert_eq!(a, b);
    let r = book().evaluate(&b, date("2023-03-01")).expect("evaluates");
    assert_eq!(
        result(&r, "rural-prefab-subsidy")
            .amount
            .as_ref()
            .unwrap()
            .value(),
        "20.00"
    );
}

#[test]
fn integers_and_decimal_strings_are_accepted_for_numbers() {
    for area in ["100", "\"100.00\"", "1e2", "100.000"] {
        let text = format!(
            "[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = {area}\n"
        );
        assert_eq!(
            amount(&text, "rural-prefab-subsidy", "2023-03-01"),
            "20000.00",
            "{area}"
        );
    }
}

#[test]
fn a_misspelt_field_names_file_line_column_and_the_nearest_field() {
    let text = "as_of = 2023-03-01\n[rural_housing]\nnew = true\nfloor_aera = 180.55\n";
    let d = book().case_from_toml(text, "case.toml").unwrap_err().0;
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].file.as_str(), d[0].line, d[0].column),
        ("case.toml", 4, 1)
    );
    assert_eq!(d[0].code, "case::unknown_field");
    assert_eq!(d[0].field.as_deref(), Some("rural_housing.floor_aera"));
    assert_eq!(
        d[0].suggestion.as_deref(),
        Some("did you mean `floor_area`?")
    );
}

#[test]
fn every_bad_field_of_a_case_is_reported_at_once() {
    let text = "[building_project]\nuse = \"housing\"\nfloors = 2.5\ninstallation_cost = -1\nbim = \"yes\"\ngreen_star = 4\n";
    let d = book().case_from_toml(text, "case.toml").unwrap_err().0;
    let fields: Vec<_> = d
        .iter()
        .map(|x| (x.field.clone().unwrap(), x.line))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("building_project.use".to_string(), 2),
            ("building_project.floors".to_string(), 3),
            ("building_project.installation_cost".to_string(), 4),
            ("building_project.bim".to_string(), 5),
            ("building_project.green_star".to_string(), 6),
        ]
    );
    assert!(
        d[0].message.contains("`housing` is not a word of `use`"),
        "{}",
        d[0].message
    );
    assert!(
        d[2].message.contains("cannot be below 0"),
        "{}",
        d[2].message
    );
}

#[test]
fn a_number_too_large_for_exact_arithmetic_is_an_error_not_a_rounded_value() {
    let text = "[rural_housing]\nfloor_area = 123456789012345678901234567890\n";
    let d = book().case_from_toml(text, "case.toml").unwrap_err().0;
    assert!(d[0].message.contains("too large"), "{}", d[0].message);
    let text = "[rural_housing]\nfloor_area = 0.12345678901234567890123456789\n";
    let d = book().case_from_toml(text, "case.toml").unwrap_err().0;
    assert!(d[0].message.contains("too precise"), "{}", d[0].message);
    // 28 significant digits are exact.
    let text = "[rural_housing]\nfloor_area = 1.234567890123456789012345678\n";
    assert!(book().case_from_toml(text, "case.toml").is_ok());
}

#[test]
fn subjects_are_exactly_one() {
    let none = book()
        .case_from_toml("as_of = 2023-03-01\n", "c.toml")
        .unwrap_err()
        .0;
    assert_eq!(none[0].code, "case::no_subject");
    let two = book()
        .case_from_toml("[rural_housing]\n[tenant]\n", "c.toml")
        .unwrap_err()
        .0;
    assert_eq!((two[0].code, two[0].line), ("case::two_subjects", 2));
    let unknown = book()
        .case_from_toml("[rural_housin]\n", "c.toml")
        .unwrap_err()
        .0;
    assert_eq!(
        unknown[0].suggestion.as_deref(),
        Some("did you mean `rural_housing`?")
    );
}

#[test]
fn a_case_built_in_code_is_checked_like_a_file() {
    let ok = book()
        .case(
            "rural_housing",
            &[
                ("new", Fact::from(true)),
                ("prefab", Fact::from(true)),
                ("structure", Fact::word("steel")),
                (
                    "floor_area",
                    Fact::from(rust_decimal::Decimal::new(18055, 2)),
                ),
            ],
        )
        .expect("valid facts");
    let r = book().evaluate(&ok, date("2023-03-01")).expect("evaluates");
    assert_eq!(
        result(&r, "rural-prefab-subsidy")
            .amount
            .as_ref()
            .unwrap()
            .value(),
        "36110.00"
    );
    let bad = book()
        .case("rural_housing", &[("structure", Fact::word("steal"))])
        .unwrap_err()
        .0;
    assert!(
        bad[0].message.contains("did you mean `steel`?"),
        "{}",
        bad[0].message
    );
}

#[test]
fn no_binary_float_type_appears_in_the_source() {
    let mut offenders = Vec::new();
    let mut stack = vec![crate::common::root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("read source");
                for (i, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    let words = code.split(|c: char| !c.is_alphanumeric() && c != '_');
                    if words.into_iter().any(|w| w == "f32" || w == "f64") {
                        offenders.push(format!("{}:{}: {line}", p.display(), i + 1));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "binary floats in src/:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn an_overflow_is_an_error_naming_the_expression_and_its_fields() {
    let text = "[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 79228162514264337593543950335\n";
    let case = book()
        .case_from_toml(text, "huge.toml")
        .expect("the largest exact decimal reads");
    let err = book().evaluate(&case, date("2023-03-01")).unwrap_err();
    assert_eq!(err.clause.as_deref(), Some("rural-prefab-subsidy"));
    assert!(
        err.message.contains("rural_subsidy_rate * floor_area"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("too large or too precise for exact arithmetic"),
        "{}",
        err.message
    );
}

#[test]
fn a_product_that_needs_more_than_28_decimals_is_an_error_not_a_rounded_comparison() {
    // 80% of 1.0000000000000000000000000001 is 0.80000000000000000000000000008: 29 decimals.
    // rust_decimal's checked_mul would round it to 0.8000000000000000000000000001 and find
    // the rent compliant; the exact cap is below the rent.
    let text = "[tenant]\nrent = 0.8000000000000000000000000001\nmarket_rent = 1.0000000000000000000000000001\n";
    let case = book().case_from_toml(text, "precise.toml").expect("reads");
    let err = book().evaluate(&case, date("2023-03-01")).unwrap_err();
    assert_eq!(err.clause.as_deref(), Some("arh-rent-cap"));
    assert!(
        err.message.contains("rent_share * market_rent"),
        "{}",
        err.message
    );
}

#[test]
fn a_guard_binds_only_where_its_clause_applies() {
    // Deductions above the installation cost: bad input for a residential project's deposit,
    // but the deposit does not apply to a public building.
    let public = "[building_project]\nuse = \"public\"\nprefab = true\nstructure = \"concrete\"\ndecoration_insurance = true\nplanning_conditions_date = 2022-01-01\ninstallation_cost = 0\ndecoration_cost = 0.01\n";
    let report = crate::common::eval(public, "2023-03-01");
    assert_eq!(
        result(&report, "warranty-deposit").outcome.name(),
        "not_applicable"
    );
    let residential = public.replace("\"public\"", "\"residential\"");
    let case = book()
        .case_from_toml(&residential, "r.toml")
        .expect("reads");
    let err = book().evaluate(&case, date("2023-03-01")).unwrap_err();
    assert!(
        err.message.contains("cannot fall below zero"),
        "{}",
        err.message
    );
}

/// The streaming TOML reader against the former one, built on the `toml` crate's document tree
/// (`input::toml_dom`, kept as the reference): the same tree, spans and order for a valid
/// document, an error for an invalid one, and the same first error where there is only one.
mod streaming_toml {
    use policy_calc::input::{toml, toml_dom};
    use proptest::prelude::*;

    fn same(text: &str) {
        let new = toml::parse(text);
        let old = toml_dom::parse(text);
        match (&new, &old) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "different trees for {text:?}"),
            // One known difference: of several values refused (inf, nan, an impossible date, a
            // radix integer too large, too deep), the streaming reader names the first in the
            // document, the tree the first in its key order.
            (Err(a), Err(b)) if a != b && refused(b) => assert!(
                refused(a) && a.span.start < b.span.start,
                "{text:?}: streaming {a:?}, document tree {b:?}"
            ),
            (Err(a), Err(b)) => assert_eq!(a, b, "different errors for {text:?}"),
            _ => panic!("{text:?}: streaming {new:?}, document tree {old:?}"),
        }
    }

    fn refused(e: &policy_calc::input::SyntaxError) -> bool {
        [
            "not numbers",
            "not a real date",
            "too large",
            "needs digits",
            "nest deeper",
        ]
        .iter()
        .any(|m| e.message.contains(m))
    }

    const TRICKY: &[&str] = &[
        "",
        "\u{FEFF}a = 1\n",
        "a = 1\r\nb = 2\r\n",
        "a.b.c = 1\na.b.d = 2\na.e = \"x\"\n",
        "\"quoted key\".'lit' = 1\n\"\" = 2\n",
        "a . b = 1 # spaces around the dot\n",
        "[a.b]\nx = 1\n[c]\n[a]\ny = 2\n",
        "[a]\nb.c = 1\n[a.d]\ne = 2\n",
        "[[a]]\nx = 1\n[[a]]\nx = 2\n[a.b]\ny = 3\n[[a.c]]\nz = 4\n[[a]]\n",
        "[[rental_project.units]]\narea = -1\n[[rental_project.units]]\narea = 2.5\n",
        "[x]\n[[x.y]]\n[x.y.z]\nw = 1\n",
        "t = { a = 1, b.c = 2, b.d = [1, {e = 3}] }\nu = {}\n",
        "arr = [\n  1, # one\n  2,\n]\nnested = [[1, 2], [\"a\", 'b'], [], [{}]]\n",
        "s = \"tab\\there \\\"q\\\" \\u00e9 \\U0001F600 \\\\ \\b\\f\\n\\r\"\n",
        "s = \"\"\"\nline1\\\n   line2\n\"\"\"\nl = '''\n raw \\n\n'''\n",
        "s = \"\"\"a\"\"b\"\"\"\nq = '''it's'''\n",
        "d = 2023-03-01\ndt = 1979-05-27T07:32:00Z\nldt = 1979-05-27 07:32:00.999\nt = 07:32:00\noff = 1979-05-27T00:32:00-07:00\n",
        "h = 0xDEAD_beef\no = 0o755\nb = 0b1101\nz = 0x0\n",
        "p = +99\nn = -17\nu = 1_000_000\nf = +1.5\ng = -0.0\ne = 1e-7\nE = 6.626E-34\nx = 1_000.5\n",
        "big = 9999999999999999999999999999\nlong = 1234567890123456789012345678.12345\n",
        "yes = true\nno = false\n",
        "# only a comment\n\n\n",
        "[a]\n[b]\n[c.d.e]\n",
        "k1 = 1\nk2 = 2\nk3 = 3\nk4 = 4\nk5 = 5\nk6 = 6\nk7 = 7\nk8 = 8\nk9 = 9\nk10 = 10\nk11 = 11\nk12 = 12\nk13 = 13\nk14 = 14\nk15 = 15\nk16 = 16\nk17 = 17\nk18 = 18\nk1a = [1,\n2]\n",
        // Errors.
        "a = 1\na = 2\n",
        "[t]\na = 1\n[t]\n",
        "a.b = 1\n[a]\n",
        "[a]\nb = 1\n[a.b]\n",
        "a = [1]\n[[a]]\n",
        "a = {x = 1}\na.y = 2\n",
        "a = 1\na.b = 2\n",
        "a = [1]\na.b = 2\n",
        "t = {a = 1, a = 2}\n",
        "t = {a = {b = 1}, a.c = 2}\n",
        "t = {a.b = 1, a = 2}\n",
        "[[a]]\n[a]\n",
        "a = = 1\n",
        "a = 1 b\n",
        "a = 0x\n",
        "a = -0x1\n",
        "a = 0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n",
        "a = inf\n",
        "a = -nan\n",
        "a = 2023-02-30\n",
        "a = 2023-13-01T00:00:00\n",
        "a = \"\\x\"\n",
        "a = \"unterminated\nb = 1\n",
        "a = [1, 2\nb = 3\n",
        "a = {b = 1\n",
        "[a\nb = 1\n",
        "[[a]\n",
        "a = 1\n}\n",
        "a = \"x\" \"y\"\n",
        "= 1\n",
        "a =\n",
        "a = 1 # comment \u{7}\n",
        "a = [1,,2]\n",
        "a = {,}\n",
        "a = 1\n[b]\nc = 1\nc = 2\nd = \"\\q\"\n",
        "x = \"\\q\"\n[\n",
    ];

    #[test]
    fn tricky_documents_read_as_the_document_tree_reads_them() {
        for text in TRICKY {
            same(text);
        }
    }

    #[test]
    fn repository_toml_files_read_as_the_document_tree_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![
            root.join("rules"),
            root.join("examples"),
            root.join("tests"),
            root.join("fuzz/corpus"),
        ];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in read.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path)
                    && (path.extension().is_some_and(|e| e == "toml")
                        || path.to_string_lossy().contains("toml"))
                {
                    same(&text);
                    seen += 1;
                }
            }
        }
        assert!(seen > 10, "only {seen} TOML files found");
    }

    /// Pieces of TOML that combine into documents, valid or not.
    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "a", "b", "c", "\"a\"", "'b'", "a.b", "b.c", "a . c", "a.b.c", "c.a", "\"a.b\"", "",
        ]);
        let value = prop::sample::select(vec![
            "1",
            "+2",
            "-0",
            "0x1F",
            "0o7",
            "0b1",
            "1_000",
            "1.5",
            "-1e3",
            "inf",
            "nan",
            "true",
            "\"s\"",
            "'l'",
            "\"\\u00e9\"",
            "\"\\q\"",
            "\"\"\"\nm\"\"\"",
            "2023-03-01",
            "2023-02-30",
            "07:32:00",
            "1979-05-27T07:32:00Z",
            "[]",
            "[1, \"x\"]",
            "[[1], [2]]",
            "{}",
            "{ x = 1 }",
            "{ x.y = 1, x.z = 2 }",
            "{ x = {}, x.y = 1 }",
            "{ x.y = 1, x = 2 }",
            "{ x = 1, x = 2 }",
            "{ a.b = [{ c.d = 1 }] }",
            "[\n  1, # c\n  2,\n]",
            "{\n x = 1,\n}",
            "{ x.y = 1, z = [2] }",
            "[{a = 1}, {b = 2}]",
            "[1,\n2]",
            "",
            "= 1",
        ]);
        let header = prop::sample::select(vec![
            "[a]",
            "[b]",
            "[a.b]",
            "[b.c]",
            "[[a]]",
            "[[a.b]]",
            "[[c]]",
            "[c.d]",
            "[",
            "[[a]",
            "[a.b.c]",
            "[[a.b.c]]",
            "[ a . b ]",
            "[[ c ]]",
            "[\"a\"]",
            "[c.a]",
        ]);
        prop_oneof![
            3 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
            1 => header.prop_map(str::to_string),
            1 => Just("# comment".to_string()),
            1 => Just(String::new()),
        ]
    }

    /// The flat reader (`input::toml_flat`, the fast path) against the full one: where it
    /// answers, the same tree; it answers for the examples.
    fn flat_same(text: &str) -> bool {
        let Some(flat) = policy_calc::input::toml_flat::parse(text) else {
            return false;
        };
        assert_eq!(
            Ok(flat),
            toml::parse_full(text),
            "the flat reader differs for {text:?}"
        );
        true
    }

    #[test]
    fn the_flat_reader_reads_as_the_full_one() {
        for text in TRICKY {
            flat_same(text);
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["examples", "fuzz/corpus/case_toml", "tests/cases"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    flat_same(&text);
                }
            }
        }
        // Every example but those with lists of items (`[[…]]`) is read flat.
        for entry in std::fs::read_dir(root.join("examples")).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            if !text.contains("[[") {
                assert!(
                    flat_same(&text),
                    "{} is not read flat",
                    entry.path().display()
                );
            }
        }
    }

    /// Lines of the flat shape and just outside it.
    fn flat_line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["a", "b", "a-b", "x_y", "1", "true", "a.b", "\"a\""]);
        let value = prop::sample::select(vec![
            "1",
            "+2",
            "-0",
            "0",
            "00",
            "01",
            "0.5",
            "00.5",
            "1_000",
            "1__0",
            "_1",
            "1_",
            "1_000.5",
            "1.",
            ".5",
            "1.5_0",
            "-1.25",
            "+0.0",
            "1e3",
            "0x1F",
            "inf",
            "-",
            "+",
            "true",
            "false",
            "truex",
            "\"s\"",
            "\"中文 x\"",
            "\"\"",
            "\"a\\\"b\"",
            "\"tab\there\"",
            "\"\u{7f}\"",
            "'l'",
            "2023-03-01",
            "2023-02-30",
            "0000-01-01",
            "2023-03-01 07:32:00",
            "2023-03-01T07:32:00",
            "2023-03-01 # d",
            "2023-3-1",
            "[1]",
            "{ x = 1 }",
            "[]",
            "[ ]",
            "[1, 2]",
            "[\"a\", \"b\",]",
            "[1,,2]",
            "[,]",
            "[1 2]",
            "[[1]]",
            "[2023-03-01, true, -1.5]",
            "[\"a\"",
            "[1,]x",
            "[ \"中\" , 0 ]",
            "[01]",
            "[1e3]",
            "",
        ]);
        let blank = prop::sample::select(vec!["", " ", "\t", "  "]);
        let tail = prop::sample::select(vec!["", " # c", "# c", " #\u{7}", " x", "\r"]);
        let header = prop::sample::select(vec![
            "[a]", "[ b ]", "[a-b]", "[a.b]", "[[a]]", "[", "[a] x",
        ]);
        prop_oneof![
            4 => (blank.clone(), key, blank.clone(), value, tail.clone())
                .prop_map(|(s, k, t, v, e)| format!("{s}{k}{t}={t}{v}{e}")),
            1 => (blank, header, tail).prop_map(|(s, h, e)| format!("{s}{h}{e}")),
            1 => Just("# comment".to_string()),
            1 => Just(String::new()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn generated_flat_documents_read_as_the_full_reader_reads_them(
            lines in prop::collection::vec(flat_line(), 0..10),
            crlf in any::<bool>(),
        ) {
            flat_same(&lines.join(if crlf { "\r\n" } else { "\n" }));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn generated_documents_read_as_the_document_tree_reads_them(
            lines in prop::collection::vec(line(), 0..12)
        ) {
            same(&lines.join("\n"));
        }
    }
}

/// A report read back from JSON holds exact decimals only: a quantity that is not one is
/// refused, not carried (its fields are the crate's own).
#[test]
fn a_quantity_read_from_json_is_an_exact_decimal() {
    use policy_calc::Quantity;
    let q: Quantity = serde_json::from_str(r#"{"value":"36110.00","unit":"CNY"}"#).unwrap();
    assert_eq!((q.value(), q.unit()), ("36110.00", "CNY"));
    assert_eq!(q.decimal(), Some("36110.00".parse().unwrap()));
    // Money at the top of the range keeps its fen, past a Decimal's scale.
    let top: Quantity =
        serde_json::from_str(r#"{"value":"63382530011411470074835160268.00","unit":"CNY"}"#)
            .unwrap();
    assert_eq!(top.value(), "63382530011411470074835160268.00");
    for bad in ["abc", "1.2.3", "", "1e5", "+1", ".5", "5."] {
        let text = format!(r#"{{"value":"{bad}","unit":"CNY"}}"#);
        assert!(
            serde_json::from_str::<Quantity>(&text).is_err(),
            "`{bad}` read as a quantity"
        );
    }
}
