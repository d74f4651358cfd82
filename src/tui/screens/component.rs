//! What every screen is to the router: the `Component` trait, what it may
//! read and say (`Cx`, `DrawCx`), what it answers (`Outcome`), and the
//! movement and line editing screens share.

use crate::domain::Governance;
use crate::keymap::{Command, Context, Keymap};
use crate::store::Change;
use crate::tui::audit::AuditScope;
use crate::tui::effects::Effect;
use crate::tui::effects::Task;
use crate::tui::effects::{Answer, ScreenKey};
use crate::tui::filters::Filters;
use crate::tui::submit::Submission;
use crate::tui::tab::Tab;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::any::Any;

/// A screen in the stack: any component.
pub type Screen = Box<dyn Component>;

/// What a screen may read while it draws.
pub struct DrawCx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
}

/// What a screen may read and say while it handles a command.
pub struct Cx<'a> {
    /// Rows a page move covers.
    pub page: usize,
    pub width: u16,
    pub user: &'a str,
    pub governance: &'a Governance,
    pub keymap: &'a Keymap,
    pub llm_configured: bool,
    /// Ask before acknowledging or resolving an alert (`[alerts] confirm`).
    pub confirm_alert_moves: bool,
    pub status: &'a mut Option<String>,
    pub error: &'a mut Option<String>,
}

impl Cx<'_> {
    pub fn say(&mut self, text: impl Into<String>) {
        *self.status = Some(text.into());
    }

    pub fn refuse(&mut self, text: impl Into<String>) {
        *self.error = Some(text.into());
    }
}

/// What a screen's command asks of the app.
pub enum Outcome {
    /// Not this screen's command: the app's global commands take it.
    Ignored,
    /// Handled; these effects follow (often none).
    Effects(Vec<Effect>),
    /// Open a screen on top, with what it loads.
    Push(Screen, Vec<Effect>),
    /// Close this screen, with these effects.
    Close(Vec<Effect>),
    /// Ask `y` before a change.
    Confirm {
        message: String,
        submission: Box<Submission>,
    },
    /// Show a library tab filtered to this screen's items ("its runs").
    ShowList {
        tab: Tab,
        filters: Filters,
        what: String,
    },
}

impl Outcome {
    /// Handled, with nothing more to do.
    pub fn done() -> Outcome {
        Outcome::Effects(Vec::new())
    }

    pub fn effect(effect: impl Into<Effect>) -> Outcome {
        Outcome::Effects(vec![effect.into()])
    }

    pub fn push((screen, effects): (Screen, Vec<Effect>)) -> Outcome {
        Outcome::Push(screen, effects)
    }

    /// Open a form (its choices load first).
    pub fn form(request: crate::tui::forms::FormRequest) -> Outcome {
        Outcome::effect(Task::OpenForm(request))
    }
}

/// A screen of the app, as the router sees it.
pub trait Component: AsAny {
    fn context(&self) -> Context;
    /// Draws it into `area`.
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect);
    /// Its part of the header's trail.
    fn crumb(&self) -> String;
    /// What it shows, for answers and changes; None: nothing loaded.
    fn key(&self) -> Option<ScreenKey> {
        None
    }
    /// The few commands its hint bar offers.
    fn hints(&self) -> &'static [Command] {
        &[]
    }
    /// Why `command` cannot run now; None when it can (or nothing is loaded
    /// yet, so nothing is known).
    fn unavailable(&self, _command: Command) -> Option<&'static str> {
        None
    }
    fn on_command(&mut self, cx: &mut Cx, command: Command) -> Outcome;
    /// A text screen takes keys itself (commands first, then text); others
    /// answer None and get commands from the keymap.
    fn on_key(&mut self, _cx: &mut Cx, _key: KeyEvent) -> Option<Outcome> {
        None
    }
    /// A prompt being typed at the bottom line: its label and text.
    fn prompt(&self) -> Option<(&'static str, &str)> {
        None
    }
    /// An answer addressed to what it shows; it may open a screen in turn.
    fn on_loaded(&mut self, _cx: &mut Cx, _answer: &Answer) -> Outcome {
        Outcome::done()
    }
    /// What re-reads what it shows (refresh, or a change someone made).
    fn reload(&self) -> Vec<Effect> {
        Vec::new()
    }
    /// Whether these changes concern what it shows.
    fn shows_changed(&self, _changes: &[Change]) -> bool {
        false
    }
    /// What is polled once a second while open.
    fn on_tick(&self) -> Vec<Effect> {
        Vec::new()
    }
    /// A change it asked for was made: Some(effects) closes it.
    fn on_done(&mut self) -> Option<Vec<Effect>> {
        None
    }
    /// A change it asked for was refused: true when it shows why itself.
    fn on_refused(&mut self, _message: &str) -> bool {
        false
    }
    /// A save it asked for collides with a version saved meanwhile: true
    /// when it lets the person choose per place (else it is a refusal).
    fn on_edit_conflict(&mut self, _conflict: &crate::store::EditConflict) -> bool {
        false
    }
    /// The item it shows, as the audit log names it.
    fn audit_scope(&self) -> Option<AuditScope> {
        None
    }
    /// What `y` copies.
    fn copy_text(&self) -> Option<String>;
    /// The fields a user command (`[[commands]]`) reads, as environment
    /// variables: `RUN_ID`, `MODEL`, `RECIPE`, ...
    fn fields(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// What `i` shows whole, as JSON; None: nothing loaded yet.
    fn inspect(&self) -> Option<crate::tui::inspect::Inspected> {
        None
    }
}

/// A component as `Any`, for a test or a tool that knows what it holds.
pub trait AsAny {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl dyn Component {
    /// The component as a `T`, if it is one.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    pub fn downcast_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

/// The next (or previous) of a screen's sections, wrapping around.
pub fn cycle_section<T: Copy + PartialEq>(all: &[T], current: T, forward: bool) -> T {
    all[wrapped_step(all, Some(&current), forward)]
}

/// The metric a chart steps to from the one `shown` (the first when none
/// is), wrapping around; it says "charting loss (2 of 3)". `keys` is not
/// empty.
pub fn step_chart<K: PartialEq + std::fmt::Display>(
    cx: &mut Cx,
    keys: &[K],
    shown: Option<&K>,
    forward: bool,
) -> String {
    let next = wrapped_step(keys, shown, forward);
    cx.say(format!(
        "charting {} ({} of {})",
        keys[next],
        next + 1,
        keys.len()
    ));
    keys[next].to_string()
}

/// Where a step from `current` lands among `all` (not empty), wrapping
/// around; a step from the first when `current` is none of them.
fn wrapped_step<T: PartialEq>(all: &[T], current: Option<&T>, forward: bool) -> usize {
    let i = current
        .and_then(|c| all.iter().position(|x| x == c))
        .unwrap_or(0);
    let n = all.len();
    if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }
}

/// Whether a command moves a cursor or a scroll.
pub fn is_movement(command: Command) -> bool {
    matches!(
        command,
        Command::UP
            | Command::DOWN
            | Command::PAGE_UP
            | Command::PAGE_DOWN
            | Command::TOP
            | Command::BOTTOM
    )
}

/// Moves an index within `0..len` by a command.
pub fn step_index(current: usize, len: usize, command: Command, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match command {
        Command::UP => current.saturating_sub(1),
        Command::DOWN => (current + 1).min(last),
        Command::PAGE_UP => current.saturating_sub(page),
        Command::PAGE_DOWN => (current + page).min(last),
        Command::TOP => 0,
        Command::BOTTOM => last,
        _ => current,
    }
}

/// What a key did to a one-line prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEdit {
    /// esc: the text is cleared and the prompt closed.
    Cleared,
    /// enter (or an arrow): the prompt closes, the text stays.
    Kept,
    Changed,
    Unchanged,
}

/// A key typed into a one-line prompt (a search), as in a shell.
pub fn edit_line(text: &mut String, key: KeyEvent) -> LineEdit {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            text.clear();
            LineEdit::Cleared
        }
        KeyCode::Enter | KeyCode::Down | KeyCode::Up => LineEdit::Kept,
        KeyCode::Backspace if text.pop().is_some() => LineEdit::Changed,
        KeyCode::Char('u') if ctrl => {
            text.clear();
            LineEdit::Changed
        }
        KeyCode::Char(c) if !ctrl => {
            text.push(c);
            LineEdit::Changed
        }
        _ => LineEdit::Unchanged,
    }
}
