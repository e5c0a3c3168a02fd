//! Security notices (ASVS 2.5.5): a person is told by mail when a way into
//! their account changes: an admin makes a reset link for them, their
//! password is replaced through it or changed on the profile, or an API token
//! is made. Notices go out whatever the reminder setting; nothing is queued
//! where Foothold sends no mail.

use foothold_store::{NewMail, OutboxMail};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Api, TestApp, id_of};
use crate::peers::{self, SmtpServer};

const PASSWORD: &str = "kim's own passphrase";
const NEXT: &str = "kim's second passphrase";

async fn outbox(app: &TestApp) -> Vec<OutboxMail> {
    app.store.outbox().await.expect("the outbox")
}

/// The subjects of the unsent, not abandoned mails to `person`, oldest first.
async fn waiting_for(app: &TestApp, person: i64) -> Vec<String> {
    outbox(app)
        .await
        .into_iter()
        .filter(|m| m.person_id == Some(person) && m.abandoned_at.is_none() && m.sent_at.is_none())
        .map(|m| m.subject)
        .collect()
}

async fn invite(api: &Api, id: i64) -> String {
    let res = api.post_json(&format!("/api/v1/people/{id}/invites"), &json!({})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let url = res.json()["url"].as_str().expect("url").to_owned();
    url::Url::parse(&url).expect("an absolute URL").path().to_owned()
}

async fn redeem(app: &TestApp, path: &str, password: &str) {
    let res = app.browser().post_form(path, &[("password", password), ("confirm", password)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

const RESET_LINK: &str = "A link to set a new Foothold password was made for you";

#[tokio::test]
async fn each_change_to_a_way_in_is_told_to_the_person() {
    let app = TestApp::spawn_with(|c| c.email_delivery = true).await;
    let (admin, api) = app.admin_api().await;
    let kim = id_of(&api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await);

    // A first invitation replaces nothing: no notice.
    let first = invite(&api, kim).await;
    redeem(&app, &first, PASSWORD).await;
    assert!(waiting_for(&app, kim).await.is_empty(), "{:#?}", outbox(&app).await);

    // A reset link for someone with a password is told before anyone uses it.
    let reset = invite(&api, kim).await;
    let mails = outbox(&app).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let m = &mails[0];
    assert_eq!(m.subject, RESET_LINK);
    assert_eq!(m.recipient, "Kim Lee <kim@example.org>");
    assert!(m.dedupe_key.starts_with("notice:reset-link:"), "{}", m.dedupe_key);
    assert!(m.body.contains(&format!("{} made a link", admin.name)), "{}", m.body);
    assert!(m.body.contains("It works for 7 days, once."), "{}", m.body);
    assert!(m.body.contains(&app.url("/profile")), "{}", m.body);
    assert!(!m.body.contains(&reset), "the notice never carries the link itself: {}", m.body);

    // The admin's page says the person will hear of it.
    let admin_browser = app.browser_for(admin.id).await;
    let page = admin_browser.submit(&format!("/people/{kim}/invite"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Kim Lee has a password, so they get an e-mail saying this link was made."));
    assert_eq!(waiting_for(&app, kim).await, [RESET_LINK, RESET_LINK]);

    // Kim turns reminders off: notices still wait to go, a reminder does not.
    let kim_api = app.api_for(kim).await;
    let res = kim_api.patch_json("/api/v1/me/preferences", &json!({"email_reminders": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let reminder = NewMail {
        dedupe_key: format!("prepare:conversation-1:2027-03-10T10:00:00Z:person-{kim}"),
        person_id: Some(kim),
        recipient: "kim@example.org".into(),
        subject: "Prepare".into(),
        body: "b".into(),
        message_id: "<m@x>".into(),
    };
    assert!(app.store.enqueue_mail(&reminder, chrono::Utc::now()).await.expect("queue"));
    assert_eq!(app.store.withdraw_unwanted_mail(chrono::Utc::now()).await.expect("withdraw"), 1);
    assert_eq!(waiting_for(&app, kim).await, [RESET_LINK, RESET_LINK], "only the reminder was withdrawn");

    // The link used, the password changed, a token made: each is told.
    let path = invite(&api, kim).await;
    redeem(&app, &path, NEXT).await;
    let kim_browser = app.sign_in("kim@example.org", NEXT).await;
    let res = kim_browser.submit("/profile/password", &[("current", NEXT), ("password", PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = kim_api.post_json("/api/v1/tokens", &json!({"label": "laptop"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let kim_browser = app.sign_in("kim@example.org", PASSWORD).await;
    let res = kim_browser.submit("/profile/tokens", &[("label", "phone")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = kim_api.post_json("/api/v1/me/calendar-feed", &json!({})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = kim_browser.submit("/profile/calendar-feed", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let subjects = waiting_for(&app, kim).await;
    assert_eq!(subjects[..3], [RESET_LINK, RESET_LINK, RESET_LINK], "{subjects:#?}");
    assert_eq!(
        subjects[3..],
        [
            "Your Foothold password was replaced",
            "Your Foothold password was changed",
            "A Foothold API token \"laptop\" was made",
            "A Foothold API token \"phone\" was made",
            "A Foothold calendar feed address was made",
            "A Foothold calendar feed address was made",
        ],
        "{subjects:#?}"
    );
    assert!(waiting_for(&app, admin.id).await.is_empty(), "the admin is told nothing of Kim's account");
}

#[tokio::test]
async fn nothing_is_queued_where_foothold_sends_no_mail() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let kim = id_of(&api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await);
    let first = invite(&api, kim).await;
    redeem(&app, &first, PASSWORD).await;
    invite(&api, kim).await;
    let page = app.browser_for(admin.id).await.submit(&format!("/people/{kim}/invite"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("e-mail saying"), "the page promises no mail: {}", page.body);
    let res = app.api_for(kim).await.post_json("/api/v1/tokens", &json!({"label": "laptop"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(outbox(&app).await.is_empty(), "{:#?}", outbox(&app).await);
}

/// The worker delivers a notice to a person who turned reminders off.
#[tokio::test]
async fn a_notice_reaches_a_real_mail_server_with_reminders_off() {
    if !peers::available(&["aiosmtpd"]) {
        return;
    }
    let app = TestApp::spawn_with(|c| c.email_delivery = true).await;
    let (_, api) = app.admin_api().await;
    let kim = id_of(&api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await);
    let first = invite(&api, kim).await;
    redeem(&app, &first, PASSWORD).await;
    let res = app.api_for(kim).await.patch_json("/api/v1/me/preferences", &json!({"email_reminders": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    invite(&api, kim).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = SmtpServer::start(peers::free_port(), &dir.path().join("mail"));
    let mailer = crate::reminders::mailer(&app, smtp.port);
    let done = crate::reminders::tick(&app.store, &mailer, chrono::Utc::now()).await;
    assert_eq!((done.sent, done.abandoned), (1, 0), "{done:?}");
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0]["rcpt"], "kim@example.org");
    assert_eq!(mails[0]["subject"], RESET_LINK);
}

/// Moving someone's address is told to the old one, so an admin cannot first
/// move a person's mail to an address of their own and then reset the
/// password unseen.
#[tokio::test]
async fn a_changed_address_is_told_to_the_old_one() {
    let app = TestApp::spawn_with(|c| c.email_delivery = true).await;
    let (admin, api) = app.admin_api().await;
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee"})).await;
    let id = id_of(&kim);
    let res = api
        .patch_json(&format!("/api/v1/people/{id}"), &json!({"email": "mine@example.org", "version": kim["version"]}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mails = outbox(&app).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0].recipient, "Kim Lee <kim@example.org>", "told at the old address");
    assert_eq!(mails[0].subject, "Your Foothold sign-in address was changed");
    assert!(mails[0].body.contains(&format!("{} changed the e-mail address", admin.name)), "{}", mails[0].body);
    assert!(mails[0].body.contains("to mine@example.org on"), "{}", mails[0].body);

    // Changing anything else tells nobody.
    let version = res.json()["version"].clone();
    let res = api.patch_json(&format!("/api/v1/people/{id}"), &json!({"title": "Designer", "version": version})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(outbox(&app).await.len(), 1);
}

/// A notice that cannot be queued does not undo or hide the change it is
/// about: the token made is still shown, once, with its secret.
#[tokio::test]
async fn a_notice_that_cannot_be_queued_does_not_fail_the_change() {
    let app = TestApp::spawn_with(|c| c.email_delivery = true).await;
    let kim = app.add_member("kim@example.org", "Kim Lee", None).await;
    let api = app.api_for(kim.id).await;
    app.execute("DROP TABLE outbox", vec![]).await;
    let res = api.post_json("/api/v1/tokens", &json!({"label": "laptop"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let token = res.json()["token"].as_str().expect("the secret").to_owned();
    assert_eq!(app.api_as(&token).get("/api/v1/me").await.status, StatusCode::OK, "the new token works");
}
