//! Artifact files of runs: copied under the run's folder in the data
//! directory, with size and SHA-256, and previewed when they are text.

use crate::store::RunArtifact;
use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr, eyre};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Where a run's artifacts are kept.
pub fn artifacts_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("artifacts")
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

/// Copies `source` to `dest` inside the run's artifacts (unless it is that
/// file already) and describes it.
pub fn store_artifact(
    run_dir: &Path,
    run_id: i64,
    source: &Path,
    dest: &str,
    at: DateTime<Utc>,
) -> Result<RunArtifact> {
    let dest = check_artifact_path(dest)?;
    let target = artifacts_dir(run_dir).join(&dest);
    let meta =
        std::fs::metadata(source).wrap_err_with(|| format!("artifact {}", source.display()))?;
    if !meta.is_file() {
        return Err(eyre!("artifact {}: not a file", source.display()));
    }
    let same = std::fs::canonicalize(source).ok() == std::fs::canonicalize(&target).ok();
    if !same {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
        }
        // Copied beside, then renamed: a reader never sees half a file.
        let partial = target.with_extension("nexml-partial");
        std::fs::copy(source, &partial)
            .wrap_err_with(|| format!("copying {} to {}", source.display(), target.display()))?;
        std::fs::rename(&partial, &target)
            .wrap_err_with(|| format!("moving {} into place", target.display()))?;
    }
    let (size, sha256) = digest(&target)?;
    Ok(RunArtifact {
        run_id,
        path: dest,
        size,
        sha256,
        uri: target.display().to_string(),
        at,
    })
}

/// Writes `bytes` as the run's artifact `dest` (an upload) and describes it.
pub fn write_artifact(
    run_dir: &Path,
    run_id: i64,
    dest: &str,
    bytes: &[u8],
    at: DateTime<Utc>,
) -> Result<RunArtifact> {
    let dest = check_artifact_path(dest)?;
    let target = artifacts_dir(run_dir).join(&dest);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    }
    let partial = target.with_extension("nexml-partial");
    std::fs::write(&partial, bytes).wrap_err_with(|| format!("writing {}", target.display()))?;
    std::fs::rename(&partial, &target)
        .wrap_err_with(|| format!("moving {} into place", target.display()))?;
    Ok(RunArtifact {
        run_id,
        path: dest,
        size: bytes.len() as i64,
        sha256: hex(&Sha256::digest(bytes)),
        uri: target.display().to_string(),
        at,
    })
}

fn digest(path: &Path) -> Result<(i64, String)> {
    let mut file =
        std::fs::File::open(path).wrap_err_with(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0i64;
    loop {
        let n = file
            .read(&mut buf)
            .wrap_err_with(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as i64;
        hasher.update(&buf[..n]);
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
