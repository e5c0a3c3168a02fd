//! Scoring the engine against labelled JSON Lines (the format of TAXONOMY.md).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Answer, Category, Engine, Valence};

/// Precision, recall and F1 for one theme over (answer, theme) pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeScore {
    /// Correct predictions of the theme over all predictions of it.
    pub precision: f64,
    /// Correct predictions over labelled occurrences.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Labelled occurrences.
    pub support: usize,
}

/// Evaluation over all (answer, theme) pairs of a labelled file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Number of answers scored.
    pub answers: usize,
    /// Micro-averaged precision.
    pub precision: f64,
    /// Micro-averaged recall.
    pub recall: f64,
    /// Micro-averaged F1.
    pub micro_f1: f64,
    /// Over correctly found pairs, the share whose predicted valence equals the label.
    pub valence_accuracy: f64,
    /// Scores by theme id, for every theme of the engine.
    pub per_theme: BTreeMap<String, ThemeScore>,
}

/// Why a labelled file could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A line is not a valid labelled record.
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The file has no records.
    Empty,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Line { line, reason } => write!(f, "line {line}: {reason}"),
            EvalError::Empty => write!(f, "no labelled records"),
        }
    }
}

impl std::error::Error for EvalError {}

#[derive(Deserialize)]
struct Record {
    answers: Vec<LabelledAnswer>,
}

#[derive(Deserialize)]
struct LabelledAnswer {
    category: Category,
    #[serde(default)]
    question: String,
    text: String,
    #[serde(default)]
    themes: BTreeMap<String, String>,
}

/// Gold labels of one answer.
type Labels = BTreeMap<String, Valence>;

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// Rounded for a readable report; four decimals is finer than any set here can resolve.
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Parse labelled JSON Lines and score `engine` on it. Blank lines are skipped; any other
/// line must be a record `{"answers": [{"category", "question", "text", "themes": {id: "+"|"-"}}]}`.
pub fn evaluate(jsonl: &str, engine: &Engine) -> Result<EvalReport, EvalError> {
    let ids: Vec<String> = engine.theme_ids().map(str::to_string).collect();
    let mut records: Vec<(Vec<Answer>, Vec<Labels>)> = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let rec: Record =
            serde_json::from_str(line).map_err(|e| EvalError::Line { line: line_no, reason: e.to_string() })?;
        let mut answers = Vec::with_capacity(rec.answers.len());
        let mut labels = Vec::with_capacity(rec.answers.len());
        for (ai, a) in rec.answers.into_iter().enumerate() {
            let mut l = BTreeMap::new();
            for (theme, v) in a.themes {
                if !ids.contains(&theme) {
                    return Err(EvalError::Line {
                        line: line_no,
                        reason: format!("answer {ai}: unknown theme id {theme:?}"),
                    });
                }
                let valence = match v.as_str() {
                    "+" => Valence::Positive,
                    "-" => Valence::Negative,
                    other => {
                        return Err(EvalError::Line {
                            line: line_no,
                            reason: format!(
                                "answer {ai}: theme {theme:?} has valence {other:?}, expected \"+\" or \"-\""
                            ),
                        });
                    }
                };
                l.insert(theme, valence);
            }
            answers.push(Answer { category: a.category, question: a.question, text: a.text });
            labels.push(l);
        }
        records.push((answers, labels));
    }
    if records.is_empty() {
        return Err(EvalError::Empty);
    }

    let mut per: BTreeMap<String, Counts> = ids.iter().map(|id| (id.clone(), Counts::default())).collect();
    let mut total = Counts::default();
    let mut valence_ok = 0usize;
    let mut n_answers = 0usize;
    for (answers, labels) in &records {
        let analysis = engine.analyze(answers);
        for (res, gold) in analysis.answers.iter().zip(labels) {
            n_answers += 1;
            for t in &res.themes {
                let c = per.entry(t.theme.clone()).or_default();
                match gold.get(&t.theme) {
                    Some(v) => {
                        c.tp += 1;
                        total.tp += 1;
                        if *v == t.valence {
                            valence_ok += 1;
                        }
                    }
                    None => {
                        c.fp += 1;
                        total.fp += 1;
                    }
                }
            }
            for theme in gold.keys() {
                if !res.themes.iter().any(|t| &t.theme == theme) {
                    per.entry(theme.clone()).or_default().fn_ += 1;
                    total.fn_ += 1;
                }
            }
        }
    }
    let precision = ratio(total.tp, total.tp + total.fp);
    let recall = ratio(total.tp, total.tp + total.fn_);
    let per_theme = per
        .into_iter()
        .map(|(id, c)| {
            let p = ratio(c.tp, c.tp + c.fp);
            let r = ratio(c.tp, c.tp + c.fn_);
            (id, ThemeScore { precision: r4(p), recall: r4(r), f1: r4(f1(p, r)), support: c.tp + c.fn_ })
        })
        .collect();
    Ok(EvalReport {
        answers: n_answers,
        precision: r4(precision),
        recall: r4(recall),
        micro_f1: r4(f1(precision, recall)),
        valence_accuracy: r4(ratio(valence_ok, total.tp)),
        per_theme,
    })
}
