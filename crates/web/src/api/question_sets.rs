//! `/api/v1/question-sets`: sets of Past, Present and Future questions, and their importers.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use foothold_domain::conversation::{Category, Question};
use foothold_domain::policy::SetAction;
use foothold_domain::question_import;
use foothold_store::{QuestionSet, SetScope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rules, unprocessable};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::question_sets as uc;

/// A question.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionIo {
    #[schema(schema_with = rules::category)]
    category: String,
    /// The question; `{window}` stands for the reflection window.
    #[schema(schema_with = rules::question_text)]
    text: String,
}

/// A question set.
#[derive(Serialize, ToSchema)]
pub struct SetOut {
    id: i64,
    name: String,
    #[schema(schema_with = rules::set_scope)]
    scope: String,
    editable: bool,
    version: i64,
    updated_at: DateTime<Utc>,
    questions: Vec<QuestionIo>,
}

fn io(q: &Question) -> QuestionIo {
    QuestionIo { category: q.category.as_str().into(), text: q.text.clone() }
}

fn out(set: QuestionSet, editable: bool) -> SetOut {
    SetOut {
        id: set.id,
        scope: set.scope.as_str().into(),
        editable,
        version: set.version,
        updated_at: set.updated_at,
        questions: set.questions.iter().map(io).collect(),
        name: set.name,
    }
}

/// The sets you may use.
#[utoipa::path(get, path = "/question-sets", tag = "question-sets", responses((status = 200, body = Vec<SetOut>)))]
pub async fn list(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<SetOut>>, ApiError> {
    let sets = state.store().question_sets_for(c.person.id).await?;
    Ok(Json(
        sets.into_iter()
            .map(|s| {
                let e = uc::may_edit(&c, &s);
                out(s, e)
            })
            .collect(),
    ))
}

/// A set to make or replace.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetIn {
    #[schema(schema_with = rules::set_name)]
    name: String,
    /// `personal` (default) or `org` (admins: everyone may use it).
    #[serde(default)]
    #[schema(schema_with = rules::new_set_scope)]
    scope: String,
    #[schema(schema_with = rules::questions)]
    questions: Vec<QuestionIo>,
    /// On replace: the version you read; a newer one answers 409.
    version: Option<i64>,
}

fn questions(b: &SetIn) -> Result<Vec<Question>, AppError> {
    let pairs: Vec<(String, String)> = b.questions.iter().map(|q| (q.category.clone(), q.text.clone())).collect();
    uc::check_questions(&pairs)
}

/// Makes a set (leaders and admins).
#[utoipa::path(post, path = "/question-sets", tag = "question-sets", request_body = SetIn,
    responses((status = 201, body = SetOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(b): ApiJson<SetIn>,
) -> Result<(StatusCode, Json<SetOut>), ApiError> {
    let scope = uc::parse_scope(&b.scope).map_err(unprocessable)?;
    let qs = questions(&b).map_err(unprocessable)?;
    let set = uc::create(state.store(), &c, &b.name, scope, &qs).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(out(set, true))))
}

/// One set.
#[utoipa::path(get, path = "/question-sets/{id}", tag = "question-sets", params(("id" = i64, Path)),
    responses((status = 200, body = SetOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SetOut>, ApiError> {
    let set = uc::load(state.store(), &c, id, SetAction::Use).await?;
    let e = uc::may_edit(&c, &set);
    Ok(Json(out(set, e)))
}

/// Replaces a set's name, scope and questions.
#[utoipa::path(put, path = "/question-sets/{id}", tag = "question-sets", params(("id" = i64, Path)), request_body = SetIn,
    responses((status = 200, body = SetOut), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SetIn>,
) -> Result<Json<SetOut>, ApiError> {
    let scope = uc::parse_scope(&b.scope).map_err(unprocessable)?;
    let qs = questions(&b).map_err(unprocessable)?;
    let set = uc::update(state.store(), &c, id, &b.name, scope, &qs, b.version).await.map_err(unprocessable)?;
    Ok(Json(out(set, true)))
}

/// Deletes a set; conversations keep their own copy of its questions.
#[utoipa::path(delete, path = "/question-sets/{id}", tag = "question-sets", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    uc::delete(state.store(), &c, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file to import: previewed unless `save` is true.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportIn {
    /// `markdown` or `bank` (a JSON question bank).
    #[schema(schema_with = rules::import_format)]
    format: String,
    /// The file's text.
    content: String,
    /// For a bank: which language to read (default `en`).
    #[serde(default)]
    language: Option<String>,
    /// For a bank: category name → `past`, `present`, `future`, or null to skip. Missing: the suggested mapping.
    #[serde(default)]
    #[schema(schema_with = rules::mapping)]
    mapping: Option<BTreeMap<String, Option<String>>>,
    /// Save as a new set (otherwise only preview).
    #[serde(default)]
    save: bool,
    /// The new set's name, when saving; the file's (or "Imported questions") when left out.
    #[schema(schema_with = rules::set_name_or_null)]
    name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = rules::new_set_scope)]
    scope: String,
}

/// A bank category and where it goes.
#[derive(Serialize, ToSchema)]
pub struct MappingOut {
    category: String,
    count: usize,
    /// Null when skipped.
    #[schema(schema_with = rules::category_or_null)]
    target: Option<String>,
}

/// What an import would make (or made).
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    name: Option<String>,
    questions: Vec<QuestionIo>,
    /// For a bank: the mapping used, to show and change.
    mapping: Vec<MappingOut>,
    /// Set when `save` was true.
    saved: Option<SetOut>,
}

fn problems(ps: Vec<question_import::ImportProblem>) -> AppError {
    AppError::Unprocessable {
        detail: format!("Nothing was imported: {} problem(s), listed in `errors`.", ps.len()),
        errors: ps
            .into_iter()
            .map(|p| foothold_domain::import::RowError { line: p.line, reason: p.to_string() })
            .collect(),
    }
}

/// Previews or saves a set from Markdown (`## Past` / `## Present` / `## Future` with bullets) or a JSON question bank.
#[utoipa::path(post, path = "/question-sets/import", tag = "question-sets", request_body = ImportIn,
    responses((status = 200, body = ImportOut), (status = 201, body = ImportOut),
              (status = 403, description = "Saving: only leaders and admins make sets, only admins publish them", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Nothing was imported; `errors` gives each line or entry and the reason", body = Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(b): ApiJson<ImportIn>,
) -> Result<(StatusCode, Json<ImportOut>), ApiError> {
    // Every field is checked whether or not this request uses it: a preview
    // refuses what saving would.
    let scope: SetScope = uc::parse_scope(&b.scope).map_err(unprocessable)?;
    if let Some(name) = &b.name {
        uc::check_name(name).map_err(unprocessable)?;
    }
    let chosen: Option<BTreeMap<String, Option<Category>>> = match &b.mapping {
        None => None,
        Some(m) => Some(
            m.iter()
                .map(|(k, v)| match v.as_deref() {
                    None => Ok((k.clone(), None)),
                    Some(t) => Category::parse(t).map(|c| (k.clone(), Some(c))).ok_or_else(|| {
                        AppError::Rejected(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("mapping: '{t}' is not past, present, future or null"),
                        )
                    }),
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let (name, qs, mapping) = match b.format.as_str() {
        "markdown" => {
            let set = question_import::parse_markdown(b.content.as_bytes()).map_err(problems)?;
            (set.name, set.questions, Vec::new())
        }
        "bank" => {
            let bank =
                question_import::parse_question_bank(b.content.as_bytes(), b.language.as_deref().unwrap_or("en"))
                    .map_err(problems)?;
            let map = chosen.unwrap_or_else(|| bank.suggested());
            let used = bank
                .categories
                .iter()
                .map(|cat| MappingOut {
                    category: cat.name.clone(),
                    count: cat.count,
                    target: map.get(&cat.name).copied().flatten().map(|c| c.as_str().to_owned()),
                })
                .collect();
            let qs = bank.select(&map).map_err(|p| problems(vec![p]))?;
            (None, qs, used)
        }
        other => {
            return Err(AppError::Rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("format: '{other}' is not markdown or bank"),
            )
            .into());
        }
    };
    let questions = qs.iter().map(io).collect();
    if !b.save {
        return Ok((StatusCode::OK, Json(ImportOut { name, questions, mapping, saved: None })));
    }
    let set_name = b.name.clone().or(name.clone()).unwrap_or_else(|| "Imported questions".into());
    let set = uc::create(state.store(), &c, &set_name, scope, &qs).await.map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(ImportOut { name: Some(set_name), questions, mapping, saved: Some(out(set, true)) })))
}
