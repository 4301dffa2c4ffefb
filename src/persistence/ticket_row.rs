//! A ticket as stored: every column, typed, with the conversions to what the rules see.
use super::corrupt;
use super::tickets::NewTicket;
use crate::domain::dispatch::Candidate;
use crate::domain::ids::{HallId, ServiceId, TicketId, UserId, WindowId};
use crate::domain::lifecycle::Ticket;
use crate::domain::ticket::{Channel, Priority, TicketStatus};
use chrono::{DateTime, NaiveDate, Utc};
use entity::ticket;
use sea_orm::DbErr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: TicketId,
    pub hall_id: HallId,
    pub issued_service_id: ServiceId,
    pub service_id: ServiceId,
    pub business_date: NaiveDate,
    pub seq: i32,
    pub number: String,
    pub priority: Priority,
    pub channel: Channel,
    pub status: TicketStatus,
    pub token: String,
    pub issued_at: DateTime<Utc>,
    pub window_id: Option<WindowId>,
    pub target_window_id: Option<WindowId>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub no_show_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub recall_count: i32,
    pub transfer_count: i32,
    pub transfer_note: Option<String>,
    /// The user who called it.
    pub served_by: Option<UserId>,
    /// Only for remote tickets of halls that require it; purged after the business day.
    pub phone: Option<String>,
    /// The phone (signed cookie id) that took it remotely.
    pub client_id: Option<String>,
    /// A checked-in booking's booked start.
    pub booked_for: Option<DateTime<Utc>>,
}

impl TryFrom<ticket::Model> for TicketRow {
    type Error = DbErr;

    fn try_from(m: ticket::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: TicketId(m.id),
            hall_id: HallId(m.hall_id),
            issued_service_id: ServiceId(m.issued_service_id),
            service_id: ServiceId(m.service_id),
            business_date: m.business_date,
            seq: m.seq,
            priority: Priority::parse(&m.priority).ok_or_else(|| corrupt("priority", &m.priority))?,
            channel: Channel::parse(&m.channel).ok_or_else(|| corrupt("channel", &m.channel))?,
            status: TicketStatus::parse(&m.status).ok_or_else(|| corrupt("ticket status", &m.status))?,
            number: m.number,
            token: m.token,
            issued_at: m.issued_at,
            window_id: m.window_id.map(WindowId),
            target_window_id: m.target_window_id.map(WindowId),
            called_at: m.called_at,
            started_at: m.started_at,
            finished_at: m.finished_at,
            no_show_at: m.no_show_at,
            cancelled_at: m.cancelled_at,
            recall_count: m.recall_count,
            transfer_count: m.transfer_count,
            transfer_note: m.transfer_note,
            served_by: m.served_by.map(UserId),
            phone: m.phone,
            client_id: m.client_id,
            booked_for: m.booked_for,
        })
    }
}

impl TicketRow {
    /// What the calling order looks at.
    pub fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            service: self.service_id,
            priority: self.priority,
            issued_at: self.issued_at,
            target_window: self.target_window_id,
            due_at: self.booked_for,
        }
    }

    /// The ticket as the lifecycle rules see it.
    pub fn life(&self) -> Ticket {
        Ticket {
            id: self.id,
            number: self.number.clone(),
            service: self.service_id,
            priority: self.priority,
            status: self.status,
            issued_at: self.issued_at,
            window: self.window_id,
            target_window: self.target_window_id,
            called_at: self.called_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            no_show_at: self.no_show_at,
            cancelled_at: self.cancelled_at,
            recall_count: self.recall_count,
            transfer_count: self.transfer_count,
            transfer_note: self.transfer_note.clone(),
            served_by: self.served_by,
        }
    }

    /// This row with the lifecycle the rules returned; the rest (token, channel, phone…) kept.
    pub fn with_life(&self, t: Ticket) -> Self {
        Self {
            service_id: t.service,
            status: t.status,
            window_id: t.window,
            target_window_id: t.target_window,
            called_at: t.called_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
            no_show_at: t.no_show_at,
            cancelled_at: t.cancelled_at,
            recall_count: t.recall_count,
            transfer_count: t.transfer_count,
            transfer_note: t.transfer_note,
            served_by: t.served_by,
            ..self.clone()
        }
    }

    /// The row `insert` just wrote, without reading it back.
    pub fn issued(id: TicketId, t: &NewTicket<'_>) -> Self {
        // The lifecycle a ticket starts with is the domain's (`Ticket::issued`).
        let life = Ticket::issued(id, t.number.to_owned(), t.service, t.priority, t.issued_at);
        Self {
            id,
            hall_id: t.hall,
            issued_service_id: t.service,
            service_id: life.service,
            business_date: t.day,
            seq: t.seq,
            number: life.number,
            priority: life.priority,
            channel: t.channel,
            status: life.status,
            token: t.token.to_owned(),
            issued_at: life.issued_at,
            window_id: life.window,
            target_window_id: life.target_window,
            called_at: life.called_at,
            started_at: life.started_at,
            finished_at: life.finished_at,
            no_show_at: life.no_show_at,
            cancelled_at: life.cancelled_at,
            recall_count: life.recall_count,
            transfer_count: life.transfer_count,
            transfer_note: life.transfer_note,
            served_by: life.served_by,
            phone: t.phone.map(str::to_owned),
            client_id: t.client_id.map(str::to_owned),
            booked_for: t.booked_for,
        }
    }
}
