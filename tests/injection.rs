//! Stored text cannot drive a teammate's terminal through the CLI: the
//! injection corpus (OSC 0 and 52, CSI, C1, BEL, bidi controls, NUL) is put
//! in every field that is printed, by the CLI where it accepts it and by raw
//! SQL where it refuses it (old or tampered data), and every command that
//! prints stored text is run, for people and with `--json`. No raw control
//! byte may reach standard output or standard error, and the JSON still
//! parses back to the stored text.

#![cfg(feature = "sqlite")]

mod common;

use nexml::text::is_terminal_unsafe;
use serde_json::{Value, json};
use std::process::Output;

const PRICING: &str = "Pricing Optimization Baseline v1";

/// Each entry is one way text has been used to attack a terminal.
const CORPUS: &[&str] = &[
    "\x1b]0;owned title\x07",           // OSC 0: window title
    "\x1b]52;c;cm0gLXJmIH4=\x07",       // OSC 52: write the clipboard
    "\x1b[2J\x1b[1;1H\x1b[31m",         // CSI: clear, move, colour
    "\u{9b}2J\u{9d}0;c1 title\u{9c}",   // C1 CSI and OSC
    "\x07\x07",                         // BEL
    "\u{202e}gnp.exe\u{2066}x\u{2069}", // bidi override and isolates
    "nul\0byte",                        // NUL
    "\r\x1b[Kover\x7f\x08",             // CR, erase line, DEL, backspace
];

fn payload() -> String {
    format!("x{}y", CORPUS.concat())
}

/// Standard output and error carry no byte that a terminal would act on.
fn assert_inert(args: &[&str], out: &Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        let raw: Vec<String> = text
            .chars()
            .filter(|c| is_terminal_unsafe(*c) && *c != '\n')
            .map(|c| c.escape_unicode().to_string())
            .collect();
        assert!(
            raw.is_empty(),
            "`nexml {}` wrote {raw:?} raw to {stream}:\n{text}",
            args.join(" ")
        );
    }
}

struct World {
    home: tempfile::TempDir,
    db: common::TestDb,
}

impl World {
    fn run(&self, args: &[&str]) -> Output {
        self.run_as("alice", args)
    }

    fn run_as(&self, user: &str, args: &[&str]) -> Output {
        let out = common::nexml_command(self.home.path(), &self.db.url, user, args)
            .output()
            .expect("running nexml");
        assert_inert(args, &out);
        out
    }

    /// Runs a read that prints stored text, for people and as JSON.
    fn both(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "`nexml {}`: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        self.json(args)
    }

    /// Runs a command with `--json` and parses what it printed.
    fn json(&self, args: &[&str]) -> Value {
        let mut json_args = args.to_vec();
        json_args.push("--json");
        let out = self.run(&json_args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "`nexml {}` printed no JSON: {e}: {}{}",
                json_args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    async fn sql(&self, sql: &str) {
        self.db
            .raw_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// The payload as a SQL string literal (SQLite: char() for the controls).
fn sql_text(text: &str) -> String {
    let parts: Vec<String> = text
        .chars()
        .map(|c| format!("char({})", c as u32))
        .collect();
    parts.join(" || ")
}

#[tokio::test]
async fn no_command_prints_stored_text_raw() {
    let db = common::sqlite().await;
    let w = World {
        home: tempfile::tempdir().unwrap(),
        db,
    };
    let evil = payload();
    let evil_sql = sql_text(&evil);
    // A process argument cannot hold NUL; everything else can.
    let evil_arg = evil.replace('\0', "");
    w.run(&["--seed"]);

    // A recipe with the payload in its note, description, tags and a key.
    w.json(&["recipe", "clone", PRICING, "--name", "Shop"]);
    let version = w.both(&["recipe", "version", "Shop"]);
    let mut manifest = version["manifest_json"].clone();
    // NUL is refused in manifests; it comes in below through raw SQL.
    manifest["metadata"]["description"] = json!(evil_arg);
    manifest["pipeline"][evil_arg.as_str()] = json!(evil_arg);
    let file = w.write("m.json", &manifest.to_string());
    let commit = w.run(&[
        "recipe",
        "commit",
        "Shop",
        "--manifest",
        &file,
        "--note",
        &evil_arg,
    ]);
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    w.sql(&format!(
        "UPDATE ml_recipe SET tags = json_array({evil_sql}) WHERE name = 'Shop'"
    ))
    .await;

    // A model whose owner and audit actor came in before the door was shut.
    // An approval recorded before the door was shut (approvals are immutable
    // once written, so it goes in as written).
    w.sql(&format!(
        "INSERT INTO ml_recipe_approval (version_id, recipe_id, approved_by, approved_at) \
         SELECT v.version_id, v.recipe_id, {evil_sql}, '2026-01-01T00:00:00Z' FROM ml_recipe_version v \
         JOIN ml_recipe r ON r.id = v.recipe_id WHERE r.name = 'Shop' ORDER BY v.version_id DESC LIMIT 1"
    ))
    .await;
    w.sql("UPDATE ml_recipe SET status = 'approved' WHERE name = 'Shop'")
        .await;
    w.json(&["model", "register", "--recipe", "Shop", "--name", "shop"]);
    w.sql(&format!(
        "UPDATE ml_model SET owner = {evil_sql} WHERE name = 'shop'"
    ))
    .await;
    w.sql(&format!(
        "INSERT INTO ml_audit (at, actor, entity, entity_id, action, details) \
         SELECT '2026-01-01T00:00:00Z', {evil_sql}, 'model', id, 'status', '{{}}' FROM ml_model WHERE name = 'shop'"
    ))
    .await;

    // A run with the payload in its log, metric names and artifacts.
    let run = w.json(&["run", "create", "--model", "shop", "--type", "train"]);
    let id = run["id"].to_string();
    let metrics = json!({ evil.as_str(): 1.5 }).to_string();
    let artifacts = json!({ "model": evil }).to_string();
    let updated = w.run(&[
        "run",
        "update",
        &id,
        "--append-log",
        &evil_arg,
        "--metrics",
        &metrics,
        "--artifacts",
        &artifacts,
    ]);
    assert!(
        updated.status.success(),
        "{}",
        String::from_utf8_lossy(&updated.stderr)
    );

    // An alert whose rule and message hold the payload.
    w.sql(&format!(
        "INSERT INTO ml_alert (model_id, rule, source, metric, comparison, threshold, severity, state, value, message, opened_at, updated_at) \
         SELECT id, {evil_sql}, 'metric', {evil_sql}, '>', 1, 'critical', 'open', 2, {evil_sql}, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' \
         FROM ml_model WHERE name = 'shop'"
    ))
    .await;

    // Everything that prints it.
    for args in [
        &["recipe", "list"][..],
        &["recipe", "show", "Shop"],
        &["recipe", "versions", "Shop"],
        &["recipe", "version", "Shop"],
        &["recipe", "effective", "Shop"],
        &["recipe", "diff", "Shop", "1.0.0"],
        &["model", "list"],
        &["model", "show", "shop"],
        &["run", "list"],
        &["run", "show", &id],
        &["run", "logs", &id],
        &["monitor", "alerts", "shop"],
    ] {
        w.both(args);
    }
    // The JSON is still exact: the owner parses back to the stored text.
    let model = w.both(&["model", "show", "shop"]);
    assert_eq!(model["owner"], json!(evil));

    // Rebase previews name the payload key; the parent moved on for it.
    w.json(&["recipe", "rebase", "Shop"]);

    let alerts = w.both(&["monitor", "alerts", "shop"]);
    let alert = alerts[0]["id"].to_string();
    w.json(&["monitor", "ack", &alert]);
    w.json(&["monitor", "resolve", &alert]);

    // Refusals and errors that quote stored text or the user's input.
    for args in [
        &["recipe", "approve", "Shop"][..],
        &["recipe", "show", evil_arg.as_str()],
        &["model", "show", evil_arg.as_str()],
        &["model", "update", "shop", "--owner", evil_arg.as_str()],
        &["recipe", "clone", PRICING, "--name", evil_arg.as_str()],
    ] {
        let out = w.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "`nexml {args:?}` should be refused"
        );
    }
    let out = w.run_as(&evil_arg, &["recipe", "list"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a user name with controls is refused"
    );

    // The chat echoes what it was asked.
    w.run(&[
        "chat",
        "--recipe",
        "Shop",
        &format!("set the description to {evil_arg}"),
    ]);

    // Column names from a CSV header.
    let header = format!("price,\"{evil_arg}\"\n");
    let rows: String = (0..50).map(|i| format!("{},{}\n", i % 7, i % 5)).collect();
    let reference = w.write("ref.csv", &(header.clone() + &rows));
    let current = w.write("cur.csv", &(header + &rows));
    w.both(&["drift", "--reference", &reference, "--current", &current]);
}
