//! Where "now" comes from. Rules, seeds and screens ask a `Clock` rather than
//! the wall clock, so a test can pin the instant and behave the same at any
//! hour of the day.

use chrono::{DateTime, SubsecRound, Utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// Always the same instant (tests, reproducible demos).
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// Now, truncated to microseconds so both backends store the same instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now().trunc_subsecs(6),
            Clock::Fixed(at) => *at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_does_not_move() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::Fixed(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.now(), at);
    }

    #[test]
    fn the_system_clock_keeps_microseconds_only() {
        let now = Clock::System.now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
    }
}
