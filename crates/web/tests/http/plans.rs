//! Growth plans over HTTP: started from a held conversation, co-created by the
//! report and their leader, every change kept, four quarterly check-ins, the
//! role history, and who may see any of it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::conversations::{Team, conv, schedule, schedule_body, team};
use crate::harness::{Api, TestApp, hidden_fields, id_of};

/// Confirms two themes in a conversation, marks it held, and returns its id.
async fn held_conversation(t: &Team, body: Value) -> i64 {
    let res = t.leader_api.post_json("/api/v1/conversations", &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = id_of(&res.json());
    for label in ["Moving into research", "Design systems craft"] {
        let res = t.leader_api.post_json(&conv(id, "/themes"), &json!({"action": "add", "label": label})).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    }
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    id
}

async fn start(api: &Api, conversation_id: i64) -> Value {
    let res = api.post_json("/api/v1/plans", &json!({"conversation_id": conversation_id})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

async fn plan(api: &Api, id: i64) -> Value {
    let res = api.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn theme_id(p: &Value, n: usize) -> i64 {
    id_of(&p["themes"][n])
}

fn step(theme: i64, kind: &str, what: &str, quarter: i64) -> Value {
    json!({"theme_id": theme, "kind": kind, "what": what, "target_quarter": quarter,
           "signal": "Shipped and used", "support": "Introductions"})
}

fn dates(p: &Value) -> Vec<String> {
    p["checkins"].as_array().expect("checkins").iter().map(|c| c["due_on"].as_str().expect("date").to_owned()).collect()
}

#[tokio::test]
async fn a_plan_starts_from_a_held_conversation_with_its_confirmed_themes() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (open_id, _) = schedule(&t).await;
    // Not before the conversation is held.
    let res = t.report_api.post_json("/api/v1/plans", &json!({"conversation_id": open_id})).await;
    res.problem(StatusCode::CONFLICT);

    let body = schedule_body(t.report.id, t.set_id);
    let id = held_conversation(&t, body).await;
    // Outsiders cannot start it: the conversation does not exist for them.
    for api in [&t.admin_api, &t.skip_api, &t.peer_api] {
        api.post_json("/api/v1/plans", &json!({"conversation_id": id})).await.problem(StatusCode::NOT_FOUND);
    }
    let p = start(&t.report_api, id).await;
    assert_eq!(p["person_id"], t.report.id);
    assert_eq!(p["leader_id"], t.leader.id);
    assert_eq!(p["part"], "owner");
    assert_eq!(p["state"], "active");
    let labels: Vec<&str> =
        p["themes"].as_array().expect("themes").iter().filter_map(|t| t["label"].as_str()).collect();
    assert_eq!(labels, ["Moving into research", "Design systems craft"]);
    // Twelve months from the conversation (10 March 2027 in London), four check-ins a quarter apart.
    assert_eq!(p["starts_on"], "2027-03-10");
    assert_eq!(p["ends_on"], "2028-03-10");
    assert_eq!(dates(&p), ["2027-06-10", "2027-09-10", "2027-12-10", "2028-03-10"]);
    assert!(p["checkins"].as_array().expect("checkins").iter().all(|c| c["state"] == "upcoming"), "{p}");

    let pid = id_of(&p);
    assert_eq!(plan(&t.leader_api, pid).await["part"], "leader");
    // One active plan per person, and one plan per conversation.
    t.leader_api.post_json("/api/v1/plans", &json!({"conversation_id": id})).await.problem(StatusCode::CONFLICT);
    // Admins, the skip-level manager and peers do not see the plan at all.
    for api in [&t.admin_api, &t.skip_api, &t.peer_api, &t.other_lead_api] {
        api.get(&format!("/api/v1/plans/{pid}")).await.problem(StatusCode::NOT_FOUND);
        let listed = api.get("/api/v1/plans").await.json();
        assert!(!listed.as_array().expect("list").iter().any(|x| id_of(x) == pid), "{listed}");
    }
    let listed = t.leader_api.get("/api/v1/plans").await.json();
    assert!(listed.as_array().expect("list").iter().any(|x| id_of(x) == pid));
}

#[tokio::test]
async fn check_ins_cross_the_year_end_by_the_conversation_zone() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    // 20:00 on 30 November in Los Angeles is already 1 December in UTC.
    let body = json!({"report_id": t.report.id, "starts_at_local": "2027-11-30T20:00",
                      "time_zone": "America/Los_Angeles", "question_set_id": t.set_id});
    let id = held_conversation(&t, body).await;
    let p = start(&t.leader_api, id).await;
    assert_eq!(p["starts_on"], "2027-11-30");
    assert_eq!(p["time_zone"], "America/Los_Angeles");
    // Across the year end, onto a leap day, and back to the 30th (no drift to the 29th).
    assert_eq!(dates(&p), ["2028-02-29", "2028-05-30", "2028-08-30", "2028-11-30"]);
    assert_eq!(p["ends_on"], "2028-11-30");
}

#[tokio::test]
async fn each_kind_of_step_is_kept_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = held_conversation(&t, schedule_body(t.report.id, t.set_id)).await;
    let p = start(&t.report_api, id).await;
    let pid = id_of(&p);
    let th = theme_id(&p, 0);
    let kinds = [
        ("deepen_expertise", "here"),
        ("expand_role", "here"),
        ("take_ownership", "here"),
        ("step_up", "up"),
        ("move_sideways", "sideways"),
        ("step_back", "down"),
    ];
    for (i, (kind, _)) in kinds.iter().enumerate() {
        // Both of them add steps: the plan is co-created.
        let api = if i % 2 == 0 { &t.report_api } else { &t.leader_api };
        let res = api.post_json(&format!("/api/v1/plans/{pid}/steps"), &step(th, kind, &format!("Step {i}"), 2)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    let p = plan(&t.report_api, pid).await;
    let steps = p["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 6);
    for (s, (kind, direction)) in steps.iter().zip(kinds) {
        assert_eq!(s["kind"], kind);
        assert_eq!(s["direction"], direction);
        assert_eq!(s["status"], "planned");
        assert_eq!(s["target_quarter"], 2);
        assert_eq!(s["signal"], "Shipped and used");
    }

    let before = plan(&t.report_api, pid).await;
    let url = format!("/api/v1/plans/{pid}/steps");
    for bad in [
        step(th, "ladder", "Climb", 1),
        step(th, "step_up", "   ", 1),
        step(th, "step_up", "Up", 5),
        step(th, "step_up", "Up", 0),
        step(th, "step_up", &"x".repeat(2001), 1),
        json!({"theme_id": th, "kind": "step_up", "what": "Up", "target_quarter": 1, "status": "finished"}),
        json!({"kind": "step_up", "what": "No theme", "target_quarter": 1}),
    ] {
        t.report_api.post_json(&url, &bad).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Unknown fields are refused, not ignored.
    let res = t
        .report_api
        .post_json(&url, &json!({"theme_id": th, "kind": "step_up", "what": "x", "target_quarter": 1, "owner": 1}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // A theme of another plan is not this plan's.
    t.report_api.post_json(&url, &step(999_999, "step_up", "Up", 1)).await.problem(StatusCode::NOT_FOUND);
    for api in [&t.admin_api, &t.skip_api, &t.peer_api] {
        api.post_json(&url, &step(th, "step_up", "Sneaky", 1)).await.problem(StatusCode::NOT_FOUND);
    }
    assert_eq!(plan(&t.report_api, pid).await, before, "refused requests change nothing");

    // Rewriting a step needs the version read; a stale one is refused and changes nothing.
    let sid = id_of(&steps[4]);
    let version = before["version"].as_i64().expect("version");
    let mut body = step(th, "move_sideways", "Join the research team for a quarter", 2);
    body["status"] = json!("in_progress");
    body["version"] = json!(version);
    let res = t.leader_api.put_json(&format!("/api/v1/plans/{pid}/steps/{sid}"), &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    body["what"] = json!("An edit made from an old page");
    let res = t.report_api.put_json(&format!("/api/v1/plans/{pid}/steps/{sid}"), &body).await;
    res.problem(StatusCode::CONFLICT);
    let after = plan(&t.report_api, pid).await;
    let s = after["steps"].as_array().expect("steps").iter().find(|s| id_of(s) == sid).expect("step").clone();
    assert_eq!(s["what"], "Join the research team for a quarter");
    assert_eq!(s["status"], "in_progress");
    assert_eq!(after["version"], version + 1);
    let mut no_version = body.clone();
    no_version.as_object_mut().expect("object").remove("version");
    t.report_api
        .put_json(&format!("/api/v1/plans/{pid}/steps/{sid}"), &no_version)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn themes_are_added_renamed_reordered_and_dropped() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = held_conversation(&t, schedule_body(t.report.id, t.set_id)).await;
    let p = start(&t.report_api, id).await;
    let pid = id_of(&p);
    let res = t.leader_api.post_json(&format!("/api/v1/plans/{pid}/themes"), &json!({"label": "Mentoring"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let p = res.json();
    let ids: Vec<i64> = p["themes"].as_array().expect("themes").iter().map(id_of).collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(p["themes"][2]["key"], "own:mentoring");
    let v = p["version"].as_i64().expect("version");
    let res = t
        .report_api
        .patch_json(&format!("/api/v1/plans/{pid}"), &json!({"version": v, "theme_order": [ids[2], ids[0], ids[1]]}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let p = res.json();
    assert_eq!(p["themes"][0]["label"], "Mentoring");
    let v = p["version"].as_i64().expect("version");
    // An order that leaves a theme out is refused.
    let res =
        t.report_api.patch_json(&format!("/api/v1/plans/{pid}"), &json!({"version": v, "theme_order": [ids[0]]})).await;
    res.problem(StatusCode::CONFLICT);
    let res = t
        .report_api
        .patch_json(
            &format!("/api/v1/plans/{pid}/themes/{}", ids[1]),
            &json!({"version": v, "label": "Craft", "dropped": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let p = res.json();
    let craft = p["themes"].as_array().expect("themes").iter().find(|x| id_of(x) == ids[1]).expect("theme").clone();
    assert_eq!(craft["label"], "Craft");
    assert_eq!(craft["dropped"], true);
    for bad in [json!({"label": ""}), json!({"label": "a\nb"}), json!({"label": "x".repeat(121)})] {
        t.report_api
            .post_json(&format!("/api/v1/plans/{pid}/themes"), &bad)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The end can move within two years, never before the start: a date
    // outside that conflicts with the plan (409); something that is not a
    // date is refused as such (422).
    let v = p["version"].as_i64().expect("version");
    for (bad, status) in [
        ("2027-03-10", StatusCode::CONFLICT),
        ("2029-04-01", StatusCode::CONFLICT),
        ("next year", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        t.report_api
            .patch_json(&format!("/api/v1/plans/{pid}"), &json!({"version": v, "ends_on": bad}))
            .await
            .problem(status);
    }
    let res =
        t.report_api.patch_json(&format!("/api/v1/plans/{pid}"), &json!({"version": v, "ends_on": "2028-06-30"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["ends_on"], "2028-06-30");
}

#[tokio::test]
async fn check_ins_keep_the_history_and_the_difference_between_them() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = held_conversation(&t, schedule_body(t.report.id, t.set_id)).await;
    let p = start(&t.report_api, id).await;
    let pid = id_of(&p);
    let (research, craft) = (theme_id(&p, 0), theme_id(&p, 1));
    let p = t
        .report_api
        .post_json(
            &format!("/api/v1/plans/{pid}/steps"),
            &step(research, "move_sideways", "Two weeks with research", 1),
        )
        .await
        .json();
    let sideways = id_of(&p["steps"][0]);
    let p = t
        .leader_api
        .post_json(&format!("/api/v1/plans/{pid}/steps"), &step(craft, "deepen_expertise", "Own the token pipeline", 2))
        .await
        .json();
    let v = p["version"].as_i64().expect("version");

    // Held in order: the second cannot come first.
    let res = t.leader_api.post_json(&format!("/api/v1/plans/{pid}/checkins/2"), &json!({"version": v})).await;
    let problem = res.problem(StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("Check-in 1 comes first")), "{problem}");
    // A bad status refuses the whole check-in.
    let res = t
        .leader_api
        .post_json(
            &format!("/api/v1/plans/{pid}/checkins/1"),
            &json!({"version": v, "progress": [{"step_id": sideways, "status": "finished"}]}),
        )
        .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(plan(&t.leader_api, pid).await["checkins"][0]["completed_at"], Value::Null);

    let body = json!({"version": v, "what_changed": "Research loved the pairing.",
        "progress": [{"step_id": sideways, "status": "done", "note": "Two weeks done, joining again in spring"}],
        "theme_order": [craft, research], "next_due": "2027-09-20"});
    let res = t.leader_api.post_json(&format!("/api/v1/plans/{pid}/checkins/1"), &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let p = res.json();
    assert_eq!(p["checkins"][0]["state"], "done");
    assert_eq!(p["checkins"][0]["completed_by"], t.leader.id);
    assert_eq!(p["checkins"][0]["what_changed"], "Research loved the pairing.");
    assert_eq!(p["checkins"][1]["due_on"], "2027-09-20", "the next one is scheduled as agreed");
    assert_eq!(p["themes"][0]["id"], craft);
    // The same check-in twice is refused.
    let v = p["version"].as_i64().expect("version");
    t.leader_api
        .post_json(&format!("/api/v1/plans/{pid}/checkins/1"), &json!({"version": v}))
        .await
        .problem(StatusCode::CONFLICT);
    // A next date before this check-in's is refused.
    t.leader_api
        .post_json(&format!("/api/v1/plans/{pid}/checkins/2"), &json!({"version": v, "next_due": "2027-01-01"}))
        .await
        .problem(StatusCode::CONFLICT);

    // Between check-ins the member adds a step and drops a theme.
    let p = t
        .report_api
        .post_json(&format!("/api/v1/plans/{pid}/steps"), &step(research, "step_up", "Lead the research guild", 3))
        .await
        .json();
    let v = p["version"].as_i64().expect("version");
    let res = t
        .report_api
        .post_json(&format!("/api/v1/plans/{pid}/checkins/2"), &json!({"version": v, "what_changed": "Guild started."}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let h = t.report_api.get(&format!("/api/v1/plans/{pid}/history?from=start&to=1")).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    let h = h.json();
    let texts: Vec<&str> =
        h["differences"].as_array().expect("diffs").iter().filter_map(|d| d["text"].as_str()).collect();
    assert!(texts.contains(&"Step added: Two weeks with research (move sideways, quarter 1, done)."), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("Priorities now in this order: Design systems craft")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("Step added: Own the token pipeline")), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("research guild")), "added after check-in 1: {texts:?}");

    let h = t.leader_api.get(&format!("/api/v1/plans/{pid}/history?from=1&to=2")).await.json();
    let texts: Vec<&str> =
        h["differences"].as_array().expect("diffs").iter().filter_map(|d| d["text"].as_str()).collect();
    assert_eq!(texts, ["Step added: Lead the research guild (step up, quarter 3)."]);

    // Every change: who and when, in order, with the check-ins marked.
    let changes = h["changes"].as_array().expect("changes");
    let who: Vec<i64> = changes.iter().map(|c| c["person_id"].as_i64().expect("id")).collect();
    assert_eq!(who, [t.report.id, t.report.id, t.leader.id, t.leader.id, t.report.id, t.report.id]);
    assert_eq!(changes[0]["summary"], "Plan started.");
    assert_eq!(changes[3]["checkin"], 1);
    assert_eq!(changes[5]["checkin"], 2);
    assert_eq!(changes[5]["summary"], "Check-in 2 held; nothing changed.");
    // A check-in not held yet cannot be compared (yet: 409); there is no check-in 9 (422).
    t.leader_api.get(&format!("/api/v1/plans/{pid}/history?from=2&to=3")).await.problem(StatusCode::CONFLICT);
    t.leader_api.get(&format!("/api/v1/plans/{pid}/history?from=9")).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    t.peer_api.get(&format!("/api/v1/plans/{pid}/history")).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_year_end_review_closes_the_plan_and_a_new_one_can_start() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = held_conversation(&t, schedule_body(t.report.id, t.set_id)).await;
    let pid = id_of(&start(&t.report_api, id).await);
    for n in 1..=4 {
        let v = plan(&t.report_api, pid).await["version"].as_i64().expect("version");
        let body = json!({"version": v, "what_changed": format!("Quarter {n}"), "review": "A good year: research, then the guild."});
        let res = t.report_api.post_json(&format!("/api/v1/plans/{pid}/checkins/{n}"), &body).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let p = plan(&t.leader_api, pid).await;
    assert_eq!(p["state"], "closed");
    assert_eq!(p["review"], "A good year: research, then the guild.");
    // The leader's one action at the end of the year: schedule the next conversation.
    let page = app.browser_for(t.leader.id).await.get(&format!("/plans/{pid}")).await;
    assert!(page.body.contains(&format!(r#"href="/conversations/new?report={}""#, t.report.id)), "{}", page.body);
    let form = app.browser_for(t.leader.id).await.get(&format!("/conversations/new?report={}", t.report.id)).await;
    assert!(form.body.contains(&format!(r#"value="{}" selected"#, t.report.id)), "the report is chosen already");
    // A closed plan no longer changes.
    let th = theme_id(&p, 0);
    t.report_api
        .post_json(&format!("/api/v1/plans/{pid}/steps"), &step(th, "step_up", "Late", 1))
        .await
        .problem(StatusCode::CONFLICT);
    // The next conversation starts the next plan.
    let mut body = schedule_body(t.report.id, t.set_id);
    body["starts_at_local"] = json!("2028-03-08T10:00");
    let next = held_conversation(&t, body).await;
    // The plans page offers the new conversation only: the first one has had its plan.
    let list = app.browser_for(t.leader.id).await.get("/plans").await;
    assert_eq!(list.body.matches("Start the growth plan").count(), 1, "{}", list.body);
    assert!(list.body.contains(&format!(r#"action="/conversations/{next}/plan""#)), "{}", list.body);
    let p2 = start(&t.leader_api, next).await;
    assert_eq!(p2["starts_on"], "2028-03-08");
    assert_ne!(id_of(&p2), pid);
}

#[tokio::test]
async fn leaders_and_admins_record_roles_and_a_current_role_ends_the_last() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let url = format!("/api/v1/people/{}/roles", t.report.id);
    let first = json!({"title": "Product Designer", "department": "Design", "started_on": "2024-01-08"});
    let res = t.leader_api.post_json(&url, &first).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = t
        .admin_api
        .post_json(&url, &json!({"title": "UX Researcher", "department": "Research", "started_on": "2027-06-01"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let roles = t.report_api.get(&url).await.json();
    let roles = roles.as_array().expect("roles");
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0]["ended_on"], "2027-05-31", "the new current role ends the last one");
    assert_eq!(roles[1]["ended_on"], Value::Null);
    let person = app.person(t.report.id).await;
    assert_eq!(person.title, "UX Researcher");
    assert_eq!(person.department.as_deref(), Some("Research"));

    // The member does not record their own roles; the skip-level manager may, peers may not see.
    t.report_api.post_json(&url, &first).await.problem(StatusCode::FORBIDDEN);
    t.peer_api.post_json(&url, &first).await.problem(StatusCode::NOT_FOUND);
    t.peer_api.get(&url).await.problem(StatusCode::NOT_FOUND);
    for bad in [
        json!({"title": "", "started_on": "2027-01-01"}),
        json!({"title": "X", "started_on": "1 June"}),
        json!({"title": "X", "started_on": "2027-01-01", "ended_on": "2026-01-01"}),
    ] {
        let res = t.leader_api.post_json(&url, &bad).await;
        assert!(matches!(res.status.as_u16(), 409 | 422), "{bad}: {} {}", res.status, res.body);
    }
    assert_eq!(t.report_api.get(&url).await.json().as_array().expect("roles").len(), 2, "refused changes add nothing");
}

#[tokio::test]
async fn the_plan_pages_keep_what_was_typed_when_a_save_fails() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = held_conversation(&t, schedule_body(t.report.id, t.set_id)).await;
    let report = app.browser_for(t.report.id).await;
    let leader = app.browser_for(t.leader.id).await;
    // The held conversation offers to start the plan; the page button starts it.
    let page = report.get(&format!("/conversations/{id}")).await;
    assert!(page.body.contains("Start the growth plan"), "{}", page.body);
    let res = report.submit(&format!("/conversations/{id}/plan"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.location().expect("location").to_owned();
    let pid: i64 = location.trim_start_matches("/plans/").split('?').next().expect("id").parse().expect("id");
    let page = leader.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Moving into research") && page.body.contains("The climbing wall"), "{}", page.body);
    let th = id_of(&plan(&t.report_api, pid).await["themes"][0]).to_string();

    // A step without "what" is refused, and the rest of what was typed stays in the form.
    let fields = [
        ("op", "add_step"),
        ("theme_id", th.as_str()),
        ("kind", "move_sideways"),
        ("what", ""),
        ("signal", "Research asks me back"),
        ("target_quarter", "2"),
    ];
    let res = leader.submit(&format!("/plans/{pid}"), &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("what: is required"), "{}", res.body);
    assert!(res.body.contains("Research asks me back"), "typed text is kept");
    assert!(plan(&t.report_api, pid).await["steps"].as_array().expect("steps").is_empty());

    let mut ok = fields;
    ok[3] = ("what", "Two weeks with the research team");
    let res = leader.submit(&format!("/plans/{pid}"), &ok).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let p = plan(&t.report_api, pid).await;
    let sid = id_of(&p["steps"][0]).to_string();
    let old_version = p["version"].as_i64().expect("version").to_string();

    // The report changes the step; the leader's page, read before, is stale.
    let edit = |what: &'static str, status: &'static str, version: String| {
        vec![
            ("op", "update_step".to_owned()),
            ("step_id", sid.clone()),
            ("version", version),
            ("kind", "move_sideways".to_owned()),
            ("what", what.to_owned()),
            ("target_quarter", "2".to_owned()),
            ("status", status.to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let first = as_refs(&edit("Two weeks with research, in May", "in_progress", old_version.clone()));
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(report.submit(&format!("/plans/{pid}"), &first).await.status, StatusCode::SEE_OTHER);
    let second = as_refs(&edit("Three weeks with research", "planned", old_version));
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = leader.submit(&format!("/plans/{pid}"), &second).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("Someone else changed this plan"), "{}", res.body);
    assert!(res.body.contains("Three weeks with research"), "the leader's text is kept");
    assert_eq!(plan(&t.report_api, pid).await["steps"][0]["what"], "Two weeks with research, in May");

    // Marking a sideways step done offers to record the new role.
    let v = plan(&t.report_api, pid).await["version"].as_i64().expect("version").to_string();
    let done = as_refs(&edit("Two weeks with research, in May", "done", v));
    let done: Vec<(&str, &str)> = done.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = leader.submit(&format!("/plans/{pid}"), &done).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = leader.get(res.location().expect("location")).await;
    assert!(page.body.contains("id=\"role-offer\"") && page.body.contains("Record the new role"), "{}", page.body);
    let role_form = hidden_fields(&page.body, &format!("/people/{}/roles", t.report.id));
    assert!(role_form.iter().any(|(k, v)| k == "plan_id" && *v == pid.to_string()), "{role_form:?}");
    let res = leader
        .submit(
            &format!("/people/{}/roles", t.report.id),
            &[
                ("title", "UX Researcher"),
                ("department", "Research"),
                ("started_on", "2027-06-01"),
                ("plan_id", &pid.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = report.get(&format!("/plans/{pid}")).await;
    assert!(page.body.contains("UX Researcher, Research"), "the wall and role list show the new hold");
    // The wall is well-formed SVG with the sideways step placed sideways, and a text alternative.
    let svg = &page.body[page.body.find("<svg").expect("an svg")..page.body.find("</svg>").expect("svg end") + 6];
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("the wall is XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().attribute("role"), Some("img"));
    let sideways = doc
        .descendants()
        .filter(|n| {
            n.attribute("class").is_some_and(|c| c.contains("wall-dir-sideways") && c.contains("wall-status-done"))
        })
        .count();
    assert_eq!(sideways, 1, "{svg}");
    assert!(page.body.contains("Current hold: UX Researcher, Research"), "the wall in words");

    // The check-in page records progress and shows the difference afterwards.
    let res = report.get(&format!("/plans/{pid}/checkins/1")).await;
    assert_eq!(res.status, StatusCode::OK);
    let v = plan(&t.report_api, pid).await["version"].as_i64().expect("version").to_string();
    let res = report
        .submit(
            &format!("/plans/{pid}/checkins/1"),
            &[
                ("version", v.as_str()),
                (&format!("note_{sid}"), "Joined research for good"),
                ("what_changed", "A new role."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let history = report.get(res.location().expect("location")).await;
    assert!(history.body.contains("progress noted: Joined research for good"), "{}", history.body);
    // A check-in held this quarter asks the member for this quarter's pulse.
    assert!(report.get("/").await.body.contains("This quarter's pulse"), "the pulse follows the check-in");
    // Held a year ago instead, it asks for nothing now.
    let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
    app.execute("UPDATE checkins SET completed_at = $1 WHERE plan_id = $2", vec![year_ago.into(), pid.into()]).await;
    // As every change to a plan does, so that pages read the plan afresh.
    app.execute("UPDATE plans SET version = version + 1 WHERE id = $1", vec![pid.into()]).await;
    assert!(!report.get("/").await.body.contains("This quarter's pulse"), "an old check-in asks for nothing");

    // Exports: printable page and Markdown.
    let print = leader.get(&format!("/plans/{pid}/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(
        print.body.contains("Two weeks with research, in May") && !print.body.contains("<form"),
        "no forms on paper"
    );
    let md = leader.get(&format!("/plans/{pid}/plan.md")).await;
    assert_eq!(md.header("content-type"), Some("text/markdown; charset=utf-8"));
    assert!(md.body.contains("# Growth plan: Rae Report"), "{}", md.body);
    assert!(md.body.contains("- **Move sideways**: Two weeks with research, in May"), "{}", md.body);
    assert!(md.body.contains("Progress: Joined research for good"), "{}", md.body);
    for path in ["", "/print", "/plan.md", "/history", "/checkins/2"] {
        let peer = app.browser_for(t.peer.id).await;
        assert_eq!(peer.get(&format!("/plans/{pid}{path}")).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn due_and_overdue_check_ins_show_on_both_home_pages() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let today = chrono::Utc::now().date_naive();
    // A plan whose first check-in fell due yesterday, in UTC.
    let start = today - chrono::Months::new(3) - chrono::Days::new(1);
    let new = foothold_store::NewPlan {
        person_id: t.report.id,
        leader_id: t.leader.id,
        conversation_id: None,
        starts_on: start,
        ends_on: foothold_domain::plan::default_end(start),
        time_zone: "UTC".into(),
        themes: vec![("craft".into(), "Craft".into())],
    };
    let p = app.store.create_plan(&new, t.leader.id).await.expect("plan");
    for (who, text) in [(t.report.id, "Your plan: check-in 1"), (t.leader.id, "Rae Report&#39;s plan: check-in 1")] {
        let home = app.browser_for(who).await.get("/").await;
        assert!(home.body.contains(text), "{}", home.body);
        assert!(home.body.contains("Overdue"), "{}", home.body);
        assert!(home.body.contains(&format!("/plans/{}/checkins/1", p.id)));
    }
    // Others see nothing of it.
    let home = app.browser_for(t.peer.id).await.get("/").await;
    assert!(!home.body.contains("check-in 1"), "{}", home.body);
}

/// The files of a zip archive, by name.
fn unzip(bytes: &[u8]) -> std::collections::HashMap<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = std::collections::HashMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut text = String::new();
        f.read_to_string(&mut text).expect("utf-8");
        let name = f.name().expect("entry name").to_string();
        out.insert(name, text);
    }
    out
}

#[tokio::test]
async fn everyone_downloads_all_of_their_own_data_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    crate::conversations::save_ok(&t.report_api, id, q[0], "Shared: pairing with research.", 0).await;
    crate::conversations::share(&t.report_api, id, q[0], true).await;
    crate::conversations::save_ok(&t.report_api, id, q[1], "DRAFT-ONLY-MINE", 0).await;
    let res = crate::conversations::save_note(&t.leader_api, id, "private", "LEADER-PRIVATE-NOTE", 0).await;
    assert!(res.status.is_success(), "{}", res.body);
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let p = start(&t.report_api, id).await;
    let res =
        t.report_api.post_json(&format!("/api/v1/plans/{}/themes", id_of(&p)), &json!({"label": "Research"})).await;
    let th = id_of(&res.json()["themes"][0]);
    t.report_api
        .post_json(&format!("/api/v1/plans/{}/steps", id_of(&p)), &step(th, "move_sideways", "Join research", 2))
        .await;

    let res = t.report_api.get("/api/v1/me/export").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("application/zip"));
    let bytes = t
        .report_api
        .request(reqwest::Method::GET, "/api/v1/me/export")
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("bytes");
    let files = unzip(&bytes);
    for name in
        ["person.json", "conversations.json", "conversations-led.json", "plans.json", "roles.json", "README.txt"]
    {
        assert!(files.contains_key(&format!("foothold-export/{name}")), "{name} in {:?}", files.keys());
    }
    let conversations = &files["foothold-export/conversations.json"];
    assert!(conversations.contains("DRAFT-ONLY-MINE") && conversations.contains("pairing with research"));
    assert!(!files.values().any(|f| f.contains("LEADER-PRIVATE-NOTE")), "the leader's private notes are theirs");
    assert!(files["foothold-export/plans.json"].contains("Join research"));
    assert!(files.keys().any(|k| k.starts_with("foothold-export/plans/plan-") && k.ends_with(".md")));

    let profile = app.browser_for(t.report.id).await.get("/profile").await;
    assert!(profile.body.contains(r#"href="/profile/export""#), "the profile page offers the download");
    // The leader's archive has their own notes and none of the report's words.
    let leader = app.browser_for(t.leader.id).await;
    let rb = leader.request(reqwest::Method::GET, "/profile/export");
    let res = rb.send().await.expect("send");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("content-disposition").and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"foothold-export.zip\"")
    );
    let files = unzip(&res.bytes().await.expect("bytes"));
    assert!(files["foothold-export/conversations-led.json"].contains("LEADER-PRIVATE-NOTE"));
    assert!(!files.values().any(|f| f.contains("DRAFT-ONLY-MINE") || f.contains("pairing with research")), "{files:?}");
    // Signed out: no archive.
    let res = app.anonymous_api().get("/api/v1/me/export").await;
    res.problem(StatusCode::UNAUTHORIZED);
}
