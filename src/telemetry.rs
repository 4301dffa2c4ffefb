//! Tracing, set up once at start: text for people (coloured only on a terminal), or one JSON
//! object per line for a log collector (`HALLQ_LOG_FORMAT=json`).
use std::io::IsTerminal;
use tracing_subscriber::{fmt, EnvFilter};

pub fn init(settings: &crate::config::Settings) {
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // A second call (tests start several apps in one process) is harmless.
    if settings.log_json {
        let _ = fmt().json().with_env_filter(filter).with_target(false).with_current_span(false).try_init();
    } else {
        let ansi = std::io::stdout().is_terminal();
        let _ = fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).try_init();
    }
}
