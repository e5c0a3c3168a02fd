//! Settings: command-line flags and `FOOTHOLD_*` variables (through clap),
//! then a TOML file, then defaults in code, so a bare `cargo run --release` works.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use foothold_store::DatabaseUrl;
use serde::Deserialize;

/// Settings shared by every command.
#[derive(Debug, Clone, Default, Args)]
pub struct Settings {
    /// A TOML file with any of the settings below (keys in snake_case, e.g. `base_url`).
    #[arg(long, env = "FOOTHOLD_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "FOOTHOLD_ADDR", global = true, value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,
    /// Folder for the embedded SQLite database [default: ./foothold-data].
    #[arg(long, env = "FOOTHOLD_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB` [default: SQLite in the data folder].
    #[arg(long, env = "FOOTHOLD_DATABASE_URL", global = true, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A file holding the database URL, for secrets managers (instead of the URL itself).
    #[arg(long, env = "FOOTHOLD_DATABASE_URL_FILE", global = true, value_name = "FILE")]
    pub database_url_file: Option<PathBuf>,
    /// The address people use to reach Foothold, for links; `https://…` makes cookies Secure [default: http://ADDR].
    #[arg(long, env = "FOOTHOLD_BASE_URL", global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Log format: `human` or `json` [default: human].
    #[arg(long, env = "FOOTHOLD_LOG_FORMAT", global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Reverse proxies whose X-Forwarded-For is believed, comma-separated [default: none].
    #[arg(long, env = "FOOTHOLD_TRUSTED_PROXIES", global = true, value_delimiter = ',', value_name = "IP,…")]
    pub trusted_proxies: Option<Vec<IpAddr>>,
    /// Most database connections per process [default: 8 on SQLite, 16 on PostgreSQL].
    #[arg(long, env = "FOOTHOLD_DB_MAX_CONNECTIONS", global = true, value_name = "N")]
    pub db_max_connections: Option<u32>,
}

/// The same settings as read from a TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_url_file: Option<PathBuf>,
    base_url: Option<String>,
    log_format: Option<String>,
    trusted_proxies: Option<Vec<IpAddr>>,
    db_max_connections: Option<u32>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Lines for people.
    Human,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Settings with every default applied.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Listen address.
    pub addr: SocketAddr,
    /// Data folder (created for SQLite).
    pub data_dir: PathBuf,
    /// Database.
    pub database_url: DatabaseUrl,
    /// Public base URL.
    pub base_url: url::Url,
    /// Log format.
    pub log_format: LogFormat,
    /// Trusted proxies.
    pub trusted_proxies: Vec<IpAddr>,
    /// Pool size.
    pub db_max_connections: u32,
}

impl Settings {
    /// Applies the file (if any) under the flags and environment, then defaults.
    pub fn resolve(&self) -> anyhow::Result<Resolved> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                toml::from_str::<FileSettings>(&text).with_context(|| format!("{} is not valid", path.display()))?
            }
            None => FileSettings::default(),
        };
        let addr = self.addr.or(file.addr).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let data_dir = self.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("foothold-data"));
        let url_file = self.database_url_file.clone().or(file.database_url_file);
        let url = match (self.database_url.clone().or(file.database_url), url_file) {
            (Some(u), _) => Some(u),
            (None, Some(path)) => Some(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the database URL file {}", path.display()))?
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        let database_url = match url {
            Some(u) => DatabaseUrl::parse(&u)?,
            None => DatabaseUrl::sqlite_file(&data_dir.join("foothold.db")),
        };
        let base = self.base_url.clone().or(file.base_url).unwrap_or_else(|| format!("http://{addr}"));
        let base_url = url::Url::parse(&base).with_context(|| format!("FOOTHOLD_BASE_URL '{base}' is not a URL"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            bail!("FOOTHOLD_BASE_URL must start with http:// or https://");
        }
        let log_format = match self.log_format.clone().or(file.log_format).as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("FOOTHOLD_LOG_FORMAT must be human or json, not '{other}'"),
        };
        let trusted_proxies = self.trusted_proxies.clone().or(file.trusted_proxies).unwrap_or_default();
        let default_pool = match database_url.engine() {
            Some(foothold_store::Engine::Postgres) => 16,
            _ => 8,
        };
        let db_max_connections = self.db_max_connections.or(file.db_max_connections).unwrap_or(default_pool).max(1);
        Ok(Resolved { addr, data_dir, database_url, base_url, log_format, trusted_proxies, db_max_connections })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_a_local_sqlite_server() {
        let r = Settings::default().resolve().expect("defaults resolve");
        assert_eq!(r.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(r.database_url.engine(), Some(foothold_store::Engine::Sqlite));
        assert!(r.database_url.expose().contains("foothold-data/foothold.db"));
        assert_eq!(r.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(r.log_format, LogFormat::Human);
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("foothold.toml");
        std::fs::write(
            &path,
            "addr = \"0.0.0.0:9000\"\nbase_url = \"https://career.example.org\"\nlog_format = \"json\"\n",
        )
        .expect("write");
        let s = Settings {
            config: Some(path.clone()),
            addr: Some("127.0.0.1:7000".parse().expect("addr")),
            ..Default::default()
        };
        let r = s.resolve().expect("resolves");
        assert_eq!(r.addr.to_string(), "127.0.0.1:7000");
        assert_eq!(r.base_url.as_str(), "https://career.example.org/");
        assert_eq!(r.log_format, LogFormat::Json);
        std::fs::write(&path, "adress = \"typo\"\n").expect("write");
        let err = Settings { config: Some(path), ..Default::default() }.resolve().expect_err("unknown key refused");
        assert!(format!("{err:#}").contains("adress"), "{err:#}");
    }

    #[test]
    fn database_url_from_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db-url");
        std::fs::write(&path, "postgres://app:secret@db/foothold\n").expect("write");
        let r = Settings { database_url_file: Some(path), ..Default::default() }.resolve().expect("resolves");
        assert_eq!(r.database_url.engine(), Some(foothold_store::Engine::Postgres));
        assert!(!r.database_url.to_string().contains("secret"));
    }

    #[test]
    fn bad_values_are_explained() {
        let s = Settings { log_format: Some("xml".into()), ..Default::default() };
        assert!(s.resolve().expect_err("refused").to_string().contains("human or json"));
        let s = Settings { database_url: Some("mysql://x".into()), ..Default::default() };
        assert!(s.resolve().is_err());
    }
}
