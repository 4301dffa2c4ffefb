//! Page benchmark: how fast the taxpayer pages answer on a busy day, against `/healthz` on the
//! same server in the same run. The hall holds `BENCH_TICKETS` (default 3000) tickets of today,
//! two thirds still queued, before anything is measured.
//!
//! Run: `cargo bench --bench pages` (optional: BENCH_TICKETS, BENCH_REQUESTS=300). Prints a
//! Markdown table; BENCHMARKS.md records the figures.
use awc::Client;
use hallq::config::Settings;
use hallq::startup::Application;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One client asking `requests` times in a row: what a page load costs one person.
async fn measure(client: &Client, url: &str, requests: usize) -> (Duration, Duration, usize) {
    let mut latencies = Vec::with_capacity(requests);
    for _ in 0..requests {
        let sent = Instant::now();
        let mut response = client.get(url).send().await.expect("request");
        let _ = response.body().limit(4 * 1024 * 1024).await.expect("body");
        assert!(response.status().is_success(), "{url}: {}", response.status());
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    let size = client.get(url).send().await.expect("request").body().limit(4 * 1024 * 1024).await.expect("body").len();
    (latencies[latencies.len() / 2], latencies[(latencies.len() * 99) / 100], size)
}

fn main() {
    let tickets = env_number("BENCH_TICKETS", 3000) as usize;
    let requests = env_number("BENCH_REQUESTS", 300) as usize;
    actix_web::rt::System::new().block_on(async move {
        let dir = std::env::temp_dir().join(format!("hallq-pages-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("bench dir");
        let settings = Settings {
            bind: "127.0.0.1:0".parse().expect("address"),
            database_url: format!("sqlite://{}", dir.join("pages.db").display()),
            admin_password: Some("bench-admin-pw".into()),
            demo_password: Some("bench-demo-pw".into()),
            log: "error".into(),
            public_rate_limit: 0,
            ..Settings::default()
        };
        hallq::telemetry::init(&hallq::config::Settings { log: "error".into(), ..Default::default() });
        let app = Application::build(settings).await.expect("hallq builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        let client = Client::builder().timeout(Duration::from_secs(30)).finish();

        // A busy day: tickets over every service; a third of them already served.
        let codes = ["A", "A", "A", "B", "B", "C", "D", "E", "F"];
        let mut last_token = String::new();
        for i in 0..tickets {
            let mut response = client
                .post(format!("{base}/api/v1/halls/demo/tickets"))
                .send_json(&json!({"service": codes[i % codes.len()]}))
                .await
                .expect("issue");
            let ticket: Value = response.json().await.expect("ticket");
            last_token = ticket["token"].as_str().expect("token").to_owned();
        }
        let mut login = client
            .post(format!("{base}/api/v1/auth/login"))
            .send_json(&json!({"username": "manager1", "password": "bench-demo-pw"}))
            .await
            .expect("login");
        let session: Value = login.json().await.expect("session");
        let token = session["token"].as_str().expect("token").to_owned();
        for i in 0..(tickets / 3) {
            let window = 1 + (i % 8);
            for op in ["call-next", "start", "finish"] {
                let _ = client
                    .post(format!("{base}/api/v1/windows/{window}/{op}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("window op");
            }
        }

        let pages = [
            ("`/healthz` (baseline)", "/healthz".to_owned()),
            ("kiosk `/kiosk/demo`", "/kiosk/demo".to_owned()),
            ("phone `/m/demo`", "/m/demo".to_owned()),
            ("tracking `/t/{token}` (last in line)", format!("/t/{last_token}")),
            ("ticket JSON `/api/v1/tickets/{token}`", format!("/api/v1/tickets/{last_token}")),
            ("queue figures `/api/v1/halls/demo/services`", "/api/v1/halls/demo/services".to_owned()),
            ("printable ticket with QR", format!("/t/{last_token}/print")),
        ];
        println!("{tickets} tickets today, {} served; {requests} sequential requests per page\n", tickets / 3);
        println!("| page | p50 ms | p99 ms | p50 ÷ baseline p50 | bytes |");
        println!("|---|---|---|---|---|");
        let mut baseline = None;
        for (name, path) in pages {
            let (p50, p99, size) = measure(&client, &format!("{base}{path}"), requests).await;
            let base_p50 = *baseline.get_or_insert(p50);
            println!(
                "| {name} | {:.2} | {:.2} | {:.1}× | {size} |",
                p50.as_secs_f64() * 1000.0,
                p99.as_secs_f64() * 1000.0,
                p50.as_secs_f64() / base_p50.as_secs_f64()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}
