//! What schemathesis found when it ran against the OpenAPI document
//! (tests/schemathesis/run), each fixed in the server and pinned here: every
//! answer is one the document describes, a value the document allows is
//! taken, and one it forbids is refused with a problem document.

use chrono::{Datelike, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::team;
use crate::harness::{Resp, TestApp};

async fn document(app: &TestApp) -> Value {
    app.anonymous_api().get("/api/v1/openapi.json").await.json()
}

/// Asserts that the document lists `res`'s status, as a problem document
/// when it is an error, for this operation.
fn documented(doc: &Value, method: &str, path: &str, res: &Resp) {
    let status = res.status.as_u16().to_string();
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let answer = &op["responses"][&status];
    assert!(answer.is_object(), "{method} {path} answered {status}, which it does not document: {}", res.body);
    if res.status.is_client_error() {
        assert!(answer["content"]["application/problem+json"].is_object(), "{method} {path} {status}: {answer}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"), "{}", res.body);
    }
}

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

#[tokio::test]
async fn a_bad_query_string_is_a_problem_document() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let doc = document(&app).await;
    let res = api.get("/api/v1/me/audit?before=9223372036854775808").await;
    let p = res.problem(StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("before")), "{p}");
    documented(&doc, "get", "/api/v1/me/audit", &res);
}

#[tokio::test]
async fn query_parameters_are_documented_in_the_query() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for (path, names) in [("/api/v1/insight", &["group"][..]), ("/api/v1/plans/{id}/history", &["from", "to"])] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().expect("parameters");
        for name in names {
            let p = params.iter().find(|p| p["name"] == *name).unwrap_or_else(|| panic!("{path}: no {name}"));
            assert_eq!(p["in"], "query", "{path}: {p}");
        }
    }
}

#[tokio::test]
async fn a_whole_number_written_with_a_fraction_is_an_integer() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let res = api
        .put_json(
            "/api/v1/me/pulses/current",
            &json!({"energy": 4.0, "strengths": 5, "path": 3e0, "ownership": 2, "support": 1.0, "enps": 9.0}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!((res.json()["energy"].as_i64(), res.json()["enps"].as_i64()), (Some(4), Some(9)));

    // A fraction is not an integer, and neither is a number beyond 64 bits
    // that only rounds to one.
    let res = api
        .put_json(
            "/api/v1/me/pulses/current",
            &json!({"energy": 4.5, "strengths": 5, "path": 3, "ownership": 2, "support": 1, "enps": 9}),
        )
        .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let body =
        r#"{"name": "Mine", "questions": [{"category": "past", "text": "Why?"}], "version": -9223372036854775809}"#;
    let res = api
        .send(api.request(Method::POST, "/api/v1/question-sets").header("content-type", "application/json").body(body))
        .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);

    // The same in a path or a query string.
    let me = api.get("/api/v1/me").await.json();
    let res = api.get(&format!("/api/v1/people/{}.0", me["id"])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["id"], me["id"]);
    let res = api.get("/api/v1/me/audit?before=1e3").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    api.get(&format!("/api/v1/people/{}.5", me["id"])).await.problem(StatusCode::BAD_REQUEST);
    api.get("/api/v1/me/audit?before=0.5").await.problem(StatusCode::BAD_REQUEST);
}
