//! What the app benches share: the app and its I/O as the bench user has
//! them, driving the app's update loop to the end of its I/O, running the
//! CLI, and percentiles.

#![allow(dead_code)]

use nexml::config::Config;
use nexml::domain::Clock;
use nexml::service::Service;
use nexml::store::Store;
use nexml::tui::effects::{Effect, Io, Msg, perform};
use nexml::tui::state::App;
use nexml::tui::{new_app, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The screen the app benches draw on.
pub const WIDTH: u16 = 160;
pub const HEIGHT: u16 = 48;

/// What the app's effects run against, as the bench user with no language
/// model; `store` is taken as is (a caller that still needs it clones it).
pub fn bench_io(store: Arc<dyn Store>, url: &str) -> Io {
    Io {
        service: Service::new(store, Default::default(), Clock::System),
        user: "bench".into(),
        llm: None,
        drafts_dir: std::env::temp_dir().join("nexml-bench-drafts"),
        database_url: url.to_string(),
    }
}

/// A new app for the bench user with the default configuration, not started.
pub fn bench_app(backend: &'static str) -> App {
    new_app(&Config::default(), "bench", backend, Clock::System).expect("app")
}

/// A terminal of the benches' screen size.
pub fn bench_terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal")
}

/// A new app sized to the benches' screen, started, its first reads done:
/// where a measured interaction begins.
pub async fn started_app(io: &Io, backend: &'static str) -> App {
    let mut app = bench_app(backend);
    app.width = WIDTH;
    app.height = HEIGHT;
    let effects = update::start(&mut app);
    settle(io, &mut app, effects).await;
    app
}

/// Sends a message (a key) and performs what it asks for, untimed.
pub async fn send(io: &Io, app: &mut App, msg: Msg) {
    let effects = update::update(app, msg);
    settle(io, app, effects).await;
}

/// Performs effects until none are left, answers fed back as messages
/// (what the terminal does itself, such as the clipboard, is skipped).
pub async fn settle(io: &Io, app: &mut App, mut effects: Vec<Effect>) {
    while let Some(e) = effects.pop() {
        let Effect::Task(task) = e else {
            continue;
        };
        let loaded = perform(io, task).await;
        effects.extend(update::update(app, Msg::Loaded(loaded)));
    }
}

/// A message (a key) to the frame drawn with its answer.
pub async fn timed(io: &Io, app: &mut App, term: &mut Terminal<TestBackend>, msg: Msg) -> Duration {
    let start = Instant::now();
    let effects = update::update(app, msg);
    settle(io, app, effects).await;
    term.draw(|f| view::render(app, f)).expect("draw");
    start.elapsed()
}

/// The built `nexml` binary, to be given its arguments.
pub fn nexml_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nexml"))
}

/// Runs the built `nexml` binary to its end and returns what it printed;
/// a failure stops the bench with its error output.
pub fn run_nexml(command: &mut Command) -> Output {
    let out = command.output().expect("run nexml");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The `p` percentile (0..=1) of `v`, in milliseconds.
pub fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e3
}

/// The median and 99th percentile of `v`, as the benches print them.
pub fn p50_p99(v: &mut [Duration]) -> String {
    format!("p50 {:.2} ms p99 {:.2} ms", pct(v, 0.5), pct(v, 0.99))
}
