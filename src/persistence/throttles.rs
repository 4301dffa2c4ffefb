//! Throttle state shared by every instance on one PostgreSQL database: one row per key (an
//! account, a client address, a phone) holding that key's state as JSON. A change reads the
//! rows of its keys locked (`FOR UPDATE`, in key order so two changes cannot deadlock), runs the
//! rule in Rust, and writes the result in the same transaction: the rule has one definition,
//! and the database only keeps it consistent across instances. PostgreSQL only; one SQLite
//! instance keeps its throttles in memory.
use super::statement;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait, Value};

/// What a change leaves for one key: its new state and until when it matters, or nothing.
pub type Stored = Option<(String, DateTime<Utc>)>;

/// Runs `change` on the states of `keys` (in the order given; `None` for a key without one)
/// with their rows locked, and stores what it returns for each key.
pub async fn update<T>(
    db: &DatabaseConnection,
    keys: &[String],
    change: impl FnOnce(Vec<Option<String>>) -> (T, Vec<Stored>),
) -> Result<T, DbErr> {
    let mut sorted: Vec<&String> = keys.iter().collect();
    sorted.sort();
    sorted.dedup();
    let txn = db.begin().await?;
    let placeholders = |from: usize| (from..from + sorted.len()).map(|i| format!("${i}")).collect::<Vec<_>>();
    let rows: Vec<String> = placeholders(1).iter().map(|p| format!("({p}, '', CURRENT_TIMESTAMP)")).collect();
    let values = || sorted.iter().map(|k| Value::from(k.as_str())).collect::<Vec<_>>();
    txn.execute_raw(statement(
        &txn,
        &format!(
            "INSERT INTO throttle_state (key, state, expires_at) VALUES {} ON CONFLICT (key) DO NOTHING",
            rows.join(", ")
        ),
        values(),
    ))
    .await?;
    let found = txn
        .query_all_raw(statement(
            &txn,
            &format!(
                "SELECT key, state FROM throttle_state WHERE key IN ({}) ORDER BY key FOR UPDATE",
                placeholders(1).join(", ")
            ),
            values(),
        ))
        .await?;
    let mut states = std::collections::HashMap::new();
    for row in found {
        let key: String = row.try_get_by_index(0)?;
        let state: String = row.try_get_by_index(1)?;
        states.insert(key, Some(state).filter(|s| !s.is_empty()));
    }
    let before = keys.iter().map(|k| states.get(k).cloned().flatten()).collect();
    let (answer, after) = change(before);
    for (key, stored) in keys.iter().zip(after) {
        let sql = match &stored {
            Some(_) => "UPDATE throttle_state SET state = $2, expires_at = $3 WHERE key = $1",
            None => "DELETE FROM throttle_state WHERE key = $1",
        };
        let mut values = vec![Value::from(key.as_str())];
        if let Some((state, until)) = stored {
            values.extend([Value::from(state), Value::from(until)]);
        }
        txn.execute_raw(statement(&txn, sql, values)).await?;
    }
    txn.commit().await?;
    Ok(answer)
}

/// Drops states that no longer matter (housekeeping).
pub async fn delete_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let done = conn
        .execute_raw(statement(conn, "DELETE FROM throttle_state WHERE expires_at < $1", [Value::from(now)]))
        .await?;
    Ok(done.rows_affected())
}
