//! Parsing answers for [`crate::Engine::analyze`] from JSON.

use std::fmt;

use serde::Deserialize;

use crate::Answer;

/// Why an answers document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the problem (0 when unknown).
    pub line: usize,
    /// 1-based column of the problem (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Only deserialised to locate a shape error in the original text.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Doc {
    Object { answers: Vec<Answer> },
    Array(Vec<Answer>),
}

/// Parse answers given as `{"answers": [...]}` or as a bare array `[...]`; each answer is
/// `{"category": "past"|"present"|"future", "question": "...", "text": "..."}` (`question`
/// optional, extra fields such as labelled `themes` ignored).
pub fn parse_answers(json: &str) -> Result<Vec<Answer>, ParseError> {
    // Parse to a value first so that syntax errors keep their line and column; the untagged
    // enum alone would reduce every shape error to "did not match any variant".
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| ParseError {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })?;
    let answers = match &value {
        serde_json::Value::Array(_) => value,
        serde_json::Value::Object(m) => match m.get("answers") {
            Some(a) => a.clone(),
            None => {
                return Err(ParseError {
                    line: 1,
                    column: 1,
                    reason: "expected an object with an \"answers\" array, or an array".into(),
                });
            }
        },
        _ => {
            return Err(ParseError {
                line: 1,
                column: 1,
                reason: "expected an object with an \"answers\" array, or an array".into(),
            });
        }
    };
    match Vec::<Answer>::deserialize(answers) {
        Ok(a) => Ok(a),
        Err(e) => {
            // Fall back to the typed parse of the original text for a located message.
            let located = serde_json::from_str::<Doc>(json).err();
            let (line, column) = located.map_or((0, 0), |l| (l.line(), l.column()));
            Err(ParseError { line, column, reason: e.to_string() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Category;

    #[test]
    fn object_and_array_forms() {
        let a = parse_answers(r#"{"answers": [{"category": "past", "question": "Q?", "text": "T", "themes": {}}]}"#)
            .expect("object form");
        assert_eq!(a, vec![Answer::new(Category::Past, "Q?", "T")]);
        let b = parse_answers(r#"[{"category": "future", "text": "T"}]"#).expect("array form");
        assert_eq!(b, vec![Answer::new(Category::Future, "", "T")]);
    }

    #[test]
    fn errors_are_located() {
        let e = parse_answers("[\n{\"category\": \"past\",\n \"text\": 3}]").expect_err("bad type");
        assert!(e.reason.contains("invalid type"), "{e}");
        let e = parse_answers("{\"answers\": [\n  {oops}]}").expect_err("bad syntax");
        assert_eq!(e.line, 2);
        let e = parse_answers("[{\"category\": \"later\", \"text\": \"x\"}]").expect_err("bad category");
        assert!(e.reason.contains("later"), "{e}");
        assert!(parse_answers("{\"x\": 1}").is_err());
        assert!(parse_answers("42").is_err());
    }
}
