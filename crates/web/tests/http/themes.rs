//! Suggested themes: evidence from what the viewer may read, decisions only by people.

use http::StatusCode;
use serde_json::{Value, json};

use crate::conversations::{conv, question_ids, save_ok, schedule, share, team};
use crate::harness::TestApp;

const DRAINING: &str = "Endless status meetings and late nights; I'm exhausted and running on empty.";
const CRAFT: &str = "I want to become the go-to expert on our design system and deepen my craft.";

async fn themes(api: &crate::harness::Api, id: i64) -> Value {
    let res = api.get(&conv(id, "/themes")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn keys(v: &Value, field: &str) -> Vec<String> {
    v[field].as_array().expect("array").iter().map(|t| t["key"].as_str().expect("key").to_owned()).collect()
}

#[tokio::test]
async fn drafts_suggest_themes_to_their_author_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let d = crate::conversations::detail(&t.report_api, id).await;
    let q = question_ids(&d);
    save_ok(&t.report_api, id, q[5], DRAINING, 0).await;

    let mine = themes(&t.report_api, id).await;
    assert!(keys(&mine, "suggested").contains(&"wellbeing".to_owned()), "{mine}");
    let leader = themes(&t.leader_api, id).await;
    assert!(
        leader["suggested"].as_array().expect("array").is_empty(),
        "a draft shapes nothing the leader sees: {leader}"
    );
    let page = app.browser_for(t.leader.id).await.get(&format!("/conversations/{id}")).await;
    assert!(!page.body.contains("running on empty"));

    // Outsiders learn nothing, not even that there are themes.
    for api in [&t.admin_api, &t.skip_api, &t.peer_api] {
        api.get(&conv(id, "/themes")).await.problem(StatusCode::NOT_FOUND);
    }

    share(&t.report_api, id, q[5], true).await;
    let leader = themes(&t.leader_api, id).await;
    let wellbeing = leader["suggested"]
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["key"] == "wellbeing")
        .expect("wellbeing")
        .clone();
    assert_eq!(wellbeing["valence"], "-");
    let evidence = &wellbeing["evidence"][0];
    let (start, end) =
        (evidence["start"].as_u64().expect("start") as usize, evidence["end"].as_u64().expect("end") as usize);
    assert_eq!(&DRAINING[start..end], evidence["quote"].as_str().expect("quote"), "evidence points at its words");
    assert!(wellbeing["follow_up"].as_str().expect("follow-up").ends_with('?'));
    let page = app.browser_for(t.leader.id).await.get(&format!("/conversations/{id}")).await;
    let marks: Vec<&str> = page.body.split("<mark title=\"").skip(1).filter_map(|m| m.split('"').next()).collect();
    assert!(
        marks
            .iter()
            .any(|title| title.contains("Wellbeing &#38; workload") || title.contains("Wellbeing &amp; workload")),
        "evidence is highlighted: {}",
        page.body.split("class=\"a\"").nth(1).unwrap_or_default().chars().take(400).collect::<String>()
    );
}

#[tokio::test]
async fn people_confirm_rename_dismiss_merge_add_and_undo() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let q = question_ids(&crate::conversations::detail(&t.report_api, id).await);
    save_ok(&t.report_api, id, q[5], DRAINING, 0).await;
    save_ok(&t.report_api, id, q[6], CRAFT, 0).await;
    t.report_api.post_json(&conv(id, "/share"), &json!({})).await;
    let suggested = keys(&themes(&t.leader_api, id).await, "suggested");
    assert!(suggested.contains(&"wellbeing".to_owned()) && suggested.contains(&"craft".to_owned()), "{suggested:?}");
    // Nothing is confirmed until a person does it.
    assert!(themes(&t.leader_api, id).await["decided"].as_array().expect("array").is_empty());

    let decide = |api: &crate::harness::Api, body: Value| {
        let api = api.clone();
        async move { api.post_json(&conv(id, "/themes"), &body).await }
    };
    let res = decide(
        &t.leader_api,
        json!({"action": "confirm", "key": "craft", "label": "Design systems craft", "valence": "+"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = decide(&t.report_api, json!({"action": "dismiss", "key": "wellbeing"})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = decide(&t.report_api, json!({"action": "add", "label": "Moving into research", "valence": "+"})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);

    let now = themes(&t.leader_api, id).await;
    let decided = now["decided"].as_array().expect("array");
    let craft = decided.iter().find(|d| d["key"] == "craft").expect("craft");
    assert_eq!(craft["label"], "Design systems craft");
    assert_eq!(craft["status"], "confirmed");
    assert_eq!(craft["decided_by"], t.leader.id);
    let own = decided.iter().find(|d| d["label"] == "Moving into research").expect("own theme");
    assert_eq!(own["decided_by"], t.report.id);
    let dismissed = decided.iter().find(|d| d["key"] == "wellbeing").expect("dismissed");
    assert_eq!(dismissed["status"], "dismissed");
    let left = keys(&now, "suggested");
    assert!(
        !left.contains(&"craft".to_owned()) && !left.contains(&"wellbeing".to_owned()),
        "decided themes are not offered again: {left:?}"
    );

    // Undo brings the suggestion back.
    let wid = dismissed["id"].as_i64().expect("id");
    assert_eq!(t.report_api.delete(&conv(id, &format!("/themes/{wid}"))).await.status, StatusCode::NO_CONTENT);
    assert!(keys(&themes(&t.leader_api, id).await, "suggested").contains(&"wellbeing".to_owned()));

    // Merge two suggestions into one confirmed theme.
    let left = keys(&themes(&t.leader_api, id).await, "suggested");
    // The draining answer shows friction (status meetings) and wellbeing (late nights).
    assert!(left.len() >= 2, "two suggestions to merge: {left:?}");
    let pair = vec![left[0].clone(), left[1].clone()];
    let res = decide(&t.leader_api, json!({"action": "merge", "keys": pair, "label": "Energy and focus"})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let after = themes(&t.leader_api, id).await;
    let merged = after["decided"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["label"] == "Energy and focus")
        .expect("merged")
        .clone();
    assert_eq!(merged["merged_from"].as_array().expect("array").len(), 2);
    assert!(!keys(&after, "suggested").iter().any(|k| pair.contains(k)));

    // Bad input changes nothing.
    let before = themes(&t.leader_api, id).await["decided"].clone();
    for body in [
        json!({"action": "add", "label": "   "}),
        json!({"action": "add", "label": "x".repeat(61)}),
        json!({"action": "confirm", "key": "Not A Key"}),
        json!({"action": "merge", "keys": ["craft"], "label": "One"}),
        json!({"action": "promote", "key": "craft"}),
        json!({"action": "add", "label": "Fine", "valence": "positive"}),
    ] {
        decide(&t.leader_api, body).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(themes(&t.leader_api, id).await["decided"], before);

    // Only the two of them decide; outsiders do not see the conversation at all.
    for api in [&t.admin_api, &t.skip_api, &t.peer_api] {
        decide(api, json!({"action": "add", "label": "Sneaky"})).await.problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_organisation_theme_is_used_at_once_and_checked_first() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let q = question_ids(&crate::conversations::detail(&t.report_api, id).await);
    let text = "Patient safety is what I care about: the handover checklist and near-miss reports.";
    save_ok(&t.report_api, id, q[0], text, 0).await;
    assert!(!keys(&themes(&t.report_api, id).await, "suggested").contains(&"patient-safety".to_owned()));

    // Only admins manage them; bad ones change nothing.
    let body = json!({"label": "Patient safety", "cues": ["patient safety", "near-miss", "handover checklist"]});
    t.leader_api.put_json("/api/v1/themes/patient-safety", &body).await.problem(StatusCode::FORBIDDEN);
    t.admin_api.put_json("/api/v1/themes/craft", &body).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    t.admin_api.put_json("/api/v1/themes/Bad%20Id", &body).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    t.admin_api
        .put_json("/api/v1/themes/empty", &json!({"label": "Empty", "cues": ["  "]}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let listed = t.report_api.get("/api/v1/themes").await.json();
    assert_eq!(listed.as_array().expect("array").len(), 14, "nothing was added");

    assert_eq!(t.admin_api.put_json("/api/v1/themes/patient-safety", &body).await.status, StatusCode::NO_CONTENT);
    let listed = t.report_api.get("/api/v1/themes").await.json();
    let custom = listed.as_array().expect("array").iter().find(|x| x["id"] == "patient-safety").expect("listed");
    assert_eq!(custom["custom"], true);
    let mine = themes(&t.report_api, id).await;
    let s = mine["suggested"]
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["key"] == "patient-safety")
        .expect("used at once");
    assert_eq!(s["label"], "Patient safety");

    assert_eq!(t.admin_api.delete("/api/v1/themes/patient-safety").await.status, StatusCode::NO_CONTENT);
    assert!(!keys(&themes(&t.report_api, id).await, "suggested").contains(&"patient-safety".to_owned()));
    t.admin_api.delete("/api/v1/themes/patient-safety").await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_person_sees_their_confirmed_themes_over_time() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (id, _) = schedule(&t).await;
        let res =
            t.leader_api.post_json(&conv(id, "/themes"), &json!({"action": "add", "label": "Craft of design"})).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        ids.push(id);
    }
    let history = t.report_api.get("/api/v1/me/themes").await.json();
    let history = history.as_array().expect("array");
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|h| h["label"] == "Craft of design"));
    // Nobody else's history shows up in mine.
    assert!(t.peer_api.get("/api/v1/me/themes").await.json().as_array().expect("array").is_empty());
    let page = app.browser_for(t.report.id).await.get("/themes").await;
    assert!(page.body.contains("Your themes over time"));
    assert!(page.body.contains("Craft of design (2 conversations)"), "recurring themes are named");
}
