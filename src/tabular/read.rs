//! Reading uploads: CSV (UTF-8 / UTF-8 BOM / UTF-16 BOM / Big5), XLSX and
//! legacy XLS, into a [`Table`].
//!
//! Choices worth knowing as a caller:
//! * The first non-empty row is the header row; blank rows above it are
//!   ignored. Blank rows between data rows are skipped and counted in
//!   [`Table::skipped_empty_rows`] (trailing blank rows are not counted).
//! * Cells are trimmed (Unicode whitespace, so U+3000 too). Values are never
//!   "corrected": a phone number stored in Excel as a number comes out as
//!   `912345678`; see [`super::phone_missing_leading_zero`].
//! * XLSX numbers are the stored value rounded to Excel's 15 significant
//!   digits (`12.0` → `"12"`, `0.1+0.2` → `"0.3"`), not the displayed
//!   format (a `5%` cell reads `"0.05"`). Date cells become `YYYY-MM-DD`,
//!   date-times `YYYY-MM-DD HH:MM` (`:SS` only when non-zero), times `HH:MM`.
//!   Formula cells give their last calculated value; error cells their error
//!   code (`#N/A`).
//! * CSV cells written by [`super::write::csv`] with a `'` formula guard are
//!   read back without it, and Excel's `="0912345678"` trick is unwrapped.
//! * Data to the right of the last header is kept in [`Row::cells`] (see
//!   [`Table::extra_cells_message`]), never silently dropped.
//! * The row limit counts non-empty data rows; reading stops as soon as it is
//!   exceeded, so a 50,000-row file is rejected after parsing ~20,000 rows.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, DataRef, Dimensions, ExcelDateTime, Reader, Sheet, SheetType, SheetVisible};
use encoding_rs::{BIG5, UTF_16BE, UTF_16LE};

use super::{FileError, FileErrorKind, Limits, Row, Table, column_letter, group_thousands};
use crate::i18n::Text;

/// How many merged ranges an error message lists.
const SHOWN: usize = 5;
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// OLE2 / Compound File Binary: legacy `.xls`, and also password-protected `.xlsx`.
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Read an uploaded CSV / XLSX / XLS file into a [`Table`].
///
/// The format is detected from the content first (ZIP → XLSX, OLE2 → XLS)
/// and from `file_name` only to produce better error messages; anything else
/// is treated as delimited text.
pub fn read(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Table, FileError> {
    if bytes.len() > limits.max_bytes {
        return Err(too_large(limits));
    }
    let ext = extension(file_name);
    if bytes.starts_with(ZIP_MAGIC) {
        if matches!(ext.as_str(), "ods" | "numbers") {
            return Err(unsupported_spreadsheet());
        }
        return read_xlsx(bytes, limits);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return read_xls(bytes, limits);
    }
    match ext.as_str() {
        "xlsx" | "xlsm" => Err(FileError::new(
            FileErrorKind::Corrupt,
            Text::new(
                "檔案副檔名是 .xlsx，但內容不是 Excel 活頁簿（可能已損毀）；請用 Excel 開啟後重新另存為 .xlsx",
                "The file is named .xlsx but is not an Excel workbook (it may be damaged); open it in Excel and save it again as .xlsx",
            ),
        )),
        "ods" | "numbers" => Err(unsupported_spreadsheet()),
        // Anything else (".csv", ".txt", ".tsv", and ".xls" files that are
        // really text exported by other systems) is parsed as delimited text.
        _ => {
            let text = decode(bytes)?;
            read_delimited(&text, limits)
        }
    }
}

fn extension(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Shared row assembly
// ---------------------------------------------------------------------------

/// Turns a stream of (Excel row number, cells) into a [`Table`]: picks the
/// header row, skips and counts blank rows, pads rows, enforces limits.
struct Builder<'a> {
    limits: &'a Limits,
    headers: Option<Vec<String>>,
    header_line: usize,
    last_line: usize,
    rows: Vec<Row>,
    skipped: usize,
}

impl<'a> Builder<'a> {
    fn new(limits: &'a Limits) -> Self {
        Self {
            limits,
            headers: None,
            header_line: 0,
            last_line: 0,
            rows: Vec::new(),
            skipped: 0,
        }
    }

    /// `line` must increase from call to call; gaps are blank rows.
    fn push_row(&mut self, line: usize, mut cells: Vec<String>) -> Result<(), FileError> {
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if cells.is_empty() {
            return Ok(());
        }
        if cells.len() > self.limits.max_columns {
            return Err(too_many_columns(self.limits).at(Some(line), Some(self.limits.max_columns)));
        }
        let Some(headers) = &self.headers else {
            self.headers = Some(cells);
            self.header_line = line;
            self.last_line = line;
            return Ok(());
        };
        if self.rows.len() >= self.limits.max_rows {
            return Err(too_many_rows(self.limits).at(Some(line), None));
        }
        if cells.len() < headers.len() {
            cells.resize(headers.len(), String::new());
        }
        self.skipped += line.saturating_sub(self.last_line + 1);
        self.last_line = line;
        self.rows.push(Row { line, cells });
        Ok(())
    }

    fn header_line(&self) -> Option<usize> {
        self.headers.as_ref().map(|_| self.header_line)
    }

    fn finish(self) -> Result<Table, FileError> {
        let Some(headers) = self.headers else {
            return Err(FileError::new(
                FileErrorKind::Empty,
                Text::new(
                    "檔案是空的，找不到標題列；第一列應該是欄位名稱",
                    "The file is empty: no header row found (the first row should hold the column names)",
                ),
            ));
        };
        Ok(Table {
            headers,
            rows: self.rows,
            skipped_empty_rows: self.skipped,
        })
    }
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Decode CSV bytes: BOM (UTF-8, UTF-16 LE/BE) first, then plain UTF-8,
/// then Big5 (cp950, as written by zh-TW Excel's "CSV (逗號分隔)").
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, FileError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|_| encoding_error());
    }
    for (bom, encoding) in [(b"\xFF\xFE", UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return encoding
                .decode_without_bom_handling_and_without_replacement(rest)
                .ok_or_else(encoding_error);
        }
    }
    // NUL bytes never occur in text files (UTF-16 always comes with a BOM from
    // Excel): this is some other binary file, e.g. a PDF or an image.
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(not_a_table_file());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    BIG5.decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(encoding_error)
}

fn read_delimited(text: &str, limits: &Limits) -> Result<Table, FileError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.trim_start().starts_with('<') {
        // HTML or XML saved with a .csv/.xls name (common from web systems).
        return Err(not_a_table_file());
    }
    // Excel's "sep=;" hint line: Excel hides it, so row numbers start after it.
    let (delimiter, body) = match sep_hint(text) {
        Some(found) => found,
        None => (detect_delimiter(text), text),
    };
    let mut rows = CsvRows {
        text: body,
        pos: 0,
        line: 0,
        delimiter,
    };
    let mut builder = Builder::new(limits);
    while let Some((line, cells)) = rows.next_row()? {
        builder.push_row(line, cells)?;
    }
    builder.finish()
}

/// A small RFC 4180 parser with Excel's view of rows: every line break
/// outside quotes (CRLF, LF or CR) ends a row, blank lines included, so row
/// numbers match what Excel shows. (The `csv` crate skips blank lines and its
/// record positions do not give Excel row numbers for CRLF files, which is
/// why it is not used here.)
struct CsvRows<'a> {
    text: &'a str,
    pos: usize,
    /// Row number of the last row returned (1-based).
    line: usize,
    delimiter: u8,
}

impl CsvRows<'_> {
    /// Next row as (Excel row number, trimmed cells), or `None` at the end.
    fn next_row(&mut self) -> Result<Option<(usize, Vec<String>)>, FileError> {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return Ok(None);
        }
        self.line += 1;
        let mut cells = Vec::new();
        loop {
            // At the start of a field.
            let (field, next) = if bytes.get(self.pos) == Some(&b'"') {
                let (value, next) = self.quoted_field()?;
                (Cow::Owned(value), next)
            } else {
                let start = self.pos;
                let len = bytes[start..]
                    .iter()
                    .position(|&b| b == self.delimiter || b == b'\n' || b == b'\r')
                    .unwrap_or(bytes.len() - start);
                (Cow::Borrowed(&self.text[start..start + len]), start + len)
            };
            cells.push(clean_csv_cell(&field));
            match bytes.get(next) {
                Some(&b) if b == self.delimiter => self.pos = next + 1,
                Some(b'\r') if bytes.get(next + 1) == Some(&b'\n') => {
                    self.pos = next + 2;
                    break;
                }
                Some(_) => {
                    self.pos = next + 1;
                    break;
                }
                None => {
                    self.pos = next;
                    break;
                }
            }
        }
        Ok(Some((self.line, cells)))
    }

    /// Parse a quoted field starting at `self.pos` (on the opening quote).
    /// Returns the field and the index of the byte after it (a delimiter, a
    /// line break or the end). Text after the closing quote is appended, as
    /// Excel does.
    fn quoted_field(&self) -> Result<(String, usize), FileError> {
        let bytes = self.text.as_bytes();
        let mut value = String::new();
        let mut i = self.pos + 1;
        let mut chunk = i;
        loop {
            let Some(offset) = bytes[i..].iter().position(|&b| b == b'"') else {
                return Err(FileError::new(
                    FileErrorKind::Malformed,
                    Text::new(
                        format!("第 {} 列有未結束的引號（\"），請檢查該列內容", self.line),
                        format!(
                            "Row {}: a quote (\") is never closed; check that row",
                            self.line
                        ),
                    ),
                )
                .at(Some(self.line), None));
            };
            let quote = i + offset;
            value.push_str(&self.text[chunk..quote]);
            if bytes.get(quote + 1) == Some(&b'"') {
                value.push('"');
                i = quote + 2;
                chunk = i;
                continue;
            }
            // Closing quote; keep any stray text up to the next separator.
            let rest = quote + 1;
            let len = bytes[rest..]
                .iter()
                .position(|&b| b == self.delimiter || b == b'\n' || b == b'\r')
                .unwrap_or(bytes.len() - rest);
            value.push_str(&self.text[rest..rest + len]);
            return Ok((value, rest + len));
        }
    }
}

/// `sep=;` on the first line → (delimiter, rest of the text).
fn sep_hint(text: &str) -> Option<(u8, &str)> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let value = first.trim_end_matches('\r').strip_prefix("sep=")?;
    match value.as_bytes() {
        [d] if !d.is_ascii_alphanumeric() && *d != b'"' => Some((*d, rest)),
        _ => None,
    }
}

/// Comma unless the first non-blank line clearly uses tabs or semicolons
/// (more of them than commas, counted outside quotes).
fn detect_delimiter(text: &str) -> u8 {
    let (mut comma, mut semicolon, mut tab) = (0usize, 0usize, 0usize);
    let mut in_quotes = false;
    for b in text.trim_start().bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            _ if in_quotes => {}
            b'\n' => break,
            b',' => comma += 1,
            b';' => semicolon += 1,
            b'\t' => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semicolon {
        b'\t'
    } else if semicolon > comma {
        b';'
    } else {
        b','
    }
}

fn clean_csv_cell(raw: &str) -> String {
    let cell = raw.trim();
    // Undo our own formula-injection guard (see write::escape_formula).
    if let Some(rest) = cell.strip_prefix('\'')
        && rest.trim_start().starts_with(['=', '+', '-', '@'])
    {
        return rest.trim().to_owned();
    }
    // Excel's ="0912345678" trick to keep leading zeros.
    if let Some(inner) = cell.strip_prefix("=\"").and_then(|r| r.strip_suffix('"'))
        && !inner.contains('"')
    {
        return inner.trim().to_owned();
    }
    cell.to_owned()
}

// ---------------------------------------------------------------------------
// Excel
// ---------------------------------------------------------------------------

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, FileError> {
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
    let sheet = pick_sheet(workbook.sheets_metadata(), limits)?;
    let mut builder = Builder::new(limits);
    {
        let mut cells = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| corrupt(&e))?;
        let mut current_row: Option<u32> = None;
        let mut current: Vec<String> = Vec::new();
        while let Some(cell) = cells.next_cell().map_err(|e| corrupt(&e))? {
            let (row, col) = cell.get_position();
            if current_row != Some(row) {
                if let Some(done) = current_row {
                    builder.push_row(done as usize + 1, std::mem::take(&mut current))?;
                }
                current_row = Some(row);
            }
            let value = render_ref(cell.get_value());
            if value.is_empty() {
                continue;
            }
            let col = col as usize;
            if col >= limits.max_columns {
                return Err(too_many_columns(limits).at(Some(row as usize + 1), Some(col)));
            }
            if current.len() <= col {
                current.resize(col + 1, String::new());
            }
            current[col] = value;
        }
        if let Some(done) = current_row {
            builder.push_row(done as usize + 1, current)?;
        }
    }
    let merges = workbook
        .merge_cells_by_sheet_name(&sheet)
        .map_err(|e| corrupt(&e))?;
    check_merges(&merges, builder.header_line())?;
    builder.finish()
}

/// Legacy binary `.xls` (Excel 97–2003). calamine reads it with no extra
/// dependencies, so it is supported rather than refused.
fn read_xls(bytes: &[u8], limits: &Limits) -> Result<Table, FileError> {
    let mut workbook = calamine::Xls::new(Cursor::new(bytes)).map_err(|_| {
        FileError::new(
            FileErrorKind::Corrupt,
            Text::new(
                "無法讀取這個 Excel 檔案：可能設有密碼保護或已損毀。請移除密碼，另存為 .xlsx 或「CSV UTF-8（逗號分隔）」後再匯入",
                "Cannot read this Excel file: it may be password-protected or damaged. Remove the password and save it as .xlsx or CSV UTF-8, then import again",
            ),
        )
    })?;
    let sheet = pick_sheet(workbook.sheets_metadata(), limits)?;
    let range = workbook.worksheet_range(&sheet).map_err(|e| corrupt(&e))?;
    let mut builder = Builder::new(limits);
    if let Some((first_row, first_col)) = range.start() {
        for (i, row) in range.rows().enumerate() {
            let mut cells = vec![String::new(); first_col as usize];
            cells.extend(row.iter().map(render_data));
            builder.push_row(first_row as usize + i + 1, cells)?;
        }
    }
    let merges = workbook
        .merge_cells_by_sheet_name(&sheet)
        .map_err(|e| corrupt(&e))?;
    check_merges(&merges, builder.header_line())?;
    builder.finish()
}

/// The sheet named in `limits.sheet`, else the first visible worksheet.
fn pick_sheet(sheets: &[Sheet], limits: &Limits) -> Result<String, FileError> {
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    if let Some(wanted) = &limits.sheet {
        let wanted = wanted.trim();
        let found = worksheets().find(|s| s.name == wanted).or_else(|| {
            worksheets().find(|s| s.name.trim().to_lowercase() == wanted.to_lowercase())
        });
        return found.map(|s| s.name.clone()).ok_or_else(|| {
            let names: Vec<_> = worksheets().map(|s| s.name.as_str()).collect();
            FileError::new(
                FileErrorKind::SheetNotFound,
                Text::new(
                    format!(
                        "找不到工作表「{wanted}」；檔案中的工作表有：{}",
                        names.join("、")
                    ),
                    format!(
                        "No sheet named \"{wanted}\"; the workbook has: {}",
                        names.join(", ")
                    ),
                ),
            )
        });
    }
    worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            FileError::new(
                FileErrorKind::Empty,
                Text::new("活頁簿中沒有工作表", "The workbook has no worksheet"),
            )
        })
}

/// Merged cells lose data silently (only the top-left cell keeps a value),
/// so any merge touching the header or data rows is an error. Merges entirely
/// above the header row (e.g. a title banner) are ignored.
fn check_merges(merges: &[Dimensions], header_line: Option<usize>) -> Result<(), FileError> {
    let Some(header_line) = header_line else {
        return Ok(());
    };
    let mut header_merges = Vec::new();
    let mut data_merges = Vec::new();
    for m in merges {
        let (top, bottom) = (m.start.0 as usize + 1, m.end.0 as usize + 1);
        if bottom < header_line {
            continue;
        }
        if top == header_line && bottom == header_line {
            header_merges.push(*m);
        } else {
            data_merges.push(*m);
        }
    }
    let (list, in_header) = if data_merges.is_empty() {
        (header_merges, true)
    } else {
        (data_merges, false)
    };
    if list.is_empty() {
        return Ok(());
    }
    let mut list = list;
    list.sort_by_key(|m| (m.start.0, m.start.1));
    let first = list[0];
    let zh: Vec<String> = list
        .iter()
        .take(SHOWN)
        .map(|m| format!("「{}」", zh_range(m)))
        .collect();
    let en: Vec<String> = list.iter().take(SHOWN).map(a1_range).collect();
    let (more_zh, more_en) = if list.len() > SHOWN {
        (
            format!("等 {} 處", list.len()),
            format!(" and {} more", list.len() - SHOWN),
        )
    } else {
        (String::new(), String::new())
    };
    let message = if in_header {
        Text::new(
            format!(
                "標題列{}{more_zh}為合併儲存格；每一欄都需要自己的標題，請取消合併並填入各欄標題後再匯入",
                zh.join("、")
            ),
            format!(
                "The header row has merged cells ({}{more_en}); every column needs its own header: unmerge them and give each column a title",
                en.join(", ")
            ),
        )
    } else {
        Text::new(
            format!(
                "{}{more_zh}為合併儲存格，請取消合併（並在每一格填入資料）後再匯入",
                zh.join("、")
            ),
            format!(
                "Cells {}{more_en} are merged; unmerge them (and fill in every cell) before importing",
                en.join(", ")
            ),
        )
    };
    Err(FileError::new(FileErrorKind::MergedCells, message).at(
        Some(first.start.0 as usize + 1),
        Some(first.start.1 as usize),
    ))
}

/// `第 3–5 列 B 欄`, `第 3 列 B–D 欄`.
fn zh_range(m: &Dimensions) -> String {
    let rows = if m.start.0 == m.end.0 {
        format!("第 {} 列", m.start.0 + 1)
    } else {
        format!("第 {}–{} 列", m.start.0 + 1, m.end.0 + 1)
    };
    let cols = if m.start.1 == m.end.1 {
        format!("{} 欄", column_letter(m.start.1 as usize))
    } else {
        format!(
            "{}–{} 欄",
            column_letter(m.start.1 as usize),
            column_letter(m.end.1 as usize)
        )
    };
    format!("{rows} {cols}")
}

/// `B3:B5`.
fn a1_range(m: &Dimensions) -> String {
    format!(
        "{}{}:{}{}",
        column_letter(m.start.1 as usize),
        m.start.0 + 1,
        column_letter(m.end.1 as usize),
        m.end.0 + 1
    )
}

fn render_ref(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DurationIso(s) => s.trim().to_owned(),
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_number(*f),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(dt) => format_datetime(dt),
        DataRef::DateTimeIso(s) => format_iso_datetime(s),
        DataRef::Error(e) => e.to_string(),
    }
}

fn render_data(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(dt) => format_datetime(dt),
        Data::DateTimeIso(s) => format_iso_datetime(s),
        Data::Error(e) => e.to_string(),
    }
}

fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_owned()
}

/// Excel keeps 15 significant digits; integers lose the ".0".
fn format_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

fn format_datetime(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        let total = (dt.as_f64() * 86_400.0).round() as i64;
        let sign = if total < 0 { "-" } else { "" };
        let total = total.abs();
        return format!(
            "{sign}{}:{:02}:{:02}",
            total / 3600,
            total / 60 % 60,
            total % 60
        );
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let time = if s == 0 {
        format!("{h:02}:{mi:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if (0.0..1.0).contains(&dt.as_f64()) {
        time
    } else if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

/// `2024-01-05T00:00:00` → `2024-01-05`; `2024-01-05T13:30:00` → `2024-01-05 13:30`.
fn format_iso_datetime(s: &str) -> String {
    let s = s.trim();
    let Some((date, time)) = s.split_once('T') else {
        return s.to_owned();
    };
    let time = time.trim_end_matches(".000");
    match time {
        "00:00:00" | "00:00" => date.to_owned(),
        t if t.len() == 8 && t.ends_with(":00") => format!("{date} {}", &t[..5]),
        t => format!("{date} {t}"),
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn too_large(limits: &Limits) -> FileError {
    let mib = limits.max_bytes.div_ceil(1024 * 1024);
    FileError::new(
        FileErrorKind::TooLarge,
        Text::new(
            format!("檔案超過 {mib} MB 上限，請分批匯入"),
            format!("The file is larger than {mib} MB; split it into smaller files"),
        ),
    )
}

fn too_many_rows(limits: &Limits) -> FileError {
    let n = group_thousands(limits.max_rows);
    FileError::new(
        FileErrorKind::TooManyRows,
        Text::new(
            format!("檔案超過 {n} 列上限，請分批匯入"),
            format!("The file has more than {n} rows; split it into smaller files"),
        ),
    )
}

fn too_many_columns(limits: &Limits) -> FileError {
    let n = group_thousands(limits.max_columns);
    FileError::new(
        FileErrorKind::TooManyColumns,
        Text::new(
            format!("檔案超過 {n} 欄上限；請確認工作表右側沒有多餘的資料"),
            format!("The file has more than {n} columns; check for stray data far to the right"),
        ),
    )
}

fn encoding_error() -> FileError {
    FileError::new(
        FileErrorKind::Encoding,
        Text::new(
            "無法辨識檔案編碼，請在 Excel 另存為「CSV UTF-8（逗號分隔）」",
            "Cannot tell the file's encoding; save it from Excel as CSV UTF-8",
        ),
    )
}

fn not_a_table_file() -> FileError {
    FileError::new(
        FileErrorKind::UnsupportedFormat,
        Text::new(
            "這不是 CSV 或 Excel 檔案；請用 Excel 開啟後另存為 .xlsx 或「CSV UTF-8（逗號分隔）」",
            "This is not a CSV or Excel file; open it in Excel and save it as .xlsx or CSV UTF-8",
        ),
    )
}

fn unsupported_spreadsheet() -> FileError {
    FileError::new(
        FileErrorKind::UnsupportedFormat,
        Text::new(
            "不支援這種試算表格式；請另存為 .xlsx 或「CSV UTF-8（逗號分隔）」後再匯入",
            "This spreadsheet format is not supported; save it as .xlsx or CSV UTF-8 and import again",
        ),
    )
}

fn corrupt(err: &dyn std::fmt::Display) -> FileError {
    FileError::new(
        FileErrorKind::Corrupt,
        Text::new(
            format!("無法讀取 Excel 檔案（檔案可能已損毀）：{err}"),
            format!("Cannot read the Excel file (it may be damaged): {err}"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::write::{self, Cell};
    use rust_xlsxwriter::{Format, Workbook, Worksheet};

    fn read_ok(bytes: &[u8], name: &str) -> Table {
        read(bytes, name, &Limits::default()).unwrap_or_else(|e| panic!("read failed: {e}"))
    }

    fn read_err(bytes: &[u8], name: &str) -> FileError {
        read(bytes, name, &Limits::default()).expect_err("read should fail")
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    fn lines(table: &Table) -> Vec<usize> {
        table.rows.iter().map(|r| r.line).collect()
    }

    fn workbook(build: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
        let mut wb = Workbook::new();
        build(wb.add_worksheet());
        wb.save_to_buffer().unwrap()
    }

    fn tricky_rows() -> Vec<Vec<String>> {
        [
            vec!["C001", "王小明", "0912345678", "台北市信義區, 5樓"],
            vec!["C002", "陳\"大\"華", "+886-2-2345-6789", "第一行\r\n第二行"],
            vec!["C003", "=HYPERLINK(\"x\")", "-5", "@SUM(A1)"],
            vec![
                "C004",
                "Lucky Gas 幸運瓦斯",
                "02-2345-6789",
                "+886912345678",
            ],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect())
        .collect()
    }

    #[test]
    fn a_csv_written_by_us_reads_back_with_the_same_cells() {
        let headers = ["客戶編號", "客戶名稱", "電話", "地址"];
        let rows = tricky_rows();
        let bytes = write::csv(&headers, rows.clone().into_iter());
        let table = read_ok(&bytes, "export.csv");
        assert_eq!(table.headers, headers);
        assert_eq!(
            table
                .rows
                .iter()
                .map(|r| r.cells.clone())
                .collect::<Vec<_>>(),
            rows
        );
        assert_eq!(lines(&table), [2, 3, 4, 5]);
    }

    #[test]
    fn an_xlsx_written_by_us_reads_back_with_the_same_cells() {
        let headers = ["客戶編號", "客戶名稱", "電話", "地址", "數量"];
        let rows = tricky_rows();
        let bytes = write::xlsx(
            "客戶",
            &headers,
            rows.iter().enumerate().map(|(i, r)| {
                let mut cells: Vec<Cell> = r.iter().map(|c| Cell::from(c.as_str())).collect();
                cells.push(Cell::Number(i as f64 + 1.5));
                cells
            }),
        )
        .unwrap();
        let table = read_ok(&bytes, "export.xlsx");
        assert_eq!(table.headers, headers);
        for (i, (got, want)) in table.rows.iter().zip(&rows).enumerate() {
            assert_eq!(&got.cells[..4], &want[..], "row {i}");
            assert_eq!(got.cells[4], format!("{}.5", i + 1));
        }
        assert_eq!(lines(&table), [2, 3, 4, 5]);
    }

    #[test]
    fn a_phone_number_with_a_leading_zero_survives_an_xlsx_round_trip_as_text() {
        let bytes = write::xlsx("s", &["電話"], [vec![Cell::from("0912345678")]]).unwrap();
        let table = read_ok(&bytes, "x.xlsx");
        assert_eq!(table.rows[0].cells, ["0912345678"]);
    }

    #[test]
    fn a_big5_csv_from_zh_tw_excel_is_decoded() {
        let text = "客戶編號,客戶名稱,地址\r\nC001,王小明,台北市信義區松仁路100號\r\nC002,林美麗,高雄市苓雅區\r\n";
        let (bytes, _, had_errors) = BIG5.encode(text);
        assert!(!had_errors);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "test data must not be UTF-8"
        );
        let table = read_ok(&bytes, "客戶.csv");
        assert_eq!(table.headers, ["客戶編號", "客戶名稱", "地址"]);
        assert_eq!(
            cells(&table),
            [
                vec!["C001", "王小明", "台北市信義區松仁路100號"],
                vec!["C002", "林美麗", "高雄市苓雅區"]
            ]
        );
    }

    #[test]
    fn a_utf8_csv_with_a_bom_is_read_without_the_bom() {
        let bytes = b"\xEF\xBB\xBF\xE5\xAE\xA2\xE6\x88\xB6,phone\r\nA,0912\r\n";
        let table = read_ok(bytes, "a.csv");
        assert_eq!(table.headers, ["客戶", "phone"]);
        assert_eq!(cells(&table), [vec!["A", "0912"]]);
    }

    #[test]
    fn a_utf16_le_file_with_a_bom_is_read_with_tabs_detected() {
        let text = "客戶編號\t客戶名稱\r\nC001\t王小明\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let table = read_ok(&bytes, "unicode.txt");
        assert_eq!(table.headers, ["客戶編號", "客戶名稱"]);
        assert_eq!(cells(&table), [vec!["C001", "王小明"]]);
    }

    #[test]
    fn a_utf16_be_file_with_a_bom_is_read() {
        let text = "名稱,電話\nA,1\n";
        let mut bytes = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        let table = read_ok(&bytes, "a.csv");
        assert_eq!(table.headers, ["名稱", "電話"]);
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_big5_give_the_encoding_error() {
        let err = read_err(b"name,phone\r\n\x80\x80,\xFF\r\n", "a.csv");
        assert_eq!(err.kind, FileErrorKind::Encoding);
        assert_eq!(
            err.message.zh,
            "無法辨識檔案編碼，請在 Excel 另存為「CSV UTF-8（逗號分隔）」"
        );
        assert_eq!(
            err.message.en,
            "Cannot tell the file's encoding; save it from Excel as CSV UTF-8"
        );
    }

    #[test]
    fn a_merged_range_in_the_data_is_an_error_naming_the_range() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "名稱").unwrap();
            ws.write_string(0, 1, "地址").unwrap();
            ws.write_string(1, 0, "A").unwrap();
            ws.merge_range(2, 1, 4, 1, "台北市", &Format::new())
                .unwrap();
            ws.write_string(2, 0, "B").unwrap();
        });
        let err = read_err(&bytes, "m.xlsx");
        assert_eq!(err.kind, FileErrorKind::MergedCells);
        assert!(
            err.message
                .zh
                .starts_with("「第 3–5 列 B 欄」為合併儲存格，請取消合併"),
            "{}",
            err.message.zh
        );
        assert!(err.message.en.contains("B3:B5"), "{}", err.message.en);
        assert_eq!((err.row, err.column), (Some(3), Some(1)));
    }

    #[test]
    fn a_merge_in_the_header_row_is_explained_as_a_header_problem() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "名稱").unwrap();
            ws.merge_range(0, 1, 0, 2, "電話", &Format::new()).unwrap();
            ws.write_string(1, 0, "A").unwrap();
        });
        let err = read_err(&bytes, "m.xlsx");
        assert_eq!(err.kind, FileErrorKind::MergedCells);
        assert!(
            err.message.zh.starts_with("標題列「第 1 列 B–C 欄」"),
            "{}",
            err.message.zh
        );
        assert!(err.message.en.contains("B1:C1"), "{}", err.message.en);
    }

    #[test]
    fn a_merged_title_banner_above_the_header_row_is_ignored() {
        let bytes = workbook(|ws| {
            ws.merge_range(0, 0, 0, 2, "", &Format::new()).unwrap();
            ws.write_string(2, 0, "名稱").unwrap();
            ws.write_string(3, 0, "A").unwrap();
        });
        let table = read_ok(&bytes, "m.xlsx");
        assert_eq!(table.headers, ["名稱"]);
        assert_eq!(lines(&table), [4]);
    }

    #[test]
    fn blank_csv_rows_are_skipped_counted_and_excel_row_numbers_are_kept() {
        let csv =
            "名稱,電話\r\nA,1\r\n\r\n,\r\nB,2\r\n\"C\nmultiline\",3\r\n , \r\nD,4\r\n\r\n\r\n";
        let table = read_ok(csv.as_bytes(), "a.csv");
        assert_eq!(
            cells(&table),
            [
                vec!["A", "1"],
                vec!["B", "2"],
                vec!["C\nmultiline", "3"],
                vec!["D", "4"]
            ]
        );
        // Excel: header 1, A 2, blank 3, blank 4, B 5, C 6, blank 7, D 8.
        assert_eq!(lines(&table), [2, 5, 6, 8]);
        assert_eq!(table.skipped_empty_rows, 3);
    }

    #[test]
    fn blank_xlsx_rows_are_skipped_counted_and_excel_row_numbers_are_kept() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "名稱").unwrap();
            ws.write_string(0, 1, "電話").unwrap();
            ws.write_string(1, 0, "A").unwrap();
            ws.write_string(2, 0, "   ").unwrap(); // whitespace only = blank
            ws.write_string(4, 1, "0912").unwrap();
            ws.set_row_hidden(4).unwrap(); // hidden rows are read like others
            ws.write_blank(6, 0, &Format::new().set_bold()).unwrap(); // formatted, empty
        });
        let table = read_ok(&bytes, "a.xlsx");
        assert_eq!(cells(&table), [vec!["A", ""], vec!["", "0912"]]);
        assert_eq!(lines(&table), [2, 5]);
        assert_eq!(table.skipped_empty_rows, 2);
    }

    #[test]
    fn a_50000_row_csv_is_rejected_with_the_row_limit_message_without_reading_it_all() {
        use std::fmt::Write as _;
        let mut csv = String::from("名稱,電話\n");
        for i in 0..50_000 {
            writeln!(csv, "客戶{i},09{i:08}").unwrap();
        }
        let err = read_err(csv.as_bytes(), "big.csv");
        assert_eq!(err.kind, FileErrorKind::TooManyRows);
        assert_eq!(err.message.zh, "檔案超過 20,000 列上限，請分批匯入");
        assert!(
            err.message
                .en
                .starts_with("The file has more than 20,000 rows; split it")
        );
        // Parsing stopped at the first row over the limit.
        assert_eq!(err.row, Some(20_002));
    }

    #[test]
    fn an_xlsx_over_the_row_limit_is_rejected() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "名稱").unwrap();
            for r in 1..=30 {
                ws.write_number(r, 0, f64::from(r)).unwrap();
            }
        });
        let limits = Limits {
            max_rows: 10,
            ..Limits::default()
        };
        let err = read(&bytes, "a.xlsx", &limits).unwrap_err();
        assert_eq!(err.kind, FileErrorKind::TooManyRows);
        assert_eq!(err.message.zh, "檔案超過 10 列上限，請分批匯入");
        assert_eq!(err.row, Some(12));
    }

    #[test]
    fn data_beyond_the_column_limit_is_rejected() {
        let limits = Limits {
            max_columns: 3,
            ..Limits::default()
        };
        let err = read(b"a,b,c\n1,2,3,,,,x\n", "a.csv", &limits).unwrap_err();
        assert_eq!(err.kind, FileErrorKind::TooManyColumns);
        assert_eq!(err.row, Some(2));
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "a").unwrap();
            ws.write_string(1, 200, "far away").unwrap();
        });
        let err = read(&bytes, "a.xlsx", &limits).unwrap_err();
        assert_eq!(err.kind, FileErrorKind::TooManyColumns);
        assert_eq!((err.row, err.column), (Some(2), Some(200)));
    }

    #[test]
    fn a_file_over_the_byte_limit_is_rejected_before_parsing() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let err = read(b"name,phone\r\nA,1\r\n", "a.csv", &limits).unwrap_err();
        assert_eq!(err.kind, FileErrorKind::TooLarge);
    }

    #[test]
    fn xlsx_numbers_dates_and_times_are_rendered_as_people_expect() {
        use rust_xlsxwriter::ExcelDateTime as Dt;
        let bytes = workbook(|ws| {
            let date = Format::new().set_num_format("yyyy/m/d");
            let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
            let time = Format::new().set_num_format("hh:mm");
            for (c, h) in [
                "整數",
                "小數",
                "浮點",
                "日期",
                "日期時間",
                "時間",
                "電話",
                "布林",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_number(1, 0, 12.0).unwrap();
            ws.write_number(1, 1, 2.5).unwrap();
            ws.write_number(1, 2, 0.1 + 0.2).unwrap();
            ws.write_datetime_with_format(1, 3, Dt::from_ymd(2024, 1, 5).unwrap(), &date)
                .unwrap();
            let dt = Dt::from_ymd(2024, 12, 31)
                .unwrap()
                .and_hms(13, 45, 0)
                .unwrap();
            ws.write_datetime_with_format(1, 4, dt, &datetime).unwrap();
            ws.write_datetime_with_format(1, 5, Dt::from_hms(8, 30, 0).unwrap(), &time)
                .unwrap();
            ws.write_number(1, 6, 912_345_678.0).unwrap();
            ws.write_boolean(1, 7, true).unwrap();
        });
        let table = read_ok(&bytes, "n.xlsx");
        assert_eq!(
            cells(&table),
            [vec![
                "12",
                "2.5",
                "0.3",
                "2024-01-05",
                "2024-12-31 13:45",
                "08:30",
                "912345678",
                "TRUE"
            ]]
        );
    }

    #[test]
    fn a_named_sheet_is_read_and_a_missing_one_is_reported() {
        let mut wb = Workbook::new();
        wb.add_worksheet()
            .set_name("說明")
            .unwrap()
            .write_string(0, 0, "請看第二頁")
            .unwrap();
        let ws = wb.add_worksheet().set_name("客戶").unwrap();
        ws.write_string(0, 0, "名稱").unwrap();
        ws.write_string(1, 0, "A").unwrap();
        let bytes = wb.save_to_buffer().unwrap();

        let first = read_ok(&bytes, "a.xlsx");
        assert_eq!(first.headers, ["請看第二頁"]);
        let limits = Limits {
            sheet: Some("客戶".into()),
            ..Limits::default()
        };
        let named = read(&bytes, "a.xlsx", &limits).unwrap();
        assert_eq!(named.headers, ["名稱"]);
        let limits = Limits {
            sheet: Some("訂單".into()),
            ..Limits::default()
        };
        let err = read(&bytes, "a.xlsx", &limits).unwrap_err();
        assert_eq!(err.kind, FileErrorKind::SheetNotFound);
        assert!(err.message.zh.contains("說明、客戶"), "{}", err.message.zh);
    }

    #[test]
    fn semicolon_and_tab_delimiters_are_detected_and_sep_hints_honoured() {
        let t = read_ok("名稱;電話;地址\nA;1;台北, 信義\n".as_bytes(), "a.csv");
        assert_eq!(cells(&t), [vec!["A", "1", "台北, 信義"]]);
        let t = read_ok("名稱\t電話\nA\t1\n".as_bytes(), "a.txt");
        assert_eq!(cells(&t), [vec!["A", "1"]]);
        let t = read_ok("sep=;\r\n名稱;電話\r\nA;1\r\n".as_bytes(), "a.csv");
        assert_eq!(t.headers, ["名稱", "電話"]);
        assert_eq!(lines(&t), [2]);
        let t = read_ok("名稱,備註\nA,a;b;c;d\n".as_bytes(), "a.csv");
        assert_eq!(cells(&t), [vec!["A", "a;b;c;d"]]);
    }

    #[test]
    fn cells_are_trimmed_and_excel_text_tricks_are_unwrapped() {
        let t = read_ok(
            "名稱,電話,公式\n\u{3000}王小明 ,=\"0912345678\",'=1+1\n".as_bytes(),
            "a.csv",
        );
        assert_eq!(cells(&t), [vec!["王小明", "0912345678", "=1+1"]]);
    }

    #[test]
    fn short_rows_are_padded_and_extra_cells_are_kept() {
        let t = read_ok("a,b,c\n1\n1,2,3,,\n1,2,3,,x\n".as_bytes(), "a.csv");
        assert_eq!(t.rows[0].cells, ["1", "", ""]);
        assert_eq!(t.rows[1].cells, ["1", "2", "3"]);
        assert_eq!(t.rows[2].cells, ["1", "2", "3", "", "x"]);
        assert_eq!(t.rows_with_extra_cells().count(), 1);
    }

    #[test]
    fn empty_files_and_non_table_files_are_reported() {
        assert_eq!(read_err(b"", "a.csv").kind, FileErrorKind::Empty);
        assert_eq!(
            read_err(b"\xEF\xBB\xBF\r\n , \r\n", "a.csv").kind,
            FileErrorKind::Empty
        );
        assert_eq!(
            read_err(b"<html><table>", "a.xls").kind,
            FileErrorKind::UnsupportedFormat
        );
        assert_eq!(
            read_err(b"%PDF-1.4\x00\x01", "a.csv").kind,
            FileErrorKind::UnsupportedFormat
        );
        assert_eq!(
            read_err(b"name\nA\n", "a.xlsx").kind,
            FileErrorKind::Corrupt
        );
        assert_eq!(
            read_err(b"PK\x03\x04garbage", "a.xlsx").kind,
            FileErrorKind::Corrupt
        );
        assert_eq!(read_err(CFB_MAGIC, "a.xls").kind, FileErrorKind::Corrupt);
        let header_only = read_ok("名稱,電話\r\n".as_bytes(), "a.csv");
        assert_eq!(header_only.headers, ["名稱", "電話"]);
        assert!(header_only.rows.is_empty());
    }

    #[test]
    fn a_legacy_xls_workbook_is_read_like_an_xlsx() {
        // Fixture made with Python's xlwt (BIFF8, Excel 97-2003).
        let bytes = include_bytes!("testdata/customers.xls");
        let table = read_ok(bytes, "customers.xls");
        assert_eq!(
            table.headers,
            ["客戶編號", "客戶名稱", "電話", "送貨日期", "數量"]
        );
        assert_eq!(
            cells(&table),
            [
                vec!["C001", "王小明", "0912345678", "2025-03-07", "2"],
                vec!["C002", "林美麗", "912345678", "", "1.5"]
            ]
        );
        assert_eq!(lines(&table), [2, 4]);
        assert_eq!(table.skipped_empty_rows, 1);
    }

    #[test]
    fn a_merged_range_in_a_legacy_xls_is_reported_too() {
        let err = read_err(include_bytes!("testdata/merged.xls"), "merged.xls");
        assert_eq!(err.kind, FileErrorKind::MergedCells);
        assert!(
            err.message.zh.starts_with("「第 2–4 列 B 欄」"),
            "{}",
            err.message.zh
        );
    }

    #[test]
    fn a_text_file_named_xls_is_read_as_delimited_text() {
        let t = read_ok("名稱\t電話\nA\t1\n".as_bytes(), "export.xls");
        assert_eq!(cells(&t), [vec!["A", "1"]]);
    }
}

#[cfg(test)]
mod csv_parser_tests {
    use super::*;

    fn parse(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut rows = CsvRows {
            text,
            pos: 0,
            line: 0,
            delimiter: b',',
        };
        let mut out = Vec::new();
        while let Some(row) = rows.next_row().unwrap() {
            out.push(row);
        }
        out
    }

    #[test]
    fn every_kind_of_line_break_ends_a_row_and_blank_lines_count() {
        let rows = parse("a,b\r\n\r\nc\rd\n\ne");
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 6]);
        assert_eq!(rows[2].1, ["c"]);
        assert_eq!(rows[5].1, ["e"]);
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_line_breaks() {
        let rows = parse("\"a,b\",\"say \"\"hi\"\"\",\"x\r\ny\"\nnext,\"\"\n");
        assert_eq!(
            rows[0],
            (1, vec!["a,b".into(), "say \"hi\"".into(), "x\r\ny".into()])
        );
        assert_eq!(rows[1], (2, vec!["next".into(), String::new()]));
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn quotes_in_the_middle_of_a_field_are_literal() {
        let rows = parse("5\" pipe,2\n\"ab\"c,d\n");
        assert_eq!(rows[0].1, ["5\" pipe", "2"]);
        assert_eq!(rows[1].1, ["abc", "d"]);
    }

    #[test]
    fn a_trailing_delimiter_gives_an_empty_last_cell() {
        assert_eq!(parse("a,\n")[0].1, ["a", ""]);
    }

    #[test]
    fn an_unclosed_quote_is_an_error_naming_the_row() {
        let mut rows = CsvRows {
            text: "a\nb\n\"c,d\ne\n",
            pos: 0,
            line: 0,
            delimiter: b',',
        };
        rows.next_row().unwrap();
        rows.next_row().unwrap();
        let err = rows.next_row().unwrap_err();
        assert_eq!(err.kind, FileErrorKind::Malformed);
        assert_eq!(err.row, Some(3));
        assert!(err.message.zh.contains("第 3 列"));
    }
}
