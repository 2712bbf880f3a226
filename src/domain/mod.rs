//! Shared domain value types.
//!
//! Every parser here accepts what staff actually type with Chinese IMEs
//! (full-width digits, punctuation and the ideographic space) by running the
//! input through [`normalize_width`] first. Parsers return `Result<T, Text>`;
//! the message names the field as users see it (「電話」 / "Phone") and the
//! caller decides which form field it belongs to.

pub mod address;
pub mod cylinder;
pub mod geo;
pub mod money;
pub mod paging;
pub mod phone;
pub mod tax_id;
pub mod time_window;

pub use address::{TAOYUAN_DISTRICTS, district_of};
pub use cylinder::{CylinderCounts, CylinderSize};
pub use geo::{LatLon, LocationSource, district_centre};
pub use money::Money;
pub use phone::Phone;
pub use tax_id::TaxId;
pub use time_window::{TimeWindow, TimeWindows, hhmm, parse_hhmm};

use crate::i18n::Text;

/// Turns full-width ASCII variants (U+FF01–U+FF5E: digits, letters,
/// punctuation) into their half-width forms and the ideographic space
/// (U+3000) into a plain space. Everything else is left untouched.
pub fn normalize_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Converts a domain message into a serde error (both languages, so that the
/// text survives whichever side logs it).
pub(crate) fn de_error<E: serde::de::Error>(text: &Text) -> E {
    E::custom(format_args!("{} / {}", text.zh, text.en))
}

#[cfg(test)]
mod tests {
    use super::normalize_width;

    #[test]
    fn converts_full_width_digits_letters_and_punctuation() {
        assert_eq!(normalize_width("０９１２－３４５"), "0912-345");
        assert_eq!(normalize_width("ＮＴ＄１，２００"), "NT$1,200");
        assert_eq!(normalize_width("０８：００～１２：００"), "08:00~12:00");
        assert_eq!(normalize_width("ａｂｃＸＹＺ＃"), "abcXYZ#");
    }

    #[test]
    fn converts_ideographic_space_and_keeps_chinese_text() {
        assert_eq!(normalize_width("桃園市\u{3000}中壢區"), "桃園市 中壢區");
        assert_eq!(normalize_width("分機、"), "分機、");
    }
}

/// A tiny JSON-ish serializer for unit tests (the crate may not depend on
/// serde_json). Supports what the domain types emit: strings, integers,
/// floats, maps and structs.
#[cfg(test)]
pub(crate) mod test_json {
    use serde::Serialize;
    use serde::ser::{self, Impossible};
    use std::fmt::Display;

    #[derive(Debug)]
    pub struct Error(String);

    impl Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for Error {}

    impl ser::Error for Error {
        fn custom<T: Display>(msg: T) -> Self {
            Self(msg.to_string())
        }
    }

    pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
        value
            .serialize(Json)
            .expect("unsupported in test serializer")
    }

    struct Json;

    pub struct Compound {
        out: String,
        first: bool,
    }

    impl Compound {
        fn push(&mut self, key: &str, value: &str) {
            if !self.first {
                self.out.push(',');
            }
            self.first = false;
            self.out.push_str(key);
            self.out.push(':');
            self.out.push_str(value);
        }
    }

    macro_rules! via_display {
        ($($method:ident: $ty:ty),*) => {
            $(fn $method(self, v: $ty) -> Result<String, Error> { Ok(v.to_string()) })*
        };
    }

    macro_rules! unsupported {
        ($($method:ident($($arg:ty),*) -> $ret:ty),*) => {
            $(fn $method(self, $(_: $arg),*) -> Result<$ret, Error> {
                Err(Error(stringify!($method).into()))
            })*
        };
    }

    impl ser::Serializer for Json {
        type Ok = String;
        type Error = Error;
        type SerializeSeq = Impossible<String, Error>;
        type SerializeTuple = Impossible<String, Error>;
        type SerializeTupleStruct = Impossible<String, Error>;
        type SerializeTupleVariant = Impossible<String, Error>;
        type SerializeMap = Compound;
        type SerializeStruct = Compound;
        type SerializeStructVariant = Impossible<String, Error>;

        via_display!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16,
            serialize_i32: i32, serialize_i64: i64, serialize_u8: u8, serialize_u16: u16,
            serialize_u32: u32, serialize_u64: u64, serialize_f32: f32, serialize_f64: f64);

        fn serialize_char(self, v: char) -> Result<String, Error> {
            self.serialize_str(&v.to_string())
        }
        fn serialize_str(self, v: &str) -> Result<String, Error> {
            Ok(format!("{v:?}"))
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Compound, Error> {
            Ok(Compound {
                out: "{".into(),
                first: true,
            })
        }
        fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound, Error> {
            self.serialize_map(Some(len))
        }
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<String, Error> {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<String, Error> {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, Error> {
            Err(Error("newtype variant".into()))
        }

        unsupported!(serialize_bytes(&[u8]) -> String, serialize_none() -> String,
            serialize_unit() -> String, serialize_unit_struct(&'static str) -> String,
            serialize_unit_variant(&'static str, u32, &'static str) -> String,
            serialize_seq(Option<usize>) -> Impossible<String, Error>,
            serialize_tuple(usize) -> Impossible<String, Error>,
            serialize_tuple_struct(&'static str, usize) -> Impossible<String, Error>,
            serialize_tuple_variant(&'static str, u32, &'static str, usize)
                -> Impossible<String, Error>,
            serialize_struct_variant(&'static str, u32, &'static str, usize)
                -> Impossible<String, Error>);
    }

    impl ser::SerializeMap for Compound {
        type Ok = String;
        type Error = Error;
        fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Error> {
            Err(Error("use serialize_entry".into()))
        }
        fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Error> {
            Err(Error("use serialize_entry".into()))
        }
        fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
            &mut self,
            key: &K,
            value: &V,
        ) -> Result<(), Error> {
            let (key, value) = (key.serialize(Json)?, value.serialize(Json)?);
            self.push(&key, &value);
            Ok(())
        }
        fn end(mut self) -> Result<String, Error> {
            self.out.push('}');
            Ok(self.out)
        }
    }

    impl ser::SerializeStruct for Compound {
        type Ok = String;
        type Error = Error;
        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            let value = value.serialize(Json)?;
            self.push(&format!("{key:?}"), &value);
            Ok(())
        }
        fn end(self) -> Result<String, Error> {
            ser::SerializeMap::end(self)
        }
    }
}
