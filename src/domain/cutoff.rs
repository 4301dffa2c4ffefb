//! Cut-off near closing: a hall stops issuing a service when a new ticket could not be served
//! before the period ends (closing, or the lunch break), and optionally a fixed time before.
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutoffRule {
    /// The estimated finish must fall this long before the close.
    pub margin: Duration,
    /// Stop this long before the close whatever the estimate says.
    pub fixed_before_close: Option<Duration>,
}

/// Whether a ticket taken at `now` may still be issued: its estimated finish (the wait plus one
/// handling time) must fall before `closes_at − margin`, and `now` before the fixed stop.
pub fn may_issue(
    now: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    estimated_wait: Duration,
    handling: Duration,
    rule: CutoffRule,
) -> bool {
    if rule.fixed_before_close.is_some_and(|before| now >= closes_at - before) {
        return false;
    }
    now + estimated_wait + handling <= closes_at - rule.margin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000, 0).expect("time") + Duration::minutes(minutes)
    }

    const ESTIMATE_ONLY: CutoffRule = CutoffRule { margin: Duration::zero(), fixed_before_close: None };

    #[test]
    fn a_ticket_that_would_finish_after_closing_is_refused() {
        let close = at(60);
        let handling = Duration::minutes(8);
        assert!(may_issue(at(0), close, Duration::minutes(52), handling, ESTIMATE_ONLY), "finishes exactly at close");
        assert!(!may_issue(at(0), close, Duration::minutes(53), handling, ESTIMATE_ONLY));
        assert!(!may_issue(at(55), close, Duration::zero(), handling, ESTIMATE_ONLY), "even with nobody ahead");
    }

    #[test]
    fn the_margin_and_the_fixed_stop_come_earlier() {
        let close = at(60);
        let rule = CutoffRule { margin: Duration::minutes(10), fixed_before_close: None };
        assert!(may_issue(at(0), close, Duration::minutes(42), Duration::minutes(8), rule));
        assert!(!may_issue(at(0), close, Duration::minutes(43), Duration::minutes(8), rule));
        let fixed = CutoffRule { margin: Duration::zero(), fixed_before_close: Some(Duration::minutes(30)) };
        assert!(may_issue(at(29), close, Duration::zero(), Duration::minutes(1), fixed));
        assert!(!may_issue(at(30), close, Duration::zero(), Duration::minutes(1), fixed));
    }
}
