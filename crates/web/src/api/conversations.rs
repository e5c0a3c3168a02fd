//! `/api/v1/conversations`: scheduling, answers with versions, sharing, notes, access.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use foothold_domain::conversation::State as CState;
use foothold_domain::policy::{ConversationAction, Part};
use foothold_store::{Conversation, NoteKind, Saved};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rules, unprocessable};
use crate::AppState;
use crate::auth::Caller;
use crate::conversations as uc;
use crate::error::{ApiError, AppError, Problem};
use crate::extract::{ApiJson, ApiPath};

/// A conversation as its participant may see it.
#[derive(Serialize, ToSchema)]
pub struct ConversationOut {
    id: i64,
    report_id: i64,
    leader_id: i64,
    starts_at: DateTime<Utc>,
    time_zone: String,
    duration_minutes: i32,
    window_months: u8,
    note: String,
    question_set: String,
    #[schema(schema_with = rules::conversation_state)]
    state: String,
    /// How the caller takes part.
    #[schema(schema_with = rules::conversation_part)]
    part: String,
    version: i64,
    held_at: Option<DateTime<Utc>>,
}

fn part_name(p: Part) -> &'static str {
    match p {
        Part::Report => "report",
        Part::Leader => "leader",
        Part::RevokedLeader => "revoked_leader",
        Part::Granted => "granted",
        Part::Outsider => "none",
    }
}

fn out(c: Conversation, part: Part) -> ConversationOut {
    ConversationOut {
        id: c.id,
        report_id: c.report_id,
        leader_id: c.leader_id,
        starts_at: c.scheduled_at,
        time_zone: c.time_zone,
        duration_minutes: c.duration_minutes,
        window_months: c.window.get(),
        note: c.note,
        question_set: c.set_name,
        state: c.state.as_str().into(),
        part: part_name(part).into(),
        version: c.version,
        held_at: c.held_at,
    }
}

/// The caller's conversations: as report, as leader, and granted to them.
#[utoipa::path(get, path = "/conversations", tag = "conversations",
    responses((status = 200, body = Vec<ConversationOut>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<ConversationOut>>, ApiError> {
    let store = state.store();
    let mut all = Vec::new();
    for conv in store.conversations_of_report(c.person.id).await? {
        all.push(out(conv, Part::Report));
    }
    for conv in store.conversations_led_by(c.person.id).await? {
        let part = if conv.leader_access_revoked { Part::RevokedLeader } else { Part::Leader };
        all.push(out(conv, part));
    }
    for conv in store.conversations_granted_to(c.person.id).await? {
        all.push(out(conv, Part::Granted));
    }
    Ok(Json(all))
}

/// A conversation to schedule with one of your direct reports.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    report_id: i64,
    #[schema(schema_with = rules::starts_at_local)]
    starts_at_local: String,
    #[schema(schema_with = rules::zone)]
    time_zone: String,
    #[serde(default = "default_duration")]
    #[schema(schema_with = rules::duration)]
    duration_minutes: i32,
    question_set_id: i64,
    #[serde(default = "default_window")]
    #[schema(schema_with = rules::window)]
    window_months: i64,
    #[serde(default)]
    #[schema(schema_with = rules::conversation_note)]
    note: String,
}

fn default_duration() -> i32 {
    60
}

fn default_window() -> i64 {
    6
}

fn local(s: &str, zone: &str) -> Result<DateTime<Utc>, AppError> {
    let (date, time) = s.split_once('T').ok_or_else(|| {
        AppError::BadRequest("starts_at_local must look like 2026-12-01T14:00 (local time, no offset).".into())
    })?;
    uc::parse_when(date, time, zone)
}

/// Schedules a career conversation with a direct report.
#[utoipa::path(post, path = "/conversations", tag = "conversations", request_body = ScheduleIn,
    responses((status = 201, body = ConversationOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The question set is not one you may use, or has no questions", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(b): ApiJson<ScheduleIn>,
) -> Result<(StatusCode, Json<ConversationOut>), ApiError> {
    let input = uc::ScheduleInput {
        report_id: b.report_id,
        scheduled_at: local(&b.starts_at_local, &b.time_zone).map_err(unprocessable)?,
        time_zone: b.time_zone,
        duration_minutes: b.duration_minutes,
        set_id: b.question_set_id,
        window_months: b.window_months,
        note: b.note,
    };
    let conv = uc::schedule(state.store(), &c, input).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(out(conv, Part::Leader))))
}

/// One question with the caller's view of its answer.
#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    id: i64,
    #[schema(schema_with = rules::category)]
    category: String,
    /// As asked, with the reflection window written in.
    text: String,
    /// The answer, if the caller may see it: the report sees drafts, others only shared answers.
    answer: Option<AnswerOut>,
}

/// An answer.
#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    question_id: i64,
    text: String,
    /// Send it back with the next save.
    version: i64,
    shared: bool,
    updated_at: DateTime<Utc>,
}

/// A conversation with its questions and the answers the caller may see.
#[derive(Serialize, ToSchema)]
pub struct ConversationDetail {
    #[serde(flatten)]
    conversation: ConversationOut,
    questions: Vec<QuestionOut>,
}

/// One conversation (404 if the caller takes no part in it).
#[utoipa::path(get, path = "/conversations/{id}", tag = "conversations", params(("id" = i64, Path)),
    responses((status = 200, body = ConversationDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ConversationDetail>, ApiError> {
    let (conv, part) = uc::load(state.store(), &c, id).await?;
    let rows = uc::answers_shown_to(state.store(), &c, &conv, part).await?;
    let questions = rows
        .into_iter()
        .map(|(q, text, a)| QuestionOut {
            id: q.id,
            category: q.question.category.as_str().into(),
            text,
            answer: a.map(|a| AnswerOut {
                question_id: a.question_id,
                text: a.text,
                version: a.version,
                shared: a.shared_at.is_some(),
                updated_at: a.updated_at,
            }),
        })
        .collect();
    Ok(Json(ConversationDetail { conversation: out(conv, part), questions }))
}

/// Changes to a conversation (its leader): a new time, length, window or note, or its state.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    #[schema(schema_with = rules::starts_at_local_or_null)]
    starts_at_local: Option<String>,
    #[schema(schema_with = rules::zone_or_null)]
    time_zone: Option<String>,
    #[schema(schema_with = rules::duration_or_null)]
    duration_minutes: Option<i32>,
    #[schema(schema_with = rules::window_or_null)]
    window_months: Option<i64>,
    #[schema(schema_with = rules::conversation_note_or_null)]
    note: Option<String>,
    #[schema(schema_with = rules::conversation_state_to)]
    state: Option<String>,
    /// The version you read; a newer one answers 409.
    version: Option<i64>,
}

/// Reschedules, marks held or cancels (the leader).
#[utoipa::path(patch, path = "/conversations/{id}", tag = "conversations", params(("id" = i64, Path)), request_body = ConversationPatch,
    responses((status = 200, body = ConversationOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ConversationPatch>,
) -> Result<Json<ConversationOut>, ApiError> {
    let store = state.store();
    let (current, part) = uc::load_for(store, &c, id, ConversationAction::Manage).await?;
    let when = match (&b.starts_at_local, &b.time_zone) {
        (None, None) => None,
        (start, zone) => {
            let zone = zone.clone().unwrap_or_else(|| current.time_zone.clone());
            let start = match start {
                Some(s) => s.clone(),
                None => current
                    .scheduled_at
                    .with_timezone(&uc::parse_zone(&current.time_zone)?)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string(),
            };
            Some((local(&start, &zone).map_err(unprocessable)?, zone))
        }
    };
    // Check every field before writing anything: a refused PATCH changes nothing.
    let state = match b.state.as_deref() {
        None => None,
        Some("held") => Some(CState::Held),
        Some("cancelled") => Some(CState::Cancelled),
        Some(other) => {
            return Err(AppError::Rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("state: '{other}' cannot be set; use held or cancelled"),
            )
            .into());
        }
    };
    let r = uc::Reschedule {
        state,
        when,
        duration_minutes: b.duration_minutes,
        window_months: b.window_months,
        note: b.note,
        version: b.version,
    };
    let conv = uc::reschedule(store, &c, id, r).await.map_err(unprocessable)?;
    Ok(Json(out(conv, part)))
}

/// A versioned save.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextIn {
    #[schema(schema_with = rules::reflection)]
    text: String,
    /// The version you last read (0 if there was none). A newer stored version answers 409 with it.
    version: i64,
}

/// What a save stored.
#[derive(Serialize, ToSchema)]
pub struct SavedOut {
    version: i64,
    updated_at: DateTime<Utc>,
}

fn saved(s: Saved) -> Result<Json<SavedOut>, ApiError> {
    match s {
        Saved::Stored { version, updated_at } => Ok(Json(SavedOut { version, updated_at })),
        Saved::Conflict { text, version } => Err(AppError::SaveConflict { text, version }.into()),
    }
}

/// Saves an answer (the report's own; autosave uses this). A stale version answers 409 with the stored text.
#[utoipa::path(put, path = "/conversations/{id}/answers/{question_id}", tag = "conversations",
    params(("id" = i64, Path), ("question_id" = i64, Path)), request_body = TextIn,
    responses((status = 200, body = SavedOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Changed elsewhere: `current` holds the stored text and version", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn save_answer(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, question_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<TextIn>,
) -> Result<Json<SavedOut>, ApiError> {
    saved(uc::save_answer(state.store(), &c, id, question_id, &b.text, b.version).await?)
}

/// How many answers a share changed.
#[derive(Serialize, ToSchema)]
pub struct ShareOut {
    changed: u64,
}

/// Shares one answer with the leader (the report).
#[utoipa::path(post, path = "/conversations/{id}/answers/{question_id}/share", tag = "conversations",
    params(("id" = i64, Path), ("question_id" = i64, Path)),
    responses((status = 200, body = ShareOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The conversation has been held or cancelled", body = Problem, content_type = "application/problem+json")))]
pub async fn share(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, question_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ShareOut>, ApiError> {
    Ok(Json(ShareOut { changed: uc::share(state.store(), &c, id, Some(question_id), true).await? }))
}

/// Takes a shared answer back (until the conversation is held).
#[utoipa::path(delete, path = "/conversations/{id}/answers/{question_id}/share", tag = "conversations",
    params(("id" = i64, Path), ("question_id" = i64, Path)),
    responses((status = 200, body = ShareOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The conversation has been held or cancelled", body = Problem, content_type = "application/problem+json")))]
pub async fn unshare(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, question_id)): ApiPath<(i64, i64)>,
) -> Result<Json<ShareOut>, ApiError> {
    Ok(Json(ShareOut { changed: uc::share(state.store(), &c, id, Some(question_id), false).await? }))
}

/// Shares every answer that has text.
#[utoipa::path(post, path = "/conversations/{id}/share", tag = "conversations", params(("id" = i64, Path)),
    responses((status = 200, body = ShareOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The conversation has been held or cancelled", body = Problem, content_type = "application/problem+json")))]
pub async fn share_all(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ShareOut>, ApiError> {
    Ok(Json(ShareOut { changed: uc::share(state.store(), &c, id, None, true).await? }))
}

/// Which notes.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoteKindIn {
    /// Read and written by the report and the leader.
    Shared,
    /// The leader's own.
    Private,
}

impl From<NoteKindIn> for NoteKind {
    fn from(k: NoteKindIn) -> Self {
        match k {
            NoteKindIn::Shared => NoteKind::Shared,
            NoteKindIn::Private => NoteKind::Private,
        }
    }
}

/// Notes.
#[derive(Serialize, ToSchema)]
pub struct NoteOut {
    text: String,
    version: i64,
    updated_by: Option<i64>,
    updated_at: Option<DateTime<Utc>>,
}

/// Reads the shared notes (report and leader) or the leader's private notes.
#[utoipa::path(get, path = "/conversations/{id}/notes/{kind}", tag = "conversations",
    params(("id" = i64, Path), ("kind" = inline(NoteKindIn), Path)),
    responses((status = 200, body = NoteOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_note(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, kind)): ApiPath<(i64, NoteKindIn)>,
) -> Result<Json<NoteOut>, ApiError> {
    let kind = NoteKind::from(kind);
    let action = match kind {
        NoteKind::Shared => ConversationAction::ReadSharedNotes,
        NoteKind::Private => ConversationAction::PrivateNotes,
    };
    let (conv, _) = uc::load_for(state.store(), &c, id, action).await.map_err(hide)?;
    let n = state.store().note(id, kind).await?;
    if n.is_some() {
        uc::notes_touched(state.store(), &c, &conv, kind, crate::audit::Act::Read).await?;
    }
    Ok(Json(match n {
        Some(n) => {
            NoteOut { text: n.text, version: n.version, updated_by: Some(n.updated_by), updated_at: Some(n.updated_at) }
        }
        None => NoteOut { text: String::new(), version: 0, updated_by: None, updated_at: None },
    }))
}

/// Someone else's private notes do not exist for the caller.
fn hide(e: AppError) -> AppError {
    if matches!(e, AppError::Forbidden) { AppError::NotFound } else { e }
}

/// Saves notes, versioned like answers.
#[utoipa::path(put, path = "/conversations/{id}/notes/{kind}", tag = "conversations",
    params(("id" = i64, Path), ("kind" = inline(NoteKindIn), Path)), request_body = TextIn,
    responses((status = 200, body = SavedOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn save_note(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, kind)): ApiPath<(i64, NoteKindIn)>,
    ApiJson(b): ApiJson<TextIn>,
) -> Result<Json<SavedOut>, ApiError> {
    let kind = NoteKind::from(kind);
    saved(uc::save_note(state.store(), &c, id, kind, &b.text, b.version).await.map_err(hide)?)
}

/// Gives a person access to one of the caller's earlier conversations (the
/// current manager), or gives the former leader access back.
#[utoipa::path(put, path = "/conversations/{id}/access/{person_id}", tag = "conversations",
    params(("id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The person is not your current manager", body = Problem, content_type = "application/problem+json")))]
pub async fn grant(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, person)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    uc::set_access(state.store(), &c, id, person, true).await.map_err(unprocessable)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a person's access back (a granted manager, or the leader who held it).
#[utoipa::path(delete, path = "/conversations/{id}/access/{person_id}", tag = "conversations",
    params(("id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, person)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    uc::set_access(state.store(), &c, id, person, false).await.map_err(unprocessable)?;
    Ok(StatusCode::NO_CONTENT)
}
