//! "What is next for me": the first page after signing in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use foothold_store::Person;

use super::{Chrome, render};
use crate::AppState;
use crate::auth::Viewer;
use crate::conversations::display_when;
use crate::error::PageError;

pub struct Upcoming {
    id: i64,
    with: String,
    when: String,
    shared: String,
    preparing: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    me: Person,
    manager: Option<Person>,
    reports: Vec<Person>,
    people_count: u64,
    next: Option<Upcoming>,
    upcoming: Vec<Upcoming>,
}

/// Open conversations, soonest first.
fn open_soonest(mut cs: Vec<foothold_store::Conversation>) -> Vec<foothold_store::Conversation> {
    cs.retain(|c| c.state.is_open());
    cs.sort_by_key(|c| c.scheduled_at);
    cs
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
    let next = match open_soonest(store.conversations_of_report(v.person.id).await?).into_iter().next() {
        Some(c) => Some(Upcoming {
            id: c.id,
            with: store.person(c.leader_id).await?.map(|p| p.name).unwrap_or_default(),
            when: display_when(c.scheduled_at, &c.time_zone),
            shared: String::new(),
            preparing: c.state != foothold_domain::conversation::State::Scheduled,
        }),
        None => None,
    };
    let led: Vec<_> = open_soonest(store.conversations_led_by(v.person.id).await?).into_iter().take(8).collect();
    let ids: Vec<i64> = led.iter().map(|c| c.id).collect();
    let counts = store.sharing_counts(&ids).await?;
    let names = store.names(&led.iter().map(|c| c.report_id).collect::<Vec<_>>()).await?;
    let mut upcoming = Vec::new();
    for c in led {
        let (asked, shared) = counts.get(&c.id).copied().unwrap_or_default();
        upcoming.push(Upcoming {
            id: c.id,
            with: names.get(&c.report_id).cloned().unwrap_or_default(),
            when: display_when(c.scheduled_at, &c.time_zone),
            shared: if shared == 0 {
                "nothing shared yet".into()
            } else {
                format!("shared {shared} of {asked} answers")
            },
            preparing: c.state != foothold_domain::conversation::State::Scheduled,
        });
    }
    render(&HomePage {
        chrome: Chrome::of(&v, "home"),
        me: v.person.clone(),
        manager,
        reports,
        people_count,
        next,
        upcoming,
    })
}
