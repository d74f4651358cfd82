//! Memory with big logs: 20 runs with 20 MB of log each. A run list (the
//! CLI's `run list --json`, and the app's Runs tab) must not read the logs:
//! its peak resident memory stays under 100 MB.
//!
//! `cargo bench --bench big_logs` (builds the database once into
//! target/bench-big-logs.db; NEXML_BENCH_DB=PATH to use another). Prints the
//! peak RSS of `nexml run list` as a child process and of this process after
//! the app's Runs tab loaded.

mod common;

use common::{bench_io, nexml_command, run_nexml, send, started_app};
use nexml::service::changes::UpdateRun;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nexml::domain::RunType;
use nexml::store::{NewRun, RunChanges};
use nexml::tui::effects::Msg;

const RUNS: usize = 20;
const LOG_MB: usize = 20;

/// Peak resident memory, in MB, of the children waited for (an upper bound:
/// a child's peak includes what it shared with this process when forked).
fn children_peak_rss_mb() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

/// This process's peak resident memory in MB (`VmHWM`: unlike `ru_maxrss`,
/// it does not carry over the peak of whatever started it).
fn own_peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .unwrap_or(0.0)
        / 1024.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let path = std::env::var("NEXML_BENCH_DB")
        .unwrap_or_else(|_| format!("{}/target/bench-big-logs.db", env!("CARGO_MANIFEST_DIR")));
    let url = format!("sqlite://{path}");
    let fresh = !std::path::Path::new(&path).exists();
    // Building reads the logs back; it is done by a child process so this
    // one's (and its children's) peak memory is the lists' alone.
    if fresh && std::env::var_os("NEXML_BENCH_BUILD").is_none() {
        let built = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env("NEXML_BENCH_BUILD", "1")
            .env("NEXML_BENCH_DB", &path)
            .status()
            .expect("build");
        assert!(built.success());
    }
    if std::env::var_os("NEXML_BENCH_BUILD").is_none() {
        return measure(&url).await;
    }
    let store = nexml::store::open(&url)
        .await
        .expect("open the bench database");
    let service = nexml::service::Service::new(
        store.clone(),
        Default::default(),
        nexml::domain::Clock::System,
    );
    if fresh {
        nexml::seed::seed_baselines(&service).await.expect("seed");
        let recipe = store
            .find_recipe("Forecasting Baseline v1")
            .await
            .expect("baseline");
        let line = "epoch 12/100 loss=0.3141 val_loss=0.2718 lr=0.001 step time 0.42s ....\n";
        let chunk = line.repeat((1 << 20) / line.len());
        for _ in 0..RUNS {
            let run = service
                .create_run(
                    NewRun {
                        recipe_id: recipe.id,
                        version: None,
                        model_id: None,
                        run_type: RunType::Train,
                    },
                    "bench",
                )
                .await
                .expect("run");
            for _ in 0..LOG_MB {
                let changes = RunChanges {
                    append_log: Some(chunk.clone()),
                    ..Default::default()
                };
                service
                    .update_run(
                        UpdateRun {
                            run: run.id,
                            changes,
                        },
                        "bench",
                    )
                    .await
                    .expect("log");
            }
        }
        println!("built {RUNS} runs with {LOG_MB} MB of log each in {path}");
    }
}

async fn measure(url: &str) {
    // The CLI: a child process lists every run as JSON.
    let out = run_nexml(
        nexml_command()
            .args([
                "--database-url",
                url,
                "run",
                "list",
                "--json",
                "--limit",
                "1000",
            ])
            .env("NEXML_USER", "bench"),
    );
    println!(
        "nexml run list --json: {} bytes of output, peak RSS {:.1} MB",
        out.stdout.len(),
        children_peak_rss_mb()
    );

    // The app: open the Runs tab and load its window.
    let store = nexml::store::open(url).await.expect("open");
    let io = bench_io(store, url);
    let mut app = started_app(&io, "sqlite").await;
    let runs_tab = Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE));
    send(&io, &mut app, runs_tab).await;
    println!(
        "app Runs tab with {} rows loaded: peak RSS {:.1} MB",
        app.lists.runs.rows.len(),
        own_peak_rss_mb()
    );
}
