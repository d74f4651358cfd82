//! nexml: a terminal workspace for ML model development.
//!
//! Three crates, each depending only on the ones before it (cargo refuses
//! cycles): `nexml-core` (rules without I/O), `nexml-store` (persistence) and
//! this one, the app: `cli` and `tui` are two faces over the operations here,
//! `seed` fills a store. `docs/architecture.md` draws the layers.

pub use nexml_core::io::input_file;
pub use nexml_core::{assistant, domain, drift, monitoring, runs, text, trainers};
pub use nexml_store as store;

pub mod artifacts;
pub mod base_version;
pub mod baselines;
pub mod cli;
pub mod config;
pub mod database_identity;
pub mod exec;
pub mod keymap;
pub mod llm;
pub mod recipe_files;
pub mod seed;
pub mod serve;
pub mod service;
pub mod shown;
pub mod tui;
