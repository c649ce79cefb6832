//! API v1: `POST /v1/check`, `POST /v1/check/batch`, the rulebook (`/v1/documents`,
//! `/v1/clauses`, `/v1/subjects`), `/openapi.json`, `/healthz`, `/readyz`.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde_json::{Value as Json, json};

use super::query::{check_query, either, parse_date};
use super::{AppState, Problem, read_body};
use crate::Rulebook;
use crate::case::Case;
use crate::eval::CompactReport;
use crate::expr::Value;
use crate::rulebook::{Clause, Document};
use crate::schema::{Field, Record};
use crate::units::Type;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/check", post(check))
        .route("/v1/check/batch", post(batch))
        .route("/v1/timeline", post(timeline))
        .route("/v1/documents", get(documents))
        .route("/v1/clauses", get(clauses))
        .route("/v1/clauses/{id}", get(clause))
        .route("/v1/subjects", get(subjects))
        .route("/v1/subjects/{subject}", get(subject))
        .route("/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut res = (status, body.into()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The case formats a request body may be in, by its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Toml,
    JsonLines,
}

fn format_of(headers: &HeaderMap) -> Result<Format, Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Ok(Format::Json),
        "application/toml" | "text/toml" | "application/x-toml" => Ok(Format::Toml),
        "application/jsonl"
        | "application/x-ndjson"
        | "application/json-lines"
        | "application/x-jsonlines" => Ok(Format::JsonLines),
        _ => Err(unsupported(&if ct.is_empty() {
            "no Content-Type: a case is application/json or application/toml, a batch application/jsonl".to_string()
        } else {
            format!(
                "`{ct}`: a case is application/json or application/toml, a batch application/jsonl"
            )
        })),
    }
}

fn text_of(bytes: Vec<u8>) -> Result<String, Problem> {
    String::from_utf8(bytes).map_err(|e| Problem {
        kind: "/problems/malformed-case".into(),
        ..Problem::new(StatusCode::BAD_REQUEST, "the case is malformed").detail(format!(
            "the body is not UTF-8 text (invalid at byte {}); a case is TOML or JSON text",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Reads one case from a body of the given format.
pub(crate) fn read_case(
    book: &Rulebook,
    text: &str,
    json: bool,
    lang: crate::labels::Lang,
) -> Result<Case, Problem> {
    if text.trim().is_empty() {
        return Err(Problem {
            kind: "/problems/malformed-case".into(),
            ..Problem::new(StatusCode::BAD_REQUEST, "the case is malformed").detail(
                "the body is empty; a case names one subject, e.g. {\"rural_housing\": {...}}",
            )
        });
    }
    let case = if json {
        book.case_from_json(text, "<body>")
    } else {
        book.case_from_toml(text, "<body>")
    };
    case.map_err(|d| Problem::from_diagnostics(d, lang))
}

pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A 415: the body's content type is not one this endpoint takes (`detail` says which).
fn unsupported(detail: &str) -> Problem {
    Problem {
        kind: "/problems/unsupported-media-type".into(),
        ..Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unknown content type").detail(detail)
    }
}

/// The one case a request's body holds, JSON or TOML by its content type; JSON Lines are a
/// 415 with `lines` as the detail (where they go instead).
async fn one_case(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    lines: &str,
    lang: crate::labels::Lang,
) -> Result<Case, Problem> {
    let format = format_of(headers)?;
    if format == Format::JsonLines {
        return Err(unsupported(lines));
    }
    let text = text_of(read_body(body, state.limits.body_bytes).await?)?;
    read_case(state.book, &text, format == Format::Json, lang)
}

async fn check(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let q = check_query(&q, true)?;
    let book = state.book;
    let case = one_case(
        &state,
        &headers,
        body,
        "JSON Lines go to POST /v1/check/batch; /v1/check takes one case",
        q.words(),
    )
    .await?;
    let as_of = q.as_of.or(case.as_of).unwrap_or_else(today);
    q.needs_full()?;
    if q.full {
        let report = if q.changes {
            book.evaluate_with_changes(&case, as_of)
        } else {
            book.evaluate(&case, as_of)
        }
        .map_err(|e| Problem::from_evaluation(e, q.words()))?;
        let mut report = report;
        report.set_language(q.words());
        report.set_why(q.why);
        Ok(json_response(
            StatusCode::OK,
            crate::report_json::to_vec(&report),
        ))
    } else {
        let mut report = CompactReport::new();
        book.evaluate_compact(&case, as_of, &mut report)
            .map_err(|e| Problem::from_evaluation(e, q.words()))?;
        let mut out = Vec::with_capacity(1024);
        report.append_json(None, &mut out);
        Ok(json_response(StatusCode::OK, out))
    }
}

/// `POST /v1/timeline`: one case (JSON, or TOML by content type); `from` and `to` (dates,
/// default the rulebook's range) in the query. The answer is the timeline of the case, as
/// `policy-calc timeline --format json` prints it.
async fn timeline(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let (first, last) = crate::timeline::default_range(state.book);
    let (mut from, mut to) = (first, last);
    for (k, v) in &q {
        let day = || {
            parse_date(v).ok_or_else(|| {
                Problem::bad_request(
                    "bad query parameter",
                    format!("`{k}={v}` is not a real date in the form YYYY-MM-DD"),
                )
            })
        };
        match k.as_str() {
            "from" => from = day()?,
            "to" => to = day()?,
            other => {
                return Err(Problem::bad_request(
                    "unknown query parameter",
                    format!("`{other}` is not a parameter here (from, to)"),
                ));
            }
        }
    }
    let case = one_case(
        &state,
        &headers,
        body,
        "a timeline is of one case: JSON or TOML",
        crate::labels::Lang::En,
    )
    .await?;
    match crate::timeline::timeline(state.book, &case, from, to) {
        Ok(t) => Ok(json_response(
            StatusCode::OK,
            serde_json::to_string(&t).unwrap_or_default(),
        )),
        Err(crate::timeline::TimelineError::Evaluation(e)) => {
            Err(Problem::from_evaluation(e, crate::labels::Lang::En))
        }
        Err(e) => Err(Problem::bad_request("bad range", e.to_string())),
    }
}

/// JSON Lines in, JSON Lines out, as `check --batch` writes them (compact unless
/// `report=full`), streamed both ways: each line is answered as soon as it has come (see
/// [`super::batch`]). A bad line gives `{"line":N,"errors":[...]}` in its place, and the other
/// lines still run. A body announced larger than the limit is a 413 before any line is read.
async fn batch(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let q = check_query(&q, false)?;
    q.needs_full()?;
    let format = format_of(&headers)?;
    if format == Format::Toml {
        return Err(unsupported(
            "a batch is JSON Lines (application/jsonl), one JSON case a line",
        ));
    }
    let limit = state.limits.body_bytes;
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
    {
        return Err(super::too_large(limit));
    }
    let bounds = super::batch::Bounds {
        body_bytes: limit,
        line_bytes: state.limits.line_bytes,
        idle: state.limits.timeout,
    };
    let mut res = Response::new(super::batch::answer(state.book, q, today(), bounds, body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jsonl"),
    );
    res.extensions_mut().insert(super::Streamed);
    Ok(res)
}

pub(crate) fn window(d: &Document) -> Json {
    json!({ "from": d.from, "until": d.until })
}

pub(crate) fn documents_json(book: &Rulebook) -> Json {
    Json::Array(
        book.documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                json!({
                    "id": d.id,
                    "number": d.number,
                    "title": d.title,
                    "short_title": d.short_title,
                    "issued": d.issued,
                    "in_force": window(d),
                    "computable": d.computable,
                    "note": d.note,
                    "clauses": book.clauses.iter().filter(|c| c.document == i).count(),
                })
            })
            .collect(),
    )
}

async fn documents(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, documents_json(state.book).to_string())
}

fn subject_name(book: &Rulebook, c: &Clause) -> String {
    book.schema.subjects[c.subject as usize].name.clone()
}

pub(crate) fn clause_brief(book: &Rulebook, c: &Clause) -> Json {
    let d = &book.documents[c.document];
    json!({
        "id": c.id,
        "subject": subject_name(book, c),
        "kind": c.kind.name(),
        "document": d.id,
        "number": d.number,
        "section": c.section,
        "summary": c.summary,
    })
}

async fn clauses(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let book = state.book;
    let lang = lang_only(&q, &["subject"])?;
    let subject = q.get("subject").map(String::as_str);
    if let Some(v) = subject
        && book.schema.subject(v).is_none()
    {
        return Err(unknown_subject(book, v, lang));
    }
    let list: Vec<Json> = book
        .clauses
        .iter()
        .filter(|c| subject.is_none_or(|s| book.schema.subjects[c.subject as usize].name == s))
        .map(|c| clause_brief(book, c))
        .collect();
    Ok(json_response(StatusCode::OK, Json::Array(list).to_string()))
}

/// The language of a rulebook endpoint's errors (`lang`, Chinese unless `en`, as for the
/// report); a parameter other than `lang` and `also` is a 400.
fn lang_only(q: &HashMap<String, String>, also: &[&str]) -> Result<crate::labels::Lang, Problem> {
    for k in q.keys() {
        if k != "lang" && !also.contains(&k.as_str()) {
            let mut known = also.to_vec();
            known.push("lang");
            return Err(Problem::bad_request(
                "unknown query parameter",
                format!("`{k}` is not a parameter here ({})", known.join(", ")),
            ));
        }
    }
    match q.get("lang") {
        Some(v) if either("lang", v, "en", "zh")? => Ok(crate::labels::Lang::En),
        _ => Ok(crate::labels::Lang::Zh),
    }
}

fn unknown_subject(book: &Rulebook, s: &str, lang: crate::labels::Lang) -> Problem {
    let names: Vec<&str> = book
        .schema
        .subjects
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    let hint = crate::schema::suggest(s, names.iter().copied());
    let detail = match lang {
        crate::labels::Lang::En => format!(
            "no subject `{s}`{}; the subjects are: {}",
            hint.map(|x| format!(" (did you mean `{x}`?)"))
                .unwrap_or_default(),
            names.join(", ")
        ),
        crate::labels::Lang::Zh => format!(
            "没有{}这一对象{}；对象为：{}",
            crate::case::quote_zh(s),
            hint.map(|x| format!("（是否想查{}？）", crate::case::quote_zh(x)))
                .unwrap_or_default(),
            crate::case::subjects_zh(&book.schema)
        ),
    };
    Problem {
        kind: "/problems/unknown-subject".into(),
        ..Problem::new(StatusCode::NOT_FOUND, "unknown subject").detail(detail)
    }
}

/// A parameter's value as the catalogue writes it: `200 CNY/m2`, `2%`-free exact decimals.
pub(crate) fn show_value(book: &Rulebook, ty: Type, v: Value) -> String {
    match (v, ty) {
        (Value::Num(d), Type::Num(u)) if u.is_one() => d.normalize().to_string(),
        (Value::Num(d), Type::Num(u)) => format!("{} {u}", d.normalize()),
        (Value::Date(d), _) => d.to_string(),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Word(w), Type::Word(s)) => book
            .schema
            .word_sets
            .get(s as usize)
            .and_then(|ws| ws.words.get(w as usize))
            .cloned()
            .unwrap_or_default(),
        (other, _) => format!("{other:?}"),
    }
}

pub(crate) fn clause_json(book: &Rulebook, c: &Clause) -> Json {
    let d = &book.documents[c.document];
    let params: Vec<Json> = c
        .params_used()
        .into_iter()
        .filter_map(|i| book.params.get(i as usize))
        .map(|p| {
            json!({
                "name": &*p.name,
                "versions": p.versions.iter().map(|v| json!({
                    "from": v.from,
                    "until": v.until,
                    "value": show_value(book, p.ty, v.value),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": c.id,
        "subject": subject_name(book, c),
        "kind": c.kind.name(),
        "document": d.id,
        "number": d.number,
        "document_title": d.short_title,
        "section": c.section,
        "in_force": window(d),
        "summary": c.summary,
        "quote": c.quote,
        "quotes": c.quotes,
        "logic": c.logic.iter().map(|(label, text)| json!({
            "label": label,
            "text": text.split_whitespace().collect::<Vec<_>>().join(" "),
        })).collect::<Vec<_>>(),
        "rounding": c.amount.as_ref().map(|a| a.round.name()),
        "parameters": params,
        "readings": c.readings.iter().map(|r| json!({
            "text": r.text, "chosen": r.chosen, "rejected": r.rejected,
        })).collect::<Vec<_>>(),
    })
}

fn unknown_clause(book: &Rulebook, id: &str, lang: crate::labels::Lang) -> Problem {
    let hint = crate::schema::suggest(id, book.clauses.iter().map(|c| c.id.as_str()));
    let detail = match lang {
        crate::labels::Lang::En => format!(
            "no clause `{id}`{}; GET /v1/clauses lists them",
            hint.map(|x| format!(" (did you mean `{x}`?)"))
                .unwrap_or_default()
        ),
        crate::labels::Lang::Zh => format!(
            "没有{}这一条款{}；{}列出全部条款",
            crate::case::quote_zh(id),
            hint.map(|x| format!("（是否想查{}？）", crate::case::quote_zh(x)))
                .unwrap_or_default(),
            crate::case::quote_zh("GET /v1/clauses")
        ),
    };
    Problem {
        kind: "/problems/unknown-clause".into(),
        ..Problem::new(StatusCode::NOT_FOUND, "unknown clause").detail(detail)
    }
}

async fn clause(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let book = state.book;
    let lang = lang_only(&q, &[])?;
    let c = book
        .clause(&id)
        .next()
        .ok_or_else(|| unknown_clause(book, &id, lang))?;
    Ok(json_response(
        StatusCode::OK,
        clause_json(book, c).to_string(),
    ))
}

/// A bound as a JSON number when it is whole (exact in JSON), else as a string.
fn bound(d: rust_decimal::Decimal) -> Json {
    if d.fract().is_zero()
        && let Ok(i) = i64::try_from(d)
    {
        return json!(i);
    }
    json!(d.to_string())
}

pub(crate) fn field_json(book: &Rulebook, f: &Field) -> Json {
    let mut v = json!({
        "name": f.name,
        "type": type_name(f),
        "unit": f.unit_label,
        "doc": f.doc,
    });
    if let Some(m) = f.min {
        v["min"] = bound(m);
    }
    if let Some(m) = f.max {
        v["max"] = bound(m);
    }
    match f.ty {
        Type::Word(w) | Type::Words(w) => {
            v["words"] = json!(book.schema.word_sets[w as usize].words);
        }
        Type::List(r) => {
            v["item"] = record_json(book, &book.schema.records[r as usize]);
        }
        _ => {}
    }
    v
}

/// The field's type as `rules/subjects.toml` names it.
pub(crate) fn type_name(f: &Field) -> &'static str {
    match f.ty {
        Type::Bool => "bool",
        Type::Date => "date",
        Type::Num(_) if f.integer => "int",
        Type::Num(u) if u.is_one() => "ratio",
        Type::Num(_) => "number",
        Type::Duration => "duration",
        Type::Word(_) => "word",
        Type::Words(_) => "words",
        Type::List(_) => "list",
    }
}

fn record_json(book: &Rulebook, r: &Record) -> Json {
    Json::Array(r.fields.iter().map(|f| field_json(book, f)).collect())
}

async fn subjects(State(state): State<AppState>) -> Response {
    let book = state.book;
    let list: Vec<Json> = book
        .schema
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "name": s.name,
                "title": s.title,
                "fields": book.schema.record_of(i as u16).fields.len(),
                "clauses": book.by_subject.get(i).map_or(0, Vec::len),
            })
        })
        .collect();
    json_response(StatusCode::OK, Json::Array(list).to_string())
}

async fn subject(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let book = state.book;
    let lang = lang_only(&q, &[])?;
    let (i, s) = book
        .schema
        .subject(&name)
        .ok_or_else(|| unknown_subject(book, &name, lang))?;
    let v = json!({
        "name": s.name,
        "title": s.title,
        "fields": record_json(book, book.schema.record_of(i)),
    });
    Ok(json_response(StatusCode::OK, v.to_string()))
}

async fn openapi(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, state.openapi.as_str().to_owned())
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#)
}

async fn readyz(State(state): State<AppState>) -> Response {
    let v = json!({
        "status": "ready",
        "documents": state.book.documents.len(),
        "clauses": state.book.clauses.len(),
    });
    json_response(StatusCode::OK, v.to_string())
}
