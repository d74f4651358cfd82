//! A picker over 100,000 recipes (SQLite): the new-run form opens with a
//! window of them, and typing searches the database.
//!
//! `cargo bench --bench picker` (the database is built once into
//! target/bench-picker-100000.db). Prints p50/p99 of a keypress to the frame
//! drawn with its data: `n` on the Runs tab (the form with its choices), and
//! each character typed into the recipe picker; and, for comparison, what the
//! form read before (the first 10,000 recipes, and never the rest); and a
//! search by text beyond ASCII (REGEXP) beside an ASCII one (LIKE).

mod common;

use common::{bench_io, bench_terminal, p50_p99, pct, send, started_app, timed};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nexml::tui::effects::Msg;
use std::time::Instant;

const RECIPES: u32 = 100_000;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// 100,000 recipes with one version each, written in SQL (their manifests
/// are tiny: the picker reads names and version numbers).
async fn build(url: &str) {
    use sqlx::Connection;
    let store = nexml::store::open(url).await.expect("open");
    drop(store);
    let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
    let recipes = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {RECIPES}) \
         INSERT INTO ml_recipe (name, model_family, level, status, tags, created_by, created_at, updated_at) \
         SELECT printf('recipe %06d', i), 'pricing', 'baseline', 'draft', '[]', 'bench', \
         '2026-11-28T12:00:00Z', '2026-11-28T12:00:00Z' FROM n"
    );
    sqlx::query(sqlx::AssertSqlSafe(recipes))
        .execute(&mut conn)
        .await
        .expect("recipes");
    sqlx::query(
        "INSERT INTO ml_recipe_version (recipe_id, version_number, major, minor, patch, \
         manifest_json, bump, change_note, created_by, created_at) \
         SELECT id, '1.0.0', 1, 0, 0, '{}', 'initial', 'bench', 'bench', created_at FROM ml_recipe",
    )
    .execute(&mut conn)
    .await
    .expect("versions");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let path = format!(
        "{}/target/bench-picker-{RECIPES}.db",
        env!("CARGO_MANIFEST_DIR")
    );
    let url = format!("sqlite://{path}");
    if !std::path::Path::new(&path).exists() {
        build(&url).await;
    }
    let store = nexml::store::open(&url).await.expect("open");
    let io = bench_io(store.clone(), &url);
    let mut term = bench_terminal();
    let mut open = Vec::new();
    let mut typed = Vec::new();
    for round in 0..20 {
        let mut app = started_app(&io, "sqlite").await;
        send(&io, &mut app, key('3')).await;
        open.push(timed(&io, &mut app, &mut term, key('n')).await);
        // "recipe 0NNNN": each character narrows the search.
        for c in format!("{:06}", 99_000 + round).chars() {
            typed.push(timed(&io, &mut app, &mut term, key(c)).await);
        }
    }
    let mut before = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let query = nexml::store::RecipeQuery {
            limit: 10_000,
            ..Default::default()
        };
        store.list_recipes(&query).await.expect("recipes");
        before.push(t.elapsed());
    }
    // A search by text beyond ASCII goes by a case-blind REGEXP on SQLite
    // (its LIKE folds ASCII only): the same picker query, both ways.
    let mut ascii = Vec::new();
    let mut unicode = Vec::new();
    for round in 0..20 {
        for (text, times) in [
            (format!("recipe 09{round:02}"), &mut ascii),
            (format!("récipe 09{round:02}"), &mut unicode),
        ] {
            let query = nexml::store::RecipeQuery {
                search: Some(text),
                names_only: true,
                skip_count: true,
                limit: 200,
                ..Default::default()
            };
            let t = Instant::now();
            store.list_recipes(&query).await.expect("search");
            times.push(t.elapsed());
        }
    }
    println!(
        "a picker search over {RECIPES} recipes: ASCII (LIKE) {} · beyond ASCII (REGEXP) {}",
        p50_p99(&mut ascii),
        p50_p99(&mut unicode)
    );
    println!(
        "open the new-run form: {} · a character typed in the picker: {}",
        p50_p99(&mut open),
        p50_p99(&mut typed)
    );
    println!(
        "before: reading the first 10,000 recipes for the form took p50 {:.2} ms",
        pct(&mut before, 0.5)
    );
}
