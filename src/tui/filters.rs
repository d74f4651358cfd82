//! What narrows a library tab's list: family, level, status, run type, a
//! search, and the links from detail screens ("this recipe's runs").

use crate::domain::{ModelFamily, RecipeLevel};

/// What narrows a tab's list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub family: Option<ModelFamily>,
    pub level: Option<RecipeLevel>,
    pub status: Option<String>,
    /// Runs only: train, eval or backtest.
    pub run_type: Option<crate::domain::RunType>,
    pub search: String,
    /// Set by links from detail screens ("this recipe's runs").
    pub recipe: Option<(i64, String)>,
    pub model: Option<(i64, String)>,
    /// Why the search as typed does not read (the Runs filter language):
    /// meanwhile the list keeps the rows of `last_valid_search`.
    pub search_error: Option<String>,
    /// The newest search that read: the one the list's rows answer.
    pub last_valid_search: String,
    /// Recipes, Models and Monitoring: the column chosen with `C` (Runs
    /// sort in the search, `order by`).
    pub sort: Option<crate::store::ListSort>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Whether the list shows fewer rows than there are: anything set but
    /// a search that only sorts (`order by ...`).
    pub fn narrows(&self) -> bool {
        let applied = self.applied();
        let (expression, _) = crate::runs::filter::split_order_by(&applied.search);
        let unsorted = Filters {
            search: expression.to_string(),
            last_valid_search: expression.to_string(),
            sort: None,
            ..applied
        };
        !unsorted.is_empty()
    }

    /// The search the list's rows answer: the typed one, or while it has
    /// an error the last one that read.
    pub fn search_shown(&self) -> &str {
        match self.search_error {
            Some(_) => &self.last_valid_search,
            None => &self.search,
        }
    }

    /// The filters a list is read with: the typed search's error set
    /// aside, the last valid search in its place.
    pub fn applied(&self) -> Filters {
        Filters {
            search: self.search_shown().to_string(),
            last_valid_search: self.search_shown().to_string(),
            search_error: None,
            ..self.clone()
        }
    }

    /// Reads the typed search (as the filter language where `expression`,
    /// the Runs tab): one that reads becomes the last valid search, one that
    /// does not keeps its error beside it.
    pub fn check_search(&mut self, expression: bool) {
        let error = expression.then(|| run_search(&self.search).err()).flatten();
        if error.is_none() {
            self.last_valid_search = self.search.clone();
        }
        self.search_error = error;
    }

    /// A short description for the list's title line.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(f) = self.family {
            out.push(format!("family={f}"));
        }
        if let Some(l) = self.level {
            out.push(format!("level={l}"));
        }
        if let Some(s) = &self.status {
            out.push(format!("status={s}"));
        }
        if let Some((_, name)) = &self.recipe {
            out.push(format!("recipe={name}"));
        }
        if let Some((_, name)) = &self.model {
            out.push(format!("model={name}"));
        }
        if !self.search_shown().is_empty() {
            out.push(format!("/{}", self.search_shown()));
        }
        if let Some(sort) = self.sort {
            out.push(format!("sort={}", sort_label(sort)));
        }
        out
    }

    /// The search moved on by one step for `column`: ascending, then
    /// descending, then the list's own order.
    pub fn cycle_sort(&mut self, column: crate::store::SortColumn) {
        use crate::store::ListSort;
        self.sort = match self.sort {
            Some(s) if s.column == column && !s.descending => Some(ListSort {
                column,
                descending: true,
            }),
            Some(s) if s.column == column => None,
            _ => Some(ListSort {
                column,
                descending: false,
            }),
        };
    }

    /// ▲ or ▼ when the list is sorted by `column`.
    pub fn sort_arrow(&self, column: crate::store::SortColumn) -> &'static str {
        match self.sort {
            Some(s) if s.column == column && s.descending => " ▼",
            Some(s) if s.column == column => " ▲",
            _ => "",
        }
    }
}

/// "updated▼": a sort as the list's title says it.
fn sort_label(sort: crate::store::ListSort) -> String {
    let arrow = if sort.descending { "▼" } else { "▲" };
    format!("{}{arrow}", format!("{:?}", sort.column).to_lowercase())
}

/// The Runs tab's search: an expression of the filter language when it
/// reads as one ("metrics.rmse < 0.5 and params.lr = '0.01'"), else text
/// to find in names; the error names its column.
pub fn run_search(text: &str) -> Result<RunSearch, String> {
    use crate::runs::filter;
    // The text is on screen as typed: the message says where and what,
    // in the few columns left beside it.
    let refused = |what: &str, e: filter::FilterError| format!("{what}{e}");
    let (expression, sort) = filter::split_order_by(text);
    let order_by = match sort {
        Some(keys) => filter::parse_order_by(keys).map_err(|e| refused("order by: ", e))?,
        None => Vec::new(),
    };
    if !filter::looks_like_expression(expression) {
        return Ok((non_empty(expression), None, order_by));
    }
    let parsed = filter::parse(expression).map_err(|e| refused("", e))?;
    Ok((None, Some(parsed), order_by))
}

/// Words to find, an expression, and sort keys.
pub type RunSearch = (
    Option<String>,
    Option<crate::runs::filter::Filter>,
    Vec<crate::runs::filter::OrderBy>,
);

/// Trimmed text, or none when blank.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_that_only_sorts_does_not_narrow_the_list() {
        let sorted = Filters {
            search: "order by metrics.rmse desc".into(),
            ..Filters::default()
        };
        assert!(!sorted.is_empty());
        assert!(!sorted.narrows());
        let filtered = Filters {
            search: "metrics.rmse < 1 order by metrics.rmse".into(),
            ..Filters::default()
        };
        assert!(filtered.narrows());
        let by_type = Filters {
            run_type: Some(crate::domain::RunType::Eval),
            ..sorted
        };
        assert!(by_type.narrows());
    }

    #[test]
    fn a_search_with_an_error_leaves_the_last_valid_one_applied() {
        let mut f = Filters {
            search: "metrics.rmse < 1".into(),
            ..Filters::default()
        };
        f.check_search(true);
        assert_eq!(f.search_error, None);
        f.search = "metrics.rmse <".into();
        f.check_search(true);
        let error = f.search_error.clone().unwrap_or_default();
        assert!(error.contains("column 15"), "{error}");
        assert_eq!(f.applied().search, "metrics.rmse < 1");
        assert_eq!(f.describe(), ["/metrics.rmse < 1"]);
        // Words to find are never an error; on other tabs nothing is parsed.
        f.search = "metrics.rmse <".into();
        f.check_search(false);
        assert_eq!(f.search_error, None);
        assert_eq!(f.applied().search, "metrics.rmse <");
    }
}
