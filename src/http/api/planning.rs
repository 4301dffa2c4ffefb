//! Peak-day planning for a hall's managers: JSON, or the half-hour table as CSV.
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::Authenticated;
use crate::http::i18n::Lang;
use crate::services::planning;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::ErrorBody;

#[derive(Deserialize)]
pub struct PlanQuery {
    date: Option<NaiveDate>,
    target: Option<f64>,
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/plan", tag = "reports",
    params(("hall" = String, Path),
        ("date" = Option<String>, Query, description = "YYYY-MM-DD, the day to plan (default: the next day the hall opens)"),
        ("target" = Option<f64>, Query, description = "share to call within each service's target wait, 0.5–0.99 (default 0.8)"),
        ("format" = Option<String>, Query, description = "json (default) or csv (UTF-8 with BOM, one line per half hour)")),
    responses((status = 200, description = "the day's forecast, recommended windows, cash-window hours and both simulations (docs/planning.md)"),
        (status = 400, description = "invalid_query", body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "hall_closed: the hall does not open that day", body = ErrorBody)))]
pub async fn plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: Authenticated,
    query: web::Query<PlanQuery>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let date = match query.date {
        Some(date) => date,
        None => next_open_day(&hall, crate::domain::numbering::business_date(state.clock.now(), hall.timezone)),
    };
    let plan = planning::plan(&state, &who.0, &hall, date, query.target.unwrap_or(0.8)).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(plan)),
        Some("csv") => {
            let (lang, _) = Lang::of(&req);
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"hallq-{}-plan-{date}.csv\"", hall.code),
                ))
                .body(planning::csv(&plan, lang == Lang::En)))
        }
        Some(_) => Err(AppError::bad_request(ErrorCode::InvalidQuery, "format is json or csv")),
    }
}

/// The first day after `today` the hall opens (tomorrow when it has no hours at all).
fn next_open_day(hall: &crate::persistence::halls::HallConfig, today: NaiveDate) -> NaiveDate {
    (1..=31)
        .map(|k| today + chrono::Duration::days(k))
        .find(|d| !hall.schedule.periods_on(*d).is_empty())
        .unwrap_or(today + chrono::Duration::days(1))
}
