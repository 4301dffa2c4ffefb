//! Use cases. Each opens a transaction, asks the domain, writes, commits, then publishes.
pub mod auth;
pub mod console;
pub mod devices;
pub mod diversions;
pub mod hall_write;
pub mod halls;
pub mod issuer;
pub mod limits;
pub mod notice;
pub mod ratings;
pub mod settings;
pub mod snapshot;
pub mod tickets;
pub mod views;
pub mod windows;
