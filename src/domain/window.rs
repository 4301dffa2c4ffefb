//! Window kinds and states, and which window operations each state allows.
use super::codes::ErrorCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    General,
    /// 社保收现窗口: opened for social-insurance collection peaks, closed most days.
    SiCash,
}

impl WindowKind {
    /// Social-insurance cash windows open for collection peaks, and that is the hall manager's
    /// call: their own staff work them once open but do not open them.
    pub fn opened_by_managers_only(self) -> bool {
        matches!(self, Self::SiCash)
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "general" => Some(Self::General),
            "si_cash" => Some(Self::SiCash),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::SiCash => "si_cash",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    Closed,
    Open,
    Paused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowAction {
    Open,
    Close,
    Pause,
    Resume,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WindowRuleError {
    #[error("the window is {0}, so it cannot do that")]
    WrongState(&'static str),
    #[error("the window still holds a ticket; finish or transfer it first")]
    HoldsTicket,
}

impl WindowRuleError {
    /// The API's error code for it.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::WrongState(_) => ErrorCode::InvalidWindowState,
            Self::HoldsTicket => ErrorCode::WindowBusy,
        }
    }
}

impl WindowState {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "closed" => Some(Self::Closed),
            "open" => Some(Self::Open),
            "paused" => Some(Self::Paused),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::Paused => "paused",
        }
    }

    /// Only an open window calls tickets.
    pub fn can_call(self) -> bool {
        self == Self::Open
    }

    /// The state after an action, given whether the window holds a called or serving ticket.
    pub fn apply(self, action: WindowAction, holds_ticket: bool) -> Result<WindowState, WindowRuleError> {
        use WindowAction as A;
        use WindowState as S;
        match (self, action) {
            (S::Closed, A::Open) => Ok(S::Open),
            (S::Open | S::Paused, A::Close | A::Pause) if holds_ticket => Err(WindowRuleError::HoldsTicket),
            (S::Open | S::Paused, A::Close) => Ok(S::Closed),
            (S::Open, A::Pause) => Ok(S::Paused),
            (S::Paused, A::Resume) => Ok(S::Open),
            (state, _) => Err(WindowRuleError::WrongState(state.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WindowAction as A;
    use WindowState as S;

    #[test]
    fn a_closed_window_can_only_open() {
        assert_eq!(S::Closed.apply(A::Open, false), Ok(S::Open));
        for action in [A::Close, A::Pause, A::Resume] {
            assert_eq!(S::Closed.apply(action, false), Err(WindowRuleError::WrongState("closed")));
        }
    }

    #[test]
    fn an_open_window_pauses_and_resumes() {
        assert_eq!(S::Open.apply(A::Pause, false), Ok(S::Paused));
        assert_eq!(S::Paused.apply(A::Resume, false), Ok(S::Open));
        assert!(S::Open.apply(A::Resume, false).is_err());
        assert!(S::Paused.apply(A::Pause, false).is_err());
        assert!(S::Open.apply(A::Open, false).is_err());
    }

    #[test]
    fn a_window_holding_a_ticket_cannot_close_or_pause() {
        assert_eq!(S::Open.apply(A::Close, true), Err(WindowRuleError::HoldsTicket));
        assert_eq!(S::Open.apply(A::Pause, true), Err(WindowRuleError::HoldsTicket));
        assert_eq!(S::Paused.apply(A::Close, false), Ok(S::Closed));
    }

    #[test]
    fn only_open_windows_call() {
        assert!(S::Open.can_call());
        assert!(!S::Paused.can_call());
        assert!(!S::Closed.can_call());
    }
}
