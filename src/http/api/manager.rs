//! Hall managers and admins: settings, the notice line, the floor, window services, accounts,
//! diversion figures.
use crate::domain::ids::WindowId;
use crate::error::AppResult;
use crate::http::extract::Authenticated;
use crate::services::views::WindowView;
use crate::services::windows;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ErrorBody;

#[derive(Deserialize, ToSchema)]
pub struct NoticeBody {
    /// The line the hall's displays scroll; empty clears it.
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/notice", tag = "halls", request_body = NoticeBody,
    params(("hall" = String, Path, description = "hall code")),
    responses((status = 200, description = "`{\"notice\": text}`"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_notice(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<NoticeBody>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let notice = crate::services::notice::set(&state, &who.0, &hall, &body.text).await?;
    Ok(HttpResponse::Ok().json(json!({ "notice": notice })))
}

#[derive(Deserialize, ToSchema)]
pub struct ServicesBody {
    /// Service codes, specialty first, e.g. `["C", "A"]`.
    pub services: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/windows/{id}/services", tag = "windows", params(("id" = i32, Path)), request_body = ServicesBody,
    responses((status = 200, body = WindowView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_services(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: web::Json<ServicesBody>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(windows::set_services(&state, &who.0, WindowId(*path), &body.services).await?))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/floor", tag = "halls", params(("hall" = String, Path)),
    responses((status = 200, body = crate::services::console::FloorView), (status = 403, body = ErrorBody)))]
pub async fn floor(state: web::Data<AppState>, path: web::Path<String>, who: Authenticated) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(crate::services::console::floor(&state, &who.0, &hall).await?))
}

#[utoipa::path(put, path = "/api/v1/halls/{hall}/settings", tag = "halls", params(("hall" = String, Path)),
    request_body = crate::domain::settings::HallSettings,
    responses((status = 200, body = crate::domain::settings::HallSettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<crate::domain::settings::HallSettings>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let saved = crate::services::settings::update(&state, &who.0, &hall, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[derive(Deserialize)]
pub struct DateQuery {
    date: Option<chrono::NaiveDate>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/diversions", tag = "halls", params(("hall" = String, Path), ("date" = Option<String>, Query, description = "YYYY-MM-DD; today by default")),
    responses((status = 200, body = crate::services::diversions::DiversionSummary), (status = 403, body = ErrorBody)))]
pub async fn diversion_summary(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    query: web::Query<DateQuery>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(crate::services::diversions::summary(&state, &who.0, &hall, query.date).await?))
}
