//! Body extractors whose rejections go through [`crate::error`], so a bad
//! body gets the same clear answer as any other error.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError, PageError};

fn rejected(status: axum::http::StatusCode, text: String) -> AppError {
    AppError::Rejected(status, text)
}

/// A JSON body for the API; unknown fields and wrong types are 4xx problems.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => {
                let status = e.status();
                let text = match &e {
                    JsonRejection::MissingJsonContentType(_) => {
                        "Send the body as JSON with `Content-Type: application/json`.".to_owned()
                    }
                    _ => e.body_text(),
                };
                Err(ApiError(rejected(status, text)))
            }
        }
    }
}

/// A urlencoded form for pages.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(e) => {
                let e: FormRejection = e;
                Err(PageError(rejected(e.status(), e.body_text())))
            }
        }
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
