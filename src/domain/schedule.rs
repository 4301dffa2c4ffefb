//! Opening hours: periods per weekday (a morning and an afternoon around the lunch break),
//! holidays that close the hall, and make-up working days (调休) that open it on a weekend.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// A span of minutes after local midnight, `[opens, closes)`; `closes` may be 1440 (midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub opens: u16,
    pub closes: u16,
}

impl Period {
    pub fn new(opens: u16, closes: u16) -> Option<Self> {
        (opens < closes && closes <= 1440).then_some(Self { opens, closes })
    }
}

/// `08:30–12:00`, as halls post their hours; midnight at the end reads `24:00`.
impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}–{:02}:{:02}", self.opens / 60, self.opens % 60, self.closes / 60, self.closes % 60)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Index 0 = Monday … 6 = Sunday; periods sorted by opening minute.
    weekly: [Vec<Period>; 7],
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

/// How far ahead `next_opening` looks before concluding the hall never opens again.
const SEARCH_DAYS: i64 = 400;

impl Schedule {
    /// Open every minute of every day: the demo hall, so a newcomer can try it at any hour.
    pub fn always_open() -> Self {
        let mut schedule = Self::default();
        for weekday in 1..=7 {
            schedule.add_period(weekday, Period { opens: 0, closes: 1440 });
        }
        schedule
    }

    /// `weekday` is 1 = Monday … 7 = Sunday; out-of-range weekdays are ignored.
    pub fn add_period(&mut self, weekday: u8, period: Period) {
        if let Some(day) = self.weekly.get_mut(usize::from(weekday).wrapping_sub(1)) {
            day.push(period);
            day.sort_by_key(|p| p.opens);
        }
    }

    pub fn add_holiday(&mut self, day: NaiveDate) {
        self.workdays.remove(&day);
        self.holidays.insert(day);
    }

    pub fn add_workday(&mut self, day: NaiveDate) {
        self.holidays.remove(&day);
        self.workdays.insert(day);
    }

    /// Today's hours where the hall is, as posted: `["08:30–12:00", "13:30–17:30"]`; empty on a
    /// day it does not open.
    pub fn hours_on_day_of(&self, at: DateTime<Utc>, timezone: Tz) -> Vec<String> {
        self.periods_on(at.with_timezone(&timezone).date_naive()).iter().map(ToString::to_string).collect()
    }

    /// The periods the hall is open on a date. A make-up working day borrows the hours of the
    /// first weekday (Monday to Friday) that has any.
    pub fn periods_on(&self, day: NaiveDate) -> &[Period] {
        if self.holidays.contains(&day) {
            return &[];
        }
        if self.workdays.contains(&day) {
            return self.weekly[..5].iter().find(|p| !p.is_empty()).map_or(&[], Vec::as_slice);
        }
        &self.weekly[day.weekday().num_days_from_monday() as usize]
    }

    pub fn is_open_at(&self, local: NaiveDateTime) -> bool {
        self.period_at(local).is_some()
    }

    /// The period that contains this local time, if the hall is open then.
    pub fn period_at(&self, local: NaiveDateTime) -> Option<Period> {
        let minute = minute_of_day(local);
        self.periods_on(local.date()).iter().copied().find(|p| p.opens <= minute && minute < p.closes)
    }

    /// The next local time at or after `local` at which the hall opens, if it is closed now.
    pub fn next_opening(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        let minute = minute_of_day(local);
        (0..SEARCH_DAYS).find_map(|offset| {
            let day = local.date() + Duration::days(offset);
            self.periods_on(day).iter().find(|p| offset > 0 || p.opens >= minute).and_then(|p| at_minute(day, p.opens))
        })
    }

    /// When the hall next closes, if it is open at `local`: the end of the current period, or
    /// of a run of periods that follow each other without a gap (24-hour days join up). `None`
    /// when it is closed now, or does not close within a week (open round the clock).
    pub fn open_until(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut day = local.date();
        let mut closes = self.period_at(local)?.closes;
        for _ in 0..(7 * 24) {
            if closes < 1440 {
                match self.periods_on(day).iter().find(|p| p.opens == closes) {
                    Some(next) => closes = next.closes,
                    None => return at_minute(day, closes),
                }
            } else {
                let next_day = day + Duration::days(1);
                // Open round the clock for a week: treated as never closing. (Without this the
                // loop walked 168 days for a 24-hour hall, on every ticket issued; issue 19.)
                if next_day - local.date() > Duration::days(7) {
                    return None;
                }
                match self.periods_on(next_day).first() {
                    Some(first) if first.opens == 0 => {
                        day = next_day;
                        closes = first.closes;
                    }
                    _ => return at_minute(day, 1440),
                }
            }
        }
        None
    }

    /// In UTC: is the hall open at this instant, and if not, when does it open next?
    pub fn status_at(&self, at: DateTime<Utc>, timezone: Tz) -> OpenStatus {
        let local = at.with_timezone(&timezone).naive_local();
        if let Some(period) = self.period_at(local) {
            return OpenStatus::Open { closes_at: to_utc(at_minute(local.date(), period.closes), timezone) };
        }
        OpenStatus::Closed { next_opening: self.next_opening(local).and_then(|t| to_utc(Some(t), timezone)) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenStatus {
    Open { closes_at: Option<DateTime<Utc>> },
    Closed { next_opening: Option<DateTime<Utc>> },
}

fn minute_of_day(local: NaiveDateTime) -> u16 {
    let time = local.time();
    u16::try_from(chrono::Timelike::hour(&time) * 60 + chrono::Timelike::minute(&time)).unwrap_or(0)
}

fn at_minute(day: NaiveDate, minute: u16) -> Option<NaiveDateTime> {
    day.and_hms_opt(0, 0, 0).map(|midnight| midnight + Duration::minutes(i64::from(minute)))
}

fn to_utc(local: Option<NaiveDateTime>, timezone: Tz) -> Option<DateTime<Utc>> {
    timezone.from_local_datetime(&local?).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_until_is_the_end_of_the_current_period() {
        let hall = county_hall();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let at = |h, m| monday.and_hms_opt(h, m, 0).expect("time");
        assert_eq!(hall.open_until(at(9, 0)), Some(at(12, 0)));
        assert_eq!(hall.open_until(at(15, 0)), Some(at(17, 30)));
        assert_eq!(hall.open_until(at(12, 30)), None, "closed at lunch");
        assert_eq!(Schedule::always_open().open_until(at(23, 59)), None, "never closes");
        let mut late = Schedule::default();
        late.add_period(1, Period::new(20 * 60, 1440).expect("valid"));
        late.add_period(2, Period::new(0, 2 * 60).expect("valid"));
        let tuesday_two = (monday + Duration::days(1)).and_hms_opt(2, 0, 0).expect("time");
        assert_eq!(late.open_until(at(21, 0)), Some(tuesday_two), "runs on past midnight");
    }

    #[test]
    fn a_hall_open_round_the_clock_closes_only_within_a_week() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let nine = monday.and_hms_opt(9, 0, 0).expect("time");
        let mut holiday_in_five_days = Schedule::always_open();
        holiday_in_five_days.add_holiday(monday + Duration::days(5));
        let saturday = (monday + Duration::days(5)).and_hms_opt(0, 0, 0).expect("time");
        assert_eq!(holiday_in_five_days.open_until(nine), Some(saturday), "closes for the holiday");
        let mut holiday_in_ten_days = Schedule::always_open();
        holiday_in_ten_days.add_holiday(monday + Duration::days(10));
        assert_eq!(holiday_in_ten_days.open_until(nine), None, "not within a week: never closing");
    }

    #[test]
    fn todays_hours_read_as_posted_in_the_halls_timezone() {
        let hall = county_hall();
        let shanghai = chrono_tz::Asia::Shanghai;
        // 2026-11-27 01:00 UTC is Friday 09:00 in Shanghai; 2026-11-27 20:00 UTC is Saturday there.
        let friday = Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 0).single().expect("time");
        assert_eq!(hall.hours_on_day_of(friday, shanghai), vec!["08:30–12:00", "13:30–17:30"]);
        let saturday = Utc.with_ymd_and_hms(2026, 11, 27, 20, 0, 0).single().expect("time");
        assert!(hall.hours_on_day_of(saturday, shanghai).is_empty());
        assert_eq!(Schedule::always_open().hours_on_day_of(friday, shanghai), vec!["00:00–24:00"]);
    }

    /// A real county hall: Monday to Friday 08:30–12:00 and 13:30–17:30.
    fn county_hall() -> Schedule {
        let mut schedule = Schedule::default();
        for weekday in 1..=5 {
            schedule.add_period(weekday, Period::new(13 * 60 + 30, 17 * 60 + 30).expect("valid"));
            schedule.add_period(weekday, Period::new(8 * 60 + 30, 12 * 60).expect("valid"));
        }
        schedule
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("valid")
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("valid")
    }

    #[test]
    fn open_in_the_morning_and_afternoon_but_not_at_lunch_or_night() {
        let hall = county_hall();
        // 2026-11-25 is a Wednesday.
        assert!(!hall.is_open_at(local("2026-11-25 08:29")));
        assert!(hall.is_open_at(local("2026-11-25 08:30")));
        assert!(hall.is_open_at(local("2026-11-25 11:59")));
        assert!(!hall.is_open_at(local("2026-11-25 12:00")));
        assert!(!hall.is_open_at(local("2026-11-25 13:29")));
        assert!(hall.is_open_at(local("2026-11-25 13:30")));
        assert!(!hall.is_open_at(local("2026-11-25 17:30")));
    }

    #[test]
    fn the_next_opening_after_lunch_is_the_afternoon() {
        assert_eq!(county_hall().next_opening(local("2026-11-25 12:10")), Some(local("2026-11-25 13:30")));
    }

    #[test]
    fn the_next_opening_on_friday_evening_is_monday_morning() {
        assert_eq!(county_hall().next_opening(local("2026-11-27 18:00")), Some(local("2026-11-30 08:30")));
    }

    #[test]
    fn a_holiday_closes_a_weekday_and_the_next_opening_skips_it() {
        let mut hall = county_hall();
        hall.add_holiday(day("2026-11-26"));
        assert!(!hall.is_open_at(local("2026-11-26 09:00")));
        assert_eq!(hall.next_opening(local("2026-11-25 18:00")), Some(local("2026-11-27 08:30")));
    }

    #[test]
    fn a_make_up_working_day_opens_a_saturday_with_weekday_hours() {
        let mut hall = county_hall();
        assert!(!hall.is_open_at(local("2026-11-28 09:00")));
        hall.add_workday(day("2026-11-28"));
        assert!(hall.is_open_at(local("2026-11-28 09:00")));
        assert!(!hall.is_open_at(local("2026-11-28 12:30")));
    }

    #[test]
    fn a_day_marked_holiday_then_workday_is_a_workday() {
        let mut hall = county_hall();
        hall.add_holiday(day("2026-11-28"));
        hall.add_workday(day("2026-11-28"));
        assert!(hall.is_open_at(local("2026-11-28 09:00")));
    }

    #[test]
    fn a_hall_with_no_hours_never_opens() {
        assert_eq!(Schedule::default().next_opening(local("2026-11-25 09:00")), None);
    }

    #[test]
    fn the_demo_hall_is_always_open() {
        let hall = Schedule::always_open();
        assert!(hall.is_open_at(local("2026-11-28 00:00")));
        assert!(hall.is_open_at(local("2026-11-29 23:59")));
    }

    #[test]
    fn status_in_utc_uses_the_hall_timezone() {
        let shanghai = chrono_tz::Asia::Shanghai;
        let hall = county_hall();
        // 00:45 UTC is 08:45 in Shanghai: open, closing at 12:00 local = 04:00 UTC.
        let at = DateTime::parse_from_rfc3339("2026-11-25T00:45:00Z").expect("valid").with_timezone(&Utc);
        let closes = DateTime::parse_from_rfc3339("2026-11-25T04:00:00Z").expect("valid").with_timezone(&Utc);
        assert_eq!(hall.status_at(at, shanghai), OpenStatus::Open { closes_at: Some(closes) });
        // 00:15 UTC is 08:15 local: closed until 08:30 local = 00:30 UTC.
        let early = DateTime::parse_from_rfc3339("2026-11-25T00:15:00Z").expect("valid").with_timezone(&Utc);
        let opens = DateTime::parse_from_rfc3339("2026-11-25T00:30:00Z").expect("valid").with_timezone(&Utc);
        assert_eq!(hall.status_at(early, shanghai), OpenStatus::Closed { next_opening: Some(opens) });
    }

    #[test]
    fn invalid_periods_cannot_be_made() {
        assert_eq!(Period::new(600, 600), None);
        assert_eq!(Period::new(700, 600), None);
        assert_eq!(Period::new(0, 1441), None);
    }
}
