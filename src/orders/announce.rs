//! What other screens hear about orders: an event in the `orders` room
//! after the change has committed, saying what changed and who did it (the
//! timeline rows record the same actor). The orders list, the desk and the
//! dispatch page listen and re-fetch.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::entity::order;
use crate::{auth::AuthUser, events::EventHub};

pub const ROOM: &str = "orders";

fn actor_json(actor: Option<&AuthUser>) -> serde_json::Value {
    actor.map_or(
        serde_json::Value::Null,
        |a| json!({ "id": a.id, "name": a.display_name }),
    )
}

fn order_json(o: &order::Model) -> serde_json::Value {
    json!({
        "id": o.id,
        "order_number": o.order_number,
        "customer_id": o.customer_id,
        "requested_date": o.requested_date,
        "status": o.status,
        "source": o.source,
        "version": o.version,
    })
}

/// `order.created`
pub fn created(hub: &EventHub, o: &order::Model, actor: Option<&AuthUser>, at: DateTime<Utc>) {
    let mut data = order_json(o);
    data["actor"] = actor_json(actor);
    hub.publish(ROOM, "order.created", data, at);
}

/// `order.updated`: a new status (or date) of one order.
pub fn updated(hub: &EventHub, o: &order::Model, actor: Option<&AuthUser>, at: DateTime<Utc>) {
    let mut data = order_json(o);
    data["actor"] = actor_json(actor);
    hub.publish(ROOM, "order.updated", data, at);
}

/// `orders.changed`: many orders at once (`why`: `bulk`, `import`,
/// `publish`, `recurring`); screens re-fetch what they show.
pub fn many(hub: &EventHub, ids: &[i32], why: &str, actor: Option<&AuthUser>, at: DateTime<Utc>) {
    if ids.is_empty() {
        return;
    }
    hub.publish(
        ROOM,
        "orders.changed",
        json!({ "ids": ids, "why": why, "actor": actor_json(actor) }),
        at,
    );
}
