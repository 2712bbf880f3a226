//! Spreadsheet import and export of customers and orders.
//!
//! An import is two steps: the upload is read, checked row by row against
//! the database (a dry run, nothing written) and kept in `import_files`;
//! the real import re-reads the kept file and re-checks every row inside ONE
//! transaction, so it is all or nothing. The same checks answer the API
//! (`POST /api/v1/{customers,orders}/import?dry_run=…`).

pub mod customers;
pub mod entity;
pub mod handlers;
pub mod orders;

use std::collections::HashMap;

use axum::{extract::DefaultBodyLimit, handler::Handler, http::Method};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    app::Routes,
    auth::tokens,
    error::{AppError, FieldError},
    i18n::{Locale, Text},
    tabular::{self, Column, ColumnMap, Row, Table},
};
use entity::import_file;

/// Uploads may be as large as the tabular reader allows, plus multipart
/// overhead (axum's default body limit is 2 MB).
const UPLOAD_LIMIT: usize = 21 * 1024 * 1024;

/// How long an uploaded file waits for its real import.
const KEEP_FOR_HOURS: i64 = 24;

/// Row errors shown on the preview page (the API returns all of them).
pub const SHOWN_ERRORS: usize = 500;

use utoipa_axum::{router::UtoipaMethodRouter, routes};

use crate::{app::AppState, auth::policy::OFFICE};

/// An upload route: it may receive a spreadsheet up to the upload limit.
fn upload((schemas, paths, router): UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    (
        schemas,
        paths,
        router.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
    )
}

pub fn routes(r: Routes) -> Routes {
    let limit = || DefaultBodyLimit::max(UPLOAD_LIMIT);
    r.add(
        Method::GET,
        "/customers/import",
        OFFICE,
        handlers::customers_page,
    )
    .add(
        Method::POST,
        "/customers/import",
        OFFICE,
        handlers::customers_upload.layer(limit()),
    )
    .add(
        Method::POST,
        "/customers/import/commit",
        OFFICE,
        handlers::customers_commit,
    )
    .add(
        Method::GET,
        "/customers/import/template.csv",
        OFFICE,
        handlers::customers_template_csv,
    )
    .add(
        Method::GET,
        "/customers/import/template.xlsx",
        OFFICE,
        handlers::customers_template_xlsx,
    )
    .add(
        Method::GET,
        "/customers/export.csv",
        OFFICE,
        handlers::customers_export_csv,
    )
    .add(
        Method::GET,
        "/customers/export.xlsx",
        OFFICE,
        handlers::customers_export_xlsx,
    )
    .add(Method::GET, "/orders/import", OFFICE, handlers::orders_page)
    .add(
        Method::POST,
        "/orders/import",
        OFFICE,
        handlers::orders_upload.layer(limit()),
    )
    .add(
        Method::POST,
        "/orders/import/commit",
        OFFICE,
        handlers::orders_commit,
    )
    .add(
        Method::GET,
        "/orders/import/template.csv",
        OFFICE,
        handlers::orders_template_csv,
    )
    .add(
        Method::GET,
        "/orders/import/template.xlsx",
        OFFICE,
        handlers::orders_template_xlsx,
    )
    .add(
        Method::GET,
        "/orders/export.csv",
        OFFICE,
        handlers::orders_export_csv,
    )
    .add(
        Method::GET,
        "/orders/export.xlsx",
        OFFICE,
        handlers::orders_export_xlsx,
    )
    .api(OFFICE, upload(routes!(handlers::api_customers_import)))
    .api(OFFICE, upload(routes!(handlers::api_orders_import)))
}

/// What an import will do (dry run) or did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    /// Update the customer with this id.
    Update(i32),
    /// Same data as the customer with this id: nothing to write.
    Unchanged(i32),
}

/// One problem, at a row and column of the file (row 0: the whole file).
#[derive(Debug, Clone)]
pub struct RowError {
    /// 1-based row number as Excel shows it; 0 for the whole file.
    pub row: usize,
    /// Excel column letter (`"C"`), or empty.
    pub column: String,
    /// Column key of the spec (`"phones"`), `"file"` for the whole file.
    pub field: String,
    /// The column's name in both languages, or empty.
    pub label: Text,
    pub message: Text,
}

/// Counts and errors of a dry run or an import.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
    /// Headers of the file that match no column (not imported).
    pub ignored: Vec<String>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn file_error(&mut self, message: Text) {
        self.errors.push(RowError {
            row: 0,
            column: String::new(),
            field: "file".into(),
            label: Text::new("", ""),
            message,
        });
    }

    fn count(&mut self, action: Action) {
        match action {
            Action::Create => self.created += 1,
            Action::Update(_) => self.updated += 1,
            Action::Unchanged(_) => self.unchanged += 1,
        }
    }
}

/// Collects a file's row errors against its column map.
pub struct RowErrors<'a> {
    pub map: &'a ColumnMap,
    pub spec: &'static [Column],
    pub errors: Vec<RowError>,
}

impl<'a> RowErrors<'a> {
    pub fn new(map: &'a ColumnMap, spec: &'static [Column]) -> Self {
        Self {
            map,
            spec,
            errors: Vec::new(),
        }
    }

    /// An error in the column for `key` (a spec key) of `row`.
    pub fn add(&mut self, row: &Row, key: &str, message: Text) {
        let column = self.spec.iter().find(|c| c.key == key);
        let (field, label, letter) = match column {
            Some(c) => (
                c.key.to_owned(),
                Text::new(c.zh, c.en),
                self.map.column_letter(c.key),
            ),
            None => (key.to_owned(), Text::new("", ""), String::new()),
        };
        self.errors.push(RowError {
            row: row.line,
            column: letter,
            field,
            label,
            message,
        });
    }

    /// Field errors from a parser, each put in the column its field maps to.
    pub fn add_fields(&mut self, row: &Row, errors: Vec<FieldError>, key_of: fn(&str) -> &str) {
        for e in errors {
            let key = key_of(&e.field).to_owned();
            self.add(row, &key, e.message);
        }
    }
}

/// Reads an upload, mapping the header row onto `spec`. File-level problems
/// (format, limits, merged cells, missing columns) go into the report.
pub fn read_table(
    bytes: &[u8],
    file_name: &str,
    spec: &'static [Column],
    report: &mut Report,
) -> Option<(Table, ColumnMap)> {
    if bytes.is_empty() {
        report.file_error(Text::key("imports.no_file"));
        return None;
    }
    let table = match tabular::read(bytes, file_name, &tabular::Limits::default()) {
        Ok(t) => t,
        Err(e) => {
            report.file_error(e.message);
            return None;
        }
    };
    let map = match tabular::headers::map(&table.headers, spec) {
        Ok(m) => m,
        Err(messages) => {
            for m in messages {
                report.file_error(m);
            }
            return None;
        }
    };
    report.rows = table.rows.len();
    report.ignored.clone_from(&map.ignored);
    if table.rows.is_empty() {
        report.file_error(Text::key("imports.no_rows"));
        return None;
    }
    Some((table, map))
}

/// Rows with data right of the last header are errors: the data would be
/// silently lost otherwise.
pub fn check_extra_cells(table: &Table, errors: &mut RowErrors<'_>) {
    for row in table.rows_with_extra_cells() {
        if let Some(m) = table.extra_cells_message(row) {
            errors.errors.push(RowError {
                row: row.line,
                column: String::new(),
                field: "row".into(),
                label: Text::new("", ""),
                message: m,
            });
        }
    }
}

/// A cell value of yes/no columns: empty is no.
pub fn parse_flag(raw: &str) -> Result<bool, Text> {
    let s = crate::domain::normalize_width(raw.trim()).to_lowercase();
    match s.as_str() {
        "" | "否" | "no" | "n" | "false" | "0" | "x" => Ok(false),
        "是" | "yes" | "y" | "true" | "1" | "v" | "✓" => Ok(true),
        _ => Err(Text::new(
            "請填「是」或留白",
            "Enter yes (是) or leave it empty",
        )),
    }
}

// ---- The kept upload ----

pub async fn keep_file(
    db: &impl ConnectionTrait,
    kind: &str,
    file_name: &str,
    content: Vec<u8>,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    forget_expired(db, now).await?;
    let token = tokens::random_token();
    import_file::ActiveModel {
        token: Set(token.clone()),
        kind: Set(kind.to_owned()),
        file_name: Set(file_name.chars().take(200).collect()),
        content: Set(content),
        created_by: Set(Some(user_id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Drops kept uploads nobody imported within a day (hourly, by the
/// `imports_cleanup` job, and at every upload). Returns how many.
pub async fn forget_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(import_file::Entity::delete_many()
        .filter(import_file::Column::CreatedAt.lt(now - Duration::hours(KEEP_FOR_HOURS)))
        .exec(db)
        .await?
        .rows_affected)
}

/// The hourly job that keeps uploads a day at most.
pub fn jobs(r: crate::jobs::Registry<AppState>) -> crate::jobs::Registry<AppState> {
    r.handle("imports_cleanup", |state: AppState, _| async move {
        let n = forget_expired(&state.db, state.clock.now())
            .await
            .map_err(|e| crate::jobs::JobFailure::Retry(format!("{e:?}")))?;
        Ok(serde_json::json!({ "deleted": n }))
    })
    .every("imports_cleanup", chrono::Duration::hours(1))
}

/// The kept upload for `token`, if it belongs to this user and is fresh.
pub async fn kept_file(
    db: &impl ConnectionTrait,
    kind: &str,
    token: &str,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<import_file::Model, AppError> {
    import_file::Entity::find()
        .filter(import_file::Column::Token.eq(token))
        .filter(import_file::Column::Kind.eq(kind))
        .filter(import_file::Column::CreatedBy.eq(user_id))
        .filter(import_file::Column::CreatedAt.gte(now - Duration::hours(KEEP_FOR_HOURS)))
        .one(db)
        .await?
        .ok_or_else(|| AppError::BadRequest(Text::key("imports.expired")))
}

pub async fn forget_file(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    import_file::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

// ---- API shapes ----

/// The answer of an import or dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Whether nothing was written (`dry_run=true`).
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// Rows that match the database exactly (nothing to write).
    pub unchanged: usize,
    pub errors: Vec<ImportError>,
    /// Headers of the file that match no column and were not read.
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportError {
    /// Row number as Excel shows it; 0 for a problem with the whole file.
    pub row: usize,
    /// Column letter (`"C"`); empty when the problem is not in one column.
    pub column: String,
    /// Column key (`"phones"`), or `"file"`.
    pub field: String,
    pub message: String,
}

/// A real import with errors: 422, nothing written. Carries both the usual
/// API error shape and the counts shape.
#[derive(Serialize, ToSchema)]
pub struct ImportFailure {
    pub error: crate::error::ApiErrorDetail,
    #[serde(flatten)]
    pub result: ImportResult,
}

impl ImportResult {
    pub fn new(report: &Report, dry_run: bool, t: Locale) -> Self {
        Self {
            dry_run,
            rows: report.rows,
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            errors: report
                .errors
                .iter()
                .map(|e| ImportError {
                    row: e.row,
                    column: e.column.clone(),
                    field: e.field.clone(),
                    message: e.message.get(t).to_owned(),
                })
                .collect(),
            ignored_columns: report.ignored.clone(),
        }
    }
}

/// Field errors of a failed write, keyed to the row that caused them.
pub fn write_errors(
    row: &Row,
    e: AppError,
    errors: &mut RowErrors<'_>,
    key_of: fn(&str) -> &str,
) -> Result<(), AppError> {
    match e {
        AppError::Invalid(fields) => {
            errors.add_fields(row, fields, key_of);
            Ok(())
        }
        AppError::Conflict(m) => {
            errors.add(row, "row", m);
            Ok(())
        }
        other => Err(other),
    }
}

/// First row number per value, to name the earlier row in duplicate errors.
pub type FirstSeen = HashMap<String, usize>;
