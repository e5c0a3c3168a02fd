//! First-run set-up, sign-in and -out, and accepting an invite.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::notice::Notice;
use foothold_domain::{Email, PersonName, Role};
use foothold_store::{NewPerson, Person, now};
use serde::Deserialize;

use super::{Chrome, render, render_with, safe_next};
use crate::AppState;
use crate::auth::{self, MaybeViewer, Via, Viewer};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::password::{hash_password, validate_new_password, verify_password};

/// Key of the stored hash of the one-time set-up token.
pub const SETUP_TOKEN_KEY: &str = "setup_token";
/// Failed sign-ins allowed per account and per address within [`THROTTLE_WINDOW_MINUTES`].
const MAX_FAILURES: u64 = 5;
const THROTTLE_WINDOW_MINUTES: i64 = 15;

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    token: String,
    name: String,
    email: String,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetupForm {
    token: String,
    name: String,
    email: String,
    password: String,
}

async fn check_setup_token(state: &AppState, token: &str) -> Result<(), PageError> {
    if state.store().count_people().await? > 0 {
        return Err(AppError::NotFound.into());
    }
    let stored = state.store().setting(SETUP_TOKEN_KEY).await?;
    if stored.is_none_or(|h| h != foothold_store::secret::hash_token(token)) {
        return Err(AppError::BadRequest(
            "This set-up link is not valid. Use the link the server printed when it last started.".into(),
        )
        .into());
    }
    Ok(())
}

/// The first-run page that creates the first admin.
pub async fn setup_form(State(state): State<AppState>, Query(q): Query<SetupForm>) -> Result<Response, PageError> {
    check_setup_token(&state, &q.token).await?;
    render(&SetupPage {
        chrome: Chrome::anonymous(),
        token: q.token,
        name: String::new(),
        email: String::new(),
        errors: vec![],
        notice: String::new(),
    })
}

/// Creates the first admin and signs them in.
pub async fn setup(State(state): State<AppState>, PageForm(f): PageForm<SetupForm>) -> Result<Response, PageError> {
    check_setup_token(&state, &f.token).await?;
    let mut errors = Vec::new();
    let name = PersonName::parse(&f.name).map_err(|e| errors.push(capitalise(&e.to_string()))).ok();
    let email = Email::parse(&f.email).map_err(|e| errors.push(capitalise(&e.to_string()))).ok();
    if let Err(e) = validate_new_password(&f.password, &[&f.name, &f.email]) {
        errors.push(e);
    }
    let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                chrome: Chrome::anonymous(),
                token: f.token,
                name: f.name,
                email: f.email,
                errors,
                notice: String::new(),
            },
        );
    };
    let hash = hash_password(&f.password).await?;
    // Claiming the token first makes the set-up single-use even when two submissions race.
    if !state.store().claim_setting(SETUP_TOKEN_KEY, &foothold_store::secret::hash_token(&f.token)).await? {
        return Err(AppError::NotFound.into());
    }
    let admin = state
        .store()
        .create_person(&NewPerson {
            email,
            name,
            title: String::new(),
            department: None,
            manager_id: None,
            role: Role::Admin,
        })
        .await?;
    state.store().set_password_hash(admin.id, &hash).await?;
    tracing::info!(person = admin.id, "first admin created");
    start_session(&state, &admin, "/").await
}

async fn start_session(state: &AppState, person: &Person, next: &str) -> Result<Response, PageError> {
    let ttl = chrono::Duration::from_std(state.config().session_ttl).unwrap_or(chrono::Duration::hours(12));
    let session = state.store().create_session(person.id, ttl).await?;
    let mut res = Redirect::to(safe_next(next)).into_response();
    let cookie = HeaderValue::from_str(&auth::session_cookie(state.config(), &session.token))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    res.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(res)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    email: String,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    password: String,
    next: String,
}

/// The sign-in page.
pub async fn sign_in_form(
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<SignInForm>,
) -> Result<Response, PageError> {
    if viewer.is_some() {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    render(&SignInPage {
        chrome: Chrome::anonymous(),
        next: q.next,
        email: String::new(),
        errors: vec![],
        notice: String::new(),
    })
}

/// Checks a password, throttling guessing per account and per client address.
pub async fn sign_in(
    State(state): State<AppState>,
    auth::Peer(peer): auth::Peer,
    headers: HeaderMap,
    PageForm(f): PageForm<SignInForm>,
) -> Result<Response, PageError> {
    let ip = auth::client_ip(state.config(), peer, &headers);
    let email_key = f.email.trim().to_lowercase();
    let since = now() - chrono::Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let again = |status: StatusCode, error: String| {
        render_with(
            status,
            &SignInPage {
                chrome: Chrome::anonymous(),
                next: f.next.clone(),
                email: f.email.clone(),
                errors: vec![error],
                notice: String::new(),
            },
        )
    };
    let failures = state.store().sign_in_failures(&email_key, &ip, since).await?;
    if failures.account >= MAX_FAILURES || failures.client >= MAX_FAILURES {
        // Security events carry the client and, when known, the person's id:
        // never the typed address (it may be a mistyped password) or password.
        tracing::warn!(event = "sign_in_throttled", client = %ip, "sign-in refused: too many failures");
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-ins. For safety, sign-in is paused for {THROTTLE_WINDOW_MINUTES} minutes; try again later or ask your admin for a new password link."
            ),
        );
    }
    let found = match Email::parse(&f.email) {
        Ok(email) => state.store().credentials(&email).await?,
        Err(_) => None,
    };
    let (person, hash) = match found {
        Some((p, h)) => (Some(p), h),
        None => (None, None),
    };
    if !verify_password(&f.password, hash).await {
        state.store().record_sign_in_failure(&email_key, &ip).await?;
        tracing::warn!(event = "sign_in_failed", client = %ip, person = person.as_ref().map(|p| p.id), "sign-in failed");
        return again(StatusCode::UNAUTHORIZED, "That e-mail and password do not match an active account.".into());
    }
    let Some(person) = person else {
        return again(StatusCode::UNAUTHORIZED, "That e-mail and password do not match an active account.".into());
    };
    state.store().clear_sign_in_failures(&email_key, since).await?;
    tracing::info!(event = "sign_in", client = %ip, person = person.id, "signed in");
    start_session(&state, &person, &f.next).await
}

/// Ends this session.
pub async fn sign_out(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Result<Response, PageError> {
    if let Some(v) = viewer
        && let Via::Session { token, .. } = &v.via
    {
        state.store().delete_session(token).await?;
        tracing::info!(event = "sign_out", person = v.person.id, "signed out");
    }
    let mut res = Redirect::to("/sign-in").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_session_cookie(state.config())) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// Ends every session of the signed-in person, on every device.
pub async fn sign_out_everywhere(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    let ended = state.store().delete_sessions_of(v.person.id).await?;
    tracing::info!(event = "sign_out_everywhere", person = v.person.id, sessions = ended, "signed out everywhere");
    let mut res = Redirect::to("/sign-in").into_response();
    if let Ok(h) = HeaderValue::from_str(&auth::clear_session_cookie(state.config())) {
        res.headers_mut().append(header::SET_COOKIE, h);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    chrome: Chrome,
    token: String,
    name: String,
    email: String,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    password: String,
    confirm: String,
}

fn invite_error(e: foothold_store::InviteError) -> PageError {
    let status = match e {
        foothold_store::InviteError::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    };
    PageError(AppError::Rejected(status, e.to_string()))
}

/// The page where an invited person sets their password.
pub async fn invite_form(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let person = state.store().invite(&token).await?.map_err(invite_error)?;
    let chrome = viewer.as_ref().map(|v| Chrome::of(v, "")).unwrap_or_else(Chrome::anonymous);
    render(&InvitePage { chrome, token, name: person.name, email: person.email, errors: vec![], notice: String::new() })
}

/// Sets the password, uses up the invite and signs the person in.
pub async fn accept_invite(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(token): Path<String>,
    PageForm(f): PageForm<InviteForm>,
) -> Result<Response, PageError> {
    let person = state.store().invite(&token).await?.map_err(invite_error)?;
    let mut errors = Vec::new();
    if let Err(e) = validate_new_password(&f.password, &[&person.name, &person.email]) {
        errors.push(e);
    } else if f.password != f.confirm {
        errors.push("The two passwords are not the same.".into());
    }
    if !errors.is_empty() {
        let chrome = viewer.as_ref().map(|v| Chrome::of(v, "")).unwrap_or_else(Chrome::anonymous);
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InvitePage { chrome, token, name: person.name, email: person.email, errors, notice: String::new() },
        );
    }
    let hash = hash_password(&f.password).await?;
    let had_password = person.has_password;
    let person = state.store().redeem_invite(&token, &hash).await?.map_err(invite_error)?;
    if had_password {
        crate::outbox::queue_notice(&state, &person, Notice::PasswordReset, "", "").await;
    }
    if let Some(Via::Session { token, .. }) = viewer.map(|v| v.via) {
        // Whoever was signed in on this browser is not the invited person.
        state.store().delete_session(&token).await?;
    }
    start_session(&state, &person, "/").await
}
