//! Recording diversions (分流): someone chose to do the business online or at a self-service
//! terminal instead of taking a ticket. No personal data: a service, a channel, a time.
use super::auth::Actor;
use crate::domain::numbering::business_date;
use crate::domain::ticket::Channel;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::diversions;
use crate::persistence::halls::HallConfig;
use crate::state::Core;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// Where people were sent: `online` is the e-tax bureau (电子税务局), `wechat_alipay` paying by
/// WeChat or Alipay (微信/支付宝缴费), `self_service` a self-service terminal (自助办税终端),
/// `bank` a bank's collection point (银行代收点).
pub const TARGETS: [&str; 5] = ["online", "wechat_alipay", "self_service", "bank", "other"];
pub const MAX_NOTE_CHARS: usize = 200;

/// A diversion as recorded: where the person was met and sent, by whom, with what note.
pub struct NewDiversion<'a> {
    pub service: &'a str,
    pub channel: Channel,
    pub target: &'a str,
    pub by: Option<crate::domain::ids::UserId>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiversionView {
    pub id: i64,
    pub service: String,
    pub channel: String,
    pub target: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub async fn record(state: &Core, hall: &HallConfig, new: NewDiversion<'_>) -> AppResult<DiversionView> {
    let NewDiversion { service, channel, target, by, note } = new;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS || n.chars().any(char::is_control)) {
        return Err(AppError::bad_request(
            ErrorCode::NoteTooLong,
            format!("a note has at most {MAX_NOTE_CHARS} characters, on one line"),
        ));
    }
    let info = hall.service_by_code(service).ok_or_else(|| {
        AppError::bad_request(ErrorCode::UnknownService, format!("hall '{}' has no service '{service}'", hall.code))
    })?;
    if !TARGETS.contains(&target) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidTarget,
            format!("target '{target}' is not one of {}", TARGETS.join(", ")),
        ));
    }
    let now = state.clock.now();
    let day = business_date(now, hall.timezone);
    let row = diversions::NewRow {
        hall: hall.id,
        service: info.id,
        channel: channel.as_str(),
        target,
        day,
        at: now,
        by,
        note,
    };
    let id = diversions::insert(&state.db, row).await?;
    tracing::info!(hall = %hall.code, service = %info.code, channel = channel.as_str(), target, "diversion recorded");
    Ok(DiversionView {
        id,
        service: info.code.clone(),
        channel: channel.as_str().into(),
        target: target.into(),
        at: now,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiversionCount {
    pub service: String,
    pub channel: String,
    pub count: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiversionSummary {
    pub date: NaiveDate,
    pub total: u32,
    pub by_service: Vec<DiversionCount>,
    /// The day's count per place people were sent (every target, zero included).
    pub by_target: Vec<TargetCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetCount {
    pub target: String,
    pub count: u32,
}

/// A day's diversions per target, every target listed.
pub async fn by_target(state: &Core, hall: &HallConfig, day: NaiveDate) -> AppResult<Vec<TargetCount>> {
    let counts = diversions::target_counts(&state.db, hall.id, day).await?;
    Ok(TARGETS
        .iter()
        .map(|t| TargetCount { target: (*t).into(), count: counts.get(*t).copied().unwrap_or(0) })
        .collect())
}

/// A day's diversions, for managers (and the reports to come).
pub async fn summary(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    day: Option<NaiveDate>,
) -> AppResult<DiversionSummary> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("diversion figures are for the hall's managers"));
    }
    let day = day.unwrap_or_else(|| business_date(state.clock.now(), hall.timezone));
    let counts = diversions::counts(&state.db, hall.id, day).await?;
    let by_service: Vec<DiversionCount> = counts
        .into_iter()
        .map(|((service, channel), count)| DiversionCount {
            service: hall.service_code(service).to_owned(),
            channel,
            count,
        })
        .collect();
    Ok(DiversionSummary {
        date: day,
        total: by_service.iter().map(|c| c.count).sum(),
        by_service,
        by_target: by_target(state, hall, day).await?,
    })
}
