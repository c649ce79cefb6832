//! `policy-calc serve`: the HTTP API against a real server on 127.0.0.1, port 0, spoken to
//! with a plain HTTP/1.1 client over a TCP socket (no client library between).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use policy_calc::eval::CompactReport;
use policy_calc::serve::{AppState, Limits};
use serde_json::Value as Json;

use crate::common::{book, date, root};

/// How many `/test/abandoned` handlers ran to their end (only the timeout test calls it).
static ABANDONED_FINISHED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A server on its own runtime and thread; shut down (gracefully) on drop.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        Server::with(Limits::default())
    }

    pub fn with(limits: Limits) -> Server {
        // Routes only tests have: a slow one (for the limits) and one that panics.
        let extra = Router::new()
            .route(
                "/test/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    "slow"
                }),
            )
            .route(
                "/test/abandoned",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    ABANDONED_FINISHED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    "finished"
                }),
            )
            .route(
                "/test/panic",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("a deliberate panic in a handler");
                    }
                    "unreachable"
                }),
            );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                tx.send(listener.local_addr().expect("local address"))
                    .expect("address sent");
                let app = policy_calc::serve::app_with(AppState::new(book(), limits), extra);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("served");
            });
        });
        let addr = rx.recv().expect("the server's address");
        Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Asks for a graceful shutdown and waits for the server to end.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How many chunks a chunked body came in (0 for any other).
    pub chunks: usize,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One HTTP/1.1 request on a connection of its own.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Response {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    send(&mut s, method, path, content_type, body, true);
    read_response(&mut BufReader::new(s))
}

pub fn send(
    s: &mut TcpStream,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
    close: bool,
) {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("write head");
    // A server may answer (413) before reading a large body: a failed write is fine then.
    let _ = s.write_all(body);
}

pub fn read_response(r: &mut impl BufRead) -> Response {
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).expect("header line");
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').expect("a header");
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    let mut chunks = 0;
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).expect("chunk size");
            let n = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).expect("chunk");
            if n == 0 {
                break;
            }
            chunks += 1;
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = find("content-length") {
        let n: usize = n.parse().expect("a length");
        body.resize(n, 0);
        r.read_exact(&mut body).expect("body");
    } else {
        r.read_to_end(&mut body).expect("body");
    }
    Response {
        status,
        headers,
        body,
        chunks,
    }
}

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(name)).expect("an example")
}

/// The library's full report of a TOML case, as JSON.
/// The library's full report as the API gives it by default: without `why`.
fn library_full(toml: &str, as_of: Option<&str>) -> Json {
    library_full_in(toml, as_of, policy_calc::labels::Lang::Zh, false)
}

/// The library's full report with its reasons' sentences in `lang`.
/// The library's full report in `lang`, with `why` or without.
fn library_full_in(
    toml: &str,
    as_of: Option<&str>,
    lang: policy_calc::labels::Lang,
    why: bool,
) -> Json {
    let case = book().case_from_toml(toml, "x.toml").expect("a case");
    let as_of = as_of.map(date).or(case.as_of()).expect("a date");
    let mut r = book().evaluate(&case, as_of).expect("evaluated");
    r.set_language(lang);
    r.set_why(why);
    serde_json::from_str(&r.to_json()).unwrap()
}

fn library_compact(toml: &str, line: Option<u64>) -> String {
    let case = book().case_from_toml(toml, "x.toml").expect("a case");
    let mut r = CompactReport::new();
    book()
        .evaluate_compact(&case, case.as_of().expect("a date"), &mut r)
        .expect("evaluated");
    let mut out = Vec::new();
    r.append_json(line, &mut out);
    String::from_utf8(out).unwrap()
}

fn assert_problem(r: &Response, status: u16) -> Json {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{}",
        r.text()
    );
    let p = r.json();
    assert_eq!(p["status"], status);
    assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    assert!(p["type"].is_string(), "{p}");
    p
}

const TOML: Option<&str> = Some("application/toml");
const JSON: Option<&str> = Some("application/json");

#[test]
fn check_answers_the_report_of_the_contract_from_toml_and_json() {
    let s = Server::start();
    let toml = example("rural_housing.toml");
    let r = request(s.addr, "POST", "/v1/check", TOML, toml.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-request-id").is_some());
    let report = r.json();
    // 200 CNY/m2 × 180.55 m2 = 36,110.00 CNY, by hand.
    let subsidy = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["clause"] == "rural-prefab-subsidy")
        .expect("the subsidy")
        .clone();
    assert_eq!(subsidy["outcome"], "eligible");
    assert_eq!(subsidy["amount"]["value"], "36110.00");
    assert_eq!(subsidy["amount"]["unit"], "CNY");
    assert_eq!(subsidy["number"], "绍柯政办发〔2022〕14号");
    assert_eq!(subsidy["section"], "三（六）");
    assert_eq!(report, library_full(&toml, None));

    // The same case as JSON, with the number as a string and as a number.
    for floor in ["\"180.55\"", "180.55"] {
        let json = format!(
            r#"{{"as_of":"2023-03-01","rural_housing":{{"new":true,"prefab":true,"structure":"steel","whole_village":false,"floor_area":{floor}}}}}"#
        );
        let r = request(
            s.addr,
            "POST",
            "/v1/check",
            Some("application/json; charset=utf-8"),
            json.as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json(), report);
    }

    // Compact: outcomes and amounts without the words, as `check --batch` writes them.
    let r = request(
        s.addr,
        "POST",
        "/v1/check?report=compact",
        TOML,
        toml.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), library_compact(&toml, None));
    assert!(!r.text().contains("quote"));
}

#[test]
fn check_takes_as_of_and_lang_overrides() {
    let s = Server::start();
    let toml = example("rural_housing.toml");
    // Document 14 is in force from 2022-06-19: on 2022-01-01 the subsidy is not in force.
    let r = request(
        s.addr,
        "POST",
        "/v1/check?as_of=2022-01-01&lang=en&why=true",
        TOML,
        toml.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let report = r.json();
    assert_eq!(report["as_of"], "2022-01-01");
    assert_eq!(report["results"][0]["outcome"], "not_in_force");
    assert_eq!(
        report,
        library_full_in(
            &toml,
            Some("2022-01-01"),
            policy_calc::labels::Lang::En,
            true
        )
    );
    // `lang` picks the language of the reasons' sentences, and nothing else.
    let why = &report["results"][0]["why"][0];
    assert_eq!(why["kind"], "not_in_force");
    assert_eq!(
        why["text"],
        "绍柯政办发〔2022〕14号 is in force from 19 June 2022 to 31 December 2025, not on 1 January 2022"
    );
    let zh = request(
        s.addr,
        "POST",
        "/v1/check?as_of=2022-01-01&lang=zh&why=true",
        TOML,
        toml.as_bytes(),
    )
    .json();
    assert_eq!(
        zh["results"][0]["why"][0]["text"],
        "绍柯政办发〔2022〕14号自2022年6月19日起施行，有效期至2025年12月31日，2022年1月1日不在其内"
    );
    assert_eq!(zh["results"][0]["reasons"], report["results"][0]["reasons"]);
    // Without `why=true`, the same report less `why`; with a compact report, a problem.
    let plain = request(
        s.addr,
        "POST",
        "/v1/check?as_of=2022-01-01",
        TOML,
        toml.as_bytes(),
    );
    let mut want = zh.clone();
    for r in want["results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("why").expect("a why");
    }
    assert_eq!(plain.json(), want);
    for bad in ["why=true&report=compact", "why=yes"] {
        let r = request(
            s.addr,
            "POST",
            &format!("/v1/check?{bad}"),
            TOML,
            toml.as_bytes(),
        );
        let p = assert_problem(&r, 400);
        assert!(p["title"].as_str().unwrap().contains("`why`"), "{p}");
    }
    let r = request(s.addr, "POST", "/v1/check?lang=zh", TOML, toml.as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["as_of"], "2023-03-01");
}

#[test]
fn every_class_of_bad_input_gets_its_status_and_problem() {
    let s = Server::start();
    let post = |path: &str, ct: Option<&str>, body: &[u8]| request(s.addr, "POST", path, ct, body);

    // 400: not JSON at all; the diagnostic names the line and column.
    let p = assert_problem(
        &post("/v1/check", JSON, b"{\"rural_housing\": {\"new\": tru}}"),
        400,
    );
    assert_eq!(p["errors"][0]["code"], "case::syntax");
    assert_eq!(p["errors"][0]["line"], 1);
    assert!(p["errors"][0]["column"].as_u64().unwrap() > 1, "{p}");

    // 400: TOML syntax, on line 3.
    let p = assert_problem(
        &post(
            "/v1/check",
            TOML,
            b"as_of = 2023-03-01\n[rural_housing]\nnew = = true\n",
        ),
        400,
    );
    assert_eq!(p["errors"][0]["line"], 3);

    // 400: empty, not UTF-8, a bad query parameter.
    assert_problem(&post("/v1/check", TOML, b""), 400);
    assert_problem(
        &post("/v1/check", TOML, b"[rural_housing]\nnew = \xff\n"),
        400,
    );
    let p = assert_problem(
        &post(
            "/v1/check?as_of=2023-02-30",
            TOML,
            example("rural_housing.toml").as_bytes(),
        ),
        400,
    );
    assert!(p["detail"].as_str().unwrap().contains("as_of"), "{p}");
    assert_problem(&post("/v1/check?report=long", TOML, b"[tenant]\n"), 400);
    assert_problem(&post("/v1/check?lang=fr", TOML, b"[tenant]\n"), 400);
    assert_problem(&post("/v1/check?colour=red", TOML, b"[tenant]\n"), 400);

    // 422: a misspelt field, with the field, line, what was expected and a suggestion.
    let p = assert_problem(
        &post(
            "/v1/check",
            TOML,
            b"as_of = 2023-03-01\n[rural_housing]\nnew = true\nfloor_aera = 180.55\n",
        ),
        422,
    );
    let e = &p["errors"][0];
    assert_eq!(e["code"], "case::unknown_field");
    assert_eq!(e["line"], 4);
    assert_eq!(e["column"], 1);
    assert_eq!(e["field"], "rural_housing.floor_aera");
    assert!(
        e["expected"].as_str().unwrap().contains("floor_area"),
        "{e}"
    );
    assert!(
        e["suggestion"].as_str().unwrap().contains("floor_area"),
        "{e}"
    );
    // The message is in the request's language, Chinese unless `lang=en`, as the report's
    // sentences; so is `detail`.
    let zh = "农房没有「floor_aera」这一项；是否想填「floor_area」（建筑面积）？";
    assert_eq!(e["message"], zh);
    assert_eq!(p["detail"], format!("<body>:4:1: {zh}"));
    let p = assert_problem(
        &post(
            "/v1/check?lang=en",
            TOML,
            b"as_of = 2023-03-01\n[rural_housing]\nnew = true\nfloor_aera = 180.55\n",
        ),
        422,
    );
    assert_eq!(
        p["errors"][0]["message"],
        "`rural_housing` has no field `floor_aera`"
    );
    assert_eq!(
        p["detail"],
        "<body>:4:1: `rural_housing` has no field `floor_aera` (field `rural_housing.floor_aera`); expected one of: new, prefab, structure, whole_village, floor_area; did you mean `floor_area`? [case::unknown_field]"
    );

    // 422: a negative area, a word not allowed, the wrong type: all of them at once.
    let p = assert_problem(
        &post(
            "/v1/check",
            JSON,
            br#"{"rural_housing":{"floor_area":-1,"structure":"wood","new":"yes"}}"#,
        ),
        422,
    );
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for f in [
        "rural_housing.floor_area",
        "rural_housing.structure",
        "rural_housing.new",
    ] {
        assert!(fields.contains(&f), "{f} not in {p}");
    }

    // 422: a date fact after the evaluation date (an approval not yet made).
    let p = assert_problem(
        &post(
            "/v1/check",
            TOML,
            b"as_of = 2023-03-01\n[building_project]\napproval_date = 2024-01-01\n",
        ),
        422,
    );
    assert_eq!(
        p["detail"],
        "立项批文日期为2024年1月1日，晚于评估日期2023年3月1日：案件只陈述评估日期当天已知的事实"
    );
    assert_eq!(p["facts"][0], "approval_date = 2024-01-01");
    let p = assert_problem(
        &post(
            "/v1/check?lang=en",
            TOML,
            b"as_of = 2023-03-01\n[building_project]\napproval_date = 2024-01-01\n",
        ),
        422,
    );
    assert!(
        p["detail"].as_str().unwrap().contains("approval_date"),
        "{p}"
    );

    // 422: a number past exact arithmetic, in Chinese by default.
    let huge = b"[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 79228162514264337593543950335\n";
    let p = assert_problem(&post("/v1/check?as_of=2023-03-01", TOML, huge), 422);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("条款「rural-prefab-subsidy」：「")
            && detail.ends_with("」的结果过大或小数位过多，无法精确计算"),
        "{p}"
    );
    let p = assert_problem(&post("/v1/check?as_of=2023-03-01&lang=en", TOML, huge), 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("too large or too precise for exact arithmetic"),
        "{p}"
    );

    // 415: unknown and missing content types; JSON Lines belong to the batch.
    assert_problem(&post("/v1/check", Some("text/plain"), b"[tenant]\n"), 415);
    assert_problem(&post("/v1/check", None, b"[tenant]\n"), 415);
    assert_problem(&post("/v1/check", Some("application/jsonl"), b"{}\n"), 415);
    assert_problem(&post("/v1/check/batch", TOML, b"[tenant]\n"), 415);

    // 413: more than 1 MiB, as one case and as a batch.
    let big = vec![b' '; policy_calc::serve::BODY_LIMIT + 1];
    assert_problem(&post("/v1/check", JSON, &big), 413);
    assert_problem(
        &post("/v1/check/batch", Some("application/jsonl"), &big),
        413,
    );

    // 404: no such resource, clause or subject (with a suggestion); 405: a wrong method.
    assert_problem(&request(s.addr, "GET", "/v2/check", None, b""), 404);
    let p = assert_problem(
        &request(s.addr, "GET", "/v1/clauses/rural-prefab-subsidi", None, b""),
        404,
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("rural-prefab-subsidy")
    );
    let p = assert_problem(
        &request(s.addr, "GET", "/v1/subjects/rural_housng", None, b""),
        404,
    );
    assert!(p["detail"].as_str().unwrap().contains("rural_housing"));
    assert_problem(
        &request(s.addr, "GET", "/v1/clauses?subject=nope", None, b""),
        404,
    );
    let r = request(s.addr, "GET", "/v1/check", None, b"");
    assert_problem(&r, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    // A path axum cannot read (not UTF-8) is a problem too.
    assert_problem(&request(s.addr, "GET", "/v1/clauses/%FF", None, b""), 400);

    // The rulebook's 404s in the request's language: Chinese unless `lang=en`.
    let get = |path: &str| assert_problem(&request(s.addr, "GET", path, None, b""), 404);
    assert_eq!(
        get("/v1/clauses/rural-prefab-subsidi")["detail"],
        "没有「rural-prefab-subsidi」这一条款（是否想查「rural-prefab-subsidy」？）；「GET /v1/clauses」列出全部条款"
    );
    assert_eq!(
        get("/v1/clauses/rural-prefab-subsidi?lang=en")["detail"],
        "no clause `rural-prefab-subsidi` (did you mean `rural-prefab-subsidy`?); GET /v1/clauses lists them"
    );
    let zh = format!(
        "没有「rural_housng」这一对象（是否想查「rural_housing」？）；对象为：{}",
        crate::problems_zh::SUBJECTS_ZH
    );
    assert_eq!(get("/v1/subjects/rural_housng")["detail"], zh);
    assert_eq!(
        get("/v1/clauses?subject=rural_housng&lang=zh")["detail"],
        zh
    );
    assert_eq!(
        get("/v1/subjects/rural_housng?lang=en")["detail"],
        "no subject `rural_housng` (did you mean `rural_housing`?); the subjects are: building_project, rural_housing, enterprise, home_purchase, rental_project, tenant, industrial_project, district"
    );
    for path in [
        "/v1/subjects/tenant?lang=fr",
        "/v1/subjects/tenant?colour=red",
        "/v1/clauses/rural-prefab-subsidy?x=1",
    ] {
        assert_problem(&request(s.addr, "GET", path, None, b""), 400);
    }
    assert_eq!(
        request(s.addr, "GET", "/v1/subjects/tenant?lang=en", None, b"").status,
        200
    );

    // After all of that, the server still answers.
    assert_eq!(request(s.addr, "GET", "/healthz", None, b"").status, 200);
}

#[test]
fn batch_streams_json_lines_as_check_batch_writes_them() {
    let s = Server::start();
    let lines = [
        r#"{"as_of":"2023-03-01","rural_housing":{"new":true,"prefab":true,"structure":"steel","floor_area":180.55}}"#,
        "",
        r#"{"as_of":"2023-03-01","rural_housing":{"floor_aera":1}}"#,
        r#"{"as_of":"2023-03-01","tenant":{"rent":1500,"market_rent":2000}}"#,
    ];
    let body = lines.join("\n") + "\n";
    let r = request(
        s.addr,
        "POST",
        "/v1/check/batch",
        Some("application/jsonl"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/jsonl"));
    let out: Vec<String> = r.text().lines().map(String::from).collect();
    assert_eq!(out.len(), 3, "{out:?}");
    let toml1 = "as_of = 2023-03-01\n[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nfloor_area = 180.55\n";
    assert_eq!(out[0], library_compact(toml1, Some(1)));
    assert!(out[0].contains("\"36110.00\""));
    let bad: Json = serde_json::from_str(&out[1]).unwrap();
    assert_eq!(bad["line"], 3);
    assert_eq!(bad["errors"][0]["code"], "case::unknown_field");
    assert_eq!(bad["errors"][0]["field"], "rural_housing.floor_aera");
    assert_eq!(
        bad["errors"][0]["message"],
        "农房没有「floor_aera」这一项；是否想填「floor_area」（建筑面积）？"
    );
    let toml4 = "as_of = 2023-03-01\n[tenant]\nrent = 1500\nmarket_rent = 2000\n";
    assert_eq!(out[2], library_compact(toml4, Some(4)));

    // Full reports, and an as_of override.
    let r = request(
        s.addr,
        "POST",
        "/v1/check/batch?report=full&as_of=2022-01-01",
        Some("application/x-ndjson"),
        lines[0].as_bytes(),
    );
    // Byte for byte the library's report (without `why`, as by default) with `line` first.
    let case = book().case_from_json(lines[0], "x.json").expect("a case");
    let mut report = book()
        .evaluate(&case, date("2022-01-01"))
        .expect("evaluated");
    report.set_why(false);
    let json = report.to_json();
    assert_eq!(r.text(), format!("{{\"line\":1,{}\n", &json[1..]));
    assert!(!json.contains("\"why\""));
    // With `why=true` and `changes=true`, the report with its reasons as data and what would
    // change each result.
    let rich = request(
        s.addr,
        "POST",
        "/v1/check/batch?report=full&as_of=2023-03-01&why=true&changes=true&lang=en",
        Some("application/x-ndjson"),
        lines[0].as_bytes(),
    );
    let mut report = book()
        .evaluate_with_changes(&case, date("2023-03-01"))
        .expect("evaluated");
    report.set_language(policy_calc::labels::Lang::En);
    let json = report.to_json();
    assert!(json.contains("\"why\"") && json.contains("\"margin\""));
    assert_eq!(rich.text(), format!("{{\"line\":1,{}\n", &json[1..]));
    // Both come with full reports only.
    for q in ["why=true", "changes=true"] {
        let bad = request(
            s.addr,
            "POST",
            &format!("/v1/check/batch?{q}"),
            Some("application/x-ndjson"),
            lines[0].as_bytes(),
        );
        assert_problem(&bad, 400);
    }
    let v: Json = serde_json::from_str(r.text().trim()).unwrap();
    assert_eq!(v["line"], 1);
    assert_eq!(v["results"][0]["outcome"], "not_in_force");
    assert!(v["results"][0]["quote"].is_string());

    // Many lines come out in order, in several chunks.
    let many: String = (1..=2000)
        .map(|i| format!("{{\"as_of\":\"2023-03-01\",\"rural_housing\":{{\"new\":true,\"prefab\":true,\"structure\":\"steel\",\"floor_area\":{i}}}}}\n"))
        .collect();
    let r = request(
        s.addr,
        "POST",
        "/v1/check/batch",
        Some("application/jsonl"),
        many.as_bytes(),
    );
    // The input is all there: the answers go in chunks of up to 64 KiB (some 6 for these
    // 390 KB; at most one per frame of input read), not a chunk a line.
    assert!(r.chunks < 200, "{} chunks", r.chunks);
    let out: Vec<Json> = r
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 2000);
    for (i, v) in out.iter().enumerate() {
        assert_eq!(v["line"], i + 1);
        // 200 CNY per m2.
        assert_eq!(
            v["results"][0]["amount"]["value"],
            format!("{}.00", 200 * (i + 1))
        );
    }
}

/// A chunked request to the batch, kept open: the test writes chunks and reads the answer's
/// lines as they come. Every read waits at most 5 s, so a server that answers only at the
/// body's end fails the test instead of hanging it.
struct Chunked {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    /// Answer bytes read past the last whole line.
    pending: Vec<u8>,
    ended: bool,
}

impl Chunked {
    fn open(s: &Server, path: &str) -> Chunked {
        let writer = TcpStream::connect(s.addr).expect("connect");
        writer
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut c = Chunked {
            reader: BufReader::new(writer.try_clone().unwrap()),
            writer,
            pending: Vec::new(),
            ended: false,
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/jsonl\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        c.writer.write_all(head.as_bytes()).unwrap();
        c
    }

    fn send(&mut self, bytes: &[u8]) {
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        self.writer.write_all(&chunk).expect("a chunk sent");
        self.writer.flush().unwrap();
    }

    fn end(&mut self) {
        self.writer.write_all(b"0\r\n\r\n").expect("the last chunk");
    }

    /// The answer's status line and headers.
    fn head(&mut self) -> (u16, Vec<(String, String)>) {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .expect("a status line in 5 s");
        let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).expect("a header");
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            headers.push((k.trim().to_lowercase(), v.trim().to_string()));
        }
        (status, headers)
    }

    /// The answer's next line, or `None` once its body has ended.
    fn line(&mut self) -> Option<Json> {
        for _ in 0..1000 {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=i).collect();
                return Some(serde_json::from_slice(&line).expect("a JSON line"));
            }
            if self.ended {
                assert!(self.pending.is_empty(), "a last line without its newline");
                return None;
            }
            let mut size = String::new();
            self.reader
                .read_line(&mut size)
                .expect("the answer's next chunk within 5 s");
            let n = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            let mut chunk = vec![0; n + 2];
            self.reader.read_exact(&mut chunk).expect("a chunk");
            self.ended = n == 0;
            self.pending.extend_from_slice(&chunk[..n]);
        }
        panic!("no line in 1000 chunks");
    }
}

const RURAL_LINE: &str = r#"{"as_of":"2023-03-01","rural_housing":{"new":true,"prefab":true,"structure":"steel","floor_area":180.55}}"#;

#[test]
fn batch_answers_each_line_before_the_next_is_sent() {
    let s = Server::with(Limits {
        line_bytes: 1024,
        ..Limits::default()
    });
    let mut c = Chunked::open(&s, "/v1/check/batch");
    // Line 1, and its answer before anything more is sent.
    c.send(format!("{RURAL_LINE}\n").as_bytes());
    let (status, headers) = c.head();
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-type".into(), "application/jsonl".into())));
    let first = c.line().expect("line 1's answer");
    assert_eq!(first["line"], 1);
    // 180.55 m2 at 200 CNY per m2.
    assert_eq!(first["results"][0]["amount"]["value"], "36110.00");

    // Line 2 cut in two chunks in the middle of 面 (three bytes: E9 9D A2): the line is read
    // whole, and its field named as sent.
    let line2 = "{\"as_of\":\"2023-03-01\",\"rural_housing\":{\"面积\":1}}\n".as_bytes();
    let cut = line2.iter().position(|&b| b == 0xE9).unwrap() + 1;
    c.send(&line2[..cut]);
    c.send(&line2[cut..]);
    let second = c.line().expect("line 2's answer");
    assert_eq!(second["line"], 2);
    assert_eq!(second["errors"][0]["code"], "case::unknown_field");
    assert_eq!(second["errors"][0]["field"], "rural_housing.面积");

    // Line 3 is 2000 bytes with its CR, over the limit of 1024, in three chunks, then line 4 (a
    // tenant's rent under 80% of the market's) in the same chunk as its end.
    let long = format!("{{\"x\":\"{}\"}}", "a".repeat(1991));
    assert_eq!(long.len(), 1999);
    c.send(&long.as_bytes()[..700]);
    c.send(&long.as_bytes()[700..1500]);
    let rest = format!(
        "{}\r\n{{\"as_of\":\"2023-03-01\",\"tenant\":{{\"rent\":1500,\"market_rent\":2000}}}}\r\n",
        &long[1500..]
    );
    c.send(rest.as_bytes());
    let third = c.line().expect("line 3's answer");
    assert_eq!(third["line"], 3);
    assert_eq!(third["errors"][0]["code"], "batch::line_too_long");
    // In Chinese, the API's language for problems unless `lang=en`.
    assert_eq!(
        third["errors"][0]["message"],
        "该行长2000字节，超过每行1024字节的上限，已跳过"
    );
    let fourth = c.line().expect("line 4's answer");
    assert_eq!(fourth["line"], 4);
    let toml4 = "as_of = 2023-03-01\n[tenant]\nrent = 1500\nmarket_rent = 2000\n";
    let want: Json = serde_json::from_str(&library_compact(toml4, Some(4))).unwrap();
    assert_eq!(fourth, want);
    c.end();
    assert_eq!(c.line(), None);
}

#[test]
fn a_bom_cut_across_chunks_is_skipped_as_check_batch_skips_it() {
    let s = Server::start();
    let mut c = Chunked::open(&s, "/v1/check/batch");
    let bom = "\u{feff}".as_bytes();
    c.send(&bom[..2]);
    c.send(&[&bom[2..], RURAL_LINE.as_bytes(), b"\n", bom].concat());
    c.send(format!("{RURAL_LINE}\n").as_bytes());
    c.end();
    assert_eq!(c.head().0, 200);
    // Line 2's BOM is skipped too: the JSON reader skips one, for `check --batch` alike.
    for n in 1..=2 {
        let v = c.line().unwrap();
        assert_eq!(v["line"], n, "{v}");
        assert_eq!(v["results"][0]["amount"]["value"], "36110.00", "{v}");
    }
    assert_eq!(c.line(), None);
}

#[test]
fn a_streamed_batch_past_its_limits_ends_with_a_line_saying_why() {
    let s = Server::with(Limits {
        body_bytes: 300,
        timeout: Duration::from_millis(300),
        max_in_flight: 1,
        ..Limits::default()
    });
    // The body's limit: lines 1 and 2 (106 bytes each with its newline) are answered; line 3
    // crosses 300 bytes and is not. Said in Chinese unless `lang=en`.
    for (path, message) in [
        (
            "/v1/check/batch",
            "请求体超过300字节：批量检查到此结束，自第3行起的各行未读取（请分几次请求发送）",
        ),
        (
            "/v1/check/batch?lang=en",
            "the body is larger than 300 bytes: the batch ends here; the lines from 3 on were not read (send a batch in several requests)",
        ),
    ] {
        let mut c = Chunked::open(&s, path);
        c.send(format!("{RURAL_LINE}\n{RURAL_LINE}\n{RURAL_LINE}\n").as_bytes());
        assert_eq!(c.head().0, 200);
        assert_eq!(c.line().unwrap()["line"], 1);
        assert_eq!(c.line().unwrap()["line"], 2);
        let last = c.line().unwrap();
        assert_eq!(last["line"], 3);
        assert_eq!(last["errors"][0]["code"], "batch::too_large");
        assert_eq!(last["errors"][0]["message"], message);
        assert_eq!(c.line(), None);
    }

    // A pause longer than the timeout ends the batch after the lines already sent.
    let mut c = Chunked::open(&s, "/v1/check/batch");
    c.send(format!("{RURAL_LINE}\n").as_bytes());
    assert_eq!(c.head().0, 200);
    assert_eq!(c.line().unwrap()["line"], 1);
    // While it streams, the batch is in flight: with a limit of one, another request waits.
    let r = request(s.addr, "GET", "/v1/subjects", None, b"");
    assert_eq!(r.status, 503, "{}", r.text());
    let last = c.line().unwrap();
    assert_eq!(last["line"], 2);
    assert_eq!(last["errors"][0]["code"], "batch::timeout");
    assert_eq!(
        last["errors"][0]["message"],
        "300毫秒内没有收到输入：批量检查到此结束，第1行之后的各行未读取"
    );
    assert_eq!(c.line(), None);
    // Once it has ended, the place is free (the server may take a moment to drop the body).
    let free = (0..50).any(|_| {
        let ok = request(s.addr, "GET", "/v1/subjects", None, b"").status == 200;
        if !ok {
            std::thread::sleep(Duration::from_millis(20));
        }
        ok
    });
    assert!(free, "the batch's place was not given back");
}

#[test]
fn the_rulebook_endpoints() {
    let s = Server::start();
    let get = |path: &str| {
        let r = request(s.addr, "GET", path, None, b"");
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
        r.json()
    };
    let docs = get("/v1/documents");
    let d14 = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "kq-2022-14")
        .expect("document 14");
    assert_eq!(d14["number"], "绍柯政办发〔2022〕14号");
    assert_eq!(d14["in_force"]["from"], "2022-06-19");
    assert_eq!(docs.as_array().unwrap().len(), book().documents.len());

    let all = get("/v1/clauses");
    assert_eq!(all.as_array().unwrap().len(), book().clauses.len());
    let rural = get("/v1/clauses?subject=rural_housing");
    assert!(!rural.as_array().unwrap().is_empty());
    assert!(
        rural
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["subject"] == "rural_housing")
    );
    assert!(
        rural
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "rural-prefab-subsidy")
    );

    let c = get("/v1/clauses/rural-prefab-subsidy");
    assert_eq!(c["section"], "三（六）");
    assert_eq!(c["number"], "绍柯政办发〔2022〕14号");
    assert!(c["quote"].as_str().unwrap().contains("200元/平方米"));
    assert_eq!(c["parameters"][0]["name"], "rural_subsidy_rate");
    assert_eq!(c["parameters"][0]["versions"][0]["value"], "200 CNY/m2");
    assert!(
        c["logic"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["text"] == "rural_subsidy_rate * floor_area")
    );

    let subjects = get("/v1/subjects");
    let names: Vec<&str> = subjects
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "building_project",
            "rural_housing",
            "enterprise",
            "home_purchase",
            "rental_project",
            "tenant",
            "industrial_project",
            "district"
        ]
    );
    let rh = get("/v1/subjects/rural_housing");
    let field = |s: &Json, name: &str| {
        s["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no field {name}"))
            .clone()
    };
    let area = field(&rh, "floor_area");
    assert_eq!(area["unit"], "m2");
    assert_eq!(area["min"], 0);
    assert_eq!(field(&rh, "new")["type"], "bool");
    let structure = field(&rh, "structure");
    assert!(
        structure["words"]
            .as_array()
            .unwrap()
            .contains(&Json::from("steel"))
    );
    let rp = get("/v1/subjects/rental_project");
    let units = field(&rp, "units");
    assert_eq!(units["type"], "list");
    assert!(
        units["item"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "rent")
    );

    assert_eq!(get("/healthz")["status"], "ok");
    assert_eq!(get("/readyz")["status"], "ready");
    let api = get("/openapi.json");
    assert_eq!(api["openapi"], "3.1.0");
    let facts = &api["components"]["schemas"]["rural_housing_facts"]["properties"];
    assert_eq!(facts["floor_area"]["x-unit"], "m2");
    assert_eq!(facts["floor_area"]["anyOf"][0]["minimum"], 0);
    assert!(
        facts["structure"]["enum"]
            .as_array()
            .unwrap()
            .contains(&Json::from("steel"))
    );
}

/// 64 clients at once, each on its own keep-alive connection, each sending eight of the
/// examples in turn, full and compact: every answer is the library's report of that case,
/// byte for byte for the compact ones.
#[test]
fn sixty_four_concurrent_clients_get_the_librarys_reports() {
    let s = Server::start();
    let names = [
        "building_project.toml",
        "rural_housing.toml",
        "enterprise.toml",
        "home_purchase.toml",
        "rental_project.toml",
        "tenant.toml",
        "industrial_project.toml",
        "district.toml",
    ];
    let cases: Vec<(String, Json, String)> = names
        .iter()
        .map(|n| {
            let t = example(n);
            let full = library_full(&t, None);
            let compact = library_compact(&t, None);
            (t, full, compact)
        })
        .collect();
    let cases = std::sync::Arc::new(cases);
    let addr = s.addr;
    let threads: Vec<_> = (0..64)
        .map(|i| {
            let cases = cases.clone();
            std::thread::spawn(move || {
                let mut conn = TcpStream::connect(addr).expect("connect");
                conn.set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                for k in 0..8 {
                    let (text, full, compact) = &cases[(i + k) % cases.len()];
                    // Even requests ask for the full report, odd ones for the compact one.
                    let path = if k % 2 == 0 {
                        "/v1/check"
                    } else {
                        "/v1/check?report=compact"
                    };
                    send(&mut conn, "POST", path, TOML, text.as_bytes(), false);
                    let r = read_response(&mut reader);
                    assert_eq!(r.status, 200, "{}", r.text());
                    if k % 2 == 0 {
                        assert_eq!(&r.json(), full, "client {i}, request {k}");
                    } else {
                        assert_eq!(&r.text(), compact, "client {i}, request {k}");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a client");
    }
}

#[test]
fn a_panic_is_answered_500_and_the_server_goes_on() {
    let s = Server::start();
    let p = assert_problem(&request(s.addr, "GET", "/test/panic", None, b""), 500);
    assert!(!p["detail"].as_str().unwrap().contains("deliberate"), "{p}");
    let r = request(
        s.addr,
        "POST",
        "/v1/check",
        TOML,
        example("rural_housing.toml").as_bytes(),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn saturated_it_answers_503_with_retry_after() {
    let s = Server::with(Limits {
        max_in_flight: 2,
        ..Limits::default()
    });
    let addr = s.addr;
    let slow: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || request(addr, "GET", "/test/slow", None, b"").status))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let r = request(addr, "GET", "/v1/documents", None, b"");
    assert_problem(&r, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    // Liveness is answered even when saturated.
    assert_eq!(request(addr, "GET", "/healthz", None, b"").status, 200);
    for t in slow {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(request(addr, "GET", "/v1/documents", None, b"").status, 200);
}

#[test]
fn a_slow_request_times_out_with_408() {
    let s = Server::with(Limits {
        timeout: Duration::from_millis(100),
        ..Limits::default()
    });
    assert_problem(&request(s.addr, "GET", "/test/abandoned", None, b""), 408);
    // The handler given up on does not run on to its end as a detached task.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        ABANDONED_FINISHED.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    assert_eq!(request(s.addr, "GET", "/healthz", None, b"").status, 200);
}

#[test]
fn shutdown_finishes_the_requests_in_flight() {
    let s = Server::start();
    let addr = s.addr;
    let slow = std::thread::spawn(move || request(addr, "GET", "/test/slow", None, b""));
    std::thread::sleep(Duration::from_millis(150));
    s.shutdown();
    let r = slow.join().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "slow");
    assert!(
        TcpStream::connect(addr).is_err(),
        "still accepting after shutdown"
    );
}

/// The binary: `policy-calc serve --addr 127.0.0.1:0 --rules rules` says where it listens,
/// answers, and ends on SIGTERM with status 0.
#[cfg(unix)]
#[test]
fn the_binary_serves_and_stops_on_sigterm() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["serve", "--addr", "127.0.0.1:0", "--rules"])
        .arg(root().join("rules"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let r = request(
        addr,
        "POST",
        "/v1/check",
        TOML,
        example("rural_housing.toml").as_bytes(),
    );
    assert_eq!(r.status, 200);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    err.read_to_string(&mut log).unwrap();
    assert!(log.contains("request_id=1"), "{log}");
    assert!(log.contains("path=/v1/check status=200"), "{log}");
}

#[test]
fn serve_rejects_bad_arguments() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["serve", "--addr", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'localhost' for '--addr <HOST:PORT>'")
            && stderr.contains("not an address and port such as 127.0.0.1:8080"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args([
            "serve",
            "--rules",
            "/nonexistent/rules",
            "--addr",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/rules"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policy-calc"))
        .args(["serve", "--port", "8080"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// The web page, as HTML: what a browser without JavaScript gets.

fn get_html(s: &Server, path: &str) -> (u16, String) {
    let r = request(s.addr, "GET", path, None, b"");
    if r.status == 200 || r.status == 422 {
        assert_eq!(
            r.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
    }
    (r.status, r.text())
}

#[test]
fn web_home_lists_subjects_and_documents_in_chinese_then_english() {
    let s = Server::start();
    let (status, zh) = get_html(&s, "/");
    assert_eq!(status, 200);
    assert!(zh.contains("<html lang=\"zh-Hans\">"));
    assert!(zh.contains("href=\"/form/rural_housing?lang=zh\">农房</a>"));
    assert!(zh.contains("绍柯政办发〔2022〕14号"));
    assert!(zh.contains("id=\"lang-switch\" href=\"/?lang=en\""));
    let (_, en) = get_html(&s, "/?lang=en");
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains(">rural housing</a>"));
    assert!(en.contains("href=\"/?lang=zh\""));
    // The style sheet and the script are served from the binary.
    let css = request(s.addr, "GET", "/assets/style.css", None, b"");
    assert_eq!(css.status, 200);
    assert!(css.text().contains("@media print"));
    let js = request(s.addr, "GET", "/assets/form.js", None, b"");
    assert!(js.text().contains("data-add-row"));
}

#[test]
fn web_form_is_generated_from_the_schema_with_a_label_for_every_input() {
    let s = Server::start();
    let (status, html) = get_html(&s, "/form/rural_housing");
    assert_eq!(status, 200);
    // Booleans: yes / no / unknown, unknown chosen.
    assert!(html.contains("name=\"new\" value=\"yes\""));
    assert!(html.contains("name=\"new\" value=\"no\""));
    assert!(html.contains("name=\"new\" value=\"\" checked"));
    // Words: a select with unknown first.
    assert!(html.contains("<select id=\"f-structure\" name=\"structure\""));
    // Each word by its label in the page's language; the value stays the case file's word.
    assert!(
        html.contains("<option value=\"steel\">钢结构</option>"),
        "{html}"
    );
    // Each field by its label, not the schema's bilingual note.
    assert!(
        html.contains("<label for=\"f-floor-area\">建筑面积 ("),
        "{html}"
    );
    let (_, en) = get_html(&s, "/form/rural_housing?lang=en");
    assert!(
        en.contains("<option value=\"steel\">steel structure</option>"),
        "{en}"
    );
    assert!(
        en.contains("<label for=\"f-floor-area\">floor area ("),
        "{en}"
    );
    // Units and bounds.
    assert!(html.contains("平方米 (m²)"));
    assert!(html.contains("不小于 0"));
    // Every text, date and select input has a label.
    for id in ["f-floor-area", "f-structure", "f-as-of"] {
        assert!(html.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
    // The rental project has unit rows, a template for the script, and a no-JS button.
    let (_, html) = get_html(&s, "/form/rental_project?lang=en");
    assert!(html.contains("name=\"units[1].rent\""));
    assert!(html.contains("<template id=\"template-units\">"));
    assert!(html.contains("name=\"units[__N__].rent\""));
    assert!(html.contains("type=\"submit\" name=\"add_row\" value=\"units\""));
    // Without the script: the button submits, and the form comes back with a row more,
    // the values kept.
    let (status, html) = get_html(
        &s,
        "/check/rental_project?lang=en&rows.units=1&units%5B1%5D.rent=1000&add_row=units",
    );
    assert_eq!(status, 200);
    assert!(html.contains("name=\"units[2].rent\""));
    assert!(html.contains("name=\"units[1].rent\" value=\"1000\""));
    assert!(!html.contains("name=\"units[3].rent\""));
}

#[test]
fn web_result_is_grouped_with_amount_citation_quote_and_reasons() {
    let s = Server::start();
    let q = "as_of=2023-03-01&new=yes&prefab=yes&structure=steel&whole_village=&floor_area=180.55";
    let (status, html) = get_html(&s, &format!("/check/rural_housing?{q}"));
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(">可享受 (1)</h2>"));
    assert!(html.contains("<p class=\"amount\">36,110.00元</p>"));
    assert!(html.contains("<p class=\"cite\">绍柯政办发〔2022〕14号 三（六）</p>"));
    assert!(html.contains("予以200元/平方米的一次性资金补助"));
    // Reasons in words, each with its line of the rule language on hover.
    assert!(
        html.contains("<li title=\"floor_area = 180.55 m2\">建筑面积：180.55平方米</li>"),
        "{html}"
    );
    assert!(html.contains("href=\"/clause/rural-prefab-subsidy?lang=zh\""));
    let (_, en) = get_html(&s, &format!("/check/rural_housing?lang=en&{q}"));
    assert!(en.contains(">What it gets (1)</h2>"));
    assert!(en.contains("36,110.00 CNY"));

    // Before document 14 was in force: the reason in the page's language.
    let q = q.replace("2023-03-01", "2022-01-01");
    let (_, zh) = get_html(&s, &format!("/check/rural_housing?{q}"));
    assert!(zh.contains(">不适用或不在有效期内 (1)</h2>"), "{zh}");
    assert!(
        zh.contains("绍柯政办发〔2022〕14号自2022年6月19日起施行，有效期至2025年12月31日，2022年1月1日不在其内"),
        "{zh}"
    );
    let (_, en) = get_html(&s, &format!("/check/rural_housing?lang=en&{q}"));
    assert!(
        en.contains("绍柯政办发〔2022〕14号 is in force from 19 June 2022 to 31 December 2025, not on 1 January 2022"),
        "{en}"
    );

    // Unknown facts: the result says which facts would decide.
    let (_, html) = get_html(&s, "/check/rural_housing?as_of=2023-03-01&lang=en");
    assert!(html.contains("Undetermined: the facts that would decide"));
    assert!(html.contains("Facts that would decide: "));
    // By their labels, each with its field name on hover.
    assert!(
        html.contains("<span title=\"new\">new farmhouse</span>, <span title=\"prefab\">prefabricated farmhouse</span>"),
        "{html}"
    );
}

#[test]
fn web_bad_values_come_back_beside_their_fields() {
    let s = Server::start();
    let (status, html) = get_html(
        &s,
        "/check/rural_housing?as_of=2023-03-01&new=yes&floor_area=12%2C5",
    );
    assert_eq!(status, 422);
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("<a href=\"#f-floor-area\">"));
    assert!(html.contains("<p class=\"error\" id=\"err-f-floor-area\">"));
    assert!(
        html.contains(
            "aria-describedby=\"help-f-floor-area err-f-floor-area\" aria-invalid=\"true\""
        )
    );
    // The values given are kept.
    assert!(html.contains("name=\"new\" value=\"yes\" checked"));
    assert!(html.contains("value=\"12,5\""));
    // Beside the field, in the page's language: Chinese, then English.
    assert!(
        html.contains("<p class=\"error\" id=\"err-f-floor-area\"><span class=\"visually-hidden\">错误：</span>建筑面积填写的「12,5」不是数字</p>"),
        "{html}"
    );
    let (status, html) = get_html(
        &s,
        "/check/rural_housing?lang=en&as_of=2023-03-01&new=yes&floor_area=12%2C5",
    );
    assert_eq!(status, 422);
    assert!(
        html.contains("<span class=\"visually-hidden\">Error: </span>`12,5` is not a number; expected a number in m2</p>"),
        "{html}"
    );

    // A unit row's error is beside that row's input, counting the empty rows between.
    let (status, html) = get_html(
        &s,
        "/check/rental_project?as_of=2023-03-01&rows.units=3&units%5B3%5D.area=-1",
    );
    assert_eq!(status, 422);
    assert!(html.contains("id=\"err-f-units-3--area\""), "{html}");

    // A date after the evaluation date.
    let (status, html) = get_html(
        &s,
        "/check/building_project?as_of=2023-03-01&approval_date=2024-01-01",
    );
    assert_eq!(status, 422);
    assert!(html.contains("id=\"err-f-approval-date\""), "{html}");
    assert!(html.contains("立项批文日期为2024年1月1日，晚于评估日期2023年3月1日"));
    // An evaluation date that is not a date.
    let (status, html) = get_html(&s, "/check/tenant?as_of=2023-02-30");
    assert_eq!(status, 422);
    assert!(html.contains("id=\"err-f-as-of\""));
    assert!(html.contains("评估日期「2023-02-30」不是真实的日期，应写作2023-03-01这样的形式"));
    let (_, html) = get_html(&s, "/check/tenant?lang=en&as_of=2023-02-30");
    assert!(html.contains("`2023-02-30` is not a real date in the form YYYY-MM-DD"));
    // Unknown subjects and clauses are 404 pages.
    assert_eq!(get_html(&s, "/form/nope").0, 404);
    assert_eq!(get_html(&s, "/clause/nope").0, 404);
}

#[test]
fn web_case_downloads_as_toml_and_json_and_uploads_back() {
    let s = Server::start();
    let q = "as_of=2023-03-01&kind=residential&recognised=yes&rows.units=2&units%5B1%5D.area=70.00&units%5B1%5D.count=80&units%5B1%5D.rent=1876.53&units%5B1%5D.market_rent=2345.67&units%5B2%5D.market_rent=3000.01";
    let toml = request(
        s.addr,
        "GET",
        &format!("/download/rental_project.toml?{q}"),
        None,
        b"",
    );
    assert_eq!(toml.status, 200);
    assert_eq!(
        toml.header("content-disposition"),
        Some("attachment; filename=\"rental_project.toml\"")
    );
    let toml = toml.text();
    assert!(
        toml.contains("[[rental_project.units]]\narea = 70.00\n"),
        "{toml}"
    );
    let json = request(
        s.addr,
        "GET",
        &format!("/download/rental_project.json?{q}"),
        None,
        b"",
    );
    let json = json.text();
    assert!(json.contains("\"market_rent\": 3000.01"), "{json}");
    // Both read back to the same case, exactly.
    let a = book()
        .case_from_toml(&toml, "a.toml")
        .expect("the TOML reads");
    let b = book()
        .case_from_json(&json, "a.json")
        .expect("the JSON reads");
    assert_eq!(a, b);
    // The cap of the second unit: 80% of 3000.01 = 2400.008, down to the fen: 2400.00.
    let report = book().evaluate(&a, date("2023-03-01")).unwrap();
    let cap = report
        .result("arh-rent-cap")
        .unwrap()
        .values
        .get("units[2].rent_cap");
    assert_eq!(cap.unwrap().value(), "2400.00");

    // Upload: a multipart form; the answer sends the browser to the result.
    let body = format!(
        "--B0undary\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\nen\r\n--B0undary\r\nContent-Disposition: form-data; name=\"case\"; filename=\"r.toml\"\r\nContent-Type: application/octet-stream\r\n\r\n{toml}\r\n--B0undary--\r\n"
    );
    let r = request(
        s.addr,
        "POST",
        "/upload",
        Some("multipart/form-data; boundary=B0undary"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").unwrap().to_string();
    assert!(location.starts_with("/check/rental_project?lang=en&as_of=2023-03-01"));
    let (status, html) = get_html(&s, &location);
    assert_eq!(status, 200);
    assert!(html.contains("2,400.00 CNY"), "{html}");
    // A bad file: its diagnostics, with line and column.
    let body = "--B\r\nContent-Disposition: form-data; name=\"case\"; filename=\"r.toml\"\r\n\r\n[rural_housing]\nfloor_aera = 1\r\n--B--\r\n";
    let r = request(
        s.addr,
        "POST",
        "/upload",
        Some("multipart/form-data; boundary=B"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("upload:2:1"), "{}", r.text());
    assert!(r.text().contains("floor_area"));
}

#[test]
fn web_clause_page_shows_citation_quote_logic_parameters() {
    let s = Server::start();
    let (status, html) = get_html(&s, "/clause/rural-prefab-subsidy?lang=en");
    assert_eq!(status, 200);
    assert!(html.contains("绍柯政办发〔2022〕14号 三（六）"));
    assert!(html.contains("予以200元/平方米的一次性资金补助"));
    assert!(html.contains("<code>rural_subsidy_rate * floor_area</code>"));
    assert!(html.contains("<td><code>rural_subsidy_rate</code></td><td>200 CNY/m2</td>"));
    assert!(html.contains(">Parameters</h2>"));
}

/// `changes=true` adds what would change each result, as the library gives it; the timeline
/// of a case comes back as `policy-calc timeline` prints it; bad ranges are problems.
#[test]
fn check_with_changes_and_the_timeline() {
    let s = Server::start();
    let tenant = "as_of = 2023-03-01\n[tenant]\nrent = 1876.54\nmarket_rent = 2345.67\n";
    let r = request(
        s.addr,
        "POST",
        "/v1/check?changes=true",
        Some("application/toml"),
        tenant.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let case = book().case_from_toml(tenant, "t.toml").expect("a case");
    let mut want = book()
        .evaluate_with_changes(&case, date("2023-03-01"))
        .expect("evaluates");
    want.set_why(false);
    assert_eq!(r.json(), serde_json::to_value(&want).expect("JSON"));
    let cap = r.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|x| x["clause"] == "arh-rent-cap")
        .cloned()
        .expect("the rent cap");
    assert_eq!(cap["changes"][0]["facts"][0]["fact"], "rent");
    assert_eq!(cap["changes"][0]["facts"][0]["relation"], "at_most");
    assert_eq!(cap["changes"][0]["facts"][0]["value"]["value"], "1876.53");
    // Without it, no changes; with a compact report, a problem.
    let plain = request(
        s.addr,
        "POST",
        "/v1/check",
        Some("application/toml"),
        tenant.as_bytes(),
    );
    assert!(plain.text().find("\"changes\"").is_none());
    let bad = request(
        s.addr,
        "POST",
        "/v1/check?changes=true&report=compact",
        Some("application/toml"),
        tenant.as_bytes(),
    );
    assert_problem(&bad, 400);
    let bad = request(
        s.addr,
        "POST",
        "/v1/check?changes=maybe",
        Some("application/toml"),
        tenant.as_bytes(),
    );
    assert_problem(&bad, 400);

    // The timeline of the README's farmhouse: in force 2022-06-19 to 2025-12-31.
    let farm = example("rural_housing.toml");
    let r = request(
        s.addr,
        "POST",
        "/v1/timeline?from=2022-01-01&to=2026-12-31",
        Some("application/toml"),
        farm.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    let dates: Vec<&str> = t["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["date"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(dates, ["2022-06-19", "2026-01-01"]);
    assert_eq!(t["changes"][0]["after"]["amount"]["value"], "36110.00");
    let bad = request(
        s.addr,
        "POST",
        "/v1/timeline?from=2026-01-01&to=2025-01-01",
        Some("application/toml"),
        farm.as_bytes(),
    );
    assert_problem(&bad, 400);
    let bad = request(
        s.addr,
        "POST",
        "/v1/timeline?since=2026-01-01",
        Some("application/toml"),
        farm.as_bytes(),
    );
    assert_problem(&bad, 400);
    let bad = request(
        s.addr,
        "POST",
        "/v1/timeline",
        Some("application/toml"),
        b"[rural_housing]\nfloor_area = -1\n",
    );
    assert_problem(&bad, 422);
}

/// The result page says what would change each result, in the page's language: the rent
/// over its cap of 1,876.536 turns compliant at 1,876.53; the eligible farmhouse turns down
/// if it is not prefab.
#[test]
fn web_result_says_what_would_change_each_result() {
    let s = Server::start();
    let (status, zh) = get_html(
        &s,
        "/check/tenant?as_of=2023-03-01&rent=1876.54&market_rent=2345.67",
    );
    assert_eq!(status, 200, "{zh}");
    assert!(zh.contains("什么会改变结果"), "{zh}");
    assert!(
        zh.contains("若月租金不超过1,876.53元，则为「符合」"),
        "{zh}"
    );
    let (_, en) = get_html(
        &s,
        "/check/tenant?lang=en&as_of=2023-03-01&rent=1876.54&market_rent=2345.67",
    );
    assert!(
        en.contains("would be compliant if: monthly rent at most 1,876.53 CNY"),
        "{en}"
    );
    let q = "lang=en&as_of=2023-03-01&new=yes&prefab=yes&structure=steel&whole_village=&floor_area=180.55";
    let (_, en) = get_html(&s, &format!("/check/rural_housing?{q}"));
    assert!(
        en.contains("would turn not eligible if: is not built prefabricated"),
        "{en}"
    );
}
