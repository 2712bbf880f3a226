//! The states of a day's plan and of its routes, stored as their codes.

/// One plan per delivery date: a draft until published; a published plan
/// with unpublished edits is `changed` until published again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Draft,
    Published,
    Changed,
}

impl PlanStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Changed => "changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::Changed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Drivers have seen it (it is or was published).
    pub fn was_published(self) -> bool {
        self != Self::Draft
    }

    /// The catalogue key of its label on the board.
    pub const fn label_key(self) -> &'static str {
        match self {
            Self::Draft => "planning.status_draft",
            Self::Published => "planning.status_published",
            Self::Changed => "planning.status_changed",
        }
    }
}

/// A route: a draft until its plan is published; then drivers see it.
/// The driver starts it (`in_progress`) and ends it (`done`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStatus {
    Draft,
    Published,
    InProgress,
    Done,
}

impl RouteStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }

    /// Label: zh-TW, English.
    pub const fn label(self, locale: crate::i18n::Locale) -> &'static str {
        let (zh, en) = match self {
            Self::Draft => ("草稿", "Draft"),
            Self::Published => ("已發布", "Published"),
            Self::InProgress => ("配送中", "Under way"),
            Self::Done => ("已收車", "Ended"),
        };
        match locale {
            crate::i18n::Locale::ZhTw => zh,
            crate::i18n::Locale::En => en,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::InProgress, Self::Done]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_codes() {
        for s in [
            PlanStatus::Draft,
            PlanStatus::Published,
            PlanStatus::Changed,
        ] {
            assert_eq!(PlanStatus::parse(s.as_str()), Some(s));
        }
        for s in [
            RouteStatus::Draft,
            RouteStatus::Published,
            RouteStatus::InProgress,
            RouteStatus::Done,
        ] {
            assert_eq!(RouteStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(PlanStatus::parse("nonsense"), None);
        assert!(!PlanStatus::Draft.was_published() && PlanStatus::Changed.was_published());
    }
}
