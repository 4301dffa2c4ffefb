//! Who may do what. Roles are ordered by reach: admin ⊃ manager ⊃ staff; volunteers take
//! tickets and guide, but do not operate windows.
use super::ticket::{Channel, Priority};
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

/// Why a caller may not take a ticket of that priority on that channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueRefusal {
    /// Only a signed-in role may do this.
    SignInFirst,
    /// Signed in, but not in a role that may.
    NotYourRole,
    /// The green channel is granted in person, never to a phone.
    GreenNotRemote,
}

/// Who may take which ticket: anyone a normal ticket at the kiosk or by phone; the green channel
/// only in person (at a kiosk, or through staff or a volunteer), never by phone; the `counter`
/// channel only staff (and managers), the `volunteer` channel only volunteers (and managers);
/// appointment tickets only staff and managers.
pub fn may_issue(role: Option<Role>, priority: Priority, channel: Channel) -> Result<(), IssueRefusal> {
    let needs = |allowed: &[Role]| match role {
        None => Err(IssueRefusal::SignInFirst),
        Some(role) if allowed.contains(&role) => Ok(()),
        Some(_) => Err(IssueRefusal::NotYourRole),
    };
    if priority == Priority::Green && channel == Channel::Mobile {
        return Err(IssueRefusal::GreenNotRemote);
    }
    match channel {
        Channel::Kiosk | Channel::Mobile => Ok(()),
        Channel::Counter => needs(&[Role::Staff, Role::Manager, Role::Admin]),
        Channel::Volunteer => needs(&[Role::Volunteer, Role::Manager, Role::Admin]),
    }?;
    match priority {
        Priority::Normal | Priority::Green => Ok(()),
        Priority::Appointment => needs(&[Role::Staff, Role::Manager, Role::Admin]),
    }
}

/// Tickets only signed-in staff or volunteers give (any but a normal ticket, or the counter or
/// volunteer channel): the giver must belong to the hall, and staff must serve the service.
pub fn is_given_by_staff(priority: Priority, channel: Channel) -> bool {
    priority != Priority::Normal || matches!(channel, Channel::Counter | Channel::Volunteer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Option<Role>; 5] =
        [None, Some(Role::Volunteer), Some(Role::Staff), Some(Role::Manager), Some(Role::Admin)];

    #[test]
    fn the_green_channel_is_never_granted_by_phone() {
        for role in ROLES {
            assert_eq!(may_issue(role, Priority::Green, Channel::Mobile), Err(IssueRefusal::GreenNotRemote));
        }
        assert_eq!(may_issue(None, Priority::Green, Channel::Kiosk), Ok(()));
        assert_eq!(may_issue(Some(Role::Volunteer), Priority::Green, Channel::Volunteer), Ok(()));
        assert_eq!(may_issue(Some(Role::Staff), Priority::Green, Channel::Counter), Ok(()));
    }

    #[test]
    fn counter_and_volunteer_channels_need_their_roles() {
        assert_eq!(may_issue(None, Priority::Normal, Channel::Counter), Err(IssueRefusal::SignInFirst));
        assert_eq!(may_issue(None, Priority::Normal, Channel::Volunteer), Err(IssueRefusal::SignInFirst));
        assert_eq!(
            may_issue(Some(Role::Volunteer), Priority::Normal, Channel::Counter),
            Err(IssueRefusal::NotYourRole)
        );
        assert_eq!(may_issue(Some(Role::Staff), Priority::Normal, Channel::Volunteer), Err(IssueRefusal::NotYourRole));
        assert_eq!(may_issue(Some(Role::Manager), Priority::Normal, Channel::Volunteer), Ok(()));
    }

    #[test]
    fn appointments_need_staff() {
        assert_eq!(may_issue(None, Priority::Appointment, Channel::Kiosk), Err(IssueRefusal::SignInFirst));
        assert_eq!(
            may_issue(Some(Role::Volunteer), Priority::Appointment, Channel::Volunteer),
            Err(IssueRefusal::NotYourRole)
        );
        for role in [Role::Staff, Role::Manager, Role::Admin] {
            assert_eq!(may_issue(Some(role), Priority::Appointment, Channel::Kiosk), Ok(()));
        }
    }

    #[test]
    fn anyone_takes_a_normal_ticket_at_the_kiosk_or_by_phone() {
        for role in ROLES {
            assert_eq!(may_issue(role, Priority::Normal, Channel::Kiosk), Ok(()));
            assert_eq!(may_issue(role, Priority::Normal, Channel::Mobile), Ok(()));
        }
    }
}
