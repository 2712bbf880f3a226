//! WGS84 coordinates restricted to Taiwan.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::{de_error, normalize_width};
use crate::i18n::Text;

/// Mean Earth radius in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// (lat min, lat max, lon min, lon max) of the areas we deliver to.
const TAIWAN_BOXES: [(f64, f64, f64, f64); 3] = [
    // Main island, Penghu, Green Island, Orchid Island, Liuqiu.
    (21.85, 25.35, 119.3, 122.05),
    // Kinmen.
    (24.35, 24.55, 118.1, 118.5),
    // Matsu.
    (25.9, 26.4, 119.85, 120.55),
];

/// A point inside Taiwan (main island, Penghu, Green Island, Orchid Island,
/// Kinmen, Matsu), checked against coarse bounding boxes.
///
/// Serde: `{"lat": 24.99, "lon": 121.3}`; deserialising re-validates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

fn in_taiwan(lat: f64, lon: f64) -> bool {
    TAIWAN_BOXES
        .iter()
        .any(|&(lat_min, lat_max, lon_min, lon_max)| {
            (lat_min..=lat_max).contains(&lat) && (lon_min..=lon_max).contains(&lon)
        })
}

fn not_a_number() -> Text {
    Text::new(
        "「座標」必須是有效的數字，例如 24.993, 121.301",
        "Coordinates: enter valid numbers, e.g. 24.993, 121.301",
    )
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Result<Self, Text> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(not_a_number());
        }
        if in_taiwan(lat, lon) {
            return Ok(Self { lat, lon });
        }
        if in_taiwan(lon, lat) {
            return Err(Text::new(
                "「座標」不在台灣範圍內，緯度與經度可能填反了（緯度約 22–26，經度約 118–122）",
                "Coordinates: outside Taiwan; latitude and longitude may be swapped \
                 (latitude is about 22–26, longitude about 118–122)",
            ));
        }
        Err(Text::new(
            "「座標」不在台灣範圍內，請確認緯度與經度",
            "Coordinates: the point is outside Taiwan; please check latitude and longitude",
        ))
    }

    /// Parses latitude and longitude typed as text (full-width allowed).
    pub fn parse(lat: &str, lon: &str) -> Result<Self, Text> {
        Self::new(parse_degrees(lat)?, parse_degrees(lon)?)
    }

    /// Parses "24.993, 121.301" as copied from a map app (also `，` or
    /// whitespace between the two numbers).
    pub fn parse_pair(input: &str) -> Result<Self, Text> {
        let s = normalize_width(input);
        let mut parts = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty());
        match (parts.next(), parts.next(), parts.next()) {
            (Some(lat), Some(lon), None) => Self::parse(lat, lon),
            _ => Err(not_a_number()),
        }
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres.
    pub fn haversine_m(&self, other: &Self) -> f64 {
        haversine_m((self.lat, self.lon), (other.lat, other.lon))
    }
}

/// Great-circle distance in metres between two `(lat, lon)` points in
/// degrees (any points, not only valid Taiwan coordinates).
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.1 - a.1).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Where a customer's coordinates came from, and so how far a driver can
/// trust them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// Typed, picked on the map, or imported with the customer.
    Manual,
    /// Found from the address down to the building.
    Geocoded,
    /// Only the street or area is known (the geocoder's best, or the
    /// district's centre): enough to plan, not to find the door.
    Approximate,
    /// No coordinates: the customer cannot be routed.
    Missing,
}

impl LocationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Geocoded => "geocoded",
            Self::Approximate => "approximate",
            Self::Missing => "missing",
        }
    }

    /// Unknown text reads as `Missing` (never as a trusted location).
    pub fn parse(s: &str) -> Self {
        match s {
            "manual" => Self::Manual,
            "geocoded" => Self::Geocoded,
            "approximate" => Self::Approximate,
            _ => Self::Missing,
        }
    }

    /// Precise enough to find the door.
    pub fn is_precise(self) -> bool {
        matches!(self, Self::Manual | Self::Geocoded)
    }

    /// The warning shown next to the customer, none when precise.
    pub fn warning(self) -> Option<Text> {
        match self {
            Self::Manual | Self::Geocoded => None,
            Self::Approximate => Some(Text::new(
                "位置概略：只知道路段或行政區，請在地圖上確認",
                "Approximate location: only the street or district is known; check it on the map",
            )),
            Self::Missing => Some(Text::new(
                "缺少位置：無法排入路線，請在地圖上點選位置",
                "Location missing: cannot be routed; pick the location on the map",
            )),
        }
    }
}

/// The district office of each Taoyuan district: where an address whose
/// only known part is its district is placed, marked approximate.
const DISTRICT_CENTRES: [(&str, f64, f64); 13] = [
    ("桃園區", 24.9937, 121.3010),
    ("中壢區", 24.9656, 121.2248),
    ("平鎮區", 24.9459, 121.2181),
    ("八德區", 24.9286, 121.2846),
    ("楊梅區", 24.9076, 121.1452),
    ("蘆竹區", 25.0455, 121.2918),
    ("大溪區", 24.8807, 121.2866),
    ("龜山區", 24.9925, 121.3378),
    ("大園區", 25.0644, 121.1960),
    ("觀音區", 25.0333, 121.0828),
    ("新屋區", 24.9722, 121.1058),
    ("龍潭區", 24.8642, 121.2163),
    ("復興區", 24.8159, 121.3526),
];

/// The stand-in point of a district we know, if any.
pub fn district_centre(district: &str) -> Option<LatLon> {
    DISTRICT_CENTRES
        .iter()
        .find(|(d, _, _)| *d == district)
        .map(|&(_, lat, lon)| LatLon { lat, lon })
}

fn parse_degrees(s: &str) -> Result<f64, Text> {
    let s = normalize_width(s);
    let s = s.trim();
    // Plain decimal only: `f64::from_str` alone would also take "inf", "NaN", "1e2".
    let plain = s.bytes().any(|b| b.is_ascii_digit())
        && s.strip_prefix('-')
            .unwrap_or(s)
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.');
    if !plain {
        return Err(not_a_number());
    }
    s.parse().map_err(|_| not_a_number())
}

impl fmt::Display for LatLon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}, {:.6}", self.lat, self.lon)
    }
}

impl<'de> Deserialize<'de> for LatLon {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            lat: f64,
            lon: f64,
        }
        let raw = Raw::deserialize(deserializer)?;
        Self::new(raw.lat, raw.lon).map_err(|t| de_error(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_taoyuan_district_has_a_centre_inside_it_and_no_other_place_does() {
        for d in crate::domain::TAOYUAN_DISTRICTS {
            let c = district_centre(d).unwrap_or_else(|| panic!("{d}"));
            // Taoyuan City lies within about 24.6–25.15 N, 120.98–121.5 E.
            assert!(
                (24.6..25.15).contains(&c.lat()) && (120.98..121.5).contains(&c.lon()),
                "{d}"
            );
        }
        assert!(district_centre("大安區").is_none());
        assert!(district_centre("").is_none());
        assert_eq!(LocationSource::parse("bogus"), LocationSource::Missing);
    }

    #[test]
    fn accepts_points_across_taiwan_and_outlying_islands() {
        for (name, lat, lon) in [
            ("Taoyuan", 24.99, 121.30),
            ("Taipei 101", 25.0340, 121.5645),
            ("Kenting", 21.95, 120.78),
            ("Penghu Magong", 23.57, 119.58),
            ("Green Island", 22.66, 121.49),
            ("Orchid Island", 22.05, 121.55),
            ("Kinmen", 24.43, 118.32),
            ("Matsu Nangan", 26.16, 119.95),
        ] {
            assert!(LatLon::new(lat, lon).is_ok(), "{name}");
        }
    }

    #[test]
    fn rejects_points_outside_taiwan() {
        for (name, lat, lon) in [
            ("Manila", 14.6, 121.0),
            ("Shanghai", 31.2, 121.5),
            ("Xiamen", 24.48, 118.09),
            ("Null Island", 0.0, 0.0),
            ("Out of range", 95.0, 200.0),
        ] {
            let err = LatLon::new(lat, lon).unwrap_err();
            assert!(err.zh.starts_with("「座標」不在台灣範圍內"), "{name}");
            assert!(!err.en.contains("swapped"), "{name}");
        }
    }

    #[test]
    fn suggests_swapped_values_when_lat_and_lon_are_reversed() {
        let err = LatLon::new(121.3, 24.99).unwrap_err();
        assert!(err.zh.contains("填反"));
        assert!(err.en.contains("swapped"));
    }

    #[test]
    fn rejects_nan_and_infinity() {
        for (lat, lon) in [
            (f64::NAN, 121.0),
            (24.0, f64::INFINITY),
            (f64::NEG_INFINITY, 121.0),
        ] {
            assert_eq!(LatLon::new(lat, lon).unwrap_err(), not_a_number());
        }
    }

    #[test]
    fn parses_text_including_full_width_and_pairs() {
        let p = LatLon::parse("２４．９９", " 121.30 ").unwrap();
        assert_eq!((p.lat(), p.lon()), (24.99, 121.30));
        let p = LatLon::parse_pair("24.99，121.3").unwrap();
        assert_eq!((p.lat(), p.lon()), (24.99, 121.3));
        assert!(LatLon::parse_pair("24.99 121.3").is_ok());
        for (lat, lon) in [
            ("NaN", "121"),
            ("inf", "121"),
            ("2.4e1", "121.3"),
            ("", "121"),
            (".", "1"),
        ] {
            assert_eq!(
                LatLon::parse(lat, lon).unwrap_err(),
                not_a_number(),
                "{lat}"
            );
        }
        assert!(LatLon::parse_pair("24.99").is_err());
        assert!(LatLon::parse_pair("24.99, 121.3, 5").is_err());
    }

    #[test]
    fn measures_haversine_distance() {
        let a = LatLon::new(24.0, 121.0).unwrap();
        let b = LatLon::new(25.0, 121.0).unwrap();
        // One degree of latitude on the mean sphere ≈ 111.195 km.
        assert!((a.haversine_m(&b) - 111_195.08).abs() < 1.0);
        assert!((a.haversine_m(&b) - b.haversine_m(&a)).abs() < 1e-6);
        assert!(a.haversine_m(&a).abs() < 1e-9);
        // Taipei 101 to Taoyuan station: roughly 26 km.
        let taipei = LatLon::new(25.0340, 121.5645).unwrap();
        let taoyuan = LatLon::new(24.9896, 121.3135).unwrap();
        let d = taipei.haversine_m(&taoyuan);
        assert!((25_000.0..27_500.0).contains(&d), "{d}");
    }

    #[test]
    fn displays_six_decimals() {
        assert_eq!(
            LatLon::new(24.99, 121.3).unwrap().to_string(),
            "24.990000, 121.300000"
        );
    }

    #[test]
    fn deserializes_and_revalidates_points() {
        use serde::de::value::{Error, MapDeserializer};
        let de: MapDeserializer<'_, _, Error> =
            MapDeserializer::new([("lat", 24.99_f64), ("lon", 121.3)].into_iter());
        assert_eq!(
            LatLon::deserialize(de).unwrap(),
            LatLon::new(24.99, 121.3).unwrap()
        );
        let de: MapDeserializer<'_, _, Error> =
            MapDeserializer::new([("lat", 14.6_f64), ("lon", 121.0)].into_iter());
        assert!(LatLon::deserialize(de).is_err());
    }

    #[test]
    fn serializes_as_lat_lon_object() {
        use crate::domain::test_json::to_json;
        let p = LatLon::new(24.99, 121.3).unwrap();
        assert_eq!(to_json(&p), r#"{"lat":24.99,"lon":121.3}"#);
    }
}
