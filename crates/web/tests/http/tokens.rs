//! `/api/v1/tokens`: personal API tokens.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, id_of};

fn listed(res: &crate::harness::Resp) -> Vec<Value> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json().as_array().expect("an array").clone()
}

#[tokio::test]
async fn create_list_use_and_revoke() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let api = app.api_for(kim.id).await;

    let res = api.post_json("/api/v1/tokens", &json!({"label": "  HR sync  "})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let made = res.json();
    let secret = made["token"].as_str().expect("the secret is shown once").to_owned();
    assert!(secret.starts_with("fh_") && secret.len() > 40, "{secret}");
    assert_eq!(made["label"], "HR sync");

    let res = api.get("/api/v1/tokens").await;
    assert!(!res.body.contains(&secret), "the listing never shows a secret");
    let tokens = listed(&res);
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["id"], made["id"], "newest first");
    assert!(tokens.iter().all(|t| t.get("token").is_none()), "{tokens:?}");
    assert_eq!(tokens[0]["last_used_at"], Value::Null, "not used yet");
    assert!(tokens[1]["last_used_at"].is_string(), "the calling token's use is noted: {tokens:?}");
    assert_eq!(tokens[0]["revoked_at"], Value::Null);

    let new_api = app.api_as(&secret);
    let me = new_api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["id"], json!(kim.id));
    let tokens = listed(&api.get("/api/v1/tokens").await);
    assert!(tokens[0]["last_used_at"].is_string(), "use is noted: {tokens:?}");

    let res = api.delete(&format!("/api/v1/tokens/{}", id_of(&made))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["revoked_at"].is_string());
    new_api.get("/api/v1/me").await.problem(StatusCode::UNAUTHORIZED);
    let tokens = listed(&api.get("/api/v1/tokens").await);
    assert!(tokens[0]["revoked_at"].is_string(), "revoked tokens stay listed as revoked");
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::OK, "other tokens keep working");
}

#[tokio::test]
async fn someone_elses_token_cannot_be_revoked() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let admin = app.add_admin("admin@example.org", "Admin").await;
    let (kims_token, kims_secret) = app.store.create_api_token(kim.id, "kim's").await.expect("token");
    let admin_api = app.api_for(admin.id).await;
    let res = admin_api.delete(&format!("/api/v1/tokens/{}", kims_token.id)).await;
    res.problem(StatusCode::NOT_FOUND);
    admin_api.delete("/api/v1/tokens/987654").await.problem(StatusCode::NOT_FOUND);
    assert_eq!(app.api_as(&kims_secret).get("/api/v1/me").await.status, StatusCode::OK, "still works");
    let listed_by_admin = listed(&admin_api.get("/api/v1/tokens").await);
    assert!(listed_by_admin.iter().all(|t| t["id"] != json!(kims_token.id)), "one sees only one's own tokens");
}

#[tokio::test]
async fn labels_are_checked() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let api = app.api_for(kim.id).await;
    api.post_json("/api/v1/tokens", &json!({"label": "   "})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    api.post_json("/api/v1/tokens", &json!({"label": "x".repeat(101)})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let p = api.post_json("/api/v1/tokens", &json!({"label": "ok", "scope": "all"})).await;
    let p = p.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("scope")), "{p}");
    assert_eq!(app.store.api_tokens(kim.id).await.expect("tokens").len(), 1);
}

#[tokio::test]
async fn revoking_with_a_session_needs_the_csrf_header() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let (token, secret) = app.store.create_api_token(kim.id, "script").await.expect("token");
    let b = app.browser_for(kim.id).await;
    let path = format!("/api/v1/tokens/{}", token.id);
    b.send(b.request(Method::DELETE, &path)).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.api_as(&secret).get("/api/v1/me").await.status, StatusCode::OK);
    let csrf = b.csrf().await;
    let res = b.send(b.request(Method::DELETE, &path).header("x-csrf-token", csrf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.api_as(&secret).get("/api/v1/me").await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_profile_page_makes_and_revokes_tokens() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let b = app.browser_for(kim.id).await;
    let res = b.submit("/profile/tokens", &[("label", "laptop")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let start = res.body.find(r#"id="new-token" class="copy" readonly value=""#).expect("the new token is shown");
    let rest = &res.body[start..];
    let secret = rest.split("value=\"").nth(1).and_then(|s| s.split('"').next()).expect("a value").to_owned();
    assert!(secret.starts_with("fh_"), "{secret}");
    assert_eq!(app.api_as(&secret).get("/api/v1/me").await.status, StatusCode::OK);
    let profile = b.get("/profile").await;
    assert!(!profile.body.contains(&secret), "shown once only");
    let id = app.store.api_tokens(kim.id).await.expect("tokens")[0].id;
    let res = b.submit(&format!("/profile/tokens/{id}/revoke"), &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Token revoked."));
    app.api_as(&secret).get("/api/v1/me").await.problem(StatusCode::UNAUTHORIZED);
}
