//! Live events to every screen: a hub task that emits each hall's events in strict `seq` order,
//! and the websocket session loop.
pub mod connections;
pub mod hub;
pub mod listener;
pub mod session;
