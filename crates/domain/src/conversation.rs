//! Career conversations: the three categories of the practice, the default
//! "Career dreaming" questions, the reflection window, and the life cycle.

use serde::{Deserialize, Serialize};

/// The three groups of questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The path so far.
    Past,
    /// Today: what works and what does not.
    Present,
    /// Ahead: which need not mean a new role.
    Future,
}

impl Category {
    /// All categories in the order a conversation walks them.
    pub const ALL: [Category; 3] = [Category::Past, Category::Present, Category::Future];

    /// The stored and API value.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Past => "past",
            Category::Present => "present",
            Category::Future => "future",
        }
    }

    /// Parses the stored value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "past" => Some(Category::Past),
            "present" => Some(Category::Present),
            "future" => Some(Category::Future),
            _ => None,
        }
    }

    /// What people see.
    pub fn label(self) -> &'static str {
        match self {
            Category::Past => "Past",
            Category::Present => "Present",
            Category::Future => "Future",
        }
    }

    /// Why the group is asked, in our own words.
    pub fn purpose(self) -> &'static str {
        match self {
            Category::Past => {
                "Look back along the path you have climbed so far: the moments that lit you up tell you where to head next."
            }
            Category::Present => {
                "Take stock of today, honestly: what is working for you, and what is wearing you down."
            }
            Category::Future => {
                "Look ahead. The next hold need not be a new role: it can be growing the one you have, or a step sideways."
            }
        }
    }
}

/// Where the reflection window goes in a question's text.
pub const WINDOW_TOKEN: &str = "{window}";

/// Longest question accepted.
pub const MAX_QUESTION_CHARS: usize = 500;
/// Most questions in one set.
pub const MAX_QUESTIONS: usize = 60;

/// One question of a set or of a conversation's snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Its group.
    pub category: Category,
    /// The text; may contain [`WINDOW_TOKEN`].
    pub text: String,
}

/// Why a question is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    /// Blank.
    #[error("a question cannot be empty")]
    Empty,
    /// Too long.
    #[error("a question can be at most {MAX_QUESTION_CHARS} characters")]
    TooLong,
    /// Control characters (line breaks are folded to spaces instead).
    #[error("a question cannot contain control characters")]
    Control,
}

impl Question {
    /// A validated question: trimmed, inner white space folded to single spaces.
    pub fn new(category: Category, text: &str) -> Result<Self, QuestionError> {
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.is_empty() {
            return Err(QuestionError::Empty);
        }
        if folded.chars().count() > MAX_QUESTION_CHARS {
            return Err(QuestionError::TooLong);
        }
        if folded.chars().any(char::is_control) {
            return Err(QuestionError::Control);
        }
        Ok(Question { category, text: folded })
    }

    /// The text as asked, with the window written in.
    pub fn render(&self, window: Window) -> String {
        self.text.replace(WINDOW_TOKEN, &window.words())
    }
}

/// How far back the Past questions look, in months (1 to 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window(u8);

impl Default for Window {
    fn default() -> Self {
        Window(6)
    }
}

impl Window {
    /// A window of `months`, 1 to 24.
    pub fn months(months: i64) -> Option<Self> {
        (1..=24).contains(&months).then_some(Window(months as u8))
    }

    /// The number of months.
    pub fn get(self) -> u8 {
        self.0
    }

    /// As written into a question: "six months", "month", "18 months".
    pub fn words(self) -> String {
        const WORDS: [&str; 13] =
            ["", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
        match self.0 {
            1 => "month".to_owned(),
            n @ 2..=12 => format!("{} months", WORDS[n as usize]),
            n => format!("{n} months"),
        }
    }
}

/// The practice's nine questions, the built-in "Career dreaming" set.
pub fn career_dreaming() -> Vec<Question> {
    use Category::*;
    [
        (Past, "Reflecting on the past {window}, when have you felt most engaged?"),
        (Past, "What have you been most proud of?"),
        (Past, "What setbacks have mattered most to you?"),
        (Present, "What aspect of your current work is most fulfilling?"),
        (Present, "When do you feel like you are in your element?"),
        (Present, "What's draining you right now?"),
        (Future, "Where do you hope to become an expert?"),
        (Future, "What aspect of our team's work would you like to expand?"),
        (Future, "Where would you like more ownership?"),
    ]
    .into_iter()
    .map(|(category, text)| Question { category, text: text.to_owned() })
    .collect()
}

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Booked; the report has not opened it yet.
    Scheduled,
    /// The report has started preparing.
    Preparing,
    /// The report has shared at least one answer.
    Shared,
    /// The 1:1 took place; answers are final.
    Held,
    /// Called off.
    Cancelled,
}

impl State {
    /// The stored and API value.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::Preparing => "preparing",
            State::Shared => "shared",
            State::Held => "held",
            State::Cancelled => "cancelled",
        }
    }

    /// Parses the stored value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "scheduled" => State::Scheduled,
            "preparing" => State::Preparing,
            "shared" => State::Shared,
            "held" => State::Held,
            "cancelled" => State::Cancelled,
            _ => return None,
        })
    }

    /// Still to happen: answers and the schedule can change.
    pub fn is_open(self) -> bool {
        matches!(self, State::Scheduled | State::Preparing | State::Shared)
    }

    /// After the report opens the preparation page.
    pub fn opened(self) -> Self {
        if self == State::Scheduled { State::Preparing } else { self }
    }

    /// After sharing changes: shared when any answer is, else preparing.
    pub fn with_shared_answers(self, any_shared: bool) -> Self {
        match (self.is_open(), any_shared) {
            (false, _) => self,
            (true, true) => State::Shared,
            (true, false) => State::Preparing,
        }
    }
}

/// Longest answer or note accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Why a reflection or note cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextLimitError {
    /// Over [`MAX_TEXT_CHARS`].
    #[error("This is {0} characters long; the limit is 20,000. Shorten it to save (your text is still in the editor).")]
    TooLong(usize),
}

/// Checks an answer or note. Any Unicode is kept byte for byte.
pub fn check_text(text: &str) -> Result<(), TextLimitError> {
    let n = text.chars().count();
    if n > MAX_TEXT_CHARS { Err(TextLimitError::TooLong(n)) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_set_follows_the_practice() {
        let set = career_dreaming();
        assert_eq!(set.len(), 9);
        for c in Category::ALL {
            assert_eq!(set.iter().filter(|q| q.category == c).count(), 3, "{c:?}");
        }
        assert_eq!(
            set[0].render(Window::default()),
            "Reflecting on the past six months, when have you felt most engaged?"
        );
        assert_eq!(
            set[0].render(Window::months(3).expect("3")),
            "Reflecting on the past three months, when have you felt most engaged?"
        );
        assert_eq!(
            set[0].render(Window::months(1).expect("1")),
            "Reflecting on the past month, when have you felt most engaged?"
        );
        assert_eq!(
            set[0].render(Window::months(18).expect("18")),
            "Reflecting on the past 18 months, when have you felt most engaged?"
        );
    }

    #[test]
    fn windows_are_bounded() {
        assert!(Window::months(0).is_none());
        assert!(Window::months(25).is_none());
        assert_eq!(Window::months(24).map(Window::get), Some(24));
    }

    #[test]
    fn questions_are_cleaned_and_bounded() {
        assert_eq!(
            Question::new(Category::Past, "  What   made\nyou proud? ").expect("ok").text,
            "What made you proud?"
        );
        assert_eq!(Question::new(Category::Past, " \n "), Err(QuestionError::Empty));
        assert_eq!(Question::new(Category::Past, &"x".repeat(501)), Err(QuestionError::TooLong));
    }

    #[test]
    fn life_cycle() {
        assert_eq!(State::Scheduled.opened(), State::Preparing);
        assert_eq!(State::Shared.opened(), State::Shared);
        assert_eq!(State::Preparing.with_shared_answers(true), State::Shared);
        assert_eq!(State::Shared.with_shared_answers(false), State::Preparing);
        assert_eq!(State::Held.with_shared_answers(false), State::Held);
        assert!(!State::Cancelled.is_open());
        for s in [State::Scheduled, State::Preparing, State::Shared, State::Held, State::Cancelled] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn text_limit_counts_characters_not_bytes() {
        assert!(check_text(&"é".repeat(20_000)).is_ok());
        assert_eq!(check_text(&"x".repeat(20_001)), Err(TextLimitError::TooLong(20_001)));
    }
}
