//! The customer spreadsheet: its columns, the dry run, the all-or-nothing
//! import (create, or update by 客戶編號) and the export that re-imports
//! cleanly.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{
    Action, FirstSeen, Report, RowErrors, check_extra_cells, parse_flag, read_table, write_errors,
};
use crate::{
    auth::AuthUser,
    customers::{
        api::show_phone,
        entity::customer,
        form::{CustomerData, CustomerInput, split_phones},
        kinds::{CustomerKind, PaymentTerms},
        queries::{self, Filter},
    },
    domain::{Phone, normalize_width},
    error::AppError,
    i18n::{Locale, Text},
    tabular::{self, Column, ColumnMap, Row, Table},
};

pub const KIND: &str = "customers";

/// The columns, in template and export order.
pub const SPEC: &[Column] = &[
    Column::new(
        "code",
        "客戶編號",
        "Customer code",
        &["編號", "客戶代號", "customer_code", "customer no"],
        false,
    ),
    Column::new(
        "name",
        "客戶名稱",
        "Name",
        &["名稱", "姓名", "客戶", "customer name"],
        true,
    ),
    Column::new("kind", "類型", "Kind", &["客戶類型", "type"], false),
    Column::new(
        "contact",
        "聯絡人",
        "Contact",
        &["contact_person", "contact person"],
        false,
    ),
    Column::new(
        "phones",
        "電話",
        "Phones",
        &["phone", "手機", "電話號碼", "tel", "telephone"],
        true,
    ),
    Column::new(
        "address",
        "地址",
        "Address",
        &["送貨地址", "配送地址"],
        true,
    ),
    Column::new("district", "行政區", "District", &["鄉鎮市區", "區"], false),
    Column::new("lat", "緯度", "Latitude", &["latitude"], false),
    Column::new("lon", "經度", "Longitude", &["longitude", "lng"], false),
    Column::new(
        "delivery_windows",
        "配送時段",
        "Delivery windows",
        &["時段", "windows"],
        false,
    ),
    Column::new(
        "service_minutes",
        "卸貨分鐘",
        "Service minutes",
        &["服務時間", "卸貨時間"],
        false,
    ),
    Column::new("floor", "樓層", "Floor", &[], false),
    Column::new(
        "access_note",
        "電梯樓梯",
        "Lift or stairs",
        &["電梯/樓梯", "access note"],
        false,
    ),
    Column::new("cylinders_50", "50公斤", "50 kg", &["50kg鋼瓶"], false),
    Column::new("cylinders_20", "20公斤", "20 kg", &["20kg鋼瓶"], false),
    Column::new("cylinders_16", "16公斤", "16 kg", &["16kg鋼瓶"], false),
    Column::new("cylinders_10", "10公斤", "10 kg", &["10kg鋼瓶"], false),
    Column::new("cylinders_4", "4公斤", "4 kg", &["4kg鋼瓶"], false),
    Column::new("deposit", "押金", "Deposit", &["鋼瓶押金"], false),
    Column::new(
        "payment_terms",
        "付款方式",
        "Payment terms",
        &["付款條件", "payment"],
        false,
    ),
    Column::new("tax_id", "統一編號", "Tax ID", &["統編"], false),
    Column::new(
        "invoice_title",
        "發票抬頭",
        "Invoice title",
        &["抬頭"],
        false,
    ),
    Column::new(
        "sms_opt_out",
        "不收簡訊",
        "No SMS",
        &["sms opt out", "拒收簡訊"],
        false,
    ),
    Column::new("notes", "備註", "Notes", &["note", "remarks"], false),
];

/// The spec column a parser field belongs to.
fn key_of(field: &str) -> &str {
    match field {
        "contact_person" => "contact",
        other => other,
    }
}

/// The file's cells as the customer form's input.
fn input_of(map: &ColumnMap, row: &Row) -> CustomerInput {
    let get = |key: &str| map.get(row, key).to_owned();
    CustomerInput {
        code: get("code"),
        name: get("name"),
        kind: get("kind"),
        contact_person: get("contact"),
        // Excel drops the leading 0 of a phone typed as a number.
        phones: split_phones(map.get(row, "phones"))
            .into_iter()
            .map(|p| tabular::phone_missing_leading_zero(&p).unwrap_or(p))
            .collect(),
        address: get("address"),
        district: get("district"),
        lat: get("lat"),
        lon: get("lon"),
        delivery_windows: get("delivery_windows"),
        service_minutes: get("service_minutes"),
        floor: get("floor"),
        access_note: get("access_note"),
        cylinders_50: get("cylinders_50"),
        cylinders_20: get("cylinders_20"),
        cylinders_16: get("cylinders_16"),
        cylinders_10: get("cylinders_10"),
        cylinders_4: get("cylinders_4"),
        deposit: get("deposit"),
        payment_terms: get("payment_terms"),
        tax_id: get("tax_id"),
        invoice_title: get("invoice_title"),
        sms_opt_out: false,
        notes: get("notes"),
        version: String::new(),
    }
}

/// Parses one row; every problem goes to `errors`.
fn parse_row(map: &ColumnMap, row: &Row, errors: &mut RowErrors<'_>) -> Option<CustomerData> {
    let mut input = input_of(map, row);
    let flag = parse_flag(map.get(row, "sms_opt_out"));
    input.sms_opt_out = *flag.as_ref().unwrap_or(&false);
    let parsed = input.parse();
    if let Err(m) = flag.as_ref() {
        errors.add(row, "sms_opt_out", m.clone());
    }
    match parsed {
        Ok(d) if flag.is_ok() => Some(d),
        Ok(_) => None,
        Err(e) => {
            errors.add_fields(row, e, key_of);
            None
        }
    }
}

/// One exported row, in [`SPEC`] order; it parses back to the same data.
/// Only precise coordinates are written: an approximate stand-in read back
/// from a file would pass for a location someone set.
pub fn export_row(c: &customer::Model, phones: &[String]) -> Vec<String> {
    let label =
        |r: Result<&'static str, Text>, raw: &str| r.map_or_else(|_| raw.to_owned(), str::to_owned);
    let precise = crate::domain::LocationSource::parse(&c.location_source).is_precise();
    let num = |v: Option<f64>| {
        v.filter(|_| precise)
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    vec![
        c.code.clone(),
        c.name.clone(),
        label(
            CustomerKind::parse(&c.kind).map(|k| k.label(Locale::ZhTw)),
            &c.kind,
        ),
        c.contact_person.clone(),
        phones
            .iter()
            .map(|p| show_phone(p))
            .collect::<Vec<_>>()
            .join(", "),
        c.address.clone(),
        c.district.clone(),
        num(c.lat),
        num(c.lon),
        c.delivery_windows.clone(),
        c.service_minutes.to_string(),
        c.floor.map(|f| f.to_string()).unwrap_or_default(),
        c.access_note.clone(),
        c.cylinders_50.to_string(),
        c.cylinders_20.to_string(),
        c.cylinders_16.to_string(),
        c.cylinders_10.to_string(),
        c.cylinders_4.to_string(),
        c.deposit.to_string(),
        label(
            PaymentTerms::parse(&c.payment_terms).map(|p| p.label(Locale::ZhTw)),
            &c.payment_terms,
        ),
        c.tax_id.clone().unwrap_or_default(),
        c.invoice_title.clone(),
        if c.sms_opt_out { "是" } else { "" }.to_owned(),
        c.notes.clone(),
    ]
}

/// Column headers of exports (zh-TW, as the import reads them).
pub fn headers() -> Vec<&'static str> {
    SPEC.iter().map(|c| c.zh).collect()
}

/// A comparable form of valid data: two rows that parse to the same data
/// write the same customer. (Debug shows every field; both sides come
/// through the same parser, so equal data prints equal.)
fn fingerprint(d: &CustomerData) -> String {
    format!("{d:?}")
}

/// The stored customer as the importer would read it from an export.
fn stored_fingerprint(canon: &ColumnMap, c: &customer::Model, phones: &[String]) -> Option<String> {
    let row = Row {
        line: 0,
        cells: export_row(c, phones),
    };
    let mut input = input_of(canon, &row);
    input.sms_opt_out = c.sms_opt_out;
    input.parse().ok().map(|d| fingerprint(&d))
}

/// A valid row and what importing it does.
pub struct Planned {
    /// Index into `table.rows`.
    pub index: usize,
    pub data: CustomerData,
    pub action: Action,
}

/// Checks every row against the database without writing: parse errors,
/// duplicates within the file, phones of other customers; decides create /
/// update / unchanged. Existing codes and phones are loaded in a few batched
/// queries, not per row.
pub async fn check(
    db: &impl ConnectionTrait,
    table: &Table,
    map: &ColumnMap,
    report: &mut Report,
) -> Result<Vec<Planned>, AppError> {
    let mut errors = RowErrors::new(map, SPEC);
    check_extra_cells(table, &mut errors);
    // Duplicates within the file are found on the raw cells, so that a row
    // repeating a code is reported even when the first row has other errors.
    let mut seen_codes = FirstSeen::new();
    let mut seen_phones = FirstSeen::new();
    let mut parsed = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        let mut duplicate = false;
        let code = normalize_width(map.get(row, "code").trim()).to_uppercase();
        if !code.is_empty() {
            if let Some(first) = seen_codes.get(&code) {
                errors.add(
                    row,
                    "code",
                    Text::new(
                        format!("「客戶編號」{code} 與第 {first} 列重複"),
                        format!("Code {code} is also on row {first}"),
                    ),
                );
                duplicate = true;
            } else {
                seen_codes.insert(code, row.line);
            }
        }
        for raw in split_phones(map.get(row, "phones")) {
            let raw = tabular::phone_missing_leading_zero(&raw).unwrap_or(raw);
            let Ok(p) = Phone::parse(&raw) else { continue };
            match seen_phones.get(p.as_str()) {
                Some(&first) if first != row.line => {
                    let shown = p.display();
                    errors.add(
                        row,
                        "phones",
                        Text::new(
                            format!("「電話」{shown} 與第 {first} 列重複"),
                            format!("Phone {shown} is also on row {first}"),
                        ),
                    );
                    duplicate = true;
                }
                Some(_) => {}
                None => {
                    seen_phones.insert(p.as_str().to_owned(), row.line);
                }
            }
        }
        if let Some(d) = parse_row(map, row, &mut errors)
            && !duplicate
        {
            parsed.push((i, d));
        }
    }

    let codes: Vec<String> = parsed.iter().filter_map(|(_, d)| d.code.clone()).collect();
    let existing = queries::by_codes(db, &codes).await?;
    let digits: Vec<String> = parsed
        .iter()
        .flat_map(|(_, d)| d.phones.iter().map(|p| p.as_str().to_owned()))
        .collect();
    let owner_of = queries::phone_owners(db, &digits).await?;
    let owner_ids: Vec<i32> = owner_of
        .values()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let owners = queries::by_ids(db, &owner_ids).await?;
    let ids: Vec<i32> = existing.values().map(|c| c.id).collect();
    let mut stored_phones: HashMap<i32, Vec<String>> = HashMap::new();
    for chunk in crate::db::in_chunks(&ids) {
        for (id, list) in queries::phones_of(db, &chunk).await? {
            stored_phones.insert(id, list.into_iter().map(|p| p.phone).collect());
        }
    }
    let canon = canonical_map();

    let mut planned = Vec::with_capacity(parsed.len());
    for (index, d) in parsed {
        let row = &table.rows[index];
        let mut ok = true;
        let target = d.code.as_ref().and_then(|c| existing.get(c));
        for p in &d.phones {
            if let Some(owner) = owner_of.get(p.as_str())
                && Some(*owner) != target.map(|c| c.id)
            {
                let shown = p.display();
                let (code, name) = owners
                    .get(owner)
                    .map(|c| (c.code.as_str(), c.name.as_str()))
                    .unwrap_or_default();
                errors.add(
                    row,
                    "phones",
                    Text::new(
                        format!("「電話」{shown} 已登記給另一位客戶（{code} {name}）"),
                        format!(
                            "Phone {shown} already belongs to another customer ({code} {name})"
                        ),
                    ),
                );
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        let action = match target {
            None => Action::Create,
            Some(c) => {
                let phones = stored_phones.get(&c.id).map_or(&[][..], Vec::as_slice);
                if stored_fingerprint(&canon, c, phones).as_deref() == Some(&fingerprint(&d)) {
                    Action::Unchanged(c.id)
                } else {
                    Action::Update(c.id)
                }
            }
        };
        report.count(action);
        planned.push(Planned {
            index,
            data: d,
            action,
        });
    }
    errors.errors.sort_by_key(|e| e.row);
    report.errors.extend(errors.errors);
    Ok(planned)
}

/// A column map for files laid out exactly as [`SPEC`] (exports).
fn canonical_map() -> ColumnMap {
    let headers: Vec<String> = SPEC.iter().map(|c| c.zh.to_owned()).collect();
    tabular::headers::map(&headers, SPEC).expect("the spec maps onto its own headers")
}

/// The dry run: nothing is written.
pub async fn dry_run(
    db: &impl ConnectionTrait,
    bytes: &[u8],
    file_name: &str,
) -> Result<Report, AppError> {
    let mut report = Report::default();
    if let Some((table, map)) = read_table(bytes, file_name, SPEC, &mut report) {
        check(db, &table, &map, &mut report).await?;
    }
    Ok(report)
}

/// The real import: every row re-checked and written in one transaction;
/// any error rolls everything back.
pub async fn import(
    db: &DatabaseConnection,
    actor: &AuthUser,
    bytes: &[u8],
    file_name: &str,
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    let mut report = Report::default();
    let Some((table, map)) = read_table(bytes, file_name, SPEC, &mut report) else {
        return Ok(report);
    };
    let txn = crate::db::begin_write(db).await?;
    let planned = check(&txn, &table, &map, &mut report).await?;
    if !report.is_ok() {
        txn.rollback().await?;
        return Ok(report);
    }
    let mut errors = RowErrors::new(&map, SPEC);
    for p in &planned {
        let row = &table.rows[p.index];
        let written = match p.action {
            Action::Create => queries::insert(&txn, Some(actor), &p.data, now)
                .await
                .map(drop),
            Action::Update(id) => queries::replace(&txn, Some(actor), id, None, &p.data, now)
                .await
                .map(drop),
            Action::Unchanged(_) => Ok(()),
        };
        if let Err(e) = written {
            write_errors(row, e, &mut errors, key_of)?;
        }
    }
    if errors.errors.is_empty() {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
        report.errors.extend(errors.errors);
    }
    Ok(report)
}

/// Every customer matching the list's filters (all pages), export rows.
pub async fn export_rows(
    db: &impl ConnectionTrait,
    f: &Filter,
) -> Result<Vec<Vec<String>>, AppError> {
    let list = queries::all_matching(db, f).await?;
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let mut phones: HashMap<i32, Vec<String>> = HashMap::new();
    for chunk in crate::db::in_chunks(&ids) {
        for (id, l) in queries::phones_of(db, &chunk).await? {
            phones.insert(id, l.into_iter().map(|p| p.phone).collect());
        }
    }
    Ok(list
        .iter()
        .map(|c| export_row(c, phones.get(&c.id).map_or(&[][..], Vec::as_slice)))
        .collect())
}

/// Example rows of the template.
pub fn example_rows() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "",
            "王小明",
            "一般家庭",
            "王太太",
            "0912-345-678",
            "台北市大安區和平東路二段100號",
            "",
            "",
            "",
            "08:00-12:00",
            "5",
            "3",
            "有電梯",
            "0",
            "2",
            "0",
            "0",
            "0",
            "1000",
            "現金",
            "",
            "",
            "",
            "",
        ],
        vec![
            "R001",
            "好味道餐廳",
            "餐廳",
            "陳店長",
            "02-2700-1234, 0922-333-444",
            "新北市板橋區文化路一段1號",
            "",
            "",
            "",
            "09:00-11:00, 14:00-16:00",
            "10",
            "1",
            "",
            "2",
            "0",
            "0",
            "0",
            "0",
            "3000",
            "月結",
            "04595257",
            "好味道餐廳有限公司",
            "",
            "後門卸貨",
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_rows_fit_the_spec_and_parse() {
        let map = canonical_map();
        for cells in example_rows() {
            assert_eq!(cells.len(), SPEC.len());
            let row = Row {
                line: 2,
                cells: cells.iter().map(|c| (*c).to_owned()).collect(),
            };
            let mut errors = RowErrors::new(&map, SPEC);
            assert!(
                parse_row(&map, &row, &mut errors).is_some(),
                "{:?}",
                errors.errors
            );
        }
    }

    #[test]
    fn a_phone_that_lost_its_leading_zero_is_restored() {
        let map = canonical_map();
        let mut cells = vec![String::new(); SPEC.len()];
        cells[1] = "王".into();
        cells[4] = "912345678".into();
        cells[5] = "台北市大安區和平東路1號".into();
        let row = Row { line: 2, cells };
        let mut errors = RowErrors::new(&map, SPEC);
        let d = parse_row(&map, &row, &mut errors).unwrap();
        assert_eq!(d.phones[0].as_str(), "0912345678");
    }
}
