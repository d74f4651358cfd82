//! Recipes as files: export, import into a fresh database of the other
//! backend, export again, and the two folders are the same bytes; an edited
//! export imports as one new version; conflicts refuse the whole import.
//! The source database is SQLite, so they are built with the `sqlite` feature.

#![cfg(feature = "sqlite")]

mod common;

use nexml::domain::Clock;
use nexml::service::changes::{ApproveVersion, CloneRecipe};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

fn run(home: &Path, url: &str, args: &[&str]) -> Output {
    run_as(home, url, "alice", args)
}

fn run_as(home: &Path, url: &str, user: &str, args: &[&str]) -> Output {
    common::nexml_command(home, url, user, args)
        .output()
        .expect("run nexml")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// Two databases: SQLite and, where reachable, PostgreSQL (else a second SQLite).
async fn two_databases() -> (common::TestDb, common::TestDb) {
    let first = common::sqlite().await;
    #[cfg(feature = "postgres")]
    if let Some(pg) = common::postgres("recipe_files").await {
        return (first, pg);
    }
    (first, common::sqlite().await)
}

#[tokio::test]
async fn export_then_import_into_the_other_backend_round_trips_exactly() {
    let (from, to) = two_databases().await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let svc = from.service().with_clock(Clock::Fixed(at));
    nexml::seed::seed_baselines(&svc).await.unwrap();
    nexml::seed::seed_demo(&svc, at).await.unwrap();
    // A second version, approved by someone else, on an industry recipe.
    let shop = svc
        .clone_recipe(
            CloneRecipe::of(
                (from.store.find_recipe("Hospitality Pricing").await.unwrap()).id,
                "Shop Pricing",
            ),
            "carol",
        )
        .await
        .unwrap();
    let mut m = from
        .store
        .version(shop.id, None)
        .await
        .unwrap()
        .manifest_json;
    m["metadata"]["description"] = json!("shops");
    svc.commit_version(
        nexml::store::NewVersion {
            recipe_id: shop.id,
            manifest: m,
            bump: Default::default(),
            change_note: "shops".into(),
            parent_version_id: None,
            base_version: None,
        },
        "carol",
    )
    .await
    .unwrap();
    svc.approve_version(ApproveVersion::latest(shop.id), "dana")
        .await
        .unwrap();

    let home = tempfile::tempdir().unwrap();
    let first = home.path().join("first");
    let second = home.path().join("second");
    let out = ok(run(
        home.path(),
        &from.url,
        &["recipe", "export", "--to", first.to_str().unwrap()],
    ));
    assert!(
        out.contains("exported 'Shop Pricing' (2 versions)"),
        "{out}"
    );
    // Keeping the recorded approvals (ivan may approve each: he wrote none).
    let out = ok(run_as(
        home.path(),
        &to.url,
        "ivan",
        &[
            "recipe",
            "import",
            first.to_str().unwrap(),
            "--keep-approvals",
        ],
    ));
    assert!(
        out.contains("create recipe 'Shop Pricing' with 2 versions"),
        "{out}"
    );
    assert!(
        out.contains("approve 'Shop Pricing' 1.0.1 (approval recorded by dana, imported by ivan)"),
        "{out}"
    );
    ok(run(
        home.path(),
        &to.url,
        &["recipe", "export", "--to", second.to_str().unwrap()],
    ));
    let (a, b) = (tree(&first), tree(&second));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, text) in &a {
        // A version without a recorded approval arrives as the importer's.
        let mut expected = text.clone();
        if path.ends_with(".meta.json") {
            let mut meta: Value = serde_json::from_str(text).unwrap();
            if meta["approved_by"].is_null() {
                meta["created_by"] = json!("ivan");
                expected = format!("{}\n", serde_json::to_string_pretty(&meta).unwrap());
            }
        }
        assert_eq!(
            &expected, &b[path],
            "{path} differs after the round trip ({} -> {})",
            from.name, to.name
        );
    }
    // The same versions, manifests, notes and approvals, read back from the store.
    for recipe in from
        .store
        .list_recipes(&Default::default())
        .await
        .unwrap()
        .items
    {
        let theirs = to.store.find_recipe(&recipe.name).await.unwrap();
        let mine = from.store.versions(recipe.id).await.unwrap();
        let copied = to.store.versions(theirs.id).await.unwrap();
        assert_eq!(mine.len(), copied.len(), "{}", recipe.name);
        for (x, y) in mine.iter().zip(&copied) {
            assert_eq!(
                (
                    &x.version_number,
                    &x.manifest_json,
                    &x.change_note,
                    &x.approved_by,
                    x.approved_at
                ),
                (
                    &y.version_number,
                    &y.manifest_json,
                    &y.change_note,
                    &y.approved_by,
                    y.approved_at
                ),
                "{}",
                recipe.name
            );
        }
        assert_eq!(recipe.status, theirs.status, "{}", recipe.name);
    }
    // Importing the same files again changes nothing.
    let out = ok(run(
        home.path(),
        &to.url,
        &["recipe", "import", first.to_str().unwrap()],
    ));
    assert!(!out.contains("create") && !out.contains("add "), "{out}");
}

#[tokio::test]
async fn an_edited_export_imports_as_one_new_version_and_conflicts_refuse_it_all() {
    let db = common::sqlite().await;
    let svc = db.service();
    nexml::seed::seed_baselines(&svc).await.unwrap();
    let base = db
        .store
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap();
    svc.clone_recipe(CloneRecipe::of(base.id, "Shop Pricing"), "alice")
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("recipes");
    ok(run(
        home.path(),
        &db.url,
        &[
            "recipe",
            "export",
            "Shop Pricing",
            "--to",
            dir.to_str().unwrap(),
        ],
    ));
    let file = dir.join("shop-pricing/versions/1.0.0.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    // A key added: a minor bump.
    manifest["metadata"]["owner_team"] = json!("pricing-guild");
    std::fs::write(&file, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();

    // Preview against the latest version, then a dry run that writes nothing.
    let diff = ok(run(
        home.path(),
        &db.url,
        &[
            "recipe",
            "diff",
            "Shop Pricing",
            "--file",
            file.to_str().unwrap(),
        ],
    ));
    assert!(diff.contains("+") && diff.contains("owner_team"), "{diff}");
    let dry = ok(run(
        home.path(),
        &db.url,
        &["recipe", "import", dir.to_str().unwrap(), "--dry-run"],
    ));
    assert!(
        dry.contains("would add 'Shop Pricing' 1.1.0 (edited 1.0.0 in the files)"),
        "{dry}"
    );
    let shop = db.store.find_recipe("Shop Pricing").await.unwrap();
    assert_eq!(
        db.store.versions(shop.id).await.unwrap().len(),
        1,
        "a dry run writes nothing"
    );

    let out = ok(run(
        home.path(),
        &db.url,
        &["recipe", "import", dir.to_str().unwrap()],
    ));
    assert!(out.contains("add 'Shop Pricing' 1.1.0"), "{out}");
    let versions = db.store.versions(shop.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].version_number, "1.1.0");
    assert_eq!(
        versions[0].manifest_json["metadata"]["owner_team"],
        "pricing-guild"
    );

    // Editing history is a conflict, named, and nothing else is imported.
    ok(run(
        home.path(),
        &db.url,
        &["recipe", "export", "--to", dir.to_str().unwrap()],
    ));
    let old = dir.join("shop-pricing/versions/1.0.0.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    m["metadata"]["description"] = json!("rewritten history");
    std::fs::write(&old, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let other = dir.join("new-one");
    std::fs::create_dir_all(other.join("versions")).unwrap();
    for f in [
        "recipe.json",
        "versions/1.0.0.json",
        "versions/1.0.0.meta.json",
    ] {
        let text = std::fs::read_to_string(dir.join("shop-pricing").join(f)).unwrap();
        std::fs::write(other.join(f), text.replace("Shop Pricing", "New One")).unwrap();
    }
    let refused = run(
        home.path(),
        &db.url,
        &["recipe", "import", dir.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains("'Shop Pricing' 1.0.0 in the files differs"),
        "{err}"
    );
    assert!(
        db.store.find_recipe("New One").await.is_err(),
        "all or nothing"
    );
}

/// `value` as a tool that sorts keys and spells whole numbers as integers
/// (an older export, `jq -S`, JavaScript) writes it.
fn rewritten_by_a_tool(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), rewritten_by_a_tool(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(rewritten_by_a_tool).collect()),
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
        {
            json!(n.as_f64().unwrap() as i64)
        }
        other => other.clone(),
    }
}

/// The changed lines of a unified diff (its `---`/`+++` header left out).
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect()
}

/// Issue 31, bug 10: a one-line change, exported, edited by a tool that
/// sorts keys and respells numbers, diffed with `--file` and imported, is
/// one change everywhere, on every backend; the export reads in the order
/// the app shows, and the stored version keeps its spelling (`4.0`).
#[tokio::test]
async fn a_one_line_change_is_one_change_through_export_edit_and_import() {
    for db in common::backends("one_line_change").await {
        let svc = db.service();
        nexml::seed::seed_baselines(&svc).await.unwrap();
        let base = db
            .store
            .find_recipe("Pricing Optimization Baseline v1")
            .await
            .unwrap();
        svc.clone_recipe(CloneRecipe::of(base.id, "Shop Pricing"), "alice")
            .await
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("recipes");
        let cli = |args: &[&str]| ok(run(home.path(), &db.url, args));
        cli(&[
            "recipe",
            "export",
            "Shop Pricing",
            "--to",
            dir.to_str().unwrap(),
        ]);
        let file = dir.join("shop-pricing/versions/1.0.0.json");
        let exported = std::fs::read_to_string(&file).unwrap();
        // The export is the text the app shows (`recipe show`).
        let shown = cli(&["recipe", "version", "Shop Pricing", "1.0.0"]);
        assert!(shown.contains(exported.trim_end()), "{}", db.name);
        assert!(exported.contains("\"threshold\": 4.0,"), "{exported}");

        let mut manifest: Value = serde_json::from_str(&exported).unwrap();
        manifest["deployment"]["schedule"] = json!("0 5 * * *");
        let edited = serde_json::to_string_pretty(&rewritten_by_a_tool(&manifest)).unwrap();
        assert!(edited.contains("\"threshold\": 4\n"), "{edited}");
        std::fs::write(&file, edited).unwrap();

        let diff = cli(&[
            "recipe",
            "diff",
            "Shop Pricing",
            "--file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(
            changed_lines(&diff),
            [
                "-    \"schedule\": \"30 2 * * *\",",
                "+    \"schedule\": \"0 5 * * *\","
            ],
            "{} {diff}",
            db.name
        );
        let out = cli(&["recipe", "import", dir.to_str().unwrap()]);
        assert!(out.contains("add 'Shop Pricing' 1.0.1"), "{out}");
        let diff = cli(&["recipe", "diff", "Shop Pricing", "1.0.0", "1.0.1"]);
        assert_eq!(changed_lines(&diff).len(), 2, "{} {diff}", db.name);
        let patch = outcome_json(&cli(&[
            "--json",
            "recipe",
            "diff",
            "Shop Pricing",
            "1.0.0",
            "1.0.1",
        ]));
        assert_eq!(
            patch,
            json!([{"op": "replace", "path": "/deployment/schedule", "value": "0 5 * * *"}]),
            "{}",
            db.name
        );
        let stored = cli(&["recipe", "version", "Shop Pricing", "1.0.1"]);
        assert!(stored.contains("\"threshold\": 4.0,"), "{stored}");
        db.cleanup().await;
    }
}

fn outcome_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}
