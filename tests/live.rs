//! The app stays true while others work: the store's change feed hears what
//! other processes commit, on both backends, and an open app (in a real
//! terminal) shows it without a key pressed, keeping the selection.

mod common;

use common::tmux::{Tmux, tmux_available};
use nexml::store::Change;
use std::time::{Duration, Instant};

/// Waits for a batch with a change that `wanted` accepts; panics after 10 s.
async fn wait_for_change(
    feed: &mut nexml::store::ChangeFeed,
    wanted: impl Fn(&Change) -> bool,
) -> Vec<Change> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut heard = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, feed.next()).await {
            Ok(Some(batch)) => {
                if batch.iter().any(&wanted) {
                    return batch;
                }
                heard.push(batch);
            }
            Ok(None) => panic!("the feed ended; heard {heard:?}"),
            Err(_) => panic!("no such change within 10 s; heard {heard:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_hears_what_another_process_commits() {
    for db in common::backends("feed_other_process").await {
        let home = tempfile::tempdir().unwrap();
        let nexml = |args: &[&str]| {
            common::nexml_command(home.path(), &db.url, "carol", args)
                .output()
                .unwrap()
        };
        let mut feed = db.store.watch().await.unwrap();
        // Another process seeds the baselines: recipes and their versions.
        let out = nexml(&["--seed"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let batch = wait_for_change(&mut feed, |c| c.entity == "recipe").await;
        assert!(
            batch.iter().all(|c| !c.is_anything()),
            "{}: audited changes are named: {batch:?}",
            db.name
        );
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), feed.next()).await
        {
        }
        // A refused change commits nothing, so nothing is announced.
        assert!(
            !nexml(&["recipe", "approve", "no such recipe"])
                .status
                .success()
        );
        let heard = tokio::time::timeout(Duration::from_millis(700), feed.next()).await;
        assert!(
            heard.is_err(),
            "{}: a refused change was announced: {heard:?}",
            db.name
        );
        // The next real change is heard with its id.
        let out = nexml(&[
            "recipe",
            "clone",
            "Pricing Optimization Baseline v1",
            "--name",
            "Shop",
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shop: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = shop["id"].as_i64().unwrap();
        wait_for_change(&mut feed, |c| *c == Change::new("recipe", id)).await;
    }
}

/// The app in tmux on `url` (seeded with demo content): a run created by
/// another process appears in the open Runs list with the selection kept;
/// metrics attached to an open finished run show; alerts opened by
/// `monitor ingest` appear on the open model screen.
fn others_changes_show_in_the_open_app(name: &str, url: Option<&str>) {
    let t = Tmux::start_seeded(name, 110, 32, url);
    t.keys(&["3"]);
    t.wait_for("Recipe / model");
    t.keys(&["j", "j", "Enter"]);
    let selected = run_on_screen(&t.wait_for("run "));
    t.keys(&["Escape"]);
    t.wait_for("Recipe / model");

    let created = t.cli(&[
        "run",
        "create",
        "--model",
        "retail-weekly-demand",
        "--type",
        "eval",
        "--json",
    ]);
    let new_id = json_id(&created);
    let screen = t.wait_for(&format!("\n{new_id} "));
    assert!(screen.contains("retail-weekly-demand"), "{screen}");
    // The same run is still selected, one row further down.
    t.keys(&["Enter"]);
    assert_eq!(
        run_on_screen(&t.wait_for("run ")),
        selected,
        "the selection moved to another run"
    );
    t.keys(&["Escape"]);

    // An open finished run shows metrics attached after it finished.
    t.cli(&["run", "update", &new_id.to_string(), "--status", "running"]);
    t.cli(&[
        "run",
        "update",
        &new_id.to_string(),
        "--status",
        "succeeded",
        "--metrics",
        r#"{"mape": 0.111}"#,
    ]);
    t.keys(&["g"]);
    t.wait_for(&format!("{new_id} "));
    t.keys(&["Enter"]);
    t.wait_for("mape");
    t.cli(&[
        "run",
        "update",
        &new_id.to_string(),
        "--metrics",
        r#"{"wape": 0.222}"#,
    ]);
    t.wait_for("0.222");
    t.keys(&["Escape"]);

    // Alerts opened by `monitor ingest` appear on the open model screen.
    t.keys(&["2", "/"]);
    t.text("hotel");
    t.keys(&["Enter", "Enter"]);
    t.wait_for("Overview");
    t.keys(&["Tab", "Tab", "Tab"]);
    t.wait_for("Value");
    // The demo's history left one alert open; the ingest opens more.
    let open_alerts = |screen: &str| screen.lines().filter(|l| l.contains(" open ")).count();
    let before = open_alerts(&t.screen());
    let (reference, current) = ingest_files(t.dir.path());
    t.cli(&[
        "monitor",
        "ingest",
        "hotel-dynamic-pricing",
        "--reference",
        &reference,
        "--current",
        &current,
    ]);
    for _ in 0..50 {
        let screen = t.screen();
        if open_alerts(&screen) > before {
            assert!(screen.contains("units_mae_degradation"), "{screen}");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no new alert on the open model screen:\n{}", t.screen());
}

fn run_on_screen(screen: &str) -> String {
    screen
        .lines()
        .find_map(|l| {
            l.split_once("› run ")
                .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_string())
        })
        .unwrap_or_else(|| panic!("no run screen:\n{screen}"))
}

fn json_id(out: &str) -> i64 {
    let v: serde_json::Value = serde_json::from_str(out).unwrap();
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {out}"))
}

/// A reference batch and a current one whose prices shifted and whose
/// predictions are off: the pricing recipe's rules fire.
fn ingest_files(dir: &std::path::Path) -> (String, String) {
    // Every column the recipe monitors; only the competitor index moves.
    let header = "transaction_date,competitor_price_index,units_sold,predicted_units,unit_price,discount_depth_pct,unit_cost,lag_7d_units\n";
    let batch = |date: &str, price: f64, error: i64| {
        header.to_string()
            + &(0..200)
                .map(|i| {
                    format!(
                        "{date},{},{},{},{},0.1,3.5,{}\n",
                        price + (i % 20) as f64 / 100.0,
                        10 + i % 7,
                        10 + error + i % 7,
                        5 + i % 9,
                        9 + i % 8
                    )
                })
                .collect::<String>()
    };
    let (r, c) = (dir.join("ref.csv"), dir.join("cur.csv"));
    std::fs::write(&r, batch("2026-11-27", 0.9, 0)).unwrap();
    std::fs::write(&c, batch("2026-11-28", 1.4, 6)).unwrap();
    (r.display().to_string(), c.display().to_string())
}

/// The app in tmux on `url`: a run executing in another process shows as
/// running in the open Runs list; once its executor is killed (the job
/// itself left running), the list shows it failed and its screen says
/// "executor lost", with nothing else read or pressed in between.
fn a_lost_executor_shows_in_the_open_app(name: &str, url: Option<&str>) {
    let t = Tmux::start_seeded(name, 110, 32, url);
    t.keys(&["3"]);
    t.wait_for("Recipe / model");
    let (before, _) = newest_run(&t);
    // The job outlives its executor; it ends by itself, so none is left.
    let mut executor = std::process::Command::new(env!("CARGO_BIN_EXE_nexml"))
        .args(["--database-url", &t.url, "run", "exec", "--recipe"])
        .args(["Forecasting Baseline v1", "--", "sh", "-c", "sleep 30"])
        .env("HOME", t.dir.path())
        .env("NEXML_USER", "e2e")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting run exec");
    let id = running_after(&t, before);
    wait_for_row(&t, id, "running");
    executor.kill().expect("killing the executor");
    executor.wait().expect("reaping it");
    wait_for_row(&t, id, "failed");
    t.keys(&["g"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("executor lost");
    assert_eq!(run_on_screen(&screen), id.to_string(), "{screen}");
}

/// The newest run's id and status.
fn newest_run(t: &Tmux) -> (i64, String) {
    let page: serde_json::Value =
        serde_json::from_str(&t.cli(&["run", "list", "--limit", "1", "--json"])).unwrap();
    let run = &page["items"][0];
    let status = run["status"].as_str().unwrap_or_default().to_string();
    (run["id"].as_i64().expect("a run"), status)
}

/// The id of the run executed after run `before`, once its executor has
/// claimed it.
fn running_after(t: &Tmux, before: i64) -> i64 {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let (id, status) = newest_run(t);
        if id > before && status == "running" {
            return id;
        }
        assert!(Instant::now() < until, "no run started after {before}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the open list shows run `id` with `status`; panics after 10 s.
fn wait_for_row(t: &Tmux, id: i64, status: &str) {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let screen = t.screen();
        let shown = screen.lines().any(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.iter().take(2).any(|w| *w == id.to_string()) && words.contains(&status)
        });
        if shown {
            return;
        }
        assert!(
            Instant::now() < until,
            "run {id} never showed {status}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn a_lost_executor_shows_in_the_open_app_on_sqlite() {
    if tmux_available() {
        a_lost_executor_shows_in_the_open_app("lost-sqlite", None);
    }
}

#[cfg(feature = "postgres")]
#[test]
fn a_lost_executor_shows_in_the_open_app_on_postgres() {
    if !tmux_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::postgres("lost_tmux")) else {
        return;
    };
    a_lost_executor_shows_in_the_open_app("lost-postgres", Some(&db.url));
    drop(db);
}

#[cfg(feature = "sqlite")]
#[test]
fn others_changes_show_in_the_open_app_on_sqlite() {
    if tmux_available() {
        others_changes_show_in_the_open_app("live-sqlite", None);
    }
}

#[cfg(feature = "postgres")]
#[test]
fn others_changes_show_in_the_open_app_on_postgres() {
    if !tmux_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::postgres("live_tmux")) else {
        return;
    };
    others_changes_show_in_the_open_app("live-postgres", Some(&db.url));
    drop(db);
}
