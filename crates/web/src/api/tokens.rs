//! `/api/v1/tokens`: one's own personal API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use foothold_domain::Text;
use foothold_domain::notice::Notice;
use foothold_domain::policy::{Action, decide};
use foothold_store::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError, Problem};
use crate::extract::{ApiJson, ApiPath};

/// A token as listed: never its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: i64,
    label: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenOut {
    fn from(t: ApiToken) -> Self {
        TokenOut {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// Your tokens, newest first.
#[utoipa::path(get, path = "/tokens", tag = "tokens", responses((status = 200, body = Vec<TokenOut>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<TokenOut>>, ApiError> {
    decide(c.actor(), Action::ManageOwnTokens)?;
    Ok(Json(state.store().api_tokens(c.person.id).await?.into_iter().map(Into::into).collect()))
}

/// A token to make.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenIn {
    /// What it is for.
    #[schema(schema_with = super::rules::token_label)]
    label: String,
}

/// A new token: the secret is shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewTokenOut {
    id: i64,
    label: String,
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

/// Makes a token.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewTokenIn,
    responses((status = 201, body = NewTokenOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(body): ApiJson<NewTokenIn>,
) -> Result<(StatusCode, Json<NewTokenOut>), ApiError> {
    decide(c.actor(), Action::ManageOwnTokens)?;
    let label = Text::single_line(&body.label, "label", 100, true)
        .map_err(|e| AppError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, format!("label: {e}")))?;
    let (t, token) = state.store().create_api_token(c.person.id, label.as_str()).await?;
    crate::outbox::queue_notice(&state, &c.person, Notice::TokenCreated, "", label.as_str()).await;
    Ok((StatusCode::CREATED, Json(NewTokenOut { id: t.id, label: t.label, token })))
}

/// Revokes one of your tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 200, body = TokenOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TokenOut>, ApiError> {
    decide(c.actor(), Action::ManageOwnTokens)?;
    Ok(Json(state.store().revoke_api_token(c.person.id, id).await?.into()))
}
