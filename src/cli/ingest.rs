//! `monitor ingest` and `monitor watch`: batches of data (CSV or Parquet)
//! measured against a reference and recorded as snapshots through the one
//! path: one file, a folder of them (a backfilled history, in the order of
//! their times), or each new file a scheduled job drops into a watched
//! folder (`watch`). Only the columns the manifest measures are read.

use super::Context;
use crate::drift::{Table, Wanted};
use crate::service::monitoring::{Ingested, Recorded};
use crate::store::{BatchOrigin, IngestedBatch, Model, NewSnapshot};
use chrono::{DateTime, NaiveDate, Utc};
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// One batch: a data file and when it was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub path: PathBuf,
    pub at: DateTime<Utc>,
}

/// When a batch was taken: the date its name holds (`sales-2026-11-27.csv`,
/// the end of that day, or `now` while that day lasts), else when the file
/// was last written.
pub fn batch_time(path: &Path, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(date) = date_in(&name) {
        return date
            .and_hms_opt(23, 59, 59)
            .map(|t| t.and_utc().min(now))
            .ok_or_else(|| eyre!("{}: no time at the end of {date}", path.display()));
    }
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .wrap_err_with(|| format!("{}: cannot read when it was written", path.display()))?;
    Ok(DateTime::<Utc>::from(modified))
}

/// The first `YYYY-MM-DD` date in a file name.
fn date_in(name: &str) -> Option<NaiveDate> {
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    chars.windows(10).find_map(|w| {
        // Exactly digits and dashes as in 2026-11-27 (chrono alone would
        // read "-2026-11-2" as a negative year).
        let shape = w.iter().enumerate().all(|(i, (_, c))| match i {
            4 | 7 => *c == '-',
            _ => c.is_ascii_digit(),
        });
        if !shape {
            return None;
        }
        let (start, _) = w[0];
        let end = w[9].0 + w[9].1.len_utf8();
        NaiveDate::parse_from_str(&name[start..end], "%Y-%m-%d").ok()
    })
}

/// The data files of a folder (not its subfolders), oldest batch first.
pub fn batches_in(dir: &Path, now: DateTime<Utc>) -> Result<Vec<Batch>> {
    let entries =
        std::fs::read_dir(dir).wrap_err_with(|| format!("{}: cannot list", dir.display()))?;
    let mut batches = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if is_batch(&path) {
            let at = batch_time(&path, now)?;
            batches.push(Batch { path, at });
        }
    }
    batches.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.path.cmp(&b.path)));
    Ok(batches)
}

/// A data file, not hidden: a writer may write `.name.csv` (or
/// `name.csv.part`) and rename it when done.
pub(super) fn is_batch(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    !hidden && path.is_file() && crate::drift::is_data_file(path)
}

/// Which batch a file is: its bytes' SHA-256, its absolute path, and which
/// file is at that path (device and inode, and its birth where the file
/// system keeps it, so a new file on a reused inode is another).
pub fn origin_of(path: &Path) -> Result<BatchOrigin> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let limit = match crate::drift::Format::of(path) {
        crate::drift::Format::Csv => crate::drift::MAX_CSV_BYTES,
        crate::drift::Format::Parquet => crate::drift::MAX_PARQUET_BYTES,
    };
    // A regular file within the reader's limit: a FIFO never blocks here.
    let mut file = crate::input_file::open_regular(path, limit)?;
    let meta = file
        .metadata()
        .wrap_err_with(|| format!("{}: cannot read what file it is", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .wrap_err_with(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let sha256: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let born = meta
        .created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().to_string())
        .unwrap_or_else(|| "-".into());
    let file_path = std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    Ok(BatchOrigin {
        sha256,
        file_path,
        file_id: format!("{}:{}:{born}", meta.dev(), meta.ino()),
    })
}

/// What became of a batch: recorded, or skipped as one the model has
/// already (the batch stored then, and this file's origin, to say why).
#[derive(Debug, Clone)]
pub enum Outcome {
    Recorded(Box<Recorded>),
    Skipped {
        before: IngestedBatch,
        origin: BatchOrigin,
    },
}

/// Measures one batch against the reference with the model's manifest and
/// records it (its rules checked, its alerts opened or resolved), unless
/// the model has it already: then nothing is read further or stored.
pub async fn ingest(
    ctx: &Context,
    model: &Model,
    manifest: &Value,
    reference: &Table,
    batch: &Batch,
) -> Result<Outcome> {
    let origin = origin_of(&batch.path)?;
    // Looked up first so a batch ingested before is not measured again;
    // the service looks again with the model locked.
    if let Some(before) = ctx.store.ingested_batch(model.id, &origin).await? {
        return Ok(Outcome::Skipped { before, origin });
    }
    let needed = crate::monitoring::needed_columns(manifest);
    let current = crate::drift::load_table(&batch.path, &Wanted::of(&needed))?;
    let measured =
        crate::monitoring::measure(manifest, model.model_family, reference, &current, batch.at)
            .map_err(|e| eyre!(e))?;
    let snapshot = NewSnapshot {
        captured_at: batch.at,
        performance: measured.performance,
        drift: measured.drift,
        freshness: measured.freshness,
        alerts: json!([]),
    };
    let ingested = ctx
        .service
        .record_batch(model.id, snapshot, &origin, &ctx.user)
        .await?;
    Ok(match ingested {
        Ingested::Recorded(r) => Outcome::Recorded(r),
        Ingested::Skipped(before) => Outcome::Skipped { before, origin },
    })
}

/// An error about a batch as one line naming its file once (the readers'
/// errors begin with it already).
pub fn about_batch(path: &Path, e: &color_eyre::eyre::Report) -> String {
    let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    let chain = chain.join(": ");
    let shown = path.display().to_string();
    match chain.starts_with(&shown) {
        true => chain,
        false => format!("{shown}: {chain}"),
    }
}

/// Why a batch was skipped: the same content (from another file, if so),
/// or the same file changed since it was ingested.
fn skip_reason(before: &IngestedBatch, origin: &BatchOrigin) -> String {
    if origin.sha256 != before.sha256 {
        "changed since: a batch is ingested once (write a new file for a new batch)".into()
    } else if origin.file_path != before.file_path {
        format!("the same content as {}", before.file_path)
    } else {
        "the same content".into()
    }
}

/// The line for a batch the model has already.
fn skipped_line(batch: &Batch, before: &IngestedBatch, origin: &BatchOrigin) -> String {
    format!(
        "skipped {}: already ingested on {} as snapshot {} ({})",
        batch.path.display(),
        super::output::time(&before.ingested_at),
        before.snapshot_id,
        skip_reason(before, origin)
    )
}

/// What became of a batch, as `--json` prints it: the snapshot recorded
/// (see `recorded_json`), or the file skipped, why, and the batch stored
/// before.
pub fn outcome_json(batch: &Batch, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Recorded(r) => recorded_json(r),
        Outcome::Skipped { before, origin } => json!({"skipped": {
            "file": batch.path.display().to_string(),
            "reason": skip_reason(before, origin),
            "snapshot_id": before.snapshot_id,
            "ingested_at": before.ingested_at,
            "ingested_by": before.ingested_by,
            "ingested_from": before.file_path,
            "sha256": before.sha256,
        }}),
    }
}

/// One line for what became of a batch.
pub fn outcome_line(batch: &Batch, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Recorded(r) => summary(batch, r),
        Outcome::Skipped { before, origin } => skipped_line(batch, before, origin),
    }
}

/// A recorded snapshot as `--json` prints it: the snapshot, the alerts it
/// opened, updated or resolved, and every rule as checked.
pub fn recorded_json(r: &Recorded) -> Value {
    json!({"snapshot": r.snapshot, "alerts": r.alerts, "rules": r.evaluations})
}

/// One line for a recorded batch: its snapshot, and the rules that fired.
pub fn summary(batch: &Batch, r: &Recorded) -> String {
    let fired: Vec<&str> = r
        .evaluations
        .iter()
        .filter(|e| e.fired)
        .map(|e| e.rule.name.as_str())
        .collect();
    format!(
        "{}: snapshot {} at {}{}",
        batch.path.display(),
        r.snapshot.id,
        super::output::time(&r.snapshot.captured_at),
        match fired.is_empty() {
            true => ", every rule within".to_string(),
            false => format!(", fired: {}", fired.join(", ")),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer can write under a hidden or non-data name and rename.
    #[test]
    fn hidden_and_partial_files_are_not_batches() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["sales.csv", ".sales.csv", "sales.csv.part", "b.parquet"] {
            std::fs::write(dir.path().join(name), "a\n1\n").unwrap();
        }
        std::fs::create_dir(dir.path().join("folder.csv")).unwrap();
        let now = "2026-12-01T00:00:00Z".parse().unwrap();
        let mut names: Vec<String> = batches_in(dir.path(), now)
            .unwrap()
            .iter()
            .map(|b| b.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["b.parquet", "sales.csv"]);
    }

    #[test]
    fn a_batch_named_by_date_is_taken_at_the_end_of_that_day() {
        assert_eq!(
            date_in("sales-2026-11-27.csv"),
            NaiveDate::from_ymd_opt(2026, 11, 27)
        );
        assert_eq!(date_in("2026-02-30-x"), None, "not a date");
        assert_eq!(date_in("batch-7"), None);
        assert_eq!(date_in("é-2026-01-05"), NaiveDate::from_ymd_opt(2026, 1, 5));
        let later = "2026-12-01T00:00:00Z".parse().unwrap();
        let at = batch_time(Path::new("/nowhere/sales-2026-11-27.csv"), later).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-27T23:59:59+00:00");
        // Today's batch is taken now, never in the future.
        let noon = "2026-11-27T12:00:00Z".parse().unwrap();
        let at = batch_time(Path::new("/nowhere/sales-2026-11-27.csv"), noon).unwrap();
        assert_eq!(at, noon);
    }
}
