//! The peak-day simulator: a discrete-event simulation that runs the in-memory hall
//! (`domain::hall`), so every call is decided by the server's own calling order and every
//! ticket goes through the server's own lifecycle. Deterministic for a seed. The model and its
//! validation against Erlang C are in `docs/planning.md`.
//!
//! Time runs in minutes from `day_start`. People arrive (Poisson, per service, the rate fixed or
//! per half hour), take a ticket, and wait; a free open window calls the next ticket the calling
//! order gives it, the person is served (handling drawn from the service's distribution) or does
//! not show (the window waits `no_show_minutes`, then marks it). Windows keep their hours and the
//! surge rule opens and closes the cash windows. After the last arrival every window stays open
//! until everyone holding a ticket has been called (a hall serves the tickets it gave out).
use super::clock::ManualClock;
use super::estimate;
use super::floor_watch::{self, Thresholds};
use super::hall::{Hall, MemoryWindow};
use super::hall_config::{HallConfig, ServiceInfo, WindowInfo};
use super::ids::{HallId, ServiceId, TicketId, WindowId};
use super::schedule::Schedule;
use super::settings::{HallSettings, QueueRules};
use super::ticket::Priority;
use super::window::{WindowAction, WindowKind, WindowState};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

/// More people waiting than this and the scenario is refused as a hall that cannot keep up
/// (the queue would only grow, and the run with it).
pub const MAX_WAITING: usize = 5_000;
/// More arrivals than this over all replications is refused (a typo, not a hall).
pub const MAX_ARRIVALS: f64 = 50_000_000.0;
/// How often (simulated minutes) the surge rule looks at the queues, as the live job does.
pub const SURGE_CHECK_MINUTES: f64 = 1.0;

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "one")]
    pub seed: u64,
    #[serde(default = "one_u32")]
    pub replications: u32,
    #[serde(default)]
    pub warmup_minutes: f64,
    /// The measured period after the warm-up; arrivals stop at its end.
    pub duration_minutes: f64,
    /// The clock time at minute 0, "HH:MM"; where per-half-hour rates and window hours start.
    #[serde(default = "default_day_start")]
    pub day_start: String,
    pub services: Vec<ServiceSpec>,
    pub windows: Vec<WindowSpec>,
    /// The share of people called who are not there.
    #[serde(default)]
    pub no_show_rate: f64,
    /// How long a window waits for a no-show before marking it.
    #[serde(default = "default_no_show_minutes")]
    pub no_show_minutes: f64,
    /// Rules that open windows when a queue is in alert (one rule, or a list).
    #[serde(default, deserialize_with = "one_or_many")]
    pub surge: Vec<SurgeSpec>,
}

fn one() -> u64 {
    1
}
fn one_u32() -> u32 {
    1
}
fn default_day_start() -> String {
    "08:30".into()
}
fn default_no_show_minutes() -> f64 {
    2.0
}
fn default_target() -> f64 {
    20.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub code: String,
    pub arrivals_per_hour: Arrivals,
    #[serde(default = "default_target")]
    pub target_wait_minutes: f64,
    pub handling: Handling,
    /// The share of green-channel tickets (called first).
    #[serde(default)]
    pub green_share: f64,
}

/// A Poisson rate per hour, fixed or one per half hour from `day_start` (none after the list,
/// and the list again the next day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arrivals {
    Fixed(f64),
    PerHalfHour(Vec<f64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    Exponential,
    Lognormal,
    Fixed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handling {
    pub dist: Distribution,
    pub mean_minutes: f64,
    /// Coefficient of variation, for `lognormal` (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Service codes, specialty first (the window's calling order).
    pub services: Vec<String>,
    #[serde(default = "general")]
    pub kind: WindowKind,
    /// Opening hours, e.g. [["08:30","12:00"],["13:30","17:30"]]; always open without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<Vec<[String; 2]>>,
}

fn general() -> WindowKind {
    WindowKind::General
}

/// The surge rule (the live floor's 建议开启社保收现窗口, `floor_watch::in_alert`): the windows
/// open when any of the service's figures reaches its threshold, and close (after the person at
/// the window) once every figure is below `clear_percent` of its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeSpec {
    pub service: String,
    /// Windows by position in `windows` (1 = the first); by default every cash window serving
    /// the service.
    #[serde(default)]
    pub windows: Vec<usize>,
    pub thresholds: Thresholds,
    #[serde(default = "default_clear_percent")]
    pub clear_percent: u32,
}

fn default_clear_percent() -> u32 {
    80
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SurgeSpec>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(SurgeSpec),
        Many(Vec<SurgeSpec>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(rule) => vec![rule],
        OneOrMany::Many(rules) => rules,
    })
}

/// Why a scenario cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub String);

fn bad(message: impl Into<String>) -> ScenarioError {
    ScenarioError(message.into())
}

/// "08:30" → 510.
pub fn parse_clock(text: &str) -> Option<f64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then(|| f64::from(h * 60 + m))
}

/// The scenario checked and turned into what the run needs.
#[derive(Debug, Clone)]
struct Compiled {
    day_start: f64,
    arrivals_end: f64,
    warmup: f64,
    services: Vec<CompiledService>,
    /// Per window: hours as (from, to) minutes of the day, relative to `day_start`; None = always.
    hours: Vec<Option<Vec<(f64, f64)>>>,
    /// Per window: the surge rule that opens it, if any.
    surge_of: Vec<Option<usize>>,
    surges: Vec<(usize, Thresholds, u32)>,
    no_show_rate: f64,
    no_show_minutes: f64,
    config: HallConfig,
    windows: Vec<MemoryWindow>,
}

#[derive(Debug, Clone)]
struct CompiledService {
    rates_per_minute: Rates,
    target: f64,
    handling: Handling,
    green_share: f64,
}

#[derive(Debug, Clone)]
enum Rates {
    Fixed(f64),
    PerHalfHour(Vec<f64>),
}

impl Scenario {
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        serde_json::from_str(text).map_err(|e| bad(format!("not a scenario: {e}")))
    }

    fn compile(&self) -> Result<Compiled, ScenarioError> {
        let finite = |v: f64| v.is_finite();
        if !(1..=1000).contains(&self.replications) {
            return Err(bad("replications must be between 1 and 1000"));
        }
        if !finite(self.duration_minutes) || self.duration_minutes <= 0.0 {
            return Err(bad("duration_minutes must be more than 0"));
        }
        if !finite(self.warmup_minutes) || self.warmup_minutes < 0.0 {
            return Err(bad("warmup_minutes must be 0 or more"));
        }
        if !(0.0..1.0).contains(&self.no_show_rate) {
            return Err(bad("no_show_rate must be at least 0 and below 1"));
        }
        if !finite(self.no_show_minutes) || self.no_show_minutes < 0.0 {
            return Err(bad("no_show_minutes must be 0 or more"));
        }
        let day_start = parse_clock(&self.day_start)
            .filter(|m| *m < 1440.0)
            .ok_or_else(|| bad(format!("day_start '{}' is not a time like 08:30", self.day_start)))?;
        if self.services.is_empty() {
            return Err(bad("a scenario has at least one service"));
        }
        if self.windows.is_empty() {
            return Err(bad("a scenario has at least one window"));
        }
        let arrivals_end = self.warmup_minutes + self.duration_minutes;
        let mut services = Vec::new();
        let mut infos = Vec::new();
        let mut expected_arrivals = 0.0;
        for (index, s) in self.services.iter().enumerate() {
            let code = s.code.trim();
            if code.is_empty() || self.services[..index].iter().any(|o| o.code.trim() == code) {
                return Err(bad(format!("service code '{code}' is empty or given twice")));
            }
            let rates = match &s.arrivals_per_hour {
                Arrivals::Fixed(rate) => {
                    if !finite(*rate) || *rate < 0.0 {
                        return Err(bad(format!("service {code}: arrivals_per_hour must be 0 or more")));
                    }
                    expected_arrivals += rate / 60.0 * arrivals_end;
                    Rates::Fixed(rate / 60.0)
                }
                Arrivals::PerHalfHour(list) => {
                    if list.is_empty() || list.len() > 48 || list.iter().any(|r| !finite(*r) || *r < 0.0) {
                        return Err(bad(format!(
                            "service {code}: arrivals_per_hour as a list has 1–48 rates per half hour, each 0 or more"
                        )));
                    }
                    let per_day: f64 = list.iter().sum::<f64>() / 2.0;
                    expected_arrivals += per_day * (arrivals_end / 1440.0).ceil();
                    Rates::PerHalfHour(list.iter().map(|r| r / 60.0).collect())
                }
            };
            let h = &s.handling;
            if !finite(h.mean_minutes) || h.mean_minutes <= 0.0 {
                return Err(bad(format!("service {code}: handling.mean_minutes must be more than 0")));
            }
            if h.cv.is_some_and(|cv| !finite(cv) || !(0.0..=5.0).contains(&cv)) {
                return Err(bad(format!("service {code}: handling.cv must be between 0 and 5")));
            }
            if !finite(s.target_wait_minutes) || s.target_wait_minutes < 0.0 {
                return Err(bad(format!("service {code}: target_wait_minutes must be 0 or more")));
            }
            if !(0.0..=1.0).contains(&s.green_share) {
                return Err(bad(format!("service {code}: green_share must be between 0 and 1")));
            }
            services.push(CompiledService {
                rates_per_minute: rates,
                target: s.target_wait_minutes,
                handling: h.clone(),
                green_share: s.green_share,
            });
            infos.push(ServiceInfo {
                id: ServiceId(index as i32 + 1),
                code: code.to_owned(),
                name: code.to_owned(),
                name_en: code.to_owned(),
                target_wait: Duration::milliseconds((s.target_wait_minutes * 60_000.0) as i64),
                typical_handling: Duration::milliseconds((h.mean_minutes * 60_000.0) as i64),
                hint: None,
                hint_en: None,
                active: true,
                appointments: false,
            });
        }
        if expected_arrivals * f64::from(self.replications) > MAX_ARRIVALS {
            return Err(bad(format!(
                "about {:.0} arrivals over all replications: more than the {MAX_ARRIVALS} a run takes",
                expected_arrivals * f64::from(self.replications)
            )));
        }
        let config = HallConfig {
            id: HallId(1),
            code: "simulated".into(),
            name: "simulated".into(),
            name_en: "simulated".into(),
            address: None,
            timezone: chrono_tz::UTC,
            services: infos,
            windows: Vec::new(),
            schedule: Schedule::always_open(),
            settings: HallSettings::default(),
        };
        let mut config = config;
        let mut windows = Vec::new();
        let mut hours = Vec::new();
        for (index, w) in self.windows.iter().enumerate() {
            let number = index as i32 + 1;
            let codes: Vec<String> = w.services.iter().map(|c| c.trim().to_owned()).collect();
            let ids =
                config.ordered_services(&codes).map_err(|(_, message)| bad(format!("window {number}: {message}")))?;
            let id = WindowId(number);
            config.windows.push(WindowInfo { id, number, name: format!("{number}"), kind: w.kind });
            windows.push(MemoryWindow { id, number, state: WindowState::Closed, services: ids });
            hours.push(match &w.open {
                None => None,
                Some(list) => Some(compile_hours(list, day_start).map_err(|m| bad(format!("window {number}: {m}")))?),
            });
        }
        let mut surge_of = vec![None; self.windows.len()];
        let mut surges = Vec::new();
        for (rule_index, rule) in self.surge.iter().enumerate() {
            let service = self
                .services
                .iter()
                .position(|s| s.code.trim() == rule.service.trim())
                .ok_or_else(|| bad(format!("surge: there is no service '{}'", rule.service)))?;
            let id = ServiceId(service as i32 + 1);
            let chosen: Vec<usize> = if rule.windows.is_empty() {
                (0..windows.len())
                    .filter(|i| self.windows[*i].kind == WindowKind::SiCash && windows[*i].services.contains(&id))
                    .collect()
            } else {
                rule.windows.iter().map(|n| n.wrapping_sub(1)).collect()
            };
            if chosen.is_empty() {
                return Err(bad(format!("surge for {}: no windows to open (no cash window serves it)", rule.service)));
            }
            for w in chosen {
                if w >= windows.len() {
                    return Err(bad(format!("surge: there is no window {}", w.wrapping_add(1))));
                }
                if surge_of[w].is_some() {
                    return Err(bad(format!("surge: window {} is in two rules", w + 1)));
                }
                surge_of[w] = Some(rule_index);
            }
            let t = rule.thresholds;
            if [t.waiting, t.longest_wait_minutes, t.estimated_wait_minutes].iter().all(Option::is_none)
                || [t.waiting, t.longest_wait_minutes, t.estimated_wait_minutes].contains(&Some(0))
            {
                return Err(bad(format!("surge for {}: give at least one threshold, each 1 or more", rule.service)));
            }
            if !(10..=100).contains(&rule.clear_percent) {
                return Err(bad("surge: clear_percent must be between 10 and 100"));
            }
            surges.push((service, t, rule.clear_percent));
        }
        for (index, service) in config.services.iter().enumerate() {
            let arrives = match &services[index].rates_per_minute {
                Rates::Fixed(r) => *r > 0.0,
                Rates::PerHalfHour(list) => list.iter().any(|r| *r > 0.0),
            };
            if arrives && !windows.iter().any(|w| w.services.contains(&service.id)) {
                return Err(bad(format!("no window serves service {}", service.code)));
            }
        }
        Ok(Compiled {
            day_start,
            arrivals_end,
            warmup: self.warmup_minutes,
            services,
            hours,
            surge_of,
            surges,
            no_show_rate: self.no_show_rate,
            no_show_minutes: self.no_show_minutes,
            config,
            windows,
        })
    }
}

/// Hours as minutes of the day from `day_start` (an interval across it is split in two).
fn compile_hours(list: &[[String; 2]], day_start: f64) -> Result<Vec<(f64, f64)>, String> {
    let mut out = Vec::new();
    for [from, to] in list {
        let (Some(a), Some(b)) = (parse_clock(from), parse_clock(to)) else {
            return Err(format!("open hours '{from}'–'{to}' are not times like 08:30"));
        };
        if a >= b {
            return Err(format!("open hours '{from}'–'{to}' end before they start"));
        }
        let (a, b) = (a - day_start, b - day_start);
        for (x, y) in [(a, b), (a + 1440.0, b + 1440.0)] {
            let (x, y) = (x.max(0.0), y.min(1440.0));
            if x < y {
                out.push((x, y));
            }
        }
    }
    out.sort_by(|p, q| p.0.total_cmp(&q.0));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The result
// ---------------------------------------------------------------------------------------------

/// Wait figures for a group of people (minutes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WaitStats {
    pub customers: u64,
    pub mean_wait_min: f64,
    pub p50_wait_min: f64,
    pub p90_wait_min: f64,
    pub max_wait_min: f64,
    /// The share who waited at all.
    pub p_wait: f64,
    /// The share called within the service's target wait.
    pub within_target: f64,
    /// Half-width of the 95 % confidence interval of the mean wait, over replications.
    pub mean_wait_ci95_min: f64,
    /// The wait estimate given at issue against the actual wait: median and p90 absolute error.
    pub estimate_error_p50_min: f64,
    pub estimate_error_p90_min: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowResult {
    pub services: Vec<String>,
    pub kind: WindowKind,
    /// Busy (serving or waiting for a no-show) over open time, after the warm-up.
    pub utilisation: f64,
    /// Minutes open after the warm-up, per replication.
    pub open_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationResult {
    /// People measured (arrived after the warm-up and served), over all replications.
    pub customers: u64,
    pub replications: u32,
    pub no_shows: u64,
    /// People who arrived after the warm-up and were never called (no window left for them).
    pub unserved: u64,
    pub overall: WaitStats,
    pub services: BTreeMap<String, WaitStats>,
    pub windows: Vec<WindowResult>,
    /// By the half hour people arrived in, from `day_start` (only those anyone arrived in).
    pub half_hours: Vec<HalfHour>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HalfHour {
    /// Its clock time, "09:00".
    pub from: String,
    /// Its index from `day_start` (0 = the first half hour).
    pub index: usize,
    pub customers: u64,
    pub mean_wait_min: f64,
    pub within_target: f64,
}

/// Minutes of the day → "HH:MM".
pub fn clock_text(minutes: f64) -> String {
    let whole = minutes.round() as i64;
    // The end of a day is 24:00, not the next 00:00 (hours end there).
    let m = if whole == 1440 { 1440 } else { whole.rem_euclid(1440) };
    format!("{:02}:{:02}", m / 60, m % 60)
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival(usize),
    /// The window is done with its ticket (finished, or a no-show marked).
    Done(usize),
    /// A window's hours start or end.
    Hours(usize),
    SurgeCheck,
    /// No more arrivals: every window opens until the queue is empty.
    Closing,
}

/// An event time, ordered totally (times are never NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
struct At(f64);
impl Eq for At {}
impl PartialOrd for At {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for At {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Debug, Clone, Copy)]
struct Customer {
    service: usize,
    arrival: f64,
    estimate: u32,
}

#[derive(Debug, Clone, Default)]
struct WindowRun {
    /// What the window holds: the ticket, whether it is a no-show, when it started.
    holding: Option<(TicketId, bool, f64)>,
    closing: bool,
    idle_since: f64,
    open_minutes: f64,
    busy_minutes: f64,
    mark: f64,
}

/// One replication's raw figures.
#[derive(Debug, Default)]
struct Tally {
    waits: Vec<Vec<f64>>,
    errors: Vec<Vec<f64>>,
    /// Per half hour of the day (by arrival): people, summed wait, within target.
    half_hours: Vec<(u64, f64, u64)>,
    no_shows: u64,
    unserved: u64,
    open_minutes: Vec<f64>,
    busy_minutes: Vec<f64>,
}

struct Run<'a> {
    c: &'a Compiled,
    hall: Hall,
    clock: ManualClock,
    epoch: DateTime<Utc>,
    rng: StdRng,
    events: BinaryHeap<Reverse<(At, u64, Event)>>,
    seq: u64,
    now: f64,
    windows: Vec<WindowRun>,
    customers: HashMap<TicketId, Customer>,
    /// Per service, the last handling times (for the wait estimate, as the server keeps them).
    recent: Vec<VecDeque<Duration>>,
    surge_active: Vec<bool>,
    tally: Tally,
    draining: bool,
}

fn internal(e: super::hall::Refusal) -> ScenarioError {
    bad(format!("the hall refused a simulated step: {e}"))
}

impl<'a> Run<'a> {
    fn new(c: &'a Compiled, seed: u64) -> Self {
        let epoch = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).single().unwrap_or_default()
            + Duration::minutes(c.day_start as i64);
        let clock = ManualClock::new(epoch);
        let rules = QueueRules { recall_limit: 2, no_show_grace: Duration::minutes(30) };
        let hall = Hall::new(c.config.clone(), c.windows.clone(), Arc::new(clock.clone()), rules);
        let n = c.services.len();
        Self {
            c,
            hall,
            clock,
            epoch,
            rng: StdRng::seed_from_u64(seed),
            events: BinaryHeap::new(),
            seq: 0,
            now: 0.0,
            windows: vec![WindowRun::default(); c.windows.len()],
            customers: HashMap::new(),
            recent: vec![VecDeque::new(); n],
            surge_active: vec![false; c.surges.len()],
            tally: Tally {
                waits: vec![Vec::new(); n],
                errors: vec![Vec::new(); n],
                half_hours: vec![(0, 0.0, 0); 48],
                no_shows: 0,
                unserved: 0,
                open_minutes: vec![0.0; c.windows.len()],
                busy_minutes: vec![0.0; c.windows.len()],
            },
            draining: false,
        }
    }

    fn at(&mut self, minutes: f64, event: Event) {
        self.seq += 1;
        self.events.push(Reverse((At(minutes), self.seq, event)));
    }

    fn set_clock(&mut self, minutes: f64) {
        self.now = minutes;
        self.clock.set(self.epoch + Duration::microseconds((minutes * 60_000_000.0) as i64));
    }

    fn run(mut self) -> Result<Tally, ScenarioError> {
        for s in 0..self.c.services.len() {
            if let Some(t) = self.next_arrival(s, 0.0) {
                self.at(t, Event::Arrival(s));
            }
        }
        for (w, hours) in self.c.hours.iter().enumerate() {
            let Some(hours) = hours else { continue };
            let mut day = 0.0;
            while day < self.c.arrivals_end {
                for (from, to) in hours {
                    for t in [day + from, day + to] {
                        if t > 0.0 && t < self.c.arrivals_end {
                            self.seq += 1;
                            self.events.push(Reverse((At(t), self.seq, Event::Hours(w))));
                        }
                    }
                }
                day += 1440.0;
            }
        }
        if !self.c.surges.is_empty() {
            self.at(0.0, Event::SurgeCheck);
        }
        self.at(self.c.arrivals_end, Event::Closing);
        for w in 0..self.windows.len() {
            self.reconcile(w)?;
        }
        while let Some(Reverse((At(t), _, event))) = self.events.pop() {
            self.set_clock(t);
            match event {
                Event::Arrival(s) => self.arrive(s)?,
                Event::Done(w) => self.done(w)?,
                Event::Hours(w) => self.reconcile(w)?,
                Event::SurgeCheck => self.surge_check()?,
                Event::Closing => {
                    self.draining = true;
                    for w in 0..self.windows.len() {
                        self.reconcile(w)?;
                    }
                }
            }
            // Closed tickets are dropped once they outnumber the live ones, so the hall's scans
            // stay as short as its queue (amortised: each is dropped once).
            if self.hall.tickets.len() > 2 * (self.customers.len() + self.windows.len()) + 32 {
                self.hall.forget_closed();
            }
        }
        self.tally.unserved = self.customers.values().filter(|c| c.arrival >= self.c.warmup).count() as u64;
        for w in 0..self.windows.len() {
            self.account(w);
            self.tally.open_minutes[w] = self.windows[w].open_minutes;
            self.tally.busy_minutes[w] = self.windows[w].busy_minutes;
        }
        Ok(self.tally)
    }

    /// Arrivals per minute of a service at a time, and until when that rate holds.
    fn rate(&self, s: usize, t: f64) -> (f64, f64) {
        match &self.c.services[s].rates_per_minute {
            Rates::Fixed(r) => (*r, f64::INFINITY),
            Rates::PerHalfHour(list) => {
                let day = (t / 1440.0).floor() * 1440.0;
                let slot = ((t - day) / 30.0).floor() as usize;
                match list.get(slot) {
                    Some(r) => (*r, day + (slot as f64 + 1.0) * 30.0),
                    None => (0.0, day + 1440.0),
                }
            }
        }
    }

    /// The next arrival after `t` (a Poisson process with a piecewise-constant rate), if any
    /// before arrivals stop.
    fn next_arrival(&mut self, s: usize, mut t: f64) -> Option<f64> {
        let mut need = -(1.0 - self.rng.gen::<f64>()).ln();
        loop {
            let (rate, until) = self.rate(s, t);
            if rate > 0.0 && t + need / rate <= until {
                t += need / rate;
                break;
            }
            need -= rate * (until - t);
            t = until;
            if t >= self.c.arrivals_end {
                return None;
            }
        }
        (t < self.c.arrivals_end).then_some(t)
    }

    fn handling(&mut self, s: usize) -> f64 {
        let h = &self.c.services[s].handling;
        match h.dist {
            Distribution::Fixed => h.mean_minutes,
            Distribution::Exponential => -(1.0 - self.rng.gen::<f64>()).ln() * h.mean_minutes,
            Distribution::Lognormal => {
                let cv = h.cv.unwrap_or(0.5);
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = h.mean_minutes.ln() - sigma2 / 2.0;
                let (u1, u2): (f64, f64) = (1.0 - self.rng.gen::<f64>(), self.rng.gen());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                (mu + sigma2.sqrt() * z).exp()
            }
        }
    }

    /// The estimate the server gives at issue (`domain::estimate`, `services::views`).
    fn estimate(&self, s: usize, ahead: u32) -> u32 {
        if ahead == 0 {
            return 0;
        }
        let service = ServiceId(s as i32 + 1);
        let typical = self.c.config.services[s].typical_handling;
        let recent: Vec<Duration> = self.recent[s].iter().copied().collect();
        let open =
            self.hall.windows.iter().filter(|w| w.state == WindowState::Open && w.services.contains(&service)).count()
                as u32;
        estimate::estimated_wait_minutes(ahead, estimate::mean_handling(&recent, typical), open)
    }

    fn arrive(&mut self, s: usize) -> Result<(), ScenarioError> {
        if let Some(t) = self.next_arrival(s, self.now) {
            self.at(t, Event::Arrival(s));
        }
        let green = self.c.services[s].green_share > 0.0 && self.rng.gen::<f64>() < self.c.services[s].green_share;
        let priority = if green { Priority::Green } else { Priority::Normal };
        let service = ServiceId(s as i32 + 1);
        let id = self.hall.issue_for(service, priority);
        let ahead = self.hall.ahead_of(id).unwrap_or(0);
        let estimate = self.estimate(s, ahead);
        self.customers.insert(id, Customer { service: s, arrival: self.now, estimate });
        if self.customers.len() > MAX_WAITING {
            return Err(bad(format!(
                "more than {MAX_WAITING} people waiting at minute {:.0}: the windows cannot keep up with the arrivals",
                self.now
            )));
        }
        // The window idle longest among those that serve it takes it.
        let idle = (0..self.windows.len())
            .filter(|w| {
                self.windows[*w].holding.is_none()
                    && self.hall.windows[*w].state == WindowState::Open
                    && self.hall.windows[*w].services.contains(&service)
            })
            .min_by(|a, b| self.windows[*a].idle_since.total_cmp(&self.windows[*b].idle_since));
        if let Some(w) = idle {
            self.try_call(w)?;
        }
        Ok(())
    }

    fn try_call(&mut self, w: usize) -> Result<(), ScenarioError> {
        if self.windows[w].holding.is_some() || self.hall.windows[w].state != WindowState::Open {
            return Ok(());
        }
        let Some(id) = self.hall.call_next_at(w).map_err(internal)? else { return Ok(()) };
        self.account(w);
        let customer = self.customers.remove(&id).ok_or_else(|| bad("a called ticket had no arrival"))?;
        let no_show = self.c.no_show_rate > 0.0 && self.rng.gen::<f64>() < self.c.no_show_rate;
        let duration = if no_show {
            self.tally.no_shows += u64::from(customer.arrival >= self.c.warmup);
            self.c.no_show_minutes
        } else {
            self.hall.start_at(w).map_err(internal)?;
            if customer.arrival >= self.c.warmup {
                let wait = self.now - customer.arrival;
                self.tally.waits[customer.service].push(wait);
                let slot = ((customer.arrival - (customer.arrival / 1440.0).floor() * 1440.0) / 30.0) as usize;
                let cell = &mut self.tally.half_hours[slot.min(47)];
                cell.0 += 1;
                cell.1 += wait;
                cell.2 += u64::from(wait <= self.c.services[customer.service].target + 1e-9);
                self.tally.errors[customer.service].push((f64::from(customer.estimate) - wait).abs());
            }
            self.handling(customer.service)
        };
        self.windows[w].holding = Some((id, no_show, self.now));
        self.at(self.now + duration, Event::Done(w));
        Ok(())
    }

    fn done(&mut self, w: usize) -> Result<(), ScenarioError> {
        self.account(w);
        let Some((_, no_show, started)) = self.windows[w].holding.take() else { return Ok(()) };
        if no_show {
            self.hall.no_show_at(w).map_err(internal)?;
        } else {
            let service = self.hall.held(self.hall.windows[w].number).map(|t| t.service);
            self.hall.finish_at(w).map_err(internal)?;
            if let Some(ServiceId(id)) = service {
                let recent = &mut self.recent[(id - 1) as usize];
                recent.push_back(Duration::milliseconds(((self.now - started) * 60_000.0) as i64));
                if recent.len() > estimate::HISTORY_WINDOW {
                    recent.pop_front();
                }
            }
        }
        self.windows[w].idle_since = self.now;
        if self.windows[w].closing {
            // 延时服务: at the end of a session the window first serves whoever still waits for it.
            if self.session_over() {
                self.try_call(w)?;
                if self.windows[w].holding.is_some() {
                    return Ok(());
                }
            }
            self.windows[w].closing = false;
            self.account(w);
            self.hall.change_window_at(w, WindowAction::Close).map_err(internal)?;
            return Ok(());
        }
        self.try_call(w)
    }

    /// Adds the time since the window's last change to its open and busy minutes (after the
    /// warm-up only).
    fn account(&mut self, w: usize) {
        let from = self.windows[w].mark.max(self.c.warmup);
        let span = (self.now - from).max(0.0);
        if self.hall.windows[w].state == WindowState::Open {
            self.windows[w].open_minutes += span;
            if self.windows[w].holding.is_some() {
                self.windows[w].busy_minutes += span;
            }
        }
        self.windows[w].mark = self.now;
    }

    fn in_hours(&self, w: usize) -> bool {
        match &self.c.hours[w] {
            None => true,
            Some(hours) => {
                let minute = self.now - (self.now / 1440.0).floor() * 1440.0;
                hours.iter().any(|(from, to)| *from <= minute && minute < *to)
            }
        }
    }

    /// Opens or closes a window as its hours and the surge rule want.
    fn reconcile(&mut self, w: usize) -> Result<(), ScenarioError> {
        let surge_allows = self.c.surge_of[w].is_none_or(|rule| self.surge_active[rule]);
        // Closing time: a window with any hours at all stays on until the queue is empty.
        let hours_allow =
            if self.draining { self.c.hours[w].as_ref().is_none_or(|h| !h.is_empty()) } else { self.in_hours(w) };
        let wanted = hours_allow && surge_allows;
        let open = self.hall.windows[w].state == WindowState::Open;
        if wanted {
            self.windows[w].closing = false;
            if !open {
                self.account(w);
                self.hall.change_window_at(w, WindowAction::Open).map_err(internal)?;
                self.windows[w].idle_since = self.now;
                self.try_call(w)?;
            }
        } else if open {
            if self.windows[w].holding.is_none() && self.session_over() {
                self.try_call(w)?;
            }
            if self.windows[w].holding.is_some() {
                self.windows[w].closing = true;
            } else {
                self.account(w);
                self.hall.change_window_at(w, WindowAction::Close).map_err(internal)?;
            }
        }
        Ok(())
    }

    /// Nobody arrives now (lunch, or the end of the day): windows whose hours end serve out
    /// the queue before they close, as halls do (延时服务). A window closed while people keep
    /// arriving (a plan with fewer windows) closes after the person at it.
    fn session_over(&self) -> bool {
        (0..self.c.services.len()).all(|s| self.rate(s, self.now).0 == 0.0)
    }

    /// The surge rule on each watched queue, as the live floor job applies it.
    fn surge_check(&mut self) -> Result<(), ScenarioError> {
        if self.now + SURGE_CHECK_MINUTES < self.c.arrivals_end || !self.customers.is_empty() {
            self.at(self.now + SURGE_CHECK_MINUTES, Event::SurgeCheck);
        }
        for rule in 0..self.c.surges.len() {
            let (s, thresholds, clear_percent) = self.c.surges[rule];
            let service = ServiceId(s as i32 + 1);
            let now = self.clock_now();
            let (mut waiting, mut oldest) = (0u32, None);
            for t in self.hall.queued_tickets().filter(|t| t.service == service) {
                waiting += 1;
                oldest = Some(oldest.map_or(t.issued_at, |o: DateTime<Utc>| o.min(t.issued_at)));
            }
            let figures = floor_watch::Figures {
                waiting,
                longest_wait_minutes: oldest.map_or(0, |o| (now - o).num_minutes().max(0) as u32),
                estimated_wait_minutes: self.estimate(s, waiting),
            };
            let active = floor_watch::in_alert(thresholds, figures, self.surge_active[rule], clear_percent);
            if active != self.surge_active[rule] {
                self.surge_active[rule] = active;
                for w in 0..self.windows.len() {
                    if self.c.surge_of[w] == Some(rule) {
                        self.reconcile(w)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn clock_now(&self) -> DateTime<Utc> {
        use super::clock::Clock;
        self.clock.now()
    }
}

/// Runs the scenario's replications (in parallel) and sums them up.
pub fn simulate(scenario: &Scenario) -> Result<SimulationResult, ScenarioError> {
    let compiled = scenario.compile()?;
    let replications = scenario.replications as usize;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(replications).max(1);
    let mut tallies: Vec<Option<Result<Tally, ScenarioError>>> = (0..replications).map(|_| None).collect();
    std::thread::scope(|scope| {
        for (lane, chunk) in tallies.chunks_mut(replications.div_ceil(threads)).enumerate() {
            let compiled = &compiled;
            let first = lane * replications.div_ceil(threads);
            scope.spawn(move || {
                for (offset, slot) in chunk.iter_mut().enumerate() {
                    let seed = replication_seed(scenario.seed, first + offset);
                    *slot = Some(Run::new(compiled, seed).run());
                }
            });
        }
    });
    let tallies: Vec<Tally> = tallies
        .into_iter()
        .map(|t| t.unwrap_or_else(|| Err(bad("a replication did not run"))))
        .collect::<Result<_, _>>()?;
    Ok(summarise(scenario, &compiled, &tallies))
}

/// Each replication's own stream, so a result does not depend on how they were spread over
/// threads.
fn replication_seed(seed: u64, replication: usize) -> u64 {
    // SplitMix64's finaliser: nearby seeds give unrelated streams.
    let mut z = seed.wrapping_add((replication as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn summarise(scenario: &Scenario, c: &Compiled, tallies: &[Tally]) -> SimulationResult {
    let targets: Vec<f64> = c.services.iter().map(|s| s.target).collect();
    let mut services = BTreeMap::new();
    for (s, spec) in scenario.services.iter().enumerate() {
        let per_rep: Vec<Group<'_>> =
            tallies.iter().map(|t| (t.waits[s].as_slice(), t.errors[s].as_slice(), targets[s])).collect();
        services.insert(spec.code.trim().to_owned(), stats(&per_rep));
    }
    let overall: Vec<Vec<Group<'_>>> = tallies
        .iter()
        .map(|t| (0..c.services.len()).map(|s| (t.waits[s].as_slice(), t.errors[s].as_slice(), targets[s])).collect())
        .collect();
    let overall = stats_grouped(&overall);
    let reps = tallies.len().max(1) as f64;
    let windows = scenario
        .windows
        .iter()
        .enumerate()
        .map(|(w, spec)| {
            let open: f64 = tallies.iter().map(|t| t.open_minutes[w]).sum();
            let busy: f64 = tallies.iter().map(|t| t.busy_minutes[w]).sum();
            WindowResult {
                services: spec.services.clone(),
                kind: spec.kind,
                utilisation: round(if open > 0.0 { busy / open } else { 0.0 }, 4),
                open_minutes: round(open / reps, 1),
            }
        })
        .collect();
    let half_hours = (0..48)
        .filter_map(|index| {
            let (n, sum, within) = tallies.iter().fold((0u64, 0.0, 0u64), |acc, t| {
                let cell = t.half_hours[index];
                (acc.0 + cell.0, acc.1 + cell.1, acc.2 + cell.2)
            });
            (n > 0).then(|| HalfHour {
                from: clock_text(c.day_start + index as f64 * 30.0),
                index,
                customers: n,
                mean_wait_min: round(sum / n as f64, 3),
                within_target: round(within as f64 / n as f64, 4),
            })
        })
        .collect();
    SimulationResult {
        customers: overall.customers,
        replications: scenario.replications,
        no_shows: tallies.iter().map(|t| t.no_shows).sum(),
        unserved: tallies.iter().map(|t| t.unserved).sum(),
        overall,
        services,
        windows,
        half_hours,
    }
}

/// One group's waits, estimate errors and target wait.
type Group<'a> = (&'a [f64], &'a [f64], f64);

fn stats(per_rep: &[Group<'_>]) -> WaitStats {
    let grouped: Vec<Vec<Group<'_>>> = per_rep.iter().map(|r| vec![*r]).collect();
    stats_grouped(&grouped)
}

/// Figures over every replication's groups (each group: waits, estimate errors, its target).
fn stats_grouped(reps: &[Vec<Group<'_>>]) -> WaitStats {
    let mut all: Vec<f64> = Vec::new();
    let mut errors: Vec<f64> = Vec::new();
    let (mut waited, mut within) = (0u64, 0u64);
    let mut means = Vec::new();
    for rep in reps {
        let (mut sum, mut n) = (0.0, 0usize);
        for (waits, errs, target) in rep {
            all.extend_from_slice(waits);
            errors.extend_from_slice(errs);
            waited += waits.iter().filter(|w| **w > 0.0).count() as u64;
            within += waits.iter().filter(|w| **w <= *target + 1e-9).count() as u64;
            sum += waits.iter().sum::<f64>();
            n += waits.len();
        }
        if n > 0 {
            means.push(sum / n as f64);
        }
    }
    let n = all.len();
    if n == 0 {
        return WaitStats::default();
    }
    let mean = all.iter().sum::<f64>() / n as f64;
    let max = all.iter().copied().fold(0.0, f64::max);
    let p50 = quantile(&mut all, 0.5);
    let p90 = quantile(&mut all, 0.9);
    WaitStats {
        customers: n as u64,
        mean_wait_min: round(mean, 4),
        p50_wait_min: round(p50, 4),
        p90_wait_min: round(p90, 4),
        max_wait_min: round(max, 4),
        p_wait: round(waited as f64 / n as f64, 4),
        within_target: round(within as f64 / n as f64, 4),
        mean_wait_ci95_min: round(ci95_half_width(&means), 4),
        estimate_error_p50_min: round(quantile(&mut errors, 0.5), 4),
        estimate_error_p90_min: round(quantile(&mut errors, 0.9), 4),
    }
}

/// The value a share `q` of the sample is at or below (nearest rank); 0 for none.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
    *values.select_nth_unstable_by(rank, f64::total_cmp).1
}

/// Student's t at 97.5 % for 1–30 degrees of freedom, then the normal's 1.96.
fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    T.get(df.wrapping_sub(1)).copied().unwrap_or(1.96)
}

fn ci95_half_width(means: &[f64]) -> f64 {
    let r = means.len();
    if r < 2 {
        return 0.0;
    }
    let mean = means.iter().sum::<f64>() / r as f64;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (r as f64 - 1.0);
    t975(r - 1) * (var / r as f64).sqrt()
}

/// Rounded to `places` decimals, for figures people read.
pub fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::erlang::{probability_of_wait, Queue};
    use serde_json::json;

    fn scenario(value: serde_json::Value) -> Scenario {
        serde_json::from_value(value).expect("a scenario")
    }

    /// One service, exponential handling, `servers` windows serving it.
    fn single(per_hour: f64, handling: f64, servers: usize, target: f64, replications: u32, minutes: f64) -> Scenario {
        scenario(json!({
            "seed": 7, "replications": replications, "warmup_minutes": 300, "duration_minutes": minutes,
            "services": [{"code": "A", "arrivals_per_hour": per_hour, "target_wait_minutes": target,
                          "handling": {"dist": "exponential", "mean_minutes": handling}}],
            "windows": vec![json!({"services": ["A"]}); servers],
        }))
    }

    /// The issue's bounds: mean within 3 %, P(wait) within ±0.01, p90 within 5 %; and the run
    /// long enough that its own 95 % interval is well inside the 3 % (so passing is no luck).
    fn agrees_with_erlang_c(per_hour: f64, handling: f64, servers: u32, minutes: f64) -> SimulationResult {
        let theory = Queue { arrivals_per_minute: per_hour / 60.0, handling_minutes: handling };
        let result = simulate(&single(per_hour, handling, servers as usize, 20.0 / 60.0, 20, minutes)).expect("runs");
        let s = &result.overall;
        let mean = theory.mean_wait(servers);
        let p_wait = probability_of_wait(servers, theory.load());
        let p90 = theory.wait_quantile(servers, 0.9);
        let report = format!("{per_hour}/h, {handling} min, {servers} windows: {s:?} against mean {mean:.4}, P(wait) {p_wait:.4}, p90 {p90:.4}");
        assert!(s.mean_wait_ci95_min < 0.03 * mean, "too short a run to tell: {report}");
        assert!((s.mean_wait_min - mean).abs() <= 0.03 * mean, "mean wait: {report}");
        assert!((s.p_wait - p_wait).abs() <= 0.01, "P(wait): {report}");
        assert!((s.p90_wait_min - p90).abs() <= 0.05 * p90, "p90: {report}");
        result
    }

    #[test]
    fn agrees_with_erlang_c_200_an_hour_3_minutes_14_windows() {
        // Published: P(wait) 0.1741, mean wait 7.84 s.
        agrees_with_erlang_c(200.0, 3.0, 14, 60_000.0);
    }

    #[test]
    fn agrees_with_erlang_c_1000_an_hour_2_minutes_40_windows() {
        // Published: P(wait) 0.1907, mean wait 3.43 s, 93.72 % within 20 s.
        let result = agrees_with_erlang_c(1000.0, 2.0, 40, 30_000.0);
        assert!((result.overall.within_target - 0.9372).abs() <= 0.01, "{:?}", result.overall);
    }

    #[test]
    fn agrees_with_erlang_c_12_an_hour_10_minutes_3_windows() {
        // Published: P(wait) 0.444, mean wait 4.44 min.
        agrees_with_erlang_c(12.0, 10.0, 3, 600_000.0);
    }

    fn hall_of_four(windows: &[&[&str]]) -> Scenario {
        let services: Vec<_> = ["A", "B", "C", "D"]
            .iter()
            .map(|c| {
                json!({"code": c, "arrivals_per_hour": 10, "target_wait_minutes": 20,
                            "handling": {"dist": "exponential", "mean_minutes": 10}})
            })
            .collect();
        let windows: Vec<_> = windows.iter().map(|w| json!({"services": w})).collect();
        scenario(json!({
            "seed": 11, "replications": 10, "warmup_minutes": 600, "duration_minutes": 30_000,
            "services": services, "windows": windows,
        }))
    }

    /// The pooling case of docs/planning.md: 4 services × 10/h, 10 minutes, 8 windows.
    #[test]
    fn pooling_windows_cuts_the_wait_and_hallqs_chain_stays_under_nine_minutes() {
        let dedicated =
            simulate(&hall_of_four(&[&["A"], &["B"], &["C"], &["D"], &["A"], &["B"], &["C"], &["D"]])).expect("runs");
        // Erlang C, 2 windows a service: 22.7 min.
        let theory = Queue { arrivals_per_minute: 10.0 / 60.0, handling_minutes: 10.0 }.mean_wait(2);
        assert!((dedicated.overall.mean_wait_min - theory).abs() <= 0.06 * theory, "{:?}", dedicated.overall);
        let every = ["A", "B", "C", "D"];
        let pooled = simulate(&hall_of_four(&[&every[..]; 8])).expect("runs");
        let theory = Queue { arrivals_per_minute: 40.0 / 60.0, handling_minutes: 10.0 }.mean_wait(8);
        assert!((pooled.overall.mean_wait_min - theory).abs() <= 0.06 * theory, "{:?}", pooled.overall);
        let chain = simulate(&hall_of_four(&[
            &["A", "B"],
            &["B", "C"],
            &["C", "D"],
            &["D", "A"],
            &["A", "B"],
            &["B", "C"],
            &["C", "D"],
            &["D", "A"],
        ]))
        .expect("runs");
        assert!(chain.overall.mean_wait_min < 9.0, "{:?}", chain.overall);
        assert!(chain.overall.mean_wait_min < dedicated.overall.mean_wait_min / 2.0);
        // The wait estimate given at issue: median error within 3 minutes.
        assert!(chain.overall.estimate_error_p50_min <= 3.0, "{:?}", chain.overall);
        assert!(pooled.overall.estimate_error_p50_min <= 3.0, "{:?}", pooled.overall);
    }

    #[test]
    fn the_same_seed_gives_the_same_result_and_another_seed_another() {
        let mut s = single(50.0, 5.0, 5, 10.0, 4, 3000.0);
        let first = simulate(&s).expect("runs");
        assert_eq!(first, simulate(&s).expect("runs"));
        s.seed = 8;
        assert_ne!(first.overall.mean_wait_min, simulate(&s).expect("runs").overall.mean_wait_min);
    }

    /// Cash windows that only the surge rule opens: shut while the queue is short, open while it
    /// is long, and the waits shorter for it.
    #[test]
    fn the_surge_rule_opens_cash_windows_past_the_threshold_and_closes_them_below_the_clearing_line() {
        let day = |surge: serde_json::Value, cash_hours: serde_json::Value| {
            scenario(json!({
                "seed": 5, "replications": 8, "duration_minutes": 480, "day_start": "09:00",
                "services": [{"code": "F", "arrivals_per_hour": [20, 20, 20, 20, 60, 60, 60, 60, 20, 20, 20, 20, 20, 20, 20, 20],
                              "target_wait_minutes": 15, "handling": {"dist": "exponential", "mean_minutes": 6}}],
                "windows": [{"services": ["F"]}, {"services": ["F"]}, {"services": ["F"]},
                            {"services": ["F"], "kind": "si_cash", "open": cash_hours},
                            {"services": ["F"], "kind": "si_cash", "open": cash_hours}],
                "surge": surge,
            }))
        };
        let rule = json!({"service": "F", "thresholds": {"waiting": 8}, "clear_percent": 50});
        let all_day = json!([["09:00", "17:00"]]);
        let with = simulate(&day(rule, all_day)).expect("runs");
        let without = simulate(&day(json!([]), json!([]))).expect("runs");
        for cash in &with.windows[3..] {
            assert!(cash.open_minutes > 30.0 && cash.open_minutes < 300.0, "{:?}", with.windows);
        }
        assert!(without.windows[3..].iter().all(|w| w.open_minutes == 0.0));
        assert!(
            with.overall.mean_wait_min < without.overall.mean_wait_min * 0.7,
            "{:?} {:?}",
            with.overall,
            without.overall
        );
        // The quiet hours keep them shut: the first hour of a run with no peak never opens them.
        let mut quiet = day(json!({"service": "F", "thresholds": {"waiting": 8}}), json!(null));
        quiet.services[0].arrivals_per_hour = Arrivals::Fixed(8.0);
        assert!(simulate(&quiet).expect("runs").windows[3..].iter().all(|w| w.open_minutes == 0.0));
    }

    #[test]
    fn hours_lunch_and_no_shows_are_kept() {
        let s = scenario(json!({
            "seed": 2, "replications": 4, "duration_minutes": 540, "day_start": "08:30", "no_show_rate": 0.1,
            "services": [{"code": "A", "arrivals_per_hour": [12, 12, 12, 12, 12, 12, 12, 0, 0, 0, 12, 12, 12, 12, 12, 12, 12, 12],
                          "handling": {"dist": "fixed", "mean_minutes": 4}}],
            "windows": [{"services": ["A"], "open": [["08:30", "12:00"], ["13:30", "17:30"]]}],
        }));
        let result = simulate(&s).expect("runs");
        // 7.5 hours a day, and the last people of the day served a little past closing.
        let open = result.windows[0].open_minutes;
        assert!((450.0..480.0).contains(&open), "{open}");
        let shown = result.customers as f64;
        let share = result.no_shows as f64 / (shown + result.no_shows as f64);
        assert!((0.05..0.15).contains(&share), "{share}");
        assert!(result.half_hours.iter().all(|h| !["12:00", "12:30", "13:00"].contains(&h.from.as_str())));
        assert_eq!(result.unserved, 0);
    }

    #[test]
    fn a_bad_scenario_is_a_clear_error() {
        let base = json!({"duration_minutes": 60, "services": [{"code": "A", "arrivals_per_hour": 5,
                          "handling": {"dist": "exponential", "mean_minutes": 5}}], "windows": [{"services": ["A"]}]});
        let refused = |patch: serde_json::Value| {
            let mut v = base.clone();
            for (k, x) in patch.as_object().expect("runs") {
                v[k] = x.clone();
            }
            match serde_json::from_value::<Scenario>(v) {
                Err(e) => e.to_string(),
                Ok(s) => simulate(&s).expect_err("refused").0,
            }
        };
        assert!(refused(json!({"windows": [{"services": ["B"]}]})).contains("no service 'B'"));
        assert!(refused(json!({"windows": []})).contains("at least one window"));
        assert!(refused(json!({"duration_minutes": 0})).contains("duration_minutes"));
        assert!(refused(json!({"no_show_rate": 1.5})).contains("no_show_rate"));
        assert!(refused(json!({"day_start": "25:00"})).contains("day_start"));
        assert!(refused(json!({"services": [{"code": "A", "arrivals_per_hour": -1,
            "handling": {"dist": "exponential", "mean_minutes": 5}}]}))
        .contains("arrivals_per_hour"));
        assert!(refused(json!({"services": [{"code": "A", "arrivals_per_hour": 5,
            "handling": {"dist": "gamma", "mean_minutes": 5}}]}))
        .contains("gamma"));
        assert!(refused(json!({"windows": [{"services": ["A"], "open": [["12:00", "08:00"]]}]})).contains("end before"));
        assert!(refused(json!({"surge": {"service": "A", "thresholds": {"waiting": 5}}})).contains("no cash window"));
        assert!(refused(json!({"replications": 0})).contains("replications"));
        // A hall that cannot keep up is refused rather than run for ever.
        assert!(refused(json!({"duration_minutes": 100000, "services": [{"code": "A", "arrivals_per_hour": 600,
            "handling": {"dist": "fixed", "mean_minutes": 5}}]}))
        .contains("cannot keep up"));
        assert!(Scenario::from_json("{").expect_err("refused").0.starts_with("not a scenario"));
    }
}
