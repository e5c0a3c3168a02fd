//! Career conversation pages: the list, scheduling, the report's
//! preparation, the leader's view, notes, and access after a manager change.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::conversation::{Category, State as CState};
use foothold_domain::policy::{ConversationAction, Part, decide_conversation};
use foothold_store::{Answers, Conversation, NoteKind, Saved};
use serde::Deserialize;

use super::{Chrome, render_with};
use crate::AppState;
use crate::audit::Act;
use crate::auth::{Identity, Viewer};
use crate::conversations::{self as uc, display_when};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;

pub fn state_label(s: CState) -> &'static str {
    match s {
        CState::Scheduled => "Scheduled",
        CState::Preparing => "Preparing",
        CState::Shared => "Answers shared",
        CState::Held => "Held",
        CState::Cancelled => "Cancelled",
    }
}

pub struct Row {
    id: i64,
    when: String,
    other: String,
    state: &'static str,
    state_label: &'static str,
    detail: String,
}

pub struct TeamRow {
    id: i64,
    name: String,
    title: String,
    next_id: i64,
    next_when: String,
    next_state: &'static str,
    next_state_label: &'static str,
    shared: String,
}

#[derive(Template)]
#[template(path = "conversations.html")]
struct ListPage {
    chrome: Chrome,
    mine: Vec<Row>,
    team: Vec<TeamRow>,
    led: Vec<Row>,
    granted: Vec<Row>,
    errors: Vec<String>,
    notice: String,
}

/// A person's name; the viewer's own without a read.
async fn name_of(state: &AppState, v: &Identity, id: i64) -> Result<String, AppError> {
    if id == v.person.id {
        return Ok(v.person.name.clone());
    }
    Ok(state.store().person(id).await?.map(|p| p.name).unwrap_or_else(|| "someone".into()))
}

fn shared_summary(counts: &HashMap<i64, (usize, usize)>, id: i64) -> String {
    let (asked, shared) = counts.get(&id).copied().unwrap_or_default();
    format!("{shared} of {asked} answers shared")
}

/// Upcoming first (soonest first), then past (latest first).
fn order(mut cs: Vec<Conversation>) -> Vec<Conversation> {
    let now = foothold_store::now();
    cs.sort_by_key(|c| {
        let upcoming = c.state.is_open() && c.scheduled_at >= now - chrono::Duration::hours(12);
        (!upcoming, if upcoming { c.scheduled_at.timestamp() } else { -c.scheduled_at.timestamp() })
    });
    cs
}

/// Everything a person has to do with career conversations.
pub async fn list(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    let store = state.store();
    let mine_all = order(store.conversations_of_report(v.person.id).await?);
    let led_all = order(store.conversations_led_by(v.person.id).await?);
    let granted_all = store.conversations_granted_to(v.person.id).await?;
    let reports: Vec<_> = store.direct_reports(v.person.id).await?.into_iter().filter(|p| p.active).collect();
    // Counts and names for every row in two and one queries, not per row.
    let ids: Vec<i64> = mine_all.iter().chain(&led_all).map(|c| c.id).collect();
    let counts = store.sharing_counts(&ids).await?;
    let people: Vec<i64> =
        mine_all.iter().chain(&led_all).chain(&granted_all).flat_map(|c| [c.report_id, c.leader_id]).collect();
    let names = store.names(&people).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| "someone".into());
    let row = |c: &Conversation, other: String, detail: String| Row {
        id: c.id,
        when: display_when(c.scheduled_at, &c.time_zone),
        other,
        state: c.state.as_str(),
        state_label: state_label(c.state),
        detail,
    };
    let mine = mine_all
        .iter()
        .map(|c| {
            row(c, name(c.leader_id), if c.state.is_open() { shared_summary(&counts, c.id) } else { String::new() })
        })
        .collect();
    let team = reports
        .into_iter()
        .map(|r| {
            let next = led_all.iter().find(|c| c.report_id == r.id && c.state.is_open());
            TeamRow {
                id: r.id,
                name: r.name,
                title: r.title,
                next_id: next.map(|c| c.id).unwrap_or(0),
                next_when: next.map(|c| display_when(c.scheduled_at, &c.time_zone)).unwrap_or_default(),
                next_state: next.map(|c| c.state.as_str()).unwrap_or(""),
                next_state_label: next.map(|c| state_label(c.state)).unwrap_or(""),
                shared: next.map(|c| shared_summary(&counts, c.id)).unwrap_or_default(),
            }
        })
        .collect();
    let led = led_all
        .iter()
        .map(|c| {
            row(c, name(c.report_id), if c.leader_access_revoked { "access taken back".into() } else { String::new() })
        })
        .collect();
    let granted = granted_all
        .iter()
        .map(|c| row(c, format!("{} with {}", name(c.report_id), name(c.leader_id)), String::new()))
        .collect();
    render_with(
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::of(&v, "conversations"),
            mine,
            team,
            led,
            granted,
            errors: vec![],
            notice: String::new(),
        },
    )
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ScheduleForm {
    report: String,
    report_id: String,
    date: String,
    time: String,
    time_zone: String,
    duration_minutes: String,
    set_id: String,
    window_months: String,
    note: String,
}

#[derive(Template)]
#[template(path = "conversation_new.html")]
struct NewPage {
    chrome: Chrome,
    reports: Vec<(i64, String)>,
    sets: Vec<(i64, String)>,
    zones: Vec<&'static str>,
    durations: Vec<i32>,
    form: ScheduleForm,
    errors: Vec<String>,
    notice: String,
}

fn zones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}

async fn new_page(
    state: &AppState,
    v: &Identity,
    form: ScheduleForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let reports: Vec<(i64, String)> = state
        .store()
        .direct_reports(v.person.id)
        .await?
        .into_iter()
        .filter(|p| p.active)
        .map(|p| (p.id, p.name))
        .collect();
    if reports.is_empty() {
        return Err(AppError::Rejected(
            StatusCode::NOT_FOUND,
            "You have no direct reports in Foothold, so there is nobody to schedule a career conversation with.".into(),
        )
        .into());
    }
    let sets = state.store().question_sets_for(v.person.id).await?.into_iter().map(|s| (s.id, s.name)).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &NewPage {
            chrome: Chrome::of(v, "conversations"),
            reports,
            sets,
            zones: zones(),
            durations: vec![30, 45, 60, 90],
            form,
            errors,
            notice: String::new(),
        },
    )
}

/// The scheduling form.
pub async fn new_form(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Query(q): Query<ScheduleForm>,
) -> Result<Response, PageError> {
    let tomorrow = foothold_store::now() + chrono::Duration::days(7);
    let form = ScheduleForm {
        report_id: q.report.clone(),
        date: tomorrow.format("%Y-%m-%d").to_string(),
        time: "10:00".into(),
        time_zone: "UTC".into(),
        duration_minutes: "60".into(),
        window_months: "6".into(),
        ..q
    };
    new_page(&state, &v, form, vec![]).await
}

/// Schedules it.
pub async fn create(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<ScheduleForm>,
) -> Result<Response, PageError> {
    let parsed = (|| -> Result<uc::ScheduleInput, AppError> {
        let bad = |what: &str| AppError::BadRequest(format!("Choose {what}."));
        Ok(uc::ScheduleInput {
            report_id: f.report_id.trim().parse().map_err(|_| bad("who the conversation is with"))?,
            scheduled_at: uc::parse_when(&f.date, &f.time, &f.time_zone)?,
            time_zone: f.time_zone.trim().to_owned(),
            duration_minutes: f.duration_minutes.trim().parse().map_err(|_| bad("a length"))?,
            set_id: f.set_id.trim().parse().map_err(|_| bad("a question set"))?,
            window_months: f.window_months.trim().parse().map_err(|_| bad("a reflection window of 1 to 24 months"))?,
            note: f.note.clone(),
        })
    })();
    let result = match parsed {
        Ok(input) => uc::schedule(state.store(), &v, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/conversations/{}", c.id)).into_response()),
        Err(AppError::BadRequest(msg)) => new_page(&state, &v, f, vec![msg]).await,
        Err(e) => Err(e.into()),
    }
}

pub struct Item {
    id: i64,
    question: String,
    text: String,
    version: i64,
    shared: bool,
    conflict: String,
    /// The text cut at the evidence of suggested themes: (words, theme label or "").
    segments: Vec<(String, String)>,
}

pub struct Block {
    key: &'static str,
    label: &'static str,
    purpose: &'static str,
    items: Vec<Item>,
}

pub struct Access {
    person_id: i64,
    allowed: bool,
    text: String,
    button: &'static str,
}

pub struct ConfirmedRow {
    id: i64,
    label: String,
    valence_label: &'static str,
    valence_class: &'static str,
    by: String,
    follow_up: String,
}

pub struct SuggestionRow {
    key: String,
    label: String,
    valence: &'static str,
    valence_label: &'static str,
    valence_class: &'static str,
    categories: String,
    quotes: Vec<String>,
    follow_up: String,
}

/// The themes section of a conversation page.
pub struct ThemesView {
    conversation_id: i64,
    drafting: bool,
    can_decide: bool,
    show_follow_ups: bool,
    confirmed: Vec<ConfirmedRow>,
    suggestions: Vec<SuggestionRow>,
}

fn valence_words(v: &str) -> (&'static str, &'static str, &'static str) {
    match v {
        "+" => ("+", "energising", "plus"),
        "-" => ("-", "draining", "minus"),
        "mixed" => ("mixed", "both", "mixed"),
        _ => ("", "", "none"),
    }
}

/// The themes section, and the suggestions for highlighting evidence.
async fn themes_view(
    state: &AppState,
    c: &Conversation,
    part: Part,
    rows: &[uc::AskedRow],
) -> Result<(ThemesView, Vec<crate::themes::Suggestion>), AppError> {
    let decided = state.store().conversation_themes(c.id).await?;
    let suggestions = crate::themes::suggestions(state.engine(), state.store(), rows, &decided).await?;
    let confirmed_themes: Vec<_> =
        decided.iter().filter(|t| t.status == foothold_store::ThemeStatus::Confirmed).collect();
    // Who confirmed each, in one read rather than one per theme.
    let deciders = if confirmed_themes.is_empty() {
        HashMap::new()
    } else {
        state.store().names(&confirmed_themes.iter().map(|t| t.decided_by).collect::<Vec<_>>()).await?
    };
    let mut confirmed = Vec::new();
    for t in confirmed_themes {
        let (_, label, class) = valence_words(&t.valence);
        confirmed.push(ConfirmedRow {
            id: t.id,
            follow_up: foothold_domain::guide::follow_up(&t.key, &t.label, t.valence != "-"),
            label: t.label.clone(),
            valence_label: label,
            valence_class: class,
            by: deciders.get(&t.decided_by).cloned().unwrap_or_else(|| "someone".into()),
        });
    }
    let rows = suggestions
        .iter()
        .map(|s| {
            let (v, label, class) = valence_words(s.valence);
            SuggestionRow {
                key: s.key.clone(),
                label: s.label.clone(),
                valence: v,
                valence_label: label,
                valence_class: class,
                categories: s.categories.iter().map(|c| c.label()).collect::<Vec<_>>().join(", "),
                quotes: s.quotes.iter().map(|q| q.text.clone()).take(4).collect(),
                follow_up: s.follow_up.clone(),
            }
        })
        .collect();
    let open_for_themes = matches!(c.state, CState::Shared | CState::Held) || part == Part::Leader;
    let view = ThemesView {
        conversation_id: c.id,
        drafting: part == Part::Report && matches!(c.state, CState::Scheduled | CState::Preparing),
        can_decide: crate::themes::may_decide(part) && open_for_themes && c.state != CState::Cancelled,
        show_follow_ups: part == Part::Leader,
        confirmed,
        suggestions: rows,
    };
    Ok((view, suggestions))
}

/// Cuts each answer at the evidence of the suggestions, for `<mark>`.
fn highlight(blocks: &mut [Block], suggestions: &[crate::themes::Suggestion]) {
    for item in blocks.iter_mut().flat_map(|b| b.items.iter_mut()) {
        let mut ranges: Vec<(usize, usize, &str)> = suggestions
            .iter()
            .flat_map(|s| s.quotes.iter().map(move |q| (q, s.label.as_str())))
            .filter(|(q, _)| q.question_id == item.id)
            .map(|(q, label)| (q.start, q.end, label))
            .collect();
        ranges.sort();
        // Overlapping evidence of several themes becomes one mark naming them all.
        let mut merged: Vec<(usize, usize, Vec<&str>)> = Vec::new();
        for (start, end, label) in ranges {
            match merged.last_mut() {
                Some(last) if start < last.1 => {
                    last.1 = last.1.max(end);
                    if !last.2.contains(&label) {
                        last.2.push(label);
                    }
                }
                _ => merged.push((start, end, vec![label])),
            }
        }
        let mut segments = Vec::new();
        let mut at = 0;
        for (start, end, labels) in merged {
            let (Some(before), Some(marked)) = (item.text.get(at..start), item.text.get(start..end)) else { continue };
            if !before.is_empty() {
                segments.push((before.to_owned(), String::new()));
            }
            segments.push((marked.to_owned(), labels.join(", ")));
            at = end;
        }
        if let Some(rest) = item.text.get(at..) {
            segments.push((rest.to_owned(), String::new()));
        }
        item.segments = segments;
    }
}

#[derive(Template)]
#[template(path = "prepare.html")]
struct PreparePage {
    plan: PlanBox,
    chrome: Chrome,
    c: Conversation,
    when: String,
    leader_name: String,
    state_label: &'static str,
    open: bool,
    blocks: Vec<Block>,
    access: Vec<Access>,
    th: ThemesView,
    shared_notes: String,
    shared_version: i64,
    shared_conflict: String,
    errors: Vec<String>,
    notice: String,
}

/// What the person typed, kept when a save could not go through.
#[derive(Default)]
struct Typed {
    text: String,
    version: i64,
    conflict: String,
}

fn blocks(rows: &[uc::AskedRow], typed: &HashMap<i64, Typed>) -> Vec<Block> {
    Category::ALL
        .iter()
        .map(|cat| Block {
            key: cat.as_str(),
            label: cat.label(),
            purpose: cat.purpose(),
            items: rows
                .iter()
                .filter(|(q, _, _)| q.question.category == *cat)
                .map(|(q, rendered, a)| {
                    let stored_text = a.as_ref().map(|a| a.text.clone()).unwrap_or_default();
                    let stored_version = a.as_ref().map(|a| a.version).unwrap_or(0);
                    let t = typed.get(&q.id);
                    Item {
                        id: q.id,
                        question: rendered.clone(),
                        text: t.map(|t| t.text.clone()).unwrap_or(stored_text),
                        version: t.map(|t| t.version).unwrap_or(stored_version),
                        shared: a.as_ref().is_some_and(|a| a.shared_at.is_some()),
                        conflict: t.map(|t| t.conflict.clone()).unwrap_or_default(),
                        segments: Vec::new(),
                    }
                })
                .collect(),
        })
        .filter(|b| !b.items.is_empty())
        .collect()
}

/// Who may read the report's shared answers besides them, and the name of
/// the leader who holds the conversation (usually the manager just read).
async fn access_rows(state: &AppState, v: &Identity, c: &Conversation) -> Result<(Vec<Access>, String), AppError> {
    let mut out = Vec::new();
    let manager = uc::current_manager(state.store(), &v.person).await?;
    let leader_name = match &manager {
        Some(m) if m.id == c.leader_id => return Ok((out, m.name.clone())),
        _ => name_of(state, v, c.leader_id).await?,
    };
    // The manager changed since this conversation: the report decides who reads it.
    out.push(if c.leader_access_revoked {
        Access {
            person_id: c.leader_id,
            allowed: false,
            text: format!("{leader_name} held this conversation; you took back their access."),
            button: "Give access back",
        }
    } else {
        Access {
            person_id: c.leader_id,
            allowed: true,
            text: format!("{leader_name} held this conversation and can still read what you shared."),
            button: "Take back access",
        }
    });
    if let Some(m) = manager {
        let granted = state.store().grants(c.id).await?.contains(&m.id);
        out.push(if granted {
            Access {
                person_id: m.id,
                allowed: true,
                text: format!("Your manager now, {}, can read what you shared here.", m.name),
                button: "Stop sharing",
            }
        } else {
            Access {
                person_id: m.id,
                allowed: false,
                text: format!("Your manager now, {}, cannot read this conversation.", m.name),
                button: "Share with them",
            }
        });
    }
    Ok((out, leader_name))
}

/// The growth plan a held conversation leads to, or the button that starts it.
pub struct PlanBox {
    plan_id: i64,
    can_start: bool,
}

async fn plan_box(state: &AppState, c: &Conversation, part: Part) -> Result<PlanBox, AppError> {
    let held = c.state == CState::Held;
    if !held || !matches!(part, Part::Report | Part::Leader) {
        return Ok(PlanBox { plan_id: 0, can_start: false });
    }
    let plan_id = state.store().plan_from_conversation(c.id).await?.map(|p| p.id).unwrap_or(0);
    Ok(PlanBox { plan_id, can_start: plan_id == 0 })
}

#[allow(clippy::too_many_arguments)]
async fn prepare_page(
    state: &AppState,
    v: &Identity,
    c: Conversation,
    typed: HashMap<i64, Typed>,
    typed_note: Option<Typed>,
    status: StatusCode,
    errors: Vec<String>,
    notice: &str,
) -> Result<Response, PageError> {
    let rows = uc::questions_and_answers(state.store(), &c, Part::Report).await?;
    let blocks = blocks(&rows, &typed);
    let (access, leader_name) = access_rows(state, v, &c).await?;
    let (th, _) = themes_view(state, &c, Part::Report, &rows).await?;
    let (shared_notes, shared_version, shared_conflict) = match typed_note {
        Some(t) => (t.text, t.version, t.conflict),
        None => state
            .store()
            .note(c.id, NoteKind::Shared)
            .await?
            .map(|n| (n.text, n.version, String::new()))
            .unwrap_or_default(),
    };
    render_with(
        status,
        &PreparePage {
            plan: plan_box(state, &c, Part::Report).await?,
            chrome: Chrome::of(v, "conversations"),
            when: display_when(c.scheduled_at, &c.time_zone),
            leader_name,
            state_label: state_label(c.state),
            open: c.state.is_open(),
            c,
            blocks,
            access,
            th,
            shared_notes,
            shared_version,
            shared_conflict,
            errors,
            notice: notice.into(),
        },
    )
}

#[derive(Template)]
#[template(path = "conversation_leader.html")]
struct LeaderPage {
    plan: PlanBox,
    chrome: Chrome,
    c: Conversation,
    when: String,
    report_name: String,
    leader_name: String,
    state_label: &'static str,
    open: bool,
    is_leader: bool,
    can_read_answers: bool,
    can_read_shared_notes: bool,
    can_write_shared_notes: bool,
    can_private_notes: bool,
    shared_count: usize,
    blocks: Vec<Block>,
    show_themes: bool,
    th: ThemesView,
    shared_notes: String,
    shared_version: i64,
    shared_conflict: String,
    private_notes: String,
    private_version: i64,
    private_conflict: String,
    errors: Vec<String>,
    notice: String,
}

#[allow(clippy::too_many_arguments)]
async fn leader_page(
    state: &AppState,
    v: &Identity,
    c: Conversation,
    part: Part,
    typed_notes: HashMap<&'static str, Typed>,
    status: StatusCode,
    errors: Vec<String>,
    notice: &str,
) -> Result<Response, PageError> {
    let allowed = |a| decide_conversation(part, a).is_ok();
    let can_read_answers = allowed(ConversationAction::ReadShared);
    let rows = if can_read_answers { uc::answers_shown_to(state.store(), v, &c, part).await? } else { Vec::new() };
    let mut blocks = blocks(&rows, &HashMap::new());
    let shared_count = blocks.iter().flat_map(|b| &b.items).filter(|i| i.shared).count();
    let show_themes = crate::themes::may_read(part);
    let th = if show_themes {
        let (view, suggestions) = themes_view(state, &c, part, &rows).await?;
        highlight(&mut blocks, &suggestions);
        view
    } else {
        ThemesView {
            conversation_id: c.id,
            drafting: false,
            can_decide: false,
            show_follow_ups: false,
            confirmed: vec![],
            suggestions: vec![],
        }
    };
    let can_read_shared_notes = allowed(ConversationAction::ReadSharedNotes);
    let can_private_notes = allowed(ConversationAction::PrivateNotes);
    // Both documents in one read, each shown only as the policy allows.
    let mut stored =
        if can_read_shared_notes || can_private_notes { state.store().notes(c.id).await? } else { Vec::new() };
    let mut note = |kind: NoteKind, key: &'static str, may: bool| {
        if !may {
            return Default::default();
        }
        let stored = stored.iter().position(|(k, _)| *k == kind).map(|i| stored.swap_remove(i).1);
        match typed_notes.get(key) {
            Some(t) => (t.text.clone(), t.version, t.conflict.clone()),
            None => stored.map(|n| (n.text, n.version, String::new())).unwrap_or_default(),
        }
    };
    let (shared_notes, shared_version, shared_conflict) = note(NoteKind::Shared, "shared", can_read_shared_notes);
    let (private_notes, private_version, private_conflict) = note(NoteKind::Private, "private", can_private_notes);
    // Logged when there is something to read.
    if can_read_shared_notes && !shared_notes.is_empty() {
        uc::notes_touched(state.store(), v, &c, NoteKind::Shared, Act::Read).await?;
    }
    if can_private_notes && !private_notes.is_empty() {
        uc::notes_touched(state.store(), v, &c, NoteKind::Private, Act::Read).await?;
    }
    render_with(
        status,
        &LeaderPage {
            plan: plan_box(state, &c, part).await?,
            chrome: Chrome::of(v, "conversations"),
            when: display_when(c.scheduled_at, &c.time_zone),
            report_name: name_of(state, v, c.report_id).await?,
            leader_name: name_of(state, v, c.leader_id).await?,
            state_label: state_label(c.state),
            open: c.state.is_open(),
            is_leader: part == Part::Leader,
            can_read_answers,
            can_read_shared_notes,
            can_write_shared_notes: allowed(ConversationAction::WriteSharedNotes) && c.state != CState::Cancelled,
            can_private_notes,
            shared_count,
            blocks,
            show_themes,
            th,
            shared_notes,
            shared_version,
            shared_conflict,
            private_notes,
            private_version,
            private_conflict,
            c,
            errors,
            notice: notice.into(),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Flash {
    saved: Option<String>,
}

fn flash(f: &Flash) -> &'static str {
    match f.saved.as_deref() {
        Some("answers") => "Saved.",
        Some("shared") => "Shared.",
        Some("unshared") => "Taken back: it is a private draft again.",
        Some("notes") => "Notes saved.",
        Some("held") => "Marked as held.",
        Some("access") => "Access updated.",
        Some("themes") => "Themes updated.",
        _ => "",
    }
}

/// One conversation, as its participant sees it.
pub async fn show(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> Result<Response, PageError> {
    let (c, part) = uc::load(state.store(), &v, id).await?;
    if part == Part::Report {
        let c = uc::opened(state.store(), &c).await?;
        return prepare_page(&state, &v, c, HashMap::new(), None, StatusCode::OK, vec![], flash(&f)).await;
    }
    leader_page(&state, &v, c, part, HashMap::new(), StatusCode::OK, vec![], flash(&f)).await
}

/// Saves every answer typed (without JavaScript), then shares or takes back as asked.
pub async fn save_answers(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (c, _) = uc::load_for(state.store(), &v, id, ConversationAction::Answer).await?;
    let form: HashMap<&str, &str> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut typed = HashMap::new();
    let mut errors = Vec::new();
    let mut conflicts = 0;
    for (q, stored) in state.store().asked_with_answers(id, Answers::All).await? {
        let Some(text) = form.get(format!("answer-{}", q.id).as_str()) else { continue };
        // Browsers send CRLF line breaks; store what the person typed with LF, as the API does.
        let text = text.replace("\r\n", "\n");
        let version = form.get(format!("version-{}", q.id).as_str()).and_then(|v| v.parse().ok()).unwrap_or(0);
        let unchanged = stored.as_ref().map(|a| a.text.as_str()).unwrap_or("") == text;
        if unchanged {
            continue;
        }
        match uc::save_answer(state.store(), &v, id, q.id, &text, version).await {
            Ok(Saved::Stored { .. }) => {}
            Ok(Saved::Conflict { text: theirs, version }) => {
                conflicts += 1;
                typed.insert(q.id, Typed { text, version, conflict: theirs });
            }
            Err(AppError::Rejected(_, msg)) => {
                errors.push(format!("{}: {msg}", q.question.render(c.window)));
                typed.insert(q.id, Typed { text, version, conflict: String::new() });
            }
            Err(e) => return Err(e.into()),
        }
    }
    if conflicts > 0 {
        errors.insert(0, AppError::SaveConflict { text: String::new(), version: 0 }.to_string());
    }
    if !errors.is_empty() {
        let status = if conflicts > 0 { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
        let c = state.store().conversation(id).await?.ok_or(AppError::NotFound)?;
        return prepare_page(&state, &v, c, typed, None, status, errors, "").await;
    }
    let action = form.get("action").copied().unwrap_or("save");
    let (saved, anchor) = match action.split_once(':') {
        Some(("share", q)) => {
            let q = q.parse::<i64>().map_err(|_| AppError::BadRequest("Unknown answer.".into()))?;
            uc::share(state.store(), &v, id, Some(q), true).await?;
            ("shared", format!("#q-{q}"))
        }
        Some(("unshare", q)) => {
            let q = q.parse::<i64>().map_err(|_| AppError::BadRequest("Unknown answer.".into()))?;
            uc::share(state.store(), &v, id, Some(q), false).await?;
            ("unshared", format!("#q-{q}"))
        }
        _ if action == "share-all" => {
            uc::share(state.store(), &v, id, None, true).await?;
            ("shared", String::new())
        }
        _ => ("answers", String::new()),
    };
    Ok(Redirect::to(&format!("/conversations/{id}?saved={saved}{anchor}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NotesForm {
    shared_notes: Option<String>,
    shared_version: i64,
    private_notes: Option<String>,
    private_version: i64,
}

/// Saves notes (without JavaScript).
pub async fn save_notes(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<NotesForm>,
) -> Result<Response, PageError> {
    let (_, part) = uc::load(state.store(), &v, id).await?;
    let mut typed = HashMap::new();
    let mut errors = Vec::new();
    for (kind, key, text, version) in [
        (NoteKind::Shared, "shared", &f.shared_notes, f.shared_version),
        (NoteKind::Private, "private", &f.private_notes, f.private_version),
    ] {
        let Some(text) = text else { continue };
        // Permission before anything else: comparing first would tell a guesser
        // whether they guessed someone's private notes.
        let action = match kind {
            NoteKind::Shared => ConversationAction::WriteSharedNotes,
            NoteKind::Private => ConversationAction::PrivateNotes,
        };
        decide_conversation(part, action).map_err(AppError::from)?;
        let text = text.replace("\r\n", "\n");
        let current = state.store().note(id, kind).await?.map(|n| n.text).unwrap_or_default();
        if current == text {
            continue;
        }
        match uc::save_note(state.store(), &v, id, kind, &text, version).await {
            Ok(Saved::Stored { .. }) => {}
            Ok(Saved::Conflict { text: theirs, version }) => {
                errors.push(AppError::SaveConflict { text: String::new(), version: 0 }.to_string());
                typed.insert(key, Typed { text, version, conflict: theirs });
            }
            Err(AppError::Rejected(_, msg)) => {
                errors.push(msg);
                typed.insert(key, Typed { text, version, conflict: String::new() });
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        let c = state.store().conversation(id).await?.ok_or(AppError::NotFound)?;
        if part == Part::Report {
            let note = typed.remove("shared");
            return prepare_page(&state, &v, c, HashMap::new(), note, StatusCode::CONFLICT, errors, "").await;
        }
        return leader_page(&state, &v, c, part, typed, StatusCode::CONFLICT, errors, "").await;
    }
    Ok(Redirect::to(&format!("/conversations/{id}?saved=notes")).into_response())
}

/// Marks held.
pub async fn held(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    uc::set_state(state.store(), &v, id, CState::Held).await?;
    Ok(Redirect::to(&format!("/conversations/{id}?saved=held")).into_response())
}

/// Cancels.
pub async fn cancel(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    uc::set_state(state.store(), &v, id, CState::Cancelled).await?;
    Ok(Redirect::to("/conversations").into_response())
}

#[derive(Template)]
#[template(path = "reschedule.html")]
struct ReschedulePage {
    chrome: Chrome,
    id: i64,
    report_name: String,
    version: i64,
    date: String,
    time: String,
    time_zone: String,
    zones: Vec<&'static str>,
    duration_minutes: String,
    window_months: String,
    note: String,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RescheduleForm {
    version: String,
    date: String,
    time: String,
    time_zone: String,
    duration_minutes: String,
    window_months: String,
    note: String,
}

/// The form to move a conversation.
pub async fn reschedule_form(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (c, _) = uc::load_for(state.store(), &v, id, ConversationAction::Manage).await?;
    let local = c.scheduled_at.with_timezone(&uc::parse_zone(&c.time_zone).unwrap_or(chrono_tz::UTC));
    render_with(
        StatusCode::OK,
        &ReschedulePage {
            chrome: Chrome::of(&v, "conversations"),
            id,
            report_name: name_of(&state, &v, c.report_id).await?,
            version: c.version,
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            time_zone: c.time_zone.clone(),
            zones: zones(),
            duration_minutes: c.duration_minutes.to_string(),
            window_months: c.window.get().to_string(),
            note: c.note,
            errors: vec![],
            notice: String::new(),
        },
    )
}

/// Moves it.
pub async fn reschedule(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RescheduleForm>,
) -> Result<Response, PageError> {
    let result = async {
        let when = uc::parse_when(&f.date, &f.time, &f.time_zone)?;
        let duration = f
            .duration_minutes
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest("Give the length in minutes.".into()))?;
        let window =
            f.window_months.trim().parse().map_err(|_| AppError::BadRequest("Give the window in months.".into()))?;
        let r = uc::Reschedule {
            state: None,
            when: Some((when, f.time_zone.trim().to_owned())),
            duration_minutes: Some(duration),
            window_months: Some(window),
            note: Some(f.note.clone()),
            version: f.version.parse().ok(),
        };
        uc::reschedule(state.store(), &v, id, r).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/conversations/{id}")).into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Stale)) => {
            let (c, _) = uc::load_for(state.store(), &v, id, ConversationAction::Manage).await?;
            render_with(
                if matches!(e, AppError::Stale) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY },
                &ReschedulePage {
                    chrome: Chrome::of(&v, "conversations"),
                    id,
                    report_name: name_of(&state, &v, c.report_id).await?,
                    version: c.version,
                    date: f.date,
                    time: f.time,
                    time_zone: f.time_zone,
                    zones: zones(),
                    duration_minutes: f.duration_minutes,
                    window_months: f.window_months,
                    note: f.note,
                    errors: vec![e.to_string()],
                    notice: String::new(),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccessForm {
    person_id: i64,
    allow: String,
}

/// The report grants or takes back access after a change of manager.
pub async fn access(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<AccessForm>,
) -> Result<Response, PageError> {
    uc::set_access(state.store(), &v, id, f.person_id, f.allow == "1").await?;
    Ok(Redirect::to(&format!("/conversations/{id}?saved=access")).into_response())
}

/// Confirms, renames, merges, dismisses or adds themes (without JavaScript too).
pub async fn decide_themes(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use crate::themes::Decide;
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let action = get("action");
    let decision = match action.split_once(':') {
        Some(("accept", key)) => Decide::Accept {
            key: key.to_owned(),
            label: get(&format!("label-{key}")),
            valence: get(&format!("valence-{key}")),
        },
        Some(("dismiss", key)) => Decide::Dismiss { key: key.to_owned(), label: get(&format!("label-{key}")) },
        Some(("undo", theme)) => {
            Decide::Undo { id: theme.parse().map_err(|_| AppError::BadRequest("Unknown theme.".into()))? }
        }
        _ if action == "merge" => Decide::Merge {
            keys: fields.iter().filter(|(k, _)| k == "merge").map(|(_, v)| v.clone()).collect(),
            label: get("merge_label"),
            valence: String::new(),
        },
        _ if action == "add" => Decide::Add { label: get("add_label"), valence: get("add_valence") },
        _ => return Err(AppError::BadRequest("Choose what to do with the theme.".into()).into()),
    };
    match crate::themes::decide(state.store(), &v, id, decision).await {
        Ok(()) => Ok(Redirect::to(&format!("/conversations/{id}?saved=themes#themes")).into_response()),
        Err(AppError::BadRequest(msg)) => {
            let (c, part) = uc::load(state.store(), &v, id).await?;
            if part == Part::Report {
                return prepare_page(
                    &state,
                    &v,
                    c,
                    HashMap::new(),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![msg],
                    "",
                )
                .await;
            }
            leader_page(&state, &v, c, part, HashMap::new(), StatusCode::UNPROCESSABLE_ENTITY, vec![msg], "").await
        }
        Err(e) => Err(e.into()),
    }
}
