//! What an insert writes: rows exactly as stored, decided by the caller.

use chrono::{DateTime, Utc};
use nexml_core::domain::kinds::Bump;
use nexml_core::domain::{ChatRole, ChatStatus, ModelFamily, RecipeLevel, RecipeStatus, RunType};
use nexml_core::monitoring::Rule;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct RecipeRow<'a> {
    pub name: &'a str,
    pub model_family: ModelFamily,
    pub level: RecipeLevel,
    pub status: RecipeStatus,
    pub parent_id: Option<i64>,
    pub tags: &'a [String],
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct VersionRow<'a> {
    pub recipe_id: i64,
    pub number: semver::Version,
    pub manifest: &'a Value,
    /// RFC 6902 patch from the previous version.
    pub diff_from_prev: Value,
    pub parent_version_id: Option<i64>,
    /// RFC 7386 overlay on the pinned parent version.
    pub overlay: Option<Value>,
    pub bump: Bump,
    pub note: &'a str,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ModelRow<'a> {
    pub name: &'a str,
    pub model_family: ModelFamily,
    pub recipe_id: i64,
    pub recipe_version_id: i64,
    pub owner: &'a str,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RunRow<'a> {
    pub model_id: Option<i64>,
    /// `None`: a run of an experiment no recipe is linked to.
    pub recipe_id: Option<i64>,
    pub recipe_version_id: Option<i64>,
    /// `None`: the recipe's own experiment.
    pub experiment_id: Option<i64>,
    pub run_type: RunType,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SnapshotRow<'a> {
    pub model_id: i64,
    pub snapshot: &'a crate::NewSnapshot,
    /// The rules that fired, as stored beside the snapshot.
    pub alerts: &'a Value,
    pub actor: &'a str,
}

/// Which batch of data a snapshot was measured from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOrigin {
    /// SHA-256 of the file's bytes, in hex.
    pub sha256: String,
    /// The file's absolute path.
    pub file_path: String,
    /// Which file it is at that path (device, inode, birth where known):
    /// a file renamed over it is another.
    pub file_id: String,
}

#[derive(Debug, Clone)]
pub struct AlertRow<'a> {
    pub model_id: i64,
    pub rule: &'a Rule,
    pub value: f64,
    pub message: &'a str,
    pub snapshot_id: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ChatRow<'a> {
    pub recipe_id: Option<i64>,
    pub role: ChatRole,
    pub text: &'a str,
    pub proposal: Option<&'a Value>,
    pub status: ChatStatus,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
    /// The recipe version a proposal was made against.
    pub base_version: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct AuditRow<'a> {
    pub actor: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub details: Value,
    pub at: DateTime<Utc>,
}
