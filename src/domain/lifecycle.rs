//! What each action does to a ticket. The services load a ticket, call one of these, store
//! what it returns and publish the event it names; the in-memory hall (`domain::hall`) calls
//! the same functions. Nothing else edits a ticket's lifecycle fields.
use super::codes::ErrorCode;
use super::events::EventKind;
use super::ids::{ServiceId, TicketId, UserId, WindowId};
use super::ticket::{transition, InvalidTransition, Priority, TicketAction, TicketStatus};
use chrono::{DateTime, Duration, Utc};

/// A ticket as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: TicketId,
    pub number: String,
    /// The service whose queue it is in (changes on a transfer to a service).
    pub service: ServiceId,
    pub priority: Priority,
    pub status: TicketStatus,
    /// Kept across transfers and restores, so nobody is sent to the back of a queue.
    pub issued_at: DateTime<Utc>,
    /// The window holding it (called or serving), or the last one that did.
    pub window: Option<WindowId>,
    /// Set while it waits for one window, transferred there by name.
    pub target_window: Option<WindowId>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub no_show_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub recall_count: i32,
    pub transfer_count: i32,
    pub transfer_note: Option<String>,
    /// Who called it.
    pub served_by: Option<UserId>,
}

/// Where a transfer sends a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferTo {
    Service(ServiceId),
    Window(WindowId),
}

/// What happened, i.e. the event to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Called,
    Recalled,
    Started,
    Finished,
    NoShow,
    Transferred,
    Cancelled,
    Restored,
}

impl Outcome {
    pub fn event(self) -> EventKind {
        match self {
            Self::Called => EventKind::TicketCalled,
            Self::Recalled => EventKind::TicketRecalled,
            Self::Started => EventKind::TicketStarted,
            Self::Finished => EventKind::TicketFinished,
            Self::NoShow => EventKind::TicketNoShow,
            Self::Transferred => EventKind::TicketTransferred,
            Self::Cancelled => EventKind::TicketCancelled,
            Self::Restored => EventKind::TicketRestored,
        }
    }
}

/// Why the rules refuse an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    #[error("{number} has been recalled {count} times already; mark it no-show")]
    RecallLimit { number: String, count: i32 },
    #[error("{number} was marked no-show more than {minutes} minutes ago; issue a new ticket")]
    GraceExpired { number: String, minutes: i64 },
    #[error("a ticket cannot be transferred to the window that holds it")]
    SameWindow,
}

impl RuleError {
    /// The API's error code for it.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Transition(_) => ErrorCode::InvalidTransition,
            Self::RecallLimit { .. } => ErrorCode::RecallLimit,
            Self::GraceExpired { .. } => ErrorCode::GraceExpired,
            Self::SameWindow => ErrorCode::SameWindow,
        }
    }
}

impl Ticket {
    /// A ticket just taken: waiting in its service's queue.
    pub fn issued(id: TicketId, number: String, service: ServiceId, priority: Priority, now: DateTime<Utc>) -> Self {
        Self {
            id,
            number,
            service,
            priority,
            status: TicketStatus::Waiting,
            issued_at: now,
            window: None,
            target_window: None,
            called_at: None,
            started_at: None,
            finished_at: None,
            no_show_at: None,
            cancelled_at: None,
            recall_count: 0,
            transfer_count: 0,
            transfer_note: None,
            served_by: None,
        }
    }

    /// What the calling order looks at.
    pub fn candidate(&self) -> super::dispatch::Candidate {
        super::dispatch::Candidate {
            id: self.id,
            service: self.service,
            priority: self.priority,
            issued_at: self.issued_at,
            target_window: self.target_window,
            // The in-memory hall takes no bookings.
            due_at: None,
        }
    }

    fn step(&mut self, action: TicketAction) -> Result<(), RuleError> {
        self.status = transition(self.status, action)?;
        Ok(())
    }

    /// A window calls it (from the queue, or by its number).
    pub fn call(&mut self, window: WindowId, by: Option<UserId>, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        self.step(TicketAction::Call)?;
        self.window = Some(window);
        self.target_window = None;
        self.called_at = Some(now);
        self.recall_count = 0;
        self.served_by = by;
        Ok(Outcome::Called)
    }

    /// Called again, at most `limit` times per call.
    pub fn recall(&mut self, limit: u32) -> Result<Outcome, RuleError> {
        let before = self.status;
        self.step(TicketAction::Recall)?;
        if self.recall_count >= i32::try_from(limit).unwrap_or(i32::MAX) {
            self.status = before;
            return Err(RuleError::RecallLimit { number: self.number.clone(), count: self.recall_count });
        }
        self.recall_count += 1;
        Ok(Outcome::Recalled)
    }

    pub fn start(&mut self, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        self.step(TicketAction::Start)?;
        self.started_at = Some(now);
        Ok(Outcome::Started)
    }

    pub fn finish(&mut self, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        self.step(TicketAction::Finish)?;
        self.finished_at = Some(now);
        Ok(Outcome::Finished)
    }

    pub fn no_show(&mut self, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        self.step(TicketAction::NoShow)?;
        self.no_show_at = Some(now);
        Ok(Outcome::NoShow)
    }

    /// Back into its queue (keeping its issue time) or to one window by name, with a note.
    pub fn transfer(&mut self, to: TransferTo, note: Option<String>) -> Result<Outcome, RuleError> {
        let before = self.status;
        self.step(TicketAction::Transfer)?;
        match to {
            TransferTo::Window(window) if Some(window) == self.window => {
                self.status = before;
                return Err(RuleError::SameWindow);
            }
            TransferTo::Window(window) => self.target_window = Some(window),
            TransferTo::Service(service) => {
                self.service = service;
                self.target_window = None;
            }
        }
        self.window = None;
        self.transfer_count += 1;
        self.transfer_note = note;
        Ok(Outcome::Transferred)
    }

    /// A no-show back in its queue, within `grace` of being marked.
    pub fn restore(&mut self, grace: Duration, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        let before = self.status;
        self.step(TicketAction::Restore)?;
        if self.no_show_at.is_none_or(|at| now - at > grace) {
            self.status = before;
            return Err(RuleError::GraceExpired { number: self.number.clone(), minutes: grace.num_minutes() });
        }
        self.window = None;
        self.recall_count = 0;
        Ok(Outcome::Restored)
    }

    /// The taxpayer gives up a queued ticket.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        self.step(TicketAction::Cancel)?;
        self.cancelled_at = Some(now);
        Ok(Outcome::Cancelled)
    }

    /// A ticket still queued from an earlier business day: void, published as a cancel.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<Outcome, RuleError> {
        self.cancel(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + minute * 60, 0).expect("valid")
    }

    fn ticket() -> Ticket {
        Ticket::issued(TicketId(1), "A001".into(), ServiceId(1), Priority::Normal, at(0))
    }

    #[test]
    fn a_call_puts_the_ticket_at_the_window_and_clears_its_target() {
        let mut t = ticket();
        t.target_window = Some(WindowId(4));
        assert_eq!(t.call(WindowId(4), Some(UserId(9)), at(3)), Ok(Outcome::Called));
        assert_eq!(
            (t.status, t.window, t.target_window, t.called_at),
            (TicketStatus::Called, Some(WindowId(4)), None, Some(at(3)))
        );
        assert_eq!(t.served_by, Some(UserId(9)));
    }

    #[test]
    fn recalls_stop_at_the_limit_and_leave_the_ticket_as_it_was() {
        let mut t = ticket();
        t.call(WindowId(1), None, at(1)).expect("call");
        assert_eq!(t.recall(2), Ok(Outcome::Recalled));
        assert_eq!(t.recall(2), Ok(Outcome::Recalled));
        let refused = t.recall(2).expect_err("limit");
        assert_eq!(refused.code(), ErrorCode::RecallLimit);
        assert_eq!((t.status, t.recall_count), (TicketStatus::Called, 2));
    }

    #[test]
    fn a_transfer_keeps_the_issue_time_and_counts() {
        let mut t = ticket();
        t.call(WindowId(1), None, at(5)).expect("call");
        assert_eq!(t.transfer(TransferTo::Window(WindowId(1)), None).expect_err("same").code(), ErrorCode::SameWindow);
        assert_eq!(t.status, TicketStatus::Called);
        t.transfer(TransferTo::Service(ServiceId(2)), Some("缺资料".into())).expect("transfer");
        assert_eq!(
            (t.status, t.service, t.window, t.issued_at),
            (TicketStatus::Transferred, ServiceId(2), None, at(0))
        );
        assert_eq!((t.transfer_count, t.transfer_note.as_deref()), (1, Some("缺资料")));
    }

    #[test]
    fn a_no_show_comes_back_only_within_the_grace() {
        let mut t = ticket();
        t.call(WindowId(1), None, at(5)).expect("call");
        t.no_show(at(6)).expect("no-show");
        let mut late = t.clone();
        assert_eq!(late.restore(Duration::minutes(30), at(37)).expect_err("late").code(), ErrorCode::GraceExpired);
        assert_eq!(late.status, TicketStatus::NoShow);
        assert_eq!(t.restore(Duration::minutes(30), at(36)), Ok(Outcome::Restored));
        assert_eq!((t.status, t.window, t.recall_count), (TicketStatus::Waiting, None, 0));
    }

    #[test]
    fn only_queued_tickets_cancel_and_a_refusal_changes_nothing() {
        let mut t = ticket();
        t.call(WindowId(1), None, at(1)).expect("call");
        let before = t.clone();
        assert_eq!(t.cancel(at(2)).expect_err("held").code(), ErrorCode::InvalidTransition);
        assert_eq!(t, before);
        let mut queued = ticket();
        assert_eq!(queued.expire(at(2)), Ok(Outcome::Cancelled));
        assert_eq!(queued.cancelled_at, Some(at(2)));
    }
}
