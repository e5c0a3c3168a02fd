//! Team insight over HTTP: figures appear only for groups of at least N
//! respondents, a figure that would single people out by comparison is
//! withheld, leaders see their own tree only, and no API route hands an
//! individual pulse answer to anyone but its author.

use foothold_domain::engagement::PulseAnswer;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{Api, TestApp};

/// A closed quarter (the store keeps quarters as text; the test date is after 2026-Q3).
const Q: &str = "2026-Q3";

struct Org {
    admin: Api,
    admin_id: i64,
    lee: Api,
    sam: Api,
    member: Api,
    lee_id: i64,
    sam_id: i64,
    reports: Vec<i64>,
}

/// Ada (admin) leads Lee and Sam; Lee has six reports, Sam `sam_team`.
/// Every report answered the pulse in 2026-Q3.
async fn org(app: &TestApp, sam_team: usize) -> Org {
    let (admin, admin_api) = app.admin_api().await;
    let lee = app.add_member("lee@example.org", "Lee Leader", Some(admin.id)).await;
    let sam = app.add_member("sam@example.org", "Sam Small", Some(admin.id)).await;
    let mut reports = Vec::new();
    for i in 0..6 {
        reports.push(app.add_member(&format!("r{i}@example.org"), &format!("Report {i}"), Some(lee.id)).await.id);
    }
    let mut sams = Vec::new();
    for i in 0..sam_team {
        sams.push(app.add_member(&format!("s{i}@example.org"), &format!("Small {i}"), Some(sam.id)).await.id);
    }
    for (i, id) in reports.iter().chain(&sams).enumerate() {
        // Lee's team answers 4s with eNPS 9; Sam's 2s with eNPS 3.
        let (s, e) = if i < 6 { (4, 9) } else { (2, 3) };
        let answer = PulseAnswer { scores: [s; 5], enps: e };
        app.store.save_pulse(*id, Q, &answer).await.expect("pulse");
    }
    Org {
        member: app.api_for(reports[0]).await,
        lee: app.api_for(lee.id).await,
        sam: app.api_for(sam.id).await,
        admin: admin_api,
        admin_id: admin.id,
        lee_id: lee.id,
        sam_id: sam.id,
        reports,
    }
}

async fn quarter(api: &Api, group: &str) -> Value {
    let res = api.get(&format!("/api/v1/insight?group={group}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v = res.json();
    v["quarters"]
        .as_array()
        .expect("quarters")
        .iter()
        .find(|q| q["quarter"] == Q)
        .cloned()
        .unwrap_or_else(|| panic!("{Q} in {v}"))
}

#[tokio::test]
async fn groups_of_n_are_shown_and_leaders_see_their_own_tree_only() {
    let app = TestApp::spawn().await;
    let o = org(&app, 5).await;
    let lee = quarter(&o.lee, &format!("tree-{}", o.lee_id)).await;
    assert_eq!(lee["respondents"], 6, "{lee}");
    assert_eq!(lee["engagement"], 75.0, "all 4s on a 1–5 scale");
    assert_eq!(lee["enps"], 100);
    let sam = quarter(&o.sam, &format!("tree-{}", o.sam_id)).await;
    assert_eq!(sam["respondents"], 5);
    assert_eq!(sam["engagement"], 25.0);
    assert_eq!(sam["enps"], -100);
    let all = quarter(&o.admin, "org").await;
    assert_eq!(all["respondents"], 11);
    assert_eq!(all["withheld"], Value::Null);

    // Leaders see their own tree and nothing else; members see no insight at all.
    for (api, group) in [
        (&o.lee, "org".to_owned()),
        (&o.lee, format!("tree-{}", o.sam_id)),
        (&o.sam, format!("tree-{}", o.lee_id)),
        (&o.member, format!("tree-{}", o.lee_id)),
        (&o.member, String::new()),
        (&o.lee, "tree-x".to_owned()),
    ] {
        api.get(&format!("/api/v1/insight?group={group}")).await.problem(StatusCode::NOT_FOUND);
    }
    // The page and the CSV say the same.
    let browser = app.browser_for(o.lee_id).await;
    let page = browser.get("/insight").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Lee Leader&#39;s team") && page.body.contains("<td>75</td>"), "{}", page.body);
    let csv = browser.get(&format!("/insight.csv?group=tree-{}&table=pulse", o.lee_id)).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.body.lines().any(|l| l == format!("{Q},6,75.0,100,,,")), "{}", csv.body);
    assert_eq!(app.browser_for(o.reports[1]).await.get("/insight").await.status, StatusCode::NOT_FOUND);

    // The page's parts are formatted once per snapshot, yet each viewer
    // gets their own picker and each group its own figures.
    let admin_page = app.browser_for(o.admin_id).await.get("/insight?group=org").await;
    assert_eq!(admin_page.status, StatusCode::OK);
    assert!(admin_page.body.contains("value=\"org\""), "{}", admin_page.body);
    assert!(admin_page.body.contains("Sam Small&#39;s team") && admin_page.body.contains("Lee Leader&#39;s team"));
    let sam_page = app.browser_for(o.sam_id).await.get("/insight").await;
    assert_eq!(sam_page.status, StatusCode::OK);
    assert!(
        sam_page.body.contains("Sam Small&#39;s team") && sam_page.body.contains("<td>25</td>"),
        "{}",
        sam_page.body
    );
    assert!(!sam_page.body.contains("Lee Leader&#39;s team") && !sam_page.body.contains("value=\"org\""));
    assert!(!sam_page.body.contains("<td>75</td>"), "Lee's figures are not Sam's: {}", sam_page.body);
    let again = browser.get("/insight").await;
    assert!(again.body.contains("<td>75</td>") && !again.body.contains("Sam Small&#39;s team"), "{}", again.body);
}

#[tokio::test]
async fn a_small_team_is_not_shown_and_cannot_be_worked_out_by_subtraction() {
    let app = TestApp::spawn().await;
    // Sam's team of two: shown alone it would expose them, and so would
    // "everyone" (8) next to Lee's team (6).
    let o = org(&app, 2).await;
    let sam = quarter(&o.admin, &format!("tree-{}", o.sam_id)).await;
    assert_eq!(sam["respondents"], Value::Null, "{sam}");
    assert_eq!(sam["withheld"], "not enough responses yet");
    let all = quarter(&o.admin, "org").await;
    let lee = quarter(&o.admin, &format!("tree-{}", o.lee_id)).await;
    let shown = |q: &Value| q["respondents"].is_number();
    assert!(!(shown(&all) && shown(&lee)), "org and Lee's team differ by two people: {all} {lee}");
    let withheld = if shown(&all) { &lee } else { &all };
    assert!(withheld["withheld"].as_str().is_some_and(|w| w.contains("reveal a few people")), "{withheld}");
    // The same for Lee, who asks about their own team.
    let lee_own = quarter(&o.lee, &format!("tree-{}", o.lee_id)).await;
    assert_eq!(lee_own, lee);

    // Raising N to 7 withholds Lee's six as well.
    let admin =
        app.browser_for(app.people().await.iter().find(|p| p.email == "admin@example.org").expect("admin").id).await;
    let res = admin.submit("/insight/settings", &[("min_respondents", "7")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(quarter(&o.lee, &format!("tree-{}", o.lee_id)).await["respondents"], Value::Null);
    let res = admin.submit("/insight/settings", &[("min_respondents", "2")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "N never goes below 3");
}

/// Replaces `{name}` segments of an OpenAPI path with ids that exist.
fn fill(path: &str, id: i64) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                if seg == "{quarter}" { Q.to_owned() } else { id.to_string() }
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn no_api_route_returns_a_pulse_answer_to_anyone_but_its_author() {
    let app = TestApp::spawn().await;
    let o = org(&app, 5).await;
    let author = o.reports[0];
    // The author's own answers are reachable by them.
    let mine = o.member.get("/api/v1/me/pulses").await.json();
    assert_eq!(mine[0]["quarter"], Q);
    assert!(mine[0]["energy"].is_number());

    let doc = o.admin.get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().expect("paths");
    let mut calls = 0;
    let mut answered = 0;
    for (path, item) in paths {
        if item.get("get").is_none() {
            continue;
        }
        for id in [author, o.lee_id, o.sam_id, 1] {
            // The document's paths are whole: they start with /api/v1.
            let url = fill(path, id);
            for api in [&o.admin, &o.lee, &o.sam] {
                let res = api.call(Method::GET, &url).await;
                calls += 1;
                answered += usize::from(res.status == StatusCode::OK);
                // No individual item score ever appears outside the author's own route.
                // As keys: a theme's id may be the same word.
                for key in ["\"energy\":", "\"strengths\":", "\"ownership\":", "\"support\":", "\"answered_at\":"] {
                    assert!(!res.body.contains(key), "GET {url} as someone else returned {key}: {}", res.body);
                }
            }
        }
    }
    assert!(calls > 100, "every documented GET was tried ({calls} calls)");
    assert!(answered > calls / 3, "the calls reached their routes ({answered} of {calls} answered 200)");
    // The archive of someone else holds none of it either.
    let bytes =
        o.lee.request(Method::GET, "/api/v1/me/export").send().await.expect("send").bytes().await.expect("bytes");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut pulses = String::new();
    use std::io::Read;
    zip.by_name("foothold-export/pulses.json").expect("pulses.json").read_to_string(&mut pulses).expect("read");
    assert_eq!(pulses.trim(), "[]", "Lee's archive holds only Lee's own answers");
}

/// The first request builds the figures while the others wait for them, and
/// every request holds one of the server's five database connections from its
/// session lookup on: waiting ones must not hold theirs, or the build, which
/// needs connections of its own, waits for them until the pool times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_first_requests_at_once_all_get_the_figures() {
    let app = TestApp::spawn().await;
    let o = org(&app, 5).await;
    let browser = app.browser_for(o.lee_id).await;
    let pages = futures_util::future::join_all((0..24).map(|_| browser.get("/insight"))).await;
    for page in pages {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<td>75</td>"), "Lee's figures: {}", page.body);
    }
}
