//! Report figures (what the business-environment evaluation asks): per group of tickets, how
//! many were issued, served, missed, cancelled and transferred; wait (issued → called) and
//! handling (started → finished) in minutes, mean, p50, p90 and max; the share called within
//! the service's target; ratings and the satisfaction rate; diversions. Pure: fed the day's
//! facts, it knows nothing of where they come from.
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How a report groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Service,
    Window,
    Staff,
    /// Hour of the day the ticket was issued (hall time), `08` … `17`.
    Hour,
    /// Weekday the ticket was issued, `1` (Monday) … `7`.
    Weekday,
    Day,
    /// Calendar month, `2026-11` (an addition for a year's report).
    Month,
    /// Weekday and hour, `1-09` (an addition for the hour × weekday heat map).
    HourWeekday,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "service" => Self::Service,
            "window" => Self::Window,
            "staff" => Self::Staff,
            "hour" => Self::Hour,
            "weekday" => Self::Weekday,
            "day" => Self::Day,
            "month" => Self::Month,
            "hour_weekday" => Self::HourWeekday,
            _ => return None,
        })
    }
}

/// How a ticket ended (or where it stands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Served,
    NoShow,
    Cancelled,
    /// Still waiting, called or being served (a report of today).
    Open,
}

/// One ticket as reports see it. Times are hall-local for grouping; durations in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFact {
    pub service: i32,
    pub window: Option<i32>,
    pub staff: Option<i32>,
    pub issued_local: NaiveDateTime,
    /// Issued → (last) called, for tickets that were called.
    pub wait_seconds: Option<i64>,
    /// Started → finished, for tickets served.
    pub handle_seconds: Option<i64>,
    pub outcome: Outcome,
    pub transferred: bool,
    pub target_wait_seconds: i64,
    /// 1 … 5 when rated.
    pub rating: Option<u8>,
    /// The wait estimate given at issue, minutes (tickets taken before it was kept have none).
    pub estimate_minutes: Option<i32>,
}

/// A diversion as reports see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiversionFact {
    pub service: i32,
    pub local: NaiveDateTime,
    /// Where the person was sent (`online`, `wechat_alipay`, …).
    pub target: String,
}

/// Upper edges (minutes) of the wait histogram's buckets; the last bucket is everything above.
pub const WAIT_BUCKETS_MIN: [i64; 5] = [5, 10, 20, 30, 60];

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub issued: u32,
    pub served: u32,
    pub no_show: u32,
    pub cancelled: u32,
    pub transferred: u32,
    pub wait_mean_min: Option<f64>,
    pub wait_p50_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    pub wait_max_min: Option<f64>,
    pub handle_mean_min: Option<f64>,
    pub handle_p50_min: Option<f64>,
    pub handle_p90_min: Option<f64>,
    pub handle_max_min: Option<f64>,
    /// Called tickets per wait bucket: under 5, 5–10, 10–20, 20–30, 30–60 and 60 minutes or more.
    pub wait_histogram: Vec<u32>,
    /// Share (0–1) of called tickets called within their service's target wait.
    pub within_target: Option<f64>,
    /// Count per score, `"1"` … `"5"`.
    pub ratings: BTreeMap<String, u32>,
    /// 满意率: share (0–1) of ratings that are 满意 (4) or 非常满意 (5).
    pub satisfaction: Option<f64>,
    pub diversions: u32,
    /// Diversions per place people were sent.
    pub diversions_by_target: BTreeMap<String, u32>,
    /// Share (0–1) of visits diverted: diversions ÷ (tickets issued + diversions).
    pub diverted_share: Option<f64>,
    /// How far the wait estimate given at issue was from the wait the ticket had (called
    /// tickets that were given one): median and p90 of the absolute difference, minutes.
    pub estimate_error_p50_min: Option<f64>,
    pub estimate_error_p90_min: Option<f64>,
}

/// The key a fact falls under.
pub fn key_of(
    by: GroupBy,
    service: i32,
    window: Option<i32>,
    staff: Option<i32>,
    local: NaiveDateTime,
) -> Option<String> {
    Some(match by {
        GroupBy::Service => service.to_string(),
        GroupBy::Window => window?.to_string(),
        GroupBy::Staff => staff?.to_string(),
        GroupBy::Hour => format!("{:02}", local.hour()),
        GroupBy::Weekday => local.weekday().number_from_monday().to_string(),
        GroupBy::Day => local.date().to_string(),
        GroupBy::Month => format!("{}-{:02}", local.year(), local.month()),
        GroupBy::HourWeekday => format!("{}-{:02}", local.weekday().number_from_monday(), local.hour()),
    })
}

/// Nearest-rank percentile of sorted values: the smallest value with at least `p` of them at
/// or below it.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn minutes(seconds: f64) -> f64 {
    (seconds / 60.0 * 10.0).round() / 10.0
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) / f64::from(whole) * 1000.0).round() / 1000.0)
}

/// The figures of a group of tickets and its diversions.
pub fn summarise<'a, 'b>(
    facts: impl IntoIterator<Item = &'a TicketFact>,
    diversions: impl IntoIterator<Item = &'b DiversionFact>,
) -> Figures {
    let mut waits = Vec::new();
    let mut handles = Vec::new();
    let mut estimate_errors = Vec::new();
    let (mut issued, mut served, mut no_show, mut cancelled, mut transferred, mut within) = (0, 0, 0, 0, 0, 0);
    let mut ratings = [0u32; 5];
    for f in facts {
        issued += 1;
        match f.outcome {
            Outcome::Served => served += 1,
            Outcome::NoShow => no_show += 1,
            Outcome::Cancelled => cancelled += 1,
            Outcome::Open => {}
        }
        transferred += u32::from(f.transferred);
        if let Some(wait) = f.wait_seconds {
            waits.push(wait.max(0));
            within += u32::from(wait <= f.target_wait_seconds);
            if let Some(estimate) = f.estimate_minutes {
                estimate_errors.push((i64::from(estimate) * 60 - wait.max(0)).abs());
            }
        }
        if let Some(handle) = f.handle_seconds {
            handles.push(handle.max(0));
        }
        if let Some(score @ 1..=5) = f.rating {
            ratings[usize::from(score) - 1] += 1;
        }
    }
    waits.sort_unstable();
    handles.sort_unstable();
    estimate_errors.sort_unstable();
    let mut wait_histogram = vec![0u32; WAIT_BUCKETS_MIN.len() + 1];
    for wait in &waits {
        let bucket = WAIT_BUCKETS_MIN.iter().position(|edge| *wait < edge * 60).unwrap_or(WAIT_BUCKETS_MIN.len());
        wait_histogram[bucket] += 1;
    }
    let mut diversions_by_target: BTreeMap<String, u32> = BTreeMap::new();
    for d in diversions {
        *diversions_by_target.entry(d.target.clone()).or_default() += 1;
    }
    let diverted: u32 = diversions_by_target.values().sum();
    let mean = |v: &[i64]| (!v.is_empty()).then(|| minutes(v.iter().sum::<i64>() as f64 / v.len() as f64));
    let pct = |v: &[i64], p: f64| percentile(v, p).map(|s| minutes(s as f64));
    let rated: u32 = ratings.iter().sum();
    Figures {
        issued,
        served,
        no_show,
        cancelled,
        transferred,
        wait_mean_min: mean(&waits),
        wait_p50_min: pct(&waits, 0.5),
        wait_p90_min: pct(&waits, 0.9),
        wait_max_min: waits.last().map(|s| minutes(*s as f64)),
        handle_mean_min: mean(&handles),
        handle_p50_min: pct(&handles, 0.5),
        handle_p90_min: pct(&handles, 0.9),
        handle_max_min: handles.last().map(|s| minutes(*s as f64)),
        wait_histogram,
        within_target: share(within, waits.len() as u32),
        ratings: (1..=5).map(|s| (s.to_string(), ratings[s - 1])).collect(),
        satisfaction: share(ratings[3] + ratings[4], rated),
        diversions: diverted,
        diversions_by_target,
        diverted_share: share(diverted, issued + diverted),
        estimate_error_p50_min: pct(&estimate_errors, 0.5),
        estimate_error_p90_min: pct(&estimate_errors, 0.9),
    }
}

/// Facts grouped by key (keys sorted as text; callers order for display).
/// A group's tickets and diversions.
pub type Group<'a> = (Vec<&'a TicketFact>, Vec<&'a DiversionFact>);

pub fn group<'a>(by: GroupBy, facts: &'a [TicketFact], diversions: &'a [DiversionFact]) -> BTreeMap<String, Group<'a>> {
    let mut groups: BTreeMap<String, Group<'a>> = BTreeMap::new();
    for f in facts {
        if let Some(key) = key_of(by, f.service, f.window, f.staff, f.issued_local) {
            groups.entry(key).or_default().0.push(f);
        }
    }
    for d in diversions {
        // Diversions have no window or staff: they count only where the grouping allows.
        if let Some(key) = key_of(by, d.service, None, None, d.local) {
            groups.entry(key).or_default().1.push(d);
        }
    }
    groups
}

/// The weekday names reports show.
pub fn weekday_label(number: &str, en: bool) -> String {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| if en { EN.get(n.wrapping_sub(1)) } else { ZH.get(n.wrapping_sub(1)) })
        .map_or_else(|| number.to_owned(), |s| (*s).to_owned())
}

/// Whether a date range is one a report may cover (at most 400 days, from before to).
pub fn valid_range(from: NaiveDate, to: NaiveDate) -> bool {
    from <= to && (to - from).num_days() <= 400
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date").and_hms_opt(h, m, 0).expect("time")
    }

    fn fact(wait_min: Option<i64>, handle_min: Option<i64>, outcome: Outcome, rating: Option<u8>) -> TicketFact {
        TicketFact {
            service: 1,
            window: Some(3),
            staff: Some(7),
            issued_local: at(9, 10),
            wait_seconds: wait_min.map(|m| m * 60),
            handle_seconds: handle_min.map(|m| m * 60),
            outcome,
            transferred: false,
            target_wait_seconds: 20 * 60,
            rating,
            estimate_minutes: None,
        }
    }

    #[test]
    fn the_estimate_error_is_the_absolute_difference_for_called_tickets_given_one() {
        let mut early = fact(Some(10), Some(5), Outcome::Served, None);
        early.estimate_minutes = Some(4);
        let mut late = fact(Some(2), Some(5), Outcome::Served, None);
        late.estimate_minutes = Some(5);
        let mut never_called = fact(None, None, Outcome::Cancelled, None);
        never_called.estimate_minutes = Some(30);
        let without = fact(Some(50), Some(5), Outcome::Served, None);
        let f = summarise(&[early, late, never_called, without], &[]);
        assert_eq!(f.estimate_error_p50_min, Some(3.0));
        assert_eq!(f.estimate_error_p90_min, Some(6.0));
        let none = summarise(&[fact(Some(3), None, Outcome::Served, None)], &[]);
        assert_eq!(none.estimate_error_p50_min, None);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 0.5), Some(5));
        assert_eq!(percentile(&v, 0.9), Some(9));
        assert_eq!(percentile(&v, 1.0), Some(10));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[1, 2, 3], 0.5), Some(2));
    }

    /// A small scripted day worked out by hand: waits 5, 10, 15, 30 minutes (one no-show after
    /// its call), one cancelled before its call; handling 6, 8, 10 minutes; ratings 5, 4, 2.
    #[test]
    fn a_scripted_day_gives_the_hand_computed_figures() {
        let mut transferred = fact(Some(15), Some(10), Outcome::Served, None);
        transferred.transferred = true;
        let day = [
            fact(Some(5), Some(6), Outcome::Served, Some(5)),
            fact(Some(10), Some(8), Outcome::Served, Some(4)),
            transferred,
            fact(Some(30), None, Outcome::NoShow, None),
            fact(None, None, Outcome::Cancelled, Some(2)),
        ];
        let sent = |target: &str| DiversionFact { service: 1, local: at(9, 30), target: target.into() };
        let diverted = [sent("online"), sent("bank")];
        let f = summarise(&day, &diverted);
        assert_eq!((f.issued, f.served, f.no_show, f.cancelled, f.transferred), (5, 3, 1, 1, 1));
        assert_eq!(f.wait_mean_min, Some(15.0), "(5+10+15+30)/4");
        assert_eq!(f.wait_p50_min, Some(10.0), "rank ceil(0.5×4) = 2");
        assert_eq!(f.wait_p90_min, Some(30.0), "rank ceil(0.9×4) = 4");
        assert_eq!(f.wait_max_min, Some(30.0));
        assert_eq!(f.handle_mean_min, Some(8.0));
        assert_eq!(f.handle_p50_min, Some(8.0));
        assert_eq!(f.handle_p90_min, Some(10.0));
        assert_eq!(f.within_target, Some(0.75), "3 of 4 called within 20 minutes");
        assert_eq!(f.ratings["5"], 1);
        assert_eq!(f.ratings["2"], 1);
        assert_eq!(f.satisfaction, Some(0.667), "2 of 3 rated 4 or 5");
        assert_eq!(f.diversions, 2);
        assert_eq!(f.diversions_by_target["bank"], 1);
        assert_eq!(f.diverted_share, Some(0.286), "2 of 5 + 2 visits");
        assert_eq!(f.handle_max_min, Some(10.0));
        assert_eq!(f.wait_histogram, vec![0, 1, 2, 0, 1, 0], "5 → 5–10; 10 and 15 → 10–20; 30 → 30–60");
        let empty = summarise(&[], &[]);
        assert_eq!((empty.wait_mean_min, empty.within_target, empty.satisfaction), (None, None, None));
    }

    #[test]
    fn facts_group_by_each_key() {
        let mut late = fact(Some(1), None, Outcome::Served, None);
        late.issued_local = at(14, 5);
        late.window = None;
        let facts = [fact(Some(1), None, Outcome::Served, None), late];
        let diversions = [DiversionFact { service: 1, local: at(9, 30), target: "online".into() }];
        let by_hour = group(GroupBy::Hour, &facts, &diversions);
        assert_eq!(by_hour.keys().collect::<Vec<_>>(), ["09", "14"]);
        assert_eq!(by_hour["09"].1.len(), 1);
        let by_window = group(GroupBy::Window, &facts, &diversions);
        assert_eq!(by_window.keys().collect::<Vec<_>>(), ["3"], "never called: no window; diversions have none");
        assert_eq!(group(GroupBy::Weekday, &facts, &[]).keys().collect::<Vec<_>>(), ["1"]);
        assert_eq!(group(GroupBy::Month, &facts, &[]).keys().collect::<Vec<_>>(), ["2026-11"]);
        assert_eq!(weekday_label("1", false), "周一");
        assert_eq!(weekday_label("7", true), "Sun");
        assert_eq!(GroupBy::parse("hour"), Some(GroupBy::Hour));
        assert_eq!(GroupBy::parse("year"), None);
        assert_eq!(group(GroupBy::HourWeekday, &facts, &[]).keys().collect::<Vec<_>>(), ["1-09", "1-14"]);
    }
}
