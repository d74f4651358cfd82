//! Start-up on each backend, side by side in one run: the app's first frame
//! with data (open the store, check migrations, list the recipes, draw) and a
//! read-only CLI command as a new process, over the same generated content
//! (1,000,000 runs by default) on SQLite and on PostgreSQL.
//!
//! `cargo bench --bench start`. PostgreSQL is `NEXML_BENCH_PG_URL` (default
//! a `nexml_bench` database on the local server, created and filled once);
//! without a reachable server only SQLite is measured, with a notice.

mod common;

use common::{bench_app, bench_io, bench_terminal, nexml_command, run_nexml, settle};
use nexml::tui::{update, view};
use std::time::{Duration, Instant};

const TRIALS: usize = 15;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Opens the database and draws the first frame with the recipes listed.
async fn first_frame(url: &str) -> Duration {
    let started = Instant::now();
    let store = nexml::store::open(url).await.expect("open");
    let mut app = bench_app(store.backend());
    let mut term = bench_terminal();
    let io = bench_io(store, url);
    let effects = update::start(&mut app);
    settle(&io, &mut app, effects).await;
    term.draw(|f| view::render(&mut app, f)).expect("draw");
    started.elapsed()
}

/// A read-only command, as a user runs it: a new process end to end.
fn cli(url: &str, args: &[&str]) -> Duration {
    let started = Instant::now();
    // Its output is freed after the clock stops, as before.
    let _output = run_nexml(
        nexml_command()
            .args(["--database-url", url, "--user", "bench"])
            .args(args),
    );
    started.elapsed()
}

async fn ensure_content(url: &str, runs: u64) {
    let store = nexml::store::open(url).await.expect("open");
    let have = store
        .list_runs(&nexml::store::RunQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("count runs")
        .total;
    if have as u64 >= runs {
        return;
    }
    let started = Instant::now();
    let service =
        nexml::service::Service::new(store, Default::default(), nexml::domain::Clock::System);
    let options = nexml::seed::GenerateOptions {
        runs,
        snapshots: runs,
        recipes: 20,
        models: 50,
        seed: 7,
    };
    nexml::seed::generate(&service, options, |_| {})
        .await
        .expect("generate");
    println!(
        "generated {runs} runs on {} in {:.1} s",
        url.split(':').next().unwrap_or("?"),
        started.elapsed().as_secs_f64()
    );
}

/// The PostgreSQL bench database, created when missing; `None` when no
/// server answers.
async fn postgres_url() -> Option<String> {
    use sqlx::Connection;
    if let Ok(url) = std::env::var("NEXML_BENCH_PG_URL") {
        return Some(url);
    }
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let mut conn = match sqlx::PgConnection::connect(admin).await {
        Ok(c) => c,
        Err(e) => {
            println!("notice: PostgreSQL not measured: {e}");
            return None;
        }
    };
    let exists: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = 'nexml_bench'")
            .fetch_optional(&mut conn)
            .await
            .ok()
            .flatten();
    if exists.is_none() {
        sqlx::query("CREATE DATABASE nexml_bench")
            .execute(&mut conn)
            .await
            .expect("create the bench database");
    }
    Some("postgres://postgres@127.0.0.1:5432/nexml_bench".into())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: u64 = std::env::var("NEXML_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let sqlite = format!(
        "sqlite://{}/target/bench-scale-{runs}.db",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut urls = vec![("SQLite", sqlite)];
    if let Some(pg) = postgres_url().await {
        urls.push(("PostgreSQL", pg));
    }
    println!(
        "{:<11} {:>22} {:>24} {:>22}",
        "backend", "first frame with data", "run list --limit 20", "monitor list MODEL"
    );
    for (name, url) in &urls {
        ensure_content(url, runs).await;
        let model = nexml::store::open(url)
            .await
            .expect("open")
            .list_models(&nexml::store::ModelQuery {
                limit: 1,
                ..Default::default()
            })
            .await
            .expect("a model")
            .items
            .into_iter()
            .next()
            .map(|m| m.name)
            .unwrap_or_default();
        // One warm-up of each, then the medians.
        first_frame(url).await;
        cli(url, &["run", "list", "--limit", "20"]);
        let mut frames = Vec::new();
        let mut lists = Vec::new();
        let mut monitors = Vec::new();
        for _ in 0..TRIALS {
            frames.push(first_frame(url).await);
            lists.push(cli(url, &["run", "list", "--limit", "20"]));
            monitors.push(cli(url, &["monitor", "list", &model]));
        }
        println!(
            "{name:<11} {:>22} {:>24} {:>22}",
            ms(median(frames)),
            ms(median(lists)),
            ms(median(monitors))
        );
    }
}
