//! Forecasting a day's arrivals per service and half hour from the hall's history. Pure: fed the
//! past days' counts and the calendar, it knows nothing of where they come from. The model (in
//! `docs/planning.md`) is multiplicative:
//!
//! `day total = level × weekday factor × declaration-period factor × holiday factor`
//!
//! where `level` is the mean of the last `LEVEL_DAYS` business days, each made typical by
//! dividing out its own factors, and each factor is the mean of the days that share it over the
//! mean of all, shrunk toward 1 when few days share it. The day's total is spread over half hours
//! by the service's share of arrivals per half hour over the history. Its error is measured by
//! forecasting each of the last `BACKTEST_DAYS` days from the days before it (MAPE).
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Half hours in a day; slot `i` starts at `i × 30` minutes past midnight.
pub const SLOTS: usize = 48;
/// Business days the level is the mean of.
pub const LEVEL_DAYS: usize = 20;
/// Past days the error is measured on.
pub const BACKTEST_DAYS: usize = 20;
/// Days a factor needs before it counts fully (fewer are shrunk toward 1).
const SHRINK_DAYS: f64 = 3.0;

/// One past business day: arrivals per service code and half hour.
#[derive(Debug, Clone, PartialEq)]
pub struct DayCounts {
    pub date: NaiveDate,
    pub services: BTreeMap<String, [f64; SLOTS]>,
}

/// Where a day falls in the monthly declaration period (申报征期, the 1st–15th; busiest at its
/// start and before its deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodPosition {
    /// The 1st–5th.
    Opening,
    /// The 6th–10th.
    Middle,
    /// The 11th–15th, up to the deadline.
    Deadline,
    Outside,
}

impl PeriodPosition {
    pub fn of(date: NaiveDate) -> Self {
        match date.day() {
            1..=5 => Self::Opening,
            6..=10 => Self::Middle,
            11..=15 => Self::Deadline,
            _ => Self::Outside,
        }
    }
}

/// What the model knows about a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayFeatures {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    pub period: PeriodPosition,
    /// The first business day after the hall was closed for two or more weekdays, or the last
    /// one before such a closure (the days around a holiday).
    pub around_holiday: bool,
}

/// The day's features; `open(date)` says whether the hall opens that day.
pub fn features(date: NaiveDate, open: &dyn Fn(NaiveDate) -> bool) -> DayFeatures {
    let closed_weekdays = |days: &mut dyn Iterator<Item = NaiveDate>| {
        days.take_while(|d| !open(*d)).filter(|d| d.weekday().number_from_monday() <= 5).count()
    };
    let before = closed_weekdays(&mut (1..15).map(|k| date - Duration::days(k)));
    let after = closed_weekdays(&mut (1..15).map(|k| date + Duration::days(k)));
    DayFeatures {
        weekday: date.weekday().number_from_monday(),
        period: PeriodPosition::of(date),
        around_holiday: before >= 2 || after >= 2,
    }
}

/// A service's forecast for the day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceForecast {
    pub code: String,
    pub total: f64,
    /// Expected arrivals per half hour from midnight (48 values).
    pub half_hours: Vec<f64>,
}

/// The day's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Forecast {
    pub date: NaiveDate,
    pub features: DayFeatures,
    pub services: Vec<ServiceForecast>,
    /// Business days of history it was made from.
    pub history_days: usize,
}

/// How well the model did on past days.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Accuracy {
    pub days_tested: usize,
    /// Mean absolute percentage error of the day's total, all services together.
    pub mape_total: Option<f64>,
    /// The same per service (days the service had arrivals).
    pub mape_services: BTreeMap<String, f64>,
    /// Σ|forecast − actual| ÷ Σ actual over the tested days' half hours, all services together.
    pub wape_half_hours: Option<f64>,
}

fn total(slots: &[f64; SLOTS]) -> f64 {
    slots.iter().sum()
}

/// Mean of the values of the days with a feature value, over the mean of all, shrunk toward 1.
fn factor<K: Ord + Copy>(days: &[(K, f64)], key: K, overall: f64) -> f64 {
    let matching: Vec<f64> = days.iter().filter(|(k, _)| *k == key).map(|(_, v)| *v).collect();
    if matching.is_empty() || overall <= 0.0 {
        return 1.0;
    }
    let n = matching.len() as f64;
    let raw = matching.iter().sum::<f64>() / n / overall;
    (n * raw + SHRINK_DAYS) / (n + SHRINK_DAYS)
}

/// The forecast for `date` from `history` (past business days, any order; only days before
/// `date` are used).
pub fn forecast(
    history: &[DayCounts],
    services: &[String],
    date: NaiveDate,
    open: &dyn Fn(NaiveDate) -> bool,
) -> Forecast {
    let mut past: Vec<&DayCounts> = history.iter().filter(|d| d.date < date).collect();
    past.sort_by_key(|d| d.date);
    let target = features(date, open);
    let day_features: Vec<DayFeatures> = past.iter().map(|d| features(d.date, open)).collect();
    let services = services
        .iter()
        .map(|code| {
            let totals: Vec<f64> = past.iter().map(|d| d.services.get(code).map_or(0.0, total)).collect();
            let n = totals.len();
            if n == 0 {
                return ServiceForecast { code: code.clone(), total: 0.0, half_hours: vec![0.0; SLOTS] };
            }
            let overall = totals.iter().sum::<f64>() / n as f64;
            // Weekday first, then the period on weekday-adjusted totals, then holidays on both.
            let by_weekday: Vec<(u32, f64)> = day_features.iter().zip(&totals).map(|(f, t)| (f.weekday, *t)).collect();
            let weekday = |w: u32| factor(&by_weekday, w, overall);
            let adjusted: Vec<f64> = day_features.iter().zip(&totals).map(|(f, t)| t / weekday(f.weekday)).collect();
            let by_period: Vec<(PeriodPosition, f64)> =
                day_features.iter().zip(&adjusted).map(|(f, t)| (f.period, *t)).collect();
            let period = |p: PeriodPosition| factor(&by_period, p, overall);
            let adjusted: Vec<f64> = day_features.iter().zip(&adjusted).map(|(f, t)| t / period(f.period)).collect();
            let by_holiday: Vec<(bool, f64)> =
                day_features.iter().zip(&adjusted).map(|(f, t)| (f.around_holiday, *t)).collect();
            let holiday = |h: bool| factor(&by_holiday, h, overall);
            let of = |f: &DayFeatures| weekday(f.weekday) * period(f.period) * holiday(f.around_holiday);
            // The level: recent days, each divided by its own factors.
            let recent = n.saturating_sub(LEVEL_DAYS);
            let level = (recent..n).map(|i| totals[i] / of(&day_features[i])).sum::<f64>() / (n - recent) as f64;
            let day_total = level * of(&target);
            let mut shape = [0.0; SLOTS];
            for d in &past {
                if let Some(slots) = d.services.get(code) {
                    for (s, v) in shape.iter_mut().zip(slots) {
                        *s += v;
                    }
                }
            }
            let sum: f64 = shape.iter().sum();
            let half_hours = shape.iter().map(|v| if sum > 0.0 { round2(day_total * v / sum) } else { 0.0 }).collect();
            ServiceForecast { code: code.clone(), total: round2(day_total), half_hours }
        })
        .collect();
    Forecast { date, features: target, services, history_days: past.len() }
}

/// The model's error on the last `BACKTEST_DAYS` days of `history`, each forecast from the days
/// before it (needs at least 10 days before the first tested one).
pub fn accuracy(history: &[DayCounts], services: &[String], open: &dyn Fn(NaiveDate) -> bool) -> Accuracy {
    let mut days: Vec<&DayCounts> = history.iter().collect();
    days.sort_by_key(|d| d.date);
    let tested: Vec<&DayCounts> = days.iter().skip(10).rev().take(BACKTEST_DAYS).copied().collect();
    let (mut total_errors, mut per_service) = (Vec::new(), BTreeMap::<String, Vec<f64>>::new());
    let (mut slot_error, mut slot_actual) = (0.0, 0.0);
    for day in &tested {
        let f = forecast(history, services, day.date, open);
        let (mut predicted, mut actual) = (0.0, 0.0);
        for s in &f.services {
            let real = day.services.get(&s.code).copied().unwrap_or([0.0; SLOTS]);
            let a = total(&real);
            if a > 0.0 {
                per_service.entry(s.code.clone()).or_default().push((s.total - a).abs() / a);
            }
            predicted += s.total;
            actual += a;
            for (p, r) in s.half_hours.iter().zip(real.iter()) {
                slot_error += (p - r).abs();
                slot_actual += r;
            }
        }
        if actual > 0.0 {
            total_errors.push((predicted - actual).abs() / actual);
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| round4(v.iter().sum::<f64>() / v.len() as f64));
    Accuracy {
        days_tested: tested.len(),
        mape_total: mean(&total_errors),
        mape_services: per_service.iter().filter_map(|(k, v)| mean(v).map(|m| (k.clone(), m))).collect(),
        wape_half_hours: (slot_actual > 0.0).then(|| round4(slot_error / slot_actual)),
    }
}

fn round2(v: f64) -> f64 {
    super::simulation::round(v, 2)
}

fn round4(v: f64) -> f64 {
    super::simulation::round(v, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn weekdays(day: NaiveDate) -> bool {
        day.weekday().number_from_monday() <= 5
    }

    /// A hall whose service A gets `base` a day, ×1.5 in the declaration period and ×1.2 on
    /// Mondays, all at 09:00–10:00.
    fn history(from: &str, days: i64, base: f64) -> Vec<DayCounts> {
        (0..days)
            .map(|k| date(from) + Duration::days(k))
            .filter(|d| weekdays(*d))
            .map(|d| {
                let mut n = base;
                if d.day() <= 15 {
                    n *= 1.5;
                }
                if d.weekday().number_from_monday() == 1 {
                    n *= 1.2;
                }
                let mut slots = [0.0; SLOTS];
                slots[18] = n / 2.0;
                slots[19] = n / 2.0;
                DayCounts { date: d, services: [("A".to_owned(), slots)].into() }
            })
            .collect()
    }

    #[test]
    fn the_period_and_the_weekday_are_learnt_and_spread_by_the_day_shape() {
        let past = history("2026-06-01", 150, 100.0);
        let codes = vec!["A".to_owned()];
        // Monday 2026-11-02 is in the period: 100 × 1.5 × 1.2 = 180.
        let f = forecast(&past, &codes, date("2026-11-02"), &weekdays);
        assert_eq!(f.features.period, PeriodPosition::Opening);
        let a = &f.services[0];
        assert!((a.total - 180.0).abs() < 180.0 * 0.05, "{}", a.total);
        assert!((a.half_hours[18] - a.total / 2.0).abs() < 0.01);
        assert_eq!(a.half_hours[30], 0.0);
        // A Wednesday after the period: 100.
        let quiet = forecast(&past, &codes, date("2026-11-18"), &weekdays);
        assert!((quiet.services[0].total - 100.0).abs() < 5.0, "{}", quiet.services[0].total);
        // Its error on a regular history is small, and an unknown service forecasts nothing.
        let acc = accuracy(&past, &codes, &weekdays);
        assert_eq!(acc.days_tested, BACKTEST_DAYS);
        assert!(acc.mape_total.expect("tested") < 0.05, "{acc:?}");
        let none = forecast(&past, &["Z".to_owned()], date("2026-11-18"), &weekdays);
        assert_eq!(none.services[0].total, 0.0);
    }

    #[test]
    fn the_days_around_a_closure_of_two_or_more_weekdays_are_marked() {
        let national_day = |d: NaiveDate| weekdays(d) && !(date("2026-10-01")..=date("2026-10-07")).contains(&d);
        assert!(features(date("2026-10-08"), &national_day).around_holiday);
        assert!(features(date("2026-09-30"), &national_day).around_holiday);
        assert!(!features(date("2026-10-13"), &national_day).around_holiday);
        // An ordinary weekend is not a holiday.
        assert!(!features(date("2026-11-23"), &weekdays).around_holiday);
    }

    #[test]
    fn no_history_forecasts_nothing_and_measures_nothing() {
        let codes = vec!["A".to_owned()];
        let f = forecast(&[], &codes, date("2026-11-27"), &weekdays);
        assert_eq!((f.history_days, f.services[0].total), (0, 0.0));
        let acc = accuracy(&[], &codes, &weekdays);
        assert_eq!((acc.days_tested, acc.mape_total), (0, None));
    }
}
