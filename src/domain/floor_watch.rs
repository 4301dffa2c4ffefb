//! Watching the floor (the volunteer tablet): when a queue is in alert, with hysteresis so an
//! alert does not flap; whether a queue is rising or falling; when to advise opening the
//! social-insurance cash windows; and the life of a window's call for help. Pure rules.
use super::codes::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// When a service's queue is in alert: any figure at or past its threshold. None: not watched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub waiting: Option<u32>,
    pub longest_wait_minutes: Option<u32>,
    pub estimated_wait_minutes: Option<u32>,
}

/// The floor-watch part of a hall's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSettings {
    /// Every service's thresholds …
    pub thresholds: Thresholds,
    /// … unless the service has its own here (by code; a figure left out is not watched).
    pub services: BTreeMap<String, Thresholds>,
    /// A raised alert clears only once every figure is below this share (percent) of its
    /// threshold, so a queue hovering at the line does not raise and clear again and again.
    pub clear_percent: u32,
    /// A call for help nobody has taken for this long is highlighted, and shown on the floor.
    pub help_unanswered_minutes: u32,
}

impl Default for WatchSettings {
    fn default() -> Self {
        Self {
            thresholds: Thresholds {
                waiting: Some(15),
                longest_wait_minutes: Some(30),
                estimated_wait_minutes: Some(30),
            },
            services: BTreeMap::new(),
            clear_percent: 80,
            help_unanswered_minutes: 3,
        }
    }
}

impl WatchSettings {
    pub fn validate(&self, services: &[&str]) -> Result<(), String> {
        if !(10..=100).contains(&self.clear_percent) {
            return Err("watch.clear_percent must be between 10 and 100".into());
        }
        if !(1..=120).contains(&self.help_unanswered_minutes) {
            return Err("watch.help_unanswered_minutes must be between 1 and 120".into());
        }
        if let Some(code) = self.services.keys().find(|c| !services.contains(&c.as_str())) {
            return Err(format!("watch.services: the hall has no service '{code}'"));
        }
        let all = std::iter::once(&self.thresholds).chain(self.services.values());
        if all.flat_map(|t| [t.waiting, t.longest_wait_minutes, t.estimated_wait_minutes]).flatten().any(|v| v == 0) {
            return Err("watch: a threshold is at least 1 (leave it out to not watch that figure)".into());
        }
        Ok(())
    }

    /// The thresholds of one service.
    pub fn of(&self, service: &str) -> Thresholds {
        self.services.get(service).copied().unwrap_or(self.thresholds)
    }
}

/// A queue's figures as the watch reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub waiting: u32,
    pub longest_wait_minutes: u32,
    pub estimated_wait_minutes: u32,
}

/// Whether a queue is in alert now, given whether it was: raised when any figure reaches its
/// threshold; once raised, held until every figure is below `clear_percent` of its threshold.
pub fn in_alert(t: Thresholds, f: Figures, was_raised: bool, clear_percent: u32) -> bool {
    let pairs = [
        (t.waiting, f.waiting),
        (t.longest_wait_minutes, f.longest_wait_minutes),
        (t.estimated_wait_minutes, f.estimated_wait_minutes),
    ];
    if was_raised {
        // Held while any figure is at or above its clearing line (the threshold scaled down).
        pairs.iter().any(|(limit, value)| {
            limit.is_some_and(|l| u64::from(*value) * 100 >= u64::from(l) * u64::from(clear_percent))
        })
    } else {
        pairs.iter().any(|(limit, value)| limit.is_some_and(|l| *value >= l))
    }
}

/// Which way a queue is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Rising,
    Steady,
    Falling,
}

/// How many minutes back the trend looks.
pub const TREND_MINUTES: i64 = 15;

/// The trend from the queue's change over the last `TREND_MINUTES`: tickets that joined it
/// against tickets that left it (called or cancelled). A change within a tenth of the queue
/// (at least 2 tickets) is steady.
pub fn trend(joined: u32, left: u32, waiting: u32) -> Trend {
    let change = i64::from(joined) - i64::from(left);
    let band = i64::from((waiting / 10).max(2));
    if change > band {
        Trend::Rising
    } else if change < -band {
        Trend::Falling
    } else {
        Trend::Steady
    }
}

/// The surge advice (建议开启社保收现窗口): a queue in alert that closed cash windows could serve.
pub fn advise_cash_windows(in_alert: bool, closed_cash_windows_serving_it: u32) -> bool {
    in_alert && closed_cash_windows_serving_it > 0
}

/// Where a call for help stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HelpStatus {
    Open,
    Taken,
    Done,
    Cancelled,
}

impl HelpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Taken => "taken",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::Taken, Self::Done, Self::Cancelled].into_iter().find(|s| s.as_str() == text)
    }
}

/// What can be done to a call for help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpAction {
    /// A volunteer goes.
    Take,
    /// The one who took it says it is dealt with.
    Done,
    /// The window no longer needs it.
    Cancel,
}

/// The next status, or why not: a request is taken once (409 `already_taken`), marked done only
/// after it was taken (by whoever took it, checked by the caller), cancelled until it is done.
pub fn help_transition(from: HelpStatus, action: HelpAction) -> Result<HelpStatus, (ErrorCode, &'static str)> {
    use HelpAction as A;
    use HelpStatus as S;
    match (from, action) {
        (S::Open, A::Take) => Ok(S::Taken),
        (S::Taken, A::Take) => Err((ErrorCode::AlreadyTaken, "someone has already taken this call for help")),
        (S::Taken, A::Done) => Ok(S::Done),
        (S::Open, A::Done) => Err((ErrorCode::InvalidTransition, "take the call for help before marking it done")),
        (S::Open | S::Taken, A::Cancel) => Ok(S::Cancelled),
        (S::Done | S::Cancelled, _) => Err((ErrorCode::InvalidTransition, "this call for help is already closed")),
    }
}

/// Reasons a window offers for calling for help (or its own words).
pub const HELP_REASONS: [&str; 5] = ["需要引导", "材料不全需协助", "老年人/残障人士协助", "秩序维护", "设备故障"];
pub const MAX_HELP_REASON_CHARS: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds =
        Thresholds { waiting: Some(10), longest_wait_minutes: Some(30), estimated_wait_minutes: None };

    fn f(waiting: u32, longest: u32, estimate: u32) -> Figures {
        Figures { waiting, longest_wait_minutes: longest, estimated_wait_minutes: estimate }
    }

    #[test]
    fn an_alert_is_raised_at_a_threshold_and_held_until_well_below() {
        assert!(!in_alert(T, f(9, 29, 500), false, 80), "the estimate is not watched");
        assert!(in_alert(T, f(10, 0, 0), false, 80));
        assert!(in_alert(T, f(0, 30, 0), false, 80));
        // Raised: held at 9 and 8 waiting (80% of 10), cleared at 7.
        assert!(in_alert(T, f(9, 0, 0), true, 80));
        assert!(in_alert(T, f(8, 0, 0), true, 80));
        assert!(!in_alert(T, f(7, 23, 0), true, 80));
        assert!(in_alert(T, f(7, 24, 0), true, 80), "the longest wait still holds it");
        // A queue hovering around the line: one raise, no flapping.
        let mut raised = false;
        let mut changes = 0;
        for waiting in [9, 10, 9, 10, 9, 8, 9, 10, 9, 7, 8, 9] {
            let now = in_alert(T, f(waiting, 0, 0), raised, 80);
            changes += u32::from(now != raised);
            raised = now;
        }
        assert_eq!(changes, 2, "raised once at 10, cleared once at 7");
        assert!(!in_alert(Thresholds::default(), f(1000, 1000, 1000), false, 80), "nothing watched");
    }

    #[test]
    fn trends_need_a_real_change() {
        assert_eq!(trend(5, 5, 20), Trend::Steady);
        assert_eq!(trend(4, 2, 5), Trend::Steady, "two tickets is noise");
        assert_eq!(trend(5, 2, 5), Trend::Rising);
        assert_eq!(trend(0, 3, 5), Trend::Falling);
        assert_eq!(trend(12, 7, 50), Trend::Steady, "within a tenth of 50");
        assert_eq!(trend(13, 7, 50), Trend::Rising);
    }

    #[test]
    fn cash_windows_are_advised_only_for_a_queue_in_alert_they_could_serve() {
        assert!(advise_cash_windows(true, 2));
        assert!(!advise_cash_windows(true, 0));
        assert!(!advise_cash_windows(false, 2));
    }

    #[test]
    fn a_call_for_help_is_taken_once_then_done() {
        use HelpAction as A;
        use HelpStatus as S;
        assert_eq!(help_transition(S::Open, A::Take), Ok(S::Taken));
        assert_eq!(help_transition(S::Taken, A::Take).map_err(|e| e.0), Err(ErrorCode::AlreadyTaken));
        assert_eq!(help_transition(S::Open, A::Done).map_err(|e| e.0), Err(ErrorCode::InvalidTransition));
        assert_eq!(help_transition(S::Taken, A::Done), Ok(S::Done));
        assert_eq!(help_transition(S::Taken, A::Cancel), Ok(S::Cancelled));
        for closed in [S::Done, S::Cancelled] {
            for action in [A::Take, A::Done, A::Cancel] {
                assert!(help_transition(closed, action).is_err());
            }
        }
        for s in [S::Open, S::Taken, S::Done, S::Cancelled] {
            assert_eq!(HelpStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn watch_settings_are_checked() {
        assert!(WatchSettings::default().validate(&["A"]).is_ok());
        let mut s = WatchSettings::default();
        s.services.insert("Z".into(), T);
        assert!(s.validate(&["A"]).is_err());
        let mut s = WatchSettings::default();
        s.thresholds.waiting = Some(0);
        assert!(s.validate(&["A"]).is_err());
        let mut s = WatchSettings::default();
        s.services.insert("A".into(), T);
        assert_eq!(s.of("A"), T);
        assert_eq!(s.of("B"), WatchSettings::default().thresholds);
    }
}
