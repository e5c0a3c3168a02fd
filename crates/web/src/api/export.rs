//! `/api/v1/me/export`: all of the caller's own data in one archive.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Everything Foothold holds that the caller wrote or that is about them, as
/// a zip of JSON files (reflections with drafts, themes, plans with check-ins
/// and history, roles) and each plan in Markdown.
#[utoipa::path(get, path = "/me/export", tag = "people",
    responses((status = 200, description = "A zip archive", content_type = "application/zip", body = Vec<u8>)))]
pub async fn export(State(state): State<AppState>, Caller(c): Caller) -> Result<Response, ApiError> {
    let bytes = crate::export::archive(state.store(), &c.person).await?;
    Ok(([(header::CONTENT_TYPE, "application/zip"), (header::CACHE_CONTROL, "no-store")], bytes).into_response())
}
