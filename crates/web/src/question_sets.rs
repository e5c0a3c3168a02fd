//! Question set use-cases, shared by the pages and the API.

use foothold_domain::conversation::{Category, MAX_QUESTIONS, Question};
use foothold_domain::policy::{self, SetAction, SetOwner};
use foothold_store::{QuestionSet, SetScope, Store};

use crate::auth::Identity;
use crate::error::AppError;

/// Longest set name.
pub const MAX_NAME_CHARS: usize = 100;

/// The policy's view of a set's owner.
pub fn owner(set: &QuestionSet) -> SetOwner {
    match set.scope {
        SetScope::Builtin => SetOwner::Builtin,
        SetScope::Org => SetOwner::Org,
        SetScope::Personal => SetOwner::Personal(set.owner_id.unwrap_or_default()),
    }
}

/// Loads a set the person may act on (404 for someone else's personal set).
pub async fn load(store: &Store, v: &Identity, id: i64, action: SetAction) -> Result<QuestionSet, AppError> {
    let set = store.question_set(id).await?.ok_or(AppError::NotFound)?;
    policy::decide_set(v.actor(), owner(&set), action)?;
    Ok(set)
}

/// Whether the person may edit this set (for showing the link).
pub fn may_edit(v: &Identity, set: &QuestionSet) -> bool {
    policy::decide_set(v.actor(), owner(set), SetAction::Edit).is_ok()
}

/// Whether the person leads anyone.
pub async fn is_leader(store: &Store, v: &Identity) -> Result<bool, AppError> {
    Ok(store.direct_reports(v.person.id).await?.iter().any(|p| p.active))
}

/// `personal` or `org`, as asked for in a form or the API.
pub fn parse_scope(s: &str) -> Result<SetScope, AppError> {
    match s {
        "" | "personal" => Ok(SetScope::Personal),
        "org" => Ok(SetScope::Org),
        other => Err(AppError::BadRequest(format!("'{other}' is not a scope: use personal or org."))),
    }
}

fn policy_owner(v: &Identity, scope: SetScope) -> SetOwner {
    match scope {
        SetScope::Org => SetOwner::Org,
        SetScope::Builtin => SetOwner::Builtin,
        SetScope::Personal => SetOwner::Personal(v.person.id),
    }
}

/// A name, trimmed and bounded.
pub fn check_name(name: &str) -> Result<String, AppError> {
    let t = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err(AppError::BadRequest("Give the set a name.".into()));
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::BadRequest(format!("The name can be at most {MAX_NAME_CHARS} characters.")));
    }
    Ok(t)
}

/// Questions from (category, text) pairs, each checked, in the order given.
pub fn check_questions(items: &[(String, String)]) -> Result<Vec<Question>, AppError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, (category, text)) in items.iter().enumerate() {
        let category = Category::parse(category).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Question {}: '{category}' is not a category; use past, present or future.",
                i + 1
            ))
        })?;
        out.push(Question::new(category, text).map_err(|e| AppError::BadRequest(format!("Question {}: {e}.", i + 1)))?);
    }
    if out.is_empty() {
        return Err(AppError::BadRequest("A set needs at least one question.".into()));
    }
    if out.len() > MAX_QUESTIONS {
        return Err(AppError::BadRequest(format!(
            "A set holds at most {MAX_QUESTIONS} questions; this one has {}.",
            out.len()
        )));
    }
    // Conversations walk Past, Present, Future: keep that order, stable within each.
    out.sort_by_key(|q| q.category);
    Ok(out)
}

/// Makes a set: personal for leaders, published to everyone for admins who ask.
pub async fn create(
    store: &Store,
    v: &Identity,
    name: &str,
    scope: SetScope,
    questions: &[Question],
) -> Result<QuestionSet, AppError> {
    let leader = is_leader(store, v).await?;
    policy::may_create_set(v.actor(), leader, policy_owner(v, scope))?;
    let name = check_name(name)?;
    let owner = (scope == SetScope::Personal).then_some(v.person.id);
    let set = store.create_question_set(&name, scope, owner, questions).await?;
    if scope == SetScope::Org {
        org_set_changed(store, v, set.id, "published the organisation question set").await?;
    }
    tracing::info!(set = set.id, person = v.person.id, scope = scope.as_str(), "question set created");
    Ok(set)
}

/// Changes a set the person may edit; conversations keep their snapshots.
pub async fn update(
    store: &Store,
    v: &Identity,
    id: i64,
    name: &str,
    scope: SetScope,
    questions: &[Question],
    version: Option<i64>,
) -> Result<QuestionSet, AppError> {
    let set = load(store, v, id, SetAction::Edit).await?;
    if scope != set.scope {
        let leader = is_leader(store, v).await?;
        policy::may_create_set(v.actor(), leader, policy_owner(v, scope))?;
    }
    let name = check_name(name)?;
    let updated = store.update_question_set(id, &name, scope, questions, version).await?;
    if set.scope == SetScope::Org || scope == SetScope::Org {
        org_set_changed(store, v, id, "changed the organisation question set").await?;
    }
    Ok(updated)
}

/// Organisation question sets are settings every leader uses: their changes are logged.
async fn org_set_changed(store: &Store, v: &Identity, id: i64, what: &str) -> Result<(), AppError> {
    let detail = format!("{what} {id}");
    crate::audit::record(store, v, crate::audit::Act::Change, crate::audit::Subject::Settings, None, Some(id), detail)
        .await
}

/// Deletes a set the person may edit.
pub async fn delete(store: &Store, v: &Identity, id: i64) -> Result<(), AppError> {
    let set = load(store, v, id, SetAction::Edit).await?;
    store.delete_question_set(id).await?;
    if set.scope == SetScope::Org {
        org_set_changed(store, v, id, "deleted the organisation question set").await?;
    }
    Ok(())
}
