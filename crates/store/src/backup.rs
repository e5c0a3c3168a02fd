//! Backups and integrity checks: a consistent copy of a live SQLite database,
//! and a look inside a SQLite file before it is restored.

use sea_orm::sqlx;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::path::Path;

use crate::{Engine, Result, Store, StoreError};

/// What a database's own check and its migrations table say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    /// What SQLite's `PRAGMA integrity_check` found wrong; empty when it said `ok`.
    /// PostgreSQL has no such check and reports nothing here.
    pub problems: Vec<String>,
    /// The latest migration applied; `None` when there is no `foothold_migrations` table.
    pub schema_version: Option<i64>,
}

impl Integrity {
    /// The check found nothing wrong and the database holds Foothold's schema.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty() && self.schema_version.is_some()
    }
}

/// The schema version this build migrates databases to.
pub fn schema_version() -> i64 {
    crate::migrate::latest_version()
}

const SQLITE_HAS_MIGRATIONS: &str =
    "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'foothold_migrations'";
const PG_HAS_MIGRATIONS: &str = "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'foothold_migrations'";
const LATEST_MIGRATION: &str = "SELECT MAX(version) AS v FROM foothold_migrations";

/// Creates an empty file that only its owner may read or write (on Unix).
fn owner_only_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// `PRAGMA integrity_check` says `ok` in one row when all is well.
fn problems(rows: Vec<String>) -> Vec<String> {
    if rows.len() == 1 && rows[0] == "ok" { Vec::new() } else { rows }
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `path`, which must not exist.
    ///
    /// `VACUUM INTO` reads one snapshot, so writes that commit meanwhile are
    /// either wholly in the copy or not at all, and in WAL mode they are not
    /// held up by it. The copy is written beside `path` under a temporary name,
    /// flushed to disk and only then renamed, so an interrupted backup never
    /// leaves a half-written file under the name asked for. On PostgreSQL this
    /// refuses ([`StoreError::Conflict`]): `pg_dump` is the tool there.
    pub async fn backup_to(&self, path: &Path) -> Result<()> {
        if self.engine != Engine::Sqlite {
            return Err(StoreError::Conflict(
                "backups of a PostgreSQL database are made with pg_dump -Fc, not by Foothold".into(),
            ));
        }
        if path.exists() {
            return Err(StoreError::Conflict(format!("{} already exists; choose a new file name", path.display())));
        }
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            StoreError::Conflict(format!("{} does not name a file (with a UTF-8 name)", path.display()))
        })?;
        let partial = path.with_file_name(format!(".{name}.partial"));
        let partial_str = partial
            .to_str()
            .ok_or_else(|| StoreError::Conflict(format!("{} is not a UTF-8 path", path.display())))?
            .to_owned();
        // Left over from an interrupted backup: never a useful file.
        let _ = std::fs::remove_file(&partial);
        // The copy holds every reflection and password hash, so it is created
        // readable by its owner only; VACUUM INTO fills an existing empty file
        // and keeps its permissions.
        owner_only_file(&partial)
            .map_err(|e| StoreError::Conflict(format!("cannot create the backup {}: {e}", path.display())))?;
        let copied = self
            .db
            .execute_raw(Statement::from_sql_and_values(DatabaseBackend::Sqlite, "VACUUM INTO ?", [partial_str.into()]))
            .await;
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
        let finish = || -> std::io::Result<()> {
            // SQLite does not flush what VACUUM INTO writes.
            std::fs::File::open(&partial)?.sync_all()?;
            if path.exists() {
                return Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "appeared during the backup"));
            }
            std::fs::rename(&partial, path)?;
            sync_parent(path)
        };
        finish().map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            StoreError::Conflict(format!("cannot write the backup {}: {e}", path.display()))
        })
    }

    /// Runs the engine's integrity check (SQLite's `PRAGMA integrity_check`;
    /// PostgreSQL has none) and reads the schema version. Changes nothing.
    pub async fn integrity(&self) -> Result<Integrity> {
        let backend = self.backend();
        let problems = match self.engine {
            Engine::Sqlite => {
                let rows = self.db.query_all_raw(Statement::from_string(backend, "PRAGMA integrity_check")).await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    out.push(row.try_get_by_index::<String>(0)?);
                }
                problems(out)
            }
            Engine::Postgres => Vec::new(),
        };
        let has = match self.engine {
            Engine::Sqlite => SQLITE_HAS_MIGRATIONS,
            Engine::Postgres => PG_HAS_MIGRATIONS,
        };
        let found = self.db.query_one_raw(Statement::from_string(backend, has)).await?;
        let schema_version = match found.map(|r| r.try_get::<i64>("", "n")).transpose()? {
            Some(n) if n > 0 => self
                .db
                .query_one_raw(Statement::from_string(backend, LATEST_MIGRATION))
                .await?
                .map(|r| r.try_get::<Option<i64>>("", "v"))
                .transpose()?
                .flatten(),
            _ => None,
        };
        Ok(Integrity { problems, schema_version })
    }
}

/// Checks a SQLite file without changing it (opened read-only and immutable,
/// so not even a journal is created): `PRAGMA integrity_check` and the schema
/// version. A file that is not a SQLite database is an error.
pub async fn check_sqlite_file(path: &Path) -> Result<Integrity> {
    let connect_err = |source| StoreError::Connect { url: path.display().to_string(), source };
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .create_if_missing(false);
    let pool =
        sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.map_err(connect_err)?;
    let store = Store::over(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool), Engine::Sqlite, None);
    let found = store.integrity().await;
    store.close().await;
    found
}

/// Restores a backup made by [`Store::backup_to`] as the SQLite database
/// `target`, which must not exist yet; returns what the check of the backup found.
///
/// Refuses ([`StoreError::Conflict`], saying why) a target that exists, a
/// backup with a write-ahead log beside it (a live database: its last writes
/// would be left behind), and a file that is not a sound Foothold database or
/// is from a newer Foothold. The file is copied under a temporary name,
/// flushed and then renamed, so a crash midway leaves no half-copied database.
pub async fn restore_sqlite_file(backup: &Path, target: &Path) -> Result<Integrity> {
    let refuse = |msg: String| Err(StoreError::Conflict(msg));
    for existing in [target.to_path_buf(), sibling(target, "-wal"), sibling(target, "-journal")] {
        if existing.exists() {
            return refuse(format!(
                "{} already exists: restore only into an empty data folder (move the old one aside first)",
                existing.display()
            ));
        }
    }
    if !backup.is_file() {
        return refuse(format!("{} is not a file", backup.display()));
    }
    if std::fs::metadata(sibling(backup, "-wal")).is_ok_and(|m| m.len() > 0) {
        return refuse(format!(
            "{} has a write-ahead log beside it: it is a live database, not a backup; make one with `foothold backup`",
            backup.display()
        ));
    }
    let found = match check_sqlite_file(backup).await {
        Ok(found) => found,
        Err(e) => return refuse(format!("{} is not a readable SQLite database: {e}", backup.display())),
    };
    if !found.problems.is_empty() {
        return refuse(format!(
            "{} is damaged; PRAGMA integrity_check says: {}",
            backup.display(),
            found.problems.join("; ")
        ));
    }
    match found.schema_version {
        None => {
            return refuse(format!("{} is not a Foothold database (no foothold_migrations table)", backup.display()));
        }
        Some(v) if v > schema_version() => {
            return refuse(format!(
                "{} is from a newer Foothold (schema {v}; this one knows up to {}): restore it with that version",
                backup.display(),
                schema_version()
            ));
        }
        Some(_) => {}
    }
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("foothold.db");
    let partial = target.with_file_name(format!(".{name}.restoring"));
    let _ = std::fs::remove_file(&partial);
    let copied = (|| {
        std::fs::copy(backup, &partial)?;
        std::fs::File::open(&partial)?.sync_all()?;
        if target.exists() {
            return Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "appeared during the restore"));
        }
        std::fs::rename(&partial, target)?;
        sync_parent(target)
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return refuse(format!("cannot write {}: {e}", target.display()));
    }
    Ok(found)
}

/// `foothold.db` → `foothold.db-wal` and the like.
fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

/// Flushes the directory entry of a file just renamed into place.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
