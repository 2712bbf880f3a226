//! Coordinates from an address, asked of a Nominatim-compatible service
//! (`GET {url}/search?q=…&format=jsonv2`): OpenStreetMap's public server,
//! a self-hosted Nominatim, or any service answering the same way.
//!
//! The answer is trusted only as far as it goes: a building-level result
//! (`place_rank` 28 and above) is a precise location; a street or area
//! is approximate. Requests are spaced (public Nominatim allows one per
//! second) and carry a user agent that names this application.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::{config::GeocodingConfig, domain::LatLon};

/// A point found for an address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub point: LatLon,
    /// Down to the building; otherwise only the street or area.
    pub precise: bool,
}

pub struct Geocoder {
    client: reqwest::Client,
    search_url: String,
    email: Option<String>,
    spacing: Duration,
    last: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Deserialize)]
struct Answer {
    lat: String,
    lon: String,
    #[serde(default)]
    place_rank: Option<u32>,
    #[serde(default, rename = "type")]
    kind: String,
}

/// Building-level ranks in Nominatim (28 and above: houses, buildings).
const PRECISE_RANK: u32 = 28;

impl Geocoder {
    /// `None` when no service is configured.
    pub fn new(config: &GeocodingConfig) -> Option<Self> {
        let base = config.url.as_deref()?.trim().trim_end_matches('/');
        if base.is_empty() {
            return None;
        }
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(Duration::from_secs(config.timeout_seconds.max(1)))
            .build()
            .ok()?;
        Some(Self {
            client,
            search_url: format!("{base}/search"),
            email: config.email.clone().filter(|e| !e.is_empty()),
            spacing: Duration::from_millis(config.min_interval_millis),
            last: tokio::sync::Mutex::new(None),
        })
    }

    /// The best point for `address` in Taiwan, `Ok(None)` when the service
    /// knows no such place. `Err` when it could not be asked (worth asking
    /// again later).
    pub async fn locate(&self, address: &str) -> Result<Option<Found>, String> {
        {
            // One request at a time, `spacing` apart.
            let mut last = self.last.lock().await;
            if let Some(at) = *last {
                let wait = self.spacing.saturating_sub(at.elapsed());
                tokio::time::sleep(wait).await;
            }
            *last = Some(Instant::now());
        }
        let mut query = vec![
            ("q", address.to_owned()),
            ("format", "jsonv2".to_owned()),
            ("limit", "1".to_owned()),
            ("countrycodes", "tw".to_owned()),
            ("accept-language", "zh-TW".to_owned()),
        ];
        if let Some(e) = &self.email {
            query.push(("email", e.clone()));
        }
        let res = self
            .client
            .get(&self.search_url)
            .query(&query)
            .send()
            .await
            .map_err(|e| format!("geocoder unreachable: {}", e.without_url()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(format!("geocoder answered HTTP {}", status.as_u16()));
        }
        let places: Vec<Answer> = res
            .json()
            .await
            .map_err(|e| format!("geocoder answer unreadable: {}", e.without_url()))?;
        Ok(places.first().and_then(found))
    }
}

fn found(p: &Answer) -> Option<Found> {
    let point = LatLon::new(p.lat.trim().parse().ok()?, p.lon.trim().parse().ok()?).ok()?;
    let precise = p.place_rank.is_some_and(|r| r >= PRECISE_RANK)
        || matches!(p.kind.as_str(), "house" | "building");
    Some(Found { point, precise })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(json: &str) -> Option<Found> {
        found(&serde_json::from_str::<Answer>(json).unwrap())
    }

    #[test]
    fn a_house_is_precise_a_street_or_area_is_not_and_outside_taiwan_is_nothing() {
        let house = place(r#"{"lat":"24.9656","lon":"121.2248","place_rank":30,"type":"house"}"#);
        assert!(house.unwrap().precise);
        let street =
            place(r#"{"lat":"24.9656","lon":"121.2248","place_rank":26,"type":"residential"}"#);
        assert!(!street.unwrap().precise);
        let area = place(r#"{"lat":"24.9656","lon":"121.2248","place_rank":16}"#);
        assert!(!area.unwrap().precise);
        assert!(place(r#"{"lat":"35.68","lon":"139.76","place_rank":30}"#).is_none());
        assert!(place(r#"{"lat":"north","lon":"121.2","place_rank":30}"#).is_none());
    }
}
