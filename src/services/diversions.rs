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

/// Where people were sent.
pub const TARGETS: [&str; 3] = ["online", "self_service", "other"];

#[derive(Debug, Serialize, ToSchema)]
pub struct DiversionView {
    pub id: i64,
    pub service: String,
    pub channel: String,
    pub target: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub async fn record(
    state: &Core,
    hall: &HallConfig,
    service: &str,
    channel: Channel,
    target: &str,
) -> AppResult<DiversionView> {
    let info = hall.service_by_code(service).ok_or_else(|| {
        AppError::bad_request(ErrorCode::UnknownService, format!("hall '{}' has no service '{service}'", hall.code))
    })?;
    if !TARGETS.contains(&target) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidTarget,
            format!("target '{target}' is not one of online, self_service, other"),
        ));
    }
    let now = state.clock.now();
    let day = business_date(now, hall.timezone);
    let id = diversions::insert(&state.db, hall.id, info.id, channel.as_str(), target, day, now).await?;
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
    Ok(DiversionSummary { date: day, total: by_service.iter().map(|c| c.count).sum(), by_service })
}
