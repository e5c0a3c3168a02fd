//! `/api/v1/me/calendar-feed` and `/api/v1/me/preferences`: one's own
//! calendar feed address and email reminder choice; `/api/v1/me/audit`: who
//! read or changed one's data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use foothold_domain::notice::Notice;
use foothold_domain::policy::{Action, decide};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery};

/// Your calendar feed, without its address (only a fingerprint of it is kept).
#[derive(Serialize, ToSchema)]
pub struct CalendarFeedOut {
    /// Whether a feed address exists.
    active: bool,
    /// When the current address was made.
    created_at: Option<DateTime<Utc>>,
    /// When a calendar last fetched it (to the hour).
    last_used_at: Option<DateTime<Utc>>,
}

/// A new feed address: shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewCalendarFeedOut {
    /// The iCalendar (RFC 5545) feed to subscribe to; it needs no other credential.
    url: String,
    created_at: DateTime<Utc>,
}

/// Your calendar feed's state.
#[utoipa::path(get, path = "/me/calendar-feed", tag = "profile",
    responses((status = 200, body = CalendarFeedOut)))]
pub async fn get_feed(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<CalendarFeedOut>, ApiError> {
    decide(c.actor(), Action::ManageOwnTokens)?;
    let feed = state.store().calendar_feed(c.person.id).await?;
    Ok(Json(CalendarFeedOut {
        active: feed.is_some(),
        created_at: feed.as_ref().map(|f| f.created_at),
        last_used_at: feed.and_then(|f| f.last_used_at),
    }))
}

/// Makes a new feed address; any earlier one stops working at once.
#[utoipa::path(post, path = "/me/calendar-feed", tag = "profile",
    responses((status = 201, body = NewCalendarFeedOut)))]
pub async fn regenerate_feed(
    State(state): State<AppState>,
    Caller(c): Caller,
) -> Result<(StatusCode, Json<NewCalendarFeedOut>), ApiError> {
    decide(c.actor(), Action::ManageOwnTokens)?;
    let (feed, token) = state.store().regenerate_calendar_feed(c.person.id).await?;
    crate::outbox::queue_notice(&state, &c.person, Notice::FeedCreated, "", "").await;
    let url = crate::feed::feed_url(state.config(), &token);
    Ok((StatusCode::CREATED, Json(NewCalendarFeedOut { url, created_at: feed.created_at })))
}

/// Turns the feed off: its address stops working.
#[utoipa::path(delete, path = "/me/calendar-feed", tag = "profile",
    responses((status = 204, description = "The feed is off (whether or not there was one).")))]
pub async fn delete_feed(State(state): State<AppState>, Caller(c): Caller) -> Result<StatusCode, ApiError> {
    decide(c.actor(), Action::ManageOwnTokens)?;
    state.store().delete_calendar_feed(c.person.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your preferences.
#[derive(Serialize, ToSchema)]
pub struct PreferencesOut {
    /// Whether reminders may be mailed to you.
    email_reminders: bool,
    /// Whether this Foothold sends email at all (a mail server is set up).
    email_delivery: bool,
}

/// Changes to your preferences; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesIn {
    /// Mail reminders (invitations to prepare, check-ins due and overdue) or not.
    email_reminders: Option<bool>,
}

async fn preferences(state: &AppState, person_id: i64) -> Result<PreferencesOut, ApiError> {
    Ok(PreferencesOut {
        email_reminders: state.store().email_reminders(person_id).await?,
        email_delivery: state.config().email_delivery,
    })
}

/// Your preferences.
#[utoipa::path(get, path = "/me/preferences", tag = "profile", responses((status = 200, body = PreferencesOut)))]
pub async fn get_preferences(
    State(state): State<AppState>,
    Caller(c): Caller,
) -> Result<Json<PreferencesOut>, ApiError> {
    Ok(Json(preferences(&state, c.person.id).await?))
}

/// Changes your preferences.
#[utoipa::path(patch, path = "/me/preferences", tag = "profile", request_body = PreferencesIn,
    responses((status = 200, body = PreferencesOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_preferences(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(body): ApiJson<PreferencesIn>,
) -> Result<Json<PreferencesOut>, ApiError> {
    if let Some(on) = body.email_reminders {
        state.store().set_email_reminders(c.person.id, on).await?;
    }
    Ok(Json(preferences(&state, c.person.id).await?))
}

/// One audit log entry: someone read or changed your data (or, for admins, organisation settings).
#[derive(Serialize, ToSchema)]
pub struct AuditEntryOut {
    /// Increasing with time; pass the last one as `before` for older entries.
    id: i64,
    at: DateTime<Utc>,
    /// Who read or changed.
    actor_id: i64,
    actor_name: String,
    #[schema(schema_with = super::rules::audit_action)]
    action: String,
    #[schema(schema_with = super::rules::audit_subject)]
    subject: String,
    /// Whose data it is: you, or null for organisation settings.
    subject_owner_id: Option<i64>,
    /// The conversation, performance view, person or question set concerned.
    object_id: Option<i64>,
    /// What happened, without the content itself.
    detail: String,
}

/// Which page of the audit log.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries older than this id (the last `id` of the previous page).
    #[serde(default, deserialize_with = "whole_number")]
    before: Option<i64>,
}

/// An integer, also when written with a zero fraction (`16.0`), as in a body.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(s) = Option::<String>::deserialize(d)? else { return Ok(None) };
    crate::extract::whole_number(&s)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not an integer from -(2^63) to 2^63 - 1")))
}

/// Who read or changed your data, newest first, 100 at a time. Admins also
/// get the changes to organisation settings, which belong to nobody.
#[utoipa::path(get, path = "/me/audit", tag = "profile", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryOut>)))]
pub async fn audit(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntryOut>>, ApiError> {
    let entries = crate::audit::mine(state.store(), &c, q.before).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryOut {
                id: e.id,
                at: e.at,
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                action: e.action,
                subject: e.subject,
                subject_owner_id: e.subject_owner_id,
                object_id: e.object_id,
                detail: e.detail,
            })
            .collect(),
    ))
}
