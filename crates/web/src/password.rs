//! Password hashing with argon2id, off the async threads.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::AppError;

/// Shortest password accepted (OWASP ASVS 2.1.1).
pub const MIN_LEN: usize = 12;
/// Longest password accepted; longer ones only cost hashing time.
pub const MAX_LEN: usize = 128;

/// Checks a new password against the length rules.
pub fn validate_new_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("The password must be at least {MIN_LEN} characters long (a few words work well)."));
    }
    if n > MAX_LEN {
        return Err(format!("The password must be at most {MAX_LEN} characters long."));
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
        assert!(validate_new_password("short").is_err());
        assert!(validate_new_password("twelve chars").is_ok());
        assert!(validate_new_password(&"x".repeat(129)).is_err());
    }
}
