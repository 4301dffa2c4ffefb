//! Group commit for ticket issuance. Requests for a hall queue up to one writer task, which
//! writes every request waiting at that moment (up to `MAX_BATCH`) in one transaction: one
//! lock, one commit, one fsync for the lot. At a kiosk rush this is what keeps issuing fast;
//! when requests come one at a time a batch is simply one ticket. On SQLite the batch runs on
//! the writers' direct connection (`HallWrite::begin_direct`, `persistence::direct`).
use super::group_write::{next_batch, PerHall};
use super::hall_write::{HallWrite, WriteParts};
use super::views::public_ticket;
use crate::domain::events::{EventBody, EventKind};
use crate::domain::ids::{ServiceId, TicketId, UserId};
use crate::domain::numbering::{business_date, format_number};
use crate::domain::schedule::OpenStatus;
use crate::domain::ticket::{Channel, Priority};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::tickets::{NewTicket, TicketRow};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

pub struct IssueJob {
    pub service: ServiceId,
    pub priority: Priority,
    pub channel: Channel,
    pub actor: Option<UserId>,
    /// For remote tickets: the phone number (when the hall requires one) and the phone's id.
    pub phone: Option<String>,
    pub client_id: Option<String>,
    /// A checked-in booking's booked start.
    pub booked_for: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the closing-time cutoff applies (`tickets::cutoff_refusal`).
    pub cutoff: bool,
    /// The estimate's inputs (mean handling, open windows), read before the write: the estimate
    /// given is stored with the ticket.
    pub estimate: Option<(chrono::Duration, u32)>,
}

/// What issuing produced: the stored ticket and the people ahead of it at that moment.
pub type Issued = (TicketRow, u32);

/// A job with the hall's configuration as the request saw it (the cache keeps it fresh; the
/// writer task lives for the whole run, so it must not keep a copy of its own).
type Request = (Arc<HallConfig>, IssueJob, oneshot::Sender<AppResult<Issued>>, std::time::Instant);

/// A request that waited longer than this for the writer (the database was down) is answered
/// 503 and never written: its client has most likely given up, and a ticket written now would
/// be one that nobody holds.
pub use super::group_write::DEADLINE;

pub struct Issuer {
    parts: WriteParts,
    writers: PerHall<Request>,
}

impl Issuer {
    pub fn new(parts: WriteParts) -> Self {
        Self { parts, writers: PerHall::default() }
    }

    pub async fn issue(&self, hall: &Arc<HallConfig>, job: IssueJob) -> AppResult<Issued> {
        let sender = self.writers.sender(hall.id, |requests| run(self.parts.clone(), requests));
        let (reply, answer) = oneshot::channel();
        sender
            .send((hall.clone(), job, reply, std::time::Instant::now()))
            .await
            .map_err(|_| AppError::internal("ticket writer stopped"))?;
        answer.await.map_err(|_| AppError::internal("ticket writer dropped a request"))?
    }
}

async fn run(parts: WriteParts, mut requests: mpsc::Receiver<Request>) {
    while let Some(waiting) = next_batch(&mut requests).await {
        let mut batch = Vec::with_capacity(waiting.len());
        for (hall, job, reply, since) in waiting {
            if since.elapsed() > DEADLINE || reply.is_closed() {
                let _ = reply.send(Err(super::group_write::deadline_passed(
                    "the ticket could not be written in time and was not issued; please try again",
                )));
                continue;
            }
            batch.push((hall, job, reply));
        }
        // The newest configuration in the batch applies to all of it.
        let Some(hall) = batch.last().map(|(hall, _, _)| hall.clone()) else { continue };
        let jobs: Vec<&IssueJob> = batch.iter().map(|(_, job, _)| job).collect();
        match write_batch(&parts, &hall, &jobs).await {
            Ok(issued) => {
                for ((_, _, reply), result) in batch.into_iter().zip(issued) {
                    let _ = reply.send(result);
                }
            }
            Err(err) => {
                for (_, _, reply) in batch {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }
}

#[tracing::instrument(skip_all, fields(hall = %hall.code, batch = jobs.len()))]
/// Writes a batch; the outer error fails every request (the hall is closed, the database
/// failed), an inner one only that request (a rule about remote tickets).
async fn write_batch(parts: &WriteParts, hall: &HallConfig, jobs: &[&IssueJob]) -> AppResult<Vec<AppResult<Issued>>> {
    // A sequence number for each ticket's event, taken as the write begins.
    let mut write = HallWrite::begin_direct(parts, hall, jobs.len()).await?;
    let now = write.now;
    if let OpenStatus::Closed { next_opening } = hall.schedule.status_at(now, hall.timezone) {
        let next = next_opening.map(|at| at.with_timezone(&hall.timezone).to_rfc3339());
        let message = match &next {
            Some(at) => format!("the hall is closed now; it opens again at {at}"),
            None => "the hall is closed and has no opening hours set".to_owned(),
        };
        return Err(AppError::conflict(ErrorCode::HallClosed, message).with_detail("next_opening", next));
    }
    let day = business_date(now, hall.timezone);
    // What a batch shares is read and written once per batch, not per ticket: the numbers of
    // each service (taken as a block), its queue as it stands, the queue counters and the event
    // sequence (see BENCHMARKS.md, issue 19).
    let mut queues: HashMap<ServiceId, ServiceInBatch> = HashMap::new();
    let mut issued: Vec<Option<AppResult<Issued>>> = jobs.iter().map(|_| None).collect();
    // Tickets decided and not yet written: written together, in one statement each for the
    // rows and their events, at the end or before a phone's request is checked (its rules read
    // the tickets written so far).
    let mut pending: Vec<Pending> = Vec::new();
    let mut remote_queued = None;
    for (index, job) in jobs.iter().enumerate() {
        if job.channel == Channel::Mobile {
            write_pending(&mut write, hall, jobs, day, &mut pending, &mut issued).await?;
            // Checked under the hall lock, so two requests at once cannot both pass.
            let queued = match remote_queued {
                Some(n) => n,
                None => write.tx().queued_remote(hall.id, day).await?,
            };
            if let Err(refusal) = remote_rules(&write, hall, job, day, queued).await? {
                issued[index] = Some(Err(refusal));
                continue;
            }
            remote_queued = Some(queued);
        }
        let queue = match queues.entry(job.service) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                // Numbers for every request of this service left in the batch; those of requests
                // refused later are given back below.
                let wanted = jobs[index..].iter().filter(|j| j.service == job.service).count();
                let wanted = i32::try_from(wanted).unwrap_or(i32::MAX);
                let last = write.tx().take_seqs(hall.id, job.service, day, wanted).await?;
                let key = TicketRow::issued(TicketId(0), &new_ticket(hall, job, day, 0, "", "", now));
                let queue = write.tx().service_queue(&key).await?;
                entry.insert(ServiceInBatch {
                    next_seq: last - wanted + 1,
                    last_seq: last,
                    queued: queue.by_priority,
                    in_service: queue.in_service,
                    added: HashMap::new(),
                })
            }
        };
        if job.cutoff {
            let inputs = job.estimate.unwrap_or((chrono::Duration::zero(), 0));
            let refusal = hall
                .service(job.service)
                .and_then(|service| super::tickets::cutoff_refusal(hall, service, now, queue.in_service, inputs));
            if let Some(refusal) = refusal {
                issued[index] = Some(Err(refusal));
                continue;
            }
        }
        queue.in_service += 1;
        if job.channel == Channel::Mobile {
            remote_queued = remote_queued.map(|n| n + 1);
        }
        let seq = queue.next_seq;
        queue.next_seq += 1;
        // The queue as it stands, plus this ticket: the people ahead and the estimate are known
        // before the insert, so the estimate given is stored with the ticket.
        match queue.queued.iter_mut().find(|(p, _)| *p == job.priority) {
            Some((_, count)) => *count += 1,
            None => queue.queued.push((job.priority, 1)),
        }
        let ahead = crate::domain::dispatch::ahead_of_newest(queue.queued.clone(), job.priority);
        let estimate = job.estimate.map(|(mean, open)| {
            let minutes =
                if ahead == 0 { 0 } else { crate::domain::estimate::estimated_wait_minutes(ahead, mean, open) };
            i32::try_from(minutes).unwrap_or(i32::MAX)
        });
        *queue.added.entry(job.priority).or_default() += 1;
        pending.push(Pending {
            index,
            seq,
            number: format_number(hall.service_code(job.service), u32::try_from(seq).unwrap_or(0)),
            token: super::tickets::new_ticket_token(now),
            estimate,
            ahead,
        });
    }
    write_pending(&mut write, hall, jobs, day, &mut pending, &mut issued).await?;
    for (service, queue) in queues {
        let unused = queue.last_seq - queue.next_seq + 1;
        if unused > 0 {
            write.tx().return_seqs(hall.id, service, day, unused).await?;
        }
        for (priority, added) in queue.added {
            write.tx().adjust_queued(hall.id, service, day, priority, added).await?;
        }
    }
    write.commit_to(&parts.hub).await?;
    Ok(issued
        .into_iter()
        .map(|result| result.unwrap_or_else(|| Err(AppError::internal("a request was not decided"))))
        .collect())
}

/// A ticket decided in a batch, waiting to be written.
struct Pending {
    /// Its request's place in the batch.
    index: usize,
    seq: i32,
    number: String,
    token: String,
    estimate: Option<i32>,
    ahead: u32,
}

/// Writes the pending tickets and their events, and records each request's answer.
async fn write_pending(
    write: &mut HallWrite,
    hall: &HallConfig,
    jobs: &[&IssueJob],
    day: chrono::NaiveDate,
    pending: &mut Vec<Pending>,
    issued: &mut [Option<AppResult<Issued>>],
) -> AppResult<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let now = write.now;
    let rows: Vec<NewTicket<'_>> = pending
        .iter()
        .map(|p| NewTicket {
            estimated_wait_minutes: p.estimate,
            ..new_ticket(hall, jobs[p.index], day, p.seq, &p.number, &p.token, now)
        })
        .collect();
    let ids = write.tx().insert_rows(&rows).await?;
    let mut events = Vec::with_capacity(rows.len());
    let mut answers = Vec::with_capacity(rows.len());
    for ((new, id), p) in rows.iter().zip(ids).zip(pending.iter()) {
        let row = TicketRow::issued(id, new);
        let body = EventBody::Ticket { ticket: public_ticket(hall, &row), transfer_to: None };
        events.push((EventKind::TicketIssued, body, jobs[p.index].actor));
        answers.push((p.index, row, p.ahead));
    }
    write.emit_many(events).await?;
    for (index, row, ahead) in answers {
        issued[index] = Some(Ok((row, ahead)));
    }
    pending.clear();
    Ok(())
}

/// One service's part of a batch.
struct ServiceInBatch {
    /// The block of numbers taken for the batch: the next to give, and the last.
    next_seq: i32,
    last_seq: i32,
    /// The queue by priority, counting the tickets of this batch written so far.
    queued: Vec<(Priority, u32)>,
    /// Every ticket queued for the service (those sent to a window by name too), counting the
    /// batch's: the cutoff's estimate.
    in_service: u32,
    /// Tickets written per priority, for the queue counters.
    added: HashMap<Priority, i32>,
}

fn new_ticket<'a>(
    hall: &HallConfig,
    job: &'a IssueJob,
    day: chrono::NaiveDate,
    seq: i32,
    number: &'a str,
    token: &'a str,
    now: chrono::DateTime<chrono::Utc>,
) -> NewTicket<'a> {
    NewTicket {
        hall: hall.id,
        service: job.service,
        day,
        seq,
        number,
        priority: job.priority,
        channel: job.channel,
        token,
        issued_at: now,
        phone: job.phone.as_deref(),
        client_id: job.client_id.as_deref(),
        booked_for: job.booked_for,
        estimated_wait_minutes: None,
    }
}

/// The rules for tickets taken by phone: a cap on remote tickets queued in the hall, and one
/// active ticket per service per phone (cookie) or phone number.
async fn remote_rules(
    write: &HallWrite,
    hall: &HallConfig,
    job: &IssueJob,
    day: chrono::NaiveDate,
    remote_queued: u32,
) -> AppResult<Result<(), AppError>> {
    if remote_queued >= hall.settings.remote_cap {
        return Ok(Err(AppError::conflict(
            ErrorCode::RemoteCapReached,
            format!(
                "the hall has {remote_queued} remote tickets waiting, its limit; please take a ticket at the kiosk in the hall"
            ),
        )));
    }
    if job.client_id.is_some() || job.phone.is_some() {
        let existing =
            write.tx().active_remote(hall.id, day, job.service, job.client_id.as_deref(), job.phone.as_deref()).await?;
        if let Some(existing) = existing {
            // Only the phone that took it learns which ticket it is: a typed-in number proves
            // nothing, so it is told no more than that the number already holds one.
            let own_phone = existing.client_id.is_some() && existing.client_id == job.client_id;
            let refusal = if own_phone {
                AppError::conflict(
                    ErrorCode::AlreadyHasTicket,
                    format!("this phone already has ticket {} for this service today", existing.number),
                )
                .with_detail("number", existing.number.clone())
                .with_detail("token", existing.token.clone())
            } else {
                AppError::conflict(
                    ErrorCode::AlreadyHasTicket,
                    "this mobile number already holds a ticket for this service today; the phone that took it can see it",
                )
            };
            return Ok(Err(refusal));
        }
    }
    Ok(Ok(()))
}
