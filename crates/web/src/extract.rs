//! Body extractors whose rejections go through [`crate::error`], so a bad
//! body gets the same clear answer as any other error: 415 for a body of the
//! wrong type, 413 for one over the limit, 400 for one that is cut off, not
//! UTF-8 or not well-formed, 422 for one with fields of the wrong type.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection, RawPathParamsRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::{DeserializeOwned, IntoDeserializer, Visitor};

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

/// The answer to a body that paused longer than the read timeout, or took
/// longer than the request timeout in all.
fn stalled() -> AppError {
    rejected(
        StatusCode::REQUEST_TIMEOUT,
        "The request body did not arrive in time (it paused too long, or took too long in all), so the server \
         stopped waiting for it. Send it again."
            .into(),
    )
}

/// Whether `err`, or any error it wraps, is an `E`.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(err), |e| e.source()).any(|e| e.is::<E>())
}

/// What went wrong reading a body, told by the error and every error it
/// wraps: over the limit is 413, past a read or request timeout 408, anything
/// else (a body cut off before its declared length) 400.
fn body_failure(err: &(dyn std::error::Error + 'static)) -> AppError {
    if caused_by::<http_body_util::LengthLimitError>(err) {
        too_large()
    } else if caused_by::<tower_http::timeout::TimeoutError>(err) {
        stalled()
    } else {
        cut_off()
    }
}

/// Maps an error of reading a body under a limit (see [`body_failure`]).
pub fn body_error(e: axum::Error) -> AppError {
    body_failure(e.into_inner().as_ref())
}

/// Reads the whole body under the route's limit.
async fn bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(f) if f.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        other => body_failure(&other),
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
///
/// A number with no fractional part is an integer, whichever way it is
/// written: `2.0` is the same JSON number as `2`, and the OpenAPI document's
/// `integer` (JSON Schema) accepts both, so an integer field does too.
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
        let mut value = match axum::Json::<serde_json::Value>::from_bytes(&body) {
            Ok(axum::Json(v)) => v,
            Err(e) => return Err(ApiError(rejected(e.status(), e.body_text()))),
        };
        whole_numbers_as_integers(&mut value);
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            ApiError(rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Failed to deserialize the JSON body into the target type: {e}"),
            ))
        })
    }
}

/// Rewrites every number written with a zero fraction (`2.0`, `1e3`) as the
/// integer it is, within ±(2^53 − 1): beyond that a number read as a
/// floating-point value may not be the one that was written (RFC 7493), as
/// with an integer too large for 64 bits, which stays refused.
fn whole_numbers_as_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    const SAFE: f64 = 9_007_199_254_740_991.0;
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() <= SAFE) {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
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
    if caused_by::<tower_http::timeout::TimeoutError>(&e) {
        return stalled();
    }
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
/// As in a JSON body, a whole number written with a zero fraction (`16.0`)
/// is that integer.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state).await.map_err(|e| {
            let e: RawPathParamsRejection = e;
            ApiError(rejected(e.status(), e.body_text()))
        })?;
        let values: Vec<&str> = raw.iter().map(|(_, v)| v).collect();
        let parsed = match values.as_slice() {
            [one] => T::deserialize(Segment(one)),
            many => T::deserialize(serde::de::value::SeqDeserializer::new(many.iter().map(|v| Segment(v)))),
        };
        parsed.map(ApiPath).map_err(|e| ApiError(rejected(StatusCode::BAD_REQUEST, format!("Invalid URL: {e}"))))
    }
}

/// The integer a number in a URL stands for: digits, or a whole number with
/// a zero fraction or an exponent within ±(2^53 − 1), as in a JSON body.
pub fn whole_number(s: &str) -> Option<i64> {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    s.parse::<i64>().ok().or_else(|| {
        let looks_numeric = s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
        let f = s.parse::<f64>().ok().filter(|f| looks_numeric && f.fract() == 0.0 && f.abs() <= SAFE)?;
        Some(f as i64)
    })
}

/// Why a path value was refused.
#[derive(Debug)]
struct PathValueError(String);

impl std::fmt::Display for PathValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PathValueError {}

impl serde::de::Error for PathValueError {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        PathValueError(msg.to_string())
    }
}

/// One path segment, read as the type asked for.
struct Segment<'a>(&'a str);

macro_rules! integers {
    ($($method:ident $visit:ident $t:ty;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                let n = whole_number(self.0)
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| PathValueError(format!("Cannot parse `{}` to a `{}`", self.0, stringify!($t))))?;
                visitor.$visit(n)
            }
        )*
    };
}

impl<'de, 'a> IntoDeserializer<'de, PathValueError> for Segment<'a> {
    type Deserializer = Segment<'a>;

    fn into_deserializer(self) -> Self::Deserializer {
        self
    }
}

impl<'de> serde::Deserializer<'de> for Segment<'_> {
    type Error = PathValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_str(self.0)
    }

    integers! {
        deserialize_i8 visit_i8 i8;
        deserialize_i16 visit_i16 i16;
        deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64;
        deserialize_u8 visit_u8 u8;
        deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32;
        deserialize_u64 visit_u64 u64;
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// A query string for the API; a value of the wrong type is a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => {
                let e: QueryRejection = e;
                Err(ApiError(rejected(e.status(), e.body_text())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{form_is_utf8, whole_number, whole_numbers_as_integers};

    #[test]
    fn forms_are_checked_for_utf8_after_decoding() {
        assert!(form_is_utf8(b"name=Zo%C3%AB+Smith&x=%"));
        assert!(form_is_utf8("name=Zoë".as_bytes()), "raw UTF-8 is fine too");
        assert!(form_is_utf8(b"a=%zz%4"), "an escape that is not one stays as typed");
        assert!(!form_is_utf8(b"name=Zo%FF"));
        assert!(!form_is_utf8(b"name=Zo%C3&b=%AB"), "a character split across fields");
        assert!(!form_is_utf8(b"name=Zo\xff"));
    }

    #[test]
    fn a_path_number_is_whole_or_refused() {
        for (s, n) in [("16", Some(16)), ("-3", Some(-3)), ("16.0", Some(16)), ("1e3", Some(1000)), ("+7.00", Some(7))]
        {
            assert_eq!(whole_number(s), n, "{s}");
        }
        for s in ["16.5", "abc", "inf", "NaN", "", "1e300", "9223372036854775808", "0x10"] {
            assert_eq!(whole_number(s), None, "{s}");
        }
    }

    #[test]
    fn whole_numbers_become_integers_and_fractions_stay() {
        let mut v: serde_json::Value = serde_json::from_str(
            r#"{"a": 2.0, "b": [1e3, -0.0, 1.5], "c": "2.0", "f": -9223372036854775809, "g": 1e300}"#,
        )
        .expect("json");
        v["d"] = json!(9_007_199_254_740_991.0_f64);
        v["e"] = json!(9_007_199_254_740_992.0_f64);
        whole_numbers_as_integers(&mut v);
        assert_eq!(v["a"], json!(2));
        assert_eq!(v["b"], json!([1000, 0, 1.5]));
        assert_eq!(v["c"], json!("2.0"));
        assert_eq!(v["d"], json!(9_007_199_254_740_991_i64));
        for beyond in ["e", "f", "g"] {
            assert!(v[beyond].is_f64(), "{beyond} stays a floating-point number: {}", v[beyond]);
        }
        assert!(v["a"].is_i64() && v["b"][0].is_i64());
    }
}
