//! The hall's public event stream. Every event is stored with its per-hall `seq` and sent to
//! websocket clients exactly as stored. No personal data: numbers, windows, services, counts.
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
        }
    }
}

/// A ticket as the public stream shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublicTicket {
    pub id: i64,
    pub number: String,
    pub service: String,
    pub priority: &'static str,
    pub status: &'static str,
    /// The window number holding it, once called.
    pub window: Option<i32>,
    pub recall_count: i32,
    pub issued_at: DateTime<Utc>,
}

/// A window as the public stream shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublicWindow {
    pub id: i32,
    pub number: i32,
    pub state: &'static str,
    pub pause_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum EventBody {
    Ticket {
        ticket: PublicTicket,
        /// For transfers: where it went (`{"service":"B"}` or `{"window":3}`).
        #[serde(skip_serializing_if = "Option::is_none")]
        transfer_to: Option<serde_json::Value>,
    },
    Window {
        window: PublicWindow,
    },
    /// The hall's scrolling notice line changed (empty: none).
    Notice {
        notice: String,
    },
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
