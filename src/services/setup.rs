//! Administration of a hall: the hall itself, its weekly hours and calendar, its services and
//! windows, and the checklist of what is missing before the kiosk can issue. Every change is
//! checked by `domain::setup`, written with its audit entry in one transaction, announced on the
//! hall's stream (`hall_configured`) so screens reload, and drops the cached configuration.
use super::audit;
use super::auth::Actor;
use super::hall_write::HallWrite;
use super::views::{window_view, WindowView};
use crate::domain::events::{EventBody, EventKind};
use crate::domain::ids::{HallId, WindowId};
use crate::domain::schedule::Period;
use crate::domain::settings::OnlineGuide;
use crate::domain::setup::{self, CalendarEntry, DayKind};
use crate::domain::window::WindowKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use crate::persistence::setup as store;
use crate::state::Core;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::ToSchema;

const MAX_NAME_CHARS: usize = 60;
const MAX_HINT_CHARS: usize = 80;
const MAX_ADDRESS_CHARS: usize = 120;

fn must_manage(actor: &Actor, hall: HallId) -> AppResult<()> {
    if actor.manages(hall) {
        Ok(())
    } else {
        Err(AppError::forbidden("only an admin or a manager of this hall may change its set-up"))
    }
}

/// `Some(None)` when the field is sent as `null` (clear it), `None` when it is left out.
fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// Emits `hall_configured`, commits, and makes this instance read the hall afresh.
pub(crate) async fn announce(
    state: &Core,
    mut write: HallWrite,
    actor: &Actor,
    hall: &HallConfig,
    what: &str,
) -> AppResult<()> {
    write.emit(EventKind::HallConfigured, EventBody::Configured { configured: what.into() }, Some(actor.id)).await?;
    // The cached configuration goes before anyone hears of the change: a screen that reads it
    // again on `hall_configured` gets the new one, here as on other instances (their listener).
    write
        .commit_then(&state.hub, || {
            state.halls.invalidate(&hall.code);
            state.estimates.clear();
        })
        .await
}

// ---------------------------------------------------------------- halls

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HallView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// IANA name, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// The address line printed on slips.
    pub address: Option<String>,
    pub notice: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn hall_view(row: &entity::hall::Model) -> HallView {
    HallView {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: row.name_en.clone(),
        timezone: row.timezone.clone(),
        address: row.address.clone(),
        notice: row.notice.clone(),
        created_at: row.created_at,
    }
}

fn hall_audit(view: &HallView) -> Value {
    json!({ "name": view.name, "name_en": view.name_en, "timezone": view.timezone, "address": view.address })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHall {
    /// Lower-case letters, digits and dashes; it is in every address of the hall and cannot change.
    pub code: String,
    pub name: String,
    /// Defaults to the Chinese name.
    pub name_en: Option<String>,
    /// Defaults to the server's `HALLQ_TIMEZONE`.
    pub timezone: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HallChanges {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub timezone: Option<String>,
    /// `null` or empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// The displays' notice line (the same as `POST …/notice`).
    pub notice: Option<String>,
}

fn timezone(text: &str) -> AppResult<String> {
    text.trim().parse::<chrono_tz::Tz>().map(|tz| tz.name().to_owned()).map_err(|_| {
        AppError::bad_request(ErrorCode::InvalidTimezone, format!("'{text}' is not a timezone such as Asia/Shanghai"))
    })
}

/// Creates a hall (admins only). It starts with no hours, services or windows: the checklist
/// says what to add.
#[tracing::instrument(skip(state, actor, new), fields(by = %actor.username))]
pub async fn create_hall(state: &Core, actor: &Actor, new: NewHall) -> AppResult<HallView> {
    if actor.role != crate::domain::role::Role::Admin {
        return Err(AppError::forbidden("only an admin may create a hall"));
    }
    let code = setup::hall_code(&new.code).map_err(AppError::refused)?;
    let name = setup::name("name", &new.name, MAX_NAME_CHARS).map_err(AppError::refused)?;
    let name_en = match new.name_en.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(n) => setup::name("name_en", n, MAX_NAME_CHARS).map_err(AppError::refused)?,
        None => name.clone(),
    };
    let timezone = match new.timezone.as_deref() {
        Some(tz) => timezone(tz)?,
        None => state.settings.timezone.name().to_owned(),
    };
    let address =
        setup::optional_text("address", new.address.as_deref(), MAX_ADDRESS_CHARS).map_err(AppError::refused)?;
    if persistence::halls::find_by_code(&state.db, &code).await?.is_some() {
        return Err(AppError::conflict(ErrorCode::HallExists, format!("there is already a hall '{code}'")));
    }
    let now = state.clock.now();
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let id = store::insert_hall(
        &txn,
        store::NewHall {
            code: &code,
            name: &name,
            name_en: &name_en,
            timezone: &timezone,
            address: address.as_deref(),
            at: now,
        },
    )
    .await
    .map_err(|e| AppError::unique_or(e, ErrorCode::HallExists, format!("there is already a hall '{code}'")))?;
    let row = persistence::halls::find(&txn, id).await?.ok_or_else(|| AppError::internal("new hall vanished"))?;
    let view = hall_view(&row);
    audit::record(&txn, actor, Some(id), "hall.created", &format!("hall:{code}"), None, Some(hall_audit(&view)), now)
        .await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn hall(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<HallView> {
    must_manage(actor, hall.id)?;
    let row = persistence::halls::find(&state.db, hall.id).await?.ok_or_else(|| AppError::internal("hall vanished"))?;
    Ok(hall_view(&row))
}

#[tracing::instrument(skip(state, actor, hall, changes), fields(hall = %hall.code, by = %actor.username))]
pub async fn update_hall(state: &Core, actor: &Actor, hall: &HallConfig, changes: HallChanges) -> AppResult<HallView> {
    must_manage(actor, hall.id)?;
    let mut row =
        persistence::halls::find(&state.db, hall.id).await?.ok_or_else(|| AppError::internal("hall vanished"))?;
    let before = hall_view(&row);
    if let Some(name) = &changes.name {
        row.name = setup::name("name", name, MAX_NAME_CHARS).map_err(AppError::refused)?;
    }
    if let Some(name) = &changes.name_en {
        row.name_en = setup::name("name_en", name, MAX_NAME_CHARS).map_err(AppError::refused)?;
    }
    if let Some(tz) = &changes.timezone {
        row.timezone = timezone(tz)?;
    }
    if let Some(address) = &changes.address {
        row.address =
            setup::optional_text("address", address.as_deref(), MAX_ADDRESS_CHARS).map_err(AppError::refused)?;
    }
    let after = hall_view(&row);
    if hall_audit(&before) != hall_audit(&after) {
        let write = HallWrite::begin(state, hall).await?;
        store::update_hall(write.txn()?, row.clone()).await?;
        audit::record(
            write.txn()?,
            actor,
            Some(hall.id),
            "hall.updated",
            &format!("hall:{}", hall.code),
            Some(hall_audit(&before)),
            Some(hall_audit(&after)),
            write.now,
        )
        .await?;
        announce(state, write, actor, hall, "hall").await?;
    }
    if let Some(notice) = &changes.notice {
        super::notice::set(state, actor, hall, notice).await?;
    }
    let row = persistence::halls::find(&state.db, hall.id).await?.ok_or_else(|| AppError::internal("hall vanished"))?;
    Ok(hall_view(&row))
}

// ---------------------------------------------------------------- hours

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodText {
    /// `08:30`
    pub opens: String,
    /// `12:00`; `24:00` is midnight.
    pub closes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayHours {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Empty: closed that day.
    pub periods: Vec<PeriodText>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// Every weekday, Monday first (a weekday left out of a `PUT` is closed).
    pub weekdays: Vec<DayHours>,
}

fn period_text(p: &Period) -> PeriodText {
    PeriodText { opens: setup::clock_text(p.opens), closes: setup::clock_text(p.closes) }
}

fn hours_view(week: &[(u8, Period)]) -> Hours {
    Hours {
        weekdays: (1..=7)
            .map(|weekday| DayHours {
                weekday,
                periods: week.iter().filter(|(d, _)| *d == weekday).map(|(_, p)| period_text(p)).collect(),
            })
            .collect(),
    }
}

pub async fn hours(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Hours> {
    must_manage(actor, hall.id)?;
    Ok(hours_view(&store::hours(&state.db, hall.id).await?))
}

#[tracing::instrument(skip(state, actor, hall, hours), fields(hall = %hall.code, by = %actor.username))]
pub async fn set_hours(state: &Core, actor: &Actor, hall: &HallConfig, hours: Hours) -> AppResult<Hours> {
    must_manage(actor, hall.id)?;
    let mut week = Vec::new();
    let mut seen = [false; 8];
    for day in &hours.weekdays {
        if let Some(slot) = seen.get_mut(usize::from(day.weekday)) {
            if *slot {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidHours,
                    format!("weekday {} is listed twice", day.weekday),
                ));
            }
            *slot = true;
        }
        let pairs: Vec<(String, String)> = day.periods.iter().map(|p| (p.opens.clone(), p.closes.clone())).collect();
        for period in setup::day_periods(day.weekday, &pairs).map_err(AppError::refused)? {
            week.push((day.weekday, period));
        }
    }
    week.sort_by_key(|(d, p)| (*d, p.opens));
    let before = store::hours(&state.db, hall.id).await?;
    let write = HallWrite::begin(state, hall).await?;
    store::set_hours(write.txn()?, hall.id, &week).await?;
    audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "hours.updated",
        &format!("hall:{}", hall.code),
        Some(json!(hours_view(&before))),
        Some(json!(hours_view(&week))),
        write.now,
    )
    .await?;
    announce(state, write, actor, hall, "hours").await?;
    Ok(hours_view(&week))
}

// ---------------------------------------------------------------- calendar

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// `holiday` (closed) or `workday` (调休: open on a weekend with Monday's hours).
    pub kind: String,
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    /// Dates as objects.
    pub days: Option<Vec<CalendarDay>>,
    /// Or a typed list / CSV text: one `date[,kind[,note]]` per line (`2026-10-01,holiday,国庆节`;
    /// 休/班 work too). Lines with only a date take `kind` and `note` below.
    pub text: Option<String>,
    /// The kind for lines of `text` that give none: `holiday` (default) or `workday`.
    pub kind: Option<String>,
    pub note: Option<String>,
}

fn calendar_view(rows: Vec<entity::calendar_day::Model>) -> Vec<CalendarDay> {
    rows.into_iter().map(|r| CalendarDay { date: r.day, kind: r.kind, note: r.note }).collect()
}

pub async fn calendar(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Vec<CalendarDay>> {
    must_manage(actor, hall.id)?;
    Ok(calendar_view(store::calendar(&state.db, hall.id).await?))
}

fn calendar_entries(input: &CalendarInput) -> AppResult<Vec<CalendarEntry>> {
    let bad = |message: String| AppError::bad_request(ErrorCode::InvalidCalendar, message);
    let default_kind = match input.kind.as_deref() {
        None => DayKind::Holiday,
        Some(k) => DayKind::parse(k).ok_or_else(|| bad(format!("kind '{k}' is neither holiday nor workday")))?,
    };
    let mut entries = Vec::new();
    if let Some(text) = &input.text {
        entries = setup::parse_calendar(text, default_kind, input.note.as_deref()).map_err(AppError::refused)?;
    }
    for day in input.days.iter().flatten() {
        let kind = DayKind::parse(&day.kind)
            .ok_or_else(|| bad(format!("{}: kind '{}' is neither holiday nor workday", day.date, day.kind)))?;
        let note = setup::optional_text("note", day.note.as_deref(), setup::MAX_CALENDAR_NOTE_CHARS)
            .map_err(|(_, m)| bad(format!("{}: {m}", day.date)))?;
        entries.retain(|e: &CalendarEntry| e.date != day.date);
        entries.push(CalendarEntry { date: day.date, kind, note });
    }
    if entries.is_empty() {
        return Err(bad("send at least one date, as `days` or as lines of `text`".into()));
    }
    if entries.len() > setup::MAX_CALENDAR_LINES {
        return Err(bad(format!("at most {} dates at once", setup::MAX_CALENDAR_LINES)));
    }
    Ok(entries)
}

/// Adds holidays and make-up working days (a date already there is replaced). Answers the
/// whole calendar.
#[tracing::instrument(skip(state, actor, hall, input), fields(hall = %hall.code, by = %actor.username))]
pub async fn add_calendar(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    input: CalendarInput,
) -> AppResult<(usize, Vec<CalendarDay>)> {
    must_manage(actor, hall.id)?;
    let entries = calendar_entries(&input)?;
    let write = HallWrite::begin(state, hall).await?;
    store::upsert_calendar(write.txn()?, hall.id, &entries).await?;
    let added: Vec<Value> =
        entries.iter().map(|e| json!({ "date": e.date, "kind": e.kind.as_str(), "note": e.note })).collect();
    let target = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) if first.date != last.date => format!("calendar:{}..{}", first.date, last.date),
        (Some(first), _) => format!("calendar:{}", first.date),
        _ => "calendar".into(),
    };
    audit::record(write.txn()?, actor, Some(hall.id), "calendar.added", &target, None, Some(json!(added)), write.now)
        .await?;
    announce(state, write, actor, hall, "calendar").await?;
    Ok((entries.len(), calendar_view(store::calendar(&state.db, hall.id).await?)))
}

#[tracing::instrument(skip(state, actor, hall), fields(hall = %hall.code, by = %actor.username))]
pub async fn remove_calendar_day(state: &Core, actor: &Actor, hall: &HallConfig, day: NaiveDate) -> AppResult<()> {
    must_manage(actor, hall.id)?;
    let before = store::calendar(&state.db, hall.id).await?.into_iter().find(|d| d.day == day).ok_or_else(|| {
        AppError::not_found(ErrorCode::CalendarDayNotFound, format!("{day} is not in the hall's calendar"))
    })?;
    let write = HallWrite::begin(state, hall).await?;
    store::delete_calendar_day(write.txn()?, hall.id, day).await?;
    audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "calendar.removed",
        &format!("calendar:{day}"),
        Some(json!({ "date": day, "kind": before.kind, "note": before.note })),
        None,
        write.now,
    )
    .await?;
    announce(state, write, actor, hall, "calendar").await
}

// ---------------------------------------------------------------- services

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceAdminView {
    /// The ticket prefix.
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub hint: Option<String>,
    pub hint_en: Option<String>,
    pub target_wait_minutes: i32,
    pub typical_handling_minutes: i32,
    /// Taxpayers may book it.
    pub appointments: bool,
    pub active: bool,
    /// 1-based place on the kiosk.
    pub position: usize,
    /// How to do it without queueing (the kiosk asks before issuing).
    pub online: Option<OnlineGuide>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// Only on create: the ticket prefix, one or two capital letters. It cannot change.
    pub code: Option<String>,
    pub name: Option<String>,
    pub name_en: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub hint: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub hint_en: Option<Option<String>>,
    pub target_wait_minutes: Option<i64>,
    pub typical_handling_minutes: Option<i64>,
    pub appointments: Option<bool>,
    pub active: Option<bool>,
    /// 1-based place on the kiosk; the others move along.
    pub position: Option<usize>,
    /// `null` removes the online guide.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<OnlineGuide>)]
    pub online: Option<Option<OnlineGuide>>,
}

fn service_audit(s: &entity::service::Model, online: Option<&OnlineGuide>) -> Value {
    json!({
        "code": s.code, "name": s.name, "name_en": s.name_en, "hint": s.hint, "hint_en": s.hint_en,
        "target_wait_minutes": s.target_wait_minutes, "typical_handling_minutes": s.typical_handling_minutes,
        "appointments": s.appointments, "active": s.active, "position": s.position + 1, "online": online,
    })
}

pub async fn services(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Vec<ServiceAdminView>> {
    must_manage(actor, hall.id)?;
    let settings = &hall.settings;
    Ok(store::services(&state.db, hall.id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(index, s)| ServiceAdminView {
            online: settings.online.get(&s.code).cloned(),
            code: s.code,
            name: s.name,
            name_en: s.name_en,
            hint: s.hint,
            hint_en: s.hint_en,
            target_wait_minutes: s.target_wait_minutes,
            typical_handling_minutes: s.typical_handling_minutes,
            appointments: s.appointments,
            active: s.active,
            position: index + 1,
        })
        .collect())
}

/// Applies the fields given to a service row (new or existing).
fn apply_service(row: &mut entity::service::Model, input: &ServiceInput) -> AppResult<()> {
    if let Some(name) = &input.name {
        row.name = setup::name("name", name, MAX_NAME_CHARS).map_err(AppError::refused)?;
    }
    if let Some(name) = &input.name_en {
        row.name_en = if name.trim().is_empty() {
            row.name.clone()
        } else {
            setup::name("name_en", name, MAX_NAME_CHARS).map_err(AppError::refused)?
        };
    }
    if let Some(hint) = &input.hint {
        row.hint = setup::optional_text("hint", hint.as_deref(), MAX_HINT_CHARS).map_err(AppError::refused)?;
    }
    if let Some(hint) = &input.hint_en {
        row.hint_en = setup::optional_text("hint_en", hint.as_deref(), MAX_HINT_CHARS).map_err(AppError::refused)?;
    }
    if let Some(minutes) = input.target_wait_minutes {
        row.target_wait_minutes = setup::minutes("target_wait_minutes", minutes, 1..=480).map_err(AppError::refused)?;
    }
    if let Some(minutes) = input.typical_handling_minutes {
        row.typical_handling_minutes =
            setup::minutes("typical_handling_minutes", minutes, 1..=240).map_err(AppError::refused)?;
    }
    if let Some(on) = input.appointments {
        row.appointments = on;
    }
    if let Some(on) = input.active {
        row.active = on;
    }
    Ok(())
}

/// Writes the service's online guide into the hall's settings (checked like a settings change).
async fn save_online(
    txn: &sea_orm::DatabaseTransaction,
    hall: &HallConfig,
    code: &str,
    online: &Option<Option<OnlineGuide>>,
    codes: &[&str],
) -> AppResult<()> {
    let Some(online) = online else { return Ok(()) };
    let mut settings = hall.settings.clone();
    match online {
        Some(guide) => settings.online.insert(code.to_owned(), guide.clone()),
        None => settings.online.remove(code),
    };
    settings.validate(codes).map_err(|problem| AppError::bad_request(ErrorCode::InvalidSettings, problem))?;
    persistence::halls::set_settings(txn, hall.id, &settings).await?;
    Ok(())
}

/// Puts a service at a 1-based place in the kiosk order; the others keep their order.
async fn place_service(txn: &sea_orm::DatabaseTransaction, hall: HallId, code: &str, position: usize) -> AppResult<()> {
    let mut all = store::services(txn, hall).await?;
    let Some(from) = all.iter().position(|s| s.code == code) else { return Ok(()) };
    let moving = all.remove(from);
    let to = position.clamp(1, all.len() + 1) - 1;
    all.insert(to, moving);
    for (index, s) in all.iter().enumerate() {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        if s.position != index {
            store::set_service_position(txn, crate::domain::ids::ServiceId(s.id), index).await?;
        }
    }
    Ok(())
}

#[tracing::instrument(skip(state, actor, hall, input), fields(hall = %hall.code, by = %actor.username))]
pub async fn create_service(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    input: ServiceInput,
) -> AppResult<ServiceAdminView> {
    must_manage(actor, hall.id)?;
    let code = setup::service_code(input.code.as_deref().unwrap_or_default()).map_err(AppError::refused)?;
    let (Some(_), Some(_), Some(_)) = (&input.name, input.target_wait_minutes, input.typical_handling_minutes) else {
        return Err(AppError::bad_request(
            ErrorCode::InvalidField,
            "a new service needs name, target_wait_minutes and typical_handling_minutes",
        ));
    };
    let existing = store::services(&state.db, hall.id).await?;
    if existing.iter().any(|s| s.code == code) {
        return Err(AppError::conflict(ErrorCode::ServiceExists, format!("the hall already has a service '{code}'")));
    }
    let mut row = entity::service::Model {
        id: 0,
        hall_id: hall.id.0,
        code: code.clone(),
        name: String::new(),
        name_en: String::new(),
        target_wait_minutes: 0,
        typical_handling_minutes: 0,
        position: existing.iter().map(|s| s.position + 1).max().unwrap_or(0),
        active: true,
        hint: None,
        hint_en: None,
        appointments: false,
    };
    apply_service(&mut row, &input)?;
    if row.name_en.is_empty() {
        row.name_en = row.name.clone();
    }
    let mut codes: Vec<&str> = existing.iter().map(|s| s.code.as_str()).collect();
    codes.push(&code);
    let write = HallWrite::begin(state, hall).await?;
    store::insert_service(write.txn()?, row.clone()).await.map_err(|e| {
        AppError::unique_or(e, ErrorCode::ServiceExists, format!("the hall already has a service '{code}'"))
    })?;
    save_online(write.txn()?, hall, &code, &input.online, &codes).await?;
    if let Some(position) = input.position {
        place_service(write.txn()?, hall.id, &code, position).await?;
    }
    let online = input.online.clone().flatten();
    audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "service.created",
        &format!("service:{code}"),
        None,
        Some(service_audit(&row, online.as_ref())),
        write.now,
    )
    .await?;
    announce(state, write, actor, hall, "services").await?;
    one_service(state, actor, &hall.code, &code).await
}

async fn one_service(state: &Core, actor: &Actor, hall: &str, code: &str) -> AppResult<ServiceAdminView> {
    let hall = state.halls.get(hall).await?;
    services(state, actor, &hall)
        .await?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or_else(|| AppError::internal("service vanished"))
}

/// Changes a service; its code stays (tickets carry it). Deactivating keeps its queued tickets
/// callable and its history; it only stops new tickets.
#[tracing::instrument(skip(state, actor, hall, input), fields(hall = %hall.code, by = %actor.username))]
pub async fn update_service(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    code: &str,
    input: ServiceInput,
) -> AppResult<ServiceAdminView> {
    must_manage(actor, hall.id)?;
    if input.code.as_deref().is_some_and(|c| c.trim() != code) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidCode,
            "a service's code cannot change: tickets and reports carry it; add a new service instead",
        ));
    }
    let existing = store::services(&state.db, hall.id).await?;
    let before =
        existing.iter().find(|s| s.code == code).cloned().ok_or_else(|| {
            AppError::not_found(ErrorCode::ServiceNotFound, format!("the hall has no service '{code}'"))
        })?;
    let mut row = before.clone();
    apply_service(&mut row, &input)?;
    let codes: Vec<&str> = existing.iter().map(|s| s.code.as_str()).collect();
    let write = HallWrite::begin(state, hall).await?;
    store::update_service(write.txn()?, row.clone()).await?;
    save_online(write.txn()?, hall, code, &input.online, &codes).await?;
    if let Some(position) = input.position {
        place_service(write.txn()?, hall.id, code, position).await?;
    }
    let online_before = hall.settings.online.get(code);
    let online_after = match &input.online {
        Some(online) => online.as_ref(),
        None => online_before,
    };
    let mut after = service_audit(&row, online_after);
    if let Some(position) = input.position {
        after["position"] = json!(position.clamp(1, existing.len()));
    }
    audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "service.updated",
        &format!("service:{code}"),
        Some(service_audit(&before, online_before)),
        Some(after),
        write.now,
    )
    .await?;
    announce(state, write, actor, hall, "services").await?;
    one_service(state, actor, &hall.code, code).await
}

// ---------------------------------------------------------------- windows

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    /// The number painted above the counter, 1–999, unique in the hall.
    pub number: Option<i64>,
    /// Defaults to `{number}号窗口` (`…（社保收现）` for a cash window).
    pub name: Option<String>,
    /// `general` (default) or `si_cash` (social-insurance cash window, opened by managers).
    pub kind: Option<String>,
    /// Service codes in calling order, specialty first.
    pub services: Option<Vec<String>>,
    /// `false` takes it out of service (it must be closed, with nobody signed in).
    pub active: Option<bool>,
}

fn default_window_name(number: i32, kind: WindowKind) -> String {
    match kind {
        WindowKind::SiCash => format!("{number}号窗口（社保收现）"),
        WindowKind::General => format!("{number}号窗口"),
    }
}

fn window_kind(text: &str) -> AppResult<WindowKind> {
    WindowKind::parse(text.trim()).ok_or_else(|| {
        AppError::bad_request(ErrorCode::InvalidField, format!("kind '{text}' is neither general nor si_cash"))
    })
}

fn window_audit(w: &WindowView) -> Value {
    json!({ "number": w.number, "name": w.name, "kind": w.kind, "services": w.services, "active": w.active })
}

pub async fn windows(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Vec<WindowView>> {
    must_manage(actor, hall.id)?;
    let rows = persistence::windows::list_all(&state.db, hall.id).await?;
    let held = persistence::tickets::held_in_hall(&state.db, hall.id).await?;
    Ok(rows.iter().map(|w| window_view(hall, w, held.get(&w.id))).collect())
}

async fn number_taken(state: &Core, hall: HallId, number: i32, except: Option<WindowId>) -> AppResult<()> {
    let taken = store::windows(&state.db, hall)
        .await?
        .into_iter()
        .any(|w| w.number == number && Some(WindowId(w.id)) != except);
    if taken {
        return Err(AppError::conflict(ErrorCode::WindowExists, format!("the hall already has a window {number}")));
    }
    Ok(())
}

#[tracing::instrument(skip(state, actor, hall, input), fields(hall = %hall.code, by = %actor.username))]
pub async fn create_window(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    input: WindowInput,
) -> AppResult<WindowView> {
    must_manage(actor, hall.id)?;
    let number = setup::window_number(input.number.unwrap_or(0)).map_err(AppError::refused)?;
    let kind = match &input.kind {
        Some(k) => window_kind(k)?,
        None => WindowKind::General,
    };
    let name = match input.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(n) => setup::name("name", n, MAX_NAME_CHARS).map_err(AppError::refused)?,
        None => default_window_name(number, kind),
    };
    let services = hall.ordered_services(input.services.as_deref().unwrap_or_default()).map_err(AppError::refused)?;
    number_taken(state, hall.id, number, None).await?;
    let write = HallWrite::begin(state, hall).await?;
    let id = store::insert_window(
        write.txn()?,
        store::NewWindow {
            hall: hall.id,
            number,
            name: &name,
            kind: kind.as_str(),
            active: input.active.unwrap_or(true),
            at: write.now,
        },
    )
    .await
    .map_err(|e| AppError::unique_or(e, ErrorCode::WindowExists, format!("the hall already has a window {number}")))?;
    persistence::windows::set_services(write.txn()?, id, &services).await?;
    let row =
        persistence::windows::find(write.txn()?, id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    let view = window_view(hall, &row, None);
    audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "window.created",
        &format!("window:{number}"),
        None,
        Some(window_audit(&view)),
        write.now,
    )
    .await?;
    announce(state, write, actor, hall, "windows").await?;
    Ok(view)
}

/// Changes a window. Taking it out of service needs it closed, with nobody signed in and no
/// ticket at it; it is never deleted, so its history keeps its meaning.
#[tracing::instrument(skip(state, actor, input), fields(by = %actor.username))]
pub async fn update_window(state: &Core, actor: &Actor, id: WindowId, input: WindowInput) -> AppResult<WindowView> {
    let current = persistence::windows::find(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::WindowNotFound, format!("there is no window {id}")))?;
    must_manage(actor, current.hall_id)?;
    let hall: Arc<HallConfig> = state.halls.get_by_id(current.hall_id).await?;
    let mut model = store::window_model(&state.db, id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    if let Some(number) = input.number {
        model.number = setup::window_number(number).map_err(AppError::refused)?;
        if model.number != current.number {
            number_taken(state, hall.id, model.number, Some(id)).await?;
        }
    }
    if let Some(kind) = &input.kind {
        model.kind = window_kind(kind)?.as_str().into();
    }
    if let Some(name) = &input.name {
        model.name = setup::name("name", name, MAX_NAME_CHARS).map_err(AppError::refused)?;
    }
    let services = match &input.services {
        Some(codes) => Some(hall.ordered_services(codes).map_err(AppError::refused)?),
        None => None,
    };
    if let Some(active) = input.active {
        model.active = active;
    }
    let mut write = HallWrite::begin(state, &hall).await?;
    let held = persistence::tickets::held_by_window(write.txn()?, id).await?;
    let fresh =
        persistence::windows::find(write.txn()?, id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    if !model.active
        && fresh.active
        && (fresh.state != crate::domain::window::WindowState::Closed || fresh.signed_in.is_some() || held.is_some())
    {
        return Err(AppError::conflict(
            ErrorCode::WindowInUse,
            format!("window {} is in use; close it and sign out first", fresh.number),
        ));
    }
    let before = window_view(&hall, &fresh, held.as_ref());
    store::update_window(write.txn()?, model).await.map_err(|e| {
        AppError::unique_or(e, ErrorCode::WindowExists, "the hall already has a window with that number")
    })?;
    if let Some(services) = &services {
        persistence::windows::set_services(write.txn()?, id, services).await?;
    }
    let row =
        persistence::windows::find(write.txn()?, id).await?.ok_or_else(|| AppError::internal("window vanished"))?;
    let after = window_view(&hall, &row, held.as_ref());
    audit::record(
        write.txn()?,
        actor,
        Some(hall.id),
        "window.updated",
        &format!("window:{}", before.number),
        Some(window_audit(&before)),
        Some(window_audit(&after)),
        write.now,
    )
    .await?;
    if services.is_some() {
        write
            .emit(
                EventKind::WindowUpdated,
                EventBody::Window { window: super::views::public_window(&row) },
                Some(actor.id),
            )
            .await?;
    }
    announce(state, write, actor, &hall, "windows").await?;
    Ok(after)
}

// ---------------------------------------------------------------- overview

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistItem {
    /// `hours`, `services`, `windows`, `staff`, `window_open`.
    pub item: &'static str,
    pub done: bool,
    /// Needed before the kiosk can issue (the others are needed to serve).
    pub required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetupView {
    pub hall: HallView,
    pub hours: Hours,
    pub services: Vec<ServiceAdminView>,
    pub windows: Vec<WindowView>,
    pub checklist: Vec<ChecklistItem>,
    /// Everything required is there: the kiosk can issue once a window opens during hours.
    pub ready_to_issue: bool,
    #[schema(value_type = Object)]
    pub settings: crate::domain::settings::HallSettings,
}

/// Everything administration shows about a hall, and what is still missing.
pub async fn overview(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<SetupView> {
    let hall_row = self::hall(state, actor, hall).await?;
    let hours = hours(state, actor, hall).await?;
    let services = services(state, actor, hall).await?;
    let windows = windows(state, actor, hall).await?;
    let staff = persistence::users::staffed_windows(&state.db, hall.id).await?;
    let has_hours = hours.weekdays.iter().any(|d| !d.periods.is_empty());
    let active: Vec<&str> = services.iter().filter(|s| s.active).map(|s| s.code.as_str()).collect();
    let served = windows.iter().any(|w| w.active && w.services.iter().any(|s| active.contains(&s.as_str())));
    let staffed = windows.iter().any(|w| w.active && staff.contains(&w.id));
    let open = windows.iter().any(|w| w.active && w.state != "closed");
    let checklist = vec![
        ChecklistItem { item: "hours", done: has_hours, required: true },
        ChecklistItem { item: "services", done: !active.is_empty(), required: true },
        ChecklistItem { item: "windows", done: served, required: true },
        ChecklistItem { item: "staff", done: staffed, required: false },
        ChecklistItem { item: "window_open", done: open, required: false },
    ];
    let ready_to_issue = checklist.iter().filter(|c| c.required).all(|c| c.done);
    Ok(SetupView {
        hall: hall_row,
        hours,
        services,
        windows,
        checklist,
        ready_to_issue,
        settings: hall.settings.clone(),
    })
}
