//! Reports for a hall's managers: JSON, or the same table as CSV or XLSX.
use crate::domain::report::GroupBy;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::Authenticated;
use crate::http::i18n::Lang;
use crate::services::reports::{self, Report};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::ErrorBody;

#[derive(Deserialize)]
pub struct ReportQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: Option<String>,
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/reports", tag = "reports",
    params(("hall" = String, Path),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD, first business day (default: today)"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD, last business day (default: from)"),
        ("by" = Option<String>, Query, description = "service (default), window, staff, hour, weekday, day, month or hour_weekday"),
        ("format" = Option<String>, Query, description = "json (default), csv (UTF-8 with BOM) or xlsx")),
    responses((status = 200, body = Report), (status = 400, description = "invalid_query", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: Authenticated,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let bad = |message: &str| AppError::bad_request(ErrorCode::InvalidQuery, message.to_owned());
    let by = match query.by.as_deref() {
        None => GroupBy::Service,
        Some(text) => GroupBy::parse(text)
            .ok_or_else(|| bad("by is service, window, staff, hour, weekday, day, month or hour_weekday"))?,
    };
    let today = crate::domain::numbering::business_date(state.clock.now(), hall.timezone);
    let from = query.from.unwrap_or(today);
    let to = query.to.unwrap_or(from);
    let (lang, _) = Lang::of(&req);
    let en = lang == Lang::En;
    let report = reports::report(&state, &who.0, &hall, from, to, by, en).await?;
    let name = format!("hallq-{}-{from}-{to}-{}", hall.code, query.by.as_deref().unwrap_or("service"));
    let file = |body: Vec<u8>, content_type: &str, ext: &str| {
        HttpResponse::Ok()
            .content_type(content_type.to_owned())
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{ext}\"")))
            .body(body)
    };
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(report)),
        Some("csv") => Ok(file(reports::csv(&report, en), "text/csv; charset=utf-8", "csv")),
        Some("xlsx") => Ok(file(
            reports::xlsx(&report, en)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )),
        Some(_) => Err(bad("format is json, csv or xlsx")),
    }
}
