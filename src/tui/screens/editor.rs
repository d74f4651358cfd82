//! The manifest editor: a text area with JSON colouring, bracket-aware
//! indentation, undo/redo, search, validation as you type (off the render
//! path) and a draft kept on disk so nothing typed is lost.

mod view;

use super::DrawCx;
use super::{Answer, Component, Cx, Outcome, Screen, ScreenKey};
use crate::domain::kinds::Bump;
use crate::domain::manifest::ManifestProblem;
use crate::domain::merge::{self, Side};
use crate::domain::version::BumpChoice;
use crate::keymap::{Command, Context, Key, Keymap};
use crate::store::{EditConflict, NewVersion, Recipe, RecipeVersion};
use crate::tui::drafts::Draft;
use crate::tui::effects::Effect;
use crate::tui::effects::{LoadCx, OwnLoad, Task, TerminalWork, Validation};
use crate::tui::submit::Submission;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui_textarea::{CursorMove, TextArea};
use serde_json::Value;

// Its own commands and where its keys are looked up (`[editor]` in
// assets/keymap.toml).
pub const SAVE: Command = Command::new("save", "save as a new version");
pub const NEXT_PROBLEM: Command = Command::new("next_problem", "jump to the next problem");
pub const FIND: Command = Command::new("find", "find text");
pub const FIND_NEXT: Command = Command::new("find_next", "find the next match");
pub const TAKE_MINE: Command = Command::new("take_mine", "keep your value at this place");
pub const TAKE_THEIRS: Command = Command::new(
    "take_theirs",
    "keep the value saved meanwhile at this place",
);
/// The manifest editor.
pub const KEYS: Context = Context::new(
    "editor",
    &[
        Command::BACK,
        Command::EDIT_EXTERNAL,
        SAVE,
        NEXT_PROBLEM,
        FIND,
        FIND_NEXT,
    ],
)
.typed();
/// Choosing, place by place, between one's own save and a version saved meanwhile.
pub const MERGE_KEYS: Context = Context::new(
    "merge",
    &[
        Command::BACK,
        Command::UP,
        Command::DOWN,
        Command::EDIT,
        Command::APPLY,
        TAKE_MINE,
        TAKE_THEIRS,
    ],
);

/// The save dialog: a change note and the bump it will make.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveDialog {
    pub note: String,
    pub bump: BumpChoice,
    /// What `auto` resolves to for this change.
    pub auto: Bump,
    pub error: Option<String>,
    pub saving: bool,
}

/// A save refused because versions saved meanwhile changed the same
/// places: the person picks, place by place, their value or theirs.
#[derive(Debug, Clone, PartialEq)]
pub struct MergePanel {
    pub conflict: Box<EditConflict>,
    /// One per conflicting place, yours by default.
    pub choices: Vec<Side>,
    pub selected: usize,
    /// The save dialog's note, kept for the save after merging.
    pub note: String,
}

impl MergePanel {
    fn new(conflict: Box<EditConflict>, note: String) -> MergePanel {
        MergePanel {
            choices: vec![Side::Mine; conflict.conflicts.len()],
            conflict,
            selected: 0,
            note,
        }
    }

    /// The newest version with this person's changes and the choices made.
    fn settled(&self) -> Value {
        merge::settle(
            &self.conflict.merged,
            &self.conflict.conflicts,
            &self.choices,
        )
    }
}

/// What an editor key asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum EditorRequest {
    None,
    /// The text changed: validate (debounced) and keep the draft.
    Changed,
    /// Save was asked for with this many problems left: nothing is saved.
    Invalid(usize),
    Save {
        manifest: Value,
        bump: BumpChoice,
        note: String,
    },
    Leave,
    /// Discard the draft and leave.
    Discard,
    External,
}

pub struct EditorScreen {
    pub recipe_id: i64,
    /// The recipe's identity beside its id, kept with each draft.
    pub recipe_created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub recipe_name: String,
    pub base_version: String,
    pub base_manifest: Value,
    pub area: TextArea<'static>,
    pub problems: Vec<ManifestProblem>,
    pub problem_index: usize,
    /// Bumped by each edit; validation answers for older text are dropped.
    pub generation: u64,
    pub validated: u64,
    pub dirty: bool,
    /// First line and column shown.
    pub top: usize,
    pub left: usize,
    pub save: Option<SaveDialog>,
    pub confirm_leave: bool,
    /// A draft found on disk, offered for restoring.
    pub offer: Option<Draft>,
    /// Typing a search; Some("") while the prompt is open.
    pub search: Option<String>,
    pub last_search: String,
    /// Choosing between this save and a version saved meanwhile.
    pub merge: Option<MergePanel>,
    /// The note of a save that was merged, offered again by the next save.
    pub kept_note: String,
}

impl EditorScreen {
    pub fn new(
        recipe_id: i64,
        recipe_name: &str,
        base_version: &str,
        manifest: &Value,
        text: Option<String>,
    ) -> EditorScreen {
        let pretty = crate::domain::diff::pretty(manifest);
        let dirty = text.as_ref().is_some_and(|t| *t != pretty);
        let body = text.unwrap_or(pretty);
        let mut area = TextArea::new(body.lines().map(String::from).collect());
        area.set_max_histories(1000);
        EditorScreen {
            recipe_id,
            recipe_created_at: None,
            recipe_name: recipe_name.to_string(),
            base_version: base_version.to_string(),
            base_manifest: manifest.clone(),
            area,
            problems: Vec::new(),
            problem_index: 0,
            generation: 1,
            validated: 0,
            dirty,
            top: 0,
            left: 0,
            save: None,
            confirm_leave: false,
            offer: None,
            search: None,
            last_search: String::new(),
            merge: None,
            kept_note: String::new(),
        }
    }

    pub fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        t.push('\n');
        t
    }

    pub fn cursor(&self) -> (usize, usize) {
        let c = self.area.cursor();
        (c.0, c.1)
    }

    fn replace_text(&mut self, text: &str) {
        self.area = TextArea::new(text.lines().map(String::from).collect());
        self.area.set_max_histories(1000);
        self.generation += 1;
        self.dirty = true;
    }

    /// Whether a dialog or the find prompt has the keys (they are its answers).
    pub fn in_dialog(&self) -> bool {
        self.offer.is_some()
            || self.confirm_leave
            || self.save.is_some()
            || self.search.is_some()
            || self.merge.is_some()
    }

    /// Does an editor command (from the keymap); `None`: not one of its own.
    pub fn request_for_command(&mut self, command: Command) -> Option<EditorRequest> {
        Some(match command {
            Command::BACK if self.dirty => {
                self.confirm_leave = true;
                EditorRequest::None
            }
            Command::BACK => EditorRequest::Leave,
            SAVE => self.open_save(),
            Command::EDIT_EXTERNAL => EditorRequest::External,
            NEXT_PROBLEM => {
                self.jump_to_problem(1);
                EditorRequest::None
            }
            FIND => {
                self.search = Some(String::new());
                EditorRequest::None
            }
            FIND_NEXT => {
                self.find_next();
                EditorRequest::None
            }
            _ => return None,
        })
    }

    /// The keymap context of the dialog that has the keys, if one is open:
    /// the yes/no questions answer as `confirm`, the save dialog and the
    /// find prompt edit as `form`.
    pub fn dialog_context(&self) -> Option<Context> {
        if self.merge.is_some() {
            Some(MERGE_KEYS)
        } else if self.offer.is_some() || self.confirm_leave {
            Some(Context::CONFIRM)
        } else if self.save.is_some() || self.search.is_some() {
            Some(Context::FORM)
        } else {
            None
        }
    }

    /// A key while a dialog is open, with the command the keymap gives it
    /// in the dialog's context.
    pub fn on_dialog_key(&mut self, key: KeyEvent, command: Option<Command>) -> EditorRequest {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.merge.is_some() {
            return self.on_merge_command(command);
        }
        if let Some(draft) = self.offer.take() {
            return match command {
                Some(Command::CONFIRM) => {
                    self.replace_text(&draft.text);
                    EditorRequest::Changed
                }
                // Declining keeps the draft on disk until the next edit replaces it.
                Some(Command::KEEP | Command::BACK) => EditorRequest::None,
                // A stray key (an arrow) answers nothing: the draft is too
                // valuable to lose to it.
                _ => {
                    self.offer = Some(draft);
                    EditorRequest::None
                }
            };
        }
        if self.confirm_leave {
            self.confirm_leave = false;
            return match command {
                Some(Command::CONFIRM) => EditorRequest::Discard,
                Some(Command::KEEP) => EditorRequest::Leave,
                _ => EditorRequest::None,
            };
        }
        if let Some(dialog) = &mut self.save {
            if dialog.saving {
                return EditorRequest::None;
            }
            if command == Some(Command::BACK) {
                self.save = None;
                return EditorRequest::None;
            }
            return save_dialog_key(dialog, key, command, &self.area);
        }
        if let Some(query) = &mut self.search {
            match command {
                Some(Command::BACK) => self.search = None,
                Some(Command::OPEN) => {
                    let q = std::mem::take(query);
                    self.search = None;
                    self.last_search = q;
                    self.find_next();
                }
                _ => match key.code {
                    KeyCode::Backspace => {
                        query.pop();
                    }
                    KeyCode::Char(c) if !ctrl => query.push(c),
                    _ => {}
                },
            }
        }
        EditorRequest::None
    }

    /// A save was refused for places a newer version changed too: the
    /// merge panel opens over the text, which stays as typed.
    pub fn conflicted(&mut self, conflict: Box<EditConflict>) {
        let note = self.save.take().map(|d| d.note).unwrap_or_default();
        self.merge = Some(MergePanel::new(conflict, note));
    }

    fn on_merge_command(&mut self, command: Option<Command>) -> EditorRequest {
        let Some(panel) = &mut self.merge else {
            return EditorRequest::None;
        };
        let last = panel.choices.len().saturating_sub(1);
        match command {
            Some(Command::UP) => panel.selected = panel.selected.saturating_sub(1),
            Some(Command::DOWN) => panel.selected = (panel.selected + 1).min(last),
            Some(TAKE_MINE) => panel.choices[panel.selected] = Side::Mine,
            Some(TAKE_THEIRS) => panel.choices[panel.selected] = Side::Theirs,
            Some(Command::BACK) => self.merge = None,
            Some(Command::EDIT) => {
                let path = panel.conflict.conflicts[panel.selected].path.clone();
                self.kept_note = self.take_merge();
                let row = crate::domain::locate::line_of_pointer(&self.text(), &path);
                self.area
                    .move_cursor(CursorMove::Jump(row.saturating_sub(1) as u16, 0));
                return EditorRequest::Changed;
            }
            Some(Command::APPLY) => {
                let note = self.take_merge();
                self.save = Some(SaveDialog {
                    note,
                    bump: BumpChoice::Auto,
                    auto: crate::domain::version::auto_bump(
                        &self.base_manifest,
                        &serde_json::from_str(&self.text()).unwrap_or_default(),
                    ),
                    error: None,
                    saving: false,
                });
                return EditorRequest::Changed;
            }
            _ => {}
        }
        EditorRequest::None
    }

    /// Puts the settled merge in the text, now based on the newest version;
    /// the note typed before, for the save that follows.
    fn take_merge(&mut self) -> String {
        let Some(panel) = self.merge.take() else {
            return String::new();
        };
        let settled = panel.settled();
        self.replace_text(&(crate::domain::diff::pretty(&settled) + "\n"));
        self.base_version = panel.conflict.latest.clone();
        self.base_manifest = panel.conflict.latest_manifest.clone();
        panel.note
    }

    /// A key the keymap did not claim, with no dialog open: text.
    pub fn request_for_text(&mut self, key: KeyEvent) -> EditorRequest {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => {
                self.newline_with_indent();
                self.changed()
            }
            KeyCode::Char(c @ ('}' | ']')) if !ctrl => {
                self.dedent_before_close();
                self.area.insert_char(c);
                self.changed()
            }
            KeyCode::Tab => {
                self.area.insert_str("  ");
                self.changed()
            }
            _ => {
                if self.area.input(key) {
                    self.changed()
                } else {
                    EditorRequest::None
                }
            }
        }
    }

    fn changed(&mut self) -> EditorRequest {
        self.generation += 1;
        self.dirty = true;
        EditorRequest::Changed
    }

    fn open_save(&mut self) -> EditorRequest {
        if self.validated != self.generation {
            // Validate now rather than wait for the debounce.
            return EditorRequest::Changed;
        }
        if !self.problems.is_empty() {
            return EditorRequest::Invalid(self.problems.len());
        }
        let Ok(manifest) = serde_json::from_str::<Value>(&self.text()) else {
            return EditorRequest::None;
        };
        self.save = Some(SaveDialog {
            note: self.kept_note.clone(),
            bump: BumpChoice::Auto,
            auto: crate::domain::version::auto_bump(&self.base_manifest, &manifest),
            error: None,
            saving: false,
        });
        EditorRequest::None
    }

    /// Enter keeps the current line's indentation, one level more after `{` or `[`.
    fn newline_with_indent(&mut self) {
        let (row, col) = self.cursor();
        let line = self.area.lines().get(row).cloned().unwrap_or_default();
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let before = line.chars().take(col).collect::<String>();
        let opens = before.trim_end().ends_with(['{', '[']);
        self.area.insert_newline();
        self.area.insert_str(&indent);
        if opens {
            self.area.insert_str("  ");
        }
    }

    /// Typing `}` or `]` on a line of only spaces takes one level back.
    fn dedent_before_close(&mut self) {
        let (row, col) = self.cursor();
        let line = self.area.lines().get(row).cloned().unwrap_or_default();
        let before: String = line.chars().take(col).collect();
        if col >= 2 && before.chars().all(|c| c == ' ') {
            self.area.delete_char();
            self.area.delete_char();
        }
    }

    /// Moves the cursor to the next (`step` 1) problem's place.
    pub fn jump_to_problem(&mut self, step: usize) {
        if self.problems.is_empty() {
            return;
        }
        self.problem_index = (self.problem_index + step) % self.problems.len();
        let p = &self.problems[self.problem_index];
        let row = p
            .line
            .unwrap_or_else(|| crate::domain::locate::line_of_pointer(&self.text(), &p.at));
        let (row, col) = (
            row.saturating_sub(1),
            p.column.unwrap_or(1).saturating_sub(1),
        );
        self.area.move_cursor(CursorMove::Jump(
            row.min(u16::MAX as usize) as u16,
            col.min(u16::MAX as usize) as u16,
        ));
    }

    fn find_next(&mut self) {
        let q = self.last_search.to_lowercase();
        if q.is_empty() {
            return;
        }
        let (row, col) = self.cursor();
        let lines: Vec<String> = self.area.lines().iter().map(|l| l.to_lowercase()).collect();
        let n = lines.len();
        for step in 0..=n {
            let r = (row + step) % n.max(1);
            let from = if step == 0 { col + 1 } else { 0 };
            let hay = lines.get(r).map(String::as_str).unwrap_or_default();
            let start = hay
                .char_indices()
                .nth(from)
                .map(|(b, _)| b)
                .unwrap_or(hay.len());
            if let Some(found) = hay[start..].find(&q) {
                let c = hay[..start + found].chars().count();
                self.area.move_cursor(CursorMove::Jump(r as u16, c as u16));
                return;
            }
        }
    }

    /// The validation answer for `generation`; older answers are ignored.
    pub fn validated(&mut self, generation: u64, problems: Vec<ManifestProblem>) {
        if generation != self.generation {
            return;
        }
        self.validated = generation;
        // Schema problems name a place, not a line: find it in this text, for
        // the gutter mark and the jump.
        let text = self.text();
        self.problems = problems
            .into_iter()
            .map(|mut p| {
                if p.line.is_none() {
                    p.line = Some(crate::domain::locate::line_of_pointer(&text, &p.at));
                }
                p
            })
            .collect();
        self.problem_index = self
            .problem_index
            .min(self.problems.len().saturating_sub(1));
    }

    /// Keeps the cursor on screen for a view of `rows` x `cols`.
    pub fn scroll_to_cursor(&mut self, rows: usize, cols: usize) {
        let (row, col) = self.cursor();
        if row < self.top {
            self.top = row;
        } else if rows > 0 && row >= self.top + rows {
            self.top = row + 1 - rows;
        }
        if col < self.left {
            self.left = col;
        } else if cols > 0 && col >= self.left + cols {
            self.left = col + 1 - cols;
        } else if col < cols {
            // Room for the cursor from column 1 (the terminal grew): no
            // sideways scroll is needed.
            self.left = 0;
        }
    }
}

fn save_dialog_key(
    dialog: &mut SaveDialog,
    key: KeyEvent,
    command: Option<Command>,
    area: &TextArea<'static>,
) -> EditorRequest {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match (command, key.code) {
        (Some(Command::OPEN | Command::SUBMIT), _) => {
            let text = area.lines().join("\n");
            match serde_json::from_str::<Value>(&text) {
                Ok(manifest) => {
                    dialog.saving = true;
                    EditorRequest::Save {
                        manifest,
                        bump: dialog.bump,
                        note: dialog.note.trim().to_string(),
                    }
                }
                Err(e) => {
                    dialog.error = Some(format!("{}:{}: not valid JSON", e.line(), e.column()));
                    EditorRequest::None
                }
            }
        }
        (Some(step @ (Command::UP | Command::DOWN)), _) => {
            let order = [
                BumpChoice::Auto,
                BumpChoice::Patch,
                BumpChoice::Minor,
                BumpChoice::Major,
            ];
            let i = order.iter().position(|b| *b == dialog.bump).unwrap_or(0);
            let next = if step == Command::DOWN {
                (i + 1) % 4
            } else {
                (i + 3) % 4
            };
            dialog.bump = order[next];
            EditorRequest::None
        }
        (_, KeyCode::Backspace) => {
            dialog.note.pop();
            EditorRequest::None
        }
        (_, KeyCode::Char(c)) if !ctrl => {
            dialog.note.push(c);
            EditorRequest::None
        }
        _ => EditorRequest::None,
    }
}

/// The editor on a recipe's latest version, offering a draft kept from
/// before, and its first validation.
/// A recipe's latest version, and the draft kept of it if it is worth
/// offering: what its editor opens on.
pub struct Opening {
    pub recipe: Recipe,
    pub version: RecipeVersion,
    pub draft: Option<Draft>,
}

/// Reads what the editor of recipe `id` opens on, for the recipe's screen
/// (which opens the editor with `open`).
pub fn opening(id: i64) -> Effect {
    Effect::Task(Task::Own(OwnLoad::acting(
        ScreenKey::Recipe(id),
        format!("recipe {id}'s editor"),
        move |cx| read_opening(cx, id),
    )))
}

async fn read_opening(cx: LoadCx, id: i64) -> crate::service::ServiceResult<Opening> {
    let recipe = cx.service.store().recipe(id).await?;
    let version = cx.service.store().version(id, None).await?;
    let pretty = crate::domain::diff::pretty(&version.manifest_json);
    // A draft identical to the manifest is nothing to restore; one typed for
    // another recipe of this id (SQLite gives a deleted recipe's id again)
    // is never offered.
    let draft = crate::tui::drafts::read_draft(&cx.drafts_dir, id).filter(|d| {
        d.text.trim_end() != pretty.trim_end()
            && d.recipe_created_at.is_none_or(|at| at == recipe.created_at)
    });
    Ok(Opening {
        recipe,
        version,
        draft,
    })
}

pub fn open(
    recipe: &Recipe,
    version: &RecipeVersion,
    draft: Option<Draft>,
) -> (Screen, Vec<Effect>) {
    let mut editor = EditorScreen::new(
        recipe.id,
        &recipe.name,
        &version.version_number,
        &version.manifest_json,
        None,
    );
    editor.offer = draft;
    editor.recipe_created_at = Some(recipe.created_at);
    with_text(editor)
}

/// The editor on `text` (a chat's proposal, or what $EDITOR gave back) over
/// the recipe's latest version, validated.
pub fn open_with(
    recipe: (i64, &str, chrono::DateTime<chrono::Utc>),
    version: (&str, &Value),
    text: String,
) -> (Screen, Vec<Effect>) {
    let (id, name, created_at) = recipe;
    let mut editor = EditorScreen::new(id, name, version.0, version.1, Some(text));
    editor.recipe_created_at = Some(created_at);
    with_text(editor)
}

fn with_text(editor: EditorScreen) -> (Screen, Vec<Effect>) {
    let effect = editor.validate();
    (Box::new(editor), vec![effect])
}

impl EditorScreen {
    /// Validate the text (after a pause) and keep it as a draft.
    pub fn validate(&self) -> Effect {
        Effect::Task(Task::Validate(Validation {
            recipe_id: self.recipe_id,
            recipe_created_at: self.recipe_created_at,
            generation: self.generation,
            base_version: self.base_version.clone(),
            text: self.text(),
        }))
    }

    /// Text back from $EDITOR replaces the buffer, as a newer generation.
    pub fn take_external(&mut self, text: String) -> Effect {
        let mut fresh = EditorScreen::new(
            self.recipe_id,
            &self.recipe_name,
            &self.base_version,
            &self.base_manifest,
            Some(text),
        );
        fresh.generation = self.generation + 1;
        fresh.recipe_created_at = self.recipe_created_at;
        *self = fresh;
        self.validate()
    }

    /// What a key asks for: an open dialog answers in its own context;
    /// else the editor's commands first, then text.
    pub fn request_for_key(&mut self, keymap: &Keymap, key: KeyEvent) -> EditorRequest {
        let k = Key::from_event(&key);
        match self.dialog_context() {
            Some(context) => self.on_dialog_key(key, keymap.lookup(context, k)),
            None => match keymap
                .lookup(KEYS, k)
                .and_then(|c| self.request_for_command(c))
            {
                Some(request) => request,
                None => self.request_for_text(key),
            },
        }
    }

    /// What the app does for an editor request.
    fn outcome(&mut self, cx: &mut Cx, request: EditorRequest) -> Outcome {
        match request {
            EditorRequest::None => Outcome::done(),
            EditorRequest::Changed => Outcome::effect(self.validate()),
            EditorRequest::Invalid(problems) => {
                let next = cx
                    .keymap
                    .key_for(KEYS, NEXT_PROBLEM)
                    .map(|k| format!(" ({k} goes to the next)"))
                    .unwrap_or_default();
                cx.refuse(format!(
                    "not saved: {problems} problem{} to fix first{next}",
                    if problems == 1 { "" } else { "s" }
                ));
                Outcome::done()
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
                Outcome::effect(Task::Submit(Submission::Commit(NewVersion {
                    recipe_id: self.recipe_id,
                    base_version: Some(self.base_version.clone()),
                    manifest,
                    bump,
                    change_note: note,
                    parent_version_id: None,
                })))
            }
            EditorRequest::Leave => {
                if self.dirty {
                    cx.say("left the editor; the draft is kept for next time");
                }
                Outcome::Close(Vec::new())
            }
            EditorRequest::Discard => {
                cx.say("changes discarded");
                Outcome::Close(vec![Effect::Task(Task::DropDraft(self.recipe_id))])
            }
            EditorRequest::External => Outcome::effect(TerminalWork::ExternalEdit {
                from: ScreenKey::Editor(self.recipe_id),
                recipe_id: self.recipe_id,
                text: self.text(),
            }),
        }
    }
}

impl Component for EditorScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.keymap, cx.theme, frame, area)
    }

    fn context(&self) -> Context {
        KEYS
    }

    fn crumb(&self) -> String {
        format!("edit {}", self.base_version)
    }

    fn key(&self) -> Option<ScreenKey> {
        Some(ScreenKey::Editor(self.recipe_id))
    }

    /// Every key comes through `on_key`.
    fn on_command(&mut self, _cx: &mut Cx, _command: Command) -> Outcome {
        Outcome::Ignored
    }

    fn on_key(&mut self, cx: &mut Cx, key: KeyEvent) -> Option<Outcome> {
        let request = self.request_for_key(cx.keymap, key);
        Some(self.outcome(cx, request))
    }

    fn on_loaded(&mut self, cx: &mut Cx, answer: &Answer) -> Outcome {
        match answer {
            Answer::Validated {
                generation,
                problems,
                draft_error,
            } => {
                if let Some(e) = draft_error {
                    cx.refuse(format!(
                        "the draft cannot be kept on disk, a crash would lose it: {e}"
                    ));
                }
                self.validated(*generation, problems.clone());
                Outcome::done()
            }
            // Text back from $EDITOR goes into the buffer.
            Answer::Edited(text) => Outcome::effect(self.take_external(text.clone())),
            _ => Outcome::done(),
        }
    }

    /// A saved version closes the editor and forgets its draft.
    fn on_done(&mut self) -> Option<Vec<Effect>> {
        Some(vec![Effect::Task(Task::DropDraft(self.recipe_id))])
    }

    /// A save that collides with a version saved meanwhile: choose per place.
    fn on_edit_conflict(&mut self, conflict: &EditConflict) -> bool {
        self.conflicted(Box::new(conflict.clone()));
        true
    }

    /// A refused save shows why in its dialog, which stays open.
    fn on_refused(&mut self, message: &str) -> bool {
        match &mut self.save {
            Some(dialog) => {
                dialog.saving = false;
                dialog.error = Some(message.to_string());
                true
            }
            None => false,
        }
    }

    fn copy_text(&self) -> Option<String> {
        Some(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    /// A key as the app hands it over: a dialog's context, else the
    /// editor's commands, else text (the default keymap).
    fn press(e: &mut EditorScreen, key: KeyEvent) -> EditorRequest {
        use crate::keymap::{KeyTable, Keymap};
        let keymap = Keymap::load(&KeyTable::new()).unwrap();
        e.request_for_key(&keymap, key)
    }

    /// Scrolled sideways in a narrow terminal, the text comes back to
    /// column 1 once the terminal is wide enough for the cursor.
    #[test]
    fn a_wider_view_undoes_the_sideways_scroll() {
        let long = "x".repeat(120);
        let mut e = EditorScreen::new(1, "r", "1.0.0", &json!({ "a": long }), None);
        e.area.move_cursor(CursorMove::Jump(1, 100));
        e.scroll_to_cursor(20, 60);
        assert!(e.left > 0);
        e.scroll_to_cursor(20, 200);
        assert_eq!(e.left, 0);
    }

    #[test]
    fn enter_indents_after_an_opening_bracket_and_closing_dedents() {
        let mut e = EditorScreen::new(1, "r", "1.0.0", &json!({"a": 1}), None);
        e.area.move_cursor(CursorMove::Jump(1, 9));
        e.area.move_cursor(CursorMove::End);
        e.area.insert_str(", \"b\": {");
        press(&mut e, key(KeyCode::Enter));
        assert_eq!(e.area.lines()[2], "    ");
        press(&mut e, key(KeyCode::Char('x')));
        press(&mut e, key(KeyCode::Enter));
        assert_eq!(e.area.lines()[3], "    ");
        press(&mut e, key(KeyCode::Char('}')));
        assert_eq!(e.area.lines()[3], "  }");
        assert!(e.dirty);
    }

    #[test]
    fn stale_validation_answers_are_ignored_and_problems_jump() {
        let mut e = EditorScreen::new(1, "r", "1.0.0", &json!({"a": 1}), None);
        let g = e.generation;
        press(&mut e, key(KeyCode::Char('x')));
        e.validated(g, vec![]);
        assert_ne!(e.validated, e.generation);
        let problem = ManifestProblem {
            at: "2:3".into(),
            message: "m".into(),
            line: Some(2),
            column: Some(3),
        };
        e.validated(e.generation, vec![problem]);
        e.problem_index = 0;
        e.jump_to_problem(0);
        assert_eq!(e.cursor(), (1, 2));
    }

    #[test]
    fn esc_with_changes_asks_and_k_keeps_the_draft() {
        let mut e = EditorScreen::new(1, "r", "1.0.0", &json!({"a": 1}), None);
        assert_eq!(
            e.request_for_command(Command::BACK),
            Some(EditorRequest::Leave)
        );
        press(&mut e, key(KeyCode::Char('x')));
        assert_eq!(
            e.request_for_command(Command::BACK),
            Some(EditorRequest::None)
        );
        assert!(e.confirm_leave);
        assert_eq!(press(&mut e, key(KeyCode::Char('k'))), EditorRequest::Leave);
        e.request_for_command(Command::BACK);
        assert_eq!(
            press(&mut e, key(KeyCode::Char('y'))),
            EditorRequest::Discard
        );
    }

    #[test]
    fn a_valid_buffer_opens_the_save_dialog_with_its_bump() {
        let mut e = EditorScreen::new(
            1,
            "r",
            "1.0.0",
            &json!({"a": 1}),
            Some("{\"a\": 1, \"b\": 2}".into()),
        );
        e.validated(e.generation, vec![]);
        e.request_for_command(SAVE);
        let dialog = e.save.as_ref().unwrap();
        assert_eq!(dialog.auto, Bump::Minor);
        for c in "add b".chars() {
            press(&mut e, key(KeyCode::Char(c)));
        }
        press(&mut e, key(KeyCode::Right));
        match press(&mut e, key(KeyCode::Enter)) {
            EditorRequest::Save {
                manifest,
                bump,
                note,
            } => {
                assert_eq!(manifest, json!({"a": 1, "b": 2}));
                assert_eq!(bump, BumpChoice::Patch);
                assert_eq!(note, "add b");
            }
            other => panic!("{other:?}"),
        }
    }

    /// 1.0.1 by bob set /a to 3 where this save, from 1.0.0, set it to 2.
    fn conflict_at_a(latest: Value) -> Box<EditConflict> {
        use crate::domain::merge::PathConflict;
        Box::new(EditConflict {
            recipe_id: 1,
            recipe: "r".into(),
            base: "1.0.0".into(),
            latest: "1.0.1".into(),
            latest_by: "bob".into(),
            latest_at: chrono::Utc::now(),
            conflicts: vec![PathConflict {
                path: "/a".into(),
                base: Some(json!(1)),
                mine: Some(json!(2)),
                theirs: Some(json!(3)),
            }],
            merged: latest.clone(),
            latest_manifest: latest,
        })
    }

    /// A save refused for a place a newer version changed too: the panel
    /// offers each place, and the choice made is what the next save holds,
    /// based on the newer version, with the note typed before.
    #[test]
    fn a_conflicted_save_is_settled_place_by_place_and_saved_on_the_newer_version() {
        let base = json!({"a": 1, "b": 1});
        let mut e = EditorScreen::new(1, "r", "1.0.0", &base, Some("{\"a\": 2, \"b\": 1}".into()));
        e.validated(e.generation, vec![]);
        e.request_for_command(SAVE);
        for c in "mine".chars() {
            press(&mut e, key(KeyCode::Char(c)));
        }
        e.conflicted(conflict_at_a(json!({"a": 3, "b": 5})));
        assert_eq!(e.dialog_context(), Some(MERGE_KEYS));
        assert_eq!(e.merge.as_ref().unwrap().choices, [Side::Mine]);
        // t keeps theirs at /a; enter puts the merge in the text.
        press(&mut e, key(KeyCode::Char('t')));
        assert_eq!(e.merge.as_ref().unwrap().choices, [Side::Theirs]);
        press(&mut e, key(KeyCode::Enter));
        assert!(e.merge.is_none());
        assert_eq!(e.base_version, "1.0.1");
        assert_eq!(
            serde_json::from_str::<Value>(&e.text()).unwrap(),
            json!({"a": 3, "b": 5})
        );
        match press(&mut e, key(KeyCode::Enter)) {
            EditorRequest::Save { manifest, note, .. } => {
                assert_eq!(manifest, json!({"a": 3, "b": 5}));
                assert_eq!(note, "mine");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn esc_leaves_the_merge_panel_with_the_text_as_typed() {
        let typed = "{\"a\": 2}";
        let mut e = EditorScreen::new(1, "r", "1.0.0", &json!({"a": 1}), Some(typed.into()));
        e.conflicted(conflict_at_a(json!({"a": 3})));
        press(&mut e, key(KeyCode::Esc));
        assert!(e.merge.is_none());
        assert_eq!(e.text().trim(), typed);
        assert_eq!(e.base_version, "1.0.0");
    }
}
