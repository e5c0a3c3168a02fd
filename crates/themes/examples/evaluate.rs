//! Score the engine on a labelled JSON Lines file and list disagreements.
//!
//! `cargo run --example evaluate -- FILE.jsonl [--errors]`

use std::collections::BTreeMap;

use foothold_themes::{Engine, Taxonomy, evaluate, parse_answers};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: evaluate FILE.jsonl [--errors]");
        std::process::exit(2);
    };
    let show_errors = args.any(|a| a == "--errors");
    let data = match std::fs::read_to_string(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let engine = Engine::new(Taxonomy::default_set());
    match evaluate(&data, &engine) {
        Ok(r) => match serde_json::to_string_pretty(&r) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
    if !show_errors {
        return;
    }
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(_) => continue,
        };
        let Ok(answers) = parse_answers(line) else { continue };
        let analysis = engine.analyze(&answers);
        for (i, res) in analysis.answers.iter().enumerate() {
            let gold: BTreeMap<String, String> = v["answers"][i]["themes"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("?").to_string())).collect())
                .unwrap_or_default();
            let pred: BTreeMap<String, String> =
                res.themes.iter().map(|t| (t.theme.clone(), t.valence.symbol().to_string())).collect();
            if gold != pred {
                println!(
                    "{} #{i} [{:?}] {}\n   gold {:?}\n   pred {:?}",
                    v["id"].as_str().unwrap_or("?"),
                    answers[i].category,
                    answers[i].text,
                    gold,
                    res.themes
                        .iter()
                        .map(|t| format!("{}{} {:.2}", t.theme, t.valence.symbol(), t.strength))
                        .collect::<Vec<_>>()
                );
                let cues: Vec<String> =
                    engine.explain(&answers[i].text).iter().map(|m| format!("{}:{}", m.theme, m.cue)).collect();
                println!("   cues {}", cues.join(", "));
            }
        }
    }
}
