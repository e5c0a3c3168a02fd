//! Pulse answers and performance views.
//!
//! A pulse answer leaves this module in two ways only: to its author
//! ([`Store::pulses_of`]), and as raw rows for the insight rules
//! ([`Store::pulse_rows`]), which release aggregates and never a row.

use foothold_domain::engagement::PulseAnswer;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};

use crate::entity::{performance_view as pv, pulse_response as pr, pulse_round};
use crate::{Result, Store, StoreError, Timestamp, now};

/// One pulse answer, for its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulse {
    /// Id.
    pub id: i64,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// The answer.
    pub answer: PulseAnswer,
    /// When.
    pub answered_at: Timestamp,
}

/// A pulse answer as the insight rules need it: no text, and the groups the
/// person was in when they answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseRow {
    /// Id.
    pub id: i64,
    /// Who.
    pub person_id: i64,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// Their department then.
    pub department_id: Option<i64>,
    /// Their managers then, direct manager first.
    pub leaders: Vec<i64>,
    /// Scores 1–5.
    pub scores: [u8; 5],
    /// 0–10.
    pub enps: u8,
}

/// Who a pulse round asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundGroup {
    /// Everyone.
    Org,
    /// A department.
    Department(i64),
    /// Everyone below a leader.
    Tree(i64),
}

/// A pulse round an admin opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseRound {
    /// Id.
    pub id: i64,
    /// Who it asks.
    pub group: RoundGroup,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// Open until (inclusive).
    pub closes_on: chrono::NaiveDate,
    /// When.
    pub opened_at: Timestamp,
}

/// A leader's view of a report's quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerformanceView {
    /// Id.
    pub id: i64,
    /// Whose.
    pub person_id: i64,
    /// Who wrote it.
    pub leader_id: i64,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// 1–5.
    pub rating: u8,
    /// The leader's words.
    pub narrative: String,
    /// The member's comment.
    pub member_comment: String,
    /// For optimistic saves.
    pub version: i64,
    /// Last change.
    pub updated_at: Timestamp,
}

fn to_pulse(m: pr::Model) -> Pulse {
    Pulse {
        id: m.id,
        quarter: m.quarter,
        answer: PulseAnswer {
            scores: [m.energy, m.strengths, m.path, m.ownership, m.support].map(|s| s.clamp(1, 5) as u8),
            enps: m.enps.clamp(0, 10) as u8,
        },
        answered_at: m.answered_at,
    }
}

fn to_view(m: pv::Model) -> PerformanceView {
    PerformanceView {
        id: m.id,
        person_id: m.person_id,
        leader_id: m.leader_id,
        quarter: m.quarter,
        rating: m.rating.clamp(1, 5) as u8,
        narrative: m.narrative,
        member_comment: m.member_comment,
        version: m.version,
        updated_at: m.updated_at,
    }
}

impl Store {
    /// Records a person's pulse for a quarter, replacing an earlier answer in
    /// the same quarter. The groups they are in now are kept with it.
    pub async fn save_pulse(&self, person_id: i64, quarter: &str, answer: &PulseAnswer) -> Result<Pulse> {
        let leaders = self.managers_above(person_id).await?;
        let department_id = self.person(person_id).await?.ok_or(StoreError::NotFound)?.department_id;
        let txn = self.write_txn().await?;
        let existing = pr::Entity::find()
            .filter(pr::Column::PersonId.eq(person_id))
            .filter(pr::Column::Quarter.eq(quarter))
            .one(&txn)
            .await?;
        let [energy, strengths, path, ownership, support] = answer.scores.map(i32::from);
        let is_update = existing.is_some();
        let mut m = match existing {
            Some(e) => e.into(),
            None => pr::ActiveModel { id: NotSet, ..Default::default() },
        };
        m.person_id = Set(person_id);
        m.quarter = Set(quarter.to_owned());
        m.department_id = Set(department_id);
        m.leaders = Set(leaders.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        m.energy = Set(energy);
        m.strengths = Set(strengths);
        m.path = Set(path);
        m.ownership = Set(ownership);
        m.support = Set(support);
        m.enps = Set(i32::from(answer.enps));
        m.answered_at = Set(now());
        let model = if is_update { m.update(&txn).await? } else { m.insert(&txn).await? };
        txn.commit().await?;
        Ok(to_pulse(model))
    }

    /// A person's own pulse answers, oldest first. Only ever shown to them.
    pub async fn pulses_of(&self, person_id: i64) -> Result<Vec<Pulse>> {
        Ok(pr::Entity::find()
            .filter(pr::Column::PersonId.eq(person_id))
            .order_by_asc(pr::Column::Quarter)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_pulse)
            .collect())
    }

    /// Every pulse answer as numbers and group memberships, for the insight
    /// rules. One query; the caller caches the result by [`Store::pulse_generation`].
    pub async fn pulse_rows(&self) -> Result<Vec<PulseRow>> {
        let mut out = Vec::new();
        let stmt = Statement::from_string(
            self.backend(),
            "SELECT id, person_id, quarter, department_id, leaders, energy, strengths, path, ownership, support, enps \
             FROM pulse_responses ORDER BY id",
        );
        self.for_each_row(stmt, |r| {
            let leaders: String = r.try_get("", "leaders")?;
            let score = |c: &str| -> Result<u8> { Ok(r.try_get::<i32>("", c)?.clamp(0, 10) as u8) };
            out.push(PulseRow {
                id: r.try_get("", "id")?,
                person_id: r.try_get("", "person_id")?,
                quarter: r.try_get("", "quarter")?,
                department_id: r.try_get("", "department_id")?,
                leaders: leaders.split(',').filter_map(|s| s.parse().ok()).collect(),
                scores: [score("energy")?, score("strengths")?, score("path")?, score("ownership")?, score("support")?],
                enps: score("enps")?,
            });
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Changes whenever a pulse answer is added or replaced: a cache key.
    pub async fn pulse_generation(&self) -> Result<(i64, i64, Option<Timestamp>)> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.backend(),
                "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last, MAX(answered_at) AS at FROM pulse_responses",
            ))
            .await?;
        match row {
            Some(r) => Ok((r.try_get("", "n")?, r.try_get("", "last")?, r.try_get("", "at").ok().flatten())),
            None => Ok((0, 0, None)),
        }
    }

    /// Opens a pulse round.
    pub async fn open_pulse_round(
        &self,
        group: RoundGroup,
        quarter: &str,
        closes_on: chrono::NaiveDate,
        by: i64,
    ) -> Result<PulseRound> {
        let (kind, id) = match group {
            RoundGroup::Org => ("org", None),
            RoundGroup::Department(d) => ("department", Some(d)),
            RoundGroup::Tree(l) => ("tree", Some(l)),
        };
        let m = pulse_round::ActiveModel {
            id: NotSet,
            group_kind: Set(kind.into()),
            group_id: Set(id),
            quarter: Set(quarter.into()),
            opened_by: Set(by),
            opened_at: Set(now()),
            closes_on: Set(closes_on),
        }
        .insert(&self.db)
        .await?;
        Ok(PulseRound { id: m.id, group, quarter: m.quarter, closes_on: m.closes_on, opened_at: m.opened_at })
    }

    /// Rounds still open on `today`, newest first.
    pub async fn open_pulse_rounds(&self, today: chrono::NaiveDate) -> Result<Vec<PulseRound>> {
        Ok(pulse_round::Entity::find()
            .filter(pulse_round::Column::ClosesOn.gte(today))
            .order_by_desc(pulse_round::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|m| {
                let group = match (m.group_kind.as_str(), m.group_id) {
                    ("org", _) => RoundGroup::Org,
                    ("department", Some(d)) => RoundGroup::Department(d),
                    ("tree", Some(l)) => RoundGroup::Tree(l),
                    _ => return None,
                };
                Some(PulseRound { id: m.id, group, quarter: m.quarter, closes_on: m.closes_on, opened_at: m.opened_at })
            })
            .collect())
    }

    /// Writes a leader's view of a quarter; `expected_version` 0 creates it.
    pub async fn save_performance(
        &self,
        person_id: i64,
        leader_id: i64,
        quarter: &str,
        rating: u8,
        narrative: &str,
        expected_version: i64,
    ) -> Result<PerformanceView> {
        let txn = self.write_txn().await?;
        let existing = pv::Entity::find()
            .filter(pv::Column::PersonId.eq(person_id))
            .filter(pv::Column::Quarter.eq(quarter))
            .one(&txn)
            .await?;
        let at = now();
        let model = match existing {
            None if expected_version == 0 => {
                pv::ActiveModel {
                    id: NotSet,
                    person_id: Set(person_id),
                    leader_id: Set(leader_id),
                    quarter: Set(quarter.into()),
                    rating: Set(i32::from(rating)),
                    narrative: Set(narrative.into()),
                    member_comment: Set(String::new()),
                    version: Set(1),
                    created_at: Set(at),
                    updated_at: Set(at),
                }
                .insert(&txn)
                .await?
            }
            Some(e) if e.version == expected_version => {
                let version = e.version;
                let mut m: pv::ActiveModel = e.into();
                m.leader_id = Set(leader_id);
                m.rating = Set(i32::from(rating));
                m.narrative = Set(narrative.into());
                m.version = Set(version + 1);
                m.updated_at = Set(at);
                m.update(&txn).await?
            }
            _ => return Err(StoreError::Stale),
        };
        txn.commit().await?;
        Ok(to_view(model))
    }

    /// The member's comment on a view.
    pub async fn comment_performance(&self, id: i64, comment: &str, expected_version: i64) -> Result<PerformanceView> {
        let txn = self.write_txn().await?;
        let e = pv::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
        if e.version != expected_version {
            return Err(StoreError::Stale);
        }
        let version = e.version;
        let mut m: pv::ActiveModel = e.into();
        m.member_comment = Set(comment.into());
        m.version = Set(version + 1);
        m.updated_at = Set(now());
        let m = m.update(&txn).await?;
        txn.commit().await?;
        Ok(to_view(m))
    }

    /// A performance view.
    pub async fn performance_view(&self, id: i64) -> Result<Option<PerformanceView>> {
        Ok(pv::Entity::find_by_id(id).one(&self.db).await?.map(to_view))
    }

    /// A person's performance views, newest quarter first.
    pub async fn performance_of(&self, person_id: i64) -> Result<Vec<PerformanceView>> {
        Ok(pv::Entity::find()
            .filter(pv::Column::PersonId.eq(person_id))
            .order_by_desc(pv::Column::Quarter)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_view)
            .collect())
    }

    /// `(person, quarter, rating)` of every view, for distributions.
    pub async fn ratings(&self) -> Result<Vec<(i64, String, u8)>> {
        let mut out = Vec::new();
        let stmt = Statement::from_string(self.backend(), "SELECT person_id, quarter, rating FROM performance_views");
        self.for_each_row(stmt, |r| {
            out.push((
                r.try_get("", "person_id")?,
                r.try_get("", "quarter")?,
                r.try_get::<i32>("", "rating")?.clamp(1, 5) as u8,
            ));
            Ok(())
        })
        .await?;
        Ok(out)
    }
}
