//! A write to one hall: one transaction that holds the hall's event sequence, records the
//! events it causes, and publishes them only after the commit succeeds.
use crate::domain::events::{EventBody, EventKind, EventMessage};
use crate::domain::ids::{HallId, UserId};
use crate::error::{AppError, AppResult};
use crate::persistence;
use crate::persistence::direct::DirectWriter;
use crate::persistence::halls::HallConfig;
use crate::persistence::hot::Tx;
use crate::state::Core;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use std::sync::Arc;
use tokio::sync::{OwnedMappedMutexGuard, OwnedMutexGuard};

/// What a write needs from the application: the database, the clock, the SQLite write queue
/// and the hub to publish to.
#[derive(Clone)]
pub struct WriteParts {
    pub db: sea_orm::DatabaseConnection,
    pub clock: Arc<dyn crate::domain::clock::Clock>,
    pub gate: Option<crate::state::WriteGate>,
    pub hub: crate::realtime::hub::Hub,
}

impl WriteParts {
    pub fn of(state: &Core) -> Self {
        Self {
            db: state.db.clone(),
            clock: state.clock.clone(),
            gate: state.write_gate.clone(),
            hub: state.hub.clone(),
        }
    }
}

pub struct HallWrite {
    txn: Txn,
    /// The time of this write, read after the hall lock is held so times follow `seq` order.
    pub now: DateTime<Utc>,
    hall: HallId,
    hall_code: String,
    /// Sequence numbers taken as the write began (which locks the hall row) and not yet used by
    /// an event.
    reserved: std::ops::Range<i64>,
    events: Vec<(i64, Arc<str>)>,
    /// The events' rows, stored in one statement as the write commits rather than one per
    /// operation of a batch (issue 19); nothing reads the log inside a write.
    unstored: Vec<(i64, EventKind, Option<UserId>)>,
    gate: Option<OwnedMutexGuard<crate::state::WriterConnection>>,
    /// What a batch of window operations has read and staged (`window_batch.rs`).
    pub(super) batch: super::window_batch::WindowBatch,
}

/// The transaction a write runs in: sea-orm's, or (the batches of issuing and of the windows'
/// operations, on SQLite) one on the writers' direct connection (`persistence::direct`).
enum Txn {
    Orm(DatabaseTransaction),
    Direct(DirectTx),
}

/// A transaction open on the direct connection, which it holds through the gate; rolled back
/// if dropped before it commits.
struct DirectTx {
    writer: OwnedMappedMutexGuard<crate::state::WriterConnection, DirectWriter>,
    open: bool,
}

impl Txn {
    fn tx(&self) -> Tx<'_> {
        match self {
            Txn::Orm(txn) => Tx::Orm(txn),
            Txn::Direct(direct) => Tx::Direct(&direct.writer),
        }
    }
}

impl Drop for DirectTx {
    fn drop(&mut self) {
        if self.open {
            self.writer.rollback();
        }
    }
}

impl HallWrite {
    pub async fn begin(state: &Core, hall: &HallConfig) -> AppResult<Self> {
        Self::begin_reserving(&WriteParts::of(state), hall, 1).await
    }

    /// Begins with sequence numbers for `n` events taken at once (a batch), so emitting them
    /// costs no further statement. Any left unused are given back at commit.
    pub async fn begin_reserving(parts: &WriteParts, hall: &HallConfig, n: usize) -> AppResult<Self> {
        Self::begin_with(parts, hall, n, false).await
    }

    /// `begin_reserving` for the group writers, which run on the writers' own thread: on SQLite
    /// their write goes through the direct connection (`persistence::direct`), so only the
    /// statements of `persistence::hot` (through `tx`) may run in it.
    pub async fn begin_direct(parts: &WriteParts, hall: &HallConfig, n: usize) -> AppResult<Self> {
        Self::begin_with(parts, hall, n, true).await
    }

    async fn begin_with(parts: &WriteParts, hall: &HallConfig, n: usize, direct: bool) -> AppResult<Self> {
        let mut gate = match &parts.gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let txn = match gate.take() {
            Some(writer) if direct && writer.direct.is_some() => {
                let writer = OwnedMutexGuard::try_map(writer, |w| w.direct.as_mut())
                    .map_err(|_| AppError::internal("the writers' direct connection vanished"))?;
                writer.begin()?;
                Txn::Direct(DirectTx { writer, open: true })
            }
            Some(writer) => {
                writer.unsettled.store(true, std::sync::atomic::Ordering::Relaxed);
                let txn = writer.db.begin().await?;
                gate = Some(writer);
                Txn::Orm(txn)
            }
            None => Txn::Orm(parts.db.begin().await?),
        };
        // Taking the sequence first locks the hall row (PostgreSQL) before anything is read; the
        // time is read after it, so times follow `seq` order.
        let n = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
        let last = txn.tx().take_event_seqs(hall.id, n).await?;
        Ok(Self {
            txn,
            now: parts.clock.now(),
            hall: hall.id,
            hall_code: hall.code.clone(),
            reserved: last - n + 1..last + 1,
            events: Vec::new(),
            unstored: Vec::new(),
            gate,
            batch: Default::default(),
        })
    }

    /// The write's connection, for the statements every batch runs (`persistence::hot`).
    pub fn tx(&self) -> Tx<'_> {
        self.txn.tx()
    }

    /// The write's sea-orm transaction, for everything else. A write begun with `begin_direct`
    /// on SQLite has none: asking for it there is a mistake in the code, reported as such.
    pub fn txn(&self) -> AppResult<&DatabaseTransaction> {
        match &self.txn {
            Txn::Orm(txn) => Ok(txn),
            Txn::Direct(_) => Err(AppError::internal("this statement does not run on the writers' direct connection")),
        }
    }

    pub async fn emit(&mut self, kind: EventKind, body: EventBody, actor: Option<UserId>) -> AppResult<()> {
        self.emit_many(vec![(kind, body, actor)]).await
    }

    /// Records several events, in the order given; their rows are stored as the write commits.
    pub async fn emit_many(&mut self, events: Vec<(EventKind, EventBody, Option<UserId>)>) -> AppResult<()> {
        for (kind, body, actor) in events {
            let seq = match self.reserved.next() {
                Some(seq) => seq,
                None => self.tx().take_event_seqs(self.hall, 1).await?,
            };
            let message = EventMessage { kind, hall: &self.hall_code, seq, at: self.now, body: &body };
            let json = serde_json::to_string(&message).map_err(AppError::internal)?;
            self.events.push((seq, Arc::from(json)));
            self.unstored.push((seq, kind, actor));
        }
        Ok(())
    }

    /// How many events this write has recorded so far.
    pub fn emitted(&self) -> usize {
        self.events.len()
    }

    /// Commits and publishes. A write that emitted nothing changed nothing, so it is rolled
    /// back: committing it would leave a hole in the hall's sequence.
    pub async fn commit(self, state: &Core) -> AppResult<()> {
        self.commit_to(&state.hub).await
    }

    pub async fn commit_to(self, hub: &crate::realtime::hub::Hub) -> AppResult<()> {
        self.commit_then(hub, || {}).await
    }

    /// Commits, runs `committed` (it sees the change made, nobody has heard of it yet), then
    /// publishes: what a screen does on hearing of the change (read the hall's configuration
    /// again, say) then finds the caches `committed` cleared.
    pub async fn commit_then(mut self, hub: &crate::realtime::hub::Hub, committed: impl FnOnce()) -> AppResult<()> {
        self.flush().await?;
        if self.events.is_empty() {
            match self.txn {
                Txn::Orm(txn) => txn.rollback().await?,
                Txn::Direct(mut direct) => {
                    direct.open = false;
                    direct.writer.rollback();
                }
            }
            settled(&self.gate);
            return Ok(());
        }
        let unused = self.reserved.end - self.reserved.start;
        if unused > 0 {
            // Reserved and not used: given back, or the hall's sequence would have a hole.
            self.tx().take_event_seqs(self.hall, -unused).await?;
        }
        let rows: Vec<persistence::events::NewEvent<'_>> = self
            .unstored
            .iter()
            .zip(&self.events)
            .map(|((seq, kind, actor), (_, json))| persistence::events::NewEvent {
                seq: *seq,
                kind: kind.as_str(),
                at: self.now,
                actor: *actor,
                payload: json,
            })
            .collect();
        self.tx().insert_events(self.hall, &rows).await?;
        drop(rows);
        match self.txn {
            Txn::Orm(txn) => txn.commit().await?,
            Txn::Direct(mut direct) => {
                direct.open = false;
                direct.writer.commit()?;
            }
        }
        settled(&self.gate);
        committed();
        hub.publish(self.hall, self.events);
        Ok(())
    }
}

/// SQLite has confirmed the end of the transaction: the writer's connection needs no check.
fn settled(gate: &Option<OwnedMutexGuard<crate::state::WriterConnection>>) {
    if let Some(writer) = gate {
        writer.unsettled.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}
