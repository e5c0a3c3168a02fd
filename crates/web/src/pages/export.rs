//! "Download all my data" from the profile page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::Viewer;
use crate::error::PageError;

/// The signed-in person's data as a zip archive.
pub async fn download(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    let bytes = crate::export::archive(state.store(), &v.person).await?;
    tracing::info!(person = v.person.id, bytes = bytes.len(), "data export downloaded");
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"foothold-export.zip\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}
