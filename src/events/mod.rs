//! Live events: one hub in `AppState`, published to after a transaction
//! commits, delivered to browsers over `/ws` by room.
//!
//! Rooms: `admin`, `orders`, `routes`, `predictions` for office roles,
//! `driver:{user id}` for a driver, `customer:{customer id}` for a customer
//! account. Messages are JSON `{type, room, data, at}`.
//!
//! The hub is in-process (`tokio::sync::broadcast`); with `REDIS_URL` set,
//! events also go out over Redis pub/sub and arrive at every instance
//! (`redis.rs`).

pub mod redis;
pub mod ws;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::{
    app::Routes,
    auth::{AuthUser, Role},
};

use crate::auth::policy::SIGNED_IN;

pub fn routes(r: Routes) -> Routes {
    r.add(axum::http::Method::GET, "/ws", SIGNED_IN, ws::socket)
}

/// One event, as sent to sockets.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub room: String,
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// Events waiting for a slow socket before it is told to re-fetch.
const BUFFER: usize = 256;

#[derive(Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<Event>>,
    /// This instance, in messages to the others.
    origin: u64,
    /// Set once Redis fan-out is started.
    remote: Arc<OnceLock<tokio::sync::mpsc::Sender<Arc<Event>>>>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::new()
    }
}

impl EventHub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(BUFFER);
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).expect("randomness");
        Self {
            tx,
            origin: u64::from_le_bytes(r),
            remote: Arc::new(OnceLock::new()),
        }
    }

    /// Also sends events to, and receives them from, the other instances
    /// through Redis. Call once, inside the runtime.
    pub fn start_redis(&self, url: &str) {
        if self.remote.get().is_none() {
            let sender = redis::start(url.to_owned(), self.origin, self.tx.clone());
            let _ = self.remote.set(sender);
        }
    }

    /// Sends an event to every socket in `room`. Call after the change it
    /// describes has committed.
    pub fn publish(&self, room: &str, kind: &str, data: serde_json::Value, at: DateTime<Utc>) {
        let event = Event {
            kind: kind.to_owned(),
            room: room.to_owned(),
            data,
            at,
        };
        metrics::counter!("luckygas_events_published_total", "type" => kind.to_owned())
            .increment(1);
        let event = Arc::new(event);
        if let Some(remote) = self.remote.get() {
            // A full queue (Redis away) drops it for the other instances.
            let _ = remote.try_send(Arc::clone(&event));
        }
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// The rooms a signed-in user's sockets join.
pub fn rooms_for(user: &AuthUser) -> Vec<String> {
    match user.role {
        Role::SuperAdmin => vec![
            "admin".into(),
            "orders".into(),
            "routes".into(),
            "predictions".into(),
        ],
        Role::Manager | Role::OfficeStaff => {
            vec!["orders".into(), "routes".into(), "predictions".into()]
        }
        Role::Driver => vec![format!("driver:{}", user.id)],
        Role::Customer => user
            .customer_id
            .map(|c| vec![format!("customer:{c}")])
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn user(role: Role) -> AuthUser {
        AuthUser {
            id: 7,
            username: "u".into(),
            display_name: "U".into(),
            role,
            locale: Locale::ZhTw,
            customer_id: Some(3),
        }
    }

    #[test]
    fn drivers_and_customers_only_hear_about_themselves() {
        assert_eq!(rooms_for(&user(Role::Driver)), vec!["driver:7"]);
        assert_eq!(rooms_for(&user(Role::Customer)), vec!["customer:3"]);
        assert!(rooms_for(&user(Role::Manager)).contains(&"routes".to_owned()));
        assert!(!rooms_for(&user(Role::Manager)).contains(&"admin".to_owned()));
    }

    #[tokio::test]
    async fn subscribers_receive_published_events() {
        let hub = EventHub::new();
        let mut rx = hub.subscribe();
        hub.publish(
            "routes",
            "plan.progress",
            serde_json::json!({"x": 1}),
            DateTime::UNIX_EPOCH,
        );
        let e = rx.recv().await.unwrap();
        assert_eq!(e.kind, "plan.progress");
        assert_eq!(e.room, "routes");
    }
}
