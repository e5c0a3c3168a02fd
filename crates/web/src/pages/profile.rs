//! A person's own profile: password, sign out everywhere, API tokens, the
//! calendar feed and email reminders.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::notice::Notice;
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

pub struct FeedRow {
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    me: Person,
    tokens: Vec<TokenRow>,
    new_token: String,
    feed: Option<FeedRow>,
    new_feed_url: String,
    email_reminders: bool,
    email_delivery: bool,
    errors: Vec<String>,
    notice: String,
}

/// What a page shows once, after an action.
#[derive(Default)]
struct Shown {
    new_token: String,
    new_feed_url: String,
    errors: Vec<String>,
    notice: String,
}

impl Shown {
    fn error(e: String) -> Self {
        Shown { errors: vec![e], ..Default::default() }
    }

    fn notice(n: &str) -> Self {
        Shown { notice: n.into(), ..Default::default() }
    }
}

fn when(t: Option<foothold_store::Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "never".into())
}

async fn page(state: &AppState, v: &Identity, status: StatusCode, shown: Shown) -> Result<Response, PageError> {
    let store = state.store();
    let tokens = store
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
    let feed = store
        .calendar_feed(v.person.id)
        .await?
        .map(|f| FeedRow { created: when(Some(f.created_at)), last_used: when(f.last_used_at) });
    render_with(
        status,
        &ProfilePage {
            chrome: Chrome::of(v, "profile"),
            me: v.person.clone(),
            tokens,
            new_token: shown.new_token,
            feed,
            new_feed_url: shown.new_feed_url,
            email_reminders: store.email_reminders(v.person.id).await?,
            email_delivery: state.config().email_delivery,
            errors: shown.errors,
            notice: shown.notice,
        },
    )
}

/// The profile page.
pub async fn show(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    page(&state, &v, StatusCode::OK, Shown::default()).await
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
            Shown::error("Your current password is not right.".into()),
        )
        .await;
    }
    if let Err(e) = validate_new_password(&f.password, &[&v.person.name, &v.person.email]) {
        return page(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, Shown::error(e)).await;
    }
    let hash = hash_password(&f.password).await?;
    state.store().set_password_hash(v.person.id, &hash).await?;
    // A changed password must lock out whoever else had a session.
    state.store().delete_sessions_of(v.person.id).await?;
    crate::outbox::queue_notice(&state, &v.person, Notice::PasswordChanged, "", "").await;
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
            return page(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, Shown::error(format!("Label: {e}."))).await;
        }
    };
    let (_, secret) = state.store().create_api_token(v.person.id, label.as_str()).await?;
    crate::outbox::queue_notice(&state, &v.person, Notice::TokenCreated, "", label.as_str()).await;
    page(&state, &v, StatusCode::OK, Shown { new_token: secret, ..Default::default() }).await
}

/// Revokes one of one's own tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    decide(v.actor(), Action::ManageOwnTokens)?;
    state.store().revoke_api_token(v.person.id, id).await?;
    page(&state, &v, StatusCode::OK, Shown::notice("Token revoked.")).await
}

/// Makes a new calendar feed address (the old one stops working) and shows it once.
pub async fn regenerate_feed(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    decide(v.actor(), Action::ManageOwnTokens)?;
    let had = state.store().calendar_feed(v.person.id).await?.is_some();
    let (_, token) = state.store().regenerate_calendar_feed(v.person.id).await?;
    crate::outbox::queue_notice(&state, &v.person, Notice::FeedCreated, "", "").await;
    let notice = if had { "New feed address made; the old one no longer works." } else { "Feed address made." };
    let shown = Shown { new_feed_url: crate::feed::feed_url(state.config(), &token), ..Shown::notice(notice) };
    page(&state, &v, StatusCode::OK, shown).await
}

/// Turns the calendar feed off.
pub async fn delete_feed(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    decide(v.actor(), Action::ManageOwnTokens)?;
    state.store().delete_calendar_feed(v.person.id).await?;
    page(&state, &v, StatusCode::OK, Shown::notice("Calendar feed turned off; its address no longer works.")).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemindersForm {
    /// Present (`on`) when the box is ticked; browsers send nothing otherwise.
    email_reminders: Option<String>,
}

/// Turns email reminders on or off.
pub async fn set_reminders(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<RemindersForm>,
) -> Result<Response, PageError> {
    let on = f.email_reminders.is_some_and(|v| v == "on" || v == "true");
    state.store().set_email_reminders(v.person.id, on).await?;
    let notice = if on { "Email reminders are on." } else { "Email reminders are off." };
    page(&state, &v, StatusCode::OK, Shown::notice(notice)).await
}

pub struct AuditRow {
    at: String,
    who: String,
    what: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    settings: bool,
    rows: Vec<AuditRow>,
    older: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    before: Option<i64>,
}

/// Who read or changed the viewer's data (and, for admins, organisation settings), 100 a page.
pub async fn audit(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    axum::extract::Query(q): axum::extract::Query<AuditQuery>,
) -> Result<Response, PageError> {
    let entries = crate::audit::mine(state.store(), &v, q.before).await?;
    let older = (entries.len() as u64 == crate::audit::PAGE).then(|| entries.last().map(|e| e.id)).flatten();
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            at: when(Some(e.at)),
            what: crate::audit::describe(&e),
            who: if e.actor_id == v.person.id { format!("{} (you)", e.actor_name) } else { e.actor_name },
        })
        .collect();
    render_with(
        StatusCode::OK,
        &AuditPage {
            chrome: Chrome::of(&v, "profile"),
            settings: foothold_domain::policy::sees_settings_audit(v.actor()),
            rows,
            older,
        },
    )
}
