//! Question sets, career conversations, answers, notes and grants.

use std::sync::Arc;

use foothold_domain::conversation::{self, Category, Question, State, Window};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, SqlErr,
};
use sea_orm::{Statement, Value};

use crate::entity::{
    answer, conversation as conv, conversation_grant, conversation_note, conversation_question, question_set,
    set_question,
};
use crate::held::{Fetch, Read};
use crate::{Result, Store, StoreError, Timestamp, now, set_if_changed, sql};

/// Who a question set belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetScope {
    /// Shipped with Foothold; read-only.
    Builtin,
    /// Published by an admin to everyone.
    Org,
    /// A leader's own.
    Personal,
}

impl SetScope {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            SetScope::Builtin => "builtin",
            SetScope::Org => "org",
            SetScope::Personal => "personal",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "builtin" => SetScope::Builtin,
            "org" => SetScope::Org,
            _ => SetScope::Personal,
        }
    }
}

/// A question set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionSet {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Whose.
    pub scope: SetScope,
    /// The leader who owns a personal set.
    pub owner_id: Option<i64>,
    /// For optimistic concurrency.
    pub version: i64,
    /// In order.
    pub questions: Vec<Question>,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A career conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Id.
    pub id: i64,
    /// The person preparing reflections.
    pub report_id: i64,
    /// The leader who holds it.
    pub leader_id: i64,
    /// When, as an instant.
    pub scheduled_at: Timestamp,
    /// The IANA time zone it was scheduled in.
    pub time_zone: String,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// How far back the Past questions look.
    pub window: Window,
    /// The leader's note to the report.
    pub note: String,
    /// The question set's name at scheduling time.
    pub set_name: String,
    /// Life-cycle state.
    pub state: State,
    /// The report took back the (former) leader's access.
    pub leader_access_revoked: bool,
    /// For optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// When it was marked held.
    pub held_at: Option<Timestamp>,
}

/// A question as it was asked in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedQuestion {
    /// Id (answers refer to it).
    pub id: i64,
    /// Order.
    pub position: i32,
    /// The question.
    pub question: Question,
}

/// The questions of conversations read lately. A conversation's questions
/// are written once, in the transaction that schedules it, and never change,
/// so what was read once stays right; nothing is kept for a conversation
/// with none. Reading them with their answers was a quarter of a
/// preparation page's work.
pub(crate) type Asked = crate::memory::Memory<i64, (), Vec<AskedQuestion>>;

/// An answer (a reflection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The question answered.
    pub question_id: i64,
    /// The text, byte for byte as typed.
    pub text: String,
    /// Bumped on every save.
    pub version: i64,
    /// When the report shared it; `None` is a private draft.
    pub shared_at: Option<Timestamp>,
    /// Last save.
    pub updated_at: Timestamp,
}

/// Which answers a read of a conversation's questions brings along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// Drafts included: only for the report's own views.
    All,
    /// Shared answers only: for anyone else who may read them.
    Shared,
    /// None: for a viewer who may read no answer.
    None,
}

/// Which notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Both write, both read.
    Shared,
    /// The leader's alone.
    Private,
}

impl NoteKind {
    fn as_str(self) -> &'static str {
        match self {
            NoteKind::Shared => "shared",
            NoteKind::Private => "private",
        }
    }
}

/// A notes document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text.
    pub text: String,
    /// Bumped on every save.
    pub version: i64,
    /// Who saved last.
    pub updated_by: i64,
    /// When.
    pub updated_at: Timestamp,
}

/// What a versioned save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Stored as the new version.
    Stored {
        /// The version now stored.
        version: i64,
        /// When.
        updated_at: Timestamp,
    },
    /// Someone saved a newer version first; nothing was overwritten.
    Conflict {
        /// Their text.
        text: String,
        /// Their version.
        version: i64,
    },
}

/// A conversation to schedule.
#[derive(Debug, Clone)]
pub struct NewConversation {
    /// Report.
    pub report_id: i64,
    /// Leader.
    pub leader_id: i64,
    /// When.
    pub scheduled_at: Timestamp,
    /// IANA zone.
    pub time_zone: String,
    /// Minutes.
    pub duration_minutes: i32,
    /// Reflection window.
    pub window: Window,
    /// Note to the report.
    pub note: String,
    /// The set's name.
    pub set_name: String,
    /// The snapshot of questions.
    pub questions: Vec<Question>,
}

/// Changes to a conversation's schedule or state.
#[derive(Debug, Clone, Default)]
pub struct ConversationChanges {
    /// New time.
    pub scheduled_at: Option<Timestamp>,
    /// New zone.
    pub time_zone: Option<String>,
    /// New length.
    pub duration_minutes: Option<i32>,
    /// New window.
    pub window: Option<Window>,
    /// New note.
    pub note: Option<String>,
    /// New state.
    pub state: Option<State>,
    /// Take back or restore the leader's access.
    pub leader_access_revoked: Option<bool>,
}

fn to_conversation(m: conv::Model) -> Conversation {
    Conversation {
        id: m.id,
        report_id: m.report_id,
        leader_id: m.leader_id,
        scheduled_at: m.scheduled_at,
        time_zone: m.time_zone,
        duration_minutes: m.duration_minutes,
        window: Window::months(i64::from(m.window_months)).unwrap_or_default(),
        note: m.note,
        set_name: m.set_name,
        state: State::parse(&m.state).unwrap_or(State::Scheduled),
        leader_access_revoked: m.leader_access_revoked,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        held_at: m.held_at,
    }
}

fn to_answer(m: answer::Model) -> Answer {
    Answer {
        question_id: m.question_id,
        text: m.text,
        version: m.version,
        shared_at: m.shared_at,
        updated_at: m.updated_at,
    }
}

fn question_of(category: &str, text: String) -> Question {
    Question { category: Category::parse(category).unwrap_or(Category::Present), text }
}

/// Where a versioned text lives: its table, the columns that find its row,
/// and the columns written only on insert or on every write.
struct VersionedRow {
    table: &'static str,
    key: Vec<(&'static str, Value)>,
    on_insert: Vec<(&'static str, Value)>,
    on_write: Vec<(&'static str, Value)>,
}

/// The name of the set shipped with Foothold.
pub const BUILTIN_SET_NAME: &str = "Career dreaming";

impl Store {
    /// Makes sure the built-in "Career dreaming" set exists (run at start).
    pub async fn ensure_builtin_set(&self) -> Result<i64> {
        if let Some(s) =
            question_set::Entity::find().filter(question_set::Column::Scope.eq("builtin")).one(&self.db).await?
        {
            return Ok(s.id);
        }
        let set = self
            .create_question_set(BUILTIN_SET_NAME, SetScope::Builtin, None, &conversation::career_dreaming())
            .await?;
        Ok(set.id)
    }

    async fn set_questions(db: &impl ConnectionTrait, set_id: i64) -> Result<Vec<Question>> {
        let rows = set_question::Entity::find()
            .filter(set_question::Column::SetId.eq(set_id))
            .order_by_asc(set_question::Column::Position)
            .all(db)
            .await?;
        Ok(rows.into_iter().map(|q| question_of(&q.category, q.text)).collect())
    }

    async fn to_set(db: &impl ConnectionTrait, m: question_set::Model) -> Result<QuestionSet> {
        Ok(QuestionSet {
            questions: Self::set_questions(db, m.id).await?,
            id: m.id,
            name: m.name,
            scope: SetScope::parse(&m.scope),
            owner_id: m.owner_id,
            version: m.version,
            updated_at: m.updated_at,
        })
    }

    /// The sets a person may use: built-in, the organisation's, and their own.
    pub async fn question_sets_for(&self, person_id: i64) -> Result<Vec<QuestionSet>> {
        let rows = question_set::Entity::find()
            .filter(
                Condition::any()
                    .add(question_set::Column::Scope.is_in(["builtin", "org"]))
                    .add(question_set::Column::OwnerId.eq(person_id)),
            )
            .order_by_asc(question_set::Column::Id)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for m in rows {
            out.push(Self::to_set(&self.db, m).await?);
        }
        Ok(out)
    }

    /// One set.
    pub async fn question_set(&self, id: i64) -> Result<Option<QuestionSet>> {
        match question_set::Entity::find_by_id(id).one(&self.db).await? {
            Some(m) => Ok(Some(Self::to_set(&self.db, m).await?)),
            None => Ok(None),
        }
    }

    async fn write_questions(db: &impl ConnectionTrait, set_id: i64, questions: &[Question]) -> Result<()> {
        set_question::Entity::delete_many().filter(set_question::Column::SetId.eq(set_id)).exec(db).await?;
        for (i, q) in questions.iter().enumerate() {
            set_question::ActiveModel {
                id: NotSet,
                set_id: Set(set_id),
                position: Set(i as i32),
                category: Set(q.category.as_str().to_owned()),
                text: Set(q.text.clone()),
            }
            .insert(db)
            .await?;
        }
        Ok(())
    }

    /// Adds a set.
    pub async fn create_question_set(
        &self,
        name: &str,
        scope: SetScope,
        owner_id: Option<i64>,
        questions: &[Question],
    ) -> Result<QuestionSet> {
        let txn = self.write_txn().await?;
        let at = now();
        let m = question_set::ActiveModel {
            id: NotSet,
            name: Set(name.trim().to_owned()),
            scope: Set(scope.as_str().to_owned()),
            owner_id: Set(owner_id),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(&txn)
        .await?;
        Self::write_questions(&txn, m.id, questions).await?;
        let set = Self::to_set(&txn, m).await?;
        txn.commit().await?;
        Ok(set)
    }

    /// Replaces a set's name, scope and questions; [`StoreError::Stale`] if it changed since `expected_version`.
    pub async fn update_question_set(
        &self,
        id: i64,
        name: &str,
        scope: SetScope,
        questions: &[Question],
        expected_version: Option<i64>,
    ) -> Result<QuestionSet> {
        let txn = self.write_txn().await?;
        let current = question_set::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Stale);
        }
        let mut m: question_set::ActiveModel = current.clone().into();
        m.name = Set(name.trim().to_owned());
        m.scope = Set(scope.as_str().to_owned());
        m.version = Set(current.version + 1);
        m.updated_at = Set(now());
        let m = m.update(&txn).await?;
        Self::write_questions(&txn, id, questions).await?;
        let set = Self::to_set(&txn, m).await?;
        txn.commit().await?;
        Ok(set)
    }

    /// Removes a set; conversations keep their own snapshot.
    pub async fn delete_question_set(&self, id: i64) -> Result<()> {
        question_set::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(())
    }

    /// Schedules a conversation with its snapshot of questions.
    pub async fn create_conversation(&self, new: &NewConversation) -> Result<Conversation> {
        let txn = self.write_txn().await?;
        let at = now();
        let m = conv::ActiveModel {
            id: NotSet,
            report_id: Set(new.report_id),
            leader_id: Set(new.leader_id),
            scheduled_at: Set(new.scheduled_at),
            time_zone: Set(new.time_zone.clone()),
            duration_minutes: Set(new.duration_minutes),
            window_months: Set(i32::from(new.window.get())),
            note: Set(new.note.clone()),
            set_name: Set(new.set_name.clone()),
            state: Set(State::Scheduled.as_str().to_owned()),
            leader_access_revoked: Set(false),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            held_at: Set(None),
        }
        .insert(&txn)
        .await?;
        for (i, q) in new.questions.iter().enumerate() {
            conversation_question::ActiveModel {
                id: NotSet,
                conversation_id: Set(m.id),
                position: Set(i as i32),
                category: Set(q.category.as_str().to_owned()),
                text: Set(q.text.clone()),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(to_conversation(m))
    }

    /// One conversation.
    pub async fn conversation(&self, id: i64) -> Result<Option<Conversation>> {
        let read =
            Read { sql: select!(conv::Model, "conversations", "WHERE id = ?1"), values: &[id.into()], one: true };
        Ok(self.db.fetch(read, |c| conv::Model::from_cols(c, 0)).await?.pop().map(to_conversation))
    }

    /// The questions a conversation was scheduled with, in order.
    pub async fn asked_questions(&self, conversation_id: i64) -> Result<Vec<AskedQuestion>> {
        Ok(Vec::clone(&*self.asked(conversation_id).await?))
    }

    /// The questions a conversation was scheduled with, remembered once read
    /// (see [`Asked`]).
    async fn asked(&self, conversation_id: i64) -> Result<Arc<Vec<AskedQuestion>>> {
        if let Some(asked) = self.asked.get(&conversation_id, &()) {
            #[cfg(debug_assertions)]
            {
                let stored = self.asked_as_stored(conversation_id).await?;
                assert!(stored == *asked, "conversation {conversation_id}'s questions changed after it was scheduled");
            }
            return Ok(asked);
        }
        let asked = Arc::new(self.asked_as_stored(conversation_id).await?);
        // None yet: a conversation still being written, or none at all.
        if !asked.is_empty() {
            self.asked.keep(conversation_id, (), asked.clone());
        }
        Ok(asked)
    }

    async fn asked_as_stored(&self, conversation_id: i64) -> Result<Vec<AskedQuestion>> {
        let sql = select!(
            conversation_question::Model,
            "conversation_questions",
            "WHERE conversation_id = ?1 ORDER BY position, id"
        );
        let read = Read { sql, values: &[conversation_id.into()], one: false };
        Ok(self
            .db
            .fetch(read, |c| conversation_question::Model::from_cols(c, 0))
            .await?
            .into_iter()
            .map(|q| AskedQuestion { id: q.id, position: q.position, question: question_of(&q.category, q.text) })
            .collect())
    }

    /// Conversations where the person is the report, newest first.
    pub async fn conversations_of_report(&self, report_id: i64) -> Result<Vec<Conversation>> {
        let rows = conv::Entity::find()
            .filter(conv::Column::ReportId.eq(report_id))
            .order_by_desc(conv::Column::ScheduledAt)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(to_conversation).collect())
    }

    /// Conversations the person holds as leader, newest first.
    pub async fn conversations_led_by(&self, leader_id: i64) -> Result<Vec<Conversation>> {
        let rows = conv::Entity::find()
            .filter(conv::Column::LeaderId.eq(leader_id))
            .order_by_desc(conv::Column::ScheduledAt)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(to_conversation).collect())
    }

    /// Conversations the person takes part in, as report and as leader, each
    /// newest first, in one read: the home page shows both.
    pub async fn conversations_of_person(&self, person_id: i64) -> Result<(Vec<Conversation>, Vec<Conversation>)> {
        let sql =
            select!(conv::Model, "conversations", "WHERE report_id = ?1 OR leader_id = ?1 ORDER BY scheduled_at DESC");
        let read = Read { sql, values: &[person_id.into()], one: false };
        let rows = self.db.fetch(read, |c| conv::Model::from_cols(c, 0)).await?;
        Ok(rows.into_iter().map(to_conversation).partition(|c| c.report_id == person_id))
    }

    /// Conversations a report has granted to this person, newest first.
    pub async fn conversations_granted_to(&self, person_id: i64) -> Result<Vec<Conversation>> {
        let ids: Vec<i64> = conversation_grant::Entity::find()
            .filter(conversation_grant::Column::PersonId.eq(person_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|g| g.conversation_id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = conv::Entity::find()
            .filter(conv::Column::Id.is_in(ids))
            .order_by_desc(conv::Column::ScheduledAt)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(to_conversation).collect())
    }

    /// Changes schedule, state or access; [`StoreError::Stale`] on a version
    /// mismatch. Without an expected version a concurrent change is not a
    /// conflict: the change is applied on top of it.
    pub async fn update_conversation(
        &self,
        id: i64,
        changes: &ConversationChanges,
        expected_version: Option<i64>,
    ) -> Result<Conversation> {
        let mut tries = 0;
        loop {
            match self.try_update_conversation(id, changes, expected_version).await {
                Err(StoreError::Stale) if expected_version.is_none() && tries < 5 => tries += 1,
                other => return other,
            }
        }
    }

    async fn try_update_conversation(
        &self,
        id: i64,
        changes: &ConversationChanges,
        expected_version: Option<i64>,
    ) -> Result<Conversation> {
        let txn = self.write_txn().await?;
        let current = conv::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Stale);
        }
        let mut m: conv::ActiveModel = current.clone().into();
        if let Some(t) = changes.scheduled_at {
            set_if_changed(&mut m.scheduled_at, &current.scheduled_at, t);
        }
        if let Some(z) = &changes.time_zone {
            set_if_changed(&mut m.time_zone, &current.time_zone, z.clone());
        }
        if let Some(d) = changes.duration_minutes {
            set_if_changed(&mut m.duration_minutes, &current.duration_minutes, d);
        }
        if let Some(w) = changes.window {
            set_if_changed(&mut m.window_months, &current.window_months, i32::from(w.get()));
        }
        if let Some(n) = &changes.note {
            set_if_changed(&mut m.note, &current.note, n.clone());
        }
        if let Some(s) = changes.state {
            set_if_changed(&mut m.state, &current.state, s.as_str().to_owned());
            if s == State::Held && current.held_at.is_none() {
                m.held_at = Set(Some(now()));
            }
        }
        if let Some(r) = changes.leader_access_revoked {
            set_if_changed(&mut m.leader_access_revoked, &current.leader_access_revoked, r);
        }
        if !m.is_changed() {
            txn.commit().await?;
            return Ok(to_conversation(current));
        }
        m.version = Set(current.version + 1);
        m.updated_at = Set(now());
        let m = match conv::Entity::update(m)
            .validate()?
            .filter(conv::Column::Version.eq(current.version))
            .exec(&txn)
            .await
        {
            Err(sea_orm::DbErr::RecordNotUpdated) => return Err(StoreError::Stale),
            other => other?,
        };
        txn.commit().await?;
        Ok(to_conversation(m))
    }

    /// For each conversation: how many questions it asks and how many answers
    /// are shared. Two grouped queries for any number of conversations, for
    /// list pages that show "shared 3 of 9".
    pub async fn sharing_counts(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, (usize, usize)>> {
        let mut out = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let backend = self.backend();
        let marks = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let values: Vec<Value> = ids.iter().map(|i| (*i).into()).collect();
        let queries = [
            format!(
                "SELECT conversation_id, COUNT(*) AS n FROM conversation_questions WHERE conversation_id IN ({marks}) GROUP BY conversation_id"
            ),
            format!(
                "SELECT conversation_id, COUNT(*) AS n FROM answers WHERE shared_at IS NOT NULL AND conversation_id IN ({marks}) GROUP BY conversation_id"
            ),
        ];
        for (which, q) in queries.iter().enumerate() {
            let rows =
                self.db.query_all_raw(Statement::from_sql_and_values(backend, sql(backend, q), values.clone())).await?;
            for r in rows {
                let (id, n): (i64, i64) = (r.try_get("", "conversation_id")?, r.try_get("", "n")?);
                let entry = out.entry(id).or_insert((0, 0));
                if which == 0 { entry.0 = n as usize } else { entry.1 = n as usize }
            }
        }
        Ok(out)
    }

    /// The questions asked in a conversation, in order, each with its answer.
    /// `Answers::Shared` reads shared answers only, so drafts never leave the
    /// database on such a request; `Answers::None` reads no answer at all.
    /// The questions themselves are remembered (see [`Asked`]), so a page
    /// reads only the answers.
    pub async fn asked_with_answers(
        &self,
        conversation_id: i64,
        answers: Answers,
    ) -> Result<Vec<(AskedQuestion, Option<Answer>)>> {
        let sql = match answers {
            Answers::All => Some(select!(answer::Model, "answers", "WHERE conversation_id = ?1")),
            Answers::Shared => {
                Some(select!(answer::Model, "answers", "WHERE conversation_id = ?1 AND shared_at IS NOT NULL"))
            }
            Answers::None => None,
        };
        let asked = self.asked(conversation_id).await?;
        let mut found = std::collections::HashMap::new();
        if let Some(sql) = sql {
            let read = Read { sql, values: &[conversation_id.into()], one: false };
            let rows = self.db.fetch(read, |c| answer::Model::from_cols(c, 0)).await?;
            found.extend(rows.into_iter().map(|a| (a.question_id, to_answer(a))));
        }
        Ok(asked.iter().map(|q| (q.clone(), found.remove(&q.id))).collect())
    }

    /// Every answer, drafts included: only for the report's own views.
    pub async fn answers_of_report(&self, conversation_id: i64) -> Result<Vec<Answer>> {
        let rows =
            answer::Entity::find().filter(answer::Column::ConversationId.eq(conversation_id)).all(&self.db).await?;
        Ok(rows.into_iter().map(to_answer).collect())
    }

    /// Saves an answer if `expected_version` is the stored one (0: none yet).
    /// Saving the text that is stored already is never a conflict.
    pub async fn save_answer(
        &self,
        conversation_id: i64,
        question_id: i64,
        text: &str,
        expected_version: i64,
    ) -> Result<Saved> {
        let asked = conversation_question::Entity::find_by_id(question_id)
            .filter(conversation_question::Column::ConversationId.eq(conversation_id))
            .one(&self.db)
            .await?;
        if asked.is_none() {
            return Err(StoreError::NotFound);
        }
        let row = VersionedRow {
            table: "answers",
            key: vec![("question_id", question_id.into())],
            on_insert: vec![("conversation_id", conversation_id.into())],
            on_write: vec![],
        };
        self.save_versioned(&row, text, expected_version).await
    }

    /// Shares or unshares one answer (or, with `None`, every non-empty answer),
    /// then brings the conversation's state in line. Returns how many changed.
    pub async fn set_shared(&self, conversation_id: i64, question_id: Option<i64>, shared: bool) -> Result<u64> {
        let txn = self.write_txn().await?;
        let mut q = answer::Entity::update_many()
            .col_expr(answer::Column::SharedAt, Expr::value(if shared { Some(now()) } else { None }))
            .filter(answer::Column::ConversationId.eq(conversation_id));
        q = if shared {
            q.filter(answer::Column::SharedAt.is_null()).filter(answer::Column::Text.ne(""))
        } else {
            q.filter(answer::Column::SharedAt.is_not_null())
        };
        if let Some(qid) = question_id {
            q = q.filter(answer::Column::QuestionId.eq(qid));
        }
        let changed = q.exec(&txn).await?.rows_affected;
        let any_shared = answer::Entity::find()
            .filter(answer::Column::ConversationId.eq(conversation_id))
            .filter(answer::Column::SharedAt.is_not_null())
            .one(&txn)
            .await?
            .is_some();
        let c = conv::Entity::find_by_id(conversation_id).one(&txn).await?.ok_or(StoreError::NotFound)?;
        let state = State::parse(&c.state).unwrap_or(State::Scheduled).with_shared_answers(any_shared);
        if state.as_str() != c.state {
            let mut m: conv::ActiveModel = c.clone().into();
            m.state = Set(state.as_str().to_owned());
            m.version = Set(c.version + 1);
            m.updated_at = Set(now());
            m.update(&txn).await?;
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// A notes document, if written.
    pub async fn note(&self, conversation_id: i64, kind: NoteKind) -> Result<Option<Note>> {
        let sql = select!(conversation_note::Model, "conversation_notes", "WHERE conversation_id = ?1 AND kind = ?2");
        let read = Read { sql, values: &[conversation_id.into(), kind.as_str().into()], one: true };
        Ok(self.db.fetch(read, |c| conversation_note::Model::from_cols(c, 0)).await?.pop().map(|n| Note {
            text: n.text,
            version: n.version,
            updated_by: n.updated_by,
            updated_at: n.updated_at,
        }))
    }

    /// Both notes documents of a conversation in one read, as far as written:
    /// the leader's page shows both. Callers pick what the viewer may see.
    pub async fn notes(&self, conversation_id: i64) -> Result<Vec<(NoteKind, Note)>> {
        let sql = select!(conversation_note::Model, "conversation_notes", "WHERE conversation_id = ?1");
        let read = Read { sql, values: &[conversation_id.into()], one: false };
        Ok(self
            .db
            .fetch(read, |c| conversation_note::Model::from_cols(c, 0))
            .await?
            .into_iter()
            .filter_map(|n| {
                let kind = match n.kind.as_str() {
                    k if k == NoteKind::Shared.as_str() => NoteKind::Shared,
                    k if k == NoteKind::Private.as_str() => NoteKind::Private,
                    _ => return None,
                };
                Some((
                    kind,
                    Note { text: n.text, version: n.version, updated_by: n.updated_by, updated_at: n.updated_at },
                ))
            })
            .collect())
    }

    /// Saves notes with the same versioning as answers.
    pub async fn save_note(
        &self,
        conversation_id: i64,
        kind: NoteKind,
        author: i64,
        text: &str,
        expected_version: i64,
    ) -> Result<Saved> {
        let row = VersionedRow {
            table: "conversation_notes",
            key: vec![("conversation_id", conversation_id.into()), ("kind", kind.as_str().into())],
            on_insert: vec![],
            on_write: vec![("updated_by", author.into())],
        };
        self.save_versioned(&row, text, expected_version).await
    }

    /// The versioned save behind answers and notes. Each step is one
    /// statement, so the check and the write cannot be split by another
    /// writer on any database, and no transaction is held open:
    /// - version 0 inserts; a row that exists already (two first saves) is a conflict;
    /// - otherwise the update names the version it replaces and changes
    ///   nothing if someone saved first;
    /// - the stored text equal to the one sent is success, never a conflict.
    async fn save_versioned(&self, row: &VersionedRow, text: &str, expected_version: i64) -> Result<Saved> {
        let backend = self.backend();
        let at = now();
        if expected_version == 0 {
            let mut cols: Vec<&str> =
                row.key.iter().chain(&row.on_insert).chain(&row.on_write).map(|(c, _)| *c).collect();
            let mut values: Vec<Value> =
                row.key.iter().chain(&row.on_insert).chain(&row.on_write).map(|(_, v)| v.clone()).collect();
            cols.extend(["text", "version", "updated_at"]);
            values.extend([text.into(), 1i64.into(), at.into()]);
            let marks = (1..=cols.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let insert = format!("INSERT INTO {} ({}) VALUES ({marks})", row.table, cols.join(", "));
            match self.db.execute_raw(Statement::from_sql_and_values(backend, sql(backend, &insert), values)).await {
                Ok(_) => return Ok(Saved::Stored { version: 1, updated_at: at }),
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
                Err(e) => return Err(e.into()),
            }
        } else {
            let mut values: Vec<Value> = vec![text.into(), at.into()];
            let mut sets =
                vec!["text = $1".to_owned(), "version = version + 1".to_owned(), "updated_at = $2".to_owned()];
            for (c, v) in &row.on_write {
                values.push(v.clone());
                sets.push(format!("{c} = ${}", values.len()));
            }
            let mut conds = Vec::new();
            for (c, v) in &row.key {
                values.push(v.clone());
                conds.push(format!("{c} = ${}", values.len()));
            }
            values.push(expected_version.into());
            conds.push(format!("version = ${}", values.len()));
            let update = format!("UPDATE {} SET {} WHERE {}", row.table, sets.join(", "), conds.join(" AND "));
            let res =
                self.db.execute_raw(Statement::from_sql_and_values(backend, sql(backend, &update), values)).await?;
            if res.rows_affected() == 1 {
                return Ok(Saved::Stored { version: expected_version + 1, updated_at: at });
            }
        }
        // Someone saved first (or the version was made up): report what is stored.
        let conds =
            (1..=row.key.len()).map(|i| format!("{} = ${i}", row.key[i - 1].0)).collect::<Vec<_>>().join(" AND ");
        let select = format!("SELECT text, version, updated_at FROM {} WHERE {conds}", row.table);
        let values: Vec<Value> = row.key.iter().map(|(_, v)| v.clone()).collect();
        let current =
            self.db.query_one_raw(Statement::from_sql_and_values(backend, sql(backend, &select), values)).await?;
        Ok(match current {
            None => Saved::Conflict { text: String::new(), version: 0 },
            Some(r) => {
                let (stored, version): (String, i64) = (r.try_get("", "text")?, r.try_get("", "version")?);
                if stored == text {
                    Saved::Stored { version, updated_at: r.try_get("", "updated_at")? }
                } else {
                    Saved::Conflict { text: stored, version }
                }
            }
        })
    }

    /// Who the report has granted this conversation to.
    pub async fn grants(&self, conversation_id: i64) -> Result<Vec<i64>> {
        Ok(conversation_grant::Entity::find()
            .filter(conversation_grant::Column::ConversationId.eq(conversation_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|g| g.person_id)
            .collect())
    }

    /// Grants or takes back a person's access to one conversation.
    pub async fn set_grant(&self, conversation_id: i64, person_id: i64, granted: bool) -> Result<()> {
        let txn = self.write_txn().await?;
        conversation_grant::Entity::delete_many()
            .filter(conversation_grant::Column::ConversationId.eq(conversation_id))
            .filter(conversation_grant::Column::PersonId.eq(person_id))
            .exec(&txn)
            .await?;
        if granted {
            conversation_grant::ActiveModel {
                conversation_id: Set(conversation_id),
                person_id: Set(person_id),
                granted_at: Set(now()),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}
