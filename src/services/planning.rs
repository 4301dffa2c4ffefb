//! Peak-day planning for a hall (`GET /halls/{hall}/plan`): the date's arrivals forecast from the
//! hall's history, the windows Erlang C recommends per half hour (checked by simulation), and the
//! simulated day under the hall's usual plan (its general windows all day, the cash windows as
//! the live surge advice would open them) against the recommendation. The rules are in
//! `domain::{forecast, staffing, simulation}`; this reads the hall and its history for them.
use super::auth::Actor;
use crate::domain::forecast::{self, Accuracy, DayCounts, Forecast, SLOTS};
use crate::domain::simulation::{
    self, clock_text, Arrivals, Distribution, Handling, Scenario, ServiceSpec, SimulationResult, SurgeSpec, WindowSpec,
};
use crate::domain::staffing::{self, StaffingPlan};
use crate::domain::window::WindowKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence::halls::HallConfig;
use crate::persistence::{reports as store, windows};
use crate::state::Core;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days of history read for the forecast and the handling times.
pub const HISTORY_DAYS: i64 = 182;
/// Served tickets a service needs before its own handling times replace the typical time.
const MIN_HANDLED: usize = 30;
const REPLICATIONS: u32 = 20;

#[derive(Debug, Clone, Serialize)]
pub struct DayPlan {
    pub hall: String,
    pub date: NaiveDate,
    /// The share to call within each service's target wait.
    pub target: f64,
    /// The planning grid: the half hours from the hall's opening to its closing that day.
    pub half_hours: Vec<String>,
    pub forecast: Forecast,
    pub accuracy: Accuracy,
    /// Handling per service as simulated: from the history, or the configured typical time.
    pub handling: BTreeMap<String, HandlingUsed>,
    /// The hall's windows in scenario order (the staffing plan's window 1 is the first here).
    pub windows: Vec<PlanWindow>,
    pub recommendation: StaffingPlan,
    /// The day simulated under the hall's usual plan, and under the recommendation.
    pub usual: SimulationResult,
    pub recommended: SimulationResult,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandlingUsed {
    pub mean_minutes: f64,
    pub cv: f64,
    /// Served tickets it was measured on (0: the configured typical time).
    pub measured_on: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanWindow {
    pub number: i32,
    pub name: String,
    pub kind: WindowKind,
    pub services: Vec<String>,
}

/// The past business days' arrivals per service and half hour, and each service's handling
/// times (minutes), from the tickets issued in the `HISTORY_DAYS` before `until`.
async fn history(
    state: &Core,
    hall: &HallConfig,
    until: NaiveDate,
) -> AppResult<(Vec<DayCounts>, BTreeMap<String, Vec<f64>>, f64)> {
    let from = until - Duration::days(HISTORY_DAYS);
    let to = until - Duration::days(1);
    let records = store::tickets_between(&state.db, hall.id, from, to).await?;
    let code: BTreeMap<i32, &str> = hall.services.iter().map(|s| (s.id.0, s.code.as_str())).collect();
    let mut days: BTreeMap<NaiveDate, BTreeMap<String, [f64; SLOTS]>> = BTreeMap::new();
    let mut handling: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let (mut no_shows, mut called) = (0u64, 0u64);
    for t in &records {
        let Some(service) = code.get(&t.service_id) else { continue };
        let local = DateTime::from_timestamp(t.issued_at, 0).unwrap_or_default().with_timezone(&hall.timezone);
        let slot = ((local.time().num_seconds_from_midnight() / 1800) as usize).min(SLOTS - 1);
        days.entry(local.date_naive()).or_default().entry((*service).to_owned()).or_insert([0.0; SLOTS])[slot] += 1.0;
        if let Some(seconds) = t.handle_seconds {
            handling.entry((*service).to_owned()).or_default().push(seconds.max(0) as f64 / 60.0);
        }
        no_shows += u64::from(t.outcome == 2);
        called += u64::from(t.outcome == 1 || t.outcome == 2);
    }
    let days = days.into_iter().map(|(date, services)| DayCounts { date, services }).collect();
    let no_show_rate = if called > 0 { no_shows as f64 / called as f64 } else { 0.0 };
    Ok((days, handling, no_show_rate.min(0.5)))
}

/// The plan for `date`.
#[tracing::instrument(skip(state, actor, hall), fields(hall = %hall.code))]
pub async fn plan(state: &Core, actor: &Actor, hall: &HallConfig, date: NaiveDate, target: f64) -> AppResult<DayPlan> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("planning is for the hall's managers"));
    }
    let bad = |message: String| AppError::bad_request(ErrorCode::InvalidQuery, message);
    if !(0.5..=0.99).contains(&target) {
        return Err(bad("target is a share between 0.5 and 0.99".into()));
    }
    let today = crate::domain::numbering::business_date(state.clock.now(), hall.timezone);
    if (date - today).num_days().abs() > 366 {
        return Err(bad("date must be within a year of today".into()));
    }
    let periods = hall.schedule.periods_on(date).to_vec();
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Err(AppError::conflict(
            ErrorCode::HallClosed,
            format!("the hall is closed on {date}: nothing to plan"),
        ));
    };
    let started = std::time::Instant::now();
    let (days, handled, no_show_rate) = history(state, hall, date.min(today)).await?;
    let codes: Vec<String> = hall.active_services().map(|s| s.code.clone()).collect();
    let open = |d: NaiveDate| !hall.schedule.periods_on(d).is_empty();
    let forecast = forecast::forecast(&days, &codes, date, &open);
    let accuracy = forecast::accuracy(&days, &codes, &open);

    // The grid: whole half hours from the first opening to the last closing, trimmed to those
    // the forecast expects anyone in (a hall open round the clock plans its busy hours).
    let busy: Vec<usize> = (0..SLOTS).filter(|i| forecast.services.iter().any(|s| s.half_hours[*i] > 0.0)).collect();
    let first_slot = (usize::from(first.opens) / 30).max(busy.first().copied().unwrap_or(0));
    let last_slot = usize::from(last.closes).div_ceil(30).min(SLOTS).min(busy.last().map_or(SLOTS, |b| b + 1));
    if first_slot >= last_slot {
        return Err(bad(format!("no arrivals are expected on {date} in the hall's hours: nothing to plan")));
    }
    let day_start = clock_text(first_slot as f64 * 30.0);
    let hours: Vec<[String; 2]> =
        periods.iter().map(|p| [clock_text(f64::from(p.opens)), clock_text(f64::from(p.closes))]).collect();
    let mut handling = BTreeMap::new();
    let services: Vec<ServiceSpec> = hall
        .active_services()
        .map(|s| {
            let rates: Vec<f64> = forecast
                .services
                .iter()
                .find(|f| f.code == s.code)
                .map(|f| f.half_hours[first_slot..last_slot].iter().map(|n| n * 2.0).collect())
                .unwrap_or_default();
            let used = handling_of(handled.get(&s.code), s.typical_handling.num_seconds() as f64 / 60.0);
            let spec = ServiceSpec {
                code: s.code.clone(),
                arrivals_per_hour: Arrivals::PerHalfHour(if rates.is_empty() { vec![0.0] } else { rates }),
                target_wait_minutes: s.target_wait.num_seconds() as f64 / 60.0,
                handling: Handling {
                    dist: Distribution::Lognormal,
                    mean_minutes: used.mean_minutes,
                    cv: Some(used.cv),
                },
                green_share: 0.0,
            };
            handling.insert(s.code.clone(), used);
            spec
        })
        .collect();
    let offered: Vec<&str> = codes.iter().map(String::as_str).collect();
    let rows = windows::list(&state.db, hall.id).await?;
    let mut plan_windows = Vec::new();
    let mut specs = Vec::new();
    for w in rows.iter().filter(|w| w.active) {
        let services: Vec<String> = w
            .services
            .iter()
            .filter_map(|id| hall.service(*id))
            .filter(|s| offered.contains(&s.code.as_str()))
            .map(|s| s.code.clone())
            .collect();
        if services.is_empty() {
            continue;
        }
        plan_windows.push(PlanWindow {
            number: w.number,
            name: w.name.clone(),
            kind: w.kind,
            services: services.clone(),
        });
        specs.push(WindowSpec { services, kind: w.kind, open: Some(hours.clone()) });
    }
    if specs.is_empty() {
        return Err(AppError::conflict(ErrorCode::InvalidQuery, "the hall has no windows serving its services"));
    }
    // The usual plan: the cash windows open as the live surge advice would have them opened.
    let mut surge: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, w) in specs.iter().enumerate() {
        if w.kind == WindowKind::SiCash {
            surge.entry(w.services[0].clone()).or_default().push(i + 1);
        }
    }
    let watch = &hall.settings.watch;
    let surge: Vec<SurgeSpec> = surge
        .into_iter()
        .filter(|(code, _)| {
            let t = watch.of(code);
            t.waiting.is_some() || t.longest_wait_minutes.is_some() || t.estimated_wait_minutes.is_some()
        })
        .map(|(code, windows)| SurgeSpec {
            thresholds: watch.of(&code),
            service: code,
            windows,
            clear_percent: watch.clear_percent,
        })
        .collect();
    for (i, w) in specs.iter_mut().enumerate() {
        if w.kind == WindowKind::SiCash && !surge.iter().any(|s| s.windows.contains(&(i + 1))) {
            w.open = Some(Vec::new());
        }
    }
    let usual = Scenario {
        seed: u64::try_from(date.num_days_from_ce()).unwrap_or(1),
        replications: REPLICATIONS,
        warmup_minutes: 0.0,
        duration_minutes: ((last_slot - first_slot) * 30) as f64,
        day_start,
        services,
        windows: specs,
        no_show_rate,
        no_show_minutes: 2.0,
        surge,
    };
    let run = move || -> Result<_, simulation::ScenarioError> {
        let recommendation = staffing::plan(&usual, target, true)?;
        let usual_result = simulation::simulate(&usual)?;
        Ok((recommendation, usual_result))
    };
    // Simulation is CPU work: off the async workers.
    let (recommendation, usual_result) = tokio::task::spawn_blocking(run)
        .await
        .map_err(|e| AppError::internal(format!("the planner stopped: {e}")))?
        .map_err(|e| AppError::conflict(ErrorCode::InvalidQuery, format!("the day cannot be simulated: {}", e.0)))?;
    let recommended = recommendation.check.as_ref().map(|c| c.result.clone()).unwrap_or_else(|| usual_result.clone());
    tracing::info!(%date, ms = started.elapsed().as_millis() as u64, history_days = forecast.history_days, "day planned");
    Ok(DayPlan {
        hall: hall.code.clone(),
        date,
        target,
        half_hours: recommendation.half_hours.clone(),
        forecast,
        accuracy,
        handling,
        windows: plan_windows,
        recommendation,
        usual: usual_result,
        recommended,
    })
}

/// Mean and coefficient of variation of measured handling times, or the typical time (cv 0.5).
fn handling_of(measured: Option<&Vec<f64>>, typical: f64) -> HandlingUsed {
    match measured {
        Some(values) if values.len() >= MIN_HANDLED => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let mean = mean.max(0.1);
            HandlingUsed {
                mean_minutes: simulation::round(mean, 2),
                cv: simulation::round((var.sqrt() / mean).clamp(0.05, 3.0), 2),
                measured_on: values.len(),
            }
        }
        _ => HandlingUsed { mean_minutes: typical.max(0.1), cv: 0.5, measured_on: 0 },
    }
}

/// The plan as a table, one line per half hour: the forecast per service, the windows
/// recommended per pool, the cash windows open, and the mean wait under both plans.
pub fn csv(plan: &DayPlan, en: bool) -> Vec<u8> {
    let mut headers: Vec<String> = vec![if en { "Half hour" } else { "时段" }.into()];
    for s in &plan.forecast.services {
        headers.push(if en { format!("Forecast {}", s.code) } else { format!("预测到达 {}", s.code) });
    }
    for p in &plan.recommendation.pools {
        let pool = p.services.join("/");
        headers.push(if en { format!("Windows {pool}") } else { format!("建议窗口数 {pool}") });
    }
    headers.push(if en { "Cash windows open" } else { "社保收现窗口" }.into());
    headers.push(if en { "Mean wait, usual plan (min)" } else { "现方案平均等候(分钟)" }.into());
    headers.push(if en { "Mean wait, recommended (min)" } else { "建议方案平均等候(分钟)" }.into());
    let first_slot = plan.half_hours.first().and_then(|h| simulation::parse_clock(h)).unwrap_or(0.0) as usize / 30;
    let mut out = String::from("\u{feff}");
    out.push_str(&headers.join(","));
    out.push_str("\r\n");
    let wait_at = |result: &SimulationResult, index: usize| {
        result.half_hours.iter().find(|h| h.index == index).map_or(String::new(), |h| h.mean_wait_min.to_string())
    };
    for (index, label) in plan.half_hours.iter().enumerate() {
        let mut cells = vec![label.clone()];
        for s in &plan.forecast.services {
            cells.push(s.half_hours.get(first_slot + index).copied().unwrap_or(0.0).to_string());
        }
        for p in &plan.recommendation.pools {
            cells.push(p.rows.get(index).map_or(0, |r| r.windows).to_string());
        }
        let minute = simulation::parse_clock(label).unwrap_or(0.0);
        let cash_open = plan
            .recommendation
            .cash_windows
            .iter()
            .filter(|w| {
                w.open.iter().any(|[a, b]| {
                    let (a, b) = (simulation::parse_clock(a).unwrap_or(0.0), simulation::parse_clock(b).unwrap_or(0.0));
                    a <= minute && minute < b
                })
            })
            .count();
        cells.push(cash_open.to_string());
        cells.push(wait_at(&plan.usual, index));
        cells.push(wait_at(&plan.recommended, index));
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}
