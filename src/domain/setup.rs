//! The rules for what a hall's administrators enter: codes, names, opening hours, the holiday
//! calendar (typed as a list or uploaded as CSV), accounts and passwords. Each parser turns text
//! into a value that cannot be wrong, or names the problem with an error code.
use super::codes::ErrorCode;
use super::schedule::Period;
use chrono::NaiveDate;

pub type Refusal = (ErrorCode, String);

fn refuse(code: ErrorCode, message: impl Into<String>) -> Refusal {
    (code, message.into())
}

/// A hall code appears in every address of the hall (`/kiosk/{hall}`): 2–32 lower-case letters,
/// digits and dashes, starting with a letter.
pub fn hall_code(text: &str) -> Result<String, Refusal> {
    let code = text.trim();
    let valid = (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(refuse(
            ErrorCode::InvalidCode,
            format!("'{code}': a hall code has 2–32 lower-case letters, digits and dashes, starting with a letter"),
        ));
    }
    Ok(code.to_owned())
}

/// A service code is the ticket prefix (`A` in `A001`): one or two capital letters.
pub fn service_code(text: &str) -> Result<String, Refusal> {
    let code = text.trim();
    if !(1..=2).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(refuse(
            ErrorCode::InvalidCode,
            format!("'{code}': a service code is the ticket prefix, one or two capital letters (A, SB)"),
        ));
    }
    Ok(code.to_owned())
}

/// A display name: trimmed, 1 to `max` characters.
pub fn name(field: &str, text: &str, max: usize) -> Result<String, Refusal> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > max || name.chars().any(char::is_control) {
        return Err(refuse(ErrorCode::InvalidName, format!("{field}: 1 to {max} characters, on one line")));
    }
    Ok(name.to_owned())
}

/// Optional text: blank means none.
pub fn optional_text(field: &str, text: Option<&str>, max: usize) -> Result<Option<String>, Refusal> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() > max => {
            Err(refuse(ErrorCode::InvalidField, format!("{field}: at most {max} characters")))
        }
        Some(t) => Ok(Some(t.to_owned())),
    }
}

/// Minutes in a range, for targets and handling times.
pub fn minutes(field: &str, value: i64, range: std::ops::RangeInclusive<i64>) -> Result<i32, Refusal> {
    if !range.contains(&value) {
        return Err(refuse(
            ErrorCode::InvalidField,
            format!("{field} must be between {} and {} minutes", range.start(), range.end()),
        ));
    }
    i32::try_from(value).map_err(|_| refuse(ErrorCode::InvalidField, format!("{field} is out of range")))
}

/// Window numbers as the hall paints them above the counters: 1 to 999.
pub fn window_number(value: i64) -> Result<i32, Refusal> {
    if !(1..=999).contains(&value) {
        return Err(refuse(ErrorCode::InvalidField, "a window number is between 1 and 999"));
    }
    Ok(value as i32)
}

/// `08:30` → 510 minutes; `24:00` is midnight at the end of the day.
pub fn clock_minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// `510` → `08:30`.
pub fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// At most this many periods a day (morning, afternoon, an evening window, one spare).
pub const MAX_PERIODS_A_DAY: usize = 4;

/// One weekday's periods from `[("08:30","12:00"), ("13:30","17:30")]`: each start before its end,
/// sorted, not overlapping.
pub fn day_periods(weekday: u8, periods: &[(String, String)]) -> Result<Vec<Period>, Refusal> {
    let day =
        weekday_name(weekday).ok_or_else(|| refuse(ErrorCode::InvalidHours, "weekday is 1 (Monday) to 7 (Sunday)"))?;
    if periods.len() > MAX_PERIODS_A_DAY {
        return Err(refuse(ErrorCode::InvalidHours, format!("{day}: at most {MAX_PERIODS_A_DAY} periods")));
    }
    let mut parsed = Vec::with_capacity(periods.len());
    for (opens, closes) in periods {
        let period =
            clock_minutes(opens).zip(clock_minutes(closes)).and_then(|(o, c)| Period::new(o, c)).ok_or_else(|| {
                refuse(
                    ErrorCode::InvalidHours,
                    format!("{day}: '{opens}–{closes}' is not a period (HH:MM, start before end)"),
                )
            })?;
        parsed.push(period);
    }
    parsed.sort_by_key(|p| p.opens);
    if let Some(pair) = parsed.windows(2).find(|pair| pair[1].opens < pair[0].closes) {
        return Err(refuse(ErrorCode::InvalidHours, format!("{day}: {} overlaps {}", pair[0], pair[1])));
    }
    Ok(parsed)
}

pub fn weekday_name(weekday: u8) -> Option<&'static str> {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        .get(usize::from(weekday).checked_sub(1)?)
        .copied()
}

/// What a calendar date does to the weekly hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// Closed (法定节假日).
    Holiday,
    /// Open on a weekend (调休上班).
    Workday,
}

impl DayKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "holiday" | "休" | "假" | "休息" | "节假日" | "closed" => Some(Self::Holiday),
            "workday" | "班" | "上班" | "调休上班" | "open" => Some(Self::Workday),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub note: Option<String>,
}

/// Most lines one upload may hold: a few years of holidays.
pub const MAX_CALENDAR_LINES: usize = 1000;
pub const MAX_CALENDAR_NOTE_CHARS: usize = 60;

fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d")).ok()
}

/// A year's calendar typed or uploaded as lines `date[,kind[,note]]` (`2026-10-01,holiday,国庆节`;
/// also `2026/10/01`, tabs or 、/，as separators, 休/班 for the kind). A line with only a date
/// takes `default_kind` and `default_note`. Blank lines, `#` comments and a header line are
/// skipped. A later line for the same date wins. Any bad line refuses the whole list, naming it.
pub fn parse_calendar(
    text: &str,
    default_kind: DayKind,
    default_note: Option<&str>,
) -> Result<Vec<CalendarEntry>, Refusal> {
    let mut entries: Vec<CalendarEntry> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_CALENDAR_LINES {
        return Err(refuse(ErrorCode::InvalidCalendar, format!("at most {MAX_CALENDAR_LINES} lines at once")));
    }
    for (index, raw) in lines.iter().enumerate() {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split([',', '\t', '，', '、', ';']).map(str::trim).collect();
        let Some(date) = parse_date(fields[0]) else {
            if index == 0 && entries.is_empty() && !fields[0].chars().any(|c| c.is_ascii_digit()) {
                continue; // a header line: date,kind,note
            }
            return Err(refuse(
                ErrorCode::InvalidCalendar,
                format!("line {}: '{}' is not a date (YYYY-MM-DD)", index + 1, fields[0]),
            ));
        };
        let kind = match fields.get(1).filter(|k| !k.is_empty()) {
            None => default_kind,
            Some(k) => DayKind::parse(k).ok_or_else(|| {
                refuse(
                    ErrorCode::InvalidCalendar,
                    format!("line {}: '{k}' is neither holiday (休) nor workday (班)", index + 1),
                )
            })?,
        };
        let note = match fields.get(2..).map(|rest| rest.join(",")).filter(|n| !n.trim().is_empty()) {
            Some(note) => Some(note.trim().to_owned()),
            None => default_note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
        };
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_CALENDAR_NOTE_CHARS) {
            return Err(refuse(
                ErrorCode::InvalidCalendar,
                format!("line {}: a note has at most {MAX_CALENDAR_NOTE_CHARS} characters", index + 1),
            ));
        }
        entries.retain(|e| e.date != date);
        entries.push(CalendarEntry { date, kind, note });
    }
    entries.sort_by_key(|e| e.date);
    Ok(entries)
}

/// User names sign in and appear in the audit log: 2–32 lower-case letters, digits, `.`, `-`, `_`.
pub fn username(text: &str) -> Result<String, Refusal> {
    let name = text.trim();
    let valid = (2..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if !valid {
        return Err(refuse(
            ErrorCode::InvalidUsername,
            format!("'{name}': a user name has 2–32 lower-case letters, digits, dots, dashes or underscores"),
        ));
    }
    Ok(name.to_owned())
}

/// The shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Long enough, not absurdly long, and not built on the user name.
pub fn password(username: &str, password: &str) -> Result<(), Refusal> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(refuse(
            ErrorCode::WeakPassword,
            format!("a password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let user = username.to_lowercase();
    if !user.is_empty() && (lower.contains(&user) || user.contains(&lower)) {
        return Err(refuse(ErrorCode::PasswordLikeUsername, "the password must not contain the user name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn codes_are_checked_for_the_places_they_appear() {
        assert_eq!(hall_code(" county-1 ").expect("valid"), "county-1");
        for bad in ["", "a", "Demo", "1hall", "hall code", "大厅"] {
            assert_eq!(hall_code(bad).expect_err(bad).0, ErrorCode::InvalidCode);
        }
        assert_eq!(service_code("SB").expect("valid"), "SB");
        for bad in ["", "a", "A1", "ABC", "Ä"] {
            assert_eq!(service_code(bad).expect_err(bad).0, ErrorCode::InvalidCode);
        }
    }

    #[test]
    fn clock_times_read_as_halls_post_them() {
        assert_eq!(clock_minutes("08:30"), Some(510));
        assert_eq!(clock_minutes("8:30"), Some(510));
        assert_eq!(clock_minutes("24:00"), Some(1440));
        for bad in ["24:01", "8:3", "08:60", "0830", "", "ab:cd"] {
            assert_eq!(clock_minutes(bad), None, "{bad}");
        }
        assert_eq!(clock_text(510), "08:30");
    }

    #[test]
    fn a_day_has_ordered_periods_that_do_not_overlap() {
        let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        let day = day_periods(1, &[p("13:30", "17:30"), p("08:30", "12:00")]).expect("valid");
        assert_eq!(day.iter().map(ToString::to_string).collect::<Vec<_>>(), ["08:30–12:00", "13:30–17:30"]);
        let overlap = day_periods(2, &[p("08:30", "12:00"), p("11:30", "17:30")]).expect_err("overlaps");
        assert!(overlap.1.contains("Tuesday") && overlap.1.contains("overlaps"), "{}", overlap.1);
        assert_eq!(day_periods(1, &[p("12:00", "08:30")]).expect_err("backwards").0, ErrorCode::InvalidHours);
        assert_eq!(day_periods(8, &[]).expect_err("weekday").0, ErrorCode::InvalidHours);
        assert!(day_periods(7, &[]).expect("closed").is_empty());
    }

    #[test]
    fn a_years_calendar_is_read_from_a_list_or_csv() {
        let text = "\u{feff}date,kind,note\n2026-10-01,holiday,国庆节\n2026/10/02\n\n# 调休\n2026-10-10，班，国庆调休\n2026-10-02,休,国庆节\n";
        let entries = parse_calendar(text, DayKind::Holiday, Some("节假日")).expect("valid");
        assert_eq!(
            entries,
            vec![
                CalendarEntry { date: day("2026-10-01"), kind: DayKind::Holiday, note: Some("国庆节".into()) },
                CalendarEntry { date: day("2026-10-02"), kind: DayKind::Holiday, note: Some("国庆节".into()) },
                CalendarEntry { date: day("2026-10-10"), kind: DayKind::Workday, note: Some("国庆调休".into()) },
            ]
        );
        let bad = parse_calendar("2026-10-01\n2026-13-01", DayKind::Holiday, None).expect_err("bad date");
        assert_eq!(bad.0, ErrorCode::InvalidCalendar);
        assert!(bad.1.starts_with("line 2"), "{}", bad.1);
        let kind = parse_calendar("2026-10-01,maybe", DayKind::Holiday, None).expect_err("bad kind");
        assert!(kind.1.contains("maybe"), "{}", kind.1);
        assert!(parse_calendar("", DayKind::Holiday, None).expect("empty").is_empty());
    }

    #[test]
    fn passwords_are_long_enough_and_not_the_user_name() {
        assert!(password("wang.li", "harbour-lamp-42").is_ok());
        assert_eq!(password("wang.li", "short").expect_err("short").0, ErrorCode::WeakPassword);
        assert_eq!(password("wang.li", "Wang.Li2026").expect_err("name").0, ErrorCode::PasswordLikeUsername);
        assert_eq!(password("administrator", "admin").expect_err("short first").0, ErrorCode::WeakPassword);
        assert_eq!(username("Wang").expect_err("upper").0, ErrorCode::InvalidUsername);
        assert_eq!(username(" wang_li ").expect("valid"), "wang_li");
    }
}
