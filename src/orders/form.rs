//! Order input from the desk, the order form, JSON or an import row.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{CylinderSize, TimeWindow, normalize_width},
    error::FieldError,
    i18n::Text,
};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineInput {
    /// "50", "20", "16", "10" or "4"
    pub size: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrderInput {
    pub customer_id: Option<i32>,
    /// Alternative to `customer_id`.
    pub customer_code: Option<String>,
    /// `YYYY-MM-DD`; today when empty.
    pub requested_date: String,
    /// `HH:MM-HH:MM`; the customer's first delivery window when empty.
    pub window: String,
    pub lines: Vec<LineInput>,
    /// Form fields `qty_50` … `qty_4` (the HTML form's way to give lines).
    #[schema(ignore)]
    pub qty_50: String,
    #[schema(ignore)]
    pub qty_20: String,
    #[schema(ignore)]
    pub qty_16: String,
    #[schema(ignore)]
    pub qty_10: String,
    #[schema(ignore)]
    pub qty_4: String,
    /// cash, monthly, transfer; the customer's terms when empty.
    pub payment_method: String,
    pub notes: String,
    /// `phone` (the default, and the only one a client may give): web,
    /// template, forecast and import orders are made by the system.
    pub source: String,
    /// Confirm at once (the desk does).
    pub confirm: Option<bool>,
    /// The desk: `1` to place it although the customer already has an open
    /// order for that date.
    #[schema(ignore)]
    pub again: String,
}

/// Most lines one order may list (there are five sizes; a line may repeat).
pub const MAX_LINES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Phone,
    Web,
    Template,
    Forecast,
    /// From a spreadsheet import.
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Web => "web",
            Self::Template => "template",
            Self::Forecast => "forecast",
            Self::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "phone" => Some(Self::Phone),
            "web" => Some(Self::Web),
            "template" => Some(Self::Template),
            "forecast" => Some(Self::Forecast),
            "import" => Some(Self::Import),
            _ => None,
        }
    }
}

/// Valid order data (prices are looked up when it is saved).
#[derive(Debug, Clone)]
pub struct OrderData {
    pub requested_date: NaiveDate,
    pub window: Option<TimeWindow>,
    /// Positive quantities per size, in `CylinderSize::ALL` order.
    pub lines: Vec<(CylinderSize, i32)>,
    pub payment_method: Option<crate::customers::kinds::PaymentTerms>,
    pub notes: String,
    pub source: Source,
}

pub fn parse_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, Text> {
    let s = normalize_width(raw.trim()).replace('/', "-");
    if s.is_empty() {
        return Ok(today);
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
        Text::new(
            "「配送日期」格式為 YYYY-MM-DD",
            "Delivery date: use YYYY-MM-DD",
        )
    })
}

impl OrderInput {
    /// Parses everything but the customer. `today` is the Taipei date: new
    /// orders cannot be for a past date.
    pub fn parse(&self, today: NaiveDate) -> Result<OrderData, Vec<FieldError>> {
        let mut errors = Vec::new();
        let requested_date = match parse_date(&self.requested_date, today) {
            Ok(d) if d < today => {
                errors.push(FieldError::text(
                    "requested_date",
                    "「配送日期」不能早於今天",
                    "Delivery date cannot be in the past",
                ));
                today
            }
            Ok(d) if d > today + chrono::Duration::days(366) => {
                errors.push(FieldError::text(
                    "requested_date",
                    "「配送日期」不能超過一年後",
                    "Delivery date must be within a year",
                ));
                today
            }
            Ok(d) => d,
            Err(m) => {
                errors.push(FieldError::new("requested_date", m));
                today
            }
        };
        let window = if self.window.trim().is_empty() {
            None
        } else {
            match TimeWindow::parse(&self.window) {
                Ok(w) => Some(w),
                Err(m) => {
                    errors.push(FieldError::new("window", m));
                    None
                }
            }
        };

        let mut qty = [0i64; 5];
        if self.lines.len() > MAX_LINES {
            errors.push(FieldError::text(
                "lines",
                format!("一張訂單最多 {MAX_LINES} 行"),
                format!("An order has at most {MAX_LINES} lines"),
            ));
        }
        for l in self.lines.iter().take(MAX_LINES) {
            match CylinderSize::parse(&l.size) {
                Ok(size) => {
                    let i = CylinderSize::ALL
                        .iter()
                        .position(|s| *s == size)
                        .expect("listed");
                    qty[i] = qty[i].saturating_add(l.quantity);
                    if l.quantity <= 0 {
                        errors.push(FieldError::text(
                            "lines",
                            format!("「數量」必須大於 0（{}）", size.label_zh()),
                            format!("Quantity must be more than 0 ({})", size.label_en()),
                        ));
                    }
                }
                Err(m) => errors.push(FieldError::new("lines", m)),
            }
        }
        for (i, raw) in [
            &self.qty_50,
            &self.qty_20,
            &self.qty_16,
            &self.qty_10,
            &self.qty_4,
        ]
        .into_iter()
        .enumerate()
        {
            let s = normalize_width(raw.trim());
            if s.is_empty() {
                continue;
            }
            let size = CylinderSize::ALL[i];
            match s.parse::<i64>() {
                Ok(n) if n >= 0 => qty[i] = qty[i].saturating_add(n),
                _ => errors.push(FieldError::text(
                    &format!("qty_{}", size.code()),
                    format!("「{} 數量」請輸入 0 以上的整數", size.label_zh()),
                    format!(
                        "{} quantity: enter a whole number of 0 or more",
                        size.label_en()
                    ),
                )),
            }
        }
        if qty.iter().any(|q| *q > 200) {
            errors.push(FieldError::text(
                "lines",
                "單一規格最多 200 桶",
                "At most 200 cylinders of one size",
            ));
        }
        let lines: Vec<(CylinderSize, i32)> = CylinderSize::ALL
            .iter()
            .zip(qty)
            .filter(|(_, q)| *q > 0)
            .map(|(s, q)| (*s, q.min(200) as i32))
            .collect();
        if lines.is_empty() && errors.iter().all(|e| e.field != "lines") {
            errors.push(FieldError::text(
                "lines",
                "請至少訂購一桶瓦斯",
                "Order at least one cylinder",
            ));
        }
        let payment_method = if self.payment_method.trim().is_empty() {
            None
        } else {
            match crate::customers::kinds::PaymentTerms::parse(&self.payment_method) {
                Ok(p) => Some(p),
                Err(m) => {
                    errors.push(FieldError::new("payment_method", m));
                    None
                }
            }
        };
        let source = match Source::parse(&self.source) {
            Some(Source::Phone) => Source::Phone,
            _ => {
                errors.push(FieldError::text(
                    "source",
                    "「來源」只能是電話訂購（phone）；其他來源由系統設定",
                    "Source can only be phone; the system sets the others",
                ));
                Source::Phone
            }
        };
        errors.extend(FieldError::note_too_long("notes", &self.notes));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(OrderData {
            requested_date,
            window,
            lines,
            payment_method,
            notes: self.notes.trim().to_owned(),
            source,
        })
    }
}
