//! Appointments: book, look up, change, cancel and check in. Every booking write runs under the
//! hall's lock (`HallWrite`), so the per-person rules are read and applied without a race, and
//! the place itself is taken by a guarded counter update that a CHECK constraint backs.
use super::hall_write::HallWrite;
use super::tickets::{self, IssueRequest};
use super::views::TicketView;
use crate::domain::appointment::{self as rules, BookingRules, CheckIn, IdNumberRule, Slot};
use crate::domain::events::{EventBody, EventKind};
use crate::domain::ids::{ServiceId, UserId};
use crate::domain::numbering::business_date;
use crate::domain::privacy::{mask_name, mask_phone, normalise_id_number, normalise_mobile};
use crate::domain::ticket::{Channel, Priority};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence::appointments as store;
use crate::persistence::halls::{HallConfig, ServiceInfo};
use crate::state::Core;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use rand::RngCore;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

const MAX_NAME_CHARS: usize = 20;
const ONE_A_DAY: &str = "this number already has a booking for this service on that day";

/// One slot as the booking pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    /// `09:00` in hall time.
    pub start: String,
    pub end: String,
    pub capacity: u32,
    pub booked: u32,
    pub available: u32,
    /// It may be booked now (inside the booking window, not begun).
    pub open: bool,
}

/// A booking as its owner (and staff) see it: personal data masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentView {
    /// The short booking code (8 characters).
    pub code: String,
    pub hall: String,
    pub service: String,
    pub service_name: String,
    pub service_name_en: String,
    /// `YYYY-MM-DD`, hall time.
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    /// `booked`, `checked_in`, `served`, `cancelled` or `no_show`.
    pub status: String,
    pub name_masked: String,
    pub phone_masked: String,
    /// Why the hall cancelled it, when it did.
    pub reason: Option<String>,
    /// The slot's start and end (RFC 3339, hall time), e.g. for a calendar entry.
    pub starts_at: String,
    pub ends_at: String,
    /// When check-in opens and closes, and until when it may be changed (RFC 3339, hall time).
    pub check_in_from: String,
    pub check_in_until: String,
    pub change_until: String,
    /// The ticket's number once checked in.
    pub ticket_number: Option<String>,
    pub address: Option<String>,
}

fn booking_rules(hall: &HallConfig) -> &BookingRules {
    &hall.settings.appointments
}

fn local_now(state: &Core, hall: &HallConfig) -> NaiveDateTime {
    state.clock.now().with_timezone(&hall.timezone).naive_local()
}

fn hall_time(hall: &HallConfig, local: NaiveDateTime) -> String {
    hall.timezone.from_local_datetime(&local).earliest().map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn slot_of(row: &entity::appointment::Model) -> Slot {
    Slot { start: row.start_minute as u16, end: row.end_minute as u16 }
}

fn bookable_service<'a>(hall: &'a HallConfig, code: &str) -> AppResult<&'a ServiceInfo> {
    let service = hall.offered_service(code).map_err(AppError::refused)?;
    if !service.appointments {
        return Err(AppError::conflict(
            ErrorCode::NotBookable,
            format!("{} ({code}) is not offered by appointment; take a ticket at the hall", service.name_en),
        ));
    }
    Ok(service)
}

fn view(hall: &HallConfig, row: &entity::appointment::Model, ticket: Option<String>) -> AppointmentView {
    let service = hall.service(ServiceId(row.service_id));
    let slot = slot_of(row);
    let r = booking_rules(hall);
    let start = slot.starts_at(row.day);
    let minutes = |m: u32| chrono::Duration::minutes(i64::from(m));
    AppointmentView {
        code: row.code.clone(),
        hall: hall.code.clone(),
        service: service.map(|s| s.code.clone()).unwrap_or_default(),
        service_name: service.map(|s| s.name.clone()).unwrap_or_default(),
        service_name_en: service.map(|s| s.name_en.clone()).unwrap_or_default(),
        date: row.day,
        start: slot.start_text(),
        end: slot.end_text(),
        status: row.status.clone(),
        name_masked: mask_name(&row.name),
        phone_masked: mask_phone(&row.phone),
        reason: row.reason.clone(),
        starts_at: hall_time(hall, start),
        ends_at: hall_time(hall, slot.ends_at(row.day)),
        check_in_from: hall_time(hall, start - minutes(r.check_in_before_minutes)),
        check_in_until: hall_time(hall, start + minutes(r.check_in_grace_minutes)),
        change_until: hall_time(hall, start - minutes(r.change_deadline_minutes)),
        ticket_number: ticket,
        address: hall.address.clone(),
    }
}

/// Places per slot for a service: the rule's places, limited by the windows that serve it.
async fn capacity(state: &Core, hall: &HallConfig, service: &ServiceInfo) -> AppResult<u32> {
    let windows = crate::persistence::windows::list(&state.db, hall.id).await?;
    let serving = windows.iter().filter(|w| w.services.contains(&service.id)).count() as u32;
    let handling = u32::try_from(service.typical_handling.num_minutes()).unwrap_or(1);
    Ok(booking_rules(hall).places(serving, handling))
}

/// The slots of a service's day with places left.
pub async fn slots(state: &Core, hall: &HallConfig, service: &str, day: NaiveDate) -> AppResult<Vec<SlotView>> {
    let service = bookable_service(hall, service)?;
    let r = booking_rules(hall);
    let now = local_now(state, hall);
    let places = capacity(state, hall, service).await?;
    let counters = store::slots_of_day(&state.db, hall.id, service.id, day).await?;
    Ok(rules::slots(&hall.schedule, day, r.slot_minutes)
        .into_iter()
        .map(|slot| {
            let counter = counters.iter().find(|c| c.start_minute as u16 == slot.start);
            let capacity = counter.map_or(places, |c| u32::try_from(c.capacity).unwrap_or(0));
            let booked = counter.map_or(0, |c| u32::try_from(c.booked).unwrap_or(0));
            SlotView {
                start: slot.start_text(),
                end: slot.end_text(),
                capacity,
                booked,
                available: capacity.saturating_sub(booked),
                open: rules::may_book(&hall.schedule, now, day, slot, r).is_ok(),
            }
        })
        .collect())
}

pub struct BookRequest<'a> {
    pub service: &'a str,
    pub date: NaiveDate,
    pub start: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    /// A resident ID number, when the hall asks for one (ignored, never stored, when not).
    pub id_number: Option<&'a str>,
    pub channel: Channel,
    pub actor: Option<UserId>,
}

fn parse_person(name: &str, phone: &str) -> AppResult<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidName,
            format!("a name has 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let phone = normalise_mobile(phone).ok_or_else(|| {
        AppError::bad_request(ErrorCode::InvalidPhone, "a mainland mobile number has 11 digits, e.g. 13812345678")
    })?;
    Ok((name.to_owned(), phone))
}

/// The keyed hash of the ID number given, as the hall's rule asks: none when the hall does not
/// ask (whatever was sent is dropped), a clear error when it is required and missing or malformed.
fn id_hash(state: &Core, rule: IdNumberRule, given: Option<&str>) -> AppResult<Option<String>> {
    let given = given.map(str::trim).filter(|t| !t.is_empty());
    match (rule, given) {
        (IdNumberRule::Off, _) | (IdNumberRule::Optional, None) => Ok(None),
        (IdNumberRule::Required, None) => {
            Err(AppError::bad_request(ErrorCode::InvalidIdNumber, "this hall asks for a resident ID number to book"))
        }
        (_, Some(text)) => {
            let id = normalise_id_number(text).ok_or_else(|| {
                AppError::bad_request(
                    ErrorCode::InvalidIdNumber,
                    "a resident ID number has 17 digits and a check digit or X, e.g. 11010519491231002X",
                )
            })?;
            Ok(Some(state.id_numbers.hex(&id)))
        }
    }
}

fn new_code() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    rules::booking_code(&bytes)
}

/// The per-person rules, read under the hall lock: not blocked for no-shows, one active booking
/// per service and day, at most `per_week` in the slot's week. `except` is a booking being moved.
async fn check_person(
    write: &HallWrite,
    hall: &HallConfig,
    person: store::Person<'_>,
    service: ServiceId,
    day: NaiveDate,
    today: NaiveDate,
    except: Option<i64>,
) -> AppResult<()> {
    let r = booking_rules(hall);
    let since = today - chrono::Duration::days(i64::from(r.no_show_window_days));
    let no_shows = store::no_show_days(write.txn()?, hall.id, person, since).await?;
    if let Some(until) = rules::blocked_until(&no_shows, today, r) {
        return Err(AppError::conflict(
            ErrorCode::Blocked,
            format!(
                "{} missed bookings in {} days: new bookings are possible again from {until}",
                no_shows.len(),
                r.no_show_window_days
            ),
        )
        .with_detail("until", until.to_string()));
    }
    let (monday, sunday) = rules::week_of(day);
    let active: Vec<_> = store::active_of_person(write.txn()?, hall.id, person, monday, sunday)
        .await?
        .into_iter()
        .filter(|a| Some(a.id) != except)
        .collect();
    if active.iter().any(|a| a.service_id == service.0 && a.day == day) {
        return Err(AppError::conflict(ErrorCode::LimitReached, ONE_A_DAY));
    }
    if active.len() as u32 >= r.per_week {
        return Err(AppError::conflict(
            ErrorCode::LimitReached,
            format!("this number already has {} bookings that week (at most {})", active.len(), r.per_week),
        ));
    }
    Ok(())
}

/// Takes a place in a slot (creating its counter with today's capacity) or answers `slot_full`.
async fn take_place(
    write: &HallWrite,
    hall: &HallConfig,
    service: ServiceId,
    day: NaiveDate,
    slot: Slot,
    places: u32,
) -> AppResult<()> {
    let start = slot.start as i16;
    store::ensure_slot(write.txn()?, hall.id, service, day, start, places as i32).await?;
    if !store::take_place(write.txn()?, hall.id, service, day, start).await? {
        return Err(AppError::conflict(ErrorCode::SlotFull, format!("{day} {} is fully booked", slot.start_text())));
    }
    Ok(())
}

async fn announce(
    write: &mut HallWrite,
    service: &ServiceInfo,
    day: NaiveDate,
    slot: Slot,
    actor: Option<UserId>,
) -> AppResult<()> {
    let body = EventBody::Appointments { service: service.code.clone(), date: day, start: slot.start_text() };
    write.emit(EventKind::AppointmentsChanged, body, actor).await
}

#[tracing::instrument(skip(state, hall, request), fields(hall = %hall.code, service = request.service))]
/// Books a place. The booking is written in the hall's next batch of writes with the others
/// waiting (`group_write`): one commit for a rush of bookings (issue 19). Every refusal comes
/// before the booking writes anything, as a batch requires.
pub async fn book(state: &Core, hall: &Arc<HallConfig>, request: BookRequest<'_>) -> AppResult<AppointmentView> {
    let service = bookable_service(hall, request.service)?.clone();
    let (name, phone) = parse_person(request.name, request.phone)?;
    let r = booking_rules(hall);
    let id_hash = id_hash(state, r.id_number, request.id_number)?;
    let slot = rules::slot_at(&hall.schedule, request.date, r.slot_minutes, request.start).ok_or_else(|| {
        AppError::bad_request(
            ErrorCode::InvalidSlot,
            format!("{} has no slot starting at {}", request.date, request.start),
        )
    })?;
    let places = capacity(state, hall, &service).await?;
    let (config, day, channel, actor) = (hall.clone(), request.date, request.channel, request.actor);
    let row = state
        .window_ops
        .write(hall, super::group_write::Touches::Other, move |write| {
            Box::pin(async move {
                let hall = &config;
                let now = write.now.with_timezone(&hall.timezone).naive_local();
                rules::may_book(&hall.schedule, now, day, slot, booking_rules(hall)).map_err(AppError::refused)?;
                let person = store::Person { phone: &phone, id_hash: id_hash.as_deref() };
                check_person(write, hall, person, service.id, day, now.date(), None).await?;
                take_place(write, hall, service.id, day, slot, places).await?;
                let code = new_code();
                let row = store::insert(
                    write.txn()?,
                    store::NewAppointment {
                        hall: hall.id,
                        service: service.id,
                        code: &code,
                        day,
                        start: slot.start as i16,
                        end: slot.end as i16,
                        name: &name,
                        person,
                        channel: channel.as_str(),
                        at: write.now,
                    },
                )
                .await
                // The place is taken already: a refusal now would leave it taken in the batch's
                // transaction. One a day is checked above under the hall's write, so this index
                // is only the last guard; tripping it rolls the whole batch back.
                .map_err(|e| AppError::internal(format!("booking not unique after its checks: {e}")))?;
                announce(write, &service, day, slot, actor).await?;
                Ok(row)
            })
        })
        .await?;
    Ok(view(hall, &row, None))
}

/// The booking behind a code, if `phone` is its number (the same answer for a wrong code and a
/// wrong number, so codes cannot be probed).
async fn owned(
    state: &Core,
    code: &str,
    phone: &str,
) -> AppResult<(std::sync::Arc<HallConfig>, entity::appointment::Model)> {
    let not_found =
        || AppError::not_found(ErrorCode::AppointmentNotFound, "no booking has that code and mobile number");
    let phone = normalise_mobile(phone).ok_or_else(not_found)?;
    let code = code.trim().to_uppercase();
    let row = store::find_by_code(&state.db, &code).await?.filter(|a| a.phone == phone).ok_or_else(not_found)?;
    let hall = state.halls.get_by_id(crate::domain::ids::HallId(row.hall_id)).await?;
    Ok((hall, row))
}

/// What shows a check-in is the booking's: its mobile number, or a signed-in volunteer, staff
/// member or manager of its hall (who has seen the person and their code).
#[derive(Clone, Copy)]
pub enum Proof<'a> {
    Phone(&'a str),
    HallStaff(&'a super::auth::Actor),
}

/// The booking behind a code, for the hall's own people.
async fn of_hall_staff(
    state: &Core,
    code: &str,
    actor: &super::auth::Actor,
) -> AppResult<(std::sync::Arc<HallConfig>, entity::appointment::Model)> {
    let code = code.trim().to_uppercase();
    let row = store::find_by_code(&state.db, &code)
        .await?
        .filter(|a| actor.hall.is_none_or(|h| h.0 == a.hall_id))
        .ok_or_else(|| {
            AppError::not_found(ErrorCode::AppointmentNotFound, "this hall has no booking with that code")
        })?;
    let hall = state.halls.get_by_id(crate::domain::ids::HallId(row.hall_id)).await?;
    Ok((hall, row))
}

/// The booking's ticket number once checked in, and the booking as it stands: a checked-in
/// booking whose ticket is finished reads `served`.
async fn with_ticket(
    state: &Core,
    row: &entity::appointment::Model,
) -> AppResult<(entity::appointment::Model, Option<String>)> {
    let ticket = match row.ticket_id {
        Some(id) => crate::persistence::tickets::find(&state.db, crate::domain::ids::TicketId(id)).await?,
        None => None,
    };
    let mut row = row.clone();
    if row.status == "checked_in"
        && ticket.as_ref().is_some_and(|t| t.status == crate::domain::ticket::TicketStatus::Done)
    {
        row.status = "served".into();
    }
    Ok((row, ticket.map(|t| t.number)))
}

pub async fn lookup(state: &Core, code: &str, phone: &str) -> AppResult<AppointmentView> {
    let (hall, row) = owned(state, code, phone).await?;
    let (row, ticket) = with_ticket(state, &row).await?;
    Ok(view(&hall, &row, ticket))
}

#[tracing::instrument(skip(state, phone))]
pub async fn cancel(state: &Core, code: &str, phone: &str) -> AppResult<AppointmentView> {
    let (hall, found) = owned(state, code, phone).await?;
    let service =
        hall.service(ServiceId(found.service_id)).cloned().ok_or_else(|| AppError::internal("service vanished"))?;
    let mut write = HallWrite::begin(state, &hall).await?;
    let now = write.now.with_timezone(&hall.timezone).naive_local();
    let row =
        store::find_by_code(write.txn()?, &found.code).await?.ok_or_else(|| AppError::internal("booking vanished"))?;
    if row.status != "booked" {
        return Err(AppError::conflict(
            ErrorCode::InvalidTransition,
            format!("the booking is {}, it cannot be cancelled", row.status),
        ));
    }
    rules::may_change(now, row.day, slot_of(&row), booking_rules(&hall)).map_err(AppError::refused)?;
    if !store::set_status(write.txn()?, row.id, "booked", "cancelled", write.now).await? {
        return Err(AppError::conflict(ErrorCode::TicketChanged, "the booking changed meanwhile; look again"));
    }
    store::free_place(write.txn()?, hall.id, service.id, row.day, row.start_minute).await?;
    announce(&mut write, &service, row.day, slot_of(&row), None).await?;
    write.commit(state).await?;
    let row =
        store::find_by_code(&state.db, &found.code).await?.ok_or_else(|| AppError::internal("booking vanished"))?;
    Ok(view(&hall, &row, None))
}

#[tracing::instrument(skip(state, phone))]
pub async fn reschedule(
    state: &Core,
    code: &str,
    phone: &str,
    day: NaiveDate,
    start: &str,
) -> AppResult<AppointmentView> {
    let (hall, found) = owned(state, code, phone).await?;
    let service =
        hall.service(ServiceId(found.service_id)).cloned().ok_or_else(|| AppError::internal("service vanished"))?;
    let r = booking_rules(&hall);
    let slot = rules::slot_at(&hall.schedule, day, r.slot_minutes, start).ok_or_else(|| {
        AppError::bad_request(ErrorCode::InvalidSlot, format!("{day} has no slot starting at {start}"))
    })?;
    let places = capacity(state, &hall, &service).await?;
    let mut write = HallWrite::begin(state, &hall).await?;
    let now = write.now.with_timezone(&hall.timezone).naive_local();
    let row =
        store::find_by_code(write.txn()?, &found.code).await?.ok_or_else(|| AppError::internal("booking vanished"))?;
    if row.status != "booked" {
        return Err(AppError::conflict(
            ErrorCode::InvalidTransition,
            format!("the booking is {}, it cannot be changed", row.status),
        ));
    }
    rules::may_change(now, row.day, slot_of(&row), r).map_err(AppError::refused)?;
    rules::may_book(&hall.schedule, now, day, slot, r).map_err(AppError::refused)?;
    let person = store::Person { phone: &row.phone, id_hash: row.id_hash.as_deref() };
    check_person(&write, &hall, person, service.id, day, now.date(), Some(row.id)).await?;
    take_place(&write, &hall, service.id, day, slot, places).await?;
    store::free_place(write.txn()?, hall.id, service.id, row.day, row.start_minute).await?;
    store::move_to(write.txn()?, row.id, day, slot.start as i16, slot.end as i16, write.now)
        .await
        .map_err(|e| AppError::unique_or(e, ErrorCode::LimitReached, ONE_A_DAY))?;
    announce(&mut write, &service, row.day, slot_of(&row), None).await?;
    announce(&mut write, &service, day, slot, None).await?;
    write.commit(state).await?;
    let row =
        store::find_by_code(&state.db, &found.code).await?.ok_or_else(|| AppError::internal("booking vanished"))?;
    Ok(view(&hall, &row, None))
}

/// The outcome of a check-in: the appointment ticket, new or (checked in before) the same one.
pub struct CheckedIn {
    pub ticket: TicketView,
    pub again: bool,
}

/// Checks a booking in and issues its ticket (`priority: appointment`). The booking is claimed
/// first (a guarded status change), so two check-ins at once give one ticket.
#[tracing::instrument(skip(state, proof))]
pub async fn check_in(state: &Core, code: &str, proof: Proof<'_>, channel: Channel) -> AppResult<CheckedIn> {
    let (hall, row) = match proof {
        Proof::Phone(phone) => owned(state, code, phone).await?,
        Proof::HallStaff(actor) => of_hall_staff(state, code, actor).await?,
    };
    let actor = match proof {
        Proof::Phone(_) => None,
        Proof::HallStaff(actor) => Some(actor.id),
    };
    if let (Some(ticket), "checked_in" | "served") = (row.ticket_id, row.status.as_str()) {
        let found = crate::persistence::tickets::find(&state.db, crate::domain::ids::TicketId(ticket))
            .await?
            .ok_or_else(|| AppError::internal("ticket vanished"))?;
        let view = tickets::view_by_token(state, &found.token).await?;
        return Ok(CheckedIn { ticket: view, again: true });
    }
    if row.status != "booked" {
        return Err(AppError::conflict(ErrorCode::InvalidTransition, format!("the booking is {}", row.status)));
    }
    if row.day != business_date(state.clock.now(), hall.timezone) {
        return Err(too_early_or_late(
            &hall,
            rules::check_in(local_now(state, &hall), row.day, slot_of(&row), booking_rules(&hall)),
        ));
    }
    match rules::check_in(local_now(state, &hall), row.day, slot_of(&row), booking_rules(&hall)) {
        CheckIn::Open => {}
        other => return Err(too_early_or_late(&hall, other)),
    }
    let now = state.clock.now();
    if !store::set_status(&state.db, row.id, "booked", "checked_in", now).await? {
        // Someone checked it in a moment ago: answer with that ticket.
        return Box::pin(check_in(state, code, proof, channel)).await;
    }
    let service = hall.service(ServiceId(row.service_id)).map(|s| s.code.clone()).unwrap_or_default();
    let issued = tickets::issue(
        state,
        &hall,
        IssueRequest {
            service: &service,
            priority: Priority::Appointment,
            channel,
            actor,
            phone: None,
            client_id: None,
            booked_for: hall
                .timezone
                .from_local_datetime(&slot_of(&row).starts_at(row.day))
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc)),
        },
    )
    .await;
    match issued {
        Ok(ticket) => {
            store::set_ticket(&state.db, row.id, ticket.id).await?;
            Ok(CheckedIn { ticket, again: false })
        }
        Err(err) => {
            // No ticket (the hall closed meanwhile): the booking stands as it was.
            store::set_status(&state.db, row.id, "checked_in", "booked", now).await?;
            Err(err)
        }
    }
}

fn too_early_or_late(hall: &HallConfig, state: CheckIn) -> AppError {
    match state {
        CheckIn::TooEarly(opens) => {
            AppError::conflict(ErrorCode::TooEarly, format!("check-in opens at {}", opens.format("%Y-%m-%d %H:%M")))
                .with_detail("check_in_from", hall_time(hall, opens))
        }
        _ => AppError::conflict(
            ErrorCode::TooLate,
            "the time to check in for this booking has passed; take a normal ticket at the kiosk",
        )
        .with_detail("offer", "normal_ticket"),
    }
}

/// A day's bookings for staff, managers and volunteers: masked, with their status.
pub async fn of_day(
    state: &Core,
    actor: &super::auth::Actor,
    hall: &HallConfig,
    day: NaiveDate,
    phone: Option<&str>,
) -> AppResult<Vec<AppointmentView>> {
    if actor.hall.is_some_and(|h| h != hall.id) {
        return Err(AppError::forbidden("you may see only your own hall's bookings"));
    }
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => Some(normalise_mobile(text).ok_or_else(|| {
            AppError::bad_request(ErrorCode::InvalidPhone, "a mainland mobile number has 11 digits, e.g. 13812345678")
        })?),
        None => None,
    };
    let rows: Vec<_> = store::of_day(&state.db, hall.id, day)
        .await?
        .into_iter()
        .filter(|a| phone.as_ref().is_none_or(|p| &a.phone == p))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let (row, ticket) = with_ticket(state, row).await?;
        out.push(view(hall, &row, ticket));
    }
    Ok(out)
}

/// Housekeeping for one hall: bookings whose check-in closed become no-shows (they count
/// towards blocking), and personal data of old bookings is erased.
pub async fn housekeeping(state: &Core, hall: &HallConfig) -> AppResult<(u64, u64)> {
    let now = state.clock.now();
    let local = now.with_timezone(&hall.timezone).naive_local();
    let r = booking_rules(hall);
    let marked = store::mark_no_shows(&state.db, hall.id, local.date(), rules::no_show_before(local, r), now).await?;
    let keep = chrono::Duration::days(i64::from(r.keep_personal_days));
    let purged = store::purge_personal(&state.db, hall.id, local.date() - keep).await?;
    if marked > 0 || purged > 0 {
        tracing::info!(hall = %hall.code, marked, purged, "bookings: no-shows marked, old personal data erased");
    }
    Ok((marked, purged))
}

/// A manager cancels a day's bookings (of one service, or all), e.g. when the hall must close;
/// the people see the reason when they look their booking up. Audited.
#[tracing::instrument(skip(state, actor, hall, reason), fields(hall = %hall.code, by = %actor.username))]
pub async fn cancel_day(
    state: &Core,
    actor: &super::auth::Actor,
    hall: &HallConfig,
    day: NaiveDate,
    service: Option<&str>,
    reason: &str,
) -> AppResult<u64> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may cancel bookings"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::bad_request(
            ErrorCode::InvalidField,
            "give a reason of 1 to 200 characters; people will see it",
        ));
    }
    let service = match service {
        Some(code) => Some(hall.service_by_code(code).ok_or_else(|| {
            AppError::bad_request(ErrorCode::UnknownService, format!("hall '{}' has no service '{code}'", hall.code))
        })?),
        None => None,
    };
    let mut write = HallWrite::begin(state, hall).await?;
    let rows = store::cancel_day(write.txn()?, hall.id, day, service.map(|s| s.id), reason, write.now).await?;
    let target = format!("appointments:{day}{}", service.map(|s| format!(":{}", s.code)).unwrap_or_default());
    let after = serde_json::json!({ "cancelled": rows.len(), "reason": reason });
    super::audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "appointments.cancelled",
        &target,
        None,
        Some(after),
        write.now,
    )
    .await?;
    let mut slots: Vec<(i32, i16)> = rows.iter().map(|r| (r.service_id, r.start_minute)).collect();
    slots.sort_unstable();
    slots.dedup();
    for (service_id, start) in slots {
        if let Some(info) = hall.service(ServiceId(service_id)).cloned() {
            let slot = Slot { start: start as u16, end: start as u16 };
            announce(&mut write, &info, day, slot, Some(actor.id)).await?;
        }
    }
    // With nothing cancelled nothing is announced, and the write (audit entry included) is
    // rolled back: nothing happened.
    write.commit(state).await?;
    Ok(rows.len() as u64)
}
