//! Password hashing with argon2id, off the async threads.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::AppError;

/// Shortest password accepted (OWASP ASVS 2.1.1).
pub const MIN_LEN: usize = 12;
/// Longest password accepted; longer ones only cost hashing time.
pub const MAX_LEN: usize = 128;

/// Checks a new password: the length rules, then that it is not common or an
/// easy variation of something common (OWASP ASVS 2.1.7). zxcvbn estimates
/// how many guesses an attacker with lists of breached passwords, words,
/// names, keyboard walks, dates and repeats would need; under a million (its
/// scores 0 and 1) is refused, with its hint. `context` holds what an attacker
/// knows of the person (name, e-mail), counted as guessable too. No rules on
/// upper case, digits or symbols (ASVS 2.1.9): a few plain words pass.
pub fn validate_new_password(password: &str, context: &[&str]) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("The password must be at least {MIN_LEN} characters long (a few words work well)."));
    }
    if n > MAX_LEN {
        return Err(format!("The password must be at most {MAX_LEN} characters long."));
    }
    // An e-mail's local part and each word of a name are what an attacker tries.
    let mut known: Vec<&str> = Vec::new();
    for c in context {
        known.push(c);
        known.extend(c.split(|ch: char| !ch.is_alphanumeric()).filter(|w| w.chars().count() >= 3));
    }
    let estimate = zxcvbn::zxcvbn(password, &known);
    if estimate.score() < zxcvbn::Score::Two {
        let hint = estimate.feedback().and_then(|f| f.warning()).map(|w| format!(" ({w})")).unwrap_or_default();
        return Err(format!("That password is too easy to guess{hint}. Try a few words that do not belong together."));
    }
    Ok(())
}

/// Hashes a password (argon2id, default parameters).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    // Tens of milliseconds of hashing: no database connection held meanwhile.
    foothold_store::release_held_connection().await;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

/// A hash of a random password, verified against when the account does not
/// exist, so that sign-in takes as long for unknown e-mails as for known ones.
static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let (token, _) = foothold_store::secret::new_token();
    Argon2::default().hash_password(token.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
});

/// Verifies a password against a stored hash (or the dummy when there is none).
pub async fn verify_password(password: &str, stored: Option<String>) -> bool {
    let password = password.to_owned();
    let real = stored.is_some();
    let hash = stored.unwrap_or_else(|| DUMMY.clone());
    // Tens of milliseconds of hashing: no database connection held meanwhile.
    foothold_store::release_held_connection().await;
    tokio::task::spawn_blocking(move || {
        let ok = PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        ok && real
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip() {
        let h = hash_password("correct horse battery").await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(h.clone())).await);
        assert!(!verify_password("wrong horse battery", Some(h)).await);
        assert!(!verify_password("anything at all", None).await);
    }

    #[test]
    fn length_rules() {
        assert!(validate_new_password("short", &[]).is_err());
        assert!(validate_new_password("twelve chars", &[]).is_ok());
        assert!(validate_new_password("lantern cobalt", &[]).is_ok());
        assert!(validate_new_password(&"x".repeat(129), &[]).is_err());
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for common in ["password1234", "123456789012", "qwertyuiop12", "aaaaaaaaaaaa", "iloveyou2024", "Password123!"] {
            let err = validate_new_password(common, &[]).expect_err(common);
            assert!(err.contains("too easy to guess"), "{common}: {err}");
        }
        // Long enough and uncommon, but made of who the person is.
        let me = ["Priya Natarajan", "priya.natarajan@example.org"];
        assert!(validate_new_password("natarajanpriya", &[]).is_ok(), "not guessable without knowing her");
        assert!(validate_new_password("natarajanpriya", &me).is_err(), "her own name");
        // Composition is not required: plain words, no digits or capitals.
        assert!(validate_new_password("violet harbour kettle", &me).is_ok());
        // The passphrases the browser tests type, and the README's example.
        for typed in ["my own long password", "correct horse battery staple", "a long passphrase"] {
            assert!(validate_new_password(typed, &["Marco Rossi", "marco.rossi@example.org"]).is_ok(), "{typed}");
        }
    }
}
