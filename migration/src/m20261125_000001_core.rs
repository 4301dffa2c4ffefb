//! The core schema: halls, services, windows, hours, users, tickets and the event log.
//!
//! Invariants that must hold under any concurrency live here as constraints, not only in Rust:
//! ticket numbers are unique per (hall, issuing service, business date, sequence), a window holds
//! at most one called-or-serving ticket, and event sequence numbers are unique per hall.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Halls {
    Table,
    Id,
    Code,
    Name,
    NameEn,
    Timezone,
    EventSeq,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    HallId,
    Code,
    Name,
    NameEn,
    TargetWaitMinutes,
    TypicalHandlingMinutes,
    Position,
    Active,
}

#[derive(DeriveIden)]
enum Windows {
    Table,
    Id,
    HallId,
    Number,
    Name,
    Kind,
    State,
    PauseReason,
    StateSince,
}

#[derive(DeriveIden)]
enum WindowServices {
    Table,
    WindowId,
    ServiceId,
    Position,
}

#[derive(DeriveIden)]
enum OpeningHours {
    Table,
    Id,
    HallId,
    Weekday,
    OpensMinute,
    ClosesMinute,
}

#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    HallId,
    Day,
    Kind,
    Note,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    HallId,
    DisplayName,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserWindows {
    Table,
    UserId,
    WindowId,
}

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum TicketCounters {
    Table,
    HallId,
    ServiceId,
    BusinessDate,
    LastSeq,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    HallId,
    IssuedServiceId,
    ServiceId,
    BusinessDate,
    Seq,
    Number,
    Priority,
    Channel,
    Status,
    Token,
    IssuedAt,
    WindowId,
    TargetWindowId,
    CalledAt,
    StartedAt,
    FinishedAt,
    NoShowAt,
    CancelledAt,
    RecallCount,
    TransferCount,
    TransferNote,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    HallId,
    Seq,
    Kind,
    At,
    ActorId,
    Payload,
}

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Halls::Table)
                    .col(pk_auto(Halls::Id))
                    .col(string_uniq(Halls::Code))
                    .col(string(Halls::Name))
                    .col(string(Halls::NameEn))
                    .col(string(Halls::Timezone))
                    .col(big_integer(Halls::EventSeq).default(0))
                    .col(timestamp_with_time_zone(Halls::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(pk_auto(Services::Id))
                    .col(integer(Services::HallId))
                    .col(string(Services::Code))
                    .col(string(Services::Name))
                    .col(string(Services::NameEn))
                    .col(integer(Services::TargetWaitMinutes))
                    .col(integer(Services::TypicalHandlingMinutes))
                    .col(integer(Services::Position))
                    .col(boolean(Services::Active).default(true))
                    .foreign_key(&mut fk((Services::Table, Services::HallId), (Halls::Table, Halls::Id)))
                    .index(Index::create().unique().col(Services::HallId).col(Services::Code))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Windows::Table)
                    .col(pk_auto(Windows::Id))
                    .col(integer(Windows::HallId))
                    .col(integer(Windows::Number))
                    .col(string(Windows::Name))
                    .col(string(Windows::Kind))
                    .col(string(Windows::State))
                    .col(string_null(Windows::PauseReason))
                    .col(timestamp_with_time_zone(Windows::StateSince))
                    .foreign_key(&mut fk((Windows::Table, Windows::HallId), (Halls::Table, Halls::Id)))
                    .index(Index::create().unique().col(Windows::HallId).col(Windows::Number))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WindowServices::Table)
                    .col(integer(WindowServices::WindowId))
                    .col(integer(WindowServices::ServiceId))
                    .col(integer(WindowServices::Position))
                    .primary_key(Index::create().col(WindowServices::WindowId).col(WindowServices::ServiceId))
                    .foreign_key(&mut fk(
                        (WindowServices::Table, WindowServices::WindowId),
                        (Windows::Table, Windows::Id),
                    ))
                    .foreign_key(&mut fk(
                        (WindowServices::Table, WindowServices::ServiceId),
                        (Services::Table, Services::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OpeningHours::Table)
                    .col(pk_auto(OpeningHours::Id))
                    .col(integer(OpeningHours::HallId))
                    .col(small_integer(OpeningHours::Weekday))
                    .col(small_integer(OpeningHours::OpensMinute))
                    .col(small_integer(OpeningHours::ClosesMinute))
                    .foreign_key(&mut fk((OpeningHours::Table, OpeningHours::HallId), (Halls::Table, Halls::Id)))
                    .check(Expr::col(OpeningHours::Weekday).between(1, 7))
                    .check(Expr::col(OpeningHours::OpensMinute).lt(Expr::col(OpeningHours::ClosesMinute)))
                    .check(Expr::col(OpeningHours::ClosesMinute).lte(1440))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarDays::Table)
                    .col(integer(CalendarDays::HallId))
                    .col(date(CalendarDays::Day))
                    .col(string(CalendarDays::Kind))
                    .col(string_null(CalendarDays::Note))
                    .primary_key(Index::create().col(CalendarDays::HallId).col(CalendarDays::Day))
                    .foreign_key(&mut fk((CalendarDays::Table, CalendarDays::HallId), (Halls::Table, Halls::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Username))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(integer_null(Users::HallId))
                    .col(string(Users::DisplayName))
                    .col(boolean(Users::Active).default(true))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .foreign_key(&mut fk((Users::Table, Users::HallId), (Halls::Table, Halls::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserWindows::Table)
                    .col(integer(UserWindows::UserId))
                    .col(integer(UserWindows::WindowId))
                    .primary_key(Index::create().col(UserWindows::UserId).col(UserWindows::WindowId))
                    .foreign_key(&mut fk((UserWindows::Table, UserWindows::UserId), (Users::Table, Users::Id)))
                    .foreign_key(&mut fk((UserWindows::Table, UserWindows::WindowId), (Windows::Table, Windows::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthSessions::Table)
                    .col(pk_auto(AuthSessions::Id))
                    .col(string_uniq(AuthSessions::TokenHash))
                    .col(integer(AuthSessions::UserId))
                    .col(timestamp_with_time_zone(AuthSessions::CreatedAt))
                    .col(timestamp_with_time_zone(AuthSessions::ExpiresAt))
                    .foreign_key(&mut fk((AuthSessions::Table, AuthSessions::UserId), (Users::Table, Users::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketCounters::Table)
                    .col(integer(TicketCounters::HallId))
                    .col(integer(TicketCounters::ServiceId))
                    .col(date(TicketCounters::BusinessDate))
                    .col(integer(TicketCounters::LastSeq))
                    .primary_key(
                        Index::create()
                            .col(TicketCounters::HallId)
                            .col(TicketCounters::ServiceId)
                            .col(TicketCounters::BusinessDate),
                    )
                    .foreign_key(&mut fk((TicketCounters::Table, TicketCounters::HallId), (Halls::Table, Halls::Id)))
                    .foreign_key(&mut fk(
                        (TicketCounters::Table, TicketCounters::ServiceId),
                        (Services::Table, Services::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(big_pk_auto(Tickets::Id))
                    .col(integer(Tickets::HallId))
                    .col(integer(Tickets::IssuedServiceId))
                    .col(integer(Tickets::ServiceId))
                    .col(date(Tickets::BusinessDate))
                    .col(integer(Tickets::Seq))
                    .col(string(Tickets::Number))
                    .col(string(Tickets::Priority))
                    .col(string(Tickets::Channel))
                    .col(string(Tickets::Status))
                    .col(string_uniq(Tickets::Token))
                    .col(timestamp_with_time_zone(Tickets::IssuedAt))
                    .col(integer_null(Tickets::WindowId))
                    .col(integer_null(Tickets::TargetWindowId))
                    .col(timestamp_with_time_zone_null(Tickets::CalledAt))
                    .col(timestamp_with_time_zone_null(Tickets::StartedAt))
                    .col(timestamp_with_time_zone_null(Tickets::FinishedAt))
                    .col(timestamp_with_time_zone_null(Tickets::NoShowAt))
                    .col(timestamp_with_time_zone_null(Tickets::CancelledAt))
                    .col(integer(Tickets::RecallCount).default(0))
                    .col(integer(Tickets::TransferCount).default(0))
                    .col(string_null(Tickets::TransferNote))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::HallId), (Halls::Table, Halls::Id)))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::IssuedServiceId), (Services::Table, Services::Id)))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::ServiceId), (Services::Table, Services::Id)))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::WindowId), (Windows::Table, Windows::Id)))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::TargetWindowId), (Windows::Table, Windows::Id)))
                    .check(Expr::col(Tickets::Status).is_in([
                        "waiting",
                        "called",
                        "serving",
                        "done",
                        "no_show",
                        "cancelled",
                        "transferred",
                    ]))
                    .check(Expr::col(Tickets::Priority).is_in(["normal", "appointment", "green"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_tickets_number")
                    .table(Tickets::Table)
                    .col(Tickets::HallId)
                    .col(Tickets::IssuedServiceId)
                    .col(Tickets::BusinessDate)
                    .col(Tickets::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tickets_queue")
                    .table(Tickets::Table)
                    .col(Tickets::HallId)
                    .col(Tickets::Status)
                    .col(Tickets::ServiceId)
                    .col(Tickets::IssuedAt)
                    .to_owned(),
            )
            .await?;
        // A window holds at most one called-or-serving ticket: a partial unique index, which both
        // SQLite and PostgreSQL support with this exact syntax.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_tickets_active_window ON tickets (window_id) \
                 WHERE status IN ('called', 'serving')",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(integer(Events::HallId))
                    .col(big_integer(Events::Seq))
                    .col(string(Events::Kind))
                    .col(timestamp_with_time_zone(Events::At))
                    .col(integer_null(Events::ActorId))
                    .col(text(Events::Payload))
                    .foreign_key(&mut fk((Events::Table, Events::HallId), (Halls::Table, Halls::Id)))
                    .index(Index::create().unique().col(Events::HallId).col(Events::Seq))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Events::Table.into_iden(),
            Tickets::Table.into_iden(),
            TicketCounters::Table.into_iden(),
            AuthSessions::Table.into_iden(),
            UserWindows::Table.into_iden(),
            Users::Table.into_iden(),
            CalendarDays::Table.into_iden(),
            OpeningHours::Table.into_iden(),
            WindowServices::Table.into_iden(),
            Windows::Table.into_iden(),
            Services::Table.into_iden(),
            Halls::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
