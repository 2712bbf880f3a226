//! Generic tabular file layer: read CSV / XLSX / XLS uploads into a [`Table`],
//! map their header row onto a column spec ([`headers`]), and write CSV / XLSX
//! exports and import templates ([`write`]).
//!
//! Everything here is format plumbing only: cells come out as trimmed strings
//! and it is up to the caller to validate and convert them.
//!
//! Conventions shared by the whole module:
//! * Row numbers ([`Row::line`]) are the row numbers the user sees in Excel
//!   (1-based, the header row of a normal sheet is row 1).
//! * Column numbers are 0-based indexes; [`column_letter`] turns them into
//!   Excel letters for messages.
//! * Every user-facing message is a bilingual [`Text`].

#![forbid(unsafe_code)]

pub mod headers;
pub mod read;
pub mod write;

use std::fmt;

use crate::i18n::Text;

pub use headers::{Column, ColumnMap};
pub use read::read;

/// Limits and options for [`read`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of non-empty data rows (the header row is not counted).
    pub max_rows: usize,
    /// Maximum size of the uploaded file in bytes.
    pub max_bytes: usize,
    /// Maximum number of columns holding data (guards against sheets with
    /// stray values far to the right).
    pub max_columns: usize,
    /// Workbook sheet to read. `None` = the first visible worksheet.
    /// Ignored for CSV.
    pub sheet: Option<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 20_000,
            max_bytes: 20 * 1024 * 1024,
            max_columns: 500,
            sheet: None,
        }
    }
}

/// One data row of an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based row number as shown by Excel (the header row is usually 1).
    pub line: usize,
    /// Trimmed cell values. Always at least as long as [`Table::headers`]
    /// (padded with empty strings). It is longer only when the row has
    /// non-empty cells to the right of the last header; see
    /// [`Table::extra_cells_message`].
    pub cells: Vec<String>,
}

impl Row {
    /// Cells beyond `width` (normally `table.headers.len()`); these are always
    /// non-empty at the end, because blank trailing cells are dropped on read.
    pub fn extra_cells(&self, width: usize) -> &[String] {
        self.cells.get(width..).unwrap_or(&[])
    }
}

/// A decoded file: header row plus data rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Trimmed header cells, trailing blank headers removed.
    pub headers: Vec<String>,
    /// Non-empty data rows, in file order.
    pub rows: Vec<Row>,
    /// Blank rows between the header and the last data row that were skipped
    /// (blank rows at the very end of the sheet are not counted: Excel often
    /// keeps formatted but empty rows there).
    pub skipped_empty_rows: usize,
}

impl Table {
    /// Rows that have data to the right of the last header column.
    pub fn rows_with_extra_cells(&self) -> impl Iterator<Item = &Row> {
        let width = self.headers.len();
        self.rows.iter().filter(move |r| r.cells.len() > width)
    }

    /// A message for a row with data right of the last header, or `None`.
    pub fn extra_cells_message(&self, row: &Row) -> Option<Text> {
        let width = self.headers.len();
        if row.cells.len() <= width {
            return None;
        }
        let first = row
            .cells
            .iter()
            .enumerate()
            .skip(width)
            .find(|(_, c)| !c.is_empty())
            .map_or(width, |(i, _)| i);
        let col = column_letter(first);
        Some(Text::new(
            format!(
                "第 {} 列 {col} 欄有資料，但這一欄沒有標題；請補上標題或刪除多餘的資料",
                row.line
            ),
            format!(
                "Row {}: column {col} has data but no header; add a header or remove the extra data",
                row.line
            ),
        ))
    }
}

/// What went wrong, for callers that want to branch on it (the message is in
/// [`FileError::message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileErrorKind {
    /// The file is larger than [`Limits::max_bytes`].
    TooLarge,
    /// More data rows than [`Limits::max_rows`].
    TooManyRows,
    /// Data in more columns than [`Limits::max_columns`].
    TooManyColumns,
    /// A CSV whose text encoding could not be recognised.
    Encoding,
    /// Empty file, or no header row.
    Empty,
    /// Not a CSV / Excel file, or a format we do not read (ODS, HTML...).
    UnsupportedFormat,
    /// A damaged or password-protected workbook.
    Corrupt,
    /// [`Limits::sheet`] names a sheet the workbook does not have.
    SheetNotFound,
    /// Merged cells in the header or data area.
    MergedCells,
    /// A malformed CSV line.
    Malformed,
    /// Writing an export failed.
    Write,
}

/// A problem with a whole file (row-level validation is the caller's job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub kind: FileErrorKind,
    pub message: Text,
    /// 1-based Excel row number, when the problem is on one row.
    pub row: Option<usize>,
    /// 0-based column index, when the problem is in one column.
    pub column: Option<usize>,
}

impl FileError {
    pub fn new(kind: FileErrorKind, message: Text) -> Self {
        Self {
            kind,
            message,
            row: None,
            column: None,
        }
    }

    #[must_use]
    pub fn at(mut self, row: Option<usize>, column: Option<usize>) -> Self {
        self.row = row;
        self.column = column;
        self
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message.zh, self.message.en)
    }
}

impl std::error::Error for FileError {}

/// Excel column letters for a 0-based column index: 0 → "A", 27 → "AB".
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// If `cell` looks like a Taiwan phone number that lost its leading 0 because
/// Excel stored it as a number (e.g. mobile `912345678`, Taipei landline
/// `223456789`, Kaohsiung `73456789`), return it with the 0 restored.
///
/// The reader never changes cell values; call this only on phone columns,
/// and preferably tell the user that the number was corrected.
pub fn phone_missing_leading_zero(cell: &str) -> Option<String> {
    let ok = matches!(cell.len(), 8 | 9)
        && cell.bytes().all(|b| b.is_ascii_digit())
        && matches!(cell.as_bytes()[0], b'2'..=b'9');
    ok.then(|| format!("0{cell}"))
}

/// `20000` → `"20,000"` for messages.
pub(crate) fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel_naming() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn thousands_are_grouped_with_commas() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(20_000), "20,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn phone_numbers_that_lost_their_leading_zero_are_recognised() {
        assert_eq!(
            phone_missing_leading_zero("912345678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            phone_missing_leading_zero("73456789").as_deref(),
            Some("073456789")
        );
        assert_eq!(phone_missing_leading_zero("0912345678"), None);
        assert_eq!(phone_missing_leading_zero("12345678"), None);
        assert_eq!(phone_missing_leading_zero("9123-5678"), None);
        assert_eq!(phone_missing_leading_zero("1234"), None);
    }

    #[test]
    fn extra_cells_are_reported_with_their_column() {
        let table = Table {
            headers: vec!["a".into(), "b".into()],
            rows: vec![
                Row {
                    line: 2,
                    cells: vec!["1".into(), "2".into()],
                },
                Row {
                    line: 3,
                    cells: vec!["1".into(), "2".into(), String::new(), "x".into()],
                },
            ],
            skipped_empty_rows: 0,
        };
        let extra: Vec<_> = table.rows_with_extra_cells().map(|r| r.line).collect();
        assert_eq!(extra, vec![3]);
        assert!(table.extra_cells_message(&table.rows[0]).is_none());
        let msg = table.extra_cells_message(&table.rows[1]).unwrap();
        assert!(msg.zh.contains("第 3 列 D 欄"), "{}", msg.zh);
        assert_eq!(table.rows[1].extra_cells(2), ["", "x"]);
    }
}
