//! The server's own log never holds a secret that a request's path or query
//! carried: invite tokens, calendar feed tokens, the set-up token.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;

use crate::harness::TestApp;

/// Everything this test process logged at debug level and above, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Installs the capturing subscriber once per test process (nextest runs
/// each test in its own).
fn capture() -> Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_env_filter("foothold_web=debug,tower_http=debug")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        log
    })
    .clone()
}

#[tokio::test]
async fn secrets_in_paths_and_queries_stay_out_of_the_log() {
    let log = capture();
    let app = TestApp::spawn().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    // A cross-site post to an invite link is refused and logged as a security event.
    let refused = http
        .post(app.url("/invite/invitesecret0123456789"))
        .header("origin", "https://evil.example")
        .form(&[("password", "whatever it is"), ("confirm", "whatever it is")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused_id = refused.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("an id").to_owned();
    // The same refusal on a path without a secret logs the path.
    let people = http.post(app.url("/people/4242/invite")).header("origin", "https://evil.example").send().await;
    assert_eq!(people.expect("post").status(), StatusCode::FORBIDDEN);
    for path in ["/calendar/feedsecret0123456789.ics", "/setup?token=setupsecret0123456789", "/invite/invitesecret2"] {
        http.get(app.url(path)).send().await.expect("get");
    }

    let text = log.text();
    assert!(text.contains("request refused"), "the refusals are logged: {text}");
    // The event's own fields, after its message: the request span that also
    // names the id is off at the default level (info).
    let refusal = text
        .lines()
        .filter_map(|l| l.split_once("request refused"))
        .find(|(_, fields)| fields.contains("/invite/{token}"))
        .expect("the invite link's refusal")
        .1;
    assert!(refusal.contains(&format!("request_id=\"{refused_id}\"")), "the refusal names its request: {refusal}");
    assert!(text.contains(r#"path="/invite/{token}""#), "{text}");
    assert!(text.contains(r#"path="/people/4242/invite""#), "a path without a secret is logged as it is: {text}");
    assert!(text.contains(r#"path="/calendar/{file}""#) && text.contains(r#"path="/setup""#), "{text}");
    for secret in ["invitesecret", "feedsecret", "setupsecret"] {
        assert!(!text.contains(secret), "{secret} is in the log:\n{text}");
    }
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && id.matches('-').count() == 4
}

/// Every answer names its request: an id from a proxy is kept when it is
/// plain and short, anything else is replaced by a new UUID; an error's log
/// line names the same id as its answer.
#[tokio::test]
async fn every_answer_and_its_log_lines_name_the_request() {
    let log = capture();
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let id_of = |res: &reqwest::Response| {
        res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("an x-request-id").to_owned()
    };
    let is_uuid = |id: &str| {
        uuid_like(id) && id.as_bytes()[14] == b'4' // a random (version 4) UUID
    };
    let mut seen = std::collections::HashSet::new();
    for path in ["/healthz", "/sign-in", "/api/v1/me", "/no/such/page"] {
        let id = id_of(&http.get(app.url(path)).send().await.expect("get"));
        assert!(is_uuid(&id), "{path}: {id}");
        assert!(seen.insert(id), "{path}: ids are not reused");
    }
    // A client's own id is not kept: it could name another request.
    let client = http.get(app.url("/healthz")).header("x-request-id", "nginx-4f2a.9_b").send().await.expect("get");
    assert!(is_uuid(&id_of(&client)), "{}", id_of(&client));
    // A trusted proxy's is, when it is plain and short.
    let behind = TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")]).await;
    let kept = http.get(behind.url("/healthz")).header("x-request-id", "nginx-4f2a.9_b").send().await.expect("get");
    assert_eq!(id_of(&kept), "nginx-4f2a.9_b");
    for bad in ["has space", "quote\"d", &"x".repeat(65)] {
        let res = http.get(behind.url("/healthz")).header("x-request-id", bad).send().await.expect("get");
        assert!(is_uuid(&id_of(&res)), "{bad:?} replaced by {}", id_of(&res));
    }

    // A request that fails inside: its answer's id is on the error's log line.
    app.execute("ALTER TABLE conversations RENAME TO conversations_gone", vec![]).await;
    let (admin, api) = app.admin_api().await;
    let res = api.get("/api/v1/conversations").await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", res.body);
    let id = res.header("x-request-id").expect("an id").to_owned();
    let text = log.text();
    let failure = |text: &str, id: &str| {
        text.lines()
            .filter_map(|l| l.split_once("request failed"))
            .any(|(_, fields)| fields.contains(&format!("request_id=\"{id}\"")))
    };
    assert!(failure(&text, &id), "the error's own fields name its request {id}: {text}");

    // One that fails before it is known who asks (the session lookup).
    let session = app.store.create_session(admin.id, chrono::Duration::hours(1)).await.expect("session");
    app.execute("DROP TABLE sessions", vec![]).await;
    let res = http
        .get(app.url("/"))
        .header("cookie", format!("foothold_session={}", session.token))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = id_of(&res);
    let text = log.text();
    assert!(failure(&text, &id), "a failed session lookup names its request {id}: {text}");
}
