//! Import pages (upload → preview → import), template and export downloads,
//! and the import API.

use askama::Template;
use axum::{
    Json,
    extract::{Multipart, State, multipart::MultipartRejection},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    ImportFailure, ImportResult, Report, RowError, SHOWN_ERRORS, customers, forget_file, keep_file,
    kept_file, orders,
};
use crate::{
    app::AppState,
    auth::{Ctx, CurrentUser},
    customers::queries::Filter,
    error::{ApiErrorDetail, ApiFieldError, AppError},
    extract::{AppForm, Query},
    i18n::{Locale, Text},
    layout::{Shell, render_template},
    orders::queries::OrderFilter,
    tabular::{
        self,
        write::{self, Cell},
    },
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Customers,
    Orders,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Self::Customers => customers::KIND,
            Self::Orders => orders::KIND,
        }
    }

    fn list(self) -> &'static str {
        match self {
            Self::Customers => "/customers",
            Self::Orders => "/orders",
        }
    }

    fn title(self, t: Locale) -> &'static str {
        match self {
            Self::Customers => t.t("imports.customers_title"),
            Self::Orders => t.t("imports.orders_title"),
        }
    }
}

impl RowError {
    /// `第 12 列 C 欄「電話」：…` / `Row 12, column C (Phones): …`.
    pub fn located(&self, t: Locale) -> String {
        let msg = self.message.get(t);
        if self.row == 0 {
            return msg.to_owned();
        }
        let label = self.label.get(t);
        match (t, self.column.is_empty(), label.is_empty()) {
            (Locale::ZhTw, false, false) => {
                format!("第 {} 列 {} 欄「{label}」：{msg}", self.row, self.column)
            }
            (Locale::ZhTw, _, _) => format!("第 {} 列：{msg}", self.row),
            (Locale::En, false, false) => {
                format!("Row {}, column {} ({label}): {msg}", self.row, self.column)
            }
            (Locale::En, _, _) => format!("Row {}: {msg}", self.row),
        }
    }
}

pub struct ErrorLine {
    pub row: usize,
    pub column: String,
    pub field: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "imports/_preview.html")]
struct Preview {
    t: Locale,
    kind: &'static str,
    csrf: String,
    /// Kept file to import; empty when the file cannot be imported.
    token: String,
    file_name: String,
    report: Report,
    file_errors: Vec<String>,
    errors: Vec<ErrorLine>,
    /// Row errors not listed on the page.
    more: usize,
    /// `preview`, `done` or `failed`.
    stage: &'static str,
}

impl Preview {
    fn new(
        ctx: &Ctx,
        kind: Kind,
        token: String,
        file_name: String,
        report: Report,
        stage: &'static str,
    ) -> Self {
        let t = ctx.locale;
        let file_errors = report
            .errors
            .iter()
            .filter(|e| e.row == 0)
            .map(|e| e.message.get(t).to_owned())
            .collect();
        let row_errors: Vec<&RowError> = report.errors.iter().filter(|e| e.row > 0).collect();
        let more = row_errors.len().saturating_sub(SHOWN_ERRORS);
        let errors = row_errors
            .into_iter()
            .take(SHOWN_ERRORS)
            .map(|e| ErrorLine {
                row: e.row,
                column: e.column.clone(),
                field: e.label.get(t).to_owned(),
                message: e.message.get(t).to_owned(),
            })
            .collect();
        Self {
            t,
            kind: kind.code(),
            csrf: ctx.csrf.clone(),
            token,
            file_name,
            report,
            file_errors,
            errors,
            more,
            stage,
        }
    }
}

#[derive(Template)]
#[template(path = "imports/page.html")]
struct ImportPage {
    shell: Shell,
    kind: &'static str,
    back: &'static str,
    limit_note: String,
    preview: String,
}

fn page(state: &AppState, ctx: &Ctx, kind: Kind, preview: String) -> Result<String, AppError> {
    let t = ctx.locale;
    let page = ImportPage {
        shell: Shell::new(state, ctx, kind.list(), kind.title(t)),
        kind: kind.code(),
        back: kind.list(),
        limit_note: t
            .t("imports.limit")
            .replace("{rows}", &format_count(tabular::Limits::default().max_rows)),
        preview,
    };
    render_template(&page)
}

fn format_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub async fn customers_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    Ok(Html(page(&state, &ctx, Kind::Customers, String::new())?).into_response())
}

pub async fn orders_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    Ok(Html(page(&state, &ctx, Kind::Orders, String::new())?).into_response())
}

/// The `file` field of a multipart upload: (file name, bytes).
async fn read_upload(
    mp: Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<u8>), AppError> {
    let bad = || AppError::BadRequest(Text::key("imports.no_file"));
    let mut mp = mp.map_err(|_| bad())?;
    while let Some(field) = mp.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::BadRequest(Text::key("error.body_too_large"))
        } else {
            bad()
        }
    })? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest(Text::key("error.body_too_large")))?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(bad())
}

async fn dry_run(
    state: &AppState,
    kind: Kind,
    name: &str,
    bytes: &[u8],
) -> Result<Report, AppError> {
    match kind {
        Kind::Customers => customers::dry_run(&state.db, bytes, name).await,
        Kind::Orders => orders::dry_run(&state.db, bytes, name, state.clock.today_taipei()).await,
    }
}

async fn import(
    state: &AppState,
    actor: &crate::auth::AuthUser,
    kind: Kind,
    name: &str,
    bytes: &[u8],
) -> Result<Report, AppError> {
    let now = state.clock.now();
    match kind {
        Kind::Customers => customers::import(&state.db, actor, bytes, name, now).await,
        Kind::Orders => {
            orders::import(
                &state.db,
                &state.events,
                actor,
                bytes,
                name,
                state.clock.today_taipei(),
                now,
            )
            .await
        }
    }
}

async fn upload(
    state: AppState,
    ctx: Ctx,
    actor: crate::auth::AuthUser,
    headers: &HeaderMap,
    kind: Kind,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (name, bytes) = read_upload(mp).await?;
    let report = dry_run(&state, kind, &name, &bytes).await?;
    // Only a file that can be imported is kept for the import step.
    let token = if report.is_ok() {
        keep_file(
            &state.db,
            kind.code(),
            &name,
            bytes,
            actor.id,
            state.clock.now(),
        )
        .await?
    } else {
        String::new()
    };
    let preview = render_template(&Preview::new(&ctx, kind, token, name, report, "preview"))?;
    if headers.contains_key("hx-request") {
        return Ok(Html(preview).into_response());
    }
    Ok(Html(page(&state, &ctx, kind, preview)?).into_response())
}

pub async fn customers_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    headers: HeaderMap,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    upload(state, ctx, actor, &headers, Kind::Customers, mp).await
}

pub async fn orders_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    headers: HeaderMap,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    upload(state, ctx, actor, &headers, Kind::Orders, mp).await
}

#[derive(Deserialize)]
pub struct CommitForm {
    token: String,
}

async fn commit(
    state: AppState,
    ctx: Ctx,
    actor: crate::auth::AuthUser,
    kind: Kind,
    token: &str,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let file = kept_file(&state.db, kind.code(), token, actor.id, now).await?;
    let report = import(&state, &actor, kind, &file.file_name, &file.content).await?;
    let ok = report.is_ok();
    if ok {
        forget_file(&state.db, file.id).await?;
    }
    // After a failed import the same file can be tried again (the button
    // stays) once the database problem is fixed, e.g. a price is set.
    let (stage, token, status) = if ok {
        ("done", String::new(), StatusCode::OK)
    } else {
        ("failed", String::new(), StatusCode::UNPROCESSABLE_ENTITY)
    };
    let preview = render_template(&Preview::new(
        &ctx,
        kind,
        token,
        file.file_name.clone(),
        report,
        stage,
    ))?;
    Ok((status, Html(page(&state, &ctx, kind, preview)?)).into_response())
}

pub async fn customers_commit(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    AppForm(f): AppForm<CommitForm>,
) -> Result<Response, AppError> {
    commit(state, ctx, actor, Kind::Customers, &f.token).await
}

pub async fn orders_commit(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    AppForm(f): AppForm<CommitForm>,
) -> Result<Response, AppError> {
    commit(state, ctx, actor, Kind::Orders, &f.token).await
}

// ---- Downloads ----

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn xlsx(sheet: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, AppError> {
    write::xlsx(
        sheet,
        headers,
        rows.into_iter()
            .map(|r| r.into_iter().map(Cell::Text).collect::<Vec<_>>()),
    )
    .map_err(|e| AppError::Internal(e.into()))
}

fn stamp(state: &AppState) -> String {
    state.clock.today_taipei().format("%Y%m%d").to_string()
}

pub async fn customers_template_csv() -> Response {
    let bytes = write::template_csv(customers::SPEC, &customers::example_rows());
    download(bytes, CSV, "customers-template.csv")
}

pub async fn customers_template_xlsx() -> Result<Response, AppError> {
    let bytes = write::template_xlsx("客戶", customers::SPEC, &customers::example_rows())
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(download(bytes, XLSX, "customers-template.xlsx"))
}

/// Sample rows for the order template, with codes of real customers so the
/// sample imports as it is.
async fn order_examples(state: &AppState) -> Result<Vec<Vec<String>>, AppError> {
    let f = Filter {
        per_page: 2,
        ..Filter::default()
    };
    let codes: Vec<String> = state
        .search
        .search(&state.db, &f)
        .await?
        .rows()
        .map(|e| e.customer.code.clone())
        .collect();
    Ok(orders::example_rows(
        state.clock.today_taipei() + chrono::Duration::days(1),
        &codes,
    ))
}

fn as_strs(rows: &[Vec<String>]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect()
}

pub async fn orders_template_csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = order_examples(&state).await?;
    let bytes = write::template_csv(orders::SPEC, &as_strs(&rows));
    Ok(download(bytes, CSV, "orders-template.csv"))
}

pub async fn orders_template_xlsx(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = order_examples(&state).await?;
    let bytes = write::template_xlsx("訂單", orders::SPEC, &as_strs(&rows))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(download(bytes, XLSX, "orders-template.xlsx"))
}

pub async fn customers_export_csv(
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    let rows = customers::export_rows(&state.db, &f).await?;
    let bytes = write::csv(&customers::headers(), rows.into_iter());
    Ok(download(
        bytes,
        CSV,
        &format!("customers-{}.csv", stamp(&state)),
    ))
}

pub async fn customers_export_xlsx(
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    let rows = customers::export_rows(&state.db, &f).await?;
    let bytes = xlsx("客戶", &customers::headers(), rows)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("customers-{}.xlsx", stamp(&state)),
    ))
}

/// The order list shows today when no date or search is given; so does
/// its export.
fn order_filter(state: &AppState, mut f: OrderFilter) -> OrderFilter {
    if f.date.is_empty() && f.q.is_empty() {
        f.date = state.clock.today_taipei().to_string();
    }
    f
}

pub async fn orders_export_csv(
    State(state): State<AppState>,
    Query(f): Query<OrderFilter>,
) -> Result<Response, AppError> {
    let rows = orders::export_rows(&state.db, &order_filter(&state, f)).await?;
    let bytes = write::csv(&orders::headers(), rows.into_iter());
    Ok(download(
        bytes,
        CSV,
        &format!("orders-{}.csv", stamp(&state)),
    ))
}

pub async fn orders_export_xlsx(
    State(state): State<AppState>,
    Query(f): Query<OrderFilter>,
) -> Result<Response, AppError> {
    let rows = orders::export_rows(&state.db, &order_filter(&state, f)).await?;
    let bytes = xlsx("訂單", &orders::headers(), rows)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("orders-{}.xlsx", stamp(&state)),
    ))
}

// ---- API ----

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` (the default): check only, write nothing. `false`: import,
    /// all rows or none.
    pub dry_run: Option<bool>,
}

/// The multipart body of an import.
#[derive(ToSchema)]
pub struct ImportUpload {
    /// A CSV (UTF-8, UTF-8 with BOM, Big5 or UTF-16), XLSX or XLS file;
    /// at most 20,000 rows.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

async fn api_import(
    state: AppState,
    ctx: Ctx,
    actor: crate::auth::AuthUser,
    kind: Kind,
    dry: bool,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (name, bytes) = read_upload(mp).await?;
    let t = ctx.locale;
    let report = if dry {
        dry_run(&state, kind, &name, &bytes).await?
    } else {
        import(&state, &actor, kind, &name, &bytes).await?
    };
    let result = ImportResult::new(&report, dry, t);
    if dry || report.is_ok() {
        return Ok(Json(result).into_response());
    }
    let failure = ImportFailure {
        error: ApiErrorDetail {
            code: "validation".into(),
            message: t.t("imports.failed").to_owned(),
            fields: report
                .errors
                .iter()
                .map(|e| ApiFieldError {
                    field: e.field.clone(),
                    message: e.located(t),
                })
                .collect(),
        },
        result,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(failure)).into_response())
}

/// Imports customers from a spreadsheet (multipart field `file`). A row
/// whose 客戶編號 exists updates that customer; others are created.
#[utoipa::path(post, path = "/api/v1/customers/import", tag = "customers", params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportResult, description = "Dry run, or import done"),
        (status = 422, body = ImportFailure, description = "Errors; nothing was written"),
        (status = 400, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_customers_import(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ImportQuery>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let dry = q.dry_run.unwrap_or(true);
    api_import(state, ctx, actor, Kind::Customers, dry, mp).await
}

/// Imports orders from a spreadsheet (multipart field `file`); every row
/// creates an order.
#[utoipa::path(post, path = "/api/v1/orders/import", tag = "orders", params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportResult, description = "Dry run, or import done"),
        (status = 422, body = ImportFailure, description = "Errors; nothing was written"),
        (status = 400, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_orders_import(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ImportQuery>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let dry = q.dry_run.unwrap_or(true);
    api_import(state, ctx, actor, Kind::Orders, dry, mp).await
}
