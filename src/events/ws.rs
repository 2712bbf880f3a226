//! `GET /ws`: a signed-in user's live event stream (session cookie or
//! bearer token), filtered to the user's rooms, with a ping every 30 s.
//! A socket that falls behind gets `{"type":"resync"}` and should re-fetch.

use std::time::Duration;

use axum::{
    extract::{
        State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    response::Response,
};
use tokio::sync::broadcast::error::RecvError;

use crate::{app::AppState, auth::Ctx, error::AppError};

const PING_EVERY: Duration = Duration::from_secs(30);

pub async fn socket(
    State(state): State<AppState>,
    ctx: Ctx,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let user = ctx.user.ok_or(AppError::NotAuthenticated)?;
    let rooms = super::rooms_for(&user);
    let rx = state.events.subscribe();
    Ok(upgrade.on_upgrade(move |ws| run(ws, rooms, rx)))
}

async fn run(
    mut ws: WebSocket,
    rooms: Vec<String>,
    mut rx: tokio::sync::broadcast::Receiver<std::sync::Arc<super::Event>>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    metrics::gauge!("luckygas_ws_connections").increment(1);
    loop {
        tokio::select! {
            event = rx.recv() => {
                let text = match event {
                    Ok(e) if rooms.iter().any(|r| *r == e.room) => {
                        serde_json::to_string(&*e).unwrap_or_default()
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => r#"{"type":"resync"}"#.to_owned(),
                    Err(RecvError::Closed) => break,
                };
                if ws.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if ws.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    metrics::gauge!("luckygas_ws_connections").decrement(1);
}
