//! Team insight: engagement, eNPS, conversation coverage, plans and
//! performance ratings per quarter, for a leader's tree, a department or the
//! whole organisation.
//!
//! Every figure comes from one [`Snapshot`] computed for all groups at once,
//! so the anonymity rules of [`foothold_domain::insight`] are decided the same
//! way for every viewer. The snapshot is rebuilt at most once a minute (per
//! replica) and never while a request waits on a fresh one, except the first.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Months, NaiveDate, Utc};
use foothold_domain::insight::{self, BeforeAfter, Figure, GroupKey, Quarter, Release, Response, Rules, Withheld};
use foothold_domain::policy;
use foothold_store::{OrgPerson, Store};
use tokio::sync::Mutex;

use crate::auth::Identity;
use crate::error::AppError;

/// Where the admin's choice of N is kept.
pub const MIN_RESPONDENTS_KEY: &str = "insight.min_respondents";
/// How long a snapshot serves before it is rebuilt.
pub const FRESH_FOR: Duration = Duration::from_secs(60);
/// Quarters shown in charts and tables.
pub const SHOWN_QUARTERS: usize = 12;

/// Facts about one group in one quarter that are not pulse answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuarterFacts {
    /// People in the group (as it is now).
    pub people: usize,
    /// Of whom had a held career conversation in the six months to the quarter's end.
    pub covered: usize,
    /// Of whom had a growth plan running at the quarter's end.
    pub with_plan: usize,
    /// How many had each rating (1 to 5) that quarter; `None` when fewer than N were rated.
    pub ratings: Option<[usize; 5]>,
}

/// Everything insight shows, for every group.
pub struct Snapshot {
    /// When it was computed.
    pub computed_at: chrono::DateTime<Utc>,
    /// The rules it was computed under.
    pub rules: Rules,
    /// Closed quarters, oldest first (all of them: the release needs every one).
    pub quarters: Vec<Quarter>,
    /// Pulse figures.
    pub release: Release,
    /// Other facts, per group, aligned with `quarters`.
    pub facts: HashMap<GroupKey, Vec<QuarterFacts>>,
    /// Steps done and steps planned in running plans, per group, now.
    pub steps: HashMap<GroupKey, (usize, usize)>,
    /// People in each group now.
    pub members: HashMap<GroupKey, usize>,
    /// Every leader (anyone with people below them), with the leaders in
    /// their tree: what a viewer may pick from, computed once per snapshot
    /// rather than by walking a large tree on every request.
    leaders_below: HashMap<i64, Vec<i64>>,
    /// Department names.
    pub departments: Vec<(i64, String)>,
    /// Names of leaders.
    pub leader_names: HashMap<i64, String>,
    /// The insight page's formatted parts for this snapshot, kept as long
    /// as it is.
    pub(crate) page_views: crate::pages::insight::PageViews,
}

/// The cached snapshot, shared by every request on this replica.
#[derive(Clone, Default)]
pub struct InsightCache(Arc<CacheInner>);

#[derive(Default)]
struct CacheInner {
    current: Mutex<Option<(Instant, Arc<Snapshot>)>>,
    refreshing: std::sync::atomic::AtomicBool,
}

impl InsightCache {
    /// The snapshot. The first request builds it; after that a stale one is
    /// served while one background task rebuilds it, so no request waits on
    /// a rebuild.
    pub async fn get(&self, store: &Store) -> Result<Arc<Snapshot>, AppError> {
        use std::sync::atomic::Ordering;
        let mut slot = match self.0.current.try_lock() {
            Ok(slot) => slot,
            Err(_) => {
                // Another request is building the first snapshot and needs
                // connections for it: wait without holding one.
                foothold_store::release_held_connection().await;
                self.0.current.lock().await
            }
        };
        match slot.as_ref() {
            Some((at, snap)) if at.elapsed() < FRESH_FOR => Ok(snap.clone()),
            Some((_, snap)) => {
                if !self.0.refreshing.swap(true, Ordering::AcqRel) {
                    let (cache, store) = (self.clone(), store.clone());
                    tokio::spawn(async move {
                        match build(&store, Utc::now().date_naive()).await {
                            Ok(fresh) => *cache.0.current.lock().await = Some((Instant::now(), Arc::new(fresh))),
                            Err(e) => tracing::error!(error = %e, "insight refresh failed; serving the last figures"),
                        }
                        cache.0.refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(snap.clone())
            }
            None => {
                let snap = Arc::new(build(store, Utc::now().date_naive()).await?);
                *slot = Some((Instant::now(), snap.clone()));
                Ok(snap)
            }
        }
    }

    /// Forgets the snapshot (after an admin changes N): the next request rebuilds it.
    pub async fn invalidate(&self) {
        // A first build may hold the lock and need a connection.
        foothold_store::release_held_connection().await;
        *self.0.current.lock().await = None;
    }
}

/// N, as the admin set it (never below the floor).
pub async fn rules(store: &Store) -> Result<Rules, AppError> {
    let n = store.setting(MIN_RESPONDENTS_KEY).await?.and_then(|v| v.parse::<usize>().ok()).unwrap_or(5);
    Ok(Rules::new(n))
}

fn quarter_end(q: Quarter) -> NaiveDate {
    q.last_day()
}

/// Builds the snapshot from the store's facts as of `today`.
pub async fn build(store: &Store, today: NaiveDate) -> Result<Snapshot, AppError> {
    let rules = rules(store).await?;
    let people = store.org_chart().await?;
    let pulses = store.pulse_rows().await?;
    let held = store.held_conversations().await?;
    let plans = store.plan_spans().await?;
    let ratings = store.ratings().await?;
    let departments = store.list_departments().await?;
    let current = Quarter::of(today);

    let responses: Vec<Response> = pulses
        .into_iter()
        .filter_map(|p| {
            let quarter = Quarter::parse(&p.quarter).ok()?;
            // Only closed quarters: a quarter still collecting answers would
            // change by one answer at a time.
            (quarter < current).then_some(Response {
                id: p.id,
                person: p.person_id,
                quarter,
                department: p.department_id,
                leaders: p.leaders,
                scores: p.scores,
                enps: p.enps,
            })
        })
        .collect();
    let mut first_conversation: HashMap<i64, Quarter> = HashMap::new();
    let mut held_by: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    for (person, at) in &held {
        let d = at.date_naive();
        first_conversation.entry(*person).or_insert(Quarter::of(d));
        held_by.entry(*person).or_default().push(d);
    }
    // Every closed quarter since the first thing happened.
    let earliest = responses
        .iter()
        .map(|r| r.quarter)
        .chain(first_conversation.values().copied())
        .chain(plans.iter().map(|p| Quarter::of(p.starts_on)))
        .min();
    let mut quarters = Vec::new();
    if let Some(mut q) = earliest {
        while q < current {
            quarters.push(q);
            match q.next() {
                Some(n) => q = n,
                None => break,
            }
        }
    }

    // The organisation as it is now: who is below whom.
    let active: Vec<&OrgPerson> = people.iter().filter(|p| p.active).collect();
    let manager: HashMap<i64, Option<i64>> = people.iter().map(|p| (p.id, p.manager_id)).collect();
    let mut below: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut members: HashMap<GroupKey, Vec<i64>> = HashMap::new();
    for p in &active {
        members.entry(GroupKey::Org).or_default().push(p.id);
        if let Some(d) = p.department_id {
            members.entry(GroupKey::Department(d)).or_default().push(p.id);
        }
        let mut seen = BTreeSet::new();
        let mut up = p.manager_id;
        while let Some(m) = up {
            if !seen.insert(m) {
                break; // a cycle would be a data error; never loop on it
            }
            members.entry(GroupKey::Tree(m)).or_default().push(p.id);
            below.entry(m).or_default().push(p.id);
            up = manager.get(&m).copied().flatten();
        }
    }
    let groups: Vec<GroupKey> = {
        let mut g: Vec<GroupKey> = members.keys().copied().collect();
        g.sort();
        g
    };
    let leader_ids: Vec<i64> = below.keys().copied().collect();
    let leader_names = store.names(&leader_ids).await?;
    let leaders_below: HashMap<i64, Vec<i64>> =
        below.iter().map(|(l, ids)| (*l, ids.iter().filter(|id| below.contains_key(id)).copied().collect())).collect();

    let quarters_for_release = quarters.clone();
    let groups_for_release = groups.clone();
    let release = tokio::task::spawn_blocking(move || {
        insight::release(&responses, &groups_for_release, &quarters_for_release, &first_conversation, rules)
    })
    .await
    .map_err(|e| AppError::Internal(format!("insight release: {e}")))?;

    let rating_of: HashMap<(i64, String), u8> = ratings.into_iter().map(|(p, q, r)| ((p, q), r)).collect();
    let mut plans_by: HashMap<i64, Vec<&foothold_store::PlanSpan>> = HashMap::new();
    for p in &plans {
        plans_by.entry(p.person_id).or_default().push(p);
    }
    let n = rules.min_respondents();
    let mut facts = HashMap::new();
    let mut steps = HashMap::new();
    for (g, ids) in &members {
        let mut per_quarter = Vec::with_capacity(quarters.len());
        for q in &quarters {
            let end = quarter_end(*q);
            let since = end.checked_sub_months(Months::new(6)).unwrap_or(end);
            let mut f = QuarterFacts { people: ids.len(), ..Default::default() };
            let mut dist = [0usize; 5];
            let mut rated = 0;
            for id in ids {
                if held_by.get(id).is_some_and(|ds| ds.iter().any(|d| *d > since && *d <= end)) {
                    f.covered += 1;
                }
                if plans_by.get(id).is_some_and(|ps| {
                    ps.iter().any(|p| {
                        p.starts_on <= end && end <= p.ends_on && p.closed_at.is_none_or(|c| c.date_naive() > end)
                    })
                }) {
                    f.with_plan += 1;
                }
                if let Some(r) = rating_of.get(&(*id, q.iso())) {
                    dist[usize::from(r.clamp(&1, &5) - 1)] += 1;
                    rated += 1;
                }
            }
            f.ratings = (rated >= n).then_some(dist);
            per_quarter.push(f);
        }
        facts.insert(*g, per_quarter);
        let (mut done, mut total) = (0, 0);
        for id in ids {
            for p in plans_by.get(id).map(Vec::as_slice).unwrap_or_default() {
                if p.closed_at.is_none() && p.starts_on <= today && today <= p.ends_on {
                    done += p.steps_done.max(0) as usize;
                    total += p.steps.max(0) as usize;
                }
            }
        }
        steps.insert(*g, (done, total));
    }
    Ok(Snapshot {
        computed_at: Utc::now(),
        rules,
        quarters,
        release,
        facts,
        steps,
        members: members.into_iter().map(|(g, ids)| (g, ids.len())).collect(),
        leaders_below,
        departments,
        leader_names,
        page_views: Default::default(),
    })
}

/// A group as the URL names it: `org`, `dept-3`, `tree-12`.
pub fn parse_group(s: &str) -> Option<GroupKey> {
    match s.trim() {
        "org" => Some(GroupKey::Org),
        other => {
            let (kind, id) = other.split_once('-')?;
            let id: i64 = id.parse().ok()?;
            match kind {
                "dept" => Some(GroupKey::Department(id)),
                "tree" => Some(GroupKey::Tree(id)),
                _ => None,
            }
        }
    }
}

/// The URL name of a group.
pub fn group_param(g: GroupKey) -> String {
    match g {
        GroupKey::Org => "org".into(),
        GroupKey::Department(d) => format!("dept-{d}"),
        GroupKey::Tree(l) => format!("tree-{l}"),
    }
}

impl Snapshot {
    /// A group's name.
    pub fn label(&self, g: GroupKey) -> String {
        match g {
            GroupKey::Org => "The whole organisation".into(),
            GroupKey::Department(d) => self
                .departments
                .iter()
                .find(|(id, _)| *id == d)
                .map(|(_, n)| format!("{n} department"))
                .unwrap_or_else(|| "A department".into()),
            GroupKey::Tree(l) => {
                format!("{}'s team", self.leader_names.get(&l).cloned().unwrap_or_else(|| "A leader".into()))
            }
        }
    }

    /// The groups a viewer may look at: admins every group; a leader their
    /// own tree and the trees of leaders within it.
    pub fn groups_for(&self, v: &Identity) -> Vec<GroupKey> {
        let admin = v.person.role == foothold_domain::Role::Admin;
        let mut out = Vec::new();
        if admin {
            out.push(GroupKey::Org);
            let mut ds: Vec<&(i64, String)> = self
                .departments
                .iter()
                .filter(|(id, _)| self.members.contains_key(&GroupKey::Department(*id)))
                .collect();
            ds.sort_by(|a, b| a.1.cmp(&b.1));
            out.extend(ds.into_iter().map(|(id, _)| GroupKey::Department(*id)));
        }
        let mut trees: Vec<i64> = if admin {
            self.leaders_below.keys().copied().collect()
        } else {
            match self.leaders_below.get(&v.person.id) {
                Some(ids) => std::iter::once(v.person.id).chain(ids.iter().copied()).collect(),
                None => Vec::new(),
            }
        };
        if admin {
            let name = |l: &i64| self.leader_names.get(l).map(String::as_str).unwrap_or_default();
            trees.sort_by(|a, b| name(a).cmp(name(b)));
        }
        out.extend(trees.into_iter().map(GroupKey::Tree));
        out
    }

    /// Checks that a viewer may see a group.
    pub fn allow(&self, v: &Identity, g: GroupKey) -> Result<(), AppError> {
        let mine = self.groups_for(v).contains(&g);
        policy::may_see_insight(v.actor(), mine)?;
        if !mine {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// The last [`SHOWN_QUARTERS`] closed quarters.
    pub fn shown(&self) -> &[Quarter] {
        let n = self.quarters.len();
        &self.quarters[n.saturating_sub(SHOWN_QUARTERS)..]
    }

    /// A group's pulse figure for a quarter.
    pub fn figure(&self, g: GroupKey, q: Quarter) -> Result<&Figure, Withheld> {
        self.release.figure(g, q).unwrap_or(Err(Withheld::NotEnough))
    }

    /// A group's before-and-after comparison.
    pub fn before_after(&self, g: GroupKey) -> Result<&BeforeAfter, Withheld> {
        self.release.before_after(g).unwrap_or(Err(Withheld::NotEnough))
    }

    /// Non-pulse facts of a group for a quarter; `None` when the group is
    /// smaller than N (its shares would single people out).
    pub fn facts(&self, g: GroupKey, q: Quarter) -> Option<&QuarterFacts> {
        let i = self.quarters.iter().position(|x| *x == q)?;
        let f = self.facts.get(&g)?.get(i)?;
        (f.people >= self.rules.min_respondents()).then_some(f)
    }

    /// Step progress of running plans, when the group has at least N people.
    pub fn steps(&self, g: GroupKey) -> Option<(usize, usize)> {
        let people = self.members.get(&g).copied().unwrap_or(0);
        (people >= self.rules.min_respondents()).then(|| self.steps.get(&g).copied().unwrap_or_default())
    }
}

/// The default group for a viewer: their own tree, or the organisation for an admin without one.
pub fn default_group(snap: &Snapshot, v: &Identity) -> Option<GroupKey> {
    let groups = snap.groups_for(v);
    groups.iter().find(|g| **g == GroupKey::Tree(v.person.id)).copied().or_else(|| groups.first().copied())
}

/// The current quarter's label, for "figures appear when the quarter ends".
pub fn current_quarter() -> Quarter {
    Quarter::of(Utc::now().date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_round_trip_through_the_url() {
        for g in [GroupKey::Org, GroupKey::Department(3), GroupKey::Tree(12)] {
            assert_eq!(parse_group(&group_param(g)), Some(g));
        }
        for bad in ["", "team-1", "dept-x", "tree-", "org-1"] {
            assert_eq!(parse_group(bad), None, "{bad}");
        }
    }
}
