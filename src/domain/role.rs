//! Who may do what. Roles are ordered by reach: admin ⊃ manager ⊃ staff; volunteers take
//! tickets and guide, but do not operate windows.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Staff,
    Volunteer,
}

impl Role {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Self::Admin),
            "manager" => Some(Self::Manager),
            "staff" => Some(Self::Staff),
            "volunteer" => Some(Self::Volunteer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Staff => "staff",
            Self::Volunteer => "volunteer",
        }
    }

    /// Roles that run the hall floor: open and close any window, edit its services, sign
    /// someone out.
    pub fn manages_floor(self) -> bool {
        matches!(self, Self::Admin | Self::Manager)
    }

    /// Roles allowed to issue tickets with privileged priorities (appointments).
    pub fn issues_privileged_tickets(self) -> bool {
        !matches!(self, Self::Volunteer)
    }
}
