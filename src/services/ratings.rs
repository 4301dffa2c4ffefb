//! Rating a finished ticket (好差评): once, then changeable for a short while.
use super::tickets::find_by_token;
use crate::domain::rating::{self, RatingError};
use crate::domain::ticket::TicketStatus;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::ratings::{self, RatingRow};
use crate::persistence::tickets::TicketRow;
use crate::state::Core;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    pub number: String,
    /// 1 (非常不满意) to 5 (非常满意).
    pub score: u8,
    pub label: String,
    pub label_en: String,
    pub tags: Vec<String>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Until when it may still be changed.
    pub editable_until: DateTime<Utc>,
}

pub struct RatingInput {
    pub score: i64,
    pub tags: Vec<String>,
    pub comment: Option<String>,
}

fn view(number: &str, r: &RatingRow) -> RatingView {
    let (label, label_en) = rating::label(r.score).unwrap_or_default();
    RatingView {
        number: number.to_owned(),
        score: r.score,
        label: label.into(),
        label_en: label_en.into(),
        tags: r.tags.clone(),
        comment: r.comment.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        editable_until: r.created_at + rating::EDIT_WINDOW,
    }
}

fn invalid(err: RatingError) -> AppError {
    let code = match err {
        RatingError::Score => ErrorCode::InvalidScore,
        RatingError::Tag(_) => ErrorCode::InvalidTag,
        RatingError::CommentTooLong => ErrorCode::CommentTooLong,
    };
    AppError::bad_request(code, err.to_string())
}

/// The first rating of a finished ticket. A second one is 409 `already_rated` (change it with
/// `edit` instead).
#[tracing::instrument(skip(state, token, input))]
pub async fn rate(state: &Core, token: &str, input: RatingInput) -> AppResult<RatingView> {
    let (_, ticket) = find_by_token(state, token).await?;
    if ticket.status != TicketStatus::Done {
        return Err(AppError::conflict(
            ErrorCode::NotFinished,
            format!("{} is {}; it can be rated once it is finished", ticket.number, ticket.status.as_str()),
        ));
    }
    let comment = input.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let (score, tags) = rating::validate(input.score, &input.tags, comment.as_deref()).map_err(invalid)?;
    let now = state.clock.now();
    let row = RatingRow {
        ticket_id: ticket.id,
        hall_id: ticket.hall_id,
        window_id: ticket.window_id,
        staff_id: ticket.served_by,
        score,
        tags,
        comment,
        created_at: now,
        updated_at: now,
    };
    if !ratings::insert(&state.db, &row).await? {
        return Err(AppError::conflict(
            ErrorCode::AlreadyRated,
            format!("{} has been rated already; change that rating instead", ticket.number),
        ));
    }
    Ok(view(&ticket.number, &row))
}

/// Changes a rating within its edit window (409 `rating_locked` after).
#[tracing::instrument(skip(state, token, input))]
pub async fn edit(state: &Core, token: &str, input: RatingInput) -> AppResult<RatingView> {
    let (_, ticket) = find_by_token(state, token).await?;
    let mut row = ratings::find(&state.db, ticket.id).await?.ok_or_else(|| {
        AppError::not_found(ErrorCode::RatingNotFound, format!("{} has not been rated", ticket.number))
    })?;
    let now = state.clock.now();
    if !rating::editable(row.created_at, now) {
        return Err(AppError::conflict(
            ErrorCode::RatingLocked,
            format!("a rating can be changed for {} minutes only", rating::EDIT_WINDOW.num_minutes()),
        ));
    }
    let comment = input.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let (score, tags) = rating::validate(input.score, &input.tags, comment.as_deref()).map_err(invalid)?;
    row.score = score;
    row.tags = tags;
    row.comment = comment;
    row.updated_at = now;
    ratings::update(&state.db, &row).await?;
    Ok(view(&ticket.number, &row))
}

pub async fn get(state: &Core, token: &str) -> AppResult<RatingView> {
    let (_, ticket) = find_by_token(state, token).await?;
    of_ticket(state, &ticket)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::RatingNotFound, format!("{} has not been rated", ticket.number)))
}

/// The rating of a ticket already at hand, if it has one.
pub async fn of_ticket(state: &Core, ticket: &TicketRow) -> AppResult<Option<RatingView>> {
    Ok(ratings::find(&state.db, ticket.id).await?.map(|row| view(&ticket.number, &row)))
}
