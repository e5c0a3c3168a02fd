//! A believable demo organisation: the seed's story (Kelly, Head of Design,
//! and her six directs) inside a small company, optionally grown to any size
//! for load tests. Deterministic: the same size gives the same people.

use std::fmt::Write as _;

use anyhow::Context;
use foothold_domain::{Email, Role};
use foothold_store::{PersonChanges, Store};

/// The password of the demo sign-ins (printed at start; demo data only).
pub const PASSWORD: &str = "climbing-wall-demo";
/// People in the story itself.
pub const STORY_SIZE: usize = 30;

const DOMAIN: &str = "meridian.example";

/// (name, title, department, manager's name or "")
const STORY: [(&str, &str, &str, &str); STORY_SIZE] = [
    ("Morgan Reyes", "Chief Executive", "Leadership", ""),
    ("Kelly Moore", "Head of Design", "Design", "Morgan Reyes"),
    ("Priya Natarajan", "Senior Product Designer", "Design", "Kelly Moore"),
    ("Marco Rossi", "Product Designer", "Design", "Kelly Moore"),
    ("Aisha Bello", "UX Researcher", "Design", "Kelly Moore"),
    ("Tom Becker", "Content Designer", "Design", "Kelly Moore"),
    ("Lena Fischer", "Design Systems Designer", "Design", "Kelly Moore"),
    ("Sam Okafor", "Junior Product Designer", "Design", "Kelly Moore"),
    ("Daniel Kim", "VP Engineering", "Engineering", "Morgan Reyes"),
    ("Hannah Lee", "Engineering Manager, Payments", "Engineering", "Daniel Kim"),
    ("Oliver Grant", "Senior Software Engineer", "Engineering", "Hannah Lee"),
    ("Mei Chen", "Software Engineer", "Engineering", "Hannah Lee"),
    ("Lucas Silva", "Software Engineer", "Engineering", "Hannah Lee"),
    ("Fatima Zahra", "QA Engineer", "Engineering", "Hannah Lee"),
    ("Ravi Patel", "Engineering Manager, Platform", "Engineering", "Daniel Kim"),
    ("Emma Novak", "Staff Engineer", "Engineering", "Ravi Patel"),
    ("Kwame Mensah", "Site Reliability Engineer", "Engineering", "Ravi Patel"),
    ("Julia Weber", "Software Engineer", "Engineering", "Ravi Patel"),
    ("Ahmed Hassan", "Software Engineer", "Engineering", "Ravi Patel"),
    ("Sofia Alvarez", "Head of Product", "Product", "Morgan Reyes"),
    ("Liam O'Connor", "Senior Product Manager", "Product", "Sofia Alvarez"),
    ("Yuki Tanaka", "Product Manager", "Product", "Sofia Alvarez"),
    ("Chloe Martin", "Product Manager", "Product", "Sofia Alvarez"),
    ("Noor Haddad", "Data Analyst", "Product", "Sofia Alvarez"),
    ("Grace O'Neill", "Head of Customer Success", "Customer Success", "Morgan Reyes"),
    ("Diego Torres", "Customer Success Lead", "Customer Success", "Grace O'Neill"),
    ("Anna Kowalski", "Customer Success Specialist", "Customer Success", "Grace O'Neill"),
    ("Ben Carter", "Customer Success Specialist", "Customer Success", "Grace O'Neill"),
    ("Ines Costa", "Support Engineer", "Customer Success", "Grace O'Neill"),
    ("Jonas Berg", "People Partner", "People Operations", "Morgan Reyes"),
];

const FIRST: [&str; 24] = [
    "Alex", "Sam", "Jordan", "Taylor", "Robin", "Nika", "Omar", "Leila", "Hugo", "Zara", "Mateo", "Elif", "Kofi",
    "Ana", "Ivan", "Saanvi", "Finn", "Amara", "Jonah", "Maya", "Tariq", "Ingrid", "Rosa", "Kenji",
];
const LAST: [&str; 24] = [
    "Adams",
    "Brooks",
    "Chavez",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Horvat",
    "Ibrahim",
    "Jensen",
    "Kaur",
    "Lindqvist",
    "Moreau",
    "Nguyen",
    "Osei",
    "Popescu",
    "Quinn",
    "Rahman",
    "Santos",
    "Takahashi",
    "Umar",
    "Varga",
    "Wright",
    "Yilmaz",
];
/// Departments that grow when the demo is larger than the story, with their heads.
const GROWING: [(&str, &str); 4] = [
    ("Engineering", "Daniel Kim"),
    ("Customer Success", "Grace O'Neill"),
    ("Product", "Sofia Alvarez"),
    ("Design", "Kelly Moore"),
];
const TEAM_SIZE: usize = 8;

fn email_of(name: &str) -> String {
    let local: String = name
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('.'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect();
    format!("{local}@{DOMAIN}")
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The organisation as an import file of `size` people.
pub fn csv(size: usize) -> String {
    let mut out = String::from("email,name,title,department,manager_email\n");
    for (name, title, dept, manager) in STORY {
        let manager = if manager.is_empty() { String::new() } else { email_of(manager) };
        let _ = writeln!(out, "{},{},{},{},{}", email_of(name), quote(name), quote(title), quote(dept), manager);
    }
    let mut lead = String::new();
    for i in 0..size.saturating_sub(STORY_SIZE) {
        let (dept, head) = GROWING[(i / (TEAM_SIZE + 1)) % GROWING.len()];
        let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let email = format!("{}.{i}@{DOMAIN}", email_of(&name).split('@').next().unwrap_or("person"));
        let (title, manager) = if i % (TEAM_SIZE + 1) == 0 {
            lead = email.clone();
            (format!("Team Lead, {dept}"), email_of(head))
        } else {
            (format!("Specialist, {dept}"), lead.clone())
        };
        let _ = writeln!(out, "{email},{},{},{},{manager}", quote(&name), quote(&title), quote(dept));
    }
    out
}

/// Fills an empty database; returns the demo sign-ins as (who, e-mail).
pub async fn generate(store: &Store, size: usize) -> anyhow::Result<Vec<(String, String)>> {
    let file = csv(size);
    let outcome =
        store.import_people(file.as_bytes()).await.map_err(|e| anyhow::anyhow!("demo import failed: {e:?}"))?;
    tracing::info!(people = outcome.created.len(), "demo organisation created");
    let hash = foothold_web::hash_password(PASSWORD).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let sign_ins = [
        ("Admin (Chief Executive)", "Morgan Reyes"),
        ("Leader (Head of Design)", "Kelly Moore"),
        ("Member (Product Designer)", "Priya Natarajan"),
    ];
    let mut out = Vec::new();
    for (who, name) in sign_ins {
        let email = Email::parse(&email_of(name))?;
        let person = store.person_by_email(&email).await?.context("demo person missing")?;
        store.set_password_hash(person.id, &hash).await?;
        if who.starts_with("Admin") {
            store
                .update_person(person.id, &PersonChanges { role: Some(Role::Admin), ..Default::default() }, None)
                .await?;
        }
        out.push((who.to_owned(), email.to_string()));
    }
    marcos_year(store).await?;
    history(store, HISTORY_YEARS, chrono::Utc::now().date_naive()).await?;
    Ok(out)
}

/// Years of quarterly history the demo generates.
pub const HISTORY_YEARS: u32 = 3;

/// A deterministic 64-bit mix (SplitMix64): the same organisation always gets the same history.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn roll(person: i64, salt: u64) -> u64 {
    mix((person as u64).wrapping_mul(1_000_003) ^ salt)
}

/// Three years (by default) of quarterly history for everyone: pulse answers,
/// held career conversations, growth plans and performance ratings, in which
/// engagement rises after a person's first career conversation, as the seed's
/// story says it should. Returns how many rows of each were made.
pub async fn history(
    store: &Store,
    years: u32,
    today: chrono::NaiveDate,
) -> anyhow::Result<(usize, usize, usize, usize)> {
    use chrono::{Datelike, TimeZone};
    use foothold_domain::insight::Quarter;
    use foothold_domain::plan::{StepKind, StepStatus};
    use foothold_store::{ConversationSeed, HistorySeed, PlanSeed, PulseSeed, RatingSeed};

    let chart = store.org_chart().await?;
    let manager: std::collections::HashMap<i64, Option<i64>> = chart.iter().map(|p| (p.id, p.manager_id)).collect();
    let story: Vec<i64> = {
        let mut ids = Vec::new();
        for (name, ..) in STORY {
            ids.push(person_named(store, name).await?.id);
        }
        ids
    };
    // The closed quarters, oldest first.
    let mut quarters = Vec::new();
    let mut q = Quarter::of(today).prev().context("quarter")?;
    for _ in 0..years * 4 {
        quarters.push(q);
        q = q.prev().context("quarter")?;
    }
    quarters.reverse();
    let n = quarters.len() as u64;
    let mut seed = HistorySeed::default();
    let mid = |q: Quarter| -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        let d = q.first_day() + chrono::Days::new(40);
        chrono::Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), 10, 0, 0).single().context("time")
    };
    for p in chart.iter().filter(|p| p.active) {
        let mut leaders = Vec::new();
        let mut up = p.manager_id;
        while let Some(m) = up {
            if leaders.contains(&m) {
                break;
            }
            leaders.push(m);
            up = manager.get(&m).copied().flatten();
        }
        // A quarter of the people have not had a career conversation yet.
        let first = (!roll(p.id, 1).is_multiple_of(4)).then(|| roll(p.id, 2) % n);
        let team_mood = (roll(leaders.first().copied().unwrap_or(0), 3) % 100) as f64 / 100.0 - 0.5;
        for (i, q) in quarters.iter().enumerate() {
            let i = i as u64;
            let after = first.is_some_and(|f| i > f);
            if roll(p.id, 10 + i) % 100 < 85 {
                let lift = if after { 0.7 } else { 0.0 };
                let score = |k: u64| -> u8 {
                    let noise = (roll(p.id, 100 + i * 7 + k) % 100) as f64 / 100.0 - 0.5;
                    (3.0 + team_mood + lift + noise * 1.6).round().clamp(1.0, 5.0) as u8
                };
                let enps_noise = (roll(p.id, 300 + i) % 5) as f64;
                seed.pulses.push(PulseSeed {
                    person_id: p.id,
                    quarter: q.iso(),
                    department_id: p.department_id,
                    leaders: leaders.clone(),
                    scores: [score(0), score(1), score(2), score(3), score(4)],
                    enps: (5.0 + team_mood * 2.0 + if after { 2.0 } else { 0.0 } + enps_noise - 2.0)
                        .round()
                        .clamp(0.0, 10.0) as u8,
                    answered_at: mid(*q)?,
                });
            }
            if let Some(leader) = p.manager_id {
                let r = (roll(p.id, 500 + i) % 10) as i64;
                let rating = match r {
                    0 => 2,
                    1..=5 => 3,
                    6..=8 => 4,
                    _ => {
                        if after {
                            5
                        } else {
                            1
                        }
                    }
                };
                seed.ratings.push(RatingSeed { person_id: p.id, leader_id: leader, quarter: q.iso(), rating });
                // Conversations from the first one on, every other quarter.
                if let Some(f) = first
                    && i >= f
                    && (i - f).is_multiple_of(2)
                {
                    seed.conversations.push(ConversationSeed { report_id: p.id, leader_id: leader, at: mid(*q)? });
                }
            }
        }
        // A plan after the latest conversation; story people's plans are closed so the demo's own stay free.
        if let (Some(f), Some(leader)) = (first, p.manager_id) {
            let last = f + (n - 1 - f) / 2 * 2;
            let start = mid(quarters[last as usize])?.date_naive();
            let elapsed = (n - 1 - last) as u32;
            let held = if story.contains(&p.id) { 4 } else { elapsed.min(4) };
            if held < 4 || elapsed >= 4 || story.contains(&p.id) {
                let kinds =
                    [StepKind::DeepenExpertise, StepKind::MoveSideways, StepKind::StepUp, StepKind::TakeOwnership];
                let steps = (0..3u32)
                    .map(|k| {
                        let kind = kinds[(roll(p.id, 700 + u64::from(k)) % 4) as usize];
                        let status = if k < held {
                            StepStatus::Done
                        } else if k == held {
                            StepStatus::InProgress
                        } else {
                            StepStatus::Planned
                        };
                        (kind, format!("{} step {}", kind.label(), k + 1), status, k + 1)
                    })
                    .collect();
                seed.plans.push(PlanSeed {
                    person_id: p.id,
                    leader_id: leader,
                    starts_on: start,
                    theme: "Growth".into(),
                    steps,
                    checkins_held: held,
                });
            }
        }
    }
    store.import_history(&seed).await?;
    let counts = (seed.pulses.len(), seed.conversations.len(), seed.plans.len(), seed.ratings.len());
    tracing::info!(
        pulses = counts.0,
        conversations = counts.1,
        plans = counts.2,
        ratings = counts.3,
        "demo history created"
    );
    Ok(counts)
}

async fn person_named(store: &Store, name: &str) -> anyhow::Result<foothold_store::Person> {
    let email = Email::parse(&email_of(name))?;
    store.person_by_email(&email).await?.context("demo person missing")
}

/// The seed's story in the data: Marco's held career conversation, its
/// confirmed themes, and the growth plan that follows, with a step sideways
/// into engineering, so the demo opens on a real climbing wall.
async fn marcos_year(store: &Store) -> anyhow::Result<()> {
    use chrono::{NaiveDate, TimeZone};
    use foothold_domain::conversation::{State, Window, career_dreaming};
    use foothold_domain::plan::StepInput;
    use foothold_store::{
        ConversationChanges, NewConversation, NewPlan, NewRole, PlanEdit, ThemeDecision, ThemeStatus,
    };

    let kelly = person_named(store, "Kelly Moore").await?;
    let marco = person_named(store, "Marco Rossi").await?;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).context("date");
    for (title, from, to) in [
        ("Junior Product Designer", date(2021, 3, 1)?, Some(date(2023, 6, 30)?)),
        ("Product Designer", date(2023, 7, 1)?, None),
    ] {
        let role = NewRole {
            person_id: marco.id,
            title: title.into(),
            department: "Design".into(),
            started_on: from,
            ended_on: to,
        };
        store.record_role(&role, kelly.id).await?;
    }
    let when = chrono::Utc.with_ymd_and_hms(2026, 9, 15, 9, 0, 0).single().context("time")?;
    let c = store
        .create_conversation(&NewConversation {
            report_id: marco.id,
            leader_id: kelly.id,
            scheduled_at: when,
            time_zone: "Europe/London".into(),
            duration_minutes: 60,
            window: Window::default(),
            note: "Bring what matters to you; nothing is too small.".into(),
            set_name: foothold_store::BUILTIN_SET_NAME.into(),
            questions: career_dreaming(),
        })
        .await?;
    let answers = [
        "Pairing with the payments engineers on the checkout rebuild: two weeks side by side, shipping every day.",
        "I lost energy when handoffs went through three layers before anyone talked to a customer.",
        "Running my first usability study on my own, from recruiting to the read-out.",
    ];
    for (q, text) in store.asked_questions(c.id).await?.iter().zip(answers) {
        store.save_answer(c.id, q.id, text, 0).await?;
    }
    store.set_shared(c.id, None, true).await?;
    store
        .update_conversation(c.id, &ConversationChanges { state: Some(State::Held), ..Default::default() }, None)
        .await?;
    for (key, label) in [("collaboration", "Building with engineers"), ("learning", "Research skills")] {
        let d = ThemeDecision {
            key: key.into(),
            label: label.into(),
            valence: "+".into(),
            status: ThemeStatus::Confirmed,
            merged_from: vec![],
        };
        store.decide_theme(c.id, kelly.id, &d).await?;
    }
    let start = date(2026, 9, 15)?;
    let plan = store
        .create_plan(
            &NewPlan {
                person_id: marco.id,
                leader_id: kelly.id,
                conversation_id: Some(c.id),
                starts_on: start,
                ends_on: foothold_domain::plan::default_end(start),
                time_zone: "Europe/London".into(),
                themes: vec![
                    ("collaboration".into(), "Building with engineers".into()),
                    ("learning".into(), "Research skills".into()),
                ],
            },
            kelly.id,
        )
        .await?;
    let detail = store.plan_detail(plan.id).await?.context("plan")?;
    let steps = [
        (0, "move_sideways", "Six weeks embedded with the Payments engineering team", "in_progress", 1),
        (0, "take_ownership", "Own the design of the new refunds flow end to end", "planned", 2),
        (1, "deepen_expertise", "Run the checkout usability study, recruiting to read-out", "planned", 2),
        (1, "step_up", "Lead the research guild's monthly critique", "planned", 4),
    ];
    for (theme, kind, what, status, quarter) in steps {
        let step = StepInput {
            kind: kind.into(),
            what: what.into(),
            signal: String::new(),
            support: "Kelly introduces Marco to the team leads and protects the time".into(),
            target_quarter: quarter,
            status: status.into(),
        }
        .check()
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        let theme_id = detail.themes[theme].id;
        store.edit_plan(plan.id, None, marco.id, &PlanEdit::AddStep { theme_id, step }).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_story_is_valid_and_grows_deterministically() {
        for size in [STORY_SIZE, 100, 10_000] {
            let file = csv(size);
            let rows = foothold_domain::import::plan_import(file.as_bytes(), &[]).expect("demo file imports");
            assert_eq!(rows.len(), size);
            assert_eq!(file, csv(size));
        }
    }

    #[test]
    fn kelly_has_six_directs() {
        let file = csv(STORY_SIZE);
        let kelly = email_of("Kelly Moore");
        assert_eq!(file.lines().filter(|l| l.ends_with(&format!(",{kelly}"))).count(), 6);
    }
}
