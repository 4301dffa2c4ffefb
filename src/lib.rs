//! hallq: queue and appointment system for public service halls.
//!
//! Data flows one way: `http` → `services` → `domain` + `persistence` → `realtime`.
pub mod backup;
pub mod config;
pub mod domain;
pub mod error;
pub mod history;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod persistence;
pub mod realtime;
pub mod replay;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
