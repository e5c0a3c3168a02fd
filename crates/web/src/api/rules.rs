//! What the API accepts, written into its OpenAPI document as JSON Schema:
//! the same rules the domain checks, so that a value the document allows is
//! one the server takes, and one it refuses is one the document forbids.
//!
//! Texts are trimmed (or have their runs of whitespace folded) before they
//! are checked, which JSON Schema cannot do: the patterns allow whitespace
//! around the text and count the characters of the text itself.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};

/// Unicode White_Space: what `str::trim` and `split_whitespace` remove.
const SPACE: &str = r"[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// Neither whitespace nor a control character: the first and last character of a trimmed text.
const EDGE: &str = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// Which characters a text may hold between its first and last.
#[derive(Clone, Copy)]
pub(crate) enum Inside {
    /// One line: no control characters at all (names, titles, labels).
    Line,
    /// Line breaks and tabs too, no other control characters (steps, notes, narratives).
    Lines,
    /// Runs of whitespace (line breaks and tabs included) become one space;
    /// no other control characters (question texts, theme names, cue phrases).
    Folded,
}

impl Inside {
    fn class(self) -> &'static str {
        match self {
            Inside::Line => r"[^\x00-\x1F\x7F-\x9F]",
            Inside::Lines => r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]",
            Inside::Folded => r"[^\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F]",
        }
    }
}

/// The pattern of a text: optional whitespace around it, a character other
/// than whitespace first and last (when `required`, at least one), and the
/// characters `inside` allows between, at most `max` in all once trimmed
/// (or folded) when a limit is given.
pub(crate) fn text_pattern(inside: Inside, required: bool, max: Option<usize>) -> String {
    let repeat = match max {
        Some(max) => format!("{{0,{}}}", max.saturating_sub(2)),
        None => "*".to_owned(),
    };
    let unit = match inside {
        // A run of whitespace counts as one character once folded. The
        // lookahead makes each run one unit, whole: without it a regular
        // expression engine that backtracks tries every way of cutting a
        // long run into pieces before it gives up.
        Inside::Folded => format!("(?:{SPACE}+(?={EDGE})|{EDGE})"),
        Inside::Line | Inside::Lines => inside.class().to_owned(),
    };
    let body = if max == Some(1) { EDGE.to_owned() } else { format!("{EDGE}(?:{unit}{repeat}{EDGE})?") };
    if required { format!("^{SPACE}*{body}{SPACE}*$") } else { format!("^{SPACE}*(?:{body})?{SPACE}*$") }
}

/// The longest limit written into a pattern: a longer repetition makes a
/// regular expression too large for validators to compile. Longer texts
/// count their length as sent (see [`foothold_domain::plan::check_long_text`]),
/// which `maxLength` says exactly.
const LONGEST_PATTERN_LIMIT: usize = 2_000;

fn string_type(nullable: bool) -> SchemaType {
    if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::Type(Type::String) }
}

/// A text of at most `max` characters, once trimmed (or folded).
pub(crate) fn text(max: usize, inside: Inside, required: bool, nullable: bool) -> ObjectBuilder {
    let what = match (required, inside) {
        (true, Inside::Line) => format!("One line of at most {max} characters, not blank."),
        (false, Inside::Line) => format!("One line of at most {max} characters."),
        (true, _) => format!("At most {max} characters, not blank."),
        (false, _) => format!("At most {max} characters."),
    };
    let b = ObjectBuilder::new().schema_type(string_type(nullable)).description(Some(what));
    if max <= LONGEST_PATTERN_LIMIT {
        b.pattern(Some(text_pattern(inside, required, Some(max))))
    } else {
        b.max_length(Some(max)).pattern(Some(text_pattern(inside, required, None)))
    }
}

/// One of `values`.
pub(crate) fn one_of(values: &[&str], nullable: bool) -> ObjectBuilder {
    let mut values: Vec<serde_json::Value> = values.iter().map(|v| (*v).into()).collect();
    if nullable {
        values.push(serde_json::Value::Null);
    }
    ObjectBuilder::new().schema_type(string_type(nullable)).enum_values(Some(values))
}

/// An e-mail address as [`foothold_domain::Email`] takes it: one `@`, a dotted
/// domain, no spaces, control characters or `<>()[],;:"\`.
pub(crate) fn email(nullable: bool) -> ObjectBuilder {
    const PART: &str = r#"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000<>()\[\],;:"\\@.]"#;
    const DOTTED: &str = r#"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000<>()\[\],;:"\\@]"#;
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .max_length(Some(254))
        .pattern(Some(format!("^{SPACE}*{PART}(?:{DOTTED}*{PART})?@{PART}+(?:\\.{PART}+)+{SPACE}*$")))
        .description(Some("An e-mail address, e.g. `kelly.moore@example.org`; compared without regard to case."))
}

/// A date that exists, `YYYY-MM-DD`: months of 30 and 31 days, and 29
/// February in leap years only.
const CALENDAR_DATE: &str = concat!(
    r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
);

/// A local date and time with no offset, `2026-12-01T14:00` (seconds allowed).
pub(crate) fn local_date_time(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .pattern(Some(format!("^{CALENDAR_DATE}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$")))
        .description(Some(
            "Local date and time in `time_zone`, e.g. `2026-12-01T14:00`. A time the clocks skip \
             (when they go forward) answers 422.",
        ))
}

/// An IANA time zone name.
pub(crate) fn time_zone(nullable: bool) -> ObjectBuilder {
    one_of(&chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect::<Vec<_>>(), nullable)
        .description(Some("IANA time zone name, e.g. `Europe/London`."))
}

/// A whole number from `min` to `max`.
pub(crate) fn integer(min: i64, max: i64, nullable: bool) -> ObjectBuilder {
    let t = if nullable { SchemaType::from_iter([Type::Integer, Type::Null]) } else { SchemaType::Type(Type::Integer) };
    ObjectBuilder::new().schema_type(t).minimum(Some(min)).maximum(Some(max))
}

/// A calendar date, `YYYY-MM-DD`.
pub(crate) fn date(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(string_type(nullable)).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
}

/// A calendar date, or the empty string (or only whitespace) for none.
pub(crate) fn date_or_empty() -> Schema {
    Schema::AnyOf(
        utoipa::openapi::schema::AnyOfBuilder::new()
            .item(date(false))
            .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(format!("^{SPACE}*$"))))
            .description(Some("`YYYY-MM-DD`, or empty for none."))
            .build(),
    )
}

/// A list of `item`s with at least `min`.
pub(crate) fn list(item: impl Into<RefOr<Schema>>, min: Option<usize>) -> ArrayBuilder {
    ArrayBuilder::new().items(utoipa::openapi::schema::ArrayItems::RefOrSchema(Box::new(item.into()))).min_items(min)
}

/// JSON Schema keywords utoipa has no builder for (`contains`), carried as
/// extensions, which are written into the document as they are.
fn keywords<const N: usize>(pairs: [(&str, serde_json::Value); N]) -> Option<utoipa::openapi::extensions::Extensions> {
    Some(utoipa::openapi::extensions::Extensions::from_iter(pairs))
}

/// A letter or digit anywhere: `char::is_alphanumeric` but for the few
/// combining marks Unicode counts as alphabetic, which test generators
/// cannot draw from.
const ALPHANUMERIC: &str = r"[\p{L}\p{N}]";

/// A suggestion's key: lower-case letters, digits, `-` and `_`.
pub(crate) fn key_pattern(max: usize) -> String {
    format!("^[a-z0-9_-]{{1,{max}}}$")
}

/// An organisation theme's id: a key of at most 40 characters that is not
/// one of the built-in themes' ids.
pub(crate) fn custom_theme_key() -> Schema {
    // Built-in ids are themselves such keys: nothing in them needs escaping.
    let builtin: Vec<String> = foothold_themes::Taxonomy::default_set().themes().iter().map(|t| t.id.clone()).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^(?!(?:{})$)[a-z0-9_-]{{1,40}}$", builtin.join("|"))))
        .description(Some("Lower-case letters, digits, `-` and `_`; not the id of a built-in theme."))
        .into()
}

/// Cue phrases: blank ones are ignored, each other needs a letter or digit, and one at least.
pub(crate) fn cue_phrases() -> ArrayBuilder {
    let blank = ObjectBuilder::new().schema_type(Type::String).pattern(Some(format!("^{SPACE}*$")));
    let phrase = ObjectBuilder::new().schema_type(Type::String).pattern(Some(ALPHANUMERIC)).build();
    let item = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(text_pattern(Inside::Folded, false, Some(80))))
        .build();
    let item = Schema::AllOf(
        utoipa::openapi::schema::AllOfBuilder::new()
            .item(item)
            .item(Schema::AnyOf(utoipa::openapi::schema::AnyOfBuilder::new().item(blank).item(phrase.clone()).build()))
            .build(),
    );
    list(item, Some(1))
        .max_items(Some(200))
        .description(Some(
            "At most 200 phrases of at most 80 characters, each with a letter or digit (blank ones are ignored).",
        ))
        .extensions(keywords([("contains", serde_json::to_value(phrase).unwrap_or_default())]))
}

/// Declares functions for `#[schema(schema_with = …)]`, which takes a path.
macro_rules! rule {
    ($($(#[$doc:meta])* $name:ident => $e:expr;)*) => {
        $(
            $(#[$doc])*
            pub(crate) fn $name() -> Schema {
                $e.into()
            }
        )*
    };
}

rule! {
    /// A person's name.
    name => text(200, Inside::Line, true, false);
    /// A person's name, or null to keep it.
    name_or_null => text(200, Inside::Line, true, true);
    /// A title or department.
    line_200 => text(200, Inside::Line, false, false);
    /// A title or department, or null.
    line_200_or_null => text(200, Inside::Line, false, true);
    /// A role's title.
    title => text(200, Inside::Line, true, false);
    /// An e-mail address.
    email_address => email(false);
    /// An e-mail address, or null to keep it.
    email_or_null => email(true);
    /// `member` or `admin`.
    role => one_of(&["member", "admin"], false);
    /// `member` or `admin`, or null.
    role_or_null => one_of(&["member", "admin"], true);
    /// A conversation's state.
    conversation_state => one_of(&["scheduled", "preparing", "shared", "held", "cancelled"], false);
    /// How the caller takes part in a conversation.
    conversation_part => one_of(&["report", "leader", "revoked_leader", "granted"], false);
    /// What a leader may set a conversation's state to.
    conversation_state_to => one_of(&["held", "cancelled"], true);
    /// When a conversation starts, local.
    starts_at_local => local_date_time(false);
    /// When a conversation starts, local, or null to keep it.
    starts_at_local_or_null => local_date_time(true);
    /// A time zone.
    zone => time_zone(false);
    /// A time zone, or null to keep it.
    zone_or_null => time_zone(true);
    /// A conversation's length in minutes.
    duration => integer(15, 240, false).description(Some("Minutes, 15 to 240."));
    /// A conversation's length in minutes, or null to keep it.
    duration_or_null => integer(15, 240, true).description(Some("Minutes, 15 to 240."));
    /// The reflection window in months.
    window => integer(1, 24, false).description(Some("How far back the Past questions look, 1 to 24 months."));
    /// The reflection window in months, or null to keep it.
    window_or_null => integer(1, 24, true).description(Some("How far back the Past questions look, 1 to 24 months."));
    /// A note to the report.
    conversation_note => ObjectBuilder::new().schema_type(Type::String).max_length(Some(2_000));
    /// A note to the report, or null to keep it.
    conversation_note_or_null => ObjectBuilder::new().schema_type(string_type(true)).max_length(Some(2_000));
    /// An answer or notes: any Unicode, kept byte for byte.
    reflection => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(foothold_domain::conversation::MAX_TEXT_CHARS))
        .description(Some("Any Unicode, up to 20,000 characters; kept byte for byte."));
    /// A question's category.
    category => one_of(&["past", "present", "future"], false);
    /// A suggestion's key.
    theme_key => ObjectBuilder::new().schema_type(Type::String).pattern(Some(key_pattern(60)));
    /// Two or more suggestions' keys.
    theme_keys => list(ObjectBuilder::new().schema_type(Type::String).pattern(Some(key_pattern(60))), Some(2));
    /// A theme's name.
    theme_label => text(crate::themes::MAX_LABEL_CHARS, Inside::Folded, true, false);
    /// A theme's name, or null.
    theme_label_or_null => text(crate::themes::MAX_LABEL_CHARS, Inside::Folded, true, true);
    /// Energising, draining, mixed, or not said.
    valence => one_of(&["+", "-", "mixed", ""], false)
        .description(Some("`+` energising, `-` draining, `mixed`, or empty when not said."));
    /// Energising, draining or mixed.
    valence_out => one_of(&["+", "-", "mixed"], false);
    /// The categories of a theme's evidence.
    categories => list(one_of(&["past", "present", "future"], false), None);
    /// A decision about a suggested theme.
    decision_status => one_of(&["confirmed", "dismissed"], false);
    /// An organisation theme's cue phrases.
    cues => cue_phrases();
    /// A calendar date.
    date_string => date(false);
    /// A calendar date, or null.
    date_or_null => date(true);
    /// A step's kind.
    step_kind => one_of(&foothold_domain::plan::StepKind::ALL.map(|k| k.as_str()), false);
    /// Where a step leads on the wall.
    direction => one_of(&["here", "up", "sideways", "down"], false);
    /// A step's status.
    step_status => one_of(&foothold_domain::plan::StepStatus::ALL.map(|k| k.as_str()), false);
    /// A step's status, or empty for `planned`.
    step_status_or_empty => {
        let mut all = foothold_domain::plan::StepStatus::ALL.map(|k| k.as_str()).to_vec();
        all.push("");
        one_of(&all, false)
    };
    /// What a step is.
    step_what => text(foothold_domain::plan::MAX_STEP_TEXT, Inside::Lines, true, false);
    /// A step's signal, support or progress note.
    step_text => text(foothold_domain::plan::MAX_STEP_TEXT, Inside::Lines, false, false);
    /// What changed at a check-in, or the year-end review.
    review_text => text(foothold_domain::plan::MAX_REVIEW_TEXT, Inside::Lines, false, false);
    /// A priority theme's name.
    plan_theme_label => text(120, Inside::Line, true, false);
    /// A priority theme's new name, or null to keep it.
    plan_theme_label_or_null => text(120, Inside::Line, true, true);
    /// Where a check-in stands.
    checkin_state => one_of(&["upcoming", "due", "overdue", "done"], false);
    /// Whether a plan runs.
    plan_state => one_of(&["active", "closed"], false);
    /// How the caller takes part in a plan.
    plan_part => one_of(&["owner", "leader"], false);
    /// What kind of difference.
    difference_change => one_of(&["added", "removed", "changed", "reordered"], false);
    /// What a difference is about.
    difference_subject => one_of(&["theme", "step", "plan"], false);
    /// A point in a plan's history.
    history_point => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{SPACE}*(?:start|now|\\+?0*[1-4])?{SPACE}*$")));
    /// A performance narrative or the member's comment.
    narrative => text(foothold_domain::engagement::MAX_NARRATIVE, Inside::Lines, false, false);
    /// A quarter.
    quarter => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{SPACE}*0*(?:20[0-9]{{2}}|21[0-9]{{2}}|2200)[- ][Qq][1-4]{SPACE}*$")))
        .description(Some("A quarter from 2000 to 2200, e.g. `2027-Q1`."));
    /// A question's text.
    question_text => text(foothold_domain::conversation::MAX_QUESTION_CHARS, Inside::Folded, true, false);
    /// A set's questions.
    questions => list(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("QuestionIo")), Some(1))
        .max_items(Some(foothold_domain::conversation::MAX_QUESTIONS));
    /// A question set's name.
    set_name => text(crate::question_sets::MAX_NAME_CHARS, Inside::Folded, true, false);
    /// A question set's name, or null.
    set_name_or_null => text(crate::question_sets::MAX_NAME_CHARS, Inside::Folded, true, true);
    /// Whose a set is.
    set_scope => one_of(&["builtin", "org", "personal"], false);
    /// Whose a new set is: `personal` when empty.
    new_set_scope => one_of(&["personal", "org", ""], false);
    /// A question file's format.
    import_format => one_of(&["markdown", "bank"], false);
    /// A category, or null.
    category_or_null => one_of(&["past", "present", "future"], true);
    /// Bank categories and where they go.
    mapping => ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .additional_properties(Some(one_of(&["past", "present", "future"], true)));
    /// What an audit entry records.
    audit_action => one_of(&["read", "change"], false);
    /// Whose data an audit entry is about.
    audit_subject => one_of(&["reflection", "notes", "performance_view", "settings", "person"], false);
    /// A group of people for insight.
    insight_group => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{SPACE}*(?:org|(?:dept|tree)-[+-]?[0-9]+)?{SPACE}*$")));
    /// A token's label.
    token_label => text(100, Inside::Line, true, false);
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use foothold_domain::conversation::{Category, Question};
    use foothold_domain::plan::{StepInput, check_long_text};
    use foothold_domain::{Email, Text};
    use proptest::prelude::*;

    use super::*;

    const MAX: usize = 5;

    /// Every pattern under test, compiled once: (inside, required, limit).
    /// The regex crate has no lookahead. Without it, the folded pattern
    /// accepts the same texts: cutting a run of whitespace into several units
    /// only uses more of the limit, so a text fits with some cut exactly when
    /// it fits with whole runs.
    fn without_lookahead(p: &str) -> String {
        p.replace(&format!("(?={EDGE})"), "")
    }

    /// (inside, required, limited) and the pattern for them.
    type Compiled = ((u8, bool, bool), regex::Regex);

    static PATTERNS: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
        let mut out = Vec::new();
        for (k, inside) in [(0, Inside::Line), (1, Inside::Lines), (2, Inside::Folded)] {
            for required in [true, false] {
                for limited in [true, false] {
                    let p = without_lookahead(&text_pattern(inside, required, limited.then_some(MAX)));
                    out.push(((k, required, limited), regex::Regex::new(&p).expect("a valid pattern")));
                }
            }
        }
        out
    });

    static EMAIL: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(&email(false).build().pattern.expect("a pattern")).expect("valid"));

    fn accepts(inside: u8, required: bool, limited: bool, s: &str) -> bool {
        PATTERNS.iter().find(|(k, _)| *k == (inside, required, limited)).expect("compiled").1.is_match(s)
    }

    /// Short strings that favour what the rules are about: whitespace of
    /// every kind, control characters, the e-mail separators, and letters.
    fn tricky() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            ' ',
            '\t',
            '\n',
            '\r',
            '\x0B',
            '\x0C',
            '\u{85}',
            '\u{A0}',
            '\u{2028}',
            '\u{3000}',
            '\u{1F}',
            '\u{7F}',
            '\u{9F}',
            '\0',
            '\u{1C}',
            '@',
            '.',
            '"',
            '<',
            ',',
            '\\',
            'a',
            'Z',
            '\u{e9}',
            '\u{1F600}',
        ]);
        prop::collection::vec(prop_oneof![3 => special, 1 => any::<char>()], 0..12)
            .prop_map(|cs| cs.into_iter().collect())
    }

    fn step(what: &str) -> bool {
        let input = StepInput {
            kind: "step_up".into(),
            what: what.into(),
            signal: String::new(),
            support: String::new(),
            target_quarter: 1,
            status: String::new(),
        };
        input.check().is_ok()
    }

    /// The rule of folded texts (question texts, theme and set names), with a limit.
    fn folded(s: &str, required: bool, max: usize) -> bool {
        let f = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!required || !f.is_empty()) && f.chars().count() <= max && !f.chars().any(char::is_control)
    }

    /// The trimmed rule of texts over several lines, with a limit.
    fn lines(s: &str, required: bool, max: usize) -> bool {
        let t = s.trim();
        (!required || !t.is_empty())
            && t.chars().count() <= max
            && !t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn the_patterns_accept_what_the_domain_accepts(s in tricky()) {
            for required in [true, false] {
                prop_assert_eq!(
                    accepts(0, required, true, &s), Text::single_line(&s, "f", MAX, required).is_ok(),
                    "line, required {}: {:?}", required, s
                );
                prop_assert_eq!(
                    accepts(0, required, false, &s), Text::single_line(&s, "f", 1000, required).is_ok(),
                    "line, required {}, no limit: {:?}", required, s
                );
                prop_assert_eq!(accepts(1, required, true, &s), lines(&s, required, MAX), "lines: {:?}", s);
                prop_assert_eq!(accepts(2, required, true, &s), folded(&s, required, MAX), "folded: {:?}", s);
                prop_assert_eq!(accepts(2, required, false, &s), folded(&s, required, 1000), "folded: {:?}", s);
            }
            prop_assert_eq!(accepts(1, true, false, &s), step(&s), "what of a step: {:?}", s);
            prop_assert_eq!(accepts(1, false, false, &s), check_long_text("f", &s).is_ok(), "review: {:?}", s);
            prop_assert_eq!(accepts(2, true, false, &s), Question::new(Category::Past, &s).is_ok(), "question: {:?}", s);
            prop_assert_eq!(EMAIL.is_match(&s), Email::parse(&s).is_ok(), "email: {:?}", s);
        }
    }

    #[test]
    fn the_email_pattern_takes_ordinary_addresses() {
        for ok in ["kelly.moore@meridian.example", " a@b.c ", "o'neill+x@mail.example.org", "zo\u{eb}@b\u{fc}ro.de"] {
            assert!(EMAIL.is_match(ok) && Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a@b", ".a@b.c", "a.@b.c", "a@.b.c", "a@b..c", "a b@c.d", "a@b@c.d", "@b.c", "a@b.c."] {
            assert!(!EMAIL.is_match(bad) && Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_count_the_text_itself() {
        let line = &PATTERNS.iter().find(|(k, _)| *k == (0, true, true)).expect("compiled").1;
        assert!(line.is_match(" \t abcde \n"));
        assert!(!line.is_match("abcdef"));
        let fold = &PATTERNS.iter().find(|(k, _)| *k == (2, true, true)).expect("compiled").1;
        assert!(fold.is_match("a  \n\t b   c"), "five once folded");
        assert!(!fold.is_match("a b c d"));
    }
}
