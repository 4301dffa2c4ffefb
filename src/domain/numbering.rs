//! Ticket numbers: a service prefix and three or more digits, restarting every business day.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The hall's calendar date at an instant: numbers restart at midnight in the hall's timezone,
/// not at UTC midnight (08:00 in Shanghai).
pub fn business_date(at: DateTime<Utc>, timezone: Tz) -> NaiveDate {
    at.with_timezone(&timezone).date_naive()
}

/// The instant a business day starts: its first moment in the hall's timezone (the earliest,
/// should a clock change fall at midnight). None only for a day that has no such moment.
pub fn day_start(day: NaiveDate, timezone: Tz) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?.and_local_timezone(timezone).earliest().map(|t| t.with_timezone(&Utc))
}

/// `A` + 7 → `A007`; past 999 the number simply grows (`A1000`).
pub fn format_number(prefix: &str, seq: u32) -> String {
    format!("{prefix}{seq:03}")
}

/// Splits `A007` into (`A`, 7). Prefixes are letters, the rest digits.
pub fn parse_number(number: &str) -> Option<(&str, u32)> {
    let split = number.find(|c: char| c.is_ascii_digit())?;
    let (prefix, digits) = number.split_at(split);
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_uppercase()) || digits.len() < 3 {
        return None;
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((prefix, digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid").with_timezone(&Utc)
    }

    #[test]
    fn the_business_day_turns_at_shanghai_midnight_not_utc_midnight() {
        let shanghai = chrono_tz::Asia::Shanghai;
        // 15:59:59 UTC is 23:59:59 in Shanghai; one second later it is the next day there.
        assert_eq!(business_date(utc("2026-11-24T15:59:59Z"), shanghai).to_string(), "2026-11-24");
        assert_eq!(business_date(utc("2026-11-24T16:00:00Z"), shanghai).to_string(), "2026-11-25");
        // UTC midnight is 08:00 in Shanghai: the same business day continues.
        assert_eq!(business_date(utc("2026-11-24T23:59:59Z"), shanghai).to_string(), "2026-11-25");
        assert_eq!(business_date(utc("2026-11-25T00:00:00Z"), shanghai).to_string(), "2026-11-25");
    }

    #[test]
    fn numbers_have_at_least_three_digits() {
        assert_eq!(format_number("A", 1), "A001");
        assert_eq!(format_number("C", 42), "C042");
        assert_eq!(format_number("B", 999), "B999");
        assert_eq!(format_number("B", 1000), "B1000");
    }

    #[test]
    fn malformed_numbers_are_rejected() {
        for bad in ["", "A", "7", "A7", "a007", "A00x", "007A", "A-007"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn numbers_round_trip(prefix in "[A-Z]{1,2}", seq in 1u32..100_000) {
            let number = format_number(&prefix, seq);
            prop_assert_eq!(parse_number(&number), Some((prefix.as_str(), seq)));
        }

        #[test]
        fn distinct_sequences_give_distinct_numbers(a in 1u32..100_000, b in 1u32..100_000) {
            prop_assume!(a != b);
            prop_assert_ne!(format_number("A", a), format_number("A", b));
        }
    }
}
