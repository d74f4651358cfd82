//! `monitor watch`: each batch a scheduled job drops into a folder is
//! ingested once it is complete, and once only.
//!
//! Complete means settled: its size and time of writing have not changed
//! for the settle interval (a file still being written keeps changing). A
//! writer that renames a finished file into the folder is never seen half
//! written (names starting with `.` and other extensions are not batches,
//! so `.sales.csv` or `sales.csv.part` renamed to `sales.csv` works), and
//! is taken after the same interval. A file ingested is not ingested
//! again when it changes (that is said once); a file renamed over it, or
//! one written after it was removed, is a new batch.

use super::Context;
use super::ingest::{
    Batch, Outcome, about_batch, batch_time, ingest, is_batch, outcome_json, outcome_line,
};
use super::output::write_err;
use crate::drift::Table;
use crate::store::Model;
use color_eyre::eyre::{Result, WrapErr};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How often a watched folder is looked at.
const POLL: Duration = Duration::from_millis(300);

/// What a listing shows of a file: its size and time of writing, and which
/// file it is (a file renamed over it is another batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: SystemTime,
    pub inode: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// There when the watch started: history, left to `monitor ingest`.
    History(Stamp),
    /// Seen like this since `since`.
    Settling { stamp: Stamp, since: Instant },
    /// Could not be ingested; tried again when it changes.
    Failed(Stamp),
    /// Ingested; `warned` once it was seen changed afterwards.
    Ingested { stamp: Stamp, warned: bool },
}

/// Which files of a folder are ready to ingest, each once.
pub struct Settler {
    settle: Duration,
    files: BTreeMap<PathBuf, State>,
}

/// What a look at the folder found.
#[derive(Debug, Default, PartialEq)]
pub struct Look {
    /// Settled and never ingested: ingest these now.
    pub ready: Vec<PathBuf>,
    /// Lines to say (a batch that changed after it was ingested).
    pub warnings: Vec<String>,
}

impl Settler {
    /// The files there now are history.
    pub fn new(history: BTreeMap<PathBuf, Stamp>, settle: Duration) -> Settler {
        Settler {
            settle,
            files: history
                .into_iter()
                .map(|(path, stamp)| (path, State::History(stamp)))
                .collect(),
        }
    }

    /// Takes a new listing of the folder at `now`.
    pub fn look(&mut self, listing: BTreeMap<PathBuf, Stamp>, now: Instant) -> Look {
        let mut look = Look::default();
        // A file gone is forgotten: one written again later is a new batch.
        self.files.retain(|path, _| listing.contains_key(path));
        for (path, stamp) in listing {
            let settling = State::Settling { stamp, since: now };
            let next = match self.files.get(&path).copied() {
                None => settling,
                Some(State::History(s) | State::Failed(s)) if s == stamp => continue,
                Some(State::History(_) | State::Failed(_)) => settling,
                Some(State::Settling { stamp: s, since }) if s == stamp => {
                    if now.saturating_duration_since(since) >= self.settle {
                        look.ready.push(path);
                    }
                    continue;
                }
                Some(State::Settling { .. }) => settling,
                Some(State::Ingested { stamp: s, .. }) if s == stamp => continue,
                Some(State::Ingested { stamp: s, .. }) if s.inode != stamp.inode => settling,
                Some(State::Ingested { warned: true, .. }) => continue,
                Some(State::Ingested { stamp: s, .. }) => {
                    look.warnings.push(format!(
                        "{}: changed after it was ingested; a batch is ingested once (write a new file for a new batch)",
                        path.display()
                    ));
                    State::Ingested {
                        stamp: s,
                        warned: true,
                    }
                }
            };
            self.files.insert(path, next);
        }
        look
    }

    /// Records how a ready file's ingest went.
    pub fn done(&mut self, path: &Path, ingested: bool) {
        if let Some(State::Settling { stamp, .. }) = self.files.get(path).copied() {
            let state = match ingested {
                true => State::Ingested {
                    stamp,
                    warned: false,
                },
                false => State::Failed(stamp),
            };
            self.files.insert(path.to_path_buf(), state);
        }
    }
}

/// Ingests each batch that appears in `dir` from now on, once it has
/// settled for `settle`; runs until interrupted. A batch that cannot be read
/// is reported and the watch goes on (it is tried again when it changes).
pub async fn watch(
    ctx: &Context,
    model: &Model,
    manifest: &Value,
    reference: &Table,
    dir: &Path,
    settle: Duration,
) -> Result<()> {
    // What is there already is history: ingest it with `monitor ingest`.
    let mut settler = Settler::new(listing(dir)?, settle);
    write_err(&format!(
        "watching {} for new batches of '{}' (each taken once unchanged for {} s; ctrl-c stops)",
        dir.display(),
        model.name,
        settle.as_secs()
    ));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        let look = settler.look(listing(dir)?, Instant::now());
        for warning in &look.warnings {
            write_err(&format!("warning: {warning}"));
        }
        for path in look.ready {
            let ingested = ingest_one(ctx, model, manifest, reference, &path).await?;
            settler.done(&path, ingested);
        }
    }
}

/// Ingests one settled batch, saying how it went; false when it failed.
async fn ingest_one(
    ctx: &Context,
    model: &Model,
    manifest: &Value,
    reference: &Table,
    path: &Path,
) -> Result<bool> {
    // A file gone (or unreadable) since it was listed is reported; the
    // watch goes on.
    let at = match batch_time(path, ctx.service.now()) {
        Ok(at) => at,
        Err(e) => {
            write_err(&format!("error: {e}"));
            return Ok(false);
        }
    };
    let batch = Batch {
        at,
        path: path.to_path_buf(),
    };
    match ingest(ctx, model, manifest, reference, &batch).await {
        Ok(outcome) => {
            if let Outcome::Recorded(r) = &outcome {
                for failure in &r.notify_failures {
                    write_err(&format!("warning: {failure}"));
                }
            }
            match ctx.json {
                true => super::output::print_json(&outcome_json(&batch, &outcome))?,
                false => outln!("{}", outcome_line(&batch, &outcome)),
            }
            Ok(true)
        }
        Err(e) => {
            write_err(&format!("error: {}", about_batch(&batch.path, &e)));
            Ok(false)
        }
    }
}

/// The folder's batches with their stamps.
fn listing(dir: &Path) -> Result<BTreeMap<PathBuf, Stamp>> {
    use std::os::unix::fs::MetadataExt;
    let entries =
        std::fs::read_dir(dir).wrap_err_with(|| format!("{}: cannot list", dir.display()))?;
    let mut files = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !is_batch(&path) {
            continue;
        }
        if let Ok(m) = std::fs::metadata(&path) {
            let stamp = Stamp {
                len: m.len(),
                modified: m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                inode: m.ino(),
            };
            files.insert(path, stamp);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(len: u64, inode: u64) -> Stamp {
        Stamp {
            len,
            modified: SystemTime::UNIX_EPOCH + Duration::from_secs(len),
            inode,
        }
    }

    fn one(path: &str, s: Stamp) -> BTreeMap<PathBuf, Stamp> {
        BTreeMap::from([(PathBuf::from(path), s)])
    }

    #[test]
    fn a_file_written_in_two_halves_is_taken_once_it_settles_and_once_only() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut s = Settler::new(BTreeMap::new(), Duration::from_secs(5));
        assert!(s.look(one("b.csv", stamp(10, 1)), at(0)).ready.is_empty());
        assert!(
            s.look(one("b.csv", stamp(10, 1)), at(2900))
                .ready
                .is_empty()
        );
        // The rest arrives 3 s later: the interval starts again.
        assert!(
            s.look(one("b.csv", stamp(20, 1)), at(3000))
                .ready
                .is_empty()
        );
        assert!(
            s.look(one("b.csv", stamp(20, 1)), at(7900))
                .ready
                .is_empty()
        );
        let look = s.look(one("b.csv", stamp(20, 1)), at(8000));
        assert_eq!(look.ready, [PathBuf::from("b.csv")]);
        s.done(Path::new("b.csv"), true);
        assert!(
            s.look(one("b.csv", stamp(20, 1)), at(20000))
                .ready
                .is_empty()
        );
        // Changed in place afterwards: said once, never ingested again.
        let look = s.look(one("b.csv", stamp(30, 1)), at(21000));
        assert!(look.ready.is_empty());
        assert_eq!(look.warnings.len(), 1, "{look:?}");
        for ms in [30000, 60000] {
            assert_eq!(s.look(one("b.csv", stamp(30, 1)), at(ms)), Look::default());
        }
        // Another file renamed over it is another batch.
        s.look(one("b.csv", stamp(40, 2)), at(61000));
        let look = s.look(one("b.csv", stamp(40, 2)), at(66000));
        assert_eq!(look.ready, [PathBuf::from("b.csv")]);
    }

    #[test]
    fn history_waits_and_a_failure_is_retried_when_the_file_changes() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut s = Settler::new(one("old.csv", stamp(5, 1)), Duration::from_secs(5));
        assert!(
            s.look(one("old.csv", stamp(5, 1)), at(100))
                .ready
                .is_empty()
        );
        // History that changes afterwards is a new batch.
        s.look(one("old.csv", stamp(7, 1)), at(101));
        assert_eq!(
            s.look(one("old.csv", stamp(7, 1)), at(106)).ready,
            [PathBuf::from("old.csv")]
        );
        s.look(one("bad.csv", stamp(5, 2)), at(0));
        assert_eq!(
            s.look(one("bad.csv", stamp(5, 2)), at(5)).ready,
            [PathBuf::from("bad.csv")]
        );
        s.done(Path::new("bad.csv"), false);
        assert!(s.look(one("bad.csv", stamp(5, 2)), at(50)).ready.is_empty());
        s.look(one("bad.csv", stamp(6, 2)), at(51));
        assert_eq!(
            s.look(one("bad.csv", stamp(6, 2)), at(56)).ready,
            [PathBuf::from("bad.csv")]
        );
    }
}
