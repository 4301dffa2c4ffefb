//! Server-rendered pages (tera, one base layout). This issue has the start page; the kiosk,
//! displays, window console, volunteer tablet and admin pages join it in their own issues.
use super::i18n::{self, Lang};
use crate::error::{AppError, AppResult};
use crate::persistence;
use crate::services::views;
use crate::state::AppState;
use actix_web::cookie::Cookie;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .configure(super::admin::routes)
        .configure(super::booking::routes)
        .configure(super::display::routes)
        .configure(super::staff::routes)
        .configure(super::taxpayer::routes)
        .default_service(web::to(not_found));
}

pub(crate) fn render(
    state: &AppState,
    req: &HttpRequest,
    template: &str,
    mut context: tera::Context,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let (lang, chosen) = Lang::of(req);
    context.insert("lang", lang.code());
    context.insert("t", &i18n::texts(lang));
    context.insert("path", req.path());
    let html = state.templates.render(template, &context).map_err(AppError::internal)?;
    let mut response = HttpResponse::build(status);
    if chosen {
        response.cookie(
            Cookie::build(i18n::LANG_COOKIE, if lang == Lang::En { "en" } else { "zh" })
                .path("/")
                .secure(state.settings.secure_cookies)
                .finish(),
        );
    }
    Ok(response.content_type("text/html; charset=utf-8").body(html))
}

pub async fn index(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut halls = Vec::new();
    for hall in persistence::halls::list(&state.db).await? {
        let config = state.halls.get(&hall.code).await?;
        let services = views::service_views(&state.db, &config, state.clock.now()).await?;
        let windows = views::window_views(&state.db, &config).await?;
        halls.push(json!({ "code": hall.code, "name": hall.name, "name_en": hall.name_en, "services": services, "windows": windows }));
    }
    let mut context = tera::Context::new();
    context.insert("halls", &halls);
    render(&state, &req, "index.html", context, actix_web::http::StatusCode::OK)
}

pub async fn not_found(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    render(&state, &req, "not_found.html", tera::Context::new(), actix_web::http::StatusCode::NOT_FOUND)
}
