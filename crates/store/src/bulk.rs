//! Bulk loading of synthetic history (the demo generator's three years for
//! load tests and benchmarks): many rows per statement, one transaction.
//! Not used on any request path.

use chrono::NaiveDate;
use foothold_domain::plan::{self, StepKind, StepStatus};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, Value};

use crate::{Result, Store, StoreError, Timestamp, now};

/// A pulse answer to load.
#[derive(Debug, Clone)]
pub struct PulseSeed {
    /// Who.
    pub person_id: i64,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// Department then.
    pub department_id: Option<i64>,
    /// Managers then, direct first.
    pub leaders: Vec<i64>,
    /// 1–5 each.
    pub scores: [u8; 5],
    /// 0–10.
    pub enps: u8,
    /// When.
    pub answered_at: Timestamp,
}

/// A held career conversation to load (no questions or answers).
#[derive(Debug, Clone)]
pub struct ConversationSeed {
    /// The report.
    pub report_id: i64,
    /// The leader.
    pub leader_id: i64,
    /// When it was held.
    pub at: Timestamp,
}

/// A growth plan to load.
#[derive(Debug, Clone)]
pub struct PlanSeed {
    /// Whose.
    pub person_id: i64,
    /// Leader.
    pub leader_id: i64,
    /// First day.
    pub starts_on: NaiveDate,
    /// Its one priority theme.
    pub theme: String,
    /// Steps: kind, what, status, quarter.
    pub steps: Vec<(StepKind, String, StepStatus, u32)>,
    /// How many check-ins were held (4 closes the plan).
    pub checkins_held: u32,
}

/// A quarter's performance rating to load.
#[derive(Debug, Clone)]
pub struct RatingSeed {
    /// Whose.
    pub person_id: i64,
    /// Who rated.
    pub leader_id: i64,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// 1–5.
    pub rating: u8,
}

/// Everything to load.
#[derive(Debug, Clone, Default)]
pub struct HistorySeed {
    /// Pulse answers.
    pub pulses: Vec<PulseSeed>,
    /// Held conversations.
    pub conversations: Vec<ConversationSeed>,
    /// Plans.
    pub plans: Vec<PlanSeed>,
    /// Ratings.
    pub ratings: Vec<RatingSeed>,
}

/// Rows per INSERT: well under SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 400;

async fn insert_rows(txn: &DatabaseTransaction, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<()> {
    let backend = txn.get_database_backend();
    for chunk in rows.chunks(CHUNK) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for (r, row) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", values.len() + 1));
                values.push(row.get(c).cloned().unwrap_or(Value::String(None)));
            }
            sql.push(')');
        }
        txn.execute_raw(Statement::from_sql_and_values(backend, crate::sql(backend, &sql), values)).await?;
    }
    Ok(())
}

async fn returning_id(txn: &DatabaseTransaction, sql: &str, values: Vec<Value>) -> Result<i64> {
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(backend, crate::sql(backend, sql), values))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("", "id")?)
}

impl Store {
    /// Loads synthetic history in one transaction.
    pub async fn import_history(&self, seed: &HistorySeed) -> Result<()> {
        let txn = self.write_txn().await?;
        let pulses = seed
            .pulses
            .iter()
            .map(|p| {
                let s = p.scores.map(|x| Value::from(i32::from(x)));
                vec![
                    p.person_id.into(),
                    p.quarter.clone().into(),
                    p.department_id.into(),
                    p.leaders.iter().map(i64::to_string).collect::<Vec<_>>().join(",").into(),
                    s[0].clone(),
                    s[1].clone(),
                    s[2].clone(),
                    s[3].clone(),
                    s[4].clone(),
                    i32::from(p.enps).into(),
                    p.answered_at.into(),
                ]
            })
            .collect();
        insert_rows(
            &txn,
            "pulse_responses",
            &[
                "person_id",
                "quarter",
                "department_id",
                "leaders",
                "energy",
                "strengths",
                "path",
                "ownership",
                "support",
                "enps",
                "answered_at",
            ],
            pulses,
        )
        .await?;
        let at = now();
        let conversations = seed
            .conversations
            .iter()
            .map(|c| {
                vec![
                    c.report_id.into(),
                    c.leader_id.into(),
                    c.at.into(),
                    "Europe/London".into(),
                    60i32.into(),
                    6i32.into(),
                    crate::BUILTIN_SET_NAME.into(),
                    "held".into(),
                    at.into(),
                    at.into(),
                    c.at.into(),
                ]
            })
            .collect();
        insert_rows(
            &txn,
            "conversations",
            &[
                "report_id",
                "leader_id",
                "scheduled_at",
                "time_zone",
                "duration_minutes",
                "window_months",
                "set_name",
                "state",
                "created_at",
                "updated_at",
                "held_at",
            ],
            conversations,
        )
        .await?;
        let ratings = seed
            .ratings
            .iter()
            .map(|r| {
                vec![
                    r.person_id.into(),
                    r.leader_id.into(),
                    r.quarter.clone().into(),
                    i32::from(r.rating).into(),
                    at.into(),
                    at.into(),
                ]
            })
            .collect();
        insert_rows(
            &txn,
            "performance_views",
            &["person_id", "leader_id", "quarter", "rating", "created_at", "updated_at"],
            ratings,
        )
        .await?;
        let mut steps = Vec::new();
        let mut checkins = Vec::new();
        let mut changes = Vec::new();
        for p in &seed.plans {
            let closed = p.checkins_held >= plan::CHECKINS;
            let plan_id = returning_id(
                &txn,
                "INSERT INTO plans (person_id, leader_id, starts_on, ends_on, time_zone, state, version, created_at, updated_at, closed_at) \
                 VALUES ($1, $2, $3, $4, 'Europe/London', $5, 1, $6, $6, $7) RETURNING id",
                vec![
                    p.person_id.into(),
                    p.leader_id.into(),
                    p.starts_on.into(),
                    plan::default_end(p.starts_on).into(),
                    if closed { "closed" } else { "active" }.into(),
                    at.into(),
                    if closed { Some(at) } else { None }.into(),
                ],
            )
            .await?;
            let theme_id = returning_id(
                &txn,
                "INSERT INTO plan_themes (plan_id, position, theme_key, label, dropped) VALUES ($1, 0, $2, $3, $4) RETURNING id",
                vec![plan_id.into(), p.theme.to_lowercase().into(), p.theme.clone().into(), false.into()],
            )
            .await?;
            for (i, (kind, what, status, quarter)) in p.steps.iter().enumerate() {
                steps.push(vec![
                    plan_id.into(),
                    theme_id.into(),
                    (i as i32).into(),
                    kind.as_str().into(),
                    what.clone().into(),
                    (*quarter as i32).into(),
                    status.as_str().into(),
                    at.into(),
                ]);
            }
            for (i, due) in plan::checkin_dates(p.starts_on).into_iter().enumerate() {
                let held = (i as u32) < p.checkins_held;
                checkins.push(vec![
                    plan_id.into(),
                    (i as i32 + 1).into(),
                    due.into(),
                    if held { Some(at) } else { None }.into(),
                    if held { Some(p.leader_id) } else { None }.into(),
                ]);
            }
            changes.push(vec![
                plan_id.into(),
                p.leader_id.into(),
                at.into(),
                "Plan started.".into(),
                r#"{"themes":[],"steps":[]}"#.into(),
            ]);
        }
        insert_rows(
            &txn,
            "plan_steps",
            &["plan_id", "theme_id", "position", "kind", "what", "target_quarter", "status", "updated_at"],
            steps,
        )
        .await?;
        insert_rows(&txn, "checkins", &["plan_id", "number", "due_on", "completed_at", "completed_by"], checkins)
            .await?;
        insert_rows(&txn, "plan_changes", &["plan_id", "person_id", "changed_at", "summary", "snapshot"], changes)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}
