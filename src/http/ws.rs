//! `GET /ws/halls/{hall}[?since=N]`: the hall's public live stream.
use crate::error::AppResult;
use crate::realtime::session;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

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
    let (response, ws_session, stream) = actix_ws::handle(&req, body).map_err(|err| {
        crate::error::AppError::bad_request("not_websocket", format!("this endpoint speaks websocket only: {err}"))
    })?;
    let state = state.get_ref().clone();
    actix_web::rt::spawn(session::run(state, hall, ws_session, stream, query.since));
    Ok(response)
}
