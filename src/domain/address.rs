//! Taiwan address helpers.

use super::normalize_width;

/// The 13 districts of Taoyuan City (桃園市), in official order.
pub const TAOYUAN_DISTRICTS: [&str; 13] = [
    "桃園區",
    "中壢區",
    "平鎮區",
    "八德區",
    "楊梅區",
    "蘆竹區",
    "大溪區",
    "龜山區",
    "大園區",
    "觀音區",
    "新屋區",
    "龍潭區",
    "復興區",
];

/// Cities and counties, current and pre-merger names, in the 台 spelling
/// (臺 is folded to 台 for matching only).
const CITIES: [&str; 27] = [
    "台北市",
    "新北市",
    "桃園市",
    "台中市",
    "台南市",
    "高雄市",
    "基隆市",
    "新竹市",
    "嘉義市",
    "新竹縣",
    "苗栗縣",
    "彰化縣",
    "南投縣",
    "雲林縣",
    "嘉義縣",
    "屏東縣",
    "宜蘭縣",
    "花蓮縣",
    "台東縣",
    "澎湖縣",
    "金門縣",
    "連江縣",
    "桃園縣",
    "台北縣",
    "台中縣",
    "台南縣",
    "高雄縣",
];

/// Prefixes dropped before the city name.
const COUNTRY_PREFIXES: [&str; 4] = ["中華民國", "台灣省", "台灣", "台湾"];

const DISTRICT_SUFFIXES: [char; 4] = ['區', '鄉', '鎮', '市'];

/// District names that contain a suffix character before their real end
/// (平鎮區 would otherwise stop at 平鎮, 新市區 at 新市).
const INNER_SUFFIX_NAMES: [&str; 2] = ["平鎮", "新市"];

/// Extracts the district / township (…區, …鄉, …鎮, …市) that follows the
/// city or county name, e.g. "320桃園市中壢區中正路100號" → "中壢區",
/// "新竹縣竹北市光明六路" → "竹北市".
///
/// Tolerates a leading postal code (3, 5 or 6 digits), "台灣"/"中華民國"
/// prefixes, 臺/台 variants, full-width characters and spaces. The district
/// is returned as written. Addresses from before Taoyuan became a
/// municipality (2014: "桃園縣中壢市") are mapped to the current district
/// name ("中壢區"). When no city is named, the address is assumed to start
/// with the district. Returns `None` when no district is found.
pub fn district_of(address: &str) -> Option<String> {
    let s: String = normalize_width(address)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut rest = s.trim_start_matches(|c: char| c.is_ascii_digit());
    for prefix in COUNTRY_PREFIXES {
        if let Some(r) = strip_prefix_tai(rest, prefix) {
            rest = r;
            break;
        }
    }
    let city = CITIES
        .iter()
        .find_map(|city| strip_prefix_tai(rest, city).map(|r| (*city, r)));
    if let Some((_, r)) = city {
        rest = r;
    }
    let district = leading_district(rest)?;
    if city.is_some_and(|(c, _)| c == "桃園縣") {
        let base = district.strip_suffix(DISTRICT_SUFFIXES).unwrap_or(district);
        let modern = format!("{base}區");
        if TAOYUAN_DISTRICTS.contains(&modern.as_str()) {
            return Some(modern);
        }
    }
    Some(district.to_owned())
}

/// Whether `district` (as returned by [`district_of`]) is in Taoyuan City.
pub fn is_taoyuan_district(district: &str) -> bool {
    TAOYUAN_DISTRICTS.contains(&district)
}

/// `s.strip_prefix(prefix)` treating 臺 and 台 as the same character.
fn strip_prefix_tai<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let fold = |c: char| if c == '臺' { '台' } else { c };
    let mut chars = s.char_indices();
    for p in prefix.chars() {
        let (_, c) = chars.next()?;
        if fold(c) != fold(p) {
            return None;
        }
    }
    Some(chars.as_str())
}

/// The district name at the start of `s`: 1–3 characters followed by a
/// district suffix, shortest match first.
fn leading_district(s: &str) -> Option<&str> {
    for name in INNER_SUFFIX_NAMES {
        if let Some(c) = s.strip_prefix(name).and_then(|r| r.chars().next())
            && DISTRICT_SUFFIXES.contains(&c)
        {
            return Some(&s[..name.len() + c.len_utf8()]);
        }
    }
    s.char_indices()
        .take(4)
        .skip(1)
        .find(|(_, c)| DISTRICT_SUFFIXES.contains(c))
        .map(|(i, c)| &s[..i + c.len_utf8()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        district_of(s)
    }

    #[test]
    fn extracts_district_after_city_name() {
        assert_eq!(d("桃園市中壢區中正路100號3樓").as_deref(), Some("中壢區"));
        assert_eq!(d("台北市大安區忠孝東路四段1號").as_deref(), Some("大安區"));
        assert_eq!(d("新竹縣竹北市光明六路10號").as_deref(), Some("竹北市"));
        assert_eq!(d("高雄市那瑪夏區達卡努瓦里").as_deref(), Some("那瑪夏區"));
        assert_eq!(d("新竹市東區光復路二段101號").as_deref(), Some("東區"));
        assert_eq!(d("屏東縣三地門鄉中正路").as_deref(), Some("三地門鄉"));
        assert_eq!(d("彰化縣鹿港鎮中山路").as_deref(), Some("鹿港鎮"));
    }

    #[test]
    fn distinguishes_taoyuan_district_from_taoyuan_city() {
        assert_eq!(d("桃園市桃園區中正路1號").as_deref(), Some("桃園區"));
        assert_eq!(d("桃園區中正路1號").as_deref(), Some("桃園區"));
    }

    #[test]
    fn handles_names_containing_a_suffix_character() {
        assert_eq!(d("桃園市平鎮區環南路").as_deref(), Some("平鎮區"));
        assert_eq!(d("臺南市新市區中興街").as_deref(), Some("新市區"));
    }

    #[test]
    fn strips_postal_code_country_and_tai_variants() {
        assert_eq!(d("320桃園市中壢區中正路100號").as_deref(), Some("中壢區"));
        assert_eq!(
            d("32001 桃園市 中壢區 中正路100號").as_deref(),
            Some("中壢區")
        );
        assert_eq!(d("１０６臺北市大安區復興南路").as_deref(), Some("大安區"));
        assert_eq!(d("台灣臺東縣臺東市中華路").as_deref(), Some("臺東市"));
        assert_eq!(d("中華民國台中市西屯區").as_deref(), Some("西屯區"));
    }

    #[test]
    fn maps_pre_2014_taoyuan_county_names_to_current_districts() {
        assert_eq!(d("桃園縣中壢市中正路").as_deref(), Some("中壢區"));
        assert_eq!(d("桃園縣平鎮市環南路").as_deref(), Some("平鎮區"));
        assert_eq!(d("桃園縣復興鄉").as_deref(), Some("復興區"));
        assert_eq!(d("台北縣板橋市").as_deref(), Some("板橋市"));
    }

    #[test]
    fn returns_none_without_a_district() {
        assert_eq!(d(""), None);
        assert_eq!(d("桃園市"), None);
        assert_eq!(d("中正路100號"), None);
    }

    #[test]
    fn lists_thirteen_taoyuan_districts() {
        assert_eq!(TAOYUAN_DISTRICTS.len(), 13);
        for name in TAOYUAN_DISTRICTS {
            let address = format!("桃園市{name}某路1號");
            assert_eq!(d(&address).as_deref(), Some(name));
            assert!(is_taoyuan_district(name));
        }
        assert!(!is_taoyuan_district("大安區"));
    }
}
