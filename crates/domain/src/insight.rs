//! Which pulse figures may be shown, so that nobody's answers can be worked out.
//!
//! Each quarter people answer a short pulse: the five statements of [`ITEMS`] on
//! a 1–5 agreement scale, and eNPS (0–10). Only the author ever sees an answer;
//! leaders and admins see figures for groups ([`GroupKey`]). [`release`] decides,
//! purely and deterministically, which of those figures may be shown. N below is
//! [`Rules::min_respondents`]: 5 unless configured, never below 3.
//!
//! 1. **Threshold.** A group's figure for a quarter is released only when at
//!    least N distinct people in the group answered in that quarter.
//! 2. **Pooling.** Otherwise the group's last 2, 3 or 4 quarters ending at that
//!    quarter are pooled (up to [`Rules::max_pool`]), taking the shortest window
//!    that reaches N distinct people, and the figure is labelled with that
//!    window. If even the longest window falls short, the figure is withheld:
//!    "not enough responses yet" ([`Withheld::NotEnough`]).
//! 3. **Differencing.** No two released figures rest on response sets that
//!    differ by at least one and fewer than N responses, because subtracting one
//!    figure from the other would show those few answers (a department and the
//!    same department without a small team; a leader's tree and the tree of
//!    their only sub-leader; two overlapping pooled windows).
//! 4. **Remainders.** Likewise, what is left of a released figure once the
//!    released figures lying wholly inside it, not overlapping one another, are
//!    taken away must be no responses or at least N (a leader's tree less the
//!    trees of their two sub-leaders would show those two sub-leaders).
//! 5. **Same set, same figure.** Groups whose response sets are identical (a
//!    department that is the whole organisation) give the same figure, which is
//!    released for each of them.
//! 6. **Before and after.** A group's engagement before and after career
//!    conversations compares, per person, the quarter before their first
//!    conversation with the mean of their quarters after the quarter it was
//!    held in. Only people with both count, and only the aggregate is shown,
//!    when at least N people have both and neither the "before" nor the "after"
//!    responses would break rules 3 and 4.
//!
//! Rules 3, 4 and 6 are decided once for all viewers: candidates are considered
//! in a fixed order (quarterly figures quarter by quarter, then before-and-after
//! figures; within each, larger response sets first, then by group), and one
//! that would break a rule together with a figure already released is withheld
//! ([`Withheld::Differencing`]). The outcome depends on the responses and on the
//! lists of groups and quarters, never on who asks or in which order they were
//! passed, so no viewer can combine the figures they are shown to isolate fewer
//! than N people. Because earlier quarters come first, adding a later quarter
//! and its responses leaves every earlier quarter's figures as they were.
//!
//! Groups are as they were when people answered: each [`Response`] carries the
//! department and line of leaders of that moment.
//!
//! For these guarantees to hold, the caller must:
//! - pass every group and quarter that any viewer may see in one call, and show
//!   figures only from the resulting [`Release`];
//! - keep passing every group and quarter once shown (all quarters since the
//!   first, not a sliding window), so that figures shown before stay in the
//!   comparison;
//! - show a quarter only once its pulse has closed, and not recompute it when an
//!   answer is later removed: two releases that differ by one late answer are
//!   two figures that differ by one response.
//!
//! The before-and-after figure grows as quarters are added, and these rules
//! compare it only with figures of the same release: one that changes between
//! two releases by the answers of a few people can reveal something of them.
//!
//! Rule 4 is exact when the released groups nest (within a quarter, trees nest
//! inside each other and inside the organisation). Where released groups overlap
//! partly (departments that cut across trees, pooled windows), it checks one
//! packing, chosen in the fixed order above, rather than every combination.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// The five pulse statements, in the order of [`Response::scores`].
pub const ITEMS: [&str; 5] = [
    "I have energy at work",
    "I get to use my strengths",
    "I see a path to grow here",
    "I have ownership of my work",
    "My leader supports me",
];

/// A calendar quarter, such as 2027 Q1 (January to March 2027).
///
/// Ordered by time. Years are those chrono can represent, so that every
/// quarter has a first and a last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    q: u8,
}

/// A quarter could not be read; they are written like `2027-Q1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a quarter: write it like 2027-Q1")]
pub struct BadQuarter;

impl Quarter {
    /// Quarter `q` (1 to 4) of `year`, if both are in range.
    pub fn new(year: i32, q: u8) -> Option<Quarter> {
        let years = NaiveDate::MIN.year()..=NaiveDate::MAX.year();
        (years.contains(&year) && (1..=4).contains(&q)).then_some(Quarter { year, q })
    }

    /// The quarter a day falls in.
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter { year: date.year(), q: (date.month0() / 3 + 1) as u8 }
    }

    /// Reads `2027-Q1`; `2027 Q1` (as displayed) and a lower-case `q` are accepted too.
    pub fn parse(text: &str) -> Result<Quarter, BadQuarter> {
        let (year, q) = text.trim().split_once(['-', ' ']).ok_or(BadQuarter)?;
        let q = q.strip_prefix(['Q', 'q']).ok_or(BadQuarter)?;
        // Digits only: a sign or a second number is a typo, not a quarter.
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year) || q.len() != 1 || !digits(q) {
            return Err(BadQuarter);
        }
        let year = year.parse().map_err(|_| BadQuarter)?;
        Quarter::new(year, q.parse().map_err(|_| BadQuarter)?).ok_or(BadQuarter)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The quarter of the year, 1 to 4.
    pub fn q(self) -> u8 {
        self.q
    }

    /// The form [`Quarter::parse`] reads, for URLs and storage: `2027-Q1`.
    pub fn iso(self) -> String {
        format!("{}-Q{}", self.year, self.q)
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        // Never falls back: `new` admits only years chrono represents in full.
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        let day = if matches!(self.q, 2 | 3) { 30 } else { 31 };
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3, day).unwrap_or(NaiveDate::MAX)
    }

    /// The quarter after, unless this is the last one chrono can represent.
    pub fn next(self) -> Option<Quarter> {
        Quarter::from_index(self.index() + 1)
    }

    /// The quarter before, unless this is the first one chrono can represent.
    pub fn prev(self) -> Option<Quarter> {
        Quarter::from_index(self.index() - 1)
    }

    /// Quarters counted from year 0, so that windows are plain arithmetic.
    fn index(self) -> i64 {
        i64::from(self.year) * 4 + i64::from(self.q) - 1
    }

    fn from_index(index: i64) -> Option<Quarter> {
        let year = i32::try_from(index.div_euclid(4)).ok()?;
        Quarter::new(year, index.rem_euclid(4) as u8 + 1)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Q{}", self.year, self.q)
    }
}

impl FromStr for Quarter {
    type Err = BadQuarter;

    fn from_str(text: &str) -> Result<Quarter, BadQuarter> {
        Quarter::parse(text)
    }
}

/// One pulse response, as the store hands it over.
///
/// The group fields are as they were when the person answered, so that a figure
/// for a past quarter does not change when someone moves team.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Response {
    /// The response's id, unique among responses.
    pub id: i64,
    /// Who answered.
    pub person: i64,
    /// The quarter answered for.
    pub quarter: Quarter,
    /// Their department then, if any.
    pub department: Option<i64>,
    /// The managers above them then, direct manager first.
    pub leaders: Vec<i64>,
    /// Agreement with each of [`ITEMS`], 1 to 5 (others are clamped).
    pub scores: [u8; 5],
    /// How likely they are to recommend the team as a place to work, 0 to 10 (above is 10).
    pub enps: u8,
}

/// A group that figures can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKey {
    /// Everyone.
    Org,
    /// Everyone in this department.
    Department(i64),
    /// Everyone below this leader, at any depth; not the leader.
    Tree(i64),
}

impl GroupKey {
    /// Whether a response counts towards this group's figures.
    pub fn contains(self, response: &Response) -> bool {
        match self {
            GroupKey::Org => true,
            GroupKey::Department(d) => response.department == Some(d),
            GroupKey::Tree(leader) => response.leaders.contains(&leader),
        }
    }
}

/// The settings of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    min_respondents: usize,
    max_pool: u8,
}

impl Rules {
    /// The smallest N that may be configured: with two, each of the pair could
    /// read the other's answers off the figure.
    pub const FLOOR: usize = 3;

    /// Rules releasing figures of at least `min_respondents` people (raised to
    /// [`Rules::FLOOR`]), pooling up to four quarters.
    pub fn new(min_respondents: usize) -> Rules {
        Rules { min_respondents: min_respondents.max(Rules::FLOOR), max_pool: 4 }
    }

    /// The same rules pooling at most `quarters` quarters, 1 (no pooling) to 4;
    /// older answers say little about a team now.
    pub fn with_max_pool(self, quarters: u8) -> Rules {
        Rules { max_pool: quarters.clamp(1, 4), ..self }
    }

    /// N: the fewest distinct people behind a figure.
    pub fn min_respondents(self) -> usize {
        self.min_respondents
    }

    /// The most quarters a figure may pool.
    pub fn max_pool(self) -> u8 {
        self.max_pool
    }
}

impl Default for Rules {
    /// Five people, up to four quarters.
    fn default() -> Rules {
        Rules::new(5)
    }
}

/// A group's pulse figure for a quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Distinct people behind it.
    pub respondents: usize,
    /// Responses behind it (more than people when quarters are pooled).
    pub responses: usize,
    /// The engagement index, 0 to 100: see [`engagement_index`].
    pub engagement: f64,
    /// The mean of each of [`ITEMS`], 1 to 5.
    pub items: [f64; 5],
    /// eNPS, -100 to 100: see [`enps`].
    pub enps: i32,
    /// The first and last quarter pooled, when it is not the quarter alone.
    pub pooled: Option<(Quarter, Quarter)>,
}

/// Engagement before and after career conversations, over the people who have both.
#[derive(Debug, Clone, PartialEq)]
pub struct BeforeAfter {
    /// People with a response in the quarter before their first conversation
    /// and at least one in a quarter after the one it was held in.
    pub people: usize,
    /// Mean engagement index in the quarter before.
    pub before: f64,
    /// Mean over people of each person's mean engagement index after.
    pub after: f64,
    /// `after - before`: the mean change per person.
    pub change: f64,
}

/// Why a figure is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// Fewer than N people answered, even pooling quarters.
    NotEnough,
    /// Shown together with other figures, it would reveal fewer than N people's answers.
    Differencing,
}

impl fmt::Display for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Withheld::NotEnough => "not enough responses yet",
            Withheld::Differencing => "withheld because, with other figures, it could reveal a few people's answers",
        })
    }
}

/// Everything that may be shown, decided once for all viewers.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    rules: Rules,
    figures: BTreeMap<(GroupKey, Quarter), Result<Figure, Withheld>>,
    before_after: BTreeMap<GroupKey, Result<BeforeAfter, Withheld>>,
}

impl Release {
    /// A group's figure for a quarter; `None` when that group or quarter was not asked for.
    pub fn figure(&self, group: GroupKey, quarter: Quarter) -> Option<Result<&Figure, Withheld>> {
        self.figures.get(&(group, quarter)).map(|f| f.as_ref().map_err(|w| *w))
    }

    /// A group's engagement before and after career conversations; `None` when not asked for.
    pub fn before_after(&self, group: GroupKey) -> Option<Result<&BeforeAfter, Withheld>> {
        self.before_after.get(&group).map(|f| f.as_ref().map_err(|w| *w))
    }

    /// Every group's figure for every quarter asked for, by group then quarter.
    pub fn figures(&self) -> impl Iterator<Item = (GroupKey, Quarter, Result<&Figure, Withheld>)> {
        self.figures.iter().map(|(&(g, q), f)| (g, q, f.as_ref().map_err(|w| *w)))
    }

    /// The rules it was decided under.
    pub fn rules(&self) -> Rules {
        self.rules
    }
}

/// The engagement index of some responses: the mean of all five items, each
/// mapped from 1–5 onto 0–100 (so all 1s are 0, all 3s 50, all 5s 100); 0 for none.
pub fn engagement_index(scores: &[[u8; 5]]) -> f64 {
    let mut tally = Tally::default();
    scores.iter().for_each(|s| tally.add_scores(s));
    tally.engagement()
}

/// eNPS: the percentage of promoters (9–10) less that of detractors (0–6),
/// rounded half away from zero; 0 for none.
pub fn enps(scores: &[u8]) -> i32 {
    let mut tally = Tally::default();
    scores.iter().for_each(|&s| tally.add_enps(s));
    tally.enps()
}

/// Decides every figure for `groups` × `quarters`, and the before-and-after
/// figure of each group given each person's first career conversation. See the
/// module documentation for the rules.
///
/// Responses outside `quarters` still count towards pooled windows and towards
/// before and after.
pub fn release(
    responses: &[Response],
    groups: &[GroupKey],
    quarters: &[Quarter],
    first_conversation: &HashMap<i64, Quarter>,
    rules: Rules,
) -> Release {
    let data = Prepared::new(responses, groups);
    let mut ledger = Ledger::new(rules.min_respondents, data.responses.len());
    let figures = quarterly(&data, quarters, rules, &mut ledger);
    let before_after = before_and_after(&data, first_conversation, rules, &mut ledger);
    Release { rules, figures, before_after }
}

/// Responses in a canonical order, and the groups asked for.
///
/// Responses are numbered by person, then quarter, then id: every set of
/// responses below is a sorted list of those numbers, so its people come in
/// runs and counting them needs no hashing.
struct Prepared<'a> {
    responses: Vec<&'a Response>,
    groups: Vec<GroupKey>,
    org: Option<usize>,
    departments: HashMap<i64, usize>,
    trees: HashMap<i64, usize>,
}

impl<'a> Prepared<'a> {
    fn new(responses: &'a [Response], groups: &[GroupKey]) -> Prepared<'a> {
        let mut ordered: Vec<&Response> = responses.iter().collect();
        ordered.sort_by(|a, b| (a.person, a.quarter, a.id).cmp(&(b.person, b.quarter, b.id)).then_with(|| a.cmp(b)));
        // Ids are meant to be unique; if not, one copy counts, the same whatever the input order.
        let mut seen = HashSet::with_capacity(ordered.len());
        ordered.retain(|r| seen.insert(r.id));
        let mut groups = groups.to_vec();
        groups.sort_unstable();
        groups.dedup();
        let mut org = None;
        let mut departments = HashMap::new();
        let mut trees = HashMap::new();
        for (i, g) in groups.iter().enumerate() {
            match *g {
                GroupKey::Org => org = Some(i),
                GroupKey::Department(d) => _ = departments.insert(d, i),
                GroupKey::Tree(l) => _ = trees.insert(l, i),
            }
        }
        Prepared { responses: ordered, groups, org, departments, trees }
    }

    /// The groups (indices into `groups`) a response counts towards, ascending.
    fn memberships(&self, r: &Response, out: &mut Vec<usize>) {
        out.clear();
        out.extend(self.org);
        out.extend(r.department.and_then(|d| self.departments.get(&d)));
        out.extend(r.leaders.iter().filter_map(|l| self.trees.get(l)));
        out.sort_unstable();
        out.dedup();
    }

    fn person(&self, i: u32) -> i64 {
        self.responses[i as usize].person
    }

    /// Distinct people in a sorted set.
    fn people(&self, set: &[u32]) -> usize {
        let mut count = 0;
        let mut last = None;
        for &i in set {
            let p = self.person(i);
            if last != Some(p) {
                count += 1;
                last = Some(p);
            }
        }
        count
    }

    fn tally(&self, set: &[u32]) -> Tally {
        let mut tally = Tally::default();
        for &i in set {
            let r = self.responses[i as usize];
            tally.add_scores(&r.scores);
            tally.add_enps(r.enps);
        }
        tally
    }
}

/// A figure that passed the threshold, waiting for the differencing rules.
struct Candidate {
    group: usize,
    quarter: Quarter,
    pooled: Option<(Quarter, Quarter)>,
    set: Vec<u32>,
}

fn quarterly(
    data: &Prepared,
    quarters: &[Quarter],
    rules: Rules,
    ledger: &mut Ledger,
) -> BTreeMap<(GroupKey, Quarter), Result<Figure, Withheld>> {
    let mut quarters = quarters.to_vec();
    quarters.sort_unstable();
    quarters.dedup();
    let pool = i64::from(rules.max_pool);
    // Every quarter some window reaches back to, as slots of a group × slot table.
    let mut slots: Vec<i64> = quarters.iter().flat_map(|q| (0..pool).map(move |k| q.index() - k)).collect();
    slots.sort_unstable();
    slots.dedup();
    let width = slots.len();
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); data.groups.len() * width];
    let mut member = Vec::new();
    for (i, r) in data.responses.iter().enumerate() {
        let Ok(slot) = slots.binary_search(&r.quarter.index()) else { continue };
        data.memberships(r, &mut member);
        for &g in &member {
            // u32 keeps the sets compact; no organisation has four billion responses.
            buckets[g * width + slot].push(i as u32);
        }
    }

    let mut figures = BTreeMap::new();
    let mut candidates = Vec::new();
    for group in 0..data.groups.len() {
        for &quarter in &quarters {
            let mut set = Vec::new();
            let mut reached = None;
            for k in 0..pool {
                let Some(from) = Quarter::from_index(quarter.index() - k) else { break };
                if let Ok(slot) = slots.binary_search(&from.index()) {
                    set.extend_from_slice(&buckets[group * width + slot]);
                }
                if k > 0 {
                    set.sort_unstable();
                }
                if data.people(&set) >= rules.min_respondents {
                    reached = Some((k > 0).then_some((from, quarter)));
                    break;
                }
            }
            match reached {
                Some(pooled) => candidates.push(Candidate { group, quarter, pooled, set }),
                None => _ = figures.insert((data.groups[group], quarter), Err(Withheld::NotEnough)),
            }
        }
    }

    // The fixed order of the module documentation. Quarter by quarter, so that
    // a new quarter cannot change what was shown for earlier ones; within one,
    // larger sets first, so that the organisation and departments win over the
    // small trees they would give away.
    candidates
        .sort_by(|a, b| a.quarter.cmp(&b.quarter).then(b.set.len().cmp(&a.set.len())).then(a.group.cmp(&b.group)));
    for c in candidates {
        let figure = if ledger.admit(&c.set) {
            let tally = data.tally(&c.set);
            Ok(Figure {
                respondents: data.people(&c.set),
                responses: c.set.len(),
                engagement: tally.engagement(),
                items: tally.items(),
                enps: tally.enps(),
                pooled: c.pooled,
            })
        } else {
            Err(Withheld::Differencing)
        };
        figures.insert((data.groups[c.group], c.quarter), figure);
    }
    figures
}

/// Sums from which every figure is computed in integers, so that the result
/// does not depend on the order responses are added in.
#[derive(Debug, Default)]
struct Tally {
    responses: u64,
    sums: [u64; 5],
    recommenders: u64,
    promoters: u64,
    detractors: u64,
}

impl Tally {
    fn add_scores(&mut self, scores: &[u8; 5]) {
        self.responses += 1;
        for (sum, &s) in self.sums.iter_mut().zip(scores) {
            *sum += u64::from(s.clamp(1, 5));
        }
    }

    fn add_enps(&mut self, score: u8) {
        self.recommenders += 1;
        match score {
            0..=6 => self.detractors += 1,
            7..=8 => {}
            _ => self.promoters += 1,
        }
    }

    fn engagement(&self) -> f64 {
        if self.responses == 0 {
            return 0.0;
        }
        // Each item is 25 × (score − 1); the mean of 5 × responses of them.
        let total: u64 = self.sums.iter().sum();
        5.0 * (total - 5 * self.responses) as f64 / self.responses as f64
    }

    fn items(&self) -> [f64; 5] {
        self.sums.map(|s| if self.responses == 0 { 0.0 } else { s as f64 / self.responses as f64 })
    }

    fn enps(&self) -> i32 {
        if self.recommenders == 0 {
            return 0;
        }
        let net = self.promoters as f64 - self.detractors as f64;
        (net * 100.0 / self.recommenders as f64).round() as i32
    }
}

/// A person's responses on one side of their first conversation, within one group.
fn runs<'s>(data: &'s Prepared, set: &'s [u32]) -> impl Iterator<Item = (i64, &'s [u32])> + 's {
    set.chunk_by(move |&a, &b| data.person(a) == data.person(b)).map(move |run| (data.person(run[0]), run))
}

fn before_and_after(
    data: &Prepared,
    first_conversation: &HashMap<i64, Quarter>,
    rules: Rules,
    ledger: &mut Ledger,
) -> BTreeMap<GroupKey, Result<BeforeAfter, Withheld>> {
    let groups = data.groups.len();
    let mut befores: Vec<Vec<u32>> = vec![Vec::new(); groups];
    let mut afters: Vec<Vec<u32>> = vec![Vec::new(); groups];
    let mut member = Vec::new();
    for (i, r) in data.responses.iter().enumerate() {
        let Some(&first) = first_conversation.get(&r.person) else { continue };
        // The conversation's own quarter is neither: the pulse may have come before or after it.
        let side = if Some(r.quarter) == first.prev() {
            &mut befores
        } else if r.quarter > first {
            &mut afters
        } else {
            continue;
        };
        data.memberships(r, &mut member);
        for &g in &member {
            side[g].push(i as u32);
        }
    }

    let mut out = BTreeMap::new();
    let mut candidates = Vec::new();
    for (group, (before, after)) in befores.iter().zip(&afters).enumerate() {
        // Pair people up: both lists come in runs of one person, in person order.
        let (mut was, mut is) = (Vec::new(), Vec::new());
        let (mut before_sum, mut after_sum, mut people) = (0.0, 0.0, 0usize);
        let mut later = runs(data, after).peekable();
        for (person, earlier) in runs(data, before) {
            while later.next_if(|(p, _)| *p < person).is_some() {}
            let Some((_, then)) = later.next_if(|(p, _)| *p == person) else { continue };
            before_sum += data.tally(earlier).engagement();
            after_sum += data.tally(then).engagement();
            people += 1;
            was.extend_from_slice(earlier);
            is.extend_from_slice(then);
        }
        if people < rules.min_respondents {
            out.insert(data.groups[group], Err(Withheld::NotEnough));
            continue;
        }
        let (before, after) = (before_sum / people as f64, after_sum / people as f64);
        candidates.push((group, BeforeAfter { people, before, after, change: after - before }, was, is));
    }

    candidates.sort_by_key(|c| (Reverse(c.1.people), c.0));
    for (group, figure, was, is) in candidates {
        // If "after" fails, "before" stays in the ledger though unshown: that
        // only withholds more later, and keeps the ledger simple.
        let shown = ledger.admit(&was) && ledger.admit(&is);
        out.insert(data.groups[group], if shown { Ok(figure) } else { Err(Withheld::Differencing) });
    }
    out
}

/// The response sets released so far, indexed so that a new set is compared
/// only with the released sets it shares responses with: sets that share none
/// differ by at least 2N anyway.
struct Ledger {
    n: usize,
    sets: Vec<Vec<u32>>,
    /// Per set: responses not in the released sets packed inside it (rule 4).
    residual: Vec<usize>,
    /// Per response: the sets containing it.
    holders: Vec<Vec<u32>>,
    /// Per response: the sets in whose packing it lies.
    packed: Vec<Vec<u32>>,
    /// Per set, while judging: responses shared with the new set, and of those in its packing.
    hits: Vec<u32>,
    packed_hits: Vec<u32>,
    touched: Vec<u32>,
    /// Per response, while packing a new set.
    mark: Vec<bool>,
}

enum Verdict {
    Refuse,
    /// Identical to a released set: the same figure again.
    Same,
    New {
        supersets: Vec<u32>,
        subsets: Vec<u32>,
        residual: usize,
    },
}

impl Ledger {
    fn new(n: usize, responses: usize) -> Ledger {
        Ledger {
            n,
            sets: Vec::new(),
            residual: Vec::new(),
            holders: vec![Vec::new(); responses],
            packed: vec![Vec::new(); responses],
            hits: Vec::new(),
            packed_hits: Vec::new(),
            touched: Vec::new(),
            mark: vec![false; responses],
        }
    }

    /// Records a sorted set as released, unless with those already released it
    /// would isolate fewer than N responses. Says whether it may be shown.
    fn admit(&mut self, set: &[u32]) -> bool {
        for &e in set {
            for &r in &self.holders[e as usize] {
                if self.hits[r as usize] == 0 {
                    self.touched.push(r);
                }
                self.hits[r as usize] += 1;
            }
            for &r in &self.packed[e as usize] {
                self.packed_hits[r as usize] += 1;
            }
        }
        let verdict = self.judge(set);
        for &r in &self.touched {
            self.hits[r as usize] = 0;
            self.packed_hits[r as usize] = 0;
        }
        self.touched.clear();
        match verdict {
            Verdict::Refuse => false,
            Verdict::Same => true,
            Verdict::New { supersets, subsets, residual } => {
                self.commit(set, &supersets, &subsets, residual);
                true
            }
        }
    }

    fn judge(&mut self, set: &[u32]) -> Verdict {
        let len = set.len();
        let mut supersets = Vec::new();
        let mut subsets = Vec::new();
        for &r in &self.touched {
            let other = self.sets[r as usize].len();
            let common = self.hits[r as usize] as usize;
            if common == len && other == len {
                return Verdict::Same;
            }
            // Rule 3; not identical, so they differ by at least one.
            if len + other - 2 * common < self.n {
                return Verdict::Refuse;
            }
            if common == len {
                // Inside r, and clear of r's packing: it joins the packing (rule 4).
                if self.packed_hits[r as usize] == 0 {
                    let left = self.residual[r as usize].saturating_sub(len);
                    if left > 0 && left < self.n {
                        return Verdict::Refuse;
                    }
                    supersets.push(r);
                }
            } else if common == other {
                subsets.push(r);
            }
        }
        // Released sets inside this one (only before-and-after sets meet any,
        // as quarterly sets come largest first): pack them, largest first.
        subsets.sort_by_key(|&r| (Reverse(self.sets[r as usize].len()), r));
        let mut packing = Vec::new();
        let mut covered = 0;
        for r in subsets {
            let inner = &self.sets[r as usize];
            if inner.iter().all(|&e| !self.mark[e as usize]) {
                inner.iter().for_each(|&e| self.mark[e as usize] = true);
                covered += inner.len();
                packing.push(r);
            }
        }
        for &r in &packing {
            self.sets[r as usize].iter().for_each(|&e| self.mark[e as usize] = false);
        }
        let residual = len - covered;
        if residual > 0 && residual < self.n {
            return Verdict::Refuse;
        }
        Verdict::New { supersets, subsets: packing, residual }
    }

    fn commit(&mut self, set: &[u32], supersets: &[u32], packing: &[u32], residual: usize) {
        let id = self.sets.len() as u32;
        for &e in set {
            self.holders[e as usize].push(id);
        }
        for &r in supersets {
            self.residual[r as usize] = self.residual[r as usize].saturating_sub(set.len());
            set.iter().for_each(|&e| self.packed[e as usize].push(r));
        }
        for &r in packing {
            for &e in &self.sets[r as usize] {
                self.packed[e as usize].push(id);
            }
        }
        self.sets.push(set.to_vec());
        self.residual.push(residual);
        self.hits.push(0);
        self.packed_hits.push(0);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn q(text: &str) -> Quarter {
        Quarter::parse(text).expect("quarter")
    }

    /// Responses with fresh ids; everyone scores 1 + person % 5 unless set.
    #[derive(Default)]
    struct Pulse {
        responses: Vec<Response>,
    }

    impl Pulse {
        fn answer(&mut self, person: i64, quarter: &str, department: Option<i64>, leaders: &[i64]) -> &mut Response {
            let score = 1 + (person % 5) as u8;
            self.responses.push(Response {
                id: self.responses.len() as i64 + 1,
                person,
                quarter: q(quarter),
                department,
                leaders: leaders.to_vec(),
                scores: [score; 5],
                enps: score * 2,
            });
            self.responses.last_mut().expect("just pushed")
        }

        fn many(
            &mut self,
            people: impl IntoIterator<Item = i64>,
            quarter: &str,
            department: Option<i64>,
            leaders: &[i64],
        ) {
            for p in people {
                self.answer(p, quarter, department, leaders);
            }
        }

        fn release(&self, groups: &[GroupKey], quarters: &[&str], rules: Rules) -> Release {
            let quarters: Vec<Quarter> = quarters.iter().map(|s| q(s)).collect();
            release(&self.responses, groups, &quarters, &HashMap::new(), rules)
        }
    }

    fn shown(release: &Release, group: GroupKey, quarter: &str) -> Result<Figure, Withheld> {
        release.figure(group, q(quarter)).expect("asked for").cloned()
    }

    use GroupKey::{Department, Org, Tree};

    #[test]
    fn engagement_index_maps_the_scale_onto_0_to_100() {
        assert_eq!(engagement_index(&[[1; 5], [1; 5]]), 0.0);
        assert_eq!(engagement_index(&[[5; 5]]), 100.0);
        assert_eq!(engagement_index(&[[1, 2, 3, 4, 5]]), 50.0);
        // 80 and 50.
        assert_eq!(engagement_index(&[[5, 5, 5, 5, 1], [3; 5]]), 65.0);
        // Out-of-range scores are clamped to the scale.
        assert_eq!(engagement_index(&[[0, 9, 1, 5, 3]]), 50.0);
        assert_eq!(engagement_index(&[]), 0.0);
    }

    #[test]
    fn enps_is_promoters_less_detractors_rounded() {
        // Two promoters, two passives, two detractors.
        assert_eq!(enps(&[10, 9, 8, 7, 6, 0]), 0);
        assert_eq!(enps(&[9, 9, 9, 6]), 50);
        assert_eq!(enps(&[0, 0, 7]), -67);
        assert_eq!(enps(&[10, 7, 7]), 33);
        assert_eq!(enps(&[10]), 100);
        assert_eq!(enps(&[6, 6]), -100);
        assert_eq!(enps(&[7, 8]), 0);
        assert_eq!(enps(&[9, 8, 8, 8, 8, 8, 8, 8]), 13);
        assert_eq!(enps(&[]), 0);
    }

    #[test]
    fn quarters_read_print_and_step() {
        let q1 = q("2027-Q1");
        assert_eq!((q1.year(), q1.q()), (2027, 1));
        assert_eq!(q1.to_string(), "2027 Q1");
        assert_eq!(q1.iso(), "2027-Q1");
        assert_eq!(q("2027 Q1"), q1);
        assert_eq!(" 2027-q1 ".parse::<Quarter>(), Ok(q1));
        for bad in ["2027", "2027-Q5", "2027-Q0", "2027-Q", "-2027-Q1", "2027-1", "2027-Q12", "Q1-2027", ""] {
            assert_eq!(Quarter::parse(bad), Err(BadQuarter), "{bad}");
        }
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(Quarter::of(d("2027-03-31")), q1);
        assert_eq!(Quarter::of(d("2027-04-01")), q("2027-Q2"));
        assert_eq!(Quarter::of(d("2026-12-31")), q("2026-Q4"));
        assert_eq!((q1.first_day(), q1.last_day()), (d("2027-01-01"), d("2027-03-31")));
        assert_eq!(q("2027-Q2").last_day(), d("2027-06-30"));
        assert_eq!(q("2027-Q3").last_day(), d("2027-09-30"));
        assert_eq!(q("2027-Q4").last_day(), d("2027-12-31"));
        assert_eq!(q1.prev(), Some(q("2026-Q4")));
        assert_eq!(q("2026-Q4").next(), Some(q1));
        assert!(q("2026-Q4") < q1 && q1 < q("2027-Q2"));
        assert_eq!(Quarter::new(2027, 5), None);
        let last = Quarter::of(NaiveDate::MAX);
        assert_eq!((last.next(), last.last_day()), (None, NaiveDate::MAX));
        let first = Quarter::of(NaiveDate::MIN);
        assert_eq!((first.prev(), first.first_day()), (None, NaiveDate::MIN));
    }

    #[test]
    fn groups_are_as_they_were_when_people_answered() {
        let mut pulse = Pulse::default();
        let then = pulse.answer(1, "2027-Q1", Some(7), &[2, 3]).clone();
        assert!(Org.contains(&then) && Department(7).contains(&then));
        assert!(Tree(2).contains(&then) && Tree(3).contains(&then));
        assert!(!Department(8).contains(&then) && !Tree(1).contains(&then) && !Tree(4).contains(&then));
        // After a move, the earlier answer still counts where the person was.
        let now = pulse.answer(1, "2027-Q2", Some(8), &[4]).clone();
        assert!(Department(8).contains(&now) && !Department(7).contains(&now) && !Tree(2).contains(&now));
    }

    #[test]
    fn four_people_are_withheld_and_five_released() {
        let mut pulse = Pulse::default();
        pulse.many(1..=4, "2027-Q1", Some(1), &[]);
        pulse.many(11..=15, "2027-Q1", Some(2), &[]);
        let release = pulse.release(&[Department(1), Department(2)], &["2027-Q1"], Rules::default());
        assert_eq!(shown(&release, Department(1), "2027-Q1"), Err(Withheld::NotEnough));
        let figure = shown(&release, Department(2), "2027-Q1").expect("five people");
        assert_eq!((figure.respondents, figure.responses, figure.pooled), (5, 5, None));
        // People 11..=15 score 2, 3, 4, 5, 1: a mean of 3 on every item.
        assert_eq!((figure.engagement, figure.items), (50.0, [3.0; 5]));
        // eNPS 4, 6, 8, 10, 2: one promoter, three detractors.
        assert_eq!(figure.enps, -40);
        assert_eq!(release.figure(Org, q("2027-Q1")), None);
    }

    #[test]
    fn n_below_three_is_raised_to_three() {
        assert_eq!(Rules::new(0).min_respondents(), 3);
        assert_eq!(Rules::new(2).min_respondents(), 3);
        assert_eq!(Rules::new(7).min_respondents(), 7);
        assert_eq!(Rules::default().min_respondents(), 5);
        assert_eq!(
            (Rules::default().with_max_pool(9).max_pool(), Rules::default().with_max_pool(0).max_pool()),
            (4, 1)
        );
        let mut pulse = Pulse::default();
        pulse.many(1..=2, "2027-Q1", Some(1), &[]);
        pulse.many(11..=13, "2027-Q1", Some(2), &[]);
        let release = pulse.release(&[Department(1), Department(2)], &["2027-Q1"], Rules::new(1));
        assert_eq!(shown(&release, Department(1), "2027-Q1"), Err(Withheld::NotEnough));
        assert_eq!(shown(&release, Department(2), "2027-Q1").expect("three").respondents, 3);
    }

    #[test]
    fn a_small_team_pools_quarters_counting_people_not_responses() {
        let mut pulse = Pulse::default();
        pulse.many([1, 2, 3], "2027-Q1", None, &[100]);
        pulse.many([3, 4, 5], "2027-Q2", None, &[100]);
        // The same three people every quarter never make five.
        for quarter in ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"] {
            pulse.many([21, 22, 23], quarter, None, &[200]);
        }
        let quarters = ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"];
        let release = pulse.release(&[Tree(100), Tree(200)], &quarters, Rules::default());
        assert_eq!(shown(&release, Tree(100), "2027-Q1"), Err(Withheld::NotEnough));
        let pooled = shown(&release, Tree(100), "2027-Q2").expect("five people over two quarters");
        assert_eq!((pooled.respondents, pooled.responses), (5, 6));
        assert_eq!(pooled.pooled, Some((q("2027-Q1"), q("2027-Q2"))));
        for quarter in quarters {
            assert_eq!(shown(&release, Tree(200), quarter), Err(Withheld::NotEnough), "{quarter}");
        }
        // Without pooling the team of 100 is withheld too.
        let release = pulse.release(&[Tree(100)], &quarters, Rules::default().with_max_pool(1));
        assert_eq!(shown(&release, Tree(100), "2027-Q2"), Err(Withheld::NotEnough));
    }

    #[test]
    fn one_person_is_never_released() {
        let mut pulse = Pulse::default();
        let quarters = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"];
        for quarter in quarters {
            pulse.answer(1, quarter, Some(1), &[100]);
        }
        let release = pulse.release(&[Org, Department(1), Tree(100)], &quarters, Rules::new(3));
        assert!(release.figures().all(|(_, _, f)| f == Err(Withheld::NotEnough)));
    }

    #[test]
    fn a_department_less_a_small_team_is_withheld() {
        for team in 1..=5 {
            // Department 1: twelve people; all but `team` of them report to leader 50.
            let mut pulse = Pulse::default();
            pulse.many(1..=12 - team, "2027-Q1", Some(1), &[50]);
            pulse.many(13 - team..=12, "2027-Q1", Some(1), &[60]);
            let release = pulse.release(&[Department(1), Tree(50)], &["2027-Q1"], Rules::default());
            assert!(shown(&release, Department(1), "2027-Q1").is_ok(), "team of {team}");
            let less = shown(&release, Tree(50), "2027-Q1");
            if team < 5 {
                assert_eq!(less, Err(Withheld::Differencing), "team of {team}");
            } else {
                assert_eq!(less.expect("five apart").respondents, 7);
            }
        }
    }

    #[test]
    fn a_tree_and_its_only_subtree_one_apart_are_not_both_shown() {
        let mut pulse = Pulse::default();
        pulse.answer(2, "2027-Q1", None, &[1]);
        pulse.many(10..=15, "2027-Q1", None, &[2, 1]);
        let release = pulse.release(&[Tree(1), Tree(2)], &["2027-Q1"], Rules::default());
        assert_eq!(shown(&release, Tree(1), "2027-Q1").expect("larger first").respondents, 7);
        assert_eq!(shown(&release, Tree(2), "2027-Q1"), Err(Withheld::Differencing));
    }

    #[test]
    fn a_tree_less_its_subtrees_must_leave_n_or_none() {
        // Leader 1 leads sub-leaders 2 and 3, six people each, and `others` more people.
        for others in [0, 4, 5] {
            let mut pulse = Pulse::default();
            pulse.many([2, 3], "2027-Q1", None, &[1]);
            pulse.many(100..100 + others, "2027-Q1", None, &[1]);
            pulse.many(20..26, "2027-Q1", None, &[2, 1]);
            pulse.many(30..36, "2027-Q1", None, &[3, 1]);
            let release = pulse.release(&[Tree(1), Tree(2), Tree(3)], &["2027-Q1"], Rules::default());
            assert!(shown(&release, Tree(1), "2027-Q1").is_ok());
            assert!(shown(&release, Tree(2), "2027-Q1").is_ok());
            // Otherwise Tree(1) - Tree(2) - Tree(3) would be leaders 2 and 3 (and up to four others).
            let third = shown(&release, Tree(3), "2027-Q1");
            assert_eq!(third.is_ok(), others + 2 >= 5, "{others} others");
            if others + 2 < 5 {
                assert_eq!(third, Err(Withheld::Differencing));
            }
        }
    }

    #[test]
    fn overlapping_pooled_windows_must_differ_by_n() {
        for (last, apart) in [(vec![1], false), (vec![1, 2], true)] {
            let mut pulse = Pulse::default();
            pulse.many([1, 2, 3], "2027-Q1", None, &[100]);
            pulse.many([3, 4, 5], "2027-Q2", None, &[100]);
            pulse.many(last.clone(), "2027-Q3", None, &[100]);
            let release = pulse.release(&[Tree(100)], &["2027-Q2", "2027-Q3"], Rules::default());
            let second = shown(&release, Tree(100), "2027-Q2");
            let third = shown(&release, Tree(100), "2027-Q3");
            if apart {
                // Q1+Q2 and Q2+Q3 differ by three responses and two.
                assert_eq!(second.expect("Q1-Q2").pooled, Some((q("2027-Q1"), q("2027-Q2"))));
                assert_eq!(third.expect("Q2-Q3").pooled, Some((q("2027-Q2"), q("2027-Q3"))));
            } else {
                // Q2+Q3 has four people, so Q3 would pool Q1..Q3: one response more
                // than Q1+Q2, which was shown first.
                assert_eq!(second.expect("the earlier quarter goes first").responses, 6);
                assert_eq!(third, Err(Withheld::Differencing));
            }
        }
    }

    #[test]
    fn groups_with_the_same_responses_are_one_figure() {
        let mut pulse = Pulse::default();
        pulse.many(1..=6, "2027-Q1", Some(1), &[]);
        let release = pulse.release(&[Org, Department(1)], &["2027-Q1"], Rules::default());
        let org = shown(&release, Org, "2027-Q1").expect("six people");
        assert_eq!(shown(&release, Department(1), "2027-Q1"), Ok(org));
    }

    #[test]
    fn groups_one_person_apart_are_not_both_shown_and_n_apart_are() {
        for (outside, both) in [(1, false), (4, false), (5, true)] {
            let mut pulse = Pulse::default();
            pulse.many(1..=6, "2027-Q1", Some(1), &[]);
            pulse.many(100..100 + outside, "2027-Q1", None, &[]);
            let release = pulse.release(&[Org, Department(1)], &["2027-Q1"], Rules::default());
            assert!(shown(&release, Org, "2027-Q1").is_ok());
            let department = shown(&release, Department(1), "2027-Q1");
            assert_eq!(department.is_ok(), both, "{outside} outside");
        }
    }

    /// A small organisation: leader 1 over leaders 2 and 3, each with people, in two departments.
    fn small_org() -> Pulse {
        let mut pulse = Pulse::default();
        for quarter in ["2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"] {
            pulse.many([2, 3], quarter, Some(1), &[1]);
            pulse.many(20..27, quarter, Some(1), &[2, 1]);
            pulse.many(30..33, quarter, Some(2), &[3, 1]);
            pulse.many(40..44, quarter, Some(2), &[4, 3, 1]);
        }
        pulse
    }

    /// A fixed permutation per seed (xorshift), so a failure can be replayed.
    fn shuffle<T>(items: &mut [T], mut seed: u64) {
        seed |= 1;
        for i in (1..items.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            items.swap(i, (seed % (i as u64 + 1)) as usize);
        }
    }

    #[test]
    fn the_release_does_not_depend_on_input_order() {
        let pulse = small_org();
        let groups = vec![Org, Department(1), Department(2), Tree(1), Tree(2), Tree(3), Tree(4)];
        let quarters: Vec<Quarter> = ["2026-Q4", "2027-Q1", "2027-Q2"].map(q).to_vec();
        let first = HashMap::from([(20, q("2027-Q1")), (21, q("2027-Q1")), (22, q("2026-Q4"))]);
        let expected = release(&pulse.responses, &groups, &quarters, &first, Rules::default());
        assert!(expected.figures().any(|(_, _, f)| f == Err(Withheld::Differencing)));
        assert!(expected.figures().any(|(_, _, f)| f.is_ok()));
        for seed in 1..20 {
            let (mut responses, mut groups, mut quarters) = (pulse.responses.clone(), groups.clone(), quarters.clone());
            shuffle(&mut responses, seed);
            shuffle(&mut groups, seed * 31);
            shuffle(&mut quarters, seed * 97);
            assert_eq!(release(&responses, &groups, &quarters, &first, Rules::default()), expected, "seed {seed}");
        }
    }

    #[test]
    fn a_new_quarter_leaves_earlier_figures_as_they_were() {
        let mut pulse = small_org();
        pulse.many([101, 102, 103], "2027-Q1", None, &[100]);
        pulse.many([103, 104, 105], "2027-Q2", None, &[100]);
        let groups = [Org, Department(1), Department(2), Tree(1), Tree(2), Tree(3), Tree(4), Tree(100)];
        let mut quarters: Vec<Quarter> = ["2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"].map(q).to_vec();
        let before = release(&pulse.responses, &groups, &quarters, &HashMap::new(), Rules::default());
        assert!(before.figure(Tree(100), q("2027-Q2")).expect("asked").is_ok());
        // Q3's window for Tree(100) reaches back to Q1 and is one response larger than Q2's.
        pulse.answer(101, "2027-Q3", None, &[100]);
        quarters.push(q("2027-Q3"));
        let after = release(&pulse.responses, &groups, &quarters, &HashMap::new(), Rules::default());
        let earlier: Vec<_> = after.figures().filter(|(_, quarter, _)| *quarter < q("2027-Q3")).collect();
        assert_eq!(earlier, before.figures().collect::<Vec<_>>());
        assert_eq!(after.figure(Tree(100), q("2027-Q3")), Some(Err(Withheld::Differencing)));
    }

    /// Everyone in Tree(1), first conversation in 2027 Q2; `score` by person and quarter.
    fn conversations(
        people: &[i64],
        quarters: &[&str],
        score: impl Fn(i64, &str) -> u8,
    ) -> (Pulse, HashMap<i64, Quarter>) {
        let mut pulse = Pulse::default();
        for &quarter in quarters {
            for &p in people {
                pulse.answer(p, quarter, Some(1), &[1]).scores = [score(p, quarter); 5];
            }
        }
        let first = people.iter().map(|&p| (p, q("2027-Q2"))).collect();
        (pulse, first)
    }

    #[test]
    fn before_and_after_pairs_each_person_with_themselves() {
        // Five people answer throughout: 50 before (person 1: 0); 75 then 100 after.
        let quarters = ["2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"];
        let (mut pulse, mut first) = conversations(&[1, 2, 3, 4, 5], &quarters, |p, quarter| match quarter {
            "2026-Q4" | "2027-Q2" => 1, // Earlier, and the conversation's own quarter: neither side.
            "2027-Q1" if p == 1 => 1,
            "2027-Q1" => 3,
            "2027-Q3" => 4,
            _ => 5,
        });
        // Person 6 has no "before", person 7 no "after", person 8 no conversation: none count.
        pulse.answer(6, "2027-Q3", Some(1), &[1]).scores = [1; 5];
        pulse.answer(7, "2027-Q1", Some(1), &[1]).scores = [5; 5];
        pulse.answer(8, "2027-Q1", Some(1), &[1]).scores = [5; 5];
        pulse.answer(8, "2027-Q3", Some(1), &[1]).scores = [1; 5];
        first.extend([(6, q("2027-Q2")), (7, q("2027-Q2"))]);
        let release = release(&pulse.responses, &[Tree(1), Department(1), Tree(2)], &[], &first, Rules::default());
        let expected = BeforeAfter { people: 5, before: 40.0, after: 87.5, change: 47.5 };
        assert_eq!(release.before_after(Tree(1)), Some(Ok(&expected)));
        // The same responses make the same figure.
        assert_eq!(release.before_after(Department(1)), Some(Ok(&expected)));
        assert_eq!(release.before_after(Tree(2)), Some(Err(Withheld::NotEnough)));
        assert_eq!(release.before_after(Org), None);
    }

    #[test]
    fn before_and_after_needs_n_people_with_both() {
        let quarters = ["2027-Q1", "2027-Q3"];
        let (pulse, first) = conversations(&[1, 2, 3, 4], &quarters, |_, _| 3);
        let release = release(&pulse.responses, &[Tree(1)], &[], &first, Rules::default());
        assert_eq!(release.before_after(Tree(1)), Some(Err(Withheld::NotEnough)));
        let release = super::release(&pulse.responses, &[Tree(1)], &[], &first, Rules::new(4));
        assert_eq!(release.before_after(Tree(1)).expect("asked").expect("four").people, 4);
    }

    #[test]
    fn before_and_after_cannot_single_out_a_quarterly_answer() {
        // Q1's figure covers six people; "before" would cover five of them.
        let (mut pulse, first) = conversations(&[1, 2, 3, 4, 5], &["2027-Q1", "2027-Q3"], |_, _| 3);
        pulse.answer(6, "2027-Q1", Some(1), &[1]);
        let release = release(&pulse.responses, &[Tree(1)], &[q("2027-Q1")], &first, Rules::default());
        assert!(release.figure(Tree(1), q("2027-Q1")).expect("asked").is_ok());
        assert_eq!(release.before_after(Tree(1)), Some(Err(Withheld::Differencing)));
    }

    // Random organisations: people 0..P under a random reporting tree, answering
    // in random quarters with random departments.

    const QUARTERS: usize = 6;

    fn nth(k: usize) -> Quarter {
        Quarter::new(2026 + (k / 4) as i32, (k % 4) as u8 + 1).expect("quarter")
    }

    #[derive(Debug, Clone)]
    struct World {
        responses: Vec<Response>,
        groups: Vec<GroupKey>,
        quarters: Vec<Quarter>,
        first: HashMap<i64, Quarter>,
        rules: Rules,
    }

    fn world(departments: bool) -> impl Strategy<Value = World> {
        // A narrow span (managers among the first few people) makes deep, bushy trees.
        (2usize..24, 2usize..8).prop_flat_map(move |(people, span)| {
            (
                proptest::collection::vec((any::<u8>(), proptest::bool::weighted(0.9)), people),
                proptest::collection::vec(
                    (proptest::bool::weighted(0.8), 0u8..4, proptest::array::uniform5(1u8..=5), 0u8..=10),
                    people * QUARTERS,
                ),
                proptest::collection::vec(any::<bool>(), people + 4),
                proptest::collection::vec(any::<bool>(), QUARTERS),
                proptest::collection::vec(proptest::option::of(0..QUARTERS), people),
                (0usize..8, 1u8..=4),
            )
                .prop_map(move |(managers, answers, asked, quarters, first, (n, pool))| {
                    // Person i's manager is an earlier person, or nobody.
                    let manager: Vec<Option<usize>> = (0..people)
                        .map(|i| (i > 0 && managers[i].1).then(|| managers[i].0 as usize % i.min(span)))
                        .collect();
                    let leaders = |mut i: usize| {
                        let mut line = Vec::new();
                        while let Some(m) = manager[i] {
                            line.push(m as i64);
                            i = m;
                        }
                        line
                    };
                    let mut responses = Vec::new();
                    for (k, (present, department, scores, enps)) in answers.into_iter().enumerate() {
                        let (person, quarter) = (k / QUARTERS, k % QUARTERS);
                        if present {
                            responses.push(Response {
                                id: 1000 + k as i64,
                                person: person as i64,
                                quarter: nth(quarter),
                                department: (departments && department < 3).then_some(i64::from(department)),
                                leaders: leaders(person),
                                scores,
                                enps,
                            });
                        }
                    }
                    let candidates =
                        (0..people as i64).map(Tree).chain([Org]).chain((0..3).filter(|_| departments).map(Department));
                    // Nested worlds ask for every tree, so that trees inside trees abound.
                    let groups = candidates.zip(&asked).filter(|(_, a)| **a || !departments).map(|(g, _)| g).collect();
                    let quarters = (0..QUARTERS).filter(|&k| quarters[k]).map(nth).collect();
                    let first = first.into_iter().enumerate().filter_map(|(p, k)| Some((p as i64, nth(k?)))).collect();
                    // Nested worlds keep N small, so that trees of N inside trees of 2N + 1 are common.
                    let rules = if departments {
                        Rules::new(n).with_max_pool(pool)
                    } else {
                        Rules::new(n % 5).with_max_pool(1)
                    };
                    World {
                        responses,
                        groups,
                        quarters,
                        first: if departments { first } else { HashMap::new() },
                        rules,
                    }
                })
        })
    }

    /// Membership, written again from the rule rather than taken from the code under test.
    fn member(group: GroupKey, r: &Response) -> bool {
        match group {
            GroupKey::Org => true,
            GroupKey::Department(d) => r.department == Some(d),
            GroupKey::Tree(l) => r.leaders.contains(&l),
        }
    }

    fn people_in<'r>(responses: impl IntoIterator<Item = &'r Response>) -> usize {
        responses.into_iter().map(|r| r.person).collect::<BTreeSet<_>>().len()
    }

    /// Checks every decision against the rules; returns the released response sets.
    fn released_sets(w: &World, release: &Release) -> Result<Vec<BTreeSet<i64>>, TestCaseError> {
        let n = w.rules.min_respondents();
        let mut sets: Vec<BTreeSet<i64>> = Vec::new();
        for &g in &w.groups {
            for &quarter in &w.quarters {
                let decided = release.figure(g, quarter).expect("asked for");
                let window = |k: usize| -> Vec<&Response> {
                    let from = (0..k).try_fold(quarter, |q, _| q.prev()).expect("in range");
                    w.responses.iter().filter(|r| member(g, r) && from <= r.quarter && r.quarter <= quarter).collect()
                };
                let reached = (0..usize::from(w.rules.max_pool())).find(|&k| people_in(window(k)) >= n);
                match (reached, decided) {
                    (None, decided) => prop_assert_eq!(decided, Err(Withheld::NotEnough)),
                    (Some(_), Err(why)) => prop_assert_eq!(why, Withheld::Differencing),
                    (Some(k), Ok(figure)) => {
                        let behind = window(k);
                        prop_assert!(figure.respondents >= n);
                        prop_assert_eq!(figure.respondents, people_in(behind.iter().copied()));
                        prop_assert_eq!(figure.responses, behind.len());
                        let from = behind.iter().map(|r| r.quarter).min().expect("some");
                        prop_assert_eq!(figure.pooled, (k > 0).then_some((from, quarter)));
                        let scores: Vec<[u8; 5]> = behind.iter().map(|r| r.scores).collect();
                        prop_assert!((figure.engagement - engagement_index(&scores)).abs() < 1e-9);
                        sets.push(behind.iter().map(|r| r.id).collect());
                    }
                }
            }
        }
        for &g in &w.groups {
            let decided = release.before_after(g).expect("asked for");
            let mut pairs = Vec::new();
            let people: BTreeSet<i64> = w.responses.iter().map(|r| r.person).collect();
            for p in people {
                let Some(&first) = w.first.get(&p) else { continue };
                let mine = |r: &&Response| r.person == p && member(g, r);
                let was: Vec<&Response> =
                    w.responses.iter().filter(mine).filter(|r| Some(r.quarter) == first.prev()).collect();
                let is: Vec<&Response> = w.responses.iter().filter(mine).filter(|r| r.quarter > first).collect();
                if !was.is_empty() && !is.is_empty() {
                    pairs.push((was, is));
                }
            }
            match decided {
                Ok(figure) => {
                    prop_assert!(pairs.len() >= n);
                    prop_assert_eq!(figure.people, pairs.len());
                    let index = |rs: &[&Response]| engagement_index(&rs.iter().map(|r| r.scores).collect::<Vec<_>>());
                    let count = pairs.len() as f64;
                    let before = pairs.iter().map(|(was, _)| index(was)).sum::<f64>() / count;
                    let after = pairs.iter().map(|(_, is)| index(is)).sum::<f64>() / count;
                    prop_assert!((figure.before - before).abs() < 1e-9 && (figure.after - after).abs() < 1e-9);
                    prop_assert!((figure.change - (after - before)).abs() < 1e-9);
                    for side in [0, 1] {
                        let ids = pairs.iter().flat_map(|pair| if side == 0 { &pair.0 } else { &pair.1 }).map(|r| r.id);
                        sets.push(ids.collect());
                    }
                }
                Err(Withheld::NotEnough) => prop_assert!(pairs.len() < n),
                Err(Withheld::Differencing) => prop_assert!(pairs.len() >= n),
            }
        }
        for (i, a) in sets.iter().enumerate() {
            for b in &sets[i + 1..] {
                let apart = a.symmetric_difference(b).count();
                prop_assert!(apart == 0 || apart >= n, "released sets {a:?} and {b:?} differ by {apart}");
            }
        }
        Ok(sets)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn released_figures_keep_n_people_apart(w in world(true), seed in any::<u64>()) {
            let decided = release(&w.responses, &w.groups, &w.quarters, &w.first, w.rules);
            released_sets(&w, &decided)?;
            let (mut responses, mut groups, mut quarters) = (w.responses.clone(), w.groups.clone(), w.quarters.clone());
            shuffle(&mut responses, seed);
            shuffle(&mut groups, seed.rotate_left(17));
            shuffle(&mut quarters, seed.rotate_left(41));
            prop_assert_eq!(release(&responses, &groups, &quarters, &w.first, w.rules), decided);
        }

        #[test]
        fn later_quarters_leave_earlier_figures_alone(w in world(true), cut in 0..QUARTERS) {
            let decided = release(&w.responses, &w.groups, &w.quarters, &w.first, w.rules);
            let end = nth(cut);
            let responses: Vec<Response> = w.responses.iter().filter(|r| r.quarter <= end).cloned().collect();
            let quarters: Vec<Quarter> = w.quarters.iter().copied().filter(|&q| q <= end).collect();
            let earlier = release(&responses, &w.groups, &quarters, &w.first, w.rules);
            let kept: Vec<_> = decided.figures().filter(|(_, q, _)| *q <= end).collect();
            prop_assert_eq!(kept, earlier.figures().collect::<Vec<_>>());
        }

        #[test]
        fn nested_groups_leave_no_small_remainder(w in world(false)) {
            // Trees and the organisation nest, quarter by quarter: every region of
            // the Venn diagram of the released sets must hold no responses or N.
            let decided = release(&w.responses, &w.groups, &w.quarters, &w.first, w.rules);
            let sets: BTreeSet<BTreeSet<i64>> = released_sets(&w, &decided)?.into_iter().collect();
            let mut regions: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
            for r in &w.responses {
                let inside: Vec<usize> = sets.iter().enumerate().filter(|(_, s)| s.contains(&r.id)).map(|(i, _)| i).collect();
                if !inside.is_empty() {
                    *regions.entry(inside).or_default() += 1;
                }
            }
            let n = w.rules.min_respondents();
            prop_assert!(regions.values().all(|&size| size >= n), "regions {regions:?}");
        }
    }
}
