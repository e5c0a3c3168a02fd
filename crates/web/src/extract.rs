//! Body extractors whose rejections go through [`crate::error`], so a bad
//! body gets the same clear answer as any other error: 415 for a body of the
//! wrong type, 413 for one over the limit, 400 for one that is cut off, not
//! UTF-8 or not well-formed, 422 for one with fields of the wrong type.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError, PageError};

fn rejected(status: StatusCode, text: String) -> AppError {
    AppError::Rejected(status, text)
}

/// The answer to a body that is over the limit.
pub fn too_large() -> AppError {
    rejected(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request body is too large: at most {} MiB is accepted ({} MiB for imports).",
            crate::BODY_LIMIT / (1024 * 1024),
            crate::IMPORT_LIMIT / (1024 * 1024)
        ),
    )
}

/// The answer to a body that could not be read to its end.
fn cut_off() -> AppError {
    rejected(
        StatusCode::BAD_REQUEST,
        "The request body could not be read to its end: the connection closed before all of it arrived.".into(),
    )
}

/// Maps an error of reading a body under a limit: over the limit is 413,
/// anything else (a body cut off before its declared length) is 400.
pub fn body_error(e: axum::Error) -> AppError {
    let inner = e.into_inner();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return too_large();
        }
        source = err.source();
    }
    cut_off()
}

/// Reads the whole body under the route's limit.
async fn bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(f) if f.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => cut_off(),
    })
}

fn content_type(headers: &HeaderMap) -> String {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase()
}

fn is_json(headers: &HeaderMap) -> bool {
    let ct = content_type(headers);
    let essence = ct.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether a urlencoded body is UTF-8 once its `%XX` escapes are decoded.
/// (Decoding it as `serde_urlencoded` does would silently turn bad bytes into
/// U+FFFD and store that.)
fn form_is_utf8(body: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match (body[i], body.get(i + 1).and_then(|b| hex(*b)), body.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// A JSON body for the API; unknown fields and wrong types are 4xx problems.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError(rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            )));
        }
        let body = bytes(req, state).await?;
        if std::str::from_utf8(&body).is_err() {
            return Err(ApiError(rejected(StatusCode::BAD_REQUEST, "The JSON body is not valid UTF-8 text.".into())));
        }
        match axum::Json::<T>::from_bytes(&body) {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError(rejected(e.status(), e.body_text()))),
        }
    }
}

/// A urlencoded form for pages.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = content_type(req.headers());
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(PageError(rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the form as a browser does, with `Content-Type: application/x-www-form-urlencoded`.".into(),
            )));
        }
        let body = bytes(req, state).await?;
        if !form_is_utf8(&body) {
            return Err(PageError(rejected(
                StatusCode::BAD_REQUEST,
                "The form is not valid UTF-8 text. Send it again from the page.".into(),
            )));
        }
        serde_urlencoded::from_bytes(&body).map(PageForm).map_err(|e| {
            PageError(rejected(StatusCode::UNPROCESSABLE_ENTITY, format!("The form could not be read: {e}.")))
        })
    }
}

/// Maps an error of reading an upload: over the limit is 413, a broken or
/// incomplete upload 400, both with words a person can act on.
pub fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        status => rejected(
            status,
            format!("The upload could not be read ({}). Choose the file and send the form again.", e.body_text()),
        ),
    }
}

/// A `multipart/form-data` upload for pages.
pub struct PageMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for PageMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type(req.headers()).starts_with("multipart/form-data") {
            return Err(PageError(rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the file from the page's form, with `Content-Type: multipart/form-data`.".into(),
            )));
        }
        Multipart::from_request(req, state)
            .await
            .map(PageMultipart)
            .map_err(|e| PageError(rejected(e.status(), format!("The upload could not be read: {}.", e.body_text()))))
    }
}

/// Path parameters for the API; a value of the wrong type is a 400 problem.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => {
                let e: PathRejection = e;
                Err(ApiError(rejected(e.status(), e.body_text())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::form_is_utf8;

    #[test]
    fn forms_are_checked_for_utf8_after_decoding() {
        assert!(form_is_utf8(b"name=Zo%C3%AB+Smith&x=%"));
        assert!(form_is_utf8("name=Zoë".as_bytes()), "raw UTF-8 is fine too");
        assert!(form_is_utf8(b"a=%zz%4"), "an escape that is not one stays as typed");
        assert!(!form_is_utf8(b"name=Zo%FF"));
        assert!(!form_is_utf8(b"name=Zo%C3&b=%AB"), "a character split across fields");
        assert!(!form_is_utf8(b"name=Zo\xff"));
    }
}
