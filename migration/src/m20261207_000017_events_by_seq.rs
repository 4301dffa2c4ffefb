//! On SQLite, events are stored in the order of their key, (hall, seq), in a table without a
//! rowid: every write stores events, and with `id INTEGER PRIMARY KEY AUTOINCREMENT` and a
//! separate unique index on (hall, seq) each commit wrote the `sqlite_sequence` row and that
//! index's pages besides the rows, about 2.5 of the 10 pages a batch of window operations
//! writes and syncs (issue 19). `id` stays, computed from the key (`hall * 2^32 + seq`): unique
//! and in the order of `seq` within a hall, as before; nothing looks events up by it.
//! PostgreSQL keeps its table as it is.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str = "hall_id, seq, kind, at, actor_id, payload";

/// Builds the new table as `events_rebuilt`, copies the events into it and puts it in place.
async fn rebuild(manager: &SchemaManager<'_>, definition: &str, options: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "CREATE TABLE events_rebuilt ({definition}){options}; \
             INSERT INTO events_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM events ORDER BY hall_id, seq; \
             DROP TABLE events; \
             ALTER TABLE events_rebuilt RENAME TO events"
        ))
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        rebuild(
            manager,
            "\"hall_id\" integer NOT NULL, \"seq\" integer NOT NULL, \
             \"id\" integer GENERATED ALWAYS AS (\"hall_id\" * 4294967296 + \"seq\") VIRTUAL, \
             \"kind\" varchar NOT NULL, \"at\" timestamp_with_timezone_text NOT NULL, \"actor_id\" integer NULL, \
             \"payload\" text NOT NULL, PRIMARY KEY (\"hall_id\", \"seq\"), \
             FOREIGN KEY (\"hall_id\") REFERENCES \"halls\" (\"id\") ON DELETE CASCADE",
            " WITHOUT ROWID",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        rebuild(
            manager,
            "\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"hall_id\" integer NOT NULL, \
             \"seq\" integer NOT NULL, \"kind\" varchar NOT NULL, \"at\" timestamp_with_timezone_text NOT NULL, \
             \"actor_id\" integer NULL, \"payload\" text NOT NULL, UNIQUE (\"hall_id\", \"seq\"), \
             FOREIGN KEY (\"hall_id\") REFERENCES \"halls\" (\"id\") ON DELETE CASCADE",
            "",
        )
        .await
    }
}
