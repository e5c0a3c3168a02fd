//! `/api/v1/conversations/{id}/themes`: suggested themes with their evidence, and decisions about them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use foothold_domain::policy::ConversationAction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rules, unprocessable};
use crate::AppState;
use crate::auth::Caller;
use crate::conversations as conv;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::themes::{self as uc, Decide};

/// Words in an answer that show a theme.
#[derive(Serialize, ToSchema)]
pub struct EvidenceOut {
    question_id: i64,
    /// Byte offsets into the answer's text.
    start: usize,
    end: usize,
    quote: String,
}

/// A theme the engine suggests; it counts only once a person confirms it.
#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    key: String,
    label: String,
    /// `+` energising, `-` draining, or `mixed`.
    #[schema(schema_with = rules::valence_out)]
    valence: String,
    #[schema(schema_with = rules::categories)]
    categories: Vec<String>,
    evidence: Vec<EvidenceOut>,
    /// A follow-up question for the conversation.
    follow_up: String,
}

/// A decision people made.
#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    id: i64,
    key: String,
    label: String,
    #[schema(schema_with = rules::valence)]
    valence: String,
    #[schema(schema_with = rules::decision_status)]
    status: String,
    merged_from: Vec<String>,
    decided_by: i64,
    decided_at: DateTime<Utc>,
}

/// Themes of a conversation as the caller may see them.
#[derive(Serialize, ToSchema)]
pub struct ThemesOut {
    /// Suggestions from the answers the caller may read (the report: their drafts too).
    suggested: Vec<SuggestionOut>,
    decided: Vec<DecisionOut>,
}

/// Suggested themes (with evidence) and the decisions made so far.
#[utoipa::path(get, path = "/conversations/{id}/themes", tag = "conversations", params(("id" = i64, Path)),
    responses((status = 200, body = ThemesOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ThemesOut>, ApiError> {
    let (conversation, part) = conv::load_for(state.store(), &c, id, ConversationAction::ReadThemes).await?;
    let decided = state.store().conversation_themes(id).await?;
    let rows = conv::questions_and_answers(state.store(), &conversation, part).await?;
    let suggested = uc::suggestions(state.engine(), state.store(), &rows, &decided).await?;
    Ok(Json(ThemesOut {
        suggested: suggested
            .into_iter()
            .map(|s| SuggestionOut {
                key: s.key,
                label: s.label,
                valence: s.valence.into(),
                categories: s.categories.iter().map(|c| c.as_str().to_owned()).collect(),
                evidence: s
                    .quotes
                    .into_iter()
                    .map(|q| EvidenceOut { question_id: q.question_id, start: q.start, end: q.end, quote: q.text })
                    .collect(),
                follow_up: s.follow_up,
            })
            .collect(),
        decided: decided
            .into_iter()
            .map(|t| DecisionOut {
                id: t.id,
                status: match t.status {
                    foothold_store::ThemeStatus::Confirmed => "confirmed".into(),
                    foothold_store::ThemeStatus::Dismissed => "dismissed".into(),
                },
                key: t.key,
                label: t.label,
                valence: t.valence,
                merged_from: t.merged_from,
                decided_by: t.decided_by,
                decided_at: t.decided_at,
            })
            .collect(),
    }))
}

/// What to decide, by `action`.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum DecideIn {
    /// Confirms a suggestion, under its own name or another.
    Confirm {
        /// The suggestion.
        #[schema(schema_with = rules::theme_key)]
        key: String,
        /// The name people give it; the suggestion's key when left out.
        #[serde(default)]
        #[schema(schema_with = rules::theme_label_or_null)]
        label: Option<String>,
        #[serde(default)]
        #[schema(schema_with = rules::valence)]
        valence: String,
    },
    /// Dismisses a suggestion.
    Dismiss {
        /// The suggestion.
        #[schema(schema_with = rules::theme_key)]
        key: String,
        /// The name it is recorded under; the suggestion's key when left out.
        #[serde(default)]
        #[schema(schema_with = rules::theme_label_or_null)]
        label: Option<String>,
    },
    /// Confirms two or more suggestions as one theme.
    Merge {
        /// The suggestions to merge.
        #[schema(schema_with = rules::theme_keys)]
        keys: Vec<String>,
        /// The name people give it.
        #[schema(schema_with = rules::theme_label)]
        label: String,
        #[serde(default)]
        #[schema(schema_with = rules::valence)]
        valence: String,
    },
    /// Adds a theme the engine did not suggest.
    Add {
        /// The name people give it.
        #[schema(schema_with = rules::theme_label)]
        label: String,
        #[serde(default)]
        #[schema(schema_with = rules::valence)]
        valence: String,
    },
}

/// Confirms, renames, dismisses, merges or adds a theme (the report or the leader).
#[utoipa::path(post, path = "/conversations/{id}/themes", tag = "conversations", params(("id" = i64, Path)), request_body = DecideIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The conversation was cancelled", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DecideIn>,
) -> Result<StatusCode, ApiError> {
    let d = match b {
        DecideIn::Confirm { key, label, valence } => {
            Decide::Accept { label: label.unwrap_or_else(|| key.clone()), key, valence }
        }
        DecideIn::Dismiss { key, label } => Decide::Dismiss { label: label.unwrap_or_else(|| key.clone()), key },
        DecideIn::Merge { keys, label, valence } => Decide::Merge { keys, label, valence },
        DecideIn::Add { label, valence } => Decide::Add { label, valence },
    };
    uc::decide(state.store(), &c, id, d).await.map_err(unprocessable)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Undoes a decision; a dismissed or merged suggestion is offered again.
#[utoipa::path(delete, path = "/conversations/{id}/themes/{theme_id}", tag = "conversations",
    params(("id" = i64, Path), ("theme_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The conversation was cancelled", body = Problem, content_type = "application/problem+json")))]
pub async fn undo(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, theme)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    uc::decide(state.store(), &c, id, Decide::Undo { id: theme }).await.map_err(unprocessable)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A theme of the taxonomy in use.
#[derive(Serialize, ToSchema)]
pub struct TaxonomyThemeOut {
    id: String,
    label: String,
    description: String,
    /// Cue phrases of an organisation theme (empty for built-in themes).
    cues: Vec<String>,
    /// Added by the organisation.
    custom: bool,
}

/// The themes Foothold looks for: the built-in ones and the organisation's own.
#[utoipa::path(get, path = "/themes", tag = "themes", responses((status = 200, body = Vec<TaxonomyThemeOut>)))]
pub async fn taxonomy(
    State(state): State<AppState>,
    Caller(_c): Caller,
) -> Result<Json<Vec<TaxonomyThemeOut>>, ApiError> {
    let custom: Vec<String> = state.store().custom_themes().await?.into_iter().map(|c| c.key).collect();
    Ok(Json(
        uc::taxonomy(state.store())
            .await?
            .into_iter()
            .map(|(id, label, description, cues)| TaxonomyThemeOut {
                custom: custom.contains(&id),
                id,
                label,
                description,
                cues,
            })
            .collect(),
    ))
}

/// An organisation theme.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomThemeIn {
    #[schema(schema_with = rules::theme_label)]
    label: String,
    /// Phrases people use for it; matched like the built-in cues.
    #[schema(schema_with = rules::cues)]
    cues: Vec<String>,
}

/// The id of an organisation theme: lower-case letters, digits, `-` and
/// `_`, and none of the built-in themes' ids.
pub struct CustomThemeKey;

impl utoipa::PartialSchema for CustomThemeKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        rules::custom_theme_key().into()
    }
}

impl ToSchema for CustomThemeKey {}

/// Adds or replaces an organisation theme (admins); suggestions use it at once.
#[utoipa::path(put, path = "/themes/{key}", tag = "themes", params(("key" = inline(CustomThemeKey), Path)), request_body = CustomThemeIn,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_custom(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(key): ApiPath<String>,
    ApiJson(b): ApiJson<CustomThemeIn>,
) -> Result<StatusCode, ApiError> {
    uc::put_custom(state.store(), &c, &key, &b.label, &b.cues).await.map_err(unprocessable)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an organisation theme (admins).
#[utoipa::path(delete, path = "/themes/{key}", tag = "themes", params(("key" = inline(CustomThemeKey), Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_custom(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(key): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    uc::delete_custom(state.store(), &c, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One confirmed theme in a person's history.
#[derive(Serialize, ToSchema)]
pub struct ThemeHistoryOut {
    conversation_id: i64,
    conversation_at: DateTime<Utc>,
    key: String,
    label: String,
    valence: String,
}

/// Your confirmed themes across your career conversations, oldest first.
#[utoipa::path(get, path = "/me/themes", tag = "themes", responses((status = 200, body = Vec<ThemeHistoryOut>)))]
pub async fn history(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<ThemeHistoryOut>>, ApiError> {
    Ok(Json(
        state
            .store()
            .theme_history(c.person.id)
            .await?
            .into_iter()
            .map(|(at, id, t)| ThemeHistoryOut {
                conversation_id: id,
                conversation_at: at,
                key: t.key,
                label: t.label,
                valence: t.valence,
            })
            .collect(),
    ))
}
