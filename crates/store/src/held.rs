//! One pooled connection held for all the statements of a request.
//!
//! sqlx pings every connection as it goes back to its pool, and on SQLite
//! each statement and each ping is a hand-off to the connection's own thread
//! and back. With a connection taken from the pool per statement, half the
//! round trips of a page were those pings: the preparation page made 16 for
//! its 8 reads, and kernel context switches took ~45% of the server's CPU.
//! Inside [`with_held_connection`], statements share one connection taken at the
//! first of them and given back when the request ends: 9 round trips for the
//! same page.
//!
//! The held connection never carries a transaction, so every statement still
//! commits on its own and sees every write committed before it, as with the
//! pool. A transaction or a stream takes its own connection after the held
//! one has gone back ([`release_held_connection`]): a request never holds two
//! at once through this module, so requests waiting for a connection cannot
//! all hold one and wait for a second. For the same reason a request gives
//! its connection back before it waits for another request that may need
//! one (the first build of a cache, say) or for a client's body.
//!
//! On a SQLite file most reads take no connection from here at all: they
//! run on the request's own thread (lite.rs), and the held connection serves
//! the writes and the reads lite.rs leaves to sqlx. Those direct reads share
//! one read transaction per request, which ends before any statement of the
//! request goes to sqlx (a write, or a read lite.rs leaves to sqlx) and
//! whenever the request gives its connection back: a request's direct reads
//! see one moment until then, and always see the request's own writes.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::sqlx::{self, Executor, pool::PoolConnection};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::lite::{Cols, Computed, Snapshot};

/// The request's connection, tagged with the pool it came from; empty until
/// the request's first statement.
type Slot = Option<(u64, Conn)>;

/// What a request holds: its pooled connection and, on a SQLite file, the
/// read transaction its direct reads share (lite.rs's [`Snapshot`]).
#[derive(Default)]
struct Held {
    slot: Arc<Mutex<Slot>>,
    // Touched only by synchronous code of the request's own task, so never
    // borrowed twice; a failed borrow would only mean a read without it.
    snapshot: RefCell<Option<Snapshot>>,
}

tokio::task_local! {
    static HELD: Held;
}

/// A connection out of one of the two pools.
enum Conn {
    Sqlite(PoolConnection<sqlx::Sqlite>),
    Postgres(PoolConnection<sqlx::Postgres>),
}

/// Tells the pools of different stores apart, so that a request touching
/// two databases (tests do) never sends one's statements to the other.
static NEXT_POOL: AtomicU64 = AtomicU64::new(1);

/// The database a store talks to: its pool, or within [`with_held_connection`] the
/// connection held for the request.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    pub(crate) pool: DatabaseConnection,
    id: u64,
    /// On a SQLite file, reads that run on the calling thread (lite.rs).
    lite: Option<Arc<crate::lite::Reader>>,
}

/// Runs `work` with one pooled connection held for all of its statements
/// (see the module's documentation); the connection goes back to its pool
/// when `work` completes. Tasks `work` spawns use the pool as usual.
pub async fn with_held_connection<F: Future>(work: F) -> F::Output {
    HELD.scope(Held::default(), work).await
}

/// Gives back the connection the current request holds, so that slow work
/// without statements (password hashing) does not keep it from other
/// requests; the request's next statement takes one again.
pub async fn release_held_connection() {
    end_snapshot();
    if let Ok(held) = HELD.try_with(|h| Arc::clone(&h.slot)) {
        *held.lock().await = None;
    }
}

/// Ends the request's read transaction, if it has one: before anything
/// else of the request reaches the database, so that reads after its own
/// writes see them (lite.rs).
fn end_snapshot() {
    let ended = HELD.try_with(|h| h.snapshot.try_borrow_mut().ok().and_then(|mut s| s.take()));
    drop(ended);
}

impl Db {
    pub(crate) fn new(pool: DatabaseConnection, lite: Option<crate::lite::Reader>) -> Self {
        Db { pool, id: NEXT_POOL.fetch_add(1, Ordering::Relaxed), lite: lite.map(Arc::new) }
    }

    /// Closes every connection, those kept for direct reads first.
    pub(crate) async fn close(&self) -> Result<(), DbErr> {
        if let Some(lite) = &self.lite {
            lite.close();
        }
        self.pool.close_by_ref().await
    }

    /// The request's slot, when the caller runs inside [`with_held_connection`]
    /// and the slot is empty or holds a connection of this pool.
    async fn slot(&self) -> Option<OwnedMutexGuard<Slot>> {
        let guard = HELD.try_with(|h| Arc::clone(&h.slot)).ok()?.lock_owned().await;
        match guard.as_ref() {
            Some((owner, _)) if *owner != self.id => None,
            _ => Some(guard),
        }
    }

    /// The held connection, taken from the pool if the slot is empty.
    async fn conn<'g>(&self, slot: &'g mut OwnedMutexGuard<Slot>) -> Result<&'g mut Conn, DbErr> {
        let held = match slot.take() {
            Some(held) => held,
            None => (self.id, self.acquire().await?),
        };
        Ok(&mut slot.insert(held).1)
    }

    async fn acquire(&self) -> Result<Conn, DbErr> {
        Ok(match self.pool.get_database_backend() {
            DatabaseBackend::Postgres => {
                Conn::Postgres(self.pool.get_postgres_connection_pool().acquire().await.map_err(acquire_err)?)
            }
            _ => Conn::Sqlite(self.pool.get_sqlite_connection_pool().acquire().await.map_err(acquire_err)?),
        })
    }
}

/// A statement bound as SeaORM binds it on the pool, without copying its
/// values (the statement is ours to consume).
fn query<DB: sqlx::Database>(stmt: Statement) -> sqlx::query::Query<'static, DB, SqlxValues>
where
    SqlxValues: sqlx::IntoArguments<DB>,
{
    let values = SqlxValues(stmt.values.unwrap_or(sea_orm::Values(Vec::new())));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), values)
}

// The error variants SeaORM gives for the same failures on the pool, so that
// callers telling a broken rule from a broken connection see no difference.
fn acquire_err(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        e => DbErr::Conn(RuntimeErr::SqlxError(e.into())),
    }
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(e.into()))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(e.into()))
}

/// Runs `$body` with `$c` bound to the held connection of either engine, or
/// returns `$pool` when there is no held connection to use.
macro_rules! on_held {
    ($db:expr, $pool:expr, |$c:ident| $body:expr) => {{
        end_snapshot();
        match $db.slot().await {
            None => $pool,
            Some(mut slot) => match $db.conn(&mut slot).await? {
                Conn::Sqlite($c) => $body,
                Conn::Postgres($c) => $body,
            },
        }
    }};
}

impl Db {
    /// The first row of a read whose computed columns (a count, an `EXISTS`)
    /// are read as the kinds `computed` gives, so that on SQLite it can run
    /// on the calling thread (lite.rs); without them it runs on sqlx there.
    pub(crate) async fn query_one_computed(
        &self,
        stmt: Statement,
        computed: &Computed,
    ) -> Result<Option<QueryResult>, DbErr> {
        if let Some(rows) = self.direct(&stmt, computed, true).await? {
            return Ok(rows.into_iter().next());
        }
        // Boxed: the driver's futures are large, and a caller's future holds
        // the largest of what it awaits; the direct reads above need none.
        self.sqlx_one(stmt).await
    }

    /// `stmt`'s first row, read by sqlx on the request's connection.
    async fn sqlx_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        Box::pin(async {
            on_held!(self, self.pool.query_one_raw(stmt).await, |c| {
                query(stmt).fetch_optional(&mut **c).await.map(|row| row.map(QueryResult::from)).map_err(query_err)
            })
        })
        .await
    }

    /// The rows of a read run on the calling thread (lite.rs), or `None`
    /// when it runs on sqlx.
    async fn direct(
        &self,
        stmt: &Statement,
        computed: &Computed,
        one: bool,
    ) -> Result<Option<Vec<QueryResult>>, DbErr> {
        let Some(reader) = self.lite.as_ref() else { return Ok(None) };
        let read = HELD.try_with(|h| match h.snapshot.try_borrow_mut() {
            Ok(mut snapshot) => reader.read(stmt, computed, one, Some(&mut snapshot)),
            Err(_) => reader.read(stmt, computed, one, None),
        });
        // Outside a request: a read transaction of its own.
        let Some(rows) = read.unwrap_or_else(|_| reader.read(stmt, computed, one, None))? else {
            return Ok(None);
        };
        #[cfg(debug_assertions)]
        let rows = self.shadow_check(stmt, computed, rows, one).await?;
        Ok(Some(crate::lite::results(rows)?))
    }

    /// In debug builds, so in test runs, a read that ran on the calling thread
    /// runs on sqlx too, and the two must agree row for row and value for
    /// value, each value decoded by sqlx as the Rust type lite.rs chose: the
    /// check that lite.rs binds, filters, orders and decodes as sqlx does. It
    /// is skipped when the pool has no idle connection (it never waits, so
    /// that it changes nobody's waiting). A write landing between the two
    /// reads can make them differ, so a difference is read again, twice,
    /// before it counts; the rows returned are those that agreed.
    #[cfg(debug_assertions)]
    async fn shadow_check(
        &self,
        stmt: &Statement,
        computed: &Computed,
        rows: Vec<crate::lite::Row>,
        one: bool,
    ) -> Result<Vec<crate::lite::Row>, DbErr> {
        let Some(reader) = self.lite.as_ref() else { return Ok(rows) };
        let mut mine = rows;
        for attempt in 0..3 {
            let Some(mut conn) = self.pool.get_sqlite_connection_pool().try_acquire() else { return Ok(mine) };
            let theirs: Vec<QueryResult> = query(stmt.clone())
                .fetch_all(&mut *conn)
                .await
                .map_err(query_err)?
                .into_iter()
                .map(QueryResult::from)
                .collect();
            drop(conn);
            let theirs = &theirs[..if one { theirs.len().min(1) } else { theirs.len() }];
            match crate::lite::differs(&mine, theirs) {
                None => return Ok(mine),
                Some(why) if attempt == 2 => {
                    tracing::error!(sql = %stmt.sql, %why, "a direct SQLite read differs from sqlx's");
                    return Err(DbErr::Custom(format!("direct SQLite read differs from sqlx's: {why}")));
                }
                Some(_) => {
                    // The request's snapshot may predate the write: read afresh.
                    end_snapshot();
                    mine = reader.read(stmt, computed, one, None)?.unwrap_or_default();
                }
            }
        }
        Ok(mine)
    }

    /// Every row of a read, as [`Db::query_one_computed`].
    pub(crate) async fn query_all_computed(
        &self,
        stmt: Statement,
        computed: &Computed,
    ) -> Result<Vec<QueryResult>, DbErr> {
        if let Some(rows) = self.direct(&stmt, computed, false).await? {
            return Ok(rows);
        }
        // Boxed, as in query_one_computed.
        self.sqlx_all(stmt).await
    }

    /// `stmt`'s rows, read by sqlx on the request's connection.
    async fn sqlx_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        Box::pin(async {
            on_held!(self, self.pool.query_all_raw(stmt).await, |c| {
                query(stmt)
                    .fetch_all(&mut **c)
                    .await
                    .map(|rows| rows.into_iter().map(QueryResult::from).collect())
                    .map_err(query_err)
            })
        })
        .await
    }

    /// On SQLite, checks rows `fetch` read directly against sqlx's reading of
    /// the same statement, in debug builds (tests), as [`Db::shadow_check`]
    /// does for reads by name.
    #[cfg(debug_assertions)]
    async fn fetch_check<T: std::fmt::Debug>(
        &self,
        read: &Read<'_>,
        map: Map<T>,
        rows: Vec<T>,
    ) -> Result<Vec<T>, DbErr> {
        let Some(reader) = self.lite.as_ref() else { return Ok(rows) };
        let mut mine = rows;
        for attempt in 0..3 {
            let Some(mut conn) = self.pool.get_sqlite_connection_pool().try_acquire() else { return Ok(mine) };
            let stmt = Statement::from_sql_and_values(DatabaseBackend::Sqlite, read.sql, read.values.to_vec());
            let theirs = query(stmt).fetch_all(&mut *conn).await.map_err(query_err)?;
            drop(conn);
            let n = if read.one { theirs.len().min(1) } else { theirs.len() };
            let theirs = theirs
                .into_iter()
                .take(n)
                .map(|row| map(&Cols::Sqlx(&QueryResult::from(row))))
                .collect::<Result<Vec<T>, DbErr>>()?;
            let (a, b) = (format!("{mine:?}"), format!("{theirs:?}"));
            if a == b {
                return Ok(mine);
            }
            if attempt == 2 {
                tracing::error!(sql = %read.sql, here = %a, sqlx = %b, "a direct SQLite read differs from sqlx's");
                return Err(DbErr::Custom(format!("direct SQLite read differs from sqlx's: {a} here, {b} on sqlx")));
            }
            // A snapshot older than sqlx's read: read again afresh.
            end_snapshot();
            mine = reader.fetch(read.sql, read.values, read.one, None, &map)?.unwrap_or_default();
        }
        Ok(mine)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        on_held!(self, self.pool.execute_raw(stmt).await, |c| {
            query(stmt).execute(&mut **c).await.map(ExecResult::from).map_err(exec_err)
        })
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        on_held!(self, self.pool.execute_unprepared(sql).await, |c| {
            c.execute(sqlx::AssertSqlSafe(sql.to_owned())).await.map(ExecResult::from).map_err(exec_err)
        })
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.query_one_computed(stmt, &[]).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.query_all_computed(stmt, &[]).await
    }
}

/// Maps a row read by position to what the store returns.
pub(crate) type Map<T> = fn(&Cols<'_>) -> Result<T, DbErr>;

/// A hand-written read: SQLite's SQL (`?1` for the first value; PostgreSQL is
/// given `$1`), its values, and whether only the first row is wanted.
pub(crate) struct Read<'a> {
    /// The statement.
    pub(crate) sql: &'a str,
    /// Its values, in parameter order.
    pub(crate) values: &'a [sea_orm::Value],
    /// Only the first row.
    pub(crate) one: bool,
}

impl Read<'_> {
    fn statement(&self, backend: DatabaseBackend) -> Statement {
        let sql = match backend {
            DatabaseBackend::Postgres => self.sql.replace('?', "$"),
            _ => self.sql.to_owned(),
        };
        Statement::from_sql_and_values(backend, sql, self.values.to_vec())
    }
}

/// Hand-written reads mapped by position: the way of the reads every page
/// makes. On SQLite a request's connection ([`Db`]) runs them on the
/// request's thread with no SeaORM in between, which took a page a third of
/// its CPU; a transaction reads them through SeaORM like any other statement.
pub(crate) trait Fetch: ConnectionTrait {
    /// The rows of `read`, each mapped with `map`.
    async fn fetch<T: std::fmt::Debug>(&self, read: Read<'_>, map: Map<T>) -> Result<Vec<T>, DbErr> {
        let stmt = read.statement(self.get_database_backend());
        let rows = if read.one {
            self.query_one_raw(stmt).await?.into_iter().collect()
        } else {
            self.query_all_raw(stmt).await?
        };
        rows.iter().map(|row| map(&Cols::Sqlx(row))).collect()
    }
}

impl Fetch for sea_orm::DatabaseTransaction {}

impl Fetch for Db {
    async fn fetch<T: std::fmt::Debug>(&self, read: Read<'_>, map: Map<T>) -> Result<Vec<T>, DbErr> {
        if let Some(reader) = self.lite.as_ref() {
            let direct =
                |snapshot: Option<&mut Option<Snapshot>>| reader.fetch(read.sql, read.values, read.one, snapshot, &map);
            let rows = HELD
                .try_with(|h| match h.snapshot.try_borrow_mut() {
                    Ok(mut snapshot) => direct(Some(&mut snapshot)),
                    Err(_) => direct(None),
                })
                .unwrap_or_else(|_| direct(None))?;
            if let Some(rows) = rows {
                #[cfg(debug_assertions)]
                let rows = self.fetch_check(&read, map, rows).await?;
                return Ok(rows);
            }
        }
        let stmt = read.statement(self.get_database_backend());
        let rows =
            if read.one { self.sqlx_one(stmt).await?.into_iter().collect() } else { self.sqlx_all(stmt).await? };
        rows.iter().map(|row| map(&Cols::Sqlx(row))).collect()
    }
}
