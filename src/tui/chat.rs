//! The chat screen: a conversation about a recipe (or none), the assistant's
//! proposals with apply / reject / edit / diff, and quick-start prompts.

use crate::assistant::Proposal;
use crate::keymap::Command;
use crate::service::chat::ChatData;
use crate::store::ChatMessage;
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

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
    pub fn on_command(&mut self, command: Command) -> Option<ChatRequest> {
        if self.streaming.is_some() && command == Command::Back {
            return Some(ChatRequest::Cancel);
        }
        if command == Command::ToggleLlm {
            return Some(ChatRequest::ToggleLlm);
        }
        if self.typing {
            return self.on_input_command(command);
        }
        let prompts = crate::assistant::quick_prompts();
        let count = if self.messages.is_empty() {
            prompts.len()
        } else {
            self.messages.len()
        };
        let proposal = || self.open_proposal().and_then(|(_, m)| Self::proposal_of(m));
        Some(match command {
            Command::Back => ChatRequest::Leave,
            Command::Compose => {
                self.typing = true;
                ChatRequest::None
            }
            Command::Up => {
                self.selected = self.selected.saturating_sub(1);
                ChatRequest::None
            }
            Command::Down => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
                ChatRequest::None
            }
            Command::Open => {
                // A quick prompt goes into the input, to send or adjust.
                if self.messages.is_empty()
                    && let Some(p) = prompts.get(self.selected)
                {
                    self.input = TextArea::new(vec![p.to_string()]);
                }
                self.typing = true;
                ChatRequest::None
            }
            Command::Apply => match self
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
            Command::Reject => self
                .open_proposal()
                .map(|(_, m)| ChatRequest::Reject(m.id))
                .unwrap_or(ChatRequest::None),
            Command::Edit => proposal()
                .map(|p| ChatRequest::Edit(Box::new(p)))
                .unwrap_or(ChatRequest::None),
            Command::Diff => proposal()
                .map(|p| ChatRequest::Diff(Box::new(p)))
                .unwrap_or(ChatRequest::None),
            _ => return None,
        })
    }

    fn on_input_command(&mut self, command: Command) -> Option<ChatRequest> {
        match command {
            Command::Back => {
                self.typing = false;
                self.selected = self.messages.len().saturating_sub(1);
            }
            Command::Newline => self.input.insert_newline(),
            Command::Send => {
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
    pub fn on_key(&mut self, key: KeyEvent) -> ChatRequest {
        if self.typing {
            self.input.input(key);
        }
        ChatRequest::None
    }
}
