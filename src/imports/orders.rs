//! The order spreadsheet: its columns, the dry run, the all-or-nothing
//! import (orders are only ever created) and the export.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{Report, RowErrors, check_extra_cells, read_table, write_errors};
use crate::{
    auth::AuthUser,
    customers::{entity::customer, kinds::PaymentTerms},
    domain::{CylinderSize, normalize_width},
    error::AppError,
    i18n::{Locale, Text},
    orders::{
        form::{LineInput, OrderData, OrderInput},
        queries::{self, OrderFilter},
        status::OrderStatus,
    },
    prices,
    tabular::{Column, ColumnMap, Row, Table},
};

pub const KIND: &str = "orders";

/// The columns, in template and export order.
pub const SPEC: &[Column] = &[
    Column::new(
        "customer_code",
        "客戶編號",
        "Customer code",
        &["編號", "客戶代號", "code", "customer"],
        true,
    ),
    Column::new(
        "requested_date",
        "配送日期",
        "Delivery date",
        &["日期", "送貨日期", "date"],
        false,
    ),
    Column::new(
        "window",
        "時段",
        "Time window",
        &["配送時段", "送貨時段"],
        false,
    ),
    Column::new("qty_50", "50公斤", "50 kg", &["50kg數量"], false),
    Column::new("qty_20", "20公斤", "20 kg", &["20kg數量"], false),
    Column::new("qty_16", "16公斤", "16 kg", &["16kg數量"], false),
    Column::new("qty_10", "10公斤", "10 kg", &["10kg數量"], false),
    Column::new("qty_4", "4公斤", "4 kg", &["4kg數量"], false),
    Column::new("items", "品項", "Items", &["lines", "品項明細"], false),
    Column::new(
        "payment_method",
        "付款方式",
        "Payment method",
        &["payment"],
        false,
    ),
    Column::new("notes", "備註", "Notes", &["note", "remarks"], false),
];

/// Extra export columns (the import lists them as ignored).
const EXPORT_EXTRA: &[&str] = &["訂單編號", "客戶名稱", "狀態", "金額"];

/// `50×2, 20kg×1`: sizes with quantities, for the 品項 column.
fn parse_items(raw: &str) -> Result<Vec<LineInput>, Text> {
    let mut out = Vec::new();
    let s = normalize_width(raw.trim());
    for token in s
        .split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let Some((size, qty)) = token.split_once(['×', 'x', 'X', '*', ':', '：']) else {
            return Err(Text::new(
                format!("「品項」{token} 的格式應為 規格×數量，例如 50×2"),
                format!("Items: write {token} as size×quantity, e.g. 50×2"),
            ));
        };
        let quantity = qty.trim().parse::<i64>().map_err(|_| {
            Text::new(
                format!("「品項」{token} 的數量不是整數"),
                format!("Items: the quantity in {token} is not a whole number"),
            )
        })?;
        out.push(LineInput {
            size: size.trim().to_owned(),
            quantity,
        });
    }
    Ok(out)
}

/// The column a parser field belongs to.
fn key_of(field: &str) -> &str {
    match field {
        "lines" => "items",
        "customer_id" => "customer_code",
        other => other,
    }
}

/// A valid row and its customer.
pub struct Planned {
    pub index: usize,
    pub customer: customer::Model,
    pub data: OrderData,
}

fn input_of(map: &ColumnMap, row: &Row, errors: &mut RowErrors<'_>) -> Option<OrderInput> {
    let get = |key: &str| map.get(row, key).to_owned();
    let lines = match parse_items(map.get(row, "items")) {
        Ok(l) => l,
        Err(m) => {
            errors.add(row, "items", m);
            return None;
        }
    };
    Some(OrderInput {
        customer_code: Some(get("customer_code")),
        requested_date: get("requested_date"),
        window: get("window"),
        lines,
        qty_50: get("qty_50"),
        qty_20: get("qty_20"),
        qty_16: get("qty_16"),
        qty_10: get("qty_10"),
        qty_4: get("qty_4"),
        payment_method: get("payment_method"),
        notes: get("notes"),
        ..Default::default()
    })
}

/// Checks every row without writing: parse errors (past dates, windows,
/// sizes, quantities), unknown or inactive customers, sizes without a price.
pub async fn check(
    db: &impl ConnectionTrait,
    table: &Table,
    map: &ColumnMap,
    today: NaiveDate,
    report: &mut Report,
) -> Result<Vec<Planned>, AppError> {
    let mut errors = RowErrors::new(map, SPEC);
    // Without a 品項 column, quantity problems are shown on the 50 kg column.
    let lines_key = if map.contains("items") {
        "items"
    } else {
        ["qty_50", "qty_20", "qty_16", "qty_10", "qty_4"]
            .into_iter()
            .find(|k| map.contains(k))
            .unwrap_or("items")
    };
    check_extra_cells(table, &mut errors);
    let mut parsed = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        let Some(input) = input_of(map, row, &mut errors) else {
            continue;
        };
        let code = normalize_width(map.get(row, "customer_code").trim()).to_uppercase();
        match input.parse(today) {
            Ok(d) => parsed.push((i, code, d)),
            Err(fields) => {
                for e in fields {
                    let key = if e.field == "lines" {
                        lines_key
                    } else {
                        key_of(&e.field)
                    };
                    errors.add(row, key, e.message);
                }
                // The customer is still checked, so every problem shows.
                parsed.push((i, code, placeholder(today)));
            }
        }
    }

    let codes: Vec<String> = parsed.iter().map(|(_, c, _)| c.clone()).collect();
    let customers = crate::customers::queries::by_codes(db, &codes).await?;

    let mut priced: HashMap<(i32, CylinderSize, NaiveDate), bool> = HashMap::new();
    let mut planned = Vec::new();
    for (index, code, d) in parsed {
        let row = &table.rows[index];
        let valid_row = !d.lines.is_empty();
        let Some(c) = customers.get(&code) else {
            errors.add(
                row,
                "customer_code",
                Text::new(
                    format!("找不到客戶編號「{code}」"),
                    format!("No customer has the code {code}"),
                ),
            );
            continue;
        };
        if !c.active {
            errors.add(
                row,
                "customer_code",
                Text::new(
                    format!("客戶「{} {}」已停用，不能下訂單", c.code, c.name),
                    format!(
                        "Customer {} {} is inactive and cannot order",
                        c.code, c.name
                    ),
                ),
            );
            continue;
        }
        if !valid_row {
            continue;
        }
        let mut missing = Vec::new();
        for (size, _) in &d.lines {
            let key = (c.id, *size, d.requested_date);
            let has = match priced.get(&key) {
                Some(h) => *h,
                None => {
                    let h = prices::price_on(db, c.id, *size, d.requested_date)
                        .await?
                        .is_some();
                    priced.insert(key, h);
                    h
                }
            };
            if !has {
                missing.push(*size);
            }
        }
        if !missing.is_empty() {
            let zh: Vec<String> = missing.iter().map(|s| s.label_zh()).collect();
            let en: Vec<String> = missing.iter().map(|s| s.label_en()).collect();
            errors.add(
                row,
                lines_key,
                Text::new(
                    format!("尚未設定價格：{}，請先到價格表設定", zh.join("、")),
                    format!("No price is set for {} on that date", en.join(", ")),
                ),
            );
            continue;
        }
        report.created += 1;
        planned.push(Planned {
            index,
            customer: c.clone(),
            data: OrderData {
                source: crate::orders::form::Source::Import,
                ..d
            },
        });
    }
    errors.errors.sort_by_key(|e| e.row);
    report.errors.extend(errors.errors);
    Ok(planned)
}

/// Stands in for a row that did not parse while its customer is checked.
fn placeholder(today: NaiveDate) -> OrderData {
    OrderData {
        requested_date: today,
        window: None,
        lines: Vec::new(),
        payment_method: None,
        notes: String::new(),
        source: crate::orders::form::Source::Import,
    }
}

pub async fn dry_run(
    db: &impl ConnectionTrait,
    bytes: &[u8],
    file_name: &str,
    today: NaiveDate,
) -> Result<Report, AppError> {
    let mut report = Report::default();
    if let Some((table, map)) = read_table(bytes, file_name, SPEC, &mut report) {
        check(db, &table, &map, today, &mut report).await?;
    }
    Ok(report)
}

/// The real import, in one transaction; any error rolls everything back.
pub async fn import(
    db: &DatabaseConnection,
    hub: &crate::events::EventHub,
    actor: &AuthUser,
    bytes: &[u8],
    file_name: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    let mut report = Report::default();
    let Some((table, map)) = read_table(bytes, file_name, SPEC, &mut report) else {
        return Ok(report);
    };
    let txn = crate::db::begin_write(db).await?;
    let planned = check(&txn, &table, &map, today, &mut report).await?;
    if !report.is_ok() {
        txn.rollback().await?;
        return Ok(report);
    }
    let mut errors = RowErrors::new(&map, SPEC);
    let mut ids = Vec::with_capacity(planned.len());
    for p in &planned {
        let row = &table.rows[p.index];
        match queries::insert(&txn, Some(actor), &p.customer, &p.data, false, None, now).await {
            Ok(o) => ids.push(o.order.id),
            Err(e) => write_errors(row, e, &mut errors, key_of)?,
        }
    }
    if errors.errors.is_empty() {
        txn.commit().await?;
        crate::orders::announce::many(hub, &ids, "import", Some(actor), now);
    } else {
        txn.rollback().await?;
        report.errors.extend(errors.errors);
    }
    Ok(report)
}

pub fn headers() -> Vec<&'static str> {
    SPEC.iter()
        .map(|c| c.zh)
        .chain(EXPORT_EXTRA.iter().copied())
        .collect()
}

/// Every order matching the list's filters (all pages), export rows.
pub async fn export_rows(
    db: &impl ConnectionTrait,
    f: &OrderFilter,
) -> Result<Vec<Vec<String>>, AppError> {
    let list = queries::all_matching(db, f).await?;
    let ids: Vec<i32> = list.iter().map(|o| o.id).collect();
    let mut lines = HashMap::new();
    for chunk in crate::db::in_chunks(&ids) {
        lines.extend(queries::lines_of(db, &chunk).await?);
    }
    let cids: Vec<i32> = list.iter().map(|o| o.customer_id).collect();
    let custs = crate::customers::queries::by_ids(db, &cids).await?;
    Ok(list
        .iter()
        .map(|o| {
            let c = custs.get(&o.customer_id);
            let qty = crate::orders::entity::line::quantities_by_size(
                lines.get(&o.id).map_or(&[][..], Vec::as_slice),
            );
            let q = |n: i32| if n > 0 { n.to_string() } else { String::new() };
            let status = OrderStatus::parse(&o.status)
                .map_or_else(|| o.status.clone(), |s| s.label(Locale::ZhTw).to_owned());
            vec![
                c.map(|c| c.code.clone()).unwrap_or_default(),
                o.requested_date.to_string(),
                match (&o.window_start, &o.window_end) {
                    (Some(a), Some(b)) => format!("{a}-{b}"),
                    _ => String::new(),
                },
                q(qty[0]),
                q(qty[1]),
                q(qty[2]),
                q(qty[3]),
                q(qty[4]),
                String::new(),
                PaymentTerms::parse(&o.payment_method).map_or_else(
                    |_| o.payment_method.clone(),
                    |p| p.label(Locale::ZhTw).to_owned(),
                ),
                o.notes.clone(),
                o.order_number.clone(),
                c.map(|c| c.name.clone()).unwrap_or_default(),
                status,
                o.total_amount.to_string(),
            ]
        })
        .collect())
}

/// Two sample rows for tomorrow, for customers with these codes (the
/// book's first customers; the automatic first code when it is empty).
pub fn example_rows(tomorrow: NaiveDate, codes: &[String]) -> Vec<Vec<String>> {
    let d = tomorrow.to_string();
    let code = |i: usize| {
        codes
            .get(i)
            .or_else(|| codes.first())
            .cloned()
            .unwrap_or_else(|| "C00001".into())
    };
    vec![
        vec![
            code(0),
            d.clone(),
            "08:00-12:00".into(),
            String::new(),
            "2".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "現金".into(),
            String::new(),
        ],
        vec![
            code(1),
            d,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "50×1, 20×2".into(),
            "月結".into(),
            "後門卸貨".into(),
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_read_as_size_and_quantity() {
        let l = parse_items("50×2、20kg:1, ４×３").unwrap();
        let got: Vec<(String, i64)> = l.into_iter().map(|l| (l.size, l.quantity)).collect();
        assert_eq!(got, [("50".into(), 2), ("20kg".into(), 1), ("4".into(), 3)]);
        assert!(parse_items("50公斤").is_err());
        assert!(parse_items("").unwrap().is_empty());
    }
}
