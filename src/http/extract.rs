//! Request extractors: who is calling, and the shared state.
use crate::error::AppError;
use crate::services::auth::{self, Actor};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

pub const SESSION_COOKIE: &str = "hallq_session";

/// The bearer token or session cookie of a request, if any.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())).filter(|t| !t.is_empty())
}

/// A signed-in user; 401 when there is none.
pub struct Authenticated(pub Actor);

/// A signed-in user if there is one; public endpoints use it to allow more to staff.
pub struct MaybeAuthenticated(pub Option<Actor>);

async fn resolve(req: &HttpRequest) -> Result<Option<Actor>, AppError> {
    let Some(token) = session_token(req) else { return Ok(None) };
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::internal("state missing"))?;
    Ok(auth::authenticate(state, &token).await?.map(|(actor, _)| actor))
}

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req).await?.map(Authenticated).ok_or_else(AppError::unauthorized) })
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            // A stale or wrong token on a public endpoint is treated as anonymous.
            Ok(MaybeAuthenticated(resolve(&req).await.unwrap_or(None)))
        })
    }
}
