//! `foothold`: the server and its admin commands.

mod config;
mod demo;

use std::io::Read as _;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use foothold_domain::{Email, PersonName, Role};
use foothold_store::{NewPerson, Store};
use tracing_subscriber::EnvFilter;

use config::{LogFormat, Resolved, Settings};

/// mimalloc rather than glibc's malloc: under load glibc kept hundreds of
/// megabytes a finished insight build had freed, across its per-thread arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Foothold: career conversations on a climbing wall, not a ladder.
///
/// With no command, `foothold` runs `serve` with its defaults: listen on
/// 127.0.0.1:8080 with a SQLite database in ./foothold-data.
#[derive(Debug, Parser)]
#[command(name = "foothold", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Set up people and access from a script, against the same database as the server.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The theme engine on its own, for scripting and for measuring its quality.
    #[command(subcommand)]
    Themes(ThemesCommand),
    /// Write a consistent copy of the SQLite database to FILE, safe while the server runs
    /// (FILE must not exist). On PostgreSQL use `pg_dump -Fc` instead (see the README).
    Backup {
        /// Where to write the backup; an existing file is never overwritten.
        file: std::path::PathBuf,
    },
    /// Put a backup made by `foothold backup` in place as the database of an empty data
    /// folder, after checking it; the next `serve` migrates it forward if it is older.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
    },
    /// Check the database: SQLite's `PRAGMA integrity_check` and the schema version;
    /// prints `ok` and exits 0, or prints what is wrong and exits 1. Changes nothing.
    Check,
}

#[derive(Debug, Subcommand)]
enum ThemesCommand {
    /// Score the engine on a labelled JSON Lines file; prints one JSON object
    /// with precision, recall, micro-F1, valence accuracy and per-theme scores.
    Eval {
        /// The labelled file (format: shared/themes/TAXONOMY.md).
        file: std::path::PathBuf,
    },
    /// Read answers on standard input (JSON: {"answers": [...]} or a bare array,
    /// each {"category", "question", "text"}; anything else is one plain-text
    /// answer) and print the suggested themes with their evidence as JSON.
    Analyze,
}

#[derive(Debug, Default, clap::Args)]
struct ServeArgs {
    /// Fill an empty database with a demo organisation and print its sign-ins.
    #[arg(long)]
    demo: bool,
    /// How many people the demo organisation has (at least the 30 of its story).
    #[arg(long, default_value_t = demo::STORY_SIZE, requires = "demo")]
    people: usize,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a person who can sign in; the password is read from standard input.
    CreateUser {
        /// Their e-mail address.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// Make them an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input (required, so it never shows in `ps`).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Create a personal API token for a person; prints it as the last line.
    Token {
        /// Whose token.
        #[arg(long)]
        email: String,
        /// A label for the token (what it is for).
        #[arg(long = "name")]
        label: String,
    },
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Human => builder.init(),
    }
}

/// Creates the data folder, and any missing parent, readable by its owner
/// only (on Unix): it holds every reflection. An existing folder keeps the
/// permissions its owner gave it.
fn create_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))
}

async fn open_store(cfg: &Resolved) -> anyhow::Result<Store> {
    if cfg.database_url.engine() == Some(foothold_store::Engine::Sqlite) {
        create_data_dir(&cfg.data_dir)?;
    }
    let store = Store::connect(&cfg.database_url, cfg.db_max_connections).await?;
    let ran = store.migrate().await.context("migrating the database")?;
    tracing::info!(database = %cfg.database_url, migrations_applied = ran, "database ready");
    Ok(store)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Themes(cmd)) = &cli.command {
        // Needs no database, configuration or logging.
        return themes(cmd);
    }
    let cfg = cli.settings.resolve()?;
    init_logging(cfg.log_format);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(cfg, args).await,
        Command::Admin(cmd) => admin(cfg, cmd).await,
        Command::Themes(cmd) => themes(&cmd),
        Command::Backup { file } => backup(&cfg, &file).await,
        Command::Restore { file } => restore(&cfg, &file).await,
        Command::Check => check(&cfg).await,
    }
}

/// How to back up and restore PostgreSQL, which Foothold leaves to its own tools.
const PG_PROCEDURE: &str = "On PostgreSQL, back up with `pg_dump -Fc -f FILE DATABASE_URL` and restore into an empty \
database with `pg_restore --no-owner --exit-on-error -d NEW_DATABASE_URL FILE`, then start `foothold serve` on it \
(README, Operations).";

/// The SQLite file of the configured database, which must exist: opening a
/// missing one would create an empty database and back that up or check it.
fn existing_sqlite_file(cfg: &Resolved, what: &str) -> anyhow::Result<std::path::PathBuf> {
    let path = cfg
        .database_url
        .sqlite_path()
        .with_context(|| format!("`foothold {what}` needs a SQLite database file, not {}", cfg.database_url))?;
    if !path.is_file() {
        bail!("there is no database at {} (check FOOTHOLD_DATA_DIR or FOOTHOLD_DATABASE_URL)", path.display());
    }
    Ok(path)
}

async fn backup(cfg: &Resolved, file: &std::path::Path) -> anyhow::Result<()> {
    if cfg.database_url.engine() == Some(foothold_store::Engine::Postgres) {
        bail!("`foothold backup` copies SQLite databases only. {PG_PROCEDURE}");
    }
    if file.exists() {
        bail!("{} already exists; a backup never overwrites a file, so choose a new name", file.display());
    }
    let source = existing_sqlite_file(cfg, "backup")?;
    let started = std::time::Instant::now();
    // No migration: the running server owns the schema.
    let store = Store::connect(&cfg.database_url, 1).await?;
    let result = store.backup_to(file).await;
    store.close().await;
    result.with_context(|| format!("backing up {} to {}", source.display(), file.display()))?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    print_out(&format!(
        "backed up {} to {} ({bytes} bytes in {} ms)",
        source.display(),
        file.display(),
        started.elapsed().as_millis()
    ))
}

async fn restore(cfg: &Resolved, file: &std::path::Path) -> anyhow::Result<()> {
    if cfg.database_url.engine() == Some(foothold_store::Engine::Postgres) {
        bail!("`foothold restore` restores SQLite backups only. {PG_PROCEDURE}");
    }
    let target = cfg
        .database_url
        .sqlite_path()
        .with_context(|| format!("`foothold restore` needs a SQLite database file, not {}", cfg.database_url))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_data_dir(dir)?;
    }
    let found = foothold_store::restore_sqlite_file(file, &target).await?;
    let version = found.schema_version.unwrap_or_default();
    let next = if version < foothold_store::schema_version() {
        format!("; the next `foothold serve` migrates it from schema {version} to {}", foothold_store::schema_version())
    } else {
        String::new()
    };
    print_out(&format!("restored {} as {} (integrity ok, schema {version}){next}", file.display(), target.display()))
}

async fn check(cfg: &Resolved) -> anyhow::Result<()> {
    if cfg.database_url.engine() != Some(foothold_store::Engine::Postgres) {
        existing_sqlite_file(cfg, "check")?;
    }
    let store = Store::connect(&cfg.database_url, 1).await?;
    let found = store.integrity().await;
    store.close().await;
    let found = found?;
    if !found.problems.is_empty() {
        for problem in &found.problems {
            print_out(problem)?;
        }
        bail!("{} is damaged ({} problems listed above)", cfg.database_url, found.problems.len());
    }
    let Some(version) = found.schema_version else {
        bail!("{} has no Foothold schema (no foothold_migrations table)", cfg.database_url);
    };
    tracing::info!(database = %cfg.database_url, schema = version, latest = foothold_store::schema_version(), "checked");
    print_out("ok")
}

/// Prints a result line; a closed pipe (`| head`) is not an error.
fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn themes(cmd: &ThemesCommand) -> anyhow::Result<()> {
    let engine = foothold_themes::Engine::new(foothold_themes::Taxonomy::default_set());
    match cmd {
        ThemesCommand::Eval { file } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            let report =
                foothold_themes::evaluate(&text, &engine).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            print_out(&serde_json::to_string(&report)?)?;
        }
        ThemesCommand::Analyze => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).context("reading standard input")?;
            let trimmed = input.trim_start();
            let answers = if trimmed.starts_with('{') || trimmed.starts_with('[') {
                foothold_themes::parse_answers(&input).map_err(|e| anyhow::anyhow!("standard input: {e}"))?
            } else {
                vec![foothold_themes::Answer::new(foothold_themes::Category::Present, "", input.trim_end())]
            };
            print_out(&serde_json::to_string_pretty(&engine.analyze(&answers))?)?;
        }
    }
    Ok(())
}

async fn serve(cfg: Resolved, args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(&cfg).await?;
    if args.demo {
        if store.count_people().await? == 0 {
            let sign_ins = demo::generate(&store, args.people.max(demo::STORY_SIZE)).await?;
            println!("\nDemo organisation ready. Sign in at {} as:", cfg.base_url);
            for (who, email) in sign_ins {
                println!("  {who:<28} {email:<36} password: {}", demo::PASSWORD);
            }
            println!();
        } else {
            tracing::warn!("--demo ignored: the database already has people in it");
        }
    }
    if store.count_people().await? == 0 {
        let (token, hash) = foothold_store::secret::new_token();
        store.put_setting(foothold_web::SETUP_TOKEN_KEY, &hash).await?;
        let link = format!("{}/setup?token={token}", cfg.base_url.as_str().trim_end_matches('/'));
        println!(
            "\nFoothold has no people yet. Create the first administrator here (the link works once):\n\n  {link}\n"
        );
    }
    let listener =
        tokio::net::TcpListener::bind(cfg.addr).await.with_context(|| format!("cannot listen on {}", cfg.addr))?;
    tracing::info!(addr = %listener.local_addr()?, base_url = %cfg.base_url, "Foothold is listening");
    if let Some(warning) = cfg.plain_http_warning() {
        tracing::warn!("{warning}");
    }
    let mut web = foothold_web::WebConfig::new(cfg.base_url.clone());
    web.trusted_proxies = cfg.trusted_proxies.clone();
    web.email_delivery = cfg.smtp.is_some();
    web.request_timeout = cfg.request_timeout;
    web.metrics_token = cfg.metrics_token.clone();
    // The mail worker runs on every replica; the outbox keeps them from
    // queueing or sending the same mail twice.
    let (stop_mail, stop_rx) = tokio::sync::watch::channel(false);
    let mail_worker = match &cfg.smtp {
        Some(smtp) => {
            let mailer = foothold_web::outbox::Mailer::new(smtp, cfg.base_url.clone()).map_err(anyhow::Error::msg)?;
            tracing::info!(host = %smtp.host, tls = ?smtp.tls, "email reminders on");
            Some(tokio::spawn(foothold_web::outbox::run(store.clone(), mailer, stop_rx)))
        }
        None => {
            tracing::info!("email reminders off: no FOOTHOLD_SMTP_HOST; reminders show in the app only");
            None
        }
    };
    let state = foothold_web::AppState::new(store.clone(), web);
    let served = foothold_web::serve(listener, state, shutdown_signal()).await;
    // Let a mail being sent finish, so it is marked sent and not sent again.
    let _ = stop_mail.send(true);
    if let Some(worker) = mail_worker {
        let _ = worker.await;
    }
    served?;
    tracing::info!("stopped taking requests; closing the database");
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

async fn admin(cfg: Resolved, cmd: AdminCommand) -> anyhow::Result<()> {
    let store = open_store(&cfg).await?;
    match cmd {
        AdminCommand::CreateUser { email, name, admin, password_stdin: _ } => {
            let email = Email::parse(&email)?;
            let name = PersonName::parse(&name)?;
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).context("reading the password from standard input")?;
            let password = input.lines().next().unwrap_or_default();
            if let Err(e) = foothold_web::validate_new_password(password, &[name.as_str(), email.as_str()]) {
                bail!(e);
            }
            let hash = foothold_web::hash_password(password).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
            let role = if admin { Role::Admin } else { Role::Member };
            let person = store
                .create_person(&NewPerson {
                    email,
                    name,
                    title: String::new(),
                    department: None,
                    manager_id: None,
                    role,
                })
                .await?;
            store.set_password_hash(person.id, &hash).await?;
            // The set-up link is for an empty Foothold; it is moot now.
            store.delete_setting(foothold_web::SETUP_TOKEN_KEY).await?;
            println!("created {} <{}> as {} (id {})", person.name, person.email, role.as_str(), person.id);
        }
        AdminCommand::Token { email, label } => {
            let email = Email::parse(&email)?;
            let person =
                store.person_by_email(&email).await?.with_context(|| format!("nobody with the e-mail {email}"))?;
            let label = foothold_domain::Text::single_line(&label, "label", 100, true)?;
            let (_, token) = store.create_api_token(person.id, label.as_str()).await?;
            println!("{token}");
        }
    }
    store.close().await;
    Ok(())
}
