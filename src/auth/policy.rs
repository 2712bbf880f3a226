//! The access decision table: every route of the application, and who may
//! use it. The guard consults this table and nothing else; a route that is
//! missing here is refused to everyone (and fails the role-matrix test).

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

use Access::{Public, Roles, SignedIn};
use Role::{Customer, Driver, Manager, OfficeStaff, SuperAdmin};

const ADMIN: &[Role] = &[SuperAdmin];
/// The office: the customer book, orders and the phone desk.
const OFFICE: &[Role] = &[SuperAdmin, Manager, OfficeStaff];

/// Keeps trucks and drivers.
const FLEET: &[Role] = &[SuperAdmin, Manager];
const OFFICE_AND_DRIVERS: &[Role] = &[SuperAdmin, Manager, OfficeStaff, Driver];

/// (method, route template as registered with the router, access).
pub const POLICY: &[(&str, &str, Access)] = &[
    // Operations and assets
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    ("GET", "/static/{*path}", Public),
    ("GET", "/favicon.ico", Public),
    // Sign-in and language
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", SignedIn),
    ("POST", "/locale", Public),
    ("POST", "/api/v1/auth/token", Public),
    ("GET", "/api/v1/me", SignedIn),
    // API description
    ("GET", "/api/v1/openapi.json", Public),
    ("GET", "/api/docs", Public),
    // Home
    ("GET", "/", SignedIn),
    // Customer book
    ("GET", "/customers", Roles(OFFICE)),
    ("GET", "/customers/new", Roles(OFFICE)),
    ("POST", "/customers", Roles(OFFICE)),
    ("GET", "/customers/{id}", Roles(OFFICE)),
    ("GET", "/customers/{id}/edit", Roles(OFFICE)),
    ("POST", "/customers/{id}", Roles(OFFICE)),
    ("POST", "/customers/{id}/active", Roles(OFFICE)),
    ("GET", "/api/v1/customers", Roles(OFFICE)),
    ("POST", "/api/v1/customers", Roles(OFFICE)),
    ("GET", "/api/v1/customers/{id}", Roles(OFFICE)),
    ("PUT", "/api/v1/customers/{id}", Roles(OFFICE)),
    ("POST", "/api/v1/customers/{id}/active", Roles(OFFICE)),
    // Spreadsheet import and export
    ("GET", "/customers/import", Roles(OFFICE)),
    ("POST", "/customers/import", Roles(OFFICE)),
    ("POST", "/customers/import/commit", Roles(OFFICE)),
    ("GET", "/customers/import/template.csv", Roles(OFFICE)),
    ("GET", "/customers/import/template.xlsx", Roles(OFFICE)),
    ("GET", "/customers/export.csv", Roles(OFFICE)),
    ("GET", "/customers/export.xlsx", Roles(OFFICE)),
    ("GET", "/orders/import", Roles(OFFICE)),
    ("POST", "/orders/import", Roles(OFFICE)),
    ("POST", "/orders/import/commit", Roles(OFFICE)),
    ("GET", "/orders/import/template.csv", Roles(OFFICE)),
    ("GET", "/orders/import/template.xlsx", Roles(OFFICE)),
    ("GET", "/orders/export.csv", Roles(OFFICE)),
    ("GET", "/orders/export.xlsx", Roles(OFFICE)),
    ("POST", "/api/v1/customers/import", Roles(OFFICE)),
    ("POST", "/api/v1/orders/import", Roles(OFFICE)),
    // Orders and the phone desk
    ("GET", "/orders", Roles(OFFICE)),
    ("GET", "/orders/new", Roles(OFFICE)),
    ("POST", "/orders", Roles(OFFICE)),
    ("POST", "/orders/bulk", Roles(OFFICE)),
    ("GET", "/orders/{id}", Roles(OFFICE)),
    ("POST", "/orders/{id}/transition", Roles(OFFICE)),
    ("GET", "/desk", Roles(OFFICE)),
    ("GET", "/desk/lookup", Roles(OFFICE)),
    ("GET", "/desk/customer/{id}", Roles(OFFICE)),
    ("POST", "/desk/order", Roles(OFFICE)),
    ("GET", "/api/v1/orders", Roles(OFFICE)),
    ("POST", "/api/v1/orders", Roles(OFFICE)),
    ("GET", "/api/v1/orders/{id}", Roles(OFFICE)),
    ("POST", "/api/v1/orders/{id}/transitions", Roles(OFFICE)),
    ("POST", "/api/v1/orders/bulk", Roles(OFFICE)),
    // A customer's own page: the account's customer only
    ("GET", "/my", Roles(&[Customer])),
    ("GET", "/api/v1/my/customer", Roles(&[Customer])),
    // Price list: the office reads it, managers set prices
    ("GET", "/prices", Roles(OFFICE)),
    ("POST", "/prices", Roles(&[SuperAdmin, Manager])),
    ("GET", "/api/v1/prices", Roles(OFFICE)),
    ("POST", "/api/v1/prices", Roles(&[SuperAdmin, Manager])),
    // A customer's own prices: the office reads them, managers set them
    ("GET", "/customers/{id}/prices", Roles(OFFICE)),
    (
        "POST",
        "/customers/{id}/prices",
        Roles(&[SuperAdmin, Manager]),
    ),
    ("GET", "/api/v1/customers/{id}/prices", Roles(OFFICE)),
    (
        "POST",
        "/api/v1/customers/{id}/prices",
        Roles(&[SuperAdmin, Manager]),
    ),
    // Recurring orders
    ("POST", "/customers/{id}/templates", Roles(OFFICE)),
    (
        "POST",
        "/customers/{id}/templates/{template_id}/active",
        Roles(OFFICE),
    ),
    ("GET", "/api/v1/templates", Roles(OFFICE)),
    ("POST", "/api/v1/templates", Roles(OFFICE)),
    ("POST", "/api/v1/templates/run", Roles(OFFICE)),
    // Route planning: the office plans; managers and admins keep the fleet
    ("GET", "/planning", Roles(OFFICE)),
    ("POST", "/planning/{date}/optimize", Roles(OFFICE)),
    ("POST", "/planning/{date}/publish", Roles(OFFICE)),
    ("POST", "/planning/{date}/move", Roles(OFFICE)),
    ("POST", "/planning/{date}/lock", Roles(OFFICE)),
    ("POST", "/planning/{date}/routes/{id}/driver", Roles(OFFICE)),
    ("GET", "/planning/routes/{id}/print", Roles(OFFICE)),
    ("GET", "/api/v1/planning/{date}", Roles(OFFICE)),
    ("POST", "/api/v1/planning/{date}/optimize", Roles(OFFICE)),
    ("GET", "/api/v1/planning/{date}/run", Roles(OFFICE)),
    ("POST", "/api/v1/planning/{date}/moves", Roles(OFFICE)),
    ("POST", "/api/v1/planning/{date}/locks", Roles(OFFICE)),
    ("POST", "/api/v1/planning/{date}/publish", Roles(OFFICE)),
    (
        "POST",
        "/api/v1/planning/{date}/routes/{id}/driver",
        Roles(OFFICE),
    ),
    ("GET", "/fleet", Roles(OFFICE)),
    ("POST", "/fleet/vehicles", Roles(FLEET)),
    ("POST", "/fleet/vehicles/{id}", Roles(FLEET)),
    ("POST", "/fleet/drivers", Roles(FLEET)),
    ("POST", "/fleet/drivers/{id}", Roles(FLEET)),
    ("GET", "/api/v1/vehicles", Roles(OFFICE)),
    ("POST", "/api/v1/vehicles", Roles(FLEET)),
    ("PUT", "/api/v1/vehicles/{id}", Roles(FLEET)),
    ("GET", "/api/v1/drivers", Roles(OFFICE)),
    ("POST", "/api/v1/drivers", Roles(FLEET)),
    ("PUT", "/api/v1/drivers/{id}", Roles(FLEET)),
    // Routes: the office sees all, a driver their own published routes
    ("GET", "/api/v1/routes", Roles(OFFICE_AND_DRIVERS)),
    ("GET", "/api/v1/routes/{id}", Roles(OFFICE_AND_DRIVERS)),
    // Live events for every signed-in user, filtered to their rooms
    ("GET", "/ws", SignedIn),
    // User management
    ("GET", "/users", Roles(ADMIN)),
    ("POST", "/users", Roles(ADMIN)),
    ("GET", "/users/{id}", Roles(ADMIN)),
    ("POST", "/users/{id}", Roles(ADMIN)),
    ("GET", "/api/v1/users", Roles(ADMIN)),
    ("POST", "/api/v1/users", Roles(ADMIN)),
    ("GET", "/api/v1/users/{id}", Roles(ADMIN)),
    ("PATCH", "/api/v1/users/{id}", Roles(ADMIN)),
];

/// The access rule for a route, if it has one.
pub fn lookup(method: &Method, route: &str) -> Option<Access> {
    POLICY
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, a)| *a)
}

/// Whether a user with `role` (or nobody) may use a route.
pub fn allows(method: &Method, route: &str, role: Option<Role>) -> bool {
    match lookup(method, route) {
        Some(Public) => true,
        Some(SignedIn) => role.is_some(),
        Some(Roles(roles)) => role.is_some_and(|r| roles.contains(&r)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_are_refused_to_everyone() {
        assert!(!allows(&Method::GET, "/nowhere", Some(Role::SuperAdmin)));
    }

    #[test]
    fn user_management_is_for_super_admins_only() {
        for role in Role::ALL {
            assert_eq!(
                allows(&Method::GET, "/users", Some(role)),
                role == Role::SuperAdmin
            );
        }
        assert!(!allows(&Method::GET, "/users", None));
    }

    #[test]
    fn each_route_appears_once() {
        for (i, (m, r, _)) in POLICY.iter().enumerate() {
            assert!(
                !POLICY[i + 1..].iter().any(|(m2, r2, _)| m == m2 && r == r2),
                "{m} {r} listed twice"
            );
        }
    }
}
