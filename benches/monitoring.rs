//! The Monitoring tab over 10,000 models (500,000 snapshots), on SQLite and,
//! when reachable, PostgreSQL: the ranked window is one query.
//!
//! `cargo bench --bench monitoring` (the SQLite database is generated once
//! into target/bench-monitoring-10000.db; PostgreSQL uses a
//! `nexml_bench_monitoring` database on 127.0.0.1:5432, or
//! NEXML_BENCH_PG_URL). Prints p50/p99 of a keypress to the first frame
//! with data: opening the tab in a new app, and reloading it (ctrl-r).

mod common;

use common::{bench_io, bench_terminal, p50_p99, started_app, timed};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nexml::tui::effects::Msg;
use std::time::Instant;

const MODELS: u64 = 10_000;

fn key(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

async fn bench(url: &str) {
    let store = nexml::store::open(url).await.expect("open");
    let io = bench_io(store.clone(), url);
    let models = store
        .list_models(&Default::default())
        .await
        .expect("count")
        .total;
    if models < MODELS as i64 {
        let started = Instant::now();
        let options = nexml::seed::GenerateOptions {
            runs: MODELS,
            snapshots: 50 * MODELS,
            recipes: 20,
            models: MODELS,
            seed: 11,
        };
        nexml::seed::generate(&io.service, options, |_| {})
            .await
            .expect("generate");
        println!("generated in {:.1} s", started.elapsed().as_secs_f64());
    }
    let mut term = bench_terminal();
    let mut open = Vec::new();
    let mut reload = Vec::new();
    for _ in 0..30 {
        let mut app = started_app(&io, store.backend()).await;
        let open_tab = key(KeyCode::Char('4'), KeyModifiers::NONE);
        open.push(timed(&io, &mut app, &mut term, open_tab).await);
        assert!(app.lists.monitoring.total >= MODELS as usize);
        for _ in 0..3 {
            let ctrl_r = key(KeyCode::Char('r'), KeyModifiers::CONTROL);
            reload.push(timed(&io, &mut app, &mut term, ctrl_r).await);
        }
    }
    println!(
        "{:<10} open the tab: {} · reload: {}",
        store.backend(),
        p50_p99(&mut open),
        p50_p99(&mut reload)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let path = format!(
        "{}/target/bench-monitoring-{MODELS}.db",
        env!("CARGO_MANIFEST_DIR")
    );
    bench(&format!("sqlite://{path}")).await;
    let pg = std::env::var("NEXML_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/nexml_bench_monitoring".into());
    if ensure_pg_database(&pg).await {
        bench(&pg).await;
    } else {
        println!("postgres   skipped: {pg} unreachable");
    }
}

/// Creates the PostgreSQL database when missing; false when the server is unreachable.
async fn ensure_pg_database(url: &str) -> bool {
    use sqlx::Connection;
    let Some((server, name)) = url.rsplit_once('/') else {
        return false;
    };
    let Ok(mut conn) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await else {
        return false;
    };
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .unwrap_or(None);
    if exists.is_none() {
        let create = format!("CREATE DATABASE {name}");
        if sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut conn)
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}
