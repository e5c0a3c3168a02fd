//! The themes page: the taxonomy, a person's themes over time, and (for
//! admins) the organisation's own themes.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::policy::{Action, decide};
use serde::Deserialize;

use super::{Chrome, render_with};
use crate::AppState;
use crate::auth::{Identity, Viewer};
use crate::conversations::display_when;
use crate::error::{AppError, PageError};
use crate::extract::PageForm;

#[derive(Template)]
#[template(path = "themes_page.html")]
struct ThemesPage {
    chrome: Chrome,
    themes: Vec<(String, String, String, Vec<String>)>,
    history: Vec<(i64, String, String)>,
    recurring: String,
    can_manage: bool,
    editing: bool,
    form_key: String,
    form_label: String,
    form_cues: String,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    edit: String,
    saved: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThemeForm {
    key: String,
    label: String,
    cues: String,
    action: String,
}

async fn page(
    state: &AppState,
    v: &Identity,
    form: ThemeForm,
    editing: bool,
    errors: Vec<String>,
    notice: &str,
) -> Result<Response, PageError> {
    let store = state.store();
    let mut by_conversation: BTreeMap<(chrono::DateTime<chrono::Utc>, i64), Vec<String>> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut zones = BTreeMap::new();
    for (at, id, t) in store.theme_history(v.person.id).await? {
        by_conversation.entry((at, id)).or_default().push(t.label.clone());
        *counts.entry(t.label).or_default() += 1;
        if let std::collections::btree_map::Entry::Vacant(e) = zones.entry(id)
            && let Some(c) = store.conversation(id).await?
        {
            e.insert(c.time_zone);
        }
    }
    let history = by_conversation
        .into_iter()
        .rev()
        .map(|((at, id), labels)| {
            (id, display_when(at, zones.get(&id).map(String::as_str).unwrap_or("UTC")), labels.join(", "))
        })
        .collect();
    let recurring = counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(l, n)| format!("{l} ({n} conversations)"))
        .collect::<Vec<_>>()
        .join(", ");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &ThemesPage {
            chrome: Chrome::of(v, "themes"),
            themes: crate::themes::taxonomy(store).await?,
            history,
            recurring,
            can_manage: decide(v.actor(), Action::ManageOrgThemes).is_ok(),
            editing,
            form_key: form.key,
            form_label: form.label,
            form_cues: form.cues,
            errors,
            notice: notice.into(),
        },
    )
}

/// The page.
pub async fn show(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let mut form = ThemeForm::default();
    let mut editing = false;
    if !q.edit.is_empty()
        && let Some(c) = state.store().custom_themes().await?.into_iter().find(|c| c.key == q.edit)
    {
        form = ThemeForm { key: c.key, label: c.label, cues: c.cues.join("\n"), action: String::new() };
        editing = true;
    }
    let notice = match q.saved.as_str() {
        "saved" => "Saved: suggestions use it from now on.",
        "deleted" => "Deleted.",
        _ => "",
    };
    page(&state, &v, form, editing, vec![], notice).await
}

/// Saves or deletes an organisation theme (admins).
pub async fn save(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<ThemeForm>,
) -> Result<Response, PageError> {
    decide(v.actor(), Action::ManageOrgThemes)?;
    let key = f.key.trim().to_owned();
    let result = if f.action == "delete" {
        crate::themes::delete_custom(state.store(), &v, &key).await.map(|()| "deleted")
    } else {
        let cues: Vec<String> = f.cues.lines().map(str::to_owned).collect();
        crate::themes::put_custom(state.store(), &v, &key, &f.label, &cues).await.map(|()| "saved")
    };
    match result {
        Ok(what) => Ok(Redirect::to(&format!("/themes?saved={what}")).into_response()),
        Err(AppError::BadRequest(msg)) => {
            let editing = f.action == "delete";
            page(&state, &v, f, editing, vec![msg], "").await
        }
        Err(e) => Err(e.into()),
    }
}
