//! Customer pages: the searchable list, details, and the create/edit form.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    api::show_phone,
    entity::customer,
    form::CustomerInput,
    kinds::{CustomerKind, PaymentTerms},
    queries::{self, Filter},
};
use crate::{
    app::AppState,
    audit,
    auth::{Ctx, CurrentUser},
    clock::taipei,
    domain::CylinderSize,
    error::{AppError, FieldError},
    extract::{AppForm, Path, Query},
    i18n::Locale,
    layout::{Choice, Shell, money, render_template},
    orders::customer_figures::CustomerStats,
    orders::queries::lines_text,
    orders::{queries as orders, status::OrderStatus},
};

fn choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_owned(),
            label: label(*v).to_owned(),
            selected: code(*v) == selected,
        })
        .collect()
}

pub struct Row {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub phone: String,
    pub address: String,
    pub district: String,
    pub cylinders: String,
    pub active: bool,
}

fn kind_label(t: Locale, kind: &str) -> String {
    CustomerKind::parse(kind).map_or_else(|_| kind.to_owned(), |k| k.label(t).to_owned())
}

#[derive(Template)]
#[template(path = "customers/list.html")]
struct ListPage {
    shell: Shell,
    results: ResultsPart,
    districts: Vec<Choice>,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "customers/_results.html")]
struct ResultsPart {
    t: Locale,
    rows: Vec<Row>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
    filter_q: String,
}

fn page_query(f: &Filter) -> String {
    let pairs = [
        ("q", f.q.as_str()),
        ("district", f.district.as_str()),
        ("kind", f.kind.as_str()),
        ("status", f.status.as_str()),
        ("sort", f.sort.as_str()),
    ];
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::error::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    let t = ctx.locale;
    f.check_page()?;
    let found = state.search.search(&state.db, &f).await?;
    let total = found.total;
    let rows = found
        .rows()
        .map(|e| {
            let c = &e.customer;
            Row {
                id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                kind: kind_label(t, &c.kind),
                phone: e.phones.first().map(|p| show_phone(p)).unwrap_or_default(),
                address: c.address.clone(),
                district: c.district.clone(),
                cylinders: c.cylinders_text(),
                active: c.active,
            }
        })
        .collect();
    let results = ResultsPart {
        t,
        rows,
        total,
        page: f.page(),
        pages: total.div_ceil(f.per_page()).max(1),
        query: page_query(&f),
        filter_q: f.q.clone(),
    };
    if headers
        .get("hx-target")
        .is_some_and(|v| v == "customer-results")
    {
        return Ok(Html(render_template(&results)?).into_response());
    }
    let districts = state.search.districts(&state.db).await?;
    let page = ListPage {
        shell: Shell::new(&state, &ctx, "/customers", t.t("customers.title")),
        districts: districts
            .into_iter()
            .map(|d| Choice {
                selected: d == f.district,
                label: d.clone(),
                value: d,
            })
            .collect(),
        kinds: choices(
            CustomerKind::ALL,
            CustomerKind::as_str,
            |k| k.label(t),
            &f.kind,
        ),
        statuses: [
            ("active", "customers.active"),
            ("inactive", "customers.inactive"),
            ("all", "customers.all"),
        ]
        .iter()
        .map(|(v, k)| Choice {
            value: (*v).into(),
            label: t.t(k).into(),
            selected: f.status == *v || (f.status.is_empty() && *v == "active"),
        })
        .collect(),
        results,
    };
    Ok(Html(render_template(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "customers/form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i32>,
    input: CustomerInput,
    phones_text: String,
    errors: Vec<FieldError>,
    conflict: Option<String>,
    kinds: Vec<Choice>,
    terms: Vec<Choice>,
    sizes: Vec<(String, String, String)>,
    tiles: String,
    /// Why the stored location is not to be trusted (edit form only).
    location_warning: Option<String>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.get(self.shell.t))
    }
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i32>,
    input: CustomerInput,
    errors: Vec<FieldError>,
    conflict: Option<String>,
    location_warning: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let title = if id.is_some() {
        t.t("customers.edit_title")
    } else {
        t.t("customers.new_title")
    };
    let sizes = CylinderSize::ALL
        .iter()
        .map(|s| {
            let v = match s {
                CylinderSize::Kg50 => &input.cylinders_50,
                CylinderSize::Kg20 => &input.cylinders_20,
                CylinderSize::Kg16 => &input.cylinders_16,
                CylinderSize::Kg10 => &input.cylinders_10,
                CylinderSize::Kg4 => &input.cylinders_4,
            };
            (s.code().to_owned(), s.label(t), v.clone())
        })
        .collect();
    let page = FormPage {
        shell: Shell::new(state, ctx, "/customers", title),
        id,
        phones_text: input.phones.join(", "),
        kinds: choices(
            CustomerKind::ALL,
            CustomerKind::as_str,
            |k| k.label(t),
            &input.kind,
        ),
        terms: choices(
            PaymentTerms::ALL,
            PaymentTerms::as_str,
            |k| k.label(t),
            &input.payment_terms,
        ),
        sizes,
        tiles: state.config.map_tile_url.clone(),
        input,
        errors,
        conflict,
        location_warning,
    };
    render_template(&page)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// A caller's number the desk did not find, to start the form with.
    phone: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let phone = crate::domain::Phone::parse(&q.phone)
        .map(|p| p.display())
        .unwrap_or_default();
    let input = CustomerInput {
        kind: "household".into(),
        payment_terms: "cash".into(),
        service_minutes: "5".into(),
        phones: if phone.is_empty() {
            Vec::new()
        } else {
            vec![phone]
        },
        ..Default::default()
    };
    Ok(Html(form_page(
        &state,
        &ctx,
        None,
        input,
        Vec::new(),
        None,
        None,
    )?)
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    AppForm(input): AppForm<CustomerInput>,
) -> Result<Response, AppError> {
    let result = match input.parse() {
        Ok(data) => queries::create(&state.db, Some(&actor), &data, state.clock.now()).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}?msg=created", c.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(form_page(&state, &ctx, None, input, errors, None, None)?),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

pub fn input_of(c: &customer::Model, phones: &[String]) -> CustomerInput {
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.6}")).unwrap_or_default();
    CustomerInput {
        code: c.code.clone(),
        name: c.name.clone(),
        kind: c.kind.clone(),
        contact_person: c.contact_person.clone(),
        phones: phones.iter().map(|p| show_phone(p)).collect(),
        address: c.address.clone(),
        district: c.district.clone(),
        lat: opt(c.lat),
        lon: opt(c.lon),
        delivery_windows: c.delivery_windows.clone(),
        service_minutes: c.service_minutes.to_string(),
        floor: c.floor.map(|f| f.to_string()).unwrap_or_default(),
        access_note: c.access_note.clone(),
        cylinders_50: c.cylinders_50.to_string(),
        cylinders_20: c.cylinders_20.to_string(),
        cylinders_16: c.cylinders_16.to_string(),
        cylinders_10: c.cylinders_10.to_string(),
        cylinders_4: c.cylinders_4.to_string(),
        deposit: c.deposit.to_string(),
        payment_terms: c.payment_terms.clone(),
        tax_id: c.tax_id.clone().unwrap_or_default(),
        invoice_title: c.invoice_title.clone(),
        sms_opt_out: c.sms_opt_out,
        notes: c.notes.clone(),
        version: c.version.to_string(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let c = queries::get(&state.db, id).await?;
    let phones: Vec<String> = queries::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.phone)
        .collect();
    Ok(Html(form_page(
        &state,
        &ctx,
        Some(id),
        input_of(&c, &phones),
        Vec::new(),
        None,
        location_view(&state, ctx.locale, &c).warning,
    )?)
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    AppForm(input): AppForm<CustomerInput>,
) -> Result<Response, AppError> {
    let result = match (input.version(), input.parse()) {
        (Ok(v), Ok(data)) => {
            queries::update(&state.db, &actor, id, v, &data, state.clock.now()).await
        }
        (Err(e), _) | (_, Err(e)) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(form_page(
                &state,
                &ctx,
                Some(id),
                input,
                errors,
                None,
                None,
            )?),
        )
            .into_response()),
        // A stale edit keeps what the user typed and says what happened.
        Err(AppError::Conflict(msg)) => {
            let html = form_page(
                &state,
                &ctx,
                Some(id),
                input,
                Vec::new(),
                Some(msg.get(ctx.locale).to_owned()),
                None,
            )?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
    version: i32,
}

pub async fn set_active(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    AppForm(f): AppForm<ActiveForm>,
) -> Result<Response, AppError> {
    let active = f.active == "true";
    queries::set_active(&state.db, &actor, id, f.version, active, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/customers/{id}?msg=saved")).into_response())
}

pub struct OrderLine {
    pub id: i32,
    pub number: String,
    pub date: String,
    pub status: String,
    pub status_code: String,
    pub items: String,
    pub amount: String,
}

pub struct Event {
    pub at: String,
    pub what: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "customers/show.html")]
struct ShowPage {
    shell: Shell,
    c: customer::Model,
    kind: String,
    terms: String,
    phones: Vec<String>,
    cylinders: Vec<(String, i32)>,
    total_cylinders: i32,
    total_kg: i32,
    stats: CustomerStats,
    orders: Vec<OrderLine>,
    events: Vec<Event>,
    tiles: String,
    templates: Vec<TemplateRow>,
    today: String,
    sizes: Vec<String>,
    location: LocationView,
}

/// How much the customer's location can be trusted, as the pages show it.
pub struct LocationView {
    /// `manual`, `geocoded`, `approximate`, `missing`.
    pub source: &'static str,
    pub label: &'static str,
    pub warning: Option<String>,
    /// The address can be looked up again (a geocoder is configured and
    /// the location is not precise).
    pub can_locate: bool,
}

pub fn location_view(
    state: &AppState,
    t: crate::i18n::Locale,
    c: &customer::Model,
) -> LocationView {
    let source = crate::domain::LocationSource::parse(&c.location_source);
    LocationView {
        source: source.as_str(),
        label: t.t(&format!("customers.location_{}", source.as_str())),
        warning: source.warning().map(|w| w.get(t).to_owned()),
        can_locate: state.geocoder.is_some() && !source.is_precise(),
    }
}

pub struct TemplateRow {
    pub id: i32,
    pub rule: String,
    pub lines: String,
    pub last: String,
    pub active: bool,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Query(flash): Query<crate::layout::FlashQuery>,
) -> Result<Response, AppError> {
    let t = ctx.locale;
    let c = queries::get(&state.db, id).await?;
    let phones = queries::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let stats =
        crate::orders::customer_figures::for_customer(&state.db, id, state.clock.today_taipei())
            .await?;
    let counts = c.cylinder_counts();
    let cylinders: Vec<(String, i32)> = CylinderSize::ALL
        .iter()
        .zip(counts)
        .map(|(s, n)| (s.label(t), n))
        .collect();
    let total_kg = CylinderSize::ALL
        .iter()
        .zip(counts)
        .map(|(s, n)| s.kg() as i32 * n)
        .sum();
    let orders = orders::recent_for_customer(&state.db, id, 20)
        .await?
        .into_iter()
        .map(|r| {
            let st = OrderStatus::parse(&r.order.status).unwrap_or(OrderStatus::Pending);
            OrderLine {
                id: r.order.id,
                number: r.order.order_number.clone(),
                date: r.order.requested_date.to_string(),
                status: st.label(t).to_owned(),
                status_code: st.as_str().to_owned(),
                items: lines_text(&r.lines),
                amount: money(r.order.total_amount),
            }
        })
        .collect();
    let events = audit::for_entity(&state.db, "customer", &id.to_string(), 20)
        .await?
        .into_iter()
        .map(|a| Event {
            at: a
                .created_at
                .with_timezone(&taipei())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            what: t.t(&format!("audit.{}", a.action)).to_owned(),
            detail: audit::describe_change(a.before.as_deref(), a.after.as_deref()),
        })
        .collect();
    let flash = match flash.msg.as_deref() {
        Some("created") => Some(t.t("customers.created").to_owned()),
        Some("saved") => Some(t.t("customers.saved").to_owned()),
        Some("locating") => Some(t.t("customers.locating").to_owned()),
        _ => None,
    };
    let templates = crate::recurring::for_customer(&state.db, id)
        .await?
        .into_iter()
        .map(|tpl| TemplateRow {
            id: tpl.id,
            rule: crate::recurring::describe_rule(&tpl, t),
            lines: crate::recurring::lines_of(&tpl)
                .iter()
                .map(|(s, q)| format!("{}kg×{q}", s.code()))
                .collect::<Vec<_>>()
                .join(" "),
            last: tpl
                .last_generated
                .map_or_else(|| "—".to_owned(), |d| d.to_string()),
            active: tpl.active,
        })
        .collect();
    let page = ShowPage {
        shell: Shell::new(&state, &ctx, "/customers", &c.name).with_flash(flash),
        templates,
        today: state.clock.today_taipei().to_string(),
        sizes: CylinderSize::ALL
            .iter()
            .map(|s| s.code().to_owned())
            .collect(),
        kind: kind_label(t, &c.kind),
        terms: PaymentTerms::parse(&c.payment_terms)
            .map_or_else(|_| c.payment_terms.clone(), |p| p.label(t).to_owned()),
        phones: phones.iter().map(|p| show_phone(&p.phone)).collect(),
        total_cylinders: counts.iter().sum(),
        total_kg,
        cylinders,
        stats,
        orders,
        events,
        tiles: state.config.map_tile_url.clone(),
        location: location_view(&state, t, &c),
        c,
    };
    Ok(Html(render_template(&page)?).into_response())
}
