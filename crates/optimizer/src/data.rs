//! Compiled problem data used by the search (flat arrays, sorted windows).

use crate::model::{Amount, MAX_DIMS, Objective, Problem};

pub(crate) const NONE: u32 = u32::MAX;
/// Slack for floating-point round-off in time comparisons (the validator
/// allows 1e-6).
pub(crate) const EPS: f64 = 1e-7;

/// `a += b` per dimension.
#[inline]
pub(crate) fn add(a: &mut Amount, b: &Amount) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

pub(crate) struct Data {
    pub n_jobs: usize,
    pub n_veh: usize,
    nl: usize,
    dist: Vec<f64>,
    dur: Vec<f64>,
    pub depot: usize,
    pub loc: Vec<usize>,
    pub demand: Vec<Amount>,
    pub service: Vec<f64>,
    /// First window (or the whole line when the job has none).
    pub tw1: Vec<(f64, f64)>,
    /// All windows, sorted by start; only used when `multi[j]`.
    pub tws: Vec<Vec<(f64, f64)>>,
    pub multi: Vec<bool>,
    pub req: Vec<u32>,
    pub weight: Vec<f64>,
    /// Job takes part in the search (routable and not rejected up front).
    pub active: Vec<bool>,
    pub cap: Vec<Amount>,
    pub vstart: Vec<f64>,
    pub vend: Vec<f64>,
    pub vmax: Vec<f64>,
    /// The maximum shift duration can bind for this vehicle.
    pub vbinding: Vec<bool>,
    /// Vehicles with the same profile are interchangeable when empty.
    pub profile: Vec<usize>,
    pub n_profiles: usize,
    /// For each job, the other active jobs by increasing distance.
    pub neighbours: Vec<Vec<u32>>,
    pub objective: Objective,
    /// Cost of one used vehicle (0 when vehicles are free).
    pub vehicle_weight: f64,
    /// Cost of one unserved job (times `weight`).
    pub unassigned_weight: f64,
}

impl Data {
    pub fn new(p: &Problem, active: Vec<bool>) -> Self {
        let nl = p.matrix.size();
        let mut dist = vec![0.0; nl * nl];
        let mut dur = vec![0.0; nl * nl];
        for i in 0..nl {
            for j in 0..nl {
                dist[i * nl + j] = p.matrix.distance(i, j);
                dur[i * nl + j] = p.matrix.duration(i, j);
            }
        }
        let n = p.jobs.len();
        let depot = p.depot.location;
        let loc: Vec<usize> = p
            .jobs
            .iter()
            .map(|j| j.location.filter(|&l| l < nl).unwrap_or(depot))
            .collect();
        let mut tw1 = Vec::with_capacity(n);
        let mut tws = Vec::with_capacity(n);
        let mut multi = Vec::with_capacity(n);
        for j in &p.jobs {
            let mut w: Vec<(f64, f64)> = j
                .windows
                .iter()
                .filter(|w| w.start <= w.end)
                .map(|w| (w.start, w.end))
                .collect();
            if j.windows.is_empty() {
                w.push((f64::NEG_INFINITY, f64::INFINITY));
            }
            w.sort_by(|a, b| a.0.total_cmp(&b.0));
            tw1.push(w.first().copied().unwrap_or((1.0, 0.0)));
            multi.push(w.len() > 1);
            tws.push(w);
        }
        let nv = p.vehicles.len();
        let vstart: Vec<f64> = p
            .vehicles
            .iter()
            .map(|v| v.shift_start.max(p.depot.open))
            .collect();
        let vend: Vec<f64> = p
            .vehicles
            .iter()
            .map(|v| v.shift_end.min(p.depot.close))
            .collect();
        let vmax: Vec<f64> = p.vehicles.iter().map(|v| v.max_shift).collect();
        let vbinding = (0..nv).map(|v| vmax[v] < vend[v] - vstart[v]).collect();
        let mut profile = vec![0; nv];
        let mut reps: Vec<usize> = Vec::new();
        for v in 0..nv {
            let same = reps.iter().position(|&r| {
                p.vehicles[r].capacity == p.vehicles[v].capacity
                    && vstart[r].total_cmp(&vstart[v]).is_eq()
                    && vend[r].total_cmp(&vend[v]).is_eq()
                    && vmax[r].total_cmp(&vmax[v]).is_eq()
            });
            profile[v] = same.unwrap_or_else(|| {
                reps.push(v);
                reps.len() - 1
            });
        }
        let mut neighbours = vec![Vec::new(); n];
        for i in 0..n {
            if !active[i] {
                continue;
            }
            let mut list: Vec<u32> = (0..n)
                .filter(|&j| j != i && active[j])
                .map(|j| j as u32)
                .collect();
            let li = loc[i];
            list.sort_by(|&a, &b| {
                dist[li * nl + loc[a as usize]].total_cmp(&dist[li * nl + loc[b as usize]])
            });
            neighbours[i] = list;
        }
        let out_and_back: f64 = (0..n)
            .filter(|&j| active[j])
            .map(|j| dist[depot * nl + loc[j]] + dist[loc[j] * nl + depot])
            .sum();
        let vehicle_weight = match p.objective {
            Objective::VehiclesThenDistance => out_and_back + 1.0,
            Objective::Distance => 0.0,
        };
        let unassigned_weight = (out_and_back + 1.0) * (nv as f64 + 2.0);
        Self {
            n_jobs: n,
            n_veh: nv,
            nl,
            dist,
            dur,
            depot,
            loc,
            demand: p.jobs.iter().map(|j| j.demand).collect(),
            service: p.jobs.iter().map(|j| j.service).collect(),
            tw1,
            tws,
            multi,
            req: p
                .jobs
                .iter()
                .map(|j| j.required_vehicle.map_or(NONE, |v| v as u32))
                .collect(),
            weight: p.jobs.iter().map(|j| 1.0 + f64::from(j.priority)).collect(),
            active,
            cap: p.vehicles.iter().map(|v| v.capacity).collect(),
            vstart,
            vend,
            vmax,
            vbinding,
            profile,
            n_profiles: reps.len(),
            neighbours,
            objective: p.objective,
            vehicle_weight,
            unassigned_weight,
        }
    }

    #[inline]
    pub fn dist(&self, a: usize, b: usize) -> f64 {
        self.dist[a * self.nl + b]
    }

    #[inline]
    pub fn dur(&self, a: usize, b: usize) -> f64 {
        self.dur[a * self.nl + b]
    }

    /// Earliest service start of job `j` when arriving at `arr`, if any
    /// window can still be met.
    #[inline]
    pub fn start_time(&self, j: usize, arr: f64) -> Option<f64> {
        if self.multi[j] {
            self.tws[j]
                .iter()
                .find(|w| arr <= w.1 + EPS)
                .map(|w| arr.max(w.0))
        } else {
            let (a, b) = self.tw1[j];
            if arr <= b + EPS {
                Some(arr.max(a))
            } else {
                None
            }
        }
    }

    /// Latest service start of job `j` not after `bound`, if any.
    #[inline]
    pub fn latest_start(&self, j: usize, bound: f64) -> Option<f64> {
        if self.multi[j] {
            self.tws[j]
                .iter()
                .filter(|w| w.0 <= bound + EPS)
                .map(|w| w.1.min(bound))
                .max_by(f64::total_cmp)
        } else {
            let (a, b) = self.tw1[j];
            if a <= bound + EPS {
                Some(b.min(bound))
            } else {
                None
            }
        }
    }

    #[inline]
    pub fn fits(&self, load: &Amount, j: usize, v: usize) -> bool {
        let d = &self.demand[j];
        let c = &self.cap[v];
        (0..MAX_DIMS).all(|k| load[k] + d[k] <= c[k])
    }

    /// Shortest possible shift (return minus departure) of vehicle `v`
    /// driving `seq`, or `None` if the sequence misses a window or the
    /// vehicle's end of shift. Exact, O(len).
    pub fn min_shift(&self, v: usize, seq: &[usize]) -> Option<(f64, f64, f64)> {
        let mut t = self.vstart[v];
        let mut prev = self.depot;
        for &j in seq {
            let s = self.start_time(j, t + self.dur(prev, self.loc[j]))?;
            t = s + self.service[j];
            prev = self.loc[j];
        }
        let ret = t + self.dur(prev, self.depot);
        if ret > self.vend[v] + EPS {
            return None;
        }
        // Latest departure that still returns at `ret`.
        let mut lat = ret;
        let mut next = self.depot;
        for &j in seq.iter().rev() {
            let bound = lat - self.dur(self.loc[j], next) - self.service[j];
            lat = self.latest_start(j, bound)?;
            next = self.loc[j];
        }
        let dep = (lat - self.dur(self.depot, next)).max(self.vstart[v]);
        Some((dep, ret, ret - dep))
    }

    /// Whether vehicle `v` can drive `seq` (windows, shift end, max shift;
    /// not capacity).
    pub fn seq_feasible(&self, v: usize, seq: &[usize]) -> bool {
        match self.min_shift(v, seq) {
            Some((_, _, d)) => !self.vbinding[v] || d <= self.vmax[v] + EPS,
            None => false,
        }
    }
}
