//! Local search on a plan: 2-opt* (exchanging route tails) and swap
//! descents, first improvement.

use super::{Search, State};
use crate::data::{EPS, NONE};
use crate::model::{Amount, MAX_DIMS};

impl Search<'_> {
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

    pub(super) fn find_two_opt_star(
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
}
