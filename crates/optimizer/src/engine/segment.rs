//! Route segments: the duration data of a sequence of visits with single
//! time windows, and their concatenation.

/// Duration data of a sequence of visits with single time windows (Vidal et
/// al.'s concatenation): least duration with the best start, time warp,
/// earliest and latest start of the first visit.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seg {
    pub(super) dur: f64,
    pub(super) warp: f64,
    pub(super) early: f64,
    pub(super) late: f64,
}

impl Seg {
    pub(super) fn node(service: f64, early: f64, late: f64) -> Self {
        Self {
            dur: service,
            warp: 0.0,
            early,
            late,
        }
    }

    /// `self` followed by `o`, with `travel` between them.
    #[inline]
    pub(super) fn then(&self, travel: f64, o: &Self) -> Self {
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
