//! What a batch of window operations has read and changed but not yet written (issue 19).
//!
//! Under the hall lock nothing but the batch changes the hall's windows and tickets, so a batch
//! reads its windows with the tickets they hold, and the heads of their queues, once for all its
//! operations; keeps them current as its operations change tickets; and writes every changed
//! ticket in one statement as it commits. Each of those was a round trip per operation before,
//! and on SQLite a round trip to the connection's thread costs far more than the statement.
//! Before anything reads tickets from the database in the middle of a batch (calling a number,
//! restoring a no-show, an operation of another kind), what is staged is written first, so
//! every read sees every change before it.
use super::hall_write::HallWrite;
use crate::domain::ids::{HallId, ServiceId, WindowId};
use crate::error::{AppError, AppResult};
use crate::persistence::tickets::TicketRow;
use crate::persistence::windows::WindowRow;
use chrono::NaiveDate;
use std::collections::HashMap;

#[derive(Default)]
pub struct WindowBatch {
    /// Windows as they stand in this write, each with the ticket it holds now.
    windows: HashMap<WindowId, (WindowRow, Option<TicketRow>)>,
    /// The windows that will call in this batch, and how many calls (how deep to read heads).
    calling: Vec<WindowId>,
    calls: usize,
    heads: Option<Heads>,
    /// Each changed ticket once: as stored, and as it is now.
    changed: Vec<(TicketRow, TicketRow)>,
}

/// The queue heads read for the batch's calling windows (`queue::queue_heads_for`).
struct Heads {
    day: NaiveDate,
    windows: Vec<WindowId>,
    services: Vec<ServiceId>,
    /// Still queued, in no particular order (dispatch orders them).
    rows: Vec<TicketRow>,
    /// Read this deep; once this many have been taken a branch may have run dry, so the heads
    /// are read again.
    depth: usize,
    taken: usize,
}

impl HallWrite {
    /// Reads, in one statement, the windows a batch's operations will act on; `calling` are
    /// those that will call (one entry per call).
    pub(crate) async fn read_windows(&mut self, windows: &[WindowId], calling: Vec<WindowId>) -> AppResult<()> {
        self.flush().await?;
        for (window, held) in self.tx().find_with_held(windows).await? {
            self.batch.windows.insert(window.id, (window, held));
        }
        self.batch.calls = calling.len();
        self.batch.calling = calling;
        Ok(())
    }

    /// A window as it stands in this write, and the ticket it holds.
    pub(crate) async fn window(&mut self, id: WindowId) -> AppResult<Option<(WindowRow, Option<TicketRow>)>> {
        if let Some(found) = self.batch.windows.get(&id) {
            return Ok(Some(found.clone()));
        }
        self.flush().await?;
        let Some(found) = self.tx().find_with_held(&[id]).await?.pop() else {
            return Ok(None);
        };
        self.batch.windows.insert(id, found.clone());
        Ok(Some(found))
    }

    /// The queued tickets dispatch may choose from for `window` (see `queue::queue_heads_for`):
    /// read for every calling window of the batch at once, then kept current.
    pub(crate) async fn queue_heads(
        &mut self,
        hall: HallId,
        day: NaiveDate,
        window: &WindowRow,
    ) -> AppResult<Vec<TicketRow>> {
        let covered = self.batch.heads.as_ref().is_some_and(|heads| {
            heads.day == day
                && heads.windows.contains(&window.id)
                && window.services.iter().all(|service| heads.services.contains(service))
        });
        if !covered {
            self.flush().await?;
            let mut windows = vec![window.id];
            let mut services = window.services.clone();
            for id in &self.batch.calling {
                if windows.contains(id) {
                    continue;
                }
                windows.push(*id);
                if let Some((other, _)) = self.batch.windows.get(id) {
                    services
                        .extend(other.services.iter().filter(|s| !services.contains(s)).copied().collect::<Vec<_>>());
                }
            }
            let depth = self.batch.calls.max(1);
            let rows = self.tx().queue_heads_for(hall, day, &windows, &services, depth).await?;
            self.batch.heads = Some(Heads { day, windows, services, rows, depth, taken: 0 });
        }
        let heads = self.batch.heads.as_ref().map(|heads| heads.rows.as_slice()).unwrap_or_default();
        Ok(heads
            .iter()
            .filter(|t| match t.target_window_id {
                Some(target) => target == window.id,
                None => window.services.contains(&t.service_id),
            })
            .cloned()
            .collect())
    }

    /// Records a change to a ticket, to be written by `flush`, and keeps what the batch read
    /// current with it.
    pub(crate) fn stage(&mut self, before: &TicketRow, after: TicketRow) {
        let batch = &mut self.batch;
        if let Some(heads) = &mut batch.heads {
            if let Some(at) = heads.rows.iter().position(|t| t.id == after.id) {
                heads.rows.swap_remove(at);
                heads.taken += 1;
            }
            // A ticket back in a queue may be a new head; one taken this deep may leave a
            // branch unread.
            if after.status.is_queued() || heads.taken >= heads.depth {
                batch.heads = None;
            }
        }
        for (_, held) in batch.windows.values_mut() {
            if held.as_ref().is_some_and(|t| t.id == after.id) {
                *held = None;
            }
        }
        if let Some(window) = after.window_id.filter(|_| after.status.is_at_window()) {
            if let Some((_, held)) = batch.windows.get_mut(&window) {
                *held = Some(after.clone());
            }
        }
        match batch.changed.iter_mut().find(|(_, now)| now.id == after.id) {
            Some((_, now)) => *now = after,
            None => batch.changed.push((before.clone(), after)),
        }
    }

    /// Writes every staged change, in one statement. A ticket that is no longer as the batch
    /// read it means something wrote it outside the hall lock: an error, and the batch rolls back.
    pub(crate) async fn flush(&mut self) -> AppResult<()> {
        if self.batch.changed.is_empty() {
            return Ok(());
        }
        let changed = std::mem::take(&mut self.batch.changed);
        if !self.tx().update_many(&changed).await? {
            return Err(AppError::internal("a ticket changed under the hall lock"));
        }
        Ok(())
    }

    /// Writes what is staged and forgets what was read: before an operation of another kind,
    /// which reads and writes the database itself.
    pub(crate) async fn settle(&mut self) -> AppResult<()> {
        self.flush().await?;
        self.batch.windows.clear();
        self.batch.heads = None;
        Ok(())
    }
}
