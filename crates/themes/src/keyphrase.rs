//! Emerging phrases: a small RAKE-style extractor over the words no theme cue claimed.
//!
//! Candidates are runs of 2 to 4 content words inside one clause, delimited by stop words,
//! negators, punctuation and words covered by a theme cue (those are already explained by a
//! theme). A word scores degree / frequency over all candidates; a phrase scores the sum over
//! its words, boosted when it recurs. Output order is fully determined (score, then phrase).

use crate::Keyphrase;
use crate::hash::FastMap;

/// Longest candidate phrase in words.
const MAX_WORDS: usize = 4;

/// A token as the extractor sees it: its lowercased form in the arena, its clause, and
/// whether it breaks a candidate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KpToken {
    pub start: u32,
    pub end: u32,
    pub clause: u32,
    pub stop: bool,
}

#[derive(Debug, Default)]
struct Cand {
    count: usize,
    answers: Vec<usize>,
    words: Vec<u32>,
}

#[derive(Debug, Default)]
struct WordStat {
    freq: u32,
    degree: u32,
}

/// Collects candidates across the answers of one analysis.
#[derive(Debug, Default)]
pub(crate) struct KeyphraseCollector {
    cands: FastMap<String, Cand>,
    word_ids: FastMap<String, u32>,
    stats: Vec<WordStat>,
    buf: String,
}

impl KeyphraseCollector {
    /// Add the candidates of one answer.
    pub fn add(&mut self, arena: &str, toks: &[KpToken], answer: usize) {
        let mut i = 0;
        while i < toks.len() {
            if toks[i].stop {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < toks.len() && !toks[j].stop && toks[j].clause == toks[i].clause {
                j += 1;
            }
            let run = &toks[i..j];
            let all_digits =
                run.iter().all(|t| arena[t.start as usize..t.end as usize].bytes().all(|b| b.is_ascii_digit()));
            if (2..=MAX_WORDS).contains(&run.len()) && !all_digits {
                self.add_run(arena, run, answer);
            }
            i = j;
        }
    }

    fn add_run(&mut self, arena: &str, run: &[KpToken], answer: usize) {
        self.buf.clear();
        for (k, t) in run.iter().enumerate() {
            if k > 0 {
                self.buf.push(' ');
            }
            self.buf.push_str(&arena[t.start as usize..t.end as usize]);
        }
        if let Some(c) = self.cands.get_mut(self.buf.as_str()) {
            c.count += 1;
            if c.answers.last() != Some(&answer) {
                c.answers.push(answer);
            }
        } else {
            let mut words = Vec::with_capacity(run.len());
            for t in run {
                let w = &arena[t.start as usize..t.end as usize];
                let id = match self.word_ids.get(w) {
                    Some(&id) => id,
                    None => {
                        let id = self.stats.len() as u32;
                        self.word_ids.insert(w.to_string(), id);
                        self.stats.push(WordStat::default());
                        id
                    }
                };
                words.push(id);
            }
            self.cands.insert(self.buf.clone(), Cand { count: 1, answers: vec![answer], words });
        }
        // Word statistics count every occurrence.
        if let Some(c) = self.cands.get(self.buf.as_str()) {
            let len = c.words.len() as u32;
            for &w in &c.words {
                let st = &mut self.stats[w as usize];
                st.freq += 1;
                st.degree += len;
            }
        }
    }

    /// The best `k` phrases.
    pub fn finish(self, k: usize) -> Vec<Keyphrase> {
        let mut out: Vec<Keyphrase> = self
            .cands
            .into_iter()
            .map(|(phrase, c)| {
                let rake: f32 = c
                    .words
                    .iter()
                    .map(|&w| {
                        let st = &self.stats[w as usize];
                        st.degree as f32 / st.freq.max(1) as f32
                    })
                    .sum();
                let score = rake * (1.0 + 0.5 * (c.count as f32 - 1.0));
                Keyphrase { phrase, score: (score * 1000.0).round() / 1000.0, count: c.count, answers: c.answers }
            })
            .collect();
        out.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then(b.count.cmp(&a.count)).then_with(|| a.phrase.cmp(&b.phrase))
        });
        out.truncate(k);
        out
    }
}
