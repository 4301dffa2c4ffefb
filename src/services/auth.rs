//! Accounts and sessions: argon2 password hashes, random bearer tokens stored as SHA-256, and a
//! throttle on failed logins.
use crate::domain::ids::{HallId, UserId};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::persistence::users;
use crate::state::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Who is making a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `None` for accounts that span every hall (the admin).
    pub hall: Option<HallId>,
}

impl Actor {
    /// Runs this hall's floor: an admin, or a manager of the hall.
    pub fn manages(&self, hall: HallId) -> bool {
        self.role.manages_floor() && self.hall.is_none_or(|h| h == hall)
    }
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable random password for generated accounts.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..12).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

pub struct LoginSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

/// Failed logins per client address: after `MAX_FAILURES` within `WINDOW`, further attempts
/// are refused with 429 until the window passes.
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_FAILURES: u32 = 10;
const WINDOW: std::time::Duration = std::time::Duration::from_secs(300);

impl Default for LoginThrottle {
    fn default() -> Self {
        Self { failures: Mutex::new(HashMap::new()) }
    }
}

impl LoginThrottle {
    fn check(&self, client: &str) -> AppResult<()> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(client) {
            Some((count, since)) if *count >= MAX_FAILURES && since.elapsed() < WINDOW => {
                Err(AppError::too_many_requests((WINDOW - since.elapsed()).as_secs().max(1)))
            }
            _ => Ok(()),
        }
    }

    fn record_failure(&self, client: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(client.to_owned()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn clear(&self, client: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(client);
    }
}

#[tracing::instrument(skip(state, password))]
pub async fn login(state: &AppState, client: &str, username: &str, password: &str) -> AppResult<LoginSession> {
    state.login_throttle.check(client)?;
    let user = users::find_by_username(&state.db, username).await?;
    let Some(user) = user.filter(|u| u.active && verify_password(password, &u.password_hash)) else {
        state.login_throttle.record_failure(client);
        return Err(AppError::new(
            crate::error::ErrorKind::Unauthorized,
            "invalid_credentials",
            "wrong username or password",
        ));
    };
    state.login_throttle.clear(client);
    let token = super::tickets::new_token();
    let now = state.clock.now();
    let expires_at = now + Duration::hours(i64::from(state.settings.session_hours));
    users::insert_session(&state.db, &token_hash(&token), user.id, now, expires_at).await?;
    let actor = Actor {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        hall: user.hall_id,
    };
    Ok(LoginSession { token, expires_at, actor })
}

pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    users::delete_session(&state.db, &token_hash(token)).await?;
    Ok(())
}

/// The actor behind a bearer token or session cookie value.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Option<(Actor, DateTime<Utc>)>> {
    let found = users::find_session_user(&state.db, &token_hash(token), state.clock.now()).await?;
    Ok(found.filter(|(u, _)| u.active).map(|(u, expires)| {
        (Actor { id: u.id, username: u.username, display_name: u.display_name, role: u.role, hall: u.hall_id }, expires)
    }))
}
