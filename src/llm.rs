//! The optional language-model backend of the chat assistant: any
//! OpenAI-compatible chat-completions endpoint (Ollama, llama.cpp, vLLM,
//! OpenAI, ...) is asked for an explanation and an RFC 6902 patch of the
//! current manifest.
//!
//! The offline assistant stays the default; this adapter runs only when
//! `[assistant.llm]` is configured. Replies stream token by token from a
//! spawned task, so the UI never waits on the network, and a proposed patch
//! is applied and validated against the manifest schema here, before the app
//! may offer it: a model's answer is never trusted as it comes.

use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Seconds to wait when `timeout_secs` is not configured.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// Ollama's OpenAI-compatible endpoint, the usual local server.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:11434/v1";

/// A whole answer larger than this is not a manifest edit; stop reading.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// How much of a server's error body is read to find its message.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Longest server message shown, so every error stays one readable line.
const MAX_MESSAGE_CHARS: usize = 240;

/// `[assistant.llm]` in the config file.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// The API root including its version, e.g. `http://127.0.0.1:11434/v1`
    /// (Ollama) or `https://api.openai.com/v1`; `/chat/completions` is appended.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The model's name as the server knows it, e.g. `qwen2.5:7b`, `gpt-4o-mini`.
    pub model: String,
    /// The NAME of the environment variable holding the API key, never the key
    /// itself, so config files can be shared. Absent for local servers.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Seconds to wait for the server to start answering, and at most between
    /// two pieces of the stream (a long answer that keeps coming is not cut).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_string()
}

fn default_timeout_secs() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

impl LlmConfig {
    /// A config with the defaults for everything but the server and model.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key_env: None,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
        }
    }

    /// The URL requests are sent to.
    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.shown_url())
    }

    /// The base URL as named in messages.
    fn shown_url(&self) -> &str {
        self.base_url.trim().trim_end_matches('/')
    }

    fn timeout(&self) -> Duration {
        // Zero would fail every request at once; treat it as the shortest wait.
        Duration::from_secs(self.timeout_secs.max(1))
    }

    /// The API key from the environment; an error when the configured
    /// variable is missing, so the user is not left with a puzzling 401.
    fn api_key(&self) -> Result<Option<String>, LlmError> {
        let Some(name) = self.api_key_env.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if name.is_empty() {
            return Ok(None);
        }
        match std::env::var(name) {
            Ok(key) if !key.trim().is_empty() => Ok(Some(key.trim().to_string())),
            _ => Err(LlmError::Config(format!(
                "the environment variable {name} (api_key_env) holds no API key"
            ))),
        }
    }
}

/// Who said a line of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    /// The role's name in the chat-completions API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// Everything the model is told for one message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LlmRequest {
    /// The current recipe's effective manifest, if a recipe is open.
    pub manifest: Option<Value>,
    /// The manifest JSON Schema as text (`domain::manifest::SCHEMA_TEXT`).
    pub schema: String,
    /// Earlier turns of the conversation, oldest first.
    pub history: Vec<(Role, String)>,
    /// The user's new message.
    pub message: String,
}

/// A complete, checked answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmAnswer {
    /// What the model says, for the user to read.
    pub explanation: String,
    /// A patch of the request's manifest that applies and validates; `None`
    /// for a plain answer or a patch that changes nothing.
    pub patch: Option<json_patch::Patch>,
    /// The manifest with `patch` applied (present exactly when `patch` is).
    pub manifest_after: Option<Value>,
}

impl LlmAnswer {
    /// One line per operation, e.g. `replace /evaluation/metrics/0/threshold`,
    /// for a proposal's summary.
    pub fn summary(&self) -> Vec<String> {
        self.patch
            .as_ref()
            .map(|p| {
                crate::domain::diff::changed_paths(p)
                    .into_iter()
                    .map(|(op, path)| format!("{op} {path}"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// What a running request reports, in order: tokens, then one `Done` or `Failed`.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmEvent {
    /// The next piece of the answer's text, as it arrives.
    Token(String),
    /// The whole answer, parsed and checked.
    Done(LlmAnswer),
    /// Why there is no usable answer.
    Failed(LlmError),
}

/// Why the language model gave no usable answer. Every message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The configuration cannot be used (bad URL, missing API key).
    #[error("the language model is not set up: {0}; the offline assistant still works")]
    Config(String),
    #[error(
        "the language model at {url} is unreachable: {reason}; the offline assistant still works"
    )]
    Unreachable { url: String, reason: String },
    /// No answer, or no further piece of it, within `timeout_secs`.
    #[error(
        "the language model at {url} did not answer within {secs} s; the offline assistant still works"
    )]
    Timeout { url: String, secs: u64 },
    /// HTTP 401 or 403.
    #[error("the language model at {url} rejected the request (HTTP {status}): {message}; {hint}")]
    Unauthorized {
        url: String,
        status: u16,
        message: String,
        hint: String,
    },
    /// HTTP 404: usually an unknown model, sometimes a base URL without `/v1`.
    #[error(
        "the language model at {url} has no model '{model}' or no chat-completions endpoint (HTTP 404): {message}"
    )]
    ModelNotFound {
        url: String,
        model: String,
        message: String,
    },
    /// HTTP 429.
    #[error(
        "the language model at {url} is rate-limiting requests (HTTP 429): {message}; try again later"
    )]
    RateLimited { url: String, message: String },
    /// Any other HTTP error, 5xx included.
    #[error("the language model at {url} failed (HTTP {status}): {message}")]
    Http {
        url: String,
        status: u16,
        message: String,
    },
    /// An error object sent inside an otherwise successful stream.
    #[error("the language model at {url} reported an error: {message}")]
    Reported { url: String, message: String },
    /// The stream ended early or could not be read.
    #[error("the language model's answer broke off: {0}")]
    BrokenStream(String),
    /// A content filter, an explicit refusal or an empty answer.
    #[error("the language model gave no answer: {0}")]
    Refused(String),
    /// The patch is not RFC 6902, or does not apply to the manifest.
    #[error("the language model proposed an unusable change: {0}")]
    InvalidPatch(String),
    /// The patched manifest fails the schema; one entry per problem.
    #[error(
        "the language model's change would make the manifest invalid: {}",
        summarize(.0)
    )]
    InvalidManifest(Vec<String>),
}

fn summarize(problems: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = problems
        .iter()
        .take(SHOWN)
        .map(|p| one_line(p))
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        text.push_str(&format!("; and {} more", problems.len() - SHOWN));
    }
    text
}

/// A request in flight. Dropping it, or [`LlmStream::cancel`], aborts the
/// HTTP request.
#[derive(Debug)]
pub struct LlmStream {
    events: mpsc::UnboundedReceiver<LlmEvent>,
    task: Option<JoinHandle<()>>,
}

impl LlmStream {
    /// The next event; `None` once the request has finished or was cancelled.
    pub async fn recv(&mut self) -> Option<LlmEvent> {
        self.events.recv().await
    }

    /// The next event if one is ready, for a draw loop that must not wait.
    pub fn try_recv(&mut self) -> Option<LlmEvent> {
        self.events.try_recv().ok()
    }

    /// Aborts the request (Esc in the app). No event is delivered afterwards,
    /// even one that was already queued, so a cancelled answer never lands.
    pub fn cancel(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        // Closing first makes any send racing with the abort fail.
        self.events.close();
        while self.events.try_recv().is_ok() {}
    }
}

impl futures::Stream for LlmStream {
    type Item = LlmEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<LlmEvent>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for LlmStream {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Sends `request` to the configured model on a spawned task and returns at
/// once. Must be called within a Tokio runtime; outside one the stream
/// reports a `Config` failure instead of panicking.
pub fn start(config: &LlmConfig, request: LlmRequest) -> LlmStream {
    let (tx, events) = mpsc::unbounded_channel();
    let task = match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            let config = config.clone();
            Some(runtime.spawn(async move {
                let last = match run(&config, &request, &tx).await {
                    Ok(answer) => LlmEvent::Done(answer),
                    Err(e) => LlmEvent::Failed(e),
                };
                // A closed channel means the app cancelled; nobody to tell.
                let _ = tx.send(last);
            }))
        }
        Err(_) => {
            let _ = tx.send(LlmEvent::Failed(LlmError::Config(
                "it was started outside the async runtime".to_string(),
            )));
            None
        }
    };
    LlmStream { events, task }
}

/// The system prompt: the rules of the answer, the schema and the manifest.
pub fn system_prompt(request: &LlmRequest) -> String {
    let manifest = match &request.manifest {
        Some(m) => format!(
            "The current recipe's manifest:\n```json\n{}\n```",
            crate::domain::diff::pretty(m)
        ),
        None => "No recipe is open, so there is no manifest to change: answer questions only, \
                 always with \"patch\": []."
            .to_string(),
    };
    format!(
        "You are the assistant inside nexml, a terminal workspace for ML model development. \
Each recipe is a JSON manifest with seven sections (metadata, requirements, pipeline, \
evaluation, lineage, deployment, monitoring). Users ask questions about the current recipe or \
ask for changes to it in plain language.

How to answer:
- End every answer with exactly one JSON object in a ```json fenced block, with nothing after it:
  {{\"explanation\": \"<what you changed and why, or the answer to the question, in a few sentences>\", \"patch\": [<RFC 6902 JSON Patch operations>]}}
- The patch applies to the current manifest below. Paths are JSON Pointers such as \
/evaluation/metrics/0/threshold; array items are addressed by index and \"/-\" appends.
- The patched manifest must still validate against the JSON Schema below: keep required keys \
and use only allowed values.
- Change only what the user asked for. For a question, or a change you cannot make, explain \
in \"explanation\" and use \"patch\": [].

The manifest JSON Schema:
```json
{schema}
```

{manifest}",
        schema = request.schema.trim(),
    )
}

/// The chat-completions request body.
fn request_body(config: &LlmConfig, request: &LlmRequest) -> Value {
    let mut messages = vec![json!({"role": "system", "content": system_prompt(request)})];
    for (role, text) in &request.history {
        messages.push(json!({"role": role.as_str(), "content": text}));
    }
    messages.push(json!({"role": "user", "content": request.message}));
    json!({"model": config.model, "stream": true, "messages": messages})
}

/// One request from start to checked answer; tokens go to `tx` as they come.
async fn run(
    config: &LlmConfig,
    request: &LlmRequest,
    tx: &mpsc::UnboundedSender<LlmEvent>,
) -> Result<LlmAnswer, LlmError> {
    let url = endpoint_url(config)?;
    let key = config.api_key()?;
    let shown = config.shown_url().to_string();
    let timeout = config.timeout();
    let timed_out = || LlmError::Timeout {
        url: shown.clone(),
        secs: timeout.as_secs(),
    };

    let client = client_for(&url)?;
    let mut http = client.post(url).json(&request_body(config, request));
    if let Some(key) = key {
        http = http.bearer_auth(key);
    }
    let response = match tokio::time::timeout(timeout, http.send()).await {
        Err(_) => return Err(timed_out()),
        Ok(Err(e)) if e.is_timeout() => return Err(timed_out()),
        Ok(Err(e)) => {
            return Err(LlmError::Unreachable {
                url: shown.clone(),
                reason: root_cause(&e),
            });
        }
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    if !status.is_success() {
        let body = error_body(response, timeout).await;
        return Err(http_error(config, status, &body));
    }

    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let mut reader = SseReader::default();
    let mut body = response.bytes_stream();
    loop {
        let chunk = match tokio::time::timeout(timeout, body.next()).await {
            Err(_) => return Err(timed_out()),
            Ok(None) if is_json => break,
            Ok(None) => {
                // The last line may lack its newline.
                for token in reader.feed(b"\n").map_err(|e| e.into_error(&shown))? {
                    let _ = tx.send(LlmEvent::Token(token));
                }
                break;
            }
            Ok(Some(Err(e))) if e.is_timeout() => return Err(timed_out()),
            Ok(Some(Err(e))) => {
                return Err(LlmError::BrokenStream(format!(
                    "the connection failed mid-answer ({})",
                    root_cause(&e)
                )));
            }
            Ok(Some(Ok(bytes))) => bytes,
        };
        if is_json {
            reader.collect_body(&chunk)?;
            continue;
        }
        for token in reader.feed(&chunk).map_err(|e| e.into_error(&shown))? {
            // A closed channel means the app cancelled; the task is aborted next.
            let _ = tx.send(LlmEvent::Token(token));
        }
        if reader.done {
            break;
        }
    }
    if is_json {
        // A server that ignored `stream: true`: the whole answer at once.
        if let Some(token) = reader.whole_body().map_err(|e| e.into_error(&shown))? {
            let _ = tx.send(LlmEvent::Token(token));
        }
    }
    let text = reader.finish().map_err(|e| e.into_error(&shown))?;
    parse_answer(&text, request.manifest.as_ref()).map_err(|e| match e {
        LlmError::InvalidPatch(m) if reader.finish_reason.as_deref() == Some("length") => {
            LlmError::InvalidPatch(format!("{m} (the answer was cut off at the model's limit)"))
        }
        other => other,
    })
}

fn endpoint_url(config: &LlmConfig) -> Result<reqwest::Url, LlmError> {
    let url = reqwest::Url::parse(&config.endpoint()).map_err(|e| {
        LlmError::Config(format!("base_url '{}' is not a URL ({e})", config.base_url))
    })?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(LlmError::Config(format!(
            "base_url '{}' must be http or https, not {other}",
            config.base_url
        ))),
    }
}

fn client_for(url: &reqwest::Url) -> Result<reqwest::Client, LlmError> {
    let mut builder = reqwest::Client::builder();
    // A proxy from the environment cannot reach this machine's own server.
    if is_loopback(url) {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| LlmError::Config(format!("the HTTP client cannot start ({})", root_cause(&e))))
}

fn is_loopback(url: &reqwest::Url) -> bool {
    url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// Reads at most `MAX_ERROR_BODY_BYTES` of an error response, without
/// waiting longer than the timeout: the status alone is already an answer.
async fn error_body(response: reqwest::Response, timeout: Duration) -> String {
    let mut body = response.bytes_stream();
    let mut bytes = Vec::new();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(timeout, body.next()).await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() >= MAX_ERROR_BODY_BYTES {
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn http_error(config: &LlmConfig, status: reqwest::StatusCode, body: &str) -> LlmError {
    let url = config.shown_url().to_string();
    let message = server_message(body).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string()
    });
    match status.as_u16() {
        code @ (401 | 403) => LlmError::Unauthorized {
            url,
            status: code,
            message,
            hint: match config.api_key_env.as_deref() {
                Some(var) => format!("check the API key in ${var}"),
                None => "set api_key_env to the variable holding an API key".to_string(),
            },
        },
        404 => LlmError::ModelNotFound {
            url,
            model: config.model.clone(),
            message,
        },
        429 => LlmError::RateLimited { url, message },
        code => LlmError::Http {
            url,
            status: code,
            message,
        },
    }
}

/// The human message in an error body: OpenAI's `{"error": {"message"}}`,
/// Ollama's `{"error": "..."}`, or the text itself.
fn server_message(body: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        for pointer in ["/error/message", "/error", "/message", "/detail"] {
            if let Some(text) = v.pointer(pointer).and_then(Value::as_str) {
                return Some(one_line(text));
            }
        }
        // Not a shape we know: show the JSON, not nothing.
        return Some(one_line(&v.to_string()));
    }
    let text = one_line(body);
    (!text.is_empty()).then_some(text)
}

/// Collapses whitespace and shortens, so a message fits on one line.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= MAX_MESSAGE_CHARS {
        return joined;
    }
    let mut short: String = joined.chars().take(MAX_MESSAGE_CHARS).collect();
    short.push('…');
    short
}

/// The innermost cause of an error in plain words: "connection refused"
/// rather than reqwest's "error sending request for url (...)".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        use std::io::ErrorKind::*;
        let plain = match io.kind() {
            ConnectionRefused => Some("connection refused"),
            ConnectionReset => Some("connection reset"),
            ConnectionAborted => Some("connection aborted"),
            TimedOut => Some("connection timed out"),
            UnexpectedEof => Some("connection closed"),
            _ => None,
        };
        if let Some(plain) = plain {
            return plain.to_string();
        }
    }
    let text = cause.to_string();
    // The OS error number helps nobody reading a status line.
    let text = match text.find(" (os error ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    let lowered = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    };
    one_line(&lowered)
}

/// A stream problem before the server's URL is known to the message.
#[derive(Debug)]
enum StreamFault {
    Broken(String),
    Reported(String),
    Refused(String),
}

impl StreamFault {
    fn into_error(self, url: &str) -> LlmError {
        match self {
            StreamFault::Broken(m) => LlmError::BrokenStream(m),
            StreamFault::Reported(message) => LlmError::Reported {
                url: url.to_string(),
                message,
            },
            StreamFault::Refused(m) => LlmError::Refused(m),
        }
    }
}

/// Reads server-sent events: `data: {chunk}` lines, then `data: [DONE]`.
#[derive(Debug, Default)]
struct SseReader {
    /// Bytes of an unfinished line; a chunk may end mid-line or mid-character.
    pending: Vec<u8>,
    text: String,
    refusal: String,
    finish_reason: Option<String>,
    done: bool,
}

impl SseReader {
    /// Takes the next bytes and returns the tokens they complete.
    fn feed(&mut self, bytes: &[u8]) -> Result<Vec<String>, StreamFault> {
        self.pending.extend_from_slice(bytes);
        let mut tokens = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            if let Some(token) = self.line(&line)? {
                tokens.push(token);
            }
            if self.done {
                break;
            }
        }
        if self.pending.len() > MAX_ANSWER_BYTES {
            return Err(StreamFault::Broken(
                "the stream sent a line longer than 1 MiB".to_string(),
            ));
        }
        Ok(tokens)
    }

    /// Handles one line. Each `data:` line is taken as one message, as every
    /// OpenAI-compatible server sends them; blank lines, comments and other
    /// fields (`event:`, `id:`) carry nothing here.
    fn line(&mut self, raw: &[u8]) -> Result<Option<String>, StreamFault> {
        let line = std::str::from_utf8(raw)
            .map_err(|_| StreamFault::Broken("the stream is not UTF-8 text".to_string()))?;
        let Some(data) = line.trim_end_matches(['\n', '\r']).strip_prefix("data:") else {
            return Ok(None);
        };
        let data = data.trim();
        if data.is_empty() {
            return Ok(None);
        }
        if data == "[DONE]" {
            self.done = true;
            return Ok(None);
        }
        let chunk: Value = serde_json::from_str(data).map_err(|e| {
            StreamFault::Broken(format!(
                "the stream sent malformed JSON ({e}): {}",
                one_line(data)
            ))
        })?;
        self.chunk(&chunk)
    }

    /// Takes one `chat.completion.chunk` and returns its text, if any.
    fn chunk(&mut self, chunk: &Value) -> Result<Option<String>, StreamFault> {
        if let Some(error) = chunk.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .or(error.as_str())
                .map(one_line)
                .unwrap_or_else(|| one_line(&error.to_string()));
            return Err(StreamFault::Reported(message));
        }
        // A usage-only chunk has no choices; nothing to show.
        let Some(choice) = chunk.pointer("/choices/0") else {
            return Ok(None);
        };
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish_reason = Some(reason.to_string());
        }
        let delta = choice.get("delta").or_else(|| choice.get("message"));
        if let Some(refusal) = delta.and_then(|d| d.get("refusal")).and_then(Value::as_str) {
            self.refusal.push_str(refusal);
        }
        let content = delta
            .and_then(|d| d.get("content"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if content.is_empty() {
            return Ok(None);
        }
        self.push_text(content)?;
        Ok(Some(content.to_string()))
    }

    fn push_text(&mut self, content: &str) -> Result<(), StreamFault> {
        if self.text.len() + content.len() > MAX_ANSWER_BYTES {
            return Err(StreamFault::Broken(
                "the answer is longer than 1 MiB".to_string(),
            ));
        }
        self.text.push_str(content);
        Ok(())
    }

    /// Buffers a non-streamed (`application/json`) body.
    fn collect_body(&mut self, bytes: &[u8]) -> Result<(), LlmError> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > MAX_ANSWER_BYTES {
            return Err(LlmError::BrokenStream(
                "the answer is longer than 1 MiB".to_string(),
            ));
        }
        Ok(())
    }

    /// Reads a buffered `chat.completion` body as one message.
    fn whole_body(&mut self) -> Result<Option<String>, StreamFault> {
        let body = std::mem::take(&mut self.pending);
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| StreamFault::Broken(format!("the server sent malformed JSON ({e})")))?;
        let token = self.chunk(&value)?;
        // A whole body is complete by construction.
        self.done = true;
        Ok(token)
    }

    /// The whole answer's text, once the stream has ended.
    fn finish(&mut self) -> Result<String, StreamFault> {
        // A finish_reason also ends an answer: some servers omit [DONE].
        if !self.done && self.finish_reason.is_none() {
            return Err(StreamFault::Broken(
                "the connection closed before the answer was complete".to_string(),
            ));
        }
        if self.finish_reason.as_deref() == Some("content_filter") {
            return Err(StreamFault::Refused(
                "the server's content filter stopped the answer".to_string(),
            ));
        }
        if !self.refusal.trim().is_empty() {
            return Err(StreamFault::Refused(one_line(&self.refusal)));
        }
        Ok(std::mem::take(&mut self.text))
    }
}

/// Reads a model's whole answer: the explanation and, if there is one, the
/// patch, which must apply to `manifest` and leave it valid. The answer's
/// JSON object `{"explanation": ..., "patch": [...]}` may stand anywhere in
/// the text, fenced or not; the last one wins. Text without such an object
/// is a plain answer.
pub fn parse_answer(text: &str, manifest: Option<&Value>) -> Result<LlmAnswer, LlmError> {
    let text = without_thinking(text);
    if text.trim().is_empty() {
        return Err(LlmError::Refused("the answer was empty".to_string()));
    }
    let Some(found) = last_answer_object(&text) else {
        if let Some(problem) = broken_answer_json(&text) {
            return Err(LlmError::InvalidPatch(problem));
        }
        return Ok(LlmAnswer {
            explanation: text.trim().to_string(),
            patch: None,
            manifest_after: None,
        });
    };
    let explanation = match found.value.get("explanation").and_then(Value::as_str) {
        Some(e) if !e.trim().is_empty() => e.trim().to_string(),
        _ => prose_around(&text, found.start, found.end),
    };
    let plain = LlmAnswer {
        explanation: explanation.clone(),
        patch: None,
        manifest_after: None,
    };
    let Some(patch) = patch_of(found.value.get("patch"))? else {
        return Ok(plain);
    };
    let Some(manifest) = manifest else {
        return Err(LlmError::InvalidPatch(
            "it edits a manifest, but no recipe is open".to_string(),
        ));
    };
    let after =
        crate::domain::diff::apply_patch(manifest, &patch).map_err(LlmError::InvalidPatch)?;
    if &after == manifest {
        // Only `test` operations, or values set to what they were: no change.
        return Ok(plain);
    }
    if let Err(invalid) = crate::domain::manifest::validate(&after) {
        return Err(LlmError::InvalidManifest(new_problems(&invalid, manifest)));
    }
    Ok(LlmAnswer {
        explanation,
        patch: Some(patch),
        manifest_after: Some(after),
    })
}

/// The patch's problems that the manifest did not already have; all of them
/// when there are no new ones, so the list is never empty.
fn new_problems(invalid: &crate::domain::manifest::InvalidManifest, before: &Value) -> Vec<String> {
    let all: Vec<String> = invalid.problems.iter().map(|p| p.to_string()).collect();
    let already: Vec<String> = match crate::domain::manifest::validate(before) {
        Ok(()) => Vec::new(),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    };
    let fresh: Vec<String> = all
        .iter()
        .filter(|p| !already.contains(p))
        .cloned()
        .collect();
    if fresh.is_empty() { all } else { fresh }
}

/// The `patch` member as an RFC 6902 patch; `None` when absent or empty.
fn patch_of(value: Option<&Value>) -> Result<Option<json_patch::Patch>, LlmError> {
    let ops = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(ops)) => ops,
        // Some models send the patch JSON-encoded as a string.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(inner @ Value::Array(_)) => return patch_of(Some(&inner)),
            _ => {
                return Err(LlmError::InvalidPatch(
                    "\"patch\" must be an array of operations, not a string".to_string(),
                ));
            }
        },
        Some(other) => {
            return Err(LlmError::InvalidPatch(format!(
                "\"patch\" must be an array of operations, not {}",
                json_type(other)
            )));
        }
    };
    if ops.is_empty() {
        return Ok(None);
    }
    let mut parsed = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let op = serde_json::from_value::<json_patch::PatchOperation>(op.clone()).map_err(|e| {
            LlmError::InvalidPatch(format!(
                "operation {i} is not RFC 6902 ({e}): {}",
                one_line(&op.to_string())
            ))
        })?;
        parsed.push(op);
    }
    Ok(Some(json_patch::Patch(parsed)))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object found in the answer, with its byte span.
struct Found {
    value: Value,
    start: usize,
    end: usize,
}

/// The last top-level JSON object in `text` that has an `explanation` or
/// `patch` member; example objects in the prose are skipped.
fn last_answer_object(text: &str) -> Option<Found> {
    let mut best = None;
    let mut from = 0;
    while let Some(offset) = text[from..].find('{') {
        let start = from + offset;
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(value)) => {
                let end = start + values.byte_offset();
                if value.get("explanation").is_some() || value.get("patch").is_some() {
                    best = Some(Found { value, start, end });
                }
                // Objects nested in this one are not answers of their own.
                from = end;
            }
            _ => from = start + 1,
        }
    }
    best
}

/// Why an answer that seems to carry a patch has no readable JSON object.
fn broken_answer_json(text: &str) -> Option<String> {
    let key = text.rfind("\"patch\"")?;
    // The object most likely starts at the last line opening with '{' before
    // the key; otherwise at the first '{' before it.
    let mut start = None;
    let mut offset = 0;
    for line in text[..key].split_inclusive('\n') {
        if line.trim_start().starts_with('{') {
            start = Some(offset + (line.len() - line.trim_start().len()));
        }
        offset += line.len();
    }
    let start = start.or_else(|| text[..key].find('{'))?;
    let candidate = text[start..].trim_end().trim_end_matches("```").trim_end();
    match serde_json::from_str::<Value>(candidate) {
        Ok(_) => None,
        Err(e) => Some(format!("the answer's JSON does not parse ({e})")),
    }
}

/// The text outside the JSON object and its fence, as an explanation.
fn prose_around(text: &str, start: usize, end: usize) -> String {
    let before = text[..start].trim_end();
    let before = before
        .strip_suffix("```json")
        .or_else(|| before.strip_suffix("```"))
        .unwrap_or(before);
    let after = text[end..].trim_start();
    let after = after.strip_prefix("```").unwrap_or(after);
    [before.trim(), after.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Drops `<think>...</think>` blocks that reasoning models put before the answer.
fn without_thinking(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<think>") {
        out.push_str(&rest[..open]);
        match rest[open..].find("</think>") {
            Some(close) => rest = &rest[open + close + "</think>".len()..],
            // An unclosed block is all thinking, with no answer after it.
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(content: &str) -> String {
        format!(
            "data: {}\n\n",
            json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        )
    }

    #[test]
    fn sse_lines_split_anywhere_give_the_same_tokens() {
        let stream = format!(
            "{}{}: keep-alive\n\n{}data: [DONE]\n\n",
            data("héllo"),
            data(" wörld"),
            data("!")
        );
        let bytes = stream.as_bytes();
        for cut in 1..bytes.len() {
            let mut reader = SseReader::default();
            let mut tokens = reader.feed(&bytes[..cut]).unwrap();
            tokens.extend(reader.feed(&bytes[cut..]).unwrap());
            assert_eq!(tokens, ["héllo", " wörld", "!"], "cut at {cut}");
            assert_eq!(reader.finish().unwrap(), "héllo wörld!");
        }
    }

    #[test]
    fn a_finish_reason_ends_a_stream_without_done() {
        let mut reader = SseReader::default();
        let end = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
        reader.feed(data("hi").as_bytes()).unwrap();
        reader.feed(format!("data: {end}").as_bytes()).unwrap();
        // At the end of the body the adapter flushes a last line without newline.
        reader.feed(b"\n").unwrap();
        assert_eq!(reader.finish().unwrap(), "hi");
    }

    #[test]
    fn thinking_is_dropped_and_root_causes_are_plain() {
        assert_eq!(without_thinking("<think>x {\"patch\": 1}</think>ok"), "ok");
        assert_eq!(without_thinking("a<think>never closed"), "a");
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "x");
        assert_eq!(root_cause(&io), "connection refused");
        assert_eq!(one_line("a\n  b\tc"), "a b c");
        assert!(one_line(&"x".repeat(1000)).chars().count() <= MAX_MESSAGE_CHARS + 1);
    }
}
