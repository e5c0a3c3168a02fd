//! Growth plans: the year after a career conversation, by priority themes and
//! steps, revisited every quarter.
//!
//! A career is a climbing wall, not a ladder: every kind of step has a
//! direction, and sideways and down are as legitimate as up.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest text of a step field or a check-in note.
pub const MAX_STEP_TEXT: usize = 2_000;
/// Longest "what changed" or year-end review.
pub const MAX_REVIEW_TEXT: usize = 20_000;
/// How many check-ins a plan has: one a quarter for a year.
pub const CHECKINS: u32 = 4;
/// How many priority themes the page nudges towards at most.
pub const SUGGESTED_MAX_THEMES: usize = 3;
/// A check-in shows as due this many days before its date.
pub const DUE_WINDOW_DAYS: i64 = 14;

/// What a step does for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Get better at what they already do.
    DeepenExpertise,
    /// Take on more within the current role.
    ExpandRole,
    /// Own an outcome end to end.
    TakeOwnership,
    /// Move to a more senior role.
    StepUp,
    /// Move to another team or department.
    MoveSideways,
    /// Move to a less senior or narrower role, by choice.
    StepBack,
}

/// Where a step moves the person on the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Growth on the current hold.
    Here,
    /// Up.
    Up,
    /// Sideways.
    Sideways,
    /// Down.
    Down,
}

impl StepKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [StepKind; 6] = [
        StepKind::DeepenExpertise,
        StepKind::ExpandRole,
        StepKind::TakeOwnership,
        StepKind::StepUp,
        StepKind::MoveSideways,
        StepKind::StepBack,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::DeepenExpertise => "deepen_expertise",
            StepKind::ExpandRole => "expand_role",
            StepKind::TakeOwnership => "take_ownership",
            StepKind::StepUp => "step_up",
            StepKind::MoveSideways => "move_sideways",
            StepKind::StepBack => "step_back",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            StepKind::DeepenExpertise => "Deepen expertise",
            StepKind::ExpandRole => "Expand the role",
            StepKind::TakeOwnership => "Take ownership",
            StepKind::StepUp => "Step up",
            StepKind::MoveSideways => "Move sideways",
            StepKind::StepBack => "Step back",
        }
    }

    /// Where the step leads on the wall.
    pub fn direction(self) -> Direction {
        match self {
            StepKind::DeepenExpertise | StepKind::ExpandRole | StepKind::TakeOwnership => Direction::Here,
            StepKind::StepUp => Direction::Up,
            StepKind::MoveSideways => Direction::Sideways,
            StepKind::StepBack => Direction::Down,
        }
    }

    /// Whether completing the step changes the person's role, so the page
    /// offers to record the new one.
    pub fn changes_role(self) -> bool {
        self.direction() != Direction::Here
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Done.
    Done,
    /// Set aside on purpose (kept, so the history stays whole).
    Dropped,
}

impl StepStatus {
    /// Every status, in order.
    pub const ALL: [StepStatus; 4] =
        [StepStatus::Planned, StepStatus::InProgress, StepStatus::Done, StepStatus::Dropped];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Planned => "planned",
            StepStatus::InProgress => "in_progress",
            StepStatus::Done => "done",
            StepStatus::Dropped => "dropped",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<StepStatus> {
        StepStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::Planned => "Planned",
            StepStatus::InProgress => "In progress",
            StepStatus::Done => "Done",
            StepStatus::Dropped => "Dropped",
        }
    }
}

/// A step as a form or the API gives it, before it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepInput {
    /// Kind name.
    pub kind: String,
    /// What the step is.
    pub what: String,
    /// How we will know.
    #[serde(default)]
    pub signal: String,
    /// What the leader gives.
    #[serde(default)]
    pub support: String,
    /// Quarter of the plan year, 1 to 4.
    pub target_quarter: i64,
    /// Status name; planned when empty.
    #[serde(default)]
    pub status: String,
}

/// A checked step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDraft {
    /// Kind.
    pub kind: StepKind,
    /// What the step is.
    pub what: String,
    /// How we will know.
    pub signal: String,
    /// What the leader gives.
    pub support: String,
    /// Quarter of the plan year, 1 to 4.
    pub target_quarter: u32,
    /// Status.
    pub status: StepStatus,
}

/// Why a step, theme or plan was refused; `field` names the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct PlanProblem {
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong, in words a person can act on.
    pub reason: String,
}

fn problem(field: &'static str, reason: impl Into<String>) -> PlanProblem {
    PlanProblem { field, reason: reason.into() }
}

/// Trimmed, bounded text; line breaks and tabs are fine, other control characters are not.
fn text(field: &'static str, value: &str, required: bool, max: usize) -> Result<String, PlanProblem> {
    let t = value.trim();
    if required && t.is_empty() {
        return Err(problem(field, "is required"));
    }
    let n = t.chars().count();
    if n > max {
        return Err(problem(field, format!("is {n} characters long; the limit is {max}")));
    }
    if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(problem(field, "contains control characters"));
    }
    Ok(t.to_owned())
}

impl StepInput {
    /// Checks every field; the first problem is returned.
    pub fn check(&self) -> Result<StepDraft, PlanProblem> {
        let kind = StepKind::parse(self.kind.trim()).ok_or_else(|| {
            problem(
                "kind",
                format!("must be one of {}", StepKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")),
            )
        })?;
        let status = if self.status.trim().is_empty() {
            StepStatus::Planned
        } else {
            StepStatus::parse(self.status.trim())
                .ok_or_else(|| problem("status", "must be one of planned, in_progress, done, dropped".to_owned()))?
        };
        if !(1..=4).contains(&self.target_quarter) {
            return Err(problem("target_quarter", "must be a quarter of the plan's year, 1 to 4"));
        }
        Ok(StepDraft {
            kind,
            what: text("what", &self.what, true, MAX_STEP_TEXT)?,
            signal: text("signal", &self.signal, false, MAX_STEP_TEXT)?,
            support: text("support", &self.support, false, MAX_STEP_TEXT)?,
            target_quarter: self.target_quarter as u32,
            status,
        })
    }
}

/// Checks a priority theme's label.
pub fn check_theme_label(label: &str) -> Result<String, PlanProblem> {
    let t = text("label", label, true, 120)?;
    if t.contains(['\n', '\r', '\t']) {
        return Err(problem("label", "must be one line"));
    }
    Ok(t)
}

/// Checks a "what changed" or review text. Its limit counts the text as sent,
/// whitespace around it included, as a form's `maxlength` does: a limit this
/// long is beyond what a regular expression in the API's document can count
/// after trimming, and `maxLength` says this rule exactly.
pub fn check_long_text(field: &'static str, value: &str) -> Result<String, PlanProblem> {
    let n = value.chars().count();
    if n > MAX_REVIEW_TEXT {
        return Err(problem(field, format!("is {n} characters long; the limit is {MAX_REVIEW_TEXT}")));
    }
    text(field, value, false, MAX_REVIEW_TEXT)
}

/// Checks a progress note on a step.
pub fn check_note(value: &str) -> Result<String, PlanProblem> {
    text("note", value, false, MAX_STEP_TEXT)
}

/// The plan's year: from its start, twelve months unless people chose otherwise.
pub fn default_end(starts_on: NaiveDate) -> NaiveDate {
    add_months(starts_on, 12)
}

/// Checks a plan's dates: the end after the start, and at most two years later.
pub fn check_window(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), PlanProblem> {
    if ends_on <= starts_on {
        return Err(problem("ends_on", "must be after the start"));
    }
    if ends_on > add_months(starts_on, 24) {
        return Err(problem("ends_on", "must be at most two years after the start"));
    }
    Ok(())
}

/// Adds calendar months; a day that the target month lacks (31 January plus
/// one month) becomes that month's last day.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// The four check-in dates: three, six, nine and twelve months after the start.
/// Each counts from the start, not from the previous date, so that a 31st
/// does not drift to the 28th for the rest of the year.
pub fn checkin_dates(starts_on: NaiveDate) -> [NaiveDate; CHECKINS as usize] {
    [1, 2, 3, 4].map(|n| add_months(starts_on, 3 * n))
}

/// The first and last day of a quarter (1 to 4) of a plan's year.
pub fn quarter_span(starts_on: NaiveDate, quarter: u32) -> (NaiveDate, NaiveDate) {
    let q = quarter.clamp(1, 4);
    let from = add_months(starts_on, 3 * (q - 1));
    let to = add_months(starts_on, 3 * q).pred_opt().unwrap_or(from);
    (from, to)
}

/// Where a check-in stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckinState {
    /// More than [`DUE_WINDOW_DAYS`] away.
    Upcoming,
    /// Within the window before its date, or on it.
    Due,
    /// Its date has passed.
    Overdue,
    /// Held.
    Done,
}

impl CheckinState {
    /// Of a check-in with this date on `today` (in the plan's time zone).
    pub fn on(due_on: NaiveDate, completed: bool, today: NaiveDate) -> CheckinState {
        if completed {
            CheckinState::Done
        } else if today > due_on {
            CheckinState::Overdue
        } else if (due_on - today).num_days() <= DUE_WINDOW_DAYS {
            CheckinState::Due
        } else {
            CheckinState::Upcoming
        }
    }

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckinState::Upcoming => "upcoming",
            CheckinState::Due => "due",
            CheckinState::Overdue => "overdue",
            CheckinState::Done => "done",
        }
    }
}

/// A plan as it stood at one moment: what the history keeps and compares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Priority themes in order.
    pub themes: Vec<SnapshotTheme>,
    /// Steps.
    pub steps: Vec<SnapshotStep>,
    /// The plan's end.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
}

/// A priority theme in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotTheme {
    /// Id.
    pub id: i64,
    /// Label.
    pub label: String,
    /// Set aside.
    pub dropped: bool,
}

/// A step in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotStep {
    /// Id.
    pub id: i64,
    /// Its theme.
    pub theme_id: i64,
    /// Kind.
    pub kind: StepKind,
    /// What.
    pub what: String,
    /// How we will know.
    pub signal: String,
    /// Support.
    pub support: String,
    /// Quarter.
    pub target_quarter: u32,
    /// Status.
    pub status: StepStatus,
    /// Latest progress note.
    pub progress: String,
}

/// One difference between two snapshots, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `added`, `removed`, `changed` or `reordered`.
    pub change: &'static str,
    /// What it concerns: `theme`, `step` or `plan`.
    pub subject: &'static str,
    /// A sentence a person reads.
    pub text: String,
}

fn diff(change: &'static str, subject: &'static str, text: String) -> Difference {
    Difference { change, subject, text }
}

/// What changed from `before` to `after`, themes first, then steps in the
/// order of `after`.
pub fn compare(before: &Snapshot, after: &Snapshot) -> Vec<Difference> {
    let mut out = Vec::new();
    if before.ends_on != after.ends_on
        && let Some(end) = after.ends_on
    {
        out.push(diff("changed", "plan", format!("The plan now ends on {end}.")));
    }
    for t in &after.themes {
        match before.themes.iter().find(|b| b.id == t.id) {
            None => out.push(diff("added", "theme", format!("Theme “{}” added.", t.label))),
            Some(b) => {
                if b.label != t.label {
                    out.push(diff("changed", "theme", format!("Theme “{}” renamed “{}”.", b.label, t.label)));
                }
                if !b.dropped && t.dropped {
                    out.push(diff("removed", "theme", format!("Theme “{}” dropped.", t.label)));
                } else if b.dropped && !t.dropped {
                    out.push(diff("added", "theme", format!("Theme “{}” taken up again.", t.label)));
                }
            }
        }
    }
    for b in &before.themes {
        if !after.themes.iter().any(|t| t.id == b.id) {
            out.push(diff("removed", "theme", format!("Theme “{}” removed.", b.label)));
        }
    }
    let order = |s: &Snapshot| -> Vec<i64> {
        let kept: Vec<i64> =
            after.themes.iter().map(|t| t.id).filter(|id| before.themes.iter().any(|b| b.id == *id)).collect();
        s.themes.iter().map(|t| t.id).filter(|id| kept.contains(id)).collect()
    };
    if order(before) != order(after) {
        let labels: Vec<&str> = after.themes.iter().filter(|t| !t.dropped).map(|t| t.label.as_str()).collect();
        out.push(diff("reordered", "theme", format!("Priorities now in this order: {}.", labels.join(", "))));
    }
    for s in &after.steps {
        match before.steps.iter().find(|b| b.id == s.id) {
            None => {
                // A step added and moved on between the two points shows where it stands.
                let status = match s.status {
                    StepStatus::Planned => String::new(),
                    other => format!(", {}", other.label().to_lowercase()),
                };
                out.push(diff(
                    "added",
                    "step",
                    format!(
                        "Step added: {} ({}, quarter {}{status}).",
                        s.what,
                        s.kind.label().to_lowercase(),
                        s.target_quarter
                    ),
                ))
            }
            Some(b) => {
                if b.status != s.status {
                    out.push(diff(
                        "changed",
                        "step",
                        format!("“{}”: {} → {}.", s.what, b.status.label(), s.status.label()),
                    ));
                }
                if b.what != s.what {
                    out.push(diff("changed", "step", format!("Step “{}” now reads “{}”.", b.what, s.what)));
                }
                if b.kind != s.kind {
                    out.push(diff(
                        "changed",
                        "step",
                        format!(
                            "“{}” is now {} (was {}).",
                            s.what,
                            s.kind.label().to_lowercase(),
                            b.kind.label().to_lowercase()
                        ),
                    ));
                }
                if b.target_quarter != s.target_quarter {
                    out.push(diff(
                        "changed",
                        "step",
                        format!(
                            "“{}” moved from quarter {} to quarter {}.",
                            s.what, b.target_quarter, s.target_quarter
                        ),
                    ));
                }
                if b.signal != s.signal || b.support != s.support {
                    out.push(diff("changed", "step", format!("“{}”: success signal or support changed.", s.what)));
                }
                if b.progress != s.progress && !s.progress.is_empty() {
                    out.push(diff("changed", "step", format!("“{}”: progress noted: {}", s.what, s.progress)));
                }
                if b.theme_id != s.theme_id {
                    out.push(diff("changed", "step", format!("“{}” moved to another theme.", s.what)));
                }
            }
        }
    }
    for b in &before.steps {
        if !after.steps.iter().any(|s| s.id == b.id) {
            out.push(diff("removed", "step", format!("Step removed: {}.", b.what)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn kinds_round_trip_and_only_growth_in_place_keeps_the_role() {
        for k in StepKind::ALL {
            assert_eq!(StepKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(StepKind::MoveSideways.direction(), Direction::Sideways);
        assert_eq!(StepKind::StepBack.direction(), Direction::Down);
        assert_eq!(StepKind::StepUp.direction(), Direction::Up);
        assert!(StepKind::MoveSideways.changes_role());
        assert!(StepKind::StepBack.changes_role());
        assert!(!StepKind::DeepenExpertise.changes_role());
        assert_eq!(StepKind::parse("ladder"), None);
        for s in StepStatus::ALL {
            assert_eq!(StepStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn checkins_cross_the_year_end_and_do_not_drift() {
        assert_eq!(
            checkin_dates(d("2026-11-15")),
            [d("2027-02-15"), d("2027-05-15"), d("2027-08-15"), d("2027-11-15")]
        );
        // 31 August: November has 30 days, February 28, but May and August keep the 31st.
        assert_eq!(
            checkin_dates(d("2026-08-31")),
            [d("2026-11-30"), d("2027-02-28"), d("2027-05-31"), d("2027-08-31")]
        );
        // Leap day.
        assert_eq!(checkin_dates(d("2028-02-29"))[3], d("2029-02-28"));
        assert_eq!(default_end(d("2026-12-31")), d("2027-12-31"));
    }

    #[test]
    fn quarters_tile_the_year() {
        let start = d("2026-11-15");
        let (a, b) = quarter_span(start, 1);
        assert_eq!((a, b), (d("2026-11-15"), d("2027-02-14")));
        let (c, _) = quarter_span(start, 2);
        assert_eq!(c, d("2027-02-15"));
        assert_eq!(quarter_span(start, 4).1, d("2027-11-14"));
    }

    #[test]
    fn checkin_state_by_day() {
        let due = d("2027-02-15");
        assert_eq!(CheckinState::on(due, false, d("2027-01-31")), CheckinState::Upcoming);
        assert_eq!(CheckinState::on(due, false, d("2027-02-01")), CheckinState::Due);
        assert_eq!(CheckinState::on(due, false, d("2027-02-15")), CheckinState::Due);
        assert_eq!(CheckinState::on(due, false, d("2027-02-16")), CheckinState::Overdue);
        assert_eq!(CheckinState::on(due, true, d("2027-03-16")), CheckinState::Done);
    }

    #[test]
    fn window_rules() {
        assert!(check_window(d("2026-01-01"), d("2027-01-01")).is_ok());
        assert_eq!(check_window(d("2026-01-01"), d("2026-01-01")).expect_err("refused").field, "ends_on");
        assert!(check_window(d("2026-01-01"), d("2028-01-02")).is_err());
    }

    fn input(kind: &str, what: &str, q: i64) -> StepInput {
        StepInput { kind: kind.into(), what: what.into(), target_quarter: q, ..Default::default() }
    }

    #[test]
    fn step_input_is_checked_field_by_field() {
        let ok = input("move_sideways", "  Join the research team for a quarter ", 2).check().expect("valid");
        assert_eq!(ok.what, "Join the research team for a quarter");
        assert_eq!(ok.status, StepStatus::Planned);
        assert_eq!(input("ladder", "x", 1).check().expect_err("refused").field, "kind");
        assert_eq!(input("step_up", "   ", 1).check().expect_err("refused").field, "what");
        assert_eq!(input("step_up", "x", 5).check().expect_err("refused").field, "target_quarter");
        assert_eq!(input("step_up", "x", 0).check().expect_err("refused").field, "target_quarter");
        let mut bad = input("step_up", "x", 1);
        bad.status = "finished".into();
        assert_eq!(bad.check().expect_err("refused").field, "status");
        let long = input("step_up", &"a".repeat(MAX_STEP_TEXT + 1), 1);
        assert_eq!(long.check().expect_err("refused").field, "what");
    }

    fn step(id: i64, what: &str, status: StepStatus) -> SnapshotStep {
        SnapshotStep {
            id,
            theme_id: 1,
            kind: StepKind::MoveSideways,
            what: what.into(),
            signal: String::new(),
            support: String::new(),
            target_quarter: 2,
            status,
            progress: String::new(),
        }
    }

    fn theme(id: i64, label: &str) -> SnapshotTheme {
        SnapshotTheme { id, label: label.into(), dropped: false }
    }

    #[test]
    fn compare_names_every_kind_of_change() {
        let before = Snapshot {
            themes: vec![theme(1, "Mobility"), theme(2, "Craft")],
            steps: vec![step(10, "Shadow research", StepStatus::Planned)],
            ends_on: None,
        };
        assert!(compare(&before, &before).is_empty());

        let mut after = before.clone();
        after.themes.swap(0, 1);
        after.themes.push(theme(3, "Leading"));
        after.steps[0].status = StepStatus::Done;
        after.steps[0].progress = "Two weeks with the research team".into();
        after.steps.push(step(11, "Lead the design review", StepStatus::Planned));
        let changes = compare(&before, &after);
        let texts: Vec<&str> = changes.iter().map(|c| c.text.as_str()).collect();
        assert!(texts.contains(&"Theme “Leading” added."), "{texts:?}");
        assert!(texts.contains(&"Priorities now in this order: Craft, Mobility, Leading."), "{texts:?}");
        assert!(texts.contains(&"“Shadow research”: Planned → Done."), "{texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("Step added: Lead the design review")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("Two weeks with the research team")), "{texts:?}");

        let mut dropped = before.clone();
        dropped.themes[1].dropped = true;
        dropped.steps.clear();
        let texts: Vec<String> = compare(&before, &dropped).into_iter().map(|c| c.text).collect();
        assert_eq!(texts, vec!["Theme “Craft” dropped.".to_owned(), "Step removed: Shadow research.".to_owned()]);
    }

    #[test]
    fn snapshots_survive_json() {
        let s = Snapshot {
            themes: vec![theme(1, "Mobility")],
            steps: vec![step(1, "x", StepStatus::InProgress)],
            ends_on: Some(d("2027-11-15")),
        };
        let json = serde_json::to_string(&s).expect("json");
        assert!(json.contains("\"move_sideways\"") && json.contains("\"in_progress\""), "{json}");
        assert_eq!(serde_json::from_str::<Snapshot>(&json).expect("parse"), s);
    }
}
