//! LPG cylinder sizes and per-size counts.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{de_error, normalize_width};
use crate::i18n::Text;

/// Nominal LPG cylinder sizes sold in Taiwan.
///
/// Serde: the code string ("50", "20", …); deserialising also accepts
/// anything [`CylinderSize::parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CylinderSize {
    Kg50,
    Kg20,
    Kg16,
    Kg10,
    Kg4,
}

impl CylinderSize {
    /// All sizes, largest first. Also the index order of [`CylinderCounts`].
    pub const ALL: [Self; 5] = [Self::Kg50, Self::Kg20, Self::Kg16, Self::Kg10, Self::Kg4];

    /// Nominal LPG content in kg.
    pub const fn kg(self) -> u32 {
        match self {
            Self::Kg50 => 50,
            Self::Kg20 => 20,
            Self::Kg16 => 16,
            Self::Kg10 => 10,
            Self::Kg4 => 4,
        }
    }

    /// Approximate weight of a full cylinder (steel + gas) in kg, for
    /// vehicle load planning.
    pub const fn gross_weight_kg(self) -> u32 {
        match self {
            Self::Kg50 => 90,
            Self::Kg20 => 35,
            Self::Kg16 => 29,
            Self::Kg10 => 18,
            Self::Kg4 => 8,
        }
    }

    /// Truck-bed slots the cylinder occupies (a 50 kg cylinder takes two).
    pub const fn slots(self) -> u32 {
        match self {
            Self::Kg50 => 2,
            _ => 1,
        }
    }

    /// Stable code used in storage and APIs: "50", "20", "16", "10", "4".
    pub const fn code(self) -> &'static str {
        match self {
            Self::Kg50 => "50",
            Self::Kg20 => "20",
            Self::Kg16 => "16",
            Self::Kg10 => "10",
            Self::Kg4 => "4",
        }
    }

    /// "50 公斤"
    pub fn label_zh(self) -> String {
        format!("{} 公斤", self.kg())
    }

    /// "50 kg"
    pub fn label_en(self) -> String {
        format!("{} kg", self.kg())
    }

    /// The label in the page's language.
    pub fn label(self, t: crate::i18n::Locale) -> String {
        match t {
            crate::i18n::Locale::ZhTw => self.label_zh(),
            crate::i18n::Locale::En => self.label_en(),
        }
    }

    /// Accepts "50", "50kg", "50 KG", "50公斤", "５０公斤".
    pub fn parse(input: &str) -> Result<Self, Text> {
        let s = normalize_width(input).trim().to_ascii_lowercase();
        let number = s
            .strip_suffix("公斤")
            .or_else(|| s.strip_suffix("kg"))
            .unwrap_or(&s)
            .trim();
        Self::ALL
            .into_iter()
            .find(|size| size.code() == number)
            .ok_or_else(|| {
                Text::new(
                    "「鋼瓶規格」不正確，可選 50、20、16、10、4 公斤",
                    "Cylinder size: choose 50, 20, 16, 10 or 4 kg",
                )
            })
    }

    /// The size of a stable code (`"20"`), if it is one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Its position in [`Self::ALL`] (and in per-size count arrays).
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl Serialize for CylinderSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for CylinderSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|t| de_error(&t))
    }
}

/// Number of cylinders per size (e.g. one order, one truck load).
///
/// Aggregates are `u64` so that no count can overflow them.
///
/// Serde: a map from size code to count, `{"50":1,"20":2}`, listing only
/// non-zero sizes (largest first); deserialising accepts any size spelling
/// [`CylinderSize::parse`] accepts and rejects a size given twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CylinderCounts([u32; 5]);

impl CylinderCounts {
    pub const fn new() -> Self {
        Self([0; 5])
    }

    pub const fn get(&self, size: CylinderSize) -> u32 {
        self.0[size.index()]
    }

    pub const fn set(&mut self, size: CylinderSize, count: u32) {
        self.0[size.index()] = count;
    }

    /// Number of cylinders of all sizes.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|&n| u64::from(n)).sum()
    }

    /// Nominal LPG content in kg.
    pub fn total_lpg_kg(&self) -> u64 {
        self.weighted(CylinderSize::kg)
    }

    /// Weight of the full cylinders in kg.
    pub fn gross_weight_kg(&self) -> u64 {
        self.weighted(CylinderSize::gross_weight_kg)
    }

    /// Truck-bed slots needed.
    pub fn slots(&self) -> u64 {
        self.weighted(CylinderSize::slots)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&n| n == 0)
    }

    /// All five sizes with their counts (zeros included), largest first.
    pub fn iter(&self) -> impl Iterator<Item = (CylinderSize, u32)> + '_ {
        CylinderSize::ALL
            .into_iter()
            .map(|size| (size, self.get(size)))
    }

    fn weighted(&self, per_cylinder: fn(CylinderSize) -> u32) -> u64 {
        self.iter()
            .map(|(size, n)| u64::from(n) * u64::from(per_cylinder(size)))
            .sum()
    }
}

impl FromIterator<(CylinderSize, u32)> for CylinderCounts {
    /// Adds up counts; a size may appear more than once.
    fn from_iter<I: IntoIterator<Item = (CylinderSize, u32)>>(iter: I) -> Self {
        let mut counts = Self::new();
        for (size, n) in iter {
            counts.set(size, counts.get(size).saturating_add(n));
        }
        counts
    }
}

impl Serialize for CylinderCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = self.0.iter().filter(|&&n| n > 0).count();
        let mut map = serializer.serialize_map(Some(len))?;
        for (size, n) in self.iter().filter(|&(_, n)| n > 0) {
            map.serialize_entry(size.code(), &n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for CylinderCounts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountsVisitor;

        impl<'de> Visitor<'de> for CountsVisitor {
            type Value = CylinderCounts;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a map of cylinder size to count, e.g. {"50":1,"20":2}"#)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut counts = CylinderCounts::new();
                let mut seen = [false; 5];
                while let Some((key, n)) = access.next_entry::<String, u32>()? {
                    let size = CylinderSize::parse(&key).map_err(|t| de_error(&t))?;
                    if std::mem::replace(&mut seen[size.index()], true) {
                        return Err(serde::de::Error::custom(format_args!(
                            "「鋼瓶規格」{} 重複 / Cylinder size {} given twice",
                            size.label_zh(),
                            size.label_en()
                        )));
                    }
                    counts.set(size, n);
                }
                Ok(counts)
            }
        }

        deserializer.deserialize_map(CountsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, MapDeserializer, StrDeserializer};

    #[test]
    fn parses_size_with_unit_spellings_and_full_width_digits() {
        for s in [
            "50",
            "50kg",
            "50 KG",
            "50Kg",
            "50公斤",
            " 50 公斤 ",
            "５０公斤",
            "５０ｋｇ",
        ] {
            assert_eq!(CylinderSize::parse(s), Ok(CylinderSize::Kg50), "{s}");
        }
        assert_eq!(CylinderSize::parse("4kg"), Ok(CylinderSize::Kg4));
        assert_eq!(CylinderSize::parse("16"), Ok(CylinderSize::Kg16));
    }

    #[test]
    fn rejects_unknown_size_listing_valid_sizes() {
        for s in ["", "5", "15", "50.0", "kg", "050", "五十公斤"] {
            let err = CylinderSize::parse(s).unwrap_err();
            assert!(err.zh.contains("「鋼瓶規格」"), "{s:?}");
            assert!(err.zh.contains("50、20、16、10、4"));
            assert!(err.en.contains("50, 20, 16, 10 or 4 kg"));
        }
    }

    #[test]
    fn reports_weights_slots_codes_and_labels() {
        let table: Vec<_> = CylinderSize::ALL
            .iter()
            .map(|s| (s.kg(), s.gross_weight_kg(), s.slots(), s.code()))
            .collect();
        assert_eq!(
            table,
            [
                (50, 90, 2, "50"),
                (20, 35, 1, "20"),
                (16, 29, 1, "16"),
                (10, 18, 1, "10"),
                (4, 8, 1, "4")
            ]
        );
        assert_eq!(CylinderSize::Kg20.label_zh(), "20 公斤");
        assert_eq!(CylinderSize::Kg4.label_en(), "4 kg");
    }

    #[test]
    fn round_trips_every_code_through_parse() {
        for size in CylinderSize::ALL {
            assert_eq!(CylinderSize::parse(size.code()), Ok(size));
        }
    }

    #[test]
    fn deserializes_size_from_code_string() {
        let de: StrDeserializer<'_, Error> = "20".into_deserializer();
        assert_eq!(CylinderSize::deserialize(de).unwrap(), CylinderSize::Kg20);
        let de: StrDeserializer<'_, Error> = "30".into_deserializer();
        assert!(CylinderSize::deserialize(de).is_err());
    }

    #[test]
    fn sums_counts_weights_and_slots() {
        let mut c = CylinderCounts::new();
        assert!(c.is_empty());
        c.set(CylinderSize::Kg50, 2);
        c.set(CylinderSize::Kg20, 3);
        c.set(CylinderSize::Kg4, 1);
        assert!(!c.is_empty());
        assert_eq!(c.get(CylinderSize::Kg20), 3);
        assert_eq!(c.get(CylinderSize::Kg16), 0);
        assert_eq!(c.total(), 6);
        assert_eq!(c.total_lpg_kg(), 2 * 50 + 3 * 20 + 4);
        assert_eq!(c.gross_weight_kg(), 2 * 90 + 3 * 35 + 8);
        assert_eq!(c.slots(), 2 * 2 + 3 + 1);
    }

    #[test]
    fn does_not_overflow_on_huge_counts() {
        let c: CylinderCounts = [
            (CylinderSize::Kg50, u32::MAX),
            (CylinderSize::Kg4, u32::MAX),
        ]
        .into_iter()
        .collect();
        assert_eq!(c.gross_weight_kg(), u64::from(u32::MAX) * 98);
    }

    #[test]
    fn iterates_all_sizes_in_order_with_counts() {
        let c: CylinderCounts = [(CylinderSize::Kg10, 1), (CylinderSize::Kg10, 2)]
            .into_iter()
            .collect();
        let pairs: Vec<_> = c.iter().collect();
        assert_eq!(
            pairs,
            [
                (CylinderSize::Kg50, 0),
                (CylinderSize::Kg20, 0),
                (CylinderSize::Kg16, 0),
                (CylinderSize::Kg10, 3),
                (CylinderSize::Kg4, 0)
            ]
        );
    }

    #[test]
    fn deserializes_counts_from_map_of_codes() {
        let de: MapDeserializer<'_, _, Error> =
            MapDeserializer::new([("50", 1_u32), ("20kg", 2)].into_iter());
        let c = CylinderCounts::deserialize(de).unwrap();
        assert_eq!(
            (c.get(CylinderSize::Kg50), c.get(CylinderSize::Kg20)),
            (1, 2)
        );
        assert_eq!(c.total(), 3);
    }

    #[test]
    fn rejects_counts_map_with_unknown_or_duplicate_size() {
        let de: MapDeserializer<'_, _, Error> = MapDeserializer::new([("30", 1_u32)].into_iter());
        assert!(CylinderCounts::deserialize(de).is_err());
        let de: MapDeserializer<'_, _, Error> =
            MapDeserializer::new([("50", 1_u32), ("50kg", 2)].into_iter());
        assert!(CylinderCounts::deserialize(de).is_err());
    }

    #[test]
    fn serializes_size_as_code_and_counts_as_map_of_non_zero_sizes() {
        use crate::domain::test_json::to_json;
        assert_eq!(to_json(&CylinderSize::Kg4), r#""4""#);
        let c: CylinderCounts = [(CylinderSize::Kg20, 2), (CylinderSize::Kg50, 1)]
            .into_iter()
            .collect();
        assert_eq!(to_json(&c), r#"{"50":1,"20":2}"#);
        assert_eq!(to_json(&CylinderCounts::new()), "{}");
    }
}
