//! Rules that depend on configuration rather than on the data.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Governance {
    /// Four-eyes rule: the author of a version cannot approve it.
    pub distinct_approver: bool,
    /// The largest manifest kept, in bytes of compact JSON.
    pub max_manifest_bytes: usize,
}

impl Default for Governance {
    fn default() -> Self {
        Governance {
            distinct_approver: false,
            max_manifest_bytes: crate::domain::manifest::DEFAULT_MAX_MANIFEST_BYTES,
        }
    }
}
