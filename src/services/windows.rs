//! Window operations: call, recall, start, finish, no-show, transfer, restore, and the window's
//! own state (open, close, pause, resume).
use super::auth::Actor;
use super::group_write::Touches;
use super::hall_write::HallWrite;
use super::views::{public_ticket, public_window, staff_ticket_view, window_view, StaffTicketView, WindowView};
use crate::domain::dispatch::{choose_next, WindowProfile};
use crate::domain::events::{EventBody, EventKind};
use crate::domain::ids::{UserId, WindowId};
use crate::domain::lifecycle::{Outcome, RuleError, Ticket, TransferTo};
use crate::domain::numbering::business_date;
use crate::domain::role::Role;
use crate::domain::ticket::{transition, TicketAction};
use crate::domain::window::WindowAction;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::tickets::{self, TicketRow};
use crate::persistence::{users, windows, windows::WindowRow};
use crate::state::Core;
use serde_json::json;
use std::sync::Arc;

/// Where a transfer sends a ticket.
#[derive(Debug, Clone)]
pub enum TransferTarget {
    Service(String),
    Window(i32),
}

/// Loads the window and checks the actor may operate it: staff assigned to it, or a manager of
/// its hall, or an admin.
pub(crate) async fn authorize(
    state: &Core,
    actor: &Actor,
    window: WindowId,
) -> AppResult<(Arc<HallConfig>, WindowRow)> {
    let (row, assigned) = state
        .reads()
        .find_window_for_user(window, actor.id)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::WindowNotFound, format!("there is no window {window}")))?;
    if !row.active {
        return Err(AppError::conflict(
            ErrorCode::WindowInactive,
            format!("window {} is out of service; an administrator can put it back", row.number),
        ));
    }
    if !may_operate_assigned(actor, &row, assigned) {
        return Err(AppError::forbidden(format!("{} may not operate window {}", actor.username, row.number)));
    }
    // Staff work only the window they are signed in at; managers act on any from the floor.
    if actor.role == crate::domain::role::Role::Staff {
        if let Some((someone, _)) = row.signed_in.filter(|(user, _)| *user != actor.id) {
            return Err(occupied(state, &row, someone).await);
        }
    }
    let hall = state.halls.get_by_id(row.hall_id).await?;
    Ok((hall, row))
}

/// Staff assigned to the window, a manager of its hall, or an admin.
pub(crate) async fn may_operate(state: &Core, actor: &Actor, window: &WindowRow) -> AppResult<bool> {
    let assigned = actor.role == Role::Staff && users::is_assigned(&state.db, actor.id, window.id).await?;
    Ok(may_operate_assigned(actor, window, assigned))
}

/// `may_operate`, with whether the actor is assigned to the window already read.
fn may_operate_assigned(actor: &Actor, window: &WindowRow, assigned: bool) -> bool {
    match actor.role {
        Role::Staff => assigned && actor.hall.is_none_or(|hall| hall == window.hall_id),
        _ => actor.manages(window.hall_id),
    }
}

/// Staff restore only a no-show their window called or one of its services; managers any in
/// their hall.
fn may_restore(actor: &Actor, window: &WindowRow, ticket: &TicketRow) -> AppResult<()> {
    if actor.role != Role::Staff || ticket.window_id == Some(window.id) || window.services.contains(&ticket.service_id)
    {
        return Ok(());
    }
    Err(AppError::forbidden(format!("{} is not a ticket of this window's services", ticket.number)))
}

fn busy(held: &TicketRow) -> AppError {
    AppError::conflict(
        ErrorCode::WindowBusy,
        format!(
            "this window still holds {} ({}); finish, mark no-show or transfer it first",
            held.number,
            held.status.as_str()
        ),
    )
    .with_detail("ticket", held.number.clone())
}

fn not_open(window: &WindowRow) -> AppError {
    AppError::conflict(
        ErrorCode::WindowNotOpen,
        format!("window {} is {}; open or resume it first", window.number, window.state.as_str()),
    )
}

/// Applies one lifecycle rule to the ticket, stages the change and emits the event; the batch
/// it runs in writes and commits (`GroupWriter`, `window_batch.rs`).
async fn save(
    write: &mut HallWrite,
    hall: &HallConfig,
    by: UserId,
    before: &TicketRow,
    rule: impl FnOnce(&mut Ticket) -> Result<Outcome, RuleError>,
    transfer_to: Option<serde_json::Value>,
) -> AppResult<StaffTicketView> {
    let mut life = before.life();
    let outcome = rule(&mut life)?;
    let row = before.with_life(life);
    write.stage(before, row.clone());
    let body = EventBody::Ticket { ticket: public_ticket(hall, &row), transfer_to };
    write.emit(outcome.event(), body, Some(by)).await?;
    Ok(staff_ticket_view(hall, &row))
}

/// The window as it stands under the hall lock (it may have changed since it was authorized),
/// when it may call: open, and holding no ticket.
async fn ready_to_call(write: &mut HallWrite, window_id: WindowId) -> AppResult<WindowRow> {
    let (window, held) = write.window(window_id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    if !window.state.can_call() {
        return Err(not_open(&window));
    }
    if let Some(held) = held {
        return Err(busy(&held));
    }
    Ok(window)
}

/// Calls the ticket dispatch chooses, or returns `None` when nobody waits for this window.
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn call_next(state: &Core, actor: &Actor, window_id: WindowId) -> AppResult<Option<StaffTicketView>> {
    let (hall, _) = authorize(state, actor, window_id).await?;
    let (config, by) = (hall.clone(), actor.id);
    state
        .window_ops
        .write(&hall, Touches::Calling(window_id), move |write| {
            Box::pin(async move {
                let hall = &config;
                let window = ready_to_call(write, window_id).await?;
                let day = business_date(write.now, hall.timezone);
                let heads = write.queue_heads(hall.id, day, &window).await?;
                let candidates: Vec<_> = heads.iter().map(TicketRow::candidate).collect();
                let profile = WindowProfile { id: window_id, services: window.services };
                let Some(choice) = choose_next(&profile, &candidates, &hall.target_waits(), write.now) else {
                    return Ok(None);
                };
                let before = heads
                    .into_iter()
                    .find(|ticket| ticket.id == choice.id)
                    .ok_or_else(|| AppError::internal("dispatch chose a ticket that was not a candidate"))?;
                let now = write.now;
                save(write, hall, by, &before, |t| t.call(window_id, Some(by), now), None).await.map(Some)
            })
        })
        .await
}

/// Calls one particular queued ticket by its number (e.g. someone who stepped out and is back).
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn call_number(state: &Core, actor: &Actor, window_id: WindowId, number: &str) -> AppResult<StaffTicketView> {
    let (hall, _) = authorize(state, actor, window_id).await?;
    let (config, by, number) = (hall.clone(), actor.id, number.to_owned());
    state
        .window_ops
        .write(&hall, Touches::Window(window_id), move |write| {
            Box::pin(async move {
                let hall = &config;
                let window = ready_to_call(write, window_id).await?;
                let day = business_date(write.now, hall.timezone);
                write.flush().await?;
                let before = write.tx().find_by_number(hall.id, day, &number).await?.ok_or_else(|| {
                    AppError::not_found(ErrorCode::TicketNotFound, format!("no ticket {number} today"))
                })?;
                let profile = WindowProfile { id: window_id, services: window.services.clone() };
                if !profile.serves(&before.candidate()) {
                    return Err(AppError::conflict(
                        ErrorCode::NotServedHere,
                        format!("window {} does not serve {}", window.number, before.number),
                    ));
                }
                let now = write.now;
                save(write, hall, by, &before, |t| t.call(window_id, Some(by), now), None).await
            })
        })
        .await
}

/// The operations on the ticket a window holds.
#[derive(Debug, Clone)]
pub enum HeldAction {
    Recall,
    Start,
    Finish,
    NoShow,
    Transfer { target: TransferTarget, note: Option<String> },
}

#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn act_on_held(
    state: &Core,
    actor: &Actor,
    window_id: WindowId,
    action: HeldAction,
) -> AppResult<StaffTicketView> {
    let (hall, window) = authorize(state, actor, window_id).await?;
    let recall_limit = hall.settings.queue_rules(state.settings.queue_rule_defaults()).recall_limit;
    let (config, by, number) = (hall.clone(), actor.id, window.number);
    state
        .window_ops
        .write(&hall, Touches::Window(window_id), move |write| {
            Box::pin(async move { held_action(write, &config, by, window_id, number, recall_limit, action).await })
        })
        .await
}

async fn held_action(
    write: &mut HallWrite,
    hall: &HallConfig,
    by: UserId,
    window_id: WindowId,
    window_number: i32,
    recall_limit: u32,
    action: HeldAction,
) -> AppResult<StaffTicketView> {
    let (_, held) = write.window(window_id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    let held = held.ok_or_else(|| {
        AppError::conflict(ErrorCode::NoTicket, format!("window {window_number} holds no ticket; call one first"))
    })?;
    let now = write.now;
    match action {
        HeldAction::Recall => save(write, hall, by, &held, |t| t.recall(recall_limit), None).await,
        HeldAction::Start => save(write, hall, by, &held, |t| t.start(now), None).await,
        HeldAction::Finish => save(write, hall, by, &held, |t| t.finish(now), None).await,
        HeldAction::NoShow => save(write, hall, by, &held, |t| t.no_show(now), None).await,
        HeldAction::Transfer { target, note } => {
            // The ticket must be transferable before the target is looked at (409 before 400).
            transition(held.status, TicketAction::Transfer)?;
            let (to, shown) = match target {
                TransferTarget::Service(code) => {
                    let service = hall.offered_service(&code).map_err(AppError::refused)?;
                    (TransferTo::Service(service.id), json!({ "service": service.code }))
                }
                TransferTarget::Window(number) => {
                    let target = hall.window_by_number(number).ok_or_else(|| {
                        AppError::bad_request(
                            ErrorCode::UnknownWindow,
                            format!("hall '{}' has no window {number}", hall.code),
                        )
                    })?;
                    (TransferTo::Window(target.id), json!({ "window": number }))
                }
            };
            save(write, hall, by, &held, |t| t.transfer(to, note), Some(shown)).await
        }
    }
}

/// Puts a no-show ticket back in its queue, within the grace period.
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn restore(state: &Core, actor: &Actor, window_id: WindowId, number: &str) -> AppResult<StaffTicketView> {
    let (hall, window) = authorize(state, actor, window_id).await?;
    let grace = hall.settings.queue_rules(state.settings.queue_rule_defaults()).no_show_grace;
    let (config, actor, number) = (hall.clone(), actor.clone(), number.to_owned());
    state
        .window_ops
        .write(&hall, Touches::Window(window_id), move |write| {
            Box::pin(async move {
                let hall = &config;
                let day = business_date(write.now, hall.timezone);
                write.flush().await?;
                let found = write.tx().find_by_number(hall.id, day, &number).await?.ok_or_else(|| {
                    AppError::not_found(ErrorCode::TicketNotFound, format!("no ticket {number} today"))
                })?;
                may_restore(&actor, &window, &found)?;
                let now = write.now;
                save(write, hall, actor.id, &found, |t| t.restore(grace, now), None).await
            })
        })
        .await
}

#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn change_state(
    state: &Core,
    actor: &Actor,
    window_id: WindowId,
    action: WindowAction,
    reason: Option<String>,
) -> AppResult<WindowView> {
    let (hall, row) = authorize(state, actor, window_id).await?;
    if action == WindowAction::Open && row.kind.opened_by_managers_only() && !actor.manages(hall.id) {
        // Opening a social-insurance cash window is the hall manager's call (collection peaks).
        return Err(AppError::forbidden(format!(
            "window {} is a social-insurance cash window; a hall manager opens it from the floor",
            row.number
        )));
    }
    let mut write = HallWrite::begin(state, &hall).await?;
    let mut window =
        windows::find(write.txn()?, window_id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    let held = tickets::held_by_window(write.txn()?, window_id).await?;
    window.state = window.state.apply(action, held.is_some())?;
    window.pause_reason = if action == WindowAction::Pause { reason } else { None };
    window.state_since = write.now;
    windows::set_state(write.txn()?, window_id, window.state, window.pause_reason.as_deref(), write.now).await?;
    let kind = match action {
        WindowAction::Open => EventKind::WindowOpened,
        WindowAction::Close => EventKind::WindowClosed,
        WindowAction::Pause => EventKind::WindowPaused,
        WindowAction::Resume => EventKind::WindowResumed,
    };
    write.emit(kind, EventBody::Window { window: public_window(&window) }, Some(actor.id)).await?;
    if matches!(action, WindowAction::Open | WindowAction::Close) {
        let target = format!("window:{}", window.number);
        let kind = if action == WindowAction::Open { "window.opened" } else { "window.closed" };
        super::audit::record(write.txn()?, actor, Some(hall.id), kind, &target, None, None, write.now).await?;
    }
    write.commit(state).await?;
    Ok(window_view(&hall, &window, held.as_ref()))
}

async fn occupied(state: &Core, window: &WindowRow, someone: crate::domain::ids::UserId) -> AppError {
    let name = users::display_names(&state.db, [someone]).await.ok().and_then(|mut m| m.remove(&someone));
    AppError::conflict(
        ErrorCode::WindowOccupied,
        format!(
            "window {} is signed in by {}; they must sign out first",
            window.number,
            name.as_deref().unwrap_or("someone else")
        ),
    )
    .with_detail("signed_in_by", name)
}

/// Signs the actor in at a window: one person per window, one window per person.
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn sign_in(state: &Core, actor: &Actor, window_id: WindowId) -> AppResult<WindowView> {
    let (hall, _) = authorize(state, actor, window_id).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    let mut window =
        windows::find(write.txn()?, window_id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    match window.signed_in {
        Some((user, _)) if user == actor.id => {
            write.commit(state).await?;
            let held = tickets::held_by_window(&state.db, window_id).await?;
            return Ok(window_view(&hall, &window, held.as_ref()));
        }
        Some((user, _)) => return Err(occupied(state, &window, user).await),
        None => {}
    }
    if let Some(elsewhere) = windows::signed_in_window(write.txn()?, actor.id).await? {
        return Err(AppError::conflict(
            ErrorCode::SignedInElsewhere,
            format!("you are signed in at window {}; sign out there first", elsewhere.number),
        )
        .with_detail("window", elsewhere.number));
    }
    windows::set_signed_in(write.txn()?, window_id, Some(actor.id), write.now).await?;
    window.signed_in = Some((actor.id, write.now));
    write.emit(EventKind::WindowSignedIn, EventBody::Window { window: public_window(&window) }, Some(actor.id)).await?;
    write.commit(state).await?;
    let held = tickets::held_by_window(&state.db, window_id).await?;
    Ok(window_view(&hall, &window, held.as_ref()))
}

/// Signs out of a window. The person signed in leaves it closed, and may not leave while it
/// holds a ticket; an admin or a manager may force anyone out (a crashed PC, a forgotten
/// sign-out), which leaves the window's state and ticket as they are.
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn sign_out(state: &Core, actor: &Actor, window_id: WindowId) -> AppResult<WindowView> {
    let (hall, _) = authorize(state, actor, window_id).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    let mut window =
        windows::find(write.txn()?, window_id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    let held = tickets::held_by_window(write.txn()?, window_id).await?;
    let Some((user, _)) = window.signed_in else {
        return Err(AppError::conflict(
            ErrorCode::NotSignedIn,
            format!("nobody is signed in at window {}", window.number),
        ));
    };
    let forced = user != actor.id;
    if forced && !actor.role.manages_floor() {
        return Err(AppError::forbidden("only an admin or a manager may sign someone else out"));
    }
    if !forced {
        if let Some(held) = &held {
            return Err(busy(held));
        }
    }
    windows::set_signed_in(write.txn()?, window_id, None, write.now).await?;
    window.signed_in = None;
    if forced {
        let name = users::display_names(write.txn()?, [user]).await?.remove(&user);
        let target = format!("window:{}", window.number);
        let before = Some(json!({ "signed_in": name }));
        super::audit::record(
            write.txn()?,
            actor,
            Some(hall.id),
            "window.forced_sign_out",
            &target,
            before,
            None,
            write.now,
        )
        .await?;
    }
    write
        .emit(EventKind::WindowSignedOut, EventBody::Window { window: public_window(&window) }, Some(actor.id))
        .await?;
    if !forced && window.state != crate::domain::window::WindowState::Closed {
        window.state = window.state.apply(WindowAction::Close, false)?;
        window.pause_reason = None;
        window.state_since = write.now;
        windows::set_state(write.txn()?, window_id, window.state, None, write.now).await?;
        write
            .emit(EventKind::WindowClosed, EventBody::Window { window: public_window(&window) }, Some(actor.id))
            .await?;
    }
    write.commit(state).await?;
    Ok(window_view(&hall, &window, held.as_ref()))
}

/// Replaces a window's ordered service list (specialty first). Managers and admins only.
#[tracing::instrument(skip(state, actor), fields(user = %actor.username))]
pub async fn set_services(state: &Core, actor: &Actor, window_id: WindowId, codes: &[String]) -> AppResult<WindowView> {
    if !actor.role.manages_floor() {
        return Err(AppError::forbidden("only an admin or a manager may change a window's services"));
    }
    let (hall, _) = authorize(state, actor, window_id).await?;
    let ids = hall.ordered_services(codes).map_err(|(code, message)| AppError::bad_request(code, message))?;
    let mut write = HallWrite::begin(state, &hall).await?;
    windows::set_services(write.txn()?, window_id, &ids).await?;
    let mut window =
        windows::find(write.txn()?, window_id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    window.services = ids;
    write.emit(EventKind::WindowUpdated, EventBody::Window { window: public_window(&window) }, Some(actor.id)).await?;
    write.commit(state).await?;
    state.estimates.clear();
    let held = tickets::held_by_window(&state.db, window_id).await?;
    Ok(window_view(&hall, &window, held.as_ref()))
}
