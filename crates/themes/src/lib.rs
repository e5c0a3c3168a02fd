//! Theme engine for Foothold career conversations.
//!
//! Given a person's answers to Past / Present / Future career questions, the engine suggests
//! career *themes* (from a default taxonomy of fourteen, plus any organisation-specific ones),
//! each with a valence (energising or draining), quoted evidence, and a score that favours themes
//! recurring across the three categories. It also surfaces a few emerging multi-word phrases
//! that no theme covers.
//!
//! Everything is rule-based and precomputed in [`Engine::new`]: no I/O, no network, no models.
//! Analysis is linear in the input.
//!
//! ```
//! use foothold_themes::{Answer, Category, Engine, Taxonomy};
//! let engine = Engine::new(Taxonomy::default_set());
//! let answers = vec![Answer::new(Category::Present, "What's draining you right now?",
//!     "On-call. Paged three times last week between 2 and 4am, I'm exhausted.")];
//! let analysis = engine.analyze(&answers);
//! assert_eq!(analysis.themes[0].theme, "wellbeing");
//! ```

mod engine;
mod eval;
#[doc(hidden)]
pub mod fuzzing;
mod hash;
mod input;
mod keyphrase;
mod lexicon;
mod matcher;
mod stemfilter;
mod taxonomy;
mod text;
mod typo;

use serde::{Deserialize, Serialize};

pub use engine::{CueMatch, Engine};
pub use eval::{EvalError, EvalReport, ThemeScore, evaluate};
pub use input::{ParseError, parse_answers};
pub use taxonomy::{CustomTheme, Negation, Taxonomy, TaxonomyError, ThemeDef};

/// Which part of the career conversation an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Reflection on the recent past (engagement, pride, setbacks).
    Past,
    /// The current reality (fulfilment, being in one's element, drains).
    Present,
    /// Hopes for the future (expertise, expansion, ownership).
    Future,
}

/// Whether a theme energises (+) or drains (−) the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Valence {
    /// Energising: engagement, pride, or something wanted more of.
    #[serde(rename = "positive", alias = "+")]
    Positive,
    /// Draining: a setback, frustration, or something wanted less of.
    #[serde(rename = "negative", alias = "-")]
    Negative,
    /// Across answers the theme is both energising and draining. Never used per answer.
    #[serde(rename = "mixed")]
    Mixed,
}

impl Valence {
    /// `"+"`, `"-"` or `"mixed"`, the notation of the labelled data.
    pub fn symbol(self) -> &'static str {
        match self {
            Valence::Positive => "+",
            Valence::Negative => "-",
            Valence::Mixed => "mixed",
        }
    }
}

/// One free-text answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Answer {
    /// Past, Present or Future.
    pub category: Category,
    /// The question asked; used only as context (e.g. a "draining" question tilts neutral
    /// answers negative), never as evidence.
    #[serde(default)]
    pub question: String,
    /// The person's answer.
    pub text: String,
}

impl Answer {
    /// Convenience constructor.
    pub fn new(category: Category, question: impl Into<String>, text: impl Into<String>) -> Self {
        Answer { category, question: question.into(), text: text.into() }
    }
}

/// A quoted span of an answer supporting a theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Index of the answer in the input slice.
    pub answer: usize,
    /// Byte offset where the quote starts in that answer's text (a char boundary).
    pub start: usize,
    /// Byte offset where the quote ends (exclusive, a char boundary).
    pub end: usize,
    /// Exactly `&answers[answer].text[start..end]`.
    pub quote: String,
    /// The theme's valence in that answer (never `Mixed`).
    pub valence: Valence,
}

/// A theme suggested for the whole conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeSuggestion {
    /// Stable theme id, e.g. `"craft"`.
    pub theme: String,
    /// Human label, e.g. `"Craft & expertise"`.
    pub label: String,
    /// Relative strength; higher means more, stronger and more spread-out evidence.
    pub score: f32,
    /// Dominant valence across answers, `Mixed` when both directions are substantial.
    pub valence: Valence,
    /// Categories in which the theme appeared, sorted.
    pub categories: Vec<Category>,
    /// Supporting quotes, ordered by answer.
    pub evidence: Vec<Evidence>,
}

/// A theme found in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerTheme {
    /// Theme id.
    pub theme: String,
    /// `Positive` or `Negative` (one valence per answer, the dominant one).
    pub valence: Valence,
    /// Evidence strength in this answer (sum of cue weights; 1.0 is the detection threshold).
    pub strength: f32,
}

/// Per-answer result, the unit the evaluation scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerResult {
    /// Index of the answer in the input slice.
    pub answer: usize,
    /// Category of that answer.
    pub category: Category,
    /// Themes found, strongest first.
    pub themes: Vec<AnswerTheme>,
}

/// An emerging multi-word phrase not covered by any theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyphrase {
    /// The phrase as first written (lowercased).
    pub phrase: String,
    /// RAKE-style score (word degree over frequency, summed), boosted by repetition.
    pub score: f32,
    /// How many times it occurs.
    pub count: usize,
    /// Answers it occurs in, sorted.
    pub answers: Vec<usize>,
}

/// The result of analysing one person's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Themes for the whole conversation, highest score first.
    pub themes: Vec<ThemeSuggestion>,
    /// Emerging phrases, best first (at most five).
    pub keyphrases: Vec<Keyphrase>,
    /// What each answer said, in input order.
    pub answers: Vec<AnswerResult>,
}
