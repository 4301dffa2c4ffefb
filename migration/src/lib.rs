//! Schema migrations for hallq. Every migration has `up` and `down`; the test suite runs both.
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_core;
mod m20261125_000002_hall_notice;
mod m20261125_000003_queue_counters;
mod m20261125_000004_window_sign_in;
mod m20261125_000005_taxpayers;
mod m20261126_000006_administration;
mod m20261126_000007_appointments;
mod m20261126_000008_appointment_id_hash;
mod m20261126_000009_floor_watch;
mod m20261126_000010_report_index;
mod m20261126_000011_ticket_estimate;
mod m20261127_000012_instances;
mod m20261127_000013_queued_indexes;
mod m20261127_000014_queue_order_indexes;
mod m20261207_000015_drop_status_index;
mod m20261207_000016_staff_version;
mod m20261207_000017_events_by_seq;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_core::Migration),
            Box::new(m20261125_000002_hall_notice::Migration),
            Box::new(m20261125_000003_queue_counters::Migration),
            Box::new(m20261125_000004_window_sign_in::Migration),
            Box::new(m20261125_000005_taxpayers::Migration),
            Box::new(m20261126_000006_administration::Migration),
            Box::new(m20261126_000007_appointments::Migration),
            Box::new(m20261126_000008_appointment_id_hash::Migration),
            Box::new(m20261126_000009_floor_watch::Migration),
            Box::new(m20261126_000010_report_index::Migration),
            Box::new(m20261126_000011_ticket_estimate::Migration),
            Box::new(m20261127_000012_instances::Migration),
            Box::new(m20261127_000013_queued_indexes::Migration),
            Box::new(m20261127_000014_queue_order_indexes::Migration),
            Box::new(m20261207_000015_drop_status_index::Migration),
            Box::new(m20261207_000016_staff_version::Migration),
            Box::new(m20261207_000017_events_by_seq::Migration),
        ]
    }
}
