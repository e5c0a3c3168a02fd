//! Random tokens for sessions, invites, API access and calendar feeds.
//!
//! Only a SHA-256 of each token is stored, so a copy of the database does not
//! let anyone sign in. Tokens have 256 bits of entropy, so a fast hash is enough.

use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new token: what to give the person, and what to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    // Every signed-in request hashes its session token: hex by table, not
    // by `format!` per byte (two thirds of the hash's cost).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), ha);
        assert_eq!(ha.len(), 64);
        // The stored form is SHA-256 in lower-case hex: sessions stored before
        // this encoding was written by hand must still be found.
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
