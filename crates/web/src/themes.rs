//! Suggested themes, and the decisions people make about them.
//!
//! The engine only suggests. A theme becomes one of a conversation's themes
//! when the report or the leader confirms it; what the engine reads depends on
//! who asks: the report's own drafts for the report, shared answers only for
//! anyone else, so a draft never shapes what a leader sees.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use foothold_domain::conversation::Category;
use foothold_domain::policy::{self, ConversationAction, Part};
use foothold_store::{ConversationTheme, Store, ThemeDecision, ThemeStatus};
use foothold_themes::{Analysis, Answer, Engine, Taxonomy, Valence};

use crate::audit::{Act, Subject};
use crate::auth::Identity;
use crate::conversations as conv;
use crate::error::AppError;

/// Longest theme label people may type.
pub const MAX_LABEL_CHARS: usize = 60;

/// The engine, rebuilt when the organisation's own themes change (on any replica).
#[derive(Default)]
pub struct EngineCache {
    current: RwLock<Option<(String, Arc<Engine>)>>,
    /// One build at a time: requests arriving together (at start, or after
    /// an edit of the themes) wait for one build instead of each making one.
    building: tokio::sync::Mutex<()>,
    /// How many engines this process has built.
    built: std::sync::atomic::AtomicUsize,
    /// Recent analyses by the engine that made them, kept by their whole
    /// input: a page shown again with the same answers looks its suggestions
    /// up instead of analysing again (a fifth of the preparation page's CPU).
    /// Only the very same answers find an entry, so nobody is given the
    /// analysis of answers they did not bring.
    analyses: Mutex<Option<(Arc<Engine>, Analyses)>>,
}

/// Analyses by their whole input.
type Analyses = HashMap<Vec<Answer>, Arc<Analysis>>;

/// Analyses kept at most; past this the memory starts afresh.
const ANALYSES: usize = 256;

/// Answers longer than this in all are analysed every time, not kept, so
/// that the memory stays bounded (256 × 16 KB of keys) whatever people write.
const KEPT_ANSWER_BYTES: usize = 16 * 1024;

/// A fingerprint of the custom themes: rebuild only when it changes.
fn fingerprint(custom: &[foothold_store::CustomTheme]) -> String {
    custom.iter().map(|c| format!("{}@{}", c.key, c.updated_at.timestamp_micros())).collect::<Vec<_>>().join(",")
}

impl EngineCache {
    /// The engine for the organisation's themes as they are now.
    pub async fn get(&self, store: &Store) -> Result<Arc<Engine>, AppError> {
        let custom = store.custom_themes().await?;
        let print = fingerprint(&custom);
        if let Some(engine) = self.cached(&print) {
            return Ok(engine);
        }
        // Requests waiting for the build hold no database connection.
        foothold_store::release_held_connection().await;
        let _building = self.building.lock().await;
        if let Some(engine) = self.cached(&print) {
            return Ok(engine);
        }
        let themes = custom
            .into_iter()
            .map(|c| foothold_themes::CustomTheme { id: c.key, label: c.label, cues: c.cues })
            .collect::<Vec<_>>();
        // Building takes milliseconds of CPU: keep it off the async threads.
        let engine = tokio::task::spawn_blocking(move || {
            let taxonomy = Taxonomy::with_custom(themes).unwrap_or_else(|e| {
                tracing::error!(error = %e, "stored custom themes are invalid; using the default taxonomy");
                Taxonomy::default_set()
            });
            Arc::new(Engine::new(taxonomy))
        })
        .await
        .map_err(|e| AppError::Internal(format!("engine build: {e}")))?;
        self.built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut guard) = self.current.write() {
            *guard = Some((print, engine.clone()));
        }
        Ok(engine)
    }

    /// The engine built for these themes, if it is the one kept.
    fn cached(&self, print: &str) -> Option<Arc<Engine>> {
        let guard = self.current.read().ok()?;
        let (p, engine) = guard.as_ref()?;
        (p == print).then(|| engine.clone())
    }

    /// `engine`'s analysis of `answers`, kept or made now. The engine is
    /// part of the key (it changes with the organisation's themes) and is
    /// held with its analyses, so it is never mistaken for a later one.
    fn analyze(&self, engine: &Arc<Engine>, answers: Vec<Answer>) -> Arc<Analysis> {
        let lock = || self.analyses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((kept, analyses)) = lock().as_ref()
            && Arc::ptr_eq(kept, engine)
            && let Some(analysis) = analyses.get(&answers)
        {
            return Arc::clone(analysis);
        }
        let analysis = Arc::new(engine.analyze(&answers));
        if answers.iter().map(|a| a.question.len() + a.text.len()).sum::<usize>() > KEPT_ANSWER_BYTES {
            return analysis;
        }
        let mut memo = lock();
        let fresh = match memo.as_ref() {
            Some((kept, analyses)) => !Arc::ptr_eq(kept, engine) || analyses.len() >= ANALYSES,
            None => true,
        };
        if fresh {
            *memo = Some((Arc::clone(engine), HashMap::new()));
        }
        if let Some((_, analyses)) = memo.as_mut() {
            analyses.insert(answers, Arc::clone(&analysis));
        }
        analysis
    }

    /// How many times an engine has been built (for tests).
    #[cfg(test)]
    fn builds(&self) -> usize {
        self.built.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A quote from an answer that shows a theme.
#[derive(Debug, Clone)]
pub struct Quote {
    /// The question it answers.
    pub question_id: i64,
    /// Byte range in the answer text.
    pub start: usize,
    /// End of the range.
    pub end: usize,
    /// The words.
    pub text: String,
}

/// A theme the engine suggests, with its evidence.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Theme id.
    pub key: String,
    /// Label.
    pub label: String,
    /// `+`, `-` or `mixed`.
    pub valence: &'static str,
    /// Where it shows up.
    pub categories: Vec<Category>,
    /// The words that show it.
    pub quotes: Vec<Quote>,
    /// A follow-up question for the conversation.
    pub follow_up: String,
}

fn valence(v: Valence) -> &'static str {
    match v {
        Valence::Positive => "+",
        Valence::Negative => "-",
        Valence::Mixed => "mixed",
    }
}

fn category(c: foothold_themes::Category) -> Category {
    match c {
        foothold_themes::Category::Past => Category::Past,
        foothold_themes::Category::Present => Category::Present,
        foothold_themes::Category::Future => Category::Future,
    }
}

/// The engine's suggestions from `rows`, the questions with the answers this
/// viewer may see ([`conv::questions_and_answers`]), minus the themes already decided.
pub async fn suggestions(
    cache: &EngineCache,
    store: &Store,
    rows: &[conv::AskedRow],
    decided: &[ConversationTheme],
) -> Result<Vec<Suggestion>, AppError> {
    let mut ids = Vec::new();
    let mut answers = Vec::new();
    for (q, rendered, a) in rows {
        if let Some(a) = a.as_ref().filter(|a| !a.text.trim().is_empty()) {
            let cat = match q.question.category {
                Category::Past => foothold_themes::Category::Past,
                Category::Present => foothold_themes::Category::Present,
                Category::Future => foothold_themes::Category::Future,
            };
            ids.push(q.id);
            answers.push(foothold_themes::Answer::new(cat, rendered.clone(), a.text.clone()));
        }
    }
    if answers.is_empty() {
        return Ok(Vec::new());
    }
    let engine = cache.get(store).await?;
    let analysis = cache.analyze(&engine, answers);
    let taken: Vec<&str> = decided
        .iter()
        .flat_map(|t| std::iter::once(t.key.as_str()).chain(t.merged_from.iter().map(String::as_str)))
        .collect();
    Ok(analysis
        .themes
        .iter()
        .filter(|t| !taken.contains(&t.theme.as_str()))
        .map(|t| Suggestion {
            follow_up: foothold_domain::guide::follow_up(&t.theme, &t.label, t.valence != Valence::Negative),
            valence: valence(t.valence),
            categories: t.categories.iter().copied().map(category).collect(),
            quotes: t
                .evidence
                .iter()
                .filter_map(|e| {
                    Some(Quote { question_id: *ids.get(e.answer)?, start: e.start, end: e.end, text: e.quote.clone() })
                })
                .collect(),
            key: t.theme.clone(),
            label: t.label.clone(),
        })
        .collect())
}

/// A decision as asked for by a person.
#[derive(Debug, Clone)]
pub enum Decide {
    /// Confirm a suggestion, perhaps renamed.
    Accept { key: String, label: String, valence: String },
    /// Set a suggestion aside.
    Dismiss { key: String, label: String },
    /// Confirm several suggestions as one theme.
    Merge { keys: Vec<String>, label: String, valence: String },
    /// Add a theme the engine did not suggest.
    Add { label: String, valence: String },
    /// Undo a decision.
    Undo { id: i64 },
}

fn check_label(label: &str) -> Result<String, AppError> {
    let l = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if l.is_empty() {
        return Err(AppError::BadRequest("Give the theme a name.".into()));
    }
    if l.chars().count() > MAX_LABEL_CHARS {
        return Err(AppError::BadRequest(format!("A theme name can be at most {MAX_LABEL_CHARS} characters.")));
    }
    if l.chars().any(char::is_control) {
        return Err(AppError::BadRequest("A theme name cannot contain control characters.".into()));
    }
    Ok(l)
}

fn check_valence(v: &str) -> Result<String, AppError> {
    match v {
        "+" | "-" | "mixed" | "" => Ok(v.to_owned()),
        other => Err(AppError::BadRequest(format!("'{other}' is not a valence: use +, -, mixed or leave it empty."))),
    }
}

fn check_key(k: &str) -> Result<String, AppError> {
    let ok = !k.is_empty()
        && k.len() <= 60
        && k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok { Ok(k.to_owned()) } else { Err(AppError::BadRequest(format!("'{k}' is not a theme id."))) }
}

/// A key for a theme people named themselves.
fn slug(label: &str) -> String {
    let mut s = String::from("own-");
    for c in label.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let mut s = s.trim_end_matches('-').chars().take(60).collect::<String>();
    if s == "own" {
        s.push_str("-theme");
    }
    s
}

/// A confirmed theme people named themselves: added, or merged from suggestions.
fn named_by_people(label: &str, valence: &str, merged_from: Vec<String>) -> Result<ThemeDecision, AppError> {
    let label = check_label(label)?;
    Ok(ThemeDecision {
        key: slug(&label),
        label,
        valence: check_valence(valence)?,
        status: ThemeStatus::Confirmed,
        merged_from,
    })
}

/// Records a decision by the report or the leader.
pub async fn decide(store: &Store, v: &Identity, id: i64, d: Decide) -> Result<(), AppError> {
    let (c, _) = conv::load_for(store, v, id, ConversationAction::DecideThemes).await?;
    if c.state == foothold_domain::conversation::State::Cancelled {
        return Err(AppError::Conflict("This conversation was cancelled.".into()));
    }
    let decision = match d {
        Decide::Undo { id: theme } => {
            store.undo_theme(id, theme).await?;
            return Ok(());
        }
        Decide::Accept { key, label, valence } => ThemeDecision {
            key: check_key(&key)?,
            label: check_label(&label)?,
            valence: check_valence(&valence)?,
            status: ThemeStatus::Confirmed,
            merged_from: vec![],
        },
        Decide::Dismiss { key, label } => ThemeDecision {
            key: check_key(&key)?,
            label: check_label(&label)?,
            valence: String::new(),
            status: ThemeStatus::Dismissed,
            merged_from: vec![],
        },
        Decide::Merge { keys, label, valence } => {
            let keys = keys.iter().map(|k| check_key(k)).collect::<Result<Vec<_>, _>>()?;
            if keys.len() < 2 {
                return Err(AppError::BadRequest("Choose at least two suggestions to merge.".into()));
            }
            named_by_people(&label, &valence, keys)?
        }
        Decide::Add { label, valence } => named_by_people(&label, &valence, Vec::new())?,
    };
    store.decide_theme(id, v.person.id, &decision).await?;
    tracing::info!(conversation = id, person = v.person.id, theme = %decision.key, "theme decided");
    Ok(())
}

/// Adds or changes an organisation theme (admins). The whole taxonomy is
/// checked with it before anything is stored, so a clash or an empty cue
/// list is refused and changes nothing; the engine uses it at once.
pub async fn put_custom(store: &Store, v: &Identity, key: &str, label: &str, cues: &[String]) -> Result<(), AppError> {
    policy::decide(v.actor(), policy::Action::ManageOrgThemes)?;
    let label = check_label(label)?;
    let cues: Vec<String> =
        cues.iter().map(|c| c.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|c| !c.is_empty()).collect();
    if cues.len() > 200 || cues.iter().any(|c| c.chars().count() > 80) {
        return Err(AppError::BadRequest("Give at most 200 cue phrases of at most 80 characters each.".into()));
    }
    let mut all: Vec<foothold_themes::CustomTheme> = store
        .custom_themes()
        .await?
        .into_iter()
        .filter(|c| c.key != key)
        .map(|c| foothold_themes::CustomTheme { id: c.key, label: c.label, cues: c.cues })
        .collect();
    all.push(foothold_themes::CustomTheme { id: key.to_owned(), label: label.clone(), cues: cues.clone() });
    Taxonomy::with_custom(all).map_err(|e| AppError::BadRequest(format!("{e}.")))?;
    store.put_custom_theme(v.person.id, key, &label, &cues).await?;
    let detail = format!("saved the organisation theme '{key}'");
    crate::audit::record(store, v, Act::Change, Subject::Settings, None, None, detail).await?;
    tracing::info!(person = v.person.id, theme = key, "organisation theme saved");
    Ok(())
}

/// Removes an organisation theme (admins); themes already confirmed keep their label.
pub async fn delete_custom(store: &Store, v: &Identity, key: &str) -> Result<(), AppError> {
    policy::decide(v.actor(), policy::Action::ManageOrgThemes)?;
    store.delete_custom_theme(key).await?;
    let detail = format!("deleted the organisation theme '{key}'");
    crate::audit::record(store, v, Act::Change, Subject::Settings, None, None, detail).await?;
    Ok(())
}

/// The taxonomy in use: (id, label, description, custom cues or empty for built-in).
pub async fn taxonomy(store: &Store) -> Result<Vec<(String, String, String, Vec<String>)>, AppError> {
    let custom = store.custom_themes().await?;
    let mut out: Vec<(String, String, String, Vec<String>)> = Taxonomy::default_set()
        .themes()
        .iter()
        .map(|t| (t.id.clone(), t.label.clone(), t.description.clone(), Vec::new()))
        .collect();
    out.extend(custom.into_iter().map(|c| (c.key, c.label, "Added by your organisation.".to_owned(), c.cues)));
    Ok(out)
}

/// Whether a viewer may see the confirmed themes.
pub fn may_read(part: Part) -> bool {
    policy::decide_conversation(part, ConversationAction::ReadThemes).is_ok()
}

/// Whether a viewer may decide themes.
pub fn may_decide(part: Part) -> bool {
    policy::decide_conversation(part, ConversationAction::DecideThemes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_theme_keys_are_stable_slugs() {
        assert_eq!(slug("Patient safety & care"), "own-patient-safety-care");
        assert_eq!(slug("¿?"), "own-theme");
        assert!(check_key(&slug(&"long name ".repeat(20))).is_ok());
    }

    #[test]
    fn labels_and_valences_are_checked() {
        assert!(check_label("  ").is_err());
        assert_eq!(check_label(" Craft   and care ").expect("ok"), "Craft and care");
        assert!(check_label(&"x".repeat(61)).is_err());
        assert!(check_valence("+").is_ok());
        assert!(check_valence("positive").is_err());
        assert!(check_key("Craft").is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_arriving_together_wait_for_one_engine_build() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = foothold_store::DatabaseUrl::sqlite_file(&dir.path().join("t.db"));
        let store = Store::connect(&url, 4).await.expect("connect");
        store.migrate().await.expect("migrate");
        let cache = Arc::new(EngineCache::default());
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (cache, store) = (cache.clone(), store.clone());
            tasks.spawn(async move { cache.get(&store).await.map(|_| ()) });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("task").expect("engine");
        }
        assert_eq!(cache.builds(), 1, "eight requests at once, one build");
        cache.get(&store).await.expect("engine");
        assert_eq!(cache.builds(), 1, "kept while the themes are unchanged");
    }

    #[test]
    fn an_analysis_is_kept_for_the_very_same_answers_and_engine() {
        let cache = EngineCache::default();
        let engine = Arc::new(Engine::new(Taxonomy::default_set()));
        let answers = |text: &str| vec![Answer::new(foothold_themes::Category::Past, "When were you proudest?", text)];
        let mentoring = answers("I loved mentoring new engineers and teaching them to debug.");
        let first = cache.analyze(&engine, mentoring.clone());
        assert_eq!(*first, engine.analyze(&mentoring), "what the engine says");
        assert!(!first.themes.is_empty(), "an answer with themes, so that the comparisons below mean something");
        assert!(Arc::ptr_eq(&first, &cache.analyze(&engine, mentoring.clone())), "the same answers: kept");
        let other = answers("I loved mentoring new engineers and teaching them to debug!");
        assert!(!Arc::ptr_eq(&first, &cache.analyze(&engine, other)), "one character apart: analysed anew");
        let rebuilt = Arc::new(Engine::new(Taxonomy::default_set()));
        let again = cache.analyze(&rebuilt, mentoring.clone());
        assert!(!Arc::ptr_eq(&first, &again), "another engine analyses anew");
        assert!(!Arc::ptr_eq(&again, &cache.analyze(&engine, mentoring)), "and the older engine's are gone");
        let long = answers(&"I loved mentoring new engineers. ".repeat(600));
        let analysed = cache.analyze(&engine, long.clone());
        assert!(!Arc::ptr_eq(&analysed, &cache.analyze(&engine, long)), "long answers are not kept");
    }
}
