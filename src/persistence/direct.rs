//! The SQLite hall writers' direct connection: the hot path of issuing and of the windows'
//! operations, run on the writers' own thread with no hand-off (issue 19).
//!
//! Through sqlx every statement is sent to the connection's worker thread and its answer sent
//! back: two thread wake-ups, about 175 µs a statement under load, where the statement itself
//! takes a few. A batch of window operations is eight statements, so the hand-offs were most
//! of its time. Here the writers' thread runs the statements itself on a connection of its own
//! (rusqlite over the same SQLite library sqlx links), with its prepared statements kept.
//!
//! Only the writes' hot statements run here, and the two reads every staff request starts with
//! (`DirectReaders`, on the web worker), and only on SQLite; everything else, and everything on
//! PostgreSQL, goes through sea-orm as before. The SQL is the same text: each hot
//! function builds one `Statement` for both (`persistence::hot`), and only reading its rows
//! differs. The connection is taken under the same gate as the sea-orm writer connection, so
//! the two never wait on each other's lock.
use super::ticket_row::TicketRow;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use entity::{ticket, window};
use rusqlite::types::{ToSqlOutput, Value as Cell, ValueRef};
use sea_orm::{DbErr, RuntimeErr, Statement, Value};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Statements kept prepared: the batches' statements differ with their size (up to 64).
const PREPARED: usize = 512;

pub struct DirectWriter {
    path: PathBuf,
    conn: Mutex<Option<rusqlite::Connection>>,
}

impl DirectWriter {
    /// Opens the database file the server uses, with the settings of its other connections:
    /// WAL, synchronous=FULL (a commit is on disk before it returns), foreign keys, a busy
    /// timeout for the moments another connection writes.
    pub fn open(path: &Path) -> Result<Self, DbErr> {
        let writer = Self { path: path.to_owned(), conn: Mutex::new(None) };
        let conn = writer.connect()?;
        *writer.lock() = Some(conn);
        Ok(writer)
    }

    fn connect(&self) -> Result<rusqlite::Connection, DbErr> {
        let conn = rusqlite::Connection::open(&self.path).map_err(error)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA temp_store = memory;",
        )
        .map_err(error)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        Ok(conn)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<rusqlite::Connection>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the connection, opening it again first if a failed write left it closed.
    fn with<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T, DbErr>) -> Result<T, DbErr> {
        let mut conn = self.lock();
        if conn.is_none() {
            *conn = Some(self.connect()?);
        }
        match conn.as_ref() {
            Some(conn) => f(conn),
            None => Err(DbErr::Custom("the writers' connection is closed".into())),
        }
    }

    /// Takes the write lock at once (not at the first write), as the hall writes need it anyway.
    pub fn begin(&self) -> Result<(), DbErr> {
        self.with(|conn| conn.execute_batch("BEGIN IMMEDIATE").map_err(error))
    }

    pub fn commit(&self) -> Result<(), DbErr> {
        let result = self.with(|conn| conn.execute_batch("COMMIT").map_err(error));
        if result.is_err() {
            self.rollback();
        }
        result
    }

    /// Rolls back whatever is open. A connection that cannot say it is out of its transaction
    /// is closed (which rolls it back) and opened again on next use, as the pool does with a
    /// sqlx connection it is unsure of.
    pub fn rollback(&self) {
        let mut conn = self.lock();
        let settled = conn.as_ref().is_some_and(|c| c.is_autocommit() || c.execute_batch("ROLLBACK").is_ok());
        if !settled && conn.is_some() {
            tracing::warn!("closing the SQLite writers' connection after a failed rollback");
            *conn = None;
        }
    }

    /// Runs a statement that returns no rows; how many rows it changed.
    pub fn execute(&self, statement: &Statement) -> Result<usize, DbErr> {
        self.with(|conn| {
            let mut prepared = prepare(conn, statement)?;
            prepared.raw_execute().map_err(error)
        })
    }

    /// Runs a query, turning each row into a `T`.
    pub fn query<T>(
        &self,
        statement: &Statement,
        each: impl FnMut(&Cells<'_, '_>) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, DbErr> {
        self.with(|conn| query(conn, statement, each))
    }

    /// Runs `sql` as it is, on this connection only: for tests and the odd pragma.
    pub fn execute_unprepared(&self, sql: &str) -> Result<(), DbErr> {
        self.with(|conn| conn.execute_batch(sql).map_err(error))
    }
}

/// Connections for the two reads every request of the window staff makes before anything else
/// (its session, the window it acts on): on SQLite they run on the web worker itself, a lookup
/// by key of a few microseconds, instead of waiting twice for a sqlx connection's thread
/// (issue 19). Read-only; one per worker at a time, kept between requests.
pub struct DirectReaders {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Idle reader connections kept (a few per web worker).
const IDLE_READERS: usize = 8;

impl DirectReaders {
    pub fn new(path: &Path) -> Self {
        Self { path: path.to_owned(), idle: Mutex::new(Vec::new()) }
    }

    fn connect(&self) -> Result<rusqlite::Connection, DbErr> {
        let conn = rusqlite::Connection::open(&self.path).map_err(error)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(error)?;
        conn.execute_batch("PRAGMA query_only = ON;").map_err(error)?;
        conn.set_prepared_statement_cache_capacity(16);
        Ok(conn)
    }

    /// Runs a query on an idle connection (or a new one), turning each row into a `T`.
    pub fn query<T>(
        &self,
        statement: &Statement,
        each: impl FnMut(&Cells<'_, '_>) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, DbErr> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let found = query(&conn, statement, each);
        // A connection whose query failed is dropped: the next one starts clean.
        if found.is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
        }
        found
    }
}

fn query<T>(
    conn: &rusqlite::Connection,
    statement: &Statement,
    mut each: impl FnMut(&Cells<'_, '_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    let mut prepared = prepare(conn, statement)?;
    let names: Vec<String> = prepared.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = prepared.raw_query();
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        found.push(each(&Cells { row, names: &names })?);
    }
    Ok(found)
}

/// A row and its query's column names, read once per query. rusqlite finds a column by name by
/// asking SQLite for every column's name again, on every call: reading a batch's windows and
/// tickets that way was most of the time the writers spent reading (issue 19).
pub struct Cells<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    names: &'r [String],
}

impl Cells<'_, '_> {
    /// The column named `name` (as the ORM finds a model's columns: the first of that name,
    /// whatever its case).
    pub(crate) fn get<T: Column>(&self, name: &str) -> Result<T, DbErr> {
        self.prefixed("", name)
    }

    /// The column named `prefix` then `name`, as a join names the columns of a second table.
    pub(crate) fn prefixed<T: Column>(&self, prefix: &str, name: &str) -> Result<T, DbErr> {
        let index = self
            .names
            .iter()
            .position(|column| {
                column.len() == prefix.len() + name.len()
                    && column.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
                    && column.get(prefix.len()..).is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| DbErr::Type(format!("no column {prefix}{name} in the row")))?;
        self.at(index)
    }

    pub(crate) fn at<T: Column>(&self, index: usize) -> Result<T, DbErr> {
        let cell = self.row.get_ref(index).map_err(error)?;
        T::read(cell).ok_or_else(|| DbErr::Type(format!("column {index} holds an unexpected {:?}", cell.data_type())))
    }
}

/// The statement, prepared (or taken from those kept) and bound. Parameters are bound by their
/// names (`$N` is the Nth value), so SQL written for both databases binds as sqlx binds it;
/// plain `?` take the values in order.
fn prepare<'c>(conn: &'c rusqlite::Connection, statement: &Statement) -> Result<rusqlite::CachedStatement<'c>, DbErr> {
    let mut prepared = conn.prepare_cached(&statement.sql).map_err(error)?;
    let values = statement.values.as_ref().map(|v| v.0.as_slice()).unwrap_or_default();
    for index in 1..=prepared.parameter_count() {
        let at = match prepared.parameter_name(index) {
            Some(name) => name.trim_start_matches(['$', '?']).parse::<usize>().ok().and_then(|n| n.checked_sub(1)),
            None => Some(index - 1),
        };
        let value = at
            .and_then(|at| values.get(at))
            .ok_or_else(|| DbErr::Custom(format!("no value for parameter {index} of: {}", statement.sql)))?;
        prepared.raw_bind_parameter(index, Bound(value)).map_err(error)?;
    }
    Ok(prepared)
}

/// A sea-orm value as sqlx binds it on SQLite, so that both connections write the same text
/// (times as RFC 3339 with `+00:00`, dates as `YYYY-MM-DD`, booleans as 0 and 1).
struct Bound<'a>(&'a Value);

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let integer = |n: Option<i64>| n.map_or(Cell::Null, Cell::Integer);
        let text = |s: Option<String>| s.map_or(Cell::Null, Cell::Text);
        Ok(ToSqlOutput::Owned(match self.0 {
            Value::Bool(b) => integer(b.map(i64::from)),
            Value::TinyInt(n) => integer(n.map(i64::from)),
            Value::SmallInt(n) => integer(n.map(i64::from)),
            Value::Int(n) => integer(n.map(i64::from)),
            Value::BigInt(n) => integer(*n),
            Value::TinyUnsigned(n) => integer(n.map(i64::from)),
            Value::SmallUnsigned(n) => integer(n.map(i64::from)),
            Value::Unsigned(n) => integer(n.map(i64::from)),
            Value::BigUnsigned(n) => match n.map(i64::try_from).transpose() {
                Ok(n) => integer(n),
                Err(e) => return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))),
            },
            Value::Float(x) => x.map_or(Cell::Null, |x| Cell::Real(f64::from(x))),
            Value::Double(x) => x.map_or(Cell::Null, Cell::Real),
            Value::String(s) => text(s.clone()),
            Value::Char(c) => text(c.map(String::from)),
            Value::Bytes(b) => b.clone().map_or(Cell::Null, Cell::Blob),
            Value::Json(j) => text(j.as_ref().map(|j| j.to_string())),
            Value::ChronoDate(d) => text(d.map(|d| d.format("%F").to_string())),
            Value::ChronoDateTime(t) => text(t.map(|t| t.format("%F %T%.f").to_string())),
            Value::ChronoDateTimeUtc(t) => text(t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
            Value::ChronoDateTimeWithTimeZone(t) => text(t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("a value of this type is never written directly: {other:?}").into(),
                ))
            }
        }))
    }
}

/// A rusqlite error as sea-orm reports a database's: the text kept, so that a full disk is
/// still recognised as one (`AppError::from`).
fn error(e: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(e.to_string()))
}

/// A column of a row, read as a `T`.
pub(crate) trait Column: Sized {
    fn read(cell: ValueRef<'_>) -> Option<Self>;
}

impl<T: Column> Column for Option<T> {
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        match cell {
            ValueRef::Null => Some(None),
            cell => T::read(cell).map(Some),
        }
    }
}

impl Column for i64 {
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        cell.as_i64().ok()
    }
}

impl Column for i32 {
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        cell.as_i64().ok().and_then(|n| i32::try_from(n).ok())
    }
}

impl Column for bool {
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        cell.as_i64().ok().map(|n| n != 0)
    }
}

impl Column for String {
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        cell.as_str().ok().map(str::to_owned)
    }
}

impl Column for NaiveDate {
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        NaiveDate::parse_from_str(cell.as_str().ok()?, "%F").ok()
    }
}

impl Column for DateTime<Utc> {
    /// What sqlx writes (RFC 3339), or a time without zone (SQLite's own `CURRENT_TIMESTAMP`),
    /// taken as UTC, as sqlx reads it.
    fn read(cell: ValueRef<'_>) -> Option<Self> {
        let text = cell.as_str().ok()?;
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Some(at.with_timezone(&Utc));
        }
        ["%F %T%.f", "%FT%T%.f", "%F %T%.f%#z"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|at| at.and_utc())
    }
}

/// A ticket row whose columns carry `prefix` (as `ticket::Model::from_query_result` reads one).
pub(crate) fn ticket_row(row: &Cells<'_, '_>, prefix: &str) -> Result<TicketRow, DbErr> {
    let model = ticket::Model {
        id: row.prefixed(prefix, "id")?,
        hall_id: row.prefixed(prefix, "hall_id")?,
        issued_service_id: row.prefixed(prefix, "issued_service_id")?,
        service_id: row.prefixed(prefix, "service_id")?,
        business_date: row.prefixed(prefix, "business_date")?,
        seq: row.prefixed(prefix, "seq")?,
        number: row.prefixed(prefix, "number")?,
        priority: row.prefixed(prefix, "priority")?,
        channel: row.prefixed(prefix, "channel")?,
        status: row.prefixed(prefix, "status")?,
        token: row.prefixed(prefix, "token")?,
        issued_at: row.prefixed(prefix, "issued_at")?,
        window_id: row.prefixed(prefix, "window_id")?,
        target_window_id: row.prefixed(prefix, "target_window_id")?,
        called_at: row.prefixed(prefix, "called_at")?,
        started_at: row.prefixed(prefix, "started_at")?,
        finished_at: row.prefixed(prefix, "finished_at")?,
        no_show_at: row.prefixed(prefix, "no_show_at")?,
        cancelled_at: row.prefixed(prefix, "cancelled_at")?,
        recall_count: row.prefixed(prefix, "recall_count")?,
        transfer_count: row.prefixed(prefix, "transfer_count")?,
        transfer_note: row.prefixed(prefix, "transfer_note")?,
        served_by: row.prefixed(prefix, "served_by")?,
        phone: row.prefixed(prefix, "phone")?,
        client_id: row.prefixed(prefix, "client_id")?,
        booked_for: row.prefixed(prefix, "booked_for")?,
        estimated_wait_minutes: row.prefixed(prefix, "estimated_wait_minutes")?,
    };
    TicketRow::try_from(model)
}

/// A user's columns (unprefixed).
pub(crate) fn user_model(row: &Cells<'_, '_>) -> Result<entity::user::Model, DbErr> {
    Ok(entity::user::Model {
        id: row.get("id")?,
        username: row.get("username")?,
        password_hash: row.get("password_hash")?,
        role: row.get("role")?,
        hall_id: row.get("hall_id")?,
        display_name: row.get("display_name")?,
        active: row.get("active")?,
        created_at: row.get("created_at")?,
    })
}

/// A window's own columns (unprefixed, as `window::Model::from_query_result` reads them).
pub(crate) fn window_model(row: &Cells<'_, '_>) -> Result<window::Model, DbErr> {
    Ok(window::Model {
        id: row.get("id")?,
        hall_id: row.get("hall_id")?,
        number: row.get("number")?,
        name: row.get("name")?,
        kind: row.get("kind")?,
        state: row.get("state")?,
        pause_reason: row.get("pause_reason")?,
        state_since: row.get("state_since")?,
        signed_in_user_id: row.get("signed_in_user_id")?,
        signed_in_at: row.get("signed_in_at")?,
        active: row.get("active")?,
    })
}
