//! Mapping a file's header row onto the columns an import expects.
//!
//! Matching is forgiving about how people type headers in Excel: case,
//! spaces, underscores and hyphens are ignored, full-width letters / digits /
//! punctuation equal their half-width forms, and a required-marker such as
//! `(必填)`, `（必填）`, `(required)` or `*` before or after the name is
//! dropped. Each column is matched by its zh-TW name, English name, key or
//! any alias.

use std::collections::HashMap;

use super::{Row, column_letter};
use crate::i18n::Text;

/// One column an import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Stable identifier used by the code (`"code"`).
    pub key: &'static str,
    /// zh-TW header, used in templates and messages (`"客戶編號"`).
    pub zh: &'static str,
    /// English header (`"Customer code"`).
    pub en: &'static str,
    /// Further accepted headers (`&["編號", "code"]`).
    pub aliases: &'static [&'static str],
    pub required: bool,
}

impl Column {
    /// A column of an import spec: key, zh-TW and English headers, other
    /// accepted headers, and whether every row must fill it.
    pub const fn new(
        key: &'static str,
        zh: &'static str,
        en: &'static str,
        aliases: &'static [&'static str],
        required: bool,
    ) -> Self {
        Self {
            key,
            zh,
            en,
            aliases,
            required,
        }
    }
}

/// Where each spec column sits in a particular file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// key → (0-based column index, header text as written in the file).
    found: HashMap<&'static str, (usize, String)>,
    /// All keys of the spec (so that asking for a key that is not in the
    /// spec can be caught as a programming error).
    known: Vec<&'static str>,
    /// zh/en names per key, for messages.
    names: HashMap<&'static str, (&'static str, &'static str)>,
    /// Headers in the file that match no spec column, in file order (blank
    /// headers are left out). They are not imported; show them in a preview.
    pub ignored: Vec<String>,
}

impl ColumnMap {
    /// The trimmed cell of `row` in the column for `key`, or `""` when the
    /// file has no such column (only possible for optional columns).
    pub fn get<'a>(&self, row: &'a Row, key: &str) -> &'a str {
        self.debug_check(key);
        self.found
            .get(key)
            .and_then(|(i, _)| row.cells.get(*i))
            .map_or("", String::as_str)
    }

    /// 0-based column index of `key` in the file.
    pub fn index(&self, key: &str) -> Option<usize> {
        self.debug_check(key);
        self.found.get(key).map(|(i, _)| *i)
    }

    /// Whether the file has the column for `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.index(key).is_some()
    }

    /// Excel column letter of `key` (`"C"`), or `""` if the file lacks it.
    pub fn column_letter(&self, key: &str) -> String {
        self.index(key).map(column_letter).unwrap_or_default()
    }

    /// The header as the user wrote it in the file, or `""`.
    pub fn header(&self, key: &str) -> &str {
        self.debug_check(key);
        self.found.get(key).map_or("", |(_, h)| h.as_str())
    }

    /// A cell reference for messages: `第 12 列 C 欄「電話」` /
    /// `Row 12, column C (Phone)`. Append the problem to it.
    pub fn locate(&self, row: &Row, key: &str) -> Text {
        self.debug_check(key);
        let (zh, en) = self.names.get(key).copied().unwrap_or((key, key));
        let line = row.line;
        match self.index(key) {
            Some(i) => {
                let col = column_letter(i);
                Text::new(
                    format!("第 {line} 列 {col} 欄「{zh}」"),
                    format!("Row {line}, column {col} ({en})"),
                )
            }
            None => Text::new(
                format!("第 {line} 列「{zh}」"),
                format!("Row {line} ({en})"),
            ),
        }
    }

    fn debug_check(&self, key: &str) {
        debug_assert!(
            self.known.contains(&key),
            "column key {key:?} is not in the column spec"
        );
    }
}

/// Match `table_headers` against `spec`.
///
/// Errors (all reported together): one message per missing required column,
/// and one per spec column that appears more than once in the file.
pub fn map(table_headers: &[String], spec: &[Column]) -> Result<ColumnMap, Vec<Text>> {
    let candidates: Vec<Vec<String>> = spec
        .iter()
        .map(|c| {
            let mut names: Vec<String> = [c.key, c.zh, c.en]
                .into_iter()
                .chain(c.aliases.iter().copied())
                .map(normalize)
                .filter(|n| !n.is_empty())
                .collect();
            names.dedup();
            names
        })
        .collect();

    let mut positions: Vec<Vec<usize>> = vec![Vec::new(); spec.len()];
    let mut ignored = Vec::new();
    for (i, header) in table_headers.iter().enumerate() {
        let norm = normalize(header);
        if norm.is_empty() {
            continue;
        }
        match candidates.iter().position(|names| names.contains(&norm)) {
            Some(c) => positions[c].push(i),
            None => ignored.push(header.trim().to_owned()),
        }
    }

    let mut errors = Vec::new();
    let mut found = HashMap::new();
    for (column, at) in spec.iter().zip(&positions) {
        match at.as_slice() {
            [] if column.required => errors.push(Text::new(
                format!("缺少必要欄位「{}」", column.zh),
                format!("Missing required column: {}", column.en),
            )),
            [] => {}
            [i] => {
                found.insert(column.key, (*i, table_headers[*i].trim().to_owned()));
            }
            many => {
                let letters: Vec<String> = many.iter().map(|&i| column_letter(i)).collect();
                errors.push(Text::new(
                    format!(
                        "欄位「{}」重複出現（{} 欄），請只保留一欄",
                        column.zh,
                        letters.join("、")
                    ),
                    format!(
                        "Column \"{}\" appears more than once (columns {}); keep only one",
                        column.en,
                        letters.join(", ")
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ColumnMap {
        found,
        known: spec.iter().map(|c| c.key).collect(),
        names: spec.iter().map(|c| (c.key, (c.zh, c.en))).collect(),
        ignored,
    })
}

/// Header text as written in templates: the zh-TW name, with `(必填)` on
/// required columns.
pub fn template_header(column: &Column) -> String {
    if column.required {
        format!("{}(必填)", column.zh)
    } else {
        column.zh.to_owned()
    }
}

/// Canonical form for comparing headers.
fn normalize(header: &str) -> String {
    let mut s: String = header
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '\u{FEFF}'))
        .flat_map(char::to_lowercase)
        .collect();
    // Required markers, possibly several ("*客戶名稱(必填)").
    loop {
        let before = s.len();
        for marker in ["(必填)", "(required)", "必填", "*"] {
            if let Some(rest) = s.strip_suffix(marker) {
                s.truncate(rest.len());
            }
            if let Some(rest) = s.strip_prefix(marker) {
                s = rest.to_owned();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space to
/// their half-width forms.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[Column] = &[
        Column {
            key: "code",
            zh: "客戶編號",
            en: "Customer code",
            aliases: &["code", "編號"],
            required: true,
        },
        Column {
            key: "name",
            zh: "客戶名稱",
            en: "Name",
            aliases: &["名稱", "customer name"],
            required: true,
        },
        Column {
            key: "phone",
            zh: "電話",
            en: "Phone",
            aliases: &["手機", "tel"],
            required: false,
        },
        Column {
            key: "cylinder_size",
            zh: "鋼瓶規格",
            en: "Cylinder size",
            aliases: &["規格"],
            required: false,
        },
    ];

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn row(cells: &[&str]) -> Row {
        Row {
            line: 12,
            cells: headers(cells),
        }
    }

    #[test]
    fn zh_tw_headers_with_required_markers_are_matched() {
        let map = map(
            &headers(&["客戶編號(必填)", "客戶名稱（必填）", "電話", "鋼瓶規格"]),
            SPEC,
        )
        .unwrap();
        assert_eq!(map.index("code"), Some(0));
        assert_eq!(map.index("name"), Some(1));
        assert_eq!(map.index("phone"), Some(2));
        assert_eq!(map.index("cylinder_size"), Some(3));
        assert!(map.ignored.is_empty());
    }

    #[test]
    fn english_names_keys_and_aliases_are_matched_whatever_the_spacing_or_case() {
        let map = map(
            &headers(&[
                "  CUSTOMER   CODE ",
                "customer_name*",
                "Tel",
                "cylinder-size",
            ]),
            SPEC,
        )
        .unwrap();
        assert_eq!(map.index("code"), Some(0));
        assert_eq!(map.index("name"), Some(1));
        assert_eq!(map.index("phone"), Some(2));
        assert_eq!(map.index("cylinder_size"), Some(3));
    }

    #[test]
    fn full_width_letters_spaces_and_markers_are_matched() {
        let map = map(&headers(&["ＣＯＤＥ", "客戶　名稱＊", "ｔｅｌ"]), SPEC).unwrap();
        assert_eq!(map.index("code"), Some(0));
        assert_eq!(map.index("name"), Some(1));
        assert_eq!(map.index("phone"), Some(2));
        assert!(!map.contains("cylinder_size"));
    }

    #[test]
    fn each_missing_required_column_gets_its_own_message() {
        let errors = map(&headers(&["電話", "備註"]), SPEC).unwrap_err();
        assert_eq!(
            errors,
            [
                Text::new(
                    "缺少必要欄位「客戶編號」",
                    "Missing required column: Customer code"
                ),
                Text::new("缺少必要欄位「客戶名稱」", "Missing required column: Name"),
            ]
        );
    }

    #[test]
    fn a_column_given_twice_is_an_error_naming_both_columns() {
        let errors = map(&headers(&["編號", "名稱", "電話", "手機"]), SPEC).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].zh.contains("「電話」重複出現（C、D 欄）"),
            "{}",
            errors[0].zh
        );
        assert!(errors[0].en.contains("columns C, D"), "{}", errors[0].en);
    }

    #[test]
    fn unknown_columns_are_ignored_but_listed_and_blank_headers_are_not() {
        let map = map(&headers(&["備註", "code", "", "name", " 業務員 "]), SPEC).unwrap();
        assert_eq!(map.ignored, ["備註", "業務員"]);
        assert_eq!(map.column_letter("name"), "D");
    }

    #[test]
    fn cells_are_fetched_by_key_and_absent_optional_columns_read_empty() {
        let map = map(&headers(&["名稱", "code", "手機"]), SPEC).unwrap();
        let r = row(&["王小明", "C001", "0912345678"]);
        assert_eq!(map.get(&r, "name"), "王小明");
        assert_eq!(map.get(&r, "code"), "C001");
        assert_eq!(map.get(&r, "phone"), "0912345678");
        assert_eq!(map.get(&r, "cylinder_size"), "");
        assert_eq!(map.column_letter("phone"), "C");
        assert_eq!(map.column_letter("cylinder_size"), "");
        assert_eq!(map.header("phone"), "手機");
    }

    #[test]
    fn locate_builds_a_bilingual_cell_reference() {
        let map = map(&headers(&["名稱", "code", "手機"]), SPEC).unwrap();
        let text = map.locate(&row(&[]), "phone");
        assert_eq!(
            text,
            Text::new("第 12 列 C 欄「電話」", "Row 12, column C (Phone)")
        );
    }

    #[test]
    fn template_headers_mark_required_columns() {
        assert_eq!(template_header(&SPEC[0]), "客戶編號(必填)");
        assert_eq!(template_header(&SPEC[2]), "電話");
    }

    #[test]
    #[should_panic(expected = "not in the column spec")]
    #[cfg(debug_assertions)]
    fn asking_for_a_key_outside_the_spec_panics_in_debug_builds() {
        let map = map(&headers(&["code", "name"]), SPEC).unwrap();
        let _ = map.get(&row(&["a", "b"]), "adress");
    }
}
