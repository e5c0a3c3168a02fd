//! Word lists for sentiment, negation, intensity, contrast, sarcasm and stop words.
//!
//! The VADER lexicon and the Snowball stop list are embedded data (see data/SOURCES.md); the
//! small rule lists below are written for this engine.

/// VADER sentiment lexicon (MIT): `TOKEN<TAB>MEAN<TAB>SD<TAB>RATINGS`.
pub(crate) const VADER: &str = include_str!("../data/vader_lexicon.txt");
/// Workplace additions and overrides: `word<TAB>valence`, `#` comments.
pub(crate) const EXTRA: &str = include_str!("../data/sentiment_extra.tsv");
/// Snowball English stop words (MIT collection), one per line.
pub(crate) const STOPWORDS: &str = include_str!("../data/stopwords_snowball.txt");

/// Words that negate what follows within a short window. Typo and apostrophe-less forms are
/// included because terse and non-native answers often drop the apostrophe.
pub(crate) const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "hardly", "barely", "scarcely", "nobody", "none", "neither", "nor", "cannot",
    "nothing", "noone", "dont", "cant", "wont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "havent",
    "hasnt", "hadnt", "couldnt", "shouldnt", "wouldnt", "aint", "rarely", "seldom", "nowhere",
];

/// Intensifiers (+) and dampeners (−): added to a sentiment word's magnitude.
pub(crate) const BOOSTERS: &[(&str, f32)] = &[
    ("very", 0.3),
    ("really", 0.3),
    ("so", 0.3),
    ("extremely", 0.4),
    ("incredibly", 0.4),
    ("totally", 0.3),
    ("absolutely", 0.4),
    ("completely", 0.3),
    ("utterly", 0.4),
    ("hugely", 0.4),
    ("super", 0.3),
    ("genuinely", 0.3),
    ("truly", 0.3),
    ("deeply", 0.3),
    ("massively", 0.4),
    ("properly", 0.2),
    ("such", 0.2),
    ("most", 0.2),
    ("quite", -0.1),
    ("slightly", -0.3),
    ("somewhat", -0.3),
    ("kinda", -0.3),
    ("fairly", -0.2),
    ("little", -0.3),
    ("bit", -0.3),
    ("partly", -0.3),
    ("mostly", -0.1),
];

/// Contrastive conjunctions: they close a negation scope and a clause, and the clause after
/// them carries more weight than the one before (as in VADER's "but" rule).
pub(crate) const CONTRAST: &[&str] =
    &["but", "however", "although", "though", "yet", "except", "whereas", "still", "anyway"];

/// Words which, at the very start of a sentence and followed by punctuation, mark likely
/// sarcasm ("Oh, ...", "Great, another ...").
pub(crate) const SARCASM_OPENERS: &[&str] = &[
    "oh",
    "ah",
    "wow",
    "great",
    "fantastic",
    "brilliant",
    "lovely",
    "yay",
    "super",
    "perfect",
    "marvellous",
    "wonderful",
    "splendid",
    "awesome",
];

/// Phrases that mark sarcasm anywhere in a sentence. They only flip sentiment when the
/// sentence also has positive words and a draining context (see engine).
pub(crate) const SARCASM_MARKERS: &[&str] = &[
    "just love",
    "just loving",
    "love how",
    "love it when",
    "love that we",
    "a joy",
    "such a joy",
    "what a joy",
    "pure joy",
    "so much fun",
    "such fun",
    "what fun",
    "loads of fun",
    "yay",
    "woohoo",
    "hooray",
    "living the dream",
    "can't wait for another",
    "cant wait for another",
    "nothing i love more",
    "nothing like",
    "my favourite part",
    "my favorite part",
    "thrilled",
    "thrilling",
    "riveting",
];

/// Words that make a draining context for sarcasm even without a theme cue.
pub(crate) const SARCASM_CONTEXT: &[&str] = &[
    "endless",
    "another",
    "yet another",
    "again",
    "more",
    "all due",
    "mandatory",
    "compulsory",
    "every single",
    "three versions",
    "due friday",
    "at 5pm",
    "at midnight",
    "on a friday",
    "on a sunday",
    "unpaid",
];

/// Phrases that make an answer evasive: no question-context theme is inferred from it.
pub(crate) const EVASIVE: &[&str] = &[
    "not sure",
    "don't know",
    "dont know",
    "dunno",
    "no idea",
    "pass",
    "hard to say",
    "n a",
    "nothing comes to mind",
    "ask me again",
    "can't think",
    "cant think",
    "no comment",
    "not really",
    "i'm not sure",
    "no answer",
    "skip",
];

/// Answer openings that deny the question ("Nothing, really", "Not much"), which inverts the
/// valence the question suggests: "What's draining you?" "Nothing, the team's great".
pub(crate) const DENIALS: &[&str] =
    &["nothing", "none", "not much", "not a lot", "honestly nothing", "nothing really", "not anything"];

/// Question words (stemmed on use) that mark a question about drains or setbacks.
pub(crate) const QUESTION_NEGATIVE: &[&str] = &[
    "drain",
    "draining",
    "setback",
    "setbacks",
    "frustrate",
    "frustrating",
    "difficult",
    "worst",
    "stress",
    "stressing",
    "challenge",
    "challenges",
    "struggle",
    "struggling",
    "wrong",
    "block",
    "blocking",
    "tired",
    "less",
    "stop",
    "annoy",
    "annoying",
    "hardest",
    "dislike",
    "worry",
];

/// Question words that mark a question about energy, pride or fulfilment.
pub(crate) const QUESTION_POSITIVE: &[&str] = &[
    "engaged",
    "proud",
    "fulfilling",
    "element",
    "enjoy",
    "best",
    "energise",
    "energize",
    "love",
    "favourite",
    "favorite",
    "motivate",
    "excite",
    "exciting",
    "happiest",
    "satisfying",
];

/// Question words that mark an aspiration (wish for the future).
pub(crate) const QUESTION_ASPIRATION: &[&str] =
    &["hope", "would", "like", "want", "future", "next", "expand", "more", "grow", "wish", "become"];

/// Generic words that make poor keyphrase material on their own (beyond stop words).
pub(crate) const KEYPHRASE_STOP: &[&str] = &[
    "thing",
    "things",
    "lot",
    "lots",
    "really",
    "just",
    "bit",
    "also",
    "actually",
    "honestly",
    "maybe",
    "like",
    "stuff",
    "kind",
    "sort",
    "way",
    "time",
    "times",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "quite",
    "pretty",
    "probably",
    "still",
    "even",
    "much",
    "many",
    "every",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "first",
    "last",
    "next",
    "new",
    "good",
    "great",
    "well",
    "right",
    "now",
    "get",
    "got",
    "getting",
    "make",
    "made",
    "think",
    "feel",
    "felt",
    "know",
    "want",
    "would",
    "could",
    "should",
    "i'd",
    "i'm",
    "it's",
    "that's",
    "we're",
    "i've",
    "don't",
    "didn't",
    "can't",
    "tbh",
    "lol",
    "ok",
    "okay",
    "yes",
    "yeah",
    "um",
    "uh",
    "sure",
    "already",
    "anything",
    "something",
    "everything",
    "nothing",
    "someone",
    "everyone",
    "nobody",
    "people",
    "person",
    "whole",
    "part",
    "since",
    "ago",
    "back",
    "around",
    "across",
    "go",
    "going",
    "went",
    "come",
    "came",
    "say",
    "said",
    "us",
    "let",
    "take",
    "took",
    "give",
    "see",
    "seeing",
    "tell",
    "told",
    "ask",
    "asked",
    "need",
    "needs",
    "keep",
    "keeps",
    "less",
    "least",
    "far",
    "else",
    "per",
    "via",
    "etc",
];

/// The practice's Past / Present / Future questions (shared/seed), in the wording the product
/// uses; their contexts are precomputed. Any other question is analysed on the fly.
pub(crate) const STANDARD_QUESTIONS: &[&str] = &[
    "Reflecting on the past six months, when have you felt most engaged?",
    "What have you been most proud of?",
    "What setbacks have mattered most to you?",
    "What aspect of your current work is most fulfilling?",
    "When do you feel like you are in your element?",
    "What's draining you right now?",
    "Where do you hope to become an expert?",
    "What aspect of our team's work would you like to expand?",
    "Where would you like more ownership?",
];
