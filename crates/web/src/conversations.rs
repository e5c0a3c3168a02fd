//! Career conversation use-cases, shared by the pages and the API so both
//! enforce the same rules: who takes part how ([`Part`]), what the policy
//! allows, and what the conversation's state still permits.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use foothold_domain::conversation::{self, State, Window};
use foothold_domain::policy::{self, ConversationAction, Part};
use foothold_store::{
    Answers, Conversation, ConversationChanges, NewConversation, NoteKind, Person, Saved, SetScope, Store,
};

use crate::audit::{self, Act, Subject};
use crate::auth::Identity;
use crate::error::AppError;

/// Shortest and longest conversation, in minutes.
pub const DURATION_RANGE: std::ops::RangeInclusive<i32> = 15..=240;
/// Longest note to the report.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// How `person` takes part in `c`.
pub async fn part_of(store: &Store, c: &Conversation, person: i64) -> Result<Part, AppError> {
    Ok(if c.report_id == person {
        Part::Report
    } else if c.leader_id == person {
        if c.leader_access_revoked { Part::RevokedLeader } else { Part::Leader }
    } else if store.grants(c.id).await?.contains(&person) {
        Part::Granted
    } else {
        Part::Outsider
    })
}

/// Loads a conversation for a viewer, refusing (as 404) anyone without a part.
pub async fn load(store: &Store, v: &Identity, id: i64) -> Result<(Conversation, Part), AppError> {
    let c = store.conversation(id).await?.ok_or(AppError::NotFound)?;
    let part = part_of(store, &c, v.person.id).await?;
    policy::decide_conversation(part, ConversationAction::View)?;
    Ok((c, part))
}

/// Loads and checks one action in one step.
pub async fn load_for(
    store: &Store,
    v: &Identity,
    id: i64,
    action: ConversationAction,
) -> Result<(Conversation, Part), AppError> {
    let (c, part) = load(store, v, id).await?;
    policy::decide_conversation(part, action)?;
    Ok((c, part))
}

fn require_open(c: &Conversation) -> Result<(), AppError> {
    match c.state {
        State::Held => Err(AppError::Conflict(
            "This conversation has been held: its answers are final and can no longer be changed or taken back.".into(),
        )),
        State::Cancelled => Err(AppError::Conflict("This conversation was cancelled.".into())),
        _ => Ok(()),
    }
}

/// A time zone by IANA name.
pub fn parse_zone(name: &str) -> Result<Tz, AppError> {
    name.trim().parse::<Tz>().map_err(|_| {
        AppError::BadRequest(format!(
            "'{}' is not a time zone; use a name such as Europe/London or America/New_York.",
            name.trim()
        ))
    })
}

/// A local date and time in a zone, as an instant.
pub fn parse_when(date: &str, time: &str, zone: &str) -> Result<DateTime<Utc>, AppError> {
    let tz = parse_zone(zone)?;
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest("Give the date as YYYY-MM-DD.".into()))?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(time.trim(), "%H:%M:%S"))
        .map_err(|_| AppError::BadRequest("Give the time as HH:MM (24-hour).".into()))?;
    match tz.from_local_datetime(&d.and_time(t)) {
        chrono::LocalResult::Single(dt) => Ok(dt.with_timezone(&Utc)),
        // When clocks go back a time happens twice: take the first.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(AppError::BadRequest(format!(
            "{} {} does not exist in {tz}: the clocks change then. Pick another time.",
            d.format("%Y-%m-%d"),
            t.format("%H:%M")
        ))),
    }
}

/// An instant shown in the conversation's zone, e.g. "Tue 1 Dec 2026, 14:00 (Europe/London)".
pub fn display_when(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(tz) => format!("{} ({tz})", at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M")),
        Err(_) => format!("{} UTC", at.format("%a %-d %b %Y, %H:%M")),
    }
}

/// What a leader asks for when scheduling.
#[derive(Debug, Clone)]
pub struct ScheduleInput {
    /// Who.
    pub report_id: i64,
    /// When.
    pub scheduled_at: DateTime<Utc>,
    /// In which zone.
    pub time_zone: String,
    /// Length.
    pub duration_minutes: i32,
    /// Which set.
    pub set_id: i64,
    /// Reflection window in months.
    pub window_months: i64,
    /// A note to the report.
    pub note: String,
}

fn check_duration(d: i32) -> Result<(), AppError> {
    if DURATION_RANGE.contains(&d) {
        Ok(())
    } else {
        Err(AppError::BadRequest("The length must be between 15 and 240 minutes.".into()))
    }
}

fn check_note(note: &str) -> Result<(), AppError> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::BadRequest(format!("The note can be at most {MAX_NOTE_CHARS} characters.")));
    }
    Ok(())
}

fn window(months: i64) -> Result<Window, AppError> {
    Window::months(months).ok_or_else(|| AppError::BadRequest("The reflection window must be 1 to 24 months.".into()))
}

/// Whether a person may use a question set.
pub fn may_use_set(v: &Identity, scope: SetScope, owner: Option<i64>) -> bool {
    matches!(scope, SetScope::Builtin | SetScope::Org) || owner == Some(v.person.id)
}

/// Schedules a conversation with a direct report, snapshotting the set's questions.
pub async fn schedule(store: &Store, v: &Identity, input: ScheduleInput) -> Result<Conversation, AppError> {
    let report = store.person(input.report_id).await?.filter(|p| p.active).ok_or(AppError::NotFound)?;
    policy::may_schedule(v.actor(), report.manager_id)?;
    parse_zone(&input.time_zone)?;
    check_duration(input.duration_minutes)?;
    check_note(&input.note)?;
    let window = window(input.window_months)?;
    let set = store
        .question_set(input.set_id)
        .await?
        .filter(|s| may_use_set(v, s.scope, s.owner_id))
        .ok_or_else(|| AppError::Conflict("Choose one of your question sets.".into()))?;
    if set.questions.is_empty() {
        return Err(AppError::Conflict("That question set has no questions.".into()));
    }
    let c = store
        .create_conversation(&NewConversation {
            report_id: report.id,
            leader_id: v.person.id,
            scheduled_at: input.scheduled_at,
            time_zone: input.time_zone.trim().to_owned(),
            duration_minutes: input.duration_minutes,
            window,
            note: input.note.trim().to_owned(),
            set_name: set.name,
            questions: set.questions,
        })
        .await?;
    tracing::info!(conversation = c.id, leader = v.person.id, report = report.id, "conversation scheduled");
    Ok(c)
}

/// A new time, length, window, note or state; `None` leaves each as it is.
#[derive(Debug, Clone, Default)]
pub struct Reschedule {
    /// Held or cancelled.
    pub state: Option<State>,
    /// The new instant and its zone.
    pub when: Option<(DateTime<Utc>, String)>,
    /// The new length.
    pub duration_minutes: Option<i32>,
    /// The new window in months.
    pub window_months: Option<i64>,
    /// The new note.
    pub note: Option<String>,
    /// The version the leader read.
    pub version: Option<i64>,
}

/// Moves a conversation to another time (or length, window, note).
pub async fn reschedule(store: &Store, v: &Identity, id: i64, r: Reschedule) -> Result<Conversation, AppError> {
    let Reschedule { state, when, duration_minutes, window_months, note, version } = r;
    let (c, _) = load_for(store, v, id, ConversationAction::Manage).await?;
    require_open(&c)?;
    if let Some(d) = duration_minutes {
        check_duration(d)?;
    }
    if let Some(n) = &note {
        check_note(n)?;
    }
    if state.is_some_and(|s| !matches!(s, State::Held | State::Cancelled)) {
        return Err(AppError::BadRequest("A conversation can only be marked held or cancelled.".into()));
    }
    // Everything is checked first and written in one update: a refused change changes nothing.
    let changes = ConversationChanges {
        scheduled_at: when.as_ref().map(|(t, _)| *t),
        time_zone: when.map(|(_, z)| z),
        duration_minutes,
        window: window_months.map(window).transpose()?,
        note: note.map(|n| n.trim().to_owned()),
        state,
        ..Default::default()
    };
    let c = store.update_conversation(id, &changes, version).await?;
    if let Some(s) = state {
        tracing::info!(conversation = id, state = s.as_str(), "conversation state changed");
    }
    Ok(c)
}

/// Marks held (answers become final) or cancelled.
pub async fn set_state(store: &Store, v: &Identity, id: i64, to: State) -> Result<Conversation, AppError> {
    let (c, _) = load_for(store, v, id, ConversationAction::Manage).await?;
    require_open(&c)?;
    let changes = ConversationChanges { state: Some(to), ..Default::default() };
    let c = store.update_conversation(id, &changes, None).await?;
    tracing::info!(conversation = id, state = to.as_str(), "conversation state changed");
    Ok(c)
}

/// The report opened the preparation page.
pub async fn opened(store: &Store, c: &Conversation) -> Result<Conversation, AppError> {
    if c.state == State::Scheduled {
        let changes = ConversationChanges { state: Some(State::Preparing), ..Default::default() };
        return Ok(store.update_conversation(c.id, &changes, None).await?);
    }
    Ok(c.clone())
}

/// Saves one answer of the report's, versioned.
pub async fn save_answer(
    store: &Store,
    v: &Identity,
    id: i64,
    question_id: i64,
    text: &str,
    version: i64,
) -> Result<Saved, AppError> {
    let (c, _) = load_for(store, v, id, ConversationAction::Answer).await?;
    require_open(&c)?;
    conversation::check_text(text)
        .map_err(|e| AppError::Rejected(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let saved = store.save_answer(id, question_id, text, version).await?;
    if matches!(saved, Saved::Stored { .. }) {
        let detail = format!("saved the answer to question {question_id}");
        audit::record(store, v, Act::Change, Subject::Reflection, Some(c.report_id), Some(id), detail).await?;
    }
    if c.state == State::Scheduled && matches!(saved, Saved::Stored { .. }) {
        opened(store, &c).await?;
    }
    Ok(saved)
}

/// Shares (or takes back) one answer, or all with `None`.
pub async fn share(
    store: &Store,
    v: &Identity,
    id: i64,
    question_id: Option<i64>,
    shared: bool,
) -> Result<u64, AppError> {
    let (c, _) = load_for(store, v, id, ConversationAction::Answer).await?;
    require_open(&c)?;
    if let Some(q) = question_id
        && !store.asked_questions(id).await?.iter().any(|a| a.id == q)
    {
        return Err(AppError::NotFound);
    }
    let changed = store.set_shared(id, question_id, shared).await?;
    if changed > 0 {
        let detail = match (question_id, shared) {
            (Some(q), true) => format!("shared the answer to question {q}"),
            (Some(q), false) => format!("took back the answer to question {q}"),
            (None, true) => format!("shared {changed} answers"),
            (None, false) => format!("took back {changed} answers"),
        };
        audit::record(store, v, Act::Change, Subject::Reflection, Some(c.report_id), Some(id), detail).await?;
    }
    Ok(changed)
}

/// Saves shared or private notes, versioned.
pub async fn save_note(
    store: &Store,
    v: &Identity,
    id: i64,
    kind: NoteKind,
    text: &str,
    version: i64,
) -> Result<Saved, AppError> {
    let action = match kind {
        NoteKind::Shared => ConversationAction::WriteSharedNotes,
        NoteKind::Private => ConversationAction::PrivateNotes,
    };
    let (c, _) = load_for(store, v, id, action).await?;
    if c.state == State::Cancelled {
        return Err(AppError::Conflict("This conversation was cancelled.".into()));
    }
    conversation::check_text(text)
        .map_err(|e| AppError::Rejected(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let saved = store.save_note(id, kind, v.person.id, text, version).await?;
    if matches!(saved, Saved::Stored { .. }) {
        notes_touched(store, v, &c, kind, Act::Change).await?;
    }
    Ok(saved)
}

/// Whose notes these are: shared notes are about the report, private notes
/// belong to the leader who writes them.
pub fn notes_owner(c: &Conversation, kind: NoteKind) -> i64 {
    match kind {
        NoteKind::Shared => c.report_id,
        NoteKind::Private => c.leader_id,
    }
}

/// Logs that `v` read or changed a conversation's notes, unless they are
/// `v`'s own (the report's shared notes, the leader's private notes).
pub async fn notes_touched(
    store: &Store,
    v: &Identity,
    c: &Conversation,
    kind: NoteKind,
    act: Act,
) -> Result<(), AppError> {
    let owner = notes_owner(c, kind);
    if owner == v.person.id {
        return Ok(());
    }
    let detail = match (kind, act) {
        (NoteKind::Shared, Act::Read) => "read the shared notes",
        (NoteKind::Shared, Act::Change) => "changed the shared notes",
        (NoteKind::Private, Act::Read) => "read the private notes",
        (NoteKind::Private, Act::Change) => "changed the private notes",
    };
    audit::record(store, v, act, Subject::Notes, Some(owner), Some(c.id), detail).await
}

/// After a change of manager: the report grants their current manager one
/// earlier conversation, or takes back the former leader's access.
pub async fn set_access(store: &Store, v: &Identity, id: i64, person_id: i64, allowed: bool) -> Result<(), AppError> {
    let (c, _) = load_for(store, v, id, ConversationAction::Grant).await?;
    if person_id == c.leader_id {
        store
            .update_conversation(
                id,
                &ConversationChanges { leader_access_revoked: Some(!allowed), ..Default::default() },
                None,
            )
            .await?;
    } else {
        // Only the report's current manager can be granted an earlier conversation.
        if allowed && v.person.manager_id != Some(person_id) {
            return Err(AppError::Conflict(
                "You can share an earlier conversation only with your current manager.".into(),
            ));
        }
        store.set_grant(id, person_id, allowed).await?;
    }
    tracing::info!(conversation = id, person = person_id, allowed, "conversation access changed");
    Ok(())
}

/// Who else, besides the leader who held it, the report might give access to: their current manager.
pub async fn current_manager(store: &Store, report: &Person) -> Result<Option<Person>, AppError> {
    Ok(match report.manager_id {
        Some(m) => store.person(m).await?,
        None => None,
    })
}

/// A question as asked (with its text rendered for the conversation's window)
/// and the answer the viewer may see.
pub type AskedRow = (foothold_store::AskedQuestion, String, Option<foothold_store::Answer>);

/// [`questions_and_answers`] for a page or response that shows them to
/// `v`: when that returns the report's answers to anyone else, one audit
/// entry records it (one per request, not per answer).
pub async fn answers_shown_to(
    store: &Store,
    v: &Identity,
    c: &Conversation,
    part: Part,
) -> Result<Vec<AskedRow>, AppError> {
    let rows = questions_and_answers(store, c, part).await?;
    let shown = rows.iter().filter(|(_, _, a)| a.is_some()).count();
    if v.person.id != c.report_id && shown > 0 {
        let detail = format!("read {shown} shared answers");
        audit::record(store, v, Act::Read, Subject::Reflection, Some(c.report_id), Some(c.id), detail).await?;
    }
    Ok(rows)
}

/// The questions of a conversation rendered with its window, with the
/// answers the viewer may see (drafts only for the report).
pub async fn questions_and_answers(store: &Store, c: &Conversation, part: Part) -> Result<Vec<AskedRow>, AppError> {
    let answers = match part {
        Part::Report => Answers::All,
        _ if policy::decide_conversation(part, ConversationAction::ReadShared).is_ok() => Answers::Shared,
        _ => Answers::None,
    };
    Ok(store
        .asked_with_answers(c.id, answers)
        .await?
        .into_iter()
        .map(|(q, a)| {
            let rendered = q.question.render(c.window);
            (q, rendered, a)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_become_instants() {
        let t = parse_when("2026-12-01", "14:00", "Europe/London").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-12-01T14:00:00+00:00");
        let t = parse_when("2026-07-01", "14:00", "Europe/London").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-07-01T13:00:00+00:00", "summer time");
        let t = parse_when("2026-12-31", "23:30", "Pacific/Auckland").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-12-31T10:30:00+00:00");
        assert!(parse_when("2026-03-29", "01:30", "Europe/London").is_err(), "skipped hour");
        assert!(parse_when("2026-02-30", "10:00", "UTC").is_err());
        assert!(parse_when("2026-02-01", "25:00", "UTC").is_err());
        assert!(parse_when("2026-02-01", "10:00", "Mars/Olympus").is_err());
    }

    #[test]
    fn instants_display_in_their_zone() {
        let t = parse_when("2026-12-01", "09:30", "America/New_York").expect("valid");
        assert_eq!(display_when(t, "America/New_York"), "Tue 1 Dec 2026, 09:30 (America/New_York)");
    }
}
