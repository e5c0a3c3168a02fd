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
    Ok(out)
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
