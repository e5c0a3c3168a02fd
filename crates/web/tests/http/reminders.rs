//! Email reminders end to end: the worker's tick run directly with a chosen
//! clock, mails delivered over SMTP to a real `aiosmtpd` on the loopback
//! interface, and the outbox keeping every mail through a mail server that is
//! down, and sending each once even with two workers at the same time.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use foothold_store::Store;
use foothold_web::outbox::{self, Mailer, SmtpSettings, SmtpTls, Tick};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::conversations::{conv, schedule, schedule_body, team};
use crate::harness::{TestApp, id_of};
use crate::peers::{self, SmtpServer};

/// The conversation the fixtures schedule is on Wed 10 Mar 2027, 10:00 London;
/// the clock stands two days before it.
fn monday() -> DateTime<Utc> {
    "2027-03-08T10:00:00Z".parse().expect("a time")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// A mailer that talks plain SMTP to `port` on the loopback interface.
pub fn mailer(app: &TestApp, port: u16) -> Mailer {
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: SmtpTls::None,
        credentials: None,
        from: "Foothold <foothold@example.org>".into(),
        timeout: StdDuration::from_secs(10),
    };
    Mailer::new(&settings, url::Url::parse(&app.base).expect("base url")).expect("a mailer")
}

pub async fn tick(store: &Store, mailer: &Mailer, now: DateTime<Utc>) -> Tick {
    outbox::run_once(store, mailer, now).await.expect("the tick runs")
}

fn find<'a>(mails: &'a [Value], rcpt: &str, subject: &str) -> &'a Value {
    mails
        .iter()
        .find(|m| m["rcpt"] == rcpt && m["subject"] == subject)
        .unwrap_or_else(|| panic!("no mail '{subject}' to {rcpt} in {mails:#?}"))
}

#[tokio::test]
async fn reminders_reach_a_real_mail_server() {
    if !peers::available(&["aiosmtpd"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    // Rae's plan: check-in 1 was due yesterday, check-in 2 is due on Saturday.
    let (plan, _) = app
        .add_plan(
            t.report.id,
            t.leader.id,
            "Europe/London",
            [day("2027-03-07"), day("2027-03-13"), day("2027-06-13"), day("2027-09-13")],
        )
        .await;
    // Pat's plan has a check-in on Thursday, but Pat turned reminders off.
    let (pats_plan, _) = app
        .add_plan(
            t.peer.id,
            t.leader.id,
            "UTC",
            [day("2027-03-11"), day("2027-06-11"), day("2027-09-11"), day("2027-12-11")],
        )
        .await;
    let res = t.peer_api.patch_json("/api/v1/me/preferences", &json!({"email_reminders": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let dir = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(peers::free_port(), &dir.path().join("maildir"));
    let mailer = mailer(&app, server.port);
    let done = tick(&app.store, &mailer, monday()).await;
    assert_eq!(done, Tick { queued: 6, sent: 6, failed: 0, abandoned: 0 }, "{:#?}", app.store.outbox().await);

    let mails = server.messages();
    assert_eq!(mails.len(), 6, "{mails:#?}");
    let (rae, lee) = ("rae@example.org", "lee@example.org");
    let prepare = find(&mails, rae, "Prepare for your career conversation with Lee Leader");
    assert_eq!(prepare["to"], "Rae Report <rae@example.org>");
    assert_eq!(prepare["from"], "Foothold <foothold@example.org>");
    assert_eq!(prepare["auto_submitted"], "auto-generated");
    let body = prepare["body"].as_str().expect("a body");
    assert!(body.contains(&format!("Prepare here: {}/conversations/{id}\n", app.base)), "{body}");
    assert!(body.contains("Wed 10 Mar 2027, 10:00 (Europe/London)"), "{body}");
    assert!(body.contains(&format!("{}/profile", app.base)), "says where to turn them off: {body}");

    let plan_link = format!("{}/plans/{plan}", app.base);
    let overdue = find(&mails, rae, "Check-in 1 of your growth plan is overdue");
    assert!(overdue["body"].as_str().is_some_and(|b| b.contains(&plan_link)), "{overdue}");
    find(&mails, lee, "Check-in 1 of Rae Report's growth plan is overdue");
    let due = find(&mails, rae, "Check-in 2 of your growth plan is due on Sat 13 Mar 2027");
    assert!(due["body"].as_str().is_some_and(|b| b.contains(&plan_link)), "{due}");
    find(&mails, lee, "Check-in 2 of Rae Report's growth plan is due on Sat 13 Mar 2027");
    let pats = find(&mails, lee, "Check-in 1 of Pat Peer's growth plan is due on Thu 11 Mar 2027");
    assert!(pats["body"].as_str().is_some_and(|b| b.contains(&format!("/plans/{pats_plan}"))));
    assert!(mails.iter().all(|m| m["rcpt"] != "pat@example.org"), "Pat turned reminders off");

    // Each mail carries the Message-ID its outbox row was given when queued.
    let queued = app.store.outbox().await.expect("the outbox");
    assert!(queued.iter().all(|m| m.sent_at.is_some() && m.attempts == 1 && m.last_error.is_none()), "{queued:#?}");
    let mut ids: Vec<&str> = mails.iter().filter_map(|m| m["message_id"].as_str()).collect();
    ids.sort_unstable();
    let mut stored: Vec<&str> = queued.iter().map(|m| m.message_id.as_str()).collect();
    stored.sort_unstable();
    assert_eq!(ids, stored);

    // A minute later nothing is new: each reminder went once.
    let again = tick(&app.store, &mailer, monday() + Duration::minutes(1)).await;
    assert_eq!(again, Tick::default());
    assert_eq!(server.messages().len(), 6);

    // Rescheduled to Thursday: a new invitation to prepare, for the new time.
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"starts_at_local": "2027-03-11T09:00"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let after = tick(&app.store, &mailer, monday() + Duration::minutes(2)).await;
    assert_eq!((after.queued, after.sent), (1, 1));
    let mails = server.messages();
    let invitations: Vec<&Value> =
        mails.iter().filter(|m| m["subject"] == "Prepare for your career conversation with Lee Leader").collect();
    assert_eq!(invitations.len(), 2);
    assert!(invitations.iter().any(|m| m["body"].as_str().is_some_and(|b| b.contains("Thu 11 Mar 2027, 09:00"))));
}

#[tokio::test]
async fn the_outbox_keeps_mail_through_a_server_that_is_down() {
    if !peers::available(&["aiosmtpd"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    // Nothing listens on the port yet: connections are refused.
    let closed = peers::closed_port();
    let port = closed.port;
    let mailer = mailer(&app, port);
    let down = tick(&app.store, &mailer, monday()).await;
    assert_eq!(down, Tick { queued: 1, sent: 0, failed: 1, abandoned: 0 });
    let queued = app.store.outbox().await.expect("the outbox");
    assert_eq!(queued.len(), 1);
    let mail = &queued[0];
    assert_eq!(mail.sent_at, None, "nothing is marked sent");
    assert_eq!(mail.attempts, 1);
    assert!(mail.last_error.as_deref().is_some_and(|e| e.contains("cannot reach the mail server")), "{mail:?}");
    assert_eq!(mail.next_attempt_at, monday() + Duration::minutes(1), "tried again in a minute");
    assert_eq!(
        mail.dedupe_key,
        format!(
            "prepare:conversation-{id}:{}:person-{}",
            "2027-03-10T10:00:00Z".parse::<DateTime<Utc>>().expect("t").timestamp(),
            t.report.id
        )
    );

    // Thirty seconds on it is not due yet; a second failure doubles the wait.
    assert_eq!(tick(&app.store, &mailer, monday() + Duration::seconds(30)).await, Tick::default());
    let second = tick(&app.store, &mailer, monday() + Duration::minutes(1)).await;
    assert_eq!(second.failed, 1);
    let mail = &app.store.outbox().await.expect("the outbox")[0];
    assert_eq!((mail.attempts, mail.next_attempt_at), (2, monday() + Duration::minutes(3)));

    let metrics = app.metrics().await.body;
    assert!(metrics.contains("foothold_outbox_messages{state=\"pending\"} 1"), "{metrics}");
    assert!(metrics.contains("foothold_outbox_messages{state=\"retrying\"} 1"), "{metrics}");

    // The server comes up; the mail goes once.
    drop(closed);
    let dir = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(port, &dir.path().join("maildir"));
    let up = tick(&app.store, &mailer, monday() + Duration::minutes(3)).await;
    assert_eq!(up, Tick { queued: 0, sent: 1, failed: 0, abandoned: 0 });
    for later in [4, 10, 60] {
        assert_eq!(tick(&app.store, &mailer, monday() + Duration::minutes(later)).await, Tick::default());
    }
    let mails = server.messages();
    assert_eq!(mails.len(), 1, "delivered exactly once: {mails:#?}");
    assert_eq!(mails[0]["rcpt"], "rae@example.org");
    let mail = &app.store.outbox().await.expect("the outbox")[0];
    assert!(mail.sent_at.is_some() && mail.last_error.is_none(), "{mail:?}");
    assert_eq!(mails[0]["message_id"], mail.message_id.as_str(), "the same Message-ID on every attempt");
    let metrics = app.metrics().await.body;
    assert!(metrics.contains("foothold_outbox_messages{state=\"sent\"} 1"), "{metrics}");
    assert!(metrics.contains("foothold_outbox_messages{state=\"pending\"} 0"), "{metrics}");
}

#[tokio::test]
async fn two_workers_send_each_mail_once() {
    if !peers::available(&["aiosmtpd"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    // Six reports with a conversation each on Wednesday, and a plan each with
    // a check-in due on Friday: 6 invitations and 12 check-in mails.
    let mut reports = vec![t.report.clone(), t.peer.clone()];
    for i in 0..4 {
        reports.push(app.add_member(&format!("r{i}@example.org"), &format!("Report {i}"), Some(t.leader.id)).await);
    }
    for r in &reports {
        let res = t.leader_api.post_json("/api/v1/conversations", &schedule_body(r.id, t.set_id)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        id_of(&res.json());
        app.add_plan(
            r.id,
            t.leader.id,
            "UTC",
            [day("2027-03-12"), day("2027-06-12"), day("2027-09-12"), day("2027-12-12")],
        )
        .await;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(peers::free_port(), &dir.path().join("maildir"));
    // Two replicas: their own connections to the same database, their own worker ids.
    let other = Store::connect(&app.database_url, 5).await.expect("a second replica's store");
    let (a, b) = (mailer(&app, server.port), mailer(&app, server.port));
    assert_ne!(a.worker_id(), b.worker_id());
    for minute in 0..3 {
        let now = monday() + Duration::minutes(minute);
        let (x, y) = tokio::join!(tick(&app.store, &a, now), tick(&other, &b, now));
        if minute == 0 {
            assert_eq!(x.queued + y.queued, 18, "each reminder queued once: {x:?} {y:?}");
            assert_eq!(x.sent + y.sent, 18, "{x:?} {y:?}");
        } else {
            assert_eq!((x, y), (Tick::default(), Tick::default()));
        }
    }
    let mails = server.messages();
    assert_eq!(mails.len(), 18, "no mail twice: {mails:#?}");
    let mut ids: Vec<&str> = mails.iter().filter_map(|m| m["message_id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 18, "eighteen different mails");
    let outbox = app.store.outbox().await.expect("the outbox");
    assert!(outbox.iter().all(|m| m.attempts == 1 && m.sent_at.is_some()), "{outbox:#?}");
}

#[tokio::test]
async fn mails_unsent_for_a_week_are_given_up() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    schedule(&t).await;
    let closed = peers::closed_port();
    let mailer = mailer(&app, closed.port);
    assert_eq!(tick(&app.store, &mailer, monday()).await.failed, 1);
    let later = tick(&app.store, &mailer, monday() + Duration::days(8)).await;
    assert_eq!(later, Tick { queued: 0, sent: 0, failed: 0, abandoned: 1 });
    let mail = &app.store.outbox().await.expect("the outbox")[0];
    assert!(mail.abandoned_at.is_some() && mail.sent_at.is_none(), "{mail:?}");
    let metrics = app.metrics().await.body;
    assert!(metrics.contains("foothold_outbox_messages{state=\"abandoned\"} 1"), "{metrics}");
}

#[tokio::test]
async fn only_people_who_want_mail_and_can_receive_it_are_reminded() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    schedule(&t).await;
    // Rae turned reminders off, so the invitation to prepare is not queued.
    app.store.set_email_reminders(t.report.id, false).await.expect("turn off");
    let closed = peers::closed_port();
    let mailer = mailer(&app, closed.port);
    assert_eq!(tick(&app.store, &mailer, monday()).await, Tick::default());
    // On again, but deactivated: still nothing.
    app.store.set_email_reminders(t.report.id, true).await.expect("turn on");
    let res = t.admin_api.patch_json(&format!("/api/v1/people/{}", t.report.id), &json!({"active": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(tick(&app.store, &mailer, monday()).await, Tick::default());
    assert!(app.store.outbox().await.expect("the outbox").is_empty());

    // Pat's invitation is queued but the server is down; Pat turns reminders
    // off before it goes: it never will.
    let res = t.leader_api.post_json("/api/v1/conversations", &schedule_body(t.peer.id, t.set_id)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(tick(&app.store, &mailer, monday()).await, Tick { queued: 1, sent: 0, failed: 1, abandoned: 0 });
    let res = t.peer_api.patch_json("/api/v1/me/preferences", &json!({"email_reminders": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let later = tick(&app.store, &mailer, monday() + Duration::minutes(5)).await;
    assert_eq!(later, Tick { queued: 0, sent: 0, failed: 0, abandoned: 1 });
    let outbox = app.store.outbox().await.expect("the outbox");
    assert!(outbox[0].abandoned_at.is_some() && outbox[0].sent_at.is_none(), "{outbox:?}");
}

#[tokio::test]
async fn reminders_are_turned_off_on_the_profile_and_in_the_api() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let api = app.api_for(kim.id).await;
    let res = api.get("/api/v1/me/preferences").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json(), json!({"email_reminders": true, "email_delivery": false}), "on unless turned off");

    let browser = app.browser_for(kim.id).await;
    let page = browser.get("/profile").await;
    assert!(page.body.contains(r#"name="email_reminders" value="on" checked"#), "{}", page.body);
    assert!(page.body.contains("no mail server set up"), "says mail is off here");
    // An unticked box sends nothing.
    let res = browser.submit("/profile/reminders", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Email reminders are off."));
    assert!(!app.store.email_reminders(kim.id).await.expect("read"));
    assert_eq!(api.get("/api/v1/me/preferences").await.json()["email_reminders"], false);
    let res = browser.submit("/profile/reminders", &[("email_reminders", "on")]).await;
    assert!(res.body.contains("Email reminders are on."));
    assert!(app.store.email_reminders(kim.id).await.expect("read"));

    let res = api.patch_json("/api/v1/me/preferences", &json!({"email_reminders": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["email_reminders"], false);
    let res = api.patch_json("/api/v1/me/preferences", &json!({})).await;
    assert_eq!(res.json()["email_reminders"], false, "absent fields stay");
    api.patch_json("/api/v1/me/preferences", &json!({"email_reminders": "yes"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    api.patch_json("/api/v1/me/preferences", &json!({"sms": true})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);

    let mailing = TestApp::spawn_with(|c| c.email_delivery = true).await;
    let lee = mailing.add_member("lee@example.org", "Lee", None).await;
    let prefs = mailing.api_for(lee.id).await.get("/api/v1/me/preferences").await.json();
    assert_eq!(prefs["email_delivery"], true);
}
