//! Taking, viewing and cancelling tickets: the taxpayer's side.
use super::hall_write::HallWrite;
use super::views::{position, public_ticket, ticket_view, TicketView};
use crate::domain::events::{EventBody, EventKind};
use crate::domain::ids::UserId;
use crate::domain::numbering::{business_date, format_number};
use crate::domain::schedule::OpenStatus;
use crate::domain::ticket::{transition, Channel, Priority, TicketAction};
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::tickets::{self, NewTicket};
use crate::state::AppState;
use rand::RngCore;

pub struct IssueRequest<'a> {
    pub service: &'a str,
    pub priority: Priority,
    pub channel: Channel,
    pub actor: Option<UserId>,
}

/// 32 random bytes from the operating system's generator: cannot be guessed or enumerated.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[tracing::instrument(skip(state, hall, request), fields(hall = %hall.code, service = request.service))]
pub async fn issue(state: &AppState, hall: &HallConfig, request: IssueRequest<'_>) -> AppResult<TicketView> {
    let service = hall.service_by_code(request.service).ok_or_else(|| {
        AppError::bad_request("unknown_service", format!("hall '{}' has no service '{}'", hall.code, request.service))
    })?;
    let mut write = HallWrite::begin(state, hall).await?;
    let now = write.now;
    if let OpenStatus::Closed { next_opening } = hall.schedule.status_at(now, hall.timezone) {
        let next = next_opening.map(|at| at.with_timezone(&hall.timezone).to_rfc3339());
        let message = match &next {
            Some(at) => format!("the hall is closed now; it opens again at {at}"),
            None => "the hall is closed and has no opening hours set".to_owned(),
        };
        return Err(AppError::conflict("hall_closed", message).with_detail("next_opening", next));
    }
    let day = business_date(now, hall.timezone);
    let seq = tickets::next_seq(&write.txn, hall.id, service.id, day).await?;
    let number = format_number(&service.code, u32::try_from(seq).unwrap_or(0));
    let token = new_token();
    let new = NewTicket {
        hall: hall.id,
        service: service.id,
        day,
        seq,
        number: &number,
        priority: request.priority,
        channel: request.channel,
        token: &token,
        issued_at: now,
    };
    let id = tickets::insert(&write.txn, &new).await?;
    let row = tickets::find(&write.txn, id).await?.ok_or_else(|| AppError::internal("issued ticket vanished"))?;
    let place = position(&write.txn, hall, &row).await?;
    let body = EventBody::Ticket { ticket: public_ticket(hall, &row), transfer_to: None };
    write.emit(EventKind::TicketIssued, body, request.actor).await?;
    write.commit(state).await?;
    Ok(ticket_view(hall, &row, place, true))
}

pub async fn find_by_token(
    state: &AppState,
    token: &str,
) -> AppResult<(std::sync::Arc<HallConfig>, tickets::TicketRow)> {
    let not_found = || AppError::not_found("ticket_not_found", "no ticket has that token");
    // Tokens are 64 hex digits; anything else cannot match, so skip the query.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let row = tickets::find_by_token(&state.db, token).await?.ok_or_else(not_found)?;
    let hall = state.halls.get_by_id(row.hall_id).await?;
    Ok((hall, row))
}

pub async fn view_by_token(state: &AppState, token: &str) -> AppResult<TicketView> {
    let (hall, row) = find_by_token(state, token).await?;
    let place = position(&state.db, &hall, &row).await?;
    Ok(ticket_view(&hall, &row, place, true))
}

#[tracing::instrument(skip(state, token))]
pub async fn cancel_by_token(state: &AppState, token: &str) -> AppResult<TicketView> {
    let (hall, found) = find_by_token(state, token).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    // Re-read under the hall lock: the ticket may have been called meanwhile.
    let mut row = tickets::find(&write.txn, found.id).await?.ok_or_else(|| AppError::internal("ticket vanished"))?;
    let before = row.status;
    row.status = transition(before, TicketAction::Cancel)?;
    row.cancelled_at = Some(write.now);
    if !tickets::update_if_status(&write.txn, &row, before).await? {
        return Err(AppError::conflict("ticket_changed", "the ticket changed meanwhile; look again"));
    }
    let body = EventBody::Ticket { ticket: public_ticket(&hall, &row), transfer_to: None };
    write.emit(EventKind::TicketCancelled, body, None).await?;
    write.commit(state).await?;
    Ok(ticket_view(&hall, &row, (0, 0), true))
}
