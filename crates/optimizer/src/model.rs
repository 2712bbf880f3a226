//! Public data model: problem, options, solution.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Number of capacity dimensions a problem may use (e.g. kg and slots).
/// Unused dimensions are zero.
pub const MAX_DIMS: usize = 3;

/// An amount per capacity dimension (demand, capacity or load).
pub type Amount = [i64; MAX_DIMS];

/// Builds an [`Amount`] from up to [`MAX_DIMS`] values; missing ones are zero.
///
/// # Panics
/// Panics if more than [`MAX_DIMS`] values are given.
pub fn amount(values: &[i64]) -> Amount {
    assert!(
        values.len() <= MAX_DIMS,
        "at most {MAX_DIMS} capacity dimensions"
    );
    let mut a = [0; MAX_DIMS];
    a[..values.len()].copy_from_slice(values);
    a
}

/// A closed time window `[start, end]` for the *start* of service, in seconds
/// (or the instance's time unit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWindow {
    pub start: f64,
    pub end: f64,
}

impl TimeWindow {
    pub fn new(start: f64, end: f64) -> Self {
        Self { start, end }
    }
}

/// The single depot every vehicle leaves from and returns to.
#[derive(Clone, Debug, PartialEq)]
pub struct Depot {
    /// Row/column in the travel matrix.
    pub location: usize,
    /// Opening time: no vehicle leaves before it.
    pub open: f64,
    /// Closing time: every vehicle is back by then.
    pub close: f64,
}

/// A vehicle (truck). It drives at most one route.
#[derive(Clone, Debug, PartialEq)]
pub struct Vehicle {
    pub id: String,
    pub capacity: Amount,
    /// Earliest departure from the depot.
    pub shift_start: f64,
    /// Latest return to the depot.
    pub shift_end: f64,
    /// Longest time from departure to return, waiting included
    /// (`f64::INFINITY` when there is no such limit).
    pub max_shift: f64,
}

/// A delivery order: one visit, one vehicle, whole demand.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: String,
    /// Row/column in the travel matrix; `None` when the customer has no
    /// coordinates (the job is then reported as
    /// [`Reason::MissingCoordinates`]).
    pub location: Option<usize>,
    pub demand: Amount,
    /// One or more windows for the start of service, any order. An empty list
    /// means "any time".
    pub windows: Vec<TimeWindow>,
    /// Time on site.
    pub service: f64,
    /// Index into [`Problem::vehicles`] of the only vehicle allowed to serve it.
    pub required_vehicle: Option<usize>,
    /// Higher is more important: when not every job fits, the search prefers
    /// to serve jobs with a higher priority (a served job of priority `p`
    /// counts `1 + p` in the "served" objective).
    pub priority: u32,
}

/// Square travel matrices indexed by location.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    size: usize,
    duration: Vec<f64>,
    distance: Vec<f64>,
}

impl Matrix {
    /// Builds a matrix from row-major `duration` and `distance` values.
    pub fn new(size: usize, duration: Vec<f64>, distance: Vec<f64>) -> Result<Self, String> {
        if duration.len() != size * size || distance.len() != size * size {
            return Err(format!("matrix must have {size}x{size} entries"));
        }
        if duration
            .iter()
            .chain(distance.iter())
            .any(|v| !v.is_finite() || *v < 0.0)
        {
            return Err("matrix entries must be finite and non-negative".into());
        }
        Ok(Self {
            size,
            duration,
            distance,
        })
    }

    /// Builds a matrix from points with Euclidean distance (travel time equals
    /// distance), as in the Solomon benchmark.
    pub fn euclidean(points: &[(f64, f64)]) -> Self {
        let n = points.len();
        let mut d = vec![0.0; n * n];
        for (i, a) in points.iter().enumerate() {
            for (j, b) in points.iter().enumerate() {
                d[i * n + j] = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
            }
        }
        Self {
            size: n,
            duration: d.clone(),
            distance: d,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    #[inline]
    pub fn duration(&self, from: usize, to: usize) -> f64 {
        self.duration[from * self.size + to]
    }

    #[inline]
    pub fn distance(&self, from: usize, to: usize) -> f64 {
        self.distance[from * self.size + to]
    }
}

/// A job fixed on a vehicle (mid-day re-planning: delivered stops stay).
///
/// The locked stops of a vehicle form the beginning of its route, in
/// ascending `position` order; new stops are only added after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockedStop {
    pub job: usize,
    pub vehicle: usize,
    pub position: usize,
}

/// What the search minimises after serving as many jobs as possible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Objective {
    /// Fewest vehicles, then least total distance (VRPTW literature).
    #[default]
    VehiclesThenDistance,
    /// Least total distance; unused vehicles cost nothing (`luckygas-vrp/1`).
    Distance,
}

/// Unit of the distance matrix, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DistanceUnit {
    /// Unitless (Solomon / Homberger): reported as is.
    #[default]
    Plain,
    /// Metres: reported in km.
    Metres,
}

/// A routing problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub name: String,
    pub depot: Depot,
    pub vehicles: Vec<Vehicle>,
    pub jobs: Vec<Job>,
    pub matrix: Matrix,
    pub locked: Vec<LockedStop>,
    pub objective: Objective,
    pub distance_unit: DistanceUnit,
    /// Names of the capacity dimensions in use (e.g. `["kg", "slots"]`).
    pub dimensions: Vec<String>,
}

impl Problem {
    /// Converts a distance in matrix units to the report unit (km for metres).
    pub fn report_distance(&self, distance: f64) -> f64 {
        match self.distance_unit {
            DistanceUnit::Plain => distance,
            DistanceUnit::Metres => distance / 1000.0,
        }
    }
}

/// Progress of a running search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub elapsed: Duration,
    /// Total distance of the best plan so far (matrix units).
    pub best_distance: f64,
    pub best_vehicles: usize,
    pub best_unassigned: usize,
    /// Fraction of the budget spent, 0..=1.
    pub fraction: f64,
    pub iterations: u64,
}

/// Callback receiving progress reports (at most a few per second).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Search limits and hooks.
#[derive(Clone)]
pub struct SolveOptions {
    /// Wall-clock budget. `None` means no time limit (then set
    /// `max_iterations`).
    pub time_limit: Option<Duration>,
    /// Iteration budget. With no time limit, the same seed gives the same plan.
    pub max_iterations: Option<u64>,
    pub seed: u64,
    pub progress: Option<ProgressFn>,
    /// Set to `true` to stop the search early; the best plan so far is returned.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            time_limit: Some(Duration::from_secs(2)),
            max_iterations: None,
            seed: 1,
            progress: None,
            cancel: None,
        }
    }
}

impl std::fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("time_limit", &self.time_limit)
            .field("max_iterations", &self.max_iterations)
            .field("seed", &self.seed)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

impl SolveOptions {
    pub fn with_time_limit(seconds: f64) -> Self {
        Self {
            time_limit: Some(Duration::from_secs_f64(seconds)),
            ..Self::default()
        }
    }

    pub fn with_iterations(iterations: u64, seed: u64) -> Self {
        Self {
            time_limit: None,
            max_iterations: Some(iterations),
            seed,
            ..Self::default()
        }
    }
}

/// Why a job is not in the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The demand exceeds the capacity of every vehicle allowed to serve it.
    Capacity,
    /// No window can be met even by a vehicle driving there directly.
    TimeWindow,
    /// Even an out-and-back trip exceeds the shift.
    ShiftLength,
    /// The job has no location.
    MissingCoordinates,
    /// There is no vehicle, or the required vehicle does not exist.
    NoVehicle,
    /// The job is feasible on its own but the search found no room for it.
    NoCapacityLeft,
    /// The job's locked stop is invalid (unknown vehicle, duplicate, or the
    /// locked part of the route cannot be driven).
    InvalidLock,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capacity => "capacity",
            Self::TimeWindow => "time_window",
            Self::ShiftLength => "shift_length",
            Self::MissingCoordinates => "missing_coordinates",
            Self::NoVehicle => "no_vehicle",
            Self::NoCapacityLeft => "no_capacity_left",
            Self::InvalidLock => "invalid_lock",
        }
    }
}

/// One visit in a route.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    /// Index into [`Problem::jobs`].
    pub job: usize,
    pub job_id: String,
    pub location: usize,
    pub arrival: f64,
    pub service_start: f64,
    pub departure: f64,
    /// Load on board after this delivery, per dimension.
    pub load_after: Amount,
}

/// The route of one vehicle.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Index into [`Problem::vehicles`].
    pub vehicle: usize,
    pub vehicle_id: String,
    /// Departure from the depot (chosen as late as possible without
    /// delaying the return).
    pub start: f64,
    /// Return to the depot.
    pub end: f64,
    /// Load on board when leaving the depot.
    pub load: Amount,
    pub stops: Vec<Stop>,
    /// Distance driven, depot legs included (matrix units).
    pub distance: f64,
    /// `end - start`, waiting included.
    pub duration: f64,
    /// Driving time only.
    pub travel_time: f64,
}

/// A job left out of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Unassigned {
    pub job: usize,
    pub job_id: String,
    pub reason: Reason,
}

/// A plan.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Solution {
    /// Non-empty routes only.
    pub routes: Vec<Route>,
    pub unassigned: Vec<Unassigned>,
    pub total_distance: f64,
    pub total_travel_time: f64,
    pub vehicles_used: usize,
    pub iterations: u64,
    pub elapsed_seconds: f64,
}

impl Solution {
    pub fn served(&self) -> usize {
        self.routes.iter().map(|r| r.stops.len()).sum()
    }
}
