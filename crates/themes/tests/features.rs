//! One test per language feature of the engine.

use foothold_themes::{Answer, Category, CustomTheme, Engine, Taxonomy, Valence};

fn engine() -> Engine {
    Engine::new(Taxonomy::default_set())
}

/// Themes (id, valence) found in a single answer.
fn themes_of(e: &Engine, cat: Category, question: &str, text: &str) -> Vec<(String, Valence)> {
    let a = e.analyze(&[Answer::new(cat, question, text)]);
    a.answers[0].themes.iter().map(|t| (t.theme.clone(), t.valence)).collect()
}

fn has(v: &[(String, Valence)], id: &str, val: Valence) -> bool {
    v.iter().any(|(t, x)| t == id && *x == val)
}

const NEUTRAL_Q: &str = "Tell me about your work.";

#[test]
fn negation_reverses_a_wish() {
    let e = engine();
    let plain = themes_of(&e, Category::Future, NEUTRAL_Q, "I'd love to manage people one day.");
    assert!(has(&plain, "leading", Valence::Positive), "{plain:?}");
    for text in [
        "I don't miss managing people.",
        "I don't want to manage people.",
        "I never want to manage people again.",
        "Honestly, not managing people any more.",
    ] {
        let got = themes_of(&e, Category::Present, NEUTRAL_Q, text);
        assert!(!has(&got, "leading", Valence::Positive), "{text}: {got:?}");
    }
}

#[test]
fn negation_scope_stops_at_but_and_punctuation() {
    let e = engine();
    let got =
        themes_of(&e, Category::Present, NEUTRAL_Q, "Not the meetings, but mentoring the new starters is brilliant.");
    assert!(has(&got, "mentoring", Valence::Positive), "{got:?}");
}

#[test]
fn sarcasm_turns_praise_of_a_drain_negative() {
    let e = engine();
    for text in [
        "Oh, the endless status meetings are a joy.",
        "I just love spending my weekends on paperwork, yay.",
        "Another 'fun' afternoon of approvals and forms.",
    ] {
        let got = themes_of(&e, Category::Present, NEUTRAL_Q, text);
        assert!(got.iter().all(|(_, v)| *v == Valence::Negative) && !got.is_empty(), "{text}: {got:?}");
    }
    // Sincere praise without a draining context stays positive.
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, "I just love teaching the apprentices.");
    assert!(has(&got, "mentoring", Valence::Positive), "{got:?}");
}

#[test]
fn implicit_wellbeing_cues() {
    let e = engine();
    for text in [
        "Late nights and weekends, every week this month.",
        "Running on empty, honestly.",
        "Twelve-hour shifts and I'm shattered on my days off.",
        "i'm knackered",
    ] {
        let got = themes_of(&e, Category::Present, "What's draining you right now?", text);
        assert!(has(&got, "wellbeing", Valence::Negative), "{text}: {got:?}");
    }
}

#[test]
fn stemming_matches_inflections() {
    let e = engine();
    for text in ["I mentored two apprentices.", "Mentoring apprentices.", "I mentor the new chefs."] {
        let got = themes_of(&e, Category::Past, NEUTRAL_Q, text);
        assert!(has(&got, "mentoring", Valence::Positive), "{text}: {got:?}");
    }
}

#[test]
fn multi_word_cues_and_hyphens() {
    let e = engine();
    let got = themes_of(&e, Category::Future, NEUTRAL_Q, "Owning the rollout end-to-end.");
    assert!(has(&got, "ownership", Valence::Positive), "{got:?}");
    let cues = e.explain("we looked after each other on the ward");
    assert!(cues.iter().any(|c| c.cue == "looked after each other"), "{cues:?}");
    // "my manager" is someone else: no leading theme.
    let got = themes_of(&e, Category::Past, NEUTRAL_Q, "My manager printed the email.");
    assert!(!got.iter().any(|(t, _)| t == "leading"), "{got:?}");
}

#[test]
fn future_aspirations_are_positive_and_drain_answers_are_read() {
    let e = engine();
    let got = themes_of(
        &e,
        Category::Future,
        "Where would you like more ownership?",
        "Discharge planning. Nobody really owns it.",
    );
    assert!(has(&got, "ownership", Valence::Positive), "{got:?}");
    // A "draining" question answered with praise is not a drain.
    let got = themes_of(
        &e,
        Category::Present,
        "What's draining you right now?",
        "Honestly nothing, I love the pairing sessions with the team.",
    );
    assert!(got.iter().all(|(_, v)| *v == Valence::Positive), "{got:?}");
}

#[test]
fn evasive_answers_have_no_themes() {
    let e = engine();
    for text in ["Not sure yet. Ask me again next quarter.", "Pass.", "", "   "] {
        let got = themes_of(&e, Category::Future, "Where do you hope to become an expert?", text);
        assert!(got.is_empty(), "{text:?}: {got:?}");
    }
}

#[test]
fn cross_category_recurrence_raises_score() {
    let e = engine();
    let q = NEUTRAL_Q;
    let spread = e.analyze(&[
        Answer::new(Category::Past, q, "Mentoring the apprentices."),
        Answer::new(Category::Present, q, "Mentoring the apprentices."),
        Answer::new(Category::Future, q, "Mentoring the apprentices."),
    ]);
    let same = e.analyze(&[
        Answer::new(Category::Past, q, "Mentoring the apprentices."),
        Answer::new(Category::Past, q, "Mentoring the apprentices."),
        Answer::new(Category::Past, q, "Mentoring the apprentices."),
    ]);
    let score = |a: &foothold_themes::Analysis| {
        a.themes.iter().find(|t| t.theme == "mentoring").map(|t| (t.score, t.categories.len()))
    };
    let (s1, c1) = score(&spread).expect("mentoring found");
    let (s2, c2) = score(&same).expect("mentoring found");
    assert_eq!((c1, c2), (3, 1));
    assert!(s1 > s2, "{s1} vs {s2}");
}

#[test]
fn mixed_valence_across_answers() {
    let e = engine();
    let a = e.analyze(&[
        Answer::new(Category::Past, NEUTRAL_Q, "I loved mentoring the apprentices."),
        Answer::new(Category::Present, NEUTRAL_Q, "I hate that I have no time for mentoring now, it's awful."),
    ]);
    let m = a.themes.iter().find(|t| t.theme == "mentoring").expect("mentoring");
    assert_eq!(m.valence, Valence::Mixed);
    assert_eq!(m.evidence.len(), 2);
    for ev in &m.evidence {
        assert_ne!(ev.valence, Valence::Mixed);
    }
}

#[test]
fn deterministic_output() {
    let e = engine();
    let answers = vec![
        Answer::new(
            Category::Past,
            "Q",
            "Running the ward audit with the pharmacy team, we built a new checklist together.",
        ),
        Answer::new(
            Category::Present,
            "What's draining you?",
            "Endless paperwork and late nights. The rota system keeps crashing.",
        ),
        Answer::new(
            Category::Future,
            "Where would you like more ownership?",
            "The patient flow board and the rota system.",
        ),
    ];
    let a = e.analyze(&answers);
    for _ in 0..5 {
        assert_eq!(Engine::new(Taxonomy::default_set()).analyze(&answers), a);
    }
    let json = serde_json::to_string(&a).expect("serialises");
    assert_eq!(serde_json::to_string(&e.analyze(&answers)).expect("serialises"), json);
}

#[test]
fn evidence_quotes_the_answer() {
    let e = engine();
    let answers = vec![Answer::new(
        Category::Present,
        "What's draining you?",
        "Marking. Data drops. Parent emails at 10pm — I'm doing fifty-five-hour weeks.",
    )];
    let a = e.analyze(&answers);
    assert!(!a.themes.is_empty());
    for t in &a.themes {
        for ev in &t.evidence {
            assert_eq!(&answers[ev.answer].text[ev.start..ev.end], ev.quote);
        }
    }
}

#[test]
fn custom_themes_are_stemmed_and_matched() {
    let tax = Taxonomy::with_custom(vec![CustomTheme {
        id: "patient-safety".into(),
        label: "Patient safety".into(),
        cues: vec!["patient safety".into(), "near miss".into(), "incident report".into()],
    }])
    .expect("valid custom theme");
    let e = Engine::new(tax);
    let got = themes_of(
        &e,
        Category::Past,
        NEUTRAL_Q,
        "Writing up near misses and incident reports so the ward learns from them.",
    );
    // "near misses" matches the cue "near miss" through stemming; valence is not the point.
    assert!(got.iter().any(|(t, _)| t == "patient-safety"), "{got:?}");
    assert!(e.theme_ids().any(|id| id == "patient-safety"));
}

#[test]
fn keyphrases_are_uncovered_multiword_phrases() {
    let e = engine();
    let a = e.analyze(&[
        Answer::new(Category::Past, NEUTRAL_Q, "The sepsis screening tool rollout on ward nine."),
        Answer::new(Category::Present, NEUTRAL_Q, "Still the sepsis screening tool, it saves lives."),
    ]);
    assert!(a.keyphrases.iter().any(|k| k.phrase.contains("sepsis screening") && k.count == 2), "{:?}", a.keyphrases);
    assert!(a.keyphrases.iter().all(|k| k.phrase.contains(' ')));
}

#[test]
fn instead_of_drops_passing_words_but_keeps_denied_cues() {
    let e = engine();
    // "help" is a weak impact cue; inside "instead of" it is what did not happen.
    let got = themes_of(
        &e,
        Category::Past,
        NEUTRAL_Q,
        "A customer said I was the first person who fixed her problem instead of sending her a help article.",
    );
    assert!(!has(&got, "impact", Valence::Negative), "{got:?}");
    // A full cue in the alternative is still denied: coding, not managing.
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, "I'd rather write code instead of managing people.");
    assert!(!has(&got, "leading", Valence::Positive), "{got:?}");
}

#[test]
fn from_x_to_y_reads_a_drain_left_behind_as_progress() {
    let e = engine();
    let got = themes_of(
        &e,
        Category::Past,
        NEUTRAL_Q,
        "Along the way the hiring manager and I went from barely speaking to a standing Friday coffee.",
    );
    assert!(has(&got, "collaboration", Valence::Positive), "{got:?}");
}

#[test]
fn long_typos_of_cue_words_still_match() {
    let e = engine();
    for text in ["honestly im exausted all the time", "totaly knackerd after the doubles"] {
        let got = themes_of(&e, Category::Present, "What's draining you right now?", text);
        assert!(has(&got, "wellbeing", Valence::Negative), "{text}: {got:?}");
    }
    // Short words and first-letter slips are left alone.
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, "xhausted");
    assert!(got.is_empty(), "{got:?}");
}

/// Evidence (start, end, quote) of a theme in a single-answer analysis.
fn evidence_of(e: &Engine, cat: Category, text: &str, theme: &str) -> Option<(usize, usize, String)> {
    let a = e.analyze(&[Answer::new(cat, NEUTRAL_Q, text)]);
    let t = a.themes.iter().find(|t| t.theme == theme)?;
    t.evidence.first().map(|ev| (ev.start, ev.end, ev.quote.clone()))
}

#[test]
fn dont_miss_is_relief_not_a_wish() {
    let e = engine();
    let text = "I don't miss managing people, but I'd love to mentor the new starters.";
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, text);
    assert!(!has(&got, "leading", Valence::Positive), "{got:?}");
    assert!(has(&got, "mentoring", Valence::Positive), "{got:?}");
    if let Some((s, end, quote)) = evidence_of(&e, Category::Present, text, "leading") {
        assert!((s, end) != (0, text.len()), "evidence spans the whole sentence: {quote:?}");
        assert!(quote.contains("managing") && !quote.contains("mentor"), "{quote:?}");
    }
    let (_, _, quote) = evidence_of(&e, Category::Present, text, "mentoring").expect("mentoring evidence");
    assert!(quote.contains("mentor") && !quote.contains("managing"), "{quote:?}");
    for text in ["I really don't miss the management side.", "Don't miss being a team lead at all."] {
        let got = themes_of(&e, Category::Present, NEUTRAL_Q, text);
        assert!(!has(&got, "leading", Valence::Positive), "{text}: {got:?}");
    }
}

#[test]
fn denied_stances_are_drains() {
    let e = engine();
    for text in [
        "I'm not interested in managing people.",
        "I no longer want to manage a team.",
        "Honestly I don't really want to lead a team.",
    ] {
        let got = themes_of(&e, Category::Future, NEUTRAL_Q, text);
        assert!(has(&got, "leading", Valence::Negative), "{text}: {got:?}");
    }
    // "Don't mind" accepts what follows.
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, "I don't mind mentoring the new starters.");
    assert!(has(&got, "mentoring", Valence::Positive), "{got:?}");
}

#[test]
fn negation_after_the_cue() {
    let e = engine();
    for text in [
        "Managing people isn't for me.",
        "Leading a team was never really my thing.",
        "Management doesn't appeal to me.",
    ] {
        let got = themes_of(&e, Category::Future, NEUTRAL_Q, text);
        assert!(!has(&got, "leading", Valence::Positive), "{text}: {got:?}");
    }
}

#[test]
fn less_and_fewer_are_stances_against() {
    let e = engine();
    let got = themes_of(&e, Category::Future, NEUTRAL_Q, "Less managing, more building things myself.");
    assert!(!has(&got, "leading", Valence::Positive), "{got:?}");
    // Wishing a drain away names it as a drain, even in a Future answer.
    let got = themes_of(&e, Category::Future, NEUTRAL_Q, "I'd like fewer status meetings, honestly.");
    assert!(has(&got, "friction", Valence::Negative), "{got:?}");
    // A comparison of an adjective is not a reduction: "less experienced" people to mentor.
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, "Mentoring the less experienced nurses on nights.");
    assert!(has(&got, "mentoring", Valence::Positive), "{got:?}");
}

#[test]
fn plain_negation_of_a_neutral_cue_is_weak_evidence() {
    let e = engine();
    // What did not happen is not a theme on its own.
    let got = themes_of(
        &e,
        Category::Future,
        NEUTRAL_Q,
        "A bigger remit, where I can set standards without managing anyone.",
    );
    assert!(!got.iter().any(|(t, _)| t == "leading"), "{got:?}");
    // Phrases with the negation inside them still count.
    let got = themes_of(&e, Category::Present, NEUTRAL_Q, "I don't want to manage people.");
    assert!(has(&got, "leading", Valence::Negative), "{got:?}");
}

#[test]
fn going_to_is_not_go_to() {
    let e = engine();
    let cues = e.explain("The team that was going to execute it was dissolved.");
    assert!(cues.iter().all(|c| c.theme != "craft"), "{cues:?}");
    let got = themes_of(&e, Category::Future, NEUTRAL_Q, "I want to be the go-to person for wound care.");
    assert!(has(&got, "craft", Valence::Positive), "{got:?}");
}

#[test]
fn evidence_quotes_the_clause_not_the_paragraph() {
    let e = engine();
    let text = "Honestly it has been a long year with a lot going on at home and at work and the rota \
                changing every week without notice, and the thing that kept me going was mentoring the two \
                new apprentices on the early shift while the rest of the kitchen was busy with prep.";
    let a = e.analyze(&[Answer::new(Category::Past, NEUTRAL_Q, text)]);
    assert!(!a.themes.is_empty());
    for t in &a.themes {
        for ev in &t.evidence {
            assert_eq!(&text[ev.start..ev.end], ev.quote);
            assert!(ev.quote.split_whitespace().count() <= 20, "{}: {:?}", t.theme, ev.quote);
        }
    }
    let (_, _, quote) = evidence_of(&e, Category::Past, text, "mentoring").expect("mentoring");
    assert!(quote.contains("mentoring"), "{quote:?}");
    // A contrast word ends the quote: the stance after "but" is not part of the cue before it.
    let text = "The planning was a slog but mentoring the apprentices made the whole term worth it.";
    let (_, _, quote) = evidence_of(&e, Category::Past, text, "mentoring").expect("mentoring");
    assert!(quote.starts_with("mentoring"), "{quote:?}");
}
