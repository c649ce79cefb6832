//! The web page: server-rendered forms and reports (maud templates, compiled in), the style
//! sheet and a little script embedded. Chinese by default, English by `?lang=en`; everything
//! works without JavaScript (the script only adds unit rows without a round trip).
//!
//! A form is a GET to `/check/{subject}` with one query parameter per input, so that a result
//! is a plain address: the language switch, the download links and the edit link all reuse it.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};

use super::api::{show_value, today};
use super::query::parse_date;
use super::{AppState, Problem, read_body};
use crate::Rulebook;
use crate::case::Case;
use crate::diagnostic::Diagnostic;
use crate::expr::Value;
use crate::report::{ClauseResult, Outcome, Report};
use crate::rulebook::Clause;
use crate::schema::{Field, Subject};
use crate::units::Type;
use crate::words::GROUPS;

const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/form.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/form/{subject}", get(form))
        .route("/check/{subject}", get(check))
        .route("/download/{file}", get(download))
        .route("/upload", post(upload))
        .route("/clause/{id}", get(clause_page))
        .route("/assets/style.css", get(style))
        .route("/assets/form.js", get(script))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    Zh,
    En,
}

impl Lang {
    fn of(q: &[(String, String)]) -> Lang {
        match q
            .iter()
            .rev()
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v.as_str())
        {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-Hans",
            Lang::En => "en",
        }
    }
    fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
    /// The language of the reports' words.
    fn words(self) -> crate::labels::Lang {
        match self {
            Lang::Zh => crate::labels::Lang::Zh,
            Lang::En => crate::labels::Lang::En,
        }
    }
    /// The text in this language.
    fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A title such as "农房 rural housing" in one language: the Chinese before the first space,
/// the English after it.
fn title_in(title: &str, lang: Lang) -> &str {
    match title.split_once(' ') {
        Some((zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => title,
    }
}

/// Percent-encodes a query component.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The same pairs with `lang` set to `lang`.
fn with_lang(pairs: &[(String, String)], lang: Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        pairs.iter().filter(|(k, _)| k != "lang").cloned().collect();
    out.insert(0, ("lang".into(), lang.code().into()));
    out
}

fn page(lang: Lang, title: &str, here: &str, pairs: &[(String, String)], body: Markup) -> Markup {
    let switch = format!("{here}?{}", query_string(&with_lang(pairs, lang.other())));
    html! {
        (DOCTYPE)
        html lang=(lang.html()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · policy-calc" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                a.skip href="#main" { (lang.t("跳到正文", "Skip to the content")) }
                header.site {
                    a.home href={ "/?lang=" (lang.code()) } {
                        (lang.t("柯桥区政策计算器", "Keqiao policy calculator"))
                    }
                    nav aria-label=(lang.t("语言", "Language")) {
                        @match lang {
                            Lang::Zh => a #lang-switch href=(switch) lang="en" hreflang="en" { "English" },
                            Lang::En => a #lang-switch href=(switch) lang="zh-Hans" hreflang="zh-Hans" { "中文" },
                        }
                    }
                }
                main #main { (body) }
                footer.site {
                    p {
                        (lang.t("依据《绍兴市柯桥区人民政府公报》2022年5月所载文件逐条计算，金额精确到分。本页结果仅供参考，以主管部门认定为准。",
                            "Computed clause by clause from the documents of the Keqiao District gazette of May 2022, exact to the fen. For guidance: the competent department decides."))
                    }
                    p { a href="/openapi.json" { "API (OpenAPI 3.1)" } }
                }
            }
        }
    }
}

fn html_response(status: StatusCode, m: Markup) -> Response {
    let mut res = (status, m.into_string()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

fn asset(text: &'static str, ct: &'static str) -> Response {
    let mut res = text.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

async fn home(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let book = state.book;
    let lang = Lang::of(&q);
    let body = html! {
        h1 { (lang.t("柯桥区政策计算器", "Keqiao policy calculator")) }
        p.lead {
            (lang.t("选择对象，填写已知事实，即可看到可享受的补助、须满足的要求、不符合之处及其条款依据。未知的事实可以不填：结果会列出还需要哪些事实。",
                "Choose what you are asking about and give the facts you know: you see what it gets, what it must do, what it fails, and the clause behind each. Leave unknown facts out: the result lists the facts that would decide."))
        }
        section aria-labelledby="subjects-h" {
            h2 #subjects-h { (lang.t("对象", "Subjects")) }
            ul.subjects {
                @for (i, s) in book.schema.subjects.iter().enumerate() {
                    li {
                        a href={ "/form/" (s.name) "?lang=" (lang.code()) } { (title_in(&s.title, lang)) }
                        " "
                        span.muted { "(" (book.by_subject.get(i).map_or(0, Vec::len)) " " (lang.t("条", "clauses")) ")" }
                    }
                }
            }
        }
        section aria-labelledby="upload-h" {
            h2 #upload-h { (lang.t("上传案件文件", "Upload a case file")) }
            form.upload method="post" action="/upload" enctype="multipart/form-data" {
                input type="hidden" name="lang" value=(lang.code());
                label for="case-file" { (lang.t("TOML 或 JSON 案件文件", "A TOML or JSON case file")) }
                input #case-file type="file" name="case" accept=".toml,.json,application/json,application/toml";
                button type="submit" { (lang.t("上传并计算", "Upload and evaluate")) }
            }
        }
        section aria-labelledby="docs-h" {
            h2 #docs-h { (lang.t("文件", "Documents")) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("文号", "Number")) }
                        th scope="col" { (lang.t("标题", "Title")) }
                        th scope="col" { (lang.t("施行期间", "In force")) }
                        th scope="col" { (lang.t("条款", "Clauses")) }
                    } }
                    tbody {
                        @for (i, d) in book.documents.iter().enumerate() {
                            tr {
                                td { (d.number) }
                                td { (d.title) }
                                td { (d.from) " – " @if let Some(u) = d.until { (u) } }
                                td { (book.clauses.iter().filter(|c| c.document == i).count()) }
                            }
                        }
                    }
                }
            }
        }
    };
    html_response(
        StatusCode::OK,
        page(lang, lang.t("首页", "Home"), "/", &q, body),
    )
}

/// What a form holds: the inputs' values by name, the unit rows shown, and the problems found
/// with them.
#[derive(Default)]
struct FormState {
    as_of: String,
    values: HashMap<String, Vec<String>>,
    /// Rows shown per list field.
    rows: HashMap<String, usize>,
    /// Problems by input name; those of no input under "".
    errors: Vec<(String, String)>,
}

impl FormState {
    fn from_pairs(pairs: &[(String, String)]) -> FormState {
        let mut s = FormState::default();
        for (k, v) in pairs {
            match k.as_str() {
                "lang" | "add_row" => {}
                "as_of" => s.as_of = v.trim().to_string(),
                _ => {
                    if let Some(list) = k.strip_prefix("rows.") {
                        let n = v.parse::<usize>().unwrap_or(1).min(200);
                        s.rows.insert(list.to_string(), n);
                    } else {
                        s.values.entry(k.clone()).or_default().push(v.clone());
                    }
                }
            }
        }
        // Every row with a value is shown, whatever the count says.
        for k in s.values.keys() {
            if let Some((list, rest)) = k.split_once('[')
                && let Some((n, _)) = rest.split_once(']')
                && let Ok(n) = n.parse::<usize>()
                && n <= 200
            {
                let e = s.rows.entry(list.to_string()).or_insert(1);
                *e = (*e).max(n);
            }
        }
        for (k, v) in pairs {
            if k == "add_row" {
                *s.rows.entry(v.clone()).or_insert(1) += 1;
            }
        }
        s
    }

    fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map_or("", |s| s.as_str())
    }

    fn has(&self, name: &str, word: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == word))
    }

    fn errors_of(&self, name: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

fn input_id(name: &str) -> String {
    let mut s = String::from("f-");
    for c in name.chars() {
        s.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    s
}

/// The JSON text of the case the form describes (every value as a string: the reader takes
/// decimal strings exactly, and says what is wrong with anything else), and for each list
/// field the form row of each item given.
fn form_json(
    book: &Rulebook,
    subject: &Subject,
    subject_index: u16,
    state: &FormState,
) -> (String, HashMap<String, Vec<usize>>) {
    use serde_json::{Map, Value as Json};
    let mut facts = Map::new();
    let mut rows_of = HashMap::new();
    let record = book.schema.record_of(subject_index);
    let scalar = |f: &Field, name: &str| -> Option<Json> {
        match f.ty {
            Type::Words(_) => {
                let v: Vec<Json> = state
                    .values
                    .get(name)
                    .into_iter()
                    .flatten()
                    .filter(|w| !w.is_empty())
                    .map(|w| Json::String(w.clone()))
                    .collect();
                (!v.is_empty()).then_some(Json::Array(v))
            }
            Type::Bool => match state.value(name) {
                "yes" => Some(Json::Bool(true)),
                "no" => Some(Json::Bool(false)),
                _ => None,
            },
            _ => {
                let v = state.value(name).trim();
                (!v.is_empty()).then(|| Json::String(v.to_string()))
            }
        }
    };
    for f in &record.fields {
        if let Type::List(r) = f.ty {
            let item = &book.schema.records[r as usize];
            let mut items = Vec::new();
            let mut rows = Vec::new();
            for row in 1..=state.rows.get(&f.name).copied().unwrap_or(1) {
                let mut m = Map::new();
                for g in &item.fields {
                    if let Some(v) = scalar(g, &format!("{}[{row}].{}", f.name, g.name)) {
                        m.insert(g.name.clone(), v);
                    }
                }
                if !m.is_empty() {
                    items.push(Json::Object(m));
                    rows.push(row);
                }
            }
            if !items.is_empty() {
                facts.insert(f.name.clone(), Json::Array(items));
            }
            rows_of.insert(f.name.clone(), rows);
        } else if let Some(v) = scalar(f, &f.name) {
            facts.insert(f.name.clone(), v);
        }
    }
    let mut case = Map::new();
    if !state.as_of.is_empty() {
        case.insert("as_of".into(), Json::String(state.as_of.clone()));
    }
    case.insert(subject.name.clone(), Json::Object(facts));
    (Json::Object(case).to_string(), rows_of)
}

/// The input a diagnostic is about: `rental_project.units[2].rent` is the rent of the form
/// row that gave the second item.
fn input_of(d: &Diagnostic, subject: &str, rows_of: &HashMap<String, Vec<usize>>) -> String {
    let Some(field) = &d.field else {
        return String::new();
    };
    if field == "as_of" {
        return "as_of".into();
    }
    let Some(path) = field
        .strip_prefix(subject)
        .and_then(|p| p.strip_prefix('.'))
    else {
        return String::new();
    };
    if let Some((list, rest)) = path.split_once('[')
        && let Some((n, tail)) = rest.split_once(']')
        && let Ok(n) = n.parse::<usize>()
        && let Some(row) = rows_of.get(list).and_then(|r| r.get(n.wrapping_sub(1)))
    {
        return format!("{list}[{row}]{tail}");
    }
    path.to_string()
}

/// A problem of the form beside its field: in Chinese, the Chinese sentence (which says what
/// was expected); in English, the message and its notes.
fn message(d: &Diagnostic, lang: Lang) -> String {
    if lang == Lang::Zh {
        return d.message_in(lang.words()).to_string();
    }
    let mut m = d.message.clone();
    if let Some(e) = &d.expected {
        let _ = write!(m, "; expected {e}");
    }
    if let Some(s) = &d.suggestion {
        let _ = write!(m, "; {s}");
    }
    m
}

/// Reads the form into a case, or records its problems in `state`.
fn read_form(
    book: &Rulebook,
    subject: &Subject,
    index: u16,
    state: &mut FormState,
    lang: Lang,
) -> Option<Case> {
    if !state.as_of.is_empty() && parse_date(&state.as_of).is_none() {
        let message = match lang {
            Lang::Zh => crate::case::not_a_date_zh("评估日期", &state.as_of),
            Lang::En => format!(
                "`{}` is not a real date in the form YYYY-MM-DD",
                state.as_of
            ),
        };
        state.errors.push(("as_of".into(), message));
        return None;
    }
    let (json, rows_of) = form_json(book, subject, index, state);
    match book.case_from_json(&json, "form") {
        Ok(case) => Some(case),
        Err(d) => {
            for d in &d.0 {
                state
                    .errors
                    .push((input_of(d, &subject.name, &rows_of), message(d, lang)));
            }
            None
        }
    }
}

fn find_subject<'b>(
    book: &'b Rulebook,
    name: &str,
    lang: Lang,
) -> Result<(u16, &'b Subject), Response> {
    book.schema.subject(name).ok_or_else(|| {
        let body = html! {
            h1 { (lang.t("没有这个对象", "No such subject")) }
            p { code { (name) } }
            p { a href={ "/?lang=" (lang.code()) } { (lang.t("返回首页", "Back to the home page")) } }
        };
        html_response(
            StatusCode::NOT_FOUND,
            page(lang, lang.t("没有这个对象", "No such subject"), "/", &[], body),
        )
    })
}

async fn form(
    State(state): State<AppState>,
    Path(subject): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let book = state.book;
    let lang = Lang::of(&q);
    let (index, s) = match find_subject(book, &subject, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut fs = FormState::from_pairs(&q);
    if fs.as_of.is_empty() {
        fs.as_of = today().to_string();
    }
    form_page(book, lang, index, s, &fs, &q, StatusCode::OK)
}

fn form_page(
    book: &Rulebook,
    lang: Lang,
    index: u16,
    s: &Subject,
    fs: &FormState,
    pairs: &[(String, String)],
    status: StatusCode,
) -> Response {
    let record = book.schema.record_of(index);
    let title = title_in(&s.title, lang);
    let body = html! {
        h1 { (title) }
        p.lead { (lang.t("每一项都可以不填：未知的事实请留空或选择“未知”。", "Every fact is optional: leave what you do not know empty, or choose “unknown”.")) }
        @if !fs.errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-h" tabindex="-1" #error-summary {
                h2 #error-summary-h { (lang.t("请更正以下问题", "Please correct these problems")) }
                ul {
                    @for (name, m) in &fs.errors {
                        li {
                            @if name.is_empty() { (m) } @else { a href={ "#" (input_id(name)) } { code { (name) } ": " (m) } }
                        }
                    }
                }
            }
        }
        form.case method="get" action={ "/check/" (s.name) } novalidate {
            input type="hidden" name="lang" value=(lang.code());
            // Enter in a field submits with the form's first submit button: this one, so that
            // it evaluates rather than adds a unit row.
            button.visually-hidden type="submit" tabindex="-1" aria-hidden="true" { (lang.t("计算", "Evaluate")) }
            div.field {
                label for="f-as-of" { (lang.t("评估日期", "Evaluation date")) }
                p.help #help-f-as-of { (lang.t("按哪一天施行的条款计算", "the day whose clauses in force apply")) " · YYYY-MM-DD" }
                (errors_markup(lang, fs, "as_of"))
                input #f-as-of type="date" name="as_of" value=(fs.as_of)
                    aria-describedby=(if fs.errors_of("as_of").is_empty() { "help-f-as-of" } else { "help-f-as-of err-f-as-of" })
                    aria-invalid=[(!fs.errors_of("as_of").is_empty()).then_some("true")];
            }
            @for f in &record.fields {
                @if let Type::List(r) = f.ty {
                    (list_markup(book, lang, f, &book.schema.records[r as usize].fields, fs))
                } @else {
                    (field_markup(book, lang, f, &f.name, fs))
                }
            }
            div.actions {
                button.primary type="submit" { (lang.t("计算", "Evaluate")) }
            }
        }
    };
    let mut res = html_response(
        status,
        page(lang, title, &format!("/form/{}", s.name), pairs, body),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn errors_markup(lang: Lang, fs: &FormState, name: &str) -> Markup {
    let errs = fs.errors_of(name);
    html! {
        @if !errs.is_empty() {
            p.error #{ "err-" (input_id(name)) } {
                span.visually-hidden { (lang.t("错误：", "Error: ")) }
                @for (i, e) in errs.iter().enumerate() {
                    @if i > 0 { br; }
                    (e)
                }
            }
        }
    }
}

fn unit_text(f: &Field, lang: Lang) -> String {
    match (f.unit_label.as_str(), lang) {
        ("m2", Lang::Zh) => "平方米 (m²)".into(),
        ("m2", Lang::En) => "m²".into(),
        ("CNY", Lang::Zh) => "元 (CNY)".into(),
        ("CNY", Lang::En) => "CNY".into(),
        ("int", Lang::Zh) => "整数".into(),
        ("int", Lang::En) => "whole number".into(),
        ("ratio", Lang::Zh) => "比例，如 0.3".into(),
        ("ratio", Lang::En) => "ratio, e.g. 0.3".into(),
        _ => String::new(),
    }
}

/// What the page calls a field: its label in the page's language (the schema's note when a
/// rule folder gives none).
fn field_label(f: &Field, lang: Lang) -> &str {
    if f.label.is_incomplete() {
        &f.doc
    } else {
        f.label.get(lang.words())
    }
}

/// What the page calls word `i` of word set `set`.
fn word_label(book: &Rulebook, set: u16, i: usize, lang: Lang) -> &str {
    let ws = &book.schema.word_sets[set as usize];
    match ws.labels.get(i) {
        Some(l) if !l.is_incomplete() => l.get(lang.words()),
        _ => ws.words.get(i).map_or("", String::as_str),
    }
}

fn bounds_text(f: &Field, lang: Lang) -> String {
    match (f.min, f.max) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        (Some(a), None) => format!("{} {a}", lang.t("不小于", "at least")),
        (None, Some(b)) => format!("{} {b}", lang.t("不大于", "at most")),
        (None, None) => String::new(),
    }
}

fn field_markup(book: &Rulebook, lang: Lang, f: &Field, name: &str, fs: &FormState) -> Markup {
    let id = input_id(name);
    let help = format!("help-{id}");
    let err = format!("err-{id}");
    let errs = !fs.errors_of(name).is_empty();
    let described = if errs {
        format!("{help} {err}")
    } else {
        help.clone()
    };
    let invalid = errs.then_some("true");
    let unit = unit_text(f, lang);
    let bounds = bounds_text(f, lang);
    html! {
        @match f.ty {
            Type::Bool => {
                fieldset.field.bool #(id) aria-describedby=(described) {
                    legend { (field_label(f, lang)) }
                    p.help #(help) { code { (f.name) } }
                    (errors_markup(lang, fs, name))
                    div.choices {
                        @for (value, zh, en) in [("yes", "是", "yes"), ("no", "否", "no"), ("", "未知", "unknown")] {
                            label {
                                input type="radio" name=(name) value=(value) checked[fs.value(name) == value];
                                " " (lang.t(zh, en))
                            }
                        }
                    }
                }
            }
            Type::Word(w) => {
                div.field {
                    label for=(id) { (field_label(f, lang)) }
                    p.help #(help) { code { (f.name) } }
                    (errors_markup(lang, fs, name))
                    select #(id) name=(name) aria-describedby=(described) aria-invalid=[invalid] {
                        option value="" selected[fs.value(name).is_empty()] { (lang.t("未知", "unknown")) }
                        @for (i, word) in book.schema.word_sets[w as usize].words.iter().enumerate() {
                            option value=(word) selected[fs.value(name) == word] { (word_label(book, w, i, lang)) }
                        }
                    }
                }
            }
            Type::Words(w) => {
                fieldset.field #(id) aria-describedby=(described) {
                    legend { (field_label(f, lang)) }
                    p.help #(help) { code { (f.name) } }
                    (errors_markup(lang, fs, name))
                    div.choices {
                        @for (i, word) in book.schema.word_sets[w as usize].words.iter().enumerate() {
                            label {
                                input type="checkbox" name=(name) value=(word) checked[fs.has(name, word)];
                                " " (word_label(book, w, i, lang))
                            }
                        }
                    }
                }
            }
            Type::Date => {
                div.field {
                    label for=(id) { (field_label(f, lang)) }
                    p.help #(help) { code { (f.name) } " · YYYY-MM-DD" }
                    (errors_markup(lang, fs, name))
                    input #(id) type="date" name=(name) value=(fs.value(name)) aria-describedby=(described) aria-invalid=[invalid];
                }
            }
            _ => {
                div.field {
                    label for=(id) { (field_label(f, lang)) @if !unit.is_empty() { " (" (unit) ")" } }
                    p.help #(help) { code { (f.name) } @if !bounds.is_empty() { " · " (bounds) } }
                    (errors_markup(lang, fs, name))
                    input #(id) type="text" inputmode=(if f.integer { "numeric" } else { "decimal" })
                        name=(name) value=(fs.value(name)) autocomplete="off"
                        aria-describedby=(described) aria-invalid=[invalid];
                }
            }
        }
    }
}

fn row_markup(
    book: &Rulebook,
    lang: Lang,
    list: &Field,
    items: &[Field],
    row: &str,
    fs: &FormState,
) -> Markup {
    html! {
        fieldset.row {
            legend { (lang.t("户型", "Unit type")) " " (row) }
            @for g in items {
                (field_markup(book, lang, g, &format!("{}[{row}].{}", list.name, g.name), fs))
            }
        }
    }
}

fn list_markup(book: &Rulebook, lang: Lang, f: &Field, items: &[Field], fs: &FormState) -> Markup {
    let rows = fs.rows.get(&f.name).copied().unwrap_or(1);
    let list_id = format!("rows-{}", f.name);
    let count_id = format!("count-{}", f.name);
    html! {
        fieldset.field.list {
            legend { (field_label(f, lang)) }
            p.help { code { (f.name) } }
            input #(count_id) type="hidden" name={ "rows." (f.name) } value=(rows);
            div #(list_id) {
                @for row in 1..=rows {
                    (row_markup(book, lang, f, items, &row.to_string(), fs))
                }
            }
            template #{ "template-" (f.name) } {
                (row_markup(book, lang, f, items, "__N__", &FormState::default()))
            }
            button.secondary type="submit" name="add_row" value=(f.name)
                data-add-row=(list_id) data-template={ "template-" (f.name) } data-rows=(count_id) {
                (lang.t("添加一行", "Add a row"))
            }
            script src="/assets/form.js" defer {}
        }
    }
}

async fn check(
    State(state): State<AppState>,
    Path(subject): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let book = state.book;
    let lang = Lang::of(&q);
    let (index, s) = match find_subject(book, &subject, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut fs = FormState::from_pairs(&q);
    if q.iter().any(|(k, _)| k == "add_row") {
        return form_page(book, lang, index, s, &fs, &q, StatusCode::OK);
    }
    let Some(case) = read_form(book, s, index, &mut fs, lang) else {
        return form_page(
            book,
            lang,
            index,
            s,
            &fs,
            &q,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let as_of = case.as_of.unwrap_or_else(today);
    match book.evaluate_with_changes(&case, as_of) {
        Ok(report) => result_page(book, lang, s, &report, &q),
        Err(e) => {
            // A date fact after the evaluation date: beside the fact, and at the top.
            let mut placed = false;
            for fact in &e.facts {
                if let Some((name, _)) = fact.split_once(" = ")
                    && fs.values.contains_key(name)
                {
                    fs.errors
                        .push((name.to_string(), e.message_in(lang.words())));
                    placed = true;
                }
            }
            if !placed {
                fs.errors.push((String::new(), e.message_in(lang.words())));
            }
            form_page(
                book,
                lang,
                index,
                s,
                &fs,
                &q,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

fn outcome_label(o: Outcome, lang: Lang) -> &'static str {
    match o {
        Outcome::Eligible => lang.t("符合条件", "eligible"),
        Outcome::NotEligible => lang.t("不符合条件", "not eligible"),
        Outcome::Compliant => lang.t("符合", "compliant"),
        Outcome::NonCompliant => lang.t("不符合", "non-compliant"),
        Outcome::Required => lang.t("须满足", "required"),
        Outcome::Computed => lang.t("已计算", "computed"),
        Outcome::Met => lang.t("已达成", "met"),
        Outcome::NotMet => lang.t("未达成", "not met"),
        Outcome::OnTrack => lang.t("进度达标", "on track"),
        Outcome::Behind => lang.t("进度落后", "behind"),
        Outcome::NotApplicable => lang.t("不适用", "not applicable"),
        Outcome::NotInForce => lang.t("不在有效期内", "not in force"),
        Outcome::Undetermined => lang.t("待定", "undetermined"),
    }
}

fn quantity(value: &str, unit: &str, lang: Lang) -> String {
    crate::words::figure(value, unit, lang.words())
}

fn result_page(
    book: &Rulebook,
    lang: Lang,
    s: &Subject,
    report: &Report,
    pairs: &[(String, String)],
) -> Response {
    let title = title_in(&s.title, lang);
    let qs = query_string(&with_lang(pairs, lang));
    let edit = format!("/form/{}?{qs}", s.name);
    let body = html! {
        h1 { (title) ": " (lang.t("结果", "result")) }
        p.lead { (lang.t("评估日期", "Evaluated on")) " " time datetime=(report.as_of) { (report.as_of) } }
        p.actions.no-print {
            a href=(edit) { (lang.t("修改事实", "Change the facts")) }
            " · "
            a href={ "/download/" (s.name) ".toml?" (qs) } download={ (s.name) ".toml" } { (lang.t("下载 TOML 案件文件", "Download the case as TOML")) }
            " · "
            a href={ "/download/" (s.name) ".json?" (qs) } download={ (s.name) ".json" } { (lang.t("下载 JSON 案件文件", "Download the case as JSON")) }
        }
        @for (gi, g) in GROUPS.iter().enumerate() {
            @let rs: Vec<&ClauseResult> = report.results.iter().filter(|r| g.outcomes.contains(&r.outcome)).collect();
            @if !rs.is_empty() {
                section.group aria-labelledby={ "g" (gi) } {
                    h2 #{ "g" (gi) } { (lang.t(g.zh, g.en)) " (" (rs.len()) ")" }
                    @for r in rs {
                        (result_markup(lang, r, (book, &report.subject)))
                    }
                }
            }
        }
    };
    let mut res = html_response(
        StatusCode::OK,
        page(lang, title, &format!("/check/{}", s.name), pairs, body),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let _ = book;
    res
}

fn result_markup(lang: Lang, r: &ClauseResult, (book, subject): (&Rulebook, &str)) -> Markup {
    let wl = lang.words();
    let names = crate::words::Names::new(book, subject, &r.clause);
    html! {
        article.result data-clause=(r.clause) data-outcome=(r.outcome.name()) {
            h3 {
                a href={ "/clause/" (r.clause) "?lang=" (lang.code()) } { (r.clause) }
                " "
                span class={ "badge " (r.outcome.name()) } { (outcome_label(r.outcome, lang)) }
            }
            @if let Some(a) = &r.amount {
                p.amount { (quantity(a.value(), a.unit(), lang)) }
            }
            p.cite { (r.number) " " (r.section) }
            blockquote lang="zh-Hans" { (r.quote) }
            @if !r.values.0.is_empty() {
                dl.values {
                    @for (k, q) in &r.values.0 {
                        dt title=(k) { (names.value(k, wl)) }
                        dd { (quantity(q.value(), q.unit(), lang)) }
                    }
                }
            }
            @if !r.reasons.is_empty() {
                details open[!matches!(r.outcome, Outcome::NotApplicable | Outcome::NotInForce)] {
                    summary { (lang.t("理由", "Reasons")) }
                    // Each reason in words; its line of the rule language on hover.
                    ul.reasons { @for x in r.reasons.iter() { li title=(x.logic()) { (x.text(wl)) } } }
                }
            }
            @if !r.missing.is_empty() {
                p.missing {
                    (lang.t("尚需以下事实：", "Facts that would decide: "))
                    @for (i, m) in r.missing.iter().enumerate() {
                        @if i > 0 { (lang.t("、", ", ")) }
                        span title=(m) { (names.fact(m, wl)) }
                    }
                }
            }
            @if !r.changes.is_empty() || !r.margin.is_empty() {
                details.changes open {
                    summary { (lang.t("什么会改变结果", "What would change it")) }
                    ul {
                        @for c in &r.changes {
                            li { (crate::words::change_sentence(c, false, &names, wl, outcome_label(c.outcome, lang))) }
                        }
                        @for c in &r.margin {
                            li { (crate::words::change_sentence(c, true, &names, wl, outcome_label(c.outcome, lang))) }
                        }
                    }
                }
            }
        }
    }
}

async fn clause_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let book = state.book;
    let lang = Lang::of(&q);
    let Some(c) = book.clause(&id).next() else {
        let body = html! {
            h1 { (lang.t("没有这个条款", "No such clause")) }
            p { code { (id) } }
            p { a href={ "/?lang=" (lang.code()) } { (lang.t("返回首页", "Back to the home page")) } }
        };
        return html_response(
            StatusCode::NOT_FOUND,
            page(
                lang,
                lang.t("没有这个条款", "No such clause"),
                "/",
                &q,
                body,
            ),
        );
    };
    html_response(
        StatusCode::OK,
        page(
            lang,
            &c.id,
            &format!("/clause/{}", c.id),
            &q,
            clause_markup(book, lang, c),
        ),
    )
}

fn clause_markup(book: &Rulebook, lang: Lang, c: &Clause) -> Markup {
    let d = &book.documents[c.document];
    let subject = &book.schema.subjects[c.subject as usize];
    html! {
        h1 { code { (c.id) } }
        p.cite { (d.number) " " (c.section) " · " (d.title) }
        p {
            (lang.t("对象", "Subject")) ": "
            a href={ "/form/" (subject.name) "?lang=" (lang.code()) } { (title_in(&subject.title, lang)) }
            " · " (lang.t("类型", "Kind")) ": " (c.kind.name())
            " · " (lang.t("施行期间", "In force")) ": " (d.from) " – " @if let Some(u) = d.until { (u) }
        }
        @if !c.summary.is_empty() { p lang="en" { (c.summary) } }
        h2 { (lang.t("原文", "Quote")) }
        blockquote lang="zh-Hans" { (c.quote) }
        @for q in &c.quotes { blockquote lang="zh-Hans" { (q) } }
        h2 { (lang.t("逻辑", "Logic")) }
        dl.logic {
            @for (label, text) in &c.logic {
                dt { (label) }
                dd { code { (text.split_whitespace().collect::<Vec<_>>().join(" ")) } }
            }
            @if let Some(a) = &c.amount {
                dt { (lang.t("金额取整", "Rounding of the amount")) }
                dd { (a.round.name()) }
            }
        }
        @let params = c.params_used();
        @if !params.is_empty() {
            h2 { (lang.t("参数", "Parameters")) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("名称", "Name")) }
                        th scope="col" { (lang.t("取值", "Value")) }
                        th scope="col" { (lang.t("起", "From")) }
                        th scope="col" { (lang.t("止", "Until")) }
                    } }
                    tbody {
                        @for i in params {
                            @if let Some(p) = book.params.get(i as usize) {
                                @for v in &p.versions {
                                    tr {
                                        td { code { (&*p.name) } }
                                        td { (show_value(book, p.ty, v.value)) }
                                        td { (v.from) }
                                        td { @if let Some(u) = v.until { (u) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !c.readings.is_empty() {
            h2 { (lang.t("解读", "Readings")) }
            @for r in &c.readings {
                div.reading {
                    p { "“" (r.text) "”" }
                    p { strong { (lang.t("采用：", "Chosen: ")) } (r.chosen) }
                    p { strong { (lang.t("不采用：", "Rejected: ")) } (r.rejected) }
                }
            }
        }
    }
}

/// The case as the pairs of its form.
fn case_pairs(book: &Rulebook, case: &Case, lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![("lang".to_string(), lang.code().to_string())];
    if let Some(d) = case.as_of {
        out.push(("as_of".into(), d.to_string()));
    }
    let record = book.schema.record_of(case.subject);
    let push = |name: String, f: &Field, v: &Value, out: &mut Vec<(String, String)>| match (v, f.ty)
    {
        (Value::Bool(b), _) => out.push((name, if *b { "yes" } else { "no" }.into())),
        (Value::Words(bits), Type::Words(w)) => {
            for (i, word) in book.schema.word_sets[w as usize].words.iter().enumerate() {
                if bits.has(i as u16) {
                    out.push((name.clone(), word.clone()));
                }
            }
        }
        (v, ty) => out.push((name, fact_text(book, ty, *v))),
    };
    for (i, f) in record.fields.iter().enumerate() {
        if let Type::List(r) = f.ty {
            let item = &book.schema.records[r as usize];
            if let Some(Some(items)) = case.facts.lists.get(i) {
                out.push((format!("rows.{}", f.name), items.len().max(1).to_string()));
                for (k, slots) in items.iter().enumerate() {
                    for (g, v) in item.fields.iter().zip(slots) {
                        if let Some(v) = v {
                            push(format!("{}[{}].{}", f.name, k + 1, g.name), g, v, &mut out);
                        }
                    }
                }
            }
        } else if let Some(Some(v)) = case.facts.values.get(i) {
            push(f.name.clone(), f, v, &mut out);
        }
    }
    out
}

/// A fact as a case file writes it, without quotes: `180.55`, `steel`, `2023-03-01`.
fn fact_text(book: &Rulebook, ty: Type, v: Value) -> String {
    match (v, ty) {
        (Value::Num(d), _) => d.to_string(),
        (Value::Date(d), _) => d.to_string(),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Word(w), Type::Word(s)) => {
            book.schema.word_sets[s as usize].words[w as usize].clone()
        }
        (other, _) => format!("{other:?}"),
    }
}

fn toml_value(book: &Rulebook, f: &Field, v: &Value) -> String {
    match (v, f.ty) {
        (Value::Word(_), _) => format!("\"{}\"", fact_text(book, f.ty, *v)),
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
        _ => fact_text(book, f.ty, *v),
    }
}

/// The case as a TOML case file. Numbers are written from their exact decimals.
fn case_toml(book: &Rulebook, case: &Case) -> String {
    let mut s = String::new();
    if let Some(d) = case.as_of {
        let _ = writeln!(s, "as_of = {d}\n");
    }
    let record = book.schema.record_of(case.subject);
    let _ = writeln!(s, "[{}]", case.subject_name);
    let mut lists = String::new();
    for (i, f) in record.fields.iter().enumerate() {
        if let Type::List(r) = f.ty {
            let item = &book.schema.records[r as usize];
            if let Some(Some(items)) = case.facts.lists.get(i) {
                for slots in items {
                    let _ = writeln!(lists, "\n[[{}.{}]]", case.subject_name, f.name);
                    for (g, v) in item.fields.iter().zip(slots) {
                        if let Some(v) = v {
                            let _ = writeln!(lists, "{} = {}", g.name, toml_value(book, g, v));
                        }
                    }
                }
            }
        } else if let Some(Some(v)) = case.facts.values.get(i) {
            let _ = writeln!(s, "{} = {}", f.name, toml_value(book, f, v));
        }
    }
    s.push_str(&lists);
    s
}

fn json_value(book: &Rulebook, f: &Field, v: &Value) -> String {
    match (v, f.ty) {
        (Value::Word(_) | Value::Date(_), _) => format!("\"{}\"", fact_text(book, f.ty, *v)),
        // A number as its exact decimal text: the reader takes it exactly.
        _ => toml_value(book, f, v),
    }
}

/// The case as a JSON case file.
fn case_json(book: &Rulebook, case: &Case) -> String {
    let mut parts = Vec::new();
    let record = book.schema.record_of(case.subject);
    for (i, f) in record.fields.iter().enumerate() {
        if let Type::List(r) = f.ty {
            let item = &book.schema.records[r as usize];
            if let Some(Some(items)) = case.facts.lists.get(i) {
                let items: Vec<String> = items
                    .iter()
                    .map(|slots| {
                        let kv: Vec<String> = item
                            .fields
                            .iter()
                            .zip(slots)
                            .filter_map(|(g, v)| {
                                v.as_ref()
                                    .map(|v| format!("\"{}\": {}", g.name, json_value(book, g, v)))
                            })
                            .collect();
                        format!("{{{}}}", kv.join(", "))
                    })
                    .collect();
                parts.push(format!("\"{}\": [{}]", f.name, items.join(", ")));
            }
        } else if let Some(Some(v)) = case.facts.values.get(i) {
            parts.push(format!("\"{}\": {}", f.name, json_value(book, f, v)));
        }
    }
    let as_of = case
        .as_of
        .map(|d| format!("\"as_of\": \"{d}\", "))
        .unwrap_or_default();
    format!(
        "{{{as_of}\"{}\": {{{}}}}}\n",
        case.subject_name,
        parts.join(", ")
    )
}

async fn download(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let book = state.book;
    let lang = Lang::of(&q);
    let (subject, toml) = match (file.strip_suffix(".toml"), file.strip_suffix(".json")) {
        (Some(s), _) => (s, true),
        (_, Some(s)) => (s, false),
        _ => {
            return Problem::new(StatusCode::NOT_FOUND, "not found")
                .detail("a case downloads as SUBJECT.toml or SUBJECT.json")
                .into_response();
        }
    };
    let (index, s) = match find_subject(book, subject, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut fs = FormState::from_pairs(&q);
    let Some(case) = read_form(book, s, index, &mut fs, lang) else {
        return form_page(
            book,
            lang,
            index,
            s,
            &fs,
            &q,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let (text, ct) = if toml {
        (case_toml(book, &case), "application/toml")
    } else {
        (case_json(book, &case), "application/json")
    };
    let mut res = text.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The parts of a `multipart/form-data` body, as (name, content): enough for a form of a file
/// and a few fields.
fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    let start = find(rest, delim.as_bytes())?;
    rest = &rest[start + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let name = head
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| {
                n.split("\r\n")
                    .next()
                    .unwrap_or(n)
                    .trim_matches('"')
                    .to_string()
            })?;
        let content = &rest[head_end + 4..];
        let end = find(content, format!("\r\n{delim}").as_bytes())?;
        parts.push((name, content[..end].to_vec()));
        rest = &content[end + 2 + delim.len()..];
    }
    Some(parts)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn upload(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let book = state.book;
    let bytes = match read_body(body, state.limits.body_bytes).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = multipart(ct, &bytes).unwrap_or_default();
    let lang = match parts
        .iter()
        .find(|(n, _)| n == "lang")
        .map(|(_, v)| v.as_slice())
    {
        Some(b"en") => Lang::En,
        _ => Lang::Zh,
    };
    let file = parts.iter().find(|(n, _)| n == "case").map(|(_, v)| v);
    let problem = |status: StatusCode, items: Vec<String>| {
        let body = html! {
            h1 { (lang.t("案件文件无法读取", "The case file cannot be read")) }
            div.error-summary role="alert" {
                ul { @for i in &items { li { (i) } } }
            }
            p { a href={ "/?lang=" (lang.code()) } { (lang.t("返回首页", "Back to the home page")) } }
        };
        html_response(
            status,
            page(
                lang,
                lang.t("案件文件无法读取", "The case file cannot be read"),
                "/",
                &[],
                body,
            ),
        )
    };
    let Some(file) = file.filter(|f| !f.iter().all(u8::is_ascii_whitespace)) else {
        return problem(
            StatusCode::BAD_REQUEST,
            vec![
                lang.t(
                    "没有选择文件，或文件为空。",
                    "No file was chosen, or it is empty.",
                )
                .into(),
            ],
        );
    };
    let Ok(text) = std::str::from_utf8(file) else {
        return problem(
            StatusCode::BAD_REQUEST,
            vec![
                lang.t("文件不是 UTF-8 文本。", "The file is not UTF-8 text.")
                    .into(),
            ],
        );
    };
    match book.case_from_text(text, "upload") {
        Ok(case) => {
            let pairs = case_pairs(book, &case, lang);
            Redirect::to(&format!(
                "/check/{}?{}",
                case.subject_name,
                query_string(&pairs)
            ))
            .into_response()
        }
        Err(d) => {
            let p = Problem::from_diagnostics(d, lang.words());
            let lines = p.detail.clone().unwrap_or_default();
            problem(p.status(), lines.lines().map(String::from).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\nen\r\n--XyZ\r\nContent-Disposition: form-data; name=\"case\"; filename=\"a.toml\"\r\nContent-Type: application/octet-stream\r\n\r\n[tenant]\r\nrent = 1\r\n--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], ("lang".into(), b"en".to_vec()));
        assert_eq!(parts[1], ("case".into(), b"[tenant]\r\nrent = 1".to_vec()));
        assert!(multipart("multipart/form-data", body).is_none());
    }

    /// A reason in the page's language (the Chinese phrases themselves: `words`' tests).
    #[test]
    fn thousands_and_encoding() {
        assert_eq!(crate::reason::thousands("-1234567"), "-1,234,567");
        assert_eq!(enc("units[1].rent"), "units%5B1%5D.rent");
        assert_eq!(enc("绍"), "%E7%BB%8D");
    }
}
