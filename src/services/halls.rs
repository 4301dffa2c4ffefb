//! Hall configuration, cached briefly: it is read by every request and changes rarely.
use crate::domain::ids::HallId;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A hall in the public list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HallSummary {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub timezone: String,
}

/// Every hall, for `GET /api/v1/halls`.
pub async fn summaries(db: &DatabaseConnection) -> AppResult<Vec<HallSummary>> {
    Ok(persistence::halls::list(db)
        .await?
        .into_iter()
        .map(|h| HallSummary { code: h.code, name: h.name, name_en: h.name_en, timezone: h.timezone })
        .collect())
}

/// Long enough to take the database off the hot path, short enough that a change made by a
/// manager (or another server instance) shows up promptly.
const TTL: Duration = Duration::from_secs(10);

pub struct HallCache {
    db: DatabaseConnection,
    by_code: RwLock<HashMap<String, (Instant, Arc<HallConfig>)>>,
    /// Bumped by `invalidate`: a load that began before a change must not store what it read.
    generation: std::sync::atomic::AtomicU64,
}

impl HallCache {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, by_code: RwLock::new(HashMap::new()), generation: std::sync::atomic::AtomicU64::new(0) }
    }

    pub async fn get(&self, code: &str) -> AppResult<Arc<HallConfig>> {
        if let Some(config) = self.cached(|c| c.code == code) {
            return Ok(config);
        }
        let started = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let hall = persistence::halls::find_by_code(&self.db, code)
            .await?
            .ok_or_else(|| AppError::not_found(ErrorCode::HallNotFound, format!("there is no hall '{code}'")))?;
        self.load(hall, started).await
    }

    pub async fn get_by_id(&self, id: HallId) -> AppResult<Arc<HallConfig>> {
        if let Some(config) = self.cached(|c| c.id == id) {
            return Ok(config);
        }
        let started = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let hall = persistence::halls::find(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found(ErrorCode::HallNotFound, format!("there is no hall {id}")))?;
        self.load(hall, started).await
    }

    /// Forgets a hall after its configuration changed here, so the next read loads it again.
    /// (Other instances hear of the change from the database: `realtime::listener`.)
    pub fn invalidate(&self, code: &str) {
        self.forget(|c| c.code == code);
    }

    /// Forgets a hall whose configuration another instance changed.
    pub fn invalidate_id(&self, id: HallId) {
        self.forget(|c| c.id == id);
    }

    /// Forgets every hall (changes may have been missed).
    pub fn clear(&self) {
        self.forget(|_| true);
    }

    fn forget(&self, matches: impl Fn(&HallConfig) -> bool) {
        let mut map = self.by_code.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        map.retain(|_, (_, c)| !matches(c));
    }

    fn cached(&self, matches: impl Fn(&HallConfig) -> bool) -> Option<Arc<HallConfig>> {
        let map = self.by_code.read().unwrap_or_else(|p| p.into_inner());
        map.values().find(|(at, c)| at.elapsed() < TTL && matches(c)).map(|(_, c)| c.clone())
    }

    async fn load(&self, hall: entity::hall::Model, started: u64) -> AppResult<Arc<HallConfig>> {
        let config = Arc::new(persistence::halls::load_config(&self.db, hall).await?);
        let mut map = self.by_code.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(std::sync::atomic::Ordering::SeqCst) == started {
            map.insert(config.code.clone(), (Instant::now(), config.clone()));
        }
        Ok(config)
    }
}
