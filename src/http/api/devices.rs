//! Devices: registering, listing and revoking kiosks (managers of the hall, admins).
use crate::error::AppResult;
use crate::http::extract::Authenticated;
use crate::persistence;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ErrorBody;

#[derive(Deserialize, ToSchema)]
pub struct KioskBody {
    /// Where it stands, e.g. 大厅入口取号机.
    pub name: String,
    /// `kiosk` (default) or `display`.
    pub kind: Option<String>,
}

fn kiosk_json(k: &persistence::kiosks::KioskRow) -> serde_json::Value {
    json!({ "id": k.id, "name": k.name, "kind": k.kind, "created_at": k.created_at, "last_seen_at": k.last_seen_at, "revoked_at": k.revoked_at })
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/kiosks", tag = "kiosks", params(("hall" = String, Path)), request_body = KioskBody,
    responses((status = 201, description = "`{id, name, created_at, token, setup_url}`: the token is shown this once"), (status = 403, body = ErrorBody)))]
pub async fn register_kiosk(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
    body: web::Json<KioskBody>,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let (kiosk, token) =
        crate::services::devices::register_kiosk(&state, &who.0, &hall, &body.name, body.kind.as_deref()).await?;
    let mut answer = kiosk_json(&kiosk);
    let page = if kiosk.kind == crate::services::devices::DISPLAY { "display" } else { "kiosk" };
    answer["setup_url"] = json!(format!("/{page}/{}?device={token}", hall.code));
    answer["token"] = json!(token);
    Ok(HttpResponse::Created().json(answer))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/kiosks", tag = "kiosks", params(("hall" = String, Path)),
    responses((status = 200, description = "the hall's kiosks (never their tokens)"), (status = 403, body = ErrorBody)))]
pub async fn list_kiosks(
    state: web::Data<AppState>,
    path: web::Path<String>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let hall = state.halls.get(&path).await?;
    let kiosks = crate::services::devices::list_kiosks(&state, &who.0, &hall).await?;
    Ok(HttpResponse::Ok().json(kiosks.iter().map(kiosk_json).collect::<Vec<_>>()))
}

#[utoipa::path(delete, path = "/api/v1/halls/{hall}/kiosks/{id}", tag = "kiosks", params(("hall" = String, Path), ("id" = i32, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_kiosk(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    who: Authenticated,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    let hall = state.halls.get(&code).await?;
    crate::services::devices::revoke_kiosk(&state, &who.0, &hall, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
