//! `evaluate` on a hand-computable fixture, its error reporting, and the dev-set targets.

use std::path::PathBuf;

use foothold_themes::{Engine, EvalError, Taxonomy, evaluate};

fn engine() -> Engine {
    Engine::new(Taxonomy::default_set())
}

/// tests/fixtures/eval_small.jsonl has three answers and three labelled pairs:
/// wellbeing− (answer 0), mentoring+ and impact+ (answer 1), nothing (answer 2, "Pass.").
/// The engine finds wellbeing− and mentoring+ and nothing else: TP 2, FP 0, FN 1 (impact).
#[test]
fn small_fixture_has_known_scores() {
    let data = include_str!("fixtures/eval_small.jsonl");
    let e = engine();
    let r = evaluate(data, &e).expect("valid fixture");
    assert_eq!(r.answers, 3);
    assert_eq!(r.precision, 1.0);
    assert_eq!(r.recall, 0.6667); // 2 / 3
    assert_eq!(r.micro_f1, 0.8); // 2PR / (P + R) = (4/3) / (5/3)
    assert_eq!(r.valence_accuracy, 1.0);
    let impact = &r.per_theme["impact"];
    assert_eq!((impact.precision, impact.recall, impact.f1, impact.support), (0.0, 0.0, 0.0, 1));
    let m = &r.per_theme["mentoring"];
    assert_eq!((m.precision, m.recall, m.f1, m.support), (1.0, 1.0, 1.0, 1));
    assert_eq!(r.per_theme.len(), 14);
    let json = serde_json::to_value(&r).expect("serialises");
    let keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["answers", "micro_f1", "per_theme", "precision", "recall", "valence_accuracy"]);
    let s = serde_json::to_string(&r).expect("serialises");
    assert!(s.starts_with("{\"answers\":3,\"precision\":1.0,\"recall\":0.6667,\"micro_f1\":0.8,\"valence_accuracy\":1.0,\"per_theme\":{\"collaboration\":{\"precision\":"), "{s}");
}

#[test]
fn bad_lines_are_reported_with_numbers() {
    let e = engine();
    let good = r#"{"answers": [{"category": "past", "question": "q", "text": "t", "themes": {}}]}"#;
    let cases = [
        (format!("{good}\n\nnot json"), 3, "expected"),
        (format!("{good}\n{{\"answers\": [{{\"category\": \"someday\", \"text\": \"t\"}}]}}"), 2, "someday"),
        (
            format!(
                "{good}\n{{\"answers\": [{{\"category\": \"past\", \"text\": \"t\", \"themes\": {{\"craft\": \"++\"}}}}]}}"
            ),
            2,
            "expected \"+\" or \"-\"",
        ),
        (
            r#"{"answers": [{"category": "past", "text": "t", "themes": {"kraft": "+"}}]}"#.to_string(),
            1,
            "unknown theme id",
        ),
    ];
    for (data, line, needle) in cases {
        match evaluate(&data, &e) {
            Err(EvalError::Line { line: l, reason }) => {
                assert_eq!(l, line, "{reason}");
                assert!(reason.contains(needle), "{reason}");
            }
            other => panic!("expected a line error, got {other:?}"),
        }
    }
    assert_eq!(evaluate("\n  \n", &e), Err(EvalError::Empty));
}

fn shared(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/themes").join(name)
}

fn dev_report() -> Option<foothold_themes::EvalReport> {
    let path = shared("dev.jsonl");
    let data = match std::fs::read_to_string(&path) {
        Ok(d) => d,
        Err(err) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{} is required in CI: {err}", path.display());
            }
            eprintln!("note: skipping dev-set check, {} not readable: {err}", path.display());
            return None;
        }
    };
    let r = evaluate(&data, &engine()).expect("dev.jsonl is valid");
    eprintln!("dev: {}", serde_json::to_string(&r).unwrap_or_default());
    assert_eq!(r.answers, 270);
    Some(r)
}

/// The agreed targets: micro-F1 >= 0.80 and valence accuracy >= 0.93.
#[test]
fn dev_set_targets() {
    if let Some(r) = dev_report() {
        assert!(r.micro_f1 >= 0.80, "micro-F1 {} below 0.80", r.micro_f1);
        assert!(r.valence_accuracy >= 0.93, "valence accuracy {} below 0.93", r.valence_accuracy);
    }
}

/// Regression floor on the dev set at the level reached so far.
#[test]
fn dev_set_no_regression() {
    if let Some(r) = dev_report() {
        assert!(r.micro_f1 >= 0.791, "micro-F1 {} fell below 0.791", r.micro_f1);
        assert!(r.valence_accuracy >= 0.97, "valence accuracy {}", r.valence_accuracy);
    }
}

/// Own held-out answers (other professions and styles), written before any tuning. It scored
/// 0.49 micro-F1 untouched; general profession vocabulary added later was not blind to these
/// answers, so the current score is optimistic. A floor only, to catch regressions.
#[test]
fn own_heldout_floor() {
    let data = include_str!("fixtures/heldout_own.jsonl");
    let r = evaluate(data, &engine()).expect("valid fixture");
    eprintln!("own held-out: {}", serde_json::to_string(&r).unwrap_or_default());
    assert_eq!(r.answers, 45);
    assert!(r.micro_f1 >= 0.70, "micro-F1 {}", r.micro_f1);
    assert!(r.valence_accuracy >= 0.85, "valence accuracy {}", r.valence_accuracy);
}

/// The two blind sets (six roles outside tech each, written before the rules
/// were tuned and never tuned on): the team's best estimate of how the engine
/// does on a held-out set written by others. Floors only, to catch regressions:
/// at 0.69 and 0.71 they sit below the 0.80 target, which is the work ahead.
#[test]
fn blind_heldout_floors() {
    for (name, data, floor) in [
        ("heldout_blind", include_str!("fixtures/heldout_blind.jsonl"), 0.67),
        ("heldout_blind2", include_str!("fixtures/heldout_blind2.jsonl"), 0.68),
    ] {
        let r = evaluate(data, &engine()).expect("valid fixture");
        eprintln!("{name}: {}", serde_json::to_string(&r).unwrap_or_default());
        assert_eq!(r.answers, 54, "{name}");
        assert!(r.micro_f1 >= floor, "{name} micro-F1 {}", r.micro_f1);
        assert!(r.valence_accuracy >= 0.93, "{name} valence accuracy {}", r.valence_accuracy);
    }
}
