//! The seed's whole year, end to end on one database: a career conversation
//! with its invitation to prepare by e-mail, the plan it leads to with a step
//! sideways, four quarterly check-ins each announced by e-mail (one of them
//! late, so an overdue reminder goes out), the year-end review, and the
//! calendar feed holding all of it. Mail goes to a real SMTP server.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::calendar::{new_feed, parsed};
use crate::conversations::{conv, schedule, team};
use crate::harness::{TestApp, id_of};
use crate::peers::{self, SmtpServer};
use crate::reminders::{mailer, tick};

fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(10, 0, 0).expect("time").and_utc()
}

fn subjects(mails: &[Value], rcpt: &str) -> Vec<String> {
    mails.iter().filter(|m| m["rcpt"] == rcpt).filter_map(|m| m["subject"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_leader_and_a_report_run_the_whole_year() {
    if !peers::available(&["aiosmtpd", "icalendar"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(peers::free_port(), &dir.path().join("maildir"));
    let mail = mailer(&app, server.port);
    let (rae, lee) = ("rae@example.org", "lee@example.org");

    // The conversation (Wed 10 Mar 2027, London): an invitation to prepare two days before.
    let (id, q) = schedule(&t).await;
    tick(&app.store, &mail, at("2027-03-08".parse().expect("date"))).await;
    assert_eq!(subjects(&server.messages(), rae), ["Prepare for your career conversation with Lee Leader"]);
    crate::conversations::save_ok(&t.report_api, id, q[6], "I would love to try research for a while.", 0).await;
    t.report_api.post_json(&conv(id, "/share"), &json!({})).await;
    let res =
        t.leader_api.post_json(&conv(id, "/themes"), &json!({"action": "add", "label": "Moving into research"})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "held"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // The plan, with a step sideways into another department.
    let res = t.report_api.post_json("/api/v1/plans", &json!({"conversation_id": id})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let plan = res.json();
    let pid = id_of(&plan);
    let theme = id_of(&plan["themes"][0]);
    let step = json!({"theme_id": theme, "kind": "move_sideways", "what": "A quarter with the research team", "target_quarter": 2});
    let plan = t.leader_api.post_json(&format!("/api/v1/plans/{pid}/steps"), &step).await.json();
    let sid = id_of(&plan["steps"][0]);
    let due: Vec<NaiveDate> = plan["checkins"]
        .as_array()
        .expect("checkins")
        .iter()
        .map(|c| c["due_on"].as_str().expect("d").parse().expect("d"))
        .collect();
    assert_eq!(
        due,
        ["2027-06-10", "2027-09-10", "2027-12-10", "2028-03-10"].map(|d| d.parse::<NaiveDate>().expect("d"))
    );

    // Four quarters. Each check-in is announced a week ahead to both; the
    // second is held late, after an overdue reminder.
    let statuses = ["in_progress", "done", "done", "done"];
    for (i, due_on) in due.iter().enumerate() {
        let n = i + 1;
        let before = server.messages().len();
        tick(&app.store, &mail, at(*due_on - Duration::days(7))).await;
        let mails = server.messages();
        assert_eq!(mails.len(), before + 2, "a due reminder to each of them: {mails:#?}");
        let pretty = due_on.format("%a %-d %b %Y");
        assert!(subjects(&mails, rae).contains(&format!("Check-in {n} of your growth plan is due on {pretty}")));
        assert!(
            subjects(&mails, lee).contains(&format!("Check-in {n} of Rae Report's growth plan is due on {pretty}"))
        );
        if n == 2 {
            tick(&app.store, &mail, at(*due_on + Duration::days(1))).await;
            assert!(
                subjects(&server.messages(), rae).contains(&"Check-in 2 of your growth plan is overdue".to_owned())
            );
        }
        let version = t.report_api.get(&format!("/api/v1/plans/{pid}")).await.json()["version"].clone();
        let body = json!({"version": version, "what_changed": format!("Quarter {n}."),
            "progress": [{"step_id": sid, "status": statuses[i], "note": format!("Note {n}")}],
            "review": "Research is home now: a good year."});
        let api = if n % 2 == 0 { &t.leader_api } else { &t.report_api };
        let res = api.post_json(&format!("/api/v1/plans/{pid}/checkins/{n}"), &body).await;
        assert_eq!(res.status, StatusCode::OK, "check-in {n}: {}", res.body);
        if n == 2 {
            // Marked done in check-in 2: the role changes, recorded by the leader.
            let role = json!({"title": "UX Researcher", "department": "Research", "started_on": "2027-09-20"});
            let res = t.leader_api.post_json(&format!("/api/v1/people/{}/roles", t.report.id), &role).await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
    }
    let plan = t.leader_api.get(&format!("/api/v1/plans/{pid}")).await.json();
    assert_eq!(plan["state"], "closed");
    assert_eq!(plan["review"], "Research is home now: a good year.");
    assert!(plan["checkins"].as_array().expect("checkins").iter().all(|c| c["state"] == "done"));
    let history = t.report_api.get(&format!("/api/v1/plans/{pid}/history?from=1&to=2")).await.json();
    assert_eq!(history["differences"][0]["text"], "“A quarter with the research team”: In progress → Done.");

    // Every reminder went once: 1 invitation, 8 due, 2 overdue.
    let again = tick(&app.store, &mail, at("2028-03-20".parse().expect("date"))).await;
    assert_eq!(again.sent, 0);
    let mails = server.messages();
    assert_eq!(mails.len(), 11, "{mails:#?}");
    let mut ids: Vec<&str> = mails.iter().filter_map(|m| m["message_id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 11, "no mail twice");

    // The report's calendar holds the conversation and the four check-ins.
    let feed = parsed(&app, &new_feed(&t.report_api).await).await;
    let uids: Vec<&str> = feed["events"].as_array().expect("events").iter().filter_map(|e| e["uid"].as_str()).collect();
    assert_eq!(uids.iter().filter(|u| u.starts_with("conversation-")).count(), 1, "{uids:?}");
    assert_eq!(uids.iter().filter(|u| u.starts_with("checkin-")).count(), 4, "{uids:?}");
    let roles = t.report_api.get(&format!("/api/v1/people/{}/roles", t.report.id)).await.json();
    assert_eq!(roles[0]["department"], "Research");
}
