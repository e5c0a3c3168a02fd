//! Property tests: no panics on arbitrary input, evidence spans valid, determinism.

use std::sync::OnceLock;

use foothold_themes::{Answer, Category, Engine, Taxonomy, parse_answers};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(Taxonomy::default_set()))
}

fn category() -> impl Strategy<Value = Category> {
    prop_oneof![Just(Category::Past), Just(Category::Present), Just(Category::Future)]
}

/// Text mixing arbitrary Unicode with workplace words, so that cues and negation fire too.
fn text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("meetings".to_string()),
        Just("don't".to_string()),
        Just("mentoring".to_string()),
        Just("oh,".to_string()),
        Just("'fun'".to_string()),
        Just("late nights".to_string()),
        Just("end-to-end".to_string()),
        Just("—".to_string()),
        Just("I'd love to".to_string()),
        "\\PC{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(word, 0..30).prop_map(|w| w.join(" "))
}

fn answers() -> impl Strategy<Value = Vec<Answer>> {
    prop::collection::vec((category(), any::<String>(), text()).prop_map(|(c, q, t)| Answer::new(c, q, t)), 0..9)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_and_spans_are_valid(answers in answers()) {
        let a = engine().analyze(&answers);
        prop_assert_eq!(a.answers.len(), answers.len());
        for t in &a.themes {
            prop_assert!(t.valence == foothold_themes::Valence::Mixed || !t.evidence.is_empty());
            for ev in &t.evidence {
                let text = &answers[ev.answer].text;
                prop_assert!(ev.start <= ev.end && ev.end <= text.len());
                prop_assert!(text.is_char_boundary(ev.start) && text.is_char_boundary(ev.end));
                prop_assert_eq!(&text[ev.start..ev.end], ev.quote.as_str());
                prop_assert!(ev.valence != foothold_themes::Valence::Mixed);
            }
        }
        for r in &a.answers {
            prop_assert!(r.themes.len() <= 3);
        }
    }

    #[test]
    fn deterministic(answers in answers()) {
        prop_assert_eq!(engine().analyze(&answers), engine().analyze(&answers));
    }

    #[test]
    fn explain_spans_are_valid(t in text()) {
        for m in engine().explain(&t) {
            prop_assert!(t.is_char_boundary(m.start) && t.is_char_boundary(m.end) && m.start < m.end);
        }
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = parse_answers(&s);
    }
}
