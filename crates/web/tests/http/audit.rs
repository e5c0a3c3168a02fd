//! The audit log: who read or changed someone's reflections, notes,
//! performance views and record is shown to that person alone (settings
//! changes to every admin), without the content, and the database refuses
//! to rewrite a single entry.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::conversations::{Team, conv, save_note, save_ok, schedule, share, team};
use crate::harness::{Api, TestApp};

const SHARED: &str = "SHARED-5e1d: I want to lead the platform team.";
const NOTE: &str = "NOTE-0b7a: agreed on a stretch project.";

async fn audit(api: &Api) -> Vec<Value> {
    let res = api.get("/api/v1/me/audit").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json().as_array().cloned().unwrap_or_default()
}

fn of<'a>(entries: &'a [Value], action: &str, subject: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action && e["subject"] == subject).collect()
}

/// A conversation with one shared answer (q1), returned as (id, q1).
async fn shared_answer(t: &Team) -> (i64, i64) {
    let (id, q) = schedule(t).await;
    save_ok(&t.report_api, id, q[1], SHARED, 0).await;
    assert_eq!(share(&t.report_api, id, q[1], true).await.status, StatusCode::OK);
    (id, q[1])
}

#[tokio::test]
async fn the_leader_reading_shared_answers_is_logged_for_the_report_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = shared_answer(&t).await;

    // The report reading their own answers is not logged.
    assert_eq!(t.report_api.get(&conv(id, "")).await.status, StatusCode::OK);
    let mine = audit(&t.report_api).await;
    assert!(of(&mine, "read", "reflection").is_empty(), "{mine:?}");
    // Their own save and share are changes by the author.
    let changes = of(&mine, "change", "reflection");
    assert_eq!(changes.len(), 2, "saved and shared: {mine:?}");
    assert!(changes.iter().all(|e| e["actor_id"] == t.report.id && e["object_id"] == id));

    // The leader reads through the API and the page: one entry for the
    // request, not per answer, and the same read again within five minutes
    // is folded into it.
    assert_eq!(t.leader_api.get(&conv(id, "")).await.status, StatusCode::OK);
    let page = app.browser_for(t.leader.id).await.get(&format!("/conversations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(SHARED));
    let mine = audit(&t.report_api).await;
    let reads = of(&mine, "read", "reflection");
    assert_eq!(reads.len(), 1, "{mine:?}");
    assert_eq!(reads[0]["detail"], "read 1 shared answers");

    // Something new to read is recorded at once.
    let q = crate::conversations::question_ids(&crate::conversations::detail(&t.report_api, id).await);
    save_ok(&t.report_api, id, q[2], "A second shared answer.", 0).await;
    assert_eq!(share(&t.report_api, id, q[2], true).await.status, StatusCode::OK);
    assert_eq!(app.browser_for(t.leader.id).await.get(&format!("/conversations/{id}")).await.status, StatusCode::OK);
    let mine = audit(&t.report_api).await;
    let reads = of(&mine, "read", "reflection");
    assert_eq!(reads.len(), 2, "{mine:?}");
    assert_eq!(reads[0]["detail"], "read 2 shared answers", "newest first: {mine:?}");
    for e in &reads {
        assert_eq!(e["actor_id"], t.leader.id);
        assert_eq!(e["actor_name"], "Lee Leader");
        assert_eq!(e["subject_owner_id"], t.report.id);
        assert_eq!(e["object_id"], id);
    }
    assert!(mine[0]["id"].as_i64() > mine[mine.len() - 1]["id"].as_i64(), "newest first");
    let all = serde_json::to_string(&mine).unwrap_or_default();
    assert!(!all.contains("SHARED-5e1d"), "the log holds no answer text: {all}");

    // The report's page shows who and what, never the text.
    let page = app.browser_for(t.report.id).await.get("/profile/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Lee Leader") && page.body.contains("read 1 shared answers"), "{}", page.body);
    assert!(!page.body.contains("SHARED-5e1d"));
    let profile = app.browser_for(t.report.id).await.get("/profile").await;
    assert!(profile.body.contains("href=\"/profile/audit\""));

    // The leader's own list holds nothing about the report's data.
    let leaders = audit(&t.leader_api).await;
    assert!(leaders.is_empty(), "{leaders:?}");
}

#[tokio::test]
async fn a_peer_sees_nothing_about_the_report() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = shared_answer(&t).await;
    assert_eq!(t.leader_api.get(&conv(id, "")).await.status, StatusCode::OK);
    assert_eq!(save_note(&t.leader_api, id, "shared", NOTE, 0).await.status, StatusCode::OK);
    assert!(!audit(&t.report_api).await.is_empty());

    assert!(audit(&t.peer_api).await.is_empty());
    let page = app.browser_for(t.peer.id).await.get("/profile/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Rae Report") && !page.body.contains("Lee Leader"), "{}", page.body);
    // Nor does an admin: entries about a person's data are theirs alone.
    assert!(audit(&t.admin_api).await.iter().all(|e| e["subject_owner_id"] != t.report.id));
}

#[tokio::test]
async fn notes_by_the_other_party_and_performance_views_are_logged() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    assert_eq!(save_note(&t.leader_api, id, "shared", NOTE, 0).await.status, StatusCode::OK);
    assert_eq!(save_note(&t.leader_api, id, "private", NOTE, 0).await.status, StatusCode::OK);
    assert_eq!(t.leader_api.get(&conv(id, "/notes/shared")).await.status, StatusCode::OK);
    assert_eq!(t.leader_api.get(&conv(id, "/notes/private")).await.status, StatusCode::OK);

    let mine = audit(&t.report_api).await;
    assert_eq!(of(&mine, "change", "notes").len(), 1, "{mine:?}");
    assert_eq!(of(&mine, "read", "notes").len(), 1, "{mine:?}");
    assert!(mine.iter().all(|e| !e["detail"].as_str().unwrap_or_default().contains("private")));
    assert!(!serde_json::to_string(&mine).unwrap_or_default().contains("NOTE-0b7a"));
    // The leader's private notes are their own: reading and writing them is not logged.
    assert!(audit(&t.leader_api).await.is_empty());

    let quarter = {
        let now = chrono::Utc::now();
        use chrono::Datelike;
        format!("{}-Q{}", now.year(), (now.month() - 1) / 3 + 1)
    };
    let res = t
        .leader_api
        .put_json(
            &format!("/api/v1/people/{}/performance/{quarter}", t.report.id),
            &json!({"rating": 4, "narrative": "NARRATIVE-9c: strong quarter", "version": 0}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = t.admin_api.get(&format!("/api/v1/people/{}/performance", t.report.id)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(t.report_api.get(&format!("/api/v1/people/{}/performance", t.report.id)).await.status, StatusCode::OK);

    let mine = audit(&t.report_api).await;
    let written = of(&mine, "change", "performance_view");
    assert_eq!(written.len(), 1, "{mine:?}");
    assert_eq!(written[0]["actor_id"], t.leader.id);
    let read = of(&mine, "read", "performance_view");
    assert_eq!(read.len(), 1, "the admin's read, not the report's own: {mine:?}");
    assert_eq!(read[0]["actor_id"], t.admin.id);
    assert!(!serde_json::to_string(&mine).unwrap_or_default().contains("NARRATIVE-9c"));
}

#[tokio::test]
async fn settings_changes_are_shown_to_every_admin_and_person_edits_to_the_person() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let other_admin = app.add_admin("ada@example.org", "Ada Admin").await;
    let other_admin_api = app.api_for(other_admin.id).await;

    let admin = app.browser_for(t.admin.id).await;
    let res = admin.submit("/insight/settings", &[("min_respondents", "7")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    for api in [&t.admin_api, &other_admin_api] {
        let entries = audit(api).await;
        let settings = of(&entries, "change", "settings");
        assert_eq!(settings.len(), 1, "{entries:?}");
        assert_eq!(settings[0]["actor_id"], t.admin.id);
        assert_eq!(settings[0]["subject_owner_id"], Value::Null);
        assert!(settings[0]["detail"].as_str().unwrap_or_default().contains('7'));
    }
    assert!(of(&audit(&t.leader_api).await, "change", "settings").is_empty(), "members do not see settings");

    // An admin makes the peer an admin: the peer sees it, nobody else does.
    let peer = app.person(t.peer.id).await;
    let res = t
        .admin_api
        .patch_json(&format!("/api/v1/people/{}", peer.id), &json!({"role": "admin", "version": peer.version}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let entries = audit(&t.peer_api).await;
    let person = of(&entries, "change", "person");
    assert_eq!(person.len(), 1, "{entries:?}");
    assert_eq!(person[0]["detail"], "changed role member to admin");
    assert!(of(&audit(&other_admin_api).await, "change", "person").is_empty());
}

#[tokio::test]
async fn the_log_cannot_be_updated_or_deleted_even_with_raw_sql() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = shared_answer(&t).await;
    assert_eq!(t.leader_api.get(&conv(id, "")).await.status, StatusCode::OK);
    let before = audit(&t.report_api).await;
    assert!(!before.is_empty());

    let update = app
        .try_execute(
            "UPDATE audit_log SET detail = $1, actor_id = $2",
            vec!["nothing happened".into(), t.report.id.into()],
        )
        .await;
    assert!(update.is_err(), "an UPDATE must be refused: {update:?}");
    assert!(update.err().unwrap_or_default().contains("append-only"));
    let delete = app.try_execute("DELETE FROM audit_log WHERE object_id = $1", vec![id.into()]).await;
    assert!(delete.is_err(), "a DELETE must be refused: {delete:?}");
    let delete_all = app.try_execute("DELETE FROM audit_log", vec![]).await;
    assert!(delete_all.is_err(), "{delete_all:?}");

    assert_eq!(audit(&t.report_api).await, before, "every entry as it was");
    // Appending still works.
    assert_eq!(save_note(&t.leader_api, id, "shared", NOTE, 0).await.status, StatusCode::OK);
    assert_eq!(audit(&t.report_api).await.len(), before.len() + 1);
}

#[tokio::test]
async fn a_password_reset_link_shows_in_the_persons_log_and_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    app.set_password(t.report.id).await;
    let signed_in = app.browser_for(t.report.id).await;
    assert_eq!(signed_in.get("/").await.status, StatusCode::OK);

    let res = t.admin_api.post_json(&format!("/api/v1/people/{}/invites", t.report.id), &json!({})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let url = res.json()["url"].as_str().expect("url").to_owned();
    let mine = audit(&t.report_api).await;
    let resets: Vec<&Value> = mine.iter().filter(|e| e["detail"] == "password reset link issued").collect();
    assert_eq!(resets.len(), 1, "{mine:?}");
    assert_eq!(resets[0]["actor_id"], t.admin.id);

    // Whoever uses the link, the sessions the old password opened end.
    let path = url.trim_start_matches(app.base.as_str()).to_owned();
    let password = "a brand new passphrase";
    let res = app.browser().post_form(&path, &[("password", password), ("confirm", password)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let home = signed_in.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "the old session is over");
}
