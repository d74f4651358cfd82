//! The exit status of a command that did not succeed, read from the kind of
//! what stopped it (never from its message). Every kind is 1 today, as
//! docs/cli.md promises scripts; a kind that needs its own status changes
//! here alone. Status 2 is clap's (bad usage) and never comes from here.

use crate::service::Kind;
use color_eyre::eyre::Report;

/// A refusal or failure of this kind.
pub fn status(kind: Kind) -> u8 {
    match kind {
        // "error: no recipe 'nope'".
        Kind::NotFound => 1,
        // A rule refused it; a name that is taken.
        Kind::Invalid | Kind::Exists => 1,
        // Changed since it was shown: look again.
        Kind::Conflict => 1,
        // Governance: four-eyes, not the author, no anonymous changes.
        Kind::Forbidden => 1,
        // Another writer held the database: the same command may work now.
        Kind::Busy => 1,
        Kind::Internal => 1,
    }
}

/// The status for a command's error: its kind's, else 1 (a file that
/// cannot be read, a run that failed, anything else that went wrong).
pub fn status_of(e: &Report) -> u8 {
    Kind::in_report(e).map(status).unwrap_or(1)
}
