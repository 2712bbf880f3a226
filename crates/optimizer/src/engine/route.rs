//! One vehicle's route with the data for O(1) insertion checks, and the
//! whole plan as the search holds it.

use super::Seg;
use crate::data::{Data, EPS, NONE, add};
use crate::model::{Amount, MAX_DIMS};

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
    pub(super) locs: Vec<usize>,
    /// Earliest departure from each node `0..=m`.
    pub(super) dep: Vec<f64>,
    /// Latest service start at each node `1..=m + 1` (index 0 unused) that
    /// keeps the rest of the route feasible.
    pub(super) lat: Vec<f64>,
    /// Cost of the edge leaving each node `0..=m`.
    pub(super) edge: Vec<f64>,
    /// Duration segments of nodes `0..=i` and `i..=m + 1`, kept when the
    /// maximum shift binds and every stop has one window.
    pub(super) fwd: Vec<Seg>,
    pub(super) bwd: Vec<Seg>,
    /// Shift checks use `fwd`/`bwd` (else an O(m) pass).
    pub(super) segs: bool,
    /// Load of the stops up to each node `0..=m`.
    pub(super) pre: Vec<Amount>,
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
    pub(super) fn node_seg(&self, d: &Data, i: usize, depot: &Seg) -> Seg {
        if i == 0 || i == self.stops.len() + 1 {
            *depot
        } else {
            let j = self.stops[i - 1];
            Seg::node(d.service[j], d.tw1[j].0, d.tw1[j].1)
        }
    }

    /// Whether job `x` can take the place of node `i` (a stop) of this route
    /// (vehicle `v`): windows and shift, not capacity.
    pub(super) fn replace_ok(
        &self,
        d: &Data,
        v: usize,
        i: usize,
        x: usize,
        seq: &mut Vec<usize>,
    ) -> bool {
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
    pub(super) fn shift_ok(&self, d: &Data, v: usize, p: usize, c: usize) -> bool {
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

    pub(super) fn copy_from_touched(&mut self, o: &Self, touched: &[usize]) {
        for &r in touched {
            self.routes[r].clone_from(&o.routes[r]);
        }
        self.route_of.clone_from(&o.route_of);
        self.unassigned.clone_from(&o.unassigned);
    }
}
