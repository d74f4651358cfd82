//! I/O the update function asks for, as data, and the task runner that does it
//! and sends the answers back as messages. The newest list request per tab
//! wins: it aborts an older one still running, and an older answer is dropped.

use super::drafts::{Draft, DraftKeeper, draft_path, write_draft};
use super::forms::{AppForm, FormRequest};
use super::list_loads::ListSource;
pub use super::list_loads::{ListRequest, Rows};
use super::submit::{Done, Submission};
use super::tab::Tab;
use super::tab::with_row_type;
use crate::domain::manifest::ManifestProblem;
use crate::service::Service;
use crate::service::{ServiceError, ServiceResult};
use crate::store::Store;
use crossterm::event::{KeyEvent, MouseEvent};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

/// What the update function asks for, as data: work on the store done in
/// the background (a `Task`, answered by a `Loaded`), work only the terminal
/// loop can do (it owns the terminal), or the language model's stream.
/// `perform` takes a `Task` alone, so it never receives the others.
// An effect lives a moment between update and the runner: boxing the larger
// tasks would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Task(Task),
    Terminal(TerminalWork),
    Llm(LlmWork),
}

impl From<Task> for Effect {
    fn from(task: Task) -> Effect {
        Effect::Task(task)
    }
}

impl From<TerminalWork> for Effect {
    fn from(work: TerminalWork) -> Effect {
        Effect::Terminal(work)
    }
}

impl From<LlmWork> for Effect {
    fn from(work: LlmWork) -> Effect {
        Effect::Llm(work)
    }
}

/// Work only the terminal loop can do.
#[derive(Debug, Clone, PartialEq)]
pub enum TerminalWork {
    /// Put text on the clipboard (OSC 52, works over SSH).
    Copy(String),
    /// Edit text in $VISUAL/$EDITOR; the text comes back to `from` as
    /// `Answer::Edited`.
    ExternalEdit {
        from: ScreenKey,
        recipe_id: i64,
        text: String,
    },
}

/// The language model's streamed answer, and stopping it.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmWork {
    /// Ask; tokens stream back as `Answer::ChatToken`, and once both
    /// messages are kept, `then` reads the chat again.
    Ask {
        recipe_id: Option<i64>,
        text: String,
        then: OwnLoad,
    },
    Cancel,
}

/// Work on the store (and the drafts beside it), done in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    LoadList(ListRequest),
    /// A user command (`[[commands]]`) with the selected item's fields.
    UserCommand {
        title: String,
        command: String,
        env: Vec<(String, String)>,
    },
    /// What a screen reads for itself.
    Own(OwnLoad),
    /// The metric and param names runs have, for the column picker.
    LoadColumnChoices,
    /// The params shown as columns, of the runs in the Runs tab's window.
    LoadColumnParams {
        run_ids: Vec<i64>,
        keys: Vec<String>,
    },
    /// The audit log of one item (None: every item) and the chain's verdict.
    LoadAudit(Option<super::audit::AuditScope>),
    /// Load a form's choices and open it.
    OpenForm(FormRequest),
    /// Search the choices of a form's picker (`field`) for `text`.
    SearchChoices {
        purpose: Box<super::forms::Purpose>,
        field: &'static str,
        text: String,
        /// The form's values so far: a picker offers only what fits them.
        so_far: Vec<(&'static str, String)>,
    },
    /// Make a change; the answer is `Done` or `Refused`.
    Submit(Submission),
    /// Validate the editor's text after a pause, and keep it as a draft.
    Validate(Validation),
    /// Forget a recipe's draft (after saving or discarding).
    DropDraft(i64),
    ChatApply {
        recipe_id: Option<i64>,
        message_id: i64,
        request: String,
        proposal: Box<crate::assistant::Proposal>,
    },
}

/// The editor's text to validate (after a pause) and keep as a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub recipe_id: i64,
    pub recipe_created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub generation: u64,
    pub base_version: String,
    pub text: String,
}

impl Validation {
    /// The draft it keeps, as saved at `saved_at`.
    fn draft(&self, saved_at: chrono::DateTime<chrono::Utc>) -> Draft {
        Draft {
            recipe_id: self.recipe_id,
            recipe_created_at: self.recipe_created_at,
            base_version: self.base_version.clone(),
            text: self.text.clone(),
            saved_at,
        }
    }
}

/// A load a screen asks for and alone reads. The runner does it in the
/// background and hands what it returns to the screens showing `key`,
/// which take it back by its type (`Answer::own`). So a screen's new load
/// is its own code: no `Task`, `Answer` or `perform` arm of its own.
#[derive(Clone)]
pub struct OwnLoad {
    pub key: ScreenKey,
    /// What it reads ("run 42"), for tests and logs.
    pub what: String,
    load: Arc<OwnLoadFn>,
}

type OwnLoadFn = dyn Fn(LoadCx) -> Pin<Box<dyn Future<Output = ServiceResult<Arc<dyn Any + Send + Sync>>> + Send>>
    + Send
    + Sync;

/// What a screen's own load may use: the service, who acts, and where the
/// editor's drafts are kept.
#[derive(Clone)]
pub struct LoadCx {
    pub service: Service,
    pub user: String,
    pub drafts_dir: PathBuf,
}

impl OwnLoad {
    /// A load that reads through the service alone.
    pub fn new<T, F, Fut>(key: ScreenKey, what: impl Into<String>, load: F) -> OwnLoad
    where
        T: Any + Send + Sync,
        F: Fn(Service) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<T>> + Send + 'static,
    {
        OwnLoad::acting(key, what, move |cx: LoadCx| load(cx.service))
    }

    /// A load that acts as the person (the chat's messages are theirs) or
    /// reads their drafts.
    pub fn acting<T, F, Fut>(key: ScreenKey, what: impl Into<String>, load: F) -> OwnLoad
    where
        T: Any + Send + Sync,
        F: Fn(LoadCx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<T>> + Send + 'static,
    {
        let load: Arc<OwnLoadFn> = Arc::new(move |cx| {
            let read = load(cx);
            Box::pin(async move {
                read.await
                    .map(|t| Arc::new(t) as Arc<dyn Any + Send + Sync>)
            })
        });
        OwnLoad {
            key,
            what: what.into(),
            load,
        }
    }
}

impl std::fmt::Debug for OwnLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OwnLoad({:?}, {})", self.key, self.what)
    }
}

impl PartialEq for OwnLoad {
    fn eq(&self, other: &OwnLoad) -> bool {
        (&self.key, &self.what) == (&other.key, &other.what)
    }
}

impl Answer {
    /// What this screen's own load returned, if this answer is of type `T`.
    pub fn own<T: Any>(&self) -> Option<&T> {
        match self {
            Answer::Own(answer) => answer.downcast_ref(),
            _ => None,
        }
    }
}

/// What a screen shows, so an answer finds its screen (however many are open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenKey {
    Recipe(i64),
    Model(i64),
    Run(i64),
    Editor(i64),
    Chat(Option<i64>),
    /// The comparison of marked runs (one at a time).
    Compare,
}

/// An answer addressed to the screens showing one thing.
pub enum Answer {
    /// What a screen's own load returned (`OwnLoad`): the screen reads it
    /// back with `Answer::own`.
    Own(Arc<dyn Any + Send + Sync>),
    Validated {
        generation: u64,
        problems: Vec<ManifestProblem>,
        /// The draft could not be kept on disk (why), so a crash would lose it.
        draft_error: Option<String>,
    },
    /// The next piece of a language model's streamed answer.
    ChatToken(String),
    /// A proposal was applied (to the chat that asked).
    ChatApplied {
        message_id: i64,
        applied: crate::service::chat::Applied,
    },
    /// A rebase planned, to preview as a diff.
    /// Text back from $VISUAL/$EDITOR.
    Edited(String),
}

/// Marks failed the runs whose executor was lost (queued ones cancelled);
/// they show as anyone's change does, through the change feed.
async fn notice_lost_runs(io: &Io) {
    let dead = crate::exec::child::executor_is_dead;
    if let Err(e) = io.service.reap_lost_runs(&dead, &io.user).await {
        tracing::warn!("checking for lost executors: {e}");
    }
}

pub enum Loaded {
    List {
        tab: Tab,
        generation: u64,
        window_start: usize,
        rows: Rows,
        /// None: unchanged (a window of a list whose total is known).
        total: Option<usize>,
        /// The list's size without its filters, when counted.
        unfiltered_total: Option<usize>,
    },
    /// An answer for the screens showing one thing.
    Screen(ScreenKey, Answer),
    Audit(Box<super::audit::AuditView>),
    Form(Box<AppForm>),
    /// A picker's search answer, for the text it searched.
    Choices {
        field: &'static str,
        text: String,
        choices: Vec<super::form::Choice>,
    },
    /// The column picker's metric and param names.
    ColumnChoices(Vec<String>),
    /// Params of the Runs tab's window, for its param columns.
    ColumnParams(Vec<crate::store::RunKeyValue>),
    Done(Box<Done>),
    /// A change was refused; the form or dialog that asked stays open.
    Refused(String),
    /// A save collides with a version saved meanwhile, place by place.
    EditConflict(Box<crate::store::EditConflict>),
    Failed(String),
    /// What a user command printed, for the raw view.
    Output(super::inspect::Inspected),
    Nothing,
}

pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Once a second: followed logs and open screens poll for changes.
    Tick,
    Loaded(Loaded),
    /// Someone (this app or another process) committed these changes.
    Changed(Vec<crate::store::Change>),
}

/// Where at most one query runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    List(Tab),
    Picker,
    ColumnParams,
}

/// What effects need: the store, who acts, and where drafts are kept.
#[derive(Clone)]
pub struct Io {
    /// Every read and change, and where "now" comes from.
    pub service: Service,
    /// The optional language model of `[assistant.llm]`.
    pub llm: Option<crate::llm::LlmConfig>,
    pub user: String,
    pub drafts_dir: PathBuf,
    /// Where runs started from the app are executed against.
    pub database_url: String,
}

impl Io {
    fn load_cx(&self) -> LoadCx {
        LoadCx {
            service: self.service.clone(),
            user: self.user.clone(),
            drafts_dir: self.drafts_dir.clone(),
        }
    }
}

/// How long the editor waits after a keystroke before validating: a burst
/// of typing is validated once. (The draft is not waited for: the keeper
/// writes each change as soon as its previous write is done.)
const VALIDATE_AFTER: std::time::Duration = std::time::Duration::from_millis(100);

/// How often the open app looks for runs whose executor was lost. An
/// executor vouches every few seconds and is lost after
/// `LOST_AFTER_SECONDS` of silence; one of this machine that died is seen
/// at the next look.
const LOST_EXECUTORS_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// A background task that ends when this is dropped.
pub struct StopOnDrop(AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs effects on tokio tasks against the store.
#[derive(Clone)]
pub struct Runner {
    io: Io,
    tx: UnboundedSender<Msg>,
    /// The query running for each slot (a tab's list, a picker's search): a
    /// newer request aborts it, so at most one runs per slot however fast
    /// the keys come.
    loading: Arc<Mutex<HashMap<Slot, AbortHandle>>>,
    newest_validation: Arc<AtomicU64>,
    cancel_llm: Arc<tokio::sync::Notify>,
    /// Writes the editor's drafts, in the order the changes came.
    drafts: DraftKeeper,
}

impl Runner {
    pub fn new(io: Io, tx: UnboundedSender<Msg>) -> Runner {
        Runner {
            io,
            tx,
            loading: Arc::new(Mutex::new(HashMap::new())),
            newest_validation: Arc::new(AtomicU64::new(0)),
            cancel_llm: Arc::new(tokio::sync::Notify::new()),
            drafts: DraftKeeper::new(),
        }
    }

    /// Waits (a second at most) for the drafts handed over to be written:
    /// called as the app leaves.
    pub fn flush_drafts(&self) {
        self.drafts.flush(std::time::Duration::from_secs(1));
    }

    /// Looks for runs whose executor was lost at once, then every
    /// `LOST_EXECUTORS_EVERY`, in the background until the guard is
    /// dropped: no list or screen waits for it.
    pub fn watch_lost_executors(&self) -> StopOnDrop {
        let io = self.io.clone();
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(LOST_EXECUTORS_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                notice_lost_runs(&io).await;
            }
        });
        StopOnDrop(task.abort_handle())
    }

    /// Asks the language model, or stops its answer.
    pub fn llm(&self, work: LlmWork) {
        match work {
            LlmWork::Cancel => self.cancel_llm.notify_waiters(),
            LlmWork::Ask {
                recipe_id,
                text,
                then,
            } => {
                let runner = self.clone();
                tokio::spawn(async move {
                    let loaded = chat_llm(&runner, recipe_id, &text, then)
                        .await
                        .unwrap_or_else(|e| Loaded::Refused(e.to_string()));
                    let _ = runner.tx.send(Msg::Loaded(loaded));
                });
            }
        }
    }

    /// Starts a task; its answer arrives later as a `Msg::Loaded`.
    pub fn spawn(&self, effect: Task) {
        match &effect {
            Task::Validate(v) => {
                // Kept at once, validated after the pause.
                let draft = v.draft(self.io.service.now());
                self.drafts.keep(&self.io.drafts_dir, draft);
                self.newest_validation.store(v.generation, Ordering::SeqCst)
            }
            // After the writes handed over before it, never before one.
            Task::DropDraft(id) => {
                self.drafts.forget(&self.io.drafts_dir, *id);
                return;
            }
            _ => {}
        }
        let slot = match &effect {
            Task::LoadList(req) => Some(Slot::List(req.tab)),
            Task::LoadColumnParams { .. } => Some(Slot::ColumnParams),
            Task::SearchChoices { .. } => Some(Slot::Picker),
            _ => None,
        };
        let runner = self.clone();
        let task = tokio::spawn(async move {
            if let Task::Validate(v) = &effect {
                // Debounce: only the last keystroke of a burst validates.
                tokio::time::sleep(VALIDATE_AFTER).await;
                if runner.newest_validation.load(Ordering::SeqCst) != v.generation {
                    return;
                }
                let draft_error = runner.drafts.last_error();
                let loaded = validated(&runner.io, v.recipe_id, v.generation, &v.text, draft_error);
                let _ = runner.tx.send(Msg::Loaded(loaded));
                return;
            }
            let loaded = perform(&runner.io, effect).await;
            let _ = runner.tx.send(Msg::Loaded(loaded));
        });
        if let Some(slot) = slot
            && let Ok(mut loading) = self.loading.lock()
            && let Some(older) = loading.insert(slot, task.abort_handle())
        {
            older.abort();
        }
    }
}

/// The editor's text checked, with what became of its draft.
fn validated(
    io: &Io,
    recipe_id: i64,
    generation: u64,
    text: &str,
    draft_error: Option<String>,
) -> Loaded {
    let problems =
        match crate::domain::manifest::parse_and_validate(text, io.service.max_manifest_bytes()) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems,
        };
    Loaded::Screen(
        ScreenKey::Editor(recipe_id),
        Answer::Validated {
            generation,
            problems,
            draft_error,
        },
    )
}

/// Does one effect's I/O; the one place the app touches the store and disk.
pub async fn perform(io: &Io, task: Task) -> Loaded {
    let store = io.service.store();
    let result: ServiceResult<Loaded> = match task {
        Task::LoadList(req) => load_list(store, req).await,
        Task::Own(load) => (load.load)(io.load_cx())
            .await
            .map(|answer| Loaded::Screen(load.key, Answer::Own(answer))),
        Task::LoadAudit(scope) => load_audit(&io.service, scope).await,
        Task::UserCommand {
            title,
            command,
            env,
        } => Ok(Loaded::Output(
            super::shell::run(&title, &command, &env, &io.database_url, &io.user).await,
        )),
        Task::LoadColumnChoices => store
            .run_column_keys(super::columns::MAX_CHOICES)
            .await
            .map_err(ServiceError::from)
            .map(|(metrics, params)| {
                Loaded::ColumnChoices(super::columns::choices(metrics, params))
            }),
        Task::LoadColumnParams { run_ids, keys } => store
            .params_of_runs(&run_ids, &keys)
            .await
            .map_err(ServiceError::from)
            .map(Loaded::ColumnParams),
        Task::OpenForm(request) => super::forms::prepare(store, request, &io.user)
            .await
            .map(|f| Loaded::Form(Box::new(f))),
        Task::SearchChoices {
            purpose,
            field,
            text,
            so_far,
        } => super::forms::search(store, &purpose, field, &text, &so_far)
            .await
            .map_err(ServiceError::from)
            .map(|choices| Loaded::Choices {
                field,
                text,
                choices,
            }),
        Task::Submit(submission) => {
            return match super::submit::perform(&io.service, submission, &io.user, &io.database_url)
                .await
            {
                Ok(done) => Loaded::Done(Box::new(done)),
                Err(ServiceError::Conflict(crate::service::Conflict::Edit(conflict))) => {
                    Loaded::EditConflict(conflict)
                }
                Err(e) => Loaded::Refused(e.to_string()),
            };
        }
        Task::Validate(v) => {
            let kept = write_draft(&io.drafts_dir, &v.draft(io.service.now()));
            return validated(io, v.recipe_id, v.generation, &v.text, kept.err());
        }
        Task::DropDraft(id) => {
            let _ = std::fs::remove_file(draft_path(&io.drafts_dir, id));
            return Loaded::Nothing;
        }
        Task::ChatApply {
            recipe_id,
            message_id,
            request,
            proposal,
        } => {
            let applied = io
                .service
                .chat_apply(recipe_id, message_id, &request, &proposal, &io.user);
            return match applied.await {
                Ok(applied) => Loaded::Screen(
                    ScreenKey::Chat(recipe_id),
                    Answer::ChatApplied {
                        message_id,
                        applied,
                    },
                ),
                Err(e) => Loaded::Refused(e.to_string()),
            };
        }
    };
    result.unwrap_or_else(|e| Loaded::Failed(e.to_string()))
}

async fn load_list(store: &dyn Store, req: ListRequest) -> ServiceResult<Loaded> {
    let (rows, total) = with_row_type!(req.tab, T => {
        let (items, total) = T::load(store, &req).await?;
        (T::into_rows(items), total)
    });
    // A window read from the end starts where the new count says: rows added
    // since the request was made would otherwise shift it by as many.
    let window_start = if req.reverse && req.keyset.is_none() && total >= 0 {
        (total as usize).saturating_sub(req.offset + rows.len())
    } else {
        req.window_start
    };
    let total = (total >= 0).then_some(total as usize);
    // A filtered list's count is taken with the whole list's, so "18 of
    // 67" follows what others add or remove while it is open.
    let unfiltered_total = match total {
        Some(n) if !req.filters.narrows() => Some(n),
        Some(_) => {
            let all = ListRequest {
                filters: super::filters::Filters::default(),
                skip_count: false,
                offset: 0,
                limit: 0,
                reverse: false,
                keyset: None,
                ..req.clone()
            };
            // Only the "of M" depends on it: a failed count keeps the rows.
            let counted = with_row_type!(req.tab, T => T::load(store, &all).await.map(|(_, n)| n))
                .unwrap_or(-1);
            // Counted apart from the rows: never fewer than they are.
            (counted >= 0).then(|| (counted as usize).max(total.unwrap_or(0)))
        }
        None => None,
    };
    Ok(Loaded::List {
        tab: req.tab,
        generation: req.generation,
        window_start,
        rows,
        total,
        unfiltered_total,
    })
}

/// Streams the language model's answer into the chat, then keeps both
/// messages; an unusable answer is kept as such, never as a proposal.
async fn chat_llm(
    runner: &Runner,
    recipe_id: Option<i64>,
    text: &str,
    then: OwnLoad,
) -> ServiceResult<Loaded> {
    use crate::llm::{self, LlmEvent};
    let io = &runner.io;
    let store = io.service.store();
    let Some(config) = io.llm.clone() else {
        return Ok(Loaded::Refused(
            "no language model configured: add [assistant.llm] to the config file".into(),
        ));
    };
    let data = crate::service::chat::load(store, recipe_id, &io.user).await?;
    let history = store.chat_history(recipe_id, &io.user, 50).await?;
    let mut stream = llm::start(
        &config,
        crate::service::chat::llm_request(&data, &history, text),
    );
    let outcome = loop {
        tokio::select! {
            event = stream.recv() => match event {
                Some(LlmEvent::Token(token)) => {
                    let token = Loaded::Screen(ScreenKey::Chat(recipe_id), Answer::ChatToken(token));
                    let _ = runner.tx.send(Msg::Loaded(token));
                }
                Some(LlmEvent::Done(answer)) => break Ok(answer),
                Some(LlmEvent::Failed(e)) => break Err(e.to_string()),
                None => break Err("the language model's answer ended early".to_string()),
            },
            _ = runner.cancel_llm.notified() => {
                stream.cancel();
                break Err("cancelled".to_string()); // vocabulary: the chat request's, not a run's
            }
        }
    };
    let answer = outcome.as_ref().map_err(String::clone);
    io.service
        .chat_record_llm(recipe_id, text, answer, false, &io.user)
        .await?;
    Ok(perform(io, Task::Own(then)).await)
}

/// The newest audit rows of `scope`, newest first, and the chain's verdict.
async fn load_audit(
    service: &Service,
    scope: Option<super::audit::AuditScope>,
) -> ServiceResult<Loaded> {
    let mut rows = service
        .audit_log(
            scope.map(|s| s.entity),
            scope.map(|s| s.id),
            super::audit::AUDIT_ROWS,
        )
        .await?;
    rows.reverse();
    let chain = service.verify_audit().await.map_err(|e| e.to_string());
    Ok(Loaded::Audit(Box::new(super::audit::AuditView {
        scope,
        rows,
        chain,
        first: 0,
        selected: 0,
    })))
}
