//! The app at scale: 1,000,000 runs and 1,000,000 snapshots in SQLite, driven
//! through the real update, effects (store queries) and render path.
//!
//! `cargo bench --bench scale` (generates the database once into
//! target/bench-scale-1000000.db; NEXML_BENCH_DB=PATH to use another, NEXML_BENCH_ROWS
//! to change the size). Prints p50/p99 per interaction and resident memory.

mod common;

use common::{HEIGHT, WIDTH, bench_app, bench_io, bench_terminal, pct, send, settle};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nexml::tui::effects::{Io, Msg};
use nexml::tui::state::App;
use nexml::tui::{update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// One key a round: `even` on even rounds, `odd` on the others (a key and
/// the one that undoes it, so every round starts where the last began).
fn alternating(even: char, odd: char) -> impl Fn(usize) -> Vec<Msg> {
    move |i| vec![key(KeyCode::Char(if i % 2 == 0 { even } else { odd }))]
}

fn render(terminal: &mut Terminal<TestBackend>, app: &mut App) {
    terminal.draw(|f| view::render(app, f)).expect("draw");
}

struct Timing {
    /// Key press to a drawn frame (update + render; queries still pending).
    frame: Vec<Duration>,
    /// Key press to a drawn frame with the data (queries done).
    data: Vec<Duration>,
}

async fn measure(
    io: &Io,
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    msgs: &dyn Fn(usize) -> Vec<Msg>,
    reps: usize,
) -> Timing {
    let mut t = Timing {
        frame: vec![],
        data: vec![],
    };
    for i in 0..reps {
        for msg in msgs(i) {
            let start = Instant::now();
            let effects = update::update(app, msg);
            render(term, app);
            t.frame.push(start.elapsed());
            settle(io, app, effects).await;
            render(term, app);
            t.data.push(start.elapsed());
        }
    }
    t
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// One window of 200 runs at the middle of the list, read by position
/// (`OFFSET`) and beside its neighbour (a keyset), medians of 20.
async fn middle_window_by_position_and_by_keyset(io: &Io, middle: usize) {
    use nexml::store::{Keyset, RunQuery};
    let store = io.service.store();
    let query = |offset: i64, keyset: Option<Keyset>| RunQuery {
        offset,
        keyset,
        limit: 200,
        skip_count: true,
        ..Default::default()
    };
    let neighbour = store
        .list_runs(&query(middle as i64 - 1, None))
        .await
        .expect("runs")
        .items[0]
        .id;
    let mut by_position = Vec::new();
    let mut by_keyset = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        store
            .list_runs(&query(middle as i64, None))
            .await
            .expect("runs");
        by_position.push(t.elapsed());
        let t = Instant::now();
        store
            .list_runs(&query(0, Some(Keyset::After(neighbour))))
            .await
            .expect("runs");
        by_keyset.push(t.elapsed());
    }
    println!(
        "a window at row {middle}: by OFFSET {:.2} ms, beside its neighbour {:.2} ms",
        pct(&mut by_position, 0.5),
        pct(&mut by_keyset, 0.5)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = bench_database().await;
    let (io, mut app, mut term) = first_frame(&url).await;
    let mut results = library_keys(&io, &mut app, &mut term).await;
    results.push(monitoring_window(&io, &mut app, &mut term).await);
    print_results(results);
}

/// The bench database's URL, generated the first time.
async fn bench_database() -> String {
    let rows: u64 = std::env::var("NEXML_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::env::var("NEXML_BENCH_DB").unwrap_or_else(|_| {
        format!(
            "{}/target/bench-scale-{rows}.db",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let url = format!("sqlite://{path}");
    let fresh = !std::path::Path::new(&path).exists();
    let store = nexml::store::open(&url)
        .await
        .expect("open the bench database");
    if fresh {
        let started = Instant::now();
        let options = nexml::seed::GenerateOptions {
            runs: rows,
            snapshots: rows,
            recipes: 20,
            models: 50,
            seed: 7,
        };
        let service = nexml::service::Service::new(
            store.clone(),
            Default::default(),
            nexml::domain::Clock::System,
        );
        nexml::seed::generate(&service, options, |_| {})
            .await
            .expect("generate");
        println!(
            "generated {rows} runs and {rows} snapshots in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    url
}

/// Opens the store and draws the first frame, then the recipes listed,
/// printing how long each took.
async fn first_frame(url: &str) -> (Io, App, Terminal<TestBackend>) {
    // First frame: open the store (migrations checked) and draw.
    let started = Instant::now();
    let store = nexml::store::open(url).await.expect("open");
    let mut app = bench_app(store.backend());
    let mut term = bench_terminal();
    let effects = update::start(&mut app);
    render(&mut term, &mut app);
    let first_frame = started.elapsed();
    let io = bench_io(store.clone(), url);
    settle(&io, &mut app, effects).await;
    render(&mut term, &mut app);
    let first_data = started.elapsed();
    println!(
        "first frame: {:.1} ms (with the recipes listed: {:.1} ms)",
        first_frame.as_secs_f64() * 1e3,
        first_data.as_secs_f64() * 1e3
    );

    (io, app, term)
}

/// The library's keys on the Runs tab: switching tabs, scrolling, paging,
/// jumping, filtering and searching.
async fn library_keys(
    io: &Io,
    app: &mut App,
    term: &mut Terminal<TestBackend>,
) -> Vec<(&'static str, Timing)> {
    let reps = 50;
    let mut results: Vec<(&str, Timing)> = Vec::new();
    results.push((
        "open the Runs tab",
        measure(io, app, term, &alternating('3', '1'), reps).await,
    ));
    update::update(app, key(KeyCode::Char('3')));
    let e = update::run_command(app, nexml::keymap::Command::TAB_RUNS);
    settle(io, app, e).await;
    println!("runs listed: {}", app.lists.runs.total);
    results.push((
        "scroll down one row",
        measure(io, app, term, &|_| vec![key(KeyCode::Down)], 400).await,
    ));
    results.push((
        "page down",
        measure(io, app, term, &|_| vec![key(KeyCode::PageDown)], 200).await,
    ));
    results.push((
        "jump to the end / start",
        measure(io, app, term, &alternating('G', 'g'), reps).await,
    ));
    // The middle of the list: one jump there (by position), then scrolling
    // (each new window starts beside a loaded row).
    let middle = app.lists.runs.total / 2;
    app.lists.runs.selected = middle;
    app.lists.runs.scroll = middle;
    send(io, app, Msg::Resize(WIDTH, HEIGHT)).await;
    results.push((
        "scroll in the middle",
        measure(io, app, term, &|_| vec![key(KeyCode::Down)], 400).await,
    ));
    middle_window_by_position_and_by_keyset(io, middle).await;
    update::update(app, key(KeyCode::Char('g')));
    // Filter by status with the picker: f, down, right (cycles a status), esc.
    results.push((
        "filter by status",
        measure(
            io,
            app,
            term,
            &|_| {
                vec![
                    key(KeyCode::Char('f')),
                    key(KeyCode::Down),
                    key(KeyCode::Right),
                    key(KeyCode::Esc),
                ]
            },
            20,
        )
        .await,
    ));
    update::update(app, key(KeyCode::Char('x')));
    // Type a search, one character at a time, then clear it.
    results.push((
        "type a search character",
        measure(
            io,
            app,
            term,
            &|_| {
                let mut v = vec![key(KeyCode::Char('/'))];
                v.extend("gen-".chars().map(|c| key(KeyCode::Char(c))));
                v.push(key(KeyCode::Esc));
                v
            },
            10,
        )
        .await,
    ));

    results
}

/// A model's monitoring over all of its history (20,000 snapshots), thinned
/// in the database.
async fn monitoring_window(
    io: &Io,
    app: &mut App,
    term: &mut Terminal<TestBackend>,
) -> (&'static str, Timing) {
    // A model's monitoring over all of its history (20,000 snapshots), thinned in the database.
    update::update(app, key(KeyCode::Esc));
    update::update(app, key(KeyCode::Char('x')));
    send(io, app, key(KeyCode::Char('4'))).await;
    send(io, app, key(KeyCode::Enter)).await;
    (
        "monitoring window 7/30/90d/all",
        measure(io, app, term, &|_| vec![key(KeyCode::Char('w'))], 20).await,
    )
}

fn print_results(results: Vec<(&str, Timing)>) {
    println!();
    println!(
        "{:<26} {:>9} {:>9}   {:>13} {:>13}",
        "interaction", "frame p50", "frame p99", "with data p50", "with data p99"
    );
    for (name, mut t) in results {
        println!(
            "{:<26} {:>7.2}ms {:>7.2}ms   {:>11.2}ms {:>11.2}ms",
            name,
            pct(&mut t.frame, 0.5),
            pct(&mut t.frame, 0.99),
            pct(&mut t.data, 0.5),
            pct(&mut t.data, 0.99)
        );
    }
    println!("\nresident memory: {:.1} MB", rss_mb());
}
