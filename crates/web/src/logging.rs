//! What the logs say of a request: its id, which its answer carries too, and
//! never a secret its path carries. Invite links and calendar feeds are
//! reached by a secret in the path, and the set-up link carries its token in
//! the query; logs are read by more people, and kept longer, than the database.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The header that names a request, in the log and in its answer.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Whether a request id from outside (a reverse proxy's) is safe to keep:
/// short, and only characters no log format treats specially.
fn usable_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=64).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
}

tokio::task_local! {
    /// The id of the request being served, for log lines written inside it.
    static CURRENT: String;
}

/// Middleware: every request gets an id, kept from a trusted proxy's
/// `X-Request-Id` when it is usable, else a new random UUID; the answer
/// carries it, so a person reporting a problem and the log name the same
/// request. Anyone else's id is replaced: a client could otherwise give
/// its requests another request's id.
pub(crate) async fn request_id(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let trusted = peer.is_some_and(|ip| state.config().trusted_proxies.contains(&ip));
    let id = match req.headers().get(&REQUEST_ID) {
        Some(v) if trusted && usable_id(v) => v.clone(),
        _ => {
            let random: [u8; 16] = rand::random();
            let id = uuid::Builder::from_random_bytes(random).into_uuid();
            HeaderValue::from_str(&id.to_string()).unwrap_or(HeaderValue::from_static("-"))
        }
    };
    req.headers_mut().insert(REQUEST_ID, id.clone());
    let current = id.to_str().unwrap_or("-").to_owned();
    let mut res = CURRENT.scope(current, next.run(req)).await;
    res.headers_mut().insert(REQUEST_ID, id);
    res
}

/// The id of the request being served ("-" outside one).
pub(crate) fn current_request_id() -> String {
    CURRENT.try_with(String::clone).unwrap_or_else(|_| "-".to_owned())
}

/// The id [`request_id`] gave a request, from its headers.
pub(crate) fn id_of(headers: &axum::http::HeaderMap) -> &str {
    headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-")
}

/// Route templates whose paths hold a secret: logs show the template.
const SECRET_ROUTES: [&str; 2] = ["/invite/{token}", "/calendar/{file}"];

/// The path to log for a request that matched `route`: the template when the
/// path holds a secret, else the path itself. Never the query string.
pub(crate) fn loggable_path<'a>(route: Option<&'a str>, path: &'a str) -> &'a str {
    match route {
        Some(template) if SECRET_ROUTES.contains(&template) => template,
        _ => path,
    }
}

/// The span every request is traced in (at debug level, like tower-http's
/// default, but without the query string or a secret path).
pub(crate) fn request_span(req: &Request) -> tracing::Span {
    let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    tracing::debug_span!(
        "request",
        request_id = id_of(req.headers()),
        method = %req.method(),
        path = loggable_path(route, req.uri().path()),
        version = ?req.version(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_paths_are_logged_as_their_template() {
        assert_eq!(loggable_path(Some("/invite/{token}"), "/invite/s3cr3t"), "/invite/{token}");
        assert_eq!(loggable_path(Some("/calendar/{file}"), "/calendar/s3cr3t.ics"), "/calendar/{file}");
        assert_eq!(loggable_path(Some("/people/{id}"), "/people/42"), "/people/42", "ids are not secrets");
        assert_eq!(loggable_path(None, "/nowhere"), "/nowhere");
    }

    #[test]
    fn only_plain_short_ids_from_outside_are_kept() {
        for kept in ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "req_1.2", &"a".repeat(64)] {
            assert!(usable_id(&HeaderValue::from_str(kept).expect("header")), "{kept}");
        }
        for replaced in ["", "a b", "a\"b", "x=1;y", "%0a", &"a".repeat(65), "ünicode"] {
            let ok = HeaderValue::from_str(replaced).map(|v| usable_id(&v)).unwrap_or(false);
            assert!(!ok, "{replaced}");
        }
    }
}
