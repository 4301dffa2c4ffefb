//! HTTP, one module per audience. Handlers parse input, call one service, shape the output.
pub mod admin;
pub mod api;
pub mod booking;
pub mod display;
pub mod errors;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod qr;
pub mod security;
pub mod staff;
pub mod taxpayer;
pub mod ws;

use crate::error::AppError;
use crate::error::ErrorCode;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, ResponseError};

pub fn routes(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(json_config(max_body_bytes))
        .app_data(web::PathConfig::default().error_handler(|err, _| {
            AppError::bad_request(ErrorCode::InvalidPath, format!("a part of the address is not valid: {err}")).into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            AppError::bad_request(ErrorCode::InvalidQuery, format!("a query parameter is not valid: {err}")).into()
        }))
        .service(web::resource("/healthz").route(web::get().to(api::healthz)))
        .service(web::resource("/readyz").route(web::get().to(api::readyz)))
        .service(web::resource("/metrics").wrap(json_errors()).route(web::get().to(metrics::metrics)))
        .service(web::scope("/api/v1").wrap(json_errors()).configure(api::routes))
        .service(web::scope("/ws").wrap(json_errors()).configure(ws::routes))
        .configure(pages::routes);
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |err, _req| {
        use actix_web::error::JsonPayloadError as E;
        let app_error = match &err {
            E::Overflow { .. } | E::OverflowKnownLength { .. } => AppError::new(
                crate::error::ErrorKind::PayloadTooLarge,
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than the limit of {limit} bytes"),
            ),
            E::ContentType => AppError::new(
                crate::error::ErrorKind::UnsupportedMediaType,
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ),
            E::Deserialize(inner) if inner.is_data() => match extract::coded_refusal(&inner.to_string()) {
                Some((code, message)) => AppError::bad_request(code, message),
                None => AppError::bad_request(
                    ErrorCode::InvalidField,
                    format!("a field is missing or has the wrong type: {inner}"),
                ),
            },
            E::Deserialize(inner) => {
                AppError::bad_request(ErrorCode::InvalidJson, format!("the body is not valid JSON: {inner}"))
            }
            other => AppError::bad_request(ErrorCode::InvalidBody, format!("the body could not be read: {other}")),
        };
        app_error.into()
    })
}

/// Turns every error response under `/api` and `/ws` that is not already JSON (unknown route,
/// wrong method, an extractor's plain-text error) into the JSON error shape.
fn json_errors<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_json =
            res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if is_json {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let app_error = match status {
            StatusCode::NOT_FOUND => {
                AppError::not_found(ErrorCode::NotFound, "there is no such endpoint; see /api/v1/openapi.json")
            }
            StatusCode::METHOD_NOT_ALLOWED => AppError::new(
                crate::error::ErrorKind::MethodNotAllowed,
                ErrorCode::MethodNotAllowed,
                "this endpoint does not take that method",
            ),
            s if s.is_client_error() => {
                AppError::bad_request(ErrorCode::BadRequest, s.canonical_reason().unwrap_or("bad request"))
            }
            _ => AppError::internal(format!("error response {status}")),
        };
        let (req, _) = res.into_parts();
        let response = app_error.error_response();
        Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response).map_into_right_body()))
    })
}
