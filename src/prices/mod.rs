//! Prices per cylinder size: the list price from a date (`list`: page and
//! API; managers set prices) and a customer's own prices (`customer`: the
//! card on the customer page and its API). `queries` says which price is in
//! force on a date; orders and imports ask it.

pub mod customer;
pub mod entity;
pub mod list;
mod queries;

pub use entity::{customer_price, price};
pub use queries::{list_on, list_price_on, price_on, set_customer_price, set_list_price};

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    customer::routes(list::routes(r))
}
