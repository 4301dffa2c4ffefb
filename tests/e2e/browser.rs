//! Starts one chromedriver for this test process (it stops itself when the process ends) and
//! opens headless chromium sessions at a given screen size.
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The chromedriver port, or `None` (test skipped) when chromium is not installed outside CI.
fn driver_port() -> Option<u16> {
    static PORT: OnceLock<Option<u16>> = OnceLock::new();
    *PORT.get_or_init(|| {
        if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
            assert!(!in_ci(), "CI=true but chromium or chromedriver is missing: .ci/run installs them");
            eprintln!("skipping browser test: install chromium chromium-driver fonts-noto-cjk");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        // A small shell watches this process; when it is gone (even after a panic that skipped
        // closing a session) it stops chromedriver and every browser this process started.
        let script = format!(
            "{CHROMEDRIVER} --port={port} >/dev/null 2>&1 & d=$!; while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             kill $d; rm -rf {profiles}; pkill -f {profiles}",
            pid = std::process::id(),
            profiles = profiles_dir().display(),
        );
        let mut watcher =
            Command::new("sh").arg("-c").arg(script).stdin(Stdio::null()).spawn().expect("chromedriver starts");
        // Reap the watcher if it ever ends, so it leaves no zombie.
        std::thread::spawn(move || watcher.wait());
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(port)
    })
}

/// Browser profiles of this test process live under one folder, so they can be cleaned up.
fn profiles_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("hallq-e2e-{}", std::process::id()))
}

pub async fn open(width: u32, height: u32) -> Option<Client> {
    session(width, height, None, &[]).await
}

/// A screen whose page area is exactly `width`×`height` CSS pixels (a wall TV, a kiosk): a
/// desktop window's own frame would otherwise take some of the height.
pub async fn open_screen(width: u32, height: u32) -> Option<Client> {
    open_screen_with(width, height, &[]).await
}

/// Like `open_screen`, with extra chromium switches (e.g. an autoplay policy).
pub async fn open_screen_with(width: u32, height: u32, args: &[&str]) -> Option<Client> {
    let metrics = json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": false } });
    session(width.max(500), height + 200, Some(metrics), args).await
}

/// A touch device with exactly this viewport (CSS pixels): chromium's device emulation. A
/// desktop window cannot be narrower than about 500 px, and its size includes the window frame.
pub async fn open_touch(width: u32, height: u32, pixel_ratio: f64) -> Option<Client> {
    let metrics =
        json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": pixel_ratio, "touch": true } });
    session(width.max(500), height + 200, Some(metrics), &[]).await
}

pub async fn open_phone(width: u32, height: u32) -> Option<Client> {
    open_touch(width, height, 2.0).await
}

async fn session(width: u32, height: u32, mobile: Option<Value>, extra_args: &[&str]) -> Option<Client> {
    let port = driver_port()?;
    static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let profile = profiles_dir().join(SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--no-first-run", "--lang=zh-CN",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    if let Some(args) = capabilities["goog:chromeOptions"]["args"].as_array_mut() {
        args.extend(extra_args.iter().map(|a| json!(a)));
    }
    if let Some(metrics) = mobile {
        capabilities["goog:chromeOptions"]["mobileEmulation"] = metrics;
    }
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session");
    Some(client)
}

/// Runs `script` until it returns true, or fails after `timeout`. Returns how long it took.
pub async fn wait_for(client: &Client, script: &str, timeout: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let value = client.execute(&format!("return !!({script});"), vec![]).await.unwrap_or(Value::Bool(false));
        if value == Value::Bool(true) {
            return started.elapsed();
        }
        assert!(started.elapsed() < timeout, "timed out after {timeout:?} waiting for: {script}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the element `css` selects. Live pages redraw parts of themselves when events arrive,
/// so an element found a moment ago may be gone: find it again and retry, for up to 2 s.
pub async fn click(client: &Client, css: &str) {
    let started = Instant::now();
    loop {
        let attempt = match client.find(fantoccini::Locator::Css(css)).await {
            Ok(element) => element.click().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match attempt {
            Ok(()) => return,
            Err(err) if started.elapsed() > Duration::from_secs(2) => panic!("click {css}: {err}"),
            Err(_) => actix_web::rt::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

pub async fn eval(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("script runs")
}

/// Saves a screenshot under `artifacts/` for people to look at.
pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

/// Replaces speechSynthesis with a recorder that has a zh-CN voice and takes 150 ms per
/// utterance, so tests can see what is said, in which order, and whether any overlap.
pub const SPEECH_SPY: &str = r#"
window.__spoken = [];
window.__overlap = false;
var active = false;
var fake = {
  speaking: false, pending: false, paused: false,
  getVoices: function () { return [{ lang: 'zh-CN', name: 'spy', default: true, localService: true, voiceURI: 'spy' }]; },
  speak: function (u) {
    var record = { text: u.text, start: performance.now(), end: null };
    if (active) window.__overlap = true;
    active = true;
    window.__spoken.push(record);
    setTimeout(function () { record.end = performance.now(); active = false; if (u.onend) u.onend(); }, 150);
  },
  cancel: function () { window.__cancelled = true; },
  pause: function () {}, resume: function () {},
  addEventListener: function () {}, removeEventListener: function () {}
};
Object.defineProperty(window, 'speechSynthesis', { value: fake, configurable: true });
return true;
"#;
