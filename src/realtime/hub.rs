//! One task owns every hall's broadcast channel. Writers publish after commit; the hub emits
//! events strictly in `seq` order, holding back any that arrive early and fetching from the
//! event log what never arrives (an event committed by another server instance, or a publisher
//! that is slow to report). Clients therefore see a gap-free sequence.
use crate::domain::ids::HallId;
use crate::persistence;
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
    pub json: Arc<str>,
}

/// Per-hall buffer: a client further behind than this gets a fresh snapshot instead.
pub const CHANNEL_CAPACITY: usize = 1024;
/// How long an early event waits for the ones before it before the hub reads the log.
const GAP_PATIENCE: Duration = Duration::from_millis(150);
const TICK: Duration = Duration::from_millis(50);

enum Command {
    Publish { hall: HallId, seq: i64, json: Arc<str> },
    Subscribe { hall: HallId, reply: oneshot::Sender<broadcast::Receiver<Arc<HubEvent>>> },
}

#[derive(Clone)]
pub struct Hub {
    commands: mpsc::UnboundedSender<Command>,
}

struct HallChannel {
    sender: broadcast::Sender<Arc<HubEvent>>,
    last_seq: i64,
    early: BTreeMap<i64, Arc<str>>,
    waiting_since: Option<Instant>,
    last_poll: Instant,
}

impl Hub {
    /// Starts the hub task. `poll_every`: how often to read the event log for events written by
    /// other server instances (PostgreSQL deployments); `None` when this process is the only
    /// writer.
    pub fn start(db: DatabaseConnection, poll_every: Option<Duration>) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(db, receiver, poll_every));
        Self { commands }
    }

    /// Hands a committed event to the hub. Never blocks the writer.
    pub fn publish(&self, hall: HallId, seq: i64, json: Arc<str>) {
        if self.commands.send(Command::Publish { hall, seq, json }).is_err() {
            tracing::warn!(%hall, seq, "hub is gone; event not broadcast");
        }
    }

    pub async fn subscribe(&self, hall: HallId) -> Option<broadcast::Receiver<Arc<HubEvent>>> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(Command::Subscribe { hall, reply }).ok()?;
        answer.await.ok()
    }
}

async fn run(db: DatabaseConnection, mut commands: mpsc::UnboundedReceiver<Command>, poll_every: Option<Duration>) {
    let mut halls: HashMap<HallId, HallChannel> = HashMap::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(Command::Publish { hall, seq, json }) => {
                    let channel = channel_for(&db, &mut halls, hall).await;
                    channel.accept(seq, json);
                }
                Some(Command::Subscribe { hall, reply }) => {
                    let channel = channel_for(&db, &mut halls, hall).await;
                    let _ = reply.send(channel.sender.subscribe());
                }
            },
            _ = tick.tick() => {
                for (hall, channel) in &mut halls {
                    if channel.needs_log_read(poll_every) {
                        channel.read_log(&db, *hall).await;
                    }
                }
            }
        }
    }
}

async fn channel_for<'a>(
    db: &DatabaseConnection,
    halls: &'a mut HashMap<HallId, HallChannel>,
    hall: HallId,
) -> &'a mut HallChannel {
    match halls.entry(hall) {
        Entry::Occupied(entry) => entry.into_mut(),
        Entry::Vacant(entry) => {
            // Start from what the log already holds: nobody can be subscribed to older events.
            let last_seq = persistence::halls::current_event_seq(db, hall).await.unwrap_or(0);
            let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
            entry.insert(HallChannel {
                sender,
                last_seq,
                early: BTreeMap::new(),
                waiting_since: None,
                last_poll: Instant::now(),
            })
        }
    }
}

impl HallChannel {
    fn accept(&mut self, seq: i64, json: Arc<str>) {
        if seq <= self.last_seq {
            return;
        }
        self.early.insert(seq, json);
        self.drain_in_order();
    }

    fn drain_in_order(&mut self) {
        while let Some(json) = self.early.remove(&(self.last_seq + 1)) {
            self.last_seq += 1;
            // No receivers is fine: the event is in the log for anyone who connects later.
            let _ = self.sender.send(Arc::new(HubEvent { seq: self.last_seq, json }));
        }
        self.waiting_since = match (self.early.is_empty(), self.waiting_since) {
            (true, _) => None,
            (false, None) => Some(Instant::now()),
            (false, since) => since,
        };
    }

    fn needs_log_read(&self, poll_every: Option<Duration>) -> bool {
        let stuck = self.waiting_since.is_some_and(|since| since.elapsed() >= GAP_PATIENCE);
        let poll_due =
            poll_every.is_some_and(|every| self.sender.receiver_count() > 0 && self.last_poll.elapsed() >= every);
        stuck || poll_due
    }

    async fn read_log(&mut self, db: &DatabaseConnection, hall: HallId) {
        self.last_poll = Instant::now();
        match persistence::events::after(db, hall, self.last_seq, 500).await {
            Ok(events) => {
                for (seq, json) in events {
                    self.early.entry(seq).or_insert_with(|| Arc::from(json));
                }
                self.drain_in_order();
            }
            Err(err) => tracing::warn!(%hall, %err, "hub could not read the event log"),
        }
    }
}
