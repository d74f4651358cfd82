//! Going anywhere from the palette, as k9s's `:` does: `runs failed` (a
//! tab, narrowed), `recipe retail` (the one recipe whose name says so, or
//! the list of those that do), `run 42` (one run by id). The palette lists
//! where a query goes above the commands it matches.

use crate::domain::RunType;
use crate::tui::filters::Filters;
use crate::tui::tab::Tab;

/// Where a palette query goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A tab, with these filters (empty: as it was left).
    List { tab: Tab, filters: Option<Filters> },
    /// The item of `tab` whose name matches `search`: opened when it is the
    /// only one, else the tab lists those that match.
    Find { tab: Tab, search: String },
    /// One item by id (or a loaded row's).
    Open { tab: Tab, id: i64, name: String },
}

impl Destination {
    /// The palette's line for it.
    pub fn describe(&self) -> String {
        match self {
            Destination::List { tab, filters: None } => format!("go to {}", tab.title()),
            Destination::List {
                tab,
                filters: Some(f),
            } => format!("go to {} · {}", tab.title(), f.describe().join(" ")),
            Destination::Find { tab, search } => {
                format!("find the {} named like '{search}'", tab.noun())
            }
            Destination::Open { tab, id, name } if name.is_empty() => {
                format!("open {} {id}", tab.noun())
            }
            Destination::Open { tab, id, name } => format!("open {} {id} · {name}", tab.noun()),
        }
    }
}

/// The tab a word names, and whether it named one item (singular). A
/// word of two letters or more that begins a tab's name counts, so `:ru`
/// offers Runs.
fn tab_word(word: &str) -> Option<(Tab, bool)> {
    let word = word.to_lowercase();
    if word.len() < 2 {
        return None;
    }
    const WORDS: &[(&str, Tab, bool)] = &[
        ("recipes", Tab::Recipes, false),
        ("recipe", Tab::Recipes, true),
        ("models", Tab::Models, false),
        ("model", Tab::Models, true),
        ("runs", Tab::Runs, false),
        ("run", Tab::Runs, true),
        ("monitoring", Tab::Monitoring, false),
        ("monitor", Tab::Monitoring, false),
    ];
    WORDS
        .iter()
        .find(|(name, _, _)| *name == word)
        .or_else(|| WORDS.iter().find(|(name, _, _)| name.starts_with(&word)))
        .map(|(_, tab, one)| (*tab, *one))
}

/// Where `query` goes, if its first word names a tab.
pub fn parse(query: &str) -> Option<Destination> {
    let query = query.trim();
    let (first, rest) = match query.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim()),
        None => (query, ""),
    };
    let (tab, one) = tab_word(first)?;
    if rest.is_empty() {
        return Some(Destination::List { tab, filters: None });
    }
    if one {
        if let Ok(id) = rest.trim_start_matches('#').parse::<i64>() {
            return Some(Destination::Open {
                tab,
                id,
                name: String::new(),
            });
        }
        if !tab.searches_with_filter_language() {
            return Some(Destination::Find {
                tab,
                search: rest.to_string(),
            });
        }
    }
    Some(Destination::List {
        tab,
        filters: Some(narrowed(tab, rest)),
    })
}

/// A tab's filters from the words after its name: a status or run type
/// word sets that filter; the rest is the search (the filter language on
/// Runs).
fn narrowed(tab: Tab, words: &str) -> Filters {
    let mut filters = Filters::default();
    let mut search = Vec::new();
    for word in words.split_whitespace() {
        let lower = word.to_lowercase();
        if filters.status.is_none() && tab.statuses().contains(&lower.as_str()) {
            filters.status = Some(lower);
        } else if tab.has_type()
            && filters.run_type.is_none()
            && RunType::from_filter_word(&lower).is_some()
        {
            filters.run_type = RunType::from_filter_word(&lower);
        } else {
            search.push(word);
        }
    }
    filters.search = search.join(" ");
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tab_word_goes_to_the_tab_and_the_rest_narrows_it() {
        assert_eq!(
            parse("ru"),
            Some(Destination::List {
                tab: Tab::Runs,
                filters: None
            })
        );
        let Some(Destination::List {
            tab: Tab::Runs,
            filters: Some(f),
        }) = parse("runs failed train")
        else {
            panic!("runs failed train");
        };
        assert_eq!(f.status.as_deref(), Some("failed"));
        assert_eq!(f.run_type, Some(RunType::Train));
        assert_eq!(f.search, "");
        let Some(Destination::List {
            tab: Tab::Models,
            filters: Some(f),
        }) = parse("models production bank")
        else {
            panic!("models production bank");
        };
        assert_eq!(f.status.as_deref(), Some("production"));
        assert_eq!(f.search, "bank");
    }

    #[test]
    fn one_item_by_name_or_by_id() {
        assert_eq!(
            parse("recipe weekly retail"),
            Some(Destination::Find {
                tab: Tab::Recipes,
                search: "weekly retail".into()
            })
        );
        assert_eq!(
            parse("run 42"),
            Some(Destination::Open {
                tab: Tab::Runs,
                id: 42,
                name: String::new()
            })
        );
        assert_eq!(parse("approve"), None, "a command's name is not a place");
        assert_eq!(parse("r"), None, "one letter is too little to tell");
    }
}
