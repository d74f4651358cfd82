//! nexml: a terminal workspace for ML model development.
//!
//! Layers (who may call whom): `cli` and `tui` are two faces over `domain`
//! (pure rules) and `store` (persistence); `seed` fills a store; `drift`
//! holds the statistics.

pub mod assistant;
pub mod chat;
pub mod cli;
pub mod config;
pub mod domain;
pub mod drift;
pub mod monitoring;
pub mod seed;
pub mod store;
pub mod text;
pub mod tui;
