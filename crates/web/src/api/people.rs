//! `/api/v1/me` and `/api/v1/people`.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use foothold_domain::policy::{Action, decide};
use foothold_domain::{Email, PersonName, Role, Text};
use foothold_store::{ImportFailure, NewPerson, Person, PersonChanges};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::rules;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError, Problem};
use crate::extract::{ApiJson, ApiPath};

/// A person.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    id: i64,
    email: String,
    name: String,
    title: String,
    department: Option<String>,
    manager_id: Option<i64>,
    #[schema(schema_with = rules::role)]
    role: String,
    active: bool,
    /// True until they set a password through their invite link.
    invited: bool,
    /// Send it back in `PATCH` to refuse overwriting someone else's change.
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Person> for PersonOut {
    fn from(p: Person) -> Self {
        PersonOut {
            id: p.id,
            email: p.email,
            name: p.name,
            title: p.title,
            department: p.department,
            manager_id: p.manager_id,
            role: p.role.as_str().into(),
            active: p.active,
            invited: !p.has_password,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

fn bad(field: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError(AppError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: {e}")))
}

fn parse_role(s: &str) -> Result<Role, ApiError> {
    match s {
        "member" => Ok(Role::Member),
        "admin" => Ok(Role::Admin),
        other => Err(bad("role", format!("'{other}' is not a role; use member or admin"))),
    }
}

/// Who am I.
#[utoipa::path(get, path = "/me", tag = "people",
    responses((status = 200, body = PersonOut), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(Caller(c): Caller) -> Json<PersonOut> {
    Json(c.person.into())
}

/// Everyone the caller may see: admins see all, others themselves, their managers and their reporting tree.
#[utoipa::path(get, path = "/people", tag = "people",
    responses((status = 200, body = Vec<PersonOut>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, Caller(c): Caller) -> Result<Json<Vec<PersonOut>>, ApiError> {
    let people = state.store().list_people().await?;
    if decide(c.actor(), Action::ListAllPeople).is_ok() {
        return Ok(Json(people.into_iter().map(Into::into).collect()));
    }
    let mut visible = state.store().managers_above(c.person.id).await?;
    visible.extend(state.store().reports_below(c.person.id).await?);
    visible.push(c.person.id);
    Ok(Json(people.into_iter().filter(|p| visible.contains(&p.id)).map(Into::into).collect()))
}

/// A person to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonIn {
    #[schema(schema_with = rules::email_address)]
    email: String,
    #[schema(schema_with = rules::name)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = rules::line_200)]
    title: String,
    #[schema(schema_with = rules::line_200_or_null)]
    department: Option<String>,
    manager_id: Option<i64>,
    /// `member` (default) or `admin`.
    #[schema(schema_with = rules::role_or_null)]
    role: Option<String>,
}

/// Adds a person (admins).
#[utoipa::path(post, path = "/people", tag = "people", request_body = NewPersonIn,
    responses((status = 201, body = PersonOut), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiJson(body): ApiJson<NewPersonIn>,
) -> Result<(StatusCode, Json<PersonOut>), ApiError> {
    decide(c.actor(), Action::CreatePeople)?;
    let new = NewPerson {
        email: Email::parse(&body.email).map_err(|e| bad("email", e))?,
        name: PersonName::parse(&body.name).map_err(|e| bad("name", e))?,
        title: Text::single_line(&body.title, "title", 200, false).map_err(|e| bad("title", e))?.into_string(),
        department: match body.department {
            Some(d) => {
                Some(Text::single_line(&d, "department", 200, false).map_err(|e| bad("department", e))?.into_string())
                    .filter(|d| !d.is_empty())
            }
            None => None,
        },
        manager_id: body.manager_id,
        role: parse_role(body.role.as_deref().unwrap_or("member"))?,
    };
    let p = state.store().create_person(&new).await?;
    tracing::info!(actor = c.person.id, person = p.id, "person added");
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// One person, if the caller may see them (404 otherwise).
#[utoipa::path(get, path = "/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PersonOut>, ApiError> {
    let p = state.store().person(id).await?.ok_or(AppError::NotFound)?;
    let relation = state.store().relation(c.person.id, id).await?;
    decide(c.actor(), Action::ViewPerson(relation))?;
    Ok(Json(p.into()))
}

/// Distinguishes an absent field (leave as is) from `null` (clear it).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to a person; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    #[schema(schema_with = rules::name_or_null)]
    name: Option<String>,
    #[schema(schema_with = rules::email_or_null)]
    email: Option<String>,
    #[schema(schema_with = rules::line_200_or_null)]
    title: Option<String>,
    /// A name, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = rules::line_200_or_null)]
    department: Option<Option<String>>,
    /// An id, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    manager_id: Option<Option<i64>>,
    #[schema(schema_with = rules::role_or_null)]
    role: Option<String>,
    /// `false` deactivates (and signs them out everywhere).
    active: Option<bool>,
    /// The version you read; a newer one answers 409.
    version: Option<i64>,
}

/// Changes a person (admins).
#[utoipa::path(patch, path = "/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonPatch,
    responses((status = 200, body = PersonOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PersonPatch>,
) -> Result<Json<PersonOut>, ApiError> {
    let relation = state.store().relation(c.person.id, id).await?;
    decide(c.actor(), Action::EditPerson(relation))?;
    let changes = PersonChanges {
        name: body.name.as_deref().map(PersonName::parse).transpose().map_err(|e| bad("name", e))?,
        email: body.email.as_deref().map(Email::parse).transpose().map_err(|e| bad("email", e))?,
        title: body
            .title
            .as_deref()
            .map(|t| Text::single_line(t, "title", 200, false).map(Text::into_string))
            .transpose()
            .map_err(|e| bad("title", e))?,
        department: match body.department {
            Some(Some(d)) => Some(
                Some(Text::single_line(&d, "department", 200, false).map_err(|e| bad("department", e))?.into_string())
                    .filter(|d| !d.is_empty()),
            ),
            Some(None) => Some(None),
            None => None,
        },
        manager_id: body.manager_id,
        role: body.role.as_deref().map(parse_role).transpose()?,
        active: body.active,
    };
    if id == c.person.id && (changes.role == Some(Role::Member) || changes.active == Some(false)) {
        return Err(AppError::Conflict(
            "You cannot remove your own admin role or deactivate yourself; ask another admin.".into(),
        )
        .into());
    }
    let before = state.store().person(id).await?.ok_or(AppError::NotFound)?;
    let p = state.store().update_person(id, &changes, body.version).await?;
    crate::audit::person_changed(state.store(), &c, &before, &p).await?;
    crate::outbox::notice_person_changed(&state, &c.person.name, &before, &p).await;
    tracing::info!(actor = c.person.id, person = id, "person changed");
    Ok(Json(p.into()))
}

/// A new invite link.
#[derive(Serialize, ToSchema)]
pub struct InviteOut {
    /// Send this to the person; it works once.
    url: String,
    expires_at: DateTime<Utc>,
}

/// Issues a new invite link for a person (admins); earlier links stop working.
#[utoipa::path(post, path = "/people/{id}/invites", tag = "people", params(("id" = i64, Path)),
    responses((status = 201, body = InviteOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The person is deactivated", body = Problem, content_type = "application/problem+json")))]
pub async fn invite(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<InviteOut>), ApiError> {
    let relation = state.store().relation(c.person.id, id).await?;
    decide(c.actor(), Action::EditPerson(relation))?;
    let p = state.store().person(id).await?.ok_or(AppError::NotFound)?;
    if !p.active {
        return Err(AppError::Conflict("Reactivate this person before inviting them.".into()).into());
    }
    let ttl = chrono::Duration::days(crate::pages::INVITE_DAYS);
    let token = state.store().create_invite(id, ttl).await?;
    crate::audit::record_sign_in_link(state.store(), &c, &p).await?;
    crate::outbox::notice_reset_link(&state, &c.person.name, &p).await;
    Ok((
        StatusCode::CREATED,
        Json(InviteOut {
            url: state.config().link(&format!("/invite/{token}")),
            expires_at: foothold_store::now() + ttl,
        }),
    ))
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct PeopleImportOut {
    /// Ids of the people added.
    created: Vec<i64>,
    updated: usize,
    unchanged: usize,
}

/// Imports people from CSV (`email,name,title,department,manager_email`): all rows or none.
#[utoipa::path(post, path = "/people/import", tag = "people",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = PeopleImportOut), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Nothing was imported; `errors` lists every bad row", body = Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    Caller(c): Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PeopleImportOut>, ApiError> {
    decide(c.actor(), Action::CreatePeople)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("text/csv") {
        return Err(AppError::Rejected(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the file with `Content-Type: text/csv`.".into(),
        )
        .into());
    }
    let bytes = axum::body::to_bytes(body, crate::IMPORT_LIMIT).await.map_err(crate::extract::body_error)?;
    match state.store().import_people(&bytes).await {
        Ok(o) => {
            tracing::info!(actor = c.person.id, created = o.created.len(), updated = o.updated, "people imported");
            Ok(Json(PeopleImportOut { created: o.created, updated: o.updated, unchanged: o.unchanged }))
        }
        Err(ImportFailure::Rows(errors)) => Err(AppError::Unprocessable {
            detail: format!("Nothing was imported: {} row(s) have problems, listed in `errors`.", errors.len()),
            errors,
        }
        .into()),
        Err(ImportFailure::Store(e)) => Err(e.into()),
    }
}
