//! Tokenisation with byte offsets, sentence and clause boundaries.
//!
//! One pass over the chars. Words are runs of alphanumerics, with inner apostrophes kept
//! ("don't", "i'd") so that contractions stay one token for negation. Hyphens, slashes and
//! digit separators ("1:1", "99.9") split words without breaking a clause, so that the cue
//! "end to end" matches "end-to-end". The lowercased form of every token goes into one shared
//! arena to avoid a heap allocation per word.

/// A word token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    /// Byte range in the source text (char boundaries).
    pub start: u32,
    pub end: u32,
    /// Byte range of the lowercased form in the arena.
    pub lo_start: u32,
    pub lo_end: u32,
    /// Sentence index within the text.
    pub sentence: u32,
    /// Clause index within the text (clauses never span sentences).
    pub clause: u32,
    /// An opening quote mark sits right before the token.
    pub quote_open: bool,
    /// A closing quote mark sits right after the token.
    pub quote_close: bool,
}

/// A sentence's byte range in the text, trimmed of surrounding whitespace and punctuation-free
/// leading space, and how many exclamation marks end it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sentence {
    // Evidence now quotes clauses, not sentences; the range stays for the tokeniser tests.
    #[allow(dead_code)]
    pub start: u32,
    #[allow(dead_code)]
    pub end: u32,
    pub exclaims: u8,
}

/// Tokenised text; buffers are reused across answers of one analysis.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub arena: String,
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
}

impl Tokens {
    /// Lowercased form of token `i`.
    #[inline]
    pub fn lower(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.arena[t.lo_start as usize..t.lo_end as usize]
    }
}

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

#[inline]
fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{00AB}' | '\u{00BB}')
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Brk {
    None,
    Clause,
    Sentence,
}

/// Tokenise `text` into `out` (cleared first). Texts over 4 GiB are not supported (offsets are
/// u32); callers cap input well below that.
pub(crate) fn tokenize(text: &str, out: &mut Tokens) {
    out.arena.clear();
    out.tokens.clear();
    out.sentences.clear();
    let bytes = text.as_bytes();
    let mut sentence: u32 = 0;
    let mut clause: u32 = 0;
    let mut pending = Brk::None;
    let mut sent_start: Option<u32> = None;
    let mut sent_end: u32 = 0;
    let mut exclaims: u8 = 0;
    let mut quote_pending = false;

    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_word_char(c) || c == '%' {
            // Apply a pending break before this word.
            match pending {
                Brk::Sentence => {
                    if let Some(s) = sent_start.take() {
                        out.sentences.push(Sentence { start: s, end: sent_end, exclaims });
                        sentence += 1;
                        clause += 1;
                    }
                    exclaims = 0;
                }
                Brk::Clause => {
                    if sent_start.is_some() {
                        clause += 1;
                    }
                }
                Brk::None => {}
            }
            pending = Brk::None;
            let start = i;
            let lo_start = out.arena.len() as u32;
            let mut end = i + c.len_utf8();
            push_lower(&mut out.arena, c);
            if c != '%' {
                // Extend over word chars and inner apostrophes.
                while let Some(&(j, d)) = iter.peek() {
                    if is_word_char(d) {
                        push_lower(&mut out.arena, d);
                        end = j + d.len_utf8();
                        iter.next();
                    } else if is_apostrophe(d) {
                        // Keep only if followed by a letter ("don't"), else it is a quote/possessive end.
                        let next = text[j + d.len_utf8()..].chars().next();
                        if next.is_some_and(is_word_char) {
                            out.arena.push('\'');
                            iter.next();
                            end = j + d.len_utf8();
                        } else {
                            break;
                        }
                    } else {
                        break;
                    }
                }
            }
            let quote_close = text[end..]
                .chars()
                .next()
                .is_some_and(|d| is_quote(d) && !text[end + d.len_utf8()..].chars().next().is_some_and(is_word_char));
            out.tokens.push(Token {
                start: start as u32,
                end: end as u32,
                lo_start,
                lo_end: out.arena.len() as u32,
                sentence,
                clause,
                quote_open: quote_pending,
                quote_close,
            });
            quote_pending = false;
            if sent_start.is_none() {
                sent_start = Some(start as u32);
            }
            sent_end = end as u32;
            continue;
        }
        let prev_is_digit = i > 0 && bytes[i - 1].is_ascii_digit();
        let next_is_digit = bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit());
        let next_is_word = text[i + c.len_utf8()..].chars().next().is_some_and(is_word_char);
        let prev_is_word = text[..i].chars().next_back().is_some_and(is_word_char);
        match c {
            '.' | ':' | ',' if prev_is_digit && next_is_digit => {} // 99.95, 1:1, 3,000
            '.' | '!' | '?' | '\n' => {
                pending = Brk::Sentence;
                if c == '!' {
                    exclaims = exclaims.saturating_add(1);
                }
                if sent_start.is_some() && c != '\n' {
                    sent_end = (i + c.len_utf8()) as u32;
                }
            }
            '-' | '/' | '&' | '+' | '_' if prev_is_word && next_is_word => {} // joiners
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '\u{2014}' | '\u{2013}' | '-' | '\u{2026}' | '"' | '\u{201C}'
            | '\u{201D}' | '|' => {
                if pending == Brk::None {
                    pending = Brk::Clause;
                }
                if matches!(c, '"' | '\u{201C}') && next_is_word {
                    quote_pending = true;
                }
                if c == '\u{2026}' && sent_start.is_some() {
                    sent_end = (i + c.len_utf8()) as u32;
                }
            }
            _ => {
                if is_quote(c) && next_is_word && !prev_is_word {
                    quote_pending = true;
                }
            }
        }
    }
    if let Some(s) = sent_start {
        out.sentences.push(Sentence { start: s, end: sent_end, exclaims });
    }
}

#[inline]
fn push_lower(arena: &mut String, c: char) {
    if c.is_ascii() {
        arena.push(c.to_ascii_lowercase());
    } else if is_apostrophe(c) {
        arena.push('\'');
    } else {
        for l in c.to_lowercase() {
            arena.push(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let mut t = Tokens::default();
        tokenize(s, &mut t);
        (0..t.tokens.len()).map(|i| t.lower(i).to_string()).collect()
    }

    #[test]
    fn splits_words_and_keeps_contractions() {
        assert_eq!(
            toks("I don't  miss end-to-end 1:1s, ok?"),
            ["i", "don't", "miss", "end", "to", "end", "1", "1s", "ok"]
        );
        assert_eq!(toks("I’d LOVE it"), ["i'd", "love", "it"]);
    }

    #[test]
    fn offsets_are_char_boundaries() {
        let s = "Café — naïve 'quotes' ünïcödé!";
        let mut t = Tokens::default();
        tokenize(s, &mut t);
        for tok in &t.tokens {
            assert!(s.is_char_boundary(tok.start as usize));
            assert!(s.is_char_boundary(tok.end as usize));
        }
        assert_eq!(&s[t.tokens[0].start as usize..t.tokens[0].end as usize], "Café");
        assert!(t.tokens[2].quote_open && t.tokens[2].quote_close);
    }

    #[test]
    fn sentences_and_clauses() {
        let s = "One two, three. Four 99.5 five! Six";
        let mut t = Tokens::default();
        tokenize(s, &mut t);
        assert_eq!(t.sentences.len(), 3);
        assert_eq!(&s[t.sentences[0].start as usize..t.sentences[0].end as usize], "One two, three.");
        assert_eq!(t.sentences[1].exclaims, 1);
        assert_eq!(t.tokens[1].clause, 0);
        assert_eq!(t.tokens[2].clause, 1);
        assert_eq!(t.tokens[3].sentence, 1);
    }
}
