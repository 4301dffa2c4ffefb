//! Wait estimates (formula in `docs/wait-estimate.md`):
//!
//! `estimated_wait = ceil(ahead × mean_handling ÷ max(open_windows, 1))`
//!
//! where `mean_handling` is the mean handling time (start → finish) of the service's most recent
//! finished tickets today once there are at least `MIN_HISTORY` of them, and the service's
//! configured typical handling time until then.
use chrono::Duration;

/// Finished tickets needed before history replaces the configured typical time.
pub const MIN_HISTORY: usize = 5;
/// How many recent finished tickets the mean looks at.
pub const HISTORY_WINDOW: usize = 20;

pub fn mean_handling(recent: &[Duration], typical: Duration) -> Duration {
    if recent.len() < MIN_HISTORY {
        return typical;
    }
    let total: i64 = recent.iter().map(Duration::num_seconds).sum();
    Duration::seconds(total / recent.len() as i64)
}

pub fn estimated_wait_minutes(ahead: u32, mean_handling: Duration, open_windows: u32) -> u32 {
    let seconds = i64::from(ahead) * mean_handling.num_seconds().max(0);
    let per_window = seconds / i64::from(open_windows.max(1));
    u32::try_from((per_window + 59) / 60).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_ahead_means_no_wait() {
        assert_eq!(estimated_wait_minutes(0, Duration::minutes(8), 3), 0);
    }

    #[test]
    fn the_typical_time_is_used_until_enough_history() {
        let typical = Duration::minutes(8);
        let few = vec![Duration::minutes(2); MIN_HISTORY - 1];
        assert_eq!(mean_handling(&few, typical), typical);
        let enough = vec![Duration::minutes(2); MIN_HISTORY];
        assert_eq!(mean_handling(&enough, typical), Duration::minutes(2));
    }

    #[test]
    fn more_open_windows_shorten_the_wait_and_zero_windows_count_as_one() {
        assert_eq!(estimated_wait_minutes(6, Duration::minutes(5), 1), 30);
        assert_eq!(estimated_wait_minutes(6, Duration::minutes(5), 3), 10);
        assert_eq!(estimated_wait_minutes(6, Duration::minutes(5), 0), 30);
    }

    #[test]
    fn partial_minutes_round_up() {
        assert_eq!(estimated_wait_minutes(1, Duration::seconds(61), 1), 2);
        assert_eq!(estimated_wait_minutes(1, Duration::seconds(30), 2), 1);
    }
}
