//! Growth plan pages: the plan with its climbing wall, editing by both people,
//! quarterly check-ins, the history with differences, role changes, and the
//! printable and Markdown exports.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::dates::{day_month_year as day, month_year as month};
use foothold_domain::plan::{self, CheckinState, StepInput, StepKind, StepStatus};
use foothold_domain::policy::{PlanAction, PlanPart};
use foothold_domain::wall::{Picture, Wall};
use foothold_store::{PlanDetail, PlanState, Role};
use serde::Deserialize;

use super::{Choice, Chrome, render_with};
use crate::AppState;
use crate::auth::{Identity, Viewer};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::plans::{self as uc, Change, Point};

/// A step's form values: what is stored, or what the person typed when the save failed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    signal: String,
    #[serde(default)]
    support: String,
    #[serde(default)]
    target_quarter: String,
    #[serde(default)]
    status: String,
}

impl StepFields {
    fn input(&self) -> StepInput {
        StepInput {
            kind: self.kind.clone(),
            what: self.what.clone(),
            signal: self.signal.clone(),
            support: self.support.clone(),
            target_quarter: self.target_quarter.trim().parse().unwrap_or(0),
            status: self.status.clone(),
        }
    }
}

pub struct StepView {
    id: i64,
    kind: &'static str,
    kind_label: &'static str,
    direction: &'static str,
    what: String,
    signal: String,
    support: String,
    quarter_label: String,
    status: &'static str,
    status_label: &'static str,
    progress: String,
    form: StepFields,
    open: bool,
}

pub struct ThemeView {
    id: i64,
    label: String,
    label_value: String,
    dropped: bool,
    first: bool,
    last: bool,
    steps: Vec<StepView>,
    new_step: StepFields,
    new_open: bool,
}

pub struct CheckinView {
    number: u32,
    due_on: String,
    state: &'static str,
    state_label: &'static str,
    completed: String,
    what_changed: String,
}

pub struct RoleView {
    title: String,
    department: String,
    span: String,
}

fn direction_name(k: StepKind) -> &'static str {
    match k.direction() {
        plan::Direction::Here => "here",
        plan::Direction::Up => "up",
        plan::Direction::Sideways => "sideways",
        plan::Direction::Down => "down",
    }
}

fn checkin_label(s: CheckinState) -> &'static str {
    match s {
        CheckinState::Upcoming => "Upcoming",
        CheckinState::Due => "Due",
        CheckinState::Overdue => "Overdue",
        CheckinState::Done => "Held",
    }
}

fn quarter_label(starts_on: chrono::NaiveDate, q: u32) -> String {
    let (from, to) = plan::quarter_span(starts_on, q);
    let (from, to) = (month(from), month(to));
    let mut label = String::with_capacity(from.len() + to.len() + 12);
    for part in ["Q", &q.to_string(), " · ", &from, " – ", &to] {
        label.push_str(part);
    }
    label
}

/// A step's kinds, as options and as radio buttons, and its statuses: the
/// same on every page, so written once.
static KIND_OPTIONS: LazyLock<Vec<Choice>> =
    LazyLock::new(|| StepKind::ALL.iter().map(|k| Choice::option(k.as_str(), k.label())).collect());
static KIND_RADIOS: LazyLock<Vec<Choice>> =
    LazyLock::new(|| StepKind::ALL.iter().map(|k| Choice::radio("kind", k.as_str(), k.label())).collect());
static STATUS_OPTIONS: LazyLock<Vec<Choice>> =
    LazyLock::new(|| StepStatus::ALL.iter().map(|s| Choice::option(s.as_str(), s.label())).collect());

/// The plan's four quarters, each with its label.
fn quarter_labels(d: &PlanDetail) -> Vec<(u32, String)> {
    (1..=4).map(|q| (q, quarter_label(d.plan.starts_on, q))).collect()
}

fn role_view(r: &Role) -> RoleView {
    RoleView {
        title: r.title.clone(),
        department: r.department.clone(),
        span: match r.ended_on {
            Some(end) => format!("{} – {}", month(r.started_on), month(end)),
            None => format!("since {}", month(r.started_on)),
        },
    }
}

/// Walls drawn lately, kept by everything they show: the plan page shown
/// again with nothing changed looks its picture up instead of drawing it
/// (drawing was an eighth of the page's CPU). Only the very same wall finds
/// an entry, so a picture is only ever given to whoever could draw it.
#[derive(Default)]
pub(crate) struct Walls(Mutex<HashMap<Wall, Arc<Picture>>>);

/// Pictures kept at most; past this the memory starts afresh.
const WALLS: usize = 512;

/// Walls with more text than this are drawn every time, not kept, so that
/// the memory stays bounded whatever a plan holds.
const KEPT_WALL_BYTES: usize = 8 * 1024;

impl Walls {
    /// The picture of `wall`, kept or drawn now.
    pub(crate) fn draw(&self, wall: Wall) -> Arc<Picture> {
        let lock = || self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(picture) = lock().get(&wall) {
            return Arc::clone(picture);
        }
        let picture = Arc::new(foothold_domain::wall::draw(&wall));
        let text: usize = wall.holds.iter().map(|h| h.title.len() + h.department.len()).sum::<usize>()
            + wall.moves.iter().map(|m| m.what.len()).sum::<usize>();
        if text > KEPT_WALL_BYTES {
            return picture;
        }
        let mut kept = lock();
        if kept.len() >= WALLS {
            kept.clear();
        }
        kept.insert(wall, Arc::clone(&picture));
        picture
    }
}

/// The climbing wall of a plan's owner: the roles they held and the steps
/// planned. Returns the picture (the SVG and its text alternative) and the roles.
async fn wall_for(
    state: &AppState,
    d: &PlanDetail,
    owner: &foothold_store::Person,
) -> Result<(Arc<Picture>, Vec<Role>), AppError> {
    use foothold_domain::wall::{Hold, PlannedMove};
    let roles = state.store().roles_of(owner.id).await?;
    let wall = Wall {
        holds: roles
            .iter()
            .map(|r| Hold {
                title: r.title.clone(),
                department: r.department.clone(),
                from: r.started_on,
                to: r.ended_on,
            })
            .collect(),
        moves: d
            .steps
            .iter()
            .map(|s| PlannedMove {
                kind: s.kind,
                what: s.what.clone(),
                status: s.status,
                target_quarter: s.target_quarter,
            })
            .collect(),
        current_title: owner.title.clone(),
        current_department: owner.department.clone().unwrap_or_default(),
    };
    Ok((state.walls().draw(wall), roles))
}

/// What a failed form carries back onto the page, so nothing typed is lost.
#[derive(Default)]
struct Retry {
    op: String,
    theme_id: i64,
    step_id: i64,
    label: String,
    ends_on: String,
    step: StepFields,
}

fn step_view(quarters: &[(u32, String)], s: &foothold_store::Step, retry: &Retry) -> StepView {
    let retrying = retry.op == "update_step" && retry.step_id == s.id;
    StepView {
        id: s.id,
        kind: s.kind.as_str(),
        kind_label: s.kind.label(),
        direction: direction_name(s.kind),
        what: s.what.clone(),
        signal: s.signal.clone(),
        support: s.support.clone(),
        quarter_label: quarters.iter().find(|q| q.0 == s.target_quarter).map(|q| q.1.clone()).unwrap_or_default(),
        status: s.status.as_str(),
        status_label: s.status.label(),
        progress: s.progress.clone(),
        form: if retrying {
            retry.step.clone()
        } else {
            StepFields {
                kind: s.kind.as_str().into(),
                what: s.what.clone(),
                signal: s.signal.clone(),
                support: s.support.clone(),
                target_quarter: s.target_quarter.to_string(),
                status: s.status.as_str().into(),
            }
        },
        open: retrying,
    }
}

/// The themes with their steps; a failed form's values replace the stored ones where it was typed.
fn theme_views(d: &PlanDetail, quarters: &[(u32, String)], retry: &Retry) -> Vec<ThemeView> {
    let n = d.themes.len();
    d.themes
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let adding = retry.op == "add_step" && retry.theme_id == t.id;
            ThemeView {
                id: t.id,
                label: t.label.clone(),
                label_value: if retry.op == "rename_theme" && retry.theme_id == t.id {
                    retry.label.clone()
                } else {
                    t.label.clone()
                },
                dropped: t.dropped,
                first: i == 0,
                last: i + 1 == n,
                steps: d.steps.iter().filter(|s| s.theme_id == t.id).map(|s| step_view(quarters, s, retry)).collect(),
                new_step: if adding {
                    retry.step.clone()
                } else {
                    StepFields { target_quarter: "1".into(), kind: "deepen_expertise".into(), ..Default::default() }
                },
                new_open: adding,
            }
        })
        .collect()
}

fn checkin_views(d: &PlanDetail) -> Vec<CheckinView> {
    d.checkins
        .iter()
        .map(|c| {
            let s = uc::checkin_state(d, c);
            CheckinView {
                number: c.number,
                due_on: day(c.due_on),
                state: s.as_str(),
                state_label: checkin_label(s),
                completed: c.completed_at.map(|t| day(t.date_naive())).unwrap_or_default(),
                what_changed: c.what_changed.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    id: i64,
    version: i64,
    person_id: i64,
    person_name: String,
    leader_name: String,
    is_owner: bool,
    /// The owner's current direct manager, who schedules conversations.
    is_leader: bool,
    active: bool,
    starts_on: String,
    ends_on: String,
    ends_on_value: String,
    review: String,
    conversation_id: i64,
    themes: Vec<ThemeView>,
    active_themes: usize,
    nudge: bool,
    checkins: Vec<CheckinView>,
    next_checkin: u32,
    wall: Arc<Picture>,
    roles: Vec<RoleView>,
    may_record_role: bool,
    role_offer: Option<StepView>,
    role_title: String,
    role_department: String,
    today: String,
    kind_options: &'static [Choice],
    kind_radios: &'static [Choice],
    status_options: &'static [Choice],
    quarter_options: Vec<Choice>,
    new_theme: String,
    errors: Vec<String>,
    notice: String,
}

#[allow(clippy::too_many_arguments)]
async fn plan_page(
    state: &AppState,
    v: &Identity,
    id: i64,
    status: StatusCode,
    retry: Retry,
    errors: Vec<String>,
    notice: String,
    role_step: Option<i64>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (d, part, person) = uc::load(store, v, id, PlanAction::View).await?;
    // The viewer is usually the owner or their manager: both already read.
    let leader_name = match person.manager_id {
        Some(m) if m == v.person.id => v.person.name.clone(),
        Some(m) => store.person(m).await?.map(|p| p.name).unwrap_or_default(),
        None => String::new(),
    };
    let (wall, roles) = wall_for(state, &d, &person).await?;
    let department = person.department.clone().unwrap_or_default();
    let relation = if person.manager_id == Some(v.person.id) {
        foothold_domain::policy::Relation::Leads
    } else {
        store.relation(v.person.id, person.id).await?
    };
    let may_record_role = foothold_domain::policy::may_record_role(v.actor(), relation).is_ok();
    // Each step shows its quarter's label: made once for the page.
    let quarters = quarter_labels(&d);
    let themes = theme_views(&d, &quarters, &retry);
    let active_themes = d.themes.iter().filter(|t| !t.dropped).count();
    let checkins = checkin_views(&d);
    let role_offer = role_step
        .and_then(|sid| d.steps.iter().find(|s| s.id == sid && s.kind.changes_role() && s.status == StepStatus::Done))
        .map(|s| step_view(&quarters, s, &retry));
    let page = PlanPage {
        chrome: Chrome::of(v, "plans"),
        id,
        version: d.plan.version,
        person_id: person.id,
        person_name: person.name.clone(),
        leader_name,
        is_owner: part == PlanPart::Owner,
        is_leader: part == PlanPart::Leader,
        active: d.plan.state == PlanState::Active,
        starts_on: day(d.plan.starts_on),
        ends_on: day(d.plan.ends_on),
        ends_on_value: if retry.op == "end" { retry.ends_on.clone() } else { d.plan.ends_on.to_string() },
        review: d.plan.review.clone(),
        conversation_id: d.plan.conversation_id.unwrap_or(0),
        nudge: active_themes > plan::SUGGESTED_MAX_THEMES,
        active_themes,
        themes,
        checkins,
        next_checkin: d.next_checkin().map(|c| c.number).unwrap_or(0),
        wall,
        roles: roles.iter().map(role_view).collect(),
        may_record_role,
        role_offer,
        role_title: person.title.clone(),
        role_department: department,
        today: uc::today_in(&d.plan.time_zone).to_string(),
        kind_options: &KIND_OPTIONS,
        kind_radios: &KIND_RADIOS,
        status_options: &STATUS_OPTIONS,
        quarter_options: quarters.iter().map(|(q, label)| Choice::option(&q.to_string(), label)).collect(),
        new_theme: if retry.op == "add_theme" { retry.label.clone() } else { String::new() },
        errors,
        notice,
    };
    render_with(status, &page)
}

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    role_step: Option<i64>,
}

/// The plan page.
pub async fn show(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let notice = match q.saved.as_str() {
        "started" => "Your growth plan is started, with the themes you confirmed. Add steps under each theme.",
        "checkin" => "Check-in recorded.",
        "role" => "Role recorded: the wall shows the new hold.",
        "" => "",
        _ => "Saved.",
    };
    plan_page(&state, &v, id, StatusCode::OK, Retry::default(), Vec::new(), notice.into(), q.role_step).await
}

/// Starts the plan of a held conversation.
pub async fn start(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(conversation_id): Path<i64>,
) -> Result<Response, PageError> {
    let p = uc::start(state.store(), &v, conversation_id, None).await?;
    Ok(Redirect::to(&format!("/plans/{}?saved=started", p.id)).into_response())
}

#[derive(Deserialize)]
pub struct EditForm {
    op: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    theme_id: i64,
    #[serde(default)]
    step_id: i64,
    #[serde(default)]
    label: String,
    #[serde(default)]
    ends_on: String,
    #[serde(flatten)]
    step: StepFields,
}

/// Every change made on the plan page. A refused change shows the page again
/// with the error and what the person typed.
pub async fn edit(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<EditForm>,
) -> Result<Response, PageError> {
    let change = match f.op.as_str() {
        "end" => Change::SetEnd(f.ends_on.clone()),
        "add_theme" => Change::AddTheme(f.label.clone()),
        "rename_theme" => Change::RenameTheme(f.theme_id, f.label.clone()),
        "drop_theme" => Change::DropTheme(f.theme_id, true),
        "restore_theme" => Change::DropTheme(f.theme_id, false),
        "up" => Change::MoveTheme(f.theme_id, true),
        "down" => Change::MoveTheme(f.theme_id, false),
        "add_step" => Change::AddStep(f.theme_id, f.step.input()),
        "update_step" => Change::UpdateStep(f.step_id, f.step.input()),
        _ => return Err(AppError::BadRequest("Unknown change.".into()).into()),
    };
    match uc::edit(state.store(), &v, id, f.version, change).await {
        Ok(edited) => {
            let anchor = match f.op.as_str() {
                "add_step" => edited.created.map(|s| format!("#step-{s}")).unwrap_or_default(),
                "update_step" => format!("#step-{}", f.step_id),
                "add_theme" => edited.created.map(|t| format!("#theme-{t}")).unwrap_or_default(),
                _ if f.theme_id > 0 => format!("#theme-{}", f.theme_id),
                _ => String::new(),
            };
            let done_role_step = f.op == "update_step"
                && StepKind::parse(f.step.kind.trim()).is_some_and(|k| k.changes_role())
                && f.step.status.trim() == StepStatus::Done.as_str();
            let extra = if done_role_step { format!("&role_step={}", f.step_id) } else { String::new() };
            let anchor = if done_role_step { "#role-offer".to_owned() } else { anchor };
            Ok(Redirect::to(&format!("/plans/{id}?saved=1{extra}{anchor}")).into_response())
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Stale)) => {
            let status = match e {
                AppError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let message = match e {
                AppError::Stale => "Someone else changed this plan since you loaded it, so your change was not saved. The plan below is as it stands now, and what you typed is kept in the form: check it and save again.".to_owned(),
                other => other.to_string(),
            };
            let retry = Retry {
                op: f.op,
                theme_id: f.theme_id,
                step_id: f.step_id,
                label: f.label,
                ends_on: f.ends_on,
                step: f.step,
            };
            plan_page(&state, &v, id, status, retry, vec![message], String::new(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    title: String,
    #[serde(default)]
    department: String,
    started_on: String,
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    plan_id: i64,
}

/// Records a role change, from the plan page.
pub async fn record_role(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(person_id): Path<i64>,
    PageForm(f): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    let input =
        uc::RoleInput { title: f.title, department: f.department, started_on: f.started_on, ended_on: f.ended_on };
    match uc::record_role(state.store(), &v, person_id, input).await {
        Ok(_) if f.plan_id > 0 => Ok(Redirect::to(&format!("/plans/{}?saved=role#wall", f.plan_id)).into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/people/{person_id}")).into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_))) if f.plan_id > 0 => {
            plan_page(
                &state,
                &v,
                f.plan_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Retry::default(),
                vec![e.to_string()],
                String::new(),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct PlanRow {
    id: i64,
    name: String,
    span: String,
    state: &'static str,
    next: String,
    next_state: &'static str,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage {
    chrome: Chrome,
    mine: Vec<PlanRow>,
    team: Vec<PlanRow>,
    held_without_plan: Vec<(i64, String)>,
}

/// The viewer's plans and their team's.
pub async fn list(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    let store = state.store();
    let mine_plans = store.plans_of(v.person.id).await?;
    let reports: Vec<_> = store.direct_reports(v.person.id).await?;
    let report_ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
    let team_plans = store.active_plans_of(&report_ids).await?;
    let ids: Vec<i64> = mine_plans.iter().chain(&team_plans).map(|p| p.id).collect();
    let open = store.open_checkins(&ids).await?;
    let names: HashMap<i64, String> = reports.iter().map(|r| (r.id, r.name.clone())).collect();
    let row = |p: &foothold_store::Plan, name: String| {
        let next = open.iter().find(|c| c.plan_id == p.id);
        let s = next.map(|c| CheckinState::on(c.due_on, false, uc::today_in(&p.time_zone)));
        PlanRow {
            id: p.id,
            name,
            span: format!("{} – {}", month(p.starts_on), month(p.ends_on)),
            state: p.state.as_str(),
            next: next.map(|c| format!("Check-in {} on {}", c.number, day(c.due_on))).unwrap_or_default(),
            next_state: s.map(|s| s.as_str()).unwrap_or(""),
        }
    };
    let mine = mine_plans.iter().map(|p| row(p, v.person.name.clone())).collect();
    let team = team_plans.iter().map(|p| row(p, names.get(&p.person_id).cloned().unwrap_or_default())).collect();
    // The latest held conversation of each person that no plan has followed yet.
    let mut latest: HashMap<i64, foothold_store::Conversation> = HashMap::new();
    for c in store
        .conversations_of_report(v.person.id)
        .await?
        .into_iter()
        .chain(store.conversations_led_by(v.person.id).await?)
        .filter(|c| c.state == foothold_domain::conversation::State::Held)
    {
        if latest.get(&c.report_id).is_none_or(|l| l.scheduled_at < c.scheduled_at) {
            latest.insert(c.report_id, c);
        }
    }
    let people: Vec<i64> = latest.keys().copied().collect();
    let starts = store.latest_plan_starts(&people).await?;
    let mut held_without_plan: Vec<(i64, String)> = latest
        .into_values()
        .filter(|c| starts.get(&c.report_id).is_none_or(|s| *s < c.scheduled_at.date_naive()))
        .map(|c| {
            let who = if c.report_id == v.person.id {
                "your conversation".to_owned()
            } else {
                format!(
                    "your conversation with {}",
                    names.get(&c.report_id).cloned().unwrap_or_else(|| "a report".into())
                )
            };
            (c.id, format!("{who} of {}", day(c.scheduled_at.date_naive())))
        })
        .collect();
    held_without_plan.sort();
    render_with(StatusCode::OK, &ListPage { chrome: Chrome::of(&v, "plans"), mine, team, held_without_plan })
}

pub struct ProgressRow {
    id: i64,
    what: String,
    theme: String,
    kind_label: &'static str,
    status: &'static str,
    progress: String,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    chrome: Chrome,
    id: i64,
    number: u32,
    last: bool,
    version: i64,
    person_name: String,
    due_on: String,
    state_label: &'static str,
    rows: Vec<ProgressRow>,
    themes: Vec<(i64, String, usize)>,
    status_options: &'static [Choice],
    next_due: String,
    what_changed: String,
    review: String,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct CheckinForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    what_changed: String,
    #[serde(default)]
    next_due: String,
    #[serde(default)]
    review: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

async fn checkin_page(
    state: &AppState,
    v: &Identity,
    id: i64,
    number: u32,
    status: StatusCode,
    typed: Option<&CheckinForm>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (d, _, person) = uc::load(store, v, id, PlanAction::Edit).await?;
    let c = d.checkins.iter().find(|c| c.number == number).ok_or(AppError::NotFound)?;
    let theme_label = |tid: i64| d.themes.iter().find(|t| t.id == tid).map(|t| t.label.clone()).unwrap_or_default();
    let field = |k: String| typed.and_then(|t| t.rest.get(&k).cloned());
    let rows = d
        .steps
        .iter()
        .map(|s| ProgressRow {
            id: s.id,
            what: s.what.clone(),
            theme: theme_label(s.theme_id),
            kind_label: s.kind.label(),
            status: StepStatus::parse(&field(format!("status_{}", s.id)).unwrap_or_default())
                .unwrap_or(s.status)
                .as_str(),
            progress: field(format!("note_{}", s.id)).unwrap_or_default(),
        })
        .collect();
    let themes = d
        .themes
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let pos = field(format!("order_{}", t.id)).and_then(|p| p.parse().ok()).unwrap_or(i + 1);
            (t.id, t.label.clone(), pos)
        })
        .collect();
    let next_default =
        d.checkins.iter().find(|n| n.number == number + 1).map(|n| n.due_on.to_string()).unwrap_or_default();
    let page = CheckinPage {
        chrome: Chrome::of(v, "plans"),
        id,
        number,
        last: number >= plan::CHECKINS,
        version: d.plan.version,
        person_name: person.name,
        due_on: day(c.due_on),
        state_label: checkin_label(uc::checkin_state(&d, c)),
        rows,
        themes,
        status_options: &STATUS_OPTIONS,
        next_due: typed.map(|t| t.next_due.clone()).unwrap_or(next_default),
        what_changed: typed.map(|t| t.what_changed.clone()).unwrap_or_default(),
        review: typed.map(|t| t.review.clone()).unwrap_or_default(),
        errors,
        notice: String::new(),
    };
    render_with(status, &page)
}

/// The check-in form.
pub async fn checkin_form(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path((id, number)): Path<(i64, u32)>,
) -> Result<Response, PageError> {
    checkin_page(&state, &v, id, number, StatusCode::OK, None, Vec::new()).await
}

/// Records a check-in, then shows what changed since the one before.
pub async fn checkin(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path((id, number)): Path<(i64, u32)>,
    PageForm(f): PageForm<CheckinForm>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (d, _, _) = uc::load(store, &v, id, PlanAction::Edit).await?;
    let progress = d
        .steps
        .iter()
        .map(|s| {
            // A step left out of the form keeps its status.
            let status = f.rest.get(&format!("status_{}", s.id)).cloned().unwrap_or_else(|| s.status.as_str().into());
            (s.id, status, f.rest.get(&format!("note_{}", s.id)).cloned().unwrap_or_default())
        })
        .collect();
    let mut order: Vec<(usize, usize, i64)> = Vec::new();
    for (i, t) in d.themes.iter().enumerate() {
        let pos = match f.rest.get(&format!("order_{}", t.id)) {
            Some(p) => p
                .trim()
                .parse::<usize>()
                .map_err(|_| AppError::BadRequest(format!("The position of “{}” must be a number.", t.label))),
            None => Ok(i + 1),
        };
        match pos {
            Ok(p) => order.push((p, i, t.id)),
            Err(e) => {
                return checkin_page(
                    &state,
                    &v,
                    id,
                    number,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&f),
                    vec![e.to_string()],
                )
                .await;
            }
        }
    }
    order.sort();
    let theme_order: Vec<i64> = order.into_iter().map(|(_, _, t)| t).collect();
    let input = uc::CheckinInput {
        number,
        version: f.version,
        progress,
        theme_order: Some(theme_order),
        what_changed: f.what_changed.clone(),
        next_due: f.next_due.clone(),
        review: f.review.clone(),
    };
    match uc::check_in(store, &v, id, input).await {
        Ok(_) => {
            let from = if number <= 1 { "start".to_owned() } else { (number - 1).to_string() };
            Ok(Redirect::to(&format!("/plans/{id}/history?from={from}&to={number}#difference")).into_response())
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Stale)) => {
            let status = if matches!(e, AppError::BadRequest(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            checkin_page(&state, &v, id, number, status, Some(&f), vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ChangeRow {
    when: String,
    who: String,
    summary: String,
    checkin: String,
}

#[derive(Template)]
#[template(path = "plan_history.html")]
struct HistoryPage {
    chrome: Chrome,
    id: i64,
    person_name: String,
    points: Vec<(String, String)>,
    from: String,
    to: String,
    differences: Vec<plan::Difference>,
    changes: Vec<ChangeRow>,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Every change, and the difference between two points (start, a check-in, now).
pub async fn history(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (d, _, person) = uc::load(store, &v, id, PlanAction::View).await?;
    let history = store.plan_history(id).await?;
    let from = Point::parse(&q.from).unwrap_or(Point::Start);
    let to = if q.to.trim().is_empty() { Point::Now } else { Point::parse(&q.to).unwrap_or(Point::Now) };
    let (differences, errors) = match uc::difference(&d, &history, from, to) {
        Ok(diffs) => (diffs, Vec::new()),
        Err(e) => (Vec::new(), vec![e.to_string()]),
    };
    let who: Vec<i64> = history.iter().map(|c| c.person_id).collect();
    let names = store.names(&who).await?;
    let mut points = vec![("start".to_owned(), "Start of the plan".to_owned())];
    for c in d.checkins.iter().filter(|c| c.completed_at.is_some()) {
        points.push((c.number.to_string(), format!("Check-in {} ({})", c.number, day(c.due_on))));
    }
    points.push(("now".into(), "Now".into()));
    let changes = history
        .iter()
        .rev()
        .map(|c| ChangeRow {
            when: c.changed_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            who: names.get(&c.person_id).cloned().unwrap_or_else(|| "someone".into()),
            summary: c.summary.clone(),
            checkin: c
                .checkin_id
                .and_then(|cid| d.checkins.iter().find(|k| k.id == cid))
                .map(|k| format!("Check-in {}", k.number))
                .unwrap_or_default(),
        })
        .collect();
    let page = HistoryPage {
        chrome: Chrome::of(&v, "plans"),
        id,
        person_name: person.name,
        points,
        from: from.value(),
        to: to.value(),
        differences,
        changes,
        errors,
        notice: String::new(),
    };
    render_with(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "plan_print.html")]
struct PrintPage {
    id: i64,
    person_name: String,
    leader_name: String,
    starts_on: String,
    ends_on: String,
    themes: Vec<ThemeView>,
    checkins: Vec<CheckinView>,
    wall: Arc<Picture>,
    review: String,
}

/// The plan on paper: no forms, the wall, every step and check-in.
pub async fn print(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (d, _, person) = uc::load(store, &v, id, PlanAction::View).await?;
    let leader_name = store.person(d.plan.leader_id).await?.map(|p| p.name).unwrap_or_default();
    let (wall, _) = wall_for(&state, &d, &person).await?;
    let themes = theme_views(&d, &quarter_labels(&d), &Retry::default());
    let checkins = checkin_views(&d);
    let page = PrintPage {
        id,
        person_name: person.name,
        leader_name,
        starts_on: day(d.plan.starts_on),
        ends_on: day(d.plan.ends_on),
        themes,
        checkins,
        wall,
        review: d.plan.review.clone(),
    };
    render_with(StatusCode::OK, &page)
}

/// The plan as a Markdown file.
pub async fn markdown(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (d, _, _) = uc::load(store, &v, id, PlanAction::View).await?;
    let names = store.names(&[d.plan.person_id, d.plan.leader_id]).await?;
    let body = uc::markdown(&d, &names);
    Ok((
        [
            (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"growth-plan-{id}.md\"")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use foothold_domain::wall::{Hold, PlannedMove};

    #[test]
    fn quarters_read_as_people_write_them() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 15).expect("date");
        assert_eq!(quarter_label(start, 1), "Q1 · Sep 2026 – Dec 2026");
        assert_eq!(quarter_label(start, 2), "Q2 · Dec 2026 – Mar 2027");
        assert_eq!(quarter_label(start, 4), "Q4 · Jun 2027 – Sep 2027");
    }

    fn wall(status: StepStatus) -> Wall {
        let day = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 1).expect("date");
        Wall {
            holds: vec![Hold { title: "Analyst".into(), department: "Finance".into(), from: day(2022, 1), to: None }],
            moves: vec![PlannedMove {
                kind: StepKind::MoveSideways,
                what: "Six months in Product".into(),
                status,
                target_quarter: 2,
            }],
            current_title: "Analyst".into(),
            current_department: "Finance".into(),
        }
    }

    #[test]
    fn a_wall_is_drawn_once_while_nothing_it_shows_changes() {
        let walls = Walls::default();
        let first = walls.draw(wall(StepStatus::Planned));
        assert_eq!(*first, foothold_domain::wall::draw(&wall(StepStatus::Planned)), "what drawing gives");
        assert!(Arc::ptr_eq(&first, &walls.draw(wall(StepStatus::Planned))), "the same wall: kept");
        let done = walls.draw(wall(StepStatus::Done));
        assert_ne!(first.svg, done.svg, "a step done is drawn anew");
        assert_eq!(*done, foothold_domain::wall::draw(&wall(StepStatus::Done)));
        let mut long = wall(StepStatus::Planned);
        long.moves[0].what = "Six months in Product. ".repeat(400);
        assert!(!Arc::ptr_eq(&walls.draw(long.clone()), &walls.draw(long)), "a wall with long text is not kept");
    }
}
