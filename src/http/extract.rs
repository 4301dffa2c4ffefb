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
    Ok(auth::authenticate(state, &token).await?.map(|(actor, _)| Actor { address: client_address(req), ..actor }))
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

/// The cookie a registered kiosk keeps its device token in (set by `/kiosk/{hall}?device=…`).
pub const KIOSK_COOKIE: &str = "hallq_kiosk";
/// The signed cookie that identifies a phone (set by `/m/{hall}`).
pub const PHONE_COOKIE: &str = "hallq_phone";

/// A kiosk device token from the `X-Kiosk-Token` header or the kiosk cookie.
pub fn kiosk_token(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get("x-kiosk-token").and_then(|v| v.to_str().ok()).map(|t| t.trim().to_owned());
    header.or_else(|| req.cookie(KIOSK_COOKIE).map(|c| c.value().to_owned())).filter(|t| !t.is_empty())
}

/// The phone id in a validly signed phone cookie.
pub fn phone_id(req: &HttpRequest, state: &AppState) -> Option<String> {
    req.cookie(PHONE_COOKIE).and_then(|c| state.phone_ids.verify(c.value()))
}

/// The address the request came from (the TCP peer; see docs/taxpayers.md about proxies).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

/// The rate-limit keys of an anonymous request: its phone (if signed) and its address, which
/// many phones may share. Remote tickets (`scope` "remote") also count against the issuing
/// limits, and their address has a tighter cap of its own.
pub fn limit_keys(req: &HttpRequest, state: &AppState, scope: &str) -> Vec<(String, u32)> {
    let limit = state.settings.public_rate_limit;
    let address = client_address(req);
    if scope == "remote" {
        let mut keys = limit_keys(req, state, "issue");
        keys.push((
            format!("remote:ip:{address}"),
            limit.saturating_mul(crate::services::limits::REMOTE_ADDRESS_FACTOR),
        ));
        return keys;
    }
    match phone_id(req, state) {
        Some(phone) => vec![
            (format!("{scope}:phone:{phone}"), limit),
            (format!("{scope}:ip:{address}"), limit.saturating_mul(crate::services::limits::SHARED_ADDRESS_FACTOR)),
        ],
        None => vec![(format!("{scope}:ip:{address}"), limit)],
    }
}

/// A request field naming one of a closed set (a priority, a channel): deserialized straight
/// into the domain's enum, and a value outside the set is answered with the field's own code
/// (`invalid_priority`, `invalid_channel`) rather than the generic `invalid_field`.
pub trait CodedChoice: Sized {
    const CODE: crate::error::ErrorCode;
    /// What the field is called and what it may be, for the message.
    const FIELD: &'static str;
    const CHOICES: &'static str;
    fn parse_choice(text: &str) -> Option<Self>;
}

impl CodedChoice for crate::domain::ticket::Priority {
    const CODE: crate::error::ErrorCode = crate::error::ErrorCode::InvalidPriority;
    const FIELD: &'static str = "priority";
    const CHOICES: &'static str = "normal, green, appointment";
    fn parse_choice(text: &str) -> Option<Self> {
        Self::parse(text)
    }
}

impl CodedChoice for crate::domain::ticket::Channel {
    const CODE: crate::error::ErrorCode = crate::error::ErrorCode::InvalidChannel;
    const FIELD: &'static str = "channel";
    const CHOICES: &'static str = "kiosk, mobile, volunteer, counter";
    fn parse_choice(text: &str) -> Option<Self> {
        Self::parse(text)
    }
}

/// `#[serde(default, deserialize_with = "coded")]` on an `Option<T: CodedChoice>` field.
pub fn coded<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: CodedChoice,
{
    use serde::de::Error;
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    text.map(|text| {
        T::parse_choice(&text)
            .ok_or_else(|| D::Error::custom(format!("{}: {} '{text}' is not one of {}", T::CODE, T::FIELD, T::CHOICES)))
    })
    .transpose()
}

/// The code and message a `coded` field failed with, from the deserializer's error text.
pub fn coded_refusal(error_text: &str) -> Option<(crate::error::ErrorCode, String)> {
    let (code, rest) = error_text.split_once(": ")?;
    let code = crate::error::ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)?;
    // serde_json appends where in the body it failed; the message is clearer without it.
    let message = rest.rsplit_once(" at line ").map_or(rest, |(message, _)| message);
    Some((code, message.to_owned()))
}
