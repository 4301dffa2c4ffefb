//! Appointments (预约): slots, booking, lookup, change, cancel, check-in; the day's list for
//! staff. Taxpayers prove a booking is theirs with its code and mobile number.
use super::public::limit_anonymous;
use crate::domain::ticket::Channel;
use crate::error::{AppResult, ErrorCode};
use crate::http::extract::{Authenticated, MaybeAuthenticated};
use crate::services::appointments::{self, AppointmentView, SlotView};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ErrorBody;

#[derive(Deserialize)]
pub struct DateParam {
    date: NaiveDate,
}

#[derive(Deserialize)]
pub struct DayQuery {
    date: Option<NaiveDate>,
    /// Only the bookings of this mobile number (a volunteer finding someone's booking).
    phone: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/services/{service}/slots", tag = "appointments",
    params(("hall" = String, Path), ("service" = String, Path), ("date" = String, Query, description = "YYYY-MM-DD")),
    responses((status = 200, body = [SlotView]), (status = 409, description = "not_bookable", body = ErrorBody)))]
pub async fn slots(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<DateParam>,
) -> AppResult<HttpResponse> {
    let (hall, service) = path.into_inner();
    let hall = state.halls.get(&hall).await?;
    Ok(HttpResponse::Ok().json(appointments::slots(&state, &hall, &service, query.date).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    pub service: String,
    /// `YYYY-MM-DD`
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// `09:00`, a slot's start
    pub start: String,
    pub name: String,
    /// A mainland mobile number: it identifies the person and proves the booking is theirs.
    pub phone: String,
    /// An 18-character resident ID number, when the hall's `appointments.id_number` rule is
    /// `optional` or `required` (ignored otherwise). Only a keyed hash of it is stored; the
    /// per-person limits then also count bookings made under other mobile numbers.
    #[serde(default)]
    pub id_number: Option<String>,
}

/// Who books: a volunteer's or staff's session books on their channel; anyone else by phone.
fn channel_of(who: &MaybeAuthenticated) -> Channel {
    match who.0.as_ref().map(|a| a.role) {
        Some(crate::domain::role::Role::Volunteer) => Channel::Volunteer,
        Some(_) => Channel::Counter,
        None => Channel::Mobile,
    }
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/appointments", tag = "appointments", params(("hall" = String, Path)),
    request_body = BookBody,
    responses((status = 201, body = AppointmentView), (status = 400, body = ErrorBody),
        (status = 409, description = "slot_full, limit_reached, blocked (with until), outside_booking_window, not_bookable", body = ErrorBody)))]
pub async fn book(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: MaybeAuthenticated,
    body: web::Json<BookBody>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    limit_anonymous(&state, &req, &hall, &who, "book").await?;
    let request = appointments::BookRequest {
        service: &body.service,
        date: body.date,
        start: &body.start,
        name: &body.name,
        phone: &body.phone,
        id_number: body.id_number.as_deref(),
        channel: channel_of(&who),
        actor: who.0.as_ref().map(|a| a.id),
    };
    Ok(HttpResponse::Created().json(appointments::book(&state, &hall, request).await?))
}

#[derive(Deserialize)]
pub struct PhoneParam {
    phone: String,
}

#[utoipa::path(get, path = "/api/v1/appointments/{code}", tag = "appointments",
    params(("code" = String, Path), ("phone" = String, Query)),
    responses((status = 200, body = AppointmentView), (status = 404, description = "appointment_not_found", body = ErrorBody)))]
pub async fn get_appointment(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PhoneParam>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(appointments::lookup(&state, &path, &query.phone).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerBody {
    pub phone: String,
}

#[utoipa::path(post, path = "/api/v1/appointments/{code}/cancel", tag = "appointments", params(("code" = String, Path)),
    request_body = OwnerBody,
    responses((status = 200, body = AppointmentView), (status = 404, body = ErrorBody), (status = 409, description = "too_late_to_change", body = ErrorBody)))]
pub async fn cancel_appointment(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<OwnerBody>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(appointments::cancel(&state, &path, &body.phone).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    pub phone: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub start: String,
}

#[utoipa::path(post, path = "/api/v1/appointments/{code}/reschedule", tag = "appointments", params(("code" = String, Path)),
    request_body = RescheduleBody,
    responses((status = 200, body = AppointmentView), (status = 404, body = ErrorBody),
        (status = 409, description = "slot_full, limit_reached, outside_booking_window, too_late_to_change", body = ErrorBody)))]
pub async fn reschedule_appointment(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    who: MaybeAuthenticated,
    body: web::Json<RescheduleBody>,
) -> AppResult<HttpResponse> {
    let found = appointments::lookup(&state, &path, &body.phone).await?;
    let hall = state.halls.get(&found.hall).await?;
    limit_anonymous(&state, &req, &hall, &who, "book").await?;
    Ok(HttpResponse::Ok().json(appointments::reschedule(&state, &path, &body.phone, body.date, &body.start).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    /// The booking's mobile number; a signed-in volunteer, staff member or manager of the
    /// booking's hall may leave it out (they check the person's code in for them).
    #[serde(default)]
    pub phone: Option<String>,
    /// Where: `kiosk` (default) or `mobile`; a volunteer's or staff's session checks in on theirs.
    pub channel: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/appointments/{code}/check-in", tag = "appointments", params(("code" = String, Path)),
    request_body = CheckInBody,
    responses((status = 201, body = crate::services::views::TicketView, description = "the ticket, `priority: appointment`"),
        (status = 404, body = ErrorBody),
        (status = 409, description = "too_early (with check_in_from), too_late (offer: normal_ticket), already_checked_in (with the same ticket)", body = ErrorBody)))]
pub async fn check_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: MaybeAuthenticated,
    body: web::Json<CheckInBody>,
) -> AppResult<HttpResponse> {
    let channel = match (&who.0, body.channel.as_deref()) {
        (Some(_), _) => channel_of(&who),
        (None, Some("mobile")) => Channel::Mobile,
        _ => Channel::Kiosk,
    };
    let proof = match (body.phone.as_deref(), who.0.as_ref()) {
        (Some(phone), _) => appointments::Proof::Phone(phone),
        (None, Some(actor)) => appointments::Proof::HallStaff(actor),
        (None, None) => {
            return Err(crate::error::AppError::bad_request(
                ErrorCode::InvalidPhone,
                "give the booking's mobile number to check in",
            ))
        }
    };
    let done = appointments::check_in(&state, &path, proof, channel).await?;
    if done.again {
        let mut body =
            crate::error::AppError::conflict(ErrorCode::AlreadyCheckedIn, "this booking is already checked in").body();
        body["ticket"] = json!(done.ticket);
        return Ok(HttpResponse::Conflict().json(body));
    }
    Ok(HttpResponse::Created().json(done.ticket))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/appointments", tag = "appointments",
    params(("hall" = String, Path), ("date" = Option<String>, Query, description = "YYYY-MM-DD; today by default"),
        ("phone" = Option<String>, Query, description = "only this mobile number's bookings")),
    responses((status = 200, body = [AppointmentView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn day_list(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    query: web::Query<DayQuery>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let day = query.date.unwrap_or_else(|| crate::domain::numbering::business_date(state.clock.now(), hall.timezone));
    Ok(HttpResponse::Ok().json(appointments::of_day(&state, &who.0, &hall, day, query.phone.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelDayBody {
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// One service's bookings only (else all).
    pub service: Option<String>,
    /// Shown to the people on their booking (e.g. 系统升级，当日暂停预约办理).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/appointments/cancel-day", tag = "appointments", params(("hall" = String, Path)),
    request_body = CancelDayBody,
    responses((status = 200, description = "`{\"cancelled\": n}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn cancel_day(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<CancelDayBody>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let n = appointments::cancel_day(&state, &who.0, &hall, body.date, body.service.as_deref(), &body.reason).await?;
    Ok(HttpResponse::Ok().json(json!({ "cancelled": n })))
}
