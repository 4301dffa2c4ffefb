//! Group commit for the windows' operations (call, recall, start, finish, no-show, transfer,
//! restore) and for bookings. Each operation of a hall queues up to one writer task, which runs
//! every operation waiting at that moment (up to `MAX_BATCH`) one after another in one
//! `HallWrite`: one hall lock, one commit, one fsync for the lot, instead of one of each per
//! operation. When eight windows call at once, or a week's slots open to a rush of bookings,
//! this is what keeps them from waiting on each other's fsync (issue 19).
//!
//! An operation runs against the transaction as it stands after the operations before it, so
//! the rules see what those wrote (a ticket called by one window is no longer queued for the
//! next). The batch reads its windows and queue heads once for all its operations and writes
//! the tickets they change in one statement at commit (`window_batch.rs`). An operation
//! refused by a rule writes nothing, and the others go ahead. A database error, or a refusal
//! after the operation had already written, rolls the whole batch back and every operation in
//! it is answered with that error; nothing of it is published.
//!
//! The writers run on a thread of their own (`writer_runtime`), not on the HTTP worker that
//! happened to start them, so a writer the database has answered runs at once instead of
//! waiting behind that worker's requests. On SQLite a batch without a booking in it runs its
//! statements there itself, on the writers' direct connection (`HallWrite::begin_direct`).
use super::hall_write::{HallWrite, WriteParts};
use crate::domain::ids::{HallId, WindowId};
use crate::error::{AppError, AppResult, ErrorCode, ErrorKind};
use crate::persistence::halls::HallConfig;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

const MAX_BATCH: usize = 64;
const QUEUE: usize = 4096;

/// An operation that waited longer than this for the writer (the database was down) is
/// answered 503 and never run: its client has most likely given up.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The answer to a request that waited past `DEADLINE`.
pub fn deadline_passed(message: &str) -> AppError {
    AppError::new(ErrorKind::Unavailable, ErrorCode::DeadlinePassed, message)
}

/// One queued operation, its result type erased so that operations of any kind share a batch.
trait Job: Send {
    /// Runs the operation in the batch's write; the answer is sent once the batch's fate is known.
    fn run<'a>(self: Box<Self>, write: &'a mut HallWrite) -> BoxFuture<'a, Ran>;
    /// Answers without running (the deadline passed, the batch could not begin).
    fn refuse(self: Box<Self>, error: AppError);
}

/// An operation that has run: its error, if any, and how to answer it once the batch has
/// committed (`None`) or failed (`Some`).
struct Ran {
    error: Option<AppError>,
    answer: Box<dyn FnOnce(Option<AppError>) + Send>,
}

impl Ran {
    /// A job that could not run because the batch failed before it.
    fn failed(job: Box<dyn Job>, error: AppError) -> Ran {
        let answer_with = error.clone();
        let mut job = Some(job);
        Ran {
            error: Some(error),
            answer: Box::new(move |_| {
                if let Some(job) = job.take() {
                    job.refuse(answer_with);
                }
            }),
        }
    }
}

/// The batch's windows and calls, read in one statement before its operations run.
async fn read_windows(write: &mut HallWrite, touches: &[Touches]) -> AppResult<()> {
    let mut windows = Vec::new();
    let mut calling = Vec::new();
    for touches in touches {
        let window = match touches {
            Touches::Window(window) => *window,
            Touches::Calling(window) => {
                calling.push(*window);
                *window
            }
            Touches::Other => continue,
        };
        if !windows.contains(&window) {
            windows.push(window);
        }
    }
    write.read_windows(&windows, calling).await
}

struct Task<F, T> {
    op: F,
    reply: oneshot::Sender<AppResult<T>>,
}

impl<F, T> Job for Task<F, T>
where
    F: for<'a> FnOnce(&'a mut HallWrite) -> BoxFuture<'a, AppResult<T>> + Send + 'static,
    T: Send + 'static,
{
    fn run<'a>(self: Box<Self>, write: &'a mut HallWrite) -> BoxFuture<'a, Ran> {
        let Task { op, reply } = *self;
        Box::pin(async move {
            let result = op(write).await;
            let error = result.as_ref().err().cloned();
            let answer = Box::new(move |failed: Option<AppError>| {
                let _ = reply.send(match failed {
                    Some(error) => Err(error),
                    None => result,
                });
            });
            Ran { error, answer }
        })
    }

    fn refuse(self: Box<Self>, error: AppError) {
        let _ = self.reply.send(Err(error));
    }
}

/// One writer task per hall, started on the hall's first request, fed by a bounded queue.
/// Shared by the windows' operations here and by issuing (`issuer.rs`).
pub struct PerHall<T> {
    writers: Mutex<HashMap<HallId, mpsc::Sender<T>>>,
}

impl<T> Default for PerHall<T> {
    fn default() -> Self {
        Self { writers: Mutex::new(HashMap::new()) }
    }
}

impl<T: Send + 'static> PerHall<T> {
    /// The hall's queue; `start` runs its writer the first time.
    pub fn sender<W>(&self, hall: HallId, start: impl FnOnce(mpsc::Receiver<T>) -> W) -> mpsc::Sender<T>
    where
        W: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut writers = self.writers.lock().unwrap_or_else(|p| p.into_inner());
        writers
            .entry(hall)
            .or_insert_with(|| {
                let (sender, receiver) = mpsc::channel(QUEUE);
                writer_runtime().spawn(start(receiver));
                sender
            })
            .clone()
    }
}

/// The runtime the writers run on: a thread of their own, so that a writer woken by the
/// database runs at once instead of waiting behind the HTTP work of the worker that started it.
fn writer_runtime() -> tokio::runtime::Handle {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Handle> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let (handle_tx, handle_rx) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("hallq-writer".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    match runtime {
                        Ok(runtime) => {
                            let _ = handle_tx.send(Some(runtime.handle().clone()));
                            runtime.block_on(std::future::pending::<()>());
                        }
                        Err(_) => {
                            let _ = handle_tx.send(None);
                        }
                    }
                })
                .ok()
                .and_then(|_| handle_rx.recv().ok().flatten())
                .unwrap_or_else(tokio::runtime::Handle::current)
        })
        .clone()
}

/// The next batch: the first request to arrive and every other one waiting at that moment, up
/// to `MAX_BATCH`. `None` once the queue is closed.
pub async fn next_batch<T>(queue: &mut mpsc::Receiver<T>) -> Option<Vec<T>> {
    let first = queue.recv().await?;
    let mut waiting = vec![first];
    while waiting.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(request) => waiting.push(request),
            Err(_) => break,
        }
    }
    Some(waiting)
}

/// What an operation acts on, so that a batch can read it for all its operations at once
/// (`window_batch.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touches {
    /// One window's held ticket (recall, start, finish, no-show, transfer, restore).
    Window(WindowId),
    /// One window calling a ticket from its queues.
    Calling(WindowId),
    /// Anything else (a booking): it reads and writes the database itself.
    Other,
}

type Queued = (Arc<HallConfig>, Touches, Box<dyn Job>, Instant);

pub struct GroupWriter {
    parts: WriteParts,
    writers: PerHall<Queued>,
}

impl GroupWriter {
    pub fn new(parts: WriteParts) -> Self {
        Self { parts, writers: PerHall::default() }
    }

    /// Runs `op` in the hall's next batch and answers once the batch has committed and its
    /// events are published. `op` must return its refusals before it writes anything.
    pub async fn write<T, F>(&self, hall: &Arc<HallConfig>, touches: Touches, op: F) -> AppResult<T>
    where
        F: for<'a> FnOnce(&'a mut HallWrite) -> BoxFuture<'a, AppResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let sender = self.writers.sender(hall.id, |queue| run(self.parts.clone(), queue));
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Task { op, reply });
        sender
            .send((hall.clone(), touches, job, Instant::now()))
            .await
            .map_err(|_| AppError::internal("window operation writer stopped"))?;
        answer.await.map_err(|_| AppError::internal("window operation writer dropped a request"))?
    }
}

async fn run(parts: WriteParts, mut queue: mpsc::Receiver<Queued>) {
    while let Some(waiting) = next_batch(&mut queue).await {
        let mut jobs = Vec::with_capacity(waiting.len());
        let mut hall = None;
        for (config, touches, job, since) in waiting {
            if since.elapsed() > DEADLINE {
                job.refuse(deadline_passed(
                    "the operation could not be written in time and was not done; please try again",
                ));
                continue;
            }
            // The newest configuration in the batch applies to all of it.
            hall = Some(config);
            jobs.push((touches, job));
        }
        let Some(hall) = hall else { continue };
        write_batch(&parts, &hall, jobs).await;
    }
}

#[tracing::instrument(skip_all, fields(hall = %hall.code, batch = jobs.len()))]
async fn write_batch(parts: &WriteParts, hall: &HallConfig, jobs: Vec<(Touches, Box<dyn Job>)>) {
    // An event number for each operation, taken as the batch begins (most write one event),
    // then the windows the operations act on.
    // A batch of window operations only runs the hot statements, so on SQLite it goes through
    // the direct connection; one with a booking in it (which runs any statement) does not.
    let direct = jobs.iter().all(|(touches, _)| *touches != Touches::Other);
    let begun = if direct {
        HallWrite::begin_direct(parts, hall, jobs.len()).await
    } else {
        HallWrite::begin_reserving(parts, hall, jobs.len()).await
    };
    let begun = match begun {
        Ok(mut write) => {
            let touches: Vec<Touches> = jobs.iter().map(|(touches, _)| *touches).collect();
            read_windows(&mut write, &touches).await.map(|()| write)
        }
        Err(error) => Err(error),
    };
    let mut write = match begun {
        Ok(write) => write,
        Err(error) => {
            for (_, job) in jobs {
                job.refuse(error.clone());
            }
            return;
        }
    };
    let mut ran = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter().map(|(touches, job)| (touches == Touches::Other, job));
    let mut failed = None;
    for (other, job) in jobs.by_ref() {
        let written_before = write.emitted();
        let done = match if other { write.settle().await } else { Ok(()) } {
            Ok(()) => job.run(&mut write).await,
            Err(error) => Ran::failed(job, error),
        };
        let fatal = match &done.error {
            Some(error) if error.kind == ErrorKind::Internal || error.kind == ErrorKind::Unavailable => {
                Some(error.clone())
            }
            // A refusal must come before any write; one that came after cannot be undone alone.
            Some(_) if write.emitted() != written_before => {
                Some(AppError::internal("a window operation was refused after it had written"))
            }
            _ => None,
        };
        ran.push(done);
        if fatal.is_some() {
            failed = fatal;
            break;
        }
    }
    let failed = match failed {
        Some(error) => Some(error), // the transaction is dropped: rolled back
        None => write.commit_to(&parts.hub).await.err(),
    };
    if let Some(error) = &failed {
        tracing::warn!(code = %error.code, "a batch of window operations was rolled back");
    }
    for done in ran {
        (done.answer)(failed.clone());
    }
    // Those behind a failure were never run.
    for (_, job) in jobs {
        job.refuse(failed.clone().unwrap_or_else(|| AppError::internal("a window operation was not run")));
    }
}
