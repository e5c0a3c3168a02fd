//! Writing the audit log: one helper the use-cases call when someone reads
//! or changes reflections, notes, performance views or admin settings.
//!
//! Identical reads by one person within five minutes are recorded once
//! (`foothold_domain::audit` says why).
//!
//! The entry is written before the response is sent, and a failed write
//! fails the request (log integrity over availability): nobody is shown
//! someone else's data without a trace of it. For changes the entry follows
//! the change, so a change that fails is not logged as made. The detail
//! says what kind of thing happened, never the content.

use foothold_store::{NewAuditEntry, Person, Store};

use crate::auth::Identity;
use crate::error::AppError;

/// Read or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Someone was shown the data.
    Read,
    /// Someone changed it.
    Change,
}

impl Act {
    fn as_str(self) -> &'static str {
        match self {
            Act::Read => "read",
            Act::Change => "change",
        }
    }
}

/// What kind of data an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A report's answers to a conversation's questions.
    Reflection,
    /// Shared or private conversation notes.
    Notes,
    /// A quarterly performance view.
    PerformanceView,
    /// Organisation settings (insight threshold, organisation themes, question sets).
    Settings,
    /// A person's record (name, role, manager…) changed by an admin.
    Person,
}

impl Subject {
    fn as_str(self) -> &'static str {
        match self {
            Subject::Reflection => "reflection",
            Subject::Notes => "notes",
            Subject::PerformanceView => "performance_view",
            Subject::Settings => "settings",
            Subject::Person => "person",
        }
    }
}

/// Appends one entry: `actor` did `act` to `owner`'s data (`None` for
/// settings) of kind `subject`, on record `object`. A read identical to one
/// recorded in the last five minutes is folded into it.
pub async fn record(
    store: &Store,
    actor: &Identity,
    act: Act,
    subject: Subject,
    owner: Option<i64>,
    object: Option<i64>,
    detail: impl Into<String>,
) -> Result<(), AppError> {
    let entry = NewAuditEntry {
        actor_id: actor.person.id,
        action: act.as_str(),
        subject: subject.as_str(),
        subject_owner_id: owner,
        object_id: object,
        detail: detail.into(),
    };
    store.record_audit(&entry).await.map(|_| ()).map_err(|e| {
        tracing::error!(error = %e, actor = actor.person.id, "audit log write failed, refusing the request");
        AppError::from(e)
    })
}

/// Entries a page of the audit list holds.
pub const PAGE: u64 = 100;

/// The entries `v` may see (about their own data, and for admins about
/// settings), newest first, older than `before` when given.
pub async fn mine(
    store: &Store,
    v: &Identity,
    before: Option<i64>,
) -> Result<Vec<foothold_store::AuditEntry>, AppError> {
    let settings = foothold_domain::policy::sees_settings_audit(v.actor());
    Ok(store.audit_about(v.person.id, settings, before, PAGE).await?)
}

/// Logs an admin's edit of a person's record, naming the fields changed
/// (and the role, which is not private); nothing when nothing changed.
pub async fn person_changed(
    store: &Store,
    v: &Identity,
    before: &foothold_store::Person,
    after: &foothold_store::Person,
) -> Result<(), AppError> {
    let mut changed: Vec<String> = Vec::new();
    let mut field = |name: &str, differs: bool| {
        if differs {
            changed.push(name.to_owned());
        }
    };
    field("name", before.name != after.name);
    field("email", before.email != after.email);
    field("title", before.title != after.title);
    field("department", before.department_id != after.department_id);
    field("manager", before.manager_id != after.manager_id);
    field("active", before.active != after.active);
    if before.role != after.role {
        changed.push(format!("role {} to {}", before.role.as_str(), after.role.as_str()));
    }
    if changed.is_empty() {
        return Ok(());
    }
    let detail = format!("changed {}", changed.join(", "));
    record(store, v, Act::Change, Subject::Person, Some(after.id), Some(after.id), detail).await
}

/// One line saying what an entry records, e.g. "Reflection: read 3 shared answers (conversation 12)".
pub fn describe(e: &foothold_store::AuditEntry) -> String {
    let subject = match e.subject.as_str() {
        "reflection" => "Reflection",
        "notes" => "Notes",
        "performance_view" => "Performance view",
        "settings" => "Organisation settings",
        "person" => "Your record",
        other => other,
    };
    let on = match (e.subject.as_str(), e.object_id) {
        ("reflection" | "notes", Some(id)) => format!(" (conversation {id})"),
        _ => String::new(),
    };
    format!("{subject}: {}{on}", e.detail)
}

/// An admin issued a link that sets the person's password. With a password
/// already set this is a reset that could let the admin in as them, so the
/// person can always see that it happened.
pub async fn record_sign_in_link(store: &Store, actor: &Identity, person: &Person) -> Result<(), AppError> {
    let detail = if person.has_password { "password reset link issued" } else { "invitation link issued" };
    record(store, actor, Act::Change, Subject::Person, Some(person.id), Some(person.id), detail).await
}
