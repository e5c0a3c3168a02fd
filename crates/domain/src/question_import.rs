//! Importing question sets: from Markdown, and from a JSON question bank.
//!
//! A question set is a name plus questions in the three categories. Both
//! importers only parse: the web layer shows the result as a preview and saves
//! it only when the person confirms. A bad file yields no questions at all,
//! only a list of [`ImportProblem`]s, so that it can be fixed in one pass.
//!
//! # Where a problem is
//!
//! Every problem says where it is through [`ImportProblem::kind`] and
//! [`ImportProblem::line`]; its [`Display`](fmt::Display) shows it the way a
//! person should read it:
//!
//! * [`ProblemAt::Line`]: `line` is a 1-based physical line of the file, as a
//!   text editor numbers it (CRLF, LF and a lone CR each end a line). Shown as
//!   `line 7: <reason>`. Markdown problems, and JSON syntax errors (whose
//!   reason then names the column), use it.
//! * [`ProblemAt::Entry`]: `line` is the 1-based position of the entry in the
//!   bank's `questions` list (not a line of the file: a bank is often a single
//!   line). The reason already starts with `entry N (id X): ` (or `entry N: `
//!   when the entry has no usable id), so it is shown as the reason alone.
//! * [`ProblemAt::File`]: `line` is 0 and the problem concerns the file as a
//!   whole (no questions, not a JSON object, too many questions selected...).
//!   Shown as the reason alone.
//!
//! Problems are sorted by `line` (so whole-file problems come first). At most
//! [`MAX_PROBLEMS`] are listed; if there are more, a last one says how many
//! were left out, which keeps the response bounded for a huge bad file.
//!
//! # Markdown
//!
//! ```text
//! # Optional set name
//! Optional intro text before the first category heading is ignored.
//! ## Past
//! - Reflecting on the past {window}, when have you felt most engaged?
//!   An indented line continues the question above.
//! ## Present
//! * What is draining you right now?
//! ## Future
//! 1. Where do you hope to become an expert?
//! ```
//!
//! * Category headings are `## Past`, `## Present` and `## Future`, in any
//!   case, with optional trailing `#`s and spaces; a heading may repeat, and its
//!   questions are added to the category. The space after the `#`s may be
//!   left out (`##Past`, `#Name`): unlike CommonMark, which would read that as
//!   text, because such a line has no other sensible meaning here and people
//!   do write it.
//! * One `# Name` heading, before the first category heading, names the set
//!   (at most [`MAX_NAME_CHARS`] characters). Deeper headings (`###`) are
//!   refused: sub-sections do not exist in a set.
//! * Bullets are `-`, `*` or `+`, or `N.` / `N)` (up to nine digits), followed
//!   by a space, a tab or the end of the line. An indented line (space or tab)
//!   continues the bullet above, even after blank lines, until a line that is
//!   not indented; the pieces are folded into one question with single
//!   spaces. An indented bullet (a nested list) is refused, and a line whose
//!   text starts with `#` is a heading even when indented.
//! * Text before the first category heading is ignored, except bullets,
//!   which are refused there: a question must belong to a category.
//! * The file must be UTF-8; a byte order mark is skipped. Questions keep
//!   `{window}` ([`crate::conversation::WINDOW_TOKEN`]) verbatim.
//!
//! # Question banks
//!
//! A bank is JSON in the shape of the vgraupera/1on1-questions collection:
//! `{"questions": [{"id": 1, "question": {"en": "..."}, "category": "Work-life"}]}`.
//! Other fields, at the top or in entries, are ignored. [`parse_question_bank`]
//! reads the texts in one language; the person then maps each bank category
//! onto Past, Present or Future, or skips it ([`suggested_mapping`] proposes a
//! mapping), and [`QuestionBank::select`] gives the questions.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::conversation::{Category, MAX_QUESTION_CHARS, MAX_QUESTIONS, Question, QuestionError};

/// Longest set name (the `# ` heading) accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Most problems listed for one file; the rest are counted in a last problem.
pub const MAX_PROBLEMS: usize = 100;

/// Problems held while parsing before they are sorted and cut to
/// [`MAX_PROBLEMS`]: more than that so that problems found late (a bullet is
/// checked when it ends) still sort into place, yet bounded for huge files.
const PROBLEMS_HELD: usize = 10 * MAX_PROBLEMS;

/// Longest excerpt of user input quoted back in a message.
const EXCERPT_MAX: usize = 80;

/// Categories named at most when too many questions are selected.
const CATEGORIES_SHOWN: usize = 20;

/// Languages named at most when a language is missing everywhere.
const LANGUAGES_SHOWN: usize = 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What [`ImportProblem::line`] counts; see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemAt {
    /// The file as a whole; `line` is 0. Show the reason alone.
    File,
    /// A 1-based line of the file. Show as `line N: reason`.
    Line,
    /// A 1-based entry of a bank's `questions` list; the reason starts with
    /// `entry N (id X): `. Show the reason alone.
    Entry,
}

/// One problem with an imported file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    /// What `line` counts.
    pub kind: ProblemAt,
    /// The line (1-based), the entry (1-based), or 0 for the whole file.
    pub line: u64,
    /// What is wrong, phrased so that a person can fix it.
    pub reason: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ProblemAt::Line => write!(f, "line {}: {}", self.line, self.reason),
            // The entry number is already part of the reason.
            ProblemAt::Entry | ProblemAt::File => f.write_str(&self.reason),
        }
    }
}

impl ImportProblem {
    fn at_line(line: u64, reason: impl Into<String>) -> Self {
        ImportProblem { kind: ProblemAt::Line, line, reason: reason.into() }
    }

    fn file(reason: impl Into<String>) -> Self {
        ImportProblem { kind: ProblemAt::File, line: 0, reason: reason.into() }
    }
}

/// Collects problems with a bound on memory and on what is reported.
#[derive(Default)]
struct Problems {
    held: Vec<ImportProblem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, problem: ImportProblem) {
        self.total += 1;
        if self.held.len() < PROBLEMS_HELD {
            self.held.push(problem);
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Sorted by line (stable, so one line's problems keep their order), cut
    /// to [`MAX_PROBLEMS`] plus one that counts the rest.
    fn finish(self) -> Vec<ImportProblem> {
        let mut held = self.held;
        held.sort_by_key(|p| p.line);
        if self.total > MAX_PROBLEMS {
            held.truncate(MAX_PROBLEMS);
            let more = self.total - MAX_PROBLEMS;
            // Placed at the last listed problem so that the list stays sorted.
            let (kind, line) = held.last().map_or((ProblemAt::File, 0), |p| (p.kind, p.line));
            held.push(ImportProblem {
                kind,
                line,
                reason: format!("{more} more problem(s) after this one are not listed; fix these and import again"),
            });
        }
        held
    }
}

/// A question set read from Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedSet {
    /// From the `# ` heading, white space folded; `None` without one.
    pub name: Option<String>,
    /// In file order; 1 to [`MAX_QUESTIONS`] of them.
    pub questions: Vec<Question>,
}

/// Reads a question set written in Markdown (see the [module
/// documentation](self) for the format). Ok only when the whole file is
/// valid; otherwise every problem found, sorted by line.
pub fn parse_markdown(input: &[u8]) -> Result<ImportedSet, Vec<ImportProblem>> {
    // Windows editors may save "Unicode" text; every line would then look
    // broken, so say what is wrong once.
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return Err(vec![ImportProblem::file("the file is UTF-16 text; save it as UTF-8")]);
    }
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut parser = Markdown::default();
    for (number, raw) in (1u64..).zip(split_lines(input)) {
        parser.line(number, raw);
    }
    parser.finish()
}

/// Lines without their terminators; CRLF, LF and a lone CR each end a line,
/// and a final terminator does not start another line.
fn split_lines(mut rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line;
        match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            None => {
                line = rest;
                rest = &[];
            }
            Some(i) => {
                line = &rest[..i];
                let crlf = rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n');
                rest = &rest[i + if crlf { 2 } else { 1 }..];
            }
        }
        Some(line)
    })
}

/// Where the parser is in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before the first `##` heading: text is ignored.
    Intro,
    /// Under a category heading.
    In(Category),
    /// Under a refused heading: its content is skipped without further
    /// problems, since the heading's problem already explains them.
    Refused,
}

/// A bullet still open to continuation lines.
struct Bullet {
    line: u64,
    /// Where its question goes; `None` when it is not kept.
    category: Option<Category>,
    text: String,
}

struct Markdown {
    section: Section,
    seen_category: bool,
    /// The name and the line of its heading.
    name: Option<(u64, String)>,
    bullet: Option<Bullet>,
    questions: Vec<Question>,
    /// Bullets under category headings, valid or not.
    bullets: usize,
    /// Line of the first bullet over [`MAX_QUESTIONS`].
    over_limit_at: Option<u64>,
    problems: Problems,
}

impl Default for Markdown {
    fn default() -> Self {
        Markdown {
            section: Section::Intro,
            seen_category: false,
            name: None,
            bullet: None,
            questions: Vec::new(),
            bullets: 0,
            over_limit_at: None,
            problems: Problems::default(),
        }
    }
}

impl Markdown {
    fn line(&mut self, number: u64, raw: &[u8]) {
        let (text, bad_byte) = match std::str::from_utf8(raw) {
            Ok(s) => (Cow::Borrowed(s), None),
            Err(e) => (String::from_utf8_lossy(raw), Some(e.valid_up_to() + 1)),
        };
        let mut found = Vec::new();
        // A broken line is still read (lossily) so that a broken heading or
        // bullet does not also derail the lines after it.
        self.classify(number, &text, &mut found);
        if let Some(byte) = bad_byte {
            // Its other problems would quote replacement characters and mislead.
            found =
                vec![format!("this line is not valid UTF-8 text (at byte {byte} of the line); save the file as UTF-8")];
        }
        for reason in found {
            self.problems.push(ImportProblem::at_line(number, reason));
        }
    }

    /// Reads one line; problems of the line itself go to `found`.
    fn classify(&mut self, number: u64, line: &str, found: &mut Vec<String>) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return;
        }
        let indented = line.starts_with([' ', '\t']);
        // A heading wins even when indented: folding "  ## Future" into the
        // question above would be a silent surprise.
        if indented
            && !trimmed.starts_with('#')
            && let Some(bullet) = &mut self.bullet
        {
            if bullet_content(trimmed).is_some() {
                found.push(
                    "nested lists are not supported: make this its own bullet, without indentation, \
                     or write it as text"
                        .to_owned(),
                );
            } else {
                bullet.text.push(' ');
                bullet.text.push_str(trimmed);
            }
            return;
        }
        self.finish_bullet();
        if let Some(level) = heading_level(trimmed) {
            self.heading(number, level, &trimmed[level..], found);
        } else if let Some(content) = bullet_content(trimmed) {
            self.start_bullet(number, content, found);
        } else if let Section::In(category) = self.section {
            found.push(format!(
                "text outside a bullet under ## {}: start each question with - (or *, +, 1.), \
                 and indent a line that continues the question above",
                category.label()
            ));
        }
    }

    fn heading(&mut self, number: u64, level: usize, rest: &str, found: &mut Vec<String>) {
        match level {
            1 => self.title(number, rest, found),
            2 => {
                self.seen_category = true;
                // Lenient about closing #s: "## Past##" can only mean Past.
                let label = rest.trim().trim_end_matches('#').trim();
                match Category::parse(label) {
                    Some(category) => self.section = Section::In(category),
                    None => {
                        self.section = Section::Refused;
                        found.push(format!(
                            "unknown heading '## {}': the category headings are ## Past, ## Present and ## Future",
                            excerpt(label)
                        ));
                    }
                }
            }
            _ => {
                self.section = Section::Refused;
                found.push(
                    "sub-headings are not supported: the headings are one # name at the top, \
                     then ## Past, ## Present and ## Future"
                        .to_owned(),
                );
            }
        }
    }

    fn title(&mut self, number: u64, rest: &str, found: &mut Vec<String>) {
        if self.seen_category {
            found.push("the set's name (the # heading) must come before the first ## heading".to_owned());
            return;
        }
        if let Some((first, _)) = &self.name {
            found.push(format!("the set already has a name, on line {first}; a file has one # heading"));
            return;
        }
        let name = fold(heading_text(rest));
        if name.is_empty() {
            return;
        }
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            found.push(format!("the name is {chars} characters long; the limit is {MAX_NAME_CHARS}"));
        }
        if name.chars().any(char::is_control) {
            found.push("the name contains a control character; remove it".to_owned());
        }
        self.name = Some((number, name));
    }

    fn start_bullet(&mut self, number: u64, content: &str, found: &mut Vec<String>) {
        let category = match self.section {
            Section::Intro => {
                found.push(
                    "a question must come under a ## Past, ## Present or ## Future heading; \
                     this bullet comes before any"
                        .to_owned(),
                );
                None
            }
            Section::Refused => None,
            Section::In(category) => {
                self.bullets += 1;
                if self.bullets == MAX_QUESTIONS + 1 {
                    self.over_limit_at = Some(number);
                }
                Some(category)
            }
        };
        self.bullet = Some(Bullet { line: number, category, text: content.to_owned() });
    }

    fn finish_bullet(&mut self) {
        let Some(Bullet { line, category: Some(category), text }) = self.bullet.take() else { return };
        match Question::new(category, &text) {
            // Past the limit the file is refused anyway: only check the rest.
            Ok(question) if self.questions.len() < MAX_QUESTIONS => self.questions.push(question),
            Ok(_) => {}
            Err(e) => self.problems.push(ImportProblem::at_line(line, question_reason(&e, &text, "this bullet"))),
        }
    }

    fn finish(mut self) -> Result<ImportedSet, Vec<ImportProblem>> {
        self.finish_bullet();
        if let Some(line) = self.over_limit_at {
            self.problems.push(ImportProblem::at_line(
                line,
                format!(
                    "the file has {} questions and a set holds at most {MAX_QUESTIONS}; this is question {}: \
                     remove {} question(s), or split the file into several sets",
                    self.bullets,
                    MAX_QUESTIONS + 1,
                    self.bullets - MAX_QUESTIONS
                ),
            ));
        }
        // When there are other problems, they explain the lack of questions.
        if self.bullets == 0 && self.problems.is_empty() {
            self.problems.push(ImportProblem::file(
                "the file has no questions: write them as bullets (- ...) under ## Past, ## Present and ## Future",
            ));
        }
        if !self.problems.is_empty() {
            return Err(self.problems.finish());
        }
        Ok(ImportedSet { name: self.name.map(|(_, name)| name), questions: self.questions })
    }
}

/// The number of `#`s opening a heading line (already trimmed).
fn heading_level(trimmed: &str) -> Option<usize> {
    let level = trimmed.bytes().take_while(|&b| b == b'#').count();
    (level > 0).then_some(level)
}

/// A heading's text without a CommonMark closing sequence: `# C#` keeps its
/// `#`, `# Name ##` loses them.
fn heading_text(rest: &str) -> &str {
    let rest = rest.trim();
    let stripped = rest.trim_end_matches('#');
    if stripped.is_empty() || stripped.ends_with([' ', '\t']) { stripped.trim() } else { rest }
}

/// The text after a bullet marker, trimmed, if `trimmed` starts with one.
fn bullet_content(trimmed: &str) -> Option<&str> {
    let bytes = trimmed.as_bytes();
    let after = match bytes.first()? {
        b'-' | b'*' | b'+' => 1,
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            // CommonMark's limit, which also keeps "2024-01-01" or long
            // numbers from being read as markers.
            if digits > 9 || !matches!(bytes.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    // The marker is ASCII, so `after` is a character boundary.
    let rest = &trimmed[after..];
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

/// Trimmed, with inner white space folded to single spaces.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a question's text is refused; `what` names it ("this bullet").
fn question_reason(e: &QuestionError, text: &str, what: &str) -> String {
    match e {
        QuestionError::Empty => format!("{what} has no question text"),
        QuestionError::TooLong => format!(
            "{what}'s question is {} characters long; the limit is {MAX_QUESTION_CHARS}",
            fold(text).chars().count()
        ),
        QuestionError::Control => format!("{what}'s question contains a control character; remove it"),
    }
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(EXCERPT_MAX).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if s.chars().nth(EXCERPT_MAX).is_some() {
        out.push('…');
    }
    out
}

/// One category of a bank as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankCategory {
    /// As written in the entries' `category`; the key of a mapping.
    pub name: String,
    /// Entries in it (before duplicates are removed).
    pub count: usize,
}

/// A bank as read, before mapping: its categories in first-seen order with
/// their question counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionBank {
    /// Every category of the bank, in the order the entries first use them.
    pub categories: Vec<BankCategory>,
    /// (category, text already checked by [`Question::new`]) in file order.
    entries: Vec<(String, String)>,
}

/// Reads a question bank (see the [module documentation](self)), taking each
/// question's text in `language` (such as `"en"` or `"ja_JP"`).
///
/// Ok only when every entry is usable: an object with a `question` object
/// holding a valid text in `language`, and a non-empty `category` string. A
/// category need not be listed in `i18nCategories`. Problems are
/// [`ProblemAt::Entry`] for entries, [`ProblemAt::Line`] for a JSON syntax
/// error (the reason names the column), and [`ProblemAt::File`] otherwise;
/// when no entry has `language` at all, that is one file problem naming the
/// languages the bank has, not one per entry.
pub fn parse_question_bank(input: &[u8], language: &str) -> Result<QuestionBank, Vec<ImportProblem>> {
    // serde_json refuses a BOM, which some editors write.
    let input = input.strip_prefix(BOM).unwrap_or(input);
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![ImportProblem::file("the file is empty")]);
    }
    let root: Value = serde_json::from_slice(input).map_err(|e| vec![json_syntax(&e)])?;
    let Value::Object(root) = root else {
        return Err(vec![ImportProblem::file(format!(
            "expected a JSON object with a \"questions\" list, but the file holds {}",
            describe(&root)
        ))]);
    };
    let list = match root.get("questions") {
        Some(Value::Array(list)) => list,
        None => return Err(vec![ImportProblem::file("the file has no \"questions\" list")]),
        Some(other) => {
            return Err(vec![ImportProblem::file(format!(
                "\"questions\" must be a list of entries, but it is {}",
                describe(other)
            ))]);
        }
    };
    if list.is_empty() {
        return Err(vec![ImportProblem::file("the bank's \"questions\" list is empty")]);
    }

    let mut problems = Problems::default();
    // Held back: if no entry has the language, one problem says so instead.
    let mut no_language = Vec::new();
    let mut with_texts = 0usize;
    let mut languages: Vec<String> = Vec::new();
    let mut entries = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let number = index as u64 + 1;
        let at = |reason: String| ImportProblem {
            kind: ProblemAt::Entry,
            line: number,
            reason: format!("{}: {reason}", entry_label(number, entry)),
        };
        let Value::Object(entry) = entry else {
            problems.push(at(format!(
                "expected an object with \"question\" and \"category\", but it is {}",
                describe(entry)
            )));
            continue;
        };
        let text = match entry.get("question") {
            Some(Value::Object(texts)) => {
                with_texts += 1;
                for key in texts.keys() {
                    if languages.len() < LANGUAGES_SHOWN && !languages.contains(key) {
                        languages.push(key.clone());
                    }
                }
                match texts.get(language) {
                    Some(Value::String(s)) => match Question::new(Category::Past, s) {
                        Ok(q) => Some(q.text),
                        Err(e) => {
                            problems.push(at(question_reason(&e, s, &format!("the \"{}\" text", excerpt(language)))));
                            None
                        }
                    },
                    Some(other) => {
                        problems.push(at(format!(
                            "the \"{}\" text is {}, not a string",
                            excerpt(language),
                            describe(other)
                        )));
                        None
                    }
                    None => {
                        let has: Vec<String> = texts.keys().map(|k| excerpt(k)).collect();
                        let has = if has.is_empty() { "none".to_owned() } else { has.join(", ") };
                        no_language.push(at(format!("no \"{}\" text (it has: {has})", excerpt(language))));
                        None
                    }
                }
            }
            None => {
                problems.push(at("no \"question\"".to_owned()));
                None
            }
            Some(other) => {
                problems.push(at(format!(
                    "\"question\" must be an object of texts by language, like {{\"en\": \"...\"}}, but it is {}",
                    describe(other)
                )));
                None
            }
        };
        let category = match entry.get("category") {
            Some(Value::String(s)) if s.trim().is_empty() => {
                problems.push(at("\"category\" is empty".to_owned()));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            None => {
                problems.push(at("no \"category\"".to_owned()));
                None
            }
            Some(other) => {
                problems.push(at(format!("\"category\" is {}, not a string", describe(other))));
                None
            }
        };
        if let (Some(text), Some(category)) = (text, category) {
            entries.push((category, text));
        }
    }
    if with_texts > 0 && no_language.len() == with_texts {
        // Prefer the bank's own list of languages to what the entries showed.
        let declared: Vec<String> = match root.get("languages") {
            Some(Value::Array(list)) => {
                list.iter().filter_map(Value::as_str).map(excerpt).take(LANGUAGES_SHOWN).collect()
            }
            _ => Vec::new(),
        };
        let shown = if declared.is_empty() { languages.iter().map(|l| excerpt(l)).collect() } else { declared };
        problems.push(ImportProblem::file(format!(
            "no question has a \"{}\" text; this bank has: {}",
            excerpt(language),
            shown.join(", ")
        )));
    } else {
        for problem in no_language {
            problems.push(problem);
        }
    }
    if !problems.is_empty() {
        return Err(problems.finish());
    }

    let mut categories: Vec<BankCategory> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (category, _) in &entries {
        match position.get(category.as_str()) {
            Some(&i) => categories[i].count += 1,
            None => {
                position.insert(category, categories.len());
                categories.push(BankCategory { name: category.clone(), count: 1 });
            }
        }
    }
    Ok(QuestionBank { categories, entries })
}

/// `entry N (id X)`, or `entry N` when the entry has no number or string id.
fn entry_label(number: u64, entry: &Value) -> String {
    match entry.get("id") {
        Some(Value::Number(id)) => format!("entry {number} (id {id})"),
        Some(Value::String(id)) if !id.trim().is_empty() => format!("entry {number} (id {})", excerpt(id)),
        _ => format!("entry {number}"),
    }
}

/// A JSON value's kind, as a person reads it.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn json_syntax(e: &serde_json::Error) -> ImportProblem {
    let full = e.to_string();
    // serde_json appends the position; the line goes into the problem's
    // `line` and the column into the reason.
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&position).unwrap_or(&full);
    ImportProblem::at_line(e.line() as u64, format!("the file is not valid JSON (column {}): {message}", e.column()))
}

/// The suggested mapping for a bank category name: keyword rules, matched
/// case-insensitively at the start of words ("Starters" matches "starter",
/// "Work/life balance" matches "work life"). Future rules win over Present
/// rules, which win over Past rules. Categories that fit none, such as
/// questions about the manager, are skipped (`None`).
pub fn suggested_mapping(category: &str) -> Option<Category> {
    const RULES: [(Category, &[&str]); 3] = [
        (Category::Future, &["career", "grow", "future", "goal", "aspiration", "ambition", "dream", "learn"]),
        (
            Category::Present,
            &[
                "satisfaction",
                "work life",
                "worklife",
                "wellbeing",
                "well being",
                "wellness",
                "team",
                "current",
                "present",
                "today",
                "workload",
                "engagement",
                "morale",
            ],
        ),
        (Category::Past, &["past", "reflect", "starter", "retro", "history", "icebreaker", "ice breaker"]),
    ];
    // Words separated by single spaces, with a leading space so that " word"
    // matches at word starts only.
    let lower = category.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let haystack = format!(" {}", words.join(" "));
    RULES
        .iter()
        .find(|(_, keywords)| keywords.iter().any(|k| haystack.contains(&format!(" {k}"))))
        .map(|(category, _)| *category)
}

impl QuestionBank {
    /// The questions under a mapping (bank category name → `Some(category)`,
    /// or `None` to skip it); categories missing from the map are skipped.
    ///
    /// A text that appears more than once is taken once (the first time).
    /// The result is ordered Past, Present, Future, and within a category in
    /// bank order. Errs, as a [`ProblemAt::File`] problem, when nothing is
    /// selected or more than [`MAX_QUESTIONS`] are; the latter names the
    /// count per category so the person can choose one to skip.
    pub fn select(&self, mapping: &BTreeMap<String, Option<Category>>) -> Result<Vec<Question>, ImportProblem> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut chosen: Vec<(Category, &str, &str)> = Vec::new();
        for (name, text) in &self.entries {
            if let Some(Some(category)) = mapping.get(name)
                && seen.insert(text)
            {
                chosen.push((*category, name, text));
            }
        }
        if chosen.is_empty() {
            return Err(ImportProblem::file(
                "no questions are selected: map at least one category to Past, Present or Future",
            ));
        }
        if chosen.len() > MAX_QUESTIONS {
            // Counted in one pass: a hostile bank may have a category per entry.
            let mut per_name: HashMap<&str, usize> = HashMap::new();
            for (_, name, _) in &chosen {
                *per_name.entry(name).or_default() += 1;
            }
            let mut counts: Vec<String> = self
                .categories
                .iter()
                .filter_map(|c| {
                    let n = per_name.get(c.name.as_str())?;
                    let target = mapping.get(&c.name).copied().flatten()?;
                    Some(format!("{} {n} as {}", excerpt(&c.name), target.label()))
                })
                .collect();
            if counts.len() > CATEGORIES_SHOWN {
                let more = counts.len() - CATEGORIES_SHOWN;
                counts.truncate(CATEGORIES_SHOWN);
                counts.push(format!("and {more} more categories"));
            }
            return Err(ImportProblem::file(format!(
                "{} questions are selected and a set holds at most {MAX_QUESTIONS}: skip a category \
                 (or more) to bring it down. Selected: {}",
                chosen.len(),
                counts.join(", ")
            )));
        }
        // Stable: bank order within a category.
        chosen.sort_by_key(|(category, _, _)| *category);
        Ok(chosen.into_iter().map(|(category, _, text)| Question { category, text: text.to_owned() }).collect())
    }

    /// The suggested mapping ([`suggested_mapping`]) of every category: what
    /// the importer shows first.
    pub fn suggested(&self) -> BTreeMap<String, Option<Category>> {
        self.categories.iter().map(|c| (c.name.clone(), suggested_mapping(&c.name))).collect()
    }

    /// The texts of one bank category, in bank order, for a preview.
    pub fn texts<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.iter().filter(move |(name, _)| name == category).map(|(_, text)| text.as_str())
    }

    /// Questions in the bank, duplicates included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Never true for a bank [`parse_question_bank`] returned.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use Category::{Future, Past, Present};

    fn md(s: &str) -> ImportedSet {
        match parse_markdown(s.as_bytes()) {
            Ok(set) => set,
            Err(problems) => panic!("expected Ok, got {problems:#?}"),
        }
    }

    fn md_err(s: &str) -> Vec<ImportProblem> {
        parse_markdown(s.as_bytes()).expect_err("expected problems")
    }

    /// The lines of the problems, for compact assertions.
    fn lines(problems: &[ImportProblem]) -> Vec<u64> {
        problems.iter().map(|p| p.line).collect()
    }

    fn q(category: Category, text: &str) -> Question {
        Question { category, text: text.to_owned() }
    }

    const EXAMPLE: &str = "# Optional set name
Optional intro text before the first category heading is allowed and ignored.
## Past
- Reflecting on the past {window}, when have you felt most engaged?
- What have you been most proud of?
## Present
* What is draining you right now?
## Future
1. Where do you hope to become an expert?
";

    #[test]
    fn reads_the_documented_example() {
        let set = md(EXAMPLE);
        assert_eq!(set.name.as_deref(), Some("Optional set name"));
        assert_eq!(
            set.questions,
            vec![
                q(Past, "Reflecting on the past {window}, when have you felt most engaged?"),
                q(Past, "What have you been most proud of?"),
                q(Present, "What is draining you right now?"),
                q(Future, "Where do you hope to become an expert?"),
            ]
        );
    }

    #[test]
    fn crlf_bom_and_lone_cr_read_the_same() {
        let expected = md(EXAMPLE);
        let crlf = EXAMPLE.replace('\n', "\r\n");
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(crlf.as_bytes());
        assert_eq!(parse_markdown(&with_bom), Ok(expected.clone()));
        assert_eq!(parse_markdown(EXAMPLE.replace('\n', "\r").as_bytes()), Ok(expected));
        // Line numbers count CRLF as one break.
        let bad = "## Past\r\n- fine\r\n\r\nloose text\r\n";
        assert_eq!(lines(&md_err(bad)), vec![4]);
    }

    #[test]
    fn no_name_is_none_and_name_may_have_closing_hashes() {
        assert_eq!(md("## Past\n- Q?\n").name, None);
        assert_eq!(md("#   Growth   talks  ##\n## Past\n- Q?\n").name.as_deref(), Some("Growth talks"));
        assert_eq!(md("# Learning C#\n## Past\n- Q?\n").name.as_deref(), Some("Learning C#"));
        assert_eq!(md("#Tight\n## Past\n- Q?\n").name.as_deref(), Some("Tight"));
        assert_eq!(md("#\n## Past\n- Q?\n").name, None);
    }

    #[test]
    fn heading_variants() {
        let set = md("##past\n- a\n## PRESENT ##  \n- b\n   ## Future#\n- c\n## Past\n- d\n");
        assert_eq!(set.questions, vec![q(Past, "a"), q(Present, "b"), q(Future, "c"), q(Past, "d")]);
    }

    #[test]
    fn bullet_markers() {
        let set = md("## Future\n- a\n* b\n+ c\n1. d\n2) e\n10. f\n-\tg\n");
        let texts: Vec<&str> = set.questions.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c", "d", "e", "f", "g"]);
        assert!(set.questions.iter().all(|q| q.category == Future));
    }

    #[test]
    fn continuation_lines_fold_into_one_question() {
        let set = md("## Past\n- What made you\n  proud,\n\tand why?\n\n   Take your time.\n- Next   one\n");
        assert_eq!(set.questions, vec![q(Past, "What made you proud, and why? Take your time."), q(Past, "Next one")]);
        // A bullet may start on its marker alone.
        assert_eq!(md("## Past\n-\n  Only here?\n").questions, vec![q(Past, "Only here?")]);
        // Indented text in the intro is just intro.
        assert_eq!(md("Intro\n   more intro\n## Past\n- Q\n").questions, vec![q(Past, "Q")]);
    }

    #[test]
    fn window_token_and_markdown_like_text_are_kept_verbatim() {
        let set = md("## Past\n- Over the last {window}: what *worked*? # not a heading\n- 1. literally\n");
        assert_eq!(set.questions[0].text, "Over the last {window}: what *worked*? # not a heading");
        assert_eq!(set.questions[1].text, "1. literally");
    }

    #[test]
    fn bullet_before_any_heading() {
        let p = md_err("Intro\n- stray\n## Past\n- fine\n");
        assert_eq!(lines(&p), vec![2]);
        assert!(p[0].reason.contains("## Past, ## Present or ## Future"), "{}", p[0].reason);
        assert_eq!(p[0].kind, ProblemAt::Line);
    }

    #[test]
    fn unknown_heading_names_the_allowed_ones() {
        let p = md_err("## Past\n- a\n## Later\n- skipped without more problems\n## Future\n- b\n");
        assert_eq!(lines(&p), vec![3]);
        assert_eq!(
            p[0].reason,
            "unknown heading '## Later': the category headings are ## Past, ## Present and ## Future"
        );
        assert_eq!(p[0].to_string(), format!("line 3: {}", p[0].reason));
    }

    #[test]
    fn sub_headings_are_refused() {
        let p = md_err("## Past\n### Details\n- a\n");
        assert_eq!(lines(&p), vec![2]);
        assert!(p[0].reason.contains("sub-headings"));
    }

    #[test]
    fn text_inside_a_category_must_be_a_bullet_or_indented() {
        let p = md_err(
            "## Present\n- a\n\n  indented after blank is fine\nlazy continuation\n## Future\n  indented, no bullet\n",
        );
        assert_eq!(lines(&p), vec![5, 7]);
        assert!(p[0].reason.starts_with("text outside a bullet under ## Present"), "{}", p[0].reason);
        assert!(p[1].reason.starts_with("text outside a bullet under ## Future"), "{}", p[1].reason);
        // Not bullets: no space after the marker.
        assert_eq!(lines(&md_err("## Past\n-a\n*b*\n1.c\n")), vec![2, 3, 4]);
    }

    #[test]
    fn nested_lists_are_refused() {
        let p = md_err("## Past\n- a\n  - sub\n  2. sub\n");
        assert_eq!(lines(&p), vec![3, 4]);
        assert!(p[0].reason.starts_with("nested lists"));
    }

    #[test]
    fn empty_bullets() {
        let p = md_err("## Past\n-\n- ok\n*   \n\n## Future\n1.\n");
        assert_eq!(lines(&p), vec![2, 4, 7]);
        assert!(p.iter().all(|p| p.reason == "this bullet has no question text"), "{p:#?}");
    }

    #[test]
    fn too_long_and_control_characters_are_reported_at_the_bullet() {
        let long = "x".repeat(300);
        let p = md_err(&format!("## Past\n- ok\n- {long}\n  {long}\n- bell\u{7}\n"));
        assert_eq!(lines(&p), vec![3, 5]);
        assert_eq!(p[0].reason, "this bullet's question is 601 characters long; the limit is 500");
        assert!(p[1].reason.contains("control character"));
        // Exactly the limit is fine.
        assert_eq!(md(&format!("## Past\n- {}\n", "é".repeat(500))).questions[0].text.chars().count(), 500);
    }

    #[test]
    fn no_questions_is_a_file_problem() {
        for input in ["", "\n\n", "# Name\nJust intro.\n", "## Past\n", "\u{feff}"] {
            let p = md_err(input);
            assert_eq!(p.len(), 1, "{input:?}");
            assert_eq!((p[0].kind, p[0].line), (ProblemAt::File, 0));
            assert!(p[0].reason.starts_with("the file has no questions"));
            assert_eq!(p[0].to_string(), p[0].reason);
        }
        // Other problems explain the lack of questions; no pile-up.
        assert_eq!(lines(&md_err("## Someday\n- a\n")), vec![1]);
    }

    #[test]
    fn more_than_the_limit_is_reported_at_the_first_extra_question() {
        let mut s = "## Past\n".to_owned();
        for i in 0..60 {
            s.push_str(&format!("- Q{i}\n"));
        }
        assert_eq!(md(&s).questions.len(), 60);
        s.push_str("## Future\n- Q60\n- Q61\n");
        let p = md_err(&s);
        assert_eq!(lines(&p), vec![63]);
        assert!(p[0].reason.starts_with("the file has 62 questions and a set holds at most 60"), "{}", p[0].reason);
        assert!(p[0].reason.contains("remove 2"), "{}", p[0].reason);
    }

    #[test]
    fn invalid_utf8_is_reported_per_line_and_the_rest_is_still_checked() {
        let input = b"## Past\n- fine\n- caf\xe9\n  more \xff\n## Future\n- fine too\nloose\n";
        let p = parse_markdown(input).expect_err("invalid");
        assert_eq!(lines(&p), vec![3, 4, 7]);
        assert_eq!(p[0].reason, "this line is not valid UTF-8 text (at byte 6 of the line); save the file as UTF-8");
        assert_eq!(p[1].reason, "this line is not valid UTF-8 text (at byte 8 of the line); save the file as UTF-8");
        // A broken heading is one problem; what it heads is skipped.
        let p = parse_markdown(b"## Past\n- a\n## P\xffst\n- b\nloose\n").expect_err("invalid");
        assert_eq!(lines(&p), vec![3]);
        let p = parse_markdown(b"\xff\xfe#\x00").expect_err("utf-16");
        assert_eq!(p, vec![ImportProblem::file("the file is UTF-16 text; save it as UTF-8")]);
    }

    #[test]
    fn name_problems() {
        let p = md_err(&format!("# {}\n## Past\n- a\n", "n".repeat(101)));
        assert_eq!(lines(&p), vec![1]);
        assert_eq!(p[0].reason, "the name is 101 characters long; the limit is 100");
        assert_eq!(md(&format!("# {}\n## Past\n- a\n", "n".repeat(100))).name.map(|n| n.len()), Some(100));
        let p = md_err("# One\n# Two\n## Past\n- a\n# Late\n");
        assert_eq!(lines(&p), vec![2, 5]);
        assert_eq!(p[0].reason, "the set already has a name, on line 1; a file has one # heading");
        assert!(p[1].reason.contains("before the first ## heading"));
    }

    #[test]
    fn every_problem_is_reported_sorted_by_line() {
        let input = format!(
            "# {}\n- early\n## Past\n- ok\n-\nloose\n## Soon\n- skipped\n## Future\n- {}\n  - nested\n### Deep\n",
            "t".repeat(120),
            "y".repeat(501)
        );
        let p = md_err(&input);
        assert_eq!(lines(&p), vec![1, 2, 5, 6, 7, 10, 11, 12], "{p:#?}");
        assert!(p.iter().all(|p| p.kind == ProblemAt::Line));
    }

    #[test]
    fn problems_are_capped() {
        let mut s = "## Past\n".to_owned();
        for _ in 0..250 {
            s.push_str("loose\n");
        }
        let p = md_err(&s);
        assert_eq!(p.len(), MAX_PROBLEMS + 1);
        assert_eq!(p[MAX_PROBLEMS].line, p[MAX_PROBLEMS - 1].line);
        assert!(p[MAX_PROBLEMS].reason.starts_with("150 more problem(s)"), "{}", p[MAX_PROBLEMS].reason);
        assert!(lines(&p).is_sorted());
    }

    // ---- Question banks ----

    const BANK: &str = r#"{
  "languages": ["en", "fr"],
  "i18nCategories": {"Career development": {"en": "Career development"}},
  "questions": [
    {"id": 1, "question": {"en": "Where do you  want to be?", "fr": "Où ?"}, "category": "Career development", "created_at": "x"},
    {"id": 2, "question": {"en": "How is your week?", "fr": "Ça va ?"}, "category": "Conversation starters"},
    {"id": 3, "question": {"en": "What would you learn next?", "fr": "Quoi ?"}, "category": "Career development"},
    {"id": 4, "question": {"en": "How is your week?", "fr": "Encore ?"}, "category": "Job satisfaction"},
    {"id": 5, "question": {"en": "Any {window} wins?", "fr": "Victoires ?"}, "category": "Homegrown"}
  ]
}"#;

    fn bank(s: &str, language: &str) -> QuestionBank {
        match parse_question_bank(s.as_bytes(), language) {
            Ok(b) => b,
            Err(problems) => panic!("expected Ok, got {problems:#?}"),
        }
    }

    fn bank_err(s: &str) -> Vec<ImportProblem> {
        parse_question_bank(s.as_bytes(), "en").expect_err("expected problems")
    }

    fn mapping(pairs: &[(&str, Option<Category>)]) -> BTreeMap<String, Option<Category>> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn entry_problems(json_entries: &str) -> Vec<ImportProblem> {
        bank_err(&format!("{{\"questions\": [{json_entries}]}}"))
    }

    #[test]
    fn reads_a_bank_in_first_seen_order() {
        let b = bank(BANK, "en");
        assert_eq!(b.len(), 5);
        assert!(!b.is_empty());
        let cats: Vec<(&str, usize)> = b.categories.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(
            cats,
            [("Career development", 2), ("Conversation starters", 1), ("Job satisfaction", 1), ("Homegrown", 1)]
        );
        assert_eq!(
            b.texts("Career development").collect::<Vec<_>>(),
            ["Where do you want to be?", "What would you learn next?"]
        );
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(BANK.as_bytes());
        assert_eq!(parse_question_bank(&with_bom, "en"), Ok(b));
        assert_eq!(bank(BANK, "fr").texts("Homegrown").collect::<Vec<_>>(), ["Victoires ?"]);
    }

    #[test]
    fn selecting_maps_dedupes_and_orders_by_category() {
        let b = bank(BANK, "en");
        let chosen = b
            .select(&mapping(&[
                ("Career development", Some(Future)),
                ("Conversation starters", Some(Present)),
                ("Job satisfaction", Some(Present)),
                ("Homegrown", Some(Past)),
            ]))
            .expect("selected");
        assert_eq!(
            chosen,
            vec![
                q(Past, "Any {window} wins?"),
                q(Present, "How is your week?"),
                q(Future, "Where do you want to be?"),
                q(Future, "What would you learn next?"),
            ]
        );
        // Skipped (None) and missing categories give nothing.
        assert_eq!(
            b.select(&mapping(&[("Career development", None), ("Homegrown", Some(Future))])),
            Ok(vec![q(Future, "Any {window} wins?")])
        );
        let none = b.select(&mapping(&[("Career development", None), ("Nope", Some(Past))])).expect_err("empty");
        assert_eq!((none.kind, none.line), (ProblemAt::File, 0));
        assert!(none.reason.starts_with("no questions are selected"));
        assert!(b.select(&BTreeMap::new()).is_err());
    }

    #[test]
    fn selecting_too_many_names_the_counts() {
        let entries: Vec<String> = (0..70)
            .map(|i| {
                let cat = if i < 40 { "Growth" } else { "Team" };
                format!(r#"{{"id": {i}, "question": {{"en": "Q{i}?"}}, "category": "{cat}"}}"#)
            })
            .collect();
        let b = bank(&format!("{{\"questions\": [{}]}}", entries.join(",")), "en");
        let e = b.select(&b.suggested()).expect_err("too many");
        assert_eq!(
            e.reason,
            "70 questions are selected and a set holds at most 60: skip a category (or more) to bring it down. \
             Selected: Growth 40 as Future, Team 30 as Present"
        );
        assert_eq!(b.select(&mapping(&[("Growth", Some(Future))])).map(|v| v.len()), Ok(40));
    }

    #[test]
    fn a_bank_with_many_categories_gets_a_bounded_message() {
        let entries: Vec<String> =
            (0..5000).map(|i| format!(r#"{{"id": {i}, "question": {{"en": "Q{i}?"}}, "category": "C{i}"}}"#)).collect();
        let b = bank(&format!("{{\"questions\": [{}]}}", entries.join(",")), "en");
        assert_eq!(b.categories.len(), 5000);
        let all = b.categories.iter().map(|c| (c.name.clone(), Some(Past))).collect();
        let e = b.select(&all).expect_err("too many");
        assert!(e.reason.starts_with("5000 questions are selected"), "{e}");
        assert!(e.reason.ends_with("C19 1 as Past, and 4980 more categories"), "{e}");
    }

    #[test]
    fn json_syntax_errors_give_line_and_column() {
        let p = bank_err("{\n  \"questions\": [\n    {\"id\": 1,}\n  ]\n}");
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].kind, p[0].line), (ProblemAt::Line, 3));
        assert!(p[0].reason.starts_with("the file is not valid JSON (column 14): "), "{}", p[0].reason);
        assert!(!p[0].reason.contains("at line"), "{}", p[0].reason);
        let p = bank_err("{\"questions\": [");
        assert_eq!((p[0].kind, p[0].line), (ProblemAt::Line, 1));
        assert_eq!(bank_err("  \n"), vec![ImportProblem::file("the file is empty")]);
        assert_eq!(
            parse_question_bank(b"{\"questions\": [\"\xff\"]}", "en").expect_err("utf8")[0].kind,
            ProblemAt::Line
        );
    }

    #[test]
    fn the_top_level_must_hold_a_questions_list() {
        let cases = [
            ("[1, 2]", "expected a JSON object with a \"questions\" list, but the file holds a list"),
            ("\"text\"", "expected a JSON object with a \"questions\" list, but the file holds a string"),
            ("{\"languages\": [\"en\"]}", "the file has no \"questions\" list"),
            ("{\"questions\": {\"a\": 1}}", "\"questions\" must be a list of entries, but it is an object"),
            ("{\"questions\": null}", "\"questions\" must be a list of entries, but it is null"),
            ("{\"questions\": []}", "the bank's \"questions\" list is empty"),
        ];
        for (input, reason) in cases {
            assert_eq!(bank_err(input), vec![ImportProblem::file(reason)], "{input}");
        }
    }

    #[test]
    fn bad_entries_are_reported_by_entry_number_and_id() {
        let p = entry_problems(
            r#"
            {"id": 1, "question": {"en": "Fine?"}, "category": "A"},
            {"id": 2, "category": "A"},
            {"id": "x-3", "question": {"en": "Fine?", "ja_JP": "はい"}},
            {"id": 4, "question": {"en": 5}, "category": "A"},
            {"question": {"de": "Gut?"}, "category": "A"},
            7,
            {"id": 7, "question": "Plain?", "category": 3},
            {"id": 8, "question": {"en": "   "}, "category": " "},
            {"id": 9, "question": {"en": null}, "category": "A"}
            "#,
        );
        let got: Vec<(ProblemAt, u64, &str)> = p.iter().map(|p| (p.kind, p.line, p.reason.as_str())).collect();
        use ProblemAt::Entry;
        assert_eq!(
            got,
            [
                (Entry, 2, "entry 2 (id 2): no \"question\""),
                (Entry, 3, "entry 3 (id x-3): no \"category\""),
                (Entry, 4, "entry 4 (id 4): the \"en\" text is a number, not a string"),
                (Entry, 5, "entry 5: no \"en\" text (it has: de)"),
                (Entry, 6, "entry 6: expected an object with \"question\" and \"category\", but it is a number"),
                (
                    Entry,
                    7,
                    "entry 7 (id 7): \"question\" must be an object of texts by language, like {\"en\": \"...\"}, \
                     but it is a string"
                ),
                (Entry, 7, "entry 7 (id 7): \"category\" is a number, not a string"),
                (Entry, 8, "entry 8 (id 8): the \"en\" text has no question text"),
                (Entry, 8, "entry 8 (id 8): \"category\" is empty"),
                (Entry, 9, "entry 9 (id 9): the \"en\" text is null, not a string"),
            ]
        );
        assert_eq!(p[0].to_string(), "entry 2 (id 2): no \"question\"");
        let long = "z".repeat(501);
        let p = entry_problems(&format!(r#"{{"id": 1, "question": {{"en": "{long}"}}, "category": "A"}}"#));
        assert_eq!(p[0].reason, "entry 1 (id 1): the \"en\" text's question is 501 characters long; the limit is 500");
    }

    #[test]
    fn a_language_missing_everywhere_is_one_problem() {
        let p = parse_question_bank(BANK.as_bytes(), "de").expect_err("no de");
        assert_eq!(p, vec![ImportProblem::file("no question has a \"de\" text; this bank has: en, fr")]);
        let p = parse_question_bank(br#"{"questions": [{"question": {"en": "A"}, "category": "B"}]}"#, "de")
            .expect_err("no de");
        assert_eq!(p, vec![ImportProblem::file("no question has a \"de\" text; this bank has: en")]);
    }

    #[test]
    fn suggested_mappings_follow_keywords() {
        let cases = [
            ("Career development", Some(Future)),
            ("Job satisfaction", Some(Present)),
            ("Work-life", Some(Present)),
            ("Team and company", Some(Present)),
            ("Conversation starters", Some(Past)),
            ("About Manager", None),
            ("Other", None),
            ("GOALS", Some(Future)),
            ("Personal growth", Some(Future)),
            ("Work/Life balance", Some(Present)),
            ("Well-being", Some(Present)),
            ("Retrospective", Some(Past)),
            ("Reflection", Some(Past)),
            ("Icebreakers", Some(Past)),
            ("Current projects", Some(Present)),
            ("Past and future", Some(Future)),
            ("Steampast", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(suggested_mapping(name), expected, "{name}");
        }
    }

    #[test]
    fn problem_serialises_with_its_kind() {
        let p = ImportProblem { kind: ProblemAt::Entry, line: 3, reason: "entry 3: x".to_owned() };
        assert_eq!(serde_json::to_string(&p).expect("serialise"), r#"{"kind":"entry","line":3,"reason":"entry 3: x"}"#);
    }

    // ---- The real bank ----

    const REAL_BANK: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/external/vgraupera-1on1-questions/questions.json");

    fn real_bank() -> Option<Vec<u8>> {
        match std::fs::read(REAL_BANK) {
            Ok(bytes) => Some(bytes),
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("{REAL_BANK}: {e}"),
            Err(e) => {
                eprintln!("skipping the real question bank test: {REAL_BANK}: {e}");
                None
            }
        }
    }

    #[test]
    fn reads_the_real_bank() {
        let Some(bytes) = real_bank() else { return };
        let b = match parse_question_bank(&bytes, "en") {
            Ok(b) => b,
            Err(p) => panic!("{p:#?}"),
        };
        assert_eq!(b.len(), 325);
        let cats: Vec<(&str, usize)> = b.categories.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(
            cats,
            [
                ("About Manager", 45),
                ("Career development", 60),
                ("Conversation starters", 26),
                ("Job satisfaction", 62),
                ("Other", 9),
                ("Team and company", 83),
                ("Work-life", 40),
            ]
        );
        let suggested = b.suggested();
        assert_eq!(
            suggested,
            mapping(&[
                ("About Manager", None),
                ("Career development", Some(Future)),
                ("Conversation starters", Some(Past)),
                ("Job satisfaction", Some(Present)),
                ("Other", None),
                ("Team and company", Some(Present)),
                ("Work-life", Some(Present)),
            ])
        );
        let e = b.select(&suggested).expect_err("over the limit");
        assert!(e.reason.starts_with("271 questions are selected and a set holds at most 60: skip a category"), "{e}");
        assert!(e.reason.contains("Career development 60 as Future"), "{e}");

        let everything: BTreeMap<String, Option<Category>> =
            b.categories.iter().map(|c| (c.name.clone(), Some(Present))).collect();
        assert!(b.select(&everything).expect_err("all").reason.starts_with("325 questions are selected"));

        let career = b.select(&mapping(&[("Career development", Some(Future))])).expect("career");
        assert_eq!(career.len(), 60);
        assert!(career.iter().all(|q| q.category == Future));
        assert_eq!(
            career.iter().map(|q| q.text.as_str()).collect::<Vec<_>>(),
            b.texts("Career development").collect::<Vec<_>>()
        );

        let skipped: BTreeMap<String, Option<Category>> = b.categories.iter().map(|c| (c.name.clone(), None)).collect();
        assert!(b.select(&skipped).is_err());

        let ja = match parse_question_bank(&bytes, "ja_JP") {
            Ok(b) => b,
            Err(p) => panic!("{p:#?}"),
        };
        assert_eq!(ja.len(), 325);
        assert_eq!(ja.categories, b.categories);
        let other = ja.select(&mapping(&[("Other", Some(Past))])).expect("other");
        assert_eq!(other.len(), 9);
        assert!(other.iter().all(|q| !q.text.is_ascii()), "{other:?}");
        assert_eq!(
            parse_question_bank(&bytes, "fr").expect_err("no fr"),
            vec![ImportProblem::file("no question has a \"fr\" text; this bank has: en, ja_JP")]
        );
    }

    // ---- Properties ----

    const PIECES: &[&str] = &[
        "# ", "## ", "### ", "Past", "present", "FUTURE", "Later", "- ", "* ", "1. ", "2) ", "-", "  ", "\t", "\n",
        "\r\n", "\r", "text", "{window}", "é", "\u{7}", "#", "\u{feff}", "\u{2028}",
    ];

    fn sorted(problems: &[ImportProblem]) -> bool {
        !problems.is_empty() && problems.len() <= MAX_PROBLEMS + 1 && lines(problems).is_sorted()
    }

    /// Words that can never be read as a marker or heading when wrapped onto
    /// a continuation line.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z?,'éü日本]{1,12}",
            Just("{window}".to_owned()),
            Just("C#".to_owned()),
            Just("*really*".to_owned()),
        ]
    }

    fn question() -> impl Strategy<Value = (Category, Vec<String>)> {
        (prop::sample::select(Category::ALL.to_vec()), prop::collection::vec(word(), 1..12))
    }

    proptest! {
        #[test]
        fn markdown_never_panics_on_bytes(input in prop::collection::vec(any::<u8>(), 0..600)) {
            match parse_markdown(&input) {
                Ok(set) => prop_assert!(!set.questions.is_empty() && set.questions.len() <= MAX_QUESTIONS),
                Err(p) => prop_assert!(sorted(&p)),
            }
        }

        #[test]
        fn markdown_never_panics_on_markdownish_text(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..150)) {
            let input: String = pieces.concat();
            match parse_markdown(input.as_bytes()) {
                Ok(set) => {
                    prop_assert!(!set.questions.is_empty() && set.questions.len() <= MAX_QUESTIONS);
                    for q in &set.questions {
                        prop_assert_eq!(Question::new(q.category, &q.text), Ok(q.clone()));
                    }
                }
                Err(p) => prop_assert!(sorted(&p)),
            }
        }

        #[test]
        fn bank_never_panics_on_bytes(input in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Err(p) = parse_question_bank(&input, "en") {
                prop_assert!(sorted(&p));
            }
        }

        #[test]
        fn bank_never_panics_on_jsonish_text(
            pieces in prop::collection::vec(prop::sample::select(&[
                "{", "}", "[", "]", ",", ":", "\"questions\"", "\"question\"", "\"category\"", "\"en\"", "\"id\"",
                "\"A\"", "\"Q?\"", "1", "null", " ",
            ][..]), 0..80),
        ) {
            let input: String = pieces.concat();
            match parse_question_bank(input.as_bytes(), "en") {
                Ok(b) => {
                    prop_assert!(!b.is_empty());
                    prop_assert_eq!(b.categories.iter().map(|c| c.count).sum::<usize>(), b.len());
                    let all = b.categories.iter().map(|c| (c.name.clone(), Some(Past))).collect();
                    let chosen = b.select(&all);
                    prop_assert!(chosen.is_err() || chosen.is_ok_and(|v| !v.is_empty() && v.len() <= MAX_QUESTIONS));
                }
                Err(p) => prop_assert!(sorted(&p)),
            }
        }

        /// A generated file reads back as the questions it was built from,
        /// whatever the markers, line endings and wrapping.
        #[test]
        fn markdown_round_trips(
            name in proptest::option::of("[a-zA-Z ]{0,20}[a-zA-Z]"),
            questions in prop::collection::vec((question(), 0..3usize, 0..5usize), 1..=MAX_QUESTIONS),
            crlf in any::<bool>(),
            intro in any::<bool>(),
        ) {
            let expected: Vec<Question> = questions
                .iter()
                .map(|((c, words), _, _)| Question::new(*c, &words.join(" ")).expect("valid by construction"))
                .collect();
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut file = String::new();
            if let Some(name) = &name {
                file.push_str(&format!("# {name}{eol}"));
            }
            if intro {
                file.push_str(&format!("Some intro.{eol}  More intro.{eol}{eol}"));
            }
            let mut current = None;
            for (q, ((_, words), marker, wrap)) in expected.iter().zip(&questions) {
                if current != Some(q.category) {
                    file.push_str(&format!("{eol}## {}{eol}", q.category.label()));
                    current = Some(q.category);
                }
                let marker = ["-", "*", "+", "1.", "7)"][*marker % 5];
                file.push_str(marker);
                file.push(' ');
                // Wrap every `wrap + 1` words onto indented continuation lines.
                for (i, w) in words.iter().enumerate() {
                    if i > 0 {
                        if *wrap > 0 && i % (wrap + 1) == 0 {
                            file.push_str(eol);
                            file.push_str(if i % 2 == 0 { "   " } else { "\t" });
                        } else {
                            file.push(' ');
                        }
                    }
                    file.push_str(w);
                }
                file.push_str(eol);
            }
            let set = parse_markdown(file.as_bytes());
            prop_assert_eq!(
                set,
                Ok(ImportedSet { name: name.map(|n| fold(&n)).filter(|n| !n.is_empty()), questions: expected }),
                "{}",
                file
            );
        }
    }
}
