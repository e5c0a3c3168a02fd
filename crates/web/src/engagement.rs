//! Pulse and performance use-cases, shared by the pages and the API.
//!
//! A pulse answer is returned to its author and to nobody else: no function
//! here hands one to another person.

use chrono::Utc;
use foothold_domain::engagement::{self, PulseAnswer};
use foothold_domain::insight::Quarter;
use foothold_domain::policy::{self, PerformanceAction, PerformancePart};
use foothold_store::{PerformanceView, Pulse, RoundGroup, Store};

use crate::audit::{self, Act, Subject};
use crate::auth::Identity;
use crate::error::AppError;

/// Today's quarter (UTC), as stored: `2027-Q1`.
pub fn this_quarter() -> String {
    Quarter::of(Utc::now().date_naive()).iso()
}

/// Checks a quarter a person typed (`2027-Q1`) and gives its stored form.
pub fn parse_quarter(s: &str) -> Result<String, AppError> {
    Quarter::parse(s)
        .ok()
        .filter(|q| (2000..=2200).contains(&q.year()))
        .map(Quarter::iso)
        .ok_or_else(|| AppError::BadRequest(format!("'{}' is not a quarter; write it like 2027-Q1.", s.trim())))
}

fn invalid(e: engagement::Invalid) -> AppError {
    AppError::BadRequest(e.to_string())
}

/// Saves the viewer's own pulse for this quarter.
pub async fn answer_pulse(store: &Store, v: &Identity, scores: &[i64], enps: i64) -> Result<Pulse, AppError> {
    let answer = PulseAnswer::check(scores, enps).map_err(invalid)?;
    let quarter = this_quarter();
    let p = store.save_pulse(v.person.id, &quarter, &answer).await?;
    // The log says that someone answered, never what.
    tracing::info!(person = v.person.id, quarter = %quarter, "pulse answered");
    Ok(p)
}

/// Whether the viewer is asked for a pulse now: an open round includes them,
/// or their plan had a check-in this quarter, and they have not answered yet.
pub async fn pulse_requested(store: &Store, v: &Identity) -> Result<bool, AppError> {
    let quarter = this_quarter();
    let today = Utc::now().date_naive();
    let quarter_start = Quarter::of(today).first_day().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let (answered, checkin_held) = store.pulse_prompt_facts(v.person.id, &quarter, quarter_start).await?;
    if answered {
        return Ok(false);
    }
    let rounds: Vec<RoundGroup> =
        store.open_pulse_rounds(today).await?.into_iter().filter(|r| r.quarter == quarter).map(|r| r.group).collect();
    // The line of managers is read once, and only when a round asks a leader's tree.
    let above = if rounds.iter().any(|g| matches!(g, RoundGroup::Tree(_))) {
        store.managers_above(v.person.id).await?
    } else {
        Vec::new()
    };
    let in_round = rounds.iter().any(|g| match g {
        RoundGroup::Org => true,
        RoundGroup::Department(d) => v.person.department_id == Some(*d),
        RoundGroup::Tree(l) => above.contains(l),
    });
    if in_round {
        return Ok(true);
    }
    Ok(checkin_held)
}

/// How the viewer stands to a person's performance views.
pub async fn performance_part(store: &Store, v: &Identity, person_id: i64) -> Result<PerformancePart, AppError> {
    if v.person.id == person_id {
        return Ok(PerformancePart::Member);
    }
    let p = store.person(person_id).await?.ok_or(AppError::NotFound)?;
    Ok(if p.manager_id == Some(v.person.id) { PerformancePart::Leader } else { PerformancePart::Other })
}

/// A person's performance views, for the member, their leader and admins.
pub async fn performance(
    store: &Store,
    v: &Identity,
    person_id: i64,
) -> Result<(Vec<PerformanceView>, PerformancePart), AppError> {
    let part = performance_part(store, v, person_id).await?;
    policy::decide_performance(v.actor(), part, PerformanceAction::Read)?;
    let views = store.performance_of(person_id).await?;
    if part != PerformancePart::Member {
        let detail = format!("read {} performance views", views.len());
        audit::record(store, v, Act::Read, Subject::PerformanceView, Some(person_id), None, detail).await?;
    }
    Ok((views, part))
}

/// The leader records this or an earlier quarter's view.
pub async fn write_performance(
    store: &Store,
    v: &Identity,
    person_id: i64,
    quarter: &str,
    rating: i64,
    narrative: &str,
    version: i64,
) -> Result<PerformanceView, AppError> {
    let part = performance_part(store, v, person_id).await?;
    policy::decide_performance(v.actor(), part, PerformanceAction::Write)?;
    let quarter = parse_quarter(quarter)?;
    if quarter > this_quarter() {
        // A quarter is a valid value; that it has not ended yet is a matter of today's date.
        return Err(AppError::Conflict("A performance view looks back: pick this quarter or an earlier one.".into()));
    }
    let rating = engagement::check_rating(rating).map_err(invalid)?;
    let narrative = engagement::check_narrative("narrative", narrative).map_err(invalid)?;
    let view = store.save_performance(person_id, v.person.id, &quarter, rating, &narrative, version).await?;
    let detail = format!("wrote the performance view for {quarter}");
    audit::record(store, v, Act::Change, Subject::PerformanceView, Some(person_id), Some(view.id), detail).await?;
    tracing::info!(person = person_id, quarter = %quarter, "performance view written");
    Ok(view)
}

/// The member comments on one of their views.
pub async fn comment_performance(
    store: &Store,
    v: &Identity,
    view_id: i64,
    comment: &str,
    version: i64,
) -> Result<PerformanceView, AppError> {
    let view = store.performance_view(view_id).await?.ok_or(AppError::NotFound)?;
    let part = performance_part(store, v, view.person_id).await?;
    policy::decide_performance(v.actor(), part, PerformanceAction::Comment)?;
    let comment = engagement::check_narrative("comment", comment).map_err(invalid)?;
    let saved = store.comment_performance(view_id, &comment, version).await?;
    let detail = format!("commented on the performance view for {}", saved.quarter);
    audit::record(store, v, Act::Change, Subject::PerformanceView, Some(saved.person_id), Some(view_id), detail)
        .await?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_checked_and_stored_one_way() {
        assert_eq!(parse_quarter(" 2027-Q3 ").expect("ok"), "2027-Q3");
        assert_eq!(parse_quarter("2027 q3").expect("ok"), "2027-Q3");
        for bad in ["2027-Q5", "2027Q1", "Q1-2027", "1999-Q1", ""] {
            assert!(parse_quarter(bad).is_err(), "{bad}");
        }
        assert_eq!(this_quarter(), Quarter::of(Utc::now().date_naive()).iso());
    }
}
