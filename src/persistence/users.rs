//! Accounts, their window assignments and login sessions.
use crate::domain::ids::{HallId, UserId, WindowId};
use crate::domain::role::Role;
use chrono::{DateTime, Utc};
use entity::{auth_session, user, user_window};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub hall_id: Option<HallId>,
    pub display_name: String,
    pub active: bool,
}

pub(crate) fn row(m: user::Model) -> Result<UserRow, DbErr> {
    Ok(UserRow {
        id: UserId(m.id),
        role: Role::parse(&m.role).ok_or_else(|| super::corrupt("role", &m.role))?,
        username: m.username,
        password_hash: m.password_hash,
        hall_id: m.hall_id.map(HallId),
        display_name: m.display_name,
        active: m.active,
    })
}

pub async fn find_by_username(conn: &impl ConnectionTrait, username: &str) -> Result<Option<UserRow>, DbErr> {
    user::Entity::find().filter(user::Column::Username.eq(username)).one(conn).await?.map(row).transpose()
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    user::Entity::find().count(conn).await
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub hall: Option<HallId>,
    pub display_name: &'a str,
    pub at: DateTime<Utc>,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewUser<'_>) -> Result<UserId, DbErr> {
    let model = user::ActiveModel {
        username: Set(new.username.into()),
        password_hash: Set(new.password_hash.into()),
        role: Set(new.role.as_str().into()),
        hall_id: Set(new.hall.map(|h| h.0)),
        display_name: Set(new.display_name.into()),
        active: Set(true),
        created_at: Set(new.at),
        ..Default::default()
    };
    Ok(UserId(user::Entity::insert(model).exec(conn).await?.last_insert_id))
}

pub async fn assign_window(conn: &impl ConnectionTrait, user: UserId, window: WindowId) -> Result<(), DbErr> {
    let model = user_window::ActiveModel { user_id: Set(user.0), window_id: Set(window.0) };
    user_window::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn windows_of(conn: &impl ConnectionTrait, user: UserId) -> Result<Vec<WindowId>, DbErr> {
    Ok(user_window::Entity::find()
        .filter(user_window::Column::UserId.eq(user.0))
        .all(conn)
        .await?
        .into_iter()
        .map(|uw| WindowId(uw.window_id))
        .collect())
}

pub async fn is_assigned(conn: &impl ConnectionTrait, user: UserId, window: WindowId) -> Result<bool, DbErr> {
    Ok(user_window::Entity::find_by_id((user.0, window.0)).one(conn).await?.is_some())
}

pub async fn insert_session(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    user: UserId,
    at: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<(), DbErr> {
    let model = auth_session::ActiveModel {
        token_hash: Set(token_hash.into()),
        user_id: Set(user.0),
        created_at: Set(at),
        expires_at: Set(expires),
        ..Default::default()
    };
    auth_session::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(())
}

/// The user behind an unexpired session.
pub async fn find_session_user(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(UserRow, DateTime<Utc>)>, DbErr> {
    let found = conn.query_one_raw(session_user_statement(conn.get_database_backend(), token_hash, now)).await?;
    let Some(found) = found else { return Ok(None) };
    let expires: DateTime<Utc> = found.try_get("", SESSION_EXPIRES)?;
    Ok(Some((row(user::Model::from_query_result(&found, "")?)?, expires)))
}

/// One statement: every signed-in request asks this first (issue 19). The user's columns, and
/// the session's expiry as `SESSION_EXPIRES`.
pub(crate) fn session_user_statement(
    backend: sea_orm::DbBackend,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sea_orm::Statement {
    super::statement_for(
        backend,
        "SELECT u.*, s.expires_at AS session_expires_at FROM auth_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        [token_hash.into(), now.into()],
    )
}

pub(crate) const SESSION_EXPIRES: &str = "session_expires_at";

pub async fn delete_session(conn: &impl ConnectionTrait, token_hash: &str) -> Result<(), DbErr> {
    auth_session::Entity::delete_many().filter(auth_session::Column::TokenHash.eq(token_hash)).exec(conn).await?;
    Ok(())
}

/// Display names of some users, for showing who did what.
pub async fn display_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = UserId>,
) -> Result<HashMap<UserId, String>, DbErr> {
    let ids: Vec<i32> = ids.into_iter().map(|u| u.0).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (UserId(u.id), u.display_name))
        .collect())
}

pub async fn set_password_hash(conn: &impl ConnectionTrait, user: UserId, hash: &str) -> Result<(), DbErr> {
    let model = user::ActiveModel { id: Set(user.0), password_hash: Set(hash.into()), ..Default::default() };
    user::Entity::update(model).exec(conn).await?;
    Ok(())
}

pub async fn set_active(conn: &impl ConnectionTrait, user: UserId, active: bool) -> Result<(), DbErr> {
    let model = user::ActiveModel { id: Set(user.0), active: Set(active), ..Default::default() };
    user::Entity::update(model).exec(conn).await?;
    Ok(())
}

/// Ends every session of an account.
pub async fn delete_sessions_of(conn: &impl ConnectionTrait, user: UserId) -> Result<(), DbErr> {
    auth_session::Entity::delete_many().filter(auth_session::Column::UserId.eq(user.0)).exec(conn).await?;
    Ok(())
}

/// Ends every session of an account but one.
pub async fn delete_sessions_except(conn: &impl ConnectionTrait, user: UserId, keep_hash: &str) -> Result<(), DbErr> {
    auth_session::Entity::delete_many()
        .filter(auth_session::Column::UserId.eq(user.0))
        .filter(auth_session::Column::TokenHash.ne(keep_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// Windows of a hall that an active staff member or manager is assigned to.
pub async fn staffed_windows(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<i32>, DbErr> {
    let people: Vec<i32> = user::Entity::find()
        .filter(user::Column::HallId.eq(hall.0))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in(["staff", "manager"]))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    if people.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user_window::Entity::find()
        .filter(user_window::Column::UserId.is_in(people))
        .all(conn)
        .await?
        .into_iter()
        .map(|uw| uw.window_id)
        .collect())
}

/// Accounts (of one hall, or all), by user name, with when each was created.
pub async fn list(conn: &impl ConnectionTrait, hall: Option<HallId>) -> Result<Vec<(UserRow, DateTime<Utc>)>, DbErr> {
    use sea_orm::QueryOrder;
    let mut query = user::Entity::find();
    if let Some(hall) = hall {
        query = query.filter(user::Column::HallId.eq(hall.0));
    }
    query
        .order_by_asc(user::Column::Username)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            let created = m.created_at;
            row(m).map(|r| (r, created))
        })
        .collect()
}

pub async fn find_with_created(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<(UserRow, DateTime<Utc>)>, DbErr> {
    let found = user::Entity::find().filter(user::Column::Username.eq(username)).one(conn).await?;
    found
        .map(|m| {
            let created = m.created_at;
            row(m).map(|r| (r, created))
        })
        .transpose()
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: UserId,
    display_name: &str,
    role: Role,
    hall: Option<HallId>,
) -> Result<(), DbErr> {
    let model = user::ActiveModel {
        id: Set(id.0),
        display_name: Set(display_name.into()),
        role: Set(role.as_str().into()),
        hall_id: Set(hall.map(|h| h.0)),
        ..Default::default()
    };
    user::Entity::update(model).exec(conn).await?;
    Ok(())
}

/// Replaces the windows an account may work.
pub async fn set_windows(conn: &impl ConnectionTrait, id: UserId, windows: &[WindowId]) -> Result<(), DbErr> {
    user_window::Entity::delete_many().filter(user_window::Column::UserId.eq(id.0)).exec(conn).await?;
    for window in windows {
        assign_window(conn, id, *window).await?;
    }
    Ok(())
}
