//! Unit and property-style tests of the whole solver.

use std::collections::HashSet;

use crate::instances::parse_solomon;
use crate::model::{
    Depot, DistanceUnit, Job, LockedStop, Matrix, Objective, Problem, Reason, Solution,
    SolveOptions, TimeWindow, Vehicle, amount,
};
use crate::prng::Rng;
use crate::solve;
use crate::validate::{ViolationKind, validate};

fn job(id: &str, loc: usize, demand: &[i64], windows: &[(f64, f64)], service: f64) -> Job {
    Job {
        id: id.into(),
        location: Some(loc),
        demand: amount(demand),
        windows: windows
            .iter()
            .map(|&(a, b)| TimeWindow::new(a, b))
            .collect(),
        service,
        required_vehicle: None,
        priority: 0,
    }
}

fn vehicle(id: &str, cap: &[i64], start: f64, end: f64, max_shift: f64) -> Vehicle {
    Vehicle {
        id: id.into(),
        capacity: amount(cap),
        shift_start: start,
        shift_end: end,
        max_shift,
    }
}

/// A random instance: points on a grid (integer travel times), mixed fleet,
/// one or two windows, sometimes a binding shift limit, required vehicles
/// and locked stops.
pub(crate) fn random_problem(rng: &mut Rng) -> Problem {
    let n = rng.range(3, 30);
    let mut pts = vec![(50.0, 50.0)];
    for _ in 0..n {
        pts.push((rng.below(101) as f64, rng.below(101) as f64));
    }
    let e = Matrix::euclidean(&pts);
    let size = pts.len();
    let mut dur = vec![0.0; size * size];
    for i in 0..size {
        for j in 0..size {
            dur[i * size + j] = e.duration(i, j).round();
        }
    }
    let matrix = Matrix::new(size, dur.clone(), dur).unwrap();
    let horizon = 1000.0;
    let nv = rng.range(1, 5);
    let vehicles: Vec<Vehicle> = (0..nv)
        .map(|k| {
            let big = rng.f64() < 0.6;
            let max_shift = if rng.f64() < 0.4 {
                300.0 + rng.below(400) as f64
            } else {
                f64::INFINITY
            };
            vehicle(
                &format!("t{k}"),
                if big { &[100, 12] } else { &[50, 6] },
                rng.below(100) as f64,
                horizon - rng.below(100) as f64,
                max_shift,
            )
        })
        .collect();
    let jobs: Vec<Job> = (0..n)
        .map(|k| {
            let mut windows = Vec::new();
            let count = if rng.f64() < 0.2 { 0 } else { rng.range(1, 2) };
            for _ in 0..count {
                let a = rng.below(800) as f64;
                windows.push((a, a + 30.0 + rng.below(300) as f64));
            }
            let mut j = job(
                &format!("j{k}"),
                k + 1,
                &[rng.range(1, 30) as i64, rng.range(1, 3) as i64],
                &windows,
                rng.below(30) as f64,
            );
            if rng.f64() < 0.1 {
                j.required_vehicle = Some(rng.below(nv));
            }
            if rng.f64() < 0.05 {
                j.location = None;
            }
            j.priority = u32::from(rng.f64() < 0.2);
            j
        })
        .collect();
    let mut locked = Vec::new();
    if rng.f64() < 0.3 {
        let v = rng.below(nv);
        for pos in 0..rng.range(1, 2) {
            let j = rng.below(n);
            locked.push(LockedStop {
                job: j,
                vehicle: v,
                position: pos,
            });
        }
    }
    Problem {
        name: "random".into(),
        depot: Depot {
            location: 0,
            open: 0.0,
            close: horizon,
        },
        vehicles,
        jobs,
        matrix,
        locked,
        objective: if rng.f64() < 0.5 {
            Objective::VehiclesThenDistance
        } else {
            Objective::Distance
        },
        distance_unit: DistanceUnit::Plain,
        dimensions: vec!["kg".into(), "slots".into()],
    }
}

type PlanKey = (Vec<(usize, Vec<usize>)>, Vec<(usize, Reason)>);

fn plan_key(s: &Solution) -> PlanKey {
    (
        s.routes
            .iter()
            .map(|r| (r.vehicle, r.stops.iter().map(|s| s.job).collect()))
            .collect(),
        s.unassigned.iter().map(|u| (u.job, u.reason)).collect(),
    )
}

#[test]
fn random_plans_are_valid_and_deterministic() {
    let mut rng = Rng::new(42);
    for case in 0..50 {
        let p = random_problem(&mut rng);
        let opts = SolveOptions::with_iterations(150, case);
        let a = solve(&p, &opts);
        if let Err(v) = validate(&p, &a) {
            panic!("case {case}: {v:?}");
        }
        // Locked stops are at the start of their vehicle's route, or
        // reported as an invalid lock.
        for l in &p.locked {
            let on_route = a
                .routes
                .iter()
                .any(|r| r.vehicle == l.vehicle && r.stops.iter().any(|s| s.job == l.job));
            let invalid = a
                .unassigned
                .iter()
                .any(|u| u.job == l.job && u.reason == Reason::InvalidLock);
            assert!(on_route || invalid, "case {case}: lock {l:?}");
        }
        for r in &a.routes {
            for s in &r.stops {
                if let Some(v) = p.jobs[s.job].required_vehicle {
                    assert_eq!(v, r.vehicle);
                }
            }
        }
        for u in &a.unassigned {
            if p.jobs[u.job].location.is_none() && u.reason != Reason::InvalidLock {
                assert_eq!(u.reason, Reason::MissingCoordinates);
            }
        }
        let b = solve(&p, &opts);
        assert_eq!(plan_key(&a), plan_key(&b), "case {case}: not deterministic");
    }
}

fn line_problem() -> Problem {
    // Depot at 0, customers along a line; travel time = distance.
    let pts: Vec<(f64, f64)> = vec![
        (0.0, 0.0),
        (10.0, 0.0),
        (20.0, 0.0),
        (500.0, 0.0),
        (30.0, 0.0),
    ];
    Problem {
        name: "line".into(),
        depot: Depot {
            location: 0,
            open: 0.0,
            close: 2000.0,
        },
        vehicles: vec![
            vehicle("small", &[50, 5], 0.0, 2000.0, 600.0),
            vehicle("big", &[100, 10], 0.0, 2000.0, 600.0),
        ],
        jobs: vec![
            job("ok", 1, &[10, 1], &[(0.0, 2000.0)], 5.0),
            job("heavy", 2, &[150, 1], &[(0.0, 2000.0)], 5.0),
            job("far", 3, &[10, 1], &[(0.0, 2000.0)], 5.0),
            job("early", 4, &[10, 1], &[(0.0, 20.0)], 5.0),
            job("ok2", 2, &[10, 11], &[(0.0, 2000.0)], 5.0),
        ],
        matrix: Matrix::euclidean(&pts),
        locked: Vec::new(),
        objective: Objective::VehiclesThenDistance,
        distance_unit: DistanceUnit::Plain,
        dimensions: vec!["kg".into(), "slots".into()],
    }
}

fn reason_of(s: &Solution, id: &str) -> Option<Reason> {
    s.unassigned
        .iter()
        .find(|u| u.job_id == id)
        .map(|u| u.reason)
}

#[test]
fn reasons_for_unservable_jobs() {
    let mut p = line_problem();
    p.jobs.push(Job {
        location: None,
        ..job("nowhere", 1, &[1, 1], &[], 0.0)
    });
    let mut req = job("ghost-truck", 1, &[1, 1], &[], 0.0);
    req.required_vehicle = Some(7);
    p.jobs.push(req);
    let s = solve(&p, &SolveOptions::with_iterations(100, 1));
    validate(&p, &s).unwrap();
    assert_eq!(reason_of(&s, "heavy"), Some(Reason::Capacity));
    assert_eq!(reason_of(&s, "ok2"), Some(Reason::Capacity));
    assert_eq!(reason_of(&s, "far"), Some(Reason::ShiftLength));
    assert_eq!(reason_of(&s, "early"), Some(Reason::TimeWindow));
    assert_eq!(reason_of(&s, "nowhere"), Some(Reason::MissingCoordinates));
    assert_eq!(reason_of(&s, "ghost-truck"), Some(Reason::NoVehicle));
    assert_eq!(reason_of(&s, "ok"), None);
    assert_eq!(s.served(), 1);

    let mut none = line_problem();
    none.vehicles.clear();
    let s = solve(&none, &SolveOptions::with_iterations(10, 1));
    validate(&none, &s).unwrap();
    assert_eq!(reason_of(&s, "ok"), Some(Reason::NoVehicle));
}

#[test]
fn lack_of_capacity_is_reported_as_no_capacity_left() {
    let mut p = line_problem();
    p.jobs = (0..6)
        .map(|k| job(&format!("j{k}"), 1 + k % 2, &[40, 1], &[(0.0, 2000.0)], 5.0))
        .collect();
    let s = solve(&p, &SolveOptions::with_iterations(200, 3));
    validate(&p, &s).unwrap();
    // 150 kg of room for 240 kg of demand: three jobs fit.
    assert_eq!(s.served(), 3);
    assert!(
        s.unassigned
            .iter()
            .all(|u| u.reason == Reason::NoCapacityLeft)
    );
}

#[test]
fn locked_stops_and_required_vehicles() {
    let mut p = line_problem();
    p.jobs = (0..8)
        .map(|k| job(&format!("j{k}"), 1 + k % 2, &[5, 1], &[(0.0, 2000.0)], 5.0))
        .collect();
    p.jobs[7].location = Some(4);
    p.jobs[3].required_vehicle = Some(0);
    p.locked = vec![
        LockedStop {
            job: 5,
            vehicle: 1,
            position: 1,
        },
        LockedStop {
            job: 7,
            vehicle: 1,
            position: 0,
        },
    ];
    for seed in 0..5 {
        let s = solve(&p, &SolveOptions::with_iterations(300, seed));
        validate(&p, &s).unwrap();
        assert_eq!(s.served(), 8);
        let r1 = s.routes.iter().find(|r| r.vehicle == 1).unwrap();
        assert_eq!(r1.stops[0].job, 7);
        assert_eq!(r1.stops[1].job, 5);
        let r0 = s
            .routes
            .iter()
            .find(|r| r.stops.iter().any(|s| s.job == 3))
            .unwrap();
        assert_eq!(r0.vehicle, 0);
    }
}

#[test]
fn multiple_windows_are_used() {
    let pts = vec![(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)];
    let p = Problem {
        name: "tw2".into(),
        depot: Depot {
            location: 0,
            open: 0.0,
            close: 1000.0,
        },
        vehicles: vec![vehicle("v", &[10], 0.0, 1000.0, f64::INFINITY)],
        jobs: vec![
            job("a", 1, &[1], &[(0.0, 5.0), (100.0, 120.0)], 10.0),
            job("b", 2, &[1], &[(0.0, 50.0)], 10.0),
        ],
        matrix: Matrix::euclidean(&pts),
        locked: Vec::new(),
        objective: Objective::Distance,
        distance_unit: DistanceUnit::Plain,
        dimensions: vec!["kg".into()],
    };
    let s = solve(&p, &SolveOptions::with_iterations(50, 1));
    validate(&p, &s).unwrap();
    assert_eq!(s.served(), 2);
    let r = &s.routes[0];
    assert_eq!(r.stops[0].job_id, "b");
    assert!((r.stops[1].service_start - 100.0).abs() < 1e-9);
}

#[test]
fn validator_rejects_infeasible_plans() {
    let mut p = line_problem();
    p.jobs = vec![
        job("a", 1, &[30, 2], &[(0.0, 2000.0)], 5.0),
        job("b", 2, &[30, 2], &[(0.0, 2000.0)], 5.0),
        job("c", 4, &[30, 2], &[(0.0, 2000.0)], 5.0),
    ];
    p.vehicles.remove(0);
    let s = solve(&p, &SolveOptions::with_iterations(100, 1));
    validate(&p, &s).unwrap();
    assert_eq!(s.routes.len(), 1);
    let kinds = |p: &Problem, s: &Solution| -> HashSet<ViolationKind> {
        validate(p, s)
            .unwrap_err()
            .into_iter()
            .map(|v| v.kind)
            .collect()
    };
    // Late arrival: the window of the last stop closes before the truck can be there.
    let mut late = p.clone();
    let last = s.routes[0].stops.last().unwrap().job;
    late.jobs[last].windows = vec![TimeWindow::new(0.0, 1.0)];
    assert!(kinds(&late, &s).contains(&ViolationKind::TimeWindow));
    // Overload.
    let mut small = p.clone();
    small.vehicles[0].capacity = amount(&[80, 10]);
    assert!(kinds(&small, &s).contains(&ViolationKind::Overload));
    // Duplicate job.
    let mut dup = s.clone();
    let extra = dup.routes[0].stops[0].clone();
    dup.routes[0].stops.push(extra);
    assert!(kinds(&p, &dup).contains(&ViolationKind::DuplicateJob));
    // Shift too long.
    let mut short = p.clone();
    short.vehicles[0].max_shift = 20.0;
    assert!(kinds(&short, &s).contains(&ViolationKind::ShiftTooLong));
    // A job missing from both routes and unassigned.
    let mut lost = s.clone();
    lost.routes[0].stops.pop();
    assert!(kinds(&p, &lost).contains(&ViolationKind::MissingJob));
}

#[test]
fn solomon_c101_reaches_best_known_vehicle_count() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/solomon/C101.txt"
    );
    let alt = "/work/shared/data/solomon/C101.txt";
    let text = std::fs::read_to_string(path)
        .or_else(|_| std::fs::read_to_string(alt))
        .expect("C101.txt must be present in shared/data/solomon");
    let p = parse_solomon("C101", &text).unwrap();
    let s = solve(&p, &SolveOptions::with_iterations(1500, 1));
    validate(&p, &s).unwrap();
    assert_eq!(s.served(), 100);
    assert_eq!(s.vehicles_used, 10);
    assert!(s.total_distance < 828.94 * 1.05, "{}", s.total_distance);
}

#[test]
fn progress_and_cancel() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let p = crate::instances::synthetic_day(60, 4, 3);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let cancel = Arc::new(AtomicBool::new(true));
    let opts = SolveOptions {
        time_limit: Some(std::time::Duration::from_secs(30)),
        progress: Some(Arc::new(move |pr: &crate::model::Progress| {
            assert!(pr.fraction <= 1.0);
            seen.fetch_add(1, Ordering::Relaxed);
        })),
        cancel: Some(Arc::clone(&cancel)),
        ..SolveOptions::default()
    };
    let s = solve(&p, &opts);
    // Cancelled before it began: the search stops at its first budget check
    // instead of running its 30 s.
    assert!(s.iterations <= 64, "{} iterations", s.iterations);
    validate(&p, &s).unwrap();
    assert!(s.served() > 0);
    assert!(calls.load(Ordering::Relaxed) >= 1);
}

#[test]
fn insert_keeps_routes_and_places_new_jobs_cheaply() {
    let mut rng = Rng::new(11);
    let mut reinserted = 0;
    for _ in 0..40 {
        let p = random_problem(&mut rng);
        let p = Problem {
            locked: Vec::new(),
            jobs: p
                .jobs
                .into_iter()
                .map(|j| Job {
                    required_vehicle: None,
                    ..j
                })
                .collect(),
            ..p
        };
        let first = solve(&p, &SolveOptions::with_iterations(200, 1));
        // Keep the first plan; pretend the unassigned and one served job
        // are new orders.
        let mut moved_out = HashSet::new();
        let kept: Vec<crate::KeptRoute> = first
            .routes
            .iter()
            .map(|r| {
                let mut jobs: Vec<usize> = r.stops.iter().map(|s| s.job).collect();
                if jobs.len() > 2 && moved_out.is_empty() {
                    moved_out.insert(jobs.remove(1));
                }
                crate::KeptRoute {
                    vehicle: r.vehicle,
                    frozen: jobs.len().min(1),
                    jobs,
                }
            })
            .collect();
        let s = crate::insert(&p, &kept, &SolveOptions::with_iterations(50, 1));
        validate(&p, &s).unwrap();
        // Every kept stop keeps its route and relative order, and the
        // frozen first stop stays first.
        for k in &kept {
            let r = s.routes.iter().find(|r| r.vehicle == k.vehicle).unwrap();
            let order: Vec<usize> = r
                .stops
                .iter()
                .map(|s| s.job)
                .filter(|j| k.jobs.contains(j))
                .collect();
            assert_eq!(order, k.jobs);
            if k.frozen == 1 {
                assert_eq!(r.stops[0].job, k.jobs[0]);
            }
        }
        // Its old place is still free when nothing else competes for it,
        // and putting it back there is one of the options: the cheapest
        // insertion costs no more than the first plan.
        if first.unassigned.is_empty() {
            for j in &moved_out {
                assert!(
                    s.unassigned.iter().all(|u| u.job != *j),
                    "job {j} not re-inserted"
                );
                assert!(
                    s.total_distance <= first.total_distance + 1e-6,
                    "inserting job {j} cost {} more than its old place",
                    s.total_distance - first.total_distance
                );
                reinserted += 1;
            }
        }
    }
    assert!(
        reinserted >= 10,
        "only {reinserted} problems exercised re-insertion"
    );
}
