//! The terminal app without a terminal: keys -> update -> effects performed on
//! a real seeded database -> state, and whole-screen snapshots on TestBackend.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nexml::config::Config;
use nexml::store::Store;
use nexml::tui::effects::{Effect, Io, Msg, perform};
use nexml::tui::state::{App, Screen, Tab};
use nexml::tui::{new_app, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

/// An app on a seeded (baselines + demo) SQLite database, driven synchronously.
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
        let db = common::sqlite().await;
        nexml::seed::seed_baselines(db.store.as_ref())
            .await
            .unwrap();
        nexml::seed::seed_demo(db.store.as_ref()).await.unwrap();
        Harness::on(db, width, height).await
    }

    async fn on(db: common::TestDb, width: u16, height: u16) -> Harness {
        let mut app = new_app(&Config::default(), "alice", db.store.backend()).unwrap();
        app.width = width;
        app.height = height;
        let store: Arc<dyn Store> = db.store.clone();
        let drafts = tempfile::tempdir().unwrap();
        let io = Io {
            store: store.clone(),
            user: "alice".into(),
            governance: Default::default(),
            drafts_dir: drafts.path().to_path_buf(),
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
            if let Effect::Copy(_) | Effect::ExternalEdit { .. } = effect {
                self.outside.push(effect);
                continue;
            }
            let loaded = perform(&self.io, effect).await;
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
async fn navigation_moves_the_selection_and_opens_details() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["j", "j", "k"]).await;
    assert_eq!(h.app.lists.recipes.selected, 1);
    h.keys(&["G"]).await;
    assert_eq!(h.app.lists.recipes.selected, 5);
    h.keys(&["g", "enter"]).await;
    let Some(Screen::Recipe(s)) = h.app.screens.last() else {
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
    assert!(h.app.typing.is_none());
    assert_eq!(h.app.lists.recipes.filters.search, "pric");
    h.keys(&["esc"]).await;
    assert_eq!(h.app.lists.recipes.total, 6);
    assert!(h.app.lists.recipes.filters.is_empty());
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
    assert!(matches!(h.app.screens.last(), Some(Screen::Model(_))));
    h.keys(&["R"]).await;
    let Some(Screen::Recipe(s)) = h.app.screens.last() else {
        panic!()
    };
    assert_eq!(
        s.detail.as_ref().unwrap().recipe.name,
        "Hospitality Pricing"
    );
    h.keys(&["P"]).await;
    let Some(Screen::Recipe(s)) = h.app.screens.last() else {
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
            .all(|r| r.recipe_name == "Hospitality Pricing")
    );
    // A run -> its model.
    h.keys(&["enter", "M"]).await;
    let Some(Screen::Model(m)) = h.app.screens.last() else {
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
    let Some(Screen::Run(s)) = h.app.screens.last() else {
        panic!()
    };
    assert_eq!(s.matches.len(), 3);
    let first = s.scroll;
    h.keys(&["n"]).await;
    let Some(Screen::Run(s)) = h.app.screens.last() else {
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
    nexml::seed::seed_baselines(db.store.as_ref())
        .await
        .unwrap();
    let mut h = Harness::on(db, 80, 24).await;
    h.app = new_app(&config, "alice", "sqlite").unwrap();
    let effects = update::start(&mut h.app);
    h.run(effects).await;
    h.keys(&["f"]).await;
    assert!(h.app.overlay.is_none());
    h.keys(&["F"]).await;
    assert!(h.app.overlay.is_some());
}

#[tokio::test]
async fn copy_sends_the_selected_id_to_the_clipboard() {
    let mut h = Harness::new(80, 24).await;
    h.keys(&["j", "y"]).await;
    let id = h.app.lists.recipes.rows[1].id;
    assert_eq!(h.outside, vec![Effect::Copy(id.to_string())]);
    assert!(h.screen().contains("copied"));
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
    nexml::seed::seed_baselines(db.store.as_ref())
        .await
        .unwrap();
    let base = db
        .store
        .find_recipe("Pricing Optimization Baseline v1")
        .await
        .unwrap();
    nexml::store::ops::clone_recipe(
        db.store.as_ref(),
        &base,
        "evil\x1b[2J\x07 需求预测",
        None,
        None,
        "a",
    )
    .await
    .unwrap_err(); // control characters are refused at the door...
    nexml::store::ops::clone_recipe(
        db.store.as_ref(),
        &base,
        "需求预测 pricing",
        None,
        None,
        "a",
    )
    .await
    .unwrap();
    let mut h = Harness::on(db, 80, 24).await;
    let screen = h.screen();
    // ...and wide characters keep the columns in place.
    let line = screen.lines().find(|l| l.contains("需求预测")).unwrap();
    let base_line = screen
        .lines()
        .find(|l| l.contains("Pricing Optimization"))
        .unwrap();
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
    let mut app = new_app(&Config::default(), "alice", "sqlite").unwrap();
    app.height = 24;
    let _ = update::start(&mut app);
    app.tab = Tab::Runs;
    let effects = update::run_command(&mut app, nexml::tui::keymap::Command::TabRuns);
    let Some(Effect::LoadList(req)) = effects.first() else {
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
            total: 1_000_000,
            unfiltered: true,
        }),
    );
    // Jumping to the end asks for the last rows, read from the far end.
    let effects = update::run_command(&mut app, nexml::tui::keymap::Command::Bottom);
    let Some(Effect::LoadList(end)) = effects.first() else {
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
            total: 5,
            unfiltered: true,
        }),
    );
    assert_eq!(app.lists.runs.total, 1_000_000);
    drop(db);
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

#[tokio::test]
async fn a_tiny_terminal_says_so() {
    let mut h = Harness::new(30, 8).await;
    assert!(h.screen().contains("terminal too small"));
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
