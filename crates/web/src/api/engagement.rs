//! `/api/v1/me/pulses` (the caller's own answers, and no one else's) and
//! `/api/v1/people/{id}/performance`.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use foothold_domain::engagement::{STATEMENTS, rating_label};
use foothold_store::{PerformanceView, Pulse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rules, unprocessable};
use crate::AppState;
use crate::auth::Caller;
use crate::engagement as uc;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};

/// One of the caller's own pulse answers.
#[derive(Serialize, ToSchema)]
pub struct PulseOut {
    /// `2027-Q1`.
    quarter: String,
    /// 1–5 each: energy, strengths, path, ownership, support.
    energy: u8,
    strengths: u8,
    path: u8,
    ownership: u8,
    support: u8,
    /// 0–10.
    enps: u8,
    answered_at: DateTime<Utc>,
}

fn pulse_out(p: Pulse) -> PulseOut {
    let [energy, strengths, path, ownership, support] = p.answer.scores;
    PulseOut {
        quarter: p.quarter,
        energy,
        strengths,
        path,
        ownership,
        support,
        enps: p.answer.enps,
        answered_at: p.answered_at,
    }
}

/// The caller's own pulse answers, oldest first. There is no route that
/// returns anyone else's: leaders and admins see anonymous aggregates only.
#[utoipa::path(get, path = "/me/pulses", tag = "engagement", responses((status = 200, body = Vec<PulseOut>)))]
pub async fn mine(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<PulseOut>>, ApiError> {
    Ok(Json(state.store().pulses_of(c.person.id).await?.into_iter().map(pulse_out).collect()))
}

/// A pulse answer: each statement 1–5, eNPS 0–10.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PulseIn {
    #[schema(minimum = 1, maximum = 5)]
    energy: i64,
    #[schema(minimum = 1, maximum = 5)]
    strengths: i64,
    #[schema(minimum = 1, maximum = 5)]
    path: i64,
    #[schema(minimum = 1, maximum = 5)]
    ownership: i64,
    #[schema(minimum = 1, maximum = 5)]
    support: i64,
    #[schema(minimum = 0, maximum = 10)]
    enps: i64,
}

/// Answers (or re-answers) this quarter's pulse.
#[utoipa::path(put, path = "/me/pulses/current", tag = "engagement", request_body = PulseIn,
    responses((status = 200, body = PulseOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn answer(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(b): ApiJson<PulseIn>,
) -> Result<Json<PulseOut>, ApiError> {
    let scores = [b.energy, b.strengths, b.path, b.ownership, b.support];
    debug_assert_eq!(scores.len(), STATEMENTS.len());
    let p = uc::answer_pulse(state.store(), &c, &scores, b.enps).await.map_err(unprocessable)?;
    Ok(Json(pulse_out(p)))
}

/// A quarterly performance view.
#[derive(Serialize, ToSchema)]
pub struct PerformanceOut {
    id: i64,
    person_id: i64,
    leader_id: i64,
    quarter: String,
    /// 1–5.
    rating: u8,
    rating_label: String,
    narrative: String,
    member_comment: String,
    version: i64,
    updated_at: DateTime<Utc>,
}

fn view_out(v: PerformanceView) -> PerformanceOut {
    PerformanceOut {
        id: v.id,
        person_id: v.person_id,
        leader_id: v.leader_id,
        quarter: v.quarter,
        rating: v.rating,
        rating_label: rating_label(v.rating).into(),
        narrative: v.narrative,
        member_comment: v.member_comment,
        version: v.version,
        updated_at: v.updated_at,
    }
}

/// A person's performance views: for the member, their leader and admins.
#[utoipa::path(get, path = "/people/{id}/performance", tag = "engagement", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PerformanceOut>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PerformanceOut>>, ApiError> {
    let (views, _) = uc::performance(state.store(), &c, id).await?;
    Ok(Json(views.into_iter().map(view_out).collect()))
}

/// A quarter from 2000 to 2200, e.g. `2027-Q1` (or `2027 q1`).
pub struct QuarterParam;

impl utoipa::PartialSchema for QuarterParam {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        rules::quarter().into()
    }
}

impl ToSchema for QuarterParam {}

/// A view to write.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceIn {
    #[schema(minimum = 1, maximum = 5)]
    rating: i64,
    #[serde(default)]
    #[schema(schema_with = rules::narrative)]
    narrative: String,
    /// 0 to create; the current version to change.
    #[serde(default)]
    version: i64,
}

/// The direct manager writes a quarter's view (`2027-Q1`; not a future quarter: 409).
#[utoipa::path(put, path = "/people/{id}/performance/{quarter}", tag = "engagement",
    params(("id" = i64, Path), ("quarter" = inline(QuarterParam), Path)), request_body = PerformanceIn,
    responses((status = 200, body = PerformanceOut), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn write(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, quarter)): ApiPath<(i64, String)>,
    ApiJson(b): ApiJson<PerformanceIn>,
) -> Result<Json<PerformanceOut>, ApiError> {
    let v = uc::write_performance(state.store(), &c, id, &quarter, b.rating, &b.narrative, b.version)
        .await
        .map_err(unprocessable)?;
    Ok(Json(view_out(v)))
}

/// The member's comment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    #[schema(schema_with = rules::narrative)]
    comment: String,
    version: i64,
}

/// The member comments on one of their views.
#[utoipa::path(put, path = "/performance/{id}/comment", tag = "engagement", params(("id" = i64, Path)), request_body = CommentIn,
    responses((status = 200, body = PerformanceOut), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn comment(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CommentIn>,
) -> Result<Json<PerformanceOut>, ApiError> {
    let v = uc::comment_performance(state.store(), &c, id, &b.comment, b.version).await.map_err(unprocessable)?;
    Ok(Json(view_out(v)))
}
