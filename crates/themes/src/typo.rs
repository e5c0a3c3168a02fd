//! A small, bounded spelling fallback: an unknown word of six letters or more that is one
//! edit away from a cue word is read as that cue word ("exausted", "knackerd", "everythign").
//!
//! The first letter is taken as right (typos there are rare, and it keeps the search small):
//! the vocabulary is bucketed by first byte and length, so a look-up compares the word with
//! the few cue words of the same first letter and a length within one, each comparison
//! stopping at the second difference. Substitutions are accepted only in words of eight
//! letters or more, since a one-letter change in a shorter word is often another real word
//! ("planting" is not "planning", but "mentos" would be "mentor"). When two candidates
//! disagree, the word stays unknown. Deterministic: candidates are scanned in sorted order.

use crate::hash::FastMap;

/// Shortest word (in bytes, ASCII letters only) the fallback considers.
pub(crate) const MIN_LEN: usize = 6;
/// Shortest word in which a substituted letter is corrected.
const MIN_LEN_SUBST: usize = 8;
/// Longest word considered; longer tokens are not typos of cue words.
const MAX_LEN: usize = 24;

#[derive(Debug, Default)]
pub(crate) struct TypoIndex {
    /// Vocabulary words with the value they resolve to, sorted.
    words: Vec<(Box<str>, u32)>,
    /// (first byte, length) → range in `words`.
    buckets: FastMap<(u8, u8), (u32, u32)>,
}

impl TypoIndex {
    /// Build from (word, value) pairs; only lowercase ASCII words of `MIN_LEN - 1` to
    /// `MAX_LEN + 1` bytes are kept.
    pub fn new(mut vocab: Vec<(Box<str>, u32)>) -> TypoIndex {
        vocab.retain(|(w, _)| {
            (MIN_LEN - 1..=MAX_LEN + 1).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase())
        });
        vocab.sort();
        vocab.dedup_by(|a, b| a.0 == b.0);
        vocab.sort_by(|a, b| (a.0.as_bytes()[0], a.0.len(), &a.0).cmp(&(b.0.as_bytes()[0], b.0.len(), &b.0)));
        let mut buckets: FastMap<(u8, u8), (u32, u32)> = FastMap::default();
        for (i, (w, _)) in vocab.iter().enumerate() {
            let key = (w.as_bytes()[0], w.len() as u8);
            let e = buckets.entry(key).or_insert((i as u32, i as u32));
            e.1 = i as u32 + 1;
        }
        TypoIndex { words: vocab, buckets }
    }

    /// The value of the single cue word one edit away from `w`, if any.
    pub fn lookup(&self, w: &str) -> Option<u32> {
        let b = w.as_bytes();
        if !(MIN_LEN..=MAX_LEN).contains(&b.len()) || !b.iter().all(u8::is_ascii_lowercase) {
            return None;
        }
        let mut found: Option<u32> = None;
        for len in [b.len() - 1, b.len(), b.len() + 1] {
            let Some(&(lo, hi)) = self.buckets.get(&(b[0], len as u8)) else { continue };
            for (cand, value) in &self.words[lo as usize..hi as usize] {
                if one_edit(b, cand.as_bytes()) {
                    match found {
                        Some(v) if v != *value => return None,
                        _ => found = Some(*value),
                    }
                }
            }
        }
        found
    }
}

/// Whether `typed` is one insertion, deletion, adjacent transposition or (in long words)
/// substitution away from `word`; equal words are not.
fn one_edit(typed: &[u8], word: &[u8]) -> bool {
    let (lt, lw) = (typed.len(), word.len());
    let i = typed.iter().zip(word).take_while(|(a, b)| a == b).count();
    if lt == lw {
        if i == lt {
            return false;
        }
        if i + 1 < lt && typed[i] == word[i + 1] && typed[i + 1] == word[i] && typed[i + 2..] == word[i + 2..] {
            return true;
        }
        lt >= MIN_LEN_SUBST && typed[i + 1..] == word[i + 1..]
    } else if lt + 1 == lw {
        typed[i..] == word[i + 1..]
    } else if lw + 1 == lt {
        typed[i + 1..] == word[i..]
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx() -> TypoIndex {
        TypoIndex::new(
            ["exhausted", "everything", "knackered", "assessment", "planning", "mentor", "different", "regularly"]
                .iter()
                .enumerate()
                .map(|(i, w)| (Box::from(*w), i as u32))
                .collect(),
        )
    }

    #[test]
    fn corrects_one_edit_in_long_words() {
        let t = idx();
        assert_eq!(t.lookup("exausted"), Some(0)); // deletion
        assert_eq!(t.lookup("everythign"), Some(1)); // transposition
        assert_eq!(t.lookup("knackerd"), Some(2));
        assert_eq!(t.lookup("assesment"), Some(3));
        assert_eq!(t.lookup("diffrent"), Some(6));
        assert_eq!(t.lookup("regulary"), Some(7));
        assert_eq!(t.lookup("planninng"), Some(4)); // insertion
    }

    #[test]
    fn leaves_real_and_short_words_alone() {
        let t = idx();
        assert_eq!(t.lookup("exhausted"), None); // not a typo: the caller already knows it
        assert_eq!(t.lookup("mentos"), None); // substitution in a short word
        assert_eq!(t.lookup("xhausted"), None); // first letter wrong
        assert_eq!(t.lookup("mentr"), None); // too short
        assert_eq!(t.lookup("exhaustedly"), None); // two edits
    }
}
