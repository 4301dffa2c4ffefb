//! The hall's notice line (公告) that displays scroll.
use super::auth::Actor;
use super::hall_write::HallWrite;
use crate::domain::events::{EventBody, EventKind};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use crate::state::Core;

pub const MAX_NOTICE_CHARS: usize = 500;

#[tracing::instrument(skip(state, actor, hall), fields(hall = %hall.code, user = %actor.username))]
pub async fn set(state: &Core, actor: &Actor, hall: &HallConfig, text: &str) -> AppResult<String> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only the hall's managers may set its notice"));
    }
    let text = text.trim();
    if text.chars().count() > MAX_NOTICE_CHARS {
        return Err(AppError::bad_request(
            ErrorCode::NoticeTooLong,
            format!("a notice has at most {MAX_NOTICE_CHARS} characters"),
        ));
    }
    let mut write = HallWrite::begin(state, hall).await?;
    let before = persistence::halls::notice(write.txn()?, hall.id).await?;
    persistence::halls::set_notice(write.txn()?, hall.id, (!text.is_empty()).then_some(text)).await?;
    let target = format!("hall:{}", hall.code);
    let (before, after) = (Some(serde_json::json!(before)), Some(serde_json::json!(text)));
    super::audit::record(write.txn()?, actor, Some(hall.id), "notice.set", &target, before, after, write.now).await?;
    write.emit(EventKind::Notice, EventBody::Notice { notice: text.to_owned() }, Some(actor.id)).await?;
    write.commit(state).await?;
    Ok(text.to_owned())
}
