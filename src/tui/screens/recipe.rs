//! A recipe: overview, manifest (tree or JSON), versions (mark, diff,
//! approve) and synthetic example, with the links to its models and runs.

mod view;

use super::DrawCx;
use super::{
    Answer, Component, Cx, DiffPurpose, DiffScreen, Outcome, Screen, ScreenKey, cycle_section,
    is_movement, step_index,
};
use crate::domain::{RecipeStatus, refusals};
use crate::keymap::{Command, Context};
use crate::service::Service;
use crate::service::changes::{ApproveVersion, DeleteRecipe, MoveRecipe};
use crate::service::recipes::{RebasePreview, RecipeDetail};
use crate::store::Change;
use crate::tui::audit::AuditScope;
use crate::tui::effects::Effect;
use crate::tui::effects::{OwnLoad, Task, TerminalWork};
use crate::tui::filters::Filters;
use crate::tui::forms::FormRequest;
use crate::tui::submit::Submission;
use crate::tui::tab::Tab;
use ratatui::Frame;
use ratatui::layout::Rect;

// Its own commands and where its keys are looked up (`[recipe]` in
// assets/keymap.toml).
pub const TOGGLE_VIEW: Command =
    Command::new("toggle_view", "switch between the tree and the JSON").hinted("tree/json");
pub const EXPAND: Command = Command::new("expand", "expand the tree node");
pub const COLLAPSE: Command = Command::new("collapse", "collapse the tree node");
pub const OPEN_PARENT: Command =
    Command::new("open_parent", "open the parent recipe").hinted("parent");
pub const SHOW_MODELS: Command =
    Command::new("show_models", "list this recipe's models").hinted("models");
pub const TRAIN: Command = Command::new(
    "train", // vocabulary: a command's name
    "execute a training run of this recipe (its pipeline, in the background)",
);
pub const APPROVE: Command = Command::new("approve", "approve the version");
pub const REBASE: Command =
    Command::new("rebase", "rebase on the parent's newest approved version");
pub const CLONE_RECIPE: Command = Command::new("clone", "clone into a child recipe");
pub const ARCHIVE: Command = Command::new("archive", "archive or restore");
pub const DELETE: Command = Command::new("delete", "delete");
pub const EDIT_EXAMPLE: Command =
    Command::new("edit_example", "create or replace the synthetic example");
pub const REGISTER: Command = Command::new("register", "register a model from this recipe");
/// A recipe's screen.
pub const KEYS: Context = Context::new(
    "recipe",
    &[
        Command::NEXT_SECTION,
        Command::PREV_SECTION,
        TOGGLE_VIEW,
        EXPAND,
        COLLAPSE,
        OPEN_PARENT,
        SHOW_MODELS,
        Command::SHOW_RUNS,
        TRAIN,
        Command::EDIT,
        Command::EDIT_EXTERNAL,
        Command::MARK,
        Command::DIFF,
        APPROVE,
        REBASE,
        CLONE_RECIPE,
        REGISTER,
        Command::NEW_ITEM,
        ARCHIVE,
        DELETE,
        Command::EDIT_DETAILS,
        EDIT_EXAMPLE,
        Command::CHAT,
    ],
)
.runs("on a recipe (open one with enter in Recipes)");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipeSection {
    Overview,
    Manifest,
    Versions,
    Example,
}

impl RecipeSection {
    pub const ALL: [RecipeSection; 4] = [
        RecipeSection::Overview,
        RecipeSection::Manifest,
        RecipeSection::Versions,
        RecipeSection::Example,
    ];
    pub fn title(self) -> &'static str {
        match self {
            RecipeSection::Overview => "Overview",
            RecipeSection::Manifest => "Manifest",
            RecipeSection::Versions => "Versions",
            RecipeSection::Example => "Synthetic Example",
        }
    }
}

pub struct RecipeScreen {
    pub id: i64,
    pub detail: Option<RecipeDetail>,
    pub section: RecipeSection,
    pub manifest_as_tree: bool,
    pub tree: tui_tree_widget::TreeState<String>,
    pub scroll: usize,
    pub version_selected: usize,
    /// The version (by number, so a new version arriving keeps the mark on
    /// it) marked with space, to diff against the selected one.
    pub marked: Option<String>,
}

/// The recipe screen for `id`, and its first load.
pub fn open(id: i64) -> (Screen, Vec<Effect>) {
    let screen = RecipeScreen {
        id,
        detail: None,
        section: RecipeSection::Overview,
        manifest_as_tree: true,
        tree: tui_tree_widget::TreeState::default(),
        scroll: 0,
        version_selected: 0,
        marked: None,
    };
    (Box::new(screen), vec![load(id)])
}

/// What rebasing on the parent's newest approved version would do.
fn plan_rebase(id: i64) -> Task {
    let read = move |service: Service| async move {
        let recipe = service.store().recipe(id).await?;
        service.plan_rebase(&recipe, None).await
    };
    Task::Own(OwnLoad::new(ScreenKey::Recipe(id), "a rebase plan", read))
}

/// The recipe with its versions, children, models and example.
fn load(id: i64) -> Effect {
    let read = move |service: Service| async move { service.recipe_detail(id).await };
    Effect::Task(Task::Own(OwnLoad::new(
        ScreenKey::Recipe(id),
        format!("recipe {id}"),
        read,
    )))
}

const HINTS: &[Command] = &[
    Command::NEXT_SECTION,
    Command::EDIT,
    APPROVE,
    CLONE_RECIPE,
    REGISTER,
    TRAIN,
    Command::DIFF,
    Command::BACK,
    Command::HELP,
];

impl RecipeScreen {
    /// The recipe as loaded; the first load opens the tree's top sections.
    fn take(&mut self, detail: &RecipeDetail) -> Outcome {
        let first = self.detail.is_none();
        self.detail = Some(detail.clone());
        if first {
            for section in crate::domain::manifest::SECTIONS {
                self.tree.open(vec![section.to_string()]);
            }
            self.tree.select_first();
        }
        Outcome::done()
    }

    /// The version approve and register act on: the selected one in
    /// Versions, else the latest.
    fn target_index(&self) -> usize {
        if self.section == RecipeSection::Versions {
            self.version_selected
        } else {
            0
        }
    }

    fn in_tree(&self) -> bool {
        self.section == RecipeSection::Manifest && self.manifest_as_tree
    }

    fn tree_command(&mut self, command: Command) -> bool {
        match command {
            Command::UP => self.tree.key_up(),
            Command::DOWN => self.tree.key_down(),
            EXPAND => self.tree.key_right(),
            COLLAPSE => self.tree.key_left(),
            Command::TOP => self.tree.select_first(),
            Command::BOTTOM => self.tree.select_last(),
            _ => return false,
        };
        true
    }

    fn toggle_mark(&mut self, cx: &mut Cx) {
        let Some(number) = self
            .detail
            .as_ref()
            .and_then(|d| d.versions.get(self.version_selected))
            .map(|v| v.version_number.clone())
        else {
            return;
        };
        if self.marked.as_deref() == Some(number.as_str()) {
            self.marked = None;
            cx.say(format!("{number} unmarked"));
        } else {
            cx.say(format!(
                "{number} marked: d compares the selected version with it"
            ));
            self.marked = Some(number);
        }
    }

    fn diff(&mut self, cx: &mut Cx) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        if self.section != RecipeSection::Versions {
            self.section = RecipeSection::Versions;
            return Outcome::done();
        }
        let selected = self.version_selected;
        // Versions are newest first: the one after is the predecessor.
        let marked = self
            .marked
            .as_deref()
            .and_then(|m| d.versions.iter().position(|v| v.version_number == m));
        let other = marked.filter(|m| *m != selected).unwrap_or(selected + 1);
        let (old, new) = (selected.max(other), selected.min(other));
        let (Some(a), Some(b)) = (d.versions.get(old), d.versions.get(new)) else {
            cx.say("the first version has nothing before it: mark another with space");
            return Outcome::done();
        };
        let screen = DiffScreen::new(
            self.id,
            format!("diff {} → {}", a.version_number, b.version_number),
            (&a.version_number, &a.manifest_json),
            (&b.version_number, &b.manifest_json),
            DiffPurpose::Versions,
        );
        Outcome::Push(Box::new(screen), vec![])
    }

    fn approve(&self, cx: &mut Cx) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        let Some(v) = d.versions.get(self.target_index()) else {
            return Outcome::done();
        };
        if let Some(why) = cx.governance.approval_refusal(
            &v.created_by,
            cx.user,
            &v.version_number,
            &d.recipe.name,
        ) {
            cx.refuse(why);
            return Outcome::done();
        }
        let rule = if cx.governance.distinct_approver {
            "Four-eyes is on: its author could not approve it."
        } else {
            "Four-eyes is off: authors may approve their own versions."
        };
        // Whose version it is, named once: yours, or its author's.
        let whose = if v.created_by == cx.user {
            "your own version".to_string()
        } else {
            format!("{}'s version", v.created_by)
        };
        Outcome::Confirm {
            message: format!(
                "Approve {whose} {} of '{}'? {rule}",
                v.version_number, d.recipe.name
            ),
            submission: Box::new(Submission::Approve(ApproveVersion {
                recipe: self.id,
                version: Some(v.version_number.clone()),
            })),
        }
    }

    fn archive_or_restore(&self) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        if d.recipe.status == RecipeStatus::Archived {
            return Outcome::effect(Task::Submit(Submission::MoveRecipe(MoveRecipe {
                recipe: self.id,
                to: RecipeStatus::Draft,
                seen: Some(d.recipe.status),
            })));
        }
        Outcome::Confirm {
            message: format!(
                "Archive '{}'? It will take no new versions or models until restored.",
                d.recipe.name
            ),
            submission: Box::new(Submission::MoveRecipe(MoveRecipe {
                recipe: self.id,
                to: RecipeStatus::Archived,
                seen: Some(d.recipe.status),
            })),
        }
    }

    /// Asks before deleting, unless what depends on the recipe keeps it.
    fn delete(&self, cx: &mut Cx) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        if let Some(why) = &d.deletion_blocked {
            cx.refuse(why.clone());
            return Outcome::done();
        }
        Outcome::Confirm {
            message: format!(
                "Delete '{}' and its {} version(s)? This cannot be undone.",
                d.recipe.name,
                d.versions.len()
            ),
            submission: Box::new(Submission::DeleteRecipe(DeleteRecipe { recipe: self.id })),
        }
    }

    fn show_list(&self, tab: Tab) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        let name = d.recipe.name.clone();
        let what = format!("{}s of '{name}'", tab.noun());
        Outcome::ShowList {
            tab,
            filters: Filters {
                recipe: Some((d.recipe.id, name)),
                ..Filters::default()
            },
            what,
        }
    }

    /// An editor over the latest version, holding `text` from $EDITOR.
    fn edited(&self, text: &str) -> Outcome {
        let Some((d, v)) = self
            .detail
            .as_ref()
            .and_then(|d| d.versions.first().map(|v| (d, v)))
        else {
            return Outcome::done();
        };
        let recipe = (self.id, d.recipe.name.as_str(), d.recipe.created_at);
        Outcome::push(super::editor::open_with(
            recipe,
            (&v.version_number, &v.manifest_json),
            text.to_string(),
        ))
    }

    fn external_edit(&self) -> Outcome {
        match self.detail.as_ref().and_then(|d| d.versions.first()) {
            Some(v) => Outcome::effect(TerminalWork::ExternalEdit {
                from: ScreenKey::Recipe(self.id),
                recipe_id: self.id,
                text: crate::domain::diff::pretty(&v.manifest_json) + "\n",
            }),
            None => Outcome::done(),
        }
    }
}

impl Component for RecipeScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.theme, frame, area)
    }

    fn context(&self) -> Context {
        KEYS
    }

    fn crumb(&self) -> String {
        self.detail
            .as_ref()
            .map(|d| d.recipe.name.clone())
            .unwrap_or_else(|| format!("recipe {}", self.id))
    }

    fn key(&self) -> Option<ScreenKey> {
        Some(ScreenKey::Recipe(self.id))
    }

    fn hints(&self) -> &'static [Command] {
        HINTS
    }

    fn unavailable(&self, command: Command) -> Option<&'static str> {
        let d = self.detail.as_ref()?;
        let target = d.versions.get(self.target_index());
        match command {
            Command::EDIT | Command::EDIT_EXTERNAL | REGISTER | APPROVE => {
                refusals::archived(d.recipe.status).or(match command {
                    APPROVE => {
                        refusals::approved_already(target.and_then(|v| v.approved_by.as_deref()))
                    }
                    REGISTER => refusals::nothing_approved(d.recipe.approved_version.as_deref()),
                    _ => None,
                })
            }
            Command::DIFF if d.versions.len() < 2 => Some("only one version: nothing to compare"),
            Command::MARK if self.section != RecipeSection::Versions => {
                Some("marks a version in the Versions section")
            }
            REBASE if d.parent_update.is_none() => Some("the parent has no newer approved version"),
            OPEN_PARENT => refusals::no_parent(d.recipe.parent_id),
            _ => None,
        }
    }

    fn on_command(&mut self, cx: &mut Cx, command: Command) -> Outcome {
        if self.in_tree() && self.tree_command(command) {
            return Outcome::done();
        }
        match command {
            Command::NEXT_SECTION | Command::PREV_SECTION => {
                let forward = command == Command::NEXT_SECTION;
                self.section = cycle_section(&RecipeSection::ALL, self.section, forward);
                self.scroll = 0;
            }
            TOGGLE_VIEW => self.manifest_as_tree = !self.manifest_as_tree,
            c if is_movement(c) && self.section == RecipeSection::Versions => {
                let n = self.detail.as_ref().map_or(0, |d| d.versions.len());
                self.version_selected = step_index(self.version_selected, n, c, cx.page);
            }
            c if is_movement(c) => {
                self.scroll = step_index(self.scroll, usize::MAX / 2, c, cx.page);
            }
            OPEN_PARENT => {
                if let Some(p) = self.detail.as_ref().and_then(|d| d.recipe.parent_id) {
                    return Outcome::push(open(p));
                }
            }
            Command::EDIT => return Outcome::effect(super::editor::opening(self.id)),
            Command::CHAT => return Outcome::push(super::chat::open(Some(self.id))),
            Command::EDIT_EXTERNAL => return self.external_edit(),
            Command::MARK if self.section == RecipeSection::Versions => self.toggle_mark(cx),
            Command::DIFF => return self.diff(cx),
            APPROVE => return self.approve(cx),
            REBASE => return Outcome::effect(plan_rebase(self.id)),
            CLONE_RECIPE => return Outcome::form(FormRequest::Clone(self.id)),
            REGISTER => return Outcome::form(FormRequest::Register(self.id)),
            Command::EDIT_DETAILS => return Outcome::form(FormRequest::EditRecipe(self.id)),
            EDIT_EXAMPLE => return Outcome::form(FormRequest::PutExample(self.id)),
            Command::NEW_ITEM => {
                return Outcome::form(FormRequest::CreateRun {
                    recipe_id: Some(self.id),
                    model_id: None,
                });
            }
            ARCHIVE => return self.archive_or_restore(),
            DELETE => return self.delete(cx),
            SHOW_MODELS => return self.show_list(Tab::Models),
            Command::SHOW_RUNS => return self.show_list(Tab::Runs),
            TRAIN => {
                return Outcome::effect(Task::Submit(Submission::ExecRun {
                    recipe_id: self.id,
                    model_id: None,
                    run_type: crate::domain::RunType::Train,
                }));
            }
            _ => return Outcome::Ignored,
        }
        Outcome::done()
    }

    fn on_loaded(&mut self, cx: &mut Cx, answer: &Answer) -> Outcome {
        if let Some(detail) = answer.own::<RecipeDetail>() {
            return self.take(detail);
        }
        if let Some(preview) = answer.own::<RebasePreview>() {
            let diff = super::diff::rebase_preview(self.id, preview.clone());
            return Outcome::Push(diff, Vec::new());
        }
        if let Some(o) = answer.own::<super::editor::Opening>() {
            // The message of the screen left behind does not follow.
            *cx.status = None;
            return Outcome::push(super::editor::open(&o.recipe, &o.version, o.draft.clone()));
        }
        match answer {
            // Text back from $EDITOR opens an editor over the version shown.
            Answer::Edited(text) => self.edited(text),
            _ => Outcome::done(),
        }
    }

    fn reload(&self) -> Vec<Effect> {
        vec![load(self.id)]
    }

    fn shows_changed(&self, changes: &[Change]) -> bool {
        // Its versions, example and models are part of the recipe's screen.
        changes.iter().any(|c| {
            c.touches("recipe", Some(self.id))
                || c.touches("recipe_version", None)
                || c.touches("example", None)
                || c.touches("model", None)
        })
    }

    fn audit_scope(&self) -> Option<AuditScope> {
        Some(AuditScope {
            entity: "recipe",
            id: self.id,
        })
    }

    fn copy_text(&self) -> Option<String> {
        match (&self.detail, self.section) {
            (Some(d), RecipeSection::Manifest) => d
                .versions
                .first()
                .map(|v| crate::domain::diff::pretty(&v.manifest_json)),
            _ => Some(self.id.to_string()),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        self.detail
            .as_ref()
            .map(|d| crate::tui::fields::recipe(&d.recipe))
            .unwrap_or_default()
    }

    /// The recipe and one version whole: the selected one in Versions,
    /// else the newest.
    fn inspect(&self) -> Option<crate::tui::inspect::Inspected> {
        let d = self.detail.as_ref()?;
        let at = match self.section {
            RecipeSection::Versions => self.version_selected,
            _ => 0,
        };
        let version = d.versions.get(at).or(d.versions.first());
        let title = match version {
            Some(v) => format!(
                "recipe {} · {} {}",
                d.recipe.id, d.recipe.name, v.version_number
            ),
            None => format!("recipe {} · {}", d.recipe.id, d.recipe.name),
        };
        Some(crate::tui::inspect::Inspected::json(
            title,
            &serde_json::json!({ "recipe": d.recipe, "version": version }),
        ))
    }
}
