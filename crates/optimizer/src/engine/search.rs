//! The ruin-and-recreate search: removals, greedy insertion with blinks,
//! simulated annealing, and the vehicle-reduction phase.

use std::time::Instant;

use super::State;
use crate::data::{Data, EPS, NONE, add};
use crate::model::{MAX_DIMS, Objective, Progress, SolveOptions};
use crate::prng::Rng;

const AVG_REMOVED: f64 = 10.0;
const MAX_STRING: f64 = 10.0;
const BLINK: f64 = 0.01;

pub(crate) struct Search<'a> {
    pub(super) d: &'a Data,
    pub(super) rng: Rng,
    pub(super) removed: Vec<usize>,
    pub(super) touched: Vec<bool>,
    pub(super) touched_list: Vec<usize>,
    pub(super) seq: Vec<usize>,
    pub(super) profile_stamp: Vec<u64>,
    pub(super) stamp: u64,
    pub(super) keys: Vec<f64>,
    pub iterations: u64,
    pub(super) blink_in: u32,
    /// Greedy insertion without blinks (every position is tried).
    pub exhaustive: bool,
    pub(super) avg_removed: f64,
    pub(super) start: Instant,
    pub(super) opts: &'a SolveOptions,
    pub(super) last_report: f64,
    pub(super) stopped: bool,
}

impl<'a> Search<'a> {
    pub fn new(d: &'a Data, opts: &'a SolveOptions) -> Self {
        Self {
            d,
            rng: Rng::new(opts.seed),
            removed: Vec::new(),
            touched: vec![false; d.n_veh],
            touched_list: Vec::new(),
            seq: Vec::new(),
            profile_stamp: vec![0; d.n_profiles],
            stamp: 0,
            keys: vec![0.0; d.n_jobs],
            iterations: 0,
            blink_in: 1,
            exhaustive: false,
            avg_removed: AVG_REMOVED,
            start: Instant::now(),
            opts,
            last_report: -1.0,
            stopped: false,
        }
    }

    /// Fraction of the budget used (time or iterations, whichever is ahead).
    pub fn fraction(&self) -> f64 {
        let mut f: f64 = 0.0;
        if let Some(t) = self.opts.time_limit {
            f = f.max(self.start.elapsed().as_secs_f64() / t.as_secs_f64().max(1e-9));
        }
        if let Some(n) = self.opts.max_iterations {
            f = f.max(self.iterations as f64 / n.max(1) as f64);
        }
        if self.opts.time_limit.is_none() && self.opts.max_iterations.is_none() {
            f = f.max(self.iterations as f64 / 100_000.0);
        }
        f.min(1.0)
    }

    pub(super) fn cancelled(&self) -> bool {
        self.opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Budget check, done every few iterations; also reports progress.
    pub(super) fn tick(&mut self, best: &State, frac_cache: &mut f64) -> bool {
        if self.stopped {
            return false;
        }
        if self.iterations.is_multiple_of(32) {
            *frac_cache = self.fraction();
            if *frac_cache >= 1.0 || self.cancelled() {
                self.stopped = true;
                return false;
            }
            let el = self.start.elapsed().as_secs_f64();
            if self.opts.progress.is_some() && el - self.last_report >= 0.25 {
                self.last_report = el;
                self.report(best, *frac_cache);
            }
        }
        true
    }

    pub fn report(&self, best: &State, fraction: f64) {
        if let Some(cb) = &self.opts.progress {
            cb(&Progress {
                elapsed: self.start.elapsed(),
                best_distance: best.distance(),
                best_vehicles: best.used(),
                best_unassigned: best.unassigned.len(),
                fraction,
                iterations: self.iterations,
            });
        }
    }

    pub(super) fn touch(&mut self, r: usize) {
        if !self.touched[r] {
            self.touched[r] = true;
            self.touched_list.push(r);
        }
    }

    pub(super) fn clear_touched(&mut self) {
        for &r in &self.touched_list {
            self.touched[r] = false;
        }
        self.touched_list.clear();
    }

    /// Mixed fleets: moves a whole route to a vehicle of another profile
    /// (swapping with that vehicle's route), when both stay feasible. The
    /// distance is unchanged, but the capacities left free change.
    pub(super) fn swap_vehicles(&mut self, s: &mut State) {
        let d = self.d;
        let a = self.rng.below(d.n_veh);
        let b = self.rng.below(d.n_veh);
        if d.profile[a] == d.profile[b] {
            return;
        }
        let (ra, rb) = (&s.routes[a], &s.routes[b]);
        if ra.locked > 0 || rb.locked > 0 || (ra.stops.is_empty() && rb.stops.is_empty()) {
            return;
        }
        let movable = |stops: &[usize], to: usize| {
            let mut load = [0; MAX_DIMS];
            for &j in stops {
                if d.req[j] != NONE {
                    return false;
                }
                add(&mut load, &d.demand[j]);
            }
            (0..MAX_DIMS).all(|k| load[k] <= d.cap[to][k])
                && (stops.is_empty() || d.seq_feasible(to, stops))
        };
        if !movable(&ra.stops, b) || !movable(&rb.stops, a) {
            return;
        }
        let (x, y) = (a.min(b), a.max(b));
        let (left, right) = s.routes.split_at_mut(y);
        std::mem::swap(&mut left[x].stops, &mut right[0].stops);
        for r in [a, b] {
            s.routes[r].update(d, r);
            for &j in &s.routes[r].stops {
                s.route_of[j] = r as u32;
            }
            self.touch(r);
        }
    }

    /// SISR ruin: removes strings of customers from routes close to a
    /// random seed customer (sometimes keeping a piece in the middle).
    pub(super) fn ruin(&mut self, s: &mut State) {
        if self.d.n_profiles > 1 && self.rng.f64() < 0.1 {
            self.swap_vehicles(s);
        }
        let d = self.d;
        let used: Vec<usize> = (0..d.n_veh)
            .filter(|&r| s.routes[r].stops.len() > s.routes[r].locked)
            .collect();
        if used.is_empty() {
            return;
        }
        let free_total: usize = used
            .iter()
            .map(|&r| s.routes[r].stops.len() - s.routes[r].locked)
            .sum();
        let avg = free_total as f64 / used.len() as f64;
        let ls_max = MAX_STRING.min(avg);
        let ks_max = 4.0 * self.avg_removed / (1.0 + ls_max) - 1.0;
        let ks = (1.0 + self.rng.f64() * ks_max).floor().max(1.0) as usize;
        // Seed: a random removable stop.
        let r0 = used[self.rng.below(used.len())];
        let route = &s.routes[r0];
        let seed = route.stops[route.locked + self.rng.below(route.stops.len() - route.locked)];
        let mut ruined = 0;
        let mut k = 0usize;
        let nb = &d.neighbours[seed];
        while ruined < ks {
            let c = if k == 0 {
                seed
            } else if k <= nb.len() {
                nb[k - 1] as usize
            } else {
                break;
            };
            k += 1;
            let r = s.route_of[c];
            if r == NONE || self.touched[r as usize] {
                continue;
            }
            let r = r as usize;
            let route = &mut s.routes[r];
            let Some(pos) = route.stops.iter().position(|&x| x == c) else {
                continue;
            };
            if pos < route.locked {
                continue;
            }
            let len = route.stops.len();
            let free = len - route.locked;
            let lt_max = (free as f64).min(ls_max).max(1.0) as usize;
            let l = self.rng.range(1, lt_max);
            let split = l < free && self.rng.f64() < 0.5;
            let (span, keep) = if split {
                let mut m = 1;
                while l + m < free && self.rng.f64() < 0.5 {
                    m += 1;
                }
                (l + m, m)
            } else {
                (l, 0)
            };
            let lo = route.locked.max((pos + 1).saturating_sub(span));
            let hi = pos.min(len - span);
            let first = self.rng.range(lo, hi);
            let keep_at = if keep > 0 {
                first + self.rng.below(span - keep + 1)
            } else {
                usize::MAX
            };
            let mut w = first;
            for i in first..first + span {
                let j = route.stops[i];
                if keep > 0 && i >= keep_at && i < keep_at + keep {
                    route.stops[w] = j;
                    w += 1;
                } else {
                    self.removed.push(j);
                    s.route_of[j] = NONE;
                }
            }
            route.stops.drain(w..first + span);
            route.update(d, r);
            self.touch(r);
            ruined += 1;
        }
    }

    /// Positions until the next blink (geometric with rate `BLINK`).
    pub(super) fn next_blink(&mut self) -> u32 {
        let u = self.rng.f64().max(1e-12);
        (u.ln() / (1.0 - BLINK).ln()).floor().min(1e6) as u32 + 1
    }

    pub(super) fn sort_removed(&mut self) {
        let d = self.d;
        let pick = self.rng.below(13);
        if pick <= 3 {
            self.rng.shuffle(&mut self.removed);
        } else {
            for &j in &self.removed {
                let l = d.loc[j];
                self.keys[j] = match pick {
                    4..=7 => -(d.demand[j].iter().sum::<i64>() as f64),
                    8..=9 => -d.dist(d.depot, l),
                    10 => d.dist(d.depot, l),
                    11 => d.tw1[j].0,
                    _ => d.tw1[j].1 - d.tw1[j].0,
                } - d.weight[j] * 1e12
                    + self.rng.f64() * 1e-9;
            }
            let keys = &self.keys;
            self.removed.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
        }
    }

    /// Greedy insertion with blinks. Jobs that fit nowhere go to
    /// `s.unassigned`.
    pub(super) fn recreate(&mut self, s: &mut State, allow_new: bool) {
        let d = self.d;
        self.sort_removed();
        let removed = std::mem::take(&mut self.removed);
        for &c in &removed {
            let mut best = f64::INFINITY;
            let mut best_at = (usize::MAX, 0usize);
            let lc = d.loc[c];
            let req = d.req[c];
            let any_route = |r: usize| req == NONE || req as usize == r;
            for r in 0..d.n_veh {
                let route = &s.routes[r];
                if route.stops.is_empty() || !any_route(r) || !d.fits(&route.load, c, r) {
                    continue;
                }
                let m = route.stops.len();
                for p in route.locked..=m {
                    if !self.exhaustive {
                        self.blink_in -= 1;
                        if self.blink_in == 0 {
                            self.blink_in = self.next_blink();
                            continue;
                        }
                    }
                    let (pl, nl) = (route.locs[p], route.locs[p + 1]);
                    let delta = d.dist(pl, lc) + d.dist(lc, nl) - route.edge[p];
                    if delta >= best {
                        continue;
                    }
                    let Some(st) = d.start_time(c, route.dep[p] + d.dur(pl, lc)) else {
                        continue;
                    };
                    if st + d.service[c] + d.dur(lc, nl) > route.lat[p + 1] + EPS {
                        continue;
                    }
                    if route.segs && !d.multi[c] {
                        if !route.shift_ok(d, r, p, c) {
                            continue;
                        }
                    } else if d.vbinding[r] {
                        self.seq.clear();
                        self.seq.extend_from_slice(&route.stops[..p]);
                        self.seq.push(c);
                        self.seq.extend_from_slice(&route.stops[p..]);
                        if !d.seq_feasible(r, &self.seq) {
                            continue;
                        }
                    }
                    best = delta;
                    best_at = (r, p);
                }
            }
            if allow_new && (best_at.0 == usize::MAX || d.objective == Objective::Distance) {
                self.stamp += 1;
                for r in 0..d.n_veh {
                    if !s.routes[r].stops.is_empty() || !any_route(r) {
                        continue;
                    }
                    let pf = d.profile[r];
                    if self.profile_stamp[pf] == self.stamp {
                        continue;
                    }
                    self.profile_stamp[pf] = self.stamp;
                    let delta = d.dist(d.depot, lc) + d.dist(lc, d.depot) + d.vehicle_weight;
                    if delta >= best || !d.fits(&[0; MAX_DIMS], c, r) {
                        continue;
                    }
                    self.seq.clear();
                    self.seq.push(c);
                    if d.seq_feasible(r, &self.seq) {
                        best = delta;
                        best_at = (r, 0);
                    }
                }
            }
            if best_at.0 == usize::MAX {
                s.unassigned.push(c);
            } else {
                let (r, p) = best_at;
                s.routes[r].insert(d, r, p, c);
                s.route_of[c] = r as u32;
                self.touch(r);
            }
        }
        self.removed = removed;
        self.removed.clear();
    }

    /// Builds a first plan by inserting every active job.
    pub fn construct(&mut self, s: &mut State) {
        for j in 0..self.d.n_jobs {
            if self.d.active[j] && s.route_of[j] == NONE {
                self.removed.push(j);
            }
        }
        self.recreate(s, true);
        self.clear_touched();
    }

    /// Absence-driven search: empties a route whenever every job is served
    /// (if `remove_routes`), and accepts plans with fewer or less often
    /// absent jobs. Returns the best plan serving the most jobs with the
    /// fewest vehicles.
    pub fn reduce(
        &mut self,
        s: State,
        until: f64,
        stall: f64,
        remove_routes: bool,
        lower_bound: usize,
    ) -> State {
        let d = self.d;
        let mut best = s.clone();
        let mut cur = s;
        let mut cand = cur.clone();
        let mut absences = vec![0u64; d.n_jobs];
        let mut frac = self.fraction();
        let key = |st: &State| -> (f64, usize) {
            (
                st.unassigned.iter().map(|&j| d.weight[j]).sum::<f64>(),
                st.used(),
            )
        };
        let mut last_gain = frac;
        while self.tick(&best, &mut frac) && frac < until && frac - last_gain < stall {
            if cur.unassigned.is_empty() {
                let (bu, bv) = key(&best);
                if bu > 0.0
                    || cur.used() < bv
                    || (cur.used() == bv && cur.distance() < best.distance())
                {
                    best.clone_from(&cur);
                    last_gain = frac;
                }
                if !remove_routes || cur.used() <= lower_bound {
                    break;
                }
                // Empty a route without locked stops: pick one of the
                // smallest at random.
                let mut cands: Vec<usize> = (0..d.n_veh)
                    .filter(|&r| !cur.routes[r].stops.is_empty() && cur.routes[r].locked == 0)
                    .collect();
                if cands.is_empty() {
                    break;
                }
                cands.sort_by_key(|&r| cur.routes[r].stops.len());
                let pick = cands[self.rng.below(cands.len().min(3))];
                for j in std::mem::take(&mut cur.routes[pick].stops) {
                    cur.route_of[j] = NONE;
                    cur.unassigned.push(j);
                }
                cur.routes[pick].update(d, pick);
                cand.clone_from(&cur);
            }
            self.iterations += 1;
            self.ruin(&mut cand);
            self.removed.append(&mut cand.unassigned);
            self.recreate(&mut cand, false);
            let abs_cand: u64 = cand.unassigned.iter().map(|&j| absences[j]).sum();
            let abs_cur: u64 = cur.unassigned.iter().map(|&j| absences[j]).sum();
            if cand.unassigned.len() < cur.unassigned.len() || abs_cand < abs_cur {
                cur.copy_from_touched(&cand, &self.touched_list);
            } else {
                cand.copy_from_touched(&cur, &self.touched_list);
            }
            for &j in &cand.unassigned {
                absences[j] += 1;
            }
            self.clear_touched();
            if !remove_routes && cur.unassigned.len() < best.unassigned.len() {
                best.clone_from(&cur);
            }
        }
        if cur.unassigned.is_empty() && (cur.used() < best.used() || !best.unassigned.is_empty()) {
            best = cur;
        }
        best
    }

    /// Simulated annealing over ruin-and-recreate on the full cost.
    pub fn anneal(&mut self, s: State, until: f64, t0: f64, tf: f64, allow_new: bool) -> State {
        let d = self.d;
        let score = |st: &State| st.cost(d);
        let mut cur = s;
        let mut cur_cost = score(&cur);
        let mut best = cur.clone();
        let mut best_cost = best.cost(d);
        let mut cand = cur.clone();
        let from = self.fraction();
        let mut frac = from;
        let span = (until - from).max(1e-9);
        while self.tick(&best, &mut frac) && frac < until {
            self.iterations += 1;
            let x = ((frac - from) / span).clamp(0.0, 1.0);
            let temp = t0 * (tf / t0).powf(x);
            self.ruin(&mut cand);
            self.removed.append(&mut cand.unassigned);
            self.recreate(&mut cand, allow_new);
            let cost = score(&cand);
            let threshold = cur_cost - temp * self.rng.f64().max(1e-300).ln();
            if cost < threshold {
                cur.copy_from_touched(&cand, &self.touched_list);
                cur_cost = cost;
                if cost < best_cost - 1e-9 {
                    if self.two_opt_star(&mut cur, allow_new) {
                        cur_cost = score(&cur);
                        cand.copy_from_touched(&cur, &self.touched_list);
                    }
                    best_cost = cur.cost(d);
                    best.clone_from(&cur);
                }
            } else {
                cand.copy_from_touched(&cur, &self.touched_list);
            }
            self.clear_touched();
        }
        // Final polish of the best plan.
        for _ in 0..10 {
            let a = self.two_opt_star(&mut best, allow_new);
            let b = self.swap_descent(&mut best);
            if !(a || b) {
                break;
            }
        }
        self.clear_touched();
        best
    }
}
