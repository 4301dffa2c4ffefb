//! Server secrets shared by every instance on one database (e.g. the key that signs phone
//! cookies), created once on first use.
use super::statement;
use sea_orm::{ConnectionTrait, DbErr};

/// The secret called `name`, storing `fresh` first if there is none yet. Whichever instance
/// stores first wins; everyone reads the stored value.
pub async fn get_or_create(conn: &impl ConnectionTrait, name: &str, fresh: &str) -> Result<String, DbErr> {
    conn.execute_raw(statement(
        conn,
        "INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        [name.into(), fresh.into()],
    ))
    .await?;
    let row = conn
        .query_one_raw(statement(conn, "SELECT value FROM app_secrets WHERE name = $1", [name.into()]))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("secret {name}")))?;
    row.try_get_by_index(0)
}

/// A small real write, committed: does the database take writes (after it was full)?
pub async fn probe_write(db: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    txn.execute_raw(statement(
        &txn,
        "INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        ["write_probe".into(), crate::services::tickets::new_token().into()],
    ))
    .await?;
    txn.commit().await
}
