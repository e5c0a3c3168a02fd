//! The checks the fuzz targets run, here so that `cargo test` replays the
//! committed seed corpora through exactly the same code (`tests/fuzz_seeds.rs`).
//! Each function panics when an invariant breaks; nothing else calls them.

use std::collections::{BTreeMap, HashSet};

use crate::Email;
use crate::conversation::{Category, MAX_QUESTIONS, Question};
use crate::import::{ExistingPerson, plan_import};
use crate::question_import::{ImportProblem, MAX_PROBLEMS, parse_markdown, parse_question_bank};

fn email(s: &str) -> Email {
    Email::parse(s).expect("valid fixture address")
}

/// The CSV importer never panics, and an accepted plan is insertable in order.
pub fn import_csv(data: &[u8]) {
    // A few existing people, including a loop, so that manager lookups and
    // cycle detection through Foothold's data are exercised too.
    let existing = [
        ExistingPerson { email: email("a@x.org"), manager: Some(email("c@x.org")) },
        ExistingPerson { email: email("c@x.org"), manager: Some(email("a@x.org")) },
        ExistingPerson { email: email("d@x.org"), manager: None },
    ];
    match plan_import(data, &existing) {
        Ok(rows) => {
            assert!(!rows.is_empty());
            let mut placed: HashSet<&Email> = existing.iter().map(|p| &p.email).collect();
            let mut in_file = HashSet::new();
            for row in &rows {
                assert!(in_file.insert(&row.email), "duplicate {}", row.email);
                if let Some(m) = &row.manager {
                    assert!(placed.contains(m), "manager {m} not placed before {}", row.email);
                    assert_ne!(m, &row.email);
                }
                placed.insert(&row.email);
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
}

fn check_problems(problems: &[ImportProblem]) {
    assert!(!problems.is_empty());
    assert!(problems.len() <= MAX_PROBLEMS + 1);
    assert!(problems.windows(2).all(|w| w[0].line <= w[1].line), "unsorted: {problems:?}");
}

/// Both question set importers never panic, and what they accept reads back the same.
pub fn question_import(data: &[u8]) {
    match parse_markdown(data) {
        Ok(set) => {
            assert!(!set.questions.is_empty() && set.questions.len() <= MAX_QUESTIONS);
            // Written back out, the accepted set reads the same.
            let mut file = String::new();
            if let Some(name) = &set.name {
                file.push_str(&format!("# {name} #\n"));
            }
            for q in &set.questions {
                assert_eq!(Question::new(q.category, &q.text).as_ref(), Ok(q));
                file.push_str(&format!("## {}\n- {}\n", q.category.label(), q.text));
            }
            assert_eq!(parse_markdown(file.as_bytes()), Ok(set));
        }
        Err(problems) => check_problems(&problems),
    }
    match parse_question_bank(data, "en") {
        Ok(bank) => {
            assert!(!bank.is_empty());
            assert_eq!(bank.categories.iter().map(|c| c.count).sum::<usize>(), bank.len());
            let everything: BTreeMap<String, Option<Category>> =
                bank.categories.iter().map(|c| (c.name.clone(), Some(Category::Present))).collect();
            if let Ok(questions) = bank.select(&everything) {
                assert!(!questions.is_empty() && questions.len() <= MAX_QUESTIONS);
            }
            let _ = bank.select(&bank.suggested());
        }
        Err(problems) => check_problems(&problems),
    }
}
