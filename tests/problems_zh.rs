//! A case's problems in Chinese: every code has its sentence, naming facts by their labels
//! and bounds in the gazette's words; Latin letters stand only inside 「」, which quote what
//! was typed or an identifier. The English messages are the same as ever.

use policy_calc::labels::Lang;

use crate::common::{book, date};

/// Every subject as the Chinese messages list them.
pub const SUBJECTS_ZH: &str = "建设项目「building_project」、农房「rural_housing」、企业「enterprise」、购房「home_purchase」、保障性租赁住房项目「rental_project」、承租人「tenant」、工业项目「industrial_project」、柯桥区「district」";

/// Whether `zh` has no Latin letter outside 「」.
fn latin_only_quoted(zh: &str) -> bool {
    let mut depth = 0;
    zh.chars().all(|c| {
        match c {
            '「' => depth += 1,
            '」' => depth -= 1,
            _ => {}
        }
        depth > 0 || !c.is_ascii_alphabetic()
    })
}

/// The problems of a JSON case: (code, English message, Chinese message).
fn problems(json: &str) -> Vec<(String, String, String)> {
    let d = book()
        .case_from_json(json, "c.json")
        .expect_err("a bad case");
    d.0.iter()
        .map(|d| {
            let zh = d.message_in(Lang::Zh).to_string();
            assert!(latin_only_quoted(&zh), "Latin outside 「」: {zh}");
            assert_eq!(d.message_in(Lang::En), d.message);
            (d.code.to_string(), d.message.clone(), zh)
        })
        .collect()
}

/// The one problem of a JSON case, its code and Chinese message.
fn one(json: &str) -> (String, String) {
    let mut p = problems(json);
    assert_eq!(p.len(), 1, "{p:?}");
    let (code, _, zh) = p.remove(0);
    (code, zh)
}

fn pair(code: &str, zh: &str) -> (String, String) {
    (code.to_string(), zh.to_string())
}

#[test]
fn syntax_problems_in_chinese() {
    // `}` is not a value: line 2, column 21.
    assert_eq!(
        one("{\"as_of\": \"2023-03-01\",\n \"tenant\": {\"rent\": }}"),
        pair("case::syntax", "案件文本第2行第21列有语法错误，无法读取")
    );
    assert_eq!(
        one("[1]"),
        pair("case::syntax", "案件应为一个表，而此处是列表")
    );
    // TOML too.
    let d = book()
        .case_from_toml("[tenant]\nrent = = 1\n", "c.toml")
        .expect_err("bad TOML");
    assert_eq!(
        d.0[0].message_in(Lang::Zh),
        "案件文本第2行第8列有语法错误，无法读取"
    );
}

#[test]
fn subject_problems_in_chinese() {
    assert_eq!(
        one(r#"{"rural_housng": {}}"#),
        pair(
            "case::unknown_subject",
            &format!(
                "没有「rural_housng」这一对象；对象为：{SUBJECTS_ZH}；是否想填「rural_housing」（农房）？"
            )
        )
    );
    assert_eq!(
        one(r#"{"as_of": "2023-03-01"}"#),
        pair(
            "case::no_subject",
            &format!("案件没有填写对象；应填写其中一个：{SUBJECTS_ZH}")
        )
    );
    assert_eq!(
        one(r#"{"rural_housing": {}, "tenant": {}}"#),
        pair(
            "case::two_subjects",
            "一个案件只有一个对象，但农房之后又有承租人：请将每个对象分别写成一个案件"
        )
    );
    assert_eq!(
        one(r#"{"rural_housing": 1}"#),
        pair("case::bad_value", "农房应为一组事实（表），而填写了整数")
    );
    // A case built in code names its subject too.
    let d = book().case("tenantt", &[]).expect_err("no such subject");
    assert_eq!(
        d.0[0].message_in(Lang::Zh),
        format!("没有「tenantt」这一对象；对象为：{SUBJECTS_ZH}；是否想填「tenant」（承租人）？")
    );
}

#[test]
fn field_problems_in_chinese() {
    assert_eq!(
        one(r#"{"rural_housing": {"floor_aera": 1}}"#),
        pair(
            "case::unknown_field",
            "农房没有「floor_aera」这一项；是否想填「floor_area」（建筑面积）？"
        )
    );
    // In a unit type, the item is named by its number.
    assert_eq!(
        one(r#"{"rental_project": {"units": [{}, {"aera": 1}]}}"#),
        pair(
            "case::unknown_field",
            "第2项户型没有「aera」这一项；是否想填「area」（单套建筑面积）？"
        )
    );
    assert_eq!(
        one(r#"{"rental_project": {"units": 1}}"#),
        pair(
            "case::wrong_type",
            "户型应为若干项（表的列表），而填写了整数"
        )
    );
    assert_eq!(
        one(r#"{"rental_project": {"units": [{}, "x"]}}"#),
        pair(
            "case::wrong_type",
            "户型的每一项都应为一个表，而第2项户型是文字"
        )
    );
}

#[test]
fn bad_values_in_chinese_with_the_gazettes_words_for_bounds() {
    let cases = [
        // Bounds: 不低于 the least, 不超过 the most, in the field's unit or measure word.
        (
            r#"{"rural_housing": {"floor_area": -1}}"#,
            "建筑面积应不低于0平方米，而填写的是-1平方米",
        ),
        (
            r#"{"building_project": {"green_star": 4}}"#,
            "绿色建筑星级应不超过3星，而填写的是4星",
        ),
        (
            r#"{"rental_project": {"units": [{"count": -2}]}}"#,
            "第1项户型的套数应不低于0套，而填写的是-2套",
        ),
        (
            r#"{"rental_project": {"units": [{"count": 2.5}]}}"#,
            "第1项户型的套数应为整数，而填写的是2.5套",
        ),
        (
            r#"{"rural_housing": {"floor_area": "12,5"}}"#,
            "建筑面积填写的「12,5」不是数字",
        ),
        (
            r#"{"rural_housing": {"floor_area": "1e60"}}"#,
            "建筑面积填写的「1e60」过大或过于精确，无法精确计算（最多28位有效数字）",
        ),
        (
            r#"{"rural_housing": {"floor_area": true}}"#,
            "建筑面积应为数字，而填写了是/否值",
        ),
        (
            r#"{"rural_housing": {"new": "yes"}}"#,
            "新建农房应为是或否，而填写了文字",
        ),
        (
            r#"{"rural_housing": {"structure": "stee"}}"#,
            "结构体系不能填「stee」，可选：钢结构「steel」、混凝土结构「concrete」、木结构「timber」、其他结构「other」；是否想填「steel」？",
        ),
        (
            r#"{"rural_housing": {"structure": 1}}"#,
            "结构体系应为一个选项，而填写了整数",
        ),
        (
            r#"{"as_of": "2023-02-30", "tenant": {}}"#,
            "评估日期「2023-02-30」不是真实的日期，应写作2023-03-01这样的形式",
        ),
        (
            r#"{"building_project": {"approval_date": 20240101}}"#,
            "立项批文日期应为日期，而填写了整数",
        ),
        // A list of words.
        (
            r#"{"tenant": {"priority": "new_talent"}}"#,
            "优先保障对象应为若干选项（列表），而填写了文字",
        ),
        (
            r#"{"tenant": {"priority": [1]}}"#,
            "优先保障对象应为若干选项，其中却有整数",
        ),
        (
            r#"{"tenant": {"priority": ["new_talen"]}}"#,
            "优先保障对象不能填「new_talen」，可选：新引进人才「new_talent」、基本公共服务行业人员「public_service_worker」、产业园区企业职工「park_employee」；是否想填「new_talent」？",
        ),
    ];
    for (json, zh) in cases {
        assert_eq!(one(json), pair("case::bad_value", zh), "{json}");
    }
}

#[test]
fn an_evaluation_error_in_chinese() {
    let case = book()
        .case_from_json(
            r#"{"building_project": {"approval_date": "2024-01-01"}}"#,
            "c.json",
        )
        .expect("reads");
    let e = book()
        .evaluate(&case, date("2023-03-01"))
        .expect_err("a date after the evaluation date");
    let zh = e.message_in(Lang::Zh);
    assert_eq!(
        zh,
        "立项批文日期为2024年1月1日，晚于评估日期2023年3月1日：案件只陈述评估日期当天已知的事实"
    );
    assert!(latin_only_quoted(&zh));
    assert_eq!(e.message_in(Lang::En), e.to_string());
}

#[test]
fn an_arithmetic_error_in_chinese() {
    // 79228162514264337593543950335 m2 times the subsidy rate is past exact arithmetic.
    let text = "[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 79228162514264337593543950335\n";
    let case = book().case_from_toml(text, "c.toml").expect("reads");
    let e = book()
        .evaluate(&case, date("2023-03-01"))
        .expect_err("an overflow");
    let zh = e.message_in(Lang::Zh);
    assert!(
        zh.starts_with("条款「rural-prefab-subsidy」：「")
            && zh.contains("rural_subsidy_rate * floor_area"),
        "{zh}"
    );
    assert!(
        zh.ends_with("」的结果过大或小数位过多，无法精确计算"),
        "{zh}"
    );
    assert!(latin_only_quoted(&zh), "{zh}");
    // English as ever.
    assert_eq!(e.message_in(Lang::En), e.to_string());
    assert!(
        e.to_string()
            .contains("too large or too precise for exact arithmetic")
    );
}

#[test]
fn a_failed_guard_in_chinese() {
    // The deductions exceed the installation cost: the warranty deposit's base is negative.
    let text =
        std::fs::read_to_string(crate::common::root().join("examples/building_project.toml"))
            .unwrap()
            .replace(
                "installation_cost = 50_000_000.00",
                "installation_cost = 1_000.00",
            );
    let case = book().case_from_toml(&text, "c.toml").expect("reads");
    let e = book()
        .evaluate(&case, date("2023-03-01"))
        .expect_err("a guard fails");
    assert_eq!(e.clause.as_deref(), Some("warranty-deposit"));
    let zh = e.message_in(Lang::Zh);
    assert_eq!(
        zh,
        "条款「warranty-deposit」要求「base >= 0 CNY」，案件的事实不满足这一前提，无法评估"
    );
    assert!(latin_only_quoted(&zh), "{zh}");
    assert!(
        e.to_string()
            .starts_with("clause `warranty-deposit`: the deductions"),
        "{e}"
    );
}

#[test]
fn past_a_hundred_problems_the_rest_are_counted_in_chinese() {
    let fields: Vec<String> = (0..102).map(|i| format!("\"x{i}\": 1")).collect();
    let p = problems(&format!("{{\"tenant\": {{{}}}}}", fields.join(", ")));
    assert_eq!(p.len(), 101);
    assert_eq!(p[100].0, "input::too_many_problems");
    assert_eq!(p[100].2, "从此处起另有2个问题未列出：只列出前100个");
}

#[test]
fn latin_letters_outside_brackets_are_found() {
    assert!(latin_only_quoted("没有「floor_aera」这一项"));
    assert!(!latin_only_quoted("没有floor_aera这一项"));
    assert!(!latin_only_quoted("「x」y"));
}
