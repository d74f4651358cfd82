//! Test databases on every compiled backend: SQLite always, PostgreSQL when
//! reachable (required when NEXML_REQUIRE_POSTGRES=1, as in CI).

#![allow(dead_code)]

pub mod batches;
pub mod outcome;
pub mod tmux;
pub mod world;

use nexml::domain::Governance;
use nexml::service::Service;
use nexml::service::changes::UpdateRun;
use nexml::store::{self, Store};
use std::sync::Arc;
#[cfg(feature = "postgres")]
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    #[cfg(feature = "postgres")]
    pg_database: Option<String>,
}

#[cfg(feature = "postgres")]
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("NEXML_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

#[cfg(feature = "postgres")]
fn postgres_required() -> bool {
    std::env::var("NEXML_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A fresh SQLite database in a temporary folder.
#[cfg(feature = "sqlite")]
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    sqlite_in(dir).await
}

/// The SQLite database `test.db` in `dir` (created if missing).
#[cfg(feature = "sqlite")]
async fn sqlite_in(dir: tempfile::TempDir) -> TestDb {
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let store = store::open(&url).await.expect("open sqlite");
    TestDb {
        name: "sqlite",
        url,
        store,
        _dir: Some(dir),
        #[cfg(feature = "postgres")]
        pg_database: None,
    }
}

/// A SQLite database with the baselines and the demo as of `now`: seeded
/// once per test process and `now`, then copied (`VACUUM INTO`), since the
/// demo measures 90 days of batches per model.
#[cfg(feature = "sqlite")]
pub async fn sqlite_demo(now: chrono::DateTime<chrono::Utc>) -> TestDb {
    use sqlx::Connection;
    type Templates = Vec<(chrono::DateTime<chrono::Utc>, tempfile::TempDir, String)>;
    static TEMPLATES: tokio::sync::Mutex<Templates> = tokio::sync::Mutex::const_new(Vec::new());
    let mut templates = TEMPLATES.lock().await;
    if !templates.iter().any(|(at, _, _)| *at == now) {
        let mut db = sqlite().await;
        nexml::seed::seed_baselines(&db.service()).await.unwrap();
        nexml::seed::seed_demo(&db.service(), now).await.unwrap();
        let dir = db._dir.take().expect("a SQLite folder");
        templates.push((now, dir, db.url.clone()));
    }
    let Some((_, _, template)) = templates.iter().find(|(at, _, _)| *at == now) else {
        unreachable!("seeded above");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.db");
    let mut conn = sqlx::SqliteConnection::connect(template).await.unwrap();
    let copy = format!("VACUUM INTO '{}'", path.display());
    sqlx::query(sqlx::AssertSqlSafe(copy))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlite_in(dir).await
}

/// A fresh PostgreSQL database, or `None` (with a printed notice) when the
/// server is unreachable and not required.
#[cfg(feature = "postgres")]
pub async fn postgres(label: &str) -> Option<TestDb> {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if postgres_required() {
                panic!(
                    "PostgreSQL is required (NEXML_REQUIRE_POSTGRES=1) but unreachable at {admin}: {e}"
                );
            }
            eprintln!("notice: skipping PostgreSQL for {label}: unreachable at {admin}: {e}");
            return None;
        }
    };
    let db = format!(
        "nexml_test_{}_{}_{}",
        // PostgreSQL cuts names at 63 bytes; pid and counter keep them unique.
        label
            .chars()
            .take(24)
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let url = format!("{base}/{db}");
    let store = store::open(&url).await.expect("open postgres");
    Some(TestDb {
        name: "postgres",
        url,
        store,
        _dir: None,
        pg_database: Some(db),
    })
}

/// Every backend compiled in and available, each with a fresh database.
pub async fn backends(label: &str) -> Vec<TestDb> {
    let mut out = Vec::new();
    #[cfg(feature = "sqlite")]
    out.push(sqlite().await);
    #[cfg(feature = "postgres")]
    if let Some(db) = postgres(label).await {
        out.push(db);
    }
    let _ = label;
    out
}

impl TestDb {
    /// The service over this database, as the CLI and the app use it.
    pub fn service(&self) -> Service {
        Service::new(
            self.store.clone(),
            Governance::default(),
            nexml::domain::Clock::System,
        )
    }

    /// The service with other governance rules (four-eyes).
    pub fn service_with(&self, governance: Governance) -> Service {
        Service::new(self.store.clone(), governance, nexml::domain::Clock::System)
    }

    /// Runs raw SQL on a separate connection, as another client would.
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, String> {
        use sqlx::Connection;
        #[cfg(feature = "sqlite")]
        if self.name == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .map_err(|e| e.to_string())?;
            return sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string());
        }
        #[cfg(feature = "postgres")]
        {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "postgres"))]
        Err("no backend".into())
    }

    /// Runs raw SQL on SQLite as the sqlite3 shell does: foreign keys off.
    pub async fn raw_execute_without_foreign_keys(&self, sql: &str) -> Result<u64, String> {
        #[cfg(feature = "sqlite")]
        {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut c)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "sqlite"))]
        Err(format!("sqlite is not compiled in: {sql}"))
    }

    /// Drops a PostgreSQL test database (SQLite's folder goes with the value).
    pub async fn cleanup(self) {
        drop(self);
    }
}

/// A PostgreSQL test database is dropped with its value, even when a test
/// fails; on its own thread, since a destructor cannot await.
impl Drop for TestDb {
    fn drop(&mut self) {
        #[cfg(feature = "postgres")]
        if let Some(db) = self.pg_database.take() {
            let dropper = std::thread::spawn(move || {
                use sqlx::Connection;
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
                        )))
                        .execute(&mut conn)
                        .await;
                    }
                });
            });
            let _ = dropper.join();
        }
    }
}

/// `nexml --database-url URL --user USER ARGS...` with its output captured,
/// isolated from the developer's environment (NEXML_* removed, HOME and the
/// XDG folders in `home`).
pub fn nexml_command(
    home: &std::path::Path,
    url: &str,
    user: &str,
    args: &[&str],
) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_nexml"));
    c.env_remove("NEXML_DATABASE_URL")
        .env_remove("NEXML_USER")
        .env_remove("RUST_LOG")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .args(["--database-url", url, "--user", user])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

/// A succeeded eval run of `model_id` whose metrics meet every threshold of
/// the model's recipe version: what opens the production gate.
pub async fn passing_eval(svc: &Service, model_id: i64, actor: &str) {
    use nexml::domain::{RunStatus, RunType};
    use nexml::store::{NewRun, RunChanges};
    let store = svc.store();
    let model = store.model(model_id).await.expect("the model");
    let version = store
        .version_by_id(model.recipe_version_id)
        .await
        .expect("its version");
    let mut metrics = serde_json::Map::new();
    for t in version.manifest_json["evaluation"]["metrics"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let (Some(name), Some(threshold)) = (t["name"].as_str(), t["threshold"].as_f64()) {
            metrics.insert(name.into(), serde_json::json!(threshold));
        }
    }
    let run = svc
        .create_run(
            NewRun {
                recipe_id: model.recipe_id,
                version: None,
                model_id: Some(model_id),
                run_type: RunType::Eval,
            },
            actor,
        )
        .await
        .expect("an eval run");
    for (status, metrics) in [
        (RunStatus::Running, None),
        (
            RunStatus::Succeeded,
            Some(serde_json::Value::Object(metrics.clone())),
        ),
    ] {
        svc.update_run(
            UpdateRun {
                run: run.id,
                changes: RunChanges {
                    status: Some(status),
                    metrics,
                    ..RunChanges::default()
                },
            },
            actor,
        )
        .await
        .expect("the eval run's progress");
    }
}
