//! The editor's buffer kept on disk while editing, offered back after a
//! crash: one file per recipe in the state folder, replaced atomically.

use std::path::{Path, PathBuf};

/// A buffer kept on disk while editing, offered back after a crash.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    pub recipe_id: i64,
    /// When the recipe was created: SQLite gives a deleted recipe's id
    /// again, and a draft is offered only to the recipe it was typed for.
    #[serde(default)]
    pub recipe_created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub base_version: String,
    pub text: String,
    pub saved_at: chrono::DateTime<chrono::Utc>,
}

pub fn draft_path(dir: &Path, recipe_id: i64) -> PathBuf {
    dir.join(format!("recipe-{recipe_id}.json"))
}

/// Keeps the editor's buffer on disk: written beside, flushed to the disk,
/// then renamed over the old draft, so a crash or a power cut leaves the old
/// draft or the new one, never half of one. A failure is for the user to
/// hear (the app warns), never fatal.
pub fn write_draft(dir: &Path, draft: &Draft) -> Result<(), String> {
    use std::io::Write;
    let path = draft_path(dir, draft.recipe_id);
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_string(draft).map_err(|e| e.to_string())?;
    let result = std::fs::create_dir_all(dir).and_then(|_| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        // The rename itself is durable once the folder is flushed.
        std::fs::File::open(dir)?.sync_all()
    });
    result.map_err(|e| {
        tracing::warn!("could not keep the editor draft in {}: {e}", dir.display());
        format!("{}: {e}", dir.display())
    })
}

pub fn read_draft(dir: &Path, recipe_id: i64) -> Option<Draft> {
    let text = std::fs::read_to_string(draft_path(dir, recipe_id)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Keeps the editor's buffer on disk as it changes: each change is handed
/// to a writer thread at once, and changes that arrive while it writes are
/// coalesced into its next write (the newest text of each recipe). So the
/// draft on disk is never more than one write behind the screen, however
/// fast the keys come: a kill loses nothing already shown.
#[derive(Clone)]
pub struct DraftKeeper {
    jobs: std::sync::mpsc::Sender<Job>,
    shared: std::sync::Arc<Shared>,
}

enum Job {
    Write(PathBuf, Draft),
    Forget(PathBuf, i64),
}

#[derive(Default)]
struct Shared {
    /// The last write's failure, for the editor to say.
    last_error: std::sync::Mutex<Option<String>>,
    /// Jobs handed over and not yet done, to wait for at exit.
    queued: std::sync::Mutex<usize>,
    idle: std::sync::Condvar,
}

impl Default for DraftKeeper {
    fn default() -> Self {
        Self::new()
    }
}

impl DraftKeeper {
    pub fn new() -> DraftKeeper {
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let shared = std::sync::Arc::new(Shared::default());
        let worker = shared.clone();
        std::thread::spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                batch.extend(rx.try_iter());
                let count = batch.len();
                run_batch(batch, &worker);
                if let Ok(mut queued) = worker.queued.lock() {
                    *queued = queued.saturating_sub(count);
                    worker.idle.notify_all();
                }
            }
        });
        DraftKeeper { jobs, shared }
    }

    /// Writes `draft` into `dir` as soon as the writer is free.
    pub fn keep(&self, dir: &Path, draft: Draft) {
        self.send(Job::Write(dir.to_path_buf(), draft));
    }

    /// Removes a recipe's draft, after any write handed over before.
    pub fn forget(&self, dir: &Path, recipe_id: i64) {
        self.send(Job::Forget(dir.to_path_buf(), recipe_id));
    }

    fn send(&self, job: Job) {
        if let Ok(mut queued) = self.shared.queued.lock() {
            *queued += 1;
        }
        if self.jobs.send(job).is_err()
            && let Ok(mut queued) = self.shared.queued.lock()
        {
            *queued -= 1;
        }
    }

    /// Why the last write failed, if it did.
    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Waits (at most `limit`) for every job handed over to be done: the
    /// app calls it as it leaves.
    pub fn flush(&self, limit: std::time::Duration) {
        let Ok(queued) = self.shared.queued.lock() else {
            return;
        };
        let _ = self
            .shared
            .idle
            .wait_timeout_while(queued, limit, |q| *q > 0);
    }
}

/// Does a batch of jobs in order, skipping a write that a later write of
/// the same draft replaces.
fn run_batch(batch: Vec<Job>, shared: &Shared) {
    let same = |a: &Job, dir: &Path, id: i64| match a {
        Job::Write(d, draft) => d == dir && draft.recipe_id == id,
        Job::Forget(d, i) => d == dir && *i == id,
    };
    for (i, job) in batch.iter().enumerate() {
        match job {
            Job::Write(dir, draft) => {
                let replaced = batch[i + 1..]
                    .iter()
                    .any(|later| same(later, dir, draft.recipe_id));
                if replaced {
                    continue;
                }
                let result = write_draft(dir, draft).err();
                if let Ok(mut last) = shared.last_error.lock() {
                    *last = result;
                }
            }
            Job::Forget(dir, id) => {
                let _ = std::fs::remove_file(draft_path(dir, *id));
            }
        }
    }
}
