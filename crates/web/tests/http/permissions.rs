//! Who may do what: every role and relation against every people route, by exact status.

use std::fmt;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Api, Browser, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    /// The subject's direct manager.
    Leader,
    /// The leader's manager.
    SkipLevel,
    /// The subject.
    Subject,
    /// Another report of the skip-level leader: same organisation, other team.
    Peer,
}

const EVERYONE: [Who; 5] = [Who::Leader, Who::SkipLevel, Who::Subject, Who::Peer, Who::Admin];

#[derive(Debug, Clone, Copy)]
enum Route {
    PeoplePage,
    PersonPage,
    EditForm,
    EditPost,
    InvitePost,
    NewForm,
    ImportForm,
    ApiGet,
    ApiPatch,
    ApiCreate,
    ApiImport,
    ApiInvite,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Route::PeoplePage => "GET /people",
            Route::PersonPage => "GET /people/{id}",
            Route::EditForm => "GET /people/{id}/edit",
            Route::EditPost => "POST /people/{id}/edit",
            Route::InvitePost => "POST /people/{id}/invite",
            Route::NewForm => "GET /people/new",
            Route::ImportForm => "GET /people/import",
            Route::ApiGet => "GET /api/v1/people/{id}",
            Route::ApiPatch => "PATCH /api/v1/people/{id}",
            Route::ApiCreate => "POST /api/v1/people",
            Route::ApiImport => "POST /api/v1/people/import",
            Route::ApiInvite => "POST /api/v1/people/{id}/invites",
        };
        f.write_str(s)
    }
}

const OK: StatusCode = StatusCode::OK;
const SEE: StatusCode = StatusCode::SEE_OTHER;
const MADE: StatusCode = StatusCode::CREATED;
const NO: StatusCode = StatusCode::FORBIDDEN;
const HID: StatusCode = StatusCode::NOT_FOUND;

/// Expected status per route, for [Admin, Leader, SkipLevel, Subject, Peer].
const TABLE: [(Route, [StatusCode; 5]); 12] = [
    (Route::PeoplePage, [OK, NO, NO, NO, NO]),
    (Route::PersonPage, [OK, OK, OK, OK, HID]),
    (Route::EditForm, [OK, NO, NO, NO, HID]),
    (Route::EditPost, [SEE, NO, NO, NO, HID]),
    (Route::InvitePost, [OK, NO, NO, NO, HID]),
    (Route::NewForm, [OK, NO, NO, NO, NO]),
    (Route::ImportForm, [OK, NO, NO, NO, NO]),
    (Route::ApiGet, [OK, OK, OK, OK, HID]),
    (Route::ApiPatch, [OK, NO, NO, NO, HID]),
    (Route::ApiCreate, [MADE, NO, NO, NO, NO]),
    (Route::ApiImport, [OK, NO, NO, NO, NO]),
    (Route::ApiInvite, [MADE, NO, NO, NO, HID]),
];

fn column(who: Who) -> usize {
    match who {
        Who::Admin => 0,
        Who::Leader => 1,
        Who::SkipLevel => 2,
        Who::Subject => 3,
        Who::Peer => 4,
    }
}

struct Actor {
    id: i64,
    browser: Browser,
    api: Api,
}

struct World {
    app: TestApp,
    subject: i64,
    actors: Vec<(Who, Actor)>,
}

impl World {
    async fn build() -> World {
        let app = TestApp::spawn().await;
        let admin = app.add_admin("admin@example.org", "Ada Admin").await;
        let skip = app.add_member("skip@example.org", "Sam Skip", None).await;
        let leader = app.add_member("leader@example.org", "Lee Leader", Some(skip.id)).await;
        let subject = app.add_member("subject@example.org", "Sue Subject", Some(leader.id)).await;
        let peer = app.add_member("peer@example.org", "Pat Peer", Some(skip.id)).await;
        let mut actors = Vec::new();
        for (who, id) in [
            (Who::Admin, admin.id),
            (Who::Leader, leader.id),
            (Who::SkipLevel, skip.id),
            (Who::Subject, subject.id),
            (Who::Peer, peer.id),
        ] {
            actors.push((who, Actor { id, browser: app.browser_for(id).await, api: app.api_for(id).await }));
        }
        World { app, subject: subject.id, actors }
    }

    fn actor(&self, who: Who) -> &Actor {
        &self.actors.iter().find(|(w, _)| *w == who).expect("every actor exists").1
    }

    /// Makes the request and returns its status.
    async fn attempt(&self, who: Who, route: Route, n: usize) -> StatusCode {
        let a = self.actor(who);
        let s = self.subject;
        let unique = format!("new{n}-{}@example.org", a.id);
        match route {
            Route::PeoplePage => a.browser.get("/people").await.status,
            Route::PersonPage => a.browser.get(&format!("/people/{s}")).await.status,
            Route::EditForm => a.browser.get(&format!("/people/{s}/edit")).await.status,
            Route::EditPost => {
                let subject = self.app.person(s).await;
                let manager = subject.manager_id.map(|m| m.to_string()).unwrap_or_default();
                let version = subject.version.to_string();
                let title = format!("Changed by {who:?}");
                a.browser
                    .submit(
                        &format!("/people/{s}/edit"),
                        &[
                            ("name", &subject.name),
                            ("email", &subject.email),
                            ("title", &title),
                            ("department", ""),
                            ("manager_id", &manager),
                            ("active", "on"),
                            ("version", &version),
                        ],
                    )
                    .await
                    .status
            }
            Route::InvitePost => a.browser.submit(&format!("/people/{s}/invite"), &[]).await.status,
            Route::NewForm => a.browser.get("/people/new").await.status,
            Route::ImportForm => a.browser.get("/people/import").await.status,
            Route::ApiGet => a.api.get(&format!("/api/v1/people/{s}")).await.status,
            Route::ApiPatch => {
                let body = json!({"title": format!("Patched by {who:?}")});
                a.api.patch_json(&format!("/api/v1/people/{s}"), &body).await.status
            }
            Route::ApiCreate => {
                let body = json!({"email": unique, "name": "New Person", "role": "admin"});
                a.api.post_json("/api/v1/people", &body).await.status
            }
            Route::ApiImport => {
                let csv = format!("email,name,title,department,manager_email\n{unique},New Person,,,\n");
                a.api.post_csv("/api/v1/people/import", csv).await.status
            }
            Route::ApiInvite => a.api.post_json(&format!("/api/v1/people/{s}/invites"), &json!({})).await.status,
        }
    }
}

#[tokio::test]
async fn every_role_gets_exactly_its_status_on_every_route() {
    let w = World::build().await;
    // A live invite for the subject: a refused invite request must not replace it.
    let new_invite =
        || async { w.app.store.create_invite(w.subject, chrono::Duration::days(1)).await.expect("invite") };
    let mut live_invite = new_invite().await;
    let mut failures = Vec::new();
    let mut n = 0;
    for (route, expected) in TABLE {
        // The admin goes last, so refused attempts are checked against an unchanged world.
        for who in EVERYONE {
            n += 1;
            let want = expected[column(who)];
            let before = w.app.people().await;
            let got = w.attempt(who, route, n).await;
            if got != want {
                failures.push(format!("{who:?} {route}: expected {want}, got {got}"));
            }
            if got.is_success() || got.is_redirection() {
                live_invite = new_invite().await;
            } else {
                if w.app.people().await != before {
                    failures.push(format!("{who:?} {route}: refused, yet people changed"));
                }
                if w.app.store.invite(&live_invite).await.expect("read invite").is_err() {
                    failures.push(format!("{who:?} {route}: refused, yet the subject's invite stopped working"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "permission table mismatches:\n{}", failures.join("\n"));

    // The admin's writes really happened.
    let subject = w.app.person(w.subject).await;
    assert_eq!(subject.title, "Patched by Admin");
    assert_eq!(subject.version, 3, "edited once by the page and once by the API: {subject:?}");
}

#[tokio::test]
async fn members_see_their_managers_but_not_sideways() {
    let w = World::build().await;
    let leader = w.actor(Who::Leader).id;
    let skip = w.actor(Who::SkipLevel).id;
    let peer = w.actor(Who::Peer).id;
    let subject = w.actor(Who::Subject);
    for (target, want) in [(leader, OK), (skip, OK), (peer, HID)] {
        assert_eq!(subject.browser.get(&format!("/people/{target}")).await.status, want, "page of {target}");
        assert_eq!(subject.api.get(&format!("/api/v1/people/{target}")).await.status, want, "API of {target}");
    }
    let page = subject.browser.get(&format!("/people/{leader}")).await;
    assert!(!page.body.contains("/edit\""), "no edit link for a member: {}", page.body);
    assert_eq!(w.actor(Who::Peer).browser.get(&format!("/people/{leader}")).await.status, HID, "siblings are hidden");
}
