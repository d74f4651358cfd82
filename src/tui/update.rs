//! `update(&mut App, Msg) -> Vec<Effect>`: every behaviour of the app, with no
//! I/O and no awaiting, so all of it is testable without a terminal.

use super::audit::AuditOutcome;
use super::chat::{ChatRequest, ChatScreen};
use super::editor::{EditorRequest, EditorScreen};
use super::effects::{Effect, Loaded, Msg, Rows};
use super::form::Outcome as FormOutcome;
use super::forms::{self, FormRequest, Next};
use super::lists::{Window, apply_rows, ensure_window, move_by, on_list, refresh_in_place, reload};
use super::state::*;
use super::submit::{Done, Submission, Target};
use crate::domain::{ModelFamily, RecipeLevel};
use crate::keymap::{Command, Context, Key};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

/// The first effects: load the first tab.
pub fn start(app: &mut App) -> Vec<Effect> {
    reload(app, app.tab)
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let before = (app.status.clone(), app.error.clone());
    let effects = dispatch(app, msg);
    app.log_new_messages(before);
    effects
}

fn dispatch(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(app, key),
        Msg::Key(_) => vec![],
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            ensure_window(app, app.tab)
        }
        Msg::Tick => on_tick(app),
        Msg::Loaded(loaded) => on_loaded(app, loaded),
        Msg::Changed(changes) => super::live::on_changes(app, &changes),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        app.should_quit = true;
        return vec![];
    }
    app.error = None;
    // Nothing is drawn but "too small": only quitting is taken.
    if app.too_small() {
        if app.keymap.lookup(Context::Global, Key::from_event(&key)) == Some(Command::Quit) {
            app.should_quit = true;
        }
        return vec![];
    }
    if app.overlay.is_some() {
        return on_overlay_key(app, key);
    }
    if let Some(Screen::Editor(_)) = app.screens.last() {
        return on_editor_key(app, key);
    }
    if let Some(Screen::Chat(_)) = app.screens.last() {
        return on_chat_key(app, key);
    }
    if let Some(typing) = app.typing {
        return on_typing_key(app, typing, key);
    }
    let context = app.context();
    match app.keymap.lookup(context, Key::from_event(&key)) {
        Some(command) => run_command(app, command),
        None => vec![],
    }
}

/// Does what a command means in the current context.
pub fn run_command(app: &mut App, command: Command) -> Vec<Effect> {
    app.status = None;
    if let Some(why) = super::available::unavailable(app, command) {
        app.status = Some(format!("{}: {why}", command.name()));
        return vec![];
    }
    match command {
        Command::Quit => {
            app.should_quit = true;
            vec![]
        }
        Command::Help => {
            app.overlay = Some(Overlay::Help(0));
            vec![]
        }
        Command::Palette => {
            app.overlay = Some(Overlay::Palette(Palette {
                query: String::new(),
                selected: 0,
            }));
            vec![]
        }
        Command::Back => back(app),
        Command::Refresh => refresh(app),
        Command::Messages => {
            app.overlay = Some(Overlay::Messages(0));
            vec![]
        }
        Command::Audit => vec![Effect::LoadAudit(
            app.screens.last().and_then(Screen::audit_scope),
        )],
        Command::Copy => copy(app),
        _ => match app.context() {
            Context::Library | Context::Global => library_command(app, command),
            Context::Recipe => recipe_command(app, command),
            Context::Model => model_command(app, command),
            Context::Run => run_screen_command(app, command),
            Context::Diff => diff_command(app, command),
            _ => vec![],
        },
    }
}

fn back(app: &mut App) -> Vec<Effect> {
    if app.screens.pop().is_some() {
        return vec![];
    }
    // Back along a followed link: the linked list as it was, then the
    // screens it was followed from, re-read.
    if let Some(came) = app.came_from.take() {
        let linked = app.tab;
        *app.filters_mut(linked) = came.filters;
        app.tab = came.tab;
        app.screens = came.screens;
        let mut effects = reload(app, linked);
        effects.extend(refresh(app));
        return effects;
    }
    if !app.filters(app.tab).is_empty() {
        *app.filters_mut(app.tab) = Filters::default();
        app.status = Some("filters cleared".into());
        return reload(app, app.tab);
    }
    vec![]
}

fn refresh(app: &mut App) -> Vec<Effect> {
    match app.screens.last() {
        Some(Screen::Recipe(s)) => vec![Effect::LoadRecipe(s.id)],
        Some(Screen::Model(s)) => vec![
            Effect::LoadModel(s.id),
            Effect::LoadSeries {
                model_id: s.id,
                days: s.window,
            },
        ],
        Some(Screen::Run(s)) => vec![Effect::LoadRun(s.id)],
        Some(Screen::Diff(_)) | Some(Screen::Editor(_)) => vec![],
        Some(Screen::Chat(c)) => vec![Effect::OpenChat(c.recipe_id)],
        None => reload(app, app.tab),
    }
}

fn copy(app: &mut App) -> Vec<Effect> {
    let text = match app.screens.last() {
        Some(Screen::Recipe(s)) => match (&s.detail, s.section) {
            (Some(d), RecipeSection::Manifest) => d
                .versions
                .first()
                .map(|v| crate::domain::diff::pretty(&v.manifest_json)),
            _ => Some(s.id.to_string()),
        },
        Some(Screen::Model(s)) => Some(s.id.to_string()),
        Some(Screen::Run(s)) => Some(s.id.to_string()),
        Some(Screen::Diff(s)) => Some(s.recipe_id.to_string()),
        Some(Screen::Editor(s)) => Some(s.text()),
        Some(Screen::Chat(c)) => c.messages.last().map(|m| m.text.clone()),
        None => selected_id(app).map(|id| id.to_string()),
    };
    match text {
        Some(t) => {
            let what = if t.len() > 20 {
                "the manifest JSON".to_string()
            } else {
                format!("'{t}'")
            };
            app.status = Some(format!("copied {what} to the clipboard"));
            vec![Effect::Copy(t)]
        }
        None => vec![],
    }
}

/// The id of the selected row in the library.
pub fn selected_id(app: &App) -> Option<i64> {
    match app.tab {
        Tab::Recipes => app.lists.recipes.selected_row().map(|r| r.id),
        Tab::Models => app.lists.models.selected_row().map(|m| m.id),
        Tab::Runs => app.lists.runs.selected_row().map(|r| r.id),
        Tab::Monitoring => app.lists.monitoring.selected_row().map(|r| r.model.id),
    }
}

/// The most keys kept while a tab loads: a burst, not a backlog.
const PENDING_KEYS: usize = 16;

/// Whether `command` needs the current tab's rows, which have not come yet.
fn waits_for_rows(app: &mut App, command: Command) -> bool {
    let row_command = matches!(
        command,
        Command::Open
            | Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom
    );
    let tab = app.tab;
    let loading = on_list!(app, tab, l => l.loading && !l.loaded);
    row_command && loading
}

fn library_command(app: &mut App, command: Command) -> Vec<Effect> {
    if waits_for_rows(app, command) {
        if app.pending.len() < PENDING_KEYS {
            app.pending.push(command);
        }
        return vec![];
    }
    let page = app.page_rows();
    match command {
        Command::Up => move_by(app, -1),
        Command::Down => move_by(app, 1),
        Command::PageUp => move_by(app, -(page as isize)),
        Command::PageDown => move_by(app, page as isize),
        Command::Top => move_by(app, isize::MIN / 2),
        Command::Bottom => move_by(app, isize::MAX / 2),
        Command::NextTab => switch_tab(app, Tab::ALL[(app.tab.index() + 1) % Tab::ALL.len()]),
        Command::PrevTab => switch_tab(
            app,
            Tab::ALL[(app.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()],
        ),
        Command::TabRecipes => switch_tab(app, Tab::Recipes),
        Command::TabModels => switch_tab(app, Tab::Models),
        Command::TabRuns => switch_tab(app, Tab::Runs),
        Command::TabMonitoring => switch_tab(app, Tab::Monitoring),
        Command::Search => {
            app.typing = Some(Typing::LibrarySearch);
            vec![]
        }
        Command::Filter => {
            app.overlay = Some(Overlay::Filter(FilterPicker { row: 0 }));
            vec![]
        }
        Command::ClearFilters => {
            *app.filters_mut(app.tab) = Filters::default();
            reload(app, app.tab)
        }
        Command::Open => open_selected(app),
        Command::Chat => open_chat(app, None),
        Command::NewItem => match app.tab {
            Tab::Recipes => vec![Effect::OpenForm(FormRequest::CreateRecipe)],
            Tab::Models => vec![Effect::OpenForm(FormRequest::PickRecipeToRegister)],
            Tab::Runs => vec![Effect::OpenForm(FormRequest::CreateRun {
                recipe_id: None,
                model_id: None,
            })],
            Tab::Monitoring => {
                app.status = Some("open a model (enter) and press S to add a snapshot".into());
                vec![]
            }
        },
        _ => vec![],
    }
}

fn switch_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    // Moving on by hand: back no longer returns along the link, and keys
    // meant for the last tab's rows are dropped.
    app.came_from = None;
    app.pending.clear();
    app.tab = tab;
    let (loaded, stale) = on_list!(app, tab, l => (l.loaded || l.loading, l.stale));
    if loaded && stale {
        refresh_in_place(app, tab)
    } else if loaded {
        ensure_window(app, tab)
    } else {
        reload(app, tab)
    }
}

fn open_selected(app: &mut App) -> Vec<Effect> {
    let Some(id) = selected_id(app) else {
        return vec![];
    };
    match app.tab {
        Tab::Recipes => open_recipe(app, id),
        Tab::Models | Tab::Monitoring => {
            let effects = open_model(app, id);
            if app.tab == Tab::Monitoring
                && let Some(Screen::Model(s)) = app.screens.last_mut()
            {
                s.section = ModelSection::Monitoring;
            }
            effects
        }
        Tab::Runs => open_run(app, id),
    }
}

pub fn open_recipe(app: &mut App, id: i64) -> Vec<Effect> {
    app.screens.push(Screen::Recipe(Box::new(RecipeScreen {
        id,
        detail: None,
        section: RecipeSection::Overview,
        manifest_as_tree: true,
        tree: tui_tree_widget::TreeState::default(),
        scroll: 0,
        version_selected: 0,
        marked: None,
    })));
    vec![Effect::LoadRecipe(id)]
}

pub fn open_model(app: &mut App, id: i64) -> Vec<Effect> {
    app.screens.push(Screen::Model(Box::new(ModelScreen {
        id,
        detail: None,
        section: ModelSection::Overview,
        scroll: 0,
        window: Some(30),
        series: Vec::new(),
    })));
    vec![
        Effect::LoadModel(id),
        Effect::LoadSeries {
            model_id: id,
            days: Some(30),
        },
    ]
}

pub fn open_run(app: &mut App, id: i64) -> Vec<Effect> {
    app.screens.push(Screen::Run(Box::new(RunScreen {
        id,
        run: None,
        scroll: 0,
        follow: false,
        search: String::new(),
        matches: Vec::new(),
        current_match: 0,
    })));
    vec![Effect::LoadRun(id)]
}

/// Shows a library tab filtered by a link (a recipe's models, a model's runs).
fn show_filtered(app: &mut App, tab: Tab, filters: Filters, what: String) -> Vec<Effect> {
    app.came_from = Some(CameFrom {
        tab: app.tab,
        screens: std::mem::take(&mut app.screens),
        filters: std::mem::replace(app.filters_mut(tab), filters),
    });
    app.tab = tab;
    app.status = Some(format!("{what} (esc goes back)"));
    reload(app, tab)
}

fn recipe_command(app: &mut App, command: Command) -> Vec<Effect> {
    let page = app.page_rows();
    let Some(Screen::Recipe(s)) = app.screens.last_mut() else {
        return vec![];
    };
    let in_tree = s.section == RecipeSection::Manifest && s.manifest_as_tree;
    match command {
        Command::NextSection | Command::PrevSection => {
            s.section = cycle_section(
                &RecipeSection::ALL,
                s.section,
                command == Command::NextSection,
            );
            s.scroll = 0;
        }
        Command::ToggleView => s.manifest_as_tree = !s.manifest_as_tree,
        Command::Up if in_tree => {
            s.tree.key_up();
        }
        Command::Down if in_tree => {
            s.tree.key_down();
        }
        Command::Expand if in_tree => {
            s.tree.key_right();
        }
        Command::Collapse if in_tree => {
            s.tree.key_left();
        }
        Command::Top if in_tree => {
            s.tree.select_first();
        }
        Command::Bottom if in_tree => {
            s.tree.select_last();
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom
            if s.section == RecipeSection::Versions =>
        {
            let n = s.detail.as_ref().map(|d| d.versions.len()).unwrap_or(0);
            s.version_selected = step_index(s.version_selected, n, command, page);
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => {
            s.scroll = step_index(s.scroll, usize::MAX / 2, command, page);
        }
        Command::OpenParent => {
            let parent = s.detail.as_ref().and_then(|d| d.recipe.parent_id);
            return match parent {
                Some(p) => open_recipe(app, p),
                None => {
                    app.status = Some("a baseline has no parent".into());
                    vec![]
                }
            };
        }
        Command::Edit => return vec![Effect::OpenEditor(s.id)],
        Command::Chat => {
            let id = s.id;
            return open_chat(app, Some(id));
        }
        Command::EditExternal => {
            let Some(v) = s.detail.as_ref().and_then(|d| d.versions.first()) else {
                return vec![];
            };
            return vec![Effect::ExternalEdit {
                recipe_id: s.id,
                text: crate::domain::diff::pretty(&v.manifest_json) + "\n",
            }];
        }
        Command::Mark if s.section == RecipeSection::Versions => {
            let Some(d) = &s.detail else { return vec![] };
            let Some(v) = d.versions.get(s.version_selected) else {
                return vec![];
            };
            if s.marked.as_deref() == Some(v.version_number.as_str()) {
                s.marked = None;
                app.status = Some(format!("{} unmarked", v.version_number));
            } else {
                app.status = Some(format!(
                    "{} marked: d compares the selected version with it",
                    v.version_number
                ));
                s.marked = Some(v.version_number.clone());
            }
        }
        Command::Diff => {
            let Some(d) = &s.detail else { return vec![] };
            if s.section != RecipeSection::Versions {
                s.section = RecipeSection::Versions;
                return vec![];
            }
            let selected = s.version_selected;
            // Versions are newest first: the one after is the predecessor.
            let marked = s
                .marked
                .as_deref()
                .and_then(|m| d.versions.iter().position(|v| v.version_number == m));
            let other = marked.filter(|m| *m != selected).unwrap_or(selected + 1);
            let (old, new) = (selected.max(other), selected.min(other));
            let (Some(a), Some(b)) = (d.versions.get(old), d.versions.get(new)) else {
                app.status =
                    Some("the first version has nothing before it: mark another with space".into());
                return vec![];
            };
            let title = format!("diff {} → {}", a.version_number, b.version_number);
            let screen = DiffScreen::new(
                s.id,
                title,
                (&a.version_number, &a.manifest_json),
                (&b.version_number, &b.manifest_json),
                DiffPurpose::Versions,
            );
            app.screens.push(Screen::Diff(Box::new(screen)));
        }
        Command::Approve => {
            let Some(d) = &s.detail else { return vec![] };
            let index = if s.section == RecipeSection::Versions {
                s.version_selected
            } else {
                0
            };
            let Some(v) = d.versions.get(index) else {
                return vec![];
            };
            if let Some(why) = app.governance.approval_refusal(
                &v.created_by,
                &app.user,
                &v.version_number,
                &d.recipe.name,
            ) {
                app.error = Some(why);
                return vec![];
            }
            let submission = Submission::Approve {
                recipe_id: s.id,
                version: v.version_number.clone(),
            };
            let rule = if app.governance.distinct_approver {
                "Four-eyes is on: its author could not approve it."
            } else {
                "Four-eyes is off: authors may approve their own versions."
            };
            app.overlay = Some(Overlay::Confirm {
                message: format!(
                    "Approve version {} of '{}' by {} as {}? {rule}",
                    v.version_number, d.recipe.name, v.created_by, app.user
                ),
                submission: Box::new(submission),
            });
        }
        Command::Rebase => return vec![Effect::PlanRebase(s.id)],
        Command::CloneRecipe => return vec![Effect::OpenForm(FormRequest::Clone(s.id))],
        Command::Register => return vec![Effect::OpenForm(FormRequest::Register(s.id))],
        Command::EditDetails => return vec![Effect::OpenForm(FormRequest::EditRecipe(s.id))],
        Command::EditExample => return vec![Effect::OpenForm(FormRequest::PutExample(s.id))],
        Command::NewItem => {
            return vec![Effect::OpenForm(FormRequest::CreateRun {
                recipe_id: Some(s.id),
                model_id: None,
            })];
        }
        Command::Archive => {
            let Some(d) = &s.detail else { return vec![] };
            let (to, message) = if d.recipe.status == crate::domain::RecipeStatus::Archived {
                (crate::domain::RecipeStatus::Draft, None)
            } else {
                (
                    crate::domain::RecipeStatus::Archived,
                    Some(format!(
                        "Archive '{}'? It will take no new versions or models until restored.",
                        d.recipe.name
                    )),
                )
            };
            let submission = Submission::SetRecipeStatus { id: s.id, to };
            match message {
                Some(message) => {
                    app.overlay = Some(Overlay::Confirm {
                        message,
                        submission: Box::new(submission),
                    })
                }
                None => return vec![Effect::Submit(submission)],
            }
        }
        Command::Delete => {
            let Some(d) = &s.detail else { return vec![] };
            app.overlay = Some(Overlay::Confirm {
                message: format!(
                    "Delete '{}' and its {} version(s)? This cannot be undone.",
                    d.recipe.name,
                    d.versions.len()
                ),
                submission: Box::new(Submission::DeleteRecipe { id: s.id }),
            });
        }
        Command::ShowModels | Command::ShowRuns => {
            let Some(d) = &s.detail else { return vec![] };
            let link = Some((d.recipe.id, d.recipe.name.clone()));
            let name = d.recipe.name.clone();
            let filters = Filters {
                recipe: link,
                ..Filters::default()
            };
            return if command == Command::ShowModels {
                show_filtered(app, Tab::Models, filters, format!("models of '{name}'"))
            } else {
                show_filtered(app, Tab::Runs, filters, format!("runs of '{name}'"))
            };
        }
        _ => {}
    }
    vec![]
}

fn model_command(app: &mut App, command: Command) -> Vec<Effect> {
    let page = app.page_rows();
    let Some(Screen::Model(s)) = app.screens.last_mut() else {
        return vec![];
    };
    match command {
        Command::NextSection | Command::PrevSection => {
            s.section = cycle_section(
                &ModelSection::ALL,
                s.section,
                command == Command::NextSection,
            );
            s.scroll = 0;
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => {
            s.scroll = step_index(s.scroll, usize::MAX / 2, command, page);
        }
        Command::OpenRecipe => {
            if let Some(id) = s.detail.as_ref().map(|d| d.model.recipe_id) {
                return open_recipe(app, id);
            }
        }
        Command::Promote => return vec![Effect::OpenForm(FormRequest::Promote(s.id))],
        Command::Window => {
            let i = WINDOWS.iter().position(|w| *w == s.window).unwrap_or(0);
            s.window = WINDOWS[(i + 1) % WINDOWS.len()];
            s.section = ModelSection::Monitoring;
            return vec![Effect::LoadSeries {
                model_id: s.id,
                days: s.window,
            }];
        }
        Command::Acknowledge | Command::Resolve => {
            let Some(d) = &s.detail else { return vec![] };
            if s.section != ModelSection::Alerts {
                s.section = ModelSection::Alerts;
                s.scroll = 0;
                return vec![];
            }
            let Some(alert) = d.alerts.get(s.scroll) else {
                app.status = Some("no alert selected".into());
                return vec![];
            };
            let state = if command == Command::Acknowledge {
                crate::domain::AlertState::Acknowledged
            } else {
                crate::domain::AlertState::Resolved
            };
            return vec![Effect::Submit(Submission::AlertState {
                id: alert.id,
                model_id: s.id,
                state,
            })];
        }
        Command::EditDetails => return vec![Effect::OpenForm(FormRequest::EditModel(s.id))],
        Command::NewItem => {
            return vec![Effect::OpenForm(FormRequest::CreateRun {
                recipe_id: None,
                model_id: Some(s.id),
            })];
        }
        Command::AddSnapshot => return vec![Effect::OpenForm(FormRequest::AddSnapshot(s.id))],
        Command::ShowRuns => {
            let Some(d) = &s.detail else { return vec![] };
            let name = d.model.name.clone();
            let filters = Filters {
                model: Some((d.model.id, name.clone())),
                ..Filters::default()
            };
            return show_filtered(app, Tab::Runs, filters, format!("runs of model '{name}'"));
        }
        _ => {}
    }
    vec![]
}

fn run_screen_command(app: &mut App, command: Command) -> Vec<Effect> {
    let page = app.page_rows();
    let Some(Screen::Run(s)) = app.screens.last_mut() else {
        return vec![];
    };
    let lines = s.run.as_ref().map(|r| r.log().lines().count()).unwrap_or(0);
    match command {
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => {
            s.scroll = step_index(s.scroll, lines, command, page);
            s.follow = command == Command::Bottom && s.follow;
        }
        Command::Search => app.typing = Some(Typing::LogSearch),
        Command::UpdateRun => return vec![Effect::OpenForm(FormRequest::UpdateRun(s.id))],
        Command::NextMatch | Command::PrevMatch => {
            if s.matches.is_empty() {
                app.status = Some("no matches".into());
            } else {
                let n = s.matches.len();
                s.current_match = if command == Command::NextMatch {
                    (s.current_match + 1) % n
                } else {
                    (s.current_match + n - 1) % n
                };
                s.scroll = s.matches[s.current_match];
                // A match shown stays shown: following would pin the end again.
                let stopped = if s.follow { " (stopped following)" } else { "" };
                s.follow = false;
                app.status = Some(format!("match {} of {}{stopped}", s.current_match + 1, n));
            }
        }
        Command::Follow => {
            s.follow = !s.follow;
            if s.follow {
                s.scroll = lines.saturating_sub(1);
            }
            app.status = Some(if s.follow {
                "following the log".into()
            } else {
                "stopped following".into()
            });
        }
        Command::OpenRecipe => {
            if let Some(id) = s.run.as_ref().map(|r| r.recipe_id) {
                return open_recipe(app, id);
            }
        }
        Command::OpenModel => match s.run.as_ref().and_then(|r| r.model_id) {
            Some(id) => return open_model(app, id),
            None => app.status = Some("this run has no model".into()),
        },
        _ => {}
    }
    vec![]
}

fn diff_command(app: &mut App, command: Command) -> Vec<Effect> {
    let page = app.page_rows();
    let width = app.width;
    let Some(Screen::Diff(s)) = app.screens.last_mut() else {
        return vec![];
    };
    match command {
        Command::ToggleUnified => s.unified = Some(!s.is_unified(width)),
        Command::NextChange | Command::PrevChange => {
            if s.change_starts.is_empty() {
                app.status = Some("no changes".into());
                return vec![];
            }
            let n = s.change_starts.len();
            // From the first change at or after the top line.
            let at = s
                .change_starts
                .iter()
                .position(|c| *c >= s.scroll)
                .unwrap_or(0);
            s.current_change = if command == Command::NextChange {
                if s.change_starts.get(at) == Some(&s.scroll) {
                    (at + 1) % n
                } else {
                    at
                }
            } else {
                (at + n - 1) % n
            };
            s.scroll = s.change_starts[s.current_change];
            app.status = Some(format!("change {} of {}", s.current_change + 1, n));
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => {
            s.scroll = step_index(s.scroll, s.rows.len(), command, page);
        }
        Command::Apply => {
            if let DiffPurpose::Rebase(preview) = &s.purpose {
                return vec![Effect::Submit(Submission::Rebase {
                    recipe_id: s.recipe_id,
                    preview: preview.clone(),
                })];
            }
        }
        _ => {}
    }
    vec![]
}

fn on_editor_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(Screen::Editor(e)) = app.screens.last_mut() else {
        return vec![];
    };
    // An open dialog answers in its own context; else the editor's commands
    // first, then text.
    let request = match e.dialog_context() {
        Some(context) => {
            let command = app.keymap.lookup(context, Key::from_event(&key));
            e.on_dialog_key(key, command)
        }
        None => match app
            .keymap
            .lookup(Context::Editor, Key::from_event(&key))
            .and_then(|c| e.on_command(c))
        {
            Some(request) => request,
            None => e.on_key(key),
        },
    };
    match request {
        EditorRequest::None => vec![],
        EditorRequest::Changed => vec![validate(e)],
        EditorRequest::Invalid(problems) => {
            let next = app
                .keymap
                .key_for(Context::Editor, Command::NextProblem)
                .map(|k| format!(" ({k} goes to the next)"))
                .unwrap_or_default();
            app.error = Some(format!(
                "not saved: {problems} problem{} to fix first{next}",
                if problems == 1 { "" } else { "s" }
            ));
            vec![]
        }
        EditorRequest::Save {
            manifest,
            bump,
            note,
        } => {
            let note = if note.is_empty() {
                "Edited in the app".to_string()
            } else {
                note
            };
            vec![Effect::Submit(Submission::Commit {
                recipe_id: e.recipe_id,
                manifest,
                bump,
                note,
            })]
        }
        EditorRequest::Leave => {
            let kept = e.dirty;
            app.screens.pop();
            if kept {
                app.status = Some("left the editor; the draft is kept for next time".into());
            }
            vec![]
        }
        EditorRequest::Discard => {
            let id = e.recipe_id;
            app.screens.pop();
            app.status = Some("changes discarded".into());
            vec![Effect::DropDraft(id)]
        }
        EditorRequest::External => vec![Effect::ExternalEdit {
            recipe_id: e.recipe_id,
            text: e.text(),
        }],
    }
}

fn open_chat(app: &mut App, recipe_id: Option<i64>) -> Vec<Effect> {
    app.screens
        .push(Screen::Chat(Box::new(ChatScreen::new(recipe_id))));
    vec![Effect::OpenChat(recipe_id)]
}

fn on_chat_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(Screen::Chat(c)) = app.screens.last_mut() else {
        return vec![];
    };
    let recipe_id = c.recipe_id;
    let context = if c.typing {
        Context::ChatInput
    } else {
        Context::Chat
    };
    let command = app.keymap.lookup(context, Key::from_event(&key));
    let request = match command.and_then(|command| c.on_command(command)) {
        Some(request) => request,
        None => c.on_key(key),
    };
    match request {
        ChatRequest::None => vec![],
        ChatRequest::Send(text) if c.use_llm => {
            c.streaming = Some(String::new());
            vec![Effect::ChatLlm { recipe_id, text }]
        }
        ChatRequest::Send(text) => vec![Effect::ChatSend { recipe_id, text }],
        ChatRequest::Cancel => {
            app.status = Some("cancelled the language model's answer".into());
            vec![Effect::ChatCancel]
        }
        ChatRequest::ToggleLlm => {
            if app.llm_configured {
                c.use_llm = !c.use_llm;
                app.status = Some(if c.use_llm {
                    "asking the language model".into()
                } else {
                    "asking the offline assistant".into()
                });
            } else {
                app.status =
                    Some("no language model configured: add [assistant.llm] to config.toml".into());
            }
            vec![]
        }
        ChatRequest::Apply {
            message_id,
            request,
            proposal,
        } => vec![Effect::ChatApply {
            recipe_id,
            message_id,
            request,
            proposal,
        }],
        ChatRequest::Reject(id) => {
            if let Some(m) = c.messages.iter_mut().find(|m| m.id == id) {
                m.status = crate::domain::ChatStatus::Rejected;
            }
            app.status = Some("proposal rejected; nothing changed".into());
            vec![Effect::ChatReject(id)]
        }
        ChatRequest::Edit(proposal) => {
            let Some(data) = &c.data else { return vec![] };
            match (&*proposal, &data.recipe, &data.manifest) {
                (crate::assistant::Proposal::Edit { patch, .. }, Some(recipe), Some(manifest)) => {
                    let Ok(changed) = crate::domain::diff::apply_patch(manifest, patch) else {
                        return vec![];
                    };
                    let version = data
                        .versions
                        .first()
                        .map(|v| v.number.clone())
                        .unwrap_or_default();
                    let text = crate::domain::diff::pretty(&changed) + "\n";
                    let mut editor =
                        EditorScreen::new(recipe.id, &recipe.name, &version, manifest, Some(text));
                    editor.recipe_created_at = Some(recipe.created_at);
                    let effect = validate(&editor);
                    app.screens.push(Screen::Editor(Box::new(editor)));
                    vec![effect]
                }
                _ => {
                    app.status = Some("a new recipe is edited once created: apply it with a, then e on the recipe".into());
                    vec![]
                }
            }
        }
        ChatRequest::Diff(proposal) => {
            let Some(data) = &c.data else { return vec![] };
            let (from, to, id) = match (&*proposal, &data.manifest) {
                (crate::assistant::Proposal::Edit { patch, .. }, Some(m)) => {
                    match crate::domain::diff::apply_patch(m, patch) {
                        Ok(changed) => (
                            m.clone(),
                            changed,
                            data.recipe.as_ref().map(|r| r.id).unwrap_or_default(),
                        ),
                        Err(_) => return vec![],
                    }
                }
                (
                    crate::assistant::Proposal::NewRecipe {
                        family, manifest, ..
                    },
                    _,
                ) => {
                    let base = data
                        .baselines
                        .iter()
                        .find(|(f, _)| f == family)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    (base, manifest.clone(), 0)
                }
                _ => return vec![],
            };
            let screen = DiffScreen::new(
                id,
                "proposed change".into(),
                ("current", &from),
                ("proposed", &to),
                DiffPurpose::Versions,
            );
            app.screens.push(Screen::Diff(Box::new(screen)));
            vec![]
        }
        ChatRequest::Leave => {
            app.screens.pop();
            vec![]
        }
    }
}

/// The next (or previous) of a screen's sections, wrapping around.
fn cycle_section<T: Copy + PartialEq>(all: &[T], current: T, forward: bool) -> T {
    let i = all.iter().position(|x| *x == current).unwrap_or(0);
    let n = all.len();
    all[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

/// Moves an index within `0..len` by a command.
fn step_index(current: usize, len: usize, command: Command, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match command {
        Command::Up => current.saturating_sub(1),
        Command::Down => (current + 1).min(last),
        Command::PageUp => current.saturating_sub(page),
        Command::PageDown => (current + page).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        _ => current,
    }
}

fn on_typing_key(app: &mut App, typing: Typing, key: KeyEvent) -> Vec<Effect> {
    let text: &mut String = match typing {
        Typing::LibrarySearch => &mut app.filters_mut(app.tab).search,
        Typing::LogSearch => match app.screens.last_mut() {
            Some(Screen::Run(s)) => &mut s.search,
            _ => {
                app.typing = None;
                return vec![];
            }
        },
    };
    let changed = match key.code {
        KeyCode::Esc => {
            text.clear();
            app.typing = None;
            true
        }
        KeyCode::Enter | KeyCode::Down | KeyCode::Up => {
            app.typing = None;
            false
        }
        KeyCode::Backspace => text.pop().is_some(),
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            text.clear();
            true
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            text.push(c);
            true
        }
        _ => false,
    };
    if !changed {
        return vec![];
    }
    match typing {
        Typing::LibrarySearch => reload(app, app.tab),
        Typing::LogSearch => {
            if let Some(Screen::Run(s)) = app.screens.last_mut() {
                find_matches(s);
            }
            vec![]
        }
    }
}

/// Lines of the log containing the search text (case-insensitive).
pub fn find_matches(s: &mut RunScreen) {
    let needle = s.search.to_lowercase();
    s.matches = match (&s.run, needle.is_empty()) {
        (Some(run), false) => run
            .log()
            .lines()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect(),
        _ => Vec::new(),
    };
    s.current_match = 0;
    if let Some(first) = s.matches.first() {
        s.scroll = *first;
    }
}

/// An overlay's key: its command from the keymap first (help, confirm and
/// filter close on a key they do not bind; the palette and forms type it).
fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(overlay) = app.overlay.take() else {
        return vec![];
    };
    let context = match &overlay {
        Overlay::Help(_) | Overlay::Messages(_) => Context::Help,
        Overlay::Audit(_) => Context::Audit,
        Overlay::Confirm { .. } => Context::Confirm,
        Overlay::Palette(_) => Context::Palette,
        Overlay::Filter(_) => Context::Filter,
        Overlay::Form(_) => Context::Form,
    };
    let command = app.keymap.lookup(context, Key::from_event(&key));
    match overlay {
        Overlay::Help(line) => {
            let page = app.page_rows();
            let next = match command {
                Some(Command::Down) => Some(line + 1),
                Some(Command::Up) => Some(line.saturating_sub(1)),
                Some(Command::PageDown) => Some(line + page),
                Some(Command::PageUp) => Some(line.saturating_sub(page)),
                _ => None,
            };
            if let Some(n) = next {
                // The last page is the furthest it scrolls: never past the end.
                let lines = app.keymap.visible(app.context()).len();
                let max = lines.saturating_sub(app.help_rows());
                app.overlay = Some(Overlay::Help(n.min(max)));
            }
            vec![]
        }
        Overlay::Messages(first) => {
            let page = app.page_rows();
            let last = app.messages.len().saturating_sub(app.help_rows());
            let next = match command {
                Some(Command::Down) => first + 1,
                Some(Command::Up) => first.saturating_sub(1),
                Some(Command::PageDown) => first + page,
                Some(Command::PageUp) => first.saturating_sub(page),
                _ => return vec![],
            };
            app.overlay = Some(Overlay::Messages(next.min(last)));
            vec![]
        }
        Overlay::Audit(mut view) => {
            let shown = app.audit_rows();
            match view.on_command(command, app.page_rows(), shown) {
                AuditOutcome::Close => vec![],
                AuditOutcome::Keep => {
                    app.overlay = Some(Overlay::Audit(view));
                    vec![]
                }
                AuditOutcome::Reload => {
                    let scope = view.scope;
                    app.overlay = Some(Overlay::Audit(view));
                    vec![Effect::LoadAudit(scope)]
                }
            }
        }
        Overlay::Confirm { submission, .. } => match command {
            Some(Command::Confirm) => vec![Effect::Submit(*submission)],
            _ => {
                app.status = Some("cancelled".into());
                vec![]
            }
        },
        Overlay::Form(mut form) => {
            let outcome = match command.and_then(|c| form.on_command(c)) {
                Some(outcome) => outcome,
                None => form.on_key(key),
            };
            on_form_outcome(app, form, outcome)
        }
        Overlay::Palette(mut p) => {
            let items = palette_items(app, &p.query);
            match command {
                Some(Command::Back) => return vec![],
                Some(Command::Open) => {
                    return match items.get(p.selected) {
                        Some(PaletteItem {
                            command,
                            elsewhere: Some(screen),
                            ..
                        }) => {
                            app.status = Some(format!(
                                "{}: runs {}",
                                command.name(),
                                where_it_runs(*screen)
                            ));
                            vec![]
                        }
                        Some(item) => run_command(app, item.command),
                        None => vec![],
                    };
                }
                Some(Command::Up) => p.selected = p.selected.saturating_sub(1),
                Some(Command::Down) => {
                    p.selected = (p.selected + 1).min(items.len().saturating_sub(1))
                }
                _ => match key.code {
                    KeyCode::Backspace => {
                        p.query.pop();
                        p.selected = 0;
                    }
                    // As in a shell: ctrl-u clears, ctrl-w takes the last word.
                    KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        p.query.clear();
                        p.selected = 0;
                    }
                    KeyCode::Char('w') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        let kept = p.query.trim_end().rfind(' ').map_or(0, |i| i + 1);
                        p.query.truncate(kept);
                        p.selected = 0;
                    }
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        p.query.push(c);
                        p.selected = 0;
                    }
                    _ => {}
                },
            }
            app.overlay = Some(Overlay::Palette(p));
            vec![]
        }
        Overlay::Filter(mut picker) => {
            let rows = filter_rows(app.tab);
            match command {
                Some(Command::Up) => picker.row = picker.row.saturating_sub(1),
                Some(Command::Down) => picker.row = (picker.row + 1).min(rows.len() - 1),
                Some(Command::NextValue | Command::PrevValue) => {
                    cycle_filter(app, rows[picker.row], command == Some(Command::NextValue));
                    app.overlay = Some(Overlay::Filter(picker));
                    return reload(app, app.tab);
                }
                Some(Command::Back) => return vec![],
                _ => {}
            }
            app.overlay = Some(Overlay::Filter(picker));
            vec![]
        }
    }
}

/// What a form's answer to a key asks for.
fn on_form_outcome(
    app: &mut App,
    mut form: Box<forms::AppForm>,
    outcome: FormOutcome,
) -> Vec<Effect> {
    match outcome {
        FormOutcome::Continue => {
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        FormOutcome::Search(i) => {
            let effect = form.fields.get(i).map(|f| Effect::SearchChoices {
                purpose: Box::new(form.purpose.clone()),
                field: f.name,
                text: f.filter().to_string(),
                so_far: form.values(),
            });
            app.overlay = Some(Overlay::Form(form));
            effect.into_iter().collect()
        }
        FormOutcome::Cancel => vec![],
        FormOutcome::Submit => match forms::submission(&form) {
            Ok(Next::Submit(submission)) => {
                form.submitting = true;
                app.overlay = Some(Overlay::Form(form));
                vec![Effect::Submit(submission)]
            }
            Ok(Next::Open(request)) => vec![Effect::OpenForm(request)],
            Ok(Next::Confirm(message, submission)) => {
                app.overlay = Some(Overlay::Confirm {
                    message,
                    submission: Box::new(submission),
                });
                vec![]
            }
            Err(message) => {
                form.refusal = Some(message);
                app.overlay = Some(Overlay::Form(form));
                vec![]
            }
        },
    }
}

/// The rows of the filter picker on a tab.
pub fn filter_rows(tab: Tab) -> Vec<&'static str> {
    match tab {
        _ if tab.has_level() => vec!["family", "level", "status"],
        Tab::Runs => vec!["family", "type", "status"],
        _ => vec!["family", "status"],
    }
}

fn cycle<T: Copy + PartialEq>(current: Option<T>, all: &[T], forward: bool) -> Option<T> {
    let n = all.len();
    let pos = current.and_then(|c| all.iter().position(|x| *x == c));
    let next = match (pos, forward) {
        (None, true) => Some(0),
        (None, false) => Some(n - 1),
        (Some(i), true) if i + 1 < n => Some(i + 1),
        (Some(i), false) if i > 0 => Some(i - 1),
        _ => None,
    };
    next.map(|i| all[i])
}

fn cycle_filter(app: &mut App, row: &str, forward: bool) {
    let tab = app.tab;
    let statuses = tab.statuses();
    let f = app.filters_mut(tab);
    match row {
        "family" => f.family = cycle(f.family, ModelFamily::ALL, forward),
        "level" => f.level = cycle(f.level, RecipeLevel::ALL, forward),
        "type" => f.run_type = cycle(f.run_type, crate::domain::RunType::ALL, forward),
        _ => {
            let current = f
                .status
                .as_deref()
                .and_then(|s| statuses.iter().copied().find(|x| *x == s));
            f.status = cycle(current, &statuses, forward).map(String::from);
        }
    }
}

/// Commands the palette offers for a query: name or help containing it.
pub fn palette_items(app: &App, query: &str) -> Vec<PaletteItem> {
    let q = query.to_lowercase();
    let matches = |c: &Command| q.is_empty() || c.name().contains(&q) || c.help().contains(&q);
    let context = app.context();
    let mut items: Vec<PaletteItem> = app
        .keymap
        .visible(context)
        .into_iter()
        .filter(|(c, _)| matches(c))
        .map(|(command, keys)| PaletteItem {
            command,
            key: keys.first().copied(),
            elsewhere: None,
        })
        .collect();
    // Typed for, every other screen's commands too, saying where they run.
    if q.is_empty() {
        return items;
    }
    for screen in PALETTE_SCREENS.into_iter().filter(|c| *c != context) {
        for (command, keys) in app.keymap.visible(screen) {
            let listed = items.iter().any(|i| i.command == command);
            if !listed && !Context::Global.commands().contains(&command) && matches(&command) {
                items.push(PaletteItem {
                    command,
                    key: keys.first().copied(),
                    elsewhere: Some(screen),
                });
            }
        }
    }
    items
}

/// Where a screen's commands run, for a palette line picked elsewhere.
pub fn where_it_runs(screen: Context) -> &'static str {
    match screen {
        Context::Library => "in the library (esc back to it)",
        Context::Recipe => "on a recipe (open one with enter in Recipes)",
        Context::Model => "on a model (open one with enter in Models)",
        Context::Run => "on a run (open one with enter in Runs)",
        Context::Diff => "in a diff (d on a recipe's versions)",
        Context::Chat => "in the chat (c in the library, C on a recipe)",
        _ => "elsewhere",
    }
}

/// The screens whose commands the palette offers from anywhere.
const PALETTE_SCREENS: [Context; 6] = [
    Context::Library,
    Context::Recipe,
    Context::Model,
    Context::Run,
    Context::Diff,
    Context::Chat,
];

/// One line of the command palette.
pub struct PaletteItem {
    pub command: Command,
    pub key: Option<Key>,
    /// The screen it runs on, when that is not this one.
    pub elsewhere: Option<Context>,
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    match m.kind {
        MouseEventKind::ScrollDown => run_command(app, Command::Down),
        MouseEventKind::ScrollUp => run_command(app, Command::Up),
        MouseEventKind::Down(_) if app.screens.is_empty() && app.overlay.is_none() => {
            // The list's first row is at line 4 (title, tabs, border, header).
            let first_row = 4u16;
            if m.row < first_row {
                return vec![];
            }
            let tab = app.tab;
            let index = on_list!(app, tab, l => {
                let i = l.scroll + (m.row - first_row) as usize;
                if i < l.total { l.selected = i; true } else { false }
            });
            let _ = index;
            vec![]
        }
        _ => vec![],
    }
}

fn on_tick(app: &mut App) -> Vec<Effect> {
    match app.screens.last() {
        // A run that can still change is polled, so a run a script or a
        // teammate updates is followed live.
        Some(Screen::Run(s))
            if s.follow || s.run.as_ref().is_some_and(|r| !r.status.is_finished()) =>
        {
            vec![Effect::LoadRun(s.id)]
        }
        _ => vec![],
    }
}

/// After a change: say so, show it, and select it.
fn on_done(app: &mut App, done: Done) -> Vec<Effect> {
    app.overlay = None;
    app.status = Some(done.message.clone());
    let mut effects = Vec::new();
    if let Some(Screen::Editor(e)) = app.screens.last() {
        effects.push(Effect::DropDraft(e.recipe_id));
        app.screens.pop();
    }
    if let Some(Screen::Diff(d)) = app.screens.last()
        && matches!(d.purpose, DiffPurpose::Rebase(_))
    {
        app.screens.pop();
    }
    match done.target {
        Target::Recipe(id) => match app.screens.last() {
            Some(Screen::Recipe(s)) if s.id == id => effects.push(Effect::LoadRecipe(id)),
            _ => effects.extend(open_recipe(app, id)),
        },
        Target::Model(id) => effects.extend(open_model(app, id)),
        Target::Run(id) => effects.extend(open_run(app, id)),
        Target::Library => app.screens.clear(),
        Target::Stay => effects.extend(refresh(app)),
    }
    // The affected list, with the changed row selected.
    on_list!(app, done.tab, l => l.select_id = done.select_id);
    let tab = done.tab;
    let reloaded = reload(app, tab);
    on_list!(app, tab, l => l.select_id = done.select_id);
    effects.extend(reloaded);
    effects
}

/// Validate the editor's text (after a pause) and keep it as a draft.
fn validate(e: &EditorScreen) -> Effect {
    Effect::Validate {
        recipe_id: e.recipe_id,
        recipe_created_at: e.recipe_created_at,
        generation: e.generation,
        base_version: e.base_version.clone(),
        text: e.text(),
    }
}

/// Text back from $EDITOR: into the editor, validated.
fn on_edited(app: &mut App, recipe_id: i64, text: String) -> Vec<Effect> {
    if let Some(Screen::Editor(e)) = app.screens.last_mut()
        && e.recipe_id == recipe_id
    {
        let mut fresh = EditorScreen::new(
            recipe_id,
            &e.recipe_name,
            &e.base_version,
            &e.base_manifest,
            Some(text),
        );
        fresh.generation = e.generation + 1;
        fresh.recipe_created_at = e.recipe_created_at;
        **e = fresh;
        return vec![validate(e)];
    }
    let base = app.screens.iter().rev().find_map(|s| match s {
        Screen::Recipe(r) if r.id == recipe_id => r.detail.as_ref().and_then(|d| {
            d.versions.first().map(|v| {
                (
                    d.recipe.name.clone(),
                    d.recipe.created_at,
                    v.version_number.clone(),
                    v.manifest_json.clone(),
                )
            })
        }),
        _ => None,
    });
    let Some((name, created_at, version, manifest)) = base else {
        return vec![];
    };
    let mut editor = EditorScreen::new(recipe_id, &name, &version, &manifest, Some(text));
    editor.recipe_created_at = Some(created_at);
    let effect = validate(&editor);
    app.screens.push(Screen::Editor(Box::new(editor)));
    vec![effect]
}

fn on_loaded(app: &mut App, loaded: Loaded) -> Vec<Effect> {
    match loaded {
        Loaded::List {
            tab,
            generation,
            window_start,
            rows,
            total,
            unfiltered,
        } => {
            let w = Window {
                generation,
                window_start,
                total,
                unfiltered,
            };
            let lists = &mut app.lists;
            let applied = match rows {
                Rows::Recipes(r) => apply_rows(&mut lists.recipes, r, &w),
                Rows::Models(r) => apply_rows(&mut lists.models, r, &w),
                Rows::Runs(r) => apply_rows(&mut lists.runs, r, &w),
                Rows::Monitoring(r) => apply_rows(&mut lists.monitoring, r, &w),
            };
            if !applied {
                return vec![];
            }
            if tab != app.tab {
                return vec![];
            }
            let mut effects = ensure_window(app, tab);
            // Keys pressed while the rows came: applied now, in order, unless
            // something else was opened meanwhile.
            for command in std::mem::take(&mut app.pending) {
                if app.screens.is_empty() && app.overlay.is_none() {
                    effects.extend(library_command(app, command));
                }
            }
            effects
        }
        Loaded::Recipe(id, detail) => {
            for screen in app.screens.iter_mut() {
                if let Screen::Recipe(s) = screen
                    && s.id == id
                {
                    let first = s.detail.is_none();
                    s.detail = Some((*detail).clone());
                    if first {
                        // Open the top-level sections of the tree.
                        for section in crate::domain::manifest::SECTIONS {
                            s.tree.open(vec![section.to_string()]);
                        }
                        s.tree.select_first();
                    }
                }
            }
            vec![]
        }
        Loaded::Model(id, detail) => {
            for screen in app.screens.iter_mut() {
                if let Screen::Model(s) = screen
                    && s.id == id
                {
                    // The alert cursor stays on the same alert when the list re-sorts.
                    let selected_alert = (s.section == ModelSection::Alerts)
                        .then(|| s.detail.as_ref().and_then(|d| d.alerts.get(s.scroll)))
                        .flatten()
                        .map(|a| a.id);
                    if let Some(i) = selected_alert
                        .and_then(|want| detail.alerts.iter().position(|a| a.id == want))
                    {
                        s.scroll = i;
                    }
                    s.detail = Some((*detail).clone());
                }
            }
            vec![]
        }
        Loaded::Run(id, run) => {
            for screen in app.screens.iter_mut() {
                if let Screen::Run(s) = screen
                    && s.id == id
                {
                    let lines = run.log().lines().count();
                    // A run still going is followed from when it opens, as `tail -f`.
                    if s.run.is_none() && !run.status.is_finished() {
                        s.follow = true;
                    }
                    s.run = Some((*run).clone());
                    if s.follow {
                        s.scroll = lines.saturating_sub(1);
                    }
                    if !s.search.is_empty() {
                        let keep = s.scroll;
                        find_matches(s);
                        s.scroll = keep;
                    }
                }
            }
            vec![]
        }
        Loaded::Form(form) => {
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        Loaded::Choices {
            field,
            text,
            choices,
        } => {
            // Only the answer for what the picker holds now is used.
            if let Some(Overlay::Form(form)) = &mut app.overlay
                && let Some(f) = form.fields.iter_mut().find(|f| f.name == field)
                && f.filter() == text
            {
                f.set_found(choices);
            }
            vec![]
        }
        Loaded::Done(done) => on_done(app, *done),
        Loaded::Refused(message) => {
            match (&mut app.overlay, app.screens.last_mut()) {
                (Some(Overlay::Form(form)), _) => {
                    form.submitting = false;
                    form.refusal = Some(message);
                }
                (None, Some(Screen::Editor(e))) if e.save.is_some() => {
                    if let Some(d) = &mut e.save {
                        d.saving = false;
                        d.error = Some(message);
                    }
                }
                _ => app.error = Some(message),
            }
            vec![]
        }
        Loaded::Editor {
            recipe,
            version,
            draft,
        } => {
            let mut editor = EditorScreen::new(
                recipe.id,
                &recipe.name,
                &version.version_number,
                &version.manifest_json,
                None,
            );
            editor.offer = draft;
            // The message of the screen left behind does not follow.
            app.status = None;
            editor.recipe_created_at = Some(recipe.created_at);
            let effect = validate(&editor);
            app.screens.push(Screen::Editor(Box::new(editor)));
            vec![effect]
        }
        Loaded::Validated {
            recipe_id,
            generation,
            problems,
            draft_error,
        } => {
            if let Some(e) = draft_error {
                app.error = Some(format!(
                    "the draft cannot be kept on disk, a crash would lose it: {e}"
                ));
            }
            for screen in app.screens.iter_mut() {
                if let Screen::Editor(e) = screen
                    && e.recipe_id == recipe_id
                {
                    e.validated(generation, problems.clone());
                }
            }
            vec![]
        }
        Loaded::Rebase(preview) => {
            let title = format!("rebase on {} {}", preview.parent, preview.to);
            let recipe_id = app
                .screens
                .iter()
                .rev()
                .find_map(|s| match s {
                    Screen::Recipe(r) => Some(r.id),
                    _ => None,
                })
                .unwrap_or_default();
            let mut screen = DiffScreen::new(
                recipe_id,
                title,
                ("current", &preview.current),
                ("rebased", &preview.plan.manifest),
                DiffPurpose::Versions,
            );
            screen.notes.push(format!(
                "from {} {} to {}: enter commits it as a new version, esc cancels",
                preview.parent, preview.from, preview.to
            ));
            if !preview.plan.inherited.is_empty() {
                screen.notes.push(format!(
                    "takes the parent's changes at {}",
                    preview.plan.inherited.join(", ")
                ));
            }
            if !preview.plan.conflicts.is_empty() {
                screen.notes.push(format!(
                    "conflicts, this recipe's value kept: {}",
                    preview.plan.conflicts.join(", ")
                ));
            }
            screen.purpose = DiffPurpose::Rebase(preview);
            app.screens.push(Screen::Diff(Box::new(screen)));
            vec![]
        }
        Loaded::Edited { recipe_id, text } => on_edited(app, recipe_id, text),
        Loaded::Nothing => vec![],
        Loaded::Series {
            model_id,
            days,
            series,
        } => {
            for screen in app.screens.iter_mut() {
                if let Screen::Model(m) = screen
                    && m.id == model_id
                    && m.window == days
                {
                    m.series = series.clone();
                }
            }
            vec![]
        }
        Loaded::ChatToken { recipe_id, token } => {
            for screen in app.screens.iter_mut() {
                if let Screen::Chat(c) = screen
                    && c.recipe_id == recipe_id
                    && let Some(text) = &mut c.streaming
                {
                    text.push_str(&token);
                }
            }
            vec![]
        }
        Loaded::Chat {
            recipe_id,
            data,
            history,
        } => {
            for screen in app.screens.iter_mut() {
                if let Screen::Chat(c) = screen
                    && c.recipe_id == recipe_id
                {
                    c.data = Some((*data).clone());
                    c.messages = history.clone();
                    c.waiting = false;
                    c.streaming = None;
                    c.selected = c.messages.len().saturating_sub(1);
                }
            }
            vec![]
        }
        Loaded::ChatApplied {
            message_id,
            applied,
        } => {
            app.status = Some(applied.message.clone());
            let mut effects = vec![];
            for screen in app.screens.iter_mut() {
                if let Screen::Chat(c) = screen {
                    if let Some(m) = c.messages.iter_mut().find(|m| m.id == message_id) {
                        m.status = crate::domain::ChatStatus::Applied;
                    }
                    // The recipe changed (or a new one exists): reload what the chat knows.
                    let id = c.recipe_id.or(Some(applied.recipe_id));
                    c.recipe_id = id;
                    effects.push(Effect::OpenChat(id));
                }
            }
            effects
        }
        Loaded::Audit(view) => {
            app.overlay = match app.overlay.take() {
                // Re-read while open: the same scope keeps its scroll.
                Some(Overlay::Audit(open)) if open.scope == view.scope => {
                    Some(Overlay::Audit(Box::new(open.refreshed(*view))))
                }
                // Another overlay opened meanwhile stays.
                Some(other) if !matches!(other, Overlay::Audit(_)) => Some(other),
                _ => Some(Overlay::Audit(view)),
            };
            vec![]
        }
        Loaded::Failed(message) => {
            app.error = Some(message);
            for l in [
                &mut app.lists.recipes.loading,
                &mut app.lists.models.loading,
                &mut app.lists.runs.loading,
                &mut app.lists.monitoring.loading,
            ] {
                *l = false;
            }
            vec![]
        }
    }
}
