//! A person's own profile: password, sign out everywhere, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::policy::{Action, decide};
use foothold_store::Person;
use serde::Deserialize;

use super::{Chrome, render_with};
use crate::AppState;
use crate::auth::{Identity, Viewer};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::password::{hash_password, validate_new_password, verify_password};

pub struct TokenRow {
    id: i64,
    label: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    me: Person,
    tokens: Vec<TokenRow>,
    new_token: String,
    errors: Vec<String>,
    notice: String,
}

fn when(t: Option<foothold_store::Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "never".into())
}

async fn page(
    state: &AppState,
    v: &Identity,
    status: StatusCode,
    new_token: String,
    errors: Vec<String>,
    notice: &str,
) -> Result<Response, PageError> {
    let tokens = state
        .store()
        .api_tokens(v.person.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            label: t.label,
            created: when(Some(t.created_at)),
            last_used: when(t.last_used_at),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    render_with(
        status,
        &ProfilePage {
            chrome: Chrome::of(v, "profile"),
            me: v.person.clone(),
            tokens,
            new_token,
            errors,
            notice: notice.into(),
        },
    )
}

/// The profile page.
pub async fn show(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    page(&state, &v, StatusCode::OK, String::new(), vec![], "").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    password: String,
}

/// Changes one's own password; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let email = foothold_domain::Email::parse(&v.person.email).map_err(|e| AppError::Internal(e.to_string()))?;
    let stored = state.store().credentials(&email).await?.and_then(|(_, h)| h);
    if !verify_password(&f.current, stored).await {
        return page(
            &state,
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            vec!["Your current password is not right.".into()],
            "",
        )
        .await;
    }
    if let Err(e) = validate_new_password(&f.password) {
        return page(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, String::new(), vec![e], "").await;
    }
    let hash = hash_password(&f.password).await?;
    state.store().set_password_hash(v.person.id, &hash).await?;
    // A changed password must lock out whoever else had a session.
    state.store().delete_sessions_of(v.person.id).await?;
    Ok(Redirect::to("/sign-in").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    label: String,
}

/// Makes an API token and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<TokenForm>,
) -> Result<Response, PageError> {
    decide(v.actor(), Action::ManageOwnTokens)?;
    let label = match foothold_domain::Text::single_line(&f.label, "label", 100, true) {
        Ok(l) => l,
        Err(e) => {
            return page(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, String::new(), vec![format!("Label: {e}.")], "")
                .await;
        }
    };
    let (_, secret) = state.store().create_api_token(v.person.id, label.as_str()).await?;
    page(&state, &v, StatusCode::OK, secret, vec![], "").await
}

/// Revokes one of one's own tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    decide(v.actor(), Action::ManageOwnTokens)?;
    state.store().revoke_api_token(v.person.id, id).await?;
    page(&state, &v, StatusCode::OK, String::new(), vec![], "Token revoked.").await
}
