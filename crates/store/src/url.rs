//! The database URL, which may carry a password and so is never logged as is.

use std::fmt;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A `sqlite://…` or `postgres://…` URL. `Display` and `Debug` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

/// Why a database URL is refused.
#[derive(Debug, thiserror::Error)]
#[error("FOOTHOLD_DATABASE_URL must start with sqlite:// or postgres:// (got {0})")]
pub struct UrlError(String);

impl DatabaseUrl {
    /// Accepts `sqlite:` and `postgres:`/`postgresql:` URLs.
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        let url = DatabaseUrl(s.trim().to_owned());
        if url.engine().is_none() {
            return Err(UrlError(url.redacted()));
        }
        Ok(url)
    }

    /// A SQLite database file at `path`, created when missing.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        DatabaseUrl(format!("sqlite://{}?mode=rwc", path.display()))
    }

    /// The engine, from the scheme.
    pub fn engine(&self) -> Option<Engine> {
        let s = self.0.to_ascii_lowercase();
        if s.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }

    /// The file a SQLite URL names (`sqlite://PATH?…` or `sqlite:PATH`);
    /// `None` for PostgreSQL and for in-memory databases.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        if self.engine() != Some(Engine::Sqlite) {
            return None;
        }
        let rest = &self.0["sqlite:".len()..];
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
    }

    /// Whether reads may open the SQLite file directly (lite.rs): a plain
    /// file, not an in-memory database (each connection would have its own),
    /// a `file:` URI, or one with a VFS or immutability the driver applies.
    pub(crate) fn direct_reads(&self) -> bool {
        let Some(path) = self.sqlite_path() else { return false };
        let query = self.0.split_once('?').map_or("", |(_, q)| q).to_ascii_lowercase();
        !path.to_string_lossy().starts_with("file:")
            && !query.split('&').any(|p| p == "mode=memory" || p.starts_with("vfs=") || p.starts_with("immutable="))
    }

    /// The full URL, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`, safe for logs.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            Ok(u) => u.to_string(),
            // Unparseable: show only the scheme, since anything after it may be secret.
            Err(_) => format!("{}://…", self.0.split("://").next().unwrap_or("?")),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_files_are_read_directly() {
        let url = |s: &str| DatabaseUrl::parse(s).expect("valid");
        for direct in ["sqlite://data/f.db", "sqlite:f.db", "sqlite://data/f.db?mode=rwc"] {
            assert!(url(direct).direct_reads(), "{direct}");
        }
        for not in [
            "sqlite::memory:",
            "sqlite://f.db?mode=memory",
            "sqlite:file:x?mode=memory&cache=shared",
            "sqlite://f.db?vfs=unix-none",
            "sqlite://f.db?immutable=true",
            "postgres://db/foothold",
        ] {
            assert!(!url(not).direct_reads(), "{not}");
        }
    }

    #[test]
    fn password_never_shown() {
        let u = DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/foothold").expect("valid");
        assert_eq!(u.engine(), Some(Engine::Postgres));
        for shown in [u.to_string(), format!("{u:?}"), u.redacted()] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("db.internal"), "{shown}");
        }
    }

    #[test]
    fn sqlite_paths() {
        let file = DatabaseUrl::sqlite_file(std::path::Path::new("/var/lib/foothold/foothold.db"));
        assert_eq!(file.sqlite_path(), Some("/var/lib/foothold/foothold.db".into()));
        let relative = DatabaseUrl::parse("sqlite:data/f.db").expect("ok");
        assert_eq!(relative.sqlite_path(), Some("data/f.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite::memory:").expect("ok").sqlite_path(), None);
        assert_eq!(DatabaseUrl::parse("postgres://db/foothold").expect("ok").sqlite_path(), None);
    }

    #[test]
    fn schemes() {
        assert_eq!(DatabaseUrl::parse("sqlite://x.db?mode=rwc").expect("ok").engine(), Some(Engine::Sqlite));
        assert!(DatabaseUrl::parse("mysql://root@localhost/x").is_err());
        let err = DatabaseUrl::parse("mysql://root:pw@localhost/x").expect_err("refused").to_string();
        assert!(!err.contains("pw@"), "{err}");
    }
}
