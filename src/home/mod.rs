//! The home page. Office staff see today's work: orders waiting to be
//! confirmed, the day's and tomorrow's routes until they are published,
//! and deliveries that failed, each linking to where it is dealt with.
//! Admins also see the system's figures (accounts, sessions, database).

use askama::Template;
use axum::{
    extract::State,
    http::Method,
    response::{IntoResponse, Response},
};
use chrono::{Duration, NaiveDate};

use crate::{
    app::{AppState, Routes},
    audit,
    auth::{Ctx, Role, session},
    db,
    error::AppError,
    fleet,
    i18n::Locale,
    layout::{Shell, page},
    orders::{
        queries::{self as orders, OrderFilter},
        status::OrderStatus,
    },
    planning::{lookups::plan_status_on, status::PlanStatus},
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

/// An order named in a work card.
pub struct WorkOrder {
    pub id: i32,
    pub number: String,
    pub customer: String,
    pub date: String,
}

/// A day's routes as the work card shows them.
pub struct DayPlan {
    pub date: String,
    /// 今天 / 明天.
    pub label: &'static str,
    /// `none`, `draft`, `changed`, `published`.
    pub status: &'static str,
    pub status_label: &'static str,
    /// Orders of the day not yet delivered, failed or cancelled.
    pub open: u64,
    /// Still to be published (there are orders and the drivers do not
    /// have the latest plan).
    pub to_do: bool,
}

#[derive(Template)]
#[template(path = "home/page.html")]
struct HomePage {
    shell: Shell,
    greeting: String,
    today: String,
    is_staff: bool,
    is_admin: bool,
    figures: Vec<Figure>,
    to_confirm: Vec<WorkOrder>,
    to_confirm_total: u64,
    plans: Vec<DayPlan>,
    failed: Vec<WorkOrder>,
    failed_total: u64,
    system: Vec<Figure>,
    depot: Option<String>,
    backend: &'static str,
}

impl HomePage {
    fn plans_to_do(&self) -> usize {
        self.plans.iter().filter(|p| p.to_do).count()
    }
}

/// Up to five orders on `dates` with `status`, and how many there are.
async fn orders_with(
    state: &AppState,
    dates: &[NaiveDate],
    status: OrderStatus,
) -> Result<(Vec<WorkOrder>, u64), AppError> {
    let mut shown = Vec::new();
    let mut total = 0;
    for d in dates {
        let f = OrderFilter {
            date: d.to_string(),
            status: status.as_str().to_owned(),
            per_page: 5,
            ..Default::default()
        };
        let (rows, n) = orders::list(&state.db, &f).await?;
        total += n;
        for r in rows {
            if shown.len() < 5 {
                shown.push(WorkOrder {
                    id: r.order.id,
                    number: r.order.order_number.clone(),
                    customer: r.customer.name.clone(),
                    date: r.order.requested_date.format("%m/%d").to_string(),
                });
            }
        }
    }
    Ok((shown, total))
}

async fn day_plan(
    state: &AppState,
    t: Locale,
    date: NaiveDate,
    label: &'static str,
) -> Result<DayPlan, AppError> {
    let open = orders::count(
        &state.db,
        &OrderFilter {
            date: date.to_string(),
            status: "open".into(),
            ..Default::default()
        },
    )
    .await?;
    let status = plan_status_on(&state.db, date).await?;
    let (code, key) = match status {
        None => ("none", "planning.status_none"),
        Some(s) => (s.as_str(), s.label_key()),
    };
    Ok(DayPlan {
        date: date.to_string(),
        label: t.t(label),
        status: code,
        status_label: t.t(key),
        open,
        to_do: open > 0 && status != Some(PlanStatus::Published),
    })
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let t = ctx.locale;
    let user = ctx.user.as_ref().ok_or(AppError::NotAuthenticated)?;
    // Drivers work in their app.
    if user.role == Role::Driver {
        return Ok(axum::response::Redirect::to("/driver").into_response());
    }
    let now = state.clock.now();
    let today = state.clock.today_taipei();
    let tomorrow = today + Duration::days(1);
    let is_staff = user.role.is_staff();
    let is_admin = user.role == Role::SuperAdmin;
    let mut page_ = HomePage {
        shell: Shell::new(&state, &ctx, "/", t.t("nav.home")),
        greeting: t.t("home.greeting").replace("{name}", &user.display_name),
        today: today.format("%Y-%m-%d").to_string(),
        is_staff,
        is_admin,
        figures: Vec::new(),
        to_confirm: Vec::new(),
        to_confirm_total: 0,
        plans: Vec::new(),
        failed: Vec::new(),
        failed_total: 0,
        system: Vec::new(),
        depot: None,
        backend: db::backend_name(&state.db),
    };
    if is_staff {
        let f = |label: &str, value: u64, note: &str| Figure {
            label: t.t(label),
            value: value.to_string(),
            note: t.t(note),
        };
        let day = |status: &str| OrderFilter {
            date: today.to_string(),
            status: status.to_owned(),
            ..Default::default()
        };
        page_.figures = vec![
            f(
                "home.orders_today",
                orders::count(&state.db, &day("")).await?,
                "home.orders_today_note",
            ),
            f(
                "home.open_today",
                orders::count(&state.db, &day("open")).await?,
                "home.open_today_note",
            ),
            f(
                "home.delivered_today",
                orders::count(&state.db, &day("delivered")).await?,
                "home.delivered_today_note",
            ),
        ];
        (page_.to_confirm, page_.to_confirm_total) =
            orders_with(&state, &[today, tomorrow], OrderStatus::Pending).await?;
        (page_.failed, page_.failed_total) =
            orders_with(&state, &[today], OrderStatus::Failed).await?;
        page_.plans = vec![
            day_plan(&state, t, today, "home.today").await?,
            day_plan(&state, t, tomorrow, "home.tomorrow").await?,
        ];
    }
    if is_admin {
        let f = |label: &str, value: u64, note: &str| Figure {
            label: t.t(label),
            value: value.to_string(),
            note: t.t(note),
        };
        let staff = users::count_by_role(&state.db, Role::OfficeStaff).await?
            + users::count_by_role(&state.db, Role::Manager).await?
            + users::count_by_role(&state.db, Role::SuperAdmin).await?;
        page_.system = vec![
            f(
                "home.customers",
                crate::customers::queries::count(
                    &state.db,
                    &crate::customers::queries::Filter::default(),
                )
                .await?,
                "home.customers_note",
            ),
            f("home.staff", staff, "home.staff_note"),
            f(
                "home.drivers",
                users::count_by_role(&state.db, Role::Driver).await?,
                "home.drivers_note",
            ),
            f(
                "home.customer_accounts",
                users::count_by_role(&state.db, Role::Customer).await?,
                "home.customer_accounts_note",
            ),
            f(
                "home.sessions",
                session::count_live(&state.db, now).await?,
                "home.sessions_note",
            ),
            f(
                "home.changes",
                audit::count_since(&state.db, now - Duration::days(7)).await?,
                "home.changes_note",
            ),
        ];
        page_.depot = fleet::store::depot(&state.db)
            .await?
            .map(|d| format!("{} · {}", d.name, d.address));
    }
    page(&page_)
}
