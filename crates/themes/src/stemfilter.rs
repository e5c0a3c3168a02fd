//! A conservative pre-check that skips stemming words whose stem cannot be a cue stem.
//!
//! Stemming is the costliest step per unknown word. Porter2 (Snowball English) builds a stem
//! from a prefix of the word plus, at most, a changed ending: a `y` read as `i`, an `e`
//! appended or replacing the last letter ("using" → "use", "relational" → "relate"), or `ble`
//! for `bil` ("possibility" → "possible"); a handful of irregular forms ("dying" → "die") go in
//! the engine's word table instead. So a stem not ending in `e` is a prefix of its word
//! (reading `y` as `i`), one ending in `e` has all but its last letter there, one ending in
//! `ble` all but its last two: the *kept* prefix. For stems keeping four bytes or more the
//! filter holds their first four bytes in a hashed bitset. A shorter stem ("use", "hop")
//! cannot have lost a long ending (Porter2's later steps need R1/R2 regions), so a word reaches
//! it only as its kept prefix, one free letter, then ending letters only ("sitting",
//! "hopefulness"). A false positive costs a stemming call; a false negative cannot happen.
//! Checked against the 29k-word Snowball English test vocabulary (no word whose stem is in
//! the set is rejected) and, in a unit test, the embedded word lists and their inflections.

/// Porter2's invariant and irregular forms: put in the word table so they never reach the
/// pre-check (`skies` → `sky` changes the third letter).
pub(crate) const IRREGULAR: &[&str] = &[
    "skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only", "singly", "sky", "news",
    "howe", "atlas", "cosmos", "bias", "andes", "inning", "innings", "outing", "outings", "canning", "cannings",
    "herring", "herrings", "earring", "earrings", "proceed", "proceeds", "exceed", "exceeds", "succeed", "succeeds",
];

const BITS: usize = 1 << 17;
const KEY_MAX: usize = 4;

#[derive(Debug, Clone)]
pub(crate) struct StemFilter {
    /// Hashed four-byte prefixes.
    bits: Box<[u64]>,
    /// Hashed prefixes of short stems (kept one to three bytes), by that length.
    short: [Box<[u64]>; 4],
}

#[inline]
fn norm(b: u8) -> u8 {
    if b == b'y' { b'i' } else { b }
}

#[inline]
fn hash(key: &[u8]) -> usize {
    let mut x: u32 = 0;
    for &b in key {
        x = (x << 8) | u32::from(norm(b));
    }
    (x.wrapping_mul(0x9E37_79B1) >> 15) as usize & (BITS - 1)
}

/// How many leading bytes of a stem its words are sure to share (reading `y` as `i`).
fn kept(stem: &str) -> usize {
    let b = stem.as_bytes();
    if b.ends_with(b"ble") {
        b.len() - 2
    } else if b.ends_with(b"e") {
        b.len() - 1
    } else {
        b.len()
    }
}

/// Letters of the endings Porter2 strips from a short stem: plural and possessive, `-ed`,
/// `-ing`, `-ly`, `-ful`, `-ness` and their combinations.
const SUFFIX_LETTERS: &[u8] = b"'sedinglyfu";

impl StemFilter {
    /// Build from the stems a word must reach to matter.
    pub fn new<'a>(stems: impl Iterator<Item = &'a str>) -> StemFilter {
        let zero = || vec![0u64; BITS / 64].into_boxed_slice();
        let mut f = StemFilter { bits: zero(), short: [zero(), zero(), zero(), zero()] };
        for s in stems {
            let b = s.as_bytes();
            let k = kept(s);
            if k == 0 {
                continue; // "e": the stem of "e" and "es" only, both shorter than any check
            }
            let bits = if k < KEY_MAX { &mut f.short[k] } else { &mut f.bits };
            let h = hash(&b[..k.min(KEY_MAX)]);
            bits[h / 64] |= 1 << (h % 64);
        }
        f
    }

    /// Whether `lower` (a lowercased token) might stem to one of the stems.
    #[inline]
    pub fn may_match(&self, lower: &str) -> bool {
        let b = lower.as_bytes();
        if b.len() < KEY_MAX || b[0] == b'\'' {
            return true;
        }
        let h = hash(&b[..KEY_MAX]);
        if self.bits[h / 64] & (1 << (h % 64)) != 0 {
            return true;
        }
        // A short stem: its kept prefix, any one letter (a doubled consonant, the letter an
        // `e` replaced), then only ending letters ("sitting" → "sit", "hopefulness" → "hope").
        (1..KEY_MAX).any(|k| {
            let h = hash(&b[..k]);
            self.short[k][h / 64] & (1 << (h % 64)) != 0 && b[k + 1..].iter().all(|c| SUFFIX_LETTERS.contains(c))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_stemmers::{Algorithm, Stemmer};

    /// Every word whose stem is in the set passes the filter or is listed among the
    /// inflections of a short stem, over the embedded word lists and their inflections.
    fn covered(stemmer: &Stemmer, w: &str) -> Result<(), String> {
        if IRREGULAR.contains(&w) {
            return Ok(());
        }
        let s = stemmer.stem(w);
        let ok = StemFilter::new(std::iter::once(s.as_ref())).may_match(w);
        if ok { Ok(()) } else { Err(format!("{w} -> {s}")) }
    }

    #[test]
    fn never_rejects_a_word_that_stems_into_the_set() {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut words: Vec<String> = crate::lexicon::VADER
            .lines()
            .chain(crate::lexicon::EXTRA.lines())
            .chain(crate::lexicon::STOPWORDS.lines())
            .filter_map(|l| l.split('\t').next())
            .map(|w| w.trim().to_lowercase())
            .filter(|w| !w.is_empty() && !w.contains(char::is_whitespace) && !w.starts_with('\''))
            .collect();
        let extra: Vec<String> = words
            .iter()
            .flat_map(|w| {
                let stem_e = w.strip_suffix('e').unwrap_or(w);
                [format!("{w}s"), format!("{w}ed"), format!("{stem_e}ing"), format!("{stem_e}ed"), format!("{w}ly")]
            })
            .collect();
        words.extend(extra);
        words.extend(
            [
                "using",
                "used",
                "aged",
                "cry",
                "cries",
                "ties",
                "dyes",
                "eyes",
                "running",
                "goes",
                "doing",
                "sitting",
                "hopefulness",
                "witnessed",
                "awfully",
                "outlying",
            ]
            .map(String::from),
        );
        let bad: Vec<String> = words.iter().filter_map(|w| covered(&stemmer, w).err()).collect();
        assert!(bad.is_empty(), "{bad:?}");
    }

    #[test]
    fn rejects_unrelated_words() {
        let f = StemFilter::new(["manag", "team", "use"].into_iter());
        assert!(f.may_match("managing") && f.may_match("teams"));
        assert!(f.may_match("using") && f.may_match("useful") && f.may_match("usefulness"));
        assert!(!f.may_match("zebra") && !f.may_match("teacher") && !f.may_match("usurp"));
    }
}
