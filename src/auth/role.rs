//! The five roles of luckygas.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Manager,
    OfficeStaff,
    Driver,
    Customer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::SuperAdmin,
        Role::Manager,
        Role::OfficeStaff,
        Role::Driver,
        Role::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuperAdmin => "super_admin",
            Self::Manager => "manager",
            Self::OfficeStaff => "office_staff",
            Self::Driver => "driver",
            Self::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Catalogue key of the role's display name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::SuperAdmin => "role.super_admin",
            Self::Manager => "role.manager",
            Self::OfficeStaff => "role.office_staff",
            Self::Driver => "role.driver",
            Self::Customer => "role.customer",
        }
    }

    /// Office roles see the company's figures.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::SuperAdmin | Self::Manager | Self::OfficeStaff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
