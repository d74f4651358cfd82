//! Authority cannot be claimed, and the audit chain cannot be forged or cut
//! unnoticed: with the real binary, on every backend available.
//!
//! - `recipe import` creates no approval or author its importer could not
//!   create directly, and takes no name `--user` would refuse;
//! - `run exec` runs only an approved version or the executing user's own;
//! - `audit verify` fails on blanked hashes, and with anchors on a cut tail
//!   or an emptied table.

#![cfg(feature = "sqlite")]

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A database with the baselines, a home folder and a four-eyes config.
struct Setup {
    db: common::TestDb,
    home: tempfile::TempDir,
    config: PathBuf,
}

impl Setup {
    async fn all(label: &str) -> Vec<Setup> {
        let mut out = Vec::new();
        for db in common::backends(label).await {
            nexml::seed::seed_baselines(&db.service()).await.unwrap();
            let home = tempfile::tempdir().unwrap();
            let config = home.path().join("config.toml");
            std::fs::write(&config, "[governance]\ndistinct_approver = true\n").unwrap();
            out.push(Setup { db, home, config });
        }
        out
    }

    fn nexml(&self, user: &str, args: &[&str]) -> Output {
        let mut all = vec!["--config", self.config.to_str().unwrap()];
        all.extend_from_slice(args);
        common::nexml_command(self.home.path(), &self.db.url, user, &all)
            .output()
            .expect("run nexml")
    }

    fn ok(&self, user: &str, args: &[&str]) -> String {
        let o = self.nexml(user, args);
        assert!(
            o.status.success(),
            "{} {args:?}: {}",
            self.db.name,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// stderr of a command that must exit 1.
    fn refused(&self, user: &str, args: &[&str]) -> String {
        let o = self.nexml(user, args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{} {args:?} must be refused: {}{err}",
            self.db.name,
            String::from_utf8_lossy(&o.stdout)
        );
        err
    }

    fn json(&self, user: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(user, &all)).expect("JSON")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// The newest version of a recipe as `recipe versions --json` gives it.
    fn latest(&self, recipe: &str) -> Value {
        self.json("anyone", &["recipe", "versions", recipe])[0].clone()
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

const BASE: &str = "Pricing Optimization Baseline v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cannot_claim_an_approval() {
    for s in Setup::all("forged_approval").await {
        // Mallory may not approve her own version (four-eyes).
        s.ok(
            "mallory",
            &["recipe", "clone", BASE, "--name", "Shop Pricing"],
        );
        let err = s.refused("mallory", &["recipe", "approve", "Shop Pricing"]);
        assert!(err.contains("four-eyes rule"), "{err}");
        // So she exports it, writes someone else's approval into the files...
        let dir = s.path("recipes");
        s.ok(
            "mallory",
            &[
                "recipe",
                "export",
                "Shop Pricing",
                "--to",
                dir.to_str().unwrap(),
            ],
        );
        let meta_path = dir.join("shop-pricing/versions/1.0.0.meta.json");
        let mut meta = read_json(&meta_path);
        meta["approved_by"] = json!("bob");
        meta["approved_at"] = json!("2026-05-01T12:00:00Z");
        write_json(&meta_path, &meta);

        // ...and imports them: the approval is not taken.
        let out = s.ok("mallory", &["recipe", "import", dir.to_str().unwrap()]);
        assert!(
            out.contains("leave unapproved 'Shop Pricing' 1.0.0 (approved by bob in the files)"),
            "{}: {out}",
            s.db.name
        );
        assert_eq!(s.latest("Shop Pricing")["approved_by"], Value::Null);
        let err = s.refused(
            "mallory",
            &[
                "model",
                "register",
                "--recipe",
                "Shop Pricing",
                "--name",
                "shop-model",
            ],
        );
        assert!(err.contains("approved"), "{}: {err}", s.db.name);

        // Keeping recorded approvals needs the right to approve: refused.
        let err = s.refused(
            "mallory",
            &[
                "recipe",
                "import",
                dir.to_str().unwrap(),
                "--keep-approvals",
            ],
        );
        assert!(
            err.contains("--keep-approvals: mallory may not approve 'Shop Pricing' 1.0.0")
                && err.contains("four-eyes rule"),
            "{}: {err}",
            s.db.name
        );
        assert_eq!(s.latest("Shop Pricing")["approved_by"], Value::Null);

        // A new recipe from the files arrives as the importer's, a draft,
        // whoever the files name as its author and approver.
        let other = dir.join("street-pricing");
        std::fs::create_dir_all(other.join("versions")).unwrap();
        for f in [
            "recipe.json",
            "versions/1.0.0.json",
            "versions/1.0.0.meta.json",
        ] {
            let text = std::fs::read_to_string(dir.join("shop-pricing").join(f)).unwrap();
            let text = text
                .replace("Shop Pricing", "Street Pricing")
                .replace("\"mallory\"", "\"alice\"");
            std::fs::write(other.join(f), text).unwrap();
        }
        std::fs::remove_dir_all(dir.join("shop-pricing")).unwrap();
        let mut recipe = read_json(&other.join("recipe.json"));
        recipe["status"] = json!("approved");
        write_json(&other.join("recipe.json"), &recipe);
        s.ok("mallory", &["recipe", "import", dir.to_str().unwrap()]);
        let v = s.latest("Street Pricing");
        assert_eq!(
            (&v["created_by"], &v["approved_by"]),
            (&json!("mallory"), &Value::Null),
            "{}",
            s.db.name
        );
        let shown = s.json("anyone", &["recipe", "show", "Street Pricing"]);
        assert_eq!(shown["status"], "draft", "{}", s.db.name);

        // Kept by someone who may approve it: recorded, and audited as theirs.
        let out = s.ok(
            "carol",
            &[
                "recipe",
                "import",
                dir.to_str().unwrap(),
                "--keep-approvals",
            ],
        );
        assert!(
            out.contains(
                "approve 'Street Pricing' 1.0.0 (approval recorded by bob, imported by carol)"
            ),
            "{}: {out}",
            s.db.name
        );
        let v = s.latest("Street Pricing");
        assert_eq!(v["approved_by"], "bob", "{}", s.db.name);
        let log = s.json(
            "anyone",
            &[
                "audit",
                "list",
                "--entity",
                "recipe_version",
                "--id",
                &v["version_id"].to_string(),
            ],
        );
        let approval = log
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == "approve")
            .expect("the kept approval is audited");
        assert_eq!(approval["actor"], "carol");
        assert_eq!(
            approval["details"]["note"],
            "approval recorded by bob, imported by carol"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cannot_claim_an_author() {
    for s in Setup::all("forged_author").await {
        s.ok(
            "mallory",
            &["recipe", "clone", BASE, "--name", "Shop Pricing"],
        );
        let dir = s.path("recipes");
        s.ok(
            "mallory",
            &[
                "recipe",
                "export",
                "Shop Pricing",
                "--to",
                dir.to_str().unwrap(),
            ],
        );
        // As a new recipe, so every name in the files would be written.
        let folder = dir.join("shop-pricing");
        for f in ["recipe.json", "versions/1.0.0.json"] {
            let path = folder.join(f);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("Shop Pricing", "Other Pricing")).unwrap();
        }
        let meta_path = folder.join("versions/1.0.0.meta.json");
        let meta = read_json(&meta_path);
        for (field, name, refusal) in [
            ("created_by", "", "created_by cannot be empty"),
            ("created_by", "  ", "created_by cannot be empty"),
            (
                "created_by",
                "\u{1b}[31mbob\u{1b}[0m",
                "created_by cannot hold control or invisible characters",
            ),
            (
                "approved_by",
                "bob\u{7}",
                "approved_by cannot hold control or invisible characters",
            ),
        ] {
            let mut forged = meta.clone();
            forged[field] = json!(name);
            if field == "approved_by" {
                forged["approved_at"] = json!("2026-05-01T12:00:00Z");
            }
            write_json(&meta_path, &forged);
            for extra in [&[][..], &["--keep-approvals"][..]] {
                let mut args = vec!["recipe", "import", dir.to_str().unwrap()];
                args.extend_from_slice(extra);
                let err = s.refused("mallory", &args);
                assert!(
                    err.contains("nothing imported")
                        && err.contains(&format!(
                            "'Other Pricing' versions/1.0.0.meta.json {refusal}"
                        )),
                    "{} {field}={name:?}: {err}",
                    s.db.name
                );
            }
            let err = s.refused("anyone", &["recipe", "show", "Other Pricing"]);
            assert!(err.contains("no recipe"), "nothing imported: {err}");
        }
        // Another person's name is a name, but the version is the importer's.
        let mut forged = meta.clone();
        forged["created_by"] = json!("bob");
        write_json(&meta_path, &forged);
        s.ok("mallory", &["recipe", "import", dir.to_str().unwrap()]);
        assert_eq!(
            s.latest("Other Pricing")["created_by"],
            "mallory",
            "{}",
            s.db.name
        );
        let shown = s.json("anyone", &["recipe", "show", "Other Pricing"]);
        assert_eq!(shown["created_by"], "mallory", "{}", s.db.name);
    }
}

/// A version of 'Shop Pricing' whose every stage runs `touch MARKER`.
fn commit_touching(s: &Setup, user: &str, marker: &Path) -> String {
    let mut m = s.json("anyone", &["recipe", "version", "Shop Pricing"])["manifest_json"].clone();
    for stage in m["pipeline"]["stages"].as_array_mut().unwrap() {
        stage["command"] = json!(format!("touch '{}'", marker.display()));
    }
    let file = s.path("touching.json");
    write_json(&file, &m);
    let out = s.json(
        user,
        &[
            "recipe",
            "commit",
            "Shop Pricing",
            "--manifest",
            file.to_str().unwrap(),
        ],
    );
    out["version"]["version_number"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_exec_runs_only_an_approved_version_or_your_own() {
    for s in Setup::all("unapproved_exec").await {
        s.ok("al", &["recipe", "clone", BASE, "--name", "Shop Pricing"]);
        s.ok("dana", &["recipe", "approve", "Shop Pricing"]);
        // A teammate commits a version with commands of his own.
        let marker = s.path("ran-bos-commands");
        let number = commit_touching(&s, "bo", &marker);
        assert_eq!(number, "1.1.0");
        let runs_before = s.json("anyone", &["run", "list"])["total"].clone();

        // The latest (unapproved, bo's) is refused for al, before any run exists.
        let err = s.refused(
            "al",
            &["run", "exec", "--recipe", "Shop Pricing", "--type", "eval"],
        );
        assert!(
            err.contains(
                "version 1.1.0 of 'Shop Pricing' is not approved and was committed by bo, not al"
            ) && err.contains("nexml recipe approve 'Shop Pricing' --version 1.1.0")
                && err.contains("e.g. 1.0.0"),
            "{}: {err}",
            s.db.name
        );
        assert!(!marker.exists(), "{}: bo's command ran as al", s.db.name);
        assert_eq!(s.json("anyone", &["run", "list"])["total"], runs_before);

        // Created for that version, then executed by id: refused the same.
        let run = s.json(
            "al",
            &[
                "run",
                "create",
                "--recipe",
                "Shop Pricing",
                "--version",
                "1.1.0",
                "--type",
                "eval",
            ],
        );
        let id = run["id"].to_string();
        let err = s.refused("al", &["run", "exec", "--run", &id]);
        assert!(
            err.contains(&format!(
                "run {id}: version 1.1.0 of 'Shop Pricing' is not approved and was committed by bo"
            )),
            "{}: {err}",
            s.db.name
        );
        assert!(!marker.exists(), "{}: bo's command ran as al", s.db.name);
        let shown = s.json("anyone", &["run", "show", &id]);
        assert_eq!(shown["status"], "queued", "{}: left as it was", s.db.name);

        // bo runs his own version, and is told whose commands run.
        let out = s.ok("bo", &["run", "exec", "--run", &id]);
        assert!(
            out.contains("commands of version 1.1.0 (unapproved, committed by bo)"),
            "{}: {out}",
            s.db.name
        );
        assert!(marker.exists(), "{}", s.db.name);
        std::fs::remove_file(&marker).unwrap();

        // Once approved (by someone other than bo), al runs it.
        s.ok(
            "dana",
            &["recipe", "approve", "Shop Pricing", "--version", "1.1.0"],
        );
        let out = s.ok(
            "al",
            &["run", "exec", "--recipe", "Shop Pricing", "--type", "eval"],
        );
        assert!(
            out.contains("commands of version 1.1.0 (approved by dana)"),
            "{}: {out}",
            s.db.name
        );
        assert!(marker.exists(), "{}", s.db.name);
    }
}

/// SQL that lets the test's own connection rewrite `ml_audit` behind
/// nexml's back, as someone holding the SQLite file or PostgreSQL's owner can.
fn unguarded(db: &common::TestDb, sql: &str) -> String {
    if db.name == "sqlite" {
        format!(
            "DROP TRIGGER IF EXISTS ml_audit_no_update; DROP TRIGGER IF EXISTS ml_audit_no_delete; {sql}"
        )
    } else {
        format!("ALTER TABLE ml_audit DISABLE TRIGGER USER; {sql}")
    }
}

async fn raw(db: &common::TestDb, sql: &str) {
    if db.name == "sqlite" {
        db.raw_execute_without_foreign_keys(sql).await.unwrap();
    } else {
        for statement in sql.split("; ") {
            db.raw_execute(statement).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blanked_hashes_break_the_chain() {
    for s in Setup::all("blanked_hashes").await {
        s.ok("al", &["recipe", "clone", BASE, "--name", "Shop Pricing"]);
        let out = s.ok("al", &["audit", "verify"]);
        assert!(out.contains("the audit chain is intact"), "{out}");
        raw(&s.db, &unguarded(&s.db, "UPDATE ml_audit SET hash = NULL")).await;
        let err = s.refused("al", &["audit", "verify"]);
        assert!(
            err.contains("breaks the chain: it has no link although the chain began before it"),
            "{}: {err}",
            s.db.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchors_catch_a_cut_tail() {
    for s in Setup::all("cut_tail").await {
        let anchors = s.path("AUDIT-ANCHORS");
        let first = s.ok(
            "al",
            &["audit", "anchor", "--append", anchors.to_str().unwrap()],
        );
        assert!(first.starts_with("audit-anchor id="), "{first}");
        s.ok("al", &["recipe", "clone", BASE, "--name", "Shop Pricing"]);
        s.ok("dana", &["recipe", "approve", "Shop Pricing"]);
        let head = s.json(
            "al",
            &["audit", "anchor", "--append", anchors.to_str().unwrap()],
        );
        let text = std::fs::read_to_string(&anchors).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert_eq!(text.lines().nth(1), head["line"].as_str());
        let out = s.ok(
            "al",
            &["audit", "verify", "--anchors", anchors.to_str().unwrap()],
        );
        assert!(
            out.contains("it holds all 2 anchored rows as anchored"),
            "{out}"
        );

        // The approval and what led to it are cut from the tail.
        let newest = head["id"].as_i64().unwrap();
        raw(
            &s.db,
            &unguarded(
                &s.db,
                &format!("DELETE FROM ml_audit WHERE id > {newest} - 2"),
            ),
        )
        .await;
        // The chain alone still links up...
        let out = s.ok("al", &["audit", "verify"]);
        assert!(out.contains("intact"), "{out}");
        // ...but the anchor is gone.
        let err = s.refused(
            "al",
            &["audit", "verify", "--anchors", anchors.to_str().unwrap()],
        );
        assert!(
            err.contains(&format!(
                "the audit chain was cut: anchored row {newest} (written"
            )),
            "{}: {err}",
            s.db.name
        );
        // A file that is not anchors is named, with its line.
        let bad = s.path("NOT-ANCHORS");
        std::fs::write(&bad, "# ok\nhello\n").unwrap();
        let err = s.refused(
            "al",
            &["audit", "verify", "--anchors", bad.to_str().unwrap()],
        );
        assert!(err.contains("NOT-ANCHORS: line 2: not an anchor"), "{err}");
    }
}

#[tokio::test]
async fn anchors_catch_an_emptied_sqlite_audit_table() {
    let s = Setup::all("emptied").await.remove(0);
    assert_eq!(s.db.name, "sqlite");
    s.ok("al", &["recipe", "clone", BASE, "--name", "Shop Pricing"]);
    let anchors = s.path("AUDIT-ANCHORS");
    s.ok(
        "al",
        &["audit", "anchor", "--append", anchors.to_str().unwrap()],
    );
    s.db.raw_execute_without_foreign_keys(
        "DROP TABLE ml_audit; CREATE TABLE ml_audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, \
         actor TEXT NOT NULL, entity TEXT NOT NULL, entity_id INTEGER NOT NULL, action TEXT NOT NULL, \
         details TEXT NOT NULL DEFAULT '{}', hash TEXT)",
    )
    .await
    .unwrap();
    let out = s.ok("al", &["audit", "verify"]);
    assert!(out.contains("intact: 0 rows linked"), "{out}");
    let err = s.refused(
        "al",
        &["audit", "verify", "--anchors", anchors.to_str().unwrap()],
    );
    assert!(
        err.contains("the audit chain was cut: anchored row"),
        "{err}"
    );
    let err = s.refused("al", &["audit", "anchor"]);
    assert!(err.contains("the audit log is empty"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_run_form_refuses_a_teammates_unapproved_version() {
    use nexml::tui::submit::{Submission, perform};
    for s in Setup::all("unapproved_form").await {
        s.ok("al", &["recipe", "clone", BASE, "--name", "Shop Pricing"]);
        s.ok("dana", &["recipe", "approve", "Shop Pricing"]);
        let marker = s.path("ran-bos-commands");
        commit_touching(&s, "bo", &marker);
        let recipe = s.db.store.find_recipe("Shop Pricing").await.unwrap();
        let svc = s.db.service();
        let err = perform(
            &svc,
            Submission::ExecRun {
                recipe_id: recipe.id,
                model_id: None,
                run_type: nexml::domain::RunType::Eval,
            },
            "al",
            &s.db.url,
        )
        .await
        .expect_err("refused");
        assert!(
            err.to_string().contains(
                "version 1.1.0 of 'Shop Pricing' is not approved and was committed by bo, not al"
            ),
            "{}: {err}",
            s.db.name
        );
        assert_eq!(
            s.json("anyone", &["run", "list"])["total"],
            0,
            "{}: no run was created",
            s.db.name
        );
        assert!(!marker.exists());
    }
}
