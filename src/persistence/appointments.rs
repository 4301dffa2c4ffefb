//! Bookings and their per-slot place counters.
use crate::domain::ids::{HallId, ServiceId};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{appointment, appointment_slot};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

pub const ACTIVE: [&str; 2] = ["booked", "checked_in"];

/// The counter of one slot, created with `capacity` places the first time it is needed.
pub async fn ensure_slot(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    start: i16,
    capacity: i32,
) -> Result<(), DbErr> {
    let model = appointment_slot::ActiveModel {
        hall_id: Set(hall.0),
        service_id: Set(service.0),
        day: Set(day),
        start_minute: Set(start),
        capacity: Set(capacity),
        booked: Set(0),
    };
    appointment_slot::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([
                appointment_slot::Column::HallId,
                appointment_slot::Column::ServiceId,
                appointment_slot::Column::Day,
                appointment_slot::Column::StartMinute,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Takes a place if one is left; false when the slot is full. The guard is in the statement
/// (and the table's CHECK), not in a read before it.
pub async fn take_place(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    start: i16,
) -> Result<bool, DbErr> {
    let result = appointment_slot::Entity::update_many()
        .col_expr(appointment_slot::Column::Booked, Expr::col(appointment_slot::Column::Booked).add(1))
        .filter(appointment_slot::Column::HallId.eq(hall.0))
        .filter(appointment_slot::Column::ServiceId.eq(service.0))
        .filter(appointment_slot::Column::Day.eq(day))
        .filter(appointment_slot::Column::StartMinute.eq(start))
        .filter(Expr::col(appointment_slot::Column::Booked).lt(Expr::col(appointment_slot::Column::Capacity)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives a place back (a cancellation, a change of slot).
pub async fn free_place(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    start: i16,
) -> Result<(), DbErr> {
    appointment_slot::Entity::update_many()
        .col_expr(appointment_slot::Column::Booked, Expr::col(appointment_slot::Column::Booked).sub(1))
        .filter(appointment_slot::Column::HallId.eq(hall.0))
        .filter(appointment_slot::Column::ServiceId.eq(service.0))
        .filter(appointment_slot::Column::Day.eq(day))
        .filter(appointment_slot::Column::StartMinute.eq(start))
        .filter(appointment_slot::Column::Booked.gt(0))
        .exec(conn)
        .await?;
    Ok(())
}

/// The counters of one service's day.
pub async fn slots_of_day(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
) -> Result<Vec<appointment_slot::Model>, DbErr> {
    appointment_slot::Entity::find()
        .filter(appointment_slot::Column::HallId.eq(hall.0))
        .filter(appointment_slot::Column::ServiceId.eq(service.0))
        .filter(appointment_slot::Column::Day.eq(day))
        .all(conn)
        .await
}

pub struct NewAppointment<'a> {
    pub hall: HallId,
    pub service: ServiceId,
    pub code: &'a str,
    pub day: NaiveDate,
    pub start: i16,
    pub end: i16,
    pub name: &'a str,
    pub person: Person<'a>,
    pub channel: &'a str,
    pub at: DateTime<Utc>,
}

/// Who a booking is for, as the per-person rules know them: the mobile number, and the keyed
/// hash of an ID number when one was given. Bookings match a person on either.
#[derive(Clone, Copy)]
pub struct Person<'a> {
    pub phone: &'a str,
    pub id_hash: Option<&'a str>,
}

impl Person<'_> {
    fn matches(&self) -> Condition {
        let by_phone = Condition::any().add(appointment::Column::Phone.eq(self.phone));
        match self.id_hash {
            Some(hash) => by_phone.add(appointment::Column::IdHash.eq(hash)),
            None => by_phone,
        }
    }
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewAppointment<'_>) -> Result<appointment::Model, DbErr> {
    let model = appointment::ActiveModel {
        id: NotSet,
        hall_id: Set(new.hall.0),
        service_id: Set(new.service.0),
        code: Set(new.code.into()),
        day: Set(new.day),
        start_minute: Set(new.start),
        end_minute: Set(new.end),
        name: Set(new.name.into()),
        phone: Set(new.person.phone.into()),
        id_hash: Set(new.person.id_hash.map(str::to_owned)),
        status: Set("booked".into()),
        ticket_id: Set(None),
        channel: Set(new.channel.into()),
        reason: Set(None),
        created_at: Set(new.at),
        updated_at: Set(new.at),
        checked_in_at: Set(None),
    };
    let id = appointment::Entity::insert(model).exec(conn).await?.last_insert_id;
    appointment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("appointment {id}")))
}

pub async fn find_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<appointment::Model>, DbErr> {
    appointment::Entity::find().filter(appointment::Column::Code.eq(code)).one(conn).await
}

/// One person's active bookings in a hall between two days (both included).
pub async fn active_of_person(
    conn: &impl ConnectionTrait,
    hall: HallId,
    person: Person<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<appointment::Model>, DbErr> {
    appointment::Entity::find()
        .filter(appointment::Column::HallId.eq(hall.0))
        .filter(person.matches())
        .filter(appointment::Column::Status.is_in(ACTIVE))
        .filter(appointment::Column::Day.gte(from))
        .filter(appointment::Column::Day.lte(to))
        .all(conn)
        .await
}

/// The days of one person's no-shows since a day.
pub async fn no_show_days(
    conn: &impl ConnectionTrait,
    hall: HallId,
    person: Person<'_>,
    since: NaiveDate,
) -> Result<Vec<NaiveDate>, DbErr> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::HallId.eq(hall.0))
        .filter(person.matches())
        .filter(appointment::Column::Status.eq("no_show"))
        .filter(appointment::Column::Day.gte(since))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.day)
        .collect())
}

/// Moves a booking to a new status, guarded by the one it had; false when it changed meanwhile.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: i64,
    from: &str,
    to: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(to))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(at));
    if to == "checked_in" {
        update = update.col_expr(appointment::Column::CheckedInAt, Expr::value(Some(at)));
    }
    let result =
        update.filter(appointment::Column::Id.eq(id)).filter(appointment::Column::Status.eq(from)).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

pub async fn set_ticket(conn: &impl ConnectionTrait, id: i64, ticket: i64) -> Result<(), DbErr> {
    appointment::Entity::update_many()
        .col_expr(appointment::Column::TicketId, Expr::value(Some(ticket)))
        .filter(appointment::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn move_to(
    conn: &impl ConnectionTrait,
    id: i64,
    day: NaiveDate,
    start: i16,
    end: i16,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    appointment::Entity::update_many()
        .col_expr(appointment::Column::Day, Expr::value(day))
        .col_expr(appointment::Column::StartMinute, Expr::value(start))
        .col_expr(appointment::Column::EndMinute, Expr::value(end))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(at))
        .filter(appointment::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A hall's bookings of a day, in slot order.
pub async fn of_day(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
) -> Result<Vec<appointment::Model>, DbErr> {
    appointment::Entity::find()
        .filter(appointment::Column::HallId.eq(hall.0))
        .filter(appointment::Column::Day.eq(day))
        .order_by_asc(appointment::Column::StartMinute)
        .order_by_asc(appointment::Column::Id)
        .all(conn)
        .await
}

/// Marks the hall's booked appointments whose check-in closed as no-shows: earlier days, and
/// today's slots starting before `before_minute`. Answers how many.
pub async fn mark_no_shows(
    conn: &impl ConnectionTrait,
    hall: HallId,
    today: NaiveDate,
    before_minute: i64,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value("no_show"))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(at))
        .filter(appointment::Column::HallId.eq(hall.0))
        .filter(appointment::Column::Status.eq("booked"))
        .filter(
            Condition::any().add(appointment::Column::Day.lt(today)).add(
                Condition::all()
                    .add(appointment::Column::Day.eq(today))
                    .add(appointment::Column::StartMinute.lt(before_minute)),
            ),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Erases names, mobile numbers and ID hashes of bookings for days before `before`.
pub async fn purge_personal(conn: &impl ConnectionTrait, hall: HallId, before: NaiveDate) -> Result<u64, DbErr> {
    let result = appointment::Entity::update_many()
        .col_expr(appointment::Column::Name, Expr::value(""))
        .col_expr(appointment::Column::Phone, Expr::value(""))
        .col_expr(appointment::Column::IdHash, Expr::value(Option::<String>::None))
        .filter(appointment::Column::HallId.eq(hall.0))
        .filter(appointment::Column::Day.lt(before))
        .filter(appointment::Column::Phone.ne(""))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Cancels a hall's booked appointments of a day (of one service, or all) with a reason the
/// people see; answers the cancelled rows as they were.
pub async fn cancel_day(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    service: Option<ServiceId>,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<Vec<appointment::Model>, DbErr> {
    let mut find = appointment::Entity::find()
        .filter(appointment::Column::HallId.eq(hall.0))
        .filter(appointment::Column::Day.eq(day))
        .filter(appointment::Column::Status.eq("booked"));
    if let Some(service) = service {
        find = find.filter(appointment::Column::ServiceId.eq(service.0));
    }
    let rows = find.all(conn).await?;
    for row in &rows {
        appointment::Entity::update_many()
            .col_expr(appointment::Column::Status, Expr::value("cancelled"))
            .col_expr(appointment::Column::Reason, Expr::value(Some(reason.to_owned())))
            .col_expr(appointment::Column::UpdatedAt, Expr::value(at))
            .filter(appointment::Column::Id.eq(row.id))
            .filter(appointment::Column::Status.eq("booked"))
            .exec(conn)
            .await?;
        free_place(conn, hall, ServiceId(row.service_id), row.day, row.start_minute).await?;
    }
    Ok(rows)
}
