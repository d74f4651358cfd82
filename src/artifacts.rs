//! Artifact files of runs: copied under the run's folder in the data
//! directory, with size and SHA-256, and previewed when they are text.
//!
//! A file is written whole: first to a temporary file of its own in the
//! run's `.nexml-uploads/` folder (no artifact path can name it), hashed
//! as it is written, then renamed into place. Every folder on the way is a
//! real folder inside the run's `artifacts/`: a link there is refused, so
//! nothing is written outside the run's folder.

use crate::store::RunArtifact;
use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr, eyre};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a run's artifacts are kept.
pub fn artifacts_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("artifacts")
}

/// Where files being written wait, beside `artifacts/` (so no artifact
/// path reaches them) and on the same file system (so a rename moves them).
fn uploads_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(".nexml-uploads")
}

/// An artifact's path inside a run: relative, with no `..`, `/`-separated.
pub fn check_artifact_path(path: &str) -> Result<String> {
    let p = Path::new(path);
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(eyre!(
                    "artifact path '{path}': give a path inside the run (no leading /, no ..)"
                ));
            }
        }
    }
    if parts.is_empty() {
        return Err(eyre!("artifact path '{path}' names no file"));
    }
    Ok(parts.join("/"))
}

/// A file written in full beside the run's artifacts, described, and not
/// yet in place: `place` renames it there; dropped unplaced, it is removed.
pub struct Staged {
    run_dir: PathBuf,
    /// The temporary file; `None` when the source is the artifact already.
    temp: Option<PathBuf>,
    artifact: RunArtifact,
}

impl Staged {
    pub fn artifact(&self) -> &RunArtifact {
        &self.artifact
    }

    /// Renames the file into place (the folders checked again first).
    pub fn place(mut self) -> Result<RunArtifact> {
        let target = resolve_target(&self.run_dir, &self.artifact.path)?;
        if let Some(temp) = self.temp.take()
            && let Err(e) = std::fs::rename(&temp, &target)
        {
            let _ = std::fs::remove_file(&temp);
            return Err(e).wrap_err_with(|| format!("moving {} into place", target.display()));
        }
        Ok(self.artifact.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Copies `source` to `dest` inside the run's artifacts (unless it is that
/// file already) and describes it.
pub fn store_artifact(
    run_dir: &Path,
    run_id: i64,
    source: &Path,
    dest: &str,
    at: DateTime<Utc>,
) -> Result<RunArtifact> {
    stage_file(run_dir, run_id, source, dest, at)?.place()
}

/// Writes `bytes` as the run's artifact `dest` (an upload) and describes it.
pub fn write_artifact(
    run_dir: &Path,
    run_id: i64,
    dest: &str,
    bytes: &[u8],
    at: DateTime<Utc>,
) -> Result<RunArtifact> {
    stage_bytes(run_dir, run_id, dest, bytes, at)?.place()
}

/// `source` copied beside the run's artifacts, to become `dest`.
pub fn stage_file(
    run_dir: &Path,
    run_id: i64,
    source: &Path,
    dest: &str,
    at: DateTime<Utc>,
) -> Result<Staged> {
    let dest = check_artifact_path(dest)?;
    let target = resolve_target(run_dir, &dest)?;
    let meta =
        std::fs::metadata(source).wrap_err_with(|| format!("artifact {}", source.display()))?;
    if !meta.is_file() {
        return Err(eyre!("artifact {}: not a file", source.display()));
    }
    let same = std::fs::canonicalize(source).ok() == std::fs::canonicalize(&target).ok();
    let mut input =
        std::fs::File::open(source).wrap_err_with(|| format!("reading {}", source.display()))?;
    let (temp, size, sha256) = if same {
        let (size, sha256) = copy_hashing(&mut input, None, source)?;
        (None, size, sha256)
    } else {
        let (temp, mut file) = temp_file(run_dir)?;
        let staged_temp = TempGuard(Some(temp));
        let (size, sha256) = copy_hashing(&mut input, Some(&mut file), source)?;
        file.sync_all()
            .wrap_err_with(|| format!("writing {}", target.display()))?;
        (staged_temp.keep(), size, sha256)
    };
    Ok(Staged {
        run_dir: run_dir.to_path_buf(),
        temp,
        artifact: RunArtifact {
            run_id,
            path: dest,
            size,
            sha256,
            uri: target.display().to_string(),
            at,
        },
    })
}

/// `bytes` written beside the run's artifacts, to become `dest`.
pub fn stage_bytes(
    run_dir: &Path,
    run_id: i64,
    dest: &str,
    bytes: &[u8],
    at: DateTime<Utc>,
) -> Result<Staged> {
    let dest = check_artifact_path(dest)?;
    let target = resolve_target(run_dir, &dest)?;
    let (temp, mut file) = temp_file(run_dir)?;
    let guard = TempGuard(Some(temp));
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .wrap_err_with(|| format!("writing {}", target.display()))?;
    Ok(Staged {
        run_dir: run_dir.to_path_buf(),
        temp: guard.keep(),
        artifact: RunArtifact {
            run_id,
            path: dest,
            size: bytes.len() as i64,
            sha256: hex(&Sha256::digest(bytes)),
            uri: target.display().to_string(),
            at,
        },
    })
}

/// Removes a temporary file unless kept (a failed write leaves nothing).
struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn keep(mut self) -> Option<PathBuf> {
        self.0.take()
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A new temporary file of this writer's own (created exclusively).
fn temp_file(run_dir: &Path) -> Result<(PathBuf, std::fs::File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(run_dir).wrap_err_with(|| format!("creating {}", run_dir.display()))?;
    let dir = uploads_dir(run_dir);
    real_dir(&dir, ".nexml-uploads")?;
    loop {
        // Unique among live writers; a leftover of a dead process with the
        // same id is skipped by the exclusive create below.
        let name = format!(
            "{}-{}.partial",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).wrap_err_with(|| format!("creating {}", path.display())),
        }
    }
}

/// Where `dest` (checked) goes: its folders made as needed, each a real
/// folder inside the run's `artifacts/`, never a link.
fn resolve_target(run_dir: &Path, dest: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(run_dir).wrap_err_with(|| format!("creating {}", run_dir.display()))?;
    let mut dir = artifacts_dir(run_dir);
    real_dir(&dir, dest)?;
    let parts: Vec<&str> = dest.split('/').collect();
    let (file, folders) = parts
        .split_last()
        .ok_or_else(|| eyre!("artifact path '{dest}' names no file"))?;
    for folder in folders {
        dir.push(folder);
        real_dir(&dir, dest)?;
    }
    let target = dir.join(file);
    match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => Err(link_refused(dest, &target)),
        Ok(m) if m.is_dir() => Err(eyre!(
            "artifact '{dest}': {} is a folder, not a file",
            target.display()
        )),
        _ => Ok(target),
    }
}

/// `dir` is a real folder (made when missing), not a link or a file.
fn real_dir(dir: &Path, dest: &str) -> Result<()> {
    for _ in 0..2 {
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() => return Err(link_refused(dest, dir)),
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(eyre!(
                    "artifact '{dest}': {} is a file, not a folder",
                    dir.display()
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match std::fs::create_dir(dir) {
                    Ok(()) => return Ok(()),
                    // Made by a concurrent writer a moment ago: check what it is.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => {
                        return Err(e).wrap_err_with(|| format!("creating {}", dir.display()));
                    }
                }
            }
            Err(e) => return Err(e).wrap_err_with(|| format!("reading {}", dir.display())),
        }
    }
    Err(eyre!("artifact '{dest}': {} keeps changing", dir.display()))
}

fn link_refused(dest: &str, at: &Path) -> color_eyre::eyre::Report {
    eyre!(
        "artifact '{dest}': {} is a link; artifacts are written only inside the run's folder",
        at.display()
    )
}

/// Reads `input` to its end, writing it to `out` when given: its size and SHA-256.
fn copy_hashing(
    input: &mut std::fs::File,
    mut out: Option<&mut std::fs::File>,
    source: &Path,
) -> Result<(i64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0i64;
    loop {
        let n = input
            .read(&mut buf)
            .wrap_err_with(|| format!("reading {}", source.display()))?;
        if n == 0 {
            break;
        }
        size += n as i64;
        hasher.update(&buf[..n]);
        if let Some(out) = out.as_deref_mut() {
            out.write_all(&buf[..n])
                .wrap_err_with(|| format!("copying {}", source.display()))?;
        }
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first lines of a text, JSON or CSV artifact (JSON pretty-printed,
/// CSV as aligned columns); `None` for other files.
pub fn preview(artifact: &RunArtifact, max_lines: usize) -> Option<Vec<String>> {
    let ext = Path::new(&artifact.path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())?;
    let text_like = matches!(
        ext.as_str(),
        "txt" | "log" | "md" | "json" | "jsonl" | "csv" | "tsv" | "yaml" | "yml" | "toml"
    );
    if !text_like {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&artifact.uri)
        .ok()?
        .take(256 * 1024)
        .read_to_end(&mut bytes)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let lines: Vec<String> = match ext.as_str() {
        "json" => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(text)
            .lines()
            .map(str::to_string)
            .collect(),
        "csv" | "tsv" => columns(&text, if ext == "tsv" { b'\t' } else { b',' }, max_lines),
        _ => text.lines().map(str::to_string).collect(),
    };
    Some(lines.into_iter().take(max_lines).collect())
}

fn columns(text: &str, delimiter: u8, max_lines: usize) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .take(max_lines)
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(str::to_string).collect())
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..width)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| unicode_width::UnicodeWidthStr::width(s.as_str()).min(24))
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(c, s)| {
                    let cut: String = s.chars().take(24).collect();
                    format!("{cut:<w$}", w = widths[c])
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_paths_stay_inside_the_run() {
        assert_eq!(
            check_artifact_path("plots/loss.csv").unwrap(),
            "plots/loss.csv"
        );
        assert_eq!(check_artifact_path("./model.json").unwrap(), "model.json");
        for bad in ["/etc/passwd", "../x", "a/../../b", "", "."] {
            assert!(check_artifact_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_ending_like_a_temporary_file_is_an_artifact_like_any_other() {
        let dir = tempfile::tempdir().unwrap();
        let run_dir = dir.path().join("run");
        write_artifact(&run_dir, 1, "x.nexml-partial", b"first", Utc::now()).unwrap();
        write_artifact(&run_dir, 1, "x.bin", b"second", Utc::now()).unwrap();
        let artifacts = artifacts_dir(&run_dir);
        assert_eq!(
            std::fs::read(artifacts.join("x.nexml-partial")).unwrap(),
            b"first"
        );
        assert_eq!(std::fs::read(artifacts.join("x.bin")).unwrap(), b"second");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(uploads_dir(&run_dir)).unwrap().count(), 0);
    }

    #[test]
    fn a_link_in_the_runs_folder_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let run_dir = dir.path().join("run");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(artifacts_dir(&run_dir)).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, artifacts_dir(&run_dir).join("link")).unwrap();
        let err = write_artifact(&run_dir, 1, "link/x", b"x", Utc::now()).unwrap_err();
        assert!(format!("{err:#}").contains("link/x': "), "{err:#}");
        assert!(format!("{err:#}").contains("is a link"), "{err:#}");
        std::os::unix::fs::symlink(outside.join("f"), artifacts_dir(&run_dir).join("f")).unwrap();
        assert!(write_artifact(&run_dir, 1, "f", b"x", Utc::now()).is_err());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_stored_artifact_has_its_size_checksum_and_a_preview() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("metrics.csv");
        std::fs::write(&source, "step,loss\n1,0.5\n2,0.25\n").unwrap();
        let run_dir = dir.path().join("run");
        let a = store_artifact(&run_dir, 7, &source, "eval/metrics.csv", Utc::now()).unwrap();
        assert_eq!(a.size, 23);
        // `printf 'step,loss\n1,0.5\n2,0.25\n' | sha256sum`
        assert_eq!(
            a.sha256,
            hex(&Sha256::digest(b"step,loss\n1,0.5\n2,0.25\n"))
        );
        assert_eq!(a.sha256.len(), 64);
        assert!(Path::new(&a.uri).ends_with("artifacts/eval/metrics.csv"));
        assert_eq!(
            preview(&a, 10).unwrap(),
            vec!["step  loss", "1     0.5", "2     0.25"]
        );
    }
}
