//! What schemathesis found when it ran against the OpenAPI document
//! (tests/schemathesis/run), each fixed in the server and pinned here: every
//! answer is one the document describes, a value the document allows is
//! taken, and one it forbids is refused with a problem document.

use chrono::NaiveDate;
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
