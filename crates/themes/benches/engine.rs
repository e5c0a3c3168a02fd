//! Throughput on ~1 MB of varied answer text, and latency of a nine-answer conversation.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use foothold_themes::{Answer, Category, Engine, Taxonomy};

const QUESTIONS: [&str; 9] = [
    "Reflecting on the past six months, when have you felt most engaged?",
    "What have you been most proud of?",
    "What setbacks have mattered most to you?",
    "What aspect of your current work is most fulfilling?",
    "When do you feel like you are in your element?",
    "What's draining you right now?",
    "Where do you hope to become an expert?",
    "What aspect of our team's work would you like to expand?",
    "Where would you like more ownership?",
];

const TEXTS: [&str; 9] = [
    "Night shifts on the stroke ward over the winter. We were short-staffed, but the team was brilliant — we looked after each other as well as the patients.",
    "Getting the new spacing and type scale adopted across all three apps. Nobody outside design will ever notice it, but the product finally looks like one product instead of three.",
    "The onboarding redesign got shelved twice after I'd taken it all the way to high fidelity. Both times priorities shifted at the last minute and I had to throw the work away.",
    "Watching customers use something we argued about for months and seeing that it just works for them.",
    "When a designer and I are on a call and I'm nudging easing curves live while they go 'no, softer… softer… yes!'",
    "Everything is urgent. I'm on calls from 8 till 7, I've cancelled two holidays this year, and I'm sleeping badly. Oh, the endless status meetings are a joy.",
    "Stroke care. I'd like to do the specialist course and eventually move into a stroke nurse specialist post.",
    "Teaching. We do bits of informal teaching at handover; I'd like a proper programme for newly qualified nurses.",
    "I don't want to manage people, that's not me. But I'd like delegated authority to sign off smaller applications myself.",
];

fn conversation(variant: usize) -> Vec<Answer> {
    let cats = [Category::Past, Category::Present, Category::Future];
    (0..9)
        .map(|i| {
            // Vary the text so that the corpus is not one string repeated: rotate answers,
            // add a numbered clause and a typo now and then.
            let base = TEXTS[(i + variant) % 9];
            let mut text = base.to_string();
            if variant % 3 == 1 {
                text.push_str(&format!(" Week {variant}, ward {}.", variant % 17));
            }
            if variant % 5 == 2 {
                text = text.replace("the", "teh");
            }
            Answer::new(cats[i / 3], QUESTIONS[i], text)
        })
        .collect()
}

fn corpus(bytes: usize) -> Vec<Vec<Answer>> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut v = 0;
    while total < bytes {
        let c = conversation(v);
        total += c.iter().map(|a| a.text.len()).sum::<usize>();
        out.push(c);
        v += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(Taxonomy::default_set());

    let conv = conversation(0);
    c.bench_function("nine_answer_conversation", |b| b.iter(|| black_box(engine.analyze(black_box(&conv)))));

    let people = corpus(1 << 20);
    let bytes: usize = people.iter().flatten().map(|a| a.text.len()).sum();
    let mut g = c.benchmark_group("throughput");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);
    g.bench_function("1MB_as_conversations", |b| {
        b.iter(|| {
            for p in &people {
                black_box(engine.analyze(black_box(p)));
            }
        })
    });
    // The same megabyte as one huge analysis: checks linearity of the aggregation.
    let flat: Vec<Answer> = people.iter().flatten().cloned().collect();
    g.bench_function("1MB_as_one_analysis", |b| b.iter(|| black_box(engine.analyze(black_box(&flat)))));
    g.finish();

    c.bench_function("engine_new", |b| b.iter(|| black_box(Engine::new(Taxonomy::default_set()))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
