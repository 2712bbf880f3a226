//! Ruin-and-recreate search: SISR-style string removals, greedy insertion
//! with blinks, simulated-annealing acceptance, and an absence-driven phase
//! that removes vehicles (or serves left-out jobs).

use std::time::Instant;

use crate::data::{Data, EPS, NONE, add};
use crate::model::{Amount, MAX_DIMS, Objective, Progress, SolveOptions};
use crate::prng::Rng;

/// Duration data of a sequence of visits with single time windows (Vidal et
/// al.'s concatenation): least duration with the best start, time warp,
/// earliest and latest start of the first visit.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seg {
    dur: f64,
    warp: f64,
    early: f64,
    late: f64,
}

impl Seg {
    fn node(service: f64, early: f64, late: f64) -> Self {
        Self {
            dur: service,
            warp: 0.0,
            early,
            late,
        }
    }

    /// `self` followed by `o`, with `travel` between them.
    #[inline]
    fn then(&self, travel: f64, o: &Self) -> Self {
        let delta = self.dur - self.warp + travel;
        let wait = (o.early - delta - self.late).max(0.0);
        let warp = (self.early + delta - o.late).max(0.0);
        Self {
            dur: self.dur + o.dur + travel + wait,
            warp: self.warp + o.warp + warp,
            early: (o.early - delta).max(self.early) - wait,
            late: (o.late - delta).min(self.late) + warp,
        }
    }
}

/// One vehicle's route with the data for O(1) insertion checks. Arrays with
/// depot sentinels: node 0 is the start depot, nodes `1..=m` the stops and
/// node `m + 1` the end depot.
#[derive(Debug, Default)]
pub(crate) struct Route {
    pub stops: Vec<usize>,
    /// Number of locked stops at the start of `stops`.
    pub locked: usize,
    pub load: Amount,
    pub cost: f64,
    /// Location of each node.
    locs: Vec<usize>,
    /// Earliest departure from each node `0..=m`.
    dep: Vec<f64>,
    /// Latest service start at each node `1..=m + 1` (index 0 unused) that
    /// keeps the rest of the route feasible.
    lat: Vec<f64>,
    /// Cost of the edge leaving each node `0..=m`.
    edge: Vec<f64>,
    /// Duration segments of nodes `0..=i` and `i..=m + 1`, kept when the
    /// maximum shift binds and every stop has one window.
    fwd: Vec<Seg>,
    bwd: Vec<Seg>,
    /// Shift checks use `fwd`/`bwd` (else an O(m) pass).
    segs: bool,
    /// Load of the stops up to each node `0..=m`.
    pre: Vec<Amount>,
    pub feasible: bool,
}

impl Clone for Route {
    fn clone(&self) -> Self {
        let mut r = Self::default();
        r.clone_from(self);
        r
    }

    fn clone_from(&mut self, o: &Self) {
        self.stops.clone_from(&o.stops);
        self.locked = o.locked;
        self.load = o.load;
        self.cost = o.cost;
        self.locs.clone_from(&o.locs);
        self.dep.clone_from(&o.dep);
        self.lat.clone_from(&o.lat);
        self.edge.clone_from(&o.edge);
        self.fwd.clone_from(&o.fwd);
        self.bwd.clone_from(&o.bwd);
        self.segs = o.segs;
        self.pre.clone_from(&o.pre);
        self.feasible = o.feasible;
    }
}

impl Route {
    fn node_seg(&self, d: &Data, i: usize, depot: &Seg) -> Seg {
        if i == 0 || i == self.stops.len() + 1 {
            *depot
        } else {
            let j = self.stops[i - 1];
            Seg::node(d.service[j], d.tw1[j].0, d.tw1[j].1)
        }
    }

    /// Whether job `x` can take the place of node `i` (a stop) of this route
    /// (vehicle `v`): windows and shift, not capacity.
    fn replace_ok(&self, d: &Data, v: usize, i: usize, x: usize, seq: &mut Vec<usize>) -> bool {
        let (pl, nl, lx) = (self.locs[i - 1], self.locs[i + 1], d.loc[x]);
        let Some(st) = d.start_time(x, self.dep[i - 1] + d.dur(pl, lx)) else {
            return false;
        };
        if st + d.service[x] + d.dur(lx, nl) > self.lat[i + 1] + EPS {
            return false;
        }
        if self.segs && !d.multi[x] {
            let node = Seg::node(d.service[x], d.tw1[x].0, d.tw1[x].1);
            let seg = self.fwd[i - 1]
                .then(d.dur(pl, lx), &node)
                .then(d.dur(lx, nl), &self.bwd[i + 1]);
            seg.warp <= EPS && seg.dur <= d.vmax[v] + EPS
        } else if d.vbinding[v] {
            seq.clear();
            seq.extend_from_slice(&self.stops);
            seq[i - 1] = x;
            d.seq_feasible(v, seq)
        } else {
            true
        }
    }

    /// Whether inserting job `c` after node `p` keeps the shift within the
    /// vehicle's maximum (windows are checked separately).
    #[inline]
    fn shift_ok(&self, d: &Data, v: usize, p: usize, c: usize) -> bool {
        let lc = d.loc[c];
        let node = Seg::node(d.service[c], d.tw1[c].0, d.tw1[c].1);
        let seg = self.fwd[p]
            .then(d.dur(self.locs[p], lc), &node)
            .then(d.dur(lc, self.locs[p + 1]), &self.bwd[p + 1]);
        seg.warp <= EPS && seg.dur <= d.vmax[v] + EPS
    }

    /// Inserts job `c` at stop index `p` and refreshes the arrays: the
    /// forward data after the new stop and the backward data before it.
    pub fn insert(&mut self, d: &Data, v: usize, p: usize, c: usize) {
        let simple = !self.locs.is_empty()
            && self.feasible
            && (self.segs || !d.vbinding[v])
            && !(self.segs && d.multi[c]);
        if !simple {
            self.stops.insert(p, c);
            self.update(d, v);
            return;
        }
        self.stops.insert(p, c);
        let m = self.stops.len();
        let lc = d.loc[c];
        self.locs.insert(p + 1, lc);
        let e1 = d.dist(self.locs[p], lc);
        let e2 = d.dist(lc, self.locs[p + 2]);
        self.cost += e1 + e2 - self.edge[p];
        self.edge[p] = e1;
        self.edge.insert(p + 1, e2);
        add(&mut self.load, &d.demand[c]);
        let mut ok = (0..MAX_DIMS).all(|k| self.load[k] <= d.cap[v][k]);
        // Forward: departures and loads from the new node on.
        self.dep.insert(p + 1, 0.0);
        self.pre.insert(p + 1, self.pre[p]);
        let mut t = self.dep[p];
        for i in p + 1..=m {
            let j = self.stops[i - 1];
            let mut pre = self.pre[i - 1];
            add(&mut pre, &d.demand[j]);
            self.pre[i] = pre;
            if let Some(st) = d.start_time(j, t + d.dur(self.locs[i - 1], self.locs[i])) {
                t = st + d.service[j];
            } else {
                ok = false;
                t = f64::INFINITY;
            }
            self.dep[i] = t;
        }
        ok &= t + d.dur(self.locs[m], d.depot) <= d.vend[v] + EPS;
        // Backward: latest starts up to the new node.
        self.lat.insert(p + 1, 0.0);
        let mut lat = self.lat[p + 2];
        for i in (1..=p + 1).rev() {
            let j = self.stops[i - 1];
            let bound = lat - d.dur(self.locs[i], self.locs[i + 1]) - d.service[j];
            lat = d.latest_start(j, bound).unwrap_or(f64::NEG_INFINITY);
            self.lat[i] = lat;
        }
        if self.segs {
            let depot = Seg::node(0.0, d.vstart[v], d.vend[v]);
            self.fwd.insert(p + 1, depot);
            self.bwd.insert(p + 1, depot);
            for i in p + 1..=m + 1 {
                let node = self.node_seg(d, i, &depot);
                self.fwd[i] = self.fwd[i - 1].then(d.dur(self.locs[i - 1], self.locs[i]), &node);
            }
            for i in (0..=p + 1).rev() {
                let node = self.node_seg(d, i, &depot);
                self.bwd[i] = node.then(d.dur(self.locs[i], self.locs[i + 1]), &self.bwd[i + 1]);
            }
            let all = &self.fwd[m + 1];
            ok &= all.warp <= EPS && all.dur <= d.vmax[v] + EPS;
        }
        self.feasible = ok;
    }

    pub fn update(&mut self, d: &Data, v: usize) {
        let m = self.stops.len();
        self.locs.clear();
        self.locs.push(d.depot);
        self.locs.extend(self.stops.iter().map(|&j| d.loc[j]));
        self.locs.push(d.depot);
        self.dep.resize(m + 1, 0.0);
        self.lat.resize(m + 2, 0.0);
        self.edge.resize(m + 1, 0.0);
        let mut load = [0; MAX_DIMS];
        let mut cost = 0.0;
        let mut t = d.vstart[v];
        self.dep[0] = t;
        self.pre.resize(m + 1, load);
        self.pre[0] = load;
        let mut ok = true;
        for i in 0..=m {
            let (a, b) = (self.locs[i], self.locs[i + 1]);
            let e = d.dist(a, b);
            self.edge[i] = e;
            cost += e;
            if i < m {
                let j = self.stops[i];
                add(&mut load, &d.demand[j]);
                self.pre[i + 1] = load;
                if let Some(st) = d.start_time(j, t + d.dur(a, b)) {
                    t = st + d.service[j];
                } else {
                    ok = false;
                    t = f64::INFINITY;
                }
                self.dep[i + 1] = t;
            } else {
                ok &= t + d.dur(a, b) <= d.vend[v] + EPS;
            }
        }
        let mut lat = d.vend[v];
        self.lat[m + 1] = lat;
        for i in (1..=m).rev() {
            let j = self.stops[i - 1];
            let bound = lat - d.dur(self.locs[i], self.locs[i + 1]) - d.service[j];
            lat = d.latest_start(j, bound).unwrap_or(f64::NEG_INFINITY);
            self.lat[i] = lat;
        }
        ok &= (0..MAX_DIMS).all(|k| load[k] <= d.cap[v][k]);
        self.segs = d.vbinding[v] && self.stops.iter().all(|&j| !d.multi[j]);
        if self.segs {
            let depot = Seg::node(0.0, d.vstart[v], d.vend[v]);
            self.fwd.resize(m + 2, depot);
            self.bwd.resize(m + 2, depot);
            self.fwd[0] = depot;
            self.bwd[m + 1] = depot;
            for i in 1..=m + 1 {
                let node = self.node_seg(d, i, &depot);
                self.fwd[i] = self.fwd[i - 1].then(d.dur(self.locs[i - 1], self.locs[i]), &node);
            }
            for i in (0..=m).rev() {
                let node = self.node_seg(d, i, &depot);
                self.bwd[i] = node.then(d.dur(self.locs[i], self.locs[i + 1]), &self.bwd[i + 1]);
            }
            if ok && m > 0 {
                let all = &self.fwd[m + 1];
                ok = all.warp <= EPS && all.dur <= d.vmax[v] + EPS;
            }
        } else if ok && d.vbinding[v] && m > 0 {
            ok = d.seq_feasible(v, &self.stops);
        }
        self.load = load;
        self.cost = if m == 0 { 0.0 } else { cost };
        self.feasible = ok;
    }
}

#[derive(Clone, Debug)]
pub(crate) struct State {
    pub routes: Vec<Route>,
    pub route_of: Vec<u32>,
    pub unassigned: Vec<usize>,
}

impl State {
    pub fn empty(d: &Data) -> Self {
        Self {
            routes: (0..d.n_veh)
                .map(|_| Route {
                    feasible: true,
                    ..Route::default()
                })
                .collect(),
            route_of: vec![NONE; d.n_jobs],
            unassigned: Vec::new(),
        }
    }

    pub fn used(&self) -> usize {
        self.routes.iter().filter(|r| !r.stops.is_empty()).count()
    }

    pub fn distance(&self) -> f64 {
        self.routes.iter().map(|r| r.cost).sum()
    }

    pub fn cost(&self, d: &Data) -> f64 {
        let mut c = 0.0;
        for r in &self.routes {
            if !r.stops.is_empty() {
                c += r.cost + d.vehicle_weight;
                if !r.feasible {
                    c += 1e30;
                }
            }
        }
        c + self
            .unassigned
            .iter()
            .map(|&j| d.weight[j] * d.unassigned_weight)
            .sum::<f64>()
    }

    fn copy_from_touched(&mut self, o: &Self, touched: &[usize]) {
        for &r in touched {
            self.routes[r].clone_from(&o.routes[r]);
        }
        self.route_of.clone_from(&o.route_of);
        self.unassigned.clone_from(&o.unassigned);
    }
}

const AVG_REMOVED: f64 = 10.0;
const MAX_STRING: f64 = 10.0;
const BLINK: f64 = 0.01;

pub(crate) struct Search<'a> {
    d: &'a Data,
    rng: Rng,
    removed: Vec<usize>,
    touched: Vec<bool>,
    touched_list: Vec<usize>,
    seq: Vec<usize>,
    profile_stamp: Vec<u64>,
    stamp: u64,
    keys: Vec<f64>,
    pub iterations: u64,
    blink_in: u32,
    /// Greedy insertion without blinks (every position is tried).
    pub exhaustive: bool,
    avg_removed: f64,
    start: Instant,
    opts: &'a SolveOptions,
    last_report: f64,
    stopped: bool,
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

    fn cancelled(&self) -> bool {
        self.opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Budget check, done every few iterations; also reports progress.
    fn tick(&mut self, best: &State, frac_cache: &mut f64) -> bool {
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

    fn touch(&mut self, r: usize) {
        if !self.touched[r] {
            self.touched[r] = true;
            self.touched_list.push(r);
        }
    }

    fn clear_touched(&mut self) {
        for &r in &self.touched_list {
            self.touched[r] = false;
        }
        self.touched_list.clear();
    }

    /// Mixed fleets: moves a whole route to a vehicle of another profile
    /// (swapping with that vehicle's route), when both stay feasible. The
    /// distance is unchanged, but the capacities left free change.
    fn swap_vehicles(&mut self, s: &mut State) {
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
    fn ruin(&mut self, s: &mut State) {
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
    fn next_blink(&mut self) -> u32 {
        let u = self.rng.f64().max(1e-12);
        (u.ln() / (1.0 - BLINK).ln()).floor().min(1e6) as u32 + 1
    }

    fn sort_removed(&mut self) {
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
    fn recreate(&mut self, s: &mut State, allow_new: bool) {
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
    /// 2-opt* descent (first improvement): exchanges route tails between
    /// two routes. Returns whether the plan improved.
    pub fn two_opt_star(&mut self, s: &mut State, allow_new: bool) -> bool {
        let d = self.d;
        let mut improved = false;
        for _ in 0..200 {
            let Some((a, i, b, j)) = self.find_two_opt_star(s, allow_new) else {
                break;
            };
            let tail_a = s.routes[a].stops.split_off(i);
            let tail_b = s.routes[b].stops.split_off(j);
            s.routes[a].stops.extend_from_slice(&tail_b);
            s.routes[b].stops.extend_from_slice(&tail_a);
            for r in [a, b] {
                s.routes[r].update(d, r);
                debug_assert!(s.routes[r].feasible);
                self.touch(r);
            }
            for &x in &tail_b {
                s.route_of[x] = a as u32;
            }
            for &x in &tail_a {
                s.route_of[x] = b as u32;
            }
            improved = true;
        }
        improved
    }

    /// Exchange descent: swaps two customers of different routes when the
    /// second is among the first one's nearest neighbours. Returns whether
    /// the plan improved.
    pub fn swap_descent(&mut self, s: &mut State) -> bool {
        const NEIGHBOURS: usize = 25;
        let d = self.d;
        let mut improved = false;
        for u in 0..d.n_jobs {
            let ru = s.route_of[u];
            if ru == NONE {
                continue;
            }
            for k in 0..d.neighbours[u].len().min(NEIGHBOURS) {
                let ru = s.route_of[u] as usize;
                let v = d.neighbours[u][k] as usize;
                let rv = s.route_of[v];
                if rv == NONE || rv as usize == ru {
                    continue;
                }
                let rv = rv as usize;
                if (d.req[u] != NONE && d.req[u] as usize != rv)
                    || (d.req[v] != NONE && d.req[v] as usize != ru)
                {
                    continue;
                }
                let (a, b) = (&s.routes[ru], &s.routes[rv]);
                let Some(pu) = a.stops.iter().position(|&x| x == u) else {
                    continue;
                };
                let Some(pv) = b.stops.iter().position(|&x| x == v) else {
                    continue;
                };
                if pu < a.locked || pv < b.locked {
                    continue;
                }
                let (i, j) = (pu + 1, pv + 1);
                let (lu, lv) = (d.loc[u], d.loc[v]);
                let delta = d.dist(a.locs[i - 1], lv) + d.dist(lv, a.locs[i + 1])
                    - a.edge[i - 1]
                    - a.edge[i]
                    + d.dist(b.locs[j - 1], lu)
                    + d.dist(lu, b.locs[j + 1])
                    - b.edge[j - 1]
                    - b.edge[j];
                if delta >= -1e-9 {
                    continue;
                }
                let cap_ok = (0..MAX_DIMS).all(|x| {
                    a.load[x] - d.demand[u][x] + d.demand[v][x] <= d.cap[ru][x]
                        && b.load[x] - d.demand[v][x] + d.demand[u][x] <= d.cap[rv][x]
                });
                if !cap_ok
                    || !a.replace_ok(d, ru, i, v, &mut self.seq)
                    || !b.replace_ok(d, rv, j, u, &mut self.seq)
                {
                    continue;
                }
                s.routes[ru].stops[pu] = v;
                s.routes[rv].stops[pv] = u;
                s.route_of[u] = rv as u32;
                s.route_of[v] = ru as u32;
                for r in [ru, rv] {
                    s.routes[r].update(d, r);
                    debug_assert!(s.routes[r].feasible);
                    self.touch(r);
                }
                improved = true;
            }
        }
        improved
    }

    fn find_two_opt_star(
        &mut self,
        s: &State,
        allow_new: bool,
    ) -> Option<(usize, usize, usize, usize)> {
        let d = self.d;
        let fits = |x: &Amount, y: &Amount, z: &Amount, cap: &Amount| {
            (0..MAX_DIMS).all(|k| x[k] + y[k] - z[k] <= cap[k])
        };
        for a in 0..d.n_veh {
            let ra = &s.routes[a];
            for b in a + 1..d.n_veh {
                let rb = &s.routes[b];
                if ra.stops.is_empty() && rb.stops.is_empty()
                    || (!allow_new && (ra.stops.is_empty() || rb.stops.is_empty()))
                {
                    continue;
                }
                let (ma, mb) = (ra.stops.len(), rb.stops.len());
                let same_end = d.vend[a].total_cmp(&d.vend[b]).is_eq();
                let exact = !same_end || d.vbinding[a] || d.vbinding[b];
                for i in ra.locked..=ma {
                    let (la, la_next) = (ra.locs[i], ra.locs[i + 1]);
                    for j in rb.locked..=mb {
                        if (i == ma && j == mb) || (i == 0 && j == 0) {
                            continue;
                        }
                        let (lb, lb_next) = (rb.locs[j], rb.locs[j + 1]);
                        let mut delta =
                            d.dist(la, lb_next) + d.dist(lb, la_next) - ra.edge[i] - rb.edge[j];
                        if d.vehicle_weight > 0.0 {
                            let used_before = usize::from(ma > 0) + usize::from(mb > 0);
                            let used_after =
                                usize::from(i + mb - j > 0) + usize::from(j + ma - i > 0);
                            delta += (used_after as f64 - used_before as f64) * d.vehicle_weight;
                        }
                        if delta >= -1e-9 {
                            continue;
                        }
                        if !fits(&ra.pre[i], &rb.load, &rb.pre[j], &d.cap[a])
                            || !fits(&rb.pre[j], &ra.load, &ra.pre[i], &d.cap[b])
                        {
                            continue;
                        }
                        if same_end
                            && (ra.dep[i] + d.dur(la, lb_next) > rb.lat[j + 1] + EPS
                                || rb.dep[j] + d.dur(lb, la_next) > ra.lat[i + 1] + EPS)
                        {
                            continue;
                        }
                        let tails_free = ra.stops[i..].iter().all(|&x| d.req[x] == NONE)
                            && rb.stops[j..].iter().all(|&x| d.req[x] == NONE);
                        if !tails_free {
                            continue;
                        }
                        if exact {
                            self.seq.clear();
                            self.seq.extend_from_slice(&ra.stops[..i]);
                            self.seq.extend_from_slice(&rb.stops[j..]);
                            if !self.seq.is_empty() && !d.seq_feasible(a, &self.seq) {
                                continue;
                            }
                            self.seq.clear();
                            self.seq.extend_from_slice(&rb.stops[..j]);
                            self.seq.extend_from_slice(&ra.stops[i..]);
                            if !self.seq.is_empty() && !d.seq_feasible(b, &self.seq) {
                                continue;
                            }
                        }
                        return Some((a, i, b, j));
                    }
                }
            }
        }
        None
    }

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

#[cfg(test)]
mod tests {
    use super::Route;
    use crate::data::{Data, EPS};
    use crate::prng::Rng;
    use crate::tests::random_problem;

    /// The O(1) insertion checks (windows + shift segments) agree with a
    /// full O(m) evaluation of the new sequence.
    #[test]
    fn constant_time_checks_match_full_evaluation() {
        let mut rng = Rng::new(5);
        let mut checked = 0;
        for _ in 0..60 {
            let mut p = random_problem(&mut rng);
            for j in &mut p.jobs {
                j.windows.truncate(1);
                j.location = Some(j.location.unwrap_or(1));
            }
            let n = p.jobs.len();
            let d = Data::new(&p, vec![true; n]);
            for v in 0..d.n_veh {
                let mut route = Route::default();
                route.update(&d, v);
                for _ in 0..3 * n {
                    let c = rng.below(n);
                    if route.stops.contains(&c) {
                        continue;
                    }
                    let m = route.stops.len();
                    for pos in 0..=m {
                        let (pl, nl) = (route.locs[pos], route.locs[pos + 1]);
                        let lc = d.loc[c];
                        let tw_ok =
                            d.start_time(c, route.dep[pos] + d.dur(pl, lc))
                                .is_some_and(|st| {
                                    st + d.service[c] + d.dur(lc, nl) <= route.lat[pos + 1] + EPS
                                });
                        let fast = tw_ok && (!route.segs || route.shift_ok(&d, v, pos, c));
                        let mut seq = route.stops.clone();
                        seq.insert(pos, c);
                        let slow = d.seq_feasible(v, &seq);
                        if route.segs {
                            assert_eq!(fast, slow, "vehicle {v} pos {pos} seq {seq:?}");
                            checked += 1;
                        } else {
                            assert_eq!(tw_ok, slow || d.vbinding[v] && tw_ok);
                        }
                    }
                    let pos = rng.below(m + 1);
                    let mut seq = route.stops.clone();
                    seq.insert(pos, c);
                    if d.fits(&route.load, c, v) && d.seq_feasible(v, &seq) {
                        route.insert(&d, v, pos, c);
                        assert!(route.feasible);
                        let mut full = route.clone();
                        full.update(&d, v);
                        assert_eq!(full.stops, route.stops);
                        assert_eq!(full.locs, route.locs);
                        assert_eq!(full.pre, route.pre);
                        assert_eq!(full.load, route.load);
                        let close = |a: &[f64], b: &[f64]| {
                            a.len() == b.len()
                                && a.iter().zip(b).all(|(x, y)| {
                                    (x - y).abs() <= 1e-6 || x.is_infinite() && y.is_infinite()
                                })
                        };
                        assert!(close(&full.dep, &route.dep));
                        assert!(close(&full.lat[1..], &route.lat[1..]));
                        assert!(close(&full.edge, &route.edge));
                        assert!((full.cost - route.cost).abs() < 1e-6);
                        assert_eq!(full.fwd.len(), route.fwd.len());
                        for (a, b) in full.fwd.iter().zip(&route.fwd) {
                            assert!((a.dur - b.dur).abs() < 1e-6 && (a.warp - b.warp).abs() < 1e-6);
                        }
                        for (a, b) in full.bwd.iter().zip(&route.bwd) {
                            assert!((a.dur - b.dur).abs() < 1e-6 && (a.late - b.late).abs() < 1e-6);
                        }
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
