//! Scheduled work that runs inside the server. On PostgreSQL several instances share one
//! database, and each job's run happens on one of them only: `once_across_instances` takes a
//! PostgreSQL advisory lock for the run. The lock lives in a transaction on one connection, so an
//! instance that dies mid-run releases it with its connection, and the next tick on another
//! instance takes over.
pub mod floor_watch;
pub mod housekeeping;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use std::future::Future;

/// The advisory-lock key of each job ("hq" and a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Housekeeping = 0x6871_0001,
    FloorWatch = 0x6871_0002,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Self::Housekeeping => "housekeeping",
            Self::FloorWatch => "floor_watch",
        }
    }
}

/// One scheduled turn of a job: run once across instances, counted for `/metrics`, and a
/// failure logged (the next turn tries again).
pub async fn take_turn<T, F>(state: &crate::state::Core, job: Job, work: F)
where
    F: Future<Output = crate::error::AppResult<T>>,
{
    use crate::metrics::JobOutcome;
    let outcome = match once_across_instances(&state.db, job, work).await {
        Ok(Turn::Ran(_)) => JobOutcome::Ran,
        Ok(Turn::Skipped) => JobOutcome::Skipped,
        Err(err) => {
            tracing::warn!(?err, job = job.name(), "a scheduled job failed; will try again");
            JobOutcome::Failed
        }
    };
    state.metrics.job(job.name(), outcome);
}

/// Whether this instance ran the job this time.
#[derive(Debug, PartialEq, Eq)]
pub enum Turn<T> {
    Ran(T),
    /// Another instance is running it now.
    Skipped,
}

/// Runs `work` unless another instance runs the same job at this moment (PostgreSQL); on
/// SQLite (one instance per file) it always runs.
pub async fn once_across_instances<T, E, F>(db: &DatabaseConnection, job: Job, work: F) -> Result<Turn<T>, E>
where
    F: Future<Output = Result<T, E>>,
    E: From<DbErr>,
{
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return work.await.map(Turn::Ran);
    }
    let lock = db.begin().await?;
    let sql = format!("SELECT pg_try_advisory_xact_lock({})", job as i64);
    let taken: bool = lock
        .query_one_raw(sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql))
        .await?
        .map(|row| row.try_get_by_index(0))
        .transpose()?
        .unwrap_or(false);
    if !taken {
        lock.rollback().await?;
        return Ok(Turn::Skipped);
    }
    let result = work.await;
    // Ending the transaction releases the lock, whatever the run's outcome.
    let _ = lock.rollback().await;
    result.map(Turn::Ran)
}
