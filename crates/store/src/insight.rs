//! The facts team insight is computed from, read in a few whole-table
//! queries: the insight layer caches what it derives and refreshes it at most
//! once a minute, so these run rarely however many people look.

use chrono::NaiveDate;
use sea_orm::Statement;

use crate::{Result, Store, Timestamp};

/// A person as the organisation chart sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPerson {
    /// Id.
    pub id: i64,
    /// Department.
    pub department_id: Option<i64>,
    /// Direct manager.
    pub manager_id: Option<i64>,
    /// Still here.
    pub active: bool,
}

/// A plan's span, for "share with an active plan" and step progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpan {
    /// Whose.
    pub person_id: i64,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// When it was closed, if it was.
    pub closed_at: Option<Timestamp>,
    /// Steps done.
    pub steps_done: i64,
    /// Steps not dropped.
    pub steps: i64,
}

impl Store {
    /// Everyone, with department and manager.
    pub async fn org_chart(&self) -> Result<Vec<OrgPerson>> {
        let mut out = Vec::new();
        let stmt = Statement::from_string(
            self.backend(),
            "SELECT id, department_id, manager_id, active FROM people ORDER BY id",
        );
        self.for_each_row(stmt, |r| {
            out.push(OrgPerson {
                id: r.try_get("", "id")?,
                department_id: r.try_get("", "department_id")?,
                manager_id: r.try_get("", "manager_id")?,
                active: r.try_get("", "active")?,
            });
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// `(report, when)` of every held career conversation.
    pub async fn held_conversations(&self) -> Result<Vec<(i64, Timestamp)>> {
        let mut out = Vec::new();
        let stmt = Statement::from_string(
            self.backend(),
            "SELECT report_id, scheduled_at FROM conversations WHERE state = 'held' ORDER BY scheduled_at",
        );
        self.for_each_row(stmt, |r| {
            out.push((r.try_get("", "report_id")?, r.try_get("", "scheduled_at")?));
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Every plan's span and step counts.
    pub async fn plan_spans(&self) -> Result<Vec<PlanSpan>> {
        let mut out = Vec::new();
        let stmt = Statement::from_string(
            self.backend(),
            "SELECT p.person_id, p.starts_on, p.ends_on, p.closed_at, \
                        COALESCE(SUM(CASE WHEN s.status = 'done' THEN 1 ELSE 0 END), 0) AS done, \
                        COALESCE(SUM(CASE WHEN s.status <> 'dropped' THEN 1 ELSE 0 END), 0) AS total \
                 FROM plans p LEFT JOIN plan_steps s ON s.plan_id = p.id \
                 GROUP BY p.id, p.person_id, p.starts_on, p.ends_on, p.closed_at",
        );
        self.for_each_row(stmt, |r| {
            out.push(PlanSpan {
                person_id: r.try_get("", "person_id")?,
                starts_on: r.try_get("", "starts_on")?,
                ends_on: r.try_get("", "ends_on")?,
                closed_at: r.try_get("", "closed_at")?,
                steps_done: r.try_get("", "done")?,
                steps: r.try_get("", "total")?,
            });
            Ok(())
        })
        .await?;
        Ok(out)
    }
}
