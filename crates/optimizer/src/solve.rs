//! `solve`: up-front checks with reasons, the search phases, and the final
//! schedule.

use std::time::Instant;

use crate::data::{Data, NONE, add};
use crate::engine::{Search, State};
use crate::model::{
    MAX_DIMS, Objective, Problem, Reason, Route, Solution, SolveOptions, Stop, Unassigned,
};
use crate::validate::validate;

/// Why a job cannot be served even alone, if so.
fn job_reason(p: &Problem, d: &Data, j: usize) -> Option<Reason> {
    let job = &p.jobs[j];
    let loc = job.location?;
    if loc >= p.matrix.size() {
        return Some(Reason::MissingCoordinates);
    }
    if p.vehicles.is_empty() {
        return Some(Reason::NoVehicle);
    }
    let allowed: Vec<usize> = match job.required_vehicle {
        Some(v) if v >= p.vehicles.len() => return Some(Reason::NoVehicle),
        Some(v) => vec![v],
        None => (0..p.vehicles.len()).collect(),
    };
    let fitting: Vec<usize> = allowed
        .into_iter()
        .filter(|&v| d.fits(&[0; MAX_DIMS], j, v))
        .collect();
    if fitting.is_empty() || job.demand.iter().any(|&x| x < 0) {
        return Some(Reason::Capacity);
    }
    if d.tws[j].is_empty() {
        return Some(Reason::TimeWindow);
    }
    let mut shift_only = true;
    for &v in &fitting {
        if d.seq_feasible(v, &[j]) {
            return None;
        }
        let trip = d.dur(d.depot, loc) + job.service + d.dur(loc, d.depot);
        if trip <= d.vmax[v].min(d.vend[v] - d.vstart[v]) {
            shift_only = false;
        }
    }
    Some(if shift_only {
        Reason::ShiftLength
    } else {
        Reason::TimeWindow
    })
}

/// Solves a problem within the limits of `opts`. The plan returned always
/// passes [`validate`]; jobs left out are listed with a reason.
pub fn solve(p: &Problem, opts: &SolveOptions) -> Solution {
    let started = Instant::now();
    let n = p.jobs.len();
    if p.depot.location >= p.matrix.size() {
        // No vehicle can leave a depot that is not in the matrix.
        return Solution {
            unassigned: (0..n)
                .map(|j| Unassigned {
                    job: j,
                    job_id: p.jobs[j].id.clone(),
                    reason: Reason::NoVehicle,
                })
                .collect(),
            ..Solution::default()
        };
    }
    let nv = p.vehicles.len();
    let mut reason: Vec<Option<Reason>> = vec![None; n];
    for (j, job) in p.jobs.iter().enumerate() {
        if job.location.is_none() {
            reason[j] = Some(Reason::MissingCoordinates);
        }
    }
    // Locked stops, validated; per vehicle sorted by position.
    let mut locked: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nv];
    let mut is_locked = vec![false; n];
    for l in &p.locked {
        if l.job >= n {
            continue;
        }
        let job = &p.jobs[l.job];
        if is_locked[l.job]
            || l.vehicle >= nv
            || job.location.is_none_or(|x| x >= p.matrix.size())
            || job.required_vehicle.is_some_and(|v| v != l.vehicle)
        {
            reason[l.job] = Some(Reason::InvalidLock);
            continue;
        }
        is_locked[l.job] = true;
        locked[l.vehicle].push((l.position, l.job));
    }
    let probe = Data::new(p, vec![false; n]);
    for j in 0..n {
        if reason[j].is_none() && !is_locked[j] {
            reason[j] = job_reason(p, &probe, j);
        }
    }
    let mut state = State::empty(&probe);
    for (v, list) in locked.iter_mut().enumerate() {
        list.sort_unstable();
        let list: Vec<usize> = list
            .iter()
            .map(|&(_, j)| j)
            .filter(|&j| reason[j].is_none())
            .collect();
        let route = &mut state.routes[v];
        route.stops.clone_from(&list);
        route.locked = list.len();
        route.update(&probe, v);
        if route.feasible {
            for &j in &list {
                state.route_of[j] = v as u32;
            }
        } else {
            for &j in &list {
                reason[j] = Some(Reason::InvalidLock);
            }
            route.stops.clear();
            route.locked = 0;
            route.update(&probe, v);
        }
    }
    let active: Vec<bool> = reason.iter().map(Option::is_none).collect();
    let d = Data::new(p, active);
    for v in 0..nv {
        state.routes[v].update(&d, v);
    }
    let mut search = Search::new(&d, opts);
    search.construct(&mut state);
    let best = if d.n_veh == 0 || state.used() == 0 && state.unassigned.is_empty() {
        state
    } else {
        run_phases(&d, &mut search, state, p.objective)
    };
    search.report(&best, 1.0);
    let mut sol = build(p, &d, &best, &reason);
    sol.iterations = search.iterations;
    sol.elapsed_seconds = started.elapsed().as_secs_f64();
    if let Err(v) = validate(p, &sol) {
        debug_assert!(false, "solver produced an invalid plan: {v:?}");
        sol = repair(p, &d, &sol, &v);
    }
    sol
}

/// Start and end temperatures of the annealing, per unit of average edge
/// cost of the first plan.
const T0_PER_EDGE: f64 = 10.0;
const TF_PER_EDGE: f64 = 0.1;
/// The vehicle-reduction phase uses at most this fraction of the budget...
const REDUCE_UNTIL: f64 = 0.4;
/// ...and stops after this fraction without removing a vehicle.
const REDUCE_STALL: f64 = 0.1;

/// Annealing cycles over the whole budget, and the start temperature of the
/// later cycles relative to the first.
const CYCLES: usize = 8;
const REHEAT: f64 = 0.3;

fn run_phases(d: &Data, search: &mut Search, state: State, objective: Objective) -> State {
    let served = d.n_jobs - state.unassigned.len();
    let scale = if served > 0 {
        state.distance() / (served + state.used()).max(1) as f64
    } else {
        1.0
    };
    let (t0, tf) = (T0_PER_EDGE * scale, TF_PER_EDGE * scale);
    match objective {
        Objective::VehiclesThenDistance => {
            let lb = lower_bound(d);
            let s = search.reduce(state, REDUCE_UNTIL, REDUCE_STALL, true, lb);
            anneal_cycles(search, s, t0, tf, false)
        }
        Objective::Distance => {
            let s = if state.unassigned.is_empty() {
                state
            } else {
                search.reduce(state, 0.3, 0.3, false, 0)
            };
            anneal_cycles(search, s, t0, tf, true)
        }
    }
}

/// Splits the remaining budget into annealing cycles, each restarting from
/// the best plan so far (the first at full temperature, later ones cooler).
fn anneal_cycles(search: &mut Search, mut s: State, t0: f64, tf: f64, allow_new: bool) -> State {
    let mut first = true;
    for k in 0..CYCLES {
        let until = (k + 1) as f64 / CYCLES as f64;
        if until <= search.fraction() {
            continue;
        }
        let heat = if first { 1.0 } else { REHEAT };
        first = false;
        s = search.anneal(s, until, t0 * heat, tf, allow_new);
    }
    s
}

/// A bound on the number of vehicles: the most demanding dimension divided
/// by the largest capacity.
fn lower_bound(d: &Data) -> usize {
    let mut lb = 1;
    for k in 0..MAX_DIMS {
        let total: i64 = (0..d.n_jobs)
            .filter(|&j| d.active[j])
            .map(|j| d.demand[j][k])
            .sum();
        let cap = d.cap.iter().map(|c| c[k]).max().unwrap_or(0);
        if cap > 0 && total > 0 {
            lb = lb.max(((total + cap - 1) / cap) as usize);
        }
    }
    lb
}

fn build(p: &Problem, d: &Data, s: &State, reason: &[Option<Reason>]) -> Solution {
    let mut sol = Solution::default();
    for (v, r) in s.routes.iter().enumerate() {
        if r.stops.is_empty() {
            continue;
        }
        let (dep, _, _) = d.min_shift(v, &r.stops).unwrap_or((d.vstart[v], 0.0, 0.0));
        let mut load = [0; MAX_DIMS];
        for &j in &r.stops {
            add(&mut load, &d.demand[j]);
        }
        let mut route = Route {
            vehicle: v,
            vehicle_id: p.vehicles[v].id.clone(),
            start: dep,
            end: 0.0,
            load,
            stops: Vec::with_capacity(r.stops.len()),
            distance: 0.0,
            duration: 0.0,
            travel_time: 0.0,
        };
        let mut t = dep;
        let mut prev = d.depot;
        let mut remaining = load;
        for &j in &r.stops {
            let l = d.loc[j];
            let arrival = t + d.dur(prev, l);
            route.distance += d.dist(prev, l);
            route.travel_time += d.dur(prev, l);
            let start = d.start_time(j, arrival).unwrap_or(arrival);
            t = start + d.service[j];
            for (x, y) in remaining.iter_mut().zip(&d.demand[j]) {
                *x -= y;
            }
            route.stops.push(Stop {
                job: j,
                job_id: p.jobs[j].id.clone(),
                location: l,
                arrival,
                service_start: start,
                departure: t,
                load_after: remaining,
            });
            prev = l;
        }
        route.distance += d.dist(prev, d.depot);
        route.travel_time += d.dur(prev, d.depot);
        route.end = t + d.dur(prev, d.depot);
        route.duration = route.end - route.start;
        sol.routes.push(route);
    }
    sol.total_distance = sol.routes.iter().map(|r| r.distance).sum();
    sol.total_travel_time = sol.routes.iter().map(|r| r.travel_time).sum();
    sol.vehicles_used = sol.routes.len();
    for (j, why) in reason.iter().enumerate() {
        if s.route_of[j] == NONE {
            sol.unassigned.push(Unassigned {
                job: j,
                job_id: p.jobs[j].id.clone(),
                reason: why.unwrap_or(Reason::NoCapacityLeft),
            });
        }
    }
    sol
}

/// Last-resort safety net (never expected to run): drops routes with
/// violations so that the plan returned is valid.
fn repair(
    p: &Problem,
    d: &Data,
    sol: &Solution,
    violations: &[crate::validate::Violation],
) -> Solution {
    let bad: Vec<usize> = violations
        .iter()
        .filter_map(|v| v.route)
        .map(|r| sol.routes[r].vehicle)
        .collect();
    let mut state = State::empty(d);
    let mut reason: Vec<Option<Reason>> = vec![None; p.jobs.len()];
    for u in &sol.unassigned {
        reason[u.job] = Some(u.reason);
    }
    for r in &sol.routes {
        if bad.contains(&r.vehicle) {
            for s in &r.stops {
                reason[s.job] = Some(Reason::InvalidLock);
            }
            continue;
        }
        let route = &mut state.routes[r.vehicle];
        route.stops = r.stops.iter().map(|s| s.job).collect();
        for s in &r.stops {
            state.route_of[s.job] = r.vehicle as u32;
        }
        route.update(d, r.vehicle);
    }
    let mut out = build(p, d, &state, &reason);
    out.iterations = sol.iterations;
    out.elapsed_seconds = sol.elapsed_seconds;
    out
}

/// A route kept as it is by [`insert`]: a vehicle and its jobs in order.
/// The first `frozen` jobs (delivered or under way) stay first: nothing is
/// inserted before them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptRoute {
    pub vehicle: usize,
    pub jobs: Vec<usize>,
    pub frozen: usize,
}

/// A mid-day re-plan that moves nothing: every kept route keeps its stops in
/// their order, and each other job is inserted where it adds the least
/// distance (after the frozen part of a route, or on an unused vehicle).
/// Jobs that fit nowhere are listed with a reason.
///
/// A kept route that is no longer feasible as given (edited by hand, say)
/// takes no new job and is returned as it is; every route that receives a
/// job is feasible.
pub fn insert(p: &Problem, kept: &[KeptRoute], opts: &SolveOptions) -> Solution {
    let started = Instant::now();
    let n = p.jobs.len();
    let nv = p.vehicles.len();
    if p.depot.location >= p.matrix.size() {
        return solve(p, opts);
    }
    let mut in_kept = vec![false; n];
    let mut used = vec![false; nv];
    let mut kept_ok: Vec<&KeptRoute> = Vec::new();
    for k in kept {
        if k.vehicle >= nv
            || used[k.vehicle]
            || k.jobs.iter().any(|&j| {
                j >= n || in_kept[j] || p.jobs[j].location.is_none_or(|l| l >= p.matrix.size())
            })
        {
            continue;
        }
        used[k.vehicle] = true;
        for &j in &k.jobs {
            in_kept[j] = true;
        }
        kept_ok.push(k);
    }
    let probe = Data::new(p, vec![false; n]);
    let mut reason: Vec<Option<Reason>> = vec![None; n];
    for j in 0..n {
        if !in_kept[j] {
            reason[j] = if p.jobs[j].location.is_none() {
                Some(Reason::MissingCoordinates)
            } else {
                job_reason(p, &probe, j)
            };
        }
    }
    // Vehicles whose kept route is infeasible get no capacity, so that no
    // job is added to them.
    let mut q = p.clone();
    let mut state = State::empty(&probe);
    let active: Vec<bool> = (0..n).map(|j| in_kept[j] || reason[j].is_none()).collect();
    let d0 = Data::new(p, active.clone());
    let mut closed = Vec::new();
    for k in &kept_ok {
        let route = &mut state.routes[k.vehicle];
        route.stops.clone_from(&k.jobs);
        route.update(&d0, k.vehicle);
        if !route.feasible {
            closed.push(k.vehicle);
            q.vehicles[k.vehicle].capacity = [0; MAX_DIMS];
        }
    }
    let d = Data::new(&q, active);
    for k in &kept_ok {
        let route = &mut state.routes[k.vehicle];
        route.locked = if closed.contains(&k.vehicle) {
            k.jobs.len()
        } else {
            k.frozen.min(k.jobs.len())
        };
        route.update(&d, k.vehicle);
        for &j in &k.jobs {
            state.route_of[j] = k.vehicle as u32;
        }
    }
    let mut search = Search::new(&d, opts);
    search.exhaustive = true;
    search.construct(&mut state);
    search.report(&state, 1.0);
    let mut sol = build(p, &d, &state, &reason);
    sol.iterations = search.iterations;
    sol.elapsed_seconds = started.elapsed().as_secs_f64();
    sol
}
