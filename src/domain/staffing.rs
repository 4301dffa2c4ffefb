//! Staffing: how many windows each half hour needs so that a target share of people is called
//! within the target wait, by Erlang C; then, with `check`, the plan run through the simulator
//! and topped up where it falls short. The approximation is in `docs/planning.md`.
//!
//! Services are grouped into pools: services linked by a window that serves both. A pool is
//! planned as one queue (arrivals summed, handling their arrival-weighted mean, the strictest
//! target of its services) served by all its windows, which is exact when every window serves
//! every service of the pool and optimistic otherwise; the simulation check finds where.
use super::erlang::Queue;
use super::simulation::{self, clock_text, round, Arrivals, Scenario, ScenarioError, SimulationResult};
use super::window::WindowKind;
use serde::Serialize;

/// How many times `check` tops the plan up and simulates again.
pub const MAX_TOP_UPS: usize = 8;

#[derive(Debug, Clone, Serialize)]
pub struct StaffingPlan {
    /// The share to call within the target wait.
    pub target: f64,
    /// The half hours planned, by clock time from `day_start` ("whole period" rates give one).
    pub half_hours: Vec<String>,
    pub pools: Vec<Pool>,
    /// Each window's hours in the plan (clock times), by position in the scenario.
    pub windows: Vec<PlannedWindow>,
    /// When to open and close the social-insurance cash windows.
    pub cash_windows: Vec<PlannedWindow>,
    /// The simulation of the plan (with `check`): what it attains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    /// The scenario with the plan's hours: `hallq simulate` runs it again.
    pub scenario: Scenario,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    pub services: Vec<String>,
    /// Its windows by position (1 = the first), general ones first, then cash windows.
    pub windows: Vec<usize>,
    pub rows: Vec<PoolRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolRow {
    pub from: String,
    pub arrivals_per_hour: f64,
    pub handling_minutes: f64,
    pub target_wait_minutes: f64,
    /// Windows Erlang C asks for.
    pub erlang_windows: u32,
    /// Windows in the plan (Erlang C, topped up where the simulation fell short).
    pub windows: u32,
    /// Windows the pool has; when the plan wants more, `short` says how many.
    pub available: u32,
    pub short: u32,
    /// The share Erlang C predicts within the target with the planned windows.
    pub predicted_within: f64,
    /// Whether any of the pool's windows is open then (its hours); none is planned otherwise.
    #[serde(skip)]
    pub in_hours: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedWindow {
    pub window: usize,
    pub kind: WindowKind,
    pub services: Vec<String>,
    pub open: Vec<[String; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Every service called within its target at the target share (over the day).
    pub attained: bool,
    pub top_ups: usize,
    pub result: SimulationResult,
}

/// The planning grid: half hours from `day_start` and each service's rate in each.
struct Grid {
    slots: usize,
    /// Per service, arrivals per minute per slot.
    rates: Vec<Vec<f64>>,
    whole_period: bool,
}

fn grid(scenario: &Scenario) -> Grid {
    let lists: Vec<&Vec<f64>> = scenario
        .services
        .iter()
        .filter_map(|s| match &s.arrivals_per_hour {
            Arrivals::PerHalfHour(list) => Some(list),
            Arrivals::Fixed(_) => None,
        })
        .collect();
    let whole_period = lists.is_empty();
    let slots = lists.iter().map(|l| l.len()).max().unwrap_or(1);
    let rates = scenario
        .services
        .iter()
        .map(|s| match &s.arrivals_per_hour {
            Arrivals::Fixed(r) => vec![r / 60.0; slots],
            Arrivals::PerHalfHour(list) => (0..slots).map(|i| list.get(i).copied().unwrap_or(0.0) / 60.0).collect(),
        })
        .collect();
    Grid { slots, rates, whole_period }
}

/// Services linked by shared windows, each with its windows (general first).
fn pools(scenario: &Scenario) -> Vec<(Vec<usize>, Vec<usize>)> {
    let n = scenario.services.len();
    let index = |code: &str| scenario.services.iter().position(|s| s.code.trim() == code.trim());
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for w in &scenario.windows {
        let members: Vec<usize> = w.services.iter().filter_map(|c| index(c)).collect();
        for pair in members.windows(2) {
            let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
            parent[a] = b;
        }
    }
    let roots: Vec<usize> = (0..n).map(|s| root(&mut parent, s)).collect();
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for s in 0..n {
        match out.iter_mut().find(|(services, _)| roots[services[0]] == roots[s]) {
            Some((services, _)) => services.push(s),
            None => out.push((vec![s], Vec::new())),
        }
    }
    for (services, windows) in &mut out {
        let serves =
            |w: &simulation::WindowSpec| w.services.iter().filter_map(|c| index(c)).any(|s| services.contains(&s));
        let members: Vec<usize> =
            scenario.windows.iter().enumerate().filter(|(_, w)| serves(w)).map(|(i, _)| i).collect();
        // Coverage first: for each service, a window that has it as its specialty (else any
        // that serves it), general before cash; so the first windows opened serve every service.
        for s in services.iter() {
            let code = scenario.services[*s].code.trim();
            let lists = |w: &usize| scenario.windows[*w].services.iter().any(|c| c.trim() == code);
            if windows.iter().any(lists) {
                continue;
            }
            let specialty = |w: &usize| scenario.windows[*w].services.first().is_some_and(|c| c.trim() == code);
            let general = |w: &usize| scenario.windows[*w].kind == WindowKind::General;
            let pick = members
                .iter()
                .find(|w| general(w) && specialty(w))
                .or_else(|| members.iter().find(|w| general(w) && lists(w)))
                .or_else(|| members.iter().find(|w| lists(w)));
            if let Some(w) = pick {
                windows.push(*w);
            }
        }
        for kind in [WindowKind::General, WindowKind::SiCash] {
            let rest: Vec<usize> =
                members.iter().copied().filter(|w| scenario.windows[*w].kind == kind && !windows.contains(w)).collect();
            windows.extend(rest);
        }
    }
    out
}

/// How many of a pool's first windows (in `pools` order) it takes to serve every service that
/// has arrivals in a half hour.
fn coverage(scenario: &Scenario, services: &[usize], windows: &[usize], grid: &Grid, slot: usize) -> u32 {
    let mut needed = 0;
    for s in services.iter().filter(|s| grid.rates[**s][slot] > 0.0) {
        let code = scenario.services[*s].code.trim();
        if let Some(rank) = windows.iter().position(|w| scenario.windows[*w].services.iter().any(|c| c.trim() == code))
        {
            needed = needed.max(rank as u32 + 1);
        }
    }
    needed
}

/// The plan: Erlang C per pool and half hour; with `check`, simulated and topped up where a
/// half hour falls short of the target, up to `MAX_TOP_UPS` times.
pub fn plan(scenario: &Scenario, target: f64, check: bool) -> Result<StaffingPlan, ScenarioError> {
    if !(0.05..=0.999).contains(&target) {
        return Err(ScenarioError("--target is a share between 0.05 and 0.999, e.g. 0.8".into()));
    }
    simulation::simulate(&Scenario {
        replications: 1,
        duration_minutes: 0.001,
        warmup_minutes: 0.0,
        ..scenario.clone()
    })?;
    let day_start = simulation::parse_clock(&scenario.day_start).unwrap_or(510.0);
    let grid = grid(scenario);
    let groups = pools(scenario);
    let mut pools: Vec<Pool> = groups
        .iter()
        .map(|(services, windows)| {
            let rows = (0..grid.slots)
                .map(|slot| {
                    let lambda: f64 = services.iter().map(|s| grid.rates[*s][slot]).sum();
                    let handling = if lambda > 0.0 {
                        services
                            .iter()
                            .map(|s| grid.rates[*s][slot] * scenario.services[*s].handling.mean_minutes)
                            .sum::<f64>()
                            / lambda
                    } else {
                        services.iter().map(|s| scenario.services[*s].handling.mean_minutes).sum::<f64>()
                            / services.len() as f64
                    };
                    let wait = services
                        .iter()
                        .map(|s| scenario.services[*s].target_wait_minutes)
                        .fold(f64::INFINITY, f64::min);
                    let queue = Queue { arrivals_per_minute: lambda, handling_minutes: handling };
                    let available = windows.len() as u32;
                    let erlang = queue
                        .servers_for(target, wait, 500)
                        .unwrap_or(500)
                        .max(coverage(scenario, services, windows, &grid, slot));
                    let mut row = PoolRow {
                        from: if grid.whole_period {
                            "whole period".into()
                        } else {
                            clock_text(day_start + slot as f64 * 30.0)
                        },
                        arrivals_per_hour: round(lambda * 60.0, 2),
                        handling_minutes: round(handling, 2),
                        target_wait_minutes: wait,
                        erlang_windows: erlang,
                        windows: 0,
                        available,
                        short: 0,
                        predicted_within: 0.0,
                        in_hours: true,
                    };
                    set_windows(&mut row, erlang, &queue);
                    row
                })
                .collect();
            Pool {
                services: services.iter().map(|s| scenario.services[*s].code.clone()).collect(),
                windows: windows.iter().map(|w| w + 1).collect(),
                rows,
            }
        })
        .collect();
    // A half hour nobody arrives in, while the hall is open (no lunch break): the windows of
    // the half hour before stay to work off its queue. A half hour none of the pool's windows
    // is open in plans none.
    for (pool, (_, windows)) in pools.iter_mut().zip(&groups) {
        for slot in 0..grid.slots {
            let minute = day_start + slot as f64 * 30.0;
            if !windows.iter().any(|w| open_at(scenario, *w, minute)) {
                let row = &mut pool.rows[slot];
                (row.windows, row.erlang_windows, row.short, row.in_hours) = (0, 0, 0, false);
                continue;
            }
            if slot == 0 {
                continue;
            }
            if pool.rows[slot].arrivals_per_hour == 0.0 && windows.iter().any(|w| open_at(scenario, *w, minute)) {
                let before = pool.rows[slot - 1].windows;
                pool.rows[slot].windows = before;
                pool.rows[slot].erlang_windows = before;
            }
        }
    }
    let mut planned = planned_scenario(scenario, &pools, &grid, day_start);
    let mut checked = None;
    if check {
        let mut top_ups = 0;
        loop {
            let result = simulation::simulate(&planned)?;
            let short_slots: Vec<usize> = result
                .half_hours
                .iter()
                .filter(|h| h.within_target + 1e-9 < target && h.index < grid.slots)
                .map(|h| h.index)
                .collect();
            let attained = result.services.values().all(|s| s.customers == 0 || s.within_target + 1e-9 >= target)
                && result.unserved == 0;
            // A service short over the day, though no half hour is: one more window wherever
            // its pool has people and the next window to open serves it (a window that does not
            // serve it would not help it).
            let mut short_slots = short_slots;
            if short_slots.is_empty() && !attained {
                let short: Vec<&str> = result
                    .services
                    .iter()
                    .filter(|(_, s)| s.customers > 0 && s.within_target + 1e-9 < target)
                    .map(|(code, _)| code.as_str())
                    .collect();
                let helps = |pool: &Pool, row: &PoolRow| {
                    pool.windows
                        .get(row.windows as usize)
                        .is_some_and(|w| scenario.windows[w - 1].services.iter().any(|c| short.contains(&c.trim())))
                };
                for pool in &pools {
                    short_slots.extend(
                        pool.rows
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| r.in_hours && r.arrivals_per_hour > 0.0 && helps(pool, r))
                            .map(|(i, _)| i),
                    );
                }
            }
            let room =
                short_slots.iter().flat_map(|slot| slot.saturating_sub(1)..(slot + 3).min(grid.slots)).any(|slot| {
                    pools.iter().any(|p| {
                        let row = &p.rows[slot];
                        row.in_hours && row.arrivals_per_hour > 0.0 && row.windows < row.available
                    })
                });
            if attained && short_slots.is_empty() || !room || top_ups == MAX_TOP_UPS || grid.whole_period && attained {
                checked = Some(Check { attained, top_ups, result });
                break;
            }
            // One more window where it fell short, in the half hour before (the queue that
            // spills into a half hour was built in the one before it) and in the two after (where
            // a backlog the hall could not prevent is worked off).
            for slot in &short_slots {
                for pool in &mut pools {
                    for s in [slot.checked_sub(1), Some(*slot), Some(slot + 1), Some(slot + 2)]
                        .into_iter()
                        .flatten()
                        .filter(|s| *s < grid.slots)
                    {
                        let row = &mut pool.rows[s];
                        if row.in_hours && row.arrivals_per_hour > 0.0 && row.windows < row.available {
                            row.windows += 1;
                        }
                    }
                }
            }
            for pool in &mut pools {
                for row in &mut pool.rows {
                    let queue = Queue {
                        arrivals_per_minute: row.arrivals_per_hour / 60.0,
                        handling_minutes: row.handling_minutes,
                    };
                    let wanted = row.windows.max(row.erlang_windows);
                    set_windows(row, wanted, &queue);
                    row.windows = row.windows.max(wanted.min(row.available));
                }
            }
            planned = planned_scenario(scenario, &pools, &grid, day_start);
            top_ups += 1;
        }
    }
    let windows = planned_windows(scenario, &planned);
    let cash_windows = windows.iter().filter(|w| w.kind == WindowKind::SiCash && !w.open.is_empty()).cloned().collect();
    Ok(StaffingPlan {
        target,
        half_hours: pools.first().map(|p| p.rows.iter().map(|r| r.from.clone()).collect()).unwrap_or_default(),
        pools,
        windows,
        cash_windows,
        check: checked,
        scenario: planned,
    })
}

/// Whether a window's own hours in the scenario (none: always) cover a minute of the day.
fn open_at(scenario: &Scenario, window: usize, minute: f64) -> bool {
    scenario.windows[window].open.as_ref().is_none_or(|hours| {
        hours.iter().any(|[from, to]| {
            let (a, b) = (simulation::parse_clock(from).unwrap_or(0.0), simulation::parse_clock(to).unwrap_or(0.0));
            a <= minute && minute < b
        })
    })
}

fn set_windows(row: &mut PoolRow, wanted: u32, queue: &Queue) {
    row.windows = wanted.min(row.available);
    row.short = wanted.saturating_sub(row.available);
    row.predicted_within = round(queue.within(row.windows, row.target_wait_minutes), 4);
}

/// The scenario with each window open in the half hours the plan gives it (a pool's first
/// `windows` windows), and no surge rule (the plan opens the cash windows itself).
fn planned_scenario(scenario: &Scenario, pools: &[Pool], grid: &Grid, day_start: f64) -> Scenario {
    let mut planned = scenario.clone();
    planned.surge = Vec::new();
    if grid.whole_period {
        for pool in pools {
            for (rank, w) in pool.windows.iter().enumerate() {
                let open = rank < pool.rows[0].windows as usize;
                planned.windows[w - 1].open = if open { None } else { Some(Vec::new()) };
            }
        }
        return planned;
    }
    for pool in pools {
        for (rank, w) in pool.windows.iter().enumerate() {
            let mut hours: Vec<[String; 2]> = Vec::new();
            let mut from = None;
            for slot in 0..=grid.slots {
                // Only within the window's own hours: the plan chooses among open windows.
                let open = slot < grid.slots
                    && rank < pool.rows[slot].windows as usize
                    && open_at(scenario, w - 1, day_start + slot as f64 * 30.0);
                match (open, from) {
                    (true, None) => from = Some(slot),
                    (false, Some(start)) => {
                        hours.push([
                            clock_text(day_start + start as f64 * 30.0),
                            clock_text(day_start + slot as f64 * 30.0).replace("00:00", "24:00"),
                        ]);
                        from = None;
                    }
                    _ => {}
                }
            }
            planned.windows[w - 1].open = Some(hours);
        }
    }
    planned
}

fn planned_windows(scenario: &Scenario, planned: &Scenario) -> Vec<PlannedWindow> {
    planned
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| PlannedWindow {
            window: i + 1,
            kind: w.kind,
            services: w.services.clone(),
            open: w.open.clone().unwrap_or_else(|| {
                vec![[
                    scenario.day_start.clone(),
                    clock_text(simulation::parse_clock(&scenario.day_start).unwrap_or(0.0) + 1439.0),
                ]]
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A collection-peak day: tax (A, B) and social-insurance fees (F), a morning peak, lunch.
    fn peak_day() -> Scenario {
        let a = [10, 30, 40, 40, 30, 20, 10, 0, 0, 0, 15, 25, 30, 25, 15, 10, 5, 0];
        let f = [10, 40, 80, 80, 50, 20, 10, 0, 0, 0, 10, 30, 40, 20, 10, 5, 5, 0];
        let mut windows: Vec<serde_json::Value> = Vec::new();
        let hours = json!([["08:30", "12:00"], ["13:30", "17:30"]]);
        for _ in 0..4 {
            windows.push(json!({"services": ["A", "B"], "open": hours}));
        }
        for _ in 0..2 {
            windows.push(json!({"services": ["B", "A"], "open": hours}));
        }
        for _ in 0..3 {
            windows.push(json!({"services": ["F"], "open": hours}));
        }
        for _ in 0..4 {
            windows.push(json!({"services": ["F"], "kind": "si_cash", "open": hours}));
        }
        serde_json::from_value(json!({
            "seed": 4, "replications": 10, "duration_minutes": 540, "day_start": "08:30",
            "services": [
                {"code": "A", "arrivals_per_hour": a, "target_wait_minutes": 20, "handling": {"dist": "lognormal", "mean_minutes": 8, "cv": 0.6}},
                {"code": "B", "arrivals_per_hour": 6, "target_wait_minutes": 20, "handling": {"dist": "exponential", "mean_minutes": 12}},
                {"code": "F", "arrivals_per_hour": f, "target_wait_minutes": 15, "handling": {"dist": "lognormal", "mean_minutes": 4, "cv": 0.4}},
            ],
            "windows": windows,
        }))
        .expect("runs")
    }

    #[test]
    fn services_sharing_windows_are_planned_together_general_windows_before_cash_windows() {
        let plan = plan(&peak_day(), 0.8, false).expect("runs");
        assert_eq!(plan.pools.len(), 2);
        assert_eq!(plan.pools[0].services, ["A", "B"]);
        assert_eq!(plan.pools[0].windows, [1, 2, 3, 4, 5, 6]);
        assert_eq!(plan.pools[1].services, ["F"]);
        assert_eq!(plan.pools[1].windows, [7, 8, 9, 10, 11, 12, 13]);
        assert_eq!(plan.half_hours.first().map(String::as_str), Some("08:30"));
        let lunch = &plan.pools[1].rows[8];
        assert_eq!((lunch.from.as_str(), lunch.windows), ("12:30", 0), "the hall is closed for lunch");
        // Open round the clock, a half hour nobody comes in keeps the windows of the one before.
        let mut always = peak_day();
        always.windows.iter_mut().for_each(|w| w.open = None);
        let carried = super::plan(&always, 0.8, false).expect("runs");
        assert_eq!(carried.pools[1].rows[7].windows, carried.pools[1].rows[6].windows);
        // The F peak (80 an hour, 4 minutes, 15-minute target) needs more than its 3 windows:
        // the cash windows open for it, and only around it.
        let peak = &plan.pools[1].rows[2];
        assert!(peak.erlang_windows > 3 && peak.predicted_within >= 0.8, "{peak:?}");
        assert!(!plan.cash_windows.is_empty());
        let first_cash = &plan.cash_windows[0];
        assert_eq!(first_cash.open.first().map(|h| h[0].as_str()), Some("09:00"));
        assert!(plan.windows[0].open.first().is_some_and(|h| h[0] == "08:30"));
    }

    /// The promise of `--check`: the plan, simulated, calls the target share within the target.
    #[test]
    fn the_checked_plan_attains_its_target_when_simulated() {
        let checked = plan(&peak_day(), 0.8, true).expect("runs");
        let check = checked.check.as_ref().expect("runs");
        assert!(check.attained, "{:?}", check.result.services);
        for (code, s) in &check.result.services {
            assert!(s.within_target >= 0.8, "{code}: {s:?}");
        }
        // Running the planned scenario again gives the same figures (the plan is reproducible).
        assert_eq!(simulation::simulate(&checked.scenario).expect("runs"), check.result);
        // And it needs fewer window-hours than opening everything all day.
        let planned: usize = checked.pools.iter().flat_map(|p| &p.rows).map(|r| r.windows as usize).sum();
        assert!(planned < 13 * 18, "{planned}");
    }

    #[test]
    fn a_target_out_of_range_is_refused() {
        assert!(plan(&peak_day(), 1.5, false).expect_err("refused").0.contains("--target"));
    }
}
