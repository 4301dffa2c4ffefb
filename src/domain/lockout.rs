//! The sign-in throttle's rule, free of clocks and locks: each account and each client address
//! has a count of recent wrong passwords. An account locks after a few, for a time that doubles
//! with each further failure; an address (a whole hall may sit behind one NAT) only after many.
//! Tries still being checked count against the limit too, so parallel tries cannot slip past
//! it; but only a wrong password locks. A right password clears its own account, nothing else.
//!
//! Times are `Moment`s, wall-clock time since the Unix epoch, so records can be kept in a
//! database that several server instances share (`services::auth`).
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// Wall-clock time since the Unix epoch.
pub type Moment = Duration;

/// Failures are forgotten this long after the last one.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// The first lock of an account; each further failure doubles it, up to `MAX_LOCK`.
pub const FIRST_LOCK: Duration = Duration::from_secs(30);
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// An address may fail this many times as many as one account before it is slowed down.
pub const ADDRESS_FACTOR: u32 = 10;
/// The wait told to a try refused only because enough others are still being checked.
pub const BUSY_WAIT: Duration = Duration::from_secs(1);

/// One account's or one address's recent history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    failures: u32,
    /// Tries let through and not yet finished.
    in_flight: u32,
    last: Moment,
    locked_until: Option<Moment>,
}

impl Record {
    /// Until when the record matters; after that it may be dropped.
    pub fn keep_until(&self) -> Moment {
        (self.last + FORGET_AFTER).max(self.locked_until.unwrap_or_default())
    }

    fn new(now: Moment) -> Self {
        Self { failures: 0, in_flight: 0, last: now, locked_until: None }
    }
}

#[derive(Debug, Default)]
pub struct Lockout {
    accounts: HashMap<String, Record>,
    addresses: HashMap<String, Record>,
}

/// A try that was let through; finish it with `finish`.
#[derive(Debug)]
#[must_use = "finish the attempt with its outcome"]
pub struct Attempt {
    account: String,
    address: String,
}

impl Attempt {
    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Right,
    Wrong,
    /// Not checked (the database failed): counts neither way.
    Unknown,
}

impl Lockout {
    /// A lockout holding just these records (loaded from a shared store).
    pub fn with_records(account: (&str, Option<Record>), address: (&str, Option<Record>)) -> Self {
        let mut lockout = Self::default();
        if let Some(record) = account.1 {
            lockout.accounts.insert(account.0.to_owned(), record);
        }
        if let Some(record) = address.1 {
            lockout.addresses.insert(address.0.to_owned(), record);
        }
        lockout
    }

    /// The records of an account and an address (to store them back).
    pub fn records(&self, account: &str, address: &str) -> (Option<Record>, Option<Record>) {
        (self.accounts.get(account).copied(), self.addresses.get(address).copied())
    }

    /// Lets a try for `account` from `address` through, or says how long to wait.
    pub fn begin(&mut self, account: &str, address: &str, max_failures: u32, now: Moment) -> Result<Attempt, Duration> {
        let address_max = max_failures.saturating_mul(ADDRESS_FACTOR);
        let wait_account = wait(self.accounts.get(account), max_failures, now);
        let wait_address = wait(self.addresses.get(address), address_max, now);
        if let Some(longest) = wait_account.into_iter().chain(wait_address).max() {
            return Err(longest);
        }
        for (map, key) in [(&mut self.accounts, account), (&mut self.addresses, address)] {
            let record = fresh(map, key, now);
            record.in_flight += 1;
        }
        Ok(Attempt { account: account.to_owned(), address: address.to_owned() })
    }

    pub fn finish(&mut self, attempt: Attempt, outcome: Outcome, max_failures: u32, now: Moment) {
        let address_max = max_failures.saturating_mul(ADDRESS_FACTOR);
        for (map, key, max) in
            [(&mut self.accounts, &attempt.account, max_failures), (&mut self.addresses, &attempt.address, address_max)]
        {
            let record = fresh(map, key, now);
            record.in_flight = record.in_flight.saturating_sub(1);
            if outcome == Outcome::Wrong {
                record.failures += 1;
                if record.failures >= max {
                    record.locked_until = Some(now + lock_for(record.failures - max));
                }
            }
        }
        if outcome == Outcome::Right {
            // The right password proves the account; its count starts afresh.
            if let Some(record) = self.accounts.get_mut(&attempt.account) {
                record.failures = 0;
                record.locked_until = None;
            }
        }
    }

    /// Drops records nobody needs any more (called now and then).
    pub fn forget_old(&mut self, now: Moment) {
        let keep = |r: &mut Record| {
            r.in_flight > 0 || now.saturating_sub(r.last) < FORGET_AFTER || r.locked_until.is_some_and(|u| u > now)
        };
        self.accounts.retain(|_, r| keep(r));
        self.addresses.retain(|_, r| keep(r));
    }
}

/// How long a try must wait: the lock, or a moment while the tries being checked fill the limit.
fn wait(record: Option<&Record>, max: u32, now: Moment) -> Option<Duration> {
    let record = record?;
    if let Some(until) = record.locked_until.filter(|until| *until > now) {
        return Some(until - now);
    }
    let failures = if now.saturating_sub(record.last) >= FORGET_AFTER { 0 } else { record.failures };
    // Past a lock, one try at a time; before it, the failures and the tries in flight fill it.
    let full = if failures >= max { record.in_flight > 0 } else { failures + record.in_flight >= max };
    full.then_some(BUSY_WAIT)
}

/// The record of `key`, its failures forgotten if the last was long ago.
fn fresh<'a>(map: &'a mut HashMap<String, Record>, key: &str, now: Moment) -> &'a mut Record {
    let record = map.entry(key.to_owned()).or_insert_with(|| Record::new(now));
    if now.saturating_sub(record.last) >= FORGET_AFTER && record.in_flight == 0 {
        *record = Record::new(now);
    }
    record.last = now;
    record
}

/// 30 s, 60 s, 2 min, … up to 15 min for each failure past the limit.
fn lock_for(past_limit: u32) -> Duration {
    FIRST_LOCK.saturating_mul(2u32.saturating_pow(past_limit.min(16))).min(MAX_LOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(lockout: &mut Lockout, account: &str, address: &str, now: Moment) -> Result<(), Duration> {
        let attempt = lockout.begin(account, address, 5, now)?;
        lockout.finish(attempt, Outcome::Wrong, 5, now);
        Ok(())
    }

    #[test]
    fn an_account_locks_after_the_limit_and_the_lock_grows() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        for _ in 0..5 {
            fail(&mut lockout, "window1", "10.0.0.1", now).expect("let through");
        }
        assert_eq!(fail(&mut lockout, "window1", "10.0.0.2", now), Err(FIRST_LOCK));
        // After the lock, one more failure locks it for twice as long.
        let later = now + FIRST_LOCK;
        fail(&mut lockout, "window1", "10.0.0.1", later).expect("lock over");
        assert_eq!(fail(&mut lockout, "window1", "10.0.0.1", later), Err(FIRST_LOCK * 2));
    }

    #[test]
    fn parallel_tries_are_held_to_the_limit_and_only_wrong_ones_lock() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        let let_through: Vec<Attempt> =
            (0..100).filter_map(|_| lockout.begin("admin", "10.0.0.1", 5, now).ok()).collect();
        assert_eq!(let_through.len(), 5);
        assert_eq!(lockout.begin("admin", "10.0.0.1", 5, now).err(), Some(BUSY_WAIT));
        for attempt in let_through {
            lockout.finish(attempt, Outcome::Wrong, 5, now);
        }
        assert_eq!(lockout.begin("admin", "10.0.0.1", 5, now).err(), Some(FIRST_LOCK));
    }

    #[test]
    fn many_right_passwords_at_once_lock_nothing() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        for _ in 0..20 {
            let batch: Vec<Attempt> =
                (0..5).map(|_| lockout.begin("window1", "10.0.0.1", 5, now).expect("room")).collect();
            for attempt in batch {
                lockout.finish(attempt, Outcome::Right, 5, now);
            }
        }
        assert!(lockout.begin("window1", "10.0.0.1", 5, now).is_ok());
    }

    #[test]
    fn an_unchecked_try_counts_neither_way() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        for _ in 0..20 {
            let attempt = lockout.begin("window1", "10.0.0.1", 5, now).expect("room");
            lockout.finish(attempt, Outcome::Unknown, 5, now);
        }
        assert!(lockout.begin("window1", "10.0.0.1", 5, now).is_ok());
    }

    #[test]
    fn a_success_clears_only_its_own_account() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        for _ in 0..4 {
            fail(&mut lockout, "admin", "10.0.0.1", now).expect("let through");
        }
        let mine = lockout.begin("window1", "10.0.0.1", 5, now).expect("let through");
        lockout.finish(mine, Outcome::Right, 5, now);
        fail(&mut lockout, "admin", "10.0.0.1", now).expect("fifth try");
        assert!(lockout.begin("admin", "10.0.0.1", 5, now).is_err(), "admin's failures were not cleared");
        // The real window1 user is not caught by admin's lock.
        assert!(lockout.begin("window1", "10.0.0.1", 5, now).is_ok());
    }

    #[test]
    fn an_address_is_slowed_only_after_many_accounts_fail() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        for i in 0..50 {
            fail(&mut lockout, &format!("user{i}"), "10.0.0.9", now).expect("let through");
        }
        assert!(lockout.begin("user50", "10.0.0.9", 5, now).is_err());
        assert!(lockout.begin("user50", "10.0.0.10", 5, now).is_ok(), "another address is unaffected");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let mut lockout = Lockout::default();
        let now = Duration::from_secs(1_800_000_000);
        for _ in 0..4 {
            fail(&mut lockout, "admin", "10.0.0.1", now).expect("let through");
        }
        let later = now + FORGET_AFTER;
        lockout.forget_old(later);
        for _ in 0..4 {
            fail(&mut lockout, "admin", "10.0.0.1", later).expect("a fresh count");
        }
    }

    #[test]
    fn locks_never_pass_the_maximum() {
        assert_eq!(lock_for(0), FIRST_LOCK);
        assert_eq!(lock_for(100), MAX_LOCK);
    }
}
