//! The mail outbox and what the reminder scheduler reads.
//!
//! Delivery is at least once, made as close to exactly once as SMTP allows:
//! - a reminder is queued under a dedupe key that every replica computes
//!   alike, with `INSERT … ON CONFLICT DO NOTHING`, so it is queued once;
//! - a worker claims a row with one conditional `UPDATE` (not sent, due, and
//!   not claimed by a live lease) and sends only when that changed one row, so
//!   two workers never send the same row at the same time, on either database;
//! - a failed send records the error and the time of the next attempt; a
//!   crashed worker's lease runs out and another worker takes the row over.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

use crate::{Result, Store, Timestamp, sql};

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Unique per mail that should go out once (see `foothold_domain::reminder`).
    pub dedupe_key: String,
    /// Whom it is for, if a person.
    pub person_id: Option<i64>,
    /// `Name <address>` or a bare address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// `<…@host>`, the same on every attempt.
    pub message_id: String,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// Id.
    pub id: i64,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// Whom it is for, if a person.
    pub person_id: Option<i64>,
    /// The recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Message-ID.
    pub message_id: String,
    /// Queued.
    pub created_at: Timestamp,
    /// Not to be tried before.
    pub next_attempt_at: Timestamp,
    /// Attempts started so far (claims).
    pub attempts: i32,
    /// The worker holding or last holding the claim.
    pub claimed_by: Option<String>,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When the mail server accepted it.
    pub sent_at: Option<Timestamp>,
    /// When it was given up on.
    pub abandoned_at: Option<Timestamp>,
}

/// Outbox figures for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Waiting to be sent (including retries).
    pub pending: u64,
    /// Of which at least one attempt failed.
    pub retrying: u64,
    /// Sent and still kept.
    pub sent: u64,
    /// Given up on and still kept.
    pub abandoned: u64,
    /// Age in seconds of the oldest pending mail.
    pub oldest_pending_seconds: i64,
}

/// Someone a reminder may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Person id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Active, with reminders on and an address: mail may go to them.
    pub wants_mail: bool,
}

/// A conversation starting soon, for the invitation to prepare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingConversation {
    /// Id.
    pub id: i64,
    /// When.
    pub scheduled_at: Timestamp,
    /// Its IANA zone.
    pub time_zone: String,
    /// The report, who is invited to prepare.
    pub report: Recipient,
    /// The leader's name.
    pub leader_name: String,
}

/// An open check-in of an active plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCheckin {
    /// Check-in id.
    pub id: i64,
    /// Its plan.
    pub plan_id: i64,
    /// 1 to 4.
    pub number: i32,
    /// Due date.
    pub due_on: NaiveDate,
    /// The plan's zone, whose calendar says what "today" is.
    pub time_zone: String,
    /// Whose plan.
    pub member: Recipient,
    /// The plan's leader.
    pub leader: Recipient,
}

const MAIL_COLUMNS: &str = "id, dedupe_key, person_id, recipient, subject, body, message_id, created_at, \
                            next_attempt_at, attempts, claimed_by, last_error, sent_at, abandoned_at";

fn to_mail(r: &QueryResult) -> Result<OutboxMail> {
    Ok(OutboxMail {
        id: r.try_get("", "id")?,
        dedupe_key: r.try_get("", "dedupe_key")?,
        person_id: r.try_get("", "person_id")?,
        recipient: r.try_get("", "recipient")?,
        subject: r.try_get("", "subject")?,
        body: r.try_get("", "body")?,
        message_id: r.try_get("", "message_id")?,
        created_at: r.try_get("", "created_at")?,
        next_attempt_at: r.try_get("", "next_attempt_at")?,
        attempts: r.try_get("", "attempts")?,
        claimed_by: r.try_get("", "claimed_by")?,
        last_error: r.try_get("", "last_error")?,
        sent_at: r.try_get("", "sent_at")?,
        abandoned_at: r.try_get("", "abandoned_at")?,
    })
}

fn recipient(r: &QueryResult, prefix: &str) -> Result<Recipient> {
    let col = |c: &str| format!("{prefix}_{c}");
    let email: String = r.try_get("", &col("email"))?;
    let active: bool = r.try_get("", &col("active"))?;
    let reminders: bool = r.try_get("", &col("reminders"))?;
    Ok(Recipient {
        id: r.try_get("", &col("id"))?,
        name: r.try_get("", &col("name"))?,
        wants_mail: active && reminders && !email.trim().is_empty(),
        email,
    })
}

/// `$from, $from+1, …` for an `IN` list.
fn marks(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    async fn exec(&self, q: &str, values: Vec<Value>) -> Result<u64> {
        let backend = self.backend();
        Ok(self.db.execute_raw(Statement::from_sql_and_values(backend, sql(backend, q), values)).await?.rows_affected())
    }

    async fn rows(&self, q: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        let backend = self.backend();
        Ok(self.db.query_all_raw(Statement::from_sql_and_values(backend, sql(backend, q), values)).await?)
    }

    /// Whether a person wants reminder mails.
    pub async fn email_reminders(&self, person_id: i64) -> Result<bool> {
        let rows = self.rows("SELECT email_reminders FROM people WHERE id = $1", vec![person_id.into()]).await?;
        match rows.first() {
            Some(r) => Ok(r.try_get("", "email_reminders")?),
            None => Err(crate::StoreError::NotFound),
        }
    }

    /// Turns a person's reminder mails on or off.
    pub async fn set_email_reminders(&self, person_id: i64, on: bool) -> Result<()> {
        let n = self
            .exec("UPDATE people SET email_reminders = $1 WHERE id = $2", vec![on.into(), person_id.into()])
            .await?;
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    /// Queues a mail unless one with its dedupe key exists; true if queued.
    /// Replicas racing to queue the same reminder queue it once.
    pub async fn enqueue_mail(&self, mail: &NewMail, at: Timestamp) -> Result<bool> {
        let n = self
            .exec(
                "INSERT INTO outbox (dedupe_key, person_id, recipient, subject, body, message_id, created_at, \
                 next_attempt_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
                vec![
                    mail.dedupe_key.clone().into(),
                    mail.person_id.into(),
                    mail.recipient.clone().into(),
                    mail.subject.clone().into(),
                    mail.body.clone().into(),
                    mail.message_id.clone().into(),
                    at.into(),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    /// Which of these dedupe keys are in the outbox already (so the scheduler
    /// builds and inserts only new mails).
    pub async fn queued_keys(&self, keys: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in keys.chunks(200) {
            let q = format!("SELECT dedupe_key FROM outbox WHERE dedupe_key IN ({})", marks(1, chunk.len()));
            for r in self.rows(&q, chunk.iter().map(|k| k.clone().into()).collect()).await? {
                out.insert(r.try_get("", "dedupe_key")?);
            }
        }
        Ok(out)
    }

    /// Ids of mails that may be tried now, oldest first.
    pub async fn due_mail(&self, at: Timestamp, limit: u64) -> Result<Vec<i64>> {
        let rows = self
            .rows(
                "SELECT id FROM outbox WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $1 \
                 AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_attempt_at, id LIMIT $2",
                vec![at.into(), (limit as i64).into()],
            )
            .await?;
        rows.iter().map(|r| Ok(r.try_get("", "id")?)).collect()
    }

    /// Claims a mail for `lease`: `Some` for exactly one of several workers
    /// asking at once, `None` when it is sent, not due, or claimed by a live lease.
    /// Counts the attempt.
    pub async fn claim_mail(
        &self,
        id: i64,
        worker: &str,
        at: Timestamp,
        lease: Duration,
    ) -> Result<Option<OutboxMail>> {
        let n = self
            .exec(
                "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
                 WHERE id = $3 AND sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $4 \
                 AND (claimed_until IS NULL OR claimed_until < $4)",
                vec![worker.into(), (at + lease).into(), id.into(), at.into()],
            )
            .await?;
        if n != 1 {
            return Ok(None);
        }
        let q = format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE id = $1");
        match self.rows(&q, vec![id.into()]).await?.first() {
            Some(r) => Ok(Some(to_mail(r)?)),
            None => Ok(None),
        }
    }

    /// Notes that the mail server accepted a mail.
    pub async fn mark_mail_sent(&self, id: i64, at: Timestamp) -> Result<()> {
        self.exec(
            "UPDATE outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2 AND sent_at IS NULL",
            vec![at.into(), id.into()],
        )
        .await?;
        Ok(())
    }

    /// Notes a failed attempt and when to try again.
    pub async fn mark_mail_failed(&self, id: i64, error: &str, retry_at: Timestamp) -> Result<()> {
        let error: String = error.chars().take(1000).collect();
        self.exec(
            "UPDATE outbox SET last_error = $1, next_attempt_at = $2, claimed_until = NULL WHERE id = $3 AND sent_at IS NULL",
            vec![error.into(), retry_at.into(), id.into()],
        )
        .await?;
        Ok(())
    }

    /// Gives up on unsent mails queued before `queued_before`; returns how many.
    pub async fn abandon_mail(&self, queued_before: Timestamp, at: Timestamp) -> Result<u64> {
        self.exec(
            "UPDATE outbox SET abandoned_at = $1, claimed_until = NULL WHERE sent_at IS NULL AND abandoned_at IS NULL \
             AND created_at < $2",
            vec![at.into(), queued_before.into()],
        )
        .await
    }

    /// Gives up on unsent mails to people who have since been deactivated, and
    /// on reminders to people who have since turned reminders off (security
    /// notices go whatever that setting); returns how many.
    pub async fn withdraw_unwanted_mail(&self, at: Timestamp) -> Result<u64> {
        self.exec(
            "UPDATE outbox SET abandoned_at = $1, claimed_until = NULL WHERE sent_at IS NULL AND abandoned_at IS NULL \
             AND (person_id IN (SELECT id FROM people WHERE active = $2) \
             OR (dedupe_key NOT LIKE $3 AND person_id IN (SELECT id FROM people WHERE email_reminders = $2)))",
            vec![at.into(), false.into(), format!("{}%", foothold_domain::notice::KEY_PREFIX).into()],
        )
        .await
    }

    /// Deletes sent and abandoned mails finished before `before`. Keep them
    /// longer than any reminder can be due again, or it would be queued anew.
    pub async fn prune_mail(&self, before: Timestamp) -> Result<u64> {
        self.exec(
            "DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at < $1) OR (abandoned_at IS NOT NULL AND abandoned_at < $1)",
            vec![before.into()],
        )
        .await
    }

    /// Every mail in the outbox, oldest first (for tests and operators).
    pub async fn outbox(&self) -> Result<Vec<OutboxMail>> {
        let q = format!("SELECT {MAIL_COLUMNS} FROM outbox ORDER BY id");
        self.rows(&q, vec![]).await?.iter().map(to_mail).collect()
    }

    /// Counts for `/metrics`.
    pub async fn outbox_stats(&self, at: Timestamp) -> Result<OutboxStats> {
        let rows = self
            .rows(
                "SELECT \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN 1 ELSE 0 END), 0) AS pending, \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END), 0) AS retrying, \
                 COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent, \
                 COALESCE(SUM(CASE WHEN abandoned_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS abandoned, \
                 MIN(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN created_at END) AS oldest \
                 FROM outbox",
                vec![],
            )
            .await?;
        let Some(r) = rows.first() else { return Ok(OutboxStats::default()) };
        let count = |c: &str| -> Result<u64> { Ok(r.try_get::<i64>("", c)?.max(0) as u64) };
        let oldest: Option<Timestamp> = r.try_get("", "oldest")?;
        Ok(OutboxStats {
            pending: count("pending")?,
            retrying: count("retrying")?,
            sent: count("sent")?,
            abandoned: count("abandoned")?,
            oldest_pending_seconds: oldest.map_or(0, |o| (at - o).num_seconds().max(0)),
        })
    }

    /// Open conversations starting in `(after, until]`, with their report and
    /// leader. Uses the index on `scheduled_at`.
    pub async fn conversations_starting(
        &self,
        after: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<UpcomingConversation>> {
        let rows = self
            .rows(
                "SELECT c.id, c.scheduled_at, c.time_zone, r.id AS r_id, r.name AS r_name, r.email AS r_email, \
                 r.active AS r_active, r.email_reminders AS r_reminders, l.name AS leader_name \
                 FROM conversations c JOIN people r ON r.id = c.report_id JOIN people l ON l.id = c.leader_id \
                 WHERE c.scheduled_at > $1 AND c.scheduled_at <= $2 AND c.state IN ('scheduled', 'preparing', 'shared') \
                 ORDER BY c.scheduled_at, c.id",
                vec![after.into(), until.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UpcomingConversation {
                    id: r.try_get("", "id")?,
                    scheduled_at: r.try_get("", "scheduled_at")?,
                    time_zone: r.try_get("", "time_zone")?,
                    report: recipient(r, "r")?,
                    leader_name: r.try_get("", "leader_name")?,
                })
            })
            .collect()
    }

    /// Uncompleted check-ins of active plans due from `from` to `to`, with the
    /// member and the leader. Uses the index on `due_on`.
    pub async fn open_checkins_due(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<OpenCheckin>> {
        let rows = self
            .rows(
                "SELECT c.id, c.plan_id, c.number, c.due_on, p.time_zone, \
                 m.id AS m_id, m.name AS m_name, m.email AS m_email, m.active AS m_active, m.email_reminders AS m_reminders, \
                 l.id AS l_id, l.name AS l_name, l.email AS l_email, l.active AS l_active, l.email_reminders AS l_reminders \
                 FROM checkins c JOIN plans p ON p.id = c.plan_id \
                 JOIN people m ON m.id = p.person_id JOIN people l ON l.id = p.leader_id \
                 WHERE c.completed_at IS NULL AND p.state = 'active' AND c.due_on >= $1 AND c.due_on <= $2 \
                 ORDER BY c.due_on, c.id",
                vec![from.into(), to.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OpenCheckin {
                    id: r.try_get("", "id")?,
                    plan_id: r.try_get("", "plan_id")?,
                    number: r.try_get("", "number")?,
                    due_on: r.try_get("", "due_on")?,
                    time_zone: r.try_get("", "time_zone")?,
                    member: recipient(r, "m")?,
                    leader: recipient(r, "l")?,
                })
            })
            .collect()
    }
}
