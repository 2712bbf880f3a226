//! Order pages: the day's list with its summary and bulk actions, the
//! order form, and the order page with its timeline.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    api::{parse_bulk, resolve_customer},
    form::OrderInput,
    queries::{self, DaySummary, OrderFilter},
    status::{Action, OrderStatus},
};
use crate::{
    app::AppState,
    auth::{Ctx, CurrentUser},
    clock::taipei,
    customers::{kinds::PaymentTerms, queries as customers},
    domain::CylinderSize,
    error::{AppError, FieldError},
    extract::{AppForm, FormFields, Path, Query},
    layout::{Choice, Shell, money, render_template},
    orders::queries::lines_text,
    users::queries as users,
};

pub struct ListRow {
    pub id: i32,
    pub number: String,
    pub date: String,
    pub window: String,
    pub customer_id: i32,
    pub customer: String,
    pub district: String,
    pub items: String,
    pub amount: String,
    pub status: String,
    pub status_code: String,
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<ListRow>,
    total: u64,
    summary: DaySummary,
    sizes: Vec<String>,
    date: String,
    q: String,
    statuses: Vec<Choice>,
    districts: Vec<Choice>,
    drivers: Vec<Choice>,
    page: u64,
    pages: u64,
    /// The filters as a query string (for the pager and the bulk form).
    query: String,
    /// A bulk action refused on this page, with the reasons.
    bulk_error: Option<String>,
    /// Some filter beyond the date is set (the empty text says so).
    filtered: bool,
}

impl ListPage {
    fn page_link(&self, page: u64) -> String {
        let sep = if self.query.is_empty() { "" } else { "&" };
        format!("/orders?{}{sep}page={page}", self.query)
    }
}

/// What the list says after a redirect (read beside the filter: a
/// flattened struct would read numbers from a query string as text).
#[derive(Deserialize)]
pub struct ListMessage {
    msg: Option<String>,
    /// How many orders a bulk action changed.
    n: Option<u64>,
}

/// The filters of a list as a query string, without the page.
fn filter_query(f: &OrderFilter) -> String {
    let mut parts: Vec<(&str, String)> = vec![("date", f.date.clone())];
    for (k, v) in [
        ("status", &f.status),
        ("district", &f.district),
        ("q", &f.q),
        ("driver", &f.driver),
    ] {
        if !v.trim().is_empty() {
            parts.push((k, v.clone()));
        }
    }
    serde_urlencoded::to_string(&parts).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut f): Query<OrderFilter>,
    Query(q): Query<ListMessage>,
) -> Result<Response, AppError> {
    if f.date.is_empty() && f.q.is_empty() {
        f.date = state.clock.today_taipei().to_string();
    }
    let flash = q.msg.as_deref().map(|m| match m {
        "bulk" => ctx
            .locale
            .t("orders.bulk_done")
            .replace("{n}", &q.n.unwrap_or(0).to_string()),
        _ => ctx.locale.t("orders.saved").to_owned(),
    });
    let html = list_html(&state, &ctx, &f, flash, None).await?;
    Ok(Html(html).into_response())
}

async fn list_html(
    state: &AppState,
    ctx: &Ctx,
    f: &OrderFilter,
    flash: Option<String>,
    bulk_error: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let f = f.clone();
    let (rows, total) = queries::list(&state.db, &f).await?;
    let summary = queries::summary(&state.db, &f).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let st = OrderStatus::parse(&r.order.status).unwrap_or(OrderStatus::Pending);
            ListRow {
                id: r.order.id,
                number: r.order.order_number.clone(),
                date: r.order.requested_date.format("%m-%d").to_string(),
                window: match (&r.order.window_start, &r.order.window_end) {
                    (Some(a), Some(b)) => format!("{a}-{b}"),
                    _ => "—".into(),
                },
                customer_id: r.customer.id,
                customer: r.customer.name.clone(),
                district: r.customer.district.clone(),
                items: lines_text(&r.lines),
                amount: money(r.order.total_amount),
                status: st.label(t).to_owned(),
                status_code: st.as_str().to_owned(),
            }
        })
        .collect();
    let mut statuses = vec![
        Choice {
            value: String::new(),
            label: t.t("orders.all_statuses").into(),
            selected: f.status.is_empty(),
        },
        Choice {
            value: "open".into(),
            label: t.t("orders.open").into(),
            selected: f.status == "open",
        },
    ];
    statuses.extend(OrderStatus::ALL.iter().map(|s| Choice {
        value: s.as_str().into(),
        label: s.label(t).into(),
        selected: f.status == s.as_str(),
    }));
    let districts = customers::districts(&state.db)
        .await?
        .into_iter()
        .map(|d| Choice {
            selected: d == f.district,
            label: d.clone(),
            value: d,
        })
        .collect();
    let mut drivers = crate::fleet::store::drivers(&state.db).await?;
    drivers.sort_by(|a, b| a.name.cmp(&b.name));
    let drivers = drivers
        .into_iter()
        .map(|d| Choice {
            selected: d.id.to_string() == f.driver.trim(),
            label: d.name,
            value: d.id.to_string(),
        })
        .collect();
    let page_no = f.page()?;
    let page = ListPage {
        shell: Shell::new(state, ctx, "/orders", t.t("orders.title")).with_flash(flash),
        page: page_no,
        pages: total.div_ceil(f.per_page()).max(1),
        query: filter_query(&f),
        bulk_error,
        filtered: !(f.status.is_empty()
            && f.district.is_empty()
            && f.q.is_empty()
            && f.driver.is_empty()),
        rows,
        total,
        summary,
        sizes: CylinderSize::ALL
            .iter()
            .map(|s| s.code().to_owned())
            .collect(),
        date: f.date.clone(),
        q: f.q.clone(),
        statuses,
        districts,
        drivers,
    };
    render_template(&page)
}

#[derive(Template)]
#[template(path = "orders/form.html")]
struct FormPage {
    shell: Shell,
    customer_id: i32,
    customer_name: String,
    customer_code: String,
    address: String,
    date: String,
    window: String,
    qty: Vec<(String, String, String)>,
    terms: Vec<Choice>,
    notes: String,
    errors: Vec<FieldError>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<&str> {
        crate::layout::field_error(&self.errors, field, self.shell.t)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// The customer the order is for; without one the desk finds them.
    customer_id: Option<i32>,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    input: &OrderInput,
    customer_id: i32,
    errors: Vec<FieldError>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let c = customers::get(&state.db, customer_id).await?;
    let qty = CylinderSize::ALL
        .iter()
        .zip([
            &input.qty_50,
            &input.qty_20,
            &input.qty_16,
            &input.qty_10,
            &input.qty_4,
        ])
        .map(|(s, q)| (s.code().to_owned(), s.label(t), q.clone()))
        .collect();
    let selected = if input.payment_method.is_empty() {
        c.payment_terms.clone()
    } else {
        input.payment_method.clone()
    };
    let page = FormPage {
        shell: Shell::new(state, ctx, "/orders", t.t("orders.new_title")),
        customer_id,
        customer_name: c.name.clone(),
        customer_code: c.code.clone(),
        address: c.address.clone(),
        date: if input.requested_date.is_empty() {
            state.clock.today_taipei().to_string()
        } else {
            input.requested_date.clone()
        },
        window: input.window.clone(),
        qty,
        terms: PaymentTerms::ALL
            .iter()
            .map(|p| Choice {
                value: p.as_str().into(),
                label: p.label(t).into(),
                selected: p.as_str() == selected,
            })
            .collect(),
        notes: input.notes.clone(),
        errors,
    };
    render_template(&page)
}

/// Pre-fills the form's quantities with the customer's usual order.
pub fn usual_input(lines: &[(CylinderSize, i32)]) -> OrderInput {
    let mut input = OrderInput::default();
    for (s, q) in lines {
        let v = q.to_string();
        match s {
            CylinderSize::Kg50 => input.qty_50 = v,
            CylinderSize::Kg20 => input.qty_20 = v,
            CylinderSize::Kg16 => input.qty_16 = v,
            CylinderSize::Kg10 => input.qty_10 = v,
            CylinderSize::Kg4 => input.qty_4 = v,
        }
    }
    input
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    // An order needs its customer: without one, the desk is where they are
    // found.
    let Some(customer_id) = q.customer_id else {
        return Ok(Redirect::to("/desk").into_response());
    };
    let c = customers::get(&state.db, customer_id).await?;
    let usual = queries::usual_lines(&state.db, &c).await?;
    let input = usual_input(&usual);
    Ok(Html(form_page(&state, &ctx, &input, c.id, Vec::new()).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    AppForm(input): AppForm<OrderInput>,
) -> Result<Response, AppError> {
    let customer_id = resolve_customer(&state, &input).await?;
    let result = match input.parse(state.clock.today_taipei()) {
        Ok(d) => {
            queries::create(
                &state.db,
                &state.events,
                Some(&actor),
                customer_id,
                &d,
                input.confirm.unwrap_or(false),
                state.clock.now(),
            )
            .await
        }
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/orders/{}?msg=created", o.order.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(form_page(&state, &ctx, &input, customer_id, errors).await?),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

pub struct LineView {
    pub size: String,
    pub quantity: i32,
    pub unit: String,
    pub amount: String,
}

pub struct EventView {
    pub at: String,
    pub who: String,
    pub change: String,
    pub note: String,
}

pub struct ActionView {
    pub action: &'static str,
    pub label: &'static str,
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct ShowPage {
    shell: Shell,
    number: String,
    status: String,
    status_code: String,
    customer_id: i32,
    customer: String,
    address: String,
    date: String,
    window: String,
    source: String,
    payment: String,
    notes: String,
    total: String,
    lines: Vec<LineView>,
    events: Vec<EventView>,
    actions: Vec<ActionView>,
    id: i32,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Query(flash): Query<crate::layout::FlashQuery>,
) -> Result<Response, AppError> {
    let t = ctx.locale;
    let o = queries::get(&state.db, id).await?;
    let c = customers::get(&state.db, o.customer_id).await?;
    let lines = queries::lines_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let st = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Pending);
    let names: std::collections::HashMap<i32, String> = users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let events = queries::events_of(&state.db, id)
        .await?
        .into_iter()
        .map(|e| {
            let label = |s: &str| {
                OrderStatus::parse(s).map_or_else(|| s.to_owned(), |x| x.label(t).to_owned())
            };
            EventView {
                at: e
                    .created_at
                    .with_timezone(&taipei())
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                who: e
                    .actor_id
                    .and_then(|a| names.get(&a).cloned())
                    .unwrap_or_else(|| t.t("orders.system").to_owned()),
                change: match e.from_status.as_deref() {
                    None => format!("{} {}", t.t("orders.created"), label(&e.to_status)),
                    Some(f) if f == e.to_status => label(&e.to_status),
                    Some(f) => format!("{} → {}", label(f), label(&e.to_status)),
                },
                note: e.note,
            }
        })
        .collect();
    let actions = Action::ALL
        .iter()
        .filter(|a| a.is_manual() && st.apply(**a).is_ok())
        .map(|a| ActionView {
            action: a.as_str(),
            label: a.label(t),
            danger: *a == Action::Cancel,
        })
        .collect();
    let flash = flash.msg.as_deref().map(|m| {
        if m == "created" {
            t.t("orders.created_flash")
        } else {
            t.t("orders.saved")
        }
        .to_owned()
    });
    let page = ShowPage {
        shell: Shell::new(&state, &ctx, "/orders", &o.order_number).with_flash(flash),
        number: o.order_number.clone(),
        status: st.label(t).to_owned(),
        status_code: st.as_str().to_owned(),
        customer_id: c.id,
        customer: format!("{} {}", c.code, c.name),
        address: c.address.clone(),
        date: o.requested_date.to_string(),
        window: match (&o.window_start, &o.window_end) {
            (Some(a), Some(b)) => format!("{a}-{b}"),
            _ => t.t("customers.any_time").to_owned(),
        },
        source: t.t(&format!("orders.source_{}", o.source)).to_owned(),
        payment: PaymentTerms::parse(&o.payment_method)
            .map_or_else(|_| o.payment_method.clone(), |p| p.label(t).to_owned()),
        notes: o.notes.clone(),
        total: money(o.total_amount),
        lines: lines
            .iter()
            .map(|l| LineView {
                size: CylinderSize::parse(&l.size).map_or_else(|_| l.size.clone(), |s| s.label(t)),
                quantity: l.quantity,
                unit: money(l.unit_price),
                amount: money(l.amount),
            })
            .collect(),
        events,
        actions,
        id,
    };
    Ok(Html(render_template(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct TransitionForm {
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn transition(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    AppForm(f): AppForm<TransitionForm>,
) -> Result<Response, AppError> {
    let action = Action::parse(&f.action)
        .filter(|a| a.is_manual())
        .ok_or(AppError::NotFound)?;
    queries::transition(
        &state.db,
        &state.events,
        Some(&actor),
        id,
        action,
        &f.note,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/orders/{id}?msg=saved")).into_response())
}

/// The list's bulk form: `ids` repeated, `op`, optional `date`, and the
/// list's filter to return to.
pub async fn bulk(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    f: FormFields,
) -> Result<Response, AppError> {
    let get = |k: &str| f.get(k).unwrap_or_default();
    let ids: Vec<i32> = f.all("ids").filter_map(|v| v.parse().ok()).collect();
    // The list's filters come back as they were sent.
    let back: OrderFilter = serde_urlencoded::from_str(get("back")).unwrap_or_default();
    let result = match parse_bulk(get("op"), get("new_date")) {
        Ok(op) => {
            queries::bulk(
                &state.db,
                &state.events,
                &actor,
                &ids,
                &op,
                state.clock.today_taipei(),
                state.clock.now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => Ok(
            Redirect::to(&format!("/orders?{}&msg=bulk&n={n}", filter_query(&back)))
                .into_response(),
        ),
        // Refused (nothing selected, no date, an order that cannot change):
        // the same list again, with why.
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let why = match &e {
                AppError::Invalid(fields) => fields
                    .iter()
                    .map(|x| x.message.get(ctx.locale).to_owned())
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.message().get(ctx.locale).to_owned(),
            };
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let html = list_html(&state, &ctx, &back, None, Some(why)).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}
