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

/// A check-in that is due or overdue, on the member's or the leader's home.
pub struct DueCheckin {
    plan_id: i64,
    number: u32,
    whose: String,
    due_on: String,
    state: &'static str,
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
    checkins: Vec<DueCheckin>,
    pulse_due: bool,
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
    // Each read is a trip to the database: the manager comes with the
    // reports, and conversations as report with those as leader.
    let (manager, reports) = store.manager_and_reports(v.person.id, v.person.manager_id).await?;
    let reports: Vec<Person> = reports.into_iter().filter(|p| p.active).collect();
    let people_count = if v.actor().role == foothold_domain::Role::Admin { store.count_people().await? } else { 0 };
    let (as_report, as_leader) = store.conversations_of_person(v.person.id).await?;
    let next = match open_soonest(as_report).into_iter().next() {
        Some(c) => Some(Upcoming {
            id: c.id,
            // Usually the manager, already read.
            with: match &manager {
                Some(m) if m.id == c.leader_id => m.name.clone(),
                _ => store.person(c.leader_id).await?.map(|p| p.name).unwrap_or_default(),
            },
            when: display_when(c.scheduled_at, &c.time_zone),
            shared: String::new(),
            preparing: c.state != foothold_domain::conversation::State::Scheduled,
        }),
        None => None,
    };
    let led: Vec<_> = open_soonest(as_leader).into_iter().take(8).collect();
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
    let checkins = due_checkins(store, &v.person, &reports).await?;
    let pulse_due = crate::engagement::pulse_requested(store, &v).await?;
    render(&HomePage {
        chrome: Chrome::of(&v, "home"),
        me: v.person.clone(),
        manager,
        reports,
        people_count,
        next,
        upcoming,
        checkins,
        pulse_due,
    })
}

/// Check-ins of the viewer's own plan and their direct reports' plans that
/// are due (within two weeks) or overdue, by each plan's own calendar.
async fn due_checkins(
    store: &foothold_store::Store,
    me: &Person,
    reports: &[Person],
) -> Result<Vec<DueCheckin>, crate::error::AppError> {
    use foothold_domain::plan::CheckinState;
    let mut people: Vec<i64> = reports.iter().map(|r| r.id).collect();
    people.push(me.id);
    let plans = store.active_plans_of(&people).await?;
    let open = store.open_checkins(&plans.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
    let mut out = Vec::new();
    for p in &plans {
        // Only the next check-in of each plan: the later ones are not due yet.
        let Some(c) = open.iter().find(|c| c.plan_id == p.id) else { continue };
        let s = CheckinState::on(c.due_on, false, crate::plans::today_in(&p.time_zone));
        if matches!(s, CheckinState::Due | CheckinState::Overdue) {
            let whose = if p.person_id == me.id {
                "Your plan".to_owned()
            } else {
                reports.iter().find(|r| r.id == p.person_id).map(|r| format!("{}'s plan", r.name)).unwrap_or_default()
            };
            out.push(DueCheckin {
                plan_id: p.id,
                number: c.number,
                whose,
                due_on: foothold_domain::dates::day_month_year(c.due_on),
                state: s.as_str(),
            });
        }
    }
    Ok(out)
}
