//! Accounts and sessions: argon2 password hashes, random bearer tokens stored as SHA-256, and a
//! throttle on failed logins.
use crate::domain::ids::{HallId, UserId};
use crate::domain::lockout::{Attempt, Lockout, Outcome};
use crate::domain::role::Role;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::persistence::users;
use crate::services::limits::{moment_now, moment_to_utc};
use crate::state::Core;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// Whether two secrets are equal, taking the same time wherever they differ (both are hashed
/// first, so lengths give nothing away either).
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who is making a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `None` for accounts that span every hall (the admin).
    pub hall: Option<HallId>,
    /// The address the request came from, for the audit log (empty outside a request).
    pub address: String,
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

/// Checks `password` against a PHC-format argon2 hash, computing in `memory` (grown to the
/// hash's memory cost once, then reused) instead of allocating ~19 MiB for every check.
fn verify_in(memory: &mut Vec<argon2::Block>, password: &str, hash: &str) -> bool {
    use argon2::password_hash::Output;
    use argon2::{Algorithm, Params, Version};
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed)) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..blocks],
    );
    // `Output` compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
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

/// Wrong passwords per account and per address (`domain::lockout`), and the threads that hash.
/// One instance (SQLite) keeps the records in memory; instances sharing a PostgreSQL database
/// keep them in it (`persistence::throttles`), so a lockout holds on every instance.
pub struct LoginThrottle {
    lockout: Mutex<Lockout>,
    shared: Option<sea_orm::DatabaseConnection>,
    max_failures: u32,
    hasher: Hasher,
    /// Checked when the username is unknown, so that answer takes as long as a wrong password.
    /// Made on first need, not at start-up.
    dummy_hash: tokio::sync::OnceCell<String>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, hash_threads: u32, shared: Option<sea_orm::DatabaseConnection>) -> Self {
        Self {
            lockout: Mutex::new(Lockout::default()),
            shared,
            max_failures,
            hasher: Hasher::start(hash_threads),
            dummy_hash: tokio::sync::OnceCell::new(),
        }
    }

    async fn begin(&self, account: &str, address: &str) -> AppResult<Attempt> {
        let now = moment_now();
        let max = self.max_failures;
        let verdict = self.change(account, address, |lockout| lockout.begin(account, address, max, now)).await?;
        verdict.map_err(|wait| {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            AppError::too_many_requests(seconds)
                .with_code(ErrorCode::RateLimited, format!("too many wrong passwords; try again in {seconds} seconds"))
                .with_detail("retry_after_seconds", seconds)
        })
    }

    async fn finish(&self, attempt: Attempt, outcome: Outcome) {
        let (account, address) = (attempt.account().to_owned(), attempt.address().to_owned());
        let max = self.max_failures;
        let finished =
            self.change(&account, &address, |lockout| lockout.finish(attempt, outcome, max, moment_now())).await;
        if let Err(err) = finished {
            tracing::warn!(%err, "a login's outcome could not be counted");
        }
    }

    /// Runs `change` on the lockout records of `account` and `address`: in memory, or, shared,
    /// on the stored records with their rows locked.
    async fn change<T>(&self, account: &str, address: &str, change: impl FnOnce(&mut Lockout) -> T) -> AppResult<T> {
        let Some(db) = &self.shared else {
            let mut lockout = self.lockout.lock().unwrap_or_else(|p| p.into_inner());
            lockout.forget_old(moment_now());
            return Ok(change(&mut lockout));
        };
        let keys = [format!("login:account:{account}"), format!("login:address:{address}")];
        let answer = crate::persistence::throttles::update(db, &keys, |states| {
            let record = |state: &Option<String>| state.as_deref().and_then(|s| serde_json::from_str(s).ok());
            let mut lockout = Lockout::with_records((account, record(&states[0])), (address, record(&states[1])));
            let answer = change(&mut lockout);
            let (on_account, on_address) = lockout.records(account, address);
            let stored = [on_account, on_address]
                .into_iter()
                .map(|r| Some((serde_json::to_string(&r?).ok()?, moment_to_utc(r?.keep_until()))))
                .collect();
            (answer, stored)
        })
        .await?;
        Ok(answer)
    }

    /// Whether `password` matches `hash`; with no hash (unknown account) a dummy is checked so
    /// the answer takes as long, and is no.
    async fn verify(&self, password: &str, hash: Option<&str>) -> AppResult<bool> {
        let known = hash.is_some();
        let hash = match hash {
            Some(hash) => hash.to_owned(),
            None => self.dummy_hash.get_or_try_init(|| self.hasher.hash(generate_password())).await?.clone(),
        };
        Ok(self.hasher.verify(password.to_owned(), hash).await? && known)
    }
}

/// argon2 takes ~19 MiB and a core for a moment. It runs on a few threads of its own, never on
/// the web workers: a flood of logins queues here instead of starving every other request, and
/// since each thread reuses its own allocation, memory stays bounded by the thread count.
struct Hasher {
    jobs: std::sync::mpsc::Sender<HashJob>,
}

enum HashJob {
    Verify { password: String, hash: String, reply: tokio::sync::oneshot::Sender<bool> },
    Hash { password: String, reply: tokio::sync::oneshot::Sender<AppResult<String>> },
}

impl Hasher {
    fn start(threads: u32) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<HashJob>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for _ in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name("hallq-hash".into()).spawn(move || {
                // One working memory per thread, allocated once and reused by every check.
                let mut memory = Vec::new();
                loop {
                    // The lock is held only while waiting for the next job.
                    let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match job {
                        Ok(HashJob::Verify { password, hash, reply }) => {
                            let _ = reply.send(verify_in(&mut memory, &password, &hash));
                        }
                        Ok(HashJob::Hash { password, reply }) => {
                            let _ = reply.send(hash_password(&password));
                        }
                        // The application is gone.
                        Err(_) => break,
                    }
                }
            });
            if let Err(err) = spawned {
                tracing::error!(%err, "cannot start a password-hashing thread");
            }
        }
        Self { jobs }
    }

    async fn verify(&self, password: String, hash: String) -> AppResult<bool> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs.send(HashJob::Verify { password, hash, reply }).map_err(AppError::internal)?;
        answer.await.map_err(AppError::internal)
    }

    async fn hash(&self, password: String) -> AppResult<String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs.send(HashJob::Hash { password, reply }).map_err(AppError::internal)?;
        answer.await.map_err(AppError::internal)?
    }
}

/// The active account `username` if `password` is its password, counted by the throttle (a
/// wrong one counts towards the account's lockout; a right one clears it). `None`: wrong
/// username or password, told apart by neither answer nor time.
async fn check_password(
    state: &Core,
    client: &str,
    username: &str,
    password: &str,
) -> AppResult<Option<users::UserRow>> {
    let throttle = &state.login_throttle;
    let attempt = throttle.begin(username, client).await?;
    let checked = async {
        let user = users::find_by_username(&state.db, username).await?.filter(|u| u.active);
        let right = throttle.verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
        AppResult::Ok(user.filter(|_| right))
    }
    .await;
    let outcome = match &checked {
        Ok(Some(_)) => Outcome::Right,
        Ok(None) => Outcome::Wrong,
        Err(_) => Outcome::Unknown,
    };
    throttle.finish(attempt, outcome).await;
    checked
}

#[tracing::instrument(skip(state, password))]
pub async fn login(state: &Core, client: &str, username: &str, password: &str) -> AppResult<LoginSession> {
    let Some(user) = check_password(state, client, username, password).await? else {
        return Err(AppError::new(
            crate::error::ErrorKind::Unauthorized,
            ErrorCode::InvalidCredentials,
            "wrong username or password",
        ));
    };
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
        address: client.to_owned(),
    };
    Ok(LoginSession { token, expires_at, actor })
}

/// Changes the actor's own password after checking the current one (throttled like a login).
/// Every other session of the account ends; the one making the change stays.
#[tracing::instrument(skip(state, actor, current, new, keep_token), fields(user = %actor.username))]
pub async fn change_password(
    state: &Core,
    actor: &Actor,
    client: &str,
    current: &str,
    new: &str,
    keep_token: &str,
) -> AppResult<()> {
    crate::domain::setup::password(&actor.username, new)
        .map_err(|(code, message)| AppError::bad_request(code, message))?;
    if new == current {
        return Err(AppError::bad_request(ErrorCode::SamePassword, "the new password is the same as the current one"));
    }
    if check_password(state, client, &actor.username, current).await?.is_none() {
        return Err(AppError::new(
            crate::error::ErrorKind::Forbidden,
            ErrorCode::WrongPassword,
            "the current password is not right",
        ));
    }
    let hash = state.login_throttle.hasher.hash(new.to_owned()).await?;
    let txn = state.db.begin().await?;
    users::set_password_hash(&txn, actor.id, &hash).await?;
    users::delete_sessions_except(&txn, actor.id, &token_hash(keep_token)).await?;
    let target = format!("user:{}", actor.username);
    super::audit::record(&txn, actor, actor.hall, "user.password_changed", &target, None, None, state.clock.now())
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Hashes a new password on the hashing threads (never on a web worker).
pub async fn hash_new_password(state: &Core, password: &str) -> AppResult<String> {
    state.login_throttle.hasher.hash(password.to_owned()).await
}

pub async fn logout(state: &Core, token: &str) -> AppResult<()> {
    users::delete_session(&state.db, &token_hash(token)).await?;
    Ok(())
}

/// The actor behind a bearer token or session cookie value.
pub async fn authenticate(state: &Core, token: &str) -> AppResult<Option<(Actor, DateTime<Utc>)>> {
    let found = state.reads().find_session_user(&token_hash(token), state.clock.now()).await?;
    Ok(found.filter(|(u, _)| u.active).map(|(u, expires)| {
        (
            Actor {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                hall: u.hall_id,
                address: String::new(),
            },
            expires,
        )
    }))
}

/// The ids of the windows this person is assigned to.
pub async fn windows_of(state: &Core, actor: &Actor) -> AppResult<Vec<i32>> {
    Ok(crate::persistence::users::windows_of(&state.db, actor.id).await?.into_iter().map(|w| w.0).collect())
}

/// Who the signed-in person is, for `GET /api/v1/auth/me`: their hall, role, windows and the
/// window they are signed in at.
pub async fn about(state: &Core, actor: &Actor) -> AppResult<serde_json::Value> {
    let windows = windows_of(state, actor).await?;
    let signed_in = crate::persistence::windows::signed_in_window(&state.db, actor.id).await?;
    let hall_code = match actor.hall {
        Some(hall) => Some(state.halls.get_by_id(hall).await?.code.clone()),
        None => None,
    };
    Ok(serde_json::json!({
        "id": actor.id.0,
        "hall_code": hall_code,
        "signed_in_window": signed_in.map(|w| serde_json::json!({ "id": w.id.0, "number": w.number })),
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role.as_str(),
        "hall": actor.hall.map(|h| h.0),
        "windows": windows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_checks_against_its_own_hash_only() {
        let hash = hash_password("demo-pass-123").expect("hashes");
        let mut memory = Vec::new();
        assert!(verify_in(&mut memory, "demo-pass-123", &hash));
        assert!(!verify_in(&mut memory, "demo-pass-124", &hash));
        assert!(!verify_in(&mut memory, "demo-pass-123", "not a hash"));
        // The memory is reused, not grown again.
        let blocks = memory.len();
        assert!(verify_in(&mut memory, "demo-pass-123", &hash));
        assert_eq!(memory.len(), blocks);
    }
}
