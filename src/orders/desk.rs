//! The phone-order desk: find the caller by phone digits or code, see their
//! card, repeat their usual order for today or tomorrow, confirm.
//!
//! Keys once the card shows: `1` today / `2` tomorrow (then Enter confirms),
//! so a repeat order takes two keystrokes.

use askama::Template;
use axum::{
    extract::State,
    response::{Html, IntoResponse, Response},
};
use chrono::Duration;
use serde::Deserialize;

use super::{form::OrderInput, handlers::usual_input, queries, status::OrderStatus};
use crate::{
    app::AppState,
    auth::{Ctx, CurrentUser},
    customers::{
        api::show_phone,
        queries::{self as customers, Filter},
    },
    domain::CylinderSize,
    error::{AppError, FieldError},
    extract::{AppForm, Path, Query},
    i18n::Locale,
    layout::{Shell, money, render_template},
    orders::queries::lines_text,
};

#[derive(Template)]
#[template(path = "orders/desk/page.html")]
struct DeskPage {
    shell: Shell,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let t = ctx.locale;
    let page = DeskPage {
        shell: Shell::new(&state, &ctx, "/desk", t.t("desk.title")),
    };
    Ok(Html(render_template(&page)?).into_response())
}

/// A number typed that found nobody: the desk offers a new customer with it.
fn caller_number(needle: &str) -> Option<String> {
    let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 8
        && needle
            .chars()
            .all(|c| c.is_ascii_digit() || " -()+".contains(c)))
    .then_some(digits)
}

pub struct Match {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub phone: String,
    pub address: String,
}

#[derive(Template)]
#[template(path = "orders/desk/_matches.html")]
struct MatchList {
    t: Locale,
    q: String,
    matches: Vec<Match>,
    /// Digits of an unknown caller's number, for "new customer".
    new_phone: Option<String>,
}

#[derive(Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    q: String,
}

pub async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LookupQuery>,
) -> Result<Response, AppError> {
    let needle = q.q.trim().to_owned();
    let matches = if needle.chars().count() < 2 {
        Vec::new()
    } else {
        let f = Filter {
            q: needle.clone(),
            per_page: 8,
            ..Filter::default()
        };
        state
            .search
            .search(&state.db, &f)
            .await?
            .rows()
            .map(|e| Match {
                phone: e.phones.first().map(|p| show_phone(p)).unwrap_or_default(),
                id: e.customer.id,
                code: e.customer.code.clone(),
                name: e.customer.name.clone(),
                address: e.customer.address.clone(),
            })
            .collect()
    };
    let new_phone = if matches.is_empty() {
        caller_number(&needle)
    } else {
        None
    };
    Ok(Html(render_template(&MatchList {
        t: ctx.locale,
        q: needle,
        matches,
        new_phone,
    })?)
    .into_response())
}

pub struct RecentOrder {
    pub id: i32,
    pub number: String,
    pub date: String,
    pub items: String,
    pub status: String,
    pub status_code: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "orders/desk/_card.html")]
struct Card {
    t: Locale,
    csrf: String,
    id: i32,
    code: String,
    name: String,
    phones: Vec<String>,
    address: String,
    /// `(source, label)` when the location is not precise enough to find
    /// the door (the driver will need to ask).
    location_note: Option<(&'static str, &'static str)>,
    windows: String,
    notes: String,
    cylinders: String,
    unpaid: String,
    usual: String,
    qty: Vec<(String, String, String)>,
    today: String,
    tomorrow: String,
    recent: Vec<RecentOrder>,
    open_count: usize,
    errors: Vec<FieldError>,
    active: bool,
    /// Unit price per size today, as `(size code, NT$)` (sizes without a
    /// price are left out).
    prices: Vec<(String, i64)>,
    notes_input: String,
    date_chosen: String,
    /// Open orders on the chosen date when the desk asks before a second.
    same_day: Vec<RecentOrder>,
}

impl Card {
    /// The order's total at today's prices, as shown before confirming.
    fn total(&self) -> String {
        let sum: i64 = self
            .qty
            .iter()
            .filter_map(|(code, _, q)| {
                let n: i64 = q.trim().parse().ok()?;
                let p = self.prices.iter().find(|(c, _)| c == code)?.1;
                Some(n.clamp(0, 200) * p)
            })
            .sum();
        money(sum)
    }

    fn price_of(&self, code: &str) -> i64 {
        self.prices
            .iter()
            .find(|(c, _)| c == code)
            .map_or(0, |(_, p)| *p)
    }

    fn err(&self) -> Option<String> {
        (!self.errors.is_empty()).then(|| {
            self.errors
                .iter()
                .map(|e| e.message.get(self.t).to_owned())
                .collect::<Vec<_>>()
                .join("；")
        })
    }
}

async fn card_html(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    input: Option<&OrderInput>,
    errors: Vec<FieldError>,
    same_day: Vec<RecentOrder>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let c = customers::get(&state.db, id).await?;
    let phones = customers::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let stats =
        super::customer_figures::for_customer(&state.db, id, state.clock.today_taipei()).await?;
    let usual = queries::usual_lines(&state.db, &c).await?;
    let prefill = match input {
        Some(i) => i.clone(),
        None => usual_input(&usual),
    };
    let recent: Vec<RecentOrder> = queries::recent_for_customer(&state.db, id, 5)
        .await?
        .into_iter()
        .map(|r| {
            let st = OrderStatus::parse(&r.order.status).unwrap_or(OrderStatus::Pending);
            RecentOrder {
                id: r.order.id,
                number: r.order.order_number.clone(),
                date: r.order.requested_date.to_string(),
                items: lines_text(&r.lines),
                status: st.label(t).to_owned(),
                status_code: st.as_str().to_owned(),
                open: st.is_open(),
            }
        })
        .collect();
    let today = state.clock.today_taipei();
    let mut prices = Vec::new();
    for size in CylinderSize::ALL {
        if let Some(p) = crate::prices::price_on(&state.db, id, size, today).await? {
            prices.push((size.code().to_owned(), p));
        }
    }
    let card = Card {
        t,
        csrf: ctx.csrf.clone(),
        id,
        code: c.code.clone(),
        name: c.name.clone(),
        phones: phones.iter().map(|p| show_phone(&p.phone)).collect(),
        address: c.address.clone(),
        location_note: {
            let source = crate::domain::LocationSource::parse(&c.location_source);
            (!source.is_precise()).then(|| {
                (
                    source.as_str(),
                    t.t(&format!("customers.location_{}", source.as_str())),
                )
            })
        },
        windows: c.delivery_windows.clone(),
        notes: c.notes.clone(),
        cylinders: c.cylinders_text(),
        unpaid: money(stats.unpaid_amount),
        usual: usual
            .iter()
            .map(|(s, q)| format!("{}kg×{q}", s.code()))
            .collect::<Vec<_>>()
            .join(" "),
        qty: CylinderSize::ALL
            .iter()
            .zip([
                &prefill.qty_50,
                &prefill.qty_20,
                &prefill.qty_16,
                &prefill.qty_10,
                &prefill.qty_4,
            ])
            .map(|(s, q)| (s.code().to_owned(), format!("{}kg", s.code()), q.clone()))
            .collect(),
        today: today.to_string(),
        tomorrow: (today + Duration::days(1)).to_string(),
        open_count: recent.iter().filter(|r| r.open).count(),
        recent,
        errors,
        active: c.active,
        prices,
        notes_input: prefill.notes.clone(),
        date_chosen: if prefill.requested_date.is_empty() {
            today.to_string()
        } else {
            prefill.requested_date.clone()
        },
        same_day,
    };
    render_template(&card)
}

pub async fn card(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    Ok(Html(card_html(&state, &ctx, id, None, Vec::new(), Vec::new()).await?).into_response())
}

#[derive(Template)]
#[template(path = "orders/desk/_placed.html")]
struct Placed {
    t: Locale,
    id: i32,
    number: String,
    customer: String,
    date: String,
    items: String,
    total: String,
}

/// Places a confirmed phone order; answers with the confirmation, or the
/// card again with the problem.
pub async fn place_order(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    AppForm(mut input): AppForm<OrderInput>,
) -> Result<Response, AppError> {
    let id = input.customer_id.ok_or(AppError::NotFound)?;
    input.source = "phone".into();
    let result = match input.parse(state.clock.today_taipei()) {
        Ok(d) => {
            // A second order for a day that already has one is asked about
            // first: the usual order repeated by mistake is the common case.
            let open = queries::open_for_customer_on(&state.db, id, d.requested_date).await?;
            if !open.is_empty() && input.again.trim() != "1" {
                let t = ctx.locale;
                let same_day = open
                    .iter()
                    .map(|r| {
                        let st =
                            OrderStatus::parse(&r.order.status).unwrap_or(OrderStatus::Pending);
                        RecentOrder {
                            id: r.order.id,
                            number: r.order.order_number.clone(),
                            date: r.order.requested_date.to_string(),
                            items: lines_text(&r.lines),
                            status: st.label(t).to_owned(),
                            status_code: st.as_str().to_owned(),
                            open: true,
                        }
                    })
                    .collect();
                let html = card_html(&state, &ctx, id, Some(&input), Vec::new(), same_day).await?;
                return Ok(Html(html).into_response());
            }
            queries::create(
                &state.db,
                &state.events,
                Some(&actor),
                id,
                &d,
                true,
                state.clock.now(),
            )
            .await
        }
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(o) => {
            let c = customers::get(&state.db, id).await?;
            let placed = Placed {
                t: ctx.locale,
                id: o.order.id,
                number: o.order.order_number.clone(),
                customer: c.name,
                date: o.order.requested_date.to_string(),
                items: lines_text(&o.lines),
                total: money(o.order.total_amount),
            };
            Ok(Html(render_template(&placed)?).into_response())
        }
        Err(AppError::Invalid(errors)) => Ok(Html(
            card_html(&state, &ctx, id, Some(&input), errors, Vec::new()).await?,
        )
        .into_response()),
        Err(e) => Err(e),
    }
}
