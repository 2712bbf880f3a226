//! Recurring order templates: per customer, lines and a rule (every N days,
//! or given weekdays). The daily run creates each template's order for a
//! date once; running it again for the same date creates nothing new.

pub mod api;
mod handlers;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::{
    app::Routes,
    auth::AuthUser,
    customers::queries as customers,
    domain::CylinderSize,
    error::{AppError, FieldError},
    orders::{
        form::{OrderData, Source},
        queries as orders,
    },
};

pub mod entity {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "order_templates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub customer_id: i32,
        /// JSON map of size code to quantity: `{"50":2}`.
        pub lines: String,
        /// `every_n_days` or `weekdays`.
        pub rule: String,
        pub every_n_days: Option<i32>,
        /// ISO weekday numbers, Monday = 1: `1,4`.
        pub weekdays: String,
        pub start_date: Date,
        pub last_generated: Option<Date>,
        pub payment_method: String,
        pub notes: String,
        pub active: bool,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use crate::auth::policy::OFFICE;
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    use axum::http::Method;
    r.add(
        Method::POST,
        "/customers/{id}/templates",
        OFFICE,
        handlers::create,
    )
    .add(
        Method::POST,
        "/customers/{id}/templates/{template_id}/active",
        OFFICE,
        handlers::set_active,
    )
    .api(OFFICE, routes!(api::list))
    .api(OFFICE, routes!(api::create))
    .api(OFFICE, routes!(api::run))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    EveryNDays(i32),
    /// ISO weekday numbers (Monday = 1).
    Weekdays(Vec<u32>),
}

impl Rule {
    pub fn due_on(&self, start: NaiveDate, date: NaiveDate) -> bool {
        if date < start {
            return false;
        }
        match self {
            Self::EveryNDays(n) => (date - start).num_days() % i64::from(*n) == 0,
            Self::Weekdays(days) => days.contains(&date.weekday().number_from_monday()),
        }
    }

    fn of(t: &entity::Model) -> Option<Self> {
        match t.rule.as_str() {
            "every_n_days" => t.every_n_days.filter(|n| *n > 0).map(Self::EveryNDays),
            "weekdays" => Some(Self::Weekdays(
                t.weekdays
                    .split(',')
                    .filter_map(|d| d.trim().parse().ok())
                    .collect(),
            )),
            _ => None,
        }
    }
}

/// Raw template input from a form or JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TemplateInput {
    pub customer_id: Option<i32>,
    /// `every_n_days` or `weekdays`
    pub rule: String,
    pub every_n_days: String,
    /// ISO weekdays, Monday = 1, e.g. `1,4` (a form may send `weekday` repeatedly)
    pub weekdays: String,
    /// `YYYY-MM-DD`; today when empty.
    pub start_date: String,
    pub qty_50: String,
    pub qty_20: String,
    pub qty_16: String,
    pub qty_10: String,
    pub qty_4: String,
    pub notes: String,
}

pub struct TemplateData {
    pub rule: Rule,
    pub start: NaiveDate,
    pub lines: Vec<(CylinderSize, i32)>,
    pub notes: String,
}

impl TemplateInput {
    pub fn parse(&self, today: NaiveDate) -> Result<TemplateData, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rule = match self.rule.trim() {
            "every_n_days" | "" => match self.every_n_days.trim().parse::<i32>() {
                Ok(n) if (1..=120).contains(&n) => Some(Rule::EveryNDays(n)),
                _ => {
                    errors.push(FieldError::text(
                        "every_n_days",
                        "「間隔天數」請輸入 1 到 120 的整數",
                        "Every N days: enter 1 to 120",
                    ));
                    None
                }
            },
            "weekdays" => {
                let days: Vec<u32> = self
                    .weekdays
                    .split([',', ' ', '、'])
                    .filter_map(|d| d.trim().parse().ok())
                    .filter(|d| (1..=7).contains(d))
                    .collect();
                if days.is_empty() {
                    errors.push(FieldError::text(
                        "weekdays",
                        "請至少選擇一個「星期」",
                        "Choose at least one weekday",
                    ));
                    None
                } else {
                    Some(Rule::Weekdays(days))
                }
            }
            _ => {
                errors.push(FieldError::text(
                    "rule",
                    "「週期」請選擇每 N 天或每週固定日",
                    "Rule: every N days or weekdays",
                ));
                None
            }
        };
        let start = match crate::orders::form::parse_date(&self.start_date, today) {
            Ok(d) => d,
            Err(m) => {
                errors.push(FieldError::new("start_date", m));
                today
            }
        };
        let mut lines = Vec::new();
        for (size, raw) in CylinderSize::ALL.iter().zip([
            &self.qty_50,
            &self.qty_20,
            &self.qty_16,
            &self.qty_10,
            &self.qty_4,
        ]) {
            let s = crate::domain::normalize_width(raw.trim());
            if s.is_empty() {
                continue;
            }
            match s.parse::<i32>() {
                Ok(0) => {}
                Ok(n) if (1..=200).contains(&n) => lines.push((*size, n)),
                _ => errors.push(FieldError::text(
                    &format!("qty_{}", size.code()),
                    format!("「{} 數量」請輸入 0 到 200 的整數", size.label_zh()),
                    format!("{} quantity: 0 to 200", size.label_en()),
                )),
            }
        }
        if lines.is_empty() && errors.iter().all(|e| !e.field.starts_with("qty_")) {
            errors.push(FieldError::text(
                "lines",
                "請至少訂購一桶瓦斯",
                "Order at least one cylinder",
            ));
        }
        match (errors.is_empty(), rule) {
            (true, Some(rule)) => Ok(TemplateData {
                rule,
                start,
                lines,
                notes: self.notes.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    customer_id: i32,
    d: &TemplateData,
    now: DateTime<Utc>,
) -> Result<entity::Model, AppError> {
    let c = customers::get(db, customer_id).await?;
    let lines: serde_json::Map<String, serde_json::Value> = d
        .lines
        .iter()
        .map(|(s, q)| (s.code().to_owned(), serde_json::json!(q)))
        .collect();
    let (rule, n, days) = match &d.rule {
        Rule::EveryNDays(n) => ("every_n_days", Some(*n), String::new()),
        Rule::Weekdays(w) => (
            "weekdays",
            None,
            w.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
        ),
    };
    Ok(entity::ActiveModel {
        customer_id: Set(customer_id),
        lines: Set(serde_json::Value::Object(lines).to_string()),
        rule: Set(rule.into()),
        every_n_days: Set(n),
        weekdays: Set(days),
        start_date: Set(d.start),
        last_generated: Set(None),
        payment_method: Set(c.payment_terms),
        notes: Set(d.notes.clone()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub fn lines_of(t: &entity::Model) -> Vec<(CylinderSize, i32)> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&t.lines).unwrap_or_default();
    CylinderSize::ALL
        .iter()
        .filter_map(|s| {
            map.get(s.code())
                .and_then(serde_json::Value::as_i64)
                .map(|q| (*s, q as i32))
        })
        .filter(|(_, q)| *q > 0)
        .collect()
}

pub fn describe_rule(t: &entity::Model, locale: crate::i18n::Locale) -> String {
    const ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    match (Rule::of(t), locale) {
        (Some(Rule::EveryNDays(n)), crate::i18n::Locale::ZhTw) => {
            format!("每 {n} 天（自 {}）", t.start_date)
        }
        (Some(Rule::EveryNDays(n)), crate::i18n::Locale::En) => {
            format!("Every {n} days (from {})", t.start_date)
        }
        (Some(Rule::Weekdays(d)), crate::i18n::Locale::ZhTw) => {
            format!(
                "每週{}",
                d.iter()
                    .map(|x| ZH[(*x as usize - 1) % 7])
                    .collect::<Vec<_>>()
                    .join("、")
            )
        }
        (Some(Rule::Weekdays(d)), crate::i18n::Locale::En) => {
            format!(
                "Every {}",
                d.iter()
                    .map(|x| EN[(*x as usize - 1) % 7])
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        (None, _) => t.rule.clone(),
    }
}

pub async fn for_customer(
    db: &impl ConnectionTrait,
    customer_id: i32,
) -> Result<Vec<entity::Model>, AppError> {
    Ok(entity::Entity::find()
        .filter(entity::Column::CustomerId.eq(customer_id))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub created: usize,
    pub already_there: usize,
    /// Templates that could not make their order (e.g. inactive customer, no price).
    pub failed: Vec<String>,
}

/// Creates the orders of every active template due on `date`, once.
pub async fn run_for(
    db: &(impl TransactionTrait + ConnectionTrait),
    hub: &crate::events::EventHub,
    actor: Option<&AuthUser>,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<RunReport, AppError> {
    let mut report = RunReport {
        date,
        ..RunReport::default()
    };
    let templates = entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?;
    for t in templates {
        let Some(rule) = Rule::of(&t) else { continue };
        if !rule.due_on(t.start_date, date) {
            continue;
        }
        if orders::from_template_on(db, t.id, date).await? {
            report.already_there += 1;
            continue;
        }
        let txn = crate::db::begin_write(db).await?;
        let c = customers::get(&txn, t.customer_id).await?;
        let data = OrderData {
            requested_date: date,
            window: None,
            lines: lines_of(&t),
            payment_method: crate::customers::kinds::PaymentTerms::parse(&t.payment_method).ok(),
            notes: t.notes.clone(),
            source: Source::Template,
        };
        match orders::insert(&txn, actor, &c, &data, true, Some(t.id), now).await {
            Ok(made) => {
                entity::Entity::update_many()
                    .col_expr(
                        entity::Column::LastGenerated,
                        sea_orm::sea_query::Expr::value(date),
                    )
                    .filter(entity::Column::Id.eq(t.id))
                    .exec(&txn)
                    .await?;
                match txn.commit().await {
                    Ok(()) => {
                        report.created += 1;
                        crate::orders::announce::created(hub, &made.order, actor, now);
                    }
                    // Another run made it first: the unique index kept it to one.
                    Err(e)
                        if matches!(
                            e.sql_err(),
                            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                        ) =>
                    {
                        report.already_there += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(AppError::Invalid(errs)) => {
                let why = errs
                    .iter()
                    .map(|e| e.message.zh.to_string())
                    .collect::<Vec<_>>()
                    .join("；");
                tracing::warn!(template = t.id, %why, "recurring order not created");
                report.failed.push(format!("{} {}：{why}", c.code, c.name));
            }
            // Another instance made it between our check and insert.
            Err(e) if e.is_unique_violation() => report.already_there += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// The periodic job: today's and tomorrow's recurring orders, every 15
/// minutes (once across all instances).
pub fn jobs(
    r: crate::jobs::Registry<crate::app::AppState>,
) -> crate::jobs::Registry<crate::app::AppState> {
    r.handle(
        "recurring_orders",
        |state: crate::app::AppState, _| async move {
            let today = state.clock.today_taipei();
            let mut created = 0;
            let mut failed = Vec::new();
            for date in [today, today + chrono::Duration::days(1)] {
                let r = run_for(&state.db, &state.events, None, date, state.clock.now())
                    .await
                    .map_err(|e| crate::jobs::JobFailure::Retry(format!("{e:?}")))?;
                if r.created > 0 || !r.failed.is_empty() {
                    tracing::info!(%date, created = r.created, failed = r.failed.len(), "recurring orders");
                }
                created += r.created;
                failed.extend(r.failed);
            }
            Ok(serde_json::json!({ "created": created, "failed": failed }))
        },
    )
    .every("recurring_orders", chrono::Duration::minutes(15))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_n_days_counts_from_the_start() {
        let r = Rule::EveryNDays(7);
        assert!(r.due_on(d("2026-12-01"), d("2026-12-01")));
        assert!(!r.due_on(d("2026-12-01"), d("2026-12-07")));
        assert!(r.due_on(d("2026-12-01"), d("2026-12-08")));
        assert!(
            !r.due_on(d("2026-12-01"), d("2026-11-24")),
            "nothing before the start"
        );
    }

    #[test]
    fn weekdays_use_monday_as_one() {
        let r = Rule::Weekdays(vec![1, 4]);
        assert!(r.due_on(d("2026-11-01"), d("2026-11-30")), "a Monday");
        assert!(r.due_on(d("2026-11-01"), d("2026-12-03")), "a Thursday");
        assert!(!r.due_on(d("2026-11-01"), d("2026-12-01")), "a Tuesday");
    }

    #[test]
    fn template_input_reports_bad_fields() {
        let input = TemplateInput {
            rule: "every_n_days".into(),
            every_n_days: "0".into(),
            qty_50: "-1".into(),
            ..Default::default()
        };
        let errs = input.parse(d("2026-11-30")).err().unwrap();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["every_n_days", "qty_50"]);
    }
}
