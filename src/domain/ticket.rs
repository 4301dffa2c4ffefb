//! Ticket states and the only transitions between them.
//!
//! ```text
//! waiting ──call──▶ called ──start──▶ serving ──finish──▶ done
//!    │                │  ▲ recall        │
//!    │                │  └───────┘       │
//!    │                ├──no_show──▶ no_show ──restore──▶ waiting
//!    │                └──transfer─┐      │
//!    └──cancel──▶ cancelled       ▼      ▼
//!                            transferred (queued again, keeps its number and issue time)
//! ```
//! `transferred` is a queued state like `waiting`: it can be called or cancelled.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    Transferred,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 7] =
        [Self::Waiting, Self::Called, Self::Serving, Self::Done, Self::NoShow, Self::Cancelled, Self::Transferred];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Done => "done",
            Self::NoShow => "no_show",
            Self::Cancelled => "cancelled",
            Self::Transferred => "transferred",
        }
    }

    /// In a queue, waiting to be called.
    pub fn is_queued(self) -> bool {
        matches!(self, Self::Waiting | Self::Transferred)
    }

    /// Held by a window.
    pub fn is_at_window(self) -> bool {
        matches!(self, Self::Called | Self::Serving)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketAction {
    Call,
    Recall,
    Start,
    Finish,
    NoShow,
    Transfer,
    Cancel,
    Restore,
}

impl TicketAction {
    pub const ALL: [TicketAction; 8] = [
        Self::Call,
        Self::Recall,
        Self::Start,
        Self::Finish,
        Self::NoShow,
        Self::Transfer,
        Self::Cancel,
        Self::Restore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Recall => "recall",
            Self::Start => "start",
            Self::Finish => "finish",
            Self::NoShow => "no_show",
            Self::Transfer => "transfer",
            Self::Cancel => "cancel",
            Self::Restore => "restore",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} ticket cannot be {action}", from = from.as_str(), action = action.as_str())]
pub struct InvalidTransition {
    pub from: TicketStatus,
    pub action: TicketAction,
}

/// The state a ticket moves to, or why it cannot.
pub fn transition(from: TicketStatus, action: TicketAction) -> Result<TicketStatus, InvalidTransition> {
    use TicketAction as A;
    use TicketStatus as S;
    let to = match (from, action) {
        (S::Waiting | S::Transferred, A::Call) => S::Called,
        (S::Called, A::Recall) => S::Called,
        (S::Called, A::Start) => S::Serving,
        (S::Serving, A::Finish) => S::Done,
        (S::Called, A::NoShow) => S::NoShow,
        (S::Called | S::Serving, A::Transfer) => S::Transferred,
        (S::Waiting | S::Transferred, A::Cancel) => S::Cancelled,
        (S::NoShow, A::Restore) => S::Waiting,
        _ => return Err(InvalidTransition { from, action }),
    };
    Ok(to)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    Appointment,
    /// 绿色通道: elderly, disabled, pregnant, military.
    Green,
}

impl Priority {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "normal" => Some(Self::Normal),
            "appointment" => Some(Self::Appointment),
            "green" => Some(Self::Green),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Appointment => "appointment",
            Self::Green => "green",
        }
    }

    /// Higher is served first. Green channel before appointments before everyone else.
    pub fn rank(self) -> u8 {
        match self {
            Self::Normal => 0,
            Self::Appointment => 1,
            Self::Green => 2,
        }
    }

    /// Anyone may take normal and green-channel tickets; appointments come from a booking.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Normal | Self::Green)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Kiosk,
    Mobile,
    Volunteer,
    Counter,
}

impl Channel {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "kiosk" => Some(Self::Kiosk),
            "mobile" => Some(Self::Mobile),
            "volunteer" => Some(Self::Volunteer),
            "counter" => Some(Self::Counter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Mobile => "mobile",
            Self::Volunteer => "volunteer",
            Self::Counter => "counter",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketAction as A;
    use TicketStatus as S;

    /// The complete table: every (state, action) pair, allowed or not.
    const ALLOWED: &[(S, A, S)] = &[
        (S::Waiting, A::Call, S::Called),
        (S::Transferred, A::Call, S::Called),
        (S::Called, A::Recall, S::Called),
        (S::Called, A::Start, S::Serving),
        (S::Serving, A::Finish, S::Done),
        (S::Called, A::NoShow, S::NoShow),
        (S::Called, A::Transfer, S::Transferred),
        (S::Serving, A::Transfer, S::Transferred),
        (S::Waiting, A::Cancel, S::Cancelled),
        (S::Transferred, A::Cancel, S::Cancelled),
        (S::NoShow, A::Restore, S::Waiting),
    ];

    #[test]
    fn every_state_and_action_pair_follows_the_table() {
        for from in S::ALL {
            for action in A::ALL {
                let expected = ALLOWED.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                match (transition(from, action), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from:?} {action:?}"),
                    (Err(err), None) => assert_eq!(err, InvalidTransition { from, action }),
                    (got, expected) => panic!("{from:?} {action:?}: got {got:?}, expected {expected:?}"),
                }
            }
        }
    }

    #[test]
    fn finished_cancelled_tickets_accept_no_action() {
        for action in A::ALL {
            assert!(transition(S::Done, action).is_err());
            assert!(transition(S::Cancelled, action).is_err());
        }
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
        assert_eq!(S::parse("Waiting"), None);
    }

    #[test]
    fn green_channel_outranks_appointments_which_outrank_normal() {
        assert!(Priority::Green.rank() > Priority::Appointment.rank());
        assert!(Priority::Appointment.rank() > Priority::Normal.rank());
        assert!(!Priority::Appointment.is_public());
    }

    #[test]
    fn the_error_message_names_the_state_and_action() {
        let err = transition(S::Done, A::Recall).expect_err("refused");
        assert_eq!(err.to_string(), "a done ticket cannot be recall");
    }
}
