//! Headers that every response carries.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// How long browsers keep to HTTPS after a visit: a year, as the HSTS preload
/// list asks. No `includeSubDomains`: other hosts of the organisation's
/// domain are not Foothold's to decide.
const HSTS: &str = "max-age=31536000";

/// Adds the security headers; pages never allow inline script or framing.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if state.config().is_https() {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages hold personal data: never keep them in shared caches.
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}
