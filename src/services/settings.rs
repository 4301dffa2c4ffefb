//! A hall's settings, as its managers change them.
use super::auth::Actor;
use crate::domain::settings::HallSettings;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence;
use crate::persistence::halls::HallConfig;

/// Checks the settings against the hall's services, stores them and drops this instance's
/// cached copy at once (other instances pick them up within the cache's lifetime); screens hear `hall_configured`.
pub async fn update(
    state: &crate::state::Core,
    actor: &Actor,
    hall: &HallConfig,
    settings: HallSettings,
) -> AppResult<HallSettings> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may change its settings"));
    }
    let codes: Vec<&str> = hall.services.iter().map(|s| s.code.as_str()).collect();
    settings.validate(&codes).map_err(|problem| AppError::bad_request(ErrorCode::InvalidSettings, problem))?;
    let write = super::hall_write::HallWrite::begin(state, hall).await?;
    persistence::halls::set_settings(write.txn()?, hall.id, &settings).await?;
    let (before, after) = (serde_json::to_value(&hall.settings).ok(), serde_json::to_value(&settings).ok());
    let target = format!("hall:{}", hall.code);
    super::audit::record(write.txn()?, actor, Some(hall.id), "settings.updated", &target, before, after, write.now)
        .await?;
    super::setup::announce(state, write, actor, hall, "settings").await?;
    tracing::info!(hall = %hall.code, by = %actor.username, "hall settings changed");
    Ok(settings)
}
