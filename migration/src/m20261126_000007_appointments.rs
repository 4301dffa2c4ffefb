//! Appointments (预约办税): bookings, the per-slot place counters that keep them honest, and
//! the booked start on a checked-in booking's ticket.
//! `appointment_slots.booked <= capacity` is a constraint, and one person holds at most one
//! active booking per service and day (a partial unique index), whatever the code does.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    HallId,
    ServiceId,
    Code,
    Day,
    StartMinute,
    EndMinute,
    Name,
    Phone,
    IdHash,
    Status,
    TicketId,
    Channel,
    Reason,
    CreatedAt,
    UpdatedAt,
    CheckedInAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    BookedFor,
}

#[derive(DeriveIden)]
enum AppointmentSlots {
    Table,
    HallId,
    ServiceId,
    Day,
    StartMinute,
    Capacity,
    Booked,
}

const ONE_ACTIVE_PER_DAY: &str = "ux_appointments_active_per_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A checked-in booking's ticket carries its booked start: the calling order places it
        // by that time.
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(timestamp_with_time_zone_null(Tickets::BookedFor))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .col(big_pk_auto(Appointments::Id))
                    .col(integer(Appointments::HallId))
                    .col(integer(Appointments::ServiceId))
                    .col(string_uniq(Appointments::Code))
                    .col(date(Appointments::Day))
                    .col(small_integer(Appointments::StartMinute))
                    .col(small_integer(Appointments::EndMinute))
                    .col(string(Appointments::Name))
                    .col(string(Appointments::Phone))
                    .col(string_null(Appointments::IdHash))
                    .col(string(Appointments::Status))
                    .col(big_integer_null(Appointments::TicketId))
                    .col(string(Appointments::Channel))
                    .col(string_null(Appointments::Reason))
                    .col(timestamp_with_time_zone(Appointments::CreatedAt))
                    .col(timestamp_with_time_zone(Appointments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Appointments::CheckedInAt))
                    .check(Expr::col(Appointments::Status).is_in([
                        "booked",
                        "checked_in",
                        "served",
                        "cancelled",
                        "no_show",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_appointments_hall_day")
                    .table(Appointments::Table)
                    .col(Appointments::HallId)
                    .col(Appointments::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_appointments_phone")
                    .table(Appointments::Table)
                    .col(Appointments::HallId)
                    .col(Appointments::Phone)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {ONE_ACTIVE_PER_DAY} ON appointments (hall_id, service_id, day, phone) \
                 WHERE status IN ('booked', 'checked_in')"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppointmentSlots::Table)
                    .col(integer(AppointmentSlots::HallId))
                    .col(integer(AppointmentSlots::ServiceId))
                    .col(date(AppointmentSlots::Day))
                    .col(small_integer(AppointmentSlots::StartMinute))
                    .col(integer(AppointmentSlots::Capacity))
                    .col(integer(AppointmentSlots::Booked))
                    .primary_key(
                        Index::create()
                            .col(AppointmentSlots::HallId)
                            .col(AppointmentSlots::ServiceId)
                            .col(AppointmentSlots::Day)
                            .col(AppointmentSlots::StartMinute),
                    )
                    .check(Expr::col(AppointmentSlots::Booked).gte(0))
                    .check(Expr::col(AppointmentSlots::Booked).lte(Expr::col(AppointmentSlots::Capacity)))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AppointmentSlots::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(ONE_ACTIVE_PER_DAY).table(Appointments::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Appointments::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::BookedFor).to_owned()).await
    }
}
