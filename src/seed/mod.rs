//! Content that nexml puts in a database: the baseline recipes, the demo data
//! and generated content at scale.

mod baselines;
mod batches;
mod demo;
mod generate;
mod random;
mod report;

pub use crate::baselines::{
    BASELINES, Baseline, baseline_example, baseline_manifest_text, baseline_name,
};
pub use baselines::seed_baselines;
pub use demo::{demo_start, seed_demo};
pub use generate::{
    GenerateOptions, GenerateReport, Step, TrackingOptions, generate, generate_tracked,
};
pub use report::{SEED_ACTOR, SeedReport};
