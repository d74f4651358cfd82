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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;
    use color_eyre::eyre::WrapErr;

    #[test]
    fn every_kind_exits_1_as_documented() {
        for kind in [
            Kind::NotFound,
            Kind::Invalid,
            Kind::Exists,
            Kind::Conflict,
            Kind::Forbidden,
            Kind::Busy,
            Kind::Internal,
        ] {
            assert_eq!(status(kind), 1, "{kind:?}");
        }
    }

    #[test]
    fn the_kind_is_found_under_the_context_a_command_adds() {
        let e: color_eyre::Result<()> =
            Err(ServiceError::forbidden("four-eyes rule")).wrap_err("approving");
        let e = e.unwrap_err();
        assert_eq!(Kind::in_report(&e), Some(Kind::Forbidden));
        assert_eq!(status_of(&e), 1);
        assert_eq!(status_of(&color_eyre::eyre::eyre!("no such file")), 1);
    }
}
