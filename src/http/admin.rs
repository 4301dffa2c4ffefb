//! Administration pages (`/admin`): shells in the house style whose script signs in and calls
//! the JSON API, so the API's rules are the only rules (like the floor and the console).
use super::display::script_json;
use super::i18n::{self, Lang};
use super::pages::{not_found, render};
use crate::error::AppResult;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(home))
        .route("/admin/halls/{hall}", web::get().to(hall))
        .route("/admin/audit", web::get().to(audit))
        .route("/admin/password", web::get().to(password))
        .route("/admin/reports/{hall}", web::get().to(reports))
        .route("/admin/live/{hall}", web::get().to(live))
        .route("/admin/plan/{hall}", web::get().to(plan))
        .route("/admin/reports/{hall}/monthly", web::get().to(monthly));
}

fn page(
    state: &AppState,
    req: &HttpRequest,
    template: &str,
    page: &str,
    hall: Option<(&str, &str, &str)>,
) -> AppResult<HttpResponse> {
    let (lang, _) = Lang::of(req);
    let mut context = tera::Context::new();
    let (code, name, timezone) = hall.unwrap_or(("", "", state.settings.timezone.name()));
    context.insert("hall_code", code);
    context.insert("hall_name", name);
    context.insert(
        "config_json",
        &script_json(&json!({
            "page": page, "hall": code, "timezone": timezone, "server_timezone": state.settings.timezone.name(),
            "lang": lang.code(), "texts": i18n::texts(lang),
        })),
    );
    render(state, req, template, context, StatusCode::OK)
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    page(&state, &req, "admin/home.html", "home", None)
}

pub async fn hall(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let name = if lang == Lang::En { &hall.name_en } else { &hall.name };
    page(&state, &req, "admin/hall.html", "hall", Some((&hall.code, name, hall.timezone.name())))
}

pub async fn audit(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    page(&state, &req, "admin/audit.html", "audit", None)
}

pub async fn password(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    page(&state, &req, "admin/password.html", "password", None)
}

pub async fn reports(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let name = if lang == Lang::En { &hall.name_en } else { &hall.name };
    page(&state, &req, "admin/reports.html", "reports", Some((&hall.code, name, hall.timezone.name())))
}

pub async fn live(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let name = if lang == Lang::En { &hall.name_en } else { &hall.name };
    page(&state, &req, "admin/live.html", "live", Some((&hall.code, name, hall.timezone.name())))
}

/// Peak-day planning: the forecast, the recommended windows and both simulations for a date.
pub async fn plan(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let name = if lang == Lang::En { &hall.name_en } else { &hall.name };
    page(&state, &req, "admin/plan.html", "plan", Some((&hall.code, name, hall.timezone.name())))
}

/// The printable monthly summary (`?month=YYYY-MM`, this month by default), A4.
pub async fn monthly(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let name = if lang == Lang::En { &hall.name_en } else { &hall.name };
    page(&state, &req, "admin/monthly.html", "monthly", Some((&hall.code, name, hall.timezone.name())))
}
