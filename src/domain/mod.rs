//! The pure rules of a hall: no HTTP, no database, no clock of its own. Everything here is
//! deterministic and unit-tested; services feed it rows and act on its decisions.
pub mod appointment;
pub mod clock;
pub mod codes;
pub mod cutoff;
pub mod dispatch;
pub mod erlang;
pub mod estimate;
pub mod events;
pub mod floor_watch;
pub mod hall;
pub mod hall_config;
pub mod ids;
pub mod lifecycle;
pub mod lockout;
pub mod numbering;
pub mod privacy;
pub mod rating;
pub mod report;
pub mod role;
pub mod schedule;
pub mod settings;
pub mod setup;
pub mod simulation;
pub mod staffing;
pub mod ticket;
pub mod window;
