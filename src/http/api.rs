//! JSON API v1: the contract later parts and outside tools build on (see docs/api.md and
//! /api/v1/openapi.json).
use super::extract::{
    client_address, kiosk_token, limit_keys, phone_id, session_token, Authenticated, MaybeAuthenticated, SESSION_COOKIE,
};
use crate::domain::ids::WindowId;
use crate::domain::role::{is_given_by_staff, may_issue, IssueRefusal};
use crate::domain::ticket::{Channel, Priority};
use crate::domain::window::WindowAction;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence;
use crate::services::views::{self, ServiceView, StaffTicketView, TicketView, WindowView};
use crate::services::windows::{HeldAction, TransferTarget};
use crate::services::{auth, tickets, windows};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(super::openapi::document))
        .route("/halls", web::get().to(list_halls))
        .route("/halls/{hall}/services", web::get().to(list_services))
        .route("/halls/{hall}/windows", web::get().to(list_windows))
        .route("/halls/{hall}/tickets", web::post().to(issue_ticket))
        .route("/halls/{hall}/notice", web::post().to(set_notice))
        .route("/tickets/{token}", web::get().to(get_ticket))
        .route("/tickets/{token}/cancel", web::post().to(cancel_ticket))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/me", web::get().to(me))
        .route("/auth/password", web::post().to(change_password))
        .route("/users/{username}", web::put().to(update_user))
        .route("/windows/{id}/call-next", web::post().to(call_next))
        .route("/windows/{id}/call", web::post().to(call_number))
        .route("/windows/{id}/recall", web::post().to(recall))
        .route("/windows/{id}/start", web::post().to(start))
        .route("/windows/{id}/finish", web::post().to(finish))
        .route("/windows/{id}/no-show", web::post().to(no_show))
        .route("/windows/{id}/transfer", web::post().to(transfer))
        .route("/windows/{id}/restore", web::post().to(restore))
        .route("/windows/{id}/pause", web::post().to(pause))
        .route("/windows/{id}/resume", web::post().to(resume))
        .route("/windows/{id}/open", web::post().to(open))
        .route("/windows/{id}/close", web::post().to(close))
        .route("/windows/{id}/sign-in", web::post().to(sign_in))
        .route("/windows/{id}/sign-out", web::post().to(sign_out))
        .route("/windows/{id}/console", web::get().to(console))
        .route("/halls/{hall}/window-choices", web::get().to(window_choices))
        .route("/windows/{id}/services", web::put().to(set_services))
        .route("/halls/{hall}/floor", web::get().to(floor))
        .route("/halls/{hall}/settings", web::get().to(get_settings))
        .route("/halls/{hall}/settings", web::put().to(put_settings))
        .route("/halls/{hall}/diversions", web::post().to(record_diversion))
        .route("/halls/{hall}/diversions", web::get().to(diversion_summary))
        .route("/halls/{hall}/kiosks", web::post().to(register_kiosk))
        .route("/halls/{hall}/kiosks", web::get().to(list_kiosks))
        .route("/halls/{hall}/kiosks/{id}", web::delete().to(revoke_kiosk))
        .route("/halls/{hall}/my-tickets", web::get().to(my_tickets))
        .route("/tickets/{token}/rating", web::post().to(rate_ticket))
        .route("/tickets/{token}/rating", web::put().to(edit_rating))
        .route("/tickets/{token}/rating", web::get().to(get_rating));
}

/// The error body every endpoint uses.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `hall_closed`: one of the listed values.
    pub error: crate::error::ErrorCode,
    pub message: String,
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database answers within a second and, after a write failed for want of
/// space, when a write works again.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let check = async {
        state.db.ping().await?;
        if crate::error::STORAGE_FULL.load(std::sync::atomic::Ordering::Relaxed) {
            persistence::secrets::probe_write(&state.db).await?;
            crate::error::STORAGE_FULL.store(false, std::sync::atomic::Ordering::Relaxed);
        }
        Ok::<(), sea_orm::DbErr>(())
    };
    let not_ready = |code: ErrorCode, message: &str| {
        HttpResponse::ServiceUnavailable().json(json!({ "error": code, "message": message }))
    };
    match tokio::time::timeout(std::time::Duration::from_secs(1), check).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(Err(err)) => {
            tracing::warn!(%err, "readiness check failed");
            let error = AppError::from(err);
            not_ready(error.code, &error.message)
        }
        Err(_) => not_ready(ErrorCode::DatabaseUnavailable, "the database did not answer within a second"),
    }
}

#[derive(Serialize, ToSchema)]
pub struct HallSummary {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub timezone: String,
}

#[utoipa::path(get, path = "/api/v1/halls", tag = "halls", responses((status = 200, body = [HallSummary])))]
pub async fn list_halls(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let halls: Vec<HallSummary> = persistence::halls::list(&state.db)
        .await?
        .into_iter()
        .map(|h| HallSummary { code: h.code, name: h.name, name_en: h.name_en, timezone: h.timezone })
        .collect();
    Ok(HttpResponse::Ok().json(halls))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/services", tag = "halls",
    params(("hall" = String, Path, description = "hall code, e.g. demo")),
    responses((status = 200, body = [ServiceView]), (status = 404, body = ErrorBody)))]
pub async fn list_services(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(views::service_views(&state.db, &hall, state.clock.now()).await?))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/windows", tag = "halls",
    params(("hall" = String, Path, description = "hall code")),
    responses((status = 200, body = [WindowView]), (status = 404, body = ErrorBody)))]
pub async fn list_windows(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(views::window_views(&state.db, &hall).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct IssueBody {
    /// Service code, e.g. `A`.
    pub service: String,
    /// `normal` (default) or `green`; `appointment` needs a staff session.
    pub priority: Option<String>,
    /// `kiosk` (default), `mobile`, `volunteer` or `counter`.
    pub channel: Option<String>,
    /// A mainland mobile number, for `mobile` tickets of halls that require one (kept only then).
    pub phone: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/tickets", tag = "tickets",
    params(("hall" = String, Path, description = "hall code")), request_body = IssueBody,
    responses((status = 201, body = TicketView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "hall_closed, with next_opening", body = ErrorBody)))]
pub async fn issue_ticket(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<IssueBody>,
    who: MaybeAuthenticated,
) -> AppResult<HttpResponse> {
    let priority = match body.priority.as_deref() {
        None => Priority::Normal,
        Some(text) => Priority::parse(text).ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidPriority,
                format!("priority '{text}' is not one of normal, green, appointment"),
            )
        })?,
    };
    let channel = match body.channel.as_deref() {
        None => Channel::Kiosk,
        Some(text) => Channel::parse(text).ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidChannel,
                format!("channel '{text}' is not one of kiosk, mobile, volunteer, counter"),
            )
        })?,
    };
    if let Err(refusal) = may_issue(who.0.as_ref().map(|a| a.role), priority, channel) {
        return Err(match refusal {
            IssueRefusal::SignInFirst => AppError::unauthorized(),
            IssueRefusal::NotYourRole => AppError::forbidden(format!(
                "your role may not take {} tickets on the {} channel",
                priority.as_str(),
                channel.as_str()
            )),
            IssueRefusal::GreenNotRemote => AppError::new(
                crate::error::ErrorKind::Forbidden,
                ErrorCode::GreenInPerson,
                "the green channel is granted in person, at the kiosk or by staff and volunteers, not by phone",
            ),
        });
    }
    let hall = state.halls.get(&path).await?;
    if let Some(actor) = who.0.as_ref().filter(|_| is_given_by_staff(priority, channel)) {
        tickets::check_giver(&state, actor, &hall, &body.service).await?;
    }
    limit_anonymous(&state, &req, &hall, &who, if channel == Channel::Mobile { "remote" } else { "issue" }).await?;
    let remote = channel == Channel::Mobile;
    let phone = match body.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) if remote => Some(crate::domain::privacy::normalise_mobile(text).ok_or_else(|| {
            AppError::bad_request(ErrorCode::InvalidPhone, "the phone number is not an 11-digit mainland mobile number")
        })?),
        _ => None,
    };
    let request = tickets::IssueRequest {
        service: &body.service,
        priority,
        channel,
        actor: who.0.map(|a| a.id),
        phone,
        client_id: if remote { phone_id(&req, &state) } else { None },
    };
    let ticket = tickets::issue(&state, &hall, request).await?;
    Ok(HttpResponse::Created().json(ticket))
}

/// Staff sessions and registered kiosks write freely; any other request counts against its
/// client's limit (`scope` keeps tickets and diversion records apart).
async fn limit_anonymous(
    state: &AppState,
    req: &HttpRequest,
    hall: &crate::persistence::halls::HallConfig,
    who: &MaybeAuthenticated,
    scope: &str,
) -> AppResult<()> {
    if who.0.is_some() {
        return Ok(());
    }
    if let Some(token) = kiosk_token(req) {
        if crate::services::devices::kiosk_for(state, hall, &token).await?.is_some() {
            return Ok(());
        }
    }
    state.public_limiter.check(&limit_keys(req, state, scope), std::time::Instant::now())
}

#[utoipa::path(get, path = "/api/v1/tickets/{token}", tag = "tickets",
    params(("token" = String, Path, description = "the ticket's token")),
    responses((status = 200, body = TicketView), (status = 404, body = ErrorBody)))]
pub async fn get_ticket(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(tickets::view_by_token(&state, &path).await?))
}

#[utoipa::path(post, path = "/api/v1/tickets/{token}/cancel", tag = "tickets",
    params(("token" = String, Path, description = "the ticket's token")),
    responses((status = 200, body = TicketView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_ticket(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(tickets::cancel_by_token(&state, &path).await?))
}

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
    let windows = persistence::users::windows_of(&state.db, session.actor.id).await?;
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
        windows: windows.into_iter().map(|w| w.0).collect(),
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

#[derive(Deserialize, ToSchema)]
pub struct UserUpdateBody {
    /// `true` disables the account and ends its sessions at once; `false` enables it again.
    pub disabled: Option<bool>,
}

#[utoipa::path(put, path = "/api/v1/users/{username}", tag = "auth", request_body = UserUpdateBody,
    params(("username" = String, Path)),
    responses((status = 200, body = auth::AccountView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody), (status = 409, description = "cannot_disable_self", body = ErrorBody)))]
pub async fn update_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<UserUpdateBody>,
) -> AppResult<HttpResponse> {
    let Some(disabled) = body.disabled else {
        return Err(AppError::bad_request(
            ErrorCode::InvalidField,
            "send {\"disabled\": true} or {\"disabled\": false}",
        ));
    };
    Ok(HttpResponse::Ok().json(auth::set_disabled(&state, &who.0, &path, disabled).await?))
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
    let actor = who.0;
    let windows = persistence::users::windows_of(&state.db, actor.id).await?;
    let signed_in = persistence::windows::signed_in_window(&state.db, actor.id).await?;
    let hall_code = match actor.hall {
        Some(hall) => Some(state.halls.get_by_id(hall).await?.code.clone()),
        None => None,
    };
    Ok(HttpResponse::Ok().json(json!({
        "id": actor.id.0,
        "hall_code": hall_code,
        "signed_in_window": signed_in.map(|w| json!({ "id": w.id.0, "number": w.number })),
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role.as_str(),
        "hall": actor.hall.map(|h| h.0),
        "windows": windows.into_iter().map(|w| w.0).collect::<Vec<_>>(),
    })))
}

fn ticket_or_null(ticket: Option<StaffTicketView>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "ticket": ticket }))
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

const MAX_NOTE_CHARS: usize = 200;

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

#[utoipa::path(get, path = "/api/v1/halls/{hall}/settings", tag = "halls", params(("hall" = String, Path)),
    responses((status = 200, body = crate::domain::settings::HallSettings)))]
pub async fn get_settings(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(&hall.settings))
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
    if !who.0.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may change its settings"));
    }
    let codes: Vec<&str> = hall.services.iter().map(|s| s.code.as_str()).collect();
    body.validate(&codes).map_err(|problem| AppError::bad_request(ErrorCode::InvalidSettings, problem))?;
    persistence::halls::set_settings(&state.db, hall.id, &body).await?;
    state.halls.invalidate(&hall.code);
    tracing::info!(hall = %hall.code, by = %who.0.username, "hall settings changed");
    Ok(HttpResponse::Ok().json(body.into_inner()))
}

#[derive(Deserialize, ToSchema)]
pub struct DiversionBody {
    pub service: String,
    /// Where the person was met: `kiosk` (default), `mobile` or `volunteer`.
    pub channel: Option<String>,
    /// `online` (default), `self_service` or `other`.
    pub target: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/diversions", tag = "halls", params(("hall" = String, Path)), request_body = DiversionBody,
    responses((status = 201, body = crate::services::diversions::DiversionView), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn record_diversion(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: MaybeAuthenticated,
    body: web::Json<DiversionBody>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let channel = match body.channel.as_deref() {
        None => Channel::Kiosk,
        Some(text) => Channel::parse(text).filter(|c| *c != Channel::Counter).ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidChannel,
                format!("channel '{text}' is not one of kiosk, mobile, volunteer"),
            )
        })?,
    };
    limit_anonymous(&state, &req, &hall, &who, "divert").await?;
    let target = body.target.as_deref().unwrap_or("online");
    let view = crate::services::diversions::record(&state, &hall, &body.service, channel, target).await?;
    Ok(HttpResponse::Created().json(view))
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

#[derive(Deserialize, ToSchema)]
pub struct KioskBody {
    /// Where it stands, e.g. 大厅入口取号机.
    pub name: String,
}

fn kiosk_json(k: &persistence::kiosks::KioskRow) -> serde_json::Value {
    json!({ "id": k.id, "name": k.name, "created_at": k.created_at, "last_seen_at": k.last_seen_at, "revoked_at": k.revoked_at })
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/kiosks", tag = "kiosks", params(("hall" = String, Path)), request_body = KioskBody,
    responses((status = 201, description = "`{id, name, created_at, token, setup_url}`: the token is shown this once"), (status = 403, body = ErrorBody)))]
pub async fn register_kiosk(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<KioskBody>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let (kiosk, token) = crate::services::devices::register_kiosk(&state, &who.0, &hall, &body.name).await?;
    let mut answer = kiosk_json(&kiosk);
    answer["setup_url"] = json!(format!("/kiosk/{}?device={token}", hall.code));
    answer["token"] = json!(token);
    Ok(HttpResponse::Created().json(answer))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/kiosks", tag = "kiosks", params(("hall" = String, Path)),
    responses((status = 200, description = "the hall's kiosks (never their tokens)"), (status = 403, body = ErrorBody)))]
pub async fn list_kiosks(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let kiosks = crate::services::devices::list_kiosks(&state, &who.0, &hall).await?;
    Ok(HttpResponse::Ok().json(kiosks.iter().map(kiosk_json).collect::<Vec<_>>()))
}

#[utoipa::path(delete, path = "/api/v1/halls/{hall}/kiosks/{id}", tag = "kiosks", params(("hall" = String, Path), ("id" = i32, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_kiosk(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let hall = state.halls.get(&code).await?;
    crate::services::devices::revoke_kiosk(&state, &who.0, &hall, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/my-tickets", tag = "tickets", params(("hall" = String, Path)),
    responses((status = 200, body = [TicketView], description = "today's tickets taken by this phone (its signed cookie), with tokens")))]
pub async fn my_tickets(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let Some(client) = phone_id(&req, &state) else { return Ok(HttpResponse::Ok().json(Vec::<TicketView>::new())) };
    let day = crate::domain::numbering::business_date(state.clock.now(), hall.timezone);
    let rows = persistence::tickets::of_client(&state.db, hall.id, day, &client).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        let place = views::position(&state, &hall, row).await?;
        found.push(views::ticket_view(&hall, row, place, true));
    }
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize, ToSchema)]
pub struct RatingBody {
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    pub score: i64,
    /// Reason tags from the offered lists.
    #[serde(default)]
    pub tags: Vec<String>,
    pub comment: Option<String>,
}

impl From<RatingBody> for crate::services::ratings::RatingInput {
    fn from(b: RatingBody) -> Self {
        Self { score: b.score, tags: b.tags, comment: b.comment }
    }
}

#[utoipa::path(post, path = "/api/v1/tickets/{token}/rating", tag = "tickets", params(("token" = String, Path)), request_body = RatingBody,
    responses((status = 201, body = crate::services::ratings::RatingView), (status = 400, body = ErrorBody),
        (status = 409, description = "not_finished or already_rated", body = ErrorBody)))]
pub async fn rate_ticket(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<RatingBody>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(crate::services::ratings::rate(&state, &path, body.into_inner().into()).await?))
}

#[utoipa::path(put, path = "/api/v1/tickets/{token}/rating", tag = "tickets", params(("token" = String, Path)), request_body = RatingBody,
    responses((status = 200, body = crate::services::ratings::RatingView), (status = 404, body = ErrorBody),
        (status = 409, description = "rating_locked: more than 10 minutes after rating", body = ErrorBody)))]
pub async fn edit_rating(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<RatingBody>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(crate::services::ratings::edit(&state, &path, body.into_inner().into()).await?))
}

#[utoipa::path(get, path = "/api/v1/tickets/{token}/rating", tag = "tickets", params(("token" = String, Path)),
    responses((status = 200, body = crate::services::ratings::RatingView), (status = 404, body = ErrorBody)))]
pub async fn get_rating(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(crate::services::ratings::get(&state, &path).await?))
}
