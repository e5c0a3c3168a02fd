//! Who sees what in a career conversation: drafts are the report's alone,
//! shared answers and notes reach the leader who holds it (and a later manager
//! only by the report's grant), private notes stay the leader's, and everyone
//! else finds nothing at all.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::{Team, answer, conv, detail, listed, save_note, save_ok, schedule, share, team};
use crate::harness::{Api, Browser, Resp, TestApp, csrf_in};

const DRAFT: &str = "DRAFT-7f3a: I have been thinking about leaving.";
const SHARED: &str = "SHARED-91bc: proud of the database migration.";
const SHARED_NOTE: &str = "SHARED-NOTE-44d0: agreed to try a rotation.";
const PRIVATE_NOTE: &str = "PRIVATE-NOTE-e2c8: seems restless, talk to HR about the rotation.";

/// A conversation with one draft (q0), one shared answer (q1), shared notes and the leader's private notes.
async fn prepared(t: &Team) -> (i64, Vec<i64>) {
    let (id, q) = schedule(t).await;
    save_ok(&t.report_api, id, q[0], DRAFT, 0).await;
    save_ok(&t.report_api, id, q[1], SHARED, 0).await;
    assert_eq!(share(&t.report_api, id, q[1], true).await.status, StatusCode::OK);
    assert_eq!(save_note(&t.leader_api, id, "shared", SHARED_NOTE, 0).await.status, StatusCode::OK);
    assert_eq!(save_note(&t.leader_api, id, "private", PRIVATE_NOTE, 0).await.status, StatusCode::OK);
    (id, q)
}

/// A page as a signed-in person sees it.
async fn page(app: &TestApp, person_id: i64, path: &str) -> Resp {
    app.browser_for(person_id).await.get(path).await
}

async fn note_text(api: &Api, id: i64, kind: &str) -> Resp {
    api.get(&conv(id, &format!("/notes/{kind}"))).await
}

#[tokio::test]
async fn a_draft_is_seen_by_its_author_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = prepared(&t).await;

    let mine = detail(&t.report_api, id).await;
    assert_eq!(answer(&mine, q[0])["text"], DRAFT);
    assert_eq!(answer(&mine, q[0])["shared"], false);
    assert_eq!(answer(&mine, q[1])["shared"], true);
    let report_page = page(&app, t.report.id, &format!("/conversations/{id}")).await;
    assert_eq!(report_page.status, StatusCode::OK);
    assert!(report_page.body.contains(DRAFT), "the report's own page shows the draft");

    let res = t.leader_api.get(&conv(id, "")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("DRAFT-7f3a"), "the leader's API view holds no draft: {}", res.body);
    let theirs = res.json();
    assert_eq!(answer(&theirs, q[0]), Value::Null, "a draft is `answer: null` to the leader");
    assert_eq!(answer(&theirs, q[1])["text"], SHARED);
    let leader_page = page(&app, t.leader.id, &format!("/conversations/{id}")).await;
    assert_eq!(leader_page.status, StatusCode::OK);
    assert!(!leader_page.body.contains("DRAFT-7f3a"), "the leader's page holds no draft");
    assert!(leader_page.body.contains(SHARED), "the leader's page shows the shared answer");
    assert!(leader_page.body.contains("Not shared."));

    let res = t.admin_api.get(&conv(id, "")).await;
    res.problem(StatusCode::NOT_FOUND);
    assert!(!res.body.contains("DRAFT-7f3a"));
    let admin_page = page(&app, t.admin.id, &format!("/conversations/{id}")).await;
    assert_eq!(admin_page.status, StatusCode::NOT_FOUND);
    assert!(!admin_page.body.contains("DRAFT-7f3a") && !admin_page.body.contains("SHARED-91bc"));
    assert!(listed(&t.admin_api).await.is_empty(), "an admin has no conversations");
}

#[tokio::test]
async fn outsiders_get_404_on_every_route_exactly_as_for_a_missing_id() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = prepared(&t).await;
    let missing = id + 100_000;
    let before = detail(&t.report_api, id).await;
    let leader_before = detail(&t.leader_api, id).await;

    let requests = |who: i64, cid: i64| -> Vec<(Method, String, Option<Value>)> {
        let text = |v: i64| Some(json!({"text": "an outsider was here", "version": v}));
        vec![
            (Method::GET, conv(cid, ""), None),
            (Method::PATCH, conv(cid, ""), Some(json!({"note": "an outsider was here"}))),
            (Method::PATCH, conv(cid, ""), Some(json!({"state": "cancelled"}))),
            (Method::PUT, conv(cid, &format!("/answers/{}", q[0])), text(0)),
            (Method::PUT, conv(cid, &format!("/answers/{}", q[0])), text(1)),
            (Method::PUT, conv(cid, &format!("/answers/{}", q[2])), text(0)),
            (Method::POST, conv(cid, &format!("/answers/{}/share", q[0])), None),
            (Method::DELETE, conv(cid, &format!("/answers/{}/share", q[1])), None),
            (Method::POST, conv(cid, "/share"), None),
            (Method::GET, conv(cid, "/notes/shared"), None),
            (Method::GET, conv(cid, "/notes/private"), None),
            (Method::PUT, conv(cid, "/notes/shared"), text(1)),
            (Method::PUT, conv(cid, "/notes/private"), text(1)),
            (Method::PUT, conv(cid, "/notes/shared"), text(0)),
            (Method::PUT, conv(cid, &format!("/access/{who}")), None),
            (Method::DELETE, conv(cid, &format!("/access/{who}")), None),
            (Method::DELETE, conv(cid, &format!("/access/{}", t.leader.id)), None),
        ]
    };
    for (name, who, api) in [
        ("admin", t.admin.id, &t.admin_api),
        ("skip-level leader", t.skip.id, &t.skip_api),
        ("the report's peer", t.peer.id, &t.peer_api),
        ("the leader's peer", t.other_lead.id, &t.other_lead_api),
    ] {
        for ((method, path, body), (_, missing_path, _)) in requests(who, id).into_iter().zip(requests(who, missing)) {
            let send = |p: &str| {
                let rb = api.request(method.clone(), p);
                api.send(match &body {
                    Some(b) => rb.json(b),
                    None => rb,
                })
            };
            let real = send(&path).await;
            let none = send(&missing_path).await;
            let p = real.problem(StatusCode::NOT_FOUND);
            assert_eq!(p, none.problem(StatusCode::NOT_FOUND), "{name}: {method} {path} tells more than for no id");
            for secret in ["DRAFT-7f3a", "SHARED-91bc", "SHARED-NOTE", "PRIVATE-NOTE"] {
                assert!(!real.body.contains(secret), "{name}: {method} {path}: {}", real.body);
            }
        }
        assert!(listed(api).await.iter().all(|(c, _)| *c != id), "{name} does not list it");
    }

    // The pages answer the same way.
    let answer_field = format!("answer-{}", q[2]);
    let forms: [(&str, Vec<(&str, &str)>); 6] = [
        ("answers", vec![(answer_field.as_str(), "an outsider was here"), ("action", "share-all")]),
        ("notes", vec![("shared_notes", "x"), ("private_notes", "y")]),
        ("held", vec![]),
        ("cancel", vec![]),
        ("access", vec![("person_id", "0"), ("allow", "1")]),
        (
            "reschedule",
            vec![
                ("version", "1"),
                ("date", "2027-05-01"),
                ("time", "10:00"),
                ("time_zone", "UTC"),
                ("duration_minutes", "60"),
                ("window_months", "6"),
                ("note", ""),
            ],
        ),
    ];
    for (name, who) in
        [("admin", t.admin.id), ("skip", t.skip.id), ("peer", t.peer.id), ("other lead", t.other_lead.id)]
    {
        let b = app.browser_for(who).await;
        let csrf = b.csrf().await;
        let mut seen: Vec<Vec<(StatusCode, String)>> = Vec::new();
        for cid in [id, missing] {
            let mut responses = vec![
                b.get(&format!("/conversations/{cid}")).await,
                b.get(&format!("/conversations/{cid}/reschedule")).await,
            ];
            for (action, extra) in &forms {
                let mut all = vec![("csrf", csrf.as_str())];
                all.extend(extra.iter().copied());
                responses.push(b.post_form(&format!("/conversations/{cid}/{action}"), &all).await);
            }
            for r in &responses {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{name} on {cid}: {}", r.body);
                assert!(!r.body.contains("DRAFT-7f3a") && !r.body.contains("SHARED-91bc"), "{name}");
            }
            seen.push(responses.into_iter().map(|r| (r.status, r.body)).collect());
        }
        assert_eq!(seen[0], seen[1], "{name}: the pages of a real conversation look like those of a missing one");
    }

    assert_eq!(detail(&t.report_api, id).await, before, "nothing changed for the report");
    assert_eq!(detail(&t.leader_api, id).await, leader_before, "nothing changed for the leader");
    let shared = app.store.note(id, foothold_store::NoteKind::Shared).await.expect("read").expect("notes");
    assert_eq!((shared.text.as_str(), shared.version), (SHARED_NOTE, 1));
    let private = app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").expect("notes");
    assert_eq!((private.text.as_str(), private.version), (PRIVATE_NOTE, 1));
    assert!(app.store.grants(id).await.expect("grants").is_empty());
}

#[tokio::test]
async fn shared_notes_are_for_both_and_private_notes_for_the_leader_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = prepared(&t).await;

    let res = note_text(&t.report_api, id, "shared").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let n = res.json();
    assert_eq!(n["text"], SHARED_NOTE);
    assert_eq!(n["version"], 1);
    assert_eq!(n["updated_by"], t.leader.id);
    let res = save_note(&t.report_api, id, "shared", "Both of us wrote this.", 1).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["version"], 2);
    let n = note_text(&t.leader_api, id, "shared").await.json();
    assert_eq!((n["text"].as_str(), n["updated_by"].as_i64()), (Some("Both of us wrote this."), Some(t.report.id)));

    let n = note_text(&t.leader_api, id, "private").await.json();
    assert_eq!(n["text"], PRIVATE_NOTE);
    // There are two kinds of notes, which the document lists.
    let p = note_text(&t.report_api, id, "nonsense").await.problem(StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("`shared` or `private`")), "{p}");
    // To the report, the leader's private notes do not exist: the same answer as a conversation that does not.
    let unknown = note_text(&t.report_api, id + 1000, "private").await.problem(StatusCode::NOT_FOUND);
    let res = note_text(&t.report_api, id, "private").await;
    assert_eq!(res.problem(StatusCode::NOT_FOUND), unknown);
    assert!(!res.body.contains("PRIVATE-NOTE"));
    for v in [0, 1, 2] {
        let res = save_note(&t.report_api, id, "private", "The report overwrites it.", v).await;
        res.problem(StatusCode::NOT_FOUND);
        assert!(!res.body.contains("PRIVATE-NOTE"), "{}", res.body);
    }
    let stored = app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").expect("notes");
    assert_eq!((stored.text.as_str(), stored.version), (PRIVATE_NOTE, 1));

    let report_page = page(&app, t.report.id, &format!("/conversations/{id}")).await;
    assert_eq!(report_page.status, StatusCode::OK);
    assert!(report_page.body.contains("Both of us wrote this."));
    assert!(!report_page.body.contains("PRIVATE-NOTE"), "the report's page never holds private notes");
    assert!(!report_page.body.contains("private_notes"), "nor a field for them");
    let leader_page = page(&app, t.leader.id, &format!("/conversations/{id}")).await;
    assert!(leader_page.body.contains(PRIVATE_NOTE) && leader_page.body.contains("Both of us wrote this."));

    // The report posting the notes form with a private field changes nothing.
    let b = app.browser_for(t.report.id).await;
    let res = b
        .submit(&format!("/conversations/{id}/notes"), &[("private_notes", "Hijacked."), ("private_version", "1")])
        .await;
    assert!(matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}: {}", res.status, res.body);
    assert!(!res.body.contains("PRIVATE-NOTE"));
    let stored = app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").expect("notes");
    assert_eq!((stored.text.as_str(), stored.version), (PRIVATE_NOTE, 1));
}

/// The notes form compares what is posted with what is stored before it checks
/// who may write: posting exactly the stored text must not be a way to confirm it.
#[tokio::test]
async fn the_notes_form_does_not_confirm_a_guess_of_notes_one_may_not_read() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = prepared(&t).await;
    let path = format!("/conversations/{id}/notes");

    let b = app.browser_for(t.report.id).await;
    let right = b.submit(&path, &[("private_notes", PRIVATE_NOTE)]).await;
    let wrong = b.submit(&path, &[("private_notes", "A wrong guess.")]).await;
    assert_ne!(right.status, StatusCode::SEE_OTHER, "the report's right guess of private notes is 'saved'");
    assert_eq!(right.status, wrong.status, "a right and a wrong guess must look the same to the report");

    // A former leader whose access the report took back cannot confirm the shared notes either.
    assert_eq!(
        t.report_api.call(Method::DELETE, &conv(id, &format!("/access/{}", t.leader.id))).await.status,
        StatusCode::NO_CONTENT
    );
    let b = app.browser_for(t.leader.id).await;
    let right = b.submit(&path, &[("shared_notes", SHARED_NOTE)]).await;
    let wrong = b.submit(&path, &[("shared_notes", "A wrong guess.")]).await;
    assert_ne!(right.status, StatusCode::SEE_OTHER, "the revoked leader's right guess of shared notes is 'saved'");
    assert_eq!(right.status, wrong.status, "a right and a wrong guess must look the same to a revoked leader");
}

/// The report's own preparation page, to check what it says about access.
async fn access_section(b: &Browser, id: i64) -> String {
    let res = b.get(&format!("/conversations/{id}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(csrf_in(&res.body).is_some());
    res.body
}

#[tokio::test]
async fn after_a_manager_change_the_report_decides_who_reads_the_conversation() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = prepared(&t).await;
    let res = t
        .admin_api
        .patch_json(&format!("/api/v1/people/{}", t.report.id), &json!({"manager_id": t.other_lead.id}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let new = &t.other_lead_api;
    let conv_page = format!("/conversations/{id}");
    let new_page = || page(&app, t.other_lead.id, &conv_page);

    // The new manager finds nothing until the report grants it.
    new.get(&conv(id, "")).await.problem(StatusCode::NOT_FOUND);
    note_text(new, id, "shared").await.problem(StatusCode::NOT_FOUND);
    assert_eq!(new_page().await.status, StatusCode::NOT_FOUND);
    assert!(listed(new).await.is_empty());
    // The former leader still reads the conversation they held.
    let d = detail(&t.leader_api, id).await;
    assert_eq!(d["part"], "leader");
    assert_eq!(answer(&d, q[1])["text"], SHARED);
    let rb = app.browser_for(t.report.id).await;
    let html = access_section(&rb, id).await;
    assert!(html.contains("Lee Leader held this conversation and can still read what you shared."), "{html}");
    assert!(html.contains("Your manager now, Olga Other, cannot read this conversation."), "{html}");

    // Only the current manager can be granted.
    for other in [t.skip.id, t.peer.id, t.admin.id] {
        let p = t.report_api.call(Method::PUT, &conv(id, &format!("/access/{other}"))).await;
        let p = p.problem(StatusCode::CONFLICT);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("current manager")), "{p}");
    }
    assert!(app.store.grants(id).await.expect("grants").is_empty());
    // Only the report grants.
    let res = t.leader_api.call(Method::PUT, &conv(id, &format!("/access/{}", t.other_lead.id))).await;
    res.problem(StatusCode::FORBIDDEN);
    assert!(app.store.grants(id).await.expect("grants").is_empty());

    let res = t.report_api.call(Method::PUT, &conv(id, &format!("/access/{}", t.other_lead.id))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    assert_eq!(app.store.grants(id).await.expect("grants"), vec![t.other_lead.id]);
    let res = new.get(&conv(id, "")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!res.body.contains("DRAFT-7f3a"), "{}", res.body);
    let d = res.json();
    assert_eq!(d["part"], "granted");
    assert_eq!(answer(&d, q[1])["text"], SHARED);
    assert_eq!(answer(&d, q[0]), Value::Null, "drafts stay the report's");
    assert_eq!(note_text(new, id, "shared").await.json()["text"], SHARED_NOTE);
    note_text(new, id, "private").await.problem(StatusCode::NOT_FOUND);
    assert_eq!(listed(new).await, vec![(id, "granted".to_owned())]);
    let html = new_page().await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains(SHARED) && html.body.contains(SHARED_NOTE), "{}", html.body);
    assert!(!html.body.contains("DRAFT-7f3a") && !html.body.contains("PRIVATE-NOTE"), "{}", html.body);
    assert!(!html.body.contains("private_notes"));
    // A granted manager reads; they do not write or manage.
    save_note(new, id, "shared", "The new manager's edit.", 1).await.problem(StatusCode::NOT_FOUND);
    save_note(new, id, "private", "The new manager's own notes.", 0).await.problem(StatusCode::NOT_FOUND);
    crate::conversations::save(new, id, q[2], "Written by the new manager.", 0).await.problem(StatusCode::FORBIDDEN);
    share(new, id, q[0], true).await.problem(StatusCode::FORBIDDEN);
    new.patch_json(&conv(id, ""), &json!({"state": "cancelled"})).await.problem(StatusCode::FORBIDDEN);
    let shared = app.store.note(id, foothold_store::NoteKind::Shared).await.expect("read").expect("notes");
    assert_eq!((shared.text.as_str(), shared.version), (SHARED_NOTE, 1), "nothing changed");
    let mine = detail(&t.report_api, id).await;
    assert_eq!(mine["state"], "shared");
    assert_eq!(answer(&mine, q[0])["shared"], false);
    assert_eq!(answer(&mine, q[2]), Value::Null);

    // The report takes the grant back.
    let res = t.report_api.call(Method::DELETE, &conv(id, &format!("/access/{}", t.other_lead.id))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    new.get(&conv(id, "")).await.problem(StatusCode::NOT_FOUND);
    note_text(new, id, "shared").await.problem(StatusCode::NOT_FOUND);
    assert!(listed(new).await.is_empty());
    assert_eq!(new_page().await.status, StatusCode::NOT_FOUND);

    // And the former leader's access.
    let res = t.report_api.call(Method::DELETE, &conv(id, &format!("/access/{}", t.leader.id))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = t.leader_api.get(&conv(id, "")).await;
    assert_eq!(res.status, StatusCode::OK, "the conversation they held still exists for them");
    assert!(!res.body.contains("SHARED-91bc") && !res.body.contains("DRAFT-7f3a"), "{}", res.body);
    let d = res.json();
    assert_eq!(d["part"], "revoked_leader");
    assert!(d["questions"].as_array().expect("questions").iter().all(|q| q["answer"].is_null()), "{d}");
    note_text(&t.leader_api, id, "shared").await.problem(StatusCode::NOT_FOUND);
    save_note(&t.leader_api, id, "shared", "Still writing.", 1).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(note_text(&t.leader_api, id, "private").await.json()["text"], PRIVATE_NOTE, "their own notes stay");
    let res = save_note(&t.leader_api, id, "private", "My follow-up.", 1).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(listed(&t.leader_api).await, vec![(id, "revoked_leader".to_owned())]);
    let html = page(&app, t.leader.id, &format!("/conversations/{id}")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("My follow-up."), "{}", html.body);
    assert!(!html.body.contains("SHARED-91bc") && !html.body.contains("SHARED-NOTE"), "{}", html.body);
    let html = access_section(&rb, id).await;
    assert!(html.contains("Lee Leader held this conversation; you took back their access."), "{html}");

    // Access given back.
    let res = t.report_api.call(Method::PUT, &conv(id, &format!("/access/{}", t.leader.id))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let d = detail(&t.leader_api, id).await;
    assert_eq!(d["part"], "leader");
    assert_eq!(answer(&d, q[1])["text"], SHARED);
    assert_eq!(listed(&t.leader_api).await, vec![(id, "leader".to_owned())]);
    assert_eq!(listed(&t.report_api).await, vec![(id, "report".to_owned())]);
}
