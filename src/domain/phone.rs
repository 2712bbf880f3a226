//! Taiwan phone numbers (mobile and landline).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{de_error, normalize_width};
use crate::i18n::Text;

/// Landline area codes with the allowed number of subscriber digits.
/// Ordered longest code first: the longest matching code is authoritative
/// (`037…` is always Miaoli, never `03` + 8 digits).
const AREA_CODES: [(&str, &[usize]); 13] = [
    ("0826", &[5]),
    ("0836", &[5]),
    ("037", &[6]),
    ("049", &[7]),
    ("082", &[6]),
    ("089", &[6]),
    ("02", &[8]),
    ("03", &[7, 8]),
    ("04", &[7, 8]),
    ("05", &[7]),
    ("06", &[7]),
    ("07", &[7]),
    ("08", &[7]),
];

/// Extension markers, matched case-insensitively; the earliest one wins.
const EXT_MARKERS: [&str; 4] = ["#", "分機", "ext", "轉"];

const MAX_EXT_DIGITS: usize = 6;

/// A Taiwan phone number, stored as national digits ("0912345678",
/// "034567890", "0227001234").
///
/// Extensions (`#123`, `分機 123`, `ext 123`, `轉123`) are accepted on
/// landlines only and kept separately in [`Phone::ext`]; they are not part of
/// [`Phone::as_str`] or [`Phone::e164`].
///
/// Serde: a string, the national digits followed by `#ext` when present
/// ("034567890#123"); deserialising runs [`Phone::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    digits: String,
    ext: Option<String>,
}

fn invalid() -> Text {
    Text::new(
        "「電話」格式不正確，請輸入 09 開頭的手機或含區碼的市話",
        "Phone: enter a mobile number starting with 09 or a landline with its area code",
    )
}

impl Phone {
    /// Parses a Taiwan mobile or landline number in any common notation,
    /// including `+886`, `886`, `00886` prefixes, parentheses, spaces, dashes,
    /// dots and full-width characters.
    pub fn parse(input: &str) -> Result<Self, Text> {
        let s = normalize_width(input);
        let (main, ext) = split_extension(s.trim())?;
        let national = national_digits(main)?;
        if national.starts_with("09") {
            if national.len() != 10 {
                return Err(Text::new(
                    "「電話」手機號碼應為 09 開頭共 10 碼",
                    "Phone: a mobile number has 10 digits starting with 09",
                ));
            }
            if ext.is_some() {
                return Err(Text::new(
                    "「電話」手機號碼不可加分機",
                    "Phone: a mobile number cannot have an extension",
                ));
            }
        } else {
            let (code, lens) = area_code(&national).ok_or_else(invalid)?;
            let rest = national.len() - code.len();
            if !lens.contains(&rest) {
                let (zh_len, en_len) = match lens {
                    [a, b] => (format!("{a} 或 {b}"), format!("{a} or {b}")),
                    _ => (lens[0].to_string(), lens[0].to_string()),
                };
                return Err(Text::new(
                    format!("「電話」區碼 {code} 之後應為 {zh_len} 碼數字"),
                    format!("Phone: area code {code} must be followed by {en_len} digits"),
                ));
            }
        }
        Ok(Self {
            digits: national,
            ext,
        })
    }

    /// National digits without extension, e.g. "0912345678".
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The extension digits, if any (landlines only).
    pub fn ext(&self) -> Option<&str> {
        self.ext.as_deref()
    }

    pub fn is_mobile(&self) -> bool {
        self.digits.starts_with("09")
    }

    /// Human-readable form: "0912-345-678", "03-456-7890", "02-2700-1234",
    /// "037-123456", "0836-12345"; an extension is appended as " #123".
    pub fn display(&self) -> String {
        let d = self.digits.as_str();
        let mut out = if self.is_mobile() {
            format!("{}-{}-{}", &d[..4], &d[4..7], &d[7..])
        } else {
            let (code, _) = area_code(d).unwrap_or(("", &[]));
            let sub = &d[code.len()..];
            match sub.len() {
                8 => format!("{code}-{}-{}", &sub[..4], &sub[4..]),
                7 => format!("{code}-{}-{}", &sub[..3], &sub[3..]),
                _ => format!("{code}-{sub}"),
            }
        };
        if let Some(ext) = &self.ext {
            out.push_str(" #");
            out.push_str(ext);
        }
        out
    }

    /// E.164 form for SMS gateways, e.g. "+886912345678" (extension dropped).
    pub fn e164(&self) -> String {
        format!("+886{}", &self.digits[1..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.ext {
            Some(ext) => serializer.serialize_str(&format!("{}#{ext}", self.digits)),
            None => serializer.serialize_str(&self.digits),
        }
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|t| de_error(&t))
    }
}

/// Splits "03-456-7890 分機 123" into the number part and validated extension.
fn split_extension(s: &str) -> Result<(&str, Option<String>), Text> {
    // ASCII lowercasing keeps byte offsets identical to `s`.
    let lower = s.to_ascii_lowercase();
    let Some((pos, marker)) = EXT_MARKERS
        .iter()
        .filter_map(|m| lower.find(m).map(|p| (p, *m)))
        .min_by_key(|(p, _)| *p)
    else {
        return Ok((s, None));
    };
    let ext = s[pos + marker.len()..]
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ':' | '-'))
        .trim_end();
    if ext.is_empty() || ext.len() > MAX_EXT_DIGITS || !ext.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Text::new(
            "「電話」分機應為 1 至 6 位數字",
            "Phone: the extension must be 1 to 6 digits",
        ));
    }
    Ok((&s[..pos], Some(ext.to_owned())))
}

/// Strips punctuation and the country code, returning national digits
/// starting with 0.
fn national_digits(s: &str) -> Result<String, Text> {
    let mut digits = String::with_capacity(s.len());
    let mut plus = false;
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '-' | '(' | ')' | '.' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            _ => return Err(invalid()),
        }
    }
    if digits.is_empty() {
        return Err(invalid());
    }
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00").or_else(|| {
            // A national number always starts with 0, so a leading 886
            // can only be the country code.
            digits.starts_with("886").then_some(digits.as_str())
        })
    };
    match international {
        None => Ok(digits),
        Some(intl) => {
            let Some(rest) = intl.strip_prefix("886") else {
                return Err(Text::new(
                    "「電話」僅接受台灣號碼（+886）",
                    "Phone: only Taiwan numbers (+886) are accepted",
                ));
            };
            // Tolerate the redundant trunk zero in "+886 (0)2 2700 1234".
            let rest = rest.strip_prefix('0').unwrap_or(rest);
            if rest.is_empty() {
                return Err(invalid());
            }
            Ok(format!("0{rest}"))
        }
    }
}

fn area_code(national: &str) -> Option<(&'static str, &'static [usize])> {
    AREA_CODES
        .iter()
        .find(|(code, _)| national.starts_with(code))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Phone {
        Phone::parse(s).unwrap_or_else(|e| panic!("{s:?} rejected: {}", e.en))
    }

    #[test]
    fn accepts_mobile_with_dashes_and_plus_886() {
        for s in [
            "0912-345-678",
            "0912345678",
            "+886 912 345 678",
            "+886-912-345-678",
            "886912345678",
            "(+886)912345678",
            "+886 (0)912 345 678",
            "00886912345678",
            "0912.345.678",
        ] {
            let p = ok(s);
            assert_eq!(p.as_str(), "0912345678", "{s}");
            assert!(p.is_mobile());
            assert_eq!(p.ext(), None);
        }
    }

    #[test]
    fn accepts_full_width_digits_and_dashes() {
        assert_eq!(ok("０９１２－３４５－６７８").as_str(), "0912345678");
        assert_eq!(ok("（０３）４５６７８９０").as_str(), "034567890");
        assert_eq!(
            ok("＋８８６\u{3000}９１２３４５６７８").as_str(),
            "0912345678"
        );
    }

    #[test]
    fn accepts_landlines_in_common_forms() {
        let cases = [
            ("03-456-7890", "034567890"),
            ("(03)4567890", "034567890"),
            ("02 2700 1234", "0227001234"),
            ("+886 3 456 7890", "034567890"),
            ("+886-2-2700-1234", "0227001234"),
            ("037-123456", "037123456"),
            ("049-2345678", "0492345678"),
            ("082-123456", "082123456"),
            ("0826-12345", "082612345"),
            ("0836-12345", "083612345"),
            ("089-123456", "089123456"),
            ("04-2345-6789", "0423456789"),
            ("04-712-3456", "047123456"),
            ("05-234-5678", "052345678"),
            ("06-234-5678", "062345678"),
            ("07-234-5678", "072345678"),
            ("08-734-5678", "087345678"),
            ("03-4567-8901", "0345678901"),
        ];
        for (input, digits) in cases {
            let p = ok(input);
            assert_eq!(p.as_str(), digits, "{input}");
            assert!(!p.is_mobile(), "{input}");
        }
    }

    #[test]
    fn keeps_extension_separately_in_all_notations() {
        for s in [
            "03-456-7890#123",
            "03-456-7890 # 123",
            "03-456-7890 分機 123",
            "03-456-7890分機123",
            "03-456-7890 ext 123",
            "03-456-7890 EXT. 123",
            "03-456-7890 轉123",
            "(03)4567890＃１２３",
        ] {
            let p = ok(s);
            assert_eq!(p.as_str(), "034567890", "{s}");
            assert_eq!(p.ext(), Some("123"), "{s}");
        }
    }

    #[test]
    fn rejects_extension_on_mobile_or_with_non_digits() {
        assert!(Phone::parse("0912-345-678 #12").is_err());
        assert!(Phone::parse("03-456-7890 #").is_err());
        assert!(Phone::parse("03-456-7890 #12a").is_err());
        assert!(Phone::parse("03-456-7890 #1234567").is_err());
    }

    #[test]
    fn rejects_wrong_lengths_per_area_code() {
        for s in [
            "0912-345-67",
            "0912-345-6789",
            "02-270-1234",
            "02-2700-12345",
            "03-456-789",
            "037-1234567",
            "049-234567",
            "089-1234567",
            "0836-123456",
            "07-2345-6789",
        ] {
            assert!(Phone::parse(s).is_err(), "{s} accepted");
        }
        let err = Phone::parse("02-270-1234").unwrap_err();
        assert_eq!(err.zh, "「電話」區碼 02 之後應為 8 碼數字");
        let err = Phone::parse("03-456-789").unwrap_err();
        assert_eq!(
            err.en,
            "Phone: area code 03 must be followed by 7 or 8 digits"
        );
    }

    #[test]
    fn rejects_missing_area_code_letters_and_empty_input() {
        for s in [
            "",
            "   ",
            "4567890",
            "abc",
            "0912-ABC-678",
            "01-234-5678",
            "+",
            "+886",
        ] {
            assert!(Phone::parse(s).is_err(), "{s:?} accepted");
        }
        assert_eq!(Phone::parse("4567890").unwrap_err(), invalid());
    }

    #[test]
    fn rejects_foreign_country_codes() {
        let err = Phone::parse("+86 138 0013 8000").unwrap_err();
        assert!(err.zh.contains("台灣"));
        assert!(Phone::parse("+1 415 555 0100").is_err());
    }

    #[test]
    fn displays_grouped_numbers() {
        assert_eq!(ok("0912345678").display(), "0912-345-678");
        assert_eq!(ok("034567890").display(), "03-456-7890");
        assert_eq!(ok("0227001234").display(), "02-2700-1234");
        assert_eq!(ok("037123456").display(), "037-123456");
        assert_eq!(ok("083612345").display(), "0836-12345");
        assert_eq!(ok("089123456").display(), "089-123456");
        assert_eq!(ok("03-456-7890 分機 12").to_string(), "03-456-7890 #12");
    }

    #[test]
    fn formats_e164_for_sms_gateways() {
        assert_eq!(ok("0912-345-678").e164(), "+886912345678");
        assert_eq!(ok("(02)2700-1234#5").e164(), "+886227001234");
    }

    #[test]
    fn deserializes_from_string_and_revalidates() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let de: StrDeserializer<'_, Error> = "034567890#123".into_deserializer();
        let p = Phone::deserialize(de).unwrap();
        assert_eq!((p.as_str(), p.ext()), ("034567890", Some("123")));
        let de: StrDeserializer<'_, Error> = "12345".into_deserializer();
        assert!(Phone::deserialize(de).is_err());
    }

    #[test]
    fn serializes_as_national_digits_with_extension() {
        use crate::domain::test_json::to_json;
        assert_eq!(to_json(&ok("0912-345-678")), r#""0912345678""#);
        assert_eq!(to_json(&ok("03-456-7890 分機 123")), r#""034567890#123""#);
    }
}
