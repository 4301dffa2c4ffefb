//! Browser tests: Debian's chromium, driven through chromedriver, against the real server.
#[path = "../api/helpers.rs"]
pub mod helpers;

mod admin;
mod booking;
mod browser;
mod console;
mod dashboard;
mod display;
mod planning;
mod reports;
mod taxpayer;
mod volunteer;
