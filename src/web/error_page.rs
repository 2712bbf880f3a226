//! How a refusal looks in a browser: a full error page, or a toast fragment
//! for htmx. The error renderer (`error::render_errors`) decides which and
//! passes the texts already in the caller's language.

use std::fmt::Write;

use askama::Template;

use super::escape;
use crate::i18n::Locale;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: &'static str,
    title: &'a str,
    heading: &'a str,
    fields: &'a [&'a str],
    request_id: &'a str,
    request_id_label: &'static str,
    home_label: &'static str,
}

/// The whole error page: status, message, the field messages and the
/// request id to quote when reporting it.
pub fn page_html(
    locale: Locale,
    status: u16,
    message: &str,
    fields: &[&str],
    request_id: &str,
) -> String {
    let status = status.to_string();
    let page = ErrorPage {
        lang: locale.code(),
        title: &status,
        heading: message,
        fields,
        request_id,
        request_id_label: locale.t("error.request_id"),
        home_label: locale.t("error.back_home"),
    };
    page.render()
        .unwrap_or_else(|_| escape(message).into_owned())
}

/// A toast appended to `#toasts` by htmx.
pub fn toast_html(code: &str, message: &str, fields: &[&str]) -> String {
    let mut s = format!(
        r#"<div class="toast toast-error" role="alert" data-code="{}"><strong>{}</strong>"#,
        escape(code),
        escape(message)
    );
    if !fields.is_empty() {
        s.push_str("<ul>");
        for f in fields {
            let _ = write!(s, "<li>{}</li>", escape(f));
        }
        s.push_str("</ul>");
    }
    s.push_str("</div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toast_escapes_what_it_shows() {
        let t = toast_html("validation", "<b>", &["a&b"]);
        assert!(t.contains("&lt;b&gt;") && t.contains("a&amp;b"));
    }

    #[test]
    fn the_page_shows_message_fields_and_request_id() {
        let p = page_html(
            Locale::ZhTw,
            422,
            "資料驗證失敗",
            &["「電話」格式不正確"],
            "abc",
        );
        assert!(p.contains("422") && p.contains("「電話」格式不正確") && p.contains("abc"));
    }
}
