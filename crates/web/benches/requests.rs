//! Request latency of the hottest routes: an autosave, the leader's
//! preparation view, and the growth plan page with its climbing wall (and the
//! wall drawn on its own). Starts the real server in-process on
//! loopback with a fresh SQLite file (and PostgreSQL when
//! `FOOTHOLD_BENCH_DATABASE_URL` names a database), then times requests one
//! after another from a client on the same machine. Figures are client-side
//! round trips, so they include loopback and HTTP parsing: an upper bound on
//! server time.
//!
//! `cargo bench -p foothold-web --bench requests`

use std::time::{Duration, Instant};

use foothold_domain::conversation::{Window, career_dreaming};
use foothold_domain::{Email, PersonName, Role};
use foothold_store::{DatabaseUrl, NewConversation, NewPerson, Store};
use foothold_web::{AppState, WebConfig};

const WARMUP: usize = 200;
const SAMPLES: usize = 2_000;

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{name:<34} n={:<5} median {:>7.0} µs   p90 {:>7.0} µs   p99 {:>7.0} µs   max {:>7.0} µs",
        samples.len(),
        micros(at(0.5)),
        micros(at(0.9)),
        micros(at(0.99)),
        micros(at(1.0))
    );
}

async fn person(store: &Store, email: &str, name: &str, manager: Option<i64>) -> i64 {
    let p = NewPerson {
        email: Email::parse(email).expect("email"),
        name: PersonName::parse(name).expect("name"),
        title: "Designer".into(),
        department: Some("Design".into()),
        manager_id: manager,
        role: Role::Member,
    };
    store.create_person(&p).await.expect("person").id
}

async fn run(label: &str, url: DatabaseUrl) {
    let store = Store::connect(&url, 8).await.expect("connect");
    store.migrate().await.expect("migrate");
    // Fresh people every run, so a PostgreSQL database can be benchmarked again.
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let leader = person(&store, &format!("kelly-{run_id}@bench.example"), "Kelly Moore", None).await;
    let report = person(&store, &format!("priya-{run_id}@bench.example"), "Priya Natarajan", Some(leader)).await;
    let conv = store
        .create_conversation(&NewConversation {
            report_id: report,
            leader_id: leader,
            scheduled_at: foothold_store::now(),
            time_zone: "Europe/London".into(),
            duration_minutes: 60,
            window: Window::default(),
            note: "Bring what matters to you.".into(),
            set_name: "Career dreaming".into(),
            questions: career_dreaming(),
        })
        .await
        .expect("conversation");
    let asked = store.asked_questions(conv.id).await.expect("questions");
    let answer = "The two weeks we spent rebuilding the checkout flow with Marco and Priya from engineering. \
                  We sat together most afternoons, sketching and adjusting on the spot. "
        .repeat(3);
    for q in &asked {
        store.save_answer(conv.id, q.id, &answer, 0).await.expect("answer");
    }
    store.set_shared(conv.id, None, true).await.expect("share");
    let ttl = chrono::Duration::hours(1);
    let leader_session = store.create_session(leader, ttl).await.expect("session");
    let report_session = store.create_session(report, ttl).await.expect("session");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(store.clone(), WebConfig::new(url::Url::parse(&base).expect("url")));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(foothold_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().expect("client");

    let view = format!("{base}/conversations/{}", conv.id);
    let cookie = format!("foothold_session={}", leader_session.token);
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        let t = Instant::now();
        let res = client.get(&view).header("cookie", &cookie).send().await.expect("view");
        assert_eq!(res.status(), 200);
        let body = res.bytes().await.expect("body");
        if i >= WARMUP {
            samples.push(t.elapsed());
        }
        assert!(body.len() > 1000);
    }
    stats(&format!("{label}: leader's preparation view"), samples);

    let save = format!("{base}/api/v1/conversations/{}/answers/{}", conv.id, asked[0].id);
    let cookie = format!("foothold_session={}", report_session.token);
    let mut version = 1;
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        let body = serde_json::json!({ "text": format!("{answer} (edit {i})"), "version": version });
        let t = Instant::now();
        let res = client
            .put(&save)
            .header("cookie", &cookie)
            .header("x-csrf-token", &report_session.csrf_token)
            .json(&body)
            .send()
            .await
            .expect("save");
        assert_eq!(res.status(), 200);
        let saved: serde_json::Value = res.json().await.expect("json");
        if i >= WARMUP {
            samples.push(t.elapsed());
        }
        version = saved["version"].as_i64().expect("version");
    }
    stats(&format!("{label}: autosave (PUT answer)"), samples);

    let plan = plan_with_a_year(&store, conv.id, report, leader).await;
    let cookie = format!("foothold_session={}", leader_session.token);
    for (name, path) in
        [("plan page with wall", format!("/plans/{plan}")), ("printable plan", format!("/plans/{plan}/print"))]
    {
        let url = format!("{base}{path}");
        let mut samples = Vec::with_capacity(SAMPLES);
        for i in 0..WARMUP + SAMPLES {
            let t = Instant::now();
            let res = client.get(&url).header("cookie", &cookie).send().await.expect("plan");
            assert_eq!(res.status(), 200);
            let body = res.bytes().await.expect("body");
            if i >= WARMUP {
                samples.push(t.elapsed());
            }
            assert!(body.windows(4).any(|w| w == b"<svg"));
        }
        stats(&format!("{label}: {name}"), samples);
    }
    let _ = stop.send(());
    let _ = server.await;
}

/// A plan as it looks late in its year: three themes with four steps each,
/// five earlier roles, two check-ins held.
async fn plan_with_a_year(store: &Store, conversation: i64, report: i64, leader: i64) -> i64 {
    use foothold_domain::plan::{StepInput, StepKind};
    use foothold_store::{CheckinRecord, NewPlan, NewRole, PlanEdit};
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let themes = ["Research and discovery", "Design systems craft", "Leading critiques"];
    let plan = store
        .create_plan(
            &NewPlan {
                person_id: report,
                leader_id: leader,
                conversation_id: Some(conversation),
                starts_on: start,
                ends_on: foothold_domain::plan::default_end(start),
                time_zone: "Europe/London".into(),
                themes: themes.iter().map(|t| (t.to_lowercase(), (*t).to_owned())).collect(),
            },
            leader,
        )
        .await
        .expect("plan");
    let detail = store.plan_detail(plan.id).await.expect("detail").expect("plan");
    for (i, t) in detail.themes.iter().enumerate() {
        for j in 0..4 {
            let kind = StepKind::ALL[(i * 4 + j) % StepKind::ALL.len()];
            let step = StepInput {
                kind: kind.as_str().into(),
                what: format!("Step {j} of {}: pair with another team on a real problem", t.label),
                signal: "They ask for it again".into(),
                support: "Introductions and time".into(),
                target_quarter: (j % 4 + 1) as i64,
                status: ["planned", "in_progress", "done", "planned"][j].into(),
            }
            .check()
            .expect("step");
            store.edit_plan(plan.id, None, report, &PlanEdit::AddStep { theme_id: t.id, step }).await.expect("step");
        }
    }
    for (n, year) in [(1, 2019), (2, 2021), (3, 2022), (4, 2023), (5, 2024)] {
        let role = NewRole {
            person_id: report,
            title: format!("Designer {n}"),
            department: if n % 2 == 0 { "Research".into() } else { "Design".into() },
            started_on: chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("date"),
            ended_on: None,
        };
        store.record_role(&role, leader).await.expect("role");
    }
    for number in 1..=2 {
        let version = store.plan(plan.id).await.expect("plan").expect("plan").version;
        let rec = CheckinRecord {
            number,
            progress: vec![],
            theme_order: None,
            what_changed: "Steady progress.".into(),
            next_due: None,
            review: None,
        };
        store.complete_checkin(plan.id, version, leader, &rec).await.expect("check-in");
    }
    plan.id
}

/// The wall alone, as the plan page draws it.
fn wall_alone() {
    use foothold_domain::plan::{StepKind, StepStatus};
    use foothold_domain::wall::{Hold, PlannedMove, Wall, draw};
    let wall = Wall {
        holds: (0..5)
            .map(|i| Hold {
                title: format!("Designer {i}"),
                department: "Design".into(),
                from: chrono::NaiveDate::from_ymd_opt(2019 + i, 1, 1).expect("date"),
                to: chrono::NaiveDate::from_ymd_opt(2019 + i, 12, 31),
            })
            .collect(),
        moves: (0..12)
            .map(|i| PlannedMove {
                kind: StepKind::ALL[i % 6],
                what: format!("Step {i}: pair with another team on a real problem"),
                status: StepStatus::ALL[i % 4],
                target_quarter: (i % 4 + 1) as u32,
            })
            .collect(),
        current_title: "Senior Designer".into(),
        current_department: "Design".into(),
    };
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        let t = Instant::now();
        let picture = draw(&wall);
        if i >= WARMUP {
            samples.push(t.elapsed());
        }
        assert!(picture.svg.len() > 1000);
    }
    stats("climbing wall alone (5 holds, 12 steps)", samples);
}

#[tokio::main]
async fn main() {
    wall_alone();
    let dir = tempfile::tempdir().expect("tempdir");
    run("SQLite", DatabaseUrl::sqlite_file(&dir.path().join("bench.db"))).await;
    if let Ok(url) = std::env::var("FOOTHOLD_BENCH_DATABASE_URL") {
        run("PostgreSQL", DatabaseUrl::parse(&url).expect("postgres url")).await;
    }
}
