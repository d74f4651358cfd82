//! The terminal app: state + messages + a pure update, I/O in tasks, and
//! rendering from state (see ARCHITECTURE.md).

pub mod audit;
pub mod columns;
pub mod drafts;
pub mod effects;
pub mod fields;
pub mod filters;
pub mod form;
pub mod forms;
pub mod goto;
pub mod help;
pub mod inspect;
pub mod library;
pub mod library_rows;
pub mod list_loads;
pub mod lists;
pub mod live;
pub mod overlays;
pub mod screens;
pub mod selected;
pub mod shell;
pub mod state;
pub mod submit;
pub mod tab;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod user_commands;
pub mod view;
pub mod widgets;

use crate::config::Config;
use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{Event, EventStream, KeyCode, KeyModifiers};
use effects::{Effect, Msg, Runner, TerminalWork};
use futures::StreamExt;
use state::App;
use std::time::Duration;

/// Builds the app's state from the configuration.
pub fn new_app(
    config: &Config,
    user: &str,
    backend: &'static str,
    clock: crate::domain::Clock,
) -> Result<App> {
    let keymap = crate::keymap::Keymap::load(&config.keys).map_err(|e| eyre!("config: {e}"))?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = theme::Theme::new(config.theme, no_color);
    let mut app = App::new(keymap, theme, user.to_string(), backend, clock);
    app.llm_configured = config.assistant.llm.is_some();
    app.confirm_alert_moves = config.alerts.confirm;
    app.user_commands = config.user_commands();
    if user == crate::service::UNKNOWN_USER {
        app.error = Some(
            "no login name found: quit and set --user or NEXML_USER (changes are signed 'unknown')"
                .into(),
        );
    }
    Ok(app)
}

/// Runs the app until the user quits; the terminal is restored on every exit.
pub async fn run(
    service: crate::service::Service,
    config: &Config,
    user: &str,
    database_url: &str,
) -> Result<()> {
    let mut app = new_app(config, user, service.store().backend(), service.clock())?;
    app.governance = service.governance();
    // Without the feed the app still works; it only needs ctrl-r to see others' changes.
    let feed = match service.store().watch().await {
        Ok(feed) => Some(feed),
        Err(e) => {
            tracing::warn!("no live updates: {e}");
            app.error = Some(format!("live updates are off ({e}): ctrl-r reloads"));
            None
        }
    };
    let io = effects::Io {
        service,
        user: user.to_string(),
        llm: config.assistant.llm.clone(),
        drafts_dir: crate::config::drafts_dir(database_url),
        database_url: database_url.to_string(),
    };
    let mut terminal = terminal::enter(config.mouse).wrap_err("setting up the terminal")?;
    let result = event_loop(&mut terminal, &mut app, io, feed, config.mouse).await;
    terminal::restore();
    result
}

async fn event_loop(
    terminal: &mut terminal::Term,
    app: &mut App,
    io: effects::Io,
    mut feed: Option<crate::store::ChangeFeed>,
    mouse: bool,
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let runner = Runner::new(io, tx.clone());
    // However the loop ends, the drafts handed over are written first.
    let _flush = FlushDrafts(runner.clone());
    let _lost_executors = runner.watch_lost_executors();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut leave = LeaveSignals::new()?;
    let size = terminal.size()?;
    app.width = size.width;
    app.height = size.height;
    let started = update::start(app);
    dispatch_with_terminal(&runner, terminal, mouse, &tx, started)?;
    let mut dirty = true;
    loop {
        if dirty {
            draw(terminal, app)?;
            dirty = false;
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(k))) if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) => {
                    terminal::suspend(terminal, mouse)?;
                    dirty = true;
                    continue;
                }
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(eyre!("reading the terminal: {e}")),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => msg,
            Some(changes) = next_changes(&mut feed) => Msg::Changed(changes),
            _ = tick.tick() => Msg::Tick,
            signal = leave.recv() => {
                tracing::info!("{signal}: leaving");
                return Ok(());
            }
        };
        let is_tick = matches!(msg, Msg::Tick);
        let had_status = app.status.is_some();
        let effects = update::update(app, msg);
        // A tick that asks for nothing changes nothing on screen but the
        // clock, unless it let a status go.
        let status_went = had_status && app.status.is_none();
        dirty = !is_tick || !effects.is_empty() || status_went || dirty;
        dispatch_with_terminal(&runner, terminal, mouse, &tx, effects)?;
        // Merge queued answers into one redraw.
        while let Ok(msg) = rx.try_recv() {
            let effects = update::update(app, msg);
            dispatch_with_terminal(&runner, terminal, mouse, &tx, effects)?;
            dirty = true;
        }
        if app.should_quit {
            return Ok(());
        }
    }
}

/// The feed's next batch; never, when there is no feed (or it ended).
async fn next_changes(
    feed: &mut Option<crate::store::ChangeFeed>,
) -> Option<Vec<crate::store::Change>> {
    match feed {
        Some(f) => match f.next().await {
            Some(changes) => Some(changes),
            None => {
                *feed = None;
                std::future::pending().await
            }
        },
        None => std::future::pending().await,
    }
}

/// Runs effects; the ones that need the terminal itself are done here.
fn dispatch_with_terminal(
    runner: &Runner,
    term: &mut terminal::Term,
    mouse: bool,
    tx: &tokio::sync::mpsc::UnboundedSender<Msg>,
    effects: Vec<Effect>,
) -> Result<()> {
    for e in effects {
        match e {
            Effect::Task(task) => runner.spawn(task),
            Effect::Llm(work) => runner.llm(work),
            Effect::Terminal(TerminalWork::Copy(text)) => {
                terminal::copy_osc52(&text).wrap_err("copying to the clipboard")?
            }
            Effect::Terminal(TerminalWork::ExternalEdit {
                from,
                recipe_id,
                text,
            }) => {
                let loaded = match terminal::edit_externally(term, mouse, &text, recipe_id) {
                    Ok(text) => effects::Loaded::Screen(from, effects::Answer::Edited(text)),
                    Err(e) => effects::Loaded::Failed(e.to_string()),
                };
                let _ = tx.send(Msg::Loaded(loaded));
            }
        }
    }
    Ok(())
}

/// One frame, wrapped in synchronized-update escapes so it never tears.
fn draw(terminal: &mut terminal::Term, app: &mut App) -> Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    crossterm::execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view::render(app, frame))?;
    crossterm::execute!(std::io::stdout(), EndSynchronizedUpdate)?;
    Ok(())
}

/// Waits for the editor's pending draft writes when dropped.
struct FlushDrafts(Runner);

impl Drop for FlushDrafts {
    fn drop(&mut self) {
        self.0.flush_drafts();
    }
}

/// The signals the app leaves on, as on `q` (drafts flushed, the database
/// closed): SIGTERM (a `kill`, a shutdown) and SIGHUP (the terminal or the
/// SSH session closed).
struct LeaveSignals {
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl LeaveSignals {
    fn new() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate()).wrap_err("listening for SIGTERM")?,
            hangup: signal(SignalKind::hangup()).wrap_err("listening for SIGHUP")?,
        })
    }

    /// The name of the next signal received.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.hangup.recv() => "SIGHUP",
        }
    }
}
