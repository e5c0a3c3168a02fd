//! SQLite reads on the request's own thread.
//!
//! sqlx runs every SQLite statement on a thread of its own per connection:
//! each read is a hand-off to that thread and back, two context switches and
//! a trip through two channels. For the few rows a page reads, SQLite itself
//! takes a few microseconds, the hand-off several times that. So read-only
//! statements run here instead, synchronously, on connections kept for
//! reading, and their rows go to SeaORM as values typed by the entity that
//! declares each column.
//!
//! Only what can be typed exactly goes this way: every column of the result
//! must come straight from a column an entity declares (SQLite's column
//! metadata names it) or be a computed column whose kind the caller declares
//! ([`Db::query_one_computed`](crate::held::Db::query_one_computed)), no two
//! columns may share a name, and the statement must be read-only. Anything else (a count, a column no entity declares,
//! an `INSERT … RETURNING`) runs on sqlx as before, and its SQL is remembered
//! so that it is not examined again. Writes and transactions never come here.
//!
//! Rows are keyed by column name, so SeaORM's reads by position
//! (`into_tuple`, `try_get_by_index`) would see their columns in name order:
//! the store reads by name only (a test below holds it to that).
//!
//! The reads every page makes go a shorter way, [`Reader::fetch`]: SQL
//! written by hand, its rows mapped by position ([`Cols`]) straight into
//! what the store returns, with no SeaORM statement to build, no shape to
//! look up and no row of values by name in between. That took the plan page
//! from 144 to 96 us of CPU, and the preparation page from 131 to 78 (an A/B
//! of release builds on one data set). The same mapping reads sqlx's rows on
//! PostgreSQL, so both databases run one function.
//!
//! Within a request the direct reads share one read transaction, a
//! [`Snapshot`]: starting and ending SQLite's read transaction for every
//! statement (a lock on the WAL index, a check of the file) cost a page 3 to
//! 8% of its CPU (an A/B of release builds). The snapshot ends before anything else of the request reaches
//! the database (held.rs ends it before every statement it sends to sqlx, a
//! transaction, a stream, and when the request gives its connection back to
//! wait), so a request's reads after its own write always see that write,
//! and a write never waits for a read transaction of the same request.
//! Outside a request each statement is its own read transaction, and sees
//! every write committed before it started, as a pooled sqlx connection did.
//! A long result is read off the async worker after its first rows (see
//! [`MANY`]), so a large export does not stall the requests queued behind it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use rusqlite::types::{ToSqlOutput, Value as Lite, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sea_orm::{ColumnType, DatabaseBackend, DbErr, QueryResult, RuntimeErr, Statement, Value};

/// A result row: its columns' values by name.
pub(crate) type Row = BTreeMap<String, Value>;

/// Connections kept open for reading beyond one per core; more are opened
/// when every one is in use (a tokio worker, or a thread a long read moved
/// to, uses one at a time) and closed on return.
const SPARE: usize = 4;

/// Rows read on the async worker before the rest of a result moves off it.
const MANY: usize = 256;

/// Statements whose shapes are remembered. A list bound with `IN (…)` makes
/// new SQL for every length, so past this the memory starts afresh.
const SHAPES: usize = 4096;

/// How a column's stored value becomes the value SeaORM decodes: the Rust
/// type the caller reads it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `i64`.
    BigInt,
    /// `i32`.
    Int,
    /// `String`.
    Text,
    /// `bool`.
    Bool,
    /// A [`Timestamp`](crate::Timestamp).
    Timestamp,
    /// A `NaiveDate`.
    Date,
}

/// Computed columns (a count, an `EXISTS`) by name, with the kind each is read as.
pub(crate) type Computed = [(&'static str, Kind)];

impl Kind {
    fn of(ty: &ColumnType) -> Option<Kind> {
        Some(match ty {
            ColumnType::BigInteger => Kind::BigInt,
            ColumnType::Integer => Kind::Int,
            ColumnType::String(_) | ColumnType::Text => Kind::Text,
            ColumnType::Boolean => Kind::Bool,
            ColumnType::TimestampWithTimeZone => Kind::Timestamp,
            ColumnType::Date => Kind::Date,
            _ => return None,
        })
    }
}

/// Table → column → kind, from the entities.
static KINDS: LazyLock<HashMap<&'static str, HashMap<&'static str, Kind>>> = LazyLock::new(|| {
    let mut kinds: HashMap<&'static str, HashMap<&'static str, Kind>> = HashMap::new();
    crate::entity::each_column(|table, column, ty| {
        if let Some(kind) = Kind::of(ty) {
            kinds.entry(table).or_default().insert(column, kind);
        }
    });
    kinds
});

/// A result's columns: their names and kinds, in order.
type Shape = Arc<[(String, Kind)]>;

/// Reads a SQLite file on the calling thread (see the module's documentation).
#[derive(Debug)]
pub(crate) struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// How many idle connections are kept.
    keep: usize,
    /// Set at shutdown: reads go to sqlx, which refuses them as closed.
    closed: std::sync::atomic::AtomicBool,
    /// Every statement examined: its shape, or `None` when it runs on sqlx.
    shapes: Mutex<HashMap<String, Option<Shape>>>,
}

/// A request's read transaction on one of the kept connections (see the
/// module's documentation). Dropping it ends the transaction and gives the
/// connection back.
#[derive(Debug)]
pub(crate) struct Snapshot {
    reader: Arc<Reader>,
    conn: Option<Connection>,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // It only read: ending it writes nothing. Should it fail, the
            // connection is still in a transaction and give_back closes it.
            if let Err(e) = conn.prepare_cached("COMMIT").and_then(|mut st| st.execute([])) {
                tracing::warn!(error = %e, "cannot end a request's read transaction");
            }
            self.reader.give_back(conn);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here can leave the data half-changed, so a poisoned lock is usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn db_err(e: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(format!("SQLite: {e}")))
}

fn type_err(column: &str, what: &str) -> DbErr {
    DbErr::Type(format!("column {column}: {what}"))
}

impl Reader {
    /// A reader of the database file at `path`, which the sqlx pool has
    /// already opened (and so put in WAL mode).
    pub(crate) fn new(path: PathBuf) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Reader {
            path,
            idle: Mutex::default(),
            keep: cores + SPARE,
            closed: std::sync::atomic::AtomicBool::new(false),
            shapes: Mutex::default(),
        }
    }

    /// Runs `stmt` here when it can be (see the module's documentation):
    /// `Ok(None)` means it must run on sqlx. `one` stops at the first row.
    /// `computed` gives the kinds of the columns no table column supplies;
    /// a call site passes the same for the same SQL. With `snapshot`, the
    /// read runs in the request's read transaction, which it starts when
    /// there is none; a read left to sqlx, or that fails, ends it.
    pub(crate) fn read(
        self: &Arc<Self>,
        stmt: &Statement,
        computed: &Computed,
        one: bool,
        snapshot: Option<&mut Option<Snapshot>>,
    ) -> Result<Option<Vec<Row>>, DbErr> {
        if self.closed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        // The same SQL read with other declared kinds is another shape.
        // Borrowed for the usual read: no copy of the SQL on every statement.
        let key: std::borrow::Cow<'_, str> =
            if computed.is_empty() { stmt.sql.as_str().into() } else { format!("{}\0{computed:?}", stmt.sql).into() };
        let known = lock(&self.shapes).get(key.as_ref()).cloned();
        if let Some(None) = known {
            if let Some(snapshot) = snapshot {
                *snapshot = None;
            }
            return Ok(None);
        }
        self.on_conn(snapshot, |conn| self.run(conn, stmt, &key, computed, known.flatten(), one))
    }

    /// Runs hand-written read-only SQL here, SQLite's way (`?1` for the first
    /// value), and maps each row by position with `map`: no shape to look up,
    /// no row of values by name, no SeaORM result in between. `Ok(None)`
    /// means it must run on sqlx (the reader is closed, or a value only sqlx
    /// binds). `snapshot` is as for [`Reader::read`].
    pub(crate) fn fetch<T>(
        self: &Arc<Self>,
        sql: &str,
        values: &[Value],
        one: bool,
        snapshot: Option<&mut Option<Snapshot>>,
        map: &dyn Fn(&Cols<'_>) -> Result<T, DbErr>,
    ) -> Result<Option<Vec<T>>, DbErr> {
        if self.closed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        self.on_conn(snapshot, |conn| {
            let mut st = conn.prepare_cached(sql).map_err(db_err)?;
            if !bind(&mut st, sql, values)? {
                return Ok(None);
            }
            let mut rows = st.raw_query();
            collect(&mut rows, one, |row| map(&Cols::Lite(row))).map(Some)
        })
    }

    /// Runs `work` on a kept connection: the request's read transaction when
    /// `snapshot` is given (started here when there is none yet, ended when
    /// `work` leaves the read to sqlx or fails), else a connection of its own.
    fn on_conn<R>(
        self: &Arc<Self>,
        snapshot: Option<&mut Option<Snapshot>>,
        work: impl FnOnce(&Connection) -> Result<Option<R>, DbErr>,
    ) -> Result<Option<R>, DbErr> {
        // Another store's snapshot (tests open two) is left alone.
        let snapshot = snapshot.filter(|s| s.as_ref().is_none_or(|s| Arc::ptr_eq(&s.reader, self)));
        let Some(snapshot) = snapshot else {
            let conn = match self.take() {
                Ok(conn) => conn,
                Err(e) => return self.cannot_open(e),
            };
            let out = work(&conn);
            self.give_back(conn);
            return out;
        };
        if snapshot.is_none() {
            let conn = match self.take() {
                Ok(conn) => conn,
                Err(e) => return self.cannot_open(e),
            };
            // Deferred: the read transaction starts at the first read below.
            conn.prepare_cached("BEGIN").and_then(|mut st| st.execute([])).map_err(db_err)?;
            *snapshot = Some(Snapshot { reader: Arc::clone(self), conn: Some(conn) });
        }
        let Some(conn) = snapshot.as_ref().and_then(|s| s.conn.as_ref()) else { return Ok(None) };
        let out = work(conn);
        if !matches!(out, Ok(Some(_))) {
            *snapshot = None;
        }
        out
    }

    fn cannot_open<R>(&self, e: DbErr) -> Result<Option<R>, DbErr> {
        // Out of file handles, say: sqlx's pool may still serve the read.
        tracing::warn!(error = %e, "cannot open a connection for direct SQLite reads");
        Ok(None)
    }

    fn take(&self) -> Result<Connection, DbErr> {
        if let Some(conn) = lock(&self.idle).pop() {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(db_err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(db_err)?;
        // Reads only: a statement that would write fails rather than writes.
        conn.pragma_update(None, "query_only", true).map_err(db_err)?;
        // As on the sqlx connections (see `stable_plans` in lib.rs).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(db_err)?;
        conn.set_prepared_statement_cache_capacity(256);
        Ok(conn)
    }

    /// Closes the connections kept for reading (at shutdown, before the
    /// pool's, so that the last connection to close checkpoints the WAL).
    pub(crate) fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::Relaxed);
        lock(&self.idle).clear();
    }

    fn give_back(&self, conn: Connection) {
        // A connection left inside a transaction would read one old snapshot
        // for ever and hold back checkpoints: closed instead.
        if !conn.is_autocommit() || self.closed.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let mut idle = lock(&self.idle);
        if idle.len() < self.keep {
            idle.push(conn);
        }
    }

    fn run(
        &self,
        conn: &Connection,
        stmt: &Statement,
        key: &str,
        computed: &Computed,
        shape: Option<Shape>,
        one: bool,
    ) -> Result<Option<Vec<Row>>, DbErr> {
        let mut st = conn.prepare_cached(&stmt.sql).map_err(db_err)?;
        let shape = match shape {
            Some(shape) => shape,
            None => {
                // Without columns it reads nothing: BEGIN, SAVEPOINT, a PRAGMA
                // that sets. Those change a connection and belong to sqlx.
                let reads = st.readonly() && st.column_count() > 0;
                let shape = if reads { shape_of(&st, computed).map(Shape::from) } else { None };
                if shape.is_none() {
                    tracing::debug!(sql = %stmt.sql, "this statement runs on sqlx");
                }
                let mut shapes = lock(&self.shapes);
                if shapes.len() >= SHAPES {
                    shapes.clear();
                }
                shapes.insert(key.to_owned(), shape.clone());
                drop(shapes);
                match shape {
                    Some(shape) => shape,
                    None => return Ok(None),
                }
            }
        };
        let values = stmt.values.as_ref().map_or(&[][..], |v| v.0.as_slice());
        if !bind(&mut st, &stmt.sql, values)? {
            return Ok(None);
        }
        let mut rows = st.raw_query();
        let out = collect(&mut rows, one, |row| {
            let mut values = BTreeMap::new();
            for (i, (name, kind)) in shape.iter().enumerate() {
                values.insert(name.clone(), value(row.get_ref(i).map_err(db_err)?, *kind, name)?);
            }
            Ok(values)
        })?;
        Ok(Some(out))
    }
}

/// Binds `values` to `st`'s parameters; `false` when they differ in number
/// (left to sqlx to report) or one is a value only sqlx binds.
fn bind(st: &mut rusqlite::CachedStatement<'_>, sql: &str, values: &[Value]) -> Result<bool, DbErr> {
    if values.len() != st.parameter_count() {
        tracing::debug!(%sql, "parameters and values differ in number: left to sqlx to report");
        return Ok(false);
    }
    for (i, value) in values.iter().enumerate() {
        let Some(param) = param(value) else {
            tracing::debug!(%sql, ?value, "a value only sqlx binds: this statement runs on sqlx");
            return Ok(false);
        };
        st.raw_bind_parameter(i + 1, param).map_err(db_err)?;
    }
    Ok(true)
}

/// Every row of `rows` (the first only, when `one`) through `each`. Past
/// [`MANY`] rows the rest is read off the async worker.
fn collect<T>(
    rows: &mut rusqlite::Rows<'_>,
    one: bool,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    let mut out = Vec::new();
    let mut rest = |rows: &mut rusqlite::Rows<'_>, out: &mut Vec<T>, limit: usize| {
        while out.len() < limit {
            let Some(row) = rows.next().map_err(db_err)? else { return Ok::<_, DbErr>(true) };
            out.push(each(row)?);
        }
        Ok(false)
    };
    let limit = if one { 1 } else { MANY };
    let done = rest(rows, &mut out, limit)?;
    if !done && !one {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| rest(rows, &mut out, usize::MAX))?;
        } else {
            rest(rows, &mut out, usize::MAX)?;
        }
    }
    Ok(out)
}

/// The shape of a statement's result, or `None` when a column neither comes
/// straight from a column an entity declares nor is a declared computed
/// column, or two share a name.
fn shape_of(st: &rusqlite::Statement<'_>, computed: &Computed) -> Option<Vec<(String, Kind)>> {
    let mut names = HashSet::new();
    let mut shape = Vec::new();
    for col in st.columns_with_metadata() {
        if !names.insert(col.name().to_owned()) {
            return None;
        }
        let kind = match (col.database_name(), col.table_name(), col.origin_name()) {
            (Some("main"), Some(table), Some(column)) => *KINDS.get(table)?.get(column)?,
            (None, None, None) => computed.iter().find(|(name, _)| *name == col.name())?.1,
            _ => return None,
        };
        shape.push((col.name().to_owned(), kind));
    }
    Some(shape)
}

/// A bound value, encoded as sqlx encodes it for SQLite (sea-query-sqlx's
/// binding, sqlx-sqlite's `Encode`), so that comparisons with stored text
/// (timestamps, dates) behave the same; `None` for a value only sqlx binds.
fn param(v: &Value) -> Option<ToSqlOutput<'_>> {
    let owned = |v: Option<Lite>| ToSqlOutput::Owned(v.unwrap_or(Lite::Null));
    Some(match v {
        Value::Bool(b) => owned(b.map(|b| Lite::Integer(b.into()))),
        Value::TinyInt(i) => owned(i.map(|i| Lite::Integer(i.into()))),
        Value::SmallInt(i) => owned(i.map(|i| Lite::Integer(i.into()))),
        Value::Int(i) => owned(i.map(|i| Lite::Integer(i.into()))),
        Value::BigInt(i) => owned(i.map(Lite::Integer)),
        Value::TinyUnsigned(i) => owned(i.map(|i| Lite::Integer(i.into()))),
        Value::SmallUnsigned(i) => owned(i.map(|i| Lite::Integer(i.into()))),
        Value::Unsigned(i) => owned(i.map(|i| Lite::Integer(i.into()))),
        // SeaORM binds LIMIT and OFFSET so.
        Value::BigUnsigned(i) => owned(match i {
            Some(i) => Some(Lite::Integer(i64::try_from(*i).ok()?)),
            None => None,
        }),
        Value::Float(f) => owned(f.map(|f| Lite::Real(f.into()))),
        Value::Double(f) => owned(f.map(Lite::Real)),
        Value::String(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::String(None) => owned(None),
        Value::Char(c) => owned(c.map(|c| Lite::Text(c.to_string()))),
        Value::Bytes(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        Value::Bytes(None) => owned(None),
        Value::ChronoDate(d) => owned(d.map(|d| Lite::Text(d.format("%F").to_string()))),
        Value::ChronoDateTime(t) => owned(t.map(|t| Lite::Text(t.format("%F %T%.f").to_string()))),
        Value::ChronoDateTimeUtc(t) => owned(t.map(|t| Lite::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false)))),
        _ => return None,
    })
}

/// A stored value as the kind of its column, or an error naming the column
/// when it holds something else: a mistyped value is never read as absent.
fn value(v: ValueRef<'_>, kind: Kind, column: &str) -> Result<Value, DbErr> {
    decode(v, kind).map_err(|why| type_err(column, &why))
}

/// [`value`], saying what is wrong without naming the column: the name is
/// looked up only when a read fails.
fn decode(v: ValueRef<'_>, kind: Kind) -> Result<Value, String> {
    Ok(match kind {
        Kind::BigInt => Value::BigInt(i64::stored(v)?),
        Kind::Int => Value::Int(i32::stored(v)?),
        Kind::Text => Value::String(String::stored(v)?),
        Kind::Bool => Value::Bool(bool::stored(v)?),
        Kind::Timestamp => Value::ChronoDateTimeUtc(DateTime::<Utc>::stored(v)?),
        Kind::Date => Value::ChronoDate(NaiveDate::stored(v)?),
    })
}

fn text(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|_| "text is not UTF-8".to_owned())
}

fn mistyped(v: ValueRef<'_>, kind: Kind) -> String {
    format!("{:?} where {kind:?} was expected", v.data_type())
}

/// A type a column is stored as: how its stored value is read, the one
/// place that decides it for reads by name ([`decode`]) and by position
/// ([`Cols::get`]).
trait Stored: Sized {
    const KIND: Kind;
    /// The stored value, `None` for NULL; an error saying what is wrong.
    fn stored(v: ValueRef<'_>) -> Result<Option<Self>, String>;
}

/// `Stored` for a type: NULL is `None`, `$stored` is read by `$read`, and
/// any other stored kind is an error naming what was expected.
macro_rules! stored {
    ($($t:ty => $kind:ident, $stored:pat => $read:expr;)*) => {
        $(
            impl Stored for $t {
                const KIND: Kind = Kind::$kind;
                fn stored(v: ValueRef<'_>) -> Result<Option<Self>, String> {
                    match v {
                        ValueRef::Null => Ok(None),
                        $stored => $read.map(Some),
                        other => Err(mistyped(other, Self::KIND)),
                    }
                }
            }
        )*
    };
}

stored! {
    i64 => BigInt, ValueRef::Integer(i) => Ok::<_, String>(i);
    i32 => Int, ValueRef::Integer(i) => i32::try_from(i).map_err(|_| "integer out of range".to_owned());
    bool => Bool, ValueRef::Integer(i) => Ok::<_, String>(i != 0);
    String => Text, ValueRef::Text(b) => text(b).map(str::to_owned);
    DateTime<Utc> => Timestamp, ValueRef::Text(b) => text(b).and_then(|s| timestamp(s).ok_or_else(|| "not a timestamp".to_owned()));
    NaiveDate => Date, ValueRef::Text(b) => text(b).and_then(|s| date(s).ok_or_else(|| "not a date".to_owned()));
}

/// A Rust type a column is read as by position ([`Cols::get`]): decoded here
/// exactly as a direct read by name decodes its [`Kind`], and by SeaORM on sqlx.
pub(crate) trait Col: sea_orm::TryGetable {
    /// The value read from SQLite, straight into this type: no SeaORM
    /// `Value` in between (building and unwrapping one was a sixth of a
    /// column's cost).
    fn lite(v: ValueRef<'_>) -> Result<Self, String>;
}

impl<T: Stored + sea_orm::TryGetable> Col for T {
    fn lite(v: ValueRef<'_>) -> Result<Self, String> {
        T::stored(v)?.ok_or_else(|| format!("NULL where {:?} was expected", T::KIND))
    }
}

impl<T: Stored> Col for Option<T>
where
    Option<T>: sea_orm::TryGetable,
{
    fn lite(v: ValueRef<'_>) -> Result<Self, String> {
        T::stored(v)
    }
}

/// A result row read by position: straight from SQLite here, or a row sqlx
/// read (PostgreSQL, or SQLite when the read was left to sqlx).
pub(crate) enum Cols<'a> {
    /// A row read here.
    Lite(&'a rusqlite::Row<'a>),
    /// A row sqlx read.
    Sqlx(&'a QueryResult),
}

impl Cols<'_> {
    /// Column `i` (from 0) as `V`; an error naming the column when it holds
    /// something else.
    pub(crate) fn get<V: Col>(&self, i: usize) -> Result<V, DbErr> {
        match self {
            Cols::Lite(row) => V::lite(row.get_ref(i).map_err(db_err)?)
                .map_err(|why| type_err(row.as_ref().column_name(i).unwrap_or("?"), &why)),
            Cols::Sqlx(row) => row.try_get_by_index(i),
        }
    }
}

/// Parses stored date text as sqlx-sqlite does (`NaiveDate::parse_from_str`
/// with `%F`). Dates as Foothold stores them (`2026-03-05`) are read by hand;
/// anything else goes to chrono with the format parsed once.
fn date(s: &str) -> Option<NaiveDate> {
    ymd(s.as_bytes()).or_else(|| {
        static F: LazyLock<Vec<chrono::format::Item<'static>>> =
            LazyLock::new(|| chrono::format::StrftimeItems::new("%F").parse_to_owned().unwrap_or_default());
        let mut parsed = chrono::format::Parsed::new();
        chrono::format::parse(&mut parsed, s, F.iter()).ok()?;
        parsed.to_naive_date().ok()
    })
}

/// The ASCII digits `ds` as a number; `None` if any is not a digit.
fn number(ds: &[u8]) -> Option<u32> {
    ds.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
}

/// Exactly `YYYY-MM-DD`, read by hand; `None` in any other shape or for a
/// day the calendar does not have.
fn ymd(b: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *b else {
        return None;
    };
    let year = i32::try_from(number(&[y0, y1, y2, y3])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&[m0, m1])?, number(&[d0, d1])?)
}

/// A timestamp as Foothold stores it, `2026-11-27T10:00:00.123456+00:00`
/// (seconds below 60, up to nine fraction digits), read by hand: every page
/// reads a dozen, and chrono's RFC 3339 parser was most of their cost.
/// Anything else, or a value it cannot place, is left to [`timestamp`]'s
/// general readers.
fn stored_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let (rest, offset) = b.split_at_checked(b.len().checked_sub(6)?)?;
    if offset != b"+00:00" {
        return None;
    }
    let (day, time) = rest.split_at_checked(10)?;
    let [b'T', h0, h1, b':', m0, m1, b':', s0, s1, ref fraction @ ..] = *time else {
        return None;
    };
    let nanos = match fraction {
        [] => 0,
        [b'.', ds @ ..] if (1..=9).contains(&ds.len()) => number(ds)? * 10u32.pow(9 - ds.len() as u32),
        _ => return None,
    };
    let second = number(&[s0, s1]).filter(|s| *s < 60)?;
    let time = chrono::NaiveTime::from_hms_nano_opt(number(&[h0, h1])?, number(&[m0, m1])?, second, nanos)?;
    Some(Utc.from_utc_datetime(&ymd(day)?.and_time(time)))
}

/// Parses stored timestamp text as sqlx-sqlite does: RFC 3339 (how it writes
/// them), then the other layouts it accepts, without offset meaning UTC.
fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = stored_utc(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    const LAYOUTS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    LAYOUTS.iter().find_map(|layout| {
        DateTime::parse_from_str(s, layout)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| NaiveDateTime::parse_from_str(s, layout).ok().map(|t| Utc.from_utc_datetime(&t)))
    })
}

/// Rows as SeaORM's query results. SeaORM 2.0.4 builds a `QueryResult` from
/// values only inside its mock connection (its proxy rows do not compile
/// alongside sqlx-sqlite), so the rows pass through one: a few allocations.
/// Its synchronous side, not the async `DatabaseConnection`: those futures
/// are large, and moving them took a tenth of a page's CPU in `memmove`.
pub(crate) fn results(rows: Vec<Row>) -> Result<Vec<QueryResult>, DbErr> {
    let mock = sea_orm::MockDatabase::new(DatabaseBackend::Sqlite).append_query_results([rows]);
    sea_orm::MockDatabaseConnection::new(mock).query_all(Statement::from_string(DatabaseBackend::Sqlite, ""))
}

/// Where rows read here differ from the same rows read by sqlx, each value
/// decoded by sqlx as the type chosen here; `None` when they agree.
#[cfg(debug_assertions)]
pub(crate) fn differs(mine: &[Row], theirs: &[QueryResult]) -> Option<String> {
    if mine.len() != theirs.len() {
        return Some(format!("{} rows here, {} on sqlx", mine.len(), theirs.len()));
    }
    for (i, (mine, theirs)) in mine.iter().zip(theirs).enumerate() {
        // Rows here are keyed by name, so reads by position are refused:
        // sqlx's columns sorted must be exactly the names here.
        let mut names = theirs.column_names();
        names.sort();
        if !mine.keys().eq(names.iter()) {
            return Some(format!("row {i}: columns {:?} here, {names:?} on sqlx", mine.keys().collect::<Vec<_>>()));
        }
        for (name, value) in mine {
            let decoded = match value {
                Value::BigInt(_) => theirs.try_get::<Option<i64>>("", name).map(Value::BigInt),
                Value::Int(_) => theirs.try_get::<Option<i32>>("", name).map(Value::Int),
                Value::String(_) => theirs.try_get::<Option<String>>("", name).map(Value::String),
                Value::Bool(_) => theirs.try_get::<Option<bool>>("", name).map(Value::Bool),
                Value::ChronoDateTimeUtc(_) => {
                    theirs.try_get::<Option<DateTime<Utc>>>("", name).map(Value::ChronoDateTimeUtc)
                }
                Value::ChronoDate(_) => theirs.try_get::<Option<NaiveDate>>("", name).map(Value::ChronoDate),
                other => return Some(format!("row {i}, column {name}: {other:?} is no kind read here")),
            };
            match decoded {
                Ok(decoded) if decoded == *value => {}
                Ok(decoded) => return Some(format!("row {i}, column {name}: {value:?} here, {decoded:?} on sqlx")),
                Err(e) => return Some(format!("row {i}, column {name}: {value:?} here, sqlx cannot read it so: {e}")),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DatabaseUrl, Store};
    use sea_orm::ConnectionTrait;
    use sea_orm::sqlx::{self, Row as _};

    /// A migrated database file with `n` people, and a reader of it.
    async fn people(n: usize) -> (tempfile::TempDir, Store, Arc<Reader>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lite.db");
        let store = Store::connect(&DatabaseUrl::sqlite_file(&path), 2).await.expect("open");
        store.migrate().await.expect("migrate");
        for i in 0..n {
            store
                .db
                .pool
                .execute_unprepared(&format!(
                    "INSERT INTO people (email, name, title, role, active, version, created_at, updated_at) \
                     VALUES ('p{i}@example.org', 'P{i}', '', 'member', {}, 1, \
                     '2026-11-27T10:00:00.123456+00:00', '2026-11-27 10:00:00')",
                    i % 2
                ))
                .await
                .expect("insert");
        }
        (dir, store, Arc::new(Reader::new(path)))
    }

    fn select(sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(DatabaseBackend::Sqlite, sql, values)
    }

    #[tokio::test]
    async fn entity_columns_are_read_here_as_their_entity_declares() {
        let (_dir, _store, reader) = people(2).await;
        let rows = reader
            .read(
                &select("SELECT id, name, active, created_at, updated_at, manager_id FROM people ORDER BY id", vec![]),
                &[],
                false,
                None,
            )
            .expect("read")
            .expect("read here");
        assert_eq!(rows.len(), 2);
        let row = &rows[1];
        assert_eq!(row["id"], Value::BigInt(Some(2)));
        assert_eq!(row["name"], Value::String(Some("P1".into())));
        assert_eq!(row["active"], Value::Bool(Some(true)));
        assert_eq!(row["manager_id"], Value::BigInt(None), "a NULL has its column's type");
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).single().expect("time");
        assert_eq!(row["created_at"], Value::ChronoDateTimeUtc(Some(at + chrono::Duration::microseconds(123_456))));
        assert_eq!(row["updated_at"], Value::ChronoDateTimeUtc(Some(at)), "sqlx's other layouts are read too");
        let one = reader
            .read(&select("SELECT id FROM people ORDER BY id DESC", vec![]), &[], true, None)
            .expect("read")
            .expect("here");
        assert_eq!(one, vec![Row::from([("id".to_owned(), Value::BigInt(Some(2)))])], "one row, the first");
    }

    #[tokio::test]
    async fn what_cannot_be_typed_exactly_is_left_to_sqlx() {
        let (_dir, store, reader) = people(1).await;
        let left = |sql: &str| {
            let out = reader.read(&select(sql, vec![]), &[], false, None).expect("no error");
            assert!(out.is_none(), "{sql} was read here");
        };
        left("SELECT COUNT(*) AS n FROM people");
        left("SELECT email_reminders FROM people"); // no entity declares it
        left("SELECT p.id, q.id FROM people p, people q"); // two columns named id
        left("INSERT INTO settings (key, value) VALUES ('written', 'yes') RETURNING key");
        assert_eq!(store.setting("written").await.expect("read"), None, "the write was not made");
        // No columns: it would change the kept connection, not read.
        left("BEGIN");
        assert!(lock(&reader.idle).iter().all(Connection::is_autocommit), "no kept connection in a transaction");
        // A computed column is read here when its caller declares its kind.
        let rows = reader
            .read(&select("SELECT COUNT(id) AS n FROM people", vec![]), &[("n", Kind::BigInt)], false, None)
            .expect("read")
            .expect("here");
        assert_eq!(rows[0]["n"], Value::BigInt(Some(1)));
        // The same SQL with and without declared kinds are told apart.
        left("SELECT COUNT(id) AS n FROM people");
        let again = reader.read(&select("SELECT COUNT(id) AS n FROM people", vec![]), &[("n", Kind::Int)], false, None);
        assert_eq!(again.expect("read").expect("here")[0]["n"], Value::Int(Some(1)));
        // After close, reads go to sqlx (which refuses them as closed).
        reader.close();
        left("SELECT id FROM people");
    }

    #[tokio::test]
    async fn a_snapshot_keeps_one_view_until_it_ends() {
        let (_dir, store, reader) = people(1).await;
        let name = |snapshot: Option<&mut Option<Snapshot>>| {
            let rows = reader.read(&select("SELECT name FROM people", vec![]), &[], true, snapshot).expect("read");
            rows.expect("read here")[0]["name"].clone()
        };
        let named = |n: &str| Value::String(Some(n.to_owned()));
        let mut snapshot = None;
        assert_eq!(name(Some(&mut snapshot)), named("P0"));
        assert!(snapshot.is_some(), "the first read started the request's read transaction");
        // Another connection writes: WAL lets it while the snapshot is open.
        store.db.pool.execute_unprepared("UPDATE people SET name = 'Changed'").await.expect("write");
        assert_eq!(name(Some(&mut snapshot)), named("P0"), "the same view until it ends");
        assert_eq!(name(None), named("Changed"), "a read of its own sees the write");
        // A read left to sqlx ends it, and the next read sees the write.
        let left = reader.read(&select("SELECT COUNT(*) AS n FROM people", vec![]), &[], false, Some(&mut snapshot));
        assert!(left.expect("no error").is_none());
        assert!(snapshot.is_none(), "ended by a statement left to sqlx");
        // So does a read that fails (this one starts a new snapshot first).
        store.db.pool.execute_unprepared("UPDATE people SET version = 'many'").await.expect("write");
        let failed = reader.read(&select("SELECT version FROM people", vec![]), &[], false, Some(&mut snapshot));
        assert!(failed.is_err() && snapshot.is_none(), "ended by a failed read");
        // The next read sees the write; ended, its connection is kept again.
        assert_eq!(name(Some(&mut snapshot)), named("Changed"));
        let idle = lock(&reader.idle).len();
        drop(snapshot);
        let kept = lock(&reader.idle);
        assert_eq!(kept.len(), idle + 1, "the snapshot's connection is kept");
        assert!(kept.iter().all(Connection::is_autocommit), "and out of its transaction");
    }

    #[test]
    fn the_store_reads_rows_by_name_only() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut by_position = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.file_name().is_some_and(|n| n == "lite.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for (i, line) in text.lines().enumerate() {
                if ["into_tuple", "by_index", "try_get_many"].iter().any(|p| line.contains(p)) {
                    by_position.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
        // backup.rs reads PRAGMA results by position; PRAGMAs run on sqlx.
        assert!(by_position.iter().all(|at| at.contains("backup.rs")), "{by_position:?}");
        assert_eq!(by_position.len(), 1, "{by_position:?}");
    }

    #[tokio::test]
    async fn a_value_that_does_not_fit_its_column_is_an_error_not_an_absence() {
        let (_dir, store, reader) = people(1).await;
        store
            .db
            .pool
            .execute_unprepared("UPDATE people SET version = 'many'")
            .await
            .expect("SQLite stores what it is given");
        let err =
            reader.read(&select("SELECT version FROM people", vec![]), &[], false, None).expect_err("text as number");
        assert!(err.to_string().contains("version"), "{err}");
        let err = reader
            .read(&select("SELECT 4294967296 AS big", vec![]), &[("big", Kind::Int)], false, None)
            .expect_err("too big for i32");
        assert!(err.to_string().contains("big"), "{err}");
        // A compound select's columns are those of its first select.
        let err = reader
            .read(&select("SELECT name FROM people UNION ALL SELECT 5", vec![]), &[], false, None)
            .expect_err("a number as text");
        assert!(err.to_string().contains("name"), "{err}");
        store.db.pool.execute_unprepared("UPDATE people SET created_at = 'yesterday'").await.expect("update");
        let err =
            reader.read(&select("SELECT created_at FROM people", vec![]), &[], false, None).expect_err("not a time");
        assert!(err.to_string().contains("created_at"), "{err}");
    }

    /// A person's id, name, manager and creation time.
    type Someone = (i64, String, Option<i64>, DateTime<Utc>);

    /// A hand-written read of [`Someone`]s.
    fn fetch_people(
        reader: &Arc<Reader>,
        sql: &str,
        one: bool,
        snapshot: Option<&mut Option<Snapshot>>,
    ) -> Result<Option<Vec<Someone>>, DbErr> {
        reader.fetch(sql, &[], one, snapshot, &|c| Ok((c.get(0)?, c.get(1)?, c.get(2)?, c.get(3)?)))
    }

    #[tokio::test]
    async fn a_hand_written_read_maps_rows_by_position() {
        let (_dir, store, reader) = people(2).await;
        let sql = "SELECT id, name, manager_id, created_at FROM people ORDER BY id";
        let rows = fetch_people(&reader, sql, false, None).expect("read").expect("here");
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).single().expect("time");
        let at = at + chrono::Duration::microseconds(123_456);
        assert_eq!(rows, vec![(1, "P0".to_owned(), None, at), (2, "P1".to_owned(), None, at)]);
        let first = fetch_people(&reader, sql, true, None).expect("read").expect("here");
        assert_eq!(first.len(), 1, "one row, the first");
        // Parameters are SQLite's numbered ones, bound as sqlx binds them.
        let named = reader
            .fetch(
                "SELECT name FROM people WHERE id = ?2 AND active = ?1",
                &[true.into(), 2i64.into()],
                true,
                None,
                &|c| c.get::<String>(0),
            )
            .expect("read")
            .expect("here");
        assert_eq!(named, vec!["P1".to_owned()]);
        // A value that does not fit the type asked for is an error naming its column.
        store.db.pool.execute_unprepared("UPDATE people SET created_at = 'yesterday'").await.expect("write");
        let err = fetch_people(&reader, sql, false, None).expect_err("not a time");
        assert!(err.to_string().contains("created_at"), "{err}");
        // NULL is absent where a column may be empty, and an error where it may not.
        let sql = "SELECT NULL AS gone";
        let absent = reader.fetch(sql, &[], true, None, &|c| c.get::<Option<String>>(0));
        assert_eq!(absent.expect("no error").expect("here"), vec![None]);
        let err = reader.fetch(sql, &[], true, None, &|c| c.get::<String>(0)).expect_err("not optional");
        assert!(err.to_string().contains("gone") && err.to_string().contains("NULL"), "{err}");
        // A value only sqlx binds, or too few values: left to sqlx.
        let time = Value::ChronoTime(Some(chrono::NaiveTime::MIN));
        let left =
            reader.fetch("SELECT id FROM people WHERE ?1 IS NOT NULL", &[time], false, None, &|c| c.get::<i64>(0));
        assert!(left.expect("no error").is_none());
        let left = reader.fetch("SELECT id FROM people WHERE id = ?1", &[], false, None, &|c| c.get::<i64>(0));
        assert!(left.expect("no error").is_none());
        reader.close();
        assert!(fetch_people(&reader, sql, false, None).expect("no error").is_none(), "closed: left to sqlx");
    }

    #[tokio::test]
    async fn a_hand_written_read_shares_the_request_snapshot() {
        let (_dir, store, reader) = people(1).await;
        let sql = "SELECT id, name, manager_id, created_at FROM people";
        let mut snapshot = None;
        let name = |snapshot: &mut Option<Snapshot>| {
            fetch_people(&reader, sql, true, Some(snapshot)).expect("read").expect("here")[0].1.clone()
        };
        assert_eq!(name(&mut snapshot), "P0");
        assert!(snapshot.is_some(), "the first read started the request's read transaction");
        store.db.pool.execute_unprepared("UPDATE people SET name = 'Changed'").await.expect("write");
        assert_eq!(name(&mut snapshot), "P0", "the same view until it ends");
        // A read by name in between reads the same view.
        let by_name = reader.read(&select("SELECT name FROM people", vec![]), &[], true, Some(&mut snapshot));
        assert_eq!(by_name.expect("read").expect("here")[0]["name"], Value::String(Some("P0".into())));
        // Once it ends, the next read sees the write.
        snapshot = None;
        assert_eq!(name(&mut snapshot), "Changed");
        // A failed read ends it (this one starts a new snapshot first).
        snapshot = None;
        store.db.pool.execute_unprepared("UPDATE people SET created_at = 'yesterday'").await.expect("write");
        assert!(fetch_people(&reader, sql, false, Some(&mut snapshot)).is_err());
        assert!(snapshot.is_none(), "ended by a failed read");
    }

    #[tokio::test]
    async fn a_model_read_by_position_equals_seaorm_reading_it_by_name() {
        use sea_orm::EntityTrait;
        let (_dir, store, reader) = people(3).await;
        store
            .db
            .pool
            .execute_unprepared("UPDATE people SET manager_id = 1, password_hash = 'x', title = 'Lead' WHERE id = 2")
            .await
            .expect("write");
        let sql = format!("SELECT {} FROM people ORDER BY id", crate::entity::person::Model::columns(""));
        let mine = reader
            .fetch(&sql, &[], false, None, &|c| crate::entity::person::Model::from_cols(c, 0))
            .expect("read")
            .expect("here");
        let seaorm = crate::entity::person::Entity::find().all(&store.db.pool).await.expect("read by SeaORM");
        assert_eq!(mine.len(), 3);
        assert_eq!(mine, seaorm);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_result_is_read_whole() {
        let (_dir, _store, reader) = people(MANY * 2 + 3).await;
        let rows = reader
            .read(&select("SELECT id FROM people ORDER BY id", vec![]), &[], false, None)
            .expect("read")
            .expect("here");
        assert_eq!(rows.len(), MANY * 2 + 3);
        assert_eq!(rows.last().map(|r| r["id"].clone()), Some(Value::BigInt(Some((MANY * 2 + 3) as i64))));
    }

    /// What sqlx (through sea-query-sqlx, as SeaORM binds) stores for a value.
    async fn bound_by_sqlx(value: Value) -> String {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect("sqlite::memory:").await.expect("open");
        let row = sqlx::query_with("SELECT quote(?1) AS q", sea_query_sqlx::SqlxValues(sea_orm::Values(vec![value])))
            .fetch_one(&mut conn)
            .await
            .expect("bind");
        row.get::<String, _>("q")
    }

    fn bound_here(value: &Value) -> String {
        let conn = Connection::open_in_memory().expect("open");
        conn.query_row("SELECT quote(?1)", [param(value).expect("bindable")], |r| r.get(0)).expect("bind")
    }

    #[tokio::test]
    async fn values_are_bound_as_sqlx_binds_them() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).single().expect("time");
        for value in [
            Value::ChronoDateTimeUtc(Some(at)),
            Value::ChronoDateTimeUtc(Some(at + chrono::Duration::microseconds(120))),
            Value::ChronoDate(Some(at.date_naive())),
            Value::ChronoDateTime(Some(at.naive_utc() + chrono::Duration::milliseconds(5))),
            Value::Bool(Some(true)),
            Value::Bool(None),
            Value::Int(Some(-7)),
            Value::BigInt(Some(i64::MAX)),
            Value::BigUnsigned(Some(20)),
            Value::Double(Some(0.25)),
            Value::String(Some("it's".into())),
            Value::String(None),
            Value::Char(Some('x')),
            Value::Bytes(Some(vec![0, 255])),
        ] {
            assert_eq!(bound_here(&value), bound_by_sqlx(value.clone()).await, "{value:?}");
        }
        assert!(param(&Value::BigUnsigned(Some(u64::MAX))).is_none(), "too large: sqlx's to refuse");
    }

    #[test]
    fn dates_are_read_as_sqlx_reads_them() {
        for s in [
            "2026-03-05",
            "2026-3-5",
            "2026-02-30",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "0000-01-01",
            "9999-12-31",
            "2026-1a-05",
            "2026/03/05",
            "05/03/2026",
            "2026-03-05 ",
            " 2026-03-05",
            "",
            "+12026-01-01",
        ] {
            assert_eq!(date(s), NaiveDate::parse_from_str(s, "%F").ok(), "{s:?}");
        }
        // Every day of four centuries, as stored.
        let mut d = NaiveDate::from_ymd_opt(1900, 1, 1).expect("date");
        while chrono::Datelike::year(&d) < 2300 {
            let s = d.format("%F").to_string();
            assert_eq!(date(&s), Some(d), "{s}");
            d = d.succ_opt().expect("next");
        }
        assert_eq!(date("2026-03-05"), NaiveDate::from_ymd_opt(2026, 3, 5));
    }

    #[tokio::test]
    async fn timestamps_are_read_in_every_layout_sqlx_reads() {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect("sqlite::memory:").await.expect("open");
        for text in [
            "2026-11-27T10:00:00+00:00",
            "2026-11-27T10:00:00.5+01:00",
            "2026-11-27T10:00:00Z",
            "2026-11-27 10:00:00",
            "2026-11-27 10:00:00.250",
            "2026-11-27 10:00",
            "2026-11-27 10:00Z",
            "2026-11-27 10:00+02:00",
            "2026-11-27T10:00",
            "2026-11-27T10:00:00.123456",
            "2026-11-27T10:00:00.1-03:30",
        ] {
            let theirs: DateTime<Utc> =
                sqlx::query_scalar("SELECT ?1").bind(text).fetch_one(&mut conn).await.expect("sqlx reads it");
            assert_eq!(timestamp(text), Some(theirs), "{text}");
        }
        assert_eq!(timestamp("27/11/2026"), None);
    }

    #[test]
    fn stored_timestamps_read_by_hand_as_chrono_reads_them() {
        let chrono = |s: &str| DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc));
        for s in [
            "2026-11-27T10:00:00+00:00",
            "2026-11-27T10:00:00.5+00:00",
            "2026-11-27T10:00:00.321916+00:00",
            "2026-11-27T23:59:59.999999999+00:00",
            "2024-02-29T00:00:00+00:00",
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59.1+00:00",
        ] {
            assert_eq!(stored_utc(s), chrono(s), "{s}");
            assert!(stored_utc(s).is_some(), "{s} is read by hand");
        }
        // Not in the stored shape, or not a real time: left to the general readers.
        for s in [
            "2026-11-27T10:00:60+00:00",
            "2026-11-27T24:00:00+00:00",
            "2026-02-30T10:00:00+00:00",
            "2026-11-27T10:00:00.1234567891+00:00",
            "2026-11-27T10:00:00.+00:00",
            "2026-11-27T10:00:00+01:00",
            "2026-11-27t10:00:00+00:00",
            "2026-11-27 10:00:00+00:00",
            "2026-11-27T10:00:00Z",
            "+00:00",
            "",
            "2026-1a-27T10:00:00+00:00",
        ] {
            assert_eq!(stored_utc(s), None, "{s}");
            if let Some(t) = chrono(s) {
                assert_eq!(timestamp(s), Some(t), "{s}");
            }
        }
        let nine_utc = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).single();
        assert_eq!(timestamp("2026-11-27T10:00:00+01:00"), nine_utc, "other offsets still read");
        // Every way Foothold writes one, over many instants.
        let mut t = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 58).single().expect("time");
        for i in 0..20_000i64 {
            t += chrono::Duration::nanoseconds(i * 7_777_777_777 + 1);
            for written in [
                t.to_rfc3339_opts(SecondsFormat::AutoSi, false),
                t.to_rfc3339_opts(SecondsFormat::Secs, false),
                t.to_rfc3339_opts(SecondsFormat::Millis, false),
                t.to_rfc3339_opts(SecondsFormat::Nanos, false),
            ] {
                assert_eq!(stored_utc(&written), chrono(&written), "{written}");
                assert!(stored_utc(&written).is_some(), "{written}");
            }
        }
    }
}
