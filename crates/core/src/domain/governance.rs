//! Rules that depend on configuration rather than on the data.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Governance {
    /// Four-eyes rule: the author of a version cannot approve it.
    pub distinct_approver: bool,
}
