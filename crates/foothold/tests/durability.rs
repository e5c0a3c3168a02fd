//! Proof that data holds: a backup taken while the server writes restores
//! into a working Foothold, and a server killed mid-write (SIGKILL) loses no
//! save it acknowledged, on SQLite and on PostgreSQL. Each test runs the real
//! binary, as an operator would.
//!
//! The PostgreSQL tests (named `postgres_…`) need `FOOTHOLD_TEST_DATABASE_URL`
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`) and make a fresh database
//! `foothold_t_…` per server; without the variable they are skipped, except
//! with `CI=true`, where they fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_foothold");
const PG_ENV: &str = "FOOTHOLD_TEST_DATABASE_URL";

/// Where a Foothold keeps its data: a SQLite data folder or a PostgreSQL URL.
#[derive(Clone)]
enum Db {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Db {
    fn apply(&self, cmd: &mut Command) {
        cmd.env_remove("FOOTHOLD_DATABASE_URL").env_remove("FOOTHOLD_LOG_FORMAT").env("RUST_BACKTRACE", "0");
        match self {
            Db::Sqlite(dir) => cmd.env("FOOTHOLD_DATA_DIR", dir),
            Db::Postgres(url) => cmd.env("FOOTHOLD_DATABASE_URL", url),
        };
    }
}

/// Runs a `foothold` command against `db`, with `stdin` as its input.
fn run(db: &Db, args: &[&str], stdin: &str) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    db.apply(&mut cmd);
    let mut child = cmd.spawn().expect("run foothold");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed; its standard output.
fn ok(db: &Db, args: &[&str], stdin: &str) -> String {
    let out = run(db, args, stdin);
    assert!(out.status.success(), "foothold {args:?} failed: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A `foothold serve` process.
struct Server {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(db: &Db) -> Server {
        let port = free_port();
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .env("FOOTHOLD_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        db.apply(&mut cmd);
        let mut child = cmd.spawn().expect("start foothold");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        let stream = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                sink.lock().expect("lock").push(line);
            }
        });
        let mut server = Server { child, port, stderr };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server exited with {status}: {:?}", self.stderr.lock().expect("lock"));
            }
            if request(self.port, "GET", "/healthz", None, None).is_ok_and(|(s, _)| s == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not become healthy");
    }

    fn api(&self, token: &str) -> Api {
        Api { port: self.port, token: token.to_owned() }
    }

    /// SIGTERM, and wait for the graceful exit.
    fn stop(mut self) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "graceful stop exits 0, got {status}");
    }

    /// SIGKILL: no shutdown, no checkpoint, no closing of connections.
    fn crash(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request over a fresh connection; the status and body.
fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(token) = token {
        req.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes())?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    let status = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// The JSON API as one person.
#[derive(Clone)]
struct Api {
    port: u16,
    token: String,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<(u16, String)> {
        request(self.port, method, path, Some(&self.token), body)
    }

    /// A call that must answer `want`; its JSON.
    fn expect(&self, method: &str, path: &str, body: Option<&Value>, want: u16) -> Value {
        let (status, body) = self.call(method, path, body).expect("request");
        assert_eq!(status, want, "{method} {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {body}"))
    }
}

/// What the tests arrange: a leader (admin), their report, and a conversation
/// whose answers the report writes.
struct Team {
    leader_token: String,
    report_token: String,
    report_id: i64,
    conversation: i64,
    questions: Vec<i64>,
}

/// Token of `email`, made with `foothold admin token`.
fn token(db: &Db, email: &str) -> String {
    let out = ok(db, &["admin", "token", "--email", email, "--name", "durability"], "");
    out.lines().last().expect("token line").trim().to_owned()
}

fn arrange(db: &Db, server: &Server) -> Team {
    ok(
        db,
        &["admin", "create-user", "--email", "lee@example.org", "--name", "Lee Lead", "--admin", "--password-stdin"],
        "a long enough password\n",
    );
    let leader_token = token(db, "lee@example.org");
    let leader = server.api(&leader_token);
    let me = leader.expect("GET", "/api/v1/me", None, 200);
    let report = leader.expect(
        "POST",
        "/api/v1/people",
        Some(&json!({"email": "rey@example.org", "name": "Rey Report", "title": "Engineer", "manager_id": me["id"]})),
        201,
    );
    let report_id = report["id"].as_i64().expect("report id");
    let sets = leader.expect("GET", "/api/v1/question-sets", None, 200);
    let set = sets.as_array().expect("sets").iter().find(|s| s["scope"] == "builtin").expect("built-in set");
    let conv = leader.expect(
        "POST",
        "/api/v1/conversations",
        Some(&json!({"report_id": report_id, "starts_at_local": "2030-03-10T10:00", "time_zone": "Europe/London",
                     "question_set_id": set["id"]})),
        201,
    );
    let conversation = conv["id"].as_i64().expect("conversation id");
    let report_token = token(db, "rey@example.org");
    let detail = server.api(&report_token).expect("GET", &format!("/api/v1/conversations/{conversation}"), None, 200);
    let questions: Vec<i64> = detail["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_i64().expect("question id"))
        .collect();
    assert!(questions.len() >= 5, "{detail}");
    Team { leader_token, report_token, report_id, conversation, questions }
}

/// The text of the `n`th save of an answer: it names the save, so text and
/// version can be checked against each other.
fn save_text(qid: i64, n: i64) -> String {
    format!("answer {qid}, save {n}: {}", "climbing ".repeat(20))
}

/// An autosave storm: one writer per answer saving again and again with the
/// version it was last given, as the browser does. Each writer records the
/// last version the server acknowledged (a 200 received).
struct Storm {
    stop: Arc<AtomicBool>,
    acked: Arc<Vec<Mutex<i64>>>,
    total: Arc<AtomicUsize>,
    writers: Vec<std::thread::JoinHandle<()>>,
    questions: Vec<i64>,
}

impl Storm {
    fn start(api: &Api, team: &Team) -> Storm {
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Arc<Vec<Mutex<i64>>> = Arc::new(team.questions.iter().map(|_| Mutex::new(0)).collect());
        let total = Arc::new(AtomicUsize::new(0));
        let writers = team
            .questions
            .iter()
            .enumerate()
            .map(|(i, &qid)| {
                let (api, stop, acked, total) = (api.clone(), stop.clone(), acked.clone(), total.clone());
                let path = format!("/api/v1/conversations/{}/answers/{qid}", team.conversation);
                std::thread::spawn(move || {
                    let mut version = 0;
                    while !stop.load(Ordering::SeqCst) {
                        let body = json!({"text": save_text(qid, version), "version": version});
                        match api.call("PUT", &path, Some(&body)) {
                            Ok((200, reply)) => {
                                let v: Value = serde_json::from_str(&reply).expect("saved JSON");
                                let stored = v["version"].as_i64().expect("version");
                                assert_eq!(stored, version + 1, "one writer per answer: no one else saves it");
                                version = stored;
                                *acked[i].lock().expect("lock") = version;
                                total.fetch_add(1, Ordering::SeqCst);
                            }
                            // The server is gone (killed): nothing more is acknowledged.
                            Ok((0, _)) | Err(_) => break,
                            Ok((status, reply)) => panic!("save answered {status}: {reply}"),
                        }
                    }
                })
            })
            .collect();
        Storm { stop, acked, total, writers, questions: team.questions.clone() }
    }

    fn wait_for(&self, saves: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.total.load(Ordering::SeqCst) < saves {
            assert!(Instant::now() < deadline, "only {} saves in a minute", self.total.load(Ordering::SeqCst));
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The last acknowledged version of each answer, by question id.
    fn acknowledged(&self) -> Vec<(i64, i64)> {
        self.questions.iter().zip(self.acked.iter()).map(|(&q, v)| (q, *v.lock().expect("lock"))).collect()
    }

    /// Stops the writers; the acknowledged versions and how many saves were acknowledged.
    fn finish(mut self) -> (Vec<(i64, i64)>, usize) {
        self.stop.store(true, Ordering::SeqCst);
        for w in std::mem::take(&mut self.writers) {
            w.join().expect("writer thread");
        }
        (self.acknowledged(), self.total.load(Ordering::SeqCst))
    }
}

/// Checks that each answer holds at least its acknowledged save, and that its
/// text is the one of its version (no torn write); returns the stored versions' sum.
fn assert_holds(api: &Api, team: &Team, acknowledged: &[(i64, i64)]) -> i64 {
    let detail = api.expect("GET", &format!("/api/v1/conversations/{}", team.conversation), None, 200);
    let mut stored_sum = 0;
    for &(qid, acked) in acknowledged {
        let q = detail["questions"].as_array().expect("questions").iter().find(|q| q["id"] == qid).expect("question");
        let (version, text) = match &q["answer"] {
            Value::Null => (0, String::new()),
            a => (a["version"].as_i64().expect("version"), a["text"].as_str().expect("text").to_owned()),
        };
        assert!(version >= acked, "answer {qid}: save {acked} was acknowledged but version {version} is stored");
        if version > 0 {
            assert_eq!(text, save_text(qid, version - 1), "answer {qid}: the text belongs to its version");
        }
        stored_sum += version;
    }
    stored_sum
}

/// Drives the storm, SIGKILLs the server in the middle of it, restarts on the
/// same database and checks that every acknowledged save is there.
fn crash_mid_storm(db: &Db) {
    let server = Server::start(db);
    let team = arrange(db, &server);
    let storm = Storm::start(&server.api(&team.report_token), &team);
    storm.wait_for(1000);
    server.crash();
    let (acknowledged, total) = storm.finish();
    if let Db::Sqlite(_) = db {
        // Before any server touches it again: the file is sound after the crash.
        assert_eq!(ok(db, &["check"], "").trim(), "ok");
    }
    let server = Server::start(db);
    let stored = assert_holds(&server.api(&team.report_token), &team, &acknowledged);
    assert_eq!(ok(db, &["check"], "").trim(), "ok");
    eprintln!(
        "crash test: {total} saves acknowledged before SIGKILL, all {} answers hold them \
         ({stored} saves stored, {} committed but not acknowledged)",
        acknowledged.len(),
        stored - total as i64
    );
    // And it keeps working: the next autosave carries on from the stored version.
    let (qid, _) = acknowledged[0];
    let detail = server.api(&team.report_token).expect(
        "GET",
        &format!("/api/v1/conversations/{}", team.conversation),
        None,
        200,
    );
    let current = detail["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .find(|q| q["id"] == qid)
        .map(|q| q["answer"]["version"].as_i64().unwrap_or(0))
        .expect("question");
    server.api(&team.report_token).expect(
        "PUT",
        &format!("/api/v1/conversations/{}/answers/{qid}", team.conversation),
        Some(&json!({"text": "after the crash", "version": current})),
        200,
    );
    server.stop();
}

#[test]
fn a_sigkill_mid_autosave_loses_no_acknowledged_save_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    crash_mid_storm(&Db::Sqlite(dir.path().to_path_buf()));
}

#[test]
fn a_backup_taken_while_writing_restores_into_an_empty_folder_only() {
    let live = tempfile::tempdir().expect("tempdir");
    let db = Db::Sqlite(live.path().to_path_buf());
    let server = Server::start(&db);
    let team = arrange(&db, &server);
    let storm = Storm::start(&server.api(&team.report_token), &team);
    storm.wait_for(50);
    let before = storm.acknowledged();
    let place = tempfile::tempdir().expect("tempdir");
    let file = place.path().join("foothold-backup.db");
    let started = Instant::now();
    let said = ok(&db, &["backup", file.to_str().expect("utf-8 path")], "").trim().to_owned();
    let took = started.elapsed();
    let during = storm.total.load(Ordering::SeqCst);
    storm.wait_for(during + 20);
    let (_, total) = storm.finish();
    assert!(said.contains("backed up"), "{said}");
    eprintln!(
        "backup: {} bytes in {} ms while autosaving ({total} saves in all; {said})",
        std::fs::metadata(&file).expect("backup file").len(),
        took.as_millis(),
    );

    // Never over an existing file.
    let again = run(&db, &["backup", file.to_str().expect("utf-8 path")], "");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"), "{}", text(&again.stderr));
    server.stop();

    // Never over a database.
    let refused = run(&db, &["restore", file.to_str().expect("utf-8 path")], "");
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("already exists"), "{}", text(&refused.stderr));
    assert_eq!(ok(&db, &["check"], "").trim(), "ok", "the refused restore left the live database alone");

    let fresh = tempfile::tempdir().expect("tempdir");
    let restored = Db::Sqlite(fresh.path().join("data"));
    let said = ok(&restored, &["restore", file.to_str().expect("utf-8 path")], "");
    assert!(said.contains("integrity ok"), "{said}");
    assert_eq!(ok(&restored, &["check"], "").trim(), "ok");
    let server = Server::start(&restored);
    let people = server.api(&team.leader_token).expect("GET", "/api/v1/people", None, 200);
    let report = people.as_array().expect("people").iter().find(|p| p["id"] == team.report_id).expect("report");
    assert_eq!(report["email"], "rey@example.org");
    // Saves acknowledged before the backup began are in it, each whole.
    let stored = assert_holds(&server.api(&team.report_token), &team, &before);
    eprintln!(
        "backup holds {stored} saves; {} were acknowledged before it began",
        before.iter().map(|(_, v)| v).sum::<i64>()
    );
    server.stop();
}

/// A database made for one test on the test PostgreSQL server, dropped after it.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

fn pg_exec(admin_url: &str, sql: String) {
    use sea_orm::sqlx::{self, Connection as _};
    block_on(async {
        let mut conn = sqlx::PgConnection::connect(admin_url).await.expect("PostgreSQL reachable");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.expect("SQL runs");
        let _ = conn.close().await;
    });
}

impl PgDatabase {
    /// A fresh database, or `None` (skip) when no PostgreSQL is configured outside CI.
    fn create() -> Option<PgDatabase> {
        let Some(admin_url) = std::env::var(PG_ENV).ok().filter(|u| !u.trim().is_empty()) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {PG_ENV} is not set: the PostgreSQL durability tests cannot be skipped"
            );
            eprintln!("{PG_ENV} is not set: PostgreSQL durability test skipped");
            return None;
        };
        let (_, random) = foothold_store::secret::new_token();
        let name = format!(
            "foothold_t_{}",
            random[..24].to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "x")
        );
        pg_exec(&admin_url, format!("CREATE DATABASE \"{name}\""));
        eprintln!("test database {name}");
        let mut url = url::Url::parse(admin_url.trim()).expect("a URL");
        url.set_path(&format!("/{name}"));
        Some(PgDatabase { admin_url: admin_url.trim().to_owned(), name, url: url.to_string() })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Not inside a panicking test's unwinding runtime: a thread of its own.
        let _ =
            std::thread::spawn(move || pg_exec(&admin_url, format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                .join();
    }
}

#[test]
fn postgres_a_sigkill_mid_autosave_loses_no_acknowledged_save() {
    let Some(pg) = PgDatabase::create() else { return };
    crash_mid_storm(&Db::Postgres(pg.url.clone()));
}

/// `pg_dump`/`pg_restore` on PATH, or `None` (skip) outside CI.
fn pg_tools() -> Option<()> {
    let found = |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if found("pg_dump") && found("pg_restore") {
        return Some(());
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but pg_dump or pg_restore is not on PATH");
    eprintln!("pg_dump or pg_restore is not on PATH: the PostgreSQL backup test is skipped");
    None
}

#[test]
fn postgres_pg_dump_and_pg_restore_into_an_empty_database_serve_the_same_data() {
    let Some(source) = PgDatabase::create() else { return };
    let Some(()) = pg_tools() else { return };
    let db = Db::Postgres(source.url.clone());
    let server = Server::start(&db);
    let team = arrange(&db, &server);
    let storm = Storm::start(&server.api(&team.report_token), &team);
    storm.wait_for(40);
    let (acknowledged, _) = storm.finish();
    // Foothold itself points to pg_dump.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("foothold.dump");
    let refused = run(&db, &["backup", file.to_str().expect("utf-8 path")], "");
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("pg_dump -Fc"), "{}", text(&refused.stderr));

    // The documented procedure, while the server runs (pg_dump reads one snapshot).
    let started = Instant::now();
    let dump = Command::new("pg_dump").args(["-Fc", "-f"]).arg(&file).arg(&source.url).output().expect("pg_dump");
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let dumped = started.elapsed();
    server.stop();
    let target = PgDatabase::create().expect("a second database");
    let restore = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "-d", &target.url])
        .arg(&file)
        .output()
        .expect("pg_restore");
    assert!(restore.status.success(), "{}", text(&restore.stderr));
    eprintln!("pg_dump: {} bytes in {} ms", std::fs::metadata(&file).expect("dump file").len(), dumped.as_millis());

    let restored = Db::Postgres(target.url.clone());
    let server = Server::start(&restored);
    assert_eq!(ok(&restored, &["check"], "").trim(), "ok");
    let leader = server.api(&team.leader_token);
    let people = leader.expect("GET", "/api/v1/people", None, 200);
    assert!(
        people.as_array().expect("people").iter().any(|p| p["id"] == team.report_id && p["email"] == "rey@example.org")
    );
    assert_holds(&server.api(&team.report_token), &team, &acknowledged);
    // Identity sequences came along: new rows do not collide with restored ones.
    let me = leader.expect("GET", "/api/v1/me", None, 200);
    leader.expect(
        "POST",
        "/api/v1/people",
        Some(&json!({"email": "new@example.org", "name": "Nia New", "manager_id": me["id"]})),
        201,
    );
    server.stop();
}
