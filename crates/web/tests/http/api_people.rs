//! `/api/v1/me` and `/api/v1/people`: authentication, validation, conflicts and visibility.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, id_of};

#[tokio::test]
async fn no_or_bad_credentials_get_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.admin_api().await;
    let (revoked, secret) = app.store.create_api_token(admin.id, "old").await.expect("token");
    app.store.revoke_api_token(admin.id, revoked.id).await.expect("revoke");
    let cases = [
        ("none", app.anonymous_api()),
        ("garbage", app.api_as("fh_not-a-real-token")),
        ("revoked", app.api_as(&secret)),
    ];
    for (what, api) in cases {
        for path in ["/api/v1/me", "/api/v1/people", "/api/v1/tokens"] {
            let res = api.get(path).await;
            let p = res.problem(StatusCode::UNAUTHORIZED);
            assert_eq!(res.header("www-authenticate"), Some("Bearer"), "{what} {path}");
            assert!(p["detail"].as_str().is_some_and(|d| d.contains("Authorization: Bearer")), "{p}");
        }
    }
    let res = app.anonymous_api().post_json("/api/v1/people", &json!({"email": "a@b.co", "name": "A"})).await;
    res.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.people().await.len(), 1);
}

#[tokio::test]
async fn me_is_the_token_owner() {
    let app = TestApp::spawn().await;
    let admin = app.add_admin("admin@example.org", "Ada Admin").await;
    app.set_password(admin.id).await;
    let me = app.api_for(admin.id).await.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.header("content-type"), Some("application/json"));
    let me = me.json();
    assert_eq!(me["id"], json!(admin.id));
    assert_eq!(me["email"], "admin@example.org");
    assert_eq!(me["name"], "Ada Admin");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["active"], true);
    assert_eq!(me["invited"], false);
    assert_eq!(me["version"], 1);
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn admins_create_read_and_list_people() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let boss = api.create_person(json!({"email": "Boss@Example.org", "name": "  Bo Boss ", "role": "admin"})).await;
    assert_eq!(boss["email"], "boss@example.org", "addresses are lower-cased");
    assert_eq!(boss["name"], "Bo Boss", "names are trimmed");
    assert_eq!(boss["role"], "admin");
    let res = api
        .post_json(
            "/api/v1/people",
            &json!({"email": "kim@example.org", "name": "Kim Lee", "title": "Engineer", "department": "Platform",
                    "manager_id": id_of(&boss)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let kim = res.json();
    assert_eq!(kim["title"], "Engineer");
    assert_eq!(kim["department"], "Platform");
    assert_eq!(kim["manager_id"], boss["id"]);
    assert_eq!(kim["role"], "member", "member is the default role");
    assert_eq!(kim["active"], true);
    assert_eq!(kim["invited"], true, "no password yet");
    assert_eq!(kim["version"], 1);

    let got = api.get(&format!("/api/v1/people/{}", id_of(&kim))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json(), kim);
    let list = api.get("/api/v1/people").await;
    assert_eq!(list.status, StatusCode::OK);
    let emails: Vec<Value> = list.json().as_array().expect("an array").iter().map(|p| p["email"].clone()).collect();
    assert_eq!(emails, vec![json!("admin@example.org"), json!("boss@example.org"), json!("kim@example.org")]);
    let stored = app.person(id_of(&kim)).await;
    assert_eq!((stored.manager_id, stored.department.as_deref()), (Some(id_of(&boss)), Some("Platform")));
    let _ = admin;
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict_whatever_its_case() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    api.create_person(json!({"email": "kim@example.org", "name": "Kim"})).await;
    for email in ["kim@example.org", "KIM@Example.ORG", "  kim@example.org "] {
        let res = api.post_json("/api/v1/people", &json!({"email": email, "name": "Kim Two"})).await;
        let p = res.problem(StatusCode::CONFLICT);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("kim@example.org")), "{p}");
    }
    assert_eq!(app.people().await.len(), 2);
}

#[tokio::test]
async fn malformed_bodies_get_clear_problems() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let post = |rb: reqwest::RequestBuilder| api.send(rb);

    let res =
        api.post_json("/api/v1/people", &json!({"email": "kim@example.org", "name": "Kim", "nickname": "K"})).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("nickname")), "names the unknown field: {p}");

    let res = post(
        api.request(Method::POST, "/api/v1/people")
            .header("content-type", "text/plain")
            .body(r#"{"email":"kim@example.org","name":"Kim"}"#),
    )
    .await;
    let p = res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("application/json")), "{p}");
    let res =
        post(api.request(Method::POST, "/api/v1/people").body(r#"{"email":"kim@example.org","name":"Kim"}"#)).await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let res = post(
        api.request(Method::POST, "/api/v1/people")
            .header("content-type", "application/json")
            .body(r#"{"email": "kim@example.org", "name": "Kim""#),
    )
    .await;
    res.problem(StatusCode::BAD_REQUEST);

    let res = api.post_json("/api/v1/people", &json!({"email": "kim@example.org", "name": 7})).await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let res = api.post_json("/api/v1/people", &json!({"name": "Kim"})).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("email")), "{p}");

    let res = api.post_json("/api/v1/people", &json!({"email": "not-an-address", "name": "Kim"})).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.starts_with("email:")), "{p}");
    let res = api.post_json("/api/v1/people", &json!({"email": "kim@example.org", "name": " "})).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.starts_with("name:")), "{p}");
    let res =
        api.post_json("/api/v1/people", &json!({"email": "kim@example.org", "name": "Kim", "role": "root"})).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("root")), "{p}");
    let res =
        api.post_json("/api/v1/people", &json!({"email": "kim@example.org", "name": "Kim", "manager_id": 999})).await;
    res.problem(StatusCode::CONFLICT);

    assert_eq!(app.people().await.len(), 1, "nothing was created");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let body = json!({"email": "kim@example.org", "name": "Kim", "title": "x".repeat(foothold_web::BODY_LIMIT)});
    let res = api.post_json("/api/v1/people", &body).await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.people().await.len(), 1);
    // Just under the limit is read (and then refused for its content, not its size).
    let body = json!({"email": "kim@example.org", "name": "Kim", "title": "x".repeat(foothold_web::BODY_LIMIT - 100)});
    api.post_json("/api/v1/people", &body).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn patch_changes_only_what_is_sent() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let boss = api.create_person(json!({"email": "boss@example.org", "name": "Boss"})).await;
    let kim = api
        .create_person(json!({"email": "kim@example.org", "name": "Kim", "title": "Engineer", "department": "Core",
                               "manager_id": id_of(&boss)}))
        .await;
    let path = format!("/api/v1/people/{}", id_of(&kim));
    let res = api.patch_json(&path, &json!({"title": "Senior Engineer", "version": 1})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v2 = res.json();
    assert_eq!(v2["title"], "Senior Engineer");
    assert_eq!(v2["manager_id"], boss["id"], "absent fields stay");
    assert_eq!(v2["department"], "Core");
    assert_eq!(v2["version"], 2);

    let res = api.patch_json(&path, &json!({"manager_id": null, "department": null})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v3 = res.json();
    assert_eq!(v3["manager_id"], Value::Null, "null clears the manager");
    assert_eq!(v3["department"], Value::Null, "null clears the department");
    assert_eq!(v3["version"], 3);
    let stored = app.person(id_of(&kim)).await;
    assert_eq!((stored.manager_id, stored.department), (None, None));

    let res = api.patch_json(&path, &json!({"email": "BOSS@example.org"})).await;
    res.problem(StatusCode::CONFLICT);
    let res = api.patch_json(&path, &json!({"role": "owner"})).await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let res = api.patch_json(&path, &json!({"shoe_size": 44})).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("shoe_size")), "{p}");
    let res = api.patch_json("/api/v1/people/987654", &json!({"title": "Ghost"})).await;
    res.problem(StatusCode::NOT_FOUND);
    assert_eq!(app.person(id_of(&kim)).await.version, 3, "refused patches change nothing");
}

#[tokio::test]
async fn a_reporting_cycle_is_refused() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let top = api.create_person(json!({"email": "top@example.org", "name": "Top"})).await;
    let mid = api.create_person(json!({"email": "mid@example.org", "name": "Mid", "manager_id": id_of(&top)})).await;
    let low = api.create_person(json!({"email": "low@example.org", "name": "Low", "manager_id": id_of(&mid)})).await;
    let before = app.people().await;
    for (who, manager) in [(&top, &low), (&top, &mid), (&mid, &low), (&top, &top)] {
        let res =
            api.patch_json(&format!("/api/v1/people/{}", id_of(who)), &json!({"manager_id": id_of(manager)})).await;
        res.problem(StatusCode::CONFLICT);
    }
    assert_eq!(app.people().await, before, "nothing changed");
}

#[tokio::test]
async fn a_stale_version_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim", "title": "Engineer"})).await;
    let path = format!("/api/v1/people/{}", id_of(&kim));
    assert_eq!(api.patch_json(&path, &json!({"title": "Lead", "version": 1})).await.status, StatusCode::OK);
    let before = app.person(id_of(&kim)).await;
    let res = api.patch_json(&path, &json!({"title": "Principal", "name": "Kimberly", "version": 1})).await;
    let p = res.problem(StatusCode::CONFLICT);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("changed this since you loaded it")), "{p}");
    assert_eq!(app.person(id_of(&kim)).await, before);
    assert_eq!(before.title, "Lead");
}

#[tokio::test]
async fn deactivating_someone_signs_them_out() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let browser = app.browser_for(kim.id).await;
    let kims_api = app.api_for(kim.id).await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert_eq!(kims_api.get("/api/v1/me").await.status, StatusCode::OK);

    let path = format!("/api/v1/people/{}", kim.id);
    let res = api.patch_json(&path, &json!({"active": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["active"], false);
    assert_eq!(browser.get("/").await.location(), Some("/sign-in"));
    kims_api.get("/api/v1/me").await.problem(StatusCode::UNAUTHORIZED);

    // The session is gone, not just suspended: reactivating does not bring it back.
    assert_eq!(api.patch_json(&path, &json!({"active": true})).await.status, StatusCode::OK);
    assert_eq!(browser.get("/").await.location(), Some("/sign-in"));

    // Admins cannot lock themselves out.
    let res = api.patch_json(&format!("/api/v1/people/{}", admin.id), &json!({"active": false})).await;
    res.problem(StatusCode::CONFLICT);
    let res = api.patch_json(&format!("/api/v1/people/{}", admin.id), &json!({"role": "member"})).await;
    res.problem(StatusCode::CONFLICT);
    assert!(app.person(admin.id).await.active);
}

#[tokio::test]
async fn members_cannot_see_others_and_cannot_tell_them_from_nobody() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let lou = app.add_member("lou@example.org", "Lou", None).await;
    let api = app.api_for(kim.id).await;
    let hidden = api.get(&format!("/api/v1/people/{}", lou.id)).await;
    let p_hidden = hidden.problem(StatusCode::NOT_FOUND);
    let missing = api.get("/api/v1/people/987654").await;
    let p_missing = missing.problem(StatusCode::NOT_FOUND);
    assert_eq!(p_hidden, p_missing, "a hidden person looks exactly like a missing one");
    let own = api.get(&format!("/api/v1/people/{}", kim.id)).await;
    assert_eq!(own.status, StatusCode::OK);
}

#[tokio::test]
async fn members_cannot_add_people() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let api = app.api_for(kim.id).await;
    let res =
        api.post_json("/api/v1/people", &json!({"email": "new@example.org", "name": "New", "role": "admin"})).await;
    res.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.people().await.len(), 1);
}

#[tokio::test]
async fn leaders_see_their_line_and_tree_but_not_other_teams() {
    let app = TestApp::spawn().await;
    let _admin = app.add_admin("admin@example.org", "Admin").await;
    let ceo = app.add_member("ceo@example.org", "Ceo", None).await;
    let lead = app.add_member("lead@example.org", "Lead", Some(ceo.id)).await;
    let r1 = app.add_member("r1@example.org", "R1", Some(lead.id)).await;
    let r2 = app.add_member("r2@example.org", "R2", Some(lead.id)).await;
    let r11 = app.add_member("r11@example.org", "R11", Some(r1.id)).await;
    let other_lead = app.add_member("other@example.org", "Other Lead", Some(ceo.id)).await;
    let _other_report = app.add_member("o1@example.org", "O1", Some(other_lead.id)).await;
    let _loner = app.add_member("loner@example.org", "Loner", None).await;

    let visible = |api: crate::harness::Api| async move {
        let res = api.get("/api/v1/people").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let mut emails: Vec<String> = res
            .json()
            .as_array()
            .expect("array")
            .iter()
            .map(|p| p["email"].as_str().expect("email").to_owned())
            .collect();
        emails.sort();
        emails
    };
    assert_eq!(
        visible(app.api_for(lead.id).await).await,
        ["ceo@example.org", "lead@example.org", "r11@example.org", "r1@example.org", "r2@example.org"]
    );
    assert_eq!(
        visible(app.api_for(r11.id).await).await,
        ["ceo@example.org", "lead@example.org", "r11@example.org", "r1@example.org"]
    );
    assert_eq!(visible(app.api_for(ceo.id).await).await.len(), 7, "the top of the tree sees all of it");
    let lead_api = app.api_for(lead.id).await;
    assert_eq!(lead_api.get(&format!("/api/v1/people/{}", r11.id)).await.status, StatusCode::OK);
    assert_eq!(lead_api.get(&format!("/api/v1/people/{}", ceo.id)).await.status, StatusCode::OK);
    lead_api.get(&format!("/api/v1/people/{}", other_lead.id)).await.problem(StatusCode::NOT_FOUND);
    let _ = r2;
}
