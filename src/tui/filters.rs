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
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Whether the list shows fewer rows than there are: anything set but
    /// a search that only sorts (`order by ...`).
    pub fn narrows(&self) -> bool {
        let (expression, _) = crate::runs::filter::split_order_by(&self.search);
        let unsorted = Filters {
            search: expression.to_string(),
            ..self.clone()
        };
        !unsorted.is_empty()
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
        if !self.search.is_empty() {
            out.push(format!("/{}", self.search));
        }
        out
    }
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
}
