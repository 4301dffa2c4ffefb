//! Small functions over a connection or transaction. The SQL here runs unchanged on SQLite and
//! PostgreSQL (`$N` placeholders work on both through sqlx).
pub mod appointments;
pub mod audit;
pub mod direct;
pub mod diversions;
pub mod events;
pub mod floor_watch;
pub mod halls;
pub mod hot;
pub mod kiosks;
pub mod queue;
pub mod ratings;
pub mod reports;
pub mod secrets;
pub mod seed;
pub mod setup;
pub mod throttles;
pub mod ticket_row;
pub mod tickets;
pub mod users;
pub mod windows;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

pub(crate) fn statement(conn: &impl ConnectionTrait, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(conn.get_database_backend(), sql, values)
}

/// A statement for the database `backend`: how the hot statements are built once for both
/// connections a write may use on SQLite (`hot.rs`).
pub(crate) fn statement_for(backend: DbBackend, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

/// The text of a hot statement whose shape fixes it (which statement, for which database, over
/// how many rows), built once and then reused: the text of a batch's statements depends only on
/// its size, and building it again for every batch (dozens of `format!`s each) was a tenth of
/// the writers' work (issue 19). Bounded: a shape is a handful of numbers, rarely more than a
/// few hundred in use.
pub(crate) fn shaped_sql(
    statement: &'static str,
    backend: DbBackend,
    shape: [usize; 3],
    build: impl FnOnce() -> String,
) -> String {
    type Shapes = std::collections::HashMap<(&'static str, bool, [usize; 3]), String>;
    static SHAPES: std::sync::LazyLock<std::sync::Mutex<Shapes>> = std::sync::LazyLock::new(Default::default);
    let key = (statement, backend == DbBackend::Postgres, shape);
    if let Some(sql) = SHAPES.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return sql.clone();
    }
    let sql = build();
    let mut shapes = SHAPES.lock().unwrap_or_else(|p| p.into_inner());
    if shapes.len() >= 4096 {
        shapes.clear();
    }
    shapes.insert(key, sql.clone());
    sql
}

/// Placeholders for the parameters `first..first + n` (1-based): `$N` on PostgreSQL, plain `?`
/// on SQLite, where binding a `$N` looks its name up in a list, which made a 64-row insert's
/// binding quadratic (a tenth of the server's time issuing tickets; issue 19).
pub(crate) fn placeholders(backend: DbBackend, first: usize, n: usize) -> Vec<String> {
    match backend {
        sea_orm::DatabaseBackend::Postgres => (first..first + n).map(|i| format!("${i}")).collect(),
        _ => vec!["?".to_owned(); n],
    }
}

/// A row that cannot be turned back into domain values means the database holds something the
/// code never writes: report it, do not guess.
pub(crate) fn corrupt(what: &str, value: &str) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(format!("unexpected {what} in the database: '{value}'"))
}

/// A migrated in-memory SQLite database for the persistence unit tests.
#[cfg(test)]
pub(crate) async fn in_memory_database() -> sea_orm::DatabaseConnection {
    use migration::MigratorTrait;
    let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).sqlx_logging(false);
    let db = sea_orm::Database::connect(options).await.expect("in-memory SQLite");
    migration::Migrator::up(&db, None).await.expect("migrations");
    db
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{HallId, WindowId};

    /// Each placeholder of `statement` has a value: `?` on SQLite, `$1..$n` on PostgreSQL.
    fn placeholders_fit(backend: DbBackend, statement: &Statement) {
        let values = statement.values.as_ref().map_or(0, |v| v.0.len());
        let sql = &statement.sql;
        if backend == DbBackend::Postgres {
            assert!(!sql.contains('?'), "{sql}");
            assert!(sql.contains(&format!("${values}")) && !sql.contains(&format!("${}", values + 1)), "{sql}");
        } else {
            assert!(!sql.contains('$'), "{sql}");
            assert_eq!(sql.matches('?').count(), values, "{sql}");
        }
    }

    /// The text kept for a shape is that database's and that size's, however the shapes were
    /// asked for before (`shaped_sql`).
    #[test]
    fn a_statement_s_kept_text_fits_its_database_and_its_size() {
        let at = chrono::Utc::now();
        for n in [1usize, 3, 2, 1, 3] {
            let ids: Vec<WindowId> = (1..=i32::try_from(n).expect("n")).map(WindowId).collect();
            let events: Vec<events::NewEvent<'_>> =
                (0..n).map(|i| events::NewEvent { seq: i as i64, kind: "k", at, actor: None, payload: "{}" }).collect();
            for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
                placeholders_fit(backend, &windows::find_with_held_statement(backend, &ids));
                placeholders_fit(backend, &events::insert_statement(backend, HallId(1), &events));
                let first = events::insert_statement(backend, HallId(1), &events).sql;
                assert_eq!(first, events::insert_statement(backend, HallId(2), &events).sql);
            }
        }
    }
}
