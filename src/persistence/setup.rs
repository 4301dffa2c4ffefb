//! What administration writes: halls, their weekly hours and calendar, services, windows.
use crate::domain::ids::{HallId, ServiceId, WindowId};
use crate::domain::schedule::Period;
use crate::domain::setup::CalendarEntry;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{calendar_day, hall, opening_hour, service, window};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

pub struct NewHall<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
    pub timezone: &'a str,
    pub address: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub async fn insert_hall(conn: &impl ConnectionTrait, new: NewHall<'_>) -> Result<HallId, DbErr> {
    let model = hall::ActiveModel {
        code: Set(new.code.into()),
        name: Set(new.name.into()),
        name_en: Set(new.name_en.into()),
        timezone: Set(new.timezone.into()),
        address: Set(new.address.map(str::to_owned)),
        event_seq: Set(0),
        created_at: Set(new.at),
        ..Default::default()
    };
    Ok(HallId(hall::Entity::insert(model).exec(conn).await?.last_insert_id))
}

pub async fn update_hall(conn: &impl ConnectionTrait, row: hall::Model) -> Result<(), DbErr> {
    let model = hall::ActiveModel {
        id: Set(row.id),
        name: Set(row.name),
        name_en: Set(row.name_en),
        timezone: Set(row.timezone),
        address: Set(row.address),
        ..Default::default()
    };
    hall::Entity::update(model).exec(conn).await?;
    Ok(())
}

/// The weekly hours as stored: (weekday 1–7, period), sorted.
pub async fn hours(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<(u8, Period)>, DbErr> {
    let rows = opening_hour::Entity::find()
        .filter(opening_hour::Column::HallId.eq(hall.0))
        .order_by_asc(opening_hour::Column::Weekday)
        .order_by_asc(opening_hour::Column::OpensMinute)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            let period = u16::try_from(r.opens_minute)
                .ok()
                .zip(u16::try_from(r.closes_minute).ok())
                .and_then(|(o, c)| Period::new(o, c))
                .ok_or_else(|| super::corrupt("opening hours", &format!("{}-{}", r.opens_minute, r.closes_minute)))?;
            Ok((u8::try_from(r.weekday).unwrap_or(0), period))
        })
        .collect()
}

/// Replaces the weekly hours.
pub async fn set_hours(conn: &impl ConnectionTrait, hall: HallId, week: &[(u8, Period)]) -> Result<(), DbErr> {
    opening_hour::Entity::delete_many().filter(opening_hour::Column::HallId.eq(hall.0)).exec(conn).await?;
    for (weekday, period) in week {
        let model = opening_hour::ActiveModel {
            hall_id: Set(hall.0),
            weekday: Set(i16::from(*weekday)),
            opens_minute: Set(period.opens as i16),
            closes_minute: Set(period.closes as i16),
            ..Default::default()
        };
        opening_hour::Entity::insert(model).exec(conn).await?;
    }
    Ok(())
}

pub async fn calendar(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<calendar_day::Model>, DbErr> {
    calendar_day::Entity::find()
        .filter(calendar_day::Column::HallId.eq(hall.0))
        .order_by_asc(calendar_day::Column::Day)
        .all(conn)
        .await
}

/// Adds dates, replacing what a date said before.
pub async fn upsert_calendar(
    conn: &impl ConnectionTrait,
    hall: HallId,
    entries: &[CalendarEntry],
) -> Result<(), DbErr> {
    for entry in entries {
        let model = calendar_day::ActiveModel {
            hall_id: Set(hall.0),
            day: Set(entry.date),
            kind: Set(entry.kind.as_str().into()),
            note: Set(entry.note.clone()),
        };
        calendar_day::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([calendar_day::Column::HallId, calendar_day::Column::Day])
                    .update_columns([calendar_day::Column::Kind, calendar_day::Column::Note])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Removes a date; false when it was not there.
pub async fn delete_calendar_day(conn: &impl ConnectionTrait, hall: HallId, day: NaiveDate) -> Result<bool, DbErr> {
    let result = calendar_day::Entity::delete_many()
        .filter(calendar_day::Column::HallId.eq(hall.0))
        .filter(calendar_day::Column::Day.eq(day))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Every service of a hall, inactive ones too, in kiosk order.
pub async fn services(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<service::Model>, DbErr> {
    service::Entity::find()
        .filter(service::Column::HallId.eq(hall.0))
        .order_by_asc(service::Column::Position)
        .order_by_asc(service::Column::Id)
        .all(conn)
        .await
}

pub async fn insert_service(conn: &impl ConnectionTrait, row: service::Model) -> Result<ServiceId, DbErr> {
    let mut model = row.into_active_model().reset_all();
    model.id = NotSet;
    Ok(ServiceId(service::Entity::insert(model).exec(conn).await?.last_insert_id))
}

/// Writes every field but the hall and the code, which tickets already carry.
pub async fn update_service(conn: &impl ConnectionTrait, row: service::Model) -> Result<(), DbErr> {
    let mut model = row.into_active_model().reset_all();
    model.hall_id = NotSet;
    model.code = NotSet;
    service::Entity::update(model).exec(conn).await?;
    Ok(())
}

pub async fn set_service_position(conn: &impl ConnectionTrait, id: ServiceId, position: i32) -> Result<(), DbErr> {
    let model = service::ActiveModel { id: Set(id.0), position: Set(position), ..Default::default() };
    service::Entity::update(model).exec(conn).await?;
    Ok(())
}

/// Every window of a hall, inactive ones too.
pub async fn windows(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<window::Model>, DbErr> {
    window::Entity::find()
        .filter(window::Column::HallId.eq(hall.0))
        .order_by_asc(window::Column::Number)
        .all(conn)
        .await
}

pub struct NewWindow<'a> {
    pub hall: HallId,
    pub number: i32,
    pub name: &'a str,
    pub kind: &'a str,
    pub active: bool,
    pub at: DateTime<Utc>,
}

/// A new window starts closed.
pub async fn insert_window(conn: &impl ConnectionTrait, new: NewWindow<'_>) -> Result<WindowId, DbErr> {
    let model = window::ActiveModel {
        hall_id: Set(new.hall.0),
        number: Set(new.number),
        name: Set(new.name.into()),
        kind: Set(new.kind.into()),
        state: Set("closed".into()),
        pause_reason: Set(None),
        state_since: Set(new.at),
        active: Set(new.active),
        ..Default::default()
    };
    Ok(WindowId(window::Entity::insert(model).exec(conn).await?.last_insert_id))
}

pub async fn update_window(conn: &impl ConnectionTrait, row: window::Model) -> Result<(), DbErr> {
    let model = window::ActiveModel {
        id: Set(row.id),
        number: Set(row.number),
        name: Set(row.name),
        kind: Set(row.kind),
        active: Set(row.active),
        ..Default::default()
    };
    window::Entity::update(model).exec(conn).await?;
    Ok(())
}

pub async fn window_model(conn: &impl ConnectionTrait, id: WindowId) -> Result<Option<window::Model>, DbErr> {
    window::Entity::find_by_id(id.0).one(conn).await
}
