//! The volunteer tablet's side of the hall: the live board (every queue with its trend and
//! alert), queue alerts raised and cleared by the watch job, and windows' calls for help.
use super::auth::Actor;
use super::hall_write::HallWrite;
use crate::domain::events::{EventBody, EventKind, PublicAlert, PublicHelp};
use crate::domain::floor_watch::{self as rules, Figures, HelpAction, HelpStatus, Trend};
use crate::domain::ids::{HallId, UserId, WindowId};
use crate::domain::numbering::business_date;
use crate::domain::role::Role;
use crate::domain::window::{WindowKind, WindowState};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence::floor_watch as store;
use crate::persistence::halls::HallConfig;
use crate::persistence::{users, windows};
use crate::services::diversions::TargetCount;
use crate::services::views::ServiceView;
use crate::state::Core;
use chrono::{DateTime, Utc};
use entity::help_request;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Volunteers, and the hall's managers (and admins), work the floor with a tablet.
pub fn works_floor(actor: &Actor, hall: HallId) -> bool {
    actor.manages(hall) || (actor.role == Role::Volunteer && actor.hall == Some(hall))
}

/// Anyone of the hall's own people (window staff included) may read the calls for help.
fn of_hall(actor: &Actor, hall: HallId) -> bool {
    actor.manages(hall) || actor.hall == Some(hall)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpView {
    pub id: i64,
    pub window: i32,
    pub window_name: String,
    pub reason: Option<String>,
    pub status: HelpStatus,
    pub created_at: DateTime<Utc>,
    /// Who asked and who took it: staff data, behind sign-in.
    pub requested_by: Option<String>,
    pub taken_by: Option<String>,
    pub taken_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Open for longer than the hall's `watch.help_unanswered_minutes`.
    pub overdue: bool,
}

async fn help_views(
    state: &Core,
    hall: &HallConfig,
    rows: &[help_request::Model],
    now: DateTime<Utc>,
) -> AppResult<Vec<HelpView>> {
    let people = rows.iter().flat_map(|r| [r.requested_by, r.taken_by]).flatten().map(UserId);
    let names = users::display_names(&state.db, people.collect::<Vec<_>>()).await?;
    let name = |id: Option<i32>| id.and_then(|u| names.get(&UserId(u)).cloned());
    let patience = chrono::Duration::minutes(i64::from(hall.settings.watch.help_unanswered_minutes));
    Ok(rows
        .iter()
        .map(|r| {
            let status = HelpStatus::parse(&r.status).unwrap_or(HelpStatus::Cancelled);
            HelpView {
                id: r.id,
                window: r.window_number,
                window_name: hall
                    .window(WindowId(r.window_id))
                    .map_or_else(|| format!("{}", r.window_number), |w| w.name.clone()),
                reason: r.reason.clone(),
                status,
                created_at: r.created_at,
                requested_by: name(r.requested_by),
                taken_by: name(r.taken_by),
                taken_at: r.taken_at,
                closed_at: r.closed_at,
                overdue: status == HelpStatus::Open && now - r.created_at >= patience,
            }
        })
        .collect())
}

fn public_help(row: &help_request::Model, status: HelpStatus) -> EventBody {
    EventBody::Help { help: PublicHelp { id: row.id, window: row.window_number, status } }
}

/// A window calls for help: the staff member working it (or a manager). A window has one call
/// open at a time; calling again while one is open answers that one (`created` false).
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn request_help(
    state: &Core,
    actor: &Actor,
    window: WindowId,
    reason: Option<&str>,
) -> AppResult<(HelpView, bool)> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > rules::MAX_HELP_REASON_CHARS || r.chars().any(char::is_control)) {
        return Err(AppError::bad_request(
            ErrorCode::ReasonTooLong,
            format!("a reason has at most {} characters, on one line", rules::MAX_HELP_REASON_CHARS),
        ));
    }
    let (hall, row) = super::windows::authorize(state, actor, window).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    if let Some(open) = store::active_help_of_window(write.txn()?, row.id.0).await?.into_iter().next() {
        drop(write);
        let view = help_views(state, &hall, &[open], state.clock.now()).await?.remove(0);
        return Ok((view, false));
    }
    let created =
        store::insert_help(write.txn()?, hall.id, (row.id.0, row.number), actor.id, reason, write.now).await?;
    write.emit(EventKind::HelpRequested, public_help(&created, HelpStatus::Open), Some(actor.id)).await?;
    let now = write.now;
    write.commit(state).await?;
    tracing::info!(hall = %hall.code, window = row.number, "call for help");
    Ok((help_views(state, &hall, &[created], now).await?.remove(0), true))
}

/// Today's calls for help of a hall, newest first (`statuses` empty: all of them).
pub async fn list_help(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    statuses: &[HelpStatus],
) -> AppResult<Vec<HelpView>> {
    if !of_hall(actor, hall.id) {
        return Err(AppError::forbidden("calls for help are for the hall's own people"));
    }
    let now = state.clock.now();
    let rows = store::help_since(&state.db, hall.id, start_of_today(hall, now), statuses).await?;
    help_views(state, hall, &rows, now).await
}

fn start_of_today(hall: &HallConfig, now: DateTime<Utc>) -> DateTime<Utc> {
    crate::domain::numbering::day_start(business_date(now, hall.timezone), hall.timezone)
        .unwrap_or(now - chrono::Duration::hours(24))
}

/// Takes, finishes or withdraws a call for help. Taking is first come: of ten volunteers
/// pressing at once, one wins and the others are told who (409 `already_taken`).
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn act_on_help(state: &Core, actor: &Actor, id: i64, action: HelpAction) -> AppResult<HelpView> {
    let not_found = || AppError::not_found(ErrorCode::HelpRequestNotFound, format!("there is no call for help {id}"));
    let found = store::find_help(&state.db, id).await?.ok_or_else(not_found)?;
    let hall = state.halls.get_by_id(HallId(found.hall_id)).await?;
    let allowed = match action {
        HelpAction::Take | HelpAction::Done => works_floor(actor, hall.id),
        HelpAction::Cancel => {
            found.requested_by == Some(actor.id.0)
                || actor.manages(hall.id)
                || super::windows::authorize(state, actor, WindowId(found.window_id)).await.is_ok()
        }
    };
    if !allowed {
        return Err(AppError::forbidden(match action {
            HelpAction::Cancel => "only the window that called for help (or a manager) withdraws it",
            _ => "calls for help are answered by the hall's volunteers and managers",
        }));
    }
    let mut write = HallWrite::begin(state, &hall).await?;
    let row = store::find_help(write.txn()?, id).await?.ok_or_else(not_found)?;
    let from = HelpStatus::parse(&row.status).unwrap_or(HelpStatus::Cancelled);
    let to = match rules::help_transition(from, action) {
        Ok(to) => to,
        Err((ErrorCode::AlreadyTaken, message)) => {
            drop(write);
            let taker = help_views(state, &hall, &[row], state.clock.now()).await?.remove(0).taken_by;
            let who = taker.clone().unwrap_or_default();
            return Err(AppError::conflict(ErrorCode::AlreadyTaken, format!("{message}: {who}"))
                .with_detail("taken_by", taker.unwrap_or_default()));
        }
        Err((code, message)) => return Err(AppError::conflict(code, message)),
    };
    if action == HelpAction::Done && row.taken_by != Some(actor.id.0) && !actor.manages(hall.id) {
        return Err(AppError::forbidden("the volunteer who took the call marks it done (or a manager)"));
    }
    if !store::move_help(write.txn()?, id, from, to, Some(actor.id), write.now).await? {
        return Err(AppError::conflict(ErrorCode::TicketChanged, "the call for help changed meanwhile; look again"));
    }
    let kind = match to {
        HelpStatus::Taken => EventKind::HelpTaken,
        HelpStatus::Done => EventKind::HelpDone,
        _ => EventKind::HelpCancelled,
    };
    write.emit(kind, public_help(&row, to), Some(actor.id)).await?;
    let now = write.now;
    write.commit(state).await?;
    let row = store::find_help(&state.db, id).await?.ok_or_else(not_found)?;
    Ok(help_views(state, &hall, &[row], now).await?.remove(0))
}

/// One service on the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardService {
    pub service: String,
    pub name: String,
    pub name_en: String,
    pub waiting: u32,
    pub longest_wait_minutes: u32,
    pub target_wait_minutes: u32,
    pub estimated_wait_minutes: u32,
    pub open_windows: u32,
    pub trend: Trend,
    /// Joined and left the queue over the last 15 minutes (the trend's inputs).
    pub joined_15min: u32,
    pub left_15min: u32,
    /// In alert (passed its threshold; held until well below).
    pub alert: bool,
    /// Closed social-insurance cash windows that serve it.
    pub closed_cash_windows: Vec<i32>,
    /// 建议开启社保收现窗口: in alert and closed cash windows could serve it.
    pub advise_cash_windows: bool,
    /// Takes bookings (check-in offered for it).
    pub appointments: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub hall: String,
    pub hall_name: String,
    pub hall_name_en: String,
    pub timezone: String,
    pub server_time: DateTime<Utc>,
    pub services: Vec<BoardService>,
    /// Today's calls for help, open and taken first.
    pub help: Vec<HelpView>,
    /// Today's diversions per place people were sent.
    pub diversions: Vec<TargetCount>,
    /// Some service takes bookings: the tablet offers check-in.
    pub appointments: bool,
    pub help_unanswered_minutes: u32,
    /// The hall's registered kiosks a ticket may be sent to for printing.
    pub kiosks: Vec<KioskChoice>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KioskChoice {
    pub id: i32,
    pub name: String,
}

fn figures(s: &ServiceView) -> Figures {
    Figures {
        waiting: s.waiting,
        longest_wait_minutes: if s.waiting > 0 { s.longest_wait_minutes } else { 0 },
        estimated_wait_minutes: if s.waiting > 0 { s.estimated_wait_minutes } else { 0 },
    }
}

/// Closed cash windows per service.
fn closed_cash_windows(rows: &[windows::WindowRow]) -> HashMap<crate::domain::ids::ServiceId, Vec<i32>> {
    let mut map: HashMap<_, Vec<i32>> = HashMap::new();
    for w in rows.iter().filter(|w| w.active && w.kind == WindowKind::SiCash && w.state == WindowState::Closed) {
        for s in &w.services {
            map.entry(*s).or_default().push(w.number);
        }
    }
    map
}

/// The tablet's board: every queue, the calls for help, today's diversions.
pub async fn board(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Board> {
    if !works_floor(actor, hall.id) && !of_hall(actor, hall.id) {
        return Err(AppError::forbidden("the floor board is for the hall's volunteers and managers"));
    }
    let now = state.clock.now();
    let day = business_date(now, hall.timezone);
    let rows = windows::list(&state.db, hall.id).await?;
    let views = crate::services::views::service_views_with(&state.db, hall, now, &rows).await?;
    let since = now - chrono::Duration::minutes(rules::TREND_MINUTES);
    let moves = store::queue_moves_since(&state.db, hall.id, day, since).await?;
    let raised: Vec<i32> = store::raised_alerts(&state.db, hall.id).await?.iter().map(|a| a.service_id).collect();
    let cash = closed_cash_windows(&rows);
    let services = views
        .iter()
        .filter_map(|v| {
            let info = hall.service_by_code(&v.code)?;
            let (joined, left) = moves.get(&info.id).copied().unwrap_or_default();
            let alert = raised.contains(&info.id.0);
            let closed = cash.get(&info.id).cloned().unwrap_or_default();
            Some(BoardService {
                service: v.code.clone(),
                name: v.name.clone(),
                name_en: v.name_en.clone(),
                waiting: v.waiting,
                longest_wait_minutes: figures(v).longest_wait_minutes,
                target_wait_minutes: v.target_wait_minutes,
                estimated_wait_minutes: figures(v).estimated_wait_minutes,
                open_windows: v.open_windows,
                trend: rules::trend(joined, left, v.waiting),
                joined_15min: joined,
                left_15min: left,
                alert,
                advise_cash_windows: rules::advise_cash_windows(alert, closed.len() as u32),
                closed_cash_windows: closed,
                appointments: info.appointments,
            })
        })
        .collect();
    let mut help = list_help(state, actor, hall, &[]).await?;
    // Open and taken first (open before taken), then the rest, newest first within each.
    help.sort_by_key(|h| match h.status {
        HelpStatus::Open => 0,
        HelpStatus::Taken => 1,
        _ => 2,
    });
    Ok(Board {
        hall: hall.code.clone(),
        hall_name: hall.name.clone(),
        hall_name_en: hall.name_en.clone(),
        timezone: hall.timezone.name().to_owned(),
        server_time: now,
        services,
        help,
        diversions: crate::services::diversions::by_target(state, hall, day).await?,
        appointments: hall.active_services().any(|s| s.appointments),
        help_unanswered_minutes: hall.settings.watch.help_unanswered_minutes,
        kiosks: crate::services::devices::printing_kiosks(state, hall)
            .await?
            .into_iter()
            .map(|(id, name)| KioskChoice { id, name })
            .collect(),
    })
}

/// Raises and clears the hall's queue alerts against its thresholds, with an event for each
/// change. Run by the watch job; the figures are read first, the alerts again under the hall
/// lock, so two instances never raise the same alert twice. Answers how many changed.
#[tracing::instrument(skip_all, fields(hall = %hall.code))]
pub async fn watch(state: &Core, hall: &HallConfig) -> AppResult<u32> {
    let now = state.clock.now();
    let rows = windows::list(&state.db, hall.id).await?;
    let views = crate::services::views::service_views_with(&state.db, hall, now, &rows).await?;
    let cash = closed_cash_windows(&rows);
    let settings = &hall.settings.watch;
    let decide = |raised: &[entity::queue_alert::Model]| {
        views
            .iter()
            .filter_map(|v| {
                let info = hall.service_by_code(&v.code)?;
                let current = raised.iter().find(|a| a.service_id == info.id.0);
                let now_in =
                    rules::in_alert(settings.of(&v.code), figures(v), current.is_some(), settings.clear_percent);
                (now_in != current.is_some()).then(|| (v, info.id, current.map(|a| a.id)))
            })
            .collect::<Vec<_>>()
    };
    if decide(&store::raised_alerts(&state.db, hall.id).await?).is_empty() {
        return Ok(0);
    }
    let mut write = HallWrite::begin(state, hall).await?;
    let changes = decide(&store::raised_alerts(write.txn()?, hall.id).await?);
    for (view, service, raised) in &changes {
        let f = figures(view);
        let closed = cash.get(service).map_or(0, Vec::len) as u32;
        let alert = PublicAlert {
            service: view.code.clone(),
            waiting: f.waiting,
            longest_wait_minutes: f.longest_wait_minutes,
            estimated_wait_minutes: f.estimated_wait_minutes,
            advise_cash_windows: raised.is_none() && rules::advise_cash_windows(true, closed),
        };
        let kind = match raised {
            Some(id) => {
                store::clear_alert(write.txn()?, *id, write.now).await?;
                EventKind::QueueAlertCleared
            }
            None => {
                store::raise_alert(write.txn()?, hall.id, *service, f, write.now).await?;
                EventKind::QueueAlertRaised
            }
        };
        tracing::info!(service = %view.code, kind = kind.as_str(), waiting = f.waiting, "queue alert");
        write.emit(kind, EventBody::Alert { alert }, None).await?;
    }
    write.commit(state).await?;
    Ok(changes.len() as u32)
}

/// A ticket looked up by its number for someone on the floor: its place and wait, and the open
/// windows serving its queue (where to go).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NumberLookup {
    pub ticket: crate::services::views::TicketView,
    /// Open windows that serve its queue, by number.
    pub windows: Vec<i32>,
}

pub async fn lookup_number(state: &Core, actor: &Actor, hall: &HallConfig, number: &str) -> AppResult<NumberLookup> {
    if !of_hall(actor, hall.id) {
        return Err(AppError::forbidden("looking up numbers is for the hall's own people"));
    }
    let number = number.trim().to_uppercase();
    if number.is_empty() || number.len() > 12 {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, "give today's ticket number, e.g. A012"));
    }
    let day = business_date(state.clock.now(), hall.timezone);
    let row = crate::persistence::tickets::find_by_number(&state.db, hall.id, day, &number)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::TicketNotFound, format!("no ticket {number} today")))?;
    let place = crate::services::views::position(state, hall, &row).await?;
    let windows = windows::list(&state.db, hall.id)
        .await?
        .into_iter()
        .filter(|w| w.state.can_call() && w.services.contains(&row.service_id))
        .map(|w| w.number)
        .collect();
    Ok(NumberLookup { ticket: crate::services::views::ticket_view(hall, &row, place, false), windows })
}
