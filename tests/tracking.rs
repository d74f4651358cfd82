//! Runs tracked for real, through the `nexml` binary on every backend:
//! executing jobs (built-in trainers and commands), what they report,
//! cancel, stage timeouts, lost executors, the filter language, compare,
//! promotion gates, and MLflow's own client logging into `nexml serve`.

mod common;

use common::outcome::show;
use common::world::World;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const FORECASTING: &str = "Forecasting Baseline v1";
const BASELINES: [&str; 4] = [
    FORECASTING,
    "Pricing Optimization Baseline v1",
    "Next Best Action Baseline v1",
    "Location Scoring Baseline v1",
];

impl World {
    fn show_run(&self, id: i64) -> Value {
        self.json(&["run", "show", &id.to_string()])
    }

    /// Waits until the run's status is one of `statuses`.
    #[track_caller]
    fn wait_for(&self, id: i64, statuses: &[&str], within: Duration) -> Value {
        let until = Instant::now() + within;
        loop {
            let run = self.show_run(id);
            if statuses.contains(&run["status"].as_str().unwrap_or_default()) {
                return run;
            }
            assert!(Instant::now() < until, "run {id} stayed {}", run["status"]);
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The newest run's id.
    fn newest_run(&self) -> i64 {
        let page = self.json(&["run", "list", "--limit", "1"]);
        page["items"][0]["id"].as_i64().expect("a run")
    }

    /// Waits until the newest run is running (a job started in the background).
    #[track_caller]
    fn wait_for_running(&self) -> i64 {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let page = self.json(&["run", "list", "--limit", "1", "--status", "running"]);
            if let Some(id) = page["items"][0]["id"].as_i64() {
                return id;
            }
            assert!(Instant::now() < until, "no run started");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A recipe cloned from the forecasting baseline whose pipeline is
    /// `stages`, committed and approved.
    fn recipe_with_stages(&self, name: &str, stages: Value) -> String {
        self.ok(&["recipe", "clone", FORECASTING, "--name", name]);
        let mut manifest = self.json(&["recipe", "version", name])["manifest_json"].clone();
        manifest["pipeline"]["stages"] = stages;
        let path = self.home.path().join(format!("{name}.json"));
        std::fs::write(&path, manifest.to_string()).expect("writing a manifest");
        self.ok(&[
            "recipe",
            "commit",
            name,
            "--manifest",
            &path.display().to_string(),
            "--note",
            "stages",
        ]);
        let out = common::nexml_command(
            self.home.path(),
            &self.db.url,
            "dana",
            &["recipe", "approve", name],
        )
        .output()
        .expect("approving");
        assert!(out.status.success(), "{}", show(&out));
        name.to_string()
    }
}

fn thresholds_met(run: &Value, manifest: &Value) -> Vec<String> {
    nexml::domain::gates::shortfalls(manifest, &run["metrics_json"])
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_seeded_baseline_trains_with_the_built_in_trainers() {
    for w in World::all("exec_baselines").await {
        for baseline in BASELINES {
            let run = w.json(&["run", "exec", "--recipe", baseline, "--type", "train"]);
            assert_eq!(run["status"], "succeeded", "{}: {run}", w.db.name);
            let run = w.show_run(run["id"].as_i64().unwrap());
            // Real metrics, per step: a loss curve that goes down.
            let loss = run["metric_history"]["train_loss"]
                .as_array()
                .expect("a train_loss history");
            assert!(
                loss.len() >= 10,
                "{baseline}: {} train_loss points",
                loss.len()
            );
            let first = loss[0]["value"].as_f64().unwrap();
            let last = loss[loss.len() - 1]["value"].as_f64().unwrap();
            assert!(last < first, "{baseline}: train_loss {first} -> {last}");
            let manifest = w.json(&["recipe", "version", baseline])["manifest_json"].clone();
            assert_eq!(
                thresholds_met(&run, &manifest),
                Vec::<String>::new(),
                "{baseline}"
            );
            assert!(
                !run["params"].as_object().unwrap().is_empty(),
                "{baseline}: no params"
            );
            let files: Vec<&str> = run["artifact_files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["path"].as_str().unwrap())
                .collect();
            assert_eq!(files, ["model.json"], "{baseline}");
            assert!(
                run["logs_text"]
                    .as_str()
                    .unwrap()
                    .contains("== succeeded ==")
            );
        }
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jobs_report_lines_and_cli_calls_are_recorded() {
    for w in World::all("exec_reports").await {
        std::fs::write(w.home.path().join("eval.csv"), "step,loss\n1,0.5\n").unwrap();
        let script = r#"
            echo "starting"
            echo "nexml:metric loss=0.5 step=1"
            echo "nexml:metric loss=0.25 acc=0.75 step=2"
            echo '{"nexml": "params", "params": {"lr": "0.01", "depth": 4}}'
            echo "nexml:tag team=pricing"
            echo "nexml:artifact eval.csv"
            echo "nexml:metric loss=oops"
            "$NEXML_BIN" run log-metric rmse=1.5 --step 3
            "$NEXML_BIN" run log-param seed=7
            echo "to stderr" >&2
        "#;
        let run = w.json(&[
            "run",
            "exec",
            "--recipe",
            FORECASTING,
            "--name",
            "probe",
            "--",
            "sh",
            "-c",
            script,
        ]);
        assert_eq!(run["status"], "succeeded", "{run}");
        let run = w.show_run(run["id"].as_i64().unwrap());
        assert_eq!(run["name"], "probe");
        assert_eq!(run["metrics_json"]["loss"], 0.25);
        assert_eq!(run["metrics_json"]["rmse"], 1.5);
        assert_eq!(
            run["params"],
            serde_json::json!({"depth": "4", "lr": "0.01", "seed": "7"})
        );
        assert_eq!(run["tags"]["team"], "pricing");
        let loss: Vec<(i64, f64)> = run["metric_history"]["loss"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap()))
            .collect();
        assert_eq!(loss, [(1, 0.5), (2, 0.25)]);
        let artifact = &run["artifact_files"][0];
        assert_eq!(artifact["path"], "eval.csv");
        assert_eq!(artifact["size"], 16);
        let log = run["logs_text"].as_str().unwrap();
        assert!(
            log.contains("starting") && log.contains("to stderr"),
            "{log}"
        );
        assert!(
            log.contains("not recorded: nexml:metric: loss=oops is not a number"),
            "{log}"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_command_fails_the_run_with_its_exit_status() {
    for w in World::all("exec_failure").await {
        let err = w.refused(&[
            "run",
            "exec",
            "--recipe",
            FORECASTING,
            "--",
            "sh",
            "-c",
            "echo bad >&2; exit 3",
        ]);
        assert!(err.contains("failed: command: exit status 3"), "{err}");
        let run = w.show_run(w.newest_run());
        assert_eq!(run["status"], "failed");
        assert_eq!(run["exit_code"], 3);
        assert_eq!(run["status_reason"], "command: exit status 3");
        let err = w.refused(&[
            "run",
            "exec",
            "--recipe",
            FORECASTING,
            "--",
            "/no/such/program",
        ]);
        assert!(err.contains("cannot start '/no/such/program'"), "{err}");
        w.db.cleanup().await;
    }
}

/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> usize {
    let out = std::process::Command::new("pgrep")
        .args(["-f", marker])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn spawn_exec(w: &World, args: &[&str]) -> Child {
    w.command(args).spawn().expect("starting run exec")
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_the_job_and_everything_it_started() {
    for w in World::all("exec_cancel").await {
        let marker = format!("nexml-cancel-{}-{}", std::process::id(), w.db.name);
        // A child that ignores SIGTERM: the grace period ends with SIGKILL.
        let script =
            format!("trap '' TERM; sh -c 'sleep 600; echo {marker}' & sleep 600; echo {marker}");
        let mut exec = spawn_exec(
            &w,
            &[
                "run",
                "exec",
                "--recipe",
                FORECASTING,
                "--",
                "sh",
                "-c",
                &script,
            ],
        );
        let id = w.wait_for_running();
        // The job and the child it started (besides the executor, whose
        // command line names the marker too).
        let until = Instant::now() + Duration::from_secs(20);
        while processes_with(&marker) < 3 {
            assert!(Instant::now() < until, "the job did not start its child");
            std::thread::sleep(Duration::from_millis(100));
        }
        w.ok(&["run", "cancel", &id.to_string()]);
        let run = w.wait_for(id, &["cancelled"], Duration::from_secs(30));
        assert_eq!(run["status_reason"], "cancelled on request");
        let status = exec.wait().expect("run exec ends");
        assert_eq!(status.code(), Some(1));
        assert_eq!(
            processes_with(&marker),
            0,
            "the job's processes outlived the cancel"
        );
        // A finished run has nothing to cancel.
        let err = w.refused(&["run", "cancel", &id.to_string()]);
        assert!(err.contains("is cancelled already"), "{err}");
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stage_past_its_timeout_fails_the_run() {
    for w in World::all("exec_timeout").await {
        let stages = serde_json::json!([
            {"name": "quick", "type": "quality", "command": "echo checked"},
            {"name": "slow_fit", "type": "training", "command": "sleep 60", "timeout_minutes": 0.02}
        ]);
        let recipe = w.recipe_with_stages("Slow Forecasting", stages);
        let started = Instant::now();
        let err = w.refused(&["run", "exec", "--recipe", &recipe]);
        assert!(err.contains("slow_fit: timed out after 1s"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(30));
        let run = w.show_run(w.newest_run());
        assert_eq!(run["status"], "failed");
        assert!(run["logs_text"].as_str().unwrap().contains("checked"));
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_executor_is_marked_lost() {
    for w in World::all("exec_lost").await {
        let marker = format!("nexml-lost-{}-{}", std::process::id(), w.db.name);
        let script = format!("sleep 600; echo {marker}");
        let mut exec = spawn_exec(
            &w,
            &[
                "run",
                "exec",
                "--recipe",
                FORECASTING,
                "--",
                "sh",
                "-c",
                &script,
            ],
        );
        let id = w.wait_for_running();
        exec.kill().expect("killing the executor");
        exec.wait().expect("reaping it");
        // The next reader notices: its process is gone from this machine.
        let run = w.show_run(id);
        assert_eq!(run["status"], "failed", "{run}");
        assert_eq!(run["status_reason"], "executor lost");
        let _ = std::process::Command::new("pkill")
            .args(["-f", &marker])
            .status();
        w.db.cleanup().await;
    }
}

/// Runs with known metrics and params, made through the CLI.
fn logged_runs(w: &World, rows: &[(f64, &str, &str)]) -> Vec<i64> {
    rows.iter()
        .map(|(rmse, lr, team)| {
            let id = w.json(&["run", "create", "--recipe", FORECASTING, "--type", "train"])["id"]
                .as_i64()
                .unwrap();
            let run = id.to_string();
            w.ok(&["run", "log-metric", &format!("rmse={rmse}"), "--run", &run]);
            w.ok(&["run", "log-param", &format!("lr={lr}"), "--run", &run]);
            w.ok(&["run", "tag", &format!("team={team}"), "--run", &run]);
            id
        })
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_filter_language_selects_and_sorts_runs() {
    for w in World::all("run_filter").await {
        let r = logged_runs(
            &w,
            &[
                (0.4, "0.01", "a"),
                (0.7, "0.1", "b"),
                (0.2, "0.01", "b"),
                (0.9, "0.001", "a"),
            ],
        );
        let list = |filter: &str, order: Option<&str>| {
            let mut args = vec!["run", "list", "--filter", filter];
            if let Some(o) = order {
                args.extend(["--order-by", o]);
            }
            ids(&w.json(&args))
        };
        assert_eq!(list("metrics.rmse < 0.5", None), [r[2], r[0]]);
        assert_eq!(
            list("metrics.rmse >= 0.4 and params.lr = '0.01'", None),
            [r[0]]
        );
        assert_eq!(
            list("tags.team = 'b' AND metrics.rmse > 0.1", None),
            [r[2], r[1]]
        );
        assert_eq!(
            list("params.lr LIKE '0.0%'", Some("metrics.rmse DESC")),
            [r[3], r[0], r[2]]
        );
        assert_eq!(
            list("params.lr IN ('0.1', '0.001')", Some("metrics.rmse")),
            [r[1], r[3]]
        );
        assert_eq!(
            list(
                "status = 'queued' and type = 'train'",
                Some("metrics.rmse ASC")
            ),
            [r[2], r[0], r[1], r[3]]
        );
        assert_eq!(list("metrics.rmse != 0.4", None), [r[3], r[2], r[1]]);
        assert_eq!(list("metrics.missing < 1", None), Vec::<i64>::new());
        // Bad input: one line naming the position.
        let err = w.refused(&["run", "list", "--filter", "metrics.rmse < "]);
        assert!(
            err.contains("column 16: expected a value after '<'"),
            "{err}"
        );
        let err = w.refused(&["run", "list", "--filter", "params.lr = 0.01"]);
        assert!(err.contains("column 13") && err.contains("quote"), "{err}");
        let err = w.refused(&["run", "list", "--order-by", "metrics.rmse sideways"]);
        assert!(err.contains("column"), "{err}");
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn or_and_parentheses_list_the_union_of_their_alternatives() {
    for w in World::all("run_filter_or").await {
        // (rmse, lr, team); every other run is then running.
        let rows = [
            (0.1, "0.01", "a"),
            (0.2, "0.1", "b"),
            (0.3, "0.1", "a"),
            (0.4, "0.01", "b"),
            (0.5, "0.1", "b"),
            (0.6, "0.01", "a"),
            (0.7, "0.1", "a"),
            (0.8, "0.01", "b"),
        ];
        let r = logged_runs(&w, &rows);
        for id in r.iter().skip(1).step_by(2) {
            w.ok(&["run", "update", &id.to_string(), "--status", "running"]);
        }
        let page = |filter: &str, order: Option<&str>| {
            let mut args = vec!["run", "list", "--filter", filter, "--limit", "100"];
            if let Some(o) = order {
                args.extend(["--order-by", o]);
            }
            w.json(&args)
        };
        let list = |filter: &str| ids(&page(filter, None));
        // Newest first, each run once.
        let union = |parts: &[&str]| {
            let mut all: Vec<i64> = parts.iter().flat_map(|p| list(p)).collect();
            all.sort_unstable_by(|a, b| b.cmp(a));
            all.dedup();
            all
        };
        let cases: [(&str, &[&str]); 6] = [
            (
                "metrics.rmse < 0.15 or params.lr = '0.1'",
                &["metrics.rmse < 0.15", "params.lr = '0.1'"],
            ),
            (
                "tags.team = 'b' or params.lr = '0.01' or metrics.rmse > 0.75",
                &[
                    "tags.team = 'b'",
                    "params.lr = '0.01'",
                    "metrics.rmse > 0.75",
                ],
            ),
            (
                "metrics.rmse < 0.25 or metrics.rmse > 0.65",
                &["metrics.rmse < 0.25", "metrics.rmse > 0.65"],
            ),
            (
                "params.lr = '0.1' and (tags.team = 'a' OR status = 'running')",
                &[
                    "params.lr = '0.1' and tags.team = 'a'",
                    "params.lr = '0.1' and status = 'running'",
                ],
            ),
            (
                "metrics.rmse < 0.65 and (params.lr = '0.01' or (tags.team = 'b' and status = 'running'))",
                &[
                    "metrics.rmse < 0.65 and params.lr = '0.01'",
                    "metrics.rmse < 0.65 and tags.team = 'b' and status = 'running'",
                ],
            ),
            (
                "(tags.team = 'a' and metrics.rmse > 0.5) or (params.lr = '0.01' and metrics.rmse < 0.2) or id = 0",
                &[
                    "tags.team = 'a' and metrics.rmse > 0.5",
                    "params.lr = '0.01' and metrics.rmse < 0.2",
                ],
            ),
        ];
        for (filter, parts) in cases {
            let expected = union(parts);
            assert!(
                !expected.is_empty(),
                "{filter}: a case that selects nothing"
            );
            let got = page(filter, None);
            assert_eq!(ids(&got), expected, "{filter}");
            assert_eq!(got["total"], json!(expected.len()), "{filter}");
        }
        // Sorted by a metric: the same rows in the metric's order.
        let sorted = ids(&page(
            "tags.team = 'a' or metrics.rmse > 0.65",
            Some("metrics.rmse DESC"),
        ));
        let by_rmse: Vec<i64> = [7, 6, 5, 2, 0].iter().map(|&i| r[i]).collect();
        assert_eq!(sorted, by_rmse);
        let ends = ids(&page(
            "metrics.rmse < 0.15 or metrics.rmse > 0.75",
            Some("metrics.rmse DESC"),
        ));
        assert_eq!(ends, [r[7], r[0]]);
        // A group left open is named where it opens; nothing is listed.
        let err = w.refused(&[
            "run",
            "list",
            "--filter",
            "metrics.rmse < 1 and (tags.team = 'a' or id = 1",
        ]);
        assert!(
            err.contains("column 22: unclosed '(': no matching ')'"),
            "{err}"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_puts_params_and_metrics_side_by_side() {
    for w in World::all("run_compare").await {
        let r = logged_runs(&w, &[(0.5, "0.1", "a"), (0.25, "0.01", "a")]);
        let c = w.json(&["run", "compare", &r[0].to_string(), &r[1].to_string()]);
        assert_eq!(c["runs"], serde_json::json!([r[0], r[1]]));
        assert_eq!(c["params"][0]["key"], "lr");
        assert_eq!(c["params"][0]["differs"], true);
        assert_eq!(c["metrics"][0]["key"], "rmse");
        assert_eq!(c["metrics"][0]["deltas"], serde_json::json!([0.0, -0.25]));
        let table = w.ok(&["run", "compare", &r[0].to_string(), &r[1].to_string()]);
        assert!(
            table.contains("≠ lr") && table.contains("0.25 (-0.2500)"),
            "{table}"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn production_needs_a_run_that_meets_the_thresholds() {
    for w in World::all("gates").await {
        w.ok(&["model", "register", "--recipe", FORECASTING, "--name", "fc"]);
        w.ok(&["model", "promote", "fc", "staging"]);
        let err = w.refused(&["model", "promote", "fc", "production"]);
        assert!(
            err.contains("has no succeeded eval or backtest run")
                && err.contains("run exec --model 'fc' --type eval"),
            "{err}"
        );
        // An eval that misses: every unmet threshold is named with its value.
        let misses = "echo 'nexml:metric wape=0.4 mape=0.2'";
        w.ok(&[
            "run", "exec", "--model", "fc", "--type", "eval", "--", "sh", "-c", misses,
        ]);
        let err = w.refused(&["model", "promote", "fc", "production"]);
        assert!(
            err.contains("wape 0.4 > 0.25 (must be at most 0.25)"),
            "{err}"
        );
        assert!(err.contains("bias not reported"), "{err}");
        // --force passes, and says so in the audit.
        let forced = w.json(&[
            "model",
            "promote",
            "fc",
            "production",
            "--force",
            "hotfix, reviewed by dana",
        ]);
        assert_eq!(forced["status"], "production");
        let audit = w.json(&["audit", "list", "--entity", "model", "--limit", "100"]);
        let gate = audit
            .as_array()
            .or(audit["items"].as_array())
            .and_then(|rows| {
                rows.iter()
                    .rev()
                    .find_map(|r| r["details"].get("gate").cloned())
            })
            .expect("the promotion's gate in the audit");
        assert_eq!(gate["forced"], true, "{gate}");
        assert_eq!(gate["reason"], "hotfix, reviewed by dana");
        assert_eq!(gate["shortfalls"][0]["metric"], "wape");
        // A real eval with the built-in trainer opens the gate for another model.
        w.ok(&[
            "model",
            "register",
            "--recipe",
            FORECASTING,
            "--name",
            "fc2",
        ]);
        w.ok(&["model", "promote", "fc2", "staging"]);
        let eval = w.json(&["run", "exec", "--model", "fc2", "--type", "eval"]);
        assert_eq!(eval["status"], "succeeded");
        let promoted = w.json(&["model", "promote", "fc2", "production"]);
        assert_eq!(promoted["status"], "production");
        w.db.cleanup().await;
    }
}

/// The Python with MLflow's client: NEXML_MLFLOW_PYTHON, else the virtualenv
/// `scripts/test` makes. Missing: a failure in CI, else a notice.
fn mlflow_python() -> Option<String> {
    let candidate = std::env::var("NEXML_MLFLOW_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/target/mlflow-venv/bin/python",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let works = std::process::Command::new(&candidate)
        .args(["-c", "import mlflow, sklearn, pandas"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    if std::env::var("NEXML_REQUIRE_MLFLOW").is_ok_and(|v| v == "1") {
        panic!(
            "MLflow's client is required (NEXML_REQUIRE_MLFLOW=1) but {candidate} cannot import mlflow, sklearn and pandas"
        );
    }
    eprintln!(
        "notice: skipping the MLflow client tests: {candidate} cannot import mlflow, sklearn and pandas (scripts/test makes it)"
    );
    None
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(w: &World, port: u16) -> Server {
    let bind = format!("127.0.0.1:{port}");
    let server = Server(
        w.command(&["serve", "--bind", &bind])
            .spawn()
            .expect("starting nexml serve"),
    );
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&bind).is_err() {
        assert!(Instant::now() < until, "nexml serve did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// `mlflow.sklearn.autolog()` with its defaults: the fit's params, its
/// training metrics and the fitted model land in a nexml run (both
/// backends), and the model loads back through `models:/<id>`.
#[tokio::test(flavor = "multi_thread")]
async fn sklearn_autolog_keeps_the_metrics_and_the_model() {
    let Some(python) = mlflow_python() else {
        return;
    };
    for w in World::all("mlflow_autolog").await {
        let out = script_against_serve(&w, &python, "autolog", &[]);
        let (run, model) = run_and_model(&out);
        let shown = w.show_run(run);
        assert!(
            shown["metrics_json"]["training_score"].as_f64().unwrap() > 0.9,
            "{shown}"
        );
        assert_eq!(shown["params"]["max_iter"], "300");
        let paths: Vec<&str> = shown["artifact_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&format!("models/{model}/MLmodel").as_str()),
            "{}: {paths:?}",
            w.db.name
        );
    }
}

/// MLflow's model registry through MLflow's own client (both backends): a
/// model logged with `registered_model_name`, loaded by an alias, a second
/// version, tags, searches, a rename and deletions; each change audited as
/// the registered model's, the audit chain still whole.
#[tokio::test(flavor = "multi_thread")]
async fn the_mlflow_registry_keeps_versions_aliases_and_tags() {
    let Some(python) = mlflow_python() else {
        return;
    };
    for w in World::all("mlflow_registry").await {
        script_against_serve(&w, &python, "registry", &[]);
        let audit = w.json(&[
            "audit",
            "list",
            "--entity",
            "registered_model",
            "--limit",
            "100",
        ]);
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"create") && actions.contains(&"version"),
            "{actions:?}"
        );
        assert!(
            actions.contains(&"change") && actions.contains(&"version_change"),
            "{actions:?}"
        );
        // The audit table was rebuilt for the new entity on SQLite.
        let verified = w.ok(&["audit", "verify"]);
        assert!(verified.contains("the audit chain is intact"), "{verified}");
    }
}

/// A registered version made by a run of a nexml model follows that
/// model's gated promotion: its stage and the `staging` and `production`
/// aliases move with `model promote`, and MLflow's client cannot move them;
/// a version of no model stays MLflow's own (both backends).
#[tokio::test(flavor = "multi_thread")]
async fn a_registered_version_of_a_nexml_model_follows_its_promotion() {
    let Some(python) = mlflow_python() else {
        return;
    };
    for w in World::all("mlflow_lifecycle").await {
        w.ok(&["model", "register", "--recipe", FORECASTING, "--name", "fc"]);
        w.ok(&["model", "promote", "fc", "staging"]);
        script_against_serve(&w, &python, "lifecycle", &["staging"]);
        w.ok(&[
            "model",
            "promote",
            "fc",
            "production",
            "--force",
            "checked by hand",
        ]);
        let out = script_against_serve(&w, &python, "lifecycle", &["production"]);
        let run: i64 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("the tied version's run");
        // `run show` says the same as MLflow's client.
        let shown = w.show_run(run)["registered_versions"].clone();
        assert_eq!(
            shown,
            serde_json::json!([{"name": "fc-registered", "version": 1, "stage": "Production"}]),
            "{}",
            w.db.name
        );
        w.db.cleanup().await;
    }
}

/// MLflow's Python, pointed at `nexml serve` on `port`, quiet and without
/// retries.
fn mlflow_command(python: &str, port: u16) -> std::process::Command {
    let mut c = std::process::Command::new(python);
    c.env("MLFLOW_TRACKING_URI", format!("http://127.0.0.1:{port}"))
        .env("MLFLOW_DISABLE_TELEMETRY", "true")
        .env("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        .env("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true");
    c
}

/// `tests/mlflow/<name>.py` run to its end against a `nexml serve` of its
/// own, its first argument the forecasting baseline; it must succeed.
fn script_against_serve(
    w: &World,
    python: &str,
    name: &str,
    args: &[&str],
) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/mlflow/{name}.py"));
    let port = free_port();
    let _server = serve(w, port);
    let out = mlflow_command(python, port)
        .arg(script)
        .arg(FORECASTING)
        .args(args)
        .output()
        .expect("running the MLflow script");
    assert!(
        out.status.success(),
        "{}: {name}.py failed\n{}",
        w.db.name,
        show(&out)
    );
    out
}

/// The run id and the model id a script printed, one a line.
fn run_and_model(out: &std::process::Output) -> (i64, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let mut lines = stdout.lines();
    let run: i64 = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("a run id");
    let model = lines.next().expect("a model id").trim().to_string();
    assert!(model.starts_with("m-") && model.len() == 34, "{model}");
    (run, model)
}

/// MLflow 3's logged models, through MLflow's own client: made in a run,
/// their files kept as the run's artifacts under `models/<id>/`, params
/// and tags merged, finalized, searched, deleted (both backends).
#[tokio::test(flavor = "multi_thread")]
async fn mlflow_logged_models_are_made_finalized_searched_and_deleted() {
    let Some(python) = mlflow_python() else {
        return;
    };
    for w in World::all("mlflow_models").await {
        let out = script_against_serve(&w, &python, "logged_model", &[]);
        let (run, model) = run_and_model(&out);
        let shown = w.show_run(run);
        let paths: Vec<&str> = shown["artifact_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                format!("models/{model}/MLmodel"),
                format!("models/{model}/data/model.txt")
            ],
            "{}",
            w.db.name
        );
        // Each change is audited as the recipe's.
        let audit = w.ok(&["audit", "list", "--entity", "recipe", "--limit", "20"]);
        assert!(audit.contains("logged_model"), "{audit}");
    }
}

/// MLflow's experiments through MLflow's own client (both backends): a
/// new experiment by name holds real nexml runs of no recipe (in `run
/// list`, by experiment) until `experiment link` gives it one; a run with
/// no experiment set lands in Default (0); tags, search, rename, delete
/// and restore as MLflow has them.
#[tokio::test(flavor = "multi_thread")]
async fn experiments_a_client_makes_hold_runs_until_linked_to_a_recipe() {
    let Some(python) = mlflow_python() else {
        return;
    };
    for w in World::all("mlflow_experiments").await {
        let out = script_against_serve(&w, &python, "experiments", &[]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let ids: Vec<i64> = stdout
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        let [swept, unset] = ids[..] else {
            panic!("two run ids: {stdout}");
        };
        let runs = w.json(&["run", "list", "--experiment", "churn sweeps 2026"]);
        let items = runs["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}: {runs}", w.db.name);
        assert_eq!(items[0]["id"], swept);
        assert!(items[0]["recipe_id"].is_null(), "no recipe yet: {runs}");
        // The filter language names experiments too, with `or` beside them.
        let either = w.json(&[
            "run",
            "list",
            "--filter",
            "experiment = 'churn sweeps 2026' or experiment = 'Default'",
            "--order-by",
            "id",
        ]);
        let ids: Vec<i64> = either["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [swept, unset], "{either}");
        let plain = w.ok(&["run", "show", &swept.to_string()]);
        assert!(plain.contains("- (its experiment has none)"), "{plain}");
        assert!(plain.contains("churn sweeps 2026 ("), "{plain}");
        assert_eq!(w.show_run(unset)["experiment_id"], 0);
        let listed = w.json(&["experiment", "list"]);
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"Default") && names.contains(&FORECASTING),
            "{names:?}"
        );

        let linked = w.ok(&["experiment", "link", "churn sweeps 2026", FORECASTING]);
        assert!(linked.contains("1 of its runs"), "{linked}");
        let run = w.show_run(swept);
        assert_eq!(run["recipe_name"], FORECASTING, "{run}");
        assert_eq!(run["experiment_name"], "churn sweeps 2026");
        let recipe_runs = w.json(&["run", "list", "--recipe", FORECASTING]);
        assert!(
            recipe_runs["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == swept),
            "the linked run is the recipe's: {recipe_runs}"
        );
        let audit = w.ok(&["audit", "list", "--entity", "experiment", "--limit", "20"]);
        assert!(
            audit.contains("link") && audit.contains("create"),
            "{audit}"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_mlflow_script_logs_into_nexml_serve() {
    let Some(python) = mlflow_python() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mlflow/train.py");
    for w in World::all("mlflow_serve").await {
        let port = free_port();
        let _server = serve(&w, port);
        let out = mlflow_command(&python, port)
            .arg(&script)
            .args([FORECASTING, "1000"])
            // Not the server's user: the run reports the one the client named.
            .env("LOGNAME", "mlflow-ana")
            .env("USER", "mlflow-ana")
            .output()
            .expect("running the MLflow script");
        assert!(
            out.status.success(),
            "{}: the MLflow script failed\n{}",
            w.db.name,
            show(&out)
        );
        let id: i64 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a run id");
        let run = w.show_run(id);
        assert_eq!(run["name"], "mlflow-script");
        assert_eq!(
            run["inputs"][0]["name"], "store_sales",
            "the dataset: {run}"
        );
        assert!(run["deleted_through_mlflow"].is_null(), "restored: {run}");
        let plain = w.ok(&["run", "show", &id.to_string()]);
        assert!(plain.contains("store_sales (training)"), "{plain}");
        assert_eq!(run["status"], "succeeded");
        assert_eq!(
            run["params"],
            serde_json::json!({"epochs": "10", "lr": "0.01", "optimizer": "adam"})
        );
        assert_eq!(run["tags"]["team"], "forecasting");
        let loss = run["metric_history"]["loss"].as_array().unwrap();
        assert_eq!(loss.len(), 1000);
        for (step, point) in loss.iter().enumerate() {
            assert_eq!(point["step"], step as i64);
            assert_eq!(point["value"].as_f64().unwrap(), 1.0 / (step as f64 + 1.0));
        }
        assert_eq!(run["metrics_json"]["wape"], 0.12);
        let paths: Vec<&str> = run["artifact_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["notes.txt", "reports/notes.txt"]);
        let copy = run["artifact_files"][0]["uri"].as_str().unwrap();
        assert_eq!(
            std::fs::read_to_string(copy).unwrap(),
            "trained by an unchanged MLflow script\n"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_answers_nexmls_rest_endpoints_with_the_clis_json() {
    for w in World::all("rest").await {
        let port = free_port();
        let _server = serve(&w, port);
        let get = |path: &str| curl(port, "GET", path, None);
        let (code, recipes) = get("/api/ml-development/recipes?family=pricing");
        assert_eq!(code, 200);
        assert_eq!(recipes, w.json(&["recipe", "list", "--family", "pricing"]));
        let (_, one) = get("/api/ml-development/recipes/1");
        assert_eq!(one, w.json(&["recipe", "show", "1"]));
        let (code, missing) = get("/api/ml-development/runs/999");
        assert_eq!(code, 404);
        assert_eq!(missing["error_code"], "RESOURCE_DOES_NOT_EXIST");
        let (code, bad) = get("/api/ml-development/runs?filter=metrics.x%20%3C");
        assert_eq!(code, 400);
        assert!(bad["message"].as_str().unwrap().contains("column"), "{bad}");
        // Writes go through the same rules: production is gated here too.
        let send = |method: &str, path: &str, body: &str| curl(port, method, path, Some(body));
        let (code, model) = send(
            "POST",
            "/api/ml-development/models",
            r#"{"recipe_id": 1, "name": "via-rest"}"#,
        );
        assert_eq!(code, 200, "{model}");
        assert_eq!(model, w.json(&["model", "show", "via-rest"]));
        let path = format!("/api/ml-development/models/{}", model["id"]);
        let (code, _) = send("PUT", &path, r#"{"status": "staging"}"#);
        assert_eq!(code, 200);
        let (code, refused) = send("PUT", &path, r#"{"status": "production"}"#);
        assert_eq!(code, 400);
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("no succeeded eval"),
            "{refused}"
        );
        let (code, forced) = send("PUT", &path, r#"{"status": "production", "force": "demo"}"#);
        assert_eq!((code, forced["status"].as_str()), (200, Some("production")));
        w.db.cleanup().await;
    }
}

/// A request to `nexml serve` on `port`: its status and JSON answer.
fn curl(port: u16, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut c = std::process::Command::new("curl");
    c.args(["-s", "-X", method, "-w", "\n%{http_code}"]);
    if let Some(body) = body {
        c.args(["-H", "Content-Type: application/json", "-d", body]);
    }
    let out = c
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').expect("a status line");
    (
        code.parse().expect("an HTTP status"),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mlflow_face_makes_a_run_per_create_and_refuses_as_mlflow_does() {
    for w in World::all("mlflow_rules").await {
        let port = free_port();
        let _server = serve(&w, port);
        let send = |method: &str, path: &str, body: &str| curl(port, method, path, Some(body));
        // Each runs/create makes a run, as MLflow's server does, even one
        // identical to an earlier request; the client's start time is kept.
        let create = r#"{"experiment_id": "1", "start_time": 1764420000123, "run_name": "twice"}"#;
        for _ in 0..2 {
            let (code, reply) = send("POST", "/api/2.0/mlflow/runs/create", create);
            assert_eq!(code, 200, "{reply}");
            assert_eq!(reply["run"]["info"]["start_time"], json!(1764420000123_i64));
        }
        let named = w.json(&["run", "list", "--filter", "name = 'twice'"]);
        assert_eq!(ids(&named).len(), 2, "{named}");
        // Refusals are worded as MLflow's server words them.
        let (code, refused) = send(
            "POST",
            "/api/2.0/mlflow/runs/log-metric",
            r#"{"run_id": 31, "key": "m", "value": 1, "timestamp": 5}"#,
        );
        assert_eq!(
            (code, refused["error_code"].as_str()),
            (400, Some("INVALID_PARAMETER_VALUE"))
        );
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Invalid value 31 for parameter 'run_id' supplied"),
            "{refused}"
        );
        let run = ids(&named)[0].to_string();
        let (code, refused) = send(
            "POST",
            "/api/2.0/mlflow/runs/log-batch",
            &format!(r#"{{"run_id": "{run}", "metrics": [{{"key": "mae", "value": 2.5}}]}}"#),
        );
        assert_eq!(code, 400);
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Missing value for required parameter 'metrics[0].timestamp'"),
            "{refused}"
        );
        // A value that is not a number is recorded, as MLflow records it,
        // and read back in its place; the run's numbers are untouched.
        for (step, value) in [(0, "1.5"), (1, "\"NaN\""), (2, "\"-Infinity\"")] {
            let body = format!(
                r#"{{"run_id": "{run}", "key": "grad", "value": {value}, "timestamp": 5, "step": {step}}}"#
            );
            let (code, reply) = send("POST", "/api/2.0/mlflow/runs/log-metric", &body);
            assert_eq!(code, 200, "{value}: {reply}");
        }
        let (_, history) = curl(
            port,
            "GET",
            &format!("/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=grad"),
            None,
        );
        let values: Vec<&Value> = history["metrics"]
            .as_array()
            .unwrap_or_else(|| panic!("{history}"))
            .iter()
            .map(|m| &m["value"])
            .collect();
        assert_eq!(values, [&json!(1.5), &json!("NaN"), &json!("-Infinity")]);
        // Those count toward max_results as the numbers do.
        let (_, two) = curl(
            port,
            "GET",
            &format!(
                "/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=grad&max_results=2"
            ),
            None,
        );
        let shown = two["metrics"].as_array().map_or(0, Vec::len);
        assert_eq!(shown, 2, "{two}");
        // A page says where the next starts, as MLflow pages a history
        // (and MLflow's `ajax-api` prefix answers the same).
        let token = two["next_page_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{two}"));
        let (_, rest) = curl(
            port,
            "GET",
            &format!(
                "/ajax-api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=grad&max_results=2&page_token={token}"
            ),
            None,
        );
        assert_eq!(rest["metrics"][0]["value"], json!("-Infinity"), "{rest}");
        assert!(rest["next_page_token"].is_null(), "the last page: {rest}");
        let (_, got) = curl(
            port,
            "GET",
            &format!("/api/2.0/mlflow/runs/get?run_id={run}"),
            None,
        );
        let latest = got["run"]["data"]["metrics"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["key"] == "grad"))
            .unwrap_or_else(|| panic!("{got}"));
        assert_eq!(
            (&latest["value"], &latest["step"]),
            (&json!("-Infinity"), &json!(2))
        );
        let shown = w.show_run(run.parse().unwrap());
        assert!(
            shown["metrics_json"].get("grad").is_none(),
            "ended on -Infinity, grad has no final number a gate could pass on: {shown}"
        );
        let kept: Vec<&Value> = shown["nonfinite_points"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| &p["value"])
            .collect();
        assert_eq!(kept, [&json!("NaN"), &json!("-Infinity")], "{shown}");
        let plain = w.ok(&["run", "show", &run]);
        assert!(plain.contains("grad at step 1: NaN"), "{plain}");
        // A run deleted through MLflow is kept, shown as deleted, and left
        // out of MLflow's searches until it is restored.
        let in_search = |view: &str| -> Vec<String> {
            let body = format!(r#"{{"experiment_ids": ["1"], "run_view_type": "{view}"}}"#);
            let (_, found) = send("POST", "/api/2.0/mlflow/runs/search", &body);
            found["runs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| r["info"]["run_id"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        let one = format!(r#"{{"run_id": "{run}"}}"#);
        let (code, reply) = send("POST", "/api/2.0/mlflow/runs/delete", &one);
        assert_eq!(code, 200, "{reply}");
        assert!(!in_search("ACTIVE_ONLY").contains(&run));
        assert_eq!(in_search("DELETED_ONLY"), vec![run.clone()]);
        assert!(in_search("ALL").contains(&run));
        // Written to while deleted: refused as MLflow refuses it.
        let point = format!(r#"{{"run_id": "{run}", "key": "late", "value": 1, "timestamp": 5}}"#);
        let (code, refused) = send("POST", "/api/2.0/mlflow/runs/log-metric", &point);
        assert_eq!(code, 400, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("must be in the 'active' state. Current state is deleted."),
            "{refused}"
        );
        let (_, got) = curl(
            port,
            "GET",
            &format!("/api/2.0/mlflow/runs/get?run_id={run}"),
            None,
        );
        assert_eq!(got["run"]["info"]["lifecycle_stage"], "deleted", "{got}");
        let shown = w.show_run(run.parse().unwrap());
        assert!(
            shown["deleted_through_mlflow"]["deleted_by"].is_string(),
            "run show says it was deleted: {shown}"
        );
        let listed = w.json(&["run", "list", "--filter", "name = 'twice'"]);
        assert_eq!(ids(&listed).len(), 2, "nexml still lists it: {listed}");
        let (code, _) = send("POST", "/api/2.0/mlflow/runs/restore", &one);
        assert_eq!(code, 200);
        assert!(in_search("ACTIVE_ONLY").contains(&run));
        let (code, reply) = send("POST", "/api/2.0/mlflow/runs/log-metric", &point);
        assert_eq!(code, 200, "restored, it takes writes again: {reply}");
        // A tag is deleted once; deleting it again is an error, as in MLflow.
        let tag = format!(r#"{{"run_id": "{run}", "key": "team", "value": "x"}}"#);
        let (code, _) = send("POST", "/api/2.0/mlflow/runs/set-tag", &tag);
        assert_eq!(code, 200);
        let untag = format!(r#"{{"run_id": "{run}", "key": "team"}}"#);
        let (code, reply) = send("POST", "/api/2.0/mlflow/runs/delete-tag", &untag);
        assert_eq!(code, 200, "{reply}");
        let (code, reply) = send("POST", "/api/2.0/mlflow/runs/delete-tag", &untag);
        assert_eq!(code, 404, "{reply}");
        assert_eq!(reply["error_code"], "RESOURCE_DOES_NOT_EXIST", "{reply}");
        assert!(
            reply["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("No tag with name: team in run with id"),
            "{reply}"
        );
        // A dataset without its digest is refused by name, nothing kept.
        let body = format!(
            r#"{{"run_id": "{run}", "datasets": [{{"dataset": {{"name": "d", "source_type": "local", "source": "x"}}}}]}}"#
        );
        let (code, refused) = send("POST", "/api/2.0/mlflow/runs/log-inputs", &body);
        assert_eq!(code, 400, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("'datasets[0].digest'"),
            "{refused}"
        );
        // A dataset logged twice is kept, and audited, once.
        let body = format!(
            r#"{{"run_id": "{run}", "datasets": [{{"tags": [{{"key": "mlflow.data.context", "value": "training"}}], "dataset": {{"name": "d", "digest": "ab12", "source_type": "local", "source": "x"}}}}]}}"#
        );
        for _ in 0..2 {
            let (code, reply) = send("POST", "/api/2.0/mlflow/runs/log-inputs", &body);
            assert_eq!(code, 200, "{reply}");
        }
        let shown = w.show_run(run.parse().unwrap());
        let inputs = shown["inputs"].as_array().map_or(0, Vec::len);
        assert_eq!(inputs, 1, "{shown}");
        let audit = w.json(&["audit", "list", "--entity", "run", "--id", &run]);
        let logged = audit
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["action"] == "inputs")
            .count();
        assert_eq!(logged, 1, "{audit}");
        // `or` and parentheses through MLflow's search too.
        let body = r#"{"experiment_ids": ["1"], "filter": "(metrics.late = 1 or attributes.run_name = 'nobody') and attributes.status != 'FAILED'"}"#;
        let (code, found) = send("POST", "/api/2.0/mlflow/runs/search", body);
        assert_eq!(code, 200, "{found}");
        let found: Vec<&str> = found["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["info"]["run_id"].as_str())
            .collect();
        assert_eq!(found, [run.as_str()]);
        let (code, refused) = send(
            "POST",
            "/api/2.0/mlflow/runs/search",
            r#"{"experiment_ids": ["1"], "max_results": 123456789}"#,
        );
        assert_eq!(code, 400);
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Invalid value 123456789 for parameter 'max_results' supplied"),
            "{refused}"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serving_beyond_loopback_needs_a_token() {
    for w in World::all("serve_token").await {
        let err = w.refused(&["serve", "--bind", "0.0.0.0:0"]);
        assert!(err.contains("NEXML_SERVE_TOKEN"), "{err}");
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let _server = Server(
            w.command(&["serve", "--bind", &bind])
                .env("NEXML_SERVE_TOKEN", "s3cret")
                .spawn()
                .expect("serve"),
        );
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&bind).is_err() {
            assert!(Instant::now() < until);
            std::thread::sleep(Duration::from_millis(100));
        }
        let code = |auth: Option<&str>| {
            let mut c = std::process::Command::new("curl");
            c.args(["-s", "-o", "/dev/null", "-w", "%{http_code}"]);
            if let Some(a) = auth {
                c.args(["-H", &format!("Authorization: Bearer {a}")]);
            }
            let out = c
                .arg(format!("http://{bind}/health"))
                .output()
                .expect("curl");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        assert_eq!(code(None), "401");
        assert_eq!(code(Some("wrong")), "401");
        assert_eq!(code(Some("s3cret")), "200");
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thinned_history_keeps_each_buckets_extremes_at_their_own_steps() {
    for w in World::all("thinning").await {
        let id = w.json(&["run", "create", "--recipe", FORECASTING, "--type", "train"])["id"]
            .as_i64()
            .unwrap();
        // A falling curve with a spike at step 30.
        let script: String = (0..100)
            .map(|step| {
                let value = if step == 30 { 500 } else { 100 - step };
                format!("echo 'nexml:metric loss={value} step={step}'\n")
            })
            .collect();
        w.ok(&[
            "run",
            "exec",
            "--run",
            &id.to_string(),
            "--",
            "sh",
            "-c",
            &script,
        ]);
        let points = w.json(&["run", "metrics", &id.to_string(), "loss", "--points", "6"]);
        let got: Vec<(i64, f64)> = points
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap()))
            .collect();
        assert_eq!(
            got,
            // The first point, then each half's extremes (the last is one).
            [(0, 100.0), (30, 500.0), (49, 51.0), (50, 50.0), (99, 1.0)],
            "{}",
            w.db.name
        );
        let all = w.json(&["run", "metrics", &id.to_string(), "loss"]);
        assert_eq!(all.as_array().unwrap().len(), 100);
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_param_never_changes_even_within_one_report() {
    for w in World::all("param_change").await {
        let script = "echo 'nexml:param lr=0.1'; echo 'nexml:param lr=0.2'; echo 'nexml:metric loss=0.5 step=1'";
        let run = w.json(&[
            "run",
            "exec",
            "--recipe",
            FORECASTING,
            "--",
            "sh",
            "-c",
            script,
        ]);
        let run = w.show_run(run["id"].as_i64().unwrap());
        // The first value stays (alone, when the two reached different
        // reports; neither, when one report held both): never the second.
        let params = &run["params"];
        assert!(
            *params == serde_json::json!({}) || *params == serde_json::json!({"lr": "0.1"}),
            "{}: {params}",
            w.db.name
        );
        // What else came with it is kept, and the log says why the params were not.
        assert_eq!(run["metrics_json"]["loss"], 0.5);
        let log = run["logs_text"].as_str().unwrap();
        assert!(
            log.contains("not recorded: param 'lr'") && log.contains("is '0.1' already"),
            "{log}"
        );
        let id = run["id"].to_string();
        w.ok(&["run", "log-param", "seed=3", "--run", &id]);
        w.ok(&["run", "log-param", "seed=3", "--run", &id]);
        let err = w.refused(&["run", "log-param", "seed=4", "--run", &id]);
        assert!(
            err.contains("param 'seed' of run") && err.contains("is '3' already"),
            "{err}"
        );
        w.db.cleanup().await;
    }
}

/// An executor on another machine is not asked whether it lives: a run it
/// has not vouched for in 30 s is lost; one heard from in time is not, nor
/// a run no executor holds, nor one its executor finished.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_whose_executor_stopped_vouching_is_lost() {
    use nexml::domain::{Clock, RunStatus, RunType};
    for db in common::backends("heartbeat").await {
        let start = chrono::Utc::now();
        let at = |seconds: i64| {
            db.service()
                .with_clock(Clock::Fixed(start + chrono::Duration::seconds(seconds)))
        };
        let svc = at(0);
        nexml::seed::seed_baselines(&svc).await.expect("baselines");
        let recipe = svc.store().find_recipe(FORECASTING).await.unwrap();
        let mut ids = Vec::new();
        for _ in 0..4 {
            let run = svc
                .create_run(
                    nexml::store::NewRun {
                        recipe_id: recipe.id,
                        version: None,
                        model_id: None,
                        run_type: RunType::Train,
                    },
                    "alice",
                )
                .await
                .unwrap();
            ids.push(run.id);
        }
        // 0 and 1 executing elsewhere, 2 finished there, 3 queued with no executor.
        for &id in &ids[..3] {
            svc.claim_run(id, "elsewhere:4242", "alice").await.unwrap();
        }
        svc.finish_run(
            ids[2],
            RunStatus::Succeeded,
            "exit status 0",
            Some(0),
            "alice",
        )
        .await
        .unwrap();
        // The second executor vouches at 20 s; at 40 s only the first is silent past 30 s.
        at(20).heartbeat_run(ids[1]).await.unwrap();
        let alive = |_: &str| false;
        assert_eq!(
            at(25).reap_lost_runs(&alive, "alice").await.unwrap(),
            Vec::<i64>::new()
        );
        assert_eq!(
            at(40).reap_lost_runs(&alive, "alice").await.unwrap(),
            vec![ids[0]]
        );
        let lost = svc.store().run(ids[0]).await.unwrap();
        assert_eq!(lost.status, RunStatus::Failed, "{}", db.name);
        assert_eq!(lost.status_reason, "executor lost");
        for (id, expected) in
            ids[1..]
                .iter()
                .zip([RunStatus::Running, RunStatus::Succeeded, RunStatus::Queued])
        {
            let run = svc.store().run(*id).await.unwrap();
            assert_eq!(run.status, expected, "run {id} on {}", db.name);
        }
        db.cleanup().await;
    }
}

/// `experiments/search` as MLflow's client calls it: by name (any case),
/// ordered, a page at a time, and an archived recipe as a deleted
/// experiment, seen only when asked for.
#[tokio::test(flavor = "multi_thread")]
async fn experiments_are_searched_by_name_in_order_a_page_at_a_time() {
    for w in World::all("mlflow_experiments").await {
        for name in ["Shop Pricing", "Fuel Pricing", "Hotel Pricing"] {
            w.ok(&[
                "recipe",
                "clone",
                "Pricing Optimization Baseline v1",
                "--name",
                name,
            ]);
        }
        // Approved by another (four-eyes), then archived.
        let hotel = w.json(&["recipe", "show", "Hotel Pricing"])["id"]
            .as_i64()
            .expect("the recipe's id");
        w.db.service()
            .approve_version(
                nexml::service::changes::ApproveVersion::latest(hotel),
                "dana",
            )
            .await
            .expect("dana approves");
        w.ok(&["recipe", "archive", "Hotel Pricing"]);
        let port = free_port();
        let _server = serve(&w, port);
        let search = |body: &str| {
            curl(
                port,
                "POST",
                "/api/2.0/mlflow/experiments/search",
                Some(body),
            )
        };
        let names = |reply: &Value| -> Vec<String> {
            reply["experiments"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["name"].as_str().unwrap_or_default().to_string())
                .collect()
        };

        let (code, found) =
            search(r#"{"filter": "name ILIKE '%pricing'", "order_by": ["name DESC"]}"#);
        assert_eq!(code, 200, "{found}");
        assert_eq!(names(&found), ["Shop Pricing", "Fuel Pricing"], "{found}");

        // A page at a time, the token of the next page given back.
        let (_, first) =
            search(r#"{"filter": "name LIKE '%Pricing'", "order_by": ["name"], "max_results": 1}"#);
        assert_eq!(names(&first), ["Fuel Pricing"], "{first}");
        let token = first["next_page_token"]
            .as_str()
            .expect("a next page")
            .to_string();
        let (_, second) = search(&format!(
            r#"{{"filter": "name LIKE '%Pricing'", "order_by": ["name"], "max_results": 1, "page_token": "{token}"}}"#
        ));
        assert_eq!(names(&second), ["Shop Pricing"], "{second}");
        assert!(second.get("next_page_token").is_none(), "{second}");

        // A tag a client sets is the experiment's: searched, shown, removed.
        let shop = w.json(&["recipe", "show", "Shop Pricing"])["id"]
            .as_i64()
            .expect("the recipe's id");
        let tag = |rpc: &str, body: String| {
            curl(
                port,
                "POST",
                &format!("/api/2.0/mlflow/experiments/{rpc}"),
                Some(&body),
            )
        };
        let set = format!(r#"{{"experiment_id": "{shop}", "key": "team", "value": "pricing"}}"#);
        let (code, reply) = tag("set-experiment-tag", set);
        assert_eq!(code, 200, "{reply}");
        let (_, tagged) = search(r#"{"filter": "tags.team = 'pricing'"}"#);
        assert_eq!(names(&tagged), ["Shop Pricing"], "{tagged}");
        let (_, got) = curl(
            port,
            "GET",
            &format!("/api/2.0/mlflow/experiments/get?experiment_id={shop}"),
            None,
        );
        let tags = got["experiment"]["tags"].to_string();
        assert!(
            tags.contains(r#"{"key":"team","value":"pricing"}"#),
            "{got}"
        );
        let audit = w.json(&[
            "audit",
            "list",
            "--entity",
            "recipe",
            "--id",
            &shop.to_string(),
        ]);
        assert!(audit.to_string().contains("experiment_tag"), "{audit}");
        let (code, refused) = tag(
            "set-experiment-tag",
            format!(r#"{{"experiment_id": "{shop}", "key": "nexml.family", "value": "x"}}"#),
        );
        assert_eq!(code, 400, "nexml's own tags are not a client's: {refused}");
        let (code, refused) = tag(
            "set-experiment-tag",
            format!(
                r#"{{"experiment_id": "{shop}", "key": "{}", "value": "x"}}"#,
                "k".repeat(251)
            ),
        );
        assert_eq!(code, 400, "a key over 250 characters: {refused}");
        let gone = format!(r#"{{"experiment_id": "{shop}", "key": "team"}}"#);
        let (code, reply) = tag("delete-experiment-tag", gone.clone());
        assert_eq!(code, 200, "{reply}");
        let (_, untagged) = search(r#"{"filter": "tags.team = 'pricing'"}"#);
        assert_eq!(names(&untagged), Vec::<String>::new(), "{untagged}");
        let (code, _) = tag("delete-experiment-tag", gone);
        assert_eq!(code, 404, "a tag it does not have");

        // The archived recipe is a deleted experiment.
        let (_, deleted) = search(r#"{"view_type": "DELETED_ONLY"}"#);
        assert_eq!(names(&deleted), ["Hotel Pricing"], "{deleted}");
        assert_eq!(deleted["experiments"][0]["lifecycle_stage"], "deleted");
        let hotel = deleted["experiments"][0]["experiment_id"]
            .as_str()
            .expect("an id");
        let (code, refused) = tag(
            "set-experiment-tag",
            format!(r#"{{"experiment_id": "{hotel}", "key": "team", "value": "x"}}"#),
        );
        assert_eq!(code, 400, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("must be in the 'active' state"),
            "{refused}"
        );
        // `or` in an experiment search.
        let (_, either) = search(
            r#"{"view_type": "ALL", "filter": "name = 'Hotel Pricing' or tags.team = 'nobody' or name = 'Shop Pricing'", "order_by": ["name"]}"#,
        );
        assert_eq!(
            names(&either),
            ["Hotel Pricing", "Shop Pricing"],
            "{either}"
        );
        let (_, all) = search(r#"{"view_type": "ALL", "filter": "name = 'Hotel Pricing'"}"#);
        assert_eq!(names(&all), ["Hotel Pricing"], "{all}");

        // Renamed, deleted and restored through MLflow's calls: the recipe
        // is renamed, archived and a draft again.
        let fuel = w.json(&["recipe", "show", "Fuel Pricing"])["id"]
            .as_i64()
            .expect("the recipe's id");
        let post = |rpc: &str, body: String| {
            curl(
                port,
                "POST",
                &format!("/api/2.0/mlflow/experiments/{rpc}"),
                Some(&body),
            )
        };
        let (code, reply) = post(
            "update",
            format!(r#"{{"experiment_id": "{fuel}", "new_name": "Diesel Pricing"}}"#),
        );
        assert_eq!(code, 200, "{reply}");
        assert_eq!(
            w.json(&["recipe", "show", &fuel.to_string()])["name"],
            "Diesel Pricing"
        );
        // Only an approved recipe is archived: a draft's delete says why.
        let (code, refused) = post("delete", format!(r#"{{"experiment_id": "{fuel}"}}"#));
        assert_eq!(code, 400, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("draft"),
            "{refused}"
        );
        let (code, reply) = post("restore", format!(r#"{{"experiment_id": "{hotel}"}}"#));
        assert_eq!(code, 200, "{reply}");
        assert_eq!(
            w.json(&["recipe", "show", "Hotel Pricing"])["status"],
            "draft"
        );

        // What it cannot order by is named.
        let (code, refused) = search(r#"{"order_by": ["owner"]}"#);
        assert_eq!(code, 400, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap_or_default()
                .contains("owner"),
            "{refused}"
        );
    }
}
