//! The statements a hall write runs for every ticket issued and every window operation
//! (issue 19), on whichever connection the write holds: a sea-orm transaction, or on SQLite the
//! writers' direct connection (`direct.rs`). Each statement is built once, by the function of
//! its own module that the ORM path runs too; only the reading of rows differs here.
use super::direct::{self, DirectReaders, DirectWriter};
use super::events::{self, NewEvent};
use super::halls;
use super::queue::{self, ServiceQueue};
use super::ticket_row::TicketRow;
use super::tickets::{self, NewTicket};
use super::users::{self, UserRow};
use super::windows::{self, WindowRow};
use crate::domain::ids::{HallId, ServiceId, TicketId, UserId, WindowId};
use crate::domain::ticket::Priority;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryTrait};
use std::collections::HashMap;

/// The connection of a hall write.
#[derive(Clone, Copy)]
pub enum Tx<'a> {
    Orm(&'a DatabaseTransaction),
    Direct(&'a DirectWriter),
}

const SQLITE: DbBackend = DbBackend::Sqlite;

impl Tx<'_> {
    pub async fn take_event_seqs(self, hall: HallId, n: i64) -> Result<i64, DbErr> {
        match self {
            Tx::Orm(conn) => halls::take_event_seqs(conn, hall, n).await,
            Tx::Direct(conn) => conn
                .query(&halls::take_event_seqs_statement(SQLITE, hall, n), |row| row.at(0))?
                .pop()
                .ok_or_else(|| halls::no_hall(hall)),
        }
    }

    pub async fn insert_events(self, hall: HallId, rows: &[NewEvent<'_>]) -> Result<(), DbErr> {
        match self {
            Tx::Orm(conn) => events::insert_many(conn, hall, rows).await,
            Tx::Direct(conn) => {
                for chunk in events::chunks(rows) {
                    conn.execute(&events::insert_statement(SQLITE, hall, chunk))?;
                }
                Ok(())
            }
        }
    }

    /// See `windows::find_with_held`.
    pub async fn find_with_held(self, ids: &[WindowId]) -> Result<Vec<(WindowRow, Option<TicketRow>)>, DbErr> {
        let conn = match self {
            Tx::Orm(conn) => return windows::find_with_held(conn, ids).await,
            Tx::Direct(conn) => conn,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ordered by window, one row per service it serves: the window and its held ticket are
        // read from the first row of each window, only the service from the others.
        let mut last = None;
        let rows = conn.query(&windows::find_with_held_statement(SQLITE, ids), |row| {
            let id: i32 = row.get("id")?;
            let service: Option<i32> = row.get("listed_service")?;
            if last == Some(id) {
                return Ok((id, service, None));
            }
            last = Some(id);
            // A held ticket's id is never null, so a null one means the window holds nothing.
            let held = match row.prefixed::<Option<i64>>(windows::HELD_PREFIX, "id")? {
                Some(_) => Some(direct::ticket_row(row, windows::HELD_PREFIX)?),
                None => None,
            };
            Ok((id, service, Some((direct::window_model(row)?, held))))
        })?;
        let mut by_window = HashMap::new();
        for run in rows.chunk_by(|a, b| a.0 == b.0) {
            let Some((_, _, Some((model, held)))) = run.first() else { continue };
            let services = run.iter().filter_map(|(_, service, _)| service.map(ServiceId)).collect();
            let window = windows::row(model.clone(), services)?;
            by_window.insert(window.id, (window, held.clone()));
        }
        Ok(ids.iter().filter_map(|id| by_window.remove(id)).collect())
    }

    /// See `queue::queue_heads_for`.
    pub async fn queue_heads_for(
        self,
        hall: HallId,
        day: NaiveDate,
        windows: &[WindowId],
        services: &[ServiceId],
        depth: usize,
    ) -> Result<Vec<TicketRow>, DbErr> {
        match self {
            Tx::Orm(conn) => queue::queue_heads_for(conn, hall, day, windows, services, depth).await,
            Tx::Direct(conn) => {
                let statement = queue::queue_heads_statement(SQLITE, hall, day, windows, services, depth);
                conn.query(&statement, |row| direct::ticket_row(row, ""))
            }
        }
    }

    /// See `tickets::update_many`.
    pub async fn update_many(self, changes: &[(TicketRow, TicketRow)]) -> Result<bool, DbErr> {
        let conn = match self {
            Tx::Orm(conn) => return tickets::update_many(conn, changes).await,
            Tx::Direct(conn) => conn,
        };
        if changes.is_empty() {
            return Ok(true);
        }
        if conn.execute(&tickets::update_many_statement(SQLITE, changes))? != changes.len() {
            return Ok(false);
        }
        for ((hall, service, day, priority), delta) in tickets::counter_moves(changes) {
            conn.execute(&tickets::adjust_queued_statement(SQLITE, hall, service, day, priority, delta))?;
        }
        Ok(true)
    }

    pub async fn find_by_number(self, hall: HallId, day: NaiveDate, number: &str) -> Result<Option<TicketRow>, DbErr> {
        match self {
            Tx::Orm(conn) => tickets::find_by_number(conn, hall, day, number).await,
            Tx::Direct(conn) => {
                let statement = tickets::find_by_number_query(hall, day, number).build(SQLITE);
                Ok(conn.query(&statement, |row| direct::ticket_row(row, ""))?.pop())
            }
        }
    }

    pub async fn queued_remote(self, hall: HallId, day: NaiveDate) -> Result<u32, DbErr> {
        match self {
            Tx::Orm(conn) => tickets::queued_remote(conn, hall, day).await,
            Tx::Direct(conn) => {
                let count: i64 =
                    conn.query(&tickets::queued_remote_count(SQLITE, hall, day), |row| row.at(0))?.pop().unwrap_or(0);
                Ok(u32::try_from(count).unwrap_or(u32::MAX))
            }
        }
    }

    pub async fn active_remote(
        self,
        hall: HallId,
        day: NaiveDate,
        service: ServiceId,
        client_id: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Option<TicketRow>, DbErr> {
        match self {
            Tx::Orm(conn) => tickets::active_remote(conn, hall, day, service, client_id, phone).await,
            Tx::Direct(conn) => match tickets::active_remote_query(hall, day, service, client_id, phone) {
                Some(query) => Ok(conn.query(&query.build(SQLITE), |row| direct::ticket_row(row, ""))?.pop()),
                None => Ok(None),
            },
        }
    }

    pub async fn take_seqs(self, hall: HallId, service: ServiceId, day: NaiveDate, n: i32) -> Result<i32, DbErr> {
        match self {
            Tx::Orm(conn) => tickets::take_seqs(conn, hall, service, day, n).await,
            Tx::Direct(conn) => conn
                .query(&tickets::take_seqs_statement(SQLITE, hall, service, day, n), |row| row.at(0))?
                .pop()
                .ok_or_else(tickets::no_counter),
        }
    }

    pub async fn return_seqs(self, hall: HallId, service: ServiceId, day: NaiveDate, n: i32) -> Result<(), DbErr> {
        match self {
            Tx::Orm(conn) => tickets::return_seqs(conn, hall, service, day, n).await,
            Tx::Direct(conn) => conn.execute(&tickets::return_seqs_statement(SQLITE, hall, service, day, n)).map(drop),
        }
    }

    pub async fn adjust_queued(
        self,
        hall: HallId,
        service: ServiceId,
        day: NaiveDate,
        priority: Priority,
        delta: i32,
    ) -> Result<(), DbErr> {
        match self {
            Tx::Orm(conn) => tickets::adjust_queued(conn, hall, service, day, priority, delta).await,
            Tx::Direct(conn) => {
                conn.execute(&tickets::adjust_queued_statement(SQLITE, hall, service, day, priority, delta)).map(drop)
            }
        }
    }

    /// See `queue::service_queue`.
    pub async fn service_queue(self, key: &TicketRow) -> Result<ServiceQueue, DbErr> {
        match self {
            Tx::Orm(conn) => queue::service_queue(conn, key).await,
            Tx::Direct(conn) => {
                let rows = conn.query(&queue::service_queue_statement(SQLITE, key), |row| {
                    Ok((row.at(0)?, row.at(1)?, row.at::<i64>(2)? != 0))
                })?;
                queue::service_queue_of(rows)
            }
        }
    }

    /// See `tickets::insert_rows`.
    pub async fn insert_rows(self, rows: &[NewTicket<'_>]) -> Result<Vec<TicketId>, DbErr> {
        match self {
            Tx::Orm(conn) => tickets::insert_rows(conn, rows).await,
            Tx::Direct(conn) => {
                let returned = conn.query(&tickets::insert_rows_statement(SQLITE, rows), |row| {
                    Ok((row.at(0)?, row.at(1)?, row.at(2)?))
                })?;
                tickets::ids_in_order(rows, returned)
            }
        }
    }
}

/// Where the reads every staff request starts with run: the pool, or on SQLite a direct
/// connection on the web worker itself, with what it read kept (`DirectReads`).
#[derive(Clone, Copy)]
pub enum Reads<'a> {
    Orm(&'a DatabaseConnection),
    Direct(&'a DirectReads),
}

impl Reads<'_> {
    /// See `users::find_session_user`.
    pub async fn find_session_user(
        self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(UserRow, DateTime<Utc>)>, DbErr> {
        match self {
            Reads::Orm(conn) => users::find_session_user(conn, token_hash, now).await,
            Reads::Direct(direct) => direct.find_session_user(token_hash, now),
        }
    }

    /// See `windows::find_for_user`.
    pub async fn find_window_for_user(self, id: WindowId, user: UserId) -> Result<Option<(WindowRow, bool)>, DbErr> {
        match self {
            Reads::Orm(conn) => windows::find_for_user(conn, id, user).await,
            Reads::Direct(direct) => direct.find_window_for_user(id, user),
        }
    }
}

/// On SQLite, the reads every staff request starts with (its session, the window it acts on):
/// on the web worker itself (`direct::DirectReaders`), and kept. What was kept is used again
/// while `staff_version` stays the same; triggers raise it in the same transaction as any
/// change to the tables those reads join (migration `m20261207_000016_staff_version`), so a
/// request reads that one row instead of two joins (issue 19). The version is read before the
/// rows it is kept with, so what is kept is never older than its version says. One instance
/// owns a SQLite file: no other process needs telling.
pub struct DirectReads {
    readers: DirectReaders,
    kept: std::sync::Mutex<Kept>,
}

/// What the direct reads found at `version`. Only what was found is kept: a refusal reads again.
#[derive(Default)]
struct Kept {
    version: i64,
    sessions: HashMap<String, (UserRow, DateTime<Utc>)>,
    windows: HashMap<(WindowId, UserId), (WindowRow, bool)>,
}

/// Sessions (and window-user pairs) kept at most; past that the kept ones are forgotten.
const KEPT: usize = 4096;

fn keep<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) -> Option<V> {
    if map.len() >= KEPT {
        map.clear();
    }
    map.insert(key, value)
}

impl DirectReads {
    pub fn new(path: &std::path::Path) -> Self {
        Self { readers: DirectReaders::new(path), kept: Default::default() }
    }

    fn version(&self) -> Result<i64, DbErr> {
        let statement = sea_orm::Statement::from_string(SQLITE, "SELECT version FROM staff_version WHERE id = 1");
        self.readers
            .query(&statement, |row| row.at(0))?
            .pop()
            .ok_or_else(|| DbErr::RecordNotFound("staff_version".into()))
    }

    /// Runs `with` on what is kept, if it was kept at `version`; what was kept at an older
    /// version is forgotten first. A read that began before the newest version was seen finds
    /// nothing and keeps nothing.
    fn kept<T>(&self, version: i64, with: impl FnOnce(&mut Kept) -> Option<T>) -> Option<T> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if version > kept.version {
            *kept = Kept { version, ..Kept::default() };
        }
        if version == kept.version {
            with(&mut kept)
        } else {
            None
        }
    }

    fn find_session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(UserRow, DateTime<Utc>)>, DbErr> {
        let version = self.version()?;
        if let Some((user, expires)) = self.kept(version, |kept| kept.sessions.get(token_hash).cloned()) {
            return Ok((expires > now).then_some((user, expires)));
        }
        let statement = users::session_user_statement(SQLITE, token_hash, now);
        let found = self
            .readers
            .query(&statement, |row| Ok((users::row(direct::user_model(row)?)?, row.get(users::SESSION_EXPIRES)?)))?
            .into_iter()
            .next();
        if let Some(found) = &found {
            self.kept(version, |kept| keep(&mut kept.sessions, token_hash.to_owned(), found.clone()));
        }
        Ok(found)
    }

    fn find_window_for_user(&self, id: WindowId, user: UserId) -> Result<Option<(WindowRow, bool)>, DbErr> {
        let version = self.version()?;
        if let Some(found) = self.kept(version, |kept| kept.windows.get(&(id, user)).cloned()) {
            return Ok(Some(found));
        }
        let rows = self.readers.query(&windows::find_with_statement(SQLITE, id, Some(user)), |row| {
            let service: Option<i32> = row.get("listed_service")?;
            Ok((direct::window_model(row)?, service, row.get::<bool>("assigned")?))
        })?;
        let Some((model, _, assigned)) = rows.first() else { return Ok(None) };
        let services = rows.iter().filter_map(|(_, service, _)| service.map(ServiceId)).collect();
        let found = (windows::row(model.clone(), services)?, *assigned);
        self.kept(version, |kept| keep(&mut kept.windows, (id, user), found.clone()));
        Ok(Some(found))
    }
}

#[cfg(test)]
mod tests {
    //! Both connections must read what the other wrote exactly as it was written: the same
    //! rows through either, and the same text in the file for the same values.
    use super::*;
    use crate::config::DemoHours;
    use crate::domain::ticket::{Channel, TicketStatus};
    use crate::persistence::setup;
    use chrono::{Duration, Utc};
    use sea_orm::{ConnectionTrait, TransactionTrait};

    struct TempFile(std::path::PathBuf);

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A migrated database file with the demo hall, and the direct connection to it.
    async fn file_database() -> (TempFile, sea_orm::DatabaseConnection, DirectWriter, HallId) {
        use migration::MigratorTrait;
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("hallq-hot-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("hallq.db");
        let mut options = sea_orm::ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        options.max_connections(1).sqlx_logging(false);
        let db = sea_orm::Database::connect(options).await.expect("SQLite file");
        migration::Migrator::up(&db, None).await.expect("migrations");
        let direct = DirectWriter::open(&path).expect("direct connection");
        let hall =
            crate::persistence::seed::demo_hall(&db, chrono_tz::Asia::Shanghai, DemoHours::Always, "x", Utc::now())
                .await
                .expect("demo hall");
        (TempFile(dir), db, direct, hall)
    }

    fn new_ticket<'a>(hall: HallId, service: ServiceId, seq: i32, number: &'a str, token: &'a str) -> NewTicket<'a> {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T02:03:04.123456789Z").expect("time").to_utc();
        NewTicket {
            hall,
            service,
            day: at.date_naive(),
            seq,
            number,
            priority: if seq % 2 == 0 { Priority::Green } else { Priority::Normal },
            channel: if seq == 3 { Channel::Mobile } else { Channel::Kiosk },
            token,
            issued_at: at + Duration::seconds(i64::from(seq)),
            phone: (seq == 3).then_some("13800000000"),
            client_id: (seq == 3).then_some("phone-3"),
            booked_for: (seq == 2).then_some(at),
            estimated_wait_minutes: (seq != 1).then_some(seq * 4),
        }
    }

    #[tokio::test]
    async fn the_direct_connection_and_the_orm_read_and_write_the_same_rows() {
        let (_dir, db, direct, hall) = file_database().await;
        let now = Utc::now();
        let scalar = |sql: &'static str| {
            let db = db.clone();
            async move {
                let row = db.query_one_raw(super::super::statement(&db, sql, [])).await.expect("query");
                row.expect("a row").try_get_by_index::<i64>(0).expect("a number")
            }
        };
        let service = ServiceId(i32::try_from(scalar("SELECT MIN(id) FROM services").await).expect("id"));
        let window_ids: Vec<WindowId> = db
            .query_all_raw(super::super::statement(&db, "SELECT id FROM windows ORDER BY id LIMIT 3", []))
            .await
            .expect("windows")
            .iter()
            .map(|row| WindowId(row.try_get_by_index(0).expect("id")))
            .collect();
        let (orm, direct_tx) = (db.begin().await.expect("begin"), Tx::Direct(&direct));

        // One ticket written through the ORM, committed; two through the direct connection.
        let first = new_ticket(hall, service, 1, "A001", "t1");
        let ids = Tx::Orm(&orm).insert_rows(std::slice::from_ref(&first)).await.expect("insert");
        Tx::Orm(&orm).adjust_queued(hall, service, first.day, first.priority, 1).await.expect("counter");
        orm.commit().await.expect("commit");
        direct.begin().expect("begin");
        assert_eq!(direct_tx.take_seqs(hall, service, first.day, 3).await.expect("seqs"), 3);
        direct_tx.return_seqs(hall, service, first.day, 1).await.expect("give back");
        let later = [new_ticket(hall, service, 2, "A002", "t2"), new_ticket(hall, service, 3, "A003", "t3")];
        let mut ids = [ids, direct_tx.insert_rows(&later).await.expect("insert")].concat();
        for t in &later {
            direct_tx.adjust_queued(hall, service, t.day, t.priority, 1).await.expect("counter");
        }
        let seq = direct_tx.take_event_seqs(hall, 2).await.expect("event seqs");
        direct.commit().expect("commit");
        assert_eq!(direct_tx.take_seqs(hall, service, first.day, 1).await.expect("seqs"), 3, "one was given back");
        assert_eq!(Tx::Orm(&db.begin().await.expect("begin")).take_event_seqs(hall, 0).await.expect("seq"), seq);

        // Every ticket reads the same through both, and as it was written.
        let day = first.day;
        let all = [first, later[0], later[1]];
        for (new, id) in all.iter().zip(&ids) {
            let through_orm = tickets::find(&db, *id).await.expect("find").expect("the ticket");
            let through_direct = direct_tx.find_by_number(hall, day, new.number).await.expect("find").expect("it");
            assert_eq!(through_orm, TicketRow::issued(*id, new));
            assert_eq!(through_direct, through_orm);
        }
        let texts = db
            .query_all_raw(super::super::statement(
                &db,
                "SELECT issued_at || '|' || business_date || '|' || COALESCE(booked_for, '-') FROM tickets ORDER BY id",
                [],
            ))
            .await
            .expect("texts");
        let texts: Vec<String> = texts.iter().map(|row| row.try_get_by_index(0).expect("text")).collect();
        assert_eq!(
            texts,
            [
                "2026-12-07T02:03:05.123456789+00:00|2026-12-07|-",
                "2026-12-07T02:03:06.123456789+00:00|2026-12-07|2026-12-07T02:03:04.123456789+00:00",
                "2026-12-07T02:03:07.123456789+00:00|2026-12-07|-",
            ],
            "the ORM wrote the first row, the direct connection the others: the same text"
        );

        // A call and a transfer written directly; read back through the ORM.
        let rows: Vec<TicketRow> = ids.iter().map(|id| all_rows(&all, &ids, *id)).collect();
        let called = TicketRow {
            status: TicketStatus::Called,
            window_id: Some(window_ids[0]),
            called_at: Some(now),
            transfer_note: Some("请到二楼".to_owned()),
            served_by: None,
            ..rows[1].clone()
        };
        let moved =
            TicketRow { status: TicketStatus::Transferred, target_window_id: Some(window_ids[1]), ..rows[2].clone() };
        direct.begin().expect("begin");
        let changes = vec![(rows[1].clone(), called.clone()), (rows[2].clone(), moved.clone())];
        assert!(direct_tx.update_many(&changes).await.expect("update"));
        assert!(!direct_tx.update_many(&changes).await.expect("stale"), "a change read before is refused");
        direct.commit().expect("commit");
        assert_eq!(tickets::find(&db, called.id).await.expect("find"), Some(called.clone()));
        assert_eq!(tickets::find(&db, moved.id).await.expect("find"), Some(moved.clone()));
        // The called one left its queue; the one sent to a window is still counted in its
        // service's (`service_queue` takes it off there).
        assert_eq!(scalar("SELECT SUM(queued) FROM queue_counters").await, 2);

        // The batch reads: the same through both.
        let orm = db.begin().await.expect("begin");
        let both = |a: String, b: String| assert_eq!(a, b);
        both(
            format!("{:?}", Tx::Orm(&orm).find_with_held(&window_ids).await.expect("windows")),
            format!("{:?}", direct_tx.find_with_held(&window_ids).await.expect("windows")),
        );
        let held = direct_tx.find_with_held(&window_ids[..1]).await.expect("window");
        assert_eq!(held[0].1.as_ref(), Some(&called));
        assert!(!held[0].0.services.is_empty());
        let mut heads = [
            Tx::Orm(&orm).queue_heads_for(hall, day, &window_ids, &[service], 4).await.expect("heads"),
            direct_tx.queue_heads_for(hall, day, &window_ids, &[service], 4).await.expect("heads"),
        ];
        heads.iter_mut().for_each(|rows| rows.sort_by_key(|t| t.id.0));
        assert_eq!(heads[0], heads[1]);
        assert_eq!(heads[0].len(), 2, "the waiting one and the one sent to window 2");
        let queues = [
            Tx::Orm(&orm).service_queue(&rows[0]).await.expect("queue"),
            direct_tx.service_queue(&rows[0]).await.expect("queue"),
        ];
        let sorted = |q: &ServiceQueue| {
            let mut by = q.by_priority.clone();
            by.sort_by_key(|(p, _)| p.as_str());
            (by, q.in_service)
        };
        assert_eq!(sorted(&queues[0]), sorted(&queues[1]));
        assert_eq!(
            Tx::Orm(&orm).queued_remote(hall, day).await.expect("remote"),
            direct_tx.queued_remote(hall, day).await.expect("remote")
        );
        let remote = [
            Tx::Orm(&orm).active_remote(hall, day, service, Some("phone-3"), None).await.expect("remote"),
            direct_tx.active_remote(hall, day, service, Some("phone-3"), None).await.expect("remote"),
        ];
        assert_eq!(remote[0], remote[1]);
        assert_eq!(remote[0].as_ref().map(|t| t.id), Some(moved.id));
        assert_eq!(direct_tx.active_remote(hall, day, service, None, None).await.expect("nobody"), None);
        drop(orm);

        // Rolled back: nothing of it stays.
        direct.begin().expect("begin");
        direct_tx.insert_rows(&[new_ticket(hall, service, 4, "A004", "t4")]).await.expect("insert");
        direct.rollback();
        assert_eq!(scalar("SELECT COUNT(*) FROM tickets").await, 3);
        ids.clear();
    }

    #[tokio::test]
    async fn a_request_s_first_reads_are_the_same_through_both() {
        let (dir, db, _, hall) = file_database().await;
        let now = Utc::now();
        let user = users::find_by_username(&db, "window1").await.expect("find").expect("window1");
        let expires = now + Duration::hours(8);
        users::insert_session(&db, "hash-1", user.id, now, expires).await.expect("session");
        let direct = DirectReads::new(&dir.0.join("hallq.db"));
        let (orm, direct) = (Reads::Orm(&db), Reads::Direct(&direct));
        for (hash, at) in [("hash-1", now), ("hash-1", expires), ("nobody", now)] {
            assert_eq!(
                format!("{:?}", orm.find_session_user(hash, at).await.expect("orm")),
                format!("{:?}", direct.find_session_user(hash, at).await.expect("direct")),
            );
        }
        let (found, at) = direct.find_session_user("hash-1", now).await.expect("read").expect("a session");
        assert_eq!((found.id, at), (user.id, expires));
        assert_eq!(direct.find_session_user("hash-1", expires).await.expect("read").map(|(u, _)| u.id), None);
        let windows = windows::list(&db, hall).await.expect("windows");
        for window in windows.iter().take(3) {
            let [a, b] = [
                orm.find_window_for_user(window.id, user.id).await.expect("orm"),
                direct.find_window_for_user(window.id, user.id).await.expect("direct"),
            ];
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
            assert!(b.is_some_and(|(w, _)| !w.services.is_empty()));
        }
        assert!(direct.find_window_for_user(WindowId(999_999), user.id).await.expect("read").is_none());
    }

    #[tokio::test]
    async fn what_the_direct_reads_kept_is_read_again_after_any_change_to_what_they_join() {
        let (dir, db, _, hall) = file_database().await;
        let now = Utc::now();
        let expires = now + Duration::hours(8);
        let user = users::find_by_username(&db, "window1").await.expect("find").expect("window1");
        let other = users::find_by_username(&db, "window2").await.expect("find").expect("window2");
        for hash in ["hash-1", "hash-2"] {
            users::insert_session(&db, hash, user.id, now, expires).await.expect("session");
        }
        let window = windows::list(&db, hall).await.expect("windows").remove(0);
        users::set_windows(&db, user.id, &[window.id]).await.expect("assign");
        let direct = &DirectReads::new(&dir.0.join("hallq.db"));
        let reads = Reads::Direct(direct);
        let session = |hash: &'static str| async move {
            let found = reads.find_session_user(hash, now).await.expect("read");
            assert!(
                direct.kept.lock().expect("kept").sessions.contains_key(hash) == found.is_some(),
                "kept when found"
            );
            found.map(|(user, _)| user)
        };
        let window_read = || async {
            let found = reads.find_window_for_user(window.id, user.id).await.expect("read").expect("the window");
            assert!(direct.kept.lock().expect("kept").windows.contains_key(&(window.id, user.id)), "kept");
            found
        };
        // Read twice (the second from what was kept), then changed: read again.
        assert!(session("hash-1").await.is_some_and(|u| u.active));
        assert!(session("hash-1").await.is_some_and(|u| u.active));
        assert_eq!(reads.find_session_user("hash-1", expires).await.expect("read").map(|(u, _)| u.id), None, "expired");
        users::set_active(&db, user.id, false).await.expect("disable");
        assert!(session("hash-1").await.is_some_and(|u| !u.active), "a disabled account");
        users::delete_session(&db, "hash-1").await.expect("logout");
        assert!(session("hash-1").await.is_none(), "a session ended");
        assert!(session("hash-2").await.is_some());
        users::delete_sessions_of(&db, user.id).await.expect("end all");
        assert!(session("hash-2").await.is_none(), "every session ended");

        let (first, assigned) = window_read().await;
        assert!(assigned && first.signed_in.is_none() && first.active);
        windows::set_services(&db, window.id, &first.services[..1]).await.expect("services");
        assert_eq!(window_read().await.0.services, first.services[..1], "its services changed");
        windows::set_signed_in(&db, window.id, Some(other.id), now).await.expect("sign in");
        assert_eq!(window_read().await.0.signed_in.map(|(u, _)| u), Some(other.id), "someone signed in");
        windows::set_state(&db, window.id, crate::domain::window::WindowState::Paused, None, now).await.expect("pause");
        assert_eq!(window_read().await.0.state, crate::domain::window::WindowState::Paused, "paused");
        users::set_windows(&db, user.id, &[]).await.expect("unassign");
        assert!(!window_read().await.1, "no longer assigned");
        let mut model = setup::window_model(&db, window.id).await.expect("read").expect("model");
        model.active = false;
        setup::update_window(&db, model).await.expect("out of service");
        assert!(!window_read().await.0.active, "out of service");
    }

    fn all_rows(all: &[NewTicket<'_>], ids: &[TicketId], id: TicketId) -> TicketRow {
        let at = ids.iter().position(|i| *i == id).expect("an id");
        TicketRow::issued(id, &all[at])
    }
}
