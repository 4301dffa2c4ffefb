//! The real binary, as an operator starts it.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn hallq() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hallq"));
    command.env_clear().env("HALLQ_LOG", "warn");
    command
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
    let mut child = hallq()
        .env("HALLQ_BIND", "127.0.0.1:0")
        .env("HALLQ_DATABASE_URL", format!("sqlite://{}", dir.join("hallq.db").display()))
        .env("HALLQ_DEMO", "false")
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
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
