//! Demo customers and orders: about 200 Taoyuan customers across real
//! districts, 90 days of delivered history, and today's and tomorrow's
//! orders (about 120 a day). Deterministic, so every demo looks the same.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::ConnectionTrait;

use crate::{
    clock::taipei,
    customers::{
        form::CustomerData,
        kinds::{CustomerKind, PaymentTerms},
        queries as customers,
    },
    domain::{CylinderSize, LatLon, Phone, TimeWindows},
    error::AppError,
    orders::{
        form::{OrderData, Source},
        queries as orders,
        status::Action,
    },
    prices,
};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// District, centre (lat, lon), roads, landline prefix.
const DISTRICTS: &[(&str, f64, f64, &[&str])] = &[
    (
        "中壢區",
        24.9536,
        121.2252,
        &[
            "中正路",
            "中山路",
            "環中東路",
            "元化路",
            "延平路",
            "中華路",
            "新生路",
        ],
    ),
    (
        "桃園區",
        24.9937,
        121.3010,
        &[
            "中正路",
            "復興路",
            "經國路",
            "民生路",
            "成功路",
            "大興西路",
            "中山路",
        ],
    ),
    (
        "八德區",
        24.9286,
        121.2846,
        &["介壽路", "興豐路", "建國路", "和平路", "東勇街"],
    ),
    (
        "平鎮區",
        24.9457,
        121.2181,
        &["環南路", "中豐路", "延平路", "育達路", "金陵路"],
    ),
    (
        "蘆竹區",
        25.0455,
        121.2917,
        &["南崁路", "中正路", "長興路", "五福路", "光明路"],
    ),
    (
        "龜山區",
        24.9925,
        121.3380,
        &["萬壽路", "文化一路", "復興一路", "自強西路", "中興路"],
    ),
    (
        "大園區",
        25.0640,
        121.1960,
        &["中正東路", "大觀路", "中山北路", "民生路"],
    ),
    (
        "大溪區",
        24.8800,
        121.2870,
        &["康莊路", "員林路", "介壽路", "仁和路"],
    ),
];

const SURNAMES: &[&str] = &[
    "陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭", "謝", "郭", "洪", "曾",
    "邱", "廖", "賴", "周",
];
const GIVEN: &[&str] = &[
    "淑芬", "志明", "美玲", "建華", "雅婷", "俊傑", "秀英", "家豪", "麗華", "文雄", "怡君", "宗翰",
    "玉蘭", "明德", "佳蓉", "國強",
];
const SHOPS: &[&str] = &[
    "小吃店",
    "麵店",
    "自助餐",
    "火鍋店",
    "早餐店",
    "熱炒",
    "便當店",
    "牛肉麵",
];
const FIRMS: &[&str] = &["企業社", "商行", "實業", "餐飲有限公司"];
const SCHOOLS: &[&str] = &["國小", "國中", "幼兒園"];
const FACTORIES: &[&str] = &["工業", "食品廠", "金屬加工廠"];

/// List prices in force for the whole demo period, NT$.
const PRICES: [(CylinderSize, i64); 5] = [
    (CylinderSize::Kg50, 2650),
    (CylinderSize::Kg20, 1050),
    (CylinderSize::Kg16, 850),
    (CylinderSize::Kg10, 560),
    (CylinderSize::Kg4, 260),
];

struct Profile {
    kind: CustomerKind,
    /// Days between orders (min, max).
    interval: (i64, i64),
}

fn profile(r: &mut Rng) -> Profile {
    let x = r.below(100);
    let (kind, interval) = match x {
        0..=69 => (CustomerKind::Household, (24, 40)),
        70..=84 => (CustomerKind::Restaurant, (4, 9)),
        85..=91 => (CustomerKind::Business, (12, 20)),
        92..=95 => (CustomerKind::School, (9, 14)),
        _ => (CustomerKind::Factory, (6, 10)),
    };
    Profile { kind, interval }
}

fn usual_lines(kind: CustomerKind, r: &mut Rng) -> Vec<(CylinderSize, i32)> {
    match kind {
        CustomerKind::Household => match r.below(10) {
            0..=5 => vec![(CylinderSize::Kg20, 1)],
            6..=7 => vec![(CylinderSize::Kg16, 1)],
            8 => vec![(CylinderSize::Kg20, 2)],
            _ => vec![(CylinderSize::Kg10, 1), (CylinderSize::Kg4, 1)],
        },
        CustomerKind::Restaurant => match r.below(3) {
            0 => vec![(CylinderSize::Kg50, 2 + r.below(3) as i32)],
            1 => vec![(CylinderSize::Kg20, 3 + r.below(4) as i32)],
            _ => vec![(CylinderSize::Kg50, 1), (CylinderSize::Kg20, 2)],
        },
        CustomerKind::Business => vec![(CylinderSize::Kg20, 2 + r.below(3) as i32)],
        CustomerKind::School => vec![(CylinderSize::Kg50, 3 + r.below(4) as i32)],
        CustomerKind::Factory => vec![(CylinderSize::Kg50, 4 + r.below(5) as i32)],
    }
}

fn name_for(kind: CustomerKind, r: &mut Rng, district: &str) -> (String, String) {
    let person = format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN));
    let place = district.trim_end_matches('區');
    let name = match kind {
        CustomerKind::Household => person.clone(),
        CustomerKind::Restaurant => format!("{}家{}", r.pick(SURNAMES), r.pick(SHOPS)),
        CustomerKind::Business => format!("{place}{}{}", r.pick(SURNAMES), r.pick(FIRMS)),
        CustomerKind::School => format!(
            "{place}{}{}",
            ["中興", "光明", "仁愛", "信義", "和平", "自強"][r.below(6)],
            r.pick(SCHOOLS)
        ),
        CustomerKind::Factory => format!(
            "{}{}",
            ["永豐", "大成", "宏達", "正新", "聯華", "東元"][r.below(6)],
            r.pick(FACTORIES)
        ),
    };
    (name, person)
}

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    taipei()
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).expect("valid time"))
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

/// Seeds customers and orders inside the demo's transaction.
pub async fn seed(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    let today = now.with_timezone(&taipei()).date_naive();
    for (size, price) in PRICES {
        prices::set_list_price(txn, size, price, today - Duration::days(365), now).await?;
    }
    let mut r = Rng(0x5EED_1A7E_D00D_F00D);
    let mut made = Vec::new();
    for i in 0..200 {
        let (district, lat0, lon0, roads) = DISTRICTS[if i < 60 {
            i % 2
        } else {
            r.below(DISTRICTS.len())
        }];
        let p = profile(&mut r);
        let (name, contact) = name_for(p.kind, &mut r, district);
        let road = r.pick(roads);
        let number = 1 + r.below(480);
        let floor = if p.kind == CustomerKind::Household {
            Some(1 + r.below(12) as i32)
        } else {
            Some(1)
        };
        let address = match floor {
            Some(f) if f > 1 => format!("桃園市{district}{road}{number}號{f}樓"),
            _ => format!("桃園市{district}{road}{number}號"),
        };
        let mobile = format!(
            "09{:02}{:06}",
            10 + r.below(89),
            100_000 + i * 4513 % 899_999
        );
        let mut phones = vec![
            Phone::parse(&mobile).map_err(|e| AppError::Internal(anyhow::anyhow!("{}", e.en)))?,
        ];
        if p.kind != CustomerKind::Household {
            let land = format!("03{}{:06}", 3 + r.below(2), 200_000 + i * 3917 % 799_999);
            if let Ok(l) = Phone::parse(&land) {
                phones.push(l);
            }
        }
        let windows = match (p.kind, r.below(4)) {
            (CustomerKind::Restaurant, 0 | 1) => "08:00-10:30",
            (CustomerKind::Restaurant, _) => "14:00-16:30",
            (CustomerKind::School, _) => "07:30-11:00",
            (CustomerKind::Household, 0) => "09:00-12:00",
            (CustomerKind::Household, 1) => "13:00-17:00",
            (CustomerKind::Household, 2) => "18:00-20:00",
            _ => "",
        };
        let lines = usual_lines(p.kind, &mut r);
        let mut cylinders = [0i32; 5];
        for (size, q) in &lines {
            let idx = CylinderSize::ALL
                .iter()
                .position(|s| s == size)
                .expect("listed");
            // Customers hold one set in use plus one spare per cylinder ordered.
            cylinders[idx] += q * 2;
        }
        let location = LatLon::new(
            lat0 + (r.unit() - 0.5) * 0.03,
            lon0 + (r.unit() - 0.5) * 0.03,
        )
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{}", e.en)))?;
        let data = CustomerData {
            code: None,
            name,
            kind: p.kind,
            contact_person: contact,
            phones,
            address,
            district: district.to_owned(),
            location: Some(location),
            windows: TimeWindows::parse(windows).unwrap_or_default(),
            service_minutes: if p.kind == CustomerKind::Household {
                5
            } else {
                10
            },
            floor,
            access_note: if floor.is_some_and(|f| f > 4) && r.below(3) == 0 {
                "無電梯".into()
            } else {
                String::new()
            },
            cylinders,
            deposit: i64::from(cylinders.iter().sum::<i32>()) * 1500,
            payment_terms: if p.kind == CustomerKind::Household {
                PaymentTerms::Cash
            } else {
                PaymentTerms::Monthly
            },
            tax_id: None,
            invoice_title: String::new(),
            sms_opt_out: r.below(20) == 0,
            notes: String::new(),
        };
        let c = customers::insert(txn, None, &data, now - Duration::days(120)).await?;
        made.push((c, p, lines));
    }

    let mut order_count = 0;
    // History: delivered (a few cancelled) orders over the last 90 days.
    for (c, p, lines) in &made {
        let mut day =
            today - Duration::days(90) + Duration::days(r.below(p.interval.1 as usize) as i64);
        while day < today {
            let data = OrderData {
                requested_date: day,
                window: None,
                lines: lines.clone(),
                payment_method: None,
                notes: String::new(),
                source: Source::Phone,
            };
            let placed = at(day - Duration::days(1), 10);
            let o = orders::insert(txn, None, c, &data, true, None, placed).await?;
            let steps: &[Action] = if r.below(25) == 0 {
                &[Action::Cancel]
            } else {
                &[Action::Plan, Action::Depart, Action::Deliver]
            };
            for (k, a) in steps.iter().enumerate() {
                orders::transition_in(txn, None, o.order.id, *a, "", at(day, 8 + k as u32 * 2))
                    .await?;
            }
            // Cash is collected at the door; monthly accounts have paid up
            // to last month.
            let paid = steps.last() == Some(&Action::Deliver)
                && (c.payment_terms == "cash" || day.month() != today.month());
            if paid {
                orders::mark_paid(txn, o.order.id, at(day, 14)).await?;
            }
            order_count += 1;
            let span = p.interval.1 - p.interval.0 + 1;
            day += Duration::days(p.interval.0 + r.below(span as usize) as i64);
        }
    }
    // Today's and tomorrow's work: about 120 orders a day.
    for (offset, confirmed) in [(0, true), (1, false)] {
        let date = today + Duration::days(offset);
        let mut picked = 0;
        for (c, _, lines) in &made {
            if picked >= 120 || r.below(200) >= 125 {
                continue;
            }
            let data = OrderData {
                requested_date: date,
                window: None,
                lines: lines.clone(),
                payment_method: None,
                notes: String::new(),
                source: Source::Phone,
            };
            orders::insert(
                txn,
                None,
                c,
                &data,
                confirmed || r.below(3) > 0,
                None,
                now - Duration::hours(2),
            )
            .await?;
            picked += 1;
            order_count += 1;
        }
    }
    Ok((made.len(), order_count))
}
