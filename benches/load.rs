//! Load benchmark: ticket issuance through the real server on SQLite, against a bare
//! actix-web handler measured the same way in the same run, at 64 concurrent connections.
//!
//! Run: `cargo bench --bench load` (optional: BENCH_SECONDS=10, BENCH_CONNECTIONS=64).
//! Prints a Markdown table; BENCHMARKS.md records the figures.
use actix_web::{web, App, HttpResponse, HttpServer};
use awc::Client;
use futures_util::future::join_all;
use hallq::config::Settings;
use hallq::startup::Application;
use std::time::{Duration, Instant};

struct Outcome {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Outcome {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `connections` clients, each sending one request after another for `duration`.
async fn load(url: String, body: &'static str, connections: usize, duration: Duration) -> Outcome {
    let client = Client::builder()
        .connector(awc::Connector::new().limit(connections * 2))
        .timeout(Duration::from_secs(30))
        .finish();
    // Warm up: open the connections and let caches fill.
    let warm_until = Instant::now() + Duration::from_secs(1);
    join_all((0..connections).map(|_| run_client(&client, &url, body, warm_until))).await;
    let started = Instant::now();
    let until = started + duration;
    let results = join_all((0..connections).map(|_| run_client(&client, &url, body, until))).await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|(l, _)| l.iter().copied()).collect();
    latencies.sort();
    Outcome { requests: latencies.len(), errors: results.iter().map(|(_, e)| e).sum(), elapsed, latencies }
}

async fn run_client(client: &Client, url: &str, body: &'static str, until: Instant) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    while Instant::now() < until {
        let sent = Instant::now();
        let response = client.post(url).insert_header(("content-type", "application/json")).send_body(body).await;
        match response {
            Ok(mut r) if r.status().is_success() => {
                let _ = r.body().await;
                latencies.push(sent.elapsed());
            }
            _ => errors += 1,
        }
    }
    (latencies, errors)
}

async fn baseline_handler() -> HttpResponse {
    HttpResponse::Created().json(serde_json::json!({ "number": "A001", "status": "waiting" }))
}

fn row(name: &str, o: &Outcome) -> String {
    format!(
        "| {name} | {:.0} | {:.2} | {:.2} | {} | {} |",
        o.throughput(),
        o.percentile(0.50).as_secs_f64() * 1000.0,
        o.percentile(0.99).as_secs_f64() * 1000.0,
        o.requests,
        o.errors
    )
}

fn main() {
    let seconds = env_number("BENCH_SECONDS", 10);
    let connections = env_number("BENCH_CONNECTIONS", 64) as usize;
    let duration = Duration::from_secs(seconds);
    actix_web::rt::System::new().block_on(async move {
        let baseline_server = HttpServer::new(|| App::new().route("/tickets", web::post().to(baseline_handler)))
            .bind("127.0.0.1:0")
            .expect("bind baseline");
        let baseline_port = baseline_server.addrs()[0].port();
        actix_web::rt::spawn(baseline_server.run());

        let dir = std::env::temp_dir().join(format!("hallq-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("bench dir");
        let settings = Settings {
            bind: "127.0.0.1:0".parse().expect("address"),
            database_url: format!("sqlite://{}", dir.join("bench.db").display()),
            admin_password: Some("bench-admin-pw".into()),
            demo_password: Some("bench-demo-pw".into()),
            log: "error".into(),
            // A load test is one client issuing everything: HALLQ_PUBLIC_RATE_LIMIT=0.
            public_rate_limit: 0,
            ..Settings::default()
        };
        hallq::telemetry::init(&hallq::config::Settings { log: "error".into(), ..Default::default() });
        let app = Application::build(settings).await.expect("hallq builds");
        let hallq_port = app.port();
        actix_web::rt::spawn(app.run_until_stopped());

        let baseline = load(format!("http://127.0.0.1:{baseline_port}/tickets"), "{}", connections, duration).await;
        let hallq = load(
            format!("http://127.0.0.1:{hallq_port}/api/v1/halls/demo/tickets"),
            r#"{"service":"A","channel":"kiosk"}"#,
            connections,
            duration,
        )
        .await;
        println!("\n{connections} connections, {seconds} s each, same machine, client in-process\n");
        println!("| target | requests/s | p50 ms | p99 ms | requests | errors |");
        println!("|---|---|---|---|---|---|");
        println!("{}", row("bare actix-web handler (baseline)", &baseline));
        println!("{}", row("hallq POST /api/v1/halls/demo/tickets (SQLite)", &hallq));
        println!("\nratio hallq / baseline throughput: {:.1}%", 100.0 * hallq.throughput() / baseline.throughput());
        let _ = std::fs::remove_dir_all(&dir);
    });
}
