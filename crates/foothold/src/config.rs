//! Settings: command-line flags and `FOOTHOLD_*` variables (through clap),
//! then a TOML file, then defaults in code, so a bare `cargo run --release` works.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use foothold_store::DatabaseUrl;
use foothold_web::outbox::{SmtpSettings, SmtpTls};
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
    /// Seconds a connection may idle before its next request, and a request take to arrive; keep it above a reverse proxy's upstream idle timeout [default: 180].
    #[arg(long, env = "FOOTHOLD_REQUEST_TIMEOUT", global = true, value_name = "SECONDS")]
    pub request_timeout: Option<u64>,
    /// The token a metrics scraper sends as `Authorization: Bearer` to read `/metrics`, at least 16 characters; without it only signed-in admins read them [default: none].
    #[arg(long, env = "FOOTHOLD_METRICS_TOKEN", global = true, value_name = "TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Mail server for email reminders; without it no mail is sent and reminders stay in the app [default: none].
    #[arg(long, env = "FOOTHOLD_SMTP_HOST", global = true, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// Mail server port [default: 587 for starttls, 465 for tls, 25 for none].
    #[arg(long, env = "FOOTHOLD_SMTP_PORT", global = true, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// `starttls` (upgrade, required to succeed), `tls` (TLS from the start) or `none` (plain, only for a relay on this machine) [default: starttls].
    #[arg(long, env = "FOOTHOLD_SMTP_TLS", global = true, value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// User name at the mail server, if it wants one.
    #[arg(long, env = "FOOTHOLD_SMTP_USER", global = true, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// Password at the mail server.
    #[arg(long, env = "FOOTHOLD_SMTP_PASSWORD", global = true, value_name = "PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// A file holding the mail server password, for secrets managers (instead of the password itself).
    #[arg(long, env = "FOOTHOLD_SMTP_PASSWORD_FILE", global = true, value_name = "FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// The From of reminder mails, e.g. `Foothold <foothold@example.org>` (required with a mail server).
    #[arg(long, env = "FOOTHOLD_SMTP_FROM", global = true, value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
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
    request_timeout: Option<u64>,
    metrics_token: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: Option<String>,
    smtp_user: Option<String>,
    smtp_password: Option<String>,
    smtp_password_file: Option<PathBuf>,
    smtp_from: Option<String>,
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
    /// How long a connection may idle, and a request take to arrive.
    pub request_timeout: std::time::Duration,
    /// The metrics scraper's token.
    pub metrics_token: Option<String>,
    /// The mail server, when email reminders are sent.
    pub smtp: Option<SmtpSettings>,
}

impl Resolved {
    /// A warning when people would reach Foothold over plain http from other
    /// machines: cookies then go without `Secure` and browsers get no HSTS.
    pub fn plain_http_warning(&self) -> Option<String> {
        if self.base_url.scheme() != "http" {
            return None;
        }
        let local_url = match self.base_url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
            None => true,
        };
        // Listening on every address, other machines reach it whatever the URL says.
        let local = local_url && self.addr.ip().is_loopback();
        (!local).then(|| {
            format!(
                "FOOTHOLD_BASE_URL is {}, plain http on an address other machines use: passwords and session \
                 cookies cross the network unencrypted, cookies are not Secure and browsers get no HSTS. Put a TLS \
                 proxy in front and set an https:// base URL.",
                self.base_url
            )
        })
    }
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
        let smtp = self.smtp(&file)?;
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
        let request_timeout = match self.request_timeout.or(file.request_timeout) {
            None => foothold_web::REQUEST_TIMEOUT,
            Some(s) if (30..=3600).contains(&s) => std::time::Duration::from_secs(s),
            Some(s) => bail!("FOOTHOLD_REQUEST_TIMEOUT must be 30 to 3600 seconds, not {s}"),
        };
        let metrics_token = match self.metrics_token.clone().or(file.metrics_token).map(|t| t.trim().to_owned()) {
            Some(t) if t.chars().count() < 16 => bail!("FOOTHOLD_METRICS_TOKEN must be at least 16 characters"),
            token => token,
        };
        Ok(Resolved {
            addr,
            data_dir,
            database_url,
            base_url,
            log_format,
            trusted_proxies,
            db_max_connections,
            request_timeout,
            metrics_token,
            smtp,
        })
    }

    /// The mail server settings, checked; `None` without a host.
    fn smtp(&self, file: &FileSettings) -> anyhow::Result<Option<SmtpSettings>> {
        let Some(host) = self.smtp_host.clone().or(file.smtp_host.clone()).filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let host = host.trim().to_owned();
        let tls = match self.smtp_tls.clone().or(file.smtp_tls.clone()).as_deref() {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("tls") => SmtpTls::Tls,
            Some("none") => SmtpTls::None,
            Some(other) => bail!("FOOTHOLD_SMTP_TLS must be starttls, tls or none, not '{other}'"),
        };
        let Some(from) = self.smtp_from.clone().or(file.smtp_from.clone()).filter(|f| !f.trim().is_empty()) else {
            bail!("FOOTHOLD_SMTP_FROM is required with FOOTHOLD_SMTP_HOST (e.g. 'Foothold <foothold@example.org>')");
        };
        let password = match (
            self.smtp_password.clone().or(file.smtp_password.clone()),
            self.smtp_password_file.clone().or(file.smtp_password_file.clone()),
        ) {
            (Some(p), _) => Some(p),
            (None, Some(path)) => Some(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the SMTP password file {}", path.display()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_owned(),
            ),
            (None, None) => None,
        };
        let credentials = match (self.smtp_user.clone().or(file.smtp_user.clone()), password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            (Some(_), None) => {
                bail!("FOOTHOLD_SMTP_USER is set without FOOTHOLD_SMTP_PASSWORD or FOOTHOLD_SMTP_PASSWORD_FILE")
            }
            (None, Some(_)) => bail!("an SMTP password is set without FOOTHOLD_SMTP_USER"),
        };
        let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if tls == SmtpTls::None && credentials.is_some() && !loopback {
            bail!("FOOTHOLD_SMTP_TLS=none would send the SMTP password in clear to {host}; use starttls or tls");
        }
        let settings = SmtpSettings {
            host,
            port: self.smtp_port.or(file.smtp_port),
            tls,
            credentials,
            from,
            timeout: std::time::Duration::from_secs(30),
        };
        // Catches a bad From address at start rather than at the first reminder.
        let base = url::Url::parse("http://localhost").context("placeholder URL")?;
        foothold_web::outbox::Mailer::new(&settings, base).map_err(anyhow::Error::msg)?;
        Ok(Some(settings))
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
        assert_eq!(r.request_timeout.as_secs(), 180);
    }

    #[test]
    fn plain_http_on_a_shared_address_is_warned_about() {
        let with = |url: &str| Settings { base_url: Some(url.into()), ..Default::default() }.resolve().expect("url");
        for local in
            ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://[::ffff:127.0.0.1]:8080"]
        {
            assert_eq!(with(local).plain_http_warning(), None, "{local}");
        }
        assert_eq!(with("https://career.example.org").plain_http_warning(), None);
        let everywhere = |url: &str| {
            let addr = Some("0.0.0.0:8080".parse().expect("addr"));
            Settings { base_url: Some(url.into()), addr, ..Default::default() }.resolve().expect("settings")
        };
        assert!(everywhere("http://127.0.0.1:8080").plain_http_warning().is_some(), "listening on every address");
        assert_eq!(everywhere("https://career.example.org").plain_http_warning(), None);
        for shared in ["http://career.example.org", "http://10.0.0.5:8080"] {
            let w = with(shared).plain_http_warning().expect(shared);
            assert!(w.contains("plain http") && w.contains("https://"), "{w}");
        }
    }

    #[test]
    fn a_short_metrics_token_is_refused() {
        let with = |t: &str| Settings { metrics_token: Some(t.into()), ..Default::default() }.resolve();
        let e = with("short").expect_err("too short").to_string();
        assert!(e.contains("at least 16 characters"), "{e}");
        assert_eq!(with(" 0123456789abcdef\n").expect("16").metrics_token.as_deref(), Some("0123456789abcdef"));
    }

    #[test]
    fn the_request_timeout_is_checked() {
        let with = |s| Settings { request_timeout: Some(s), ..Default::default() }.resolve();
        assert_eq!(with(600).expect("600 s").request_timeout.as_secs(), 600);
        for bad in [0, 29, 3601] {
            let e = with(bad).expect_err("out of range").to_string();
            assert!(e.contains("FOOTHOLD_REQUEST_TIMEOUT must be 30 to 3600 seconds"), "{e}");
        }
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
    fn smtp_settings_from_flags_and_file() {
        assert!(Settings::default().resolve().expect("resolves").smtp.is_none(), "no host: no mail");
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("smtp-password");
        std::fs::write(&secret, "s3cret\n").expect("write");
        let path = dir.path().join("foothold.toml");
        std::fs::write(
            &path,
            format!(
                "smtp_host = \"mail.example.org\"\nsmtp_user = \"foothold\"\nsmtp_password_file = \"{}\"\nsmtp_from = \"Foothold <foothold@example.org>\"\n",
                secret.display()
            ),
        )
        .expect("write");
        let s = Settings { config: Some(path), smtp_port: Some(2525), ..Default::default() };
        let smtp = s.resolve().expect("resolves").smtp.expect("mail on");
        assert_eq!(smtp.host, "mail.example.org");
        assert_eq!(smtp.port, Some(2525));
        assert_eq!(smtp.tls, SmtpTls::StartTls, "starttls unless told otherwise");
        assert_eq!(
            smtp.credentials,
            Some(("foothold".into(), "s3cret".into())),
            "the file's newline is not part of it"
        );
        assert!(!format!("{smtp:?}").contains("s3cret"), "the password stays out of logs");
    }

    #[test]
    fn smtp_mistakes_are_explained() {
        let base = Settings {
            smtp_host: Some("mail.example.org".into()),
            smtp_from: Some("foothold@example.org".into()),
            ..Default::default()
        };
        let err = |s: Settings| s.resolve().expect_err("refused").to_string();
        assert!(err(Settings { smtp_from: None, ..base.clone() }).contains("FOOTHOLD_SMTP_FROM is required"));
        assert!(err(Settings { smtp_from: Some("nobody".into()), ..base.clone() }).contains("not valid"));
        assert!(err(Settings { smtp_tls: Some("ssl".into()), ..base.clone() }).contains("starttls, tls or none"));
        assert!(
            err(Settings { smtp_user: Some("u".into()), ..base.clone() }).contains("without FOOTHOLD_SMTP_PASSWORD")
        );
        let clear = Settings {
            smtp_tls: Some("none".into()),
            smtp_user: Some("u".into()),
            smtp_password: Some("p".into()),
            ..base.clone()
        };
        assert!(err(clear.clone()).contains("in clear"));
        let local = Settings { smtp_host: Some("127.0.0.1".into()), ..clear };
        assert_eq!(local.resolve().expect("loopback may be plain").smtp.map(|s| s.tls), Some(SmtpTls::None));
    }

    #[test]
    fn bad_values_are_explained() {
        let s = Settings { log_format: Some("xml".into()), ..Default::default() };
        assert!(s.resolve().expect_err("refused").to_string().contains("human or json"));
        let s = Settings { database_url: Some("mysql://x".into()), ..Default::default() };
        assert!(s.resolve().is_err());
    }
}
