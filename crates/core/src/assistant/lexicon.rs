//! The words requests are made of: openers to skip and the verbs and nouns
//! that name an operation, shared by every intent.

use super::text::Tokens;

/// Openers that carry no meaning ("please", "could you").
pub const POLITE: &[&str] = &[
    "please",
    "pls",
    "kindly",
    "hey",
    "hi",
    "hello",
    "ok",
    "okay",
    "so",
    "now",
    "then",
    "also",
    "and",
    "assistant",
    "can you",
    "could you",
    "would you",
    "will you",
    "can we",
    "could we",
    "can i",
    "could i",
    "i want to",
    "i would like to",
    "id like to",
    "i wanna",
    "i need to",
    "we need to",
    "i want you to",
    "lets",
    "let us",
    "go ahead and",
    "help me",
    "just",
    "actually",
];

pub const ADD_VERBS: &[&str] = &[
    "add",
    "include",
    "append",
    "insert",
    "put",
    "introduce",
    "attach",
    "plus",
];

pub const REMOVE_VERBS: &[&str] = &[
    "remove",
    "delete",
    "drop",
    "exclude",
    "rm",
    "del",
    "erase",
    "discard",
    "eliminate",
    "get rid of",
    "take out",
    "stop using",
    "without",
];

pub const QUESTION_WORDS: &[&str] = &[
    "what",
    "whats",
    "which",
    "why",
    "how",
    "hows",
    "when",
    "whens",
    "where",
    "who",
    "whos",
    "show",
    "list",
    "describe",
    "explain",
    "tell",
    "summarize",
    "summarise",
    "summary",
    "is",
    "are",
    "does",
    "do",
    "did",
    "has",
    "have",
    "was",
    "were",
    "give",
    "display",
    "print",
    "view",
    "see",
    "overview",
    "status",
    "whats",
    "wheres",
];

pub const CREATE_VERBS: &[&str] = &[
    "create",
    "build",
    "make",
    "start",
    "develop",
    "design",
    "need",
    "want",
    "set up",
    "setup",
    "spin up",
    "scaffold",
    "draft",
    "generate",
    "bootstrap",
    "new",
    "give me",
    "get",
    "prepare",
];

pub const MODEL_NOUNS: &[&str] = &["model", "recipe", "forecaster", "pipeline", "manifest"];

/// The index of the first word after polite openers.
pub fn start(t: &Tokens) -> usize {
    let mut i = 0;
    loop {
        while i < t.len() && t.toks[i].punct {
            i += 1;
        }
        let hit = POLITE
            .iter()
            .filter(|p| t.find_phrase(p, i) == Some(i))
            .map(|p| p.split(' ').count())
            .max();
        match hit {
            Some(n) => i += n,
            None => return i,
        }
    }
}

/// Is one of `verbs` the word at `i`?
pub fn verb_at(t: &Tokens, i: usize, verbs: &[&str]) -> Option<usize> {
    verbs
        .iter()
        .filter(|v| t.find_phrase(v, i) == Some(i))
        .map(|v| v.split(' ').count())
        .max()
}
