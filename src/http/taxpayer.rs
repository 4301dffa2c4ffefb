//! Taxpayer pages: the kiosk (`/kiosk/{hall}`), the phone page (`/m/{hall}`), the tracking page
//! (`/t/{token}`, where the printed QR leads), the printable ticket and its QR code.
use super::display::script_json;
use super::extract::{phone_id, KIOSK_COOKIE, PHONE_COOKIE};
use super::i18n::{self, Lang};
use super::pages::{not_found, render};
use crate::domain::rating;
use crate::domain::schedule::OpenStatus;
use crate::error::AppResult;
use crate::persistence::halls::HallConfig;
use crate::services::{devices, ratings, tickets, views};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kiosk/{hall}", web::get().to(kiosk))
        .route("/m/{hall}", web::get().to(phone))
        .route("/t/{token}", web::get().to(tracking))
        .route("/t/{token}/print", web::get().to(printable))
        .route("/t/{token}/qr.svg", web::get().to(qr_code));
}

/// The address taxpayers reach this server at: `HALLQ_PUBLIC_URL`, or this request's host.
/// `Forwarded` / `X-Forwarded-*` are believed only from `HALLQ_TRUSTED_PROXIES`.
pub(super) fn public_base(state: &AppState, req: &HttpRequest) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.clone();
    }
    let from_trusted_proxy = req.peer_addr().is_some_and(|peer| state.settings.trusted_proxies.contains(&peer.ip()));
    if from_trusted_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

fn tracking_url(state: &AppState, req: &HttpRequest, token: &str) -> String {
    format!("{}/t/{token}", public_base(state, req))
}

/// Services as the kiosk and the phone show them: names, hints, queue figures, and how to do
/// it online when the hall says so.
async fn service_cards(state: &AppState, hall: &HallConfig, lang: Lang) -> AppResult<Vec<Value>> {
    let figures = views::service_views(&state.db, hall, state.clock.now()).await?;
    Ok(hall
        .active_services()
        .map(|s| {
            let f = figures.iter().find(|f| f.code == s.code);
            let online = hall.settings.online.get(&s.code);
            let guide = online.map(|g| if lang == Lang::En && !g.en.is_empty() { &g.en } else { &g.zh });
            let button =
                online.and_then(|g| if lang == Lang::En { g.button_en.as_ref() } else { g.button_zh.as_ref() });
            json!({
                "code": s.code,
                "name": if lang == Lang::En { &s.name_en } else { &s.name },
                "hint": if lang == Lang::En { s.hint_en.as_ref() } else { s.hint.as_ref() },
                "waiting": f.map_or(0, |f| f.waiting),
                "estimated_wait_minutes": f.map_or(0, |f| f.estimated_wait_minutes),
                "open_windows": f.map_or(0, |f| f.open_windows),
                "online": guide,
                "online_button": button,
            })
        })
        .collect())
}

fn open_status(state: &AppState, hall: &HallConfig) -> Value {
    match hall.schedule.status_at(state.clock.now(), hall.timezone) {
        OpenStatus::Open { .. } => json!({ "open": true }),
        OpenStatus::Closed { next_opening } => {
            json!({ "open": false, "next_opening": next_opening.map(|t| t.with_timezone(&hall.timezone).to_rfc3339()) })
        }
    }
}

fn hall_name(hall: &HallConfig, lang: Lang) -> &str {
    if lang == Lang::En {
        &hall.name_en
    } else {
        &hall.name
    }
}

/// Live pages: the browser must not show a stored copy (Back after taking a ticket would show
/// old counts and no 我的号码); each showing asks the server again.
fn no_store(response: &mut HttpResponse) {
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
}

#[derive(Deserialize)]
pub struct KioskQuery {
    device: Option<String>,
}

/// The kiosk. `?device=TOKEN` (the setup address a manager gets when registering the kiosk)
/// stores the device token in a long-lived cookie and comes back without it.
pub async fn kiosk(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<KioskQuery>,
) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    if let Some(token) = query.device.as_deref() {
        let known = devices::kiosk_for(&state, &hall, token).await?.is_some();
        let mut response = HttpResponse::SeeOther();
        response.insert_header((header::LOCATION, format!("/kiosk/{}", hall.code)));
        if known {
            let cookie = Cookie::build(KIOSK_COOKIE, token.to_owned())
                .path("/")
                .secure(state.settings.secure_cookies)
                .http_only(true)
                .same_site(SameSite::Strict)
                .max_age(actix_web::cookie::time::Duration::days(3650))
                .finish();
            response.cookie(cookie);
        }
        return Ok(response.finish());
    }
    let device = match super::extract::kiosk_token(&req) {
        Some(token) => devices::kiosk_for(&state, &hall, &token).await?,
        None => None,
    };
    let registered = device.is_some();
    let (lang, _) = Lang::of(&req);
    let config = json!({
        "hall": hall.code,
        "timezone": hall.timezone.name(),
        "lang": lang.code(),
        "texts": i18n::texts(lang),
        // The 预约签到 button shows when some service takes bookings.
        "bookable": hall.active_services().any(|s| s.appointments),
        "services": service_cards(&state, &hall, lang).await?,
        "status": open_status(&state, &hall),
        "hours": hall.schedule.hours_on_day_of(state.clock.now(), hall.timezone),
        "returnSeconds": hall.settings.kiosk_return_seconds,
        "registered": registered,
        // A registered kiosk prints the tickets volunteers send it (`print_requested`).
        "kiosk": device.map(|k| k.id),
    });
    let mut context = tera::Context::new();
    context.insert("hall_name", hall_name(&hall, lang));
    context.insert("config_json", &script_json(&config));
    render(&state, &req, "taxpayer/kiosk.html", context, StatusCode::OK)
}

/// The phone page the hall's poster QR leads to. Gives the phone its signed id cookie.
pub async fn phone(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Ok(hall) = state.halls.get(&path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let config = json!({
        "hall": hall.code,
        "lang": lang.code(),
        "texts": i18n::texts(lang),
        "services": service_cards(&state, &hall, lang).await?,
        "status": open_status(&state, &hall),
        "remoteIssue": hall.settings.remote_issue,
        "requirePhone": hall.settings.require_phone,
    });
    let mut context = tera::Context::new();
    context.insert("hall_name", hall_name(&hall, lang));
    context.insert("config_json", &script_json(&config));
    let mut response = render(&state, &req, "taxpayer/phone.html", context, StatusCode::OK)?;
    no_store(&mut response);
    let mint_key = [(
        format!("mint:ip:{}", super::extract::client_address(&req)),
        state.settings.public_rate_limit.saturating_mul(crate::services::limits::COOKIE_MINT_FACTOR),
    )];
    // An address that keeps asking for fresh phone ids gets the page without one; its tickets
    // then count against the address's own limit.
    if phone_id(&req, &state).is_none() && state.public_limiter.check(&mint_key).await.is_ok() {
        let (_, value) = state.phone_ids.mint();
        let cookie = Cookie::build(PHONE_COOKIE, value)
            .path("/")
            .secure(state.settings.secure_cookies)
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        response.add_cookie(&cookie).map_err(crate::error::AppError::internal)?;
    }
    Ok(response)
}

/// The taxpayer's own page for one ticket: live place in line, the call, cancel, and the
/// rating once served.
pub async fn tracking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Ok((hall, row, ticket)) = tickets::lookup(&state, &path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let rated = ratings::of_ticket(&state, &row).await?;
    let config = json!({
        "hall": hall.code,
        "token": path.as_str(),
        "lang": lang.code(),
        "texts": i18n::texts(lang),
        "ticket": ticket,
        "rating": rated,
        "almostAhead": hall.settings.almost_turn_ahead,
        "levels": rating::LEVELS.iter().map(|(score, zh, en)| json!({ "score": score, "label": if lang == Lang::En { en } else { zh } })).collect::<Vec<_>>(),
        "praiseTags": rating::PRAISE_TAGS,
        "complaintTags": rating::COMPLAINT_TAGS,
    });
    let mut context = tera::Context::new();
    context.insert("hall_name", hall_name(&hall, lang));
    context.insert("number", &ticket.number);
    context.insert("hall", &hall.code);
    context.insert("config_json", &script_json(&config));
    let mut response = render(&state, &req, "taxpayer/track.html", context, StatusCode::OK)?;
    no_store(&mut response);
    Ok(response)
}

#[derive(Deserialize)]
pub struct PrintQuery {
    paper: Option<u32>,
    autoprint: Option<String>,
}

/// The ticket as printed on 58 mm or 80 mm thermal paper.
pub async fn printable(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PrintQuery>,
) -> AppResult<HttpResponse> {
    let Ok((hall, _, ticket)) = tickets::lookup(&state, &path).await else { return not_found(state, req).await };
    let (lang, _) = Lang::of(&req);
    let url = tracking_url(&state, &req, &path);
    let issued = ticket.issued_at.with_timezone(&hall.timezone).format("%Y-%m-%d %H:%M").to_string();
    let mut context = tera::Context::new();
    context.insert("hall_name", hall_name(&hall, lang));
    context.insert("address", &hall.address);
    context.insert("ticket", &ticket);
    context.insert("service_name", if lang == Lang::En { &ticket.service_name_en } else { &ticket.service_name });
    context.insert("issued", &issued);
    let grace = hall.settings.queue_rules(state.settings.queue_rule_defaults()).no_show_grace;
    let grace_minutes = u32::try_from(grace.num_minutes()).unwrap_or(0);
    context.insert("no_show_rule", &i18n::no_show_rule(lang, grace_minutes));
    context.insert("paper", &if query.paper == Some(58) { 58 } else { 80 });
    context.insert("qr_svg", &super::qr::svg(&url).unwrap_or_default());
    context.insert("url", &url);
    context.insert("autoprint", &matches!(query.autoprint.as_deref(), Some("1" | "true")));
    render(&state, &req, "taxpayer/print.html", context, StatusCode::OK)
}

pub async fn qr_code(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    if tickets::find_by_token(&state, &path).await.is_err() {
        return not_found(state, req).await;
    }
    let svg = super::qr::svg(&tracking_url(&state, &req, &path)).unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(svg))
}
