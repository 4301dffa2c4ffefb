//! Accounts as administration manages them: create, change role, hall and windows, reset a
//! password (shown once), disable (ends every session at once). Admins manage every account;
//! a manager only the staff and volunteers of their own hall. Nothing is deleted: an account
//! with history is disabled, so reports keep who served whom.
use super::audit;
use super::auth::{self, Actor};
use crate::domain::ids::{HallId, WindowId};
use crate::domain::role::Role;
use crate::domain::setup;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence::users::{self, UserRow};
use crate::state::Core;
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

const MAX_DISPLAY_NAME_CHARS: usize = 40;

/// An account as administration shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub username: String,
    pub display_name: String,
    /// `admin`, `manager`, `staff` or `volunteer`.
    pub role: String,
    /// The hall's id (none: every hall, for admins).
    pub hall: Option<i32>,
    pub hall_code: Option<String>,
    /// Numbers of the windows the account may work.
    pub windows: Vec<i32>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// A generated password, in the answer that created or reset it only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// Only on create: 2–32 lower-case letters, digits, `.`, `-`, `_`.
    pub username: Option<String>,
    pub display_name: Option<String>,
    /// `admin`, `manager`, `staff` or `volunteer`.
    pub role: Option<String>,
    /// The hall's code; admins have none.
    pub hall: Option<String>,
    /// Window numbers in the account's hall.
    pub windows: Option<Vec<i32>>,
    /// `true` disables the account and ends its sessions at once; `false` enables it again.
    pub disabled: Option<bool>,
    /// A new password is generated and answered once; every session of the account ends.
    pub reset_password: Option<bool>,
    /// On create: the first password (else one is generated and answered once).
    pub password: Option<String>,
}

/// Who may manage an account of `role` in `hall`: admins any; managers the staff and volunteers
/// of their own hall.
fn may_manage(actor: &Actor, role: Role, hall: Option<HallId>) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Manager => matches!(role, Role::Staff | Role::Volunteer) && hall.is_some() && hall == actor.hall,
        _ => false,
    }
}

fn parse_role(text: &str) -> AppResult<Role> {
    Role::parse(text.trim()).ok_or_else(|| {
        AppError::bad_request(
            ErrorCode::InvalidRole,
            format!("role '{text}' is not admin, manager, staff or volunteer"),
        )
    })
}

async fn view(state: &Core, user: &UserRow, created_at: DateTime<Utc>) -> AppResult<AccountView> {
    let window_ids = users::windows_of(&state.db, user.id).await?;
    let (hall_code, windows) = match user.hall_id {
        Some(hall) => {
            let config = state.halls.get_by_id(hall).await?;
            let all = crate::persistence::windows::list_all(&state.db, hall).await?;
            let mut numbers: Vec<i32> = all.iter().filter(|w| window_ids.contains(&w.id)).map(|w| w.number).collect();
            numbers.sort_unstable();
            (Some(config.code.clone()), numbers)
        }
        None => (None, Vec::new()),
    };
    Ok(AccountView {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role.as_str().into(),
        hall: user.hall_id.map(|h| h.0),
        hall_code,
        windows,
        disabled: !user.active,
        created_at,
        password: None,
    })
}

fn audit_of(view: &AccountView) -> Value {
    json!({
        "username": view.username, "display_name": view.display_name, "role": view.role,
        "hall": view.hall_code, "windows": view.windows, "disabled": view.disabled,
    })
}

/// Accounts, optionally of one hall. A manager sees their own hall's.
pub async fn list(state: &Core, actor: &Actor, hall: Option<&str>) -> AppResult<Vec<AccountView>> {
    if !actor.role.manages_floor() {
        return Err(AppError::forbidden("only admins and managers may list accounts"));
    }
    let hall = match hall.filter(|h| !h.is_empty()) {
        Some(code) => Some(state.halls.get(code).await?.id),
        None => actor.hall,
    };
    if actor.role != Role::Admin && (hall.is_none() || hall != actor.hall) {
        return Err(AppError::forbidden("you may list only your own hall's accounts"));
    }
    let mut out = Vec::new();
    for (row, created_at) in users::list(&state.db, hall).await? {
        out.push(view(state, &row, created_at).await?);
    }
    Ok(out)
}

/// Window ids from numbers in the account's hall.
async fn window_ids(state: &Core, hall: Option<HallId>, numbers: &[i32]) -> AppResult<Vec<WindowId>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let Some(hall) = hall else {
        return Err(AppError::bad_request(ErrorCode::InvalidField, "an account without a hall works no windows"));
    };
    let config = state.halls.get_by_id(hall).await?;
    let mut ids = Vec::new();
    for number in numbers {
        let window = config.window_by_number(*number).ok_or_else(|| {
            AppError::bad_request(ErrorCode::UnknownWindow, format!("hall '{}' has no window {number}", config.code))
        })?;
        if !ids.contains(&window.id) {
            ids.push(window.id);
        }
    }
    Ok(ids)
}

async fn window_numbers(state: &Core, hall: Option<HallId>, ids: &[WindowId]) -> AppResult<Vec<i32>> {
    let Some(hall) = hall else { return Ok(Vec::new()) };
    let config = state.halls.get_by_id(hall).await?;
    let mut numbers: Vec<i32> = ids.iter().filter_map(|id| config.window(*id).map(|w| w.number)).collect();
    numbers.sort_unstable();
    Ok(numbers)
}

async fn hall_of(state: &Core, role: Role, code: Option<&str>) -> AppResult<Option<HallId>> {
    let hall = match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(state.halls.get(code).await?.id),
        None => None,
    };
    match (role, hall) {
        (Role::Admin, Some(_)) => {
            Err(AppError::bad_request(ErrorCode::InvalidField, "an admin account spans every hall; give no hall"))
        }
        (Role::Admin, None) => Ok(None),
        (_, None) => Err(AppError::bad_request(ErrorCode::InvalidField, "this role needs a hall")),
        (_, hall) => Ok(hall),
    }
}

#[tracing::instrument(skip(state, actor, input), fields(by = %actor.username))]
pub async fn create(state: &Core, actor: &Actor, input: AccountInput) -> AppResult<AccountView> {
    let username = setup::username(input.username.as_deref().unwrap_or_default()).map_err(AppError::refused)?;
    let role = parse_role(input.role.as_deref().unwrap_or("staff"))?;
    if actor.role != Role::Admin && !matches!(role, Role::Staff | Role::Volunteer) {
        return Err(AppError::forbidden("only an admin may create admin and manager accounts"));
    }
    // A manager's new accounts are in their hall unless they say otherwise.
    let hall_code = match (&input.hall, actor.role, actor.hall) {
        (None, Role::Manager, Some(own)) => Some(state.halls.get_by_id(own).await?.code.clone()),
        (given, _, _) => given.clone(),
    };
    let hall = hall_of(state, role, hall_code.as_deref()).await?;
    if !may_manage(actor, role, hall) {
        return Err(AppError::forbidden("you may create only staff and volunteer accounts of your own hall"));
    }
    let display_name =
        setup::name("display_name", input.display_name.as_deref().unwrap_or(&username), MAX_DISPLAY_NAME_CHARS)
            .map_err(AppError::refused)?;
    let windows = window_ids(state, hall, input.windows.as_deref().unwrap_or_default()).await?;
    let (password, shown) = match &input.password {
        Some(password) => (password.clone(), None),
        None => {
            let generated = auth::generate_password();
            (generated.clone(), Some(generated))
        }
    };
    setup::password(&username, &password).map_err(AppError::refused)?;
    if users::find_by_username(&state.db, &username).await?.is_some() {
        return Err(AppError::conflict(ErrorCode::AccountExists, format!("there is already an account '{username}'")));
    }
    let hash = auth::hash_new_password(state, &password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let id = users::insert(
        &txn,
        users::NewUser { username: &username, password_hash: &hash, role, hall, display_name: &display_name, at: now },
    )
    .await
    .map_err(|e| {
        AppError::unique_or(e, ErrorCode::AccountExists, format!("there is already an account '{username}'"))
    })?;
    users::set_windows(&txn, id, &windows).await?;
    let row = users::find_by_username(&txn, &username).await?.ok_or_else(|| AppError::internal("account vanished"))?;
    let mut created = view(state, &row, now).await?;
    created.windows = window_numbers(state, hall, &windows).await?;
    audit::record(&txn, actor, hall, "user.created", &format!("user:{username}"), None, Some(audit_of(&created)), now)
        .await?;
    txn.commit().await?;
    created.password = shown;
    Ok(created)
}

#[tracing::instrument(skip(state, actor, input), fields(by = %actor.username))]
pub async fn update(state: &Core, actor: &Actor, username: &str, input: AccountInput) -> AppResult<AccountView> {
    let nothing = input.display_name.is_none()
        && input.role.is_none()
        && input.hall.is_none()
        && input.windows.is_none()
        && input.disabled.is_none()
        && input.reset_password != Some(true);
    if nothing {
        return Err(AppError::bad_request(
            ErrorCode::InvalidField,
            "send what to change: display_name, role, hall, windows, disabled or reset_password",
        ));
    }
    if input.username.as_deref().is_some_and(|u| u != username) || input.password.is_some() {
        return Err(AppError::bad_request(
            ErrorCode::InvalidField,
            "a user name cannot change, and a password is reset (reset_password), never set by someone else",
        ));
    }
    let (target, created_at) = users::find_with_created(&state.db, username)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::UserNotFound, format!("there is no account '{username}'")))?;
    if !may_manage(actor, target.role, target.hall_id) {
        return Err(AppError::forbidden("you may not change this account"));
    }
    let role = match &input.role {
        Some(role) => parse_role(role)?,
        None => target.role,
    };
    let hall = match &input.hall {
        Some(code) => hall_of(state, role, Some(code)).await?,
        None if role == Role::Admin => None,
        None => hall_of(state, role, target_hall_code(state, &target).await?.as_deref()).await?,
    };
    if !may_manage(actor, role, hall) {
        return Err(AppError::forbidden("you may give only the staff or volunteer role in your own hall"));
    }
    let is_self = target.id == actor.id;
    if is_self && (role != target.role || hall != target.hall_id) {
        return Err(AppError::conflict(ErrorCode::CannotChangeOwnRole, "you cannot change your own role or hall"));
    }
    if is_self && input.disabled == Some(true) {
        return Err(AppError::conflict(ErrorCode::CannotDisableSelf, "you cannot disable your own account"));
    }
    if hall != target.hall_id {
        if let Some(window) = crate::persistence::windows::signed_in_window(&state.db, target.id).await? {
            return Err(AppError::conflict(
                ErrorCode::WindowInUse,
                format!("{username} is signed in at window {}; sign them out first", window.number),
            ));
        }
    }
    let windows = match &input.windows {
        Some(numbers) => Some(window_ids(state, hall, numbers).await?),
        // Windows belong to a hall: moving to another hall leaves them behind.
        None if hall != target.hall_id => Some(Vec::new()),
        None => None,
    };
    let display_name = match &input.display_name {
        Some(name) => setup::name("display_name", name, MAX_DISPLAY_NAME_CHARS).map_err(AppError::refused)?,
        None => target.display_name.clone(),
    };
    let before = view(state, &target, created_at).await?;
    let new_password = match input.reset_password {
        Some(true) => Some(auth::generate_password()),
        _ => None,
    };
    let hash = match &new_password {
        Some(password) => Some(auth::hash_new_password(state, password).await?),
        None => None,
    };
    let active = input.disabled.map_or(target.active, |d| !d);
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    users::update(&txn, target.id, &display_name, role, hall).await?;
    users::set_active(&txn, target.id, active).await?;
    if let Some(windows) = &windows {
        users::set_windows(&txn, target.id, windows).await?;
    }
    if let Some(hash) = &hash {
        users::set_password_hash(&txn, target.id, hash).await?;
    }
    if !active || hash.is_some() {
        // A disabled account or a reset password ends every session at once.
        users::delete_sessions_of(&txn, target.id).await?;
    }
    let row = users::find_by_username(&txn, username).await?.ok_or_else(|| AppError::internal("account vanished"))?;
    let mut after = view(state, &row, created_at).await?;
    if let Some(ids) = &windows {
        after.windows = window_numbers(state, hall, ids).await?;
    }
    let target_name = format!("user:{username}");
    let audit_hall = hall.or(target.hall_id);
    if audit_of(&before) != audit_of(&after) {
        let kind = match input.disabled {
            Some(true) if before.disabled != after.disabled => "user.disabled",
            Some(false) if before.disabled != after.disabled => "user.enabled",
            _ => "user.updated",
        };
        let (before, after) = (Some(audit_of(&before)), Some(audit_of(&after)));
        audit::record(&txn, actor, audit_hall, kind, &target_name, before, after, now).await?;
    }
    if new_password.is_some() {
        audit::record(&txn, actor, audit_hall, "user.password_reset", &target_name, None, None, now).await?;
    }
    txn.commit().await?;
    tracing::info!(account = %username, "account changed");
    after.password = new_password;
    Ok(after)
}

async fn target_hall_code(state: &Core, target: &UserRow) -> AppResult<Option<String>> {
    Ok(match target.hall_id {
        Some(hall) => Some(state.halls.get_by_id(hall).await?.code.clone()),
        None => None,
    })
}

/// The actor's own account.
pub async fn own(state: &Core, actor: &Actor) -> AppResult<AccountView> {
    let (row, created_at) = users::find_with_created(&state.db, &actor.username)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::UserNotFound, "your account is gone"))?;
    view(state, &row, created_at).await
}
