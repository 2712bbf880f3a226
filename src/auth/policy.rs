//! Who may use a route. Every route states its [`Access`] where it is
//! registered (`Routes::add` / `Routes::api` in each feature's `routes()`),
//! so a route cannot exist without a rule; the registry collects them into
//! the one [`AccessTable`] the guard consults.

use std::collections::HashMap;

use axum::http::Method;

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in, active user.
    SignedIn,
    /// Only these roles.
    Roles(&'static [Role]),
}

use Role::{Customer, Driver, Manager, OfficeStaff, SuperAdmin};

pub const PUBLIC: Access = Access::Public;
pub const SIGNED_IN: Access = Access::SignedIn;
/// User management.
pub const ADMIN: Access = Access::Roles(&[SuperAdmin]);
/// Managers and admins: prices, the fleet.
pub const MANAGERS: Access = Access::Roles(&[SuperAdmin, Manager]);
/// The office: the customer book, orders, the phone desk, planning.
pub const OFFICE: Access = Access::Roles(&[SuperAdmin, Manager, OfficeStaff]);
/// The office and drivers (a driver sees only their own).
pub const OFFICE_AND_DRIVERS: Access = Access::Roles(&[SuperAdmin, Manager, OfficeStaff, Driver]);
/// Drivers only: the driver app.
pub const DRIVERS: Access = Access::Roles(&[Driver]);
/// A customer's own account.
pub const CUSTOMER: Access = Access::Roles(&[Customer]);

impl Access {
    /// Whether a user with `role` (or nobody) may pass.
    pub fn allows(self, role: Option<Role>) -> bool {
        match self {
            Self::Public => true,
            Self::SignedIn => role.is_some(),
            Self::Roles(roles) => role.is_some_and(|r| roles.contains(&r)),
        }
    }
}

/// Every route's rule, by route template and method.
#[derive(Debug, Default)]
pub struct AccessTable(HashMap<String, Vec<(Method, Access)>>);

impl AccessTable {
    /// Adds a rule. A route registered twice is a programming error.
    pub fn insert(&mut self, method: Method, route: &str, access: Access) {
        let rules = self.0.entry(route.to_owned()).or_default();
        assert!(
            !rules.iter().any(|(m, _)| *m == method),
            "{method} {route} registered twice"
        );
        rules.push((method, access));
    }

    /// The rule for a route, if it has one.
    pub fn lookup(&self, method: &Method, route: &str) -> Option<Access> {
        self.0
            .get(route)?
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, a)| *a)
    }

    /// Whether a user with `role` (or nobody) may use a route; a route
    /// without a rule is refused to everyone.
    pub fn allows(&self, method: &Method, route: &str, role: Option<Role>) -> bool {
        self.lookup(method, route).is_some_and(|a| a.allows(role))
    }

    /// The methods a route answers to (for `405` and `Allow`).
    pub fn methods(&self, route: &str) -> Vec<Method> {
        self.0
            .get(route)
            .map(|rules| rules.iter().map(|(m, _)| m.clone()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_are_refused_to_everyone() {
        let table = AccessTable::default();
        assert!(!table.allows(&Method::GET, "/nowhere", Some(Role::SuperAdmin)));
    }

    #[test]
    fn roles_pass_only_their_own_rules() {
        let mut table = AccessTable::default();
        table.insert(Method::GET, "/users", ADMIN);
        for role in Role::ALL {
            assert_eq!(
                table.allows(&Method::GET, "/users", Some(role)),
                role == Role::SuperAdmin
            );
        }
        assert!(!table.allows(&Method::GET, "/users", None));
        assert!(!table.allows(&Method::POST, "/users", Some(Role::SuperAdmin)));
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_route_cannot_get_two_rules() {
        let mut table = AccessTable::default();
        table.insert(Method::GET, "/x", PUBLIC);
        table.insert(Method::GET, "/x", ADMIN);
    }
}
