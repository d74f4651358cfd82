//! The library's four tabs: the table of what differs between them.
//! `with_row_type!` says which rows each lists; the traits each layer
//! implements for those rows say the rest (`state::Listed`, its list;
//! `list_loads::ListSource`, how its rows are read; `library_rows::LibraryRow`,
//! how one is selected, found and opened; `view::library::DrawnTab`, how
//! the list is drawn). No other file matches on a tab.

use crate::domain::{ModelStatus, RecipeStatus, RunStatus};
use crate::store::SortColumn;

/// Runs `$body` with `$T` naming the row type `$tab` lists.
macro_rules! with_row_type_impl {
    ($tab:expr, $T:ident => $body:expr) => {
        match $tab {
            $crate::tui::tab::Tab::Recipes => {
                type $T = $crate::store::Recipe;
                $body
            }
            $crate::tui::tab::Tab::Models => {
                type $T = $crate::store::Model;
                $body
            }
            $crate::tui::tab::Tab::Runs => {
                type $T = $crate::store::Run;
                $body
            }
            $crate::tui::tab::Tab::Monitoring => {
                type $T = $crate::store::MonitorRow;
                $body
            }
        }
    };
}

pub(crate) use with_row_type_impl as with_row_type;

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
            // An experiment renamed or linked to a recipe changes its runs.
            Tab::Runs => &["run", "model", "recipe", "experiment"],
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

    /// Whether `C` picks the list's columns (metrics and params, sorted by
    /// the search's `order by`) rather than a column to sort by.
    pub fn picks_columns(self) -> bool {
        self == Tab::Runs
    }

    /// The rows of its filter picker.
    pub fn filter_rows(self) -> &'static [&'static str] {
        match self {
            Tab::Recipes => &["family", "level", "status"],
            Tab::Runs => &["family", "type", "status"],
            Tab::Models | Tab::Monitoring => &["family", "status"],
        }
    }

    pub fn has_level(self) -> bool {
        self == Tab::Recipes
    }

    /// Whether its search is the run filter language (`metrics.mape < 0.2`)
    /// rather than words to find.
    pub fn searches_with_filter_language(self) -> bool {
        self == Tab::Runs
    }

    /// Whether its rows are marked (space) to compare, cancel or tag at once.
    pub fn marks_rows(self) -> bool {
        self == Tab::Runs
    }

    /// Whether a row can carry the `*` of changes pending approval.
    pub fn marks_pending_changes(self) -> bool {
        self == Tab::Recipes
    }

    /// What its filter picker's title filters ("filter Runs"; the
    /// Monitoring tab lists models).
    pub fn filtered(self) -> &'static str {
        match self {
            Tab::Monitoring => "models",
            other => other.title(),
        }
    }

    /// Whether its rows have a type to filter by (train, eval, backtest).
    pub fn has_type(self) -> bool {
        self.filter_rows().contains(&"type")
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
