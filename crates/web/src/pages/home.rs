//! "What is next for me": the first page after signing in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use foothold_store::Person;

use super::{Chrome, render};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::PageError;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    me: Person,
    manager: Option<Person>,
    reports: Vec<Person>,
    people_count: u64,
}

/// The home page.
pub async fn home(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    let store = state.store();
    let manager = match v.person.manager_id {
        Some(id) => store.person(id).await?,
        None => None,
    };
    let reports = store.direct_reports(v.person.id).await?.into_iter().filter(|p| p.active).collect();
    let people_count = if v.actor().role == foothold_domain::Role::Admin { store.count_people().await? } else { 0 };
    render(&HomePage { chrome: Chrome::of(&v, "home"), me: v.person.clone(), manager, reports, people_count })
}
