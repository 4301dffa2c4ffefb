//! Defences every response and request passes through: security headers, and the same-origin
//! rule for state-changing requests a browser's cookie authenticates (see docs/security.md).
use super::extract::{KIOSK_COOKIE, PHONE_COOKIE, SESSION_COOKIE};
use crate::error::ErrorCode;
use crate::error::{AppError, ErrorKind};
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, ResponseError};

/// Pages carry no inline script (page data travels in `<script type="application/json">`,
/// which is not executed); the printable ticket has its own inline `<style>`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'";

/// Adds the security headers and refuses cross-origin writes that ride on a cookie.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let embeddable = is_embeddable(req.path());
    if let Err(refused) = check_origin(req.request()) {
        let response = refused.error_response();
        let mut response = req.into_response(response).map_into_right_body();
        add_headers(response.headers_mut(), embeddable);
        return Ok(response);
    }
    let mut response = next.call(req).await?.map_into_left_body();
    add_headers(response.headers_mut(), embeddable);
    Ok(response)
}

/// Display pages are meant to run inside a signage player's frame; nothing else is.
fn is_embeddable(path: &str) -> bool {
    path.starts_with("/display/")
}

fn add_headers(headers: &mut header::HeaderMap, embeddable: bool) {
    let set = |headers: &mut header::HeaderMap, name: header::HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, header::HeaderValue::from_static(value));
        }
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if embeddable {
        set(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    } else {
        set(headers, header::X_FRAME_OPTIONS, "DENY");
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            let policy = format!("{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'");
            if let Ok(value) = header::HeaderValue::from_str(&policy) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
        }
    }
}

/// A state-changing request that a browser authenticates with one of our cookies must come
/// from one of our own pages: its `Origin` (or, failing that, `Referer`) must be this server
/// (the request's own host) or `HALLQ_PUBLIC_URL`. Bearer-token requests carry their
/// credential explicitly and are not affected.
pub fn check_origin(req: &HttpRequest) -> Result<(), AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if req.headers().contains_key(header::AUTHORIZATION) || !carries_our_cookie(req) {
        return Ok(());
    }
    let public_url = req.app_data::<web::Data<AppState>>().and_then(|s| s.settings.public_url.clone());
    let claimed = header_text(req, header::ORIGIN)
        .filter(|o| *o != "null")
        .map(str::to_owned)
        .or_else(|| header_text(req, header::REFERER).and_then(origin_of));
    let host = header_text(req, header::HOST).unwrap_or_default();
    let allowed = claimed.as_deref().is_some_and(|origin| {
        host_of(origin).is_some_and(|h| h.eq_ignore_ascii_case(host))
            || public_url.as_deref().is_some_and(|url| url.eq_ignore_ascii_case(origin))
    });
    if allowed {
        return Ok(());
    }
    tracing::warn!(origin = ?claimed, %host, path = %req.path(), "cross-origin write refused");
    Err(AppError::new(
        ErrorKind::Forbidden,
        ErrorCode::CrossOrigin,
        "this request did not come from one of this server's own pages (its Origin does not match)",
    ))
}

fn carries_our_cookie(req: &HttpRequest) -> bool {
    [SESSION_COOKIE, KIOSK_COOKIE, PHONE_COOKIE].iter().any(|name| req.cookie(name).is_some())
}

fn header_text(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// `scheme://host[:port]` of a full address.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!("{scheme}://{authority}"))
}

/// `host[:port]` of an origin.
fn host_of(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_cut_from_referers() {
        assert_eq!(origin_of("http://hall.local:8080/window?x=1").as_deref(), Some("http://hall.local:8080"));
        assert_eq!(origin_of("not a url"), None);
        assert_eq!(host_of("https://queue.example.gov.cn"), Some("queue.example.gov.cn"));
    }
}
