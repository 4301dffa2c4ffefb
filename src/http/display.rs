//! Wall and window displays. Public pages: they show numbers, windows and counts only.
use super::i18n::Lang;
use super::pages::{not_found, render};
use crate::error::AppResult;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/display/{hall}", web::get().to(hall_display))
        .route("/display/{hall}/windows/{number}", web::get().to(window_screen));
}

/// `?windows=9,10&services=C&open_only=1&repeat=2&sound=on`
#[derive(Deserialize)]
pub struct DisplayQuery {
    windows: Option<String>,
    services: Option<String>,
    open_only: Option<String>,
    repeat: Option<String>,
    /// `on`: this device plays sound without a tap (remembered by its browser); `ask`: forget.
    sound: Option<String>,
    /// A registered display's device token (its setup address): kept in a cookie so the devices
    /// list shows when this screen last loaded.
    device: Option<String>,
}

/// The cookie a registered display keeps its device token in.
pub const DISPLAY_COOKIE: &str = "hallq_display";

fn list<T: std::str::FromStr>(text: Option<&str>) -> Option<Vec<T>> {
    let items: Vec<T> = text?.split(',').filter_map(|part| part.trim().parse().ok()).collect();
    (!items.is_empty()).then_some(items)
}

/// JSON for a `<script type="application/json">` block; `<` is escaped so text cannot close it.
pub(crate) fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

pub async fn hall_display(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<DisplayQuery>,
) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let token = query.device.clone().or_else(|| req.cookie(DISPLAY_COOKIE).map(|c| c.value().to_owned()));
    let registered = match &token {
        Some(token) => crate::services::devices::display_for(&state, &hall, token).await?.is_some(),
        None => false,
    };
    let (lang, _) = Lang::of(&req);
    let repeat = query.repeat.as_deref().and_then(|r| r.parse::<u32>().ok()).unwrap_or(state.settings.announce_repeat);
    let config = json!({
        "hall": hall.code,
        "timezone": hall.timezone.name(),
        "windows": list::<i32>(query.windows.as_deref()),
        "services": list::<String>(query.services.as_deref()),
        "openOnly": matches!(query.open_only.as_deref(), Some("1" | "true" | "yes")),
        "repeat": repeat.clamp(1, 3),
        "sound": query.sound.as_deref().filter(|s| matches!(*s, "on" | "ask")),
        "lang": lang.code(),
    });
    let mut context = tera::Context::new();
    context.insert("hall_name", if lang == Lang::En { &hall.name_en } else { &hall.name });
    context.insert("config_json", &script_json(&config));
    let mut response = render(&state, &req, "display/hall.html", context, StatusCode::OK)?;
    if registered && query.device.is_some() {
        let cookie = actix_web::cookie::Cookie::build(DISPLAY_COOKIE, token.unwrap_or_default())
            .path("/display")
            .secure(state.settings.secure_cookies)
            .http_only(true)
            .same_site(actix_web::cookie::SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::days(3650))
            .finish();
        response.add_cookie(&cookie).map_err(crate::error::AppError::internal)?;
    }
    Ok(response)
}

pub async fn window_screen(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (code, number) = path.into_inner();
    let Ok(hall) = state.halls.get(&code).await else { return not_found(state, req).await };
    let Some(window) = number.parse::<i32>().ok().and_then(|n| hall.window_by_number(n)) else {
        return not_found(state, req).await;
    };
    let (lang, _) = Lang::of(&req);
    let config = json!({ "hall": hall.code, "window": window.number, "lang": lang.code() });
    let mut context = tera::Context::new();
    context.insert("window_number", &window.number);
    context.insert("window_name", &window.name);
    context.insert("config_json", &script_json(&config));
    render(&state, &req, "display/window.html", context, StatusCode::OK)
}
