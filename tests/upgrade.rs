//! A database made before experiments were their own entity (migration
//! 27) opens with every run, its params, tags, metrics, deletion mark and
//! logged model kept, each run in its recipe's own experiment (the
//! recipe's id), and the experiment's tags still on it.

#![cfg(feature = "sqlite")]

use nexml::store::{self, RunQuery, Store};
use sqlx::Connection;
use std::sync::Arc;

/// The schema as it was before migration `version`.
async fn schema_before(url: &str, version: i64) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut migrator = sqlx::migrate::Migrator::new(dir).await.expect("migrations");
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let mut conn = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
        .await
        .expect("connect");
    migrator.run(&mut conn).await.expect("older migrations");
}

/// Rows as the app wrote them before: a recipe with a version, two runs
/// (one deleted through MLflow), their params, tags and metrics, an
/// experiment tag and a logged model.
const OLD_ROWS: &str = "
INSERT INTO ml_recipe (id, name, model_family, level, status, parent_id, tags, created_by, created_at, updated_at)
VALUES (7, 'demand', 'forecasting', 'baseline', 'approved', NULL, '[]', 'ann', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
INSERT INTO ml_recipe_version (version_id, recipe_id, version_number, major, minor, patch, manifest_json, bump, created_by, created_at)
VALUES (70, 7, '1.0.0', 1, 0, 0, '{}', 'initial', 'ann', '2026-01-01T00:00:00Z');
INSERT INTO ml_run (id, recipe_id, recipe_version_id, run_type, status, created_by, created_at, updated_at, metrics_json, name)
VALUES (100, 7, 70, 'train', 'succeeded', 'ann', '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z', '{\"rmse\": 0.5}', 'first'),
       (101, 7, 70, 'eval', 'failed', 'bob', '2026-01-04T00:00:00Z', '2026-01-04T00:00:00Z', '{}', 'second');
INSERT INTO ml_run_param (run_id, key, value) VALUES (100, 'lr', '0.1');
INSERT INTO ml_run_tag (run_id, key, value) VALUES (100, 'team', 'supply');
INSERT INTO ml_run_metric (run_id, key, step, seq, value, at) VALUES (100, 'rmse', 0, 0, 0.9, '2026-01-03T00:00:00Z'), (100, 'rmse', 1, 1, 0.5, '2026-01-03T00:01:00Z');
INSERT INTO ml_run_deleted (run_id, deleted_at, deleted_by) VALUES (101, '2026-01-05T00:00:00Z', 'bob');
INSERT INTO ml_experiment_tag (recipe_id, key, value) VALUES (7, 'owner', 'supply team');
INSERT INTO ml_logged_model (id, recipe_id, run_id, name, model_type, status, created_by, created_at, updated_at, params_json, tags_json)
VALUES ('m-1', 7, 100, 'model', 'sklearn', 'ready', 'ann', '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z', '{}', '{}');
";

#[tokio::test]
async fn a_database_from_before_experiments_keeps_every_run_in_its_recipes_experiment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/old.db", dir.path().display());
    schema_before(&url, 27).await;
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    sqlx::raw_sql(OLD_ROWS)
        .execute(&mut conn)
        .await
        .expect("old rows");
    conn.close().await.expect("close");

    let store: Arc<dyn Store> = store::open(&url).await.expect("open and migrate");
    let runs = store
        .list_runs(&RunQuery {
            limit: 10,
            ..RunQuery::default()
        })
        .await
        .expect("runs");
    assert_eq!(runs.total, 2, "both runs kept, the counts with them");
    for run in &runs.items {
        assert_eq!(
            run.experiment_id, 7,
            "run {} in the recipe's experiment",
            run.id
        );
        assert_eq!(run.experiment_name, "demand");
        assert_eq!(run.recipe_id, Some(7));
        assert_eq!(run.recipe_version.as_deref(), Some("1.0.0"));
    }
    let first = store.run(100).await.expect("run 100");
    assert_eq!(first.name, "first");
    let mut read = store.read().await.expect("read");
    let params = read.params(100).await.expect("params");
    assert_eq!(params.len(), 1, "params kept: {params:?}");
    let tags = read.tags(100).await.expect("tags");
    assert!(
        tags.iter().any(|t| t.key == "team" && t.value == "supply"),
        "{tags:?}"
    );
    assert!(
        read.run_deletion(101).await.expect("deletion").is_some(),
        "run 101 stays deleted"
    );
    drop(read);

    let experiments = store.experiments().await.expect("experiments");
    let names: Vec<(i64, &str)> = experiments
        .iter()
        .map(|e| (e.id, e.name.as_str()))
        .collect();
    assert_eq!(names, vec![(0, "Default"), (7, "demand")]);
    assert!(experiments[1].own && !experiments[1].deleted);
    let tags = store.experiment_tags().await.expect("experiment tags");
    assert_eq!(tags.len(), 1);
    assert_eq!((tags[0].experiment_id, tags[0].key.as_str()), (7, "owner"));
    let model = store
        .logged_model("m-1")
        .await
        .expect("logged model")
        .expect("kept");
    assert_eq!((model.experiment_id, model.run_id), (7, Some(100)));

    // Children still point at the runs: deleting nothing dangles.
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .expect("foreign key check");
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
    let (points,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ml_run_metric WHERE run_id = 100")
        .fetch_one(&mut conn)
        .await
        .expect("points");
    assert_eq!(points, 2, "the metric's history kept");
}
