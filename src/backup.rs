//! `hallq backup PATH` and `hallq restore PATH` for the embedded SQLite database (PostgreSQL has
//! pg_dump and pg_restore: docs/deploy.md).
//!
//! A backup is `VACUUM INTO`: one read transaction, so the copy is the database at one instant
//! (every ticket with its events, nothing half-written), taken while the server keeps serving
//! (in WAL mode writers go on during the read), compacted, and written to a new file only.
//! A restore checks the file is an intact hallq database, then puts it in place of the configured
//! one. It refuses to replace a database that is there unless told (`--force`), and refuses even
//! then while anything holds it open for writing (a running server).
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use std::path::{Path, PathBuf};

/// The file a `sqlite:` URL names.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

/// Writes a consistent copy of the database to `target` (which must not exist); returns its size.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> Result<u64, String> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Err("backup is for the embedded SQLite database; for PostgreSQL use pg_dump (docs/deploy.md)".into());
    }
    if target.exists() {
        return Err(format!("{} exists already; a backup never overwrites a file", target.display()));
    }
    db.execute_unprepared(&format!("VACUUM INTO {}", quoted(target)))
        .await
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    std::fs::metadata(target).map(|m| m.len()).map_err(|e| e.to_string())
}

/// Checks that `file` is an intact hallq database: SQLite's integrity check passes and the
/// migrations table and tickets are there.
async fn check_backup(file: &Path) -> Result<(), String> {
    if !file.is_file() {
        return Err(format!("{} is not a file", file.display()));
    }
    let url = format!("sqlite://{}?mode=ro", file.display());
    let db = Database::connect(&url).await.map_err(|e| format!("{} is not a SQLite database: {e}", file.display()))?;
    let check = async {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "PRAGMA integrity_check"))
            .await
            .map_err(|e| format!("{} is not a SQLite database: {e}", file.display()))?
            .ok_or("no integrity answer")?;
        let verdict: String = row.try_get_by_index(0).map_err(|e| e.to_string())?;
        if verdict != "ok" {
            return Err(format!("{} is damaged: {verdict}", file.display()));
        }
        db.execute_unprepared("SELECT 1 FROM seaql_migrations LIMIT 1")
            .await
            .and(db.execute_unprepared("SELECT 1 FROM tickets LIMIT 1").await)
            .map_err(|_| format!("{} is not a hallq database", file.display()))?;
        Ok(())
    }
    .await;
    let _ = db.close().await;
    check
}

/// Whether something holds the database open for writing: an exclusive lock cannot be taken.
async fn in_use(path: &Path) -> Result<bool, String> {
    let url = format!("sqlite://{}", path.display());
    let mut options = sea_orm::ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false).map_sqlx_sqlite_opts(|o| o.busy_timeout(std::time::Duration::ZERO));
    let db = Database::connect(options).await.map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // A write in progress elsewhere makes the exclusive lock fail at once; an idle server holds
    // no lock, but holds the file open.
    let busy = match db.execute_unprepared("BEGIN EXCLUSIVE").await {
        Ok(_) => {
            let _ = db.execute_unprepared("ROLLBACK").await;
            false
        }
        Err(_) => true,
    };
    let _ = db.close().await;
    Ok(busy || other_process_has_it_open(path))
}

/// A running server keeps the database file open; on Linux, /proc says who has it (the
/// processes this user may see: run restore as the service's user or root).
fn other_process_has_it_open(path: &Path) -> bool {
    let Ok(file) = std::fs::canonicalize(path) else { return false };
    let me = std::process::id().to_string();
    let Ok(processes) = std::fs::read_dir("/proc") else { return false };
    processes.flatten().filter(|p| p.file_name() != me.as_str()).any(|p| {
        std::fs::read_dir(p.path().join("fd"))
            .map(|fds| fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == file)))
            .unwrap_or(false)
    })
}

/// Puts the backup `file` in place of the database at `database_url`.
pub async fn restore(file: &Path, database_url: &str, force: bool) -> Result<(), String> {
    let target = sqlite_path(database_url)
        .ok_or("restore is for the embedded SQLite database; for PostgreSQL use pg_restore (docs/deploy.md)")?;
    check_backup(file).await?;
    if target.exists() {
        if !force {
            return Err(format!(
                "{} holds a database already; stop the server and add --force to replace it",
                target.display()
            ));
        }
        if in_use(&target).await? {
            return Err(format!("{} is in use (is the server running?); stop it first", target.display()));
        }
    }
    // Copied next to the target, then renamed over it: the database is never half-written.
    let partial = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(file, &partial).map_err(|e| format!("cannot copy to {}: {e}", partial.display()))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::rename(&partial, &target).map_err(|e| format!("cannot move into {}: {e}", target.display()))?;
    Ok(())
}
