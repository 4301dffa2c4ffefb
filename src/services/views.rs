//! What the API returns: tickets, windows and queues as JSON. The public shapes (`TicketView`,
//! `WindowView`, `ServiceView`) cannot hold personal or staff-only fields; what only staff may
//! see (a remote ticket's masked phone, a transfer note) lives in `StaffTicketView`.
use crate::domain::estimate;
use crate::domain::events::{PublicTicket, PublicWindow};
use crate::domain::ids::{HallId, ServiceId};
use crate::domain::numbering::business_date;
use crate::error::AppResult;
use crate::persistence::halls::HallConfig;
use crate::persistence::tickets::{self, TicketRow};
use crate::persistence::windows::{self, WindowRow};
use crate::state::Core;
use chrono::Duration;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WindowRef {
    pub id: i32,
    pub number: i32,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    /// e.g. `A001`.
    pub number: String,
    /// The code of the queue it is in now (a transfer changes it).
    pub service: String,
    pub service_name: String,
    pub service_name_en: String,
    /// `normal`, `appointment` or `green`.
    pub priority: String,
    /// `kiosk`, `mobile`, `volunteer` or `counter`.
    pub channel: String,
    /// `waiting`, `called`, `serving`, `done`, `no_show`, `cancelled` or `transferred`.
    pub status: String,
    /// People dispatch serves before this ticket; 0 once called.
    pub ahead: u32,
    pub estimated_wait_minutes: u32,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The window that called it, once called.
    pub window: Option<WindowRef>,
    pub window_number: Option<i32>,
    pub recall_count: i32,
    pub transfer_count: i32,
    /// Only in the issuing response and the token lookup: the key to the tracking page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A ticket as signed-in staff see it: the public view plus what only the window may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffTicketView {
    #[serde(flatten)]
    pub ticket: TicketView,
    /// The note the previous window wrote when it transferred the ticket.
    pub transfer_note: Option<String>,
    /// The phone number given for a remote ticket, masked (`138****5678`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
}

/// The people ahead and the estimated wait of a queued ticket.
pub async fn position(state: &Core, hall: &HallConfig, t: &TicketRow) -> AppResult<(u32, u32)> {
    if !t.status.is_queued() {
        return Ok((0, 0));
    }
    let candidate = t.candidate();
    let members = tickets::queue_members(&state.db, hall.id, t.business_date, candidate.queue()).await?;
    let ahead = crate::domain::dispatch::ahead(&candidate, &members, &hall.target_waits(), state.clock.now());
    let minutes = estimate_minutes(state, hall, t.service_id, ahead, t.business_date).await?;
    Ok((ahead, minutes))
}

pub async fn estimate_minutes(
    state: &Core,
    hall: &HallConfig,
    service: ServiceId,
    ahead: u32,
    day: NaiveDate,
) -> AppResult<u32> {
    if ahead == 0 {
        return Ok(0);
    }
    let (mean, open) = estimate_inputs(state, hall, service, day).await?;
    Ok(estimate::estimated_wait_minutes(ahead, mean, open))
}

/// The mean handling time of a service today and the open windows serving it, cached briefly.
pub async fn estimate_inputs(
    state: &Core,
    hall: &HallConfig,
    service: ServiceId,
    day: NaiveDate,
) -> AppResult<(Duration, u32)> {
    let typical = hall.service(service).map_or(Duration::zero(), |s| s.typical_handling);
    let key = (hall.id, service, day);
    let now = std::time::Instant::now();
    if let Cached::Fresh(inputs) = state.estimates.get(key, now) {
        return Ok(inputs);
    }
    // A failed read, or a request dropped while it reads, lets the next caller try.
    let mut refreshing = Refreshing { cache: &state.estimates, key, done: false };
    let recent = tickets::recent_handling(&state.db, hall.id, service, day, estimate::HISTORY_WINDOW).await?;
    let open = windows::open_serving(&state.db, hall.id, service).await?;
    let inputs = (estimate::mean_handling(&recent, typical), open);
    state.estimates.put(key, inputs, std::time::Instant::now());
    refreshing.done = true;
    Ok(inputs)
}

/// A read of estimate inputs under way: `abandon`s them when it ends without `put`ting them.
struct Refreshing<'a> {
    cache: &'a EstimateCache,
    key: EstimateKey,
    done: bool,
}

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.cache.abandon(self.key);
        }
    }
}

/// Estimate inputs per (hall, service, day), reused for a moment: every ticket issued in the
/// same second would otherwise read the same two figures again. Once they are old, one caller
/// reads them again while the others go on with the old ones: when they all read at once, 64
/// tickets issued together each scanned the day's tickets, and every one of them waited for the
/// lot (stalls of 100 ms–1 s every two seconds under a rush, issue 19).
#[derive(Default)]
pub struct EstimateCache {
    entries: std::sync::Mutex<HashMap<EstimateKey, CachedInputs>>,
}

type EstimateKey = (HallId, ServiceId, NaiveDate);
/// Mean handling time and open windows serving the service.
type EstimateInputs = (Duration, u32);

struct CachedInputs {
    read_at: std::time::Instant,
    inputs: EstimateInputs,
    /// Someone is reading them again.
    refreshing: bool,
}

/// What the cache holds for a key.
#[derive(Debug, PartialEq)]
enum Cached {
    /// Use these.
    Fresh(EstimateInputs),
    /// Read them again (nobody else is), then `put` them, or `abandon` if the read fails.
    Stale,
    /// Nothing usable: read them.
    Missing,
}

/// How long inputs are used as they are.
const ESTIMATE_TTL: std::time::Duration = std::time::Duration::from_secs(2);
/// How long old inputs are still used while one caller reads them again; past it (that read
/// hangs or keeps failing) every caller reads for itself.
const ESTIMATE_STALE_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

impl EstimateCache {
    fn get(&self, key: EstimateKey, now: std::time::Instant) -> Cached {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = entries.get_mut(&key) else { return Cached::Missing };
        let age = now.saturating_duration_since(entry.read_at);
        if age < ESTIMATE_TTL || (entry.refreshing && age < ESTIMATE_STALE_LIMIT) {
            Cached::Fresh(entry.inputs)
        } else if age < ESTIMATE_STALE_LIMIT {
            entry.refreshing = true;
            Cached::Stale
        } else {
            Cached::Missing
        }
    }

    /// Forgets everything, after a change that moves estimates (a window's services).
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn put(&self, key: EstimateKey, inputs: EstimateInputs, now: std::time::Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, entry| now.saturating_duration_since(entry.read_at) < ESTIMATE_STALE_LIMIT);
        entries.insert(key, CachedInputs { read_at: now, inputs, refreshing: false });
    }

    /// The read `Stale` asked for failed: the next caller tries.
    fn abandon(&self, key: EstimateKey) {
        if let Some(entry) = self.entries.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&key) {
            entry.refreshing = false;
        }
    }
}

pub fn ticket_view(
    hall: &HallConfig,
    t: &TicketRow,
    (ahead, estimated_wait_minutes): (u32, u32),
    with_token: bool,
) -> TicketView {
    let service = hall.service(t.service_id);
    let window = t.window_id.and_then(|id| hall.window(id)).map(|w| WindowRef {
        id: w.id.0,
        number: w.number,
        name: w.name.clone(),
    });
    TicketView {
        id: t.id.0,
        number: t.number.clone(),
        service: hall.service_code(t.service_id).to_owned(),
        service_name: service.map(|s| s.name.clone()).unwrap_or_default(),
        service_name_en: service.map(|s| s.name_en.clone()).unwrap_or_default(),
        priority: t.priority.as_str().into(),
        channel: t.channel.as_str().into(),
        status: t.status.as_str().into(),
        ahead,
        estimated_wait_minutes,
        issued_at: t.issued_at,
        called_at: t.called_at,
        started_at: t.started_at,
        finished_at: t.finished_at,
        window_number: window.as_ref().map(|w| w.number),
        window,
        recall_count: t.recall_count,
        transfer_count: t.transfer_count,
        token: with_token.then(|| t.token.clone()),
    }
}

/// The ticket a window holds, for the staff at that window.
pub fn staff_ticket_view(hall: &HallConfig, t: &TicketRow) -> StaffTicketView {
    StaffTicketView {
        ticket: ticket_view(hall, t, (0, 0), false),
        transfer_note: t.transfer_note.clone(),
        phone_masked: t.phone.as_deref().map(crate::domain::privacy::mask_phone),
    }
}

pub fn public_ticket(hall: &HallConfig, t: &TicketRow) -> PublicTicket {
    PublicTicket {
        id: t.id.0,
        number: t.number.clone(),
        service: hall.service_code(t.service_id).to_owned(),
        priority: t.priority,
        status: t.status,
        window: t.window_id.and_then(|id| hall.window(id)).map(|w| w.number),
        recall_count: t.recall_count,
        issued_at: t.issued_at,
    }
}

pub fn public_window(w: &WindowRow) -> PublicWindow {
    PublicWindow { id: w.id.0, number: w.number, state: w.state, pause_reason: w.pause_reason.clone() }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WindowView {
    pub id: i32,
    pub number: i32,
    pub name: String,
    /// `general` or `si_cash` (social-insurance cash window).
    pub kind: String,
    /// Service codes, specialty first.
    pub services: Vec<String>,
    /// `closed`, `open` or `paused`.
    pub state: String,
    pub pause_reason: Option<String>,
    pub state_since: DateTime<Utc>,
    pub current_ticket: Option<TicketView>,
    /// False once taken out of service (only administration lists those).
    pub active: bool,
}

pub fn window_view(hall: &HallConfig, w: &WindowRow, held: Option<&TicketRow>) -> WindowView {
    WindowView {
        id: w.id.0,
        number: w.number,
        name: w.name.clone(),
        kind: w.kind.as_str().into(),
        services: w.services.iter().map(|s| hall.service_code(*s).to_owned()).collect(),
        state: w.state.as_str().into(),
        pause_reason: w.pause_reason.clone(),
        state_since: w.state_since,
        current_ticket: held.map(|t| ticket_view(hall, t, (0, 0), false)),
        active: w.active,
    }
}

pub async fn window_views(conn: &impl ConnectionTrait, hall: &HallConfig) -> AppResult<Vec<WindowView>> {
    let rows = windows::list(conn, hall.id).await?;
    let held = tickets::held_in_hall(conn, hall.id).await?;
    Ok(rows.iter().map(|w| window_view(hall, w, held.get(&w.id))).collect())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Tickets queued in this service now.
    pub waiting: u32,
    /// Open windows that list this service.
    pub open_windows: u32,
    /// The estimated wait of a ticket taken now.
    pub estimated_wait_minutes: u32,
    pub longest_wait_minutes: u32,
    pub target_wait_minutes: u32,
    pub typical_handling_minutes: u32,
}

pub async fn service_views(
    conn: &impl ConnectionTrait,
    hall: &HallConfig,
    now: DateTime<Utc>,
) -> AppResult<Vec<ServiceView>> {
    let window_rows = windows::list(conn, hall.id).await?;
    service_views_with(conn, hall, now, &window_rows).await
}

/// `service_views` for a caller that already has the hall's windows.
pub async fn service_views_with(
    conn: &impl ConnectionTrait,
    hall: &HallConfig,
    now: DateTime<Utc>,
    window_rows: &[WindowRow],
) -> AppResult<Vec<ServiceView>> {
    let day = business_date(now, hall.timezone);
    let counts = tickets::queue_counts(conn, hall.id, day).await?;
    let mut open: HashMap<ServiceId, u32> = HashMap::new();
    for w in window_rows.iter().filter(|w| w.state.can_call()) {
        for s in &w.services {
            *open.entry(*s).or_default() += 1;
        }
    }
    let mut views = Vec::with_capacity(hall.services.len());
    for s in &hall.services {
        let count = counts.get(&s.id).copied().unwrap_or_default();
        // A service no longer offered stays on screens only while tickets still wait for it.
        if !s.active && count.waiting == 0 {
            continue;
        }
        let open_windows = open.get(&s.id).copied().unwrap_or(0);
        let estimated_wait_minutes = if count.waiting == 0 {
            0
        } else {
            let recent = tickets::recent_handling(conn, hall.id, s.id, day, estimate::HISTORY_WINDOW).await?;
            estimate::estimated_wait_minutes(
                count.waiting,
                estimate::mean_handling(&recent, s.typical_handling),
                open_windows,
            )
        };
        let longest = count.oldest_issued_at.map_or(0, |at| (now - at).num_minutes().max(0));
        views.push(ServiceView {
            code: s.code.clone(),
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            waiting: count.waiting,
            open_windows,
            estimated_wait_minutes,
            longest_wait_minutes: u32::try_from(longest).unwrap_or(u32::MAX),
            target_wait_minutes: u32::try_from(s.target_wait.num_minutes()).unwrap_or(0),
            typical_handling_minutes: u32::try_from(s.typical_handling.num_minutes()).unwrap_or(0),
        });
    }
    Ok(views)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration as Elapsed, Instant};

    #[test]
    fn old_estimate_inputs_are_read_again_by_one_caller_while_the_others_use_them() {
        let cache = EstimateCache::default();
        let key = (HallId(1), ServiceId(1), NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"));
        let start = Instant::now();
        let inputs = (Duration::minutes(5), 2);
        assert_eq!(cache.get(key, start), Cached::Missing);
        cache.put(key, inputs, start);
        assert_eq!(cache.get(key, start + Elapsed::from_secs(1)), Cached::Fresh(inputs));
        let old = start + Elapsed::from_secs(3);
        assert_eq!(cache.get(key, old), Cached::Stale, "the first to find them old reads them again");
        assert_eq!(cache.get(key, old), Cached::Fresh(inputs), "the others use the old ones meanwhile");
        drop(Refreshing { cache: &cache, key, done: false });
        assert_eq!(cache.get(key, old), Cached::Stale, "after a failed or dropped read the next caller tries");
        let newer = (Duration::minutes(6), 3);
        cache.put(key, newer, old);
        assert_eq!(cache.get(key, old + Elapsed::from_secs(1)), Cached::Fresh(newer));
        assert_eq!(cache.get(key, old + Elapsed::from_secs(31)), Cached::Missing, "too old to use at all");
        cache.put(key, inputs, start);
        cache.clear();
        assert_eq!(cache.get(key, start), Cached::Missing);
    }
}
