//! Booking pages for taxpayers' phones: `/m/{hall}/book` (service → day → slot → name and
//! number → the booking code) and `/m/{hall}/booking` (look up, cancel, check in by code and
//! number). Shells: their script calls the appointments API.
use super::display::script_json;
use super::i18n::{self, Lang};
use super::pages::{not_found, render};
use crate::domain::appointment::booking_window;
use crate::error::AppResult;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/{hall}/book", web::get().to(book))
        .route("/m/{hall}/booking", web::get().to(lookup))
        .route("/m/{hall}/booking/qr.svg", web::get().to(qr_code));
}

#[derive(Deserialize)]
pub struct BookQuery {
    service: Option<String>,
    code: Option<String>,
}

async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    hall: &str,
    page: &str,
    query: &BookQuery,
) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(hall).await else { return not_found(state, req).await };
    let req = &req;
    let (lang, _) = Lang::of(req);
    let en = lang == Lang::En;
    let services: Vec<_> = hall
        .active_services()
        .filter(|s| s.appointments)
        .map(|s| {
            json!({ "code": s.code, "name": if en { &s.name_en } else { &s.name },
                    "hint": if en { s.hint_en.as_ref() } else { s.hint.as_ref() } })
        })
        .collect();
    let today = crate::domain::numbering::business_date(state.clock.now(), hall.timezone);
    // The days that may be booked: the working days of the booking window.
    let days: Vec<_> = booking_window(&hall.schedule, today, &hall.settings.appointments)
        .map(|(first, last)| {
            first
                .iter_days()
                .take_while(|d| *d <= last)
                .filter(|d| !hall.schedule.periods_on(*d).is_empty())
                .map(|d| json!({ "date": d, "weekday": d.weekday().number_from_monday() }))
                .collect()
        })
        .unwrap_or_default();
    let config = json!({
        "page": page,
        "hall": hall.code,
        "timezone": hall.timezone.name(),
        "lang": lang.code(),
        "texts": i18n::texts(lang),
        "services": services,
        "days": days,
        "service": query.service,
        "code": query.code,
        "address": hall.address,
    });
    let mut context = tera::Context::new();
    context.insert("hall_name", if en { &hall.name_en } else { &hall.name });
    context.insert("page", page);
    context.insert("hall_code", &hall.code);
    context.insert("id_number", &hall.settings.appointments.id_number);
    context.insert("config_json", &script_json(&config));
    let mut response = render(&state, req, "taxpayer/book.html", context, StatusCode::OK)?;
    response
        .headers_mut()
        .insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn book(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<BookQuery>,
) -> AppResult<HttpResponse> {
    page(state, req, &path, "book", &query).await
}

pub async fn lookup(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<BookQuery>,
) -> AppResult<HttpResponse> {
    page(state, req, &path, "lookup", &query).await
}

/// The booking's QR: the lookup page with its code filled in (never the number), for the
/// person's own phone or a volunteer's tablet to open.
pub async fn qr_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<BookQuery>,
) -> AppResult<HttpResponse> {
    let code: String =
        query.code.as_deref().unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).take(8).collect();
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    if code.is_empty() {
        return not_found(state, req).await;
    }
    let url = format!("{}/m/{}/booking?code={code}", super::taxpayer::public_base(&state, &req), hall.code);
    let svg = super::qr::svg(&url).unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, max-age=86400"))
        .body(svg))
}
