//! Types and rules with no I/O: kinds, lifecycles, versions, manifests, diffs.

pub mod audit_anchor;
pub mod audit_chain;
pub mod audit_text;
pub mod canonical;
pub mod clock;
pub mod diff;
pub mod gates;
pub mod governance;
pub mod inheritance;
pub mod kinds;
pub mod lifecycle;
pub mod locate;
pub mod manifest;
pub mod merge;
pub mod metrics;
pub mod names;
pub mod refusals;
pub mod version;

pub use clock::Clock;
pub use governance::Governance;
pub use kinds::{
    AlertSource, AlertState, ChatRole, ChatStatus, Comparison, ModelFamily, ModelStatus,
    RecipeLevel, RecipeStatus, RunStatus, RunType, Severity,
};
