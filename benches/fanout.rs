//! Websocket fan-out benchmark: N clients follow one hall while a window calls tickets.
//! Reports the delay from each call's HTTP response to its arrival at every client (p50, p99,
//! max), how many deliveries arrived, and the server's resident memory.
//!
//! Run: `cargo bench --bench fanout` (FANOUT_CLIENTS=1000,10000, FANOUT_SLOW=100 and
//! FANOUT_CALLS=20 by default). The server is the real `hallq` binary in its own process, so its
//! memory is its own. Besides the clients measured, FANOUT_SLOW clients follow the hall with a
//! 4 KiB receive buffer and never read: they must not delay anyone else.
#[path = "support/client.rs"]
mod client;

use awc::Client;
use client::{follow, post, stalled, start_hallq, Arrivals};
use serde_json::json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn run(clients: usize, slow: usize, calls: usize) {
    let dir = std::env::temp_dir().join(format!("hallq-fanout-{}-{clients}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    // Every client comes from 127.0.0.1: the per-address cap is lifted for the bench.
    let (mut server, base) = start_hallq(
        &format!("sqlite://{}", dir.join("fanout.db").display()),
        &[("HALLQ_LOG", "warn"), ("HALLQ_WS_MAX_PER_ADDRESS", "1000000"), ("HALLQ_WS_MAX_CONNECTIONS", "100000")],
    );
    let pid = server.id();
    let rss_idle = rss_kib(pid);

    let client = Client::builder()
        .connector(awc::Connector::new().limit(clients + 64))
        .timeout(Duration::from_secs(60))
        .finish();
    let arrivals: Arrivals = Rc::default();
    let connected = Rc::new(RefCell::new(0usize));
    let ws_url = format!("{}/ws/halls/demo", base.replacen("http", "ws", 1));
    for chunk in 0..clients.div_ceil(200) {
        for _ in 0..200.min(clients - chunk * 200) {
            actix_web::rt::spawn(follow(client.clone(), ws_url.clone(), 0, arrivals.clone(), connected.clone()));
        }
        while *connected.borrow() < (chunk + 1) * 200 && *connected.borrow() < clients {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut stalled_clients = Vec::with_capacity(slow);
    for _ in 0..slow {
        stalled_clients.extend(stalled(&base, "/ws/halls/demo").await);
    }
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let rss_connected = rss_kib(pid);

    let login = post(
        &client,
        &format!("{base}/api/v1/auth/login"),
        json!({"username": "window1", "password": "bench-demo"}),
        None,
    )
    .await;
    let token = login["token"].as_str().expect("token").to_owned();
    for _ in 0..calls {
        post(&client, &format!("{base}/api/v1/halls/demo/tickets"), json!({"service": "A"}), None).await;
    }
    let mut responded: HashMap<String, Instant> = HashMap::new();
    for _ in 0..calls {
        let called = post(&client, &format!("{base}/api/v1/windows/1/call-next"), json!({}), Some(&token)).await;
        let number = called["ticket"]["number"].as_str().expect("a ticket").to_owned();
        responded.insert(number, Instant::now());
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
        post(&client, &format!("{base}/api/v1/windows/1/start"), json!({}), Some(&token)).await;
        post(&client, &format!("{base}/api/v1/windows/1/finish"), json!({}), Some(&token)).await;
    }
    // Late is not lost: count once deliveries have stopped arriving (2 s without one, 60 s at
    // most), so a client still working through its backlog is not taken for a lost delivery.
    let (mut seen, mut quiet_since, waited) = (arrivals.borrow().len(), Instant::now(), Instant::now());
    while quiet_since.elapsed() < Duration::from_secs(2) && waited.elapsed() < Duration::from_secs(60) {
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        let now = arrivals.borrow().len();
        if now != seen {
            (seen, quiet_since) = (now, Instant::now());
        }
    }
    eprintln!("{clients} clients: deliveries settled {:.1} s after the last call", waited.elapsed().as_secs_f64());
    let rss_after = rss_kib(pid);

    let mut delays: Vec<Duration> = arrivals
        .borrow()
        .iter()
        .filter_map(|(_, number, at)| responded.get(number).map(|sent| at.saturating_duration_since(*sent)))
        .collect();
    delays.sort();
    let pct = |p: f64| delays.get(((delays.len().max(1) - 1) as f64 * p).round() as usize).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {clients} | {} | {} | {}/{} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        *connected.borrow(),
        stalled_clients.len(),
        delays.len(),
        clients * calls,
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(delays.last().copied().unwrap_or_default()),
        rss_idle as f64 / 1024.0,
        rss_connected as f64 / 1024.0,
        rss_after as f64 / 1024.0,
    );
    drop(stalled_clients);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let clients: Vec<usize> = std::env::var("FANOUT_CLIENTS")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let calls: usize = std::env::var("FANOUT_CALLS").ok().and_then(|n| n.parse().ok()).unwrap_or(20);
    let slow: usize = std::env::var("FANOUT_SLOW").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    actix_web::rt::System::new().block_on(async move {
        println!("\n{calls} calls, 250 ms apart, each followed by start and finish; clients and server on the same machine\n");
        println!("| clients | connected | stalled clients | deliveries | p50 ms | p99 ms | max ms | server RSS idle MiB | connected MiB | after MiB |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
        for n in clients {
            run(n, slow, calls).await;
        }
    });
}
