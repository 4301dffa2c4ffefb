//! The public API: halls, services, windows, taking and following a ticket, ratings, diversion
//! records, health. Anyone may call these (anonymous writes are rate-limited).
use crate::domain::role::is_given_by_staff;
use crate::domain::ticket::{Channel, Priority};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::http::extract::{coded, kiosk_token, limit_keys, phone_id, MaybeAuthenticated};
use crate::persistence;
use crate::services::tickets;
use crate::services::views::{self, ServiceView, TicketView, WindowView};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ErrorBody;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database answers within 0.8 s (so the answer comes within a second) and, after a write failed for want of
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
    match tokio::time::timeout(std::time::Duration::from_millis(800), check).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(Err(err)) => {
            tracing::warn!(%err, "readiness check failed");
            let error = AppError::from(err);
            not_ready(error.code, &error.message)
        }
        Err(_) => not_ready(ErrorCode::DatabaseUnavailable, "the database did not answer within 0.8 s"),
    }
}

pub use crate::services::halls::HallSummary;

#[utoipa::path(get, path = "/api/v1/halls", tag = "halls", responses((status = 200, body = [HallSummary])))]
pub async fn list_halls(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(crate::services::halls::summaries(&state.db).await?))
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
    #[serde(default, deserialize_with = "coded")]
    #[schema(value_type = Option<String>)]
    pub priority: Option<Priority>,
    /// `kiosk` (default), `mobile`, `volunteer` or `counter`.
    #[serde(default, deserialize_with = "coded")]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
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
    let priority = body.priority.unwrap_or(Priority::Normal);
    let channel = body.channel.unwrap_or(Channel::Kiosk);
    tickets::check_issuer(who.0.as_ref(), priority, channel)?;
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
        booked_for: None,
    };
    let ticket = tickets::issue(&state, &hall, request).await?;
    Ok(HttpResponse::Created().json(ticket))
}

/// Staff sessions and registered kiosks write freely; any other request counts against its
/// client's limit (`scope` keeps tickets and diversion records apart).
pub(super) async fn limit_anonymous(
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
    state.public_limiter.check(&limit_keys(req, state, scope)).await
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

#[utoipa::path(get, path = "/api/v1/halls/{hall}/settings", tag = "halls", params(("hall" = String, Path)),
    responses((status = 200, body = crate::domain::settings::HallSettings)))]
pub async fn get_settings(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    Ok(HttpResponse::Ok().json(&hall.settings))
}

#[derive(Deserialize, ToSchema)]
pub struct DiversionBody {
    pub service: String,
    /// Where the person was met: `kiosk` (default), `mobile` or `volunteer`.
    #[serde(default, deserialize_with = "coded")]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
    /// `online` (default; the e-tax bureau), `wechat_alipay`, `self_service`, `bank` or `other`.
    pub target: Option<String>,
    /// A short note (volunteers; no personal data), at most 200 characters.
    #[serde(default)]
    pub note: Option<String>,
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
    let channel = body.channel.unwrap_or(Channel::Kiosk);
    if channel == Channel::Counter {
        return Err(AppError::bad_request(
            ErrorCode::InvalidChannel,
            "channel 'counter' is not one of kiosk, mobile, volunteer",
        ));
    }
    limit_anonymous(&state, &req, &hall, &who, "divert").await?;
    let target = body.target.as_deref().unwrap_or("online");
    let new = crate::services::diversions::NewDiversion {
        service: &body.service,
        channel,
        target,
        by: who.0.as_ref().map(|a| a.id),
        note: body.note.as_deref(),
    };
    let view = crate::services::diversions::record(&state, &hall, new).await?;
    Ok(HttpResponse::Created().json(view))
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
    Ok(HttpResponse::Ok().json(tickets::of_phone(&state, &hall, &client).await?))
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
