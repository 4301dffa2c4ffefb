//! The limit on anonymous tickets: at most `limit` per client within `WINDOW`, counted in
//! memory per server instance. Staff sessions and registered kiosks never come here.
use crate::error::{AppError, AppResult};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

#[derive(Default)]
pub struct PublicLimiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl PublicLimiter {
    /// Counts one request for every key, or refuses (429 with Retry-After) if any key is at its
    /// limit; a refused request counts for none. `limit` 0 means no limit.
    pub fn check(&self, keys: &[(String, u32)], now: Instant) -> AppResult<()> {
        if keys.iter().any(|(_, limit)| *limit == 0) {
            return Ok(());
        }
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > PRUNE_AT {
            hits.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let mut wait = Duration::ZERO;
        for (key, limit) in keys {
            let times = hits.entry(key.clone()).or_default();
            while times.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                times.pop_front();
            }
            if times.len() >= *limit as usize {
                let oldest = times.front().copied().unwrap_or(now);
                wait = wait.max(WINDOW.saturating_sub(now.duration_since(oldest)));
            }
        }
        if wait > Duration::ZERO {
            let mut refusal = AppError::too_many_requests(wait.as_secs().max(1));
            refusal.message = format!(
                "too many tickets from this client; try again in {} s, or take one at the kiosk in the hall",
                wait.as_secs().max(1)
            );
            return Err(refusal);
        }
        for (key, _) in keys {
            hits.entry(key.clone()).or_default().push_back(now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_refuses_until_the_oldest_request_leaves_the_window() {
        let limiter = PublicLimiter::default();
        let start = Instant::now();
        let keys = [("ip:1".to_owned(), 2)];
        assert!(limiter.check(&keys, start).is_ok());
        assert!(limiter.check(&keys, start + Duration::from_secs(60)).is_ok());
        let refused = limiter.check(&keys, start + Duration::from_secs(120)).expect_err("third is refused");
        assert_eq!(refused.retry_after_seconds, Some(480));
        assert!(limiter.check(&keys, start + WINDOW).is_ok(), "the first has left the window");
    }

    #[test]
    fn a_refusal_counts_for_no_key_and_zero_means_unlimited() {
        let limiter = PublicLimiter::default();
        let now = Instant::now();
        let phone = ("phone:a".to_owned(), 1);
        let address = ("ip:1".to_owned(), 10);
        assert!(limiter.check(&[phone.clone(), address.clone()], now).is_ok());
        assert!(limiter.check(&[phone, address.clone()], now).is_err());
        // The refused request did not use up the address's allowance.
        let other_phone = ("phone:b".to_owned(), 1);
        for _ in 0..9 {
            assert!(limiter.check(&[("phone:x".to_owned(), 100), address.clone()], now).is_ok());
        }
        assert!(limiter.check(&[other_phone, address], now).is_err(), "the address is now full");
        for _ in 0..100 {
            assert!(limiter.check(&[("ip:2".to_owned(), 0)], now).is_ok());
        }
    }
}
