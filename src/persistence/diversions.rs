//! Diversions (分流): people who chose an online or self-service channel instead of a ticket.
use super::statement;
use crate::domain::ids::{HallId, ServiceId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::BTreeMap;

pub struct NewRow<'a> {
    pub hall: HallId,
    pub service: ServiceId,
    pub channel: &'a str,
    pub target: &'a str,
    pub day: NaiveDate,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub note: Option<&'a str>,
}

/// Records one diversion. (Raw SQL with `RETURNING`: the id comes back in the same statement on
/// both databases.)
pub async fn insert(conn: &impl ConnectionTrait, new: NewRow<'_>) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(statement(
            conn,
            "INSERT INTO diversions (hall_id, service_id, channel, target, business_date, created_at, recorded_by, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            [
                new.hall.0.into(),
                new.service.0.into(),
                new.channel.into(),
                new.target.into(),
                new.day.into(),
                new.at.into(),
                new.by.map(|u| u.0).into(),
                new.note.map(str::to_owned).into(),
            ],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("diversion insert returned no id".into()))?;
    row.try_get_by_index(0)
}

/// Diversions of a day per (service, channel): one grouped count, in SQL.
pub async fn counts(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
) -> Result<BTreeMap<(ServiceId, String), u32>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT service_id, channel, COUNT(*) FROM diversions WHERE hall_id = $1 AND business_date = $2 \
             GROUP BY service_id, channel",
            [hall.0.into(), day.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let count: i64 = r.try_get_by_index(2)?;
            Ok(((ServiceId(r.try_get_by_index(0)?), r.try_get_by_index(1)?), u32::try_from(count).unwrap_or(u32::MAX)))
        })
        .collect()
}

/// Diversions of a day per target.
pub async fn target_counts(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
) -> Result<BTreeMap<String, u32>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT target, COUNT(*) FROM diversions WHERE hall_id = $1 AND business_date = $2 GROUP BY target",
            [hall.0.into(), day.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let count: i64 = r.try_get_by_index(1)?;
            Ok((r.try_get_by_index(0)?, u32::try_from(count).unwrap_or(u32::MAX)))
        })
        .collect()
}
