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
    // The same refusal on a path without a secret logs the path.
    let people = http.post(app.url("/people/4242/invite")).header("origin", "https://evil.example").send().await;
    assert_eq!(people.expect("post").status(), StatusCode::FORBIDDEN);
    for path in ["/calendar/feedsecret0123456789.ics", "/setup?token=setupsecret0123456789", "/invite/invitesecret2"] {
        http.get(app.url(path)).send().await.expect("get");
    }

    let text = log.text();
    assert!(text.contains("request refused"), "the refusals are logged: {text}");
    assert!(text.contains(r#"path="/invite/{token}""#), "{text}");
    assert!(text.contains(r#"path="/people/4242/invite""#), "a path without a secret is logged as it is: {text}");
    assert!(text.contains(r#"path="/calendar/{file}""#) && text.contains(r#"path="/setup""#), "{text}");
    for secret in ["invitesecret", "feedsecret", "setupsecret"] {
        assert!(!text.contains(secret), "{secret} is in the log:\n{text}");
    }
}
