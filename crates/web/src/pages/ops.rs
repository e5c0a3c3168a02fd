//! Liveness, readiness and metrics for operators and load balancers.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use foothold_domain::policy::{Action, decide};

use crate::AppState;
use crate::auth::{MaybeViewer, is_metrics_scraper};
use crate::error::{AppError, PageError};

/// Alive: the process answers.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the database answers too.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// Prometheus text format, for a scraper sending the metrics token or a
/// signed-in admin: route names, request counts and pool figures tell an
/// outsider how the service is used and how loaded it is.
pub async fn metrics(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !is_metrics_scraper(state.config(), &headers) {
        let Some(v) = viewer else {
            crate::auth::log_refusal("access_denied", 401, "metrics without the token");
            return Err(PageError(AppError::Rejected(
                StatusCode::UNAUTHORIZED,
                "Send the metrics token (FOOTHOLD_METRICS_TOKEN) as `Authorization: Bearer`, or sign in as an admin."
                    .into(),
            )));
        };
        decide(v.actor(), Action::ReadMetrics).map_err(AppError::from)?;
    }
    let text = crate::metrics::render(&state).await;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}
