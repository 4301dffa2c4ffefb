//! What the websocket benches share: starting the real `hallq` binary, posting JSON, and
//! following a hall's stream, noting when each called number arrives. Included with
//! `#[path = "support/client.rs"] mod client;` (each bench is its own crate).
#![allow(dead_code)]
use awc::ws::{Frame, Message};
use awc::Client;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::Instant;

/// Arrivals of called numbers at the clients: (the client's tag, number, when).
pub type Arrivals = Rc<RefCell<Vec<(usize, String, Instant)>>>;

/// The release binary on a free port with these settings (and the bench's passwords, limits
/// off, quiet logs); returns it and the address it serves at. `BENCH_HALLQ_BIN` names another
/// build to measure (as in the wrk benches), e.g. an earlier commit's.
pub fn start_hallq(database_url: &str, extra: &[(&str, &str)]) -> (Child, String) {
    let binary = std::env::var("BENCH_HALLQ_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hallq").to_owned());
    let mut command = Command::new(binary);
    command
        .env("HALLQ_BIND", "127.0.0.1:0")
        .env("HALLQ_DATABASE_URL", database_url)
        .env("HALLQ_ADMIN_PASSWORD", "bench-admin")
        .env("HALLQ_DEMO_PASSWORD", "bench-demo")
        .env("HALLQ_LOG", "error")
        .env("HALLQ_PUBLIC_RATE_LIMIT", "0")
        .stdout(Stdio::piped());
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut server = command.spawn().expect("hallq starts");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let base = loop {
        let line = lines.next().expect("hallq prints its address").expect("line");
        if let Some(url) = line.strip_prefix("hallq is serving at ") {
            break url.trim().trim_end_matches('/').to_owned();
        }
    };
    // Keep reading what the server logs (to stderr), so a warning shows and is never a broken pipe.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|line| eprintln!("hallq: {line}")));
    (server, base)
}

pub fn called_number(text: &str) -> Option<String> {
    if !text.contains("\"type\":\"ticket_called\"") {
        return None;
    }
    let start = text.find("\"number\":\"")? + 10;
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

/// Follows a hall's stream until it closes, noting each called number's arrival under `tag`.
pub async fn follow(client: Client, url: String, tag: usize, arrivals: Arrivals, connected: Rc<RefCell<usize>>) {
    let Ok((_, mut socket)) = client.ws(url).max_frame_size(1 << 20).connect().await else { return };
    *connected.borrow_mut() += 1;
    while let Some(Ok(frame)) = socket.next().await {
        match frame {
            Frame::Text(bytes) => {
                if let Some(number) = called_number(std::str::from_utf8(&bytes).unwrap_or_default()) {
                    arrivals.borrow_mut().push((tag, number, Instant::now()));
                }
            }
            Frame::Ping(bytes) => {
                let _ = socket.send(Message::Pong(bytes)).await;
            }
            Frame::Close(_) => break,
            _ => {}
        }
    }
}

/// POSTs JSON; the answer's body, or null when the request failed.
pub async fn post(client: &Client, url: &str, body: Value, token: Option<&str>) -> Value {
    let mut request = client.post(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send_json(&body).await {
        Ok(mut response) => response.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// A client that asks for a hall's stream with a 4 KiB receive buffer and then never reads a
/// byte: the slowest client there can be. It stays connected while the socket is kept.
pub async fn stalled(base: &str, path: &str) -> Option<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let address: std::net::SocketAddr = base.trim_start_matches("http://").parse().ok()?;
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.set_recv_buffer_size(4096).ok()?;
    let mut stream = socket.connect(address).await.ok()?;
    let upgrade = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(upgrade.as_bytes()).await.ok()?;
    Some(stream)
}
