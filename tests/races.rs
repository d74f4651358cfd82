//! Concurrent writers, as a team sharing one database produces them: two real
//! `nexml` processes started at the same moment against the same item, many
//! times, on every backend. Whatever the interleaving, the result must be one
//! a single writer could have produced: no illegal transition, no duplicate
//! audit row, no lost key, no second alert for one rule, and a refusal that
//! names the real cause. A writer blocked by another session hears "try again".

mod common;

use common::TestDb;
use nexml::domain::{AlertState, ModelStatus, RunStatus, RunType};
use nexml::seed::seed_baselines;
use nexml::service::changes::{CloneRecipe, MoveModel, UpdateRun};
use nexml::store::{Model, NewModel, NewRun, NewVersion, RunChanges, Store};
use serde_json::Value;
use std::process::{Child, Output};

/// How many times each race is run per backend.
const TRIALS: usize = 8;
const PRICING: &str = "Pricing Optimization Baseline v1";

struct World {
    db: TestDb,
    home: tempfile::TempDir,
}

impl World {
    fn store(&self) -> &dyn Store {
        self.db.store.as_ref()
    }

    fn spawn(&self, user: &str, args: &[&str]) -> Child {
        common::nexml_command(self.home.path(), &self.db.url, user, args)
            .spawn()
            .expect("starting nexml")
    }

    /// Two commands started together; their outputs in the same order.
    fn race(&self, a: &[&str], b: &[&str]) -> [Output; 2] {
        let first = self.spawn("alice", a);
        let second = self.spawn("bob", b);
        [first, second].map(|c| c.wait_with_output().expect("waiting for nexml"))
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).expect("writing an input file");
        path.display().to_string()
    }

    async fn model(&self, name: &str, status: ModelStatus) -> Model {
        let s = self.store();
        let svc = self.db.service();
        let recipe = s.find_recipe(PRICING).await.unwrap();
        let model = svc
            .register_model(
                NewModel {
                    name: name.into(),
                    recipe_id: recipe.id,
                    version: None,
                    owner: "alice".into(),
                },
                "alice",
            )
            .await
            .unwrap();
        let path: &[ModelStatus] = match status {
            ModelStatus::Draft => &[],
            ModelStatus::Staging => &[ModelStatus::Staging],
            _ => &[ModelStatus::Staging, ModelStatus::Production],
        };
        if !path.is_empty() {
            // What lets it (or a racing promote) reach production.
            common::passing_eval(&svc, model.id, "alice").await;
        }
        for step in path {
            svc.move_model(MoveModel::to(model.id, *step), "alice")
                .await
                .unwrap();
        }
        s.model(model.id).await.unwrap()
    }

    /// The audit rows of an item with this action.
    async fn audited(&self, entity: &str, id: i64, action: &str) -> Vec<Value> {
        self.store()
            .audit(entity, id)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == action)
            .map(|a| a.details)
            .collect()
    }
}

async fn worlds(label: &str) -> Vec<World> {
    let mut out = Vec::new();
    for db in common::backends(label).await {
        seed_baselines(&db.service()).await.unwrap();
        out.push(World {
            db,
            home: tempfile::tempdir().unwrap(),
        });
    }
    out
}

fn ok(o: &Output) -> bool {
    o.status.success()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A refused writer exits 1 with one `error:` line.
fn assert_refused(o: &Output, because: &str, backend: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{backend}: {err}");
    assert_eq!(err.lines().count(), 1, "{backend}: one line: {err}");
    assert!(err.starts_with("error: "), "{backend}: {err}");
    assert!(
        err.contains(because),
        "{backend}: expected '{because}': {err}"
    );
}

#[tokio::test]
async fn conflicting_promotes_leave_one_legal_history() {
    for w in worlds("race_promote").await {
        let backend = w.db.name;
        for trial in 0..TRIALS {
            let m = w
                .model(&format!("conflict-{trial}"), ModelStatus::Staging)
                .await;
            let outs = w.race(
                &["model", "promote", &m.name, "production"],
                &["model", "promote", &m.name, "draft"],
            );
            let winners = outs.iter().filter(|o| ok(o)).count();
            // After one move the other is illegal (production -> draft,
            // draft -> production): exactly one succeeds.
            assert_eq!(winners, 1, "{backend} trial {trial}: both or neither");
            let loser = outs.iter().find(|o| !ok(o)).unwrap();
            assert_refused(loser, "cannot move to", backend);
            let moves = w.audited("model", m.id, "status").await;
            assert_eq!(moves.len(), 2, "{backend}: {moves:?}");
            assert_eq!(moves[1]["from"], "staging", "{backend}: {moves:?}");
            let now = w.store().model(m.id).await.unwrap().status;
            assert_eq!(moves[1]["to"], now.as_str(), "{backend}");
        }
    }
}

#[tokio::test]
async fn the_same_promote_twice_is_done_once() {
    for w in worlds("race_same_promote").await {
        let backend = w.db.name;
        for trial in 0..TRIALS {
            let m = w
                .model(&format!("twice-{trial}"), ModelStatus::Staging)
                .await;
            let promote = ["model", "promote", &m.name, "production"];
            let outs = w.race(&promote, &promote);
            assert_eq!(outs.iter().filter(|o| ok(o)).count(), 1, "{backend}");
            let loser = outs.iter().find(|o| !ok(o)).unwrap();
            assert_refused(loser, "model is production", backend);
            let moves = w.audited("model", m.id, "status").await;
            assert_eq!(moves.len(), 2, "{backend}: duplicate audit {moves:?}");
        }
    }
}

#[tokio::test]
async fn a_finished_run_is_never_finished_again() {
    for w in worlds("race_run_status").await {
        let backend = w.db.name;
        let m = w.model("runs", ModelStatus::Staging).await;
        for trial in 0..TRIALS {
            let run = running_run(&w, &m).await;
            let id = run.to_string();
            let outs = w.race(
                &["run", "update", &id, "--status", "succeeded"],
                &["run", "update", &id, "--status", "failed"],
            );
            assert_eq!(
                outs.iter().filter(|o| ok(o)).count(),
                1,
                "{backend} trial {trial}"
            );
            assert_refused(outs.iter().find(|o| !ok(o)).unwrap(), "is final", backend);
            let after = w.store().run(run).await.unwrap();
            let winner = if ok(&outs[0]) {
                RunStatus::Succeeded
            } else {
                RunStatus::Failed
            };
            assert_eq!(after.status, winner, "{backend}: overwritten");
        }
    }
}

async fn running_run(w: &World, m: &Model) -> i64 {
    let svc = w.db.service();
    let run = svc
        .create_run(
            NewRun {
                recipe_id: m.recipe_id,
                model_id: Some(m.id),
                version: None,
                run_type: RunType::Train,
            },
            "alice",
        )
        .await
        .unwrap();
    svc.update_run(
        UpdateRun {
            run: run.id,
            changes: RunChanges {
                status: Some(RunStatus::Running),
                ..Default::default()
            },
        },
        "alice",
    )
    .await
    .unwrap();
    run.id
}

#[tokio::test]
async fn metrics_written_at_once_are_both_kept() {
    for w in worlds("race_metrics").await {
        let backend = w.db.name;
        let m = w.model("metrics", ModelStatus::Staging).await;
        for trial in 0..TRIALS {
            let id = running_run(&w, &m).await.to_string();
            let outs = w.race(
                &["run", "update", &id, "--metrics", r#"{"a": 1}"#],
                &["run", "update", &id, "--metrics", r#"{"b": 2}"#],
            );
            assert!(outs.iter().all(ok), "{backend}: {}", stderr(&outs[1]));
            let run = w.store().run(id.parse().unwrap()).await.unwrap();
            assert_eq!(
                run.metrics_json,
                serde_json::json!({"a": 1, "b": 2}),
                "{backend} trial {trial}: a key was lost"
            );
        }
    }
}

/// Opens an alert on a fresh production model by ingesting a batch whose
/// predictions are far off (the pricing baseline's MAE rule).
fn ingest_args<'a>(model: &'a str, reference: &'a str, current: &'a str) -> Vec<&'a str> {
    vec![
        "monitor",
        "ingest",
        model,
        "--reference",
        reference,
        "--current",
        current,
        "--at",
        "2026-01-02T12:00:00Z",
    ]
}

fn batch_files(w: &World) -> (String, String) {
    // Every column the recipe monitors; only the competitor index moves.
    let header = "transaction_date,competitor_price_index,units_sold,predicted_units,unit_price,discount_depth_pct,unit_cost,lag_7d_units\n";
    let rows = |day: &str, price: f64, error: i32| -> String {
        (0..200)
            .map(|i| {
                format!(
                    "2026-01-{day},{},{},{},{},0.1,3.5,{}\n",
                    price + (i % 20) as f64 / 100.0,
                    10 + i % 7,
                    10 + error + i % 7,
                    5 + i % 9,
                    9 + i % 8
                )
            })
            .collect()
    };
    (
        w.write("ref.csv", &(header.to_string() + &rows("01", 0.9, 0))),
        w.write("cur.csv", &(header.to_string() + &rows("02", 1.4, 6))),
    )
}

#[tokio::test]
async fn two_ingests_at_once_open_one_alert_per_rule() {
    for w in worlds("race_ingest").await {
        let backend = w.db.name;
        let (reference, current) = batch_files(&w);
        for trial in 0..TRIALS {
            let m = w
                .model(&format!("ingest-{trial}"), ModelStatus::Production)
                .await;
            let args = ingest_args(&m.name, &reference, &current);
            let outs = w.race(&args, &args);
            assert!(outs.iter().all(ok), "{backend}: {}", stderr(&outs[1]));
            let alerts = w.store().alerts(m.id, None).await.unwrap();
            assert!(!alerts.is_empty(), "{backend}: the batch breaks rules");
            let rules: std::collections::BTreeSet<&str> =
                alerts.iter().map(|a| a.rule.as_str()).collect();
            assert_eq!(
                rules.len(),
                alerts.len(),
                "{backend} trial {trial}: {alerts:?}"
            );
        }
    }
}

#[tokio::test]
async fn acknowledge_and_resolve_at_once_never_reopen_an_alert() {
    for w in worlds("race_alert").await {
        let backend = w.db.name;
        let (reference, current) = batch_files(&w);
        let m = w.model("alerts", ModelStatus::Production).await;
        for trial in 0..TRIALS {
            // A new batch each time: one ingested before would be skipped.
            let mut text = std::fs::read_to_string(&current).unwrap();
            text.push_str(&format!("2026-01-02,1.4,10,{},5,0.1,3.5,9\n", 16 + trial));
            let current = w.write(&format!("cur-{trial}.csv"), &text);
            let opened = w
                .spawn("alice", &ingest_args(&m.name, &reference, &current))
                .wait_with_output()
                .unwrap();
            assert!(ok(&opened), "{backend}: {}", stderr(&opened));
            let alert = w
                .store()
                .alerts(m.id, Some(AlertState::Open))
                .await
                .unwrap()
                .into_iter()
                .next()
                .expect("an open alert");
            let id = alert.id.to_string();
            let outs = w.race(&["monitor", "ack", &id], &["monitor", "resolve", &id]);
            // Resolving is allowed from open and from acknowledged.
            assert!(ok(&outs[1]), "{backend}: {}", stderr(&outs[1]));
            if !ok(&outs[0]) {
                assert_refused(&outs[0], "resolved is final", backend);
            }
            let after = w
                .store()
                .alerts(m.id, None)
                .await
                .unwrap()
                .into_iter()
                .find(|a| a.id == alert.id)
                .unwrap();
            assert_eq!(after.state, AlertState::Resolved, "{backend} trial {trial}");
        }
    }
}

#[tokio::test]
async fn concurrent_approvals_name_the_real_cause_and_audit_once() {
    for w in worlds("race_approve").await {
        let backend = w.db.name;
        let s = w.store();
        let svc = w.db.service();
        let base = s.find_recipe(PRICING).await.unwrap();
        for trial in 0..TRIALS {
            // The same version twice: one approval, one clear refusal.
            let r = svc
                .clone_recipe(CloneRecipe::of(base.id, format!("Same {trial}")), "carol")
                .await
                .unwrap();
            let approve = ["recipe", "approve", &r.name, "--version", "1.0.0"];
            let outs = w.race(&approve, &approve);
            assert_eq!(outs.iter().filter(|o| ok(o)).count(), 1, "{backend}");
            assert_refused(
                outs.iter().find(|o| !ok(o)).unwrap(),
                "already approved",
                backend,
            );
            let v1 = s.version(r.id, Some("1.0.0")).await.unwrap().version_id;
            let approvals = w.audited("recipe_version", v1, "approve").await;
            assert_eq!(approvals.len(), 1, "{backend}: {approvals:?}");

            // Two versions of a draft at once: both approved, the recipe's
            // draft -> approved recorded once.
            let r = svc
                .clone_recipe(CloneRecipe::of(base.id, format!("Two {trial}")), "carol")
                .await
                .unwrap();
            let mut manifest = s.version(r.id, None).await.unwrap().manifest_json;
            manifest["metadata"]["description"] = Value::from(format!("second {trial}"));
            svc.commit_version(
                NewVersion {
                    recipe_id: r.id,
                    manifest,
                    change_note: "second".into(),
                    bump: Default::default(),
                    parent_version_id: None,
                    base_version: None,
                },
                "carol",
            )
            .await
            .unwrap();
            let latest = s.version(r.id, None).await.unwrap().version_number;
            let outs = w.race(
                &["recipe", "approve", &r.name, "--version", "1.0.0"],
                &["recipe", "approve", &r.name, "--version", &latest],
            );
            assert!(outs.iter().all(ok), "{backend}: {}", stderr(&outs[1]));
            let moves = w.audited("recipe", r.id, "status").await;
            assert_eq!(moves.len(), 1, "{backend} trial {trial}: {moves:?}");
        }
    }
}

/// A writer that finds the row locked by another session gives up with
/// "try again" instead of waiting forever (SQLite: the write lock).
#[tokio::test]
async fn a_blocked_writer_is_told_to_try_again() {
    for w in worlds("race_blocked").await {
        let backend = w.db.name;
        let m = w.model("blocked", ModelStatus::Staging).await;
        let holder = hold_write_lock(&w.db, m.id).await;
        let mut child = w.spawn("bob", &["model", "promote", &m.name, "production"]);
        // A hang guard, not a timing assertion: the store gives up after ~10 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while child.try_wait().unwrap().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "{backend}: the blocked writer waits forever"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let out = child.wait_with_output().unwrap();
        assert_refused(&out, "try again", backend);
        drop(holder);
        // Nothing was written meanwhile.
        let model = w.store().model(m.id).await.unwrap();
        assert_eq!(model.status, ModelStatus::Staging, "{backend}");
    }
}

/// Another session's open write transaction holding the model row; the
/// connection is only held, never read.
#[allow(dead_code)]
enum LockHolder {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgConnection),
}

async fn hold_write_lock(db: &TestDb, model_id: i64) -> LockHolder {
    use sqlx::Connection;
    #[cfg(feature = "sqlite")]
    if db.name == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut c)
            .await
            .unwrap();
        return LockHolder::Sqlite(c);
    }
    #[cfg(feature = "postgres")]
    {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut c).await.unwrap();
        sqlx::query("SELECT id FROM ml_model WHERE id = $1 FOR UPDATE")
            .bind(model_id)
            .execute(&mut c)
            .await
            .unwrap();
        return LockHolder::Postgres(c);
    }
    #[allow(unreachable_code)]
    {
        let _ = model_id;
        unreachable!("no backend compiled in")
    }
}

/// Eight processes opening a brand-new database at once (`--seed`, as a
/// team's first morning or the app's first start does): every one succeeds,
/// and the baselines are there once.
#[tokio::test]
async fn eight_processes_open_a_new_database_at_once() {
    for w in worlds("race_first_use").await {
        let backend = w.db.name;
        let (url, pg_database) = empty_database(&w).await;
        let children: Vec<Child> = (0..8)
            .map(|_| {
                common::nexml_command(w.home.path(), &url, "alice", &["--seed"])
                    .spawn()
                    .expect("start nexml")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(ok(&out), "{backend}: {}", stderr(&out));
        }
        let store = nexml::store::open(&url).await.unwrap();
        let recipes = store.list_recipes(&Default::default()).await.unwrap();
        assert_eq!(recipes.total, 4, "{backend}");
        drop(store);
        if let Some(name) = pg_database {
            drop_postgres(&name).await;
        }
    }
}

/// A database of the same backend with nothing in it, not even the schema.
async fn empty_database(w: &World) -> (String, Option<String>) {
    if w.db.name == "sqlite" {
        let path = w.home.path().join("first-use.db");
        return (format!("sqlite://{}", path.display()), None);
    }
    #[cfg(feature = "postgres")]
    {
        use sqlx::Connection;
        let admin = common::postgres_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        let name = format!("nexml_test_first_use_{}", std::process::id());
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        (format!("{base}/{name}"), Some(name))
    }
    #[cfg(not(feature = "postgres"))]
    unreachable!("only SQLite is compiled in")
}

async fn drop_postgres(name: &str) {
    #[cfg(feature = "postgres")]
    {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&common::postgres_admin_url()).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
    let _ = name;
}
