//! Halls and their fixed configuration: services, windows, opening hours, calendar.
use super::corrupt;
use crate::domain::ids::{HallId, ServiceId, WindowId};
use crate::domain::schedule::{Period, Schedule};
use crate::domain::settings::HallSettings;
use crate::domain::window::WindowKind;
use chrono::Duration;
use chrono_tz::Tz;
use entity::{calendar_day, hall, opening_hour, service, window};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

pub use crate::domain::hall_config::{HallConfig, ServiceInfo, WindowInfo};

pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<hall::Model>, DbErr> {
    hall::Entity::find().order_by_asc(hall::Column::Id).all(conn).await
}

pub async fn find_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<hall::Model>, DbErr> {
    hall::Entity::find().filter(hall::Column::Code.eq(code)).one(conn).await
}

pub async fn find(conn: &impl ConnectionTrait, id: HallId) -> Result<Option<hall::Model>, DbErr> {
    hall::Entity::find_by_id(id.0).one(conn).await
}

pub async fn load_config(conn: &impl ConnectionTrait, hall: hall::Model) -> Result<HallConfig, DbErr> {
    let timezone: Tz = hall.timezone.parse().map_err(|_| corrupt("timezone", &hall.timezone))?;
    let services = service::Entity::find()
        .filter(service::Column::HallId.eq(hall.id))
        .order_by_asc(service::Column::Position)
        .order_by_asc(service::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| ServiceInfo {
            id: ServiceId(s.id),
            code: s.code,
            name: s.name,
            name_en: s.name_en,
            target_wait: Duration::minutes(i64::from(s.target_wait_minutes)),
            typical_handling: Duration::minutes(i64::from(s.typical_handling_minutes)),
            hint: s.hint,
            hint_en: s.hint_en,
            active: s.active,
            appointments: s.appointments,
        })
        .collect();
    let windows = window::Entity::find()
        .filter(window::Column::HallId.eq(hall.id))
        .filter(window::Column::Active.eq(true))
        .order_by_asc(window::Column::Number)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| {
            let kind = WindowKind::parse(&w.kind).ok_or_else(|| corrupt("window kind", &w.kind))?;
            Ok(WindowInfo { id: WindowId(w.id), number: w.number, name: w.name, kind })
        })
        .collect::<Result<_, DbErr>>()?;
    let mut schedule = Schedule::default();
    for hours in opening_hour::Entity::find().filter(opening_hour::Column::HallId.eq(hall.id)).all(conn).await? {
        let period = u16::try_from(hours.opens_minute)
            .ok()
            .zip(u16::try_from(hours.closes_minute).ok())
            .and_then(|(opens, closes)| Period::new(opens, closes))
            .ok_or_else(|| corrupt("opening hours", &format!("{}-{}", hours.opens_minute, hours.closes_minute)))?;
        schedule.add_period(u8::try_from(hours.weekday).unwrap_or(0), period);
    }
    for day in calendar_day::Entity::find().filter(calendar_day::Column::HallId.eq(hall.id)).all(conn).await? {
        match day.kind.as_str() {
            "holiday" => schedule.add_holiday(day.day),
            "workday" => schedule.add_workday(day.day),
            other => return Err(corrupt("calendar day kind", other)),
        }
    }
    let settings = HallSettings::from_stored(hall.settings.as_deref());
    Ok(HallConfig {
        settings,
        id: HallId(hall.id),
        code: hall.code,
        name: hall.name,
        name_en: hall.name_en,
        address: hall.address,
        timezone,
        services,
        windows,
        schedule,
    })
}

/// Takes the next event sequence number of a hall (raw SQL: `UPDATE … RETURNING` in one
/// statement is what takes the row lock). On PostgreSQL this also locks the hall row
/// until the transaction ends, which serialises every write to one hall across all server
/// instances: the rule "a ticket is called by exactly one window" rests on it.
/// Moves the hall's event sequence by `n` (negative: gives back seqs taken and not used) and
/// returns where it stands.
pub async fn take_event_seqs(conn: &impl ConnectionTrait, hall: HallId, n: i64) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(take_event_seqs_statement(conn.get_database_backend(), hall, n))
        .await?
        .ok_or_else(|| no_hall(hall))?;
    row.try_get_by_index(0)
}

pub(crate) fn take_event_seqs_statement(backend: sea_orm::DbBackend, hall: HallId, n: i64) -> sea_orm::Statement {
    super::statement_for(
        backend,
        "UPDATE halls SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq",
        [hall.0.into(), n.into()],
    )
}

pub(crate) fn no_hall(hall: HallId) -> DbErr {
    DbErr::RecordNotFound(format!("hall {hall}"))
}

pub async fn current_event_seq(conn: &impl ConnectionTrait, hall: HallId) -> Result<i64, DbErr> {
    let found: Option<i64> =
        hall::Entity::find_by_id(hall.0).select_only().column(hall::Column::EventSeq).into_tuple().one(conn).await?;
    found.ok_or_else(|| DbErr::RecordNotFound(format!("hall {hall}")))
}

pub async fn notice(conn: &impl ConnectionTrait, hall: HallId) -> Result<Option<String>, DbErr> {
    let found: Option<Option<String>> =
        hall::Entity::find_by_id(hall.0).select_only().column(hall::Column::Notice).into_tuple().one(conn).await?;
    Ok(found.flatten())
}

pub async fn set_notice(conn: &impl ConnectionTrait, hall: HallId, notice: Option<&str>) -> Result<(), DbErr> {
    hall::Entity::update_many()
        .col_expr(hall::Column::Notice, Expr::value(notice.map(str::to_owned)))
        .filter(hall::Column::Id.eq(hall.0))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_settings(conn: &impl ConnectionTrait, hall: HallId, settings: &HallSettings) -> Result<(), DbErr> {
    let json = serde_json::to_string(settings).map_err(|e| DbErr::Custom(e.to_string()))?;
    hall::Entity::update_many()
        .col_expr(hall::Column::Settings, Expr::value(Some(json)))
        .filter(hall::Column::Id.eq(hall.0))
        .exec(conn)
        .await?;
    Ok(())
}
