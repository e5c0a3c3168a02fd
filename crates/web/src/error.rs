//! Every error a request can end in, and the one place that maps them to HTTP:
//! `application/problem+json` (RFC 9457) for the API, a plain page for browsers.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use foothold_domain::policy::Denial;
use foothold_store::StoreError;
use serde::Serialize;

/// What went wrong, in terms a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there, or not theirs to see (never says which).
    #[error("There is nothing here, or you may not see it.")]
    NotFound,
    /// Known to exist, but not for this person.
    #[error("You do not have permission to do this.")]
    Forbidden,
    /// No credentials, or bad ones.
    #[error("Sign in first: send a session cookie or an `Authorization: Bearer` API token.")]
    Unauthorized,
    /// The request is malformed or a value is invalid; the text says which.
    #[error("{0}")]
    BadRequest(String),
    /// Valid input that breaks a rule (duplicate e-mail, reporting cycle).
    #[error("{0}")]
    Conflict(String),
    /// The record changed since the caller read it.
    #[error("Someone else changed this since you loaded it; reload to see their change, then apply yours again.")]
    Stale,
    /// A versioned save lost to a newer one; nothing was overwritten.
    #[error(
        "This was changed elsewhere (another tab or device) since you loaded it. Nothing was overwritten: compare the two texts, keep one or merge them, and save again."
    )]
    SaveConflict {
        /// The text stored now.
        text: String,
        /// Its version.
        version: i64,
    },
    /// Too many attempts.
    #[error("{0}")]
    TooManyRequests(String),
    /// Valid syntax, unprocessable content, with problems by line.
    #[error("{detail}")]
    Unprocessable {
        /// Summary.
        detail: String,
        /// Each problem.
        errors: Vec<foothold_domain::import::RowError>,
    },
    /// A cross-site or expired form.
    #[error("This form has expired or came from another site. Reload the page and try again.")]
    Csrf,
    /// A bug or an outage; details are logged, not shown.
    #[error("Something went wrong on our side. Try again in a moment.")]
    Internal(String),
    /// An extractor rejected the request with its own status (413, 415, 422…).
    #[error("{1}")]
    Rejected(StatusCode, String),
}

impl AppError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Stale | AppError::SaveConflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Rejected(s, _) => *s,
        }
    }

    fn title(&self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }

    fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, request_id = crate::logging::current_request_id(), "request failed");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(msg) => AppError::Conflict(msg),
            StoreError::Stale => AppError::Stale,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Denial> for AppError {
    /// Every refusal by the access policy passes here, so here it is logged
    /// (ASVS 7.2.2), with who asked, for what and from where.
    fn from(d: Denial) -> Self {
        let status = match d {
            Denial::NotFound => 404,
            Denial::Forbidden => 403,
        };
        crate::auth::log_refusal("access_denied", status, "refused by the access policy");
        match d {
            Denial::NotFound => AppError::NotFound,
            Denial::Forbidden => AppError::Forbidden,
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status text.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened and what to do about it.
    pub detail: String,
    /// Per-line problems, for imports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<LineProblem>,
    /// On a save conflict: what is stored now, to compare and merge with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Current>,
}

/// The stored text and version, returned with a save conflict.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Current {
    /// The text stored now.
    pub text: String,
    /// Its version: send it with your next save to replace it.
    pub version: i64,
}

/// One problem in an uploaded file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineProblem {
    /// Line in the file (1 is the header; 0 the file as a whole).
    pub line: u64,
    /// What is wrong and how to fix it.
    pub reason: String,
}

/// An [`AppError`] answered as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let status = e.status();
        let detail = e.to_string();
        let (errors, current) = match e {
            AppError::Unprocessable { errors, .. } => {
                (errors.into_iter().map(|e| LineProblem { line: e.line, reason: e.reason }).collect(), None)
            }
            AppError::SaveConflict { text, version } => (Vec::new(), Some(Current { text, version })),
            _ => (Vec::new(), None),
        };
        let problem = Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail,
            errors,
            current,
        };
        let mut res = (status, axum::Json(problem)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    detail: String,
}

/// An [`AppError`] answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let page = ErrorPage { title: e.title(), detail: e.to_string() };
        let mut res = match page.render() {
            Ok(body) => (e.status(), Html(body)).into_response(),
            Err(_) => (e.status(), e.to_string()).into_response(),
        };
        // A 401 names the scheme that would be accepted (RFC 9110, 11.6.1).
        if res.status() == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// Answers a panic with a 500 instead of a dropped connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!(request_id = crate::logging::current_request_id(), "a request handler panicked");
    ApiError(AppError::Internal("panic".into())).into_response()
}
