//! Who is asking: session cookies for browsers, bearer tokens for scripts,
//! and the CSRF check that every state-changing browser request passes.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::policy::Actor;
use foothold_store::Person;

use crate::error::{ApiError, AppError, PageError};
use crate::{AppState, WebConfig};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "foothold_session";

/// The session cookie's name over https: with the `__Host-` prefix a browser
/// takes the cookie only from this host, over TLS and for the whole site,
/// so neither a sibling subdomain nor a plain-http page can set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-foothold_session";

/// The session cookie's name where Foothold is reached at `config`'s base URL.
pub fn session_cookie_name(config: &WebConfig) -> &'static str {
    if config.is_https() { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session.
    Session {
        /// The cookie value.
        token: String,
        /// The session's CSRF token, for forms.
        csrf: String,
    },
    /// A personal API token.
    ApiToken,
}

/// The signed-in person behind a request.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Who.
    pub person: Person,
    /// How.
    pub via: Via,
}

impl Identity {
    /// The person as the policy module sees them.
    pub fn actor(&self) -> Actor {
        Actor { id: self.person.id, role: self.person.role }
    }

    /// The CSRF token to embed in forms (empty for API tokens, which need none).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::ApiToken => "",
        }
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The credentials of an `Authorization: Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Option<Identity>, AppError> {
    if let Some(token) = bearer(headers) {
        // The metrics scraper is nobody, and must not need the database to
        // be let in: its figures matter most when the database struggles.
        if is_metrics_scraper(state.config(), headers) {
            return Ok(None);
        }
        return Ok(state
            .store()
            .person_by_api_token(token)
            .await?
            .map(|person| Identity { person, via: Via::ApiToken }));
    }
    if let Some(token) = cookie(headers, session_cookie_name(state.config())) {
        return Ok(state.store().session(token).await?.map(|s| Identity {
            person: s.person,
            via: Via::Session { token: token.to_owned(), csrf: s.csrf_token },
        }));
    }
    Ok(None)
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn fail(path: &str, e: AppError) -> Response {
    if is_api(path) { ApiError(e).into_response() } else { PageError(e).into_response() }
}

/// A browser says where a request came from; refuse any other site.
/// Requests without either header (scripts, old browsers) pass here and
/// still need the session's token when they carry a session cookie.
fn same_origin(headers: &HeaderMap, config: &WebConfig) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = match origin.port() {
        Some(p) => format!("{}:{p}", origin.host_str().unwrap_or_default()),
        None => origin.host_str().unwrap_or_default().to_owned(),
    };
    origin.origin() == config.base_url.origin() || host == Some(origin_host.as_str())
}

/// Whether the request carries the metrics scraper's token
/// ([`WebConfig::metrics_token`]) as `Authorization: Bearer`.
pub(crate) fn is_metrics_scraper(config: &WebConfig, headers: &HeaderMap) -> bool {
    match (config.metrics_token.as_deref(), bearer(headers)) {
        (Some(expected), Some(sent)) => constant_time_eq(sent, expected),
        _ => false,
    }
}

/// Compares secrets in time that does not tell how much of them matched.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Finds the CSRF token in a header, a urlencoded form or a multipart form,
/// handing the request back intact.
async fn csrf_token_of(req: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(v) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        let token = v.to_owned();
        return Ok((Some(token), req));
    }
    // Keep the original: a multipart boundary is case-sensitive.
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let kind = content_type.to_ascii_lowercase();
    let form = kind.starts_with("application/x-www-form-urlencoded");
    let multipart = kind.starts_with("multipart/form-data");
    if !form && !multipart {
        return Ok((None, req));
    }
    // Only the import routes take large bodies; nowhere else is a big body buffered.
    // Both their upload (multipart) and their save step (a form that carries the
    // uploaded text back) may be that large.
    let limit = if req.uri().path().ends_with("/import") { crate::IMPORT_LIMIT } else { crate::BODY_LIMIT };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(crate::extract::body_error)?;
    let token = if form {
        url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned())
    } else {
        // Our own reader with the import limit: axum's extractor would apply
        // its 2 MiB default to this re-read of an already limited body.
        let boundary = multer::parse_boundary(&content_type).map_err(|_| {
            AppError::Rejected(axum::http::StatusCode::BAD_REQUEST, "The form data has no boundary.".into())
        })?;
        let chunk = bytes.clone();
        let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(chunk) });
        let limits =
            multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(crate::IMPORT_LIMIT as u64));
        let mut mp = multer::Multipart::with_constraints(stream, boundary, limits);
        let mut found = None;
        while let Ok(Some(field)) = mp.next_field().await {
            if field.name() == Some("csrf") {
                found = field.text().await.ok();
                break;
            }
        }
        found
    };
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// Who asked for what: the context of security events logged deep inside a
/// request (a refusal by the access policy), without threading it through
/// every handler. A task-local, not a tracing span: a span is formatted on
/// every request, and refusals are rare.
#[derive(Clone)]
struct RequestContext {
    state: AppState,
    method: Method,
    uri: axum::http::Uri,
    /// The matched route's template, so that a secret path is not logged.
    route: Option<axum::extract::MatchedPath>,
    person: Option<i64>,
    peer: Option<SocketAddr>,
    /// Only this header is kept: the client address is worked out when an
    /// event is logged, not on every request.
    forwarded: Option<HeaderValue>,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// Logs a security event (`access_denied`, `csrf_refused`) with the
/// request's method, path, person and client address when inside a request.
pub(crate) fn log_refusal(event: &'static str, status: u16, reason: &'static str) {
    let logged = REQUEST.try_with(|c| {
        let client = client_behind(c.state.config(), c.peer, c.forwarded.as_ref());
        tracing::warn!(
            event,
            status,
            reason,
            request_id = crate::logging::current_request_id(),
            method = %c.method,
            path = crate::logging::loggable_path(c.route.as_ref().map(|r| r.as_str()), c.uri.path()),
            person = c.person,
            client,
            "request refused"
        );
    });
    if logged.is_err() {
        tracing::warn!(event, status, reason, "request refused");
    }
}

/// Middleware: resolves the caller once per request and enforces CSRF rules.
///
/// The whole request, from the session lookup on, runs its statements on one
/// database connection ([`foothold_store::with_held_connection`]).
pub async fn resolve_identity(State(state): State<AppState>, req: Request, next: Next) -> Response {
    foothold_store::with_held_connection(identified(state, req, next)).await
}

async fn identified(state: AppState, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let identity = match identify(&state, req.headers()).await {
        Ok(i) => i,
        Err(e) => return fail(&path, e),
    };
    let context = RequestContext {
        state: state.clone(),
        method: req.method().clone(),
        uri: req.uri().clone(),
        route: req.extensions().get::<axum::extract::MatchedPath>().cloned(),
        person: identity.as_ref().map(|i| i.person.id),
        peer: req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0),
        forwarded: req.headers().get("x-forwarded-for").cloned(),
    };
    REQUEST.scope(context, checked(state, identity, path, req, next)).await
}

async fn checked(state: AppState, identity: Option<Identity>, path: String, req: Request, next: Next) -> Response {
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        // The body is still on the wire: a slow or stalled client must not
        // keep the connection the session lookup took from everyone else.
        foothold_store::release_held_connection().await;
        if !same_origin(req.headers(), state.config()) {
            log_refusal("csrf_refused", 403, "cross-site request");
            return fail(&path, AppError::Csrf);
        }
        if let Some(Identity { via: Via::Session { csrf, .. }, .. }) = &identity {
            let (token, rebuilt) = match csrf_token_of(req).await {
                Ok(found) => found,
                Err(e) => return fail(&path, e),
            };
            if !token.is_some_and(|t| constant_time_eq(&t, csrf)) {
                log_refusal("csrf_refused", 403, "missing or wrong form token");
                return fail(&path, AppError::Csrf);
            }
            req = rebuilt;
        }
    }
    req.extensions_mut().insert(identity);
    next.run(req).await
}

fn identity_of(parts: &Parts) -> Option<Identity> {
    parts.extensions.get::<Option<Identity>>().cloned().flatten()
}

/// A person signed in with a browser session, on a page; others are sent to
/// sign in. API tokens are for `/api/v1` only: a script's token never opens pages.
pub struct Viewer(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match identity_of(parts).filter(|i| matches!(i.via, Via::Session { .. })) {
            Some(i) => Ok(Viewer(i)),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = if next == "/" {
                    "/sign-in".to_owned()
                } else {
                    format!(
                        "/sign-in?next={}",
                        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                    )
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// A signed-in caller of the API; others get 401.
pub struct Caller(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        identity_of(parts).map(Caller).ok_or(ApiError(AppError::Unauthorized))
    }
}

/// Whoever is signed in with a browser session, if anyone (for pages anyone
/// may open). An API token counts as nobody here, as on every page: otherwise
/// the sign-in page would send a script holding a token to `/`, which sends
/// it back to sign in, forever.
pub struct MaybeViewer(pub Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeViewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeViewer(identity_of(parts).filter(|i| matches!(i.via, Via::Session { .. }))))
    }
}

/// The TCP peer, when the server was started with connection info.
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)))
    }
}

/// The client's address, believing `X-Forwarded-For` only from trusted proxies.
pub fn client_ip(config: &WebConfig, peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
    client_behind(config, peer, headers.get("x-forwarded-for"))
}

/// [`client_ip`] from the one header it reads.
fn client_behind(config: &WebConfig, peer: Option<SocketAddr>, forwarded: Option<&HeaderValue>) -> String {
    let Some(peer) = peer.map(|c| c.ip()) else {
        return "unknown".into();
    };
    if !config.trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = forwarded.and_then(|v| v.to_str().ok()).unwrap_or_default();
    // The right-most address not added by one of our proxies is the client.
    forwarded
        .rsplit(',')
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !config.trusted_proxies.contains(ip))
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| peer.to_string())
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(config: &WebConfig, token: &str) -> String {
    set_session_cookie(config, token, config.session_ttl.as_secs())
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_session_cookie(config: &WebConfig) -> String {
    set_session_cookie(config, "", 0)
}

fn set_session_cookie(config: &WebConfig, value: &str, max_age: u64) -> String {
    let name = session_cookie_name(config);
    let secure = if config.is_https() { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WebConfig {
        WebConfig::new(url::Url::parse("https://foothold.example.org").expect("url"))
    }

    #[test]
    fn origin_rules() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h, &config()), "no headers: scripts pass, tokens still apply");
        h.insert("origin", "https://evil.example".parse().expect("hv"));
        assert!(!same_origin(&h, &config()));
        h.insert("origin", "https://foothold.example.org".parse().expect("hv"));
        assert!(same_origin(&h, &config()));
        h.insert("sec-fetch-site", "cross-site".parse().expect("hv"));
        assert!(!same_origin(&h, &config()), "Sec-Fetch-Site wins over Origin");
        h.insert("sec-fetch-site", "same-origin".parse().expect("hv"));
        assert!(same_origin(&h, &config()));
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let mut c = config();
        let peer = "10.0.0.5:4000".parse::<SocketAddr>().ok();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().expect("hv"));
        assert_eq!(client_ip(&c, peer, &h), "10.0.0.5");
        c.trusted_proxies = vec!["10.0.0.5".parse().expect("ip")];
        assert_eq!(client_ip(&c, peer, &h), "198.51.100.7");
    }

    #[test]
    fn cookies_are_locked_down() {
        let c = session_cookie(&config(), "abc");
        assert!(c.starts_with("__Host-foothold_session=abc;"), "{c}");
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Domain"), "a __Host- cookie names no domain: {c}");
        let plain = WebConfig::new(url::Url::parse("http://127.0.0.1:8080").expect("url"));
        let p = session_cookie(&plain, "abc");
        assert!(p.starts_with("foothold_session=abc;") && !p.contains("Secure"), "{p}");
    }
}
