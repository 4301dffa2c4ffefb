//! sea-orm entities, one module per table. Rows only: the rules live in `hallq::domain`.
pub mod auth_session;
pub mod calendar_day;
pub mod event;
pub mod hall;
pub mod opening_hour;
pub mod service;
pub mod ticket;
pub mod user;
pub mod user_window;
pub mod window;
pub mod window_service;
