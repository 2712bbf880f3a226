//! Whole New Taiwan dollar amounts (no floats, no cents).

use std::fmt;
use std::iter::Sum;

use serde::{Deserialize, Serialize};

use super::normalize_width;
use crate::i18n::Text;

/// An amount in whole NT$. May be negative (refunds, adjustments); use
/// [`Money::parse_non_negative`] for prices.
///
/// Display: `NT$1,200`, negative amounts as `-NT$50`.
/// Serde: a plain integer (`1200`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

fn format_error() -> Text {
    Text::new(
        "「金額」格式不正確，請輸入整數金額，例如 1,200",
        "Amount: enter a whole NT$ amount, e.g. 1,200",
    )
}

impl Money {
    pub const ZERO: Self = Self(0);

    pub const fn new(ntd: i64) -> Self {
        Self(ntd)
    }

    /// The amount in whole NT$.
    pub const fn amount(self) -> i64 {
        self.0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parses "1200", "1,200", "NT$1,200", "NTD 1200", "$1200", " 1200 元",
    /// "1200元整", "1200.00", full-width digits, and a leading minus
    /// ("-50", "-NT$50", "NT$-50"). Fractions other than zeros are rejected.
    pub fn parse(input: &str) -> Result<Self, Text> {
        let s = normalize_width(input);
        let mut rest = s.trim();
        let mut negative = false;
        if let Some(r) = rest.strip_prefix('-') {
            negative = true;
            rest = r.trim_start();
        }
        rest = strip_prefix_ci(rest, &["nt$", "ntd", "nt", "$"]).trim_start();
        if !negative && let Some(r) = rest.strip_prefix('-') {
            negative = true;
            rest = r.trim_start();
        }
        for suffix in ["元整", "元"] {
            if let Some(r) = rest.strip_suffix(suffix) {
                rest = r;
                break;
            }
        }
        let rest = rest.trim_end();
        let rest = match rest
            .len()
            .checked_sub(3)
            .and_then(|i| rest.split_at_checked(i))
        {
            Some((head, tail)) if tail.eq_ignore_ascii_case("ntd") => head.trim_end(),
            _ => rest,
        };

        let (int_part, fraction) = match rest.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        if let Some(f) = fraction {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format_error());
            }
            if f.bytes().any(|b| b != b'0') {
                return Err(Text::new(
                    "「金額」只能是整數元，不可有小數",
                    "Amount: whole NT dollars only, no decimals",
                ));
            }
        }
        let digits = ungroup(int_part).ok_or_else(format_error)?;
        let value: i64 = digits
            .parse()
            .map_err(|_| Text::new("「金額」數字過大", "Amount: the number is too large"))?;
        Ok(Self(if negative { -value } else { value }))
    }

    /// Like [`Money::parse`] but rejects negative amounts (prices, payments).
    pub fn parse_non_negative(input: &str) -> Result<Self, Text> {
        let money = Self::parse(input)?;
        if money.is_negative() {
            return Err(Text::new(
                "「金額」不可為負數",
                "Amount: must not be negative",
            ));
        }
        Ok(money)
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.0.checked_sub(other.0).map(Self)
    }

    /// Unit price × quantity.
    pub fn checked_mul(self, quantity: u32) -> Option<Self> {
        self.0.checked_mul(i64::from(quantity)).map(Self)
    }
}

/// Strips the first matching ASCII prefix, ignoring case.
fn strip_prefix_ci<'a>(s: &'a str, prefixes: &[&str]) -> &'a str {
    prefixes
        .iter()
        .find(|p| {
            s.get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        })
        .map_or(s, |p| &s[p.len()..])
}

/// "1,234,567" → "1234567". Commas are optional but, when present, must
/// separate groups of three digits.
fn ungroup(s: &str) -> Option<String> {
    let mut groups = s.split(',');
    let first = groups.next()?;
    let is_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(first) || (s.contains(',') && first.len() > 3) {
        return None;
    }
    let mut out = first.to_owned();
    for g in groups {
        if g.len() != 3 || !is_digits(g) {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.is_negative() { "-" } else { "" };
        write!(f, "{sign}NT${grouped}")
    }
}

impl Sum for Money {
    /// # Panics
    /// On i64 overflow (beyond ±9.2 × 10^18 NT$), which no real invoice can
    /// reach; use [`Money::checked_add`] for untrusted input.
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, |acc, m| {
            acc.checked_add(m).expect("Money sum overflowed i64")
        })
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> i64 {
        Money::parse(s)
            .unwrap_or_else(|e| panic!("{s:?} rejected: {}", e.en))
            .amount()
    }

    #[test]
    fn accepts_plain_grouped_and_prefixed_amounts() {
        for s in [
            "1200",
            "1,200",
            "NT$1,200",
            "nt$ 1200",
            "NTD 1,200",
            "NT1200",
            "$1200",
            " 1200 元",
            "1200元整",
            "1,200 NTD",
            "1200.00",
            "１，２００",
            "ＮＴ＄１２００",
            "＄1200",
        ] {
            assert_eq!(ok(s), 1200, "{s}");
        }
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("1,234,567"), 1_234_567);
    }

    #[test]
    fn accepts_negative_amounts_in_parse() {
        for s in ["-50", "-NT$50", "NT$-50", "- 50 元", "－５０"] {
            assert_eq!(ok(s), -50, "{s}");
        }
    }

    #[test]
    fn rejects_negative_amounts_in_parse_non_negative() {
        let err = Money::parse_non_negative("-50").unwrap_err();
        assert_eq!(err.zh, "「金額」不可為負數");
        assert_eq!(Money::parse_non_negative("NT$50"), Ok(Money::new(50)));
        assert_eq!(Money::parse_non_negative("0"), Ok(Money::ZERO));
    }

    #[test]
    fn rejects_decimals_bad_grouping_and_garbage() {
        let err = Money::parse("12.50").unwrap_err();
        assert!(err.en.contains("no decimals"));
        for s in [
            "", "元", "NT$", "12,00", "1,2000", "1234,567", ",100", "100,", "1.", "1.2.0", "abc",
            "1 200", "--5", "+5", "1e3", "é12", "NTD",
        ] {
            assert!(Money::parse(s).is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn rejects_amounts_beyond_i64() {
        let err = Money::parse("99999999999999999999").unwrap_err();
        assert!(err.zh.contains("過大"));
    }

    #[test]
    fn displays_with_prefix_and_thousands_separators() {
        let cases = [
            (0, "NT$0"),
            (50, "NT$50"),
            (999, "NT$999"),
            (1200, "NT$1,200"),
            (1_234_567, "NT$1,234,567"),
            (-50, "-NT$50"),
            (-1200, "-NT$1,200"),
            (i64::MIN, "-NT$9,223,372,036,854,775,808"),
        ];
        for (n, s) in cases {
            assert_eq!(Money::new(n).to_string(), s);
        }
    }

    #[test]
    fn round_trips_display_through_parse() {
        for n in [0, 7, 1200, -1200, 1_000_000, i64::MAX] {
            assert_eq!(ok(&Money::new(n).to_string()), n);
        }
    }

    #[test]
    fn checks_arithmetic_for_overflow() {
        let price = Money::new(800);
        assert_eq!(price.checked_mul(3), Some(Money::new(2400)));
        assert_eq!(price.checked_add(Money::new(-100)), Some(Money::new(700)));
        assert_eq!(price.checked_sub(Money::new(1000)), Some(Money::new(-200)));
        assert_eq!(Money::new(i64::MAX).checked_add(Money::new(1)), None);
        assert_eq!(Money::new(i64::MAX / 2).checked_mul(3), None);
    }

    #[test]
    fn sums_owned_and_borrowed_amounts() {
        let items = [Money::new(800), Money::new(1200), Money::new(-100)];
        assert_eq!(items.iter().sum::<Money>(), Money::new(1900));
        assert_eq!(items.into_iter().sum::<Money>(), Money::new(1900));
        assert_eq!(std::iter::empty::<Money>().sum::<Money>(), Money::ZERO);
    }

    #[test]
    fn deserializes_from_integer() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, I64Deserializer};
        let de: I64Deserializer<Error> = 1200_i64.into_deserializer();
        assert_eq!(Money::deserialize(de).unwrap(), Money::new(1200));
    }

    #[test]
    fn serializes_as_plain_integer() {
        use crate::domain::test_json::to_json;
        assert_eq!(to_json(&Money::new(-1200)), "-1200");
    }
}
