//! Request extractors whose rejections are [`AppError`]s, so a bad body is
//! answered in the documented shape and the caller's language like every
//! other refusal: JSON bodies ([`ApiJson`]), URL-encoded forms
//! ([`AppForm`]) and forms read field by field ([`FormFields`]: repeated
//! keys such as ticked checkboxes).

use axum::{
    Form, Json,
    body::Body,
    extract::{
        FromRequest, Request,
        rejection::{FormRejection, JsonRejection},
    },
};

use crate::{error::AppError, i18n::Text};

/// JSON body extractor whose rejections use the application's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    let detail = rejection.body_text();
    // serde names the missing or mistyped field in backticks.
    if let Some(field) = detail
        .split('`')
        .nth(1)
        .filter(|_| detail.contains("missing field"))
    {
        return AppError::field(field, Text::key("error.required"));
    }
    if let JsonRejection::JsonDataError(_) = rejection {
        let field = detail.split(" at line").next().unwrap_or_default();
        let field = field.rsplit(": ").next().unwrap_or_default();
        let name = field.split('.').next_back().unwrap_or("body").trim();
        return AppError::field(
            if name.is_empty() || name.contains(' ') {
                "body"
            } else {
                name
            },
            Text::key("error.bad_value"),
        );
    }
    AppError::BadRequest(Text::key("error.bad_json"))
}

/// A URL-encoded form body.
pub struct AppForm<T>(pub T);

impl<S, T> FromRequest<S> for AppForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(Self(v)),
            Err(rejection) => Err(form_rejection(&rejection)),
        }
    }
}

fn form_rejection(rejection: &FormRejection) -> AppError {
    let detail = rejection.body_text();
    if let Some(field) = detail
        .split('`')
        .nth(1)
        .filter(|_| detail.contains("missing field"))
    {
        return AppError::field(field, Text::key("error.required"));
    }
    match rejection {
        FormRejection::FailedToDeserializeForm(_) => {
            AppError::field("body", Text::key("error.bad_value"))
        }
        _ => AppError::BadRequest(Text::key("error.bad_form")),
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
        let AppForm(pairs) = AppForm::from_request(req, state).await?;
        Ok(Self(pairs))
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
}
