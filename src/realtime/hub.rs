//! One task owns every hall's broadcast channel. Writers publish after commit; the hub emits
//! events strictly in `seq` order, holding back any that arrive early and fetching from the
//! event log what never arrives (an event committed by another server instance, or a publisher
//! that is slow to report). Clients therefore see a gap-free sequence.
//!
//! On PostgreSQL, other instances' events are announced by the database (`realtime::listener`,
//! `NOTIFY hallq_events`): a notification says how far a hall's log reaches, and the hub reads
//! what it lacks at once. The slow poll stays as a fallback for a lost notification.
use crate::domain::ids::HallId;
use crate::metrics::Metrics;
use crate::persistence;
use bytestring::ByteString;
use sea_orm::DatabaseConnection;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot};

/// One event as every subscriber receives it.
#[derive(Debug)]
pub struct HubEvent {
    pub seq: i64,
    /// The frame's text, shared: each client's session sends it without a copy of its own.
    pub json: ByteString,
}

/// Per-hall buffer: a client further behind than this gets a fresh snapshot instead.
pub const CHANNEL_CAPACITY: usize = 1024;
/// How long an early event waits for the ones before it before the hub reads the log.
const GAP_PATIENCE: Duration = Duration::from_millis(150);
const TICK: Duration = Duration::from_millis(50);
/// Events read from the log at once; a full page means there may be more.
const LOG_PAGE: u32 = 500;

enum Command {
    /// A commit's events, in order.
    Publish {
        hall: HallId,
        events: Vec<(i64, Arc<str>)>,
    },
    Subscribe {
        hall: HallId,
        reply: oneshot::Sender<Subscription>,
    },
    /// The log of `hall` reaches `seq` (another instance's notification).
    Notified {
        hall: HallId,
        seq: i64,
    },
    /// Notifications may have been missed (the listening connection was lost): read every
    /// followed hall's log.
    Resync,
}

/// What a log read, run beside the loop, hands back.
enum LogAnswer {
    /// The log's last seq of a hall the hub just started following.
    Started { hall: HallId, seq: i64 },
    /// Events after the channel's last seq (empty when the read failed).
    Events { hall: HallId, events: Vec<(i64, String)> },
}

/// A client's place on a hall's channel.
pub struct Subscription {
    pub events: broadcast::Receiver<Arc<HubEvent>>,
    /// The last seq the channel had sent when the client joined (`None` while the hub is still
    /// finding where the hall's log stands): every event after it arrives on `events`, so a
    /// snapshot at this seq or later is complete.
    pub emitted: Option<i64>,
}

#[derive(Clone)]
pub struct Hub {
    commands: mpsc::UnboundedSender<Command>,
}

struct HallChannel {
    sender: broadcast::Sender<Arc<HubEvent>>,
    /// `None` until the log says where this hall stands.
    last_seq: Option<i64>,
    /// Events that came before the ones preceding them, and when the hub learned of each.
    early: BTreeMap<i64, (Arc<str>, Instant)>,
    waiting_since: Option<Instant>,
    last_poll: Instant,
    /// A log read for this hall is under way.
    reading: bool,
    /// The furthest seq the log is known to hold (from notifications), and since when the
    /// hub has known of the oldest event it still lacks.
    known: Option<(i64, Instant)>,
    /// Read the log even without a known gap (after a lost notification connection, or a full page).
    read_again: bool,
}

impl Hub {
    /// Starts the hub task. `poll_every`: how often to read the event log for events written by
    /// other server instances (PostgreSQL deployments); `None` when this process is the only
    /// writer.
    pub fn start(db: DatabaseConnection, poll_every: Option<Duration>, metrics: Arc<Metrics>) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(db, receiver, poll_every, metrics));
        Self { commands }
    }

    /// Another instance committed events of `hall` up to `seq`.
    pub fn notified(&self, hall: HallId, seq: i64) {
        let _ = self.commands.send(Command::Notified { hall, seq });
    }

    /// Reads every followed hall's log: notifications may have been missed.
    pub fn resync(&self) {
        let _ = self.commands.send(Command::Resync);
    }

    /// Hands a commit's events (in order) to the hub, in one message. Never blocks the writer.
    pub fn publish(&self, hall: HallId, events: Vec<(i64, Arc<str>)>) {
        if self.commands.send(Command::Publish { hall, events }).is_err() {
            tracing::warn!(%hall, "hub is gone; events not broadcast");
        }
    }

    pub async fn subscribe(&self, hall: HallId) -> Option<Subscription> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(Command::Subscribe { hall, reply }).ok()?;
        answer.await.ok()
    }
}

/// The hub's loop. It never waits for the database: log reads run as tasks of their own and
/// report back, so one slow query cannot hold up any hall's stream.
async fn run(
    db: DatabaseConnection,
    mut commands: mpsc::UnboundedReceiver<Command>,
    poll_every: Option<Duration>,
    metrics: Arc<Metrics>,
) {
    let mut halls: HashMap<HallId, HallChannel> = HashMap::new();
    let (answers_tx, mut answers) = mpsc::unbounded_channel::<LogAnswer>();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A read is started as soon as it is due (a notification, the end of a read that left a
    // gap), not at the next tick: the tick is only for patience and the fallback poll.
    let read_if_due = |hall: HallId, channel: &mut HallChannel| {
        if let Some(after) = channel.log_read_due(poll_every) {
            spawn_log_read(&db, &answers_tx, hall, after);
        }
    };
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(Command::Publish { hall, events }) => {
                    let channel = channel_for(&db, &answers_tx, &mut halls, hall);
                    for (seq, json) in events {
                        channel.accept(seq, json, &metrics);
                    }
                }
                Some(Command::Subscribe { hall, reply }) => {
                    let channel = channel_for(&db, &answers_tx, &mut halls, hall);
                    let _ = reply.send(Subscription { events: channel.sender.subscribe(), emitted: channel.last_seq });
                }
                Some(Command::Notified { hall, seq }) => {
                    // A hall nobody here follows needs nothing: a client that comes later starts
                    // from a snapshot.
                    if let Some(channel) = halls.get_mut(&hall) {
                        channel.notified(seq);
                        read_if_due(hall, channel);
                    }
                }
                Some(Command::Resync) => {
                    for (hall, channel) in &mut halls {
                        channel.read_again = true;
                        read_if_due(*hall, channel);
                    }
                }
            },
            Some(answer) = answers.recv() => match answer {
                LogAnswer::Started { hall, seq } => {
                    if let Some(channel) = halls.get_mut(&hall) {
                        channel.start_at(seq, &metrics);
                        read_if_due(hall, channel);
                    }
                }
                LogAnswer::Events { hall, events } => {
                    if let Some(channel) = halls.get_mut(&hall) {
                        channel.take_from_log(events, &metrics);
                        read_if_due(hall, channel);
                    }
                }
            },
            _ = tick.tick() => {
                for (hall, channel) in &mut halls {
                    read_if_due(*hall, channel);
                }
            }
        }
    }
}

fn spawn_log_read(db: &DatabaseConnection, answers: &mpsc::UnboundedSender<LogAnswer>, hall: HallId, after: i64) {
    let (db, answers) = (db.clone(), answers.clone());
    tokio::spawn(async move {
        let events = persistence::events::after(&db, hall, after, LOG_PAGE).await.unwrap_or_else(|err| {
            tracing::warn!(%hall, %err, "hub could not read the event log");
            Vec::new()
        });
        let _ = answers.send(LogAnswer::Events { hall, events });
    });
}

fn channel_for<'a>(
    db: &DatabaseConnection,
    answers: &mpsc::UnboundedSender<LogAnswer>,
    halls: &'a mut HashMap<HallId, HallChannel>,
    hall: HallId,
) -> &'a mut HallChannel {
    match halls.entry(hall) {
        Entry::Occupied(entry) => entry.into_mut(),
        Entry::Vacant(entry) => {
            // Start from what the log already holds: nobody can be subscribed to older events.
            let (db, answers) = (db.clone(), answers.clone());
            tokio::spawn(async move {
                let seq = persistence::halls::current_event_seq(&db, hall).await.unwrap_or(0);
                let _ = answers.send(LogAnswer::Started { hall, seq });
            });
            let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
            entry.insert(HallChannel {
                sender,
                last_seq: None,
                early: BTreeMap::new(),
                waiting_since: None,
                last_poll: Instant::now(),
                reading: true,
                known: None,
                read_again: false,
            })
        }
    }
}

impl HallChannel {
    fn accept(&mut self, seq: i64, json: Arc<str>, metrics: &Metrics) {
        if self.last_seq.is_some_and(|last| seq <= last) {
            return;
        }
        self.early.insert(seq, (json, Instant::now()));
        self.drain_in_order(metrics);
    }

    fn notified(&mut self, seq: i64) {
        if self.last_seq.is_some_and(|last| seq <= last) || self.known.is_some_and(|(known, _)| seq <= known) {
            return;
        }
        let since = self.known.map_or_else(Instant::now, |(_, since)| since);
        self.known = Some((seq, since));
    }

    /// The log's position when the hub began following this hall: events up to it are old.
    fn start_at(&mut self, seq: i64, metrics: &Metrics) {
        self.reading = false;
        self.last_seq = Some(seq);
        self.early = self.early.split_off(&(seq + 1));
        self.drain_in_order(metrics);
    }

    fn take_from_log(&mut self, events: Vec<(i64, String)>, metrics: &Metrics) {
        self.reading = false;
        self.read_again = events.len() >= LOG_PAGE as usize;
        // Known since the notification that announced them, or since now (a poll found them).
        let since = self.known.map_or_else(Instant::now, |(_, since)| since);
        for (seq, json) in events {
            self.early.entry(seq).or_insert_with(|| (Arc::from(json), since));
        }
        self.drain_in_order(metrics);
    }

    fn drain_in_order(&mut self, metrics: &Metrics) {
        let Some(mut last) = self.last_seq else { return };
        while let Some((json, since)) = self.early.remove(&(last + 1)) {
            last += 1;
            metrics.hub_delay(since.elapsed());
            // No receivers is fine: the event is in the log for anyone who connects later.
            let _ = self.sender.send(Arc::new(HubEvent { seq: last, json: ByteString::from(&*json) }));
        }
        self.last_seq = Some(last);
        if self.known.is_some_and(|(known, _)| known <= last) {
            self.known = None;
        }
        self.waiting_since = match (self.early.is_empty(), self.waiting_since) {
            (true, _) => None,
            (false, None) => Some(Instant::now()),
            (false, since) => since,
        };
    }

    /// The seq to read the log after, when a read is due and none is under way.
    fn log_read_due(&mut self, poll_every: Option<Duration>) -> Option<i64> {
        let last = self.last_seq?;
        if self.reading {
            return None;
        }
        let notified = self.known.is_some_and(|(known, _)| known > last);
        let stuck = self.waiting_since.is_some_and(|since| since.elapsed() >= GAP_PATIENCE);
        let poll_due =
            poll_every.is_some_and(|every| self.sender.receiver_count() > 0 && self.last_poll.elapsed() >= every);
        if !(notified || self.read_again || stuck || poll_due) {
            return None;
        }
        self.reading = true;
        self.read_again = false;
        self.last_poll = Instant::now();
        Some(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel() -> (HallChannel, broadcast::Receiver<Arc<HubEvent>>) {
        let (sender, receiver) = broadcast::channel(CHANNEL_CAPACITY);
        let channel = HallChannel {
            sender,
            last_seq: None,
            early: BTreeMap::new(),
            waiting_since: None,
            last_poll: Instant::now(),
            reading: true,
            known: None,
            read_again: false,
        };
        (channel, receiver)
    }

    fn received(receiver: &mut broadcast::Receiver<Arc<HubEvent>>) -> Vec<i64> {
        std::iter::from_fn(|| receiver.try_recv().ok().map(|e| e.seq)).collect()
    }

    #[test]
    fn events_wait_until_the_log_says_where_the_hall_stands_then_flow_in_order() {
        let (mut channel, mut receiver) = channel();
        channel.accept(7, Arc::from("seven"), &Metrics::default());
        channel.accept(6, Arc::from("six"), &Metrics::default());
        assert!(received(&mut receiver).is_empty(), "nothing before the start is known");
        channel.start_at(5, &Metrics::default());
        assert_eq!(received(&mut receiver), vec![6, 7]);
        channel.accept(6, Arc::from("again"), &Metrics::default());
        channel.accept(9, Arc::from("nine"), &Metrics::default());
        assert!(received(&mut receiver).is_empty(), "9 waits for 8");
        channel.take_from_log(vec![(8, "eight".into()), (9, "nine".into())], &Metrics::default());
        assert_eq!(received(&mut receiver), vec![8, 9]);
    }

    #[test]
    fn events_the_log_already_held_at_the_start_are_not_sent_again() {
        let (mut channel, mut receiver) = channel();
        channel.accept(3, Arc::from("three"), &Metrics::default());
        channel.start_at(3, &Metrics::default());
        assert!(received(&mut receiver).is_empty());
        assert_eq!(channel.log_read_due(None), None, "no gap, no poll");
    }

    #[test]
    fn one_log_read_at_a_time() {
        let (mut channel, _receiver) = channel();
        channel.start_at(1, &Metrics::default());
        channel.accept(5, Arc::from("five"), &Metrics::default());
        channel.waiting_since = Some(Instant::now() - GAP_PATIENCE);
        assert_eq!(channel.log_read_due(None), Some(1));
        assert_eq!(channel.log_read_due(None), None, "already reading");
        channel.take_from_log(Vec::new(), &Metrics::default());
        assert_eq!(channel.log_read_due(None), Some(1), "the gap is still there");
    }

    #[test]
    fn a_notification_starts_a_read_at_once_and_only_while_the_log_is_ahead() {
        let (mut channel, mut receiver) = channel();
        let metrics = Metrics::default();
        channel.start_at(4, &metrics);
        channel.notified(3);
        assert_eq!(channel.log_read_due(None), None, "already had it");
        channel.notified(6);
        assert_eq!(channel.log_read_due(None), Some(4), "read without waiting for patience or a poll");
        channel.notified(7);
        assert_eq!(channel.log_read_due(None), None, "one read at a time");
        channel.take_from_log(vec![(5, "five".into()), (6, "six".into())], &metrics);
        assert_eq!(received(&mut receiver), vec![5, 6]);
        assert_eq!(channel.log_read_due(None), Some(6), "7 is still known to be there");
        channel.take_from_log(vec![(7, "seven".into())], &metrics);
        assert_eq!(received(&mut receiver), vec![7]);
        assert_eq!(channel.log_read_due(None), None, "caught up");
        channel.accept(8, Arc::from("eight"), &metrics);
        channel.notified(8);
        assert_eq!(channel.log_read_due(None), None, "published here before the notification came");
    }

    #[test]
    fn a_full_page_or_a_resync_reads_again() {
        let (mut channel, _receiver) = channel();
        let metrics = Metrics::default();
        channel.start_at(0, &metrics);
        assert_eq!(channel.log_read_due(None), None);
        channel.read_again = true;
        assert_eq!(channel.log_read_due(None), Some(0));
        let page: Vec<(i64, String)> = (1..=i64::from(LOG_PAGE)).map(|seq| (seq, String::new())).collect();
        channel.take_from_log(page, &metrics);
        assert_eq!(channel.log_read_due(None), Some(i64::from(LOG_PAGE)), "there may be more");
        channel.take_from_log(Vec::new(), &metrics);
        assert_eq!(channel.log_read_due(None), None);
    }
}
