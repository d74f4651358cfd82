//! The chat screen: a conversation about a recipe (or none), the assistant's
//! proposals with apply / reject / edit / diff, and quick-start prompts.

use crate::assistant::Proposal;
use crate::service::chat::ChatData;
use crate::store::ChatMessage;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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

    pub fn on_key(&mut self, key: KeyEvent) -> ChatRequest {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if self.streaming.is_some() && key.code == KeyCode::Esc {
            return ChatRequest::Cancel;
        }
        if key.code == KeyCode::Char('l') && ctrl {
            return ChatRequest::ToggleLlm;
        }
        if self.typing {
            return match key.code {
                KeyCode::Esc => {
                    self.typing = false;
                    self.selected = if self.messages.is_empty() {
                        0
                    } else {
                        self.messages.len() - 1
                    };
                    ChatRequest::None
                }
                // Alt-Enter or Ctrl-J: a new line in the message.
                KeyCode::Enter if alt => {
                    self.input.insert_newline();
                    ChatRequest::None
                }
                KeyCode::Char('j') if ctrl => {
                    self.input.insert_newline();
                    ChatRequest::None
                }
                KeyCode::Enter => {
                    let text = self.input.lines().join("\n").trim().to_string();
                    if text.is_empty() || self.waiting {
                        return ChatRequest::None;
                    }
                    self.input = TextArea::default();
                    self.waiting = true;
                    ChatRequest::Send(text)
                }
                _ => {
                    self.input.input(key);
                    ChatRequest::None
                }
            };
        }
        let prompts = crate::assistant::quick_prompts();
        let count = if self.messages.is_empty() {
            prompts.len()
        } else {
            self.messages.len()
        };
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => ChatRequest::Leave,
            KeyCode::Char('i') | KeyCode::Char('/') => {
                self.typing = true;
                ChatRequest::None
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                ChatRequest::None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
                ChatRequest::None
            }
            KeyCode::Enter if self.messages.is_empty() => {
                // A quick prompt goes into the input, to send or adjust.
                if let Some(p) = prompts.get(self.selected) {
                    self.input = TextArea::new(vec![p.to_string()]);
                    self.typing = true;
                }
                ChatRequest::None
            }
            KeyCode::Enter => {
                self.typing = true;
                ChatRequest::None
            }
            KeyCode::Char('a') => match self
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
            KeyCode::Char('r') => self
                .open_proposal()
                .map(|(_, m)| ChatRequest::Reject(m.id))
                .unwrap_or(ChatRequest::None),
            KeyCode::Char('e') => self
                .open_proposal()
                .and_then(|(_, m)| Self::proposal_of(m))
                .map(|p| ChatRequest::Edit(Box::new(p)))
                .unwrap_or(ChatRequest::None),
            KeyCode::Char('d') => self
                .open_proposal()
                .and_then(|(_, m)| Self::proposal_of(m))
                .map(|p| ChatRequest::Diff(Box::new(p)))
                .unwrap_or(ChatRequest::None),
            _ => ChatRequest::None,
        }
    }
}
