//! Writing exports and import templates as CSV and XLSX.
//!
//! CSV: UTF-8 with BOM (Excel on Windows otherwise assumes Big5 and garbles
//! zh-TW text), CRLF line ends, RFC 4180 quoting, and a formula-injection
//! guard (see [`escape_formula`]).
//!
//! XLSX: bold, frozen header row with an autofilter; every cell is written as
//! text (with the "@" text number format, so phone numbers keep their leading
//! 0 even after the user edits them) unless the caller passes
//! [`Cell::Number`]. Strings are never written as formulas, so XLSX needs no
//! injection guard.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::headers::{Column, template_header};
use super::{FileError, FileErrorKind};
use crate::i18n::Text;

/// A cell for [`xlsx`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Written as a text cell, exactly as given.
    Text(String),
    /// Written as a number cell (sums and sorting work in Excel).
    /// Non-finite values are written as text.
    Number(f64),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

/// CSV bytes: UTF-8 BOM, CRLF, quoted where needed, formula-guarded.
pub fn csv(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = String::from("\u{FEFF}");
    push_csv_line(&mut out, headers.iter().copied());
    for row in rows {
        push_csv_line(&mut out, row.iter().map(String::as_str));
    }
    out.into_bytes()
}

fn push_csv_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = escape_formula(cell);
        let needs_quotes = cell.contains([',', '"', '\r', '\n'])
            || cell.starts_with(char::is_whitespace)
            || cell.ends_with(char::is_whitespace);
        if needs_quotes {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

/// Formula-injection guard for CSV cells: a cell whose first non-blank
/// character is `=`, `+`, `-` or `@` gets a leading `'`, so spreadsheet
/// programs show it as text instead of evaluating it.
///
/// Exception: plain numbers (`-5`, `+3.5`, `-0.25`, `+886912345678`) are left
/// alone; a signed number literal cannot run anything, and negative amounts
/// must stay numbers. Anything with more after the number (`-5+3`,
/// `+886-912-345-678`, `-1e5`) is guarded. [`super::read`] strips the guard
/// again, so CSV exports round-trip.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    let trimmed = cell.trim_start();
    let risky = trimmed.starts_with(['=', '+', '-', '@']) && !is_plain_number(trimmed);
    if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `[+-]?digits[.digits]`, nothing else.
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// XLSX bytes with one sheet.
pub fn xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, FileError> {
    build_xlsx(sheet_name, headers, rows).map_err(|e| write_error(&e))
}

fn build_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(safe_sheet_name(sheet_name))?;
    let header_format = Format::new().set_bold().set_num_format("@");
    let text_format = Format::new().set_num_format("@");

    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &header_format)?;
    }
    let mut last_row = 0u32;
    for (i, row) in rows.into_iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        last_row = r;
        for (col, cell) in row.iter().enumerate() {
            let c = u16::try_from(col).unwrap_or(u16::MAX);
            let width = match cell {
                Cell::Text(s) => {
                    if !s.is_empty() {
                        sheet.write_string_with_format(r, c, s, &text_format)?;
                    }
                    display_width(s)
                }
                Cell::Number(n) if n.is_finite() => {
                    sheet.write_number(r, c, *n)?;
                    n.to_string().len()
                }
                Cell::Number(n) => {
                    let s = n.to_string();
                    sheet.write_string_with_format(r, c, &s, &text_format)?;
                    s.len()
                }
            };
            if widths.len() <= col {
                widths.resize(col + 1, 0);
            }
            widths[col] = widths[col].max(width);
        }
    }
    finish_sheet(sheet, &widths, headers.len(), last_row)?;
    workbook.save_to_buffer()
}

fn finish_sheet(
    sheet: &mut Worksheet,
    widths: &[usize],
    header_count: usize,
    last_row: u32,
) -> Result<(), XlsxError> {
    for (col, width) in widths.iter().enumerate() {
        // Excel width units are roughly one Latin character; CJK count double.
        let width = (*width).clamp(6, 60) + 2;
        sheet.set_column_width(col as u16, width as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if header_count > 0 {
        sheet.autofilter(0, 0, last_row, (header_count - 1) as u16)?;
    }
    Ok(())
}

/// Import template as CSV: zh-TW headers (required ones marked `(必填)`)
/// followed by the example rows.
pub fn template_csv(spec: &[Column], example_rows: &[Vec<&str>]) -> Vec<u8> {
    let headers: Vec<String> = spec.iter().map(template_header).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    csv(
        &headers,
        example_rows
            .iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect()),
    )
}

/// Import template as XLSX (same content as [`template_csv`]; all cells text).
pub fn template_xlsx(
    sheet_name: &str,
    spec: &[Column],
    example_rows: &[Vec<&str>],
) -> Result<Vec<u8>, FileError> {
    let headers: Vec<String> = spec.iter().map(template_header).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    xlsx(
        sheet_name,
        &headers,
        example_rows
            .iter()
            .map(|r| r.iter().map(|c| Cell::from(*c)).collect()),
    )
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, not blank,
/// no leading / trailing apostrophe.
fn safe_sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Approximate display width: East Asian wide / full-width characters count 2.
fn display_width(s: &str) -> usize {
    s.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3040..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x2_0000..=0x3_FFFD)
}

fn write_error(err: &XlsxError) -> FileError {
    FileError::new(
        FileErrorKind::Write,
        Text::new(
            format!("無法產生 Excel 檔案：{err}"),
            format!("Could not create the Excel file: {err}"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::{Limits, headers, read};

    const SPEC: &[Column] = &[
        Column {
            key: "code",
            zh: "客戶編號",
            en: "Customer code",
            aliases: &[],
            required: true,
        },
        Column {
            key: "phone",
            zh: "電話",
            en: "Phone",
            aliases: &[],
            required: false,
        },
    ];

    #[test]
    fn csv_starts_with_a_bom_uses_crlf_and_quotes_only_when_needed() {
        let bytes = csv(
            &["名稱", "備註"],
            [
                vec!["王小明".to_owned(), "a,b \"c\"\nd".to_owned()],
                vec![" x".to_owned(), String::new()],
            ]
            .into_iter(),
        );
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{FEFF}名稱,備註\r\n王小明,\"a,b \"\"c\"\"\nd\"\r\n\" x\",\r\n"
        );
    }

    #[test]
    fn formula_like_cells_are_neutralised_but_plain_numbers_are_not() {
        for risky in [
            "=1+1",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            " =HYPERLINK(\"x\")",
            "+886-912-345-678",
            "-1e5",
        ] {
            assert_eq!(escape_formula(risky), format!("'{risky}"), "{risky}");
        }
        for safe in [
            "-5",
            "+5",
            "-0.25",
            "+886912345678",
            "0912345678",
            "王=小明",
            "a-b",
            "",
            "-",
            "-.",
        ] {
            let expected = if matches!(safe, "-" | "-.") {
                format!("'{safe}")
            } else {
                safe.to_owned()
            };
            assert_eq!(escape_formula(safe), expected, "{safe}");
        }
        let text = String::from_utf8(csv(
            &["x"],
            [vec!["=cmd|'/C calc'!A0".to_owned()]].into_iter(),
        ))
        .unwrap();
        assert!(text.contains("\r\n'=cmd|'/C calc'!A0\r\n"), "{text}");
    }

    #[test]
    fn template_csv_has_zh_tw_headers_with_required_marks_and_maps_back() {
        let bytes = template_csv(SPEC, &[vec!["C001", "0912345678"]]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with("\u{FEFF}客戶編號(必填),電話\r\nC001,0912345678\r\n"),
            "{text}"
        );
        let table = read(&bytes, "template.csv", &Limits::default()).unwrap();
        let map = headers::map(&table.headers, SPEC).unwrap();
        assert_eq!(map.get(&table.rows[0], "phone"), "0912345678");
    }

    #[test]
    fn template_xlsx_maps_back_and_keeps_phone_numbers_as_text() {
        let bytes = template_xlsx("客戶匯入範本", SPEC, &[vec!["C001", "0912345678"]]).unwrap();
        let table = read(&bytes, "template.xlsx", &Limits::default()).unwrap();
        assert_eq!(table.headers, ["客戶編號(必填)", "電話"]);
        let map = headers::map(&table.headers, SPEC).unwrap();
        assert_eq!(map.get(&table.rows[0], "phone"), "0912345678");
    }

    #[test]
    fn invalid_sheet_names_are_made_safe() {
        assert_eq!(safe_sheet_name("客戶/訂單 [2024]"), "客戶_訂單 _2024_");
        assert_eq!(safe_sheet_name("  "), "Sheet1");
        assert_eq!(safe_sheet_name(&"長".repeat(40)).chars().count(), 31);
        assert!(xlsx("a:b?", &["x"], Vec::<Vec<Cell>>::new()).is_ok());
    }

    #[test]
    fn cjk_characters_count_double_for_column_widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("王小明"), 6);
        assert_eq!(display_width("ＡＢ1"), 5);
        assert_eq!(display_width("短\n長一點"), 6);
    }

    #[test]
    fn numbers_and_non_finite_values_are_written_sensibly() {
        let bytes = xlsx(
            "s",
            &["n", "m"],
            [
                vec![Cell::from(42_i64), Cell::Number(f64::NAN)],
                vec![Cell::from(-3.25), Cell::from("")],
            ],
        )
        .unwrap();
        let table = read(&bytes, "s.xlsx", &Limits::default()).unwrap();
        assert_eq!(table.rows[0].cells, ["42", "NaN"]);
        assert_eq!(table.rows[1].cells, ["-3.25", ""]);
    }
}
