//! The home page: today's figures from the database.

use askama::Template;
use axum::{extract::State, http::Method, response::Response};
use chrono::Duration;

use crate::{
    app::{AppState, Routes},
    audit,
    auth::{Ctx, Role, session},
    db,
    error::AppError,
    fleet,
    layout::{Shell, page},
    users::queries as users,
};

use crate::auth::policy::SIGNED_IN;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/", SIGNED_IN, home)
}

pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub note: &'static str,
}

#[derive(Template)]
#[template(path = "home/page.html")]
struct HomePage {
    shell: Shell,
    greeting: String,
    today: String,
    figures: Vec<Figure>,
    depot: Option<String>,
    backend: &'static str,
    is_staff: bool,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let t = ctx.locale;
    let user = ctx.user.as_ref().ok_or(AppError::NotAuthenticated)?;
    let now = state.clock.now();
    let is_staff = user.role.is_staff();
    let mut figures = Vec::new();
    if is_staff {
        let staff = users::count_by_role(&state.db, Role::OfficeStaff).await?
            + users::count_by_role(&state.db, Role::Manager).await?
            + users::count_by_role(&state.db, Role::SuperAdmin).await?;
        let f = |label: &str, value: u64, note: &str| Figure {
            label: t.t(label),
            value: value.to_string(),
            note: t.t(note),
        };
        let today = state.clock.today_taipei();
        let day = |status: &str| crate::orders::queries::OrderFilter {
            date: today.to_string(),
            status: status.to_owned(),
            ..Default::default()
        };
        let today_orders = crate::orders::queries::count(&state.db, &day("")).await?;
        let open_today = crate::orders::queries::count(&state.db, &day("open")).await?;
        let active_customers = crate::customers::queries::count(
            &state.db,
            &crate::customers::queries::Filter::default(),
        )
        .await?;
        figures.push(f(
            "home.orders_today",
            today_orders,
            "home.orders_today_note",
        ));
        figures.push(f("home.open_today", open_today, "home.open_today_note"));
        figures.push(f("home.customers", active_customers, "home.customers_note"));
        figures.push(f("home.staff", staff, "home.staff_note"));
        figures.push(f(
            "home.drivers",
            users::count_by_role(&state.db, Role::Driver).await?,
            "home.drivers_note",
        ));
        figures.push(f(
            "home.customer_accounts",
            users::count_by_role(&state.db, Role::Customer).await?,
            "home.customer_accounts_note",
        ));
        figures.push(f(
            "home.sessions",
            session::count_live(&state.db, now).await?,
            "home.sessions_note",
        ));
        figures.push(f(
            "home.changes",
            audit::count_since(&state.db, now - Duration::days(7)).await?,
            "home.changes_note",
        ));
    }
    let depot = fleet::store::depot(&state.db)
        .await?
        .map(|d| format!("{} · {}", d.name, d.address));
    let page_ = HomePage {
        shell: Shell::new(&state, &ctx, "/", t.t("nav.home")),
        greeting: t.t("home.greeting").replace("{name}", &user.display_name),
        today: state.clock.today_taipei().format("%Y-%m-%d").to_string(),
        figures,
        depot,
        backend: db::backend_name(&state.db),
        is_staff,
    };
    page(&page_)
}
