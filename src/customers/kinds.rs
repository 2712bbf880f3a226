//! Customer kinds and payment terms.

use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, Text};

macro_rules! labelled_enum {
    ($name:ident, $field_zh:literal, $field_en:literal, [$(($variant:ident, $code:literal, $zh:literal, $en:literal)),+ $(,)?]) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $(($name::$variant, Locale::ZhTw) => $zh, ($name::$variant, Locale::En) => $en),+
                }
            }

            /// Accepts the code or either language's label.
            pub fn parse(s: &str) -> Result<Self, Text> {
                let s = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| {
                        v.as_str() == s
                            || v.label(Locale::ZhTw) == s
                            || v.label(Locale::En).eq_ignore_ascii_case(s)
                    })
                    .ok_or_else(|| {
                        let zh: Vec<_> = Self::ALL.iter().map(|v| v.label(Locale::ZhTw)).collect();
                        let en: Vec<_> = Self::ALL.iter().map(|v| v.label(Locale::En)).collect();
                        Text::new(
                            format!("「{}」請選擇：{}", $field_zh, zh.join("、")),
                            format!("{}: choose one of {}", $field_en, en.join(", ")),
                        )
                    })
            }
        }
    };
}

labelled_enum!(
    CustomerKind,
    "客戶類型",
    "Kind",
    [
        (Household, "household", "一般家庭", "Household"),
        (Restaurant, "restaurant", "餐廳", "Restaurant"),
        (Business, "business", "商業", "Business"),
        (School, "school", "學校", "School"),
        (Factory, "factory", "工廠", "Factory"),
    ]
);

labelled_enum!(
    PaymentTerms,
    "付款方式",
    "Payment terms",
    [
        (Cash, "cash", "現金", "Cash"),
        (Monthly, "monthly", "月結", "Monthly"),
        (Transfer, "transfer", "轉帳", "Transfer"),
    ]
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_codes_and_labels_in_both_languages() {
        assert_eq!(
            CustomerKind::parse("restaurant"),
            Ok(CustomerKind::Restaurant)
        );
        assert_eq!(CustomerKind::parse("餐廳"), Ok(CustomerKind::Restaurant));
        assert_eq!(CustomerKind::parse("factory"), Ok(CustomerKind::Factory));
        assert_eq!(PaymentTerms::parse("月結"), Ok(PaymentTerms::Monthly));
        let err = CustomerKind::parse("hotel").unwrap_err();
        assert!(err.zh.contains("「客戶類型」") && err.zh.contains("一般家庭"));
    }
}
