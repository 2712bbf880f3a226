//! Optimization runs: one at a time per date, in the background, with
//! progress published on the `routes` event room and kept here so that a
//! second person opening the board sees the running job.
//!
//! Runs live in the serving process (a restart forgets a running job; its
//! last saved plan stays).

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::Serialize;

use super::{
    day::{Day, DayOrder, PLANNABLE},
    naive::naive_distance,
    problem::{self, Built},
    store,
};
use crate::{app::AppState, auth::AuthUser, clock::taipei, error::AppError, i18n::Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// A full optimization of the date's draft.
    Optimize,
    /// New orders inserted into published routes.
    Replan,
}

/// One optimization run, as shown on the board and returned by the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunInfo {
    pub id: u64,
    pub date: NaiveDate,
    pub kind: RunKind,
    pub state: RunState,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    /// Share of the time budget used, 0–1.
    pub fraction: f64,
    /// Distance of the best plan so far, km.
    pub best_km: Option<f64>,
    pub vehicles: usize,
    pub unassigned: usize,
    pub orders: usize,
    /// Why the run failed, in the starter's language.
    pub error: Option<String>,
}

#[derive(Default)]
pub struct Runs {
    by_date: Mutex<HashMap<NaiveDate, RunInfo>>,
    next: AtomicU64,
}

impl Runs {
    pub fn get(&self, date: NaiveDate) -> Option<RunInfo> {
        self.by_date.lock().expect("runs lock").get(&date).cloned()
    }

    pub fn running(&self, date: NaiveDate) -> Option<RunInfo> {
        self.get(date).filter(|r| r.state == RunState::Running)
    }

    /// Registers a run unless one is running for the date (then returns it).
    fn claim(&self, info: RunInfo) -> Result<RunInfo, Box<RunInfo>> {
        let mut map = self.by_date.lock().expect("runs lock");
        if let Some(r) = map.get(&info.date)
            && r.state == RunState::Running
        {
            return Err(Box::new(r.clone()));
        }
        map.insert(info.date, info.clone());
        Ok(info)
    }

    fn update(&self, date: NaiveDate, f: impl FnOnce(&mut RunInfo)) -> Option<RunInfo> {
        let mut map = self.by_date.lock().expect("runs lock");
        let r = map.get_mut(&date)?;
        f(r);
        Some(r.clone())
    }
}

/// What the caller asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Trucks to use; empty means every active truck.
    pub vehicle_ids: Vec<i32>,
    /// Search time, seconds (capped at 60); default from the configuration.
    pub time_limit: Option<f64>,
}

/// Starts an optimization (or, for a published date, a re-plan inserting the
/// new orders). Returns the run and whether it was started now (`false`:
/// someone else's run for the date is still going).
pub async fn start(
    state: &AppState,
    date: NaiveDate,
    user: &AuthUser,
    req: Request,
) -> Result<(RunInfo, bool), AppError> {
    if let Some(r) = state.runs.running(date) {
        return Ok((r, false));
    }
    let today = state.clock.today_taipei();
    if date < today {
        return Err(AppError::field(
            "date",
            Text::new(
                "不能規劃已經過去的日期",
                "A date in the past cannot be planned",
            ),
        ));
    }
    let day = Day::load(&state.db, date).await?;
    for v in &req.vehicle_ids {
        if day.vehicle(*v).is_none_or(|v| !v.active) {
            return Err(AppError::field(
                "vehicle_ids",
                Text::new(
                    "選擇的車輛不存在或已停用",
                    "A selected truck does not exist or is inactive",
                ),
            ));
        }
    }
    let replan = day.is_published();
    let now_s = (date == today).then(|| {
        let t = state.clock.now().with_timezone(&taipei()).time();
        t.num_seconds_from_midnight() as i32
    });
    let routed = day.routed();
    let mut pinned: HashMap<i32, i32> = HashMap::new();
    for r in &day.routes {
        for s in day.stops.get(&r.id).into_iter().flatten() {
            if s.locked {
                pinned.insert(s.order_id, r.vehicle_id);
            }
        }
    }
    let orders: Vec<&DayOrder> = if replan {
        if day.unrouted().is_empty() && day.stale_stops().is_empty() {
            return Err(AppError::Conflict(Text::new(
                "路線已發布，且沒有新的訂單需要插入",
                "The routes are published and there are no new orders to add",
            )));
        }
        let mut v: Vec<&DayOrder> = day
            .orders
            .values()
            .filter(|o| routed.contains(&o.order.id) || PLANNABLE.contains(&o.status()))
            .collect();
        v.sort_by_key(|o| o.order.id);
        v
    } else {
        let mut v: Vec<&DayOrder> = day
            .orders
            .values()
            .filter(|o| PLANNABLE.contains(&o.status()))
            .collect();
        v.sort_by_key(|o| o.order.id);
        v
    };
    let empty = HashSet::new();
    let opts = problem::Options {
        vehicle_ids: &req.vehicle_ids,
        pinned: if replan { &HashMap::new() } else { &pinned },
        now_s,
        max_shift_hours: state.config.planning.max_shift_hours,
        keep_existing: replan,
        existing: if replan { &routed } else { &empty },
    };
    let built = problem::build(&day, &orders, &state.travel, &opts).await?;
    let info = RunInfo {
        id: state.runs.next.fetch_add(1, Ordering::Relaxed) + 1,
        date,
        kind: if replan {
            RunKind::Replan
        } else {
            RunKind::Optimize
        },
        state: RunState::Running,
        started_by: user.display_name.clone(),
        started_at: state.clock.now(),
        fraction: 0.0,
        best_km: None,
        vehicles: 0,
        unassigned: 0,
        orders: orders.len(),
        error: None,
    };
    let info = match state.runs.claim(info) {
        Ok(i) => i,
        Err(running) => return Ok((*running, false)),
    };
    publish_run(state, &info);
    let time_limit = req
        .time_limit
        .unwrap_or(state.config.planning.time_limit_seconds)
        .clamp(0.1, 60.0);
    let task_state = state.clone();
    let user = user.clone();
    tokio::spawn(async move {
        let result = run(&task_state, day, built, pinned, replan, time_limit, &user).await;
        let locale = user.locale;
        let finished = task_state.runs.update(date, |r| match &result {
            Ok((km, vehicles, unassigned)) => {
                r.state = RunState::Succeeded;
                r.fraction = 1.0;
                r.best_km = Some(*km);
                r.vehicles = *vehicles;
                r.unassigned = *unassigned;
            }
            Err(e) => {
                r.state = RunState::Failed;
                r.error = Some(e.message().get(locale).to_owned());
            }
        });
        if let Err(e) = &result {
            tracing::warn!(error = ?e, %date, "optimization run failed");
        }
        if let Some(f) = finished {
            publish_run(&task_state, &f);
        }
    });
    Ok((info, true))
}

fn publish_run(state: &AppState, info: &RunInfo) {
    let kind = match info.state {
        RunState::Running => "plan.progress",
        RunState::Succeeded | RunState::Failed => "plan.finished",
    };
    state.events.publish(
        "routes",
        kind,
        serde_json::to_value(info).unwrap_or_default(),
        state.clock.now(),
    );
}

async fn run(
    state: &AppState,
    day: Day,
    built: Built,
    pinned: HashMap<i32, i32>,
    replan: bool,
    time_limit: f64,
    user: &AuthUser,
) -> Result<(f64, usize, usize), AppError> {
    let date = day.date;
    let progress_state = state.clone();
    let progress: optimizer::ProgressFn = Arc::new(move |p: &optimizer::Progress| {
        if let Some(info) = progress_state.runs.update(date, |r| {
            r.fraction = p.fraction;
            r.best_km = Some((p.best_distance / 100.0).round() / 10.0);
            r.vehicles = p.best_vehicles;
            r.unassigned = p.best_unassigned;
        }) {
            publish_run(&progress_state, &info);
        }
    });
    let kept = if replan {
        problem::kept_routes(&day, &built)
    } else {
        Vec::new()
    };
    let iterations = state.config.planning.iterations;
    let (built, sol) = tokio::task::spawn_blocking(move || {
        let opts = optimizer::SolveOptions {
            time_limit: iterations
                .is_none()
                .then(|| std::time::Duration::from_secs_f64(time_limit)),
            max_iterations: iterations,
            progress: Some(progress),
            ..optimizer::SolveOptions::default()
        };
        let sol = if replan {
            optimizer::insert(&built.problem, &kept, &opts)
        } else {
            optimizer::solve(&built.problem, &opts)
        };
        (built, sol)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("optimizer task: {e}")))?;
    let now = state.clock.now();
    if replan {
        store::save_replan(&state.db, &day, &built, &sol, now).await?;
    } else {
        // The naive plan serves the same orders as the optimized one.
        let mut served = built.problem.clone();
        for u in &sol.unassigned {
            served.jobs[u.job].location = None;
        }
        let groups: Vec<String> = built
            .order_ids
            .iter()
            .map(|id| {
                day.orders
                    .get(id)
                    .map(|o| o.customer.district.clone())
                    .unwrap_or_default()
            })
            .collect();
        let naive = naive_distance(&served, &groups);
        store::save_plan(
            &state.db,
            &day,
            &built,
            &sol,
            naive,
            &pinned,
            Some(user.id),
            now,
        )
        .await?;
    }
    metrics::counter!("luckygas_plan_runs_total", "kind" => if replan { "replan" } else { "optimize" })
        .increment(1);
    tracing::info!(%date, replan, iterations = sol.iterations, seconds = sol.elapsed_seconds, km = sol.total_distance / 1000.0, "plan computed");
    Ok((
        (sol.total_distance / 100.0).round() / 10.0,
        sol.routes.len(),
        sol.unassigned.len(),
    ))
}
