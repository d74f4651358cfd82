//! nexml's core: every rule that needs no I/O. Domain types and lifecycles,
//! manifests and their diffs, drift statistics, monitoring rules and the
//! assistant's parser. No database, no terminal, no network: the store and
//! the app depend on this crate, never the other way round. What it needs of
//! the operating system (input files, threads) is in `io`, and only there.

pub mod assistant;
pub mod domain;
pub mod drift;
pub mod io;
pub mod monitoring;
pub mod runs;
pub mod text;
pub mod trainers;
