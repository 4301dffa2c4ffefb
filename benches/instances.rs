//! Cross-instance delivery benchmark (issue 18): two `hallq` processes on one PostgreSQL
//! database, websocket clients on both, windows calling on instance 2 while both instances
//! take tickets. Reports the delay from each call's HTTP response to its arrival at the clients
//! of the same instance and of the other one, and, as the baseline of the same run, one
//! instance alone on its own database under the same load.
//!
//! Run: `cargo bench --bench instances` (needs PostgreSQL at 127.0.0.1:5432, user postgres,
//! trust auth; INSTANCES_CALLS=300, INSTANCES_CLIENTS=20 per instance by default).
#[path = "support/client.rs"]
mod client;

use awc::Client;
use client::{follow, post, start_hallq, Arrivals};
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

async fn create_database(name: &str) -> String {
    let admin = Database::connect(ADMIN_URL).await.expect("PostgreSQL at 127.0.0.1:5432");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
    let _ = admin.close().await;
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

async fn drop_database(name: &str) {
    if let Ok(admin) = Database::connect(ADMIN_URL).await {
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        let _ = admin.close().await;
    }
}

/// One run: `instances` servers on a fresh database; returns delays per instance index.
async fn run(instances: usize, calls: usize, clients: usize) -> Vec<Vec<Duration>> {
    let name = format!("hallq_bench_{}_{instances}", std::process::id());
    let url = create_database(&name).await;
    // The first creates the schema and the demo hall; the second starts on it.
    let mut servers = vec![start_hallq(&url, &[])];
    for _ in 1..instances {
        servers.push(start_hallq(&url, &[]));
    }
    let bases: Vec<String> = servers.iter().map(|(_, base)| base.clone()).collect();
    let client = Client::builder()
        .connector(awc::Connector::new().limit(clients * instances + 64))
        .timeout(Duration::from_secs(60))
        .finish();
    let arrivals: Arrivals = Rc::default();
    let connected = Rc::new(RefCell::new(0usize));
    for (i, base) in bases.iter().enumerate() {
        let ws_url = format!("{}/ws/halls/demo", base.replacen("http", "ws", 1));
        for _ in 0..clients {
            actix_web::rt::spawn(follow(client.clone(), ws_url.clone(), i, arrivals.clone(), connected.clone()));
        }
    }
    while *connected.borrow() < clients * instances {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // The calling instance is the last one; the others only take tickets.
    let caller = bases.last().expect("an instance").clone();
    let login = post(
        &client,
        &format!("{caller}/api/v1/auth/login"),
        json!({"username": "window1", "password": "bench-demo"}),
        None,
    )
    .await;
    let token = login["token"].as_str().expect("token").to_owned();
    for i in 0..calls {
        let base = &bases[i % bases.len()];
        post(&client, &format!("{base}/api/v1/halls/demo/tickets"), json!({"service": "A"}), None).await;
    }
    // Background load: every instance takes a ticket every 20 ms, as a busy hall's kiosks do.
    let stop = Rc::new(RefCell::new(false));
    for base in &bases {
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        actix_web::rt::spawn(async move {
            while !*stop.borrow() {
                post(&client, &format!("{base}/api/v1/halls/demo/tickets"), json!({"service": "B"}), None).await;
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
    let mut responded: HashMap<String, Instant> = HashMap::new();
    for _ in 0..calls {
        let called = post(&client, &format!("{caller}/api/v1/windows/1/call-next"), json!({}), Some(&token)).await;
        let Some(number) = called["ticket"]["number"].as_str() else { continue };
        responded.insert(number.to_owned(), Instant::now());
        post(&client, &format!("{caller}/api/v1/windows/1/start"), json!({}), Some(&token)).await;
        post(&client, &format!("{caller}/api/v1/windows/1/finish"), json!({}), Some(&token)).await;
        actix_web::rt::time::sleep(Duration::from_millis(30)).await;
    }
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    *stop.borrow_mut() = true;
    let mut delays = vec![Vec::new(); instances];
    for (instance, number, at) in arrivals.borrow().iter() {
        if let Some(sent) = responded.get(number) {
            delays[*instance].push(at.saturating_duration_since(*sent));
        }
    }
    for (mut server, _) in servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    drop_database(&name).await;
    let expected = responded.len() * clients;
    for (i, d) in delays.iter().enumerate() {
        if d.len() != expected {
            println!("instance {}: {} of {expected} deliveries arrived", i + 1, d.len());
        }
    }
    delays
}

fn row(label: &str, delays: &mut [Duration]) {
    delays.sort();
    let pct = |p: f64| delays.get(((delays.len().max(1) - 1) as f64 * p).round() as usize).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {label} | {} | {:.2} | {:.2} | {:.2} |",
        delays.len(),
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(delays.last().copied().unwrap_or_default())
    );
}

fn main() {
    let calls: usize = std::env::var("INSTANCES_CALLS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let clients: usize = std::env::var("INSTANCES_CLIENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(20);
    actix_web::rt::System::new().block_on(async move {
        println!("\n{calls} calls (call, start, finish, 30 ms apart) on one window while every instance takes a ticket every 20 ms;");
        println!("{clients} websocket clients per instance; delay from the call's HTTP response to its arrival; PostgreSQL 127.0.0.1:5432\n");
        println!("| clients of | deliveries | p50 ms | p99 ms | max ms |");
        println!("|---|---|---|---|---|");
        let mut one = run(1, calls, clients).await;
        row("one instance alone (baseline)", &mut one[0]);
        let mut two = run(2, calls, clients).await;
        row("two instances: the calling instance", &mut two[1]);
        row("two instances: the other instance", &mut two[0]);
    });
}
