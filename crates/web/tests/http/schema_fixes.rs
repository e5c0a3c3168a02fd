//! What schemathesis found when it ran against the OpenAPI document
//! (tests/schemathesis/run), each fixed in the server and pinned here: every
//! answer is one the document describes, a value the document allows is
//! taken, and one it forbids is refused with a problem document.

use chrono::{Datelike, NaiveDate};
use reqwest::StatusCode;
use serde_json::json;

use crate::conversations::team;
use crate::harness::TestApp;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[tokio::test]
async fn a_made_up_plan_version_is_stale_not_a_crash() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let d = today();
    let due = [90, 180, 270, 360].map(|n| d + chrono::Days::new(n));
    let (pid, _) = app.add_plan(t.report.id, t.leader.id, "Europe/London", due).await;
    let end = d + chrono::Days::new(300);
    let res = t
        .report_api
        .patch_json(&format!("/api/v1/plans/{pid}"), &json!({"version": i64::MAX, "ends_on": end.to_string()}))
        .await;
    res.problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_e_mail_address_is_limited_in_characters() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    // 212 characters, 412 bytes.
    let long = format!("{}@example.org", "é".repeat(200));
    let res = api.post_json("/api/v1/people", &json!({"email": long, "name": "Zoë"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = api
        .post_json("/api/v1/people", &json!({"email": format!("{}@example.org", "a".repeat(250)), "name": "A"}))
        .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn long_texts_count_their_length_as_sent() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let url = format!("/api/v1/people/{}/performance/{}-Q1", t.report.id, today().year() - 1);
    let fits = format!("{}\n", "x".repeat(9_999));
    let res = t.leader_api.put_json(&url, &json!({"rating": 3, "narrative": fits})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let version = res.json()["version"].clone();
    let padded = format!(" {} ", "x".repeat(9_999));
    let p = t
        .leader_api
        .put_json(&url, &json!({"rating": 3, "narrative": padded, "version": version}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("10000")), "{p}");
}
