//! Linearity and memory check: analyse N MB of varied answers as one call.
//!
//! `cargo run --release --example scale -- 1` (then 2, 4); compare time per MB and peak RSS.

use std::time::Instant;

use foothold_themes::{Answer, Category, Engine, Taxonomy};

fn main() {
    let mb: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let base = [
        "Night shifts on the stroke ward over the winter. We were short-staffed, but the team was brilliant.",
        "Oh, the endless status meetings are a joy. I'm exhausted and running on empty.",
        "I'd like to move into a specialist post and own the discharge planning end-to-end.",
        "Teaching the new starters knife skills, they finally get the brunoise right.",
    ];
    let mut answers = Vec::new();
    let mut total = 0;
    let mut i = 0usize;
    while total < mb << 20 {
        let text = format!("{} Case {i}, room {}.", base[i % base.len()], i % 97);
        total += text.len();
        answers.push(Answer::new([Category::Past, Category::Present, Category::Future][i % 3], "Q?", text));
        i += 1;
    }
    let engine = Engine::new(Taxonomy::default_set());
    let t = Instant::now();
    let a = engine.analyze(&answers);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{mb} MB, {} answers: {:.1} ms, {:.1} MB/s, {} themes, {} keyphrases",
        answers.len(),
        secs * 1e3,
        total as f64 / secs / 1e6,
        a.themes.len(),
        a.keyphrases.len()
    );
}
