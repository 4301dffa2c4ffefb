//! Every minute: tickets still queued from an earlier business day are void (a ticket is good
//! for the day it was taken) and are cancelled with an event, so counters, displays and phones
//! agree; phone numbers given for remote tickets are forgotten once their day is over; expired
//! login sessions and throttle records are deleted; bookings whose check-in closed become no-shows and old bookings'
//! names and numbers are erased.
use crate::domain::events::EventBody;
use crate::domain::ids::HallId;
use crate::domain::numbering::business_date;
use crate::error::AppResult;
use crate::persistence::{self, tickets};
use crate::services::hall_write::HallWrite;
use crate::services::views::public_ticket;
use crate::state::Core;
use entity::auth_session;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60);
/// Tickets cancelled per transaction, so a huge backlog never holds the hall lock for long.
const BATCH: u64 = 200;

pub fn start(state: Core) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            super::take_turn(&state, super::Job::Housekeeping, run_once(&state)).await;
        }
    });
}

#[tracing::instrument(skip_all)]
pub async fn run_once(state: &Core) -> AppResult<u64> {
    let now = state.clock.now();
    auth_session::Entity::delete_many().filter(auth_session::Column::ExpiresAt.lt(now)).exec(&state.db).await?;
    // Throttles count in wall-clock time, not the hall clock.
    let wall = crate::services::limits::moment_to_utc(crate::services::limits::moment_now());
    persistence::throttles::delete_expired(&state.db, wall).await?;
    let mut expired = 0;
    for hall in persistence::halls::list(&state.db).await? {
        let config = state.halls.get(&hall.code).await?;
        let today = business_date(now, config.timezone);
        loop {
            let ids = tickets::stale_queued(&state.db, HallId(hall.id), today, BATCH).await?;
            if ids.is_empty() {
                break;
            }
            let mut write = HallWrite::begin(state, &config).await?;
            for id in ids {
                // Read again under the hall lock: it may have been cancelled meanwhile.
                let Some(before) = tickets::find(write.txn()?, crate::domain::ids::TicketId(id)).await? else {
                    continue;
                };
                let mut life = before.life();
                let Ok(outcome) = life.expire(write.now) else { continue };
                let row = before.with_life(life);
                if tickets::update(write.txn()?, &before, &row).await? {
                    let body = EventBody::Ticket { ticket: public_ticket(&config, &row), transfer_to: None };
                    write.emit(outcome.event(), body, None).await?;
                    expired += 1;
                }
            }
            write.commit(state).await?;
        }
        crate::services::appointments::housekeeping(state, &config).await?;
        let purged = tickets::purge_phones_before(&state.db, config.id, today).await?;
        if purged > 0 {
            tracing::info!(hall = %hall.code, purged, "phone numbers of earlier days purged");
        }
    }
    if expired > 0 {
        tracing::info!(expired, "cancelled tickets left from earlier business days");
    }
    Ok(expired)
}
