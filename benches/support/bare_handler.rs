//! The baseline of the external-generator benchmarks: a bare actix-web server that answers any
//! POST or GET with a small JSON body (201 for POST), nothing else. Whatever wrk measures
//! against it is the ceiling of the generator and the framework on this machine; hallq's
//! figures are reported as a share of it, measured in the same run.
//!
//! Built by the bench scripts: `cargo build --release --example bare_handler`;
//! run as `target/release/examples/bare_handler 127.0.0.1:18090`.
use actix_web::{web, App, HttpResponse, HttpServer};

async fn created(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Created().json(serde_json::json!({ "number": "A001", "status": "waiting" }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18090".into());
    HttpServer::new(|| App::new().default_service(web::to(created))).bind(bind)?.run().await
}
