//! The search engine. `segment`: duration data of a sequence of visits
//! (concatenated in O(1)); `route`: one vehicle's route with the data for
//! O(1) insertion checks, and the whole plan (`State`); `search`: the
//! ruin-and-recreate search (SISR-style string removals, greedy insertion
//! with blinks, simulated-annealing acceptance, and an absence-driven phase
//! that removes vehicles or serves left-out jobs); `local_search`: the
//! 2-opt* and swap descents used on the result.

mod local_search;
mod route;
mod search;
mod segment;

pub(crate) use route::State;
pub(crate) use search::Search;
pub(crate) use segment::Seg;

#[cfg(test)]
mod tests {
    use super::route::Route;
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
