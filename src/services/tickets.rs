//! Taking, viewing and cancelling tickets: the taxpayer's side.
use super::auth::Actor;
use super::hall_write::HallWrite;
use super::issuer::IssueJob;
use super::views::{estimate_inputs, estimate_minutes, position, public_ticket, ticket_view, TicketView};
use crate::domain::cutoff::{may_issue, CutoffRule};
use crate::domain::events::EventBody;
use crate::domain::ids::UserId;
use crate::domain::numbering::business_date;
use crate::domain::role::Role;
use crate::domain::schedule::OpenStatus;
use crate::domain::ticket::{Channel, Priority};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::halls::ServiceInfo;
use crate::persistence::{tickets, users, windows};
use crate::state::Core;
use chrono::{Duration, TimeZone};
use rand::RngCore;
use std::sync::Arc;

pub struct IssueRequest<'a> {
    pub service: &'a str,
    pub priority: Priority,
    pub channel: Channel,
    pub actor: Option<UserId>,
    /// Normalised mobile number of a remote ticket; kept only if the hall requires one.
    pub phone: Option<String>,
    /// The phone's signed cookie id, for remote tickets.
    pub client_id: Option<String>,
    /// A checked-in booking's booked start (the calling order places the ticket by it).
    pub booked_for: Option<chrono::DateTime<chrono::Utc>>,
}

/// 32 random bytes from the operating system's generator: cannot be guessed or enumerated.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A ticket's token, 64 hex digits like any other: the issue time in seconds (8 digits), then 28
/// random bytes from the thread's cryptographic generator (seeded by the operating system), 224
/// bits nobody can guess. The time first keeps new tokens together in the token index, so a
/// batch of tickets writes a page or two of it rather than a page per ticket (issue 19).
pub fn new_ticket_token(now: chrono::DateTime<chrono::Utc>) -> String {
    let mut bytes = [0u8; 32];
    let seconds = u32::try_from(now.timestamp().rem_euclid(1 << 32)).unwrap_or_default();
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    rand::thread_rng().fill_bytes(&mut bytes[4..]);
    hex::encode(bytes)
}

#[tracing::instrument(skip(state, hall, request), fields(hall = %hall.code, service = request.service))]
pub async fn issue(state: &Core, hall: &Arc<HallConfig>, request: IssueRequest<'_>) -> AppResult<TicketView> {
    let service = hall.offered_service(request.service).map_err(AppError::refused)?;
    if request.channel == Channel::Mobile {
        if !hall.settings.remote_issue {
            return Err(AppError::conflict(
                ErrorCode::RemoteIssueDisabled,
                "this hall does not take tickets by phone; please take one at the kiosk in the hall",
            ));
        }
        if hall.settings.require_phone && request.phone.is_none() {
            return Err(AppError::bad_request(
                ErrorCode::PhoneRequired,
                "this hall needs a mobile number for tickets taken by phone",
            ));
        }
    }
    let job = IssueJob {
        service: service.id,
        priority: request.priority,
        channel: request.channel,
        actor: request.actor,
        // Collected only where the hall needs it.
        phone: request.phone.filter(|_| hall.settings.require_phone),
        client_id: request.client_id,
        booked_for: request.booked_for,
        // Appointments hold a booked time, so closing does not cut them off.
        cutoff: request.priority != Priority::Appointment,
        estimate: Some(
            estimate_inputs(state, hall, service.id, business_date(state.clock.now(), hall.timezone)).await?,
        ),
    };
    let (row, ahead) = state.issuer.issue(hall, job).await?;
    // Outside the write: the estimate only reads, so it runs concurrently with writers.
    let minutes = estimate_minutes(state, hall, row.service_id, ahead, row.business_date).await?;
    Ok(ticket_view(hall, &row, (ahead, minutes), true))
}

/// The refusal (409 `cutoff`) of a new ticket that could not be served before the current period
/// ends: closing time, or the lunch break. Decided in the issuing batch, under the hall's write,
/// from `ahead` (the tickets queued for the service) and the estimate's inputs.
pub(super) fn cutoff_refusal(
    hall: &HallConfig,
    service: &ServiceInfo,
    now: chrono::DateTime<chrono::Utc>,
    ahead: u32,
    (mean, open): (Duration, u32),
) -> Option<AppError> {
    let local = now.with_timezone(&hall.timezone).naive_local();
    // Closed now: the issuer answers `hall_closed`. Never closing: nothing to cut off.
    let closes_local = hall.schedule.open_until(local)?;
    let closes_at = hall.timezone.from_local_datetime(&closes_local).earliest()?.with_timezone(&chrono::Utc);
    let wait = if ahead == 0 { 0 } else { crate::domain::estimate::estimated_wait_minutes(ahead, mean, open) };
    let rule = CutoffRule {
        margin: Duration::minutes(i64::from(hall.settings.cutoff_margin_minutes)),
        fixed_before_close: hall.settings.stop_issuing_minutes_before_close.map(|m| Duration::minutes(i64::from(m))),
    };
    if may_issue(now, closes_at, Duration::minutes(i64::from(wait)), mean, rule) {
        return None;
    }
    let next = match hall.schedule.status_at(closes_at, hall.timezone) {
        OpenStatus::Closed { next_opening } => next_opening,
        OpenStatus::Open { .. } => None,
    };
    let next_text = next.map(|at| at.with_timezone(&hall.timezone).to_rfc3339());
    let message = match &next_text {
        Some(at) => format!(
            "{} ({}) is no longer issued before {}: a new ticket could not be served in time. Come back when the hall opens again at {at}",
            service.name_en,
            service.code,
            closes_local.format("%H:%M")
        ),
        None => format!("{} ({}) is no longer issued today", service.name_en, service.code),
    };
    Some(
        AppError::conflict(ErrorCode::Cutoff, message)
            .with_detail("service", service.code.clone())
            .with_detail("closes_at", closes_at.with_timezone(&hall.timezone).to_rfc3339())
            .with_detail("next_opening", next_text)
            // Where to book it instead, when the service takes appointments.
            .with_detail(
                "book_url",
                if service.appointments {
                    serde_json::Value::from(format!("/m/{}/book?service={}", hall.code, service.code))
                } else {
                    serde_json::Value::Null
                },
            ),
    )
}

pub async fn find_by_token(state: &Core, token: &str) -> AppResult<(std::sync::Arc<HallConfig>, tickets::TicketRow)> {
    let not_found = || AppError::not_found(ErrorCode::TicketNotFound, "no ticket has that token");
    // Tokens are 64 hex digits; anything else cannot match, so skip the query.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let row = tickets::find_by_token(&state.db, token).await?.ok_or_else(not_found)?;
    let hall = state.halls.get_by_id(row.hall_id).await?;
    Ok((hall, row))
}

pub async fn view_by_token(state: &Core, token: &str) -> AppResult<TicketView> {
    Ok(lookup(state, token).await?.2)
}

/// The ticket behind a token with its hall and its view (place in line included), for pages
/// that need all three.
pub async fn lookup(state: &Core, token: &str) -> AppResult<(Arc<HallConfig>, tickets::TicketRow, TicketView)> {
    let (hall, row) = find_by_token(state, token).await?;
    let place = position(state, &hall, &row).await?;
    let view = ticket_view(&hall, &row, place, true);
    Ok((hall, row, view))
}

#[tracing::instrument(skip(state, token))]
pub async fn cancel_by_token(state: &Core, token: &str) -> AppResult<TicketView> {
    let (hall, found) = find_by_token(state, token).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    // Re-read under the hall lock: the ticket may have been called meanwhile.
    let before = tickets::find(write.txn()?, found.id).await?.ok_or_else(|| AppError::internal("ticket vanished"))?;
    let mut life = before.life();
    let outcome = life.cancel(write.now)?;
    let row = before.with_life(life);
    if !tickets::update(write.txn()?, &before, &row).await? {
        return Err(AppError::conflict(ErrorCode::TicketChanged, "the ticket changed meanwhile; look again"));
    }
    let body = EventBody::Ticket { ticket: public_ticket(&hall, &row), transfer_to: None };
    write.emit(outcome.event(), body, None).await?;
    write.commit(state).await?;
    Ok(ticket_view(&hall, &row, (0, 0), true))
}

/// Today's tickets taken by one phone (its signed cookie id), newest first, with their places.
pub async fn of_phone(state: &Core, hall: &HallConfig, client: &str) -> AppResult<Vec<TicketView>> {
    let day = crate::domain::numbering::business_date(state.clock.now(), hall.timezone);
    let rows = tickets::of_client(&state.db, hall.id, day, client).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        let place = position(state, hall, row).await?;
        found.push(ticket_view(hall, row, place, true));
    }
    Ok(found)
}

/// Who may take which ticket on which channel (`domain::role::may_issue`), as the API answers.
pub fn check_issuer(actor: Option<&Actor>, priority: Priority, channel: Channel) -> AppResult<()> {
    use crate::domain::role::{may_issue, IssueRefusal};
    may_issue(actor.map(|a| a.role), priority, channel).map_err(|refusal| match refusal {
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
    })
}

/// A ticket only staff or volunteers give (`domain::role::is_given_by_staff`) is given in the
/// giver's own hall, and by a staff member only for a service one of their windows serves.
pub async fn check_giver(state: &Core, actor: &Actor, hall: &HallConfig, service_code: &str) -> AppResult<()> {
    if actor.hall.is_some_and(|h| h != hall.id) {
        return Err(AppError::forbidden("you work in another hall"));
    }
    if actor.role != Role::Staff {
        return Ok(());
    }
    // An unknown service is the issuer's to report.
    let Some(service) = hall.service_by_code(service_code) else { return Ok(()) };
    let mine = users::windows_of(&state.db, actor.id).await?;
    let serves = windows::list(&state.db, hall.id)
        .await?
        .iter()
        .any(|w| mine.contains(&w.id) && w.services.contains(&service.id));
    if serves {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("none of your windows serves {service_code}")))
    }
}
