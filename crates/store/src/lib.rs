//! Foothold's storage: one narrow, domain-shaped interface over SQLite and
//! PostgreSQL. Nothing outside this crate writes SQL or sees a table.

/// A `&'static str` formatted once, on first use, from `format!`'s
/// arguments: the SQL of a hand-written read, which does not change from
/// call to call (SQLite's parameters, `?1`…).
macro_rules! sql_once {
    ($($format:tt)*) => {{
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!($($format)*));
        SQL.as_str()
    }};
}

/// The SQL of a hand-written read of every column of `$table`, in the order
/// `$model::from_cols` maps them, followed by `$rest`.
macro_rules! select {
    ($model:ty, $table:literal, $rest:literal) => {
        sql_once!("SELECT {} FROM {} {}", <$model>::columns(""), $table, $rest)
    };
}

mod audit;
mod backup;
mod bulk;
mod conversations;
mod engagement;
mod entity;
mod feeds;
mod held;
mod insight;
mod lite;
mod memory;
mod migrate;
mod outbox;
mod people;
mod plans;
pub mod secret;
mod sign_in;
mod themes;
mod url;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sqlx;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};

pub use audit::{AuditEntry, NewAuditEntry};
pub use backup::{Integrity, check_sqlite_file, restore_sqlite_file, schema_version};
pub use bulk::{ConversationSeed, HistorySeed, PlanSeed, PulseSeed, RatingSeed};
pub use conversations::{
    Answer, Answers, AskedQuestion, BUILTIN_SET_NAME, Conversation, ConversationChanges, NewConversation, Note,
    NoteKind, QuestionSet, Saved, SetScope,
};
pub use engagement::{PerformanceView, Pulse, PulseRound, PulseRow, RoundGroup};
pub use feeds::{CalendarFeed, PlanCheckin};
pub use held::{release_held_connection, with_held_connection};
pub use insight::{OrgPerson, PlanSpan};
pub use outbox::{NewMail, OpenCheckin, OutboxMail, OutboxStats, Recipient, UpcomingConversation};
pub use people::{ImportFailure, ImportOutcome, NewPerson, Person, PersonChanges};
pub use plans::{
    Checkin, CheckinRecord, Edited, NewPlan, NewRole, Plan, PlanChange, PlanDetail, PlanEdit, PlanState, PlanTheme,
    Role, Step, StepProgress,
};
pub use sign_in::{ApiToken, FailureCounts, InviteError, NewSession, SessionRecord};
pub use themes::{ConversationTheme, CustomTheme, ThemeDecision, ThemeStatus};
pub use url::{DatabaseUrl, Engine, UrlError};

/// A moment, kept to the microsecond so that both databases store it alike.
pub type Timestamp = DateTime<Utc>;

/// The current time at the precision the store keeps.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or refused; details go to the log, not to users.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// The database could not be opened.
    #[error("cannot open the database {url}: {source}")]
    Connect {
        /// The URL without its password.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// No such record.
    #[error("not found")]
    NotFound,
    /// The change would break a rule the person can fix (the message says how).
    #[error("{0}")]
    Conflict(String),
    /// Someone else changed the record since it was read.
    #[error("the record was changed by someone else")]
    Stale,
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Connection pool figures for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Of which idle.
    pub idle: u32,
}

/// The application's database.
#[derive(Clone, Debug)]
pub struct Store {
    db: held::Db,
    engine: Engine,
    /// Reads this process recorded in the audit log lately (see
    /// `foothold_domain::audit`); shared by the clones of one store.
    recent_reads: Arc<Mutex<audit::RecentReads<audit::ReadKey>>>,
    /// Plans' themes, steps and check-ins by version (see `plans::PlanParts`).
    plan_parts: Arc<plans::PlanParts>,
    /// The questions conversations were scheduled with (see `conversations::Asked`).
    asked: Arc<conversations::Asked>,
}

/// Sets a field only when the value differs, so an edit that changes
/// nothing is recognised as such (SeaORM marks every `Set` as a change).
pub(crate) fn set_if_changed<T>(field: &mut sea_orm::ActiveValue<T>, current: &T, new: T)
where
    T: PartialEq + Into<sea_orm::Value>,
{
    if *current != new {
        *field = sea_orm::ActiveValue::Set(new);
    }
}

/// Rewrites `$1`-style placeholders for SQLite, which spells them `?1`.
pub(crate) fn sql(backend: DatabaseBackend, s: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => s.to_owned(),
        _ => s.replace('$', "?"),
    }
}

/// `count` parameters from `?first` on, for an `IN (…)` list: `?1, ?2, ?3`.
pub(crate) fn marks(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

/// Turns on SQLite's query planner stability guarantee for a connection.
///
/// Without it SQLite re-plans a statement whenever a value is bound to a
/// parameter its plan looked at, and SeaORM binds `LIMIT` as a parameter:
/// every `find_by_id(..).one()` was parsed and planned again on each call,
/// about a seventh of the CPU time of a page under load. Foothold keeps no
/// statistics (`ANALYZE`) whose samples could make a value-specific plan
/// better, so a stable plan loses nothing.
async fn stable_plans(conn: &mut sqlx::SqliteConnection) -> std::result::Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut now_on: std::ffi::c_int = 0;
    // SAFETY: `db` is the live handle the lock guards for this call; the
    // variadic arguments are the (int, int*) pair this option is documented
    // to take, and `now_on` outlives the call.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            &mut now_on,
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK || now_on != 1 {
        return Err(sqlx::Error::Configuration(
            format!("SQLite refused the query planner stability guarantee (code {rc})").into(),
        ));
    }
    Ok(())
}

impl Store {
    fn over(db: DatabaseConnection, engine: Engine, lite: Option<lite::Reader>) -> Self {
        Store {
            db: held::Db::new(db, lite),
            engine,
            recent_reads: Arc::default(),
            plan_parts: Arc::default(),
            asked: Arc::default(),
        }
    }

    /// Opens the database the URL names. SQLite files are created when
    /// missing and run in WAL mode with foreign keys enforced.
    pub async fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<Self> {
        let connect_err = |source| StoreError::Connect { url: url.redacted(), source };
        match url.engine() {
            Some(Engine::Postgres) => {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    // No ping before each query: it doubled the round trips of
                    // every page. A connection the server dropped fails its
                    // next query once and is discarded, and connections are
                    // renewed every 30 minutes anyway.
                    .test_before_acquire(false)
                    .max_lifetime(Duration::from_secs(30 * 60))
                    .connect(url.expose())
                    .await
                    .map_err(connect_err)?;
                Ok(Store::over(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool), Engine::Postgres, None))
            }
            _ => {
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url.expose())
                    .map_err(connect_err)?
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    // NORMAL is durable across process crashes in WAL mode; only
                    // an OS crash can lose the last transactions.
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    // A connection to a local file cannot go stale: pinging it
                    // before every query only costs a round trip to its thread.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| Box::pin(async move { stable_plans(conn).await }))
                    .connect_with(opts.clone())
                    .await
                    .map_err(connect_err)?;
                let lite = url.direct_reads().then(|| lite::Reader::new(opts.get_filename().to_owned()));
                Ok(Store::over(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool), Engine::Sqlite, lite))
            }
        }
    }

    /// Brings the schema up to date and seeds the built-in question set;
    /// returns how many migrations ran.
    pub async fn migrate(&self) -> Result<usize> {
        let ran = migrate::run(&self.db.pool).await?;
        self.ensure_builtin_set().await?;
        Ok(ran)
    }

    /// Reads a large result row by row: the insight reads scan whole tables,
    /// and collecting the driver's rows before converting them held every
    /// row twice, for a peak of hundreds of megabytes at 10,000 people.
    pub(crate) async fn for_each_row(
        &self,
        stmt: Statement,
        mut f: impl FnMut(&sea_orm::QueryResult) -> Result<()>,
    ) -> Result<()> {
        use futures_util::TryStreamExt;
        use sea_orm::StreamTrait;
        // A stream keeps its connection until it ends: not the held one.
        held::release_held_connection().await;
        let mut rows = self.db.pool.stream_raw(stmt).await?;
        while let Some(r) = rows.try_next().await? {
            f(&r)?;
        }
        Ok(())
    }

    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<()> {
        self.db.execute_raw(Statement::from_string(self.backend(), "SELECT 1")).await?;
        Ok(())
    }

    /// Pool figures.
    pub fn pool_stats(&self) -> PoolStats {
        match self.engine {
            Engine::Sqlite => {
                let p = self.db.pool.get_sqlite_connection_pool();
                PoolStats { size: p.size(), idle: p.num_idle() as u32 }
            }
            Engine::Postgres => {
                let p = self.db.pool.get_postgres_connection_pool();
                PoolStats { size: p.size(), idle: p.num_idle() as u32 }
            }
        }
    }

    /// Closes every connection (at shutdown, so SQLite checkpoints its WAL).
    pub async fn close(self) {
        let _ = self.db.close().await;
    }

    /// A transaction that writes. On SQLite it takes the write lock at BEGIN:
    /// a deferred transaction that reads and then writes fails at once with
    /// SQLITE_BUSY when another connection wrote in between, which under load
    /// would turn ordinary saves into errors.
    pub(crate) async fn write_txn(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let mode = match self.engine {
            Engine::Sqlite => Some(SqliteTransactionMode::Immediate),
            Engine::Postgres => None,
        };
        held::release_held_connection().await;
        self.db
            .pool
            .begin_with_options(TransactionOptions { sqlite_transaction_mode: mode, ..Default::default() })
            .await
    }

    fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// A stored setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        use sea_orm::EntityTrait;
        Ok(entity::setting::Entity::find_by_id(key.to_owned()).one(&self.db).await?.map(|s| s.value))
    }

    /// Stores a setting, replacing any earlier value.
    pub async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.delete_setting(key).await?;
        self.db
            .execute_raw(Statement::from_sql_and_values(
                self.backend(),
                sql(self.backend(), "INSERT INTO settings (key, value) VALUES ($1, $2)"),
                [key.into(), value.into()],
            ))
            .await?;
        Ok(())
    }

    /// Removes a setting only if it still has `value`; true for exactly one
    /// caller when several race (single-use tokens).
    pub async fn claim_setting(&self, key: &str, value: &str) -> Result<bool> {
        let res = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                self.backend(),
                sql(self.backend(), "DELETE FROM settings WHERE key = $1 AND value = $2"),
                [key.into(), value.into()],
            ))
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Removes a setting.
    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        self.db
            .execute_raw(Statement::from_sql_and_values(
                self.backend(),
                sql(self.backend(), "DELETE FROM settings WHERE key = $1"),
                [key.into()],
            ))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the planner stability flag of one connection (-1 asks without changing it).
    async fn plans_are_stable(conn: &mut sqlx::SqliteConnection) -> bool {
        let mut handle = conn.lock_handle().await.expect("lock");
        let db = handle.as_raw_handle().as_ptr();
        let mut on: std::ffi::c_int = -1;
        // SAFETY: as in `stable_plans`; -1 only reads the setting.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                db,
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1 as std::ffi::c_int,
                &mut on,
            )
        };
        assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
        on == 1
    }

    #[tokio::test]
    async fn every_sqlite_connection_keeps_its_plans() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("t.db")), 3).await.expect("open");
        let pool = store.db.pool.get_sqlite_connection_pool();
        // Hold three at once so the pool has to open each of them.
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(pool.acquire().await.expect("acquire"));
        }
        for conn in &mut held {
            assert!(plans_are_stable(conn).await, "a pooled connection re-plans on every bind");
        }
        use sqlx::Connection as _;
        let mut plain = sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .expect("plain connection");
        assert!(!plans_are_stable(&mut plain).await, "the flag is off by default, so the check above means something");
    }
}
