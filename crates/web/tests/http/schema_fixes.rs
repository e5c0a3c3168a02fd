//! What schemathesis found when it ran against the OpenAPI document
//! (tests/schemathesis/run), each fixed in the server and pinned here: every
//! answer is one the document describes, a value the document allows is
//! taken, and one it forbids is refused with a problem document.

use chrono::{Datelike, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::{conv, schedule, team};
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

/// A component schema the document defines.
fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

/// The component a `$ref` names.
fn target<'a>(doc: &'a Value, r: &Value) -> &'a Value {
    let name = r["$ref"].as_str().and_then(|r| r.rsplit('/').next()).unwrap_or_else(|| panic!("not a $ref: {r}"));
    component(doc, name)
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[tokio::test]
async fn every_answer_these_requests_get_is_documented() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let doc = document(&app).await;

    // A body that is missing or not JSON: 415.
    let res = t.report_api.call(Method::POST, "/api/v1/tokens").await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    documented(&doc, "post", "/api/v1/tokens", &res);
    let res = t
        .report_api
        .send(t.report_api.request(Method::PUT, "/api/v1/me/pulses/current").header("content-type", "text/plain"))
        .await;
    res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    documented(&doc, "put", "/api/v1/me/pulses/current", &res);

    // Only the report shares answers (403 for the leader), and only until it is held (409).
    let (id, qids) = schedule(&t).await;
    let share_one = "/api/v1/conversations/{id}/answers/{question_id}/share";
    let res = t.leader_api.call(Method::POST, &conv(id, &format!("/answers/{}/share", qids[0]))).await;
    res.problem(StatusCode::FORBIDDEN);
    documented(&doc, "post", share_one, &res);
    let res = t.leader_api.call(Method::POST, &conv(id, "/share")).await;
    res.problem(StatusCode::FORBIDDEN);
    documented(&doc, "post", "/api/v1/conversations/{id}/share", &res);
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = t.report_api.call(Method::POST, &conv(id, "/share")).await;
    res.problem(StatusCode::CONFLICT);
    documented(&doc, "post", "/api/v1/conversations/{id}/share", &res);
    let res = t.report_api.call(Method::POST, &conv(id, &format!("/answers/{}/share", qids[0]))).await;
    res.problem(StatusCode::CONFLICT);
    documented(&doc, "post", share_one, &res);

    // Access goes only to the report's current manager.
    let res = t.report_api.call(Method::PUT, &conv(id, &format!("/access/{}", t.peer.id))).await;
    res.problem(StatusCode::CONFLICT);
    documented(&doc, "put", "/api/v1/conversations/{id}/access/{person_id}", &res);

    // A leader may see a report, not change them.
    let res = t.leader_api.patch_json(&format!("/api/v1/people/{}", t.report.id), &json!({"title": "Lead"})).await;
    res.problem(StatusCode::FORBIDDEN);
    documented(&doc, "patch", "/api/v1/people/{id}", &res);
    let res = t.leader_api.call(Method::POST, &format!("/api/v1/people/{}/invites", t.report.id)).await;
    res.problem(StatusCode::FORBIDDEN);
    documented(&doc, "post", "/api/v1/people/{id}/invites", &res);
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
async fn response_schemas_do_not_share_a_name() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let themes = &doc["paths"]["/api/v1/me/themes"]["get"]["responses"]["200"]["content"]["application/json"];
    assert!(target(&doc, &themes["schema"]["items"])["properties"]["conversation_id"].is_object(), "{themes}");
    let history = &doc["paths"]["/api/v1/plans/{id}/history"]["get"]["responses"]["200"]["content"]["application/json"];
    assert!(target(&doc, &history["schema"])["properties"]["differences"].is_object(), "{history}");
    let people = &doc["paths"]["/api/v1/people/import"]["post"]["responses"]["200"]["content"]["application/json"];
    assert!(target(&doc, &people["schema"])["properties"]["unchanged"].is_object(), "{people}");
    let sets = &doc["paths"]["/api/v1/question-sets/import"]["post"]["responses"]["200"]["content"]["application/json"];
    assert!(target(&doc, &sets["schema"])["properties"]["mapping"].is_object(), "{sets}");
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
async fn the_document_lists_the_values_the_server_takes() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let values = |v: &Value| v["enum"].as_array().cloned().unwrap_or_else(|| panic!("no enum: {v}"));
    assert_eq!(
        values(&component(&doc, "NewPersonIn")["properties"]["role"]),
        [json!("member"), json!("admin"), Value::Null]
    );
    assert_eq!(
        values(&component(&doc, "ConversationPatch")["properties"]["state"]),
        [json!("held"), json!("cancelled"), Value::Null]
    );
    let kinds: Vec<Value> = foothold_domain::plan::StepKind::ALL.iter().map(|k| json!(k.as_str())).collect();
    assert_eq!(values(&component(&doc, "StepIn")["properties"]["kind"]), kinds);
    assert_eq!(values(&component(&doc, "ImportIn")["properties"]["format"]), [json!("markdown"), json!("bank")]);
    let zones = values(&component(&doc, "ScheduleIn")["properties"]["time_zone"]);
    assert!(zones.contains(&json!("Europe/London")) && zones.len() > 400, "{} zones", zones.len());
    let note = doc["paths"]["/api/v1/conversations/{id}/notes/{kind}"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "kind"))
        .expect("the kind parameter")
        .clone();
    assert_eq!(values(&note["schema"]), [json!("shared"), json!("private")]);

    // One shape per action, each closed to fields it does not take.
    let decide = component(&doc, "DecideIn")["oneOf"].as_array().expect("oneOf").clone();
    let actions: Vec<Value> = decide.iter().map(|v| v["properties"]["action"]["enum"][0].clone()).collect();
    assert_eq!(actions, [json!("confirm"), json!("dismiss"), json!("merge"), json!("add")]);
    assert!(decide.iter().all(|v| v["additionalProperties"] == json!(false)), "{decide:?}");
    let merge = &decide[2]["properties"]["keys"];
    assert_eq!(merge["minItems"], 2, "{merge}");

    let questions = &component(&doc, "SetIn")["properties"]["questions"];
    assert_eq!((questions["minItems"].as_u64(), questions["maxItems"].as_u64()), (Some(1), Some(60)), "{questions}");
    let cues = &component(&doc, "CustomThemeIn")["properties"]["cues"];
    assert!(cues["contains"].is_object() && cues["minItems"] == 1, "{cues}");
}

#[tokio::test]
async fn a_value_allowed_but_refused_by_what_is_stored_is_a_conflict() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    // A quarter that has not begun: valid, but not yet.
    let next = today().year() + 1;
    let res = t
        .leader_api
        .put_json(&format!("/api/v1/people/{}/performance/{next}-Q1", t.report.id), &json!({"rating": 3}))
        .await;
    res.problem(StatusCode::CONFLICT);

    // A check-in about a step of some other plan.
    let d = today();
    let due = [90, 180, 270, 360].map(|n| d + chrono::Days::new(n));
    let (pid, _) = app.add_plan(t.report.id, t.leader.id, "Europe/London", due).await;
    let plan = t.report_api.get(&format!("/api/v1/plans/{pid}")).await.json();
    let body = json!({"version": plan["version"], "progress": [{"step_id": 999_999, "status": "done"}]});
    let p =
        t.report_api.post_json(&format!("/api/v1/plans/{pid}/checkins/1"), &body).await.problem(StatusCode::CONFLICT);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("not part of this plan")), "{p}");
}

#[tokio::test]
async fn an_import_preview_checks_every_field() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let file = "## Past\n- What made you proud?\n";
    let ok = api.post_json("/api/v1/question-sets/import", &json!({"format": "markdown", "content": file})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    for bad in [
        json!({"format": "markdown", "content": file, "scope": "everyone"}),
        json!({"format": "markdown", "content": file, "name": "   "}),
        json!({"format": "markdown", "content": file, "mapping": {"Growth": "later"}}),
    ] {
        api.post_json("/api/v1/question-sets/import", &bad).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
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
