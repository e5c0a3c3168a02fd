//! Growth plan use-cases, shared by the pages and the API: who takes part
//! ([`PlanPart`]), starting a plan from a held conversation, edits, check-ins,
//! role history and the difference between two points of the history.

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use foothold_domain::conversation::State;
use foothold_domain::plan::{self, CheckinState, Difference, Snapshot, StepInput};
use foothold_domain::policy::{self, ConversationAction, PlanAction, PlanPart};
use foothold_store::{
    CheckinRecord, Edited, NewPlan, NewRole, Person, Plan, PlanChange, PlanDetail, PlanEdit, Role, StepProgress, Store,
    ThemeStatus,
};

use crate::auth::Identity;
use crate::error::AppError;

/// How `person` stands to a plan whose owner is `owner`: the owner, the
/// owner's current direct manager, or nobody.
pub fn part_of(owner: &Person, person: i64) -> PlanPart {
    if owner.id == person {
        PlanPart::Owner
    } else if owner.manager_id == Some(person) {
        PlanPart::Leader
    } else {
        PlanPart::Outsider
    }
}

/// Loads a plan with everything in it, and its owner, for a viewer allowed `action`.
pub async fn load(
    store: &Store,
    v: &Identity,
    id: i64,
    action: PlanAction,
) -> Result<(PlanDetail, PlanPart, Person), AppError> {
    let d = store.plan_detail(id).await?.ok_or(AppError::NotFound)?;
    let owner = if d.plan.person_id == v.person.id {
        v.person.clone()
    } else {
        store.person(d.plan.person_id).await?.ok_or(AppError::NotFound)?
    };
    let part = part_of(&owner, v.person.id);
    policy::decide_plan(part, action)?;
    Ok((d, part, owner))
}

/// Today in a plan's zone: check-ins fall due by the calendar where people are.
pub fn today_in(zone: &str) -> NaiveDate {
    let now = Utc::now();
    match zone.parse::<Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    }
}

/// Where each check-in of a plan stands today.
pub fn checkin_state(d: &PlanDetail, c: &foothold_store::Checkin) -> CheckinState {
    CheckinState::on(c.due_on, c.completed_at.is_some(), today_in(&d.plan.time_zone))
}

/// Parses a `YYYY-MM-DD` date a person typed.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest(format!("{field}: give the date as YYYY-MM-DD.")))
}

fn problem(p: plan::PlanProblem) -> AppError {
    AppError::BadRequest(p.to_string())
}

/// An end date is a valid date; whether it fits depends on when the plan
/// started, so a date outside the window conflicts with the plan.
fn outside_window(p: plan::PlanProblem) -> AppError {
    AppError::Conflict(p.to_string())
}

/// Starts the growth plan of a held conversation, with its confirmed themes
/// as the priority themes. The report and the leader may both start it.
pub async fn start(
    store: &Store,
    v: &Identity,
    conversation_id: i64,
    ends_on: Option<NaiveDate>,
) -> Result<Plan, AppError> {
    let (c, _) = crate::conversations::load_for(store, v, conversation_id, ConversationAction::DecideThemes).await?;
    if c.state != State::Held {
        return Err(AppError::Conflict("A growth plan starts after the conversation: mark it as held first.".into()));
    }
    if let Some(p) = store.plan_from_conversation(c.id).await? {
        return Err(AppError::Conflict(format!("This conversation already has a growth plan (plan {}).", p.id)));
    }
    // The year counts from the conversation's date where it was held.
    let starts_on = match c.time_zone.parse::<Tz>() {
        Ok(tz) => c.scheduled_at.with_timezone(&tz).date_naive(),
        Err(_) => c.scheduled_at.date_naive(),
    };
    let ends_on = ends_on.unwrap_or_else(|| plan::default_end(starts_on));
    plan::check_window(starts_on, ends_on).map_err(outside_window)?;
    let themes = store
        .conversation_themes(c.id)
        .await?
        .into_iter()
        .filter(|t| t.status == ThemeStatus::Confirmed)
        .map(|t| (t.key, t.label))
        .collect();
    let new = NewPlan {
        person_id: c.report_id,
        leader_id: c.leader_id,
        conversation_id: Some(c.id),
        starts_on,
        ends_on,
        time_zone: c.time_zone.clone(),
        themes,
    };
    let p = store.create_plan(&new, v.person.id).await?;
    tracing::info!(plan = p.id, conversation = c.id, "growth plan started");
    Ok(p)
}

/// A theme key for a theme people name themselves: a slug of its label.
fn slug(label: &str) -> String {
    let s: String = label.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect::<String>();
    let s = s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    format!("own:{s}")
}

/// A change as the pages and the API ask for it, before it is checked.
pub enum Change {
    /// New end date.
    SetEnd(String),
    /// Add a theme by label.
    AddTheme(String),
    /// Rename a theme.
    RenameTheme(i64, String),
    /// Drop or take up a theme.
    DropTheme(i64, bool),
    /// Move a theme one place up (`true`) or down.
    MoveTheme(i64, bool),
    /// Put the themes in this order.
    OrderThemes(Vec<i64>),
    /// Add a step.
    AddStep(i64, StepInput),
    /// Rewrite a step.
    UpdateStep(i64, StepInput),
}

/// Checks and applies one change for a viewer. `version` is required for
/// changes that could overwrite someone's work; additions may leave it out.
pub async fn edit(
    store: &Store,
    v: &Identity,
    id: i64,
    version: Option<i64>,
    change: Change,
) -> Result<Edited, AppError> {
    let (d, _, _) = load(store, v, id, PlanAction::Edit).await?;
    let need_version = || version.ok_or_else(|| AppError::BadRequest("version: is required for this change.".into()));
    let edit = match change {
        Change::SetEnd(s) => {
            let end = parse_date("ends_on", &s)?;
            plan::check_window(d.plan.starts_on, end).map_err(outside_window)?;
            need_version()?;
            PlanEdit::SetEnd(end)
        }
        Change::AddTheme(label) => {
            let label = plan::check_theme_label(&label).map_err(problem)?;
            PlanEdit::AddTheme { key: slug(&label), label }
        }
        Change::RenameTheme(theme_id, label) => {
            need_version()?;
            PlanEdit::RenameTheme { theme_id, label: plan::check_theme_label(&label).map_err(problem)? }
        }
        Change::DropTheme(theme_id, dropped) => {
            need_version()?;
            PlanEdit::DropTheme { theme_id, dropped }
        }
        Change::MoveTheme(theme_id, up) => {
            need_version()?;
            let mut order: Vec<i64> = d.themes.iter().map(|t| t.id).collect();
            let at = order.iter().position(|t| *t == theme_id).ok_or(AppError::NotFound)?;
            let to = if up { at.checked_sub(1) } else { (at + 1 < order.len()).then_some(at + 1) };
            if let Some(to) = to {
                order.swap(at, to);
            }
            PlanEdit::OrderThemes(order)
        }
        Change::OrderThemes(order) => {
            need_version()?;
            PlanEdit::OrderThemes(order)
        }
        Change::AddStep(theme_id, input) => PlanEdit::AddStep { theme_id, step: input.check().map_err(problem)? },
        Change::UpdateStep(step_id, input) => {
            need_version()?;
            PlanEdit::UpdateStep { step_id, step: input.check().map_err(problem)? }
        }
    };
    Ok(store.edit_plan(id, version, v.person.id, &edit).await?)
}

/// A check-in as a form or the API gives it.
/// Checks that a new theme order lists every theme of the plan exactly once
/// (the store checks it again when it writes), so that a change made of
/// several edits can refuse before it writes the first.
pub fn check_order(d: &PlanDetail, order: &[i64]) -> Result<(), AppError> {
    let mut have: Vec<i64> = d.themes.iter().map(|t| t.id).collect();
    let mut want = order.to_vec();
    have.sort_unstable();
    want.sort_unstable();
    if have == want {
        Ok(())
    } else {
        Err(AppError::Conflict("The new order must list every theme of the plan exactly once.".into()))
    }
}

pub struct CheckinInput {
    /// Which one.
    pub number: u32,
    /// The plan's version as read.
    pub version: i64,
    /// (step id, status name, note) for each step.
    pub progress: Vec<(i64, String, String)>,
    /// Theme ids in their new order, if given.
    pub theme_order: Option<Vec<i64>>,
    /// What changed.
    pub what_changed: String,
    /// The next check-in's date, if moved (`YYYY-MM-DD`, empty to keep).
    pub next_due: String,
    /// Year-end review.
    pub review: String,
}

/// Records a check-in.
pub async fn check_in(store: &Store, v: &Identity, id: i64, input: CheckinInput) -> Result<i64, AppError> {
    let (d, _, _) = load(store, v, id, PlanAction::Edit).await?;
    let mut progress = Vec::with_capacity(input.progress.len());
    for (step_id, status, note) in input.progress {
        if !d.steps.iter().any(|s| s.id == step_id) {
            return Err(AppError::Conflict(format!("progress: step {step_id} is not part of this plan.")));
        }
        let status = plan::StepStatus::parse(status.trim()).ok_or_else(|| {
            AppError::BadRequest("progress: status must be one of planned, in_progress, done, dropped.".into())
        })?;
        progress.push(StepProgress { step_id, status, note: plan::check_note(&note).map_err(problem)? });
    }
    let next_due = if input.next_due.trim().is_empty() { None } else { Some(parse_date("next_due", &input.next_due)?) };
    let last = input.number >= plan::CHECKINS;
    let rec = CheckinRecord {
        number: input.number,
        progress,
        theme_order: input.theme_order,
        what_changed: plan::check_long_text("what_changed", &input.what_changed).map_err(problem)?,
        next_due,
        review: last.then(|| plan::check_long_text("review", &input.review)).transpose().map_err(problem)?,
    };
    let version = store.complete_checkin(id, input.version, v.person.id, &rec).await?;
    tracing::info!(plan = id, checkin = input.number, "check-in held");
    Ok(version)
}

/// A point in a plan's history to compare: its start, a held check-in, or now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// As the plan was started.
    Start,
    /// Right after check-in n.
    Checkin(u32),
    /// As it stands.
    Now,
}

impl Point {
    /// Parses `start`, `now` or a check-in number.
    pub fn parse(s: &str) -> Option<Point> {
        match s.trim() {
            "" | "start" => Some(Point::Start),
            "now" => Some(Point::Now),
            n => n.parse::<u32>().ok().filter(|n| (1..=plan::CHECKINS).contains(n)).map(Point::Checkin),
        }
    }

    /// The form value.
    pub fn value(self) -> String {
        match self {
            Point::Start => "start".into(),
            Point::Now => "now".into(),
            Point::Checkin(n) => n.to_string(),
        }
    }
}

/// The plan as it stood at a point; `None` when that check-in has not been held.
pub fn snapshot_at(d: &PlanDetail, history: &[PlanChange], at: Point) -> Option<Snapshot> {
    match at {
        Point::Start => history.first().map(|c| c.snapshot.clone()),
        Point::Now => Some(d.snapshot()),
        Point::Checkin(n) => {
            let id = d.checkins.iter().find(|c| c.number == n && c.completed_at.is_some())?.id;
            history.iter().rev().find(|c| c.checkin_id == Some(id)).map(|c| c.snapshot.clone())
        }
    }
}

/// What changed between two points of a plan's history.
pub fn difference(d: &PlanDetail, history: &[PlanChange], from: Point, to: Point) -> Result<Vec<Difference>, AppError> {
    let missing = |p: Point| AppError::Conflict(format!("Check-in {} has not been held yet.", p.value()));
    let a = snapshot_at(d, history, from).ok_or_else(|| missing(from))?;
    let b = snapshot_at(d, history, to).ok_or_else(|| missing(to))?;
    Ok(plan::compare(&a, &b))
}

/// A role as a form or the API gives it.
pub struct RoleInput {
    /// Title.
    pub title: String,
    /// Department.
    pub department: String,
    /// From (`YYYY-MM-DD`).
    pub started_on: String,
    /// Until (`YYYY-MM-DD`, empty for the current role).
    pub ended_on: String,
}

/// Records a role change; leaders for their tree, and admins.
pub async fn record_role(store: &Store, v: &Identity, person_id: i64, input: RoleInput) -> Result<Role, AppError> {
    let relation = store.relation(v.person.id, person_id).await?;
    policy::may_record_role(v.actor(), relation)?;
    store.person(person_id).await?.ok_or(AppError::NotFound)?;
    let title = foothold_domain::Text::single_line(&input.title, "title", 200, true)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let department = foothold_domain::Text::single_line(&input.department, "department", 200, false)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let started_on = parse_date("started_on", &input.started_on)?;
    let ended_on = if input.ended_on.trim().is_empty() { None } else { Some(parse_date("ended_on", &input.ended_on)?) };
    let new =
        NewRole { person_id, title: title.into_string(), department: department.into_string(), started_on, ended_on };
    Ok(store.record_role(&new, v.person.id).await?)
}

/// A person's role history, for anyone who may see the person.
pub async fn roles(store: &Store, v: &Identity, person_id: i64) -> Result<Vec<Role>, AppError> {
    let relation = store.relation(v.person.id, person_id).await?;
    policy::decide(v.actor(), policy::Action::ViewPerson(relation))?;
    store.person(person_id).await?.ok_or(AppError::NotFound)?;
    Ok(store.roles_of(person_id).await?)
}

/// A plan as Markdown: a file people keep, print or paste elsewhere.
pub fn markdown(d: &PlanDetail, names: &std::collections::HashMap<i64, String>) -> String {
    use std::fmt::Write;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "# Growth plan: {}\n", name(d.plan.person_id));
    let _ = writeln!(out, "- Co-created with: {}", name(d.plan.leader_id));
    let _ = writeln!(out, "- Year: {} to {}", d.plan.starts_on, d.plan.ends_on);
    let _ = writeln!(out, "- State: {}\n", d.plan.state.as_str());
    for (i, t) in d.themes.iter().enumerate() {
        let dropped = if t.dropped { " (dropped)" } else { "" };
        let _ = writeln!(out, "## {}. {}{}\n", i + 1, t.label, dropped);
        for s in d.steps.iter().filter(|s| s.theme_id == t.id) {
            let _ = writeln!(out, "- **{}**: {}", s.kind.label(), s.what);
            let _ = writeln!(out, "  - Quarter {} · {}", s.target_quarter, s.status.label());
            if !s.signal.is_empty() {
                let _ = writeln!(out, "  - How we will know: {}", s.signal);
            }
            if !s.support.is_empty() {
                let _ = writeln!(out, "  - Support: {}", s.support);
            }
            if !s.progress.is_empty() {
                let _ = writeln!(out, "  - Progress: {}", s.progress);
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Check-ins\n");
    for c in &d.checkins {
        match c.completed_at {
            Some(at) => {
                let _ = writeln!(out, "- Check-in {} (due {}): held {}", c.number, c.due_on, at.date_naive());
                if !c.what_changed.is_empty() {
                    let _ = writeln!(out, "  - What changed: {}", c.what_changed);
                }
            }
            None => {
                let _ = writeln!(out, "- Check-in {}: due {}", c.number, c.due_on);
            }
        }
    }
    if !d.plan.review.is_empty() {
        let _ = writeln!(out, "\n## Year-end review\n\n{}", d.plan.review);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_theme_keys_are_slugs() {
        assert_eq!(slug("  Lead the Design System! "), "own:lead-the-design-system");
        assert_eq!(slug("Café & Co"), "own:café-co");
    }

    #[test]
    fn points_parse() {
        assert_eq!(Point::parse("start"), Some(Point::Start));
        assert_eq!(Point::parse("now"), Some(Point::Now));
        assert_eq!(Point::parse("2"), Some(Point::Checkin(2)));
        assert_eq!(Point::parse("5"), None);
        assert_eq!(Point::parse("x"), None);
    }
}
