//! The check the fuzz target runs, here so that `cargo test` replays the
//! committed seed corpus through exactly the same code (`tests/fuzz_seeds.rs`).

use std::sync::OnceLock;

use crate::{Answer, Category, Engine, Taxonomy, parse_answers};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(Taxonomy::default_set()))
}

/// The engine never panics, and every piece of evidence quotes its answer exactly.
pub fn analyze(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = parse_answers(&s);
    // Split on a rarely typed separator so one input becomes several answers; the first
    // byte picks where the question text ends.
    let cats = [Category::Past, Category::Present, Category::Future];
    let answers: Vec<Answer> = s
        .split('\u{1}')
        .enumerate()
        .map(|(i, part)| {
            let cut = part.char_indices().nth(part.len() % 7).map_or(0, |(b, _)| b);
            Answer::new(cats[i % 3], &part[..cut], &part[cut..])
        })
        .collect();
    let a = engine().analyze(&answers);
    assert_eq!(a.answers.len(), answers.len());
    for t in &a.themes {
        for ev in &t.evidence {
            assert_eq!(&answers[ev.answer].text[ev.start..ev.end], ev.quote);
        }
    }
}
