//! The plan a dispatcher makes without an optimizer, as a yardstick: the
//! orders of each district go together, in trips of the largest truck, each
//! trip visiting the nearest next customer it can still serve (capacity,
//! the customer's delivery window, the shift). A trip leaves the depot when
//! its first customer's window allows, so evening customers get an evening
//! trip. Orders no trip can serve alone are left out.

use std::collections::BTreeMap;

use optimizer::{MAX_DIMS, Problem};

const EPS: f64 = 1e-6;

/// Earliest service start at or after `arrival` within the windows (any
/// time when there are none).
fn service_start(p: &Problem, j: usize, arrival: f64) -> Option<f64> {
    let w = &p.jobs[j].windows;
    if w.is_empty() {
        return Some(arrival);
    }
    w.iter()
        .filter(|w| w.end + EPS >= arrival)
        .map(|w| arrival.max(w.start))
        .min_by(f64::total_cmp)
}

fn earliest_window(p: &Problem, j: usize) -> f64 {
    p.jobs[j]
        .windows
        .iter()
        .map(|w| w.start)
        .fold(f64::INFINITY, f64::min)
}

/// Total distance (matrix units) of the naive plan; `groups[j]` is job
/// `j`'s district. Jobs without a location are left out.
pub fn naive_distance(p: &Problem, groups: &[String]) -> f64 {
    let Some(truck) = p.vehicles.iter().max_by_key(|v| v.capacity[0]) else {
        return 0.0;
    };
    let cap = truck.capacity;
    let max_shift = p.vehicles.iter().map(|v| v.max_shift).fold(0.0, f64::max);
    let (open, close) = (p.depot.open, p.depot.close);
    let depot = p.depot.location;
    let m = &p.matrix;
    let mut by_group: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, job) in p.jobs.iter().enumerate() {
        if job.location.is_some() {
            by_group.entry(groups[j].as_str()).or_default().push(j);
        }
    }
    let mut total = 0.0;
    for jobs in by_group.values() {
        let mut left: Vec<usize> = jobs.clone();
        while !left.is_empty() {
            // One trip: (departure, time, place, load, distance).
            let mut departure: Option<f64> = None;
            let (mut t, mut at, mut load, mut dist) = (open, depot, [0i64; MAX_DIMS], 0.0);
            loop {
                let mut best: Option<(usize, f64, f64)> = None;
                for (i, &j) in left.iter().enumerate() {
                    let job = &p.jobs[j];
                    let loc = job.location.unwrap_or(depot);
                    if (0..MAX_DIMS).any(|k| load[k] + job.demand[k] > cap[k]) {
                        continue;
                    }
                    let (leave, arrival) = match departure {
                        Some(_) => (None, t + m.duration(at, loc)),
                        None => {
                            let go = open.max(earliest_window(p, j) - m.duration(depot, loc));
                            let go = if go.is_finite() { go } else { open };
                            (Some(go), go + m.duration(depot, loc))
                        }
                    };
                    let Some(begin) = service_start(p, j, arrival) else {
                        continue;
                    };
                    let back = begin + job.service + m.duration(loc, depot);
                    let started = departure.or(leave).unwrap_or(open);
                    if back > close + EPS || back - started > max_shift + EPS {
                        continue;
                    }
                    let d = m.distance(at, loc);
                    if best.is_none_or(|(_, bd, _)| d < bd) {
                        best = Some((i, d, begin));
                    }
                }
                let Some((i, d, begin)) = best else { break };
                let j = left.swap_remove(i);
                if departure.is_none() {
                    let loc = p.jobs[j].location.unwrap_or(depot);
                    departure = Some(open.max(begin - m.duration(depot, loc)));
                }
                for (x, y) in load.iter_mut().zip(p.jobs[j].demand) {
                    *x += y;
                }
                dist += d;
                at = p.jobs[j].location.unwrap_or(depot);
                t = begin + p.jobs[j].service;
            }
            if departure.is_none() {
                // Nothing fits even on a fresh trip: these orders are left out.
                break;
            }
            total += dist + m.distance(at, depot);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use optimizer::{Depot, DistanceUnit, Job, Matrix, Objective, Vehicle, amount};

    use super::*;

    fn job(loc: usize, kg: i64) -> Job {
        Job {
            id: format!("j{loc}"),
            location: Some(loc),
            demand: amount(&[kg, 1]),
            windows: Vec::new(),
            service: 0.0,
            required_vehicle: None,
            priority: 0,
        }
    }

    #[test]
    fn an_evening_customer_gets_its_own_trip() {
        let pts = [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0)];
        let mut p = line();
        p.matrix = Matrix::euclidean(&pts);
        p.jobs = vec![job(1, 10), job(2, 10)];
        p.jobs[0].windows = vec![optimizer::TimeWindow::new(0.0, 100.0)];
        p.jobs[1].windows = vec![optimizer::TimeWindow::new(500.0, 600.0)];
        p.vehicles[0].max_shift = 200.0;
        let groups = ["a".to_owned(), "a".to_owned()];
        // One trip cannot wait until 500 within a 200 shift: 0-1-0 + 0-2-0.
        assert!((naive_distance(&p, &groups) - 60.0).abs() < 1e-9);
    }

    fn line() -> Problem {
        Problem {
            name: "t".into(),
            depot: Depot {
                location: 0,
                open: 0.0,
                close: 1e9,
            },
            vehicles: vec![Vehicle {
                id: "t".into(),
                capacity: amount(&[100, 10]),
                shift_start: 0.0,
                shift_end: 1e9,
                max_shift: f64::INFINITY,
            }],
            jobs: Vec::new(),
            matrix: Matrix::euclidean(&[(0.0, 0.0)]),
            locked: Vec::new(),
            objective: Objective::Distance,
            distance_unit: DistanceUnit::Plain,
            dimensions: Vec::new(),
        }
    }

    #[test]
    fn districts_are_driven_separately_in_truckloads() {
        // Depot at 0; two customers east (1, 2) and one west (3).
        let pts = [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0), (-10.0, 0.0)];
        let p = Problem {
            name: "t".into(),
            depot: Depot {
                location: 0,
                open: 0.0,
                close: 1e9,
            },
            vehicles: vec![Vehicle {
                id: "t".into(),
                capacity: amount(&[100, 10]),
                shift_start: 0.0,
                shift_end: 1e9,
                max_shift: f64::INFINITY,
            }],
            jobs: vec![job(1, 60), job(2, 60), job(3, 10)],
            matrix: Matrix::euclidean(&pts),
            locked: Vec::new(),
            objective: Objective::Distance,
            distance_unit: DistanceUnit::Plain,
            dimensions: Vec::new(),
        };
        let groups = ["east".to_owned(), "east".to_owned(), "west".to_owned()];
        // East needs two loads (120 kg > 100): 0-1-0 and 0-2-0 = 20 + 40;
        // west: 0-3-0 = 20.
        assert!((naive_distance(&p, &groups) - 80.0).abs() < 1e-9);
    }
}
