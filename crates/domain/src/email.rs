//! E-mail addresses, compared case-insensitively.

use std::fmt;

/// Longest address accepted, in characters (RFC 5321's path limit, which
/// counts octets, is the same for the ASCII addresses nearly everyone has).
const MAX_LEN: usize = 254;

/// A syntactically plausible e-mail address, stored lower-cased so that
/// uniqueness is case-insensitive everywhere without collation tricks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why a string is not accepted as an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was given.
    #[error("the e-mail address is missing")]
    Empty,
    /// Over [`MAX_LEN`] characters.
    #[error("the e-mail address is longer than 254 characters")]
    TooLong,
    /// Not of the form `name@domain.tld`.
    #[error("'{0}' is not an e-mail address (expected name@example.org)")]
    Malformed(String),
}

impl Email {
    /// Parses and normalises an address. Deliberately simple: one `@`, a
    /// non-empty local part, a dotted domain, no spaces or control characters.
    /// Full RFC 5322 syntax would accept addresses no mail server delivers to.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let malformed = || EmailError::Malformed(s.chars().take(80).collect());
        let (local, domain) = s.split_once('@').ok_or_else(malformed)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\@".contains(c);
        if local.is_empty()
            || domain.len() < 3
            || local.chars().any(bad_char)
            || domain.chars().any(bad_char)
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || local.starts_with('.')
            || local.ends_with('.')
        {
            return Err(malformed());
        }
        Ok(Email(s.to_lowercase()))
    }

    /// The normalised (lower-case) address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        let e = Email::parse("  Kelly.Smith@Example.ORG ").expect("valid");
        assert_eq!(e.as_str(), "kelly.smith@example.org");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "   ",
            "kelly",
            "kelly@",
            "@example.org",
            "kelly@example",
            "kel ly@example.org",
            "kelly@@example.org",
            "kelly@.example.org",
            "kelly@example.org.",
            "kelly@exa..mple.org",
            "<kelly@example.org>",
            ".kelly@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(Email::parse(&format!("{}@example.org", "a".repeat(250))), Err(EmailError::TooLong));
    }

    #[test]
    fn accepts_common_forms() {
        for ok in ["a@b.co", "first.last+tag@sub.example.co.uk", "o'brien@example.ie", "名前@例え.jp"] {
            assert!(Email::parse(ok).is_ok(), "{ok:?} should be accepted");
        }
    }
}
