//! Tracing, set up once at start.
use tracing_subscriber::{fmt, EnvFilter};

pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // A second call (tests start several apps in one process) is harmless.
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
