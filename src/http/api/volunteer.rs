//! The volunteer tablet and windows' calls for help: the floor board, calls for help (asked
//! at a window, taken and finished on a tablet), and looking up a ticket by its number.
use crate::domain::floor_watch::{HelpAction, HelpStatus};
use crate::domain::ids::WindowId;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::Authenticated;
use crate::services::floor_watch::{self, Board, HelpView, NumberLookup};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ErrorBody;

#[derive(Deserialize, ToSchema, Default)]
pub struct HelpBody {
    /// One of the offered reasons or the window's own words (at most 60 characters).
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/help", tag = "volunteers", params(("id" = i32, Path, description = "window id")),
    request_body = HelpBody,
    responses((status = 201, body = HelpView, description = "the call for help"),
        (status = 200, body = HelpView, description = "the window's call already open"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_help(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: Option<web::Json<HelpBody>>,
) -> AppResult<HttpResponse> {
    let reason = body.as_ref().and_then(|b| b.reason.as_deref());
    let (view, created) = floor_watch::request_help(&state, &who.0, WindowId(path.into_inner()), reason).await?;
    Ok(if created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(view))
}

#[derive(Deserialize)]
pub struct HelpQuery {
    /// Comma-separated: `open`, `taken`, `done`, `cancelled`; all of today's when left out.
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/help-requests", tag = "volunteers",
    params(("hall" = String, Path), ("status" = Option<String>, Query, description = "open, taken, done, cancelled (comma-separated)")),
    responses((status = 200, body = [HelpView], description = "today's calls for help, newest first"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_help_requests(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    query: web::Query<HelpQuery>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let statuses = query
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            HelpStatus::parse(s).ok_or_else(|| {
                AppError::bad_request(
                    ErrorCode::InvalidQuery,
                    format!("status '{s}' is not open, taken, done or cancelled"),
                )
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(floor_watch::list_help(&state, &who.0, &hall, &statuses).await?))
}

async fn act(state: &AppState, who: &Authenticated, id: i64, action: HelpAction) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(floor_watch::act_on_help(state, &who.0, id, action).await?))
}

#[utoipa::path(post, path = "/api/v1/help-requests/{id}/take", tag = "volunteers", params(("id" = i64, Path)),
    responses((status = 200, body = HelpView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "already_taken (with taken_by), invalid_transition", body = ErrorBody)))]
pub async fn take_help(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    act(&state, &who, path.into_inner(), HelpAction::Take).await
}

#[utoipa::path(post, path = "/api/v1/help-requests/{id}/done", tag = "volunteers", params(("id" = i64, Path)),
    responses((status = 200, body = HelpView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_transition", body = ErrorBody)))]
pub async fn finish_help(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    act(&state, &who, path.into_inner(), HelpAction::Done).await
}

#[utoipa::path(post, path = "/api/v1/help-requests/{id}/cancel", tag = "volunteers", params(("id" = i64, Path)),
    responses((status = 200, body = HelpView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_transition", body = ErrorBody)))]
pub async fn cancel_help(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    act(&state, &who, path.into_inner(), HelpAction::Cancel).await
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/board", tag = "volunteers", params(("hall" = String, Path)),
    responses((status = 200, body = Board), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn board(state: web::Data<AppState>, path: web::Path<String>, who: Authenticated) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(floor_watch::board(&state, &who.0, &hall).await?))
}

#[derive(Deserialize)]
pub struct NumberQuery {
    number: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/tickets/lookup", tag = "volunteers",
    params(("hall" = String, Path), ("number" = String, Query, description = "today's ticket number, e.g. A012")),
    responses((status = 200, body = NumberLookup), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn lookup_number(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    query: web::Query<NumberQuery>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok()
        .json(floor_watch::lookup_number(&state, &who.0, &hall, query.number.as_deref().unwrap_or("")).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PrintBody {
    /// A registered kiosk of the ticket's hall (its id, as the board lists them).
    pub kiosk: i32,
}

#[utoipa::path(post, path = "/api/v1/tickets/{token}/print", tag = "volunteers", params(("token" = String, Path)),
    request_body = PrintBody,
    responses((status = 201, body = crate::services::devices::PrintView, description = "sent: the kiosk prints it"),
        (status = 403, body = ErrorBody), (status = 404, description = "ticket_not_found, kiosk_not_found", body = ErrorBody)))]
pub async fn send_to_kiosk(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<PrintBody>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(crate::services::devices::send_to_kiosk(&state, &who.0, &path, body.kiosk).await?))
}

#[utoipa::path(post, path = "/api/v1/kiosk-prints/{id}/claim", tag = "volunteers", params(("id" = i64, Path)),
    responses((status = 200, body = crate::services::views::TicketView, description = "the ticket to print, with its token"),
        (status = 401, description = "not a registered kiosk (device cookie or X-Kiosk-Token)", body = ErrorBody),
        (status = 404, description = "no such request for this kiosk, or printed already", body = ErrorBody)))]
pub async fn claim_print(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let token = crate::http::extract::kiosk_token(&req);
    Ok(HttpResponse::Ok()
        .json(crate::services::devices::claim_print(&state, token.as_deref(), path.into_inner()).await?))
}
