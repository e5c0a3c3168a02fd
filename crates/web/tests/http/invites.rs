//! Invite links: set a password once, then you are signed in.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Api, TestApp, id_of};

const NEW_PASSWORD: &str = "my very own passphrase";

/// Adds Kim through the API and returns her id and the path of a fresh invite.
async fn invited_kim(api: &Api) -> (i64, String) {
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await;
    let path = invite_path(api, id_of(&kim)).await;
    (id_of(&kim), path)
}

async fn invite_path(api: &Api, id: i64) -> String {
    let res = api.post_json(&format!("/api/v1/people/{id}/invites"), &json!({})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let url = res.json()["url"].as_str().expect("url").to_owned();
    let path = url::Url::parse(&url).expect("an absolute URL").path().to_owned();
    assert!(path.starts_with("/invite/"), "{url}");
    path
}

#[tokio::test]
async fn an_invite_sets_the_password_once_and_signs_in() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await;
    let res = api.post_json(&format!("/api/v1/people/{}/invites", id_of(&kim)), &json!({})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let invite = res.json();
    let url = invite["url"].as_str().expect("url");
    assert!(url.starts_with(&app.url("/invite/")), "links use the base URL: {url}");
    let expires: chrono::DateTime<chrono::Utc> =
        invite["expires_at"].as_str().expect("expires_at").parse().expect("a timestamp");
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "valid for 7 days, got {days} hours");
    let path = url.trim_start_matches(app.base.as_str()).to_owned();

    let b = app.browser();
    let form = b.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Welcome, Kim Lee") && form.body.contains("kim@example.org"), "{}", form.body);
    assert!(form.body.contains(&format!(r#"action="{path}""#)), "{}", form.body);

    let mismatch = b.post_form(&path, &[("password", NEW_PASSWORD), ("confirm", "my very own passphrasE")]).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("The two passwords are not the same."), "{}", mismatch.body);
    let short = b.post_form(&path, &[("password", "short"), ("confirm", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("must be at least 12 characters long"), "{}", short.body);
    assert!(short.session_set_cookie().is_none());
    assert!(!app.person(id_of(&kim)).await.has_password);
    assert_eq!(b.get(&path).await.status, StatusCode::OK, "the invite still works after mistakes");

    let res = b.post_form(&path, &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/"));
    let cookie = res.session_set_cookie().expect("signed in");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Hello, Kim Lee"), "{}", home.body);
    assert!(app.person(id_of(&kim)).await.has_password);
    assert_eq!(api.get(&format!("/api/v1/people/{}", id_of(&kim))).await.json()["invited"], false);

    // Used up.
    let again = app.browser();
    let res = again.get(&path).await;
    assert_eq!(res.status, StatusCode::GONE, "{}", res.body);
    assert!(res.body.contains("used already"), "{}", res.body);
    let res = again.post_form(&path, &[("password", "attacker's password"), ("confirm", "attacker's password")]).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.session_set_cookie().is_none());
    app.sign_in("kim@example.org", NEW_PASSWORD).await;
}

#[tokio::test]
async fn an_expired_invite_is_gone() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await;
    let token = app.store.create_invite(id_of(&kim), chrono::Duration::seconds(-1)).await.expect("invite");
    let path = format!("/invite/{token}");
    let b = app.browser();
    let res = b.get(&path).await;
    assert_eq!(res.status, StatusCode::GONE, "{}", res.body);
    assert!(res.body.contains("expired"), "{}", res.body);
    let res = b.post_form(&path, &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.session_set_cookie().is_none());
    assert!(!app.person(id_of(&kim)).await.has_password);
}

#[tokio::test]
async fn a_new_invite_replaces_the_old_one() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let (kim, old) = invited_kim(&api).await;
    let new = invite_path(&api, kim).await;
    assert_ne!(old, new);
    let b = app.browser();
    assert_eq!(b.get(&old).await.status, StatusCode::GONE);
    let res = b.post_form(&old, &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert_eq!(b.get(&new).await.status, StatusCode::OK);
    let res = b.post_form(&new, &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_links_and_inactive_people_get_no_invite() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let res = app.browser().get("/invite/not-a-token").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let (kim, path) = invited_kim(&api).await;
    let res = api.patch_json(&format!("/api/v1/people/{kim}"), &json!({"active": false})).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.browser().get(&path).await.status, StatusCode::NOT_FOUND, "a deactivated person's link dies");
    let res = api.post_json(&format!("/api/v1/people/{kim}/invites"), &json!({})).await;
    res.problem(StatusCode::CONFLICT);
    api.post_json("/api/v1/people/987654/invites", &json!({})).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_invite_can_be_accepted_in_a_browser_where_someone_is_signed_in() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let (kim, path) = invited_kim(&api).await;
    let b = app.browser_for(admin.id).await;
    let form = b.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    // Submit exactly what the page's form holds: its hidden fields plus the two passwords.
    let hidden = crate::harness::hidden_fields(&form.body, &path);
    let mut fields: Vec<(&str, &str)> = hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.extend([("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]);
    let res = b.post_form(&path, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(app.person(kim).await.has_password);
    let me = b.get("/api/v1/me").await;
    assert_eq!(me.json()["id"], json!(kim), "the browser now holds the invited person's session");
}
