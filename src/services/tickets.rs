//! Taking, viewing and cancelling tickets: the taxpayer's side.
use super::hall_write::HallWrite;
use super::issuer::IssueJob;
use super::views::{estimate_minutes, position, public_ticket, ticket_view, TicketView};
use crate::domain::events::{EventBody, EventKind};
use crate::domain::ids::UserId;
use crate::domain::ticket::{transition, Channel, Priority, TicketAction};
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::tickets;
use crate::state::AppState;
use rand::RngCore;
use std::sync::Arc;

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
pub async fn issue(state: &AppState, hall: &Arc<HallConfig>, request: IssueRequest<'_>) -> AppResult<TicketView> {
    let service = hall.service_by_code(request.service).ok_or_else(|| {
        AppError::bad_request("unknown_service", format!("hall '{}' has no service '{}'", hall.code, request.service))
    })?;
    let job =
        IssueJob { service: service.id, priority: request.priority, channel: request.channel, actor: request.actor };
    let (row, ahead) = state.issuer.issue(hall, job).await?;
    // Outside the write: the estimate only reads, so it runs concurrently with writers.
    let minutes = estimate_minutes(state, hall, row.service_id, ahead, row.business_date).await?;
    Ok(ticket_view(hall, &row, (ahead, minutes), true))
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
    let place = position(state, &hall, &row).await?;
    Ok(ticket_view(&hall, &row, place, true))
}

#[tracing::instrument(skip(state, token))]
pub async fn cancel_by_token(state: &AppState, token: &str) -> AppResult<TicketView> {
    let (hall, found) = find_by_token(state, token).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    // Re-read under the hall lock: the ticket may have been called meanwhile.
    let before = tickets::find(&write.txn, found.id).await?.ok_or_else(|| AppError::internal("ticket vanished"))?;
    let mut row = before.clone();
    row.status = transition(before.status, TicketAction::Cancel)?;
    row.cancelled_at = Some(write.now);
    if !tickets::update(&write.txn, &before, &row).await? {
        return Err(AppError::conflict("ticket_changed", "the ticket changed meanwhile; look again"));
    }
    let body = EventBody::Ticket { ticket: public_ticket(&hall, &row), transfer_to: None };
    write.emit(EventKind::TicketCancelled, body, None).await?;
    write.commit(state).await?;
    Ok(ticket_view(&hall, &row, (0, 0), true))
}
