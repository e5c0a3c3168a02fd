//! Feeds arbitrary bytes to both question set importers: they must never
//! panic, and what they accept must be a valid set that reads back the same.

#![no_main]

use std::collections::BTreeMap;

use foothold_domain::conversation::{Category, MAX_QUESTIONS, Question};
use foothold_domain::question_import::{ImportProblem, MAX_PROBLEMS, parse_markdown, parse_question_bank};
use libfuzzer_sys::fuzz_target;

fn check_problems(problems: &[ImportProblem]) {
    assert!(!problems.is_empty());
    assert!(problems.len() <= MAX_PROBLEMS + 1);
    assert!(problems.windows(2).all(|w| w[0].line <= w[1].line), "unsorted: {problems:?}");
}

fuzz_target!(|data: &[u8]| {
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
});
