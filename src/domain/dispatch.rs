//! The calling order: the one definition of which queued ticket a window serves first. Dispatch
//! (`choose_next`), the console's waiting list (`calling_order`), the people-ahead counts and
//! through them the wait estimates (`ahead`, `ahead_of_newest`) all use `call_key`; SQL may
//! narrow the candidates (queue heads) but never orders them.
//!
//! The rule (also in `docs/dispatch.md`), among the queued tickets the window may serve — those
//! of its services, plus those transferred to this window by name:
//! 1. **Priority first**: green channel, then appointments, then normal tickets.
//! 2. **No starvation**: within a priority, a ticket that has waited longer than its service's
//!    target wait is taken before any ticket that has not, oldest first, regardless of the
//!    window's specialty order.
//! 3. **Specialty order**: otherwise the window's ordered service list decides (a ticket
//!    transferred to this window by name counts as its first service), oldest first within a
//!    service.
//!
//! 4. **Booked time**: an appointment ticket (a checked-in booking) queues by its booked start,
//!    not its check-in, and ranks as an appointment only from that start; checked in early, it
//!    waits among normal tickets as if taken at its booked time. Never ahead of the green channel.
//!
//! Ties fall to the earlier issue time, then the lower ticket id, so the choice is deterministic.
use super::ids::{ServiceId, TicketId, WindowId};
use super::ticket::Priority;
use chrono::{DateTime, Duration, Utc};
use std::cmp::Reverse;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: TicketId,
    pub service: ServiceId,
    pub priority: Priority,
    /// The original issue time, kept across transfers so nobody is sent to the back.
    pub issued_at: DateTime<Utc>,
    /// Set when the ticket was transferred to one window by name.
    pub target_window: Option<WindowId>,
    /// An appointment ticket's booked start: it queues by this time, and ranks as an
    /// appointment only from then on (before, it waits among normal tickets by this time).
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct WindowProfile {
    pub id: WindowId,
    /// The services this window serves, its specialty first.
    pub services: Vec<ServiceId>,
}

/// The queue a ticket stands in: its service's, or one window's when it was transferred there
/// by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueId {
    Service(ServiceId),
    Window(WindowId),
}

impl Candidate {
    pub fn queue(&self) -> QueueId {
        match self.target_window {
            Some(window) => QueueId::Window(window),
            None => QueueId::Service(self.service),
        }
    }
}

impl WindowProfile {
    /// A window that serves exactly one queue and nothing else: the yardstick for "people ahead".
    pub fn lone(queue: QueueId) -> Self {
        match queue {
            QueueId::Service(service) => Self { id: NO_WINDOW, services: vec![service] },
            QueueId::Window(window) => Self { id: window, services: Vec::new() },
        }
    }

    /// Whether this window may take the ticket at all: one of its services, or sent to it by name.
    pub fn serves(&self, candidate: &Candidate) -> bool {
        self.position_of(candidate).is_some()
    }

    /// Where a candidate falls in this window's order, or `None` if the window may not take it.
    fn position_of(&self, candidate: &Candidate) -> Option<usize> {
        match candidate.target_window {
            Some(window) if window == self.id => Some(0),
            Some(_) => None,
            None => self.services.iter().position(|service| *service == candidate.service).map(|p| p + 1),
        }
    }
}

/// No real window has this id (ids start at 1).
const NO_WINDOW: WindowId = WindowId(0);

/// Target waits per service; a service without one is never overdue.
pub type TargetWaits = HashMap<ServiceId, Duration>;

/// Smaller is called first: priority, then overdue before not, then the window's specialty
/// order (ignored for overdue tickets), then issue time, then id.
pub type CallKey = (Reverse<u8>, Reverse<bool>, usize, DateTime<Utc>, TicketId);

/// Where a candidate stands in this window's calling order now, or `None` if the window may
/// not take it. The one definition of the order.
pub fn call_key(
    window: &WindowProfile,
    candidate: &Candidate,
    targets: &TargetWaits,
    now: DateTime<Utc>,
) -> Option<CallKey> {
    let position = window.position_of(candidate)?;
    let overdue = is_overdue(candidate, targets, now);
    // Overdue tickets ignore the specialty order (rule 2).
    let order = if overdue { 0 } else { position };
    let (rank, since) = standing(candidate, now);
    Some((Reverse(rank), Reverse(overdue), order, since, candidate.id))
}

/// A ticket's priority rank now and the time it queues by. An appointment ticket queues by its
/// booked start and ranks as an appointment from that moment; checked in early, it waits among
/// normal tickets as if it had been taken at its booked time (rule 4).
fn standing(candidate: &Candidate, now: DateTime<Utc>) -> (u8, DateTime<Utc>) {
    match candidate.due_at {
        Some(due) if candidate.priority == Priority::Appointment && due > now => (Priority::Normal.rank(), due),
        Some(due) if candidate.priority == Priority::Appointment => (candidate.priority.rank(), due),
        _ => (candidate.priority.rank(), candidate.issued_at),
    }
}

pub fn is_overdue(candidate: &Candidate, targets: &TargetWaits, now: DateTime<Utc>) -> bool {
    let (_, since) = standing(candidate, now);
    targets.get(&candidate.service).is_some_and(|target| now - since > *target)
}

/// The ticket this window should call now, if any.
pub fn choose_next<'a>(
    window: &WindowProfile,
    candidates: impl IntoIterator<Item = &'a Candidate>,
    targets: &TargetWaits,
    now: DateTime<Utc>,
) -> Option<&'a Candidate> {
    candidates
        .into_iter()
        .filter_map(|candidate| Some((call_key(window, candidate, targets, now)?, candidate)))
        .min_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, candidate)| candidate)
}

/// The tickets this window may take, in the order it would call them if it called again and
/// again with nobody else calling: the console's waiting list.
pub fn calling_order<'a>(
    window: &WindowProfile,
    candidates: impl IntoIterator<Item = &'a Candidate>,
    targets: &TargetWaits,
    now: DateTime<Utc>,
) -> Vec<&'a Candidate> {
    let mut keyed: Vec<_> = candidates
        .into_iter()
        .filter_map(|candidate| Some((call_key(window, candidate, targets, now)?, candidate)))
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, candidate)| candidate).collect()
}

/// People ahead of `ticket`: how many tickets of its own queue a lone window serving exactly
/// that queue would call before it. `queue` may hold other queues' tickets; they are ignored.
pub fn ahead<'a>(
    ticket: &Candidate,
    queue: impl IntoIterator<Item = &'a Candidate>,
    targets: &TargetWaits,
    now: DateTime<Utc>,
) -> u32 {
    let lone = WindowProfile::lone(ticket.queue());
    let Some(own) = call_key(&lone, ticket, targets, now) else { return 0 };
    let before = queue
        .into_iter()
        .filter(|other| other.queue() == ticket.queue() && other.id != ticket.id)
        .filter_map(|other| call_key(&lone, other, targets, now))
        .filter(|key| *key < own)
        .count();
    u32::try_from(before).unwrap_or(u32::MAX)
}

/// People ahead of a ticket just issued into a service queue, from the count of that queue per
/// priority (the ticket itself included): everyone at a higher priority and everyone else at its
/// own. The same answer as `ahead`, since the newest ticket of a priority is neither overdue
/// nor earlier than anyone, without reading the queue. (A booking checked in before its time
/// ranks by priority here, not by its booked time: its own count, and the count of a walk-in
/// taken meanwhile, are approximate until that time.)
pub fn ahead_of_newest(queued: impl IntoIterator<Item = (Priority, u32)>, own: Priority) -> u32 {
    queued
        .into_iter()
        .map(|(priority, count)| match priority.rank().cmp(&own.rank()) {
            std::cmp::Ordering::Greater => count,
            std::cmp::Ordering::Equal => count.saturating_sub(1),
            std::cmp::Ordering::Less => 0,
        })
        .fold(0u32, u32::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: ServiceId = ServiceId(1);
    const B: ServiceId = ServiceId(2);
    const C: ServiceId = ServiceId(3);
    const W1: WindowId = WindowId(1);
    const W2: WindowId = WindowId(2);

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + minute * 60, 0).expect("valid")
    }

    fn ticket(id: i64, service: ServiceId, priority: Priority, minute: i64) -> Candidate {
        Candidate { id: TicketId(id), service, priority, issued_at: at(minute), target_window: None, due_at: None }
    }

    fn window(services: &[ServiceId]) -> WindowProfile {
        WindowProfile { id: W1, services: services.to_vec() }
    }

    fn targets(minutes: i64) -> TargetWaits {
        [A, B, C].into_iter().map(|s| (s, Duration::minutes(minutes))).collect()
    }

    fn chosen(window: &WindowProfile, tickets: &[Candidate], now_minute: i64) -> Option<i64> {
        choose_next(window, tickets, &targets(30), at(now_minute)).map(|c| c.id.0)
    }

    #[test]
    fn an_empty_queue_gives_nothing() {
        assert_eq!(chosen(&window(&[A]), &[], 0), None);
    }

    #[test]
    fn the_specialty_is_served_before_later_services() {
        let tickets = [ticket(1, B, Priority::Normal, 0), ticket(2, A, Priority::Normal, 5)];
        assert_eq!(chosen(&window(&[A, B]), &tickets, 10), Some(2));
        assert_eq!(chosen(&window(&[B, A]), &tickets, 10), Some(1));
    }

    #[test]
    fn oldest_first_within_a_service() {
        let tickets = [ticket(2, A, Priority::Normal, 3), ticket(1, A, Priority::Normal, 1)];
        assert_eq!(chosen(&window(&[A]), &tickets, 5), Some(1));
    }

    #[test]
    fn services_the_window_does_not_serve_are_never_chosen() {
        let tickets = [ticket(1, C, Priority::Green, 0)];
        assert_eq!(chosen(&window(&[A, B]), &tickets, 100), None);
    }

    #[test]
    fn green_channel_goes_first_even_from_a_later_service() {
        let tickets = [ticket(1, A, Priority::Normal, 0), ticket(2, B, Priority::Green, 9)];
        assert_eq!(chosen(&window(&[A, B]), &tickets, 10), Some(2));
    }

    #[test]
    fn an_appointment_waits_for_its_booked_time_then_goes_before_walk_ins_but_never_before_green() {
        // Checked in at minute 0 for a slot starting at minute 30.
        let mut booked = ticket(1, A, Priority::Appointment, 0);
        booked.due_at = Some(at(30));
        let walk_ins = [ticket(2, A, Priority::Normal, 10), ticket(3, A, Priority::Normal, 25)];
        let all = [booked.clone(), walk_ins[0].clone(), walk_ins[1].clone()];
        // Before its time it queues as if taken at minute 30: both walk-ins (10, 25) come first.
        assert_eq!(chosen(&window(&[A]), &all, 20), Some(2));
        assert_eq!(chosen(&window(&[A]), &all[..1].iter().chain(&all[2..]).cloned().collect::<Vec<_>>(), 28), Some(3));
        // From its booked start it goes before every walk-in …
        assert_eq!(chosen(&window(&[A]), &all, 30), Some(1));
        // … but never before the green channel.
        let green = ticket(4, A, Priority::Green, 40);
        assert_eq!(chosen(&window(&[A]), &[booked.clone(), green], 45), Some(4));
        // Overdue is counted from the booked start, not the check-in.
        let targets: TargetWaits = [(A, Duration::minutes(20))].into_iter().collect();
        assert!(!is_overdue(&booked, &targets, at(45)));
        assert!(is_overdue(&booked, &targets, at(51)));
    }

    #[test]
    fn appointments_go_before_normal_but_after_green() {
        let tickets = [
            ticket(1, A, Priority::Normal, 0),
            ticket(2, A, Priority::Appointment, 5),
            ticket(3, A, Priority::Green, 8),
        ];
        assert_eq!(chosen(&window(&[A]), &tickets, 10), Some(3));
        assert_eq!(chosen(&window(&[A]), &tickets[..2], 10), Some(2));
    }

    #[test]
    fn an_overdue_ticket_beats_the_specialty_order() {
        // B ticket issued at 0 is 31 minutes old at 31 > target 30; the A ticket is fresh.
        let tickets = [ticket(1, B, Priority::Normal, 0), ticket(2, A, Priority::Normal, 20)];
        assert_eq!(chosen(&window(&[A, B]), &tickets, 29), Some(2), "not yet overdue");
        assert_eq!(chosen(&window(&[A, B]), &tickets, 31), Some(1), "overdue");
    }

    #[test]
    fn among_overdue_tickets_the_oldest_goes_first() {
        let tickets = [ticket(1, A, Priority::Normal, 5), ticket(2, B, Priority::Normal, 0)];
        assert_eq!(chosen(&window(&[A, B]), &tickets, 100), Some(2));
    }

    #[test]
    fn overdue_normal_tickets_still_wait_for_the_green_channel() {
        let tickets = [ticket(1, A, Priority::Normal, 0), ticket(2, B, Priority::Green, 99)];
        assert_eq!(chosen(&window(&[A, B]), &tickets, 100), Some(2));
    }

    #[test]
    fn a_ticket_transferred_to_a_window_goes_only_to_that_window_and_first() {
        let mut transferred = ticket(1, C, Priority::Normal, 5);
        transferred.target_window = Some(W1);
        let tickets = [ticket(2, A, Priority::Normal, 0), transferred];
        assert_eq!(chosen(&window(&[A]), &tickets, 6), Some(1));
        let other = WindowProfile { id: W2, services: vec![A, C] };
        assert_eq!(chosen(&other, &tickets, 6), Some(2));
    }

    fn arb_ticket() -> impl Strategy<Value = Candidate> {
        (
            1i64..10_000,
            1i32..4,
            0u8..3,
            0i64..120,
            prop::option::weighted(0.1, 1i32..3),
            prop::option::weighted(0.5, 0i64..180),
        )
            .prop_map(|(id, service, priority, minute, target, booked)| {
                let priority = [Priority::Normal, Priority::Appointment, Priority::Green][priority as usize];
                Candidate {
                    id: TicketId(id),
                    service: ServiceId(service),
                    priority,
                    issued_at: at(minute),
                    target_window: target.map(WindowId),
                    // Checked-in bookings carry their booked start.
                    due_at: booked.filter(|_| priority == Priority::Appointment).map(at),
                }
            })
    }

    fn arb_window() -> impl Strategy<Value = WindowProfile> {
        Just(vec![A, B, C]).prop_shuffle().prop_flat_map(|services| {
            (1usize..=3).prop_map(move |n| WindowProfile { id: W1, services: services[..n].to_vec() })
        })
    }

    proptest! {
        #[test]
        fn the_choice_is_eligible_and_no_eligible_ticket_has_higher_priority(
            window in arb_window(),
            tickets in prop::collection::vec(arb_ticket(), 0..40),
            now in 0i64..200,
        ) {
            let eligible: Vec<_> = tickets.iter().filter(|t| window.position_of(t).is_some()).collect();
            match choose_next(&window, &tickets, &targets(30), at(now)) {
                None => prop_assert!(eligible.is_empty()),
                Some(choice) => {
                    prop_assert!(window.position_of(choice).is_some());
                    // The rank a ticket has now (a booking before its time ranks as normal).
                    let rank = |t: &Candidate| standing(t, at(now)).0;
                    let best = eligible.iter().map(|t| rank(t)).max().unwrap_or(0);
                    prop_assert_eq!(rank(choice), best);
                    let overdue_exists = eligible.iter().any(|t| rank(t) == best && is_overdue(t, &targets(30), at(now)));
                    prop_assert_eq!(is_overdue(choice, &targets(30), at(now)), overdue_exists);
                }
            }
        }

        #[test]
        fn the_choice_does_not_depend_on_the_order_rows_arrive_in(
            window in arb_window(),
            tickets in prop::collection::vec(arb_ticket(), 0..30),
            now in 0i64..200,
        ) {
            let mut reversed = tickets.clone();
            reversed.reverse();
            let first = choose_next(&window, &tickets, &targets(30), at(now)).map(|c| (c.id, c.issued_at));
            let second = choose_next(&window, &reversed, &targets(30), at(now)).map(|c| (c.id, c.issued_at));
            prop_assert_eq!(first, second);
        }

        #[test]
        fn people_ahead_is_what_a_lone_window_serving_that_queue_calls_first(
            tickets in prop::collection::vec(arb_ticket(), 1..40),
            now in 0i64..200,
        ) {
            let queue: Vec<Candidate> = tickets.iter().enumerate()
                .map(|(i, t)| Candidate { id: TicketId(i as i64), ..t.clone() }).collect();
            for ticket in &queue {
                // A lone window serving exactly this ticket's queue calls until it reaches it.
                let lone = WindowProfile::lone(ticket.queue());
                let mut left: Vec<Candidate> = queue.clone();
                let mut before = 0u32;
                while let Some(next) = choose_next(&lone, &left, &targets(30), at(now)).map(|c| c.id) {
                    if next == ticket.id { break; }
                    before += 1;
                    left.retain(|t| t.id != next);
                }
                prop_assert_eq!(ahead(ticket, &queue, &targets(30), at(now)), before);
            }
        }

        #[test]
        fn the_waiting_list_is_the_order_calls_would_come_in(
            window in arb_window(),
            tickets in prop::collection::vec(arb_ticket(), 0..40),
            now in 0i64..200,
        ) {
            let queue: Vec<Candidate> = tickets.iter().enumerate()
                .map(|(i, t)| Candidate { id: TicketId(i as i64), ..t.clone() }).collect();
            let listed: Vec<TicketId> = calling_order(&window, &queue, &targets(30), at(now)).iter().map(|c| c.id).collect();
            let mut left = queue.clone();
            let mut called = Vec::new();
            while let Some(next) = choose_next(&window, &left, &targets(30), at(now)).map(|c| c.id) {
                called.push(next);
                left.retain(|t| t.id != next);
            }
            prop_assert_eq!(listed, called);
        }

        #[test]
        fn the_counter_arithmetic_agrees_with_the_calling_order_for_a_new_ticket(
            tickets in prop::collection::vec(arb_ticket(), 0..40),
            priority in 0u8..3,
            now in 120i64..200,
        ) {
            // Everyone already queued in service A, then a new ticket issued now. The counts
            // go by priority, so they hold for bookings whose time has come (an appointment
            // checked in early is counted ahead until its time: a small overestimate).
            let mut queue: Vec<Candidate> = tickets.iter().enumerate()
                .map(|(i, t)| Candidate {
                    id: TicketId(i as i64),
                    service: A,
                    target_window: None,
                    due_at: t.due_at.map(|due| due.min(at(now))),
                    ..t.clone()
                }).collect();
            let newest = Candidate {
                id: TicketId(10_000),
                service: A,
                priority: [Priority::Normal, Priority::Appointment, Priority::Green][priority as usize],
                issued_at: at(now),
                target_window: None,
                due_at: None,
            };
            queue.push(newest.clone());
            let counts = [Priority::Normal, Priority::Appointment, Priority::Green]
                .map(|p| (p, queue.iter().filter(|t| t.priority == p).count() as u32));
            prop_assert_eq!(ahead_of_newest(counts, newest.priority), ahead(&newest, &queue, &targets(30), at(now)));
        }

        #[test]
        fn calling_repeatedly_serves_every_eligible_ticket_exactly_once(
            window in arb_window(),
            tickets in prop::collection::vec(arb_ticket(), 0..30),
        ) {
            let mut queue: Vec<Candidate> = tickets.iter().enumerate()
                .map(|(i, t)| Candidate { id: TicketId(i as i64), ..t.clone() }).collect();
            let eligible = queue.iter().filter(|t| window.position_of(t).is_some()).count();
            let mut served = std::collections::HashSet::new();
            while let Some(next) = choose_next(&window, &queue, &targets(30), at(60)).map(|c| c.id) {
                prop_assert!(served.insert(next));
                queue.retain(|t| t.id != next);
            }
            prop_assert_eq!(served.len(), eligible);
        }
    }
}
