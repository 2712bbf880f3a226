//! Reading and writing customers. Every write is one audited transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
    sea_query::{Expr, LikeExpr, Query, SelectStatement},
};
use serde_json::json;

use super::{
    entity::{customer, phone},
    form::CustomerData,
    search_index,
};
use crate::{
    audit,
    auth::AuthUser,
    db::counters::{self, Counter},
    domain::LocationSource,
    error::AppError,
    i18n::Text,
};

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<customer::Model, AppError> {
    customer::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<customer::Model>, AppError> {
    Ok(customer::Entity::find()
        .filter(customer::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

/// Customers by code, for a batch of codes (missing codes are left out).
pub async fn by_codes(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<HashMap<String, customer::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in crate::db::in_chunks(codes) {
        for c in customer::Entity::find()
            .filter(customer::Column::Code.is_in(chunk))
            .all(db)
            .await?
        {
            out.insert(c.code.clone(), c);
        }
    }
    Ok(out)
}

/// Customers by id, for a batch of ids (missing ids are left out).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, customer::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in crate::db::in_chunks(ids) {
        for c in customer::Entity::find()
            .filter(customer::Column::Id.is_in(chunk))
            .all(db)
            .await?
        {
            out.insert(c.id, c);
        }
    }
    Ok(out)
}

/// Which customer each of these phone numbers (national digits) belongs to.
pub async fn phone_owners(
    db: &impl ConnectionTrait,
    digits: &[String],
) -> Result<HashMap<String, i32>, AppError> {
    let mut out = HashMap::new();
    for chunk in crate::db::in_chunks(digits) {
        for p in phone::Entity::find()
            .filter(phone::Column::Phone.is_in(chunk))
            .all(db)
            .await?
        {
            out.insert(p.phone, p.customer_id);
        }
    }
    Ok(out)
}

/// Every customer matching the list's filters (all pages), by code.
pub async fn all_matching(
    db: &impl ConnectionTrait,
    f: &Filter,
) -> Result<Vec<customer::Model>, AppError> {
    Ok(customer::Entity::find()
        .filter(search_condition(f))
        .order_by_asc(customer::Column::Code)
        .all(db)
        .await?)
}

/// Phones of several customers, primary first.
pub async fn phones_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<phone::Model>>, AppError> {
    let mut out: HashMap<i32, Vec<phone::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = phone::Entity::find()
        .filter(phone::Column::CustomerId.is_in(ids.iter().copied()))
        .order_by_desc(phone::Column::IsPrimary)
        .order_by_asc(phone::Column::Id)
        .all(db)
        .await?;
    for p in rows {
        out.entry(p.customer_id).or_default().push(p);
    }
    Ok(out)
}

fn search_text(d: &CustomerData, code: &str) -> String {
    let phones: Vec<&str> = d.phones.iter().map(crate::domain::Phone::as_str).collect();
    format!(
        "{} {} {} {} {} {}",
        code,
        d.name,
        d.contact_person,
        phones.join(" "),
        d.address,
        d.district
    )
    .to_lowercase()
}

fn audit_view(c: &customer::Model, phones: &[String]) -> serde_json::Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "created_at", "updated_at", "version"] {
            o.remove(k);
        }
        o.insert("phones".into(), json!(phones));
    }
    v
}

fn apply(a: &mut customer::ActiveModel, d: &CustomerData) {
    a.name = Set(d.name.clone());
    a.kind = Set(d.kind.as_str().to_owned());
    a.contact_person = Set(d.contact_person.clone());
    a.address = Set(d.address.clone());
    a.district = Set(d.district.clone());
    a.delivery_windows = Set(d.windows.to_string());
    a.service_minutes = Set(d.service_minutes);
    a.floor = Set(d.floor);
    a.access_note = Set(d.access_note.clone());
    a.cylinders_50 = Set(d.cylinders[0]);
    a.cylinders_20 = Set(d.cylinders[1]);
    a.cylinders_16 = Set(d.cylinders[2]);
    a.cylinders_10 = Set(d.cylinders[3]);
    a.cylinders_4 = Set(d.cylinders[4]);
    a.deposit = Set(d.deposit);
    a.payment_terms = Set(d.payment_terms.as_str().to_owned());
    a.tax_id = Set(d.tax_id.as_ref().map(|t| t.as_str().to_owned()));
    a.invoice_title = Set(d.invoice_title.clone());
    a.sms_opt_out = Set(d.sms_opt_out);
    a.notes = Set(d.notes.clone());
}

/// Where a written customer is placed, and whether to look its address up.
struct Placement {
    point: Option<(f64, f64)>,
    source: LocationSource,
    locate: bool,
}

/// Decides the coordinates a write stores. Coordinates someone gave are
/// kept as given (`manual`); coordinates sent back unchanged keep their
/// source, unless the address changed under them: then, as for a customer
/// without coordinates, the district's centre stands in (approximate, or
/// missing outside the districts we know) until the address is looked up.
/// Nothing here makes a location look more precise than it is.
fn placement(d: &CustomerData, before: Option<&customer::Model>) -> Placement {
    let address_changed = before.is_none_or(|b| b.address != d.address);
    let stored = before.and_then(|b| b.lat.zip(b.lon));
    let before_source = before.map_or(LocationSource::Missing, |b| {
        LocationSource::parse(&b.location_source)
    });
    let given = d.location.map(|l| (l.lat(), l.lon()));
    let same_point = matches!((given, stored), (Some(a), Some(b))
        if (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
    match given {
        Some(p) if !same_point => Placement {
            point: Some(p),
            source: LocationSource::Manual,
            locate: false,
        },
        Some(p) if !address_changed => Placement {
            point: Some(p),
            source: before_source,
            locate: false,
        },
        None if !address_changed
            && stored.is_some()
            && !before_source.is_precise()
            && before_source != LocationSource::Missing =>
        {
            Placement {
                point: stored,
                source: before_source,
                locate: false,
            }
        }
        _ => {
            let centre = crate::domain::district_centre(&d.district);
            Placement {
                point: centre.map(|c| (c.lat(), c.lon())),
                source: if centre.is_some() {
                    LocationSource::Approximate
                } else {
                    LocationSource::Missing
                },
                locate: true,
            }
        }
    }
}

fn place(a: &mut customer::ActiveModel, p: &Placement) {
    a.lat = Set(p.point.map(|p| p.0));
    a.lon = Set(p.point.map(|p| p.1));
    a.location_source = Set(p.source.as_str().to_owned());
}

/// Queues the address lookup of this version of the customer.
async fn queue_locate(
    txn: &impl ConnectionTrait,
    c: &customer::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    crate::jobs::queue::enqueue(txn, super::locate::job(c, now), now).await?;
    Ok(())
}

/// The next free automatic code `C{NNNNN}`.
async fn next_code(db: &impl ConnectionTrait) -> Result<String, AppError> {
    loop {
        let n = counters::bump(db, Counter::CustomerCodes).await?;
        let code = format!("C{n:05}");
        if find_by_code(db, &code).await?.is_none() {
            return Ok(code);
        }
    }
}

async fn check_unique(
    db: &impl ConnectionTrait,
    d: &CustomerData,
    code: &str,
    own_id: Option<i32>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(other) = find_by_code(db, code)
        .await?
        .filter(|c| Some(c.id) != own_id)
    {
        errors.push(crate::error::FieldError::new(
            "code",
            Text::new(
                format!("「客戶編號」{code} 已被「{}」使用", other.name),
                format!("Code {code} is already used by {}", other.name),
            ),
        ));
    }
    let digits: Vec<String> = d.phones.iter().map(|p| p.as_str().to_owned()).collect();
    let taken = phone::Entity::find()
        .filter(phone::Column::Phone.is_in(digits))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| Some(p.customer_id) != own_id);
    for p in taken {
        let owner = get(db, p.customer_id).await?;
        errors.push(crate::error::FieldError::new(
            "phones",
            Text::new(
                format!(
                    "「電話」{} 已登記給另一位客戶（{} {}）",
                    p.phone, owner.code, owner.name
                ),
                format!(
                    "Phone {} already belongs to another customer ({} {})",
                    p.phone, owner.code, owner.name
                ),
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

async fn write_phones(
    db: &impl ConnectionTrait,
    id: i32,
    d: &CustomerData,
) -> Result<(), AppError> {
    phone::Entity::delete_many()
        .filter(phone::Column::CustomerId.eq(id))
        .exec(db)
        .await?;
    for (i, p) in d.phones.iter().enumerate() {
        phone::ActiveModel {
            customer_id: Set(id),
            phone: Set(p.as_str().to_owned()),
            is_primary: Set(i == 0),
            label: Set(String::new()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

fn phone_strings(d: &CustomerData) -> Vec<String> {
    d.phones.iter().map(|p| p.as_str().to_owned()).collect()
}

/// Inserts a customer inside the caller's transaction (used by import too).
pub async fn insert(
    txn: &impl ConnectionTrait,
    actor: Option<&AuthUser>,
    d: &CustomerData,
    now: DateTime<Utc>,
) -> Result<customer::Model, AppError> {
    let code = match &d.code {
        Some(c) => c.clone(),
        None => next_code(txn).await?,
    };
    check_unique(txn, d, &code, None).await?;
    let mut a = customer::ActiveModel {
        code: Set(code.clone()),
        active: Set(true),
        search_text: Set(search_text(d, &code)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut a, d);
    let placed = placement(d, None);
    place(&mut a, &placed);
    let c = a.insert(txn).await?;
    if placed.locate {
        queue_locate(txn, &c, now).await?;
    }
    write_phones(txn, c.id, d).await?;
    search_index::bump_revision(txn).await?;
    audit::record(
        txn,
        audit::Entry {
            actor_id: actor.map(|a| a.id),
            action: "customer.create",
            entity: "customer",
            entity_id: c.id.to_string(),
            before: None,
            after: Some(audit_view(&c, &phone_strings(d))),
        },
        now,
    )
    .await?;
    Ok(c)
}

pub async fn create(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: Option<&AuthUser>,
    d: &CustomerData,
    now: DateTime<Utc>,
) -> Result<customer::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let c = insert(&txn, actor, d, now).await?;
    txn.commit().await?;
    Ok(c)
}

fn stale() -> AppError {
    AppError::Conflict(Text::new(
        "此客戶資料已被他人修改，請重新整理後再編輯；您的輸入仍保留在下方",
        "Someone else changed this customer; reload before editing. Your input is kept below",
    ))
}

/// Replaces a customer's data inside the caller's transaction, if still at
/// `version` (or unconditionally with `None`, for imports).
pub async fn replace(
    txn: &impl ConnectionTrait,
    actor: Option<&AuthUser>,
    id: i32,
    version: Option<i32>,
    d: &CustomerData,
    now: DateTime<Utc>,
) -> Result<customer::Model, AppError> {
    let before = get(txn, id).await?;
    let before_phones: Vec<String> = phones_of(txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.phone)
        .collect();
    if version.is_some_and(|v| v != before.version) {
        return Err(stale());
    }
    let code = d.code.clone().unwrap_or_else(|| before.code.clone());
    check_unique(txn, d, &code, Some(id)).await?;
    let mut a = customer::ActiveModel {
        ..Default::default()
    };
    apply(&mut a, d);
    let placed = placement(d, Some(&before));
    place(&mut a, &placed);
    a.code = Set(code.clone());
    a.search_text = Set(search_text(d, &code));
    a.version = Set(before.version + 1);
    a.updated_at = Set(now);
    let done = customer::Entity::update_many()
        .set(a)
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale());
    }
    write_phones(txn, id, d).await?;
    search_index::bump_revision(txn).await?;
    let after = get(txn, id).await?;
    if placed.locate {
        queue_locate(txn, &after, now).await?;
    }
    audit::record(
        txn,
        audit::Entry {
            actor_id: actor.map(|a| a.id),
            action: "customer.update",
            entity: "customer",
            entity_id: id.to_string(),
            before: Some(audit_view(&before, &before_phones)),
            after: Some(audit_view(&after, &phone_strings(d))),
        },
        now,
    )
    .await?;
    Ok(after)
}

pub async fn update(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: &AuthUser,
    id: i32,
    version: i32,
    d: &CustomerData,
    now: DateTime<Utc>,
) -> Result<customer::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let c = replace(&txn, Some(actor), id, Some(version), d, now).await?;
    txn.commit().await?;
    Ok(c)
}

/// Stores the point the address lookup found, if the customer is still at
/// `version` and its location not set by hand since (`false` otherwise).
pub async fn set_found_location(
    db: &(impl TransactionTrait + ConnectionTrait),
    id: i32,
    version: i32,
    point: crate::domain::LatLon,
    source: LocationSource,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = customer::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(false);
    };
    if before.version != version || LocationSource::parse(&before.location_source).is_precise() {
        return Ok(false);
    }
    let done = customer::Entity::update_many()
        .col_expr(customer::Column::Lat, Expr::value(point.lat()))
        .col_expr(customer::Column::Lon, Expr::value(point.lon()))
        .col_expr(
            customer::Column::LocationSource,
            Expr::value(source.as_str()),
        )
        .col_expr(customer::Column::Version, Expr::value(version + 1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(false);
    }
    search_index::bump_revision(&txn).await?;
    let after = get(&txn, id).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor_id: None,
            action: "customer.locate",
            entity: "customer",
            entity_id: id.to_string(),
            before: Some(json!({"lat": before.lat, "lon": before.lon, "location_source": before.location_source})),
            after: Some(json!({"lat": after.lat, "lon": after.lon, "location_source": after.location_source})),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Deactivates (soft-deletes) or reactivates a customer. Deactivation is
/// refused while the customer has open orders.
pub async fn set_active(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: &AuthUser,
    id: i32,
    version: i32,
    active: bool,
    now: DateTime<Utc>,
) -> Result<customer::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let before = get(&txn, id).await?;
    if !active {
        let open = crate::orders::customer_figures::open_orders(&txn, id).await?;
        if open > 0 {
            return Err(AppError::Conflict(Text::new(
                format!("此客戶還有 {open} 張未完成的訂單，請先完成或取消後再停用"),
                format!("This customer has {open} open order(s); finish or cancel them first"),
            )));
        }
    }
    let done = customer::Entity::update_many()
        .col_expr(customer::Column::Active, Expr::value(active))
        .col_expr(customer::Column::Version, Expr::value(version + 1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale());
    }
    search_index::bump_revision(&txn).await?;
    let after = get(&txn, id).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor_id: Some(actor.id),
            action: if active {
                "customer.activate"
            } else {
                "customer.deactivate"
            },
            entity: "customer",
            entity_id: id.to_string(),
            before: Some(json!({"active": before.active})),
            after: Some(json!({"active": after.active})),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct Filter {
    /// Code, name, any phone digits, or part of the address.
    pub q: String,
    pub district: String,
    /// household, restaurant, business, school, factory
    pub kind: String,
    /// `active` (default), `inactive` or `all`.
    pub status: String,
    /// `code` (default), `name`, `district`, `updated`.
    pub sort: String,
    pub page: u64,
    pub per_page: u64,
}

impl Filter {
    pub fn per_page(&self) -> u64 {
        if self.per_page == 0 {
            50
        } else {
            self.per_page.min(500)
        }
    }

    /// The page asked for (checked by [`Filter::check_page`] at the edge;
    /// clamped here so an unchecked one can never overflow an offset).
    pub fn page(&self) -> u64 {
        self.page.clamp(1, crate::domain::paging::MAX_PAGE)
    }

    /// Refuses a page beyond the lists' bound, naming the field.
    pub fn check_page(&self) -> Result<(), AppError> {
        crate::domain::paging::check_page(self.page)
            .map(|_| ())
            .map_err(|t| AppError::field("page", t))
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// What the search box's text must be part of in `search_text`, or `None`
/// when it is empty (everything matches).
pub(crate) fn search_needle(q: &str) -> Option<String> {
    let q = crate::domain::normalize_width(q.trim()).to_lowercase();
    if q.is_empty() {
        return None;
    }
    // Phone digits are matched without dashes or spaces.
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let looks_like_phone =
        digits.len() >= 3 && q.chars().all(|c| c.is_ascii_digit() || " -()+".contains(c));
    Some(if looks_like_phone {
        digits.trim_start_matches("886").to_owned()
    } else {
        q
    })
}

/// The full codes a short one may stand for: people type `c29` for
/// `C00029`, so letters then digits also find the codes with those letters
/// and that number, however many zeros pad it (up to ten digits).
pub(crate) fn code_spellings(q: &str) -> Vec<String> {
    let q = crate::domain::normalize_width(q.trim()).to_uppercase();
    let letters = q.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = &q[letters..];
    if !(1..=4).contains(&letters)
        || digits.is_empty()
        || digits.len() > 10
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Vec::new();
    }
    let number = digits.trim_start_matches('0');
    if number.is_empty() {
        return Vec::new();
    }
    (number.len()..=10)
        .map(|width| format!("{}{number:0>width$}", &q[..letters]))
        .collect()
}

/// The ids of the customers in `district` (when not empty) whose search text
/// contains `text` (when given), as a subquery for `customer_id IN (…)`:
/// how other features filter by customer without reading the table.
pub fn ids_where(district: &str, text: Option<&str>) -> SelectStatement {
    let mut q = Query::select()
        .column(customer::Column::Id)
        .from(customer::Entity)
        .to_owned();
    if !district.is_empty() {
        q.and_where(Expr::col(customer::Column::District).eq(district));
    }
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        q.and_where(
            Expr::col(customer::Column::SearchText)
                .like(LikeExpr::new(format!("%{}%", escape_like(text))).escape('\\')),
        );
    }
    q
}

/// The filter in SQL. Pages search with [`super::search_index`], which
/// must find the same customers.
pub fn search_condition(f: &Filter) -> Condition {
    let mut cond = Condition::all();
    if let Some(needle) = search_needle(&f.q) {
        let text = Expr::col(customer::Column::SearchText)
            .like(LikeExpr::new(format!("%{}%", escape_like(&needle))).escape('\\'));
        let codes = code_spellings(&f.q);
        cond = cond.add(if codes.is_empty() {
            Condition::all().add(text)
        } else {
            Condition::any()
                .add(text)
                .add(customer::Column::Code.is_in(codes))
        });
    }
    if !f.district.trim().is_empty() {
        cond = cond.add(customer::Column::District.eq(f.district.trim()));
    }
    if !f.kind.trim().is_empty() {
        cond = cond.add(customer::Column::Kind.eq(f.kind.trim()));
    }
    match f.status.as_str() {
        "all" => {}
        "inactive" => cond = cond.add(customer::Column::Active.eq(false)),
        _ => cond = cond.add(customer::Column::Active.eq(true)),
    }
    cond
}

/// How many customers match the filter, without loading them.
pub async fn count(db: &impl ConnectionTrait, f: &Filter) -> Result<u64, AppError> {
    Ok(customer::Entity::find()
        .filter(search_condition(f))
        .count(db)
        .await?)
}

pub async fn districts(db: &impl ConnectionTrait) -> Result<Vec<String>, AppError> {
    let rows: Vec<String> = customer::Entity::find()
        .select_only()
        .column(customer::Column::District)
        .distinct()
        .filter(customer::Column::District.ne(""))
        .order_by_asc(customer::Column::District)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}

/// Changes the cylinders a customer holds by `delta` per size (in
/// `CylinderSize::ALL` order: delivered minus empties taken back), inside
/// the caller's transaction. A count never goes below zero. Audited with
/// the actor (a driver's delivery, usually).
pub async fn adjust_cylinders_in(
    txn: &impl ConnectionTrait,
    actor_id: Option<i32>,
    id: i32,
    delta: [i32; 5],
    why: &str,
    now: DateTime<Utc>,
) -> Result<customer::Model, AppError> {
    let before = get(txn, id).await?;
    if delta.iter().all(|d| *d == 0) {
        return Ok(before);
    }
    let held = before.cylinder_counts();
    let after: Vec<i32> = held
        .iter()
        .zip(delta)
        .map(|(h, d)| h.saturating_add(d).max(0))
        .collect();
    let cols = [
        customer::Column::Cylinders50,
        customer::Column::Cylinders20,
        customer::Column::Cylinders16,
        customer::Column::Cylinders10,
        customer::Column::Cylinders4,
    ];
    let mut q = customer::Entity::update_many();
    for (c, v) in cols.into_iter().zip(&after) {
        q = q.col_expr(c, Expr::value(*v));
    }
    q.col_expr(
        customer::Column::Version,
        Expr::col(customer::Column::Version).add(1),
    )
    .col_expr(customer::Column::UpdatedAt, Expr::value(now))
    .filter(customer::Column::Id.eq(id))
    .exec(txn)
    .await?;
    audit::record(
        txn,
        audit::Entry {
            actor_id,
            action: "customer.cylinders",
            entity: "customer",
            entity_id: id.to_string(),
            before: Some(json!({ "cylinders": held, "why": why })),
            after: Some(json!({ "cylinders": after })),
        },
        now,
    )
    .await?;
    get(txn, id).await
}
