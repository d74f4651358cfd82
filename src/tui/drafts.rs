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
