//! The sign-in throttle's rule, free of clocks and locks: each account and each client address
//! has a count of recent wrong passwords. An account locks after a few, for a time that doubles
//! with each further failure; an address (a whole hall may sit behind one NAT) only after many.
//! A try is counted *before* the password is checked, so parallel tries cannot slip past the
//! limit; a correct password takes its own try back and clears its account, nothing else.
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Failures are forgotten this long after the last one.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// The first lock of an account; each further failure doubles it, up to `MAX_LOCK`.
pub const FIRST_LOCK: Duration = Duration::from_secs(30);
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// An address may fail this many times as many as one account before it is slowed down.
pub const ADDRESS_FACTOR: u32 = 10;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Lockout {
    accounts: HashMap<String, Record>,
    addresses: HashMap<String, Record>,
}

/// A try that was let through; hand it back with `succeeded` or leave it counted.
#[derive(Debug)]
pub struct Attempt {
    account: String,
    address: String,
}

impl Lockout {
    /// Counts a try for `account` from `address`, or says how long to wait.
    pub fn begin(
        &mut self,
        account: &str,
        address: &str,
        max_failures: u32,
        now: Instant,
    ) -> Result<Attempt, Duration> {
        let address_max = max_failures.saturating_mul(ADDRESS_FACTOR);
        let wait_account = wait(self.accounts.get(account), now);
        let wait_address = wait(self.addresses.get(address), now);
        if let Some(longest) = wait_account.into_iter().chain(wait_address).max() {
            return Err(longest);
        }
        count(&mut self.accounts, account, max_failures, now);
        count(&mut self.addresses, address, address_max, now);
        Ok(Attempt { account: account.to_owned(), address: address.to_owned() })
    }

    /// The password was right: the account starts afresh and the address gets its try back.
    pub fn succeeded(&mut self, attempt: Attempt) {
        self.accounts.remove(&attempt.account);
        if let Some(record) = self.addresses.get_mut(&attempt.address) {
            record.failures = record.failures.saturating_sub(1);
        }
    }

    /// Drops records nobody needs any more (called now and then).
    pub fn forget_old(&mut self, now: Instant) {
        let fresh = |r: &mut Record| {
            now.saturating_duration_since(r.last) < FORGET_AFTER || r.locked_until.is_some_and(|u| u > now)
        };
        self.accounts.retain(|_, r| fresh(r));
        self.addresses.retain(|_, r| fresh(r));
    }
}

fn wait(record: Option<&Record>, now: Instant) -> Option<Duration> {
    record.and_then(|r| r.locked_until).filter(|until| *until > now).map(|until| until - now)
}

fn count(map: &mut HashMap<String, Record>, key: &str, max: u32, now: Instant) {
    let record = map.entry(key.to_owned()).or_insert(Record { failures: 0, last: now, locked_until: None });
    if now.saturating_duration_since(record.last) >= FORGET_AFTER {
        *record = Record { failures: 0, last: now, locked_until: None };
    }
    record.failures += 1;
    record.last = now;
    if record.failures >= max {
        record.locked_until = Some(now + lock_for(record.failures - max));
    }
}

/// 30 s, 60 s, 2 min, … up to 15 min for each failure past the limit.
fn lock_for(past_limit: u32) -> Duration {
    FIRST_LOCK.saturating_mul(2u32.saturating_pow(past_limit.min(16))).min(MAX_LOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_locks_after_the_limit_and_the_lock_grows() {
        let mut lockout = Lockout::default();
        let now = Instant::now();
        for _ in 0..5 {
            lockout.begin("window1", "10.0.0.1", 5, now).expect("let through");
        }
        let wait = lockout.begin("window1", "10.0.0.2", 5, now).expect_err("locked");
        assert_eq!(wait, FIRST_LOCK);
        // After the lock, one more failure locks it for twice as long.
        let later = now + FIRST_LOCK;
        lockout.begin("window1", "10.0.0.1", 5, later).expect("lock over");
        assert_eq!(lockout.begin("window1", "10.0.0.1", 5, later).expect_err("locked"), FIRST_LOCK * 2);
    }

    #[test]
    fn parallel_tries_are_counted_before_they_are_checked() {
        let mut lockout = Lockout::default();
        let now = Instant::now();
        let let_through = (0..100).filter(|_| lockout.begin("admin", "10.0.0.1", 5, now).is_ok()).count();
        assert_eq!(let_through, 5);
    }

    #[test]
    fn a_success_clears_only_its_own_account() {
        let mut lockout = Lockout::default();
        let now = Instant::now();
        for _ in 0..4 {
            lockout.begin("admin", "10.0.0.1", 5, now).expect("let through");
        }
        let mine = lockout.begin("window1", "10.0.0.1", 5, now).expect("let through");
        lockout.succeeded(mine);
        lockout.begin("admin", "10.0.0.1", 5, now).expect("fifth try");
        assert!(lockout.begin("admin", "10.0.0.1", 5, now).is_err(), "admin's failures were not cleared");
        // The real window1 user is not caught by admin's lock.
        assert!(lockout.begin("window1", "10.0.0.1", 5, now).is_ok());
    }

    #[test]
    fn an_address_is_slowed_only_after_many_accounts_fail() {
        let mut lockout = Lockout::default();
        let now = Instant::now();
        for i in 0..49 {
            lockout.begin(&format!("user{i}"), "10.0.0.9", 5, now).expect("let through");
        }
        lockout.begin("user49", "10.0.0.9", 5, now).expect("fiftieth");
        assert!(lockout.begin("user50", "10.0.0.9", 5, now).is_err());
        assert!(lockout.begin("user50", "10.0.0.10", 5, now).is_ok(), "another address is unaffected");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let mut lockout = Lockout::default();
        let now = Instant::now();
        for _ in 0..4 {
            lockout.begin("admin", "10.0.0.1", 5, now).expect("let through");
        }
        let later = now + FORGET_AFTER;
        lockout.forget_old(later);
        for _ in 0..5 {
            lockout.begin("admin", "10.0.0.1", 5, later).expect("a fresh count");
        }
    }

    #[test]
    fn locks_never_pass_the_maximum() {
        assert_eq!(lock_for(0), FIRST_LOCK);
        assert_eq!(lock_for(100), MAX_LOCK);
    }
}
