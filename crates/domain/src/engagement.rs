//! The engagement pulse and the quarterly performance view: what is asked,
//! on which scales, and how answers are checked.
//!
//! A pulse answer is confidential: only its author ever reads it. Leaders and
//! admins see aggregates, released only under the anonymity rules of the insight module.

use serde::Serialize;

/// The five pulse statements, in our own words, each answered on a 1–5
/// agreement scale. The order is the order of the stored scores.
pub const STATEMENTS: [Statement; 5] = [
    Statement { key: "energy", text: "Most days, my work gives me energy rather than draining it." },
    Statement { key: "strengths", text: "I get to use what I am best at." },
    Statement { key: "path", text: "I can see a way to grow here that I would want to take." },
    Statement { key: "ownership", text: "I own outcomes, not just tasks." },
    Statement { key: "support", text: "My leader backs my growth." },
];

/// The eNPS question, answered 0–10.
pub const ENPS_QUESTION: &str = "How likely are you to recommend this team as a place to work?";

/// The agreement scale, 1 to 5.
pub const AGREEMENT: [&str; 5] =
    ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"];

/// One pulse statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// Stable key, used in the API and CSV headers.
    pub key: &'static str,
    /// What people read.
    pub text: &'static str,
}

/// A checked pulse answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PulseAnswer {
    /// 1–5 for each statement, in [`STATEMENTS`] order.
    pub scores: [u8; 5],
    /// 0–10.
    pub enps: u8,
}

/// Why a pulse answer or a performance view is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid { field: field.into(), reason: reason.into() }
}

impl PulseAnswer {
    /// Checks raw values: every statement answered 1–5, eNPS 0–10.
    pub fn check(scores: &[i64], enps: i64) -> Result<PulseAnswer, Invalid> {
        if scores.len() != STATEMENTS.len() {
            return Err(invalid("scores", format!("answer all {} statements", STATEMENTS.len())));
        }
        let mut out = [0u8; 5];
        for (i, s) in scores.iter().enumerate() {
            if !(1..=5).contains(s) {
                return Err(invalid(STATEMENTS[i].key, "must be from 1 (strongly disagree) to 5 (strongly agree)"));
            }
            out[i] = *s as u8;
        }
        if !(0..=10).contains(&enps) {
            return Err(invalid("enps", "must be from 0 to 10"));
        }
        Ok(PulseAnswer { scores: out, enps: enps as u8 })
    }
}

/// The five points of the performance scale, each with its label and meaning.
pub const RATINGS: [Rating; 5] = [
    Rating {
        value: 1,
        label: "Not yet meeting expectations",
        meaning: "Key outcomes of the role were missed; a clear plan to close the gap is needed.",
    },
    Rating {
        value: 2,
        label: "Partly meeting expectations",
        meaning: "Some outcomes met, some missed; growth is under way.",
    },
    Rating { value: 3, label: "Meeting expectations", meaning: "The outcomes of the role, delivered reliably." },
    Rating {
        value: 4,
        label: "Exceeding expectations",
        meaning: "Outcomes beyond the role, often raising others too.",
    },
    Rating {
        value: 5,
        label: "Far exceeding expectations",
        meaning: "Exceptional outcomes that changed what the team can do.",
    },
];

/// One point of the performance scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rating {
    /// 1 to 5.
    pub value: u8,
    /// Short label.
    pub label: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// Longest narrative or comment.
pub const MAX_NARRATIVE: usize = 10_000;

/// Checks a rating value.
pub fn check_rating(value: i64) -> Result<u8, Invalid> {
    if (1..=5).contains(&value) { Ok(value as u8) } else { Err(invalid("rating", "must be from 1 to 5")) }
}

/// Checks a narrative or comment: bounded, no control characters but line breaks and tabs.
///
/// The limit counts the text as sent, whitespace around it included (see
/// [`crate::plan::check_long_text`]).
pub fn check_narrative(field: &str, text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    let n = text.chars().count();
    if n > MAX_NARRATIVE {
        return Err(invalid(field, format!("is {n} characters long; the limit is {MAX_NARRATIVE}")));
    }
    if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(t.to_owned())
}

/// The label of a rating value.
pub fn rating_label(value: u8) -> &'static str {
    RATINGS.iter().find(|r| r.value == value).map(|r| r.label).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_answers_are_checked() {
        let ok = PulseAnswer::check(&[1, 2, 3, 4, 5], 10).expect("valid");
        assert_eq!(ok.scores, [1, 2, 3, 4, 5]);
        assert_eq!(ok.enps, 10);
        assert_eq!(PulseAnswer::check(&[1, 2, 3, 4], 5).expect_err("four").field, "scores");
        assert_eq!(PulseAnswer::check(&[1, 2, 3, 4, 6], 5).expect_err("six").field, "support");
        assert_eq!(PulseAnswer::check(&[0, 2, 3, 4, 5], 5).expect_err("zero").field, "energy");
        assert_eq!(PulseAnswer::check(&[1, 2, 3, 4, 5], 11).expect_err("eleven").field, "enps");
        assert_eq!(PulseAnswer::check(&[1, 2, 3, 4, 5], -1).expect_err("negative").field, "enps");
    }

    #[test]
    fn ratings_have_five_labelled_points() {
        assert_eq!(RATINGS.map(|r| r.value), [1, 2, 3, 4, 5]);
        assert_eq!(check_rating(3), Ok(3));
        assert!(check_rating(0).is_err() && check_rating(6).is_err());
        assert_eq!(rating_label(3), "Meeting expectations");
        assert_eq!(check_narrative("narrative", " Fine. \n").expect("ok"), "Fine.");
        assert!(check_narrative("narrative", "a\u{7}b").is_err());
        assert!(check_narrative("narrative", &"x".repeat(MAX_NARRATIVE + 1)).is_err());
    }
}
