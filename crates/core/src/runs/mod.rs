//! Runs' rules without I/O: the filter language of run lists, and the lines
//! a training job prints to report metrics, params, tags and artifacts.

pub mod compare;
pub mod filter;
pub mod protocol;
