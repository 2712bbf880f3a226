//! The id of one request: in its log span, its `X-Request-Id` header and any
//! error page, so a user's report can be found in the log.

use axum::http::HeaderMap;

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    /// The caller's `X-Request-Id` when it is a short token (a proxy's id),
    /// else a new random one.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let given = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 64
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        Self(given.map_or_else(
            || {
                let mut b = [0u8; 8];
                getrandom::fill(&mut b).expect("randomness");
                format!("{:016x}", u64::from_be_bytes(b))
            },
            str::to_owned,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_id_is_kept_and_a_bad_one_replaced() {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", "abc-123".parse().unwrap());
        assert_eq!(RequestId::from_headers(&h).0, "abc-123");
        h.insert("x-request-id", "bad id<script>".parse().unwrap());
        let id = RequestId::from_headers(&h).0;
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
