//! One hall's queues and windows in memory: the same actions the server takes, decided by the
//! same rules (the calling order in `dispatch`, the lifecycle in `lifecycle`, window states in
//! `window`), with a `Clock` and no database. `hallq replay` runs scripts on it, and the
//! peak-day simulator (`domain::simulation`) runs the real rules through it, by window index
//! and ticket id rather than by number, and forgetting closed tickets as it goes.
use super::clock::Clock;
use super::codes::ErrorCode;
use super::dispatch::{self, choose_next, Candidate, TargetWaits, WindowProfile};
use super::hall_config::HallConfig;
use super::ids::{ServiceId, TicketId, WindowId};
use super::lifecycle::{RuleError, Ticket, TransferTo};
use super::numbering::format_number;
use super::settings::QueueRules;
use super::ticket::{Priority, TicketStatus};
use super::window::{WindowAction, WindowState};
use std::collections::HashMap;
use std::sync::Arc;

/// A refusal, with the same code the server's API gives for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal { code, message: message.into() }
}

impl From<RuleError> for Refusal {
    fn from(err: RuleError) -> Self {
        refuse(err.code(), err.to_string())
    }
}

impl From<super::window::WindowRuleError> for Refusal {
    fn from(err: super::window::WindowRuleError) -> Self {
        refuse(err.code(), err.to_string())
    }
}

/// A window's live state in memory.
#[derive(Debug, Clone)]
pub struct MemoryWindow {
    pub id: WindowId,
    pub number: i32,
    pub state: WindowState,
    /// Its services, specialty first.
    pub services: Vec<ServiceId>,
}

/// Where `transfer` sends a ticket, by the names scripts and the API use.
#[derive(Debug, Clone)]
pub enum TransferTarget {
    Service(String),
    Window(i32),
}

pub struct Hall {
    pub config: HallConfig,
    pub windows: Vec<MemoryWindow>,
    pub tickets: Vec<Ticket>,
    clock: Arc<dyn Clock>,
    rules: QueueRules,
    last_seq: HashMap<ServiceId, u32>,
    /// From `config`, which the hall never changes.
    target_waits: TargetWaits,
    next_id: i64,
}

impl Hall {
    /// `defaults` are the server's queue rules; the hall's own settings win where set.
    pub fn new(config: HallConfig, windows: Vec<MemoryWindow>, clock: Arc<dyn Clock>, defaults: QueueRules) -> Self {
        let rules = config.settings.queue_rules(defaults);
        let target_waits = config.target_waits();
        Self { config, windows, tickets: Vec::new(), clock, rules, last_seq: HashMap::new(), target_waits, next_id: 0 }
    }

    fn service_id(&self, code: &str) -> Result<ServiceId, Refusal> {
        self.config.offered_service(code).map(|s| s.id).map_err(|(code, message)| refuse(code, message))
    }

    fn window_index(&self, number: i32) -> Result<usize, Refusal> {
        self.windows
            .iter()
            .position(|w| w.number == number)
            .ok_or_else(|| refuse(ErrorCode::WindowNotFound, format!("there is no window {number}")))
    }

    fn held_by(&self, window: WindowId) -> Option<usize> {
        self.tickets.iter().position(|t| t.window == Some(window) && t.status.is_at_window())
    }

    /// Takes a ticket; returns its number.
    pub fn issue(&mut self, service: &str, priority: Priority) -> Result<String, Refusal> {
        let service = self.service_id(service)?;
        self.issue_for(service, priority);
        Ok(self.tickets.last().map(|t| t.number.clone()).unwrap_or_default())
    }

    /// Takes a ticket for a known service; returns its id.
    pub fn issue_for(&mut self, service: ServiceId, priority: Priority) -> TicketId {
        let seq = self.last_seq.entry(service).or_insert(0);
        *seq += 1;
        let number = format_number(self.config.service_code(service), *seq);
        self.next_id += 1;
        let id = TicketId(self.next_id);
        self.tickets.push(Ticket::issued(id, number, service, priority, self.clock.now()));
        id
    }

    /// Checks a window can call now: open and holding nothing.
    fn ready_to_call(&self, index: usize) -> Result<(), Refusal> {
        let window = &self.windows[index];
        if !window.state.can_call() {
            return Err(refuse(
                ErrorCode::WindowNotOpen,
                format!("window {} is {}; open or resume it first", window.number, window.state.as_str()),
            ));
        }
        if let Some(held) = self.held_by(window.id) {
            return Err(refuse(
                ErrorCode::WindowBusy,
                format!("this window still holds {}", self.tickets[held].number),
            ));
        }
        Ok(())
    }

    /// Calls the ticket the calling order gives this window; `None` when nobody waits for it.
    pub fn call_next(&mut self, number: i32) -> Result<Option<String>, Refusal> {
        let index = self.window_index(number)?;
        let called = self.call_next_at(index)?;
        Ok(called.and_then(|id| self.tickets.iter().find(|t| t.id == id)).map(|t| t.number.clone()))
    }

    /// `call_next` by the window's index in `windows`; returns the id of the ticket called.
    pub fn call_next_at(&mut self, index: usize) -> Result<Option<TicketId>, Refusal> {
        self.ready_to_call(index)?;
        let window = &self.windows[index];
        let profile = WindowProfile { id: window.id, services: window.services.clone() };
        let now = self.clock.now();
        let candidates: Vec<Candidate> = self.queued().map(Ticket::candidate).collect();
        let Some(choice) = choose_next(&profile, &candidates, &self.target_waits, now).map(|c| c.id) else {
            return Ok(None);
        };
        let ticket =
            self.tickets.iter_mut().find(|t| t.id == choice).ok_or_else(|| refuse(ErrorCode::Internal, "vanished"))?;
        ticket.call(profile.id, None, now)?;
        Ok(Some(choice))
    }

    /// Calls one queued ticket by its number.
    pub fn call(&mut self, window_number: i32, ticket_number: &str) -> Result<String, Refusal> {
        let index = self.window_index(window_number)?;
        self.ready_to_call(index)?;
        let profile = WindowProfile { id: self.windows[index].id, services: self.windows[index].services.clone() };
        let now = self.clock.now();
        let ticket = self.by_number_mut(ticket_number)?;
        if !profile.serves(&ticket.candidate()) {
            return Err(refuse(
                ErrorCode::NotServedHere,
                format!("window {window_number} does not serve {ticket_number}"),
            ));
        }
        ticket.call(profile.id, None, now)?;
        Ok(ticket.number.clone())
    }

    fn by_number_mut(&mut self, number: &str) -> Result<&mut Ticket, Refusal> {
        self.tickets
            .iter_mut()
            .find(|t| t.number == number)
            .ok_or_else(|| refuse(ErrorCode::TicketNotFound, format!("no ticket {number} today")))
    }

    /// The ticket a window holds, for the actions on it.
    fn held_mut(&mut self, window_number: i32) -> Result<&mut Ticket, Refusal> {
        let index = self.window_index(window_number)?;
        self.held_mut_at(index)
    }

    fn held_mut_at(&mut self, index: usize) -> Result<&mut Ticket, Refusal> {
        let window_number = self.windows[index].number;
        let held = self.held_by(self.windows[index].id).ok_or_else(|| {
            refuse(ErrorCode::NoTicket, format!("window {window_number} holds no ticket; call one first"))
        })?;
        Ok(&mut self.tickets[held])
    }

    /// `start` by window index.
    pub fn start_at(&mut self, index: usize) -> Result<(), Refusal> {
        let now = self.clock.now();
        self.held_mut_at(index)?.start(now)?;
        Ok(())
    }

    /// `finish` by window index.
    pub fn finish_at(&mut self, index: usize) -> Result<(), Refusal> {
        let now = self.clock.now();
        self.held_mut_at(index)?.finish(now)?;
        Ok(())
    }

    /// `no_show` by window index.
    pub fn no_show_at(&mut self, index: usize) -> Result<(), Refusal> {
        let now = self.clock.now();
        self.held_mut_at(index)?.no_show(now)?;
        Ok(())
    }

    /// `change_window` by window index.
    pub fn change_window_at(&mut self, index: usize, action: WindowAction) -> Result<(), Refusal> {
        let holds = self.held_by(self.windows[index].id).is_some();
        self.windows[index].state = self.windows[index].state.apply(action, holds)?;
        Ok(())
    }

    /// Drops finished, no-show and cancelled tickets, which no rule looks at again except a
    /// restore: a long simulation keeps only the live ones.
    pub fn forget_closed(&mut self) {
        self.tickets.retain(|t| t.status.is_queued() || t.status.is_at_window());
    }

    /// Tickets queued now (waiting or transferred).
    pub fn queued_tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.queued()
    }

    pub fn recall(&mut self, window: i32) -> Result<(), Refusal> {
        let limit = self.rules.recall_limit;
        self.held_mut(window)?.recall(limit)?;
        Ok(())
    }

    pub fn start(&mut self, window: i32) -> Result<(), Refusal> {
        let index = self.window_index(window)?;
        self.start_at(index)
    }

    pub fn finish(&mut self, window: i32) -> Result<(), Refusal> {
        let index = self.window_index(window)?;
        self.finish_at(index)
    }

    pub fn no_show(&mut self, window: i32) -> Result<(), Refusal> {
        let index = self.window_index(window)?;
        self.no_show_at(index)
    }

    pub fn transfer(&mut self, window: i32, target: &TransferTarget, note: Option<String>) -> Result<(), Refusal> {
        let status = self.held_mut(window)?.status;
        // Transferable first, then the target (as the server answers: 409 before 400).
        super::ticket::transition(status, super::ticket::TicketAction::Transfer).map_err(RuleError::from)?;
        let to = match target {
            TransferTarget::Service(code) => TransferTo::Service(self.service_id(code)?),
            TransferTarget::Window(number) => {
                let index = self.windows.iter().position(|w| w.number == *number).ok_or_else(|| {
                    refuse(ErrorCode::UnknownWindow, format!("hall '{}' has no window {number}", self.config.code))
                })?;
                TransferTo::Window(self.windows[index].id)
            }
        };
        self.held_mut(window)?.transfer(to, note)?;
        Ok(())
    }

    /// Puts a no-show back in its queue within the grace period.
    pub fn restore(&mut self, ticket_number: &str) -> Result<(), Refusal> {
        let (grace, now) = (self.rules.no_show_grace, self.clock.now());
        self.by_number_mut(ticket_number)?.restore(grace, now)?;
        Ok(())
    }

    /// The taxpayer gives up a queued ticket.
    pub fn cancel(&mut self, ticket_number: &str) -> Result<(), Refusal> {
        let now = self.clock.now();
        self.by_number_mut(ticket_number)?.cancel(now)?;
        Ok(())
    }

    /// Opens, closes, pauses or resumes a window.
    pub fn change_window(&mut self, number: i32, action: WindowAction) -> Result<(), Refusal> {
        let index = self.window_index(number)?;
        self.change_window_at(index, action)
    }

    /// A window's ordered services, specialty first.
    pub fn set_services(&mut self, number: i32, codes: &[String]) -> Result<(), Refusal> {
        let index = self.window_index(number)?;
        let ids = self.config.ordered_services(codes).map_err(|(code, message)| refuse(code, message))?;
        self.windows[index].services = ids;
        Ok(())
    }

    fn queued(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.iter().filter(|t| t.status.is_queued())
    }

    /// People ahead of a queued ticket (0 for any other), by the one calling order.
    pub fn ahead(&self, ticket_number: &str) -> Option<u32> {
        let ticket = self.tickets.iter().find(|t| t.number == ticket_number)?;
        Some(self.ahead_of_ticket(ticket))
    }

    /// People ahead of a ticket by id (as `ahead`).
    pub fn ahead_of(&self, id: TicketId) -> Option<u32> {
        self.tickets.iter().rev().find(|t| t.id == id).map(|t| self.ahead_of_ticket(t))
    }

    fn ahead_of_ticket(&self, ticket: &Ticket) -> u32 {
        if !ticket.status.is_queued() {
            return 0;
        }
        let queue: Vec<Candidate> = self.queued().map(Ticket::candidate).collect();
        dispatch::ahead(&ticket.candidate(), &queue, &self.target_waits, self.clock.now())
    }

    /// The numbers a window would call, in order, if it called again and again alone.
    pub fn waiting_list(&self, number: i32) -> Result<Vec<String>, Refusal> {
        let window = &self.windows[self.window_index(number)?];
        let profile = WindowProfile { id: window.id, services: window.services.clone() };
        let queue: Vec<Candidate> = self.queued().map(Ticket::candidate).collect();
        let ordered = dispatch::calling_order(&profile, &queue, &self.target_waits, self.clock.now());
        let by_id: HashMap<TicketId, &str> = self.tickets.iter().map(|t| (t.id, t.number.as_str())).collect();
        Ok(ordered.iter().filter_map(|c| by_id.get(&c.id).map(|n| (*n).to_owned())).collect())
    }

    /// The ticket a window holds (called or serving), if any.
    pub fn held(&self, window_number: i32) -> Option<&Ticket> {
        let window = self.windows.iter().find(|w| w.number == window_number)?;
        self.held_by(window.id).map(|index| &self.tickets[index])
    }

    /// Numbers of the tickets in a status, in issue order.
    pub fn numbers_in(&self, status: TicketStatus) -> Vec<String> {
        self.tickets.iter().filter(|t| t.status == status).map(|t| t.number.clone()).collect()
    }
}
