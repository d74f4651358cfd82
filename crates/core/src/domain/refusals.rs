//! Refusals decided from what is known about the target alone. The service
//! refuses with them (adding names); the app asks the same functions before
//! offering a command, so the two never disagree.

use super::lifecycle::Lifecycle;
use super::{ModelStatus, RecipeStatus};

/// An archived recipe takes no new versions, approvals or models.
pub fn archived(status: RecipeStatus) -> Option<&'static str> {
    (status == RecipeStatus::Archived).then_some("the recipe is archived (A restores it)")
}

/// An approval is given once.
pub fn approved_already(approved_by: Option<&str>) -> Option<&'static str> {
    approved_by.map(|_| "this version is approved already")
}

/// Models are registered only from an approved version.
pub fn nothing_approved(approved_version: Option<&str>) -> Option<&'static str> {
    approved_version
        .is_none()
        .then_some("no approved version yet: approve one first")
}

/// A model whose lifecycle is over moves nowhere and gets no new runs.
pub fn lifecycle_over(status: ModelStatus) -> Option<&'static str> {
    status.next().is_empty().then_some("retired is final")
}

/// A baseline has no parent to open or rebase on.
pub fn no_parent(parent_id: Option<i64>) -> Option<&'static str> {
    parent_id.is_none().then_some("a baseline has no parent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refuses_only_its_case() {
        assert!(archived(RecipeStatus::Archived).is_some());
        assert!(archived(RecipeStatus::Draft).is_none());
        assert!(approved_already(Some("ana")).is_some());
        assert!(approved_already(None).is_none());
        assert!(nothing_approved(None).is_some());
        assert!(nothing_approved(Some("1.0.0")).is_none());
        assert!(lifecycle_over(ModelStatus::Retired).is_some());
        assert!(lifecycle_over(ModelStatus::Production).is_none());
        assert!(no_parent(None).is_some());
        assert!(no_parent(Some(3)).is_none());
    }
}
