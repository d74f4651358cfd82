//! PostgreSQL, for a team sharing one database.

use crate::bulk::{copy_statement, copy_text};
use crate::db::{APPLIED_MIGRATIONS, Bulk, Db, LockedTable, Statement, schema_matches};
use crate::decode::Rows;
use crate::encode::Encodes;
use crate::error::{StoreError, StoreResult};
use crate::feed::{CHANNEL, Change, ChangeFeed, GATHER, Gatherer, decode};
use crate::session::Session;
use crate::{Store, redact};
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions, PgSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, PgConnection, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long to wait for the server, for the first connection and for the pool.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write waits for another session's row lock.
const LOCK_TIMEOUT: &str = "10s";
/// How long any one statement may run.
const STATEMENT_TIMEOUT: &str = "120s";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

pub struct PgStore {
    pool: PgPool,
    /// The connection opened at start, lent to one read at a time, so a
    /// command that only reads makes one connection in all; the pool opens
    /// others only when they are needed.
    spare: Arc<Mutex<Option<PgConnection>>>,
}

impl PgStore {
    /// Connects to and migrates the database at `url`: one connection, one
    /// query when the schema is up to date, no TLS unless the URL asks
    /// (`sslmode=...`).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Url {
                url: redact(url),
                reason: e.to_string(),
            })?
            // A writer blocked by another session's row lock hears "try again"
            // as on SQLite (busy_timeout), instead of waiting forever.
            .options([
                ("lock_timeout", LOCK_TIMEOUT),
                ("statement_timeout", STATEMENT_TIMEOUT),
            ]);
        if !asks_for_tls(url) {
            options = options.ssl_mode(PgSslMode::Disable);
        }
        let cannot_connect = |reason: String| StoreError::Url {
            url: redact(url),
            reason: format!("cannot connect: {reason}"),
        };
        // Connecting directly names a refusal's cause at once (a pool retries
        // until its timeout and then says only "pool timed out").
        let mut first = match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(cannot_connect(e.to_string())),
            Err(_) => {
                return Err(cannot_connect(format!(
                    "no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        };
        if !schema_is_current(&mut first).await {
            MIGRATOR
                .run(&mut first)
                .await
                .map_err(|e| migration_refused(e, url))?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(options);
        Ok(PgStore {
            pool,
            spare: Arc::new(Mutex::new(Some(first))),
        })
    }

    fn lend_spare(&self) -> Option<PgConnection> {
        self.spare.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// A migration the connecting role may not run (an app role, not the owner)
/// says who must run it.
fn migration_refused(e: sqlx::migrate::MigrateError, url: &str) -> StoreError {
    use sqlx::migrate::MigrateError::{Execute, ExecuteMigration};
    if let Execute(sqlx::Error::Database(db)) | ExecuteMigration(sqlx::Error::Database(db), _) = &e
        && db.code().as_deref() == Some("42501")
    {
        return StoreError::Url {
            url: redact(url),
            reason: format!(
                "the schema needs migrating, which this role may not do ({}): start nexml once as the database's owner (README: PostgreSQL roles)",
                db.message()
            ),
        };
    }
    StoreError::Migrate(e)
}

/// Whether the URL names a TLS mode (`?sslmode=require` and the like).
fn asks_for_tls(url: &str) -> bool {
    url.split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|p| p.starts_with("sslmode=")))
}

/// Every migration applied with the checksum it has here: one query, and
/// none of the migrator's locking when nothing is to be done.
async fn schema_is_current(conn: &mut PgConnection) -> bool {
    // No migrations table yet (a new database) reads as not current.
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(APPLIED_MIGRATIONS)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    !applied.is_empty() && schema_matches(&applied, &MIGRATOR)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn writes_in_parallel(&self) -> bool {
        true
    }

    async fn read(&self) -> StoreResult<Session> {
        if let Some(conn) = self.lend_spare() {
            return Ok(Session::new(Box::new(PgDb::Spare(Spare {
                conn: Some(conn),
                slot: self.spare.clone(),
            }))));
        }
        let conn = self.pool.acquire().await?;
        Ok(Session::new(Box::new(PgDb::Read(conn))))
    }

    async fn write(&self) -> StoreResult<Session> {
        let tx = self.pool.begin().await?;
        Ok(Session::new(Box::new(PgDb::Write(tx))))
    }

    async fn watch(&self) -> StoreResult<ChangeFeed> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(listen(listener, Gatherer::new(sender)));
        Ok(ChangeFeed::new(receiver))
    }
}

/// Hands on what the channel hears; after a lost connection (the listener
/// reconnects by itself) notifications may be missed, so "anything".
async fn listen(mut listener: PgListener, gatherer: Gatherer) {
    loop {
        let batch = match listener.try_recv().await {
            Ok(Some(n)) => {
                let mut batch = decode(n.payload());
                tokio::time::sleep(GATHER).await;
                while let Some(n) = listener.next_buffered() {
                    batch.extend(decode(n.payload()));
                }
                batch
            }
            Ok(None) => vec![Change::anything()],
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                vec![Change::anything()]
            }
        };
        if !gatherer.send(batch) {
            return;
        }
    }
}

/// The start connection, lent to a read; it goes back when the read ends.
struct Spare {
    conn: Option<PgConnection>,
    slot: Arc<Mutex<Option<PgConnection>>>,
}

impl Drop for Spare {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut slot)) = (self.conn.take(), self.slot.lock()) {
            *slot = Some(conn);
        }
    }
}

enum PgDb {
    Spare(Spare),
    Read(PoolConnection<Postgres>),
    Write(Transaction<'static, Postgres>),
}

impl PgDb {
    fn conn(&mut self) -> &mut PgConnection {
        match self {
            PgDb::Spare(s) => s
                .conn
                .as_mut()
                .expect("a lent connection is held until its read ends"),
            PgDb::Read(c) => c,
            PgDb::Write(t) => t,
        }
    }
}

#[async_trait]
impl Db for PgDb {
    async fn fetch(&mut self, s: Statement) -> StoreResult<Rows> {
        let rows = Postgres::query(s)?.fetch_all(self.conn()).await?;
        Ok(Rows::Postgres(rows))
    }

    async fn execute(&mut self, s: Statement) -> StoreResult<u64> {
        let done = Postgres::query(s)?.execute(self.conn()).await?;
        Ok(done.rows_affected())
    }

    async fn lock(&mut self, table: LockedTable, id: i64) -> StoreResult<()> {
        let sql = format!("SELECT id FROM {} WHERE id = $1 FOR UPDATE", table.name());
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn refresh_statistics(&mut self) -> StoreResult<()> {
        sqlx::query("ANALYZE").execute(self.conn()).await?;
        Ok(())
    }

    async fn serialize_audit(&mut self) -> StoreResult<()> {
        // One advisory lock for the audit chain, held to the end of the transaction.
        sqlx::query("SELECT pg_advisory_xact_lock(7263541)")
            .execute(self.conn())
            .await?;
        Ok(())
    }

    fn links_audit_in_database(&self) -> bool {
        true
    }

    async fn announce(&mut self, payload: &str) -> StoreResult<()> {
        // Delivered when the transaction commits, and not at all if it does not.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(crate::feed::CHANNEL)
            .bind(payload)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// `nexml_json_merge_patch` is RFC 7386 in PL/pgSQL (migration 0005).
    fn json_merge(&self, column: &str, placeholder: &str) -> String {
        format!("nexml_json_merge_patch({column}, {placeholder})")
    }

    fn ids_in_json(&self, placeholder: &str) -> String {
        format!("SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text({placeholder})")
    }

    /// Streamed through `COPY`: no statement to parse per batch, no
    /// values bound one by one.
    async fn insert_bulk(&mut self, rows: Bulk<'_>) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let text = copy_text(rows);
        let mut copy = self.conn().copy_in_raw(&copy_statement(rows)).await?;
        if let Err(e) = copy.send(text).await {
            // The connection is usable again only once the copy is ended.
            copy.abort(e.to_string()).await.ok();
            return Err(e.into());
        }
        copy.finish().await?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        match *self {
            PgDb::Spare(_) | PgDb::Read(_) => Ok(()),
            PgDb::Write(tx) => Ok(tx.commit().await?),
        }
    }
}
