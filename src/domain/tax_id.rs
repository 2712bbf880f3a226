//! 統一編號 (Taiwan business tax ID / Unified Business Number).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{de_error, normalize_width};
use crate::i18n::Text;

const WEIGHTS: [u32; 8] = [1, 2, 1, 2, 1, 2, 4, 1];

/// A validated 8-digit 統一編號.
///
/// Checksum: multiply each digit by the weights 1,2,1,2,1,2,4,1, add up the
/// digits of every product, and the number is valid when that sum is
/// divisible by **5**. When the 7th digit is 7 its product is 28 → 2+8 = 10,
/// which may count as either 1 or 0, so the number is valid if either sum is
/// divisible.
///
/// The Ministry of Finance switched the divisor from 10 to 5 in 2023 to
/// extend the number space. Every sum divisible by 10 is also divisible by 5,
/// so this divisor-5 rule accepts every number issued under the old rule as
/// well as the new ones.
///
/// Serde: the 8-digit string; deserialising runs [`TaxId::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxId(String);

impl TaxId {
    /// Parses an 8-digit tax ID (full-width digits and surrounding spaces
    /// allowed) and verifies its check digit.
    pub fn parse(input: &str) -> Result<Self, Text> {
        let s = normalize_width(input);
        let s = s.trim();
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Text::new(
                "「統一編號」應為 8 位數字",
                "Tax ID (統一編號): must be exactly 8 digits",
            ));
        }
        if !checksum_ok(s) {
            return Err(Text::new(
                "「統一編號」檢查碼不正確，請再確認號碼",
                "Tax ID (統一編號): the check digit is wrong; please re-check the number",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `digits` must be 8 ASCII digits.
fn checksum_ok(digits: &str) -> bool {
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    // Digit sum of each product; the 7th digit's 28 → 10 is counted as 0 here.
    let sum: u32 = d
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, w)| {
            let p = digit * w;
            (p / 10 + p % 10) % 10
        })
        .sum();
    sum.is_multiple_of(5) || (d[6] == 7 && (sum + 1).is_multiple_of(5))
}

impl fmt::Display for TaxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for TaxId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TaxId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|t| de_error(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent reference: spells out each weighted product's digit sum
    /// from a lookup table (index = digit × weight, 0..=36), returning the
    /// sum with the 7th-digit-7 position counted as 0 and as 1.
    fn reference_sums(id: &str) -> (u32, u32) {
        const DIGIT_SUM: [u32; 37] = [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 3, 4, 5, 6, 7, 8, 9,
            10, 11, 3, 4, 5, 6, 7, 8, 9,
        ];
        let mut base = 0;
        let mut seventh_is_seven = false;
        for (i, c) in id.chars().enumerate() {
            let digit = c.to_digit(10).unwrap();
            let weight = [1, 2, 1, 2, 1, 2, 4, 1][i];
            if i == 6 && digit == 7 {
                seventh_is_seven = true; // 28 → 10 → counted as 0 or 1
            } else {
                base += DIGIT_SUM[(digit * weight) as usize];
            }
        }
        (base, base + u32::from(seventh_is_seven))
    }

    fn valid_by_reference(id: &str, divisor: u32) -> bool {
        let (a, b) = reference_sums(id);
        a % divisor == 0 || b % divisor == 0
    }

    #[test]
    fn accepts_known_valid_ids_verified_by_computation() {
        // Hand-checked sums: 04595257 → 40; 22099131 → 30;
        // 10458575 → 20 or 21 (7th digit 7); 12345675 → 29 or 30.
        assert_eq!(reference_sums("04595257"), (40, 40));
        assert_eq!(reference_sums("22099131"), (30, 30));
        assert_eq!(reference_sums("10458575"), (20, 21));
        assert_eq!(reference_sums("12345675"), (29, 30));
        for id in ["04595257", "22099131", "10458575", "12345675"] {
            assert!(
                valid_by_reference(id, 10),
                "{id} invalid even under old rule"
            );
            assert_eq!(TaxId::parse(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn accepts_ids_valid_only_under_the_2023_divisor_five_rule() {
        // 04595252 → sum 35: divisible by 5, not by 10.
        assert_eq!(reference_sums("04595252"), (35, 35));
        assert!(!valid_by_reference("04595252", 10));
        assert!(TaxId::parse("04595252").is_ok());
    }

    #[test]
    fn accepts_seventh_digit_seven_when_only_the_one_variant_divides() {
        // 10458574 → 19 or 20: valid only when the 10 counts as 1.
        assert_eq!(reference_sums("10458574"), (19, 20));
        assert!(TaxId::parse("10458574").is_ok());
    }

    #[test]
    fn rejects_tax_id_with_wrong_check_digit() {
        for id in [
            "12345678", "04595258", "04595250", "22099132", "10458573", "10458571",
        ] {
            assert!(!valid_by_reference(id, 5), "{id} is valid by reference");
            let err = TaxId::parse(id).unwrap_err();
            assert!(err.zh.contains("檢查碼"), "{id}");
        }
    }

    #[test]
    fn agrees_with_reference_on_every_check_digit_variation() {
        for prefix in ["0459525", "1045857", "2209913", "1234567", "9999999"] {
            for last in 0..10 {
                let id = format!("{prefix}{last}");
                assert_eq!(
                    TaxId::parse(&id).is_ok(),
                    valid_by_reference(&id, 5),
                    "{id}"
                );
            }
        }
    }

    #[test]
    fn rejects_wrong_length_or_non_digits() {
        for s in ["", "1234567", "123456789", "1234567a", "1234 5675"] {
            let err = TaxId::parse(s).unwrap_err();
            assert!(err.zh.contains("8 位數字"), "{s:?}");
        }
    }

    #[test]
    fn accepts_full_width_digits_and_surrounding_spaces() {
        assert_eq!(
            TaxId::parse(" ０４５９５２５７ ").unwrap().to_string(),
            "04595257"
        );
    }

    #[test]
    fn serializes_as_digit_string() {
        use crate::domain::test_json::to_json;
        assert_eq!(to_json(&TaxId::parse("04595257").unwrap()), r#""04595257""#);
    }
}
