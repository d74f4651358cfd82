//! Everything the core asks of the operating system, in one place: opening
//! input files within a size limit, and spreading work over the cores. The
//! rest of the core takes bytes, readers and tables; `tests/architecture.rs`
//! refuses `std::fs`, `std::thread` and the like anywhere else in the crate.

pub mod input_file;
pub mod threads;

/// An opened input file, as `input_file::open_regular` hands it out.
pub use std::fs::File;
