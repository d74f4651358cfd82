//! The library's four tabs.

use crate::domain::{ModelStatus, RecipeStatus, RunStatus};
use crate::store::SortColumn;

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

    /// One of its items, as a word ("recipe", "run").
    pub fn noun(self) -> &'static str {
        match self {
            Tab::Recipes => "recipe",
            Tab::Models | Tab::Monitoring => "model",
            Tab::Runs => "run",
        }
    }

    /// Its place in `Tab::ALL` (declared in the same order).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the list is in id order, so a window can start beside a row
    /// (a keyset) instead of at a position.
    pub fn ordered_by_id(self) -> bool {
        self == Tab::Runs
    }

    /// The audited entities whose changes this tab's rows show.
    pub fn entities(self) -> &'static [&'static str] {
        match self {
            Tab::Recipes => &["recipe", "recipe_version"],
            Tab::Models => &["model", "recipe"],
            Tab::Runs => &["run", "model", "recipe"],
            Tab::Monitoring => &["model", "snapshot", "alert"],
        }
    }

    /// The statuses the filter picker offers on this tab.
    pub fn statuses(self) -> Vec<&'static str> {
        match self {
            Tab::Recipes => RecipeStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Tab::Models | Tab::Monitoring => ModelStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Tab::Runs => RunStatus::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }

    /// The columns its list sorts by (`C`), named as its header names them.
    /// Runs sort by any column through the search's `order by` instead.
    pub fn sort_columns(self) -> &'static [(&'static str, SortColumn)] {
        match self {
            Tab::Recipes => &[
                ("Name", SortColumn::Name),
                ("Family", SortColumn::Family),
                ("Level", SortColumn::Level),
                ("Status", SortColumn::Status),
                ("Updated", SortColumn::Updated),
            ],
            Tab::Models => &[
                ("Name", SortColumn::Name),
                ("Family", SortColumn::Family),
                ("Status", SortColumn::Status),
                ("Owner", SortColumn::Owner),
                ("Recipe version", SortColumn::Recipe),
                ("Updated", SortColumn::Updated),
            ],
            Tab::Monitoring => &[
                ("Model", SortColumn::Name),
                ("Worst drift", SortColumn::Drift),
                ("Alerts", SortColumn::Alerts),
                ("Updated", SortColumn::Updated),
            ],
            Tab::Runs => &[],
        }
    }

    pub fn has_level(self) -> bool {
        self == Tab::Recipes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_knows_its_place() {
        for (i, tab) in Tab::ALL.iter().enumerate() {
            assert_eq!(tab.index(), i, "{tab:?}");
        }
    }
}
