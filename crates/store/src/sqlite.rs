//! The embedded default: SQLite in WAL mode, one writer at a time.

use crate::Store;
use crate::db::{APPLIED_MIGRATIONS, Bulk, Db, LockedTable, Statement, schema_matches};
use crate::decode::Rows;
use crate::encode::Encodes;
use crate::error::{StoreError, StoreResult};
use crate::feed::{Change, ChangeFeed, Gatherer, POLL};
use crate::session::Session;
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// SQLite allows 32766 bound values per statement.
const MAX_BINDS: usize = 32_000;
/// Each pooled connection's page cache, in KiB.
const CACHE_KIB: u32 = 512;
/// The page cache of a connection while it loads generated rows, in KiB.
const BULK_CACHE_KIB: u32 = 256 * 1024;

pub struct SqliteStore {
    pool: SqlitePool,
    /// How to open a connection of its own, for the change feed.
    options: SqliteConnectOptions,
    /// Tells the feeds' pollers to close their connections (`close`).
    closing: tokio::sync::watch::Sender<bool>,
    /// The feeds' pollers, awaited when closing.
    feeds: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        if database_dir(url).is_none() {
            return Err(StoreError::Url {
                url: url.to_string(),
                reason: "no database file: an in-memory or empty SQLite database loses every write when the command ends (give a path, e.g. sqlite:///home/me/nexml.db)".into(),
            });
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Url {
                url: url.to_string(),
                reason: e.to_string(),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Searches beyond ASCII match by a case-blind REGEXP (see `sql::TextMatch`).
            .with_regexp()
            // Each of the pool's connections keeps its own page cache
            // (2 MB by default): a search typed key by key runs on several
            // at once and kept the app near 37 MiB at a million runs. Pages
            // read again come from the operating system's cache.
            .pragma("cache_size", format!("-{CACHE_KIB}"))
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = database_dir(url) {
            // A missing folder would fail with an unhelpful "unable to open database file".
            let _ = std::fs::create_dir_all(dir);
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        if !schema_is_current(&pool).await {
            // Processes opening a new database at once take turns: without
            // this, the second finds half the tables there ("already exists").
            let lock = database_path(url).map(|p| p.with_extension("migrate-lock"));
            let _turn = match lock {
                Some(path) => Some(MigrationTurn::wait(path).await?),
                None => None,
            };
            MIGRATOR.run(&pool).await?;
        }
        Ok(SqliteStore {
            pool,
            options,
            closing: tokio::sync::watch::channel(false).0,
            feeds: std::sync::Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn read(&self) -> StoreResult<Session> {
        let conn = self.pool.acquire().await?;
        Ok(Session::new(Box::new(SqliteDb::Read(conn))))
    }

    /// A transaction that takes the write lock at once, so two writing
    /// processes queue on `busy_timeout` instead of failing with "locked".
    async fn write(&self) -> StoreResult<Session> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Session::new(Box::new(SqliteDb::Write(tx))))
    }

    /// A connection of its own (the data version is per connection) reads
    /// the version every `POLL`; a change by another connection means new
    /// audit rows, which name what changed.
    async fn watch(&self) -> StoreResult<ChangeFeed> {
        let mut conn = self.options.connect().await?;
        let version = data_version(&mut conn).await?;
        let seen: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM ml_audit")
            .fetch_one(&mut conn)
            .await?;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let poller = tokio::spawn(poll(
            conn,
            version,
            seen,
            Gatherer::new(sender),
            self.closing.subscribe(),
        ));
        if let Ok(mut feeds) = self.feeds.lock() {
            // A feed dropped ended its poller: keep only the running ones.
            feeds.retain(|f| !f.is_finished());
            feeds.push(poller);
        }
        Ok(ChangeFeed::new(receiver))
    }

    /// Closes every connection, the feeds' too, each as SQLite means it
    /// to be closed: the last connection to the database, in any process,
    /// then moves the write-ahead log into the database and removes it.
    /// A process that ends with its connections open leaves the log as it
    /// is, and the next process to open the database alone reads every
    /// frame in it before its first query (13 MB after `generate`, at each
    /// start of the app). Others still open see no change.
    async fn close(&self) {
        let _ = self.closing.send(true);
        let feeds = self
            .feeds
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default();
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            for feed in feeds {
                let _ = feed.await;
            }
            // A connection still lent out (a load the app began as it
            // left) is not waited for long: the process ends anyway.
            self.pool.close().await;
        })
        .await;
    }
}

/// How long closing waits for connections still lent out (a load the app
/// started just before leaving).
const CLOSE_WAIT: Duration = Duration::from_millis(500);

async fn data_version(conn: &mut SqliteConnection) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(conn)
        .await?)
}

/// At most this many audit rows are read per poll; more means "anything".
const FEED_BATCH: i64 = 1_000;

async fn poll(
    mut conn: SqliteConnection,
    mut version: i64,
    mut seen: i64,
    gatherer: Gatherer,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            // The only change sent is `true`; a store dropped closes too.
            _ = closing.changed() => {
                let _ = conn.close().await;
                return;
            }
        }
        if gatherer.is_closed() {
            return;
        }
        let Ok(now) = data_version(&mut conn).await else {
            continue;
        };
        if now == version {
            continue;
        }
        version = now;
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, entity, entity_id FROM ml_audit WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(seen)
        .bind(FEED_BATCH)
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        let mut batch: Vec<Change> = rows.iter().map(|(_, e, id)| Change::new(e, *id)).collect();
        // A write the audit does not name, or more than one batch of them.
        if rows.is_empty() || rows.len() as i64 == FEED_BATCH {
            batch.push(Change::anything());
        }
        if let Some((last, _, _)) = rows.last() {
            seen = *last;
        }
        if !gatherer.send(batch) {
            return;
        }
    }
}

/// The folder of the database file a URL names; `None` when it names no
/// file (empty, `:memory:`, `mode=memory`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Every migration applied with the checksum it has here, in one query.
async fn schema_is_current(pool: &SqlitePool) -> bool {
    // No migrations table yet (a new database) reads as not current.
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(APPLIED_MIGRATIONS)
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    !applied.is_empty() && schema_matches(&applied, &MIGRATOR)
}

/// An exclusive lock on a file beside the database while migrations run,
/// released when dropped (and by the system if the process dies).
struct MigrationTurn {
    _file: std::fs::File,
}

impl MigrationTurn {
    async fn wait(path: std::path::PathBuf) -> StoreResult<MigrationTurn> {
        let locked = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this function owns; it blocks until the lock is ours.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(MigrationTurn { _file: file })
        })
        .await;
        match locked {
            Ok(Ok(turn)) => Ok(turn),
            Ok(Err(e)) => Err(StoreError::Busy(format!(
                "waiting to migrate the database: {e}"
            ))),
            Err(e) => Err(StoreError::Busy(format!(
                "waiting to migrate the database: {e}"
            ))),
        }
    }
}

/// The database file a URL names.
fn database_path(url: &str) -> Option<std::path::PathBuf> {
    database_dir(url)?;
    let path = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    Some(std::path::PathBuf::from(path))
}

fn database_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    if path.trim().is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    std::path::Path::new(path).parent().map(|p| p.to_path_buf())
}

enum SqliteDb {
    Read(PoolConnection<Sqlite>),
    Write(Transaction<'static, Sqlite>),
}

impl SqliteDb {
    fn conn(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteDb::Read(c) => c,
            SqliteDb::Write(t) => t,
        }
    }
}

#[async_trait]
impl Db for SqliteDb {
    async fn fetch(&mut self, s: Statement) -> StoreResult<Rows> {
        let rows = Sqlite::query(s)?.fetch_all(self.conn()).await?;
        Ok(Rows::Sqlite(rows))
    }

    async fn execute(&mut self, s: Statement) -> StoreResult<u64> {
        let done = Sqlite::query(s)?.execute(self.conn()).await?;
        Ok(done.rows_affected())
    }

    /// `BEGIN IMMEDIATE` holds the database's one write lock already.
    async fn lock(&mut self, _table: LockedTable, _id: i64) -> StoreResult<()> {
        Ok(())
    }

    async fn serialize_audit(&mut self) -> StoreResult<()> {
        Ok(())
    }

    /// Readers notice commits by the data version, and read the audit rows.
    async fn announce(&mut self, _payload: &str) -> StoreResult<()> {
        Ok(())
    }

    fn json_merge(&self, column: &str, placeholder: &str) -> String {
        format!("json_patch({column}, {placeholder})")
    }

    fn ids_in_json(&self, placeholder: &str) -> String {
        format!("SELECT value FROM json_each({placeholder})")
    }

    /// SQLite's `LIKE` folds ASCII case (and `LOWER` no more than that).
    fn like_ignores_case(&self) -> bool {
        true
    }

    fn bare_columns_follow_min_max(&self) -> bool {
        true
    }

    /// SQLite looks `$N` names up one by one: quadratic in a long statement.
    fn binds_by_position(&self) -> bool {
        true
    }

    /// With a page cache sized for the load while it runs: its inserts
    /// walk the table's and its indexes' B-trees, which the pool's small
    /// cache (`cache_size`, above) would read again from the operating
    /// system page by page.
    async fn insert_bulk(&mut self, rows: Bulk<'_>) -> StoreResult<()> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA cache_size = -{BULK_CACHE_KIB}"
        )))
        .execute(self.conn())
        .await?;
        let mut inserted = Ok(());
        let mut queries = Sqlite::bulk_inserts(rows, MAX_BINDS, true);
        let mut next = queries.next();
        while let Some(query) = next.take() {
            // The next statement's values are bound (encoded, JSON written
            // out) here while SQLite's worker thread runs this one: binding
            // was a fifth of a load, spent while the worker waited.
            let (done, following) =
                tokio::join!(query.execute(self.conn()), async { queries.next() });
            if let Err(e) = done {
                inserted = Err(e.into());
                break;
            }
            next = following;
        }
        let reset = sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA cache_size = -{CACHE_KIB}"
        )))
        .execute(self.conn())
        .await;
        // A failed insert is the error to report, not the reset after it.
        inserted.and(reset.map(drop).map_err(Into::into))
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        match *self {
            SqliteDb::Read(_) => Ok(()),
            SqliteDb::Write(tx) => Ok(tx.commit().await?),
        }
    }
}
