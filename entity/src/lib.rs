//! sea-orm entities, one module per table. Rows only: the rules live in `hallq::domain`.
pub mod app_secret;
pub mod auth_session;
pub mod calendar_day;
pub mod diversion;
pub mod event;
pub mod hall;
pub mod kiosk;
pub mod opening_hour;
pub mod queue_counter;
pub mod rating;
pub mod service;
pub mod ticket;
pub mod ticket_counter;
pub mod user;
pub mod user_window;
pub mod window;
pub mod window_service;
