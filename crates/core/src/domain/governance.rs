//! Rules that depend on configuration rather than on the data.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Governance {
    /// Four-eyes rule: the author of a version cannot approve it.
    pub distinct_approver: bool,
    /// The largest manifest kept, in bytes of compact JSON.
    pub max_manifest_bytes: usize,
}

impl Governance {
    /// Why `approver` may not approve version `version` of `recipe`, written
    /// by `author`: the four-eyes rule, when it is on.
    pub fn approval_refusal(
        &self,
        author: &str,
        approver: &str,
        version: &str,
        recipe: &str,
    ) -> Option<String> {
        (self.distinct_approver && author == approver).then(|| {
            format!(
                "four-eyes rule: {approver} wrote version {version} of '{recipe}' and cannot approve it; another user must (governance.distinct_approver)"
            )
        })
    }
}

impl Default for Governance {
    fn default() -> Self {
        Governance {
            distinct_approver: false,
            max_manifest_bytes: crate::domain::manifest::DEFAULT_MAX_MANIFEST_BYTES,
        }
    }
}
