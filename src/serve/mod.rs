//! `policy-calc serve`: the rulebook over HTTP. API v1 (JSON, `/v1/...`), the OpenAPI document
//! (`/openapi.json`), health checks, and a web page for people (`/`), from one binary.
//!
//! Every request passes, outermost first: the access log (a request id, method, path, status,
//! time), the concurrency limit (503 with `Retry-After` when saturated, never a queue), the
//! request timeout (408), and a panic catcher (500, and the server goes on). Bodies are read
//! up to [`BODY_LIMIT`] (413). A batch is answered as its body comes (`batch`): it holds its
//! place in flight until its answer ends, and the timeout bounds each pause of its input.
//! Nothing is written to disk.

// A problem is the cold path of a request, answered once: its size in a `Result` costs nothing
// worth boxing it for.
#![allow(clippy::result_large_err)]

mod api;
mod batch;
mod openapi;
mod problem;
mod query;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::Rulebook;

pub use problem::Problem;

/// The largest request body read, in bytes: a case is a few kilobytes, a batch a few hundred.
pub const BODY_LIMIT: usize = 1 << 20;

/// The server's limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Request bodies larger than this are answered 413.
    pub body_bytes: usize,
    /// A request not answered within this is answered 408.
    pub timeout: Duration,
    /// Requests in flight at once; one more is answered 503 with `Retry-After: 1`.
    pub max_in_flight: usize,
    /// A longer line of a batch is reported by its number and skipped, as `check --batch`
    /// does (the body's limit bounds it too).
    pub line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: BODY_LIMIT,
            timeout: Duration::from_secs(10),
            max_in_flight: 512,
            line_bytes: crate::limits::DEFAULT_LINE_BYTES,
        }
    }
}

/// What every handler shares: the rulebook, the limits, and what is derived from the rulebook
/// once (the `OpenAPI` document).
#[derive(Clone)]
pub struct AppState {
    pub book: &'static Rulebook,
    pub limits: Limits,
    openapi: Arc<String>,
    in_flight: Arc<Semaphore>,
    next_id: Arc<AtomicU64>,
}

impl AppState {
    #[must_use]
    pub fn new(book: &'static Rulebook, limits: Limits) -> AppState {
        AppState {
            book,
            openapi: Arc::new(openapi::document(book)),
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            limits,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }
}

/// The whole application: API, `OpenAPI`, health, web page, behind the limits.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// [`app`] with `extra` routes behind the same limits (tests add a slow and a panicking one).
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .merge(extra)
        .fallback(not_found)
        .layer(middleware::from_fn(catch_panic))
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(middleware::from_fn_with_state(state.clone(), limit))
        .layer(middleware::from_fn_with_state(state.clone(), access_log))
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    Problem::new(StatusCode::NOT_FOUND, "not found")
        .detail(format!(
            "no resource at {}; the API is under /v1/, its description at /openapi.json",
            req.uri().path()
        ))
        .into_response()
}

/// The request id, set by the access log, for handlers that mention it.
#[derive(Clone, Copy, Debug)]
pub struct RequestId(pub u64);

async fn access_log(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = state.next_id.fetch_add(1, Ordering::Relaxed);
    req.extensions_mut().insert(RequestId(id));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let start = Instant::now();
    let mut res = as_problem(next.run(req).await).await;
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        res.headers_mut().insert("x-request-id", v);
    }
    tracing::info!(
        target: "access",
        request_id = id,
        %method,
        path = %path,
        status = res.status().as_u16(),
        micros = start.elapsed().as_micros() as u64,
    );
    res
}

/// An error answered by axum itself (a method not allowed, a path or query it could not
/// read), as problem+json like every other error.
async fn as_problem(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/problem+json") || ct.starts_with("text/html") {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let title = status.canonical_reason().unwrap_or("error").to_lowercase();
    let mut p = Problem::new(status, &title);
    if !text.trim().is_empty() {
        p = p.detail(text);
    }
    let mut out = p.into_response();
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Health checks are answered even when saturated: a full server is alive.
    if req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    if let Ok(permit) = state.in_flight.clone().try_acquire_owned() {
        let mut res = next.run(req).await;
        if res.extensions_mut().remove::<Streamed>().is_some() {
            // The answer is still being made as its body is sent: it holds its place until
            // the body ends or the client goes away.
            use futures_util::StreamExt;
            let (parts, body) = res.into_parts();
            let body = body.into_data_stream().map(move |frame| {
                let _held = &permit;
                frame
            });
            return Response::from_parts(parts, Body::from_stream(body));
        }
        drop(permit);
        res
    } else {
        let mut res = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many requests in flight",
        )
        .detail(format!(
            "the server is answering {} requests at once; try again in a second",
            state.limits.max_in_flight
        ))
        .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        res
    }
}

/// Marks a response whose body is made as it is sent (the batch): the concurrency limit
/// counts it in flight until its body ends, not only until its head is answered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Streamed;

async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.limits.timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => Problem::new(StatusCode::REQUEST_TIMEOUT, "request timed out")
            .detail(format!(
                "the request was not answered within {} ms",
                state.limits.timeout.as_millis()
            ))
            .into_response(),
    }
}

/// Runs the rest of the chain catching a panic: it is answered 500 here, and the connection
/// and the server go on. (In line, not as a task of its own: a task per request cost the
/// scheduler's cross-core wake-ups.)
async fn catch_panic(req: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    let id = req.extensions().get::<RequestId>().map_or(0, |r| r.0);
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(res) => res,
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(std::string::ToString::to_string)
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            tracing::error!(request_id = id, "handler panicked: {what}");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
                .detail(format!(
                    "the server failed on this request (request id {id}); it goes on serving"
                ))
                .into_response()
        }
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Runs the server on `addr` until Ctrl-C or SIGTERM: what `policy-calc serve` does. Prints
/// `listening on http://ADDR` on standard error once ready (with the port chosen, for port 0).
pub fn run(addr: SocketAddr, book: &'static Rulebook, limits: Limits) -> std::io::Result<()> {
    let started = Instant::now();
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let state = AppState::new(book, limits);
        tracing::info!(
            "listening on http://{local} (ready in {} ms)",
            started.elapsed().as_millis()
        );
        serve_on(listener, state, shutdown_signal()).await
    })
}

/// A body, read whole up to `limit` bytes: `Err` 413 beyond it, 400 if the connection fails.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, Problem> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::new(StatusCode::BAD_REQUEST, "the body could not be read")
                .detail(e.to_string())
        })?;
        if out.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

pub(crate) fn too_large(limit: usize) -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large").detail(format!(
        "a request body may hold at most {limit} bytes; send a batch in several requests"
    ))
}
