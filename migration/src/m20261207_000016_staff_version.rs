//! A version of what authorizes a staff request (sessions, users, windows, their services and
//! assignments), raised by triggers in the same transaction as any change to those tables. On
//! SQLite, whose single instance reads them on every staff request, the server keeps what it
//! read and reads only this row again to know whether it may use it (`persistence::hot`,
//! issue 19). PostgreSQL, where several instances share the database, reads the rows each
//! time and has no use for it.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 5] = ["auth_sessions", "users", "windows", "window_services", "user_windows"];
const CHANGES: [&str; 3] = ["INSERT", "UPDATE", "DELETE"];

fn trigger(table: &str, change: &str) -> String {
    format!("staff_version_{table}_{}", change.to_lowercase())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "CREATE TABLE staff_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); \
             INSERT INTO staff_version (id, version) VALUES (1, 0)",
        )
        .await?;
        for table in TABLES {
            for change in CHANGES {
                let name = trigger(table, change);
                conn.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} AFTER {change} ON {table} \
                     BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let conn = manager.get_connection();
        for table in TABLES {
            for change in CHANGES {
                conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {}", trigger(table, change))).await?;
            }
        }
        conn.execute_unprepared("DROP TABLE IF EXISTS staff_version").await?;
        Ok(())
    }
}
