//! Request extractors whose rejections are [`AppError`]s, so bad input is
//! answered in the documented shape and the caller's language like every
//! other refusal: JSON bodies ([`ApiJson`]), URL-encoded forms
//! ([`AppForm`]), forms read field by field ([`FormFields`]: repeated keys
//! such as ticked checkboxes), path parameters ([`Path`]: one that does not
//! parse names nothing that exists, so 404) and query strings ([`Query`]:
//! a field error naming the parameter).
//!
//! Text anywhere in a body or query may not hold control characters other
//! than tab and line breaks: PostgreSQL refuses NUL in text while SQLite
//! stores it, so both are refused here, the same way, naming the field.

use axum::{
    body::{Body, Bytes},
    extract::{
        FromRequest, FromRequestParts, Request,
        rejection::{BytesRejection, JsonRejection, PathRejection},
    },
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{error::AppError, i18n::Text};

/// Whether `s` holds a control character a text field may not.
fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

fn control_error(field: &str) -> AppError {
    AppError::field(
        field,
        Text::new(
            "此欄位含有無法接受的控制字元（例如 NUL）",
            "This field contains a control character that is not allowed (such as NUL)",
        ),
    )
}

/// The last segment of a serde path (`lines[0].size` → `size`), or `body`.
fn last_segment(path: &str) -> &str {
    let name = path
        .rsplit(['.', '['])
        .next()
        .unwrap_or_default()
        .trim_end_matches(']');
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) || name == "?" {
        "body"
    } else {
        name
    }
}

/// A field error from a deserializer's message and path.
fn data_error(path: &str, message: &str) -> AppError {
    if let Some(field) = message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("missing field"))
    {
        return AppError::field(field, Text::key("error.required"));
    }
    AppError::field(last_segment(path), Text::key("error.bad_value"))
}

/// A form body must say it is one (browsers always do).
fn require_form(req: &Request<Body>) -> Result<(), AppError> {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.parse::<mime_type::Essence>().ok())
        .is_some_and(|m| m.is_form());
    if form {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(Text::key("error.want_form")))
    }
}

async fn body_bytes<S: Send + Sync>(req: Request<Body>, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e: BytesRejection| {
            if e.status().as_u16() == 413 {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest(Text::key("error.bad_request"))
            }
        })
}

/// JSON body extractor whose rejections use the application's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| ct.parse::<mime_type::Essence>().ok())
            .is_some_and(|m| m.is_json());
        if !json {
            return Err(AppError::UnsupportedMediaType(Text::key("error.want_json")));
        }
        let bytes = body_bytes(req, state).await?;
        // A string with a control character, escaped (`\u0000`) or raw.
        let suspicious = bytes.windows(4).any(|w| w.eq_ignore_ascii_case(b"\\u00"))
            || bytes
                .iter()
                .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
        if suspicious
            && let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(field) = control_in(&value, "body")
        {
            return Err(control_error(&field));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// The name of the first field whose text (or key) holds a control character.
fn control_in(v: &serde_json::Value, name: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) => has_control(s).then(|| name.to_owned()),
        serde_json::Value::Array(items) => items.iter().find_map(|i| control_in(i, name)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if has_control(k) {
                Some("body".to_owned())
            } else {
                control_in(v, k)
            }
        }),
        _ => None,
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    let detail = rejection.body_text();
    if let JsonRejection::JsonDataError(_) = rejection {
        // "Failed to deserialize the JSON body into the target type: lines[0].size: unknown …"
        let rest = detail
            .split_once("target type: ")
            .map_or(detail.as_str(), |(_, r)| r);
        let path = rest.split(": ").next().unwrap_or_default();
        let message = rest.split_once(": ").map_or(rest, |(_, m)| m);
        if message.contains("missing field") {
            return data_error("", message);
        }
        return data_error(if path.contains(' ') { "" } else { path }, message);
    }
    AppError::BadRequest(Text::key("error.bad_json"))
}

/// Parses `key=value&…` into pairs, refusing control characters.
fn pairs_of(raw: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw)
        .map_err(|_| AppError::BadRequest(Text::key("error.bad_form")))?;
    if let Some((k, _)) = pairs.iter().find(|(k, v)| has_control(k) || has_control(v)) {
        let name = if has_control(k) { "body" } else { k.as_str() };
        return Err(control_error(name));
    }
    Ok(pairs)
}

/// Deserializes checked pairs into `T`, naming the field that does not fit.
fn from_pairs<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw));
    serde_path_to_error::deserialize(de)
        .map_err(|e| data_error(&e.path().to_string(), &e.inner().to_string()))
}

/// A URL-encoded form body.
pub struct AppForm<T>(pub T);

impl<S, T> FromRequest<S> for AppForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        require_form(&req)?;
        let bytes = body_bytes(req, state).await?;
        pairs_of(&bytes)?;
        from_pairs(&bytes).map(Self)
    }
}

/// Every field of a form as sent, in order, with repeated keys kept.
pub struct FormFields(pub Vec<(String, String)>);

impl<S> FromRequest<S> for FormFields
where
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        require_form(&req)?;
        let bytes = body_bytes(req, state).await?;
        pairs_of(&bytes).map(Self)
    }
}

impl FormFields {
    /// The first value sent for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value sent for `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` was sent at all (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The first value of `name` as a whole number, if it is one.
    pub fn int(&self, name: &str) -> Option<i32> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// The fields whose names start with `prefix`, with the prefix cut off:
    /// `qty_50=2` read with `"qty_"` gives `("50", "2")`.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, v.as_str())))
    }
}

/// Path parameters. A value that does not parse (`/customers/abc`) names
/// nothing that exists: 404.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(AppError::NotFound),
            Err(_) => Err(AppError::BadRequest(Text::key("error.bad_request"))),
        }
    }
}

/// A query string. A parameter that does not parse is a field error
/// naming it (`page`: 此欄位的值不正確).
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or_default().as_bytes();
        pairs_of(raw)?;
        from_pairs(raw).map(Self)
    }
}

/// Media types as far as these extractors care.
mod mime_type {
    /// `type/subtype` of a `Content-Type`, lower-cased, parameters dropped.
    pub struct Essence(String);

    impl std::str::FromStr for Essence {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            let e = s
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if e.contains('/') {
                Ok(Self(e))
            } else {
                Err(())
            }
        }
    }

    impl Essence {
        /// A URL-encoded form.
        pub fn is_form(&self) -> bool {
            self.0 == "application/x-www-form-urlencoded"
        }

        /// `application/json` or a `+json` type.
        pub fn is_json(&self) -> bool {
            self.0 == "application/json" || self.0.ends_with("+json")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> FormFields {
        FormFields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn repeated_keys_are_all_kept_in_order() {
        let f = fields(&[("ids", "3"), ("x", "a"), ("ids", "5")]);
        assert_eq!(f.all("ids").collect::<Vec<_>>(), vec!["3", "5"]);
        assert_eq!(f.get("x"), Some("a"));
        assert_eq!(f.int("ids"), Some(3));
        assert!(f.has("x") && !f.has("y"));
    }

    #[test]
    fn prefixed_fields_lose_their_prefix() {
        let f = fields(&[("qty_50", "2"), ("qty_4", ""), ("note", "n")]);
        assert_eq!(
            f.with_prefix("qty_").collect::<Vec<_>>(),
            vec![("50", "2"), ("4", "")]
        );
    }

    fn field_of(e: &AppError) -> &str {
        match e {
            AppError::Invalid(f) => &f[0].field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_nul_in_a_form_or_json_field_is_refused_naming_the_field() {
        let e = pairs_of(b"name=ok&notes=a%00b").unwrap_err();
        assert_eq!(field_of(&e), "notes");
        let v: serde_json::Value =
            serde_json::from_str(r#"{"lines":[{"size":"20"}],"notes":"x\u0000"}"#).unwrap();
        assert_eq!(control_in(&v, "body").as_deref(), Some("notes"));
        assert!(
            pairs_of(b"notes=line%0Anext%09tab").is_ok(),
            "line breaks and tabs are text"
        );
    }

    #[test]
    fn a_form_value_of_the_wrong_type_names_its_field() {
        #[derive(serde::Deserialize, Debug)]
        struct F {
            #[allow(dead_code)] // read only by the deserializer
            page: u64,
        }
        let e = from_pairs::<F>(b"page=abc").unwrap_err();
        assert_eq!(field_of(&e), "page");
        let e = from_pairs::<F>(b"").unwrap_err();
        assert_eq!(field_of(&e), "page");
    }

    #[test]
    fn json_content_types_are_recognised() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "application/problem+json",
        ] {
            assert!(ct.parse::<mime_type::Essence>().unwrap().is_json(), "{ct}");
        }
        assert!(
            !"text/plain"
                .parse::<mime_type::Essence>()
                .unwrap()
                .is_json()
        );
    }
}
