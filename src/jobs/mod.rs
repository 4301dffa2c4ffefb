//! Scheduled work that runs inside the server.
pub mod housekeeping;
