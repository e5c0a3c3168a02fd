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
}

impl WebConfig {
    /// Defaults for a base URL.
    pub fn new(base_url: url::Url) -> Self {
        WebConfig {
            base_url,
            trusted_proxies: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            email_delivery: false,
        }
    }

    fn secure_cookies(&self) -> bool {
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
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(feed::router())
        .merge(assets::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::resolve_identity))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(guard::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi()
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
