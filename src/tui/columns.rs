//! The Runs tab's columns: which metrics and params it shows besides its
//! own, and how it is sorted. A sort is the search's `order by` clause, so
//! what the list is sorted by is always written where the user can read
//! and edit it, and `x` clears it with the rest of the search.

use crate::runs::filter::{self, Field, OrderBy};
use std::collections::{BTreeMap, HashMap};

/// The run's own columns that can be sorted by: (order-by field, label).
pub const SORTABLE_ATTRIBUTES: &[(&str, &str)] = &[
    ("id", "Id"),
    ("name", "Name"),
    ("recipe", "Recipe"),
    ("model", "Model"),
    ("type", "Type"),
    ("status", "Status"),
    ("started", "Started"),
];

/// The most metric and param names offered (each).
pub const MAX_CHOICES: i64 = 200;

/// What the Runs tab shows besides its own columns.
#[derive(Debug, Default)]
pub struct RunColumns {
    /// `metrics.<key>` and `params.<key>`, in the order chosen.
    pub shown: Vec<String>,
    /// The shown params of the runs in the loaded window, by run.
    pub params: HashMap<i64, BTreeMap<String, String>>,
}

impl RunColumns {
    /// The names of the shown params, for loading their values.
    pub fn param_keys(&self) -> Vec<String> {
        self.shown
            .iter()
            .filter_map(|c| key_of(c))
            .filter_map(|(metric, key)| (!metric).then_some(key))
            .collect()
    }

    /// Shows the column, or hides it when shown.
    pub fn toggle(&mut self, column: &str) {
        match self.shown.iter().position(|c| c == column) {
            Some(at) => {
                self.shown.remove(at);
            }
            None => self.shown.push(column.to_string()),
        }
    }

    pub fn is_shown(&self, column: &str) -> bool {
        self.shown.iter().any(|c| c == column)
    }
}

/// The picker: its rows once the names are loaded, and the highlighted one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnPicker {
    pub row: usize,
    /// `metrics.<key>` then `params.<key>`; None while loading.
    pub choices: Option<Vec<String>>,
}

impl ColumnPicker {
    /// Every row: the sortable attributes, then the metric and param names.
    pub fn rows(&self) -> Vec<String> {
        SORTABLE_ATTRIBUTES
            .iter()
            .map(|(field, _)| field.to_string())
            .chain(self.choices.iter().flatten().cloned())
            .collect()
    }

    /// Whether a row is a metric or a param (can be shown), not one of the
    /// run's own columns (always shown).
    pub fn can_toggle(column: &str) -> bool {
        column.starts_with("metrics.") || column.starts_with("params.")
    }
}

/// Metric then param names as the picker lists them, written as the
/// filter language reads them (odd keys backquoted).
pub fn choices(metrics: Vec<String>, params: Vec<String>) -> Vec<String> {
    metrics
        .into_iter()
        .map(Field::Metric)
        .chain(params.into_iter().map(Field::Param))
        .map(|field| field.to_string())
        .collect()
}

/// How the search sorts by `column`: None, Some(false) ascending,
/// Some(true) descending (its first order-by key only).
pub fn sorted_by(search: &str, column: &str) -> Option<bool> {
    let first = first_order_key(search)?;
    let field = parse_field(column)?;
    (first.field == field).then_some(first.descending)
}

/// The search with its sort moved on by one step for `column`: ascending,
/// then descending, then no sort (newest first).
pub fn cycle_sort(search: &str, column: &str) -> String {
    let (expression, _) = filter::split_order_by(search);
    let next = match sorted_by(search, column) {
        None => Some(column.to_string()),
        Some(false) => Some(format!("{column} desc")),
        Some(true) => None,
    };
    match next {
        Some(order) if expression.is_empty() => format!("order by {order}"),
        Some(order) => format!("{expression} order by {order}"),
        None => expression.to_string(),
    }
}

fn first_order_key(search: &str) -> Option<OrderBy> {
    let (_, order) = filter::split_order_by(search);
    filter::parse_order_by(order?).ok()?.into_iter().next()
}

fn parse_field(column: &str) -> Option<Field> {
    filter::parse_order_by(column)
        .ok()?
        .into_iter()
        .next()
        .map(|o| o.field)
}

/// A column's heading: its key without the prefix.
pub fn heading(column: &str) -> String {
    key_of(column).map_or_else(|| column.to_string(), |(_, key)| key)
}

/// The key a shown column reads from a run (`metrics.<key>` or
/// `params.<key>`), unquoted.
pub fn key_of(column: &str) -> Option<(bool, String)> {
    match parse_field(column)? {
        Field::Metric(key) => Some((true, key)),
        Field::Param(key) => Some((false, key)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_cycles_ascending_descending_then_off_keeping_the_filter() {
        let search = "metrics.rmse < 0.5";
        let once = cycle_sort(search, "metrics.rmse");
        assert_eq!(once, "metrics.rmse < 0.5 order by metrics.rmse");
        assert_eq!(sorted_by(&once, "metrics.rmse"), Some(false));
        let twice = cycle_sort(&once, "metrics.rmse");
        assert_eq!(twice, "metrics.rmse < 0.5 order by metrics.rmse desc");
        assert_eq!(sorted_by(&twice, "metrics.rmse"), Some(true));
        assert_eq!(cycle_sort(&twice, "metrics.rmse"), search);
    }

    #[test]
    fn sorting_by_another_column_replaces_the_sort() {
        let search = "order by metrics.rmse desc";
        assert_eq!(cycle_sort(search, "params.lr"), "order by params.lr");
        assert_eq!(sorted_by(search, "params.lr"), None);
        assert_eq!(cycle_sort("", "started"), "order by started");
        assert_eq!(sorted_by("order by start_time", "started"), Some(false));
    }

    #[test]
    fn odd_keys_are_quoted_so_the_sort_parses() {
        let c = choices(
            vec!["val loss".into()],
            vec!["lr".into(), "batch size".into()],
        );
        assert_eq!(
            c,
            ["metrics.`val loss`", "params.lr", "params.`batch size`"]
        );
        let sorted = cycle_sort("", &c[0]);
        assert_eq!(sorted_by(&sorted, &c[0]), Some(false));
        assert_eq!(key_of(&c[0]), Some((true, "val loss".to_string())));
        assert_eq!(heading(&c[0]), "val loss");
        let mut columns = RunColumns::default();
        columns.toggle(&c[2]);
        assert_eq!(
            columns.param_keys(),
            ["batch size"],
            "loaded by the key itself"
        );
    }

    #[test]
    fn toggling_shows_then_hides_and_lists_param_keys() {
        let mut columns = RunColumns::default();
        columns.toggle("metrics.rmse");
        columns.toggle("params.lr");
        assert_eq!(columns.param_keys(), ["lr"]);
        columns.toggle("metrics.rmse");
        assert_eq!(columns.shown, ["params.lr"]);
    }
}
