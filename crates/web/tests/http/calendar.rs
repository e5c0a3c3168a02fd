//! `GET /calendar/{token}.ics`: the feed, read back by Python's `icalendar`
//! (the parser many calendar tools use), and the feed address's life cycle
//! on the profile page and in `/api/v1/me/calendar-feed`.

use chrono::NaiveDate;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::{conv, schedule, team};
use crate::harness::{Api, Resp, TestApp, hidden_fields};
use crate::peers;

/// Parses a feed and reports each event, with the offset its VTIMEZONE gives
/// at the start next to the one the tz database gives.
const PARSE: &str = r#"
import datetime, json, sys, zoneinfo
import icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
zones = {str(t["TZID"]): t.to_tz(lookup_tzid=False) for t in cal.walk("VTIMEZONE")}
events = []
for ev in cal.walk("VEVENT"):
    start = ev["DTSTART"]
    dt = start.dt
    tzid = start.params.get("TZID")
    item = {
        "uid": str(ev["UID"]), "summary": str(ev["SUMMARY"]), "sequence": int(ev.get("SEQUENCE", 0)),
        "status": str(ev.get("STATUS", "")), "url": str(ev.get("URL", "")), "tzid": tzid,
        "all_day": not isinstance(dt, datetime.datetime), "start": dt.isoformat(),
        "end": ev["DTEND"].dt.isoformat(), "dtstamp": ev["DTSTAMP"].dt.isoformat(),
        "last_modified": ev["LAST-MODIFIED"].dt.isoformat(),
    }
    if isinstance(dt, datetime.datetime):
        item["utc"] = dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if tzid:
        local = dt.replace(tzinfo=None)
        item["offset_vtimezone"] = local.replace(tzinfo=zones[tzid]).utcoffset().total_seconds()
        item["offset_tzdb"] = local.replace(tzinfo=zoneinfo.ZoneInfo(tzid)).utcoffset().total_seconds()
    events.append(item)
print(json.dumps({"name": str(cal.get("X-WR-CALNAME", "")), "version": str(cal["VERSION"]), "events": events}))
"#;

/// GET an absolute feed URL of this app, with no credentials.
async fn fetch(app: &TestApp, url: &str) -> Resp {
    let path = url.strip_prefix(&app.base).unwrap_or_else(|| panic!("{url} is not on {}", app.base));
    app.anonymous_api().get(path).await
}

/// A new feed address through the API.
pub async fn new_feed(api: &Api) -> String {
    let res = api.call(Method::POST, "/api/v1/me/calendar-feed").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["url"].as_str().expect("a url").to_owned()
}

/// The feed parsed by Python.
pub async fn parsed(app: &TestApp, url: &str) -> Value {
    let res = fetch(app, url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("text/calendar; charset=utf-8"));
    peers::run_json(PARSE, &[], &res.body)
}

fn event<'a>(feed: &'a Value, uid: &str) -> &'a Value {
    feed["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["uid"] == uid)
        .unwrap_or_else(|| panic!("no event {uid} in {feed}"))
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

#[tokio::test]
async fn the_feed_parses_with_zones_stable_uids_and_reschedules() {
    if !peers::available(&["icalendar"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    // Wed 10 Mar 2027, 10:00 in London (UTC+0 then); move it to Berlin in summer below.
    let (id, _) = schedule(&t).await;
    let due = [day("2027-06-01"), day("2027-09-01"), day("2027-12-01"), day("2028-03-01")];
    let (plan, checkins) = app.add_plan(t.report.id, t.leader.id, "Europe/London", due).await;

    let url = new_feed(&t.report_api).await;
    assert!(url.starts_with(&format!("{}/calendar/", app.base)) && url.ends_with(".ics"), "{url}");
    let feed = parsed(&app, &url).await;
    assert_eq!(feed["version"], "2.0");
    assert_eq!(feed["name"], "Foothold: Rae Report");
    let uid = format!("conversation-{id}@127.0.0.1");
    let e = event(&feed, &uid);
    assert_eq!(e["summary"], "Career conversation with Lee Leader");
    assert_eq!(e["tzid"], "Europe/London");
    assert_eq!(e["start"], "2027-03-10T10:00:00+00:00");
    assert_eq!(e["end"], "2027-03-10T11:00:00+00:00");
    assert_eq!(e["offset_vtimezone"], e["offset_tzdb"], "the VTIMEZONE agrees with the tz database: {e}");
    assert_eq!(e["status"], "CONFIRMED");
    assert_eq!(e["url"], format!("{}/conversations/{id}", app.base));
    let first_sequence = e["sequence"].as_i64().expect("a sequence");
    let c = event(&feed, &format!("checkin-{}@127.0.0.1", checkins[0]));
    assert_eq!(c["all_day"], true);
    assert_eq!(c["start"], "2027-06-01");
    assert_eq!(c["end"], "2027-06-02", "one whole day");
    assert_eq!(c["summary"], "Growth plan check-in 1 of 4");
    assert_eq!(c["url"], format!("{}/plans/{plan}", app.base));
    assert_eq!(feed["events"].as_array().map(Vec::len), Some(5), "a conversation and four check-ins: {feed}");

    // The leader moves it to 15:30 in Berlin in July (UTC+2 then).
    let res = t
        .leader_api
        .patch_json(&conv(id, ""), &json!({"starts_at_local": "2027-07-14T15:30", "time_zone": "Europe/Berlin"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let feed = parsed(&app, &url).await;
    let moved = event(&feed, &uid);
    assert_eq!(moved["tzid"], "Europe/Berlin");
    assert_eq!(moved["start"], "2027-07-14T15:30:00+02:00");
    assert_eq!(moved["utc"], "2027-07-14T13:30:00Z");
    assert_eq!(moved["offset_vtimezone"], 7200.0, "summer time from the VTIMEZONE: {moved}");
    assert_eq!(moved["offset_vtimezone"], moved["offset_tzdb"]);
    assert!(moved["sequence"].as_i64().expect("a sequence") > first_sequence, "a reschedule raises SEQUENCE: {moved}");
    assert!(moved["last_modified"].as_str() >= e["last_modified"].as_str());

    // The leader's own feed has the same event, seen from their side, and the check-ins they lead.
    let leader_feed = parsed(&app, &new_feed(&t.leader_api).await).await;
    let theirs = event(&leader_feed, &uid);
    assert_eq!(theirs["summary"], "Career conversation with Rae Report");
    assert_eq!(theirs["start"], moved["start"]);
    let led = event(&leader_feed, &format!("checkin-{}@127.0.0.1", checkins[3]));
    assert_eq!(led["summary"], "Growth plan check-in 4 of 4 with Rae Report");
    assert_eq!(led["start"], "2028-03-01");

    // Cancelled: still there, struck out, with a higher SEQUENCE.
    let res = t.leader_api.patch_json(&conv(id, ""), &json!({"state": "cancelled"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let feed = parsed(&app, &url).await;
    let cancelled = event(&feed, &uid);
    assert_eq!(cancelled["status"], "CANCELLED");
    assert!(cancelled["sequence"].as_i64() > moved["sequence"].as_i64());
}

#[tokio::test]
async fn someone_elses_conversations_and_plans_stay_out() {
    if !peers::available(&["icalendar"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    app.add_plan(
        t.report.id,
        t.leader.id,
        "UTC",
        [day("2027-06-01"), day("2027-09-01"), day("2027-12-01"), day("2028-03-01")],
    )
    .await;
    let feed = parsed(&app, &new_feed(&t.peer_api).await).await;
    assert_eq!(feed["events"], json!([]), "the peer is in neither: {feed}");
    let skip = parsed(&app, &new_feed(&t.skip_api).await).await;
    assert_eq!(skip["events"], json!([]), "nor is the leader's manager: {skip}");
    // After a manager change the report can take the former leader's access
    // back: the conversation leaves that leader's feed.
    let leader_url = new_feed(&t.leader_api).await;
    assert_eq!(parsed(&app, &leader_url).await["events"].as_array().map(Vec::len), Some(5));
    let changes = foothold_store::ConversationChanges { leader_access_revoked: Some(true), ..Default::default() };
    app.store.update_conversation(id, &changes, None).await.expect("take the access back");
    let feed = parsed(&app, &leader_url).await;
    let uids: Vec<&str> = feed["events"].as_array().expect("events").iter().filter_map(|e| e["uid"].as_str()).collect();
    assert!(!uids.contains(&format!("conversation-{id}@127.0.0.1").as_str()), "{uids:?}");
    assert_eq!(uids.len(), 4, "the check-ins of the plan they lead stay: {uids:?}");
}

#[tokio::test]
async fn completed_check_ins_and_closed_plans() {
    if !peers::available(&["icalendar"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let due = [day("2027-06-01"), day("2027-09-01"), day("2027-12-01"), day("2028-03-01")];
    let (plan, checkins) = app.add_plan(t.report.id, t.leader.id, "UTC", due).await;
    let url = new_feed(&t.report_api).await;
    let before = parsed(&app, &url).await;
    let uid = |i: usize| format!("checkin-{}@127.0.0.1", checkins[i]);
    let first = event(&before, &uid(0)).clone();
    assert_eq!(first["status"], "CONFIRMED");

    let done = app
        .execute(
            "UPDATE checkins SET completed_at = $1, completed_by = $2 WHERE id = $3",
            vec![foothold_store::now().into(), t.leader.id.into(), checkins[0].into()],
        )
        .await;
    assert_eq!(done, 1);
    let after = parsed(&app, &url).await;
    let completed = event(&after, &uid(0));
    assert_eq!(completed["summary"], "Growth plan check-in 1 of 4 (done)");
    assert!(completed["sequence"].as_i64() > first["sequence"].as_i64(), "a changed event has a higher SEQUENCE");

    // A closed plan's open check-ins will not happen.
    app.execute("UPDATE plans SET state = 'closed', version = version + 1 WHERE id = $1", vec![plan.into()]).await;
    let closed = parsed(&app, &url).await;
    assert_eq!(event(&closed, &uid(0))["status"], "CONFIRMED", "the completed one happened");
    for i in 1..4 {
        assert_eq!(event(&closed, &uid(i))["status"], "CANCELLED");
    }
}

#[tokio::test]
async fn regenerating_revokes_the_old_address() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let api = app.api_for(kim.id).await;
    let res = api.get("/api/v1/me/calendar-feed").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["active"], false);

    let first = new_feed(&api).await;
    let res = fetch(&app, &first).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.starts_with("BEGIN:VCALENDAR\r\n"), "{}", res.body);
    let state = api.get("/api/v1/me/calendar-feed").await.json();
    assert_eq!(state["active"], true);
    assert!(state["last_used_at"].is_string(), "the fetch is noted: {state}");
    assert!(!state.to_string().contains("/calendar/"), "the address is never listed again: {state}");

    let second = new_feed(&api).await;
    assert_ne!(first, second);
    assert_eq!(fetch(&app, &first).await.status, StatusCode::NOT_FOUND, "the old address is revoked");
    assert_eq!(fetch(&app, &second).await.status, StatusCode::OK);

    let unknown = format!("{}/calendar/{}.ics", app.base, "A".repeat(43));
    assert_eq!(fetch(&app, &unknown).await.status, StatusCode::NOT_FOUND);
    let no_suffix = second.trim_end_matches(".ics").to_owned();
    assert_eq!(fetch(&app, &no_suffix).await.status, StatusCode::NOT_FOUND, "the address ends in .ics");

    let res = api.delete("/api/v1/me/calendar-feed").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    assert_eq!(fetch(&app, &second).await.status, StatusCode::NOT_FOUND, "turned off");
    assert_eq!(api.get("/api/v1/me/calendar-feed").await.json()["active"], false);
    app.anonymous_api().call(Method::POST, "/api/v1/me/calendar-feed").await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deactivated_persons_feed_stops() {
    let app = TestApp::spawn().await;
    let (_, admin_api) = app.admin_api().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let url = new_feed(&app.api_for(kim.id).await).await;
    assert_eq!(fetch(&app, &url).await.status, StatusCode::OK);
    let res = admin_api.patch_json(&format!("/api/v1/people/{}", kim.id), &json!({"active": false})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(fetch(&app, &url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_profile_page_makes_and_regenerates_the_address() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let browser = app.browser_for(kim.id).await;
    let page = browser.get("/profile").await;
    assert!(page.body.contains("Make a feed address"), "{}", page.body);
    let fields = hidden_fields(&page.body, "/profile/calendar-feed");
    assert!(fields.iter().any(|(k, _)| k == "csrf"), "the form carries the CSRF token");

    let res = browser.post_form("/profile/calendar-feed", &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "no CSRF token, no feed");
    let res = browser.submit("/profile/calendar-feed", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let first = feed_url_in(&res.body, &app.base);
    assert_eq!(fetch(&app, &first).await.status, StatusCode::OK);
    let again = browser.get("/profile").await;
    assert!(!again.body.contains(&first), "shown once: only its hash is kept");
    assert!(again.body.contains("Regenerate feed address"));

    let res = browser.submit("/profile/calendar-feed", &[]).await;
    let second = feed_url_in(&res.body, &app.base);
    assert_ne!(first, second);
    assert!(res.body.contains("the old one no longer works"), "{}", res.body);
    assert_eq!(fetch(&app, &first).await.status, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, &second).await.status, StatusCode::OK);

    let res = browser.submit("/profile/calendar-feed/delete", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(fetch(&app, &second).await.status, StatusCode::NOT_FOUND);
}

/// The absolute feed address shown on a profile page.
fn feed_url_in(html: &str, base: &str) -> String {
    let start = html.find(&format!("{base}/calendar/")).unwrap_or_else(|| panic!("no feed address in {html}"));
    let end = html[start..].find('"').expect("end of the value") + start;
    let url = html[start..end].to_owned();
    assert!(url.ends_with(".ics"), "{url}");
    url
}
