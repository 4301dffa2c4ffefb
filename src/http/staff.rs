//! Staff pages: the window console (`/window`), the hall floor control (`/floor/{hall}`) and
//! the volunteer tablet (`/volunteer/{hall}`).
//! Both are shells; their scripts sign in and read the JSON API, so the API's rules are the
//! only rules.
use super::display::script_json;
use super::i18n::{self, Lang};
use super::pages::{not_found, render};
use crate::error::AppResult;
use crate::persistence;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/window", web::get().to(window_console))
        .route("/floor/{hall}", web::get().to(floor))
        .route("/volunteer/{hall}", web::get().to(volunteer));
}

fn config(hall: &str, timezone: &str, lang: Lang) -> String {
    script_json(&json!({ "hall": hall, "timezone": timezone, "lang": lang.code(), "texts": i18n::texts(lang),
        "help_reasons": crate::domain::floor_watch::HELP_REASONS }))
}

pub async fn window_console(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    // The hall comes from the account once signed in; this is for accounts without one (admin).
    let first = persistence::halls::list(&state.db).await?.into_iter().next();
    let (hall, timezone) = first.map(|h| (h.code, h.timezone)).unwrap_or_default();
    let (lang, _) = Lang::of(&req);
    let mut context = tera::Context::new();
    context.insert("config_json", &config(&hall, &timezone, lang));
    render(&state, &req, "staff/window.html", context, StatusCode::OK)
}

pub async fn floor(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let mut context = tera::Context::new();
    context.insert("hall_name", if lang == Lang::En { &hall.name_en } else { &hall.name });
    context.insert("config_json", &config(&hall.code, hall.timezone.name(), lang));
    render(&state, &req, "staff/floor.html", context, StatusCode::OK)
}

pub async fn volunteer(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let mut context = tera::Context::new();
    context.insert("hall_name", if lang == Lang::En { &hall.name_en } else { &hall.name });
    context.insert("hall_code", &hall.code);
    context.insert("config_json", &config(&hall.code, hall.timezone.name(), lang));
    render(&state, &req, "staff/volunteer.html", context, StatusCode::OK)
}
