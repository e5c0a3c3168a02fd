//! Growth plans, their quarterly check-ins, every change to them, and the
//! roles people have held.
//!
//! Every change to a plan goes through one transaction that checks the plan's
//! version, applies the change, bumps the version and records who changed what
//! together with the plan as it stood afterwards. Nothing edits a plan around it.

use chrono::NaiveDate;
use foothold_domain::plan::{
    self, CHECKINS, Snapshot, SnapshotStep, SnapshotTheme, StepDraft, StepKind, StepStatus, checkin_dates,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::{checkin, person, plan as plan_e, plan_change, plan_step, plan_theme, role};
use crate::held::{Fetch, Read};
use crate::lite::Kind;
use crate::{Result, Store, StoreError, Timestamp, now};

/// Whether a plan is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    /// The current year's plan.
    Active,
    /// Reviewed at the end of its year.
    Closed,
}

impl PlanState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Active => "active",
            PlanState::Closed => "closed",
        }
    }
}

/// A growth plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Whose plan it is.
    pub person_id: i64,
    /// The leader who co-created it.
    pub leader_id: i64,
    /// The conversation it came from.
    pub conversation_id: Option<i64>,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Check-ins fall due by this zone's calendar.
    pub time_zone: String,
    /// Active or closed.
    pub state: PlanState,
    /// The year-end review.
    pub review: String,
    /// Bumped on every change.
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A priority theme of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTheme {
    /// Id.
    pub id: i64,
    /// Order among the plan's themes, from 0.
    pub position: i32,
    /// The theme's key (taxonomy id, organisation theme or a slug).
    pub key: String,
    /// What people call it.
    pub label: String,
    /// Set aside at a check-in.
    pub dropped: bool,
}

/// A growth step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Id.
    pub id: i64,
    /// Its priority theme.
    pub theme_id: i64,
    /// Kind.
    pub kind: StepKind,
    /// What it is.
    pub what: String,
    /// How we will know.
    pub signal: String,
    /// What the leader gives.
    pub support: String,
    /// Quarter of the plan's year, 1 to 4.
    pub target_quarter: u32,
    /// Status.
    pub status: StepStatus,
    /// The latest progress note.
    pub progress: String,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A quarterly check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkin {
    /// Id.
    pub id: i64,
    /// The plan.
    pub plan_id: i64,
    /// 1 to 4.
    pub number: u32,
    /// When it falls due.
    pub due_on: NaiveDate,
    /// When it was held.
    pub completed_at: Option<Timestamp>,
    /// Who recorded it.
    pub completed_by: Option<i64>,
    /// What changed, in the two people's words.
    pub what_changed: String,
}

/// A plan with everything in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDetail {
    /// The plan.
    pub plan: Plan,
    /// Priority themes in order.
    pub themes: Vec<PlanTheme>,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// The four check-ins.
    pub checkins: Vec<Checkin>,
}

impl PlanDetail {
    /// The plan as the history keeps it.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            themes: self
                .themes
                .iter()
                .map(|t| SnapshotTheme { id: t.id, label: t.label.clone(), dropped: t.dropped })
                .collect(),
            steps: self
                .steps
                .iter()
                .map(|s| SnapshotStep {
                    id: s.id,
                    theme_id: s.theme_id,
                    kind: s.kind,
                    what: s.what.clone(),
                    signal: s.signal.clone(),
                    support: s.support.clone(),
                    target_quarter: s.target_quarter,
                    status: s.status,
                    progress: s.progress.clone(),
                })
                .collect(),
            ends_on: Some(self.plan.ends_on),
        }
    }

    /// The first check-in not yet held.
    pub fn next_checkin(&self) -> Option<&Checkin> {
        self.checkins.iter().find(|c| c.completed_at.is_none())
    }
}

/// One change in a plan's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    /// Id, increasing with time.
    pub id: i64,
    /// Who changed it.
    pub person_id: i64,
    /// When.
    pub changed_at: Timestamp,
    /// The check-in it was part of.
    pub checkin_id: Option<i64>,
    /// What changed, in words.
    pub summary: String,
    /// The plan afterwards.
    pub snapshot: Snapshot,
}

/// A plan to start.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Whose.
    pub person_id: i64,
    /// Co-creating leader.
    pub leader_id: i64,
    /// Source conversation.
    pub conversation_id: Option<i64>,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Zone for due dates.
    pub time_zone: String,
    /// Priority themes (key, label), in order.
    pub themes: Vec<(String, String)>,
}

/// One change to a plan.
#[derive(Debug, Clone)]
pub enum PlanEdit {
    /// Move the plan's end.
    SetEnd(NaiveDate),
    /// Add a priority theme at the end.
    AddTheme {
        /// Key.
        key: String,
        /// Label.
        label: String,
    },
    /// Rename a theme.
    RenameTheme {
        /// Theme.
        theme_id: i64,
        /// New label.
        label: String,
    },
    /// Drop a theme, or take it up again.
    DropTheme {
        /// Theme.
        theme_id: i64,
        /// Dropped or not.
        dropped: bool,
    },
    /// Put the themes in this order (every theme id, once).
    OrderThemes(Vec<i64>),
    /// Add a step under a theme.
    AddStep {
        /// Theme.
        theme_id: i64,
        /// The step.
        step: StepDraft,
    },
    /// Rewrite a step.
    UpdateStep {
        /// Step.
        step_id: i64,
        /// Its new content.
        step: StepDraft,
    },
}

/// What an edit produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edited {
    /// The plan's new version.
    pub version: i64,
    /// The id of what was added, if anything.
    pub created: Option<i64>,
}

/// Progress on one step, recorded at a check-in.
#[derive(Debug, Clone)]
pub struct StepProgress {
    /// Step.
    pub step_id: i64,
    /// Its status now.
    pub status: StepStatus,
    /// A note (kept when empty).
    pub note: String,
}

/// A check-in as the two people record it.
#[derive(Debug, Clone)]
pub struct CheckinRecord {
    /// Which check-in (1 to 4).
    pub number: u32,
    /// Progress per step.
    pub progress: Vec<StepProgress>,
    /// New order of the themes, if changed.
    pub theme_order: Option<Vec<i64>>,
    /// What changed.
    pub what_changed: String,
    /// Move the next check-in to this date.
    pub next_due: Option<NaiveDate>,
    /// The year-end review (the last check-in), which closes the plan.
    pub review: Option<String>,
}

/// A role someone held or holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Id.
    pub id: i64,
    /// Whose.
    pub person_id: i64,
    /// Title.
    pub title: String,
    /// Department.
    pub department: String,
    /// From.
    pub started_on: NaiveDate,
    /// Until; none while current.
    pub ended_on: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: i64,
}

/// A role to record.
#[derive(Debug, Clone)]
pub struct NewRole {
    /// Whose.
    pub person_id: i64,
    /// Title.
    pub title: String,
    /// Department.
    pub department: String,
    /// From.
    pub started_on: NaiveDate,
    /// Until; none for the current role.
    pub ended_on: Option<NaiveDate>,
}

fn to_plan(m: plan_e::Model) -> Plan {
    Plan {
        id: m.id,
        person_id: m.person_id,
        leader_id: m.leader_id,
        conversation_id: m.conversation_id,
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        time_zone: m.time_zone,
        state: if m.state == "closed" { PlanState::Closed } else { PlanState::Active },
        review: m.review,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn to_step(m: plan_step::Model) -> Step {
    Step {
        id: m.id,
        theme_id: m.theme_id,
        kind: StepKind::parse(&m.kind).unwrap_or(StepKind::DeepenExpertise),
        what: m.what,
        signal: m.signal,
        support: m.support,
        target_quarter: m.target_quarter.clamp(1, 4) as u32,
        status: StepStatus::parse(&m.status).unwrap_or(StepStatus::Planned),
        progress: m.progress,
        updated_at: m.updated_at,
    }
}

fn to_checkin(m: checkin::Model) -> Checkin {
    Checkin {
        id: m.id,
        plan_id: m.plan_id,
        number: Ord::max(m.number, 0) as u32,
        due_on: m.due_on,
        completed_at: m.completed_at,
        completed_by: m.completed_by,
        what_changed: m.what_changed,
    }
}

fn to_change(m: plan_change::Model) -> PlanChange {
    PlanChange {
        id: m.id,
        person_id: m.person_id,
        changed_at: m.changed_at,
        checkin_id: m.checkin_id,
        summary: m.summary,
        // Written by this module from a `Snapshot`; an unreadable one shows as empty rather than failing the page.
        snapshot: serde_json::from_str(&m.snapshot).unwrap_or_default(),
    }
}

fn to_role(m: role::Model) -> Role {
    Role {
        id: m.id,
        person_id: m.person_id,
        title: m.title,
        department: m.department,
        started_on: m.started_on,
        ended_on: m.ended_on,
        recorded_by: m.recorded_by,
    }
}

fn unique_violation(e: &sea_orm::DbErr) -> bool {
    let s = e.to_string().to_lowercase();
    s.contains("unique") || s.contains("duplicate key")
}

async fn detail_in(db: &impl Fetch, id: i64) -> Result<Option<PlanDetail>> {
    let Some(p) = plan_row(db, id).await? else {
        return Ok(None);
    };
    let parts = parts_in(db, id).await?;
    Ok(Some(PlanDetail { plan: to_plan(p), themes: parts.themes, steps: parts.steps, checkins: parts.checkins }))
}

async fn plan_row(db: &impl Fetch, id: i64) -> Result<Option<plan_e::Model>> {
    let sql = select!(plan_e::Model, "plans", "WHERE id = ?1");
    let read = Read { sql, values: &[id.into()], one: true };
    Ok(db.fetch(read, |c| plan_e::Model::from_cols(c, 0)).await?.pop())
}

/// What a plan holds besides its own row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts {
    themes: Vec<PlanTheme>,
    steps: Vec<Step>,
    checkins: Vec<Checkin>,
}

async fn parts_in(db: &impl Fetch, id: i64) -> Result<Parts> {
    let values = [id.into()];
    let read = |sql, one| Read { sql, values: &values, one };
    let themes = select!(plan_theme::Model, "plan_themes", "WHERE plan_id = ?1 ORDER BY position, id");
    let themes = db
        .fetch(read(themes, false), |c| plan_theme::Model::from_cols(c, 0))
        .await?
        .into_iter()
        .map(|t| PlanTheme { id: t.id, position: t.position, key: t.theme_key, label: t.label, dropped: t.dropped })
        .collect();
    let steps = select!(plan_step::Model, "plan_steps", "WHERE plan_id = ?1 ORDER BY position, id");
    let steps =
        db.fetch(read(steps, false), |c| plan_step::Model::from_cols(c, 0)).await?.into_iter().map(to_step).collect();
    let checkins = select!(checkin::Model, "checkins", "WHERE plan_id = ?1 ORDER BY number");
    let checkins = db
        .fetch(read(checkins, false), |c| checkin::Model::from_cols(c, 0))
        .await?
        .into_iter()
        .map(to_checkin)
        .collect();
    Ok(Parts { themes, steps, checkins })
}

/// The themes, steps and check-ins of plans read lately, by plan, with the
/// version (and the time of the change that took it) they belong to. Every
/// change to them takes the plan's next version in the same transaction (see
/// the module's head), so an entry is right while its stamp is the one the
/// plan row says, and is never found again after. The time guards against a
/// version number met again after a database was put back from a backup.
/// Reading them was three of a plan page's seven statements.
pub(crate) type PlanParts = crate::memory::Memory<i64, Stamp, Parts>;

/// A plan's version and when it was taken.
type Stamp = (i64, Timestamp);

/// Takes the plan's next version if `expected` is still current (`None`:
/// additions, which cannot overwrite anyone's work, skip the check).
async fn bump(txn: &DatabaseTransaction, plan_id: i64, expected: Option<i64>) -> Result<i64> {
    let p = plan_e::Entity::find_by_id(plan_id).one(txn).await?.ok_or(StoreError::NotFound)?;
    if p.state != PlanState::Active.as_str() {
        return Err(StoreError::Conflict(
            "This plan's year has been reviewed and closed; it can no longer change.".into(),
        ));
    }
    let expected = expected.unwrap_or(p.version);
    // Before the sum below: a made-up version (even the largest number) is
    // simply not the current one.
    if expected != p.version {
        return Err(StoreError::Stale);
    }
    let res = plan_e::Entity::update_many()
        .col_expr(plan_e::Column::Version, Expr::value(expected + 1))
        .col_expr(plan_e::Column::UpdatedAt, Expr::value(now()))
        .filter(plan_e::Column::Id.eq(plan_id))
        .filter(plan_e::Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Stale);
    }
    Ok(expected + 1)
}

/// Records the change from `before` to the plan as it now stands. An edit
/// that changes nothing leaves no entry.
async fn record(
    txn: &DatabaseTransaction,
    plan_id: i64,
    by: i64,
    before: &Snapshot,
    checkin_id: Option<i64>,
    fallback: &str,
) -> Result<bool> {
    let after = detail_in(txn, plan_id).await?.ok_or(StoreError::NotFound)?.snapshot();
    let differences = plan::compare(before, &after);
    if differences.is_empty() && checkin_id.is_none() {
        return Ok(false);
    }
    let summary = if differences.is_empty() {
        fallback.to_owned()
    } else {
        differences.iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join(" ")
    };
    plan_change::ActiveModel {
        id: NotSet,
        plan_id: Set(plan_id),
        person_id: Set(by),
        changed_at: Set(now()),
        checkin_id: Set(checkin_id),
        summary: Set(summary),
        snapshot: Set(serde_json::to_string(&after).map_err(|e| StoreError::Conflict(e.to_string()))?),
    }
    .insert(txn)
    .await?;
    Ok(true)
}

async fn theme_of(txn: &DatabaseTransaction, plan_id: i64, theme_id: i64) -> Result<plan_theme::Model> {
    plan_theme::Entity::find_by_id(theme_id)
        .filter(plan_theme::Column::PlanId.eq(plan_id))
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn step_of(txn: &DatabaseTransaction, plan_id: i64, step_id: i64) -> Result<plan_step::Model> {
    plan_step::Entity::find_by_id(step_id)
        .filter(plan_step::Column::PlanId.eq(plan_id))
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn order_themes(txn: &DatabaseTransaction, plan_id: i64, order: &[i64]) -> Result<()> {
    let current: Vec<i64> = plan_theme::Entity::find()
        .filter(plan_theme::Column::PlanId.eq(plan_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let mut a = current.clone();
    let mut b = order.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        return Err(StoreError::Conflict("The new order must list every theme of the plan exactly once.".into()));
    }
    for (pos, id) in order.iter().enumerate() {
        plan_theme::Entity::update_many()
            .col_expr(plan_theme::Column::Position, Expr::value(pos as i32))
            .filter(plan_theme::Column::Id.eq(*id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

fn step_model(plan_id: i64, theme_id: i64, position: i32, s: &StepDraft) -> plan_step::ActiveModel {
    plan_step::ActiveModel {
        id: NotSet,
        plan_id: Set(plan_id),
        theme_id: Set(theme_id),
        position: Set(position),
        kind: Set(s.kind.as_str().to_owned()),
        what: Set(s.what.clone()),
        signal: Set(s.signal.clone()),
        support: Set(s.support.clone()),
        target_quarter: Set(s.target_quarter as i32),
        status: Set(s.status.as_str().to_owned()),
        progress: Set(String::new()),
        updated_at: Set(now()),
    }
}

impl Store {
    /// Starts a plan with its four check-ins. Refused with a conflict when the
    /// person already has an active plan.
    pub async fn create_plan(&self, new: &NewPlan, by: i64) -> Result<Plan> {
        let txn = self.write_txn().await?;
        let at = now();
        let inserted = plan_e::ActiveModel {
            id: NotSet,
            person_id: Set(new.person_id),
            leader_id: Set(new.leader_id),
            conversation_id: Set(new.conversation_id),
            starts_on: Set(new.starts_on),
            ends_on: Set(new.ends_on),
            time_zone: Set(new.time_zone.clone()),
            state: Set(PlanState::Active.as_str().to_owned()),
            review: Set(String::new()),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            closed_at: Set(None),
        }
        .insert(&txn)
        .await;
        let p = match inserted {
            Ok(p) => p,
            Err(e) if unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "There is already an active growth plan for this person: revisit it, or close it with its year-end review first.".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        for (pos, (key, label)) in new.themes.iter().enumerate() {
            plan_theme::ActiveModel {
                id: NotSet,
                plan_id: Set(p.id),
                position: Set(pos as i32),
                theme_key: Set(key.clone()),
                label: Set(label.clone()),
                dropped: Set(false),
            }
            .insert(&txn)
            .await?;
        }
        for (i, due) in checkin_dates(new.starts_on).into_iter().enumerate() {
            checkin::ActiveModel {
                id: NotSet,
                plan_id: Set(p.id),
                number: Set(i as i32 + 1),
                due_on: Set(due),
                completed_at: Set(None),
                completed_by: Set(None),
                what_changed: Set(String::new()),
            }
            .insert(&txn)
            .await?;
        }
        let after = detail_in(&txn, p.id).await?.ok_or(StoreError::NotFound)?.snapshot();
        plan_change::ActiveModel {
            id: NotSet,
            plan_id: Set(p.id),
            person_id: Set(by),
            changed_at: Set(at),
            checkin_id: Set(None),
            summary: Set("Plan started.".into()),
            snapshot: Set(serde_json::to_string(&after).map_err(|e| StoreError::Conflict(e.to_string()))?),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(to_plan(p))
    }

    /// A plan.
    pub async fn plan(&self, id: i64) -> Result<Option<Plan>> {
        Ok(plan_e::Entity::find_by_id(id).one(&self.db).await?.map(to_plan))
    }

    /// A plan with its themes, steps and check-ins.
    pub async fn plan_detail(&self, id: i64) -> Result<Option<PlanDetail>> {
        let Some(p) = plan_row(&self.db, id).await? else {
            return Ok(None);
        };
        let stamp = (p.version, p.updated_at);
        let parts = match self.plan_parts.get(&id, &stamp) {
            Some(parts) => {
                #[cfg(debug_assertions)]
                self.check_remembered(id, stamp, &parts).await?;
                parts
            }
            None => {
                let parts = std::sync::Arc::new(parts_in(&self.db, id).await?);
                self.plan_parts.keep(id, stamp, parts.clone());
                parts
            }
        };
        let Parts { themes, steps, checkins } = Parts::clone(&parts);
        Ok(Some(PlanDetail { plan: to_plan(p), themes, steps, checkins }))
    }

    /// In debug builds (every test), a remembered plan is read again and must
    /// be what the database holds at its version: a change that skipped the
    /// version would show here rather than as a stale page.
    #[cfg(debug_assertions)]
    async fn check_remembered(&self, id: i64, stamp: Stamp, parts: &Parts) -> Result<()> {
        let fresh = parts_in(&self.db, id).await?;
        // Only meaningful while the version is still the same (a write may have
        // committed between the reads on PostgreSQL).
        let still = plan_row(&self.db, id).await?.is_some_and(|p| (p.version, p.updated_at) == stamp);
        assert!(
            !still || fresh == *parts,
            "plan {id} changed without taking a new version: remembered {parts:?}, stored {fresh:?}"
        );
        Ok(())
    }

    /// A person's plans, newest first.
    pub async fn plans_of(&self, person_id: i64) -> Result<Vec<Plan>> {
        Ok(plan_e::Entity::find()
            .filter(plan_e::Column::PersonId.eq(person_id))
            .order_by_desc(plan_e::Column::StartsOn)
            .order_by_desc(plan_e::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_plan)
            .collect())
    }

    /// The active plans of these people.
    pub async fn active_plans_of(&self, people: &[i64]) -> Result<Vec<Plan>> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM plans WHERE person_id IN ({}) AND state = ?{} ORDER BY id",
            sql_once!("{}", plan_e::Model::columns("")),
            crate::marks(1, people.len()),
            people.len() + 1
        );
        let mut values: Vec<sea_orm::Value> = people.iter().map(|&id| id.into()).collect();
        values.push(PlanState::Active.as_str().into());
        let read = Read { sql: &sql, values: &values, one: false };
        Ok(self.db.fetch(read, |c| plan_e::Model::from_cols(c, 0)).await?.into_iter().map(to_plan).collect())
    }

    /// When each of these people's latest plan started (any state), in one query.
    pub async fn latest_plan_starts(&self, people: &[i64]) -> Result<std::collections::HashMap<i64, NaiveDate>> {
        let mut out = std::collections::HashMap::new();
        if people.is_empty() {
            return Ok(out);
        }
        let rows =
            plan_e::Entity::find().filter(plan_e::Column::PersonId.is_in(people.iter().copied())).all(&self.db).await?;
        for p in rows {
            let e = out.entry(p.person_id).or_insert(p.starts_on);
            if p.starts_on > *e {
                *e = p.starts_on;
            }
        }
        Ok(out)
    }

    /// What the home page's pulse prompt needs, in one read: whether the
    /// person answered the pulse of `quarter`, and whether any of their plans
    /// had a check-in held since `since`.
    pub async fn pulse_prompt_facts(&self, person_id: i64, quarter: &str, since: Timestamp) -> Result<(bool, bool)> {
        let backend = self.backend();
        let stmt = sea_orm::Statement::from_sql_and_values(
            backend,
            crate::sql(
                backend,
                "SELECT EXISTS (SELECT 1 FROM pulse_responses WHERE person_id = $1 AND quarter = $2) AS answered, \
                        EXISTS (SELECT 1 FROM checkins c JOIN plans p ON p.id = c.plan_id \
                                WHERE p.person_id = $1 AND c.completed_at >= $3) AS held",
            ),
            [person_id.into(), quarter.into(), since.into()],
        );
        let row = self.db.query_one_computed(stmt, &[("answered", Kind::Bool), ("held", Kind::Bool)]).await?;
        match row {
            Some(r) => Ok((r.try_get::<bool>("", "answered")?, r.try_get::<bool>("", "held")?)),
            None => Ok((false, false)),
        }
    }

    /// The plan started from a conversation, if any.
    pub async fn plan_from_conversation(&self, conversation_id: i64) -> Result<Option<Plan>> {
        Ok(plan_e::Entity::find()
            .filter(plan_e::Column::ConversationId.eq(conversation_id))
            .one(&self.db)
            .await?
            .map(to_plan))
    }

    /// Check-ins not yet held, of these plans, earliest first.
    pub async fn open_checkins(&self, plans: &[i64]) -> Result<Vec<Checkin>> {
        if plans.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM checkins WHERE plan_id IN ({}) AND completed_at IS NULL ORDER BY due_on",
            sql_once!("{}", checkin::Model::columns("")),
            crate::marks(1, plans.len())
        );
        let values: Vec<sea_orm::Value> = plans.iter().map(|&id| id.into()).collect();
        let read = Read { sql: &sql, values: &values, one: false };
        Ok(self.db.fetch(read, |c| checkin::Model::from_cols(c, 0)).await?.into_iter().map(to_checkin).collect())
    }

    /// Applies one change if the plan is still at `expected_version` (`None`
    /// for additions), and records it in the history.
    pub async fn edit_plan(
        &self,
        plan_id: i64,
        expected_version: Option<i64>,
        by: i64,
        edit: &PlanEdit,
    ) -> Result<Edited> {
        let txn = self.write_txn().await?;
        let before = detail_in(&txn, plan_id).await?.ok_or(StoreError::NotFound)?;
        let version = bump(&txn, plan_id, expected_version).await?;
        let mut created = None;
        match edit {
            PlanEdit::SetEnd(end) => {
                plan::check_window(before.plan.starts_on, *end).map_err(|p| StoreError::Conflict(p.reason))?;
                plan_e::Entity::update_many()
                    .col_expr(plan_e::Column::EndsOn, Expr::value(*end))
                    .filter(plan_e::Column::Id.eq(plan_id))
                    .exec(&txn)
                    .await?;
            }
            PlanEdit::AddTheme { key, label } => {
                let t = plan_theme::ActiveModel {
                    id: NotSet,
                    plan_id: Set(plan_id),
                    position: Set(before.themes.iter().map(|t| t.position + 1).max().unwrap_or(0)),
                    theme_key: Set(key.clone()),
                    label: Set(label.clone()),
                    dropped: Set(false),
                }
                .insert(&txn)
                .await?;
                created = Some(t.id);
            }
            PlanEdit::RenameTheme { theme_id, label } => {
                let t = theme_of(&txn, plan_id, *theme_id).await?;
                let mut m: plan_theme::ActiveModel = t.into();
                m.label = Set(label.clone());
                m.update(&txn).await?;
            }
            PlanEdit::DropTheme { theme_id, dropped } => {
                let t = theme_of(&txn, plan_id, *theme_id).await?;
                let mut m: plan_theme::ActiveModel = t.into();
                m.dropped = Set(*dropped);
                m.update(&txn).await?;
            }
            PlanEdit::OrderThemes(order) => order_themes(&txn, plan_id, order).await?,
            PlanEdit::AddStep { theme_id, step } => {
                theme_of(&txn, plan_id, *theme_id).await?;
                let position = before.steps.len() as i32;
                let s = step_model(plan_id, *theme_id, position, step).insert(&txn).await?;
                created = Some(s.id);
            }
            PlanEdit::UpdateStep { step_id, step } => {
                let s = step_of(&txn, plan_id, *step_id).await?;
                let mut m: plan_step::ActiveModel = s.into();
                m.kind = Set(step.kind.as_str().to_owned());
                m.what = Set(step.what.clone());
                m.signal = Set(step.signal.clone());
                m.support = Set(step.support.clone());
                m.target_quarter = Set(step.target_quarter as i32);
                m.status = Set(step.status.as_str().to_owned());
                m.updated_at = Set(now());
                m.update(&txn).await?;
            }
        }
        record(&txn, plan_id, by, &before.snapshot(), None, "").await?;
        txn.commit().await?;
        Ok(Edited { version, created })
    }

    /// Records a check-in in one transaction: progress on each step, the new
    /// order of the themes, what changed, the next check-in's date, and at
    /// the last one the year-end review, which closes the plan. Check-ins are
    /// held in order.
    pub async fn complete_checkin(
        &self,
        plan_id: i64,
        expected_version: i64,
        by: i64,
        rec: &CheckinRecord,
    ) -> Result<i64> {
        let txn = self.write_txn().await?;
        let before = detail_in(&txn, plan_id).await?.ok_or(StoreError::NotFound)?;
        let Some(next) = before.next_checkin().cloned() else {
            return Err(StoreError::Conflict("Every check-in of this plan has been held.".into()));
        };
        if next.number != rec.number {
            let c = before.checkins.iter().find(|c| c.number == rec.number).ok_or(StoreError::NotFound)?;
            return Err(StoreError::Conflict(if c.completed_at.is_some() {
                format!("Check-in {} has already been held.", rec.number)
            } else {
                format!("Check-in {} comes first.", next.number)
            }));
        }
        let version = bump(&txn, plan_id, Some(expected_version)).await?;
        for p in &rec.progress {
            let s = step_of(&txn, plan_id, p.step_id).await?;
            let mut m: plan_step::ActiveModel = s.clone().into();
            crate::set_if_changed(&mut m.status, &s.status, p.status.as_str().to_owned());
            if !p.note.is_empty() {
                crate::set_if_changed(&mut m.progress, &s.progress, p.note.clone());
            }
            if m.is_changed() {
                m.updated_at = Set(now());
                m.update(&txn).await?;
            }
        }
        if let Some(order) = &rec.theme_order {
            order_themes(&txn, plan_id, order).await?;
        }
        let last = rec.number >= CHECKINS;
        if let Some(due) = rec.next_due
            && !last
        {
            if due <= next.due_on || due > before.plan.ends_on {
                return Err(StoreError::Conflict(format!(
                    "The next check-in must fall after {} and by the plan's end, {}.",
                    next.due_on, before.plan.ends_on
                )));
            }
            checkin::Entity::update_many()
                .col_expr(checkin::Column::DueOn, Expr::value(due))
                .filter(checkin::Column::PlanId.eq(plan_id))
                .filter(checkin::Column::Number.eq(rec.number as i32 + 1))
                .exec(&txn)
                .await?;
        }
        checkin::Entity::update_many()
            .col_expr(checkin::Column::CompletedAt, Expr::value(Some(now())))
            .col_expr(checkin::Column::CompletedBy, Expr::value(Some(by)))
            .col_expr(checkin::Column::WhatChanged, Expr::value(rec.what_changed.clone()))
            .filter(checkin::Column::Id.eq(next.id))
            .exec(&txn)
            .await?;
        if last {
            plan_e::Entity::update_many()
                .col_expr(plan_e::Column::State, Expr::value(PlanState::Closed.as_str()))
                .col_expr(plan_e::Column::Review, Expr::value(rec.review.clone().unwrap_or_default()))
                .col_expr(plan_e::Column::ClosedAt, Expr::value(Some(now())))
                .filter(plan_e::Column::Id.eq(plan_id))
                .exec(&txn)
                .await?;
        }
        let fallback = if last {
            "Year-end review held.".to_owned()
        } else {
            format!("Check-in {} held; nothing changed.", rec.number)
        };
        record(&txn, plan_id, by, &before.snapshot(), Some(next.id), &fallback).await?;
        txn.commit().await?;
        Ok(version)
    }

    /// Every change to a plan, oldest first.
    pub async fn plan_history(&self, plan_id: i64) -> Result<Vec<PlanChange>> {
        Ok(plan_change::Entity::find()
            .filter(plan_change::Column::PlanId.eq(plan_id))
            .order_by_asc(plan_change::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_change)
            .collect())
    }

    /// Roles a person has held, earliest first.
    pub async fn roles_of(&self, person_id: i64) -> Result<Vec<Role>> {
        let sql = select!(role::Model, "roles", "WHERE person_id = ?1 ORDER BY started_on, id");
        let read = Read { sql, values: &[person_id.into()], one: false };
        Ok(self.db.fetch(read, |c| role::Model::from_cols(c, 0)).await?.into_iter().map(to_role).collect())
    }

    /// Records a role. A current role (no end) ends any other open role the
    /// day before it starts and becomes the person's title and department.
    pub async fn record_role(&self, new: &NewRole, by: i64) -> Result<Role> {
        if new.ended_on.is_some_and(|end| end < new.started_on) {
            return Err(StoreError::Conflict("A role cannot end before it starts.".into()));
        }
        let txn = self.write_txn().await?;
        person::Entity::find_by_id(new.person_id).one(&txn).await?.ok_or(StoreError::NotFound)?;
        if new.ended_on.is_none() {
            let day_before = new.started_on.pred_opt().unwrap_or(new.started_on);
            role::Entity::update_many()
                .col_expr(role::Column::EndedOn, Expr::value(Some(day_before)))
                .filter(role::Column::PersonId.eq(new.person_id))
                .filter(role::Column::EndedOn.is_null())
                .filter(role::Column::StartedOn.lt(new.started_on))
                .exec(&txn)
                .await?;
            let department_id = Self::department_id(&txn, &new.department).await?;
            person::Entity::update_many()
                .col_expr(person::Column::Title, Expr::value(new.title.clone()))
                .col_expr(person::Column::DepartmentId, Expr::value(department_id))
                .col_expr(person::Column::Version, Expr::col(person::Column::Version).add(1))
                .col_expr(person::Column::UpdatedAt, Expr::value(now()))
                .filter(person::Column::Id.eq(new.person_id))
                .exec(&txn)
                .await?;
        }
        let r = role::ActiveModel {
            id: NotSet,
            person_id: Set(new.person_id),
            title: Set(new.title.clone()),
            department: Set(new.department.clone()),
            started_on: Set(new.started_on),
            ended_on: Set(new.ended_on),
            recorded_by: Set(by),
            recorded_at: Set(now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(to_role(r))
    }
}
