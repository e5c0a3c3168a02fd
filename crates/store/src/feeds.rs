//! Calendar feeds: each person's secret feed address and what the feed shows
//! besides conversations (the check-ins of plans they are in or lead).

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, Statement};

use crate::secret::{hash_token, new_token};
use crate::{Person, Result, Store, Timestamp, now, sql};

/// A person's calendar feed, as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    /// When the current address was made.
    pub created_at: Timestamp,
    /// When a calendar last fetched it (to the hour).
    pub last_used_at: Option<Timestamp>,
}

/// A check-in of a plan, for a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCheckin {
    /// Check-in id.
    pub id: i64,
    /// Its plan.
    pub plan_id: i64,
    /// 1 to 4.
    pub number: i32,
    /// The day it is due.
    pub due_on: NaiveDate,
    /// When it was completed.
    pub completed_at: Option<Timestamp>,
    /// Whose plan it is.
    pub person_id: i64,
    /// The plan's leader.
    pub leader_id: i64,
    /// Whether the plan is still active (else closed).
    pub plan_active: bool,
    /// The plan's version, bumped on every change to it.
    pub plan_version: i64,
    /// The plan's last change.
    pub plan_updated_at: Timestamp,
}

impl Store {
    /// A person's feed, if they made one.
    pub async fn calendar_feed(&self, person_id: i64) -> Result<Option<CalendarFeed>> {
        let backend = self.backend();
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql(backend, "SELECT created_at, last_used_at FROM calendar_feeds WHERE person_id = $1"),
                [person_id.into()],
            ))
            .await?;
        Ok(match row {
            Some(r) => Some(CalendarFeed {
                created_at: r.try_get("", "created_at")?,
                last_used_at: r.try_get("", "last_used_at")?,
            }),
            None => None,
        })
    }

    /// Makes a new feed token for a person, replacing (and so revoking) any
    /// earlier one. The token is returned this once; only its hash is kept.
    pub async fn regenerate_calendar_feed(&self, person_id: i64) -> Result<(CalendarFeed, String)> {
        let (token, hash) = new_token();
        let at = now();
        let backend = self.backend();
        // One statement: two regenerations racing leave exactly one token working.
        self.db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "INSERT INTO calendar_feeds (person_id, token_hash, created_at, last_used_at) VALUES ($1, $2, $3, NULL) \
                     ON CONFLICT (person_id) DO UPDATE SET token_hash = excluded.token_hash, \
                     created_at = excluded.created_at, last_used_at = NULL",
                ),
                [person_id.into(), hash.into(), at.into()],
            ))
            .await?;
        Ok((CalendarFeed { created_at: at, last_used_at: None }, token))
    }

    /// Turns a person's feed off; true if there was one.
    pub async fn delete_calendar_feed(&self, person_id: i64) -> Result<bool> {
        let backend = self.backend();
        let res = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(backend, "DELETE FROM calendar_feeds WHERE person_id = $1"),
                [person_id.into()],
            ))
            .await?;
        Ok(res.rows_affected() > 0)
    }

    /// The active person a feed token belongs to, noting the fetch.
    pub async fn person_by_calendar_token(&self, token: &str) -> Result<Option<Person>> {
        let backend = self.backend();
        let hash = hash_token(token);
        let Some(row) = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql(backend, "SELECT person_id, last_used_at FROM calendar_feeds WHERE token_hash = $1"),
                [hash.clone().into()],
            ))
            .await?
        else {
            return Ok(None);
        };
        let person_id: i64 = row.try_get("", "person_id")?;
        let last: Option<Timestamp> = row.try_get("", "last_used_at")?;
        let at = now();
        // Calendars poll: note use at most once an hour, not a write per fetch.
        if last.is_none_or(|t| at - t > Duration::hours(1)) {
            self.db
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql(backend, "UPDATE calendar_feeds SET last_used_at = $1 WHERE token_hash = $2"),
                    [at.into(), hash.into()],
                ))
                .await?;
        }
        Ok(self.person(person_id).await?.filter(|p| p.active))
    }

    /// The check-ins of every plan a person is in or leads, by date.
    pub async fn checkins_for_calendar(&self, person_id: i64) -> Result<Vec<PlanCheckin>> {
        let backend = self.backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "SELECT c.id, c.plan_id, c.number, c.due_on, c.completed_at, p.person_id, p.leader_id, \
                     p.state, p.version, p.updated_at \
                     FROM checkins c JOIN plans p ON p.id = c.plan_id \
                     WHERE p.person_id = $1 OR p.leader_id = $1 ORDER BY c.due_on, c.id",
                ),
                [person_id.into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(PlanCheckin {
                id: r.try_get("", "id")?,
                plan_id: r.try_get("", "plan_id")?,
                number: r.try_get("", "number")?,
                due_on: r.try_get("", "due_on")?,
                completed_at: r.try_get("", "completed_at")?,
                person_id: r.try_get("", "person_id")?,
                leader_id: r.try_get("", "leader_id")?,
                plan_active: r.try_get::<String>("", "state")? == "active",
                plan_version: r.try_get("", "version")?,
                plan_updated_at: r.try_get("", "updated_at")?,
            });
        }
        Ok(out)
    }
}
