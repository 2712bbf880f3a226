//! Independent plan checker. It shares no code with the search: it re-derives
//! every time, load and distance from the problem and the routes alone.

use crate::model::{Problem, Reason, Solution};

/// What is wrong with a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    UnknownVehicle,
    VehicleUsedTwice,
    UnknownJob,
    DuplicateJob,
    MissingJob,
    WrongLocation,
    Overload,
    LoadMismatch,
    EarlyStart,
    TimeInconsistent,
    TimeWindow,
    LateReturn,
    ShiftTooLong,
    DistanceMismatch,
    TotalsMismatch,
    LockViolated,
    WrongVehicle,
}

/// One violation, with the route (index into `Solution::routes`) and job
/// (index into `Problem::jobs`) concerned when known.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub route: Option<usize>,
    pub job: Option<usize>,
    pub detail: String,
}

fn tol(x: f64) -> f64 {
    1e-6 * x.abs().max(1.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= tol(a.abs().max(b.abs()))
}

/// Checks every rule of a plan: each job at most once, capacities per
/// dimension, time windows (waiting allowed), depot hours, shift end and
/// maximum shift duration, locked stops, required vehicles and the totals.
pub fn validate(problem: &Problem, solution: &Solution) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let mut push = |kind, route: Option<usize>, job: Option<usize>, detail: String| {
        out.push(Violation {
            kind,
            route,
            job,
            detail,
        });
    };
    let m = &problem.matrix;
    let depot = problem.depot.location;
    let nj = problem.jobs.len();
    let mut seen = vec![0u32; nj];
    let mut on_vehicle = vec![usize::MAX; nj];
    let mut position = vec![usize::MAX; nj];
    let mut vehicle_used = vec![false; problem.vehicles.len()];
    let mut total_distance = 0.0;
    let mut total_travel = 0.0;
    for (ri, route) in solution.routes.iter().enumerate() {
        let r = Some(ri);
        let Some(veh) = problem.vehicles.get(route.vehicle) else {
            push(
                ViolationKind::UnknownVehicle,
                r,
                None,
                format!("vehicle {}", route.vehicle),
            );
            continue;
        };
        if std::mem::replace(&mut vehicle_used[route.vehicle], true) {
            push(ViolationKind::VehicleUsedTwice, r, None, veh.id.clone());
        }
        let start = route.start;
        if start < veh.shift_start - tol(start) || start < problem.depot.open - tol(start) {
            push(
                ViolationKind::EarlyStart,
                r,
                None,
                format!("departs at {start}"),
            );
        }
        let mut load = [0i64; crate::model::MAX_DIMS];
        for s in &route.stops {
            if let Some(job) = problem.jobs.get(s.job) {
                for (l, d) in load.iter_mut().zip(job.demand.iter()) {
                    *l += d;
                }
            }
        }
        if route.load != load {
            push(
                ViolationKind::LoadMismatch,
                r,
                None,
                "departure load".into(),
            );
        }
        for (d, (l, c)) in load.iter().zip(veh.capacity.iter()).enumerate() {
            if l > c {
                push(
                    ViolationKind::Overload,
                    r,
                    None,
                    format!("dimension {d}: {l} > {c}"),
                );
            }
        }
        let mut here = depot;
        let mut time = start;
        let mut dist = 0.0;
        let mut travel = 0.0;
        let mut remaining = load;
        for (pos, s) in route.stops.iter().enumerate() {
            let j = Some(s.job);
            let Some(job) = problem.jobs.get(s.job) else {
                push(ViolationKind::UnknownJob, r, None, format!("job {}", s.job));
                continue;
            };
            seen[s.job] += 1;
            on_vehicle[s.job] = route.vehicle;
            position[s.job] = pos;
            if job.location != Some(s.location) {
                push(ViolationKind::WrongLocation, r, j, job.id.clone());
                continue;
            }
            if job.required_vehicle.is_some_and(|req| req != route.vehicle) {
                push(ViolationKind::WrongVehicle, r, j, job.id.clone());
            }
            let arrival = time + m.duration(here, s.location);
            dist += m.distance(here, s.location);
            travel += m.duration(here, s.location);
            if !close(arrival, s.arrival) {
                push(
                    ViolationKind::TimeInconsistent,
                    r,
                    j,
                    format!("arrival {} reported, {arrival} computed", s.arrival),
                );
            }
            let begin = s.service_start;
            if begin < arrival - tol(arrival) {
                push(
                    ViolationKind::TimeInconsistent,
                    r,
                    j,
                    "service before arrival".into(),
                );
            }
            let in_window = job.windows.is_empty()
                || job
                    .windows
                    .iter()
                    .any(|w| begin >= w.start - tol(begin) && begin <= w.end + tol(begin));
            if !in_window {
                push(
                    ViolationKind::TimeWindow,
                    r,
                    j,
                    format!("{} starts at {begin}", job.id),
                );
            }
            if !close(s.departure, begin + job.service) {
                push(ViolationKind::TimeInconsistent, r, j, "departure".into());
            }
            for (l, d) in remaining.iter_mut().zip(job.demand.iter()) {
                *l -= d;
            }
            if s.load_after != remaining {
                push(ViolationKind::LoadMismatch, r, j, job.id.clone());
            }
            time = begin.max(arrival) + job.service;
            here = s.location;
        }
        let back = time + m.duration(here, depot);
        dist += m.distance(here, depot);
        travel += m.duration(here, depot);
        if !route.stops.is_empty() && !close(back, route.end) {
            push(
                ViolationKind::TimeInconsistent,
                r,
                None,
                format!("return {} reported, {back} computed", route.end),
            );
        }
        let latest = veh.shift_end.min(problem.depot.close);
        if back > latest + tol(back) {
            push(
                ViolationKind::LateReturn,
                r,
                None,
                format!("returns at {back}"),
            );
        }
        if back - start > veh.max_shift + tol(back) {
            push(
                ViolationKind::ShiftTooLong,
                r,
                None,
                format!("shift {} > {}", back - start, veh.max_shift),
            );
        }
        if !close(dist, route.distance) || !close(travel, route.travel_time) {
            push(ViolationKind::DistanceMismatch, r, None, format!("{dist}"));
        }
        if !route.stops.is_empty() && !close(route.duration, back - start) {
            push(ViolationKind::TimeInconsistent, r, None, "duration".into());
        }
        total_distance += dist;
        total_travel += travel;
    }
    let mut invalid_lock = vec![false; nj];
    for u in &solution.unassigned {
        if u.job < nj {
            seen[u.job] += 1;
            if u.reason == Reason::InvalidLock {
                invalid_lock[u.job] = true;
            }
        } else {
            push(
                ViolationKind::UnknownJob,
                None,
                None,
                format!("unassigned {}", u.job),
            );
        }
    }
    for (j, &count) in seen.iter().enumerate() {
        if count == 0 {
            push(
                ViolationKind::MissingJob,
                None,
                Some(j),
                problem.jobs[j].id.clone(),
            );
        } else if count > 1 {
            push(
                ViolationKind::DuplicateJob,
                None,
                Some(j),
                problem.jobs[j].id.clone(),
            );
        }
    }
    // Locked stops: on their vehicle, forming the start of the route in
    // ascending position order.
    let mut per_vehicle: Vec<Vec<(usize, usize)>> = vec![Vec::new(); problem.vehicles.len()];
    for l in &problem.locked {
        if l.job < nj && invalid_lock[l.job] {
            continue;
        }
        if l.job >= nj || l.vehicle >= problem.vehicles.len() || on_vehicle[l.job] != l.vehicle {
            push(
                ViolationKind::LockViolated,
                None,
                Some(l.job),
                "not on its vehicle".into(),
            );
            continue;
        }
        per_vehicle[l.vehicle].push((l.position, l.job));
    }
    for list in &mut per_vehicle {
        list.sort_unstable();
        for (k, &(_, job)) in list.iter().enumerate() {
            if position[job] != k {
                push(ViolationKind::LockViolated, None, Some(job), "moved".into());
            }
        }
    }
    let used = solution
        .routes
        .iter()
        .filter(|r| !r.stops.is_empty())
        .count();
    if !close(total_distance, solution.total_distance)
        || !close(total_travel, solution.total_travel_time)
        || used != solution.vehicles_used
    {
        push(
            ViolationKind::TotalsMismatch,
            None,
            None,
            format!("distance {total_distance}, vehicles {used}"),
        );
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}
