//! The admin's people pages: list, add, edit, deactivate, invite, import.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::import::RowError;
use foothold_domain::policy::{Action, decide};
use foothold_domain::{Email, PersonName, Role};
use foothold_store::{ImportFailure, NewPerson, Person, PersonChanges};
use serde::Deserialize;

use super::{Chrome, render, render_with};
use crate::AppState;
use crate::auth::{Identity, Viewer};
use crate::error::{AppError, PageError};
use crate::extract::{PageForm, PageMultipart};

/// How long an invite link works.
pub const INVITE_DAYS: i64 = 7;

pub struct Row {
    id: i64,
    name: String,
    email: String,
    title: String,
    department: String,
    manager: String,
    active: bool,
    has_password: bool,
    is_admin: bool,
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    chrome: Chrome,
    people: Vec<Row>,
    errors: Vec<String>,
    notice: String,
}

/// Everyone, for admins.
pub async fn list(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    decide(v.actor(), Action::ListAllPeople)?;
    let people = state.store().list_people().await?;
    let names: HashMap<i64, String> = people.iter().map(|p| (p.id, p.name.clone())).collect();
    let people = people
        .into_iter()
        .map(|p| Row {
            manager: p.manager_id.and_then(|m| names.get(&m).cloned()).unwrap_or_default(),
            department: p.department.clone().unwrap_or_default(),
            is_admin: p.role == Role::Admin,
            id: p.id,
            name: p.name,
            email: p.email,
            title: p.title,
            active: p.active,
            has_password: p.has_password,
        })
        .collect();
    render(&ListPage { chrome: Chrome::of(&v, "people"), people, errors: vec![], notice: String::new() })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PersonForm {
    name: String,
    email: String,
    title: String,
    department: String,
    manager_id: String,
    admin: Option<String>,
    active: Option<String>,
    version: String,
}

pub struct Choice {
    id: i64,
    name: String,
    email: String,
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    chrome: Chrome,
    editing: bool,
    action: String,
    form: FormValues,
    managers: Vec<Choice>,
    departments: Vec<String>,
    errors: Vec<String>,
    notice: String,
}

struct FormValues {
    name: String,
    email: String,
    title: String,
    department: String,
    manager_id: String,
    admin: bool,
    active: bool,
    version: String,
}

impl From<&PersonForm> for FormValues {
    fn from(f: &PersonForm) -> Self {
        FormValues {
            name: f.name.clone(),
            email: f.email.clone(),
            title: f.title.clone(),
            department: f.department.clone(),
            manager_id: f.manager_id.clone(),
            admin: f.admin.is_some(),
            active: f.active.is_some(),
            version: f.version.clone(),
        }
    }
}

/// A form's fields, checked.
struct Checked {
    name: PersonName,
    email: Email,
    title: String,
    department: Option<String>,
    manager_id: Option<i64>,
    role: Role,
}

fn check(f: &PersonForm) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let name = PersonName::parse(&f.name).map_err(|e| errors.push(format!("Name: {e}."))).ok();
    let email = Email::parse(&f.email).map_err(|e| errors.push(format!("E-mail: {e}."))).ok();
    let title = foothold_domain::Text::single_line(&f.title, "job title", 200, false)
        .map_err(|e| errors.push(format!("Job title: {e}.")))
        .ok();
    let department = foothold_domain::Text::single_line(&f.department, "department", 200, false)
        .map_err(|e| errors.push(format!("Department: {e}.")))
        .ok();
    let manager_id = match f.manager_id.trim() {
        "" => Some(None),
        s => s.parse::<i64>().map(Some).map_err(|_| errors.push("Manager: choose someone from the list.".into())).ok(),
    };
    match (name, email, title, department, manager_id) {
        (Some(name), Some(email), Some(title), Some(department), Some(manager_id)) if errors.is_empty() => {
            Ok(Checked {
                name,
                email,
                title: title.into_string(),
                department: Some(department.into_string()).filter(|d| !d.is_empty()),
                manager_id,
                role: if f.admin.is_some() { Role::Admin } else { Role::Member },
            })
        }
        _ => Err(errors),
    }
}

async fn form_page(
    state: &AppState,
    v: &Identity,
    editing: Option<i64>,
    form: FormValues,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let people = state.store().list_people().await?;
    let managers = people
        .into_iter()
        .filter(|p| p.active && Some(p.id) != editing)
        .map(|p| Choice { id: p.id, name: p.name, email: p.email })
        .collect();
    let departments = state.store().list_departments().await?.into_iter().map(|(_, n)| n).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &FormPage {
            chrome: Chrome::of(v, "people"),
            editing: editing.is_some(),
            action: editing.map(|id| format!("/people/{id}/edit")).unwrap_or_else(|| "/people/new".into()),
            form,
            managers,
            departments,
            errors,
            notice: String::new(),
        },
    )
}

/// The form to add someone.
pub async fn new_form(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    decide(v.actor(), Action::CreatePeople)?;
    let blank = PersonForm { active: Some("on".into()), ..Default::default() };
    form_page(&state, &v, None, FormValues::from(&blank), vec![]).await
}

/// Adds someone and shows their invite link.
pub async fn create(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<PersonForm>,
) -> Result<Response, PageError> {
    decide(v.actor(), Action::CreatePeople)?;
    let c = match check(&f) {
        Ok(c) => c,
        Err(errors) => return form_page(&state, &v, None, FormValues::from(&f), errors).await,
    };
    let new = NewPerson {
        email: c.email,
        name: c.name,
        title: c.title,
        department: c.department,
        manager_id: c.manager_id,
        role: c.role,
    };
    match state.store().create_person(&new).await {
        Ok(p) => {
            tracing::info!(actor = v.person.id, person = p.id, "person added");
            let link = new_invite_link(&state, p.id).await?;
            show_person(&state, &v, p.id, link, "Added. Send them the invite link below.".into()).await
        }
        Err(foothold_store::StoreError::Conflict(msg)) => {
            form_page(&state, &v, None, FormValues::from(&f), vec![msg]).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn new_invite_link(state: &AppState, person_id: i64) -> Result<String, PageError> {
    let token = state.store().create_invite(person_id, chrono::Duration::days(INVITE_DAYS)).await?;
    Ok(state.config().link(&format!("/invite/{token}")))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    person: Person,
    department: String,
    manager: Option<Person>,
    reports: Vec<Person>,
    can_edit: bool,
    invite_link: String,
    errors: Vec<String>,
    notice: String,
}

async fn show_person(
    state: &AppState,
    v: &Identity,
    id: i64,
    invite_link: String,
    notice: String,
) -> Result<Response, PageError> {
    let store = state.store();
    let person = store.person(id).await?.ok_or(AppError::NotFound)?;
    let relation = store.relation(v.person.id, id).await?;
    decide(v.actor(), Action::ViewPerson(relation))?;
    let manager = match person.manager_id {
        Some(m) => store.person(m).await?,
        None => None,
    };
    let reports = store.direct_reports(id).await?;
    let can_edit = decide(v.actor(), Action::EditPerson(relation)).is_ok();
    render(&PersonPage {
        chrome: Chrome::of(v, if can_edit { "people" } else { "" }),
        department: person.department.clone().unwrap_or_default(),
        person,
        manager,
        reports,
        can_edit,
        invite_link,
        errors: vec![],
        notice,
    })
}

/// One person's page.
pub async fn show(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_person(&state, &v, id, String::new(), String::new()).await
}

/// The form to change someone.
pub async fn edit_form(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let relation = state.store().relation(v.person.id, id).await?;
    decide(v.actor(), Action::EditPerson(relation))?;
    let p = state.store().person(id).await?.ok_or(AppError::NotFound)?;
    let form = FormValues {
        name: p.name,
        email: p.email,
        title: p.title,
        department: p.department.unwrap_or_default(),
        manager_id: p.manager_id.map(|m| m.to_string()).unwrap_or_default(),
        admin: p.role == Role::Admin,
        active: p.active,
        version: p.version.to_string(),
    };
    form_page(&state, &v, Some(id), form, vec![]).await
}

/// Saves changes, refusing to overwrite someone else's newer edit.
pub async fn update(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<PersonForm>,
) -> Result<Response, PageError> {
    let relation = state.store().relation(v.person.id, id).await?;
    decide(v.actor(), Action::EditPerson(relation))?;
    let c = match check(&f) {
        Ok(c) => c,
        Err(errors) => return form_page(&state, &v, Some(id), FormValues::from(&f), errors).await,
    };
    if id == v.person.id && (c.role != Role::Admin || f.active.is_none()) {
        let errors = vec!["You cannot remove your own admin role or deactivate yourself; ask another admin.".into()];
        return form_page(&state, &v, Some(id), FormValues::from(&f), errors).await;
    }
    let changes = PersonChanges {
        name: Some(c.name),
        email: Some(c.email),
        title: Some(c.title),
        department: Some(c.department),
        manager_id: Some(c.manager_id),
        role: Some(c.role),
        active: Some(f.active.is_some()),
    };
    let version = f.version.parse::<i64>().ok();
    let before = state.store().person(id).await?.ok_or(AppError::NotFound)?;
    match state.store().update_person(id, &changes, version).await {
        Ok(p) => {
            crate::audit::person_changed(state.store(), &v, &before, &p).await?;
            crate::outbox::notice_person_changed(&state, &v.person.name, &before, &p).await;
            tracing::info!(actor = v.person.id, person = p.id, "person changed");
            Ok(Redirect::to(&format!("/people/{id}")).into_response())
        }
        Err(foothold_store::StoreError::Conflict(msg)) => {
            form_page(&state, &v, Some(id), FormValues::from(&f), vec![msg]).await
        }
        Err(foothold_store::StoreError::Stale) => {
            let errors = vec![AppError::Stale.to_string()];
            form_page(&state, &v, Some(id), FormValues::from(&f), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Issues a new invite (or password) link.
pub async fn invite(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let relation = state.store().relation(v.person.id, id).await?;
    decide(v.actor(), Action::EditPerson(relation))?;
    let p = state.store().person(id).await?.ok_or(AppError::NotFound)?;
    if !p.active {
        return Err(AppError::Conflict("Reactivate this person before inviting them.".into()).into());
    }
    let link = new_invite_link(&state, id).await?;
    crate::audit::record_sign_in_link(state.store(), &v, &p).await?;
    let mut said = "A new link is ready; earlier links no longer work.".to_owned();
    if crate::outbox::notice_reset_link(&state, &v.person.name, &p).await {
        said.push_str(&format!(" {} has a password, so they get an e-mail saying this link was made.", p.name));
    }
    show_person(&state, &v, id, link, said).await
}

pub struct Created {
    name: String,
    email: String,
    link: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    row_errors: Vec<RowError>,
    created: Vec<Created>,
    updated: usize,
    unchanged: usize,
    errors: Vec<String>,
    notice: String,
}

impl ImportPage {
    fn new(v: &Identity) -> Self {
        ImportPage {
            chrome: Chrome::of(v, "people"),
            row_errors: vec![],
            created: vec![],
            updated: 0,
            unchanged: 0,
            errors: vec![],
            notice: String::new(),
        }
    }
}

/// The upload form.
pub async fn import_form(Viewer(v): Viewer) -> Result<Response, PageError> {
    decide(v.actor(), Action::CreatePeople)?;
    render(&ImportPage::new(&v))
}

/// Imports an uploaded CSV: everyone or nobody.
pub async fn import(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageMultipart(mut multipart): PageMultipart,
) -> Result<Response, PageError> {
    decide(v.actor(), Action::CreatePeople)?;
    let mut page = ImportPage::new(&v);
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                file = Some(field.bytes().await.map_err(crate::extract::multipart_error)?);
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(crate::extract::multipart_error(e).into()),
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        page.errors.push("Choose a CSV file to import.".into());
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match state.store().import_people(&bytes).await {
        Ok(outcome) => {
            tracing::info!(
                actor = v.person.id,
                created = outcome.created.len(),
                updated = outcome.updated,
                "people imported"
            );
            for id in &outcome.created {
                if let Some(p) = state.store().person(*id).await? {
                    let link = new_invite_link(&state, p.id).await?;
                    page.created.push(Created { name: p.name, email: p.email, link });
                }
            }
            page.updated = outcome.updated;
            page.unchanged = outcome.unchanged;
            render(&page)
        }
        Err(ImportFailure::Rows(rows)) => {
            page.row_errors = rows;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ImportFailure::Store(e)) => Err(e.into()),
    }
}
