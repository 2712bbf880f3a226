//! The language of a request before we know who sent it.

use axum::http::{HeaderMap, header};

use super::cookie;
use crate::i18n::{LANG_COOKIE, Locale};

/// The language cookie, then `Accept-Language`, then zh-TW.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    cookie(headers, LANG_COOKIE)
        .and_then(Locale::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_cookie_wins_over_accept_language() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
        assert_eq!(request_locale(&h), Locale::En);
        h.insert(header::COOKIE, "a=b; lg_lang=zh-TW".parse().unwrap());
        assert_eq!(request_locale(&h), Locale::ZhTw);
    }
}
