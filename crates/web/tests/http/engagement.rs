//! The pulse and performance views over HTTP: a pulse answer is read back by
//! its author only; performance views are for the member, their leader and admins.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::conversations::team;
use crate::harness::TestApp;

fn pulse(e: i64, s: i64, p: i64, o: i64, u: i64, enps: i64) -> Value {
    json!({"energy": e, "strengths": s, "path": p, "ownership": o, "support": u, "enps": enps})
}

fn this_quarter() -> String {
    use chrono::Datelike;
    let d = chrono::Utc::now().date_naive();
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

#[tokio::test]
async fn a_pulse_answer_is_read_back_by_its_author_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let res = t.report_api.put_json("/api/v1/me/pulses/current", &pulse(4, 5, 2, 3, 4, 9)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Re-answering in the same quarter replaces the answer.
    let res = t.report_api.put_json("/api/v1/me/pulses/current", &pulse(4, 5, 3, 3, 4, 8)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mine = t.report_api.get("/api/v1/me/pulses").await.json();
    let mine = mine.as_array().expect("list");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["quarter"], this_quarter());
    assert_eq!((mine[0]["path"].as_i64(), mine[0]["enps"].as_i64()), (Some(3), Some(8)));

    // Bad answers are refused and change nothing.
    for bad in [pulse(0, 5, 3, 3, 4, 8), pulse(4, 6, 3, 3, 4, 8), pulse(4, 5, 3, 3, 4, 11), json!({"energy": 3})] {
        let res = t.report_api.put_json("/api/v1/me/pulses/current", &bad).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", res.body);
    }
    assert_eq!(t.report_api.get("/api/v1/me/pulses").await.json()[0]["path"], 3);

    // Nobody else reads it: not the leader, not an admin.
    for api in [&t.leader_api, &t.admin_api, &t.skip_api] {
        let theirs = api.get("/api/v1/me/pulses").await.json();
        assert_eq!(theirs, json!([]), "only their own answers");
    }
    let page = app.browser_for(t.leader.id).await.get("/pulse").await;
    assert!(!page.body.contains("<td>8</td>"), "the leader's pulse page holds only their own history");
    let page = app.browser_for(t.report.id).await.get("/pulse").await;
    assert!(page.body.contains("Your answers over time") && page.body.contains("<td>8</td>"), "{}", page.body);
}

#[tokio::test]
async fn the_pulse_page_keeps_a_partial_answer_and_explains_what_is_missing() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let b = app.browser_for(t.report.id).await;
    let res = b
        .submit("/pulse", &[("energy", "4"), ("strengths", "5"), ("path", "2"), ("ownership", "3"), ("enps", "7")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("support: must be from 1"), "{}", res.body);
    assert!(res.body.contains(r#"name="path" value="2" checked"#), "what was chosen stays chosen");
    assert_eq!(t.report_api.get("/api/v1/me/pulses").await.json(), json!([]));
    let res = b
        .submit(
            "/pulse",
            &[("energy", "4"), ("strengths", "5"), ("path", "2"), ("ownership", "3"), ("support", "4"), ("enps", "7")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(t.report_api.get("/api/v1/me/pulses").await.json()[0]["support"], 4);
}

#[tokio::test]
async fn performance_views_are_written_by_the_leader_and_commented_by_the_member() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let q = this_quarter();
    let url = format!("/api/v1/people/{}/performance/{q}", t.report.id);
    let res = t.leader_api.put_json(&url, &json!({"rating": 4, "narrative": "Led the research pairing."})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let view = res.json();
    assert_eq!(view["rating_label"], "Exceeding expectations");
    let id = view["id"].as_i64().expect("id");

    // The member reads it and comments; the admin reads it.
    let list = format!("/api/v1/people/{}/performance", t.report.id);
    for api in [&t.report_api, &t.leader_api, &t.admin_api] {
        let res = api.get(&list).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()[0]["narrative"], "Led the research pairing.");
    }
    let res = t
        .report_api
        .put_json(
            &format!("/api/v1/performance/{id}/comment"),
            &json!({"comment": "Thanks: next, the guild.", "version": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["member_comment"], "Thanks: next, the guild.");

    // Nobody else; and each writes only their part.
    for api in [&t.peer_api, &t.skip_api, &t.other_lead_api] {
        api.get(&list).await.problem(StatusCode::NOT_FOUND);
        api.put_json(&url, &json!({"rating": 1})).await.problem(StatusCode::NOT_FOUND);
    }
    t.report_api.put_json(&url, &json!({"rating": 5})).await.problem(StatusCode::FORBIDDEN);
    t.admin_api.put_json(&url, &json!({"rating": 5})).await.problem(StatusCode::FORBIDDEN);
    t.leader_api
        .put_json(&format!("/api/v1/performance/{id}/comment"), &json!({"comment": "Not mine", "version": 2}))
        .await
        .problem(StatusCode::FORBIDDEN);
    // Stale versions, bad ratings and future quarters change nothing.
    t.leader_api.put_json(&url, &json!({"rating": 2, "version": 1})).await.problem(StatusCode::CONFLICT);
    for bad in [json!({"rating": 0, "version": 2}), json!({"rating": 6, "version": 2})] {
        t.leader_api.put_json(&url, &bad).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let future = format!("/api/v1/people/{}/performance/2999-Q1", t.report.id);
    t.leader_api.put_json(&future, &json!({"rating": 3})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let bad_q = format!("/api/v1/people/{}/performance/Q1", t.report.id);
    t.leader_api.put_json(&bad_q, &json!({"rating": 3})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let after = t.report_api.get(&list).await.json();
    assert_eq!(after.as_array().expect("list").len(), 1);
    assert_eq!(after[0]["rating"], 4);
    assert_eq!(after[0]["member_comment"], "Thanks: next, the guild.");

    // The pages: the leader's form, the member's comment box.
    let page = app.browser_for(t.leader.id).await.get(&format!("/people/{}/performance", t.report.id)).await;
    assert!(page.body.contains("Save the view") && !page.body.contains("Save my comment"), "{}", page.body);
    let page = app.browser_for(t.report.id).await.get(&format!("/people/{}/performance", t.report.id)).await;
    assert!(page.body.contains("Save my comment") && !page.body.contains("Save the view"), "{}", page.body);
    let page = app.browser_for(t.peer.id).await.get(&format!("/people/{}/performance", t.report.id)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_pulse_round_asks_the_people_in_its_group_until_they_answer() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let admin = app.browser_for(t.admin.id).await;
    let today = chrono::Utc::now().date_naive();
    use chrono::Datelike;
    let quarter_end = chrono::NaiveDate::from_ymd_opt(today.year(), ((today.month() - 1) / 3 + 1) * 3, 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt())
        .expect("quarter end");
    // Past the quarter's end is refused.
    let late = (quarter_end + chrono::Days::new(1)).to_string();
    let res =
        admin.submit("/insight/rounds", &[("group", &format!("tree-{}", t.leader.id)), ("closes_on", &late)]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    let res = admin
        .submit(
            "/insight/rounds",
            &[("group", &format!("tree-{}", t.leader.id)), ("closes_on", &quarter_end.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Lee's reports are asked; Olga, outside Lee's tree, is not.
    let report = app.browser_for(t.report.id).await;
    assert!(report.get("/").await.body.contains("This quarter's pulse"));
    assert!(!app.browser_for(t.other_lead.id).await.get("/").await.body.contains("This quarter's pulse"));
    // Only admins open rounds.
    let res = app
        .browser_for(t.leader.id)
        .await
        .submit("/insight/rounds", &[("group", "org"), ("closes_on", &quarter_end.to_string())])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Once answered, the prompt is gone.
    let res = t.report_api.put_json("/api/v1/me/pulses/current", &pulse(3, 3, 3, 3, 3, 7)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!report.get("/").await.body.contains("This quarter's pulse"));
}
