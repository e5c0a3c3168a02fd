//! Cross-site request forgery: every state-changing request made with a
//! session cookie needs the session's token, and cross-site requests are refused.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Browser, TestApp, csrf_in};

/// An admin with a browser session, and that session's CSRF token.
async fn admin_browser(app: &TestApp) -> (i64, Browser, String) {
    let admin = app.add_admin("admin@example.org", "Ada Admin").await;
    let b = app.browser_for(admin.id).await;
    let csrf = b.csrf().await;
    (admin.id, b, csrf)
}

async fn token_count(app: &TestApp, person: i64) -> usize {
    app.store.api_tokens(person).await.expect("list tokens").len()
}

#[tokio::test]
async fn a_form_post_without_the_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (admin, b, _) = admin_browser(&app).await;
    let res = b.post_form("/profile/tokens", &[("label", "sneaky")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("This form has expired or came from another site"), "{}", res.body);
    assert_eq!(token_count(&app, admin).await, 0);
}

#[tokio::test]
async fn a_wrong_token_is_refused() {
    let app = TestApp::spawn().await;
    let (admin, b, csrf) = admin_browser(&app).await;
    let mut wrong = csrf.clone();
    wrong.replace_range(0..1, if csrf.starts_with('A') { "B" } else { "A" });
    for token in [wrong.as_str(), "", "x"] {
        let res = b.post_form("/profile/tokens", &[("csrf", token), ("label", "sneaky")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "token {token:?}");
    }
    // Another session's token is no good either.
    let other = app.browser_for(admin).await;
    let other_csrf = other.csrf().await;
    assert_ne!(other_csrf, csrf, "each session has its own token");
    let res = b.post_form("/profile/tokens", &[("csrf", &other_csrf), ("label", "sneaky")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(token_count(&app, admin).await, 0);
}

#[tokio::test]
async fn the_right_token_in_the_form_works() {
    let app = TestApp::spawn().await;
    let (admin, b, csrf) = admin_browser(&app).await;
    let res = b.post_form("/profile/tokens", &[("csrf", &csrf), ("label", "my script")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("value=\"fh_"), "the new token is shown once");
    assert_eq!(csrf_in(&res.body).as_deref(), Some(csrf.as_str()), "the token stays the same for the session");
    assert_eq!(token_count(&app, admin).await, 1);
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    let (admin, b, csrf) = admin_browser(&app).await;
    let fields = [("csrf", csrf.as_str()), ("label", "from elsewhere")];
    for (header, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("origin", "null"),
    ] {
        let res = b.send(b.request(Method::POST, "/profile/tokens").header(header, value).form(&fields)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{header}: {value}");
    }
    // Sec-Fetch-Site wins over a same-origin Origin.
    let res = b
        .send(
            b.request(Method::POST, "/profile/tokens")
                .header("sec-fetch-site", "cross-site")
                .header("origin", app.base.as_str())
                .form(&fields),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(token_count(&app, admin).await, 0);
    // This site's own Origin is fine.
    let res =
        b.send(b.request(Method::POST, "/profile/tokens").header("origin", app.base.as_str()).form(&fields)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(token_count(&app, admin).await, 1);
}

#[tokio::test]
async fn cross_site_sign_in_and_sign_out_are_refused() {
    let app = TestApp::spawn().await;
    let ann = app.add_member("ann@example.org", "Ann", None).await;
    app.set_password(ann.id).await;
    let b = app.browser();
    let res = b
        .send(
            b.request(Method::POST, "/sign-in")
                .header("sec-fetch-site", "cross-site")
                .form(&[("email", "ann@example.org"), ("password", crate::harness::PASSWORD)]),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "login CSRF");
    assert!(res.session_set_cookie().is_none());

    let signed_in = app.browser_for(ann.id).await;
    let res = signed_in.post_form("/sign-out", &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "sign-out needs the token too");
    assert_eq!(signed_in.get("/").await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn api_calls_with_a_session_cookie_need_the_header() {
    let app = TestApp::spawn().await;
    let (_, b, csrf) = admin_browser(&app).await;
    let body = json!({"email": "kim@example.org", "name": "Kim"});
    let res = b.send(b.request(Method::POST, "/api/v1/people").json(&body)).await;
    res.problem(StatusCode::FORBIDDEN);
    let res = b.send(b.request(Method::POST, "/api/v1/people").header("x-csrf-token", "wrong").json(&body)).await;
    res.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.people().await.len(), 1, "nobody was added");

    let res = b.send(b.request(Method::POST, "/api/v1/people").header("x-csrf-token", &csrf).json(&body)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.json()["id"].as_i64().expect("id");
    let res = b
        .send(
            b.request(Method::PATCH, &format!("/api/v1/people/{id}"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"title": "Engineer"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.person(id).await.title, "Engineer");

    let res = b
        .send(
            b.request(Method::POST, "/api/v1/people")
                .header("x-csrf-token", &csrf)
                .header("origin", "https://evil.example")
                .json(&json!({"email": "eve@example.org", "name": "Eve"})),
        )
        .await;
    res.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.people().await.len(), 2);
}

#[tokio::test]
async fn bearer_token_calls_need_no_csrf_token() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let res = api.post_json("/api/v1/people", &json!({"email": "kim@example.org", "name": "Kim"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.json()["id"].as_i64().expect("id");
    let res = api.patch_json(&format!("/api/v1/people/{id}"), &json!({"title": "Lead"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn a_multipart_upload_without_the_token_is_refused() {
    let app = TestApp::spawn().await;
    let (_, b, csrf) = admin_browser(&app).await;
    let csv = b"email,name,title,department,manager_email\nkim@example.org,Kim,,,\n";
    let res = b.post_multipart("/people/import", &[], csv).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = b.post_multipart("/people/import", &[("csrf", "wrong")], csv).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(app.people().await.len(), 1, "nothing was imported");
    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], csv).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.people().await.len(), 2);
}
