//! The page layout shared by every feature: the layout context ([`Shell`]:
//! who is signed in, the language, the menu by role), template rendering,
//! and small helpers templates call.

use askama::Template;
use axum::{
    http::Method,
    response::{Html, IntoResponse, Response},
};

use crate::{
    app::AppState,
    auth::{Ctx, Role},
    error::AppError,
    i18n::Locale,
};

pub fn render_template(t: &impl Template) -> Result<String, AppError> {
    t.render().map_err(|e| AppError::Internal(e.into()))
}

/// Renders a page template into an HTML response.
pub fn page(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(render_template(t)?).into_response())
}

/// `?msg=…` after a redirect: which confirmation the page shows.
#[derive(serde::Deserialize)]
pub struct FlashQuery {
    pub msg: Option<String>,
}

/// The message of the first error on `field`, in the page's language: what
/// a form template shows under that field.
pub fn field_error<'a>(
    errors: &'a [crate::error::FieldError],
    field: &str,
    t: Locale,
) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.get(t))
}

/// An option of a select box.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Whole NT$ as templates show it: `NT$1,200` (the one format,
/// [`Money`](crate::domain::Money)'s).
pub fn money(n: impl std::borrow::Borrow<i64>) -> String {
    crate::domain::Money::new(*n.borrow()).to_string()
}

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
    /// Not built yet: shown greyed out so staff know it is coming.
    pub soon: bool,
}

/// Navigation in menu order: (catalogue key, link, built yet).
const NAV: &[(&str, &str, bool)] = &[
    ("nav.home", "/", true),
    ("nav.desk", "/desk", true),
    ("nav.customers", "/customers", true),
    ("nav.orders", "/orders", true),
    ("nav.prices", "/prices", true),
    ("nav.planning", "/planning", true),
    ("nav.dispatch", "/dispatch", true),
    ("nav.fleet", "/fleet", true),
    ("nav.notifications", "/notifications", true),
    ("nav.reports", "/reports", false),
    ("nav.users", "/users", true),
    ("nav.my", "/my", true),
];

/// Which roles will see a navigation item that has no route yet.
fn planned_roles(href: &str) -> &'static [Role] {
    use Role::{Manager, OfficeStaff, SuperAdmin};
    match href {
        "/customers" | "/orders" | "/planning" | "/drivers" | "/notifications" => {
            &[SuperAdmin, Manager, OfficeStaff]
        }
        "/reports" => &[SuperAdmin, Manager],
        _ => &[],
    }
}

/// The layout's context: who is signed in, the language, the menu.
pub struct Shell {
    pub t: Locale,
    pub lang: &'static str,
    /// The other language, for the switch button.
    pub switch_to: &'static str,
    pub company: String,
    pub title: String,
    pub user_name: Option<String>,
    pub user_role: &'static str,
    pub csrf: String,
    /// Where the language switch returns to.
    pub path: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

impl Shell {
    pub fn new(state: &AppState, ctx: &Ctx, active: &str, title: &str) -> Self {
        let t = ctx.locale;
        let nav = ctx.user.as_ref().map_or_else(Vec::new, |u| {
            NAV.iter()
                .filter(|(_, href, built)| {
                    if *built {
                        state.access.allows(&Method::GET, href, Some(u.role))
                    } else {
                        planned_roles(href).contains(&u.role)
                    }
                })
                .map(|(key, href, built)| NavItem {
                    label: t.t(key),
                    href,
                    active: *href == active,
                    soon: !built,
                })
                .collect()
        });
        Self {
            t,
            lang: t.code(),
            switch_to: t.other().code(),
            company: state.config.company_name.clone(),
            title: title.to_owned(),
            user_name: ctx.user.as_ref().map(|u| u.display_name.clone()),
            user_role: ctx.user.as_ref().map_or("", |u| t.t(u.role.label_key())),
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            nav,
            flash: None,
        }
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Self {
        self.flash = flash;
        self
    }
}
