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
    Ok(out)
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
