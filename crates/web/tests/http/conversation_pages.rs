//! Career conversations without JavaScript: the preparation and leader pages'
//! forms, conflicts shown with both texts, CSRF, scheduling from a page, and
//! what the home pages say is next.

use reqwest::StatusCode;
use serde_json::json;

use crate::conversations::{Team, answer, conv, detail, save_note, save_ok, schedule, share, team};
use crate::harness::{Browser, Resp, TestApp, hidden_fields};

/// The text inside the textarea that ends its opening tag with `marker`.
fn textarea(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("no textarea {marker} in {html}")) + marker.len();
    let end = html[start..].find("</textarea>").expect("a closed textarea") + start;
    html[start..end].to_owned()
}

fn answer_box(html: &str, qid: i64) -> String {
    textarea(html, &format!(r#"data-version-input="version-{qid}">"#))
}

/// The hidden fields of a form in a page, owned, ready to extend.
fn form_of(page: &Resp, action: &str) -> Vec<(String, String)> {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    hidden_fields(&page.body, action)
}

async fn post(b: &Browser, path: &str, fields: &[(String, String)]) -> Resp {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post_form(path, &borrowed).await
}

fn set(fields: &mut Vec<(String, String)>, key: &str, value: &str) {
    fields.retain(|(k, _)| k != key);
    fields.push((key.to_owned(), value.to_owned()));
}

#[tokio::test]
async fn the_report_prepares_and_shares_everything_without_javascript() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    let b = app.browser_for(t.report.id).await;
    let page = b.get(&format!("/conversations/{id}")).await;
    assert!(page.body.contains("Prepare for your conversation"), "{}", page.body);
    assert!(page.body.contains("Reflecting on the past six months, when have you felt most engaged?"));
    for label in ["Past", "Present", "Future"] {
        assert!(page.body.contains(&format!(">{label}</h2>")), "{label}");
    }
    assert_eq!(detail(&t.report_api, id).await["state"], "preparing", "opening the page starts preparation");

    let action = format!("/conversations/{id}/answers");
    let mut fields = form_of(&page, &action);
    assert!(fields.iter().any(|(k, v)| k == &format!("version-{}", q[0]) && v == "0"), "{fields:?}");
    for (i, qid) in q.iter().enumerate() {
        let text = match i {
            0 => "Shipping the search rewrite.",
            4 => "Whiteboarding with the team.\r\nAnd pairing.",
            8 => "The release process.",
            _ => "",
        };
        fields.push((format!("answer-{qid}"), text.to_owned()));
    }
    fields.push(("action".into(), "share-all".into()));
    let res = post(&b, &action, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(format!("/conversations/{id}?saved=shared").as_str()));

    let d = detail(&t.leader_api, id).await;
    assert_eq!(d["state"], "shared");
    assert_eq!(answer(&d, q[0])["text"], "Shipping the search rewrite.");
    assert_eq!(
        answer(&d, q[4])["text"],
        "Whiteboarding with the team.\nAnd pairing.",
        "browsers' CRLF is stored as LF"
    );
    assert_eq!(answer(&d, q[8])["text"], "The release process.");
    assert!(answer(&d, q[1]).is_null(), "empty boxes store nothing");
    assert_eq!(app.store.answers_of_report(id).await.expect("answers").len(), 3);
    let shown = b.get(&format!("/conversations/{id}?saved=shared")).await;
    assert!(shown.body.contains("Shared."), "the notice shows");
    assert!(shown.body.contains("Shared with Lee Leader"));

    // Take one back with its own button.
    let mut fields = form_of(&shown, &action);
    fields.push(("action".into(), format!("unshare:{}", q[0])));
    let res = post(&b, &action, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(format!("/conversations/{id}?saved=unshared#q-{}", q[0]).as_str()));
    assert!(answer(&detail(&t.leader_api, id).await, q[0]).is_null());
    let leader_page = app.browser_for(t.leader.id).await.get(&format!("/conversations/{id}")).await;
    let words = unmarked(&leader_page.body);
    assert!(!words.contains("Shipping the search rewrite."));
    assert!(words.contains("The release process."), "{words}");
}

/// The page without the `<mark>` tags that highlight theme evidence inside answers.
fn unmarked(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<mark") {
        out.push_str(&rest[..i]);
        rest = rest[i..].split_once('>').map(|(_, after)| after).unwrap_or("");
    }
    out.push_str(rest);
    out.replace("</mark>", "")
}

#[tokio::test]
async fn a_stale_form_shows_both_texts_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    let b = app.browser_for(t.report.id).await;
    let action = format!("/conversations/{id}/answers");
    let page = b.get(&format!("/conversations/{id}")).await;
    let mut fields = form_of(&page, &action);

    // Meanwhile, on the phone.
    save_ok(&t.report_api, id, q[0], "Written on my phone.", 0).await;

    fields.push((format!("answer-{}", q[0]), "Typed on my laptop.".into()));
    fields.push(("action".into(), "share-all".into()));
    let res = post(&b, &action, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(answer_box(&res.body, q[0]), "Typed on my laptop.", "the typed text stays in the box");
    assert!(res.body.contains(r#"<pre class="theirs">Written on my phone.</pre>"#), "{}", res.body);
    assert!(res.body.contains("changed elsewhere"), "{}", res.body);
    let stored = app.store.answers_of_report(id).await.expect("answers");
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].text.as_str(), stored[0].version), ("Written on my phone.", 1));
    assert!(stored[0].shared_at.is_none(), "a conflict shares nothing");
    assert_eq!(detail(&t.report_api, id).await["state"], "preparing");

    // The page carries the stored version: merging and saving again works.
    let mut fields = hidden_fields(&res.body, &action);
    assert!(fields.iter().any(|(k, v)| k == &format!("version-{}", q[0]) && v == "1"), "{fields:?}");
    fields.push((format!("answer-{}", q[0]), "Merged: laptop and phone.".into()));
    fields.push(("action".into(), "save".into()));
    let res = post(&b, &action, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(format!("/conversations/{id}?saved=answers").as_str()));
    let d = detail(&t.report_api, id).await;
    assert_eq!(answer(&d, q[0])["text"], "Merged: laptop and phone.");
    assert_eq!(answer(&d, q[0])["version"], 2);
    assert_eq!(answer(&d, q[0])["shared"], false, "save does not share");

    // Too long in the form: 422, the text kept in its box, nothing stored.
    let page = b.get(&format!("/conversations/{id}")).await;
    let mut fields = form_of(&page, &action);
    let long = "y".repeat(20_001);
    fields.push((format!("answer-{}", q[1]), long.clone()));
    let res = post(&b, &action, &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", &res.body[..500.min(res.body.len())]);
    assert!(res.body.contains("20,000"));
    assert_eq!(answer_box(&res.body, q[1]), long);
    assert!(answer(&detail(&t.report_api, id).await, q[1]).is_null());
}

#[tokio::test]
async fn the_notes_forms_save_and_keep_both_texts_on_a_conflict() {
    let app = TestApp::spawn().await;
    let t: Team = team(&app).await;
    let (id, _) = schedule(&t).await;
    let action = format!("/conversations/{id}/notes");
    let rb = app.browser_for(t.report.id).await;
    let page = rb.get(&format!("/conversations/{id}")).await;
    let mut fields = form_of(&page, &action);
    assert!(fields.iter().any(|(k, v)| k == "shared_version" && v == "0"), "{fields:?}");

    let res = save_note(&t.leader_api, id, "shared", "Agenda from the leader.", 0).await;
    assert_eq!(res.status, StatusCode::OK);
    fields.push(("shared_notes".into(), "Agenda from the report.".into()));
    let res = post(&rb, &action, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(textarea(&res.body, r#"data-version-input="shared-version">"#), "Agenda from the report.");
    assert!(res.body.contains(r#"<pre class="theirs">Agenda from the leader.</pre>"#), "{}", res.body);
    let n = app.store.note(id, foothold_store::NoteKind::Shared).await.expect("read").expect("notes");
    assert_eq!((n.text.as_str(), n.version), ("Agenda from the leader.", 1));

    let mut fields = hidden_fields(&res.body, &action);
    set(&mut fields, "shared_notes", "Agenda from both of us.");
    let res = post(&rb, &action, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(format!("/conversations/{id}?saved=notes").as_str()));

    // The leader's form has both kinds.
    let lb = app.browser_for(t.leader.id).await;
    let page = lb.get(&format!("/conversations/{id}")).await;
    assert_eq!(textarea(&page.body, r#"data-version-input="shared-version">"#), "Agenda from both of us.");
    let mut fields = form_of(&page, &action);
    assert!(fields.iter().any(|(k, v)| k == "shared_version" && v == "2"), "{fields:?}");
    set(&mut fields, "shared_notes", "Agenda from both of us, and the leader's follow-up.");
    set(&mut fields, "private_notes", "Only for me.");
    let res = post(&lb, &action, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let n = app.store.note(id, foothold_store::NoteKind::Shared).await.expect("read").expect("notes");
    assert_eq!(
        (n.text.as_str(), n.version, n.updated_by),
        ("Agenda from both of us, and the leader's follow-up.", 3, t.leader.id)
    );
    let p = app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").expect("notes");
    assert_eq!(p.text, "Only for me.");
    // A stale private version from the leader's other tab.
    set(&mut fields, "private_notes", "Other tab.");
    set(&mut fields, "shared_notes", "Agenda from both of us, and the leader's follow-up.");
    let res = post(&lb, &action, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(textarea(&res.body, r#"data-version-input="private-version">"#), "Other tab.");
    assert!(res.body.contains(r#"<pre class="theirs">Only for me.</pre>"#), "{}", res.body);
    let p = app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").expect("notes");
    assert_eq!((p.text.as_str(), p.version), ("Only for me.", 1));
}

/// Form fields as `post_form` takes them.
type Fields<'a> = Vec<(&'a str, &'a str)>;

#[tokio::test]
async fn conversation_forms_need_the_csrf_field() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    let rb = app.browser_for(t.report.id).await;
    let lb = app.browser_for(t.leader.id).await;
    let answer_field = format!("answer-{}", q[0]);
    let cases: Vec<(&Browser, String, Fields)> = vec![
        (
            &rb,
            format!("/conversations/{id}/answers"),
            vec![(answer_field.as_str(), "Forged."), ("action", "share-all")],
        ),
        (&rb, format!("/conversations/{id}/notes"), vec![("shared_notes", "Forged.")]),
        (&rb, format!("/conversations/{id}/access"), vec![("person_id", "1"), ("allow", "0")]),
        (&lb, format!("/conversations/{id}/notes"), vec![("private_notes", "Forged.")]),
        (&lb, format!("/conversations/{id}/held"), vec![]),
        (&lb, format!("/conversations/{id}/cancel"), vec![]),
        (
            &lb,
            format!("/conversations/{id}/reschedule"),
            vec![
                ("date", "2027-06-01"),
                ("time", "10:00"),
                ("time_zone", "UTC"),
                ("duration_minutes", "60"),
                ("window_months", "6"),
            ],
        ),
        (
            &lb,
            "/conversations".to_owned(),
            vec![
                ("report_id", "0"),
                ("date", "2027-06-01"),
                ("time", "10:00"),
                ("time_zone", "UTC"),
                ("duration_minutes", "60"),
                ("set_id", "1"),
                ("window_months", "6"),
            ],
        ),
    ];
    let before = detail(&t.leader_api, id).await;
    for (b, path, fields) in cases {
        let res = b.post_form(&path, &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} without csrf: {}", res.body);
        let mut wrong = vec![("csrf", "not-the-token")];
        wrong.extend(fields.iter().copied());
        let res = b.post_form(&path, &wrong).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} with a wrong csrf: {}", res.body);
    }
    assert_eq!(detail(&t.leader_api, id).await, before, "nothing changed");
    assert!(app.store.answers_of_report(id).await.expect("answers").is_empty());
    assert!(app.store.note(id, foothold_store::NoteKind::Shared).await.expect("read").is_none());
    assert!(app.store.note(id, foothold_store::NoteKind::Private).await.expect("read").is_none());
    assert_eq!(app.store.conversations_of_report(t.report.id).await.expect("list").len(), 1);
}

#[tokio::test]
async fn the_leader_schedules_reschedules_and_holds_from_pages() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let lb = app.browser_for(t.leader.id).await;
    let form = lb.get(&format!("/conversations/new?report={}", t.report.id)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Rae Report") && form.body.contains("Career dreaming"));
    assert!(!form.body.contains("Sam Skip"), "only direct reports are offered");
    let nobody = app.browser_for(t.report.id).await.get("/conversations/new").await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND, "someone without reports has nobody to schedule with");

    let set = t.set_id.to_string();
    let report = t.report.id.to_string();
    let mut fields = vec![
        ("report_id", report.as_str()),
        ("date", "2027-03-10"),
        ("time", "10:00"),
        ("time_zone", "America/New_York"),
        ("duration_minutes", "45"),
        ("set_id", set.as_str()),
        ("window_months", "0"),
        ("note", "Looking forward to it."),
    ];
    let res = lb.submit("/conversations", &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("1 to 24 months"), "{}", res.body);
    assert!(res.body.contains("Looking forward to it."), "what was typed stays");
    assert!(app.store.conversations_of_report(t.report.id).await.expect("list").is_empty());

    fields[6] = ("window_months", "3");
    let res = lb.submit("/conversations", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let made = app.store.conversations_of_report(t.report.id).await.expect("list");
    assert_eq!(made.len(), 1);
    let c = &made[0];
    assert_eq!(res.location(), Some(format!("/conversations/{}", c.id).as_str()));
    assert_eq!(c.scheduled_at.to_rfc3339(), "2027-03-10T15:00:00+00:00", "10:00 in New York, EST");
    assert_eq!((c.duration_minutes, c.window.get(), c.leader_id), (45, 3, t.leader.id));
    let id = c.id;

    let page = lb.get(&format!("/conversations/{id}")).await;
    assert!(page.body.contains("Career conversation with Rae Report"), "{}", page.body);
    assert!(page.body.contains("Wed 10 Mar 2027, 10:00 (America/New_York)"), "{}", page.body);
    assert!(page.body.contains("Leader&#x27;s guide") || page.body.contains("Leader's guide"));

    let form = lb.get(&format!("/conversations/{id}/reschedule")).await;
    let hidden = form_of(&form, &format!("/conversations/{id}/reschedule"));
    let version = hidden.iter().find(|(k, _)| k == "version").map(|(_, v)| v.clone()).expect("a version field");
    let move_to = |version: &str, date: &str| {
        vec![
            ("version".to_owned(), version.to_owned()),
            ("date".to_owned(), date.to_owned()),
            ("time".to_owned(), "16:30".to_owned()),
            ("time_zone".to_owned(), "Asia/Tokyo".to_owned()),
            ("duration_minutes".to_owned(), "60".to_owned()),
            ("window_months".to_owned(), "3".to_owned()),
            ("note".to_owned(), "Moved.".to_owned()),
        ]
    };
    let csrf = lb.csrf().await;
    let mut fields = move_to(&version, "2027-03-12");
    fields.push(("csrf".into(), csrf.clone()));
    let res = post(&lb, &format!("/conversations/{id}/reschedule"), &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let d = detail(&t.leader_api, id).await;
    assert_eq!(d["starts_at"], "2027-03-12T07:30:00Z");
    assert_eq!(d["time_zone"], "Asia/Tokyo");
    // The same (now stale) form again.
    let mut fields = move_to(&version, "2027-03-19");
    fields.push(("csrf".into(), csrf.clone()));
    let res = post(&lb, &format!("/conversations/{id}/reschedule"), &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("2027-03-19"), "what was typed stays");
    assert_eq!(detail(&t.leader_api, id).await["starts_at"], "2027-03-12T07:30:00Z");

    // The report answers and shares; the leader marks it held.
    save_ok(&t.report_api, id, crate::conversations::question_ids(&d)[0], "Shared before.", 0).await;
    assert_eq!(t.report_api.call(reqwest::Method::POST, &conv(id, "/share")).await.status, StatusCode::OK);
    let res = lb.submit(&format!("/conversations/{id}/held"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(format!("/conversations/{id}?saved=held").as_str()));
    assert_eq!(detail(&t.leader_api, id).await["state"], "held");
    let page = lb.get(&format!("/conversations/{id}?saved=held")).await;
    assert!(page.body.contains("Marked as held."));
    assert!(!page.body.contains("Mark as held</button>"), "no more managing a held conversation");

    // The report's page is read-only now, and a forced form post changes nothing.
    let rb = app.browser_for(t.report.id).await;
    let page = rb.get(&format!("/conversations/{id}")).await;
    assert!(page.body.contains("this conversation has been held, so its answers are final"), "{}", page.body);
    assert!(page.body.contains(" readonly"));
    let action = format!("/conversations/{id}/answers");
    let qid = crate::conversations::question_ids(&d)[0];
    let mut fields = form_of(&page, &action);
    fields.push((format!("answer-{qid}"), "Rewritten afterwards.".into()));
    let res = post(&rb, &action, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("held"), "{}", res.body);
    let mut fields = form_of(&page, &action);
    fields.push(("action".into(), format!("unshare:{qid}")));
    let res = post(&rb, &action, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let a = answer(&detail(&t.leader_api, id).await, qid);
    assert_eq!((a["text"].as_str(), a["shared"].as_bool()), (Some("Shared before."), Some(true)));

    // Cancelling another one from its page.
    let res = t
        .leader_api
        .post_json("/api/v1/conversations", &crate::conversations::schedule_body(t.report.id, t.set_id))
        .await;
    let other = crate::harness::id_of(&res.json());
    let res = lb.submit(&format!("/conversations/{other}/cancel"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/conversations"));
    assert_eq!(detail(&t.leader_api, other).await["state"], "cancelled");
    // The report cannot manage.
    let res = rb.submit(&format!("/conversations/{id}/cancel"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}

#[tokio::test]
async fn home_pages_say_what_is_next() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    let res = t
        .leader_api
        .post_json(
            "/api/v1/conversations",
            &json!({"report_id": t.peer.id, "starts_at_local": "2027-04-02T09:15", "time_zone": "Europe/Paris",
                    "question_set_id": t.set_id}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let peer_conv = crate::harness::id_of(&res.json());

    let rb = app.browser_for(t.report.id).await;
    let home = rb.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains(&format!(
            r#"<a href="/conversations/{id}">Prepare for your conversation on Wed 10 Mar 2027, 10:00 (Europe/London)</a>"#
        )),
        "{}",
        home.body
    );
    assert!(home.body.contains("With Lee Leader."));
    assert!(home.body.contains("You have not started yet."));

    let lb = app.browser_for(t.leader.id).await;
    let home = lb.get("/").await;
    assert!(home.body.contains("Upcoming conversations"), "{}", home.body);
    assert!(
        home.body.contains(&format!(
            r#"<a href="/conversations/{id}">Rae Report, Wed 10 Mar 2027, 10:00 (Europe/London)</a> <span class="muted">nothing shared yet</span>"#
        )),
        "{}",
        home.body
    );
    assert!(
        home.body.contains(&format!(
            r#"<a href="/conversations/{peer_conv}">Pat Peer, Fri 2 Apr 2027, 09:15 (Europe/Paris)</a> <span class="muted">nothing shared yet</span>"#
        )),
        "{}",
        home.body
    );
    let rae = home.body.find("Rae Report, Wed").expect("Rae's row");
    let pat = home.body.find("Pat Peer, Fri").expect("Pat's row");
    assert!(rae < pat, "soonest first");

    // Drafts do not count; shared answers do.
    for (i, qid) in q.iter().take(3).enumerate() {
        save_ok(&t.report_api, id, *qid, &format!("Answer {i}."), 0).await;
    }
    assert!(lb.get("/").await.body.contains("nothing shared yet"));
    for qid in &q[..2] {
        assert_eq!(share(&t.report_api, id, *qid, true).await.status, StatusCode::OK);
    }
    let home = lb.get("/").await;
    assert!(
        home.body.contains(&format!(
            r#"<a href="/conversations/{id}">Rae Report, Wed 10 Mar 2027, 10:00 (Europe/London)</a> <span class="muted">shared 2 of 9 answers</span>"#
        )),
        "{}",
        home.body
    );
    let list = lb.get("/conversations").await;
    assert!(list.body.contains("2 of 9 answers shared"), "{}", list.body);
    let home = rb.get("/").await;
    assert!(!home.body.contains("You have not started yet."), "preparing now");

    // Once held, it is no longer next.
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await;
    assert_eq!(res.status, StatusCode::OK);
    let home = rb.get("/").await;
    assert!(!home.body.contains("Prepare for your conversation"), "{}", home.body);
    assert!(home.body.contains("Your manager is <strong>Lee Leader</strong>"), "{}", home.body);
    let home = lb.get("/").await;
    assert!(!home.body.contains("Rae Report, Wed 10 Mar"), "{}", home.body);
    assert!(home.body.contains("Pat Peer, Fri 2 Apr 2027"));
}
