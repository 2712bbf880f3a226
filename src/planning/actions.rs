//! The board's actions shared by the page and the API: each loads the day,
//! applies one change in a transaction, then announces it on the `routes`
//! room (and to the drivers concerned when publishing).

use chrono::NaiveDate;

use super::{day::Day, status::RouteStatus, store};
use crate::{app::AppState, auth::AuthUser, error::AppError, i18n::Text};

pub fn parse_date(raw: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::field(
            "date",
            Text::new("「日期」格式為 YYYY-MM-DD", "Date must be YYYY-MM-DD"),
        )
    })
}

fn announce(state: &AppState, date: NaiveDate, kind: &str) {
    state.events.publish(
        "routes",
        kind,
        serde_json::json!({ "date": date }),
        state.clock.now(),
    );
}

pub async fn move_stop(
    state: &AppState,
    date: NaiveDate,
    order_id: i32,
    route_id: Option<i32>,
    position: usize,
    version: i32,
) -> Result<(), AppError> {
    let day = Day::load(&state.db, date).await?;
    if !day.orders.contains_key(&order_id) {
        return Err(AppError::field(
            "order_id",
            Text::new(
                "這張訂單不在這一天的規劃中",
                "This order is not planned on this date",
            ),
        ));
    }
    store::move_stop(
        &state.db,
        &day,
        &state.travel,
        order_id,
        route_id,
        position,
        version,
        state.clock.now(),
    )
    .await?;
    announce(state, date, "plan.changed");
    Ok(())
}

pub async fn set_lock(
    state: &AppState,
    date: NaiveDate,
    order_id: i32,
    locked: bool,
    version: i32,
) -> Result<(), AppError> {
    store::set_lock(
        &state.db,
        date,
        order_id,
        locked,
        version,
        state.clock.now(),
    )
    .await?;
    announce(state, date, "plan.changed");
    Ok(())
}

pub async fn set_driver(
    state: &AppState,
    date: NaiveDate,
    route_id: i32,
    driver_id: Option<i32>,
    version: i32,
) -> Result<(), AppError> {
    let day = Day::load(&state.db, date).await?;
    store::set_driver(
        &state.db,
        &day,
        route_id,
        driver_id,
        version,
        state.clock.now(),
    )
    .await?;
    announce(state, date, "plan.changed");
    // A published route's new driver hears of it at once.
    let published = day
        .routes
        .iter()
        .find(|r| r.id == route_id)
        .is_some_and(|r| r.status != RouteStatus::Draft.as_str());
    if published
        && let Some(user_id) = driver_id
            .and_then(|d| day.driver(d))
            .and_then(|d| d.user_id)
    {
        state.events.publish(
            &format!("driver:{user_id}"),
            "route.published",
            serde_json::json!({ "route_id": route_id, "date": date }),
            state.clock.now(),
        );
    }
    Ok(())
}

pub async fn publish(
    state: &AppState,
    date: NaiveDate,
    user: &AuthUser,
    version: i32,
) -> Result<store::Published, AppError> {
    if state.runs.running(date).is_some() {
        return Err(AppError::Conflict(Text::new(
            "最佳化仍在進行中，請等它完成後再發布",
            "An optimization is still running; publish when it has finished",
        )));
    }
    let day = Day::load(&state.db, date).await?;
    let published = store::publish(&state.db, &day, user, version, state.clock.now()).await?;
    let now = state.clock.now();
    announce(state, date, "plan.published");
    let routed: Vec<i32> = day.stops.values().flatten().map(|s| s.order_id).collect();
    crate::orders::announce::many(&state.events, &routed, "publish", Some(user), now);
    for r in &published.routes {
        if let Some(user_id) = r
            .driver_id
            .and_then(|d| day.driver(d))
            .and_then(|d| d.user_id)
        {
            state.events.publish(
                &format!("driver:{user_id}"),
                "route.published",
                serde_json::json!({ "route_id": r.id, "route_number": r.route_number, "date": date }),
                now,
            );
        }
    }
    state.events.publish(
        "orders",
        "orders.planned",
        serde_json::json!({ "date": date, "count": published.planned }),
        now,
    );
    Ok(published)
}
