//! Scheduled work that runs inside the server.
pub mod floor_watch;
pub mod housekeeping;
