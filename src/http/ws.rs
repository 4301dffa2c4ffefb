//! `GET /ws/halls/{hall}[?since=N]`: the hall's public live stream.
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::realtime::connections::Refusal;
use crate::realtime::session;
use crate::state::AppState;
use actix_web::http::ConnectionType;
use actix_web::ResponseError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::net::IpAddr;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/halls/{hall}", web::get().to(hall_stream));
}

#[derive(Deserialize)]
pub struct StreamQuery {
    /// Resume after this `seq` instead of starting with a snapshot.
    pub since: Option<i64>,
}

pub async fn hall_stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    path: web::Path<String>,
    query: web::Query<StreamQuery>,
) -> AppResult<HttpResponse> {
    // Resolve the hall before upgrading, so an unknown hall is a plain 404.
    let hall = state.halls.get(&path).await?;
    let address = req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let permit = match state.connections.try_open(address) {
        Ok(permit) => permit,
        Err(refusal) => return Ok(refuse(refusal, address)),
    };
    let (response, ws_session, stream) = actix_ws::handle(&req, body).map_err(|err| {
        crate::error::AppError::bad_request(
            ErrorCode::NotWebsocket,
            format!("this endpoint speaks websocket only: {err}"),
        )
    })?;
    let state = state.get_ref().clone();
    actix_web::rt::spawn(session::run(state, hall, ws_session, stream, query.since, permit));
    Ok(response)
}

/// Over a cap: the JSON error, and the connection closed so its descriptor is freed at once.
fn refuse(refusal: Refusal, address: IpAddr) -> HttpResponse {
    let error = match refusal {
        Refusal::Full => {
            let mut error = AppError::new(
                ErrorKind::Unavailable,
                ErrorCode::TooManyConnections,
                "the server holds as many live connections as it may; try again shortly",
            );
            error.retry_after_seconds = Some(10);
            error
        }
        Refusal::AddressFull => AppError::too_many_requests(30).with_code(
            ErrorCode::TooManyConnectionsFromAddress,
            "this address holds as many live connections as one address may",
        ),
    };
    tracing::warn!(%address, code = error.code.as_str(), "websocket refused");
    let mut response = error.error_response();
    response.head_mut().set_connection_type(ConnectionType::Close);
    response
}
