//! The theme taxonomy: the embedded default set and organisation-specific additions.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

const DEFAULT_JSON: &str = include_str!("../data/taxonomy.json");

/// How negation affects a theme's valence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Negation {
    /// A negated cue reverses the theme's valence ("I don't want to manage" → leading −).
    #[default]
    Flip,
    /// Negation keeps the valence: for draining themes, wishing a drain away ("no meetings,
    /// no standups") still reveals the drain.
    Keep,
}

/// One theme definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeDef {
    /// Stable lowercase id.
    pub id: String,
    /// What people see.
    pub label: String,
    /// What the theme covers.
    #[serde(default)]
    pub description: String,
    /// Valence bias when the text is neutral (negative for themes that are mostly drains).
    #[serde(default)]
    pub prior: f32,
    /// How negation affects valence.
    #[serde(default)]
    pub negation: Negation,
    /// Question phrases that make this theme implicit in any substantive answer (e.g. naming
    /// an area when asked "Where do you hope to become an expert?" is craft).
    #[serde(default)]
    pub question_cues: Vec<String>,
    /// Cue phrases, in the syntax described in `data/taxonomy.json` (`~` weak, `-`/`+`
    /// polarity, `*` any word, `..` a short gap, `=word` exact form).
    #[serde(default)]
    pub cues: Vec<String>,
    /// Cues that imply the theme without naming it ("late nights" → wellbeing −); same syntax.
    #[serde(default)]
    pub implicit: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TaxonomyFile {
    #[serde(default)]
    blockers: Vec<String>,
    themes: Vec<ThemeDef>,
}

/// An organisation-specific theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomTheme {
    /// Lowercase `[a-z0-9_-]`, 1 to 40 chars, not a default id.
    pub id: String,
    /// What people see.
    pub label: String,
    /// Plain cue phrases; stemmed and matched like the built-in ones.
    pub cues: Vec<String>,
}

/// Why a custom theme was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxonomyError {
    /// The id is empty, too long or has characters outside `[a-z0-9_-]`.
    InvalidId(String),
    /// The id is already used by a default theme.
    ClashesWithDefault(String),
    /// Two custom themes share an id.
    DuplicateId(String),
    /// The label is empty.
    EmptyLabel(String),
    /// The theme has no cue phrases.
    NoCues(String),
    /// A cue phrase has no words.
    EmptyCue {
        /// Theme id.
        id: String,
        /// Position of the cue in the list.
        index: usize,
    },
}

impl fmt::Display for TaxonomyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaxonomyError::InvalidId(id) => {
                write!(f, "invalid theme id {id:?}: use 1 to 40 characters from a-z, 0-9, '_' and '-'")
            }
            TaxonomyError::ClashesWithDefault(id) => {
                write!(f, "theme id {id:?} is already a default theme")
            }
            TaxonomyError::DuplicateId(id) => write!(f, "theme id {id:?} is given twice"),
            TaxonomyError::EmptyLabel(id) => write!(f, "theme {id:?} has an empty label"),
            TaxonomyError::NoCues(id) => write!(f, "theme {id:?} has no cue phrases"),
            TaxonomyError::EmptyCue { id, index } => {
                write!(f, "theme {id:?}: cue phrase #{index} has no words")
            }
        }
    }
}

impl std::error::Error for TaxonomyError {}

/// A validated set of themes.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    themes: Vec<ThemeDef>,
    blockers: Vec<String>,
}

impl Taxonomy {
    /// The fourteen default themes of Foothold, from the embedded `data/taxonomy.json`.
    pub fn default_set() -> Taxonomy {
        // The embedded file is checked by a unit test, so a parse failure is a build defect.
        let file: TaxonomyFile = serde_json::from_str(DEFAULT_JSON).expect("embedded taxonomy.json is valid");
        Taxonomy { themes: file.themes, blockers: file.blockers }
    }

    /// The default set plus organisation-specific themes, validated.
    pub fn with_custom(themes: Vec<CustomTheme>) -> Result<Taxonomy, TaxonomyError> {
        let mut tax = Taxonomy::default_set();
        let defaults: BTreeSet<String> = tax.themes.iter().map(|t| t.id.clone()).collect();
        let mut seen = BTreeSet::new();
        for ct in themes {
            let id_ok = (1..=40).contains(&ct.id.len())
                && ct.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
            if !id_ok {
                return Err(TaxonomyError::InvalidId(ct.id));
            }
            if defaults.contains(&ct.id) {
                return Err(TaxonomyError::ClashesWithDefault(ct.id));
            }
            if !seen.insert(ct.id.clone()) {
                return Err(TaxonomyError::DuplicateId(ct.id));
            }
            if ct.label.trim().is_empty() {
                return Err(TaxonomyError::EmptyLabel(ct.id));
            }
            if ct.cues.is_empty() {
                return Err(TaxonomyError::NoCues(ct.id));
            }
            for (index, cue) in ct.cues.iter().enumerate() {
                if !cue.chars().any(char::is_alphanumeric) {
                    return Err(TaxonomyError::EmptyCue { id: ct.id, index });
                }
            }
            // Custom cues are plain phrases: strip the mini-syntax markers so that a user's
            // "-ish" or "*" is never read as an operator.
            let cues = ct
                .cues
                .iter()
                .map(|c| {
                    c.split_whitespace()
                        .map(|w| w.trim_start_matches(['~', '+', '-', '=', '*', '.']))
                        .filter(|w| !w.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            tax.themes.push(ThemeDef {
                id: ct.id,
                label: ct.label.trim().to_string(),
                description: String::new(),
                prior: 0.3,
                negation: Negation::Flip,
                question_cues: Vec::new(),
                cues,
                implicit: Vec::new(),
            });
        }
        Ok(tax)
    }

    /// All themes, default ones first.
    pub fn themes(&self) -> &[ThemeDef] {
        &self.themes
    }

    /// Phrases that claim their words so that shorter cues inside them do not fire.
    pub fn blockers(&self) -> &[String] {
        &self.blockers
    }
}

impl Default for Taxonomy {
    fn default() -> Self {
        Taxonomy::default_set()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_parses_with_fourteen_themes() {
        let t = Taxonomy::default_set();
        let ids: Vec<&str> = t.themes().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "craft",
                "leading",
                "mentoring",
                "ownership",
                "impact",
                "collaboration",
                "learning",
                "creativity",
                "recognition",
                "strategy",
                "wellbeing",
                "friction",
                "mobility",
                "communication"
            ]
        );
        assert!(t.themes().iter().all(|t| !t.cues.is_empty() && !t.label.is_empty()));
    }

    fn ct(id: &str, cues: &[&str]) -> CustomTheme {
        CustomTheme { id: id.into(), label: "Label".into(), cues: cues.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn custom_validation() {
        assert!(Taxonomy::with_custom(vec![ct("patient-safety", &["safety"])]).is_ok());
        assert_eq!(Taxonomy::with_custom(vec![ct("Bad Id", &["x"])]), Err(TaxonomyError::InvalidId("Bad Id".into())));
        assert_eq!(Taxonomy::with_custom(vec![ct("", &["x"])]), Err(TaxonomyError::InvalidId("".into())));
        assert!(matches!(Taxonomy::with_custom(vec![ct(&"a".repeat(41), &["x"])]), Err(TaxonomyError::InvalidId(_))));
        assert!(Taxonomy::with_custom(vec![ct(&"a".repeat(40), &["x"])]).is_ok());
        assert_eq!(
            Taxonomy::with_custom(vec![ct("craft", &["x"])]),
            Err(TaxonomyError::ClashesWithDefault("craft".into()))
        );
        assert_eq!(
            Taxonomy::with_custom(vec![ct("a", &["x"]), ct("a", &["y"])]),
            Err(TaxonomyError::DuplicateId("a".into()))
        );
        assert_eq!(Taxonomy::with_custom(vec![ct("a", &[])]), Err(TaxonomyError::NoCues("a".into())));
        assert_eq!(
            Taxonomy::with_custom(vec![ct("a", &["ok", "  - "])]),
            Err(TaxonomyError::EmptyCue { id: "a".into(), index: 1 })
        );
        let mut bad_label = ct("a", &["x"]);
        bad_label.label = " ".into();
        assert_eq!(Taxonomy::with_custom(vec![bad_label]), Err(TaxonomyError::EmptyLabel("a".into())));
    }
}
