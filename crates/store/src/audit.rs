//! The audit log: who read or changed whose data, and when.
//!
//! Append-only by construction: this module inserts and reads, nothing
//! else, and the database refuses UPDATE and DELETE on the table (see
//! migration 0007), so a bug elsewhere cannot rewrite history either.

use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

use crate::{Result, Store, Timestamp, sql};

pub(crate) use foothold_domain::audit::RecentReads;

/// What makes two reads the same: who, what kind, whose, which record, and
/// the detail.
pub(crate) type ReadKey = (i64, &'static str, Option<i64>, Option<i64>, String);

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// Who read or changed.
    pub actor_id: i64,
    /// `read` or `change`.
    pub action: &'static str,
    /// What kind of data: `reflection`, `notes`, `performance_view`, `settings`, `person`, …
    pub subject: &'static str,
    /// Whose data it is; `None` for organisation settings.
    pub subject_owner_id: Option<i64>,
    /// The record concerned (conversation, view, person, question set).
    pub object_id: Option<i64>,
    /// A short description, never the content itself.
    pub detail: String,
}

/// One stored entry, with the actor's name.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Increasing with time.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor_id: i64,
    /// Their name.
    pub actor_name: String,
    /// `read` or `change`.
    pub action: String,
    /// What kind of data.
    pub subject: String,
    /// Whose data; `None` for organisation settings.
    pub subject_owner_id: Option<i64>,
    /// The record concerned.
    pub object_id: Option<i64>,
    /// A short description.
    pub detail: String,
}

fn entry(r: &QueryResult) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("", "id")?,
        at: r.try_get("", "at")?,
        actor_id: r.try_get("", "actor_id")?,
        actor_name: r.try_get("", "actor_name")?,
        action: r.try_get("", "action")?,
        subject: r.try_get("", "subject")?,
        subject_owner_id: r.try_get("", "subject_owner_id")?,
        object_id: r.try_get("", "object_id")?,
        detail: r.try_get("", "detail")?,
    })
}

impl Store {
    /// Appends one entry, stamped now; a read identical to one this
    /// process recorded within the last five minutes is folded into it
    /// (see `foothold_domain::audit`). Returns whether an entry was written.
    pub async fn record_audit(&self, e: &NewAuditEntry) -> Result<bool> {
        let now = crate::now();
        let read =
            (e.action == "read").then(|| (e.actor_id, e.subject, e.subject_owner_id, e.object_id, e.detail.clone()));
        if let Some(key) = &read
            && self.recent_reads.lock().is_ok_and(|r| r.covers(key, now.timestamp()))
        {
            return Ok(false);
        }
        let backend = self.backend();
        self.db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "INSERT INTO audit_log (at, actor_id, action, subject, subject_owner_id, object_id, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ),
                [
                    now.into(),
                    e.actor_id.into(),
                    e.action.into(),
                    e.subject.into(),
                    e.subject_owner_id.into(),
                    e.object_id.into(),
                    e.detail.clone().into(),
                ],
            ))
            .await?;
        // Remembered only once written: a failed write is tried again next time.
        if let Some(key) = read
            && let Ok(mut r) = self.recent_reads.lock()
        {
            r.recorded(key, now.timestamp());
        }
        Ok(true)
    }

    /// Entries about `owner`'s data (and, with `with_unowned`, those about
    /// organisation settings), newest first, older than `before` when given.
    pub async fn audit_about(
        &self,
        owner: i64,
        with_unowned: bool,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        let backend = self.backend();
        let q = format!(
            "SELECT a.id, a.at, a.actor_id, p.name AS actor_name, a.action, a.subject, a.subject_owner_id, \
             a.object_id, a.detail FROM audit_log a JOIN people p ON p.id = a.actor_id \
             WHERE (a.subject_owner_id = $1{}) AND a.id < $2 ORDER BY a.id DESC LIMIT $3",
            if with_unowned { " OR a.subject_owner_id IS NULL" } else { "" }
        );
        let values: Vec<Value> = vec![owner.into(), before.unwrap_or(i64::MAX).into(), (limit as i64).into()];
        let rows = self.db.query_all_raw(Statement::from_sql_and_values(backend, sql(backend, &q), values)).await?;
        rows.iter().map(entry).collect()
    }
}
