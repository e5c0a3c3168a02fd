//! Signing in and out, throttling, and the session lifecycle.

use std::net::IpAddr;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Browser, PASSWORD, Resp, TestApp};

const MISMATCH: &str = "That e-mail and password do not match an active account.";

/// A member with the test password.
async fn member_with_password(app: &TestApp, email: &str, name: &str) -> i64 {
    let p = app.add_member(email, name, None).await;
    app.set_password(p.id).await;
    p.id
}

async fn attempt(b: &Browser, email: &str, password: &str) -> Resp {
    b.post_form("/sign-in", &[("email", email), ("password", password)]).await
}

/// A sign-in as it reaches the server through a proxy, from `client`.
async fn attempt_from(app: &TestApp, client: &str, email: &str, password: &str) -> Resp {
    let b = app.browser();
    b.send(
        b.request(Method::POST, "/sign-in")
            .header("sec-fetch-site", "same-origin")
            .header("x-forwarded-for", client)
            .form(&[("email", email), ("password", password)]),
    )
    .await
}

#[tokio::test]
async fn the_right_password_starts_a_session() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann Archer").await;
    let b = app.browser();
    let res = attempt(&b, "Ann@Example.ORG", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/"));
    let cookie = res.session_set_cookie().expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age=43200"), "the cookie lasts as long as the session (12 h): {cookie}");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Hello, Ann Archer"), "{}", home.body);
    // A signed-in person opening the sign-in page goes on.
    assert_eq!(b.get("/sign-in").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn next_stays_on_this_site() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let anonymous = app.browser().get("/profile").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), Some("/sign-in?next=%2Fprofile"));
    // Browsers drop tabs and newlines from a Location and read `\` as `/`:
    // each of the last four would lead to another site, or break the header.
    let cases = [
        ("/profile", "/profile"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
    ];
    for (next, expected) in cases {
        let b = app.browser();
        let res =
            b.post_form("/sign-in", &[("email", "ann@example.org"), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "next={next:?}: {}", res.body);
        assert_eq!(res.location(), Some(expected), "next={next:?}");
        // Signed in, the sign-in page sends the visitor on at once.
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let again = b.get(&format!("/sign-in?next={encoded}")).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "GET next={next:?}: {}", again.body);
        assert_eq!(again.location(), Some(expected), "GET next={next:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_or_unknown_email_gets_the_same_401() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let b = app.browser();
    let wrong = attempt(&b, "ann@example.org", "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.session_set_cookie().is_none());
    assert!(wrong.body.contains(MISMATCH), "{}", wrong.body);
    assert!(wrong.body.contains(r#"value="ann@example.org""#), "the e-mail is kept in the form");
    let unknown = attempt(&b, "nobody@example.org", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.session_set_cookie().is_none());
    assert!(unknown.body.contains(MISMATCH), "{}", unknown.body);
    assert_eq!(
        wrong.body.replace("ann@example.org", "X"),
        unknown.body.replace("nobody@example.org", "X"),
        "the answers do not tell whether the account exists"
    );
    assert!(b.cookie().is_none());
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn deactivated_and_invited_people_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let gone = member_with_password(&app, "gone@example.org", "Gone").await;
    let changes = foothold_store::PersonChanges { active: Some(false), ..Default::default() };
    app.store.update_person(gone, &changes, None).await.expect("deactivate");
    let res = attempt(&app.browser(), "gone@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains(MISMATCH));
    assert!(res.session_set_cookie().is_none());

    app.add_member("new@example.org", "Newcomer", None).await;
    let res = attempt(&app.browser(), "new@example.org", "").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "no password set yet");
    assert!(res.session_set_cookie().is_none());
}

#[tokio::test]
async fn five_failures_pause_an_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let b = app.browser();
    for i in 1..=5 {
        let res = attempt(&b, "ann@example.org", &format!("guess number {i}")).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let sixth = attempt(&b, "ann@example.org", PASSWORD).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{}", sixth.body);
    assert!(sixth.body.contains("sign-in is paused"), "{}", sixth.body);
    assert!(sixth.session_set_cookie().is_none());
}

#[tokio::test]
async fn the_account_limit_holds_across_client_addresses() {
    let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
    let app = TestApp::spawn_with(|c| c.trusted_proxies = vec![proxy]).await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    member_with_password(&app, "bob@example.org", "Bob").await;
    for i in 1..=5 {
        let res = attempt_from(&app, &format!("203.0.113.{i}"), "ann@example.org", "a wrong guess").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let res = attempt_from(&app, "198.51.100.77", "ANN@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "the account is paused from every address");
    assert!(res.body.contains("sign-in is paused"));
    let res = attempt_from(&app, "198.51.100.77", "bob@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "other accounts are not paused");
}

#[tokio::test]
async fn the_client_address_limit_holds_across_accounts() {
    let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
    let app = TestApp::spawn_with(|c| c.trusted_proxies = vec![proxy]).await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    for i in 1..=5 {
        let res = attempt_from(&app, "203.0.113.9", &format!("victim{i}@example.org"), "a wrong guess").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let res = attempt_from(&app, "203.0.113.9", "ann@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "this address is paused");
    assert!(res.body.contains("sign-in is paused"));
    assert!(res.session_set_cookie().is_none());
    let res = attempt_from(&app, "198.51.100.1", "ann@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "another address may still sign in");
}

#[tokio::test]
async fn an_untrusted_forwarded_for_header_does_not_dodge_the_address_limit() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    for i in 1..=5 {
        let res = attempt_from(&app, &format!("203.0.113.{i}"), &format!("victim{i}@example.org"), "wrong").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let res = attempt_from(&app, "198.51.100.1", "ann@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "X-Forwarded-For is ignored without trusted proxies");
}

#[tokio::test]
async fn every_sign_in_gets_a_new_session() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let first = app.sign_in("ann@example.org", PASSWORD).await;
    let second = app.sign_in("ann@example.org", PASSWORD).await;
    assert_ne!(first.cookie(), second.cookie());
    // A cookie value planted beforehand is never adopted as the session id.
    let fixated = app.browser();
    fixated.set_cookie(Some("attacker-chosen-session-id".into()));
    let res = attempt(&fixated, "ann@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let issued = fixated.cookie().expect("a session cookie");
    assert_ne!(issued, "attacker-chosen-session-id", "a new session id, not the one presented");
    assert!(issued != first.cookie().expect("first") && issued != second.cookie().expect("second"));
    for b in [&first, &second, &fixated] {
        assert_eq!(b.get("/").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let b = app.sign_in("ann@example.org", PASSWORD).await;
    let other = app.sign_in("ann@example.org", PASSWORD).await;
    let old = b.clone_session();
    let res = b.submit("/sign-out", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/sign-in"));
    let cleared = res.session_set_cookie().expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(b.cookie().is_none());
    let replay = old.get("/").await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
    assert_eq!(replay.location(), Some("/sign-in"));
    assert_eq!(old.get("/people/1").await.location(), Some("/sign-in?next=%2Fpeople%2F1"));
    assert_eq!(other.get("/").await.status, StatusCode::OK, "other sessions stay");
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let bob = member_with_password(&app, "bob@example.org", "Bob").await;
    let laptop = app.sign_in("ann@example.org", PASSWORD).await;
    let phone = app.sign_in("ann@example.org", PASSWORD).await;
    let bobs = app.browser_for(bob).await;
    let laptop_old = laptop.clone_session();
    let res = laptop.submit("/sign-out-everywhere", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/sign-in"));
    assert_eq!(phone.get("/").await.location(), Some("/sign-in"), "the other device is signed out");
    assert!(laptop_old.cookie().is_some());
    assert_eq!(laptop_old.get("/").await.location(), Some("/sign-in"), "this device is signed out too");
    assert_eq!(bobs.get("/").await.status, StatusCode::OK, "someone else's sessions stay");
}

#[tokio::test]
async fn changing_the_password_ends_sessions() {
    let app = TestApp::spawn().await;
    member_with_password(&app, "ann@example.org", "Ann").await;
    let laptop = app.sign_in("ann@example.org", PASSWORD).await;
    let phone = app.sign_in("ann@example.org", PASSWORD).await;

    let wrong =
        laptop.submit("/profile/password", &[("current", "not my password"), ("password", "n3w password!")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("current password is not right"), "{}", wrong.body);
    let short = laptop.submit("/profile/password", &[("current", PASSWORD), ("password", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    for guessable in ["password1234", "ann@example.org!", "qwertyuiop123"] {
        let res = laptop.submit("/profile/password", &[("current", PASSWORD), ("password", guessable)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{guessable}");
        assert!(res.body.contains("too easy to guess"), "{guessable}: {}", res.body);
    }
    assert_eq!(phone.get("/").await.status, StatusCode::OK, "failed changes end nothing");
    app.sign_in("ann@example.org", PASSWORD).await; // still the old password

    let res =
        laptop.submit("/profile/password", &[("current", PASSWORD), ("password", "a brand new passphrase")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/sign-in"));
    assert_eq!(phone.get("/").await.location(), Some("/sign-in"), "other sessions end");
    assert_eq!(laptop.get("/").await.location(), Some("/sign-in"), "this session ends too");
    assert_eq!(attempt(&app.browser(), "ann@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    app.sign_in("ann@example.org", "a brand new passphrase").await;
}

#[tokio::test]
async fn a_session_cookie_works_for_api_reads() {
    let app = TestApp::spawn().await;
    let ann = member_with_password(&app, "ann@example.org", "Ann").await;
    let b = app.sign_in("ann@example.org", PASSWORD).await;
    let me = b.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "a session cookie works for API reads");
    assert_eq!(me.json()["id"], json!(ann));
}

#[tokio::test]
async fn an_expired_session_no_longer_works() {
    let app = TestApp::spawn().await;
    let ann = app.add_member("ann@example.org", "Ann", None).await;
    let session = app.store.create_session(ann.id, chrono::Duration::seconds(-1)).await.expect("session");
    let b = app.browser();
    b.set_cookie(Some(session.token));
    assert_eq!(b.get("/").await.location(), Some("/sign-in"));
    b.get("/api/v1/me").await.problem(StatusCode::UNAUTHORIZED);
}
