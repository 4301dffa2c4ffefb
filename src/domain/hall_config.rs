//! A hall's configuration as the rules need it: its services with their targets, its windows,
//! hours and settings. Loaded from the database by `persistence::halls`, built in memory for
//! the in-memory hall and the simulator.
use super::codes::ErrorCode;
use super::ids::{HallId, ServiceId, WindowId};
use super::schedule::Schedule;
use super::settings::HallSettings;
use super::window::WindowKind;
use chrono::Duration;
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub id: ServiceId,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub target_wait: Duration,
    pub typical_handling: Duration,
    /// One line on what it covers (kiosk tiles).
    pub hint: Option<String>,
    pub hint_en: Option<String>,
    /// False once the hall stopped offering it: no new tickets, but its queued tickets are
    /// still called and its history keeps its meaning.
    pub active: bool,
    /// Taxpayers may book it (预约).
    pub appointments: bool,
}

#[derive(Debug, Clone)]
pub struct WindowInfo {
    pub id: WindowId,
    pub number: i32,
    pub name: String,
    pub kind: WindowKind,
}

/// What rarely changes about a hall; cached by `services::halls::HallCache`.
#[derive(Debug, Clone)]
pub struct HallConfig {
    pub id: HallId,
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// The address line printed on slips.
    pub address: Option<String>,
    pub timezone: Tz,
    pub services: Vec<ServiceInfo>,
    pub windows: Vec<WindowInfo>,
    pub schedule: Schedule,
    pub settings: HallSettings,
}

impl HallConfig {
    /// Each service's target wait: what makes a ticket overdue in the calling order.
    pub fn target_waits(&self) -> super::dispatch::TargetWaits {
        self.services.iter().map(|s| (s.id, s.target_wait)).collect()
    }

    pub fn service_by_code(&self, code: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.code == code)
    }

    /// A service a new ticket may be taken for (or transferred to): known and still offered.
    pub fn offered_service(&self, code: &str) -> Result<&ServiceInfo, (ErrorCode, String)> {
        match self.service_by_code(code) {
            None => Err((ErrorCode::UnknownService, format!("hall '{}' has no service '{code}'", self.code))),
            Some(s) if !s.active => {
                Err((ErrorCode::ServiceInactive, format!("service '{code}' is no longer offered in this hall")))
            }
            Some(s) => Ok(s),
        }
    }

    /// The services still offered, in kiosk order.
    pub fn active_services(&self) -> impl Iterator<Item = &ServiceInfo> {
        self.services.iter().filter(|s| s.active)
    }

    /// A window's service list from codes, specialty first: at least one, each known, none twice.
    pub fn ordered_services(&self, codes: &[String]) -> Result<Vec<ServiceId>, (ErrorCode, String)> {
        if codes.is_empty() {
            return Err((ErrorCode::NoServices, "a window serves at least one service".into()));
        }
        let mut ids = Vec::with_capacity(codes.len());
        for code in codes {
            let service = self
                .service_by_code(code.trim())
                .ok_or_else(|| (ErrorCode::UnknownService, format!("hall '{}' has no service '{code}'", self.code)))?;
            if ids.contains(&service.id) {
                return Err((ErrorCode::DuplicateService, format!("service '{code}' is listed twice")));
            }
            ids.push(service.id);
        }
        Ok(ids)
    }

    pub fn service(&self, id: ServiceId) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn window(&self, id: WindowId) -> Option<&WindowInfo> {
        self.windows.iter().find(|w| w.id == id)
    }

    pub fn window_by_number(&self, number: i32) -> Option<&WindowInfo> {
        self.windows.iter().find(|w| w.number == number)
    }

    pub fn service_code(&self, id: ServiceId) -> &str {
        self.service(id).map_or("?", |s| s.code.as_str())
    }
}
