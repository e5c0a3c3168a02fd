//! `/api/v1/plans`: growth plans, their steps, history, check-ins, and role history.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use foothold_domain::plan::StepInput;
use foothold_domain::policy::{PlanAction, PlanPart};
use foothold_store::{PlanDetail, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{rules, unprocessable};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::plans::{self as uc, Change, Point};

/// A priority theme.
#[derive(Serialize, ToSchema)]
pub struct ThemeOut {
    id: i64,
    key: String,
    label: String,
    dropped: bool,
}

/// A growth step.
#[derive(Serialize, ToSchema)]
pub struct StepOut {
    id: i64,
    theme_id: i64,
    #[schema(schema_with = rules::step_kind)]
    kind: String,
    /// Where it leads on the wall.
    #[schema(schema_with = rules::direction)]
    direction: String,
    what: String,
    signal: String,
    support: String,
    /// Quarter of the plan's year, 1 to 4.
    #[schema(minimum = 1, maximum = 4)]
    target_quarter: u32,
    #[schema(schema_with = rules::step_status)]
    status: String,
    progress: String,
}

/// A quarterly check-in.
#[derive(Serialize, ToSchema)]
pub struct CheckinOut {
    number: u32,
    due_on: NaiveDate,
    #[schema(schema_with = rules::checkin_state)]
    state: String,
    completed_at: Option<DateTime<Utc>>,
    completed_by: Option<i64>,
    what_changed: String,
}

/// A growth plan with everything in it.
#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    id: i64,
    person_id: i64,
    leader_id: i64,
    conversation_id: Option<i64>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    time_zone: String,
    #[schema(schema_with = rules::plan_state)]
    state: String,
    review: String,
    /// Send it back with changes that could overwrite someone's work.
    version: i64,
    /// How the caller takes part.
    #[schema(schema_with = rules::plan_part)]
    part: String,
    themes: Vec<ThemeOut>,
    steps: Vec<StepOut>,
    checkins: Vec<CheckinOut>,
}

fn out(d: PlanDetail, part: PlanPart) -> PlanOut {
    let checkins = d
        .checkins
        .iter()
        .map(|c| CheckinOut {
            number: c.number,
            due_on: c.due_on,
            state: uc::checkin_state(&d, c).as_str().into(),
            completed_at: c.completed_at,
            completed_by: c.completed_by,
            what_changed: c.what_changed.clone(),
        })
        .collect();
    PlanOut {
        id: d.plan.id,
        person_id: d.plan.person_id,
        leader_id: d.plan.leader_id,
        conversation_id: d.plan.conversation_id,
        starts_on: d.plan.starts_on,
        ends_on: d.plan.ends_on,
        time_zone: d.plan.time_zone,
        state: d.plan.state.as_str().into(),
        review: d.plan.review,
        version: d.plan.version,
        part: if part == PlanPart::Owner { "owner" } else { "leader" }.into(),
        themes: d
            .themes
            .into_iter()
            .map(|t| ThemeOut { id: t.id, key: t.key, label: t.label, dropped: t.dropped })
            .collect(),
        steps: d
            .steps
            .into_iter()
            .map(|s| StepOut {
                id: s.id,
                theme_id: s.theme_id,
                kind: s.kind.as_str().into(),
                direction: format!("{:?}", s.kind.direction()).to_lowercase(),
                what: s.what,
                signal: s.signal,
                support: s.support,
                target_quarter: s.target_quarter,
                status: s.status.as_str().into(),
                progress: s.progress,
            })
            .collect(),
        checkins,
    }
}

async fn fetch(state: &AppState, c: &crate::auth::Identity, id: i64) -> Result<PlanOut, AppError> {
    let (d, part, _) = uc::load(state.store(), c, id, PlanAction::View).await?;
    Ok(out(d, part))
}

/// The caller's plans and their direct reports' active plans.
#[utoipa::path(get, path = "/plans", tag = "plans", responses((status = 200, body = Vec<PlanOut>)))]
pub async fn list(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<PlanOut>>, ApiError> {
    let store = state.store();
    let reports: Vec<i64> = store.direct_reports(c.person.id).await?.into_iter().map(|p| p.id).collect();
    let mut ids: Vec<i64> = store.plans_of(c.person.id).await?.into_iter().map(|p| p.id).collect();
    ids.extend(store.active_plans_of(&reports).await?.into_iter().map(|p| p.id));
    let mut all = Vec::with_capacity(ids.len());
    for id in ids {
        all.push(fetch(&state, &c, id).await?);
    }
    Ok(Json(all))
}

/// Starts a plan from a held conversation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartIn {
    conversation_id: i64,
    /// Last day; twelve months after the conversation when left out.
    #[serde(default)]
    ends_on: Option<NaiveDate>,
}

/// Starts the growth plan of a held conversation, with its confirmed themes.
#[utoipa::path(post, path = "/plans", tag = "plans", request_body = StartIn,
    responses((status = 201, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Not held yet, a plan exists already, or `ends_on` is not within two years after the conversation", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(body): ApiJson<StartIn>,
) -> Result<(StatusCode, Json<PlanOut>), ApiError> {
    let p = uc::start(state.store(), &c, body.conversation_id, body.ends_on).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(fetch(&state, &c, p.id).await?)))
}

/// A plan.
#[utoipa::path(get, path = "/plans/{id}", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlanOut>, ApiError> {
    Ok(Json(fetch(&state, &c, id).await?))
}

/// Changes to the plan itself.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    version: i64,
    /// After the start, at most two years later (409 otherwise).
    #[serde(default)]
    #[schema(schema_with = rules::date_or_null)]
    ends_on: Option<String>,
    /// Every theme id of the plan, in the new order.
    #[serde(default)]
    theme_order: Option<Vec<i64>>,
}

/// Moves the plan's end or reorders its themes.
#[utoipa::path(patch, path = "/plans/{id}", tag = "plans", params(("id" = i64, Path)), request_body = PlanPatch,
    responses((status = 200, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Stale version or a closed plan", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlanPatch>,
) -> Result<Json<PlanOut>, ApiError> {
    let mut version = body.version;
    // The end and the order are two writes: check the order before the first, so a refused PATCH changes nothing.
    if body.ends_on.is_some()
        && let Some(order) = &body.theme_order
    {
        let (d, _, _) = uc::load(state.store(), &c, id, PlanAction::Edit).await?;
        uc::check_order(&d, order)?;
    }
    if let Some(end) = body.ends_on {
        version =
            uc::edit(state.store(), &c, id, Some(version), Change::SetEnd(end)).await.map_err(unprocessable)?.version;
    }
    if let Some(order) = body.theme_order {
        uc::edit(state.store(), &c, id, Some(version), Change::OrderThemes(order)).await.map_err(unprocessable)?;
    }
    Ok(Json(fetch(&state, &c, id).await?))
}

/// A theme to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemeIn {
    #[schema(schema_with = rules::plan_theme_label)]
    label: String,
}

/// Adds a priority theme at the end.
#[utoipa::path(post, path = "/plans/{id}/themes", tag = "plans", params(("id" = i64, Path)), request_body = ThemeIn,
    responses((status = 201, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_theme(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ThemeIn>,
) -> Result<(StatusCode, Json<PlanOut>), ApiError> {
    uc::edit(state.store(), &c, id, None, Change::AddTheme(body.label)).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(fetch(&state, &c, id).await?)))
}

/// Changes to a theme.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemePatch {
    version: i64,
    #[serde(default)]
    #[schema(schema_with = rules::plan_theme_label_or_null)]
    label: Option<String>,
    #[serde(default)]
    dropped: Option<bool>,
}

/// Renames, drops or takes up a theme again.
#[utoipa::path(patch, path = "/plans/{id}/themes/{theme_id}", tag = "plans",
    params(("id" = i64, Path), ("theme_id" = i64, Path)), request_body = ThemePatch,
    responses((status = 200, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_theme(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, theme_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ThemePatch>,
) -> Result<Json<PlanOut>, ApiError> {
    let mut version = body.version;
    if let Some(label) = body.label {
        version = uc::edit(state.store(), &c, id, Some(version), Change::RenameTheme(theme_id, label))
            .await
            .map_err(unprocessable)?
            .version;
    }
    if let Some(dropped) = body.dropped {
        uc::edit(state.store(), &c, id, Some(version), Change::DropTheme(theme_id, dropped))
            .await
            .map_err(unprocessable)?;
    }
    Ok(Json(fetch(&state, &c, id).await?))
}

/// Generates a step body type: the fields every step has, and the two that
/// differ between adding (the theme) and rewriting (the version).
macro_rules! step_in {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        #[derive(Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($extra)*
            #[schema(schema_with = rules::step_kind)]
            kind: String,
            #[schema(schema_with = rules::step_what)]
            what: String,
            /// How we will know.
            #[serde(default)]
            #[schema(schema_with = rules::step_text)]
            signal: String,
            /// What the leader gives.
            #[serde(default)]
            #[schema(schema_with = rules::step_text)]
            support: String,
            /// Quarter of the plan's year, 1 to 4.
            #[schema(minimum = 1, maximum = 4)]
            target_quarter: i64,
            /// `planned` when left out or empty.
            #[serde(default)]
            #[schema(schema_with = rules::step_status_or_empty)]
            status: String,
        }

        impl $name {
            fn input(&self) -> StepInput {
                StepInput {
                    kind: self.kind.clone(),
                    what: self.what.clone(),
                    signal: self.signal.clone(),
                    support: self.support.clone(),
                    target_quarter: self.target_quarter,
                    status: self.status.clone(),
                }
            }
        }
    };
}

step_in! {
    /// A step to add.
    NewStepIn {
        /// The priority theme it serves.
        theme_id: i64,
        /// Ignored: an addition overwrites nothing.
        #[serde(default)]
        #[allow(dead_code)]
        version: Option<i64>,
    }
}

step_in! {
    /// A step's new content, all fields.
    StepIn {
        /// The plan's version you read; a newer one answers 409.
        version: i64,
        /// Ignored: a step stays under its theme.
        #[serde(default)]
        #[allow(dead_code)]
        theme_id: Option<i64>,
    }
}

/// Adds a step under a theme.
#[utoipa::path(post, path = "/plans/{id}/steps", tag = "plans", params(("id" = i64, Path)), request_body = NewStepIn,
    responses((status = 201, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_step(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewStepIn>,
) -> Result<(StatusCode, Json<PlanOut>), ApiError> {
    uc::edit(state.store(), &c, id, None, Change::AddStep(body.theme_id, body.input())).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(fetch(&state, &c, id).await?)))
}

/// Rewrites a step (all fields), e.g. to mark it done.
#[utoipa::path(put, path = "/plans/{id}/steps/{step_id}", tag = "plans",
    params(("id" = i64, Path), ("step_id" = i64, Path)), request_body = StepIn,
    responses((status = 200, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Stale version or a closed plan", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_step(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, step_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<StepIn>,
) -> Result<Json<PlanOut>, ApiError> {
    uc::edit(state.store(), &c, id, Some(body.version), Change::UpdateStep(step_id, body.input()))
        .await
        .map_err(unprocessable)?;
    Ok(Json(fetch(&state, &c, id).await?))
}

/// One change in a plan's history.
#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    person_id: i64,
    changed_at: DateTime<Utc>,
    /// The check-in it was part of.
    checkin: Option<u32>,
    summary: String,
}

/// A difference between two points.
#[derive(Serialize, ToSchema)]
pub struct DifferenceOut {
    #[schema(schema_with = rules::difference_change)]
    change: String,
    #[schema(schema_with = rules::difference_subject)]
    subject: String,
    text: String,
}

/// A plan's history and the difference between two points.
#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    changes: Vec<ChangeOut>,
    from: String,
    to: String,
    differences: Vec<DifferenceOut>,
}

/// Points to compare.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// `start` (default), a check-in number 1 to 4, or `now`.
    #[serde(default)]
    #[param(schema_with = rules::history_point)]
    from: String,
    /// `now` (default), a check-in number 1 to 4, or `start`.
    #[serde(default)]
    #[param(schema_with = rules::history_point)]
    to: String,
}

/// Every change to a plan, oldest first, and what changed between two points
/// (the start, a held check-in, or now).
#[utoipa::path(get, path = "/plans/{id}/history", tag = "plans", params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = HistoryOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "A check-in that has not been held yet", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Not a point of a plan", body = Problem, content_type = "application/problem+json")))]
pub async fn history(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryOut>, ApiError> {
    let store = state.store();
    let (d, _, _) = uc::load(store, &c, id, PlanAction::View).await?;
    let history = store.plan_history(id).await?;
    let bad =
        |s: &str| AppError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, format!("'{s}' is not start, now or 1 to 4."));
    let from = Point::parse(&q.from).ok_or_else(|| bad(&q.from))?;
    let to = if q.to.trim().is_empty() { Point::Now } else { Point::parse(&q.to).ok_or_else(|| bad(&q.to))? };
    let differences = uc::difference(&d, &history, from, to).map_err(unprocessable)?;
    Ok(Json(HistoryOut {
        changes: history
            .iter()
            .map(|h| ChangeOut {
                person_id: h.person_id,
                changed_at: h.changed_at,
                checkin: h.checkin_id.and_then(|cid| d.checkins.iter().find(|k| k.id == cid)).map(|k| k.number),
                summary: h.summary.clone(),
            })
            .collect(),
        from: from.value(),
        to: to.value(),
        differences: differences
            .into_iter()
            .map(|x| DifferenceOut { change: x.change.into(), subject: x.subject.into(), text: x.text })
            .collect(),
    }))
}

/// Progress on one step.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressIn {
    /// A step of this plan (409 otherwise).
    step_id: i64,
    #[schema(schema_with = rules::step_status)]
    status: String,
    #[serde(default)]
    #[schema(schema_with = rules::step_text)]
    note: String,
}

/// A check-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinIn {
    version: i64,
    #[serde(default)]
    progress: Vec<ProgressIn>,
    /// Every theme id, in the new order.
    #[serde(default)]
    theme_order: Option<Vec<i64>>,
    #[serde(default)]
    #[schema(schema_with = rules::review_text)]
    what_changed: String,
    /// Move the next check-in to this date; empty to keep it.
    #[serde(default)]
    #[schema(schema_with = rules::date_or_empty)]
    next_due: String,
    /// The year-end review, at check-in 4 (which closes the plan).
    #[serde(default)]
    #[schema(schema_with = rules::review_text)]
    review: String,
}

/// Records a check-in. They are held in order; the fourth is the year-end review and closes the plan.
#[utoipa::path(post, path = "/plans/{id}/checkins/{number}", tag = "plans",
    params(("id" = i64, Path), ("number" = u32, Path, minimum = 1, maximum = 4, description = "1 to 4")), request_body = CheckinIn,
    responses((status = 200, body = PlanOut), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Stale version, out of order, or already held", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn checkin(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath((id, number)): ApiPath<(i64, u32)>,
    ApiJson(body): ApiJson<CheckinIn>,
) -> Result<Json<PlanOut>, ApiError> {
    let input = uc::CheckinInput {
        number,
        version: body.version,
        progress: body.progress.into_iter().map(|p| (p.step_id, p.status, p.note)).collect(),
        theme_order: body.theme_order,
        what_changed: body.what_changed,
        next_due: body.next_due,
        review: body.review,
    };
    uc::check_in(state.store(), &c, id, input).await.map_err(unprocessable)?;
    Ok(Json(fetch(&state, &c, id).await?))
}

/// A role someone held or holds.
#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    id: i64,
    title: String,
    department: String,
    started_on: NaiveDate,
    /// None while current.
    ended_on: Option<NaiveDate>,
    recorded_by: i64,
}

fn role_out(r: Role) -> RoleOut {
    RoleOut {
        id: r.id,
        title: r.title,
        department: r.department,
        started_on: r.started_on,
        ended_on: r.ended_on,
        recorded_by: r.recorded_by,
    }
}

/// A role to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleIn {
    #[schema(schema_with = rules::title)]
    title: String,
    #[serde(default)]
    #[schema(schema_with = rules::line_200)]
    department: String,
    #[schema(schema_with = rules::date_string)]
    started_on: String,
    /// Leave out (or empty) for the current role; not before `started_on` (409 otherwise).
    #[serde(default)]
    #[schema(schema_with = rules::date_or_empty)]
    ended_on: String,
}

/// A person's role history, for anyone who may see the person.
#[utoipa::path(get, path = "/people/{id}/roles", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RoleOut>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn roles(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<RoleOut>>, ApiError> {
    Ok(Json(uc::roles(state.store(), &c, id).await?.into_iter().map(role_out).collect()))
}

/// Records a role change (leaders for their tree, and admins). A current role
/// ends the previous one and becomes the person's title and department.
#[utoipa::path(post, path = "/people/{id}/roles", tag = "plans", params(("id" = i64, Path)), request_body = RoleIn,
    responses((status = 201, body = RoleOut), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_role(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RoleIn>,
) -> Result<(StatusCode, Json<RoleOut>), ApiError> {
    let input = uc::RoleInput {
        title: body.title,
        department: body.department,
        started_on: body.started_on,
        ended_on: body.ended_on,
    };
    let r = uc::record_role(state.store(), &c, id, input).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(role_out(r))))
}
