//! The analysis engine: precomputed tables and the per-answer pipeline.
//!
//! Pipeline per answer, each step one linear pass: tokenise → look up word info (sentiment,
//! negator, booster) and stem ids → match cue phrases → negation scopes → token sentiment with
//! boosters → sarcasm per sentence → clause and sentence sentiment → per-theme strength and
//! valence → question context. Then themes are aggregated over the answers and keyphrases
//! picked from what no cue covered.

use rust_stemmers::{Algorithm, Stemmer};

use crate::hash::FastMap;
use crate::keyphrase::{KeyphraseCollector, KpToken};
use crate::lexicon;
use crate::matcher::{Elem, Hit, Matcher, NONE, Target, TokIds};
use crate::stemfilter::{IRREGULAR, StemFilter};
use crate::taxonomy::{Negation, Taxonomy};
use crate::text::{Tokens, tokenize};
use crate::typo::{self, TypoIndex};
use crate::{Analysis, Answer, AnswerResult, AnswerTheme, Category, Evidence, ThemeSuggestion, Valence};

/// Detection threshold on the summed cue weight of a theme in one answer.
const THRESHOLD: f32 = 1.0;
/// Strength a question gives its implied theme (e.g. craft for "become an expert").
const QUESTION_THEME_PRIOR: f32 = 1.0;
/// At most this many themes per answer: labelled answers have one to three.
const MAX_THEMES_PER_ANSWER: usize = 3;
/// Valence bias of Future answers (aspirations are +).
const FUTURE_PRIOR: f32 = 1.0;
/// Share of a cue's weight that each repetition of the same phrase adds.
const REPEAT_SHARE: f32 = 0.25;
/// Least strength of a theme whose valence opposes the answer's strongest theme.
const OPPOSITE_MIN: f32 = 2.0;
/// Themes weaker than this share of the answer's strongest theme are dropped.
const RELATIVE_CUT: f32 = 0.4;
/// Negation scope in words after the negator (stops earlier at clause ends and "but").
const NEG_WINDOW: u8 = 4;
/// VADER-style scaling of a negated sentiment word.
const NEG_SCALE: f32 = -0.74;
/// Sentiment normalisation constant: x / sqrt(x² + α).
const NORM_ALPHA: f32 = 15.0;
/// Longest evidence quote in words: the cue's clause, or a window around the cue.
const MAX_QUOTE_WORDS: usize = 20;
/// Longest text analysed per answer; longer texts are cut at a char boundary, because
/// offsets are u32 and nobody writes a 64 MiB answer on purpose.
const MAX_TEXT: usize = 64 << 20;

const F_NEGATOR: u8 = 1;
const F_CONTRAST: u8 = 2;
const F_STOP: u8 = 4;
const F_OPENER: u8 = 8;
const F_LIKE: u8 = 16;
const F_KPSTOP: u8 = 32;

#[derive(Debug, Clone, Copy)]
struct WordInfo {
    stem: u32,
    surface: u32,
    valence: f32,
    booster: f32,
    flags: u8,
}

#[derive(Debug, Clone)]
struct ThemeInfo {
    id: String,
    label: String,
    prior: f32,
    negation: Negation,
}

/// A compiled taxonomy plus lexicons, ready to analyse answers. Build once, share freely
/// (`Engine` is `Send + Sync`; analysis takes `&self`).
pub struct Engine {
    themes: Vec<ThemeInfo>,
    words: FastMap<Box<str>, WordInfo>,
    stems: FastMap<Box<str>, u32>,
    /// Skips stemming words that cannot reach any cue stem.
    stem_filter: StemFilter,
    /// Cue words by spelling, for reading a one-letter typo of a long cue word.
    typos: TypoIndex,
    /// Word infos the typo index refers to.
    typo_infos: Vec<WordInfo>,
    cues: Matcher,
    questions: Matcher,
    stemmer: Stemmer,
    /// Contexts of the practice's standard questions, so a conversation that uses them does
    /// not re-analyse nine questions per call.
    known_questions: FastMap<Box<str>, QuestionContext>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("themes", &self.themes.len())
            .field("patterns", &self.cues.patterns.len())
            .field("words", &self.words.len())
            .finish()
    }
}

/// Builds id tables while compiling phrases.
struct Builder {
    stemmer: Stemmer,
    ids: FastMap<Box<str>, u32>,
    exact: Vec<String>,
    /// Lowercased words of stemmed cue phrases, as written.
    surfaces: Vec<String>,
    scratch: Tokens,
}

impl Builder {
    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(key.into(), id);
        id
    }

    /// Parse one cue in the mini-syntax; returns (elements, weight, polarity).
    fn parse_cue(&mut self, cue: &str, syntax: bool) -> (Vec<Elem>, f32, i8) {
        let mut s = cue.trim();
        let mut weight = 1.0;
        let mut polarity = 0i8;
        if syntax {
            loop {
                if let Some(r) = s.strip_prefix('~') {
                    weight = 0.5;
                    s = r;
                } else if let Some(r) = s.strip_prefix('-') {
                    polarity = -1;
                    s = r;
                } else if let Some(r) = s.strip_prefix('+') {
                    polarity = 1;
                    s = r;
                } else {
                    break;
                }
            }
        }
        let mut elems = Vec::new();
        for chunk in s.split_whitespace() {
            if syntax && chunk == "*" {
                elems.push(Elem::Any);
            } else if syntax && chunk == ".." {
                elems.push(Elem::Gap);
            } else if let Some(w) = chunk.strip_prefix('=').filter(|_| syntax) {
                tokenize(w, &mut self.scratch);
                for i in 0..self.scratch.tokens.len() {
                    let lower = self.scratch.lower(i).to_string();
                    let id = self.intern(&format!("={lower}"));
                    self.exact.push(lower);
                    elems.push(Elem::Word(id));
                }
            } else {
                tokenize(chunk, &mut self.scratch);
                for i in 0..self.scratch.tokens.len() {
                    let lower = self.scratch.lower(i).to_string();
                    let stem = self.stemmer.stem(&lower).into_owned();
                    elems.push(Elem::Word(self.intern(&stem)));
                    self.surfaces.push(lower);
                }
            }
        }
        (elems, weight, polarity)
    }
}

impl Engine {
    /// Compile a taxonomy: stem every cue, build the phrase index and word tables. All the
    /// costly work happens here, so that analysis is a few table look-ups per word.
    pub fn new(taxonomy: Taxonomy) -> Engine {
        let mut b = Builder {
            stemmer: Stemmer::create(Algorithm::English),
            ids: FastMap::default(),
            exact: Vec::new(),
            surfaces: Vec::new(),
            scratch: Tokens::default(),
        };
        let mut cues = Matcher::default();
        let mut dedup = FastMap::default();
        let n_default = Taxonomy::default_set().themes().len();
        let mut themes = Vec::new();
        for (ti, t) in taxonomy.themes().iter().enumerate() {
            // Custom themes (after the defaults) use plain phrases, never the mini-syntax.
            let syntax = ti < n_default;
            themes.push(ThemeInfo { id: t.id.clone(), label: t.label.clone(), prior: t.prior, negation: t.negation });
            for cue in t.cues.iter().chain(t.implicit.iter()) {
                let (elems, weight, polarity) = b.parse_cue(cue, syntax);
                cues.add(elems, Target::Theme { theme: ti as u16, weight, polarity }, cue, &mut dedup);
            }
        }
        let specials: [(&[&str], Target); 4] = [
            (lexicon::SARCASM_MARKERS, Target::Sarcasm),
            (lexicon::SARCASM_CONTEXT, Target::SarcasmContext),
            (lexicon::EVASIVE, Target::Evasive),
            (lexicon::DENIALS, Target::Denial),
        ];
        for blocker in taxonomy.blockers() {
            let (elems, _, _) = b.parse_cue(blocker, true);
            cues.add(elems, Target::Block, blocker, &mut dedup);
        }
        for (list, target) in specials {
            for phrase in list {
                let (elems, _, _) = b.parse_cue(phrase, false);
                cues.add(elems, target, phrase, &mut dedup);
            }
        }
        let mut questions = Matcher::default();
        let mut qdedup = FastMap::default();
        for (ti, t) in taxonomy.themes().iter().enumerate() {
            for q in &t.question_cues {
                let (elems, _, _) = b.parse_cue(q, false);
                let target = Target::Theme { theme: ti as u16, weight: QUESTION_THEME_PRIOR, polarity: 0 };
                questions.add(elems, target, q, &mut qdedup);
            }
        }
        let qlists: [(&[&str], Target); 3] = [
            (lexicon::QUESTION_NEGATIVE, Target::QuestionNegative),
            (lexicon::QUESTION_POSITIVE, Target::QuestionPositive),
            (lexicon::QUESTION_ASPIRATION, Target::QuestionAspiration),
        ];
        for (list, target) in qlists {
            for phrase in list {
                let (elems, _, _) = b.parse_cue(phrase, false);
                questions.add(elems, target, phrase, &mut qdedup);
            }
        }

        // Word table: every word with sentiment, a grammatical role, or an exact-form cue.
        let mut words: FastMap<Box<str>, WordInfo> = FastMap::default();
        let entry = |w: &str, b: &mut Builder| -> WordInfo {
            let stem = b.stemmer.stem(w);
            let stem_id = b.ids.get(stem.as_ref()).copied().unwrap_or(NONE);
            let surface = b.ids.get(format!("={w}").as_str()).copied().unwrap_or(NONE);
            WordInfo { stem: stem_id, surface, valence: 0.0, booster: 0.0, flags: 0 }
        };
        let mut upsert = |w: &str, b: &mut Builder, f: &mut dyn FnMut(&mut WordInfo)| {
            let w = w.trim().to_lowercase();
            if w.is_empty() || w.contains(char::is_whitespace) {
                return;
            }
            if !words.contains_key(w.as_str()) {
                let e = entry(&w, b);
                words.insert(w.clone().into(), e);
            }
            if let Some(e) = words.get_mut(w.as_str()) {
                f(e);
            }
        };
        for line in lexicon::VADER.lines() {
            let mut parts = line.split('\t');
            if let (Some(w), Some(v)) = (parts.next(), parts.next())
                && let Ok(v) = v.trim().parse::<f32>()
            {
                upsert(w, &mut b, &mut |e| e.valence = v);
            }
        }
        for line in lexicon::EXTRA.lines().filter(|l| !l.starts_with('#')) {
            let mut parts = line.split('\t');
            if let (Some(w), Some(v)) = (parts.next(), parts.next())
                && let Ok(v) = v.trim().parse::<f32>()
            {
                upsert(w, &mut b, &mut |e| e.valence = v);
            }
        }
        for w in lexicon::STOPWORDS.lines() {
            upsert(w, &mut b, &mut |e| e.flags |= F_STOP | F_KPSTOP);
        }
        for w in lexicon::KEYPHRASE_STOP {
            upsert(w, &mut b, &mut |e| e.flags |= F_KPSTOP);
        }
        for w in lexicon::NEGATORS {
            upsert(w, &mut b, &mut |e| e.flags |= F_NEGATOR);
        }
        for w in lexicon::CONTRAST {
            upsert(w, &mut b, &mut |e| e.flags |= F_CONTRAST);
        }
        for w in lexicon::SARCASM_OPENERS {
            upsert(w, &mut b, &mut |e| e.flags |= F_OPENER);
        }
        for (w, v) in lexicon::BOOSTERS {
            upsert(w, &mut b, &mut |e| e.booster = *v);
        }
        upsert("like", &mut b, &mut |e| e.flags |= F_LIKE);
        for w in IRREGULAR {
            upsert(w, &mut b, &mut |_| {});
        }
        // Cue words and their usual inflections, so that the commonest content words are one
        // table look-up rather than a stemming call ("shifts", "designed", "teaching").
        let mut surfaces = std::mem::take(&mut b.surfaces);
        surfaces.sort();
        surfaces.dedup();
        for w in &surfaces {
            for form in inflect(w) {
                let known = b.ids.contains_key(b.stemmer.stem(&form).as_ref());
                if known {
                    upsert(&form, &mut b, &mut |_| {});
                }
            }
        }
        for w in std::mem::take(&mut b.exact) {
            upsert(&w, &mut b, &mut |_| {});
        }
        // Contractions ending in n't negate: "don't", "isn't", "won't".
        let contractions: Vec<Box<str>> = words.keys().filter(|k| k.ends_with("n't")).cloned().collect();
        for k in contractions {
            if let Some(e) = words.get_mut(&k) {
                e.flags |= F_NEGATOR;
            }
        }
        let stems = b.ids;
        let stem_filter = StemFilter::new(stems.keys().filter(|k| !k.starts_with('=')).map(|k| &**k));
        // Typo fallback vocabulary: cue words and inflections (they carry a stem or exact-form id).
        let mut typo_infos = Vec::new();
        let mut vocab = Vec::new();
        // Only words as written in cues: generated inflections may not be words at all.
        for k in &surfaces {
            if let Some(w) = words.get(k.as_str())
                && (w.stem != NONE || w.surface != NONE)
                && k.len() >= typo::MIN_LEN - 1
            {
                vocab.push((Box::from(k.as_str()), typo_infos.len() as u32));
                typo_infos.push(*w);
            }
        }
        let typos = TypoIndex::new(vocab);
        let mut engine = Engine {
            themes,
            words,
            stems,
            stem_filter,
            typos,
            typo_infos,
            cues,
            questions,
            stemmer: b.stemmer,
            known_questions: FastMap::default(),
        };
        let mut scratch = Scratch::default();
        let known = lexicon::STANDARD_QUESTIONS
            .iter()
            .map(|q| (Box::from(*q), engine.question_context(q, &mut scratch)))
            .collect();
        engine.known_questions = known;
        engine
    }

    /// Theme ids in taxonomy order.
    pub fn theme_ids(&self) -> impl Iterator<Item = &str> {
        self.themes.iter().map(|t| t.id.as_str())
    }

    /// Look up a word (lowercased) for its ids, sentiment and flags.
    #[inline]
    fn word(&self, lower: &str) -> WordInfo {
        if let Some(w) = self.words.get(lower) {
            return *w;
        }
        let mut info = WordInfo { stem: NONE, surface: NONE, valence: 0.0, booster: 0.0, flags: 0 };
        if lower.ends_with("n't") {
            info.flags |= F_NEGATOR;
        }
        if self.stem_filter.may_match(lower) {
            let stem = self.stemmer.stem(lower);
            if let Some(&id) = self.stems.get(stem.as_ref()) {
                info.stem = id;
                return info;
            }
        }
        if lower.len() >= typo::MIN_LEN
            && let Some(i) = self.typos.lookup(lower)
        {
            return self.typo_infos[i as usize];
        }
        info
    }

    /// Which cue phrases match in `text`, with their themes, for explaining a suggestion
    /// ("why craft?") and for tuning the taxonomy. Spans are byte ranges on char boundaries.
    pub fn explain(&self, text: &str) -> Vec<CueMatch> {
        let text = cap_text(text);
        let mut s = Scratch::default();
        self.prepare(text, &mut s);
        s.hits.clear();
        self.cues.find(&s.ids, &mut s.hits);
        let mut out = Vec::new();
        for h in &s.hits {
            let p = &self.cues.patterns[h.pattern as usize];
            let start = s.toks.tokens[h.start as usize].start as usize;
            let end = s.toks.tokens[h.end as usize - 1].end as usize;
            for t in &p.targets {
                if let Target::Theme { theme, weight, polarity } = *t {
                    out.push(CueMatch {
                        theme: self.themes[theme as usize].id.clone(),
                        cue: p.source.clone(),
                        start,
                        end,
                        weight,
                        polarity,
                    });
                }
            }
        }
        out
    }

    /// Analyse one person's answers.
    pub fn analyze(&self, answers: &[Answer]) -> Analysis {
        let mut scratch = Scratch::default();
        let mut kp = KeyphraseCollector::default();
        let mut qcache: Vec<(&str, QuestionContext)> = Vec::new();
        let mut per_answer: Vec<AnswerResult> = Vec::with_capacity(answers.len());
        let mut found: Vec<Found> = Vec::new();
        for (ai, answer) in answers.iter().enumerate() {
            let known = self.known_questions.get(answer.question.as_str());
            let q = match qcache.iter().find(|(s, _)| *s == answer.question) {
                Some((_, q)) => q.clone(),
                None if known.is_some() => known.cloned().unwrap_or_default(),
                None => {
                    let q = self.question_context(&answer.question, &mut scratch);
                    qcache.push((answer.question.as_str(), q.clone()));
                    q
                }
            };
            let text = cap_text(&answer.text);
            let themes = self.analyze_text(text, answer.category, &q, &mut scratch, ai, &mut kp);
            let mut res =
                AnswerResult { answer: ai, category: answer.category, themes: Vec::with_capacity(themes.len()) };
            for th in themes {
                res.themes.push(AnswerTheme {
                    theme: self.themes[th.theme].id.clone(),
                    valence: th.valence,
                    strength: th.strength,
                });
                found.push((ai, th.theme, th.valence, th.strength, th.span));
            }
            per_answer.push(res);
        }

        // Aggregate per theme, in taxonomy order; sorted by score below.
        let mut suggestions = Vec::new();
        for (ti, info) in self.themes.iter().enumerate() {
            let mine: Vec<_> = found.iter().filter(|f| f.1 == ti).collect();
            if mine.is_empty() {
                continue;
            }
            // Categories as a bit set (Past, Present, Future): no tree allocation per theme.
            let mask = mine.iter().fold(0u8, |m, f| m | (1 << answers[f.0].category as u8));
            let cats: Vec<Category> = [Category::Past, Category::Present, Category::Future]
                .into_iter()
                .filter(|c| mask & (1 << *c as u8) != 0)
                .collect();
            let base: f32 = mine.iter().map(|f| f.3.min(2.0)).sum();
            // A theme that recurs across Past, Present and Future is a stronger signal than
            // the same count of mentions in one category.
            let score = base * (1.0 + 0.35 * (cats.len() as f32 - 1.0));
            let pos = mine.iter().filter(|f| f.2 == Valence::Positive).count() as f32;
            let share = pos / mine.len() as f32;
            let valence = if share >= 0.66 {
                Valence::Positive
            } else if share <= 0.34 {
                Valence::Negative
            } else {
                Valence::Mixed
            };
            let evidence = mine
                .iter()
                .map(|f| {
                    let text = cap_text(&answers[f.0].text);
                    let (s, e) = f.4;
                    Evidence { answer: f.0, start: s, end: e, quote: text[s..e].to_string(), valence: f.2 }
                })
                .collect();
            suggestions.push(ThemeSuggestion {
                theme: info.id.clone(),
                label: info.label.clone(),
                score: (score * 1000.0).round() / 1000.0,
                valence,
                categories: cats,
                evidence,
            });
        }
        suggestions.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.theme.cmp(&b.theme)));
        Analysis { themes: suggestions, keyphrases: kp.finish(5), answers: per_answer }
    }

    fn question_context(&self, question: &str, s: &mut Scratch) -> QuestionContext {
        let mut q = QuestionContext::default();
        self.prepare(cap_text(question), s);
        s.hits.clear();
        self.questions.find(&s.ids, &mut s.hits);
        for h in &s.hits {
            for t in &self.questions.patterns[h.pattern as usize].targets {
                match *t {
                    Target::Theme { theme, .. } if !q.themes.contains(&(theme as usize)) => {
                        q.themes.push(theme as usize);
                    }
                    Target::QuestionNegative => q.negative = true,
                    Target::QuestionPositive => q.positive = true,
                    Target::QuestionAspiration => q.aspiration = true,
                    _ => {}
                }
            }
        }
        q
    }

    /// Tokenise and look up ids and word info.
    fn prepare(&self, text: &str, s: &mut Scratch) {
        tokenize(text, &mut s.toks);
        s.ids.clear();
        s.info.clear();
        for i in 0..s.toks.tokens.len() {
            let w = self.word(s.toks.lower(i));
            s.ids.push(TokIds { stem: w.stem, surface: w.surface, clause: s.toks.tokens[i].clause });
            s.info.push(w);
        }
    }

    fn analyze_text(
        &self,
        text: &str,
        category: Category,
        q: &QuestionContext,
        s: &mut Scratch,
        answer_index: usize,
        kp: &mut KeyphraseCollector,
    ) -> Vec<FoundTheme> {
        self.prepare(text, s);
        let n = s.toks.tokens.len();
        s.hits.clear();
        self.cues.find(&s.ids, &mut s.hits);

        // Negation scopes.
        s.negated.clear();
        s.negated.resize(n, false);
        s.scope.clear();
        s.scope.resize(n, Scope::Plain);
        let mut left = 0u8;
        let mut scope_clause = u32::MAX;
        let mut kind = Scope::Plain;
        for i in 0..n {
            let tok = s.toks.tokens[i];
            let f = s.info[i].flags;
            if f & F_CONTRAST != 0 || tok.clause != scope_clause {
                left = 0;
            }
            // "rather than X" and "instead of X" deny X as surely as "not X".
            let pair_negator =
                i > 0 && matches!((s.toks.lower(i - 1), s.toks.lower(i)), ("rather", "than") | ("instead", "of"));
            if f & F_NEGATOR != 0 || pair_negator {
                left = NEG_WINDOW;
                scope_clause = tok.clause;
                kind = if pair_negator { Scope::Alternative } else { Scope::Plain };
                if !pair_negator {
                    match stance_after(&s.toks, i) {
                        // "I don't mind X" accepts X: no negation at all.
                        Some((_, true)) => left = 0,
                        // "don't want / not interested in / don't miss X": an attitude against X.
                        Some((skip, false)) => {
                            left = NEG_WINDOW + skip;
                            kind = Scope::Stance;
                        }
                        None if deprivation_at(&s.toks, i) => kind = Scope::Deprived,
                        None => {}
                    }
                }
                continue;
            }
            // "less X", "fewer X": wanting less of something is a stance against it.
            if reducer_at(&s.toks, i) {
                left = NEG_WINDOW - 1;
                scope_clause = tok.clause;
                kind = Scope::Stance;
                continue;
            }
            if left > 0 {
                s.negated[i] = true;
                s.scope[i] = kind;
                left -= 1;
            }
        }
        // "X isn't for me", "X doesn't appeal", "X was never my thing": the negation comes
        // after what it denies, so the words before it in the clause get a stance scope.
        for i in 1..n {
            if s.info[i].flags & F_NEGATOR == 0 || !post_stance_at(&s.toks, i) {
                continue;
            }
            let clause = s.toks.tokens[i].clause;
            let mut k = i;
            while k > 0 && s.toks.tokens[k - 1].clause == clause && s.info[k - 1].flags & F_CONTRAST == 0 {
                k -= 1;
                if s.scope[k] == Scope::Plain && !s.negated[k] {
                    s.negated[k] = true;
                    s.scope[k] = Scope::Stance;
                }
            }
        }
        // "went from X to Y": X is the state left behind, so a drain named in X ("barely
        // speaking", "900 open tickets") describes an improvement, and a negator inside X
        // does not deny the theme.
        for i in 0..n {
            if s.toks.lower(i) != "from" {
                continue;
            }
            let sent = s.toks.tokens[i].sentence;
            let end = (i + 2..(i + 8).min(n))
                .take_while(|&j| s.toks.tokens[j].sentence == sent)
                .find(|&j| matches!(s.toks.lower(j), "to" | "into"));
            if let Some(end) = end {
                for k in i + 1..end {
                    s.scope[k] = Scope::LeftBehind;
                    s.negated[k] = false;
                }
            }
        }

        // Token sentiment with boosters, "like" as a verb only, and negation.
        s.sent.clear();
        for i in 0..n {
            let w = s.info[i];
            let mut v = w.valence;
            if w.flags & F_LIKE != 0 {
                // "like" is a preposition far more often than a feeling ("feel like a
                // vending machine"); count it only after a subject or "would".
                let prev = if i > 0 { s.toks.lower(i - 1) } else { "" };
                let verb = matches!(
                    prev,
                    "i" | "we"
                        | "you"
                        | "they"
                        | "would"
                        | "i'd"
                        | "we'd"
                        | "really"
                        | "do"
                        | "also"
                        | "still"
                        | "'d"
                        | "d"
                ) || prev.ends_with("'d");
                if !verb {
                    v = 0.0;
                }
            }
            if v != 0.0 {
                for back in 1..=2 {
                    if i >= back && s.toks.tokens[i - back].clause == s.toks.tokens[i].clause {
                        let b = s.info[i - back].booster;
                        if b != 0.0 {
                            v += b * v.signum() * (if back == 1 { 1.0 } else { 0.9 });
                        }
                    }
                }
                if s.scope[i] == Scope::Alternative {
                    // The road not taken ("instead of sending a help article") says nothing
                    // about how the person feels.
                    v = 0.0;
                } else if s.scope[i] == Scope::Stance && v < 0.0 && is_stance_word(s.toks.lower(i)) {
                    // "don't miss X" is relief about X being gone, not praise of X.
                    v = 0.0;
                } else if s.negated[i] {
                    v *= NEG_SCALE;
                }
            }
            s.sent.push(v);
        }

        // Per-hit bookkeeping for sarcasm: which sentences have markers and draining context.
        let nsent = s.toks.sentences.len();
        s.sarc_marker.clear();
        s.sarc_marker.resize(nsent, false);
        s.sarc_context.clear();
        s.sarc_context.resize(nsent, false);
        let mut evasive = false;
        let mut denial = false;
        for h in &s.hits {
            let sent = s.toks.tokens[h.start as usize].sentence as usize;
            for t in &self.cues.patterns[h.pattern as usize].targets {
                match *t {
                    Target::Sarcasm => s.sarc_marker[sent] = true,
                    Target::SarcasmContext => s.sarc_context[sent] = true,
                    Target::Theme { theme, polarity, .. }
                        if polarity < 0 || self.themes[theme as usize].prior < 0.0 =>
                    {
                        s.sarc_context[sent] = true;
                    }
                    Target::Evasive => evasive = true,
                    Target::Denial if h.start == 0 => denial = true,
                    _ => {}
                }
            }
        }
        // Openers ("Oh, ...") and scare quotes around a positive word.
        for i in 0..n {
            let tok = s.toks.tokens[i];
            let sent = tok.sentence as usize;
            let first_in_sentence = i == 0 || s.toks.tokens[i - 1].sentence != tok.sentence;
            if first_in_sentence
                && s.info[i].flags & F_OPENER != 0
                && s.toks.tokens.get(i + 1).is_some_and(|nx| nx.clause != tok.clause)
            {
                s.sarc_marker[sent] = true;
            }
            if tok.quote_open {
                for j in i..(i + 3).min(n) {
                    let tj = s.toks.tokens[j];
                    if tj.sentence != tok.sentence {
                        break;
                    }
                    if tj.quote_close {
                        if (i..=j).any(|k| s.sent[k] > 0.5) {
                            s.sarc_marker[sent] = true;
                        }
                        break;
                    }
                }
            }
        }
        // Flip positive words in sarcastic sentences: praise of a drain is a complaint.
        s.sent_sum.clear();
        s.sent_sum.resize(nsent, 0.0);
        s.sent_pos.clear();
        s.sent_pos.resize(nsent, false);
        for i in 0..n {
            if s.sent[i] > 0.0 {
                s.sent_pos[s.toks.tokens[i].sentence as usize] = true;
            }
        }
        for i in 0..n {
            let sent = s.toks.tokens[i].sentence as usize;
            if s.sarc_marker[sent] && s.sarc_context[sent] && s.sent_pos[sent] && s.sent[i] > 0.0 {
                s.sent[i] = -s.sent[i];
            }
        }

        // Clause and sentence sentiment; after a contrast word counts 1.5x, before it 0.5x.
        let nclause = s.toks.tokens.last().map_or(0, |t| t.clause as usize + 1);
        s.clause_sum.clear();
        s.clause_sum.resize(nclause, 0.0);
        let mut i = 0;
        while i < n {
            let sent = s.toks.tokens[i].sentence;
            let mut j = i;
            let mut contrast_at = None;
            while j < n && s.toks.tokens[j].sentence == sent {
                if contrast_at.is_none() && s.info[j].flags & F_CONTRAST != 0 && j > i {
                    contrast_at = Some(j);
                }
                j += 1;
            }
            let mut total = 0.0;
            for k in i..j {
                let wgt = match contrast_at {
                    Some(c) if k < c => 0.5,
                    Some(_) => 1.5,
                    None => 1.0,
                };
                total += s.sent[k] * wgt;
                // Clause sums stay unweighted; contrast already splits clauses by meaning.
                s.clause_sum[s.toks.tokens[k].clause as usize] += s.sent[k];
            }
            let ex = s.toks.sentences[sent as usize].exclaims.min(3) as f32;
            s.sent_sum[sent as usize] = total * (1.0 + 0.1 * ex);
            i = j;
        }
        // A contrast word splits the clause for sentiment purposes: recompute sums for the
        // part of the clause after it so "I love the autonomy, but I miss ..." reads right.
        s.tok_clause_sent.clear();
        s.tok_clause_sent.resize(n, 0.0);
        {
            let mut start = 0;
            while start < n {
                let c = s.toks.tokens[start].clause;
                let mut end = start;
                while end < n && s.toks.tokens[end].clause == c {
                    end += 1;
                }
                let mut seg = start;
                while seg < end {
                    let mut seg_end = seg + 1;
                    while seg_end < end && s.info[seg_end].flags & F_CONTRAST == 0 {
                        seg_end += 1;
                    }
                    let sum: f32 = s.sent[seg..seg_end].iter().sum();
                    for k in seg..seg_end {
                        s.tok_clause_sent[k] = sum;
                    }
                    seg = seg_end;
                }
                start = end;
            }
        }

        // Themes.
        let nt = self.themes.len();
        s.strength.clear();
        s.strength.resize(nt, 0.0);
        s.vacc.clear();
        s.vacc.resize(nt, 0.0);
        s.best.clear();
        s.best.resize(nt, None);
        s.covered.clear();
        s.covered.resize(n, false);
        s.seen.clear();
        for h in &s.hits {
            for t in &self.cues.patterns[h.pattern as usize].targets {
                let Target::Theme { theme, weight, polarity } = *t else {
                    continue;
                };
                let ti = theme as usize;
                let info = &self.themes[ti];
                let scope = s.scope[h.start as usize];
                // A passing word in what was *not* done ("instead of sending her a help
                // article") is no evidence either way.
                if scope == Scope::Alternative && polarity == 0 && weight < 1.0 {
                    continue;
                }
                let neg = s.negated[h.start as usize];
                let flip = neg && info.negation == Negation::Flip;
                // A plain negation only says something did not happen ("she wouldn't speak
                // up", "without managing anyone"): weaker evidence than a stance against it.
                let weight = if flip && polarity == 0 && scope == Scope::Plain { weight * 0.5 } else { weight };
                let polarity = if scope == Scope::LeftBehind { -polarity } else { polarity };
                for c in h.start..h.end {
                    s.covered[c as usize] = true;
                }
                // A repeated phrase adds a little: "design ... design" is not two cues.
                let seen = s.seen.contains(&(ti as u16, h.pattern));
                if seen {
                    s.strength[ti] += REPEAT_SHARE * weight;
                } else {
                    s.seen.push((ti as u16, h.pattern));
                    s.strength[ti] += weight;
                }
                let start = h.start as usize;
                let mut c = match polarity {
                    // A stance against a neutral cue ("I don't miss managing", "management
                    // isn't for me", "less firefighting") makes it a drain.
                    0 if flip && scope == Scope::Stance => -1.5,
                    // Any other negated neutral cue leans negative, but clear positive
                    // context can still outweigh it.
                    0 if flip => -0.6,
                    0 => 0.0,
                    p => {
                        let p = f32::from(p) * 1.5;
                        if flip { -p } else { p }
                    }
                };
                // Wishing a drain away ("fewer meetings", "not interested in more admin")
                // names it as a drain, even in an aspirational Future answer.
                if scope == Scope::Stance && info.negation == Negation::Keep {
                    c -= 1.5;
                }
                let sent = s.toks.tokens[start].sentence as usize;
                c += norm(s.tok_clause_sent[start]) + 0.5 * norm(s.sent_sum[sent]);
                if s.sarc_marker[sent] && s.sarc_context[sent] && s.sent_pos[sent] {
                    c -= 1.0;
                }
                s.vacc[ti] += c;
                if s.best[ti].is_none_or(|(w, _)| weight > w) {
                    s.best[ti] = Some((weight, *h));
                }
            }
        }

        let content = s.strength.iter().any(|&x| x >= THRESHOLD);
        // A bare denial ("Nothing really.") names no area, so the question implies nothing.
        let evasive = (evasive || denial) && !content;
        // Valence the question suggests, inverted when the answer denies it.
        let mut prior = 0.0;
        if q.negative {
            prior -= 0.6;
        }
        if q.positive {
            prior += 0.5;
        }
        // Per the labelling rules, aspirations in Future answers are energising.
        if category == Category::Future {
            prior += FUTURE_PRIOR;
        } else if q.aspiration {
            prior += 0.5;
        }
        if denial {
            prior = -prior;
        }
        if !evasive && n > 0 {
            for &ti in &q.themes {
                if ti < nt {
                    // Naming an area in answer to "where would you like to become an expert"
                    // implies the theme even without a cue; alone it decides only when the
                    // answer reveals no other theme.
                    s.strength[ti] += QUESTION_THEME_PRIOR;
                    if !content {
                        s.strength[ti] = s.strength[ti].max(THRESHOLD);
                    }
                }
            }
        }

        let mut out: Vec<FoundTheme> = Vec::new();
        for ti in 0..nt {
            if s.strength[ti] < THRESHOLD {
                continue;
            }
            let v = self.themes[ti].prior + prior + s.vacc[ti];
            let valence = if v >= 0.0 { Valence::Positive } else { Valence::Negative };
            let span = match s.best[ti] {
                Some((_, h)) => quote_span(&s.toks, &s.info, h.start as usize, h.end as usize),
                None => first_clause(&s.toks, &s.info),
            };
            out.push(FoundTheme { theme: ti, valence, strength: (s.strength[ti] * 100.0).round() / 100.0, span });
        }
        // At equal strength a theme with its own cue outranks one implied by the question.
        out.sort_by(|a, b| {
            b.strength
                .total_cmp(&a.strength)
                .then(s.best[b.theme].is_some().cmp(&s.best[a.theme].is_some()))
                .then(a.theme.cmp(&b.theme))
        });
        // An answer usually carries one stance. A theme of the opposite valence to the
        // leading one is most often a circumstance named in passing ("long shifts, but the
        // crew was solid"; "the tooling for our docs"), so it needs two cues' worth of
        // evidence of its own.
        if let Some(lead) = out.first().map(|t| t.valence) {
            let mut first = true;
            out.retain(|t| {
                let keep = first || t.valence == lead || t.strength >= OPPOSITE_MIN;
                first = false;
                keep
            });
        }
        out.truncate(MAX_THEMES_PER_ANSWER);
        // A lone cue beside much stronger themes is usually incidental wording.
        if let Some(top) = out.first().map(|t| t.strength) {
            out.retain(|t| t.strength >= RELATIVE_CUT * top);
        }

        // Keyphrases from words no cue claimed.
        s.kp.clear();
        for i in 0..n {
            let tok = s.toks.tokens[i];
            s.kp.push(KpToken {
                start: tok.lo_start,
                end: tok.lo_end,
                clause: tok.clause,
                stop: s.info[i].flags & (F_KPSTOP | F_NEGATOR) != 0 || s.covered[i],
            });
        }
        kp.add(&s.toks.arena, &s.kp, answer_index);
        out
    }
}

/// One cue phrase found in a text (see [`Engine::explain`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CueMatch {
    /// Theme id the cue supports.
    pub theme: String,
    /// The cue as written in the taxonomy.
    pub cue: String,
    /// Byte range of the matched words.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
    /// Cue weight (1.0 full, 0.5 weak).
    pub weight: f32,
    /// −1 draining, 0 neutral, +1 energising.
    pub polarity: i8,
}

#[derive(Debug, Clone, Default)]
struct QuestionContext {
    negative: bool,
    positive: bool,
    aspiration: bool,
    themes: Vec<usize>,
}

/// A theme found in one answer: (answer, theme, valence, strength, quote span).
type Found = (usize, usize, Valence, f32, (usize, usize));

struct FoundTheme {
    theme: usize,
    valence: Valence,
    strength: f32,
    span: (usize, usize),
}

/// Special negation scopes of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Scope {
    #[default]
    Plain,
    /// After "instead of" / "rather than".
    Alternative,
    /// Between "from" and "to": the state someone moved away from.
    LeftBehind,
    /// Denied by a stance ("don't want", "not interested in", "isn't for me", "less").
    Stance,
    /// Missing something ("no time for", "never get to", "can't"): a want, so full evidence.
    Deprived,
}

/// A negator at `i` that reports a lack ("no time for X", "never get to X", "not enough X",
/// "can't X") rather than a plain fact ("she wouldn't speak up", "without managing anyone").
fn deprivation_at(toks: &Tokens, i: usize) -> bool {
    if matches!(toks.lower(i), "can't" | "cannot" | "cant" | "couldn't" | "couldnt") {
        return true;
    }
    let clause = toks.tokens[i].clause;
    (i + 1..(i + 3).min(toks.tokens.len())).take_while(|&j| toks.tokens[j].clause == clause).any(|j| {
        matches!(
            toks.lower(j),
            "time"
                | "chance"
                | "chances"
                | "room"
                | "space"
                | "opportunity"
                | "opportunities"
                | "get"
                | "gets"
                | "getting"
                | "got"
                | "enough"
                | "access"
                | "support"
                | "say"
                | "longer"
        )
    })
}

/// Verb or adjective forms of wanting and liking: negating one is a stance against what follows.
const STANCE_WORDS: &[&str] = &[
    "want",
    "wants",
    "wanted",
    "wanna",
    "like",
    "liked",
    "enjoy",
    "enjoyed",
    "love",
    "loved",
    "miss",
    "missed",
    "fancy",
    "care",
    "cared",
    "interested",
    "keen",
    "fussed",
    "bothered",
    "excited",
    "see",
    "wish",
    "plan",
    "intend",
    "aspire",
];

/// Words that may sit between a negator and a stance word ("don't really want", "no longer want").
const STANCE_SKIP: &[&str] =
    &["really", "actually", "even", "particularly", "especially", "that", "too", "so", "at", "all", "longer", "much"];

fn is_stance_word(w: &str) -> bool {
    STANCE_WORDS.contains(&w)
}

/// After a negator at `i`: `Some((words up to the stance word, false))` when it denies a stance
/// word, `Some((1, true))` for "don't mind" (acceptance), `None` for a plain negation.
fn stance_after(toks: &Tokens, i: usize) -> Option<(u8, bool)> {
    let clause = toks.tokens[i].clause;
    let mut j = i + 1;
    let mut skipped = 0u8;
    while j < toks.tokens.len() && toks.tokens[j].clause == clause && skipped <= 2 {
        let w = toks.lower(j);
        if w == "mind" || w == "minded" {
            return Some((1, true));
        }
        if is_stance_word(w) {
            return Some((skipped + 1, false));
        }
        if !STANCE_SKIP.contains(&w) {
            return None;
        }
        skipped += 1;
        j += 1;
    }
    None
}

/// "less" or "fewer" used as a quantity of what follows ("less admin", "fewer meetings"), not a
/// comparison of an adjective ("less experienced") nor "less than", "more or less".
fn reducer_at(toks: &Tokens, i: usize) -> bool {
    let w = toks.lower(i);
    if w != "less" && w != "fewer" {
        return false;
    }
    if i > 0 && toks.lower(i - 1) == "or" {
        return false;
    }
    let Some(next) = toks.tokens.get(i + 1).filter(|t| t.clause == toks.tokens[i].clause) else {
        return false;
    };
    let nx = &toks.arena[next.lo_start as usize..next.lo_end as usize];
    !(matches!(nx, "than" | "and" | "so" | "likely" | "often") || (w == "less" && nx.ends_with("ed")))
}

/// A negator at `i` followed by "for me", "my thing", "appeal", "interest me": the negation
/// denies what came before it in the clause.
fn post_stance_at(toks: &Tokens, i: usize) -> bool {
    let n = toks.tokens.len();
    let clause = toks.tokens[i].clause;
    let at = |k: usize| if k < n && toks.tokens[k].clause == clause { toks.lower(k) } else { "" };
    let mut j = i + 1;
    if matches!(at(j), "really" | "actually" | "quite" | "exactly") {
        j += 1;
    }
    match at(j) {
        "for" => at(j + 1) == "me",
        "my" => matches!(at(j + 1), "thing" | "cup" | "strength" | "strengths"),
        "appeal" | "appeals" | "interest" | "interests" | "excite" | "excites" | "suit" | "suits" => true,
        _ => false,
    }
}

/// Buffers reused across the answers of one analysis call.
#[derive(Default)]
struct Scratch {
    toks: Tokens,
    ids: Vec<TokIds>,
    info: Vec<WordInfo>,
    hits: Vec<Hit>,
    negated: Vec<bool>,
    scope: Vec<Scope>,
    sent: Vec<f32>,
    sarc_marker: Vec<bool>,
    sarc_context: Vec<bool>,
    sent_pos: Vec<bool>,
    sent_sum: Vec<f32>,
    clause_sum: Vec<f32>,
    tok_clause_sent: Vec<f32>,
    strength: Vec<f32>,
    vacc: Vec<f32>,
    best: Vec<Option<(f32, Hit)>>,
    covered: Vec<bool>,
    seen: Vec<(u16, u32)>,
    kp: Vec<KpToken>,
}

#[inline]
fn norm(x: f32) -> f32 {
    x / (x * x + NORM_ALPHA).sqrt()
}

/// A word and its regular inflections (some are not words; they are only looked up).
fn inflect(w: &str) -> Vec<String> {
    let mut out = vec![w.to_string()];
    if w.len() < 3 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return out;
    }
    let base = w.strip_suffix('e').unwrap_or(w);
    for suf in ["s", "es", "ed", "ing", "er", "ers", "ly", "ment", "ments"] {
        out.push(format!("{w}{suf}"));
        if base.len() < w.len() {
            out.push(format!("{base}{suf}"));
        }
    }
    if let Some(b) = w.strip_suffix('y') {
        out.extend([format!("{b}ies"), format!("{b}ied")]);
    }
    for suf in ["s", "ed", "ing", "ion", "ions"] {
        if let Some(b) = w.strip_suffix(suf) {
            out.push(b.to_string());
            out.push(format!("{b}e"));
        }
    }
    out
}

/// The text actually analysed: capped at [`MAX_TEXT`] on a char boundary.
fn cap_text(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Evidence for a cue at tokens `[lo, hi)`: the smallest clause around it, cut at contrast
/// words ("but", "though"), and at most [`MAX_QUOTE_WORDS`] words centred on the cue.
fn quote_span(toks: &Tokens, info: &[WordInfo], lo: usize, hi: usize) -> (usize, usize) {
    let n = toks.tokens.len();
    let hi = hi.clamp(lo + 1, n);
    let (c_lo, c_hi) = (toks.tokens[lo].clause, toks.tokens[hi - 1].clause);
    let contrast = |k: usize| info.get(k).is_some_and(|w| w.flags & F_CONTRAST != 0);
    let mut a = lo;
    while a > 0 && toks.tokens[a - 1].clause == c_lo && !contrast(a - 1) && hi - (a - 1) <= MAX_QUOTE_WORDS {
        a -= 1;
    }
    let mut b = hi;
    while b < n && toks.tokens[b].clause == c_hi && !contrast(b) && b + 1 - a <= MAX_QUOTE_WORDS {
        b += 1;
    }
    // Over-long clauses: keep a window around the cue, a few words of left context first.
    if b - a > MAX_QUOTE_WORDS {
        a = a.max(lo.saturating_sub(MAX_QUOTE_WORDS / 3));
        b = b.min((a + MAX_QUOTE_WORDS).max(hi));
    }
    (toks.tokens[a].start as usize, toks.tokens[b - 1].end as usize)
}

/// Evidence for a theme the question implies: the answer's first clause.
fn first_clause(toks: &Tokens, info: &[WordInfo]) -> (usize, usize) {
    if toks.tokens.is_empty() { (0, 0) } else { quote_span(toks, info, 0, 1) }
}
