//! Websocket sessions held open: a cap on the whole process (below the open-file limit, so
//! HTTP and the database always have descriptors left) and a cap per client address, and the
//! signal that tells every session the server is going away.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Descriptors kept back for HTTP requests, the database pool, files and logs.
const RESERVED_DESCRIPTORS: u64 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The process holds as many sessions as it may.
    Full,
    /// This address holds as many as one address may.
    AddressFull,
}

#[derive(Debug, Default)]
struct Counts {
    total: u32,
    by_address: HashMap<IpAddr, u32>,
}

pub struct Connections {
    counts: Mutex<Counts>,
    max_total: u32,
    max_per_address: u32,
    going_away: watch::Sender<bool>,
}

/// One open session; dropping it gives its place back.
pub struct Permit {
    connections: Arc<Connections>,
    address: IpAddr,
}

impl Connections {
    pub fn new(max_total: u32, max_per_address: u32) -> Arc<Self> {
        let (going_away, _) = watch::channel(false);
        Arc::new(Self { counts: Mutex::default(), max_total, max_per_address, going_away })
    }

    /// The total cap when none is configured: the open-file limit less a reserve, and a
    /// quarter of it left for everything else on a large limit.
    pub fn default_total(open_files: u64) -> u32 {
        let room = open_files.saturating_sub(RESERVED_DESCRIPTORS.max(open_files / 4));
        u32::try_from(room.max(16)).unwrap_or(u32::MAX)
    }

    pub fn max_total(&self) -> u32 {
        self.max_total
    }

    pub fn try_open(self: &Arc<Self>, address: IpAddr) -> Result<Permit, Refusal> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.total >= self.max_total {
            return Err(Refusal::Full);
        }
        let mine = counts.by_address.entry(address).or_default();
        if *mine >= self.max_per_address {
            return Err(Refusal::AddressFull);
        }
        *mine += 1;
        counts.total += 1;
        Ok(Permit { connections: self.clone(), address })
    }

    pub fn open_now(&self) -> u32 {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).total
    }

    /// Tells every session to close with "going away" (the server is stopping).
    pub fn go_away(&self) {
        self.going_away.send_replace(true);
    }

    pub fn going_away(&self) -> watch::Receiver<bool> {
        self.going_away.subscribe()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = self.connections.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(mine) = counts.by_address.get_mut(&self.address) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                counts.by_address.remove(&self.address);
            }
        }
    }
}

/// Raises the soft open-file limit to the hard limit and returns (before, after).
pub fn raise_open_file_limit() -> Option<(u64, u64)> {
    let (before, _) = rlimit::Resource::NOFILE.get().ok()?;
    let after = rlimit::increase_nofile_limit(u64::MAX).ok()?;
    Some((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn an_address_is_capped_and_gets_its_places_back() {
        let connections = Connections::new(10, 2);
        let first = connections.try_open(address(1)).expect("first");
        let _second = connections.try_open(address(1)).expect("second");
        assert_eq!(connections.try_open(address(1)).err(), Some(Refusal::AddressFull));
        assert!(connections.try_open(address(2)).is_ok(), "another address is unaffected");
        drop(first);
        assert!(connections.try_open(address(1)).is_ok());
    }

    #[test]
    fn the_process_is_capped() {
        let connections = Connections::new(3, 100);
        let held: Vec<_> = (1..=3).map(|i| connections.try_open(address(i)).expect("room")).collect();
        assert_eq!(connections.try_open(address(9)).err(), Some(Refusal::Full));
        assert_eq!(connections.open_now(), 3);
        drop(held);
        assert_eq!(connections.open_now(), 0);
    }

    #[test]
    fn the_default_cap_leaves_room_below_the_open_file_limit() {
        assert_eq!(Connections::default_total(1024), 768);
        assert!(Connections::default_total(1_048_576) < 1_048_576);
        assert_eq!(Connections::default_total(100), 16);
    }
}
