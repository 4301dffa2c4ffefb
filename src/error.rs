//! One error type for the services: a kind (what went wrong, which `http::errors` maps to a
//! status), a stable machine code from the one list (`ErrorCode`), a human message and optional
//! details. Nothing here knows HTTP; `http/` renders it as `{"error": code, "message": text, …}`.
pub use crate::domain::codes::ErrorCode;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable,
    Internal,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: ErrorCode,
    pub message: String,
    /// Extra machine-readable fields, e.g. `next_opening` for `hall_closed`.
    pub details: Map<String, Value>,
    pub retry_after_seconds: Option<u64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { kind, code, message: message.into(), details: Map::new(), retry_after_seconds: None }
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, message)
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorKind::Unauthorized,
            ErrorCode::Unauthorized,
            "sign in first: send a bearer token or the session cookie",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, ErrorCode::Forbidden, message)
    }

    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        let mut error =
            Self::new(ErrorKind::TooManyRequests, ErrorCode::RateLimited, "too many requests; try again later");
        error.retry_after_seconds = Some(retry_after_seconds);
        error
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        // The cause goes to the log, never to the client.
        tracing::error!(%cause, "internal error");
        Self::new(ErrorKind::Internal, ErrorCode::Internal, "something went wrong on the server; it has been logged")
    }

    /// The same error under a more specific code and message.
    pub fn with_code(mut self, code: ErrorCode, message: impl Into<String>) -> Self {
        self.code = code;
        self.message = message.into();
        self
    }

    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }

    /// A domain rule's refusal: the code says whether it is a bad input, a conflict with the
    /// current state or something missing.
    pub fn refused((code, message): (ErrorCode, String)) -> Self {
        use ErrorCode as C;
        let kind = match code {
            C::ServiceInactive
            | C::WindowInactive
            | C::WindowInUse
            | C::HallExists
            | C::ServiceExists
            | C::WindowExists
            | C::AccountExists
            | C::CannotChangeOwnRole
            | C::CannotDisableSelf
            | C::OutsideBookingWindow
            | C::TooLateToChange => ErrorKind::Conflict,
            C::HallNotFound
            | C::ServiceNotFound
            | C::WindowNotFound
            | C::UserNotFound
            | C::CalendarDayNotFound
            | C::KioskNotFound => ErrorKind::NotFound,
            _ => ErrorKind::BadRequest,
        };
        Self::new(kind, code, message)
    }

    /// A unique constraint that fired between a check and the write it guards answers as the
    /// check would have (`code`); any other database error stays what it is.
    pub fn unique_or(err: sea_orm::DbErr, code: ErrorCode, message: impl Into<String>) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Self::conflict(code, message),
            _ => err.into(),
        }
    }

    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("error".into(), self.code.as_str().into());
        body.insert("message".into(), self.message.clone().into());
        for (key, value) in &self.details {
            body.insert(key.clone(), value.clone());
        }
        Value::Object(body)
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_storage_full(&err) {
            STORAGE_FULL.store(true, std::sync::atomic::Ordering::Relaxed);
            tracing::error!(%err, "database storage is full");
            return Self::new(
                ErrorKind::Unavailable,
                ErrorCode::StorageFull,
                "the database has no room to store this (the disk is full); nothing was saved. An administrator must free space",
            );
        }
        if is_connection_error(&err) {
            tracing::error!(%err, "database unavailable");
            return Self::new(
                ErrorKind::Unavailable,
                ErrorCode::DatabaseUnavailable,
                "the database is not answering; try again shortly",
            );
        }
        Self::internal(err)
    }
}

/// Set when a write failed for want of space; `/readyz` then checks that writes work again
/// before it answers ready (and clears it).
pub static STORAGE_FULL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// SQLite's SQLITE_FULL (13) and PostgreSQL's disk_full (53100).
fn is_storage_full(err: &sea_orm::DbErr) -> bool {
    let text = err.to_string();
    text.contains("database or disk is full") || text.contains("(code: 13)") || text.contains("53100")
}

fn is_connection_error(err: &sea_orm::DbErr) -> bool {
    matches!(err, sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_))
}

impl From<crate::domain::ticket::InvalidTransition> for AppError {
    fn from(err: crate::domain::ticket::InvalidTransition) -> Self {
        Self::conflict(ErrorCode::InvalidTransition, err.to_string())
            .with_detail("status", err.from.as_str())
            .with_detail("action", err.action.as_str())
    }
}

impl From<crate::domain::lifecycle::RuleError> for AppError {
    fn from(err: crate::domain::lifecycle::RuleError) -> Self {
        use crate::domain::lifecycle::RuleError as E;
        match err {
            E::Transition(transition) => transition.into(),
            E::SameWindow => Self::bad_request(err.code(), err.to_string()),
            E::RecallLimit { .. } | E::GraceExpired { .. } => Self::conflict(err.code(), err.to_string()),
        }
    }
}

impl From<crate::domain::window::WindowRuleError> for AppError {
    fn from(err: crate::domain::window::WindowRuleError) -> Self {
        Self::conflict(err.code(), err.to_string())
    }
}
