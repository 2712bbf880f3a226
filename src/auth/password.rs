//! Password hashing with argon2, off the async runtime.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};

use crate::i18n::Text;

pub const MIN_LENGTH: usize = 8;

/// Checks the password rules; the message names the field.
pub fn check_strength(password: &str) -> Result<(), Text> {
    if password.chars().count() < MIN_LENGTH {
        return Err(Text::new(
            format!("「密碼」至少需要 {MIN_LENGTH} 個字元"),
            format!("Password must be at least {MIN_LENGTH} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(Text::new("「密碼」太長", "Password is too long"));
    }
    Ok(())
}

/// Hashes a password in a blocking thread (argon2 is slow by design).
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

/// Verifies a password against a stored hash in a blocking thread.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the account does not
/// exist so that a wrong user name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_blocking("luckygas-no-such-user").expect("hashing works"));
    &DUMMY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify("correct horse".into(), h.clone()).await);
        assert!(!verify("wrong horse".into(), h).await);
    }

    #[test]
    fn short_passwords_are_refused_with_a_field_message() {
        let err = check_strength("short").unwrap_err();
        assert!(err.zh.contains("密碼"));
        assert!(check_strength("long enough").is_ok());
    }
}
