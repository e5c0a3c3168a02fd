//! Team insight: per quarter, engagement and eNPS (anonymous aggregates,
//! withheld below N), conversation coverage, growth plans and ratings, each
//! as an SVG chart with its table, downloadable as CSV.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::engagement::RATINGS;
use foothold_domain::insight::{GroupKey, Quarter, Withheld};
use serde::Deserialize;

use super::{Choice, Chrome, render_with};
use crate::AppState;
use crate::audit::{Act, Subject};
use crate::auth::{Identity, Viewer};
use crate::chart::{self, Series};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::insight::{self as uc, Snapshot};

pub struct PulseRow {
    quarter: String,
    shown: bool,
    respondents: usize,
    engagement: String,
    enps: String,
    note: String,
}

pub struct FactRow {
    quarter: String,
    shown: bool,
    people: usize,
    coverage: String,
    with_plan: String,
    ratings: Vec<usize>,
    rated: bool,
}

#[derive(Template)]
#[template(path = "insight.html")]
struct InsightPage<'a> {
    chrome: Chrome,
    groups: &'a [Choice],
    group: String,
    label: &'a str,
    n: usize,
    current: String,
    pulse_chart: &'a str,
    pulse_rows: &'a [PulseRow],
    facts_chart: &'a str,
    ratings_chart: &'a str,
    fact_rows: &'a [FactRow],
    rating_labels: Vec<&'static str>,
    before_after: &'a str,
    steps: &'a str,
    is_admin: bool,
    computed: String,
    errors: Vec<String>,
    notice: String,
}

/// What the page shows of one group: charts, tables and sentences,
/// formatted once per snapshot and group (see [`PageViews`]).
pub struct GroupView {
    label: String,
    pulse_chart: String,
    pulse_rows: Vec<PulseRow>,
    facts_chart: String,
    ratings_chart: String,
    fact_rows: Vec<FactRow>,
    before_after: String,
    steps: String,
}

/// A viewer's group list, each group an option written once: a leader's
/// page lists a hundred groups or more twice, and escaping them on every view
/// was a fifth of the page's CPU.
type Picker = Vec<Choice>;

/// Groups (or viewers' group lists) remembered per snapshot at most.
const MAX_REMEMBERED: usize = 256;

/// The formatted page parts of one snapshot, by group, and the group
/// pickers, by viewer scope. A snapshot never changes, so neither do these;
/// formatting the SVG charts and hundreds of group names was most of the
/// page's cost. Bounded: past [`MAX_REMEMBERED`] entries a part is
/// formatted for the request and not kept.
#[derive(Default)]
pub struct PageViews {
    groups: Mutex<HashMap<GroupKey, Arc<GroupView>>>,
    pickers: Mutex<HashMap<Option<i64>, Arc<Picker>>>,
}

fn remembered<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, Arc<V>>>, key: K, make: impl FnOnce() -> V) -> Arc<V> {
    if let Some(v) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let v = Arc::new(make());
    if let Ok(mut m) = map.lock()
        && m.len() < MAX_REMEMBERED
    {
        m.insert(key, v.clone());
    }
    v
}

#[derive(Deserialize)]
pub struct GroupQuery {
    #[serde(default)]
    group: String,
    #[serde(default)]
    table: String,
}

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 }
}

/// The domain's reason, as the start of a sentence: the page, the CSV and the
/// API say the same words.
fn withheld(w: Withheld) -> String {
    let reason = w.to_string();
    let mut chars = reason.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

pub(crate) async fn resolve(
    state: &AppState,
    v: &Identity,
    group: &str,
) -> Result<(std::sync::Arc<Snapshot>, GroupKey), AppError> {
    let snap = state.insight().get(state.store()).await?;
    let g = if group.trim().is_empty() {
        uc::default_group(&snap, v).ok_or(AppError::NotFound)?
    } else {
        uc::parse_group(group).ok_or(AppError::NotFound)?
    };
    snap.allow(v, g)?;
    Ok((snap, g))
}

fn quarter_label(q: Quarter) -> String {
    q.to_string()
}

/// Formats what the page shows of group `g`.
fn group_view(snap: &Snapshot, g: GroupKey) -> GroupView {
    let shown: Vec<Quarter> = snap.shown().to_vec();
    let labels: Vec<String> = shown.iter().map(|q| quarter_label(*q)).collect();
    let mut engagement = Vec::new();
    let mut enps = Vec::new();
    let mut pulse_rows = Vec::new();
    for q in &shown {
        match snap.figure(g, *q) {
            Ok(f) => {
                engagement.push(Some(f.engagement));
                enps.push(Some(f.enps as f64));
                pulse_rows.push(PulseRow {
                    quarter: quarter_label(*q),
                    shown: true,
                    respondents: f.respondents,
                    engagement: format!("{:.0}", f.engagement),
                    enps: format!("{:+}", f.enps),
                    note: f.pooled.map(|(a, b)| format!("Pooled {a} to {b}")).unwrap_or_default(),
                });
            }
            Err(w) => {
                engagement.push(None);
                enps.push(None);
                pulse_rows.push(PulseRow {
                    quarter: quarter_label(*q),
                    shown: false,
                    respondents: 0,
                    engagement: String::new(),
                    enps: String::new(),
                    note: withheld(w),
                });
            }
        }
    }
    let label = snap.label(g);
    let pulse_chart = chart::lines(
        "pulse",
        &format!("Engagement and eNPS: {label}"),
        "Engagement index (0 to 100) and eNPS (−100 to 100) per quarter; gaps where figures are withheld. The table beside has the same figures.",
        &labels,
        &[Series { name: "Engagement (0–100)", values: engagement }, Series { name: "eNPS (−100–100)", values: enps }],
        (-100.0, 100.0),
        &[-100.0, -50.0, 0.0, 50.0, 100.0],
    );
    let mut coverage = Vec::new();
    let mut plans = Vec::new();
    let mut dist = Vec::new();
    let mut fact_rows = Vec::new();
    for q in &shown {
        match snap.facts(g, *q) {
            Some(f) => {
                coverage.push(Some(pct(f.covered, f.people)));
                plans.push(Some(pct(f.with_plan, f.people)));
                dist.push(f.ratings.map(|r| r.to_vec()));
                fact_rows.push(FactRow {
                    quarter: quarter_label(*q),
                    shown: true,
                    people: f.people,
                    coverage: format!("{:.0}%", pct(f.covered, f.people)),
                    with_plan: format!("{:.0}%", pct(f.with_plan, f.people)),
                    ratings: f.ratings.map(|r| r.to_vec()).unwrap_or_default(),
                    rated: f.ratings.is_some(),
                });
            }
            None => {
                coverage.push(None);
                plans.push(None);
                dist.push(None);
                fact_rows.push(FactRow {
                    quarter: quarter_label(*q),
                    shown: false,
                    people: 0,
                    coverage: String::new(),
                    with_plan: String::new(),
                    ratings: Vec::new(),
                    rated: false,
                });
            }
        }
    }
    let facts_chart = chart::lines(
        "facts",
        &format!("Career conversations and plans: {label}"),
        "Share of people with a career conversation in the last six months, and with a growth plan running, at each quarter's end.",
        &labels,
        &[
            Series { name: "Conversation in last 6 months (%)", values: coverage },
            Series { name: "Growth plan running (%)", values: plans },
        ],
        (0.0, 100.0),
        &[0.0, 25.0, 50.0, 75.0, 100.0],
    );
    let ratings_chart = chart::stacked(
        "ratings",
        &format!("Performance ratings: {label}"),
        "Distribution of quarterly performance ratings, as a share of people rated; withheld when fewer than N were rated.",
        &labels,
        &["1", "2", "3", "4", "5"],
        &dist,
    );
    let before_after = match snap.before_after(g) {
        Ok(b) => format!(
            "{} people answered the pulse both before and after their first career conversation. Engagement went from {:.0} before to {:.0} after ({:+.0}).",
            b.people, b.before, b.after, b.change
        ),
        Err(w) => format!("Before and after career conversations: {}.", w),
    };
    let steps = match snap.steps(g) {
        Some((done, total)) if total > 0 => {
            format!("{done} of {total} steps in running growth plans are done ({:.0}%).", pct(done, total))
        }
        Some(_) => "No steps in running growth plans yet.".into(),
        None => "Step progress: not shown for groups smaller than N.".into(),
    };
    GroupView { label, pulse_chart, pulse_rows, facts_chart, ratings_chart, fact_rows, before_after, steps }
}

/// The insight page.
pub async fn show(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Query(q): Query<GroupQuery>,
) -> Result<Response, PageError> {
    let (snap, g) = resolve(&state, &v, &q.group).await?;
    let view = remembered(&snap.page_views.groups, g, || group_view(&snap, g));
    let is_admin = v.person.role == foothold_domain::Role::Admin;
    // The picker depends only on whether the viewer is an admin, or which leader they are.
    let scope = (!is_admin).then_some(v.person.id);
    let groups = remembered(&snap.page_views.pickers, scope, || {
        snap.groups_for(&v).into_iter().map(|x| Choice::option(&uc::group_param(x), &snap.label(x))).collect()
    });
    let page = InsightPage {
        chrome: Chrome::of(&v, "insight"),
        groups: &groups,
        group: uc::group_param(g),
        label: &view.label,
        n: snap.rules.min_respondents(),
        current: uc::current_quarter().to_string(),
        pulse_chart: &view.pulse_chart,
        pulse_rows: &view.pulse_rows,
        facts_chart: &view.facts_chart,
        ratings_chart: &view.ratings_chart,
        fact_rows: &view.fact_rows,
        rating_labels: RATINGS.iter().map(|r| r.label).collect(),
        before_after: &view.before_after,
        steps: &view.steps,
        is_admin,
        computed: snap.computed_at.format("%-d %b %Y, %H:%M UTC").to_string(),
        errors: Vec::new(),
        notice: String::new(),
    };
    render_with(StatusCode::OK, &page)
}

/// A chart's figures as CSV: `table` is `pulse`, `facts` or `ratings`.
pub async fn csv(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Query(q): Query<GroupQuery>,
) -> Result<Response, PageError> {
    let (snap, g) = resolve(&state, &v, &q.group).await?;
    let body = table_csv(&snap, g, &q.table).ok_or(AppError::NotFound)?;
    let name = format!("foothold-{}-{}.csv", q.table, uc::group_param(g));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

/// The CSV of one table; `None` for an unknown table.
pub fn table_csv(snap: &Snapshot, g: GroupKey, table: &str) -> Option<String> {
    use std::fmt::Write;
    let mut out = String::new();
    match table {
        "pulse" => {
            out.push_str("quarter,respondents,engagement,enps,pooled_from,pooled_to,withheld\n");
            for q in snap.shown() {
                let _ = match snap.figure(g, *q) {
                    Ok(f) => writeln!(
                        out,
                        "{},{},{:.1},{},{},{},",
                        q.iso(),
                        f.respondents,
                        f.engagement,
                        f.enps,
                        f.pooled.map(|p| p.0.iso()).unwrap_or_default(),
                        f.pooled.map(|p| p.1.iso()).unwrap_or_default()
                    ),
                    Err(w) => writeln!(out, "{},,,,,,{}", q.iso(), w),
                };
            }
        }
        "facts" => {
            out.push_str("quarter,people,conversation_last_6_months,growth_plan_running\n");
            for q in snap.shown() {
                let _ = match snap.facts(g, *q) {
                    Some(f) => writeln!(out, "{},{},{},{}", q.iso(), f.people, f.covered, f.with_plan),
                    None => writeln!(out, "{},,,", q.iso()),
                };
            }
        }
        "ratings" => {
            out.push_str("quarter,rating_1,rating_2,rating_3,rating_4,rating_5\n");
            for q in snap.shown() {
                let _ = match snap.facts(g, *q).and_then(|f| f.ratings) {
                    Some(r) => writeln!(out, "{},{},{},{},{},{}", q.iso(), r[0], r[1], r[2], r[3], r[4]),
                    None => writeln!(out, "{},,,,,", q.iso()),
                };
            }
        }
        _ => return None,
    }
    Some(out)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    min_respondents: String,
}

/// An admin sets N.
pub async fn settings(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<SettingsForm>,
) -> Result<Response, PageError> {
    foothold_domain::policy::decide(v.actor(), foothold_domain::policy::Action::ManageInsight)?;
    let n: usize = f
        .min_respondents
        .trim()
        .parse()
        .ok()
        .filter(|n| (foothold_domain::insight::Rules::FLOOR..=50).contains(n))
        .ok_or_else(|| AppError::BadRequest("N must be a whole number from 3 to 50.".into()))?;
    state.store().put_setting(uc::MIN_RESPONDENTS_KEY, &n.to_string()).await?;
    state.insight().invalidate().await;
    let detail = format!("set the insight threshold N to {n}");
    crate::audit::record(state.store(), &v, Act::Change, Subject::Settings, None, None, detail).await?;
    tracing::info!(by = v.person.id, n, "insight threshold changed");
    Ok(Redirect::to("/insight").into_response())
}

#[derive(Deserialize)]
pub struct RoundForm {
    group: String,
    closes_on: String,
}

/// An admin opens a pulse round for a group, this quarter.
pub async fn open_round(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<RoundForm>,
) -> Result<Response, PageError> {
    foothold_domain::policy::decide(v.actor(), foothold_domain::policy::Action::ManageInsight)?;
    let group = match uc::parse_group(&f.group) {
        Some(GroupKey::Org) => foothold_store::RoundGroup::Org,
        Some(GroupKey::Department(d)) => foothold_store::RoundGroup::Department(d),
        Some(GroupKey::Tree(l)) => foothold_store::RoundGroup::Tree(l),
        None => return Err(AppError::BadRequest("Choose who the round asks.".into()).into()),
    };
    let closes_on = crate::plans::parse_date("closes_on", &f.closes_on)?;
    let today = chrono::Utc::now().date_naive();
    let quarter = Quarter::of(today);
    if closes_on < today || closes_on > quarter.last_day() {
        return Err(AppError::BadRequest(format!(
            "The round must close between today and the end of the quarter ({}).",
            quarter.last_day()
        ))
        .into());
    }
    state.store().open_pulse_round(group, &quarter.iso(), closes_on, v.person.id).await?;
    Ok(Redirect::to("/insight?round=opened").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_formatted_once_and_the_memory_stays_bounded() {
        let map: Mutex<HashMap<usize, Arc<String>>> = Mutex::default();
        let mut made = 0;
        let first = remembered(&map, 1, || {
            made += 1;
            "one".to_owned()
        });
        let again = remembered(&map, 1, || {
            made += 1;
            "other".to_owned()
        });
        assert_eq!((first.as_str(), again.as_str(), made), ("one", "one", 1));
        for k in 2..MAX_REMEMBERED + 10 {
            remembered(&map, k, || k.to_string());
        }
        assert_eq!(map.lock().map(|m| m.len()).unwrap_or_default(), MAX_REMEMBERED);
        // Past the bound a part is still formatted and served, just not kept.
        let past = MAX_REMEMBERED + 20;
        assert_eq!(remembered(&map, past, || "late".to_owned()).as_str(), "late");
        assert_eq!(remembered(&map, past, || "later".to_owned()).as_str(), "later");
    }
}
