//! Recipes as files a team keeps in git: one folder per recipe, its
//! metadata, and each version's manifest as pretty JSON in the manifest's
//! canonical form (`domain::canonical`: the order the app shows, so a file
//! diffs line for line against the database) beside a small file of who,
//! when, why and approval, keys sorted. Two exports of the same recipes are
//! the same bytes, whichever database they came from.
//!
//! ```text
//! DIR/retail-dynamic-pricing-v1/recipe.json
//! DIR/retail-dynamic-pricing-v1/example.json          (when it has one)
//! DIR/retail-dynamic-pricing-v1/versions/1.0.0.json   (the manifest)
//! DIR/retail-dynamic-pricing-v1/versions/1.0.0.meta.json
//! ```

use crate::domain::canonical::canonical;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A recipe's own fields, as `recipe.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeMeta {
    pub name: String,
    pub model_family: String,
    pub level: String,
    pub status: String,
    /// The parent recipe's name.
    pub parent: Option<String>,
    pub tags: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A version's history, as `versions/X.Y.Z.meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionMeta {
    pub version: String,
    pub bump: String,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The parent's version this one is pinned to.
    pub parent_version: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VersionFiles {
    pub meta: VersionMeta,
    pub manifest: Value,
}

/// One recipe as files; versions oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipeFiles {
    pub meta: RecipeMeta,
    pub versions: Vec<VersionFiles>,
    pub example: Option<Value>,
}

/// The value with every object's keys in sorted order, so the text is the
/// same whichever backend (and key order) it came from.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn pretty<T: Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let mut text = serde_json::to_string_pretty(&sorted(&value)).unwrap_or_default();
    text.push('\n');
    text
}

/// A folder name for a recipe: lowercase letters, digits and dashes.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "recipe".into() } else { out }
}

/// Writes every recipe under `dir`, one folder each (a name taken twice gets
/// `-2`, `-3`, ...). Returns the folders written.
pub fn write_all(
    dir: &Path,
    recipes: &[RecipeFiles],
    mut progress: impl FnMut(usize),
) -> Result<Vec<PathBuf>, String> {
    let mut taken = std::collections::BTreeSet::new();
    let mut written = Vec::new();
    for recipe in recipes {
        let base = slug(&recipe.meta.name);
        let mut name = base.clone();
        let mut n = 1;
        while !taken.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}");
        }
        let folder = dir.join(&name);
        write_one(&folder, recipe)?;
        written.push(folder);
        progress(written.len());
    }
    Ok(written)
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_one(folder: &Path, recipe: &RecipeFiles) -> Result<(), String> {
    let versions = folder.join("versions");
    std::fs::create_dir_all(&versions).map_err(|e| format!("{}: {e}", versions.display()))?;
    write_file(&folder.join("recipe.json"), &pretty(&recipe.meta))?;
    if let Some(example) = &recipe.example {
        write_file(&folder.join("example.json"), &pretty(example))?;
    }
    for v in &recipe.versions {
        let number = &v.meta.version;
        write_file(
            &versions.join(format!("{number}.json")),
            &format!("{}\n", crate::domain::diff::pretty(&canonical(&v.manifest))),
        )?;
        write_file(
            &versions.join(format!("{number}.meta.json")),
            &pretty(&v.meta),
        )?;
    }
    Ok(())
}

/// The text of a file of the folder: a regular file (a FIFO or a device
/// is refused, never waited on) of at most `MAX_DOCUMENT_BYTES`.
fn read_text(path: &Path) -> Result<String, String> {
    use crate::input_file::{MAX_DOCUMENT_BYTES, read_limited_to_string};
    read_limited_to_string(path, MAX_DOCUMENT_BYTES).map_err(|e| e.to_string())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads every recipe folder under `dir` (folders without `recipe.json` are
/// skipped); versions come back oldest first by semver. A manifest file over
/// `max_manifest_bytes` is refused before it is parsed.
pub fn read_all(
    dir: &Path,
    max_manifest_bytes: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<RecipeFiles>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("recipe.json").is_file())
        .collect();
    folders.sort();
    let total = folders.len();
    let mut out = Vec::with_capacity(total);
    for folder in &folders {
        out.push(read_one(folder, max_manifest_bytes)?);
        progress(out.len(), total);
    }
    Ok(out)
}

fn read_one(folder: &Path, max_manifest_bytes: usize) -> Result<RecipeFiles, String> {
    let meta: RecipeMeta = read_json(&folder.join("recipe.json"))?;
    let example_path = folder.join("example.json");
    let example = example_path
        .is_file()
        .then(|| read_json(&example_path))
        .transpose()?;
    let versions_dir = folder.join("versions");
    let mut versions = Vec::new();
    if versions_dir.is_dir() {
        let entries = std::fs::read_dir(&versions_dir)
            .map_err(|e| format!("{}: {e}", versions_dir.display()))?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
                continue;
            };
            let Some(number) = file.strip_suffix(".meta.json") else {
                continue;
            };
            let meta: VersionMeta = read_json(&path)?;
            if meta.version != number {
                return Err(format!(
                    "{}: says version {} but is named {number}",
                    path.display(),
                    meta.version
                ));
            }
            let manifest_path = versions_dir.join(format!("{number}.json"));
            let text = read_text(&manifest_path)?;
            let manifest = crate::domain::manifest::parse(&text, max_manifest_bytes)
                .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
            // Sorted by an older export, or by hand: the canonical order.
            let manifest = canonical(&manifest);
            versions.push(VersionFiles { meta, manifest });
        }
    }
    versions.sort_by_key(|v| {
        semver::Version::parse(&v.meta.version).unwrap_or(semver::Version::new(0, 0, 0))
    });
    if versions.is_empty() {
        return Err(format!("{}: no versions", versions_dir.display()));
    }
    Ok(RecipeFiles {
        meta,
        versions,
        example,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_folder_names() {
        assert_eq!(
            slug("Retail Dynamic Pricing v1"),
            "retail-dynamic-pricing-v1"
        );
        assert_eq!(slug("  Ünïcode / Name!! "), "ünïcode-name");
        assert_eq!(slug("***"), "recipe");
    }

    #[test]
    fn keys_sort_at_every_depth() {
        let v = serde_json::json!({"b": {"z": 1, "a": [{"y": 1, "x": 2}]}, "a": 0});
        assert_eq!(
            serde_json::to_string(&sorted(&v)).unwrap(),
            r#"{"a":0,"b":{"a":[{"x":2,"y":1}],"z":1}}"#
        );
    }
}
