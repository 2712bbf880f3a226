//! Locales and the string catalogues (`locales/zh-TW.toml`, `locales/en.toml`).
//! zh-TW is the default; English is the second language.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

/// The cookie that remembers the language of a visitor who is not signed in.
pub const LANG_COOKIE: &str = "lg_lang";

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Self::ZhTw => "zh-TW",
            Self::En => "en",
        }
    }

    /// The other supported language.
    pub fn other(self) -> Self {
        match self {
            Self::ZhTw => Self::En,
            Self::En => Self::ZhTw,
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_lowercase();
        if code.starts_with("zh") {
            Some(Self::ZhTw)
        } else if code.starts_with("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// Picks the preferred supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut tags: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let locale = Self::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, locale))
            })
            .collect();
        // Stable sort keeps header order among equal weights.
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.first().map(|(_, l)| *l)
    }

    /// Looks a key up in this locale's catalogue; a missing key shows itself.
    pub fn t(self, key: &str) -> &'static str {
        let catalogue = match self {
            Self::ZhTw => &*ZH_TW,
            Self::En => &*EN,
        };
        catalogue
            .get(key)
            .map_or_else(|| leak_missing(key), String::as_str)
    }
}

fn leak_missing(key: &str) -> &'static str {
    tracing::warn!(key, "missing translation");
    "??"
}

fn load(src: &str) -> HashMap<String, String> {
    let table: toml::Table = src.parse().expect("catalogue is valid TOML");
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => panic!("catalogue value for {key} must be a string, found {other}"),
        }
    }
}

static ZH_TW: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/zh-TW.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/en.toml")));

/// A message in both languages, for errors and texts built at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The same text as a catalogue key in both languages.
    pub fn key(key: &str) -> Self {
        Self::new(Locale::ZhTw.t(key), Locale::En.t(key))
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhTw => &self.zh,
            Locale::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let mut zh: Vec<_> = ZH_TW.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        zh.sort();
        en.sort();
        assert_eq!(zh, en);
    }

    #[test]
    fn accept_language_prefers_the_highest_weight() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh-TW;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("zh-TW,zh;q=0.9,en;q=0.5"),
            Some(Locale::ZhTw)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, en;q=0.2"),
            Some(Locale::En)
        );
        assert_eq!(Locale::from_accept_language("fr"), None);
    }
}
