//! The chat screen: a conversation about a recipe (or none), the assistant's
//! proposals with apply / reject / edit / diff, and quick-start prompts.

mod view;

use super::DrawCx;
use super::{Answer, Component, Cx, DiffPurpose, DiffScreen, Outcome, Screen, ScreenKey};
use crate::assistant::Proposal;
use crate::domain::diff::{apply_patch, pretty};
use crate::keymap::{Command, Context, Key};
use crate::service::ServiceResult;
use crate::service::chat::{Applied, ChatData};
use crate::store::Change;
use crate::store::ChatMessage;
use crate::tui::effects::Effect;
use crate::tui::effects::{LlmWork, LoadCx, OwnLoad, Task};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

// Its own commands and where its keys are looked up (`[chat]` in
// assets/keymap.toml).
pub const COMPOSE: Command = Command::new("compose", "write a message");
pub const SEND: Command = Command::new("send", "send the message");
pub const NEWLINE: Command = Command::new("newline", "a new line in the message");
pub const TOGGLE_LLM: Command = Command::new(
    "toggle_llm",
    "ask the language model or the offline assistant",
);
pub const REJECT: Command = Command::new("reject", "reject the proposal");
/// The chat.
pub const KEYS: Context = Context::new(
    "chat",
    &[
        Command::BACK,
        Command::OPEN,
        Command::EDIT,
        Command::DIFF,
        Command::APPLY,
        COMPOSE,
        TOGGLE_LLM,
        REJECT,
    ],
)
.runs("in the chat (c in the library, C on a recipe)");
/// Typing a message to the assistant.
pub const INPUT_KEYS: Context =
    Context::new("chat_input", &[Command::BACK, SEND, NEWLINE, TOGGLE_LLM]).typed();

pub struct ChatScreen {
    pub recipe_id: Option<i64>,
    pub data: Option<ChatData>,
    pub messages: Vec<ChatMessage>,
    pub input: TextArea<'static>,
    /// Typing (true) or moving among messages and prompts (false).
    pub typing: bool,
    /// The message (or, with none yet, the quick prompt) under the cursor.
    pub selected: usize,
    pub waiting: bool,
    /// Ask the configured language model instead of the offline rules.
    pub use_llm: bool,
    /// The language model's answer so far, as it streams in.
    pub streaming: Option<String>,
}

/// What a chat key asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatRequest {
    None,
    Send(String),
    Apply {
        message_id: i64,
        request: String,
        proposal: Box<Proposal>,
    },
    Reject(i64),
    Edit(Box<Proposal>),
    Diff(Box<Proposal>),
    Leave,
    /// Stop the language model's answer.
    Cancel,
    ToggleLlm,
}

impl ChatScreen {
    /// The prompts an empty conversation offers, in the recipe's own names.
    pub fn quick_prompts(&self) -> Vec<String> {
        let manifest = self.data.as_ref().and_then(|d| d.manifest.as_ref());
        crate::assistant::quick_prompts_for(manifest)
    }
}

impl ChatScreen {
    /// Whether the selected message carries a proposal still to decide on.
    pub fn proposal_pending(&self) -> bool {
        self.messages.get(self.selected).is_some_and(|m| {
            m.proposal.is_some() && m.status == crate::domain::ChatStatus::Proposed
        })
    }

    pub fn new(recipe_id: Option<i64>) -> ChatScreen {
        ChatScreen {
            recipe_id,
            data: None,
            messages: Vec::new(),
            input: TextArea::default(),
            typing: true,
            selected: 0,
            waiting: false,
            use_llm: false,
            streaming: None,
        }
    }

    pub fn title(&self) -> String {
        match self.data.as_ref().and_then(|d| d.recipe.as_ref()) {
            Some(r) => format!("chat: {}", r.name),
            None => "chat".into(),
        }
    }

    /// The newest proposal still waiting for a decision.
    fn open_proposal(&self) -> Option<(usize, &ChatMessage)> {
        let index = if self.typing {
            None
        } else {
            Some(self.selected)
        };
        let pick = |(i, m): &(usize, &ChatMessage)| {
            m.status == crate::domain::ChatStatus::Proposed && index.is_none_or(|s| s == *i)
        };
        let found = self.messages.iter().enumerate().rev().find(|x| pick(x));
        found.or_else(|| {
            self.messages
                .iter()
                .enumerate()
                .rev()
                .find(|(_, m)| m.status == crate::domain::ChatStatus::Proposed)
        })
    }

    fn proposal_of(m: &ChatMessage) -> Option<Proposal> {
        m.proposal
            .as_ref()
            .and_then(|p| serde_json::from_value(p.clone()).ok())
    }

    /// The user message a proposal answers.
    fn request_before(&self, index: usize) -> String {
        self.messages[..index]
            .iter()
            .rev()
            .find(|m| m.role == crate::domain::ChatRole::User)
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }

    /// Does a chat command (from the keymap of `Chat` or, while typing,
    /// `ChatInput`); `None`: not one of its own, so a key is typed.
    pub fn request_for_command(&mut self, command: Command) -> Option<ChatRequest> {
        if self.streaming.is_some() && command == Command::BACK {
            return Some(ChatRequest::Cancel);
        }
        if command == TOGGLE_LLM {
            return Some(ChatRequest::ToggleLlm);
        }
        if self.typing {
            return self.on_input_command(command);
        }
        let prompts = self.quick_prompts();
        let count = if self.messages.is_empty() {
            prompts.len()
        } else {
            self.messages.len()
        };
        let proposal = || self.open_proposal().and_then(|(_, m)| Self::proposal_of(m));
        Some(match command {
            Command::BACK => ChatRequest::Leave,
            COMPOSE => {
                self.typing = true;
                ChatRequest::None
            }
            Command::UP => {
                self.selected = self.selected.saturating_sub(1);
                ChatRequest::None
            }
            Command::DOWN => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
                ChatRequest::None
            }
            Command::OPEN => {
                // A quick prompt goes into the input, to send or adjust.
                if self.messages.is_empty()
                    && let Some(p) = prompts.get(self.selected)
                {
                    self.input = TextArea::new(vec![p.to_string()]);
                }
                self.typing = true;
                ChatRequest::None
            }
            Command::APPLY => match self
                .open_proposal()
                .map(|(i, m)| (i, m.id, Self::proposal_of(m)))
            {
                Some((i, id, Some(p))) => ChatRequest::Apply {
                    message_id: id,
                    request: self.request_before(i),
                    proposal: Box::new(p),
                },
                _ => ChatRequest::None,
            },
            REJECT => self
                .open_proposal()
                .map(|(_, m)| ChatRequest::Reject(m.id))
                .unwrap_or(ChatRequest::None),
            Command::EDIT => proposal()
                .map(|p| ChatRequest::Edit(Box::new(p)))
                .unwrap_or(ChatRequest::None),
            Command::DIFF => proposal()
                .map(|p| ChatRequest::Diff(Box::new(p)))
                .unwrap_or(ChatRequest::None),
            _ => return None,
        })
    }

    fn on_input_command(&mut self, command: Command) -> Option<ChatRequest> {
        match command {
            Command::BACK => {
                self.typing = false;
                self.selected = self.messages.len().saturating_sub(1);
            }
            NEWLINE => self.input.insert_newline(),
            SEND => {
                let text = self.input.lines().join("\n").trim().to_string();
                if text.is_empty() || self.waiting {
                    return Some(ChatRequest::None);
                }
                self.input = TextArea::default();
                self.waiting = true;
                return Some(ChatRequest::Send(text));
            }
            _ => return None,
        }
        Some(ChatRequest::None)
    }

    /// A key no command claimed: typed into the message (ignored otherwise).
    pub fn request_for_text(&mut self, key: KeyEvent) -> ChatRequest {
        if self.typing {
            self.input.input(key);
        }
        ChatRequest::None
    }
}

/// The chat about a recipe (None: a new one), and its first load.
pub fn open(recipe_id: Option<i64>) -> (Screen, Vec<Effect>) {
    (Box::new(ChatScreen::new(recipe_id)), vec![load(recipe_id)])
}

/// What the chat shows: what it knows of its recipe, and this person's
/// messages about it.
pub struct ChatLoaded {
    data: ChatData,
    history: Vec<ChatMessage>,
}

/// Reads the chat about `recipe_id` (its context and history).
fn load(recipe_id: Option<i64>) -> Effect {
    Effect::Task(Task::Own(reading(recipe_id)))
}

fn reading(recipe_id: Option<i64>) -> OwnLoad {
    OwnLoad::acting(
        ScreenKey::Chat(recipe_id),
        format!("the chat about {recipe_id:?}"),
        move |cx| read(cx, recipe_id),
    )
}

async fn read(cx: LoadCx, recipe_id: Option<i64>) -> ServiceResult<ChatLoaded> {
    let data = crate::service::chat::load(cx.service.store(), recipe_id, &cx.user).await?;
    let history = cx
        .service
        .store()
        .chat_history(recipe_id, &cx.user, 200)
        .await?;
    Ok(ChatLoaded { data, history })
}

/// Asks the offline assistant, keeping both messages, then reads the chat.
fn send(recipe_id: Option<i64>, text: String) -> Effect {
    let what = format!("an answer about {recipe_id:?}");
    Effect::Task(Task::Own(OwnLoad::acting(
        ScreenKey::Chat(recipe_id),
        what,
        move |cx| {
            let text = text.clone();
            async move {
                cx.service
                    .chat_ask(recipe_id, &text, false, &cx.user)
                    .await?;
                read(cx, recipe_id).await
            }
        },
    )))
}

/// A proposal rejected (it was marked so on screen already).
struct Rejected;

fn reject(recipe_id: Option<i64>, message_id: i64) -> Effect {
    Effect::Task(Task::Own(OwnLoad::acting(
        ScreenKey::Chat(recipe_id),
        format!("rejecting message {message_id}"),
        move |cx| async move {
            cx.service.chat_reject(message_id, &cx.user).await?;
            Ok(Rejected)
        },
    )))
}

impl ChatScreen {
    /// A proposal of this chat was applied: marked so, and the chat follows
    /// the recipe it made (or changed), re-read.
    pub fn applied(&mut self, message_id: i64, applied: &Applied) -> Effect {
        if let Some(m) = self.messages.iter_mut().find(|m| m.id == message_id) {
            m.status = crate::domain::ChatStatus::Applied;
        }
        self.recipe_id = self.recipe_id.or(Some(applied.recipe_id));
        load(self.recipe_id)
    }

    /// What the app does for a chat request.
    fn outcome(&mut self, cx: &mut Cx, request: ChatRequest) -> Outcome {
        let recipe_id = self.recipe_id;
        match request {
            ChatRequest::None => Outcome::done(),
            ChatRequest::Send(text) if self.use_llm => {
                self.streaming = Some(String::new());
                Outcome::effect(LlmWork::Ask {
                    recipe_id,
                    text,
                    then: reading(recipe_id),
                })
            }
            ChatRequest::Send(text) => Outcome::effect(send(recipe_id, text)),
            ChatRequest::Cancel => {
                cx.say("cancelled the language model's answer");
                Outcome::effect(LlmWork::Cancel)
            }
            ChatRequest::ToggleLlm => {
                self.toggle_llm(cx);
                Outcome::done()
            }
            ChatRequest::Apply {
                message_id,
                request,
                proposal,
            } => Outcome::effect(Task::ChatApply {
                recipe_id,
                message_id,
                request,
                proposal,
            }),
            ChatRequest::Reject(id) => {
                if let Some(m) = self.messages.iter_mut().find(|m| m.id == id) {
                    m.status = crate::domain::ChatStatus::Rejected;
                }
                cx.say("proposal rejected; nothing changed");
                Outcome::effect(reject(recipe_id, id))
            }
            ChatRequest::Edit(proposal) => self.edit(cx, &proposal),
            ChatRequest::Diff(proposal) => self.diff(&proposal),
            ChatRequest::Leave => Outcome::Close(Vec::new()),
        }
    }

    fn toggle_llm(&mut self, cx: &mut Cx) {
        if !cx.llm_configured {
            cx.say("no language model configured: add [assistant.llm] to config.toml");
            return;
        }
        self.use_llm = !self.use_llm;
        cx.say(if self.use_llm {
            "asking the language model"
        } else {
            "asking the offline assistant"
        });
    }

    /// A proposed edit, opened in the editor over the recipe's latest version.
    fn edit(&self, cx: &mut Cx, proposal: &Proposal) -> Outcome {
        let Some(data) = &self.data else {
            return Outcome::done();
        };
        let (Proposal::Edit { patch, .. }, Some(recipe), Some(manifest)) =
            (proposal, &data.recipe, &data.manifest)
        else {
            cx.say("a new recipe is edited once created: apply it with a, then e on the recipe");
            return Outcome::done();
        };
        let Ok(changed) = apply_patch(manifest, patch) else {
            return Outcome::done();
        };
        let version = data
            .versions
            .first()
            .map(|v| v.number.clone())
            .unwrap_or_default();
        Outcome::push(super::editor::open_with(
            (recipe.id, &recipe.name, recipe.created_at),
            (&version, manifest),
            pretty(&changed) + "\n",
        ))
    }

    /// A proposal as a diff: against the recipe, or a new recipe against
    /// its family's baseline.
    fn diff(&self, proposal: &Proposal) -> Outcome {
        let Some(data) = &self.data else {
            return Outcome::done();
        };
        let (from, to, id) = match (proposal, &data.manifest) {
            (Proposal::Edit { patch, .. }, Some(m)) => match apply_patch(m, patch) {
                Ok(changed) => (
                    m.clone(),
                    changed,
                    data.recipe.as_ref().map(|r| r.id).unwrap_or_default(),
                ),
                Err(_) => return Outcome::done(),
            },
            (
                Proposal::NewRecipe {
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
            _ => return Outcome::done(),
        };
        let screen = DiffScreen::new(
            id,
            "proposed change".into(),
            ("current", &from),
            ("proposed", &to),
            DiffPurpose::Versions,
        );
        Outcome::Push(Box::new(screen), Vec::new())
    }
}

impl Component for ChatScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.keymap, cx.theme, frame, area)
    }

    fn context(&self) -> Context {
        if self.typing { INPUT_KEYS } else { KEYS }
    }

    fn crumb(&self) -> String {
        self.title()
    }

    fn key(&self) -> Option<ScreenKey> {
        Some(ScreenKey::Chat(self.recipe_id))
    }

    fn unavailable(&self, command: Command) -> Option<&'static str> {
        match command {
            Command::APPLY | REJECT | Command::EDIT | Command::DIFF if !self.proposal_pending() => {
                Some("no proposal selected (move to one waiting for an answer)")
            }
            _ => None,
        }
    }

    /// Every key comes through `on_key`.
    fn on_command(&mut self, _cx: &mut Cx, _command: Command) -> Outcome {
        Outcome::Ignored
    }

    /// Its commands (in the input's context while typing) first, then text.
    fn on_key(&mut self, cx: &mut Cx, key: KeyEvent) -> Option<Outcome> {
        let command = cx.keymap.lookup(self.context(), Key::from_event(&key));
        let request = match command.and_then(|c| self.request_for_command(c)) {
            Some(request) => request,
            None => self.request_for_text(key),
        };
        Some(self.outcome(cx, request))
    }

    fn on_loaded(&mut self, cx: &mut Cx, answer: &Answer) -> Outcome {
        if let Some(ChatLoaded { data, history }) = answer.own::<ChatLoaded>() {
            // A live re-read while an answer is awaited brings nothing
            // new of ours: keep waiting for it.
            let grew = history.len() > self.messages.len()
                || history.last().map(|m| m.id) != self.messages.last().map(|m| m.id);
            let kept = self.messages.get(self.selected).map(|m| m.id);
            self.data = Some(data.clone());
            self.messages = history.clone();
            if grew || !self.waiting {
                self.waiting = false;
                self.streaming = None;
            }
            // The selection stays on its message unless ours grew.
            self.selected = match kept.filter(|_| !grew) {
                Some(id) => self.messages.iter().position(|m| m.id == id),
                None => None,
            }
            .unwrap_or(self.messages.len().saturating_sub(1));
            return Outcome::done();
        }
        match answer {
            Answer::ChatToken(token) => {
                if let Some(text) = &mut self.streaming {
                    text.push_str(token);
                }
            }
            Answer::ChatApplied {
                message_id,
                applied,
            } => {
                cx.say(applied.message.clone());
                return Outcome::effect(self.applied(*message_id, applied));
            }
            _ => {}
        }
        Outcome::done()
    }

    fn reload(&self) -> Vec<Effect> {
        vec![load(self.recipe_id)]
    }

    /// Live like every screen: the recipe it is about, its versions (a
    /// proposal's base) and this person's messages (from another window).
    fn shows_changed(&self, changes: &[Change]) -> bool {
        changes.iter().any(|c| {
            c.touches("chat", None)
                || c.touches("recipe_version", None)
                || self
                    .recipe_id
                    .is_some_and(|id| c.touches("recipe", Some(id)))
        })
    }

    fn copy_text(&self) -> Option<String> {
        self.messages.last().map(|m| m.text.clone())
    }
}
