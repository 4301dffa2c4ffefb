//! What the window console and the floor control screen show: read-only views for staff and
//! managers. They carry the names of staff (who is signed in, who did what), so they are
//! served to signed-in users only, never on the public stream.
use super::auth::Actor;
use super::views::{self, staff_ticket_view, window_view, ServiceView, StaffTicketView, WindowView};
use crate::domain::dispatch::{self, WindowProfile};
use crate::domain::events::{EventBody, StoredEvent};
use crate::domain::ids::{TicketId, UserId, WindowId};
use crate::domain::numbering::business_date;
use crate::domain::ticket::TicketStatus;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::tickets::TicketRow;
use crate::persistence::windows::WindowRow;
use crate::persistence::{events, tickets, users, windows};
use crate::state::Core;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The pause reasons the console offers (free text is allowed too).
pub const PAUSE_REASONS: [&str; 4] = ["午休", "会议", "系统故障", "临时离开"];
/// How much of the waiting list the console shows; the counts cover everyone.
const WAITING_SHOWN: usize = 100;
const LOG_ENTRIES: u32 = 40;

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    pub user_id: i32,
    pub display_name: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingEntry {
    pub number: String,
    pub service: String,
    pub priority: String,
    pub issued_at: DateTime<Utc>,
    /// Transferred to this window by name.
    pub transferred_here: bool,
    pub transfer_note: Option<String>,
    pub over_target: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueFigure {
    pub service: String,
    pub name: String,
    pub name_en: String,
    pub waiting: u32,
    pub longest_wait_minutes: u32,
    pub target_wait_minutes: u32,
    pub estimated_wait_minutes: u32,
    /// The longest wait has passed the service's target.
    pub over_target: bool,
    /// Someone taking a ticket now would wait past the target (by the estimate), even if
    /// nobody has waited that long yet: the queue is growing faster than it is served.
    pub estimate_over_target: bool,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct WindowFigures {
    pub served: u32,
    pub average_handling_seconds: Option<i64>,
    pub average_wait_seconds: Option<i64>,
    pub no_shows: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoShowEntry {
    pub number: String,
    pub service: String,
    pub no_show_at: DateTime<Utc>,
    pub restorable_until: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Choice {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowChoice {
    pub number: i32,
    pub name: String,
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleView {
    pub window: WindowView,
    pub hall: String,
    /// The hall's timezone (IANA name): every time on the console is shown in it.
    pub timezone: String,
    pub signed_in: Option<SignedIn>,
    /// The ticket the window holds, with its full detail.
    pub ticket: Option<StaffTicketView>,
    pub waiting: Vec<WaitingEntry>,
    /// Everyone queued for this window's services (and sent to it by name); `waiting` shows
    /// the first 100 in queue order.
    pub waiting_total: u32,
    pub queues: Vec<QueueFigure>,
    pub today: WindowFigures,
    pub recent_no_shows: Vec<NoShowEntry>,
    pub transfer_services: Vec<Choice>,
    pub transfer_windows: Vec<WindowChoice>,
    pub pause_reasons: Vec<&'static str>,
    pub recall_limit: u32,
    /// What the window may do now (the server refuses the rest with 409): `call_next`,
    /// `call_number`, `recall`, `start`, `finish`, `no_show`, `transfer`, `pause`, `resume`,
    /// `open`.
    pub actions: Vec<&'static str>,
    pub server_time: DateTime<Utc>,
}

fn over_target(hall: &HallConfig, t: &tickets::TicketRow, now: DateTime<Utc>) -> bool {
    hall.service(t.service_id).is_some_and(|s| now - t.issued_at > s.target_wait)
}

fn queue_figure(s: &ServiceView) -> QueueFigure {
    QueueFigure {
        service: s.code.clone(),
        name: s.name.clone(),
        name_en: s.name_en.clone(),
        waiting: s.waiting,
        longest_wait_minutes: s.longest_wait_minutes,
        target_wait_minutes: s.target_wait_minutes,
        estimated_wait_minutes: s.estimated_wait_minutes,
        over_target: s.waiting > 0 && s.longest_wait_minutes > s.target_wait_minutes,
        estimate_over_target: s.waiting > 0 && s.estimated_wait_minutes > s.target_wait_minutes,
    }
}

/// The console actions that make sense now, by the same domain rules the server enforces.
fn allowed_actions(
    window: &windows::WindowRow,
    held: Option<&tickets::TicketRow>,
    recall_limit: u32,
    manages: bool,
) -> Vec<&'static str> {
    use crate::domain::ticket::{transition, TicketAction as T};
    use crate::domain::window::WindowAction as W;
    let mut actions = Vec::new();
    for (name, action) in [("open", W::Open), ("pause", W::Pause), ("resume", W::Resume)] {
        if action == W::Open && window.kind.opened_by_managers_only() && !manages {
            continue;
        }
        if window.state.apply(action, held.is_some()).is_ok() {
            actions.push(name);
        }
    }
    match held {
        None if window.state.can_call() => actions.extend(["call_next", "call_number"]),
        None => {}
        Some(t) => {
            for (name, action) in [
                ("recall", T::Recall),
                ("start", T::Start),
                ("finish", T::Finish),
                ("no_show", T::NoShow),
                ("transfer", T::Transfer),
            ] {
                let limited = action == T::Recall && t.recall_count >= i32::try_from(recall_limit).unwrap_or(i32::MAX);
                if transition(t.status, action).is_ok() && !limited {
                    actions.push(name);
                }
            }
        }
    }
    actions
}

fn average(values: impl Iterator<Item = Duration>) -> Option<i64> {
    let (sum, n) = values.fold((0i64, 0i64), |(sum, n), d| (sum + d.num_seconds(), n + 1));
    (n > 0).then(|| sum / n)
}

fn figures(rows: &[tickets::TicketRow]) -> WindowFigures {
    let done: Vec<_> = rows.iter().filter(|t| t.status == TicketStatus::Done).collect();
    WindowFigures {
        served: u32::try_from(done.len()).unwrap_or(u32::MAX),
        average_handling_seconds: average(done.iter().filter_map(|t| Some(t.finished_at? - t.started_at?))),
        average_wait_seconds: average(rows.iter().filter_map(|t| Some(t.called_at? - t.issued_at))),
        no_shows: u32::try_from(rows.iter().filter(|t| t.status == TicketStatus::NoShow).count()).unwrap_or(u32::MAX),
    }
}

async fn signed_in(state: &Core, who: Option<(UserId, DateTime<Utc>)>) -> AppResult<Option<SignedIn>> {
    let Some((user, since)) = who else { return Ok(None) };
    let mut names = users::display_names(&state.db, [user]).await?;
    Ok(Some(SignedIn { user_id: user.0, display_name: names.remove(&user).unwrap_or_default(), since }))
}

/// Everything the window console shows, for one window.
pub async fn console(state: &Core, actor: &Actor, window_id: WindowId) -> AppResult<ConsoleView> {
    let row = windows::find(&state.db, window_id)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::WindowNotFound, format!("there is no window {window_id}")))?;
    if !super::windows::may_operate(state, actor, &row).await? {
        return Err(AppError::forbidden(format!("{} may not open window {}", actor.username, row.number)));
    }
    let hall = state.halls.get_by_id(row.hall_id).await?;
    let now = state.clock.now();
    let day = business_date(now, hall.timezone);
    let held = tickets::held_by_window(&state.db, window_id).await?;
    // The waiting list is the calling order itself, so its top is who 呼叫下一位 calls.
    let members = tickets::window_members(&state.db, hall.id, day, window_id, &row.services).await?;
    let profile = WindowProfile { id: window_id, services: row.services.clone() };
    let ordered = dispatch::calling_order(&profile, &members, &hall.target_waits(), now);
    let shown: Vec<TicketId> = ordered.iter().take(WAITING_SHOWN).map(|c| c.id).collect();
    let queued = tickets::find_in_order(&state.db, &shown).await?;
    let waiting = queued
        .iter()
        .map(|t| WaitingEntry {
            number: t.number.clone(),
            service: hall.service_code(t.service_id).to_owned(),
            priority: t.priority.as_str().into(),
            issued_at: t.issued_at,
            transferred_here: t.target_window_id == Some(window_id),
            transfer_note: t.transfer_note.clone(),
            over_target: over_target(&hall, t, now),
        })
        .collect();
    let all_windows = windows::list(&state.db, hall.id).await?;
    let services = views::service_views_with(&state.db, &hall, now, &all_windows).await?;
    let queues: Vec<QueueFigure> = row
        .services
        .iter()
        .filter_map(|id| services.iter().find(|s| s.code == hall.service_code(*id)))
        .map(queue_figure)
        .collect();
    let called = tickets::called_by_window(&state.db, window_id, day).await?;
    let rules = hall.settings.queue_rules(state.settings.queue_rule_defaults());
    let grace = rules.no_show_grace;
    let recent_no_shows = called
        .iter()
        .filter(|t| t.status == TicketStatus::NoShow)
        .filter_map(|t| {
            let at = t.no_show_at?;
            (now - at <= grace).then(|| NoShowEntry {
                number: t.number.clone(),
                service: hall.service_code(t.service_id).to_owned(),
                no_show_at: at,
                restorable_until: at + grace,
            })
        })
        .collect();
    Ok(ConsoleView {
        hall: hall.code.clone(),
        timezone: hall.timezone.name().to_owned(),
        signed_in: signed_in(state, row.signed_in).await?,
        ticket: held.as_ref().map(|t| staff_ticket_view(&hall, t)),
        window: window_view(&hall, &row, held.as_ref()),
        waiting_total: u32::try_from(members.len()).unwrap_or(u32::MAX),
        waiting,
        queues,
        today: figures(&called),
        recent_no_shows,
        transfer_services: hall
            .active_services()
            .map(|s| Choice { code: s.code.clone(), name: s.name.clone(), name_en: s.name_en.clone() })
            .collect(),
        transfer_windows: all_windows
            .iter()
            .filter(|w| w.id != window_id)
            .map(|w| WindowChoice { number: w.number, name: w.name.clone(), state: w.state.as_str().into() })
            .collect(),
        pause_reasons: PAUSE_REASONS.to_vec(),
        recall_limit: rules.recall_limit,
        actions: allowed_actions(&row, held.as_ref(), rules.recall_limit, actor.manages(hall.id)),
        server_time: now,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FloorWindow {
    #[serde(flatten)]
    pub window: WindowView,
    pub signed_in: Option<SignedIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntry {
    /// The event type, e.g. `window_opened`.
    pub kind: String,
    pub at: DateTime<Utc>,
    pub window: Option<i32>,
    pub pause_reason: Option<String>,
    /// Who did it.
    pub by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FloorView {
    pub hall: String,
    /// The hall's timezone (IANA name): every time on the floor screen is shown in it.
    pub timezone: String,
    pub hall_name: String,
    pub hall_name_en: String,
    pub windows: Vec<FloorWindow>,
    pub queues: Vec<QueueFigure>,
    pub services: Vec<Choice>,
    /// The newest window events first: who opened, closed, paused, signed in…
    pub log: Vec<LogEntry>,
    pub pause_reasons: Vec<&'static str>,
    pub server_time: DateTime<Utc>,
}

/// Each window as the floor and the window picker show it: its state, what it holds, and who
/// is signed in there.
fn with_holders(
    hall: &HallConfig,
    rows: &[WindowRow],
    held: &HashMap<WindowId, TicketRow>,
    names: &HashMap<UserId, String>,
) -> Vec<FloorWindow> {
    rows.iter()
        .map(|w| FloorWindow {
            window: window_view(hall, w, held.get(&w.id)),
            signed_in: w.signed_in.map(|(user, since)| SignedIn {
                user_id: user.0,
                display_name: names.get(&user).cloned().unwrap_or_default(),
                since,
            }),
        })
        .collect()
}

/// The windows of a hall this person may work at, with who is signed in at each: the window
/// picker shows a colleague's window as taken before anyone clicks it.
pub async fn window_choices(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Vec<FloorWindow>> {
    let mut rows = Vec::new();
    for row in windows::list(&state.db, hall.id).await? {
        if super::windows::may_operate(state, actor, &row).await? {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let held = tickets::held_in_hall(&state.db, hall.id).await?;
    let people: Vec<UserId> = rows.iter().filter_map(|w| w.signed_in.map(|(u, _)| u)).collect();
    let names = users::display_names(&state.db, people).await?;
    Ok(with_holders(hall, &rows, &held, &names))
}

/// The floor control screen: every window, every queue and the window log. Managers only.
pub async fn floor(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<FloorView> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("the floor control screen is for the hall's managers"));
    }
    let now = state.clock.now();
    let rows = windows::list(&state.db, hall.id).await?;
    let held = tickets::held_in_hall(&state.db, hall.id).await?;
    let log = events::window_log(&state.db, hall.id, LOG_ENTRIES).await?;
    let people = rows.iter().filter_map(|w| w.signed_in.map(|(u, _)| u)).chain(log.iter().filter_map(|e| e.actor));
    let names: HashMap<UserId, String> = users::display_names(&state.db, people.collect::<Vec<_>>()).await?;
    let windows = with_holders(hall, &rows, &held, &names);
    let log = log
        .into_iter()
        .map(|entry| {
            let window = match StoredEvent::parse(&entry.payload).map(|e| e.body) {
                Ok(EventBody::Window { window }) => Some(window),
                _ => None,
            };
            LogEntry {
                kind: entry.kind,
                at: entry.at,
                window: window.as_ref().map(|w| w.number),
                pause_reason: window.and_then(|w| w.pause_reason),
                by: entry.actor.and_then(|a| names.get(&a).cloned()),
            }
        })
        .collect();
    Ok(FloorView {
        hall: hall.code.clone(),
        timezone: hall.timezone.name().to_owned(),
        hall_name: hall.name.clone(),
        hall_name_en: hall.name_en.clone(),
        windows,
        queues: views::service_views_with(&state.db, hall, now, &rows).await?.iter().map(queue_figure).collect(),
        services: hall
            .active_services()
            .map(|s| Choice { code: s.code.clone(), name: s.name.clone(), name_en: s.name_en.clone() })
            .collect(),
        log,
        pause_reasons: PAUSE_REASONS.to_vec(),
        server_time: now,
    })
}
