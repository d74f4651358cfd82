//! End-to-end tests of the `nexml` binary. Every test runs the real executable
//! against its own SQLite database in a temporary directory, with the
//! developer's environment (NEXML_*, HOME, XDG_*) kept out, and checks what a
//! user sees: stdout, `--json` fields, exit statuses and one-line errors.
//!
//! The tests need the `sqlite` feature (every test database is SQLite); the
//! one PostgreSQL test also needs `postgres`.

#![cfg(feature = "sqlite")]

#[path = "common/batches.rs"]
mod batches;
#[path = "common/parquet_file.rs"]
mod parquet_file;

use batches::pricing_batch;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const FORECASTING: &str = "Forecasting Baseline v1";
const PRICING: &str = "Pricing Optimization Baseline v1";
const NBA: &str = "Next Best Action Baseline v1";
const LOCATION: &str = "Location Scoring Baseline v1";
const BASELINES: [&str; 4] = [FORECASTING, PRICING, NBA, LOCATION];

/// One test's world: a temporary home holding the database, config, logs and input files.
struct Db {
    dir: TempDir,
    url: String,
}

impl Db {
    /// An empty SQLite database (created on first use).
    fn new() -> Db {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let url = format!("sqlite://{}/x.db", dir.path().display());
        Db { dir, url }
    }

    /// A database with the four baselines.
    fn seeded() -> Db {
        let db = Db::new();
        success(&nexml(&db, "alice", &["--seed"]));
        db
    }

    /// A temporary home whose database is `url` (for URLs that cannot work).
    fn with_url(url: &str) -> Db {
        Db {
            dir: tempfile::tempdir().expect("creating a temporary directory"),
            url: url.to_string(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes an input file and returns its path as an argument.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).expect("writing an input file");
        path.display().to_string()
    }

    fn write_json(&self, name: &str, value: &Value) -> String {
        self.write(name, &serde_json::to_string_pretty(value).unwrap())
    }
}

/// The command for `nexml --database-url URL --user USER ARGS...`, isolated from
/// the developer's environment: NEXML_* removed, HOME and XDG dirs in the temp dir.
fn command(db: &Db, user: &str, args: &[&str]) -> Command {
    let home = db.dir.path();
    let mut c = Command::new(env!("CARGO_BIN_EXE_nexml"));
    c.env_remove("NEXML_DATABASE_URL")
        .env_remove("NEXML_USER")
        .env_remove("RUST_LOG")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .arg("--database-url")
        .arg(&db.url)
        .arg("--user")
        .arg(user)
        .args(args)
        .stdin(Stdio::null());
    c
}

fn nexml(db: &Db, user: &str, args: &[&str]) -> Output {
    command(db, user, args).output().expect("running nexml")
}

/// `nexml` with `input` on standard input.
fn nexml_stdin(db: &Db, user: &str, args: &[&str], input: &str) -> Output {
    let mut child = command(db, user, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting nexml");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .expect("writing nexml's stdin");
    child.wait_with_output().expect("waiting for nexml")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// Asserts exit status 0 and returns stdout.
#[track_caller]
fn success(out: &Output) -> String {
    assert!(out.status.success(), "expected success\n{}", show(out));
    stdout(out)
}

/// Asserts success and parses stdout as JSON.
#[track_caller]
fn json_of(out: &Output) -> Value {
    let text = success(out);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", show(out)))
}

/// Asserts exit status 1 with nothing on stdout and exactly one stderr line
/// starting `error: `; returns that line.
#[track_caller]
fn refused(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit status 1\n{}",
        show(out)
    );
    assert!(out.stdout.is_empty(), "expected no stdout\n{}", show(out));
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected a one-line error\n{}", show(out));
    assert!(
        lines[0].starts_with("error: "),
        "expected 'error: ...'\n{}",
        show(out)
    );
    lines[0].to_string()
}

/// Asserts the usage exit status 2; returns stderr.
#[track_caller]
fn usage_error(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit status 2\n{}",
        show(out)
    );
    assert!(out.stdout.is_empty(), "expected no stdout\n{}", show(out));
    stderr(out)
}

#[track_caller]
fn assert_contains(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "expected {wanted:?} in:\n{text}");
}

/// The keys of a JSON object, sorted.
#[track_caller]
fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The `name`s of a list's items, in order.
fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items array: {page}"))
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

fn recipe_total(db: &Db) -> i64 {
    json_of(&nexml(db, "alice", &["recipe", "list", "--json"]))["total"]
        .as_i64()
        .unwrap()
}

/// A recipe version's manifest (the latest when `version` is `None`).
fn manifest_of(db: &Db, recipe: &str, version: Option<&str>) -> Value {
    let mut args = vec!["recipe", "version", recipe, "--json"];
    args.extend(version);
    json_of(&nexml(db, "alice", &args))["manifest_json"].clone()
}

/// The version numbers of a recipe, newest first.
fn version_numbers(db: &Db, recipe: &str) -> Vec<String> {
    json_of(&nexml(
        db,
        "alice",
        &["recipe", "versions", recipe, "--json"],
    ))
    .as_array()
    .unwrap()
    .iter()
    .map(|v| v["version_number"].as_str().unwrap().to_string())
    .collect()
}

fn shipped_manifest(family: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds/baselines")
        .join(family)
        .join("manifest.json");
    std::fs::read_to_string(path).expect("reading a shipped baseline manifest")
}

/// Clones the pricing baseline into the industry recipe `name`.
fn clone_pricing(db: &Db, name: &str) {
    success(&nexml(
        db,
        "alice",
        &["recipe", "clone", PRICING, "--name", name],
    ));
}

/// Registers a model from the pricing baseline (approved 1.0.0) and returns its name.
fn pricing_model(db: &Db, name: &str) -> String {
    success(&nexml(
        db,
        "alice",
        &["model", "register", "--recipe", PRICING, "--name", name],
    ));
    name.to_string()
}

const RECIPE_FIELDS: &[&str] = &[
    "id",
    "name",
    "model_family",
    "level",
    "status",
    "parent_id",
    "parent_name",
    "tags",
    "latest_version",
    "approved_version",
    "created_by",
    "created_at",
    "updated_at",
];

const VERSION_SUMMARY_FIELDS: &[&str] = &[
    "version_id",
    "version_number",
    "bump",
    "created_by",
    "created_at",
    "change_note",
    "parent_version_number",
    "approved_by",
    "approved_at",
];

const VERSION_FIELDS: &[&str] = &[
    "version_id",
    "recipe_id",
    "version_number",
    "manifest_json",
    "diff_from_prev",
    "parent_version_id",
    "parent_version_number",
    "overlay_json",
    "bump",
    "created_by",
    "created_at",
    "change_note",
    "approved_by",
    "approved_at",
];

const MODEL_FIELDS: &[&str] = &[
    "id",
    "name",
    "model_family",
    "recipe_id",
    "recipe_name",
    "recipe_version_id",
    "recipe_version",
    "status",
    "owner",
    "created_at",
    "updated_at",
    "run_id",
];

const RUN_FIELDS: &[&str] = &[
    "id",
    "model_id",
    "model_name",
    "recipe_id",
    "recipe_name",
    "recipe_version_id",
    "recipe_version",
    "experiment_id",
    "experiment_name",
    "run_type",
    "status",
    "created_by",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "metrics_json",
    "artifacts_json",
    "logs_text",
    "name",
    "note",
    "status_reason",
    "exit_code",
    "executor",
    "heartbeat_at",
    "cancel_requested_at",
    "log_bytes",
];

/// `run show --json`: the run and what it recorded.
const RUN_DETAIL_EXTRA: &[&str] = &[
    "params",
    "tags",
    "metric_summaries",
    "metric_history",
    "artifact_files",
    "nonfinite_points",
    "inputs",
    "deleted_through_mlflow",
    "logged_models",
    "registered_versions",
];

const SNAPSHOT_FIELDS: &[&str] = &[
    "id",
    "model_id",
    "captured_at",
    "performance_metrics_json",
    "drift_metrics_json",
    "data_freshness_json",
    "alerts_json",
    "created_by",
];

// ---------------------------------------------------------------- seeding

#[test]
fn seed_creates_the_four_baselines_once() {
    let db = Db::new();
    let first = success(&nexml(&db, "alice", &["--seed"]));
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines.len(), 4, "{first}");
    for name in BASELINES {
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("'{name}'")))
            .unwrap_or_else(|| panic!("{name} not reported in:\n{first}"));
        assert!(line.starts_with("created recipe '"), "{line}");
        assert_contains(line, "baseline) version 1.0.0, approved");
    }

    let second = success(&nexml(&db, "alice", &["--seed"]));
    assert_eq!(
        second,
        "nothing to do: all 4 seeded items are already present\n"
    );
    let report = json_of(&nexml(&db, "alice", &["--seed", "--json"]));
    assert_eq!(keys(&report), set(&["created", "unchanged"]));
    assert_eq!(report["created"], json!([]));
    assert_eq!(report["unchanged"].as_array().unwrap().len(), 4);

    let page = json_of(&nexml(&db, "alice", &["recipe", "list", "--json"]));
    assert_eq!(page["total"], 4);
    for r in page["items"].as_array().unwrap() {
        assert_eq!(keys(r), set(RECIPE_FIELDS));
        assert_eq!(r["level"], "baseline");
        assert_eq!(r["status"], "approved");
        assert_eq!(r["approved_version"], "1.0.0");
        assert_eq!(r["created_by"], "nexml-seed");
    }

    // The log file went to the temporary state directory, not the real home.
    if cfg!(target_os = "linux") {
        assert!(
            db.path("state/nexml/nexml.log").exists(),
            "no log file in the temporary XDG_STATE_HOME"
        );
    }
}

#[test]
fn seed_demo_adds_models_in_every_status_with_runs_and_snapshots() {
    let db = Db::new();
    let out = success(&nexml(&db, "alice", &["--seed", "--demo"]));
    assert_contains(&out, "created model '");
    assert_contains(&out, "created 90 daily snapshots for '");

    let models = json_of(&nexml(&db, "alice", &["model", "list", "--json"]));
    assert_eq!(models["total"], 6);
    let statuses: BTreeSet<String> = models["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        statuses,
        set(&["draft", "staging", "production", "retired"])
    );

    let runs = json_of(&nexml(&db, "alice", &["run", "list", "--json"]));
    assert!(runs["total"].as_i64().unwrap() > 0, "{runs}");

    let production = json_of(&nexml(
        &db,
        "alice",
        &["model", "list", "--status", "production", "--json"],
    ));
    assert!(production["total"].as_i64().unwrap() > 0);
    for name in names(&production) {
        let snaps = json_of(&nexml(
            &db,
            "alice",
            &["monitor", "list", &name, "--limit", "1000", "--json"],
        ));
        let snaps = snaps.as_array().unwrap();
        assert_eq!(snaps.len(), 90, "snapshots of {name}");
        // Measured from batches of the recipe's own columns, checked by its
        // rules: the drift covers the manifest's drift columns, and the
        // history's alerts are real rule alerts, some still open.
        let model = production["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name.as_str())
            .unwrap();
        let latest = &snaps[0];
        assert!(
            latest["drift_metrics_json"]["columns"].is_object(),
            "{latest}"
        );
        let alerts = json_of(&nexml(
            &db,
            "alice",
            &["monitor", "alerts", &name, "--json"],
        ));
        let alerts = alerts.as_array().unwrap();
        assert!(
            alerts.iter().any(|a| a["state"] == "open"),
            "{name}: {alerts:?}"
        );
        assert!(
            alerts.iter().any(|a| a["resolved_by"] == "nexml-seed"),
            "{name}"
        );
        // Registered before its history, and the history before now.
        let oldest = snaps.last().unwrap()["captured_at"].as_str().unwrap();
        assert!(
            model["created_at"].as_str().unwrap() < oldest,
            "{model} / {oldest}"
        );
        let now = chrono::Utc::now().to_rfc3339();
        assert!(latest["captured_at"].as_str().unwrap() < now.as_str());
    }
    let now = chrono::Utc::now();
    for run in runs_all(&db) {
        if let Some(started) = run["started_at"].as_str() {
            let started = chrono::DateTime::parse_from_rfc3339(started).unwrap();
            assert!(started <= now, "a run starts in the future: {run}");
        }
    }

    let industry = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "list", "--level", "industry", "--json"],
    ));
    assert_eq!(industry["total"], 2);

    let again = success(&nexml(&db, "alice", &["--seed", "--demo"]));
    assert!(again.starts_with("nothing to do: "), "{again}");
    assert_eq!(
        json_of(&nexml(&db, "alice", &["model", "list", "--json"]))["total"],
        6
    );
}

// ---------------------------------------------------------------- recipes: reading

#[test]
fn recipe_list_as_table_and_json_with_filters_and_paging() {
    let db = Db::seeded();
    clone_pricing(&db, "Grocery Pricing");

    let table = success(&nexml(&db, "alice", &["recipe", "list"]));
    let lines: Vec<&str> = table.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ID", "NAME", "FAMILY", "LEVEL", "STATUS", "LATEST", "UPDATED"
        ]
    );
    assert_eq!(*lines.last().unwrap(), "5 of 5 recipes");
    for name in BASELINES.iter().chain(&["Grocery Pricing"]) {
        assert_contains(&table, name);
    }

    let all = json_of(&nexml(&db, "alice", &["recipe", "list", "--json"]));
    assert_eq!(keys(&all), set(&["items", "total"]));
    assert_eq!(all["total"], 5);
    // Sorted by name.
    assert_eq!(
        names(&all),
        [FORECASTING, "Grocery Pricing", LOCATION, NBA, PRICING]
    );
    let grocery = &all["items"][1];
    assert!(grocery["id"].is_i64());
    assert_eq!(grocery["model_family"], "pricing");
    assert_eq!(grocery["level"], "industry");
    assert_eq!(grocery["status"], "draft");
    assert_eq!(grocery["parent_name"], PRICING);
    assert!(grocery["parent_id"].is_i64());
    assert!(grocery["tags"].is_array());
    assert_eq!(grocery["latest_version"], "1.0.0");
    assert_eq!(grocery["approved_version"], Value::Null);
    assert_eq!(grocery["created_by"], "alice");

    let list = |args: &[&str]| {
        let mut all = vec!["recipe", "list", "--json"];
        all.extend(args);
        json_of(&nexml(&db, "alice", &all))
    };
    let pricing = list(&["--family", "pricing"]);
    assert_eq!(names(&pricing), ["Grocery Pricing", PRICING]);
    assert_eq!(pricing["total"], 2);
    assert_eq!(names(&list(&["--level", "industry"])), ["Grocery Pricing"]);
    assert_eq!(names(&list(&["--status", "draft"])), ["Grocery Pricing"]);
    assert_eq!(list(&["--status", "approved"])["total"], 4);
    assert_eq!(
        names(&list(&["--family", "pricing", "--level", "baseline"])),
        [PRICING]
    );
    // Search covers names, families and tags, ignoring case.
    assert_eq!(names(&list(&["--search", "grocery"])), ["Grocery Pricing"]);
    assert_eq!(names(&list(&["--search", "next_best"])), [NBA]);
    assert_eq!(list(&["--search", "ELASTICITY"])["total"], 2);
    let none = list(&["--search", "no such thing"]);
    assert_eq!(none["total"], 0);
    assert_eq!(none["items"], json!([]));

    let page = list(&["--limit", "2", "--offset", "1"]);
    assert_eq!(page["total"], 5);
    assert_eq!(names(&page), ["Grocery Pricing", LOCATION]);
    let table = success(&nexml(
        &db,
        "alice",
        &["recipe", "list", "--limit", "2", "--offset", "1"],
    ));
    assert_eq!(table.lines().last().unwrap(), "2 of 5 recipes");
}

#[test]
fn recipe_show_versions_and_version_by_id_and_name() {
    let db = Db::seeded();
    let shown = success(&nexml(&db, "alice", &["recipe", "show", PRICING]));
    for (key, value) in [
        ("name:", PRICING),
        ("family:", "pricing"),
        ("level:", "baseline"),
        ("status:", "approved"),
        ("parent:", "-"),
        ("latest version:", "1.0.0"),
        ("approved version:", "1.0.0"),
    ] {
        let line = shown
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key} line in:\n{shown}"));
        assert_eq!(line[key.len()..].trim(), value, "{line}");
    }
    assert_contains(&shown, "VERSION");
    assert_contains(&shown, "initial");

    let id = json_of(&nexml(&db, "alice", &["recipe", "show", PRICING, "--json"]))["id"]
        .as_i64()
        .unwrap();
    let by_id = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "show", &id.to_string(), "--json"],
    ));
    let mut want = set(RECIPE_FIELDS);
    want.extend(set(&["versions", "children"]));
    assert_eq!(keys(&by_id), want);
    assert_eq!(by_id["name"], PRICING);
    assert_eq!(by_id["children"], json!([]));
    assert_eq!(by_id["versions"].as_array().unwrap().len(), 1);
    assert_eq!(keys(&by_id["versions"][0]), set(VERSION_SUMMARY_FIELDS));

    let versions = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "versions", PRICING, "--json"],
    ));
    let v = &versions[0];
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert_eq!(keys(v), set(VERSION_SUMMARY_FIELDS));
    assert_eq!(v["version_number"], "1.0.0");
    assert_eq!(v["bump"], "initial");
    assert_eq!(v["created_by"], "nexml-seed");
    assert_eq!(v["approved_by"], "nexml-seed");
    assert!(v["approved_at"].is_string());
    assert_eq!(v["parent_version_number"], Value::Null);
    let table = success(&nexml(
        &db,
        "alice",
        &["recipe", "versions", &id.to_string()],
    ));
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["VERSION", "BUMP", "BY", "WHEN", "APPROVED", "NOTE"]
    );
    assert_contains(&table, "yes (nexml-seed)");

    // `recipe version` prints the fields, then the manifest.
    let shipped: Value = serde_json::from_str(&shipped_manifest("pricing")).unwrap();
    let text = success(&nexml(&db, "alice", &["recipe", "version", PRICING]));
    assert!(text.starts_with("recipe:"), "{text}");
    assert_contains(&text, "version:         1.0.0");
    let at = text.find("\n{").expect("a manifest after the fields") + 1;
    let printed: Value = serde_json::from_str(&text[at..]).expect("the manifest is JSON");
    assert_eq!(printed, shipped);

    let one = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "version", PRICING, "v1.0.0", "--json"],
    ));
    assert_eq!(keys(&one), set(VERSION_FIELDS));
    assert_eq!(one["version_number"], "1.0.0");
    assert_eq!(one["manifest_json"], shipped);
    assert_eq!(one["diff_from_prev"], json!([]));

    assert_eq!(
        refused(&nexml(
            &db,
            "alice",
            &["recipe", "version", PRICING, "9.9.9"]
        )),
        format!("error: no version '{PRICING} 9.9.9'")
    );
    assert_contains(
        &refused(&nexml(&db, "alice", &["recipe", "version", PRICING, "1.2"])),
        "'1.2' is not a semver version number",
    );
}

// ---------------------------------------------------------------- recipes: writing

#[test]
fn recipe_create_from_a_file_and_from_stdin() {
    let db = Db::seeded();
    let manifest = db.write("m.json", &shipped_manifest("pricing"));
    let out = success(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "create",
            "--name",
            "Acme Pricing",
            "--family",
            "pricing",
            "--level",
            "baseline",
            "--tag",
            "acme",
            "--tag",
            "test",
            "--manifest",
            &manifest,
        ],
    ));
    assert!(
        out.starts_with("created recipe 'Acme Pricing' (id "),
        "{out}"
    );
    assert_contains(&out, "pricing baseline, draft, version 1.0.0)");
    let shown = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "show", "Acme Pricing", "--json"],
    ));
    assert_eq!(shown["tags"], json!(["acme", "test"]));
    assert_eq!(shown["created_by"], "alice");
    assert_eq!(shown["status"], "draft");
    assert_eq!(shown["approved_version"], Value::Null);
    assert_eq!(shown["versions"][0]["change_note"], "Initial version");
    assert_eq!(shown["versions"][0]["approved_by"], Value::Null);

    let created = json_of(&nexml_stdin(
        &db,
        "bob",
        &[
            "recipe",
            "create",
            "--name",
            "Acme Industry",
            "--family",
            "pricing",
            "--level",
            "industry",
            "--parent",
            PRICING,
            "--note",
            "from stdin",
            "--manifest",
            "-",
            "--json",
        ],
        &shipped_manifest("pricing"),
    ));
    assert_eq!(keys(&created), set(RECIPE_FIELDS));
    assert_eq!(created["name"], "Acme Industry");
    assert_eq!(created["level"], "industry");
    assert_eq!(created["parent_name"], PRICING);
    assert_eq!(created["created_by"], "bob");
    let v = &json_of(&nexml(
        &db,
        "alice",
        &["recipe", "versions", "Acme Industry", "--json"],
    ))[0];
    assert_eq!(v["change_note"], "from stdin");
    assert_eq!(v["parent_version_number"], "1.0.0");

    assert_eq!(
        refused(&nexml(
            &db,
            "alice",
            &[
                "recipe",
                "create",
                "--name",
                "Acme Pricing",
                "--family",
                "pricing",
                "--level",
                "baseline",
                "--manifest",
                &manifest,
            ],
        )),
        "error: a recipe with that name already exists"
    );
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &[
                "recipe",
                "create",
                "--name",
                "Orphan",
                "--family",
                "pricing",
                "--level",
                "industry",
                "--manifest",
                &manifest,
            ],
        )),
        "needs a baseline parent (--parent)",
    );
    assert_eq!(recipe_total(&db), 6);
}

#[test]
fn invalid_manifests_are_refused_with_their_place_and_nothing_is_written() {
    let db = Db::seeded();
    let before = recipe_total(&db);
    let create = |manifest: &str| {
        nexml(
            &db,
            "alice",
            &[
                "recipe",
                "create",
                "--name",
                "Broken",
                "--family",
                "pricing",
                "--level",
                "baseline",
                "--manifest",
                manifest,
            ],
        )
    };

    let syntax = db.write("syntax.json", "{\n  \"metadata\": {\n    \"name\": \n}\n");
    let err = refused(&create(&syntax));
    assert_contains(&err, "syntax.json: invalid manifest: 4:1: expected value");

    let err = refused(&nexml_stdin(
        &db,
        "alice",
        &[
            "recipe",
            "create",
            "--name",
            "Broken",
            "--family",
            "pricing",
            "--level",
            "baseline",
            "--manifest",
            "-",
        ],
        "{\"metadata\": [}",
    ));
    assert_contains(&err, "invalid manifest: 1:15:");

    let mut bad: Value = serde_json::from_str(&shipped_manifest("pricing")).unwrap();
    bad["deployment"]["mode"] = json!(42);
    let schema = db.write_json("schema.json", &bad);
    let err = refused(&create(&schema));
    assert_contains(&err, "invalid manifest: /deployment/mode: ");

    let forecasting = db.write("forecasting.json", &shipped_manifest("forecasting"));
    let err = refused(&create(&forecasting));
    assert_contains(
        &err,
        "/metadata/model_family: the manifest says 'forecasting'",
    );

    assert_eq!(recipe_total(&db), before);
    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "show", "Broken"])),
        "error: no recipe 'Broken'"
    );

    // A commit of an invalid manifest adds no version.
    let err = refused(&nexml(
        &db,
        "alice",
        &["recipe", "commit", PRICING, "--manifest", &schema],
    ));
    assert_contains(&err, "/deployment/mode");
    assert_eq!(version_numbers(&db, PRICING), ["1.0.0"]);
}

#[test]
fn clone_makes_an_industry_child_and_commit_bumps_by_the_change() {
    let db = Db::seeded();
    let out = success(&nexml(
        &db,
        "alice",
        &["recipe", "clone", PRICING, "--name", "Grocery Pricing"],
    ));
    assert_eq!(
        out.lines().next().unwrap().split(" (id ").next().unwrap(),
        format!("cloned from '{PRICING}' as recipe 'Grocery Pricing'")
    );
    assert_contains(&out, "pricing industry, draft, version 1.0.0)");
    let shown = success(&nexml(&db, "alice", &["recipe", "show", "Grocery Pricing"]));
    assert_contains(&shown, "level:             industry");
    assert_contains(&shown, &format!("parent:            {PRICING}"));
    let parent = json_of(&nexml(&db, "alice", &["recipe", "show", PRICING, "--json"]));
    assert_eq!(parent["children"], json!(["Grocery Pricing"]));
    let v1 = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "version", "Grocery Pricing", "--json"],
    ));
    assert_eq!(v1["manifest_json"]["metadata"]["name"], "Grocery Pricing");
    assert_eq!(v1["parent_version_number"], "1.0.0");

    let commit = |manifest: &Value, extra: &[&str]| {
        let path = db.write_json("next.json", manifest);
        let mut args = vec!["recipe", "commit", "Grocery Pricing", "--manifest", &path];
        args.extend(extra);
        nexml(&db, "alice", &args)
    };
    let mut m = manifest_of(&db, "Grocery Pricing", None);

    // A key added: minor.
    m["metadata"]["region"] = json!("eu");
    let out = success(&commit(&m, &["--note", "add region"]));
    assert_eq!(
        out,
        "committed 'Grocery Pricing' 1.1.0 (minor bump, 1 change)\n"
    );

    // A value changed: patch.
    m["deployment"]["schedule"] = json!("0 3 * * *");
    let outcome = json_of(&commit(&m, &["--json"]));
    assert_eq!(keys(&outcome), set(&["outcome", "version"]));
    assert_eq!(outcome["outcome"], "created");
    assert_eq!(keys(&outcome["version"]), set(VERSION_FIELDS));
    assert_eq!(outcome["version"]["version_number"], "1.1.1");
    assert_eq!(outcome["version"]["bump"], "patch");
    assert_eq!(outcome["version"]["created_by"], "alice");
    let patch = outcome["version"]["diff_from_prev"].as_array().unwrap();
    assert_eq!(patch.len(), 1, "{patch:?}");
    assert_eq!(patch[0]["op"], "replace");
    assert_eq!(patch[0]["path"], "/deployment/schedule");

    // A key removed: major.
    m["metadata"].as_object_mut().unwrap().remove("region");
    let out = success(&commit(&m, &[]));
    assert_eq!(
        out,
        "committed 'Grocery Pricing' 2.0.0 (major bump, 1 change)\n"
    );

    // The same manifest again: nothing committed.
    let out = success(&commit(&m, &[]));
    assert_eq!(
        out,
        "no change: the manifest is identical to 'Grocery Pricing' 2.0.0; nothing was committed\n"
    );
    let same = json_of(&commit(&m, &["--json"]));
    assert_eq!(same["outcome"], "unchanged");
    assert_eq!(same["version"]["version_number"], "2.0.0");
    assert_eq!(version_numbers(&db, "Grocery Pricing").len(), 4);

    // --bump overrides the rule.
    m["deployment"]["schedule"] = json!("0 4 * * *");
    let out = success(&commit(&m, &["--bump", "major"]));
    assert_eq!(
        out,
        "committed 'Grocery Pricing' 3.0.0 (major bump, 1 change)\n"
    );
    assert_eq!(
        version_numbers(&db, "Grocery Pricing"),
        ["3.0.0", "2.0.0", "1.1.1", "1.1.0", "1.0.0"]
    );
    let versions = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "versions", "Grocery Pricing", "--json"],
    ));
    assert_eq!(versions[3]["change_note"], "add region");
    assert_eq!(versions[3]["bump"], "minor");

    // Below client there is nothing to clone into.
    success(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "clone",
            "Grocery Pricing",
            "--name",
            "Acme Grocery",
        ],
    ));
    let client = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "show", "Acme Grocery", "--json"],
    ));
    assert_eq!(client["level"], "client");
    assert_eq!(client["parent_name"], "Grocery Pricing");
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &["recipe", "clone", "Acme Grocery", "--name", "Deeper"],
        )),
        "'Acme Grocery' is a client recipe: there is no level below it",
    );
}

#[test]
fn approval_once_and_the_four_eyes_rule() {
    let db = Db::seeded();
    clone_pricing(&db, "Grocery Pricing");
    assert_eq!(
        success(&nexml(
            &db,
            "alice",
            &["recipe", "approve", "Grocery Pricing"]
        )),
        "approved 'Grocery Pricing' 1.0.0 (by alice)\n"
    );
    let shown = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "show", "Grocery Pricing", "--json"],
    ));
    assert_eq!(shown["status"], "approved");
    assert_eq!(shown["approved_version"], "1.0.0");
    let err = refused(&nexml(
        &db,
        "bob",
        &["recipe", "approve", "Grocery Pricing"],
    ));
    assert_contains(
        &err,
        "version 1.0.0 of 'Grocery Pricing' is already approved (by alice at ",
    );

    // A newer unapproved version: changes pending.
    let mut m = manifest_of(&db, "Grocery Pricing", None);
    m["deployment"]["schedule"] = json!("0 3 * * *");
    let path = db.write_json("next.json", &m);
    success(&nexml(
        &db,
        "alice",
        &["recipe", "commit", "Grocery Pricing", "--manifest", &path],
    ));
    let shown = success(&nexml(&db, "alice", &["recipe", "show", "Grocery Pricing"]));
    assert_contains(&shown, "status:            approved (changes pending)");

    // Four eyes: the author cannot approve; someone else can.
    let config = db.write("config.toml", "[governance]\ndistinct_approver = true\n");
    let err = refused(&nexml(
        &db,
        "alice",
        &["--config", &config, "recipe", "approve", "Grocery Pricing"],
    ));
    assert_contains(
        &err,
        "four-eyes rule: alice wrote version 1.0.1 of 'Grocery Pricing'",
    );
    let latest = &json_of(&nexml(
        &db,
        "alice",
        &["recipe", "versions", "Grocery Pricing", "--json"],
    ))[0];
    assert_eq!(latest["approved_by"], Value::Null);
    let out = success(&nexml(
        &db,
        "bob",
        &[
            "--config",
            &config,
            "recipe",
            "approve",
            "Grocery Pricing",
            "--version",
            "1.0.1",
            "--json",
        ],
    ));
    let approved: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys(&approved), set(VERSION_SUMMARY_FIELDS));
    assert_eq!(approved["version_number"], "1.0.1");
    assert_eq!(approved["approved_by"], "bob");
    assert_eq!(approved["created_by"], "alice");

    // A bad config file is named with its line and column.
    let bad = db.write("bad.toml", "[governance]\ndistinct_approvr = true\n");
    let err = refused(&nexml(&db, "alice", &["--config", &bad, "recipe", "list"]));
    assert_contains(&err, "bad.toml: 2:1: unknown field `distinct_approvr`");
}

#[test]
fn recipe_update_archive_restore_and_example() {
    let db = Db::seeded();
    clone_pricing(&db, "Grocery Pricing");
    let out = success(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "update",
            "Grocery Pricing",
            "--name",
            "Grocer Pricing",
            "--tag",
            "grocery",
        ],
    ));
    assert!(out.starts_with("updated recipe 'Grocer Pricing'"), "{out}");
    let r = json_of(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "update",
            "Grocer Pricing",
            "--clear-tags",
            "--json",
        ],
    ));
    assert_eq!(r["tags"], json!([]));
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &["recipe", "update", "Grocer Pricing"],
        )),
        "nothing to change",
    );

    // Only approved recipes can be archived; archived ones take no versions.
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &["recipe", "archive", "Grocer Pricing"],
        )),
        "recipe is draft: cannot move to archived (allowed next: approved)",
    );
    success(&nexml(
        &db,
        "alice",
        &["recipe", "approve", "Grocer Pricing"],
    ));
    let out = success(&nexml(
        &db,
        "alice",
        &["recipe", "archive", "Grocer Pricing"],
    ));
    assert!(out.starts_with("archived recipe 'Grocer Pricing'"), "{out}");
    let path = db.write_json("m.json", &manifest_of(&db, "Grocer Pricing", None));
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &[
                "recipe",
                "commit",
                "Grocer Pricing",
                "--manifest",
                &path,
                "--bump",
                "patch",
            ],
        )),
        "recipe 'Grocer Pricing' is archived",
    );
    let r = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "restore", "Grocer Pricing", "--json"],
    ));
    assert_eq!(r["status"], "draft");

    // The synthetic example of a baseline; a clone has none until one is set.
    let text = success(&nexml(&db, "alice", &["recipe", "example", PRICING]));
    assert!(
        text.starts_with(&format!("synthetic example of '{PRICING}'")),
        "{text}"
    );
    assert_contains(&text, "sample rows: ");
    let example = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "example", PRICING, "--json"],
    ));
    assert_eq!(
        keys(&example),
        set(&[
            "id",
            "recipe_id",
            "dataset_schema_json",
            "sample_rows_json",
            "example_run_json",
            "created_at"
        ])
    );
    assert_eq!(
        refused(&nexml(
            &db,
            "alice",
            &["recipe", "example", "Grocer Pricing"]
        )),
        "error: recipe 'Grocer Pricing' has no synthetic example"
    );
    let file = db.write_json(
        "example.json",
        &json!({
            "dataset_schema": {"columns": [{"name": "sku_id", "type": "string", "description": "SKU"}]},
            "sample_rows": [{"sku_id": "A1"}],
            "example_run": {"metrics": {"mae": 1.0}},
        }),
    );
    let set_example = json_of(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "example",
            "Grocer Pricing",
            "--set",
            &file,
            "--json",
        ],
    ));
    assert_eq!(set_example["sample_rows_json"], json!([{"sku_id": "A1"}]));
    let text = success(&nexml(
        &db,
        "alice",
        &["recipe", "example", "Grocer Pricing"],
    ));
    assert_contains(&text, "sku_id");
    assert_contains(&text, "sample rows: 1");
}

// ---------------------------------------------------------------- models

#[test]
fn models_come_only_from_approved_versions_and_follow_the_lifecycle() {
    let db = Db::seeded();
    clone_pricing(&db, "Grocery Pricing");
    let register = |extra: &[&str]| {
        let mut args = vec!["model", "register", "--recipe", "Grocery Pricing"];
        args.extend(extra);
        nexml(&db, "alice", &args)
    };
    assert_eq!(
        refused(&register(&["--name", "gp"])),
        "error: recipe 'Grocery Pricing' has no approved version: approve one first"
    );
    let err = refused(&register(&["--name", "gp", "--version", "1.0.0"]));
    assert!(
        err.starts_with("error: version 1.0.0 of 'Grocery Pricing' is not approved"),
        "{err}"
    );

    success(&nexml(
        &db,
        "alice",
        &["recipe", "approve", "Grocery Pricing"],
    ));
    let mut m = manifest_of(&db, "Grocery Pricing", None);
    m["deployment"]["schedule"] = json!("0 3 * * *");
    let path = db.write_json("next.json", &m);
    success(&nexml(
        &db,
        "alice",
        &["recipe", "commit", "Grocery Pricing", "--manifest", &path],
    ));
    let err = refused(&register(&["--name", "gp", "--version", "1.0.1"]));
    assert_contains(
        &err,
        "version 1.0.1 of 'Grocery Pricing' is not approved (latest approved: 1.0.0)",
    );

    // The latest approved version by default, the acting user as owner.
    let out = success(&register(&["--name", "gp"]));
    assert!(out.starts_with("registered model 'gp' (id "), "{out}");
    assert_contains(&out, "draft, from 'Grocery Pricing' 1.0.0, owner alice)");
    let other = json_of(&register(&[
        "--name", "gp-carol", "--owner", "carol", "--json",
    ]));
    assert_eq!(keys(&other), set(MODEL_FIELDS));
    assert_eq!(other["owner"], "carol");
    assert_eq!(other["status"], "draft");
    assert_eq!(other["recipe_name"], "Grocery Pricing");
    assert_eq!(other["recipe_version"], "1.0.0");
    assert_eq!(other["model_family"], "pricing");
    assert_eq!(
        refused(&register(&["--name", "gp"])),
        "error: a model with that name already exists"
    );

    // The lifecycle: draft -> staging -> production -> retired.
    let promote = |to: &str| nexml(&db, "alice", &["model", "promote", "gp", to]);
    assert_eq!(
        refused(&promote("production")),
        "error: model is draft: cannot move to production (allowed next: staging)"
    );
    assert_eq!(
        success(&promote("staging")),
        "model 'gp': draft -> staging\n"
    );
    // Production is gated on an eval that meets the recipe's thresholds.
    assert_contains(
        &refused(&promote("production")),
        "has no succeeded eval or backtest run",
    );
    success(&nexml(
        &db,
        "alice",
        &["run", "exec", "--model", "gp", "--type", "eval"],
    ));
    let prod = json_of(&nexml(
        &db,
        "alice",
        &["model", "promote", "gp", "production", "--json"],
    ));
    assert_eq!(prod["status"], "production");
    assert_eq!(
        refused(&promote("staging")),
        "error: model is production: cannot move to staging (allowed next: retired)"
    );
    assert_eq!(
        success(&promote("retired")),
        "model 'gp': production -> retired\n"
    );
    assert_eq!(
        refused(&promote("draft")),
        "error: model is retired: cannot move to draft (retired is final)"
    );
    usage_error(&promote("live"));

    let out = success(&nexml(
        &db,
        "alice",
        &["model", "update", "gp", "--owner", "bob"],
    ));
    assert_contains(&out, "owner bob)");
    let shown = json_of(&nexml(&db, "alice", &["model", "show", "gp", "--json"]));
    assert_eq!(keys(&shown), set(MODEL_FIELDS));
    assert_eq!(shown["owner"], "bob");
    assert_eq!(shown["status"], "retired");
    let text = success(&nexml(&db, "alice", &["model", "show", "gp"]));
    assert_contains(&text, "owner:    bob");
    assert_contains(&text, "history:");
    assert_contains(&text, "register");
    assert_contains(&text, "production → retired");
    // An owner change names both owners, not an empty line.
    assert_contains(&text, "owner alice → bob");
    assert_contains(
        &refused(&nexml(&db, "alice", &["model", "update", "gp"])),
        "nothing to change: give --name or --owner",
    );

    let list = |args: &[&str]| {
        let mut all = vec!["model", "list", "--json"];
        all.extend(args);
        json_of(&nexml(&db, "alice", &all))
    };
    assert_eq!(
        names(&list(&["--recipe", "Grocery Pricing"])),
        ["gp", "gp-carol"]
    );
    assert_eq!(names(&list(&["--status", "retired"])), ["gp"]);
    assert_eq!(names(&list(&["--owner", "carol"])), ["gp-carol"]);
    assert_eq!(list(&["--family", "forecasting"])["total"], 0);
    let table = success(&nexml(&db, "alice", &["model", "list"]));
    assert_eq!(table.lines().last().unwrap(), "2 of 2 models");
    assert_eq!(
        refused(&nexml(&db, "alice", &["model", "show", "nope"])),
        "error: no model 'nope'"
    );
}

// ---------------------------------------------------------------- runs

#[test]
fn runs_are_queued_run_finish_with_metrics_and_keep_a_log() {
    let db = Db::seeded();
    let out = success(&nexml(
        &db,
        "alice",
        &["run", "create", "--recipe", PRICING, "--type", "train"],
    ));
    assert!(out.starts_with("created run "), "{out}");
    assert_contains(&out, &format!("(train of '{PRICING}' 1.0.0, queued)"));

    let run = json_of(&nexml(
        &db,
        "alice",
        &[
            "run", "create", "--recipe", PRICING, "--type", "eval", "--json",
        ],
    ));
    assert_eq!(keys(&run), set(RUN_FIELDS));
    assert_eq!(run["status"], "queued");
    assert_eq!(run["run_type"], "eval");
    assert_eq!(run["recipe_name"], PRICING);
    assert_eq!(run["recipe_version"], "1.0.0");
    assert_eq!(run["model_id"], Value::Null);
    assert_eq!(run["started_at"], Value::Null);
    assert_eq!(run["metrics_json"], json!({}));
    assert_eq!(run["logs_text"], "");
    let id = run["id"].as_i64().unwrap().to_string();
    let update = |args: &[&str]| {
        let mut all = vec!["run", "update", id.as_str()];
        all.extend(args);
        nexml(&db, "alice", &all)
    };

    assert_eq!(
        refused(&update(&["--status", "succeeded"])),
        "error: run is queued: cannot move to succeeded (allowed next: running, cancelled)"
    );
    assert_eq!(
        success(&update(&["--status", "running"])),
        format!("updated run {id} (running)\n")
    );
    success(&update(&[
        "--status",
        "succeeded",
        "--metrics",
        r#"{"mape":0.1}"#,
    ]));
    success(&update(&["--append-log", "epoch 1 done"]));
    success(&nexml_stdin(
        &db,
        "alice",
        &["run", "update", &id, "--append-log", "-"],
        "from stdin\n",
    ));
    assert_eq!(
        success(&nexml(&db, "alice", &["run", "logs", &id])),
        "epoch 1 done\nfrom stdin\n"
    );
    let logs = json_of(&nexml(&db, "alice", &["run", "logs", &id, "--json"]));
    assert_eq!(
        logs,
        json!({"id": run["id"], "logs_text": "epoch 1 done\nfrom stdin\n"})
    );

    let shown = json_of(&nexml(&db, "alice", &["run", "show", &id, "--json"]));
    let detail: Vec<&str> = RUN_FIELDS.iter().chain(RUN_DETAIL_EXTRA).copied().collect();
    assert_eq!(keys(&shown), set(&detail));
    assert_eq!(shown["status"], "succeeded");
    assert_eq!(shown["metrics_json"], json!({"mape": 0.1}));
    assert!(shown["started_at"].is_string());
    assert!(shown["finished_at"].is_string());
    assert_eq!(shown["created_by"], "alice");
    let text = success(&nexml(&db, "alice", &["run", "show", &id]));
    assert_contains(&text, "status:    succeeded");
    assert_contains(&text, "\"mape\": 0.1");

    // Metrics merge; invalid JSON names the flag.
    let merged = json_of(&update(&["--metrics", r#"{"rmse":2}"#, "--json"]));
    assert_eq!(merged["metrics_json"], json!({"mape": 0.1, "rmse": 2}));
    let err = refused(&update(&["--metrics", r#"{"mape":"#]));
    assert!(err.starts_with("error: --metrics: 1:8: "), "{err}");
    assert_eq!(
        refused(&update(&["--metrics", "[1]"])),
        "error: metrics must be a JSON object"
    );
    assert_contains(&refused(&update(&[])), "nothing to change");

    // A run of a model takes the model's recipe and version.
    let model = pricing_model(&db, "pm");
    let run = json_of(&nexml(
        &db,
        "alice",
        &[
            "run", "create", "--model", &model, "--type", "backtest", "--json",
        ],
    ));
    assert_eq!(run["model_name"], "pm");
    assert_eq!(run["recipe_name"], PRICING);
    usage_error(&nexml(&db, "alice", &["run", "create", "--type", "eval"]));

    let runs = json_of(&nexml(&db, "alice", &["run", "list", "--json"]));
    assert_eq!(keys(&runs), set(&["items", "total"]));
    assert_eq!(runs["total"], 3);
    let ids: Vec<i64> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    // List rows never carry the log (it may be megabytes); `run show` does.
    let listed: Vec<&str> = RUN_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "logs_text")
        .collect();
    for row in runs["items"].as_array().unwrap() {
        assert_eq!(keys(row), set(&listed), "{row}");
    }
    let done = json_of(&nexml(
        &db,
        "alice",
        &["run", "list", "--status", "succeeded", "--json"],
    ));
    assert_eq!(done["total"], 1);
    let table = success(&nexml(&db, "alice", &["run", "list"]));
    assert_eq!(table.lines().last().unwrap(), "3 of 3 runs");
    assert_contains(&table, "mape 0.1");
    assert_eq!(
        refused(&nexml(&db, "alice", &["run", "show", "999999"])),
        "error: no run '999999'"
    );
}

// ---------------------------------------------------------------- monitoring

#[test]
fn monitor_add_and_list_snapshots() {
    let db = Db::seeded();
    let model = pricing_model(&db, "pm");
    let snapshot = db.write_json(
        "snap.json",
        &json!({
            "captured_at": "2020-01-31T06:00:00Z",
            "performance": {"mape": 0.12},
            "drift": {"unit_price": {"psi": 0.3}, "unit_cost": {"psi": 0.05}},
            "freshness": {"staleness_hours": 5},
        }),
    );
    let out = success(&nexml(
        &db,
        "alice",
        &["monitor", "add", &model, "--snapshot", &snapshot],
    ));
    assert!(out.starts_with("added snapshot "), "{out}");
    assert_contains(&out, "to 'pm' at 2020-01-31 06:00");
    // Checked against the recipe's rules like any snapshot: all within.
    assert_contains(&out, "ok    revenue_mape_breach");
    assert!(!out.contains("FIRED"), "{out}");

    let now = db.write_json("now.json", &json!({"performance": {"mape": 0.2}}));
    let added = json_of(&nexml(
        &db,
        "bob",
        &["monitor", "add", &model, "--snapshot", &now, "--json"],
    ));
    assert_eq!(added["alerts"], json!([]));
    assert_eq!(added["rules"].as_array().map(Vec::len), Some(4));
    let saved = added["snapshot"].clone();
    assert_eq!(keys(&saved), set(SNAPSHOT_FIELDS));
    assert_eq!(saved["performance_metrics_json"], json!({"mape": 0.2}));
    assert_eq!(saved["drift_metrics_json"], json!({}));
    assert_eq!(saved["alerts_json"], json!([]));
    assert_eq!(saved["created_by"], "bob");

    let table = success(&nexml(&db, "alice", &["monitor", "list", &model]));
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ID",
            "CAPTURED",
            "PERFORMANCE",
            "WORST",
            "DRIFT",
            "STALENESS",
            "H",
            "ALERTS"
        ]
    );
    assert_contains(&table, "mape=0.1200");
    assert_contains(&table, "unit_price 0.300");
    assert_eq!(table.lines().last().unwrap(), "2 snapshots of 'pm'");

    let list = json_of(&nexml(&db, "alice", &["monitor", "list", &model, "--json"]));
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], saved["id"], "newest first");
    assert_eq!(items[1]["captured_at"], "2020-01-31T06:00:00Z");
    assert_eq!(keys(&items[1]), set(SNAPSHOT_FIELDS));
    let one = json_of(&nexml(
        &db,
        "alice",
        &["monitor", "list", &model, "--limit", "1", "--json"],
    ));
    assert_eq!(one.as_array().unwrap().len(), 1);

    // Bad snapshots are refused and add nothing.
    let bad = db.write_json("bad.json", &json!({"performance": [1]}));
    assert_eq!(
        refused(&nexml(
            &db,
            "alice",
            &["monitor", "add", &model, "--snapshot", &bad]
        )),
        "error: snapshot performance must be a JSON object"
    );
    let when = db.write_json("when.json", &json!({"captured_at": "yesterday"}));
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &["monitor", "add", &model, "--snapshot", &when],
        )),
        "captured_at 'yesterday'",
    );
    let syntax = db.write("syntax.json", "{\"performance\":\n");
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &["monitor", "add", &model, "--snapshot", &syntax],
        )),
        "syntax.json:2:",
    );
    assert_eq!(
        json_of(&nexml(&db, "alice", &["monitor", "list", &model, "--json"]))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        refused(&nexml(&db, "alice", &["monitor", "list", "nope"])),
        "error: no model 'nope'"
    );
}

// ---------------------------------------------------------------- deletion

#[test]
fn delete_is_refused_while_anything_depends_on_the_recipe() {
    let db = Db::seeded();
    clone_pricing(&db, "Grocery Pricing");
    success(&nexml(
        &db,
        "alice",
        &["recipe", "approve", "Grocery Pricing"],
    ));
    success(&nexml(
        &db,
        "alice",
        &[
            "model",
            "register",
            "--recipe",
            "Grocery Pricing",
            "--name",
            "gp",
        ],
    ));
    success(&nexml(
        &db,
        "alice",
        &[
            "run",
            "create",
            "--recipe",
            "Grocery Pricing",
            "--type",
            "train",
        ],
    ));

    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "delete", PRICING])),
        format!(
            "error: recipe '{PRICING}' cannot be deleted: 1 child recipe (Grocery Pricing) depend on it"
        )
    );
    assert_eq!(
        refused(&nexml(
            &db,
            "alice",
            &["recipe", "delete", "Grocery Pricing"]
        )),
        "error: recipe 'Grocery Pricing' cannot be deleted: 1 model (gp), 1 run depend on it"
    );
    assert_eq!(recipe_total(&db), 5);

    success(&nexml(
        &db,
        "alice",
        &["recipe", "clone", FORECASTING, "--name", "Scratch"],
    ));
    let out = success(&nexml(&db, "alice", &["recipe", "delete", "Scratch"]));
    assert!(out.starts_with("deleted recipe 'Scratch' ("), "{out}");
    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "show", "Scratch"])),
        "error: no recipe 'Scratch'"
    );
    success(&nexml(
        &db,
        "alice",
        &["recipe", "clone", FORECASTING, "--name", "Scratch 2"],
    ));
    let id = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "show", "Scratch 2", "--json"],
    ))["id"]
        .clone();
    let deleted = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "delete", "Scratch 2", "--json"],
    ));
    assert_eq!(deleted, json!({"deleted": id, "name": "Scratch 2"}));
    assert_eq!(recipe_total(&db), 5);
    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "delete", "nope"])),
        "error: no recipe 'nope'"
    );
}

// ---------------------------------------------------------------- exit statuses and errors

#[test]
fn usage_errors_exit_2_and_missing_things_exit_1() {
    let db = Db::seeded();
    let manifest = db.write("m.json", &shipped_manifest("pricing"));
    assert_contains(
        &usage_error(&nexml(&db, "alice", &["recipe", "frobnicate"])),
        "unrecognized subcommand 'frobnicate'",
    );
    usage_error(&nexml(&db, "alice", &["frobnicate"]));
    usage_error(&nexml(&db, "alice", &["recipe"]));
    assert_contains(
        &usage_error(&nexml(
            &db,
            "alice",
            &["recipe", "list", "--family", "gold"],
        )),
        "unknown model family 'gold' (expected one of: forecasting, pricing, next_best_action, location_scoring)",
    );
    usage_error(&nexml(
        &db,
        "alice",
        &["recipe", "list", "--level", "global"],
    ));
    usage_error(&nexml(
        &db,
        "alice",
        &["run", "create", "--recipe", PRICING, "--type", "deploy"],
    ));
    usage_error(&nexml(&db, "alice", &["run", "show", "abc"]));
    usage_error(&nexml(&db, "alice", &["--demo"]));
    assert_contains(
        &usage_error(&nexml(
            &db,
            "alice",
            &[
                "recipe",
                "commit",
                PRICING,
                "--manifest",
                &manifest,
                "--bump",
                "huge",
            ],
        )),
        "unknown bump 'huge'",
    );

    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "show", "nope"])),
        "error: no recipe 'nope'"
    );
    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "show", "nope", "--json"])),
        "error: no recipe 'nope'"
    );
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &[
                "recipe",
                "commit",
                PRICING,
                "--manifest",
                "/no/such/file.json",
            ],
        )),
        "/no/such/file.json",
    );

    let help = success(&nexml(&db, "alice", &["--help"]));
    for command in ["recipe", "model", "run", "monitor", "generate"] {
        assert_contains(&help, command);
    }
    assert_eq!(
        success(&nexml(&db, "alice", &["--version"])),
        format!("nexml {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[cfg(feature = "postgres")]
#[test]
fn an_unreachable_postgres_fails_at_once_in_one_line() {
    use std::time::{Duration, Instant};
    let db = Db::with_url("postgres://nexml:secret@127.0.0.1:1/nexml");
    let started = Instant::now();
    let err = refused(&nexml(&db, "alice", &["recipe", "list"]));
    assert!(
        err.starts_with(
            "error: database URL 'postgres://nexml:***@127.0.0.1:1/nexml': cannot connect: "
        ),
        "{err}"
    );
    assert!(!err.contains("secret"), "the password leaked: {err}");
    assert!(
        err.to_lowercase().contains("refused"),
        "the cause (connection refused) is not named: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a closed port took {:?} to report",
        started.elapsed()
    );
}

#[test]
fn an_unknown_url_scheme_is_one_line() {
    let db = Db::with_url("mysql://localhost/nexml");
    assert_eq!(
        refused(&nexml(&db, "alice", &["recipe", "list"])),
        "error: database URL 'mysql://localhost/nexml': unknown scheme (expected sqlite:PATH or postgres://...)"
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let db = Db::seeded();
    for args in [
        &["recipe", "version", PRICING, "--json"][..],
        &["recipe", "list"][..],
    ] {
        let mut child = command(&db, "alice", args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting nexml");
        // The reader goes away before nexml writes, as `nexml ... | head -1` can.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("waiting for nexml");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
        assert!(out.status.success(), "{args:?}:\n{}", show(&out));
    }
}

// ---------------------------------------------------------------- generate

#[test]
fn generate_adds_content_at_scale() {
    let db = Db::new();
    let report = json_of(&nexml(
        &db,
        "alice",
        &[
            "generate",
            "--recipes",
            "1",
            "--models",
            "2",
            "--runs",
            "20",
            "--snapshots",
            "10",
            "--json",
        ],
    ));
    assert_eq!(
        report,
        json!({"recipes": 1, "models": 2, "runs": 20, "snapshots": 10})
    );
    assert_eq!(recipe_total(&db), 5);
    let runs = json_of(&nexml(&db, "alice", &["run", "list", "--json"]));
    assert_eq!(runs["total"], 20);
}

/// A command that wrote leaves the write-ahead log empty: the next
/// process to open the database alone would otherwise read every frame
/// left in it before its first query (each start of the app paid for what
/// `generate` left).
#[test]
fn a_command_that_wrote_leaves_no_write_ahead_log_to_read() {
    let db = Db::new();
    success(&nexml(
        &db,
        "alice",
        &[
            "generate",
            "--models",
            "2",
            "--runs",
            "3000",
            "--snapshots",
            "100",
        ],
    ));
    let log = db.path("x.db-wal");
    let left = std::fs::metadata(&log).map_or(0, |m| m.len());
    assert_eq!(
        left,
        0,
        "{} holds {left} bytes after generate",
        log.display()
    );
    // And the database is whole: what was written is read back.
    let runs = json_of(&nexml(
        &db,
        "alice",
        &["run", "list", "--limit", "1", "--json"],
    ));
    assert_eq!(runs["total"], 3000);
}

#[test]
fn chat_proposes_and_applies_and_ingest_raises_alerts() {
    let db = &Db::seeded();
    let out = nexml(
        db,
        "alice",
        &[
            "recipe",
            "clone",
            "Pricing Optimization Baseline v1",
            "--name",
            "Shop Pricing",
        ],
    );
    assert!(out.status.success());
    // A proposal is shown and nothing is written without --apply.
    let out = nexml(
        db,
        "alice",
        &[
            "chat",
            "--recipe",
            "Shop Pricing",
            "make MAPE under 12%",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["intent"], "set_metric_threshold");
    assert_eq!(reply["proposal"]["kind"], "edit");
    assert!(reply["applied"].is_null());
    let out = nexml(
        db,
        "alice",
        &[
            "chat",
            "--recipe",
            "Shop Pricing",
            "make MAPE under 12%",
            "--apply",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("applied: saved 'Shop Pricing' 1.0.1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = nexml(
        db,
        "alice",
        &["recipe", "version", "Shop Pricing", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The note says what the change does, not what was typed.
    let note = v["change_note"].as_str().unwrap_or("");
    assert!(
        note.starts_with("Chat: mape threshold: 0.3 -> 0.12"),
        "{note}"
    );

    // A follow-up leans on the question before it.
    let ask = |text: &str| {
        let out = nexml(
            db,
            "alice",
            &["chat", "--recipe", "Shop Pricing", text, "--json"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    ask("what's the latency budget on the quote endpoint?");
    let reply = ask("cut it to 100ms");
    assert_eq!(reply["proposal"]["kind"], "edit", "{reply}");
    assert!(
        reply["text"]
            .as_str()
            .unwrap_or("")
            .contains("latency budget ms: 150 -> 100"),
        "{reply}"
    );
    // A further change stacks on the proposal not yet applied; applying
    // saves both in one version.
    let out = nexml(
        db,
        "alice",
        &[
            "chat",
            "--recipe",
            "Shop Pricing",
            "endpoint: 3 replicas",
            "--apply",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Added to the proposal not yet applied"),
        "{text}"
    );
    let out = nexml(
        db,
        "alice",
        &["recipe", "version", "Shop Pricing", "--json"],
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["change_note"], "Chat: latency budget ms: 150 -> 100; replicas: 2 -> 3",
        "{shown}"
    );
    let manifest = &shown["manifest_json"];
    assert_eq!(
        manifest["deployment"]["endpoint"]["latency_budget_ms"], 100,
        "{shown}"
    );
    assert_eq!(
        manifest["deployment"]["resources"]["endpoint"]["replicas"], 3,
        "{shown}"
    );

    // Ingest a batch for a model of the baseline: drift and an alert.
    assert!(
        nexml(
            db,
            "alice",
            &[
                "model",
                "register",
                "--recipe",
                "Shop Pricing",
                "--name",
                "shop"
            ]
        )
        .status
        .code()
            == Some(1),
        "unapproved"
    );
    assert!(
        nexml(db, "bob", &["recipe", "approve", "Shop Pricing"])
            .status
            .success()
    );
    assert!(
        nexml(
            db,
            "alice",
            &[
                "model",
                "register",
                "--recipe",
                "Shop Pricing",
                "--name",
                "shop"
            ]
        )
        .status
        .success()
    );
    // Every column the recipe monitors; only the competitor index moves.
    let header = "transaction_date,competitor_price_index,units_sold,predicted_units,unit_price,discount_depth_pct,unit_cost,lag_7d_units\n";
    let steady = |i: usize| format!("{},0.1,3.5,{}", 5 + i % 9, 9 + i % 8);
    let reference: String = header.to_string()
        + &(0..200)
            .map(|i| {
                format!(
                    "2026-01-01,{},{},{},{}\n",
                    0.9 + (i % 20) as f64 / 100.0,
                    10 + i % 7,
                    10 + i % 7,
                    steady(i)
                )
            })
            .collect::<String>();
    let current: String = header.to_string()
        + &(0..200)
            .map(|i| {
                format!(
                    "2026-01-02,{},{},{},{}\n",
                    1.4 + (i % 20) as f64 / 100.0,
                    10 + i % 7,
                    16 + i % 7,
                    steady(i)
                )
            })
            .collect::<String>();
    let (r, c) = (
        db.write("ref.csv", &reference),
        db.write("cur.csv", &current),
    );
    let out = nexml(
        db,
        "alice",
        &[
            "monitor",
            "ingest",
            "shop",
            "--reference",
            &r,
            "--current",
            &c,
            "--at",
            "2026-01-02T12:00:00Z",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ingest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ingest["snapshot"]["performance_metrics_json"]["mae"], 6.0);
    let rules: Vec<(&str, bool)> = ingest["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"]["name"].as_str().unwrap(),
                r["fired"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        rules.contains(&("units_mae_degradation", true)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("competitor_price_shift", true)),
        "{rules:?}"
    );
    assert!(rules.contains(&("stale_transactions", false)), "{rules:?}");
    let out = nexml(db, "alice", &["monitor", "alerts", "shop", "--json"]);
    let alerts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = alerts[0]["id"].as_i64().unwrap().to_string();
    let fired = rules.iter().filter(|(_, f)| *f).count();
    assert_eq!(alerts.as_array().unwrap().len(), fired);
    assert_eq!(alerts[0]["severity"], "critical", "most severe first");
    assert!(
        nexml(db, "alice", &["monitor", "ack", &id])
            .status
            .success()
    );
    assert!(
        nexml(db, "alice", &["monitor", "resolve", &id])
            .status
            .success()
    );
    let out = nexml(db, "alice", &["monitor", "ack", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("resolved is final"));

    // The chat answers from the rule alerts still open, as the Alerts tab.
    let out = nexml(
        db,
        "alice",
        &[
            "chat",
            "--recipe",
            "Shop Pricing",
            "why is it alerting?",
            "--json",
        ],
    );
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let full = reply["text"].as_str().unwrap_or("");
    // The open alerts come first; the rules' readings follow.
    let text = full.split("Rules checked").next().unwrap_or("");
    assert!(text.contains("has 2 open alerts"), "{full}");
    let resolved = alerts[0]["rule"].as_str().unwrap();
    for open in alerts.as_array().unwrap().iter().skip(1) {
        assert!(text.contains(open["rule"].as_str().unwrap()), "{text}");
    }
    assert!(!text.contains(resolved), "{resolved} is resolved: {text}");
}

/// A one-shot chat-completions server on loopback that streams `answer` as
/// server-sent events, one token per word.
fn fake_llm(answer: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut socket, _)) = listener.accept() else {
            return;
        };
        let mut request = vec![0u8; 65536];
        let mut read = 0;
        // Read the headers and the body (Content-Length) before answering.
        loop {
            let Ok(n) = socket.read(&mut request[read..]) else {
                return;
            };
            read += n;
            let text = String::from_utf8_lossy(&request[..read]).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if read >= end + 4 + length || n == 0 {
                    break;
                }
            }
        }
        let mut body = String::new();
        for word in answer.split_inclusive(' ') {
            let chunk = serde_json::json!({"choices": [{"delta": {"content": word}}]});
            body.push_str(&format!("data: {chunk}\n\n"));
        }
        body.push_str("data: [DONE]\n\n");
        let _ = write!(
            socket,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n{body}"
        );
    });
    format!("http://127.0.0.1:{port}/v1")
}

#[test]
fn chat_with_a_language_model_streams_validates_and_applies() {
    let db = &Db::seeded();
    assert!(
        nexml(
            db,
            "alice",
            &["recipe", "clone", PRICING, "--name", "LLM Pricing"]
        )
        .status
        .success()
    );
    let base = fake_llm(
        r#"Tightening MAPE. {"explanation": "Set the MAPE threshold to 0.1", "patch": [{"op": "replace", "path": "/evaluation/metrics/2/threshold", "value": 0.1}]}"#,
    );
    let config = db.write(
        "llm.toml",
        &format!("[assistant.llm]\nbase_url = \"{base}\"\nmodel = \"test\"\n"),
    );
    let out = nexml(
        db,
        "alice",
        &[
            "--config",
            &config,
            "chat",
            "--llm",
            "--recipe",
            "LLM Pricing",
            "make mape stricter",
            "--apply",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Tightening MAPE."), "{stdout}");
    assert!(
        stdout.contains("replace /evaluation/metrics/2/threshold"),
        "{stdout}"
    );
    let out = nexml(db, "alice", &["recipe", "version", "LLM Pricing", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version_number"], "1.0.1");
    assert_eq!(
        v["manifest_json"]["evaluation"]["metrics"][2]["threshold"],
        0.1
    );

    // An answer whose patch breaks the schema is refused and nothing is written.
    let base = fake_llm(
        r#"{"explanation": "x", "patch": [{"op": "replace", "path": "/deployment/mode", "value": "sometimes"}]}"#,
    );
    let config = db.write(
        "llm2.toml",
        &format!("[assistant.llm]\nbase_url = \"{base}\"\nmodel = \"test\"\n"),
    );
    let out = nexml(
        db,
        "alice",
        &[
            "--config",
            &config,
            "chat",
            "--llm",
            "--recipe",
            "LLM Pricing",
            "break it",
            "--apply",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/deployment/mode"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = nexml(
        db,
        "alice",
        &["recipe", "versions", "LLM Pricing", "--json"],
    );
    let versions: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);

    // Unreachable: a clear one-line error; the offline assistant still answers.
    let config = db.write("llm3.toml", "[assistant.llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"test\"\ntimeout_secs = 5\n");
    let out = nexml(
        db,
        "alice",
        &["--config", &config, "chat", "--llm", "hello"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unreachable"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        nexml(
            db,
            "alice",
            &[
                "--config",
                &config,
                "chat",
                "what metrics does this use?",
                "--recipe",
                "LLM Pricing"
            ]
        )
        .status
        .success()
    );
}

#[test]
fn diff_effective_and_rebase_from_the_command_line() {
    let db = &Db::seeded();
    assert!(
        nexml(
            db,
            "alice",
            &["recipe", "clone", PRICING, "--name", "Child"]
        )
        .status
        .success()
    );
    // The child changes the industry; the baseline then changes it and the description.
    let out = nexml(db, "alice", &["recipe", "effective", "Child", "--json"]);
    let mut mine: Value = serde_json::from_slice(&out.stdout).unwrap();
    mine["metadata"]["industry"] = json!("grocery");
    let file = db.write_json("mine.json", &mine);
    assert!(
        nexml(
            db,
            "alice",
            &["recipe", "commit", "Child", "--manifest", &file]
        )
        .status
        .success()
    );
    let out = nexml(db, "alice", &["recipe", "effective", PRICING, "--json"]);
    let mut theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    theirs["metadata"]["industry"] = json!("all");
    theirs["metadata"]["description"] = json!("new words");
    let file = db.write_json("theirs.json", &theirs);
    assert!(
        nexml(
            db,
            "bob",
            &["recipe", "commit", PRICING, "--manifest", &file]
        )
        .status
        .success()
    );
    assert!(
        nexml(db, "carol", &["recipe", "approve", PRICING])
            .status
            .success()
    );

    // diff: text, and --json is the RFC 6902 patch from 1.0.0 to 1.0.1.
    let out = nexml(db, "alice", &["recipe", "diff", "Child", "1.0.0", "1.0.1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("-    \"industry\": \"general\"")
            && text.contains("+    \"industry\": \"grocery\""),
        "{text}"
    );
    let out = nexml(
        db,
        "alice",
        &["recipe", "diff", "Child", "1.0.0", "1.0.1", "--json"],
    );
    let patch: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        patch,
        json!([{"op": "replace", "path": "/metadata/industry", "value": "grocery"}])
    );

    // show says the parent moved on.
    let out = nexml(db, "alice", &["recipe", "show", "Child"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("parent Pricing Optimization Baseline v1 1.0.1 available (pinned to 1.0.0)")
    );

    // rebase: a preview writes nothing; --yes commits, keeping the child's industry.
    let out = nexml(db, "alice", &["recipe", "rebase", "Child", "--json"]);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["conflicts"], json!(["/metadata/industry"]));
    assert_eq!(plan["applied"], false);
    let out = nexml(db, "alice", &["recipe", "rebase", "Child", "--yes"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("committed Child 1.0.2"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = nexml(db, "alice", &["recipe", "effective", "Child", "--json"]);
    let effective: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(effective["metadata"]["industry"], "grocery");
    assert_eq!(effective["metadata"]["description"], "new words");
    let out = nexml(db, "alice", &["recipe", "effective", "Child"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Pricing Optimization Baseline v1 1.0.1 + 3 own key(s)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `recipe create` starts where the app does: the parent, the baseline or a
/// skeleton, with the new name in the manifest; exactly one start is given.
#[test]
fn recipe_create_starts_from_the_parent_the_baseline_or_a_skeleton() {
    let db = Db::seeded();
    let parent = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "version", PRICING, "--json"],
    ));
    let child = json_of(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "create",
            "--name",
            "Shop Pricing",
            "--family",
            "pricing",
            "--level",
            "industry",
            "--parent",
            PRICING,
            "--from-parent",
            "--json",
        ],
    ));
    assert_eq!(child["parent_name"], PRICING);
    let v = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "version", "Shop Pricing", "--json"],
    ));
    let mut expected = parent["manifest_json"].clone();
    expected["metadata"]["name"] = json!("Shop Pricing");
    assert_eq!(v["manifest_json"], expected);

    let own = json_of(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "create",
            "--name",
            "Own Baseline",
            "--family",
            "forecasting",
            "--level",
            "baseline",
            "--from-baseline",
            "--json",
        ],
    ));
    assert_eq!(own["level"], "baseline");
    let v = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "version", "Own Baseline", "--json"],
    ));
    assert_eq!(v["manifest_json"]["metadata"]["name"], "Own Baseline");
    assert_eq!(
        v["manifest_json"]["metadata"]["model_family"],
        "forecasting"
    );

    let bare = json_of(&nexml(
        &db,
        "alice",
        &[
            "recipe",
            "create",
            "--name",
            "Bare",
            "--family",
            "pricing",
            "--level",
            "baseline",
            "--skeleton",
            "--json",
        ],
    ));
    assert_eq!(bare["latest_version"], "1.0.0");

    // No start, two starts, or the parent's copy without a parent: usage errors.
    let base = [
        "recipe", "create", "--name", "X", "--family", "pricing", "--level", "baseline",
    ];
    usage_error(&nexml(&db, "alice", &base));
    let mut two = base.to_vec();
    two.extend(["--skeleton", "--from-baseline"]);
    usage_error(&nexml(&db, "alice", &two));
    let mut orphan = base.to_vec();
    orphan.push("--from-parent");
    usage_error(&nexml(&db, "alice", &orphan));
    assert!(refused(&nexml(&db, "alice", &["recipe", "show", "X"])).contains("no recipe 'X'"));
}

/// The bash completion script, sourced in a real bash, completes
/// subcommands, and recipe and model names from the database (quoted when
/// they hold spaces); the man page renders from the same definition.
#[test]
fn bash_completes_subcommands_and_names_and_the_man_page_renders() {
    let db = Db::seeded();
    let script = success(&nexml(&db, "alice", &["completions", "bash"]));
    let script_path = db.write("nexml.bash", &script);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nexml"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let complete = |line: &[&str]| -> Vec<String> {
        let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
        let program = format!(
            "source '{script_path}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; _nexml_with_names nexml '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words.join(" "),
            line.len() - 1,
            line.join(" "),
            line.last().unwrap(),
            line[line.len() - 2],
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(program)
            .env("PATH", format!("{bin_dir}:/usr/bin:/bin"))
            .env("NEXML_DATABASE_URL", &db.url)
            .env("HOME", db.dir.path())
            .env("XDG_STATE_HOME", db.path("state"))
            .output()
            .expect("bash");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let subcommands = complete(&["nexml", "rec"]);
    assert!(
        subcommands.contains(&"recipe".to_string()),
        "{subcommands:?}"
    );
    let names = complete(&["nexml", "recipe", "show", "Pric"]);
    assert_eq!(
        names,
        ["Pricing\\ Optimization\\ Baseline\\ v1"],
        "{names:?}"
    );
    let all = complete(&["nexml", "recipe", "versions", ""]);
    assert_eq!(all.len(), 4, "{all:?}");
    success(&nexml(
        &db,
        "alice",
        &[
            "model",
            "register",
            "--recipe",
            PRICING,
            "--name",
            "shop-pricing",
        ],
    ));
    let models = complete(&["nexml", "run", "create", "--model", "sh"]);
    assert_eq!(models, ["shop-pricing"], "{models:?}");

    let man = success(&nexml(&db, "alice", &["man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH nexml"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains("recipe") && man.contains("completions"));
}

/// `generate` piped into `head -1`: the reader leaves after one line, the
/// command ends cleanly, and what it wrote is whole (every batch counted).
/// Without a terminal, progress is an occasional plain line on stderr (none
/// for a quick job).
#[test]
fn generate_into_a_closed_pipe_ends_cleanly_with_a_whole_database() {
    use std::io::BufRead;
    let db = Db::seeded();
    let mut child = command(
        &db,
        "alice",
        &["generate", "--runs", "60000", "--snapshots", "10"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start generate");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(first.starts_with("generated "), "{first}");
    assert!(!err.contains("error"), "{err}");
    assert!(
        err.lines().all(|l| l.starts_with("generate: ")) && err.lines().count() <= 6,
        "occasional progress lines, not one per batch: {err}"
    );
    let runs = json_of(&nexml(
        &db,
        "alice",
        &["run", "list", "--limit", "1", "--json"],
    ));
    assert_eq!(runs["total"], 60000);
}

/// Input is checked at the door: out-of-range numbers, NaN thresholds,
/// empty snapshots, a database that would vanish, NUL and oversized
/// manifests are refused with one line and nothing written; a manifest that
/// differs only in number spelling is the same manifest.
#[test]
fn bad_input_is_refused_at_the_door() {
    let db = Db::seeded();
    for args in [
        &["recipe", "list", "--limit", "-1"][..],
        &["recipe", "list", "--limit", "0"],
        &["run", "list", "--limit", "100001"],
        &["model", "list", "--offset", "-1"],
        &["monitor", "alerts", "m", "--state", "gold"],
    ] {
        let err = usage_error(&nexml(&db, "alice", args));
        assert!(err.contains("invalid value"), "{args:?}: {err}");
    }
    let csv = db.write("d.csv", "x\n1\n2\n3\n");
    for t in ["NaN", "-1", "inf"] {
        let err = usage_error(&nexml(
            &db,
            "alice",
            &[
                "drift",
                "--reference",
                &csv,
                "--current",
                &csv,
                "--threshold",
                t,
            ],
        ));
        assert!(err.contains("finite number"), "{t}: {err}");
    }
    let err = refused(&nexml(
        &db,
        "alice",
        &["generate", "--snapshots", "10", "--models", "0"],
    ));
    assert!(err.contains("--models 1 or more"), "{err}");
    success(&nexml(
        &db,
        "alice",
        &["model", "register", "--recipe", PRICING, "--name", "pm"],
    ));
    for body in ["null", "[]", "{}"] {
        let file = db.write("s.json", body);
        let err = refused(&nexml(
            &db,
            "alice",
            &["monitor", "add", "pm", "--snapshot", &file],
        ));
        assert!(err.contains("a snapshot is a JSON object"), "{body}: {err}");
    }
    let list = json_of(&nexml(&db, "alice", &["monitor", "list", "pm", "--json"]));
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    for url in ["sqlite:", "sqlite::memory:", "sqlite://?mode=memory"] {
        let err = refused(&nexml(&Db::with_url(url), "alice", &["recipe", "list"]));
        assert!(err.contains("no database file"), "{url}: {err}");
    }

    // NUL and size are checked before anything is stored.
    let v = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "version", PRICING, "--json"],
    ));
    let mut m = v["manifest_json"].clone();
    m["metadata"]["description"] = json!("a\u{0}b");
    let file = db.write_json("nul.json", &m);
    let err = refused(&nexml(
        &db,
        "alice",
        &["recipe", "commit", PRICING, "--manifest", &file],
    ));
    assert!(err.contains("NUL characters are not allowed"), "{err}");
    m["metadata"]["description"] = json!("x".repeat(1_100_000));
    let file = db.write_json("big.json", &m);
    let err = refused(&nexml(
        &db,
        "alice",
        &["recipe", "commit", PRICING, "--manifest", &file],
    ));
    assert!(err.contains("at most 1048576"), "{err}");
    // `1` and `1.0` are the same number: nothing to commit.
    let text = serde_json::to_string_pretty(&v["manifest_json"]).unwrap();
    let respelled = text.replace(": 1,", ": 1.0,").replace(": 1\n", ": 1.0\n");
    assert_ne!(text, respelled, "the manifest has integers to respell");
    let file = db.write("respelled.json", &respelled);
    let out = json_of(&nexml(
        &db,
        "alice",
        &["recipe", "commit", PRICING, "--manifest", &file, "--json"],
    ));
    assert_eq!(out["outcome"], "unchanged", "{out}");

    let big = db.write_json("big.json", &{
        let mut m = v["manifest_json"].clone();
        m["metadata"]["description"] = json!("x".repeat(1_100_000));
        m
    });
    // The limit is configured: raised, the same file is kept; lowered, a
    // normal edit is refused, naming the setting.
    let roomy = db.write("roomy.toml", "[limits]\nmanifest_bytes = 2000000\n");
    let out = json_of(&nexml(
        &db,
        "alice",
        &[
            "--config",
            &roomy,
            "recipe",
            "commit",
            PRICING,
            "--manifest",
            &big,
            "--json",
        ],
    ));
    assert_eq!(out["outcome"], "created", "{out}");
    let tight = db.write("tight.toml", "[limits]\nmanifest_bytes = 4096\n");
    let mut m = v["manifest_json"].clone();
    m["metadata"]["description"] = json!("y".repeat(5000));
    let file = db.write_json("five_k.json", &m);
    let err = refused(&nexml(
        &db,
        "alice",
        &[
            "--config",
            &tight,
            "recipe",
            "commit",
            PRICING,
            "--manifest",
            &file,
        ],
    ));
    assert!(
        err.contains("at most 4096 are accepted (config: [limits] manifest_bytes)"),
        "{err}"
    );
    let silly = db.write("silly.toml", "\n[limits]\nmanifest_bytes = 10\n");
    let err = refused(&nexml(
        &db,
        "alice",
        &["--config", &silly, "recipe", "list"],
    ));
    assert!(
        err.contains("silly.toml: 3: [limits] manifest_bytes = 10: must be from 4096"),
        "{err}"
    );
}

/// A snapshot typed in by hand goes through the same rules as an ingested
/// one: breaking a rule opens its alert, recovering resolves it, and the
/// alerts are the rules', never a list given with the snapshot.
#[test]
fn monitor_add_opens_and_resolves_rule_alerts() {
    let db = Db::seeded();
    let model = pricing_model(&db, "pm");
    let bad = db.write_json(
        "bad.json",
        &json!({"performance": {"mape": 0.9}, "freshness": {"staleness_hours": 500}}),
    );
    let added = json_of(&nexml(
        &db,
        "alice",
        &["monitor", "add", &model, "--snapshot", &bad, "--json"],
    ));
    let mut opened: Vec<&str> = added["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    opened.sort();
    assert_eq!(opened, ["revenue_mape_breach", "stale_transactions"]);
    assert_eq!(
        added["snapshot"]["alerts_json"].as_array().map(Vec::len),
        Some(2)
    );
    let alerts = alerts_of(&db, &model);
    assert_eq!(alerts.as_array().map(Vec::len), Some(2), "{alerts}");
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["state"] == "open")
    );

    let good = db.write_json("good.json", &json!({"performance": {"mape": 0.1}}));
    let out = success(&nexml(
        &db,
        "alice",
        &["monitor", "add", &model, "--snapshot", &good],
    ));
    assert_contains(&out, "'revenue_mape_breach' is resolved");
    let alerts = alerts_of(&db, &model);
    let state = |rule: &str| {
        alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == rule)
            .map(|a| a["state"].clone())
    };
    assert_eq!(state("revenue_mape_breach"), Some(json!("resolved")));
    let by = |rule: &str, field: &str| {
        alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == rule)
            .map(|a| a[field].clone())
    };
    assert_eq!(
        by("revenue_mape_breach", "resolved_by"),
        Some(json!("alice"))
    );
    // Acknowledged by a person: who, and when.
    let stale = by("stale_transactions", "id").unwrap();
    success(&nexml(&db, "bob", &["monitor", "ack", &stale.to_string()]));
    let alerts = alerts_of(&db, &model);
    let acked = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == stale)
        .unwrap();
    assert_eq!(acked["acknowledged_by"], "bob");
    assert!(acked["acknowledged_at"].is_string(), "{acked}");
    let table = success(&nexml(&db, "alice", &["monitor", "alerts", &model]));
    let line = table.lines().find(|l| l.contains("stale_transactions"));
    assert!(
        line.is_some_and(|l| l.contains("acknowledged") && l.contains("bob")),
        "{table}"
    );
    // Not measured in the new snapshot: its alert stays open.
    assert_eq!(state("stale_transactions"), Some(json!("open")));

    let given = db.write_json(
        "given.json",
        &json!({"performance": {"mape": 0.1}, "alerts": [{"rule": "x"}]}),
    );
    assert_contains(
        &refused(&nexml(
            &db,
            "alice",
            &["monitor", "add", &model, "--snapshot", &given],
        )),
        "alerts come from the recipe's monitoring rules",
    );
}

/// Every run, newest first.
fn runs_all(db: &Db) -> Vec<Value> {
    let runs = json_of(&nexml(
        db,
        "alice",
        &["run", "list", "--limit", "1000", "--json"],
    ));
    runs["items"].as_array().cloned().unwrap_or_default()
}

/// `[alerts] command` hears of each alert a snapshot opens or escalates,
/// with the alert as JSON on stdin; a failing command warns and the
/// snapshot stays.
#[test]
fn alert_command_runs_for_each_opened_or_escalated_alert() {
    let db = Db::seeded();
    let model = pricing_model(&db, "pm");
    let heard = db.path("heard.jsonl");
    let config = db.write(
        "alerts.toml",
        &format!("[alerts]\ncommand = \"cat >> '{}'\"\n", heard.display()),
    );
    let bad = db.write_json("bad.json", &json!({"performance": {"mape": 0.9}}));
    let add = |config: &str, file: &str| {
        nexml(
            &db,
            "alice",
            &[
                "--config",
                config,
                "monitor",
                "add",
                &model,
                "--snapshot",
                file,
            ],
        )
    };
    // What the command heard, one JSON event a line.
    let heard_events = || -> Vec<Value> {
        std::fs::read_to_string(&heard)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    success(&add(&config, &bad));
    let events = heard_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "opened");
    assert_eq!(events[0]["alert"]["rule"], "revenue_mape_breach");
    assert_eq!(events[0]["model"]["name"], "pm");
    // Still firing: updated, not opened again, so nothing more is sent.
    success(&add(&config, &bad));
    assert_eq!(heard_events().len(), 1);
    // Twice as far past the limit (0.4) as last notified (0.9): escalated,
    // once; creeping on from there is not.
    let worse = db.write_json("worse.json", &json!({"performance": {"mape": 1.5}}));
    success(&add(&config, &worse));
    let creeping = db.write_json("creeping.json", &json!({"performance": {"mape": 1.6}}));
    success(&add(&config, &creeping));
    let events = heard_events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1]["event"], "escalated");
    assert_eq!(events[1]["alert"]["id"], events[0]["alert"]["id"]);
    assert_eq!(events[1]["alert"]["notified_value"], 1.5);
    assert_eq!(events[0]["alert"]["notified_value"], 0.9);

    let failing = db.write("failing.toml", "[alerts]\ncommand = \"exit 3\"\n");
    let stale = db.write_json("stale.json", &json!({"freshness": {"staleness_hours": 99}}));
    let out = add(&failing, &stale);
    assert!(out.status.success(), "the snapshot is stored regardless");
    assert_contains(
        &String::from_utf8_lossy(&out.stderr),
        "[alerts] command failed",
    );
    let alerts = alerts_of(&db, &model);
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule"] == "stale_transactions")
    );

    let slow = db.write(
        "slow.toml",
        "[alerts]\ncommand = \"sleep 30\"\ntimeout_seconds = 1\n",
    );
    let lapse = db.write_json("lapse.json", &json!({"performance": {"mae": 9.0}}));
    let out = add(&slow, &lapse);
    assert!(out.status.success());
    assert_contains(&String::from_utf8_lossy(&out.stderr), "stopped");

    let zero = db.write(
        "zero.toml",
        "[alerts]\ncommand = \"true\"\ntimeout_seconds = 0\n",
    );
    assert_contains(
        &refused(&nexml(&db, "alice", &["--config", &zero, "recipe", "list"])),
        "3: [alerts] timeout_seconds = 0: must be from 1 to 300",
    );
}

/// A pricing model "pm", a reference batch, and an empty folder `name`.
fn pricing_folder(db: &Db, name: &str) -> (String, String, PathBuf) {
    let model = pricing_model(db, "pm");
    let reference = db.write("reference.csv", &pricing_batch("2026-10-31", 0.05));
    let dir = db.path(name);
    std::fs::create_dir(&dir).unwrap();
    (model, reference, dir)
}

/// A folder of batches is a history: each taken at the date in its name,
/// in order, its alerts opened and resolved in their own time.
#[test]
fn monitor_ingest_backfills_a_folder_of_batches() {
    let db = Db::seeded();
    let (model, reference, dir) = pricing_folder(&db, "batches");
    for (date, error) in [
        ("2026-11-03", 0.05),
        ("2026-11-01", 0.05),
        ("2026-11-02", 3.0),
    ] {
        std::fs::write(
            dir.join(format!("sales-{date}.csv")),
            pricing_batch(date, error),
        )
        .unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not a batch").unwrap();
    let folder = dir.display().to_string();
    let args = [
        "monitor",
        "ingest",
        &model,
        "--reference",
        &reference,
        "--current",
        &folder,
    ];
    let out = success(&nexml(&db, "alice", &args));
    assert_contains(&out, "3 batches of 'pm' ingested");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("sales-2026-11-01.csv"),
        "oldest first: {out}"
    );
    assert!(
        lines[1].contains("fired: ") && lines[1].contains("revenue_mape_breach"),
        "{out}"
    );
    let snaps = json_of(&nexml(&db, "alice", &["monitor", "list", &model, "--json"]));
    let times: Vec<&str> = snaps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["captured_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2026-11-03T23:59:59Z",
            "2026-11-02T23:59:59Z",
            "2026-11-01T23:59:59Z"
        ]
    );
    let alerts = alerts_of(&db, &model);
    let mape = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "revenue_mape_breach")
        .unwrap_or_else(|| panic!("{alerts}"));
    assert_eq!(mape["state"], "resolved");
    assert_eq!(mape["opened_at"], "2026-11-02T23:59:59Z");
    assert_eq!(mape["resolved_at"], "2026-11-03T23:59:59Z");

    let at = [
        "monitor",
        "ingest",
        &model,
        "--reference",
        &reference,
        "--current",
        &folder,
        "--at",
        "2026-11-04T00:00:00Z",
    ];
    assert_contains(&refused(&nexml(&db, "alice", &at)), "--at times one batch");
}

/// A Parquet batch measures as its CSV export does: `monitor ingest` of
/// either gives the same drift, performance and freshness, and `nexml drift`
/// the same report.
#[test]
fn parquet_batches_measure_as_their_csv_does() {
    let db = Db::seeded();
    let (model, reference, dir) = pricing_folder(&db, "batches");
    let other = pricing_model(&db, "pm-parquet");
    let batch = pricing_batch("2026-11-02", 3.0);
    let csv = dir.join("sales-2026-11-02.csv");
    std::fs::write(&csv, &batch).unwrap();
    let parquet = db.path("sales-2026-11-02.parquet");
    parquet_file::csv_to_parquet(&batch, &parquet);

    let ingest = |model: &str, current: &Path| {
        let current = current.display().to_string();
        let args = [
            "monitor",
            "ingest",
            model,
            "--reference",
            &reference,
            "--current",
            &current,
            // Staleness is measured at the batch's time: one time for both
            // ingests, or a second between them shows as a difference.
            "--at",
            "2026-11-04T00:00:00Z",
            "--json",
        ];
        json_of(&nexml(&db, "alice", &args))
    };
    let (from_csv, from_parquet) = (ingest(&model, &csv), ingest(&other, &parquet));
    for part in [
        "performance_metrics_json",
        "drift_metrics_json",
        "data_freshness_json",
    ] {
        assert!(from_csv["snapshot"][part].is_object(), "{from_csv}");
        assert_eq!(
            from_csv["snapshot"][part], from_parquet["snapshot"][part],
            "{part}"
        );
    }
    assert_eq!(
        from_parquet["snapshot"]["data_freshness_json"]["newest"], "2026-11-02T23:59:59+00:00",
        "dates stored as DATE read as dates"
    );
    assert!(
        from_parquet["alerts"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "the error opens an alert: {from_parquet}"
    );

    let drift = |current: &Path| {
        let current = current.display().to_string();
        let args = [
            "drift",
            "--reference",
            &reference,
            "--current",
            &current,
            "--json",
        ];
        json_of(&nexml(&db, "alice", &args))
    };
    let report = drift(&parquet);
    assert_eq!(drift(&csv), report);
    assert_eq!(report["current_rows"], 60);
    // --columns reads and compares only those.
    let current = parquet.display().to_string();
    let only = json_of(&nexml(
        &db,
        "alice",
        &[
            "drift",
            "--reference",
            &reference,
            "--current",
            &current,
            "--columns",
            "unit_price,unit_cost",
            "--json",
        ],
    ));
    let names: Vec<&str> = only["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["unit_price", "unit_cost"]);

    // A file named .parquet that is not: one line naming it.
    let fake = db.write("fake.parquet", "a,b\n1,2\n");
    let out = nexml(
        &db,
        "alice",
        &["drift", "--reference", &reference, "--current", &fake],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("fake.parquet: not readable as Parquet"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `monitor watch` ingests a batch dropped into the folder, once.
#[test]
fn monitor_watch_ingests_new_batches() {
    let db = Db::seeded();
    let (model, reference, dir) = pricing_folder(&db, "inbox");
    // Already there: history, not a new batch.
    std::fs::write(
        dir.join("sales-2026-10-30.csv"),
        pricing_batch("2026-10-30", 0.05),
    )
    .unwrap();
    let folder = dir.display().to_string();
    let mut watcher = command(
        &db,
        "alice",
        &[
            "monitor",
            "watch",
            &folder,
            "--model",
            &model,
            "--reference",
            &reference,
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starting the watch");
    let count = || {
        json_of(&nexml(&db, "alice", &["monitor", "list", &model, "--json"]))
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    // It lists the folder, then says it is watching: a file written after
    // that line is new.
    let stderr = watcher.stderr.take().expect("the watch's stderr");
    let (said, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let Ok(line) = line else { break };
            if said.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        match heard.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) if line.starts_with("watching ") => break,
            Ok(_) => continue,
            Err(e) => panic!("the watch never said it was watching: {e}"),
        }
    }
    std::fs::write(
        dir.join("sales-2026-11-02.csv"),
        pricing_batch("2026-11-02", 3.0),
    )
    .unwrap();
    let mut seen = 0;
    for _ in 0..600 {
        seen = count();
        if seen > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(800));
    let _ = watcher.kill();
    let out = watcher.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(seen, 1, "the new batch, and only it: {stdout}");
    assert_eq!(count(), 1, "ingested once: {stdout}");
    assert_contains(&stdout, "sales-2026-11-02.csv: snapshot");
    assert_contains(&stdout, "revenue_mape_breach");
    let alerts = alerts_of(&db, &model);
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["state"] == "open"),
        "{alerts}"
    );
}

/// A model's alerts, as `monitor alerts --json` lists them.
fn alerts_of(db: &Db, model: &str) -> Value {
    json_of(&nexml(db, "alice", &["monitor", "alerts", model, "--json"]))
}
