//! Integration tests: the real server on a random port, each with its own database, run on
//! SQLite and on PostgreSQL.
pub mod helpers;

mod admin;
mod appointments;
mod authorization;
mod binary;
mod concurrency;
mod console;
mod errors;
mod hours;
mod instances;
mod lifecycle;
mod metrics;
mod planning;
mod replay;
mod reports;
mod restart;
mod security;
mod taxpayers;
mod volunteer;
pub mod websocket;
