//! The pulse (answered privately, read back only by its author) and the
//! quarterly performance view.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::engagement::{AGREEMENT, ENPS_QUESTION, RATINGS, Rating, STATEMENTS, Statement, rating_label};
use foothold_domain::policy::PerformancePart;
use serde::Deserialize;

use super::{Chrome, render_with};
use crate::AppState;
use crate::auth::{Identity, Viewer};
use crate::engagement as uc;
use crate::error::{AppError, PageError};
use crate::extract::PageForm;

pub struct PulseRowView {
    quarter: String,
    scores: Vec<u8>,
    enps: u8,
}

#[derive(Template)]
#[template(path = "pulse.html")]
struct PulsePage {
    chrome: Chrome,
    quarter: String,
    statements: Vec<(usize, Statement, u8)>,
    agreement: Vec<(u8, &'static str)>,
    enps_question: &'static str,
    enps: i64,
    answered: bool,
    history: Vec<PulseRowView>,
    errors: Vec<String>,
    notice: String,
}

async fn pulse_page(
    state: &AppState,
    v: &Identity,
    status: StatusCode,
    typed: Option<&HashMap<String, String>>,
    errors: Vec<String>,
    notice: &str,
) -> Result<Response, PageError> {
    let pulses = state.store().pulses_of(v.person.id).await?;
    let quarter = uc::this_quarter();
    let current = pulses.iter().find(|p| p.quarter == quarter);
    let typed_num = |k: &str| typed.and_then(|t| t.get(k)).and_then(|s| s.parse::<i64>().ok());
    let statements = STATEMENTS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let chosen = typed_num(s.key)
                .map(|n| n.clamp(0, 5) as u8)
                .or_else(|| current.map(|c| c.answer.scores[i]))
                .unwrap_or(0);
            (i, *s, chosen)
        })
        .collect();
    let page = PulsePage {
        chrome: Chrome::of(v, "pulse"),
        quarter: quarter.replace('-', " "),
        statements,
        agreement: AGREEMENT.iter().enumerate().map(|(i, a)| (i as u8 + 1, *a)).collect(),
        enps_question: ENPS_QUESTION,
        enps: typed_num("enps").or(current.map(|c| i64::from(c.answer.enps))).unwrap_or(-1),
        answered: current.is_some(),
        history: pulses
            .iter()
            .rev()
            .map(|p| PulseRowView {
                quarter: p.quarter.replace('-', " "),
                scores: p.answer.scores.to_vec(),
                enps: p.answer.enps,
            })
            .collect(),
        errors,
        notice: notice.into(),
    };
    render_with(status, &page)
}

/// The pulse form and the person's own history.
pub async fn pulse(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    pulse_page(&state, &v, StatusCode::OK, None, Vec::new(), "").await
}

/// Saves the pulse.
pub async fn answer(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let num = |k: &str| f.get(k).and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(-1);
    let scores: Vec<i64> = STATEMENTS.iter().map(|s| num(s.key)).collect();
    match uc::answer_pulse(state.store(), &v, &scores, num("enps")).await {
        Ok(_) => Ok(Redirect::to("/pulse?saved=1").into_response()),
        Err(e @ AppError::BadRequest(_)) => {
            pulse_page(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, Some(&f), vec![e.to_string()], "").await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ViewRow {
    id: i64,
    quarter: String,
    rating: u8,
    rating_label: &'static str,
    narrative: String,
    member_comment: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "performance.html")]
struct PerformancePage {
    chrome: Chrome,
    person_id: i64,
    person_name: String,
    is_member: bool,
    is_leader: bool,
    quarter: String,
    ratings: Vec<Rating>,
    form_rating: u8,
    form_narrative: String,
    form_version: i64,
    views: Vec<ViewRow>,
    errors: Vec<String>,
    notice: String,
}

async fn performance_page(
    state: &AppState,
    v: &Identity,
    person_id: i64,
    status: StatusCode,
    typed: Option<&WriteForm>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (views, part) = uc::performance(store, v, person_id).await?;
    let person = store.person(person_id).await?.ok_or(AppError::NotFound)?;
    let quarter = uc::this_quarter();
    let current = views.iter().find(|x| x.quarter == quarter);
    let page = PerformancePage {
        chrome: Chrome::of(v, "people"),
        person_id,
        person_name: person.name,
        is_member: part == PerformancePart::Member,
        is_leader: part == PerformancePart::Leader,
        quarter: quarter.clone(),
        ratings: RATINGS.to_vec(),
        form_rating: typed.and_then(|t| t.rating.trim().parse::<u8>().ok()).or(current.map(|c| c.rating)).unwrap_or(0),
        form_narrative: typed.map(|t| t.narrative.clone()).or(current.map(|c| c.narrative.clone())).unwrap_or_default(),
        form_version: typed.map(|t| t.version).or(current.map(|c| c.version)).unwrap_or(0),
        views: views
            .iter()
            .map(|x| ViewRow {
                id: x.id,
                quarter: x.quarter.replace('-', " "),
                rating: x.rating,
                rating_label: rating_label(x.rating),
                narrative: x.narrative.clone(),
                member_comment: x.member_comment.clone(),
                version: x.version,
            })
            .collect(),
        errors,
        notice: String::new(),
    };
    render_with(status, &page)
}

/// A person's quarterly performance views.
pub async fn performance(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(person_id): Path<i64>,
) -> Result<Response, PageError> {
    performance_page(&state, &v, person_id, StatusCode::OK, None, Vec::new()).await
}

#[derive(Deserialize)]
pub struct WriteForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    quarter: String,
}

/// The leader writes this quarter's view.
pub async fn write(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(person_id): Path<i64>,
    PageForm(f): PageForm<WriteForm>,
) -> Result<Response, PageError> {
    let rating = f.rating.trim().parse::<i64>().unwrap_or(0);
    let quarter = if f.quarter.trim().is_empty() { uc::this_quarter() } else { f.quarter.clone() };
    match uc::write_performance(state.store(), &v, person_id, &quarter, rating, &f.narrative, f.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{person_id}/performance")).into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Stale)) => {
            let status =
                if matches!(e, AppError::Stale) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            performance_page(&state, &v, person_id, status, Some(&f), vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    version: i64,
}

/// The member comments on a view.
pub async fn comment(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(view_id): Path<i64>,
    PageForm(f): PageForm<CommentForm>,
) -> Result<Response, PageError> {
    let view = uc::comment_performance(state.store(), &v, view_id, &f.comment, f.version).await?;
    Ok(Redirect::to(&format!("/people/{}/performance", view.person_id)).into_response())
}
