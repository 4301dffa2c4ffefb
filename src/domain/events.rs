//! The hall's public event stream. Every event is stored with its per-hall `seq` and sent to
//! websocket clients exactly as stored. No personal data: numbers, windows, services, counts.
use super::ticket::{Priority, TicketStatus};
use super::window::WindowState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    TicketIssued,
    TicketCalled,
    TicketRecalled,
    TicketStarted,
    TicketFinished,
    TicketNoShow,
    TicketTransferred,
    TicketCancelled,
    TicketRestored,
    WindowOpened,
    WindowClosed,
    WindowPaused,
    WindowResumed,
    /// Someone signed in at the window (the public stream does not say who).
    WindowSignedIn,
    WindowSignedOut,
    /// Its service list changed.
    WindowUpdated,
    Notice,
    /// Administration changed the hall's configuration (services, windows, hours, calendar,
    /// names, settings): screens reload what they show from it.
    HallConfigured,
    /// A slot's bookings changed (booked, cancelled, moved): booking pages refresh its places.
    AppointmentsChanged,
    /// A window called for help; a volunteer took it; it was dealt with; the window withdrew it.
    HelpRequested,
    HelpTaken,
    HelpDone,
    HelpCancelled,
    /// A queue passed its alert threshold, or fell back well below it.
    QueueAlertRaised,
    QueueAlertCleared,
    /// A volunteer sent a ticket to a registered kiosk to print.
    PrintRequested,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TicketIssued => "ticket_issued",
            Self::TicketCalled => "ticket_called",
            Self::TicketRecalled => "ticket_recalled",
            Self::TicketStarted => "ticket_started",
            Self::TicketFinished => "ticket_finished",
            Self::TicketNoShow => "ticket_no_show",
            Self::TicketTransferred => "ticket_transferred",
            Self::TicketCancelled => "ticket_cancelled",
            Self::TicketRestored => "ticket_restored",
            Self::WindowOpened => "window_opened",
            Self::WindowClosed => "window_closed",
            Self::WindowPaused => "window_paused",
            Self::WindowResumed => "window_resumed",
            Self::WindowSignedIn => "window_signed_in",
            Self::WindowSignedOut => "window_signed_out",
            Self::WindowUpdated => "window_updated",
            Self::Notice => "notice",
            Self::HallConfigured => "hall_configured",
            Self::AppointmentsChanged => "appointments_changed",
            Self::HelpRequested => "help_requested",
            Self::HelpTaken => "help_taken",
            Self::HelpDone => "help_done",
            Self::HelpCancelled => "help_cancelled",
            Self::QueueAlertRaised => "queue_alert_raised",
            Self::QueueAlertCleared => "queue_alert_cleared",
            Self::PrintRequested => "print_requested",
        }
    }
}

/// A ticket as the public stream shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicTicket {
    pub id: i64,
    pub number: String,
    pub service: String,
    pub priority: Priority,
    pub status: TicketStatus,
    /// The window number holding it, once called.
    pub window: Option<i32>,
    pub recall_count: i32,
    pub issued_at: DateTime<Utc>,
}

/// A window as the public stream shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicWindow {
    pub id: i32,
    pub number: i32,
    pub state: WindowState,
    pub pause_reason: Option<String>,
}

/// A call for help as the public stream shows it: which window, where it stands; never who
/// asked or who took it (tablets read that behind sign-in).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicHelp {
    pub id: i64,
    pub window: i32,
    pub status: super::floor_watch::HelpStatus,
}

/// A queue alert: the service and the figures that raised or cleared it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicAlert {
    pub service: String,
    pub waiting: u32,
    pub longest_wait_minutes: u32,
    pub estimated_wait_minutes: u32,
    /// Closed social-insurance cash windows could serve it: advise opening them.
    pub advise_cash_windows: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum EventBody {
    Ticket {
        ticket: PublicTicket,
        /// For transfers: where it went (`{"service":"B"}` or `{"window":3}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transfer_to: Option<serde_json::Value>,
    },
    Window {
        window: PublicWindow,
    },
    /// The hall's scrolling notice line changed (empty: none).
    Notice {
        notice: String,
    },
    /// What part of the configuration changed: `hall`, `hours`, `calendar`, `services`,
    /// `windows` or `settings`.
    Configured {
        configured: String,
    },
    /// Which slot's places changed (no personal data).
    Appointments {
        service: String,
        date: chrono::NaiveDate,
        start: String,
    },
    Help {
        help: PublicHelp,
    },
    Alert {
        alert: PublicAlert,
    },
    /// Which print request for which kiosk: the kiosk claims it (with its device token) to
    /// learn the ticket; the stream never carries a ticket's token.
    Print {
        print: PublicPrint,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicPrint {
    pub id: i64,
    pub kiosk: i32,
}

/// The wire form of one event: what is stored and what every client receives.
#[derive(Debug, Clone, Serialize)]
pub struct EventMessage<'a> {
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub hall: &'a str,
    pub seq: i64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub body: &'a EventBody,
}

/// An event read back from the log, typed: what `EventMessage` wrote.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct StoredEvent {
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub hall: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub body: EventBody,
}

impl StoredEvent {
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(kind: EventKind, body: EventBody) {
        let at = DateTime::from_timestamp(1_764_000_000, 0).expect("time");
        let json = serde_json::to_string(&EventMessage { kind, hall: "demo", seq: 7, at, body: &body }).expect("json");
        let back = StoredEvent::parse(&json).expect("parses");
        assert_eq!(back, StoredEvent { kind, hall: "demo".into(), seq: 7, at, body }, "{json}");
    }

    #[test]
    fn every_kind_of_event_reads_back_as_it_was_written() {
        let ticket = PublicTicket {
            id: 3,
            number: "A003".into(),
            service: "A".into(),
            priority: Priority::Green,
            status: TicketStatus::Transferred,
            window: None,
            recall_count: 1,
            issued_at: DateTime::from_timestamp(1_763_999_000, 0).expect("time"),
        };
        let window = PublicWindow { id: 9, number: 9, state: WindowState::Paused, pause_reason: Some("午休".into()) };
        for kind in [
            EventKind::TicketIssued,
            EventKind::TicketCalled,
            EventKind::TicketRecalled,
            EventKind::TicketStarted,
            EventKind::TicketFinished,
            EventKind::TicketNoShow,
            EventKind::TicketCancelled,
            EventKind::TicketRestored,
        ] {
            round_trip(kind, EventBody::Ticket { ticket: ticket.clone(), transfer_to: None });
        }
        let moved = Some(serde_json::json!({"window": 4}));
        round_trip(EventKind::TicketTransferred, EventBody::Ticket { ticket, transfer_to: moved });
        for kind in [
            EventKind::WindowOpened,
            EventKind::WindowClosed,
            EventKind::WindowPaused,
            EventKind::WindowResumed,
            EventKind::WindowSignedIn,
            EventKind::WindowSignedOut,
            EventKind::WindowUpdated,
        ] {
            round_trip(kind, EventBody::Window { window: window.clone() });
        }
        round_trip(EventKind::Notice, EventBody::Notice { notice: "今日社保缴费高峰".into() });
        round_trip(EventKind::HallConfigured, EventBody::Configured { configured: "services".into() });
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        round_trip(
            EventKind::AppointmentsChanged,
            EventBody::Appointments { service: "A".into(), date, start: "09:00".into() },
        );
        for (kind, status) in [
            (EventKind::HelpRequested, super::super::floor_watch::HelpStatus::Open),
            (EventKind::HelpTaken, super::super::floor_watch::HelpStatus::Taken),
            (EventKind::HelpDone, super::super::floor_watch::HelpStatus::Done),
            (EventKind::HelpCancelled, super::super::floor_watch::HelpStatus::Cancelled),
        ] {
            round_trip(kind, EventBody::Help { help: PublicHelp { id: 4, window: 3, status } });
        }
        let alert = PublicAlert {
            service: "C".into(),
            waiting: 16,
            longest_wait_minutes: 12,
            estimated_wait_minutes: 40,
            advise_cash_windows: true,
        };
        for kind in [EventKind::QueueAlertRaised, EventKind::QueueAlertCleared] {
            round_trip(kind, EventBody::Alert { alert: alert.clone() });
        }
        round_trip(EventKind::PrintRequested, EventBody::Print { print: PublicPrint { id: 5, kiosk: 2 } });
    }
}
