//! Delivery time windows ("08:00-12:00").

use std::fmt;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{de_error, normalize_width};
use crate::i18n::Text;

/// Most windows one customer may have.
pub const MAX_WINDOWS: usize = 4;

/// A delivery window on one day, `start < end`, both ends inclusive.
///
/// Fields are private so the `start < end` invariant always holds; use
/// [`TimeWindow::new`] or [`TimeWindow::parse`].
///
/// Serde: the display string "08:00-12:00"; deserialising runs
/// [`TimeWindow::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeWindow {
    start: NaiveTime,
    end: NaiveTime,
}

fn format_error() -> Text {
    Text::new(
        "「配送時段」格式不正確，請輸入 HH:MM-HH:MM，例如 08:00-12:00",
        "Delivery window: use the format HH:MM-HH:MM, e.g. 08:00-12:00",
    )
}

impl TimeWindow {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, Text> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(Text::new(
                "「配送時段」結束時間必須晚於開始時間",
                "Delivery window: the end time must be after the start time",
            ))
        }
    }

    /// Accepts "08:00-12:00", "8:00-12:00", "08:00~12:00", "08:00～12:00",
    /// "08:00 - 12:00", "08:00至12:00", "0800-1200" and full-width forms.
    pub fn parse(input: &str) -> Result<Self, Text> {
        let s: String = normalize_width(input)
            .chars()
            .map(|c| match c {
                // Wave dash, hyphens, en/em dashes and minus sign.
                '~' | '\u{301C}' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '至' | '到' => '-',
                _ => c,
            })
            .collect();
        let (start, end) = s.split_once('-').ok_or_else(format_error)?;
        Self::new(parse_time(start)?, parse_time(end)?)
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Whether `t` lies in the window, both ends included (a delivery at
    /// exactly 12:00 fits 08:00-12:00).
    pub fn contains(&self, t: NaiveTime) -> bool {
        self.start <= t && t <= self.end
    }

    /// Start and end as seconds after midnight, for route optimisers.
    pub fn seconds_from_midnight(&self) -> (u32, u32) {
        (
            self.start.num_seconds_from_midnight(),
            self.end.num_seconds_from_midnight(),
        )
    }

    /// True when the two windows share more than a single instant
    /// (08:00-12:00 and 12:00-17:00 only touch, so they do not overlap).
    pub fn overlaps(&self, other: &Self) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// "H:MM", "HH:MM" or "HHMM" / "HMM", 00:00–23:59.
/// `HH:MM` from seconds after midnight (negative counts as 0).
pub fn hhmm(s: i32) -> String {
    let s = s.max(0);
    format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// Parses `HH:MM` into seconds after midnight (`24:00` allowed).
pub fn parse_hhmm(s: &str) -> Option<i32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 24 * 60)
        .then_some(h * 3600 + m * 60)
}

fn parse_time(s: &str) -> Result<NaiveTime, Text> {
    let s = s.trim();
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (h, m) = match s.split_once(':') {
        Some((h, m)) if (1..=2).contains(&h.len()) && m.len() == 2 => (h, m),
        None if (3..=4).contains(&s.len()) => s.split_at(s.len() - 2),
        _ => return Err(format_error()),
    };
    if !all_digits(h) || !all_digits(m) {
        return Err(format_error());
    }
    let (h, m) = (
        h.parse().map_err(|_| format_error())?,
        m.parse().map_err(|_| format_error())?,
    );
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(format_error)
}

fn write_time(f: &mut fmt::Formatter<'_>, t: NaiveTime) -> fmt::Result {
    write!(f, "{:02}:{:02}", t.hour(), t.minute())
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.start)?;
        f.write_str("-")?;
        write_time(f, self.end)
    }
}

impl Serialize for TimeWindow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeWindow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|t| de_error(&t))
    }
}

/// A customer's delivery windows: at most [`MAX_WINDOWS`], sorted by start,
/// never overlapping. Empty means "any time".
///
/// Overlapping windows are **rejected**, not merged: an overlap is usually a
/// typo (e.g. "08:00-12:00, 11:00-13:00" meant 13:00-17:00), and silently
/// merging would hide it. Windows that only touch (…-12:00, 12:00-…) are
/// kept as given.
///
/// Serde: the display string "08:00-12:00, 13:00-17:00" ("" when empty);
/// deserialising runs [`TimeWindows::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TimeWindows(Vec<TimeWindow>);

impl TimeWindows {
    /// Parses windows separated by `,` `、` `;` or newlines (full-width
    /// `，` `；` too). Blank input gives an empty list.
    pub fn parse(input: &str) -> Result<Self, Text> {
        let s = normalize_width(input);
        let mut windows = s
            .split([',', '、', ';', '\n', '\r'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(TimeWindow::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if windows.len() > MAX_WINDOWS {
            return Err(Text::new(
                format!("「配送時段」最多 {MAX_WINDOWS} 個"),
                format!("Delivery windows: at most {MAX_WINDOWS} windows"),
            ));
        }
        windows.sort();
        if let Some([a, b]) = windows.windows(2).find(|pair| pair[0].overlaps(&pair[1])) {
            return Err(Text::new(
                format!("「配送時段」{a} 與 {b} 重疊，請合併或修正"),
                format!("Delivery windows: {a} overlaps {b}; merge or correct them"),
            ));
        }
        Ok(Self(windows))
    }

    /// True when no window is set, i.e. any time is fine.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[TimeWindow] {
        &self.0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, TimeWindow> {
        self.0.iter()
    }

    /// Whether a delivery at `t` is acceptable; always true when empty.
    pub fn contains(&self, t: NaiveTime) -> bool {
        self.is_empty() || self.0.iter().any(|w| w.contains(t))
    }
}

impl<'a> IntoIterator for &'a TimeWindows {
    type Item = &'a TimeWindow;
    type IntoIter = std::slice::Iter<'a, TimeWindow>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for TimeWindows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, w) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{w}")?;
        }
        Ok(())
    }
}

impl Serialize for TimeWindows {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeWindows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|t| de_error(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_round_trip() {
        assert_eq!(parse_hhmm("08:30"), Some(30_600));
        assert_eq!(hhmm(30_600), "08:30");
        assert_eq!(parse_hhmm("24:00"), Some(86_400));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_hhmm("8"), None);
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn win(s: &str) -> TimeWindow {
        TimeWindow::parse(s).unwrap_or_else(|e| panic!("{s:?} rejected: {}", e.en))
    }

    #[test]
    fn accepts_common_window_notations() {
        for s in [
            "08:00-12:00",
            "8:00-12:00",
            "08:00~12:00",
            "08:00～12:00",
            "08:00 - 12:00",
            "０８：００－１２：００",
            "0800-1200",
            "800-1200",
            "08:00〜12:00",
            "08:00至12:00",
            " 08:00 – 12:00 ",
        ] {
            let w = win(s);
            assert_eq!((w.start(), w.end()), (t(8, 0), t(12, 0)), "{s}");
            assert_eq!(w.to_string(), "08:00-12:00");
        }
    }

    #[test]
    fn rejects_end_not_after_start() {
        for s in ["12:00-08:00", "09:00-09:00"] {
            let err = TimeWindow::parse(s).unwrap_err();
            assert_eq!(err.zh, "「配送時段」結束時間必須晚於開始時間");
        }
    }

    #[test]
    fn rejects_text_not_in_hh_mm_format() {
        for s in [
            "",
            "08:00",
            "8-12",
            "08:0-12:00",
            "24:00-25:00",
            "08:60-09:00",
            "ab:cd-12:00",
            "08:00-12:00-13:00",
            "08.00-12.00",
            "+8:00-12:00",
        ] {
            let err = TimeWindow::parse(s).unwrap_err();
            assert!(err.zh.contains("HH:MM"), "{s:?}");
            assert!(err.en.contains("HH:MM"), "{s:?}");
        }
    }

    #[test]
    fn contains_both_ends_of_the_window() {
        let w = win("08:00-12:00");
        assert!(w.contains(t(8, 0)));
        assert!(w.contains(t(10, 30)));
        assert!(w.contains(t(12, 0)));
        assert!(!w.contains(t(7, 59)));
        assert!(!w.contains(t(12, 1)));
    }

    #[test]
    fn reports_seconds_from_midnight() {
        assert_eq!(win("08:00-12:30").seconds_from_midnight(), (28_800, 45_000));
    }

    #[test]
    fn parses_window_lists_with_any_separator_sorted_by_start() {
        let ws = TimeWindows::parse("13:00-17:00、08:00-12:00；18:00-19:00\n06:00-07:00").unwrap();
        assert_eq!(
            ws.to_string(),
            "06:00-07:00, 08:00-12:00, 13:00-17:00, 18:00-19:00"
        );
        let ws = TimeWindows::parse("08:00-12:00, 13:00-17:00,").unwrap();
        assert_eq!(ws.as_slice().len(), 2);
        assert_eq!(ws.iter().count(), 2);
    }

    #[test]
    fn treats_empty_list_as_any_time() {
        let ws = TimeWindows::parse(" \n ").unwrap();
        assert!(ws.is_empty());
        assert!(ws.contains(t(3, 0)));
        assert_eq!(ws.to_string(), "");
    }

    #[test]
    fn rejects_overlapping_windows_naming_both() {
        let err = TimeWindows::parse("11:00-13:00, 08:00-12:00").unwrap_err();
        assert_eq!(
            err.zh,
            "「配送時段」08:00-12:00 與 11:00-13:00 重疊，請合併或修正"
        );
        assert!(err.en.contains("08:00-12:00 overlaps 11:00-13:00"));
    }

    #[test]
    fn accepts_windows_that_only_touch() {
        let ws = TimeWindows::parse("08:00-12:00, 12:00-17:00").unwrap();
        assert!(ws.contains(t(12, 0)));
        assert!(!ws.contains(t(17, 1)));
    }

    #[test]
    fn rejects_more_than_four_windows() {
        let err = TimeWindows::parse("06:00-07:00,08:00-09:00,10:00-11:00,12:00-13:00,14:00-15:00")
            .unwrap_err();
        assert!(err.zh.contains("最多 4 個"));
    }

    #[test]
    fn propagates_the_first_bad_window_error() {
        let err = TimeWindows::parse("08:00-12:00, 17:00-13:00").unwrap_err();
        assert!(err.en.contains("end time must be after"));
    }

    #[test]
    fn deserializes_windows_from_display_string() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let de: StrDeserializer<'_, Error> = "13:00-17:00, 08:00-12:00".into_deserializer();
        let ws = TimeWindows::deserialize(de).unwrap();
        assert_eq!(ws.to_string(), "08:00-12:00, 13:00-17:00");
    }

    #[test]
    fn serializes_as_display_strings() {
        use crate::domain::test_json::to_json;
        assert_eq!(to_json(&win("8:00~12:00")), r#""08:00-12:00""#);
        let ws = TimeWindows::parse("13:00-17:00、08:00-12:00").unwrap();
        assert_eq!(to_json(&ws), r#""08:00-12:00, 13:00-17:00""#);
    }
}
