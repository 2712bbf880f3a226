//! What a driver's app sends: the actions of the day, each with the
//! phone's time and position when it has them, and the checks every one of
//! them passes before anything is written.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::CylinderSize,
    error::{AppError, FieldError},
    i18n::Text,
};

/// Cylinders per size code (`"50"`, `"20"`, `"16"`, `"10"`, `"4"`).
pub type Counts = BTreeMap<String, i32>;

/// Most cylinders of one size one action may name.
const MAX_COUNT: i32 = 999;
/// Most NT$ one stop may take.
const MAX_CASH: i64 = 10_000_000;

/// Counts in `CylinderSize::ALL` order, or field errors under `field.size`.
pub fn counts_array(field: &str, c: &Counts, errors: &mut Vec<FieldError>) -> [i32; 5] {
    let mut out = [0; 5];
    for (code, n) in c {
        let Some(i) = CylinderSize::from_code(code).map(CylinderSize::index) else {
            errors.push(FieldError::new(
                format!("{field}.{code}"),
                Text::new(
                    format!("沒有「{code}」這種瓶子（可用 50、20、16、10、4）"),
                    format!("No cylinder size \"{code}\" (use 50, 20, 16, 10, 4)"),
                ),
            ));
            continue;
        };
        if !(0..=MAX_COUNT).contains(n) {
            errors.push(FieldError::new(
                format!("{field}.{code}"),
                Text::new(
                    format!("{code}kg 的數量須在 0 到 {MAX_COUNT} 之間"),
                    format!("The {code} kg count must be 0 to {MAX_COUNT}"),
                ),
            ));
            continue;
        }
        out[i] = *n;
    }
    out
}

pub fn counts_json(a: [i32; 5]) -> String {
    let m: BTreeMap<&str, i32> = CylinderSize::ALL
        .iter()
        .zip(a)
        .filter(|(_, n)| *n != 0)
        .map(|(s, n)| (s.code(), n))
        .collect();
    serde_json::to_string(&m).unwrap_or_default()
}

pub fn counts_from_json(s: &str) -> [i32; 5] {
    let m: Counts = serde_json::from_str(s).unwrap_or_default();
    let mut ignored = Vec::new();
    counts_array("", &m, &mut ignored)
}

/// When and where the phone was when the driver acted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = DriverStamp)]
pub struct Stamp {
    /// The phone's clock; kept as given, never used to order events.
    pub device_at: Option<DateTime<Utc>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Metres, as the phone reports it.
    pub accuracy: Option<f64>,
}

impl Stamp {
    fn check(&self, errors: &mut Vec<FieldError>) {
        let bad = |v: Option<f64>, lo: f64, hi: f64| {
            v.is_some_and(|x| !x.is_finite() || x < lo || x > hi)
        };
        if bad(self.lat, -90.0, 90.0)
            || bad(self.lon, -180.0, 180.0)
            || self.lat.is_some() != self.lon.is_some()
        {
            errors.push(FieldError::new(
                "lat",
                Text::new(
                    "位置須同時有緯度與經度且在有效範圍內",
                    "A position needs a valid latitude and longitude",
                ),
            ));
        }
        if bad(self.accuracy, 0.0, 1e7) {
            errors.push(FieldError::new(
                "accuracy",
                Text::new(
                    "精確度須為 0 以上的公尺數",
                    "Accuracy must be metres, 0 or more",
                ),
            ));
        }
    }

    /// A position good enough to judge distance: inside Taiwan and its
    /// islands, and accurate to 1 km.
    pub fn usable_point(&self) -> Option<(f64, f64)> {
        let (lat, lon) = (self.lat?, self.lon?);
        let in_taiwan = (21.8..=26.5).contains(&lat) && (118.0..=122.2).contains(&lon);
        let accurate = self.accuracy.is_none_or(|a| a <= 1000.0);
        (in_taiwan && accurate).then_some((lat, lon))
    }
}

/// Why a delivery failed.
pub const FAIL_REASONS: [(&str, &str, &str); 5] = [
    ("not_home", "不在家", "Nobody home"),
    ("wrong_address", "地址錯誤", "Wrong address"),
    ("refused", "拒收", "Refused"),
    ("safety", "安全疑慮", "Safety concern"),
    ("other", "其他", "Other"),
];

/// Recorded for stops still open when the route ends.
pub const NOT_VISITED: &str = "not_visited";

pub fn reason_label(code: &str, locale: crate::i18n::Locale) -> &'static str {
    let (zh, en) = FAIL_REASONS.iter().find(|(c, _, _)| *c == code).map_or(
        if code == NOT_VISITED {
            ("收車時未送", "Not visited")
        } else {
            ("其他", "Other")
        },
        |(_, zh, en)| (*zh, *en),
    );
    match locale {
        crate::i18n::Locale::ZhTw => zh,
        crate::i18n::Locale::En => en,
    }
}

/// One thing a driver did, as queued on the phone.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = DriverAction)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Start a route, with the full cylinders counted onto the truck.
    Start {
        route_id: i32,
        #[serde(default)]
        loaded: Counts,
        #[serde(default, flatten)]
        at: Stamp,
    },
    /// At a stop.
    Arrive {
        route_id: i32,
        order_id: i32,
        #[serde(default, flatten)]
        at: Stamp,
    },
    /// Delivered: cylinders per size, empties taken back, money received.
    Deliver {
        route_id: i32,
        order_id: i32,
        #[serde(default)]
        delivered: Counts,
        #[serde(default)]
        empties: Counts,
        /// NT$ received at the door (0 for a monthly account).
        #[serde(default)]
        cash: i64,
        /// `cash`, `transfer`, `monthly` or `cheque`; default: the order's.
        #[serde(default)]
        payment_method: Option<String>,
        /// Keys of attachments uploaded first (`/api/v1/driver/attachments`).
        #[serde(default)]
        photo_key: Option<String>,
        #[serde(default)]
        signature_key: Option<String>,
        #[serde(default)]
        note: String,
        #[serde(default, flatten)]
        at: Stamp,
    },
    /// Could not deliver.
    Fail {
        route_id: i32,
        order_id: i32,
        /// `not_home`, `wrong_address`, `refused`, `safety`, `other`.
        reason: String,
        #[serde(default)]
        note: String,
        #[serde(default, flatten)]
        at: Stamp,
    },
    /// End the route: what comes back to the depot.
    End {
        route_id: i32,
        /// Full cylinders coming back, counted.
        #[serde(default)]
        returned: Counts,
        /// NT$ the driver hands in.
        #[serde(default)]
        cash_handed_in: i64,
        #[serde(default, flatten)]
        at: Stamp,
    },
    /// Where the phone is.
    Position {
        #[serde(flatten)]
        at: Stamp,
    },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Arrive { .. } => "arrive",
            Self::Deliver { .. } => "deliver",
            Self::Fail { .. } => "fail",
            Self::End { .. } => "end",
            Self::Position { .. } => "position",
        }
    }

    pub fn stamp(&self) -> &Stamp {
        match self {
            Self::Start { at, .. }
            | Self::Arrive { at, .. }
            | Self::Deliver { at, .. }
            | Self::Fail { at, .. }
            | Self::End { at, .. }
            | Self::Position { at } => at,
        }
    }

    /// The checks that need no database; field errors name the field.
    pub fn check(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        self.stamp().check(&mut errors);
        match self {
            Self::Start { loaded, .. } => {
                counts_array("loaded", loaded, &mut errors);
            }
            Self::Deliver {
                delivered,
                empties,
                cash,
                payment_method,
                note,
                ..
            } => {
                counts_array("delivered", delivered, &mut errors);
                counts_array("empties", empties, &mut errors);
                if !(0..=MAX_CASH).contains(cash) {
                    errors.push(FieldError::new(
                        "cash",
                        Text::new(
                            "收款金額須在 0 到 10,000,000 元之間",
                            "Cash must be NT$0 to 10,000,000",
                        ),
                    ));
                }
                if let Some(m) = payment_method
                    && !crate::orders::payments::METHODS.contains(&m.as_str())
                {
                    errors.push(FieldError::new(
                        "payment_method",
                        Text::new(
                            "付款方式須為 cash、transfer、monthly 或 cheque",
                            "Payment method must be cash, transfer, monthly or cheque",
                        ),
                    ));
                }
                check_note(note, &mut errors);
            }
            Self::Fail { reason, note, .. } => {
                if !FAIL_REASONS.iter().any(|(c, _, _)| c == reason) {
                    errors.push(FieldError::new(
                        "reason",
                        Text::new(
                            "請選擇原因：不在家、地址錯誤、拒收、安全疑慮或其他",
                            "Choose a reason: not_home, wrong_address, refused, safety or other",
                        ),
                    ));
                } else if reason == "other" && note.trim().is_empty() {
                    errors.push(FieldError::new(
                        "note",
                        Text::new("選「其他」時請寫下原因", "Say why when the reason is other"),
                    ));
                }
                check_note(note, &mut errors);
            }
            Self::End {
                returned,
                cash_handed_in,
                ..
            } => {
                counts_array("returned", returned, &mut errors);
                if !(0..=MAX_CASH).contains(cash_handed_in) {
                    errors.push(FieldError::new(
                        "cash_handed_in",
                        Text::new(
                            "繳回金額須在 0 到 10,000,000 元之間",
                            "Cash must be NT$0 to 10,000,000",
                        ),
                    ));
                }
            }
            Self::Position { at } => {
                if at.lat.is_none() {
                    errors.push(FieldError::new(
                        "lat",
                        Text::new(
                            "位置須有緯度與經度",
                            "A position needs a latitude and longitude",
                        ),
                    ));
                }
            }
            Self::Arrive { .. } => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

fn check_note(note: &str, errors: &mut Vec<FieldError>) {
    errors.extend(FieldError::note_too_long("note", note));
}

/// An action with its client-made idempotency key.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = QueuedAction)]
pub struct Keyed {
    /// Made on the phone when the action was recorded (a UUID, say):
    /// 8–80 letters, digits, `-`, `_`, `:` or `.`.
    pub key: String,
    #[serde(flatten)]
    pub action: Action,
}

/// Checks an idempotency key's form.
pub fn check_key(field: &str, key: &str) -> Result<(), AppError> {
    let ok = (8..=80).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            Text::new(
                "識別碼須為 8 到 80 個英數字或 - _ : .",
                "The key must be 8 to 80 letters, digits or - _ : .",
            ),
        ))
    }
}
