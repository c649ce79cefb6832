//! The web page: server-rendered forms and reports (maud), assets embedded.

use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
