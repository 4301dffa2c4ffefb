//! Server secrets shared by every instance on one database (e.g. the key that signs phone
//! cookies), created once on first use.
use super::statement;
use sea_orm::{ConnectionTrait, DbErr};

/// The secret called `name`, storing `fresh` first if there is none yet. Whichever instance
/// stores first wins; everyone reads the stored value. (Raw SQL for `ON CONFLICT DO NOTHING`:
/// two instances starting at once must not fail.)
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

/// A real write that needs room, committed and then removed: does the database take writes
/// (after it was full)? The row is larger than a page, so it cannot fit in space already held.
pub async fn probe_write(db: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    let name = format!("write_probe_{}", crate::services::tickets::new_token());
    let filler: String = std::iter::repeat_n(crate::services::tickets::new_token(), 256).collect();
    db.execute_raw(statement(
        db,
        "INSERT INTO app_secrets (name, value) VALUES ($1, $2)",
        [name.into(), filler.into()],
    ))
    .await?;
    db.execute_raw(statement(db, "DELETE FROM app_secrets WHERE name LIKE 'write_probe_%'", [])).await?;
    Ok(())
}
