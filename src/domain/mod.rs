//! Types and rules with no I/O: kinds, lifecycles, versions, manifests, diffs.

pub mod diff;
pub mod inheritance;
pub mod kinds;
pub mod lifecycle;
pub mod manifest;
pub mod version;

pub use kinds::{ModelFamily, ModelStatus, RecipeLevel, RecipeStatus, RunStatus, RunType};
