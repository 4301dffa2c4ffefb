//! Administration (admins everywhere, managers in their own hall): halls, hours, calendar,
//! services, windows, accounts and the audit log. The `/admin` pages call these.
use crate::domain::ids::WindowId;
use crate::error::AppResult;
use crate::http::extract::Authenticated;
use crate::services::{accounts, audit, setup};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::ErrorBody;

#[utoipa::path(post, path = "/api/v1/halls", tag = "admin", request_body = setup::NewHall,
    responses((status = 201, body = setup::HallView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "hall_exists", body = ErrorBody)))]
pub async fn create_hall(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<setup::NewHall>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(setup::create_hall(&state, &who.0, body.into_inner()).await?))
}

#[utoipa::path(put, path = "/api/v1/halls/{hall}", tag = "admin", params(("hall" = String, Path)), request_body = setup::HallChanges,
    responses((status = 200, body = setup::HallView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_hall(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<setup::HallChanges>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(setup::update_hall(&state, &who.0, &hall, body.into_inner()).await?))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/setup", tag = "admin", params(("hall" = String, Path)),
    responses((status = 200, body = setup::SetupView), (status = 403, body = ErrorBody)))]
pub async fn hall_setup(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(setup::overview(&state, &who.0, &hall).await?))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/hours", tag = "admin", params(("hall" = String, Path)),
    responses((status = 200, body = setup::Hours), (status = 403, body = ErrorBody)))]
pub async fn get_hours(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(setup::hours(&state, &who.0, &hall).await?))
}

#[utoipa::path(put, path = "/api/v1/halls/{hall}/hours", tag = "admin", params(("hall" = String, Path)), request_body = setup::Hours,
    responses((status = 200, body = setup::Hours), (status = 400, description = "invalid_hours", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_hours(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<setup::Hours>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(setup::set_hours(&state, &who.0, &hall, body.into_inner()).await?))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/calendar", tag = "admin", params(("hall" = String, Path)),
    responses((status = 200, description = "`{\"days\": [CalendarDay]}`"), (status = 403, body = ErrorBody)))]
pub async fn get_calendar(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(json!({ "days": setup::calendar(&state, &who.0, &hall).await? })))
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/calendar", tag = "admin", params(("hall" = String, Path)), request_body = setup::CalendarInput,
    responses((status = 200, description = "`{\"saved\": n, \"days\": [CalendarDay]}` (the whole calendar)"),
        (status = 400, description = "invalid_calendar", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post_calendar(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<setup::CalendarInput>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let (saved, days) = setup::add_calendar(&state, &who.0, &hall, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json!({ "saved": saved, "days": days })))
}

#[utoipa::path(delete, path = "/api/v1/halls/{hall}/calendar/{date}", tag = "admin",
    params(("hall" = String, Path), ("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "`{\"deleted\": date}`"), (status = 404, description = "calendar_day_not_found", body = ErrorBody)))]
pub async fn delete_calendar_day(
    state: web::Data<AppState>,
    path: web::Path<(String, NaiveDate)>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let (hall, date) = path.into_inner();
    let hall = state.halls.get(&hall).await?;
    setup::remove_calendar_day(&state, &who.0, &hall, date).await?;
    Ok(HttpResponse::Ok().json(json!({ "deleted": date })))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/services/all", tag = "admin", params(("hall" = String, Path)),
    responses((status = 200, body = [setup::ServiceAdminView]), (status = 403, body = ErrorBody)))]
pub async fn all_services(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(setup::services(&state, &who.0, &hall).await?))
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/services", tag = "admin", params(("hall" = String, Path)), request_body = setup::ServiceInput,
    responses((status = 201, body = setup::ServiceAdminView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "service_exists", body = ErrorBody)))]
pub async fn create_service(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<setup::ServiceInput>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Created().json(setup::create_service(&state, &who.0, &hall, body.into_inner()).await?))
}

#[utoipa::path(put, path = "/api/v1/halls/{hall}/services/{code}", tag = "admin",
    params(("hall" = String, Path), ("code" = String, Path)), request_body = setup::ServiceInput,
    responses((status = 200, body = setup::ServiceAdminView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "service_not_found", body = ErrorBody)))]
pub async fn update_service(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    who: Authenticated,
    body: web::Json<setup::ServiceInput>,
) -> AppResult<HttpResponse> {
    let (hall, code) = path.into_inner();
    let hall = state.halls.get(&hall).await?;
    Ok(HttpResponse::Ok().json(setup::update_service(&state, &who.0, &hall, &code, body.into_inner()).await?))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/windows/all", tag = "admin", params(("hall" = String, Path)),
    responses((status = 200, body = [crate::services::views::WindowView]), (status = 403, body = ErrorBody)))]
pub async fn all_windows(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(setup::windows(&state, &who.0, &hall).await?))
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/windows", tag = "admin", params(("hall" = String, Path)), request_body = setup::WindowInput,
    responses((status = 201, body = crate::services::views::WindowView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "window_exists", body = ErrorBody)))]
pub async fn create_window(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<setup::WindowInput>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Created().json(setup::create_window(&state, &who.0, &hall, body.into_inner()).await?))
}

#[utoipa::path(put, path = "/api/v1/windows/{id}", tag = "admin", params(("id" = i32, Path)), request_body = setup::WindowInput,
    responses((status = 200, body = crate::services::views::WindowView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "window_exists, window_in_use", body = ErrorBody)))]
pub async fn update_window(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: web::Json<setup::WindowInput>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(setup::update_window(&state, &who.0, WindowId(*path), body.into_inner()).await?))
}

#[derive(Deserialize)]
pub struct HallQuery {
    hall: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "admin", params(("hall" = Option<String>, Query, description = "a hall code")),
    responses((status = 200, body = [accounts::AccountView]), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    state: web::Data<AppState>,
    who: Authenticated,
    query: web::Query<HallQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(accounts::list(&state, &who.0, query.hall.as_deref()).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = accounts::AccountInput,
    responses((status = 201, body = accounts::AccountView, description = "with `password` when one was generated (shown once)"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, description = "account_exists", body = ErrorBody)))]
pub async fn create_user(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<accounts::AccountInput>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(accounts::create(&state, &who.0, body.into_inner()).await?))
}

#[utoipa::path(put, path = "/api/v1/users/{username}", tag = "admin", request_body = accounts::AccountInput,
    params(("username" = String, Path)),
    responses((status = 200, body = accounts::AccountView, description = "with `password` after `reset_password` (shown once)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 409, description = "cannot_disable_self, cannot_change_own_role", body = ErrorBody)))]
pub async fn update_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<accounts::AccountInput>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(accounts::update(&state, &who.0, &path, body.into_inner()).await?))
}

#[derive(Deserialize)]
pub struct AuditParams {
    hall: Option<String>,
    actor: Option<String>,
    kind: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    before: Option<i64>,
    limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "admin",
    params(("hall" = Option<String>, Query), ("actor" = Option<String>, Query, description = "user name"),
        ("kind" = Option<String>, Query, description = "a kind (`service.updated`) or a family ending in `.` (`service.`)"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD, the hall's day"), ("to" = Option<String>, Query, description = "YYYY-MM-DD, included"),
        ("before" = Option<i64>, Query, description = "entries older than this id (next page)"), ("limit" = Option<u64>, Query, description = "at most 500; 200 by default")),
    responses((status = 200, description = "`{\"entries\": [AuditEntryView]}`, newest first"), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    state: web::Data<AppState>,
    who: Authenticated,
    query: web::Query<AuditParams>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let entries = audit::list(
        &state,
        &who.0,
        audit::AuditQuery {
            hall: q.hall,
            actor: q.actor,
            kind: q.kind,
            from: q.from,
            to: q.to,
            before_id: q.before,
            limit: q.limit,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "entries": entries })))
}
