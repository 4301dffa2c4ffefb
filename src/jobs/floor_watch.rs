//! Every few seconds: each hall's queues against their alert thresholds (waits grow by
//! themselves, so this cannot wait for an event). Raising and clearing are events on the hall
//! stream; see `services::floor_watch::watch`.
use crate::error::AppResult;
use crate::persistence;
use crate::state::Core;
use std::time::Duration;

pub const EVERY: Duration = Duration::from_secs(5);

pub fn start(state: Core) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            super::take_turn(&state, super::Job::FloorWatch, run_once(&state)).await;
        }
    });
}

pub async fn run_once(state: &Core) -> AppResult<u32> {
    let mut changes = 0;
    for hall in persistence::halls::list(&state.db).await? {
        let config = state.halls.get(&hall.code).await?;
        changes += crate::services::floor_watch::watch(state, &config).await?;
    }
    Ok(changes)
}
