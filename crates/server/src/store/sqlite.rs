//! The SQLite driver: rusqlite connections used inline, on the request's own thread.
//!
//! Why not sqlx here (it still migrates the file, and drives PostgreSQL): sqlx-sqlite runs
//! every statement on a worker thread and hands the result back, two thread wake-ups per
//! statement (~200 per sign-up flow), which cost more CPU than the SQL itself (perf: ~half of
//! the server's cycles were context switches). A local SQLite statement takes microseconds, so
//! running it where the request already is costs less than any hand-off; the measured before
//! and after are in the issue-14 note and `cargo xtask bench`.
//!
//! - One writer connection behind an async mutex (SQLite has one writer anyway): writes queue
//!   in order without blocking a runtime thread. `BEGIN IMMEDIATE` takes the file's write lock
//!   up front; when another process holds it, the wait is an async sleep, not SQLite's
//!   blocking busy handler.
//! - Read-only connections for reads, so a read never waits for a write (WAL).
//! - Statements are prepared once per connection (`prepare_cached`).
//! - WAL checkpoints run on a thread of their own ([`Checkpointer`]), not inside a commit: a
//!   checkpoint copies pages and fsyncs twice, and inside a commit it stalled the writer, and
//!   with it one of the runtime's two threads, for milliseconds (~20% idle CPU under load).

use super::changes::{self, IfNoRow, OLDEST_SEND};
use super::{Change, DatabaseOptions, Decode, Param, StoreError};
use crate::config::Synchronous;
use rusqlite::{Connection, OpenFlags, Statement};
use std::time::{Duration, Instant};

/// How long a write waits for another process's write lock before failing.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// The open SQLite database.
pub(crate) struct Sqlite {
    writer: tokio::sync::Mutex<Connection>,
    /// Requests' changes waiting for the writer (see [`Sqlite::apply`]).
    pending: std::sync::Mutex<Vec<Pending>>,
    /// `None` for an in-memory database, whose only connection is the writer.
    readers: Option<Readers>,
    /// `None` for an in-memory database (it has no WAL).
    checkpointer: Option<Checkpointer>,
}

/// Checkpoints the WAL on a thread of its own, at most every [`Checkpointer::PAUSE`], once
/// something was committed; the writer's own automatic checkpoints are off.
///
/// `PASSIVE` never waits for or blocks readers and writers (it copies what it can and the next
/// round does the rest), so requests never wait for it. The thread ends when the database is
/// dropped (its channel closes), after one last checkpoint.
struct Checkpointer {
    committed: std::sync::mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// The least time between two checkpoints: under load the WAL grows by a few hundred pages
    /// in between, like SQLite's default automatic checkpoint of 1000 pages.
    const PAUSE: Duration = Duration::from_millis(100);

    fn start(path: &str) -> anyhow::Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::ZERO)?;
        let (committed, commits) = std::sync::mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while commits.recv().is_ok() {
                    checkpoint(&conn);
                    std::thread::sleep(Self::PAUSE);
                }
                checkpoint(&conn);
            })?;
        Ok(Self { committed })
    }

    /// After a commit: wakes the thread unless it is already due to run.
    fn committed(&self) {
        let _ = self.committed.try_send(());
    }
}

fn checkpoint(conn: &Connection) {
    // Busy (another instance is checkpointing the same file) or failed: the next round retries.
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "WAL checkpoint skipped");
    }
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite").finish_non_exhaustive()
    }
}

/// One request's changes, waiting for a writer to commit them.
struct Pending {
    changes: Vec<Change>,
    done: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

fn aborted(why: impl std::fmt::Display) -> StoreError {
    StoreError::Aborted(why.to_string())
}

/// Commits the requests' changes in one transaction, one savepoint each, and sends each its
/// outcome.
async fn commit_batch(conn: &mut Connection, batch: Vec<Pending>) {
    let batch: Vec<Pending> = batch.into_iter().filter(|p| !p.done.is_closed()).collect();
    if batch.is_empty() {
        return;
    }
    if let Err(e) = begin_immediate(conn).await {
        let why = e.to_string();
        for p in batch {
            let _ = p.done.send(Err(aborted(&why)));
        }
        return;
    }
    let conn: &Connection = conn;
    // Alone in the batch, a request needs no savepoint: its failure rolls everything back.
    let savepoints = batch.len() > 1;
    let mut outcomes: Vec<Result<(), StoreError>> = Vec::with_capacity(batch.len());
    for p in &batch {
        let outcome = if savepoints {
            in_savepoint(conn, |conn| apply_changes(conn, &p.changes))
        } else {
            apply_changes(conn, &p.changes)
        };
        outcomes.push(outcome);
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back (e.g. disk full): nothing is stored.
            break;
        }
    }
    let committed = if conn.is_autocommit() {
        Err("the transaction was rolled back".to_owned())
    } else if outcomes.iter().all(Result::is_err) {
        // Nothing to keep: undo in one step.
        let _ = conn.execute_batch("ROLLBACK");
        Ok(())
    } else {
        conn.execute_batch("COMMIT").map_err(|e| {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            e.to_string()
        })
    };
    let mut outcomes = outcomes.into_iter();
    for p in batch {
        let outcome = match (outcomes.next(), &committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(())), Ok(())) => Ok(()),
            (_, Err(why)) => Err(aborted(why)),
            (None, Ok(())) => Err(aborted("the transaction was rolled back")),
        };
        let _ = p.done.send(outcome);
    }
}

/// Runs `work` inside a savepoint, undoing only its own writes when it fails.
fn in_savepoint(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    conn.prepare_cached("SAVEPOINT request")
        .and_then(|mut s| s.execute([]))
        .map_err(error)?;
    let outcome = work(conn);
    if outcome.is_err() && !conn.is_autocommit() {
        conn.prepare_cached("ROLLBACK TO request")
            .and_then(|mut s| s.execute([]))
            .map_err(error)?;
    }
    if !conn.is_autocommit() {
        conn.prepare_cached("RELEASE request")
            .and_then(|mut s| s.execute([]))
            .map_err(error)?;
    }
    outcome
}

/// Executes the changes' statements (inside the caller's transaction).
fn apply_changes(conn: &Connection, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes {
        for step in changes::steps(change)? {
            if step.postgres_only || execute(conn, step.sql, &step.params)? > 0 {
                continue;
            }
            match step.if_no_row {
                IfNoRow::Fine => {}
                IfNoRow::Stale => return Err(StoreError::Stale),
                IfNoRow::BudgetSpent { bucket, at } => {
                    let oldest = query(conn, OLDEST_SEND, &super::args![&bucket.key], |r| {
                        r.opt_int("oldest")
                    })?;
                    return Err(changes::budget_spent(
                        bucket,
                        at,
                        oldest.into_iter().next().flatten(),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Idle read-only connections; a reader opens another when all are busy.
struct Readers {
    path: String,
    idle: std::sync::Mutex<Vec<Connection>>,
    max_idle: usize,
}

/// A rusqlite failure as a [`StoreError`] (unique violations become [`StoreError::Conflict`]).
pub(super) fn error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, message) = &e
        && matches!(
            failure.extended_code,
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    {
        return StoreError::Conflict(message.clone().unwrap_or_else(|| e.to_string()));
    }
    if let rusqlite::Error::SqliteFailure(failure, _) = &e
        && failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    {
        // See `StoreError::Stale`: a row this change refers to was deleted meanwhile.
        return StoreError::Stale;
    }
    StoreError::Sqlite(e)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == rusqlite::ErrorCode::DatabaseBusy)
}

impl Sqlite {
    /// Opens `sqlite://PATH` (creating the directory and file) and migrates it.
    pub(super) async fn open(options: &DatabaseOptions) -> anyhow::Result<Self> {
        let url = options.url.as_str();
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or_default();
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
            // Each connection to an in-memory database is a database of its own: one
            // connection does everything, migrated here (it is always new).
            let conn = Connection::open_in_memory()?;
            configure(&conn, options.synchronous)?;
            for migration in sqlx::migrate!("./migrations/sqlite").iter() {
                conn.execute_batch(&migration.sql)?;
            }
            return Ok(Self {
                writer: tokio::sync::Mutex::new(conn),
                pending: std::sync::Mutex::default(),
                readers: None,
                checkpointer: None,
            });
        }
        if let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                anyhow::anyhow!("cannot create directory {}: {e}", parent.display())
            })?;
        }
        migrate(url).await?;
        let writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
        configure(&writer, options.synchronous)?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = Checkpointer::start(path)
            .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
        let readers = Readers {
            path: path.to_owned(),
            idle: std::sync::Mutex::new(Vec::new()),
            max_idle: options.max_connections.unwrap_or(4).max(1) as usize,
        };
        let first = readers
            .open()
            .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
        readers.put_back(first);
        Ok(Self {
            writer: tokio::sync::Mutex::new(writer),
            pending: std::sync::Mutex::default(),
            readers: Some(readers),
            checkpointer: Some(checkpointer),
        })
    }

    /// The rows a query returns, decoded.
    pub(super) async fn fetch<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        decode: Decode<T>,
    ) -> Result<Vec<T>, StoreError> {
        match &self.readers {
            Some(readers) => {
                let conn = readers.take().map_err(error)?;
                let rows = query(&conn, sql, params, decode);
                readers.put_back(conn);
                rows
            }
            None => {
                let conn = self.writer.lock().await;
                query(&conn, sql, params, decode)
            }
        }
    }

    /// Applies the changes in one transaction, committed together with whatever other requests'
    /// changes are waiting for the writer at that moment (group commit).
    ///
    /// The request queues its changes, then waits for the writer. Whoever gets the writer
    /// commits every queued request's changes in one transaction, each inside its own savepoint
    /// (so one request's stale row or spent budget undoes only its own changes), and tells each
    /// request its outcome. Under load this turns many commits, each with its WAL header and
    /// (with `synchronous = "full"`) its fsync, into one; alone, a request commits at once, as
    /// before. Nobody answers before the commit that holds their changes has returned, so
    /// "answered means stored" is unchanged. A request dropped while it waits (its client went
    /// away) is skipped.
    pub(super) async fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let (done, mut outcome) = tokio::sync::oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Pending { changes, done });
        let mut conn = self.writer.lock().await;
        if let Ok(committed_by_another) = outcome.try_recv() {
            return committed_by_another;
        }
        // Our changes are still queued (only the writer's holder takes the queue): take them
        // and everyone else's.
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        commit_batch(&mut conn, batch).await;
        drop(conn);
        self.committed();
        outcome
            .await
            .unwrap_or_else(|_| Err(aborted("the batch ended without an outcome")))
    }

    /// Runs the statements in one transaction; the rows each changed.
    pub(super) async fn write(
        &self,
        statements: &[(&'static str, Vec<Param<'_>>)],
    ) -> Result<Vec<u64>, StoreError> {
        self.transaction(|conn| {
            statements
                .iter()
                .map(|(sql, params)| execute(conn, sql, params))
                .collect()
        })
        .await
    }

    /// Runs `work` between `BEGIN IMMEDIATE` and `COMMIT` on the writer (rolled back when it
    /// fails).
    async fn transaction<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().await;
        begin_immediate(&mut conn).await?;
        let done = work(&conn).and_then(|value| {
            conn.execute_batch("COMMIT").map_err(error)?;
            Ok(value)
        });
        if done.is_err() && !conn.is_autocommit() {
            // The error is what the caller needs; a failed rollback leaves the transaction
            // open, which the next `begin_immediate` ends.
            let _ = conn.execute_batch("ROLLBACK");
        }
        drop(conn);
        self.committed();
        done
    }

    fn committed(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed();
        }
    }
}

/// Takes the write lock, waiting (asynchronously) while another process holds it.
async fn begin_immediate(conn: &mut Connection) -> Result<(), StoreError> {
    if !conn.is_autocommit() {
        // A transaction left open by a panic in the middle of a previous one.
        conn.execute_batch("ROLLBACK").map_err(error)?;
    }
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e) if is_busy(&e) && started.elapsed() < WRITE_LOCK_WAIT => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => return Err(error(e)),
        }
    }
}

impl Readers {
    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    fn take(&self) -> rusqlite::Result<Connection> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open(),
        }
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
    }
}

/// The writer's settings (the journal mode is the file's, set when it was migrated).
fn configure(conn: &Connection, synchronous: Synchronous) -> rusqlite::Result<()> {
    conn.pragma_update(
        None,
        "synchronous",
        match synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        },
    )?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A savepoint's undo journal (group commit) in memory rather than a temporary file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Waiting for another process's write lock is `begin_immediate`'s job, asynchronously.
    conn.busy_timeout(Duration::ZERO)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Creates the file in WAL mode and runs the embedded migrations (sqlx's, so their record
/// stays where earlier versions kept it).
async fn migrate(url: &str) -> anyhow::Result<()> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    use std::str::FromStr as _;
    let opts = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(WRITE_LOCK_WAIT);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
    // SQLite has no migration lock: an instance that starts while another migrates the same
    // file sees "already exists" once, and finds the work done when it looks again.
    let mut tries = 0;
    let migrated = loop {
        match sqlx::migrate!("./migrations/sqlite").run(&pool).await {
            Ok(()) => break Ok(()),
            Err(e) if tries < 5 => {
                tries += 1;
                tracing::debug!(error = %e, "migration raced another instance; looking again");
                tokio::time::sleep(Duration::from_millis(100 * tries)).await;
            }
            Err(e) => break Err(e),
        }
    };
    pool.close().await;
    Ok(migrated?)
}

/// Binds `$N` placeholders by their number (SQLite numbers named parameters in order of first
/// appearance, so `$2 … $1` would otherwise bind the wrong values).
fn bind(stmt: &mut Statement<'_>, params: &[Param<'_>]) -> Result<(), StoreError> {
    for index in 1..=stmt.parameter_count() {
        let value = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| params.get(n.checked_sub(1)?))
            .ok_or_else(|| StoreError::Corrupt(format!("parameter {index} has no value")))?;
        match value {
            Param::Text(text) => stmt.raw_bind_parameter(index, text.as_deref()),
            Param::Int(int) => stmt.raw_bind_parameter(index, int),
        }
        .map_err(error)?;
    }
    Ok(())
}

fn execute(conn: &Connection, sql: &str, params: &[Param<'_>]) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(error)?;
    bind(&mut stmt, params)?;
    Ok(stmt.raw_execute().map_err(error)? as u64)
}

fn query<T>(
    conn: &Connection,
    sql: &str,
    params: &[Param<'_>],
    decode: Decode<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(error)?;
    bind(&mut stmt, params)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        out.push(decode(row)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientRow, Store};

    fn client(id: &str, version: i64) -> Change {
        Change::Client(ClientRow {
            id: id.into(),
            token: "t".into(),
            sign_in_id: None,
            sign_up_id: None,
            last_active_session_id: None,
            last_authentication_strategy: None,
            created_at: 1,
            updated_at: 1,
            version,
        })
    }

    async fn open() -> (Sqlite, Store) {
        let dir = std::env::temp_dir().join("onetime-server-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.db", crate::crypto::new_id("batch")));
        let options = DatabaseOptions::new(format!("sqlite://{}", path.display()));
        let store = Store::connect(&options).await.unwrap();
        (Sqlite::open(&options).await.unwrap(), store)
    }

    fn job(
        changes: Vec<Change>,
    ) -> (
        Pending,
        tokio::sync::oneshot::Receiver<Result<(), StoreError>>,
    ) {
        let (done, outcome) = tokio::sync::oneshot::channel();
        (Pending { changes, done }, outcome)
    }

    /// A change that refers to a row deleted meanwhile (a session for a user whose account was
    /// just deleted) is stale, so the request starts over from fresh rows instead of failing
    /// with a 500.
    #[tokio::test]
    async fn a_reference_to_a_deleted_row_is_stale() {
        let (db, _store) = open().await;
        let session = Change::Session(crate::store::SessionRow {
            id: "sess_1".into(),
            client_id: "client_1".into(),
            user_id: "user_deleted".into(),
            status: onetime_protocol::SessionStatus::Active,
            expire_at: 10,
            last_active_at: 1,
            user_agent: None,
            ip_address: None,
            created_at: 1,
            updated_at: 1,
            version: 0,
        });
        let r = db.apply(vec![client("client_1", 0), session]).await;
        assert!(matches!(r, Err(StoreError::Stale)), "{r:?}");
    }

    /// One transaction for four requests: the stale one and the conflicting one undo only
    /// their own changes; a request whose caller went away is not applied at all.
    #[tokio::test]
    async fn a_failed_request_in_a_batch_undoes_only_its_own_changes() {
        let (db, store) = open().await;
        db.apply(vec![client("client_old", 0)]).await.unwrap();
        let (a, a_out) = job(vec![client("client_a", 0)]);
        // Stale: the row is at version 1. Its first change (a new client) must go too.
        let (b, b_out) = job(vec![client("client_b", 0), client("client_old", 7)]);
        let (c, c_out) = job(vec![client("client_c", 0)]);
        let (d, d_out) = job(vec![client("client_d", 0), client("client_a", 0)]);
        let (gone, gone_out) = job(vec![client("client_gone", 0)]);
        drop(gone_out);
        let mut conn = db.writer.lock().await;
        commit_batch(&mut conn, vec![a, b, gone, c, d]).await;
        drop(conn);
        assert!(a_out.await.unwrap().is_ok());
        assert!(matches!(b_out.await.unwrap(), Err(StoreError::Stale)));
        assert!(c_out.await.unwrap().is_ok());
        assert!(matches!(d_out.await.unwrap(), Err(StoreError::Conflict(_))));
        for (id, stored) in [
            ("client_old", true),
            ("client_a", true),
            ("client_b", false),
            ("client_c", true),
            ("client_d", false),
            ("client_gone", false),
        ] {
            assert_eq!(store.client(id).await.unwrap().is_some(), stored, "{id}");
        }
        assert_eq!(
            store.client("client_old").await.unwrap().unwrap().version,
            1
        );
    }

    /// With the writer's automatic checkpoints off, the checkpoint thread still copies
    /// committed pages from the WAL into the database file while the database is open.
    #[tokio::test]
    async fn committed_pages_reach_the_database_file_without_a_restart() {
        let dir = std::env::temp_dir().join("onetime-server-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.db", crate::crypto::new_id("ckpt")));
        let db = Sqlite::open(&DatabaseOptions::new(format!(
            "sqlite://{}",
            path.display()
        )))
        .await
        .unwrap();
        tokio::time::sleep(Checkpointer::PAUSE * 2).await;
        let before = std::fs::metadata(&path).unwrap().len();
        for i in 0..300 {
            db.apply(vec![client(&format!("client_{i:0>200}"), 0)])
                .await
                .unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::metadata(&path).unwrap().len() <= before {
            assert!(
                Instant::now() < deadline,
                "the database file stayed at {before} bytes: nothing was checkpointed"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Many requests at once on two threads: every one is answered, and an answer of success
    /// means the row is stored.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_are_all_committed_and_answered() {
        let (db, store) = open().await;
        let db = std::sync::Arc::new(db);
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move { db.apply(vec![client(&format!("client_{i}"), 0)]).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(store.count_rows("clients").await.unwrap(), 200);
    }
}
