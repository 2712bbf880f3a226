//! Event fan-out between instances over Redis pub/sub (`REDIS_URL`), and
//! the few RESP commands it needs, spoken directly: `AUTH`, `PING`,
//! `PUBLISH`, `SUBSCRIBE`.
//!
//! Each instance publishes its events to the `luckygas:events` channel with
//! its origin id and hands on to its own sockets what other instances
//! publish. A lost connection is retried with backoff; events published
//! while Redis is away reach only the local sockets (clients re-fetch on
//! reconnect, as for any missed event).

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    sync::{broadcast, mpsc},
};

use super::Event;

pub const CHANNEL: &str = "luckygas:events";
const TIMEOUT: Duration = Duration::from_secs(3);
/// Events waiting for Redis; more are dropped (they still reach local
/// sockets, and other instances' clients re-fetch when they reconnect).
pub const QUEUE: usize = 256;

/// `redis://[:password@]host[:port][/db]` → (host:port, password).
pub fn parse_url(url: &str) -> Result<(String, Option<String>), String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| "redis: REDIS_URL must start with redis://".to_owned())?;
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a.trim_start_matches(':').to_owned()), h),
        None => (None, rest),
    };
    let host = host.split('/').next().unwrap_or(host);
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:6379")
    };
    Ok((host, auth.filter(|p| !p.is_empty())))
}

/// A RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Connects (and authenticates) within the timeout.
pub async fn connect(url: &str) -> Result<BufReader<TcpStream>, String> {
    let (host, password) = parse_url(url)?;
    let work = async {
        let s = TcpStream::connect(&host)
            .await
            .map_err(|e| format!("redis: {e}"))?;
        let mut s = BufReader::new(s);
        if let Some(pw) = password {
            s.get_mut()
                .write_all(&encode(&[b"AUTH", pw.as_bytes()]))
                .await
                .map_err(|e| format!("redis: {e}"))?;
            let line = read_line(&mut s).await?;
            if !line.starts_with('+') {
                return Err(format!("redis: AUTH refused: {line}"));
            }
        }
        Ok(s)
    };
    tokio::time::timeout(TIMEOUT, work)
        .await
        .map_err(|_| "redis: timed out".to_owned())?
}

async fn read_line(s: &mut BufReader<TcpStream>) -> Result<String, String> {
    let mut line = String::new();
    let n = s
        .read_line(&mut line)
        .await
        .map_err(|e| format!("redis: {e}"))?;
    if n == 0 {
        return Err("redis: connection closed".into());
    }
    Ok(line.trim_end().to_owned())
}

/// Reads one RESP reply that is an array of bulk strings (a pub/sub push).
async fn read_array(s: &mut BufReader<TcpStream>) -> Result<Vec<Vec<u8>>, String> {
    let head = read_line(s).await?;
    let n: usize = head
        .strip_prefix('*')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("redis: unexpected reply {head}"))?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        let h = read_line(s).await?;
        if let Some(len) = h.strip_prefix('$').and_then(|l| l.parse::<usize>().ok()) {
            let mut buf = vec![0; len + 2];
            s.read_exact(&mut buf)
                .await
                .map_err(|e| format!("redis: {e}"))?;
            buf.truncate(len);
            items.push(buf);
        } else {
            // An integer (the subscription count): keep its text.
            items.push(h.trim_start_matches(':').as_bytes().to_vec());
        }
    }
    Ok(items)
}

/// A Redis `PING`, for the readiness probe.
pub async fn ping(url: &str) -> Result<(), String> {
    let mut s = connect(url).await?;
    let work = async {
        s.get_mut()
            .write_all(&encode(&[b"PING"]))
            .await
            .map_err(|e| format!("redis: {e}"))?;
        read_line(&mut s).await
    };
    match tokio::time::timeout(TIMEOUT, work).await {
        Ok(Ok(l)) if l == "+PONG" => Ok(()),
        Ok(Ok(l)) => Err(format!("redis: unexpected answer to PING: {l}")),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("redis: timed out".into()),
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: u64,
    event: Event,
}

/// Starts the two tasks: one publishing this instance's events, one
/// passing other instances' events to local sockets. Returns the sender the
/// hub hands its events to.
pub fn start(
    url: String,
    origin: u64,
    local: broadcast::Sender<Arc<Event>>,
) -> mpsc::Sender<Arc<Event>> {
    let (tx, rx) = mpsc::channel::<Arc<Event>>(QUEUE);
    tokio::spawn(publisher(url.clone(), origin, rx));
    tokio::spawn(subscriber(url, origin, local));
    tx
}

async fn backoff(delay: &mut Duration) {
    tokio::time::sleep(*delay).await;
    *delay = (*delay * 2).min(Duration::from_secs(30));
}

async fn publisher(url: String, origin: u64, mut rx: mpsc::Receiver<Arc<Event>>) {
    let mut delay = Duration::from_millis(200);
    let mut conn: Option<BufReader<TcpStream>> = None;
    while let Some(event) = rx.recv().await {
        if conn.is_none() {
            // After an outage, old events are stale: send only what is new.
            while rx.try_recv().is_ok() {}
        }
        let payload = serde_json::to_vec(&Envelope {
            origin,
            event: (*event).clone(),
        })
        .unwrap_or_default();
        let cmd = encode(&[b"PUBLISH", CHANNEL.as_bytes(), &payload]);
        for _ in 0..2 {
            if conn.is_none() {
                match connect(&url).await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "event fan-out: cannot reach Redis");
                        backoff(&mut delay).await;
                        break;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { break };
            let sent = async {
                c.get_mut()
                    .write_all(&cmd)
                    .await
                    .map_err(|e| format!("redis: {e}"))?;
                read_line(c).await
            };
            match tokio::time::timeout(TIMEOUT, sent).await {
                Ok(Ok(_)) => {
                    delay = Duration::from_millis(200);
                    break;
                }
                _ => conn = None,
            }
        }
    }
}

async fn subscriber(url: String, origin: u64, local: broadcast::Sender<Arc<Event>>) {
    let mut delay = Duration::from_millis(200);
    loop {
        let mut conn = match connect(&url).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "event fan-out: cannot subscribe");
                backoff(&mut delay).await;
                continue;
            }
        };
        if conn
            .get_mut()
            .write_all(&encode(&[b"SUBSCRIBE", CHANNEL.as_bytes()]))
            .await
            .is_err()
        {
            backoff(&mut delay).await;
            continue;
        }
        loop {
            let items = match read_array(&mut conn).await {
                Ok(items) => items,
                Err(e) => {
                    tracing::warn!(error = %e, "event fan-out: subscription lost");
                    break;
                }
            };
            if items.len() == 3 && items[0] == b"subscribe" {
                // Confirmed: a later loss starts again from a short wait.
                delay = Duration::from_millis(200);
            }
            if items.len() == 3
                && items[0] == b"message"
                && let Ok(env) = serde_json::from_slice::<Envelope>(&items[2])
                && env.origin != origin
            {
                let _ = local.send(Arc::new(env.event));
            }
        }
        backoff(&mut delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_commands() {
        assert_eq!(
            parse_url("redis://127.0.0.1:6379/0").unwrap(),
            ("127.0.0.1:6379".into(), None)
        );
        assert_eq!(
            parse_url("redis://:s3cret@cache").unwrap(),
            ("cache:6379".into(), Some("s3cret".into()))
        );
        assert!(parse_url("http://x").is_err());
        assert_eq!(encode(&[b"PING"]), b"*1\r\n$4\r\nPING\r\n");
    }
}
