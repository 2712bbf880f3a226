//! Travel times and distances between points: straight-line distance × 1.3
//! at 30 km/h by default (works with no network, and is the model of the
//! benchmark days), or an OSRM-compatible `table` service when
//! `routing.osrm_url` is set. Matrices are cached per set of points.

use std::{
    collections::VecDeque,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, Mutex},
    time::Duration,
};

use optimizer::Matrix;

use crate::domain::geo::haversine_m;

/// Road distance over straight-line distance.
pub const CIRCUITY: f64 = 1.3;
/// Average speed in town, km/h.
pub const SPEED_KMH: f64 = 30.0;
/// Matrices kept (a few dates and their re-plans).
const CACHE_SIZE: usize = 8;
const OSRM_TIMEOUT: Duration = Duration::from_secs(20);

/// Road estimate between two points: (seconds, metres), rounded to whole
/// units like the benchmark matrices.
pub fn estimate(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let metres = (haversine_m(a, b) * CIRCUITY).round();
    let seconds = (metres / (SPEED_KMH / 3.6)).round();
    (seconds, metres)
}

/// The default matrix over `(lat, lon)` points.
pub fn estimated_matrix(points: &[(f64, f64)]) -> Matrix {
    let n = points.len();
    let mut duration = vec![0.0; n * n];
    let mut distance = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                let (s, m) = estimate(points[i], points[j]);
                duration[i * n + j] = s;
                distance[i * n + j] = m;
            }
        }
    }
    Matrix::new(n, duration, distance).expect("a square matrix of finite values")
}

pub struct Travel {
    osrm_url: Option<String>,
    cache: Mutex<VecDeque<(u64, Arc<Matrix>)>>,
}

impl Travel {
    pub fn new(osrm_url: Option<String>) -> Self {
        Self {
            osrm_url: osrm_url.filter(|u| !u.trim().is_empty()),
            cache: Mutex::new(VecDeque::new()),
        }
    }

    /// The matrix over `(lat, lon)` points, from the cache when the same
    /// points were asked for recently. An OSRM failure falls back to the
    /// estimate (and is logged), so planning never stops for the network.
    pub async fn matrix(&self, points: &[(f64, f64)]) -> Arc<Matrix> {
        let key = key_of(points);
        if let Some(hit) = self.cached(key) {
            metrics::counter!("luckygas_travel_matrix_total", "source" => "cache").increment(1);
            return hit;
        }
        let matrix = match &self.osrm_url {
            Some(url) => match osrm_table(url, points).await {
                Ok(m) => {
                    metrics::counter!("luckygas_travel_matrix_total", "source" => "osrm")
                        .increment(1);
                    m
                }
                Err(e) => {
                    tracing::warn!(error = %e, "OSRM table request failed; using the straight-line estimate");
                    estimated_matrix(points)
                }
            },
            None => {
                metrics::counter!("luckygas_travel_matrix_total", "source" => "estimate")
                    .increment(1);
                estimated_matrix(points)
            }
        };
        let matrix = Arc::new(matrix);
        let mut cache = self.cache.lock().expect("travel cache lock");
        if cache.len() >= CACHE_SIZE {
            cache.pop_front();
        }
        cache.push_back((key, Arc::clone(&matrix)));
        matrix
    }

    fn cached(&self, key: u64) -> Option<Arc<Matrix>> {
        let cache = self.cache.lock().expect("travel cache lock");
        cache
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| Arc::clone(m))
    }
}

fn key_of(points: &[(f64, f64)]) -> u64 {
    let mut h = DefaultHasher::new();
    for (a, b) in points {
        a.to_bits().hash(&mut h);
        b.to_bits().hash(&mut h);
    }
    h.finish()
}

/// Asks an OSRM-compatible service (`GET /table/v1/driving/…`) for both
/// durations and distances. Unreachable pairs (`null`) get the estimate.
async fn osrm_table(base: &str, points: &[(f64, f64)]) -> Result<Matrix, String> {
    let coords: Vec<String> = points
        .iter()
        .map(|(lat, lon)| format!("{lon:.6},{lat:.6}"))
        .collect();
    let url = format!(
        "{}/table/v1/driving/{}?annotations=duration,distance",
        base.trim_end_matches('/'),
        coords.join(";")
    );
    let res = reqwest::Client::builder()
        .timeout(OSRM_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !res.status().is_success() {
        return Err(format!("HTTP status {}", res.status().as_u16()));
    }
    let json = res.text().await.map_err(|e| e.without_url().to_string())?;
    parse_table(&json, points)
}

fn parse_table(json: &str, points: &[(f64, f64)]) -> Result<Matrix, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if v["code"] != "Ok" {
        return Err(format!("service answered {}", v["code"]));
    }
    let n = points.len();
    let mut duration = vec![0.0; n * n];
    let mut distance = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (est_s, est_m) = estimate(points[i], points[j]);
            let d = v["durations"][i][j].as_f64();
            let m = v["distances"][i][j].as_f64();
            if v["durations"][i].as_array().map_or(0, Vec::len) != n {
                return Err("the table does not match the points".into());
            }
            duration[i * n + j] = d.filter(|x| x.is_finite() && *x >= 0.0).unwrap_or(est_s);
            distance[i * n + j] = m.filter(|x| x.is_finite() && *x >= 0.0).unwrap_or(est_m);
        }
    }
    Matrix::new(n, duration, distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_road_distance_at_town_speed() {
        // About 11.1 km per 0.1° of latitude.
        let (s, m) = estimate((24.9, 121.3), (25.0, 121.3));
        assert!((m - 11_119.5 * 1.3).abs() < 20.0, "{m}");
        assert!((s - m / (30.0 / 3.6)).abs() < 1.0);
        let mx = estimated_matrix(&[(24.9, 121.3), (25.0, 121.3)]);
        assert!(mx.distance(0, 0).abs() < f64::EPSILON);
        assert!((mx.distance(0, 1) - mx.distance(1, 0)).abs() < f64::EPSILON);
    }

    #[test]
    fn an_osrm_table_is_read_and_gaps_get_the_estimate() {
        let pts = [(24.9, 121.3), (25.0, 121.3)];
        let json =
            r#"{"code":"Ok","durations":[[0,900],[null,0]],"distances":[[0,15000],[14000,0]]}"#;
        let m = parse_table(json, &pts).unwrap();
        assert!((m.duration(0, 1) - 900.0).abs() < f64::EPSILON);
        assert!((m.distance(1, 0) - 14_000.0).abs() < f64::EPSILON);
        assert!((m.duration(1, 0) - estimate(pts[1], pts[0]).0).abs() < f64::EPSILON);
        assert!(parse_table(r#"{"code":"NoRoute"}"#, &pts).is_err());
    }

    #[tokio::test]
    async fn the_same_points_come_from_the_cache() {
        let t = Travel::new(None);
        let a = t.matrix(&[(24.9, 121.3), (25.0, 121.2)]).await;
        let b = t.matrix(&[(24.9, 121.3), (25.0, 121.2)]).await;
        assert!(Arc::ptr_eq(&a, &b));
    }
}
