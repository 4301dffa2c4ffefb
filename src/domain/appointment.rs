//! Appointments (预约办税): which slots a day has, which days may be booked, how many bookings a
//! person may hold, when a booking may be changed, and when it may be checked in. Pure rules;
//! `services::appointments` applies them under the hall's lock so places are never oversold.
use super::codes::ErrorCode;
use super::schedule::{Period, Schedule};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A hall's booking rules (part of its settings). Every field has a default that works for the
/// demo hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BookingRules {
    /// Length of a slot.
    pub slot_minutes: u32,
    /// Places per slot per service.
    pub places_per_slot: u32,
    /// Share (percent) of each service's window time kept for walk-ins: a slot never offers
    /// more places than the service's windows can serve in the rest of that time.
    pub walk_in_share_percent: u32,
    /// Bookings for today are allowed (else from the next working day).
    pub same_day: bool,
    /// How many working days ahead may be booked.
    pub horizon_working_days: u32,
    /// Active bookings one person may hold in a week (Monday to Sunday).
    pub per_week: u32,
    /// Cancel or change until this many minutes before the slot.
    pub change_deadline_minutes: u32,
    /// This many no-shows within `no_show_window_days` block new bookings …
    pub no_show_limit: u32,
    pub no_show_window_days: u32,
    /// … for this many days after the last one.
    pub block_days: u32,
    /// Check-in opens this many minutes before the slot …
    pub check_in_before_minutes: u32,
    /// … and closes this many minutes after it starts (then the booking is a no-show).
    pub check_in_grace_minutes: u32,
    /// Names and mobile numbers of bookings are erased this many days after the booked day
    /// (at least as long as no-shows count).
    pub keep_personal_days: u32,
    /// Whether booking asks for a resident ID number. It is never stored in clear: only a keyed
    /// hash, so the per-person rules also hold for someone booking under several mobile numbers.
    pub id_number: IdNumberRule,
}

/// Whether booking asks for an ID number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdNumberRule {
    /// Not asked (the mobile number alone identifies the person).
    #[default]
    Off,
    /// Asked; a booking without one is accepted.
    Optional,
    /// A booking needs one.
    Required,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            slot_minutes: 30,
            places_per_slot: 4,
            walk_in_share_percent: 50,
            same_day: false,
            horizon_working_days: 5,
            per_week: 3,
            change_deadline_minutes: 120,
            no_show_limit: 3,
            no_show_window_days: 30,
            block_days: 30,
            check_in_before_minutes: 30,
            check_in_grace_minutes: 15,
            keep_personal_days: 90,
            id_number: IdNumberRule::Off,
        }
    }
}

impl BookingRules {
    pub fn validate(&self) -> Result<(), String> {
        if !(10..=240).contains(&self.slot_minutes) {
            return Err("appointments.slot_minutes must be between 10 and 240".into());
        }
        if self.places_per_slot > 100 || self.walk_in_share_percent > 90 {
            return Err("appointments: at most 100 places a slot and 90% kept for walk-ins".into());
        }
        if !(1..=60).contains(&self.horizon_working_days) || !(1..=50).contains(&self.per_week) {
            return Err("appointments: horizon 1–60 working days, 1–50 bookings a week".into());
        }
        if self.change_deadline_minutes > 7 * 24 * 60
            || self.check_in_before_minutes > 240
            || self.check_in_grace_minutes > 240
            || self.no_show_window_days > 365
            || self.block_days > 365
        {
            return Err("appointments: a deadline, check-in time or blocking period is out of range".into());
        }
        if self.keep_personal_days < self.no_show_window_days || self.keep_personal_days > 3650 {
            return Err("appointments.keep_personal_days must cover no_show_window_days and be at most 3650".into());
        }
        Ok(())
    }

    /// Places a slot of `service` offers when `windows` windows serve it, each handling a
    /// taxpayer in `handling_minutes` on average: the configured places, but never more than
    /// the windows can serve in the share of the slot not kept for walk-ins.
    pub fn places(&self, windows: u32, handling_minutes: u32) -> u32 {
        let bookable_minutes = self.slot_minutes * windows * (100 - self.walk_in_share_percent.min(100)) / 100;
        self.places_per_slot.min(bookable_minutes / handling_minutes.max(1))
    }
}

/// One slot of a day, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub start: u16,
    pub end: u16,
}

impl Slot {
    pub fn start_text(&self) -> String {
        super::setup::clock_text(self.start)
    }

    pub fn end_text(&self) -> String {
        super::setup::clock_text(self.end)
    }

    pub fn starts_at(&self, day: NaiveDate) -> NaiveDateTime {
        day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(self.start))
    }

    pub fn ends_at(&self, day: NaiveDate) -> NaiveDateTime {
        day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(self.end))
    }
}

/// The slots of a day: each opening period (the lunch break falls between two) cut into
/// `minutes`-long slots that end inside it. Holidays have none; a 调休 day has its weekday hours.
pub fn slots(schedule: &Schedule, day: NaiveDate, minutes: u32) -> Vec<Slot> {
    let step = u16::try_from(minutes.max(1)).unwrap_or(u16::MAX);
    schedule
        .periods_on(day)
        .iter()
        .flat_map(|p: &Period| {
            let mut out = Vec::new();
            let mut start = p.opens;
            while start.checked_add(step).is_some_and(|end| end <= p.closes) {
                out.push(Slot { start, end: start + step });
                start += step;
            }
            out
        })
        .collect()
}

/// The slot of a day that starts at `start` (`09:00`), if there is one.
pub fn slot_at(schedule: &Schedule, day: NaiveDate, minutes: u32, start: &str) -> Option<Slot> {
    let minute = super::setup::clock_minutes(start)?;
    slots(schedule, day, minutes).into_iter().find(|s| s.start == minute)
}

fn is_working_day(schedule: &Schedule, day: NaiveDate) -> bool {
    !schedule.periods_on(day).is_empty()
}

/// The first and last day that may be booked now: from today (same-day booking) or the next
/// working day, to the `horizon`-th working day after today.
pub fn booking_window(schedule: &Schedule, today: NaiveDate, rules: &BookingRules) -> Option<(NaiveDate, NaiveDate)> {
    let mut working = (1..=400).map(|d| today + Duration::days(d)).filter(|d| is_working_day(schedule, *d));
    let first = if rules.same_day && is_working_day(schedule, today) { Some(today) } else { None };
    let next = working.next()?;
    let last = std::iter::once(next).chain(working).nth(rules.horizon_working_days.saturating_sub(1) as usize)?;
    Some((first.unwrap_or(next), last))
}

pub type Refusal = (ErrorCode, String);

/// May this slot be booked now (`now` in hall time)? Inside the booking window and, today,
/// not yet begun.
pub fn may_book(
    schedule: &Schedule,
    now: NaiveDateTime,
    day: NaiveDate,
    slot: Slot,
    rules: &BookingRules,
) -> Result<(), Refusal> {
    let outside = |why: String| (ErrorCode::OutsideBookingWindow, why);
    let Some((first, last)) = booking_window(schedule, now.date(), rules) else {
        return Err(outside("the hall has no working days ahead to book".into()));
    };
    if day < first || day > last {
        return Err(outside(format!("bookings are taken for {first} to {last}")));
    }
    if slot.starts_at(day) <= now {
        return Err(outside("that slot has already begun".into()));
    }
    Ok(())
}

/// May a booking for this slot still be cancelled or changed?
pub fn may_change(now: NaiveDateTime, day: NaiveDate, slot: Slot, rules: &BookingRules) -> Result<(), Refusal> {
    let deadline = slot.starts_at(day) - Duration::minutes(i64::from(rules.change_deadline_minutes));
    if now > deadline {
        return Err((
            ErrorCode::TooLateToChange,
            format!("a booking can be changed or cancelled until {}", deadline.format("%Y-%m-%d %H:%M")),
        ));
    }
    Ok(())
}

/// Where a check-in stands against the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    Open,
    /// Check-in opens at this local time.
    TooEarly(NaiveDateTime),
    /// Past the grace: the booking is (or will be marked) a no-show; a normal ticket is offered.
    TooLate,
}

pub fn check_in(now: NaiveDateTime, day: NaiveDate, slot: Slot, rules: &BookingRules) -> CheckIn {
    let start = slot.starts_at(day);
    let opens = start - Duration::minutes(i64::from(rules.check_in_before_minutes));
    let closes = start + Duration::minutes(i64::from(rules.check_in_grace_minutes));
    if now < opens {
        CheckIn::TooEarly(opens)
    } else if now > closes {
        CheckIn::TooLate
    } else {
        CheckIn::Open
    }
}

/// The latest slot start (minutes after midnight) of `today` whose check-in has closed: booked
/// slots of today starting before it, and of earlier days, are no-shows.
pub fn no_show_before(now: NaiveDateTime, rules: &BookingRules) -> i64 {
    let minute = i64::from(now.time().num_seconds_from_midnight() / 60);
    minute - i64::from(rules.check_in_grace_minutes)
}

/// Is a person blocked for no-shows? `no_shows` are the local dates of their past no-shows.
/// Blocked until `block_days` after the last one once `no_show_limit` fall within the window.
pub fn blocked_until(no_shows: &[NaiveDate], today: NaiveDate, rules: &BookingRules) -> Option<NaiveDate> {
    if rules.no_show_limit == 0 {
        return None;
    }
    let since = today - Duration::days(i64::from(rules.no_show_window_days));
    let mut recent: Vec<NaiveDate> = no_shows.iter().copied().filter(|d| *d > since && *d <= today).collect();
    recent.sort();
    if (recent.len() as u32) < rules.no_show_limit {
        return None;
    }
    let until = *recent.last()? + Duration::days(i64::from(rules.block_days));
    (until > today).then_some(until)
}

/// Monday of the week a day falls in (the per-week limit counts Monday to Sunday).
pub fn week_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    (monday, monday + Duration::days(6))
}

/// A short booking code people can read out and type: 8 characters without look-alikes.
pub fn booking_code(random: &[u8; 8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    random.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
    }

    /// Mon–Fri 08:30–12:00, 13:30–17:30; National Day 1–7 October 2026 off, Sunday 11 October a
    /// make-up working day.
    fn county() -> Schedule {
        let mut s = Schedule::default();
        for weekday in 1..=5 {
            s.add_period(weekday, Period::new(510, 720).expect("morning"));
            s.add_period(weekday, Period::new(810, 1050).expect("afternoon"));
        }
        for d in 1..=7 {
            s.add_holiday(day(&format!("2026-10-{d:02}")));
        }
        s.add_workday(day("2026-10-11"));
        s
    }

    #[test]
    fn slots_follow_the_hours_the_lunch_break_holidays_and_make_up_days() {
        let s = county();
        let monday = slots(&s, day("2026-11-23"), 30);
        assert_eq!(monday.len(), 7 + 8, "08:30–12:00 gives 7, 13:30–17:30 gives 8");
        assert_eq!((monday[0].start_text(), monday[0].end_text()), ("08:30".into(), "09:00".into()));
        assert_eq!(monday[6].end_text(), "12:00");
        assert_eq!(monday[7].start_text(), "13:30", "nothing over lunch");
        assert!(slots(&s, day("2026-10-01"), 30).is_empty(), "National Day");
        assert!(slots(&s, day("2026-11-22"), 30).is_empty(), "a Sunday");
        assert_eq!(slots(&s, day("2026-10-11"), 30).len(), 15, "调休 Sunday works Monday's hours");
        // A slot never runs past a period's end.
        assert_eq!(slots(&s, day("2026-11-23"), 45).iter().filter(|x| x.start < 720).count(), 4);
        assert!(slots(&s, day("2026-11-23"), 45).iter().all(|x| x.end <= 720 || x.start >= 810));
        assert_eq!(slot_at(&s, day("2026-11-23"), 30, "13:30").map(|x| x.end), Some(840));
        assert_eq!(slot_at(&s, day("2026-11-23"), 30, "12:00"), None);
    }

    #[test]
    fn the_booking_window_counts_working_days_and_skips_holidays() {
        let s = county();
        let rules = BookingRules::default();
        // Wednesday 30 September 2026: next working day is Thursday 8 October (holiday week),
        // then 9 (Fri), 11 (调休 Sun), 12 (Mon), 13 (Tue).
        assert_eq!(booking_window(&s, day("2026-09-30"), &rules), Some((day("2026-10-08"), day("2026-10-13"))));
        let same_day = BookingRules { same_day: true, ..rules.clone() };
        assert_eq!(booking_window(&s, day("2026-11-23"), &same_day).map(|w| w.0), Some(day("2026-11-23")));
        let monday_slot = Slot { start: 540, end: 570 };
        assert!(may_book(&s, at("2026-11-23 10:00"), day("2026-11-24"), monday_slot, &rules).is_ok());
        let today = may_book(&s, at("2026-11-23 08:00"), day("2026-11-23"), monday_slot, &rules).expect_err("today");
        assert_eq!(today.0, ErrorCode::OutsideBookingWindow);
        assert!(may_book(&s, at("2026-11-23 08:00"), day("2026-11-23"), monday_slot, &same_day).is_ok());
        assert!(may_book(&s, at("2026-11-23 09:10"), day("2026-11-23"), monday_slot, &same_day).is_err(), "begun");
        assert!(may_book(&s, at("2026-11-23 10:00"), day("2026-12-01"), monday_slot, &rules).is_err(), "beyond");
    }

    #[test]
    fn changes_close_before_the_slot_and_check_in_has_its_own_window() {
        let rules = BookingRules::default();
        let slot = Slot { start: 600, end: 630 };
        let d = day("2026-11-24");
        assert!(may_change(at("2026-11-24 08:00"), d, slot, &rules).is_ok());
        assert_eq!(
            may_change(at("2026-11-24 08:01"), d, slot, &rules).expect_err("late").0,
            ErrorCode::TooLateToChange
        );
        assert_eq!(check_in(at("2026-11-24 09:29"), d, slot, &rules), CheckIn::TooEarly(at("2026-11-24 09:30")));
        assert_eq!(check_in(at("2026-11-24 09:30"), d, slot, &rules), CheckIn::Open);
        assert_eq!(check_in(at("2026-11-24 10:15"), d, slot, &rules), CheckIn::Open);
        assert_eq!(check_in(at("2026-11-24 10:16"), d, slot, &rules), CheckIn::TooLate);
        // The no-show job agrees: at 10:16 a 10:00 slot is past its grace, a 10:01 one is not.
        assert!(i64::from(slot.start) < no_show_before(at("2026-11-24 10:16"), &rules));
        assert!(601 >= no_show_before(at("2026-11-24 10:16"), &rules));
    }

    #[test]
    fn three_no_shows_in_thirty_days_block_for_thirty_days_after_the_last() {
        let rules = BookingRules::default();
        let shows = [day("2026-11-01"), day("2026-11-10"), day("2026-11-20")];
        assert_eq!(blocked_until(&shows[..2], day("2026-11-21"), &rules), None);
        assert_eq!(blocked_until(&shows, day("2026-11-21"), &rules), Some(day("2026-12-20")));
        assert_eq!(blocked_until(&shows, day("2026-12-20"), &rules), None, "served");
        let spread = [day("2026-09-01"), day("2026-10-15"), day("2026-11-20")];
        assert_eq!(blocked_until(&spread, day("2026-11-21"), &rules), None, "not within 30 days");
    }

    #[test]
    fn walk_ins_keep_their_share_of_window_time() {
        let rules = BookingRules::default();
        // One window, 8-minute handling: 30 × 50% = 15 minutes bookable → 1 place.
        assert_eq!(rules.places(1, 8), 1);
        // Four windows: 60 bookable minutes → 7, capped at the configured 4.
        assert_eq!(rules.places(4, 8), 4);
        assert_eq!(rules.places(0, 8), 0, "no window serves it: nothing to book");
    }

    #[test]
    fn weeks_run_monday_to_sunday_and_codes_avoid_look_alikes() {
        assert_eq!(week_of(day("2026-11-26")), (day("2026-11-23"), day("2026-11-29")));
        let code = booking_code(&[0, 1, 2, 3, 200, 255, 31, 32]);
        assert_eq!(code.len(), 8);
        assert!(!code.contains(['0', 'O', '1', 'I']), "{code}");
        assert!(BookingRules::default().validate().is_ok());
    }
}
