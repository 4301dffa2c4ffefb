//! The limit on anonymous tickets: at most `limit` per client within `WINDOW`. Staff sessions
//! and registered kiosks never come here. One instance (SQLite) counts in memory; instances
//! sharing a PostgreSQL database count in it (`persistence::throttles`), so the limit holds
//! whichever instance a client reaches.
use crate::domain::lockout::Moment;
use crate::error::{AppError, AppResult};
use crate::persistence;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Many phones share a hall's Wi-Fi address, so an address gets this many times the limit of
/// one phone (a client without a phone cookie gets the plain limit).
pub const SHARED_ADDRESS_FACTOR: u32 = 10;
/// Remote (`mobile`) tickets one address may take per window, as a multiple of the limit: a
/// source minting fresh phone cookies cannot fill the hall's cap on remote tickets.
pub const REMOTE_ADDRESS_FACTOR: u32 = 5;
/// Fresh phone cookies one address may be given per window, as a multiple of the limit.
pub const COOKIE_MINT_FACTOR: u32 = 10;
/// Above this many tracked clients, forget those with nothing in the window.
const PRUNE_AT: usize = 10_000;

/// The wall clock as the throttles count it: shared by every instance (they keep their clocks
/// in step), unlike `Instant`.
pub fn moment_now() -> Moment {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
}

pub fn moment_to_utc(moment: Moment) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(moment.as_millis()).unwrap_or(i64::MAX)).unwrap_or_default()
}

pub struct PublicLimiter {
    local: Mutex<HashMap<String, VecDeque<Moment>>>,
    /// Set when instances share a PostgreSQL database.
    shared: Option<DatabaseConnection>,
}

impl PublicLimiter {
    /// Counts in this process only.
    pub fn local() -> Self {
        Self { local: Mutex::default(), shared: None }
    }

    /// Counts in the database, for every instance using it.
    pub fn shared(db: DatabaseConnection) -> Self {
        Self { local: Mutex::default(), shared: Some(db) }
    }

    /// Counts one request for every key, or refuses (429 with Retry-After) if any key is at its
    /// limit; a refused request counts for none. `limit` 0 means no limit.
    pub async fn check(&self, keys: &[(String, u32)]) -> AppResult<()> {
        if unlimited(keys) {
            return Ok(());
        }
        let now = moment_now();
        let verdict = match &self.shared {
            None => {
                let mut hits = self.local.lock().unwrap_or_else(|p| p.into_inner());
                if hits.len() > PRUNE_AT {
                    hits.retain(|_, times| times.back().is_some_and(|t| now.saturating_sub(*t) < WINDOW));
                }
                admit(&mut hits, keys, now)
            }
            Some(db) => {
                let names: Vec<String> = keys.iter().map(|(key, _)| format!("hits:{key}")).collect();
                persistence::throttles::update(db, &names, |states| {
                    let mut hits: HashMap<String, VecDeque<Moment>> = keys
                        .iter()
                        .zip(states)
                        .map(|((key, _), state)| {
                            let times = state.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
                            (key.clone(), times)
                        })
                        .collect();
                    let verdict = admit(&mut hits, keys, now);
                    let stored = keys
                        .iter()
                        .map(|(key, _)| {
                            let times = hits.get(key).filter(|t| !t.is_empty())?;
                            let until = moment_to_utc(*times.back()? + WINDOW);
                            Some((serde_json::to_string(times).ok()?, until))
                        })
                        .collect();
                    (verdict, stored)
                })
                .await?
            }
        };
        verdict.map_err(|wait| {
            let mut refusal = AppError::too_many_requests(wait.as_secs().max(1));
            refusal.message = format!(
                "too many tickets from this client; try again in {} s, or take one at the kiosk in the hall",
                wait.as_secs().max(1)
            );
            refusal
        })
    }
}

/// A limit of 0 turns limiting off (load tests).
fn unlimited(keys: &[(String, u32)]) -> bool {
    keys.iter().any(|(_, limit)| *limit == 0)
}

/// The rule: each key's requests in the last `WINDOW`, at most its limit. Counts the request
/// for every key, or none and says how long until the fullest key has room.
fn admit(hits: &mut HashMap<String, VecDeque<Moment>>, keys: &[(String, u32)], now: Moment) -> Result<(), Duration> {
    if unlimited(keys) {
        return Ok(());
    }
    let mut wait = Duration::ZERO;
    for (key, limit) in keys {
        let times = hits.entry(key.clone()).or_default();
        while times.front().is_some_and(|t| now.saturating_sub(*t) >= WINDOW) {
            times.pop_front();
        }
        if times.len() >= *limit as usize {
            let oldest = times.front().copied().unwrap_or(now);
            wait = wait.max(WINDOW.saturating_sub(now.saturating_sub(oldest)));
        }
    }
    if wait > Duration::ZERO {
        return Err(wait);
    }
    for (key, _) in keys {
        hits.entry(key.clone()).or_default().push_back(now);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use admit as check;

    #[test]
    fn the_limit_refuses_until_the_oldest_request_leaves_the_window() {
        let mut hits = HashMap::new();
        let start = Duration::from_secs(1_800_000_000);
        let keys = [("ip:1".to_owned(), 2)];
        assert!(check(&mut hits, &keys, start).is_ok());
        assert!(check(&mut hits, &keys, start + Duration::from_secs(60)).is_ok());
        let refused = check(&mut hits, &keys, start + Duration::from_secs(120)).expect_err("third is refused");
        assert_eq!(refused, Duration::from_secs(480));
        assert!(check(&mut hits, &keys, start + WINDOW).is_ok(), "the first has left the window");
    }

    #[test]
    fn a_refusal_counts_for_no_key_and_zero_means_unlimited() {
        let mut hits = HashMap::new();
        let now = Duration::from_secs(1_800_000_000);
        let phone = ("phone:a".to_owned(), 1);
        let address = ("ip:1".to_owned(), 10);
        assert!(check(&mut hits, &[phone.clone(), address.clone()], now).is_ok());
        assert!(check(&mut hits, &[phone, address.clone()], now).is_err());
        // The refused request did not use up the address's allowance.
        let other_phone = ("phone:b".to_owned(), 1);
        for _ in 0..9 {
            assert!(check(&mut hits, &[("phone:x".to_owned(), 100), address.clone()], now).is_ok());
        }
        assert!(check(&mut hits, &[other_phone, address], now).is_err(), "the address is now full");
        for _ in 0..100 {
            assert!(check(&mut hits, &[("ip:2".to_owned(), 0)], now).is_ok());
        }
    }

    #[test]
    fn moments_turn_into_utc_times() {
        let moment = Duration::from_millis(1_795_000_000_123);
        assert_eq!(moment_to_utc(moment).timestamp_millis(), 1_795_000_000_123);
    }
}
