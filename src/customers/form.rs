//! Customer input, from an HTML form, JSON or an import row, parsed into
//! valid data with every field error at once.

use serde::{Deserialize, Deserializer};

use super::kinds::{CustomerKind, PaymentTerms};
use crate::{
    domain::{CylinderSize, LatLon, Money, Phone, TaxId, TimeWindows, address},
    error::FieldError,
    i18n::Text,
};

/// Most phones one customer may have.
pub const MAX_PHONES: usize = 10;

/// Raw input: everything as text (numbers may also come as JSON numbers).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CustomerInput {
    /// 客戶編號; empty for the next `C{NNNNN}`.
    #[serde(deserialize_with = "text")]
    pub code: String,
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// household, restaurant, business, school, factory (or the zh-TW label)
    #[serde(deserialize_with = "text")]
    pub kind: String,
    #[serde(deserialize_with = "text")]
    pub contact_person: String,
    /// One to ten phones; the first is the primary. A string may list
    /// several separated by commas or new lines.
    #[serde(deserialize_with = "phones")]
    #[schema(value_type = Vec<String>)]
    pub phones: Vec<String>,
    #[serde(deserialize_with = "text")]
    pub address: String,
    /// Taken from the address when empty.
    #[serde(deserialize_with = "text")]
    pub district: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<f64>)]
    pub lat: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<f64>)]
    pub lon: String,
    /// `08:00-12:00, 14:00-17:00`; empty for any time.
    #[serde(deserialize_with = "text")]
    pub delivery_windows: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub service_minutes: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub floor: String,
    #[serde(deserialize_with = "text")]
    pub access_note: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub cylinders_50: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub cylinders_20: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub cylinders_16: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub cylinders_10: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub cylinders_4: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i64>)]
    pub deposit: String,
    /// cash, monthly, transfer (or the zh-TW label)
    #[serde(deserialize_with = "text")]
    pub payment_terms: String,
    #[serde(deserialize_with = "text")]
    pub tax_id: String,
    #[serde(deserialize_with = "text")]
    pub invoice_title: String,
    #[serde(deserialize_with = "flag")]
    #[schema(value_type = bool)]
    pub sms_opt_out: bool,
    #[serde(deserialize_with = "text")]
    pub notes: String,
    /// The version last read (edits only).
    #[serde(deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    S(String),
    I(i64),
    F(f64),
    B(bool),
    L(Vec<Loose>),
    N(()),
}

impl Loose {
    fn into_text(self) -> String {
        match self {
            Loose::S(s) => s,
            Loose::I(i) => i.to_string(),
            Loose::F(f) => f.to_string(),
            Loose::B(b) => b.to_string(),
            Loose::L(v) => v
                .into_iter()
                .map(Loose::into_text)
                .collect::<Vec<_>>()
                .join(","),
            Loose::N(()) => String::new(),
        }
    }
}

pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<Loose>::deserialize(d)?
        .map(Loose::into_text)
        .unwrap_or_default())
}

fn phones<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let raw = Option::<Loose>::deserialize(d)?
        .map(Loose::into_text)
        .unwrap_or_default();
    Ok(split_phones(&raw))
}

pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let raw = Option::<Loose>::deserialize(d)?
        .map(Loose::into_text)
        .unwrap_or_default();
    Ok(matches!(
        raw.trim(),
        "true" | "on" | "1" | "yes" | "是" | "Y" | "y"
    ))
}

/// Splits a list of phones typed into one box.
pub fn split_phones(raw: &str) -> Vec<String> {
    raw.split([',', '，', ';', '；', '\n', '、', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Valid customer data.
#[derive(Debug, Clone)]
pub struct CustomerData {
    pub code: Option<String>,
    pub name: String,
    pub kind: CustomerKind,
    pub contact_person: String,
    pub phones: Vec<Phone>,
    pub address: String,
    pub district: String,
    pub location: Option<LatLon>,
    pub windows: TimeWindows,
    pub service_minutes: i32,
    pub floor: Option<i32>,
    pub access_note: String,
    /// Counts in `CylinderSize::ALL` order (50, 20, 16, 10, 4 kg).
    pub cylinders: [i32; 5],
    pub deposit: i64,
    pub payment_terms: PaymentTerms,
    pub tax_id: Option<TaxId>,
    pub invoice_title: String,
    pub sms_opt_out: bool,
    pub notes: String,
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &str, message: Text) {
        self.0.push(FieldError::new(field, message));
    }

    fn take<T>(&mut self, field: &str, r: Result<T, Text>) -> Option<T> {
        r.map_err(|m| self.add(field, m)).ok()
    }
}

fn int_in(
    raw: &str,
    default: i32,
    range: std::ops::RangeInclusive<i32>,
    zh: &str,
    en: &str,
) -> Result<i32, Text> {
    let s = crate::domain::normalize_width(raw.trim());
    if s.is_empty() {
        return Ok(default);
    }
    s.parse::<i32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            Text::new(
                format!("「{zh}」請輸入 {} 到 {} 的整數", range.start(), range.end()),
                format!(
                    "{en}: enter a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn max_len(field_zh: &str, field_en: &str, s: &str, max: usize) -> Result<String, Text> {
    let s = s.trim();
    if s.chars().count() > max {
        Err(Text::new(
            format!("「{field_zh}」最多 {max} 個字"),
            format!("{field_en}: at most {max} characters"),
        ))
    } else {
        Ok(s.to_owned())
    }
}

impl CustomerInput {
    pub fn parse(&self) -> Result<CustomerData, Vec<FieldError>> {
        let mut e = Errors(Vec::new());
        let code = {
            let c = crate::domain::normalize_width(self.code.trim()).to_uppercase();
            if c.is_empty() {
                None
            } else if c.len() > 20
                || !c
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                e.add(
                    "code",
                    Text::new(
                        "「客戶編號」只能使用英文字母、數字、- 或 _（最多 20 字）",
                        "Code: letters, digits, - or _ only (at most 20)",
                    ),
                );
                None
            } else {
                Some(c)
            }
        };
        let name = self.name.trim();
        if name.is_empty() {
            e.add("name", Text::new("請填寫「客戶名稱」", "Name is required"));
        }
        let name = e
            .take("name", max_len("客戶名稱", "Name", name, 60))
            .unwrap_or_default();
        let kind = e.take(
            "kind",
            CustomerKind::parse(if self.kind.trim().is_empty() {
                "household"
            } else {
                &self.kind
            }),
        );
        let contact_person = e
            .take(
                "contact_person",
                max_len("聯絡人", "Contact", &self.contact_person, 40),
            )
            .unwrap_or_default();

        let mut phones = Vec::new();
        if self.phones.is_empty() {
            e.add(
                "phones",
                Text::new("請至少填寫一支「電話」", "At least one phone is required"),
            );
        }
        if self.phones.len() > MAX_PHONES {
            e.add(
                "phones",
                Text::new(
                    format!("「電話」最多 {MAX_PHONES} 支"),
                    format!("At most {MAX_PHONES} phones"),
                ),
            );
        }
        for raw in self.phones.iter().take(MAX_PHONES) {
            if let Some(p) = e.take("phones", Phone::parse(raw)) {
                if phones.contains(&p) {
                    e.add(
                        "phones",
                        Text::new(
                            format!("「電話」{} 重複輸入", p.display()),
                            format!("Phone {} is listed twice", p.display()),
                        ),
                    );
                } else {
                    phones.push(p);
                }
            }
        }

        let address = self.address.trim().to_owned();
        if address.is_empty() {
            e.add(
                "address",
                Text::new("請填寫「地址」", "Address is required"),
            );
        }
        let address = e
            .take("address", max_len("地址", "Address", &address, 200))
            .unwrap_or_default();
        let district = if self.district.trim().is_empty() {
            address::district_of(&address).unwrap_or_default()
        } else {
            self.district.trim().to_owned()
        };

        let location = match (self.lat.trim(), self.lon.trim()) {
            ("", "") => None,
            (lat, lon) => {
                let parsed = match (lat.parse::<f64>(), lon.parse::<f64>()) {
                    (Ok(a), Ok(b)) => LatLon::new(a, b),
                    _ => Err(Text::new(
                        "「座標」請同時填寫緯度與經度（數字）",
                        "Location: enter both latitude and longitude as numbers",
                    )),
                };
                e.take("lat", parsed)
            }
        };
        let windows = e
            .take(
                "delivery_windows",
                TimeWindows::parse(&self.delivery_windows),
            )
            .unwrap_or_default();
        let service_minutes = e
            .take(
                "service_minutes",
                int_in(
                    &self.service_minutes,
                    5,
                    0..=120,
                    "服務時間（分鐘）",
                    "Service minutes",
                ),
            )
            .unwrap_or(5);
        let floor = if self.floor.trim().is_empty() {
            None
        } else {
            e.take("floor", int_in(&self.floor, 1, -5..=100, "樓層", "Floor"))
        };
        let access_note = e
            .take(
                "access_note",
                max_len("電梯／樓梯說明", "Lift/stairs note", &self.access_note, 100),
            )
            .unwrap_or_default();

        let mut cylinders = [0i32; 5];
        for (i, size) in CylinderSize::ALL.iter().enumerate() {
            let raw = match size {
                CylinderSize::Kg50 => &self.cylinders_50,
                CylinderSize::Kg20 => &self.cylinders_20,
                CylinderSize::Kg16 => &self.cylinders_16,
                CylinderSize::Kg10 => &self.cylinders_10,
                CylinderSize::Kg4 => &self.cylinders_4,
            };
            let zh = format!("{} 鋼瓶數", size.label_zh());
            let en = format!("{} cylinders", size.label_en());
            cylinders[i] = e
                .take(
                    &format!("cylinders_{}", size.code()),
                    int_in(raw, 0, 0..=999, &zh, &en),
                )
                .unwrap_or(0);
        }
        let deposit = if self.deposit.trim().is_empty() {
            0
        } else {
            e.take(
                "deposit",
                Money::parse_non_negative(&self.deposit)
                    .map(Money::amount)
                    .map_err(|_| {
                        Text::new(
                            "「押金」請輸入 0 以上的整數金額",
                            "Deposit: enter a whole amount of 0 or more",
                        )
                    }),
            )
            .unwrap_or(0)
        };
        let payment_terms = e.take(
            "payment_terms",
            PaymentTerms::parse(if self.payment_terms.trim().is_empty() {
                "cash"
            } else {
                &self.payment_terms
            }),
        );
        let tax_id = if self.tax_id.trim().is_empty() {
            None
        } else {
            e.take("tax_id", TaxId::parse(&self.tax_id))
        };
        let invoice_title = e
            .take(
                "invoice_title",
                max_len("發票抬頭", "Invoice title", &self.invoice_title, 100),
            )
            .unwrap_or_default();
        let notes = e
            .take("notes", max_len("備註", "Notes", &self.notes, 2000))
            .unwrap_or_default();

        if !e.0.is_empty() {
            return Err(e.0);
        }
        Ok(CustomerData {
            code,
            name,
            kind: kind.expect("checked"),
            contact_person,
            phones,
            address,
            district,
            location,
            windows,
            service_minutes,
            floor,
            access_note,
            cylinders,
            deposit,
            payment_terms: payment_terms.expect("checked"),
            tax_id,
            invoice_title,
            sms_opt_out: self.sms_opt_out,
            notes,
        })
    }

    /// The version an edit was based on.
    pub fn version(&self) -> Result<i32, Vec<FieldError>> {
        self.version.trim().parse().map_err(|_| {
            vec![FieldError::new(
                "version",
                Text::new(
                    "缺少版本資訊，請重新整理頁面",
                    "Missing version; reload the page",
                ),
            )]
        })
    }
}
