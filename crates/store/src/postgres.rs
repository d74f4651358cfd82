//! PostgreSQL, for a team sharing one database.

use super::error::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// How long to wait for the server, for the first connection and for the pool.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write waits for another session's row lock.
const LOCK_TIMEOUT: &str = "10s";
/// How long any one statement may run.
const STATEMENT_TIMEOUT: &str = "120s";

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    const BACKEND: &'static str = "postgres";
    /// PostgreSQL allows 65535 bound values per statement.
    /// Bulk inserts bind `?` by position (true) or `$N` (false).
    const POSITIONAL: bool = false;
    /// Appended to the select that locks a row before a state change.
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const MAX_BINDS: usize = 60_000;

    /// Connects to and migrates the database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| super::StoreError::Url {
                url: super::redact(url),
                reason: e.to_string(),
            })?
            // A writer blocked by another session's row lock hears "try again"
            // as on SQLite (busy_timeout), instead of waiting forever.
            .options([
                ("lock_timeout", LOCK_TIMEOUT),
                ("statement_timeout", STATEMENT_TIMEOUT),
            ]);
        let cannot_connect = |reason: String| super::StoreError::Url {
            url: super::redact(url),
            reason: format!("cannot connect: {reason}"),
        };
        // The pool retries a refused connection until its timeout and then says
        // only "pool timed out"; one direct attempt first names the cause at once.
        match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
            Ok(Ok(probe)) => {
                let _ = probe.close().await;
            }
            Ok(Err(e)) => return Err(cannot_connect(e.to_string())),
            Err(_) => {
                return Err(cannot_connect(format!(
                    "no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| cannot_connect(e.to_string()))?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await?;
        Ok(PgStore { pool })
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }
}

impl_store!(PgStore, Postgres);
