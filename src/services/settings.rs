//! A hall's settings, as its managers change them.
use super::auth::Actor;
use super::halls::HallCache;
use crate::domain::settings::HallSettings;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use sea_orm::DatabaseConnection;

/// Checks the settings against the hall's services, stores them and drops this instance's
/// cached copy at once (other instances pick them up within the cache's lifetime).
pub async fn update(
    db: &DatabaseConnection,
    halls: &HallCache,
    actor: &Actor,
    hall: &HallConfig,
    settings: HallSettings,
) -> AppResult<HallSettings> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may change its settings"));
    }
    let codes: Vec<&str> = hall.services.iter().map(|s| s.code.as_str()).collect();
    settings.validate(&codes).map_err(|problem| AppError::bad_request(ErrorCode::InvalidSettings, problem))?;
    persistence::halls::set_settings(db, hall.id, &settings).await?;
    halls.invalidate(&hall.code);
    tracing::info!(hall = %hall.code, by = %actor.username, "hall settings changed");
    Ok(settings)
}
