//! The `foothold` binary as an operator uses it: help, start-up, the set-up
//! link, admin commands against a running server, logs, shutdown, demo.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_foothold");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A server process with its output lines collected as they come.
struct Server {
    child: Child,
    port: u16,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Server {
    fn start(dir: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(extra)
            .env("FOOTHOLD_ADDR", format!("127.0.0.1:{port}"))
            .env("FOOTHOLD_DATA_DIR", dir)
            .env_remove("FOOTHOLD_DATABASE_URL")
            .env_remove("FOOTHOLD_LOG_FORMAT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start foothold");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        Server { child, port, stdout, stderr }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits for `/healthz`; returns how long it took from now.
    fn wait_healthy(&mut self) -> Duration {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server exited early with {status}: {:?}", self.stderr.try_iter().collect::<Vec<_>>());
            }
            if http::blocking_get(&self.url("/healthz")).is_ok_and(|status| status == 200) {
                return start.elapsed();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("server did not become healthy");
    }

    fn stdout_until(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(line) = self.stdout.recv_timeout(Duration::from_millis(100)) {
                let done = line.contains(needle);
                seen.push(line);
                if done {
                    return seen;
                }
            }
        }
        panic!("'{needle}' never printed; saw {seen:?}");
    }

    fn terminate(mut self) -> (std::process::ExitStatus, Vec<String>) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                std::thread::sleep(Duration::from_millis(50));
                return (status, self.stderr.try_iter().collect());
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod http {
    //! A tiny blocking HTTP client over std, so these tests need no async runtime.
    use std::io::{Read, Write};

    pub fn blocking_get(url: &str) -> std::io::Result<u16> {
        blocking(url, &[]).map(|(s, _)| s)
    }

    pub fn blocking(url: &str, headers: &[(&str, &str)]) -> std::io::Result<(u16, String)> {
        request("GET", url, headers, "")
    }

    /// Posts a urlencoded form.
    pub fn post_form(url: &str, body: &str) -> std::io::Result<(u16, String)> {
        request("POST", url, &[("Content-Type", "application/x-www-form-urlencoded")], body)
    }

    /// Posts a urlencoded form and returns the session cookie it sets, if any.
    pub fn sign_in(url: &str, body: &str) -> std::io::Result<(u16, Option<String>)> {
        let (status, head, _) = exchange("POST", url, &[("Content-Type", "application/x-www-form-urlencoded")], body)?;
        let cookie = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.trim().split(';').next())
            .find(|c| c.starts_with("foothold_session=") && c.len() > "foothold_session=".len())
            .map(str::to_owned);
        Ok((status, cookie))
    }

    /// Any request; the status and body.
    pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> std::io::Result<(u16, String)> {
        exchange(method, url, headers, body).map(|(status, _, body)| (status, body))
    }

    /// Status, head and body.
    fn exchange(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String, String)> {
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
        let mut s = std::net::TcpStream::connect(host)?;
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes())?;
        let mut buf = String::new();
        s.read_to_string(&mut buf)?;
        let status = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let (head, body) = buf.split_once("\r\n\r\n").unwrap_or((buf.as_str(), ""));
        Ok((status, head.to_owned(), body.to_owned()))
    }
}

fn run(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("FOOTHOLD_DATA_DIR", dir)
        .env_remove("FOOTHOLD_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run foothold");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("output")
}

#[test]
fn help_documents_every_setting() {
    let out = Command::new(BIN).arg("--help").output().expect("help");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for env in [
        "FOOTHOLD_ADDR",
        "FOOTHOLD_DATA_DIR",
        "FOOTHOLD_DATABASE_URL",
        "FOOTHOLD_DATABASE_URL_FILE",
        "FOOTHOLD_BASE_URL",
        "FOOTHOLD_LOG_FORMAT",
        "FOOTHOLD_CONFIG",
        "FOOTHOLD_TRUSTED_PROXIES",
    ] {
        assert!(text.contains(env), "--help does not mention {env}:\n{text}");
    }
    for command in ["serve", "admin", "backup", "restore", "check"] {
        assert!(text.contains(command), "--help does not list {command}");
    }
}

#[test]
fn first_start_prints_a_set_up_link_and_stops_cleanly_on_sigterm() {
    let root = tempfile::tempdir().expect("tempdir");
    // A folder that does not exist yet: Foothold creates it.
    let dir = root.path().join("data");
    let started = Instant::now();
    let mut server = Server::start(&dir, &[], &[]);
    server.wait_healthy();
    eprintln!("cold start to first /healthz: {} ms", started.elapsed().as_millis());
    let printed = server.stdout_until("/setup?token=");
    let link = printed.iter().find(|l| l.contains("/setup?token=")).expect("link").trim().to_owned();
    assert!(link.starts_with(&server.url("/setup?token=")), "{link}");
    let (status, _) = http::blocking(&link, &[]).expect("get setup");
    assert_eq!(status, 200);
    let (status, _) = http::blocking(&server.url("/setup?token=wrong"), &[]).expect("get setup");
    assert_eq!(status, 400);
    assert!(dir.join("foothold.db").exists(), "SQLite file in the data folder");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).expect("data folder").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the data folder holds every reflection: owner only, got {mode:o}");
    }
    let (exit, _) = server.terminate();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
}

#[test]
fn admin_commands_work_against_a_running_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &[], &[]);
    server.wait_healthy();
    let out = run(
        dir.path(),
        &["admin", "create-user", "--email", "Ops@Example.org", "--name", "Olu Ops", "--admin", "--password-stdin"],
        "a long enough password\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(dir.path(), &["admin", "token", "--email", "ops@example.org", "--name", "ci"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().last().expect("token line").trim().to_owned();
    assert!(token.starts_with("fh_"), "{token}");
    let (status, body) =
        http::blocking(&server.url("/api/v1/me"), &[("Authorization", &format!("Bearer {token}"))]).expect("me");
    assert_eq!(status, 200, "{body}");
    let me: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(me["email"], "ops@example.org");
    assert_eq!(me["role"], "admin");

    // Bad input changes nothing and says why.
    let out = run(
        dir.path(),
        &["admin", "create-user", "--email", "x@example.org", "--name", "X", "--password-stdin"],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
    let out = run(dir.path(), &["admin", "token", "--email", "nobody@example.org", "--name", "ci"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody with the e-mail"));
    let out = run(
        dir.path(),
        &["admin", "create-user", "--email", "OPS@example.org", "--name", "Dup", "--password-stdin"],
        "a long enough password\n",
    );
    assert!(!out.status.success(), "e-mail is unique case-insensitively");
}

#[test]
fn json_logs_and_no_password_in_any_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &[], &[("FOOTHOLD_LOG_FORMAT", "json")]);
    server.wait_healthy();
    let out = run(
        dir.path(),
        &["admin", "create-user", "--email", "sec@example.org", "--name", "Sec Log", "--password-stdin"],
        "the right horse battery\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A wrong password, a password typed into the e-mail field, then the right one.
    let (status, _) = http::post_form(&server.url("/sign-in"), "email=sec%40example.org&password=wrong-staple-guess")
        .expect("sign in");
    assert_eq!(status, 401);
    let (status, _) =
        http::post_form(&server.url("/sign-in"), "email=the-right-horse-battery&password=x").expect("sign in");
    assert_eq!(status, 401);
    let (status, cookie) =
        http::sign_in(&server.url("/sign-in"), "email=sec%40example.org&password=the+right+horse+battery")
            .expect("sign in");
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session cookie");
    // Refusals: a page only admins open (403), someone else's record (404,
    // the policy hides it), and a cross-site form post (CSRF).
    let out = run(
        dir.path(),
        &["admin", "create-user", "--email", "other@example.org", "--name", "Other Person", "--password-stdin"],
        "another long password here\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (status, _) = http::blocking(&server.url("/people/new"), &[("Cookie", &cookie)]).expect("get");
    assert_eq!(status, 403);
    let (status, _) = http::blocking(&server.url("/people/2"), &[("Cookie", &cookie)]).expect("get");
    assert_eq!(status, 404);
    let (status, _) = http::request(
        "POST",
        &server.url("/sign-out"),
        &[
            ("Cookie", &cookie),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        "csrf=x",
    )
    .expect("post");
    assert_eq!(status, 403);
    let (_, stderr) = server.terminate();
    assert!(!stderr.is_empty());
    let mut events = Vec::new();
    for line in &stderr {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.get("level").is_some(), "{line}");
        for secret in ["wrong-staple-guess", "right horse battery", "right-horse-battery"] {
            assert!(!line.contains(secret), "a password reached the log: {line}");
        }
        if let Some(e) = v["event"].as_str() {
            let person = v["person"].as_i64();
            let client = v["client"].as_str().map(str::to_owned);
            let path = v["path"].as_str().unwrap_or_default().to_owned();
            events.push((e.to_owned(), person, client, path, v["status"].as_i64()));
        }
    }
    // Security events: who (when known) and from where, for every decision.
    let kinds: Vec<&str> = events.iter().map(|(e, ..)| e.as_str()).collect();
    assert_eq!(
        kinds,
        ["sign_in_failed", "sign_in_failed", "sign_in", "access_denied", "access_denied", "csrf_refused"],
        "{events:?}"
    );
    assert!(events[0].1.is_some(), "a failure on a known account names the person: {events:?}");
    assert_eq!(events[1].1, None, "an unknown address names nobody: {events:?}");
    assert_eq!(events[0].1, events[2].1);
    assert!(events.iter().all(|(_, _, c, ..)| c.as_deref() == Some("127.0.0.1")), "{events:?}");
    let refusals: Vec<(&str, Option<i64>)> = events[3..].iter().map(|(_, _, _, p, s)| (p.as_str(), *s)).collect();
    assert_eq!(
        refusals,
        [("/people/new", Some(403)), ("/people/2", Some(404)), ("/sign-out", Some(403))],
        "{events:?}"
    );
    assert!(events[3..].iter().all(|(_, p, ..)| *p == events[2].1), "refusals name who asked: {events:?}");

    // A URL with a password that cannot connect: the error must not show it.
    let out = Command::new(BIN)
        .arg("serve")
        .env("FOOTHOLD_DATABASE_URL", "postgres://app:s3cr3t-pw@127.0.0.1:1/foothold")
        .env("FOOTHOLD_DATA_DIR", dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("127.0.0.1"), "the error names the server: {all}");
    assert!(!all.contains("s3cr3t-pw"), "password leaked: {all}");
}

#[test]
fn demo_fills_an_empty_database_at_any_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &["--demo", "--people", "250"], &[]);
    server.wait_healthy();
    let printed = server.stdout_until("Member");
    let text = printed.join("\n");
    assert!(text.contains("kelly.moore@meridian.example"), "{text}");
    let out = run(dir.path(), &["admin", "token", "--email", "morgan.reyes@meridian.example", "--name", "count"], "");
    let token = String::from_utf8_lossy(&out.stdout).lines().last().expect("token").trim().to_owned();
    let (status, body) =
        http::blocking(&server.url("/api/v1/people"), &[("Authorization", &format!("Bearer {token}"))]).expect("list");
    assert_eq!(status, 200);
    let people: Vec<serde_json::Value> = serde_json::from_str(&body).expect("json");
    assert_eq!(people.len(), 250);
    let kelly = people.iter().find(|p| p["email"] == "kelly.moore@meridian.example").expect("Kelly");
    let directs = people
        .iter()
        .filter(|p| p["manager_id"] == kelly["id"] && p["title"].as_str().is_some_and(|t| !t.starts_with("Team Lead")))
        .count();
    assert_eq!(directs, 6, "the seed's Head of Design has six directs");
}

#[test]
fn themes_eval_prints_one_json_object_with_the_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("labelled.jsonl");
    std::fs::write(
        &file,
        r#"{"id": "t-1", "role": "Nurse", "answers": [{"category": "present", "question": "What's draining you right now?", "text": "Endless night shifts and no time to recover. I'm exhausted.", "themes": {"wellbeing": "-"}}]}"#,
    )
    .expect("write");
    let out = Command::new(BIN).args(["themes", "eval"]).arg(&file).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["answers"], 1);
    for key in ["precision", "recall", "micro_f1", "valence_accuracy"] {
        assert!(v[key].is_number(), "{key} missing: {v}");
    }
    assert_eq!(v["per_theme"]["wellbeing"]["support"], 1);

    std::fs::write(&file, "{not json\n").expect("write");
    let out = Command::new(BIN).args(["themes", "eval"]).arg(&file).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn themes_analyze_reads_plain_text_or_json() {
    let out = run(
        std::path::Path::new("."),
        &["themes", "analyze"],
        "Endless night shifts; I'm exhausted and running on empty.",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let themes = v["themes"].as_array().expect("themes");
    let wellbeing = themes.iter().find(|t| t["theme"] == "wellbeing").expect("wellbeing found");
    let quote = wellbeing["evidence"][0]["quote"].as_str().expect("quote");
    assert!(!quote.is_empty());

    let json = r#"{"answers": [{"category": "future", "question": "Where would you like more ownership?", "text": "I want to own the release process end to end."}]}"#;
    let out = run(std::path::Path::new("."), &["themes", "analyze"], json);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["themes"].as_array().expect("themes").iter().any(|t| t["theme"] == "ownership"), "{v}");
}
