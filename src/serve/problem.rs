//! Errors as `application/problem+json` (RFC 9457), carrying the case's diagnostics.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::eval::EvaluationError;
use crate::labels::Lang;

/// A problem: `type`, `title`, `status`, `detail`, and the diagnostics (`errors`) when the
/// problem is in a case.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Each problem found in the case: code, file, line, column, message, field, expected,
    /// suggestion (as the library's `Diagnostic`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Diagnostic>,
    /// For an evaluation error: the facts involved, as `field = value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
}

impl Problem {
    #[must_use]
    pub fn new(status: StatusCode, title: &str) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            facts: Vec::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    /// A case that was not read: 400 when its text is not TOML or JSON at all (a syntax
    /// error), 422 when it is, but fails the subject's checks. Each diagnostic's `message`,
    /// and `detail`, are in `lang`.
    #[must_use]
    pub fn from_diagnostics(d: Diagnostics, lang: Lang) -> Problem {
        let syntax = d.0.iter().any(|d| d.code == "case::syntax");
        let (status, title, kind) = if syntax {
            (
                StatusCode::BAD_REQUEST,
                "the case is malformed",
                "malformed-case",
            )
        } else {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "the case fails its checks",
                "invalid-case",
            )
        };
        let errors: Vec<Diagnostic> = d.0.into_iter().map(|d| d.in_lang(lang)).collect();
        let detail = errors
            .iter()
            .map(|d| match lang {
                // The one-line form, whose notes (field, expected, help) are in English.
                Lang::En => d.to_string(),
                Lang::Zh => format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message),
            })
            .collect::<Vec<_>>()
            .join("\n");
        Problem {
            kind: format!("/problems/{kind}"),
            errors,
            ..Problem::new(status, title).detail(detail)
        }
    }

    /// A case that was read but cannot be evaluated (a date fact after the evaluation date),
    /// `detail` in `lang`.
    #[must_use]
    pub fn from_evaluation(e: EvaluationError, lang: Lang) -> Problem {
        Problem {
            kind: "/problems/not-evaluable".into(),
            facts: e.facts.clone(),
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the case cannot be evaluated",
            )
            .detail(e.message_in(lang))
        }
    }

    /// A bad query parameter or header: 400.
    pub fn bad_request(title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "/problems/bad-request".into(),
            ..Problem::new(StatusCode::BAD_REQUEST, title).detail(detail)
        }
    }

    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                "{{\"type\":\"about:blank\",\"title\":\"error\",\"status\":{}}}",
                self.status
            )
        })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut res = (self.status(), self.to_json()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}
