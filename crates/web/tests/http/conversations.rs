//! `/api/v1/conversations`: scheduling rules and the life cycle of a career
//! conversation (scheduled, preparing, shared, held or cancelled), plus the
//! fixtures the other conversation modules share.

use foothold_store::{Person, SetScope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Api, Resp, TestApp, id_of};

/// A small organisation around one reporting line:
///
/// ```text
/// admin            (admin, no manager)
/// skip             (the leader's manager)
/// ├── leader       (holds conversations with report)
/// │   ├── report
/// │   └── peer     (the report's peer)
/// └── other_lead   (the leader's peer; the report's new manager in access tests)
/// ```
pub struct Team {
    pub admin: Person,
    pub skip: Person,
    pub leader: Person,
    pub report: Person,
    pub peer: Person,
    pub other_lead: Person,
    pub admin_api: Api,
    pub skip_api: Api,
    pub leader_api: Api,
    pub report_api: Api,
    pub peer_api: Api,
    pub other_lead_api: Api,
    /// The built-in "Career dreaming" set.
    pub set_id: i64,
}

/// Arranges the [`Team`] in the store and gives everyone an API token.
pub async fn team(app: &TestApp) -> Team {
    let (admin, admin_api) = app.admin_api().await;
    let skip = app.add_member("skip@example.org", "Sam Skip", None).await;
    let leader = app.add_member("lee@example.org", "Lee Leader", Some(skip.id)).await;
    let other_lead = app.add_member("olga@example.org", "Olga Other", Some(skip.id)).await;
    let report = app.add_member("rae@example.org", "Rae Report", Some(leader.id)).await;
    let peer = app.add_member("pat@example.org", "Pat Peer", Some(leader.id)).await;
    let set_id = builtin_set(app, leader.id).await;
    Team {
        skip_api: app.api_for(skip.id).await,
        leader_api: app.api_for(leader.id).await,
        report_api: app.api_for(report.id).await,
        peer_api: app.api_for(peer.id).await,
        other_lead_api: app.api_for(other_lead.id).await,
        admin,
        skip,
        leader,
        report,
        peer,
        other_lead,
        admin_api,
        set_id,
    }
}

/// The id of the built-in "Career dreaming" set, as a person sees it.
pub async fn builtin_set(app: &TestApp, person_id: i64) -> i64 {
    let sets = app.store.question_sets_for(person_id).await.expect("list question sets");
    let set = sets.iter().find(|s| s.scope == SetScope::Builtin).expect("the built-in set is seeded");
    assert_eq!(set.name, "Career dreaming");
    assert_eq!(set.questions.len(), 9);
    set.id
}

/// A valid scheduling request (Wed 10 Mar 2027, 10:00 London, defaults otherwise).
pub fn schedule_body(report_id: i64, set_id: i64) -> Value {
    json!({"report_id": report_id, "starts_at_local": "2027-03-10T10:00", "time_zone": "Europe/London",
           "question_set_id": set_id})
}

/// The leader schedules a conversation with the report; its id and question ids.
pub async fn schedule(t: &Team) -> (i64, Vec<i64>) {
    let res = t.leader_api.post_json("/api/v1/conversations", &schedule_body(t.report.id, t.set_id)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = id_of(&res.json());
    let qids = question_ids(&detail(&t.report_api, id).await);
    (id, qids)
}

/// `/api/v1/conversations/{id}` plus a suffix.
pub fn conv(id: i64, rest: &str) -> String {
    format!("/api/v1/conversations/{id}{rest}")
}

/// A conversation as `api` sees it; must be 200.
pub async fn detail(api: &Api, id: i64) -> Value {
    let res = api.get(&conv(id, "")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// The question ids of a conversation detail, in order.
pub fn question_ids(detail: &Value) -> Vec<i64> {
    detail["questions"].as_array().expect("questions").iter().map(id_of).collect()
}

/// The `answer` of one question in a conversation detail (`null` if not visible).
pub fn answer(detail: &Value, qid: i64) -> Value {
    detail["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .find(|q| id_of(q) == qid)
        .unwrap_or_else(|| panic!("question {qid} in {detail}"))["answer"]
        .clone()
}

/// `PUT .../answers/{qid}`.
pub async fn save(api: &Api, id: i64, qid: i64, text: &str, version: i64) -> Resp {
    api.put_json(&conv(id, &format!("/answers/{qid}")), &json!({"text": text, "version": version})).await
}

/// A save that must be stored; the new version.
pub async fn save_ok(api: &Api, id: i64, qid: i64, text: &str, version: i64) -> i64 {
    let res = save(api, id, qid, text, version).await;
    assert_eq!(res.status, StatusCode::OK, "save {text:?} at version {version}: {}", res.body);
    res.json()["version"].as_i64().expect("a version")
}

/// `PUT .../notes/{kind}`.
pub async fn save_note(api: &Api, id: i64, kind: &str, text: &str, version: i64) -> Resp {
    api.put_json(&conv(id, &format!("/notes/{kind}")), &json!({"text": text, "version": version})).await
}

/// `POST` (share) or `DELETE` (take back) `.../answers/{qid}/share`.
pub async fn share(api: &Api, id: i64, qid: i64, shared: bool) -> Resp {
    let method = if shared { Method::POST } else { Method::DELETE };
    api.call(method, &conv(id, &format!("/answers/{qid}/share"))).await
}

/// The ids and parts of the conversations in `GET /api/v1/conversations`.
pub async fn listed(api: &Api) -> Vec<(i64, String)> {
    let res = api.get("/api/v1/conversations").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
        .as_array()
        .expect("an array")
        .iter()
        .map(|c| (id_of(c), c["part"].as_str().expect("part").to_owned()))
        .collect()
}

fn state_of(d: &Value) -> &str {
    d["state"].as_str().expect("state")
}

#[tokio::test]
async fn a_leader_schedules_in_the_local_time_of_a_zone() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let res = t
        .leader_api
        .post_json(
            "/api/v1/conversations",
            &json!({"report_id": t.report.id, "starts_at_local": "2026-07-01T14:00", "time_zone": "Europe/London",
                    "duration_minutes": 45, "question_set_id": t.set_id, "window_months": 3,
                    "note": "  Bring whatever is on your mind. "}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let c = res.json();
    assert_eq!(c["starts_at"], "2026-07-01T13:00:00Z", "14:00 British Summer Time is 13:00 UTC");
    assert_eq!(c["time_zone"], "Europe/London");
    assert_eq!(c["state"], "scheduled");
    assert_eq!(c["part"], "leader");
    assert_eq!((c["report_id"].as_i64(), c["leader_id"].as_i64()), (Some(t.report.id), Some(t.leader.id)));
    assert_eq!(c["duration_minutes"], 45);
    assert_eq!(c["window_months"], 3);
    assert_eq!(c["note"], "Bring whatever is on your mind.");
    assert_eq!(c["question_set"], "Career dreaming");
    assert_eq!(c["version"], 1);
    assert_eq!(c["held_at"], Value::Null);
    let id = id_of(&c);

    let d = detail(&t.report_api, id).await;
    assert_eq!(d["part"], "report");
    assert_eq!(d["starts_at"], "2026-07-01T13:00:00Z");
    let qs = d["questions"].as_array().expect("questions");
    assert_eq!(qs.len(), 9, "{d}");
    let cats: Vec<&str> = qs.iter().map(|q| q["category"].as_str().expect("category")).collect();
    assert_eq!(cats, ["past", "past", "past", "present", "present", "present", "future", "future", "future"]);
    assert_eq!(qs[0]["text"], "Reflecting on the past three months, when have you felt most engaged?");
    assert_eq!(qs[5]["text"], "What's draining you right now?");
    assert_eq!(qs[8]["text"], "Where would you like more ownership?");
    assert!(qs.iter().all(|q| q["answer"].is_null()), "nothing answered yet: {d}");
    assert_eq!(d["state"], "scheduled", "reading through the API does not start preparation");
    let leader_view = detail(&t.leader_api, id).await;
    assert_eq!(leader_view["questions"], d["questions"], "the leader sees the same questions");

    assert_eq!(listed(&t.leader_api).await, vec![(id, "leader".to_owned())]);
    assert_eq!(listed(&t.report_api).await, vec![(id, "report".to_owned())]);

    // Winter time, another zone, and the defaults (60 minutes, six months).
    for (local, zone, utc) in [
        ("2026-12-01T14:00", "Europe/London", "2026-12-01T14:00:00Z"),
        ("2027-01-15T09:30", "America/New_York", "2027-01-15T14:30:00Z"),
        ("2026-12-31T23:30", "Pacific/Auckland", "2026-12-31T10:30:00Z"),
        // When the clocks go back, 01:30 happens twice: the first one counts.
        ("2026-10-25T01:30", "Europe/London", "2026-10-25T00:30:00Z"),
    ] {
        let res = t
            .leader_api
            .post_json(
                "/api/v1/conversations",
                &json!({"report_id": t.report.id, "starts_at_local": local, "time_zone": zone,
                        "question_set_id": t.set_id}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{local} {zone}: {}", res.body);
        let c = res.json();
        assert_eq!(c["starts_at"], utc, "{local} {zone}");
        assert_eq!((c["duration_minutes"].as_i64(), c["window_months"].as_i64()), (Some(60), Some(6)));
        let d = detail(&t.report_api, id_of(&c)).await;
        assert_eq!(d["questions"][0]["text"], "Reflecting on the past six months, when have you felt most engaged?");
    }
    assert_eq!(app.store.conversations_of_report(t.report.id).await.expect("list").len(), 5);
}

#[tokio::test]
async fn answers_move_the_conversation_through_its_states_until_it_is_held() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;

    assert_eq!(save_ok(&t.report_api, id, q[0], "Pairing with the platform team.", 0).await, 1);
    assert_eq!(state_of(&detail(&t.report_api, id).await), "preparing", "the first save starts preparation");
    assert_eq!(save_ok(&t.report_api, id, q[0], "Pairing with the platform team in May.", 1).await, 2);
    assert_eq!(save_ok(&t.report_api, id, q[3], "Mentoring.", 0).await, 1);
    assert_eq!(save_ok(&t.report_api, id, q[6], "Accessibility.", 0).await, 1);

    let res = share(&t.report_api, id, q[0], true).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["changed"], 1);
    let d = detail(&t.leader_api, id).await;
    assert_eq!(state_of(&d), "shared");
    assert_eq!(answer(&d, q[0])["text"], "Pairing with the platform team in May.");
    assert_eq!(answer(&d, q[0])["shared"], true);
    assert_eq!(answer(&d, q[0])["version"], 2);
    assert!(answer(&d, q[3]).is_null(), "a draft stays private: {d}");

    let res = share(&t.report_api, id, q[0], false).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["changed"], 1);
    let d = detail(&t.leader_api, id).await;
    assert_eq!(state_of(&d), "preparing", "nothing shared any more");
    assert!(answer(&d, q[0]).is_null(), "taken back: {d}");
    assert_eq!(answer(&detail(&t.report_api, id).await, q[0])["shared"], false);

    let res = t.report_api.call(Method::POST, &conv(id, "/share")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["changed"], 3);
    let d = detail(&t.leader_api, id).await;
    assert_eq!(state_of(&d), "shared");
    for (qid, text) in
        [(q[0], "Pairing with the platform team in May."), (q[3], "Mentoring."), (q[6], "Accessibility.")]
    {
        assert_eq!(answer(&d, qid)["text"], text);
    }
    assert!(answer(&d, q[1]).is_null(), "unanswered questions have no answer");

    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let held = res.json();
    assert_eq!(held["state"], "held");
    assert!(held["held_at"].is_string(), "{held}");

    // Held: the answers are final.
    let res = save(&t.report_api, id, q[0], "Rewritten after the fact.", 2).await;
    let p = res.problem(StatusCode::CONFLICT);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("held")), "{p}");
    let res = save(&t.report_api, id, q[1], "A new answer.", 0).await;
    res.problem(StatusCode::CONFLICT);
    let p = share(&t.report_api, id, q[0], false).await.problem(StatusCode::CONFLICT);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("taken back")), "{p}");
    share(&t.report_api, id, q[3], true).await.problem(StatusCode::CONFLICT);
    t.report_api.call(Method::POST, &conv(id, "/share")).await.problem(StatusCode::CONFLICT);
    t.leader_api.patch_json(&conv(id, ""), &json!({"state": "cancelled"})).await.problem(StatusCode::CONFLICT);
    t.leader_api
        .patch_json(&conv(id, ""), &json!({"starts_at_local": "2027-04-01T10:00"}))
        .await
        .problem(StatusCode::CONFLICT);

    let d = detail(&t.leader_api, id).await;
    assert_eq!(state_of(&d), "held");
    assert_eq!(answer(&d, q[0])["text"], "Pairing with the platform team in May.");
    assert_eq!(answer(&d, q[0])["shared"], true, "still shared");
    let mine = detail(&t.report_api, id).await;
    assert!(answer(&mine, q[1]).is_null(), "nothing new was stored: {mine}");
    assert_eq!(d["starts_at"], "2027-03-10T10:00:00Z", "not moved");
}

#[tokio::test]
async fn a_cancelled_conversation_takes_no_more_answers_or_notes() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    save_ok(&t.report_api, id, q[0], "Draft one.", 0).await;

    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "cancelled"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["state"], "cancelled");
    assert_eq!(res.json()["held_at"], Value::Null);

    for res in [
        save(&t.report_api, id, q[0], "Draft two.", 1).await,
        share(&t.report_api, id, q[0], true).await,
        t.report_api.call(Method::POST, &conv(id, "/share")).await,
        save_note(&t.report_api, id, "shared", "Notes.", 0).await,
        save_note(&t.leader_api, id, "private", "Notes.", 0).await,
        t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await,
    ] {
        let p = res.problem(StatusCode::CONFLICT);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("cancelled")), "{p}");
    }
    let d = detail(&t.report_api, id).await;
    assert_eq!(state_of(&d), "cancelled");
    assert_eq!(answer(&d, q[0])["text"], "Draft one.");
    assert_eq!(answer(&d, q[0])["shared"], false);
    assert!(app.store.note(id, foothold_store::NoteKind::Shared).await.expect("read").is_none());
    assert!(app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").is_none());
}

#[tokio::test]
async fn the_leader_reschedules_with_the_version_they_read() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let res = t
        .leader_api
        .patch_json(
            &conv(id, ""),
            &json!({"starts_at_local": "2027-01-15T09:30", "time_zone": "America/New_York", "version": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c = res.json();
    assert_eq!(c["starts_at"], "2027-01-15T14:30:00Z");
    assert_eq!(c["time_zone"], "America/New_York");
    assert_eq!(c["version"], 2);

    // A stale version changes nothing.
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"duration_minutes": 90, "version": 1})).await;
    res.problem(StatusCode::CONFLICT);
    let d = detail(&t.leader_api, id).await;
    assert_eq!((d["duration_minutes"].as_i64(), d["version"].as_i64()), (Some(60), Some(2)));

    let res = t
        .leader_api
        .patch_json(
            &conv(id, ""),
            &json!({"duration_minutes": 90, "window_months": 12, "note": "New room.", "version": 2}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["version"], 3);
    let d = detail(&t.report_api, id).await;
    assert_eq!(d["duration_minutes"], 90);
    assert_eq!(d["note"], "New room.");
    assert_eq!(d["starts_at"], "2027-01-15T14:30:00Z", "the time stays");
    assert_eq!(d["questions"][0]["text"], "Reflecting on the past twelve months, when have you felt most engaged?");

    // Invalid changes are 422 and change nothing.
    for (body, needle) in [
        (json!({"duration_minutes": 5}), "15 and 240"),
        (json!({"window_months": 25}), "1 to 24"),
        (json!({"starts_at_local": "2027-03-14T02:30"}), "does not exist"),
        (json!({"time_zone": "Atlantis/Capital"}), "Atlantis/Capital"),
        (json!({"state": "shared"}), "shared"),
    ] {
        let p = t.leader_api.patch_json(&conv(id, ""), &body).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains(needle)), "{body}: {p}");
    }
    // Only the leader manages it; the report is a participant, so this is 403, not 404.
    let res = t.report_api.patch_json(&conv(id, ""), &json!({"state": "cancelled"})).await;
    res.problem(StatusCode::FORBIDDEN);
    let after = detail(&t.leader_api, id).await;
    assert_eq!(after["version"], 3, "{after}");
    assert_eq!(state_of(&after), "scheduled");
    assert_eq!(after["window_months"], 12);
}

/// The documented contract of `version` in `ConversationPatch`: "a newer one answers 409".
#[tokio::test]
async fn a_stale_version_refuses_a_state_change_too() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"note": "Moved rooms.", "version": 1})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["version"], 2);
    // The leader's other tab still has version 1.
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "cancelled", "version": 1})).await;
    res.problem(StatusCode::CONFLICT);
    assert_eq!(state_of(&detail(&t.leader_api, id).await), "scheduled", "a stale cancel must not cancel");
}

#[tokio::test]
async fn a_refused_patch_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let res = t
        .leader_api
        .patch_json(&conv(id, ""), &json!({"duration_minutes": 90, "note": "Half the change", "state": "preparing"}))
        .await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("preparing")), "{p}");
    let d = detail(&t.leader_api, id).await;
    assert_eq!(
        (d["duration_minutes"].as_i64(), d["note"].as_str(), d["version"].as_i64()),
        (Some(60), Some(""), Some(1)),
        "a 422 must not have applied half the request: {d}"
    );
}

#[tokio::test]
async fn only_the_direct_manager_schedules() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let missing = t
        .leader_api
        .post_json("/api/v1/conversations", &schedule_body(t.report.id + 1000, t.set_id))
        .await
        .problem(StatusCode::NOT_FOUND);
    for (who, api) in [
        ("skip-level leader", &t.skip_api),
        ("the leader's peer", &t.other_lead_api),
        ("the report's peer", &t.peer_api),
        ("an admin", &t.admin_api),
        ("the report", &t.report_api),
    ] {
        let res = api.post_json("/api/v1/conversations", &schedule_body(t.report.id, t.set_id)).await;
        let p = res.problem(StatusCode::NOT_FOUND);
        assert_eq!(p, missing, "{who} is told no more than for a person who does not exist");
    }
    // The skip-level leader cannot schedule with the leader's reports, but can with the leader.
    let res = t.skip_api.post_json("/api/v1/conversations", &schedule_body(t.leader.id, t.set_id)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(app.store.conversations_of_report(t.report.id).await.expect("list").is_empty(), "nothing created");

    // A deactivated report is not there to schedule with.
    let res = t.admin_api.patch_json(&format!("/api/v1/people/{}", t.report.id), &json!({"active": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let p = t
        .leader_api
        .post_json("/api/v1/conversations", &schedule_body(t.report.id, t.set_id))
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(p, missing);
    assert!(app.store.conversations_of_report(t.report.id).await.expect("list").is_empty(), "nothing created");
    assert!(listed(&t.leader_api).await.iter().all(|(_, part)| part == "report"), "the leader holds none");
}

#[tokio::test]
async fn invalid_schedules_are_422_naming_the_problem_and_create_nothing() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let theirs = app
        .store
        .create_question_set(
            "Olga's own",
            SetScope::Personal,
            Some(t.other_lead.id),
            &[foothold_domain::conversation::Question::new(foothold_domain::conversation::Category::Past, "Why?")
                .expect("a question")],
        )
        .await
        .expect("create a personal set");
    let with = |changes: Value| {
        let mut body = schedule_body(t.report.id, t.set_id);
        for (k, v) in changes.as_object().expect("an object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (with(json!({"time_zone": "Mars/Olympus"})), "Mars/Olympus"),
        (with(json!({"time_zone": ""})), "time zone"),
        (with(json!({"starts_at_local": "2026-03-29T01:30"})), "does not exist"),
        (with(json!({"starts_at_local": "2027-02-30T10:00"})), "YYYY-MM-DD"),
        (with(json!({"starts_at_local": "tomorrow at ten"})), "starts_at_local"),
        (with(json!({"window_months": 0})), "1 to 24 months"),
        (with(json!({"window_months": 25})), "1 to 24 months"),
        (with(json!({"duration_minutes": 5})), "15 and 240 minutes"),
        (with(json!({"duration_minutes": 500})), "15 and 240 minutes"),
        (with(json!({"note": "n".repeat(2001)})), "2000"),
    ];
    for (body, needle) in cases {
        let res = t.leader_api.post_json("/api/v1/conversations", &body).await;
        let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains(needle)), "{body} should name {needle:?}: {p}");
    }
    // A set id is a valid value; that it is someone else's set, or none,
    // conflicts with what is stored.
    for set in [theirs.id, theirs.id + 1000] {
        let res = t.leader_api.post_json("/api/v1/conversations", &with(json!({"question_set_id": set}))).await;
        let p = res.problem(StatusCode::CONFLICT);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("question set")), "{p}");
    }
    assert!(app.store.conversations_of_report(t.report.id).await.expect("list").is_empty(), "nothing created");

    // The limits themselves are fine, and so is the leader's own personal set.
    let mine = app
        .store
        .create_question_set(
            "Lee's own",
            SetScope::Personal,
            Some(t.leader.id),
            &[foothold_domain::conversation::Question::new(
                foothold_domain::conversation::Category::Future,
                "What next, over {window}?",
            )
            .expect("a question")],
        )
        .await
        .expect("create a personal set");
    let res = t
        .leader_api
        .post_json(
            "/api/v1/conversations",
            &with(json!({"duration_minutes": 240, "window_months": 24, "question_set_id": mine.id})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let d = detail(&t.report_api, id_of(&res.json())).await;
    assert_eq!(d["question_set"], "Lee's own");
    assert_eq!(d["questions"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["questions"][0]["text"], "What next, over 24 months?");
    let res = t
        .leader_api
        .post_json("/api/v1/conversations", &with(json!({"duration_minutes": 15, "window_months": 1})))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let d = detail(&t.report_api, id_of(&res.json())).await;
    assert_eq!(d["questions"][0]["text"], "Reflecting on the past month, when have you felt most engaged?");
}

#[tokio::test]
async fn the_openapi_document_lists_every_conversation_operation() {
    let app = TestApp::spawn().await;
    let doc = app.anonymous_api().get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().expect("paths");
    let expected: [(&str, &[&str]); 7] = [
        ("/api/v1/conversations", &["get", "post"]),
        ("/api/v1/conversations/{id}", &["get", "patch"]),
        ("/api/v1/conversations/{id}/answers/{question_id}", &["put"]),
        ("/api/v1/conversations/{id}/answers/{question_id}/share", &["post", "delete"]),
        ("/api/v1/conversations/{id}/share", &["post"]),
        ("/api/v1/conversations/{id}/notes/{kind}", &["get", "put"]),
        ("/api/v1/conversations/{id}/access/{person_id}", &["put", "delete"]),
    ];
    for (path, methods) in expected {
        let item = paths.get(path).unwrap_or_else(|| panic!("{path} is missing; paths: {:?}", paths.keys()));
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} is missing");
            assert_eq!(item[*m]["tags"][0], "conversations", "{m} {path}");
        }
    }
    let conflict = &paths["/api/v1/conversations/{id}/answers/{question_id}"]["put"]["responses"]["409"];
    assert!(conflict["content"].get("application/problem+json").is_some(), "{conflict}");
    assert!(doc["components"]["schemas"].get("ConversationDetail").is_some());
}
