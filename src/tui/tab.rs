//! The library's four tabs.

use crate::domain::{ModelStatus, RecipeStatus, RunStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Recipes,
    Models,
    Runs,
    Monitoring,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Recipes, Tab::Models, Tab::Runs, Tab::Monitoring];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Recipes => "Recipes",
            Tab::Models => "Models",
            Tab::Runs => "Runs",
            Tab::Monitoring => "Monitoring",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The statuses the filter picker offers on this tab.
    pub fn statuses(self) -> Vec<&'static str> {
        match self {
            Tab::Recipes => RecipeStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Tab::Models | Tab::Monitoring => ModelStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Tab::Runs => RunStatus::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }

    pub fn has_level(self) -> bool {
        self == Tab::Recipes
    }
}
