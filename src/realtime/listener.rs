//! PostgreSQL only: listens for `hallq_events`, which the event log's trigger sends on every
//! commit that appends events (migration `m20261127_000012_instances`). The payload is
//! `hall:seq` (the newest seq of that hall in the commit), with `:configured` when the hall's
//! configuration changed. The hub then reads the events it lacks from the log; a configuration
//! change also drops this instance's cached copy of the hall.
//!
//! A lost connection is opened again (sqlx's listener re-subscribes before it reports the
//! loss), and then every followed hall's log is read, so events committed meanwhile still
//! arrive in order. While the database cannot be reached, it retries every second.
use super::hub::Hub;
use crate::domain::ids::HallId;
use crate::metrics::Metrics;
use crate::services::halls::HallCache;
use crate::services::views::EstimateCache;
use sea_orm::sqlx::postgres::PgListener;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub const CHANNEL: &str = "hallq_events";
const RETRY: Duration = Duration::from_secs(1);

/// What a notification says.
#[derive(Debug, PartialEq, Eq)]
pub struct Notice {
    pub hall: HallId,
    pub seq: i64,
    pub configured: bool,
}

impl Notice {
    pub fn parse(payload: &str) -> Option<Self> {
        let mut parts = payload.split(':');
        let hall = HallId(parts.next()?.parse().ok()?);
        let seq = parts.next()?.parse().ok()?;
        let configured = match parts.next() {
            None => false,
            Some("configured") => true,
            Some(_) => return None,
        };
        parts.next().is_none().then_some(Self { hall, seq, configured })
    }
}

/// Whom a notification concerns.
pub struct Listeners {
    pub hub: Hub,
    pub halls: Arc<HallCache>,
    pub estimates: Arc<EstimateCache>,
    pub metrics: Arc<Metrics>,
}

/// Starts listening on its own connection (not one of the pool's).
pub fn start(url: String, to: Listeners) {
    tokio::spawn(async move {
        let mut first = true;
        loop {
            match PgListener::connect(&url).await {
                Ok(listener) => listen(listener, &to, &mut first).await,
                Err(err) => tracing::warn!(%err, "cannot open the notification connection; retrying"),
            }
            tokio::time::sleep(RETRY).await;
        }
    });
}

/// Runs until the connection fails.
async fn listen(mut listener: PgListener, to: &Listeners, first: &mut bool) {
    if let Err(err) = listener.listen(CHANNEL).await {
        tracing::warn!(%err, "cannot LISTEN; retrying");
        return;
    }
    // At start nothing was missed but the moment before listening, which the hub's own
    // start-up read and the cache's 10 s cover; keeping the cache lets screens that connect
    // during an outage still get their hall.
    if !std::mem::take(first) {
        reconnected(to);
    }
    to.metrics.listener_connects.fetch_add(1, Ordering::Relaxed);
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                to.metrics.notifications.fetch_add(1, Ordering::Relaxed);
                match Notice::parse(notification.payload()) {
                    Some(notice) => {
                        if notice.configured {
                            to.halls.invalidate_id(notice.hall);
                            to.estimates.clear();
                        }
                        to.hub.notified(notice.hall, notice.seq);
                    }
                    None => tracing::warn!(payload = notification.payload(), "a notification hallq cannot read"),
                }
            }
            // The connection was lost and has been opened and subscribed again.
            Ok(None) => {
                tracing::warn!("the notification connection was lost and is back; reading the logs");
                to.metrics.listener_connects.fetch_add(1, Ordering::Relaxed);
                reconnected(to);
            }
            // Started afresh (a new connection, then a resync) rather than trusting the
            // listener's own reconnection, which reports no loss after an error.
            Err(err) => {
                tracing::warn!(%err, "the notification connection failed; opening another");
                return;
            }
        }
    }
}

/// Listening again: whatever was committed while nobody listened is read from the log, and
/// the cached configuration of every hall is read afresh.
fn reconnected(to: &Listeners) {
    to.hub.resync();
    to.halls.clear();
    to.estimates.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_read_and_anything_else_is_refused() {
        assert_eq!(Notice::parse("3:41"), Some(Notice { hall: HallId(3), seq: 41, configured: false }));
        assert_eq!(Notice::parse("3:42:configured"), Some(Notice { hall: HallId(3), seq: 42, configured: true }));
        for bad in ["", "3", "x:1", "3:y", "3:4:other", "3:4:configured:more"] {
            assert_eq!(Notice::parse(bad), None, "{bad}");
        }
    }
}
