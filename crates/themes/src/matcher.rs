//! Multi-word cue phrases compiled to id sequences and matched in one left-to-right pass.
//!
//! Each phrase is a sequence of word ids (stems, or exact forms), single-word wildcards and
//! short gaps. Phrases are indexed by their first word id in a dense table, so finding the
//! candidates at a token is one array access. Longest match wins at a start position, and a
//! match inside an already accepted longer one is dropped: "my manager" (someone else) then
//! hides "manager" (leading). Work per token is bounded by the phrases sharing its first word
//! and the maximum phrase length, so matching is linear in the input.

/// No id: the word is in no cue.
pub(crate) const NONE: u32 = u32::MAX;

/// Maximum words a gap (`..`) may skip.
const GAP_MAX: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Elem {
    Word(u32),
    Any,
    Gap,
}

/// What a phrase signals when it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    /// Evidence for a theme; `polarity` −1, 0 or +1.
    Theme {
        theme: u16,
        weight: f32,
        polarity: i8,
    },
    /// Claims its words only.
    Block,
    /// A sarcasm marker ("just love", "a joy").
    Sarcasm,
    /// A draining context that sarcasm can latch onto ("endless", "another").
    SarcasmContext,
    /// The answer dodges the question.
    Evasive,
    /// The answer opens by denying the question ("Nothing, really").
    Denial,
    /// Question context: asks about drains, energy or aspirations.
    QuestionNegative,
    QuestionPositive,
    QuestionAspiration,
}

#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub elems: Vec<Elem>,
    pub targets: Vec<Target>,
    /// The phrase as first written in the taxonomy, for explanations.
    pub source: String,
}

/// A found phrase: pattern index and token range `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub pattern: u32,
    pub start: u32,
    pub end: u32,
}

/// Per-token ids used for matching.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokIds {
    pub stem: u32,
    pub surface: u32,
    pub clause: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Matcher {
    pub patterns: Vec<Pattern>,
    /// Pattern indices by first word id.
    index: Vec<Vec<u32>>,
}

impl Matcher {
    /// Add a phrase; identical phrases share one pattern and collect all their targets.
    pub fn add(
        &mut self,
        elems: Vec<Elem>,
        target: Target,
        source: &str,
        dedup: &mut crate::hash::FastMap<Vec<Elem>, u32>,
    ) {
        // A phrase must start and end on a word; wildcards at the edges mean nothing.
        let first = elems.iter().position(|e| matches!(e, Elem::Word(_)));
        let last = elems.iter().rposition(|e| matches!(e, Elem::Word(_)));
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        let elems = elems[first..=last].to_vec();
        if let Some(&p) = dedup.get(&elems) {
            let targets = &mut self.patterns[p as usize].targets;
            // The same words listed twice for one theme (e.g. "explain" and "explained", one
            // stem) count once, with the stronger weight and any stated polarity.
            if let Target::Theme { theme, weight, polarity } = target {
                for t in targets.iter_mut() {
                    if let Target::Theme { theme: th, weight: w, polarity: pol } = t
                        && *th == theme
                    {
                        *w = w.max(weight);
                        if *pol == 0 {
                            *pol = polarity;
                        }
                        return;
                    }
                }
            }
            if !targets.contains(&target) {
                targets.push(target);
            }
            return;
        }
        let Elem::Word(id) = elems[0] else { return };
        let p = self.patterns.len() as u32;
        dedup.insert(elems.clone(), p);
        self.patterns.push(Pattern { elems, targets: vec![target], source: source.to_string() });
        let id = id as usize;
        if self.index.len() <= id {
            self.index.resize(id + 1, Vec::new());
        }
        self.index[id].push(p);
    }

    #[inline]
    fn candidates(&self, id: u32) -> &[u32] {
        if id == NONE {
            return &[];
        }
        self.index.get(id as usize).map_or(&[], |v| v.as_slice())
    }

    /// Find all accepted hits in `toks`, appended to `out` in start order.
    ///
    /// At each start the longest phrase wins; shorter phrases at the same start are kept too
    /// when they signal a theme the longest one does not ("lead a team someday" is mobility,
    /// its prefix "lead a team" is leading), unless the longest is a pure blocker.
    pub fn find(&self, toks: &[TokIds], out: &mut Vec<Hit>) {
        let mut cover_end = 0usize;
        let mut found: Vec<(usize, u32)> = Vec::new();
        for i in 0..toks.len() {
            let t = toks[i];
            found.clear();
            for &id in &[t.stem, t.surface] {
                for &p in self.candidates(id) {
                    if let Some(end) = match_from(&self.patterns[p as usize].elems, toks, i, t.clause)
                        && !found.iter().any(|&(_, q)| q == p)
                    {
                        found.push((end, p));
                    }
                }
            }
            let Some(&(end, p)) = found.iter().max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1))) else {
                continue;
            };
            if end <= cover_end {
                continue; // inside a longer phrase already taken
            }
            cover_end = end;
            out.push(Hit { pattern: p, start: i as u32, end: end as u32 });
            let best = &self.patterns[p as usize].targets;
            if best.iter().all(|t| *t == Target::Block) {
                continue;
            }
            // Deterministic order: by pattern index.
            found.sort_unstable_by_key(|&(_, q)| q);
            for &(e, q) in &found {
                if q == p {
                    continue;
                }
                let adds_theme = self.patterns[q as usize].targets.iter().any(|t| match t {
                    Target::Theme { theme, .. } => {
                        !best.iter().any(|b| matches!(b, Target::Theme { theme: bt, .. } if bt == theme))
                    }
                    _ => false,
                });
                if adds_theme {
                    out.push(Hit { pattern: q, start: i as u32, end: e as u32 });
                }
            }
        }
    }
}

#[inline]
fn word_matches(id: u32, t: &TokIds) -> bool {
    t.stem == id || t.surface == id
}

fn match_from(elems: &[Elem], toks: &[TokIds], mut pos: usize, clause: u32) -> Option<usize> {
    for (k, e) in elems.iter().enumerate() {
        match *e {
            Elem::Word(id) => {
                let t = toks.get(pos)?;
                if t.clause != clause || !word_matches(id, t) {
                    return None;
                }
                pos += 1;
            }
            Elem::Any => {
                let t = toks.get(pos)?;
                if t.clause != clause {
                    return None;
                }
                pos += 1;
            }
            Elem::Gap => {
                // Try the rest after skipping 0..=GAP_MAX words; recursion depth is bounded by
                // the number of gaps in a phrase (data-defined, tiny).
                let rest = &elems[k + 1..];
                for skip in 0..=GAP_MAX {
                    let p = pos + skip;
                    if skip > 0 && toks.get(p - 1).is_none_or(|t| t.clause != clause) {
                        return None;
                    }
                    if let Some(end) = match_from(rest, toks, p, clause) {
                        return Some(end);
                    }
                }
                return None;
            }
        }
    }
    Some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::FastMap;

    fn t(stem: u32, clause: u32) -> TokIds {
        TokIds { stem, surface: NONE, clause }
    }

    #[test]
    fn longest_match_and_containment() {
        let mut m = Matcher::default();
        let mut d = FastMap::default();
        m.add(vec![Elem::Word(1)], Target::Block, "", &mut d);
        m.add(vec![Elem::Word(0), Elem::Word(1)], Target::Sarcasm, "", &mut d);
        let toks = [t(0, 0), t(1, 0), t(1, 0)];
        let mut out = Vec::new();
        m.find(&toks, &mut out);
        // "0 1" at 0, then "1" at 1 is inside it, "1" at 2 is new.
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].start, out[0].end), (0, 2));
        assert_eq!((out[1].start, out[1].end), (2, 3));
    }

    #[test]
    fn gaps_wildcards_and_clauses() {
        let mut m = Matcher::default();
        let mut d = FastMap::default();
        m.add(vec![Elem::Word(5), Elem::Gap, Elem::Word(6)], Target::Evasive, "", &mut d);
        m.add(vec![Elem::Word(7), Elem::Any, Elem::Word(8)], Target::Denial, "", &mut d);
        let toks = [t(5, 0), t(9, 0), t(9, 0), t(6, 0), t(7, 1), t(0, 1), t(8, 1), t(5, 2), t(6, 3)];
        let mut out = Vec::new();
        m.find(&toks, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].start, out[0].end), (0, 4));
        assert_eq!((out[1].start, out[1].end), (4, 7));
    }
}
