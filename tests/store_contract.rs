//! One contract for the store, run against SQLite and PostgreSQL.

mod common;

use common::TestDb;
use nexml::domain::Governance;
use nexml::domain::kinds::Bump;
use nexml::domain::version::BumpChoice;
use nexml::domain::{
    AlertState, ChatRole, ChatStatus, ModelFamily, ModelStatus, RecipeLevel, RecipeStatus,
    RunStatus, RunType,
};
use nexml::seed::{baseline_manifest_text, seed_baselines};
use nexml::service::changes::{
    AddSnapshot, ApproveVersion, CancelRuns, CloneRecipe, DeleteRecipe, MoveAlert, MoveModel,
    MoveRecipe, PutExample, TagRuns, UpdateModel, UpdateRun,
};
use nexml::service::{Kind, ServiceError};
use nexml::store::*;
use serde_json::{Value, json};

/// Runs an `async fn(&TestDb)` scenario on every available backend.
macro_rules! contract {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_every_backend() {
                for db in super::common::backends(stringify!($scenario)).await {
                    eprintln!("{} on {}", stringify!($scenario), db.name);
                    super::$scenario(&db).await;
                    db.cleanup().await;
                }
            }
        }
    )+};
}

contract!(
    seeding_is_idempotent_and_lists_filter,
    clone_pins_the_parent_and_records_an_overlay,
    a_new_child_starts_from_the_parent_version_it_pins,
    manifests_read_in_one_form_whatever_form_they_were_stored_in,
    commits_bump_by_the_rule_and_identical_commits_create_nothing,
    invalid_manifests_are_refused_and_nothing_is_written,
    approval_and_four_eyes,
    models_come_from_approved_versions_and_follow_their_lifecycle,
    runs_follow_their_lifecycle_and_collect_metrics_and_logs,
    deletion_is_refused_while_something_depends_on_the_recipe,
    versions_and_audit_cannot_be_changed_behind_the_store,
    archived_recipes_take_no_versions_or_models,
    snapshots_and_examples_round_trip,
    concurrent_commits_get_distinct_versions,
    levels_and_families_are_enforced,
    search_ignores_case_beyond_ascii,
    a_batch_is_recorded_once_per_model,
    lists_sort_by_a_column_both_ways_and_page_alike,
);

fn pricing_manifest() -> Value {
    serde_json::from_str(baseline_manifest_text(ModelFamily::Pricing)).unwrap()
}

async fn seeded(db: &TestDb) -> Recipe {
    seed_baselines(&db.service()).await.unwrap();
    db.store
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap()
}

fn all() -> RecipeQuery {
    RecipeQuery {
        limit: 100,
        ..Default::default()
    }
}

async fn seeding_is_idempotent_and_lists_filter(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let first = seed_baselines(&svc).await.unwrap();
    assert_eq!(first.created.len(), 4);
    let again = seed_baselines(&svc).await.unwrap();
    assert!(again.created.is_empty());
    assert_eq!(again.unchanged.len(), 4);

    let page = s.list_recipes(&all()).await.unwrap();
    assert_eq!(page.total, 4);
    assert!(page.items.iter().all(|r| r.status == RecipeStatus::Approved
        && r.level == RecipeLevel::Baseline
        && r.latest_version.as_deref() == Some("1.0.0")
        && r.approved_version.as_deref() == Some("1.0.0")));

    let pricing = s
        .list_recipes(&RecipeQuery {
            family: Some(ModelFamily::Pricing),
            ..all()
        })
        .await
        .unwrap();
    assert_eq!(pricing.total, 1);
    assert_eq!(pricing.items[0].name, "Pricing Optimization Baseline v1");

    // Search is case-insensitive across name, family and tags.
    for text in ["PRICING OPT", "location_scoring", "lightgbm"] {
        let found = s
            .list_recipes(&RecipeQuery {
                search: Some(text.into()),
                ..all()
            })
            .await
            .unwrap();
        assert!(found.total >= 1, "search {text}");
    }
    let none = s
        .list_recipes(&RecipeQuery {
            search: Some("100%_nothing".into()),
            ..all()
        })
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    // Paging keeps the total.
    let page2 = s
        .list_recipes(&RecipeQuery {
            limit: 3,
            offset: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((page2.items.len(), page2.total), (1, 4));

    let example = s.example(pricing.items[0].id).await.unwrap().unwrap();
    assert!(example.sample_rows_json.as_array().unwrap().len() >= 5);
}

async fn clone_pins_the_parent_and_records_an_overlay(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let child = svc
        .clone_recipe(
            CloneRecipe::of(base.id, "Retail Dynamic Pricing v1"),
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(child.level, RecipeLevel::Industry);
    assert_eq!(child.parent_id, Some(base.id));
    assert_eq!(child.status, RecipeStatus::Draft);
    let v = s.version(child.id, None).await.unwrap();
    assert_eq!(v.version_number, "1.0.0");
    assert_eq!(v.parent_version_number.as_deref(), Some("1.0.0"));
    assert_eq!(
        v.manifest_json["metadata"]["name"],
        "Retail Dynamic Pricing v1"
    );
    // The baseline's "baseline" tag names the clone's level instead.
    assert!(
        base.tags.contains(&"baseline".to_string()),
        "{:?}",
        base.tags
    );
    assert_eq!(child.tags[0], "industry", "{:?}", child.tags);
    assert!(!child.tags.contains(&"baseline".to_string()));
    let manifest_tags = v.manifest_json["metadata"]["tags"].as_array().unwrap();
    assert_eq!(manifest_tags[0], "industry");
    assert!(!manifest_tags.contains(&json!("baseline")));
    assert_eq!(
        v.overlay_json
            .as_ref()
            .map(|o| o["metadata"]["name"].clone()),
        Some(json!("Retail Dynamic Pricing v1"))
    );
    assert_eq!(s.children(base.id).await.unwrap()[0].id, child.id);

    // A client below the industry recipe; nothing below client.
    let client = svc
        .clone_recipe(CloneRecipe::of(child.id, "Acme Pricing"), "alice")
        .await
        .unwrap();
    assert_eq!(client.level, RecipeLevel::Client);
    // The chain above a recipe, baseline first, in one query.
    let names = |rs: Vec<Recipe>| rs.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let mut session = s.read().await.unwrap();
    assert_eq!(
        names(session.ancestors(client.id).await.unwrap()),
        [base.name.as_str(), "Retail Dynamic Pricing v1"]
    );
    assert!(session.ancestors(base.id).await.unwrap().is_empty());
    drop(session);
    let detail = svc.recipe_detail(client.id).await.unwrap();
    assert_eq!(detail.ancestors.len(), 2);
    let err = svc
        .clone_recipe(CloneRecipe::of(client.id, "Too Deep"), "alice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no level below"), "{err}");
}

/// Issue 31, bug 12: the parent's pending (unapproved) changes are not the
/// child's; cloned or created from the parent, a child starts from the
/// version it pins and sets nothing of its own but its name and tags.
async fn a_new_child_starts_from_the_parent_version_it_pins(db: &TestDb) {
    use nexml::service::changes::StartingPoint;
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let industry = svc
        .clone_recipe(CloneRecipe::of(base.id, "Retail Pricing"), "alice")
        .await
        .unwrap();
    svc.approve_version(ApproveVersion::latest(industry.id), "bob")
        .await
        .unwrap();
    let mut pending = s.version(industry.id, None).await.unwrap().manifest_json;
    pending["metadata"]["description"] = json!("pending, not approved");
    pending["evaluation"]["validation"]["folds"] = json!(9);
    let out = svc
        .commit_version(
            NewVersion {
                recipe_id: industry.id,
                manifest: pending,
                bump: BumpChoice::Auto,
                change_note: "pending".into(),
                parent_version_id: None,
                base_version: None,
            },
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(out.version().version_number, "1.0.1");
    let industry = s.recipe(industry.id).await.unwrap();
    assert!(industry.changes_pending());

    let cloned = svc
        .clone_recipe(CloneRecipe::of(industry.id, "Acme Pricing"), "alice")
        .await
        .unwrap();
    // The app's "new recipe" with a parent, and `recipe create --from-parent`.
    let manifest = svc
        .starting_manifest(
            "Beta Pricing",
            ModelFamily::Pricing,
            Some(industry.id),
            StartingPoint::Parent,
        )
        .await
        .unwrap();
    let created = svc
        .create_recipe(
            NewRecipe {
                name: "Beta Pricing".into(),
                model_family: ModelFamily::Pricing,
                level: RecipeLevel::Client,
                parent_id: Some(industry.id),
                tags: vec![],
                manifest,
                change_note: String::new(),
                approved: false,
            },
            "alice",
        )
        .await
        .unwrap();
    for child in [cloned, created] {
        let v = s.version(child.id, None).await.unwrap();
        assert_eq!(
            v.parent_version_number.as_deref(),
            Some("1.0.0"),
            "{}",
            child.name
        );
        assert_ne!(
            v.manifest_json["metadata"]["description"], "pending, not approved",
            "{}",
            child.name
        );
        let detail = svc.recipe_detail(child.id).await.unwrap();
        let (level, own) = detail.level_keys.last().unwrap();
        assert_eq!(level, &child.name);
        assert!(
            own.iter()
                .all(|k| k == "/metadata/name" || k.starts_with("/metadata/tags")),
            "{}: {own:?}",
            child.name
        );
        // The pending change is still the parent's to approve and pass on.
        assert!(
            svc.parent_update(&s.recipe(child.id).await.unwrap())
                .await
                .unwrap()
                .is_none()
        );
    }
}

/// `value` as another store or tool may hold it: every object's keys
/// reversed (JSONB's order is not the author's), whole floats as integers.
fn reshuffled(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reshuffled(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reshuffled).collect()),
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
        {
            json!(n.as_f64().unwrap() as i64)
        }
        other => other.clone(),
    }
}

/// Issue 31, bugs 10 and 11: a version reads in one key order on both
/// backends, even one stored before that order (written here behind the
/// store's back, as an older nexml or PostgreSQL's JSONB left it), and a
/// key order or number spelling is no change in a diff or a commit.
async fn manifests_read_in_one_form_whatever_form_they_were_stored_in(db: &TestDb) {
    use nexml::domain::diff::{LineChange, comparable, diff_rows, json_patch, pretty};
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let first = s.version(base.id, None).await.unwrap();
    let text = serde_json::to_string(&reshuffled(&first.manifest_json)).unwrap();
    assert!(text.starts_with(r#"{"monitoring":"#), "{}", &text[..40]);
    assert!(text.contains(r#""threshold":4,"#));
    let insert = format!(
        "INSERT INTO ml_recipe_version (recipe_id, version_number, major, minor, patch, \
         manifest_json, bump, created_by, created_at, change_note) VALUES \
         ({}, '1.0.1', 1, 0, 1, '{}', 'patch', 'old', '2026-01-01T00:00:00Z', 'before')",
        base.id,
        text.replace('\'', "''")
    );
    db.raw_execute(&insert).await.unwrap();
    let old = s.version(base.id, Some("1.0.1")).await.unwrap();
    let sections = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        sections(&old.manifest_json),
        nexml::domain::manifest::SECTIONS
    );
    for at in [
        "/metadata",
        "/requirements",
        "/evaluation/metrics/0",
        "/pipeline/stages/0",
    ] {
        assert_eq!(
            sections(old.manifest_json.pointer(at).unwrap()),
            sections(first.manifest_json.pointer(at).unwrap()),
            "{at} on {}",
            db.name
        );
    }
    // The app's diff of the two: nothing changed.
    let rows = diff_rows(&first.manifest_json, &old.manifest_json);
    assert!(
        rows.iter().all(|r| r.change == LineChange::Same),
        "{}",
        pretty(&old.manifest_json)
    );

    // A one-line edit of the reshuffled text is one change, and keeps the
    // spelling the latest version has.
    let mut edited = reshuffled(&old.manifest_json);
    edited["deployment"]["schedule"] = json!("0 5 * * *");
    let out = svc
        .commit_version(
            NewVersion {
                recipe_id: base.id,
                manifest: edited,
                bump: BumpChoice::Auto,
                change_note: "later".into(),
                parent_version_id: None,
                base_version: None,
            },
            "alice",
        )
        .await
        .unwrap();
    let v = out.version();
    assert_eq!(v.version_number, "1.0.2");
    assert_eq!(
        v.diff_from_prev,
        json!([{"op": "replace", "path": "/deployment/schedule", "value": "0 5 * * *"}])
    );
    let changed = diff_rows(&first.manifest_json, &v.manifest_json)
        .into_iter()
        .filter(|r| r.change != LineChange::Same)
        .count();
    assert_eq!(changed, 1);
    // `recipe diff --json`'s patch: one operation.
    let (a, b) = comparable(&first.manifest_json, &v.manifest_json);
    assert_eq!(json_patch(&a, &b).0.len(), 1);
}

async fn commits_bump_by_the_rule_and_identical_commits_create_nothing(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let child = svc
        .clone_recipe(CloneRecipe::of(base.id, "Child"), "alice")
        .await
        .unwrap();
    let v1 = s.version(child.id, None).await.unwrap();

    let commit = |manifest: Value, bump: BumpChoice| NewVersion {
        recipe_id: child.id,
        manifest,
        bump,
        change_note: "note".into(),
        parent_version_id: None,
        base_version: None,
    };

    let mut added = v1.manifest_json.clone();
    added["metadata"]["x_region"] = json!("emea");
    let out = svc
        .commit_version(commit(added.clone(), BumpChoice::Auto), "alice")
        .await
        .unwrap();
    let CommitOutcome::Created { version, .. } = out else {
        panic!("expected a new version")
    };
    assert_eq!(
        (version.version_number.as_str(), version.bump),
        ("1.1.0", Bump::Minor)
    );
    // diff_from_prev is the RFC 6902 patch from the previous version.
    let patch: json_patch::Patch = serde_json::from_value(version.diff_from_prev.clone()).unwrap();
    let mut rebuilt = v1.manifest_json.clone();
    json_patch::patch(&mut rebuilt, &patch).unwrap();
    assert_eq!(rebuilt, added);
    // The overlay on the pinned parent version gives back the manifest.
    let parent_manifest = s
        .version(base.id, Some("1.0.0"))
        .await
        .unwrap()
        .manifest_json;
    let overlay = version.overlay_json.clone().unwrap();
    assert_eq!(
        nexml::domain::diff::merge(&parent_manifest, &overlay),
        added
    );

    let mut changed = added.clone();
    changed["metadata"]["description"] = json!("tuned for retail");
    let out = svc
        .commit_version(commit(changed.clone(), BumpChoice::Auto), "alice")
        .await
        .unwrap();
    assert_eq!(out.version().version_number, "1.1.1");

    let mut removed = changed.clone();
    removed["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("x_region");
    let out = svc
        .commit_version(commit(removed.clone(), BumpChoice::Auto), "alice")
        .await
        .unwrap();
    assert_eq!(out.version().version_number, "2.0.0");

    let out = svc
        .commit_version(commit(removed.clone(), BumpChoice::Auto), "alice")
        .await
        .unwrap();
    assert!(matches!(out, CommitOutcome::Unchanged { .. }));
    assert_eq!(out.version().version_number, "2.0.0");

    let mut small = removed.clone();
    small["metadata"]["description"] = json!("x");
    let out = svc
        .commit_version(commit(small, BumpChoice::Major), "bob")
        .await
        .unwrap();
    assert_eq!(out.version().version_number, "3.0.0");

    let versions = s.versions(child.id).await.unwrap();
    let numbers: Vec<&str> = versions.iter().map(|v| v.version_number.as_str()).collect();
    assert_eq!(numbers, ["3.0.0", "2.0.0", "1.1.1", "1.1.0", "1.0.0"]);
    assert_eq!(versions[0].created_by, "bob");
    // Stored manifests compare equal as values (JSONB may reorder keys).
    assert_eq!(
        s.version(child.id, Some("2.0.0"))
            .await
            .unwrap()
            .manifest_json,
        removed
    );
}

async fn invalid_manifests_are_refused_and_nothing_is_written(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let mut bad = pricing_manifest();
    bad["deployment"]["mode"] = json!("sometimes");
    bad.as_object_mut().unwrap().remove("lineage");
    let err = svc
        .commit_version(
            NewVersion {
                recipe_id: base.id,
                manifest: bad.clone(),
                bump: BumpChoice::Auto,
                change_note: String::new(),
                parent_version_id: None,
                base_version: None,
            },
            "alice",
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("/deployment/mode"), "{text}");
    assert!(text.contains("lineage"), "{text}");
    assert_eq!(s.versions(base.id).await.unwrap().len(), 1);

    let err = svc
        .create_recipe(
            NewRecipe {
                name: "Broken".into(),
                model_family: ModelFamily::Pricing,
                level: RecipeLevel::Baseline,
                parent_id: None,
                tags: vec![],
                manifest: bad,
                change_note: String::new(),
                approved: false,
            },
            "alice",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Manifest(_)));
    assert_eq!(s.list_recipes(&all()).await.unwrap().total, 4);
    assert!(s.audit("recipe", 5).await.unwrap().is_empty());
}

async fn approval_and_four_eyes(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let child = svc
        .clone_recipe(CloneRecipe::of(base.id, "Child"), "alice")
        .await
        .unwrap();
    let svc = db.service_with(Governance {
        distinct_approver: true,
        ..Default::default()
    });
    let err = svc
        .approve_version(ApproveVersion::latest(child.id), "alice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("four-eyes"), "{err}");
    assert!(
        s.version(child.id, None)
            .await
            .unwrap()
            .approved_by
            .is_none()
    );

    let v = svc
        .approve_version(ApproveVersion::latest(child.id), "bob")
        .await
        .unwrap();
    assert_eq!(v.approved_by.as_deref(), Some("bob"));
    let child = s.recipe(child.id).await.unwrap();
    assert_eq!(child.status, RecipeStatus::Approved);
    assert!(!child.changes_pending());

    let err = svc
        .approve_version(
            ApproveVersion {
                recipe: child.id,
                version: Some("1.0.0".into()),
            },
            "carol",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already approved"), "{err}");

    // A new version after approval is a pending draft; the approved one stays.
    let mut m = v.manifest_json.clone();
    m["metadata"]["description"] = json!("next");
    svc.commit_version(
        NewVersion {
            recipe_id: child.id,
            manifest: m,
            bump: BumpChoice::Auto,
            change_note: String::new(),
            parent_version_id: None,
            base_version: None,
        },
        "alice",
    )
    .await
    .unwrap();
    let child = s.recipe(child.id).await.unwrap();
    assert!(child.changes_pending());
    assert_eq!(child.approved_version.as_deref(), Some("1.0.0"));
    assert_eq!(child.latest_version.as_deref(), Some("1.0.1"));
    let log = s.audit("recipe_version", v.version_id).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "approve" && e.actor == "bob")
    );
}

async fn models_come_from_approved_versions_and_follow_their_lifecycle(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let child = svc
        .clone_recipe(CloneRecipe::of(base.id, "Child"), "alice")
        .await
        .unwrap();
    let new = |name: &str, recipe_id: i64, version: Option<&str>| NewModel {
        name: name.into(),
        recipe_id,
        version: version.map(String::from),
        owner: "alice".into(),
    };
    let err = svc
        .register_model(new("m1", child.id, None), "alice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no approved version"), "{err}");
    let err = svc
        .register_model(new("m1", child.id, Some("1.0.0")), "alice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not approved"), "{err}");

    let model = svc
        .register_model(new("m1", base.id, None), "alice")
        .await
        .unwrap();
    assert_eq!(model.status, ModelStatus::Draft);
    assert_eq!(model.recipe_version, "1.0.0");
    assert_eq!(model.model_family, ModelFamily::Pricing);
    let dup = svc
        .register_model(new("m1", base.id, None), "alice")
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("already exists"), "{dup}");

    let err = svc
        .move_model(MoveModel::to(model.id, ModelStatus::Production), "alice")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "model is draft: cannot move to production (allowed next: staging)"
    );
    common::passing_eval(&svc, model.id, "alice").await;
    for to in [
        ModelStatus::Staging,
        ModelStatus::Draft,
        ModelStatus::Staging,
        ModelStatus::Production,
        ModelStatus::Retired,
    ] {
        assert_eq!(
            svc.move_model(MoveModel::to(model.id, to), "alice")
                .await
                .unwrap()
                .status,
            to
        );
    }
    let err = svc
        .move_model(MoveModel::to(model.id, ModelStatus::Staging), "alice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("retired is final"), "{err}");
    let history = s.audit("model", model.id).await.unwrap();
    assert_eq!(history.iter().filter(|e| e.action == "status").count(), 5);

    let updated = svc
        .update_model(
            UpdateModel {
                model: model.id,
                name: None,
                owner: Some("bob".into()),
            },
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(updated.owner, "bob");
    let page = s
        .list_models(&ModelQuery {
            status: Some(ModelStatus::Retired),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}

async fn runs_follow_their_lifecycle_and_collect_metrics_and_logs(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let run = svc
        .create_run(
            NewRun {
                recipe_id: base.id,
                version: None,
                model_id: None,
                run_type: RunType::Train,
            },
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Queued);
    assert_eq!(run.recipe_version.as_deref(), Some("1.0.0"));
    assert!(run.started_at.is_none());

    let err = svc
        .update_run(
            UpdateRun {
                run: run.id,
                changes: RunChanges {
                    status: Some(RunStatus::Succeeded),
                    ..Default::default()
                },
            },
            "alice",
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("allowed next: running, cancelled"),
        "{err}"
    );

    let running = svc
        .update_run(
            UpdateRun {
                run: run.id,
                changes: RunChanges {
                    status: Some(RunStatus::Running),
                    append_log: Some("epoch 1".into()),
                    ..Default::default()
                },
            },
            "alice",
        )
        .await
        .unwrap();
    assert!(running.started_at.is_some() && running.finished_at.is_none());
    let done = svc
        .update_run(
            UpdateRun {
                run: run.id,
                changes: RunChanges {
                    status: Some(RunStatus::Succeeded),
                    metrics: Some(json!({"mape": 0.11})),
                    artifacts: Some(json!({"model": "s3://b/model.pkl"})),
                    append_log: Some("done\n".into()),
                },
            },
            "alice",
        )
        .await
        .unwrap();
    assert!(done.finished_at.is_some());
    assert_eq!(done.log(), "epoch 1\ndone\n");
    let more = svc
        .update_run(
            UpdateRun {
                run: run.id,
                changes: RunChanges {
                    metrics: Some(json!({"rmse": 4.2})),
                    ..Default::default()
                },
            },
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(more.metrics_json, json!({"mape": 0.11, "rmse": 4.2}));
    let err = svc
        .update_run(
            UpdateRun {
                run: run.id,
                changes: RunChanges {
                    metrics: Some(json!([1])),
                    ..Default::default()
                },
            },
            "alice",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("metrics must be a JSON object"));
    let err = svc
        .update_run(
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
        .unwrap_err();
    assert!(err.to_string().contains("succeeded is final"), "{err}");

    let page = s
        .list_runs(&RunQuery {
            status: Some(RunStatus::Succeeded),
            run_type: Some(RunType::Train),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].headline_metric(), Some(("mape".into(), 0.11)));
}

async fn deletion_is_refused_while_something_depends_on_the_recipe(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let child = svc
        .clone_recipe(CloneRecipe::of(base.id, "Child"), "alice")
        .await
        .unwrap();
    svc.register_model(
        NewModel {
            name: "m".into(),
            recipe_id: base.id,
            version: None,
            owner: "a".into(),
        },
        "alice",
    )
    .await
    .unwrap();
    let err = svc
        .delete_recipe(DeleteRecipe { recipe: base.id }, "alice")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("1 child recipe (Child)") && text.contains("1 model (m)"),
        "{text}"
    );
    assert!(s.recipe(base.id).await.is_ok());

    // A recipe nothing depends on goes, with its versions.
    svc.delete_recipe(DeleteRecipe { recipe: child.id }, "alice")
        .await
        .unwrap();
    assert!(matches!(
        s.recipe(child.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        s.audit("recipe", child.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "delete")
    );
}

async fn versions_and_audit_cannot_be_changed_behind_the_store(db: &TestDb) {
    seeded(db).await;
    let err = db
        .raw_execute("UPDATE ml_recipe_version SET change_note = 'sneaky'")
        .await
        .unwrap_err();
    assert!(err.contains("immutable"), "{err}");
    let err = db
        .raw_execute("DELETE FROM ml_recipe_version")
        .await
        .unwrap_err();
    assert!(err.contains("immutable"), "{err}");
    let err = db.raw_execute("DELETE FROM ml_audit").await.unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    let err = db
        .raw_execute("UPDATE ml_recipe SET status = 'published'")
        .await
        .unwrap_err();
    assert!(err.to_lowercase().contains("check"), "{err}");
    // Approvals are as fixed as the versions they approve.
    let err = db
        .raw_execute("UPDATE ml_recipe_approval SET approved_by = 'mallory'")
        .await
        .unwrap_err();
    assert!(err.contains("immutable"), "{err}");
    let err = db
        .raw_execute("DELETE FROM ml_recipe_approval")
        .await
        .unwrap_err();
    assert!(err.contains("immutable"), "{err}");
    let forged = db.store.version(1, None).await.unwrap();
    if db.name == "sqlite" {
        // REPLACE deletes without firing delete triggers: refused before it can.
        for sql in [
            format!(
                "INSERT OR REPLACE INTO ml_recipe_version (version_id, recipe_id, version_number, major, minor, patch, manifest_json, bump, created_by, created_at) \
                 VALUES ({}, 1, '1.0.0', 1, 0, 0, '{{}}', 'initial', 'mallory', '2026-01-01T00:00:00Z')",
                forged.version_id
            ),
            "REPLACE INTO ml_audit (id, at, actor, entity, entity_id, action) SELECT id, at, 'mallory', entity, entity_id, action FROM ml_audit LIMIT 1".to_string(),
            "REPLACE INTO ml_recipe_approval (version_id, recipe_id, approved_by, approved_at) SELECT version_id, recipe_id, 'mallory', approved_at FROM ml_recipe_approval LIMIT 1".to_string(),
        ] {
            let err = db.raw_execute(&sql).await.unwrap_err();
            assert!(err.contains("immutable") || err.contains("append-only"), "{sql}: {err}");
        }
        // With foreign keys off, as the sqlite3 shell has them, a recipe in
        // use still cannot be deleted, and a deleted one takes its history along.
        let err = db
            .raw_execute_without_foreign_keys(
                "INSERT INTO ml_model (name, model_family, recipe_id, recipe_version_id, status, owner, created_at, updated_at) \
                 SELECT 'm', model_family, id, 1, 'draft', 'o', created_at, created_at FROM ml_recipe WHERE id = 1; DELETE FROM ml_recipe WHERE id = 1",
            )
            .await
            .unwrap_err();
        assert!(err.contains("cannot be deleted"), "{err}");
    } else {
        for table in ["ml_audit", "ml_recipe_version", "ml_recipe_approval"] {
            let err = db
                .raw_execute(&format!("TRUNCATE {table} CASCADE"))
                .await
                .unwrap_err();
            assert!(err.contains("cannot be truncated"), "{table}: {err}");
        }
    }
    let after = db.store.version(1, None).await.unwrap();
    assert_eq!(
        after.manifest_json, forged.manifest_json,
        "nothing was forged"
    );
    assert_eq!(after.approved_by, forged.approved_by);
    assert!(!db.store.audit("recipe", 1).await.unwrap().is_empty());
}

async fn archived_recipes_take_no_versions_or_models(db: &TestDb) {
    let svc = db.service();
    let base = seeded(db).await;
    let archived = svc
        .move_recipe(MoveRecipe::to(base.id, RecipeStatus::Archived), "alice")
        .await
        .unwrap();
    assert_eq!(archived.status, RecipeStatus::Archived);
    let mut m = pricing_manifest();
    m["metadata"]["description"] = json!("x");
    let err = svc
        .commit_version(
            NewVersion {
                recipe_id: base.id,
                manifest: m,
                bump: BumpChoice::Auto,
                change_note: String::new(),
                parent_version_id: None,
                base_version: None,
            },
            "alice",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("archived"), "{err}");
    let err = svc
        .register_model(
            NewModel {
                name: "m".into(),
                recipe_id: base.id,
                version: None,
                owner: "a".into(),
            },
            "alice",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("archived"), "{err}");
    let err = svc
        .move_recipe(MoveRecipe::to(base.id, RecipeStatus::Archived), "alice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("allowed next: draft"), "{err}");
    let restored = svc
        .move_recipe(MoveRecipe::to(base.id, RecipeStatus::Draft), "alice")
        .await
        .unwrap();
    assert_eq!(restored.status, RecipeStatus::Draft);
}

async fn snapshots_and_examples_round_trip(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let model = svc
        .register_model(
            NewModel {
                name: "m".into(),
                recipe_id: base.id,
                version: None,
                owner: "a".into(),
            },
            "alice",
        )
        .await
        .unwrap();
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T06:00:00.123456789Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    const MAPES: [f64; 3] = [0.10, 0.11, 0.12];
    for day in 0..3 {
        svc.add_snapshot(
            AddSnapshot::to(
                model.id,
                NewSnapshot {
                    captured_at: t0 + chrono::Duration::days(day),
                    performance: json!({"mape": MAPES[day as usize]}),
                    drift: json!({"price": {"psi": 0.05}}),
                    freshness: json!({"staleness_hours": 3}),
                    alerts: json!([]),
                },
            ),
            "alice",
        )
        .await
        .unwrap();
    }
    let snaps = s.snapshots(model.id, 2).await.unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0].performance_metrics_json, json!({"mape": 0.12}));
    // Microseconds survive on both backends; nanoseconds are truncated.
    assert_eq!(snaps[1].captured_at.timestamp_subsec_micros(), 123456);
    assert_eq!(snaps[1].captured_at.timestamp_subsec_nanos(), 123456000);
    let err = svc
        .add_snapshot(
            AddSnapshot::to(
                model.id,
                NewSnapshot {
                    captured_at: t0,
                    performance: json!(1),
                    drift: json!({}),
                    freshness: json!({}),
                    alerts: json!([]),
                },
            ),
            "alice",
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("performance must be a JSON object")
    );

    let ex = svc
        .put_example(
            PutExample::to(
                base.id,
                NewExample {
                    dataset_schema: json!({"columns": []}),
                    sample_rows: json!([{"a": 1}]),
                    example_run: json!({}),
                },
            ),
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(ex.sample_rows_json, json!([{"a": 1}]));
    let err = svc
        .put_example(
            PutExample::to(
                base.id,
                NewExample {
                    dataset_schema: json!({}),
                    sample_rows: json!({}),
                    example_run: json!({}),
                },
            ),
            "alice",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sample_rows must be an array"));
}

/// Several writers (separate connections pools, as separate processes would
/// have) commit to one recipe at once: every commit lands with its own number,
/// or is told to try again and does.
async fn concurrent_commits_get_distinct_versions(db: &TestDb) {
    let base = seeded(db).await;
    const WRITERS: usize = 4;
    const COMMITS: usize = 10;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = nexml::store::open(&db.url).await.unwrap();
        let manifest = pricing_manifest();
        let recipe_id = base.id;
        tasks.push(tokio::spawn(async move {
            let mut retries = 0;
            for c in 0..COMMITS {
                let mut m = manifest.clone();
                m["metadata"]["description"] = json!(format!("writer {w} commit {c}"));
                loop {
                    let out = nexml::service::Service::new(
                        store.clone(),
                        Default::default(),
                        nexml::domain::Clock::System,
                    )
                    .commit_version(
                        NewVersion {
                            recipe_id,
                            manifest: m.clone(),
                            bump: BumpChoice::Patch,
                            change_note: String::new(),
                            parent_version_id: None,
                            base_version: None,
                        },
                        "w",
                    )
                    .await;
                    match out {
                        Ok(CommitOutcome::Created { .. }) => break,
                        Ok(CommitOutcome::Unchanged { .. }) => {
                            panic!("unique manifests never match")
                        }
                        Err(ServiceError::Busy(_)) => retries += 1,
                        Err(e) => panic!("writer {w}: {e}"),
                    }
                }
            }
            retries
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let versions = db.store.versions(base.id).await.unwrap();
    assert_eq!(versions.len(), 1 + WRITERS * COMMITS);
    let mut numbers: Vec<String> = versions.iter().map(|v| v.version_number.clone()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 1 + WRITERS * COMMITS);
    assert_eq!(
        versions[0].version_number,
        format!("1.0.{}", WRITERS * COMMITS)
    );
}

async fn levels_and_families_are_enforced(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let forecasting = s.find_recipe("Forecasting Baseline v1").await.unwrap();
    let new = |level, parent_id, family, manifest: Value| NewRecipe {
        name: "X".into(),
        model_family: family,
        level,
        parent_id,
        tags: vec![],
        manifest,
        change_note: String::new(),
        approved: false,
    };
    let err = svc
        .create_recipe(
            new(
                RecipeLevel::Client,
                Some(base.id),
                ModelFamily::Pricing,
                pricing_manifest(),
            ),
            "a",
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("must be an industry recipe")
            || err.to_string().contains("parent must be"),
        "{err}"
    );
    let err = svc
        .create_recipe(
            new(
                RecipeLevel::Industry,
                None,
                ModelFamily::Pricing,
                pricing_manifest(),
            ),
            "a",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs a baseline parent"), "{err}");
    let err = svc
        .create_recipe(
            new(
                RecipeLevel::Industry,
                Some(forecasting.id),
                ModelFamily::Pricing,
                pricing_manifest(),
            ),
            "a",
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("must be a forecasting recipe"),
        "{err}"
    );
    let err = svc
        .create_recipe(
            new(
                RecipeLevel::Baseline,
                None,
                ModelFamily::Forecasting,
                pricing_manifest(),
            ),
            "a",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/metadata/model_family"), "{err}");
    assert_eq!(s.list_recipes(&all()).await.unwrap().total, 4);
}

contract!(
    alerts_open_update_and_resolve_with_the_snapshots,
    chat_history_is_kept_per_recipe,
    the_monitoring_overview_ranks_open_alerts_then_drift,
    keyset_windows_match_the_windows_by_position
);

/// A window started beside a row holds the same runs as the window at that
/// position, in either direction, with filters too.
async fn keyset_windows_match_the_windows_by_position(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    for i in 0..30 {
        let run_type = if i % 3 == 0 {
            RunType::Eval
        } else {
            RunType::Train
        };
        svc.create_run(
            NewRun {
                recipe_id: base.id,
                version: None,
                model_id: None,
                run_type,
            },
            "alice",
        )
        .await
        .unwrap();
    }
    let ids = |q: RunQuery| async move {
        s.list_runs(&q)
            .await
            .unwrap()
            .items
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    for run_type in [None, Some(RunType::Train)] {
        let query = |offset: i64, limit: i64, keyset: Option<Keyset>| RunQuery {
            run_type,
            offset,
            limit,
            keyset,
            skip_count: true,
            ..Default::default()
        };
        let all = ids(query(0, 100, None)).await;
        assert!(all.len() >= 10);
        let after = ids(query(0, 5, Some(Keyset::After(all[3])))).await;
        assert_eq!(after, all[4..9], "after the 4th row");
        let before = ids(query(0, 3, Some(Keyset::Before(all[6])))).await;
        assert_eq!(before, all[3..6], "the three rows before the 7th");
        assert_eq!(
            ids(query(0, 5, Some(Keyset::After(*all.last().unwrap())))).await,
            Vec::<i64>::new()
        );
    }
}

/// Worst first: open alerts, then the latest snapshot's drift (an older
/// snapshot added later does not count), then stale data; windows from
/// either end agree; resolving an alert moves its model down.
async fn the_monitoring_overview_ranks_open_alerts_then_drift(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let mut ids = Vec::new();
    for name in ["a-calm", "b-drifting", "c-alerting", "d-stale"] {
        let m = svc
            .register_model(
                NewModel {
                    name: name.into(),
                    recipe_id: base.id,
                    version: None,
                    owner: "o".into(),
                },
                "alice",
            )
            .await
            .unwrap();
        ids.push(m.id);
    }
    let at = |h: i64| {
        chrono::DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
            + chrono::Duration::hours(h)
    };
    let snap = |h: i64, drift: Value, stale: bool| NewSnapshot {
        captured_at: at(h),
        performance: json!({}),
        drift,
        freshness: json!({"stale": stale}),
        alerts: json!([]),
    };
    let add = |id: i64, new: NewSnapshot| {
        let svc = svc.clone();
        async move {
            svc.add_snapshot(AddSnapshot::to(id, new), "alice")
                .await
                .unwrap()
        }
    };
    add(ids[0], snap(1, json!({"price": {"psi": 0.01}}), false)).await;
    add(
        ids[1],
        snap(
            1,
            json!({"columns": {"price": {"psi": 0.5}, "promo": {"score": 0.9}}}),
            false,
        ),
    )
    .await;
    // An older snapshot of the drifting model, added later, is not its latest.
    add(ids[1], snap(-5, json!({"price": 0.0}), false)).await;
    add(ids[3], snap(1, json!({}), true)).await;
    // Above the pricing baseline's rule `units_mae_degradation` (mae > 3.2).
    let alerting = NewSnapshot {
        performance: json!({"mae": 4.0}),
        ..snap(1, json!({}), false)
    };
    let opened = add(ids[2], alerting).await.alerts;
    let names = |page: Page<MonitorRow>| {
        page.items
            .into_iter()
            .map(|r| r.model.name)
            .collect::<Vec<_>>()
    };
    let query = |offset: i64, limit: i64, reverse: bool| ModelQuery {
        search: Some("-".into()),
        limit,
        offset,
        reverse,
        ..Default::default()
    };
    let all = s.monitoring_overview(&query(0, 10, false)).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.items[0].open_alerts, 1);
    assert_eq!(all.items[1].latest.as_ref().unwrap().captured_at, at(1));
    assert_eq!(
        names(all),
        ["c-alerting", "b-drifting", "a-calm", "d-stale"]
    );
    assert_eq!(
        names(s.monitoring_overview(&query(0, 2, true)).await.unwrap()),
        ["a-calm", "d-stale"],
        "the last two, read from the end"
    );
    svc.move_alert(MoveAlert::to(opened[0].id, AlertState::Resolved), "bob")
        .await
        .unwrap();
    let after = s.monitoring_overview(&query(0, 10, false)).await.unwrap();
    assert_eq!(after.items.iter().map(|r| r.open_alerts).sum::<i64>(), 0);
    assert_eq!(
        names(after),
        ["b-drifting", "a-calm", "d-stale", "c-alerting"]
    );
}

/// Alerts follow the rules of the model's recipe version (the pricing
/// baseline's `revenue_mape_breach`: mape > 0.4, critical).
async fn alerts_open_update_and_resolve_with_the_snapshots(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let model = svc
        .register_model(
            NewModel {
                name: "m".into(),
                recipe_id: base.id,
                version: None,
                owner: "a".into(),
            },
            "alice",
        )
        .await
        .unwrap();
    let snap = |mape: f64| NewSnapshot {
        captured_at: nexml::domain::Clock::System.now(),
        performance: json!({"mape": mape}),
        drift: json!({}),
        freshness: json!({}),
        alerts: json!([]),
    };
    let record = |mape: f64| {
        let svc = svc.clone();
        let id = model.id;
        async move {
            let r = svc.record_snapshot(id, snap(mape), "alice", "ingest");
            let r = r.await.unwrap();
            (r.snapshot, r.alerts)
        }
    };

    let (first, opened) = record(0.5).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(
        (opened[0].state.as_str(), opened[0].severity.as_str()),
        ("open", "critical")
    );
    assert_eq!(first.alerts_json[0]["rule"], "revenue_mape_breach");
    // Still firing: the same alert is updated, not a second one.
    let (_, updated) = record(0.6).await;
    assert_eq!(updated[0].id, opened[0].id);
    assert_eq!(updated[0].value, 0.6);
    assert_eq!(s.alerts(model.id, None).await.unwrap().len(), 1);
    // Acknowledged, then cleared by a healthy snapshot.
    let acked = svc
        .move_alert(MoveAlert::to(opened[0].id, AlertState::Acknowledged), "bob")
        .await
        .unwrap();
    assert_eq!(acked.state, AlertState::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("bob"));
    assert!(acked.acknowledged_at.is_some());
    let (_, cleared) = record(0.2).await;
    assert_eq!(cleared[0].state, AlertState::Resolved);
    // Resolved by whoever's snapshot met the rule again; bob's ack stays.
    assert_eq!(cleared[0].resolved_by.as_deref(), Some("alice"));
    assert_eq!(cleared[0].acknowledged_by.as_deref(), Some("bob"));
    let err = svc
        .move_alert(MoveAlert::to(opened[0].id, AlertState::Acknowledged), "bob")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("resolved is final"), "{err}");
    // Firing again opens a new one.
    let (_, reopened) = record(0.9).await;
    assert_ne!(reopened[0].id, opened[0].id);
    assert_eq!(
        s.alerts(model.id, Some(AlertState::Open))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.snapshots(model.id, 10).await.unwrap().len(), 4);
}

async fn chat_history_is_kept_per_recipe(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let asked = svc
        .chat_ask(Some(base.id), "make MAPE under 12%", false, "alice")
        .await
        .unwrap();
    let answer = asked.message.clone().unwrap();
    assert_eq!(answer.status, ChatStatus::Proposed);
    assert_eq!(answer.role, ChatRole::Assistant);
    svc.chat_ask(None, "hello", false, "alice").await.unwrap();
    let proposal = asked.proposal.clone().unwrap();
    let applied = svc
        .chat_apply(
            Some(base.id),
            answer.id,
            "make MAPE under 12%",
            &proposal,
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(applied.version, "1.0.1");
    // A proposal is applied or rejected once.
    let again = svc.chat_reject(answer.id, "alice").await.unwrap_err();
    assert!(again.to_string().contains("applied is final"), "{again}");
    let twice = svc
        .chat_apply(
            Some(base.id),
            answer.id,
            "make MAPE under 12%",
            &proposal,
            "alice",
        )
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("applied is final"), "{twice}");
    assert_eq!(s.versions(base.id).await.unwrap().len(), 2, "applied once");
    let history = s.chat_history(Some(base.id), "alice", 50).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.role).collect::<Vec<_>>(),
        [ChatRole::User, ChatRole::Assistant]
    );
    assert_eq!(history[0].text, "make MAPE under 12%");
    assert_eq!(history[1].status, ChatStatus::Applied);
    assert_eq!(
        history[1].proposal,
        Some(serde_json::to_value(&proposal).unwrap())
    );
    assert_eq!(s.chat_history(None, "alice", 50).await.unwrap().len(), 2);
    // Every message and the apply are audited.
    assert_eq!(s.audit("chat", answer.id).await.unwrap().len(), 2);
}

contract!(long_histories_are_thinned_in_the_database);

async fn long_histories_are_thinned_in_the_database(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let model = svc
        .register_model(
            NewModel {
                name: "m".into(),
                recipe_id: base.id,
                version: None,
                owner: "a".into(),
            },
            "alice",
        )
        .await
        .unwrap();
    let now = nexml::domain::Clock::System.now();
    let rows: Vec<BulkSnapshot> = (0..1000)
        .map(|i| BulkSnapshot {
            model_id: model.id,
            captured_at: now - chrono::Duration::hours(999 - i),
            performance: json!({"mae": i}),
            drift: json!({}),
            freshness: json!({}),
            alerts: json!([]),
        })
        .collect();
    svc.insert_snapshots_bulk(&rows, "alice").await.unwrap();
    let all = s.snapshot_series(model.id, None, 100).await.unwrap();
    assert!(all.len() >= 100 && all.len() <= 101, "{}", all.len());
    assert_eq!(
        all.first().unwrap().performance_metrics_json["mae"],
        0,
        "oldest first"
    );
    assert_eq!(
        all.last().unwrap().performance_metrics_json["mae"],
        999,
        "the newest is always kept"
    );
    // A 7-day window holds the last 168 hours.
    let week = s
        .snapshot_series(model.id, Some(now - chrono::Duration::days(7)), 1000)
        .await
        .unwrap();
    assert_eq!(week.len(), 169);
}

contract!(generated_content_is_audited_per_batch);
contract!(generated_rows_keep_the_counts_metrics_and_ranking_single_writes_keep);
contract!(the_audit_chain_catches_a_row_edited_behind_its_back);

async fn the_audit_chain_catches_a_row_edited_behind_its_back(db: &TestDb) {
    let svc = db.service();
    let base = seeded(db).await;
    svc.clone_recipe(CloneRecipe::of(base.id, "Chain"), "alice")
        .await
        .unwrap();
    let verified = svc.verify_audit().await.unwrap();
    assert!(verified.linked >= 4, "{verified:?}");
    let rows = svc.audit_log(None, None, 1000).await.unwrap();
    assert!(rows.iter().all(|r| r.hash.is_some()));
    let victim = rows[2].id;
    // Someone with the database's keys: triggers off, a row rewritten.
    let tamper = if db.name == "sqlite" {
        format!(
            "DROP TRIGGER ml_audit_no_update; UPDATE ml_audit SET actor = 'mallory' WHERE id = {victim}"
        )
    } else {
        format!(
            "ALTER TABLE ml_audit DISABLE TRIGGER USER; UPDATE ml_audit SET actor = 'mallory' WHERE id = {victim}"
        )
    };
    for statement in tamper.split("; ") {
        db.raw_execute(statement).await.unwrap();
    }
    let err = svc.verify_audit().await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("audit row {victim} breaks the chain")),
        "{err}"
    );
}

async fn generated_content_is_audited_per_batch(db: &TestDb) {
    let svc = db.service();
    let report = nexml::seed::generate(
        &svc,
        nexml::seed::GenerateOptions {
            runs: 30_000,
            snapshots: 10,
            recipes: 1,
            models: 2,
            seed: 1,
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.runs, 30_000);
    let batches = db.store.audit("run", 0).await.unwrap();
    let counts: Vec<u64> = batches
        .iter()
        .filter(|a| a.action == "generate")
        .map(|a| a.details["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 30_000, "{counts:?}");
    assert!(counts.len() >= 2, "one row per batch: {counts:?}");
    let snaps = db.store.audit("snapshot", 0).await.unwrap();
    assert_eq!(snaps.len(), 1);
}

/// `generate` loads in bulk (on PostgreSQL through `COPY`, its triggers
/// once per statement over the rows inserted): the totals of filtered run
/// lists, the runs found by a metric filter and each model's latest
/// snapshot in the Monitoring ranking are what the rows themselves say.
async fn generated_rows_keep_the_counts_metrics_and_ranking_single_writes_keep(db: &TestDb) {
    let svc = db.service();
    let options = nexml::seed::GenerateOptions {
        runs: 3_000,
        snapshots: 600,
        recipes: 2,
        models: 3,
        seed: 7,
    };
    nexml::seed::generate(&svc, options, |_| {}).await.unwrap();
    let s = db.store.as_ref();
    let listed = |query: RunQuery| async move { s.list_runs(&query).await.unwrap() };
    let every = listed(RunQuery {
        limit: 5_000,
        ..Default::default()
    })
    .await;
    assert_eq!((every.items.len(), every.total), (3_000, 3_000));
    let runs = every.items;

    let mut models: Vec<i64> = runs.iter().filter_map(|r| r.model_id).collect();
    models.sort_unstable();
    models.dedup();
    assert_eq!(models.len(), 3, "every model has runs");
    for status in RunStatus::ALL {
        for model_id in models.iter().map(|m| Some(*m)).chain([None]) {
            let expected = runs
                .iter()
                .filter(|r| r.status == *status && (model_id.is_none() || r.model_id == model_id))
                .count() as i64;
            let page = listed(RunQuery {
                status: Some(*status),
                model_id,
                limit: 1,
                ..Default::default()
            })
            .await;
            assert_eq!(page.total, expected, "{status} runs of model {model_id:?}");
        }
    }

    // A metric the generated runs report, split at its median.
    let key = runs
        .iter()
        .flat_map(|r| r.metrics_json.as_object().into_iter().flatten())
        .find(|(_, v)| v.is_number())
        .map(|(k, _)| k.clone())
        .expect("generated runs report metrics");
    let mut values: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.metrics_json.get(&key).and_then(Value::as_f64))
        .collect();
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let mut expected: Vec<i64> = runs
        .iter()
        .filter(|r| {
            r.metrics_json
                .get(&key)
                .and_then(Value::as_f64)
                .is_some_and(|v| v > median)
        })
        .map(|r| r.id)
        .collect();
    let filter = nexml::runs::filter::parse(&format!("metrics.`{key}` > {median}")).unwrap();
    let found = listed(RunQuery {
        filter: Some(filter),
        limit: 5_000,
        ..Default::default()
    })
    .await;
    let mut found: Vec<i64> = found.items.iter().map(|r| r.id).collect();
    expected.sort_unstable();
    found.sort_unstable();
    assert!(!expected.is_empty());
    assert_eq!(found, expected, "runs with {key} > {median}");

    let ranking = s
        .monitoring_overview(&ModelQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let generated: Vec<&MonitorRow> = ranking
        .items
        .iter()
        .filter(|row| models.contains(&row.model.id))
        .collect();
    assert_eq!(generated.len(), 3);
    for row in generated {
        let newest = s.snapshots(row.model.id, 1).await.unwrap();
        assert_eq!(
            row.latest.as_ref().map(|l| l.id),
            newest.first().map(|n| n.id),
            "model {}'s latest snapshot",
            row.model.name
        );
    }
}

async fn search_ignores_case_beyond_ascii(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let school = svc
        .clone_recipe(CloneRecipe::of(base.id, "ÉCOLE Ørsted Pricing"), "alice")
        .await
        .unwrap();
    let model = svc
        .register_model(
            NewModel {
                name: "Straße-Élan".into(),
                recipe_id: base.id,
                version: None,
                owner: "zoë".into(),
            },
            "alice",
        )
        .await
        .unwrap();
    svc.create_run(
        NewRun {
            recipe_id: school.id,
            version: None,
            model_id: None,
            run_type: RunType::Train,
        },
        "alice",
    )
    .await
    .unwrap();

    let recipes = |text: &str| RecipeQuery {
        search: Some(text.into()),
        ..all()
    };
    for text in ["école", "ØRSTED", "éCoLe ørsted", "ecole"] {
        let found = s.list_recipes(&recipes(text)).await.unwrap();
        let expected = usize::from(text != "ecole");
        assert_eq!(found.items.len(), expected, "recipes matching {text:?}");
    }
    // Wildcards of either matcher are taken literally.
    for text in ["é%", "é.*", "É_"] {
        assert_eq!(
            s.list_recipes(&recipes(text)).await.unwrap().total,
            0,
            "{text}"
        );
    }
    let models = s
        .list_models(&ModelQuery {
            search: Some("STRASSE".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        models.items.is_empty(),
        "ß is not SS: simple case folding only"
    );
    for text in ["élan", "ZOË"] {
        let models = s
            .list_models(&ModelQuery {
                search: Some(text.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            models.items.iter().map(|m| m.id).collect::<Vec<_>>(),
            [model.id],
            "models matching {text:?}"
        );
    }
    let runs = s
        .list_runs(&RunQuery {
            search: Some("école".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.items.len(), 1);
    assert_eq!(runs.items[0].recipe_id, Some(school.id));
}

contract!(long_metric_histories_are_thinned_from_their_tiles);

/// A history logged in batches, with a step logged twice, a retried batch
/// and a spike, reads back thinned from its tiles: every bucket's extremes
/// at their own steps, the counts and ranges exact; deleting the run takes
/// its tiles along.
async fn long_metric_histories_are_thinned_from_their_tiles(db: &TestDb) {
    use nexml::store::tracking::NewMetricPoint;
    let svc = db.service();
    let base = seeded(db).await;
    let run = svc
        .create_run(
            NewRun {
                recipe_id: base.id,
                version: None,
                model_id: None,
                run_type: RunType::Train,
            },
            "alice",
        )
        .await
        .unwrap();
    let at = chrono::Utc::now();
    let value = |step: i64| match step {
        77_777 => 50.0,
        12_345 => -3.0,
        _ => 1.0 / (step + 1) as f64,
    };
    let points: Vec<NewMetricPoint> = (0..100_000)
        .map(|step| NewMetricPoint {
            key: "loss".into(),
            step,
            value: value(step),
            at,
        })
        .collect();
    let mut w = db.store.write().await.unwrap();
    for (i, batch) in points.chunks(7_000).enumerate() {
        w.insert_metric_points(run.id, batch, i as i64 * 1_000_000)
            .await
            .unwrap();
    }
    // The first batch again with its own sequence numbers: a retry, once.
    w.insert_metric_points(run.id, &points[..7_000], 0)
        .await
        .unwrap();
    // Step 5 logged again later: both values count.
    let again = NewMetricPoint {
        key: "loss".into(),
        step: 5,
        value: 9.0,
        at,
    };
    w.insert_metric_points(run.id, &[again], 99_000_000)
        .await
        .unwrap();
    w.commit().await.unwrap();

    let mut r = db.store.read().await.unwrap();
    let summary = r.metric_summaries(run.id).await.unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].points, 100_001, "on {}", db.name);
    assert_eq!((summary[0].first_step, summary[0].last_step), (0, 99_999));
    assert_eq!((summary[0].min, summary[0].max), (-3.0, 50.0));

    let series = r.metric_series(run.id, "loss", 200).await.unwrap();
    assert_eq!(series.total, 100_001);
    let got: Vec<(i64, f64)> = series.points.iter().map(|p| (p.step, p.value)).collect();
    assert!(got.len() <= 200, "{} points", got.len());
    assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "in step order");
    assert_eq!(got.first(), Some(&(0, 1.0)), "it starts at the first step");
    assert_eq!(
        got.last(),
        Some(&(99_999, value(99_999))),
        "and ends at the last"
    );
    for spike in [
        (5, 9.0),
        (12_345, -3.0),
        (77_777, 50.0),
        (99_999, value(99_999)),
    ] {
        assert!(got.contains(&spike), "{spike:?} kept, on {}", db.name);
    }
    // Every point the thinning shows is one that was logged, at its step.
    assert!(
        got.iter()
            .all(|&(step, v)| v == value(step) || (step, v) == (5, 9.0)),
        "on {}",
        db.name
    );
    drop(r);

    db.raw_execute(&format!("DELETE FROM ml_run WHERE id = {}", run.id))
        .await
        .unwrap();
    let mut r = db.store.read().await.unwrap();
    assert!(r.metric_summaries(run.id).await.unwrap().is_empty());
}

/// A batch of data is recorded once per model: the same content again is
/// answered with the batch stored (no second snapshot), the same file
/// changed in place too, and the database's key refuses a copy written
/// behind the service's back; another model takes the same batch.
async fn a_batch_is_recorded_once_per_model(db: &TestDb) {
    use nexml::service::monitoring::Ingested;
    let svc = db.service();
    let base = seeded(db).await;
    let register = |name: &str| NewModel {
        name: name.into(),
        recipe_id: base.id,
        version: None,
        owner: "a".into(),
    };
    let m1 = svc.register_model(register("m1"), "alice").await.unwrap();
    let m2 = svc.register_model(register("m2"), "alice").await.unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-02T23:59:59Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let snapshot = || NewSnapshot {
        captured_at: at,
        performance: json!({"mape": 0.5}),
        drift: json!({}),
        freshness: json!({}),
        alerts: json!([]),
    };
    let origin = BatchOrigin {
        sha256: "ab".repeat(32),
        file_path: "/data/sales-2026-11-02.csv".into(),
        file_id: "1:2:-".into(),
    };
    let first = match svc.record_batch(m1.id, snapshot(), &origin, "alice").await {
        Ok(Ingested::Recorded(r)) => r.snapshot.id,
        other => panic!("{}: {other:?}", db.name),
    };
    let changed = BatchOrigin {
        sha256: "cd".repeat(32),
        ..origin.clone()
    };
    for again in [&origin, &changed] {
        match svc.record_batch(m1.id, snapshot(), again, "bob").await {
            Ok(Ingested::Skipped(before)) => {
                assert_eq!(
                    (before.snapshot_id, before.ingested_by.as_str()),
                    (first, "alice")
                );
                assert_eq!(before.sha256, origin.sha256);
            }
            other => panic!("{}: {other:?}", db.name),
        }
    }
    assert_eq!(db.store.snapshots(m1.id, 10).await.unwrap().len(), 1);
    let alerts = db.store.alerts(m1.id, None).await.unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "one alert for the one snapshot: {alerts:?}"
    );

    let copy = format!(
        "INSERT INTO ml_ingested_batch (model_id, sha256, snapshot_id, file_path, file_id, ingested_at, ingested_by) \
         VALUES ({}, '{}', {first}, '/elsewhere.csv', 'x', '2026-11-03T00:00:00Z', 'mallory')",
        m1.id, origin.sha256
    );
    let refused = db
        .raw_execute(&copy)
        .await
        .expect_err("a second copy stored");
    assert!(
        refused.contains("UNIQUE constraint failed") || refused.contains("duplicate key"),
        "{}: {refused}",
        db.name
    );

    let other = svc.record_batch(m2.id, snapshot(), &origin, "alice").await;
    assert!(matches!(other, Ok(Ingested::Recorded(_))), "{other:?}");
}

/// Recipes, models and the monitoring ranking sort by a chosen column,
/// both ways, ties by id; a window read from the far end (`reverse`) holds
/// the same rows in the same order; a column a list lacks is refused.
async fn lists_sort_by_a_column_both_ways_and_page_alike(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    seed_baselines(&svc).await.unwrap();
    nexml::seed::seed_demo(&svc, chrono::Utc::now())
        .await
        .unwrap();
    let by = |column, descending| Some(ListSort { column, descending });

    let families = |page: &Page<Recipe>| -> Vec<String> {
        page.items
            .iter()
            .map(|r| r.model_family.to_string())
            .collect()
    };
    let up = s
        .list_recipes(&RecipeQuery {
            sort: by(SortColumn::Family, false),
            ..all()
        })
        .await
        .unwrap();
    let mut expected = families(&up);
    expected.sort();
    assert_eq!(families(&up), expected, "ascending by family");
    assert!(up.items.len() > 4, "the demo adds recipes");
    let down = s
        .list_recipes(&RecipeQuery {
            sort: by(SortColumn::Family, true),
            ..all()
        })
        .await
        .unwrap();
    let ids = |items: &[Recipe]| -> Vec<i64> { items.iter().map(|r| r.id).collect() };
    let mut reversed = ids(&up.items);
    reversed.reverse();
    assert_eq!(
        ids(&down.items),
        reversed,
        "descending is the exact reverse, ties too"
    );

    // The last three rows, read from the far end, are the forward list's last three.
    let tail = s
        .list_recipes(&RecipeQuery {
            sort: by(SortColumn::Family, false),
            reverse: true,
            limit: 3,
            ..all()
        })
        .await
        .unwrap();
    assert_eq!(ids(&tail.items), ids(&up.items[up.items.len() - 3..]));

    let models = s
        .list_models(&ModelQuery {
            sort: by(SortColumn::Owner, true),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let owners: Vec<&str> = models.items.iter().map(|m| m.owner.as_str()).collect();
    let mut expected = owners.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(owners, expected, "descending by owner");
    assert!(
        owners.first() != owners.last(),
        "the demo has several owners"
    );

    let ranking = s
        .monitoring_overview(&ModelQuery {
            sort: by(SortColumn::Name, false),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<&str> = ranking
        .items
        .iter()
        .map(|r| r.model.name.as_str())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected, "the monitoring list by name");

    let refused = s
        .list_models(&ModelQuery {
            sort: by(SortColumn::Level, false),
            limit: 10,
            ..Default::default()
        })
        .await;
    assert!(refused.is_err(), "models have no level");
}

contract!(bulk_run_changes_are_all_or_nothing);
/// Tags set on several runs land on all of them or, one refused, on none;
/// cancelling several leaves the ended ones and says so, and cancelling
/// only ended runs is refused with nothing written.
async fn bulk_run_changes_are_all_or_nothing(db: &TestDb) {
    let s = db.store.as_ref();
    let svc = db.service();
    let base = seeded(db).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let new = NewRun {
            recipe_id: base.id,
            version: None,
            model_id: None,
            run_type: RunType::Train,
        };
        ids.push(svc.create_run(new, "alice").await.unwrap().id);
    }
    let tag = |runs: Vec<i64>| TagRuns {
        runs,
        tags: vec![("reviewed".into(), "yes".into())],
    };
    let missing = ids.iter().max().unwrap() + 1000;
    let err = svc
        .tag_runs(tag(vec![ids[0], missing, ids[1]]), "alice")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Kind::NotFound, "{err}");
    for id in &ids {
        let tags = s.run_detail(*id, 0).await.unwrap().tags;
        assert!(
            !tags.contains_key("reviewed"),
            "run {id} was tagged: {tags:?}"
        );
    }
    svc.tag_runs(tag(ids.clone()), "alice").await.unwrap();
    for id in &ids {
        let tags = s.run_detail(*id, 0).await.unwrap().tags;
        assert_eq!(tags.get("reviewed").map(String::as_str), Some("yes"));
    }

    let first = CancelRuns { runs: vec![ids[0]] };
    svc.cancel_runs(first.clone(), "alice").await.unwrap();
    let all = CancelRuns { runs: ids.clone() };
    let done = svc.cancel_runs(all, "bob").await.unwrap();
    let asked: Vec<i64> = done.asked.iter().map(|r| r.id).collect();
    assert_eq!(asked, [ids[1], ids[2]]);
    assert_eq!(
        done.ended.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[0]]
    );
    for id in &ids {
        assert_eq!(s.run(*id).await.unwrap().status, RunStatus::Cancelled);
    }
    let err = svc.cancel_runs(first, "alice").await.unwrap_err();
    assert!(err.to_string().contains("nothing to cancel"), "{err}");
}
