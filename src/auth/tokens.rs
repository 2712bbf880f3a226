//! Signed tokens: HS256 JSON Web Tokens for API clients, CSRF tokens bound to
//! a session, and random session identifiers.
//!
//! JWTs here are only ever HS256 with our own secret, so they are made with
//! RustCrypto's HMAC directly (constant-time verification) instead of a JWT
//! crate that would bring RSA and elliptic-curve code we never use.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const JWT_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: i64,
    /// The user's auth version when the token was issued; bumping it (on
    /// deactivation or password reset) revokes every token at once.
    pub av: i32,
    pub iat: i64,
    pub exp: i64,
}

fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(data);
    m
}

pub fn encode_jwt(secret: &[u8], claims: &Claims) -> String {
    let payload = serde_json::to_vec(claims).expect("claims serialise");
    let signing_input = format!("{}.{}", B64.encode(JWT_HEADER), B64.encode(payload));
    let sig = mac(secret, signing_input.as_bytes())
        .finalize()
        .into_bytes();
    format!("{signing_input}.{}", B64.encode(sig))
}

/// Verifies signature, algorithm and expiry; `now` is Unix seconds.
pub fn decode_jwt(secret: &[u8], token: &str, now: i64) -> Option<Claims> {
    let (signing_input, sig) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    let sig = B64.decode(sig).ok()?;
    mac(secret, signing_input.as_bytes())
        .verify_slice(&sig)
        .ok()?;
    let header: serde_json::Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let claims: Claims = serde_json::from_slice(&B64.decode(payload).ok()?).ok()?;
    (claims.exp > now).then_some(claims)
}

/// The CSRF token for a session (or an anonymous visitor's id).
pub fn csrf_token(secret: &[u8], binding: &str) -> String {
    B64.encode(
        mac(secret, format!("csrf:{binding}").as_bytes())
            .finalize()
            .into_bytes(),
    )
}

pub fn csrf_matches(secret: &[u8], binding: &str, submitted: &str) -> bool {
    B64.decode(submitted.trim()).is_ok_and(|sig| {
        mac(secret, format!("csrf:{binding}").as_bytes())
            .verify_slice(&sig)
            .is_ok()
    })
}

/// Compares two secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new random token (256 bits), URL-safe.
pub fn random_token() -> String {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).expect("the operating system provides randomness");
    B64.encode(buf)
}

/// Session tokens are stored hashed, so a leaked table opens no sessions.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hexadecimal of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: 7,
            av: 1,
            iat: 0,
            exp,
        }
    }

    #[test]
    fn a_token_decodes_with_its_secret_until_it_expires() {
        let t = encode_jwt(b"k1", &claims(100));
        assert_eq!(decode_jwt(b"k1", &t, 99), Some(claims(100)));
        assert_eq!(decode_jwt(b"k1", &t, 100), None);
        assert_eq!(decode_jwt(b"k2", &t, 1), None);
    }

    #[test]
    fn a_tampered_payload_is_rejected() {
        let t = encode_jwt(b"k", &claims(100));
        let parts: Vec<_> = t.split('.').collect();
        let forged = B64.encode(
            serde_json::to_vec(&Claims {
                sub: 1,
                ..claims(100)
            })
            .unwrap(),
        );
        assert_eq!(
            decode_jwt(b"k", &format!("{}.{forged}.{}", parts[0], parts[2]), 1),
            None
        );
    }

    #[test]
    fn an_unsigned_algorithm_is_rejected() {
        let header = B64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = B64.encode(serde_json::to_vec(&claims(100)).unwrap());
        let input = format!("{header}.{payload}");
        let sig = B64.encode(mac(b"k", input.as_bytes()).finalize().into_bytes());
        assert_eq!(decode_jwt(b"k", &format!("{input}.{sig}"), 1), None);
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let t = csrf_token(b"k", "session-a");
        assert!(csrf_matches(b"k", "session-a", &t));
        assert!(!csrf_matches(b"k", "session-b", &t));
        assert!(!csrf_matches(b"k", "session-a", "garbage"));
    }
}
