//! PostgreSQL: the tables belong to `nexml_owner`; a login granted
//! `nexml_app` uses nexml fully but cannot get around the history guards.
#![cfg(feature = "postgres")]

mod common;

use nexml::seed::seed_baselines;
use nexml::service::Service;
use nexml::service::changes::CloneRecipe;
use nexml::store;
use sqlx::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};

static ROLES: AtomicUsize = AtomicUsize::new(0);

/// A login role of this test's own, granted `nexml_app`, dropped with its value.
struct AppRole {
    name: String,
}

impl AppRole {
    async fn create() -> AppRole {
        let name = format!(
            "nexml_test_app_{}_{}",
            std::process::id(),
            ROLES.fetch_add(1, Ordering::SeqCst)
        );
        admin_execute(&format!("CREATE ROLE {name} LOGIN IN ROLE nexml_app"))
            .await
            .expect("create an app role");
        AppRole { name }
    }

    /// `url` with this role as its user.
    fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let host = rest.split_once('@').map_or(rest, |(_, host)| host);
        format!("{scheme}://{}@{host}", self.name)
    }
}

impl Drop for AppRole {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(admin_execute(&format!("DROP ROLE IF EXISTS {name}")))
                .ok()
        })
        .join();
    }
}

async fn admin_execute(sql: &str) -> Result<u64, String> {
    execute_as(&common::postgres_admin_url(), sql).await
}

async fn execute_as(url: &str, sql: &str) -> Result<u64, String> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_role_uses_nexml_but_cannot_get_around_the_guards() {
    let Some(db) = common::postgres("app_role").await else {
        return;
    };
    let owner: (String,) =
        sqlx::query_as("SELECT tableowner::text FROM pg_tables WHERE tablename = 'ml_audit'")
            .fetch_one(&mut sqlx::PgConnection::connect(&db.url).await.unwrap())
            .await
            .unwrap();
    assert_eq!(owner.0, "nexml_owner");

    let role = AppRole::create().await;
    let app_url = role.url(&db.url);
    // Everything nexml does, as the app role.
    let app = store::open(&app_url)
        .await
        .expect("the app role opens nexml");
    let service = Service::new(
        app.clone(),
        Default::default(),
        nexml::domain::Clock::System,
    );
    let seeded = seed_baselines(&service).await.expect("the app role seeds");
    assert_eq!(seeded.created.len(), 4);
    let base = app
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap();
    let child = service
        .clone_recipe(CloneRecipe::of(base.id, "Role Pricing"), "alice")
        .await
        .expect("the app role clones");
    assert_eq!(child.parent_id, Some(base.id));
    let audit = service
        .verify_audit()
        .await
        .expect("the app role verifies the audit");
    assert!(audit.linked >= 5, "{audit:?}");

    // Around the guards: refused for the app role.
    for (sql, refusal) in [
        ("TRUNCATE ml_audit", "permission denied"),
        ("TRUNCATE ml_recipe_version CASCADE", "permission denied"),
        ("ALTER TABLE ml_audit DISABLE TRIGGER USER", "must be owner"),
        (
            "ALTER TABLE ml_recipe_version DISABLE TRIGGER ALL",
            "must be owner",
        ),
        ("DROP TABLE ml_recipe_approval", "must be owner"),
        (
            "DROP FUNCTION nexml_refuse_truncate() CASCADE",
            "must be owner",
        ),
        ("UPDATE ml_audit SET actor = 'mallory'", "append-only"),
        ("DELETE FROM ml_recipe_version", "immutable"),
    ] {
        let err = execute_as(&app_url, sql)
            .await
            .expect_err(&format!("{sql} must be refused"));
        assert!(err.contains(refusal), "{sql}: {err}");
    }
    let versions: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ml_recipe_version")
        .fetch_one(&mut sqlx::PgConnection::connect(&db.url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(versions.0, 5, "four baselines and the clone");
    drop(service);
    drop(app);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_the_app_role_may_not_migrate_says_who_must() {
    let Some(db) = common::postgres("app_role_new").await else {
        return;
    };
    // A database nexml has never opened: its schema must be created.
    let fresh = format!("{}_fresh", db.url.rsplit('/').next().unwrap());
    admin_execute(&format!("CREATE DATABASE {fresh}"))
        .await
        .unwrap();
    let role = AppRole::create().await;
    let base = db.url.rsplit_once('/').unwrap().0;
    let err = store::open(&role.url(&format!("{base}/{fresh}")))
        .await
        .err()
        .expect("an app role cannot create the schema");
    let text = err.to_string();
    assert!(
        text.contains("the schema needs migrating, which this role may not do")
            && text.contains("start nexml once as the database's owner"),
        "{text}"
    );
    admin_execute(&format!("DROP DATABASE IF EXISTS {fresh} WITH (FORCE)"))
        .await
        .unwrap();
    db.cleanup().await;
}

/// The forged row of the issue: "mallory approved version 1", appended by
/// plain SQL with its link recomputed as nexml's own code computes SQLite's.
fn forged_approval(previous: Option<&str>) -> String {
    let at = chrono::Utc::now();
    let details = serde_json::json!({"recipe_id": 1, "version": "1.0.0"});
    let hash = nexml::domain::audit_chain::link(
        previous,
        at,
        "mallory",
        "recipe_version",
        1,
        "approve",
        &details,
    );
    format!(
        "INSERT INTO ml_audit (at, actor, entity, entity_id, action, details, hash) \
         VALUES ('{}', 'mallory', 'recipe_version', 1, 'approve', '{details}', '{hash}')",
        at.to_rfc3339()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_login_cannot_append_an_audit_row_that_verifies() {
    let Some(db) = common::postgres("forged_append").await else {
        return;
    };
    let role = AppRole::create().await;
    let app_url = role.url(&db.url);
    let app = store::open(&app_url)
        .await
        .expect("the app role opens nexml");
    let service = Service::new(
        app.clone(),
        Default::default(),
        nexml::domain::Clock::System,
    );
    seed_baselines(&service).await.expect("the app role seeds");
    let rows = service.audit_log(None, None, 1000).await.unwrap();
    let head = rows.last().expect("seeding is audited").hash.clone();
    assert!(head.is_some(), "nexml's own rows are linked");

    // The app's login may not insert audit rows, read the key or compute a link.
    for (sql, refusal) in [
        (
            forged_approval(head.as_deref()),
            "permission denied for table ml_audit",
        ),
        (
            "SELECT * FROM nexml_audit_key".to_string(),
            "permission denied for table nexml_audit_key",
        ),
        (
            "SELECT nexml_audit_link('', now(), 'mallory', 'recipe_version', 1, 'approve', '{}')"
                .to_string(),
            "permission denied for function nexml_audit_link",
        ),
    ] {
        let err = execute_as(&app_url, &sql)
            .await
            .expect_err(&format!("{sql} must be refused"));
        assert!(err.contains(refusal), "{sql}: {err}");
    }

    // A login that may insert (the tables' owner) slips the row in: its
    // link is not the keyed one, and `nexml audit verify` (run as the app's
    // login) names it.
    execute_as(&db.url, &forged_approval(head.as_deref()))
        .await
        .expect("the owner may insert");
    let forged: (i64,) = sqlx::query_as("SELECT MAX(id) FROM ml_audit")
        .fetch_one(&mut sqlx::PgConnection::connect(&db.url).await.unwrap())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = common::nexml_command(home.path(), &app_url, "al", &["audit", "verify"])
        .output()
        .expect("run nexml");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "audit row {} breaks the chain: it was changed, or a row before it was removed or written without nexml",
            forged.0
        )),
        "{err}"
    );
    drop(service);
    drop(app);
    db.cleanup().await;
}
