//! Who is issuing when nobody signs in: registered kiosks (a device token a manager created),
//! and phones (a random id in a cookie signed with the server's key).
use super::auth::{token_hash, Actor};
use super::keyed_hash::KeyedHash;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::halls::HallConfig;
use crate::persistence::kiosks::{self, KioskRow};
use crate::state::Core;
use rand::RngCore;

pub const MAX_KIOSK_NAME_CHARS: usize = 60;
/// The kinds of registered device: a kiosk (its token lets it print and issue as the hall's
/// kiosk) and a wall display (its token only says which screen is which and when it was seen).
pub const KIOSK: &str = "kiosk";
pub const DISPLAY: &str = "display";

/// Signs and checks phone ids. The key lives in the database, shared by every instance.
#[derive(Clone)]
pub struct PhoneIds {
    key: KeyedHash,
}

impl PhoneIds {
    pub fn new(key: &str) -> Self {
        Self { key: KeyedHash::new(key) }
    }

    fn mac(&self, id: &str) -> String {
        self.key.hex(id)
    }

    /// A new phone id and its cookie value (`id.signature`).
    pub fn mint(&self) -> (String, String) {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let id = hex::encode(bytes);
        let cookie = format!("{id}.{}", self.mac(&id));
        (id, cookie)
    }

    /// The id in a cookie value, if the signature is ours.
    pub fn verify(&self, cookie: &str) -> Option<String> {
        let (id, signature) = cookie.split_once('.')?;
        let valid = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
        (valid && super::auth::same_secret(signature, &self.mac(id))).then(|| id.to_owned())
    }
}

/// A new kiosk token: 32 random bytes, shown once; only its hash is stored.
pub async fn register_kiosk(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    name: &str,
    kind: Option<&str>,
) -> AppResult<(KioskRow, String)> {
    let kind = match kind.unwrap_or(KIOSK) {
        KIOSK => KIOSK,
        DISPLAY => DISPLAY,
        other => {
            return Err(AppError::bad_request(
                ErrorCode::InvalidField,
                format!("kind '{other}' is neither kiosk nor display"),
            ))
        }
    };
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may register kiosks"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_KIOSK_NAME_CHARS {
        return Err(AppError::bad_request(
            ErrorCode::InvalidName,
            format!("give the kiosk a name of 1 to {MAX_KIOSK_NAME_CHARS} characters, e.g. 大厅入口取号机"),
        ));
    }
    let token = super::tickets::new_token();
    let now = state.clock.now();
    let row = kiosks::insert(&state.db, hall.id, name, kind, &token_hash(&token), actor.id, now).await?;
    let after = serde_json::json!({ "id": row.id, "name": name, "kind": kind });
    super::audit::record(
        &state.db,
        actor,
        Some(hall.id),
        "kiosk.registered",
        &format!("kiosk:{}", row.id),
        None,
        Some(after),
        now,
    )
    .await?;
    tracing::info!(hall = %hall.code, kiosk = row.id, by = %actor.username, "kiosk registered");
    Ok((row, token))
}

pub async fn list_kiosks(state: &Core, actor: &Actor, hall: &HallConfig) -> AppResult<Vec<KioskRow>> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may see its kiosks"));
    }
    Ok(kiosks::list(&state.db, hall.id).await?)
}

pub async fn revoke_kiosk(state: &Core, actor: &Actor, hall: &HallConfig, id: i32) -> AppResult<()> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("only a manager of this hall or an admin may revoke kiosks"));
    }
    if !kiosks::revoke(&state.db, hall.id, id, state.clock.now()).await? {
        return Err(AppError::not_found(
            ErrorCode::KioskNotFound,
            format!("hall '{}' has no active kiosk {id}", hall.code),
        ));
    }
    let target = format!("kiosk:{id}");
    super::audit::record(&state.db, actor, Some(hall.id), "kiosk.revoked", &target, None, None, state.clock.now())
        .await?;
    tracing::info!(hall = %hall.code, kiosk = id, by = %actor.username, "kiosk revoked");
    Ok(())
}

/// The registered kiosk behind a device token, if it belongs to this hall.
pub async fn kiosk_for(state: &Core, hall: &HallConfig, token: &str) -> AppResult<Option<KioskRow>> {
    device_for(state, hall, token, KIOSK).await
}

/// The registered display behind a device token, if it belongs to this hall (noted as seen).
pub async fn display_for(state: &Core, hall: &HallConfig, token: &str) -> AppResult<Option<KioskRow>> {
    device_for(state, hall, token, DISPLAY).await
}

/// A ticket sent to a kiosk to print.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PrintView {
    pub id: i64,
    pub kiosk: i32,
    pub kiosk_name: String,
    pub number: String,
}

/// A volunteer (or manager) sends a ticket to one of the hall's registered kiosks to print:
/// recorded, and announced to that kiosk by an event that names only the request.
#[tracing::instrument(skip(state, actor, token), fields(user = %actor.username))]
pub async fn send_to_kiosk(state: &Core, actor: &Actor, token: &str, kiosk: i32) -> AppResult<PrintView> {
    let (hall, ticket) = super::tickets::find_by_token(state, token).await?;
    if !super::floor_watch::works_floor(actor, hall.id) {
        return Err(AppError::forbidden("tickets are sent to kiosks by the hall's volunteers and managers"));
    }
    let device = kiosks::list(&state.db, hall.id)
        .await?
        .into_iter()
        .find(|k| k.id == kiosk && k.kind == KIOSK && k.revoked_at.is_none())
        .ok_or_else(|| {
            AppError::not_found(
                ErrorCode::KioskNotFound,
                format!("hall '{}' has no registered kiosk {kiosk}", hall.code),
            )
        })?;
    let mut write = super::hall_write::HallWrite::begin(state, &hall).await?;
    let id = kiosks::insert_print(write.txn()?, hall.id, device.id, ticket.id.0, actor.id, write.now).await?;
    let body =
        crate::domain::events::EventBody::Print { print: crate::domain::events::PublicPrint { id, kiosk: device.id } };
    write.emit(crate::domain::events::EventKind::PrintRequested, body, Some(actor.id)).await?;
    write.commit(state).await?;
    tracing::info!(hall = %hall.code, kiosk = device.id, number = %ticket.number, "ticket sent to a kiosk");
    Ok(PrintView { id, kiosk: device.id, kiosk_name: device.name, number: ticket.number })
}

/// The hall's registered kiosks (not revoked), by name: where a volunteer may send a ticket.
pub async fn printing_kiosks(state: &Core, hall: &HallConfig) -> AppResult<Vec<(i32, String)>> {
    Ok(kiosks::list(&state.db, hall.id)
        .await?
        .into_iter()
        .filter(|k| k.kind == KIOSK && k.revoked_at.is_none())
        .map(|k| (k.id, k.name))
        .collect())
}

/// A registered kiosk takes a print request meant for it (once): the ticket to print.
pub async fn claim_print(state: &Core, device_token: Option<&str>, id: i64) -> AppResult<super::views::TicketView> {
    let device = match device_token.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())) {
        Some(token) => kiosks::authenticate(&state.db, &token_hash(token), KIOSK, state.clock.now()).await?,
        None => None,
    };
    let Some(device) = device else { return Err(AppError::unauthorized()) };
    let ticket = kiosks::claim_print(&state.db, id, device.id, state.clock.now()).await?.ok_or_else(|| {
        AppError::not_found(ErrorCode::NotFound, "no print request waits for this kiosk with that id")
    })?;
    let row = crate::persistence::tickets::find(&state.db, crate::domain::ids::TicketId(ticket))
        .await?
        .ok_or_else(|| AppError::internal("ticket vanished"))?;
    super::tickets::view_by_token(state, &row.token).await
}

async fn device_for(state: &Core, hall: &HallConfig, token: &str, kind: &str) -> AppResult<Option<KioskRow>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let device = kiosks::authenticate(&state.db, &token_hash(token), kind, state.clock.now()).await?;
    Ok(device.filter(|k| k.hall_id == hall.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_cookies_are_signed() {
        let ids = PhoneIds::new("a server key");
        let (id, cookie) = ids.mint();
        assert_eq!(ids.verify(&cookie), Some(id.clone()));
        assert_eq!(PhoneIds::new("another key").verify(&cookie), None);
        let forged = format!("{}.{}", "0".repeat(32), &cookie[33..]);
        assert_eq!(ids.verify(&forged), None);
        assert_eq!(ids.verify("garbage"), None);
        assert_eq!(ids.verify(&format!("{id}.")), None);
    }
}
