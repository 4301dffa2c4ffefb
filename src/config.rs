//! Configuration: built-in defaults, then a TOML file (`--config FILE` or `HALLQ_CONFIG`), then
//! `HALLQ_*` environment variables. A bad value stops start-up with a message naming the key.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub database_url: String,
    /// The admin password; generated and printed at first start when unset.
    pub admin_password: Option<String>,
    /// The shared password of the non-admin demo accounts; generated when unset.
    pub demo_password: Option<String>,
    pub timezone: Tz,
    pub clock_start: Option<DateTime<Utc>>,
    pub log: String,
    /// Log lines as JSON objects (`HALLQ_LOG_FORMAT=json`) rather than text.
    pub log_json: bool,
    pub demo: bool,
    /// The demo hall's opening hours: round the clock (so it can be tried at any hour), or a
    /// county hall's week (Mon–Fri 08:30–12:00, 13:30–17:30, issuing stops 15 minutes before
    /// each close) to show the closed and 停止取号 screens. Used only when the demo is seeded.
    pub demo_hours: DemoHours,
    /// How many times a called ticket may be recalled before it must be marked no-show.
    pub recall_limit: u32,
    /// How long after a no-show staff may still restore the ticket to the queue.
    pub no_show_grace_minutes: u32,
    /// How long a login session lasts.
    pub session_hours: u32,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Database connection pool size.
    pub db_pool_size: u32,
    /// How many times the hall display says each call (a page may ask for 1–3 with `?repeat=`).
    pub announce_repeat: u32,
    /// Anonymous tickets (and diversion records) one client may take per 10 minutes; 0 turns
    /// the limit off (load tests). Staff sessions and registered kiosks are never limited.
    pub public_rate_limit: u32,
    /// The address taxpayers reach the server at, for QR codes on printed tickets, e.g.
    /// `https://queue.example.gov.cn`. Unset: taken from each request's Host.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (set when the server is reached over HTTPS).
    pub secure_cookies: bool,
    /// Proxies whose `Forwarded` / `X-Forwarded-*` headers are believed; from anyone else
    /// those headers are ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Websocket sessions the whole process keeps open at most; 0: derived from the open-file
    /// limit at start (room is left for HTTP and the database).
    pub ws_max_connections: u32,
    /// Websocket sessions one client address may hold open at once.
    pub ws_max_per_address: u32,
    /// How long a request waits for a database connection before it is answered 503.
    pub db_acquire_timeout_ms: u32,
    /// Wrong passwords an account may take before it is locked for a while (the lock doubles
    /// with each further failure, up to 15 minutes).
    pub login_max_failures: u32,
    /// Threads that check passwords, so at most this many at once (each keeps ~19 MiB).
    pub password_hash_concurrency: u32,
    /// The key of the hash that stands in for ID numbers. Unset: a random key kept in the
    /// database. Set it to keep the key out of database backups.
    pub id_hash_key: Option<String>,
    /// The bearer token `GET /metrics` asks for. Unset: `/metrics` is off (404).
    pub metrics_token: Option<String>,
    /// PostgreSQL: how often each instance also reads the event log, in case a notification
    /// was missed (notifications bring other instances' events at once).
    pub event_poll_ms: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/hallq.db".into(),
            admin_password: None,
            demo_password: None,
            timezone: chrono_tz::Asia::Shanghai,
            clock_start: None,
            log: "info".into(),
            log_json: false,
            demo: true,
            demo_hours: DemoHours::Always,
            recall_limit: 2,
            no_show_grace_minutes: 30,
            session_hours: 12,
            max_body_bytes: 16 * 1024,
            db_pool_size: 8,
            announce_repeat: 2,
            public_rate_limit: 10,
            public_url: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            ws_max_connections: 0,
            ws_max_per_address: 200,
            db_acquire_timeout_ms: 2000,
            login_max_failures: 10,
            password_hash_concurrency: 2,
            id_hash_key: None,
            metrics_token: None,
            event_poll_ms: 5000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoHours {
    Always,
    County,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {problem}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
}

fn bad(key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError { key: key.into(), problem: problem.into() }
}

/// Every key, as (file key, environment variable).
pub const KEYS: &[(&str, &str)] = &[
    ("bind", "HALLQ_BIND"),
    ("database_url", "HALLQ_DATABASE_URL"),
    ("admin_password", "HALLQ_ADMIN_PASSWORD"),
    ("demo_password", "HALLQ_DEMO_PASSWORD"),
    ("timezone", "HALLQ_TIMEZONE"),
    ("clock_start", "HALLQ_CLOCK_START"),
    ("log", "HALLQ_LOG"),
    ("log_format", "HALLQ_LOG_FORMAT"),
    ("demo", "HALLQ_DEMO"),
    ("demo_hours", "HALLQ_DEMO_HOURS"),
    ("recall_limit", "HALLQ_RECALL_LIMIT"),
    ("no_show_grace_minutes", "HALLQ_NO_SHOW_GRACE_MINUTES"),
    ("session_hours", "HALLQ_SESSION_HOURS"),
    ("max_body_bytes", "HALLQ_MAX_BODY_BYTES"),
    ("db_pool_size", "HALLQ_DB_POOL_SIZE"),
    ("announce_repeat", "HALLQ_ANNOUNCE_REPEAT"),
    ("public_rate_limit", "HALLQ_PUBLIC_RATE_LIMIT"),
    ("public_url", "HALLQ_PUBLIC_URL"),
    ("secure_cookies", "HALLQ_SECURE_COOKIES"),
    ("trusted_proxies", "HALLQ_TRUSTED_PROXIES"),
    ("ws_max_connections", "HALLQ_WS_MAX_CONNECTIONS"),
    ("ws_max_per_address", "HALLQ_WS_MAX_PER_ADDRESS"),
    ("db_acquire_timeout_ms", "HALLQ_DB_ACQUIRE_TIMEOUT_MS"),
    ("login_max_failures", "HALLQ_LOGIN_MAX_FAILURES"),
    ("password_hash_concurrency", "HALLQ_PASSWORD_HASH_CONCURRENCY"),
    ("id_hash_key", "HALLQ_ID_HASH_KEY"),
    ("metrics_token", "HALLQ_METRICS_TOKEN"),
    ("event_poll_ms", "HALLQ_EVENT_POLL_MS"),
];

/// Any TOML scalar; parsed per key below so errors name the key.
#[derive(Deserialize)]
#[serde(untagged)]
enum FileValue {
    Text(String),
    Integer(i64),
    Bool(bool),
}

impl Settings {
    /// Layers the file (if any) and the environment over the defaults.
    pub fn load(config_file: Option<&str>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut settings = Self::default();
        let file = config_file.map(str::to_owned).or_else(|| env.get("HALLQ_CONFIG").cloned());
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path).map_err(|e| bad("config", format!("cannot read {path}: {e}")))?;
            let values: HashMap<String, FileValue> =
                toml::from_str(&text).map_err(|e| bad("config", format!("{path} is not valid TOML: {e}")))?;
            for (key, value) in values {
                if !KEYS.iter().any(|(k, _)| *k == key) {
                    return Err(bad(&key, format!("unknown key in {path}")));
                }
                let text = match value {
                    FileValue::Text(t) => t,
                    FileValue::Integer(i) => i.to_string(),
                    FileValue::Bool(b) => b.to_string(),
                };
                settings.set(&key, &text).map_err(|e| bad(&key, e))?;
            }
        }
        for (key, var) in KEYS {
            if let Some(value) = env.get(*var) {
                settings.set(key, value).map_err(|e| bad(var, e))?;
            }
        }
        Ok(settings)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "bind" => {
                self.bind =
                    value.parse().map_err(|_| format!("'{value}' is not an address:port such as 127.0.0.1:8080"))?
            }
            "database_url" => {
                if !(value.starts_with("sqlite:")
                    || value.starts_with("postgres://")
                    || value.starts_with("postgresql://"))
                {
                    return Err(format!("'{value}' must start with sqlite:// or postgres://"));
                }
                self.database_url = value.into();
            }
            "admin_password" => self.admin_password = Some(password(value)?),
            "demo_password" => self.demo_password = Some(password(value)?),
            "id_hash_key" => {
                if value.chars().count() < 16 {
                    return Err("the key needs at least 16 characters".into());
                }
                self.id_hash_key = Some(value.into());
            }
            "timezone" => {
                self.timezone =
                    value.parse().map_err(|_| format!("'{value}' is not an IANA timezone such as Asia/Shanghai"))?
            }
            "clock_start" => {
                let at = DateTime::parse_from_rfc3339(value)
                    .map_err(|_| format!("'{value}' is not an RFC 3339 time such as 2026-11-25T09:00:00+08:00"))?;
                self.clock_start = Some(at.with_timezone(&Utc));
            }
            "log" => {
                tracing_subscriber::EnvFilter::try_new(value)
                    .map_err(|e| format!("'{value}' is not a tracing filter: {e}"))?;
                self.log = value.into();
            }
            "log_format" => {
                self.log_json = match value.trim() {
                    "text" => false,
                    "json" => true,
                    _ => return Err(format!("'{value}' is not 'text' or 'json'")),
                }
            }
            "demo" => self.demo = boolean(value)?,
            "demo_hours" => {
                self.demo_hours = match value.trim() {
                    "always" => DemoHours::Always,
                    "county" => DemoHours::County,
                    _ => return Err(format!("'{value}' is not 'always' or 'county'")),
                }
            }
            "recall_limit" => self.recall_limit = number(value, 0, 20)?,
            "no_show_grace_minutes" => self.no_show_grace_minutes = number(value, 0, 24 * 60)?,
            "session_hours" => self.session_hours = number(value, 1, 24 * 30)?,
            "max_body_bytes" => self.max_body_bytes = number(value, 1024, 10 * 1024 * 1024)? as usize,
            "db_pool_size" => self.db_pool_size = number(value, 1, 200)?,
            "announce_repeat" => self.announce_repeat = number(value, 1, 3)?,
            "public_rate_limit" => self.public_rate_limit = number(value, 0, 100_000)?,
            "public_url" => {
                let url = value.trim().trim_end_matches('/');
                if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
                    return Err(format!("'{value}' is not an http(s) address such as https://queue.example.gov.cn"));
                }
                self.public_url = Some(url.to_owned());
            }
            "secure_cookies" => self.secure_cookies = boolean(value)?,
            "trusted_proxies" => {
                self.trusted_proxies = value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| v.parse().map_err(|_| format!("'{v}' is not an IP address such as 127.0.0.1")))
                    .collect::<Result<_, _>>()?
            }
            "ws_max_connections" => self.ws_max_connections = number(value, 0, 1_000_000)?,
            "ws_max_per_address" => self.ws_max_per_address = number(value, 1, 1_000_000)?,
            "db_acquire_timeout_ms" => self.db_acquire_timeout_ms = number(value, 100, 60_000)?,
            "login_max_failures" => self.login_max_failures = number(value, 1, 100)?,
            "password_hash_concurrency" => self.password_hash_concurrency = number(value, 1, 64)?,
            "metrics_token" => {
                if value.chars().count() < 16 {
                    return Err("the token needs at least 16 characters".into());
                }
                self.metrics_token = Some(value.into());
            }
            "event_poll_ms" => self.event_poll_ms = number(value, 100, 600_000)?,
            _ => return Err("unknown key".into()),
        }
        Ok(())
    }

    /// The queue rules of a hall that sets none of its own.
    pub fn queue_rule_defaults(&self) -> crate::domain::settings::QueueRules {
        crate::domain::settings::QueueRules {
            recall_limit: self.recall_limit,
            no_show_grace: chrono::Duration::minutes(i64::from(self.no_show_grace_minutes)),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn password(value: &str) -> Result<String, String> {
    if value.chars().count() < 8 {
        return Err("a password needs at least 8 characters".into());
    }
    Ok(value.into())
}

fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("'{value}' is not true or false")),
    }
}

fn number(value: &str, min: u32, max: u32) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("'{value}' is not a whole number from {min} to {max}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_serve_the_demo_on_localhost_8080_with_sqlite() {
        let settings = Settings::load(None, &env(&[])).expect("defaults load");
        assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.database_url, "sqlite://data/hallq.db");
        assert!(settings.demo);
        assert_eq!(settings.demo_hours, DemoHours::Always);
        assert_eq!(settings.timezone, chrono_tz::Asia::Shanghai);
        let county = Settings::load(None, &env(&[("HALLQ_DEMO_HOURS", "county")])).expect("loads");
        assert_eq!(county.demo_hours, DemoHours::County);
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("hallq-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("hallq.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:9000\"\nrecall_limit = 3\ndemo = false\n").expect("write");
        let path = file.to_str().expect("utf-8 path");
        let settings = Settings::load(Some(path), &env(&[("HALLQ_RECALL_LIMIT", "5")])).expect("loads");
        assert_eq!(settings.bind.port(), 9000);
        assert_eq!(settings.recall_limit, 5);
        assert!(!settings.demo);
    }

    #[test]
    fn a_bad_value_names_the_key() {
        for (var, value) in [
            ("HALLQ_BIND", "nowhere"),
            ("HALLQ_TIMEZONE", "Mars/Olympus"),
            ("HALLQ_CLOCK_START", "yesterday"),
            ("HALLQ_DEMO", "maybe"),
            ("HALLQ_DEMO_HOURS", "weekends"),
            ("HALLQ_DATABASE_URL", "mysql://x"),
            ("HALLQ_ADMIN_PASSWORD", "short"),
        ] {
            let err = Settings::load(None, &env(&[(var, value)])).expect_err(var);
            assert_eq!(err.key, var);
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("hallq-config-unknown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("hallq.toml");
        std::fs::write(&file, "bnd = \"127.0.0.1:9000\"\n").expect("write");
        let err = Settings::load(file.to_str(), &env(&[])).expect_err("unknown key");
        assert_eq!(err.key, "bnd");
    }
}
