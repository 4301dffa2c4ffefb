//! Staff: signing in and out, the window operations, the console and the window picker.
use crate::domain::ids::WindowId;
use crate::domain::window::WindowAction;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::http::extract::{client_address, session_token, Authenticated, SESSION_COOKIE};
use crate::services::views::{StaffTicketView, WindowView};
use crate::services::windows::{HeldAction, TransferTarget};
use crate::services::{auth, windows};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ErrorBody, MAX_NOTE_CHARS};

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    /// `admin`, `manager`, `staff` or `volunteer`.
    pub role: String,
    pub expires_at: DateTime<Utc>,
    pub username: String,
    pub display_name: String,
    /// Windows this account is assigned to (ids).
    pub windows: Vec<i32>,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginBody>,
) -> AppResult<HttpResponse> {
    let session = auth::login(&state, &client_address(&req), &body.username, &body.password).await?;
    let windows = auth::windows_of(&state, &session.actor).await?;
    let cookie = Cookie::build(SESSION_COOKIE, session.token.clone())
        .path("/")
        .secure(state.settings.secure_cookies)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::hours(i64::from(state.settings.session_hours)))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(LoginResponse {
        token: session.token,
        role: session.actor.role.as_str().into(),
        expires_at: session.expires_at,
        username: session.actor.username,
        display_name: session.actor.display_name,
        windows,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    pub current: String,
    /// At least 8 characters.
    pub new: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordBody,
    responses((status = 204, description = "changed; every other session of the account has ended"),
        (status = 400, description = "weak_password or same_password", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "wrong_password", body = ErrorBody),
        (status = 429, description = "rate_limited, with Retry-After", body = ErrorBody)))]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Authenticated,
    body: web::Json<PasswordBody>,
) -> AppResult<HttpResponse> {
    let token = session_token(&req).unwrap_or_default();
    auth::change_password(&state, &who.0, &client_address(&req), &body.current, &body.new, &token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if let Some(token) = session_token(&req) {
        auth::logout(&state, &token).await?;
    }
    let mut expired = Cookie::build(SESSION_COOKIE, "").path("/").secure(state.settings.secure_cookies).finish();
    expired.make_removal();
    Ok(HttpResponse::NoContent().cookie(expired).finish())
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200), (status = 401, body = ErrorBody)))]
pub async fn me(state: web::Data<AppState>, who: Authenticated) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(auth::about(&state, &who.0).await?))
}

/// `{"ticket": {…} | null}`, written straight from the view: a window operation's answer is on
/// every request of the busiest loop (issue 19), and building a `json!` value first cost as
/// much as writing it out.
fn ticket_or_null(ticket: Option<StaffTicketView>) -> HttpResponse {
    #[derive(Serialize)]
    struct Answer {
        ticket: Option<StaffTicketView>,
    }
    HttpResponse::Ok().json(Answer { ticket })
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/call-next", tag = "windows",
    params(("id" = i32, Path, description = "window id")),
    responses((status = 200, description = "`{\"ticket\": {…} | null}`"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn call_next(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    Ok(ticket_or_null(windows::call_next(&state, &who.0, WindowId(*path)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NumberBody {
    /// A ticket number of today, e.g. `A007`.
    pub number: String,
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/call", tag = "windows", request_body = NumberBody,
    params(("id" = i32, Path, description = "window id")),
    responses((status = 200, description = "`{\"ticket\": {…}}`"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn call_number(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: web::Json<NumberBody>,
) -> AppResult<HttpResponse> {
    Ok(ticket_or_null(Some(windows::call_number(&state, &who.0, WindowId(*path), body.number.trim()).await?)))
}

async fn held(state: &AppState, who: Authenticated, id: i32, action: HeldAction) -> AppResult<HttpResponse> {
    Ok(ticket_or_null(Some(windows::act_on_held(state, &who.0, WindowId(id), action).await?)))
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/recall", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200), (status = 409, description = "no_ticket, invalid_transition or recall_limit", body = ErrorBody)))]
pub async fn recall(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    held(&state, who, *path, HeldAction::Recall).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/start", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn start(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    held(&state, who, *path, HeldAction::Start).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/finish", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn finish(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    held(&state, who, *path, HeldAction::Finish).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/no-show", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn no_show(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    held(&state, who, *path, HeldAction::NoShow).await
}

#[derive(Deserialize, ToSchema)]
pub struct TransferBody {
    /// Send to this service's queue…
    pub service: Option<String>,
    /// …or to this window (by number).
    pub window: Option<i32>,
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/transfer", tag = "windows", params(("id" = i32, Path)), request_body = TransferBody,
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn transfer(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: web::Json<TransferBody>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let target = match (body.service, body.window) {
        (Some(service), None) => TransferTarget::Service(service),
        (None, Some(window)) => TransferTarget::Window(window),
        _ => {
            return Err(AppError::bad_request(
                ErrorCode::InvalidTransfer,
                "give exactly one of \"service\" or \"window\"",
            ))
        }
    };
    let note = body.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(AppError::bad_request(
            ErrorCode::NoteTooLong,
            format!("a transfer note has at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    held(&state, who, *path, HeldAction::Transfer { target, note }).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/restore", tag = "windows", params(("id" = i32, Path)), request_body = NumberBody,
    responses((status = 200), (status = 409, description = "invalid_transition or grace_expired", body = ErrorBody)))]
pub async fn restore(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: web::Json<NumberBody>,
) -> AppResult<HttpResponse> {
    Ok(ticket_or_null(Some(windows::restore(&state, &who.0, WindowId(*path), body.number.trim()).await?)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct PauseBody {
    /// e.g. 午休, 会议, 系统故障, 临时离开, or free text.
    pub reason: Option<String>,
}

async fn window_state(
    state: &AppState,
    who: Authenticated,
    id: i32,
    action: WindowAction,
    reason: Option<String>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(windows::change_state(state, &who.0, WindowId(id), action, reason).await?))
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/pause", tag = "windows", params(("id" = i32, Path)), request_body = PauseBody,
    responses((status = 200, body = WindowView), (status = 409, body = ErrorBody)))]
pub async fn pause(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    who: Authenticated,
    body: Option<web::Json<PauseBody>>,
) -> AppResult<HttpResponse> {
    let reason = body.and_then(|b| b.into_inner().reason).map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_NOTE_CHARS) {
        return Err(AppError::bad_request(
            ErrorCode::ReasonTooLong,
            format!("a pause reason has at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    window_state(&state, who, *path, WindowAction::Pause, reason).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/resume", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200, body = WindowView), (status = 409, body = ErrorBody)))]
pub async fn resume(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    window_state(&state, who, *path, WindowAction::Resume, None).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/open", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200, body = WindowView), (status = 409, body = ErrorBody)))]
pub async fn open(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    window_state(&state, who, *path, WindowAction::Open, None).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/close", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200, body = WindowView), (status = 409, body = ErrorBody)))]
pub async fn close(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    window_state(&state, who, *path, WindowAction::Close, None).await
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/sign-in", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200, body = WindowView),
        (status = 409, description = "window_occupied (someone else is signed in) or signed_in_elsewhere", body = ErrorBody)))]
pub async fn sign_in(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(windows::sign_in(&state, &who.0, WindowId(*path)).await?))
}

#[utoipa::path(post, path = "/api/v1/windows/{id}/sign-out", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200, body = WindowView),
        (status = 409, description = "window_busy (holds a ticket) or not_signed_in", body = ErrorBody),
        (status = 403, description = "signing someone else out needs an admin or a manager", body = ErrorBody)))]
pub async fn sign_out(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(windows::sign_out(&state, &who.0, WindowId(*path)).await?))
}

#[utoipa::path(get, path = "/api/v1/windows/{id}/console", tag = "windows", params(("id" = i32, Path)),
    responses((status = 200, body = crate::services::console::ConsoleView), (status = 403, body = ErrorBody)))]
pub async fn console(state: web::Data<AppState>, path: web::Path<i32>, who: Authenticated) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(crate::services::console::console(&state, &who.0, WindowId(*path)).await?))
}

/// The windows of the hall the signed-in person may work at, each with who is signed in there
/// (`signed_in`, or null): the console's window picker. Empty for someone who may work none.
#[utoipa::path(get, path = "/api/v1/halls/{hall}/window-choices", tag = "halls", params(("hall" = String, Path)),
    responses((status = 200, body = Vec<crate::services::console::FloorWindow>), (status = 401, body = ErrorBody)))]
pub async fn window_choices(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(crate::services::console::window_choices(&state, &who.0, &hall).await?))
}
