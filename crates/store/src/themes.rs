//! Themes confirmed in conversations, and the organisation's own themes.

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::{conversation as conv, conversation_theme as ct, custom_theme};
use crate::held::{Fetch, Read};
use crate::{Result, Store, StoreError, Timestamp, now};

/// What people decided about a theme in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeStatus {
    /// Confirmed by a person: one of the conversation's themes.
    Confirmed,
    /// A suggestion they set aside; it is not offered again.
    Dismissed,
}

impl ThemeStatus {
    fn as_str(self) -> &'static str {
        match self {
            ThemeStatus::Confirmed => "confirmed",
            ThemeStatus::Dismissed => "dismissed",
        }
    }
}

/// A theme decision in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationTheme {
    /// Id.
    pub id: i64,
    /// The conversation.
    pub conversation_id: i64,
    /// Taxonomy id, custom theme id, or a slug of a theme people added.
    pub key: String,
    /// What people call it (they may have renamed it).
    pub label: String,
    /// `+`, `-`, `mixed` or empty.
    pub valence: String,
    /// Confirmed or dismissed.
    pub status: ThemeStatus,
    /// Suggestions merged into it.
    pub merged_from: Vec<String>,
    /// Who decided.
    pub decided_by: i64,
    /// When.
    pub decided_at: Timestamp,
}

/// A theme decision to record.
#[derive(Debug, Clone)]
pub struct ThemeDecision {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Valence.
    pub valence: String,
    /// Confirmed or dismissed.
    pub status: ThemeStatus,
    /// Merged suggestion keys.
    pub merged_from: Vec<String>,
}

/// An organisation-specific theme with its cue phrases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomTheme {
    /// Id.
    pub id: i64,
    /// Stable key (lowercase).
    pub key: String,
    /// Label.
    pub label: String,
    /// Cue phrases.
    pub cues: Vec<String>,
    /// Last change.
    pub updated_at: Timestamp,
}

fn to_theme(m: ct::Model) -> ConversationTheme {
    ConversationTheme {
        id: m.id,
        conversation_id: m.conversation_id,
        key: m.theme_key,
        label: m.label,
        valence: m.valence,
        status: if m.status == "dismissed" { ThemeStatus::Dismissed } else { ThemeStatus::Confirmed },
        merged_from: m.merged_from.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        decided_by: m.decided_by,
        decided_at: m.decided_at,
    }
}

impl Store {
    /// Every decision in a conversation, confirmed first, in the order made.
    pub async fn conversation_themes(&self, conversation_id: i64) -> Result<Vec<ConversationTheme>> {
        let sql = select!(ct::Model, "conversation_themes", "WHERE conversation_id = ?1 ORDER BY id");
        let read = Read { sql, values: &[conversation_id.into()], one: false };
        let rows = self.db.fetch(read, |c| ct::Model::from_cols(c, 0)).await?;
        let mut out: Vec<_> = rows.into_iter().map(to_theme).collect();
        out.sort_by_key(|t| t.status != ThemeStatus::Confirmed);
        Ok(out)
    }

    /// Records (or replaces) a decision about one theme; merged suggestions are
    /// marked as merged so they are not offered again.
    pub async fn decide_theme(&self, conversation_id: i64, by: i64, d: &ThemeDecision) -> Result<ConversationTheme> {
        let txn = self.write_txn().await?;
        let mut keys = d.merged_from.clone();
        keys.push(d.key.clone());
        ct::Entity::delete_many()
            .filter(ct::Column::ConversationId.eq(conversation_id))
            .filter(ct::Column::ThemeKey.is_in(keys))
            .exec(&txn)
            .await?;
        let m = ct::ActiveModel {
            id: NotSet,
            conversation_id: Set(conversation_id),
            theme_key: Set(d.key.clone()),
            label: Set(d.label.clone()),
            valence: Set(d.valence.clone()),
            status: Set(d.status.as_str().to_owned()),
            merged_from: Set(d.merged_from.join(",")),
            decided_by: Set(by),
            decided_at: Set(now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(to_theme(m))
    }

    /// Undoes a decision (the suggestion is offered again).
    pub async fn undo_theme(&self, conversation_id: i64, theme_id: i64) -> Result<()> {
        let res = ct::Entity::delete_many()
            .filter(ct::Column::ConversationId.eq(conversation_id))
            .filter(ct::Column::Id.eq(theme_id))
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A person's confirmed themes across all their conversations as the
    /// report, oldest conversation first, with each conversation's date.
    pub async fn theme_history(&self, report_id: i64) -> Result<Vec<(Timestamp, i64, ConversationTheme)>> {
        let convs = conv::Entity::find()
            .filter(conv::Column::ReportId.eq(report_id))
            .order_by_asc(conv::Column::ScheduledAt)
            .all(&self.db)
            .await?;
        let when: std::collections::HashMap<i64, Timestamp> = convs.iter().map(|c| (c.id, c.scheduled_at)).collect();
        // One query for all of them, not one per conversation.
        let rows = ct::Entity::find()
            .filter(ct::Column::ConversationId.is_in(when.keys().copied().collect::<Vec<_>>()))
            .filter(ct::Column::Status.eq(ThemeStatus::Confirmed.as_str()))
            .order_by_asc(ct::Column::Id)
            .all(&self.db)
            .await?;
        let mut out: Vec<_> = rows
            .into_iter()
            .filter_map(|m| Some((*when.get(&m.conversation_id)?, m.conversation_id, to_theme(m))))
            .collect();
        out.sort_by_key(|(at, id, _)| (*at, *id));
        Ok(out)
    }

    /// The organisation's own themes.
    pub async fn custom_themes(&self) -> Result<Vec<CustomTheme>> {
        let read =
            Read { sql: select!(custom_theme::Model, "custom_themes", "ORDER BY theme_key"), values: &[], one: false };
        let rows = self.db.fetch(read, |c| custom_theme::Model::from_cols(c, 0)).await?;
        Ok(rows
            .into_iter()
            .map(|m| CustomTheme {
                id: m.id,
                key: m.theme_key,
                label: m.label,
                cues: m.cues.lines().map(str::to_owned).collect(),
                updated_at: m.updated_at,
            })
            .collect())
    }

    /// Adds or replaces an organisation theme by key.
    pub async fn put_custom_theme(&self, by: i64, key: &str, label: &str, cues: &[String]) -> Result<()> {
        let txn = self.write_txn().await?;
        let at = now();
        match custom_theme::Entity::find().filter(custom_theme::Column::ThemeKey.eq(key)).one(&txn).await? {
            Some(m) => {
                let mut am: custom_theme::ActiveModel = m.into();
                am.label = Set(label.to_owned());
                am.cues = Set(cues.join("\n"));
                am.updated_at = Set(at);
                am.update(&txn).await?;
            }
            None => {
                custom_theme::ActiveModel {
                    id: NotSet,
                    theme_key: Set(key.to_owned()),
                    label: Set(label.to_owned()),
                    cues: Set(cues.join("\n")),
                    created_by: Set(by),
                    created_at: Set(at),
                    updated_at: Set(at),
                }
                .insert(&txn)
                .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Removes an organisation theme.
    pub async fn delete_custom_theme(&self, key: &str) -> Result<()> {
        let res =
            custom_theme::Entity::delete_many().filter(custom_theme::Column::ThemeKey.eq(key)).exec(&self.db).await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
