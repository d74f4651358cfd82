//! Run filters and metric histories at scale, on SQLite and, when reachable,
//! PostgreSQL: `run list --filter "metrics.val_loss < X" --limit 1000` through
//! the store (the CLI's query, its total counted), broad (about half of the
//! runs match) and selective (about 0.1%), then with `--order-by`, with a
//! param condition and at the CLI's default `--limit 50`; a 1,000,000-point
//! metric history read thinned for a chart, and that chart downsampled and
//! drawn on a 200x50 `TestBackend`. Medians and 95th percentiles of warm
//! rounds.
//!
//! `cargo bench --bench runs_filter` measures 100,000 runs;
//! `NEXML_BENCH_RUNS=100000,1000000 cargo bench --bench runs_filter` the
//! issue's two sizes (the first run generates 1,000,000 runs and 10,000,000
//! points: about 2 minutes on SQLite, 5 on PostgreSQL). The content is
//! `nexml generate`'s with metric histories (`NEXML_BENCH_POINTS_PER_RUN`,
//! default 10: `train_loss` and `val_loss` curves) and params (`lr`,
//! `depth`), generated once per size into target/bench-runs-filter-RUNS.db
//! (`NEXML_BENCH_DIR` names another folder) and a `nexml_bench_runs_RUNS`
//! PostgreSQL database, then `VACUUM ANALYZE`d once as autovacuum would
//! (the server is `NEXML_BENCH_PG_SERVER`, default
//! postgres://postgres@127.0.0.1:5432; `NEXML_BENCH_PG=off` skips it). On
//! the largest size, one run gets a `NEXML_BENCH_HISTORY`-point (default
//! 1,000,000) `batch_loss` history. `NEXML_BENCH_REPS` (30) timed rounds
//! per list.

mod common;

use common::pct;

use chrono::Duration as Span;
use nexml::runs::filter::{parse, parse_order_by};
use nexml::store::tracking::NewMetricPoint;
use nexml::store::{RunQuery, Store};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType};
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The metric filtered on: every run that started logged it.
const METRIC: &str = "val_loss";
/// The long history's metric (one run, a point per step).
const LONG_METRIC: &str = "batch_loss";
/// Points a chart asks the database for.
const CHART_POINTS: i64 = 2000;
/// What the app's run screen asks for (`tui::effects`).
const APP_CHART_POINTS: i64 = 600;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn sizes() -> Vec<u64> {
    std::env::var("NEXML_BENCH_RUNS")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|s| s.trim().replace('_', "").parse().ok())
                .collect()
        })
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![100_000])
}

/// Plain SQL beside the store: the thresholds' quantiles and true counts.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// `$body` on the connection `raw` holds, bound to `$conn`: one text for
/// both drivers, each arm compiled for its own connection type.
macro_rules! on_connection {
    ($raw:expr, $conn:ident => $body:expr) => {
        match $raw {
            Raw::Sqlite($conn) => $body,
            Raw::Postgres($conn) => $body,
        }
    };
}

impl Raw {
    async fn connect(url: &str) -> Raw {
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqliteConnection::connect(url).await.expect("sqlite"))
        } else {
            Raw::Postgres(sqlx::PgConnection::connect(url).await.expect("postgres"))
        }
    }

    /// The `offset`-th smallest final value of `key`.
    async fn quantile(&mut self, key: &str, offset: i64) -> f64 {
        let sql =
            "SELECT value FROM ml_run_metric_last WHERE key = $1 ORDER BY value LIMIT 1 OFFSET $2";
        on_connection!(self, c => {
            sqlx::query_scalar(sql).bind(key).bind(offset).fetch_one(c).await
        })
        .expect("quantile")
    }

    /// Runs whose final `key` is below `x`.
    async fn below(&mut self, key: &str, x: f64) -> i64 {
        let sql = "SELECT COUNT(*) FROM ml_run_metric_last WHERE key = $1 AND value < $2";
        on_connection!(self, c => {
            sqlx::query_scalar(sql).bind(key).bind(x).fetch_one(c).await
        })
        .expect("count")
    }
}

async fn run_count(store: &Arc<dyn Store>) -> u64 {
    store
        .list_runs(&RunQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("count runs")
        .total as u64
}

/// `nexml generate` content with metric histories and params, once.
async fn ensure_content(url: &str, runs: u64, points_per_run: u64) -> Arc<dyn Store> {
    let store = nexml::store::open(url).await.expect("open");
    let have = run_count(&store).await;
    if have >= runs {
        analyze(url).await;
        return store;
    }
    assert_eq!(
        have, 0,
        "{url} holds {have} runs, fewer than {runs}: remove it to regenerate"
    );
    let started = Instant::now();
    let service = nexml::service::Service::new(
        store.clone(),
        Default::default(),
        nexml::domain::Clock::System,
    );
    let options = nexml::seed::GenerateOptions {
        runs,
        snapshots: 0,
        recipes: 20,
        models: 50,
        seed: 7,
    };
    let tracking = nexml::seed::TrackingOptions {
        metric_points: runs * points_per_run,
        params: true,
    };
    let mut last = Instant::now();
    let report = nexml::seed::generate_tracked(&service, options, tracking, |step| {
        if last.elapsed() > Duration::from_secs(15) {
            last = Instant::now();
            eprintln!("  {} {}/{}", step.what, step.done, step.total);
        }
    })
    .await
    .expect("generate");
    println!(
        "generated {} runs with {} metric points and params on {} in {:.1} s",
        report.runs,
        report.metric_points,
        backend_of(url),
        started.elapsed().as_secs_f64()
    );
    analyze(url).await;
    store
}

/// PostgreSQL plans by its statistics, which autovacuum gathers after a
/// bulk load; this server may run without it, so the bench does it once.
async fn analyze(url: &str) {
    if url.starts_with("sqlite:") {
        return;
    }
    let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
    let analyzed: Option<i64> = sqlx::query_scalar(
        "SELECT 1::bigint FROM pg_stat_user_tables WHERE relname = 'ml_run_metric_last' \
         AND COALESCE(last_analyze, last_autoanalyze) IS NOT NULL",
    )
    .fetch_optional(&mut conn)
    .await
    .expect("statistics");
    if analyzed.is_none() {
        let started = Instant::now();
        sqlx::query("VACUUM ANALYZE")
            .execute(&mut conn)
            .await
            .expect("vacuum analyze");
        println!(
            "VACUUM ANALYZE (as autovacuum would) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "SQLite"
    } else {
        "PostgreSQL"
    }
}

/// The newest run with a `val_loss` history gets a `points`-long
/// `batch_loss` history, once; returns that run.
async fn ensure_long_history(store: &Arc<dyn Store>, points: u64) -> i64 {
    let page = store
        .list_runs(&RunQuery {
            filter: Some(parse(&format!("metrics.{METRIC} >= 0")).expect("filter")),
            limit: 1,
            skip_count: true,
            ..Default::default()
        })
        .await
        .expect("a run with a history");
    let run = page.items.first().expect("a run with a history").clone();
    let have = store
        .metric_series(run.id, LONG_METRIC, 2)
        .await
        .expect("series")
        .total;
    if have as u64 >= points {
        return run.id;
    }
    let started = Instant::now();
    let start = run.started_at.unwrap_or(run.created_at);
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut w = store.write().await.expect("write");
    const CHUNK: u64 = 100_000;
    let mut step = have.max(0) as u64;
    while step < points {
        let batch: Vec<NewMetricPoint> = (step..points.min(step + CHUNK))
            .map(|s| {
                let x = s as f64 / points as f64;
                // A falling loss with noise and a few spikes.
                let spike = if s % 99_991 == 0 { 1.5 } else { 0.0 };
                NewMetricPoint {
                    key: LONG_METRIC.into(),
                    step: s as i64,
                    value: 0.2 + 2.0 * (-5.0 * x).exp() + 0.05 * noise() + spike,
                    at: start + Span::milliseconds(s as i64 * 50),
                }
            })
            .collect();
        w.insert_metric_points(run.id, &batch, step as i64)
            .await
            .expect("points");
        step += batch.len() as u64;
    }
    w.commit().await.expect("commit");
    println!(
        "wrote a {points}-point {LONG_METRIC} history to run {} in {:.1} s",
        run.id,
        started.elapsed().as_secs_f64()
    );
    run.id
}

struct Figure {
    what: String,
    /// Matching runs (the list's total: capped past 10,000).
    total: i64,
    rows: usize,
    p50: f64,
    p95: f64,
    /// The bar this figure is held to, in ms.
    bar: Option<f64>,
}

/// One `run list` to time.
struct Case {
    what: String,
    filter: String,
    order_by: String,
    limit: i64,
    bar: Option<f64>,
}

/// Untimed rounds before the timed ones: every pooled connection warm.
const WARM_UP: usize = 10;

/// The store's answer to `run list --filter F [--order-by O] --limit N`
/// (the CLI's query: the total counted), warm: `WARM_UP` rounds first,
/// then `reps` timed.
async fn list(store: &Arc<dyn Store>, case: Case, reps: usize) -> Figure {
    let Case {
        what,
        filter,
        order_by,
        limit,
        bar,
    } = case;
    let query = RunQuery {
        filter: Some(parse(&filter).expect("filter")),
        order_by: parse_order_by(&order_by).expect("order by"),
        limit,
        ..Default::default()
    };
    let mut times = Vec::with_capacity(reps);
    let mut page = store.list_runs(&query).await.expect("list");
    for _ in 0..WARM_UP {
        store.list_runs(&query).await.expect("list");
    }
    for _ in 0..reps {
        let t = Instant::now();
        page = store.list_runs(&query).await.expect("list");
        times.push(t.elapsed());
    }
    Figure {
        what,
        total: page.total,
        rows: page.items.len(),
        p50: pct(&mut times, 0.5),
        p95: pct(&mut times, 0.95),
        bar,
    }
}

fn print_figure(backend: &str, runs: u64, f: &Figure) {
    let total = if f.total > 10_000 {
        ">10,000".to_string()
    } else {
        f.total.to_string()
    };
    let verdict = match f.bar {
        Some(bar) if f.p50 < bar && f.p95 < bar => format!("< {bar} ms: met"),
        Some(bar) if f.p50 < bar => format!("< {bar} ms: met at p50, not p95"),
        Some(bar) => format!("< {bar} ms: MISSED"),
        None => String::new(),
    };
    println!(
        "{backend:<10} {runs:>9} {:<58} {total:>8} {:>5} {:>8.2}ms {:>8.2}ms  {verdict}",
        f.what, f.rows, f.p50, f.p95
    );
}

async fn filters(
    backend: &str,
    url: &str,
    store: &Arc<dyn Store>,
    runs: u64,
    reps: usize,
) -> Vec<Figure> {
    let mut raw = Raw::connect(url).await;
    let broad = raw.quantile(METRIC, (runs / 2) as i64).await;
    let selective = raw.quantile(METRIC, (runs / 1000) as i64).await;
    let with_metric = raw.below(METRIC, f64::INFINITY).await;
    println!(
        "{backend} {runs} runs: {with_metric} with a final {METRIC}; {} below {broad} (broad), {} below {selective} (selective)",
        raw.below(METRIC, broad).await,
        raw.below(METRIC, selective).await
    );
    let bar = if runs <= 100_000 { 20.0 } else { 100.0 };
    let case = |what: String, filter: String, order_by: &str, limit: i64, bar: Option<f64>| Case {
        what,
        filter,
        order_by: order_by.to_string(),
        limit,
        bar,
    };
    let mut cases = Vec::new();
    for (name, x) in [("broad", broad), ("selective", selective)] {
        let f = format!("metrics.{METRIC} < {x}");
        cases.push(case(format!("{name}: {f}"), f, "", 1000, Some(bar)));
    }
    for (name, x) in [("broad", broad), ("selective", selective)] {
        let f = format!("metrics.{METRIC} < {x}");
        let by = format!("metrics.{METRIC}");
        cases.push(case(
            format!("{name}, --order-by {by}"),
            f.clone(),
            &by,
            1000,
            None,
        ));
        let with_param = format!("{f} and params.lr = '0.01'");
        cases.push(case(
            format!("{name}, and params.lr = '0.01'"),
            with_param,
            "",
            1000,
            None,
        ));
        cases.push(case(
            format!("{name}, --limit 50 (the CLI's default)"),
            f,
            "",
            50,
            None,
        ));
    }
    // `or` (issue 30): two selective ranges at either end, a selective
    // range or a param, and two statuses.
    let top = raw
        .quantile(METRIC, with_metric - (runs / 1000) as i64)
        .await;
    let either_end = format!("metrics.{METRIC} < {selective} or metrics.{METRIC} > {top}");
    cases.push(case(
        format!("or: {either_end}"),
        either_end,
        "",
        1000,
        None,
    ));
    let or_param = format!("metrics.{METRIC} < {selective} or params.lr = '0.01'");
    cases.push(case(format!("or: {or_param}"), or_param, "", 1000, None));
    let grouped = format!(
        "params.depth = '8' and (metrics.{METRIC} < {selective} or metrics.{METRIC} > {top})"
    );
    cases.push(case(format!("or: {grouped}"), grouped, "", 1000, None));
    let statuses = "status = 'failed' or status = 'cancelled'".to_string();
    cases.push(case(format!("or: {statuses}"), statuses, "", 1000, None));
    let mut out = Vec::new();
    for c in cases {
        out.push(list(store, c, reps).await);
    }
    out
}

/// At most two points (lowest and highest, in step order) per column of
/// `buckets` over the x range: what a chart of that width can show.
fn downsample(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= buckets * 2 {
        return points.to_vec();
    }
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let span = (x1 - x0).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(buckets * 2);
    let mut current = usize::MAX;
    let (mut lo, mut hi) = ((0.0, f64::INFINITY), (0.0, f64::NEG_INFINITY));
    let flush = |out: &mut Vec<(f64, f64)>, lo: (f64, f64), hi: (f64, f64)| {
        if lo.1.is_finite() {
            if lo.0 <= hi.0 {
                out.extend([lo, hi]);
            } else {
                out.extend([hi, lo]);
            }
        }
    };
    for &p in points {
        let b = (((p.0 - x0) / span) * (buckets - 1) as f64) as usize;
        if b != current {
            flush(&mut out, lo, hi);
            current = b;
            lo = p;
            hi = p;
        } else {
            if p.1 < lo.1 {
                lo = p;
            }
            if p.1 > hi.1 {
                hi = p;
            }
        }
    }
    flush(&mut out, lo, hi);
    out
}

/// A metric history as the app's run screen charts one (its step chart): a
/// titled top border, a Braille line, both axes fitted with labels.
fn draw_chart(term: &mut Terminal<TestBackend>, points: &[(f64, f64)], title: &str) {
    term.draw(|f| {
        let area = f.area();
        let (x0, x1, y0, y1) = points.iter().fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |(x0, x1, lo, hi), p| (x0.min(p.0), x1.max(p.0), lo.min(p.1), hi.max(p.1)),
        );
        let air = (y1 - y0).max(f64::EPSILON) * 0.05;
        let (y0, y1) = ((y0 - air).max(0.0), y1 + air);
        let chart = Chart::new(vec![
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .data(points),
        ])
        .block(Block::default().borders(Borders::TOP).title(title))
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels([x0, (x0 + x1) / 2.0, x1].map(|x| format!("{x:.0}"))),
        )
        .y_axis(
            Axis::default()
                .bounds([y0, y1])
                .labels([y0, (y0 + y1) / 2.0, y1].map(|y| format!("{y:.3}"))),
        );
        f.render_widget(chart, area);
    })
    .expect("draw");
}

/// Braille columns across the chart: two dots per cell, inside the labels.
fn chart_columns() -> usize {
    (WIDTH as usize).saturating_sub(8) * 2
}

fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(f());
        times.push(t.elapsed());
    }
    (pct(&mut times, 0.5), pct(&mut times, 0.95))
}

async fn read_series(
    store: &Arc<dyn Store>,
    run: i64,
    max_points: i64,
    reps: usize,
) -> (nexml::store::tracking::MetricSeries, f64, f64) {
    let mut series = store
        .metric_series(run, LONG_METRIC, max_points)
        .await
        .expect("series");
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        series = store
            .metric_series(run, LONG_METRIC, max_points)
            .await
            .expect("series");
        times.push(t.elapsed());
    }
    (series, pct(&mut times, 0.5), pct(&mut times, 0.95))
}

async fn history(backend: &str, store: &Arc<dyn Store>, points: u64, reps: usize) {
    let run = ensure_long_history(store, points).await;
    // Each read takes a while: fewer rounds.
    let reads = reps.min(10);
    let (series, read50, read95) = read_series(store, run, CHART_POINTS, reads).await;
    let (app_series, app50, app95) = read_series(store, run, APP_CHART_POINTS, reads).await;
    let xy = |s: &nexml::store::tracking::MetricSeries| -> Vec<(f64, f64)> {
        s.points.iter().map(|p| (p.step as f64, p.value)).collect()
    };
    let thinned = xy(&series);
    let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let title = format!(
        " {LONG_METRIC} · {} points shown of {} ",
        thinned.len(),
        series.total
    );
    let (draw50, draw95) = timed(reps * 3, || {
        let data = downsample(&thinned, chart_columns());
        draw_chart(&mut term, &data, &title);
    });
    let (whole50, whole95) = timed(reps * 3, || draw_chart(&mut term, &thinned, &title));
    let app_points = xy(&app_series);
    let (app_draw50, _) = timed(reps * 3, || draw_chart(&mut term, &app_points, &title));
    // For comparison: every point read (no thinning in the database),
    // then downsampled in memory.
    let t = Instant::now();
    let all = store
        .metric_series(run, LONG_METRIC, i64::MAX)
        .await
        .expect("series");
    let read_all = t.elapsed().as_secs_f64() * 1e3;
    let all = xy(&all);
    let (raw50, _) = timed(reps.min(10), || {
        let data = downsample(&all, chart_columns());
        draw_chart(&mut term, &data, &title);
    });
    let frame = |p95: f64| {
        if p95 < 16.0 {
            "< 16 ms: within a frame"
        } else {
            "MISSED a frame (16 ms)"
        }
    };
    println!(
        "{backend}: read a {}-point history thinned, metric_series(run, key, {CHART_POINTS}) -> {} points: p50 {read50:.2} ms, p95 {read95:.2} ms",
        series.total,
        thinned.len(),
    );
    println!(
        "{backend}: the same with the app's {APP_CHART_POINTS} -> {} points: p50 {app50:.2} ms, p95 {app95:.2} ms",
        app_points.len()
    );
    println!(
        "{backend}: downsample the {} to {} columns and draw a Chart on {WIDTH}x{HEIGHT}: p50 {draw50:.2} ms, p95 {draw95:.2} ms ({})",
        thinned.len(),
        chart_columns(),
        frame(draw95)
    );
    println!(
        "{backend}: draw the {} as they are: p50 {whole50:.2} ms, p95 {whole95:.2} ms; the app's {}: p50 {app_draw50:.2} ms",
        thinned.len(),
        app_points.len()
    );
    println!(
        "{backend}: for comparison, every point read ({} points, {read_all:.0} ms), downsampled in memory and drawn: p50 {raw50:.2} ms",
        all.len(),
    );
}

/// The bench database of one size on the PostgreSQL server, created when
/// missing; `None` when no server answers.
async fn postgres_url(runs: u64) -> Option<String> {
    if std::env::var("NEXML_BENCH_PG").is_ok_and(|v| v == "off" || v == "0") {
        return None;
    }
    let server = std::env::var("NEXML_BENCH_PG_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut conn = match sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
        Ok(c) => c,
        Err(e) => {
            println!("notice: PostgreSQL not measured ({server}): {e}");
            return None;
        }
    };
    let name = format!("nexml_bench_runs_{runs}");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .ok()
        .flatten();
    if exists.is_none() {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create the bench database");
    }
    Some(format!("{server}/{name}"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes = sizes();
    let points_per_run = env_u64("NEXML_BENCH_POINTS_PER_RUN", 10);
    let history_points = env_u64("NEXML_BENCH_HISTORY", 1_000_000);
    let reps = env_u64("NEXML_BENCH_REPS", 30).max(1) as usize;
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let mut figures = Vec::new();
    let mut pg_reachable = true;
    for &runs in &sizes {
        let dir = std::env::var("NEXML_BENCH_DIR")
            .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
        let sqlite = format!("sqlite://{dir}/bench-runs-filter-{runs}.db");
        let mut urls = vec![sqlite];
        if pg_reachable {
            match postgres_url(runs).await {
                Some(url) => urls.push(url),
                None => pg_reachable = false,
            }
        }
        for url in urls {
            let backend = backend_of(&url);
            let store = ensure_content(&url, runs, points_per_run).await;
            for f in filters(backend, &url, &store, runs, reps).await {
                figures.push((backend, runs, f));
            }
            if runs == largest && history_points > 0 {
                history(backend, &store, history_points, reps).await;
            }
        }
    }
    println!();
    println!(
        "{:<10} {:>9} {:<58} {:>8} {:>5} {:>10} {:>10}",
        "backend", "runs", "run list --limit 1000 --filter ...", "total", "rows", "p50", "p95"
    );
    for (backend, runs, f) in &figures {
        print_figure(backend, *runs, f);
    }
}
