//! Foothold's HTTP face: server-rendered pages and the JSON API.
//!
//! Handlers are thin: they read the request, ask [`foothold_domain::policy`]
//! whether the caller may act, call the store, and render. Errors are mapped
//! to HTTP in one place ([`error`]).

mod api;
mod assets;
mod audit;
mod auth;
mod chart;
mod conversations;
mod engagement;
mod error;
mod export;
mod extract;
mod feed;
mod guard;
mod insight;
mod logging;
mod metrics;
pub mod outbox;
mod pages;
mod password;
mod plans;
mod question_sets;
mod themes;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use foothold_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::{RequestBodyDeadlineLayer, RequestBodyTimeoutLayer};
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use pages::SETUP_TOKEN_KEY;
pub use password::{hash_password, validate_new_password};

/// Largest request body accepted, except imports: far more than any form or
/// JSON body needs (answers and notes stop at 20,000 characters), small
/// enough that a flood of big bodies cannot exhaust memory. Applied to every
/// route in [`router`]; the import routes raise it to [`IMPORT_LIMIT`].
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Largest import on the people and question set import routes (10,000
/// people fit in about 1 MB of CSV).
pub const IMPORT_LIMIT: usize = 8 * 1024 * 1024;

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Where people reach Foothold; links in invites use it, and `https` turns on `Secure` cookies.
    pub base_url: url::Url,
    /// Proxies whose `X-Forwarded-For` is believed when throttling sign-ins.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Whether this Foothold sends email (an SMTP server is configured), so
    /// pages can say whether reminders arrive by mail or only in the app.
    pub email_delivery: bool,
    /// Longest a request's body may pause: a body that sends nothing for this
    /// long is answered 408 instead of holding a connection and a task.
    pub read_timeout: Duration,
    /// Longest a connection may wait for its next request's head (idle
    /// keep-alive connections included), and a whole body may take to
    /// arrive: a client sending a byte now and then is cut off too. Keep it
    /// above a reverse proxy's idle timeout for its upstream connections, or
    /// the proxy may send a request just as Foothold closes the connection.
    pub request_timeout: Duration,
    /// The token a metrics scraper sends (`Authorization: Bearer`) to read
    /// `/metrics` without being a person; without one only admins read it.
    pub metrics_token: Option<String>,
}

/// How long a request's body may pause.
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a connection may idle, and a request take to arrive, unless
/// configured: above the upstream idle timeouts of common reverse proxies
/// (nginx 60 s, AWS ALB 60 s, Traefik 90 s, Caddy 120 s).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(180);

impl WebConfig {
    /// Defaults for a base URL.
    pub fn new(base_url: url::Url) -> Self {
        WebConfig {
            base_url,
            trusted_proxies: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            email_delivery: false,
            read_timeout: READ_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            metrics_token: None,
        }
    }

    /// Whether people reach Foothold over TLS: then cookies are `Secure` and
    /// `__Host-`, and browsers are told to use nothing else (HSTS).
    fn is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// An absolute link to a path of this Foothold.
    pub fn link(&self, path: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

/// Shared state of every request: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    config: WebConfig,
    metrics: metrics::Metrics,
    engine: themes::EngineCache,
    insight: insight::InsightCache,
    walls: pages::plans::Walls,
}

impl AppState {
    /// Builds the state.
    pub fn new(store: Store, config: WebConfig) -> Self {
        AppState(Arc::new(Inner {
            store,
            config,
            metrics: metrics::Metrics::default(),
            engine: themes::EngineCache::default(),
            insight: insight::InsightCache::default(),
            walls: pages::plans::Walls::default(),
        }))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The configuration.
    pub fn config(&self) -> &WebConfig {
        &self.0.config
    }

    /// Team insight, computed for every group at once.
    pub(crate) fn insight(&self) -> &insight::InsightCache {
        &self.0.insight
    }

    /// The theme engine for the organisation's themes.
    pub(crate) fn engine(&self) -> &themes::EngineCache {
        &self.0.engine
    }

    /// Climbing walls drawn lately.
    pub(crate) fn walls(&self) -> &pages::plans::Walls {
        &self.0.walls
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(feed::router())
        .merge(assets::router())
        .fallback(pages::not_found);
    layered(routes, state)
}

/// The middleware every route runs in, innermost first.
fn layered(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::resolve_identity))
        // Inside the rest, so that a panic's 500 gets the security headers,
        // is counted and traced like any other answer.
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyTimeoutLayer::new(state.config().read_timeout))
        .layer(RequestBodyDeadlineLayer::new(state.config().request_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(logging::request_span))
        // Outermost, so that every answer and log line names its request.
        .layer(axum::middleware::from_fn_with_state(state.clone(), logging::request_id))
        .with_state(state)
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi()
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
///
/// The accept loop is axum's `serve` with hyper's timer set, which axum's
/// does not set: without it hyper never enforces its header read timeout,
/// and a client sending its request head a byte at a time, or never sending
/// one, keeps the connection for as long as it likes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(state.config().request_timeout);
    let app = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // A connection reset before it was accepted concerns only itself.
                Err(e) if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset
                ) => continue,
                Err(e) => {
                    // Out of file descriptors, say: wait for some to close, as axum does.
                    tracing::error!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(remote));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::response::Response;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    /// Collects what the log prints.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn boom() -> &'static str {
        panic!("the secret detail of a panic")
    }

    async fn get_path(app: &Router, path: &str) -> Response {
        let mut req = axum::http::Request::get(path).body(Body::empty()).expect("request");
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 9))));
        app.clone().oneshot(req).await.expect("answered")
    }

    /// A handler that panics gets a plain 500 that names its request and
    /// carries the security headers, the log says so with the same request
    /// id, the panic's message reaches nobody, and the next request is served.
    #[tokio::test]
    async fn a_panic_is_a_500_that_names_its_request() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let dir = tempfile::tempdir().expect("tempdir");
        let url = foothold_store::DatabaseUrl::sqlite_file(&dir.path().join("p.db"));
        let store = Store::connect(&url, 2).await.expect("store");
        store.migrate().await.expect("migrate");
        let state = AppState::new(store, WebConfig::new("http://127.0.0.1:8080".parse().expect("url")));
        let routes = Router::new().route("/boom", get(boom)).route("/fine", get(|| async { "fine" }));
        let app = layered(routes, state);

        let res = get_path(&app, "/boom").await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers().get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
        let id = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("request id").to_owned();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("secret detail"), "{body}");
        let printed = String::from_utf8_lossy(&log.0.lock().expect("log")).into_owned();
        let line = printed.lines().find(|l| l.contains("a request handler panicked")).expect("logged");
        assert!(line.contains(&id), "the log line names the request: {line}");

        let res = get_path(&app, "/fine").await;
        assert_eq!(res.status(), StatusCode::OK, "served after the panic");
    }
}
