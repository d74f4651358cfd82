//! The terminal app without a terminal: keys -> update -> effects performed on
//! a real seeded database -> state, and whole-screen snapshots on TestBackend.
//! They run on SQLite, so they are built with the `sqlite` feature.

#![cfg(feature = "sqlite")]

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nexml::config::Config;
use nexml::domain::Clock;
use nexml::service::changes::{ApproveVersion, CloneRecipe, MoveAlert, UpdateModel, UpdateRun};
use nexml::tui::effects::{Effect, Io, Msg, perform};
use nexml::tui::effects::{Task, TerminalWork, Validation};
use nexml::tui::state::{
    App, ChatScreen, DiffScreen, EditorScreen, ModelScreen, RecipeScreen, RunScreen, Tab,
};
use nexml::tui::{new_app, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The instant every harness lives at: the suite behaves the same at any hour.
fn test_now() -> chrono::DateTime<chrono::Utc> {
    at_hour("12:00")
}

/// 2026-11-28 at `hh:mm` UTC.
fn at_hour(hh_mm: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&format!("2026-11-28T{hh_mm}:00Z"))
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// An app on a seeded (baselines + demo) SQLite database, driven synchronously.
/// The screen on top, as a `T` (None when another kind is on top).
fn top<T: 'static>(app: &App) -> Option<&T> {
    app.screens.last()?.downcast_ref::<T>()
}

fn top_mut<T: 'static>(app: &mut App) -> Option<&mut T> {
    app.screens.last_mut()?.downcast_mut::<T>()
}

struct Harness {
    app: App,
    io: Io,
    _db: common::TestDb,
    _drafts: tempfile::TempDir,
    /// Effects the app asked for that the harness does not perform (clipboard).
    outside: Vec<Effect>,
}

impl Harness {
    async fn new(width: u16, height: u16) -> Harness {
        Harness::at(test_now(), width, height).await
    }

    /// A seeded app whose clock (and demo history) stands at `now`.
    async fn at(now: chrono::DateTime<chrono::Utc>, width: u16, height: u16) -> Harness {
        let db = common::sqlite_demo(now).await;
        Harness::on_at(db, now, width, height).await
    }

    async fn on(db: common::TestDb, width: u16, height: u16) -> Harness {
        Harness::on_at(db, test_now(), width, height).await
    }

    async fn on_at(
        db: common::TestDb,
        now: chrono::DateTime<chrono::Utc>,
        width: u16,
        height: u16,
    ) -> Harness {
        let mut app = new_app(
            &Config::default(),
            "alice",
            db.store.backend(),
            nexml::domain::Clock::System,
        )
        .unwrap();
        app.clock = Clock::Fixed(now);
        app.width = width;
        app.height = height;
        let drafts = tempfile::tempdir().unwrap();
        let io = Io {
            service: db.service().with_clock(Clock::Fixed(now)),
            user: "alice".into(),
            llm: None,
            drafts_dir: drafts.path().to_path_buf(),
            database_url: db.url.clone(),
        };
        let mut h = Harness {
            app,
            io,
            _db: db,
            _drafts: drafts,
            outside: vec![],
        };
        let effects = update::start(&mut h.app);
        h.run(effects).await;
        h
    }

    async fn run(&mut self, mut effects: Vec<Effect>) {
        while let Some(effect) = effects.pop() {
            // The terminal's work (and the language model's) is not done here.
            let Effect::Task(task) = effect else {
                self.outside.push(effect);
                continue;
            };
            let loaded = perform(&self.io, task).await;
            effects.extend(update::update(&mut self.app, Msg::Loaded(loaded)));
        }
    }

    async fn send(&mut self, msg: Msg) {
        let effects = update::update(&mut self.app, msg);
        self.run(effects).await;
    }

    /// Types keys: single characters, or names like "enter", "esc", "tab".
    async fn keys(&mut self, keys: &[&str]) {
        for k in keys {
            let event = match *k {
                "enter" => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                "esc" => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                "tab" => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
                "backtab" => KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
                "up" => KeyEvent::new(KeyCode::Up, KeyModifiers::NONE),
                "down" => KeyEvent::new(KeyCode::Down, KeyModifiers::NONE),
                "left" => KeyEvent::new(KeyCode::Left, KeyModifiers::NONE),
                "right" => KeyEvent::new(KeyCode::Right, KeyModifiers::NONE),
                "backspace" => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
                "pgdn" => KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE),
                "ctrl-c" => KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                "ctrl-s" => KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
                "ctrl-r" => KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL),
                "ctrl-u" => KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
                "ctrl-f" => KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL),
                "ctrl-n" => KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL),
                "ctrl-w" => KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL),
                "delete" => KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE),
                text => {
                    for c in text.chars() {
                        self.send(Msg::Key(KeyEvent::new(
                            KeyCode::Char(c),
                            KeyModifiers::NONE,
                        )))
                        .await;
                    }
                    continue;
                }
            };
            self.send(Msg::Key(event)).await;
        }
    }

    fn screen(&mut self) -> String {
        let (w, h) = (self.app.width, self.app.height);
        render(&mut self.app, w, h)
    }
}

fn render(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::render(app, f)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buffer.area.width {
            // A wide character covers the next cell too.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Snapshots with the text that changes from run to run filtered out.
macro_rules! snapshot {
    ($name:expr, $screen:expr) => {
        insta::with_settings!({filters => vec![
            (r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?", "[time]"),
            (r"\b\d{2}-\d{2} \d{2}:\d{2}\b", "[time]"),
            (r"\b\d+h\d{2}m\b|\b\d+m\d{2}s\b", "[dur]"),
            (r"(you|assistant)  \d{2}:\d{2}", "$1  [hh:mm]"),
            // The tail of a date peeking out beside an overlay.
            (r"(?m)([│┐┘])[\d-]{1,9}$", "$1[d]"),
        ]}, {
            insta::assert_snapshot!($name, $screen);
        });
    };
}

#[tokio::test]
async fn tabs_switch_with_numbers_and_tab_keys() {
    let mut h = Harness::new(80, 24).await;
    assert_eq!(h.app.tab, Tab::Recipes);
    assert_eq!(h.app.lists.recipes.total, 6);
    h.keys(&["2"]).await;
    assert_eq!(h.app.tab, Tab::Models);
    assert_eq!(h.app.lists.models.total, 6);
    h.keys(&["tab"]).await;
    assert_eq!(h.app.tab, Tab::Runs);
    assert!(h.app.lists.runs.total >= 60);
    h.keys(&["backtab", "backtab", "4"]).await;
    assert_eq!(h.app.tab, Tab::Monitoring);
    let screen = h.screen();
    assert!(screen.contains("hotel-dynamic-pricing"), "{screen}");
}

#[tokio::test]
async fn number_keys_reach_a_tab_from_a_detail_screen() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["enter"]).await;
    assert!(top::<RecipeScreen>(&h.app).is_some());
    h.keys(&["3"]).await;
    assert!(h.app.screens.is_empty(), "the recipe screen closed");
    assert_eq!(h.app.tab, Tab::Runs);
    let screen = h.screen();
    assert!(screen.contains("Runs"), "{screen}");
    assert!(h.app.lists.runs.total >= 60);
}

#[tokio::test]
async fn the_monitoring_tab_tells_acknowledged_alerts_from_open_ones() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["4"]).await;
    let row = h.app.lists.monitoring.rows[0].clone();
    assert!(
        row.open_alerts > 0,
        "the demo's first model has open alerts"
    );
    let open = row.open_alerts;
    let alerts =
        h.io.service
            .store()
            .alerts(row.model.id, Some(nexml::domain::AlertState::Open))
            .await
            .unwrap();
    // Someone else acknowledges one meanwhile; a reload shows it apart.
    h.io.service
        .move_alert(
            MoveAlert::to(alerts[0].id, nexml::domain::AlertState::Acknowledged),
            "bob",
        )
        .await
        .unwrap();
    h.keys(&["ctrl-r"]).await;
    let screen = h.screen();
    let line = screen
        .lines()
        .find(|l| l.starts_with(&row.model.name))
        .unwrap_or_default();
    assert!(
        line.trim_end().ends_with(&format!("{} +1✓", open - 1)),
        "{screen}"
    );
}

#[tokio::test]
async fn alert_moves_ask_first_when_the_config_says_so() {
    let mut h = Harness::new(80, 24).await;
    h.app.confirm_alert_moves = true;
    h.keys(&["2", "/", "hotel", "enter", "enter"]).await;
    h.keys(&["tab", "tab", "tab"]).await;
    h.keys(&["a"]).await;
    let screen = h.screen();
    assert!(screen.contains("Acknowledge alert"), "{screen}");
    assert!(screen.contains("y confirm"), "{screen}");
    // Any other key cancels: nothing moved.
    h.keys(&["n"]).await;
    let Some(s) = top::<ModelScreen>(&h.app) else {
        panic!("not on the model screen")
    };
    let d = s.detail.as_ref().unwrap();
    assert_eq!(d.alerts[0].state, nexml::domain::AlertState::Open);
    h.keys(&["a", "y"]).await;
    let Some(s) = top::<ModelScreen>(&h.app) else {
        panic!("not on the model screen")
    };
    let d = s.detail.as_ref().unwrap();
    assert_eq!(d.alerts[0].state, nexml::domain::AlertState::Acknowledged);
}

/// At 60x20 the lists give up their least telling columns (owner, recipe
/// version; level, updated, latest) before a model's or recipe's name is cut.
#[tokio::test]
async fn small_screens_keep_names_whole_and_give_up_columns() {
    let mut h = Harness::new(60, 20).await;
    let screen = h.screen();
    assert!(
        screen.contains("Pricing Optimization Baseline v1"),
        "{screen}"
    );
    assert!(!screen.contains("Level"), "{screen}");
    h.keys(&["2"]).await;
    let screen = h.screen();
    assert!(screen.contains("grocery-daily-demand-v0"), "{screen}");
    assert!(screen.contains("production"), "{screen}");
    assert!(!screen.contains("Owner"), "{screen}");
    h.keys(&["4"]).await;
    let screen = h.screen();
    assert!(screen.contains("grocery-daily-demand-v0"), "{screen}");
    assert!(screen.contains("hotel-dynamic-pricing"), "{screen}");
    assert!(screen.contains("Alerts"), "{screen}");
}

/// At 60x20 the monitoring chart stays: the measure list gives up rows and
/// scrolls to the charted measure.
#[tokio::test]
async fn the_monitoring_chart_stays_on_a_small_screen() {
    let mut h = Harness::new(60, 20).await;
    h.keys(&["2", "/", "hotel", "enter", "enter"]).await;
    h.keys(&["tab", "tab"]).await;
    let screen = h.screen();
    assert!(screen.contains(" mae · last"), "{screen}");
    assert!(screen.contains("› mae"), "{screen}");
    // Down into the drift columns: the chart follows, the cursor stays seen.
    for _ in 0..6 {
        h.keys(&["j"]).await;
    }
    let screen = h.screen();
    assert!(screen.contains(" drift of "), "{screen}");
    assert!(screen.lines().any(|l| l.starts_with("› ")), "{screen}");
}

#[tokio::test]
async fn navigation_moves_the_selection_and_opens_details() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["j", "j", "k"]).await;
    assert_eq!(h.app.lists.recipes.selected, 1);
    h.keys(&["G"]).await;
    assert_eq!(h.app.lists.recipes.selected, 5);
    h.keys(&["g", "enter"]).await;
    let Some(s) = top::<RecipeScreen>(&h.app) else {
        panic!("no recipe screen")
    };
    assert_eq!(
        s.detail.as_ref().unwrap().recipe.name,
        "Forecasting Baseline v1"
    );
    let screen = h.screen();
    assert!(
        screen.contains("nexml › Recipes › Forecasting Baseline v1"),
        "{screen}"
    );
    h.keys(&["esc"]).await;
    assert!(h.app.screens.is_empty());
}

#[tokio::test]
async fn search_narrows_as_you_type_and_esc_clears() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["/", "pric"]).await;
    assert_eq!(h.app.lists.recipes.total, 2);
    let screen = h.screen();
    assert!(screen.contains("2 of 6"), "{screen}");
    assert!(screen.contains("search: pric"), "{screen}");
    h.keys(&["enter"]).await;
    assert!(!h.app.searching);
    assert_eq!(h.app.lists.recipes.filters.search, "pric");
    h.keys(&["esc"]).await;
    assert_eq!(h.app.lists.recipes.total, 6);
    assert!(h.app.lists.recipes.filters.is_empty());
}

#[tokio::test]
async fn a_status_gives_the_hint_bar_back_after_a_few_seconds() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["/", "pric", "enter", "esc"]).await;
    let bottom = |h: &mut Harness| h.screen().lines().last().unwrap_or_default().to_string();
    let line = bottom(&mut h);
    assert!(line.starts_with("filters cleared"), "{line}");
    for _ in 0..3 {
        let effects = update::update(&mut h.app, Msg::Tick);
        h.run(effects).await;
    }
    let line = bottom(&mut h);
    assert!(line.starts_with("filters cleared"), "{line}");
    for _ in 0..3 {
        let effects = update::update(&mut h.app, Msg::Tick);
        h.run(effects).await;
    }
    let hints = bottom(&mut h);
    assert!(hints.starts_with("enter open"), "{hints}");
    // It is still in the message log.
    assert!(h.app.messages.iter().any(|m| m.text == "filters cleared"));
}

#[tokio::test]
async fn filter_picker_cycles_family_level_and_status() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["f", "right"]).await; // family: forecasting
    assert_eq!(h.app.lists.recipes.total, 2);
    h.keys(&["down", "right", "right"]).await; // level: industry
    assert_eq!(h.app.lists.recipes.total, 1);
    assert_eq!(
        h.app.lists.recipes.rows[0].name,
        "Retail Demand Forecasting"
    );
    h.keys(&["enter"]).await;
    assert!(h.app.overlay.is_none());
    h.keys(&["x"]).await;
    assert_eq!(h.app.lists.recipes.total, 6);
}

#[tokio::test]
async fn links_between_detail_screens_are_followable() {
    let mut h = Harness::new(80, 24).await;
    // Models tab -> hotel-dynamic-pricing -> its recipe -> its parent.
    h.keys(&["2", "/", "hotel", "enter", "enter"]).await;
    assert!(top::<ModelScreen>(&h.app).is_some());
    h.keys(&["R"]).await;
    let Some(s) = top::<RecipeScreen>(&h.app) else {
        panic!()
    };
    assert_eq!(
        s.detail.as_ref().unwrap().recipe.name,
        "Hospitality Pricing"
    );
    h.keys(&["P"]).await;
    let Some(s) = top::<RecipeScreen>(&h.app) else {
        panic!()
    };
    assert_eq!(
        s.detail.as_ref().unwrap().recipe.name,
        "Pricing Optimization Baseline v1"
    );
    assert_eq!(h.app.screens.len(), 3);
    // The recipe's runs: the library's Runs tab, filtered.
    h.keys(&["esc", "U"]).await;
    assert_eq!(h.app.tab, Tab::Runs);
    assert!(h.app.screens.is_empty());
    assert_eq!(
        h.app.lists.runs.filters.recipe.as_ref().unwrap().1,
        "Hospitality Pricing"
    );
    assert!(
        h.app
            .lists
            .runs
            .rows
            .iter()
            .all(|r| r.recipe_name.as_deref() == Some("Hospitality Pricing"))
    );
    // A run -> its model.
    h.keys(&["enter", "M"]).await;
    let Some(m) = top::<ModelScreen>(&h.app) else {
        panic!()
    };
    assert_eq!(
        m.detail.as_ref().unwrap().model.name,
        "hotel-dynamic-pricing"
    );
}

#[tokio::test]
async fn the_log_viewer_searches_and_jumps_between_matches() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["3", "/", "retail-weekly", "enter"]).await;
    // The first succeeded run of the model has a full log.
    let index = h
        .app
        .lists
        .runs
        .rows
        .iter()
        .position(|r| r.status.as_str() == "succeeded")
        .unwrap();
    for _ in 0..index {
        h.keys(&["j"]).await;
    }
    h.keys(&["enter", "/", "epoch", "enter"]).await;
    let Some(s) = top::<RunScreen>(&h.app) else {
        panic!()
    };
    assert_eq!(s.matches.len(), 3);
    let first = s.scroll;
    h.keys(&["n"]).await;
    let Some(s) = top::<RunScreen>(&h.app) else {
        panic!()
    };
    assert_eq!(s.scroll, first + 1);
    assert_eq!(h.app.status.as_deref(), Some("match 2 of 3"));
    h.keys(&["N", "N"]).await;
    assert_eq!(h.app.status.as_deref(), Some("match 3 of 3"));
    assert!(h.screen().contains("/epoch 3 matches"));
}

#[tokio::test]
async fn help_and_palette_come_from_the_live_keymap() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["?"]).await;
    let screen = h.screen();
    assert!(screen.contains("keys: library"), "{screen}");
    assert!(
        screen.contains("filter by family, level and status"),
        "{screen}"
    );
    h.keys(&["esc", ":", "monitor"]).await;
    let screen = h.screen();
    assert!(screen.contains("tab_monitoring"), "{screen}");
    h.keys(&["enter"]).await;
    assert_eq!(h.app.tab, Tab::Monitoring);

    // A rebinding shows in help and works.
    let config = Config::parse("[keys.library]\nfilter = [\"F\"]\n").unwrap();
    let db = common::sqlite().await;
    nexml::seed::seed_baselines(&db.service()).await.unwrap();
    let mut h = Harness::on(db, 80, 24).await;
    h.app = new_app(&config, "alice", "sqlite", nexml::domain::Clock::System).unwrap();
    let effects = update::start(&mut h.app);
    h.run(effects).await;
    h.keys(&["f"]).await;
    assert!(h.app.overlay.is_none());
    h.keys(&["F"]).await;
    assert!(h.app.overlay.is_some());
}

/// The palette finds every command by name, here or on another screen (it
/// then says where it runs), and edits its text as a shell line does.
#[tokio::test]
async fn the_palette_finds_commands_of_every_screen() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&[":", "clone"]).await;
    let screen = h.screen();
    assert!(screen.contains("clone"), "{screen}");
    assert!(screen.contains("(recipe)"), "{screen}");
    h.keys(&["enter"]).await;
    let status = h.app.status.clone().unwrap_or_default();
    assert!(status.starts_with("clone: runs on a recipe"), "{status}");
    assert!(h.app.screens.is_empty());

    h.keys(&[":", "open the", "ctrl-w"]).await;
    match &h.app.overlay {
        Some(nexml::tui::state::Overlay::Palette(p)) => assert_eq!(p.query, "open "),
        _ => panic!("no palette"),
    }
    h.keys(&["ctrl-u"]).await;
    match &h.app.overlay {
        Some(nexml::tui::state::Overlay::Palette(p)) => assert_eq!(p.query, ""),
        _ => panic!("no palette"),
    }
    // Empty, it lists only what runs here.
    assert!(!h.screen().contains("(recipe)"));
}

/// `:` goes anywhere, as k9s's does, from any screen: a tab narrowed by a
/// status word, one recipe by part of its name (opened when it is the only
/// one), a run by its id.
#[tokio::test]
async fn the_palette_goes_anywhere() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&[":", "runs failed"]).await;
    assert!(
        h.screen().contains("→ go to Runs · status=failed"),
        "{}",
        h.screen()
    );
    h.keys(&["enter"]).await;
    assert_eq!(h.app.tab, Tab::Runs);
    assert_eq!(h.app.lists.runs.filters.status.as_deref(), Some("failed"));
    let failed = &h.app.lists.runs.rows;
    assert!(!failed.is_empty(), "the demo has failed runs");
    assert!(failed.iter().all(|r| r.status.as_str() == "failed"));
    let run = failed[0].id;

    // One recipe by name, from a run's screen: that screen closes.
    h.keys(&["enter"]).await;
    let pricing = h
        ._db
        .store
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap();
    h.keys(&[":", "recipe pricing optimization", "enter"]).await;
    assert_eq!(h.app.screens.len(), 1, "one screen, the recipe's");
    let opened = top::<nexml::tui::screens::RecipeScreen>(&h.app).map(|s| s.id);
    assert_eq!(opened, Some(pricing.id));

    // A name that fits several lists them; one that fits none says so.
    h.keys(&[":", "recipe baseline", "enter"]).await;
    assert!(h.app.screens.is_empty());
    assert_eq!(h.app.tab, Tab::Recipes);
    let status = h.app.status.clone().unwrap_or_default();
    assert!(status.contains("recipes match 'baseline'"), "{status}");
    h.keys(&[":", "recipe zzzz", "enter"]).await;
    assert_eq!(h.app.error.as_deref(), Some("no recipe matches 'zzzz'"));

    // A run by id.
    h.keys(&[":", &format!("run {run}"), "enter"]).await;
    let opened = top::<nexml::tui::screens::RunScreen>(&h.app).map(|s| s.id);
    assert_eq!(opened, Some(run));
}

/// `L` shows every message shown since the start, newest first, in full,
/// however short the status line was.
#[tokio::test]
async fn the_messages_log_keeps_every_message_in_full() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["/", "Pricing Opt", "enter", "enter", "M", "esc", "esc"])
        .await;
    h.keys(&[":", "clone", "enter"]).await;
    // A refusal longer than the status line.
    h.app.error = None;
    let long = format!("refused: {} the end", "a long reason ".repeat(8));
    let before = (h.app.status.clone(), h.app.error.clone());
    h.app.error = Some(long.clone());
    h.app.log_new_messages(before);
    h.keys(&["L"]).await;
    let screen = h.screen();
    assert!(screen.contains("messages: 3"), "{screen}");
    assert!(screen.contains("the end"), "the whole text wraps: {screen}");
    let clone = screen
        .find("clone: runs on a recipe")
        .expect("the palette's answer");
    let models = screen
        .find("models of 'Pricing")
        .expect("the link's status");
    assert!(clone < models, "newest first: {screen}");
    h.keys(&["x"]).await;
    assert!(h.app.overlay.is_none());
}

/// Keys pressed on a tab whose rows are still coming are applied when they
/// arrive: a fast `j` `enter` after switching opens the second row.
#[tokio::test]
async fn keys_pressed_while_a_tab_loads_are_applied_when_it_arrives() {
    let mut h = Harness::new(80, 24).await;
    let key = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let loads = update::update(&mut h.app, key('2'));
    assert!(!loads.is_empty(), "the Models tab loads");
    let none = update::update(&mut h.app, key('j'));
    assert!(none.is_empty());
    let none = update::update(
        &mut h.app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert!(none.is_empty(), "nothing to open yet");
    h.run(loads).await;
    let second = h.app.lists.models.rows.get(1).map(|m| m.id);
    match top::<ModelScreen>(&h.app) {
        Some(m) => assert_eq!(Some(m.id), second),
        _ => panic!("the model was not opened: {}", h.screen()),
    }
}

/// At 80 columns numbers are never cut (labels are shortened instead),
/// long names keep their distinguishing end, and runs name their model.
#[tokio::test]
async fn narrow_lists_keep_numbers_whole_and_names_told_apart() {
    let mut h = Harness::new(80, 24).await;
    let screen = h.screen();
    // The least telling column (Updated) goes before a name is cut.
    assert!(
        screen.contains("Pricing Optimization Baseline v1"),
        "{screen}"
    );
    assert!(!screen.contains("Updated"), "{screen}");
    h.keys(&["4"]).await;
    let screen = h.screen();
    let retail = screen
        .lines()
        .find(|l| l.starts_with("retail-weekly-demand"));
    let retail = retail.unwrap_or_else(|| panic!("{screen}"));
    // The column's name is shortened; its score keeps every digit.
    let after = |label: &str| -> Option<String> {
        let rest = retail.split(label).nth(1)?;
        rest.split_whitespace().next().map(str::to_string)
    };
    let promo = retail
        .split_whitespace()
        .find(|w| w.starts_with("promo_"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(promo.ends_with('…'), "{screen}");
    let score = after(&format!("{promo} ")).unwrap_or_else(|| panic!("{screen}"));
    assert!(
        score.parse::<f64>().is_ok() && score.split('.').nth(1).map(str::len) == Some(3),
        "{screen}"
    );
    let wape = after("wape ").unwrap_or_else(|| panic!("{screen}"));
    assert!(wape.starts_with("0.") && wape.len() == 6, "{screen}");
    h.keys(&["3"]).await;
    let screen = h.screen();
    let run = screen.lines().find(|l| l.starts_with("66 "));
    let run = run.unwrap_or_else(|| panic!("{screen}"));
    assert!(run.contains("telco-retention-nba"), "{screen}");
    let auc = run
        .split("auc ")
        .nth(1)
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(auc.trim().parse::<f64>().is_ok(), "{screen}");
}

/// An empty tab says which key makes its first item.
#[tokio::test]
async fn empty_tabs_name_the_key_that_makes_the_first_item() {
    let mut h = Harness::on(common::sqlite().await, 80, 24).await;
    let screen = h.screen();
    assert!(
        screen.contains("no recipes yet: n creates one, c asks the assistant"),
        "{screen}"
    );
    h.keys(&["3"]).await;
    assert!(
        h.screen().contains("no runs yet: n starts one"),
        "{}",
        h.screen()
    );
    h.keys(&["2"]).await;
    assert!(
        h.screen().contains("no models yet: n registers one"),
        "{}",
        h.screen()
    );
}

/// The Runs tab filters by run type too.
#[tokio::test]
async fn runs_filter_by_type() {
    let mut h = Harness::new(160, 48).await;
    h.keys(&["3", "f", "j"]).await;
    assert!(h.screen().contains("type"), "{}", h.screen());
    h.keys(&["l", "esc"]).await;
    assert_eq!(
        h.app.filters(Tab::Runs).run_type,
        Some(nexml::domain::RunType::Train)
    );
    let runs = &h.app.lists.runs;
    assert!(runs.total > 0, "the demo has training runs");
    let all =
        h.io.service
            .store()
            .list_runs(&nexml::store::RunQuery {
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .total;
    assert!(
        (runs.total as i64) < all,
        "only train runs: {} of {all}",
        runs.total
    );
    assert!(
        runs.rows
            .iter()
            .all(|r| r.run_type == nexml::domain::RunType::Train)
    );
}

/// A run still going opens following its log; jumping to a match stops
/// following, so the match stays on screen.
#[tokio::test]
async fn a_running_run_follows_its_log_until_a_match_is_shown() {
    let mut h = Harness::new(80, 24).await;
    let running =
        h.io.service
            .store()
            .list_runs(&nexml::store::RunQuery {
                status: Some(nexml::domain::RunStatus::Running),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
    let run = running.first().expect("the demo has a running run").clone();
    let effects = update::open_run(&mut h.app, run.id);
    h.run(effects).await;
    let (follow, scroll, lines) = match top::<RunScreen>(&h.app) {
        Some(s) => (
            s.follow,
            s.scroll,
            s.run.as_ref().unwrap().log().lines().count(),
        ),
        _ => panic!("no run screen"),
    };
    assert!(follow, "a running run is followed");
    assert_eq!(scroll, lines.saturating_sub(1));
    h.keys(&["/", "e", "enter", "n"]).await;
    let status = h.app.status.clone().unwrap_or_default();
    assert!(status.contains("(stopped following)"), "{status}");
    assert!(top::<RunScreen>(&h.app).is_some_and(|s| !s.follow));
}

#[tokio::test]
async fn copy_sends_the_selected_id_to_the_clipboard() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["j", "y"]).await;
    let id = h.app.lists.recipes.rows[1].id;
    assert_eq!(
        h.outside,
        vec![Effect::Terminal(TerminalWork::Copy(id.to_string()))]
    );
    assert!(h.screen().contains("copied"));
}

/// `i` shows the selected item whole, as JSON: scrollable, `y` copies it,
/// esc closes it. On a run's screen it is what `run show --json` prints;
/// in the audit log, the entry under the cursor (its details are cut at
/// the screen's edge there), and esc goes back to the log.
#[tokio::test]
async fn inspect_shows_an_item_whole_and_copies_it() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["j", "i"]).await;
    let recipe = h.app.lists.recipes.rows[1].clone();
    let screen = h.screen();
    assert!(
        screen.contains(&format!("recipe {} · {}", recipe.id, recipe.name)),
        "{screen}"
    );
    assert!(screen.contains("y copy · esc close"), "{screen}");
    assert!(
        screen.contains(&format!("\"id\": {}", recipe.id)),
        "{screen}"
    );
    h.keys(&["G", "y"]).await;
    let Some(Effect::Terminal(TerminalWork::Copy(text))) = h.outside.last() else {
        panic!("nothing copied: {:?}", h.outside);
    };
    let copied: serde_json::Value = serde_json::from_str(text).expect("the copy is JSON");
    assert_eq!(copied["id"], recipe.id);
    assert_eq!(copied["name"], recipe.name.as_str());
    h.keys(&["esc"]).await;
    assert!(h.app.overlay.is_none());

    // A run's screen: the run with its params and metrics.
    h.keys(&["3", "enter"]).await;
    let run = top::<nexml::tui::screens::RunScreen>(&h.app).unwrap().id;
    h.keys(&["i"]).await;
    let screen = h.screen();
    assert!(screen.contains(&format!("run {run}")), "{screen}");
    assert!(screen.contains(&format!("\"id\": {run}")), "{screen}");
    h.keys(&["G"]).await;
    let screen = h.screen();
    assert!(screen.contains("\"metric_summaries\""), "{screen}");
    h.keys(&["i"]).await;
    assert!(h.app.overlay.is_none(), "i closes it again");
    h.keys(&["esc"]).await;

    // The audit log: the entry under the cursor, whole; esc back to the log.
    h.keys(&["H", "j", "enter"]).await;
    let entry = match &h.app.overlay {
        Some(nexml::tui::state::Overlay::Inspect { view, .. }) => view.shown.title.clone(),
        _ => panic!("no raw view over the audit log"),
    };
    assert!(entry.starts_with("audit #"), "{entry}");
    assert!(h.screen().contains("\"details\""));
    h.keys(&["esc"]).await;
    assert!(matches!(
        h.app.overlay,
        Some(nexml::tui::state::Overlay::Audit(_))
    ));
    h.keys(&["esc"]).await;
    assert!(h.app.overlay.is_none());
}

/// `C` sorts Recipes, Models and Monitoring by a column as it sorts Runs:
/// ascending, descending, then the list's own order; the heading and the
/// title say so, and `x` clears it with the filters.
#[tokio::test]
async fn every_list_sorts_by_a_column() {
    let mut h = Harness::new(100, 30).await;
    h.keys(&["C", "j"]).await;
    assert!(h.screen().contains("recipes: sort"), "{}", h.screen());
    h.keys(&["enter", "esc"]).await;
    let families = |h: &Harness| -> Vec<String> {
        h.app
            .lists
            .recipes
            .rows
            .iter()
            .map(|r| r.model_family.to_string())
            .collect()
    };
    let mut sorted = families(&h);
    sorted.sort();
    assert_eq!(families(&h), sorted);
    let screen = h.screen();
    assert!(screen.contains("Family▲"), "{screen}");
    assert!(screen.contains("sort=family▲"), "{screen}");
    h.keys(&["C", "j", "enter", "esc"]).await;
    sorted.reverse();
    assert_eq!(families(&h), sorted);
    assert!(h.screen().contains("Family▼"));
    h.keys(&["C", "j", "s", "esc"]).await;
    assert_eq!(
        h.app.lists.recipes.filters.sort, None,
        "a third time: by name again"
    );

    // Monitoring: by the number of open alerts, most first.
    h.keys(&["4", "C", "j", "j", "enter", "enter", "esc"]).await;
    assert!(h.screen().contains("Alerts▼"), "{}", h.screen());
    let alerts: Vec<i64> = h
        .app
        .lists
        .monitoring
        .rows
        .iter()
        .map(|r| r.open_alerts)
        .collect();
    let mut most_first = alerts.clone();
    most_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(alerts, most_first);
    h.keys(&["x"]).await;
    assert_eq!(h.app.lists.monitoring.filters.sort, None);
}

/// The pricing baseline with a draft version 1.0.1 that bob committed and
/// nobody approved.
async fn bobs_draft_of_the_pricing_baseline(h: &Harness) -> nexml::store::Recipe {
    let base = h
        ._db
        .store
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap();
    let mut manifest = h._db.store.versions(base.id).await.unwrap()[0]
        .manifest_json
        .clone();
    manifest["metadata"]["description"] = "bob's draft".into();
    h.io.service
        .commit_version(
            nexml::store::NewVersion {
                recipe_id: base.id,
                manifest,
                bump: Default::default(),
                change_note: "a draft".into(),
                parent_version_id: None,
                base_version: None,
            },
            "bob",
        )
        .await
        .unwrap();
    base
}

/// A new run from the Runs tab picks its recipe first, then one of that
/// recipe's versions (drafts too, marked) and models from pickers.
#[tokio::test]
async fn a_new_run_picks_its_recipe_then_a_version() {
    let mut h = Harness::new(80, 24).await;
    let base = bobs_draft_of_the_pricing_baseline(&h).await;
    h.keys(&["3", "n"]).await;
    assert!(
        h.screen().contains("New run: of which recipe?"),
        "{}",
        h.screen()
    );
    h.keys(&["Pricing Opt", "enter"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("New run of 'Pricing Optimization Baseline v1'"),
        "{screen}"
    );
    let Some(nexml::tui::state::Overlay::Form(form)) = &h.app.overlay else {
        panic!("no form: {screen}");
    };
    let labels: Vec<String> = form.fields[0]
        .visible_choices()
        .iter()
        .map(|(_, c)| c.label.clone())
        .collect();
    assert_eq!(
        labels[1..],
        ["1.0.1 draft", "1.0.0 approved"],
        "newest first"
    );
    // The approved version, no model, an eval run.
    h.keys(&["down", "down", "tab", "tab", "eval", "ctrl-s"])
        .await;
    let Some(opened) = top::<nexml::tui::screens::RunScreen>(&h.app) else {
        panic!("the new run's screen opens: {}", h.screen());
    };
    let run = h._db.store.run(opened.id).await.unwrap();
    assert_eq!(run.recipe_id, Some(base.id));
    assert_eq!(run.recipe_version.as_deref(), Some("1.0.0"));
    assert_eq!(run.run_type.as_str(), "eval");
}

/// `r` on a queued run of a version nobody approved, committed by someone
/// else, is refused where it shows, and nothing starts.
#[tokio::test]
async fn starting_a_queued_run_of_someone_elses_draft_is_refused() {
    let mut h = Harness::new(100, 30).await;
    let base = bobs_draft_of_the_pricing_baseline(&h).await;
    let queued =
        h.io.service
            .create_run(
                nexml::store::NewRun {
                    recipe_id: base.id,
                    version: Some("1.0.1".into()),
                    model_id: None,
                    run_type: nexml::domain::RunType::Train,
                },
                "bob",
            )
            .await
            .unwrap();
    h.keys(&[":", &format!("run {}", queued.id), "enter", "r"])
        .await;
    let error = h.app.error.clone().unwrap_or_default();
    assert!(
        error.contains("is not approved and was committed by bob, not alice"),
        "{error}"
    );
    let after = h._db.store.run(queued.id).await.unwrap();
    assert_eq!(after.status.as_str(), "queued");
    assert_eq!(after.executor, None, "nothing started it");
}

/// The promote form forces production past a closed gate with a typed
/// reason (as `--force`): production itself says what the gate misses;
/// "past the gate" needs a reason, then asks, moves, and audits the
/// override and the reason.
#[tokio::test]
async fn a_gated_promotion_is_forced_from_the_app_with_a_reason() {
    let mut h = Harness::new(100, 30).await;
    h.keys(&[":", "model bank-offer", "enter"]).await;
    let model = top::<nexml::tui::screens::ModelScreen>(&h.app)
        .expect("the model's screen")
        .id;
    h.keys(&["p"]).await;
    assert!(h.screen().contains("Force reason"), "{}", h.screen());
    // Production itself cannot be picked: it says what the gate misses,
    // whole, wrapped under the field.
    h.keys(&["production"]).await;
    let screen = h.screen();
    assert!(screen.contains("run 33 misses log_loss"), "{screen}");
    assert!(
        screen.contains("qini_coefficient not reported"),
        "the reason is whole, wrapped: {screen}"
    );
    h.keys(&["past the gate", "ctrl-s"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("past the gate needs a force reason"),
        "{screen}"
    );
    assert_eq!(
        h._db.store.model(model).await.unwrap().status.as_str(),
        "staging"
    );

    h.keys(&["tab", "pilot signed off by risk", "ctrl-s"]).await;
    let screen = h.screen();
    assert!(screen.contains("past its gate"), "{screen}");
    h.keys(&["y"]).await;
    assert_eq!(
        h._db.store.model(model).await.unwrap().status.as_str(),
        "production"
    );
    let history = h._db.store.audit("model", model).await.unwrap();
    let forced = history
        .iter()
        .rev()
        .find(|e| e.action == "status")
        .expect("the move");
    assert_eq!(forced.details["gate"]["forced"], true);
    assert_eq!(forced.details["gate"]["reason"], "pilot signed off by risk");
    assert_eq!(forced.actor, "alice");
}

/// Marked runs are acted on at once: `t` tags each, `X` cancels each one
/// still going (asked once; ended ones are left); with none marked, the
/// selected run. Compare still takes at most six.
#[tokio::test]
async fn marked_runs_are_tagged_and_cancelled_at_once() {
    let mut h = Harness::new(100, 30).await;
    h.keys(&["3", " ", "j", " ", "j", " "]).await;
    let marked = h.app.marked_runs.clone();
    assert_eq!(marked.len(), 3);
    h.keys(&["t"]).await;
    assert!(h.screen().contains("Tag 3 run(s)"), "{}", h.screen());
    h.keys(&["reviewed=yes, by=alice", "ctrl-s"]).await;
    for id in &marked {
        let detail = h._db.store.run_detail(*id, 0).await.unwrap();
        assert_eq!(
            detail.tags.get("reviewed").map(String::as_str),
            Some("yes"),
            "run {id}"
        );
        assert_eq!(
            detail.tags.get("by").map(String::as_str),
            Some("alice"),
            "run {id}"
        );
    }
    let status = h.app.status.clone().unwrap_or_default();
    assert!(status.contains("tagged 3 run(s)"), "{status}");

    let going: Vec<i64> = {
        let mut going = Vec::new();
        for id in &marked {
            if !h._db.store.run(*id).await.unwrap().status.is_final() {
                going.push(*id);
            }
        }
        going
    };
    h.keys(&["X"]).await;
    assert!(h.screen().contains("Cancel 3 runs"), "{}", h.screen());
    h.keys(&["y"]).await;
    for id in &marked {
        let run = h._db.store.run(*id).await.unwrap();
        assert!(
            run.status.is_final() || run.cancel_requested_at.is_some(),
            "run {id} is {} and was not asked to stop",
            run.status
        );
    }
    let status = h.app.status.clone().unwrap_or_default();
    assert!(
        status.contains(&format!("asked {} run(s) to stop", going.len())),
        "{status}"
    );

    // Past six marked, compare says so instead of opening.
    h.keys(&["j", " ", "j", " ", "j", " ", "j", " ", "c"]).await;
    assert_eq!(h.app.marked_runs.len(), 7);
    assert!(h.app.screens.is_empty());
    let status = h.app.status.clone().unwrap_or_default();
    assert!(status.contains("compare takes at most 6 runs"), "{status}");
}

/// `[[commands]]`: a key of the user's own runs a shell command with the
/// selected item's fields in its environment, asked first when the config
/// says so; its output opens in the raw view.
#[tokio::test]
async fn user_commands_run_with_the_selected_items_fields() {
    let config = Config::parse(
        r#"
[[commands]]
key = "O"
context = "run"
description = "show the run"
command = "echo \"run=$RUN_ID recipe=$RECIPE status=$RUN_STATUS\"; echo oops >&2; exit 3"

[[commands]]
key = "O"
context = "library"
command = "printf 'recipe %s' \"$RECIPE\""
confirm = true
"#,
    )
    .unwrap();
    let mut h = Harness::new(100, 30).await;
    h.app = new_app(&config, "alice", "sqlite", nexml::domain::Clock::System).unwrap();
    h.app.width = 100;
    h.app.height = 30;
    let effects = update::start(&mut h.app);
    h.run(effects).await;

    // In the library, on a recipe: asked first, then run.
    let recipe = h.app.lists.recipes.rows[0].name.clone();
    h.keys(&["O"]).await;
    assert!(h.screen().contains("Run 'printf"), "{}", h.screen());
    h.keys(&["y"]).await;
    let shown = match &h.app.overlay {
        Some(nexml::tui::state::Overlay::Inspect { view, .. }) => view.shown.text.clone(),
        _ => panic!("no output shown: {}", h.screen()),
    };
    assert!(shown.starts_with(&format!("recipe {recipe}")), "{shown}");
    h.keys(&["esc"]).await;

    // On a run's screen: `?` lists it; its fields, stderr and the exit
    // status are shown.
    h.keys(&["3", "enter", "?"]).await;
    assert!(
        h.screen().contains("show the run (your command)"),
        "{}",
        h.screen()
    );
    h.keys(&["esc"]).await;
    let run = top::<nexml::tui::screens::RunScreen>(&h.app)
        .unwrap()
        .run
        .clone()
        .unwrap();
    h.keys(&["O"]).await;
    let screen = h.screen();
    assert!(screen.contains("show the run"), "{screen}");
    assert!(
        screen.contains(&format!(
            "run={} recipe={} status={}",
            run.id,
            run.recipe_or_experiment(),
            run.status
        )),
        "{screen}"
    );
    assert!(screen.contains("oops"), "{screen}");
    assert!(screen.contains("exit status: 3"), "{screen}");
}

#[tokio::test]
async fn ctrl_c_and_q_quit() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["ctrl-c"]).await;
    assert!(h.app.should_quit);
    let mut h = Harness::new(80, 24).await;
    h.keys(&["q"]).await;
    assert!(h.app.should_quit);
}

#[tokio::test]
async fn database_text_cannot_drive_the_terminal_and_wide_text_stays_aligned() {
    let db = common::sqlite().await;
    nexml::seed::seed_baselines(&db.service()).await.unwrap();
    let base = db
        .store
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap();
    db.service()
        .clone_recipe(CloneRecipe::of(base.id, "evil\x1b[2J\x07 需求预测"), "a")
        .await
        .unwrap_err(); // control characters are refused at the door...
    db.service()
        .clone_recipe(CloneRecipe::of(base.id, "需求预测 pricing"), "a")
        .await
        .unwrap();
    let mut h = Harness::on(db, 80, 24).await;
    let screen = h.screen();
    // ...and wide characters keep the columns in place.
    let line = screen.lines().find(|l| l.contains("需求预测")).unwrap();
    let base_line = screen.lines().find(|l| l.contains("Pricing Opt")).unwrap();
    let col =
        |l: &str, word: &str| unicode_width::UnicodeWidthStr::width(&l[..l.find(word).unwrap()]);
    assert_eq!(
        col(line, " industry "),
        col(base_line, " baseline "),
        "{screen}"
    );
}

#[tokio::test]
async fn window_requests_follow_the_selection_on_long_lists() {
    use nexml::tui::effects::{Loaded, Rows};
    let db = common::sqlite().await;
    let mut app = new_app(
        &Config::default(),
        "alice",
        "sqlite",
        nexml::domain::Clock::System,
    )
    .unwrap();
    app.height = 24;
    let _ = update::start(&mut app);
    app.tab = Tab::Runs;
    let effects = update::run_command(&mut app, nexml::keymap::Command::TAB_RUNS);
    let Some(Effect::Task(Task::LoadList(req))) = effects.first() else {
        panic!("{effects:?}")
    };
    // Pretend a million rows answered.
    update::update(
        &mut app,
        Msg::Loaded(Loaded::List {
            tab: Tab::Runs,
            generation: req.generation,
            window_start: 0,
            rows: Rows::Runs(vec![]),
            total: Some(1_000_000),
            unfiltered_total: Some(1_000_000),
        }),
    );
    // Jumping to the end asks for the last rows, read from the far end.
    let effects = update::run_command(&mut app, nexml::keymap::Command::BOTTOM);
    let Some(Effect::Task(Task::LoadList(end))) = effects.first() else {
        panic!("{effects:?}")
    };
    assert!(end.reverse);
    assert_eq!(end.offset, 0);
    assert_eq!(end.window_start + end.limit, 1_000_000);
    assert_eq!(app.lists.runs.selected, 999_999);
    // An older answer arriving late is dropped: the newest request wins.
    update::update(
        &mut app,
        Msg::Loaded(Loaded::List {
            tab: Tab::Runs,
            generation: req.generation,
            window_start: 0,
            rows: Rows::Runs(vec![]),
            total: Some(5),
            unfiltered_total: Some(5),
        }),
    );
    assert_eq!(app.lists.runs.total, 1_000_000);
    drop(db);
}

/// A row another process adds above the selection: the list re-reads in
/// place, the selected recipe stays selected (one row further down).
#[tokio::test]
async fn a_change_elsewhere_keeps_the_selected_row_by_id() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["j", "j"]).await;
    let before = update::selected_id(&h.app).unwrap();
    let row = h.app.lists.recipes.selected;
    let base =
        h.io.service
            .store()
            .find_recipe("Forecasting Baseline v1")
            .await
            .unwrap();
    let added =
        h.io.service
            .clone_recipe(CloneRecipe::of(base.id, "AAA First In Line"), "bob")
            .await
            .unwrap();
    h.send(Msg::Changed(vec![nexml::store::Change::new(
        "recipe", added.id,
    )]))
    .await;
    assert!(h.screen().contains("AAA First In Line"), "{}", h.screen());
    assert_eq!(update::selected_id(&h.app), Some(before));
    assert_eq!(h.app.lists.recipes.selected, row + 1);
    // A tab not shown re-reads when shown.
    h.send(Msg::Changed(vec![nexml::store::Change::new("run", 0)]))
        .await;
    assert!(h.app.lists.runs.stale || !h.app.lists.runs.loaded);
}

/// A filtered list says how many of how many; a row another process adds
/// outside the filter moves the second number, not the first.
#[tokio::test]
async fn a_filtered_list_counts_what_others_add_to_the_whole_list() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["/", "Pricing Opt"]).await;
    let before = h.app.lists.recipes.unfiltered_total.expect("counted");
    assert!(
        h.screen().contains(&format!("1 of {before}")),
        "{}",
        h.screen()
    );
    let base =
        h.io.service
            .store()
            .find_recipe("Forecasting Baseline v1")
            .await
            .unwrap();
    let added =
        h.io.service
            .clone_recipe(CloneRecipe::of(base.id, "Weekly Grocery Demand"), "bob")
            .await
            .unwrap();
    h.send(Msg::Changed(vec![nexml::store::Change::new(
        "recipe", added.id,
    )]))
    .await;
    assert!(
        h.screen().contains(&format!("1 of {}", before + 1)),
        "{}",
        h.screen()
    );
}

#[tokio::test]
async fn screens_at_80x24_and_160x48() {
    for (w, h_) in [(80u16, 24u16), (160, 48)] {
        let mut h = Harness::new(w, h_).await;
        let size = format!("{w}x{h_}");
        snapshot!(format!("library_recipes_{size}"), h.screen());
        h.keys(&["2"]).await;
        snapshot!(format!("library_models_{size}"), h.screen());
        h.keys(&["3"]).await;
        snapshot!(format!("library_runs_{size}"), h.screen());
        h.keys(&["4"]).await;
        snapshot!(format!("library_monitoring_{size}"), h.screen());
        h.keys(&["1", "f", "right"]).await;
        snapshot!(format!("filter_picker_{size}"), h.screen());
        h.keys(&["enter", "x", "/", "retail"]).await;
        snapshot!(format!("search_typing_{size}"), h.screen());
        h.keys(&["esc", "?"]).await;
        snapshot!(format!("help_{size}"), h.screen());
        h.keys(&["esc", ":"]).await;
        snapshot!(format!("palette_{size}"), h.screen());
        h.keys(&["esc", "/", "Pricing Opt", "enter", "enter"]).await;
        snapshot!(format!("recipe_overview_{size}"), h.screen());
        h.keys(&["tab"]).await;
        snapshot!(format!("recipe_manifest_tree_{size}"), h.screen());
        h.keys(&["t"]).await;
        snapshot!(format!("recipe_manifest_json_{size}"), h.screen());
        h.keys(&["tab"]).await;
        snapshot!(format!("recipe_versions_{size}"), h.screen());
        h.keys(&["tab"]).await;
        snapshot!(format!("recipe_example_{size}"), h.screen());
        h.keys(&["esc", "esc", "2", "/", "hotel", "enter", "enter"])
            .await;
        snapshot!(format!("model_overview_{size}"), h.screen());
        h.keys(&["tab"]).await;
        snapshot!(format!("model_deployments_{size}"), h.screen());
        h.keys(&["tab"]).await;
        snapshot!(format!("model_monitoring_{size}"), h.screen());
        // The first metric is charted: its limit drawn, breaches marked.
        let screen = h.screen();
        assert!(screen.contains("› mae"), "{screen}");
        assert!(screen.contains("• past the limit"), "{screen}");
        // j moves the chart to the next measure; six down is a drift column.
        for _ in 0..6 {
            h.keys(&["j"]).await;
        }
        let screen = h.screen();
        assert!(screen.contains("drift of unit_price"), "{screen}");
        snapshot!(format!("model_monitoring_drift_{size}"), h.screen());
        h.keys(&["tab"]).await;
        snapshot!(format!("model_alerts_{size}"), h.screen());
        h.keys(&["U"]).await;
        let succeeded = h
            .app
            .lists
            .runs
            .rows
            .iter()
            .position(|r| r.status.as_str() == "succeeded")
            .unwrap();
        for _ in 0..succeeded {
            h.keys(&["j"]).await;
        }
        h.keys(&["enter"]).await;
        snapshot!(format!("run_{size}"), h.screen());
    }
}

/// The demo's history and the monitoring windows follow the injected clock,
/// so what the model screen shows does not depend on the hour it runs at.
#[tokio::test]
async fn the_monitoring_window_is_the_same_at_any_hour() {
    let mut seen = Vec::new();
    for hour in ["03:00", "12:00", "23:30"] {
        let mut h = Harness::at(at_hour(hour), 80, 24).await;
        h.keys(&["2", "/", "hotel", "enter", "enter", "tab", "tab"])
            .await;
        let screen = h.screen();
        let shown = screen
            .lines()
            .find_map(|l| {
                let at = l.find(" snapshots ·")?;
                l[..at].split_whitespace().last().map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no snapshot count at {hour}:\n{screen}"));
        // Nothing in the demo lies after the clock's now.
        let Some(m) = top::<ModelScreen>(&h.app) else {
            panic!("no model screen at {hour}")
        };
        let newest = m
            .series
            .iter()
            .map(|s| s.captured_at)
            .max()
            .expect("a monitoring series");
        assert!(
            newest <= at_hour(hour),
            "a snapshot in the future at {hour}"
        );
        seen.push((hour, shown));
    }
    assert!(
        seen.iter().all(|(_, n)| n == "30"),
        "the 30-day window holds one snapshot a day at every hour: {seen:?}"
    );
}

#[tokio::test]
async fn a_tiny_terminal_says_so() {
    let mut h = Harness::new(30, 8).await;
    assert!(h.screen().contains("terminal too small"));
    // Keys do nothing behind that message, except quitting.
    h.keys(&["3", "enter", "n"]).await;
    assert_eq!(h.app.tab, Tab::Recipes);
    assert!(h.app.screens.is_empty() && h.app.overlay.is_none());
    h.keys(&["q"]).await;
    assert!(h.app.should_quit);
}

/// Help scrolls to its last page and no further: never into a blank screen.
#[tokio::test]
async fn help_stops_at_its_last_page() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["?"]).await;
    for _ in 0..100 {
        h.keys(&["j"]).await;
    }
    let screen = h.screen();
    let shown = screen
        .lines()
        .filter(|l| l.starts_with(' ') && l.trim().len() > 4)
        .count();
    assert!(shown >= h.app.help_rows() - 1, "{screen}");
    assert!(
        screen.contains("quit nexml"),
        "the last binding is on the last page:\n{screen}"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        /// Every screen renders at any size from 1x1 to 400x150.
        #[test]
        fn at_any_size(sizes in proptest::collection::vec((1u16..=400, 1u16..=150), 8)) {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let mut h = Harness::new(80, 24).await;
                let steps: [&[&str]; 9] = [&[], &["2"], &["3"], &["4"], &["?"], &["esc", ":"], &["esc", "1", "enter"], &["tab", "tab"], &["esc", "3", "enter"]];
                for (step, (w, hh)) in steps.iter().zip(sizes.iter().cycle()) {
                    h.keys(step).await;
                    h.app.width = *w;
                    h.app.height = *hh;
                    render(&mut h.app, *w, *hh);
                }
            });
        }
    }
}

mod authoring {
    use super::*;
    use nexml::domain::{ModelStatus, RecipeStatus, RunStatus};
    use nexml::tui::state::Overlay;

    async fn open_pricing_baseline(h: &mut Harness) {
        h.keys(&["/", "Pricing Opt", "enter", "enter"]).await;
        assert!(top::<RecipeScreen>(&h.app).is_some());
    }

    fn top_recipe(h: &Harness) -> nexml::store::Recipe {
        match top::<RecipeScreen>(&h.app) {
            Some(s) => s.detail.as_ref().unwrap().recipe.clone(),
            _ => panic!("not on a recipe screen"),
        }
    }

    /// The original's Scenario 1, keyboard only: clone the pricing baseline,
    /// edit its manifest, save a version, approve it, register a model, promote it.
    #[tokio::test]
    async fn scenario_one_clone_edit_save_approve_register_promote() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        h.keys(&["c", "Retail Dynamic Pricing v1", "enter"]).await;
        let clone = top_recipe(&h);
        assert_eq!(clone.name, "Retail Dynamic Pricing v1");
        assert_eq!(
            clone.parent_name.as_deref(),
            Some("Pricing Optimization Baseline v1")
        );

        h.keys(&["e"]).await;
        assert!(top::<EditorScreen>(&h.app).is_some());
        // The find prompt is drawn as it is typed (issue 31, bug 1).
        h.keys(&["ctrl-f", "general"]).await;
        let screen = h.screen();
        assert!(screen.contains("find: general█"), "{screen}");
        h.keys(&["enter"]).await;
        h.keys(&[
            "delete", "delete", "delete", "delete", "delete", "delete", "delete", "retail",
        ])
        .await;
        snapshot!("editor_80x24", h.screen());
        h.keys(&["ctrl-s"]).await;
        h.keys(&["retail industry"]).await;
        snapshot!("editor_save_dialog_80x24", h.screen());
        h.keys(&["enter"]).await;
        assert_eq!(
            h.app.status.as_deref(),
            Some("saved version 1.0.1 (patch bump)")
        );
        let v = h.io.service.store().version(clone.id, None).await.unwrap();
        assert_eq!(v.manifest_json["metadata"]["industry"], "retail");
        assert_eq!(v.change_note, "retail industry");
        assert_eq!(v.created_by, "alice");

        h.keys(&["tab", "tab", "d"]).await;
        snapshot!("diff_unified_80x24", h.screen());
        h.keys(&["esc", "a"]).await;
        snapshot!("confirm_approve_80x24", h.screen());
        h.keys(&["y"]).await;
        assert_eq!(top_recipe(&h).status, RecipeStatus::Approved);

        h.keys(&["r"]).await;
        snapshot!("form_register_80x24", h.screen());
        h.keys(&["enter", "retail-pricing", "enter", "enter"]).await;
        let Some(m) = top::<ModelScreen>(&h.app) else {
            panic!("no model screen: {}", h.screen())
        };
        let model_id = m.id;
        h.keys(&["p"]).await;
        snapshot!("form_promote_80x24", h.screen());
        h.keys(&["enter"]).await;
        // Staging; production is offered only once an eval meets the
        // thresholds, and says so.
        h.keys(&["p"]).await;
        let screen = h.screen();
        assert!(
            screen.contains("production  (no succeeded eval run yet: e on the model"),
            "{screen}"
        );
        h.keys(&["esc"]).await;
        common::passing_eval(&h.io.service, model_id, "alice").await;
        h.keys(&["p", "enter"]).await;
        // Production is asked about first, naming what happens.
        let screen = h.screen();
        assert!(
            screen.contains("Promote 'retail-pricing' to production?"),
            "{screen}"
        );
        assert!(
            screen.contains("y confirm · any other key cancel"),
            "{screen}"
        );
        let model = h.io.service.store().model(model_id).await.unwrap();
        assert_eq!(model.status, ModelStatus::Staging);
        h.keys(&["y"]).await;
        let model = h.io.service.store().model(model_id).await.unwrap();
        assert_eq!(model.status, ModelStatus::Production);
        assert_eq!(model.recipe_version, "1.0.1");
        assert!(h.screen().contains("staging → production"));
    }

    /// A schema problem inside an array is marked on its element's line, and
    /// `ctrl-n` goes there, not to the array's first line.
    #[tokio::test]
    async fn schema_problems_in_arrays_are_found_on_their_line() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        h.app.status = Some("proposal rejected".into());
        h.keys(&["e"]).await;
        assert_eq!(h.app.status, None, "an old message does not follow");
        let Some(e) = top_mut::<EditorScreen>(&mut h.app) else {
            panic!()
        };
        let mut manifest = e.base_manifest.clone();
        manifest["evaluation"]["metrics"][1]["threshold"] = serde_json::json!("high");
        let text = nexml::domain::diff::pretty(&manifest);
        let expected = text
            .lines()
            .position(|l| l.contains("\"high\""))
            .expect("the bad value")
            + 1;
        let array_line = text
            .lines()
            .position(|l| l.contains("\"metrics\""))
            .expect("the array")
            + 1;
        assert!(expected > array_line + 2);
        let mut fresh = nexml::tui::screens::EditorScreen::new(
            e.recipe_id,
            "r",
            "1.0.0",
            &e.base_manifest,
            Some(text.clone()),
        );
        fresh.generation = e.generation + 1;
        *e = fresh;
        let effect = Task::Validate(Validation {
            recipe_id: e.recipe_id,
            recipe_created_at: None,
            generation: e.generation,
            base_version: "1.0.0".into(),
            text,
        });
        h.run(vec![Effect::Task(effect)]).await;
        let Some(e) = top::<EditorScreen>(&h.app) else {
            panic!()
        };
        let problem = e
            .problems
            .iter()
            .find(|p| p.at == "/evaluation/metrics/1/threshold")
            .unwrap_or_else(|| panic!("{:?}", e.problems));
        assert_eq!(problem.line, Some(expected), "the gutter mark's line");
        h.keys(&["ctrl-n"]).await;
        let Some(e) = top::<EditorScreen>(&h.app) else {
            panic!()
        };
        assert_eq!(e.cursor().0 + 1, expected);
    }

    /// A version marked with space is drawn marked, keeps its mark when a
    /// newer version arrives, and is what `d` compares with.
    #[tokio::test]
    async fn a_marked_version_is_drawn_and_diffed_against() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        let recipe = top_recipe(&h);
        let service = h.io.service.clone();
        let commit = |description: &'static str| {
            let svc = service.clone();
            async move {
                let mut m = svc
                    .store()
                    .version(recipe.id, None)
                    .await
                    .unwrap()
                    .manifest_json;
                m["metadata"]["description"] = serde_json::json!(description);
                svc.commit_version(
                    nexml::store::NewVersion {
                        recipe_id: recipe.id,
                        manifest: m,
                        bump: Default::default(),
                        change_note: description.into(),
                        parent_version_id: None,
                        base_version: None,
                    },
                    "bob",
                )
                .await
                .unwrap();
            }
        };
        commit("second").await;
        h.keys(&["ctrl-r", "tab", "tab", "j", " "]).await;
        let screen = h.screen();
        assert!(screen.contains("*1.0.0"), "{screen}");
        assert!(screen.contains("1.0.0 marked"), "{screen}");
        commit("third").await;
        h.send(Msg::Changed(vec![nexml::store::Change::new(
            "recipe_version",
            0,
        )]))
        .await;
        assert!(h.screen().contains("*1.0.0"), "{}", h.screen());
        h.keys(&["g", "d"]).await;
        let screen = h.screen();
        assert!(screen.contains("diff 1.0.0 → 1.0.2"), "{screen}");
    }

    /// `[keys.editor] save` rebound: the new key saves, the old one does
    /// nothing, and the editor's hint names the new key.
    #[tokio::test]
    async fn a_rebound_editor_key_is_the_one_that_saves() {
        let mut h = Harness::new(80, 24).await;
        let config = Config::parse("[keys.editor]\nsave = \"ctrl-w\"\n").unwrap();
        h.app.keymap = nexml::keymap::Keymap::load(&config.keys).unwrap();
        open_pricing_baseline(&mut h).await;
        h.keys(&["e", "ctrl-f", "general", "enter"]).await;
        h.keys(&[
            "delete", "delete", "delete", "delete", "delete", "delete", "delete", "retail",
        ])
        .await;
        let editor_open = |h: &Harness| match top::<EditorScreen>(&h.app) {
            Some(e) => e.save.is_some(),
            _ => panic!("left the editor"),
        };
        assert!(h.screen().contains("ctrl-w save"), "{}", h.screen());
        h.keys(&["ctrl-s"]).await;
        assert!(!editor_open(&h), "the old key still saves");
        h.keys(&["ctrl-w"]).await;
        assert!(
            editor_open(&h),
            "the new key does not save:\n{}",
            h.screen()
        );
    }

    #[tokio::test]
    async fn the_editor_blocks_invalid_saves_and_points_at_the_problem() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        h.keys(&["e", "ctrl-f", "\"mode\"", "enter"]).await;
        // Break the JSON: a stray character after the key.
        h.keys(&["delete", "x"]).await;
        let Some(e) = top::<EditorScreen>(&h.app) else {
            panic!()
        };
        assert!(!e.problems.is_empty());
        assert!(e.problems[0].line.is_some(), "{:?}", e.problems);
        h.keys(&["ctrl-s"]).await;
        let Some(e) = top::<EditorScreen>(&h.app) else {
            panic!()
        };
        assert!(e.save.is_none(), "an invalid manifest cannot be saved");
        assert!(h.screen().contains("problem"));
        // ... and says so, with the key to the problems.
        let error = h.app.error.clone().unwrap_or_default();
        assert!(
            error.starts_with("not saved: 1 problem to fix first (ctrl-n goes to the next)"),
            "{error}"
        );
        // A schema error is named by its JSON pointer.
        let Some(e) = top_mut::<EditorScreen>(&mut h.app) else {
            panic!()
        };
        let text =
            nexml::domain::diff::pretty(&e.base_manifest).replace("\"batch\"", "\"sometimes\"");
        let fresh = nexml::tui::screens::EditorScreen::new(
            e.recipe_id,
            "r",
            "1.0.0",
            &e.base_manifest,
            Some(text.clone()),
        );
        *e = fresh;
        let effect = Task::Validate(Validation {
            recipe_id: e.recipe_id,
            recipe_created_at: None,
            generation: e.generation,
            base_version: "1.0.0".into(),
            text,
        });
        h.run(vec![Effect::Task(effect)]).await;
        let Some(e) = top::<EditorScreen>(&h.app) else {
            panic!()
        };
        assert!(
            e.problems.iter().any(|p| p.at == "/deployment/mode"),
            "{:?}",
            e.problems
        );
        assert_eq!(
            h.io.service
                .store()
                .versions(e.recipe_id)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn a_left_buffer_is_kept_as_a_draft_and_offered_back() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        h.keys(&["e", "ctrl-f", "general", "enter", "X"]).await;
        h.keys(&["esc"]).await;
        assert!(h.screen().contains("unsaved changes"));
        h.keys(&["k"]).await;
        assert!(top::<RecipeScreen>(&h.app).is_some());
        h.keys(&["e"]).await;
        let screen = h.screen();
        assert!(screen.contains("draft found"), "{screen}");
        // The dialog is as tall as its text: its keys are never cut off.
        assert!(
            screen.contains("y restore it · k start from the saved version"),
            "{screen}"
        );
        // A stray key answers nothing: the draft is still offered.
        h.keys(&["down"]).await;
        assert!(h.screen().contains("draft found"), "{}", h.screen());
        h.keys(&["y"]).await;
        let Some(e) = top::<EditorScreen>(&h.app) else {
            panic!()
        };
        assert!(e.text().contains("\"Xgeneral\""));
        assert!(e.dirty);
        // Discarding drops the draft for good.
        h.keys(&["esc", "y", "e"]).await;
        assert!(!h.screen().contains("draft found"));
    }

    /// A draft typed for a deleted recipe whose id SQLite gave again is
    /// never offered to the new one.
    #[tokio::test]
    async fn a_draft_for_a_deleted_recipe_of_the_same_id_is_not_offered() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        h.keys(&["c", "Reused Id", "enter"]).await;
        let recipe = top_recipe(&h);
        let draft = nexml::tui::drafts::Draft {
            recipe_id: recipe.id,
            recipe_created_at: Some(recipe.created_at - chrono::Duration::hours(1)),
            base_version: "1.0.0".into(),
            text: "{\"from\": \"a deleted recipe\"}".into(),
            saved_at: recipe.created_at,
        };
        let path = nexml::tui::drafts::draft_path(&h.io.drafts_dir, recipe.id);
        std::fs::write(&path, serde_json::to_string(&draft).unwrap()).unwrap();
        h.keys(&["e"]).await;
        let screen = h.screen();
        assert!(!screen.contains("draft found"), "{screen}");
        assert!(screen.contains("editing 1.0.0"), "{screen}");
    }

    /// The approve question names what happens and shows its keys at 80x24.
    #[tokio::test]
    async fn the_approve_dialog_shows_its_keys_at_80x24() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        h.keys(&["c", "A Rather Long Recipe Name For Approving", "enter", "a"])
            .await;
        let screen = h.screen();
        assert!(
            screen.contains("y confirm · any other key cancel"),
            "{screen}"
        );
    }

    /// `esc` after following a link (M: the recipe's models, U: its runs)
    /// walks back to the screen it was followed from, not to the library.
    #[tokio::test]
    async fn esc_walks_back_along_a_followed_link() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        let recipe = top_recipe(&h);
        h.keys(&["M"]).await;
        assert_eq!(h.app.tab, Tab::Models);
        assert!(h.app.screens.is_empty());
        assert!(h.screen().contains("esc goes back"), "{}", h.screen());
        h.keys(&["esc"]).await;
        assert_eq!(h.app.tab, Tab::Recipes);
        assert_eq!(top_recipe(&h).id, recipe.id);
        assert!(
            h.app.filters(Tab::Models).is_empty(),
            "the link's filter is gone"
        );
        // Through a second screen: the runs of the recipe, a run, then back twice.
        h.keys(&["U"]).await;
        assert_eq!(h.app.tab, Tab::Runs);
        h.keys(&["esc"]).await;
        assert_eq!(top_recipe(&h).id, recipe.id);
        // Moving to another tab by hand ends the walk back: esc then clears.
        h.keys(&["M", "1", "esc"]).await;
        assert!(h.app.screens.is_empty());
        assert_eq!(h.app.tab, Tab::Recipes);
    }

    /// With four-eyes on (the default on PostgreSQL), approving your own
    /// version is refused before any question; another's names the rule.
    #[tokio::test]
    async fn four_eyes_is_known_before_the_approve_question() {
        let mut h = Harness::new(80, 24).await;
        h.app.governance.distinct_approver = true;
        open_pricing_baseline(&mut h).await;
        h.keys(&["c", "Mine", "enter", "a"]).await;
        assert!(
            h.app.overlay.is_none(),
            "no question for a refused approval"
        );
        let error = h.app.error.clone().unwrap_or_default();
        assert!(
            error.contains("four-eyes rule: alice wrote version 1.0.0 of 'Mine'"),
            "{error}"
        );
        // Someone else's version: the question says the rule is on.
        h.app.user = "bob".into();
        h.keys(&["a"]).await;
        let screen = h.screen();
        assert!(screen.contains("Approve alice's version 1.0.0"), "{screen}");
        assert!(screen.contains("Four-eyes is on"), "{screen}");
    }

    #[tokio::test]
    async fn four_eyes_refusal_is_shown_and_nothing_changes() {
        let mut h = Harness::new(80, 24).await;
        h.io.service = h._db.service_with(nexml::domain::Governance {
            distinct_approver: true,
            ..Default::default()
        });
        open_pricing_baseline(&mut h).await;
        h.keys(&["c", "Mine", "enter", "a", "y"]).await;
        let msg = h.app.error.clone().unwrap_or_default();
        assert!(msg.contains("four-eyes"), "{msg}");
        assert_eq!(top_recipe(&h).status, RecipeStatus::Draft);
    }

    #[tokio::test]
    async fn rebase_in_the_app_previews_then_commits_with_conflicts_noted() {
        let mut h = Harness::new(160, 48).await;
        let store = h.io.service.store_arc();
        let svc = h.io.service.clone();
        open_pricing_baseline(&mut h).await;
        let base = top_recipe(&h);
        h.keys(&["c", "Child", "enter"]).await;
        let child = top_recipe(&h);
        // The child sets the industry; the parent then changes it and the description.
        let mut mine = store.version(child.id, None).await.unwrap().manifest_json;
        mine["metadata"]["industry"] = serde_json::json!("grocery");
        svc.commit_version(
            nexml::store::NewVersion {
                recipe_id: child.id,
                manifest: mine,
                bump: Default::default(),
                change_note: "mine".into(),
                parent_version_id: None,
                base_version: None,
            },
            "alice",
        )
        .await
        .unwrap();
        let mut theirs = store.version(base.id, None).await.unwrap().manifest_json;
        theirs["metadata"]["industry"] = serde_json::json!("all");
        theirs["metadata"]["description"] = serde_json::json!("new words");
        svc.commit_version(
            nexml::store::NewVersion {
                recipe_id: base.id,
                manifest: theirs,
                bump: Default::default(),
                change_note: "theirs".into(),
                parent_version_id: None,
                base_version: None,
            },
            "bob",
        )
        .await
        .unwrap();
        svc.approve_version(ApproveVersion::latest(base.id), "carol")
            .await
            .unwrap();
        h.keys(&["ctrl-r"]).await; // the parent update shows after a refresh
        let screen = h.screen();
        assert!(
            screen.contains("Pricing Optimization Baseline v1 1.0.1 available (pinned to 1.0.0)"),
            "{screen}"
        );
        assert!(
            screen.contains("Child: /metadata/name, /metadata/tags, /metadata/industry"),
            "{screen}"
        );
        h.keys(&["B"]).await;
        let screen = h.screen();
        assert!(
            screen.contains("conflicts, this recipe's value kept: /metadata/industry"),
            "{screen}\n{:?}",
            h.app.error
        );
        snapshot!("diff_rebase_side_by_side_160x48", screen);
        h.keys(&["enter"]).await;
        let v = store.version(child.id, None).await.unwrap();
        assert_eq!(v.parent_version_number.as_deref(), Some("1.0.1"));
        assert_eq!(v.manifest_json["metadata"]["industry"], "grocery");
        assert_eq!(v.manifest_json["metadata"]["description"], "new words");
        assert!(
            v.change_note.contains("/metadata/industry"),
            "{}",
            v.change_note
        );
    }

    #[tokio::test]
    async fn a_refused_form_keeps_what_was_typed() {
        let mut h = Harness::new(80, 24).await;
        open_pricing_baseline(&mut h).await;
        // A model name that exists already.
        h.keys(&["r", "enter", "hotel-dynamic-pricing", "enter", "enter"])
            .await;
        let Some(Overlay::Form(form)) = &h.app.overlay else {
            panic!("form closed: {}", h.screen())
        };
        assert_eq!(
            form.refusal.as_deref(),
            Some("a model with that name already exists")
        );
        assert_eq!(form.value("name"), "hotel-dynamic-pricing");
        snapshot!("form_refused_80x24", h.screen());
        // Esc with input asks first; a second Esc discards.
        h.keys(&["esc"]).await;
        assert!(h.app.overlay.is_some());
        h.keys(&["esc"]).await;
        assert!(h.app.overlay.is_none());
        // Without input, Esc leaves at once.
        h.keys(&["c", "esc"]).await;
        assert!(h.app.overlay.is_none());
    }

    /// A draft that cannot be written is said on screen, not only logged.
    #[tokio::test]
    async fn an_unwritable_draft_folder_is_warned_about() {
        let mut h = Harness::new(100, 30).await;
        let blocker = tempfile::NamedTempFile::new().unwrap();
        // A folder below a file cannot be created.
        h.io.drafts_dir = blocker.path().join("drafts");
        open_pricing_baseline(&mut h).await;
        h.keys(&["e", "x"]).await;
        let error = h.app.error.clone().unwrap_or_default();
        assert!(
            error.starts_with("the draft cannot be kept on disk"),
            "{error}"
        );
        assert!(
            h.screen().contains("the draft cannot be kept"),
            "{}",
            h.screen()
        );
    }

    /// Overlays take their keys from the keymap: a rebound "yes" confirms,
    /// the old one cancels.
    #[tokio::test]
    async fn a_rebound_confirm_key_is_the_one_that_confirms() {
        let mut h = Harness::new(100, 30).await;
        let config = Config::parse("[keys.confirm]\nconfirm = \"o\"\n").unwrap();
        h.app.keymap = nexml::keymap::Keymap::load(&config.keys).unwrap();
        open_pricing_baseline(&mut h).await;
        h.keys(&["c", "Child One", "enter"]).await;
        let child = top_recipe(&h);
        h.keys(&["a", "y"]).await;
        assert_eq!(h.app.status.as_deref(), Some("cancelled"));
        assert_eq!(top_recipe(&h).status, RecipeStatus::Draft);
        h.keys(&["a", "o"]).await;
        let approved = h.io.service.store().recipe(child.id).await.unwrap();
        assert_eq!(approved.status, RecipeStatus::Approved);
    }

    /// A command that cannot run now is not offered, says why when pressed,
    /// and is dimmed with its reason in help.
    #[tokio::test]
    async fn commands_that_cannot_run_say_why_and_are_not_offered() {
        let mut h = Harness::new(120, 60).await;
        open_pricing_baseline(&mut h).await;
        let hints = h.screen().lines().last().unwrap_or_default().to_string();
        assert!(
            !hints.contains("approve") && !hints.contains("diff"),
            "{hints}"
        );
        h.keys(&["a"]).await;
        assert_eq!(
            h.app.status.as_deref(),
            Some("approve: this version is approved already")
        );
        assert!(h.app.overlay.is_none(), "no confirm dialog for it");
        h.keys(&["?"]).await;
        assert!(
            h.screen()
                .contains("(not now: only one version: nothing to compare)"),
            "{}",
            h.screen()
        );
    }

    /// A picker over more recipes than it holds searches the database as you
    /// type: a recipe past its first window is found and picked.
    #[tokio::test]
    async fn a_picker_searches_past_its_window() {
        let db = common::sqlite().await;
        nexml::seed::seed_baselines(&db.service()).await.unwrap();
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
            INSERT INTO ml_recipe (name, model_family, level, status, tags, created_by, created_at, updated_at) \
            SELECT printf('bulk recipe %03d', i), 'pricing', 'baseline', 'draft', '[]', 'x', \
            '2026-11-28T12:00:00Z', '2026-11-28T12:00:00Z' FROM n";
        db.raw_execute(sql).await.unwrap();
        let mut h = Harness::on(db, 100, 30).await;
        h.keys(&["3", "n"]).await;
        let holds = |h: &Harness, name: &str| match &h.app.overlay {
            Some(Overlay::Form(f)) => f.fields[0]
                .visible_choices()
                .iter()
                .any(|(_, c)| c.label.starts_with(name)),
            _ => panic!("no form"),
        };
        assert!(
            !holds(&h, "bulk recipe 299"),
            "the first window is loaded, not all"
        );
        h.keys(&["bulk recipe 299"]).await;
        assert!(holds(&h, "bulk recipe 299"), "{}", h.screen());
        let Some(Overlay::Form(f)) = &h.app.overlay else {
            panic!()
        };
        assert_eq!(f.fields[0].visible_choices().len(), 1);
        assert!(!f.fields[0].value.is_empty(), "the found recipe is picked");
    }

    /// The original's Scenario 3: create a run for a recipe version, see it
    /// queued, mark it running then succeeded with metrics, read the metrics.
    #[tokio::test]
    async fn scenario_three_create_and_follow_a_run() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["3", "n"]).await;
        snapshot!("form_new_run_80x24", h.screen());
        h.keys(&["Location", "enter"]).await;
        snapshot!("form_new_run_of_a_recipe_80x24", h.screen());
        h.keys(&["1.0.0", "enter", "enter", "eval", "enter"]).await;
        let Some(s) = top::<RunScreen>(&h.app) else {
            panic!("no run screen: {}", h.screen())
        };
        let run_id = s.id;
        assert_eq!(s.run.as_ref().unwrap().status, RunStatus::Queued);
        assert_eq!(s.run.as_ref().unwrap().run_type.as_str(), "eval");
        h.keys(&["u", "running", "enter", "enter", "enter", "enter"])
            .await;
        assert_eq!(
            h.io.service.store().run(run_id).await.unwrap().status,
            RunStatus::Running
        );
        h.keys(&["u", "succ", "tab", "{\"mae\": 21000"]).await;
        let Some(Overlay::Form(form)) = &h.app.overlay else {
            panic!()
        };
        assert!(
            form.fields[1].error.is_some(),
            "half-typed JSON is flagged as you type"
        );
        snapshot!("form_update_run_80x24", h.screen());
        h.keys(&["}", "enter", "enter", "done", "enter"]).await;
        let run = h.io.service.store().run(run_id).await.unwrap();
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(run.metrics_json["mae"], 21000);
        assert!(run.log().contains("done"));
        assert!(h.screen().contains("mae=21000"));
        // The Runs list shows it, selected.
        h.keys(&["esc"]).await;
        let selected = h.app.lists.runs.selected_row().unwrap();
        assert_eq!(selected.id, run_id);
    }

    #[tokio::test]
    async fn create_recipe_archive_restore_and_delete() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["1", "n"]).await;
        snapshot!("form_new_recipe_80x24", h.screen());
        h.keys(&[
            "Grocery Pricing",
            "tab",
            "pric",
            "tab",
            "industry",
            "tab",
            "Pricing Opt",
            "tab",
            "grocery, eu",
            "enter",
            "enter",
        ])
        .await;
        let r = top_recipe(&h);
        assert_eq!(
            (r.level.as_str(), r.parent_name.as_deref()),
            ("industry", Some("Pricing Optimization Baseline v1"))
        );
        assert_eq!(r.tags, vec!["grocery", "eu"]);
        // Archive asks; an archived draft cannot be archived, so approve first.
        h.keys(&["a", "y", "A"]).await;
        assert!(h.screen().contains("Archive 'Grocery Pricing'?"));
        h.keys(&["y"]).await;
        assert_eq!(top_recipe(&h).status, RecipeStatus::Archived);
        h.keys(&["A"]).await;
        assert_eq!(top_recipe(&h).status, RecipeStatus::Draft);
        h.keys(&["D"]).await;
        assert!(h.screen().contains("Delete 'Grocery Pricing'"));
        h.keys(&["y"]).await;
        assert!(h.app.screens.is_empty());
        assert!(
            h.io.service
                .store()
                .find_recipe("Grocery Pricing")
                .await
                .is_err()
        );
        // Deleting a recipe others depend on is refused with the reason at
        // once, before asking.
        open_pricing_baseline(&mut h).await;
        h.keys(&["D"]).await;
        assert!(h.app.overlay.is_none(), "nothing is asked");
        assert!(!h.screen().contains("cannot be undone"), "{}", h.screen());
        let msg = h.app.error.clone().unwrap_or_default();
        assert!(
            msg.contains("cannot be deleted") && msg.contains("Hospitality Pricing"),
            "{msg}"
        );
    }

    /// `H` shows the audit log under the chain's verdict: everyone's in the
    /// library, one item's on its screen; it follows new changes while open
    /// and says when a row was edited behind nexml's back.
    #[tokio::test]
    async fn the_audit_log_shows_who_changed_what_and_a_broken_chain() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["H"]).await;
        let screen = h.screen();
        assert!(screen.contains("audit: everything"), "{screen}");
        assert!(screen.contains("chain intact:"), "{screen}");
        let everything = match &h.app.overlay {
            Some(Overlay::Audit(v)) => v.rows.clone(),
            _ => panic!("no audit overlay"),
        };
        assert!(everything.len() > 4, "seeded changes are audited");
        assert!(
            everything.windows(2).all(|w| w[0].id > w[1].id),
            "newest first"
        );
        let newest = format!("#{}", everything[0].id);
        assert!(screen.contains(&newest), "{newest} on {screen}");

        // A change made meanwhile appears in the open log.
        let base = h
            ._db
            .store
            .find_recipe("Forecasting Baseline v1")
            .await
            .unwrap();
        let clone =
            h.io.service
                .clone_recipe(CloneRecipe::of(base.id, "Audited Clone"), "bob")
                .await
                .unwrap();
        h.send(Msg::Changed(vec![nexml::store::Change::new(
            "recipe", clone.id,
        )]))
        .await;
        let screen = h.screen();
        assert!(screen.contains("bob"), "{screen}");
        h.keys(&["esc"]).await;
        assert!(h.app.overlay.is_none());

        // On a recipe: that recipe's rows only.
        open_pricing_baseline(&mut h).await;
        let recipe = top_recipe(&h);
        h.keys(&["H"]).await;
        let screen = h.screen();
        assert!(
            screen.contains(&format!("audit: recipe {}", recipe.id)),
            "{screen}"
        );
        match &h.app.overlay {
            Some(Overlay::Audit(v)) => {
                assert!(!v.rows.is_empty());
                // Its versions' rows too, each naming the recipe.
                assert!(v.rows.iter().all(|r| match r.entity.as_str() {
                    "recipe" => r.entity_id == recipe.id,
                    "recipe_version" => r.details["recipe_id"] == recipe.id,
                    _ => false,
                }));
            }
            _ => panic!("no audit overlay"),
        }
        h.keys(&["esc"]).await;

        // Someone with the database file rewrites a row.
        let victim = everything.last().unwrap().id + 1;
        h._db
            .raw_execute("DROP TRIGGER ml_audit_no_update")
            .await
            .unwrap();
        h._db
            .raw_execute(&format!(
                "UPDATE ml_audit SET actor = 'mallory' WHERE id = {victim}"
            ))
            .await
            .unwrap();
        h.keys(&["H"]).await;
        let screen = h.screen();
        assert!(
            screen.contains(&format!(
                "chain BROKEN: audit row {victim} breaks the chain"
            )),
            "{screen}"
        );
    }
}

mod chat {
    use super::*;

    /// The original's Scenario 4, in plain words, without a network.
    #[tokio::test]
    async fn scenario_four_plain_words_become_a_valid_new_version() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["c"]).await;
        snapshot!("chat_quick_prompts_80x24", h.screen());
        // A quick prompt, sent: a new forecasting recipe is proposed and applied.
        h.keys(&["esc", "enter", "enter"]).await;
        let Some(c) = top::<ChatScreen>(&h.app) else {
            panic!("no chat")
        };
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[1].status, nexml::domain::ChatStatus::Proposed);
        h.keys(&["esc", "a"]).await;
        let created =
            h.io.service
                .store()
                .find_recipe("Weekly Retail Sales Forecasting v1")
                .await
                .unwrap();
        assert_eq!(
            created.parent_name.as_deref(),
            Some("Forecasting Baseline v1")
        );
        let Some(c) = top::<ChatScreen>(&h.app) else {
            panic!()
        };
        assert_eq!(
            c.recipe_id,
            Some(created.id),
            "the chat moves to the new recipe"
        );
        // ... and takes its conversation along: the request and the applied
        // proposal are the new recipe's history.
        assert_eq!(c.messages.len(), 2, "{:?}", c.messages);
        assert_eq!(c.messages[0].role, nexml::domain::ChatRole::User);
        assert_eq!(c.messages[1].status, nexml::domain::ChatStatus::Applied);
        assert!(
            c.messages.iter().all(|m| m.recipe_id == Some(created.id)),
            "{:?}",
            c.messages
        );
        // Then the edits Scenario 4 describes, on that recipe.
        for request in [
            "make MAPE under 12%",
            "run it daily at 6am",
            "monitor drift on price with PSI above 0.2",
        ] {
            h.keys(&["i", request, "enter", "esc", "a"]).await;
        }
        let v =
            h.io.service
                .store()
                .version(created.id, None)
                .await
                .unwrap();
        nexml::domain::manifest::validate(&v.manifest_json).unwrap();
        assert_eq!(v.manifest_json["deployment"]["schedule"], "0 6 * * *");
        let mape = v.manifest_json["evaluation"]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "mape")
            .unwrap();
        assert_eq!(mape["threshold"], 0.12);
        // The note lists what the last change did.
        assert!(
            v.change_note.starts_with("Chat: ") && v.change_note.contains("drift"),
            "{}",
            v.change_note
        );
        snapshot!("chat_applied_80x24", h.screen());
    }

    /// The quick prompts of a recipe's chat name its own metric and
    /// features, never another family's columns.
    #[tokio::test]
    async fn quick_prompts_speak_the_recipes_own_names() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["/", "Pricing Opt", "enter", "enter", "C"]).await;
        let screen = h.screen();
        assert!(screen.contains("Monitor drift on"), "{screen}");
        assert!(!screen.contains("promo_flag"), "{screen}");
        assert!(!screen.contains("MAPE"), "{screen}");
        // With no recipe open, only new recipes (and a question) are offered.
        h.keys(&["esc", "esc", "1", "c"]).await;
        let screen = h.screen();
        assert!(screen.contains("What can you do?"), "{screen}");
        assert!(!screen.contains("Monitor drift"), "{screen}");
    }

    #[tokio::test]
    async fn a_rejected_proposal_changes_nothing_and_history_survives() {
        let mut h = Harness::new(160, 48).await;
        h.keys(&[
            "/",
            "Pricing Opt",
            "enter",
            "enter",
            "C",
            "make it realtime",
            "enter",
        ])
        .await;
        let recipe_id = match top::<ChatScreen>(&h.app) {
            Some(c) => c.recipe_id.unwrap(),
            _ => panic!(),
        };
        snapshot!("chat_beside_manifest_160x48", h.screen());
        h.keys(&["esc", "d"]).await;
        assert!(top::<DiffScreen>(&h.app).is_some());
        h.keys(&["esc", "r"]).await;
        assert_eq!(
            h.io.service
                .store()
                .versions(recipe_id)
                .await
                .unwrap()
                .len(),
            1
        );
        // Leave and come back: the conversation is still there, marked rejected.
        h.keys(&["esc", "C"]).await;
        let Some(c) = top::<ChatScreen>(&h.app) else {
            panic!()
        };
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[1].status, nexml::domain::ChatStatus::Rejected);
        // Nonsense is declined with suggestions, never a change.
        h.keys(&["i", "make me a sandwich", "enter"]).await;
        let Some(c) = top::<ChatScreen>(&h.app) else {
            panic!()
        };
        let last = c.messages.last().unwrap();
        assert!(last.proposal.is_none());
        assert!(last.text.contains("didn't understand"), "{}", last.text);
    }
}

mod forms {
    use super::*;
    use nexml::tui::state::Overlay;

    fn form_open(h: &Harness) -> bool {
        matches!(h.app.overlay, Some(Overlay::Form(_)))
    }

    /// The open form's field `name`: its value and the labels it offers.
    fn field(h: &Harness, name: &str) -> (String, Vec<String>, Option<String>) {
        let Some(Overlay::Form(f)) = &h.app.overlay else {
            panic!("no form: {:?}", h.app.status)
        };
        let field = f.fields.iter().find(|x| x.name == name).expect("the field");
        let labels = field
            .visible_choices()
            .into_iter()
            .map(|(_, c)| c.label.clone())
            .collect();
        (field.value.clone(), labels, field.error.clone())
    }

    /// Pickers offer what fits the form so far: a new industry pricing
    /// recipe's parents are pricing baselines; typing moves onto a match.
    #[tokio::test]
    async fn pickers_offer_only_what_fits_the_form_so_far() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["n", "Mine", "tab", "pricing", "tab", "industry", "tab"])
            .await;
        let (_, parents, _) = field(&h, "parent");
        let found: Vec<&String> = parents.iter().filter(|l| !l.starts_with("(none")).collect();
        assert!(!found.is_empty(), "{parents:?}");
        assert!(
            found.iter().all(|l| l.contains("baseline, pricing")),
            "only pricing baselines: {parents:?}"
        );
        h.keys(&["Pri"]).await;
        let (value, _, _) = field(&h, "parent");
        let pricing = h
            ._db
            .store
            .find_recipe("Pricing Optimization Baseline v1")
            .await
            .unwrap();
        assert_eq!(value, pricing.id.to_string(), "typing selected the match");

        // A run's model is one of the chosen recipe's.
        h.keys(&["esc", "y", "esc"]).await;
        h.app.overlay = None;
        h.keys(&["3", "n", "Hospitality", "enter"]).await;
        let (_, models, _) = field(&h, "model");
        assert!(models.len() > 1, "{models:?}");
        assert!(
            models
                .iter()
                .all(|l| l.starts_with("(no model)") || l.contains("hotel")),
            "only the recipe's models: {models:?}"
        );
    }

    /// Arrows never land on a move the lifecycle forbids (shown dimmed).
    #[tokio::test]
    async fn arrows_skip_disallowed_choices() {
        let mut h = Harness::new(80, 24).await;
        h.keys(&["2", "enter", "p"]).await;
        let (_, labels, _) = field(&h, "status");
        assert!(labels.len() > 2, "{labels:?}");
        for _ in 0..labels.len() * 2 {
            h.keys(&["down"]).await;
            let (value, _, error) = field(&h, "status");
            assert!(error.is_none(), "landed on a disallowed move: {error:?}");
            assert!(!value.is_empty());
        }
    }

    fn refusal(h: &Harness) -> Option<String> {
        match &h.app.overlay {
            Some(Overlay::Form(f)) => f.refusal.clone(),
            _ => None,
        }
    }

    /// Every remaining form: its snapshot at 80x24, a refusal that keeps what
    /// was typed, and a valid submit that shows the change at once.
    #[tokio::test]
    async fn clone_rename_owner_snapshot_example_and_register_from_the_models_tab() {
        let mut h = Harness::new(80, 24).await;
        // Clone: a name that exists is refused, the form stays.
        h.keys(&["/", "Pricing Opt", "enter", "enter", "c"]).await;
        snapshot!("form_clone_80x24", h.screen());
        h.keys(&["Hospitality Pricing", "enter"]).await;
        assert_eq!(
            refusal(&h).as_deref(),
            Some("a recipe with that name already exists")
        );
        h.keys(&[
            "backspace",
            "backspace",
            "backspace",
            "backspace",
            "backspace",
            "backspace",
            "backspace",
            "Two",
            "enter",
        ])
        .await;
        assert!(!form_open(&h));
        assert!(
            h.io.service
                .store()
                .find_recipe("Hospitality Two")
                .await
                .is_ok()
        );

        // Rename and retag.
        h.keys(&["o"]).await;
        snapshot!("form_edit_recipe_80x24", h.screen());
        h.keys(&["tab", "ctrl-u", "eu, grocery", "enter"]).await;
        let r =
            h.io.service
                .store()
                .find_recipe("Hospitality Two")
                .await
                .unwrap();
        assert_eq!(r.tags, vec!["eu", "grocery"]);
        assert!(
            h.app
                .status
                .as_deref()
                .unwrap_or_default()
                .contains("updated recipe")
        );

        // The synthetic example: invalid JSON is flagged as you type; a valid one is saved.
        h.keys(&["X"]).await;
        snapshot!("form_example_80x24", h.screen());
        h.keys(&["tab", "ctrl-u", "{\"a\": 1}"]).await;
        assert_eq!(refusal(&h), None);
        let Some(Overlay::Form(f)) = &h.app.overlay else {
            panic!()
        };
        assert_eq!(
            f.fields[1].error.as_deref(),
            Some("must be a JSON array [...]")
        );
        h.keys(&["ctrl-u", "[{\"a\": 1}]", "enter", "enter"]).await;
        assert!(!form_open(&h), "{}", h.screen());
        let ex = h.io.service.store().example(r.id).await.unwrap().unwrap();
        assert_eq!(ex.sample_rows_json, serde_json::json!([{"a": 1}]));

        // Register from the Models tab: recipes without an approved version are shown but not pickable.
        h.keys(&["esc", "esc", "2", "n"]).await;
        snapshot!("form_pick_recipe_80x24", h.screen());
        h.keys(&["Hospitality Two"]).await;
        let Some(Overlay::Form(f)) = &h.app.overlay else {
            panic!()
        };
        assert!(
            f.fields[0]
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("no approved version")
        );
        h.keys(&["ctrl-u"]).await;
        for _ in 0..20 {
            h.keys(&["backspace"]).await;
        }
        h.keys(&[
            "Forecasting Baseline",
            "enter",
            "enter",
            "weekly-forecast",
            "enter",
            "enter",
        ])
        .await;
        let Some(m) = top::<ModelScreen>(&h.app) else {
            panic!("{}", h.screen())
        };
        let model_id = m.id;

        // Owner change; an empty owner is refused inline.
        h.keys(&["o"]).await;
        snapshot!("form_edit_model_80x24", h.screen());
        h.keys(&["tab", "ctrl-u", "enter"]).await;
        let Some(Overlay::Form(f)) = &h.app.overlay else {
            panic!()
        };
        assert_eq!(f.fields[1].error.as_deref(), Some("required"));
        h.keys(&["sam", "enter"]).await;
        assert_eq!(
            h.io.service.store().model(model_id).await.unwrap().owner,
            "sam"
        );

        // A snapshot by hand.
        h.keys(&["S"]).await;
        snapshot!("form_snapshot_80x24", h.screen());
        h.keys(&["{\"mape\": 0.11}", "enter", "enter", "enter"])
            .await;
        let snaps = h.io.service.store().snapshots(model_id, 5).await.unwrap();
        assert_eq!(snaps[0].performance_metrics_json["mape"], 0.11);
    }
}

/// The same screens on PostgreSQL: browse every tab and open each kind of item.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn the_app_browses_a_postgres_database() {
    let Some(db) = common::postgres("tui_pg").await else {
        return;
    };
    nexml::seed::seed_baselines(&db.service()).await.unwrap();
    nexml::seed::seed_demo(&db.service(), test_now())
        .await
        .unwrap();
    let mut h = Harness::on(db, 120, 40).await;
    assert_eq!(h.app.lists.recipes.total, 6);
    h.keys(&["/", "hosp", "enter", "enter", "tab"]).await;
    assert!(h.screen().contains("manifest 1.0.0"));
    h.keys(&["esc", "esc", "2", "enter"]).await;
    assert!(top::<ModelScreen>(&h.app).is_some());
    h.keys(&["esc", "3", "G", "enter"]).await;
    let Some(r) = top::<RunScreen>(&h.app) else {
        panic!("{}", h.screen())
    };
    assert!(r.run.is_some());
    h.keys(&["esc", "4"]).await;
    assert_eq!(h.app.lists.monitoring.total, 6);
    assert!(h.screen().contains("hotel-dynamic-pricing"));
}

/// A run that reported a history through the service: loss over 50 steps,
/// accuracy over 5, a param and a tag.
async fn reported_run(h: &Harness) -> i64 {
    reported_run_with_lr(h, "0.01").await
}

async fn reported_run_with_lr(h: &Harness, lr: &str) -> i64 {
    use nexml::service::tracking::RunReport;
    use nexml::store::tracking::NewMetricPoint;
    let svc = &h.io.service;
    let recipe = svc
        .store()
        .find_recipe("Forecasting Baseline v1")
        .await
        .unwrap();
    let run = svc
        .create_run(
            nexml::store::NewRun {
                recipe_id: recipe.id,
                version: None,
                model_id: None,
                run_type: nexml::domain::RunType::Train,
            },
            "alice",
        )
        .await
        .unwrap();
    let at = svc.now();
    let mut metrics: Vec<NewMetricPoint> = (0..50)
        .map(|step| NewMetricPoint {
            key: "loss".into(),
            step,
            value: 1.0 / (step as f64 + 1.0),
            at,
        })
        .collect();
    metrics.extend((0..5).map(|step| NewMetricPoint {
        key: "accuracy".into(),
        step,
        value: 0.5 + step as f64 / 10.0,
        at,
    }));
    let report = RunReport {
        metrics,
        params: vec![("lr".into(), lr.into())],
        tags: vec![("team".into(), "forecasting".into())],
        log: Some("epoch 1\n".into()),
    };
    svc.report_run(run.id, report, "alice").await.unwrap();
    run.id
}

/// The run screen charts the metric with the most points, and `]` moves
/// to the next; params and tags are listed.
#[tokio::test]
async fn a_runs_metric_history_is_charted_and_metrics_are_stepped_through() {
    let mut h = Harness::new(80, 24).await;
    let id = reported_run(&h).await;
    let effects = update::open_run(&mut h.app, id);
    h.run(effects).await;
    let screen = h.screen();
    assert!(screen.contains("loss · last 0.02 · 50 points"), "{screen}");
    // A count of metrics, not "metric number 2".
    assert!(screen.contains("2 of 2 metrics · [ ] another"), "{screen}");
    assert!(screen.contains("params    lr=0.01"), "{screen}");
    assert!(screen.contains("tags      team=forecasting"), "{screen}");
    h.keys(&["]"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("accuracy · last 0.9 · 5 points"),
        "{screen}"
    );
    assert!(screen.contains("charting accuracy (1 of 2)"), "{screen}");
    // At a large size too.
    let mut h = Harness::new(160, 48).await;
    let id = reported_run(&h).await;
    let effects = update::open_run(&mut h.app, id);
    h.run(effects).await;
    assert!(h.screen().contains("loss · last 0.02"), "{}", h.screen());
}

/// `X` on a run still going asks first, then cancels it.
#[tokio::test]
async fn cancelling_a_run_asks_first() {
    let mut h = Harness::new(80, 24).await;
    let id = reported_run(&h).await;
    let effects = update::open_run(&mut h.app, id);
    h.run(effects).await;
    h.keys(&["X"]).await;
    let screen = h.screen();
    assert!(
        screen.contains(&format!("Cancel run {id} (train of")),
        "{screen}"
    );
    h.keys(&["y"]).await;
    let run = h.io.service.store().run(id).await.unwrap();
    assert_eq!(run.status, nexml::domain::RunStatus::Cancelled);
    h.keys(&["X"]).await;
    assert!(
        h.screen().contains("is cancelled already"),
        "{}",
        h.screen()
    );
}

/// The Runs tab's search takes the filter language; a broken expression
/// says where it breaks.
#[tokio::test]
async fn the_runs_tab_search_takes_filter_expressions() {
    let mut h = Harness::new(160, 48).await;
    let id = reported_run(&h).await;
    h.keys(&["3", "/"]).await;
    for c in "metrics.loss < 0.05".chars() {
        h.keys(&[&c.to_string()]).await;
    }
    h.keys(&["enter"]).await;
    let screen = h.screen();
    let runs = &h.app.lists.runs;
    assert_eq!(runs.total, 1, "{screen}");
    assert_eq!(runs.rows[0].id, id);
    // As it is typed: the error shows beside the prompt while the
    // expression is broken, and the rows stay the last valid filter's.
    h.keys(&["/", "backspace", "backspace", "backspace", "backspace"])
        .await;
    let screen = h.screen();
    let prompt = screen.lines().last().unwrap_or_default();
    assert!(
        prompt.contains("column 15: expected a value after '<'"),
        "{screen}"
    );
    // "metrics.loss < 0" read (and matched nothing): its rows stay.
    assert_eq!(h.app.lists.runs.total, 0, "{screen}");
    assert!(screen.contains("/metrics.loss < 0 ·"), "{screen}");
}

/// A run of an MLflow experiment no recipe is linked to is a Runs tab row
/// named by its experiment (marked `exp:`), found by `experiment = '…'`;
/// its screen says it has no recipe and refuses to run it again, and `E`
/// links the experiment to a recipe picked, asked first.
#[tokio::test]
async fn a_run_of_an_experiment_without_a_recipe_is_shown_as_the_experiments() {
    use nexml::service::run_queue::RunTarget;
    let mut h = Harness::new(80, 24).await;
    reported_run(&h).await;
    let service = &h.io.service;
    let sweeps = service
        .create_experiment("churn sweeps", &[], "ana")
        .await
        .unwrap();
    let run = service
        .start_tracked_run(
            RunTarget::Experiment {
                id: sweeps.id,
                run_type: nexml::domain::RunType::Train,
            },
            Some("lr 0.1"),
            Vec::new(),
            None,
            "ana",
        )
        .await
        .unwrap();
    service
        .finish_run(run.id, nexml::domain::RunStatus::Succeeded, "", None, "ana")
        .await
        .unwrap();
    h.keys(&["3", "/"]).await;
    for c in "experiment = 'churn sweeps'".chars() {
        h.keys(&[&c.to_string()]).await;
    }
    h.keys(&["enter"]).await;
    let screen = h.screen();
    assert_eq!(h.app.lists.runs.total, 1, "{screen}");
    assert!(screen.contains("exp:churn sweeps"), "{screen}");
    h.keys(&["enter"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("experiment churn sweeps (no recipe)"),
        "{screen}"
    );
    h.keys(&["r"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("rerun: its experiment has no recipe"),
        "{screen}"
    );
    // A deleted experiment is not linked until it is restored.
    let service = &h.io.service;
    service
        .delete_experiment(sweeps.id, true, "bo")
        .await
        .unwrap();
    let recipe = service
        .store()
        .find_recipe("Hospitality Pricing")
        .await
        .unwrap();
    let refused = service
        .link_experiment(sweeps.id, recipe.id, "bo")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("is deleted: restore it first"),
        "{refused}"
    );
    service
        .delete_experiment(sweeps.id, false, "bo")
        .await
        .unwrap();
    h.keys(&["E"]).await;
    for c in "Hospitality".chars() {
        h.keys(&[&c.to_string()]).await;
    }
    h.keys(&["enter"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("Link experiment 'churn sweeps' to recipe Hospitality Pricing"),
        "{screen}"
    );
    h.keys(&["y"]).await;
    let linked = h.io.service.store().run(run.id).await.unwrap();
    assert_eq!(linked.recipe_name.as_deref(), Some("Hospitality Pricing"));
    assert_eq!(
        linked.experiment_id, sweeps.id,
        "it stays in its experiment"
    );
}

/// `space` marks runs in the Runs tab and `c` compares them: params that
/// differ, final metrics with their change, histories in one chart.
#[tokio::test]
async fn marked_runs_are_compared_side_by_side() {
    let mut h = Harness::new(80, 24).await;
    let first = reported_run(&h).await;
    let second = reported_run(&h).await;
    h.io.service
        .update_run(
            UpdateRun {
                run: second,
                changes: nexml::store::RunChanges {
                    metrics: Some(serde_json::json!({"rmse": 0.5})),
                    ..Default::default()
                },
            },
            "alice",
        )
        .await
        .unwrap();
    h.keys(&["3"]).await;
    // The two newest runs are the first rows.
    h.keys(&[" ", "j", " "]).await;
    assert!(
        h.screen().contains("2 runs marked: c compares"),
        "{}",
        h.screen()
    );
    h.keys(&["c"]).await;
    let screen = h.screen();
    assert!(
        screen.contains(&format!("compare {second} {first}")),
        "{screen}"
    );
    assert!(screen.contains("accuracy · 1 of 2 metrics"), "{screen}");
    assert!(screen.contains("  rmse"), "{screen}");
    h.keys(&["]"]).await;
    assert!(
        h.screen().contains("loss · 2 of 2 metrics"),
        "{}",
        h.screen()
    );
    // Unmarking one leaves `c` as the chat again.
    h.keys(&["esc", " "]).await;
    let screen = h.screen();
    assert_eq!(h.app.marked_runs, vec![second], "{screen}");
}

/// `order by` in the Runs tab's search sorts the list by any field.
#[tokio::test]
async fn the_runs_tab_sorts_by_a_metric() {
    let mut h = Harness::new(160, 48).await;
    let _ = reported_run(&h).await;
    h.keys(&["3", "/"]).await;
    for c in "order by metrics.mape desc".chars() {
        h.keys(&[&c.to_string()]).await;
    }
    h.keys(&["enter"]).await;
    let mapes: Vec<f64> = h
        .app
        .lists
        .runs
        .rows
        .iter()
        .filter_map(|r| r.metrics_json["mape"].as_f64())
        .collect();
    assert!(mapes.len() > 3, "the demo's runs have mape: {}", h.screen());
    assert!(mapes.windows(2).all(|w| w[0] >= w[1]), "{mapes:?}");
}

/// `v` previews a run's artifact files in place of the log (CSV as
/// columns), and after the last, shows the log again.
#[tokio::test]
async fn a_runs_artifacts_are_previewed_in_place_of_the_log() {
    let mut h = Harness::new(80, 24).await;
    let id = reported_run(&h).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("eval.csv");
    std::fs::write(&csv, "fold,wape\n1,0.12\n2,0.11\n").unwrap();
    let artifact = nexml::artifacts::store_artifact(
        &dir.path().join("run"),
        id,
        &csv,
        "eval.csv",
        h.io.service.now(),
    )
    .unwrap();
    h.io.service
        .register_artifact(artifact, "alice")
        .await
        .unwrap();
    let effects = update::open_run(&mut h.app, id);
    h.run(effects).await;
    h.keys(&["v"]).await;
    let screen = h.screen();
    assert!(screen.contains("artifact 1 of 1 · eval.csv"), "{screen}");
    assert!(
        screen.contains("fold  wape") && screen.contains("2     0.11"),
        "{screen}"
    );
    h.keys(&["v"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("the log again") && screen.contains("epoch 1"),
        "{screen}"
    );
}

/// Runs with names show them in a column of their own, and sort by them.
#[tokio::test]
async fn named_runs_show_their_names_and_sort_by_them() {
    let mut h = Harness::new(100, 30).await;
    let first = reported_run_with_lr(&h, "0.01").await;
    let second = reported_run_with_lr(&h, "0.3").await;
    let svc = &h.io.service;
    for (id, name) in [(first, "lr sweep b"), (second, "lr sweep a")] {
        svc.label_run(id, Some(name), None, "alice").await.unwrap();
    }
    h.keys(&["3"]).await;
    let screen = h.screen();
    assert!(screen.contains("Name"), "a Name column: {screen}");
    for name in ["lr sweep a", "lr sweep b"] {
        assert!(screen.contains(name), "{name}: {screen}");
    }
    // Name is offered among the columns to sort by, right after the id.
    h.keys(&["C", "j", "s", "esc"]).await;
    assert_eq!(h.app.filters(Tab::Runs).search, "order by name");
    let screen = h.screen();
    assert!(screen.contains("Name ▲"), "{screen}");
    let (a, b) = (
        screen.find("lr sweep a").unwrap(),
        screen.find("lr sweep b").unwrap(),
    );
    assert!(a < b, "a before b: {screen}");
}

/// `C` in Runs picks metric and param columns to show, and `s` sorts by
/// any column: ascending, descending, then newest first again, written
/// into the search where it can be read.
#[tokio::test]
async fn the_runs_tab_shows_chosen_columns_and_sorts_by_them() {
    let mut h = Harness::new(80, 24).await;
    let slow = reported_run_with_lr(&h, "0.01").await;
    let fast = reported_run_with_lr(&h, "0.3").await;
    h.keys(&["3", "C"]).await;
    let screen = h.screen();
    assert!(screen.contains("runs: columns and sort"), "{screen}");
    assert!(
        screen.contains("space show · s sort ▲▼ · esc done"),
        "{screen}"
    );
    let rows = match &h.app.overlay {
        Some(nexml::tui::state::Overlay::Columns(p)) => p.rows(),
        _ => panic!("the column picker is open: {screen}"),
    };
    let at = |name: &str| rows.iter().position(|r| r == name).unwrap();
    assert!(rows.contains(&"metrics.loss".to_string()), "{rows:?}");
    // Show params.lr, then sort by it.
    let moves = vec!["j"; at("params.lr")];
    h.keys(&moves).await;
    h.keys(&[" "]).await;
    assert!(h.screen().contains("[x] params.lr"), "{}", h.screen());
    h.keys(&["s"]).await;
    assert_eq!(h.app.filters(Tab::Runs).search, "order by params.lr");
    h.keys(&["esc"]).await;
    let screen = h.screen();
    assert!(
        screen.contains("lr ▲"),
        "the heading says the sort: {screen}"
    );
    let ids: Vec<i64> = h.app.lists.runs.rows.iter().map(|r| r.id).collect();
    let (first, second) = (
        ids.iter().position(|i| *i == slow).unwrap(),
        ids.iter().position(|i| *i == fast).unwrap(),
    );
    assert!(first < second, "0.01 sorts before 0.3: {ids:?}");
    let row_of = |id: i64| {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")) && l.contains("Forecasting"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row_of(fast).trim_end().ends_with("0.3"), "{screen}");
    assert!(row_of(slow).trim_end().ends_with("0.01"), "{screen}");
    // Twice more: descending, then no sort.
    h.keys(&["C"]).await;
    h.keys(&moves).await;
    h.keys(&["s"]).await;
    assert_eq!(h.app.filters(Tab::Runs).search, "order by params.lr desc");
    h.keys(&["s", "esc"]).await;
    assert_eq!(h.app.filters(Tab::Runs).search, "");
    // The run's own columns are sorted the same way (id, name, recipe,
    // model, then type).
    h.keys(&["C", "j", "j", "j", "j", "s", "esc"]).await;
    assert_eq!(h.app.filters(Tab::Runs).search, "order by type");
    assert!(h.screen().contains("Type ▲"), "{}", h.screen());
}

/// What the histories say and what a broken filter shows, at 80x24 on each
/// backend: a model's owner change, a recipe's versions in its audit log,
/// the run that produced a model, and a filter expression being typed.
mod histories_and_filters {
    use super::*;
    use nexml::store::{NewModel, NewRun, RunChanges};

    /// A harness at 80x24 on each backend, with the baselines only.
    async fn on_each_backend(label: &str) -> Vec<Harness> {
        let mut out = Vec::new();
        for db in common::backends(label).await {
            nexml::seed::seed_baselines(&db.service()).await.unwrap();
            out.push(Harness::on(db, 80, 24).await);
        }
        out
    }

    /// A harness at 80x24 on each backend, with the baselines and the demo.
    async fn on_each_backend_with_the_demo(label: &str) -> Vec<Harness> {
        #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
        let mut out = vec![Harness::new(80, 24).await];
        #[cfg(feature = "postgres")]
        if let Some(db) = common::postgres(label).await {
            nexml::seed::seed_baselines(&db.service()).await.unwrap();
            nexml::seed::seed_demo(&db.service(), test_now())
                .await
                .unwrap();
            out.push(Harness::on(db, 80, 24).await);
        }
        let _ = label;
        out
    }

    async fn register(h: &Harness, name: &str) -> nexml::store::Model {
        let svc = &h.io.service;
        let recipe = svc
            .store()
            .find_recipe("Pricing Optimization Baseline v1")
            .await
            .unwrap();
        svc.register_model(
            NewModel {
                name: name.into(),
                recipe_id: recipe.id,
                version: None,
                owner: "alice".into(),
            },
            "alice",
        )
        .await
        .unwrap()
    }

    /// A training run of `model`, run to success.
    async fn trained(h: &Harness, model: &nexml::store::Model) -> i64 {
        let svc = &h.io.service;
        let run = svc
            .create_run(
                NewRun {
                    recipe_id: model.recipe_id,
                    version: None,
                    model_id: Some(model.id),
                    run_type: nexml::domain::RunType::Train,
                },
                "alice",
            )
            .await
            .unwrap();
        for status in [
            nexml::domain::RunStatus::Running,
            nexml::domain::RunStatus::Succeeded,
        ] {
            let changes = RunChanges {
                status: Some(status),
                ..RunChanges::default()
            };
            svc.update_run(
                UpdateRun {
                    run: run.id,
                    changes,
                },
                "alice",
            )
            .await
            .unwrap();
        }
        run.id
    }

    #[tokio::test]
    async fn an_owner_change_reads_as_both_owners_in_the_model_history() {
        for mut h in on_each_backend("owner_history").await {
            let model = register(&h, "owned").await;
            let change = UpdateModel {
                model: model.id,
                name: None,
                owner: Some("bob".into()),
            };
            h.io.service.update_model(change, "alice").await.unwrap();
            h.keys(&["2", "enter", "tab"]).await;
            let screen = h.screen();
            let line = screen
                .lines()
                .find(|l| l.contains("update"))
                .unwrap_or_else(|| panic!("no update line: {screen}"));
            assert!(line.contains("owner alice → bob"), "{screen}");
            assert!(line.contains("by alice"), "{screen}");
        }
    }

    #[tokio::test]
    async fn a_recipes_history_holds_its_versions_approvals_and_chat_versions() {
        for mut h in on_each_backend("recipe_history").await {
            let svc = h.io.service.clone();
            let base = svc
                .store()
                .find_recipe("Forecasting Baseline v1")
                .await
                .unwrap();
            let clone = svc
                .clone_recipe(CloneRecipe::of(base.id, "Storied"), "bob")
                .await
                .unwrap();
            let approved = svc
                .approve_version(ApproveVersion::latest(clone.id), "dana")
                .await
                .unwrap();
            // A version from the chat, applied in the app.
            h.keys(&["/", "Storied", "enter", "enter", "C"]).await;
            h.keys(&["run it daily at 6am", "enter", "esc", "a"]).await;
            let latest = svc.store().version(clone.id, None).await.unwrap();
            assert!(latest.change_note.starts_with("Chat: "), "{latest:?}");
            h.keys(&["esc"]).await;
            assert!(top::<RecipeScreen>(&h.app).is_some(), "{}", h.screen());
            h.keys(&["H"]).await;
            let screen = h.screen();
            assert!(
                screen.contains(&format!("audit: recipe {}", clone.id)),
                "{screen}"
            );
            let line = |item: String, action: &str| {
                screen
                    .lines()
                    .any(|l| l.contains(&format!("{item} ")) && l.contains(action))
            };
            assert!(line(format!("recipe {}", clone.id), "create"), "{screen}");
            let first = format!("recipe_version {}", approved.version_id);
            assert!(line(first.clone(), "create"), "{screen}");
            assert!(line(first, "approve"), "{screen}");
            let chat = format!("recipe_version {}", latest.version_id);
            assert!(line(chat, "create"), "the chat's version: {screen}");
            // The CLI's audit of the recipe says the same.
            let rows = svc
                .audit_log(Some("recipe"), Some(clone.id), 100)
                .await
                .unwrap();
            let versions = rows.iter().filter(|r| r.entity == "recipe_version");
            assert_eq!(versions.count(), 3, "{rows:?}");
            // Another recipe's versions are not in it.
            assert!(
                !screen.contains(&format!("recipe {} ", base.id)),
                "{screen}"
            );
        }
    }

    #[tokio::test]
    async fn a_model_keeps_the_run_that_produced_it() {
        for mut h in on_each_backend_with_the_demo("producing_run").await {
            // The demo's production models were trained by their runs.
            h.keys(&["2", "/", "hotel-dynamic", "enter", "enter"]).await;
            let screen = h.screen();
            assert!(!screen.contains("no training run yet"), "{screen}");
            let store = h.io.service.store();
            let model = store.find_model("hotel-dynamic-pricing").await.unwrap();
            let Some(first) = model.run_id else {
                panic!("no producing run: {screen}")
            };
            assert!(
                screen.contains(&format!("trained by      run {first}")),
                "{screen}"
            );
            let run = store.run(first).await.unwrap();
            assert_eq!(run.model_id, Some(model.id));
            assert_eq!(run.run_type, nexml::domain::RunType::Train);
            assert_eq!(run.status, nexml::domain::RunStatus::Succeeded);
            // A later training run, however it did, does not move it.
            let later = trained(&h, &model).await;
            h.send(Msg::Changed(vec![nexml::store::Change::new(
                "model", model.id,
            )]))
            .await;
            let screen = h.screen();
            assert!(
                screen.contains(&format!("trained by      run {first}")),
                "{later} moved it: {screen}"
            );

            // A new model is produced by its first succeeded training run.
            let fresh = register(&h, "fresh").await;
            let producer = trained(&h, &fresh).await;
            trained(&h, &fresh).await;
            h.keys(&["esc", "x", "/", "fresh", "enter", "enter"]).await;
            let screen = h.screen();
            assert!(
                screen.contains(&format!("trained by      run {producer}")),
                "{screen}"
            );
            h.keys(&["tab"]).await;
            let screen = h.screen();
            let produced: Vec<&str> = screen.lines().filter(|l| l.contains("produced")).collect();
            assert_eq!(produced.len(), 1, "{screen}");
            assert!(produced[0].contains(&format!("run {producer}")), "{screen}");
        }
    }

    #[tokio::test]
    async fn a_broken_filter_keeps_the_last_valid_rows_and_logs_once() {
        for mut h in on_each_backend("broken_filter").await {
            let id = reported_run(&h).await;
            let recipe =
                h.io.service
                    .store()
                    .find_recipe("Forecasting Baseline v1")
                    .await
                    .unwrap();
            let plain = NewRun {
                recipe_id: recipe.id,
                version: None,
                model_id: None,
                run_type: nexml::domain::RunType::Train,
            };
            h.io.service.create_run(plain, "alice").await.unwrap();
            h.keys(&["3", "/"]).await;
            for c in "metrics.loss < 0.05".chars() {
                h.keys(&[&c.to_string()]).await;
            }
            assert_eq!(h.app.lists.runs.total, 1);
            let logged = h.app.messages.len();
            // A typo, typed on: the rows stay the last valid filter's.
            for c in " and metrics.".chars() {
                h.keys(&[&c.to_string()]).await;
            }
            let screen = h.screen();
            assert_eq!(h.app.lists.runs.total, 1, "{screen}");
            assert_eq!(h.app.lists.runs.rows[0].id, id);
            assert!(screen.contains("1 of 2"), "{screen}");
            assert!(screen.contains("✗ search has an error"), "{screen}");
            let prompt = screen.lines().last().unwrap_or_default().to_string();
            assert!(
                prompt.contains("✗ column 33: expected a key"),
                "the error inline, where and what: {screen}"
            );
            assert_eq!(h.app.messages.len(), logged, "nothing logged per key");
            // Kept with enter: said once, logged once.
            h.keys(&["enter"]).await;
            assert_eq!(h.app.messages.len(), logged + 1);
            let said = h.app.messages.last().map(|m| m.text.clone());
            let said = said.unwrap_or_default();
            assert!(
                said.contains("the list shows /metrics.loss < 0.05"),
                "{said}"
            );
            assert_eq!(h.app.lists.runs.total, 1);
            // Mended: the list follows again.
            h.keys(&["/"]).await;
            for c in "loss > 5".chars() {
                h.keys(&[&c.to_string()]).await;
            }
            let screen = h.screen();
            assert_eq!(h.app.lists.runs.total, 0, "{screen}");
            assert!(!screen.contains("✗"), "{screen}");
        }
    }
}

/// Issue 31, bug 11: a recipe's manifest reads the same on every backend
/// at 80x24, tree and JSON, in the canonical order (the sections, then
/// each one's keys, as the schema lists them), not JSONB's.
#[tokio::test]
async fn the_manifest_reads_the_same_on_every_backend() {
    let mut seen: Vec<(&str, String)> = Vec::new();
    for db in common::backends("manifest_reads_the_same").await {
        nexml::seed::seed_baselines(&db.service()).await.unwrap();
        let backend = db.name;
        let mut h = Harness::on(db, 80, 24).await;
        h.keys(&["/", "Pricing Opt", "enter", "enter", "tab"]).await;
        let tree = h.screen();
        let sections: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.strip_prefix("▾ "))
            .map(|l| l.split(' ').next().unwrap_or_default())
            .collect();
        assert_eq!(
            sections,
            ["metadata", "requirements", "pipeline", "evaluation"],
            "{backend}: {tree}"
        );
        let first_key = tree
            .lines()
            .skip_while(|l| !l.starts_with("▾ metadata"))
            .nth(1);
        assert_eq!(
            first_key.map(str::trim_start),
            Some("name: \"Pricing Optimization Baseline v1\""),
            "{backend}: {tree}"
        );
        h.keys(&["t"]).await;
        let json = h.screen();
        // The top line names the backend; below it, nothing may differ.
        let body = |screen: &str| screen.lines().skip(1).collect::<Vec<_>>().join("\n");
        let screens = format!("{}\n{}", body(&tree), body(&json));
        seen.push((backend, screens));
    }
    for (backend, screens) in &seen[1..] {
        assert_eq!(screens, &seen[0].1, "{backend} reads unlike {}", seen[0].0);
    }
}

/// A screen's own load comes back to the screens showing its key, taken
/// back by its type (an answer of another type is not mistaken for it),
/// and a refusal is shown as any failed load is.
#[tokio::test]
async fn a_screens_own_load_comes_back_to_it_by_type() {
    use nexml::tui::effects::{Loaded, OwnLoad, ScreenKey, Task};
    let h = Harness::new(100, 30).await;
    let load = OwnLoad::new(ScreenKey::Run(7), "seven", |_service| async { Ok(7_u32) });
    let Loaded::Screen(key, answer) = perform(&h.io, Task::Own(load)).await else {
        panic!("a load that succeeds answers its screen");
    };
    assert_eq!(key, ScreenKey::Run(7));
    assert_eq!(answer.own::<u32>(), Some(&7));
    assert!(answer.own::<String>().is_none());

    let refused = OwnLoad::new(ScreenKey::Run(8), "eight", |_service| async {
        Err::<u32, _>(nexml::service::ServiceError::invalid("run 8 is gone"))
    });
    match perform(&h.io, Task::Own(refused)).await {
        Loaded::Failed(message) => assert!(message.contains("run 8 is gone"), "{message}"),
        _ => panic!("a refused load is a failure"),
    }
}

/// A screen is its own module: this one is declared here, outside the app,
/// with a command of its own, and the router, help and the hint bar serve
/// it from its `Context` alone (its keys are the `[compare]` table's, the
/// one table of `assets/keymap.toml` it borrows for the test).
mod a_screen_of_its_own {
    use nexml::keymap::{Command, Context};
    use nexml::tui::screens::{Component, Cx, DrawCx, Outcome};
    use ratatui::Frame;
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;

    pub const WAVE: Command =
        Command::new("next_metric", "wave at whoever is looking").hinted("wave");
    pub const KEYS: Context = Context::new("compare", &[WAVE]);

    #[derive(Default)]
    pub struct Waving {
        pub waves: usize,
    }

    impl Component for Waving {
        fn context(&self) -> Context {
            KEYS
        }
        fn draw(&mut self, _cx: &DrawCx, frame: &mut Frame, area: Rect) {
            let text = format!("waved {} times", self.waves);
            frame.render_widget(Paragraph::new(text), area);
        }
        fn crumb(&self) -> String {
            "waving".into()
        }
        fn hints(&self) -> &'static [Command] {
            &[WAVE]
        }
        fn copy_text(&self) -> Option<String> {
            Some(self.waves.to_string())
        }
        fn on_command(&mut self, _cx: &mut Cx, command: Command) -> Outcome {
            match command {
                WAVE => {
                    self.waves += 1;
                    Outcome::done()
                }
                // What it does not take, the router does (help, back, quit).
                _ => Outcome::Ignored,
            }
        }
    }
}

#[tokio::test]
async fn a_screen_declared_in_its_own_module_gets_its_keys_help_and_hints() {
    use a_screen_of_its_own::Waving;
    let mut h = Harness::new(80, 24).await;
    h.app.screens.push(Box::new(Waving::default()));
    h.keys(&["]", "]"]).await;
    assert_eq!(top::<Waving>(&h.app).map(|w| w.waves), Some(2));
    let screen = h.screen();
    assert!(screen.contains("waved 2 times"), "{screen}");
    assert!(screen.contains("] wave"), "the hint bar: {screen}");
    h.keys(&["?"]).await;
    let screen = h.screen();
    assert!(screen.contains("wave at whoever is looking"), "{screen}");
    // Global keys still work over it: esc closes help, then the screen.
    h.keys(&["esc", "esc"]).await;
    assert!(top::<Waving>(&h.app).is_none());
}

/// What only MLflow's client records shows on the run's screen: the model
/// it logged (and its state) and the registry's version of it.
#[tokio::test]
async fn a_runs_screen_shows_the_models_mlflow_logged_and_registered() {
    use nexml::service::logged_models::{LoggedModelChange, NewLoggedModel};
    use nexml::service::registry::NewModelVersion;
    let mut h = Harness::new(120, 40).await;
    let service = h.io.service.clone();
    let run = service
        .store()
        .list_runs(&nexml::store::RunQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let model = service
        .create_logged_model(
            NewLoggedModel {
                experiment: run.experiment_id,
                run: Some(run.id),
                name: "forecaster".into(),
                ..Default::default()
            },
            "bob",
        )
        .await
        .unwrap();
    let ready = LoggedModelChange::Finalize {
        status: "ready".into(),
    };
    service
        .change_logged_model(&model.id, ready, "bob")
        .await
        .unwrap();
    service
        .create_registered_model("demand", "", &[], "bob")
        .await
        .unwrap();
    let version = NewModelVersion {
        name: "demand".into(),
        source: format!("models:/{}", model.id),
        ..Default::default()
    };
    service.create_model_version(version, "bob").await.unwrap();
    let effects = update::open_run(&mut h.app, run.id);
    h.run(effects).await;
    let screen = h.screen();
    let line = screen
        .lines()
        .find(|l| l.starts_with("mlflow"))
        .unwrap_or_else(|| panic!("no mlflow line:\n{screen}"));
    assert!(line.contains("models forecaster m-"), "{line}");
    assert!(line.contains(" ready"), "{line}");
    assert!(line.contains("registered demand v1"), "{line}");
}
