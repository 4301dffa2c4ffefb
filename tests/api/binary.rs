//! The real binary, as an operator starts it.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn hallq() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hallq"));
    command.env_clear().env("HALLQ_LOG", "warn");
    command
}

/// The binary on a free port with its own SQLite file in `dir`, stdout piped: the child and its
/// stdout's lines.
fn serve(
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> (std::process::Child, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut command = hallq();
    command
        .env("HALLQ_BIND", "127.0.0.1:0")
        .env("HALLQ_DATABASE_URL", format!("sqlite://{}", dir.join("hallq.db").display()))
        .stdout(Stdio::piped());
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    (child, BufReader::new(stdout).lines())
}

/// The address the server prints once it serves (lines before it are skipped).
fn served_url(lines: &mut std::io::Lines<BufReader<std::process::ChildStdout>>) -> String {
    loop {
        let Some(Ok(line)) = lines.next() else { panic!("no URL printed") };
        if let Some(rest) = line.strip_prefix("hallq is serving at ") {
            return rest.trim().trim_end_matches('/').to_owned();
        }
    }
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_key() {
    for (key, value) in [("HALLQ_BIND", "not-an-address"), ("HALLQ_TIMEZONE", "Mars/Base"), ("HALLQ_DEMO", "perhaps")] {
        let output = hallq().env(key, value).output().expect("runs");
        assert!(!output.status.success(), "{key} must stop start-up");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(key), "{key}: {stderr}");
        assert!(stderr.contains(value), "names the bad value: {stderr}");
    }
}

#[test]
fn port_zero_prints_the_chosen_port_and_the_generated_admin_password() {
    let dir = std::env::temp_dir().join(format!("hallq-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (mut child, mut lines) = serve(&dir, &[("HALLQ_DEMO", "false")]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut url = None;
    let mut admin = None;
    while Instant::now() < deadline && (url.is_none() || admin.is_none()) {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("hallq is serving at ") {
            url = Some(rest.trim().to_owned());
        }
        assert!(!line.starts_with("demo accounts"), "HALLQ_DEMO=false seeds no demo accounts");
        if line.starts_with("admin account: admin / ") {
            admin = Some(line);
        }
    }
    let url = url.expect("the URL is printed");
    assert!(!url.ends_with(":0/"), "a real port, not 0: {url}");
    assert!(admin.is_some(), "the generated admin password is printed");
    let port: u16 = url.trim_end_matches('/').rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("listening");
    use std::io::{Read, Write};
    stream.write_all(b"GET /api/v1/halls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("[]"), "a production install has no halls: {response}");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The binary under `ulimit -n 1024`, started in a shell; returns the child and its port.
fn start_with_1024_files(dir: &std::path::Path, extra: &[(&str, &str)]) -> (std::process::Child, u16) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n 1024 && exec {}", env!("CARGO_BIN_EXE_hallq")))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HALLQ_LOG", "info")
        .env("HALLQ_BIND", "127.0.0.1:0")
        .env("HALLQ_DEMO_PASSWORD", "demo-pass-123")
        .env("HALLQ_ADMIN_PASSWORD", "admin-pass-123")
        .env("HALLQ_DATABASE_URL", format!("sqlite://{}", dir.join("hallq.db").display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("hallq is serving at ") {
            let port = rest.trim().trim_end_matches('/').rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return (child, port);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// A raw websocket upgrade from `from`; the status and the open stream.
fn upgrade(port: u16, from: [u8; 4]) -> (u16, String, std::net::TcpStream) {
    use std::io::{Read, Write};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut stream = runtime
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(std::net::SocketAddr::from((from, 0)))?;
            socket.connect(std::net::SocketAddr::from(([127, 0, 0, 1], port))).await?.into_std()
        })
        .expect("connects");
    stream.set_nonblocking(false).expect("blocking");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let request = format!(
        "GET /ws/halls/demo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut head = vec![0u8; 2048];
    let read = stream.read(&mut head).unwrap_or(0);
    let text = String::from_utf8_lossy(&head[..read]).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text, stream)
}

fn healthz_time(port: u16) -> Option<Duration> {
    use std::io::{Read, Write};
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.starts_with("HTTP/1.1 200").then(|| started.elapsed())
}

#[test]
fn a_thousand_websockets_from_one_client_under_1024_open_files_do_not_take_the_server_down() {
    // This test holds ~1,100 sockets itself.
    let _ = rlimit::increase_nofile_limit(8192);
    let dir = std::env::temp_dir().join(format!("hallq-nofile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (phase, extra) in [("per address", vec![]), ("in total", vec![("HALLQ_WS_MAX_PER_ADDRESS", "100000")])] {
        let (mut child, port) = start_with_1024_files(&dir, &extra);
        let mut held = Vec::new();
        let mut refused = std::collections::BTreeMap::<u16, usize>::new();
        for _ in 0..1100 {
            let (status, text, stream) = upgrade(port, [127, 0, 0, 1]);
            match status {
                101 => held.push(stream),
                429 | 503 => {
                    assert!(text.contains("too_many_connections"), "{phase}: {text}");
                    *refused.entry(status).or_default() += 1;
                }
                other => panic!("{phase}: unexpected answer {other}: {text}"),
            }
        }
        assert!(!refused.is_empty(), "{phase}: a cap refused some ({} held)", held.len());
        assert!(held.len() < 1024, "{phase}: {} held under 1024 open files", held.len());
        // Still answering, promptly, with every session held.
        let best = (0..3).filter_map(|_| healthz_time(port)).min().expect("/healthz answers");
        assert!(best < Duration::from_secs(1), "{phase}: /healthz took {best:?}");
        // Another client: welcome while the cap is per address; told plainly when the whole
        // process is at its cap.
        let (status, text, _other) = upgrade(port, [127, 0, 0, 2]);
        match phase {
            "per address" => assert_eq!(status, 101, "another client still connects: {text}"),
            _ => assert!(status == 101 || (status == 503 && text.contains("too_many_connections")), "{text}"),
        }
        let _ = child.kill();
        let output = child.wait_with_output().expect("exits");
        let log = String::from_utf8_lossy(&output.stderr);
        let accept_errors = log.lines().filter(|l| l.contains("Too many open files") || l.contains("accept")).count();
        assert!(accept_errors < 5, "{phase}: {accept_errors} accept errors in the log:\n{log}");
        eprintln!("{phase}: held {}, refused {refused:?}, /healthz {best:?}", held.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The deployment's example settings file is one hallq accepts, and says what it claims.
#[test]
fn the_example_settings_file_in_deploy_loads() {
    let env = std::collections::HashMap::new();
    let settings = hallq::config::Settings::load(Some("deploy/hallq.toml.example"), &env).expect("the example loads");
    assert_eq!(settings.bind.port(), 8080);
    assert_eq!(settings.database_url, "sqlite:///var/lib/hallq/hallq.db");
    assert!(settings.secure_cookies);
    let text = std::fs::read_to_string("deploy/hallq.toml.example").expect("the example");
    for (key, _) in hallq::config::KEYS {
        let shown = text.lines().any(|l| l.starts_with(&format!("{key} =")) || l.starts_with(&format!("# {key} =")));
        assert!(shown, "the example does not show {key}");
    }
}

/// `hallq backup` and `hallq restore` as an operator runs them: refusals exit 2 with a reason.
#[test]
fn backup_and_restore_refuse_what_they_must() {
    let dir = std::env::temp_dir().join(format!("hallq-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("hall.db").display());
    let junk = dir.join("junk.db");
    std::fs::write(&junk, "not a database").expect("junk");
    let out =
        hallq().args(["restore", junk.to_str().expect("path")]).env("HALLQ_DATABASE_URL", &url).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a SQLite database"));
    let out = hallq()
        .args(["backup", junk.to_str().expect("path")])
        .env("HALLQ_DATABASE_URL", format!("{url}?mode=rwc"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    let out = hallq()
        .args(["backup", "/tmp/x.db"])
        .env("HALLQ_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `HALLQ_LOG_FORMAT=json`: one JSON object per log line, and no colour codes in a pipe.
#[test]
fn json_logs_are_one_object_per_line_without_colour_codes() {
    let dir = std::env::temp_dir().join(format!("hallq-json-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (mut child, mut lines) =
        serve(&dir, &[("HALLQ_LOG", "info"), ("HALLQ_LOG_FORMAT", "json"), ("HALLQ_DEMO", "false")]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut logged = 0;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        assert!(!line.contains('\u{1b}'), "no colour codes: {line:?}");
        if line.starts_with("hallq is serving at ") {
            break;
        }
        if line.starts_with('{') {
            let value: serde_json::Value = serde_json::from_str(&line).expect("a JSON object");
            assert!(value["level"].is_string() && value["timestamp"].is_string(), "{line}");
            logged += 1;
        }
    }
    assert!(logged > 0, "start-up logged something as JSON");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let bad = hallq().env("HALLQ_LOG_FORMAT", "xml").output().expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("HALLQ_LOG_FORMAT"));
}

/// SIGTERM while tickets are being taken and a display is connected: the display is told
/// "going away" (1001), the process exits cleanly, and every ticket the server acknowledged (201)
/// is in the database afterwards.
#[actix_web::test]
async fn sigterm_closes_websockets_with_going_away_and_loses_no_acknowledged_ticket() {
    use awc::ws::Frame;
    use futures_util::StreamExt;
    use sea_orm::{ConnectionTrait, Database};
    let dir = std::env::temp_dir().join(format!("hallq-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let database = format!("sqlite://{}", dir.join("hallq.db").display());
    let (mut child, mut lines) = serve(&dir, &[("HALLQ_PUBLIC_RATE_LIMIT", "0")]);
    let url = served_url(&mut lines);
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let (_, mut display) =
        client.ws(format!("{}/ws/halls/demo", url.replace("http", "ws"))).connect().await.expect("websocket");
    // Eight takers go on until the server stops answering.
    let takers = (0..8).map(|_| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let mut acknowledged = Vec::new();
            for _ in 0..2000 {
                let sent = client
                    .post(format!("{url}/api/v1/halls/demo/tickets"))
                    .send_json(&serde_json::json!({"service": "A"}))
                    .await;
                let Ok(mut response) = sent else { break };
                if response.status().as_u16() == 201 {
                    let body: serde_json::Value = response.json().await.expect("ticket");
                    acknowledged.push(body["token"].as_str().expect("token").to_owned());
                } else if response.status().is_server_error() {
                    break;
                }
            }
            acknowledged
        }
    });
    let pid = child.id();
    let stop = async {
        actix_web::rt::time::sleep(Duration::from_millis(700)).await;
        let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill");
        assert!(status.success());
    };
    let (acknowledged, ()) = futures_util::join!(futures_util::future::join_all(takers), stop);
    let acknowledged: Vec<String> = acknowledged.into_iter().flatten().collect();
    // The display heard "going away".
    let mut code = None;
    while let Some(Ok(frame)) = display.next().await {
        if let Frame::Close(reason) = frame {
            code = reason.map(|r| u16::from(r.code));
            break;
        }
    }
    assert_eq!(code, Some(1001), "the display is told the server is going away");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the server stops within 30 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(acknowledged.len() > 10, "tickets were being taken: {}", acknowledged.len());
    let db = Database::connect(&database).await.expect("open");
    let mut missing = 0;
    for token in &acknowledged {
        let row = db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Sqlite,
                "SELECT COUNT(*) FROM tickets WHERE token = $1",
                [token.clone().into()],
            ))
            .await
            .expect("query")
            .expect("row");
        missing += i64::from(row.try_get_by_index::<i64>(0).expect("count") == 0);
    }
    assert_eq!(missing, 0, "every acknowledged ticket of {} is stored", acknowledged.len());
    let _ = db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// kill -9 in the middle of a rush (issue 19: batches of tickets written together): every
/// ticket answered 201 is stored, each service's numbers run from 1 with no gap, and the event
/// log holds one `ticket_issued` per ticket with no gap in its sequence.
#[actix_web::test]
async fn kill_9_during_a_rush_loses_no_acknowledged_ticket_and_leaves_no_gap() {
    use sea_orm::{ConnectionTrait, Database};
    let dir = std::env::temp_dir().join(format!("hallq-kill9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let database = format!("sqlite://{}", dir.join("hallq.db").display());
    let (mut child, mut lines) = serve(&dir, &[("HALLQ_PUBLIC_RATE_LIMIT", "0")]);
    let url = served_url(&mut lines);
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let takers = (0..16).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        let service = ["A", "B", "C"][i % 3];
        async move {
            let mut acknowledged = Vec::new();
            loop {
                let sent = client
                    .post(format!("{url}/api/v1/halls/demo/tickets"))
                    .send_json(&serde_json::json!({"service": service}))
                    .await;
                let Ok(mut response) = sent else { break };
                if response.status().as_u16() != 201 {
                    break;
                }
                let body: serde_json::Value = response.json().await.expect("ticket");
                acknowledged.push(body["number"].as_str().expect("number").to_owned());
            }
            acknowledged
        }
    });
    let killer = async {
        actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
        child.kill().expect("SIGKILL");
    };
    let (acknowledged, ()) = futures_util::join!(futures_util::future::join_all(takers), killer);
    let _ = child.wait();
    let acknowledged: Vec<String> = acknowledged.into_iter().flatten().collect();
    assert!(acknowledged.len() > 50, "tickets were being taken: {}", acknowledged.len());

    let db = Database::connect(&database).await.expect("open");
    let query = |sql: &str| {
        let db = db.clone();
        let sql = sql.to_owned();
        async move {
            db.query_all_raw(sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Sqlite, sql))
                .await
                .expect("query")
        }
    };
    let stored: std::collections::HashSet<String> =
        query("SELECT number FROM tickets").await.iter().map(|r| r.try_get_by_index(0).expect("number")).collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    for row in query("SELECT issued_service_id, COUNT(*), MAX(seq) FROM tickets GROUP BY issued_service_id").await {
        let (count, max): (i64, i64) = (row.try_get_by_index(1).expect("count"), row.try_get_by_index(2).expect("max"));
        assert_eq!(count, max, "numbers run from 1 with no gap");
    }
    let events =
        &query("SELECT COUNT(*), MAX(seq), SUM(CASE WHEN kind = 'ticket_issued' THEN 1 ELSE 0 END) FROM events").await
            [0];
    let (count, max, issued): (i64, i64, i64) = (
        events.try_get_by_index(0).expect("count"),
        events.try_get_by_index(1).expect("max"),
        events.try_get_by_index(2).expect("issued"),
    );
    assert_eq!(count, max, "the event log has no gap");
    assert_eq!(issued, i64::try_from(stored.len()).expect("count"), "one ticket_issued per ticket");
    let (seq,): (i64,) = {
        let row = &query("SELECT event_seq FROM halls").await[0];
        (row.try_get_by_index(0).expect("seq"),)
    };
    assert_eq!(seq, max, "the hall's sequence stands at the last event");
    eprintln!("killed with {} acknowledged, {} stored", acknowledged.len(), stored.len());
    let _ = std::fs::remove_dir_all(&dir);
}
