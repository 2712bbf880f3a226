//! The order status machine, enforced here and nowhere else.
//!
//! ```text
//! pending ──confirm──▶ confirmed ──plan──▶ planned ──depart──▶ out_for_delivery ──deliver──▶ delivered
//!    │                     │  ◀──unplan──    │                          └──fail──▶ failed ──requeue──▶ pending
//!    └─────── cancel ──────┴───── cancel ────┘                                      └── cancel (the office gives up)
//! ```

use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Planned,
    OutForDelivery,
    Delivered,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Confirm,
    Plan,
    Unplan,
    Depart,
    Deliver,
    Fail,
    Requeue,
    Cancel,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        Self::Pending,
        Self::Confirmed,
        Self::Planned,
        Self::OutForDelivery,
        Self::Delivered,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Planned => "planned",
            Self::OutForDelivery => "out_for_delivery",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        let (zh, en) = match self {
            Self::Pending => ("待確認", "Pending"),
            Self::Confirmed => ("已確認", "Confirmed"),
            Self::Planned => ("已排線", "Planned"),
            Self::OutForDelivery => ("配送中", "Out for delivery"),
            Self::Delivered => ("已送達", "Delivered"),
            Self::Failed => ("配送失敗", "Failed"),
            Self::Cancelled => ("已取消", "Cancelled"),
        };
        match locale {
            Locale::ZhTw => zh,
            Locale::En => en,
        }
    }

    /// Orders that still need work (not delivered, cancelled or failed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Confirmed | Self::Planned | Self::OutForDelivery
        )
    }

    /// The next status after `action`, or the reason it is not allowed.
    pub fn apply(self, action: Action) -> Result<Self, Text> {
        use Action as A;
        use OrderStatus as S;
        let next = match (self, action) {
            (S::Pending, A::Confirm) | (S::Planned, A::Unplan) => S::Confirmed,
            (S::Confirmed, A::Plan) => S::Planned,
            (S::Planned, A::Depart) => S::OutForDelivery,
            (S::OutForDelivery, A::Deliver) => S::Delivered,
            (S::OutForDelivery, A::Fail) => S::Failed,
            (S::Failed, A::Requeue) => S::Pending,
            (S::Pending | S::Confirmed | S::Planned | S::Failed, A::Cancel) => S::Cancelled,
            _ => {
                return Err(Text::new(
                    format!(
                        "訂單目前為「{}」，不能{}",
                        self.label(Locale::ZhTw),
                        action.label(Locale::ZhTw)
                    ),
                    format!(
                        "The order is {}; it cannot be {}",
                        self.label(Locale::En).to_lowercase(),
                        action.past_participle()
                    ),
                ));
            }
        };
        Ok(next)
    }
}

impl Action {
    pub const ALL: [Action; 8] = [
        Self::Confirm,
        Self::Plan,
        Self::Unplan,
        Self::Depart,
        Self::Deliver,
        Self::Fail,
        Self::Requeue,
        Self::Cancel,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Plan => "plan",
            Self::Unplan => "unplan",
            Self::Depart => "depart",
            Self::Deliver => "deliver",
            Self::Fail => "fail",
            Self::Requeue => "requeue",
            Self::Cancel => "cancel",
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        let (zh, en) = match self {
            Self::Confirm => ("確認", "Confirm"),
            Self::Plan => ("排入路線", "Plan"),
            Self::Unplan => ("移出路線", "Unplan"),
            Self::Depart => ("出車", "Depart"),
            Self::Deliver => ("標記送達", "Mark delivered"),
            Self::Fail => ("標記失敗", "Mark failed"),
            Self::Requeue => ("重新排入", "Re-queue"),
            Self::Cancel => ("取消", "Cancel"),
        };
        match locale {
            Locale::ZhTw => zh,
            Locale::En => en,
        }
    }

    fn past_participle(self) -> &'static str {
        match self {
            Self::Confirm => "confirmed",
            Self::Plan => "planned",
            Self::Unplan => "taken off its route",
            Self::Depart => "sent out",
            Self::Deliver => "marked delivered",
            Self::Fail => "marked failed",
            Self::Requeue => "re-queued",
            Self::Cancel => "cancelled",
        }
    }

    /// Actions office staff may take by hand from the order page; the rest
    /// come from planning and the driver app.
    pub fn is_manual(self) -> bool {
        matches!(self, Self::Confirm | Self::Cancel | Self::Requeue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGAL: [(OrderStatus, Action, OrderStatus); 10] = [
        (
            OrderStatus::Pending,
            Action::Confirm,
            OrderStatus::Confirmed,
        ),
        (OrderStatus::Confirmed, Action::Plan, OrderStatus::Planned),
        (OrderStatus::Planned, Action::Unplan, OrderStatus::Confirmed),
        (
            OrderStatus::Planned,
            Action::Depart,
            OrderStatus::OutForDelivery,
        ),
        (
            OrderStatus::OutForDelivery,
            Action::Deliver,
            OrderStatus::Delivered,
        ),
        (
            OrderStatus::OutForDelivery,
            Action::Fail,
            OrderStatus::Failed,
        ),
        (OrderStatus::Failed, Action::Requeue, OrderStatus::Pending),
        (OrderStatus::Pending, Action::Cancel, OrderStatus::Cancelled),
        (OrderStatus::Planned, Action::Cancel, OrderStatus::Cancelled),
        // The office gives up on a failed delivery.
        (OrderStatus::Failed, Action::Cancel, OrderStatus::Cancelled),
    ];

    #[test]
    fn every_legal_transition_is_allowed() {
        for (from, action, to) in LEGAL {
            assert_eq!(from.apply(action), Ok(to), "{from:?} --{action:?}-->");
        }
        assert_eq!(
            OrderStatus::Confirmed.apply(Action::Cancel),
            Ok(OrderStatus::Cancelled)
        );
    }

    #[test]
    fn everything_else_is_refused_with_a_reason_in_both_languages() {
        let mut refused = 0;
        for from in OrderStatus::ALL {
            for action in Action::ALL {
                let legal = LEGAL.iter().any(|(f, a, _)| *f == from && *a == action)
                    || (from == OrderStatus::Confirmed && action == Action::Cancel);
                match from.apply(action) {
                    Ok(_) => assert!(legal, "{from:?} --{action:?}--> should be refused"),
                    Err(reason) => {
                        assert!(!legal);
                        assert!(reason.zh.contains(from.label(Locale::ZhTw)));
                        refused += 1;
                    }
                }
            }
        }
        assert_eq!(refused, 7 * 8 - 11);
    }

    #[test]
    fn a_delivered_order_cannot_be_cancelled() {
        let err = OrderStatus::Delivered.apply(Action::Cancel).unwrap_err();
        assert_eq!(err.zh, "訂單目前為「已送達」，不能取消");
        assert_eq!(err.en, "The order is delivered; it cannot be cancelled");
    }
}
