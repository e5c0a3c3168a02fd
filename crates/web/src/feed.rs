//! `GET /calendar/{token}.ics`: a person's calendar feed. The secret token in
//! the address is the only credential (calendar apps send no cookies), so it
//! is long and random, stored hashed, and revoked by making a new one.
//!
//! What the feed holds:
//! - career conversations where the person is the report, or the leader (unless
//!   the report took the leader's access back), in every state. Cancelled ones
//!   stay in as `STATUS:CANCELLED`, so that calendars which have the event
//!   strike it out instead of keeping a meeting that will not happen;
//! - the quarterly check-ins of plans the person is in or leads, as all-day
//!   events. Check-ins left open when a plan was closed are cancelled.
//!
//! Event UIDs are stable (`conversation-{id}@{host}`, `checkin-{id}@{host}`);
//! SEQUENCE follows the record's version, so a reschedule raises it and
//! calendars replace the old time. Only names, times and a link are in the
//! feed: never answers or notes, since anyone holding the address can read it.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Duration;
use chrono_tz::Tz;
use foothold_domain::calendar::{Calendar, Event, Status, When};
use foothold_domain::conversation::State as ConversationState;
use foothold_store::{Conversation, Person, PlanCheckin};

use crate::error::{AppError, PageError};
use crate::{AppState, WebConfig};

/// Calendar apps are told to fetch again after this many minutes.
const REFRESH_MINUTES: u32 = 60;

pub fn router() -> Router<AppState> {
    Router::new().route("/calendar/{file}", get(feed))
}

/// The feed's address for a token.
pub fn feed_url(config: &WebConfig, token: &str) -> String {
    config.link(&format!("/calendar/{token}.ics"))
}

fn host(config: &WebConfig) -> &str {
    config.base_url.host_str().unwrap_or("foothold")
}

fn conversation_event(config: &WebConfig, me: &Person, c: &Conversation, names: &HashMap<i64, String>) -> Event {
    let as_report = c.report_id == me.id;
    let other = names.get(&if as_report { c.leader_id } else { c.report_id }).cloned().unwrap_or_default();
    let link = config.link(&format!("/conversations/{}", c.id));
    let description = if as_report {
        format!("Prepare your reflections before it: {link}")
    } else {
        format!("Read what {other} has shared and prepare: {link}")
    };
    Event {
        uid: format!("conversation-{}@{}", c.id, host(config)),
        sequence: c.version - 1,
        modified: c.updated_at,
        when: When::Timed {
            start: c.scheduled_at,
            end: c.scheduled_at + Duration::minutes(i64::from(c.duration_minutes.max(1))),
            zone: c.time_zone.parse::<Tz>().ok(),
        },
        summary: format!("Career conversation with {other}"),
        description,
        url: Some(link),
        status: if c.state == ConversationState::Cancelled { Status::Cancelled } else { Status::Confirmed },
    }
}

fn checkin_event(config: &WebConfig, me: &Person, c: &PlanCheckin, names: &HashMap<i64, String>) -> Event {
    let mine = c.person_id == me.id;
    let done = c.completed_at.is_some();
    let mut summary = if mine {
        format!("Growth plan check-in {} of 4", c.number)
    } else {
        let member = names.get(&c.person_id).cloned().unwrap_or_default();
        format!("Growth plan check-in {} of 4 with {member}", c.number)
    };
    if done {
        summary.push_str(" (done)");
    }
    let link = config.link(&format!("/plans/{}", c.plan_id));
    let modified = c.completed_at.map_or(c.plan_updated_at, |t| t.max(c.plan_updated_at));
    Event {
        uid: format!("checkin-{}@{}", c.id, host(config)),
        // Completing a check-in changes the event even if the plan's version did not move.
        sequence: c.plan_version - 1 + i64::from(done),
        modified,
        when: When::AllDay(c.due_on),
        summary,
        description: format!("Look at the plan's steps together: {link}"),
        url: Some(link),
        status: if !c.plan_active && !done { Status::Cancelled } else { Status::Confirmed },
    }
}

/// The calendar of one person.
pub async fn calendar_of(state: &AppState, me: &Person) -> Result<Calendar, AppError> {
    let store = state.store();
    let mut conversations = store.conversations_of_report(me.id).await?;
    conversations.extend(store.conversations_led_by(me.id).await?.into_iter().filter(|c| !c.leader_access_revoked));
    conversations.sort_by_key(|c| (c.scheduled_at, c.id));
    conversations.dedup_by_key(|c| c.id);
    let checkins = store.checkins_for_calendar(me.id).await?;
    let mut ids: Vec<i64> = conversations.iter().flat_map(|c| [c.report_id, c.leader_id]).collect();
    ids.extend(checkins.iter().map(|c| c.person_id));
    ids.sort_unstable();
    ids.dedup();
    let names = store.names(&ids).await?;
    let config = state.config();
    let mut events: Vec<Event> = conversations.iter().map(|c| conversation_event(config, me, c, &names)).collect();
    events.extend(checkins.iter().map(|c| checkin_event(config, me, c, &names)));
    Ok(Calendar {
        product: "-//Foothold//Calendar feed//EN".into(),
        name: format!("Foothold: {}", me.name),
        refresh_minutes: REFRESH_MINUTES,
        events,
    })
}

/// The feed. Unknown, revoked and malformed tokens all get the same 404.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, PageError> {
    let Some(token) = file.strip_suffix(".ics").filter(|t| !t.is_empty() && t.len() <= 100) else {
        return Err(AppError::NotFound.into());
    };
    let Some(me) = state.store().person_by_calendar_token(token).await? else {
        return Err(AppError::NotFound.into());
    };
    let body = calendar_of(&state, &me).await?.to_ics();
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"foothold.ics\""),
            // The address is a credential; keep the feed out of shared caches.
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        body,
    )
        .into_response())
}
