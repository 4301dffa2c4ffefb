//! Per-hall settings for the taxpayer's side, stored as JSON with the hall. Every field has a
//! default, so a hall without settings (or with settings from an older version) just works.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HallSettings {
    /// Phones may take tickets remotely (`/m/{hall}`), during opening hours.
    pub remote_issue: bool,
    /// Remote tickets need a mainland mobile number.
    pub require_phone: bool,
    /// At most this many remote tickets queued in the hall at once.
    pub remote_cap: u32,
    /// Stop issuing a service when a new ticket's estimated finish passes this many minutes
    /// before the period's close (0: the close itself).
    pub cutoff_margin_minutes: u32,
    /// Also stop issuing every service this many minutes before the period's close,
    /// whatever the estimate says (none: estimate only).
    pub stop_issuing_minutes_before_close: Option<u32>,
    /// The tracking page says "almost your turn" when this many or fewer are ahead.
    pub almost_turn_ahead: u32,
    /// The kiosk goes back to its start screen this many seconds after issuing.
    pub kiosk_return_seconds: u32,
    /// Services that can also be done elsewhere, by code, with how (shown before issuing).
    pub online: BTreeMap<String, OnlineGuide>,
    /// Recalls allowed per call before staff must mark a no-show (none: the server's default,
    /// `HALLQ_RECALL_LIMIT`).
    pub recall_limit: Option<u32>,
    /// Minutes after a no-show during which a window may put the ticket back in line (none:
    /// the server's default, `HALLQ_NO_SHOW_GRACE_MINUTES`).
    pub no_show_grace_minutes: Option<u32>,
    /// Booking rules (预约): slots, places, booking window, per-person limits, check-in.
    pub appointments: super::appointment::BookingRules,
    /// Floor watch (the volunteer tablet): queue alert thresholds and calls for help.
    pub watch: super::floor_watch::WatchSettings,
}

/// The per-hall rules the queue's lifecycle needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueRules {
    pub recall_limit: u32,
    pub no_show_grace: chrono::Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineGuide {
    /// How to do it without queuing, in Chinese: the e-tax bureau, the WeChat/Alipay payment,
    /// the self-service terminals and where they stand.
    pub zh: String,
    pub en: String,
    /// The kiosk's "I'll go there instead" button, when the generic 我去网上办 does not fit
    /// (for social-insurance fees: 我用手机缴费).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_en: Option<String>,
}

/// Longest button text accepted (English runs longer than Chinese).
pub const MAX_BUTTON_CHARS: usize = 40;

impl Default for HallSettings {
    fn default() -> Self {
        Self {
            remote_issue: true,
            require_phone: false,
            remote_cap: 300,
            cutoff_margin_minutes: 0,
            stop_issuing_minutes_before_close: None,
            almost_turn_ahead: 3,
            kiosk_return_seconds: 20,
            online: BTreeMap::new(),
            recall_limit: None,
            no_show_grace_minutes: None,
            appointments: super::appointment::BookingRules::default(),
            watch: super::floor_watch::WatchSettings::default(),
        }
    }
}

/// Longest guide text accepted.
pub const MAX_GUIDE_CHARS: usize = 1000;

impl HallSettings {
    /// Reads stored settings; anything unreadable falls back to the defaults rather than
    /// taking the hall down.
    pub fn from_stored(json: Option<&str>) -> Self {
        json.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default()
    }

    /// This hall's queue rules: its own where set, else the server's defaults.
    pub fn queue_rules(&self, defaults: QueueRules) -> QueueRules {
        QueueRules {
            recall_limit: self.recall_limit.unwrap_or(defaults.recall_limit),
            no_show_grace: self
                .no_show_grace_minutes
                .map_or(defaults.no_show_grace, |m| chrono::Duration::minutes(i64::from(m))),
        }
    }

    /// Checks values a manager sent; `services` are the hall's service codes.
    pub fn validate(&self, services: &[&str]) -> Result<(), String> {
        self.appointments.validate()?;
        self.watch.validate(services)?;
        if !(5..=600).contains(&self.kiosk_return_seconds) {
            return Err("kiosk_return_seconds must be between 5 and 600".into());
        }
        if self.recall_limit.is_some_and(|n| n > 20) {
            return Err("recall_limit must be at most 20".into());
        }
        if self.no_show_grace_minutes.is_some_and(|m| m > 24 * 60) {
            return Err("no_show_grace_minutes must be at most 1440".into());
        }
        if self.almost_turn_ahead > 50 {
            return Err("almost_turn_ahead must be at most 50".into());
        }
        if self.cutoff_margin_minutes > 240 || self.stop_issuing_minutes_before_close.is_some_and(|m| m > 240) {
            return Err("cut-off minutes must be at most 240".into());
        }
        for (code, guide) in &self.online {
            if !services.contains(&code.as_str()) {
                return Err(format!("online: the hall has no service '{code}'"));
            }
            if guide.zh.trim().is_empty()
                || guide.zh.chars().count() > MAX_GUIDE_CHARS
                || guide.en.chars().count() > MAX_GUIDE_CHARS
            {
                return Err(format!("online.{code}: the Chinese text is required and each text has at most {MAX_GUIDE_CHARS} characters"));
            }
            let buttons = [&guide.button_zh, &guide.button_en];
            if buttons
                .iter()
                .any(|b| b.as_ref().is_some_and(|b| b.trim().is_empty() || b.chars().count() > MAX_BUTTON_CHARS))
            {
                return Err(format!("online.{code}: a button text has 1 to {MAX_BUTTON_CHARS} characters"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_partial_settings_take_the_defaults() {
        assert_eq!(HallSettings::from_stored(None), HallSettings::default());
        assert_eq!(HallSettings::from_stored(Some("not json")), HallSettings::default());
        let partial = HallSettings::from_stored(Some(r#"{"require_phone": true}"#));
        assert!(partial.require_phone);
        assert_eq!(partial.remote_cap, 300);
    }

    #[test]
    fn a_halls_own_queue_rules_win_over_the_servers_defaults() {
        let defaults = QueueRules { recall_limit: 2, no_show_grace: chrono::Duration::minutes(30) };
        let mut settings = HallSettings::default();
        assert_eq!(settings.queue_rules(defaults), defaults);
        settings.recall_limit = Some(0);
        settings.no_show_grace_minutes = Some(10);
        assert_eq!(
            settings.queue_rules(defaults),
            QueueRules { recall_limit: 0, no_show_grace: chrono::Duration::minutes(10) }
        );
        settings.recall_limit = Some(21);
        assert!(settings.validate(&[]).expect_err("refused").contains("recall_limit"));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut settings = HallSettings::default();
        assert!(settings.validate(&["A"]).is_ok());
        settings.online.insert(
            "Z".into(),
            OnlineGuide { zh: "电子税务局".into(), en: String::new(), button_zh: None, button_en: None },
        );
        assert!(settings.validate(&["A"]).expect_err("refused").contains("'Z'"));
        settings.online.clear();
        let long = "我".repeat(MAX_BUTTON_CHARS + 1);
        settings.online.insert(
            "A".into(),
            OnlineGuide { zh: "电子税务局".into(), en: String::new(), button_zh: Some(long), button_en: None },
        );
        assert!(settings.validate(&["A"]).expect_err("refused").contains("button"));
        settings.online.clear();
        settings.kiosk_return_seconds = 1;
        assert!(settings.validate(&["A"]).expect_err("refused").contains("kiosk_return_seconds"));
    }
}
